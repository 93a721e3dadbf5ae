//! The simulation-speed bench's peer harnesses, kept honest without network (issue #19).
//!
//! LiteX is in the project's venv, so its generator (`sim/fastv/peers/litex_uart.py`) and
//! its Wishbone harness (`tb_litex_loop_wb.v`) run here under Icarus, through the bench's
//! own code ([`peers::litex_verilog`], [`peers::litex_testbench`]), for a few bytes at the
//! bench's rate (868 clocks per bit); and the harness must catch a broken loop.
//!
//! wbuart32's harnesses (`tb_wbuart32_loop.v`, `tb_wbuart_loop_wb.v`) are not tested here:
//! its source cannot be had offline (the bench clones it, or takes a checkout named by
//! `RUST_HDL_UART_WBUART32`), and a stand-in module written to its ports would prove
//! nothing about the real one. The bench exercises them: every run checks every byte.

use anyhow::{bail, Context, Result};
use rust_hdl_uart::bench::simspeed::peers;
use rust_hdl_uart::sim::regression::testbench_result;
use rust_hdl_uart::tools::{Step, Toolchain};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Far beyond the seconds these runs take: only a hang guard.
const HANG_GUARD: Duration = Duration::from_secs(600);
/// The bench's rate: 115200 baud at 100 MHz.
const CLOCK_HZ: u64 = 100_000_000;
const BAUD: u64 = 115_200;

fn scratch(name: &str) -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
    };
    let dir = target.join("simspeed-peers-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run_tool(dir: &Path, tool: &str, args: &[&str], log: &str) -> Result<String> {
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    let step = Step::new(tool, &args, dir, &dir.join(log), HANG_GUARD);
    let run = Toolchain::from_env().run(&step)?;
    let text = run.log_text()?;
    if !run.succeeded() {
        bail!("{tool} failed in {}:\n{text}", dir.display());
    }
    Ok(text)
}

/// Runs the LiteX harness on `dut` with the testbench `tb` for `bytes` bytes, polling
/// every 1000 clocks as the bench does; returns (sent, got, bad).
fn litex_loop(dir: &Path, dut: &str, tb: &str, bytes: u64) -> Result<(u64, u64, u64)> {
    std::fs::write(dir.join("dut.v"), dut)?;
    std::fs::write(dir.join("tb.v"), tb)?;
    let n = format!("-DN={bytes}");
    // Two idle frames after reset, as the bench (the receiver arms on an idle line).
    run_tool(
        dir,
        "iverilog",
        &[
            "-g2005",
            "-o",
            "tb.vvp",
            &n,
            "-DGAP=1000",
            "-DIDLE=20832",
            "-DLIMIT=200000",
            "tb.v",
            "dut.v",
        ],
        "iverilog.log",
    )?;
    let text = run_tool(dir, "vvp", &["-n", "tb.vvp"], "vvp.log")?;
    let [sent, got, bad] = testbench_result(&text, ["sent", "got", "bad"])
        .with_context(|| format!("in {}", dir.display()))?;
    Ok((sent, got, bad))
}

/// LiteX's UART peripheral, generated from the venv's pinned LiteX, loops 4 bytes through
/// the bench's Wishbone harness: each written to RXTX, polled for on RXEMPTY, read back
/// and checked.
#[test]
fn litex_harness_loops_bytes() {
    let dir = scratch("litex");
    let (text, provenance) = peers::litex_verilog(&dir, CLOCK_HZ, BAUD).unwrap();
    assert!(provenance.contains(peers::LITEX_VERSION), "{provenance}");
    assert!(
        text.contains("module litex_uart"),
        "no litex_uart module in the generated text"
    );
    let (sent, got, bad) = litex_loop(&dir, &text, &peers::litex_testbench(&text), 4).unwrap();
    assert_eq!(
        (sent, got, bad),
        (4, 4, 0),
        "LiteX loop in {}",
        dir.display()
    );
}

/// The harness catches a broken loop: with EV_PENDING pointed at a read-only register the
/// RX FIFO never advances, so the harness reads the first byte again and must count the
/// wrong bytes.
#[test]
fn litex_harness_catches_a_stuck_fifo() {
    let dir = scratch("litex-stuck");
    let (text, _) = peers::litex_verilog(&dir, CLOCK_HZ, BAUD).unwrap();
    let tb = peers::litex_testbench(&text);
    let rxempty = tb
        .lines()
        .find(|l| l.starts_with("`define LITEX_RXEMPTY "))
        .and_then(|l| l.split_whitespace().nth(2))
        .expect("the generator defines LITEX_RXEMPTY")
        .to_string();
    let broken: String = tb
        .lines()
        .map(|l| {
            if l.starts_with("`define LITEX_EV_PENDING ") {
                format!("`define LITEX_EV_PENDING {rxempty}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert_ne!(broken, tb, "the EV_PENDING define was not found");
    let (_, got, bad) = litex_loop(&dir, &text, &broken, 3).unwrap();
    assert!(
        got > 0 && bad > 0,
        "a stuck RX FIFO went unnoticed: got {got}, bad {bad}"
    );
}

/// A wbuart32 folder the user names is checked before anything is measured: one missing a
/// file is refused naming the file and the variable to fix; a git checkout at another
/// commit is refused naming both commits; a plain folder is taken but marked NOT verified,
/// with each file's git blob hash (the file's own content, as `git hash-object` gives it).
#[test]
fn wbuart32_source_is_checked() {
    let dir = scratch("wbuart32-source");
    let work = dir.join("work");
    let tree = dir.join("tree");
    std::fs::create_dir_all(tree.join("rtl")).unwrap();
    let files = ["rxuart", "txuart", "rxuartlite", "txuartlite", "wbuart"];
    for f in files {
        std::fs::write(
            tree.join(format!("rtl/{f}.v")),
            format!("module {f}; endmodule\n"),
        )
        .unwrap();
    }
    let err = format!(
        "{:#}",
        peers::wbuart32_source_at(Some(&tree), &work).unwrap_err()
    );
    assert!(
        err.contains("rtl/ufifo.v") && err.contains(peers::WBUART32_ENV),
        "{err}"
    );

    std::fs::write(tree.join("rtl/ufifo.v"), "module ufifo; endmodule\n").unwrap();
    let (provenance, _) = peers::wbuart32_source_at(Some(&tree), &work).unwrap();
    assert!(provenance.contains("NOT verified"), "{provenance}");
    // The git blob hash of "module ufifo; endmodule\n": SHA-1 of "blob 24\0" and the text,
    // computed outside the project (Python's hashlib).
    let want = "79b1c413fb1ad755d571e584bbd875c742e22c7e";
    assert!(
        provenance.contains(&format!("rtl/ufifo.v {want}")),
        "{provenance}"
    );
    assert!(
        !provenance.contains("$ cd"),
        "the runner's log header leaked: {provenance}"
    );

    for args in [
        vec!["init", "--quiet"],
        vec!["add", "."],
        vec![
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "--quiet",
            "-m",
            "t",
        ],
    ] {
        run_tool(&tree, "git", &args, "../git.log").unwrap();
    }
    let err = format!(
        "{:#}",
        peers::wbuart32_source_at(Some(&tree), &work).unwrap_err()
    );
    assert!(
        err.contains(peers::WBUART32_COMMIT) && err.contains("is at commit"),
        "{err}"
    );
}
