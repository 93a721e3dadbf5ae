//! UART receiver: oversampled, majority-voted, with start-bit validation and overrun
//! reporting.
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
//!   shorter than half a bit never starts a frame. A low glitch on the idle line re-arms the
//!   edge detector by the first sample, so a real start edge just behind it is found to the
//!   clock; a high glitch early in a real start bit keeps the first edge's phase.
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

use crate::baud::BaudTick;
use crate::config::{Parity, Timing};
use rust_hdl::prelude::*;

#[derive(Copy, Clone, PartialEq, Debug, LogicState)]
enum RxState {
    // First, so it is the power-up state.
    Resync,
    WaitIdle,
    Idle,
    Start,
    StartGlitch,
    Data,
    Parity,
    Stop,
}

#[derive(LogicBlock)]
pub struct UartRx<const D: usize> {
    pub clock: Signal<In, Clock>,
    /// Synchronous: back to waiting for an idle line, drops the held byte, clears overrun.
    pub reset: Signal<In, Bit>,
    pub rx: Signal<In, Bit>,
    pub data: Signal<Out, Bits<D>>,
    pub valid: Signal<Out, Bit>,
    pub ready: Signal<In, Bit>,
    pub framing_error: Signal<Out, Bit>,
    pub parity_error: Signal<Out, Bit>,
    pub break_detected: Signal<Out, Bit>,
    /// Sticky: a frame was dropped because the previous one had not been taken.
    pub overrun: Signal<Out, Bit>,
    // Metastability: `rx` is asynchronous; the second stage gives the first a clock to settle.
    sync_first: DFF<Bit>,
    sync_line: DFF<Bit>,
    sampler: BaudTick,
    state: DFF<RxState>,
    sample_in_bit: DFF<Bits<4>>,
    next_sample: Signal<Local, Bits<4>>,
    // `sample_in_bit` equals the centre / decide position: compared a clock ahead, so the
    // comparison is not on the path from the tick to the state register.
    at_centre: DFF<Bit>,
    at_decide: DFF<Bit>,
    previous_sample: DFF<Bit>,
    // The line went high again in StartGlitch more than half a sample after the edge.
    rose_late: DFF<Bit>,
    sample_before_that: DFF<Bit>,
    bit_index: DFF<Bits<4>>,
    shift: DFF<Bits<D>>,
    parity_sum: DFF<Bit>,
    all_low: DFF<Bit>,
    held_data: DFF<Bits<D>>,
    held_valid: DFF<Bit>,
    held_framing: DFF<Bit>,
    held_parity: DFF<Bit>,
    held_break: DFF<Bit>,
    overrun_flag: DFF<Bit>,
    vote: Signal<Local, Bit>,
    centre: Signal<Local, Bit>,
    decide: Signal<Local, Bit>,
    frame_done: Signal<Local, Bit>,
    stop_high: Signal<Local, Bit>,
    // The `sample_in_bit` values on the ticks that take the centre sample and the one after
    // it, which completes the three-sample window.
    centre_sample: Constant<Bits<4>>,
    decide_sample: Constant<Bits<4>>,
    samples_per_bit_mask: Constant<Bits<4>>,
    frame_bits: Constant<Bits<4>>,
    last_data_bit: Constant<Bits<4>>,
    parity_enabled: Constant<Bit>,
    // Even and odd parity sum the data bits; mark and space only look at the parity bit.
    parity_covers_data: Constant<Bit>,
    // Start value of the sum, chosen so a right frame ends with a sum of 0.
    parity_seed: Constant<Bit>,
}

