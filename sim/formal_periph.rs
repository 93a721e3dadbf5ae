//! Formal checks and synthesis figures of the peripheral's building blocks: the FIFOs
//! (block RAM and flip-flops, alone and as each peripheral build has them), the Wishbone
//! and AXI4-Lite adapters, and the whole exported peripherals `uart_wb` / `uart_axil`.
//!
//! Each property group is a SystemVerilog wrapper in `sim/formal/` that instantiates the
//! block's exported Verilog (the text [`crate::sim::cosim::verilog_for`] gives, the same
//! rust-hdl output the exports ship) and states the properties as assertions; assumptions
//! only constrain inputs. Where induction needs to know the block's internal state, the
//! wrapper reads it through probes: the design is flattened and each probe wire of the
//! wrapper is connected to an internal net (`connect -set`), as the cores' runner does.
//! The FIFO's memory is mapped to flip-flops first (`memory_map`) so its words can be
//! probed.
//!
//! Per build ([`PGroup::BuildFifo`]): a build's FIFO is proven as that build exports it —
//! its `SizedFifo` module and children are cut out of the build's shipped `uart_wb`
//! Verilog ([`fifo_modules`]) and renamed, so the proof is about the very text the build
//! ships (the chosen storage, its pointer widths inside a larger type, the idle other
//! storage), not about a stand-alone instance of the same Rust type. The properties are
//! about the FIFO's own ports, so they hold whatever the peripheral around it does.
//!
//! The flow is the cores' (see [`crate::sim::formal`], whose process runner, tool lookup
//! and hang guard this module uses): `read_verilog -formal` → `prep` → `async2sync;
//! dffunmap` → `write_smt2 -wires` → `yosys-smtbmc [-i] -t N -s SOLVER`.
//!
//! Guarantees:
//! - A missing tool is an error naming it and its package; nothing is skipped.
//! - Every tool run is bounded by the check's hang guard and logged in the work directory;
//!   a run stopped by it is [`PVerdict::TimedOut`], never a property failure.
//! - The outcome says what was proven: BMC depth, or the k at which induction closed.
//! - Mutations (a changed line of the design's Verilog) and `defines` (switching on a
//!   deliberately wrong assertion in a wrapper) exist only to show that a check can fail.

use crate::config::UartConfig;
use crate::export::{design_verilog, peripheral_verilog, Design};
use crate::periph::axil::AxiLiteAdapter;
use crate::periph::fifo::Fifo;
use crate::periph::options::PeripheralOptions;
use crate::periph::sized_fifo::FLIP_FLOP_DEPTH_LOG2_MAX;
use crate::periph::small_fifo::SmallFifo;
use crate::periph::uart_periph::{DATA_BITS_MAX, RX_ENTRY_BITS};
use crate::periph::wishbone::WishboneAdapter;
use crate::sim::cosim::verilog_for;
use crate::sim::formal::{
    hang_guard, last_lines, locate_in, run_bounded, search_path, SmtbmcLog, Solver,
};
use anyhow::{bail, Context, Result};
use rust_hdl::core::block::Block;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Verilog of any rust-hdl block under module name `top` (sub-modules `top$...`).
pub fn block_verilog<B: Block>(block: &mut B, top: &str) -> Result<String> {
    verilog_for(block, top)
}

/// Cell counts of a yosys `synth_ice40` run (the `stat` of the flattened top).
#[derive(Clone, Debug, Default)]
pub struct CellCount {
    /// Cells by type (`SB_LUT4`, `SB_DFF`, `SB_RAM40_4K`, ...).
    pub by_type: BTreeMap<String, u64>,
}

impl CellCount {
    /// Cells of one type (0 when there are none).
    pub fn of(&self, cell: &str) -> u64 {
        self.by_type.get(cell).copied().unwrap_or(0)
    }

    /// Flip-flops of every `SB_DFF*` kind.
    pub fn flip_flops(&self) -> u64 {
        self.by_type
            .iter()
            .filter(|(k, _)| k.starts_with("SB_DFF"))
            .map(|(_, v)| v)
            .sum()
    }

