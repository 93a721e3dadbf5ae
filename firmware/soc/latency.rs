//! The SoC's interrupt latency measured from the line: clocks from the centre of a received
//! frame's stop bit to the CPU's read of `RXDATA` that takes the frame's byte.
//!
//! How it is measured ([`measure`]): the SoC's Verilog (the virtual board's, the program in
//! its RAM) runs in Verilator with a [`BusProbe`] on the SoC's RXDATA read strobe
//! (the fabric's `rxdata_read`, which the SoC has for its own latency probe) and the CPU's read data.
//! This module is the PC: it types into `usb_rx` 8N1 frames at the firmware's baud, sent
//! by the line model's [`SerialDriver`] (no jitter or baud error), so it knows the clock
//! of every bit; it reads `usb_tx` with the line model's [`LineMonitor`], so every reply
//! of the monitor is checked.
//!
//! - The stop bit's centre of a frame whose start bit is low from clock `s` on is the
//!   instant `s + (1 + data bits + parity bits + 1/2) · T`, with `T = clock / baud` clocks:
//!   reported as the clock it falls in.
//! - A read's clock is the first clock its request is on the bus (the probe's strobe).
//! - One lone byte at a time: after `echo N` each byte comes after a random idle gap of
//!   [`GAP_BITS`] bit times (seeded), long enough for the previous byte's interrupt, echo
//!   and (with [`Trigger::Timeout`]) RX timeout to be over, so each byte meets an idle SoC:
//!   the CPU polling its RX ring in `uart_getc`, nothing pending.
//! - The handler's read of frame `i` is the first read after its stop bit's centre that
//!   returns a valid byte; it must hold frame `i`'s byte and be the only valid read before
//!   the next frame's centre ([`pair_reads`], which refuses anything else: the measurement
//!   is then not well defined). The bytes are distinct, so a read cannot be taken for
//!   another frame's.
//! - [`Trigger`] says what raises the interrupt: the driver as shipped (RX watermark 8, RX
//!   timeout 2 characters), where a lone byte waits for the RX timeout; or, set with two
//!   `poke`s, RX watermark 1 and no RX timeout, where the byte's own stop bit does.
//!
//! [`latency_bound`] derives from first principles (no measured figure) the window every
//! latency must fall in: the hardware's path from the line to `irq`, PicoRV32's longest
//! instruction through its Wishbone adapter, and the number of instructions from the
//! interrupt entry to the first RXDATA read, counted in the compiled program.

