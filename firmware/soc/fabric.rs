//! The SoC's own logic, everything but the CPU and the RAM: address decode, the local
//! targets' acknowledge, the LED and system registers (cycle counter, interrupt-latency
//! stamps), the UART peripheral and the reset synchroniser.
//!
//! Why a block of its own: PicoRV32 and the RAM are external Verilog that rust-hdl cannot
//! simulate (their `update()` is empty), so while this logic sat in [`super::SocCore`] no
//! co-simulation could check that its exported Verilog does what its Rust does. With the CPU's
//! and the RAM's ports as this block's ports, `sim/tests/soc_cosim.rs` drives it from both
//! sides.
//!
//! Guarantees
//! - Ports: the board pins (`rst_n`, `usb_rx`, `usb_tx`, `led`), the CPU's Wishbone master
//!   and interrupt as the CPU sees them (`cpu_*`, `cpu_reset`, `cpu_irq_uart`), the RAM's
//!   port (`ram_*`), and `rxdata_read`, the latency probe's strobe (read by the virtual
//!   board's bus probe, `firmware/soc/latency.rs`).
//! - Address map, reset and bus timing: as documented in `firmware/soc.rs` (this block is
//!   that logic, moved without change).

use super::{RAM_ADDRESS_BITS, SOC_CLOCK_HZ, SYS_BASE, UART_BASE, UART_FIFO_LOG2};
use crate::config::UartConfig;
use crate::periph::top::UartWishbone;
use anyhow::Result;
use rust_hdl::prelude::*;

/// The SoC's fabric: decode, registers, UART and reset between the CPU, the RAM and the pins.
#[derive(LogicBlock)]
pub struct SocFabric {
    /// The SoC's clock.
    pub clock: Signal<In, Clock>,
    /// Reset button, active low, asynchronous.
    pub rst_n: Signal<In, Bit>,
    /// Data from the PC (FPGA input).
    pub usb_rx: Signal<In, Bit>,
    /// Data to the PC (FPGA output).
    pub usb_tx: Signal<Out, Bit>,
    /// The LED register.
    pub led: Signal<Out, Bits<8>>,
    /// The CPU's reset (synchronised `rst_n`, active high).
    pub cpu_reset: Signal<Out, Bit>,
    /// The CPU's Wishbone byte address.
    pub cpu_adr: Signal<In, Bits<32>>,
    /// The CPU's write data.
    pub cpu_dat_w: Signal<In, Bits<32>>,
    /// Read data to the CPU, taken with `cpu_ack`.
    pub cpu_dat_r: Signal<Out, Bits<32>>,
    /// The CPU's write request.
    pub cpu_we: Signal<In, Bit>,
    /// The CPU's byte selects.
    pub cpu_sel: Signal<In, Bits<4>>,
    /// The CPU's request strobe (held until `cpu_ack`).
    pub cpu_stb: Signal<In, Bit>,
    /// The CPU's bus cycle.
    pub cpu_cyc: Signal<In, Bit>,
    /// Acknowledge to the CPU.
    pub cpu_ack: Signal<Out, Bit>,
    /// The UART's interrupt, the CPU's IRQ 3.
    pub cpu_irq_uart: Signal<Out, Bit>,
    /// The RAM's word address.
    pub ram_addr: Signal<Out, Bits<RAM_ADDRESS_BITS>>,
    /// The RAM's write data.
    pub ram_wdata: Signal<Out, Bits<32>>,
    /// The RAM's byte write enables.
    pub ram_we: Signal<Out, Bits<4>>,
    /// The RAM's registered read data.
    pub ram_rdata: Signal<In, Bits<32>>,
    /// High in each clock a read request of RXDATA is on the bus (the latency probe's
    /// strobe; the virtual board's `BusProbe` watches it, `firmware/soc/latency.rs`).
    pub rxdata_read: Signal<Out, Bit>,
    button_first: DFF<Bit>,
    button_synced: DFF<Bit>,
    reset: Signal<Local, Bit>,
    uart: UartWishbone<UART_FIFO_LOG2>,
    led_reg: DFF<Bits<8>>,
    cycles: DFF<Bits<32>>,
    // Interrupt-latency probe: CYCLES when the UART's irq rose, and at the first read of
    // RXDATA after that (the handler's), so software can read the difference.
    irq_before: DFF<Bit>,
    irq_stamp: DFF<Bits<32>>,
    rx_stamp: DFF<Bits<32>>,
    stamp_armed: DFF<Bit>,
    rxdata_offset: Constant<Bits<8>>,
    // RAM, system registers and holes answer one clock after the request.
    local_ack: DFF<Bit>,
    local_request: Signal<Local, Bit>,
    local_write: Signal<Local, Bit>,
    region: Signal<Local, Bits<4>>,
    sel_ram: Signal<Local, Bit>,
    sel_uart: Signal<Local, Bit>,
    sel_sys: Signal<Local, Bit>,
    sys_word: Signal<Local, Bits<3>>,
    sys_rdata: Signal<Local, Bits<32>>,
    region_ram: Constant<Bits<4>>,
    region_uart: Constant<Bits<4>>,
    region_sys: Constant<Bits<4>>,
    clock_hz: Constant<Bits<32>>,
}

