//! The virtual board (src/host) driven through its PTY by real serial clients: pyserial
//! (sim/clients/echo_stream.py), the Rust `serialport` crate, picocom and the link tester; its
//! LEDs, reset, fault injection and clean stop; the link tester's error messages.
//!
//! All runs use the echo firmware in the bitstream's own configuration (115200 8N1 at a
//! 100 MHz clock), built once by Verilator for the whole file. Loops are bounded by counts;
//! wall-clock limits are hang guards only, far beyond the expected time.

use crate::common::{client_json, hex_bytes};
use rust_hdl_uart::config::UartConfig;
use rust_hdl_uart::firmware::Firmware;
use rust_hdl_uart::host::vboard::BoardStats;
use rust_hdl_uart::host::{
    link_test, BoardModel, BoardOptions, FaultDirection, Faults, LinkTestOptions, VirtualBoard,
};
use serialport::SerialPort;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn work_dir() -> PathBuf {
    root()
        .join("target")
        .join("vboard-tests")
        .join("echo-100mhz")
}

/// The echo firmware's board model, built once for every test here.
fn model() -> BoardModel {
    static MODEL: OnceLock<BoardModel> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            BoardModel::build(Firmware::Echo, &UartConfig::default(), &work_dir())
                .unwrap_or_else(|e| panic!("building the board model: {e:#}"))
        })
        .clone()
}

