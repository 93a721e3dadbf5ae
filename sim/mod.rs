//! The testbench: an independent line model, a direct single-thread simulation loop for
//! the cores, and the checks of the exported Verilog (Verilator co-simulation and long
//! regression, lint, formal properties).
//!
//! It lives in the library (as `rust_hdl_uart::sim`) so that the `bench` command can use
//! the same models as the tests.

pub mod bridge;
pub mod cosim;
pub mod duts;
pub mod formal;
pub mod formal_periph;
pub mod harness;
pub mod line;
pub mod lint;
pub mod regression;
pub mod vcd;
