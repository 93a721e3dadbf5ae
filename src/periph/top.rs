//! The peripheral's two exports: a bus adapter in front of [`UartPeriph`].
//!
//! - [`UartWishbone`] (`uart_wb`): Wishbone B4 pipelined, 32-bit, also usable by classic
//!   masters ([`WishboneAdapter`]).
//! - [`UartAxiLite`] (`uart_axil`): AXI4-Lite, 32-bit ([`AxiLiteAdapter`]).
//!
//! Both are exactly adapter + peripheral wired through the register port, so every
//! guarantee of [`crate::periph::uart_periph`] (registers, FIFOs, interrupts, flow control,
//! RS-485) and of the adapter (one strobe per accepted request, no speculative reads)
//! holds at the bus. `A` is log2 of the larger FIFO depth (4: 16 entries; each FIFO's own
//! depth is in the options, see [`UartPeriph`]). The register map is
//! [`crate::periph::regs`]; the byte address window is 256 bytes (`adr[7:2]`).

use crate::config::UartConfig;
use crate::periph::axil::AxiLiteAdapter;
use crate::periph::options::{Bus, PeripheralOptions};
use crate::periph::uart_periph::UartPeriph;
use crate::periph::wishbone::WishboneAdapter;
use anyhow::Result;
use rust_hdl::prelude::*;

/// The `uart_wb` export: Wishbone B4 pipelined slave + UART peripheral.
#[derive(LogicBlock)]
pub struct UartWishbone<const A: usize> {
    /// The clock of everything.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset (bus and peripheral).
    pub reset: Signal<In, Bit>,
    /// Bus cycle in progress.
    pub wb_cyc: Signal<In, Bit>,
    /// Request strobe.
    pub wb_stb: Signal<In, Bit>,
    /// Write request.
    pub wb_we: Signal<In, Bit>,
    /// Byte address (bits `[7:2]` select the register).
    pub wb_adr: Signal<In, Bits<8>>,
    /// Byte selects of a write.
    pub wb_sel: Signal<In, Bits<4>>,
    /// Write data.
    pub wb_dat_w: Signal<In, Bits<32>>,
    /// Read data, valid with `wb_ack`.
    pub wb_dat_r: Signal<Out, Bits<32>>,
    /// Acknowledge: one per accepted request.
    pub wb_ack: Signal<Out, Bit>,
    /// Request not accepted in this clock.
    pub wb_stall: Signal<Out, Bit>,
    /// Receive line (asynchronous).
    pub rx: Signal<In, Bit>,
    /// Transmit line.
    pub tx: Signal<Out, Bit>,
    /// Request to send, active low.
    pub rts: Signal<Out, Bit>,
    /// Clear to send, active low (asynchronous).
    pub cts: Signal<In, Bit>,
    /// RS-485 driver enable.
    pub tx_enable: Signal<Out, Bit>,
    /// Interrupt, level, active high.
    pub irq: Signal<Out, Bit>,
    bus: WishboneAdapter,
    periph: UartPeriph<A>,
}

impl<const A: usize> UartWishbone<A> {
    /// The Wishbone peripheral for `config` (see [`UartPeriph::new`] for what it takes from it). An `Err` when the configuration cannot be carried (see
    /// [`UartPeriph::new`]).
    pub fn new(config: &UartConfig) -> Result<Self> {
        Self::with_options(
            config,
            &PeripheralOptions::full()
                .with_bus(Bus::Wishbone)
                .with_depths(A as u32, A as u32),
        )
    }

    /// The Wishbone peripheral built with `options` (their bus must be
    /// [`Bus::Wishbone`]; see [`UartPeriph::with_options`]).
    pub fn with_options(config: &UartConfig, options: &PeripheralOptions) -> Result<Self> {
        anyhow::ensure!(
            options.bus == Bus::Wishbone,
            "uart_wb: the options ask for bus {:?}; use bus = \"wishbone\" (or uart_axil)",
            options.bus
        );
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
            rx: Default::default(),
            tx: Default::default(),
            rts: Default::default(),
            cts: Default::default(),
            tx_enable: Default::default(),
            irq: Default::default(),
            bus: WishboneAdapter::new()?,
            periph: UartPeriph::with_options(config, options)?,
        })
    }
}

