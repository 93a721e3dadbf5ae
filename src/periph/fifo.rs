//! Synchronous first-word-fall-through FIFO with its storage in block RAM.
//!
//! Guarantees
//! - Depth 2^A entries of W bits (A from 2 to 12), or 2^k for any 1 <= k <= A
//!   ([`Fifo::with_depth`]), all of them usable: `full` means that many entries are held.
//! - A write is taken when `write` is high and `full` is low; a write while full is
//!   ignored — the FIFO never overwrites an entry (the peripheral counts such a write as an
//!   overflow). A read pops the head when `read` is high and `empty` is low; a read while
//!   empty is ignored. When both happen in one clock the level is unchanged.
//! - `read_data` is the oldest entry (first-word fall-through), valid whenever `empty` is
//!   low — also in the clock right after a write into an empty FIFO.
//! - `clear` empties the FIFO in its clock (level 0, `empty` high next clock); it wins
//!   over a write or a read in the same clock.
//! - `full` and `empty` come straight from flip-flops; `level` is the number of entries
//!   held (bits above A are zero), from flip-flops and one multiplexer.
//! - Power-up: empty.
//!
//! How: the storage is [`FifoRam`], a RAM with a registered read, which yosys maps to
//! iCE40 block RAM (SB_RAM40_4K; the iCE40 has no distributed RAM). The RAM is always
//! read at the address the head will have after this clock (`rptr`, plus one on a pop),
//! so its output register holds the head one clock later. The only case it cannot cover
//! is a head written in this very clock (a write into an empty FIFO, or into a FIFO of
//! one entry that is being popped): the block RAM then returns the old contents, so the
//! written word is kept in a bypass register and shown instead for that one clock; from
//! the next clock on the RAM, read again at the same address, has it. Those are the only
//! clocks in which the RAM reads the address it writes, and its output is not used in
//! the clock after them: so the RAM tells yosys that such collisions need no emulation
//! (`no_rw_check`), which saves yosys's old-data emulation (a delayed write and a
//! forwarding path, about 40 logic cells with W = 11). It also asks for block RAM
//! (`ram_style = "block"`): yosys 0.23 maps a memory of 4 words to flip-flops on its
//! own (`minimal` with 4-entry FIFOs: 489 logic cells and no block RAM, against 358
//! cells and two block RAMs with the attribute).
//!
//! `level` is `is_full` above the A-bit count: the count wraps to zero exactly when the
//! FIFO becomes full, so no multiplexer is needed.
//!
//! A depth 2^k below 2^A (the peripheral's smaller FIFO, when its two FIFOs differ): the
//! pointers and the count stay A bits wide but every sum is masked to k bits, so the
//! bits above k are flip-flops loaded with a constant 0 from a power-up 0, which yosys
//! removes (measured: 16 entries of 11 bits in a 9-bit type synthesise to the same
//! 46 LUT4, 26 FF, 8 carry and one block RAM as in a 4-bit type; test
//! `fifo::sized_fifo_storage_and_cost_follow_the_depth`); the RAM has 2^k words and is
//! addressed by the pointers' low k bits. One Rust type thus serves every depth up to
//! 2^A, so the peripheral needs one instance per larger depth, not one per pair.

use anyhow::{ensure, Result};
use rust_hdl::core::timing::TimingInfo;
use rust_hdl::prelude::*;

/// 2^A words of W bits with one write port and one registered read port on one clock.
///
/// Each rising edge: `read_data` becomes the word at `read_address` as it was before the
/// edge (a word written in the same edge is not seen), and the word at `write_address`
/// becomes `write_data` when `write_enable` is high. The Verilog declares the memory
/// `no_rw_check`: on the FPGA the word read in a clock that also writes the same address
/// is undefined, and the simulators' old value is only one possible outcome. [`Fifo`]
/// never uses such a word. The memory's power-up contents are undefined (no `initial`).
///
/// The memory holds 2^A words by default, 2^k ([`FifoRam::with_depth`]) when it is
/// smaller: it is then addressed by the addresses' low k bits (the others are unused).
#[derive(LogicBlock)]
pub struct FifoRam<const W: usize, const A: usize> {
    /// The RAM's clock (both ports).
    pub clock: Signal<In, Clock>,
    /// Read address.
    pub read_address: Signal<In, Bits<A>>,
    /// The word read at the last rising edge.
    pub read_data: Signal<Out, Bits<W>>,
    /// Write address.
    pub write_address: Signal<In, Bits<A>>,
    /// Word to write.
    pub write_data: Signal<In, Bits<W>>,
    /// Write `write_data` at the next rising edge.
    pub write_enable: Signal<In, Bit>,
    _words: Vec<Bits<W>>,
}

