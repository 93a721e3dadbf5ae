//! The settings the cores run with: baud increment and frame format, decoded.
//!
//! The fixed exports tie the cores' settings inputs to a configuration's constants (in
//! [`crate::rx::UartRx`] and [`crate::tx::UartTx`]: nothing to latch or decode in
//! hardware). [`FrameSettings`] takes them from ports and holds them for the length of a
//! frame (the `*_cfg` exports); its outputs are the cores' ([`crate::rx::RxCore`],
//! [`crate::tx::TxCore`]) settings inputs.
//!
//! Guarantees of [`FrameSettings`]
//! - While `follow` is high (no frame in progress) the outputs follow the inputs with one
//!   clock of delay; while it is low they hold. A change of the inputs during a frame
//!   therefore takes effect at the next frame boundary, never in the middle of a frame.
//! - The outputs are registered and already decoded (`parity` code to three flags,
//!   `data_bits` to the index of the last data bit), so no decode sits on the cores' paths.
//! - At power-up the registers are zero; the ports' values are taken on the first clock,
//!   and `loaded` rises a clock later. The receiver cannot start a frame that early (it
//!   waits a whole frame of idle line); the wrappers hold the transmitter's `ready` low
//!   until `loaded`, so no byte is ever sent with the power-up zeros (a frame of one data
//!   bit: found by the formal check of `uart_tx_cfg`). Power-up settings are whatever the
//!   ports carry.
//!
//! Parity codes are [`crate::config::Parity::code`]: 0 none, 1 even, 2 odd, 3 mark, 4 space; 5 to 7 act
//! as none. `data_bits` outside 5 ..= the core's width gives frames of that many data
//! bits whose data is not meaningful; the core never locks up.

use rust_hdl::prelude::*;

/// log2 of the oversample rate: the transmitter's bit tick is the sample increment
/// shifted right by it.
fn oversample_shift(oversample: u32) -> u64 {
    oversample.trailing_zeros() as u64
}

/// Settings from ports, held for the length of a frame (see the module header).
#[derive(LogicBlock)]
pub struct FrameSettings {
    /// The core's clock.
    pub clock: Signal<In, Clock>,
    /// High between frames: the held settings follow the inputs.
    pub follow: Signal<In, Bit>,
    /// Sample-tick increment (`BaudTick` units).
    pub increment: Signal<In, Bits<32>>,
    /// Data bits per frame.
    pub data_bits: Signal<In, Bits<4>>,
    /// Parity code (see the module header).
    pub parity: Signal<In, Bits<3>>,
    /// Two stop bits instead of one.
    pub two_stop_bits: Signal<In, Bit>,
    /// Held sample-tick increment.
    pub sample_increment: Signal<Out, Bits<32>>,
    /// Held bit-tick increment: the sample increment / oversample.
    pub bit_increment: Signal<Out, Bits<32>>,
    /// Held `data_bits - 1`.
    pub last_data_bit: Signal<Out, Bits<4>>,
    /// A parity bit follows the data.
    pub parity_enabled: Signal<Out, Bit>,
    /// The parity bit sums the data bits (even, odd) rather than being constant.
    pub parity_covers_data: Signal<Out, Bit>,
    /// The parity bit of all-zero data: odd and mark 1, even and space 0.
    pub parity_seed: Signal<Out, Bit>,
    /// Held `two_stop_bits`.
    pub two_stop: Signal<Out, Bit>,
    /// The held settings come from the ports (low only in the first clock after power-up).
    pub loaded: Signal<Out, Bit>,
    loaded_flag: DFF<Bit>,
    held_sample_increment: DFF<Bits<32>>,
    held_last_data_bit: DFF<Bits<4>>,
    held_flags: DFF<Bits<4>>,
    flags_in: Signal<Local, Bits<4>>,
    bit_shift: Constant<Bits<32>>,
}

impl FrameSettings {
    /// The latch for a core sampling `oversample` times per bit.
    pub fn new(oversample: u32) -> Self {
        Self {
            clock: Default::default(),
            follow: Default::default(),
            increment: Default::default(),
            data_bits: Default::default(),
            parity: Default::default(),
            two_stop_bits: Default::default(),
            sample_increment: Default::default(),
            bit_increment: Default::default(),
            last_data_bit: Default::default(),
            parity_enabled: Default::default(),
            parity_covers_data: Default::default(),
            parity_seed: Default::default(),
            two_stop: Default::default(),
            loaded: Default::default(),
            loaded_flag: Default::default(),
            held_sample_increment: Default::default(),
            held_last_data_bit: Default::default(),
            held_flags: Default::default(),
            flags_in: Default::default(),
            bit_shift: Constant::new(oversample_shift(oversample).to_bits()),
        }
    }
}

impl Logic for FrameSettings {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            held_sample_increment,
            held_last_data_bit,
            held_flags,
            loaded_flag
        );
        self.loaded_flag.d.next = true;
        self.loaded.next = self.loaded_flag.q.val();
        // Decode the parity code: 1 even, 2 odd, 3 mark, 4 space; anything else is none.
        self.flags_in.next = 0.into();
        if self.parity.val() == 1 {
            self.flags_in.next = 3.into();
        }
        if self.parity.val() == 2 {
            self.flags_in.next = 7.into();
        }
        if self.parity.val() == 3 {
            self.flags_in.next = 5.into();
        }
        if self.parity.val() == 4 {
            self.flags_in.next = 1.into();
        }
        self.flags_in.next = self.flags_in.val().replace_bit(3, self.two_stop_bits.val());
        if self.follow.val() {
            self.held_sample_increment.d.next = self.increment.val();
            self.held_last_data_bit.d.next = self.data_bits.val() - 1;
            self.held_flags.d.next = self.flags_in.val();
        }
        self.sample_increment.next = self.held_sample_increment.q.val();
        self.bit_increment.next = self.held_sample_increment.q.val() >> self.bit_shift.val();
        self.last_data_bit.next = self.held_last_data_bit.q.val();
        self.parity_enabled.next = self.held_flags.q.val().get_bit(0);
        self.parity_covers_data.next = self.held_flags.q.val().get_bit(1);
        self.parity_seed.next = self.held_flags.q.val().get_bit(2);
        self.two_stop.next = self.held_flags.q.val().get_bit(3);
    }
}