use super::program::{build_program, Program};
use super::UART_BASE;
use crate::config::UartConfig;
use crate::firmware::{soc_sim_verilog, Firmware};
use crate::host::model::{default_work_dir, BoardModel, BusProbe, ModelProcess, ProbeRead, Run};
use crate::periph::regs::c_header;
use crate::sim::line::{LineFormat, LineMonitor, LineParity, MonitorEvent, SerialDriver};
use crate::tools::{Progress, Step, Toolchain};
use anyhow::{bail, ensure, Context, Result};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Idle bit times before each measured byte (uniform, fractional: the byte's phase against
/// the CPU's polling loop varies). The shortest gap leaves a lone byte's RX timeout (2
/// characters, 20 bit times, see `sw/uart/uart.c`) and its echo (10 bit times) over with
/// room to spare; the longest keeps the run short.
pub const GAP_BITS: (f64, f64) = (30.0, 45.0);

/// PicoRV32's most clocks for one instruction on a memory that answers in the clock of the
/// request: 14, a shift by 31 (its README, "Cycles per Instruction Performance", with the
/// default `ENABLE_REGS_DUALPORT` and `TWO_STAGE_SHIFT`; every other RV32I instruction
/// takes 3 to 6).
pub const PICORV32_MAX_CPI: u64 = 14;

/// Clocks `picorv32_wb` adds to one memory transaction over such a memory, besides the
/// slave's own wait: one to raise `stb` from the core's request (state IDLE), one to turn
/// `ack` into the core's `mem_ready` (WBSTART), one in WBEND before the next request is
/// taken (its source, `picorv32.v`).
pub const WISHBONE_ADAPTER_CLOCKS: u64 = 3;

/// The slowest slave's answer in the SoC: the UART's read, 3 clocks (`firmware/soc.rs`:
/// RAM and system registers answer in 1, the UART a write in 2, a read in 3).
pub const SLOWEST_SLAVE_CLOCKS: u64 = 3;

/// An upper bound on the clocks of any one instruction of the program: the longest
/// instruction plus two bus transactions (its fetch and a load or store), each at the
/// slowest slave.
pub const MAX_CLOCKS_PER_INSTRUCTION: u64 =
    PICORV32_MAX_CPI + 2 * (WISHBONE_ADAPTER_CLOCKS + SLOWEST_SLAVE_CLOCKS);

/// Clocks from the receiver's stop-bit decision to the CPU seeing `irq`, bounded: the
/// input synchroniser (2), then receiver → RX FIFO → level → event → pending → `irq` →
/// PicoRV32's `irq_pending` register, each at most 2 (16 in all).
pub const HARDWARE_CLOCKS: u64 = 16;

/// The functions on the path from the interrupt entry to the first RXDATA read, in call
/// order: the entry stub in `sw/start.S` (from `irq_entry` to `reset`), `soc_irq`
/// (`sw/monitor/monitor.c`), `uart_irq_handler`, `collect_overflow` and `rx_drain`
/// (`sw/uart/uart.c`). None of them loops before that read (`rx_drain`'s loop reads
/// RXDATA in its first pass), so each instruction of theirs runs at most once on the path;
/// a function the compiler inlined is counted in its caller's size.
pub const PATH_FUNCTIONS: &[&str] = &[
    "soc_irq",
    "uart_irq_handler",
    "collect_overflow",
    "rx_drain",
];

/// The program's symbol reader (Debian package `binutils-riscv64-unknown-elf`, pulled in
/// by the compiler).
pub const NM: &str = "riscv64-unknown-elf-nm";

/// Bound on one `nm` run (a hang guard: it takes milliseconds).
const NM_TIMEOUT: Duration = Duration::from_secs(60);

/// What raises the interrupt for a lone byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Trigger {
    /// The driver as shipped (`sw/uart/uart.c`): RX watermark 8 and the RX timeout, so a
    /// lone byte raises the RX timeout after 2 character times of quiet.
    Timeout,
    /// `poke`s set WATERMARK.RX to 1 and RX_TIMEOUT.CHARS to 0: the byte's own arrival
    /// (its stop bit) raises RX_WATERMARK.
    Watermark,
}

impl Trigger {
    /// The name in figures and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Trigger::Timeout => "rx-timeout",
            Trigger::Watermark => "rx-watermark-1",
        }
    }
}

/// The window every latency must fall in, and how it was derived.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LatencyBound {
    /// Fewest clocks (the RX timeout's shortest wait; 0 for the watermark).
    pub min: u64,
    /// Most clocks.
    pub max: u64,
    /// Instructions from the interrupt entry to the first RXDATA read, at most (counted in
    /// the program).
    pub path_instructions: u64,
    /// The derivation in words.
    pub how: String,
}

/// Instructions on the interrupt path ([`PATH_FUNCTIONS`]) in the linked program `elf`,
/// from its symbol table (`nm`, bounded): each function's size over 4 (RV32I, no
/// compressed instructions), plus the entry stub from `irq_entry` to `reset`.
pub fn path_instructions(elf: &Path, tools: &Toolchain) -> Result<u64> {
    let dir = elf.parent().context("the program has no folder")?;
    let log = dir.join("nm.log");
    tools.locate(NM).with_context(|| {
        format!(
            "{NM} not found: it comes with Debian's RISC-V compiler; install it with \
             `sudo apt-get install -y gcc-riscv64-unknown-elf` (or run `make tools`)"
        )
    })?;
    let step = Step::new(
        NM,
        &[OsStr::new("-S"), elf.as_os_str()],
        dir,
        &log,
        NM_TIMEOUT,
    );
    let text = tools.run(&step)?.check()?.log_text()?;
    symbol_path_instructions(&text)
}

