//! Board-level designs for the Alchitry Cu, and (with the `flow` feature) the library
//! functions that build and flash them: the CLI's `build` and `flash` commands are thin
//! layers over these.
//!
//! - [`echo`]: the echo firmware (receiver → block RAM FIFO → transmitter, LEDs).
//! - [`bridge`]: the register-bridge firmware (32-bit registers read and written over the UART).
//! - [`soc`]: the SoC firmware (PicoRV32 + the UART peripheral + block RAM, the C monitor).
//! - [`mod@build`]: board and firmware names, Verilog, pin files, the build flow, flashing.

pub mod bridge;
pub mod build;
pub mod echo;
pub mod soc;

pub use bridge::BridgeFirmware;
pub use build::{
    bitstream_path, board_verilog, build_dir, firmware_sim_verilog, firmware_verilog,
    soc_sim_verilog, vboard_verilog, Board, Firmware,
};
#[cfg(feature = "flow")]
pub use build::{
    boards_listing, build, build_request, build_with, build_with_options, flash, flash_with,
    BuildOptions,
};
pub use echo::{EchoFirmware, FIFO_DEPTH};
