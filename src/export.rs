//! Verilog export: the files users take into their designs.
//!
//! Contract:
//! - Each design is one file holding one top module named after the file, with its
//!   sub-modules prefixed by the same name (rust-hdl would call them all `top`). The names
//!   come from the caller: [`Design::module_name_for`] turns a base name (`uart` by default)
//!   into `<name>_rx`, `<name>_tx` and `<name>`, so several configurations under different
//!   base names coexist in one design. A name that is not a plain Verilog identifier is an
//!   error that says which characters work.
//! - Each file starts with a comment naming the configuration it was built for.
//! - [`write_verilog_with`] is all or nothing: the files are generated and checked in a
//!   staging folder inside the output folder, and moved into place only when every one of
//!   them is good; on any error the output folder is left as it was (a folder it had to
//!   create is removed again).
//! - When yosys is run (installed, or required) every file is elaborated with it and
//!   rejected on any error, latch, undriven wire or missing module. yosys runs in the
//!   staging folder on bare file names, so any output path works (spaces, a leading `-`);
//!   each run is bounded by [`ExportOptions::yosys_timeout`] and a run that hits it is an
//!   error saying so.
//! - A width mismatch is never a panic: [`with_data_bits!`](crate::with_data_bits) returns an `Err` for a
//!   `data_bits` outside 5..=9.

pub mod fast;

use crate::config::{Timing, UartConfig};
use crate::periph::options::{Bus, PeripheralOptions};
use crate::periph::top::{UartAxiLite, UartWishbone};
use crate::rx::{UartRx, UartRxCfg};
use crate::tools::{Progress, Step, Toolchain};
use crate::tx::{UartTx, UartTxCfg};
use crate::uart::{Uart, UartCfg};
use anyhow::{anyhow, bail, Context, Result};
use rust_hdl::prelude::*;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Which block to export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Design {
    /// [`UartRx`]: the receiver alone (`uart_rx`).
    Receiver,
    /// [`UartTx`]: the transmitter alone (`uart_tx`).
    Transmitter,
    /// [`Uart`]: receiver and transmitter sharing a clock and reset (`uart`).
    Combined,
    /// `uart_rx_cfg`: the receiver, settings on ports.
    ReceiverCfg,
    /// `uart_tx_cfg`: the transmitter, settings on ports.
    TransmitterCfg,
    /// `uart_cfg`: both, settings on ports.
    CombinedCfg,
    /// [`crate::periph::top::UartWishbone`]: the peripheral (FIFOs, registers, interrupts)
    /// on a Wishbone B4 bus (`uart_wb`). The configuration gives the power-up baud and
    /// frame format (at most 8 data bits) and the oversample rate.
    Wishbone,
    /// [`crate::periph::top::UartAxiLite`]: the peripheral on an AXI4-Lite bus
    /// (`uart_axil`).
    AxiLite,
}

/// The base name of the standard export: modules `uart_rx`, `uart_tx`, `uart`.
pub const DEFAULT_NAME: &str = "uart";

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

    /// The peripheral exports (16-entry FIFOs), written by the CLI with [`Design::ALL`]
    /// when the configuration has at most 8 data bits.
    pub const PERIPHERALS: [Design; 2] = [Design::Wishbone, Design::AxiLite];

    /// The designs the CLI writes for `config`: [`Design::ALL`], and
    /// [`Design::PERIPHERALS`] when its frames have at most 8 data bits (the peripheral's
    /// data path).
    pub fn for_config(config: &UartConfig) -> Vec<Design> {
        let mut designs = Design::ALL.to_vec();
        if config.data_bits <= 8 {
            designs.extend(Design::PERIPHERALS);
        }
        designs
    }

    /// The module (and file) name of the standard export.
    pub fn module_name(self) -> &'static str {
        match self {
            Design::Receiver => "uart_rx",
            Design::Transmitter => "uart_tx",
            Design::Combined => "uart",
            Design::ReceiverCfg => "uart_rx_cfg",
            Design::TransmitterCfg => "uart_tx_cfg",
            Design::CombinedCfg => "uart_cfg",
            Design::Wishbone => "uart_wb",
            Design::AxiLite => "uart_axil",
        }
    }

    /// Whether the baud and frame format are ports rather than constants.
    pub fn run_time_settings(self) -> bool {
        matches!(
            self,
            Design::ReceiverCfg | Design::TransmitterCfg | Design::CombinedCfg
        )
    }
    /// The module (and file) name under the base name `name`: the standard name with its
    /// leading `uart` replaced, so `fast` gives `fast_rx`, `fast_tx` and `fast`.
    ///
    /// ```
    /// use rust_hdl_uart::export::Design;
    /// assert_eq!(Design::Receiver.module_name_for("fast"), "fast_rx");
    /// assert_eq!(Design::Combined.module_name_for("fast"), "fast");
    /// assert_eq!(Design::Transmitter.module_name_for("uart"), "uart_tx");
    /// ```
    pub fn module_name_for(self, name: &str) -> String {
        // Every standard name starts with the default base name (new designs keep to it).
        let suffix = self
            .module_name()
            .strip_prefix(DEFAULT_NAME)
            .unwrap_or(self.module_name());
        format!("{name}{suffix}")
    }
}