    /// LUT4s.
    pub fn luts(&self) -> u64 {
        self.of("SB_LUT4")
    }
}

impl fmt::Display for CellCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} LUT4, {} FF, {} carry, {} SB_RAM40_4K",
            self.luts(),
            self.flip_flops(),
            self.of("SB_CARRY"),
            self.of("SB_RAM40_4K")
        )
    }
}

/// Runs `yosys synth_ice40 -top top` on `verilog` in `dir` (emptied first) and returns its
/// cell counts. `time_limit` is a hang guard (synthesis of these blocks takes seconds).
pub fn ice40_cells(
    verilog: &str,
    top: &str,
    dir: &Path,
    time_limit: Duration,
) -> Result<CellCount> {
    let path = search_path();
    let yosys = locate_in("yosys", &path)?;
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(dir.join("design.v"), verilog)?;
    let log = dir.join("synth.log");
    let ran = run_bounded(
        &yosys,
        &[
            "-p".into(),
            format!("read_verilog design.v; synth_ice40 -top {top}; tee -o stat.txt stat"),
        ],
        dir,
        &log,
        Instant::now() + time_limit,
        &path,
    )?;
    if ran.timed_out {
        bail!(
            "hang guard: yosys synth_ice40 did not finish within {:.0} s; log {}",
            time_limit.as_secs_f64(),
            log.display()
        );
    }
    if !ran.success {
        bail!(
            "yosys synth_ice40 failed:\n{}\nlog {}",
            last_lines(&ran.output, 20),
            log.display()
        );
    }
    let stat = std::fs::read_to_string(dir.join("stat.txt"))?;
    let mut count = CellCount::default();
    for line in stat.lines() {
        let mut words = line.split_whitespace();
        if let (Some(name), Some(n), None) = (words.next(), words.next(), words.next()) {
            if name.starts_with("SB_") || name.starts_with('$') {
                if let Ok(n) = n.parse::<u64>() {
                    *count.by_type.entry(name.to_string()).or_default() += n;
                }
            }
        }
    }
    if count.by_type.is_empty() {
        bail!(
            "no cells in yosys's stat output ({})",
            dir.join("stat.txt").display()
        );
    }
    Ok(count)
}

/// The property groups, one wrapper file each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PGroup {
    /// `fifo_props.sv` on a `Fifo<width, 2^abits>`: level = pushes − pops, full/empty
    /// from the level, order and no loss (two consecutive tracked entries), `clear`.
    /// Supported shapes: (8, 2), (8, 4), (11, 4).
    Fifo { width: usize, abits: usize },
    /// `fifo_props.sv` (with `FLOPS`) on a `SmallFifo<width>` of `depth` (1 or 2)
    /// entries: the same properties, the count and the entries probed. Widths 8 and 11.
    SmallFifo { width: usize, depth: usize },
    /// `fifo_props.sv` on the RX (`rx`) or TX FIFO of the check's build
    /// ([`PCheck::with_build`]), cut out of the build's `uart_wb` export
    /// ([`fifo_modules`]): whichever storage the build's depth chose. Depths up to 16
    /// (the RAM's words are probed one by one).
    BuildFifo { rx: bool },
    /// `wb_props.sv` on the Wishbone adapter: B4 pipelined slave rules, one strobe per
    /// accepted request with its payload.
    Wishbone,
    /// `axil_props.sv` on the AXI4-Lite adapter: AXI4-Lite slave rules, one strobe per
    /// request with its payload, read data from the clock after the strobe.
    AxiLite,
    /// `wb_props.sv` on the whole `uart_wb` export (16-entry FIFOs, the default
    /// configuration): the same properties at its bus, the register port probed inside.
    UartWb,
    /// `axil_props.sv` on the whole `uart_axil` export.
    UartAxil,
}

impl PGroup {
    /// A short name for work directories and reports.
    pub fn name(self) -> String {
        match self {
            PGroup::Fifo { width, abits } => format!("fifo{width}x{}", 1 << abits),
            PGroup::SmallFifo { width, depth } => format!("small_fifo{width}x{depth}"),
            PGroup::BuildFifo { rx: true } => "rx_fifo".into(),
            PGroup::BuildFifo { rx: false } => "tx_fifo".into(),
            PGroup::Wishbone => "wb".into(),
            PGroup::AxiLite => "axil".into(),
            PGroup::UartWb => "uart_wb".into(),
            PGroup::UartAxil => "uart_axil".into(),
        }
    }

