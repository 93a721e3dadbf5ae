//! The peripheral's interrupts: events → pending bits → enable → `irq`.
//!
//! Guarantees
//! - Events are edges of conditions: the RX FIFO's level reaching its watermark
//!   (`rx_level >= rx_watermark`), the TX FIFO's level falling to its watermark
//!   (`tx_level <= tx_watermark`), the transmitter going idle (`tx_idle`); the RX
//!   timeout, a byte with a line error, an overflow and a CTS change come in as one-clock
//!   events. The three conditions count as true after power-up and `reset`, so an
//!   already-true condition raises no event.
//! - An event sets its `IRQ_PENDING` bit whether enabled or not; `clear` (the bits a
//!   write to `IRQ_PENDING` sets) clears them; an event in the clock of the clear wins.
//! - `irq` (level, registered) is high while any pending bit is enabled.
//! - `reset` (synchronous) clears every pending bit and `irq`.
//! - A source the build leaves out has no `IRQ_ENABLE` bit ([`regs::build_map`]): its
//!   pending bit is a constant 0 ([`Interrupts::new`] takes the mask from the build), so
//!   synthesis removes it with the edge detect in front of it.

use crate::periph::options::PeripheralOptions;
use crate::periph::regs;
use rust_hdl::prelude::*;

fn k32(v: u32) -> Constant<Bits<32>> {
    Constant::new((v as u64).to_bits())
}

/// The interrupt logic (see the module header).
#[derive(LogicBlock)]
pub struct Interrupts {
    /// The clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset of the peripheral.
    pub reset: Signal<In, Bit>,
    /// The RX FIFO's level.
    pub rx_level: Signal<In, Bits<16>>,
    /// The TX FIFO's level.
    pub tx_level: Signal<In, Bits<16>>,
    /// `WATERMARK.RX`.
    pub rx_watermark: Signal<In, Bits<16>>,
    /// `WATERMARK.TX`.
    pub tx_watermark: Signal<In, Bits<16>>,
    /// Nothing left to send and the sequencer idle.
    pub tx_idle: Signal<In, Bit>,
    /// RX timeout event.
    pub rx_timeout: Signal<In, Bit>,
    /// A byte with a framing, parity or break flag arrived.
    pub line_error: Signal<In, Bit>,
    /// A byte was lost or a write dropped.
    pub overflow: Signal<In, Bit>,
    /// The synchronised CTS changed.
    pub cts_changed: Signal<In, Bit>,
    /// Pending bits to clear in this clock (write 1 to clear).
    pub clear: Signal<In, Bits<32>>,
    /// `IRQ_ENABLE`.
    pub enable: Signal<In, Bits<32>>,
    /// `IRQ_PENDING`.
    pub pending: Signal<Out, Bits<32>>,
    /// Interrupt, level, active high, registered.
    pub irq: Signal<Out, Bit>,
    pending_bits: DFF<Bits<32>>,
    irq_out: DFF<Bit>,
    // Conditions a clock behind, for their rising edges.
    rx_above_before: DFFWithInit<Bit>,
    tx_below_before: DFFWithInit<Bit>,
    tx_idle_before: DFFWithInit<Bit>,
    rx_above: Signal<Local, Bit>,
    tx_below: Signal<Local, Bit>,
    ev_rx_watermark: Signal<Local, Bit>,
    ev_tx_watermark: Signal<Local, Bit>,
    ev_tx_done: Signal<Local, Bit>,
    events: Signal<Local, Bits<32>>,
    // The build's sources (`IRQ_ENABLE`'s writable bits) and each source's bit.
    sources: Constant<Bits<32>>,
    mk_rx_watermark: Constant<Bits<32>>,
    mk_tx_watermark: Constant<Bits<32>>,
    mk_rx_timeout: Constant<Bits<32>>,
    mk_line_error: Constant<Bits<32>>,
    mk_overflow: Constant<Bits<32>>,
    mk_cts_changed: Constant<Bits<32>>,
    mk_tx_done: Constant<Bits<32>>,
}

