//! Fractional baud timing: a phase accumulator that ticks at `clock × increment / 2^31`.
//!
//! Guarantees: ticks are single-clock pulses; the interval between two ticks is the
//! ideal interval rounded down or up to whole clocks, and the error never accumulates
//! (the long-run rate is exact to the increment's rounding, see `config::TARGET_PPM`).
//! `restart` loads `restart_phase` so timing can be aligned to an event (a start edge,
//! the start of a frame) with one-clock resolution.
//!
//! The register is 32 bits: bit 31 is the overflow of the 31-bit phase below it, kept in
//! the register instead of detected as a carry (rust-hdl 0.46 cannot widen a value by one
//! bit). The tick is therefore registered, one clock after the overflow — the same delay
//! for every tick, so it shifts nothing. Increment bits below the precision in use are
//! zero (a constant increment rounded by `config`, or the `*_cfg` exports' narrower port
//! shifted into place), so those phase bits stay zero and synthesis removes them.
//!
//! Split timers ([`BaudTick::split`], the run-time transmitter's): the same phase, clock
//! for clock, and therefore the same ticks — only the addition is cut in two. A run-time
//! increment is not constant to synthesis, so the whole phase is one carry chain (24 bits
//! in the transmitter of a 16x core) that nextpnr may also break into two columns; it was
//! the critical path of `uart_cfg` and of the peripheral (the receiver's 21-bit chain was
//! not, and stays whole: `bench/periph-size.md`). A split timer adds the low part and the high part of
//! the phase in separate chains. The carry from the low part into the high part is taken
//! from a register (`low_carry`) that holds the carry this clock's low addition produces,
//! computed a clock ahead from the low phase and twice the low increment:
//! `low + 2·inc_low` over 2^split counts the carries of this clock's and the next clock's
//! low additions together (0, 1 or 2), so the next clock's is that count less this
//! clock's. The high chain takes the registered carry in at a free bit below its lowest
//! (both operands carry it there: c + c sends c into the chain and leaves 0). Nothing is
//! delayed, so every guarantee above holds unchanged. (A plain registered carry, added a
//! clock late, would move a tick whose overflow came from the low part by a clock: bits a
//! clock longer or shorter than the rounded ideal.) One difference: while the timer runs,
//! a changed increment is used from the next clock on by the low part's look-ahead, so the
//! first addition after a change may carry one unit of 2^split more or less than the
//! unsplit timer's (a fraction of a clock; the run-time cores change it only between
//! frames, and a restart, which every frame start is, loads the look-ahead afresh).
//! A split timer restarts to its increment, the run-time cores' restart phase.

use rust_hdl::prelude::*;

/// The phase accumulator. `increment` and `restart_phase` are inputs so that the same
/// block serves a constant baud (inputs tied to constants, folded by synthesis) and a
/// baud set at run time.
#[derive(LogicBlock)]
pub struct BaudTick {
    /// The core's clock.
    pub clock: Signal<In, Clock>,
    /// Added to the 31-bit phase every clock: `rate / clock × 2^31`.
    pub increment: Signal<In, Bits<32>>,
    /// Holds the phase at `restart_phase` (and the tick low) while high.
    pub restart: Signal<In, Bit>,
    /// The phase loaded by `restart`; bit 31 must be clear. Not read by a split timer,
    /// which loads `increment` (see [`BaudTick::split`]).
    pub restart_phase: Signal<In, Bits<32>>,
    /// One clock per interval.
    pub tick: Signal<Out, Bit>,
    phase: DFF<Bits<32>>,
    // Split only: the carry out of the low part in this clock's addition.
    low_carry: DFF<Bit>,
    low_sum: Signal<Local, Bits<32>>,
    // The low phase plus twice the low increment: bits `split` and `split + 1` count
    // this clock's and the next clock's low carries.
    ahead_sum: Signal<Local, Bits<32>>,
    carry_in: Signal<Local, Bits<32>>,
    high_sum: Signal<Local, Bits<32>>,
    phase_mask: Constant<Bits<32>>,
    low_mask: Constant<Bits<32>>,
    high_mask: Constant<Bits<32>>,
    carry_slot: Constant<Bits<32>>,
    split_bit: Constant<Bits<32>>,
    split_bit_above: Constant<Bits<32>>,
    split_bit_below: Constant<Bits<32>>,
    split: Constant<Bit>,
}

impl Default for BaudTick {
    /// One carry chain over the whole phase: the fixed cores' timer, whose constant
    /// increment synthesis folds into a short chain.
    fn default() -> Self {
        Self::with_split(0)
    }
}

impl BaudTick {
    /// A split timer (see the module header) for increments whose bits below
    /// `lowest_bit` are zero: the cut is halfway between that bit and the overflow, so
    /// the two chains are about the same length. Restarts load `increment`.
    pub fn split(lowest_bit: u32) -> Self {
        Self::with_split((lowest_bit.min(27) + 32) / 2)
    }

