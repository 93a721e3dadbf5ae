//! The virtual board's speed, for the bench: the echo firmware on the virtual board, a link
//! test through its PTY, and what the simulation reached.
//!
//! Reported per configuration: simulated clocks per second while the model is clocked,
//! bytes per second echoed (as the link tester sees them through the PTY), the ratio to
//! real time (clocks per second over the simulated clock), and round-trip latency. A run
//! with any byte wrong is an error, not a figure.
//!
//! Also the Verilator model alone ([`model_speed`]): simulated clocks per CPU second of the
//! model's process on echo traffic, evaluating the rising edge only (the board's default)
//! and both edges (the harness before). CPU time, not wall time, so a busy machine shifts
//! the figure little.

use super::linktest::{link_test, LinkTestOptions};
use super::model::{BoardModel, PinChange, Run};
use super::vboard::{BoardOptions, VirtualBoard};
use crate::config::UartConfig;
use crate::firmware::Firmware;
use anyhow::{ensure, Context, Result};
use serde::Serialize;
use serde_json::json;
use std::path::Path;
use std::time::Duration;

/// One measured configuration.
#[derive(Clone, Debug, Serialize)]
pub struct VboardFigures {
    /// The simulated clock.
    pub clock_hz: u64,
    /// The UART's baud.
    pub baud: u64,
    /// Bytes streamed through the echo.
    pub bytes: u64,
    /// Simulated clocks per wall second while the model was clocked.
    pub cycles_per_second: f64,
    /// Bytes echoed per second, as the link tester saw them.
    pub bytes_per_second: f64,
    /// Simulated time over wall time while clocked (1.0 = real time).
    pub real_time_ratio: f64,
    /// Echoed bytes per second over what the line carries at this baud (both directions
    /// busy: frames per second of the configuration).
    pub line_rate_ratio: f64,
    /// Median single-byte round trip through the PTY.
    pub median_round_trip_ms: f64,
}

/// Streams `bytes` through the echo firmware on a virtual board for `config`.
pub fn measure(config: UartConfig, bytes: u64, root: &Path) -> Result<VboardFigures> {
    let options = BoardOptions::new(Firmware::Echo, config, root);
    let board = VirtualBoard::start(&options)?;
    let mut test = LinkTestOptions::new(board.path().to_string_lossy());
    test.bytes = bytes;
    test.pings = 5;
    test.progress = false;
    // Hang guard only: far beyond the slowest configuration's frame time.
    test.timeout = Duration::from_secs(60);
    let report = link_test(&test)?;
    let stats = board.stop()?;
    ensure!(
        report.passed() && stats.firmware_bugs() == 0,
        "virtual board bench at {} Hz: {}; firmware bugs {}",
        config.clock_hz,
        report.summary(),
        stats.firmware_bugs()
    );
    let frames_per_second = config.baud as f64 / config.frame_bits() as f64;
    Ok(VboardFigures {
        clock_hz: config.clock_hz,
        baud: config.baud,
        bytes,
        cycles_per_second: stats.cycles_per_second(),
        bytes_per_second: report.bytes_per_second,
        real_time_ratio: stats.cycles_per_second() / config.clock_hz as f64,
        line_rate_ratio: report.bytes_per_second / frames_per_second,
        median_round_trip_ms: report.latency.median_ms,
    })
}

/// The bench section: the bitstream's configuration (115200 8N1 at 100 MHz) and the same
/// firmware generated for a 2 MHz clock (a different configuration, labelled so), which
/// the virtual board runs faster than real time. Returns the JSON and a markdown table.
pub fn bench_section(quick: bool, root: &Path) -> Result<(serde_json::Value, String)> {
    let full = UartConfig::default();
    let slow_clock = UartConfig {
        clock_hz: 2_000_000,
        ..UartConfig::default()
    };
    let (n_full, n_slow) = if quick { (200, 1000) } else { (3000, 20_000) };
    let a = measure(full, n_full, root)?;
    let b = measure(slow_clock, n_slow, root)?;
    let mut md = String::from(
        "| virtual board (echo, 115200 8N1) | simulated clocks/s | bytes/s echoed | x real time | round trip |\n\
         |---|---:|---:|---:|---:|\n",
    );
    for (what, f) in [
        ("100 MHz clock (the bitstream's configuration)", &a),
        ("2 MHz clock (a different configuration)", &b),
    ] {
        md.push_str(&format!(
            "| {what} | {:.2} M | {:.0} | {:.3} | {:.2} ms |\n",
            f.cycles_per_second / 1e6,
            f.bytes_per_second,
            f.real_time_ratio,
            f.median_round_trip_ms
        ));
    }
    // The model alone, in CPU time: rising edge only (the board's way) against both edges.
    let target_clocks: u64 = if quick { 3_000_000 } else { 30_000_000 };
    md.push_str(
        "\n| Verilator model alone (echo traffic, 8N1 back to back) | one eval() per clock | both edges | speed-up |\n\
         |---|---:|---:|---:|\n",
    );
    let mut speeds = Vec::new();
    for (what, config) in [("100 MHz", full), ("2 MHz", slow_clock)] {
        let work_dir = super::model::default_work_dir(root, Firmware::Echo, &config);
        let model = BoardModel::build(Firmware::Echo, &config, &work_dir)?;
        let frame_clocks = (config.clock_hz / config.baud).max(1) * u64::from(config.frame_bits());
        let frames = (target_clocks / frame_clocks).max(10);
        let one = model_speed(&model, false, frames)?;
        let both = model_speed(&model, true, frames)?;
        ensure!(
            one.one_eval && !both.one_eval,
            "the model at {what} did not switch between one eval() per clock and both edges"
        );
        ensure!(
            one.changes == both.changes,
            "the model at {what} gave different pins evaluating one edge and both"
        );
        md.push_str(&format!(
            "| {what} clock, M clocks per CPU second | {:.1} | {:.1} | {:.2}x |\n",
            one.clocks_per_cpu_second() / 1e6,
            both.clocks_per_cpu_second() / 1e6,
            one.clocks_per_cpu_second() / both.clocks_per_cpu_second()
        ));
        speeds.push(json!({
            "clock_hz": config.clock_hz,
            "clocks": one.clocks,
            "one_eval_clocks_per_cpu_second": one.clocks_per_cpu_second(),
            "both_edges_clocks_per_cpu_second": both.clocks_per_cpu_second(),
        }));
    }
    Ok((
        json!({ "bitstream_config": a, "clock_2mhz": b, "model_speed": speeds }),
        md,
    ))
}

