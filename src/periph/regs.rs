//! The peripheral's register map, defined once.
//!
//! Every register and field below is a `pub const` (so rustdoc shows the map and firmware
//! in Rust on a soft CPU uses the constants directly), and [`REGISTERS`] lists them. From
//! that one list come:
//! - the RTL decode: [`crate::periph::uart_periph::UartPeriph::new`] takes each register's
//!   offset and each field's position from these constants into `Constant`s, so the
//!   decode cannot disagree with the documentation;
//! - the C header `include/uart_regs.h` ([`c_header`]);
//! - the README's register table ([`markdown_table`]).
//!
//! Tests check that the committed header and the README's table equal what this module
//! generates (`UART_REGEN=1 cargo test --release --test sim periph::regs` rewrites them),
//! that no two registers share an offset and that no two fields of a register overlap.
//!
//! Conventions: offsets are in 32-bit words (byte address = 4 × offset); bits not listed
//! read 0 and ignore writes. A write changes only the bytes whose lanes are enabled
//! (`wstrb` / `wb_sel`), so a byte store never corrupts the bytes around it (a field
//! wider than a byte takes the enabled bytes' bits). FIFO-level fields are 16 bits
//! wide; bits above log2(depth) read 0.

use std::fmt::Write;

/// How software may access a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read and write.
    Rw,
    /// Read only; writes are ignored.
    Ro,
    /// Write only (an action); reads return 0.
    Wo,
    /// Reads the flag; writing 1 clears it, writing 0 leaves it.
    W1c,
    /// Reading has a side effect (pops the RX FIFO).
    ReadPops,
}

impl Access {
    /// The short name used in the tables and the header.
    pub const fn name(self) -> &'static str {
        match self {
            Access::Rw => "RW",
            Access::Ro => "RO",
            Access::Wo => "WO",
            Access::W1c => "W1C",
            Access::ReadPops => "RO, read pops",
        }
    }
}

/// A field's value after `reset` (and at power-up).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reset {
    /// This value.
    Value(u32),
    /// Taken from the build's configuration; the text says how.
    Config(&'static str),
    /// Follows an input (a pin); no fixed value.
    Live,
}

/// One field of a register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    /// Upper-case name, unique within its register.
    pub name: &'static str,
    /// Lowest bit.
    pub lsb: u32,
    /// Width in bits.
    pub width: u32,
    /// How software may access it.
    pub access: Access,
    /// Value after reset.
    pub reset: Reset,
    /// What it means (one sentence or two; Markdown).
    pub doc: &'static str,
}

impl Field {
    /// The field's bits in place: `((1 << width) - 1) << lsb`.
    pub const fn mask(&self) -> u32 {
        (((1u64 << self.width) - 1) << self.lsb) as u32
    }

    /// The field's value in a register word.
    pub const fn get(&self, word: u32) -> u32 {
        (word & self.mask()) >> self.lsb
    }

    /// `value` placed in the field (bits that do not fit are dropped).
    pub const fn put(&self, value: u32) -> u32 {
        (value << self.lsb) & self.mask()
    }

    /// The highest bit.
    pub const fn msb(&self) -> u32 {
        self.lsb + self.width - 1
    }

    /// The byte lanes (bit 0 = bits 7:0) this field touches: the write-strobe bits that
    /// change its bits.
    pub const fn lanes(&self) -> u32 {
        let first = self.lsb / 8;
        let last = self.msb() / 8;
        ((1u32 << (last + 1)) - 1) & !((1u32 << first) - 1)
    }
}

/// One 32-bit register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Register {
    /// Upper-case name, unique.
    pub name: &'static str,
    /// Word offset (byte address = 4 × offset).
    pub offset: u32,
    /// What it is for (Markdown).
    pub doc: &'static str,
    /// Its fields, lowest first.
    pub fields: &'static [Field],
}

impl Register {
    /// Byte address relative to the peripheral's base.
    pub const fn byte_offset(&self) -> u32 {
        self.offset * 4
    }

    /// The register's value after reset, for fields with a fixed reset value.
    pub fn reset_word(&self) -> u32 {
        self.fields.iter().fold(0, |word, f| match f.reset {
            Reset::Value(v) => word | f.put(v),
            _ => word,
        })
    }
}

