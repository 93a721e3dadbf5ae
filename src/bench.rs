//! The benchmark: measures, never asserts. Each section writes its figures into
//! `bench/results.json` (merged, so a partial run keeps the other sections) and
//! `bench/results.md`, and prints them as it goes.
//!
//! - `sim`: testbench throughput, single thread, release build.
//! - `tolerance`: the widest sender baud error, fast and slow, at which 10 000 random
//!   bytes in a continuous stream all arrive right with no flag, for oversample 16, 8, 4.
//! - `glitch`: the longest glitch (in sample periods) that never changes a byte, with a
//!   glitch in every other bit.
//! - `synth`: logic cells and Fmax of the compact core and the echo firmware (the method in
//!   NOTES.md: synth_ice40, nextpnr seeds 1 2 3, median).
//! - `verilator`: the long TX→RX regression on the Verilator model of the exported Verilog.
//! - `periph`: the peripheral's builds, the cost of each switch (`bench/periph.rs`).
//! - `soc`: the SoC firmware on the virtual board: lossless `echo` by baud, interrupt
//!   latency (`bench/soc.rs`).
//! - `toolchains`: the cores' and the peripheral's cells and Fmax with Debian's and YoWASP's
//!   yosys / nextpnr-ice40 ([`toolchains`]).
//! - `simspeed`: Icarus and Verilator speed on the exported Verilog, rust-hdl's text against
//!   the shipped text (`bench/simspeed.rs`).

use crate::config::UartConfig;
use crate::sim::harness::{line_format, run_receiver, ReadyPolicy, RxBench, UartBench, UartInputs};
use crate::sim::line::{compare_events, SerialDriver};
use anyhow::{bail, Context, Result};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use std::time::Instant;

mod periph;
pub mod simspeed;
pub mod toolchains;

pub const SECTIONS: [&str; 11] = [
    "sim",
    "tolerance",
    "glitch",
    "synth",
    "verilator",
    "vboard",
    "bridge",
    "periph",
    "soc",
    "toolchains",
    "simspeed",
];

#[cfg(feature = "host")]
mod soc;

pub struct BenchOptions {
    pub sections: Vec<String>,
    /// Fewer bytes and coarser searches: a smoke run of the bench itself.
    pub quick: bool,
    pub results_dir: PathBuf,
}

fn random_bytes(count: usize, seed: u64) -> Vec<u16> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u16 & 0xFF
        })
        .collect()
}

/// Sends `bytes` from a driver with `ppm` error and glitches into an 8-bit receiver;
/// true when every byte arrives right with no flag. Stops at the first wrong byte.
fn receiver_survives(
    config: &UartConfig,
    bytes: &[u16],
    ppm: f64,
    glitch: Option<(f64, u32)>,
    seed: u64,
) -> Result<bool> {
    let timing = config.validate()?;
    let mut bench = RxBench::<8>::new(&timing)?;
    let mut driver = SerialDriver::new(line_format(config), seed).baud_error_ppm(ppm);
    if let Some((probability, max_clocks)) = glitch {
        driver = driver.glitches(probability, max_clocks);
    }
    driver.idle_bits(config.frame_bits() as f64 + 1.0);
    // In chunks, so a failure is found without simulating the whole stream.
    for chunk in bytes.chunks(500) {
        for &byte in chunk {
            driver.frame(byte);
        }
        let already = driver.expected().len() - chunk.len();
        let tail = 2 * config.frame_bits() as u64 * (config.clock_hz / config.baud + 1);
        let run = run_receiver(&mut bench, &mut driver, ReadyPolicy::Always, tail)?;
        if run.overrun_seen || compare_events(&driver.expected()[already..], &run.events).is_err() {
            return Ok(false);
        }
    }
    Ok(true)
}