/// [`path_instructions`] from `nm -S` output.
pub fn symbol_path_instructions(nm: &str) -> Result<u64> {
    // Lines: "address [size] type name".
    let mut address = std::collections::HashMap::new();
    let mut size = std::collections::HashMap::new();
    for line in nm.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let hex = |w: &str| u64::from_str_radix(w, 16).ok();
        match words.as_slice() {
            [a, s, _, name] => {
                if let (Some(a), Some(s)) = (hex(a), hex(s)) {
                    address.insert(name.to_string(), a);
                    size.insert(name.to_string(), s);
                }
            }
            [a, _, name] => {
                if let Some(a) = hex(a) {
                    address.insert(name.to_string(), a);
                }
            }
            _ => {}
        }
    }
    let (Some(entry), Some(reset)) = (address.get("irq_entry"), address.get("reset")) else {
        bail!("the program has no irq_entry or reset symbol (sw/start.S changed?)");
    };
    ensure!(reset > entry, "sw/start.S: reset must follow irq_entry");
    let mut bytes = reset - entry;
    for name in ["soc_irq", "uart_irq_handler"] {
        ensure!(
            size.contains_key(name),
            "the program has no sized symbol {name}: the latency bound counts its instructions"
        );
    }
    for name in PATH_FUNCTIONS {
        bytes += size.get(*name).copied().unwrap_or(0);
    }
    Ok(bytes / 4)
}

/// The value of `#define NAME VALUE[u]` in C text.
fn c_define(text: &str, name: &str) -> Result<u64> {
    text.lines()
        .find_map(|l| {
            let mut w = l.split_whitespace();
            (w.next() == Some("#define") && w.next() == Some(name)).then(|| w.next())?
        })
        .and_then(|v| {
            let v = v.trim_end_matches('u');
            match v.strip_prefix("0x") {
                Some(h) => u64::from_str_radix(h, 16).ok(),
                None => v.parse().ok(),
            }
        })
        .with_context(|| format!("no `#define {name}` with a number"))
}

/// The driver's own settings (`sw/uart/uart.c`): RX timeout in characters, TX watermark.
fn driver_settings() -> Result<(u64, u64)> {
    let path = super::program::sw_dir()?.join("uart").join("uart.c");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok((
        c_define(&text, "RX_TIMEOUT_CHARS")?,
        c_define(&text, "TX_WATERMARK")?,
    ))
}

/// The window for `trigger` at `config` (the SoC's UART configuration), with
/// `path_instructions` from the program ([`path_instructions`]):
/// - hardware: [`HARDWARE_CLOCKS`] plus two sample periods (the receiver decides the stop
///   bit with a 3-sample vote around its centre, the last sample a period after it, and
///   its sample grid starts within a period of the edge);
/// - CPU: the interrupted instruction, the interrupt entry (taken as one instruction) and
///   the path, each at most [`MAX_CLOCKS_PER_INSTRUCTION`];
/// - RX timeout: it fires between CHARS · F − 1 and CHARS · F bit times (F bits a frame)
///   plus 2 clocks after the byte entered the FIFO (`RX_TIMEOUT.CHARS`'s definition),
///   with the UART's bit time within 100 ppm of the nominal one (its phase accumulator).
pub fn latency_bound(
    config: &UartConfig,
    trigger: Trigger,
    path_instructions: u64,
    timeout_chars: u64,
) -> Result<LatencyBound> {
    config.validate()?;
    let bit = config.clock_hz as f64 / config.baud as f64;
    let sample = (bit / f64::from(config.oversample)).ceil() as u64;
    let hardware = HARDWARE_CLOCKS + 2 * sample;
    let cpu = (path_instructions + 2) * MAX_CLOCKS_PER_INSTRUCTION;
    let frame_bits = u64::from(config.frame_bits());
    let (min, wait, how_wait) = match trigger {
        Trigger::Watermark => (0, 0, String::new()),
        Trigger::Timeout => {
            ensure!(timeout_chars > 0, "the driver's RX timeout is off");
            let bits = timeout_chars * frame_bits;
            let min = ((bits - 1) as f64 * bit * (1.0 - 1e-4)).floor() as u64;
            let max = (bits as f64 * bit * (1.0 + 1e-4)).ceil() as u64 + 2;
            (
                min,
                max,
                format!(
                    "RX timeout {timeout_chars} x {frame_bits} bits: {min}..{max} clocks, then "
                ),
            )
        }
    };
    let max = wait + hardware + cpu;
    Ok(LatencyBound {
        min,
        max,
        path_instructions,
        how: format!(
            "{how_wait}hardware {HARDWARE_CLOCKS} + 2 x {sample} (sample period) clocks, CPU \
             ({path_instructions} path instructions + the interrupted one + the entry) x \
             {MAX_CLOCKS_PER_INSTRUCTION} clocks = {max} clocks at most"
        ),
    })
}

