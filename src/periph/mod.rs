//! The UART peripheral for soft CPUs: FIFOs, registers, interrupts, bus adapters.

pub mod axil;
pub mod fifo;
pub mod wishbone;