impl<const D: usize> UartRx<D> {
    pub fn new(timing: &Timing) -> Self {
        let config = timing.config;
        assert_eq!(
            config.data_bits as usize, D,
            "data width must match data_bits"
        );
        let oversample = config.oversample;
        Self {
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
            sync_first: Default::default(),
            sync_line: Default::default(),
            sampler: BaudTick::new(timing.sample, timing.rx_restart_phase),
            state: Default::default(),
            sample_in_bit: Default::default(),
            next_sample: Default::default(),
            at_centre: Default::default(),
            at_decide: Default::default(),
            previous_sample: Default::default(),
            rose_late: Default::default(),
            sample_before_that: Default::default(),
            bit_index: Default::default(),
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
            // sample_in_bit counts ticks mod oversample and is 0 at the edge; on the tick
            // where it reads oversample/2, that tick's sample is number oversample/2 + 1.
            centre_sample: Constant::new((oversample as u64 / 2 - 1).to_bits()),
            decide_sample: Constant::new((oversample as u64 / 2).to_bits()),
            samples_per_bit_mask: Constant::new((oversample as u64 - 1).to_bits()),
            frame_bits: Constant::new((config.frame_bits() as u64).to_bits()),
            last_data_bit: Constant::new((D as u64 - 1).to_bits()),
            parity_enabled: Constant::new(config.parity != Parity::None),
            parity_covers_data: Constant::new(matches!(config.parity, Parity::Even | Parity::Odd)),
            parity_seed: Constant::new(matches!(config.parity, Parity::Odd | Parity::Mark)),
        }
    }
}

impl<const D: usize> Logic for UartRx<D> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            sync_first,
            sync_line,
            state,
            sample_in_bit,
            at_centre,
            at_decide,
            previous_sample,
            rose_late,
            sample_before_that,
            bit_index,
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
        self.sync_first.d.next = self.rx.val();
        self.sync_line.d.next = self.sync_first.q.val();
        self.sampler.restart.next = false;
        self.next_sample.next = self.sample_in_bit.q.val();

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
                    } else if self.sample_in_bit.q.val() == self.samples_per_bit_mask.val() {
                        self.bit_index.d.next = self.bit_index.q.val() + 1;
                    }
                }
                if self.bit_index.q.val() == self.frame_bits.val() {
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
                }
            }
            RxState::Start => {
                // High again before the first sample: either a low glitch on the idle line
                // (the real edge may be just behind it) or a high glitch early in a real
                // start bit. StartGlitch tells them apart.
                if self.sync_line.q.val() & !self.sample_in_bit.q.val().any() {
                    self.state.d.next = RxState::StartGlitch;
                    // Late: past half a sample, or at the first tick itself.
                    self.rose_late.d.next = self.sampler.past_half.val() | self.sampler.tick.val();
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
            RxState::StartGlitch => {
                // Low again before the first sample: a high glitch in the start bit, or a
                // low glitch just before the real edge. Keep the first edge's phase if the
                // line was low longer than it has been high (the high was the glitch);
                // otherwise restart on this edge (the first low was the glitch). Half a
                // sample is the yardstick. Still high after the first sample: it was noise;
                // re-arm so the edge detector finds the real edge to the clock.
                if !self.sync_line.q.val() {
                    self.state.d.next = RxState::Start;
                    if !self.rose_late.q.val()
                        & (self.sampler.past_half.val() | self.sample_in_bit.q.val().any())
                    {
                        self.sampler.restart.next = true;
                        self.next_sample.next = 0.into();
                    }
                } else if self.sample_in_bit.q.val().any() {
                    self.state.d.next = RxState::Idle;
                }
            }
            RxState::Data => {
                if self.decide.val() {
                    // LSB first: each bit enters at the top and ends up in place.
                    self.shift.d.next = (self.shift.q.val() >> 1)
                        .replace_bit(self.last_data_bit.val().index(), self.vote.val());
                    self.parity_sum.d.next =
                        self.parity_sum.q.val() ^ (self.vote.val() & self.parity_covers_data.val());
                    self.all_low.d.next = self.all_low.q.val() & !self.vote.val();
                    self.bit_index.d.next = self.bit_index.q.val() + 1;
                    if self.bit_index.q.val() == self.last_data_bit.val() {
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
                self.held_data.d.next = self.shift.q.val();
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

        self.sample_in_bit.d.next = self.next_sample.val();
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
