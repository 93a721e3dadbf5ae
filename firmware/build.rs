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
//! - The SoC's bitstream is placed and routed with a placeholder in its program RAM, and
//!   the program swapped in with icebram; a change to the C alone reuses the kept placement
//!   (`soc::ram_swap`, the report's notes say which path a build took).
//! - Flashing refuses a firmware that was not built yet and says which command builds it.

use super::bridge::BridgeFirmware;
use super::echo::EchoFirmware;
use super::soc::{self, SocBoard, SocCore};
use crate::config::UartConfig;
use crate::export::{block_verilog, block_verilog_rust_hdl};
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

/// A board the firmware can be built for; its data is the board table's
/// ([`crate::boards`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Board {
    /// Alchitry Cu (V1).
    Cu,
    /// Alchitry Cu V2: other LED pins.
    CuV2,
    /// 1BitSquared iCEBreaker (iCE40-UP5K, 12 MHz).
    Icebreaker,
    /// tinyVision.ai UPduino v3 (iCE40-UP5K, 12 MHz).
    UpduinoV3,
    /// Radiona ULX3S (ECP5, 25 MHz).
    Ulx3s,
    /// Sipeed Tang Nano 9K (Gowin GW1NR-9, 27 MHz).
    TangNano9k,
}

impl Board {
    /// Every board, in the board table's order.
    pub const ALL: [Board; 6] = [
        Board::Cu,
        Board::CuV2,
        Board::Icebreaker,
        Board::UpduinoV3,
        Board::Ulx3s,
        Board::TangNano9k,
    ];

    /// The two Alchitry Cu versions (same FPGA, clock and UART pins).
    pub const CU: [Board; 2] = [Board::Cu, Board::CuV2];

    /// The word used on the command line and in build folder names.
    pub fn name(self) -> &'static str {
        match self {
            Board::Cu => "cu",
            Board::CuV2 => "cu-v2",
            Board::Icebreaker => "icebreaker",
            Board::UpduinoV3 => "upduino-v3",
            Board::Ulx3s => "ulx3s",
            Board::TangNano9k => "tangnano9k",
        }
    }

    /// The board's entry in the board table.
    pub fn spec(self) -> &'static crate::boards::BoardSpec {
        // Every variant's name is in the table: a unit test of this module checks it.
        crate::boards::spec(self.name()).unwrap_or(&crate::boards::BOARDS[0])
    }

    pub fn description(self) -> &'static str {
        self.spec().description
    }

    /// File name of the board's pin constraints in `constraints/` (`.pcf`, `.lpf` or
    /// `.cst`, after the board's FPGA family).
    pub fn pcf_file_name(self) -> &'static str {
        self.spec().constraints
    }

    /// The board's oscillator, the only clock the firmware has.
    pub fn clock_hz(self) -> u64 {
        self.spec().clock_hz
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
    firmware_verilog_for(firmware, config, true, None)
}

/// The Verilog the virtual board runs: [`firmware_verilog`], except that the SoC's PLL is
/// left out (its core is clocked directly, at the PLL's output frequency).
pub fn firmware_sim_verilog(firmware: Firmware, config: &UartConfig) -> Result<(String, String)> {
    firmware_verilog_for(firmware, config, false, None)
}

/// The SoC's virtual-board Verilog ([`firmware_sim_verilog`] for [`Firmware::Soc`]) with
/// its RAM holding `words`, a program compiled by the caller (so the caller holds the very
/// ELF the model runs, e.g. to count instructions in it).
pub fn soc_sim_verilog(config: &UartConfig, words: &[u32]) -> Result<(String, String)> {
    firmware_verilog_for(Firmware::Soc, config, false, Some(words))
}