    // `split` 0: unsplit. Otherwise the low part is bits 0 .. split-1, the high part
    // split .. 30 with its carry taken in at bit split-1 (3 ..= 29 keeps every mask and
    // the look-ahead sum inside 32 bits).
    fn with_split(split: u32) -> Self {
        let split = split as u64;
        let split_on = split != 0;
        let low_mask = if split_on { (1u64 << split) - 1 } else { 0 };
        Self {
            clock: Default::default(),
            increment: Default::default(),
            restart: Default::default(),
            restart_phase: Default::default(),
            tick: Default::default(),
            phase: Default::default(),
            low_carry: Default::default(),
            low_sum: Default::default(),
            ahead_sum: Default::default(),
            carry_in: Default::default(),
            high_sum: Default::default(),
            phase_mask: Constant::new(0x7FFF_FFFF_u64.to_bits()),
            low_mask: Constant::new(low_mask.to_bits()),
            high_mask: Constant::new((0x7FFF_FFFF_u64 & !low_mask).to_bits()),
            carry_slot: Constant::new(if split_on { 1u64 << (split - 1) } else { 0 }.to_bits()),
            split_bit: Constant::new(split.to_bits()),
            split_bit_above: Constant::new((split + 1).to_bits()),
            split_bit_below: Constant::new(split.saturating_sub(1).to_bits()),
            split: Constant::new(split_on),
        }
    }
}

impl Logic for BaudTick {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, phase, low_carry);
        // Unsplit, the masks make this one addition of the whole phase: the low part and
        // the carry slot are zero and the high mask is the phase mask.
        self.low_sum.next = (self.phase.q.val() & self.low_mask.val())
            + (self.increment.val() & self.low_mask.val());
        self.ahead_sum.next = (self.phase.q.val() & self.low_mask.val())
            + ((self.increment.val() & self.low_mask.val()) << 1);
        self.carry_in.next = 0.into();
        if self.low_carry.q.val() {
            self.carry_in.next = self.carry_slot.val();
        }
        self.high_sum.next = ((self.phase.q.val() & self.high_mask.val()) | self.carry_in.val())
            + ((self.increment.val() & !self.low_mask.val()) | self.carry_in.val());
        self.phase.d.next = (self.high_sum.val() & !self.low_mask.val())
            | (self.low_sum.val() & self.low_mask.val());
        // Carries of this and the next low addition, less this one's: the next one's.
        self.low_carry.d.next = self.split.val()
            & (self
                .ahead_sum
                .val()
                .get_bit(self.split_bit_above.val().index())
                | (self.ahead_sum.val().get_bit(self.split_bit.val().index())
                    & !self.low_carry.q.val()));
        if self.restart.val() {
            if self.split.val() {
                // Phase = increment; the first low addition is then low + low: its carry
                // is the low increment's top bit.
                self.phase.d.next = self.increment.val() & self.phase_mask.val();
                self.low_carry.d.next = self
                    .increment
                    .val()
                    .get_bit(self.split_bit_below.val().index());
            } else {
                self.phase.d.next = self.restart_phase.val() & self.phase_mask.val();
            }
        }
        self.tick.next = self.phase.q.val().get_bit(31);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An unsplit and a split timer on the same inputs.
    #[derive(LogicBlock)]
    struct Pair {
        clock: Signal<In, Clock>,
        increment: Signal<In, Bits<32>>,
        restart: Signal<In, Bit>,
        plain: BaudTick,
        split: BaudTick,
    }

    impl Logic for Pair {
        #[hdl_gen]
        fn update(&mut self) {
            clock!(self, clock, plain, split);
            self.plain.increment.next = self.increment.val();
            self.plain.restart.next = self.restart.val();
            self.plain.restart_phase.next = self.increment.val();
            self.split.increment.next = self.increment.val();
            self.split.restart.next = self.restart.val();
            self.split.restart_phase.next = 0.into();
        }
    }

    // xorshift64: the test's own reproducible random numbers.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    /// Clock for clock the split timer has the unsplit one's phase (so its ticks), for
    /// increments of every width the run-time cores use and for the extremes, with
    /// restarts at random times.
    #[test]
    fn a_split_timer_keeps_the_unsplit_phase_clock_for_clock() {
        for lowest_bit in [7u32, 8, 9, 11] {
            let mut pair = Pair {
                clock: Default::default(),
                increment: Default::default(),
                restart: Default::default(),
                plain: BaudTick::default(),
                split: BaudTick::split(lowest_bit),
            };
            pair.connect_all();
            let mut rng = 0x9E37_79B9_7F4A_7C15u64 ^ lowest_bit as u64;
            let grain = 1u64 << lowest_bit;
            let mut ticks = 0u64;
            for round in 0..48 {
                // Fast and slow rates, the largest a run-time core takes (2^31 >> the
                // oversample shift) and the smallest, and all-ones patterns whose
                // carries ripple through the cut.
                let top = (1u64 << 31) >> (11 - lowest_bit.min(11));
                let increment = match round {
                    0 => top,
                    1 => grain,
                    2 => top - grain,
                    3 => (1u64 << (lowest_bit + (32 - lowest_bit) / 2)) - grain,
                    _ => ((next(&mut rng) % top) / grain).max(1) * grain,
                };
                pair.increment.next = (increment as u32).to_bits();
                for clock in 0..4000u32 {
                    // Restarts now and then (held 1 to 3 clocks), as at frame starts.
                    pair.restart.next = clock < 2 || next(&mut rng) % 1500 < 2;
                    pair.clock.next = false.into();
                    assert!(simulate(&mut pair, 100));
                    pair.clock.next = true.into();
                    assert!(simulate(&mut pair, 100));
                    assert_eq!(
                        pair.split.phase.q.val().to_u64(),
                        pair.plain.phase.q.val().to_u64(),
                        "lowest bit {lowest_bit}, increment {increment:#x}, clock {clock}"
                    );
                    assert_eq!(pair.split.tick.val(), pair.plain.tick.val());
                    ticks += pair.plain.tick.val() as u64;
                }
            }
            // The comparison saw ticks (the increments are not all too slow to tick).
            assert!(ticks > 48 * 20, "lowest bit {lowest_bit}: {ticks} ticks");
        }
    }
}
