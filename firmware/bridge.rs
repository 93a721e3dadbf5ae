//! Register-bridge firmware for the Alchitry Cu: a PC reads and writes 32-bit registers in
//! the FPGA over the UART, in framed packets with a CRC-16 and a sequence number (the
//! protocol is specified in the README, "Register bridge"; the PC side is
//! `crate::bridge`, a separate implementation of the same protocol).
//!
//! Guarantees
//! - Ports are exactly `clk`, `rst_n`, `usb_rx`, `usb_tx`, `led[7:0]` (the pin files' names).
//!   `rst_n` passes a 2-flip-flop synchroniser; reset (button down, and the first two clocks
//!   after power-up) returns the parser to waiting for a request, clears the scratch
//!   register, the LEDs, the counters and the duplicate cache.
//! - A request is executed only when its CRC-16 checks, so a request that lost, gained or
//!   changed bytes is not executed (CRC-16 catches every error burst of up to 16 bits;
//!   random damage passes 1 time in 65 536). It is dropped without an answer (counted in `CRC_ERRORS`, in
//!   `TIMEOUTS` when it stalls, in the `LINE_*` counters when a byte had a framing, parity
//!   or break flag), because nothing in it — its sequence number included — can be trusted
//!   to say what an answer would refer to. The host sees the silence and retries.
//! - Recovery from garbage: outside a packet every byte but the start byte 0xA5 is ignored
//!   (counted in `GARBAGE`); a packet that stops arriving is dropped after
//!   [`BridgeFirmware::packet_timeout_clocks`] clocks without a byte, so the next request
//!   after a pause that long is parsed from its start byte.
//! - At most once: the firmware remembers the last request it executed (command, sequence
//!   number, address, data) and its answer. A request equal to it in all four is a retry
//!   whose answer was lost: it is answered again from that memory, not executed again
//!   (counted in `REPLAYS`), so a retried write-to-clear or a retried read of a changing
//!   register gives the first execution's result. Any other request is executed.
//! - Every executed request is answered: status OK with the register's value (for a write,
//!   the value the register holds after it; for a write to a counter, the count it cleared:
//!   read-and-clear in one request, so no event falls between a read and a clear), or status UNKNOWN_ADDRESS / READ_ONLY with data
//!   0 — an unknown address is never a silent success. A write to a read-only register
//!   changes nothing.
//! - Bytes that arrive while a request is being executed or answered are dropped and counted
//!   in `BUSY_DROPS` (the host sends one request at a time, so only noise does this). The
//!   receiver is always ready, so its sticky overrun never rises.
//! - LEDs: `led` shows the LED register.
//!
//! Why a plain 32-bit register file and not rust-hdl-hls's `SoCBus` behind the packet layer:
//! `SoCBus` has no error or response signal (an unknown address would leave `ready` low
//! forever, so it could only be told by a timeout, not answered as "unknown address"), and
//! its data path is 16 bits wide, so a 32-bit register would take two bus accesses with no
//! atomicity (a free-running counter read as two halves tears). The register decode here
//! is one `match` per access; an HLS design can still be attached later as an address
//! window with a ready timeout that answers UNKNOWN_ADDRESS.

mod crc16;

pub use crc16::{Crc16Serial, CRC16_INIT, CRC16_POLY};

use crate::config::Timing;
use crate::rx::UartRx;
use crate::tx::UartTx;
use anyhow::{bail, Result};
use rust_hdl::prelude::*;

/// Start byte of a request (PC → FPGA).
pub const REQUEST_START: u8 = 0xA5;
/// Start byte of a reply (FPGA → PC).
pub const REPLY_START: u8 = 0x5A;
/// Command byte: read a register.
pub const COMMAND_READ: u8 = 0x01;
/// Command byte: write a register.
pub const COMMAND_WRITE: u8 = 0x02;
/// Reply status: done.
pub const STATUS_OK: u8 = 0x00;
/// Reply status: no register at that address.
pub const STATUS_UNKNOWN_ADDRESS: u8 = 0x01;
/// Reply status: write to a read-only register (nothing changed).
pub const STATUS_READ_ONLY: u8 = 0x02;
/// `ID` register value: ASCII "RHUB" (rust-hdl UART bridge).
pub const ID_VALUE: u32 = 0x5248_5542;
/// `VERSION` register value: protocol version 1.
pub const VERSION_VALUE: u32 = 1;

