//! The SoC firmware (firmware/soc.rs): the C program builds with warnings as errors, the
//! SoC's Verilog lints, and on the virtual board a pyserial client
//! (sim/clients/soc_monitor.py) sees the banner after a reset, gets every command's answer,
//! streams random bytes through `echo` without loss, and finds injected faults counted.
//!
//! The board model (the SoC without its PLL, clocked at `SOC_CLOCK_HZ`) is built once by
//! Verilator for the whole file. Loops are bounded by counts; the client's `--timeout` is a
//! hang guard only (seconds of silence, far beyond the expected pauses).

use crate::common::client_json;
use rust_hdl_uart::config::UartConfig;
use rust_hdl_uart::firmware::soc::{self, RAM_BYTES, SOC_CLOCK_HZ};
use rust_hdl_uart::firmware::{firmware_sim_verilog, Firmware};
use rust_hdl_uart::host::vboard::BoardStats;
use rust_hdl_uart::host::{BoardModel, BoardOptions, FaultDirection, Faults, VirtualBoard};
use rust_hdl_uart::sim::lint::{lint, Waiver, RUST_HDL_WAIVERS};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = root().join("target").join("soc-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The SoC's UART configuration: the defaults (115200 8N1) at the SoC's clock.
fn config() -> UartConfig {
    Firmware::Soc.uart_config(&UartConfig::default()).unwrap()
}

fn model() -> BoardModel {
    static MODEL: OnceLock<BoardModel> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let dir = root().join("target").join("soc-tests").join("model");
            BoardModel::build(Firmware::Soc, &config(), &dir)
                .unwrap_or_else(|e| panic!("building the SoC's board model: {e:#}"))
        })
        .clone()
}

fn start(adjust: impl FnOnce(&mut BoardOptions)) -> VirtualBoard {
    let mut options = BoardOptions::new(Firmware::Soc, config(), &root());
    options.work_dir = model().work_dir;
    adjust(&mut options);
    VirtualBoard::start_with_model(model(), &options)
        .unwrap_or_else(|e| panic!("starting the virtual board: {e:#}"))
}

fn python() -> PathBuf {
    let python = root().join(".venv").join("bin").join("python");
    assert!(
        python.is_file(),
        "{} is missing: run `make tools` (scripts/install-tools.sh makes the virtual \
         environment with pyserial)",
        python.display()
    );
    python
}

/// Runs the client with `actions` at `baud`; returns its JSON and whether it exited 0.
fn client(board: &VirtualBoard, baud: u32, actions: &[&str]) -> (Value, bool) {
    let output = Command::new(python())
        .arg(root().join("sim/clients/soc_monitor.py"))
        .args(["--port", &board.path().to_string_lossy()])
        .args(["--baud", &baud.to_string(), "--timeout", "60"])
        .args(actions)
        .output()
        .unwrap();
    let (value, _) = client_json(&output, "soc_monitor.py");
    (value, output.status.success())
}

fn reply(value: &Value, step: usize) -> String {
    value["steps"][step]["reply"]
        .as_str()
        .unwrap_or_else(|| panic!("no reply in step {step}: {value}"))
        .to_string()
}

/// The number after `name=` in a `stat` line.
fn stat_field(line: &str, name: &str) -> u64 {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name}= in {line:?}"))
        .parse()
        .unwrap()
}

