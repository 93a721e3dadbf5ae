//! The register-bridge firmware in simulation, for the host library and the bench:
//! [`SimLink`], a byte transport (`Read + Write`) whose far end is the firmware's top
//! simulated cycle by cycle, with the independent line model on both pins and faults
//! injected between the host and the line; and [`BridgeDut`], the co-simulation adapter of
//! the firmware's top.
//!
//! Guarantees of [`SimLink`]
//! - Bytes the host writes are sent by [`SerialDriver`] (the line model, sharing no code
//!   with the RTL) back to back at the configured baud; `usb_tx` is decoded by
//!   [`LineMonitor`], and only clean frames (good stop bit) reach the host.
//! - Time is simulated: a `read` runs the firmware until a byte is decoded, or returns
//!   `TimedOut` after [`SimLink::read_timeout_clocks`] clocks with none — no wall clock.
//! - Faults come from a seeded PRNG ([`Faults`]), so a failing run is reproduced by its
//!   seed; every fault injected is counted in [`FaultLog`].
//! - Every value the `led` pins ever show is recorded ([`SimLink::leds_seen`]): a test can
//!   prove no wrong value was ever written to `LEDS`, not just that the last one is right.
//! - Bounded: past [`SimLink::max_cycles`] a `read` fails with an error (a hang guard).

use crate::config::{Timing, UartConfig};
use crate::firmware::BridgeFirmware;
use crate::sim::cosim::{CosimDut, Port};
use crate::sim::harness::line_format;
use crate::sim::line::{LineFormat, LineMonitor, MonitorEvent, SerialDriver};
use anyhow::Result;
use rust_hdl::prelude::*;
use std::collections::{BTreeSet, VecDeque};
use std::io::{self, Read, Write};

/// Fault probabilities, per byte, between the host and the line.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Faults {
    /// Host → FPGA: the byte never reaches the line.
    pub drop_to_fpga: f64,
    /// Host → FPGA: the byte is sent with some bits flipped.
    pub corrupt_to_fpga: f64,
    /// Host → FPGA: the byte is sent with a bad stop bit (a framing error).
    pub bad_stop_to_fpga: f64,
    /// FPGA → host: a decoded byte never reaches the host.
    pub drop_to_host: f64,
    /// FPGA → host: a decoded byte reaches the host with some bits flipped.
    pub corrupt_to_host: f64,
}

/// Faults injected so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultLog {
    pub dropped_to_fpga: u64,
    pub corrupted_to_fpga: u64,
    pub bad_stop_to_fpga: u64,
    pub dropped_to_host: u64,
    pub corrupted_to_host: u64,
    /// Raw bytes pushed onto the line by [`SimLink::send_garbage`].
    pub garbage_bytes: u64,
    /// Host writes in which at least one byte was dropped, corrupted or framed badly.
    pub writes_faulted: u64,
}

impl FaultLog {
    /// Every fault injected, both directions.
    pub fn total(&self) -> u64 {
        self.dropped_to_fpga
            + self.corrupted_to_fpga
            + self.bad_stop_to_fpga
            + self.dropped_to_host
            + self.corrupted_to_host
    }
}

/// The firmware behind a byte transport (see the module documentation).
pub struct SimLink {
    dut: BridgeFirmware,
    driver: SerialDriver,
    monitor: LineMonitor,
    cycle: u64,
    to_host: VecDeque<u8>,
    faults: Faults,
    rng: u64,
    log: FaultLog,
    leds_seen: BTreeSet<u8>,
    frames_from_fpga: u64,
    bad_frames_from_fpga: u64,
    /// Clocks a `read` waits for a byte before returning `TimedOut`.
    pub read_timeout_clocks: u64,
    /// Hang guard: total clocks after which `read` fails.
    pub max_cycles: u64,
    timing: Timing,
}

impl SimLink {
    /// The firmware for `config` (8 data bits) with the default inter-byte timeout.
    pub fn new(config: &UartConfig, seed: u64) -> Result<Self> {
        let timing = config.validate()?;
        let dut = BridgeFirmware::new(&timing)?;
        Ok(Self::with_firmware(dut, &timing, seed))
    }

    /// The firmware with a given inter-byte timeout (in clocks).
    pub fn with_packet_timeout(config: &UartConfig, timeout: u64, seed: u64) -> Result<Self> {
        let timing = config.validate()?;
        let dut = BridgeFirmware::with_packet_timeout(&timing, timeout)?;
        Ok(Self::with_firmware(dut, &timing, seed))
    }

