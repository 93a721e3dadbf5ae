//! The peripheral's exported Verilog verified in its own right: the same stimulus (register
//! traffic and line-model traffic on `rx`, `cts` toggling, a reset in the middle) through
//! rust-hdl's simulator and through Verilator, every output compared on every cycle.

use rust_hdl::prelude::*;
use rust_hdl_uart::export::{design_verilog, Design};
use rust_hdl_uart::periph::options::PeripheralOptions;
use rust_hdl_uart::periph::regs::{self, Register};
use rust_hdl_uart::periph::uart_periph::UartPeriph;
use rust_hdl_uart::sim::cosim::{cosimulate, CosimDut, Port, Stimulus, VerilatedModel};
use rust_hdl_uart::sim::harness::line_format;
use rust_hdl_uart::sim::line::SerialDriver;
use rust_hdl_uart::sim::lint::{lint, Waiver, RUST_HDL_WAIVERS};
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

/// The peripheral with its register port as the module's ports: the largest FIFO type,
/// so every build's depths fit (the exports' own-size types are co-simulated below).
pub struct PeriphDut {
    uut: UartPeriph<9>,
}

impl PeriphDut {
    pub fn new() -> Self {
        Self::build(&PeripheralOptions::full())
    }

    /// The peripheral built with `options` (its FIFO depths).
    pub fn build(options: &PeripheralOptions) -> Self {
        let mut uut = UartPeriph::<9>::with_options(&config(), options).unwrap();
        uut.connect_all();
        Self { uut }
    }
}

impl CosimDut for PeriphDut {
    type Uut = UartPeriph<9>;
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

/// Which ports a script drives.
#[derive(Clone, Copy, PartialEq)]
pub enum Bus {
    /// The register port itself.
    Port,
    /// Wishbone, classic-style: one request, cyc held to the ack.
    Wishbone,
    /// AXI4-Lite: VALIDs held through their READY; BREADY, RREADY always high.
    AxiLite,
}

/// Inputs, cycle by cycle, with the line model driving `rx`.
pub struct Script {
    bus: Bus,
    driver: SerialDriver,
    cts: bool,
    pub cycles: Vec<Vec<u64>>,
}

impl Script {
    pub fn new(bus: Bus, driver: SerialDriver) -> Self {
        Self {
            bus,
            driver,
            cts: false,
            cycles: Vec::new(),
        }
    }

    /// One clock; `req` is (write, read, word address, data) of this clock's bus inputs.
    fn cycle(&mut self, reset: bool, req: BusInputs) {
        let rx = self.driver.next_level() as u64;
        let cts = self.cts as u64;
        let a = (req.addr as u64) << 2;
        let v = match self.bus {
            Bus::Port => vec![
                reset as u64,
                req.addr as u64,
                req.write as u64,
                req.data as u64,
                if req.write { 0xF } else { 0 },
                req.read as u64,
                rx,
                cts,
            ],
            Bus::Wishbone => vec![
                reset as u64,
                req.cyc as u64,
                (req.write || req.read) as u64,
                req.write as u64,
                a,
                0xF,
                req.data as u64,
                rx,
                cts,
            ],
            Bus::AxiLite => vec![
                reset as u64,
                req.write as u64,
                a,
                req.write as u64,
                req.data as u64,
                0xF,
                1,
                req.read as u64,
                a,
                1,
                rx,
                cts,
            ],
        };
        self.cycles.push(v);
    }