impl SocFabric {
    /// The fabric with its UART built for `config`, whose `clock_hz` must be
    /// [`SOC_CLOCK_HZ`] ([`super::check_soc_clock`]).
    pub fn new(config: &UartConfig) -> Result<Self> {
        super::check_soc_clock(config)?;
        Ok(Self {
            clock: Default::default(),
            rst_n: Default::default(),
            usb_rx: Default::default(),
            usb_tx: Default::default(),
            led: Default::default(),
            cpu_reset: Default::default(),
            cpu_adr: Default::default(),
            cpu_dat_w: Default::default(),
            cpu_dat_r: Default::default(),
            cpu_we: Default::default(),
            cpu_sel: Default::default(),
            cpu_stb: Default::default(),
            cpu_cyc: Default::default(),
            cpu_ack: Default::default(),
            cpu_irq_uart: Default::default(),
            ram_addr: Default::default(),
            ram_wdata: Default::default(),
            ram_we: Default::default(),
            ram_rdata: Default::default(),
            rxdata_read: Default::default(),
            button_first: Default::default(),
            button_synced: Default::default(),
            reset: Default::default(),
            uart: UartWishbone::new(config)?,
            led_reg: Default::default(),
            cycles: Default::default(),
            irq_before: Default::default(),
            irq_stamp: Default::default(),
            rx_stamp: Default::default(),
            stamp_armed: Default::default(),
            rxdata_offset: Constant::new(0x14_u64.to_bits()),
            local_ack: Default::default(),
            local_request: Default::default(),
            local_write: Default::default(),
            region: Default::default(),
            sel_ram: Default::default(),
            sel_uart: Default::default(),
            sel_sys: Default::default(),
            sys_word: Default::default(),
            sys_rdata: Default::default(),
            region_ram: Constant::new(0_u64.to_bits()),
            region_uart: Constant::new(u64::from(UART_BASE >> 28).to_bits()),
            region_sys: Constant::new(u64::from(SYS_BASE >> 28).to_bits()),
            clock_hz: Constant::new(SOC_CLOCK_HZ.to_bits()),
        })
    }
}

