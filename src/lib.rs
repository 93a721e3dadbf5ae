//! rust-hdl-uart: a UART soft core for FPGAs, written in rust-hdl.
//!
//! - [`config`]: what the user asks for, validated, and every constant derived from it.
//! - [`baud`]: the fractional (phase-accumulator) tick.
//! - [`rx`], [`tx`], [`uart`]: the cores.
//! - [`bridge`]: the register bridge's PC side (protocol, register map, client, `reg`).
//! - [`export`]: the Verilog users take away.
//! - [`sim`]: the testbench (line models, direct simulation loop); it lives in `sim/`.

// Lets modules that are also built stand-alone (sim/, firmware/) name this crate by name.
extern crate self as rust_hdl_uart;

pub mod baud;
pub mod bench;
pub mod bridge;
pub mod config;
pub mod export;
pub mod flow;
pub mod rx;
pub mod tx;
pub mod uart;

pub use config::{Parity, Timing, UartConfig};

#[path = "../sim/mod.rs"]
pub mod sim;

#[path = "../firmware/mod.rs"]
pub mod firmware;
