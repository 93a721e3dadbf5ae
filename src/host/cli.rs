//! The `sim-board` and `link-test` commands: argument structs and run functions that the
//! binary's `main.rs` calls. Everything here is a thin layer over [`super::vboard`] and
//! [`super::linktest`]; it adds the terminal side (status line, keys, signals).
//!
//! Guarantees: SIGINT and SIGTERM stop the board cleanly (Verilator process ended,
//! symlink removed, PTY closed) and the command exits 0 unless the firmware misbehaved;
//! SIGUSR1 or the `r` key presses reset; the terminal's settings are restored on exit.

use super::linktest::{link_test, LinkTestOptions};
use super::model::BoardModel;
use super::vboard::{BoardOptions, FaultDirection, Faults, VirtualBoard};
use crate::config::UartConfig;
use crate::firmware::Firmware;
use anyhow::{bail, Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Options of `sim-board` (the UART configuration comes from the shared config flags).
// The field docs are clap's `--help` text, where `led[7:0]` and `<firmware>` are meant
// literally; markdown escapes would show in the help.
#[allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]
#[derive(Args, Clone, Debug)]
pub struct SimBoardArgs {
    /// Firmware to run (any board firmware with the Cu's ports)
    #[arg(long, default_value = "echo")]
    pub firmware: Firmware,
    /// Run this Verilog file instead of a firmware (its top needs the Cu's ports: clk,
    /// rst_n, usb_rx, usb_tx, led[7:0]; the UART flags say how to drive and decode it)
    #[arg(long, value_name = "FILE", requires = "top")]
    pub verilog: Option<PathBuf>,
    /// Top module of --verilog
    #[arg(long, value_name = "MODULE", requires = "verilog")]
    pub top: Option<String>,
    /// Run the firmware as built for this board (`rust-hdl-uart boards`): at its clock, with
    /// its port names and LED wiring [default: the Alchitry Cu]
    #[arg(long, conflicts_with = "verilog")]
    pub board: Option<crate::firmware::Board>,
    /// Also make a symlink to the PTY at this path (removed on exit)
    #[arg(long, value_name = "PATH")]
    pub link: Option<PathBuf>,
    /// Replace an existing symlink at --link, whatever it points at (with a warning)
    #[arg(long, requires = "link")]
    pub replace_link: bool,
    /// Probability of dropping a byte between the PTY and the model (fault injection)
    #[arg(
        long,
        default_value_t = 0.0,
        value_name = "P",
        allow_negative_numbers = true
    )]
    pub drop: f64,
    /// Probability of corrupting a byte between the PTY and the model (fault injection)
    #[arg(
        long,
        default_value_t = 0.0,
        value_name = "P",
        allow_negative_numbers = true
    )]
    pub corrupt: f64,
    /// Probability of sending a byte to the board with its stop bit low: a framing error the
    /// firmware detects and counts, where a corrupted byte is a valid 8N1 frame (fault
    /// injection)
    #[arg(
        long,
        default_value_t = 0.0,
        value_name = "P",
        allow_negative_numbers = true
    )]
    pub framing: f64,
    /// Seed of the fault generator
    #[arg(long, default_value_t = 1)]
    pub fault_seed: u64,
    /// Where faults are injected: both, to-board or from-board
    #[arg(long, default_value = "both")]
    pub fault_direction: FaultDirection,
    /// Bit times of silence on both pins after which the simulated clock pauses
    #[arg(long, default_value_t = 100)]
    pub quiet_bits: u32,
    /// Folder for the Verilator model [default: firmware/build/vboard-<firmware>-<config>]
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
    /// Write the final counters as JSON to this file when the board stops
    #[arg(long, value_name = "FILE")]
    pub stats_json: Option<PathBuf>,
    /// Keep the firmware's baud and format on the PC side whatever a program sets on the
    /// PTY (by default the board follows the PTY's settings, as a USB-serial chip would, so
    /// a program at the wrong baud reads garbage)
    #[arg(long)]
    pub fixed_baud: bool,
}

