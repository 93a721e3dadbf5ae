//! `rust-hdl-uart`: a thin command line over the library. Every command is a library call
//! that the tests make too; this file only parses flags and prints.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use rust_hdl_uart::boards::Ecp5Part;
use rust_hdl_uart::config::{Parity, UartConfig};
use rust_hdl_uart::export::{write_verilog_with, Design, ExportOptions};
use rust_hdl_uart::firmware::{
    bitstream_path, build_dir, build_with_options, flash, Board, BuildOptions, Firmware,
};
use rust_hdl_uart::flow::yowasp::ToolFlavour;
use rust_hdl_uart::tools::{Progress, Toolchain};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "rust-hdl-uart",
    version,
    about = "UART soft core for FPGAs: Verilog export, board firmware, benchmarks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The UART settings. A `--config` TOML file is read first; flags override its values.
#[derive(Args, Clone, Debug, Default)]
struct ConfigArgs {
    /// TOML file with any of: clock_hz, baud, data_bits, parity, stop_bits, oversample
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Clock frequency of the design [default: 100000000]
    #[arg(long, value_name = "HZ", allow_negative_numbers = true, value_parser = whole_number::<u64>)]
    clock_hz: Option<u64>,
    /// Baud rate [default: 115200]
    #[arg(long, allow_negative_numbers = true, value_parser = whole_number::<u64>)]
    baud: Option<u64>,
    /// Data bits per frame, 5 to 9 [default: 8]
    #[arg(long, allow_negative_numbers = true, value_parser = whole_number::<u32>)]
    data_bits: Option<u32>,
    /// none, even, odd, mark or space, or the first letter, any case [default: none]
    #[arg(long)]
    parity: Option<Parity>,
    /// 1 or 2 [default: 1]
    #[arg(long, allow_negative_numbers = true, value_parser = whole_number::<u32>)]
    stop_bits: Option<u32>,
    /// Receiver samples per bit: 4, 8 or 16 [default: 16]
    #[arg(long, allow_negative_numbers = true, value_parser = whole_number::<u32>)]
    oversample: Option<u32>,
}

/// Parses a whole number that is not negative. clap names the flag in front of the
/// message, so a typo such as `--baud -9600` says which flag is wrong and why.
fn whole_number<T: std::str::FromStr>(text: &str) -> std::result::Result<T, String> {
    let trimmed = text.trim();
    if trimmed.starts_with('-') {
        return Err(format!(
            "'{text}' is negative: give a positive whole number"
        ));
    }
    trimmed
        .replace('_', "")
        .parse()
        .map_err(|_| format!("'{text}' is not a whole number: give digits only, e.g. 115200"))
}

/// Seconds, as a positive number (fractions allowed).
fn seconds(text: &str) -> std::result::Result<Duration, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s > 0.0 && s.is_finite() && s < 1e9 => Ok(Duration::from_secs_f64(s)),
        _ => Err(format!(
            "'{text}' is not a positive number of seconds, e.g. 120"
        )),
    }
}

