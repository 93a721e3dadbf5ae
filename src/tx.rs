//! UART transmitter.
//!
//! Guarantees
//! - The line idles high, from power-up on (the output register stores the inverted
//!   level, so its zero power-up value is "high").
//! - A frame is a start bit, `data_bits` data bits LSB first, the optional parity bit and 1
//!   or 2 stop bits. Every bit is the ideal bit time rounded to a whole clock, and the
//!   rounding never accumulates: the bit clock is a phase accumulator that runs on across
//!   back-to-back frames and restarts only when the transmitter starts from idle.
//! - While `valid` stays high, frames follow each other with no idle gap: the next byte is
//!   accepted (`ready` high) in the very clock the last stop bit ends.
//! - `break_line` drives the line low for as long as it is high. A frame already on the line
//!   is finished first; after the break the line is held high for the stop bits before the
//!   next frame, so a receiver can see the break end.
//! - `busy` is high while a frame or a break is on the line.
//! - The output is registered: no combinational glitch ever reaches the pin.

use crate::baud::BaudTick;
use crate::config::{Parity, Timing};
use rust_hdl::prelude::*;

#[derive(Copy, Clone, PartialEq, Debug, LogicState)]
enum TxState {
    Idle,
    Start,
    Data,
    Parity,
    Stop,
    Break,
}

#[derive(LogicBlock)]
pub struct UartTx<const D: usize> {
    pub clock: Signal<In, Clock>,
    /// Synchronous: abandons any frame or break and returns the line to idle high.
    pub reset: Signal<In, Bit>,
    pub data: Signal<In, Bits<D>>,
    pub valid: Signal<In, Bit>,
    pub ready: Signal<Out, Bit>,
    pub break_line: Signal<In, Bit>,
    pub tx: Signal<Out, Bit>,
    pub busy: Signal<Out, Bit>,
    bit_timer: BaudTick,
    state: DFF<TxState>,
    shift: DFF<Bits<D>>,
    bit_index: DFF<Bits<4>>,
    parity_sum: DFF<Bit>,
    line_low: DFF<Bit>,
    level: Signal<Local, Bit>,
    last_data_bit: Constant<Bits<4>>,
    last_stop_bit: Constant<Bits<4>>,
    parity_enabled: Constant<Bit>,
    parity_covers_data: Constant<Bit>,
    // Even: 0, odd: 1 (then the data bits are summed in); mark: 1, space: 0 (as they are).
    parity_seed: Constant<Bit>,
}

impl<const D: usize> UartTx<D> {
    pub fn new(timing: &Timing) -> Self {
        let config = timing.config;
        assert_eq!(
            config.data_bits as usize, D,
            "data width must match data_bits"
        );
        Self {
            clock: Default::default(),
            reset: Default::default(),
            data: Default::default(),
            valid: Default::default(),
            ready: Default::default(),
            break_line: Default::default(),
            tx: Default::default(),
            busy: Default::default(),
            // Started ahead by the pipeline's latency, so the first bit after idle is as
            // long as the others.
            bit_timer: BaudTick::new(timing.bit, timing.tx_restart_phase),
            state: Default::default(),
            shift: Default::default(),
            bit_index: Default::default(),
            parity_sum: Default::default(),
            line_low: Default::default(),
            level: Default::default(),
            last_data_bit: Constant::new((D as u64 - 1).to_bits()),
            last_stop_bit: Constant::new((config.stop_bits as u64 - 1).to_bits()),
            parity_enabled: Constant::new(config.parity != Parity::None),
            parity_covers_data: Constant::new(matches!(config.parity, Parity::Even | Parity::Odd)),
            parity_seed: Constant::new(matches!(config.parity, Parity::Odd | Parity::Mark)),
        }
    }
}

impl<const D: usize> Logic for UartTx<D> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, state, shift, bit_index, parity_sum, line_low);
        clock!(self, clock, bit_timer);
        self.bit_timer.restart.next = false;
        self.ready.next = false;
        self.level.next = true;

        match self.state.q.val() {
            TxState::Idle => {
                self.level.next = true;
                self.bit_timer.restart.next = true;
                self.ready.next = !self.break_line.val();
                if self.break_line.val() {
                    self.state.d.next = TxState::Break;
                } else if self.valid.val() {
                    self.shift.d.next = self.data.val();
                    self.parity_sum.d.next = self.parity_seed.val();
                    self.state.d.next = TxState::Start;
                }
            }
            TxState::Start => {
                self.level.next = false;
                if self.bit_timer.tick.val() {
                    self.bit_index.d.next = 0.into();
                    self.state.d.next = TxState::Data;
                }
            }
            TxState::Data => {
                self.level.next = self.shift.q.val().get_bit(0);
                if self.bit_timer.tick.val() {
                    self.parity_sum.d.next = self.parity_sum.q.val()
                        ^ (self.shift.q.val().get_bit(0) & self.parity_covers_data.val());
                    self.shift.d.next = self.shift.q.val() >> 1;
                    self.bit_index.d.next = self.bit_index.q.val() + 1;
                    if self.bit_index.q.val() == self.last_data_bit.val() {
                        self.bit_index.d.next = 0.into();
                        if self.parity_enabled.val() {
                            self.state.d.next = TxState::Parity;
                        } else {
                            self.state.d.next = TxState::Stop;
                        }
                    }
                }
            }
            TxState::Parity => {
                self.level.next = self.parity_sum.q.val();
                if self.bit_timer.tick.val() {
                    self.state.d.next = TxState::Stop;
                }
            }
            TxState::Stop => {
                self.level.next = true;
                if self.bit_timer.tick.val() {
                    self.bit_index.d.next = self.bit_index.q.val() + 1;
                    if self.bit_index.q.val() == self.last_stop_bit.val() {
                        // The last stop bit ends now: take the next byte in this very clock
                        // so back-to-back frames have no gap.
                        self.ready.next = !self.break_line.val();
                        if self.break_line.val() {
                            self.state.d.next = TxState::Break;
                        } else if self.valid.val() {
                            self.shift.d.next = self.data.val();
                            self.parity_sum.d.next = self.parity_seed.val();
                            self.state.d.next = TxState::Start;
                        } else {
                            self.state.d.next = TxState::Idle;
                        }
                    }
                }
            }
            TxState::Break => {
                self.level.next = false;
                self.bit_timer.restart.next = true;
                if !self.break_line.val() {
                    // Mark after break: the stop bits' worth of high line.
                    self.bit_index.d.next = 0.into();
                    self.state.d.next = TxState::Stop;
                }
            }
            _ => {
                self.state.d.next = TxState::Idle;
            }
        }

        self.line_low.d.next = !self.level.val();
        if self.reset.val() {
            self.state.d.next = TxState::Idle;
            self.line_low.d.next = false;
            self.ready.next = false;
        }
        self.tx.next = !self.line_low.q.val();
        self.busy.next = self.state.q.val() != TxState::Idle;
    }
}
