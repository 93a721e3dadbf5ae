//! UART transmitter; baud and frame format settable at run time.
//!
//! Guarantees
//! - The line idles high, from power-up on (the output register stores the inverted
//!   level, so its zero power-up value is "high").
//! - A frame is a start bit, `data_bits` data bits LSB first, the optional parity bit and 1
//!   or 2 stop bits. Every bit is the ideal bit time rounded to a whole clock, and the
//!   rounding never accumulates: the bit clock is a phase accumulator that runs on across
//!   back-to-back frames and restarts only when the transmitter starts from idle. (In the
//!   run-time configurable cores its increment is the receiver's sample increment shifted
//!   right by log2(oversample): one `increment` port programs both directions.)
//! - The start bit is on the line two clocks after the handshake (`valid` and `ready` high):
//!   one clock for the frame registers, one for the output register.
//! - While `valid` stays high, frames follow each other with no idle gap: the next byte is
//!   accepted (`ready` high) in the very clock the last stop bit ends.
//! - `break_line` drives the line low for as long as it is high. A frame already on the line
//!   is finished first; after the break the line is held high for the stop bits before the
//!   next frame, so a receiver can see the break end.
//! - `busy` is high while a frame, a break or the mark after it is on the line.
//! - `ready` depends on `break_line` combinationally, never on `valid`.
//! - The output is registered: no combinational glitch ever reaches the pin.
//! - Settings are taken while idle or breaking and held for the whole frame (by the
//!   wrapper's [`FrameSettings`]): a change during a frame applies from the next frame on.
//!
//! How: the frame register holds the data bits not yet sent, LSB next, and fills with
//! ones from the top, so stop bits need no state of their own; the parity bit is summed
//! as the data bits leave and sent in their place when its turn comes. A down counter
//! says how many bits follow the one on the line; its comparisons are registered a clock
//! ahead, so a bit's end (the registered tick) drives every register it moves directly.
//!
//! Blocks: [`TxCore`] with every setting on an input (32-bit increment); [`UartTx`] ties
//! them to a configuration's constants (the `uart_tx` export); [`UartTxCfg`] takes the
//! `*_cfg` exports' 21-bit increment.

use crate::baud::BaudTick;
use crate::config::{Timing, CFG_INCREMENT_BITS, CFG_INCREMENT_FRACTION_BITS};
use crate::rx::check_width;
use crate::settings::FrameSettings;
use anyhow::Result;
use rust_hdl::prelude::*;

#[derive(Copy, Clone, PartialEq, Debug, LogicState)]
enum TxState {
    Idle,
    Frame,
    Break,
}