/// Options of `link-test`.
#[derive(Args, Clone, Debug)]
pub struct LinkTestArgs {
    /// Serial port: the board's channel B (e.g. /dev/ttyUSB1) or the virtual board's PTY
    #[arg(long, value_name = "PATH")]
    pub port: String,
    /// Baud rate (the FT2232H is exact at 12M, 8M, 6M, 4M, 3M, 2M, 1M; 115200 is 0.04 % fast)
    #[arg(long, default_value_t = 115_200)]
    pub baud: u32,
    /// Bytes to stream
    #[arg(long, default_value_t = 100_000)]
    pub bytes: u64,
    /// Seed of the random data
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Most bytes in flight (keep it below the echo FIFO's 512)
    #[arg(long, default_value_t = 384)]
    pub window: usize,
    /// Seconds of silence after which outstanding bytes count as missing
    #[arg(long, default_value_t = 5.0, allow_negative_numbers = true)]
    pub timeout: f64,
    /// Single-byte round trips timed before the stream
    #[arg(long, default_value_t = 20)]
    pub pings: u32,
    /// Print the report as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

/// Restores the terminal's settings when dropped.
struct TerminalGuard(Option<nix::sys::termios::Termios>);

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        if let Some(saved) = &self.0 {
            let _ = nix::sys::termios::tcsetattr(
                std::io::stdin(),
                nix::sys::termios::SetArg::TCSANOW,
                saved,
            );
        }
    }
}

/// Key presses on the board's own terminal: `r` resets, `q` stops. Characters are read
/// one at a time without echo; Ctrl-C still raises SIGINT.
fn watch_keys(reset: Arc<AtomicBool>, stop: Arc<AtomicBool>) -> TerminalGuard {
    use nix::sys::termios::{tcgetattr, tcsetattr, LocalFlags, SetArg};
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return TerminalGuard(None);
    }
    let Ok(saved) = tcgetattr(&stdin) else {
        return TerminalGuard(None);
    };
    let mut keys = saved.clone();
    keys.local_flags &= !(LocalFlags::ICANON | LocalFlags::ECHO);
    if tcsetattr(&stdin, SetArg::TCSANOW, &keys).is_err() {
        return TerminalGuard(None);
    }
    // A detached thread: it ends with the process (a blocking read cannot be interrupted).
    std::thread::spawn(move || {
        let mut byte = [0u8; 1];
        while let Ok(1) = std::io::stdin().read(&mut byte) {
            match byte[0] {
                b'r' | b'R' => reset.store(true, Ordering::SeqCst),
                b'q' | b'Q' => stop.store(true, Ordering::SeqCst),
                _ => {}
            }
        }
    });
    TerminalGuard(Some(saved))
}

fn led_string(led: u8) -> String {
    (0..8)
        .rev()
        .map(|i| if led >> i & 1 == 1 { '●' } else { '○' })
        .collect()
}

/// How to talk to a virtual board running `firmware` on `port`: a terminal for the echo,
/// `rust-hdl-uart reg` for the bridge (its CRC-framed packets are binary noise in a
/// terminal).
pub fn talk_hint(
    firmware: crate::firmware::Firmware,
    baud: u64,
    port: &str,
    fixed_baud: bool,
) -> String {
    let pty_baud = if fixed_baud {
        "--fixed-baud: the baud a program sets on the PTY is ignored"
    } else {
        "the board follows the baud and format a program sets on the PTY"
    };
    match firmware {
        crate::firmware::Firmware::Bridge => format!(
            "talk to it: rust-hdl-uart reg --port {port} --baud {baud} read id   (registers; \
             {pty_baud})"
        ),
        crate::firmware::Firmware::Echo | crate::firmware::Firmware::Soc => {
            format!("talk to it: picocom -b {baud} {port}   ({pty_baud})")
        }
    }
}