/// Pairs each frame with the handler's read of its byte (see the module's notes) and
/// returns the latencies: `stop_centres[i]` is frame `i`'s stop-bit centre, `bytes[i]` its
/// byte, `reads` every RXDATA read in order; `valid_mask` and `data_mask` are RXDATA's
/// VALID and DATA fields. An error names the frame whose read is missing, wrong or
/// doubled.
pub fn pair_reads(
    stop_centres: &[u64],
    bytes: &[u8],
    reads: &[ProbeRead],
    valid_mask: u32,
    data_mask: u32,
) -> Result<Vec<u64>> {
    ensure!(
        stop_centres.len() == bytes.len(),
        "{} stop bits for {} bytes",
        stop_centres.len(),
        bytes.len()
    );
    let mut latencies = Vec::with_capacity(bytes.len());
    for (i, (&centre, &byte)) in stop_centres.iter().zip(bytes).enumerate() {
        let end = stop_centres.get(i + 1).copied().unwrap_or(u64::MAX);
        let valid: Vec<&ProbeRead> = reads
            .iter()
            .filter(|r| r.start > centre && r.start <= end && r.word & valid_mask != 0)
            .collect();
        let Some(first) = valid.first() else {
            bail!("frame {i} (byte {byte:#04x}, stop bit's centre at clock {centre}): no RXDATA read returned a byte before the next frame's");
        };
        let got = (first.word & data_mask) as u8;
        ensure!(
            got == byte,
            "frame {i} (byte {byte:#04x}, stop bit's centre at clock {centre}): the first \
             read after it (clock {}) returned {got:#04x}, another frame's byte",
            first.start
        );
        ensure!(
            valid.len() == 1,
            "frame {i} (byte {byte:#04x}): {} reads returned a byte before the next frame's \
             stop bit: one frame, one byte",
            valid.len()
        );
        latencies.push(first.start - centre);
    }
    Ok(latencies)
}

/// One measurement's settings.
#[derive(Clone, Debug)]
pub struct LatencyOptions {
    /// The firmware's baud (its power-up setting; the SoC's clock is [`super::SOC_CLOCK_HZ`]).
    pub baud: u64,
    /// What raises the interrupt.
    pub trigger: Trigger,
    /// Bytes measured (at most 256: they are distinct).
    pub bytes: usize,
    /// Seed of the bytes and gaps.
    pub seed: u64,
    /// Where the probed model is built (reused when nothing changed; see
    /// [`probe_work_dir`]).
    pub work_dir: PathBuf,
}

/// The default folder of the probed model for `baud`, under the crate's folder `root`:
/// the board model's folder (`firmware/build/vboard-soc-…`) with `-probe` appended.
pub fn probe_work_dir(root: &Path, baud: u64) -> Result<PathBuf> {
    let config = Firmware::Soc.uart_config(&UartConfig {
        baud,
        ..UartConfig::default()
    })?;
    let mut dir = default_work_dir(root, Firmware::Soc, &config).into_os_string();
    dir.push("-probe");
    Ok(PathBuf::from(dir))
}

/// RXDATA's VALID and DATA masks, from the peripheral's C header.
pub fn rxdata_masks() -> Result<(u32, u32)> {
    let header = c_header();
    Ok((
        c_define(&header, "UART_RXDATA_VALID_MASK")? as u32,
        c_define(&header, "UART_RXDATA_DATA_MASK")? as u32,
    ))
}

