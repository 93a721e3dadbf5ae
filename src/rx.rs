//! UART receiver: oversampled, majority-voted, with start-bit validation and overrun
//! reporting; baud and frame format settable at run time.
//!
//! Guarantees
//! - The line passes a 2-flip-flop synchroniser before any logic looks at it.
//! - A frame starts on a falling edge seen at clock resolution; the sample phase restarts
//!   there (no ±1-sample edge uncertainty), so the clock-mismatch window is the
//!   theoretical ±0.5 / (bits + 1.5) at every oversample rate.
//! - Every bit, the start bit included, is decided by a majority of three samples centred
//!   on the bit: samples `oversample/2 - 1`, `oversample/2`, `oversample/2 + 1`. A glitch
//!   shorter than one sample period corrupts at most one of them and changes nothing.
//! - A start is confirmed by the majority vote at the start bit's centre: a low pulse
//!   shorter than half a bit never starts a frame. A line that is high again at the first
//!   sample was a glitch: the receiver re-arms at once, so a real start edge just behind
//!   it is found to the clock. A new falling edge before the first sample restarts the
//!   phase on it, so a glitch near the start edge shifts the samples by less than a sample.
//! - The stop bit is checked at its centre and the receiver re-arms there, half a bit
//!   before the stop bit ends, so a sender up to ~5 % fast loses no frame in a continuous
//!   stream: when the samples before and at the centre agree the vote is already decided,
//!   so the receiver does not wait for the third. Only the first stop bit is checked.
//! - A low stop bit is a framing error; if the whole frame was low it is a break, reported
//!   once (`break_detected`, data 0). Either way the receiver then waits for the line to be
//!   high (by majority) before it looks for a start bit again: no ghost frames.
//! - `data` and the flags of one frame are held with `valid` high until a cycle with
//!   `ready` high. A frame that completes while the previous one is still held is dropped
//!   and sets `overrun`, which stays set until `reset`: bytes are never lost silently.
//! - After power-up and `reset` the receiver arms only once the line has been high for a
//!   whole frame: a line held low, noisy, or in the middle of a stream produces no byte.
//! - Settings (increment, data bits, parity, stop bits) are taken while no frame is in
//!   progress and held from the clock the receiver sees the start edge (3 clocks after it
//!   reaches the pin: two synchroniser stages and the edge register) to the frame's end
//!   ([`FrameSettings`]): a change after that applies from the next frame on; the frame in
//!   flight is received with the settings it had then (proven: `rx_cfg_props.sv`). Data
//!   bits above `data_bits` read 0.
//!
//! Blocks: [`RxCore`] is the receiver with every setting on an input (32-bit increment);
//! [`UartRx`] ties them to a configuration's constants (the `uart_rx` export: synthesis
//! folds the settings away); [`UartRxCfg`] takes the `*_cfg` exports' 21-bit increment.
//!
//! Timing: the comparisons the state register depends on are registered: the sample
//! position a clock ahead (`at_centre`, `at_decide`, `at_first_sample`), the bit counts
//! a clock behind (`on_last_bit`, `resync_done`), so the paths into the state and shift
//! registers are the tick, a flag and the vote.

use crate::baud::BaudTick;
use crate::config::{
    Timing, CFG_INCREMENT_BITS, CFG_INCREMENT_FRACTION_BITS, RX_EDGE_LATENCY_CLOCKS,
};
use crate::settings::FrameSettings;
use anyhow::{bail, Result};
use rust_hdl::prelude::*;

#[derive(Copy, Clone, PartialEq, Debug, LogicState)]
enum RxState {
    // First, so it is the power-up state.
    Resync,
    WaitIdle,
    Idle,
    Start,
    Data,
    Parity,
    Stop,
}

/// Checks that a core of width `D` can carry the configuration's data bits.
pub(crate) fn check_width<const D: usize>(timing: &Timing, what: &str) -> Result<()> {
    let bits = timing.config.data_bits as usize;
    if !(5..=9).contains(&D) {
        bail!("{what}<{D}>: the data width must be 5 to 9 bits");
    }
    if bits > D {
        bail!(
            "{what}<{D}> cannot carry data_bits = {bits}: use {what}<{bits}> (or wider) for this configuration"
        );
    }
    Ok(())
}

