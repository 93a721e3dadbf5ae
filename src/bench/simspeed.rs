//! Bench section `simspeed`: how fast users' simulators run the exported Verilog, rust-hdl's
//! own text ("rust-hdl") against the shipped text ("shipped", [`crate::export::fast`]), in
//! one run, with the project's own peer-free harnesses (`sim/fastv/`):
//! - `uart` and `uart_cfg`: `tb_loop.v`, tx wired to rx, a byte handed over whenever the
//!   transmitter is ready, every byte checked;
//! - `uart_wb`: `tb_loop_wb.v`, a Wishbone master writing TXDATA and polling RXDATA every
//!   1000 clocks;
//! - the echo firmware's top: `tb_echo.v`, a behavioural sender and checker on its pins.
//!
//! Icarus (`iverilog -g2005`, `vvp -n`) and Verilator (`-O3`, C++ at `-O3`, the harness in
//! `sim/fastv/harness.cpp`: two `eval()` per clock). The figure is clocks per CPU second
//! of the simulator process (its user + system time, from this process's reaped-children
//! times), so another job on the machine does not change it much; compile time is not
//! counted.
//!
//! The peers of issue #19 are measured in the same run with the same simulators, flags,
//! clocks per run and traffic ([`peers`]: wbuart32 fetched at a pinned commit, LiteX's UART
//! generated from the pinned PyPI packages); a peer whose source cannot be had is reported
//! as "not measured" with the reason, and the other figures stand.

use crate::config::{cfg_increment, UartConfig};
use crate::export::{block_verilog_rust_hdl, design_verilog, design_verilog_rust_hdl, Design};
use crate::firmware::EchoFirmware;
use crate::sim::regression::testbench_result;
use crate::tools::{Step, Toolchain};
use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Hang guard for one compile or run: far beyond the seconds they take.
const HANG_GUARD: Duration = Duration::from_secs(1800);

/// The testbenches, compiled into the binary so the bench runs from any folder.
const TB_LOOP: &str = include_str!("../../sim/fastv/tb_loop.v");
const TB_LOOP_WB: &str = include_str!("../../sim/fastv/tb_loop_wb.v");
const TB_ECHO: &str = include_str!("../../sim/fastv/tb_echo.v");
const HARNESS: &str = include_str!("../../sim/fastv/harness.cpp");

#[path = "simspeed_peers.rs"]
pub mod peers;

/// One design to measure.
struct Case {
    name: &'static str,
    rust_hdl: String,
    shipped: String,
    testbench: String,
    defines: Vec<String>,
    clock: &'static str,
    /// Icarus's language flag: ours are Verilog-2005; wbuart32 needs `-g2012` (local
    /// parameters in its parameter port lists). It changes the parser, not the simulation.
    iverilog_std: &'static str,
}

/// CPU seconds of this process's reaped children (Linux `/proc/self/stat`, cutime +
/// cstime, in clock ticks of 1/100 s: the kernel's USER_HZ).
fn children_cpu_seconds() -> Result<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat")
        .context("bench simspeed needs Linux's /proc/self/stat for CPU times")?;
    let after = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .context("unexpected /proc/self/stat")?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields counted from 1 in proc(5): 16 cutime, 17 cstime; `after` starts at field 3.
    let ticks = |n: usize| -> Result<f64> {
        fields
            .get(n - 3)
            .context("short /proc/self/stat")?
            .parse::<f64>()
            .context("bad /proc/self/stat")
    };
    Ok((ticks(16)? + ticks(17)?) / 100.0)
}