impl ConfigArgs {
    fn resolve(&self) -> Result<UartConfig> {
        let mut config = match &self.config {
            Some(path) => UartConfig::from_toml_file(path)?,
            None => UartConfig::default(),
        };
        if let Some(v) = self.clock_hz {
            config.clock_hz = v;
        }
        if let Some(v) = self.baud {
            config.baud = v;
        }
        if let Some(v) = self.data_bits {
            config.data_bits = v;
        }
        if let Some(v) = self.parity {
            config.parity = v;
        }
        if let Some(v) = self.stop_bits {
            config.stop_bits = v;
        }
        if let Some(v) = self.oversample {
            config.oversample = v;
        }
        config.validate()?;
        Ok(config)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Print the configuration with its real baud, error in ppm and sampling figures
    Info {
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Write <NAME>_rx.v, <NAME>_tx.v and <NAME>.v (uart_rx.v, uart_tx.v, uart.v by default),
    /// checked with yosys when it is installed; all or nothing
    Verilog {
        #[command(flatten)]
        config: ConfigArgs,
        /// Output folder (any path: spaces and a leading '-' are fine)
        #[arg(
            long,
            value_name = "DIR",
            default_value = "build/verilog",
            allow_hyphen_values = true
        )]
        out: PathBuf,
        /// Base module name: modules and files NAME_rx, NAME_tx and NAME, so several
        /// configurations under different names coexist in one design
        #[arg(long, value_name = "NAME", default_value = rust_hdl_uart::export::DEFAULT_NAME)]
        name: String,
        /// Bound on each yosys check, in seconds (a check takes about a second)
        #[arg(long, value_name = "SECONDS", default_value = "120", value_parser = seconds)]
        yosys_timeout: Duration,
    },
    /// List the boards: FPGA, clock, UART pins, toolchain, flash tool, bauds their clock allows
    Boards,
    /// Build a firmware's bitstream: Verilog, synthesis, place and route (timing checked at
    /// the board clock), bitstream; outputs and report.json in firmware/build/<firmware>-<board>/
    Build {
        /// Firmware to build: echo or bridge
        #[arg(long, default_value = "echo")]
        firmware: Firmware,
        /// Board (`rust-hdl-uart boards` lists them): cu, cu-v2, icebreaker, upduino-v3,
        /// ulx3s, tangnano9k
        #[arg(long, default_value = "cu")]
        board: Board,
        /// iCE40 boards: debian (yosys 0.23, nextpnr 0.4 from apt) or yowasp (current
        /// yosys and nextpnr from PyPI, in .venv/); ECP5 and Gowin always use yowasp
        #[arg(long, default_value = "debian")]
        toolchain: ToolFlavour,
        /// The ULX3S's ECP5 part: 12F, 25F, 45F or 85F (printed on the chip)
        #[arg(long, default_value = "85F")]
        part: Ecp5Part,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Write a built firmware to the board's flash (iceprog or openFPGALoader)
    Flash {
        /// Firmware to flash: echo or bridge
        #[arg(long, default_value = "echo")]
        firmware: Firmware,
        /// Board (`rust-hdl-uart boards` lists them)
        #[arg(long, default_value = "cu")]
        board: Board,
    },
    /// Read and write the register-bridge firmware's registers over the serial port
    #[cfg(feature = "host")]
    Reg(rust_hdl_uart::bridge::cli::RegArgs),
    /// Measure simulation speed, receiver tolerance, glitch immunity, synthesis figures and
    /// the Verilator regression; results go to build/bench/ (bench/, the committed figures,
    /// only with --save)
    Bench {
        /// Sections to run, comma-separated (default: all)
        #[arg(long, value_delimiter = ',', value_parser = clap::builder::PossibleValuesParser::new(rust_hdl_uart::bench::SECTIONS))]
        only: Vec<String>,
        /// Short runs: checks the bench itself, figures are rough (never saved to bench/)
        #[arg(long, conflicts_with = "save")]
        quick: bool,
        /// Write the committed results, bench/results.json and bench/results.md
        #[arg(long, conflicts_with = "results")]
        save: bool,
        /// Folder for the results [default: build/bench; bench with --save]
        #[arg(long, value_name = "DIR", allow_hyphen_values = true)]
        results: Option<PathBuf>,
    },
    /// Run a firmware's exported Verilog in Verilator as a virtual board whose UART is a
    /// pseudo-terminal (talk to it with picocom, pyserial, link-test)
    #[cfg(feature = "host")]
    SimBoard {
        #[command(flatten)]
        board: rust_hdl_uart::host::cli::SimBoardArgs,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Stream random data through an echo (board or virtual board) and check every byte
    #[cfg(feature = "host")]
    LinkTest {
        #[command(flatten)]
        args: rust_hdl_uart::host::cli::LinkTestArgs,
    },
}

/// Where `bench --save` writes: the figures the README quotes.
const COMMITTED_BENCH_DIR: &str = "bench";
/// Where `bench` writes otherwise.
const SCRATCH_BENCH_DIR: &str = "build/bench";

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Info { config } => {
            let timing = config.resolve()?.validate()?;
            println!("{timing}");
        }
        Command::Verilog {
            config,
            out,
            name,
            yosys_timeout,
        } => {
            let config = config.resolve()?;
            let options = ExportOptions {
                name,
                designs: Design::for_config(&config),
                yosys_timeout,
                tools: Toolchain::from_env().with_progress(Progress::Quiet),
                ..ExportOptions::default()
            };
            let report = write_verilog_with(&config, &out, &options)
                .with_context(|| format!("exporting Verilog to {}", out.display()))?;
            println!("UART {}", config.short_name());
            for (file, module) in report.files.iter().zip(&report.modules) {
                println!("  wrote {} (module {module})", file.display());
            }
            if report.checked {
                println!("  yosys: elaborated, no latches, no errors");
            } else {
                println!("  yosys not found: files not checked (sudo apt-get install -y yosys)");
            }
        }
        Command::Boards => print!("{}", rust_hdl_uart::firmware::boards_listing()),
        Command::Build {
            firmware,
            board,
            toolchain,
            part,
            mut config,
        } => {
            // The board's oscillator is the only clock: without --clock-hz (or a file
            // giving one) the configuration takes it.
            if config.clock_hz.is_none() && config.config.is_none() {
                config.clock_hz = Some(board.clock_hz());
            }
            let config = config.resolve()?;
            let root = std::env::current_dir().context("cannot read the current folder")?;
            println!(
                "building {firmware} for the {board} ({})",
                config.short_name()
            );
            let options = BuildOptions { toolchain, part };
            let report = build_with_options(
                firmware,
                board,
                &config,
                &root,
                &Toolchain::from_env(),
                &options,
            )?;
            println!("{report}");
            println!("outputs in {}", build_dir(firmware, board, &root).display());
        }
        Command::Flash { firmware, board } => {
            let root = std::env::current_dir().context("cannot read the current folder")?;
            flash(firmware, board, &root)?;
            println!(
                "flashed {}",
                bitstream_path(firmware, board, &root).display()
            );
        }
        #[cfg(feature = "host")]
        Command::Reg(args) => rust_hdl_uart::bridge::cli::run(&args)?,
        Command::Bench {
            only,
            quick,
            save,
            results,
        } => {
            let sections = if only.is_empty() {
                rust_hdl_uart::bench::SECTIONS
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            } else {
                only
            };
            let results_dir = match (save, results) {
                (true, _) => PathBuf::from(COMMITTED_BENCH_DIR),
                (false, Some(dir)) => dir,
                (false, None) => PathBuf::from(SCRATCH_BENCH_DIR),
            };
            if quick && same_folder(&results_dir, Path::new(COMMITTED_BENCH_DIR)) {
                bail!(
                    "--quick gives rough figures and would overwrite the committed \
                     {COMMITTED_BENCH_DIR}/results.*: drop --quick, or give another --results folder"
                );
            }
            // It prints where the results went.
            rust_hdl_uart::bench::run(&rust_hdl_uart::bench::BenchOptions {
                sections,
                quick,
                results_dir,
            })?;
        }
        #[cfg(feature = "host")]
        Command::SimBoard { board, mut config } => {
            // A board's build runs at its oscillator unless a clock is given.
            if let (Some(b), None, None) = (board.board, config.clock_hz, &config.config) {
                config.clock_hz = Some(b.clock_hz());
            }
            rust_hdl_uart::host::cli::run_sim_board(&board, config.resolve()?)?;
        }
        #[cfg(feature = "host")]
        Command::LinkTest { args } => rust_hdl_uart::host::cli::run_link_test(&args)?,
    }
    Ok(())
}

/// Whether two paths name the same folder (also when one does not exist yet).
fn same_folder(a: &Path, b: &Path) -> bool {
    let full = |p: &Path| {
        std::fs::canonicalize(p).unwrap_or_else(|_| {
            std::env::current_dir()
                .map(|cwd| cwd.join(p))
                .unwrap_or_else(|_| p.to_path_buf())
        })
    };
    full(a) == full(b)
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
