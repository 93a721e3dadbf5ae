//! The cycle-accurate testbench. `cargo test` runs these with no external tool; the
//! `external-tools` feature (turned on by `make test`) adds the tests that need yosys,
//! Verilator, nextpnr or a solver.

mod bridge;
mod common;
mod export;
mod firmware;
mod flow;
#[cfg(feature = "external-tools")]
mod formal;
mod loopback;
mod properties;
mod receiver;
mod transmitter;
#[cfg(feature = "external-tools")]
mod verilog;
