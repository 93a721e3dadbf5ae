//! Verilog export: the files users take into their designs.
//!
//! Contract: `uart_rx.v`, `uart_tx.v` and `uart.v` each hold one top module named after the
//! file, with sub-modules prefixed by the same name (rust-hdl would call them all `top`),
//! so all three, or several configurations under different names, can be read into one
//! design. Each file starts with a comment naming the configuration it was built for.
//! When yosys is on the PATH every file is elaborated with it and rejected on any error,
//! latch, undriven wire or missing module.

use crate::config::{Timing, UartConfig};
use crate::rx::{UartRx, UartRxCfg};
use crate::tx::{UartTx, UartTxCfg};
use crate::uart::{Uart, UartCfg};
use anyhow::{anyhow, bail, Context, Result};
use rust_hdl::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Which block to export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Design {
    /// `uart_rx`: the receiver, settings fixed.
    Receiver,
    /// `uart_tx`: the transmitter, settings fixed.
    Transmitter,
    /// `uart`: both, settings fixed.
    Combined,
    /// `uart_rx_cfg`: the receiver, settings on ports.
    ReceiverCfg,
    /// `uart_tx_cfg`: the transmitter, settings on ports.
    TransmitterCfg,
    /// `uart_cfg`: both, settings on ports.
    CombinedCfg,
}

impl Design {
    /// Every export, in the order the files are written.
    pub const ALL: [Design; 6] = [
        Design::Receiver,
        Design::Transmitter,
        Design::Combined,
        Design::ReceiverCfg,
        Design::TransmitterCfg,
        Design::CombinedCfg,
    ];

    /// The module (and file) name of the standard export.
    pub fn module_name(self) -> &'static str {
        match self {
            Design::Receiver => "uart_rx",
            Design::Transmitter => "uart_tx",
            Design::Combined => "uart",
            Design::ReceiverCfg => "uart_rx_cfg",
            Design::TransmitterCfg => "uart_tx_cfg",
            Design::CombinedCfg => "uart_cfg",
        }
    }

    /// Whether the baud and frame format are ports rather than constants.
    pub fn run_time_settings(self) -> bool {
        matches!(
            self,
            Design::ReceiverCfg | Design::TransmitterCfg | Design::CombinedCfg
        )
    }
}

/// Runs `$body` with `$d` bound, as a const generic, to the configuration's data width.
/// rust-hdl widths are types, so the run-time `data_bits` has to pick a monomorphisation.
#[macro_export]
macro_rules! with_data_bits {
    ($bits:expr, $d:ident => $body:expr) => {
        match $bits {
            5 => {
                const $d: usize = 5;
                $body
            }
            6 => {
                const $d: usize = 6;
                $body
            }
            7 => {
                const $d: usize = 7;
                $body
            }
            8 => {
                const $d: usize = 8;
                $body
            }
            9 => {
                const $d: usize = 9;
                $body
            }
            other => panic!("data_bits {other} passed validation"),
        }
    };
}

/// Verilog text of a block, with `module` as its top module name and sub-module prefix.
pub fn block_verilog<B: Block>(block: &mut B, module: &str) -> Result<String> {
    block.connect_all();
    check_all(block)
        .map_err(|err| anyhow!("rust-hdl design check failed for {module}: {err:?}"))?;
    let mut defines = ModuleDefines::default();
    block.accept(module, &mut defines);
    Ok(defines.defines())
}

/// The Verilog of one design for a configuration, header comment included.
pub fn design_verilog(config: &UartConfig, design: Design, module: &str) -> Result<String> {
    let timing = config.validate()?;
    let body = with_data_bits!(config.data_bits, D => match design {
        Design::Receiver => block_verilog(&mut UartRx::<D>::new(&timing)?, module)?,
        Design::Transmitter => block_verilog(&mut UartTx::<D>::new(&timing)?, module)?,
        Design::Combined => block_verilog(&mut Uart::<D>::new(&timing)?, module)?,
        Design::ReceiverCfg => block_verilog(&mut UartRxCfg::<D>::new(&timing)?, module)?,
        Design::TransmitterCfg => block_verilog(&mut UartTxCfg::<D>::new(&timing)?, module)?,
        Design::CombinedCfg => block_verilog(&mut UartCfg::<D>::new(&timing)?, module)?,
    });
    Ok(format!("{}{body}", header(&timing, design, module)))
}

