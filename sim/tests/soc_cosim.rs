//! The SoC's own logic (`SocFabric`: decode, local acknowledge, LED and system registers with
//! the cycle counter and the latency stamps, the UART, the reset synchroniser) verified in
//! its exported Verilog: the same stimulus through rust-hdl's simulator and through
//! Verilator, every output compared on every cycle. The CPU and the RAM are external Verilog
//! that rust-hdl cannot simulate; here the stimulus plays both (the CPU's Wishbone master,
//! the RAM's read data).
//!
//! The stimulus is seeded random and bounded by a cycle count: requests to RAM, UART, LED,
//! system registers and unmapped holes, held for the CPU's usual time or for a random one,
//! with random gaps; random RAM read data; 8N1 frames at the SoC's baud (good, bad stop,
//! break, glitches) on `usb_rx`; button resets.

use rust_hdl::prelude::*;
use rust_hdl_uart::config::UartConfig;
use rust_hdl_uart::firmware::soc::{self, SocFabric, SOC_CLOCK_HZ, SYS_BASE, UART_BASE};
use rust_hdl_uart::periph::regs;
use rust_hdl_uart::sim::cosim::{
    cosimulate, CosimDut, Mismatch, Port, Stimulus, Trace, VerilatedModel,
};
use rust_hdl_uart::sim::harness::line_format;
use rust_hdl_uart::sim::line::SerialDriver;
use std::path::PathBuf;

/// Cycles of the stimulus: about 35 frames at 115200 baud; rust-hdl's side, the slow one,
/// runs them in about 20 s on an idle machine.
const CYCLES: usize = 150_000;

fn work_dir(name: &str) -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"),
    };
    target.join("verilog-tests").join(name)
}

/// The SoC's UART configuration: the defaults (115200 8N1) at the SoC's clock.
fn config() -> UartConfig {
    soc::soc_config(&UartConfig::default())
}

/// The fabric with its ports as the module's ports.
struct FabricDut {
    uut: SocFabric,
}

impl FabricDut {
    fn new() -> Self {
        let mut uut = SocFabric::new(&config()).unwrap();
        uut.connect_all();
        Self { uut }
    }
}

const IN_RST_N: usize = 0;
const IN_USB_RX: usize = 1;
const IN_ADR: usize = 2;
const IN_DAT_W: usize = 3;
const IN_WE: usize = 4;
const IN_SEL: usize = 5;
const IN_STB: usize = 6;
const IN_CYC: usize = 7;
const IN_RAM_RDATA: usize = 8;

impl CosimDut for FabricDut {
    type Uut = SocFabric;
    fn uut(&self) -> &Self::Uut {
        &self.uut
    }
    fn uut_mut(&mut self) -> &mut Self::Uut {
        &mut self.uut
    }
    fn inputs(&self) -> Vec<Port> {
        vec![
            Port::new("rst_n", 1),
            Port::new("usb_rx", 1),
            Port::new("cpu_adr", 32),
            Port::new("cpu_dat_w", 32),
            Port::new("cpu_we", 1),
            Port::new("cpu_sel", 4),
            Port::new("cpu_stb", 1),
            Port::new("cpu_cyc", 1),
            Port::new("ram_rdata", 32),
        ]
    }
    fn outputs(&self) -> Vec<Port> {
        vec![
            Port::new("usb_tx", 1),
            Port::new("led", 8),
            Port::new("cpu_reset", 1),
            Port::new("cpu_dat_r", 32),
            Port::new("cpu_ack", 1),
            Port::new("cpu_irq_uart", 1),
            Port::new("ram_addr", soc::RAM_ADDRESS_BITS),
            Port::new("ram_wdata", 32),
            Port::new("ram_we", 4),
            Port::new("rxdata_read", 1),
        ]
    }
    fn set_inputs(&mut self, v: &[u64]) {
        let u = &mut self.uut;
        u.rst_n.next = v[IN_RST_N] & 1 != 0;
        u.usb_rx.next = v[IN_USB_RX] & 1 != 0;
        u.cpu_adr.next = v[IN_ADR].to_bits();
        u.cpu_dat_w.next = v[IN_DAT_W].to_bits();
        u.cpu_we.next = v[IN_WE] & 1 != 0;
        u.cpu_sel.next = v[IN_SEL].to_bits();
        u.cpu_stb.next = v[IN_STB] & 1 != 0;
        u.cpu_cyc.next = v[IN_CYC] & 1 != 0;
        u.ram_rdata.next = v[IN_RAM_RDATA].to_bits();
    }
    fn outputs_now(&self) -> Vec<u64> {
        let u = &self.uut;
        vec![
            u.usb_tx.val() as u64,
            u.led.val().to_u64(),
            u.cpu_reset.val() as u64,
            u.cpu_dat_r.val().to_u64(),
            u.cpu_ack.val() as u64,
            u.cpu_irq_uart.val() as u64,
            u.ram_addr.val().to_u64(),
            u.ram_wdata.val().to_u64(),
            u.ram_we.val().to_u64(),
            u.rxdata_read.val() as u64,
        ]
    }
    fn set_clock(&mut self, high: bool) {
        self.uut.clock.next = high.into();
    }
}