/// Declares field constants: doc lines, then `NAME = "NAME" [msb:lsb] Access, reset`.
macro_rules! fields {
    ($( $(#[doc = $doc:literal])+ $id:ident = $name:literal [$msb:literal : $lsb:literal] $access:ident, $reset:expr; )*) => {
        $(
            $(#[doc = $doc])+
            #[doc = ""]
            #[doc = concat!("Bits [", stringify!($msb), ":", stringify!($lsb), "], ", stringify!($access), ".")]
            pub const $id: Field = Field {
                name: $name,
                lsb: $lsb,
                width: $msb - $lsb + 1,
                access: Access::$access,
                reset: $reset,
                doc: concat!($($doc),+),
            };
        )*
    };
}

/// Declares a register constant: doc lines, then `NAME = "NAME" @ offset [fields]`.
macro_rules! register {
    ($(#[doc = $doc:literal])+ $id:ident = $name:literal @ $offset:literal [$($field:ident),* $(,)?]) => {
        $(#[doc = $doc])+
        #[doc = ""]
        #[doc = concat!("Word offset ", stringify!($offset), ".")]
        pub const $id: Register = Register {
            name: $name,
            offset: $offset,
            doc: concat!($($doc),+),
            fields: &[$($field),*],
        };
    };
}

/// `MAGIC` field value: "UA" in ASCII.
pub const ID_MAGIC_VALUE: u32 = 0x5541;
/// `VERSION` field value of this register map.
pub const ID_VERSION_VALUE: u32 = 2;

fields! {
    /// Log2 of the RX FIFO's depth (`FEATURES` has both FIFOs' depths).
    ID_FIFO_DEPTH_LOG2 = "FIFO_DEPTH_LOG2" [3:0] Ro, Reset::Config("log2(depth), 4 for the default 16 entries");
    /// Register-map version (2: the map has `FEATURES`).
    ID_VERSION = "VERSION" [15:8] Ro, Reset::Value(ID_VERSION_VALUE);
    /// Reads 0x5541 ("UA"): identifies the peripheral.
    ID_MAGIC = "MAGIC" [31:16] Ro, Reset::Value(ID_MAGIC_VALUE);

    /// Receiver on. Off, it is held in reset (no byte enters the RX FIFO); turned on, it
    /// waits for a whole frame of idle line before it takes a start bit.
    CTRL_RX_ENABLE = "RX_ENABLE" [0:0] Rw, Reset::Value(1);
    /// Transmitter on. Off, the TX FIFO keeps its bytes; a frame already on the line finishes.
    CTRL_TX_ENABLE = "TX_ENABLE" [1:1] Rw, Reset::Value(1);
    /// Internal loopback (self-test): the transmitter feeds the receiver; the `tx` pin
    /// idles high and the `rx` pin is ignored.
    CTRL_LOOPBACK = "LOOPBACK" [2:2] Rw, Reset::Value(0);
    /// Drive `rts` from the RX FIFO level (deasserted at `RTS_THRESHOLD`). Off, `rts` is
    /// held asserted (low).
    CTRL_RTS_FLOW = "RTS_FLOW" [3:3] Rw, Reset::Value(0);
    /// Obey `cts`: while it is deasserted (high) no new frame starts; a frame already on
    /// the line always finishes.
    CTRL_CTS_FLOW = "CTS_FLOW" [4:4] Rw, Reset::Value(0);
    /// RS-485 direction control on `tx_enable` (lead and lag in `RS485`). Off,
    /// `tx_enable` stays low.
    CTRL_RS485 = "RS485" [5:5] Rw, Reset::Value(0);
    /// RS-485 half duplex: the receiver sees an idle line while `tx_enable` is high, so
    /// the transceiver's echo of our own frames is not received.
    CTRL_RS485_NO_ECHO = "RS485_NO_ECHO" [6:6] Rw, Reset::Value(0);
    /// Send a break (line low) while set; a frame already on the line finishes first,
    /// and the stop bits' worth of high line follows the break.
    CTRL_BREAK = "BREAK" [7:7] Rw, Reset::Value(0);

    /// Sample-tick increment: round(baud × oversample × 2^20 / clock_hz), oversample = 16
    /// in the default build (`config::cfg_increment`). A change takes effect between frames.
    BAUD_INCREMENT = "INCREMENT" [20:0] Rw, Reset::Config("the build's baud: 19327 = 115200 at 100 MHz, 16x");

    /// Data bits per frame, 5 to 8. A change takes effect between frames.
    FRAME_DATA_BITS = "DATA_BITS" [3:0] Rw, Reset::Config("the build's data bits (8)");
    /// Parity: 0 none, 1 even, 2 odd, 3 mark, 4 space (5 to 7 act as none).
    FRAME_PARITY = "PARITY" [6:4] Rw, Reset::Config("the build's parity (0, none)");
    /// Two stop bits (the receiver checks only the first).
    FRAME_TWO_STOP = "TWO_STOP" [7:7] Rw, Reset::Config("the build's stop bits (0: one)");

    /// The RX FIFO holds at least one byte.
    STATUS_RX_AVAIL = "RX_AVAIL" [0:0] Ro, Reset::Value(0);
    /// The RX FIFO is full: a byte completed now would be lost (and counted).
    STATUS_RX_FULL = "RX_FULL" [1:1] Ro, Reset::Value(0);
    /// The TX FIFO is empty.
    STATUS_TX_EMPTY = "TX_EMPTY" [2:2] Ro, Reset::Value(1);
    /// The TX FIFO is full: a write to `TXDATA` now is dropped (and flagged).
    STATUS_TX_FULL = "TX_FULL" [3:3] Ro, Reset::Value(0);
    /// Everything sent: TX FIFO empty, last stop bit on the line, RS-485 lag over.
    STATUS_TX_IDLE = "TX_IDLE" [4:4] Ro, Reset::Value(1);
    /// `cts` asserted (pin low), after the synchroniser.
    STATUS_CTS = "CTS" [5:5] Ro, Reset::Live;
    /// `rts` asserted (pin low): we accept data.
    STATUS_RTS = "RTS" [6:6] Ro, Reset::Value(1);
    /// `tx_enable` (RS-485 driver enable) is high.
    STATUS_TX_ENABLE = "TX_ENABLE" [7:7] Ro, Reset::Value(0);

    /// The oldest received byte (bits above the frame's data bits read 0).
    RXDATA_DATA = "DATA" [7:0] ReadPops, Reset::Value(0);
    /// That byte's stop bit was low.
    RXDATA_FRAMING_ERROR = "FRAMING_ERROR" [8:8] ReadPops, Reset::Value(0);
    /// That byte's parity bit was wrong.
    RXDATA_PARITY_ERROR = "PARITY_ERROR" [9:9] ReadPops, Reset::Value(0);
    /// That "byte" was a break (the whole frame low; data 0).
    RXDATA_BREAK = "BREAK" [10:10] ReadPops, Reset::Value(0);
    /// 1: the other bits hold a byte, which this read removed from the FIFO. 0: the FIFO
    /// was empty and nothing was removed.
    RXDATA_VALID = "VALID" [31:31] ReadPops, Reset::Value(0);

    /// Writing pushes this byte into the TX FIFO (dropped and flagged in
    /// `OVERFLOW.TX_DROPPED` when full).
    TXDATA_DATA = "DATA" [7:0] Wo, Reset::Value(0);
    /// Reads 1 while the TX FIFO is full.
    TXDATA_FULL = "FULL" [31:31] Ro, Reset::Value(0);

    /// Bytes in the RX FIFO.
    LEVELS_RX = "RX_LEVEL" [15:0] Ro, Reset::Value(0);
    /// Bytes in the TX FIFO.
    LEVELS_TX = "TX_LEVEL" [31:16] Ro, Reset::Value(0);

    /// Write 1: empty the RX FIFO.
    FIFO_RESET_RX = "RX" [0:0] Wo, Reset::Value(0);
    /// Write 1: empty the TX FIFO (a frame already on the line finishes).
    FIFO_RESET_TX = "TX" [1:1] Wo, Reset::Value(0);

    /// Bytes received while the RX FIFO was full, since `RX_OVERFLOW` was last cleared
    /// (saturates at 255).
    OVERFLOW_RX_LOST = "RX_LOST" [7:0] Ro, Reset::Value(0);
    /// Sticky: a write to `TXDATA` found the TX FIFO full and was dropped.
    OVERFLOW_TX_DROPPED = "TX_DROPPED" [30:30] W1c, Reset::Value(0);
    /// Sticky: a received byte was lost because the RX FIFO was full. Clearing it also
    /// zeroes `RX_LOST`.
    OVERFLOW_RX_OVERFLOW = "RX_OVERFLOW" [31:31] W1c, Reset::Value(0);

    /// RX FIFO level rose to `RX_WATERMARK` or above.
    IRQ_RX_WATERMARK = "RX_WATERMARK" [0:0] Rw, Reset::Value(0);
    /// TX FIFO level fell to `TX_WATERMARK` or below.
    IRQ_TX_WATERMARK = "TX_WATERMARK" [1:1] Rw, Reset::Value(0);
    /// RX timeout: bytes wait in the RX FIFO and none arrived and none was read for
    /// `RX_TIMEOUT.CHARS` character times.
    IRQ_RX_TIMEOUT = "RX_TIMEOUT" [2:2] Rw, Reset::Value(0);
    /// A byte with a framing error, parity error or break was received.
    IRQ_LINE_ERROR = "LINE_ERROR" [3:3] Rw, Reset::Value(0);
    /// A received byte was lost or a `TXDATA` write was dropped (see `OVERFLOW`).
    IRQ_OVERFLOW = "OVERFLOW" [4:4] Rw, Reset::Value(0);
    /// `cts` changed (either way, after the synchroniser).
    IRQ_CTS_CHANGED = "CTS_CHANGED" [5:5] Rw, Reset::Value(0);
    /// `STATUS.TX_IDLE` rose: the TX FIFO is empty and the last stop bit has been sent.
    IRQ_TX_DONE = "TX_DONE" [6:6] Rw, Reset::Value(0);

    /// Pending: RX FIFO level rose to `RX_WATERMARK` or above.
    PENDING_RX_WATERMARK = "RX_WATERMARK" [0:0] W1c, Reset::Value(0);
    /// Pending: TX FIFO level fell to `TX_WATERMARK` or below.
    PENDING_TX_WATERMARK = "TX_WATERMARK" [1:1] W1c, Reset::Value(0);
    /// Pending: RX timeout.
    PENDING_RX_TIMEOUT = "RX_TIMEOUT" [2:2] W1c, Reset::Value(0);
    /// Pending: line error.
    PENDING_LINE_ERROR = "LINE_ERROR" [3:3] W1c, Reset::Value(0);
    /// Pending: overflow.
    PENDING_OVERFLOW = "OVERFLOW" [4:4] W1c, Reset::Value(0);
    /// Pending: CTS changed.
    PENDING_CTS_CHANGED = "CTS_CHANGED" [5:5] W1c, Reset::Value(0);
    /// Pending: TX done.
    PENDING_TX_DONE = "TX_DONE" [6:6] W1c, Reset::Value(0);

    /// The RX watermark event fires when the RX level rises to this or above.
    WATERMARK_RX = "RX" [15:0] Rw, Reset::Value(1);
    /// The TX watermark event fires when the TX level falls to this or below.
    WATERMARK_TX = "TX" [31:16] Rw, Reset::Value(0);

    /// Character times (start + data + parity + stop bits) of quiet before the RX timeout
    /// fires; 0 turns it off. It fires once per quiet spell, between CHARS × frame − 1 and
    /// CHARS × frame bit times after the last byte arrived or was read.
    RX_TIMEOUT_CHARS = "CHARS" [7:0] Rw, Reset::Value(4);

    /// With `CTRL.RTS_FLOW`, `rts` is deasserted (high) while the RX level is at or
    /// above this.
    RTS_THRESHOLD_LEVEL = "LEVEL" [15:0] Rw, Reset::Config("3/4 of the depth: 12 for 16 entries");

    /// Bit times `tx_enable` rises before the start bit.
    RS485_LEAD = "LEAD" [3:0] Rw, Reset::Value(1);
    /// Bit times `tx_enable` stays high after the last stop bit.
    RS485_LAG = "LAG" [11:8] Rw, Reset::Value(1);

    /// `FRAME` is writable (0: it reads the build's fixed format and ignores writes).
    FEATURES_RUNTIME_FORMAT = "RUNTIME_FORMAT" [0:0] Ro, Reset::Config("1 in the full build");
    /// `BAUD` is writable (0: it reads the build's fixed increment and ignores writes).
    FEATURES_RUNTIME_BAUD = "RUNTIME_BAUD" [1:1] Ro, Reset::Config("1 in the full build");
    /// The RX timeout (register `RX_TIMEOUT`, its interrupt source).
    FEATURES_RX_TIMEOUT = "RX_TIMEOUT" [2:2] Ro, Reset::Config("1 in the full build");
    /// RTS/CTS flow control.
    FEATURES_RTS_CTS = "RTS_CTS" [3:3] Ro, Reset::Config("1 in the full build");
    /// RS-485 direction control.
    FEATURES_RS485 = "RS485" [4:4] Ro, Reset::Config("1 in the full build");
    /// Internal loopback.
    FEATURES_LOOPBACK = "LOOPBACK" [5:5] Ro, Reset::Config("1 in the full build");
    /// Break send and detect.
    FEATURES_BREAK = "BREAK" [6:6] Ro, Reset::Config("1 in the full build");
    /// The lost-byte counter `OVERFLOW.RX_LOST`.
    FEATURES_LOST_COUNTER = "LOST_COUNTER" [7:7] Ro, Reset::Config("1 in the full build");
    /// Bit 8 + i is set when the interrupt source at `IRQ_ENABLE` bit i exists.
    FEATURES_IRQS = "IRQS" [14:8] Ro, Reset::Config("0x7F in the full build");
    /// The bus: 0 Wishbone, 1 AXI4-Lite.
    FEATURES_AXIL = "AXIL" [15:15] Ro, Reset::Config("0 in `uart_wb`, 1 in `uart_axil`");
    /// Log2 of the RX FIFO's depth (0 to 9).
    FEATURES_RX_DEPTH_LOG2 = "RX_DEPTH_LOG2" [19:16] Ro, Reset::Config("4 in the full build");
    /// Log2 of the TX FIFO's depth (0 to 9).
    FEATURES_TX_DEPTH_LOG2 = "TX_DEPTH_LOG2" [23:20] Ro, Reset::Config("4 in the full build");
}

register! {
    /// Identification: magic number, register-map version, FIFO depth.
    ID = "ID" @ 0 [ID_FIFO_DEPTH_LOG2, ID_VERSION, ID_MAGIC]
}
register! {
    /// Enables and modes.
    CTRL = "CTRL" @ 1 [CTRL_RX_ENABLE, CTRL_TX_ENABLE, CTRL_LOOPBACK, CTRL_RTS_FLOW,
        CTRL_CTS_FLOW, CTRL_RS485, CTRL_RS485_NO_ECHO, CTRL_BREAK]
}
register! {
    /// Baud: the sample-tick increment.
    BAUD = "BAUD" @ 2 [BAUD_INCREMENT]
}
register! {
    /// Frame format.
    FRAME = "FRAME" @ 3 [FRAME_DATA_BITS, FRAME_PARITY, FRAME_TWO_STOP]
}
register! {
    /// FIFO, line and pin status.
    STATUS = "STATUS" @ 4 [STATUS_RX_AVAIL, STATUS_RX_FULL, STATUS_TX_EMPTY, STATUS_TX_FULL,
        STATUS_TX_IDLE, STATUS_CTS, STATUS_RTS, STATUS_TX_ENABLE]
}
register! {
    /// The oldest received byte with its own error flags; reading removes it.
    RXDATA = "RXDATA" @ 5 [RXDATA_DATA, RXDATA_FRAMING_ERROR, RXDATA_PARITY_ERROR,
        RXDATA_BREAK, RXDATA_VALID]
}
register! {
    /// Byte to send.
    TXDATA = "TXDATA" @ 6 [TXDATA_DATA, TXDATA_FULL]
}
register! {
    /// FIFO fill levels.
    LEVELS = "LEVELS" @ 7 [LEVELS_RX, LEVELS_TX]
}
register! {
    /// FIFO resets.
    FIFO_RESET = "FIFO_RESET" @ 8 [FIFO_RESET_RX, FIFO_RESET_TX]
}
register! {
    /// Lost and dropped bytes: never silent.
    OVERFLOW = "OVERFLOW" @ 9 [OVERFLOW_RX_LOST, OVERFLOW_TX_DROPPED, OVERFLOW_RX_OVERFLOW]
}
register! {
    /// Interrupt enables: `irq` is high while a pending source is enabled.
    IRQ_ENABLE = "IRQ_ENABLE" @ 10 [IRQ_RX_WATERMARK, IRQ_TX_WATERMARK, IRQ_RX_TIMEOUT,
        IRQ_LINE_ERROR, IRQ_OVERFLOW, IRQ_CTS_CHANGED, IRQ_TX_DONE]
}
register! {
    /// Interrupt pending bits, set by their event (enabled or not), cleared by writing 1.
    /// Events are edges: clear a bit first, then service its cause, so that an event
    /// during the service sets it again.
    IRQ_PENDING = "IRQ_PENDING" @ 11 [PENDING_RX_WATERMARK, PENDING_TX_WATERMARK,
        PENDING_RX_TIMEOUT, PENDING_LINE_ERROR, PENDING_OVERFLOW, PENDING_CTS_CHANGED,
        PENDING_TX_DONE]
}
register! {
    /// FIFO watermarks for the watermark interrupts.
    WATERMARK = "WATERMARK" @ 12 [WATERMARK_RX, WATERMARK_TX]
}
register! {
    /// RX timeout.
    RX_TIMEOUT = "RX_TIMEOUT" @ 13 [RX_TIMEOUT_CHARS]
}
register! {
    /// RX level at which `rts` is deasserted.
    RTS_THRESHOLD = "RTS_THRESHOLD" @ 14 [RTS_THRESHOLD_LEVEL]
}
register! {
    /// RS-485 driver-enable timing, in bit times of the current baud.
    RS485 = "RS485" @ 15 [RS485_LEAD, RS485_LAG]
}

register! {
    /// What this build has (read only): the features present (1) or left out (0), the
    /// bus, both FIFOs' depths. A feature left out keeps its addresses; its fields read 0
    /// and ignore writes.
    FEATURES = "FEATURES" @ 16 [FEATURES_RUNTIME_FORMAT, FEATURES_RUNTIME_BAUD,
        FEATURES_RX_TIMEOUT, FEATURES_RTS_CTS, FEATURES_RS485, FEATURES_LOOPBACK,
        FEATURES_BREAK, FEATURES_LOST_COUNTER, FEATURES_IRQS, FEATURES_AXIL,
        FEATURES_RX_DEPTH_LOG2, FEATURES_TX_DEPTH_LOG2]
}

/// Every register, by offset.
pub const REGISTERS: &[Register] = &[
    ID,
    CTRL,
    BAUD,
    FRAME,
    STATUS,
    RXDATA,
    TXDATA,
    LEVELS,
    FIFO_RESET,
    OVERFLOW,
    IRQ_ENABLE,
    IRQ_PENDING,
    WATERMARK,
    RX_TIMEOUT,
    RTS_THRESHOLD,
    RS485,
    FEATURES,
];

/// Words in the peripheral's address window (byte address bits [7:2]); offsets beyond
/// the last register read 0 and ignore writes.
pub const WINDOW_WORDS: u32 = 64;

/// The reset column's text.
fn reset_text(field: &Field) -> String {
    match field.reset {
        Reset::Value(v) if field.width == 1 => format!("{v}"),
        Reset::Value(v) => format!("0x{v:X}"),
        Reset::Config(text) => text.to_string(),
        Reset::Live => "pin".to_string(),
    }
}

fn one_line(doc: &str) -> String {
    doc.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn bits_text(field: &Field) -> String {
    if field.width == 1 {
        format!("{}", field.lsb)
    } else {
        format!("{}:{}", field.msb(), field.lsb)
    }
}

/// The README's register table (Markdown), from [`REGISTERS`].
pub fn markdown_table() -> String {
    let mut out = String::new();
    out.push_str("| Offset | Register | Bits | Field | Access | Reset | Description |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    for reg in REGISTERS {
        let _ = writeln!(
            out,
            "| 0x{:02X} | **{}** | | | | | {} |",
            reg.byte_offset(),
            reg.name,
            one_line(reg.doc)
        );
        for f in reg.fields {
            let _ = writeln!(
                out,
                "| | | {} | {} | {} | {} | {} |",
                bits_text(f),
                f.name,
                f.access.name(),
                reset_text(f),
                one_line(f.doc)
            );
        }
    }
    out
}

/// The C header `uart_regs.h`, from [`REGISTERS`]: byte offsets, field shifts, masks
/// and fixed reset values, and an access macro.
pub fn c_header() -> String {
    let mut out = String::new();
    out.push_str(
        "/* uart_regs.h: register map of the rust-hdl-uart peripheral (uart_wb, uart_axil).\n\
         \x20* GENERATED from src/periph/regs.rs by `UART_REGEN=1 cargo test periph::regs`:\n\
         \x20* do not edit. Offsets are byte offsets from the peripheral's base address.\n\
         \x20*\n\
         \x20* Baud: UART_BAUD = ((baud * 16 << 20) + clock_hz / 2) / clock_hz (64-bit\n\
         \x20* arithmetic; 16 = the build's oversample rate, 16 by default).\n\
         \x20*/\n\
         #ifndef UART_REGS_H\n#define UART_REGS_H\n\n#include <stdint.h>\n\n\
         /* Access a register: UART_REG(base, UART_CTRL) */\n\
         #define UART_REG(base, offset) (*(volatile uint32_t *)((uintptr_t)(base) + (offset)))\n\n",
    );
    for reg in REGISTERS {
        let _ = writeln!(out, "/* {}: {} */", reg.name, one_line(reg.doc));
        let _ = writeln!(
            out,
            "#define UART_{} 0x{:02X}u",
            reg.name,
            reg.byte_offset()
        );
        for f in reg.fields {
            let prefix = format!("UART_{}_{}", reg.name, f.name);
            let _ = writeln!(
                out,
                "/* {} ({}): {} */",
                f.name,
                f.access.name(),
                one_line(f.doc)
            );
            let _ = writeln!(out, "#define {prefix}_SHIFT {}u", f.lsb);
            let _ = writeln!(out, "#define {prefix}_MASK 0x{:08X}u", f.mask());
            if let Reset::Value(v) = f.reset {
                let _ = writeln!(out, "#define {prefix}_RESET 0x{v:X}u");
            }
        }
        out.push('\n');
    }
    out.push_str("#endif /* UART_REGS_H */\n");
    out
}

/// Checks the map: offsets unique and inside the window, fields inside 32 bits, not
/// overlapping, names unique; fixed reset values fit their fields. Returns every problem.
pub fn check_map() -> Vec<String> {
    let mut problems = Vec::new();
    for (i, reg) in REGISTERS.iter().enumerate() {
        if reg.offset >= WINDOW_WORDS {
            problems.push(format!(
                "{} at word {} is outside the window",
                reg.name, reg.offset
            ));
        }
        for other in &REGISTERS[i + 1..] {
            if other.offset == reg.offset {
                problems.push(format!(
                    "{} and {} share offset {}",
                    reg.name, other.name, reg.offset
                ));
            }
            if other.name == reg.name {
                problems.push(format!("two registers are named {}", reg.name));
            }
        }
        let mut used = 0u64;
        for f in reg.fields {
            if f.width == 0 || f.lsb + f.width > 32 {
                problems.push(format!("{}.{} does not fit in 32 bits", reg.name, f.name));
                continue;
            }
            let mask = f.mask() as u64;
            if used & mask != 0 {
                problems.push(format!("{}.{} overlaps another field", reg.name, f.name));
            }
            used |= mask;
            if let Reset::Value(v) = f.reset {
                if (v as u64) >= (1u64 << f.width) {
                    problems.push(format!(
                        "{}.{} reset value {v} does not fit",
                        reg.name, f.name
                    ));
                }
            }
            if reg.fields.iter().filter(|g| g.name == f.name).count() > 1 {
                problems.push(format!("{}.{} is named twice", reg.name, f.name));
            }
        }
    }
    problems
}

/// The generated files and where they live in the repository: (path relative to the
/// crate root, content). The README is a section between markers, see
/// [`README_BEGIN`] / [`README_END`].
pub fn generated_header() -> (&'static str, String) {
    ("include/uart_regs.h", c_header())
}

/// Marker line before the register table in README.md.
pub const README_BEGIN: &str = "<!-- register table: generated from src/periph/regs.rs -->";
/// Marker line after it.
pub const README_END: &str = "<!-- end of register table -->";

/// `readme` with the text between the markers replaced by [`markdown_table`]; `None`
/// when the markers are missing.
pub fn readme_with_table(readme: &str) -> Option<String> {
    let begin = readme.find(README_BEGIN)? + README_BEGIN.len();
    let end = readme[begin..].find(README_END)? + begin;
    Some(format!(
        "{}\n{}{}",
        &readme[..begin],
        markdown_table(),
        &readme[end..]
    ))
}