    /// The wrapper's top module (and file stem).
    pub fn wrapper_module(self) -> &'static str {
        match self {
            PGroup::Fifo { .. } | PGroup::SmallFifo { .. } | PGroup::BuildFifo { .. } => {
                "fifo_props"
            }
            PGroup::Wishbone | PGroup::UartWb => "wb_props",
            PGroup::AxiLite | PGroup::UartAxil => "axil_props",
        }
    }

    /// The wrapper's SystemVerilog (compiled in).
    pub fn wrapper_source(self) -> &'static str {
        match self {
            PGroup::Fifo { .. } | PGroup::SmallFifo { .. } | PGroup::BuildFifo { .. } => {
                include_str!("formal/fifo_props.sv")
            }
            PGroup::Wishbone | PGroup::UartWb => include_str!("formal/wb_props.sv"),
            PGroup::AxiLite | PGroup::UartAxil => include_str!("formal/axil_props.sv"),
        }
    }

    /// The module name the wrapper instantiates.
    pub fn dut_module(self) -> &'static str {
        match self {
            PGroup::Fifo { .. } | PGroup::SmallFifo { .. } | PGroup::BuildFifo { .. } => "fifo_dut",
            PGroup::Wishbone => "wb_dut",
            PGroup::AxiLite => "axil_dut",
            PGroup::UartWb => "uart_wb",
            PGroup::UartAxil => "uart_axil",
        }
    }

    /// The design's Verilog under [`PGroup::dut_module`].
    pub fn design_verilog(self) -> Result<String> {
        let top = self.dut_module();
        match self {
            PGroup::Fifo { width, abits } => match (width, abits) {
                (8, 2) => verilog_for(&mut Fifo::<8, 2>::new()?, top),
                (8, 4) => verilog_for(&mut Fifo::<8, 4>::new()?, top),
                (11, 4) => verilog_for(&mut Fifo::<11, 4>::new()?, top),
                _ => bail!("no formal FIFO shape {width} x 2^{abits}: use (8, 2), (8, 4), (11, 4)"),
            },
            PGroup::SmallFifo { width, depth } => match width {
                8 => verilog_for(&mut SmallFifo::<8>::new(depth)?, top),
                11 => verilog_for(&mut SmallFifo::<11>::new(depth)?, top),
                _ => bail!("no formal flip-flop FIFO width {width}: use 8 or 11"),
            },
            PGroup::BuildFifo { .. } => self.design_verilog_for(&PeripheralOptions::full()),
            PGroup::Wishbone => verilog_for(&mut WishboneAdapter::new()?, top),
            PGroup::AxiLite => verilog_for(&mut AxiLiteAdapter::new()?, top),
            PGroup::UartWb => design_verilog(&UartConfig::default(), Design::Wishbone, top),
            PGroup::UartAxil => design_verilog(&UartConfig::default(), Design::AxiLite, top),
        }
    }

    /// The design's Verilog with the whole exports (`UartWb`, `UartAxil`) built with
    /// `build` (its bus is the group's) and a build's FIFO (`BuildFifo`) cut out of its
    /// export; the other groups do not depend on the peripheral's switches and give
    /// [`PGroup::design_verilog`].
    pub fn design_verilog_for(self, build: &PeripheralOptions) -> Result<String> {
        let top = self.dut_module();
        match self {
            PGroup::BuildFifo { rx } => {
                fifo_shape(self, build)?; // a depth the wrapper cannot probe: say so first
                let text =
                    peripheral_verilog(&UartConfig::default(), build, Design::Wishbone, "uart_wb")?;
                fifo_modules(&text, "uart_wb", rx, top)
            }
            PGroup::UartWb => {
                peripheral_verilog(&UartConfig::default(), build, Design::Wishbone, top)
            }
            PGroup::UartAxil => {
                peripheral_verilog(&UartConfig::default(), build, Design::AxiLite, top)
            }
            _ => self.design_verilog(),
        }
    }

    /// Wrapper parameters (`build`: the build of a `BuildFifo`).
    pub fn parameters(self, build: &PeripheralOptions) -> Result<Vec<(String, i64)>> {
        Ok(match fifo_shape(self, build)? {
            Some(f) => vec![
                ("W".into(), f.width as i64),
                ("A".into(), f.depth_log2 as i64),
                ("AT".into(), f.type_log2 as i64),
            ],
            None => Vec::new(),
        })
    }

    /// Internal nets the wrapper reads, as (wrapper wire, net of the flattened design).
    /// Only what induction needs to relate the wrapper's counters to the design's state.
    pub fn probes(self, build: &PeripheralOptions) -> Result<Vec<(String, String)>> {
        if let Some(f) = fifo_shape(self, build)? {
            let at = f.prefix;
            let mut p: Vec<(String, String)> = Vec::new();
            if f.flops {
                p.push(("p_count".into(), format!("{at}count$q")));
                p.push(("p_head".into(), format!("{at}head$q")));
                if f.depth_log2 == 1 {
                    p.push(("p_tail".into(), format!("{at}tail$q")));
                }
            } else {
                for (wire, net) in [
                    ("p_wptr", "wptr$q"),
                    ("p_rptr", "rptr$q"),
                    ("p_bypass", "bypass$q"),
                    ("p_bypass_data", "bypass_data$q"),
                    ("p_ram_out", "ram.read_data"),
                ] {
                    p.push((wire.into(), format!("{at}{net}")));
                }
                for i in 0..1usize << f.depth_log2 {
                    // Renamed from the RAM's `mem[i]` first (see `yosys_script`).
                    p.push((format!("p_mem{i}"), format!("f_memword_{i}")));
                }
            }
            return Ok(p);
        }
        Ok(match self {
            PGroup::AxiLite => vec![
                ("p_read_capture".into(), "dut.read_capture$q".into()),
                ("p_read_busy".into(), "dut.read_busy$q".into()),
            ],
            PGroup::UartWb | PGroup::UartAxil => {
                let mut p: Vec<(String, String)> = [
                    "reg_addr",
                    "reg_write",
                    "reg_wdata",
                    "reg_wstrb",
                    "reg_read",
                    "reg_rdata",
                ]
                .iter()
                .map(|n| (n.to_string(), format!("dut.bus.{n}")))
                .collect();
                if self == PGroup::UartAxil {
                    p.push(("p_read_capture".into(), "dut.bus.read_capture$q".into()));
                    p.push(("p_read_busy".into(), "dut.bus.read_busy$q".into()));
                }
                p
            }
            _ => Vec::new(),
        })
    }
}