fn section_sim(quick: bool) -> Result<Value> {
    let config = UartConfig::default();
    let timing = config.validate()?;
    let bytes = random_bytes(if quick { 40 } else { 300 }, 5);
    let mut bench = UartBench::<8>::new(&timing)?;
    let frame_clocks = (config.frame_bits() as f64 * timing.clocks_per_bit).ceil() as u64;
    let cycles = (bytes.len() as u64 + 3) * frame_clocks;
    let mut inputs = UartInputs {
        rx: true,
        rx_ready: true,
        ..Default::default()
    };
    let (mut sent, mut received) = (0, 0);
    let start = Instant::now();
    for cycle in 0..cycles {
        inputs.tx_valid = cycle > frame_clocks && sent < bytes.len();
        inputs.tx_data = bytes.get(sent).copied().unwrap_or(0);
        if bench.apply(&inputs)? && inputs.tx_valid {
            sent += 1;
        }
        let (rx, tx) = bench.edge()?;
        received += rx.valid as usize;
        inputs.rx = tx.tx;
    }
    let seconds = start.elapsed().as_secs_f64();
    if received != bytes.len() {
        bail!(
            "loopback lost bytes during the throughput run: {received} of {}",
            bytes.len()
        );
    }
    let cycles_per_s = cycles as f64 / seconds;
    println!(
        "  loopback (RX + TX), 115200 8N1 at 100 MHz: {cycles} cycles in {seconds:.2} s = {:.0} cycles/s, {:.1} frames/s",
        cycles_per_s,
        received as f64 / seconds
    );
    Ok(json!({
        "design": "uart (RX + TX), TX wired to RX",
        "config": config.short_name(),
        "cycles": cycles,
        "seconds": seconds,
        "cycles_per_second": cycles_per_s,
        "frames_per_second": received as f64 / seconds,
        "target_cycles_per_second": 1_000_000,
    }))
}

/// Binary search for the largest |ppm| (in `direction`) at which the receiver survives.
fn widest_error(
    config: &UartConfig,
    bytes: &[u16],
    direction: f64,
    resolution_ppm: f64,
) -> Result<f64> {
    let (mut good, mut bad) = (0.0f64, 100_000.0f64);
    while bad - good > resolution_ppm {
        let mid = (good + bad) / 2.0;
        if receiver_survives(config, bytes, direction * mid, None, 77)? {
            good = mid;
        } else {
            bad = mid;
        }
    }
    Ok(good)
}

