//! The peripheral's transmit sequencer: when the transmitter may start frames, and the
//! RS-485 driver enable around them (a lead before the first start bit, a lag after the
//! last stop bit).
//!
//! Guarantees
//! - `send` is high while frames (and a break) may start. From `Idle`, a byte that may
//!   go (`can_send`) or a break request starts the lead (`Lead`); `send` rises when the
//!   lead is done; when nothing is left to send and the transmitter is no longer busy
//!   the lag starts (`Lag`), and `Idle` follows when it is done. A byte or a break during
//!   the lag returns to `Send` with no new lead (the driver is still on).
//! - With `rs485` low (or RS-485 left out of the build) the lead and lag are done at
//!   once: `Idle` → `Lead` → `Send` takes two clocks, `Send` → `Lag` → `Idle` two.
//! - With `rs485` high, `driver_on` (registered) is high in every state but `Idle`: it
//!   rises `lead` bit times (plus at most three clocks) before the start bit and falls
//!   `lag` bit times (plus at most three clocks) after the end of the last stop bit.
//! - The bit times are the transmitter's bit timer's ticks (`bit_tick`): the timer is
//!   shared ([`crate::tx::TxCore::with_shared_timer`]) and `timer_restart` restarts it
//!   at `Idle` → `Lead` and `Send` → `Lag` (both while the transmitter is idle and its
//!   `valid` low, which needs `Send`), held two clocks so that the first tick is a whole
//!   bit time after the restart.
//! - `reset` (synchronous) returns to `Idle` with the driver off.
//! - Left out of a build ([`TxSequencer::new`] with `rs485` false): `driver_on` is a
//!   constant low and the lead and lag constants done, so synthesis keeps only the
//!   four states' control and removes the bit count.

use rust_hdl::prelude::*;

#[derive(Copy, Clone, PartialEq, Debug, LogicState)]
enum TxSeq {
    // Nothing to send; RS-485 driver off.
    Idle,
    // RS-485 driver on, waiting out the lead time.
    Lead,
    // Frames may start.
    Send,
    // Last stop bit done; RS-485 driver on for the lag time.
    Lag,
}

/// The transmit sequencer (see the module header).
#[derive(LogicBlock)]
pub struct TxSequencer {
    /// The clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset of the peripheral.
    pub reset: Signal<In, Bit>,
    /// A byte waits and may go (transmitter enabled, TX FIFO not empty, CTS allows).
    pub can_send: Signal<In, Bit>,
    /// `CTRL.BREAK`: the line is to be held low.
    pub break_line: Signal<In, Bit>,
    /// The transmitter has a frame (or a break) on the line.
    pub busy: Signal<In, Bit>,
    /// One bit time has passed (the transmitter's shared bit timer).
    pub bit_tick: Signal<In, Bit>,
    /// `CTRL.RS485`: drive `driver_on` and wait out the lead and lag.
    pub rs485: Signal<In, Bit>,
    /// `RS485.LEAD`: bit times from the driver's rise to the first start bit.
    pub lead: Signal<In, Bits<4>>,
    /// `RS485.LAG`: bit times from the last stop bit's end to the driver's fall.
    pub lag: Signal<In, Bits<4>>,
    /// Frames and a break may start (gates the transmitter's `valid` and `break_line`).
    pub send: Signal<Out, Bit>,
    /// Nothing in progress: no frame, no lead or lag.
    pub idle: Signal<Out, Bit>,
    /// Restart of the transmitter's shared bit timer.
    pub timer_restart: Signal<Out, Bit>,
    /// RS-485 driver enable, registered.
    pub driver_on: Signal<Out, Bit>,
    seq: DFF<TxSeq>,
    // Bit times since the lead or lag began.
    seq_bits: DFF<Bits<4>>,
    driver: DFF<Bit>,
    // The timer's restart, a clock behind: held two clocks (see the module header).
    restart_again: DFF<Bit>,
    restart_now: Signal<Local, Bit>,
    rs485_on: Signal<Local, Bit>,
    lead_done: Signal<Local, Bit>,
    lag_done: Signal<Local, Bit>,
    enabled: Constant<Bit>,
}

impl TxSequencer {
    /// The sequencer of a build with RS-485 direction control (`rs485`) or without.
    pub fn new(rs485: bool) -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            can_send: Default::default(),
            break_line: Default::default(),
            busy: Default::default(),
            bit_tick: Default::default(),
            rs485: Default::default(),
            lead: Default::default(),
            lag: Default::default(),
            send: Default::default(),
            idle: Default::default(),
            timer_restart: Default::default(),
            driver_on: Default::default(),
            seq: Default::default(),
            seq_bits: Default::default(),
            driver: Default::default(),
            restart_again: Default::default(),
            restart_now: Default::default(),
            rs485_on: Default::default(),
            lead_done: Default::default(),
            lag_done: Default::default(),
            enabled: Constant::new(rs485),
        }
    }
}

impl Logic for TxSequencer {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, seq, seq_bits, driver, restart_again);
        self.rs485_on.next = self.rs485.val() & self.enabled.val();
        self.restart_now.next = false;
        if self.bit_tick.val() {
            self.seq_bits.d.next = self.seq_bits.q.val() + 1;
        }
        self.lead_done.next = !self.rs485_on.val() | (self.seq_bits.q.val() == self.lead.val());
        self.lag_done.next = !self.rs485_on.val() | (self.seq_bits.q.val() == self.lag.val());
        match self.seq.q.val() {
            TxSeq::Idle => {
                if self.can_send.val() | self.break_line.val() {
                    self.seq.d.next = TxSeq::Lead;
                    self.restart_now.next = true;
                    self.seq_bits.d.next = 0.into();
                }
            }
            TxSeq::Lead => {
                if self.lead_done.val() {
                    self.seq.d.next = TxSeq::Send;
                }
            }
            TxSeq::Send => {
                if !self.can_send.val() & !self.busy.val() & !self.break_line.val() {
                    self.seq.d.next = TxSeq::Lag;
                    self.restart_now.next = true;
                    self.seq_bits.d.next = 0.into();
                }
            }
            TxSeq::Lag => {
                if self.can_send.val() | self.break_line.val() {
                    self.seq.d.next = TxSeq::Send;
                } else if self.lag_done.val() {
                    self.seq.d.next = TxSeq::Idle;
                }
            }
            _ => {
                self.seq.d.next = TxSeq::Idle;
            }
        }
        self.restart_again.d.next = self.restart_now.val();
        self.timer_restart.next = self.restart_now.val() | self.restart_again.q.val();
        self.driver.d.next = self.rs485_on.val() & (self.seq.q.val() != TxSeq::Idle);
        if self.reset.val() {
            self.seq.d.next = TxSeq::Idle;
            self.driver.d.next = false;
        }
        self.send.next = self.seq.q.val() == TxSeq::Send;
        self.idle.next = self.seq.q.val() == TxSeq::Idle;
        self.driver_on.next = self.driver.q.val() & self.enabled.val();
    }
}