/// What the FIFO wrapper needs to know of a FIFO group's design.
#[derive(Clone, Copy, Debug)]
struct FifoShape {
    /// Entry width.
    width: usize,
    /// log2 of the depth.
    depth_log2: usize,
    /// The block RAM FIFO's pointer width (its Rust type's `A`).
    type_log2: usize,
    /// Stored in flip-flops (`SmallFifo`), else in block RAM.
    flops: bool,
    /// The hierarchical prefix of the storage's nets after flattening.
    prefix: &'static str,
}

/// The largest FIFO depth (log2) whose RAM words the wrapper probes.
pub const PROBED_DEPTH_LOG2_MAX: u32 = 4;

/// The shape of a FIFO group (`None` for the other groups); an error for a build whose
/// FIFO the wrapper cannot probe.
fn fifo_shape(group: PGroup, build: &PeripheralOptions) -> Result<Option<FifoShape>> {
    Ok(Some(match group {
        PGroup::Fifo { width, abits } => FifoShape {
            width,
            depth_log2: abits,
            type_log2: abits,
            flops: false,
            prefix: "dut.",
        },
        PGroup::SmallFifo { width, depth } => {
            if !(1..=2).contains(&depth) {
                bail!("no formal flip-flop FIFO of {depth} entries: use 1 or 2");
            }
            FifoShape {
                width,
                depth_log2: depth.trailing_zeros() as usize,
                type_log2: depth.trailing_zeros() as usize,
                flops: true,
                prefix: "dut.",
            }
        }
        PGroup::BuildFifo { rx } => {
            let (mine, other) = if rx {
                (build.rx_depth_log2, build.tx_depth_log2)
            } else {
                (build.tx_depth_log2, build.rx_depth_log2)
            };
            if mine > PROBED_DEPTH_LOG2_MAX {
                bail!(
                    "the formal check of a build's {} FIFO probes its RAM word by word, up \
                     to {} entries; this build has {}: check a build with a smaller FIFO",
                    if rx { "RX" } else { "TX" },
                    1 << PROBED_DEPTH_LOG2_MAX,
                    1u32 << mine
                );
            }
            let depth_log2 = mine as usize;
            let flops = depth_log2 <= FLIP_FLOP_DEPTH_LOG2_MAX;
            FifoShape {
                width: if rx { RX_ENTRY_BITS } else { DATA_BITS_MAX },
                depth_log2,
                // As `peripheral_verilog` picks the peripheral's type.
                type_log2: mine.max(other).max(2) as usize,
                flops,
                prefix: if flops { "dut.flops." } else { "dut.ram." },
            }
        }
        _ => return Ok(None),
    }))
}

