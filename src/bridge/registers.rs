//! The register map, as the PC side knows it (the firmware's own copy is in
//! `firmware/bridge.rs`; the tests check that the two agree).

/// How a register may be accessed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Reads only; a write is answered READ_ONLY and changes nothing.
    ReadOnly,
    /// Reads and writes.
    ReadWrite,
    /// A counter: reads its count; any write clears it to 0 and answers the count it cleared.
    WriteToClear,
}

impl Access {
    /// Short form for listings: `ro`, `rw`, `w1c`-style `wc`.
    pub fn short(self) -> &'static str {
        match self {
            Access::ReadOnly => "ro",
            Access::ReadWrite => "rw",
            Access::WriteToClear => "wc",
        }
    }
}

/// One register of the bridge firmware.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Register {
    /// Name used on the command line (lower case).
    pub name: &'static str,
    /// Word address.
    pub address: u16,
    /// Access rules.
    pub access: Access,
    /// What it holds.
    pub description: &'static str,
}

/// `ID`'s fixed value: ASCII "RHUB".
pub const ID_VALUE: u32 = 0x5248_5542;
/// The protocol version this library speaks (the `VERSION` register).
pub const PROTOCOL_VERSION: u32 = 1;

/// Address of `ID`.
pub const ID: u16 = 0x0000;
/// Address of `VERSION`.
pub const VERSION: u16 = 0x0001;
/// Address of `SCRATCH`.
pub const SCRATCH: u16 = 0x0002;
/// Address of `LEDS`.
pub const LEDS: u16 = 0x0003;
/// Address of `COUNTER`.
pub const COUNTER: u16 = 0x0004;
/// Address of `CLOCK_HZ`.
pub const CLOCK_HZ: u16 = 0x0005;
/// Address of the first link error counter.
pub const LINK_COUNTERS: u16 = 0x0010;
/// Addresses reserved for the UART peripheral's registers (answered UNKNOWN_ADDRESS until
/// it exists).
pub const UART_PERIPHERAL: std::ops::Range<u16> = 0x0100..0x0200;

/// Every register, in address order.
pub const REGISTERS: &[Register] = &[
    Register {
        name: "id",
        address: ID,
        access: Access::ReadOnly,
        description: "0x52485542, ASCII \"RHUB\": this is the register bridge",
    },
    Register {
        name: "version",
        address: VERSION,
        access: Access::ReadOnly,
        description: "protocol version (1)",
    },
    Register {
        name: "scratch",
        address: SCRATCH,
        access: Access::ReadWrite,
        description: "free for the user; no effect",
    },
    Register {
        name: "leds",
        address: LEDS,
        access: Access::ReadWrite,
        description: "bits 7:0 drive led[7:0]; bits 31:8 read as 0",
    },
    Register {
        name: "counter",
        address: COUNTER,
        access: Access::ReadOnly,
        description: "clocks since power-up or reset (wraps)",
    },
    Register {
        name: "clock_hz",
        address: CLOCK_HZ,
        access: Access::ReadOnly,
        description: "the clock the firmware was built for, in Hz",
    },
    Register {
        name: "framing_errors",
        address: 0x0010,
        access: Access::WriteToClear,
        description: "received frames with a bad stop bit",
    },
    Register {
        name: "parity_errors",
        address: 0x0011,
        access: Access::WriteToClear,
        description: "received frames with a bad parity bit",
    },
    Register {
        name: "breaks",
        address: 0x0012,
        access: Access::WriteToClear,
        description: "breaks on the receive line",
    },
    Register {
        name: "crc_errors",
        address: 0x0013,
        access: Access::WriteToClear,
        description: "requests dropped for a bad CRC",
    },
    Register {
        name: "timeouts",
        address: 0x0014,
        access: Access::WriteToClear,
        description: "partial requests dropped after the inter-byte timeout",
    },
    Register {
        name: "garbage",
        address: 0x0015,
        access: Access::WriteToClear,
        description: "bytes outside a request that were not a start byte",
    },
    Register {
        name: "bad_commands",
        address: 0x0016,
        access: Access::WriteToClear,
        description: "requests with an unknown command byte, dropped",
    },
    Register {
        name: "busy_drops",
        address: 0x0017,
        access: Access::WriteToClear,
        description: "bytes received while a request was executed or answered",
    },
    Register {
        name: "replays",
        address: 0x0018,
        access: Access::WriteToClear,
        description: "retried requests answered from the duplicate cache, not re-executed",
    },
];

/// The register with this name (any case).
pub fn by_name(name: &str) -> Option<&'static Register> {
    REGISTERS
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(name.trim()))
}

/// The register at this address.
pub fn by_address(address: u16) -> Option<&'static Register> {
    REGISTERS.iter().find(|r| r.address == address)
}
