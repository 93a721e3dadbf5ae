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
use rust_hdl_uart::periph::options::{Bus, PeripheralSwitches};
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

/// `on`/`off` (also `true`/`false`, `yes`/`no`, `1`/`0`) for a switch.
fn on_off(text: &str) -> std::result::Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" => Ok(true),
        "off" | "false" | "no" | "0" => Ok(false),
        _ => Err(format!("'{text}' is not a switch value: use on or off")),
    }
}

/// The peripheral's generator switches (`uart_wb`, `uart_axil`): a preset, then single
/// switches over it. A `[peripheral]` table in the `--config` file is read first; flags
/// override it.
#[derive(Args, Clone, Debug, Default)]
struct PeripheralArgs {
    /// Peripheral preset: full (every feature) or minimal [default: full]
    #[arg(long, value_name = "PRESET")]
    peripheral: Option<String>,
    /// RX FIFO entries, a power of two from 1 to 512 (1 and 2 in flip-flops, more in block RAM) [preset: 16]
    #[arg(long, value_name = "ENTRIES", value_parser = whole_number::<u32>)]
    rx_depth: Option<u32>,
    /// TX FIFO entries, a power of two from 1 to 512 (1 and 2 in flip-flops, more in block RAM) [preset: 16]
    #[arg(long, value_name = "ENTRIES", value_parser = whole_number::<u32>)]
    tx_depth: Option<u32>,
    /// FRAME writable at run time: on or off
    #[arg(long, value_name = "ON|OFF", value_parser = on_off)]
    runtime_format: Option<bool>,
    /// BAUD writable at run time: on or off
    #[arg(long, value_name = "ON|OFF", value_parser = on_off)]
    runtime_baud: Option<bool>,
    /// RX timeout: on or off
    #[arg(long, value_name = "ON|OFF", value_parser = on_off)]
    rx_timeout: Option<bool>,
    /// RTS/CTS flow control: on or off
    #[arg(long, value_name = "ON|OFF", value_parser = on_off)]
    rts_cts: Option<bool>,
    /// RS-485 direction control: on or off
    #[arg(long, value_name = "ON|OFF", value_parser = on_off)]
    rs485: Option<bool>,
    /// Internal loopback: on or off
    #[arg(long, value_name = "ON|OFF", value_parser = on_off)]
    loopback: Option<bool>,
    /// Break send and detect: on or off
    #[arg(long = "break", value_name = "ON|OFF", value_parser = on_off)]
    break_: Option<bool>,
    /// Lost-byte counter (OVERFLOW.RX_LOST): on or off
    #[arg(long, value_name = "ON|OFF", value_parser = on_off)]
    lost_counter: Option<bool>,
    /// Interrupt sources, comma-separated (rx_watermark, tx_watermark, rx_timeout,
    /// line_error, overflow, cts_changed, tx_done) or none
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    irqs: Option<Vec<String>>,
    /// Write only this bus's peripheral: wishbone (uart_wb) or axil (uart_axil)
    #[arg(long, value_name = "BUS", value_parser = bus)]
    bus: Option<Bus>,
    /// RS485.LEAD's reset value, bit times (0 to 15)
    #[arg(long, value_name = "BITS", value_parser = whole_number::<u32>)]
    rs485_lead: Option<u32>,
    /// RS485.LAG's reset value, bit times (0 to 15)
    #[arg(long, value_name = "BITS", value_parser = whole_number::<u32>)]
    rs485_lag: Option<u32>,
}

fn bus(text: &str) -> std::result::Result<Bus, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "wishbone" | "wb" => Ok(Bus::Wishbone),
        "axil" | "axi4-lite" | "axi-lite" => Ok(Bus::Axil),
        _ => Err(format!("'{text}' is not a bus: use wishbone or axil")),
    }
}

