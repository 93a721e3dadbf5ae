//! Direct, single-thread simulation of the cores: one function call per clock.
//!
//! rust-hdl's threaded `Simulation` hands control between threads on every edge (~40 k
//! cycles/s here); calling `simulate` from one loop is an order of magnitude faster.
//!
//! Cycle semantics, the same everywhere in the testbench (and in the Verilator
//! co-simulation): the inputs for cycle n are applied with the clock low, the rising edge
//! is simulated, then the outputs are sampled, then the clock falls.
//!
//! Tracing: `bench.traced("test_name")` writes a VCD of the run when the environment
//! variable `UART_VCD` is set (`1` for `target/vcd/`, or a folder), streamed to disk.

use crate::config::{Parity, Timing, UartConfig};
use crate::rx::UartRx;
use crate::sim::line::{LineFormat, LineMonitor, LineParity, RxEvent, SerialDriver};
use crate::sim::vcd::{vcd_requested, VcdStream};
use crate::tx::UartTx;
use crate::uart::{Uart, UartCfg};
use anyhow::{bail, Result};
use rust_hdl::prelude::*;

/// The line model's description of a configuration. The model has its own types (it shares
/// nothing with the cores); this is the one place that translates.
pub fn line_format(config: &UartConfig) -> LineFormat {
    LineFormat {
        clock_hz: config.clock_hz as f64,
        baud: config.baud as f64,
        data_bits: config.data_bits,
        parity: match config.parity {
            Parity::None => LineParity::None,
            Parity::Even => LineParity::Even,
            Parity::Odd => LineParity::Odd,
            Parity::Mark => LineParity::Mark,
            Parity::Space => LineParity::Space,
        },
        stop_bits: config.stop_bits,
    }
}

/// Settling passes allowed per edge; the cores settle in a handful.
const MAX_SETTLE: usize = 100;

fn settle<B: Block>(block: &mut B, cycle: u64) -> Result<()> {
    if !simulate(block, MAX_SETTLE) {
        bail!("the design did not settle at cycle {cycle} (combinational loop?)");
    }
    Ok(())
}

/// Applies a cycle's inputs with the clock low and settles; then the rising edge and the
/// outputs. Inputs must settle before the edge: changed together with the clock, the
/// order of rust-hdl's settling passes would decide whether a flip-flop sees them.
macro_rules! apply_inputs {
    ($bench:expr, $($port:ident = $value:expr),+ $(,)?) => {{
        $bench.dut.clock.next = false.into();
        $($bench.dut.$port.next = $value;)+
        settle(&mut $bench.dut, $bench.cycle)?;
        if let Some(vcd) = &mut $bench.vcd {
            vcd.sample(&$bench.dut, $bench.cycle * 10)?;
        }
        Ok::<(), anyhow::Error>(())
    }};
}

macro_rules! rising_edge {
    ($bench:expr, $sample:expr) => {{
        $bench.dut.clock.next = true.into();
        settle(&mut $bench.dut, $bench.cycle)?;
        if let Some(vcd) = &mut $bench.vcd {
            vcd.sample(&$bench.dut, $bench.cycle * 10 + 5)?;
        }
        $bench.cycle += 1;
        Ok($sample(&$bench.dut))
    }};
}

/// Tracing shared by the benches.
macro_rules! tracing {
    () => {
        /// Writes a VCD of this bench's run to `path`, streamed as it goes.
        pub fn trace_to(mut self, path: &std::path::Path) -> Result<Self> {
            self.vcd = Some(VcdStream::create(path, &self.dut, "uut")?);
            Ok(self)
        }

        /// Traces to `<UART_VCD folder>/<test_name>.vcd` when `UART_VCD` is set.
        pub fn traced(self, test_name: &str) -> Result<Self> {
            match vcd_requested(test_name) {
                Some(path) => {
                    eprintln!("VCD: {}", path.display());
                    self.trace_to(&path)
                }
                None => Ok(self),
            }
        }
    };
}

/// What the receiver shows in one cycle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RxOutputs {
    pub data: u16,
    pub valid: bool,
    pub framing_error: bool,
    pub parity_error: bool,
    pub break_detected: bool,
    pub overrun: bool,
}

impl RxOutputs {
    pub fn event(&self) -> RxEvent {
        RxEvent {
            data: self.data,
            framing_error: self.framing_error,
            parity_error: self.parity_error,
            break_detected: self.break_detected,
        }
    }
}

pub struct RxBench<const D: usize> {
    pub dut: UartRx<D>,
    pub cycle: u64,
    vcd: Option<VcdStream>,
}

impl<const D: usize> RxBench<D> {
    /// A bench around a fresh core for `timing`; an `Err` when `D` cannot carry its data
    /// bits.
    pub fn new(timing: &Timing) -> Result<Self> {
        let mut dut = UartRx::<D>::new(timing)?;
        dut.connect_all();
        Ok(Self {
            dut,
            cycle: 0,
            vcd: None,
        })
    }

