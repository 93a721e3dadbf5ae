//! The command line, tried with the mistakes and awkward inputs a user makes: any output
//! path, exports that fail half-way (a yosys that rejects a file or hangs, a folder in the
//! way), module names of one's own, the bench's committed results, parity words in TOML
//! and flags, negative numbers. Each runs the real binary in a scratch folder.
//!
//! A stand-in yosys (a shell script first on PATH) plays the failing or hanging tool, so
//! these need no real yosys; the tests that need one are marked external-tools.

#![cfg(all(feature = "cli", unix))]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_rust-hdl-uart");

/// An empty scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the binary in `cwd`; `path_first` goes in front of PATH.
fn cli(cwd: &Path, args: &[&str], path_first: Option<&Path>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(cwd)
        .stdin(std::process::Stdio::null());
    if let Some(dir) = path_first {
        let path = std::env::join_paths(std::iter::once(dir.to_path_buf()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .unwrap();
        cmd.env("PATH", path);
    }
    cmd.output().expect("the binary runs")
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A folder holding a stand-in `yosys` that runs `script` (sh).
fn fake_yosys(dir: &Path, script: &str) -> PathBuf {
    let bin = dir.join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let yosys = bin.join("yosys");
    std::fs::write(&yosys, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&yosys, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// The names in a folder, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn std_files() -> Vec<String> {
    [
        "uart.v",
        "uart_axil.v",
        "uart_cfg.v",
        "uart_rx.v",
        "uart_rx_cfg.v",
        "uart_tx.v",
        "uart_tx_cfg.v",
        "uart_wb.v",
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn cli_out_accepts_spaces_and_a_leading_dash() {
    let dir = scratch("awkward-paths");
    // A yosys that accepts everything: the real one is checked the same way below.
    let ok = fake_yosys(&dir, "exit 0");
    for args in [
        vec!["verilog", "--out", "dir with space"],
        vec!["verilog", "--out=-weird"],
        vec!["verilog", "--out", "-also weird"],
    ] {
        let out = cli(&dir, &args, Some(&ok));
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{args:?}: {stdout}{stderr}");
        let folder = args.last().unwrap().trim_start_matches("--out=");
        assert_eq!(listing(&dir.join(folder)), std_files(), "{args:?}");
        assert!(stdout.contains("yosys: elaborated"), "{stdout}");
    }
}

#[cfg(feature = "external-tools")]
#[test]
fn cli_out_with_spaces_passes_the_real_yosys() {
    let dir = scratch("awkward-paths-yosys");
    for folder in ["dir with space", "-weird"] {
        let out = cli(&dir, &["verilog", &format!("--out={folder}")], None);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{folder}: {stdout}{stderr}");
        assert!(stdout.contains("yosys: elaborated"), "{stdout}");
        assert_eq!(listing(&dir.join(folder)), std_files());
    }
}

#[test]
fn cli_export_is_all_or_nothing_when_yosys_rejects_a_file() {
    let dir = scratch("rejected");
    // Accepts uart_rx.v, rejects uart_tx.v: the first file was already checked when the
    // second fails.
    let picky = fake_yosys(
        &dir,
        r#"case "$*" in *uart_tx.v*) echo "ERROR: stand-in yosys rejects uart_tx.v"; exit 1;; esac; exit 0"#,
    );
    // Into a folder the export creates: it is gone again.
    let out = cli(&dir, &["verilog", "--out", "new"], Some(&picky));
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("yosys rejected uart_tx.v"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert!(stderr.contains("stand-in yosys rejects"), "{stderr}");
    assert!(!dir.join("new").exists(), "{:?}", listing(&dir.join("new")));
    // Into a folder with an older export: the old files stay as they were.
    let old = dir.join("old");
    std::fs::create_dir_all(&old).unwrap();
    for f in std_files() {
        std::fs::write(old.join(&f), "// older export\n").unwrap();
    }
    let out = cli(&dir, &["verilog", "--out", "old"], Some(&picky));
    assert!(!out.status.success());
    assert_eq!(listing(&old), std_files());
    for f in std_files() {
        assert_eq!(
            std::fs::read_to_string(old.join(&f)).unwrap(),
            "// older export\n"
        );
    }
}

#[test]
fn cli_export_is_all_or_nothing_when_a_folder_is_in_the_way() {
    let dir = scratch("in-the-way");
    let ok = fake_yosys(&dir, "exit 0");
    std::fs::create_dir_all(dir.join("out/uart.v")).unwrap();
    let out = cli(&dir, &["verilog", "--out", "out"], Some(&ok));
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("uart.v exists and is not a file")
            && stderr.contains("nothing was written"),
        "{stderr}"
    );
    assert_eq!(listing(&dir.join("out")), ["uart.v"]);
}

#[test]
fn cli_hanging_yosys_is_stopped_and_named() {
    let dir = scratch("hanging");
    let hang = fake_yosys(&dir, "exec sleep 600");
    let out = cli(
        &dir,
        &["verilog", "--out", "out", "--yosys-timeout", "2"],
        Some(&hang),
    );
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("yosys did not finish checking uart_rx.v within 2 s"),
        "{stderr}"
    );
    assert!(!dir.join("out").exists());
    let out = cli(&dir, &["verilog", "--yosys-timeout", "soon"], Some(&hang));
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("--yosys-timeout") && stderr.contains("positive number of seconds"),
        "{stderr}"
    );
}

#[test]
fn cli_name_names_modules_and_files_and_rejects_bad_names() {
    let dir = scratch("names");
    let ok = fake_yosys(&dir, "exit 0");
    let out = cli(
        &dir,
        &["verilog", "--out", "v", "--name", "console"],
        Some(&ok),
    );
    assert!(out.status.success(), "{:?}", text(&out));
    assert_eq!(
        listing(&dir.join("v")),
        [
            "console.v",
            "console_axil.v",
            "console_cfg.v",
            "console_rx.v",
            "console_rx_cfg.v",
            "console_tx.v",
            "console_tx_cfg.v",
            "console_wb.v"
        ]
    );
    let rx = std::fs::read_to_string(dir.join("v/console_rx.v")).unwrap();
    assert!(
        rx.contains("module console_rx("),
        "{}",
        &rx[..400.min(rx.len())]
    );
    for bad in ["my uart", "2fast", "module", "a-b"] {
        let out = cli(&dir, &["verilog", "--out", "bad", "--name", bad], Some(&ok));
        let (_, stderr) = text(&out);
        assert!(!out.status.success(), "{bad}");
        assert!(stderr.contains(&format!("'{bad}'")), "{bad}: {stderr}");
        assert!(!dir.join("bad").exists(), "{bad}");
    }
}

/// Two exports under different names read into one design with the real yosys.
#[cfg(feature = "external-tools")]
#[test]
fn cli_two_named_configurations_in_one_design() {
    let dir = scratch("two-in-one");
    for args in [
        vec!["verilog", "--out", "v", "--name", "console"],
        vec![
            "verilog",
            "--out",
            "v",
            "--name",
            "fast",
            "--baud",
            "3000000",
            "--oversample",
            "8",
        ],
    ] {
        let out = cli(&dir, &args, None);
        assert!(out.status.success(), "{:?}", text(&out));
    }
    std::fs::write(
        dir.join("v/top.v"),
        "module top(input clock, input a, input b, output ta, output tb);\n\
         console c(.clock(clock), .reset(1'b0), .rx(a), .tx(ta), .rx_data(), .rx_valid(), .rx_ready(1'b1), .rx_framing_error(), .rx_parity_error(), .rx_break(), .rx_overrun(), .tx_data(8'h41), .tx_valid(1'b1), .tx_ready(), .tx_break_line(1'b0), .tx_busy());\n\
         fast f(.clock(clock), .reset(1'b0), .rx(b), .tx(tb), .rx_data(), .rx_valid(), .rx_ready(1'b1), .rx_framing_error(), .rx_parity_error(), .rx_break(), .rx_overrun(), .tx_data(8'h42), .tx_valid(1'b1), .tx_ready(), .tx_break_line(1'b0), .tx_busy());\n\
         console_rx r(.clock(clock), .reset(1'b0), .rx(a), .data(), .valid(), .ready(1'b1), .framing_error(), .parity_error(), .break_detected(), .overrun());\n\
         fast_tx t(.clock(clock), .reset(1'b0), .data(8'h43), .valid(1'b1), .ready(), .break_line(1'b0), .tx(), .busy());\n\
         endmodule\n",
    )
    .unwrap();
    let out = Command::new("yosys")
        .args([
            "-q",
            "-p",
            "read_verilog console.v console_rx.v console_tx.v fast.v fast_rx.v fast_tx.v top.v; \
             hierarchy -check -top top; proc; check -assert",
        ])
        .current_dir(dir.join("v"))
        .output()
        .expect("yosys runs (make test installs it)");
    assert!(out.status.success(), "{:?}", text(&out));
    let fast = std::fs::read_to_string(dir.join("v/fast.v")).unwrap();
    assert!(fast.contains("baud = 3000000"));
}

#[test]
fn cli_bench_keeps_the_committed_results_unless_asked() {
    let dir = scratch("bench");
    std::fs::create_dir_all(dir.join("bench")).unwrap();
    std::fs::write(dir.join("bench/results.md"), "committed\n").unwrap();
    // Rough figures never go to bench/.
    let out = cli(&dir, &["bench", "--quick", "--results", "bench"], None);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("would overwrite the committed"), "{stderr}");
    let out = cli(&dir, &["bench", "--quick", "--save"], None);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("--save") && stderr.contains("--quick"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("bench/results.md")).unwrap(),
        "committed\n"
    );
    // The help lists every section and says where results go.
    let out = cli(&dir, &["bench", "--help"], None);
    let (stdout, _) = text(&out);
    for section in ["sim", "tolerance", "glitch", "synth", "verilator"] {
        assert!(stdout.contains(section), "{section}: {stdout}");
    }
    assert!(
        stdout.contains("build/bench") && stdout.contains("--save"),
        "{stdout}"
    );
    let out = cli(&dir, &["bench", "--only", "bogus"], None);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("bogus") && stderr.contains("verilator"),
        "{stderr}"
    );
}

#[test]
fn cli_parity_words_and_letters_in_toml_and_flags() {
    let dir = scratch("parity");
    for (word, short) in [("EVEN", "8E1"), ("e", "8E1"), ("Odd", "8O1"), ("m", "8M1")] {
        std::fs::write(dir.join("u.toml"), format!("parity = \"{word}\"\n")).unwrap();
        let out = cli(&dir, &["info", "--config", "u.toml"], None);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{word}: {stderr}");
        assert!(stdout.contains(short), "{word}: {stdout}");
        let out = cli(&dir, &["info", "--parity", word], None);
        let (stdout, _) = text(&out);
        assert!(stdout.contains(short), "{word}: {stdout}");
    }
}

#[test]
fn cli_negative_and_malformed_numbers_name_the_flag() {
    let dir = scratch("numbers");
    for (flag, value) in [
        ("--baud", "-9600"),
        ("--data-bits", "-8"),
        ("--clock-hz", "-1"),
        ("--stop-bits", "-1"),
        ("--oversample", "-16"),
    ] {
        let out = cli(&dir, &["info", flag, value], None);
        let (_, stderr) = text(&out);
        assert!(!out.status.success());
        assert!(
            stderr.contains(flag) && stderr.contains("negative"),
            "{flag} {value}: {stderr}"
        );
    }
    let out = cli(&dir, &["info", "--baud", "fast"], None);
    let (_, stderr) = text(&out);
    assert!(
        stderr.contains("--baud") && stderr.contains("not a whole number"),
        "{stderr}"
    );
}

/// Issue #17 item 10: the PC tools validate alike and say what is wrong: a clock too slow
/// for any baud names the clock (never "baud <= 0"); `link-test --baud 0` and
/// `reg --timeout-ms 0` are refused before any port is touched; a negative probability is
/// the fault option's own error, not a parse error; a plain file or `/dev/null` as a port
/// is named for what it is.
#[test]
fn cli_pc_tools_validate_alike() {
    let dir = scratch("pc-validation");
    let check = |args: &[&str], wanted: &[&str], unwanted: &[&str]| {
        let out = cli(&dir, args, None);
        let (_, stderr) = text(&out);
        assert!(!out.status.success(), "{args:?} succeeded");
        for w in wanted {
            assert!(stderr.contains(w), "{args:?}: {w:?} missing in {stderr}");
        }
        for u in unwanted {
            assert!(!stderr.contains(u), "{args:?}: {u:?} in {stderr}");
        }
    };
    check(
        &["info", "--clock-hz", "1"],
        &["clock_hz >=", "too slow"],
        &["baud <= 0"],
    );
    check(
        &["link-test", "--port", "/dev/null", "--baud", "0"],
        &["--baud 0"],
        &[],
    );
    check(
        &[
            "reg",
            "read",
            "id",
            "--port",
            "/dev/null",
            "--timeout-ms",
            "0",
        ],
        &["--timeout-ms 0"],
        &[],
    );
    check(
        &["sim-board", "--corrupt", "-0.5"],
        &["--corrupt -0.5", "between 0 and 1"],
        &[],
    );
    let file = dir.join("plain.txt");
    std::fs::write(&file, "not a port").unwrap();
    let file = file.to_string_lossy().to_string();
    for port in ["/dev/null", file.as_str()] {
        check(
            &["reg", "read", "id", "--port", port],
            &["not a serial port"],
            &["Not a typewriter"],
        );
        check(
            &["link-test", "--port", port],
            &["not a serial port"],
            &["Not a typewriter"],
        );
    }
}

/// `boards` lists every board with its pins; a wrong board, ECP5 part or toolchain is an
/// error naming the valid ones (no tool runs).
#[test]
fn cli_boards_and_board_choices() {
    let dir = scratch("boards");
    let out = cli(&dir, &["boards"], None);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    for name in [
        "cu ",
        "cu-v2 ",
        "icebreaker ",
        "upduino-v3 ",
        "ulx3s ",
        "tangnano9k ",
    ] {
        assert!(stdout.contains(name), "{name}: {stdout}");
    }
    assert!(
        stdout.contains("RX pin 6 (FPGA in), TX pin 9 (FPGA out)"),
        "{stdout}"
    );
    let out = cli(&dir, &["build", "--board", "icebraker"], None);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("unknown board 'icebraker'") && stderr.contains("tangnano9k"),
        "{stderr}"
    );
    let out = cli(&dir, &["build", "--board", "ulx3s", "--part", "30F"], None);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("12F, 25F, 45F, 85F"), "{stderr}");
    let out = cli(&dir, &["build", "--toolchain", "vivado"], None);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("use debian") && stderr.contains("yowasp"),
        "{stderr}"
    );
}