/// The transmitter with every setting on an input.
#[derive(LogicBlock)]
pub struct TxCore<const D: usize> {
    /// The core's clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous: abandons any frame or break and returns the line to idle high.
    pub reset: Signal<In, Bit>,
    /// Bit-tick phase increment: baud / clock × 2^31.
    pub increment: Signal<In, Bits<32>>,
    /// Data bits per frame minus one, 4 to `D - 1`.
    pub last_data_bit: Signal<In, Bits<4>>,
    /// A parity bit follows the data.
    pub parity_enabled: Signal<In, Bit>,
    /// The parity bit sums the data bits (even, odd) rather than being constant.
    pub parity_covers_data: Signal<In, Bit>,
    /// The parity bit of all-zero data (odd and mark 1).
    pub parity_seed: Signal<In, Bit>,
    /// Two stop bits instead of one.
    pub two_stop_bits: Signal<In, Bit>,
    /// High while no frame is on the line: settings may change.
    pub between_frames: Signal<Out, Bit>,
    /// The byte to send, taken when `valid` and `ready` are high.
    pub data: Signal<In, Bits<D>>,
    /// `data` holds a byte to send.
    pub valid: Signal<In, Bit>,
    /// The transmitter takes `data` in this clock if `valid` is high.
    pub ready: Signal<Out, Bit>,
    /// Send a break: the line low for as long as this is high.
    pub break_line: Signal<In, Bit>,
    /// The serial line.
    pub tx: Signal<Out, Bit>,
    /// A frame, a break or the mark after it is on the line.
    pub busy: Signal<Out, Bit>,
    /// Shared timer only ([`TxCore::with_shared_timer`]): restarts the bit timer as a
    /// frame start does (phase = `increment`). Held for two clocks, the next tick is one
    /// whole bit time after the first of them (phase 0 one clock earlier: a restart to 0
    /// would cost a LUT per phase bit, one to `increment` fits the adder's LUT). Assert it
    /// only while the transmitter is idle and `valid` is low (a frame start restarts the
    /// timer itself). Ignored by a core built with [`TxCore::new`].
    pub timer_restart: Signal<In, Bit>,
    /// Shared timer only: the bit timer's tick, the end of each bit of a frame and, while
    /// no frame is on the line, every bit time from the last restart. Low in a core built
    /// with [`TxCore::new`] (a tick nobody counts then costs LUTs and Fmax: `minimal`
    /// `uart_wb` measured 472 cells / 119 MHz with it, 463 / 129 without).
    pub bit_tick: Signal<Out, Bit>,
    bit_timer: BaudTick,
    state: DFF<TxState>,
    frame: DFF<Bits<D>>,
    bits_left: DFF<Bits<4>>,
    // Comparisons of `bits_left`, a clock behind it: bit ends are at least four clocks
    // apart, so they are current whenever a bit ends.
    last_bit: DFF<Bit>,
    parity_next: DFF<Bit>,
    parity_sum: DFF<Bit>,
    // The bit on the line now, inverted (so the power-up zero is idle high).
    bit_low: DFF<Bit>,
    line_low: DFF<Bit>,
    load: Signal<Local, Bit>,
    bits_after_start: Signal<Local, Bits<4>>,
    parity_place: Signal<Local, Bits<4>>,
    beyond_data: Signal<Local, Bits<D>>,
    all_ones: Constant<Bits<D>>,
    above_five: Constant<Bits<D>>,
    top_one: Constant<Bits<D>>,
    restart_phase: Constant<Bits<32>>,
    restart_at_increment: Constant<Bit>,
    shared_timer: Constant<Bit>,
}

impl<const D: usize> TxCore<D> {
    /// A transmitter with `timing`'s latency compensation; its settings come from its
    /// inputs. With `run_time_restart` the phase loaded when a frame starts from idle
    /// is the increment (one clock ahead) instead of `timing`'s centred value.
    pub fn new(timing: &Timing, run_time_restart: bool) -> Result<Self> {
        Self::build(timing, run_time_restart, false)
    }

    /// A run-time configurable transmitter (as `new(timing, true)`) whose bit timer runs
    /// on while no frame is on the line, so that its owner counts bit times with it
    /// (`bit_tick`, `timer_restart`) instead of paying for a phase accumulator of its own.
    /// A frame's timing is the same as with [`TxCore::new`]: the timer is restarted in the
    /// clock a frame (or the mark after a break) starts, exactly as when it was held.
    pub fn with_shared_timer(timing: &Timing) -> Result<Self> {
        Self::build(timing, true, true)
    }

    fn build(timing: &Timing, run_time_restart: bool, shared_timer: bool) -> Result<Self> {
        check_width::<D>(timing, "TxCore")?;
        Ok(Self {
            clock: Default::default(),
            reset: Default::default(),
            increment: Default::default(),
            last_data_bit: Default::default(),
            parity_enabled: Default::default(),
            parity_covers_data: Default::default(),
            parity_seed: Default::default(),
            two_stop_bits: Default::default(),
            between_frames: Default::default(),
            data: Default::default(),
            valid: Default::default(),
            ready: Default::default(),
            break_line: Default::default(),
            tx: Default::default(),
            busy: Default::default(),
            timer_restart: Default::default(),
            bit_tick: Default::default(),
            // Run-time increments are not constant to synthesis: a split timer keeps
            // their carry chain short (see `baud`). Its lowest bit: the `*_cfg`
            // increment's, shifted down by the oversample rate.
            bit_timer: if run_time_restart {
                BaudTick::split(
                    31 - CFG_INCREMENT_FRACTION_BITS - timing.config.oversample.trailing_zeros(),
                )
            } else {
                BaudTick::default()
            },
            state: Default::default(),
            frame: Default::default(),
            bits_left: Default::default(),
            last_bit: Default::default(),
            parity_next: Default::default(),
            parity_sum: Default::default(),
            bit_low: Default::default(),
            line_low: Default::default(),
            load: Default::default(),
            bits_after_start: Default::default(),
            parity_place: Default::default(),
            beyond_data: Default::default(),
            all_ones: Constant::new(((1u64 << D) - 1).to_bits()),
            above_five: Constant::new((((1u64 << D) - 1) & !0x1F).to_bits()),
            top_one: Constant::new((1u64 << (D - 1)).to_bits()),
            restart_phase: Constant::new((timing.tx_restart_phase as u64).to_bits()),
            restart_at_increment: Constant::new(run_time_restart),
            shared_timer: Constant::new(shared_timer),
        })
    }
}