/// Verilog keywords a module may not be named (IEEE 1364-2005 and the common
/// SystemVerilog additions tools reject in `.v` files too).
const VERILOG_KEYWORDS: &[&str] = &[
    "always",
    "and",
    "assign",
    "automatic",
    "begin",
    "buf",
    "case",
    "casex",
    "casez",
    "cell",
    "cmos",
    "config",
    "deassign",
    "default",
    "defparam",
    "design",
    "disable",
    "edge",
    "else",
    "end",
    "endcase",
    "endconfig",
    "endfunction",
    "endgenerate",
    "endmodule",
    "endprimitive",
    "endspecify",
    "endtable",
    "endtask",
    "event",
    "for",
    "force",
    "forever",
    "fork",
    "function",
    "generate",
    "genvar",
    "highz0",
    "highz1",
    "if",
    "ifnone",
    "incdir",
    "include",
    "initial",
    "inout",
    "input",
    "instance",
    "integer",
    "join",
    "large",
    "liblist",
    "library",
    "localparam",
    "logic",
    "macromodule",
    "medium",
    "module",
    "nand",
    "negedge",
    "nmos",
    "nor",
    "noshowcancelled",
    "not",
    "notif0",
    "notif1",
    "or",
    "output",
    "parameter",
    "pmos",
    "posedge",
    "primitive",
    "pull0",
    "pull1",
    "pulldown",
    "pullup",
    "pulsestyle_ondetect",
    "pulsestyle_onevent",
    "rcmos",
    "real",
    "realtime",
    "reg",
    "release",
    "repeat",
    "rnmos",
    "rpmos",
    "rtran",
    "rtranif0",
    "rtranif1",
    "scalared",
    "showcancelled",
    "signed",
    "small",
    "specify",
    "specparam",
    "strong0",
    "strong1",
    "supply0",
    "supply1",
    "table",
    "task",
    "time",
    "tran",
    "tranif0",
    "tranif1",
    "tri",
    "tri0",
    "tri1",
    "triand",
    "trior",
    "trireg",
    "unsigned",
    "use",
    "uwire",
    "vectored",
    "wait",
    "wand",
    "weak0",
    "weak1",
    "while",
    "wire",
    "wor",
    "xnor",
    "xor",
    "bit",
    "byte",
    "int",
    "interface",
    "package",
    "program",
    "class",
    "struct",
    "typedef",
];

/// Checks that `name` can be a Verilog module name and a file name: ASCII letters, digits
/// and `_`, not starting with a digit, not a keyword, at most 64 characters.
///
/// ```
/// use rust_hdl_uart::export::check_module_name;
/// assert!(check_module_name("uart_fast").is_ok());
/// assert!(check_module_name("my uart").is_err());
/// ```
pub fn check_module_name(name: &str) -> Result<()> {
    let fix = "use ASCII letters, digits and _, starting with a letter or _ (e.g. uart_fast)";
    if name.is_empty() {
        bail!("the module name is empty: {fix}");
    }
    if name.len() > 64 {
        bail!(
            "module name '{name}' is {} characters long: use at most 64",
            name.len()
        );
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        bail!("module name '{name}' contains {bad:?}, which Verilog does not allow in a plain name: {fix}");
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        bail!("module name '{name}' starts with a digit: {fix}");
    }
    if VERILOG_KEYWORDS.contains(&name) {
        bail!("module name '{name}' is a Verilog keyword: pick another name (e.g. {name}_uart)");
    }
    Ok(())
}

