//! Co-simulation adapters: how the Verilator harness and the Rust side drive the exported
//! designs port by port. Port order is the exported module's, so a mismatch names the
//! signal as the user sees it.

use crate::config::Timing;
use crate::rx::UartRx;
use crate::sim::cosim::{CosimDut, Port};
use crate::tx::UartTx;
use crate::uart::Uart;
use rust_hdl::prelude::*;

fn bit(value: u64) -> bool {
    value & 1 != 0
}

pub struct RxDut<const D: usize> {
    pub uut: UartRx<D>,
    timing: Timing,
}

impl<const D: usize> RxDut<D> {
    pub fn new(timing: &Timing) -> Self {
        let mut uut = UartRx::<D>::new(timing);
        uut.connect_all();
        Self {
            uut,
            timing: *timing,
        }
    }
}

impl<const D: usize> CosimDut for RxDut<D> {
    type Uut = UartRx<D>;
    fn uut(&self) -> &Self::Uut {
        &self.uut
    }
    fn uut_mut(&mut self) -> &mut Self::Uut {
        &mut self.uut
    }
    fn inputs(&self) -> Vec<Port> {
        vec![
            Port::new("reset", 1),
            Port::new("rx", 1),
            Port::new("ready", 1),
        ]
    }
    fn outputs(&self) -> Vec<Port> {
        vec![
            Port::new("data", D),
            Port::new("valid", 1),
            Port::new("framing_error", 1),
            Port::new("parity_error", 1),
            Port::new("break_detected", 1),
            Port::new("overrun", 1),
        ]
    }
    fn set_inputs(&mut self, values: &[u64]) {
        self.uut.reset.next = bit(values[0]);
        self.uut.rx.next = bit(values[1]);
        self.uut.ready.next = bit(values[2]);
    }
    fn outputs_now(&self) -> Vec<u64> {
        let u = &self.uut;
        vec![
            u.data.val().to_u64(),
            u.valid.val() as u64,
            u.framing_error.val() as u64,
            u.parity_error.val() as u64,
            u.break_detected.val() as u64,
            u.overrun.val() as u64,
        ]
    }
    fn set_clock(&mut self, high: bool) {
        self.uut.clock.next = high.into();
    }
    fn replica(&self) -> Option<Self> {
        Some(Self::new(&self.timing))
    }
}

pub struct TxDut<const D: usize> {
    pub uut: UartTx<D>,
    timing: Timing,
}

impl<const D: usize> TxDut<D> {
    pub fn new(timing: &Timing) -> Self {
        let mut uut = UartTx::<D>::new(timing);
        uut.connect_all();
        Self {
            uut,
            timing: *timing,
        }
    }
}

impl<const D: usize> CosimDut for TxDut<D> {
    type Uut = UartTx<D>;
    fn uut(&self) -> &Self::Uut {
        &self.uut
    }
    fn uut_mut(&mut self) -> &mut Self::Uut {
        &mut self.uut
    }
    fn inputs(&self) -> Vec<Port> {
        vec![
            Port::new("reset", 1),
            Port::new("data", D),
            Port::new("valid", 1),
            Port::new("break_line", 1),
        ]
    }
    fn outputs(&self) -> Vec<Port> {
        vec![
            Port::new("ready", 1),
            Port::new("tx", 1),
            Port::new("busy", 1),
        ]
    }
    fn set_inputs(&mut self, values: &[u64]) {
        self.uut.reset.next = bit(values[0]);
        self.uut.data.next = values[1].to_bits();
        self.uut.valid.next = bit(values[2]);
        self.uut.break_line.next = bit(values[3]);
    }
    fn outputs_now(&self) -> Vec<u64> {
        let u = &self.uut;
        vec![u.ready.val() as u64, u.tx.val() as u64, u.busy.val() as u64]
    }
    fn set_clock(&mut self, high: bool) {
        self.uut.clock.next = high.into();
    }
    fn replica(&self) -> Option<Self> {
        Some(Self::new(&self.timing))
    }
}

