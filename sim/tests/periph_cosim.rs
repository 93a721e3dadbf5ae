//! The peripheral's exported Verilog verified in its own right: the same stimulus (register
//! traffic and line-model traffic on `rx`, `cts` toggling, a reset in the middle) through
//! rust-hdl's simulator and through Verilator, every output compared on every cycle.

use rust_hdl::prelude::*;
use rust_hdl_uart::periph::regs::{self, Register};
use rust_hdl_uart::periph::uart_periph::UartPeriph;
use rust_hdl_uart::sim::cosim::{cosimulate, CosimDut, Port, Stimulus, VerilatedModel};
use rust_hdl_uart::sim::harness::line_format;
use rust_hdl_uart::sim::line::SerialDriver;
use rust_hdl_uart::UartConfig;
use std::path::PathBuf;

fn work_dir(name: &str) -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"),
    };
    target.join("verilog-tests").join(name)
}

fn config() -> UartConfig {
    UartConfig {
        clock_hz: 32_000_000,
        baud: 1_000_000,
        ..UartConfig::default()
    }
}

/// The peripheral with its register port as the module's ports.
pub struct PeriphDut {
    uut: UartPeriph<4>,
}

impl PeriphDut {
    pub fn new() -> Self {
        let mut uut = UartPeriph::<4>::new(&config()).unwrap();
        uut.connect_all();
        Self { uut }
    }
}

impl CosimDut for PeriphDut {
    type Uut = UartPeriph<4>;
    fn uut(&self) -> &Self::Uut {
        &self.uut
    }
    fn uut_mut(&mut self) -> &mut Self::Uut {
        &mut self.uut
    }
    fn inputs(&self) -> Vec<Port> {
        vec![
            Port::new("reset", 1),
            Port::new("reg_addr", 6),
            Port::new("reg_write", 1),
            Port::new("reg_wdata", 32),
            Port::new("reg_wstrb", 4),
            Port::new("reg_read", 1),
            Port::new("rx", 1),
            Port::new("cts", 1),
        ]
    }
    fn outputs(&self) -> Vec<Port> {
        vec![
            Port::new("reg_rdata", 32),
            Port::new("tx", 1),
            Port::new("rts", 1),
            Port::new("tx_enable", 1),
            Port::new("irq", 1),
        ]
    }
    fn set_inputs(&mut self, v: &[u64]) {
        let u = &mut self.uut;
        u.reset.next = v[0] & 1 != 0;
        u.reg_addr.next = v[1].to_bits();
        u.reg_write.next = v[2] & 1 != 0;
        u.reg_wdata.next = v[3].to_bits();
        u.reg_wstrb.next = v[4].to_bits();
        u.reg_read.next = v[5] & 1 != 0;
        u.rx.next = v[6] & 1 != 0;
        u.cts.next = v[7] & 1 != 0;
    }
    fn outputs_now(&self) -> Vec<u64> {
        let u = &self.uut;
        vec![
            u.reg_rdata.val().to_u64(),
            u.tx.val() as u64,
            u.rts.val() as u64,
            u.tx_enable.val() as u64,
            u.irq.val() as u64,
        ]
    }
    fn set_clock(&mut self, high: bool) {
        self.uut.clock.next = high.into();
    }
}

/// A register-port operation in the script.
#[derive(Clone, Copy)]
pub enum Op {
    Write(u32, u32),
    Read(u32),
    Idle(u64),
    Reset,
    Cts(bool),
}

/// Register-port inputs, cycle by cycle, with the line model driving `rx`.
pub struct Script {
    driver: SerialDriver,
    cts: bool,
    pub cycles: Vec<[u64; 8]>,
}

impl Script {
    pub fn new(driver: SerialDriver) -> Self {
        Self {
            driver,
            cts: false,
            cycles: Vec::new(),
        }
    }

    fn cycle(&mut self, reset: bool, addr: u32, write: bool, wdata: u32, read: bool) {
        let rx = self.driver.next_level();
        self.cycles.push([
            reset as u64,
            addr as u64,
            write as u64,
            wdata as u64,
            if write { 0xF } else { 0 },
            read as u64,
            rx as u64,
            self.cts as u64,
        ]);
    }

    pub fn run(&mut self, ops: &[Op]) {
        for op in ops {
            match *op {
                Op::Write(a, d) => self.cycle(false, a, true, d, false),
                Op::Read(a) => self.cycle(false, a, false, 0, true),
                Op::Idle(n) => (0..n).for_each(|_| self.cycle(false, 0, false, 0, false)),
                Op::Reset => self.cycle(true, 0, false, 0, false),
                Op::Cts(level) => self.cts = level,
            }
        }
    }
}

fn w(reg: &Register, value: u32) -> Op {
    Op::Write(reg.offset, value)
}

fn r(reg: &Register) -> Op {
    Op::Read(reg.offset)
}

/// Reads of every register, in offset order (RXDATA pops).
fn read_all() -> Vec<Op> {
    regs::REGISTERS.iter().map(r).collect()
}