impl<const A: usize> Logic for UartWishbone<A> {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, bus, periph);
        self.bus.wb_cyc.next = self.wb_cyc.val();
        self.bus.wb_stb.next = self.wb_stb.val();
        self.bus.wb_we.next = self.wb_we.val();
        self.bus.wb_adr.next = self.wb_adr.val();
        self.bus.wb_sel.next = self.wb_sel.val();
        self.bus.wb_dat_w.next = self.wb_dat_w.val();
        self.wb_dat_r.next = self.bus.wb_dat_r.val();
        self.wb_ack.next = self.bus.wb_ack.val();
        self.wb_stall.next = self.bus.wb_stall.val();
        self.periph.reset.next = self.reset.val();
        self.periph.rx.next = self.rx.val();
        self.periph.cts.next = self.cts.val();
        self.tx.next = self.periph.tx.val();
        self.rts.next = self.periph.rts.val();
        self.tx_enable.next = self.periph.tx_enable.val();
        self.irq.next = self.periph.irq.val();
        self.bus.reset.next = self.reset.val();
        self.periph.reg_addr.next = self.bus.reg_addr.val();
        self.periph.reg_write.next = self.bus.reg_write.val();
        self.periph.reg_wdata.next = self.bus.reg_wdata.val();
        self.periph.reg_wstrb.next = self.bus.reg_wstrb.val();
        self.periph.reg_read.next = self.bus.reg_read.val();
        self.bus.reg_rdata.next = self.periph.reg_rdata.val();
    }
}

/// The `uart_axil` export: AXI4-Lite slave + UART peripheral.
#[derive(LogicBlock)]
pub struct UartAxiLite<const A: usize> {
    /// The clock of everything.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset (bus and peripheral).
    pub reset: Signal<In, Bit>,
    /// Write address valid.
    pub s_axil_awvalid: Signal<In, Bit>,
    /// Write address taken.
    pub s_axil_awready: Signal<Out, Bit>,
    /// Write byte address (bits `[7:2]` select the register).
    pub s_axil_awaddr: Signal<In, Bits<8>>,
    /// Write data valid.
    pub s_axil_wvalid: Signal<In, Bit>,
    /// Write data taken.
    pub s_axil_wready: Signal<Out, Bit>,
    /// Write data.
    pub s_axil_wdata: Signal<In, Bits<32>>,
    /// Write byte strobes.
    pub s_axil_wstrb: Signal<In, Bits<4>>,
    /// Write response valid.
    pub s_axil_bvalid: Signal<Out, Bit>,
    /// Write response taken.
    pub s_axil_bready: Signal<In, Bit>,
    /// Write response (OKAY).
    pub s_axil_bresp: Signal<Out, Bits<2>>,
    /// Read address valid.
    pub s_axil_arvalid: Signal<In, Bit>,
    /// Read address taken.
    pub s_axil_arready: Signal<Out, Bit>,
    /// Read byte address.
    pub s_axil_araddr: Signal<In, Bits<8>>,
    /// Read data valid.
    pub s_axil_rvalid: Signal<Out, Bit>,
    /// Read data taken.
    pub s_axil_rready: Signal<In, Bit>,
    /// Read data.
    pub s_axil_rdata: Signal<Out, Bits<32>>,
    /// Read response (OKAY).
    pub s_axil_rresp: Signal<Out, Bits<2>>,
    /// Receive line (asynchronous).
    pub rx: Signal<In, Bit>,
    /// Transmit line.
    pub tx: Signal<Out, Bit>,
    /// Request to send, active low.
    pub rts: Signal<Out, Bit>,
    /// Clear to send, active low (asynchronous).
    pub cts: Signal<In, Bit>,
    /// RS-485 driver enable.
    pub tx_enable: Signal<Out, Bit>,
    /// Interrupt, level, active high.
    pub irq: Signal<Out, Bit>,
    bus: AxiLiteAdapter,
    periph: UartPeriph<A>,
}