/// `soc_ram`: the SoC's RAM contents; `None` compiles the program (`sw/`) and uses it.
fn firmware_verilog_for(
    firmware: Firmware,
    config: &UartConfig,
    with_pll: bool,
    soc_ram: Option<&[u32]>,
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
            // rust-hdl's own text, not the fast pass's (src/export/fast.rs): the pass reads
            // only rust-hdl's generated modules and refuses the wrapped PicoRV32 text between
            // them, so the SoC ships unrewritten (it simulates at rust-hdl's speed).
            let compiled;
            let words = match soc_ram {
                Some(words) => words,
                None => {
                    compiled = soc::build_program(&soc::program_dir())?;
                    &compiled.words[..]
                }
            };
            let body = if with_pll {
                block_verilog_rust_hdl(
                    &mut SocBoard::new(Board::Cu.clock_hz(), &uart_config, words)?,
                    top,
                )?
            } else {
                block_verilog_rust_hdl(&mut SocCore::new(&uart_config, words)?, top)?
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

/// The Verilog built for a board and its top module: the firmware, wrapped in a top with
/// the board's own port names where the board table says so
/// ([`crate::boards::wrapper_verilog`]).
pub fn board_verilog(
    firmware: Firmware,
    board: Board,
    config: &UartConfig,
) -> Result<(String, String)> {
    board_verilog_for(firmware, board, config, None)
}

/// [`board_verilog`] with the SoC's RAM contents given (see [`firmware_verilog_for`]).
fn board_verilog_for(
    firmware: Firmware,
    board: Board,
    config: &UartConfig,
    soc_ram: Option<&[u32]>,
) -> Result<(String, String)> {
    if firmware == Firmware::Soc && !Board::CU.contains(&board) {
        bail!(
            "--firmware soc runs on the Alchitry Cu only (--board cu or cu-v2): its PLL \
             settings and clock target are computed for the Cu's 100 MHz oscillator; on the {} \
             use --firmware echo or bridge",
            board.description()
        );
    }
    let (mut verilog, top) = firmware_verilog_for(firmware, config, true, soc_ram)?;
    let spec = board.spec();
    if !spec.wrapped {
        return Ok((verilog, top));
    }
    verilog.push('\n');
    verilog.push_str(&crate::boards::wrapper_verilog(spec, &top));
    Ok((verilog, spec.top_module(&top)))
}

/// The Verilog the virtual board runs for `board` and its top: the board's build
/// ([`board_verilog`], the board's own port names) inside an adapter with the Cu's ports
/// that the virtual board drives ([`crate::boards::vboard_adapter_verilog`]); for the Cu,
/// the firmware itself. `config` must be at the board's clock, as for a build.
pub fn vboard_verilog(
    firmware: Firmware,
    board: Board,
    config: &UartConfig,
) -> Result<(String, String)> {
    if config.clock_hz != board.clock_hz() {
        bail!(
            "clock_hz = {}: the {} runs the firmware at {} Hz; use clock_hz = {} to simulate \
             its build",
            config.clock_hz,
            board.description(),
            board.clock_hz(),
            board.clock_hz()
        );
    }
    let (mut verilog, top) = board_verilog(firmware, board, config)?;
    let spec = board.spec();
    if !spec.wrapped {
        return Ok((verilog, top));
    }
    let (adapter, adapter_top) = crate::boards::vboard_adapter_verilog(spec, &top);
    verilog.push('\n');
    verilog.push_str(&adapter);
    Ok((verilog, adapter_top))
}

#[cfg(feature = "flow")]
/// The `boards` listing: per board its FPGA, clock, UART pins (read from its pin file, with
/// their direction), toolchain, flash tool, the standard bauds its clock allows at each
/// oversample rate, and what a user must know.
pub fn boards_listing() -> String {
    use crate::boards::{bauds_allowed, Arch, PinRole};
    let root = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let mut out = String::new();
    for board in Board::ALL {
        let spec = board.spec();
        out.push_str(&format!("{:<12} {}\n", spec.name, spec.description));
        let pins = board
            .pcf_path(&root)
            .and_then(|path| {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                Ok(crate::flow::constraints::parse_board_file(
                    spec.arch.constraint_format(),
                    &text,
                    &path.to_string_lossy(),
                )
                .0)
            })
            .ok();
        let pin_of = |role: PinRole| {
            let port = spec.pin_with_role(role).map(|p| p.bit_name());
            let pin = port
                .as_deref()
                .and_then(|n| pins.as_ref().and_then(|p| p.pin_of(n)));
            format!(
                "{} pin {}",
                port.as_deref().unwrap_or("-"),
                pin.unwrap_or("? (pin file missing)")
            )
        };
        out.push_str(&format!(
            "  clock {} MHz on {}; UART {}: {} (FPGA in), {} (FPGA out)\n",
            spec.clock_hz as f64 / 1e6,
            pin_of(PinRole::Clock),
            spec.usb_uart,
            pin_of(PinRole::UartRx),
            pin_of(PinRole::UartTx)
        ));
        let tools = match spec.arch {
            Arch::Ice40 { .. } => {
                "yosys + nextpnr-ice40 + icepack (Debian; --toolchain yowasp for YoWASP's)"
            }
            Arch::Ecp5 { .. } => "YoWASP yosys + nextpnr-ecp5 + ecppack (.venv/)",
            Arch::Gowin { .. } => "YoWASP yosys + nextpnr-himbaechel + apycula gowin_pack (.venv/)",
        };
        out.push_str(&format!(
            "  toolchain: {tools}; pins: constraints/{}; flash: {}\n",
            spec.constraints, spec.flash
        ));
        let rates: Vec<String> = [16, 8, 4]
            .into_iter()
            .map(|os| {
                let allowed = bauds_allowed(spec.clock_hz, os);
                match allowed.last() {
                    Some(top) => format!("{os}x up to {top}"),
                    None => format!("{os}x none"),
                }
            })
            .collect();
        out.push_str(&format!(
            "  standard bauds (9600 ... 12000000): {}\n",
            rates.join(", ")
        ));
        if !spec.notes.is_empty() {
            out.push_str(&format!("  note: {}\n", spec.notes));
        }
    }
    out
}

/// `<root>/firmware/build/<firmware>-<board>`.
pub fn build_dir(firmware: Firmware, board: Board, root: &Path) -> PathBuf {
    root.join(BUILD_SUBDIR)
        .join(format!("{}-{}", firmware.name(), board.name()))
}

#[cfg(feature = "flow")]
/// The flow request [`build`] makes (checked configuration, Verilog, board pin file). The
/// SoC's Verilog holds the placeholder RAM (`soc::ram_swap`): the program is put into the
/// placed design afterwards, so a change to the C alone needs no new place and route.
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
             timing must be computed for that clock; use clock_hz = {} (or leave --clock-hz out)",
            config.clock_hz,
            board.description(),
            board.clock_hz(),
            board.clock_hz()
        );
    }
    let pcf = board.pcf_path(root)?;
    let placeholder = soc::ram_swap::placeholder_words();
    let soc_ram = (firmware == Firmware::Soc).then_some(&placeholder[..]);
    let (verilog, top_module) = board_verilog_for(firmware, board, config, soc_ram)?;
    let spec = board.spec();
    let clock_port = spec
        .pin_with_role(crate::boards::PinRole::Clock)
        .map(|p| p.bit_name())
        .unwrap_or_else(|| "clk".to_string());
    Ok(BuildRequest {
        top_module,
        verilog,
        pcf,
        out_dir: build_dir(firmware, board, root),
        clock_port,
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
    build_with_options(
        firmware,
        board,
        config,
        root,
        tools,
        &BuildOptions::default(),
    )
}

#[cfg(feature = "flow")]
/// Choices of a build beyond firmware, board and UART.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BuildOptions {
    /// Debian's tools or YoWASP's for the iCE40 boards (ECP5 and Gowin always use YoWASP's).
    pub toolchain: crate::flow::yowasp::ToolFlavour,
    /// The ULX3S's ECP5 part (ignored for the other boards).
    pub part: crate::boards::Ecp5Part,
    /// Preprocessor definitions for the SoC's program (`NAME` or `NAME=VALUE`; ignored for
    /// the other firmware): a build of a changed program, e.g. `MONITOR_BANNER_NOTE="v2"`.
    pub soc_defines: &'static [&'static str],
}

