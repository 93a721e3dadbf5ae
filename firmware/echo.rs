//! Echo firmware for the Alchitry Cu: every byte received on `usb_rx` is sent back on
//! `usb_tx`, through a FIFO in block RAM.
//!
//! Guarantees
//! - Ports are exactly `clk`, `rst_n`, `usb_rx`, `usb_tx`, `led[7:0]`: the names of the pin
//!   files in `constraints/`.
//! - `rst_n` (the active-low button) passes a 2-flip-flop synchroniser; the synchronous reset
//!   it drives is held for as long as the button is down (and for the first two clocks
//!   after power-up). Reset returns the receiver to waiting for an idle line, the
//!   transmitter to idle-high, turns every LED off and empties the FIFO.
//! - Every clean frame (no framing, parity or break flag) is sent back unchanged, in order,
//!   with the transmitter's timing: back to back while the FIFO has bytes.
//! - The FIFO holds [`FIFO_DEPTH`] bytes (one SB_RAM40_4K for 5-8 data bits, two for 9). The
//!   receiver is ready only while the FIFO is not full; when it is full the receiver holds
//!   its byte, and a frame that completes meanwhile is dropped with the receiver's sticky
//!   `overrun` raised. So a sender faster than the echo loses bytes only after it is more
//!   than the FIFO (+ the byte held in the receiver + the one in the transmitter) ahead,
//!   and never silently: `led[7]` lights at the first loss.
//! - A frame with a framing or parity error, and a break, is not echoed (its data is not
//!   trustworthy) and takes no FIFO space: it is taken from the receiver at once, even while
//!   the FIFO is full. It lights `led[6]`.
//! - LEDs: `led[5:0]` = low 6 bits of the last clean byte received (bits above `data_bits`
//!   are 0), `led[6]` = a framing, parity or break event happened, `led[7]` = a byte was
//!   lost to overrun. `led[6]` and `led[7]` stay lit until reset; each LED follows one
//!   flip-flop, so none glitches.
//! - Everything comes from one [`Timing`]: the same configuration for both directions.

use crate::config::Timing;
use crate::periph::fifo::Fifo;
use crate::rx::UartRx;
use crate::tx::UartTx;
use rust_hdl::prelude::*;

/// Address bits of the FIFO: 2^9 = 512 entries.
pub const FIFO_ADDRESS_BITS: usize = 9;
/// Bytes the FIFO holds.
pub const FIFO_DEPTH: usize = 1 << FIFO_ADDRESS_BITS;

/// The block RAM FIFO between receiver and transmitter: the peripheral's FIFO, whose
/// `full` and `empty` come from flip-flops. (rust-hdl's SynchronousFIFO computes them from
/// its pointers: that comparison was the firmware's critical path, 120 MHz.)
pub type EchoFifo<const D: usize> = Fifo<D, FIFO_ADDRESS_BITS>;

#[derive(LogicBlock)]
pub struct EchoFirmware<const D: usize> {
    /// 100 MHz on the Cu.
    pub clk: Signal<In, Clock>,
    /// Reset button, active low, asynchronous to `clk`.
    pub rst_n: Signal<In, Bit>,
    /// Data from the PC (FPGA input).
    pub usb_rx: Signal<In, Bit>,
    /// Data to the PC (FPGA output).
    pub usb_tx: Signal<Out, Bit>,
    pub led: Signal<Out, Bits<8>>,
    // The button level, synchronised: both stages hold `rst_n` (so their zero power-up value
    // is a reset); the second gives the first a clock to settle.
    button_first: DFF<Bit>,
    button_synced: DFF<Bit>,
    reset: Signal<Local, Bit>,
    receiver: UartRx<D>,
    fifo: EchoFifo<D>,
    transmitter: UartTx<D>,
    take_byte: Signal<Local, Bit>,
    frame_bad: Signal<Local, Bit>,
    last_byte: DFF<Bits<D>>,
    line_error: DFF<Bit>,
    overflow: DFF<Bit>,
    led_low: Signal<Local, Bits<8>>,
    low_six_mask: Constant<Bits<8>>,
}

