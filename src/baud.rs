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
    /// The phase loaded by `restart`; bit 31 must be clear.
    pub restart_phase: Signal<In, Bits<32>>,
    /// One clock per interval.
    pub tick: Signal<Out, Bit>,
    phase: DFF<Bits<32>>,
    phase_mask: Constant<Bits<32>>,
}

impl Default for BaudTick {
    fn default() -> Self {
        Self {
            clock: Default::default(),
            increment: Default::default(),
            restart: Default::default(),
            restart_phase: Default::default(),
            tick: Default::default(),
            phase: Default::default(),
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
            self.phase.d.next = self.restart_phase.val() & self.phase_mask.val();
        }
        self.tick.next = self.phase.q.val().get_bit(31);
    }
}