/// The receiver with every setting on an input.
#[derive(LogicBlock)]
pub struct RxCore<const D: usize> {
    /// The core's clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous: back to waiting for an idle line, drops the held byte, clears overrun.
    pub reset: Signal<In, Bit>,
    /// The serial line (asynchronous; synchronised inside).
    pub rx: Signal<In, Bit>,
    /// Sample-tick phase increment: baud × oversample / clock × 2^31.
    pub increment: Signal<In, Bits<32>>,
    /// Data bits per frame minus one, 4 to `D - 1`.
    pub last_data_bit: Signal<In, Bits<4>>,
    /// A parity bit follows the data.
    pub parity_enabled: Signal<In, Bit>,
    /// The parity bit sums the data bits (even, odd) rather than being constant.
    pub parity_covers_data: Signal<In, Bit>,
    /// The parity bit of all-zero data (odd and mark 1).
    pub parity_seed: Signal<In, Bit>,
    /// High while no frame is in progress: settings may change (see [`FrameSettings`]).
    pub between_frames: Signal<Out, Bit>,
    /// The received data, held while `valid`.
    pub data: Signal<Out, Bits<D>>,
    /// A frame is held on `data` and the flags.
    pub valid: Signal<Out, Bit>,
    /// Takes the held frame.
    pub ready: Signal<In, Bit>,
    /// The held frame's stop bit was low.
    pub framing_error: Signal<Out, Bit>,
    /// The held frame's parity bit was wrong.
    pub parity_error: Signal<Out, Bit>,
    /// The held frame was a break (the whole frame low).
    pub break_detected: Signal<Out, Bit>,
    /// Sticky: a frame was dropped because the previous one had not been taken.
    pub overrun: Signal<Out, Bit>,
    // Metastability: `rx` is asynchronous; the second stage gives the first a clock to settle.
    sync_first: DFF<Bit>,
    sync_line: DFF<Bit>,
    line_before: DFF<Bit>,
    sampler: BaudTick,
    state: DFF<RxState>,
    sample_in_bit: DFF<Bits<4>>,
    next_sample: Signal<Local, Bits<4>>,
    // Comparisons of `sample_in_bit`, made a clock ahead from its next value.
    at_first_sample: DFF<Bit>,
    at_centre: DFF<Bit>,
    at_decide: DFF<Bit>,
    previous_sample: DFF<Bit>,
    sample_before_that: DFF<Bit>,
    // Data bits taken (or, in Resync, whole bits of idle line seen).
    bit_index: DFF<Bits<4>>,
    // Comparisons of `bit_index`, a clock behind it: decisions are at least four clocks
    // apart (a bit is at least four samples of at least a clock each), so they are current
    // whenever they are used.
    on_last_bit: DFF<Bit>,
    resync_done: DFF<Bit>,
    shift: DFF<Bits<D>>,
    parity_sum: DFF<Bit>,
    all_low: DFF<Bit>,
    held_data: DFF<Bits<D>>,
    held_valid: DFF<Bit>,
    held_framing: DFF<Bit>,
    held_parity: DFF<Bit>,
    held_break: DFF<Bit>,
    overrun_flag: DFF<Bit>,
    // Decisions are taken in the clock of their tick: registering them costs a clock of
    // re-arm time after the stop bit, which a fast sender at ~8 clocks per bit does not
    // leave (measured: 12 Mbaud from 100 MHz, +2 %).
    vote: Signal<Local, Bit>,
    centre: Signal<Local, Bit>,
    decide: Signal<Local, Bit>,
    frame_done: Signal<Local, Bit>,
    stop_high: Signal<Local, Bit>,
    frame_bits: Signal<Local, Bits<4>>,
    insert_at: Signal<Local, Bits<D>>,
    beyond_data: Signal<Local, Bits<D>>,
    // The `sample_in_bit` values on the ticks that take the centre sample and the one after
    // it, which completes the three-sample window.
    centre_sample: Constant<Bits<4>>,
    decide_sample: Constant<Bits<4>>,
    samples_per_bit_mask: Constant<Bits<4>>,
    one: Constant<Bits<D>>,
    all_ones: Constant<Bits<D>>,
    upper_bits: Constant<Bits<D>>,
    above_five: Constant<Bits<D>>,
    restart_phase: Constant<Bits<32>>,
    // For an edge seen a clock late (the line already low when Idle begins: a fast
    // sender's start edge during the clock the stop decision takes), one more clock.
    restart_phase_late: Constant<Bits<32>>,
    // The run-time variant cannot know the synchroniser's latency in phase units without
    // a multiplier: it restarts at one increment (one clock) instead of 1.5.
    restart_at_increment: Constant<Bit>,
}

