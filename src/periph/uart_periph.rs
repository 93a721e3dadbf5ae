//! The UART peripheral behind the register port: run-time configurable receiver and
//! transmitter, RX and TX FIFOs, interrupts, RX timeout, RTS/CTS, RS-485 direction.
//!
//! Guarantees
//! - The register map is [`crate::periph::regs`]: every offset, field position, writable
//!   mask and reset value used here is taken from those constants in [`UartPeriph::new`].
//! - Register port: a write takes effect in its strobe's clock, on the byte lanes
//!   `reg_wstrb` enables; `reg_rdata` is registered, valid the clock after `reg_read`
//!   and held until the clock after the next `reg_read` (the AXI4-Lite adapter presents
//!   it as RDATA for as long as RVALID waits, with no copy of its own). Reading `RXDATA` pops exactly one entry per strobe, and only when the
//!   FIFO holds one (`VALID` tells which).
//! - No byte is lost silently: the receiver's output is taken every clock; a byte that
//!   finds the RX FIFO full is counted (`OVERFLOW.RX_LOST`, saturating) and flagged
//!   (`RX_OVERFLOW`, sticky); a `TXDATA` write that finds the TX FIFO full sets
//!   `TX_DROPPED` (sticky). Both raise the overflow interrupt event.
//! - Each RX FIFO entry carries its own byte's framing, parity and break flags.
//! - Run-time baud and frame format are latched between frames (one
//!   [`crate::settings::FrameSettings`] for both
//!   directions, as in [`crate::uart::UartCfg`]): a register write during a frame applies
//!   from the next frame on.
//! - CTS (active low) passes a 2-flip-flop synchroniser and gates only the start of a
//!   frame: a frame on the line always finishes. RTS (active low) is registered
//!   ([`FlowControl`]).
//! - The start of a frame is decided from registers: the TX FIFO's head is offered to
//!   the transmitter by a registered `can_send` (one clock after the FIFO, `CTRL` and
//!   the synchronised CTS say so) and popped in the clock after the transmitter takes
//!   it; so the transmitter's bit tick and `ready` never reach the FIFO's pointers, and
//!   the FIFO's flags, CTS and `CTRL` reach the transmitter only through that
//!   register. Software sees the TX level fall, and a first frame start,
//!   one clock later than without; frames queued back to back still follow with no gap.
//! - RS-485: with `CTRL.RS485`, `tx_enable` (registered) rises `LEAD` bit times (plus at
//!   most three clocks) before the start bit and falls `LAG` bit times (plus at most three
//!   clocks) after the end of the last stop bit on the line; never while a frame is on the
//!   line ([`TxSequencer`]). The bit times are counted by the transmitter's bit timer,
//!   which runs on while no frame is on the line ([`TxCore::with_shared_timer`]) and is
//!   restarted at the rise and at the last stop bit, so they are whole bit times of the
//!   current baud.
//! - Interrupt: `irq` (level, registered) is high while any pending bit is enabled.
//!   Pending bits are set by events (edges of the conditions), whether enabled or not,
//!   and cleared by writing 1; an event in the clock of the clear wins ([`Interrupts`]).
//! - `reset` (synchronous) returns every register to its reset value, empties both FIFOs
//!   and resets both cores; a frame on the `tx` line is cut (the line goes high).
//!
//! Size: one phase accumulator serves the transmitter, the RX timeout and the RS-485
//! lead and lag (the transmitter's, shared when the build has either feature: a third
//! accumulator cost 21 logic cells in `full`); the
//! FIFOs are in block RAM; registers hold only their writable bits (each a [`RegWord`]:
//! the masks are constants, so synthesis removes the other flip-flops, and a write's
//! byte lanes are the flip-flops' enables, with no LUT in front of them); counters are
//! as narrow as their fields.
//!
//! Where the logic lives: this block keeps the register port (decode, the
//! software-written registers, the read mux), the FIFOs, the cores and the wiring between
//! them. Each feature a build can leave out is a block of its own, wired in here
//! whatever the build: [`RxTimeout`], [`TxSequencer`] (RS-485 lead and lag),
//! [`FlowControl`] (RTS/CTS), [`Interrupts`], [`OverflowFlags`] (with the lost-byte
//! counter), and [`CoreSettings`] (run-time baud and format). Each one's `new` takes the
//! build's switch: a feature left out gives the constant outputs its absence needs
//! (no event, CTS always clear, no driver enable, `RX_LOST` 0), so synthesis removes
//! the block's logic and nothing here tests a switch. (`synth_ice40` flattens the
//! hierarchy: the blocks add no logic; the same logic in another shape moved abc's LUT
//! mapping by a few cells, `bench/periph-size.md`.)
//!
//! Build switches ([`PeripheralOptions`], [`UartPeriph::with_options`]): the writable
//! masks, reset words and readable bits come from the build's register map
//! ([`regs::build_map`]). A feature left out has no writable bit, so its control bits and
//! settings are constants too; its read-only fields are masked to 0. Without run-time
//! format or baud, `FRAME`/`BAUD` ignore writes
//! and read the build's values (constants), and the cores run on the configuration's
//! own constants, as the fixed `uart` core does ([`CoreSettings`]: no latch, and the
//! receiver's start-edge restart phase is the fixed core's; the transmitter's too unless
//! its timer is shared). (Before, the cores were fed through the latch from a `BAUD`
//! register reloaded every clock — a constant through the latch split the carry chains,
//! 61 MHz — and `minimal` carried the latch: 463 cells, 433 without it.)
//! Without break detect a break is stored as a framing error (data 0).