/// Runs `$body` with `$d` bound, as a const generic, to the configuration's data width.
/// rust-hdl widths are types, so the run-time `data_bits` has to pick a monomorphisation.
///
/// Use it in a function returning `Result<_, E>` where `E: From<anyhow::Error>`: a width
/// outside 5..=9 makes that function return an `Err` naming it (never a panic). Tests may
/// write `with_data_bits!(expect bits, D => ...)` instead, which panics on such a width.
///
/// ```
/// use rust_hdl_uart::with_data_bits;
/// fn width(data_bits: u32) -> anyhow::Result<usize> {
///     Ok(with_data_bits!(data_bits, D => D))
/// }
/// assert_eq!(width(7).unwrap(), 7);
/// assert!(width(12).unwrap_err().to_string().contains("data_bits = 12"));
/// ```
#[macro_export]
macro_rules! with_data_bits {
    // Tests only: a width outside 5..=9 panics (a test that asks for one is wrong).
    (expect $bits:expr, $d:ident => $body:expr) => {
        $crate::with_data_bits!(@arms $bits, $d => $body, other => panic!(
            "data_bits = {}: the cores are built for 5 to 9 data bits", other
        ))
    };
    ($bits:expr, $d:ident => $body:expr) => {
        $crate::with_data_bits!(@arms $bits, $d => $body, other => {
            return ::core::result::Result::Err(
                $crate::__anyhow::anyhow!(
                    "data_bits = {}: the cores are built for 5 to 9 data bits; use a value from 5 to 9",
                    other
                )
                .into(),
            )
        })
    };
    (@arms $bits:expr, $d:ident => $body:expr, $other:ident => $fallback:expr) => {
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
            $other => $fallback,
        }
    };
}

/// Verilog text of a block, with `module` as its top module name and sub-module prefix:
/// the shipped text, rust-hdl's own rewritten by [`fast::rewrite`] to simulate fast and
/// race-free in event-driven simulators (the logic is the same, proven by yosys in the
/// tests). Everything in this project that uses Verilog (co-simulation, lint, formal
/// checks, the virtual board, the bitstreams) takes this text.
pub fn block_verilog<B: Block>(block: &mut B, module: &str) -> Result<String> {
    let text = block_verilog_rust_hdl(block, module)?;
    fast::rewrite(&text, module)
}

/// rust-hdl's own Verilog text of a block (the reference the shipped text is proven
/// equivalent to), with `module` as its top module name and sub-module prefix.
pub fn block_verilog_rust_hdl<B: Block>(block: &mut B, module: &str) -> Result<String> {
    block.connect_all();
    check_all(block)
        .map_err(|err| anyhow!("rust-hdl design check failed for {module}: {err:?}"))?;
    let mut defines = ModuleDefines::default();
    block.accept(module, &mut defines);
    Ok(defines.defines())
}

/// The Verilog of one design for a configuration, header comment included: the shipped
/// text ([`fast::rewrite`] of rust-hdl's, proven equivalent to it in the tests).
///
/// `module` names the top module; its sub-modules are `<module>$<instance>`. It must be a
/// plain Verilog identifier ([`check_module_name`]).
pub fn design_verilog(config: &UartConfig, design: Design, module: &str) -> Result<String> {
    let text = design_verilog_rust_hdl(config, design, module)?;
    fast::rewrite(&text, module)
}