impl<const D: usize> RxCore<D> {
    /// A receiver with `timing`'s oversample rate (fixed in hardware) and latency
    /// compensation; its settings come from its inputs. With `run_time_restart` the phase restart after a start edge is taken
    /// from the increment input (one clock of latency compensation) instead of `timing`.
    pub fn new(timing: &Timing, run_time_restart: bool) -> Result<Self> {
        check_width::<D>(timing, "RxCore")?;
        let oversample = timing.config.oversample as u64;
        Ok(Self {
            clock: Default::default(),
            reset: Default::default(),
            rx: Default::default(),
            increment: Default::default(),
            last_data_bit: Default::default(),
            parity_enabled: Default::default(),
            parity_covers_data: Default::default(),
            parity_seed: Default::default(),
            between_frames: Default::default(),
            data: Default::default(),
            valid: Default::default(),
            ready: Default::default(),
            framing_error: Default::default(),
            parity_error: Default::default(),
            break_detected: Default::default(),
            overrun: Default::default(),
            sync_first: Default::default(),
            sync_line: Default::default(),
            line_before: Default::default(),
            // Unsplit also at run time: a split sampler (`BaudTick::split`) cost 7 cells
            // in `uart_cfg` and moved no critical path (its 21-bit chain is shorter than
            // the transmitter's; `bench/periph-size.md`, step 3b).
            sampler: Default::default(),
            state: Default::default(),
            sample_in_bit: Default::default(),
            next_sample: Default::default(),
            at_first_sample: Default::default(),
            at_centre: Default::default(),
            at_decide: Default::default(),
            previous_sample: Default::default(),
            sample_before_that: Default::default(),
            bit_index: Default::default(),
            on_last_bit: Default::default(),
            resync_done: Default::default(),
            shift: Default::default(),
            parity_sum: Default::default(),
            all_low: Default::default(),
            held_data: Default::default(),
            held_valid: Default::default(),
            held_framing: Default::default(),
            held_parity: Default::default(),
            held_break: Default::default(),
            overrun_flag: Default::default(),
            vote: Default::default(),
            centre: Default::default(),
            decide: Default::default(),
            frame_done: Default::default(),
            stop_high: Default::default(),
            frame_bits: Default::default(),
            insert_at: Default::default(),
            beyond_data: Default::default(),
            // sample_in_bit counts ticks mod oversample and is 0 at the edge; on the tick
            // where it reads oversample/2, that tick's sample is number oversample/2 + 1.
            centre_sample: Constant::new((oversample / 2 - 1).to_bits()),
            decide_sample: Constant::new((oversample / 2).to_bits()),
            samples_per_bit_mask: Constant::new((oversample - 1).to_bits()),
            one: Constant::new(1u64.to_bits()),
            all_ones: Constant::new(((1u64 << D) - 1).to_bits()),
            upper_bits: Constant::new((((1u64 << D) - 1) & !0xF).to_bits()),
            above_five: Constant::new((((1u64 << D) - 1) & !0x1F).to_bits()),
            restart_phase: Constant::new((timing.rx_restart_phase as u64).to_bits()),
            restart_phase_late: Constant::new(
                (timing.sample.phase_after(RX_EDGE_LATENCY_CLOCKS + 1.0) as u64).to_bits(),
            ),
            restart_at_increment: Constant::new(run_time_restart),
        })
    }
}

