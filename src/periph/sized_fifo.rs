//! A FIFO of any of the peripheral's depths (1 to 2^A entries, a power of two): the one
//! place that picks the storage for a depth.
//!
//! Guarantees: the contract of [`Fifo`] (and [`SmallFifo`]), for 2^k entries,
//! 0 <= k <= A.
//!
//! Which storage: 1 or 2 entries in flip-flops ([`SmallFifo`]), 4 and more in block
//! RAM ([`Fifo`]). Why there: a block RAM FIFO costs its pointers, count, bypass
//! register and read multiplexer whatever its depth, plus an SB_RAM40_4K; a flip-flop
//! FIFO costs one flip-flop per stored bit plus its control, which at 4 entries of 11
//! bits (44 flip-flops and a 4-way head multiplexer) is more than the block RAM glue
//! (`bench/periph-size.md` has the measured builds).
//!
//! How: rust-hdl blocks have a fixed set of children, so both are children and a
//! constant `use_flops` picks one (not named `small`: a Verilog keyword): the other's
//! `write`, `read` and `clear` are tied low through that constant and its outputs are not
//! used, so yosys removes it entirely (the block RAM, unwritten and unread, goes too). In
//! the Rust simulation the unused one runs idle at its smallest size.

use crate::periph::fifo::Fifo;
use crate::periph::small_fifo::SmallFifo;
use anyhow::{ensure, Result};
use rust_hdl::prelude::*;

/// The largest depth (log2) kept in flip-flops.
pub const FLIP_FLOP_DEPTH_LOG2_MAX: usize = 1;

/// FIFO of 2^k entries of `Bits<W>`, 0 <= k <= A; see the module header.
#[derive(LogicBlock)]
pub struct SizedFifo<const W: usize, const A: usize> {
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
    ram: Fifo<W, A>,
    flops: SmallFifo<W>,
    // The flip-flop FIFO is the one in use.
    use_flops: Constant<Bit>,
}

impl<const W: usize, const A: usize> SizedFifo<W, A> {
    /// A FIFO of 2^`depth_log2` entries of W bits. Errors unless 0 <= `depth_log2` <= A,
    /// 2 <= A <= 12 and 1 <= W <= 32.
    pub fn new(depth_log2: usize) -> Result<Self> {
        ensure!(
            depth_log2 <= A,
            "FIFO depth 2^{depth_log2}: this FIFO is built for at most 2^{A} entries"
        );
        let small = depth_log2 <= FLIP_FLOP_DEPTH_LOG2_MAX;
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
            // The one not in use at its smallest (it is idle, and removed by synthesis).
            ram: Fifo::with_depth(if small { 1 } else { depth_log2 })?,
            flops: SmallFifo::new(if small { 1 << depth_log2 } else { 1 })?,
            use_flops: Constant::new(small),
        })
    }

    /// Whether `depth_log2` is kept in flip-flops (else in block RAM).
    pub const fn in_flip_flops(depth_log2: usize) -> bool {
        depth_log2 <= FLIP_FLOP_DEPTH_LOG2_MAX
    }
}

impl<const W: usize, const A: usize> Logic for SizedFifo<W, A> {
    #[hdl_gen]
    fn update(&mut self) {
        self.ram.clock.next = self.clock.val();
        self.flops.clock.next = self.clock.val();
        self.ram.write_data.next = self.write_data.val();
        self.flops.write_data.next = self.write_data.val();
        self.ram.write.next = self.write.val() & !self.use_flops.val();
        self.ram.read.next = self.read.val() & !self.use_flops.val();
        self.ram.clear.next = self.clear.val() & !self.use_flops.val();
        self.flops.write.next = self.write.val() & self.use_flops.val();
        self.flops.read.next = self.read.val() & self.use_flops.val();
        self.flops.clear.next = self.clear.val() & self.use_flops.val();
        if self.use_flops.val() {
            self.full.next = self.flops.full.val();
            self.read_data.next = self.flops.read_data.val();
            self.empty.next = self.flops.empty.val();
            self.level.next = self.flops.level.val();
        } else {
            self.full.next = self.ram.full.val();
            self.read_data.next = self.ram.read_data.val();
            self.empty.next = self.ram.empty.val();
            self.level.next = self.ram.level.val();
        }
    }
}