/// One measurement's result.
#[derive(Clone, Debug, Serialize)]
pub struct LatencyRun {
    /// The firmware's baud.
    pub baud: u64,
    /// What raised the interrupt.
    pub trigger: Trigger,
    /// The seed.
    pub seed: u64,
    /// The bytes sent, in order.
    pub bytes: Vec<u8>,
    /// Each frame's stop-bit centre (clock).
    pub stop_centres: Vec<u64>,
    /// Every RXDATA read from `echo N` on.
    #[serde(skip)]
    pub reads: Vec<ProbeRead>,
    /// Clocks from each frame's stop-bit centre to the handler's read of its byte.
    pub latencies: Vec<u64>,
    /// The window derived from first principles.
    pub bound: LatencyBound,
}

impl LatencyRun {
    /// Smallest, median (the lower middle one) and largest latency.
    pub fn min_median_max(&self) -> (u64, u64, u64) {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        if sorted.is_empty() {
            return (0, 0, 0);
        }
        (
            sorted[0],
            sorted[(sorted.len() - 1) / 2],
            sorted[sorted.len() - 1],
        )
    }
}

/// The probe on the SoC's RXDATA reads: its own latency probe's strobe (`SocFabric`'s
/// `rxdata_read`: a read request of RXDATA on the CPU's bus) and the CPU's read data (the
/// fabric's `cpu_dat_r`), both where the fabric computes them.
pub fn rxdata_probe() -> BusProbe {
    BusProbe {
        strobe: "fabric.rxdata_read".into(),
        data: "fabric.cpu_dat_r".into(),
    }
}

/// The PC's side of the line in simulated time.
struct Line {
    process: ModelProcess,
    /// Clocks run (the model's cycle count).
    now: u64,
    bit: f64,
    tx: bool,
    monitor: LineMonitor,
    text: Vec<u8>,
    reads: Vec<ProbeRead>,
    /// The PC's transmitter: its own clock counts only the clocks of the frames it sent.
    driver: SerialDriver,
}

impl Line {
    fn run(&mut self, runs: &[Run]) -> Result<()> {
        let total: u64 = runs.iter().map(|r| r.cycles).sum();
        self.process.send(runs)?;
        let mut changes = Vec::new();
        let end = self.process.receive(&mut changes)?;
        ensure!(
            end == self.now + total,
            "the model ran {end} cycles, not {}",
            self.now + total
        );
        let mut clock = self.now;
        for change in changes {
            if let crate::host::model::PinChange::Tx { cycle, level } = change {
                while clock < cycle {
                    self.monitor.push(self.tx);
                    clock += 1;
                }
                self.tx = level;
            }
        }
        while clock < end {
            self.monitor.push(self.tx);
            clock += 1;
        }
        self.now = end;
        for event in self.monitor.take_events() {
            match event {
                MonitorEvent::Frame {
                    data,
                    stop_ok: true,
                    parity_ok: true,
                    ..
                } => self.text.push(data as u8),
                other => bail!("the SoC sent a bad frame: {other:?}"),
            }
        }
        self.reads.extend(self.process.take_probe_reads());
        Ok(())
    }

    fn idle(&mut self, clocks: u64) -> Result<()> {
        if clocks == 0 {
            return Ok(());
        }
        self.run(&[Run {
            cycles: clocks,
            usb_rx: true,
            rst_n: true,
        }])
    }

    /// One frame from now, as the line model's [`SerialDriver`] sends it; returns its stop
    /// bit's centre (the clock it falls in).
    fn frame(&mut self, byte: u8) -> Result<u64> {
        // The driver has sent everything queued before, so the frame starts on a whole
        // clock of the driver's own count, which is the model's `now`: bit k is on the line
        // from the first clock at or after start + k T.
        ensure!(self.driver.is_done(), "a frame queued behind another");
        self.driver.frame(u16::from(byte));
        let mut runs: Vec<Run> = Vec::new();
        for _ in 0..self.driver.clocks_queued() {
            let level = self.driver.next_level();
            match runs.last_mut() {
                Some(run) if run.usb_rx == level => run.cycles += 1,
                _ => runs.push(Run {
                    cycles: 1,
                    usb_rx: level,
                    rst_n: true,
                }),
            }
        }
        let centre = self.now + (9.5 * self.driver.bit_clocks()).floor() as u64;
        self.run(&runs)?;
        Ok(centre)
    }