/// [`design_verilog`] as rust-hdl writes it, before [`fast::rewrite`]: the reference the
/// equivalence proofs compare the shipped text with.
pub fn design_verilog_rust_hdl(
    config: &UartConfig,
    design: Design,
    module: &str,
) -> Result<String> {
    check_module_name(module)?;
    let timing = config.validate()?;
    let body = with_data_bits!(config.data_bits, D => match design {
        Design::Receiver => block_verilog_rust_hdl(&mut UartRx::<D>::new(&timing)?, module)?,
        Design::Transmitter => block_verilog_rust_hdl(&mut UartTx::<D>::new(&timing)?, module)?,
        Design::Combined => block_verilog_rust_hdl(&mut Uart::<D>::new(&timing)?, module)?,
        Design::ReceiverCfg => block_verilog_rust_hdl(&mut UartRxCfg::<D>::new(&timing)?, module)?,
        Design::TransmitterCfg => {
            block_verilog_rust_hdl(&mut UartTxCfg::<D>::new(&timing)?, module)?
        }
        Design::CombinedCfg => block_verilog_rust_hdl(&mut UartCfg::<D>::new(&timing)?, module)?,
        Design::Wishbone | Design::AxiLite => {
            return peripheral_verilog_rust_hdl(config, &PeripheralOptions::full(), design, module)
        }
    });
    Ok(format!("{}{body}", header(&timing, design, module)))
}

/// The Verilog of a peripheral export (`design` is [`Design::Wishbone`] or
/// [`Design::AxiLite`], which sets the bus) built with `options`, header comment
/// included. Each FIFO has its own depth, 1 to 512 entries; a build
/// [`PeripheralOptions::validate`] refuses is an error naming the switch.
pub fn peripheral_verilog(
    config: &UartConfig,
    options: &PeripheralOptions,
    design: Design,
    module: &str,
) -> Result<String> {
    let text = peripheral_verilog_rust_hdl(config, options, design, module)?;
    fast::rewrite(&text, module)
}

/// [`peripheral_verilog`] as rust-hdl writes it, before [`fast::rewrite`]: the reference
/// the equivalence proofs compare the shipped text with.
pub fn peripheral_verilog_rust_hdl(
    config: &UartConfig,
    options: &PeripheralOptions,
    design: Design,
    module: &str,
) -> Result<String> {
    check_module_name(module)?;
    let timing = config.validate()?;
    let bus = match design {
        Design::Wishbone => Bus::Wishbone,
        Design::AxiLite => Bus::Axil,
        other => bail!("{} is not a peripheral export", other.module_name()),
    };
    let options = options.with_bus(bus);
    options.validate()?;
    // One instance per larger depth (2^2 at least, the block RAM FIFO's smallest type),
    // not per pair of depths: each FIFO's own depth is a constant of the build
    // (see `UartPeriph`), so 8 instances per bus cover all 100 pairs.
    macro_rules! with_depth {
        ($($n:literal)*) => {
            match options.rx_depth_log2.max(options.tx_depth_log2).max(2) {
                $($n => match bus {
                    Bus::Wishbone => block_verilog_rust_hdl(&mut UartWishbone::<$n>::with_options(config, &options)?, module)?,
                    Bus::Axil => block_verilog_rust_hdl(&mut UartAxiLite::<$n>::with_options(config, &options)?, module)?,
                },)*
                // `validate` has refused it already; kept so that a new depth cannot
                // be forgotten silently.
                other => bail!(
                    "peripheral options rx_depth/tx_depth = {}: the FIFOs hold 1 to 512 \
                     entries; use a depth of at most 512",
                    1u32 << other
                ),
            }
        };
    }
    let body = with_depth!(2 3 4 5 6 7 8 9);
    let mut text = header(&timing, design, module);
    text.push_str(&format!("// Peripheral build: {options}.\n\n"));
    Ok(format!("{text}{body}"))
}

fn design_is_peripheral(design: Design) -> bool {
    Design::PERIPHERALS.contains(&design)
}