/// The modules of the RX (`rx`) or TX FIFO in the Verilog of a whole peripheral export
/// whose top module is `top` (`TOP$periph$rx_fifo` and its children), renamed from that
/// name to `name` (`name$ram`, ...), so a build's FIFO can be checked as it ships.
/// Errors when the export has no such module.
pub fn fifo_modules(text: &str, top: &str, rx: bool, name: &str) -> Result<String> {
    let fifo = format!("{top}$periph${}_fifo", if rx { "rx" } else { "tx" });
    let child = format!("{fifo}$");
    let mut out = String::new();
    let mut inside = false;
    let mut found = false;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("module ") {
            let module = rest.split('(').next().unwrap_or("").trim();
            inside = module == fifo || module.starts_with(&child);
            found |= module == fifo;
        }
        if inside {
            out.push_str(&line.replace(&fifo, name));
            out.push('\n');
            if line.starts_with("endmodule") {
                inside = false;
                out.push('\n');
            }
        }
    }
    if !found {
        bail!("no module {fifo} in the export (has the peripheral's hierarchy changed?)");
    }
    Ok(out)
}

/// What to prove.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PMode {
    /// Bounded model checking of steps 0..depth from power-up.
    Bmc { depth: u32 },
    /// k-induction (yosys-smtbmc -i) with up to k steps, from any state.
    Induction { k: u32 },
    /// Every `cover` statement reached within `depth` steps from power-up (smtbmc -c).
    Cover { depth: u32 },
}

/// One formal run of a peripheral group.
#[derive(Clone, Debug)]
pub struct PCheck {
    /// The property group.
    pub group: PGroup,
    /// How to prove.
    pub mode: PMode,
    /// The solver.
    pub solver: Solver,
    /// Hang guard for the whole run.
    pub time_limit: Duration,
    /// Work directory (emptied first).
    pub work_dir: PathBuf,
    /// Macros defined when the wrapper is read (`-D NAME`): switch on deliberately wrong
    /// assertions in negative tests.
    pub defines: Vec<String>,
    /// Text replacements in the design's Verilog (each must match exactly once): a mutated
    /// design for negative tests.
    pub mutations: Vec<(String, String)>,
    /// The peripheral build of the whole-export groups (`UartWb`, `UartAxil`): the
    /// default build (`full`) unless [`PCheck::with_build`] sets another.
    pub build: PeripheralOptions,
}

