//! A [`RegisterClient`] on a real serial port (feature `host`).
//!
//! Guarantees
//! - Opening names the port and the reason when it fails, and lists the serial ports
//!   present, so the fix (another `--port`, permissions) is in the message.
//! - Every read on the port is bounded by the timeout; see [`reply_timeout`] for the default.
//! - On the virtual board's PTY the default timeout follows the board's published speed
//!   ([`crate::host::vboard::board_status`]): it runs slower than real time, so a reply's
//!   line time takes longer in wall time ([`virtual_reply_timeout`]).
//! - A path that is not a serial port (a plain file, `/dev/null`) is refused with a message
//!   that says what it is, before any byte is sent.

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

/// When the virtual board's speed is not known yet (it publishes it after its first tenth of
/// a second of work): 1/50 of real time, below the slowest board measured (about 1/14 at
/// 100 MHz on a loaded 2-core machine).
pub const UNKNOWN_VIRTUAL_SPEED: f64 = 0.02;

/// Default wait for a reply byte from a virtual board running at `ratio` of real time:
/// the line time of [`reply_timeout`] stretched by 1/`ratio`, twice over (the board's speed
/// varies with the machine's load), plus the same 100 ms.
pub fn virtual_reply_timeout(baud: u32, ratio: Option<f64>) -> Duration {
    let ratio = ratio
        .filter(|r| r.is_finite() && *r > 0.0)
        .unwrap_or(UNKNOWN_VIRTUAL_SPEED)
        .min(1.0);
    let line = reply_timeout(baud) - Duration::from_millis(101);
    line.mul_f64(2.0 / ratio) + Duration::from_millis(101)
}

/// Refuses a path that cannot be a serial port, saying what it is instead.
pub fn check_port_path(path: &str) -> Result<()> {
    use std::os::unix::fs::FileTypeExt;
    let Ok(meta) = std::fs::metadata(path) else {
        // Open says why (missing, permission), with the ports present.
        return Ok(());
    };
    let what = if meta.is_file() {
        "a regular file"
    } else if meta.is_dir() {
        "a folder"
    } else if meta.file_type().is_fifo() {
        "a named pipe"
    } else if meta.file_type().is_socket() {
        "a socket"
    } else if meta.file_type().is_block_device() {
        "a block device"
    } else if meta.file_type().is_char_device() && is_not_a_terminal(path) {
        "a character device that is not a terminal (like /dev/null)"
    } else {
        return Ok(());
    };
    Err(anyhow!(
        "{path} is {what}, not a serial port: give the board's UART (on the Alchitry Cu \
         usually the second /dev/ttyUSB) or the virtual board's PTY (sim-board prints it); {}",
        present()
    ))
}

fn is_not_a_terminal(path: &str) -> bool {
    use std::os::fd::AsRawFd;
    let Ok(file) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags_nonblocking()
        .open(path)
    else {
        return false;
    };
    !nix::unistd::isatty(file.as_raw_fd()).unwrap_or(true)
}

/// `O_NONBLOCK | O_NOCTTY` on an open, so probing a device never waits for a carrier or
/// takes it as the controlling terminal.
trait NonBlocking {
    fn custom_flags_nonblocking(&mut self) -> &mut Self;
}

impl NonBlocking for std::fs::OpenOptions {
    fn custom_flags_nonblocking(&mut self) -> &mut Self {
        use std::os::unix::fs::OpenOptionsExt;
        self.custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY)
    }
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

/// Opens `path` at `baud` 8N1 with `timeout` per read (`None`: [`reply_timeout`], or
/// [`virtual_reply_timeout`] on a virtual board's PTY).
pub fn open_port(path: &str, baud: u32, timeout: Option<Duration>) -> Result<Port> {
    check_port_path(path)?;
    let timeout = timeout.unwrap_or_else(|| {
        match crate::host::vboard::board_status(std::path::Path::new(path)) {
            Some(status) => virtual_reply_timeout(baud, status.real_time_ratio),
            None => reply_timeout(baud),
        }
    });
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