/// xorshift64*: a reproducible stimulus without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// UART registers the traffic writes with random data. BAUD, FRAME and CTRL are left at
/// their reset values (RX and TX on, the SoC's line settings) so that the frames on
/// `usb_rx` are received; the others are read as well as written.
const UART_WRITABLE: &[regs::Register] = &[
    regs::TXDATA,
    regs::IRQ_ENABLE,
    regs::IRQ_PENDING,
    regs::WATERMARK,
    regs::RX_TIMEOUT,
    regs::OVERFLOW,
    regs::FIFO_RESET,
];

/// One request's address and whether the CPU would wait 2 (local), 3 (UART write) or 4
/// (UART read) clocks for its acknowledge.
fn address(rng: &mut Rng, write: bool) -> (u32, usize) {
    let noise = (rng.next() as u32) & 0x0FFF_E000; // bits 27:13, which decode nothing
    match rng.below(10) {
        // RAM: any word.
        0..=2 => (((rng.next() as u32) & 0x1FFC) | noise, 2),
        // UART: a register (writes only to the safe ones), now and then an unused offset.
        3..=5 => {
            let offset = if rng.chance(5) {
                (rng.below(64) as u32) << 2
            } else if !write && rng.chance(40) {
                // RXDATA most of all: each read pops a received byte.
                regs::RXDATA.offset << 2
            } else if write {
                UART_WRITABLE[rng.below(UART_WRITABLE.len() as u64) as usize].offset << 2
            } else {
                regs::REGISTERS[rng.below(regs::REGISTERS.len() as u64) as usize].offset << 2
            };
            (UART_BASE | offset, if write { 3 } else { 4 })
        }
        // System registers (LED, CLOCK_HZ, CYCLES, the stamps, the words past them).
        6..=8 => (SYS_BASE | ((rng.below(8) as u32) << 2) | (noise & 0xF00), 2),
        // A hole: any other region.
        _ => {
            let region = [3u32, 4, 7, 8, 0xC, 0xF][rng.below(6) as usize];
            ((region << 28) | ((rng.next() as u32) & 0x0FFF_FFFC), 2)
        }
    }
}

/// The seeded stimulus: `cycles` clocks of bus, line and reset traffic.
fn stimulus(dut: &FabricDut, seed: u64, cycles: usize) -> Stimulus {
    let mut rng = Rng(seed | 1);
    let mut line = SerialDriver::new(line_format(&config()), seed)
        .baud_error_ppm(8_000.0)
        .jitter(0.03)
        .glitches(0.01, 3);
    line.idle_bits(15.0);
    let mut byte = 0u16;
    while line.clocks_queued() < cycles as u64 {
        byte = byte.wrapping_mul(37).wrapping_add(11) & 0xFF;
        match rng.below(20) {
            0 => line.frame_bad_stop(byte),
            1 => line.line_break(12.0),
            2 => line.idle_bits(rng.below(30) as f64),
            _ => line.frame(byte),
        }
    }
    let mut stim = Stimulus::new(&dut.inputs());
    let mut v = vec![0u64; dut.inputs().len()];
    v[IN_RST_N] = 1;
    let mut pushed = 0;
    let push = |v: &mut Vec<u64>, rng: &mut Rng, line: &mut SerialDriver, stim: &mut Stimulus| {
        v[IN_USB_RX] = line.next_level() as u64;
        // The RAM's read data changes now and then (a registered read: any word will do).
        if rng.chance(30) {
            v[IN_RAM_RDATA] = rng.next() & 0xFFFF_FFFF;
        }
        stim.push(v);
    };
    // Writes due before any random traffic: the UART's interrupts on (from power-up and
    // after each reset), so that received frames raise `irq`.
    let irq_on = (UART_BASE | (regs::IRQ_ENABLE.offset << 2), 0x7F_u32);
    let mut due = vec![irq_on];
    while pushed < cycles {
        // A button press now and then, held for a few clocks.
        if rng.chance(1) && rng.chance(20) {
            v[IN_RST_N] = 0;
            for _ in 0..1 + rng.below(6) {
                push(&mut v, &mut rng, &mut line, &mut stim);
                pushed += 1;
            }
            v[IN_RST_N] = 1;
            due.push(irq_on);
        }
        let (write, adr, wait, dat) = match due.pop() {
            // Wait out the reset synchroniser: 3 clocks, plus the write's 3.
            Some((adr, dat)) => (true, adr, 6, dat),
            None => {
                let write = rng.chance(40);
                let (adr, wait) = address(&mut rng, write);
                (write, adr, wait, rng.next() as u32)
            }
        };
        // As PicoRV32 does: stb and cyc held until the acknowledge; now and then for a
        // random time instead (shorter: an aborted request; longer: a repeated one).
        let hold = if rng.chance(85) {
            wait
        } else {
            1 + rng.below(6) as usize
        };
        v[IN_ADR] = adr as u64;
        v[IN_DAT_W] = dat as u64;
        v[IN_WE] = write as u64;
        v[IN_SEL] = if rng.chance(80) { 0xF } else { rng.below(16) };
        v[IN_STB] = 1;
        v[IN_CYC] = 1;
        for _ in 0..hold {
            push(&mut v, &mut rng, &mut line, &mut stim);
            pushed += 1;
        }
        v[IN_STB] = 0;
        v[IN_CYC] = 0;
        // The bus's other inputs keep their last values or change while idle.
        if rng.chance(50) {
            v[IN_ADR] = rng.next() & 0xFFFF_FFFF;
            v[IN_WE] = rng.below(2);
        }
        let gap = match rng.below(10) {
            0..=5 => rng.below(3),
            6..=8 => rng.below(40),
            _ => rng.below(2_000),
        };
        for _ in 0..gap {
            push(&mut v, &mut rng, &mut line, &mut stim);
            pushed += 1;
        }
    }
    stim
}