fn header(timing: &Timing, design: Design, module: &str) -> String {
    let what = match design {
        Design::Receiver => "UART receiver",
        Design::Transmitter => "UART transmitter",
        Design::Combined => "UART receiver and transmitter",
        Design::ReceiverCfg => "UART receiver, baud and format on ports",
        Design::TransmitterCfg => "UART transmitter, baud and format on ports",
        Design::CombinedCfg => "UART receiver and transmitter, baud and format on ports",
    };
    let mut text = format!(
        "// {module}: {what}, generated by rust-hdl-uart {} with rust-hdl 0.46.\n",
        env!("CARGO_PKG_VERSION")
    );
    text.push_str(&config_comment(timing));
    if design.run_time_settings() {
        text.push_str(&format!(
            "// Settings on ports (power-up values are the configuration above; a change applies\n\
             // from the next frame of each direction): increment = round(baud * {} * 2^20 / {}),\n\
             // {} for this configuration; data_bits 5..{}; parity 0 none, 1 even, 2 odd, 3 mark,\n\
             // 4 space; two_stop_bits.\n",
            timing.config.oversample,
            timing.config.clock_hz,
            timing.cfg_increment,
            timing.config.data_bits
        ));
    }
    text.push_str(
        "// Flags are active high; a received byte stays on data with valid high until a cycle\n\
         // with ready high. reset is synchronous. Power-up state comes from initial blocks.\n\n",
    );
    text
}

/// Comment lines naming the configuration a file was generated for, how to regenerate it,
/// and its real timing.
pub fn config_comment(timing: &Timing) -> String {
    let c = &timing.config;
    let settings = format!(
        "--clock-hz {} --baud {} --data-bits {} --parity {} --stop-bits {} --oversample {}",
        c.clock_hz, c.baud, c.data_bits, c.parity, c.stop_bits, c.oversample
    );
    let mut text = format!(
        "// Configuration: clock_hz = {}, baud = {}, data_bits = {}, parity = {}, stop_bits = {}, oversample = {}\n\
         // Settings as flags: {settings}\n",
        c.clock_hz, c.baud, c.data_bits, c.parity, c.stop_bits, c.oversample
    );
    for line in timing.to_string().lines() {
        text.push_str("//   ");
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// Writes `uart_rx.v`, `uart_tx.v` and `uart.v` into `out_dir` and, when yosys is
/// installed, elaborates each with it. Returns the files written and whether yosys ran.
pub fn write_verilog(config: &UartConfig, out_dir: &Path) -> Result<(Vec<PathBuf>, bool)> {
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create output folder {}", out_dir.display()))?;
    let yosys = crate::flow::Toolchain::from_env().locate("yosys").is_ok();
    let mut written = Vec::new();
    for design in Design::ALL {
        let module = design.module_name();
        let text = design_verilog(config, design, module)?;
        let path = out_dir.join(format!("{module}.v"));
        std::fs::write(&path, &text).with_context(|| format!("cannot write {}", path.display()))?;
        if yosys {
            yosys_check(&path, module)?;
        }
        written.push(path);
    }
    Ok((written, yosys))
}

/// Elaborates a Verilog file with yosys and fails on errors, latches, undriven wires or
/// missing modules: rust-hdl's simulator cannot see any of these.
pub fn yosys_check(path: &Path, top: &str) -> Result<()> {
    let script = format!(
        "read_verilog -defer {file}; hierarchy -check -top {top}; proc; \
         select -assert-none t:$dlatch t:$adlatch t:$dlatchsr t:$_DLATCH_*; check -assert",
        file = path.display()
    );
    let output = Command::new("yosys")
        .args(["-q", "-p", &script])
        .output()
        .context("cannot run yosys (install it with: sudo apt-get install -y yosys)")?;
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if !output.status.success() {
        let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = lines[lines.len().saturating_sub(20)..].join("\n");
        bail!("yosys rejected {} (top {top}):\n{tail}", path.display());
    }
    if log.contains("Latch inferred") {
        bail!("yosys inferred a latch in {}:\n{log}", path.display());
    }
    Ok(())
}
