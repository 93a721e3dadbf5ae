//! Library glue between the firmware designs, the board pin files and the build flow: the
//! functions the CLI's `build` and `flash` commands and the tests call.
//!
//! Guarantees
//! - A board and a firmware are named by a fixed word (`cu`, `cu-v2`, `echo`, `bridge`,
//!   `soc`); any other word is an error that lists the choices.
//! - The configuration is validated, and must use the board's own clock (the Cu has a 100 MHz
//!   oscillator; echo and bridge have no PLL, the SoC makes its own clock from it): a design
//!   built for another clock would run every baud rate wrong, so it is refused rather than
//!   built.
//! - The pin file is the board's file in `constraints/`, found next to the crate's sources or
//!   under the given root or the current directory; a missing file is an error naming every
//!   place looked in.
//! - The build goes to `firmware/build/<firmware>-<board>/` under the given root, and reports
//!   success only when the flow does (pins checked against the ports, no latch, every clock
//!   meeting the board clock — the SoC's: its PLL output — on one of [`SEEDS`], each nextpnr
//!   run bounded by [`NEXTPNR_TIMEOUT`], the SoC's by [`SOC_NEXTPNR_TIMEOUT`]). The configuration it was built with is kept beside it as
//!   `uart.toml`.
//! - Flashing refuses a firmware that was not built yet and says which command builds it.

use super::bridge::BridgeFirmware;
use super::echo::EchoFirmware;
use super::soc::{self, SocBoard, SocCore};
use crate::config::UartConfig;
use crate::export::block_verilog;
#[cfg(feature = "flow")]
use crate::flow::{self, BuildReport, BuildRequest, Toolchain};
#[cfg(feature = "flow")]
use anyhow::Context;
use anyhow::{bail, Result};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Placement seeds tried in order until one routes and meets timing.
pub const SEEDS: [u64; 5] = [1, 2, 3, 4, 5];
/// Bound on each nextpnr run: a hang guard (a seed that routes takes seconds, a minute or
/// two on a heavily loaded 2-core machine; nextpnr 0.4 can hang on a seed).
pub const NEXTPNR_TIMEOUT: Duration = Duration::from_secs(300);
/// The same bound for the SoC (3 000 logic cells: its placement alone took 5 minutes on a
/// loaded 2-core machine).
pub const SOC_NEXTPNR_TIMEOUT: Duration = Duration::from_secs(40 * 60);
/// Where builds go, relative to the root given to `build` (feature `flow`).
pub const BUILD_SUBDIR: &str = "firmware/build";

/// A board the firmware can be built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Board {
    /// Alchitry Cu (V1).
    Cu,
    /// Alchitry Cu V2: other LED pins.
    CuV2,
}

impl Board {
    pub const ALL: [Board; 2] = [Board::Cu, Board::CuV2];

    /// The word used on the command line and in build folder names.
    pub fn name(self) -> &'static str {
        match self {
            Board::Cu => "cu",
            Board::CuV2 => "cu-v2",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Board::Cu => "Alchitry Cu (iCE40-HX8K cb132)",
            Board::CuV2 => "Alchitry Cu V2 (iCE40-HX8K cb132)",
        }
    }

    /// File name of the board's pin constraints in `constraints/`.
    pub fn pcf_file_name(self) -> &'static str {
        match self {
            Board::Cu => "alchitry_cu.pcf",
            Board::CuV2 => "alchitry_cu_v2.pcf",
        }
    }

    /// The board's oscillator, the only clock the firmware has.
    pub fn clock_hz(self) -> u64 {
        100_000_000
    }

    /// The board's pin file: `constraints/<file>` next to this crate's sources (known at
    /// compile time), else under `root`, else under the current directory.
    pub fn pcf_path(self, root: &Path) -> Result<PathBuf> {
        let mut tried: Vec<PathBuf> = Vec::new();
        let mut candidates = vec![
            Path::new(env!("CARGO_MANIFEST_DIR")).join("constraints"),
            root.join("constraints"),
        ];
        if let Ok(cwd) = std::env::current_dir() {
            candidates.push(cwd.join("constraints"));
        }
        for dir in candidates {
            let path = dir.join(self.pcf_file_name());
            if tried.contains(&path) {
                continue;
            }
            if path.is_file() {
                return Ok(path);
            }
            tried.push(path);
        }
        bail!(
            "pin file {} for the {} not found; looked in: {}. It ships in the repository's \
             constraints/ folder: run from the repository root or restore the file",
            self.pcf_file_name(),
            self.description(),
            tried
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

impl fmt::Display for Board {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Board {
    type Err = anyhow::Error;
    fn from_str(word: &str) -> Result<Self> {
        let wanted = word.trim().to_ascii_lowercase();
        Board::ALL
            .into_iter()
            .find(|b| b.name() == wanted)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "board: unknown board '{word}'; use one of {}",
                    choices(Board::ALL.iter().map(|b| (b.name(), b.description())))
                )
            })
    }
}