impl PeripheralArgs {
    fn switches(&self) -> PeripheralSwitches {
        PeripheralSwitches {
            preset: self.peripheral.clone(),
            rx_depth: self.rx_depth,
            tx_depth: self.tx_depth,
            runtime_format: self.runtime_format,
            runtime_baud: self.runtime_baud,
            rx_timeout: self.rx_timeout,
            rts_cts: self.rts_cts,
            rs485: self.rs485,
            loopback: self.loopback,
            break_: self.break_,
            lost_counter: self.lost_counter,
            irqs: self.irqs.clone(),
            bus: self.bus,
            rs485_lead: self.rs485_lead,
            rs485_lag: self.rs485_lag,
        }
    }
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
    /// Write the UART's Verilog files (all or nothing), checked with yosys when installed
    #[command(long_about = verilog_help())]
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
        #[command(flatten)]
        peripheral: PeripheralArgs,
    },
    /// List the boards: FPGA, clock, UART pins, toolchain, flash tool, bauds their clock allows
    Boards,
    /// Build a firmware's bitstream: Verilog, synthesis, place and route (timing checked at
    /// the board clock), bitstream; outputs and report.json in firmware/build/<firmware>-<board>/
    /// (one folder per firmware and board: a build in another configuration replaces the
    /// bitstream there, and says so; uart.toml beside it names the configuration)
    Build {
        /// Firmware to build: echo, bridge or soc
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
    /// Write a built firmware to the board's flash (iceprog or openFPGALoader); prints the
    /// bitstream and the configuration it was built for first
    Flash {
        /// Firmware to flash: echo, bridge or soc
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

/// `verilog --help`: every file the command writes, from the same lists the export uses.
fn verilog_help() -> String {
    let files = |designs: &[Design]| {
        designs
            .iter()
            .map(|d| format!("{}.v", d.module_name()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "Write the UART's Verilog into --out, one file per top module:\n  {}\n\
         always, and the bus peripheral\n  {}\n\
         when the configuration has at most 8 data bits (with 9 the peripheral, whose data path \
         is 8 bits wide, is not written, and the command says so). A peripheral build other \
         than the default (--peripheral minimal, a single switch or a [peripheral] table) also \
         writes its own register header and table, uart_regs.h and uart_regs.md (the default \
         build's are include/uart_regs.h and the README's table). With --name NAME the files \
         and modules start with NAME instead of uart (NAME_rx.v, NAME.v, NAME_wb.v, ...). \
         Each file is checked with yosys when it is installed; all or nothing: on any error \
         the output folder is left as it was.",
        files(&Design::ALL),
        files(&Design::PERIPHERALS)
    )
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
            peripheral,
        } => {
            let file_switches = match &config.config {
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("cannot read config file {}", path.display()))?;
                    PeripheralSwitches::from_toml_str(&text, &path.display().to_string())?
                }
                None => PeripheralSwitches::default(),
            };
            let switches = file_switches.overridden_by(&peripheral.switches());
            let config = config.resolve()?;
            // Checked before anything is generated or written.
            let build = switches.resolve()?;
            let mut designs = Design::for_config(&config);
            if switches != PeripheralSwitches::default()
                && !designs.iter().any(|d| Design::PERIPHERALS.contains(d))
            {
                bail!(
                    "peripheral switches given, but the peripheral carries at most 8 data bits \
                     (asked for {}): use --data-bits 8 or fewer, or drop the peripheral switches",
                    config.data_bits
                );
            }
            match switches.bus {
                Some(Bus::Wishbone) => designs.retain(|d| *d != Design::AxiLite),
                Some(Bus::Axil) => designs.retain(|d| *d != Design::Wishbone),
                None => {}
            }
            let options = ExportOptions {
                name,
                designs,
                yosys_timeout,
                tools: Toolchain::from_env().with_progress(Progress::Quiet),
                peripheral: build,
                ..ExportOptions::default()
            };
            let for_width = Design::for_config(&config);
            let skipped: Vec<String> = Design::PERIPHERALS
                .iter()
                .filter(|d| !for_width.contains(d))
                .map(|d| format!("{}.v", d.module_name_for(&options.name)))
                .collect();
            let report = write_verilog_with(&config, &out, &options)
                .with_context(|| format!("exporting Verilog to {}", out.display()))?;
            println!("UART {}", config.short_name());
            for (file, module) in report.files.iter().zip(&report.modules) {
                println!("  wrote {} (module {module})", file.display());
            }
            if !skipped.is_empty() {
                println!(
                    "  not written: {} (the bus peripheral carries at most 8 data bits; this \
                     configuration has {})",
                    skipped.join(", "),
                    config.data_bits
                );
            }
            for doc in &report.docs {
                println!(
                    "  wrote {} (this peripheral build's registers)",
                    doc.display()
                );
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
            // One folder per firmware and board: a build in another configuration replaces
            // the bitstream there (flash then writes this one), so it says so up front.
            let dir = build_dir(firmware, board, &root);
            if let Some(old) = built_config(&dir) {
                if old != config {
                    println!(
                        "NOTE: replacing the bitstream in {} built for {} with one for {}; \
                         `flash` will write this one (rebuild without the flags to go back)",
                        dir.display(),
                        old.short_name(),
                        config.short_name()
                    );
                }
            }
            let options = BuildOptions {
                toolchain,
                part,
                ..BuildOptions::default()
            };
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
            let dir = build_dir(firmware, board, &root);
            let built = match built_config(&dir) {
                Some(config) => config.short_name(),
                None => "unknown configuration (no uart.toml beside it)".to_string(),
            };
            println!(
                "flashing {}: the {firmware} firmware for the {board}, UART {built}",
                bitstream_path(firmware, board, &root).display()
            );
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

/// The configuration a firmware in `dir` was built for (its `uart.toml`), if readable.
fn built_config(dir: &Path) -> Option<UartConfig> {
    let file = dir.join("uart.toml");
    file.is_file()
        .then(|| UartConfig::from_toml_file(&file).ok())
        .flatten()
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
    // Before any work: an interrupted command ends its tools and removes its scratch.
    if let Err(err) = rust_hdl_uart::interrupt::install_handlers() {
        eprintln!("error: {err:#}");
        return ExitCode::FAILURE;
    }
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