/// Register and line traffic touching every feature: TX bursts, RX with errors and a
/// break, overflow, watermarks and interrupts, RX timeout, CTS toggling mid-frame, RTS
/// flow, RS-485 lead/lag with echo suppression, loopback, a baud and format change, a
/// reset in the middle of traffic.
pub fn script() -> Script {
    use regs::*;
    let fmt = line_format(&config());
    let mut driver = SerialDriver::new(fmt, 21)
        .baud_error_ppm(15_000.0)
        .jitter(0.02);
    driver.idle_bits(12.0);
    for i in 0..20u16 {
        match i % 7 {
            3 => driver.frame_bad_stop(i * 11),
            5 => driver.line_break(13.0),
            _ => driver.frame(i * 13 + 1),
        }
    }
    driver.idle_bits(300.0);
    for i in 0..6u16 {
        driver.frame(0x40 + i);
    }
    let mut s = Script::new(driver);
    let bit = 32u64;
    let frame = 10 * bit;
    let mut ops = vec![Op::Idle(3)];
    ops.extend(read_all());
    ops.extend([
        w(&IRQ_ENABLE, 0x7F),
        w(&WATERMARK, WATERMARK_RX.put(4) | WATERMARK_TX.put(2)),
        w(&RX_TIMEOUT, 2),
        w(&RTS_THRESHOLD, 10),
        w(&CTRL, 3 | CTRL_RTS_FLOW.mask() | CTRL_CTS_FLOW.mask()),
    ]);
    for i in 0..18 {
        ops.push(w(&TXDATA, 0x21 + i));
    }
    for k in 0..40 {
        ops.push(Op::Idle(frame / 3));
        ops.extend(read_all());
        if k == 7 {
            ops.push(Op::Cts(true));
        }
        if k == 12 {
            ops.push(Op::Cts(false));
        }
        if k % 5 == 4 {
            ops.push(w(&IRQ_PENDING, 0x7F));
            ops.push(w(&OVERFLOW, 0xFFFF_FFFF));
        }
    }
    // RS-485 with echo suppression, then loopback, a format change, break send.
    ops.extend([
        w(&RS485, RS485_LEAD.put(2) | RS485_LAG.put(1)),
        w(&CTRL, 3 | CTRL_RS485.mask() | CTRL_RS485_NO_ECHO.mask()),
        w(&TXDATA, 0x99),
        w(&TXDATA, 0x66),
        Op::Idle(3 * frame),
        w(&CTRL, 3 | CTRL_LOOPBACK.mask()),
        w(&BAUD, 1 << 18),
        w(
            &FRAME,
            FRAME_DATA_BITS.put(7) | FRAME_PARITY.put(2) | FRAME_TWO_STOP.mask(),
        ),
        Op::Idle(2 * frame),
        w(&TXDATA, 0x35),
        w(&TXDATA, 0x4A),
        Op::Idle(5 * frame),
        w(&CTRL, 3 | CTRL_LOOPBACK.mask() | CTRL_BREAK.mask()),
        Op::Idle(3 * frame),
        w(&CTRL, 3 | CTRL_LOOPBACK.mask()),
        Op::Idle(3 * frame),
    ]);
    ops.extend(read_all());
    ops.extend(read_all());
    // Back to the line; reset in the middle of TX and RX traffic.
    ops.extend([w(&BAUD, 1 << 19), w(&FRAME, 8), w(&CTRL, 3)]);
    for i in 0..5 {
        ops.push(w(&TXDATA, 0xF0 + i));
    }
    ops.push(Op::Idle(frame + frame / 2));
    ops.push(Op::Reset);
    ops.extend(read_all());
    for _ in 0..60 {
        ops.push(Op::Idle(frame / 2));
        ops.extend(read_all());
    }
    s.run(&ops);
    s
}

pub fn stimulus(dut: &impl CosimDut, script: &Script) -> Stimulus {
    let mut stim = Stimulus::new(&dut.inputs());
    for c in &script.cycles {
        stim.push(c);
    }
    stim
}

#[test]
fn uart_periph_verilog_matches_rust_cycle_by_cycle() {
    let mut dut = PeriphDut::new();
    let top = "uart_periph_cosim";
    let verilog = dut.verilog(top).unwrap();
    let dir = work_dir(top);
    let model = VerilatedModel::build(&verilog, top, "clock", &dut.inputs(), &dut.outputs(), &dir)
        .unwrap_or_else(|err| panic!("{top}: {err:#}"));
    let script = script();
    let stim = stimulus(&dut, &script);
    match cosimulate(&mut dut, &model, &stim, &dir) {
        Ok(report) => {
            println!("{top}: {report}");
            assert_eq!(report.cycles, stim.cycles());
            assert!(report.cycles > 20_000);
        }
        Err(err) => panic!("{top}: Verilog and Rust disagree: {err:#}"),
    }
}