/// Register addresses (word addresses; each register is 32 bits).
pub mod address {
    /// Read-only: [`super::ID_VALUE`].
    pub const ID: u16 = 0x0000;
    /// Read-only: [`super::VERSION_VALUE`].
    pub const VERSION: u16 = 0x0001;
    /// Read/write, no effect.
    pub const SCRATCH: u16 = 0x0002;
    /// Read/write: bits 7:0 drive `led[7:0]`; bits 31:8 read as 0.
    pub const LEDS: u16 = 0x0003;
    /// Read-only: clocks since power-up or reset, wrapping.
    pub const COUNTER: u16 = 0x0004;
    /// Read-only: the clock frequency the firmware was built for, in Hz.
    pub const CLOCK_HZ: u16 = 0x0005;
    /// Frames with a framing error (write: clear).
    pub const LINE_FRAMING_ERRORS: u16 = 0x0010;
    /// Frames with a parity error (write: clear).
    pub const LINE_PARITY_ERRORS: u16 = 0x0011;
    /// Breaks (write: clear).
    pub const LINE_BREAKS: u16 = 0x0012;
    /// Requests dropped for a bad CRC (write: clear).
    pub const CRC_ERRORS: u16 = 0x0013;
    /// Partial requests dropped after the inter-byte timeout (write: clear).
    pub const TIMEOUTS: u16 = 0x0014;
    /// Bytes outside a packet that were not a start byte (write: clear).
    pub const GARBAGE: u16 = 0x0015;
    /// Packets with an unknown command byte, dropped (write: clear).
    pub const BAD_COMMANDS: u16 = 0x0016;
    /// Bytes received while a request was executed or answered (write: clear).
    pub const BUSY_DROPS: u16 = 0x0017;
    /// Retried requests answered again from the duplicate cache (write: clear).
    pub const REPLAYS: u16 = 0x0018;
}

/// Which register an executed request addresses (decoded a clock before it is accessed,
/// so the address compare and the read multiplexer are in different clock cycles).
#[derive(Copy, Clone, PartialEq, Debug, LogicState)]
enum RegSelect {
    Unknown,
    Id,
    Version,
    Scratch,
    Leds,
    Counter,
    ClockHz,
    FramingErrors,
    ParityErrors,
    Breaks,
    CrcErrors,
    Timeouts,
    Garbage,
    BadCommands,
    BusyDrops,
    Replays,
}

#[derive(Copy, Clone, PartialEq, Debug, LogicState)]
enum BridgeState {
    /// Waiting for a start byte.
    Idle,
    /// Collecting the command, sequence number, address, data and CRC bytes.
    Body,
    /// Waiting for the last byte's CRC, then checking it and the duplicate cache.
    Check,
    /// Address → register select.
    Decode,
    /// The register access; the answer is latched.
    Execute,
    /// Offering reply byte `index` to the transmitter.
    Reply,
    /// Waiting for the CRC engine to fold in the byte just sent.
    ReplyCrc,
}

