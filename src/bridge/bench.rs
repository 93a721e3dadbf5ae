//! Register operations per second, measured in simulated time: the host library
//! ([`RegisterClient`]) drives the bridge firmware simulated cycle by cycle at its pins
//! ([`SimLink`]: rust-hdl's simulator, the independent line model on both pins, a clean
//! line). The rate is `operations × clock_hz / clocks simulated` from sending the first
//! request to receiving the last reply, so it counts the line time of both packets and the
//! firmware's own latency, and nothing of the machine running the simulation. The simulated
//! host answers with zero turnaround; a real PC adds its USB latency per operation (an
//! FT2232H's latency timer holds a short reply for 1–16 ms unless it is lowered).

use super::client::{ClientOptions, RegisterClient};
use super::protocol::{READ_REQUEST_LEN, REPLY_LEN, WRITE_REQUEST_LEN};
use super::registers;
use crate::sim::bridge::SimLink;
use crate::UartConfig;
use anyhow::{ensure, Context, Result};
use serde_json::json;

/// One configuration's figures.
#[derive(Clone, Debug, PartialEq)]
pub struct OpsRate {
    /// The UART configuration.
    pub config: UartConfig,
    /// Reads per second.
    pub reads_per_s: f64,
    /// Writes per second.
    pub writes_per_s: f64,
    /// The packets' line time for reads: baud / bits per frame / bytes per read. The
    /// measured rate can exceed it by up to one bit per operation, because the firmware
    /// and the host each act at the centre of the last stop bit, not its end.
    pub read_line_limit_per_s: f64,
    /// The packets' line time for writes (see `read_line_limit_per_s`).
    pub write_line_limit_per_s: f64,
}

/// Measures `ops` reads and `ops` writes of `SCRATCH` at `config` (see the module docs).
pub fn measure(config: &UartConfig, ops: usize) -> Result<OpsRate> {
    ensure!(ops > 0, "measure at least one operation");
    let link = SimLink::new(config, 1)
        .with_context(|| format!("bridge firmware at {}", config.short_name()))?;
    let options = ClientOptions {
        first_seq: Some(0),
        attempts: 1,
        ..ClientOptions::default()
    };
    let mut client = RegisterClient::connect(link, options)?;
    let clock_hz = config.clock_hz as f64;
    let start = client.transport().cycles();
    for i in 0..ops {
        client.write(registers::SCRATCH, i as u32)?;
    }
    let writes = client.transport().cycles() - start;
    let start = client.transport().cycles();
    for i in 0..ops {
        let value = client.read(registers::SCRATCH)?;
        ensure!(value == ops as u32 - 1, "read {value} at {i}");
    }
    let reads = client.transport().cycles() - start;
    ensure!(client.stats().retries == 0, "a clean line needed retries");
    let frame_bits = config.frame_bits() as f64;
    let bytes_per_s = config.baud as f64 / frame_bits;
    Ok(OpsRate {
        config: *config,
        reads_per_s: ops as f64 * clock_hz / reads as f64,
        writes_per_s: ops as f64 * clock_hz / writes as f64,
        read_line_limit_per_s: bytes_per_s / (READ_REQUEST_LEN + REPLY_LEN) as f64,
        write_line_limit_per_s: bytes_per_s / (WRITE_REQUEST_LEN + REPLY_LEN) as f64,
    })
}

/// The bench section: register operations per second at 115200 (16x) and 3 Mbaud (8x),
/// 8N1, 100 MHz, as JSON and as markdown lines.
pub fn run(ops: usize) -> Result<(serde_json::Value, Vec<String>)> {
    let configs = [
        UartConfig {
            baud: 115_200,
            oversample: 16,
            ..UartConfig::default()
        },
        UartConfig {
            baud: 3_000_000,
            oversample: 8,
            ..UartConfig::default()
        },
    ];
    let mut rows = Vec::new();
    let mut md = vec![
        "| configuration | reads/s | writes/s | line limit reads/s | line limit writes/s |"
            .to_string(),
        "|---|---:|---:|---:|---:|".to_string(),
    ];
    for config in configs {
        let rate = measure(&config, ops)?;
        rows.push(json!({
            "config": config.short_name(),
            "baud": config.baud,
            "reads_per_s": rate.reads_per_s,
            "writes_per_s": rate.writes_per_s,
            "read_line_limit_per_s": rate.read_line_limit_per_s,
            "write_line_limit_per_s": rate.write_line_limit_per_s,
        }));
        md.push(format!(
            "| {} | {:.0} | {:.0} | {:.0} | {:.0} |",
            config.short_name(),
            rate.reads_per_s,
            rate.writes_per_s,
            rate.read_line_limit_per_s,
            rate.write_line_limit_per_s
        ));
    }
    md.push(format!(
        "Bytes per operation: read {} ({READ_REQUEST_LEN} request + {REPLY_LEN} reply), write {} \
         ({WRITE_REQUEST_LEN} + {REPLY_LEN}). Simulated time, {ops} operations each, host with \
         zero turnaround (a PC adds its USB latency per operation). The line limit is baud / 10 / \
         bytes; a rate slightly above it is real: each side acts at the centre of the last stop \
         bit.",
        READ_REQUEST_LEN + REPLY_LEN,
        WRITE_REQUEST_LEN + REPLY_LEN
    ));
    let value = json!({
        "method": "simulated time: RegisterClient against the bridge firmware simulated cycle by \
                   cycle (rust-hdl) through the line model; ops x clock_hz / clocks",
        "operations_each": ops,
        "bytes_per_read": READ_REQUEST_LEN + REPLY_LEN,
        "bytes_per_write": WRITE_REQUEST_LEN + REPLY_LEN,
        "rates": rows,
    });
    Ok((value, md))
}
