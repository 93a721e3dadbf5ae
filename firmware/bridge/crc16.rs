//! Serial CRC-16 engine of the register bridge: CRC-16/IBM-3740 (also called
//! CRC-16/CCITT-FALSE): polynomial 0x1021, initial value 0xFFFF, no bit reflection, no final
//! XOR. Its check value (the CRC of the ASCII bytes "123456789") is 0x29B1.
//!
//! Guarantees
//! - `clear` sets the running CRC to the initial value 0xFFFF and abandons a byte in
//!   progress; it wins over `load` in the same clock.
//! - `load` takes `data` and folds it in, most significant bit first, one bit per clock:
//!   `busy` is high for the 8 clocks that takes, and `crc` is final for the bytes loaded so
//!   far once `busy` is low. A `load` while busy abandons the byte in progress (the bridge
//!   never does that: a UART byte takes far more than 8 clocks).
//! - Because the CRC has no reflection and no final XOR, running it over a message followed
//!   by the message's own CRC (high byte first) leaves 0: that is how the bridge checks a
//!   request without storing it.
//!
//! Why serial: a byte-wide update is 8 XOR stages deep; one bit a clock is a single LUT
//! level, and a byte arrives at most once every 80 clocks (12 Mbaud at 100 MHz).

use rust_hdl::prelude::*;

/// CRC-16/IBM-3740 polynomial (x^16 + x^12 + x^5 + 1, the top bit implied).
pub const CRC16_POLY: u16 = 0x1021;
/// CRC-16/IBM-3740 initial value.
pub const CRC16_INIT: u16 = 0xFFFF;

/// Bit-serial CRC-16/IBM-3740 (see the module documentation).
#[derive(LogicBlock)]
pub struct Crc16Serial {
    pub clock: Signal<In, Clock>,
    /// Start a new message: the CRC becomes 0xFFFF.
    pub clear: Signal<In, Bit>,
    /// The byte `load` takes (not named `byte`: a SystemVerilog keyword that Verilator rejects).
    pub data: Signal<In, Bits<8>>,
    /// Fold `byte` into the CRC (takes 8 clocks, see `busy`).
    pub load: Signal<In, Bit>,
    /// The CRC of every byte loaded since `clear`, once `busy` is low.
    pub crc: Signal<Out, Bits<16>>,
    /// A byte is being folded in.
    pub busy: Signal<Out, Bit>,
    value: DFF<Bits<16>>,
    shift: DFF<Bits<8>>,
    bits_left: DFF<Bits<4>>,
    poly: Constant<Bits<16>>,
    init: Constant<Bits<16>>,
    bits_per_byte: Constant<Bits<4>>,
}

impl Default for Crc16Serial {
    fn default() -> Self {
        Self::new()
    }
}

impl Crc16Serial {
    /// A CRC engine; its power-up value is 0, so `clear` it before the first message.
    pub fn new() -> Self {
        Self {
            clock: Default::default(),
            clear: Default::default(),
            data: Default::default(),
            load: Default::default(),
            crc: Default::default(),
            busy: Default::default(),
            value: Default::default(),
            shift: Default::default(),
            bits_left: Default::default(),
            poly: Constant::new((CRC16_POLY as u64).to_bits()),
            init: Constant::new((CRC16_INIT as u64).to_bits()),
            bits_per_byte: Constant::new(8_u64.to_bits()),
        }
    }
}

impl Logic for Crc16Serial {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, value, shift, bits_left);
        self.crc.next = self.value.q.val();
        self.busy.next = self.bits_left.q.val().any();
        if self.bits_left.q.val().any() {
            // The bit leaving the CRC, XORed with the message bit entering it, decides
            // whether the polynomial is subtracted.
            if self.value.q.val().get_bit(15) ^ self.shift.q.val().get_bit(7) {
                self.value.d.next = (self.value.q.val() << 1) ^ self.poly.val();
            } else {
                self.value.d.next = self.value.q.val() << 1;
            }
            self.shift.d.next = self.shift.q.val() << 1;
            self.bits_left.d.next = self.bits_left.q.val() - 1;
        }
        if self.load.val() {
            self.shift.d.next = self.data.val();
            self.bits_left.d.next = self.bits_per_byte.val();
        }
        if self.clear.val() {
            self.value.d.next = self.init.val();
            self.bits_left.d.next = 0.into();
        }
    }
}