use crate::config::{cfg_increment, UartConfig, CFG_INCREMENT_BITS};
use crate::periph::core_settings::CoreSettings;
use crate::periph::flow_control::FlowControl;
use crate::periph::interrupts::Interrupts;
use crate::periph::options::PeripheralOptions;
use crate::periph::overflow::OverflowFlags;
use crate::periph::reg_word::RegWord;
use crate::periph::regs::{self, Field, Register};
use crate::periph::rx_timeout::RxTimeout;
use crate::periph::sized_fifo::SizedFifo;
use crate::periph::tx_sequencer::TxSequencer;
use crate::rx::RxCore;
use crate::tx::TxCore;
use anyhow::{ensure, Result};
use rust_hdl::prelude::*;

/// Data width of the peripheral's cores: frames of 5 to 8 data bits.
pub const DATA_BITS_MAX: usize = 8;
/// Width of an RX FIFO entry: data and the three flags, laid out as `RXDATA` bits `[10:0]`.
pub const RX_ENTRY_BITS: usize = 11;

fn k32(v: u32) -> Constant<Bits<32>> {
    Constant::new((v as u64).to_bits())
}

fn k6(v: u32) -> Constant<Bits<6>> {
    Constant::new((v as u64).to_bits())
}

/// Bit position of a one-bit field, for `get_bit`/`replace_bit`.
fn bit(field: &Field) -> Constant<Bits<32>> {
    k32(field.lsb)
}

/// The peripheral: register port on one side, UART pins on the other. `A` is log2 of the
/// larger FIFO's depth or more, 2 to 12 (the default build uses 4: 16 entries); each
/// FIFO's own depth comes from the options (2^0 to 2^A). Why not one type per pair of
/// depths: the export would compile a whole peripheral per pair (100 per bus); with `A`
/// the larger depth it compiles one per depth, and the smaller FIFO's pointer bits above
/// its own depth are constant zeros that synthesis removes ([`crate::periph::fifo`]).
#[derive(LogicBlock)]
pub struct UartPeriph<const A: usize> {
    /// The clock of everything.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset of the whole peripheral.
    pub reset: Signal<In, Bit>,
    /// Register word address (byte address bits `[7:2]`).
    pub reg_addr: Signal<In, Bits<6>>,
    /// Write strobe (one clock), with `reg_wdata` and `reg_wstrb`.
    pub reg_write: Signal<In, Bit>,
    /// Write data.
    pub reg_wdata: Signal<In, Bits<32>>,
    /// Byte lanes to write (bit 0 = bits 7:0).
    pub reg_wstrb: Signal<In, Bits<4>>,
    /// Read strobe (one clock); `reg_rdata` is valid in the next clock.
    pub reg_read: Signal<In, Bit>,
    /// Read data, registered: from the clock after `reg_read` until the clock after the
    /// next one.
    pub reg_rdata: Signal<Out, Bits<32>>,
    /// Receive line (asynchronous).
    pub rx: Signal<In, Bit>,
    /// Transmit line.
    pub tx: Signal<Out, Bit>,
    /// Request to send, active low: low while we accept data.
    pub rts: Signal<Out, Bit>,
    /// Clear to send, active low (asynchronous): low while the peer accepts data.
    pub cts: Signal<In, Bit>,
    /// RS-485 driver enable, active high.
    pub tx_enable: Signal<Out, Bit>,
    /// Interrupt, level, active high.
    pub irq: Signal<Out, Bit>,

    settings: CoreSettings,
    receiver: RxCore<DATA_BITS_MAX>,
    transmitter: TxCore<DATA_BITS_MAX>,
    rx_fifo: SizedFifo<RX_ENTRY_BITS, A>,
    tx_fifo: SizedFifo<DATA_BITS_MAX, A>,

    // Software-written registers, each held in the shape of its register word.
    ctrl: RegWord,
    baud: RegWord,
    frame: RegWord,
    irq_enable: RegWord,
    watermark: RegWord,
    rx_timeout: RegWord,
    rts_threshold: RegWord,
    rs485: RegWord,
    // The switchable features, each a block wired in or left out by its `new`.
    timeout: RxTimeout,
    sequencer: TxSequencer,
    flow: FlowControl,
    interrupts: Interrupts,
    overflow: OverflowFlags,
    read_data: DFF<Bits<32>>,
    // The transmitter took the TX FIFO's head in the last clock: it is popped now.
    tx_taken: DFF<Bit>,
    // A frame may start from the TX FIFO's head (registered: see `update`).
    can_send: DFF<Bit>,

    // Decode of this clock's register access.
    lanes: Signal<Local, Bits<32>>,
    wmask: Signal<Local, Bits<32>>,
    clear_bits: Signal<Local, Bits<32>>,
    status_word: Signal<Local, Bits<32>>,
    rx_entry: Signal<Local, Bits<RX_ENTRY_BITS>>,
    rx_break: Signal<Local, Bit>,
    rx_framing: Signal<Local, Bit>,
    rx_level: Signal<Local, Bits<16>>,
    tx_level: Signal<Local, Bits<16>>,
    pop_rx: Signal<Local, Bit>,
    rx_byte: Signal<Local, Bit>,
    tx_idle: Signal<Local, Bit>,
    tx_clear: Signal<Local, Bit>,
    // The transmitter takes the TX FIFO's head in this clock.
    tx_take: Signal<Local, Bit>,
    rx_avail: Signal<Local, Bit>,
    line_error: Signal<Local, Bit>,
    read_word: Signal<Local, Bits<32>>,

