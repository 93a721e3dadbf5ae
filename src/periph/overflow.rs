//! The peripheral's overflow flags and lost-byte counter (`OVERFLOW`): no byte is lost
//! silently.
//!
//! Guarantees
//! - A byte from the receiver that finds the RX FIFO full (`rx_lost_byte`) sets
//!   `rx_overflow` (sticky) and counts in `rx_lost` (saturating at 255); a `TXDATA`
//!   write that finds the TX FIFO full (`tx_dropped_write`) sets `tx_dropped` (sticky).
//!   Either raises `lost_or_dropped` in the same clock (combinational: the interrupt block
//!   registers it).
//! - A write to `OVERFLOW` (`write`) with a 1 in `RX_OVERFLOW` (`clear_rx`) clears
//!   `rx_overflow` and `rx_lost`, with a 1 in `TX_DROPPED` (`clear_tx`) clears
//!   `tx_dropped`; a clear wins over a loss in the same clock (the event is still
//!   raised). `reset` (synchronous) clears all three.
//!
//! Why `write` apart from the two bits: the clears nested under the write's strobe map
//! to fewer LUTs than one condition per flag (`minimal` `uart_wb`: 4 LUT4 fewer, yosys
//! 0.23).
//! - Without the lost-byte counter ([`OverflowFlags::new`] with `lost_counter` false)
//!   `rx_lost` is a constant 0, so synthesis removes the counter; the flags stay.

use rust_hdl::prelude::*;

/// Overflow flags and the lost-byte counter (see the module header).
#[derive(LogicBlock)]
pub struct OverflowFlags {
    /// The clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset of the peripheral.
    pub reset: Signal<In, Bit>,
    /// A received byte found the RX FIFO full (it is lost).
    pub rx_lost_byte: Signal<In, Bit>,
    /// A `TXDATA` write found the TX FIFO full (it is dropped).
    pub tx_dropped_write: Signal<In, Bit>,
    /// A write to `OVERFLOW` in this clock.
    pub write: Signal<In, Bit>,
    /// With `write`: clear `rx_overflow` and `rx_lost` (a 1 written to `RX_OVERFLOW`).
    pub clear_rx: Signal<In, Bit>,
    /// With `write`: clear `tx_dropped` (a 1 written to `TX_DROPPED`).
    pub clear_tx: Signal<In, Bit>,
    /// `OVERFLOW.RX_OVERFLOW`.
    pub rx_overflow: Signal<Out, Bit>,
    /// `OVERFLOW.TX_DROPPED`.
    pub tx_dropped: Signal<Out, Bit>,
    /// `OVERFLOW.RX_LOST`.
    pub rx_lost: Signal<Out, Bits<8>>,
    /// The overflow interrupt event: a byte lost or dropped in this clock.
    pub lost_or_dropped: Signal<Out, Bit>,
    rx_overflow_flag: DFF<Bit>,
    tx_dropped_flag: DFF<Bit>,
    lost: DFF<Bits<8>>,
    lost_max: Constant<Bits<8>>,
    counter_on: Constant<Bit>,
}

impl OverflowFlags {
    /// The flags, with the lost-byte counter or without it (`lost_counter`).
    pub fn new(lost_counter: bool) -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            rx_lost_byte: Default::default(),
            tx_dropped_write: Default::default(),
            write: Default::default(),
            clear_rx: Default::default(),
            clear_tx: Default::default(),
            rx_overflow: Default::default(),
            tx_dropped: Default::default(),
            rx_lost: Default::default(),
            lost_or_dropped: Default::default(),
            rx_overflow_flag: Default::default(),
            tx_dropped_flag: Default::default(),
            lost: Default::default(),
            lost_max: Constant::new(255u64.to_bits()),
            counter_on: Constant::new(lost_counter),
        }
    }
}

impl Logic for OverflowFlags {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, rx_overflow_flag, tx_dropped_flag, lost);
        if self.rx_lost_byte.val() {
            self.rx_overflow_flag.d.next = true;
            if self.lost.q.val() != self.lost_max.val() {
                self.lost.d.next = self.lost.q.val() + 1;
            }
        }
        if self.tx_dropped_write.val() {
            self.tx_dropped_flag.d.next = true;
        }
        if self.write.val() {
            if self.clear_rx.val() {
                self.rx_overflow_flag.d.next = false;
                self.lost.d.next = 0.into();
            }
            if self.clear_tx.val() {
                self.tx_dropped_flag.d.next = false;
            }
        }
        if self.reset.val() {
            self.rx_overflow_flag.d.next = false;
            self.tx_dropped_flag.d.next = false;
            self.lost.d.next = 0.into();
        }
        self.lost_or_dropped.next = self.rx_lost_byte.val() | self.tx_dropped_write.val();
        self.rx_overflow.next = self.rx_overflow_flag.q.val();
        self.tx_dropped.next = self.tx_dropped_flag.q.val();
        self.rx_lost.next = self.lost.q.val();
        if !self.counter_on.val() {
            self.rx_lost.next = 0.into();
        }
    }
}
