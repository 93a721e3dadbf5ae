//! The virtual board's speed, for the bench: the echo firmware on the virtual board, a link
//! test through its PTY, and what the simulation reached.
//!
//! Reported per configuration: simulated clocks per second while the model is clocked,
//! bytes per second echoed (as the link tester sees them through the PTY), the ratio to
//! real time (clocks per second over the simulated clock), and round-trip latency. A run
//! with any byte wrong is an error, not a figure.

use super::linktest::{link_test, LinkTestOptions};
use super::vboard::{BoardOptions, VirtualBoard};
use crate::config::UartConfig;
use crate::firmware::Firmware;
use anyhow::{ensure, Result};
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
    Ok((json!({ "bitstream_config": a, "clock_2mhz": b }), md))
}
