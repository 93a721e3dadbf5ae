//! The settings the peripheral's receiver and transmitter run with: the `BAUD` and `FRAME`
//! registers held between frames ([`FrameSettings`]), or the build's own constants when a
//! build has no run-time baud or format.
//!
//! Guarantees
//! - Run-time baud (`PeripheralOptions::runtime_baud`): the increments are `BAUD`'s,
//!   latched by [`FrameSettings`] while `follow` is high (no frame in either direction).
//!   Run-time format (`runtime_format`): the same for data bits, parity and stop bits.
//! - Fixed baud: the increments are the configuration's own phase rates
//!   ([`crate::config::Timing`]`::sample` and `::bit`, sized to its precision), exactly
//!   those of the fixed `uart` core: constants from the first clock on, no latch and no
//!   register in front of them. Fixed format: likewise the configuration's data bits,
//!   parity and stop bits.
//! - Each output is either a latched value or a constant for the whole build; which one
//!   is decided in [`CoreSettings::new`].
//!
//! Why a block: a build with fixed settings should pay only for the fixed-configuration
//! cores (constant settings fold into their logic and carry chains, as in `uart`), not for
//! a latch, a register reloaded every clock and decoders fed constants. rust-hdl 0.46 has
//! no way to choose a sub-block's type per build, so the choice is made here, once, by
//! constants; synthesis removes the latch's flip-flops that no output reads (`minimal`
//! keeps none of them).
//!
//! (Measured, `minimal` `uart_wb`: 463 cells / 129 MHz median through the latch with a
//! `BAUD` register reloaded every clock; 445 cells on this block, 433 / 143 MHz once
//! `BAUD`'s constant bits were no longer reset as flip-flops: `bench/periph-size.md`.)

use crate::config::{Timing, CFG_INCREMENT_BITS, CFG_INCREMENT_FRACTION_BITS};
use crate::periph::options::PeripheralOptions;
use crate::settings::FrameSettings;
use rust_hdl::prelude::*;

/// The cores' settings: latched from the registers or the build's constants (see the
/// module header).
#[derive(LogicBlock)]
pub struct CoreSettings {
    /// The core's clock.
    pub clock: Signal<In, Clock>,
    /// High between frames (both directions): the latched settings follow the registers.
    pub follow: Signal<In, Bit>,
    /// `BAUD.INCREMENT` (ignored with a fixed baud).
    pub increment: Signal<In, Bits<CFG_INCREMENT_BITS>>,
    /// `FRAME.DATA_BITS` (ignored with a fixed format).
    pub data_bits: Signal<In, Bits<4>>,
    /// `FRAME.PARITY` (ignored with a fixed format).
    pub parity: Signal<In, Bits<3>>,
    /// `FRAME.TWO_STOP` (ignored with a fixed format).
    pub two_stop_bits: Signal<In, Bit>,
    /// The receiver's sample-tick increment.
    pub sample_increment: Signal<Out, Bits<32>>,
    /// The transmitter's bit-tick increment.
    pub bit_increment: Signal<Out, Bits<32>>,
    /// `data_bits - 1`.
    pub last_data_bit: Signal<Out, Bits<4>>,
    /// A parity bit follows the data.
    pub parity_enabled: Signal<Out, Bit>,
    /// The parity bit sums the data bits (even, odd).
    pub parity_covers_data: Signal<Out, Bit>,
    /// The parity bit of all-zero data.
    pub parity_seed: Signal<Out, Bit>,
    /// Two stop bits.
    pub two_stop: Signal<Out, Bit>,
    latch: FrameSettings,
    runtime_baud: Constant<Bit>,
    runtime_format: Constant<Bit>,
    increment_shift: Constant<Bits<32>>,
    k_sample_increment: Constant<Bits<32>>,
    k_bit_increment: Constant<Bits<32>>,
    k_last_data_bit: Constant<Bits<4>>,
    k_parity_enabled: Constant<Bit>,
    k_parity_covers_data: Constant<Bit>,
    k_parity_seed: Constant<Bit>,
    k_two_stop: Constant<Bit>,
}

impl CoreSettings {
    /// The settings of a build with `options`, for `timing`'s configuration.
    pub fn new(timing: &Timing, options: &PeripheralOptions) -> Self {
        let config = &timing.config;
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
            latch: FrameSettings::new(config.oversample),
            runtime_baud: Constant::new(options.runtime_baud),
            runtime_format: Constant::new(options.runtime_format),
            increment_shift: Constant::new((31 - CFG_INCREMENT_FRACTION_BITS as u64).to_bits()),
            k_sample_increment: Constant::new((timing.sample.increment as u64).to_bits()),
            k_bit_increment: Constant::new((timing.bit.increment as u64).to_bits()),
            k_last_data_bit: Constant::new((config.data_bits as u64 - 1).to_bits()),
            k_parity_enabled: Constant::new(config.parity.enabled()),
            k_parity_covers_data: Constant::new(config.parity.covers_data()),
            k_parity_seed: Constant::new(config.parity.seed()),
            k_two_stop: Constant::new(config.stop_bits == 2),
        }
    }
}

impl Logic for CoreSettings {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, latch);
        self.latch.follow.next = self.follow.val();
        self.latch.increment.next =
            bit_cast::<32, CFG_INCREMENT_BITS>(self.increment.val()) << self.increment_shift.val();
        self.latch.data_bits.next = self.data_bits.val();
        self.latch.parity.next = self.parity.val();
        self.latch.two_stop_bits.next = self.two_stop_bits.val();
        // The constants are assigned in a block that also reads the inputs and the latch,
        // so an event-driven simulator runs it (a block of constants alone never runs).
        self.sample_increment.next = self.k_sample_increment.val();
        self.bit_increment.next = self.k_bit_increment.val();
        if self.runtime_baud.val() {
            self.sample_increment.next = self.latch.sample_increment.val();
            self.bit_increment.next = self.latch.bit_increment.val();
        }
        self.last_data_bit.next = self.k_last_data_bit.val();
        self.parity_enabled.next = self.k_parity_enabled.val();
        self.parity_covers_data.next = self.k_parity_covers_data.val();
        self.parity_seed.next = self.k_parity_seed.val();
        self.two_stop.next = self.k_two_stop.val();
        if self.runtime_format.val() {
            self.last_data_bit.next = self.latch.last_data_bit.val();
            self.parity_enabled.next = self.latch.parity_enabled.val();
            self.parity_covers_data.next = self.latch.parity_covers_data.val();
            self.parity_seed.next = self.latch.parity_seed.val();
            self.two_stop.next = self.latch.two_stop.val();
        }
    }
}
