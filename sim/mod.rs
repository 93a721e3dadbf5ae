//! The testbench: an independent line model, a direct single-thread simulation loop for
//! the cores, and (with the external tools) co-simulation of the exported Verilog.
//!
//! It lives in the library (as `rust_hdl_uart::sim`) so that the `bench` command can use
//! the same models as the tests.

pub mod harness;
pub mod line;