impl PCheck {
    /// A check with the default solver, a hang guard for `expected` and a work directory
    /// under the system's temporary folder.
    pub fn new(group: PGroup, mode: PMode, expected: Duration) -> PCheck {
        let tag = match mode {
            PMode::Bmc { depth } => format!("bmc{depth}"),
            PMode::Induction { k } => format!("ind{k}"),
            PMode::Cover { depth } => format!("cover{depth}"),
        };
        PCheck {
            group,
            mode,
            solver: crate::sim::formal::default_solver().0,
            time_limit: hang_guard(expected),
            work_dir: std::env::temp_dir().join(format!(
                "uart-pformal-{}-{}-{tag}",
                std::process::id(),
                group.name()
            )),
            defines: Vec::new(),
            mutations: Vec::new(),
            build: PeripheralOptions::full(),
        }
    }

    /// The whole export built with `build` (the proofs hold per build, not only for the
    /// default); `tag` names the build in the work directory.
    pub fn with_build(mut self, build: PeripheralOptions, tag: &str) -> PCheck {
        self.build = build;
        let name = self
            .work_dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("uart-pformal")
            .to_string();
        self.work_dir.set_file_name(format!("{name}-{tag}"));
        self
    }

    /// Adds a `-D name` for the wrapper.
    pub fn with_define(mut self, name: &str) -> PCheck {
        self.defines.push(name.to_string());
        self.work_dir.set_extension(name.to_lowercase());
        self
    }

    /// Replaces `from` (which must occur exactly once) by `to` in the design's Verilog.
    pub fn with_mutation(mut self, from: &str, to: &str) -> PCheck {
        self.mutations.push((from.to_string(), to.to_string()));
        self.work_dir
            .set_extension(format!("mut{}", self.mutations.len()));
        self
    }
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PVerdict {
    /// BMC: held in every step. Induction: closed. Cover: every cover statement reached.
    Proven,
    /// BMC found an assertion failing (`step`, the assertion's source location).
    Counterexample { step: u32, assertion: String },
    /// Induction did not close within k.
    InductionOpen,
    /// Cover: some cover statement was not reached within the depth.
    CoverMissed { statement: String },
    /// The hang guard stopped the run (no verdict; not a property failure).
    TimedOut,
}

/// The result of a [`PCheck`].
#[derive(Clone, Debug)]
pub struct POutcome {
    /// The group.
    pub group: PGroup,
    /// The mode.
    pub mode: PMode,
    /// The verdict.
    pub verdict: PVerdict,
    /// Induction: the k at which it closed; BMC/cover: steps checked.
    pub steps: u32,
    /// The solver used.
    pub solver: Solver,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// The counterexample or induction trace, when there is one.
    pub trace: Option<PathBuf>,
    /// yosys-smtbmc's log.
    pub smtbmc_log: PathBuf,
    /// The last lines of that log.
    pub tool_output: String,
}

impl POutcome {
    /// Whether the run proved what it was asked.
    pub fn proven(&self) -> bool {
        self.verdict == PVerdict::Proven
    }
}

impl fmt::Display for POutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.mode {
            PMode::Bmc { depth } => format!("BMC to depth {depth}"),
            PMode::Induction { k } => format!("k-induction (k <= {k})"),
            PMode::Cover { depth } => format!("cover within {depth} steps"),
        };
        let verdict = match (&self.verdict, self.mode) {
            (PVerdict::Proven, PMode::Induction { .. }) => {
                format!("PROVEN, induction closed at k = {}", self.steps)
            }
            (PVerdict::Proven, PMode::Bmc { depth }) => format!("holds in steps 0..{depth}"),
            (PVerdict::Proven, PMode::Cover { .. }) => "every cover statement reached".into(),
            (PVerdict::Counterexample { step, assertion }, _) => {
                format!("COUNTEREXAMPLE at step {step}: {assertion}")
            }
            (PVerdict::InductionOpen, _) => format!("induction open at k = {}", self.steps),
            (PVerdict::CoverMissed { statement }, _) => {
                format!("cover statement not reached: {statement}")
            }
            (PVerdict::TimedOut, _) => "HANG GUARD hit (no verdict, not a failure)".into(),
        };
        write!(
            f,
            "formal {} ({what}, {}): {verdict} in {:.1} s",
            self.group.name(),
            self.solver,
            self.elapsed.as_secs_f64()
        )?;
        if !self.proven() {
            if let Some(t) = &self.trace {
                write!(f, "\n  trace: {}", t.display())?;
            }
            write!(
                f,
                "\n  log: {}\n{}",
                self.smtbmc_log.display(),
                self.tool_output
            )?;
        }
        Ok(())
    }
}

