//! [`RegisterClient`]: reads and writes the bridge firmware's registers over any byte
//! transport (`Read + Write`) whose `read` returns `TimedOut`, `WouldBlock` or 0 bytes when
//! nothing arrives within its timeout — a serial port with a timeout, or a simulated line.
//!
//! Guarantees
//! - Each operation gets a new sequence number; its retries reuse it. A reply counts only if
//!   its start byte, length and CRC are right and its sequence number is the operation's:
//!   a late reply to an earlier operation is recognised and dropped, never taken as this
//!   one's answer.
//! - An attempt ends when a reply arrives, when the transport times out, or when
//!   [`ClientOptions::max_reply_bytes`] bytes arrived with no reply (a line full of noise
//!   cannot keep it waiting). After [`ClientOptions::attempts`] attempts the operation fails
//!   with [`BridgeError::NoReply`]. Nothing blocks longer than the transport's timeout per
//!   read.
//! - Retrying never causes a wrong or repeated effect: the firmware executes a request only
//!   with a good CRC, and answers a retry of the request it executed last from its memory
//!   instead of executing it again (see the README's "Register bridge").
//! - A definite answer (unknown address, read-only register) is returned as an error at
//!   once, not retried.
//! - A request that comes back byte for byte is an echo (the echo firmware, or a loopback),
//!   not the bridge: the operation fails at once with [`BridgeError::Echo`] (the bridge's
//!   replies start with another byte, so it never sends a request's bytes).
//! - The first operation of a client is a read of `ID` ([`RegisterClient::connect`]): it
//!   checks that the bridge firmware answers and speaks this protocol version, and — as a
//!   request whose repetition is harmless — it replaces whatever request the firmware
//!   remembers from an earlier client, so this client's later requests can never be taken
//!   for retries of that one.

use super::protocol::{Command, Reply, ReplyDecoder, Request, Status};
use super::registers::{self, Register};
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read, Write};

/// How hard the client tries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientOptions {
    /// Requests sent per operation before giving up (at least 1).
    pub attempts: u32,
    /// Bytes read per attempt without finding the reply before the attempt is given up.
    pub max_reply_bytes: usize,
    /// Sequence number before the first request (each request adds 1); `None` picks one at
    /// random.
    pub first_seq: Option<u8>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            attempts: 8,
            max_reply_bytes: 256,
            first_seq: None,
        }
    }
}

/// What the client has seen so far: tests use it to check that every fault was detected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// Operations started.
    pub operations: u64,
    /// Requests sent (first attempts and retries).
    pub requests_sent: u64,
    /// Requests sent again because the previous attempt got no valid reply.
    pub retries: u64,
    /// Attempts that ended without a valid reply to them.
    pub attempts_failed: u64,
    /// Valid replies with another operation's sequence number, dropped.
    pub stale_replies: u64,
    /// Operations that failed after every attempt.
    pub operations_failed: u64,
}

/// Why an operation failed.
#[derive(Debug)]
pub enum BridgeError {
    /// The transport failed (not a timeout: the port is gone or refused the write).
    Io {
        /// What the client was doing.
        during: &'static str,
        /// The transport's error.
        source: io::Error,
    },
    /// No valid reply after every attempt.
    NoReply {
        /// The operation.
        what: String,
        /// Attempts made.
        attempts: u32,
    },
    /// The firmware answered with an error status.
    Rejected {
        /// The operation.
        what: String,
        /// The status it answered.
        status: Status,
    },
    /// Something answered `ID` with the wrong value.
    NotABridge {
        /// What `ID` read.
        id: u32,
    },
    /// The firmware speaks another protocol version.
    WrongVersion {
        /// What `VERSION` read.
        version: u32,
    },
    /// The request came back unchanged: the far end echoes.
    Echo {
        /// The operation.
        what: String,
    },
}