#[cfg(feature = "flow")]
/// Like [`build_with`] with [`BuildOptions`]. The venv's tools (`.venv/bin`) are added to
/// `tools` (see [`crate::flow::yowasp::with_venv_tools`]).
pub fn build_with_options(
    firmware: Firmware,
    board: Board,
    config: &UartConfig,
    root: &Path,
    tools: &Toolchain,
    options: &BuildOptions,
) -> Result<BuildReport> {
    let request = build_request(firmware, board, config, root)?;
    // Before yosys and nextpnr: the bitstream and report go there.
    crate::outputs::check_folder(&request.out_dir, "the build folder")?;
    let target = flow::Target {
        arch: board.spec().arch,
        ecp5_part: options.part,
    };
    let tools = flow::yowasp::with_venv_tools(tools.clone(), options.toolchain);
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
    let built = if firmware == Firmware::Soc {
        soc::ram_swap::build_swapped(
            &request,
            &target,
            &tools,
            options.toolchain,
            options.soc_defines,
        )
        .map(|(report, _)| report)
    } else {
        flow::build_bitstream_on(&request, &target, &tools)
    };
    let mut report = built.with_context(|| {
        format!(
            "building the {} firmware for the {} ({})",
            firmware,
            board.description(),
            config.short_name()
        )
    })?;
    if options.toolchain == crate::flow::yowasp::ToolFlavour::Yowasp
        || !matches!(target.arch, crate::boards::Arch::Ice40 { .. })
    {
        report
            .notes
            .push("built with YoWASP's yosys and nextpnr (.venv/)".to_string());
    }
    let text = format!(
        "# UART configuration of the {firmware} firmware built here for the {}.\n{}",
        board.description(),
        toml::to_string(config).context("cannot serialise the configuration")?
    );
    std::fs::write(&config_file, text)
        .with_context(|| format!("cannot write {}", config_file.display()))?;
    Ok(report)
}

/// The bitstream `build` (feature `flow`) writes for a firmware and board (`top.bin`,
/// `top.bit` or `top.fs`, after the board's FPGA family).
pub fn bitstream_path(firmware: Firmware, board: Board, root: &Path) -> PathBuf {
    build_dir(firmware, board, root).join(board.spec().arch.bitstream_file_name())
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
    let flashed = match board.spec().flash {
        crate::boards::FlashTool::Iceprog => flow::flash_with(&bin, tools),
        crate::boards::FlashTool::OpenFpgaLoader { board: name } => {
            flow::flash_openfpgaloader_with(&bin, name, tools)
        }
    };
    flashed.with_context(|| {
        format!(
            "flashing {} (the {} firmware) to the {}",
            bin.display(),
            firmware,
            board.description()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_board_is_in_the_board_table_once() {
        for board in Board::ALL {
            let spec = crate::boards::spec(board.name())
                .unwrap_or_else(|| panic!("{board} is not in the board table"));
            assert_eq!(spec.name, board.name());
        }
        assert_eq!(Board::ALL.len(), crate::boards::BOARDS.len());
    }
}