fn cases(config: &UartConfig) -> Result<Vec<Case>> {
    let timing = config.validate()?;
    let increment = cfg_increment(config.clock_hz, config.baud, config.oversample)?;
    let design = |d: Design| -> Result<(String, String)> {
        let m = d.module_name();
        Ok((
            design_verilog_rust_hdl(config, d, m)?,
            design_verilog(config, d, m)?,
        ))
    };
    let (uart_old, uart_new) = design(Design::Combined)?;
    let (cfg_old, cfg_new) = design(Design::CombinedCfg)?;
    let (wb_old, wb_new) = design(Design::Wishbone)?;
    let echo_old = crate::with_data_bits!(config.data_bits, D =>
        block_verilog_rust_hdl(&mut EchoFirmware::<D>::new(&timing)?, "echo_top")?);
    let echo_new = crate::export::fast::rewrite(&echo_old, "echo_top")?;
    let cpb = format!("-DCPB={}", timing.clocks_per_bit.round() as u64);
    // The loop harnesses send their first byte after IDLE clocks; the receiver arms only
    // after a whole frame of idle line, so at the bench's rate (868 clocks per bit) the
    // harnesses' default (2000, sized for the tests' 50 clocks per bit) would lose the
    // first byte and the run would fail its check. Two 12-bit frames.
    let idle = format!("-DIDLE={}", (timing.clocks_per_bit * 24.0).ceil() as u64);
    Ok(vec![
        Case {
            name: "uart",
            rust_hdl: uart_old,
            shipped: uart_new,
            testbench: TB_LOOP.into(),
            defines: vec![idle.clone()],
            clock: "clock",
            iverilog_std: "-g2005",
        },
        Case {
            name: "uart_cfg",
            rust_hdl: cfg_old,
            shipped: cfg_new,
            testbench: TB_LOOP.into(),
            defines: vec![
                "-DCFG".into(),
                format!("-DINCREMENT={increment}"),
                idle.clone(),
            ],
            clock: "clock",
            iverilog_std: "-g2005",
        },
        Case {
            name: "uart_wb",
            rust_hdl: wb_old,
            shipped: wb_new,
            testbench: TB_LOOP_WB.into(),
            // A CPU polling RXDATA every 1000 clocks; the peers' Wishbone harnesses poll
            // with the same gap (peers::GAP).
            defines: vec![format!("-DGAP={}", peers::GAP), idle],
            clock: "clock",
            iverilog_std: "-g2005",
        },
        Case {
            name: "echo_top",
            rust_hdl: echo_old,
            shipped: echo_new,
            testbench: TB_ECHO.into(),
            defines: vec![cpb],
            clock: "clk",
            iverilog_std: "-g2005",
        },
    ])
}

/// Runs `tool` in `dir`, bounded; fails with its log when it fails.
fn run(dir: &Path, tool: &str, args: &[String], log: &str) -> Result<String> {
    run_bounded(dir, tool, args, log, HANG_GUARD)
}

/// [`run`] with its own hang guard.
fn run_bounded(
    dir: &Path,
    tool: &str,
    args: &[String],
    log: &str,
    guard: Duration,
) -> Result<String> {
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    let step = Step::new(tool, &args, dir, &dir.join(log), guard);
    let run = Toolchain::from_env().run(&step)?;
    let text = run.log_text()?;
    if !run.succeeded() {
        bail!(
            "bench simspeed: {tool} failed in {}:\n{}",
            dir.display(),
            crate::tools::log_excerpt(&text, 30)
        );
    }
    Ok(text)
}

/// One simulation: returns k clocks per CPU second, after checking the run looped bytes
/// with no error.
fn measure(dir: &Path, what: &str, program: &str, args: &[String]) -> Result<(f64, Value)> {
    let before = children_cpu_seconds()?;
    let text = run(dir, program, args, "run.log")?;
    let cpu = children_cpu_seconds()? - before;
    let [got, bad, cycles] = testbench_result::<u64, 3>(&text, ["got", "bad", "cycles"])?;
    if got == 0 || bad != 0 {
        bail!(
            "bench simspeed: {what} looped {got} bytes with {bad} wrong: the harness or the \
             design is broken (log in {})",
            dir.display()
        );
    }
    let k_per_s = cycles as f64 / cpu.max(0.01) / 1000.0;
    println!("  {what}: {cycles} clocks, {got} bytes, {cpu:.2} CPU s = {k_per_s:.1} k clocks/s");
    Ok((
        k_per_s,
        json!({ "clocks": cycles, "bytes": got, "cpu_seconds": cpu, "k_clocks_per_cpu_second": k_per_s }),
    ))
}

fn icarus(dir: &Path, case: &Case, text: &str, clocks: u64) -> Result<(f64, Value)> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("dut.v"), text)?;
    std::fs::write(dir.join("tb.v"), &case.testbench)?;
    let mut args: Vec<String> = vec![case.iverilog_std.into(), "-o".into(), "tb.vvp".into()];
    args.extend(case.defines.iter().cloned());
    args.push(format!("-DLIMIT={clocks}"));
    args.push("-DN=1000000000".into());
    args.extend(["tb.v".into(), "dut.v".into()]);
    run(dir, "iverilog", &args, "iverilog.log")?;
    measure(
        dir,
        &format!("Icarus {}", dir.display()),
        "vvp",
        &["-n".into(), "tb.vvp".into()],
    )
}

fn verilator(dir: &Path, case: &Case, text: &str, clocks: u64) -> Result<(f64, Value)> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("dut.v"), text)?;
    std::fs::write(dir.join("tb.v"), &case.testbench)?;
    std::fs::write(dir.join("harness.cpp"), HARNESS)?;
    let mut args: Vec<String> = [
        "--cc",
        "--exe",
        "--build",
        "-O3",
        "--x-assign",
        "fast",
        "--x-initial",
        "fast",
        "-Wno-fatal",
        "-Wno-lint",
        "-Wno-style",
        "--top-module",
        "tb",
        "-MAKEFLAGS",
        "OPT_FAST=-O3 OPT_GLOBAL=-O3",
        "-Mdir",
        "obj",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push("-CFLAGS".into());
    args.push(format!("-DCLK={}", case.clock));
    args.extend(case.defines.iter().cloned());
    args.push(format!("-DLIMIT={clocks}"));
    args.push("-DN=1000000000".into());
    args.extend(["tb.v".into(), "dut.v".into(), "harness.cpp".into()]);
    run(dir, "verilator", &args, "verilator.log")?;
    // Absolute: the run's working folder is `dir`, so a relative `--results` folder
    // would name the program relative to itself.
    let program = std::path::absolute(dir.join("obj").join("Vtb"))
        .with_context(|| format!("bench simspeed: no absolute path for {}", dir.display()))?;
    measure(
        dir,
        &format!("Verilator {}", dir.display()),
        &program.to_string_lossy(),
        &[],
    )
}