impl<const D: usize> Logic for TxCore<D> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            state,
            frame,
            bits_left,
            last_bit,
            parity_next,
            parity_sum,
            bit_low,
            line_low
        );
        clock!(self, clock, bit_timer);
        self.between_frames.next = self.state.q.val() != TxState::Frame;
        self.bit_timer.increment.next = self.increment.val();
        if self.restart_at_increment.val() {
            self.bit_timer.restart_phase.next = self.increment.val();
        } else {
            self.bit_timer.restart_phase.next = self.restart_phase.val();
        }
        self.bit_timer.restart.next = self.state.q.val() != TxState::Frame;
        self.bit_tick.next = false;
        if self.shared_timer.val() {
            self.bit_tick.next = self.bit_timer.tick.val();
            // Held only where the old timer was released: the clock a frame starts from
            // idle (a `valid` in Idle loads or starts a break) and the clock the mark after
            // a break starts. Otherwise it runs for the owner's bit-time counts.
            self.bit_timer.restart.next = self.timer_restart.val()
                | ((self.state.q.val() == TxState::Idle) & self.valid.val())
                | ((self.state.q.val() == TxState::Break) & !self.break_line.val());
        }

        // Data, parity and stop bits after the start bit: data_bits + parity + stop_bits.
        self.bits_after_start.next = self.last_data_bit.val() + 2;
        if self.parity_enabled.val() {
            self.bits_after_start.next = self.last_data_bit.val() + 3;
        }
        if self.two_stop_bits.val() {
            self.bits_after_start.next = self.bits_after_start.val() + 1;
        }
        // The parity bit goes out at the bit end where stop_bits + 1 bits are left.
        self.parity_place.next = 2.into();
        if self.two_stop_bits.val() {
            self.parity_place.next = 3.into();
        }
        // Frames carry at least 5 data bits: the low bits of the mask are constant.
        self.beyond_data.next =
            ((self.all_ones.val() << self.last_data_bit.val()) << 1) & self.above_five.val();
        self.last_bit.d.next = !self.bits_left.q.val().any();
        self.parity_next.d.next =
            self.parity_enabled.val() & (self.bits_left.q.val() == self.parity_place.val());

        self.ready.next = false;
        self.load.next = false;

        match self.state.q.val() {
            TxState::Idle => {
                self.ready.next = !self.break_line.val();
                if self.break_line.val() {
                    self.state.d.next = TxState::Break;
                    self.bit_low.d.next = true;
                } else if self.valid.val() {
                    self.load.next = true;
                }
            }
            TxState::Frame => {
                if self.bit_timer.tick.val() {
                    if self.last_bit.q.val() {
                        // The last stop bit ends now: take the next byte in this very clock
                        // so back-to-back frames have no gap.
                        self.ready.next = !self.break_line.val();
                        if self.break_line.val() {
                            self.state.d.next = TxState::Break;
                            self.bit_low.d.next = true;
                        } else if self.valid.val() {
                            self.load.next = true;
                        } else {
                            self.state.d.next = TxState::Idle;
                        }
                    } else {
                        if self.parity_next.q.val() {
                            self.bit_low.d.next = !self.parity_sum.q.val();
                        } else {
                            self.bit_low.d.next = !self.frame.q.val().get_bit(0);
                        }
                        self.parity_sum.d.next = self.parity_sum.q.val()
                            ^ (self.frame.q.val().get_bit(0) & self.parity_covers_data.val());
                        self.frame.d.next = (self.frame.q.val() >> 1) | self.top_one.val();
                        self.bits_left.d.next = self.bits_left.q.val() - 1;
                    }
                }
            }
            TxState::Break => {
                if !self.break_line.val() {
                    // Mark after break: the stop bits' worth of high line.
                    self.state.d.next = TxState::Frame;
                    self.bit_low.d.next = false;
                    self.frame.d.next = self.all_ones.val();
                    self.bits_left.d.next = 0.into();
                    if self.two_stop_bits.val() {
                        self.bits_left.d.next = 1.into();
                    }
                }
            }
            _ => {
                self.state.d.next = TxState::Idle;
            }
        }

        if self.load.val() {
            self.state.d.next = TxState::Frame;
            self.bit_low.d.next = true;
            self.frame.d.next = self.data.val() | self.beyond_data.val();
            self.parity_sum.d.next = self.parity_seed.val();
            self.bits_left.d.next = self.bits_after_start.val();
        }

        self.line_low.d.next = self.bit_low.q.val();
        if self.reset.val() {
            self.state.d.next = TxState::Idle;
            self.bit_low.d.next = false;
            self.line_low.d.next = false;
            self.ready.next = false;
        }
        self.tx.next = !self.line_low.q.val();
        self.busy.next = self.state.q.val() != TxState::Idle;
    }
}

