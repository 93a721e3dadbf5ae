//! FPGA build flow for the Alchitry Cu (iCE40-HX8K, cb132): Verilog text in, checked
//! bitstream out.
//!
//! Guarantees, and why they matter:
//! - Pin constraints are checked against the design's ports and the real cb132 pin list
//!   *before* any tool runs ([`pcf`]), so a typo costs milliseconds instead of a synthesis
//!   run, and every problem is reported at once.
//! - Every external tool is located up front and a missing one names its Debian package
//!   ([`tools`]); each run is bounded by a timeout, logged to a file, and its exit status is
//!   checked. Nothing from the outside world is unwrapped.
//! - Resource and timing figures come from the tools' own logs ([`nextpnr`]); the build is
//!   only reported as good when every clock meets the requested frequency ([`build`]),
//!   trying further placement seeds when one seed hangs or misses timing.
//! - Flashing ([`flash()`]) turns iceprog's terse failures into actionable messages.
//!
//! The flow takes Verilog text rather than rust-hdl types so it can be tested and reused
//! without the HDL crate, and so hand-written Verilog can be measured the same way.

pub mod build;
pub mod constraints;
pub mod flash;
pub mod nextpnr;
pub mod pcf;
pub mod yowasp;
/// The board table; also built without the flow (see [`crate::boards`]).
pub use crate::boards;
/// Finding and running the tools: also used without the flow (export, co-simulation), so
/// it is the crate's [`crate::tools`] module, re-exported here under its old path.
pub use crate::tools;

pub use build::{
    build_bitstream, build_bitstream_on, build_bitstream_with, measure_resources,
    measure_resources_on, measure_resources_with, BuildReport, BuildRequest, ClockReport,
    MeasureOutcome, ResourceFigures, SeedAttempt, SeedFigures, SeedOutcome, Target,
    MEASURE_PACKAGES,
};
pub use flash::{flash, flash_openfpgaloader_with, flash_with};
pub use pcf::{check_constraints, ports_from_verilog, Pcf, Port, PortDirection};
pub use tools::Toolchain;