impl<const W: usize, const A: usize> Default for FifoRam<W, A> {
    fn default() -> Self {
        Self::with_depth(A)
    }
}

impl<const W: usize, const A: usize> FifoRam<W, A> {
    /// A RAM of 2^`depth_log2` words (at most 2^A; a larger value is taken as A).
    pub fn with_depth(depth_log2: usize) -> Self {
        Self {
            clock: Default::default(),
            read_address: Default::default(),
            read_data: Default::default(),
            write_address: Default::default(),
            write_data: Default::default(),
            write_enable: Default::default(),
            _words: vec![Bits::<W>::default(); 1 << depth_log2.min(A)],
        }
    }
}

impl<const W: usize, const A: usize> Logic for FifoRam<W, A> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            // Read before write: the word as it was before this edge.
            self.read_data.next = self._words[self.read_address.val().index()];
            if self.write_enable.val() {
                self._words[self.write_address.val().index()] = self.write_data.val();
            }
        }
    }

    fn connect(&mut self) {
        self.read_data.connect();
    }

    fn hdl(&self) -> Verilog {
        let words = self._words.len();
        // The address bits that select a word: all A of them, or the low k of a smaller
        // RAM (A-bit indices into a smaller array are a width mismatch to linters).
        let (read_address, write_address) = if words == 1 << A {
            ("read_address".to_string(), "write_address".to_string())
        } else {
            let msb = words.trailing_zeros().max(1) - 1;
            (
                format!("read_address[{msb}:0]"),
                format!("write_address[{msb}:0]"),
            )
        };
        Verilog::Custom(format!(
            "\
(* no_rw_check, ram_style = \"block\" *)
reg [{msb}:0] mem [0:{last}];

always @(posedge clock) begin
    read_data <= mem[{read_address}];
    if (write_enable) begin
        mem[{write_address}] <= write_data;
    end
end
",
            msb = W - 1,
            last = words - 1
        ))
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "fifo_ram".into(),
            clock: "clock".into(),
            inputs: vec![
                "read_address".into(),
                "write_address".into(),
                "write_data".into(),
                "write_enable".into(),
            ],
            outputs: vec!["read_data".into()],
        }]
    }
}

/// FIFO of 2^A entries of `Bits<W>`; see the module header for what it guarantees.
#[derive(LogicBlock)]
pub struct Fifo<const W: usize, const A: usize> {
    /// The FIFO's clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous: empties the FIFO (level 0); wins over `write` and `read`.
    pub clear: Signal<In, Bit>,
    /// Push `write_data` (taken only while `full` is low).
    pub write: Signal<In, Bit>,
    /// The entry to push.
    pub write_data: Signal<In, Bits<W>>,
    /// 2^A entries are held; writes are ignored.
    pub full: Signal<Out, Bit>,
    /// Pop the head (taken only while `empty` is low).
    pub read: Signal<In, Bit>,
    /// The head (oldest entry), valid while `empty` is low.
    pub read_data: Signal<Out, Bits<W>>,
    /// No entry is held; reads are ignored.
    pub empty: Signal<Out, Bit>,
    /// The number of entries held, 0 to 2^A.
    pub level: Signal<Out, Bits<16>>,
    ram: FifoRam<W, A>,
    // Next write address and head address.
    wptr: DFF<Bits<A>>,
    rptr: DFF<Bits<A>>,
    // Entries held modulo 2^A (0 when full: `is_full` tells the two apart).
    count: DFF<Bits<A>>,
    is_full: DFF<Bit>,
    // Inverted, so that the power-up zero means empty.
    not_empty: DFF<Bit>,
    // The head was written in the previous clock: the RAM's output is stale for one clock.
    bypass: DFF<Bit>,
    // `write_data` of the previous clock (the head while `bypass` is high).
    bypass_data: DFF<Bits<W>>,
    push: Signal<Local, Bit>,
    pop: Signal<Local, Bit>,
    raddr: Signal<Local, Bits<A>>,
    // Where a written word becomes the head at once: the level after this clock's pop is 0.
    head_written: Signal<Local, Bit>,
    count_one: Constant<Bits<A>>,
    count_top: Constant<Bits<A>>,
    // The pointer and count bits in use (depth - 1).
    mask: Constant<Bits<A>>,
    full_level: Constant<Bits<16>>,
}