impl Interrupts {
    /// The interrupts of a build with `options` (its sources).
    pub fn new(options: &PeripheralOptions) -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            rx_level: Default::default(),
            tx_level: Default::default(),
            rx_watermark: Default::default(),
            tx_watermark: Default::default(),
            tx_idle: Default::default(),
            rx_timeout: Default::default(),
            line_error: Default::default(),
            overflow: Default::default(),
            cts_changed: Default::default(),
            clear: Default::default(),
            enable: Default::default(),
            pending: Default::default(),
            irq: Default::default(),
            pending_bits: Default::default(),
            irq_out: Default::default(),
            rx_above_before: DFFWithInit::new(true),
            tx_below_before: DFFWithInit::new(true),
            tx_idle_before: DFFWithInit::new(true),
            rx_above: Default::default(),
            tx_below: Default::default(),
            ev_rx_watermark: Default::default(),
            ev_tx_watermark: Default::default(),
            ev_tx_done: Default::default(),
            events: Default::default(),
            sources: k32(regs::build_register(options, &regs::IRQ_ENABLE).writable()),
            mk_rx_watermark: k32(regs::IRQ_RX_WATERMARK.mask()),
            mk_tx_watermark: k32(regs::IRQ_TX_WATERMARK.mask()),
            mk_rx_timeout: k32(regs::IRQ_RX_TIMEOUT.mask()),
            mk_line_error: k32(regs::IRQ_LINE_ERROR.mask()),
            mk_overflow: k32(regs::IRQ_OVERFLOW.mask()),
            mk_cts_changed: k32(regs::IRQ_CTS_CHANGED.mask()),
            mk_tx_done: k32(regs::IRQ_TX_DONE.mask()),
        }
    }
}

impl Logic for Interrupts {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            pending_bits,
            irq_out,
            rx_above_before,
            tx_below_before,
            tx_idle_before
        );
        self.rx_above.next = self.rx_level.val() >= self.rx_watermark.val();
        self.tx_below.next = self.tx_level.val() <= self.tx_watermark.val();
        self.rx_above_before.d.next = self.rx_above.val();
        self.tx_below_before.d.next = self.tx_below.val();
        self.tx_idle_before.d.next = self.tx_idle.val();
        self.ev_rx_watermark.next = self.rx_above.val() & !self.rx_above_before.q.val();
        self.ev_tx_watermark.next = self.tx_below.val() & !self.tx_below_before.q.val();
        self.ev_tx_done.next = self.tx_idle.val() & !self.tx_idle_before.q.val();
        // The event word is built by OR-ing 32-bit masks under 1-bit conditions: a 1-bit
        // value shifted or inverted inside a 32-bit Verilog expression is widened first
        // (`~x` would set the upper bits), so no such expression is written.
        self.events.next = 0.into();
        if self.ev_rx_watermark.val() {
            self.events.next = self.events.val() | self.mk_rx_watermark.val();
        }
        if self.ev_tx_watermark.val() {
            self.events.next = self.events.val() | self.mk_tx_watermark.val();
        }
        if self.rx_timeout.val() {
            self.events.next = self.events.val() | self.mk_rx_timeout.val();
        }
        if self.line_error.val() {
            self.events.next = self.events.val() | self.mk_line_error.val();
        }
        if self.overflow.val() {
            self.events.next = self.events.val() | self.mk_overflow.val();
        }
        if self.cts_changed.val() {
            self.events.next = self.events.val() | self.mk_cts_changed.val();
        }
        if self.ev_tx_done.val() {
            self.events.next = self.events.val() | self.mk_tx_done.val();
        }
        self.pending_bits.d.next = ((self.pending_bits.q.val() & !self.clear.val())
            | self.events.val())
            & self.sources.val();
        self.irq_out.d.next = (self.pending_bits.q.val() & self.enable.val()).any();
        if self.reset.val() {
            self.pending_bits.d.next = 0.into();
            self.irq_out.d.next = false;
            self.rx_above_before.d.next = true;
            self.tx_below_before.d.next = true;
            self.tx_idle_before.d.next = true;
        }
        self.pending.next = self.pending_bits.q.val();
        self.irq.next = self.irq_out.q.val();
    }
}
