//! Receiver and transmitter in one block, with the port names of the exported `uart`
//! module. The two halves share nothing but the clock and reset: each keeps its own phase
//! accumulator, because the receiver restarts its phase on every start edge.

use crate::config::Timing;
use crate::rx::UartRx;
use crate::tx::UartTx;
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct Uart<const D: usize> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub rx: Signal<In, Bit>,
    pub tx: Signal<Out, Bit>,
    pub rx_data: Signal<Out, Bits<D>>,
    pub rx_valid: Signal<Out, Bit>,
    pub rx_ready: Signal<In, Bit>,
    pub rx_framing_error: Signal<Out, Bit>,
    pub rx_parity_error: Signal<Out, Bit>,
    pub rx_break: Signal<Out, Bit>,
    pub rx_overrun: Signal<Out, Bit>,
    pub tx_data: Signal<In, Bits<D>>,
    pub tx_valid: Signal<In, Bit>,
    pub tx_ready: Signal<Out, Bit>,
    pub tx_break_line: Signal<In, Bit>,
    pub tx_busy: Signal<Out, Bit>,
    receiver: UartRx<D>,
    transmitter: UartTx<D>,
}

impl<const D: usize> Uart<D> {
    pub fn new(timing: &Timing) -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            rx: Default::default(),
            tx: Default::default(),
            rx_data: Default::default(),
            rx_valid: Default::default(),
            rx_ready: Default::default(),
            rx_framing_error: Default::default(),
            rx_parity_error: Default::default(),
            rx_break: Default::default(),
            rx_overrun: Default::default(),
            tx_data: Default::default(),
            tx_valid: Default::default(),
            tx_ready: Default::default(),
            tx_break_line: Default::default(),
            tx_busy: Default::default(),
            receiver: UartRx::new(timing),
            transmitter: UartTx::new(timing),
        }
    }
}

impl<const D: usize> Logic for Uart<D> {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, receiver, transmitter);
        self.receiver.reset.next = self.reset.val();
        self.transmitter.reset.next = self.reset.val();
        self.receiver.rx.next = self.rx.val();
        self.rx_data.next = self.receiver.data.val();
        self.rx_valid.next = self.receiver.valid.val();
        self.receiver.ready.next = self.rx_ready.val();
        self.rx_framing_error.next = self.receiver.framing_error.val();
        self.rx_parity_error.next = self.receiver.parity_error.val();
        self.rx_break.next = self.receiver.break_detected.val();
        self.rx_overrun.next = self.receiver.overrun.val();
        self.transmitter.data.next = self.tx_data.val();
        self.transmitter.valid.next = self.tx_valid.val();
        self.tx_ready.next = self.transmitter.ready.val();
        self.transmitter.break_line.next = self.tx_break_line.val();
        self.tx.next = self.transmitter.tx.val();
        self.tx_busy.next = self.transmitter.busy.val();
    }
}