impl<const D: usize> Logic for RxCore<D> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            sync_first,
            sync_line,
            line_before,
            state,
            sample_in_bit,
            at_first_sample,
            at_centre,
            at_decide,
            previous_sample,
            sample_before_that,
            bit_index,
            on_last_bit,
            resync_done,
            shift,
            parity_sum,
            all_low,
            held_data,
            held_valid,
            held_framing,
            held_parity,
            held_break,
            overrun_flag
        );
        clock!(self, clock, sampler);
        self.between_frames.next = (self.state.q.val() == RxState::Resync)
            | (self.state.q.val() == RxState::WaitIdle)
            | (self.state.q.val() == RxState::Idle);
        self.sampler.increment.next = self.increment.val();
        if self.restart_at_increment.val() {
            self.sampler.restart_phase.next = self.increment.val();
        } else {
            self.sampler.restart_phase.next = self.restart_phase.val();
        }

        self.sync_first.d.next = self.rx.val();
        self.sync_line.d.next = self.sync_first.q.val();
        self.line_before.d.next = self.sync_line.q.val();
        self.sampler.restart.next = false;
        self.next_sample.next = self.sample_in_bit.q.val();
        // start + data + parity + stop bits: the idle time Resync waits for.
        self.frame_bits.next = self.last_data_bit.val() + 3;
        if self.parity_enabled.val() {
            self.frame_bits.next = self.last_data_bit.val() + 4;
        }
        // Frames carry at least 5 data bits: the low bits of these masks are constant, so
        // synthesis keeps no logic for them.
        self.insert_at.next = (self.one.val() << self.last_data_bit.val()) & self.upper_bits.val();
        self.beyond_data.next =
            ((self.all_ones.val() << self.last_data_bit.val()) << 1) & self.above_five.val();
        self.on_last_bit.d.next = self.bit_index.q.val() == self.last_data_bit.val();
        self.resync_done.d.next = self.bit_index.q.val() == self.frame_bits.val();

        self.vote.next = (self.sync_line.q.val() & self.previous_sample.q.val())
            | (self.sync_line.q.val() & self.sample_before_that.q.val())
            | (self.previous_sample.q.val() & self.sample_before_that.q.val());
        self.centre.next = self.sampler.tick.val() & self.at_centre.q.val();
        self.decide.next = self.sampler.tick.val() & self.at_decide.q.val();
        self.frame_done.next = false;
        self.stop_high.next = false;
        if self.sampler.tick.val() {
            self.previous_sample.d.next = self.sync_line.q.val();
            self.sample_before_that.d.next = self.previous_sample.q.val();
            self.next_sample.next =
                (self.sample_in_bit.q.val() + 1) & self.samples_per_bit_mask.val();
        }
        if self.ready.val() {
            self.held_valid.d.next = false;
        }

        match self.state.q.val() {
            RxState::Resync => {
                // Count whole bits of high line; any low sample starts the count again.
                // Between frames of a continuous stream the line is never high this long,
                // so the first start edge after this is a real one.
                if self.sampler.tick.val() {
                    if !self.sync_line.q.val() {
                        self.next_sample.next = 0.into();
                        self.bit_index.d.next = 0.into();
                    } else if self.at_first_sample.q.val() {
                        self.bit_index.d.next = self.bit_index.q.val() + 1;
                    }
                }
                if self.resync_done.q.val() {
                    self.state.d.next = RxState::Idle;
                }
            }
            RxState::WaitIdle => {
                if self.sampler.tick.val() & self.vote.val() {
                    self.state.d.next = RxState::Idle;
                }
            }
            RxState::Idle => {
                // Phase and sample count wait, aligned, for the edge.
                self.sampler.restart.next = true;
                self.next_sample.next = 0.into();
                if !self.sync_line.q.val() {
                    self.state.d.next = RxState::Start;
                    if !self.line_before.q.val() & !self.restart_at_increment.val() {
                        self.sampler.restart_phase.next = self.restart_phase_late.val();
                    }
                }
            }
            RxState::Start => {
                if self.at_first_sample.q.val() {
                    // Before the first sample: a new falling edge means the first low was
                    // a glitch or the high was; either way the later edge is within a
                    // sample of the real one.
                    if self.line_before.q.val() & !self.sync_line.q.val() {
                        self.sampler.restart.next = true;
                    }
                    // High at the first sample: a low glitch on the idle line. Re-arm so
                    // the edge detector finds the real edge to the clock.
                    if self.sampler.tick.val() & self.sync_line.q.val() {
                        self.state.d.next = RxState::Idle;
                    }
                }
                if self.decide.val() {
                    if self.vote.val() {
                        self.state.d.next = RxState::Idle;
                    } else {
                        self.state.d.next = RxState::Data;
                        self.bit_index.d.next = 0.into();
                        self.parity_sum.d.next = self.parity_seed.val();
                        self.all_low.d.next = true;
                    }
                }
            }
            RxState::Data => {
                if self.decide.val() {
                    // LSB first: each bit enters at the last data bit's place and moves
                    // down, so the frame ends with its bits in place whatever their count.
                    // (Cleared first: below the top, the place holds the bit above it.)
                    self.shift.d.next = (self.shift.q.val() >> 1) & !self.insert_at.val();
                    if self.vote.val() {
                        self.shift.d.next = (self.shift.q.val() >> 1) | self.insert_at.val();
                    }
                    self.parity_sum.d.next =
                        self.parity_sum.q.val() ^ (self.vote.val() & self.parity_covers_data.val());
                    self.all_low.d.next = self.all_low.q.val() & !self.vote.val();
                    self.bit_index.d.next = self.bit_index.q.val() + 1;
                    if self.on_last_bit.q.val() {
                        if self.parity_enabled.val() {
                            self.state.d.next = RxState::Parity;
                        } else {
                            self.state.d.next = RxState::Stop;
                        }
                    }
                }
            }
            RxState::Parity => {
                if self.decide.val() {
                    self.parity_sum.d.next = self.parity_sum.q.val() ^ self.vote.val();
                    self.all_low.d.next = self.all_low.q.val() & !self.vote.val();
                    self.state.d.next = RxState::Stop;
                }
            }
            RxState::Stop => {
                // When the two samples up to the centre agree, the majority is already
                // known: decide there and re-arm at once. A fast sender's next start edge
                // can come only a little after our stop bit's centre.
                if self.centre.val() & (self.sync_line.q.val() == self.previous_sample.q.val()) {
                    self.frame_done.next = true;
                    self.stop_high.next = self.sync_line.q.val();
                }
                if self.decide.val() {
                    self.frame_done.next = true;
                    self.stop_high.next = self.vote.val();
                }
            }
            _ => {
                self.state.d.next = RxState::Resync;
            }
        }

        if self.frame_done.val() {
            if self.held_valid.q.val() & !self.ready.val() {
                self.overrun_flag.d.next = true;
            } else {
                self.held_data.d.next = self.shift.q.val() & !self.beyond_data.val();
                self.held_valid.d.next = true;
                self.held_framing.d.next = !self.stop_high.val() & !self.all_low.q.val();
                self.held_break.d.next = !self.stop_high.val() & self.all_low.q.val();
                self.held_parity.d.next = self.parity_enabled.val()
                    & self.parity_sum.q.val()
                    & (self.stop_high.val() | !self.all_low.q.val());
            }
            if self.stop_high.val() {
                self.state.d.next = RxState::Idle;
            } else {
                self.state.d.next = RxState::WaitIdle;
            }
        }

        if self.reset.val() {
            self.state.d.next = RxState::Resync;
            self.next_sample.next = 0.into();
            self.bit_index.d.next = 0.into();
            self.held_valid.d.next = false;
            self.overrun_flag.d.next = false;
        }
        if self.sampler.restart.val() {
            self.next_sample.next = 0.into();
        }

        self.sample_in_bit.d.next = self.next_sample.val();
        self.at_first_sample.d.next = !self.next_sample.val().any();
        self.at_centre.d.next = self.next_sample.val() == self.centre_sample.val();
        self.at_decide.d.next = self.next_sample.val() == self.decide_sample.val();

        self.data.next = self.held_data.q.val();
        self.valid.next = self.held_valid.q.val();
        self.framing_error.next = self.held_framing.q.val();
        self.parity_error.next = self.held_parity.q.val();
        self.break_detected.next = self.held_break.q.val();
        self.overrun.next = self.overrun_flag.q.val();
    }
}

