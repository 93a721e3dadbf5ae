//! The cycle-accurate testbench. `cargo test` runs these with no external tool; the
//! `external-tools` feature (turned on by `make test`) adds the tests that need yosys,
//! Verilator, nextpnr or a solver.

#[cfg(feature = "flow")]
mod boards;
mod bridge;
mod bus_adapters;
#[cfg(feature = "cli")]
mod cli;
mod common;
mod consumer;
mod export;
#[cfg(feature = "external-tools")]
mod fastv;
mod fifo;
#[cfg(feature = "flow")]
mod firmware;
#[cfg(feature = "flow")]
mod flow;
#[cfg(feature = "external-tools")]
mod formal;
#[cfg(feature = "cli")]
mod interrupt;
mod loopback;
#[cfg(feature = "cli")]
mod one_build;
mod periph;
#[cfg(feature = "external-tools")]
mod periph_cosim;
mod periph_depths;
#[cfg(feature = "external-tools")]
mod periph_formal;
mod properties;
mod receiver;
mod runtime;
#[cfg(feature = "external-tools")]
mod simspeed_peers;
#[cfg(all(feature = "external-tools", feature = "host"))]
mod soc;
#[cfg(feature = "external-tools")]
mod soc_cosim;
mod transmitter;
#[cfg(all(feature = "external-tools", feature = "host"))]
mod vboard;
#[cfg(feature = "external-tools")]
mod verilog;