fn yosys_script(check: &PCheck, design_file: &str) -> Result<String> {
    let top = check.group.wrapper_module();
    let shape = fifo_shape(check.group, &check.build)?;
    let mut defines: String = check.defines.iter().map(|d| format!(" -D{d}")).collect();
    if let Some(f) = shape {
        if f.flops {
            defines.push_str(" -DFLOPS");
            if f.depth_log2 == 1 {
                defines.push_str(" -DFLOPS2");
            }
        }
        match (f.flops, f.depth_log2) {
            (false, 3) => defines.push_str(" -DFIFO8"),
            (false, 4) => defines.push_str(" -DFIFO16"),
            _ => {}
        }
    }
    if matches!(check.group, PGroup::UartWb | PGroup::UartAxil) {
        defines.push_str(" -DUART_TOP");
    }
    let sets: String = check
        .group
        .parameters(&check.build)?
        .iter()
        .map(|(k, v)| format!(" -set {k} {v}"))
        .collect();
    let mut s = format!(
        "read_verilog -formal {design_file}\n\
         read_verilog -formal -sv{defines} {top}.sv\n"
    );
    if !sets.is_empty() {
        s.push_str(&format!("chparam{sets} {top}\n"));
    }
    s.push_str(&format!("hierarchy -check -top {top}\nproc\nflatten\n"));
    if let Some(f) = shape {
        // The FIFO's memories as flip-flops (a build's idle block RAM FIFO's too), one
        // word per wire, so the wrapper can probe the words that hold its tracked
        // entries. (`rename` looks names up in the current module, hence the `cd`.)
        s.push_str(&format!("memory -nomap\nmemory_map\nopt_clean\ncd {top}\n"));
        if !f.flops {
            for i in 0..1usize << f.depth_log2 {
                s.push_str(&format!("rename {}ram.mem[{i}] f_memword_{i}\n", f.prefix));
            }
        }
        s.push_str("cd ..\n");
    }
    // (After `opt_clean`: `proc` leaves aliases of a probe wire, e.g. an `if` on it,
    // which `connect -set` would otherwise leave undriven.)
    s.push_str("opt_clean\n");
    for (wire, net) in check.group.probes(&check.build)? {
        s.push_str(&format!("connect -set {wire} {net}\n"));
    }
    s.push_str("check -assert\n");
    s.push_str(&format!(
        "prep -top {top}\n\
         async2sync\n\
         dffunmap\n\
         write_smt2 -wires model.smt2\n"
    ));
    Ok(s)
}