/// The register-bridge firmware's top (8 data bits; see the module documentation).
#[derive(LogicBlock)]
pub struct BridgeFirmware {
    /// 100 MHz on the Cu.
    pub clk: Signal<In, Clock>,
    /// Reset button, active low, asynchronous to `clk`.
    pub rst_n: Signal<In, Bit>,
    /// Data from the PC (FPGA input).
    pub usb_rx: Signal<In, Bit>,
    /// Data to the PC (FPGA output).
    pub usb_tx: Signal<Out, Bit>,
    /// The LED register's low 8 bits.
    pub led: Signal<Out, Bits<8>>,
    button_first: DFF<Bit>,
    button_synced: DFF<Bit>,
    reset: Signal<Local, Bit>,
    receiver: UartRx<8>,
    transmitter: UartTx<8>,
    rx_crc: Crc16Serial,
    tx_crc: Crc16Serial,
    state: DFF<BridgeState>,
    // Byte index in the packet being received (0 = command byte) or reply being sent.
    index: DFF<Bits<4>>,
    // Clocks since the last byte of the packet being received.
    silence: DFF<Bits<24>>,
    // The receiver's outputs, registered: its flags come through logic, and the parser
    // and counters fan out wide, so a pipeline stage here keeps 100 MHz.
    rx_clean: DFF<Bit>,
    rx_bad: DFF<Bit>,
    rx_framing: DFF<Bit>,
    rx_parity: DFF<Bit>,
    rx_break: DFF<Bit>,
    rx_byte: DFF<Bits<8>>,
    rx_is_start: DFF<Bit>,
    rx_is_read: DFF<Bit>,
    rx_is_write: DFF<Bit>,
    byte_wide: Signal<Local, Bits<32>>,
    // Where the next byte of a request goes, decoded from `index` ahead of its arrival
    // (bytes come at least a frame, 40 clocks or more, apart), so that a byte's arrival
    // only has to enable one register: this keeps the parser well inside 100 MHz.
    command_slot: DFF<Bit>,
    seq_slot: DFF<Bit>,
    address_slot: DFF<Bit>,
    data_slot: DFF<Bit>,
    last_slot: DFF<Bit>,
    // The request being received.
    new_write: DFF<Bit>,
    new_seq: DFF<Bits<8>>,
    new_address: DFF<Bits<16>>,
    new_data: DFF<Bits<32>>,
    last_index: Signal<Local, Bits<4>>,
    // The last request executed (the duplicate cache's key) and its answer.
    cache_valid: DFF<Bit>,
    write: DFF<Bit>,
    seq: DFF<Bits<8>>,
    address: DFF<Bits<16>>,
    data: DFF<Bits<32>>,
    select: DFF<RegSelect>,
    status: DFF<Bits<8>>,
    value: DFF<Bits<32>>,
    // The request received equals the one executed last (registered: a 58-bit compare;
    // it is read at least 8 clocks after the last byte, while the CRC is finished).
    duplicate: DFF<Bit>,
    // The CRC engine's state, registered (the 16-bit zero test and the decision it feeds
    // would otherwise be one long path): Check acts once the engine has been idle for a
    // whole clock, so `crc_zero` holds the final CRC's test.
    crc_idle: DFF<Bit>,
    crc_zero: DFF<Bit>,
    reply_byte: Signal<Local, Bits<8>>,
    // The reply's CRC, copied from the engine (whose input is the reply byte: reading its
    // output straight into the reply byte would be a combinational loop to rust-hdl).
    reply_crc: DFF<Bits<16>>,
    // Registers.
    scratch: DFF<Bits<32>>,
    leds: DFF<Bits<8>>,
    counter: DFF<Bits<32>>,
    framing_errors: DFF<Bits<32>>,
    parity_errors: DFF<Bits<32>>,
    breaks: DFF<Bits<32>>,
    crc_errors: DFF<Bits<32>>,
    timeouts: DFF<Bits<32>>,
    garbage: DFF<Bits<32>>,
    bad_commands: DFF<Bits<32>>,
    busy_drops: DFF<Bits<32>>,
    replays: DFF<Bits<32>>,
    // Constants.
    request_start: Constant<Bits<8>>,
    reply_start: Constant<Bits<8>>,
    command_read: Constant<Bits<8>>,
    command_write: Constant<Bits<8>>,
    read_last_index: Constant<Bits<4>>,
    write_last_index: Constant<Bits<4>>,
    first_data_index: Constant<Bits<4>>,
    first_write_crc_index: Constant<Bits<4>>,
    first_crc_reply_index: Constant<Bits<4>>,
    last_reply_index: Constant<Bits<4>>,
    packet_timeout: Constant<Bits<24>>,
    status_ok: Constant<Bits<8>>,
    status_unknown_address: Constant<Bits<8>>,
    status_read_only: Constant<Bits<8>>,
    id_value: Constant<Bits<32>>,
    version_value: Constant<Bits<32>>,
    clock_hz: Constant<Bits<32>>,
    led_mask: Constant<Bits<32>>,
}

/// Largest inter-byte timeout the 24-bit silence counter holds.
pub const MAX_PACKET_TIMEOUT_CLOCKS: u64 = (1 << 24) - 1;

