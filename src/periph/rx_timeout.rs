//! The peripheral's RX timeout: bytes that wait in the RX FIFO while the line stays quiet
//! raise an event after `RX_TIMEOUT.CHARS` character times.
//!
//! Guarantees
//! - Counts bit times (`bit_tick`, the shared bit timer's) while `restart` is low, in
//!   characters of the current frame format (start + data + parity + stop bits, taken a
//!   clock late from the cores' settings); `timed_out` is high for one clock when
//!   `chars` characters have passed (`chars` = 0: never), then the count stops until
//!   the next `restart` (a byte arrived, a byte was read, or the FIFO is empty).
//! - The event comes two clocks after the tick that completes the last character: the
//!   count is compared in a register (`due`), and fires once (`fired`).
//! - `restart` acts one clock late (it is registered), exactly as if the byte or the
//!   read had come one clock later. Why: its cone (a bus read's decode, the FIFO's
//!   flags) then ends at one flip-flop instead of fanning out to every counter bit's
//!   enable (that path was critical in `full`); against a wait of character times one
//!   clock is invisible.
//! - `reset` (synchronous) clears `due` and `fired`; the counts restart with the FIFO,
//!   which the same reset empties.
//! - Left out of a build ([`RxTimeout::new`] with `enabled` false): `timed_out` is a constant
//!   low, so synthesis removes the counters.

use rust_hdl::prelude::*;

/// The RX timeout's counters (see the module header).
#[derive(LogicBlock)]
pub struct RxTimeout {
    /// The clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset of the peripheral.
    pub reset: Signal<In, Bit>,
    /// One bit time has passed (one clock per bit time).
    pub bit_tick: Signal<In, Bit>,
    /// The cores' `data bits - 1`.
    pub last_data_bit: Signal<In, Bits<4>>,
    /// The cores' frames carry a parity bit.
    pub parity_enabled: Signal<In, Bit>,
    /// The cores' frames have two stop bits.
    pub two_stop: Signal<In, Bit>,
    /// `RX_TIMEOUT.CHARS`: character times to wait; 0 never fires.
    pub chars: Signal<In, Bits<8>>,
    /// High in a clock that restarts the wait: a byte arrived, a byte was read, or the
    /// RX FIFO is empty.
    pub restart: Signal<In, Bit>,
    /// The timeout's interrupt event (one clock).
    pub timed_out: Signal<Out, Bit>,
    // Bit times within the character, characters, the count reached, fired once.
    bits: DFF<Bits<4>>,
    counted: DFF<Bits<8>>,
    due: DFF<Bit>,
    fired: DFF<Bit>,
    // `restart`, a clock late.
    restart_late: DFF<Bit>,
    // The character's last bit index (start + data + parity + stop bits - 1), registered.
    char_last_bit: DFF<Bits<4>>,
    frame_last_bit: Signal<Local, Bits<4>>,
    enabled: Constant<Bit>,
}

impl RxTimeout {
    /// The RX timeout of a build that has it (`enabled`) or not.
    pub fn new(enabled: bool) -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            bit_tick: Default::default(),
            last_data_bit: Default::default(),
            parity_enabled: Default::default(),
            two_stop: Default::default(),
            chars: Default::default(),
            restart: Default::default(),
            timed_out: Default::default(),
            bits: Default::default(),
            counted: Default::default(),
            due: Default::default(),
            fired: Default::default(),
            restart_late: Default::default(),
            char_last_bit: Default::default(),
            frame_last_bit: Default::default(),
            enabled: Constant::new(enabled),
        }
    }
}

impl Logic for RxTimeout {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            bits,
            counted,
            due,
            fired,
            restart_late,
            char_last_bit
        );
        self.frame_last_bit.next = self.last_data_bit.val() + 2;
        if self.parity_enabled.val() {
            self.frame_last_bit.next = self.last_data_bit.val() + 3;
        }
        if self.two_stop.val() {
            self.frame_last_bit.next = self.frame_last_bit.val() + 1;
        }
        self.char_last_bit.d.next = self.frame_last_bit.val();
        if self.bit_tick.val() & !self.fired.q.val() {
            self.bits.d.next = self.bits.q.val() + 1;
            if self.bits.q.val() == self.char_last_bit.q.val() {
                self.bits.d.next = 0.into();
                self.counted.d.next = self.counted.q.val() + 1;
            }
        }
        self.due.d.next = (self.counted.q.val() == self.chars.val()) & self.chars.val().any();
        if self.due.q.val() & !self.fired.q.val() {
            self.fired.d.next = true;
        }
        self.restart_late.d.next = self.restart.val();
        if self.restart_late.q.val() {
            self.bits.d.next = 0.into();
            self.counted.d.next = 0.into();
            self.fired.d.next = false;
            self.due.d.next = false;
        }
        if self.reset.val() {
            self.fired.d.next = false;
            self.due.d.next = false;
        }
        self.timed_out.next = self.due.q.val() & !self.fired.q.val();
        if !self.enabled.val() {
            self.timed_out.next = false;
        }
    }
}