    tracing!();

    pub fn step(&mut self, rx: bool, ready: bool, reset: bool) -> Result<RxOutputs> {
        apply_inputs!(self, rx = rx, ready = ready, reset = reset)?;
        rising_edge!(self, |dut: &UartRx<D>| RxOutputs {
            data: dut.data.val().to_u16(),
            valid: dut.valid.val(),
            framing_error: dut.framing_error.val(),
            parity_error: dut.parity_error.val(),
            break_detected: dut.break_detected.val(),
            overrun: dut.overrun.val(),
        })
    }
}

/// When the receiver's consumer takes bytes.
#[derive(Clone, Copy, Debug)]
pub enum ReadyPolicy {
    Always,
    /// Ready in a cycle with this probability (deterministic pseudo-random sequence).
    Sometimes {
        percent: u32,
        seed: u64,
    },
    Never,
}

/// Everything a receiver run produced.
#[derive(Debug, Default)]
pub struct RxRun {
    pub events: Vec<RxEvent>,
    pub overrun_seen: bool,
    pub cycles: u64,
}

/// Drives `driver` into a receiver until it is done plus `tail_clocks`, and collects every
/// byte taken (valid and ready in the same cycle).
pub fn run_receiver<const D: usize>(
    bench: &mut RxBench<D>,
    driver: &mut SerialDriver,
    ready: ReadyPolicy,
    tail_clocks: u64,
) -> Result<RxRun> {
    let mut run = RxRun::default();
    let mut rng = match ready {
        ReadyPolicy::Sometimes { seed, .. } => seed | 1,
        _ => 1,
    };
    let mut tail = 0;
    // `ready` for this cycle is decided before the edge, from what the receiver showed
    // after the previous edge: a byte is taken when both were high in that cycle.
    let mut shown = RxOutputs::default();
    while tail < tail_clocks {
        if driver.is_done() {
            tail += 1;
        }
        let level = driver.next_level();
        let take = match ready {
            ReadyPolicy::Always => true,
            ReadyPolicy::Never => false,
            ReadyPolicy::Sometimes { percent, .. } => {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                (rng % 100) < percent as u64
            }
        };
        if shown.valid && take {
            run.events.push(shown.event());
        }
        shown = bench.step(level, take, false)?;
        run.overrun_seen |= shown.overrun;
    }
    run.cycles = bench.cycle;
    Ok(run)
}

/// What the transmitter shows in one cycle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TxOutputs {
    pub tx: bool,
    pub ready: bool,
    pub busy: bool,
}

pub struct TxBench<const D: usize> {
    pub dut: UartTx<D>,
    pub cycle: u64,
    vcd: Option<VcdStream>,
}

impl<const D: usize> TxBench<D> {
    /// A bench around a fresh core for `timing`; an `Err` when `D` cannot carry its data
    /// bits.
    pub fn new(timing: &Timing) -> Result<Self> {
        let mut dut = UartTx::<D>::new(timing)?;
        dut.connect_all();
        Ok(Self {
            dut,
            cycle: 0,
            vcd: None,
        })
    }

    tracing!();

    /// Applies this cycle's inputs; returns `ready`, which depends on them (break_line),
    /// so the caller knows whether `valid` makes this cycle a transfer.
    pub fn apply(&mut self, data: u16, valid: bool, break_line: bool, reset: bool) -> Result<bool> {
        apply_inputs!(
            self,
            data = (data as u64).to_bits(),
            valid = valid,
            break_line = break_line,
            reset = reset,
        )?;
        Ok(self.dut.ready.val())
    }

    pub fn edge(&mut self) -> Result<TxOutputs> {
        rising_edge!(self, |dut: &UartTx<D>| TxOutputs {
            tx: dut.tx.val(),
            ready: dut.ready.val(),
            busy: dut.busy.val(),
        })
    }
}

/// Sends `bytes` back to back (valid held high) into a line monitor; returns the cycles
/// each byte was accepted in.
pub fn run_transmitter<const D: usize>(
    bench: &mut TxBench<D>,
    monitor: &mut LineMonitor,
    bytes: &[u16],
    tail_clocks: u64,
) -> Result<Vec<u64>> {
    let mut accepted = Vec::with_capacity(bytes.len());
    let mut next = 0;
    let mut tail = 0;
    while tail < tail_clocks {
        let valid = next < bytes.len();
        let data = bytes.get(next).copied().unwrap_or(0);
        if bench.apply(data, valid, false, false)? && valid {
            accepted.push(bench.cycle);
            next += 1;
        }
        let out = bench.edge()?;
        monitor.push(out.tx);
        if next == bytes.len() && !out.busy {
            tail += 1;
        }
    }
    Ok(accepted)
}

#[derive(Clone, Copy, Debug, Default)]
pub struct UartInputs {
    pub rx: bool,
    pub rx_ready: bool,
    pub tx_data: u16,
    pub tx_valid: bool,
    pub tx_break_line: bool,
    pub reset: bool,
}