/// A firmware design.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Firmware {
    /// Every byte received is sent back; LEDs show the last byte and error flags.
    Echo,
    /// 32-bit registers read and written by the PC over the UART (see `firmware/bridge.rs`).
    Bridge,
    /// PicoRV32 running the C monitor (`sw/`) against the peripheral (see `firmware/soc.rs`).
    Soc,
}

impl Firmware {
    pub const ALL: [Firmware; 3] = [Firmware::Echo, Firmware::Bridge, Firmware::Soc];

    pub fn name(self) -> &'static str {
        match self {
            Firmware::Echo => "echo",
            Firmware::Bridge => "bridge",
            Firmware::Soc => "soc",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Firmware::Echo => "UART echo through a block RAM FIFO, status on the LEDs",
            Firmware::Bridge => "register bridge: 32-bit registers read and written over the UART",
            Firmware::Soc => "PicoRV32 RISC-V SoC: the C monitor (sw/) drives the UART peripheral",
        }
    }

    /// Name of the design's top Verilog module (sub-modules carry it as a prefix).
    pub fn top_module(self) -> &'static str {
        match self {
            Firmware::Echo => "echo_top",
            Firmware::Bridge => "bridge_top",
            Firmware::Soc => "soc_top",
        }
    }

    /// The UART configuration the firmware's UART runs with for a board-level `config`: the
    /// same, except for the SoC, whose UART runs from the PLL's [`soc::SOC_CLOCK_HZ`]. The
    /// virtual board times its line with this clock. `Err` when `config` names a clock that
    /// is neither the board's nor the SoC's.
    pub fn uart_config(self, config: &UartConfig) -> Result<UartConfig> {
        match self {
            Firmware::Echo | Firmware::Bridge => Ok(*config),
            Firmware::Soc => {
                let board = Board::Cu.clock_hz();
                if config.clock_hz != board && config.clock_hz != soc::SOC_CLOCK_HZ {
                    bail!(
                        "clock_hz = {}: the SoC firmware runs from the Cu's {board} Hz through \
                         its PLL at {} Hz; leave clock_hz out",
                        config.clock_hz,
                        soc::SOC_CLOCK_HZ
                    );
                }
                Ok(soc::soc_config(config))
            }
        }
    }
}

impl fmt::Display for Firmware {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Firmware {
    type Err = anyhow::Error;
    fn from_str(word: &str) -> Result<Self> {
        let wanted = word.trim().to_ascii_lowercase();
        Firmware::ALL
            .into_iter()
            .find(|f| f.name() == wanted)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "firmware: unknown firmware '{word}'; use one of {}",
                    choices(Firmware::ALL.iter().map(|f| (f.name(), f.description())))
                )
            })
    }
}

fn choices<'a>(list: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    list.map(|(name, what)| format!("{name} ({what})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The firmware's Verilog for a configuration, with a header naming the configuration, and
/// its top module name: the bitstream's design (the SoC with its PLL).
pub fn firmware_verilog(firmware: Firmware, config: &UartConfig) -> Result<(String, String)> {
    firmware_verilog_for(firmware, config, true)
}

/// The Verilog the virtual board runs: [`firmware_verilog`], except that the SoC's PLL is
/// left out (its core is clocked directly, at the PLL's output frequency).
pub fn firmware_sim_verilog(firmware: Firmware, config: &UartConfig) -> Result<(String, String)> {
    firmware_verilog_for(firmware, config, false)
}

fn firmware_verilog_for(
    firmware: Firmware,
    config: &UartConfig,
    with_pll: bool,
) -> Result<(String, String)> {
    let uart_config = firmware.uart_config(config)?;
    let timing = uart_config.validate()?;
    let top = firmware.top_module();
    let (body, leds) = match firmware {
        Firmware::Echo => (
            crate::with_data_bits!(config.data_bits, D =>
                block_verilog(&mut EchoFirmware::<D>::new(&timing)?, top)?),
            "led[5:0] last byte,\n//   led[6] framing/parity/break seen, led[7] byte lost to \
             overrun (both until rst_n).",
        ),
        Firmware::Bridge => (
            block_verilog(&mut BridgeFirmware::new(&timing)?, top)?,
            "the LEDS register.",
        ),
        Firmware::Soc => {
            let program = soc::build_program(&soc::program_dir())?;
            let body = if with_pll {
                block_verilog(
                    &mut SocBoard::new(Board::Cu.clock_hz(), &uart_config, &program.words)?,
                    top,
                )?
            } else {
                block_verilog(&mut SocCore::new(&uart_config, &program.words)?, top)?
            };
            (
                body,
                if with_pll {
                    "the LED register.\n// Clock: the iCE40 PLL makes the SoC's clock from clk."
                } else {
                    "the LED register.\n// Clock: clk is the SoC's clock (the PLL left out for \
                     simulation)."
                },
            )
        }
    };
    let mut text = format!(
        "// {top}: {} firmware ({}), generated by rust-hdl-uart {} with rust-hdl 0.46.\n\
         // Ports: clk, rst_n (active low), usb_rx (in), usb_tx (out), led[7:0]: {leds}\n",
        firmware.name(),
        firmware.description(),
        env!("CARGO_PKG_VERSION"),
    );
    text.push_str(&crate::export::config_comment(&timing));
    text.push('\n');
    text.push_str(&body);
    Ok((text, top.to_string()))
}