    // Offsets (from the register map).
    a_id: Constant<Bits<6>>,
    a_ctrl: Constant<Bits<6>>,
    a_baud: Constant<Bits<6>>,
    a_frame: Constant<Bits<6>>,
    a_status: Constant<Bits<6>>,
    a_rxdata: Constant<Bits<6>>,
    a_txdata: Constant<Bits<6>>,
    a_levels: Constant<Bits<6>>,
    a_fifo_reset: Constant<Bits<6>>,
    a_overflow: Constant<Bits<6>>,
    a_irq_enable: Constant<Bits<6>>,
    a_irq_pending: Constant<Bits<6>>,
    a_watermark: Constant<Bits<6>>,
    a_rx_timeout: Constant<Bits<6>>,
    a_rts_threshold: Constant<Bits<6>>,
    a_rs485: Constant<Bits<6>>,
    a_features: Constant<Bits<6>>,
    // Readable bits of the registers with read-only fields a build may leave out.
    m_status_read: Constant<Bits<32>>,
    m_overflow_read: Constant<Bits<32>>,
    // Break detect in the build (else a break is stored as a framing error).
    break_on: Constant<Bit>,
    id_word: Constant<Bits<32>>,
    features_word: Constant<Bits<32>>,
    // Field positions (from the register map).
    b_rx_enable: Constant<Bits<32>>,
    b_tx_enable: Constant<Bits<32>>,
    b_loopback: Constant<Bits<32>>,
    b_rts_flow: Constant<Bits<32>>,
    b_cts_flow: Constant<Bits<32>>,
    b_rs485: Constant<Bits<32>>,
    b_no_echo: Constant<Bits<32>>,
    b_break: Constant<Bits<32>>,
    s_increment: Constant<Bits<32>>,
    s_data_bits: Constant<Bits<32>>,
    s_parity: Constant<Bits<32>>,
    b_two_stop: Constant<Bits<32>>,
    b_framing: Constant<Bits<32>>,
    b_parity_err: Constant<Bits<32>>,
    b_break_flag: Constant<Bits<32>>,
    s_rx_level: Constant<Bits<32>>,
    s_tx_level: Constant<Bits<32>>,
    b_fifo_reset_rx: Constant<Bits<32>>,
    b_fifo_reset_tx: Constant<Bits<32>>,
    s_rx_lost: Constant<Bits<32>>,
    b_tx_dropped: Constant<Bits<32>>,
    b_rx_overflow: Constant<Bits<32>>,
    s_watermark_rx: Constant<Bits<32>>,
    s_watermark_tx: Constant<Bits<32>>,
    s_timeout_chars: Constant<Bits<32>>,
    s_rts_level: Constant<Bits<32>>,
    s_lead: Constant<Bits<32>>,
    s_lag: Constant<Bits<32>>,
    // Single-bit field masks (from the register map).
    mk_rx_avail: Constant<Bits<32>>,
    mk_rx_full: Constant<Bits<32>>,
    mk_tx_empty: Constant<Bits<32>>,
    mk_tx_full: Constant<Bits<32>>,
    mk_tx_idle: Constant<Bits<32>>,
    mk_cts: Constant<Bits<32>>,
    mk_rts: Constant<Bits<32>>,
    mk_tx_enable_pin: Constant<Bits<32>>,
    mk_valid: Constant<Bits<32>>,
    mk_txdata_full: Constant<Bits<32>>,
    mk_tx_dropped: Constant<Bits<32>>,
    mk_rx_overflow: Constant<Bits<32>>,
    increment_field: Signal<Local, Bits<CFG_INCREMENT_BITS>>,
    lane0: Constant<Bits<32>>,
    lane1: Constant<Bits<32>>,
    lane2: Constant<Bits<32>>,
    lane3: Constant<Bits<32>>,
}

impl<const A: usize> UartPeriph<A> {
    /// Log2 of the largest FIFO depth this type builds (and of both depths of
    /// [`UartPeriph::new`]).
    pub const DEPTH_LOG2: usize = A;

    /// The peripheral with `config`'s oversample rate fixed in hardware and its baud and
    /// frame format as the reset values of `BAUD` and `FRAME`. An `Err` when the
    /// configuration cannot be carried (more than 8 data bits, a baud the increment
    /// cannot express, a FIFO depth out of range).
    pub fn new(config: &UartConfig) -> Result<Self> {
        Self::with_options(
            config,
            &PeripheralOptions::full().with_depths(A as u32, A as u32),
        )
    }

