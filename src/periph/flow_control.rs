//! The peripheral's RTS/CTS flow control: the CTS input's synchroniser, CTS gating of
//! the transmitter, the RTS output from the RX FIFO's level, and the CTS change event.
//!
//! Guarantees
//! - CTS (active low, asynchronous) passes a 2-flip-flop synchroniser before any logic
//!   looks at it. With `cts_flow` high, `cts_ok` is low while the synchronised CTS is
//!   high (deasserted): it gates only the start of a frame (the transmit path's
//!   `can_send`), so a frame on the line always finishes.
//! - RTS (active low) is registered: high (deasserted) while `rts_flow` is high and the
//!   RX FIFO holds at least `threshold` entries, low otherwise and after `reset`.
//! - `cts_changed` is high for one clock after each change of the synchronised CTS.
//! - `cts_asserted` and `rts_asserted` are the pins' states for `STATUS` (1 = asserted,
//!   low on the pin).
//! - Left out of a build ([`FlowControl::new`] with `enabled` false): `cts_ok` is a
//!   constant high, `rts` a constant low (asserted: the peer may always send), and
//!   `cts_changed`, `cts_asserted`, `rts_asserted` constants low; synthesis removes the
//!   synchroniser and the threshold compare.

use rust_hdl::prelude::*;

/// RTS/CTS flow control (see the module header).
#[derive(LogicBlock)]
pub struct FlowControl {
    /// The clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset of the peripheral.
    pub reset: Signal<In, Bit>,
    /// Clear to send, active low (asynchronous): the pin.
    pub cts: Signal<In, Bit>,
    /// `CTRL.CTS_FLOW`: CTS gates the transmitter.
    pub cts_flow: Signal<In, Bit>,
    /// `CTRL.RTS_FLOW`: RTS follows the RX FIFO's level.
    pub rts_flow: Signal<In, Bit>,
    /// The RX FIFO's level.
    pub rx_level: Signal<In, Bits<16>>,
    /// `RTS_THRESHOLD.LEVEL`: RTS is deasserted from this level up.
    pub threshold: Signal<In, Bits<16>>,
    /// A frame may start as far as CTS is concerned.
    pub cts_ok: Signal<Out, Bit>,
    /// Request to send, active low: the pin, registered.
    pub rts: Signal<Out, Bit>,
    /// The peer asserts CTS (synchronised), for `STATUS.CTS`.
    pub cts_asserted: Signal<Out, Bit>,
    /// RTS is asserted, for `STATUS.RTS`.
    pub rts_asserted: Signal<Out, Bit>,
    /// The synchronised CTS changed (the interrupt event, one clock).
    pub cts_changed: Signal<Out, Bit>,
    // Synchroniser, and the synchronised value a clock behind for its changes.
    cts_first: DFF<Bit>,
    cts_sync: DFF<Bit>,
    cts_before: DFF<Bit>,
    rts_out: DFF<Bit>,
    enabled: Constant<Bit>,
}

impl FlowControl {
    /// Flow control of a build that has it (`enabled`) or not.
    pub fn new(enabled: bool) -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            cts: Default::default(),
            cts_flow: Default::default(),
            rts_flow: Default::default(),
            rx_level: Default::default(),
            threshold: Default::default(),
            cts_ok: Default::default(),
            rts: Default::default(),
            cts_asserted: Default::default(),
            rts_asserted: Default::default(),
            cts_changed: Default::default(),
            cts_first: Default::default(),
            cts_sync: Default::default(),
            cts_before: Default::default(),
            rts_out: Default::default(),
            enabled: Constant::new(enabled),
        }
    }
}

impl Logic for FlowControl {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, cts_first, cts_sync, cts_before, rts_out);
        self.cts_first.d.next = self.cts.val();
        self.cts_sync.d.next = self.cts_first.q.val();
        self.cts_before.d.next = self.cts_sync.q.val();
        self.rts_out.d.next = self.rts_flow.val() & (self.rx_level.val() >= self.threshold.val());
        if self.reset.val() {
            self.rts_out.d.next = false;
        }
        self.cts_ok.next = !self.cts_flow.val() | !self.cts_sync.q.val();
        self.rts.next = self.rts_out.q.val();
        self.cts_asserted.next = !self.cts_sync.q.val();
        self.rts_asserted.next = !self.rts_out.q.val();
        self.cts_changed.next = self.cts_sync.q.val() ^ self.cts_before.q.val();
        if !self.enabled.val() {
            self.cts_ok.next = true;
            self.rts.next = false;
            self.cts_asserted.next = false;
            self.rts_asserted.next = false;
            self.cts_changed.next = false;
        }
    }
}