fn header(timing: &Timing, design: Design, module: &str) -> String {
    let what = match design {
        Design::Receiver => "UART receiver",
        Design::Transmitter => "UART transmitter",
        Design::Combined => "UART receiver and transmitter",
        Design::ReceiverCfg => "UART receiver, baud and format on ports",
        Design::TransmitterCfg => "UART transmitter, baud and format on ports",
        Design::CombinedCfg => "UART receiver and transmitter, baud and format on ports",
        Design::Wishbone => "UART peripheral (FIFOs, registers, interrupts), Wishbone B4",
        Design::AxiLite => "UART peripheral (FIFOs, registers, interrupts), AXI4-Lite",
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
    if design_is_peripheral(design) {
        text.push_str(
            "// Registers: see include/uart_regs.h and the README (power-up BAUD and FRAME are the\n\
             // configuration above). rts and cts are active low; reset is synchronous.\n\n",
        );
    } else {
        text.push_str(
            "// Flags are active high; a received byte stays on data with valid high until a cycle\n\
             // with ready high. reset is synchronous. Power-up state comes from initial blocks.\n\n",
        );
    }
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

/// Whether [`write_verilog_with`] elaborates the files with yosys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YosysCheck {
    /// When yosys is found; otherwise the files are written unchecked (and the report
    /// says so).
    IfInstalled,
    /// Always; a missing yosys is an error naming its Debian package.
    Required,
    /// Never.
    Skip,
}

/// How [`write_verilog_with`] names and checks the files.
#[derive(Clone, Debug)]
pub struct ExportOptions {
    /// Base module name: files and modules `<name>_rx`, `<name>_tx`, `<name>`.
    pub name: String,
    /// Which designs to write, in order.
    pub designs: Vec<Design>,
    /// Whether to run yosys on each file.
    pub yosys: YosysCheck,
    /// Bound on each yosys run (a check takes about a second; the bound is a hang guard).
    pub yosys_timeout: Duration,
    /// Where yosys is found and where its progress lines go.
    pub tools: Toolchain,
    /// The build of the peripheral exports (their bus comes from the design). With a
    /// peripheral design and a build other than the default (`full`), `<name>_regs.h` and
    /// `<name>_regs.md` (this build's C header and register table) are written too; the
    /// default build's are `include/uart_regs.h` and the README's table.
    pub peripheral: PeripheralOptions,
}

/// Default bound on one yosys check: about 100 times what it takes.
pub const DEFAULT_YOSYS_TIMEOUT: Duration = Duration::from_secs(120);

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            name: DEFAULT_NAME.to_string(),
            designs: Design::ALL.to_vec(),
            yosys: YosysCheck::IfInstalled,
            yosys_timeout: DEFAULT_YOSYS_TIMEOUT,
            tools: Toolchain::from_env().with_progress(Progress::Quiet),
            peripheral: PeripheralOptions::full(),
        }
    }
}

/// What [`write_verilog_with`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportReport {
    /// The files, in the order of [`ExportOptions::designs`].
    pub files: Vec<PathBuf>,
    /// The module name in each file (the file's stem).
    pub modules: Vec<String>,
    /// Whether yosys checked them.
    pub checked: bool,
    /// The peripheral build's register docs (`<name>_regs.h`, `<name>_regs.md`), when a
    /// peripheral design was written.
    pub docs: Vec<PathBuf>,
}

/// Writes every [`Design`] (`uart_rx.v`, `uart_tx.v`, `uart.v` and their run-time
/// configurable `_cfg` forms) into `out_dir` and, when yosys is installed, elaborates each
/// with it. Returns the files written and whether yosys ran.
/// All or nothing, as [`write_verilog_with`] with the default options.
pub fn write_verilog(config: &UartConfig, out_dir: &Path) -> Result<(Vec<PathBuf>, bool)> {
    let report = write_verilog_with(config, out_dir, &ExportOptions::default())?;
    Ok((report.files, report.checked))
}

/// Removes the staging folder (and an output folder this export created) unless the
/// export got to the end.
struct Cleanup {
    staging: PathBuf,
    created_out: Option<PathBuf>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.staging);
        if let Some(out) = &self.created_out {
            // Only if it is still empty: never remove what someone else put there.
            let _ = std::fs::remove_dir(out);
        }
    }
}