pub struct UartBench<const D: usize> {
    pub dut: Uart<D>,
    pub cycle: u64,
    vcd: Option<VcdStream>,
}

impl<const D: usize> UartBench<D> {
    /// A bench around a fresh core for `timing`; an `Err` when `D` cannot carry its data
    /// bits.
    pub fn new(timing: &Timing) -> Result<Self> {
        let mut dut = Uart::<D>::new(timing)?;
        dut.connect_all();
        Ok(Self {
            dut,
            cycle: 0,
            vcd: None,
        })
    }

    tracing!();

    /// Applies a cycle's inputs; returns `tx_ready`, which depends on them.
    pub fn apply(&mut self, inputs: &UartInputs) -> Result<bool> {
        apply_inputs!(
            self,
            rx = inputs.rx,
            rx_ready = inputs.rx_ready,
            tx_data = (inputs.tx_data as u64).to_bits(),
            tx_valid = inputs.tx_valid,
            tx_break_line = inputs.tx_break_line,
            reset = inputs.reset,
        )?;
        Ok(self.dut.tx_ready.val())
    }

    pub fn edge(&mut self) -> Result<(RxOutputs, TxOutputs)> {
        rising_edge!(self, |dut: &Uart<D>| (
            RxOutputs {
                data: dut.rx_data.val().to_u16(),
                valid: dut.rx_valid.val(),
                framing_error: dut.rx_framing_error.val(),
                parity_error: dut.rx_parity_error.val(),
                break_detected: dut.rx_break.val(),
                overrun: dut.rx_overrun.val(),
            },
            TxOutputs {
                tx: dut.tx.val(),
                ready: dut.tx_ready.val(),
                busy: dut.tx_busy.val(),
            }
        ))
    }
}

/// The values on the settings ports of a run-time configurable core.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SettingsPorts {
    /// `increment`: round(baud × oversample × 2^20 / clock_hz).
    pub increment: u32,
    /// `data_bits`.
    pub data_bits: u8,
    /// `parity`: 0 none, 1 even, 2 odd, 3 mark, 4 space.
    pub parity: u8,
    /// `two_stop_bits`.
    pub two_stop_bits: bool,
}

impl SettingsPorts {
    /// The port values that select `config` (its clock and oversample must be the core's).
    pub fn of(config: &UartConfig) -> Result<Self> {
        Ok(Self {
            increment: crate::config::cfg_increment(
                config.clock_hz,
                config.baud,
                config.oversample,
            )?,
            data_bits: config.data_bits as u8,
            parity: config.parity.code(),
            two_stop_bits: config.stop_bits == 2,
        })
    }
}

/// The run-time configurable combined UART (`uart_cfg`), driven a cycle at a time.
pub struct CfgBench<const D: usize> {
    /// The design under test.
    pub dut: UartCfg<D>,
    /// Cycles simulated so far.
    pub cycle: u64,
    vcd: Option<VcdStream>,
}

impl<const D: usize> CfgBench<D> {
    /// A bench around a fresh core with `timing`'s oversample rate; an `Err` when `D`
    /// cannot carry its data bits.
    pub fn new(timing: &Timing) -> Result<Self> {
        let mut dut = UartCfg::<D>::new(timing)?;
        dut.connect_all();
        Ok(Self {
            dut,
            cycle: 0,
            vcd: None,
        })
    }

    tracing!();

    /// Applies a cycle's inputs and settings; returns `tx_ready`, which depends on them.
    pub fn apply(&mut self, inputs: &UartInputs, settings: &SettingsPorts) -> Result<bool> {
        apply_inputs!(
            self,
            rx = inputs.rx,
            rx_ready = inputs.rx_ready,
            tx_data = (inputs.tx_data as u64).to_bits(),
            tx_valid = inputs.tx_valid,
            tx_break_line = inputs.tx_break_line,
            reset = inputs.reset,
            increment = (settings.increment as u64).to_bits(),
            data_bits = (settings.data_bits as u64).to_bits(),
            parity = (settings.parity as u64).to_bits(),
            two_stop_bits = settings.two_stop_bits,
        )?;
        Ok(self.dut.tx_ready.val())
    }

    /// The rising edge; the outputs after it.
    pub fn edge(&mut self) -> Result<(RxOutputs, TxOutputs)> {
        rising_edge!(self, |dut: &UartCfg<D>| (
            RxOutputs {
                data: dut.rx_data.val().to_u16(),
                valid: dut.rx_valid.val(),
                framing_error: dut.rx_framing_error.val(),
                parity_error: dut.rx_parity_error.val(),
                break_detected: dut.rx_break.val(),
                overrun: dut.rx_overrun.val(),
            },
            TxOutputs {
                tx: dut.tx.val(),
                ready: dut.tx_ready.val(),
                busy: dut.tx_busy.val(),
            }
        ))
    }
}