/// `sim-board`: runs the firmware on the virtual board until Ctrl-C, SIGTERM or `q`.
pub fn run_sim_board(args: &SimBoardArgs, config: UartConfig) -> Result<()> {
    let root = std::env::current_dir().context("cannot read the current folder")?;
    // The line is timed with the clock the firmware's UART runs from (the SoC's PLL output).
    let config = if args.verilog.is_some() {
        config
    } else {
        args.firmware.uart_config(&config)?
    };
    let mut options = BoardOptions::new(args.firmware, config, &root);
    if let Some(dir) = &args.work_dir {
        options.work_dir = dir.clone();
    }
    options.link = args.link.clone();
    options.replace_link = args.replace_link;
    options.quiet_bits = args.quiet_bits.max(1);
    options.fixed_baud = args.fixed_baud;
    options.faults = Faults {
        drop: args.drop,
        corrupt: args.corrupt,
        framing: args.framing,
        seed: args.fault_seed,
        direction: args.fault_direction,
    };
    options.faults.validate()?;
    // Checked now: the counters are only known when the session ends.
    if let Some(file) = &args.stats_json {
        crate::outputs::check_file(file, "--stats-json")?;
    }
    // The board stops gracefully (counters, --stats-json); an interruption during the
    // Verilator build still ends Verilator and removes its half-built model.
    crate::interrupt::set_mode(crate::interrupt::Mode::Cooperative);
    // Signals first, so a Ctrl-C during the Verilator build is not lost either.
    let stop = Arc::new(AtomicBool::new(false));
    let reset = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, stop.clone())
            .context("cannot install the signal handlers")?;
    }
    signal_hook::flag::register(signal_hook::consts::SIGUSR1, reset.clone())
        .context("cannot install the signal handlers")?;

    let board = match (&args.verilog, &args.top) {
        (Some(file), Some(top)) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("--verilog {}: cannot read the file", file.display()))?;
            if args.work_dir.is_none() {
                options.work_dir = root.join("firmware").join("build").join(format!(
                    "vboard-verilog-{top}-{}hz-{}baud",
                    config.clock_hz, config.baud
                ));
            }
            let name = file.display().to_string();
            verilog_board(&text, top, &name, &config, &options)?
        }
        // Another board: its build's Verilog, behind an adapter to the Cu's ports.
        (_, _) if args.board.is_some_and(|b| b.spec().wrapped) => {
            let b = args.board.unwrap_or(crate::firmware::Board::Cu);
            let (text, top) = crate::firmware::vboard_verilog(args.firmware, b, &config)?;
            if args.work_dir.is_none() {
                options.work_dir = root.join("firmware").join("build").join(format!(
                    "vboard-{}-{}-{}baud",
                    args.firmware,
                    b.name(),
                    config.baud
                ));
            }
            let name = format!("{} on the {}", args.firmware, b.name());
            verilog_board(&text, &top, &name, &config, &options)?
        }
        _ => VirtualBoard::start(&options)?,
    };
    let label = if args.verilog.is_some() {
        "your design".to_string()
    } else if let Some(b) = args.board.filter(|b| b.spec().wrapped) {
        if config.clock_hz == b.clock_hz() {
            format!("the {} build", b.name())
        } else {
            format!(
                "NOT the {} build: its clock is {} Hz",
                b.name(),
                b.clock_hz()
            )
        }
    } else if config.clock_hz == crate::firmware::Board::Cu.clock_hz()
        || args.firmware == Firmware::Soc
    {
        "the bitstream's configuration".to_string()
    } else {
        format!(
            "NOT the bitstream's configuration: the Cu runs the firmware from {} MHz",
            crate::firmware::Board::Cu.clock_hz() / 1_000_000
        )
    };
    println!(
        "virtual board: {}, UART {}, simulated clock {} Hz ({label})",
        board.model().name,
        config.short_name(),
        config.clock_hz
    );
    println!("device: {}", board.path().display());
    if let Some(link) = board.link() {
        println!("symlink: {} -> {}", link.display(), board.path().display());
    }
    println!(
        "{}",
        talk_hint(
            args.firmware,
            config.baud,
            &board.link().unwrap_or(board.path()).display().to_string(),
            args.fixed_baud
        )
    );
    println!(
        "model: Verilator process {} ({}); board process {}",
        board.model_pid(),
        board.model().work_dir.display(),
        std::process::id()
    );
    println!(
        "reset: press r here or kill -USR1 {}; stop: Ctrl-C, q, or kill -TERM {}",
        std::process::id(),
        std::process::id()
    );
    std::io::stdout()
        .flush()
        .context("cannot write to stdout")?;
    let _terminal = watch_keys(reset.clone(), stop.clone());

    let status = ProgressBar::new_spinner();
    status.set_style(
        ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let mut shown_bugs = 0;
    let failure = loop {
        // SIGHUP reaches only crate::interrupt's handler (a closed terminal): it stops too.
        if stop.load(Ordering::SeqCst) || crate::interrupt::interrupted() {
            break None;
        }
        if let Some(failure) = board.failure() {
            break Some(failure);
        }
        if reset.swap(false, Ordering::SeqCst) {
            board.reset();
            status.suspend(|| eprintln!("reset pressed"));
        }
        let s = board.stats();
        for message in s.bugs.iter().skip(shown_bugs) {
            status.suspend(|| eprintln!("{message}"));
        }
        shown_bugs = s.bugs.len();
        let seconds = s.cycles as f64 / config.clock_hz as f64;
        status.set_message(format!(
            "LED {} | in {} B, out {} B | {seconds:.3} s simulated, {:.1} M clocks/s = {:.3}x \
             real time | PC side {} | firmware bugs {} | faults {}",
            led_string(s.led),
            s.frames_to_board,
            s.bytes_to_pty,
            s.cycles_per_second() / 1e6,
            s.cycles_per_second() / config.clock_hz as f64,
            if s.line_errors_at_pc > 0 {
                format!("{} ({} line errors)", s.pc_format, s.line_errors_at_pc)
            } else {
                s.pc_format.clone()
            },
            s.firmware_bugs(),
            s.dropped_to_board
                + s.corrupted_to_board
                + s.framed_to_board
                + s.dropped_from_board
                + s.corrupted_from_board,
        ));
        status.tick();
        std::thread::sleep(Duration::from_millis(100));
    };
    status.finish_and_clear();
    let path = board.path().to_path_buf();
    let stats = board.stop();
    if let Some(failure) = failure {
        bail!("the virtual board stopped: {failure}");
    }
    let stats = stats?;
    println!(
        "stopped: {} closed, model ended{}",
        path.display(),
        if args.link.is_some() {
            ", symlink removed"
        } else {
            ""
        }
    );
    println!(
        "LEDs {} | {} bytes in, {} out, {} simulated clocks ({:.1} M clocks/s while busy), {} \
         resets ({} frames to the board re-sent whole, {} from it cut), {} line errors at the PC \
         side, faults injected: {} dropped / {} corrupted / {} with a low stop bit to the \
         board, {} dropped / {} corrupted from it",
        led_string(stats.led),
        stats.frames_to_board,
        stats.bytes_to_pty,
        stats.cycles,
        stats.cycles_per_second() / 1e6,
        stats.resets,
        stats.resent_after_reset,
        stats.cut_by_reset,
        stats.line_errors_at_pc,
        stats.dropped_to_board,
        stats.corrupted_to_board,
        stats.framed_to_board,
        stats.dropped_from_board,
        stats.corrupted_from_board
    );
    // After the summary: a file that cannot be written (checked at the start, but the disk
    // may fill) never costs the counters, which are on the screen above.
    if let Some(file) = &args.stats_json {
        crate::outputs::write_atomic(file, &serde_json::to_string_pretty(&stats)?).with_context(
            || {
                format!(
                    "--stats-json {}: the counters are printed above but could not be saved",
                    file.display()
                )
            },
        )?;
    }
    if stats.firmware_bugs() > 0 {
        bail!(
            "the firmware sent {} malformed frames, {} breaks and {} mistimed edges (see above)",
            stats.malformed_from_board,
            stats.breaks_from_board,
            stats.timing_errors_from_board
        );
    }
    Ok(())
}

