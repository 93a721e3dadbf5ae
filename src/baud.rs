//! Fractional baud timing: a phase accumulator that ticks at `clock × increment / 2^31`.
//!
//! Guarantees: ticks are single-clock pulses; the interval between two ticks is the
//! ideal interval rounded down or up to whole clocks, and the error never accumulates
//! (the long-run rate is exact to the increment's rounding, see `config::TARGET_PPM`).
//! `restart` loads a chosen phase so timing can be aligned to an event (a start edge,
//! the start of a frame) with one-clock resolution.
//!
//! The register is 32 bits: bit 31 is the overflow of the 31-bit phase below it, kept in
//! the register instead of detected as a carry (rust-hdl 0.46 cannot widen a value by one
//! bit). The tick is therefore registered, one clock after the overflow — the same delay
//! for every tick, so it shifts nothing. Increment bits below the configured precision are
//! zero, so those phase bits stay zero and synthesis removes them.

use crate::config::PhaseRate;
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct BaudTick {
    pub clock: Signal<In, Clock>,
    /// Holds the phase at `restart_phase` (and the tick low) while high.
    pub restart: Signal<In, Bit>,
    pub tick: Signal<Out, Bit>,
    /// The phase has passed half an interval since the last tick or restart.
    pub past_half: Signal<Out, Bit>,
    phase: DFF<Bits<32>>,
    increment: Constant<Bits<32>>,
    restart_phase: Constant<Bits<32>>,
    phase_mask: Constant<Bits<32>>,
}

impl BaudTick {
    pub fn new(rate: PhaseRate, restart_phase: u32) -> Self {
        assert!(
            restart_phase < 1 << 31,
            "restart phase must leave the tick bit clear"
        );
        Self {
            clock: Default::default(),
            restart: Default::default(),
            tick: Default::default(),
            past_half: Default::default(),
            phase: Default::default(),
            increment: Constant::new((rate.increment as u64).to_bits()),
            restart_phase: Constant::new((restart_phase as u64).to_bits()),
            phase_mask: Constant::new(0x7FFF_FFFF_u64.to_bits()),
        }
    }
}

impl Logic for BaudTick {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, phase);
        self.phase.d.next = (self.phase.q.val() & self.phase_mask.val()) + self.increment.val();
        if self.restart.val() {
            self.phase.d.next = self.restart_phase.val();
        }
        self.tick.next = self.phase.q.val().get_bit(31);
        self.past_half.next = self.phase.q.val().get_bit(30);
    }
}
