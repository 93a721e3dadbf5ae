//! The register bridge's wire format, PC side: request encoding and a streaming reply
//! decoder. An implementation separate from the firmware's (`firmware/bridge.rs`), so each
//! can be tested against the other.
//!
//! Packets (every multi-byte field most significant byte first):
//!
//! | packet | bytes |
//! |---|---|
//! | read request (7 bytes) | `A5` `01` seq addr_hi addr_lo crc_hi crc_lo |
//! | write request (11 bytes) | `A5` `02` seq addr_hi addr_lo v31..24 v23..16 v15..8 v7..0 crc_hi crc_lo |
//! | reply (9 bytes) | `5A` status seq v31..24 v23..16 v15..8 v7..0 crc_hi crc_lo |
//!
//! The CRC is CRC-16/IBM-3740 (polynomial 0x1021, initial value 0xFFFF, no reflection, no
//! final XOR; check value 0x29B1) over every byte after the start byte.
//!
//! Guarantees
//! - [`ReplyDecoder`] accepts a reply only when its start byte, length and CRC are right;
//!   it hunts for the start byte through any garbage, and after a bad CRC it resumes the
//!   hunt one byte after the rejected start byte, so a real reply hidden behind a false
//!   start byte is still found. Every byte it discards is counted.

use crc::{Crc, CRC_16_IBM_3740};

/// Start byte of a request.
pub const REQUEST_START: u8 = 0xA5;
/// Start byte of a reply.
pub const REPLY_START: u8 = 0x5A;
/// Length of a read request.
pub const READ_REQUEST_LEN: usize = 7;
/// Length of a write request.
pub const WRITE_REQUEST_LEN: usize = 11;
/// Length of a reply.
pub const REPLY_LEN: usize = 9;

/// The protocol's CRC: CRC-16/IBM-3740 (a.k.a. CRC-16/CCITT-FALSE).
pub const CRC16: Crc<u16> = Crc::<u16>::new(&CRC_16_IBM_3740);

/// CRC-16/IBM-3740 of `bytes`.
pub fn crc16(bytes: &[u8]) -> u16 {
    CRC16.checksum(bytes)
}

/// What a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Read a register.
    Read,
    /// Write a value to a register.
    Write(u32),
}

impl Command {
    /// The command byte.
    pub fn byte(self) -> u8 {
        match self {
            Command::Read => 0x01,
            Command::Write(_) => 0x02,
        }
    }
}

/// One request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// Read or write (with its value).
    pub command: Command,
    /// Sequence number: a new one for each new request, the same one for its retries.
    pub seq: u8,
    /// Register address.
    pub address: u16,
}

impl Request {
    /// The request's bytes on the wire.
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = vec![REQUEST_START, self.command.byte(), self.seq];
        bytes.extend_from_slice(&self.address.to_be_bytes());
        if let Command::Write(value) = self.command {
            bytes.extend_from_slice(&value.to_be_bytes());
        }
        let crc = crc16(&bytes[1..]);
        bytes.extend_from_slice(&crc.to_be_bytes());
        bytes
    }
}

/// Reply status byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Done; the value is the register's (after the write, for a write).
    Ok,
    /// No register at that address.
    UnknownAddress,
    /// The register is read-only; nothing was changed.
    ReadOnly,
    /// A status byte this version does not know.
    Other(u8),
}

impl Status {
    /// The status of a status byte.
    pub fn from_byte(byte: u8) -> Self {
        match byte {
            0x00 => Status::Ok,
            0x01 => Status::UnknownAddress,
            0x02 => Status::ReadOnly,
            other => Status::Other(other),
        }
    }

    /// The status byte.
    pub fn byte(self) -> u8 {
        match self {
            Status::Ok => 0x00,
            Status::UnknownAddress => 0x01,
            Status::ReadOnly => 0x02,
            Status::Other(b) => b,
        }
    }
}

/// One reply, as decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reply {
    /// What happened.
    pub status: Status,
    /// The request's sequence number.
    pub seq: u8,
    /// The register's value (0 with an error status).
    pub value: u32,
}

impl Reply {
    /// The reply's bytes on the wire (the firmware's format; tests use it to fake replies).
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = vec![REPLY_START, self.status.byte(), self.seq];
        bytes.extend_from_slice(&self.value.to_be_bytes());
        let crc = crc16(&bytes[1..]);
        bytes.extend_from_slice(&crc.to_be_bytes());
        bytes
    }
}

/// Finds replies in a byte stream that may hold garbage, partial and corrupted replies.
#[derive(Clone, Debug, Default)]
pub struct ReplyDecoder {
    buffer: Vec<u8>,
    discarded: u64,
    crc_errors: u64,
}

impl ReplyDecoder {
    /// An empty decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one byte; returns a reply when it completes one with a good CRC.
    pub fn push(&mut self, byte: u8) -> Option<Reply> {
        self.buffer.push(byte);
        loop {
            // Hunt for the start byte.
            match self.buffer.iter().position(|&b| b == REPLY_START) {
                Some(0) => {}
                Some(n) => {
                    self.discarded += n as u64;
                    self.buffer.drain(..n);
                }
                None => {
                    self.discarded += self.buffer.len() as u64;
                    self.buffer.clear();
                    return None;
                }
            }
            if self.buffer.len() < REPLY_LEN {
                return None;
            }
            let frame = &self.buffer[..REPLY_LEN];
            let crc = u16::from_be_bytes([frame[7], frame[8]]);
            if crc16(&frame[1..7]) == crc {
                let reply = Reply {
                    status: Status::from_byte(frame[1]),
                    seq: frame[2],
                    value: u32::from_be_bytes([frame[3], frame[4], frame[5], frame[6]]),
                };
                self.buffer.drain(..REPLY_LEN);
                return Some(reply);
            }
            // Not a reply after all: skip this start byte and look again in what followed.
            self.crc_errors += 1;
            self.discarded += 1;
            self.buffer.remove(0);
        }
    }

    /// Bytes thrown away so far (garbage, and replies that failed their CRC).
    pub fn discarded(&self) -> u64 {
        self.discarded
    }

    /// Candidate replies (a start byte and 8 more bytes) rejected for their CRC.
    pub fn crc_errors(&self) -> u64 {
        self.crc_errors
    }

    /// Bytes held while waiting for the rest of a reply.
    pub fn pending(&self) -> usize {
        self.buffer.len()
    }

    /// Forgets a partial reply (counted as discarded).
    pub fn clear(&mut self) {
        self.discarded += self.buffer.len() as u64;
        self.buffer.clear();
    }
}