/// The receiver for one fixed configuration: the `uart_rx` export. Ports as [`RxCore`]
/// without the settings, which are tied to the configuration's constants.
#[derive(LogicBlock)]
pub struct UartRx<const D: usize> {
    /// The core's clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous: back to waiting for an idle line, drops the held byte, clears overrun.
    pub reset: Signal<In, Bit>,
    /// The serial line (asynchronous; synchronised inside).
    pub rx: Signal<In, Bit>,
    /// The received data, held while `valid`.
    pub data: Signal<Out, Bits<D>>,
    /// A frame is held on `data` and the flags.
    pub valid: Signal<Out, Bit>,
    /// Takes the held frame.
    pub ready: Signal<In, Bit>,
    /// The held frame's stop bit was low.
    pub framing_error: Signal<Out, Bit>,
    /// The held frame's parity bit was wrong.
    pub parity_error: Signal<Out, Bit>,
    /// The held frame was a break (the whole frame low).
    pub break_detected: Signal<Out, Bit>,
    /// Sticky: a frame was dropped because the previous one had not been taken.
    pub overrun: Signal<Out, Bit>,
    core: RxCore<D>,
    // The settings, as constants in this block's own update (a block of constants alone
    // would be an `always @(*)` with nothing to trigger it, which Icarus never runs).
    increment: Constant<Bits<32>>,
    last_data_bit: Constant<Bits<4>>,
    parity_enabled: Constant<Bit>,
    parity_covers_data: Constant<Bit>,
    parity_seed: Constant<Bit>,
}

