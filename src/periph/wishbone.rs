//! Wishbone B4 pipelined slave adapter: the bus side of the peripheral's register port.
//!
//! Guarantees
//! - A request is accepted in a clock where `wb_cyc`, `wb_stb` and not `wb_stall` are
//!   high; only accepted requests have any effect, and each gets exactly one `wb_ack`,
//!   unless the master drops `wb_cyc` before it (an abandoned cycle: no ack follows).
//! - Each accepted write gives exactly one `reg_write` strobe, in the next clock, with
//!   `reg_addr` = `wb_adr[7:2]`, `reg_wdata` = `wb_dat_w` and `reg_wstrb` = `wb_sel` as
//!   they were when it was accepted; `wb_ack` is high in that same clock.
//! - Each accepted read gives exactly one `reg_read` strobe, in the next clock (even if
//!   the master drops `wb_cyc` then: the register has been read, its side effect is not
//!   undone). `wb_ack` follows one clock after the strobe, with `wb_dat_r` =
//!   `reg_rdata` (the peripheral's registered read data, valid in that clock).
//! - Never both strobes in one clock: one request is handled at a time.
//! - `wb_ack` is never high unless `wb_cyc` was high in the clock before.
//! - `wb_stall` is low when idle and high from the clock after a request is accepted to
//!   its ack (inclusive), so a classic (non-pipelined) master, which holds `wb_stb` until
//!   it sees `wb_ack`, is never taken twice for one request. A write takes 2 clocks, a read
//!   3 (back-to-back pipelined requests wait in `wb_stall`).
//! - `reset` (synchronous) abandons a request in flight: no strobe, no ack follows.
//! - Every output comes straight from a flip-flop (`wb_dat_r` from the peripheral's).
//!
//! The address, data and byte selects are registered every clock without an enable: they
//! matter only in the strobe's clock, when they hold the accepted request's values.

use anyhow::Result;
use rust_hdl::prelude::*;

/// Wishbone B4 pipelined slave (32-bit data, byte addresses `wb_adr[7:2]` decoded) driving
/// the register port; see the module header for what it guarantees.
#[derive(LogicBlock)]
pub struct WishboneAdapter {
    /// Bus clock; the register port is synchronous to it.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: abandons any request in flight.
    pub reset: Signal<In, Bit>,
    /// Bus cycle in progress.
    pub wb_cyc: Signal<In, Bit>,
    /// Request strobe.
    pub wb_stb: Signal<In, Bit>,
    /// The request is a write.
    pub wb_we: Signal<In, Bit>,
    /// Byte address; bits `[7:2]` select one of 64 words, `[1:0]` are ignored.
    pub wb_adr: Signal<In, Bits<8>>,
    /// Byte selects of a write.
    pub wb_sel: Signal<In, Bits<4>>,
    /// Write data.
    pub wb_dat_w: Signal<In, Bits<32>>,
    /// Read data, valid with `wb_ack` of a read.
    pub wb_dat_r: Signal<Out, Bits<32>>,
    /// Acknowledge: one per accepted request.
    pub wb_ack: Signal<Out, Bit>,
    /// Not accepting a request in this clock.
    pub wb_stall: Signal<Out, Bit>,
    /// Register port: word address, valid with a strobe.
    pub reg_addr: Signal<Out, Bits<6>>,
    /// Register port: one-clock write strobe.
    pub reg_write: Signal<Out, Bit>,
    /// Register port: write data, valid with `reg_write`.
    pub reg_wdata: Signal<Out, Bits<32>>,
    /// Register port: byte enables, valid with `reg_write`.
    pub reg_wstrb: Signal<Out, Bits<4>>,
    /// Register port: one-clock read strobe (one per bus read, never speculative).
    pub reg_read: Signal<Out, Bit>,
    /// Register port: read data, valid in the clock after `reg_read`.
    pub reg_rdata: Signal<In, Bits<32>>,
    addr: DFF<Bits<6>>,
    wdata: DFF<Bits<32>>,
    wstrb: DFF<Bits<4>>,
    write_strobe: DFF<Bit>,
    read_strobe: DFF<Bit>,
    ack: DFF<Bit>,
    busy: DFF<Bit>,
    accept: Signal<Local, Bit>,
}

impl WishboneAdapter {
    /// The adapter (it has no parameters; `Result` for the uniform `new`).
    pub fn new() -> Result<Self> {
        Ok(Self {
            clock: Default::default(),
            reset: Default::default(),
            wb_cyc: Default::default(),
            wb_stb: Default::default(),
            wb_we: Default::default(),
            wb_adr: Default::default(),
            wb_sel: Default::default(),
            wb_dat_w: Default::default(),
            wb_dat_r: Default::default(),
            wb_ack: Default::default(),
            wb_stall: Default::default(),
            reg_addr: Default::default(),
            reg_write: Default::default(),
            reg_wdata: Default::default(),
            reg_wstrb: Default::default(),
            reg_read: Default::default(),
            reg_rdata: Default::default(),
            addr: Default::default(),
            wdata: Default::default(),
            wstrb: Default::default(),
            write_strobe: Default::default(),
            read_strobe: Default::default(),
            ack: Default::default(),
            busy: Default::default(),
            accept: Default::default(),
        })
    }
}

impl Logic for WishboneAdapter {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            addr,
            wdata,
            wstrb,
            write_strobe,
            read_strobe,
            ack,
            busy
        );
        self.accept.next = self.wb_cyc.val() & self.wb_stb.val() & !self.busy.q.val();

        self.addr.d.next = self.wb_adr.val().get_bits::<6>(2);
        self.wdata.d.next = self.wb_dat_w.val();
        self.wstrb.d.next = self.wb_sel.val();
        self.write_strobe.d.next = self.accept.val() & self.wb_we.val() & !self.reset.val();
        self.read_strobe.d.next = self.accept.val() & !self.wb_we.val() & !self.reset.val();
        // A write is acked with its strobe; a read one clock after its strobe, when the
        // peripheral's read data is there, unless the master has given up the cycle.
        self.ack.d.next = ((self.accept.val() & self.wb_we.val())
            | (self.read_strobe.q.val() & self.wb_cyc.val()))
            & !self.reset.val();
        // Stalled from the clock after acceptance through the ack.
        self.busy.d.next = (self.accept.val() | self.read_strobe.q.val()) & !self.reset.val();

        self.reg_addr.next = self.addr.q.val();
        self.reg_wdata.next = self.wdata.q.val();
        self.reg_wstrb.next = self.wstrb.q.val();
        self.reg_write.next = self.write_strobe.q.val();
        self.reg_read.next = self.read_strobe.q.val();
        self.wb_ack.next = self.ack.q.val();
        self.wb_stall.next = self.busy.q.val();
        self.wb_dat_r.next = self.reg_rdata.val();
    }
}