/// The transmitter for one fixed configuration: the `uart_tx` export. Ports as [`TxCore`]
/// without the settings, which are tied to the configuration's constants.
#[derive(LogicBlock)]
pub struct UartTx<const D: usize> {
    /// The core's clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous: abandons any frame or break and returns the line to idle high.
    pub reset: Signal<In, Bit>,
    /// The byte to send, taken when `valid` and `ready` are high.
    pub data: Signal<In, Bits<D>>,
    /// `data` holds a byte to send.
    pub valid: Signal<In, Bit>,
    /// The transmitter takes `data` in this clock if `valid` is high.
    pub ready: Signal<Out, Bit>,
    /// Send a break: the line low for as long as this is high.
    pub break_line: Signal<In, Bit>,
    /// The serial line.
    pub tx: Signal<Out, Bit>,
    /// A frame, a break or the mark after it is on the line.
    pub busy: Signal<Out, Bit>,
    core: TxCore<D>,
    // The settings, as constants in this block's own update (see `UartRx`).
    increment: Constant<Bits<32>>,
    last_data_bit: Constant<Bits<4>>,
    parity_enabled: Constant<Bit>,
    parity_covers_data: Constant<Bit>,
    parity_seed: Constant<Bit>,
    two_stop_bits: Constant<Bit>,
}

impl<const D: usize> UartTx<D> {
    /// The transmitter for `timing`'s configuration; an `Err` when `D` cannot carry its
    /// data bits.
    pub fn new(timing: &Timing) -> Result<Self> {
        Ok(Self {
            clock: Default::default(),
            reset: Default::default(),
            data: Default::default(),
            valid: Default::default(),
            ready: Default::default(),
            break_line: Default::default(),
            tx: Default::default(),
            busy: Default::default(),
            core: TxCore::new(timing, false)?,
            increment: Constant::new((timing.bit.increment as u64).to_bits()),
            last_data_bit: Constant::new((timing.config.data_bits as u64 - 1).to_bits()),
            parity_enabled: Constant::new(timing.config.parity.enabled()),
            parity_covers_data: Constant::new(timing.config.parity.covers_data()),
            parity_seed: Constant::new(timing.config.parity.seed()),
            two_stop_bits: Constant::new(timing.config.stop_bits == 2),
        })
    }
}

impl<const D: usize> Logic for UartTx<D> {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, core);
        self.core.increment.next = self.increment.val();
        self.core.last_data_bit.next = self.last_data_bit.val();
        self.core.parity_enabled.next = self.parity_enabled.val();
        self.core.parity_covers_data.next = self.parity_covers_data.val();
        self.core.parity_seed.next = self.parity_seed.val();
        self.core.two_stop_bits.next = self.two_stop_bits.val();
        self.core.reset.next = self.reset.val();
        self.core.data.next = self.data.val();
        self.core.valid.next = self.valid.val();
        self.core.break_line.next = self.break_line.val();
        self.core.timer_restart.next = false;
        self.ready.next = self.core.ready.val();
        self.tx.next = self.core.tx.val();
        self.busy.next = self.core.busy.val();
    }
}