    fn with_firmware(mut dut: BridgeFirmware, timing: &Timing, seed: u64) -> Self {
        dut.connect_all();
        let format = line_format(&timing.config);
        // The monitor decodes at the rate the transmitter really produces.
        let monitor_format = LineFormat {
            baud: timing.tx_baud,
            ..format
        };
        let packet_timeout = dut.packet_timeout_clocks();
        let frame_clocks = timing.config.frame_bits() as f64 * timing.clocks_per_bit;
        let mut link = SimLink {
            dut,
            driver: SerialDriver::new(format, seed ^ 0x5eed),
            monitor: LineMonitor::new(monitor_format, 1.0),
            cycle: 0,
            to_host: VecDeque::new(),
            faults: Faults::default(),
            rng: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            log: FaultLog::default(),
            leds_seen: BTreeSet::new(),
            frames_from_fpga: 0,
            bad_frames_from_fpga: 0,
            // Longer than the firmware's inter-byte timeout plus a whole write request and
            // reply: a silence that long means the request or its reply was lost.
            // (The request takes 11 frames to send, the reply 9; 24 leaves a margin.)
            read_timeout_clocks: packet_timeout + (24.0 * frame_clocks) as u64,
            max_cycles: 2_000_000_000,
            timing: *timing,
        };
        // The receiver arms after a whole frame of idle line.
        link.driver
            .idle_bits(timing.config.frame_bits() as f64 + 1.0);
        link.run_for((frame_clocks * 2.0) as u64);
        link
    }

    /// Sets the fault probabilities from now on.
    pub fn set_faults(&mut self, faults: Faults) {
        self.faults = faults;
    }

    /// Faults injected so far.
    pub fn fault_log(&self) -> FaultLog {
        self.log
    }

    /// Clocks simulated so far.
    pub fn cycles(&self) -> u64 {
        self.cycle
    }

    /// The configuration's timing.
    pub fn timing(&self) -> &Timing {
        &self.timing
    }

    /// Every value the `led` pins have shown.
    pub fn leds_seen(&self) -> &BTreeSet<u8> {
        &self.leds_seen
    }

    /// `led` now.
    pub fn leds(&self) -> u8 {
        self.dut.led.val().to_u8()
    }

    /// Frames decoded from `usb_tx`, and how many of them had a bad stop or parity bit
    /// (the firmware must never send one).
    pub fn frames_from_fpga(&self) -> (u64, u64) {
        (self.frames_from_fpga, self.bad_frames_from_fpga)
    }

    /// Timing errors the monitor found on `usb_tx` (must stay empty).
    pub fn tx_timing_errors(&self) -> &[String] {
        self.monitor.timing_errors()
    }

    /// Puts raw bytes on the line to the FPGA, no faults applied (noise between requests).
    pub fn send_garbage(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.driver.frame(b as u16);
        }
        self.log.garbage_bytes += bytes.len() as u64;
    }

    /// Runs the firmware for `clocks` clocks; bytes decoded meanwhile wait for `read`.
    pub fn run_for(&mut self, clocks: u64) {
        for _ in 0..clocks {
            self.step();
        }
    }

    /// Runs until everything written has been sent and the line to the host is idle.
    pub fn drain(&mut self) {
        while !self.driver.is_done() {
            self.step();
        }
    }

    fn random(&mut self) -> u64 {
        // xorshift64*: local to the testbench, seeded per link.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && (self.random() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    /// A non-zero XOR mask for one byte.
    fn flip_mask(&mut self) -> u8 {
        (self.random() % 255) as u8 + 1
    }

    fn step(&mut self) {
        let level = self.driver.next_level();
        self.dut.clk.next = false.into();
        self.dut.rst_n.next = true;
        self.dut.usb_rx.next = level;
        assert!(simulate(&mut self.dut, 200), "the bridge did not settle");
        self.dut.clk.next = true.into();
        assert!(simulate(&mut self.dut, 200), "the bridge did not settle");
        self.cycle += 1;
        self.leds_seen.insert(self.dut.led.val().to_u8());
        self.monitor.push(self.dut.usb_tx.val());
        for event in self.monitor.take_events() {
            match event {
                MonitorEvent::Frame {
                    data,
                    parity_ok,
                    stop_ok,
                    ..
                } => {
                    self.frames_from_fpga += 1;
                    if !(parity_ok && stop_ok) {
                        self.bad_frames_from_fpga += 1;
                        continue;
                    }
                    let byte = data as u8;
                    if self.chance(self.faults.drop_to_host) {
                        self.log.dropped_to_host += 1;
                    } else if self.chance(self.faults.corrupt_to_host) {
                        self.log.corrupted_to_host += 1;
                        let mask = self.flip_mask();
                        self.to_host.push_back(byte ^ mask);
                    } else {
                        self.to_host.push_back(byte);
                    }
                }
                MonitorEvent::Break { .. } => {
                    self.bad_frames_from_fpga += 1;
                }
            }
        }
    }
}