impl fmt::Display for BridgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BridgeError::Io { during, source } => write!(
                f,
                "serial port failed while {during}: {source}; check that the board is still \
                 connected and no other program holds the port"
            ),
            BridgeError::NoReply { what, attempts } => write!(
                f,
                "no valid reply to {what} after {attempts} attempts; check that the register \
                 bridge firmware is flashed (rust-hdl-uart build --firmware bridge, then flash \
                 --firmware bridge), that this is the board's UART port (on the Alchitry Cu \
                 usually the second /dev/ttyUSB), and that --baud is the firmware's"
            ),
            BridgeError::Rejected { what, status } => match status {
                Status::UnknownAddress => write!(
                    f,
                    "{what}: no register at that address; `rust-hdl-uart reg dump` lists them"
                ),
                Status::ReadOnly => write!(
                    f,
                    "{what}: the register is read-only, nothing was written; `rust-hdl-uart \
                     reg dump` shows which registers are writable"
                ),
                other => write!(
                    f,
                    "{what}: the firmware answered status 0x{:02x}, which this version does \
                     not know; update rust-hdl-uart to the firmware's version",
                    other.byte()
                ),
            },
            BridgeError::NotABridge { id } => write!(
                f,
                "the device answered but its ID register reads 0x{id:08x}, not 0x{:08x}: it is \
                 not the register bridge firmware; flash it with rust-hdl-uart flash \
                 --firmware bridge",
                registers::ID_VALUE
            ),
            BridgeError::Echo { what } => write!(
                f,
                "{what}: the request came back byte for byte: this is an echo (the echo \
                 firmware, or a loopback), not the register bridge; flash the bridge with \
                 rust-hdl-uart build --firmware bridge, then flash --firmware bridge (on the \
                 virtual board: sim-board --firmware bridge)"
            ),
            BridgeError::WrongVersion { version } => write!(
                f,
                "the bridge firmware speaks protocol version {version}, this program version \
                 {}; rebuild and flash the firmware with this program",
                registers::PROTOCOL_VERSION
            ),
        }
    }
}

impl std::error::Error for BridgeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BridgeError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Reads and writes the bridge firmware's registers (see the module documentation).
pub struct RegisterClient<T: Read + Write> {
    transport: T,
    options: ClientOptions,
    seq: u8,
    decoder: ReplyDecoder,
    stats: ClientStats,
}

fn describe(command: Command, address: u16) -> String {
    let name = registers::by_address(address)
        .map(|r| format!(" ({})", r.name))
        .unwrap_or_default();
    match command {
        Command::Read => format!("read of 0x{address:04x}{name}"),
        Command::Write(v) => format!("write of 0x{v:08x} to 0x{address:04x}{name}"),
    }
}

impl<T: Read + Write> RegisterClient<T> {
    /// A client over `transport` that has sent nothing yet. Prefer [`Self::connect`]: see
    /// the module documentation for why the first operation should read `ID`.
    pub fn new(transport: T, options: ClientOptions) -> Self {
        let seq = options.first_seq.unwrap_or_else(|| {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u32(std::process::id());
            h.finish() as u8
        });
        Self {
            transport,
            options,
            seq,
            decoder: ReplyDecoder::new(),
            stats: ClientStats::default(),
        }
    }

    /// A client whose first operation read `ID` and `VERSION` and found the bridge firmware.
    pub fn connect(transport: T, options: ClientOptions) -> Result<Self, BridgeError> {
        let mut client = Self::new(transport, options);
        client.check_identity()?;
        Ok(client)
    }

    /// Reads `ID` and `VERSION`; an error unless they are this protocol's.
    pub fn check_identity(&mut self) -> Result<(), BridgeError> {
        let id = self.read(registers::ID)?;
        if id != registers::ID_VALUE {
            return Err(BridgeError::NotABridge { id });
        }
        let version = self.read(registers::VERSION)?;
        if version != registers::PROTOCOL_VERSION {
            return Err(BridgeError::WrongVersion { version });
        }
        Ok(())
    }

