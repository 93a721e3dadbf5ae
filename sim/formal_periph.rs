//! Formal checks and synthesis figures of the peripheral's building blocks: the FIFO,
//! the Wishbone and AXI4-Lite adapters, and (once they exist) the whole exported
//! peripherals `uart_wb` / `uart_axil`.
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

use crate::sim::cosim::verilog_for;
use crate::sim::formal::{last_lines, locate_in, run_bounded, search_path, Mode, Solver};
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