impl<const D: usize> UartRx<D> {
    /// The receiver for `timing`'s configuration; an `Err` when `D` cannot carry its data
    /// bits.
    pub fn new(timing: &Timing) -> Result<Self> {
        Ok(Self {
            clock: Default::default(),
            reset: Default::default(),
            rx: Default::default(),
            data: Default::default(),
            valid: Default::default(),
            ready: Default::default(),
            framing_error: Default::default(),
            parity_error: Default::default(),
            break_detected: Default::default(),
            overrun: Default::default(),
            core: RxCore::new(timing, false)?,
            increment: Constant::new((timing.sample.increment as u64).to_bits()),
            last_data_bit: Constant::new((timing.config.data_bits as u64 - 1).to_bits()),
            parity_enabled: Constant::new(timing.config.parity.enabled()),
            parity_covers_data: Constant::new(timing.config.parity.covers_data()),
            parity_seed: Constant::new(timing.config.parity.seed()),
        })
    }
}

impl<const D: usize> Logic for UartRx<D> {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, core);
        self.core.increment.next = self.increment.val();
        self.core.last_data_bit.next = self.last_data_bit.val();
        self.core.parity_enabled.next = self.parity_enabled.val();
        self.core.parity_covers_data.next = self.parity_covers_data.val();
        self.core.parity_seed.next = self.parity_seed.val();
        self.core.reset.next = self.reset.val();
        self.core.rx.next = self.rx.val();
        self.core.ready.next = self.ready.val();
        self.data.next = self.core.data.val();
        self.valid.next = self.core.valid.val();
        self.framing_error.next = self.core.framing_error.val();
        self.parity_error.next = self.core.parity_error.val();
        self.break_detected.next = self.core.break_detected.val();
        self.overrun.next = self.core.overrun.val();
    }
}