/// Writes one file per design of `options` into `out_dir`, named `<module>.v`, all or
/// nothing: each file is generated and (per [`ExportOptions::yosys`]) checked in a staging
/// folder inside `out_dir`, and the files are moved into place only when all are good and
/// no destination is in the way (e.g. a folder named `uart.v`). On an error `out_dir` is
/// as it was before.
///
/// ```no_run
/// use rust_hdl_uart::export::{write_verilog_with, Design, ExportOptions};
/// use rust_hdl_uart::UartConfig;
/// let options = ExportOptions {
///     name: "fast".into(),
///     designs: vec![Design::Receiver, Design::Transmitter, Design::Combined],
///     ..ExportOptions::default()
/// };
/// let report = write_verilog_with(&UartConfig::default(), "build/verilog".as_ref(), &options)?;
/// assert_eq!(report.modules, ["fast_rx", "fast_tx", "fast"]);
/// # Ok::<(), anyhow::Error>(())
/// ```
pub fn write_verilog_with(
    config: &UartConfig,
    out_dir: &Path,
    options: &ExportOptions,
) -> Result<ExportReport> {
    check_module_name(&options.name)?;
    config.validate()?;
    let modules: Vec<String> = options
        .designs
        .iter()
        .map(|d| d.module_name_for(&options.name))
        .collect();
    for module in &modules {
        check_module_name(module)?;
    }
    let yosys = match options.yosys {
        YosysCheck::Skip => None,
        YosysCheck::IfInstalled => options.tools.locate("yosys").ok(),
        YosysCheck::Required => Some(options.tools.locate("yosys")?),
    };
    // With a peripheral, its build's register docs go beside the Verilog.
    // The default build's are committed (include/uart_regs.h, the README's table).
    let peripheral_written = options.designs.iter().any(|d| design_is_peripheral(*d));
    let docs: Vec<(String, String)> = if peripheral_written
        && options.peripheral.with_bus(Bus::Wishbone) != PeripheralOptions::full()
    {
        let p = &options.peripheral;
        vec![
            (
                format!("{}_regs.h", options.name),
                crate::periph::regs::c_header_for(p),
            ),
            (
                format!("{}_regs.md", options.name),
                crate::periph::regs::markdown_table_for(p),
            ),
        ]
    } else {
        Vec::new()
    };
    // Every destination must be free for a file before anything is generated.
    let destinations: Vec<PathBuf> = modules
        .iter()
        .map(|m| out_dir.join(format!("{m}.v")))
        .collect();
    let doc_destinations: Vec<PathBuf> = docs.iter().map(|(f, _)| out_dir.join(f)).collect();
    check_destinations(&destinations)?;
    check_destinations(&doc_destinations)?;

    let created_out = if out_dir.is_dir() {
        None
    } else {
        if out_dir.exists() {
            bail!(
                "output folder {} exists and is not a folder: remove it or give another --out",
                out_dir.display()
            );
        }
        std::fs::create_dir_all(out_dir).with_context(|| {
            format!(
                "cannot create output folder {} (check the path and its permissions)",
                out_dir.display()
            )
        })?;
        Some(out_dir.to_path_buf())
    };
    let staging = out_dir.join(format!(".rust-hdl-uart-export-{}", std::process::id()));
    let cleanup = Cleanup {
        staging: staging.clone(),
        created_out: created_out.clone(),
    };
    // An interruption (crate::interrupt) removes the staging folder, and the output folder
    // too when this export created it, so the output is as it was before.
    let _created_guard = match &created_out {
        Some(out) => Some(crate::interrupt::register_scratch(out, |_| Ok(()))?),
        None => None,
    };
    let _staging_guard = crate::interrupt::register_scratch(&staging, |staging| {
        let _ = std::fs::remove_dir_all(staging);
        std::fs::create_dir(staging).with_context(|| {
            format!(
                "cannot write into the output folder {} (the staging folder {} could not \
                     be made): check its permissions, or give another --out",
                out_dir.display(),
                staging.display()
            )
        })
    })?;

    for (design, module) in options.designs.iter().zip(&modules) {
        let text = if design_is_peripheral(*design) {
            peripheral_verilog(config, &options.peripheral, *design, module)?
        } else {
            design_verilog(config, *design, module)?
        };
        let file = format!("{module}.v");
        let path = staging.join(&file);
        std::fs::write(&path, &text).with_context(|| format!("cannot write {}", path.display()))?;
        if yosys.is_some() {
            yosys_check_in(
                &options.tools,
                &staging,
                &file,
                module,
                options.yosys_timeout,
            )
            .with_context(|| {
                format!(
                    "nothing was written to {}: {module}.v did not pass the yosys check",
                    out_dir.display()
                )
            })?;
        }
    }
    for (file, text) in &docs {
        let path = staging.join(file);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    // A destination may have appeared meanwhile; check again right before moving.
    check_destinations(&destinations)?;
    check_destinations(&doc_destinations)?;
    for (module, dest) in modules.iter().zip(&destinations) {
        let from = staging.join(format!("{module}.v"));
        std::fs::rename(&from, dest)
            .with_context(|| format!("cannot move {} to {}", from.display(), dest.display()))?;
    }
    for ((file, _), dest) in docs.iter().zip(&doc_destinations) {
        let from = staging.join(file);
        std::fs::rename(&from, dest)
            .with_context(|| format!("cannot move {} to {}", from.display(), dest.display()))?;
    }
    let mut cleanup = cleanup;
    cleanup.created_out = None;
    drop(cleanup);
    Ok(ExportReport {
        files: destinations,
        modules,
        checked: yosys.is_some(),
        docs: doc_destinations,
    })
}

fn check_destinations(destinations: &[PathBuf]) -> Result<()> {
    for dest in destinations {
        if let Ok(meta) = std::fs::symlink_metadata(dest) {
            if !meta.is_file() {
                bail!(
                    "{} exists and is not a file (a folder or a link): remove it or give another \
                     --out; nothing was written",
                    dest.display()
                );
            }
        }
    }
    Ok(())
}

/// Elaborates a Verilog file with yosys (from PATH, bounded by [`DEFAULT_YOSYS_TIMEOUT`])
/// and fails on errors, latches, undriven wires or missing modules: rust-hdl's simulator
/// cannot see any of these.
pub fn yosys_check(path: &Path, top: &str) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let file = path
        .file_name()
        .and_then(OsStr::to_str)
        .ok_or_else(|| anyhow!("{} is not a file name yosys can read", path.display()))?;
    let tools = Toolchain::from_env().with_progress(Progress::Quiet);
    yosys_check_in(&tools, dir, file, top, DEFAULT_YOSYS_TIMEOUT)
}

