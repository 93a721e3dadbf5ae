//! A [`RegisterClient`] on a real serial port (feature `host`).
//!
//! Guarantees
//! - Opening names the port and the reason when it fails, and lists the serial ports
//!   present, so the fix (another `--port`, permissions) is in the message.
//! - Every read on the port is bounded by the timeout; see [`reply_timeout`] for the default.

use super::client::{ClientOptions, RegisterClient};
use anyhow::{anyhow, Context, Result};
use std::time::Duration;

/// The serial port type the client runs on.
pub type Port = Box<dyn serialport::SerialPort>;

/// Default wait for a reply byte: the request and reply at `baud` twice over, the
/// firmware's 1 ms inter-byte timeout, and 100 ms for the USB path (an FT2232H holds a
/// short packet for up to its 16 ms latency timer before sending it to the PC).
pub fn reply_timeout(baud: u32) -> Duration {
    let bytes = 2.0 * (super::protocol::WRITE_REQUEST_LEN + super::protocol::REPLY_LEN) as f64;
    let line = Duration::from_secs_f64(bytes * 10.0 / baud.max(1) as f64);
    line + Duration::from_millis(101)
}

/// Names of the serial ports present (empty when they cannot be listed).
pub fn port_names() -> Vec<String> {
    serialport::available_ports()
        .map(|ports| ports.into_iter().map(|p| p.port_name).collect())
        .unwrap_or_default()
}

fn present() -> String {
    let names = port_names();
    if names.is_empty() {
        "no serial port was found: is the board plugged in?".to_string()
    } else {
        format!(
            "ports present: {} (the Alchitry Cu's UART is usually the second /dev/ttyUSB)",
            names.join(", ")
        )
    }
}

/// Opens `path` at `baud` 8N1 with `timeout` per read (`None`: [`reply_timeout`]).
pub fn open_port(path: &str, baud: u32, timeout: Option<Duration>) -> Result<Port> {
    let timeout = timeout.unwrap_or_else(|| reply_timeout(baud));
    serialport::new(path, baud)
        .timeout(timeout)
        .data_bits(serialport::DataBits::Eight)
        .parity(serialport::Parity::None)
        .stop_bits(serialport::StopBits::One)
        .flow_control(serialport::FlowControl::None)
        .open()
        .map_err(|e| anyhow!("cannot open serial port {path}: {e}; {}", present()))
}

/// Opens the port and connects: the first operation checks that the bridge firmware
/// answers (see [`RegisterClient::connect`]).
pub fn connect(
    path: &str,
    baud: u32,
    timeout: Option<Duration>,
    options: ClientOptions,
) -> Result<RegisterClient<Port>> {
    let port = open_port(path, baud, timeout)?;
    RegisterClient::connect(port, options)
        .with_context(|| format!("talking to the register bridge on {path} at {baud} baud"))
}