/// `<root>/firmware/build/<firmware>-<board>`.
pub fn build_dir(firmware: Firmware, board: Board, root: &Path) -> PathBuf {
    root.join(BUILD_SUBDIR)
        .join(format!("{}-{}", firmware.name(), board.name()))
}

#[cfg(feature = "flow")]
/// The flow request [`build`] makes (checked configuration, Verilog, board pin file).
pub fn build_request(
    firmware: Firmware,
    board: Board,
    config: &UartConfig,
    root: &Path,
) -> Result<BuildRequest> {
    config.validate()?;
    if config.clock_hz != board.clock_hz() {
        bail!(
            "clock_hz = {}: the {} runs the firmware from its {} Hz oscillator, so the baud \
             timing must be computed for that clock; use clock_hz = {} (or leave it out)",
            config.clock_hz,
            board.description(),
            board.clock_hz(),
            board.clock_hz()
        );
    }
    let pcf = board.pcf_path(root)?;
    let (verilog, top_module) = firmware_verilog(firmware, config)?;
    Ok(BuildRequest {
        top_module,
        verilog,
        pcf,
        out_dir: build_dir(firmware, board, root),
        clock_port: "clk".to_string(),
        // The SoC's logic runs from the PLL's output; nextpnr checks every clock against
        // --freq, and the board's own clock only feeds the PLL (no register-to-register path).
        clock_mhz: match firmware {
            Firmware::Soc => soc::SOC_CLOCK_HZ as f64 / 1e6,
            _ => board.clock_hz() as f64 / 1e6,
        },
        seeds: SEEDS.to_vec(),
        nextpnr_timeout: match firmware {
            Firmware::Soc => SOC_NEXTPNR_TIMEOUT,
            _ => NEXTPNR_TIMEOUT,
        },
    })
}

#[cfg(feature = "flow")]
/// Builds the firmware's bitstream for the board with the tools on PATH, progress on
/// stderr. Output: `<root>/firmware/build/<firmware>-<board>/` (`top.bin`, `report.json`,
/// logs, `uart.toml`).
pub fn build(
    firmware: Firmware,
    board: Board,
    config: &UartConfig,
    root: &Path,
) -> Result<BuildReport> {
    build_with(firmware, board, config, root, &Toolchain::from_env())
}

#[cfg(feature = "flow")]
/// Like [`build`] with a given toolchain (tests inject PATH and the progress sink).
pub fn build_with(
    firmware: Firmware,
    board: Board,
    config: &UartConfig,
    root: &Path,
    tools: &Toolchain,
) -> Result<BuildReport> {
    let request = build_request(firmware, board, config, root)?;
    // Before yosys and nextpnr: the bitstream and report go there.
    crate::outputs::check_folder(&request.out_dir, "the build folder")?;
    let config_file = request.out_dir.join("uart.toml");
    // Removed first, so a leftover never describes a bitstream it did not build.
    match std::fs::remove_file(&config_file) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(anyhow::Error::new(e)
                .context(format!("cannot remove stale {}", config_file.display())))
        }
    }
    let report = flow::build_bitstream_with(&request, tools).with_context(|| {
        format!(
            "building the {} firmware for the {} ({})",
            firmware,
            board.description(),
            config.short_name()
        )
    })?;
    let text = format!(
        "# UART configuration of the {firmware} firmware built here for the {}.\n{}",
        board.description(),
        toml::to_string(config).context("cannot serialise the configuration")?
    );
    std::fs::write(&config_file, text)
        .with_context(|| format!("cannot write {}", config_file.display()))?;
    Ok(report)
}

/// The bitstream `build` (feature `flow`) writes for a firmware and board.
pub fn bitstream_path(firmware: Firmware, board: Board, root: &Path) -> PathBuf {
    build_dir(firmware, board, root).join("top.bin")
}

#[cfg(feature = "flow")]
/// Writes the built bitstream to the board's SPI flash with iceprog.
pub fn flash(firmware: Firmware, board: Board, root: &Path) -> Result<()> {
    flash_with(firmware, board, root, &Toolchain::from_env())
}

#[cfg(feature = "flow")]
/// Like [`flash`] with a given toolchain.
pub fn flash_with(firmware: Firmware, board: Board, root: &Path, tools: &Toolchain) -> Result<()> {
    let bin = bitstream_path(firmware, board, root);
    let usable = std::fs::metadata(&bin).is_ok_and(|m| m.is_file() && m.len() > 0);
    if !usable {
        bail!(
            "no {} firmware built for the {} yet ({} is missing or empty); build it first with: \
             rust-hdl-uart build --firmware {} --board {}",
            firmware,
            board.description(),
            bin.display(),
            firmware,
            board
        );
    }
    flow::flash_with(&bin, tools).with_context(|| {
        format!(
            "flashing {} (the {} firmware) to the {}",
            bin.display(),
            firmware,
            board.description()
        )
    })
}