fn start(adjust: impl FnOnce(&mut BoardOptions)) -> VirtualBoard {
    let mut options = BoardOptions::new(Firmware::Echo, UartConfig::default(), &root());
    options.work_dir = work_dir();
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

fn scratch(name: &str) -> PathBuf {
    let dir = root().join("target").join("vboard-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Waits (bounded by `polls` × 20 ms, a hang guard) until `done` holds for the board's
/// counters; returns them.
fn wait_for(board: &VirtualBoard, polls: u32, done: impl Fn(&BoardStats) -> bool) -> BoardStats {
    for _ in 0..polls {
        let stats = board.stats();
        if done(&stats) {
            return stats;
        }
        assert!(board.failure().is_none(), "{:?}", board.failure());
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("condition not reached; board: {:#?}", board.stats());
}

fn no_bugs(stats: &BoardStats) {
    assert_eq!(stats.firmware_bugs(), 0, "{:#?}", stats.bugs);
    assert_eq!(stats.truncated_to_board, 0);
}

#[test]
fn pyserial_streams_10000_random_bytes_through_the_echo() {
    let board = start(|_| {});
    let output = Command::new(python())
        .arg(root().join("sim/clients/echo_stream.py"))
        .args(["--port", &board.path().to_string_lossy()])
        .args(["--bytes", "10000", "--seed", "7", "--timeout", "120"])
        .output()
        .unwrap();
    let (result, stderr) = client_json(&output, "echo_stream.py");
    assert!(output.status.success(), "{result} {stderr}");
    assert_eq!(result["ok"], 10_000, "{result}");
    assert_eq!(result["mismatched"], 0, "{result}");
    assert_eq!(result["missing"], 0, "{result}");
    assert_eq!(result["extra"], 0, "{result}");
    let stats = board.stop().unwrap();
    assert_eq!(stats.bytes_from_pty, 10_000);
    assert_eq!(stats.frames_to_board, 10_000);
    assert_eq!(stats.frames_from_board, 10_000);
    assert_eq!(stats.bytes_to_pty, 10_000);
    no_bugs(&stats);
}

/// The Rust `serialport` crate as a client: its own writer thread, its own data, a window
/// of 256 bytes in flight.
#[test]
fn serialport_crate_streams_10000_random_bytes_through_the_echo() {
    let board = start(|_| {});
    let mut port = serialport::new(board.path().to_string_lossy(), 115_200)
        .timeout(Duration::from_millis(100))
        .open_native()
        .unwrap();
    let mut writer = port.try_clone_native().unwrap();
    // A generator of this test's own (xorshift), independent of the link tester's.
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let data: Vec<u8> = (0..10_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let (progress_tx, progress_rx) = mpsc::channel::<usize>();
    let to_send = data.clone();
    let sender = std::thread::spawn(move || {
        let mut sent = 0;
        let mut echoed = 0;
        while sent < to_send.len() {
            while let Ok(n) = progress_rx.try_recv() {
                echoed = n;
            }
            if sent - echoed >= 256 {
                // The reader reports every read; block for the next report.
                match progress_rx.recv_timeout(Duration::from_secs(120)) {
                    Ok(n) => echoed = n,
                    Err(_) => return sent,
                }
                continue;
            }
            let n = (256 - (sent - echoed)).min(to_send.len() - sent).min(64);
            writer.write_all(&to_send[sent..sent + n]).unwrap();
            sent += n;
        }
        sent
    });
    let mut got = Vec::with_capacity(data.len());
    let mut buf = [0u8; 1024];
    let guard = Instant::now() + Duration::from_secs(300);
    while got.len() < data.len() && Instant::now() < guard {
        match port.read(&mut buf) {
            Ok(n) => {
                got.extend_from_slice(&buf[..n]);
                let _ = progress_tx.send(got.len());
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(e) => panic!("reading after {} bytes: {e}", got.len()),
        }
    }
    assert_eq!(sender.join().unwrap(), data.len());
    assert_eq!(got.len(), data.len(), "bytes echoed");
    if let Some(i) = (0..data.len()).find(|&i| got[i] != data[i]) {
        panic!("byte {i}: sent 0x{:02x}, got 0x{:02x}", data[i], got[i]);
    }
    let stats = board.stop().unwrap();
    assert_eq!(stats.frames_to_board, 10_000);
    assert_eq!(stats.bytes_to_pty, 10_000);
    no_bugs(&stats);
}

#[test]
fn link_tester_passes_through_the_virtual_board() {
    let board = start(|_| {});
    let mut options = LinkTestOptions::new(board.path().to_string_lossy());
    options.bytes = 3000;
    options.pings = 5;
    options.progress = false;
    options.timeout = Duration::from_secs(60);
    let report = link_test(&options).unwrap();
    assert!(report.passed(), "{}", report.summary());
    assert_eq!((report.bytes_ok, report.errors()), (3000, 0));
    assert_eq!(report.latency.samples, 5);
    assert!(report.latency.min_ms > 0.0 && report.latency.min_ms <= report.latency.max_ms);
    // The command line: its summary and exit status.
    let output = Command::new(env!("CARGO_BIN_EXE_rust-hdl-uart"))
        .args(["link-test", "--port", &board.path().to_string_lossy()])
        .args([
            "--bytes",
            "500",
            "--seed",
            "3",
            "--pings",
            "2",
            "--timeout",
            "60",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("500 ok, 0 errors"), "{stdout}");
    let stats = board.stop().unwrap();
    assert_eq!(stats.frames_to_board, 3000 + 5 + 500 + 2);
    no_bugs(&stats);
}

fn fault_run(faults: Faults) -> (rust_hdl_uart::host::LinkTestReport, BoardStats) {
    let board = start(|o| o.faults = faults);
    let mut options = LinkTestOptions::new(board.path().to_string_lossy());
    options.bytes = 2000;
    // Single-byte round trips would stop at the first injected fault.
    options.pings = 0;
    options.progress = false;
    options.timeout = Duration::from_secs(60);
    let report = link_test(&options).unwrap();
    let stats = board.stop().unwrap();
    no_bugs(&stats);
    (report, stats)
}

/// Every injected fault is counted by the board and found by the link tester: a drop from
/// the board as a lost byte (or missing, when it is the last), a corruption on the way in
/// as a byte echoed wrong.
#[test]
fn injected_faults_are_counted_and_detected() {
    let (report, stats) = fault_run(Faults {
        drop: 0.02,
        corrupt: 0.0,
        framing: 0.0,
        seed: 5,
        direction: FaultDirection::FromBoard,
    });
    assert!(stats.dropped_from_board > 10, "{stats:#?}");
    assert_eq!(
        report.lost + report.missing,
        stats.dropped_from_board,
        "{}",
        report.summary()
    );
    assert_eq!(report.corrupted + report.extra, 0, "{}", report.summary());
    assert_eq!(stats.dropped_to_board + stats.corrupted_to_board, 0);
    assert_eq!(stats.frames_from_board, 2000);
    assert_eq!(report.first_error.as_ref().unwrap().kind, "lost");

    let (report, stats) = fault_run(Faults {
        drop: 0.0,
        corrupt: 0.02,
        framing: 0.0,
        seed: 6,
        direction: FaultDirection::ToBoard,
    });
    assert!(stats.corrupted_to_board > 10, "{stats:#?}");
    assert_eq!(
        report.corrupted,
        stats.corrupted_to_board,
        "{}",
        report.summary()
    );
    assert_eq!(report.lost + report.missing + report.extra, 0);
    assert_eq!(stats.dropped_from_board + stats.corrupted_from_board, 0);
    // The same seed and traffic give the same faults.
    let (_, again) = fault_run(Faults {
        drop: 0.0,
        corrupt: 0.02,
        framing: 0.0,
        seed: 6,
        direction: FaultDirection::ToBoard,
    });
    assert_eq!(again.corrupted_to_board, stats.corrupted_to_board);
}

/// LEDs show the last byte; the reset button clears them; the board echoes again after it.
#[test]
fn leds_and_reset() {
    let board = start(|_| {});
    let mut port = serialport::new(board.path().to_string_lossy(), 115_200)
        .timeout(Duration::from_secs(60))
        .open_native()
        .unwrap();
    let mut one = [0u8; 1];
    port.write_all(&[0xEA]).unwrap();
    port.read_exact(&mut one).unwrap();
    assert_eq!(one[0], 0xEA);
    // led[5:0] = low six bits of the last byte, no error flags.
    wait_for(&board, 3000, |s| s.led == 0x2A);
    let before = board.stats().cycles;
    board.reset();
    let clocks = BoardOptions::new(Firmware::Echo, UartConfig::default(), &root()).reset_clocks;
    let stats = wait_for(&board, 3000, |s| {
        s.resets == 1 && s.cycles > before + clocks
    });
    assert_eq!(stats.led, 0, "LEDs after reset");
    // Written at once: the board holds it until the receiver has re-armed.
    port.write_all(&[0x15]).unwrap();
    port.read_exact(&mut one).unwrap();
    assert_eq!(one[0], 0x15);
    wait_for(&board, 3000, |s| s.led == 0x15);
    let stats = board.stop().unwrap();
    no_bugs(&stats);
}

/// The command: it prints the device and makes the symlink; SIGUSR1 presses reset; SIGTERM
/// stops it with exit status 0, the symlink removed, the Verilator process ended, the PTY
/// closed (a client holding it sees a hang-up) and the counters written.
#[test]
fn sim_board_command_stops_cleanly_on_sigterm() {
    use nix::sys::signal::{kill, Signal};
    use nix::unistd::Pid;
    model();
    let dir = scratch("sigterm");
    let link = dir.join("ttyVB");
    let stats_file = dir.join("stats.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rust-hdl-uart"))
        .arg("sim-board")
        .arg("--work-dir")
        .arg(work_dir())
        .arg("--link")
        .arg(&link)
        .arg("--stats-json")
        .arg(&stats_file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = Pid::from_raw(child.id() as i32);
    let (lines_tx, lines) = mpsc::channel::<String>();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = lines_tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).split(b'\n').map_while(Result::ok) {
                // The status line is redrawn with carriage returns.
                for part in String::from_utf8_lossy(&line).split('\r') {
                    let _ = tx.send(part.to_string());
                }
            }
        });
    }
    let mut seen = Vec::new();
    let mut wait_line = |prefix: &str| -> String {
        let guard = Instant::now() + Duration::from_secs(120);
        while Instant::now() < guard {
            if let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) {
                seen.push(line.clone());
                if line.contains(prefix) {
                    return line;
                }
            }
        }
        panic!("no line with {prefix:?}; output so far: {seen:#?}");
    };
    let device = wait_line("device: ");
    let device = device.split("device: ").nth(1).unwrap().trim().to_string();
    let model_line = wait_line("model: Verilator process ");
    let model_pid: u32 = model_line
        .split("process ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap();
    assert_eq!(std::fs::read_link(&link).unwrap(), PathBuf::from(&device));
    assert!(Path::new(&format!("/proc/{model_pid}")).exists());
    let mut port = serialport::new(link.to_string_lossy(), 115_200)
        .timeout(Duration::from_secs(60))
        .open_native()
        .unwrap();
    let mut one = [0u8; 1];
    port.write_all(&[0x5A]).unwrap();
    port.read_exact(&mut one).unwrap();
    assert_eq!(one[0], 0x5A, "echo");
    kill(pid, Signal::SIGUSR1).unwrap();
    wait_line("reset pressed");
    kill(pid, Signal::SIGTERM).unwrap();
    let guard = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < guard,
            "sim-board did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}; output: {seen:#?}");
    assert!(
        std::fs::symlink_metadata(&link).is_err(),
        "symlink left behind"
    );
    assert!(
        !Path::new(&format!("/proc/{model_pid}")).exists(),
        "Verilator process {model_pid} still there"
    );
    port.set_timeout(Duration::from_secs(5)).unwrap();
    let err = port.read(&mut one).expect_err("the PTY is closed");
    assert_ne!(err.kind(), std::io::ErrorKind::TimedOut, "{err}");
    let stats: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stats_file).unwrap()).unwrap();
    assert_eq!(stats["frames_to_board"], 1, "{stats}");
    assert_eq!(stats["bytes_to_pty"], 1, "{stats}");
}