/// Runs a check. `Err` only when it could not be run (tool missing, yosys rejected the
/// files, a mutation did not match); counterexamples and timeouts are outcomes.
pub fn run(check: &PCheck) -> Result<POutcome> {
    let started = Instant::now();
    let deadline = started + check.time_limit;
    let path = search_path();
    let yosys = locate_in("yosys", &path)?;
    let smtbmc = locate_in("yosys-smtbmc", &path)?;
    locate_in(check.solver.program(), &path)?;

    let dir = &check.work_dir;
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut verilog = check.group.design_verilog_for(&check.build)?;
    for (from, to) in &check.mutations {
        let n = verilog.matches(from.as_str()).count();
        if n != 1 {
            bail!("mutation `{from}` matches {n} times in the design's Verilog (must be once)");
        }
        verilog = verilog.replace(from.as_str(), to);
    }
    let design_file = format!("{}.v", check.group.dut_module());
    std::fs::write(dir.join(&design_file), verilog)?;
    let top = check.group.wrapper_module();
    std::fs::write(dir.join(format!("{top}.sv")), check.group.wrapper_source())?;
    std::fs::write(dir.join("model.ys"), yosys_script(check, &design_file)?)?;

    let ylog = dir.join("yosys.log");
    let ran = run_bounded(
        &yosys,
        &[
            "-q".into(),
            "-l".into(),
            "yosys.log.full".into(),
            "model.ys".into(),
        ],
        dir,
        &ylog,
        deadline,
        &path,
    )?;
    if ran.timed_out {
        bail!(
            "hang guard: yosys did not finish within {:.0} s; log {}",
            check.time_limit.as_secs_f64(),
            ylog.display()
        );
    }
    if !ran.success {
        bail!(
            "yosys failed on the {} wrapper:\n{}\nlog: {}",
            check.group.name(),
            last_lines(&ran.output, 20),
            dir.join("yosys.log.full").display()
        );
    }

    // A proof by induction is the base case (BMC to k from power-up) and the inductive
    // step (k steps from any state satisfying the assertions), as SymbiYosys's prove mode.
    let runs: Vec<(PMode, &str)> = match check.mode {
        PMode::Induction { k } => vec![(PMode::Bmc { depth: k }, "base"), (check.mode, "step")],
        mode => vec![(mode, "run")],
    };
    let mut result = None;
    let mut slog = dir.join("smtbmc.log");
    for (mode, tag) in runs {
        slog = dir.join(format!("smtbmc-{tag}.log"));
        let (verdict, steps_done, output) =
            run_smtbmc(check, mode, &smtbmc, &slog, deadline, &path)?;
        let done = verdict != PVerdict::Proven;
        result = Some((verdict, steps_done, output));
        if done {
            break;
        }
    }
    let (verdict, steps_done, out) = result.expect("at least one run");
    let trace = dir.join("trace.vcd");
    Ok(POutcome {
        group: check.group,
        mode: check.mode,
        verdict,
        steps: steps_done,
        solver: check.solver,
        elapsed: started.elapsed(),
        trace: trace.exists().then_some(trace),
        smtbmc_log: slog,
        tool_output: last_lines(&out, 12),
    })
}

/// One yosys-smtbmc run on `model.smt2` in the check's work directory.
fn run_smtbmc(
    check: &PCheck,
    mode: PMode,
    smtbmc: &Path,
    slog: &Path,
    deadline: Instant,
    path: &std::ffi::OsStr,
) -> Result<(PVerdict, u32, String)> {
    let mut args: Vec<String> = vec![
        "-s".into(),
        check.solver.smtbmc_name().into(),
        "--noprogress".into(),
    ];
    if check.solver == Solver::Z3 {
        args.push("--unroll".into());
    }
    let steps = match mode {
        PMode::Bmc { depth } => depth,
        PMode::Induction { k } => {
            args.push("-i".into());
            k
        }
        PMode::Cover { depth } => {
            args.push("-c".into());
            depth
        }
    };
    args.extend([
        "-t".into(),
        steps.to_string(),
        "--dump-vcd".into(),
        "trace.vcd".into(),
        "model.smt2".into(),
    ]);
    let ran = run_bounded(smtbmc, &args, &check.work_dir, slog, deadline, path)?;
    let out = ran.output;
    let SmtbmcLog {
        last_step,
        induction_steps,
        failed_step,
        assertion,
        unreached_cover: missed,
        passed,
        failed,
    } = SmtbmcLog::parse(&out);
    let (verdict, steps_done) = if passed {
        match mode {
            PMode::Induction { k } => (
                PVerdict::Proven,
                induction_steps.last().map(|s| k - s).unwrap_or(k),
            ),
            _ => (PVerdict::Proven, steps),
        }
    } else if failed {
        match mode {
            PMode::Induction { k } => (PVerdict::InductionOpen, k),
            PMode::Cover { .. } => (PVerdict::CoverMissed { statement: missed }, steps),
            PMode::Bmc { .. } => {
                let step = failed_step.or(last_step).unwrap_or(0);
                (PVerdict::Counterexample { step, assertion }, step)
            }
        }
    } else if ran.timed_out {
        (PVerdict::TimedOut, last_step.unwrap_or(0))
    } else {
        bail!(
            "yosys-smtbmc ended without a verdict:\n{}\nlog: {}",
            last_lines(&out, 25),
            slog.display()
        );
    };
    Ok((verdict, steps_done, out))
}
