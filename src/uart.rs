//! Receiver and transmitter in one block, with the port names of the exported `uart`
//! module ([`Uart`], fixed configuration) and `uart_cfg` module ([`UartCfg`], settings on
//! ports). The two halves share nothing but the clock, reset and settings: each keeps its
//! own phase accumulator, because the receiver restarts its phase on every start edge,
//! and each holds its own copy of the settings for the frame it is in (so a change
//! applies to each direction at its own next frame boundary).

use crate::config::{Timing, CFG_INCREMENT_BITS, CFG_INCREMENT_FRACTION_BITS};
use crate::rx::{RxCore, UartRx};
use crate::settings::FrameSettings;
use crate::tx::{TxCore, UartTx};
use anyhow::Result;
use rust_hdl::prelude::*;

/// Receiver and transmitter for one fixed configuration: the `uart` export. The ports are
/// those of [`UartRx`] and [`UartTx`] with `rx_`/`tx_` prefixes.
#[derive(LogicBlock)]
pub struct Uart<const D: usize> {
    /// The core's clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset of both directions.
    pub reset: Signal<In, Bit>,
    /// The receive line (asynchronous; synchronised inside).
    pub rx: Signal<In, Bit>,
    /// The transmit line.
    pub tx: Signal<Out, Bit>,
    /// Received data, held while `rx_valid`.
    pub rx_data: Signal<Out, Bits<D>>,
    /// A received frame is held.
    pub rx_valid: Signal<Out, Bit>,
    /// Takes the held frame.
    pub rx_ready: Signal<In, Bit>,
    /// The held frame's stop bit was low.
    pub rx_framing_error: Signal<Out, Bit>,
    /// The held frame's parity bit was wrong.
    pub rx_parity_error: Signal<Out, Bit>,
    /// The held frame was a break.
    pub rx_break: Signal<Out, Bit>,
    /// Sticky: a frame was dropped because the previous one was not taken.
    pub rx_overrun: Signal<Out, Bit>,
    /// The byte to send.
    pub tx_data: Signal<In, Bits<D>>,
    /// `tx_data` holds a byte to send.
    pub tx_valid: Signal<In, Bit>,
    /// The transmitter takes `tx_data` in this clock if `tx_valid`.
    pub tx_ready: Signal<Out, Bit>,
    /// Send a break while high.
    pub tx_break_line: Signal<In, Bit>,
    /// A frame, a break or the mark after it is on the line.
    pub tx_busy: Signal<Out, Bit>,
    receiver: UartRx<D>,
    transmitter: UartTx<D>,
}

impl<const D: usize> Uart<D> {
    /// Both directions for `timing`'s configuration; an `Err` when `D` cannot carry its
    /// data bits.
    pub fn new(timing: &Timing) -> Result<Self> {
        Ok(Self {
            clock: Default::default(),
            reset: Default::default(),
            rx: Default::default(),
            tx: Default::default(),
            rx_data: Default::default(),
            rx_valid: Default::default(),
            rx_ready: Default::default(),
            rx_framing_error: Default::default(),
            rx_parity_error: Default::default(),
            rx_break: Default::default(),
            rx_overrun: Default::default(),
            tx_data: Default::default(),
            tx_valid: Default::default(),
            tx_ready: Default::default(),
            tx_break_line: Default::default(),
            tx_busy: Default::default(),
            receiver: UartRx::new(timing)?,
            transmitter: UartTx::new(timing)?,
        })
    }
}

impl<const D: usize> Logic for Uart<D> {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, receiver, transmitter);
        self.receiver.reset.next = self.reset.val();
        self.transmitter.reset.next = self.reset.val();
        self.receiver.rx.next = self.rx.val();
        self.rx_data.next = self.receiver.data.val();
        self.rx_valid.next = self.receiver.valid.val();
        self.receiver.ready.next = self.rx_ready.val();
        self.rx_framing_error.next = self.receiver.framing_error.val();
        self.rx_parity_error.next = self.receiver.parity_error.val();
        self.rx_break.next = self.receiver.break_detected.val();
        self.rx_overrun.next = self.receiver.overrun.val();
        self.transmitter.data.next = self.tx_data.val();
        self.transmitter.valid.next = self.tx_valid.val();
        self.tx_ready.next = self.transmitter.ready.val();
        self.transmitter.break_line.next = self.tx_break_line.val();
        self.tx.next = self.transmitter.tx.val();
        self.tx_busy.next = self.transmitter.busy.val();
    }
}

