//! `rust-hdl-uart`: a thin command line over the library. Every command is a library call
//! that the tests make too; this file only parses flags and prints.

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use rust_hdl_uart::config::{Parity, UartConfig};
use rust_hdl_uart::firmware::{bitstream_path, build, build_dir, flash, Board, Firmware};
use std::path::PathBuf;
use std::process::ExitCode;

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
    #[arg(long)]
    clock_hz: Option<u64>,
    /// Baud rate [default: 115200]
    #[arg(long)]
    baud: Option<u64>,
    /// Data bits per frame, 5 to 9 [default: 8]
    #[arg(long)]
    data_bits: Option<u32>,
    /// none, even, odd, mark or space [default: none]
    #[arg(long)]
    parity: Option<Parity>,
    /// 1 or 2 [default: 1]
    #[arg(long)]
    stop_bits: Option<u32>,
    /// Receiver samples per bit: 4, 8 or 16 [default: 16]
    #[arg(long)]
    oversample: Option<u32>,
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
    /// Write uart_rx.v, uart_tx.v and uart.v (checked with yosys when it is installed)
    Verilog {
        #[command(flatten)]
        config: ConfigArgs,
        /// Output folder
        #[arg(long, default_value = "build/verilog")]
        out: PathBuf,
    },
    /// Build a firmware's bitstream: Verilog, yosys, nextpnr-ice40 (timing checked at the
    /// board clock), icepack; outputs and report.json in firmware/build/<firmware>-<board>/
    Build {
        /// Firmware to build: echo or bridge
        #[arg(long, default_value = "echo")]
        firmware: Firmware,
        /// Board: cu or cu-v2
        #[arg(long, default_value = "cu")]
        board: Board,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Write a built firmware to the board's flash with iceprog
    Flash {
        /// Firmware to flash: echo or bridge
        #[arg(long, default_value = "echo")]
        firmware: Firmware,
        /// Board: cu or cu-v2
        #[arg(long, default_value = "cu")]
        board: Board,
    },
    /// Read and write the register-bridge firmware's registers over the serial port
    #[cfg(feature = "host")]
    Reg(rust_hdl_uart::bridge::cli::RegArgs),
    /// Measure simulation speed, receiver tolerance, glitch immunity and synthesis figures;
    /// results go to bench/results.json and bench/results.md
    Bench {
        /// Sections to run (default: all): sim, tolerance, glitch, synth
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// Short runs: checks the bench itself, figures are rough
        #[arg(long)]
        quick: bool,
        /// Folder for the results
        #[arg(long, default_value = "bench")]
        results: PathBuf,
    },
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Info { config } => {
            let timing = config.resolve()?.validate()?;
            println!("{timing}");
        }
        Command::Verilog { config, out } => {
            let config = config.resolve()?;
            let (files, checked) = rust_hdl_uart::export::write_verilog(&config, &out)
                .with_context(|| format!("exporting Verilog to {}", out.display()))?;
            println!("UART {}", config.short_name());
            for file in &files {
                println!("  wrote {}", file.display());
            }
            if checked {
                println!("  yosys: elaborated, no latches, no errors");
            } else {
                println!("  yosys not found: files not checked (sudo apt-get install -y yosys)");
            }
        }
        Command::Build {
            firmware,
            board,
            config,
        } => {
            let config = config.resolve()?;
            let root = std::env::current_dir().context("cannot read the current folder")?;
            println!(
                "building {firmware} for the {board} ({})",
                config.short_name()
            );
            let report = build(firmware, board, &config, &root)?;
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
            rust_hdl_uart::bench::run(&rust_hdl_uart::bench::BenchOptions {
                sections,
                quick,
                results_dir: results,
            })?;
        }
    }
    Ok(())
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