#[test]
fn link_tester_names_a_missing_port() {
    let err = link_test(&LinkTestOptions::new("/dev/ttyUSB-no-such-port")).unwrap_err();
    let message = format!("{err:#}");
    assert!(message.contains("does not exist"), "{message}");
    assert!(message.contains("channel B"), "{message}");
}

#[test]
fn link_tester_names_a_busy_port() {
    let board = start(|_| {});
    let _holder = serialport::new(board.path().to_string_lossy(), 115_200)
        .open_native()
        .unwrap();
    let err = link_test(&LinkTestOptions::new(board.path().to_string_lossy())).unwrap_err();
    let message = format!("{err:#}");
    assert!(message.contains("busy"), "{message}");
}

#[test]
fn link_tester_names_a_port_without_permission() {
    let board = start(|_| {});
    let path = board.path().to_string_lossy().to_string();
    let binary = env!("CARGO_BIN_EXE_rust-hdl-uart");
    let output = if nix::unistd::Uid::effective().is_root() {
        // Root may open anything: run the tester as `nobody`, who may not open the PTY.
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", binary])
            .args(["link-test", "--port", &path])
            .output()
            .expect("setpriv (util-linux) runs the tester as nobody")
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
        Command::new(binary)
            .args(["link-test", "--port", &path])
            .output()
            .unwrap()
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("no permission"), "{stderr}");
    assert!(stderr.contains("dialout"), "{stderr}");
}

