//! The register bridge, PC side: the protocol ([`protocol`]), the register map
//! ([`registers`]), a client over any byte transport ([`client`]), the bench of register
//! operations per second in simulated time ([`mod@bench`]), a serial-port constructor
//! and the `reg` command (feature `host`).
//!
//! The FPGA side is `firmware/bridge.rs`: a separate implementation of the same protocol,
//! so the tests check each against the other and both against fixed vectors.

pub mod bench;
pub mod client;
pub mod protocol;
pub mod registers;

#[cfg(feature = "host")]
pub mod cli;
#[cfg(feature = "host")]
pub mod serial;

pub use client::{BridgeError, ClientOptions, ClientStats, RegisterClient};
pub use protocol::{Command, Reply, ReplyDecoder, Request, Status};
pub use registers::{Access, Register, REGISTERS};

/// Parses a register address: a register name from [`REGISTERS`] (any case), or a number
/// (decimal, `0x` hex or `0b` binary, `_` allowed) below 0x10000. The error names the
/// problem and lists the names.
pub fn parse_address(text: &str) -> Result<u16, String> {
    if let Some(register) = registers::by_name(text) {
        return Ok(register.address);
    }
    let names = REGISTERS
        .iter()
        .map(|r| r.name)
        .collect::<Vec<_>>()
        .join(", ");
    match parse_number(text) {
        Some(n) if n <= u16::MAX as u64 => Ok(n as u16),
        Some(n) => Err(format!(
            "address '{text}' ({n:#x}) is beyond the 16-bit address space; use 0 to 0xffff or \
             a register name ({names})"
        )),
        None => Err(format!(
            "address '{text}' is neither a register name nor a number; use a name ({names}) \
             or a number such as 0x2 or 2"
        )),
    }
}

/// Parses a 32-bit register value: decimal, `0x` hex or `0b` binary, `_` allowed.
pub fn parse_value(text: &str) -> Result<u32, String> {
    match parse_number(text) {
        Some(n) if n <= u32::MAX as u64 => Ok(n as u32),
        Some(n) => Err(format!(
            "value '{text}' ({n:#x}) does not fit in 32 bits; use 0 to 0xffffffff"
        )),
        None => Err(format!(
            "value '{text}' is not a number; use decimal (42), hex (0x2a) or binary (0b101010)"
        )),
    }
}

fn parse_number(text: &str) -> Option<u64> {
    let cleaned: String = text.trim().chars().filter(|&c| c != '_').collect();
    let lower = cleaned.to_ascii_lowercase();
    let (digits, radix) = if let Some(hex) = lower.strip_prefix("0x") {
        (hex, 16)
    } else if let Some(bin) = lower.strip_prefix("0b") {
        (bin, 2)
    } else {
        (lower.as_str(), 10)
    };
    if digits.is_empty() {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}