    pub fn run(&mut self, ops: &[Op]) {
        let idle = BusInputs::default();
        for op in ops {
            let (req, hold, tail) = match *op {
                Op::Write(addr, data) => (
                    BusInputs {
                        write: true,
                        addr,
                        data,
                        cyc: true,
                        ..idle
                    },
                    1,
                    2,
                ),
                Op::Read(addr) => (
                    BusInputs {
                        read: true,
                        addr,
                        cyc: true,
                        ..idle
                    },
                    1,
                    3,
                ),
                Op::Idle(n) => {
                    (0..n).for_each(|_| self.cycle(false, idle));
                    continue;
                }
                Op::Reset => {
                    self.cycle(true, idle);
                    continue;
                }
                Op::Cts(level) => {
                    self.cts = level;
                    continue;
                }
            };
            match self.bus {
                Bus::Port => self.cycle(false, req),
                Bus::Wishbone => {
                    // stb for the accepting clock, cyc held until the ack has come.
                    self.cycle(false, req);
                    let wait = BusInputs {
                        write: false,
                        read: false,
                        ..req
                    };
                    for _ in 0..tail {
                        self.cycle(false, wait);
                    }
                    self.cycle(false, idle);
                }
                Bus::AxiLite => {
                    // READY comes a clock after VALID: hold VALID through it.
                    for _ in 0..=hold {
                        self.cycle(false, req);
                    }
                    for _ in 0..tail + 1 {
                        self.cycle(false, idle);
                    }
                }
            }
        }
    }
}

/// The bus inputs of one clock.
#[derive(Clone, Copy, Default)]
pub struct BusInputs {
    write: bool,
    read: bool,
    cyc: bool,
    addr: u32,
    data: u32,
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
pub fn script(bus: Bus) -> Script {
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
    let mut s = Script::new(bus, driver);
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
    let script = script(Bus::Port);
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

/// A port's value to and from the co-simulation's `u64`.
trait PortValue {
    fn to_port(&self) -> u64;
    fn from_port(value: u64) -> Self;
}

impl PortValue for bool {
    fn to_port(&self) -> u64 {
        *self as u64
    }
    fn from_port(value: u64) -> Self {
        value & 1 != 0
    }
}

impl<const N: usize> PortValue for Bits<N> {
    fn to_port(&self) -> u64 {
        self.to_u64()
    }
    fn from_port(value: u64) -> Self {
        value.to_bits()
    }
}

macro_rules! top_dut {
    ($dut:ident, $top:ident, [$($in_name:ident : $in_width:expr),*], [$($out_name:ident : $out_width:expr),*]) => {
        /// An export's top, ports in the exported module's order.
        pub struct $dut {
            uut: $top<4>,
        }

        impl $dut {
            pub fn new() -> Self {
                let mut uut = $top::<4>::new(&config()).unwrap();
                uut.connect_all();
                Self { uut }
            }
        }

        impl CosimDut for $dut {
            type Uut = $top<4>;
            fn uut(&self) -> &Self::Uut {
                &self.uut
            }
            fn uut_mut(&mut self) -> &mut Self::Uut {
                &mut self.uut
            }
            fn inputs(&self) -> Vec<Port> {
                vec![$(Port::new(stringify!($in_name), $in_width)),*]
            }
            fn outputs(&self) -> Vec<Port> {
                vec![$(Port::new(stringify!($out_name), $out_width)),*]
            }
            #[allow(unused_assignments)]
            fn set_inputs(&mut self, v: &[u64]) {
                let mut i = 0;
                $(
                    self.uut.$in_name.next = PortValue::from_port(v[i]);
                    i += 1;
                )*
            }
            fn outputs_now(&self) -> Vec<u64> {
                vec![$(PortValue::to_port(&self.uut.$out_name.val())),*]
            }
            fn set_clock(&mut self, high: bool) {
                self.uut.clock.next = high.into();
            }
        }
    };
}

use rust_hdl_uart::periph::top::{UartAxiLite, UartWishbone};

top_dut!(WishboneDut, UartWishbone,
    [reset: 1, wb_cyc: 1, wb_stb: 1, wb_we: 1, wb_adr: 8, wb_sel: 4, wb_dat_w: 32, rx: 1, cts: 1],
    [wb_dat_r: 32, wb_ack: 1, wb_stall: 1, tx: 1, rts: 1, tx_enable: 1, irq: 1]);
top_dut!(AxiLiteDut, UartAxiLite,
    [reset: 1, s_axil_awvalid: 1, s_axil_awaddr: 8, s_axil_wvalid: 1, s_axil_wdata: 32,
     s_axil_wstrb: 4, s_axil_bready: 1, s_axil_arvalid: 1, s_axil_araddr: 8, s_axil_rready: 1,
     rx: 1, cts: 1],
    [s_axil_awready: 1, s_axil_wready: 1, s_axil_bvalid: 1, s_axil_bresp: 2, s_axil_arready: 1,
     s_axil_rvalid: 1, s_axil_rdata: 32, s_axil_rresp: 2, tx: 1, rts: 1, tx_enable: 1, irq: 1]);

fn check_export<D: CosimDut>(mut dut: D, design: Design, bus: Bus) {
    let top = design.module_name();
    let verilog = design_verilog(&config(), design, top).unwrap();
    let dir = work_dir(&format!("cosim-{top}"));
    let model = VerilatedModel::build(&verilog, top, "clock", &dut.inputs(), &dut.outputs(), &dir)
        .unwrap_or_else(|err| panic!("{top}: {err:#}"));
    let script = script(bus);
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

#[test]
fn uart_wb_export_matches_rust_cycle_by_cycle() {
    check_export(WishboneDut::new(), Design::Wishbone, Bus::Wishbone);
}

#[test]
fn uart_axil_export_matches_rust_cycle_by_cycle() {
    check_export(AxiLiteDut::new(), Design::AxiLite, Bus::AxiLite);
}

#[test]
fn both_exports_lint_clean_with_only_documented_waivers() {
    for design in Design::PERIPHERALS {
        let name = design.module_name();
        let verilog = design_verilog(&config(), design, name).unwrap();
        let dir = work_dir(&format!("lint-{name}"));
        let mut waivers = RUST_HDL_WAIVERS.to_vec();
        waivers.push(Waiver {
            code: "UNUSEDSIGNAL",
            pattern: "Bits of signal are not used: '*_a*addr'[1:0]",
            why: "byte addresses of 32-bit registers: bits [1:0] select a byte lane, which the \
                  write strobes already say",
        });
        waivers.push(Waiver {
            code: "UNUSEDSIGNAL",
            pattern: "Bits of signal are not used: 'wb_adr'[1:0]",
            why: "byte addresses of 32-bit registers: bits [1:0] select a byte lane, which \
                  wb_sel already says",
        });
        match lint(&verilog, name, &dir, &waivers) {
            Ok(report) => println!("{name}: {report}"),
            Err(err) => panic!("{name}: {err:#}"),
        }
    }
}

/// Builds other than `full`: the minimal preset, two with tiny and unequal FIFOs (1 RX /
/// 512 TX entries, 2 / 8) and a seeded sample of switch combinations (FIFOs of 1 to 16
/// entries), each exported for both buses (with its register docs), checked by yosys
/// and linted; the first four co-simulated against the Rust model with the script that
/// touches every feature (absent ones read 0 on both sides).
#[test]
fn sampled_builds_export_lint_and_match_rust() {
    use rust_hdl_uart::export::{
        peripheral_verilog, write_verilog_with, ExportOptions, YosysCheck,
    };
    let mut builds = vec![
        PeripheralOptions::minimal(),
        PeripheralOptions::minimal().with_depths(0, 9),
        PeripheralOptions::full().with_depths(1, 3),
    ];
    builds.extend(crate::periph::builds::sample(2026, 3));
    for (i, options) in builds.iter().enumerate() {
        let dir = work_dir(&format!("build-{i}"));
        let _ = std::fs::remove_dir_all(&dir);
        let export = ExportOptions {
            designs: Design::PERIPHERALS.to_vec(),
            yosys: YosysCheck::Required,
            peripheral: *options,
            ..ExportOptions::default()
        };
        let report = write_verilog_with(&config(), &dir, &export)
            .unwrap_or_else(|err| panic!("build {options}: {err:#}"));
        assert!(report.checked);
        assert_eq!(report.docs.len(), 2, "{options}");
        let header = std::fs::read_to_string(&report.docs[0]).unwrap();
        assert_eq!(header, regs::c_header_for(options));
        for design in Design::PERIPHERALS {
            let name = design.module_name();
            let verilog = peripheral_verilog(&config(), options, design, name).unwrap();
            assert!(verilog.contains(&format!("{options}")));
            let mut waivers = RUST_HDL_WAIVERS.to_vec();
            waivers.push(Waiver {
                code: "UNUSEDSIGNAL",
                pattern: "Bits of signal are not used: '*_a*addr'[1:0]",
                why: "byte addresses of 32-bit registers: bits [1:0] select a byte lane",
            });
            waivers.push(Waiver {
                code: "UNUSEDSIGNAL",
                pattern: "Bits of signal are not used: 'wb_adr'[1:0]",
                why: "byte addresses of 32-bit registers: bits [1:0] select a byte lane",
            });
            for signal in ["read_address", "write_address"] {
                waivers.push(Waiver {
                    code: "UNUSEDSIGNAL",
                    pattern: if signal == "read_address" {
                        "Bits of signal are not used: 'read_address'["
                    } else {
                        "Bits of signal are not used: 'write_address'["
                    },
                    why: "a FIFO RAM smaller than its type (the smaller of two unequal FIFOs, \
                          or the idle one beside a flip-flop FIFO): the address bits above \
                          its depth are constant zeros, removed by synthesis",
                });
            }
            if let Err(err) = lint(&verilog, name, &dir.join(format!("lint-{name}")), &waivers) {
                panic!("{name}, build {options}: {err:#}");
            }
        }
        if i >= 4 {
            continue; // co-simulation (the slow part) for the first four builds
        }
        let mut dut = PeriphDut::build(options);
        let top = format!("uart_periph_build{i}");
        let verilog = dut.verilog(&top).unwrap();
        let model =
            VerilatedModel::build(&verilog, &top, "clock", &dut.inputs(), &dut.outputs(), &dir)
                .unwrap_or_else(|err| panic!("{top}: {err:#}"));
        let script = script(Bus::Port);
        let stim = stimulus(&dut, &script);
        match cosimulate(&mut dut, &model, &stim, &dir) {
            Ok(report) => {
                println!("{top} ({options}): {report}");
                assert_eq!(report.cycles, stim.cycles());
            }
            Err(err) => panic!("{top} ({options}): Verilog and Rust disagree: {err:#}"),
        }
    }
}