/// The virtual board stops in the middle of a run, as a board does when unplugged.
#[test]
fn link_tester_names_a_port_that_disappears() {
    let board = start(|_| {});
    let mut options = LinkTestOptions::new(board.path().to_string_lossy());
    options.bytes = 1_000_000;
    options.pings = 0;
    options.progress = false;
    options.timeout = Duration::from_secs(60);
    let tester = std::thread::spawn(move || link_test(&options));
    wait_for(&board, 6000, |s| s.bytes_to_pty > 200);
    board.stop().unwrap();
    let err = tester.join().unwrap().unwrap_err();
    let message = format!("{err:#}");
    assert!(message.contains("disappeared"), "{message}");
    assert!(message.contains("virtual board stopped"), "{message}");
}

/// A design that sends one frame of 0x55 with its stop bit low (868 clocks per bit, like
/// 115200 at 100 MHz), 20 000 clocks after power-up, then idles.
const BAD_STOP_BIT_TOP: &str = r#"
module bad_top(clk, rst_n, usb_rx, usb_tx, led);
    input wire clk;
    input wire rst_n;
    input wire usb_rx;
    output reg usb_tx;
    output wire [7:0] led;
    reg [31:0] count = 0;
    reg [31:0] bit_index;
    // start, 0x55 LSB first, a low stop bit, then idle
    wire [10:0] frame = 11'b1_0_01010101_0;
    assign led = 8'h81;
    always @(posedge clk) count <= count + 1;
    always @(*) begin
        bit_index = (count - 20000) / 868;
        usb_tx = (count < 20000 || bit_index > 10) ? 1'b1 : frame[bit_index[3:0]];
    end
endmodule
"#;

/// A malformed frame from the design is reported as a firmware bug, never passed on.
#[test]
fn a_malformed_frame_from_the_firmware_is_reported() {
    let config = UartConfig::default();
    let dir = root().join("target").join("vboard-tests").join("bad-top");
    let model = BoardModel::build_verilog(
        BAD_STOP_BIT_TOP,
        "bad_top",
        "bad_top",
        &config,
        &dir,
        &rust_hdl_uart::flow::tools::Toolchain::from_env(),
    )
    .unwrap_or_else(|e| panic!("{e:#}"));
    let options = BoardOptions::new(Firmware::Echo, config, &root());
    let board = VirtualBoard::start_with_model(model, &options).unwrap();
    let stats = wait_for(&board, 3000, |s| s.malformed_from_board > 0);
    assert_eq!(stats.led, 0x81);
    assert!(
        stats.bugs[0].contains("FIRMWARE BUG: malformed frame")
            && stats.bugs[0].contains("0x55")
            && stats.bugs[0].contains("bad stop bit"),
        "{:?}",
        stats.bugs
    );
    // The simulation goes quiet after the frame; nothing reached the PTY.
    let stats = board.stop().unwrap();
    assert_eq!(stats.malformed_from_board, 1, "{:?}", stats.bugs);
    assert_eq!((stats.frames_from_board, stats.bytes_to_pty), (0, 0));
}

/// The bench's virtual-board section runs and reports figures for both configurations
/// (quick: short runs; `VBOARD_BENCH_FULL=1` for the bench's full lengths).
#[test]
fn bench_section_measures_the_virtual_board() {
    let full = std::env::var_os("VBOARD_BENCH_FULL").is_some();
    let (json, md) = rust_hdl_uart::host::bench::bench_section(!full, &root()).unwrap();
    eprintln!("{md}");
    for key in ["bitstream_config", "clock_2mhz"] {
        let f = &json[key];
        for field in ["cycles_per_second", "bytes_per_second", "real_time_ratio"] {
            assert!(f[field].as_f64().unwrap() > 0.0, "{key}.{field}: {f}");
        }
    }
    assert_eq!(json["bitstream_config"]["clock_hz"], 100_000_000);
    assert_eq!(json["clock_2mhz"]["clock_hz"], 2_000_000);
    assert!(md.contains("a different configuration"), "{md}");
}