/// The default inter-byte timeout: 1 ms or 4 frame times, whichever is longer. A request
/// is one write to the serial port, sent back to back by the USB-serial bridge, so any pause
/// inside it means bytes were lost; 1 ms keeps recovery quick while leaving room for a host
/// that writes a request in pieces.
pub fn default_packet_timeout_clocks(timing: &Timing) -> u64 {
    let one_ms = timing.config.clock_hz / 1000;
    let four_frames = (4.0 * timing.config.frame_bits() as f64 * timing.clocks_per_bit).ceil();
    one_ms.max(four_frames as u64)
}

impl BridgeFirmware {
    /// The firmware for a configuration (8 data bits: the protocol is made of bytes), with
    /// the default inter-byte timeout.
    pub fn new(timing: &Timing) -> Result<Self> {
        Self::with_packet_timeout(timing, default_packet_timeout_clocks(timing))
    }

    /// The firmware with a given inter-byte timeout in clocks (tests use short ones to run
    /// many timeouts quickly). It must exceed a frame time, or a request sent back to back
    /// would time out between its bytes.
    pub fn with_packet_timeout(timing: &Timing, timeout_clocks: u64) -> Result<Self> {
        let config = timing.config;
        if config.data_bits != 8 {
            bail!(
                "data_bits = {}: the register bridge's protocol is made of bytes; use \
                 data_bits = 8 (parity, stop bits and baud are free)",
                config.data_bits
            );
        }
        let frame_clocks = (config.frame_bits() as f64 * timing.clocks_per_bit).ceil() as u64;
        if timeout_clocks <= 2 * frame_clocks || timeout_clocks > MAX_PACKET_TIMEOUT_CLOCKS {
            bail!(
                "bridge packet timeout of {timeout_clocks} clocks: it must be more than two \
                 frame times ({} clocks) and at most {MAX_PACKET_TIMEOUT_CLOCKS} clocks; use a \
                 higher baud rate or a timeout in that range",
                2 * frame_clocks
            );
        }
        if config.clock_hz > u32::MAX as u64 {
            bail!(
                "clock_hz = {}: the CLOCK_HZ register is 32 bits wide; use a clock below {} Hz",
                config.clock_hz,
                u32::MAX
            );
        }
        let b8 = |v: u8| Constant::new((v as u64).to_bits());
        let b4 = |v: u64| Constant::new(v.to_bits());
        let b32 = |v: u64| Constant::new(v.to_bits());
        Ok(Self {
            clk: Default::default(),
            rst_n: Default::default(),
            usb_rx: Default::default(),
            usb_tx: Default::default(),
            led: Default::default(),
            button_first: Default::default(),
            button_synced: Default::default(),
            reset: Default::default(),
            receiver: UartRx::new(timing)?,
            transmitter: UartTx::new(timing)?,
            rx_crc: Crc16Serial::new(),
            tx_crc: Crc16Serial::new(),
            state: Default::default(),
            index: Default::default(),
            silence: Default::default(),
            rx_clean: Default::default(),
            rx_bad: Default::default(),
            rx_framing: Default::default(),
            rx_parity: Default::default(),
            rx_break: Default::default(),
            rx_byte: Default::default(),
            rx_is_start: Default::default(),
            rx_is_read: Default::default(),
            rx_is_write: Default::default(),
            command_slot: Default::default(),
            seq_slot: Default::default(),
            address_slot: Default::default(),
            data_slot: Default::default(),
            last_slot: Default::default(),
            byte_wide: Default::default(),
            new_write: Default::default(),
            new_seq: Default::default(),
            new_address: Default::default(),
            new_data: Default::default(),
            last_index: Default::default(),
            cache_valid: Default::default(),
            write: Default::default(),
            seq: Default::default(),
            address: Default::default(),
            data: Default::default(),
            select: Default::default(),
            status: Default::default(),
            value: Default::default(),
            duplicate: Default::default(),
            crc_idle: Default::default(),
            crc_zero: Default::default(),
            reply_byte: Default::default(),
            reply_crc: Default::default(),
            scratch: Default::default(),
            leds: Default::default(),
            counter: Default::default(),
            framing_errors: Default::default(),
            parity_errors: Default::default(),
            breaks: Default::default(),
            crc_errors: Default::default(),
            timeouts: Default::default(),
            garbage: Default::default(),
            bad_commands: Default::default(),
            busy_drops: Default::default(),
            replays: Default::default(),
            request_start: b8(REQUEST_START),
            reply_start: b8(REPLY_START),
            command_read: b8(COMMAND_READ),
            command_write: b8(COMMAND_WRITE),
            // After the start byte: command, seq, address (2), [data (4)], CRC (2).
            read_last_index: b4(5),
            write_last_index: b4(9),
            first_data_index: b4(4),
            first_write_crc_index: b4(8),
            // Reply: start, status, seq, value (4), CRC (2).
            first_crc_reply_index: b4(7),
            last_reply_index: b4(8),
            packet_timeout: Constant::new(timeout_clocks.to_bits()),
            status_ok: b8(STATUS_OK),
            status_unknown_address: b8(STATUS_UNKNOWN_ADDRESS),
            status_read_only: b8(STATUS_READ_ONLY),
            id_value: b32(ID_VALUE as u64),
            version_value: b32(VERSION_VALUE as u64),
            clock_hz: b32(config.clock_hz),
            led_mask: b32(0xFF),
        })
    }