impl Write for SimLink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut faulted = false;
        for &byte in buf {
            if self.chance(self.faults.drop_to_fpga) {
                self.log.dropped_to_fpga += 1;
                faulted = true;
            } else if self.chance(self.faults.corrupt_to_fpga) {
                self.log.corrupted_to_fpga += 1;
                faulted = true;
                let mask = self.flip_mask();
                self.driver.frame((byte ^ mask) as u16);
            } else if self.chance(self.faults.bad_stop_to_fpga) {
                self.log.bad_stop_to_fpga += 1;
                faulted = true;
                self.driver.frame_bad_stop(byte as u16);
            } else {
                self.driver.frame(byte as u16);
            }
        }
        if faulted {
            self.log.writes_faulted += 1;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Read for SimLink {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let deadline = self.cycle + self.read_timeout_clocks;
        while self.to_host.is_empty() {
            if self.cycle >= self.max_cycles {
                return Err(io::Error::other(format!(
                    "simulation hang guard: {} clocks simulated",
                    self.cycle
                )));
            }
            if self.cycle >= deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no byte from the simulated bridge",
                ));
            }
            self.step();
        }
        let n = buf.len().min(self.to_host.len());
        for slot in buf.iter_mut().take(n) {
            *slot = self.to_host.pop_front().expect("checked non-empty");
        }
        Ok(n)
    }
}

fn bit(value: u64) -> bool {
    value & 1 != 0
}

/// The bridge firmware's top for co-simulation, ports as on the board.
pub struct BridgeDut {
    pub uut: BridgeFirmware,
    timing: Timing,
    packet_timeout: u64,
}

impl BridgeDut {
    /// The firmware with the default inter-byte timeout (as `firmware_verilog` exports it).
    pub fn new(timing: &Timing) -> Result<Self> {
        let uut = BridgeFirmware::new(timing)?;
        Self::wrap(uut, timing)
    }

    /// The firmware with a given inter-byte timeout in clocks.
    pub fn with_packet_timeout(timing: &Timing, clocks: u64) -> Result<Self> {
        let uut = BridgeFirmware::with_packet_timeout(timing, clocks)?;
        Self::wrap(uut, timing)
    }

    fn wrap(mut uut: BridgeFirmware, timing: &Timing) -> Result<Self> {
        uut.connect_all();
        let packet_timeout = uut.packet_timeout_clocks();
        Ok(Self {
            uut,
            timing: *timing,
            packet_timeout,
        })
    }
}

impl CosimDut for BridgeDut {
    type Uut = BridgeFirmware;
    fn uut(&self) -> &Self::Uut {
        &self.uut
    }
    fn uut_mut(&mut self) -> &mut Self::Uut {
        &mut self.uut
    }
    fn inputs(&self) -> Vec<Port> {
        vec![Port::new("rst_n", 1), Port::new("usb_rx", 1)]
    }
    fn outputs(&self) -> Vec<Port> {
        vec![Port::new("usb_tx", 1), Port::new("led", 8)]
    }
    fn set_inputs(&mut self, values: &[u64]) {
        self.uut.rst_n.next = bit(values[0]);
        self.uut.usb_rx.next = bit(values[1]);
    }
    fn outputs_now(&self) -> Vec<u64> {
        vec![self.uut.usb_tx.val() as u64, self.uut.led.val().to_u64()]
    }
    fn set_clock(&mut self, high: bool) {
        self.uut.clk.next = high.into();
    }
    fn replica(&self) -> Option<Self> {
        Self::with_packet_timeout(&self.timing, self.packet_timeout).ok()
    }
}