    /// The peripheral as [`UartPeriph::new`], built with `options` (which `FEATURES`
    /// reports). An `Err` also when `options` is refused
    /// ([`PeripheralOptions::validate`]) or a FIFO depth is above 2^`A`.
    pub fn with_options(config: &UartConfig, options: &PeripheralOptions) -> Result<Self> {
        options.validate()?;
        ensure!(
            options.rx_depth_log2 as usize <= A && options.tx_depth_log2 as usize <= A,
            "UartPeriph<{A}>: the options ask for FIFO depths 2^{} (RX) and 2^{} (TX); \
             this block is built for at most 2^{A}",
            options.rx_depth_log2,
            options.tx_depth_log2
        );
        let timing = config.validate()?;
        ensure!(
            config.data_bits as usize <= DATA_BITS_MAX,
            "UartPeriph: at most {DATA_BITS_MAX} data bits (asked for {})",
            config.data_bits
        );
        ensure!(
            (2..=12).contains(&A),
            "UartPeriph: FIFO depth 2^{A} outside 2^2 ..= 2^12"
        );
        // The RX entry is laid out as RXDATA's low bits: data at 0, flags above it.
        ensure!(
            regs::RXDATA_DATA.lsb == 0
                && regs::RXDATA_DATA.width as usize == DATA_BITS_MAX
                && [
                    regs::RXDATA_FRAMING_ERROR,
                    regs::RXDATA_PARITY_ERROR,
                    regs::RXDATA_BREAK
                ]
                .iter()
                .all(|f| (f.lsb as usize) < RX_ENTRY_BITS),
            "UartPeriph: RXDATA's layout does not fit the {RX_ENTRY_BITS}-bit FIFO entry"
        );
        let increment = cfg_increment(config.clock_hz, config.baud, config.oversample)?;
        let rx_depth = 1u32 << options.rx_depth_log2;
        // This build's map: writable masks, reset words and readable bits all come from
        // it, so a feature left out has no writable bit (its flip-flops are constants that
        // synthesis removes) and its read-only fields are masked to 0.
        let map = regs::build_map(options);
        let build = |reg: &Register| -> &regs::BuildRegister {
            map.iter()
                .find(|b| b.register.offset == reg.offset)
                .expect("every register is in every build")
        };
        let config_reset =
            |reg: &Register, values: &[(Field, u32)]| -> u32 { build(reg).reset_word(values) };
        let writable = |reg: &Register| -> u32 { build(reg).writable() };
        let readable = |reg: &Register| -> u32 { build(reg).readable() };
        let r_baud = config_reset(&regs::BAUD, &[(regs::BAUD_INCREMENT, increment)]);
        let r_frame = config_reset(
            &regs::FRAME,
            &[
                (regs::FRAME_DATA_BITS, config.data_bits),
                (regs::FRAME_PARITY, config.parity.code() as u32),
                (regs::FRAME_TWO_STOP, (config.stop_bits == 2) as u32),
            ],
        );
        let r_rts = config_reset(
            &regs::RTS_THRESHOLD,
            &[(regs::RTS_THRESHOLD_LEVEL, rx_depth * 3 / 4)],
        );
        let r_ctrl_word = config_reset(&regs::CTRL, &[]);
        let r_watermark = config_reset(&regs::WATERMARK, &[]);
        let r_rx_timeout = config_reset(&regs::RX_TIMEOUT, &[]);
        let r_rs485 = config_reset(
            &regs::RS485,
            &[
                (regs::RS485_LEAD, options.rs485_lead),
                (regs::RS485_LAG, options.rs485_lag),
            ],
        );
        let id = config_reset(
            &regs::ID,
            &[(regs::ID_FIFO_DEPTH_LOG2, options.rx_depth_log2)],
        );
        Ok(Self {
            clock: Default::default(),
            reset: Default::default(),
            reg_addr: Default::default(),
            reg_write: Default::default(),
            reg_wdata: Default::default(),
            reg_wstrb: Default::default(),
            reg_read: Default::default(),
            reg_rdata: Default::default(),
            rx: Default::default(),
            tx: Default::default(),
            rts: Default::default(),
            cts: Default::default(),
            tx_enable: Default::default(),
            irq: Default::default(),
            settings: CoreSettings::new(&timing, options),
            // With a fixed baud the receiver is the fixed core's (its restart phase
            // computed from the configuration, as in `uart`), else the run-time one's.
            receiver: RxCore::new(&timing, options.runtime_baud)?,
            // Only a build that counts bit times shares the timer: without RX timeout and
            // RS-485 the free-running restart logic is pure cost (`minimal`: 466 -> 475
            // cells, 129 -> 119 MHz measured).
            transmitter: if options.rx_timeout || options.rs485 {
                TxCore::with_shared_timer(&timing)?
            } else {
                TxCore::new(&timing, options.runtime_baud)?
            },
            rx_fifo: SizedFifo::new(options.rx_depth_log2 as usize)?,
            tx_fifo: SizedFifo::new(options.tx_depth_log2 as usize)?,
            ctrl: RegWord::new(writable(&regs::CTRL), r_ctrl_word),
            baud: RegWord::new(writable(&regs::BAUD), r_baud),
            frame: RegWord::new(writable(&regs::FRAME), r_frame),
            irq_enable: RegWord::new(writable(&regs::IRQ_ENABLE), 0),
            watermark: RegWord::new(writable(&regs::WATERMARK), r_watermark),
            rx_timeout: RegWord::new(writable(&regs::RX_TIMEOUT), r_rx_timeout),
            rts_threshold: RegWord::new(writable(&regs::RTS_THRESHOLD), r_rts),
            rs485: RegWord::new(writable(&regs::RS485), r_rs485),
            timeout: RxTimeout::new(options.rx_timeout),
            sequencer: TxSequencer::new(options.rs485),
            flow: FlowControl::new(options.rts_cts),
            interrupts: Interrupts::new(options),
            overflow: OverflowFlags::new(options.lost_counter),
            read_data: Default::default(),
            tx_taken: Default::default(),
            can_send: Default::default(),
            line_error: Default::default(),
            lanes: Default::default(),
            wmask: Default::default(),
            clear_bits: Default::default(),
            status_word: Default::default(),
            rx_entry: Default::default(),
            rx_break: Default::default(),
            rx_framing: Default::default(),
            rx_level: Default::default(),
            tx_level: Default::default(),
            pop_rx: Default::default(),
            rx_byte: Default::default(),
            tx_idle: Default::default(),
            tx_clear: Default::default(),
            tx_take: Default::default(),
            rx_avail: Default::default(),
            read_word: Default::default(),
            mk_rx_avail: k32(regs::STATUS_RX_AVAIL.mask()),
            mk_rx_full: k32(regs::STATUS_RX_FULL.mask()),
            mk_tx_empty: k32(regs::STATUS_TX_EMPTY.mask()),
            mk_tx_full: k32(regs::STATUS_TX_FULL.mask()),
            mk_tx_idle: k32(regs::STATUS_TX_IDLE.mask()),
            mk_cts: k32(regs::STATUS_CTS.mask()),
            mk_rts: k32(regs::STATUS_RTS.mask()),
            mk_tx_enable_pin: k32(regs::STATUS_TX_ENABLE.mask()),
            mk_valid: k32(regs::RXDATA_VALID.mask()),
            mk_txdata_full: k32(regs::TXDATA_FULL.mask()),
            mk_tx_dropped: k32(regs::OVERFLOW_TX_DROPPED.mask()),
            mk_rx_overflow: k32(regs::OVERFLOW_RX_OVERFLOW.mask()),
            increment_field: Default::default(),
            lane0: k32(0x0000_00FF),
            lane1: k32(0x0000_FF00),
            lane2: k32(0x00FF_0000),
            lane3: k32(0xFF00_0000),
            a_id: k6(regs::ID.offset),
            a_ctrl: k6(regs::CTRL.offset),
            a_baud: k6(regs::BAUD.offset),
            a_frame: k6(regs::FRAME.offset),
            a_status: k6(regs::STATUS.offset),
            a_rxdata: k6(regs::RXDATA.offset),
            a_txdata: k6(regs::TXDATA.offset),
            a_levels: k6(regs::LEVELS.offset),
            a_fifo_reset: k6(regs::FIFO_RESET.offset),
            a_overflow: k6(regs::OVERFLOW.offset),
            a_irq_enable: k6(regs::IRQ_ENABLE.offset),
            a_irq_pending: k6(regs::IRQ_PENDING.offset),
            a_watermark: k6(regs::WATERMARK.offset),
            a_rx_timeout: k6(regs::RX_TIMEOUT.offset),
            a_rts_threshold: k6(regs::RTS_THRESHOLD.offset),
            a_rs485: k6(regs::RS485.offset),
            a_features: k6(regs::FEATURES.offset),
            m_status_read: k32(readable(&regs::STATUS)),
            m_overflow_read: k32(readable(&regs::OVERFLOW)),
            break_on: Constant::new(options.break_),
            id_word: k32(id),
            features_word: k32(options.features_word()),
            b_rx_enable: bit(&regs::CTRL_RX_ENABLE),
            b_tx_enable: bit(&regs::CTRL_TX_ENABLE),
            b_loopback: bit(&regs::CTRL_LOOPBACK),
            b_rts_flow: bit(&regs::CTRL_RTS_FLOW),
            b_cts_flow: bit(&regs::CTRL_CTS_FLOW),
            b_rs485: bit(&regs::CTRL_RS485),
            b_no_echo: bit(&regs::CTRL_RS485_NO_ECHO),
            b_break: bit(&regs::CTRL_BREAK),
            s_increment: bit(&regs::BAUD_INCREMENT),
            s_data_bits: bit(&regs::FRAME_DATA_BITS),
            s_parity: bit(&regs::FRAME_PARITY),
            b_two_stop: bit(&regs::FRAME_TWO_STOP),
            b_framing: bit(&regs::RXDATA_FRAMING_ERROR),
            b_parity_err: bit(&regs::RXDATA_PARITY_ERROR),
            b_break_flag: bit(&regs::RXDATA_BREAK),
            s_rx_level: bit(&regs::LEVELS_RX),
            s_tx_level: bit(&regs::LEVELS_TX),
            b_fifo_reset_rx: bit(&regs::FIFO_RESET_RX),
            b_fifo_reset_tx: bit(&regs::FIFO_RESET_TX),
            s_rx_lost: bit(&regs::OVERFLOW_RX_LOST),
            b_tx_dropped: bit(&regs::OVERFLOW_TX_DROPPED),
            b_rx_overflow: bit(&regs::OVERFLOW_RX_OVERFLOW),
            s_watermark_rx: bit(&regs::WATERMARK_RX),
            s_watermark_tx: bit(&regs::WATERMARK_TX),
            s_timeout_chars: bit(&regs::RX_TIMEOUT_CHARS),
            s_rts_level: bit(&regs::RTS_THRESHOLD_LEVEL),
            s_lead: bit(&regs::RS485_LEAD),
            s_lag: bit(&regs::RS485_LAG),
        })
    }
}