impl<const W: usize, const A: usize> Fifo<W, A> {
    /// A FIFO of 2^A entries of W bits. Errors unless 2 <= A <= 12 and 1 <= W <= 32.
    pub fn new() -> Result<Self> {
        Self::with_depth(A)
    }

    /// A FIFO of 2^`depth_log2` entries of W bits, 1 <= `depth_log2` <= A (see the
    /// module header: the pointer bits above `depth_log2` are constants). Errors
    /// unless 2 <= A <= 12, 1 <= `depth_log2` <= A and 1 <= W <= 32. (One entry is the
    /// flip-flop FIFO's, [`crate::periph::small_fifo::SmallFifo`].)
    pub fn with_depth(depth_log2: usize) -> Result<Self> {
        ensure!(
            (2..=12).contains(&A),
            "FIFO address width A = {A}: must be 2 to 12 (4 to 4096 entries)"
        );
        ensure!(
            (1..=A).contains(&depth_log2),
            "FIFO depth 2^{depth_log2}: this block RAM FIFO holds 2 to 2^{A} entries"
        );
        let depth = 1u64 << depth_log2;
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
            ram: FifoRam::with_depth(depth_log2),
            wptr: Default::default(),
            rptr: Default::default(),
            count: Default::default(),
            is_full: Default::default(),
            not_empty: Default::default(),
            bypass: Default::default(),
            bypass_data: Default::default(),
            push: Default::default(),
            pop: Default::default(),
            raddr: Default::default(),
            head_written: Default::default(),
            count_one: Constant::new(1u64.to_bits()),
            count_top: Constant::new((depth - 1).to_bits()),
            mask: Constant::new((depth - 1).to_bits()),
            full_level: Constant::new(depth.to_bits()),
        })
    }

    /// The number of entries of [`Fifo::new`], 2^A.
    pub const DEPTH: usize = 1 << A;
}

impl<const W: usize, const A: usize> Logic for Fifo<W, A> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            wptr,
            rptr,
            count,
            is_full,
            not_empty,
            bypass,
            bypass_data
        );
        self.ram.clock.next = self.clock.val();

        self.push.next = self.write.val() & !self.is_full.q.val();
        self.pop.next = self.read.val() & self.not_empty.q.val();

        // The RAM is read where the head is after this clock.
        self.raddr.next = self.rptr.q.val();
        if self.pop.val() {
            self.raddr.next = (self.rptr.q.val() + 1) & self.mask.val();
        }
        self.ram.read_address.next = self.raddr.val();
        self.ram.write_address.next = self.wptr.q.val();
        self.ram.write_data.next = self.write_data.val();
        self.ram.write_enable.next = self.push.val() & !self.clear.val();

        // The written word is the new head: the FIFO is empty, or holds one entry that
        // is popped now.
        self.head_written.next = !self.not_empty.q.val()
            | (self.pop.val()
                & !self.is_full.q.val()
                & (self.count.q.val() == self.count_one.val()));
        self.bypass.d.next = self.push.val() & self.head_written.val() & !self.clear.val();
        self.bypass_data.d.next = self.write_data.val();
        if self.bypass.q.val() {
            self.read_data.next = self.bypass_data.q.val();
        } else {
            self.read_data.next = self.ram.read_data.val();
        }

        if self.push.val() {
            self.wptr.d.next = (self.wptr.q.val() + 1) & self.mask.val();
        }
        self.rptr.d.next = self.raddr.val();
        if self.push.val() & !self.pop.val() {
            self.count.d.next = (self.count.q.val() + 1) & self.mask.val();
            self.not_empty.d.next = true;
            self.is_full.d.next = self.count.q.val() == self.count_top.val();
        }
        if self.pop.val() & !self.push.val() {
            self.count.d.next = (self.count.q.val() - 1) & self.mask.val();
            self.is_full.d.next = false;
            self.not_empty.d.next =
                self.is_full.q.val() | (self.count.q.val() != self.count_one.val());
        }
        if self.clear.val() {
            // Both pointers to the address the RAM reads now, so the RAM needs no clear.
            self.wptr.d.next = self.raddr.val();
            self.count.d.next = 0.into();
            self.is_full.d.next = false;
            self.not_empty.d.next = false;
        }

        self.full.next = self.is_full.q.val();
        self.empty.next = !self.not_empty.q.val();
        // The count is zero while full.
        self.level.next = bit_cast::<16, A>(self.count.q.val());
        if self.is_full.q.val() {
            self.level.next = bit_cast::<16, A>(self.count.q.val()) | self.full_level.val();
        }
    }
}