    /// Reads the register at `address`.
    pub fn read(&mut self, address: u16) -> Result<u32, BridgeError> {
        Ok(self.transact(Command::Read, address)?.value)
    }

    /// Writes `value` to the register at `address`; returns what the register holds after
    /// the write (for `LEDS` only the low 8 bits), or for a counter the count the write
    /// cleared (read-and-clear in one request).
    pub fn write(&mut self, address: u16, value: u32) -> Result<u32, BridgeError> {
        Ok(self.transact(Command::Write(value), address)?.value)
    }

    /// Reads every register of the map, in address order.
    pub fn dump(&mut self) -> Result<Vec<(Register, u32)>, BridgeError> {
        registers::REGISTERS
            .iter()
            .map(|r| Ok((*r, self.read(r.address)?)))
            .collect()
    }

    /// What the client has seen so far.
    pub fn stats(&self) -> ClientStats {
        self.stats
    }

    /// Bytes the reply decoder threw away (garbage, corrupted replies).
    pub fn discarded_bytes(&self) -> u64 {
        self.decoder.discarded()
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, mutable (tests change fault settings between operations).
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Gives the transport back.
    pub fn into_inner(self) -> T {
        self.transport
    }

    /// One operation: send, wait for its reply, retry on silence. Returns an OK reply.
    fn transact(&mut self, command: Command, address: u16) -> Result<Reply, BridgeError> {
        self.seq = self.seq.wrapping_add(1);
        self.stats.operations += 1;
        let request = Request {
            command,
            seq: self.seq,
            address,
        };
        let bytes = request.encode();
        let attempts = self.options.attempts.max(1);
        for attempt in 0..attempts {
            if attempt > 0 {
                self.stats.retries += 1;
            }
            self.stats.requests_sent += 1;
            self.transport
                .write_all(&bytes)
                .and_then(|()| self.transport.flush())
                .map_err(|source| BridgeError::Io {
                    during: "sending a request",
                    source,
                })?;
            if let Some(reply) = self.await_reply(request.seq, &bytes, command, address)? {
                return match reply.status {
                    Status::Ok => Ok(reply),
                    status => Err(BridgeError::Rejected {
                        what: describe(command, address),
                        status,
                    }),
                };
            }
            self.stats.attempts_failed += 1;
            // A partial reply left over from this attempt must not be completed by bytes of
            // the next one.
            self.decoder.clear();
        }
        self.stats.operations_failed += 1;
        Err(BridgeError::NoReply {
            what: describe(command, address),
            attempts,
        })
    }

    /// Reads until the reply with `seq` arrives (`Some`), or the transport times out or
    /// the byte bound is reached (`None`); an error when `request` comes back unchanged.
    fn await_reply(
        &mut self,
        seq: u8,
        request: &[u8],
        command: Command,
        address: u16,
    ) -> Result<Option<Reply>, BridgeError> {
        let mut byte = [0u8; 1];
        let mut received = 0usize;
        // The last bytes received, to recognise the request coming back.
        let mut recent = std::collections::VecDeque::with_capacity(request.len());
        while received < self.options.max_reply_bytes {
            match self.transport.read(&mut byte) {
                Ok(0) => return Ok(None),
                Ok(_) => {
                    received += 1;
                    if recent.len() == request.len() {
                        recent.pop_front();
                    }
                    recent.push_back(byte[0]);
                    if recent.len() == request.len() && recent.iter().eq(request.iter()) {
                        self.stats.operations_failed += 1;
                        return Err(BridgeError::Echo {
                            what: describe(command, address),
                        });
                    }
                    if let Some(reply) = self.decoder.push(byte[0]) {
                        if reply.seq == seq {
                            return Ok(Some(reply));
                        }
                        self.stats.stale_replies += 1;
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                    ) =>
                {
                    return Ok(None)
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(BridgeError::Io {
                        during: "waiting for a reply",
                        source,
                    })
                }
            }
        }
        Ok(None)
    }
}