/// `link-test`: streams random data through an echo and reports; fails when any byte was
/// wrong, lost or missing.
pub fn run_link_test(args: &LinkTestArgs) -> Result<()> {
    if args.baud == 0 {
        bail!("--baud 0 is not a baud rate; use the echo firmware's, e.g. 115200");
    }
    if args.bytes == 0 {
        bail!("--bytes 0 would test nothing; stream at least one byte");
    }
    crate::bridge::serial::check_port_path(&args.port)?;
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        bail!(
            "--timeout {}: give a positive number of seconds",
            args.timeout
        );
    }
    let options = LinkTestOptions {
        port: args.port.clone(),
        baud: args.baud,
        bytes: args.bytes,
        seed: args.seed,
        window: args.window,
        timeout: Duration::from_secs_f64(args.timeout),
        pings: args.pings,
        progress: true,
    };
    let report = link_test(&options)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{}", report.summary());
    }
    if !report.passed() {
        bail!(
            "{} of {} bytes did not come back right (seed {}; run again with --seed {} to repeat)",
            report.errors(),
            report.bytes_sent,
            report.seed,
            report.seed
        );
    }
    Ok(())
}

/// A virtual board running `text` (top module `top`) through Verilator, built in the
/// options' work folder.
fn verilog_board(
    text: &str,
    top: &str,
    name: &str,
    config: &UartConfig,
    options: &BoardOptions,
) -> Result<VirtualBoard> {
    let model = BoardModel::build_verilog(
        text,
        top,
        name,
        config,
        &options.work_dir,
        &crate::flow::tools::Toolchain::from_env(),
    )?;
    VirtualBoard::start_with_model(model, options)
}

#[cfg(test)]
mod tests {
    use super::talk_hint;
    use crate::firmware::Firmware;

    #[test]
    fn the_bridge_is_talked_to_with_reg_not_a_terminal() {
        let hint = talk_hint(Firmware::Bridge, 115_200, "/tmp/ttyCU", false);
        assert!(
            hint.contains("rust-hdl-uart reg --port /tmp/ttyCU --baud 115200"),
            "{hint}"
        );
        assert!(!hint.contains("picocom"), "{hint}");
        let hint = talk_hint(Firmware::Echo, 9600, "/dev/pts/3", true);
        assert!(hint.contains("picocom -b 9600 /dev/pts/3"), "{hint}");
    }
}