impl<const A: usize> Logic for UartPeriph<A> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, read_data, tx_taken, can_send);
        clock!(
            self,
            clock,
            settings,
            receiver,
            transmitter,
            rx_fifo,
            tx_fifo,
            ctrl,
            baud,
            frame,
            irq_enable,
            watermark,
            rx_timeout,
            rts_threshold,
            rs485,
            timeout,
            sequencer,
            flow,
            interrupts,
            overflow
        );

        // ---- Settings into the cores (latched between frames, or the build's constants).
        self.settings.follow.next =
            self.receiver.between_frames.val() & self.transmitter.between_frames.val();
        self.increment_field.next = self
            .baud
            .q
            .val()
            .get_bits::<CFG_INCREMENT_BITS>(self.s_increment.val().index());
        self.settings.increment.next = self.increment_field.val();
        self.settings.data_bits.next = self
            .frame
            .q
            .val()
            .get_bits::<4>(self.s_data_bits.val().index());
        self.settings.parity.next = self
            .frame
            .q
            .val()
            .get_bits::<3>(self.s_parity.val().index());
        self.settings.two_stop_bits.next =
            self.frame.q.val().get_bit(self.b_two_stop.val().index());
        self.receiver.increment.next = self.settings.sample_increment.val();
        self.transmitter.increment.next = self.settings.bit_increment.val();
        self.receiver.last_data_bit.next = self.settings.last_data_bit.val();
        self.transmitter.last_data_bit.next = self.settings.last_data_bit.val();
        self.receiver.parity_enabled.next = self.settings.parity_enabled.val();
        self.transmitter.parity_enabled.next = self.settings.parity_enabled.val();
        self.receiver.parity_covers_data.next = self.settings.parity_covers_data.val();
        self.transmitter.parity_covers_data.next = self.settings.parity_covers_data.val();
        self.receiver.parity_seed.next = self.settings.parity_seed.val();
        self.transmitter.parity_seed.next = self.settings.parity_seed.val();
        self.transmitter.two_stop_bits.next = self.settings.two_stop.val();

        // ---- Register access decode.
        self.lanes.next = 0.into();
        if self.reg_wstrb.val().get_bit(0) {
            self.lanes.next = self.lanes.val() | self.lane0.val();
        }
        if self.reg_wstrb.val().get_bit(1) {
            self.lanes.next = self.lanes.val() | self.lane1.val();
        }
        if self.reg_wstrb.val().get_bit(2) {
            self.lanes.next = self.lanes.val() | self.lane2.val();
        }
        if self.reg_wstrb.val().get_bit(3) {
            self.lanes.next = self.lanes.val() | self.lane3.val();
        }
        // Bits a write sets (RW) or acts on (WO, W1C): written data on enabled lanes.
        self.wmask.next = self.reg_wdata.val() & self.lanes.val();

        // The software-written registers (each a `RegWord`: lanes, writable bits, reset).
        self.ctrl.reset.next = self.reset.val();
        self.ctrl.write.next = self.reg_write.val() & (self.reg_addr.val() == self.a_ctrl.val());
        self.ctrl.wstrb.next = self.reg_wstrb.val();
        self.ctrl.wdata.next = self.reg_wdata.val();
        self.baud.reset.next = self.reset.val();
        self.baud.write.next = self.reg_write.val() & (self.reg_addr.val() == self.a_baud.val());
        self.baud.wstrb.next = self.reg_wstrb.val();
        self.baud.wdata.next = self.reg_wdata.val();
        self.frame.reset.next = self.reset.val();
        self.frame.write.next = self.reg_write.val() & (self.reg_addr.val() == self.a_frame.val());
        self.frame.wstrb.next = self.reg_wstrb.val();
        self.frame.wdata.next = self.reg_wdata.val();
        self.irq_enable.reset.next = self.reset.val();
        self.irq_enable.write.next =
            self.reg_write.val() & (self.reg_addr.val() == self.a_irq_enable.val());
        self.irq_enable.wstrb.next = self.reg_wstrb.val();
        self.irq_enable.wdata.next = self.reg_wdata.val();
        self.watermark.reset.next = self.reset.val();
        self.watermark.write.next =
            self.reg_write.val() & (self.reg_addr.val() == self.a_watermark.val());
        self.watermark.wstrb.next = self.reg_wstrb.val();
        self.watermark.wdata.next = self.reg_wdata.val();
        self.rx_timeout.reset.next = self.reset.val();
        self.rx_timeout.write.next =
            self.reg_write.val() & (self.reg_addr.val() == self.a_rx_timeout.val());
        self.rx_timeout.wstrb.next = self.reg_wstrb.val();
        self.rx_timeout.wdata.next = self.reg_wdata.val();
        self.rts_threshold.reset.next = self.reset.val();
        self.rts_threshold.write.next =
            self.reg_write.val() & (self.reg_addr.val() == self.a_rts_threshold.val());
        self.rts_threshold.wstrb.next = self.reg_wstrb.val();
        self.rts_threshold.wdata.next = self.reg_wdata.val();
        self.rs485.reset.next = self.reset.val();
        self.rs485.write.next = self.reg_write.val() & (self.reg_addr.val() == self.a_rs485.val());
        self.rs485.wstrb.next = self.reg_wstrb.val();
        self.rs485.wdata.next = self.reg_wdata.val();

        // ---- Receive path: the core's output is taken every clock.
        self.receiver.reset.next =
            self.reset.val() | !self.ctrl.q.val().get_bit(self.b_rx_enable.val().index());
        self.receiver.ready.next = true;
        self.receiver.rx.next = self.rx.val();
        if self.sequencer.driver_on.val() & self.ctrl.q.val().get_bit(self.b_no_echo.val().index())
        {
            self.receiver.rx.next = true;
        }
        if self.ctrl.q.val().get_bit(self.b_loopback.val().index()) {
            self.receiver.rx.next = self.transmitter.tx.val();
        }
        // Without break detect a break is what the line says, a low stop bit: it is stored
        // as a framing error, so no flag is lost.
        self.rx_break.next = self.receiver.break_detected.val() & self.break_on.val();
        self.rx_framing.next = self.receiver.framing_error.val()
            | (self.receiver.break_detected.val() & !self.break_on.val());
        self.rx_entry.next = bit_cast::<RX_ENTRY_BITS, DATA_BITS_MAX>(self.receiver.data.val())
            .replace_bit(self.b_framing.val().index(), self.rx_framing.val())
            .replace_bit(
                self.b_parity_err.val().index(),
                self.receiver.parity_error.val(),
            )
            .replace_bit(self.b_break_flag.val().index(), self.rx_break.val());
        self.rx_byte.next = self.receiver.valid.val();
        self.rx_fifo.write.next = self.rx_byte.val();
        self.rx_fifo.write_data.next = self.rx_entry.val();
        self.pop_rx.next = self.reg_read.val()
            & (self.reg_addr.val() == self.a_rxdata.val())
            & !self.rx_fifo.empty.val();
        self.rx_fifo.read.next = self.pop_rx.val();
        self.rx_fifo.clear.next = self.reset.val()
            | (self.reg_write.val()
                & (self.reg_addr.val() == self.a_fifo_reset.val())
                & self.wmask.val().get_bit(self.b_fifo_reset_rx.val().index()));
        self.rx_level.next = self.rx_fifo.level.val();

        // ---- Transmit path: the sequencer lets frames start (RS-485 lead and lag).
        self.tx_fifo.write.next = self.reg_write.val()
            & (self.reg_addr.val() == self.a_txdata.val())
            & self.reg_wstrb.val().get_bit(0);
        self.tx_fifo.write_data.next = self.reg_wdata.val().get_bits::<DATA_BITS_MAX>(0);
        self.tx_clear.next = self.reset.val()
            | (self.reg_write.val()
                & (self.reg_addr.val() == self.a_fifo_reset.val())
                & self.wmask.val().get_bit(self.b_fifo_reset_tx.val().index()));
        self.tx_fifo.clear.next = self.tx_clear.val();
        self.tx_level.next = self.tx_fifo.level.val();
        // The start of a frame is decided from flip-flops only, so that neither the
        // transmitter's `ready` (its bit tick, its state) nor the FIFO's flags, CTS or
        // CTRL sit in one cone with the other's registers:
        // - the head the transmitter took is popped in the next clock (`tx_taken`), so
        //   `ready` drives one flip-flop, not the FIFO's pointers, count and flags;
        // - `can_send` (the FIFO holds a head not yet taken, sending is enabled, CTS
        //   lets it) is registered: it is low in the clock after a take and after a
        //   clear, and in the clock of the pop, so a head is never offered twice nor
        //   from an emptied FIFO; it follows the FIFO with one clock of delay, CTS
        //   (asynchronous, synchronised anyway) and `CTRL` with one more clock.
        // Software sees the level fall one clock later, and the first frame out of an
        // idle transmitter start one clock later; a frame takes hundreds of clocks, so
        // back-to-back frames still follow with no gap (the next head is offered again
        // three clocks after a take).
        self.sequencer.reset.next = self.reset.val();
        self.sequencer.can_send.next = self.can_send.q.val();
        self.sequencer.break_line.next = self.ctrl.q.val().get_bit(self.b_break.val().index());
        self.sequencer.busy.next = self.transmitter.busy.val();
        self.sequencer.bit_tick.next = self.transmitter.bit_tick.val();
        self.sequencer.rs485.next = self.ctrl.q.val().get_bit(self.b_rs485.val().index());
        self.sequencer.lead.next = self.rs485.q.val().get_bits::<4>(self.s_lead.val().index());
        self.sequencer.lag.next = self.rs485.q.val().get_bits::<4>(self.s_lag.val().index());
        self.transmitter.reset.next = self.reset.val();
        self.transmitter.data.next = self.tx_fifo.read_data.val();
        self.transmitter.valid.next = self.can_send.q.val() & self.sequencer.send.val();
        self.transmitter.break_line.next =
            self.ctrl.q.val().get_bit(self.b_break.val().index()) & self.sequencer.send.val();
        self.transmitter.timer_restart.next = self.sequencer.timer_restart.val();
        self.tx_take.next = self.transmitter.valid.val() & self.transmitter.ready.val();
        self.can_send.d.next = self.ctrl.q.val().get_bit(self.b_tx_enable.val().index())
            & !self.tx_fifo.empty.val()
            & !self.tx_taken.q.val()
            & !self.tx_take.val()
            & !self.tx_clear.val()
            & self.flow.cts_ok.val();
        self.tx_taken.d.next = self.tx_take.val();
        self.tx_fifo.read.next = self.tx_taken.q.val();
        self.tx.next = self.transmitter.tx.val();
        if self.ctrl.q.val().get_bit(self.b_loopback.val().index()) {
            self.tx.next = true;
        }
        self.tx_enable.next = self.sequencer.driver_on.val();
        self.tx_idle.next = self.sequencer.idle.val() & self.tx_fifo.empty.val();

        // ---- Flow control pins.
        self.flow.reset.next = self.reset.val();
        self.flow.cts.next = self.cts.val();
        self.flow.cts_flow.next = self.ctrl.q.val().get_bit(self.b_cts_flow.val().index());
        self.flow.rts_flow.next = self.ctrl.q.val().get_bit(self.b_rts_flow.val().index());
        self.flow.rx_level.next = self.rx_level.val();
        self.flow.threshold.next = self
            .rts_threshold
            .q
            .val()
            .get_bits::<16>(self.s_rts_level.val().index());
        self.rts.next = self.flow.rts.val();

        // ---- RX timeout: counts bit times while bytes wait; restarted by a byte or a read.
        self.timeout.reset.next = self.reset.val();
        self.timeout.bit_tick.next = self.transmitter.bit_tick.val();
        self.timeout.last_data_bit.next = self.settings.last_data_bit.val();
        self.timeout.parity_enabled.next = self.settings.parity_enabled.val();
        self.timeout.two_stop.next = self.settings.two_stop.val();
        self.timeout.chars.next = self
            .rx_timeout
            .q
            .val()
            .get_bits::<8>(self.s_timeout_chars.val().index());
        self.timeout.restart.next =
            self.rx_byte.val() | self.pop_rx.val() | self.rx_fifo.empty.val();

        // ---- Overflow flags: set by a lost byte or a dropped write, write 1 to clear.
        self.overflow.reset.next = self.reset.val();
        self.overflow.rx_lost_byte.next = self.rx_byte.val() & self.rx_fifo.full.val();
        self.overflow.tx_dropped_write.next = self.tx_fifo.write.val() & self.tx_fifo.full.val();
        self.overflow.write.next =
            self.reg_write.val() & (self.reg_addr.val() == self.a_overflow.val());
        self.overflow.clear_rx.next = self.wmask.val().get_bit(self.b_rx_overflow.val().index());
        self.overflow.clear_tx.next = self.wmask.val().get_bit(self.b_tx_dropped.val().index());

        // ---- Interrupts: events, pending bits (write 1 to clear), enable, `irq`.
        self.line_error.next = self.rx_byte.val()
            & (self.receiver.framing_error.val()
                | self.receiver.parity_error.val()
                | self.receiver.break_detected.val());
        self.clear_bits.next = 0.into();
        if self.reg_write.val() & (self.reg_addr.val() == self.a_irq_pending.val()) {
            self.clear_bits.next = self.wmask.val();
        }
        self.interrupts.reset.next = self.reset.val();
        self.interrupts.rx_level.next = self.rx_level.val();
        self.interrupts.tx_level.next = self.tx_level.val();
        self.interrupts.rx_watermark.next = self
            .watermark
            .q
            .val()
            .get_bits::<16>(self.s_watermark_rx.val().index());
        self.interrupts.tx_watermark.next = self
            .watermark
            .q
            .val()
            .get_bits::<16>(self.s_watermark_tx.val().index());
        self.interrupts.tx_idle.next = self.tx_idle.val();
        self.interrupts.rx_timeout.next = self.timeout.timed_out.val();
        self.interrupts.line_error.next = self.line_error.val();
        self.interrupts.overflow.next = self.overflow.lost_or_dropped.val();
        self.interrupts.cts_changed.next = self.flow.cts_changed.val();
        self.interrupts.clear.next = self.clear_bits.val();
        self.interrupts.enable.next = self.irq_enable.q.val();
        self.irq.next = self.interrupts.irq.val();

        // ---- Read data, registered: valid the clock after the strobe.
        // Inverted flags go through 1-bit signals: in Verilog a `~` inside the 32-bit
        // expression would be widened before inverting (ones in the upper bits).
        self.rx_avail.next = !self.rx_fifo.empty.val();
        self.status_word.next = 0.into();
        if self.rx_avail.val() {
            self.status_word.next = self.status_word.val() | self.mk_rx_avail.val();
        }
        if self.rx_fifo.full.val() {
            self.status_word.next = self.status_word.val() | self.mk_rx_full.val();
        }
        if self.tx_fifo.empty.val() {
            self.status_word.next = self.status_word.val() | self.mk_tx_empty.val();
        }
        if self.tx_fifo.full.val() {
            self.status_word.next = self.status_word.val() | self.mk_tx_full.val();
        }
        if self.tx_idle.val() {
            self.status_word.next = self.status_word.val() | self.mk_tx_idle.val();
        }
        if self.flow.cts_asserted.val() {
            self.status_word.next = self.status_word.val() | self.mk_cts.val();
        }
        if self.flow.rts_asserted.val() {
            self.status_word.next = self.status_word.val() | self.mk_rts.val();
        }
        if self.sequencer.driver_on.val() {
            self.status_word.next = self.status_word.val() | self.mk_tx_enable_pin.val();
        }
        // The read mux is an OR of words, each gated by its address: the offsets are
        // distinct, so at most one term is non-zero, and an OR of gated terms maps to
        // fewer LUTs than a priority chain of `if`s that each replace the word.
        self.read_word.next = 0.into();
        if self.reg_addr.val() == self.a_id.val() {
            self.read_word.next = self.read_word.val() | self.id_word.val();
        }
        if self.reg_addr.val() == self.a_ctrl.val() {
            self.read_word.next = self.read_word.val() | self.ctrl.q.val();
        }
        if self.reg_addr.val() == self.a_baud.val() {
            self.read_word.next = self.read_word.val() | self.baud.q.val();
        }
        if self.reg_addr.val() == self.a_frame.val() {
            self.read_word.next = self.read_word.val() | self.frame.q.val();
        }
        if self.reg_addr.val() == self.a_status.val() {
            self.read_word.next =
                self.read_word.val() | (self.status_word.val() & self.m_status_read.val());
        }
        if (self.reg_addr.val() == self.a_rxdata.val()) & self.rx_avail.val() {
            self.read_word.next = self.read_word.val()
                | bit_cast::<32, RX_ENTRY_BITS>(self.rx_fifo.read_data.val())
                | self.mk_valid.val();
        }
        if (self.reg_addr.val() == self.a_txdata.val()) & self.tx_fifo.full.val() {
            self.read_word.next = self.read_word.val() | self.mk_txdata_full.val();
        }
        if self.reg_addr.val() == self.a_levels.val() {
            self.read_word.next = self.read_word.val()
                | (bit_cast::<32, 16>(self.rx_level.val()) << self.s_rx_level.val())
                | (bit_cast::<32, 16>(self.tx_level.val()) << self.s_tx_level.val());
        }
        if self.reg_addr.val() == self.a_overflow.val() {
            self.read_word.next = self.read_word.val()
                | ((bit_cast::<32, 8>(self.overflow.rx_lost.val()) << self.s_rx_lost.val())
                    & self.m_overflow_read.val());
        }
        if (self.reg_addr.val() == self.a_overflow.val()) & self.overflow.tx_dropped.val() {
            self.read_word.next = self.read_word.val() | self.mk_tx_dropped.val();
        }
        if (self.reg_addr.val() == self.a_overflow.val()) & self.overflow.rx_overflow.val() {
            self.read_word.next = self.read_word.val() | self.mk_rx_overflow.val();
        }
        if self.reg_addr.val() == self.a_irq_enable.val() {
            self.read_word.next = self.read_word.val() | self.irq_enable.q.val();
        }
        if self.reg_addr.val() == self.a_irq_pending.val() {
            self.read_word.next = self.read_word.val() | self.interrupts.pending.val();
        }
        if self.reg_addr.val() == self.a_watermark.val() {
            self.read_word.next = self.read_word.val() | self.watermark.q.val();
        }
        if self.reg_addr.val() == self.a_rx_timeout.val() {
            self.read_word.next = self.read_word.val() | self.rx_timeout.q.val();
        }
        if self.reg_addr.val() == self.a_rts_threshold.val() {
            self.read_word.next = self.read_word.val() | self.rts_threshold.q.val();
        }
        if self.reg_addr.val() == self.a_rs485.val() {
            self.read_word.next = self.read_word.val() | self.rs485.q.val();
        }
        if self.reg_addr.val() == self.a_features.val() {
            self.read_word.next = self.read_word.val() | self.features_word.val();
        }
        if self.reg_read.val() {
            self.read_data.d.next = self.read_word.val();
        }
        self.reg_rdata.next = self.read_data.q.val();
    }
}