/// Resets the board once the client has created `mark` (it has opened the port and read
/// what it had to): the banner that follows is wholly the client's. Polls at most
/// 1 200 times, 50 ms apart (a hang guard far beyond the client's start-up).
fn reset_when_marked(board: &VirtualBoard, mark: &std::path::Path) {
    for _ in 0..1200 {
        if mark.exists() {
            board.reset();
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the client never reached {}", mark.display());
}

fn no_bugs(stats: &BoardStats) {
    assert_eq!(stats.firmware_bugs(), 0, "{:#?}", stats.bugs);
}

#[test]
fn the_c_program_builds_with_warnings_as_errors() {
    let dir = scratch("program");
    let program = soc::build_program(&dir).unwrap();
    assert!(program.elf.is_file() && program.bin.is_file());
    assert!(!program.words.is_empty() && program.words.len() * 4 <= RAM_BYTES);
    // Address 0 is the reset entry: a `jal x0` (opcode 0x6f) over the interrupt entry at 0x10.
    assert_eq!(program.words[0] & 0xfff, 0x06f, "{:#x}", program.words[0]);
    // -Werror is in force: a warning fails the build (and names the compiler's complaint).
    assert!(soc::program::CFLAGS.contains(&"-Werror"));
    assert!(soc::program::CFLAGS.contains(&"-Wextra"));
    // A missing compiler is named with its Debian package.
    let tools = rust_hdl_uart::tools::Toolchain::with_search_path("/nonexistent");
    let err = soc::program::build_program_with(&scratch("program-no-cc"), &tools).unwrap_err();
    assert!(
        format!("{err:#}").contains("apt-get install -y gcc-riscv64-unknown-elf"),
        "{err:#}"
    );
}

/// The SoC's own Verilog (PicoRV32 itself, someone else's code, stands in as a declaration
/// of its ports) passes Verilator's lint with the project's rust-hdl waivers.
#[test]
fn the_socs_verilog_lints() {
    let (verilog, top) = firmware_sim_verilog(Firmware::Soc, &UartConfig::default()).unwrap();
    let source = soc::picorv32_source().unwrap();
    let at = verilog
        .find(&source)
        .expect("PicoRV32's text is in the SoC's Verilog");
    let mut ours = verilog[..at].to_string();
    ours.push_str(soc::PICORV32_LINT_STUB);
    assert!(ours.contains("SocRam") || ours.contains("reg [31:0] mem"));
    let waivers: Vec<Waiver> = RUST_HDL_WAIVERS
        .iter()
        .copied()
        .chain(soc::LINT_WAIVERS.iter().copied())
        .collect();
    match lint(&ours, &top, &scratch("lint"), &waivers) {
        Ok(report) => println!("{top}: {report}"),
        Err(err) => panic!("{top}: {err:#}"),
    }
}

#[test]
fn banner_after_reset_and_every_command() {
    let board = start(|_| {});
    // The client opens the port and takes in what is left of the power-up banner, then the
    // board is reset: the whole banner must come again.
    let mark = scratch("banner-mark").join("ready");
    let mark_action = format!("mark:{}", mark.display());
    let session = std::thread::scope(|s| {
        let handle = s.spawn(|| {
            client(
                &board,
                115_200,
                &[
                    "quiet",
                    &mark_action,
                    "banner",
                    "cmd:help",
                    "cmd:id",
                    "cmd:led 0xa5",
                    "cmd:peek 0x20000000",
                    "cmd:peek 0x20000004",
                    "cmd:poke 0x00001ff0 0x12345678",
                    "cmd:peek 0x1ff0",
                    "cmd:peek 0x10000000",
                    "cmd:poke 0x20000000 7",
                    "echo:3:5",
                    "cmd:baud 0",
                    "baud:115200",
                    "cmd:frobnicate",
                    "cmd:led 256",
                    "cmd:peek 2",
                    "cmd:stat",
                ],
            )
        });
        reset_when_marked(&board, &mark);
        handle.join().unwrap()
    });
    let (mut value, _) = session;
    // Steps from the banner on (the first two only drain the power-up output).
    let steps = value["steps"].as_array().unwrap()[2..].to_vec();
    value["steps"] = Value::Array(steps);
    let banner = reply(&value, 0);
    let line = banner
        .lines()
        .find(|l| l.starts_with("rust-hdl-uart soc "))
        .unwrap_or_else(|| panic!("no banner in {banner:?}"));
    assert!(line.contains("id=0x5541"), "{line}");
    assert!(line.contains("features=0x"), "{line}");
    assert!(line.contains(&format!("clock={SOC_CLOCK_HZ}")), "{line}");
    assert!(banner.ends_with("\r\n> "), "{banner:?}");
    let help = reply(&value, 1);
    for word in ["help", "id", "stat", "led", "peek", "poke", "echo", "baud"] {
        assert!(help.contains(word), "{help}");
    }
    assert!(reply(&value, 2).starts_with("id\r\nid=0x5541"), "{value}");
    assert_eq!(reply(&value, 3), "led 0xa5\r\nled=0x000000a5\r\n> ");
    assert_eq!(
        reply(&value, 4),
        "peek 0x20000000\r\n0x20000000: 0x000000a5\r\n> "
    );
    assert_eq!(
        reply(&value, 5),
        format!("peek 0x20000004\r\n0x20000004: 0x{SOC_CLOCK_HZ:08x}\r\n> ")
    );
    assert_eq!(reply(&value, 6), "poke 0x00001ff0 0x12345678\r\nok\r\n> ");
    assert_eq!(
        reply(&value, 7),
        "peek 0x1ff0\r\n0x00001ff0: 0x12345678\r\n> "
    );
    // The UART's ID register through the bus: magic 0x5541.
    assert!(
        reply(&value, 8).starts_with("peek 0x10000000\r\n0x10000000: 0x5541"),
        "{value}"
    );
    assert_eq!(reply(&value, 9), "poke 0x20000000 7\r\nok\r\n> ");
    let echo = &value["steps"][10];
    assert_eq!(echo["received"], 3, "{echo}");
    assert_eq!(echo["mismatched"], 0, "{echo}");
    assert_eq!(echo["after"], "\r\n> ", "{echo}");
    assert_eq!(
        reply(&value, 11),
        "baud 0\r\nerror: baud N does not fit the BAUD register at this clock\r\n> "
    );
    // `baud` at the baud it already has: answered, drained, switched, and the prompt
    // comes back after an empty line (switching to another baud: the `baud_*` tests).
    let baud = &value["steps"][12];
    assert_eq!(baud["reply"], "baud 115200\r\nbaud 115200\r\n", "{baud}");
    assert_eq!(baud["after"], "\r\n> ", "{baud}");
    assert_eq!(
        reply(&value, 13),
        "frobnicate\r\nerror: unknown command 'frobnicate'; try help\r\n> "
    );
    assert_eq!(
        reply(&value, 14),
        "led 256\r\nerror: led VALUE is 0 to 255\r\n> "
    );
    assert_eq!(
        reply(&value, 15),
        "peek 2\r\nerror: ADDR must be a multiple of 4\r\n> "
    );
    let stat = reply(&value, 16);
    let stat_line = stat.lines().nth(1).unwrap();
    for name in ["in", "out", "line_errors", "lost", "irqs"] {
        stat_field(stat_line, name);
    }
    assert_eq!(stat_field(stat_line, "line_errors"), 0, "{stat}");
    assert_eq!(stat_field(stat_line, "lost"), 0, "{stat}");
    assert!(stat_field(stat_line, "irqs") > 0, "{stat}");
    // `in` counts every byte typed since the reset, `out` every byte sent.
    assert!(stat_field(stat_line, "in") > 100, "{stat}");
    assert!(value["ok"].as_bool().unwrap(), "{value}");
    let stats = board.stop().unwrap();
    no_bugs(&stats);
    // The LED register reached the pins: 7 written last.
    assert_eq!(stats.led, 7, "{stats:#?}");
}

#[test]
fn echo_of_10000_random_bytes_at_115200_loses_nothing() {
    let board = start(|_| {});
    let (value, ok) = client(&board, 115_200, &["cmd:", "echo:10000:7", "cmd:stat"]);
    assert!(ok, "{value}");
    let step = &value["steps"][1];
    assert_eq!(step["received"], 10_000, "{step}");
    assert_eq!(step["mismatched"], 0, "{step}");
    let stat = reply(&value, 2);
    let line = stat.lines().nth(1).unwrap();
    assert_eq!(stat_field(line, "lost"), 0, "{stat}");
    assert_eq!(stat_field(line, "line_errors"), 0, "{stat}");
    // Interrupt-driven: RX in batches (watermark 8, timeout), TX refills.
    assert!(stat_field(line, "irqs") >= 10_000 / 16, "{stat}");
    let stats = board.stop().unwrap();
    no_bugs(&stats);
}

/// Injected line faults (seeded: the same bytes meet the same faults every run).
///
/// - `--corrupt` flips data bits: each frame stays a valid 8N1 frame, so no receiver can see
///   it (that is why such faults never reached `stat`): the echo differs in exactly the
///   bytes the board corrupted, and `stat` counts every byte in, none lost, no line error.
/// - `--framing` sends a byte with its stop bit low: the peripheral flags it (framing error,
///   or break for an all-zero byte), the C driver counts the flag from RXDATA and drops
///   the byte, and `stat`'s line errors equal the faults the board injected.
#[test]
fn injected_faults_show_up_in_the_echo_and_stat() {
    let board = start(|o| {
        o.faults = Faults {
            drop: 0.0,
            corrupt: 0.02,
            framing: 0.0,
            seed: 3,
            direction: FaultDirection::ToBoard,
        }
    });
    let (value, _) = client(&board, 115_200, &["echo:2000:11", "cmd:stat"]);
    let stats = board.stats();
    let step = &value["steps"][0];
    // With this seed the command bytes pass unharmed (the generator is seeded: the same
    // bytes meet the same faults every run); every corruption hits the payload.
    assert_eq!(step["received"], 2000, "{value}");
    let mismatched = step["mismatched"].as_u64().unwrap();
    assert!(mismatched > 10, "{value}");
    assert_eq!(mismatched, stats.corrupted_to_board, "{value} {stats:#?}");
    let stat = reply(&value, 1);
    let line = stat.lines().nth(1).unwrap();
    // "echo 2000\r", the payload, "stat\r".
    assert_eq!(stat_field(line, "in"), 10 + 2000 + 5, "{stat}");
    assert_eq!(stat_field(line, "lost"), 0, "{stat}");
    assert_eq!(stat_field(line, "line_errors"), 0, "{stat}");
    let stats = board.stop().unwrap();
    no_bugs(&stats);

    // Detectable faults: a typed line of spaces, an empty line (ends the first one if its
    // CR met a fault), then stat. With this seed the empty line and "stat" pass unharmed.
    let board = start(|o| {
        o.faults = Faults {
            drop: 0.0,
            corrupt: 0.0,
            framing: 0.1,
            seed: FRAMING_SEED,
            direction: FaultDirection::ToBoard,
        }
    });
    let spaces = format!("raw:{}", " ".repeat(50));
    let (value, ok) = client(&board, 115_200, &["quiet", &spaces, "cmd:", "cmd:stat"]);
    assert!(ok, "{value}");
    let stats = board.stats();
    assert!(stats.framed_to_board >= 3, "{stats:#?}");
    let stat = reply(&value, 3);
    let line = stat.lines().nth(1).unwrap();
    assert_eq!(
        stat_field(line, "line_errors"),
        stats.framed_to_board,
        "{stat} {stats:#?}"
    );
    assert_eq!(
        stat_field(line, "framing") + stat_field(line, "breaks"),
        stats.framed_to_board,
        "{stat}"
    );
    // Every other byte arrived clean: 50 spaces and CR, CR, "stat" and CR.
    assert_eq!(
        stat_field(line, "in"),
        51 + 1 + 5 - stats.framed_to_board,
        "{stat}"
    );
    assert_eq!(stat_field(line, "lost"), 0, "{stat}");
    let stats = board.stop().unwrap();
    no_bugs(&stats);
}

/// The fault seed of the framing-error part of `injected_faults_show_up_in_the_echo_and_stat`:
/// it faults 7 of the 50 spaces (two of them back to back) and none of the bytes after them.
const FRAMING_SEED: u64 = 5;

/// `baud N` really switches the line rate. The answer comes at the old baud; after it a
/// client still at 115200 gets no prompt and no answer to `id`; switched to 57600, it gets
/// the prompt and answers. A reset brings the build's power-up baud back: the banner
/// arrives at 115200.
#[test]
fn baud_switches_the_line_rate_and_a_client_at_the_old_baud_gets_no_prompt() {
    let board = start(|_| {});
    let (value, ok) = client(
        &board,
        115_200,
        &[
            "quiet",
            "raw:baud 57600",
            "raw:id",
            "setbaud:57600",
            "cmd:",
            "cmd:id",
        ],
    );
    assert!(ok, "{value}");
    let answer = reply(&value, 1);
    let rest = answer
        .strip_prefix("baud 57600\r\nbaud 57600\r\n")
        .unwrap_or_else(|| panic!("no answer at the old baud: {value}"));
    assert!(!rest.contains("> "), "a prompt at the old baud: {value}");
    let id = reply(&value, 2);
    assert!(!id.contains("id=0x") && !id.contains("> "), "{value}");
    // The line typed at the wrong baud reached the SoC as garbage: whatever it made of it,
    // the empty line ends it and the prompt comes.
    assert!(reply(&value, 4).ends_with("> "), "{value}");
    assert!(reply(&value, 5).starts_with("id\r\nid=0x5541"), "{value}");
    let mark = scratch("baud-mark").join("ready");
    let mark_action = format!("mark:{}", mark.display());
    let session = std::thread::scope(|s| {
        let handle = s.spawn(|| client(&board, 115_200, &[&mark_action, "banner", "cmd:id"]));
        reset_when_marked(&board, &mark);
        handle.join().unwrap()
    });
    let (value, ok) = session;
    assert!(ok, "{value}");
    assert!(
        reply(&value, 1).starts_with("rust-hdl-uart soc id=0x5541"),
        "{value}"
    );
    assert!(reply(&value, 2).starts_with("id\r\nid=0x5541"), "{value}");
    board.stop().unwrap();
}

/// `baud 1000000` end to end: the answer comes at 115200, the client switches its PTY to
/// 1 Mbaud (the virtual board follows the PTY's baud), an empty line at 1 Mbaud brings the
/// prompt at 1 Mbaud,
/// and `echo 2000` of random bytes at 1 Mbaud comes back whole with `stat` counting no
/// loss and no line error.
#[test]
fn baud_1000000_then_echo_2000_at_1_mbaud() {
    let board = start(|_| {});
    // At most 16 bytes (one FIFO) unanswered: sent back to back, 1 Mbaud is more than the
    // 50 MHz PicoRV32 echoes (the bench's `soc` section finds the highest baud it keeps
    // up with); with no RTS/CTS on the Cu the sender paces itself.
    let (value, ok) = client(
        &board,
        115_200,
        &["quiet", "baud:1000000", "echo:2000:13:16", "cmd:stat"],
    );
    assert!(ok, "{value}");
    let baud = &value["steps"][1];
    assert_eq!(baud["reply"], "baud 1000000\r\nbaud 1000000\r\n", "{baud}");
    assert_eq!(baud["after"], "\r\n> ", "{baud}");
    let echo = &value["steps"][2];
    assert_eq!(echo["received"], 2000, "{echo}");
    assert_eq!(echo["mismatched"], 0, "{echo}");
    let stat = reply(&value, 3);
    let line = stat.lines().nth(1).unwrap();
    assert_eq!(stat_field(line, "lost"), 0, "{stat}");
    assert_eq!(stat_field(line, "line_errors"), 0, "{stat}");
    let stats = board.stop().unwrap();
    no_bugs(&stats);
}

/// A client whose PTY is at the wrong baud (57600 against the SoC's 115200) gets no valid
/// prompt and no answer: the virtual board drives its bytes at 57600, so the SoC reads
/// garbage, and decodes the SoC's 115200 frames at 57600.
#[test]
fn a_client_at_the_wrong_baud_gets_no_prompt() {
    let board = start(|_| {});
    let (value, _) = client(&board, 57_600, &["quiet", "raw:id", "raw:help"]);
    for step in 1..3 {
        let text = reply(&value, step);
        assert!(
            !text.contains("> ") && !text.contains("id=0x") && !text.contains("commands"),
            "{value}"
        );
    }
    board.stop().unwrap();
}

/// Interrupt latency from the line (firmware/soc/latency.rs): 12 distinct seeded bytes,
/// each alone after a random gap, with each trigger (RX watermark 1; the driver's own RX
/// timeout). The measurement is well defined: every byte is taken by exactly one RXDATA
/// read after its own stop bit's centre and before the next one's (`pair_reads` checks
/// the read's byte), and every latency lies in the window derived from first principles
/// (`latency_bound`: hardware path, PicoRV32's longest instruction through its Wishbone
/// adapter, the handler's instruction count from the program's symbols; no measured
/// figure). The window is narrower than the spacing of the frames, so the stop bit of the
/// wrong frame (the one before) both fails the pairing and puts every latency outside it.
#[test]
fn interrupt_latency_from_the_stop_bits_centre_is_bounded_and_paired_with_its_frame() {
    use rust_hdl_uart::firmware::soc::latency::{
        measure, pair_reads, rxdata_masks, LatencyOptions, Trigger,
    };
    let (valid, data) = rxdata_masks().unwrap();
    let dir = root()
        .join("target")
        .join("soc-tests")
        .join("latency-model");
    let mut watermark_max = 0;
    for trigger in [Trigger::Watermark, Trigger::Timeout] {
        let run = measure(&LatencyOptions {
            baud: 115_200,
            trigger,
            bytes: 12,
            seed: 7,
            work_dir: dir.clone(),
        })
        .unwrap_or_else(|e| panic!("{}: {e:#}", trigger.name()));
        let (min, median, max) = run.min_median_max();
        println!(
            "{}: latency min {min} / median {median} / max {max} clocks; bound {}..{} ({})",
            trigger.name(),
            run.bound.min,
            run.bound.max,
            run.bound.how
        );
        assert_eq!(run.latencies.len(), 12);
        for (i, l) in run.latencies.iter().enumerate() {
            assert!(
                (run.bound.min..=run.bound.max).contains(l),
                "{}: byte {i}'s latency {l} is outside {}..{}",
                trigger.name(),
                run.bound.min,
                run.bound.max
            );
        }
        let spacing = run
            .stop_centres
            .windows(2)
            .map(|w| w[1] - w[0])
            .min()
            .unwrap();
        assert!(
            spacing > run.bound.max,
            "frames {spacing} clocks apart cannot be told apart by a bound of {}",
            run.bound.max
        );
        // The stop bit taken from the wrong frame (bytes 1.. paired with the centres of
        // the frames before them): the read after that centre holds the other frame's
        // byte, so the pairing refuses it, and each latency so computed breaks the bound.
        let previous = &run.stop_centres[..11];
        let err = pair_reads(previous, &run.bytes[1..], &run.reads, valid, data).unwrap_err();
        assert!(format!("{err}").contains("another frame's byte"), "{err}");
        for i in 1..12 {
            let read = run.stop_centres[i] + run.latencies[i];
            assert!(read - previous[i - 1] > run.bound.max);
        }
        match trigger {
            Trigger::Watermark => watermark_max = max,
            // The RX timeout waits 19 bit times or more before it fires: every byte took
            // longer than any byte that raised the interrupt itself.
            Trigger::Timeout => assert!(min > watermark_max, "{min} <= {watermark_max}"),
        }
    }
}
