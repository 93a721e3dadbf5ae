//! `LedCommander`: a small block of your own that embeds the crate's receiver and
//! transmitter. It is shared by the examples (`led_commands.rs` simulates it,
//! `export_own.rs` exports it).
//!
//! Protocol, one reply per byte received:
//! - `'0'`..`'7'`: toggles that LED; the reply is the new LED byte.
//! - `'?'`: the reply is the LED byte.
//! - anything else, or a frame with a framing/parity error or a break: the reply is `'!'`.
//!
//! While a reply waits for the transmitter the receiver is not ready, so a byte that
//! arrives meanwhile waits in the receiver (and one more would be an overrun): the
//! commander answers as fast as it is spoken to when the sender waits for each reply.

use rust_hdl::prelude::*;
use rust_hdl_uart::rx::UartRx;
use rust_hdl_uart::tx::UartTx;
use rust_hdl_uart::Timing;

/// The reply to a command that is not one.
pub const ERROR_REPLY: u8 = b'!';

/// Eight LEDs driven over a serial line.
#[derive(LogicBlock)]
pub struct LedCommander {
    /// The clock the configuration was made for.
    pub clock: Signal<In, Clock>,
    /// Synchronous, active high: LEDs off, no reply pending.
    pub reset: Signal<In, Bit>,
    /// Serial input.
    pub rx: Signal<In, Bit>,
    /// Serial output.
    pub tx: Signal<Out, Bit>,
    /// The LEDs, one flip-flop each.
    pub leds: Signal<Out, Bits<8>>,
    receiver: UartRx<8>,
    transmitter: UartTx<8>,
    led_state: DFF<Bits<8>>,
    reply: DFF<Bits<8>>,
    reply_pending: DFF<Bit>,
    accept: Signal<Local, Bit>,
    frame_ok: Signal<Local, Bit>,
    is_toggle: Signal<Local, Bit>,
    is_query: Signal<Local, Bit>,
    selected: Signal<Local, Bits<3>>,
    toggled: Signal<Local, Bits<8>>,
    one: Constant<Bits<8>>,
    command_mask: Constant<Bits<8>>,
    toggle_code: Constant<Bits<8>>,
    query_code: Constant<Bits<8>>,
    error_reply: Constant<Bits<8>>,
}

impl LedCommander {
    /// The commander for an 8-data-bit configuration (`Err` for another width).
    pub fn new(timing: &Timing) -> anyhow::Result<Self> {
        if timing.config.data_bits != 8 {
            anyhow::bail!(
                "LedCommander speaks in bytes: use data_bits = 8, not {}",
                timing.config.data_bits
            );
        }
        Ok(LedCommander {
            clock: Default::default(),
            reset: Default::default(),
            rx: Default::default(),
            tx: Default::default(),
            leds: Default::default(),
            receiver: UartRx::new(timing)?,
            transmitter: UartTx::new(timing)?,
            led_state: Default::default(),
            reply: Default::default(),
            reply_pending: Default::default(),
            accept: Default::default(),
            frame_ok: Default::default(),
            is_toggle: Default::default(),
            is_query: Default::default(),
            selected: Default::default(),
            toggled: Default::default(),
            one: Constant::new(1_u64.to_bits()),
            command_mask: Constant::new(0xF8_u64.to_bits()),
            toggle_code: Constant::new((b'0' as u64).to_bits()),
            query_code: Constant::new((b'?' as u64).to_bits()),
            error_reply: Constant::new((ERROR_REPLY as u64).to_bits()),
        })
    }
}

impl Logic for LedCommander {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, led_state, reply, reply_pending);
        clock!(self, clock, receiver, transmitter);
        self.receiver.reset.next = self.reset.val();
        self.transmitter.reset.next = self.reset.val();
        self.receiver.rx.next = self.rx.val();
        self.tx.next = self.transmitter.tx.val();
        self.leds.next = self.led_state.q.val();

        // Decoding. Comparisons are parenthesised: rust-hdl 0.46 does not keep Rust's
        // precedence in the Verilog it writes.
        self.frame_ok.next = !(self.receiver.framing_error.val()
            | self.receiver.parity_error.val()
            | self.receiver.break_detected.val());
        self.is_toggle.next = self.frame_ok.val()
            & ((self.receiver.data.val() & self.command_mask.val()) == self.toggle_code.val());
        self.is_query.next =
            self.frame_ok.val() & (self.receiver.data.val() == self.query_code.val());
        self.selected.next = bit_cast::<3, 8>(self.receiver.data.val());
        self.toggled.next = self.led_state.q.val() ^ (self.one.val() << self.selected.val());

        // One reply per byte: take a byte only when no reply is waiting.
        self.receiver.ready.next = !self.reply_pending.q.val();
        self.accept.next = self.receiver.valid.val() & !self.reply_pending.q.val();
        self.transmitter.data.next = self.reply.q.val();
        self.transmitter.valid.next = self.reply_pending.q.val();
        self.transmitter.break_line.next = false;
        if self.transmitter.ready.val() & self.reply_pending.q.val() {
            self.reply_pending.d.next = false;
        }
        if self.accept.val() {
            self.reply_pending.d.next = true;
            if self.is_toggle.val() {
                self.led_state.d.next = self.toggled.val();
                self.reply.d.next = self.toggled.val();
            } else if self.is_query.val() {
                self.reply.d.next = self.led_state.q.val();
            } else {
                self.reply.d.next = self.error_reply.val();
            }
        }
        if self.reset.val() {
            self.led_state.d.next = 0.into();
            self.reply_pending.d.next = false;
        }
    }
}

/// What the commander must answer to `commands`, and its LEDs after them: a model in
/// plain Rust that shares nothing with the block above. `None` is a frame with an error.
pub fn expected_replies(commands: &[Option<u8>]) -> (Vec<u8>, u8) {
    let mut leds = 0u8;
    let mut replies = Vec::new();
    for command in commands {
        let reply = match command {
            Some(c @ b'0'..=b'7') => {
                leds ^= 1 << (c - b'0');
                leds
            }
            Some(b'?') => leds,
            _ => ERROR_REPLY,
        };
        replies.push(reply);
    }
    (replies, leds)
}