impl Logic for SocFabric {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            button_first,
            button_synced,
            led_reg,
            cycles,
            local_ack,
            irq_before,
            irq_stamp,
            rx_stamp,
            stamp_armed
        );
        clock!(self, clock, uart);

        self.button_first.d.next = self.rst_n.val();
        self.button_synced.d.next = self.button_first.q.val();
        self.reset.next = !self.button_synced.q.val();
        self.cpu_reset.next = self.reset.val();
        self.uart.reset.next = self.reset.val();
        self.cycles.d.next = self.cycles.q.val() + 1;

        // Address decode on the top nibble.
        self.region.next = self.cpu_adr.val().get_bits::<4>(28);
        self.sel_ram.next = self.region.val() == self.region_ram.val();
        self.sel_uart.next = self.region.val() == self.region_uart.val();
        self.sel_sys.next = self.region.val() == self.region_sys.val();
        self.sys_word.next = self.cpu_adr.val().get_bits::<3>(2);

        // Local targets: one write per request (in its first clock), ack a clock later.
        self.local_request.next = self.cpu_cyc.val() & self.cpu_stb.val() & !self.sel_uart.val();
        self.local_write.next =
            self.local_request.val() & self.cpu_we.val() & !self.local_ack.q.val();
        self.local_ack.d.next = self.local_request.val() & !self.local_ack.q.val();

        self.ram_addr.next = self.cpu_adr.val().get_bits::<RAM_ADDRESS_BITS>(2);
        self.ram_wdata.next = self.cpu_dat_w.val();
        self.ram_we.next = 0.into();
        if self.local_write.val() & self.sel_ram.val() {
            self.ram_we.next = self.cpu_sel.val();
        }
        if self.local_write.val() & self.sel_sys.val() & (self.sys_word.val() == 0) {
            self.led_reg.d.next = self.cpu_dat_w.val().get_bits::<8>(0);
        }

        self.sys_rdata.next = 0.into();
        match self.sys_word.val().index() {
            0 => self.sys_rdata.next = bit_cast::<32, 8>(self.led_reg.q.val()),
            1 => self.sys_rdata.next = self.clock_hz.val(),
            2 => self.sys_rdata.next = self.cycles.q.val(),
            3 => self.sys_rdata.next = self.irq_stamp.q.val(),
            4 => self.sys_rdata.next = self.rx_stamp.q.val(),
            _ => {}
        }

        // The latency probe. A read request of RXDATA is seen in each clock its strobe is
        // held; only the first after the irq rose is stamped (the probe disarms).
        self.irq_before.d.next = self.uart.irq.val();
        self.rxdata_read.next = self.cpu_cyc.val()
            & self.cpu_stb.val()
            & self.sel_uart.val()
            & !self.cpu_we.val()
            & (self.cpu_adr.val().get_bits::<8>(0) == self.rxdata_offset.val());
        if self.uart.irq.val() & !self.irq_before.q.val() {
            self.irq_stamp.d.next = self.cycles.q.val();
            self.stamp_armed.d.next = true;
        } else if self.stamp_armed.q.val() & self.rxdata_read.val() {
            self.rx_stamp.d.next = self.cycles.q.val();
            self.stamp_armed.d.next = false;
        }

        // The UART sees only its own requests.
        self.uart.wb_cyc.next = self.cpu_cyc.val() & self.sel_uart.val();
        self.uart.wb_stb.next = self.cpu_stb.val() & self.sel_uart.val();
        self.uart.wb_we.next = self.cpu_we.val();
        self.uart.wb_adr.next = self.cpu_adr.val().get_bits::<8>(0);
        self.uart.wb_sel.next = self.cpu_sel.val();
        self.uart.wb_dat_w.next = self.cpu_dat_w.val();
        self.uart.rx.next = self.usb_rx.val();
        // No CTS pin on the Cu: always clear to send (active low).
        self.uart.cts.next = false;
        self.usb_tx.next = self.uart.tx.val();
        self.cpu_irq_uart.next = self.uart.irq.val();

        self.cpu_dat_r.next = 0.into();
        if self.sel_ram.val() {
            self.cpu_dat_r.next = self.ram_rdata.val();
        }
        if self.sel_uart.val() {
            self.cpu_dat_r.next = self.uart.wb_dat_r.val();
        }
        if self.sel_sys.val() {
            self.cpu_dat_r.next = self.sys_rdata.val();
        }
        self.cpu_ack.next = self.local_ack.q.val() | self.uart.wb_ack.val();

        if self.reset.val() {
            self.led_reg.d.next = 0.into();
            self.local_ack.d.next = false;
        }
        self.led.next = self.led_reg.q.val();
    }
}
