//! AXI4-Lite slave adapter: the bus side of the peripheral's register port.
//!
//! Guarantees
//! - One write and one read may be in progress at a time. A write starts when both
//!   `s_axil_awvalid` and `s_axil_wvalid` are high (in either order, or together); the
//!   adapter then raises `s_axil_awready` and `s_axil_wready` together for one clock, in
//!   which both handshakes complete (AXI requires a VALID to stay up until its READY). A
//!   read starts on `s_axil_arvalid`; `s_axil_arready` is raised for one clock.
//! - Each write gives exactly one `reg_write` strobe, the clock after its handshakes, with
//!   `reg_addr` = `awaddr[7:2]`, `reg_wdata` = `wdata`, `reg_wstrb` = `wstrb` of that
//!   handshake; `s_axil_bvalid` (OKAY) rises with the strobe and stays up, unchanged,
//!   until `s_axil_bready`.
//! - Each read gives exactly one `reg_read` strobe, the clock after its handshake, with
//!   `reg_addr` = `araddr[7:2]`; the peripheral's data of the next clock is presented
//!   with `s_axil_rvalid` (OKAY), which stays up with the same data until
//!   `s_axil_rready`. The data is `reg_rdata` itself, not a copy: the register port
//!   holds it from the clock after a `reg_read` until the clock after the next one
//!   (see [`crate::periph::uart_periph`]), and no other read starts before RREADY, so
//!   a second 32-bit register here would only duplicate the peripheral's.
//! - No response without its request, and no second one. Never both strobes in one
//!   clock: when a write and a read want to start in the same clock, the write starts
//!   and the read one clock later. Neither can starve: a kind that has started cannot
//!   start again before its response is taken, so the other waits one clock at most.
//! - `s_axil_*ready` and `s_axil_*valid` come straight from flip-flops, `s_axil_rdata`
//!   from the peripheral's read-data flip-flops; a READY never waits on a combinational
//!   path from a VALID.
//! - `reset` (synchronous, active high) abandons everything in flight (the bus must be
//!   reset with it, as AXI's ARESETn resets both sides).
//!
//! Latency: write handshake 1 clock after both VALIDs, BVALID 1 clock after it; read
//! handshake 1 clock after ARVALID, RVALID 3 clocks after it.

use anyhow::Result;
use rust_hdl::prelude::*;

/// AXI4-Lite slave (32-bit data, byte addresses `[7:2]` decoded) driving the register
/// port; see the module header for what it guarantees.
#[derive(LogicBlock)]
pub struct AxiLiteAdapter {
    /// Bus clock; the register port is synchronous to it.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset, active high.
    pub reset: Signal<In, Bit>,
    /// Write address valid.
    pub s_axil_awvalid: Signal<In, Bit>,
    /// Write address ready.
    pub s_axil_awready: Signal<Out, Bit>,
    /// Write byte address; bits `[7:2]` select one of 64 words.
    pub s_axil_awaddr: Signal<In, Bits<8>>,
    /// Write data valid.
    pub s_axil_wvalid: Signal<In, Bit>,
    /// Write data ready.
    pub s_axil_wready: Signal<Out, Bit>,
    /// Write data.
    pub s_axil_wdata: Signal<In, Bits<32>>,
    /// Write byte strobes.
    pub s_axil_wstrb: Signal<In, Bits<4>>,
    /// Write response valid.
    pub s_axil_bvalid: Signal<Out, Bit>,
    /// Write response ready.
    pub s_axil_bready: Signal<In, Bit>,
    /// Write response: always OKAY (0).
    pub s_axil_bresp: Signal<Out, Bits<2>>,
    /// Read address valid.
    pub s_axil_arvalid: Signal<In, Bit>,
    /// Read address ready.
    pub s_axil_arready: Signal<Out, Bit>,
    /// Read byte address; bits `[7:2]` select one of 64 words.
    pub s_axil_araddr: Signal<In, Bits<8>>,
    /// Read data valid.
    pub s_axil_rvalid: Signal<Out, Bit>,
    /// Read data ready.
    pub s_axil_rready: Signal<In, Bit>,
    /// Read data.
    pub s_axil_rdata: Signal<Out, Bits<32>>,
    /// Read response: always OKAY (0).
    pub s_axil_rresp: Signal<Out, Bits<2>>,
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
    /// Register port: read data, valid in the clock after `reg_read` and held until the
    /// clock after the next `reg_read` (presented as `s_axil_rdata`).
    pub reg_rdata: Signal<In, Bits<32>>,
    // Write: AWREADY/WREADY (one clock), then the strobe with BVALID.
    write_ready: DFF<Bit>,
    write_strobe: DFF<Bit>,
    bvalid: DFF<Bit>,
    // Read: ARREADY (one clock), the strobe, the clock the data arrives, RVALID.
    read_ready: DFF<Bit>,
    read_strobe: DFF<Bit>,
    read_capture: DFF<Bit>,
    rvalid: DFF<Bit>,
    read_busy: DFF<Bit>,
    addr: DFF<Bits<6>>,
    wdata: DFF<Bits<32>>,
    wstrb: DFF<Bits<4>>,
    write_wants: Signal<Local, Bit>,
    read_wants: Signal<Local, Bit>,
    write_go: Signal<Local, Bit>,
    read_go: Signal<Local, Bit>,
}

