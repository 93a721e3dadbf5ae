//! rust-hdl-uart: a UART soft core for FPGAs, written in rust-hdl 0.46.
//!
//! - [`config`]: what the user asks for, validated, and every constant derived from it.
//! - [`baud`]: the fractional (phase-accumulator) tick.
//! - [`rx`], [`tx`], [`uart`]: the cores, to embed in your own `LogicBlock`.
//! - [`bridge`]: the register bridge's PC side (protocol, register map, client, `reg`).
//! - [`export`]: the Verilog users take away, under module names they choose.
//! - [`sim`]: the testbench (line models, scoreboard, direct simulation loop); it lives in
//!   `sim/`.
//! - [`firmware`]: the board designs (the echo firmware); with the `flow` feature also
//!   their build and flash.
//! - [`tools`]: finding and running external programs with a time bound.
//! - [`outputs`]: output paths checked before the work.
//! - [`interrupt`]: what an interrupted command ends and removes (tools, scratch folders).
//!
//! # Cargo features
//!
//! | feature | gives | default |
//! |---|---|---|
//! | `cli` | the `rust-hdl-uart` binary (clap), `config-file`, `flow`, `host` | yes |
//! | `config-file` | `UartConfig::from_toml_file` (the `toml` crate) | with `cli` |
//! | `flow` | the iCE40 build flow, firmware build/flash, the bench | with `cli` |
//! | `host` | PC-side tools | with `cli` |
//! | `signals` | `interrupt::install_handlers` (the `signal-hook` crate) | with `cli` |
//! | `external-tools` | tests that need yosys, Verilator, nextpnr or a solver | no |
//!
//! A design that only embeds the cores depends on it with `default-features = false`:
//! the cores, configuration, export and testbench build with nothing but rust-hdl, serde
//! and anyhow.
//!
//! # Example
//!
//! Validate a configuration, build the receiver for it and export it under your own name:
//!
//! ```
//! use rust_hdl_uart::export::{design_verilog, Design};
//! use rust_hdl_uart::{Parity, UartConfig};
//!
//! let config = UartConfig { baud: 1_000_000, parity: Parity::Even, ..UartConfig::default() };
//! let timing = config.validate()?; // every mistake is an Err naming the field and the fix
//! assert!(timing.rx_error_ppm.abs() < 100.0);
//! let verilog = design_verilog(&config, Design::Receiver, "my_rx")?;
//! assert!(verilog.contains("module my_rx("));
//! # Ok::<(), anyhow::Error>(())
//! ```
//!
//! `examples/` shows the rest: a block of your own that embeds the receiver and the
//! transmitter, tested with the line model and scoreboard (`led_commands.rs`), and the
//! export of that block and of the UART under your own module names (`export_own.rs`).

#![warn(missing_docs)]
// Lets modules that are also built stand-alone (sim/, firmware/) name this crate by name.
extern crate self as rust_hdl_uart;

// The core modules are documented by their own authors; the lint is enforced (denied) in
// `config` and `export`.
#[allow(missing_docs)]
pub mod baud;
#[cfg(feature = "flow")]
#[allow(missing_docs)]
pub mod bench;
/// The board table (clock, pins' roles, family, flash tool); needs no tool, so it is here
/// without the `flow` feature (the firmware's board names use it).
#[deny(missing_docs)]
#[path = "flow/boards.rs"]
pub mod boards;
pub mod bridge;
#[deny(missing_docs)]
pub mod config;
#[deny(missing_docs)]
pub mod export;
#[cfg(feature = "flow")]
#[allow(missing_docs)]
pub mod flow;
#[cfg(feature = "host")]
pub mod host;
#[deny(missing_docs)]
pub mod interrupt;
#[deny(missing_docs)]
pub mod outputs;
#[deny(missing_docs)]
pub mod periph;
#[deny(missing_docs)]
pub mod rx;
#[deny(missing_docs)]
pub mod settings;
#[allow(missing_docs)]
#[path = "flow/tools.rs"]
pub mod tools;
#[deny(missing_docs)]
pub mod tx;
#[deny(missing_docs)]
pub mod uart;

pub use config::{Parity, Timing, UartConfig};

#[cfg(test)]
mod scratch;

/// The README's Rust snippets, compiled and run as doctests (`cargo test --doc`), so the
/// README cannot drift from the API. Only for doctests: `cargo doc` never sees it.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[allow(missing_docs)]
#[path = "../sim/mod.rs"]
pub mod sim;

#[allow(missing_docs)]
#[path = "../firmware/mod.rs"]
pub mod firmware;

/// Used by [`with_data_bits!`] so that callers need no `anyhow` of their own.
#[doc(hidden)]
pub use anyhow as __anyhow;