/// Issue #18: each FIFO its own depth, 1 to 512 entries, from flags and from the
/// `[peripheral]` table; the header and the build comment say which. What stays refused
/// (not a power of two, above 512, RTS/CTS with a 1-entry RX FIFO) names the switch and
/// the fix, and nothing is written.
#[test]
fn cli_fifo_depths_per_direction() {
    let dir = scratch("fifo-depths");
    let ok = fake_yosys(&dir, "exit 0");
    let args = [
        "verilog",
        "--peripheral",
        "minimal",
        "--rx-depth",
        "1",
        "--tx-depth",
        "64",
        "--bus",
        "wishbone",
        "--out",
        "one",
    ];
    let out = cli(&dir, &args, Some(&ok));
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    let verilog = std::fs::read_to_string(dir.join("one/uart_wb.v")).unwrap();
    assert!(
        verilog.contains("RX FIFO 1 / TX FIFO 64 entries"),
        "build comment"
    );
    // Watermarks as wide as their FIFO's level: 0..=1 is 1 bit, 0..=64 is 7 bits.
    let header = std::fs::read_to_string(dir.join("one/uart_regs.h")).unwrap();
    assert!(
        header.contains("#define UART_WATERMARK_RX_MASK 0x00000001u\n"),
        "{header}"
    );
    assert!(
        header.contains("#define UART_WATERMARK_TX_MASK 0x007F0000u\n"),
        "{header}"
    );

    std::fs::write(
        dir.join("p.toml"),
        "[peripheral]\npreset = \"minimal\"\nrx_depth = 2\ntx_depth = 512\n",
    )
    .unwrap();
    let args = [
        "verilog", "--config", "p.toml", "--bus", "axil", "--out", "two",
    ];
    let out = cli(&dir, &args, Some(&ok));
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    let verilog = std::fs::read_to_string(dir.join("two/uart_axil.v")).unwrap();
    assert!(verilog.contains("RX FIFO 2 / TX FIFO 512 entries"));

    for (flags, words) in [
        (
            vec!["--rx-depth", "3"],
            vec!["rx_depth = 3", "power of two", "use 4"],
        ),
        (vec!["--tx-depth", "1024"], vec!["tx_depth = 1024", "512"]),
        (
            vec!["--rx-depth", "1"],
            vec!["rts_cts", "rx_depth", "turn rts_cts off"],
        ),
    ] {
        let mut args = vec!["verilog", "--out", "refused"];
        args.extend(&flags);
        let out = cli(&dir, &args, Some(&ok));
        let (_, stderr) = text(&out);
        assert!(!out.status.success(), "{flags:?} was accepted");
        for w in words {
            assert!(stderr.contains(w), "{flags:?}: no {w:?} in {stderr}");
        }
        assert!(
            !dir.join("refused").exists(),
            "{flags:?}: something was written"
        );
    }
}