/// The transmitter with its settings on ports: the `uart_tx_cfg` export. `increment` is
/// round(baud × oversample × 2^20 / clock_hz) ([`crate::config::cfg_increment`]), the
/// same value as the receiver's; the oversample rate and the data width `D` are fixed when
/// the core is built. Settings are taken between frames ([`FrameSettings`]).
#[derive(LogicBlock)]
pub struct UartTxCfg<const D: usize> {
    /// The core's clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous: abandons any frame or break and returns the line to idle high.
    pub reset: Signal<In, Bit>,
    /// Sample tick increment in 2^-20 of the clock (see the type's docs).
    pub increment: Signal<In, Bits<CFG_INCREMENT_BITS>>,
    /// Data bits per frame, 5 to `D`; bits of `data` above it are not sent.
    pub data_bits: Signal<In, Bits<4>>,
    /// Parity code: 0 none, 1 even, 2 odd, 3 mark, 4 space.
    pub parity: Signal<In, Bits<3>>,
    /// Two stop bits instead of one.
    pub two_stop_bits: Signal<In, Bit>,
    /// The byte to send, taken when `valid` and `ready` are high.
    pub data: Signal<In, Bits<D>>,
    /// `data` holds a byte to send.
    pub valid: Signal<In, Bit>,
    /// The transmitter takes `data` in this clock if `valid` is high.
    pub ready: Signal<Out, Bit>,
    /// Send a break: the line low for as long as this is high.
    pub break_line: Signal<In, Bit>,
    /// The serial line.
    pub tx: Signal<Out, Bit>,
    /// A frame, a break or the mark after it is on the line.
    pub busy: Signal<Out, Bit>,
    settings: FrameSettings,
    core: TxCore<D>,
    increment_shift: Constant<Bits<32>>,
}

impl<const D: usize> UartTxCfg<D> {
    /// A run-time configurable transmitter with `timing`'s oversample rate (the bit tick
    /// is the increment / oversample); its settings are read from the ports.
    pub fn new(timing: &Timing) -> Result<Self> {
        Ok(Self {
            clock: Default::default(),
            reset: Default::default(),
            increment: Default::default(),
            data_bits: Default::default(),
            parity: Default::default(),
            two_stop_bits: Default::default(),
            data: Default::default(),
            valid: Default::default(),
            ready: Default::default(),
            break_line: Default::default(),
            tx: Default::default(),
            busy: Default::default(),
            settings: FrameSettings::new(timing.config.oversample),
            core: TxCore::new(timing, true)?,
            increment_shift: Constant::new((31 - CFG_INCREMENT_FRACTION_BITS as u64).to_bits()),
        })
    }
}

impl<const D: usize> Logic for UartTxCfg<D> {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, settings, core);
        self.settings.follow.next = self.core.between_frames.val();
        self.settings.increment.next =
            bit_cast::<32, CFG_INCREMENT_BITS>(self.increment.val()) << self.increment_shift.val();
        self.settings.data_bits.next = self.data_bits.val();
        self.settings.parity.next = self.parity.val();
        self.settings.two_stop_bits.next = self.two_stop_bits.val();
        self.core.increment.next = self.settings.bit_increment.val();
        self.core.last_data_bit.next = self.settings.last_data_bit.val();
        self.core.parity_enabled.next = self.settings.parity_enabled.val();
        self.core.parity_covers_data.next = self.settings.parity_covers_data.val();
        self.core.parity_seed.next = self.settings.parity_seed.val();
        self.core.two_stop_bits.next = self.settings.two_stop.val();
        self.core.reset.next = self.reset.val();
        self.core.data.next = self.data.val();
        // Not before the settings come from the ports (see `FrameSettings::loaded`).
        self.core.valid.next = self.valid.val() & self.settings.loaded.val();
        self.core.break_line.next = self.break_line.val();
        self.core.timer_restart.next = false;
        self.ready.next = self.core.ready.val() & self.settings.loaded.val();
        self.tx.next = self.core.tx.val();
        self.busy.next = self.core.busy.val();
    }
}