    /// The inter-byte timeout this firmware was built with, in clocks.
    pub fn packet_timeout_clocks(&self) -> u64 {
        self.packet_timeout.val().to_u64()
    }
}

impl Logic for BridgeFirmware {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clk,
            button_first,
            button_synced,
            state,
            index,
            silence,
            rx_clean,
            rx_bad,
            rx_framing,
            rx_parity,
            rx_break,
            rx_byte,
            rx_is_start,
            rx_is_read,
            rx_is_write,
            command_slot,
            seq_slot,
            address_slot,
            data_slot,
            last_slot,
            new_write,
            new_seq,
            new_address,
            new_data,
            cache_valid,
            write,
            seq,
            address,
            data,
            select,
            status,
            value,
            duplicate,
            crc_idle,
            crc_zero,
            reply_crc,
            scratch,
            leds,
            counter,
            framing_errors,
            parity_errors,
            breaks,
            crc_errors,
            timeouts,
            garbage,
            bad_commands,
            busy_drops,
            replays
        );
        clock!(self, clk, receiver, transmitter, rx_crc, tx_crc);

        self.button_first.d.next = self.rst_n.val();
        self.button_synced.d.next = self.button_first.q.val();
        self.reset.next = !self.button_synced.q.val();
        self.receiver.reset.next = self.reset.val();
        self.transmitter.reset.next = self.reset.val();
        self.receiver.rx.next = self.usb_rx.val();
        self.usb_tx.next = self.transmitter.tx.val();
        self.led.next = self.leds.q.val();

        // The receiver is always ready: a byte is either used or counted, never held.
        self.receiver.ready.next = true;
        self.rx_framing.d.next = self.receiver.valid.val() & self.receiver.framing_error.val();
        self.rx_parity.d.next = self.receiver.valid.val() & self.receiver.parity_error.val();
        self.rx_break.d.next = self.receiver.valid.val() & self.receiver.break_detected.val();
        self.rx_bad.d.next = self.receiver.valid.val()
            & (self.receiver.framing_error.val()
                | self.receiver.parity_error.val()
                | self.receiver.break_detected.val());
        self.rx_clean.d.next = self.receiver.valid.val()
            & !(self.receiver.framing_error.val()
                | self.receiver.parity_error.val()
                | self.receiver.break_detected.val());
        self.rx_byte.d.next = self.receiver.data.val();
        self.rx_is_start.d.next = self.receiver.data.val() == self.request_start.val();
        self.rx_is_read.d.next = self.receiver.data.val() == self.command_read.val();
        self.rx_is_write.d.next = self.receiver.data.val() == self.command_write.val();
        self.byte_wide.next = bit_cast::<32, 8>(self.rx_byte.q.val());
        self.rx_crc.data.next = self.rx_byte.q.val();
        self.rx_crc.load.next = false;
        self.rx_crc.clear.next = false;
        self.tx_crc.load.next = false;
        self.tx_crc.clear.next = false;
        self.transmitter.valid.next = false;
        self.transmitter.break_line.next = false;

        // Event counters. A write to a counter (in Execute below, which comes later and so
        // wins) answers the count and clears it, keeping an event of that same clock.
        self.counter.d.next = self.counter.q.val() + 1;
        if self.rx_framing.q.val() {
            self.framing_errors.d.next = self.framing_errors.q.val() + 1;
        }
        if self.rx_parity.q.val() {
            self.parity_errors.d.next = self.parity_errors.q.val() + 1;
        }
        if self.rx_break.q.val() {
            self.breaks.d.next = self.breaks.q.val() + 1;
        }
        // Bytes arriving while a request is executed or answered are dropped, and counted.
        if self.rx_clean.q.val()
            & (self.state.q.val() != BridgeState::Idle)
            & (self.state.q.val() != BridgeState::Body)
        {
            self.busy_drops.d.next = self.busy_drops.q.val() + 1;
        }

        // Read packets end after the address and CRC, write packets after the data too.
        if self.new_write.q.val() {
            self.last_index.next = self.write_last_index.val();
        } else {
            self.last_index.next = self.read_last_index.val();
        }
        self.crc_idle.d.next = !self.rx_crc.busy.val();
        self.crc_zero.d.next = !self.rx_crc.crc.val().any();
        self.command_slot.d.next = !self.index.q.val().any();
        self.seq_slot.d.next = self.index.q.val() == 1;
        self.address_slot.d.next = (self.index.q.val() == 2) | (self.index.q.val() == 3);
        self.data_slot.d.next = self.new_write.q.val()
            & (self.index.q.val() >= self.first_data_index.val())
            & (self.index.q.val() < self.first_write_crc_index.val());
        self.last_slot.d.next = self.index.q.val() == self.last_index.val();
        self.duplicate.d.next = self.cache_valid.q.val()
            & (self.new_write.q.val() == self.write.q.val())
            & (self.new_seq.q.val() == self.seq.q.val())
            & (self.new_address.q.val() == self.address.q.val())
            & (self.new_data.q.val() == self.data.q.val());

        // The reply: start, status, seq, value (MSB first), CRC (high byte first).
        match self.index.q.val().index() {
            0 => self.reply_byte.next = self.reply_start.val(),
            1 => self.reply_byte.next = self.status.q.val(),
            2 => self.reply_byte.next = self.seq.q.val(),
            3 => self.reply_byte.next = self.value.q.val().get_bits::<8>(24),
            4 => self.reply_byte.next = self.value.q.val().get_bits::<8>(16),
            5 => self.reply_byte.next = self.value.q.val().get_bits::<8>(8),
            6 => self.reply_byte.next = self.value.q.val().get_bits::<8>(0),
            7 => self.reply_byte.next = self.reply_crc.q.val().get_bits::<8>(8),
            _ => self.reply_byte.next = self.reply_crc.q.val().get_bits::<8>(0),
        }
        self.transmitter.data.next = self.reply_byte.val();
        self.tx_crc.data.next = self.reply_byte.val();

        self.silence.d.next = 0.into();
        match self.state.q.val() {
            BridgeState::Idle => {
                if self.rx_clean.q.val() {
                    if self.rx_is_start.q.val() {
                        self.state.d.next = BridgeState::Body;
                        self.index.d.next = 0.into();
                        self.rx_crc.clear.next = true;
                        self.new_write.d.next = false;
                        self.new_data.d.next = 0.into();
                    } else {
                        self.garbage.d.next = self.garbage.q.val() + 1;
                    }
                }
            }
            BridgeState::Body => {
                self.silence.d.next = self.silence.q.val() + 1;
                if self.rx_bad.q.val() {
                    // Counted above; the packet cannot be trusted any more.
                    self.state.d.next = BridgeState::Idle;
                } else if self.rx_clean.q.val() {
                    self.silence.d.next = 0.into();
                    self.rx_crc.load.next = true;
                    self.index.d.next = self.index.q.val() + 1;
                    if self.last_slot.q.val() {
                        self.state.d.next = BridgeState::Check;
                    }
                    if self.command_slot.q.val() {
                        if self.rx_is_write.q.val() {
                            self.new_write.d.next = true;
                        } else if !self.rx_is_read.q.val() {
                            // Its length is unknown, so its CRC cannot be found: dropped.
                            self.bad_commands.d.next = self.bad_commands.q.val() + 1;
                            self.state.d.next = BridgeState::Idle;
                        }
                    }
                    if self.seq_slot.q.val() {
                        self.new_seq.d.next = self.rx_byte.q.val();
                    }
                    if self.address_slot.q.val() {
                        self.new_address.d.next = (self.new_address.q.val() << 8)
                            | bit_cast::<16, 8>(self.rx_byte.q.val());
                    }
                    if self.data_slot.q.val() {
                        self.new_data.d.next = (self.new_data.q.val() << 8) | self.byte_wide.val();
                    }
                } else if self.silence.q.val() == self.packet_timeout.val() {
                    self.timeouts.d.next = self.timeouts.q.val() + 1;
                    self.state.d.next = BridgeState::Idle;
                }
            }
            BridgeState::Check => {
                // (In the first clock here the engine is busy with the last byte, so a
                // stale `crc_idle` from before it is never acted on.)
                if self.crc_idle.q.val() & !self.rx_crc.busy.val() {
                    if !self.crc_zero.q.val() {
                        self.crc_errors.d.next = self.crc_errors.q.val() + 1;
                        self.state.d.next = BridgeState::Idle;
                    } else if self.duplicate.q.val() {
                        self.replays.d.next = self.replays.q.val() + 1;
                        self.state.d.next = BridgeState::Reply;
                        self.index.d.next = 0.into();
                        self.tx_crc.clear.next = true;
                    } else {
                        self.cache_valid.d.next = true;
                        self.write.d.next = self.new_write.q.val();
                        self.seq.d.next = self.new_seq.q.val();
                        self.address.d.next = self.new_address.q.val();
                        self.data.d.next = self.new_data.q.val();
                        self.state.d.next = BridgeState::Decode;
                    }
                }
            }
            BridgeState::Decode => {
                // Decimal patterns: rust-hdl copies them into the Verilog `case` as written.
                match self.address.q.val().index() {
                    0 => self.select.d.next = RegSelect::Id,
                    1 => self.select.d.next = RegSelect::Version,
                    2 => self.select.d.next = RegSelect::Scratch,
                    3 => self.select.d.next = RegSelect::Leds,
                    4 => self.select.d.next = RegSelect::Counter,
                    5 => self.select.d.next = RegSelect::ClockHz,
                    16 => self.select.d.next = RegSelect::FramingErrors,
                    17 => self.select.d.next = RegSelect::ParityErrors,
                    18 => self.select.d.next = RegSelect::Breaks,
                    19 => self.select.d.next = RegSelect::CrcErrors,
                    20 => self.select.d.next = RegSelect::Timeouts,
                    21 => self.select.d.next = RegSelect::Garbage,
                    22 => self.select.d.next = RegSelect::BadCommands,
                    23 => self.select.d.next = RegSelect::BusyDrops,
                    24 => self.select.d.next = RegSelect::Replays,
                    _ => self.select.d.next = RegSelect::Unknown,
                }
                self.state.d.next = BridgeState::Execute;
            }
            BridgeState::Execute => {
                self.status.d.next = self.status_ok.val();
                self.value.d.next = 0.into();
                match self.select.q.val() {
                    RegSelect::Unknown => {
                        self.status.d.next = self.status_unknown_address.val();
                    }
                    RegSelect::Id => {
                        self.value.d.next = self.id_value.val();
                    }
                    RegSelect::Version => {
                        self.value.d.next = self.version_value.val();
                    }
                    RegSelect::Scratch => {
                        self.value.d.next = self.scratch.q.val();
                        if self.write.q.val() {
                            self.scratch.d.next = self.data.q.val();
                            self.value.d.next = self.data.q.val();
                        }
                    }
                    RegSelect::Leds => {
                        self.value.d.next = bit_cast::<32, 8>(self.leds.q.val());
                        if self.write.q.val() {
                            self.leds.d.next = self.data.q.val().get_bits::<8>(0);
                            self.value.d.next = self.data.q.val() & self.led_mask.val();
                        }
                    }
                    RegSelect::Counter => {
                        self.value.d.next = self.counter.q.val();
                    }
                    RegSelect::ClockHz => {
                        self.value.d.next = self.clock_hz.val();
                    }
                    RegSelect::FramingErrors => {
                        self.value.d.next = self.framing_errors.q.val();
                        if self.write.q.val() {
                            // An event in this very clock is kept: nothing is lost.
                            self.framing_errors.d.next = 0.into();
                            if self.rx_framing.q.val() {
                                self.framing_errors.d.next = 1.into();
                            }
                        }
                    }
                    RegSelect::ParityErrors => {
                        self.value.d.next = self.parity_errors.q.val();
                        if self.write.q.val() {
                            // An event in this very clock is kept: nothing is lost.
                            self.parity_errors.d.next = 0.into();
                            if self.rx_parity.q.val() {
                                self.parity_errors.d.next = 1.into();
                            }
                        }
                    }
                    RegSelect::Breaks => {
                        self.value.d.next = self.breaks.q.val();
                        if self.write.q.val() {
                            // An event in this very clock is kept: nothing is lost.
                            self.breaks.d.next = 0.into();
                            if self.rx_break.q.val() {
                                self.breaks.d.next = 1.into();
                            }
                        }
                    }
                    RegSelect::CrcErrors => {
                        self.value.d.next = self.crc_errors.q.val();
                        if self.write.q.val() {
                            self.crc_errors.d.next = 0.into();
                        }
                    }
                    RegSelect::Timeouts => {
                        self.value.d.next = self.timeouts.q.val();
                        if self.write.q.val() {
                            self.timeouts.d.next = 0.into();
                        }
                    }
                    RegSelect::Garbage => {
                        self.value.d.next = self.garbage.q.val();
                        if self.write.q.val() {
                            self.garbage.d.next = 0.into();
                        }
                    }
                    RegSelect::BadCommands => {
                        self.value.d.next = self.bad_commands.q.val();
                        if self.write.q.val() {
                            self.bad_commands.d.next = 0.into();
                        }
                    }
                    RegSelect::BusyDrops => {
                        self.value.d.next = self.busy_drops.q.val();
                        if self.write.q.val() {
                            // A byte dropped in this very clock is kept: nothing is lost.
                            self.busy_drops.d.next = 0.into();
                            if self.rx_clean.q.val() {
                                self.busy_drops.d.next = 1.into();
                            }
                        }
                    }
                    RegSelect::Replays => {
                        self.value.d.next = self.replays.q.val();
                        if self.write.q.val() {
                            self.replays.d.next = 0.into();
                        }
                    }
                }
                // A write to a read-only register changes nothing and says so.
                if self.write.q.val()
                    & ((self.select.q.val() == RegSelect::Id)
                        | (self.select.q.val() == RegSelect::Version)
                        | (self.select.q.val() == RegSelect::Counter)
                        | (self.select.q.val() == RegSelect::ClockHz))
                {
                    self.status.d.next = self.status_read_only.val();
                    self.value.d.next = 0.into();
                }
                if self.select.q.val() == RegSelect::Unknown {
                    self.value.d.next = 0.into();
                }
                self.state.d.next = BridgeState::Reply;
                self.index.d.next = 0.into();
                self.tx_crc.clear.next = true;
            }
            BridgeState::Reply => {
                self.transmitter.valid.next = true;
                if self.transmitter.ready.val() {
                    self.index.d.next = self.index.q.val() + 1;
                    if self.index.q.val() == self.last_reply_index.val() {
                        self.state.d.next = BridgeState::Idle;
                    } else {
                        self.state.d.next = BridgeState::ReplyCrc;
                    }
                    // The CRC covers every byte after the start byte, as in a request.
                    if self.index.q.val().any()
                        & (self.index.q.val() < self.first_crc_reply_index.val())
                    {
                        self.tx_crc.load.next = true;
                    }
                }
            }
            BridgeState::ReplyCrc => {
                if !self.tx_crc.busy.val() {
                    self.reply_crc.d.next = self.tx_crc.crc.val();
                    self.state.d.next = BridgeState::Reply;
                }
            }
        }

        if self.reset.val() {
            self.state.d.next = BridgeState::Idle;
            self.cache_valid.d.next = false;
            self.scratch.d.next = 0.into();
            self.leds.d.next = 0.into();
            self.counter.d.next = 0.into();
            self.framing_errors.d.next = 0.into();
            self.parity_errors.d.next = 0.into();
            self.breaks.d.next = 0.into();
            self.crc_errors.d.next = 0.into();
            self.timeouts.d.next = 0.into();
            self.garbage.d.next = 0.into();
            self.bad_commands.d.next = 0.into();
            self.busy_drops.d.next = 0.into();
            self.replays.d.next = 0.into();
        }
    }
}