pub struct UartDut<const D: usize> {
    pub uut: Uart<D>,
    timing: Timing,
}

impl<const D: usize> UartDut<D> {
    pub fn new(timing: &Timing) -> Self {
        let mut uut = Uart::<D>::new(timing);
        uut.connect_all();
        Self {
            uut,
            timing: *timing,
        }
    }
}

impl<const D: usize> CosimDut for UartDut<D> {
    type Uut = Uart<D>;
    fn uut(&self) -> &Self::Uut {
        &self.uut
    }
    fn uut_mut(&mut self) -> &mut Self::Uut {
        &mut self.uut
    }
    fn inputs(&self) -> Vec<Port> {
        vec![
            Port::new("reset", 1),
            Port::new("rx", 1),
            Port::new("rx_ready", 1),
            Port::new("tx_data", D),
            Port::new("tx_valid", 1),
            Port::new("tx_break_line", 1),
        ]
    }
    fn outputs(&self) -> Vec<Port> {
        vec![
            Port::new("tx", 1),
            Port::new("rx_data", D),
            Port::new("rx_valid", 1),
            Port::new("rx_framing_error", 1),
            Port::new("rx_parity_error", 1),
            Port::new("rx_break", 1),
            Port::new("rx_overrun", 1),
            Port::new("tx_ready", 1),
            Port::new("tx_busy", 1),
        ]
    }
    fn set_inputs(&mut self, values: &[u64]) {
        let u = &mut self.uut;
        u.reset.next = bit(values[0]);
        u.rx.next = bit(values[1]);
        u.rx_ready.next = bit(values[2]);
        u.tx_data.next = values[3].to_bits();
        u.tx_valid.next = bit(values[4]);
        u.tx_break_line.next = bit(values[5]);
    }
    fn outputs_now(&self) -> Vec<u64> {
        let u = &self.uut;
        vec![
            u.tx.val() as u64,
            u.rx_data.val().to_u64(),
            u.rx_valid.val() as u64,
            u.rx_framing_error.val() as u64,
            u.rx_parity_error.val() as u64,
            u.rx_break.val() as u64,
            u.rx_overrun.val() as u64,
            u.tx_ready.val() as u64,
            u.tx_busy.val() as u64,
        ]
    }
    fn set_clock(&mut self, high: bool) {
        self.uut.clock.next = high.into();
    }
    fn replica(&self) -> Option<Self> {
        Some(Self::new(&self.timing))
    }
}

/// The echo firmware's top, ports as on the board.
pub struct EchoDut<const D: usize> {
    pub uut: crate::firmware::EchoFirmware<D>,
    timing: Timing,
}

impl<const D: usize> EchoDut<D> {
    pub fn new(timing: &Timing) -> Self {
        let mut uut = crate::firmware::EchoFirmware::<D>::new(timing)
            .expect("EchoDut::<D> is built for data_bits = D");
        uut.connect_all();
        Self {
            uut,
            timing: *timing,
        }
    }
}

impl<const D: usize> CosimDut for EchoDut<D> {
    type Uut = crate::firmware::EchoFirmware<D>;
    fn uut(&self) -> &Self::Uut {
        &self.uut
    }
    fn uut_mut(&mut self) -> &mut Self::Uut {
        &mut self.uut
    }
    fn inputs(&self) -> Vec<Port> {
        vec![Port::new("rst_n", 1), Port::new("usb_rx", 1)]
    }
    fn outputs(&self) -> Vec<Port> {
        vec![Port::new("usb_tx", 1), Port::new("led", 8)]
    }
    fn set_inputs(&mut self, values: &[u64]) {
        self.uut.rst_n.next = bit(values[0]);
        self.uut.usb_rx.next = bit(values[1]);
    }
    fn outputs_now(&self) -> Vec<u64> {
        vec![self.uut.usb_tx.val() as u64, self.uut.led.val().to_u64()]
    }
    fn set_clock(&mut self, high: bool) {
        self.uut.clk.next = high.into();
    }
    fn replica(&self) -> Option<Self> {
        Some(Self::new(&self.timing))
    }
}