impl AxiLiteAdapter {
    /// The adapter (it has no parameters; `Result` for the uniform `new`).
    pub fn new() -> Result<Self> {
        Ok(Self {
            clock: Default::default(),
            reset: Default::default(),
            s_axil_awvalid: Default::default(),
            s_axil_awready: Default::default(),
            s_axil_awaddr: Default::default(),
            s_axil_wvalid: Default::default(),
            s_axil_wready: Default::default(),
            s_axil_wdata: Default::default(),
            s_axil_wstrb: Default::default(),
            s_axil_bvalid: Default::default(),
            s_axil_bready: Default::default(),
            s_axil_bresp: Default::default(),
            s_axil_arvalid: Default::default(),
            s_axil_arready: Default::default(),
            s_axil_araddr: Default::default(),
            s_axil_rvalid: Default::default(),
            s_axil_rready: Default::default(),
            s_axil_rdata: Default::default(),
            s_axil_rresp: Default::default(),
            reg_addr: Default::default(),
            reg_write: Default::default(),
            reg_wdata: Default::default(),
            reg_wstrb: Default::default(),
            reg_read: Default::default(),
            reg_rdata: Default::default(),
            write_ready: Default::default(),
            write_strobe: Default::default(),
            bvalid: Default::default(),
            read_ready: Default::default(),
            read_strobe: Default::default(),
            read_capture: Default::default(),
            rvalid: Default::default(),
            read_busy: Default::default(),
            addr: Default::default(),
            wdata: Default::default(),
            wstrb: Default::default(),
            write_wants: Default::default(),
            read_wants: Default::default(),
            write_go: Default::default(),
            read_go: Default::default(),
        })
    }
}

impl Logic for AxiLiteAdapter {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            write_ready,
            write_strobe,
            bvalid,
            read_ready,
            read_strobe,
            read_capture,
            rvalid,
            read_busy,
            addr,
            wdata,
            wstrb
        );
        // A write is in progress from its READYs to its response's handshake.
        self.write_wants.next = self.s_axil_awvalid.val()
            & self.s_axil_wvalid.val()
            & !self.write_ready.q.val()
            & !self.bvalid.q.val();
        self.read_wants.next = self.s_axil_arvalid.val() & !self.read_busy.q.val();
        // One start per clock, the write first: a start's strobe comes two clocks later,
        // so starts in different clocks never strobe together.
        self.write_go.next = self.write_wants.val();
        self.read_go.next = self.read_wants.val() & !self.write_wants.val();

        // Write: READYs in the clock after the start (the VALIDs are still up: both
        // handshakes happen then), the strobe and BVALID in the next.
        self.write_ready.d.next = self.write_go.val() & !self.reset.val();
        self.write_strobe.d.next = self.write_ready.q.val() & !self.reset.val();
        if self.write_ready.q.val() {
            self.bvalid.d.next = true;
        }
        if self.bvalid.q.val() & self.s_axil_bready.val() {
            self.bvalid.d.next = false;
        }

        // Read: ARREADY, the strobe, the peripheral's data (held from then on), RVALID.
        self.read_ready.d.next = self.read_go.val() & !self.reset.val();
        self.read_strobe.d.next = self.read_ready.q.val() & !self.reset.val();
        self.read_capture.d.next = self.read_strobe.q.val() & !self.reset.val();
        if self.read_capture.q.val() {
            self.rvalid.d.next = true;
        }
        if self.rvalid.q.val() & self.s_axil_rready.val() {
            self.rvalid.d.next = false;
            self.read_busy.d.next = false;
        }
        if self.read_go.val() {
            self.read_busy.d.next = true;
        }

        // The register port's payload, taken at the handshake.
        self.addr.d.next = self.s_axil_araddr.val().get_bits::<6>(2);
        if self.write_ready.q.val() {
            self.addr.d.next = self.s_axil_awaddr.val().get_bits::<6>(2);
        }
        self.wdata.d.next = self.s_axil_wdata.val();
        self.wstrb.d.next = self.s_axil_wstrb.val();

        if self.reset.val() {
            self.bvalid.d.next = false;
            self.rvalid.d.next = false;
            self.read_busy.d.next = false;
        }

        self.s_axil_awready.next = self.write_ready.q.val();
        self.s_axil_wready.next = self.write_ready.q.val();
        self.s_axil_bvalid.next = self.bvalid.q.val();
        self.s_axil_bresp.next = 0.into();
        self.s_axil_arready.next = self.read_ready.q.val();
        self.s_axil_rvalid.next = self.rvalid.q.val();
        self.s_axil_rdata.next = self.reg_rdata.val();
        self.s_axil_rresp.next = 0.into();
        self.reg_addr.next = self.addr.q.val();
        self.reg_write.next = self.write_strobe.q.val();
        self.reg_wdata.next = self.wdata.q.val();
        self.reg_wstrb.next = self.wstrb.q.val();
        self.reg_read.next = self.read_strobe.q.val();
    }
}