/// Runs the yosys check on `file` in `dir`. The file is named bare, relative to `dir`, so
/// the script never carries a path: yosys splits its command line on spaces and has no
/// quoting that works for every path.
fn yosys_check_in(
    tools: &Toolchain,
    dir: &Path,
    file: &str,
    top: &str,
    timeout: Duration,
) -> Result<()> {
    check_module_name(top)?;
    if !file
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_.".contains(c))
        || file.starts_with('.')
    {
        bail!("internal: yosys is only given plain file names, not '{file}'");
    }
    let script = format!(
        "read_verilog -defer {file}; hierarchy -check -top {top}; proc; \
         select -assert-none t:$dlatch t:$adlatch t:$dlatchsr t:$_DLATCH_*; check -assert"
    );
    let log = dir.join(format!("{top}.yosys.log"));
    let step = Step::new(
        "yosys",
        &[OsStr::new("-q"), OsStr::new("-p"), OsStr::new(&script)],
        dir,
        &log,
        timeout,
    )
    .titled(format!("yosys check of {file}"));
    let run = tools.run(&step)?;
    if run.timed_out() {
        bail!(
            "yosys did not finish checking {file} within {} s and was killed (a check takes \
             about a second): is the yosys on PATH ({}) working? Try `yosys -p help`",
            timeout.as_secs_f64(),
            run.program.display()
        );
    }
    let text = run.log_text()?;
    if !run.succeeded() {
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with("$ cd "))
            .collect();
        let tail = lines[lines.len().saturating_sub(20)..].join("\n");
        bail!("yosys rejected {file} (top {top}):\n{tail}");
    }
    if text.contains("Latch inferred") {
        bail!("yosys inferred a latch in {file}:\n{text}");
    }
    let _ = std::fs::remove_file(&log);
    Ok(())
}