/// Receiver and transmitter with the settings on ports: the `uart_cfg` export. Ports as
/// [`Uart`] plus `increment`, `data_bits`, `parity`, `two_stop_bits` (see
/// [`crate::rx::UartRxCfg`]).
/// One settings latch serves both directions (half the cells of two): a change is taken
/// in a clock where neither direction is inside a frame, so it never lands mid-frame in
/// either; while both directions stream without a pause it waits.
#[derive(LogicBlock)]
pub struct UartCfg<const D: usize> {
    /// The core's clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset of both directions.
    pub reset: Signal<In, Bit>,
    /// Sample tick increment: round(baud × oversample × 2^20 / clock_hz).
    pub increment: Signal<In, Bits<CFG_INCREMENT_BITS>>,
    /// Data bits per frame, 5 to `D`.
    pub data_bits: Signal<In, Bits<4>>,
    /// Parity code: 0 none, 1 even, 2 odd, 3 mark, 4 space.
    pub parity: Signal<In, Bits<3>>,
    /// Two stop bits instead of one.
    pub two_stop_bits: Signal<In, Bit>,
    /// The receive line (asynchronous; synchronised inside).
    pub rx: Signal<In, Bit>,
    /// The transmit line.
    pub tx: Signal<Out, Bit>,
    /// Received data, held while `rx_valid`; bits above `data_bits` are 0.
    pub rx_data: Signal<Out, Bits<D>>,
    /// A received frame is held.
    pub rx_valid: Signal<Out, Bit>,
    /// Takes the held frame.
    pub rx_ready: Signal<In, Bit>,
    /// The held frame's stop bit was low.
    pub rx_framing_error: Signal<Out, Bit>,
    /// The held frame's parity bit was wrong.
    pub rx_parity_error: Signal<Out, Bit>,
    /// The held frame was a break.
    pub rx_break: Signal<Out, Bit>,
    /// Sticky: a frame was dropped because the previous one was not taken.
    pub rx_overrun: Signal<Out, Bit>,
    /// The byte to send.
    pub tx_data: Signal<In, Bits<D>>,
    /// `tx_data` holds a byte to send.
    pub tx_valid: Signal<In, Bit>,
    /// The transmitter takes `tx_data` in this clock if `tx_valid`.
    pub tx_ready: Signal<Out, Bit>,
    /// Send a break while high.
    pub tx_break_line: Signal<In, Bit>,
    /// A frame, a break or the mark after it is on the line.
    pub tx_busy: Signal<Out, Bit>,
    settings: FrameSettings,
    receiver: RxCore<D>,
    transmitter: TxCore<D>,
    increment_shift: Constant<Bits<32>>,
}

impl<const D: usize> UartCfg<D> {
    /// Both directions, run-time configurable, with `timing`'s oversample rate; settings
    /// are read from the ports.
    pub fn new(timing: &Timing) -> Result<Self> {
        Ok(Self {
            clock: Default::default(),
            reset: Default::default(),
            increment: Default::default(),
            data_bits: Default::default(),
            parity: Default::default(),
            two_stop_bits: Default::default(),
            rx: Default::default(),
            tx: Default::default(),
            rx_data: Default::default(),
            rx_valid: Default::default(),
            rx_ready: Default::default(),
            rx_framing_error: Default::default(),
            rx_parity_error: Default::default(),
            rx_break: Default::default(),
            rx_overrun: Default::default(),
            tx_data: Default::default(),
            tx_valid: Default::default(),
            tx_ready: Default::default(),
            tx_break_line: Default::default(),
            tx_busy: Default::default(),
            settings: FrameSettings::new(timing.config.oversample),
            receiver: RxCore::new(timing, true)?,
            transmitter: TxCore::new(timing, true)?,
            increment_shift: Constant::new((31 - CFG_INCREMENT_FRACTION_BITS as u64).to_bits()),
        })
    }
}

impl<const D: usize> Logic for UartCfg<D> {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, settings, receiver, transmitter);
        self.settings.follow.next =
            self.receiver.between_frames.val() & self.transmitter.between_frames.val();
        self.settings.increment.next =
            bit_cast::<32, CFG_INCREMENT_BITS>(self.increment.val()) << self.increment_shift.val();
        self.settings.data_bits.next = self.data_bits.val();
        self.settings.parity.next = self.parity.val();
        self.settings.two_stop_bits.next = self.two_stop_bits.val();
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
        self.receiver.reset.next = self.reset.val();
        self.transmitter.reset.next = self.reset.val();
        self.receiver.rx.next = self.rx.val();
        self.rx_data.next = self.receiver.data.val();
        self.rx_valid.next = self.receiver.valid.val();
        self.receiver.ready.next = self.rx_ready.val();
        self.rx_framing_error.next = self.receiver.framing_error.val();
        self.rx_parity_error.next = self.receiver.parity_error.val();
        self.rx_break.next = self.receiver.break_detected.val();
        self.rx_overrun.next = self.receiver.overrun.val();
        self.transmitter.data.next = self.tx_data.val();
        // Not before the settings come from the ports (see `FrameSettings::loaded`).
        self.transmitter.valid.next = self.tx_valid.val() & self.settings.loaded.val();
        self.tx_ready.next = self.transmitter.ready.val() & self.settings.loaded.val();
        self.transmitter.break_line.next = self.tx_break_line.val();
        self.transmitter.timer_restart.next = false;
        self.tx.next = self.transmitter.tx.val();
        self.tx_busy.next = self.transmitter.busy.val();
    }
}