impl<const D: usize> EchoFirmware<D> {
    /// The firmware for `timing`. `Err` when `D` is not the configuration's `data_bits`
    /// (rust-hdl widths are types, so the caller picks `D`; see [`crate::with_data_bits!`]).
    pub fn new(timing: &Timing) -> anyhow::Result<Self> {
        if timing.config.data_bits as usize != D {
            anyhow::bail!(
                "EchoFirmware::<{D}> cannot carry data_bits = {}: build it as \
                 EchoFirmware::<{}> (with_data_bits! picks the width from the configuration)",
                timing.config.data_bits,
                timing.config.data_bits
            );
        }
        Ok(Self {
            clk: Default::default(),
            rst_n: Default::default(),
            usb_rx: Default::default(),
            usb_tx: Default::default(),
            led: Default::default(),
            button_first: Default::default(),
            button_synced: Default::default(),
            reset: Default::default(),
            receiver: UartRx::new(timing)?,
            fifo: Fifo::new()?,
            transmitter: UartTx::new(timing)?,
            take_byte: Default::default(),
            frame_bad: Default::default(),
            last_byte: Default::default(),
            line_error: Default::default(),
            overflow: Default::default(),
            led_low: Default::default(),
            low_six_mask: Constant::new(0x3F_u64.to_bits()),
        })
    }
}

impl<const D: usize> Logic for EchoFirmware<D> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clk,
            button_first,
            button_synced,
            last_byte,
            line_error,
            overflow
        );
        clock!(self, clk, receiver, fifo, transmitter);

        self.button_first.d.next = self.rst_n.val();
        self.button_synced.d.next = self.button_first.q.val();
        self.reset.next = !self.button_synced.q.val();
        self.receiver.reset.next = self.reset.val();
        self.transmitter.reset.next = self.reset.val();

        // Receiver -> FIFO. A clean byte waits in the receiver while the FIFO is full.
        self.receiver.rx.next = self.usb_rx.val();
        // A frame with an error is never stored, so it is taken even when the FIFO is full.
        self.frame_bad.next = self.receiver.framing_error.val()
            | self.receiver.parity_error.val()
            | self.receiver.break_detected.val();
        self.receiver.ready.next = !self.fifo.full.val() | self.frame_bad.val();
        self.take_byte.next = self.receiver.valid.val() & !self.fifo.full.val();
        self.fifo.write_data.next = self.receiver.data.val();
        self.fifo.write.next = self.take_byte.val() & !self.frame_bad.val();

        // FIFO -> transmitter. The transmitter takes `data` in the cycle valid and ready
        // are both high; the FIFO shows its oldest entry whenever it is not empty. During
        // reset the transmitter is not ready and the FIFO is drained instead.
        self.transmitter.data.next = self.fifo.read_data.val();
        self.transmitter.valid.next = !self.fifo.empty.val();
        self.transmitter.break_line.next = false;
        self.fifo.clear.next = self.reset.val();
        self.fifo.read.next = !self.fifo.empty.val() & self.transmitter.ready.val();
        self.usb_tx.next = self.transmitter.tx.val();

        // LEDs.
        if self.take_byte.val() & !self.frame_bad.val() {
            self.last_byte.d.next = self.receiver.data.val();
        }
        if self.receiver.valid.val() & self.frame_bad.val() {
            self.line_error.d.next = true;
        }
        if self.receiver.overrun.val() {
            self.overflow.d.next = true;
        }
        if self.reset.val() {
            self.last_byte.d.next = 0.into();
            self.line_error.d.next = false;
            self.overflow.d.next = false;
        }
        self.led_low.next = bit_cast::<8, D>(self.last_byte.q.val()) & self.low_six_mask.val();
        self.led.next = self
            .led_low
            .val()
            .replace_bit(6, self.line_error.q.val())
            .replace_bit(7, self.overflow.q.val());
    }
}