    /// Runs idle until the text the SoC sent ends with `want`, for at most `max_bits` bit
    /// times.
    fn wait_for(&mut self, want: &[u8], max_bits: f64) -> Result<()> {
        let chunk = (self.bit * 10.0).ceil() as u64;
        let mut left = (max_bits * self.bit).ceil() as u64;
        while !self.text.ends_with(want) {
            ensure!(
                left > 0,
                "the SoC did not answer {:?} (it sent {:?})",
                String::from_utf8_lossy(want),
                String::from_utf8_lossy(&self.text)
            );
            let step = chunk.min(left);
            self.idle(step)?;
            left -= step;
        }
        Ok(())
    }

    /// Types `line` and a CR, a bit time between characters, then waits for the monitor's
    /// echo of the line and `reply` after it.
    fn command(&mut self, line: &str, reply: &str) -> Result<()> {
        self.text.clear();
        for b in line.bytes().chain(std::iter::once(b'\r')) {
            self.frame(b)?;
            self.idle(self.bit.ceil() as u64)?;
        }
        // The whole text: the reply alone could match the line's own echo (`echo N`).
        self.wait_for(format!("{line}\r\n{reply}").as_bytes(), 200.0)
            .with_context(|| format!("after typing {line:?}"))
    }
}

/// Measures the latency ([`LatencyRun`]); see the module's notes.
pub fn measure(options: &LatencyOptions) -> Result<LatencyRun> {
    ensure!(
        (1..=256).contains(&options.bytes),
        "bytes {}: 1 to 256 (each byte value once)",
        options.bytes
    );
    let board_config = UartConfig {
        baud: options.baud,
        ..UartConfig::default()
    };
    let config = Firmware::Soc.uart_config(&board_config)?;
    let timing = config.validate()?;
    ensure!(
        config.data_bits == 8
            && config.parity == crate::config::Parity::None
            && config.stop_bits == 1,
        "the latency is measured with 8N1 frames"
    );
    let tools = Toolchain::from_env().with_progress(Progress::Quiet);
    // Compiled here, into the model's folder: the bound counts instructions in the very
    // program the model runs.
    let program: Program = build_program(&options.work_dir.join("program"))?;
    let instructions = path_instructions(&program.elf, &tools)?;
    let (timeout_chars, tx_watermark) = driver_settings()?;
    let bound = latency_bound(&config, options.trigger, instructions, timeout_chars)?;

    let (verilog, top) = soc_sim_verilog(&board_config, &program.words)?;
    let model = BoardModel::build_verilog_probed(
        &verilog,
        &top,
        Firmware::Soc.name(),
        &config,
        &options.work_dir,
        &Toolchain::from_env(),
        Some(&rxdata_probe()),
    )?;
    let process = model.spawn()?;
    let bit = config.clock_hz as f64 / config.baud as f64;
    let format = LineFormat {
        clock_hz: config.clock_hz as f64,
        baud: timing.tx_baud,
        data_bits: 8,
        parity: LineParity::None,
        stop_bits: 1,
    };
    // As the virtual board's: an eighth of a bit, at least 2 clocks (see vboard.rs).
    let tolerance = (bit / 8.0).max(2.0).min(bit / 2.0 - 0.01);
    let tx = process.tx();
    let mut line = Line {
        process,
        now: 0,
        bit,
        tx,
        monitor: LineMonitor::new(format, tolerance).restarts_beyond(tolerance / 2.0),
        text: Vec::new(),
        reads: Vec::new(),
        // The PC sends at the nominal baud; the SoC's own is the configuration's rounding.
        driver: SerialDriver::new(
            LineFormat {
                baud: config.baud as f64,
                ..format
            },
            options.seed,
        ),
    };
    // The banner and the first prompt.
    line.wait_for(b"> ", 2000.0)
        .context("no banner and prompt after power-up")?;
    let header = c_header();
    let uart = |name: &str| -> Result<u64> { Ok(u64::from(UART_BASE) + c_define(&header, name)?) };
    if options.trigger == Trigger::Watermark {
        line.command(
            &format!(
                "poke {:#x} {:#x}",
                uart("UART_WATERMARK")?,
                (tx_watermark << c_define(&header, "UART_WATERMARK_TX_SHIFT")?)
                    | (1 << c_define(&header, "UART_WATERMARK_RX_SHIFT")?)
            ),
            "ok\r\n> ",
        )?;
        line.command(
            &format!("poke {:#x} 0", uart("UART_RX_TIMEOUT")?),
            "ok\r\n> ",
        )?;
    }
    let echo = format!("echo {}", options.bytes);
    line.command(&echo, &format!("{echo}\r\n"))?;
    line.reads.clear();
    line.text.clear();

    let mut rng = StdRng::seed_from_u64(options.seed);
    let mut values: Vec<u8> = (0..=255).collect();
    values.shuffle(&mut rng);
    let bytes: Vec<u8> = values[..options.bytes].to_vec();
    let mut stop_centres = Vec::with_capacity(bytes.len());
    for &byte in &bytes {
        let gap = rng.gen_range(GAP_BITS.0..GAP_BITS.1);
        line.idle((gap * bit).round() as u64)?;
        stop_centres.push(line.frame(byte)?);
    }
    let mut tail = bytes.clone();
    tail.extend_from_slice(b"\r\n> ");
    line.wait_for(b"\r\n> ", GAP_BITS.1 + 200.0)
        .context("the echo did not end with a prompt")?;
    ensure!(
        line.text == tail,
        "the echo returned {:?}, not the bytes sent",
        String::from_utf8_lossy(&line.text)
    );
    let reads = std::mem::take(&mut line.reads);
    line.process.stop(Duration::from_secs(2))?;
    let (valid, data) = rxdata_masks()?;
    let latencies = pair_reads(&stop_centres, &bytes, &reads, valid, data)?;
    Ok(LatencyRun {
        baud: options.baud,
        trigger: options.trigger,
        seed: options.seed,
        bytes,
        stop_centres,
        reads,
        latencies,
        bound,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_defines_are_read_with_their_suffix() {
        let text = "#define A 0x30u\n#define B 12u\n #define C x\n";
        assert_eq!(c_define(text, "A").unwrap(), 0x30);
        assert_eq!(c_define(text, "B").unwrap(), 12);
        assert!(c_define(text, "C").is_err());
        assert!(c_define(text, "D").is_err());
    }

    #[test]
    fn the_path_is_counted_from_the_symbol_table() {
        let nm = "00000010 t irq_entry\n000000a8 t reset\n00000d60 0000005c T soc_irq\n\
                  00000568 0000007c T uart_irq_handler\n000001a4 000000fc t rx_drain\n\
                  00000324 0000000c T uart_stats\n";
        // (0xa8 - 0x10 + 0x5c + 0x7c + 0xfc) / 4, uart_stats not on the path.
        assert_eq!(
            symbol_path_instructions(nm).unwrap(),
            (0x98 + 0x5c + 0x7c + 0xfc) / 4
        );
        assert!(symbol_path_instructions("00000010 t irq_entry\n").is_err());
    }

    #[test]
    fn reads_pair_with_their_own_frame_only() {
        let valid = 0x8000_0000;
        let read = |start, byte: u8| ProbeRead {
            start,
            word: valid | u32::from(byte),
        };
        let empty = |start| ProbeRead { start, word: 0 };
        let centres = [1000, 5000];
        let bytes = [0x41, 0x42];
        let reads = [
            empty(10),
            read(1600, 0x41),
            empty(1700),
            read(5700, 0x42),
            empty(5800),
        ];
        assert_eq!(
            pair_reads(&centres, &bytes, &reads, valid, 0xff).unwrap(),
            vec![600, 700]
        );
        // The second byte paired with the first frame's stop bit: the read found holds the
        // other byte.
        let err = pair_reads(&[1000], &[0x42], &reads, valid, 0xff).unwrap_err();
        assert!(format!("{err}").contains("another frame's byte"), "{err}");
        // A byte read twice, or never.
        let twice = [read(1600, 0x41), read(1650, 0x41), read(5700, 0x42)];
        assert!(pair_reads(&centres, &bytes, &twice, valid, 0xff).is_err());
        let never = [read(1600, 0x41)];
        assert!(pair_reads(&centres, &bytes, &never, valid, 0xff).is_err());
    }
}