/// The receiver with its settings on ports: the `uart_rx_cfg` export. `increment` is
/// round(baud × oversample × 2^20 / clock_hz) ([`crate::config::cfg_increment`]); the
/// oversample rate and the data width `D` are fixed when the core is built. Settings are
/// taken between frames ([`FrameSettings`]).
#[derive(LogicBlock)]
pub struct UartRxCfg<const D: usize> {
    /// The core's clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous: back to waiting for an idle line, drops the held byte, clears overrun.
    pub reset: Signal<In, Bit>,
    /// The serial line (asynchronous; synchronised inside).
    pub rx: Signal<In, Bit>,
    /// Sample tick increment in 2^-20 of the clock (see the type's docs).
    pub increment: Signal<In, Bits<CFG_INCREMENT_BITS>>,
    /// Data bits per frame, 5 to `D`.
    pub data_bits: Signal<In, Bits<4>>,
    /// Parity code: 0 none, 1 even, 2 odd, 3 mark, 4 space.
    pub parity: Signal<In, Bits<3>>,
    /// Two stop bits instead of one: no effect on the receiver, which checks only the
    /// first stop bit (kept so the three `*_cfg` modules share one settings port list).
    pub two_stop_bits: Signal<In, Bit>,
    /// The received data, held while `valid`; bits above `data_bits` are 0.
    pub data: Signal<Out, Bits<D>>,
    /// A frame is held on `data` and the flags.
    pub valid: Signal<Out, Bit>,
    /// Takes the held frame.
    pub ready: Signal<In, Bit>,
    /// The held frame's stop bit was low.
    pub framing_error: Signal<Out, Bit>,
    /// The held frame's parity bit was wrong.
    pub parity_error: Signal<Out, Bit>,
    /// The held frame was a break (the whole frame low).
    pub break_detected: Signal<Out, Bit>,
    /// Sticky: a frame was dropped because the previous one had not been taken.
    pub overrun: Signal<Out, Bit>,
    settings: FrameSettings,
    core: RxCore<D>,
    increment_shift: Constant<Bits<32>>,
}

impl<const D: usize> UartRxCfg<D> {
    /// A run-time configurable receiver with `timing`'s oversample rate (fixed in
    /// hardware); its settings are read from the ports from the first clock on.
    pub fn new(timing: &Timing) -> Result<Self> {
        Ok(Self {
            clock: Default::default(),
            reset: Default::default(),
            rx: Default::default(),
            increment: Default::default(),
            data_bits: Default::default(),
            parity: Default::default(),
            two_stop_bits: Default::default(),
            data: Default::default(),
            valid: Default::default(),
            ready: Default::default(),
            framing_error: Default::default(),
            parity_error: Default::default(),
            break_detected: Default::default(),
            overrun: Default::default(),
            settings: FrameSettings::new(timing.config.oversample),
            core: RxCore::new(timing, true)?,
            increment_shift: Constant::new((31 - CFG_INCREMENT_FRACTION_BITS as u64).to_bits()),
        })
    }
}

impl<const D: usize> Logic for UartRxCfg<D> {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, settings, core);
        self.settings.follow.next = self.core.between_frames.val();
        self.settings.increment.next =
            bit_cast::<32, CFG_INCREMENT_BITS>(self.increment.val()) << self.increment_shift.val();
        self.settings.data_bits.next = self.data_bits.val();
        self.settings.parity.next = self.parity.val();
        self.settings.two_stop_bits.next = self.two_stop_bits.val();
        self.core.increment.next = self.settings.sample_increment.val();
        self.core.last_data_bit.next = self.settings.last_data_bit.val();
        self.core.parity_enabled.next = self.settings.parity_enabled.val();
        self.core.parity_covers_data.next = self.settings.parity_covers_data.val();
        self.core.parity_seed.next = self.settings.parity_seed.val();
        self.core.reset.next = self.reset.val();
        self.core.rx.next = self.rx.val();
        self.core.ready.next = self.ready.val();
        self.data.next = self.core.data.val();
        self.valid.next = self.core.valid.val();
        self.framing_error.next = self.core.framing_error.val();
        self.parity_error.next = self.core.parity_error.val();
        self.break_detected.next = self.core.break_detected.val();
        self.overrun.next = self.core.overrun.val();
    }
}
