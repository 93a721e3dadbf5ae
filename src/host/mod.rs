//! Host-side tools for working with the UART without a board, or checking a real one.
//!
//! - [`model`]: a firmware's exported top compiled by Verilator into a clock loop that the
//!   host drives in batches of line activity.
//! - [`vboard`]: the virtual board: that model with its UART pins bridged to a
//!   pseudo-terminal through the independent line model, LEDs, reset, fault injection.
//! - [`pcline`]: the PC's end of the line: the format a program set on the PTY, and a
//!   receiver that decodes the firmware's frames at it.
//! - [`linktest`]: random data through an echo (real or virtual board), every byte checked.
//! - [`cli`]: the `sim-board` and `link-test` commands.
//! - [`bench`]: the virtual board's speed, for `rust-hdl-uart bench`.

pub mod bench;
pub mod cli;
pub mod linktest;
pub mod model;
pub mod pcline;
pub mod vboard;

pub use linktest::{link_test, LinkTestOptions, LinkTestReport};
pub use model::BoardModel;
pub use vboard::{BoardOptions, BoardStats, FaultDirection, Faults, VirtualBoard};
