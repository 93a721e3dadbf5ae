//! Bench section `soc`: the SoC firmware (PicoRV32 running the C monitor against
//! `uart_wb`) on the virtual board, driven through its PTY by the pyserial client
//! `sim/clients/soc_monitor.py`.
//!
//! Measured, for each baud of [`BAUDS`] in turn (the SoC built for that power-up baud, at
//! its [`SOC_CLOCK_HZ`] clock): whether `echo N` of random bytes, sent back to back at line
//! rate, comes back whole and in order with the monitor's `stat` counting no lost byte and
//! no line error, and the interrupt latency the SoC's probe saw (`stat`'s `irq_clocks`:
//! clocks from the UART's `irq` rising to the handler's first read of RXDATA; the last and
//! the largest of the run). Then the interrupt latency from the line (`firmware/soc/
//! latency.rs`): clocks from the stop bit's centre of a lone byte to the handler's read of
//! RXDATA, min / median / max over [`LATENCY_BYTES`] seeded bytes at random gaps, with the
//! RX timeout as the trigger (the driver as shipped) and with RX watermark 1. The search stops at the first baud that loses anything: the
//! highest lossless baud is the one before it. A baud the peripheral cannot run at this
//! clock ends the search too (reported so). Figures, never assertions: the tests are in
//! `sim/tests/soc.rs`.
//!
//! Why a board per baud (the SoC built for that power-up baud) rather than the monitor's
//! `baud N`: each run starts from power-up, so a run that lost bytes cannot leave the next
//! one a monitor stuck in an unfinished `echo`; and the virtual board checks the SoC's
//! frames against the transmitter's bit grid only at the firmware's own baud (at another
//! PTY baud it decodes them like a PC would, without that check).

use crate::config::UartConfig;
use crate::firmware::soc::SOC_CLOCK_HZ;
use crate::firmware::Firmware;
use crate::host::{BoardOptions, VirtualBoard};
use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

/// The bauds tried, lowest first.
pub const BAUDS: [u64; 8] = [
    115_200, 230_400, 460_800, 921_600, 1_000_000, 1_500_000, 2_000_000, 3_000_000,
];

/// Seconds of silence after which the client gives up on an echo: a hang guard far beyond
/// the gap between two echoed bytes (the board runs several times slower than real time,
/// so a byte at 115200 takes ~1 ms of wall time).
const CLIENT_TIMEOUT_S: u32 = 10;

/// Bytes per latency measurement (full run, quick run).
pub const LATENCY_BYTES: (usize, usize) = (100, 20);
/// The latency's baud and seed.
pub const LATENCY_BAUD: u64 = 115_200;
/// See [`LATENCY_BAUD`].
pub const LATENCY_SEED: u64 = 20;

/// The interrupt latency from the line, both triggers: JSON and markdown.
fn latency(quick: bool, root: &Path) -> Result<(Value, String)> {
    use crate::firmware::soc::latency::{measure, probe_work_dir, LatencyOptions, Trigger};
    let bytes = if quick {
        LATENCY_BYTES.1
    } else {
        LATENCY_BYTES.0
    };
    let mut md = format!(
        "\nInterrupt latency from the line at {LATENCY_BAUD} baud: clocks from the centre of \
         a lone byte's stop bit (as driven on `usb_rx`) to the first clock of the CPU's \
         RXDATA read that takes it, {bytes} distinct bytes (seed {LATENCY_SEED}), each after \
         {:.0}-{:.0} idle bit times. Bound: derived from the hardware path, PicoRV32's \
         longest instruction and the handler's instruction count (`firmware/soc/latency.rs`).\n\n\
         | trigger | min | median | max | bound (clocks) |\n|---|---:|---:|---:|---|\n",
        crate::firmware::soc::latency::GAP_BITS.0,
        crate::firmware::soc::latency::GAP_BITS.1
    );
    let mut runs = Vec::new();
    for trigger in [Trigger::Watermark, Trigger::Timeout] {
        println!("  soc: interrupt latency, {} ...", trigger.name());
        let run = measure(&LatencyOptions {
            baud: LATENCY_BAUD,
            trigger,
            bytes,
            seed: LATENCY_SEED,
            work_dir: probe_work_dir(root, LATENCY_BAUD)?,
        })
        .with_context(|| format!("bench soc: latency with {}", trigger.name()))?;
        let (min, median, max) = run.min_median_max();
        let inside = run
            .latencies
            .iter()
            .all(|l| (run.bound.min..=run.bound.max).contains(l));
        println!(
            "  soc: {}: min {min} / median {median} / max {max} clocks{}",
            trigger.name(),
            if inside { "" } else { " (OUTSIDE THE BOUND)" }
        );
        md.push_str(&format!(
            "| {} | {min} | {median} | {max} | {}..{}{} |\n",
            trigger.name(),
            run.bound.min,
            run.bound.max,
            if inside { "" } else { " (exceeded)" }
        ));
        runs.push(json!({
            "trigger": trigger.name(),
            "baud": LATENCY_BAUD,
            "bytes": bytes,
            "seed": LATENCY_SEED,
            "min": min,
            "median": median,
            "max": max,
            "within_bound": inside,
            "bound": run.bound,
        }));
    }
    Ok((Value::Array(runs), md))
}

/// One baud's run.
struct Point {
    baud: u64,
    lossless: bool,
    why: String,
    json: Value,
}

/// The number after `name=` in the monitor's `stat` line.
fn stat_field(line: &str, name: &str) -> Option<u64> {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.parse().ok())
}

