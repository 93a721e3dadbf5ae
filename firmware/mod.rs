//! Board-level designs for the Alchitry Cu, and the library functions that build and flash
//! them ([`build`]): the CLI's `build` and `flash` commands are thin layers over these.
//!
//! - [`echo`]: the echo firmware (receiver → block RAM FIFO → transmitter, LEDs).
//! - [`bridge`]: the register-bridge firmware (32-bit registers read and written over the UART).
//! - [`build`]: board and firmware names, Verilog, pin files, the build flow, flashing.

pub mod bridge;
pub mod build;
pub mod echo;

pub use bridge::BridgeFirmware;
pub use build::{
    bitstream_path, build, build_dir, build_request, build_with, firmware_verilog, flash,
    flash_with, Board, Firmware,
};
pub use echo::{EchoFirmware, FIFO_DEPTH};
