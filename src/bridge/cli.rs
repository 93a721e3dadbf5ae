//! The `reg` command: `rust-hdl-uart reg read ADDR`, `reg write ADDR VALUE`, `reg dump`
//! (feature `host`). A thin layer over [`super::serial::connect`] and [`RegisterClient`].

use super::client::{ClientOptions, RegisterClient};
use super::{parse_address, parse_value, registers};
use anyhow::{anyhow, bail, Result};
use clap::{Args, Subcommand};
use std::io::{Read, Write};
use std::time::Duration;

/// Options of `rust-hdl-uart reg`.
#[derive(Args, Clone, Debug)]
pub struct RegArgs {
    /// The operation: read, write or dump.
    #[command(subcommand)]
    pub op: RegOp,
    /// Serial port of the board's UART, e.g. /dev/ttyUSB1 (or set RUST_HDL_UART_PORT)
    #[arg(long, global = true)]
    pub port: Option<String>,
    /// Baud rate the bridge firmware was built for
    #[arg(long, global = true, default_value_t = 115_200)]
    pub baud: u32,
    /// Wait per reply byte in milliseconds [default: 100 ms + twice the packets' line time]
    #[arg(long, global = true, value_name = "MS")]
    pub timeout_ms: Option<u64>,
    /// Requests sent per operation before giving up
    #[arg(long, global = true, default_value_t = 8)]
    pub attempts: u32,
}

/// What `reg` does.
#[derive(Subcommand, Clone, Debug)]
pub enum RegOp {
    /// Read a register: a name (scratch, leds, ...) or an address (0x2)
    Read {
        /// Register name or address
        address: String,
    },
    /// Write a register; prints the value it holds afterwards
    Write {
        /// Register name or address
        address: String,
        /// 32-bit value: decimal, 0x hex or 0b binary
        value: String,
    },
    /// Read every register of the map
    Dump,
}

/// Runs `reg`: parses the arguments (errors before touching the port), connects, runs
/// the operation, prints the result.
pub fn run(args: &RegArgs) -> Result<()> {
    // Parse first: a typo must not cost a round trip.
    let op = match &args.op {
        RegOp::Read { address } => Op::Read(parse_address(address).map_err(|e| anyhow!(e))?),
        RegOp::Write { address, value } => Op::Write(
            parse_address(address).map_err(|e| anyhow!(e))?,
            parse_value(value).map_err(|e| anyhow!(e))?,
        ),
        RegOp::Dump => Op::Dump,
    };
    if args.attempts == 0 {
        bail!("--attempts 0 would never send anything; use 1 or more");
    }
    if args.baud == 0 {
        bail!("--baud 0 is not a baud rate; use the firmware's, e.g. 115200");
    }
    if args.timeout_ms == Some(0) {
        bail!(
            "--timeout-ms 0 would give up before any reply could arrive; leave it out (the \
             default follows the baud, and the virtual board's speed) or give e.g. 500"
        );
    }
    let port = args.port.clone().or_else(|| {
        std::env::var("RUST_HDL_UART_PORT")
            .ok()
            .filter(|p| !p.is_empty())
    });
    let Some(port) = &port else {
        bail!(
            "no serial port given: pass --port PATH or set RUST_HDL_UART_PORT; {}",
            match super::serial::port_names().as_slice() {
                [] => "no serial port is present: is the board plugged in?".to_string(),
                names => format!(
                    "ports present: {} (the Alchitry Cu's UART is usually the second /dev/ttyUSB)",
                    names.join(", ")
                ),
            }
        );
    };
    let options = ClientOptions {
        attempts: args.attempts,
        ..ClientOptions::default()
    };
    let timeout = args.timeout_ms.map(Duration::from_millis);
    let mut client = super::serial::connect(port, args.baud, timeout, options)?;
    let stdout = std::io::stdout();
    execute(&mut client, op, &mut stdout.lock())
}

/// A parsed operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Read the register at the address.
    Read(u16),
    /// Write the value to the register at the address.
    Write(u16, u32),
    /// Read every register.
    Dump,
}

fn label(address: u16) -> String {
    match registers::by_address(address) {
        Some(r) => format!("{} (0x{address:04x})", r.name),
        None => format!("0x{address:04x}"),
    }
}

/// Runs one operation on a connected client and prints its result to `out`.
pub fn execute<T: Read + Write>(
    client: &mut RegisterClient<T>,
    op: Op,
    out: &mut impl Write,
) -> Result<()> {
    match op {
        Op::Read(address) => {
            let value = client.read(address)?;
            writeln!(out, "{} = 0x{value:08x} ({value})", label(address))?;
        }
        Op::Write(address, value) => {
            let answer = client.write(address, value)?;
            // A counter answers the count the write cleared, not what it holds now (0):
            // printed as "= N after writing", it read as the new value.
            if registers::by_address(address)
                .is_some_and(|r| r.access == registers::Access::WriteToClear)
            {
                writeln!(
                    out,
                    "{} cleared: it had counted 0x{answer:08x} ({answer}); it is 0 now \
                     (a counter: any write clears it, 0x{value:08x} was ignored)",
                    label(address)
                )?;
            } else {
                writeln!(
                    out,
                    "{} = 0x{answer:08x} ({answer}) after writing 0x{value:08x}",
                    label(address)
                )?;
            }
        }
        Op::Dump => {
            for (r, value) in client.dump()? {
                writeln!(
                    out,
                    "0x{:04x} {:<15} {} 0x{value:08x} {:>10}  {}",
                    r.address,
                    r.name,
                    r.access.short(),
                    value,
                    r.description
                )?;
            }
        }
    }
    let stats = client.stats();
    if stats.retries > 0 {
        writeln!(
            out,
            "({} retries: replies lost or corrupted on the line)",
            stats.retries
        )?;
    }
    Ok(())
}
