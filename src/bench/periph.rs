//! Bench section `periph`: what each peripheral switch costs. For `uart_wb` and
//! `uart_axil`: the `full` and `minimal` presets, and `full` with one switch off at a time
//! (a feature, or one interrupt source), each measured by the NOTES method (yosys
//! `synth_ice40`, nextpnr-ice40 `--hx8k --package ct256 --freq 100`, seeds 1 2 3, median).
//! The figures go into the bench's results and into `periph.json` / `periph.md` beside
//! them. `--quick` measures only the two presets of `uart_wb` on seed 1 (a smoke run).

use crate::config::UartConfig;
use crate::export::{peripheral_verilog, Design};
use crate::flow::ResourceFigures;
use crate::periph::options::{PeripheralOptions, IRQ_NAMES};
use anyhow::Result;
use serde_json::{json, Map, Value};
use std::path::Path;
use std::time::Duration;

/// The builds measured: (name, options). `full` first, then one switch off at a time,
/// then `minimal`.
pub fn builds(quick: bool) -> Vec<(String, PeripheralOptions)> {
    let full = PeripheralOptions::full();
    let mut out = vec![("full".to_string(), full)];
    if !quick {
        let off = |name: &str, change: &dyn Fn(&mut PeripheralOptions)| {
            let mut o = full;
            change(&mut o);
            (format!("full, {name} off"), o)
        };
        out.push(off("runtime_format", &|o| o.runtime_format = false));
        out.push(off("runtime_baud", &|o| o.runtime_baud = false));
        // A feature's interrupt source goes with it (the switches refuse it alone).
        out.push(off("rx_timeout", &|o| {
            o.rx_timeout = false;
            o.irqs &= !(1 << 2);
        }));
        out.push(off("rts_cts", &|o| {
            o.rts_cts = false;
            o.irqs &= !(1 << 5);
        }));
        out.push(off("rs485", &|o| o.rs485 = false));
        out.push(off("loopback", &|o| o.loopback = false));
        out.push(off("break", &|o| o.break_ = false));
        out.push(off("lost_counter", &|o| o.lost_counter = false));
        for (i, irq) in IRQ_NAMES.iter().enumerate() {
            out.push(off(&format!("irq {irq}"), &|o| o.irqs &= !(1u8 << i)));
        }
    }
    out.push(("minimal".to_string(), PeripheralOptions::minimal()));
    out
}

fn fmax_range(figures: &ResourceFigures) -> (Option<f64>, Option<f64>) {
    let value = serde_json::to_value(figures).unwrap_or_default();
    let all: Vec<f64> = value["seeds"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["outcome"]["fmax_mhz"].as_f64())
        .collect();
    let min = all
        .iter()
        .cloned()
        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.min(x))));
    let max = all
        .iter()
        .cloned()
        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
    (min, max)
}

/// Measures every build for both buses; returns the section's figures (with a
/// `markdown` table) and writes `periph.json` and `periph.md` into `results_dir`.
pub fn section(results_dir: &Path, quick: bool) -> Result<Value> {
    let work = results_dir.join("work").join("periph");
    let seeds: &[u64] = if quick { &[1] } else { &[1, 2, 3] };
    // A hang guard: one nextpnr run takes about a minute on a busy 2-core machine.
    let timeout = Duration::from_secs(900);
    let config = UartConfig::default();
    let designs: &[Design] = if quick {
        &[Design::Wishbone]
    } else {
        &[Design::Wishbone, Design::AxiLite]
    };
    let mut rows = Vec::new();
    let mut md = String::from(
        "| export | build | logic cells | LUT4 | FF | carry | BRAM | Fmax min / median / max (MHz) | cells vs full |\n|---|---|---:|---:|---:|---:|---:|---|---:|\n",
    );
    for design in designs {
        let module = design.module_name();
        let mut full_cells = None;
        for (name, options) in builds(quick) {
            let verilog = peripheral_verilog(&config, &options, *design, module)?;
            let dir = work.join(format!("{module}-{}", name.replace([' ', ','], "_")));
            println!("  {module} {name}: nextpnr seeds {seeds:?} ...");
            let figures =
                crate::flow::measure_resources_on(&verilog, module, &dir, seeds, timeout, "ct256")?;
            println!("{}", super::summary(&figures));
            let cells = figures.median_logic_cells;
            if name == "full" {
                full_cells = Some(cells);
            }
            let (min, max) = fmax_range(&figures);
            let mhz = |v: Option<f64>| v.map_or("n/a".to_string(), |x| format!("{x:.1}"));
            let delta = full_cells.map_or("".to_string(), |f| format!("{:+}", cells - f));
            md.push_str(&format!(
                "| `{module}` | {name} | {cells} | {} | {} | {} | {} | {} / {} / {} | {delta} |\n",
                figures.lut4,
                figures.flip_flops,
                figures.carry,
                figures.block_rams,
                mhz(min),
                mhz(figures.median_fmax_mhz),
                mhz(max),
            ));
            rows.push(json!({
                "export": module,
                "build": name,
                "features_word": format!("0x{:08X}", options.with_bus(match design {
                    Design::AxiLite => crate::periph::options::Bus::Axil,
                    _ => crate::periph::options::Bus::Wishbone,
                }).features_word()),
                "fmax_min_mhz": min,
                "fmax_max_mhz": max,
                "figures": serde_json::to_value(&figures)?,
            }));
        }
    }
    let mut value = Map::new();
    value.insert("builds".into(), Value::Array(rows));
    value.insert("method".into(), json!("yosys synth_ice40; nextpnr-ice40 --hx8k --package ct256 --freq 100 --pcf-allow-unconstrained --timing-allow-fail; seeds 1 2 3, medians; 115200 8N1 at 100 MHz, 16-entry FIFOs"));
    value.insert("targets".into(), json!({"full_uart_wb_cells_max": 600, "full_uart_wb_fmax_median_min": 140, "minimal_uart_wb_cells_max": 300, "minimal_uart_wb_fmax_median_min": 150}));
    value.insert("markdown".into(), json!(md));
    let value = Value::Object(value);
    std::fs::create_dir_all(results_dir)?;
    crate::outputs::write_atomic(
        &results_dir.join("periph.json"),
        &(serde_json::to_string_pretty(&value)? + "\n"),
    )?;
    crate::outputs::write_atomic(
        &results_dir.join("periph.md"),
        &format!(
            "# Peripheral builds: what each switch costs\n\nWritten by `rust-hdl-uart bench --only periph`. {}.\n\n{md}",
            value["method"].as_str().unwrap_or("")
        ),
    )?;
    Ok(value)
}