/// The keys on the board's own terminal: `r` presses reset, `q` stops it cleanly.
#[test]
fn sim_board_command_takes_reset_and_quit_keys() {
    model();
    let terminal = nix::pty::openpty(None, None).unwrap();
    let stdin = Stdio::from(terminal.slave);
    let mut keys = std::fs::File::from(terminal.master);
    let mut child = Command::new(env!("CARGO_BIN_EXE_rust-hdl-uart"))
        .arg("sim-board")
        .arg("--work-dir")
        .arg(work_dir())
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines_tx, lines) = mpsc::channel::<String>();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = lines_tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).split(b'\n').map_while(Result::ok) {
                for part in String::from_utf8_lossy(&line).split('\r') {
                    let _ = tx.send(part.to_string());
                }
            }
        });
    }
    let mut seen = Vec::new();
    let mut wait_line = |needle: &str| {
        let guard = Instant::now() + Duration::from_secs(120);
        while Instant::now() < guard {
            if let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) {
                seen.push(line.clone());
                if line.contains(needle) {
                    return;
                }
            }
        }
        panic!("no line with {needle:?}; output so far: {seen:#?}");
    };
    wait_line("reset: press r");
    keys.write_all(b"r").unwrap();
    wait_line("reset pressed");
    keys.write_all(b"q").unwrap();
    wait_line("stopped:");
    let guard = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < guard, "sim-board did not stop on q");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
}

/// picocom, the terminal the README tells people to use, as a client: what is typed (here
/// piped into it) comes back on its screen, byte for byte. Printable text only, as typed:
/// picocom itself acts on Ctrl-A.
#[test]
fn picocom_talks_to_the_echo() {
    let board = start(|_| {});
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let typed: Vec<u8> = (0..1000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-"
                [(state >> 40) as usize % 66]
        })
        .collect();
    let mut picocom = Command::new("picocom")
        .args(["--baud", "115200", "--quiet"])
        .arg(board.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start picocom ({e}): run `make tools`"));
    // stdin stays open: picocom would quit at its end, before the echo is back.
    let mut keyboard = picocom.stdin.take().unwrap();
    keyboard.write_all(&typed).unwrap();
    keyboard.flush().unwrap();
    let mut screen = picocom.stdout.take().unwrap();
    let expected = typed.len();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut got = Vec::new();
        let mut buf = [0u8; 256];
        while got.len() < expected {
            match screen.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        let _ = tx.send(got);
    });
    // A hang guard: 1000 bytes take about 15 s here.
    let got = rx.recv_timeout(Duration::from_secs(600));
    let _ = picocom.kill();
    let status = picocom.wait().unwrap();
    let mut errors = String::new();
    if let Some(mut e) = picocom.stderr.take() {
        let _ = e.read_to_string(&mut errors);
    }
    let got = got.unwrap_or_else(|_| panic!("no echo within the hang guard; picocom: {errors}"));
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&typed),
        "picocom ({status}): {errors}"
    );
    drop(keyboard);
    let stats = board.stop().unwrap();
    assert_eq!(stats.frames_to_board, 1000);
    assert_eq!(stats.bytes_to_pty, 1000);
    no_bugs(&stats);
}

/// Runs `sim/clients/wrong_baud.py` against `board`: the message at `wrong` baud, then a
/// marker at 115200 on the same open port. Returns (bytes read before the marker's echo,
/// the message sent).
fn wrong_baud_probe(board: &VirtualBoard, wrong: u32) -> (Vec<u8>, Vec<u8>) {
    let output = Command::new(python())
        .arg(root().join("sim/clients/wrong_baud.py"))
        .args(["--port", &board.path().to_string_lossy()])
        .args(["--wrong", &wrong.to_string(), "--right", "115200"])
        .output()
        .unwrap();
    let (result, stderr) = client_json(&output, "wrong_baud.py");
    assert!(output.status.success(), "{result} {stderr}");
    assert_eq!(result["marker_ok"], true, "{result}");
    let hex = hex_bytes;
    (hex(&result["wrong"]), hex(&result["message"]))
}

/// The PC side follows the baud a program sets on the PTY (issue #20): at a wrong baud a
/// pyserial client never reads its message back right, and the board counts what the PC's
/// receiver took as line errors; switched to the firmware's baud on the same open port,
/// the echo is right again. Standard rates (57600, 230400) and a non-standard one that
/// pyserial sets through termios2's BOTHER (250000).
#[test]
fn a_client_at_the_wrong_baud_gets_garbage_not_its_bytes() {
    let board = start(|_| {});
    let mut line_errors = 0;
    for (i, wrong) in [57_600u32, 230_400, 250_000].into_iter().enumerate() {
        let (got, message) = wrong_baud_probe(&board, wrong);
        assert!(
            !got.windows(message.len()).any(|w| w == message.as_slice()),
            "at {wrong} baud the echo came back right: {got:02x?}"
        );
        let stats = board.stats();
        assert_eq!(stats.pc_format, "115200 8N1", "{stats:#?}");
        // Each probe: the wrong baud, then the right one.
        assert_eq!(stats.pc_format_changes, 2 * (i as u64 + 1), "{stats:#?}");
        assert!(
            stats
                .bugs
                .iter()
                .any(|m| m.contains(&format!("set to {wrong} 8N1"))),
            "{:#?}",
            stats.bugs
        );
        line_errors = stats.line_errors_at_pc;
    }
    assert!(line_errors > 0, "{:#?}", board.stats());
    let stats = board.stop().unwrap();
    // The firmware sent nothing malformed: the errors were the PC's baud.
    no_bugs(&stats);
}