fn measure(baud: u64, bytes: usize, root: &Path) -> Result<Point> {
    let board_config = UartConfig {
        baud,
        ..UartConfig::default()
    };
    let config = Firmware::Soc.uart_config(&board_config)?;
    if let Err(err) = config.validate() {
        return Ok(Point {
            baud,
            lossless: false,
            why: format!("not a configuration of the peripheral: {err:#}"),
            json: json!({ "baud": baud, "lossless": false, "error": format!("{err:#}") }),
        });
    }
    let python = root.join(".venv").join("bin").join("python");
    if !python.is_file() {
        bail!(
            "bench soc: {} is missing; run `make tools` (it makes .venv with pyserial)",
            python.display()
        );
    }
    let options = BoardOptions::new(Firmware::Soc, config, root);
    let board = VirtualBoard::start(&options)
        .with_context(|| format!("bench soc: starting the virtual board at {baud} baud"))?;
    let output = Command::new(&python)
        .arg(root.join("sim/clients/soc_monitor.py"))
        .args(["--port", &board.path().to_string_lossy()])
        .args(["--baud", &baud.to_string()])
        .args(["--timeout", &CLIENT_TIMEOUT_S.to_string()])
        .args(["quiet", &format!("echo:{bytes}:1"), "cmd:stat"])
        .output()
        .context("bench soc: cannot run sim/clients/soc_monitor.py")?;
    let stats = board.stop()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let client: Value = serde_json::from_str(text.trim()).with_context(|| {
        format!(
            "bench soc: the client printed {text:?}; stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })?;
    let echo = &client["steps"][1];
    let received = echo["received"].as_u64().unwrap_or(0);
    let mismatched = echo["mismatched"].as_u64().unwrap_or(0);
    let stat = client["steps"][2]["reply"].as_str().unwrap_or("");
    let stat_line = stat.lines().nth(1).unwrap_or("");
    let field = |name| stat_field(stat_line, name);
    let mut why = Vec::new();
    if received != bytes as u64 {
        why.push(format!("{received} of {bytes} bytes came back"));
    }
    if mismatched != 0 {
        why.push(format!("{mismatched} bytes wrong"));
    }
    match (field("lost"), field("line_errors")) {
        (Some(0), Some(0)) => {}
        (Some(lost), Some(errors)) => why.push(format!("stat: lost={lost} line_errors={errors}")),
        _ => why.push(format!("no stat answer ({stat:?})")),
    }
    if stats.firmware_bugs() != 0 {
        why.push(format!(
            "{} malformed frames or timing errors from the SoC",
            stats.firmware_bugs()
        ));
    }
    let lossless = why.is_empty();
    Ok(Point {
        baud,
        lossless,
        why: why.join("; "),
        json: json!({
            "baud": baud,
            "bytes": bytes,
            "lossless": lossless,
            "received": received,
            "mismatched": mismatched,
            "lost": field("lost"),
            "line_errors": field("line_errors"),
            "irqs": field("irqs"),
            "irq_clocks_last": field("irq_clocks"),
            "irq_clocks_max": field("irq_clocks_max"),
            "firmware_bugs": stats.firmware_bugs(),
            "simulated_clocks_per_second": stats.cycles_per_second(),
        }),
    })
}

/// Runs the section from `root` (the crate's folder: `.venv`, `sim/clients`); returns the
/// JSON and a markdown table.
pub fn run(quick: bool, root: &Path) -> Result<(Value, String)> {
    let (bauds, bytes): (&[u64], usize) = if quick {
        (&[115_200, 1_000_000], 200)
    } else {
        (&BAUDS, 2000)
    };
    let mut points = Vec::new();
    for &baud in bauds {
        println!("  soc: echo {bytes} at {baud} baud ...");
        let point = measure(baud, bytes, root)?;
        println!(
            "  soc: {baud} baud {}",
            if point.lossless {
                "lossless".to_string()
            } else {
                format!("loses: {}", point.why)
            }
        );
        let stop = !point.lossless;
        points.push(point);
        if stop {
            break;
        }
    }
    let highest = points
        .iter()
        .take_while(|p| p.lossless)
        .last()
        .map(|p| p.baud);
    let mut md = format!(
        "SoC ({} MHz PicoRV32, C monitor, interrupt-driven rings) on the virtual board, \
         `echo {bytes}` of random bytes sent back to back; interrupt latency = clocks from \
         the UART's irq rising to the handler's first RXDATA read (last / largest).\n\n\
         | baud | echo | irqs | latency last / max (clocks) |\n|---:|---|---:|---|\n",
        SOC_CLOCK_HZ / 1_000_000
    );
    for p in &points {
        let j = &p.json;
        md.push_str(&format!(
            "| {} | {} | {} | {} / {} |\n",
            p.baud,
            if p.lossless {
                "lossless".to_string()
            } else {
                p.why.clone()
            },
            j["irqs"],
            j["irq_clocks_last"],
            j["irq_clocks_max"]
        ));
    }
    md.push_str(&format!(
        "\nHighest lossless baud tried: {}.\n",
        highest.map_or("none".to_string(), |b| b.to_string())
    ));
    let (latency, latency_md) = latency(quick, root)?;
    md.push_str(&latency_md);
    let value = json!({
        "latency_from_stop_bit": latency,
        "clock_hz": SOC_CLOCK_HZ,
        "bytes": bytes,
        "highest_lossless_baud": highest,
        "points": points.iter().map(|p| p.json.clone()).collect::<Vec<_>>(),
    });
    Ok((value, md))
}
