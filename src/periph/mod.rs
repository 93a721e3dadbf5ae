//! The UART peripheral for soft CPUs: FIFOs, interrupts, RX timeout, RTS/CTS and RS-485
//! direction, behind a register port, with Wishbone and AXI4-Lite adapters.
//!
//! - [`options`]: the generator switches (what a build contains), presets `full` and
//!   `minimal`.
//! - [`regs`]: the register map, defined once (RTL decode, C header, README table and
//!   firmware constants all come from it).
//! - [`uart_periph`]: the peripheral behind the register port.
//! - [`core_settings`]: the settings its cores run with (latched registers, or the
//!   build's constants when it has no run-time baud or format).
//! - The switchable features, each a block of its own that a build wires in or leaves
//!   out (its `new` decides; left out, its outputs are the constants of the feature-off
//!   behaviour): [`rx_timeout`], [`tx_sequencer`] (RS-485 lead and lag),
//!   [`flow_control`] (RTS/CTS), [`interrupts`], [`overflow`] (flags and the lost-byte
//!   counter).
//! - [`reg_word`]: one software-written register.
//! - [`fifo`]: the FIFOs of 4 and more entries (block RAM, first-word fall-through).
//! - [`small_fifo`]: the FIFOs of 1 or 2 entries (flip-flops, same contract).
//! - [`sized_fifo`]: picks one of the two for a depth.
//! - [`wishbone`], [`axil`]: the bus adapters (bus → register port).
//! - [`top`]: adapter + peripheral, the `uart_wb` and `uart_axil` exports.
//!
//! The register port (between an adapter and the peripheral): `reg_addr` (word address,
//! 6 bits), `reg_write` with `reg_wdata`/`reg_wstrb`, `reg_read`, one-clock strobes, never
//! both in one clock; `reg_rdata` is registered, valid the clock after `reg_read`.

pub mod axil;
pub mod core_settings;
pub mod fifo;
pub mod flow_control;
pub mod interrupts;
pub mod options;
pub mod overflow;
pub mod reg_word;
pub mod regs;
pub mod rx_timeout;
pub mod sized_fifo;
pub mod small_fifo;
pub mod top;
pub mod tx_sequencer;
pub mod uart_periph;
pub mod wishbone;