/// `--fixed-baud` keeps the old behaviour: the firmware's baud whatever the PTY says, so a
/// client at 9600 still gets its echo.
#[test]
fn fixed_baud_ignores_the_pty_setting() {
    let board = start(|o| o.fixed_baud = true);
    let (got, message) = wrong_baud_probe(&board, 9600);
    assert_eq!(got, message);
    let stats = board.stop().unwrap();
    assert_eq!(stats.pc_format_changes, 0);
    assert_eq!(stats.line_errors_at_pc, 0);
    no_bugs(&stats);
}

/// Splits `received` against `sent`: every received byte must be the next sent byte, or
/// the first byte of a run of 8 that continues `sent` further on (a gap). Returns the gaps
/// (their sizes), or where a byte came back wrong.
fn gaps_in_echo(sent: &[u8], received: &[u8]) -> Result<Vec<usize>, String> {
    const RUN: usize = 8;
    let (mut i, mut j) = (0, 0);
    let mut gaps = Vec::new();
    while j < received.len() {
        if i < sent.len() && sent[i] == received[j] {
            i += 1;
            j += 1;
            continue;
        }
        // 8 random bytes matching by chance: about 2^-64 per position.
        let want = &received[j..(j + RUN).min(received.len())];
        let skip = (1..=sent.len().saturating_sub(i))
            .find(|&k| sent[i + k..].starts_with(want))
            .ok_or_else(|| {
                format!(
                    "received byte {j} (0x{:02x}) is not the next sent byte (sent[{i}]) and does \
                     not start a later run of the stream: a wrong byte",
                    received[j]
                )
            })?;
        gaps.push(skip);
        i += skip;
    }
    if i < sent.len() {
        gaps.push(sent.len() - i);
    }
    Ok(gaps)
}