/// What [`model_speed`] measured.
#[derive(Clone, Debug)]
pub struct ModelSpeed {
    /// Clocks run.
    pub clocks: u64,
    /// CPU seconds the model's process used (user + system) for them.
    pub cpu_seconds: f64,
    /// Every `usb_tx` and LED change, in order (to compare evaluation modes).
    pub changes: Vec<PinChange>,
    /// The model evaluated only the rising edge (see [`super::model::ModelProcess::one_eval`]).
    pub one_eval: bool,
}

impl ModelSpeed {
    /// Simulated clocks per CPU second.
    pub fn clocks_per_cpu_second(&self) -> f64 {
        self.clocks as f64 / self.cpu_seconds.max(1e-9)
    }
}

/// CPU seconds (user + system) process `pid` has used, from `/proc/<pid>/stat`.
fn cpu_seconds(pid: u32) -> Result<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("cannot read the CPU time of process {pid}"))?;
    // Fields after the command name (which may hold spaces, so split after its ')').
    let rest = text
        .rsplit_once(')')
        .map(|(_, r)| r)
        .context("malformed /proc stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: u64 = fields
        .get(11..13)
        .context("malformed /proc stat")?
        .iter()
        .map(|f| f.parse::<u64>().unwrap_or(0))
        .sum();
    // SAFETY: sysconf only reads a system constant.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    Ok(ticks as f64 / per_second)
}

/// Runs `frames` frames of echo traffic (8N1 at the model's configured baud, back to back,
/// a fixed pseudo-random byte sequence) through a fresh model process, evaluating both
/// clock edges or only the rising one, and measures the model's CPU time.
pub fn model_speed(model: &BoardModel, both_edges: bool, frames: u64) -> Result<ModelSpeed> {
    let config = model.config;
    let clocks_per_bit = (config.clock_hz / config.baud).max(1);
    let mut process = model.spawn_with(both_edges)?;
    let pid = process.pid();
    let before = cpu_seconds(pid)?;
    // A frame's worth of idle line first: the receiver arms after it.
    let mut runs = vec![Run {
        cycles: clocks_per_bit * 2 * u64::from(config.frame_bits()),
        usb_rx: true,
        rst_n: true,
    }];
    let mut byte = 0x5au8;
    let mut changes = Vec::new();
    let mut sent = 0;
    while sent < frames {
        // 64 frames per batch.
        for _ in 0..64.min(frames - sent) {
            // xorshift on 8 bits would cycle short; a multiplicative step covers all 256.
            byte = byte.wrapping_mul(37).wrapping_add(11);
            let mut level = false;
            let mut length = clocks_per_bit;
            for bit in 0..9 {
                let next = if bit < 8 {
                    (byte >> bit) & 1 == 1
                } else {
                    true
                };
                if next == level {
                    length += clocks_per_bit;
                } else {
                    runs.push(Run {
                        cycles: length,
                        usb_rx: level,
                        rst_n: true,
                    });
                    level = next;
                    length = clocks_per_bit;
                }
            }
            runs.push(Run {
                cycles: length,
                usb_rx: level,
                rst_n: true,
            });
            sent += 1;
        }
        process.send(&runs)?;
        process.receive(&mut changes)?;
        runs.clear();
    }
    // The last echo leaves the transmitter.
    process.send(&[Run {
        cycles: clocks_per_bit * 2 * u64::from(config.frame_bits()),
        usb_rx: true,
        rst_n: true,
    }])?;
    let clocks = process.receive(&mut changes)?;
    let cpu = cpu_seconds(pid)? - before;
    let one_eval = process.one_eval();
    process.stop(Duration::from_secs(5))?;
    Ok(ModelSpeed {
        clocks,
        cpu_seconds: cpu,
        changes,
        one_eval,
    })
}