/// The section: every case, rust-hdl's text and the shipped text, Icarus and Verilator;
/// then the peers ([`peers`]) in the same run.
pub fn section(quick: bool, work: &Path, results_dir: &Path) -> Result<Value> {
    let config = UartConfig::default();
    let timing = config.validate()?;
    let icarus_clocks: u64 = if quick { 40_000 } else { 200_000 };
    // Enough clocks that the run takes seconds: CPU time comes in 10 ms ticks.
    let verilator_clocks: u64 = if quick { 400_000 } else { 40_000_000 };
    let work: PathBuf = work.join("simspeed");
    let _ = std::fs::remove_dir_all(&work);
    let mut rows = Vec::new();
    let mut figures = serde_json::Map::new();
    // The shipped text's speed per (design, simulator), for the peers' ratios.
    let mut shipped = BTreeMap::new();
    for case in cases(&config)? {
        let mut row = vec![case.name.to_string()];
        let mut per = serde_json::Map::new();
        for (sim, clocks) in [("icarus", icarus_clocks), ("verilator", verilator_clocks)] {
            let mut speeds = Vec::new();
            for (variant, text) in [("rust-hdl", &case.rust_hdl), ("shipped", &case.shipped)] {
                let dir = work.join(format!("{}-{sim}-{variant}", case.name));
                let (speed, value) = if sim == "icarus" {
                    icarus(&dir, &case, text, clocks)?
                } else {
                    verilator(&dir, &case, text, clocks)?
                };
                per.insert(format!("{sim}_{variant}"), value);
                speeds.push(speed);
            }
            shipped.insert((case.name.to_string(), sim.to_string()), speeds[1]);
            let scale = if sim == "icarus" { 1.0 } else { 1000.0 };
            let unit = if sim == "icarus" { "k" } else { "M" };
            row.push(format!(
                "{:.1} {unit} → **{:.1} {unit}** ({:.1}×)",
                speeds[0] / scale,
                speeds[1] / scale,
                speeds[1] / speeds[0]
            ));
        }
        figures.insert(case.name.into(), Value::Object(per));
        rows.push(format!("| {} |", row.join(" | ")));
    }
    let idle = format!("-DIDLE={}", (timing.clocks_per_bit * 24.0).ceil() as u64);
    let (peers_markdown, peers_value) = peers::section(
        &work,
        config.clock_hz,
        config.baud,
        timing.clocks_per_bit.round() as u64,
        &idle,
        [("icarus", icarus_clocks), ("verilator", verilator_clocks)],
        &shipped,
    )?;
    let markdown = format!(
        "# Simulation speed of the exported Verilog (bench `simspeed`)\n\n\
         Written by `rust-hdl-uart bench --only simspeed`. One run; {} at {} Hz; clocks \
         per CPU second of the simulator (compile time not counted), rust-hdl's own text → \
         the shipped text. Icarus: {icarus_clocks} clocks per run, k clocks/s. Verilator \
         `-O3` (C++ `-O3`, two `eval()` per clock): {verilator_clocks} clocks per run, \
         M clocks/s. Harnesses: `sim/fastv/` (uart, uart_cfg: tx wired to rx, a byte \
         whenever the transmitter is ready; uart_wb: a Wishbone master writing TXDATA and \
         polling RXDATA every {} clocks; echo_top: a behavioural sender and checker on its \
         pins). Every run checks every byte it looped.\n\n\
         | design | Icarus | Verilator |\n|---|---|---|\n{}\n\n{peers_markdown}",
        config.short_name(),
        config.clock_hz,
        peers::GAP,
        rows.join("\n")
    );
    println!("{markdown}");
    std::fs::create_dir_all(results_dir)?;
    let md = results_dir.join("simspeed.md");
    let partial = results_dir.join(".simspeed.md.partial");
    std::fs::write(&partial, &markdown)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, &md)
        .with_context(|| format!("cannot move {} to {}", partial.display(), md.display()))?;
    Ok(json!({
        "config": config.short_name(),
        "icarus_clocks": icarus_clocks,
        "verilator_clocks": verilator_clocks,
        "designs": figures,
        "peers": peers_value,
        "markdown": markdown,
    }))
}
