//! One software-written register of the peripheral: its writable bits, written byte lane
//! by byte lane, and reset to the build's reset word.
//!
//! Guarantees
//! - A clock with `write` high takes `wdata`'s bits on the lanes `wstrb` enables (bit 0
//!   = bits 7:0), and only the writable ones; every other bit keeps its value.
//! - `reset` (synchronous, over `write`) loads the reset word into the writable bits.
//! - Bits that are not writable hold the power-up word for ever: synthesis keeps no
//!   flip-flop for them (a flip-flop whose input is its own output is a constant).
//!
//! Why a block: written as one 32-bit AND-OR of the lane mask (`q & !lanes | wdata &
//! lanes`), the lane choice is logic in front of every flip-flop, which yosys does not
//! turn into the flip-flops' enables: a LUT per writable bit (`full` `uart_wb`: 61 LUT4
//! over its eight registers). Merged one lane at a time under that lane's strobe, each
//! lane is a multiplexer between the flip-flop's own output and the written bit, which
//! yosys maps to the enable of an iCE40 `SB_DFFE*`, with no LUT.

use rust_hdl::prelude::*;

/// A 32-bit register word with byte-lane writes (see the module header).
#[derive(LogicBlock)]
pub struct RegWord {
    /// The clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset to the reset word.
    pub reset: Signal<In, Bit>,
    /// A write to this register in this clock.
    pub write: Signal<In, Bit>,
    /// Byte lanes of the write.
    pub wstrb: Signal<In, Bits<4>>,
    /// Write data.
    pub wdata: Signal<In, Bits<32>>,
    /// The register's value.
    pub q: Signal<Out, Bits<32>>,
    word: DFFWithInit<Bits<32>>,
    merged: Signal<Local, Bits<32>>,
    writable: Constant<Bits<32>>,
    reset_word: Constant<Bits<32>>,
    lane0: Constant<Bits<32>>,
    lane1: Constant<Bits<32>>,
    lane2: Constant<Bits<32>>,
    lane3: Constant<Bits<32>>,
}

impl RegWord {
    /// A register whose `writable` bits can be written, holding `reset_word` from power-up
    /// on and after `reset` (its bits outside `writable` are the register's constant part).
    pub fn new(writable: u32, reset_word: u32) -> Self {
        let k = |v: u32| Constant::new((v as u64).to_bits());
        Self {
            clock: Default::default(),
            reset: Default::default(),
            write: Default::default(),
            wstrb: Default::default(),
            wdata: Default::default(),
            q: Default::default(),
            word: DFFWithInit::new((reset_word as u64).to_bits()),
            merged: Default::default(),
            writable: k(writable),
            reset_word: k(reset_word & writable),
            lane0: k(writable & 0x0000_00FF),
            lane1: k(writable & 0x0000_FF00),
            lane2: k(writable & 0x00FF_0000),
            lane3: k(writable & 0xFF00_0000),
        }
    }
}

impl Logic for RegWord {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, word);
        self.merged.next = self.word.q.val();
        if self.wstrb.val().get_bit(0) {
            self.merged.next =
                (self.merged.val() & !self.lane0.val()) | (self.wdata.val() & self.lane0.val());
        }
        if self.wstrb.val().get_bit(1) {
            self.merged.next =
                (self.merged.val() & !self.lane1.val()) | (self.wdata.val() & self.lane1.val());
        }
        if self.wstrb.val().get_bit(2) {
            self.merged.next =
                (self.merged.val() & !self.lane2.val()) | (self.wdata.val() & self.lane2.val());
        }
        if self.wstrb.val().get_bit(3) {
            self.merged.next =
                (self.merged.val() & !self.lane3.val()) | (self.wdata.val() & self.lane3.val());
        }
        if self.write.val() {
            self.word.d.next = self.merged.val();
        }
        if self.reset.val() {
            self.word.d.next = (self.word.q.val() & !self.writable.val()) | self.reset_word.val();
        }
        self.q.next = self.word.q.val();
    }
}