/// Cycles (after the first) in which output `name` changed, and whether it ever held
/// `value`.
fn changes_and_seen(trace: &Trace, name: &str, value: u64) -> (u64, bool) {
    let index = trace.outputs().iter().position(|p| p.name == name).unwrap();
    let (mut changes, mut seen) = (0, false);
    for c in trace.changes().filter(|c| c.output == index) {
        if c.cycle > 0 {
            changes += 1;
        }
        seen |= c.value == value;
    }
    (changes, seen)
}

fn build(dut: &mut FabricDut, top: &str, mutate: impl FnOnce(String) -> String) -> VerilatedModel {
    let verilog = mutate(dut.verilog(top).unwrap());
    VerilatedModel::build(
        &verilog,
        top,
        "clock",
        &dut.inputs(),
        &dut.outputs(),
        &work_dir(top),
    )
    .unwrap_or_else(|err| panic!("{top}: {err:#}"))
}

#[test]
fn soc_fabric_verilog_matches_rust_cycle_by_cycle() {
    let mut dut = FabricDut::new();
    let top = "soc_fabric_cosim";
    let model = build(&mut dut, top, |v| v);
    let stim = stimulus(&dut, 20_261_207, CYCLES);
    match cosimulate(&mut dut, &model, &stim, &work_dir(top)) {
        Ok(report) => {
            println!("{top}: {report}");
            assert_eq!(report.cycles, stim.cycles());
            assert!(report.cycles >= CYCLES as u64);
        }
        Err(err) => panic!("{top}: Verilog and Rust disagree: {err:#}"),
    }
    // The traffic reached what it is meant to: frames received (interrupts, RXDATA reads),
    // frames sent, the LED register written, RAM writes, resets, CLOCK_HZ read.
    let trace = model.run(&stim, None).unwrap();
    for (name, at_least) in [
        ("cpu_irq_uart", 10),
        ("rxdata_read", 40),
        ("usb_tx", 40),
        ("led", 20),
        ("ram_we", 100),
        ("cpu_ack", 2000),
        ("cpu_reset", 2),
    ] {
        let (changes, _) = changes_and_seen(&trace, name, 0);
        println!("{name}: {changes} changes");
        assert!(
            changes >= at_least,
            "{name} changed {changes} times, fewer than {at_least}: the stimulus misses it"
        );
    }
    let (_, clock_read) = changes_and_seen(&trace, "cpu_dat_r", SOC_CLOCK_HZ);
    assert!(clock_read, "CLOCK_HZ was never on the read data");
}

/// The comparison can fail: the same stimulus against Verilog whose CLOCK_HZ register reads
/// one more than the Rust model's is caught, at a CLOCK_HZ read.
#[test]
fn soc_fabric_cosim_catches_a_changed_verilog() {
    let mut dut = FabricDut::new();
    let top = "soc_fabric_mutant";
    let right = format!("32'h{SOC_CLOCK_HZ:x}");
    let model = build(&mut dut, top, |v| {
        let count = v.matches(&right).count();
        assert_eq!(
            count, 1,
            "CLOCK_HZ ({right}) appears {count} times in the Verilog"
        );
        v.replace(&right, &format!("32'h{:x}", SOC_CLOCK_HZ + 1))
    });
    let stim = stimulus(&dut, 20_261_207, CYCLES);
    let err = cosimulate(&mut dut, &model, &stim, &work_dir(top))
        .expect_err("a changed Verilog passed the co-simulation");
    let mismatch = err
        .downcast_ref::<Mismatch>()
        .unwrap_or_else(|| panic!("not a mismatch: {err:#}"));
    assert_eq!(mismatch.signal, "cpu_dat_r", "{mismatch}");
}
