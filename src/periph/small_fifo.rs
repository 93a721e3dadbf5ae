//! First-word-fall-through FIFO of one or two entries in flip-flops.
//!
//! Guarantees (the same ports and contract as [`crate::periph::fifo::Fifo`])
//! - Depth 1 or 2 entries of W bits, all of them usable: `full` means that many
//!   entries are held.
//! - A write is taken when `write` is high and `full` is low; a write while full is
//!   ignored — the FIFO never overwrites an entry (the peripheral counts such a write as
//!   an overflow), also when a read frees an entry in the same clock. A read pops the
//!   head when `read` is high and `empty` is low; a read while empty is ignored. When
//!   both happen in one clock the level is unchanged.
//! - `read_data` is the oldest entry (first-word fall-through), valid whenever `empty` is
//!   low — also in the clock right after a write into an empty FIFO.
//! - `clear` empties the FIFO in its clock (level 0, `empty` high next clock); it wins
//!   over a write or a read in the same clock.
//! - `full`, `empty` and `level` come from the 2-bit count (one LUT each); `read_data`
//!   straight from a flip-flop.
//! - Power-up: empty.
//!
//! Why it exists: a block RAM FIFO of 1 or 2 entries costs a whole SB_RAM40_4K and its
//! glue (pointers, count, bypass register) for what two registers hold. The entries are
//! a shift register: `head` is the oldest entry (so `read_data` needs no multiplexer),
//! `tail` the second; a pop moves `tail` into `head`. With one entry `tail` is never
//! written (a constant says so), so yosys removes it.

use anyhow::{ensure, Result};
use rust_hdl::prelude::*;

/// FIFO of 1 or 2 entries of `Bits<W>` in flip-flops; see the module header.
#[derive(LogicBlock)]
pub struct SmallFifo<const W: usize> {
    /// The FIFO's clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous: empties the FIFO (level 0); wins over `write` and `read`.
    pub clear: Signal<In, Bit>,
    /// Push `write_data` (taken only while `full` is low).
    pub write: Signal<In, Bit>,
    /// The entry to push.
    pub write_data: Signal<In, Bits<W>>,
    /// All entries are held; writes are ignored.
    pub full: Signal<Out, Bit>,
    /// Pop the head (taken only while `empty` is low).
    pub read: Signal<In, Bit>,
    /// The head (oldest entry), valid while `empty` is low.
    pub read_data: Signal<Out, Bits<W>>,
    /// No entry is held; reads are ignored.
    pub empty: Signal<Out, Bit>,
    /// The number of entries held, 0 to the depth.
    pub level: Signal<Out, Bits<16>>,
    // The oldest entry and the one after it.
    head: DFF<Bits<W>>,
    tail: DFF<Bits<W>>,
    // Entries held, 0 to the depth.
    count: DFF<Bits<2>>,
    push: Signal<Local, Bit>,
    pop: Signal<Local, Bit>,
    // The level at which the FIFO is full (the depth).
    depth: Constant<Bits<2>>,
    one: Constant<Bits<2>>,
    two: Constant<Bits<2>>,
    // Two entries. With one, `tail` is never written and the count's upper bit is masked
    // off: yosys cannot tell from the logic alone that the count stays below 2, so
    // without these constants it keeps `tail` and its multiplexers (measured: 24
    // flip-flops and 41 LUT4 for a 1 x 11 FIFO).
    two_deep: Constant<Bit>,
    count_mask: Constant<Bits<2>>,
}

impl<const W: usize> SmallFifo<W> {
    /// A FIFO of `depth` (1 or 2) entries of W bits. Errors for another depth or unless
    /// 1 <= W <= 32.
    pub fn new(depth: usize) -> Result<Self> {
        ensure!(
            (1..=2).contains(&depth),
            "flip-flop FIFO depth {depth}: must be 1 or 2 (deeper FIFOs are in block RAM)"
        );
        ensure!(
            (1..=32).contains(&W),
            "FIFO entry width W = {W}: must be 1 to 32 bits"
        );
        Ok(Self {
            clock: Default::default(),
            clear: Default::default(),
            write: Default::default(),
            write_data: Default::default(),
            full: Default::default(),
            read: Default::default(),
            read_data: Default::default(),
            empty: Default::default(),
            level: Default::default(),
            head: Default::default(),
            tail: Default::default(),
            count: Default::default(),
            push: Default::default(),
            pop: Default::default(),
            depth: Constant::new((depth as u64).to_bits()),
            one: Constant::new(1u64.to_bits()),
            two: Constant::new(2u64.to_bits()),
            two_deep: Constant::new(depth == 2),
            count_mask: Constant::new((if depth == 2 { 3u64 } else { 1 }).to_bits()),
        })
    }
}

impl<const W: usize> Logic for SmallFifo<W> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, head, tail, count);
        self.push.next = self.write.val() & (self.count.q.val() != self.depth.val());
        self.pop.next = self.read.val() & (self.count.q.val() != 0);

        // A pop moves the second entry up (with one entry held, what `head` keeps is
        // not read again: the FIFO is then empty or the push below replaces it).
        if self.pop.val() & self.two_deep.val() & (self.count.q.val() == self.two.val()) {
            self.head.d.next = self.tail.q.val();
        }
        if self.push.val() {
            if !self.two_deep.val() | (self.count.q.val() == 0) | self.pop.val() {
                // Empty, or one entry that leaves now: the written word is the head.
                self.head.d.next = self.write_data.val();
            } else {
                self.tail.d.next = self.write_data.val();
            }
        }
        if self.push.val() & !self.pop.val() {
            self.count.d.next = (self.count.q.val() + self.one.val()) & self.count_mask.val();
        }
        if self.pop.val() & !self.push.val() {
            self.count.d.next = (self.count.q.val() - self.one.val()) & self.count_mask.val();
        }
        if self.clear.val() {
            self.count.d.next = 0.into();
        }

        self.read_data.next = self.head.q.val();
        self.full.next = self.count.q.val() == self.depth.val();
        self.empty.next = self.count.q.val() == 0;
        self.level.next = bit_cast::<16, 2>(self.count.q.val());
    }
}