/// Issue #17 item 1: resets pressed at random points of pyserial streams through the PTY.
/// No wrong byte ever comes back: what returns is the stream with at most one contiguous
/// gap per reset (the bytes the firmware held, or was sending, when reset), and the counters
/// add up: every byte from the PTY became a frame, frames cut by a reset were re-sent
/// whole (counted), every clean frame from the firmware reached the PTY.
#[test]
fn resets_during_traffic_never_return_wrong_bytes() {
    let board = start(|_| {});
    // This test's own generator (xorshift) picks the reset points: frame counts.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    const BYTES: u64 = 2048;
    const MARKER: u64 = 16;
    let mut expected_resets = 0;
    for run in 0..3u64 {
        let before = board.stats();
        let mut points: Vec<u64> = (0..3).map(|_| 50 + next(BYTES - 600)).collect();
        points.sort_unstable();
        let client = Command::new(python())
            .arg(root().join("sim/clients/reset_stream.py"))
            .args(["--port", &board.path().to_string_lossy()])
            .args([
                "--bytes",
                &BYTES.to_string(),
                "--seed",
                &(run + 11).to_string(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Press reset when the stream has reached each point (bounded polling: a hang
        // guard of 30 000 × 1 ms per point).
        for &point in &points {
            let mut reached = false;
            for _ in 0..30_000 {
                let s = board.stats();
                if s.frames_to_board >= before.frames_to_board + point {
                    reached = true;
                    break;
                }
                assert!(board.failure().is_none(), "{:?}", board.failure());
                std::thread::sleep(Duration::from_millis(1));
            }
            assert!(
                reached,
                "stream stalled before frame {point}: {:#?}",
                board.stats()
            );
            board.reset();
            expected_resets += 1;
            // The next point is only taken once this reset has been applied.
            wait_for(&board, 5000, |s| s.resets == expected_resets);
        }
        let output = client.wait_with_output().unwrap();
        let (result, stderr) = client_json(&output, "reset_stream.py");
        assert!(output.status.success(), "{result} {stderr}");
        assert_eq!(result["marker_ok"], true, "run {run}: {result}");
        let hex = hex_bytes;
        let (data, received) = (hex(&result["data"]), hex(&result["received"]));
        let body = &received[..received.len() - MARKER as usize];
        let gaps = gaps_in_echo(&data, body).unwrap_or_else(|e| panic!("run {run}: {e}"));
        assert!(gaps.len() <= points.len(), "run {run}: gaps {gaps:?}");
        // A reset loses what the echo held: the byte being received, the one being sent
        // and whatever waited in its FIFO (a few bytes, as the echo keeps up).
        assert!(gaps.iter().all(|&g| g <= 8), "run {run}: gaps {gaps:?}");
        let lost: usize = gaps.iter().sum();
        // Wait for the board to pass on everything it decoded before comparing counters.
        let stats = wait_for(&board, 5000, |s| {
            s.bytes_to_pty - before.bytes_to_pty == received.len() as u64
        });
        let d = |f: fn(&BoardStats) -> u64| f(&stats) - f(&before);
        assert_eq!(d(|s| s.bytes_from_pty), BYTES + MARKER);
        assert_eq!(
            d(|s| s.frames_to_board),
            BYTES + MARKER + d(|s| s.resent_after_reset),
            "{stats:#?}"
        );
        assert_eq!(d(|s| s.frames_from_board), received.len() as u64);
        assert_eq!(d(|s| s.resets), points.len() as u64);
        assert_eq!(data.len() - lost, body.len());
        eprintln!(
            "run {run}: resets at frames {points:?}, gaps {gaps:?}, re-sent {}, cut from the \
             firmware {}",
            d(|s| s.resent_after_reset),
            d(|s| s.cut_by_reset)
        );
    }
    let stats = board.stop().unwrap();
    no_bugs(&stats);
    // A frame resumed mid-way after a reset lit the echo's framing-error LED (led[6]).
    assert_eq!(stats.led & 0x40, 0, "LEDs {:08b}", stats.led);
}

/// Issue #17 item 2: `--link` never takes over a symlink that is not this board's: a
/// second board asking for the first one's link is refused (and the first keeps it), a
/// user's own link is refused and left as it was, `replace_link` replaces it with a
/// warning, a crashed board's dangling link into /dev/pts is replaced, and at exit a board
/// removes only a link that still points at its own PTY.
#[test]
fn link_refuses_a_symlink_that_is_not_this_boards() {
    let dir = scratch("links");
    let link = dir.join("ttyCU");
    let with_link = |replace: bool| {
        let mut options = BoardOptions::new(Firmware::Echo, UartConfig::default(), &root());
        options.work_dir = work_dir();
        options.link = Some(link.clone());
        options.replace_link = replace;
        VirtualBoard::start_with_model(model(), &options)
    };
    // Another board's link.
    let first = with_link(false).unwrap();
    let err = format!(
        "{:#}",
        with_link(false).err().expect("second board refused")
    );
    assert!(
        err.contains("exists and points at") && err.contains("--replace-link"),
        "{err}"
    );
    assert_eq!(std::fs::read_link(&link).unwrap(), first.path());
    // The first board's link is replaced by a third board that asks to: the first one must
    // then leave it alone at exit.
    let third = with_link(true).unwrap();
    assert_eq!(std::fs::read_link(&link).unwrap(), third.path());
    assert!(third
        .stats()
        .bugs
        .iter()
        .any(|m| m.contains("replaced the symlink")));
    first.stop().unwrap();
    assert_eq!(std::fs::read_link(&link).unwrap(), third.path());
    let third_path = third.path().to_path_buf();
    third.stop().unwrap();
    assert!(
        std::fs::symlink_metadata(&link).is_err(),
        "own link removed"
    );

    // A user's own link is refused and kept.
    std::os::unix::fs::symlink("/dev/null", &link).unwrap();
    let err = format!("{:#}", with_link(false).err().expect("user's link refused"));
    assert!(err.contains("/dev/null"), "{err}");
    assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("/dev/null"));
    std::fs::remove_file(&link).unwrap();

    // A crashed board's leftover: a dangling link into /dev/pts.
    assert!(third_path.starts_with("/dev/pts/"));
    std::os::unix::fs::symlink("/dev/pts/999999", &link).unwrap();
    let board = with_link(false).unwrap();
    assert_eq!(std::fs::read_link(&link).unwrap(), board.path());
    assert!(board
        .stats()
        .bugs
        .iter()
        .any(|m| m.contains("no longer exists")));
    board.stop().unwrap();
    assert!(std::fs::symlink_metadata(&link).is_err());
}

/// Issue #17 item 3: a run interrupted with echoes in flight leaves stale bytes; the next
/// link test drains them first (and says how many) instead of failing at byte 0 with "Is
/// the echo firmware loaded?".
#[test]
fn link_tester_drains_an_interrupted_runs_echoes() {
    let board = start(|_| {});
    {
        // The interrupted run: 2000 bytes written, nothing read, port closed. The board
        // echoes them for seconds (about 1/14 of real time at 100 MHz).
        let mut port = serialport::new(board.path().to_string_lossy(), 115_200)
            .timeout(Duration::from_secs(10))
            .open_native()
            .unwrap();
        port.write_all(&[0x55; 2000]).unwrap();
        port.flush().unwrap();
    }
    // The echo has started but is far from done (bounded polling as a hang guard).
    let stats = wait_for(&board, 3000, |s| s.bytes_to_pty >= 10);
    assert!(stats.bytes_to_pty < 1500, "{stats:#?}");
    let mut options = LinkTestOptions::new(board.path().to_string_lossy());
    options.bytes = 300;
    options.pings = 3;
    options.progress = false;
    options.timeout = Duration::from_secs(60);
    let report = link_test(&options).unwrap();
    assert!(report.passed(), "{}", report.summary());
    assert!(report.stale_bytes > 0, "{}", report.summary());
    assert!(report.stale_bytes <= 2000, "{}", report.summary());
    assert!(
        report.summary().contains("stale bytes"),
        "{}",
        report.summary()
    );
    let stats = board.stop().unwrap();
    assert_eq!(stats.bytes_from_pty, 2000 + 3 + 300);
    no_bugs(&stats);
}

/// The "Also" of issue #17: the model evaluating only the rising edge (the board's default)
/// gives the same `usb_tx` and LED changes, at the same clocks, as evaluating both edges,
/// on echo traffic; and the echo did answer (a change per frame at least).
#[test]
fn one_eval_per_clock_gives_the_same_pins_as_both_edges() {
    use rust_hdl_uart::host::bench::model_speed;
    use rust_hdl_uart::host::model::PinChange;
    let model = model();
    assert!(!model.both_edges, "the echo firmware has no negedge logic");
    let one = model_speed(&model, false, 300).unwrap();
    let both = model_speed(&model, true, 300).unwrap();
    assert!(one.one_eval, "the harness found Verilator's clock record");
    assert!(!both.one_eval);
    let tx_changes = one
        .changes
        .iter()
        .filter(|c| matches!(c, PinChange::Tx { .. }))
        .count();
    assert!(
        tx_changes >= 300,
        "{tx_changes} usb_tx changes for 300 frames"
    );
    assert_eq!(one.clocks, both.clocks);
    assert_eq!(one.changes, both.changes);
    eprintln!(
        "M clocks per CPU second: one eval {:.1}, both edges {:.1}",
        one.clocks_per_cpu_second() / 1e6,
        both.clocks_per_cpu_second() / 1e6
    );
}

/// Issue #17 item 10: a register client on the echo firmware recognises its own request
/// coming back ("this is an echo") instead of retrying and blaming lost replies — the Rust
/// client through `reg` and the Python client alike — and the board publishes its speed,
/// which stretches the register client's default reply timeout (it runs slower than real
/// time).
#[test]
fn register_clients_recognise_the_echo_and_know_the_boards_speed() {
    use rust_hdl_uart::bridge::serial::{open_port, reply_timeout, virtual_reply_timeout};
    use rust_hdl_uart::host::vboard::board_status;
    let board = start(|_| {});
    // No board behind a plain path: the real-time default.
    assert!(board_status(Path::new("/dev/null")).is_none());
    // Traffic, so the board has run long enough to measure its speed.
    let mut port = serialport::new(board.path().to_string_lossy(), 115_200)
        .timeout(Duration::from_secs(60))
        .open_native()
        .unwrap();
    let data = [0x3Cu8; 400];
    port.write_all(&data).unwrap();
    let mut back = [0u8; 400];
    port.read_exact(&mut back).unwrap();
    assert_eq!(back, data);
    drop(port);
    // Published every half second (bounded polling, a hang guard).
    let mut status = None;
    for _ in 0..300 {
        status = board_status(board.path()).filter(|s| s.real_time_ratio.is_some());
        if status.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = status.expect("the board published its speed");
    let ratio = status.real_time_ratio.unwrap();
    assert_eq!(status.pty, board.path());
    assert_eq!(status.clock_hz, 100_000_000);
    // 100 MHz in Verilator is far from real time.
    assert!(ratio > 0.0 && ratio < 1.0, "{status:?}");
    let timeout = open_port(&board.path().to_string_lossy(), 115_200, None)
        .unwrap()
        .timeout();
    assert!(timeout > reply_timeout(115_200), "{timeout:?}");
    assert!(
        virtual_reply_timeout(115_200, Some(ratio)) > reply_timeout(115_200),
        "{ratio}"
    );

    // `reg` on the echo: said at once.
    let out = Command::new(env!("CARGO_BIN_EXE_rust-hdl-uart"))
        .args([
            "reg",
            "read",
            "id",
            "--port",
            &board.path().to_string_lossy(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("this is an echo"), "{stderr}");
    assert!(!stderr.contains("lost or corrupted"), "{stderr}");
    // The Python client alike.
    let out = Command::new(python())
        .arg(root().join("sim/clients/regbridge.py"))
        .args(["--port", &board.path().to_string_lossy(), "read", "id"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let result: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(result["echo"], true, "{result}");
    let stats = board.stop().unwrap();
    // One request each, never retried.
    assert_eq!(stats.bytes_from_pty, 400 + 7 + 7, "{stats:#?}");
    no_bugs(&stats);
}