fn section_tolerance(quick: bool) -> Result<Value> {
    // 1 Mbaud from 100 MHz: 6.25 clocks per sample at 16x, the fractional case, and 1000
    // clocks per frame keeps 10 000 frames affordable.
    let bytes = random_bytes(if quick { 500 } else { 10_000 }, 9);
    let resolution = if quick { 2_000.0 } else { 250.0 };
    let mut rows = Vec::new();
    let jobs: Vec<(u32, f64)> = [16u32, 8, 4]
        .iter()
        .flat_map(|&os| [(os, 1.0), (os, -1.0)])
        .collect();
    let results: Vec<Result<f64>> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .iter()
            .map(|&(oversample, direction)| {
                let bytes = &bytes;
                scope.spawn(move || {
                    let config = UartConfig {
                        baud: 1_000_000,
                        oversample,
                        ..UartConfig::default()
                    };
                    widest_error(&config, bytes, direction, resolution)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("tolerance thread panicked"))
            .collect()
    });
    for (&(oversample, direction), result) in jobs.iter().zip(results) {
        let ppm = result?;
        let percent = direction * ppm / 1e4;
        println!(
            "  {oversample:>2}x, sender {}: all {} bytes right up to {percent:+.2} %",
            if direction > 0.0 { "fast" } else { "slow" },
            bytes.len()
        );
        rows.push(json!({ "oversample": oversample, "direction": if direction > 0.0 { "fast" } else { "slow" }, "widest_error_percent": percent }));
    }
    let theory = crate::config::tolerance_window(8);
    Ok(json!({
        "config": "1 Mbaud 8N1 at 100 MHz, continuous stream, no jitter",
        "bytes_per_trial": bytes.len(),
        "resolution_percent": resolution / 1e4,
        "theory_percent": [theory.0 * 100.0, theory.1 * 100.0],
        "target_16x_percent": 4.3,
        "results": rows,
    }))
}

fn section_glitch(quick: bool) -> Result<Value> {
    let bytes = random_bytes(if quick { 300 } else { 3_000 }, 13);
    let mut rows = Vec::new();
    for oversample in [16u32, 8, 4] {
        let config = UartConfig {
            baud: 1_000_000,
            oversample,
            ..UartConfig::default()
        };
        let clocks_per_sample = config.validate()?.clocks_per_sample;
        let mut longest = 0;
        for clocks in 1..=(3.0 * clocks_per_sample) as u32 {
            if receiver_survives(
                &config,
                &bytes,
                0.0,
                Some((0.5, clocks)),
                100 + clocks as u64,
            )? {
                longest = clocks;
            } else {
                break;
            }
        }
        let samples = longest as f64 / clocks_per_sample;
        println!(
            "  {oversample:>2}x: glitches of up to {longest} clocks ({samples:.2} sample periods) in every other bit change no byte ({} bytes)",
            bytes.len()
        );
        rows.push(json!({ "oversample": oversample, "clocks_per_sample": clocks_per_sample, "longest_glitch_clocks": longest, "longest_glitch_samples": samples }));
    }
    Ok(json!({
        "config": "1 Mbaud 8N1 at 100 MHz; each bit has a glitch with probability 1/2, length uniform in 1..=L clocks",
        "bytes_per_trial": bytes.len(),
        "results": rows,
    }))
}

fn section_synth(results_dir: &Path) -> Result<Value> {
    let work = results_dir.join("work");
    let mut rows = Map::new();
    let seeds = [1u64, 2, 3];
    let timeout = std::time::Duration::from_secs(300);
    let config = UartConfig::default();
    for design in [
        crate::export::Design::Receiver,
        crate::export::Design::Transmitter,
        crate::export::Design::Combined,
        crate::export::Design::CombinedCfg,
        crate::export::Design::Wishbone,
        crate::export::Design::AxiLite,
    ] {
        let module = design.module_name();
        let verilog = crate::export::design_verilog(&config, design, module)?;
        // uart_axil's ~130 ports do not fit the cb132 package's I/O: the same HX8K die in
        // its ct256 package.
        let package = if design == crate::export::Design::AxiLite {
            "ct256"
        } else {
            "cb132"
        };
        println!(
            "  {module}.v ({}), {package}, nextpnr seeds 1 2 3 ...",
            config.short_name()
        );
        let figures = crate::flow::measure_resources_on(
            &verilog,
            module,
            &work.join(module),
            &seeds,
            timeout,
            package,
        )?;
        println!("{}", summary(&figures));
        rows.insert(module.into(), serde_json::to_value(&figures)?);
    }
    let (echo, top) = crate::firmware::firmware_verilog(crate::firmware::Firmware::Echo, &config)?;
    println!(
        "  echo firmware ({}), nextpnr seeds 1 2 3 ...",
        config.short_name()
    );
    let figures = crate::flow::measure_resources(&echo, &top, &work.join("echo"), &seeds, timeout)?;
    println!("{}", summary(&figures));
    rows.insert("echo".into(), serde_json::to_value(&figures)?);
    rows.insert("method".into(), json!("yosys synth_ice40; nextpnr-ice40 --hx8k --package cb132 --freq 100 --pcf-allow-unconstrained --timing-allow-fail --seed 1,2,3; medians (uart_axil: --package ct256, its ports exceed cb132's I/O)"));
    rows.insert(
        "targets".into(),
        json!({"uart_logic_cells_max": 125, "uart_fmax_mhz_median_min": 190, "uart_cfg_logic_cells_max": 170, "uart_cfg_fmax_mhz_median_min": 170, "echo_fmax_mhz_median_min": 140, "uart_wb_logic_cells_max": 400, "uart_wb_fmax_mhz_median_min": 150}),
    );
    Ok(Value::Object(rows))
}

fn summary(figures: &crate::flow::ResourceFigures) -> String {
    let value = serde_json::to_value(figures).unwrap_or_default();
    let per_seed: Vec<String> = value["seeds"]
        .as_array()
        .map(|seeds| {
            seeds
                .iter()
                .map(|s| match s["outcome"]["fmax_mhz"].as_f64() {
                    Some(fmax) => format!("seed {} {:.1} MHz", s["seed"], fmax),
                    None => format!("seed {} {}", s["seed"], s["outcome"]["result"]),
                })
                .collect()
        })
        .unwrap_or_default();
    format!(
        "    {} logic cells (median), LUT4 {}, FF {}, carry {}, BRAM {}; Fmax median {} MHz ({})",
        value["median_logic_cells"],
        value["lut4"],
        value["flip_flops"],
        value["carry"],
        value["block_rams"],
        value["median_fmax_mhz"],
        per_seed.join(", ")
    )
}

pub fn run(options: &BenchOptions) -> Result<PathBuf> {
    for section in &options.sections {
        if !SECTIONS.contains(&section.as_str()) {
            bail!(
                "bench: unknown section '{section}'; choose from {}",
                SECTIONS.join(", ")
            );
        }
    }
    // Before any section: a bench runs for minutes, and its figures are only written after.
    crate::outputs::check_folder(&options.results_dir, "--results")?;
    // The tools' work folder: removed if the bench is interrupted (crate::interrupt).
    let _work = crate::interrupt::register_scratch(&options.results_dir.join("work"), |_| Ok(()))?;
    let json_path = options.results_dir.join("results.json");
    let mut all: Map<String, Value> = match std::fs::read_to_string(&json_path) {
        Ok(text) => serde_json::from_str(&text).unwrap_or_default(),
        Err(_) => Map::new(),
    };
    let mut write_error: Option<anyhow::Error> = None;
    for section in &options.sections {
        println!(
            "bench {section}{}",
            if options.quick { " (quick)" } else { "" }
        );
        let start = Instant::now();
        let mut value = match section.as_str() {
            "sim" => section_sim(options.quick)?,
            "tolerance" => section_tolerance(options.quick)?,
            "glitch" => section_glitch(options.quick)?,
            "synth" => section_synth(&options.results_dir)?,
            "verilator" => crate::sim::regression::bench_section(
                options.quick,
                &options.results_dir.join("work"),
            )?,
            "vboard" => section_vboard(options.quick)?,
            "bridge" => {
                let (mut value, lines) =
                    crate::bridge::bench::run(if options.quick { 2 } else { 10 })?;
                value["markdown"] = json!(lines.join("\n"));
                value
            }
            "periph" => periph::section(&options.results_dir, options.quick)?,
            "soc" => section_soc(options.quick)?,
            "toolchains" => toolchains::section(options.quick, &options.results_dir)?,
            "simspeed" => simspeed::section(
                options.quick,
                &options.results_dir.join("work"),
                &options.results_dir,
            )?,
            _ => unreachable!("checked above"),
        };
        if let Value::Object(map) = &mut value {
            map.insert("quick".into(), json!(options.quick));
            map.insert(
                "measured_seconds".into(),
                json!(start.elapsed().as_secs_f64()),
            );
        }
        all.insert(section.clone(), value);
        // Written after every section, so an interrupted run keeps what it measured. A
        // failed write does not stop the bench: the figures are printed at the end instead.
        if let Err(e) =
            crate::outputs::write_atomic(&json_path, &(serde_json::to_string_pretty(&all)? + "\n"))
        {
            write_error.get_or_insert(e);
        }
    }
    let md_path = options.results_dir.join("results.md");
    let summary = markdown(&all);
    if write_error.is_none() {
        if let Err(e) = crate::outputs::write_atomic(&md_path, &summary) {
            write_error = Some(e);
        }
    }
    if let Some(e) = write_error {
        // The figures are never lost: printed when they cannot be saved.
        println!("{summary}");
        return Err(e.context(format!(
            "the results above could not be saved to {}: check the folder's permissions and \
             free space, or give another --results",
            options.results_dir.display()
        )));
    }
    println!("results: {} and {}", json_path.display(), md_path.display());
    Ok(json_path)
}

/// The virtual board's speed (needs the `host` feature, which the CLI has).
#[cfg(feature = "host")]
fn section_vboard(quick: bool) -> Result<Value> {
    let root = std::env::current_dir().context("cannot read the current folder")?;
    let (mut value, markdown) = crate::host::bench::bench_section(quick, &root)?;
    value["markdown"] = json!(markdown);
    Ok(value)
}

/// The SoC on the virtual board (`bench/soc.rs`; needs the `host` feature).
#[cfg(feature = "host")]
fn section_soc(quick: bool) -> Result<Value> {
    let root = std::env::current_dir().context("cannot read the current folder")?;
    let (mut value, markdown) = soc::run(quick, &root)?;
    value["markdown"] = json!(markdown);
    Ok(value)
}

#[cfg(not(feature = "host"))]
fn section_soc(_quick: bool) -> Result<Value> {
    bail!("bench soc: built without the `host` feature")
}

#[cfg(not(feature = "host"))]
fn section_vboard(_quick: bool) -> Result<Value> {
    bail!("bench vboard: built without the `host` feature")
}

fn markdown(all: &Map<String, Value>) -> String {
    let mut out = String::from(
        "# Benchmark results\n\nWritten by `rust-hdl-uart bench` (`make bench`); `results.json` beside this file has every figure.\n",
    );
    let f = |v: &Value| {
        v.as_f64()
            .map(|x| format!("{x:.2}"))
            .unwrap_or_else(|| v.to_string())
    };
    if let Some(sim) = all.get("sim") {
        out.push_str(&format!(
            "\n## Testbench throughput\n\n{}: {:.0} simulated cycles/s, {:.1} frames/s (single thread, release; target 1 000 000 cycles/s)\n",
            sim["config"].as_str().unwrap_or(""),
            sim["cycles_per_second"].as_f64().unwrap_or(0.0),
            sim["frames_per_second"].as_f64().unwrap_or(0.0)
        ));
    }
    if let Some(tol) = all.get("tolerance") {
        out.push_str(&format!(
            "\n## Receiver clock tolerance\n\n{}; {} random bytes per trial, all right with no flag. Theory (centre sampling): {} % / {} %. Target at 16x: 4.3 % both ways.\n\n| oversample | sender | widest error |\n|---|---|---|\n",
            tol["config"].as_str().unwrap_or(""),
            tol["bytes_per_trial"],
            f(&tol["theory_percent"][0]),
            f(&tol["theory_percent"][1])
        ));
        for row in tol["results"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "| {}x | {} | {} % |\n",
                row["oversample"],
                row["direction"].as_str().unwrap_or(""),
                f(&row["widest_error_percent"])
            ));
        }
    }
    if let Some(glitch) = all.get("glitch") {
        out.push_str(&format!(
            "\n## Glitch immunity\n\n{}; {} bytes per trial.\n\n| oversample | clocks per sample | longest glitch that changes no byte |\n|---|---|---|\n",
            glitch["config"].as_str().unwrap_or(""),
            glitch["bytes_per_trial"]
        ));
        for row in glitch["results"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "| {}x | {} | {} clocks = {} sample periods |\n",
                row["oversample"],
                f(&row["clocks_per_sample"]),
                row["longest_glitch_clocks"],
                f(&row["longest_glitch_samples"])
            ));
        }
    }
    if let Some(synth) = all.get("synth") {
        out.push_str(&format!(
            "\n## Resources and Fmax (iCE40-HX8K)\n\nMethod: {}.\n\n| design | logic cells | LUT4 | FF | carry | BRAM | Fmax min / median / max |\n|---|---|---|---|---|---|---|\n",
            synth["method"].as_str().unwrap_or("")
        ));
        for name in ["uart_rx", "uart_tx", "uart", "uart_cfg", "echo"] {
            let d = &synth[name];
            if d.is_null() {
                continue;
            }
            let fmax: Vec<f64> = d["seeds"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s["outcome"]["fmax_mhz"].as_f64())
                .collect();
            let low = fmax.iter().cloned().fold(f64::INFINITY, f64::min);
            let high = fmax.iter().cloned().fold(0.0, f64::max);
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {:.0} / {} / {:.0} MHz |\n",
                d["top_module"].as_str().unwrap_or(name),
                d["median_logic_cells"],
                d["lut4"],
                d["flip_flops"],
                d["carry"],
                d["block_rams"],
                low,
                f(&d["median_fmax_mhz"]),
                high
            ));
        }
        out.push_str("\nTargets (issue #7): `uart` (115200 8N1 16x) at most 125 logic cells and a median Fmax of at least 190 MHz (no seed under 180); `uart_cfg` at most 170 logic cells and at least 170 MHz; the echo firmware's median Fmax at least 140 MHz.\n");
    }
    for (section, title) in [
        ("vboard", "Virtual board"),
        ("bridge", "Register bridge"),
        ("periph", "Peripheral builds (cost of each switch)"),
        ("soc", "SoC on the virtual board"),
        ("toolchains", "Toolchains: Debian and YoWASP"),
    ] {
        if let Some(text) = all.get(section).and_then(|v| v["markdown"].as_str()) {
            out.push_str(&format!("\n## {title}\n\n{text}\n"));
        }
    }
    if let Some(v) = all.get("verilator") {
        out.push_str(&format!(
            "\n## Long regression on the exported Verilog (Verilator)\n\n{}, {} at {} Hz, glitches up to {} clocks.\n\n| sender error | bytes sent | received | errors | glitches | frames/s |\n|---|---|---|---|---|---|\n",
            v["design"].as_str().unwrap_or(""), v["config"].as_str().unwrap_or(""), v["clock_hz"], v["max_glitch_clocks"]
        ));
        for row in v["results"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "| {:+} % | {} | {} | {} | {} | {:.0} |\n",
                row["sender_error_percent"].as_f64().unwrap_or(0.0),
                row["bytes_sent"],
                row["bytes_received"],
                row["errors"],
                row["glitches"],
                row["frames_per_second"].as_f64().unwrap_or(0.0)
            ));
        }
    }
    for (section, value) in all {
        out.push_str(&format!("\n<details><summary>{section}: all figures</summary>\n\n```json\n{}\n```\n</details>\n", serde_json::to_string_pretty(value).unwrap_or_default()));
    }
    out
}