impl<const A: usize> UartAxiLite<A> {
    /// The AXI4-Lite peripheral for `config` (see [`UartPeriph::new`] for what it takes from it). An `Err` when the configuration cannot be carried (see
    /// [`UartPeriph::new`]).
    pub fn new(config: &UartConfig) -> Result<Self> {
        Self::with_options(
            config,
            &PeripheralOptions::full()
                .with_bus(Bus::Axil)
                .with_depths(A as u32, A as u32),
        )
    }

    /// The AXI4-Lite peripheral built with `options` (their bus must be [`Bus::Axil`];
    /// see [`UartPeriph::with_options`]).
    pub fn with_options(config: &UartConfig, options: &PeripheralOptions) -> Result<Self> {
        anyhow::ensure!(
            options.bus == Bus::Axil,
            "uart_axil: the options ask for bus {:?}; use bus = \"axil\" (or uart_wb)",
            options.bus
        );
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
            rx: Default::default(),
            tx: Default::default(),
            rts: Default::default(),
            cts: Default::default(),
            tx_enable: Default::default(),
            irq: Default::default(),
            bus: AxiLiteAdapter::new()?,
            periph: UartPeriph::with_options(config, options)?,
        })
    }
}

impl<const A: usize> Logic for UartAxiLite<A> {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, bus, periph);
        self.bus.s_axil_awvalid.next = self.s_axil_awvalid.val();
        self.s_axil_awready.next = self.bus.s_axil_awready.val();
        self.bus.s_axil_awaddr.next = self.s_axil_awaddr.val();
        self.bus.s_axil_wvalid.next = self.s_axil_wvalid.val();
        self.s_axil_wready.next = self.bus.s_axil_wready.val();
        self.bus.s_axil_wdata.next = self.s_axil_wdata.val();
        self.bus.s_axil_wstrb.next = self.s_axil_wstrb.val();
        self.s_axil_bvalid.next = self.bus.s_axil_bvalid.val();
        self.bus.s_axil_bready.next = self.s_axil_bready.val();
        self.s_axil_bresp.next = self.bus.s_axil_bresp.val();
        self.bus.s_axil_arvalid.next = self.s_axil_arvalid.val();
        self.s_axil_arready.next = self.bus.s_axil_arready.val();
        self.bus.s_axil_araddr.next = self.s_axil_araddr.val();
        self.s_axil_rvalid.next = self.bus.s_axil_rvalid.val();
        self.bus.s_axil_rready.next = self.s_axil_rready.val();
        self.s_axil_rdata.next = self.bus.s_axil_rdata.val();
        self.s_axil_rresp.next = self.bus.s_axil_rresp.val();
        self.periph.reset.next = self.reset.val();
        self.periph.rx.next = self.rx.val();
        self.periph.cts.next = self.cts.val();
        self.tx.next = self.periph.tx.val();
        self.rts.next = self.periph.rts.val();
        self.tx_enable.next = self.periph.tx_enable.val();
        self.irq.next = self.periph.irq.val();
        self.bus.reset.next = self.reset.val();
        self.periph.reg_addr.next = self.bus.reg_addr.val();
        self.periph.reg_write.next = self.bus.reg_write.val();
        self.periph.reg_wdata.next = self.bus.reg_wdata.val();
        self.periph.reg_wstrb.next = self.bus.reg_wstrb.val();
        self.periph.reg_read.next = self.bus.reg_read.val();
        self.bus.reg_rdata.next = self.periph.reg_rdata.val();
    }
}
