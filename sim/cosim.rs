//! Cycle-by-cycle co-simulation: rust-hdl's own simulator against the Verilog that rust-hdl
//! exports for the same block, compiled by Verilator.
//!
//! Why: rust-hdl 0.46's Verilog can disagree with its simulator (32-bit literals, lost
//! operator precedence, ...; see shared/NOTES.md), so a design that passes every Rust test can
//! still misbehave on the FPGA. Running both on the same stimulus and comparing every output on
//! every cycle turns such a divergence into a test failure that names the cycle and the signal.
//!
//! What it guarantees:
//! - Both sides follow the same cycle: for cycle n, the inputs of cycle n are applied with the
//!   clock low and settled; rising edge, settled; every output is sampled; falling edge,
//!   settled. Before cycle 0 the block is settled once with the clock low (power-up).
//! - Every output is compared on every cycle: the Verilator side records a change list that
//!   starts with the full output vector of cycle 0, so replaying it gives each cycle's
//!   complete vector, which is compared with the Rust side's complete vector.
//! - Power-up state is the Verilog's own: `initial` blocks run, and everything they leave
//!   unset starts at zero (`--x-initial 0`), which is also rust-hdl's default for every
//!   signal. Nothing is randomised, so runs are reproducible.
//! - Memory does not grow with the length of a run: a stimulus is stored as runs (one varint
//!   record per change of the input vector, holding only the inputs that changed) and
//!   streamed to the Verilator harness through a file; the harness writes the outputs as a
//!   varint change list to a file that [`cosimulate`] reads while the Rust side runs.
//!   ([`VerilatedModel::run`] returns that list in memory, for callers that want it.)
//! - On the first mismatch an error ([`Mismatch`], reachable with `downcast_ref`) names the
//!   cycle, the signal and both values, and both sides' VCDs are written to the artefacts
//!   directory (also written for a passing run when `UART_VCD` is set).
//! - Values are `u64` masked to the port width; ports are 1 to 64 bits wide.

use super::vcd::VcdStream;
use crate::tools::{OutputWithin, SIM_TOOL_HANG_GUARD};
use anyhow::{anyhow, bail, ensure, Context, Result};
use rust_hdl::core::block::Block;
use rust_hdl::core::simulate::simulate;
use std::fmt;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Iterations `simulate` may take to settle after one change; more means a combinational loop.
pub const MAX_SETTLE_ITERATIONS: usize = 100;

/// Clock period in VCD time units (ns) on both sides: 100 MHz, the Alchitry Cu's clock.
/// Inputs change at `PERIOD * n`, the rising edge is at `PERIOD * n + PERIOD / 2`.
pub const PERIOD: u64 = 10;

/// Cycles traced after a mismatch, so the VCDs show what followed it.
const TAIL_CYCLES: u64 = 4;

const STIMULUS_MAGIC: &[u8; 8] = b"HDLSTIM1";
const TRACE_MAGIC: &[u8; 8] = b"HDLTRAC1";

/// A port of the block under test (the clock is not listed among the ports).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    pub name: String,
    pub width: usize,
}

impl Port {
    pub fn new(name: impl Into<String>, width: usize) -> Self {
        Self {
            name: name.into(),
            width,
        }
    }

    /// The bits a value of this port may have.
    pub fn mask(&self) -> u64 {
        if self.width >= 64 {
            u64::MAX
        } else {
            (1u64 << self.width) - 1
        }
    }
}

/// Adapter that lets the co-simulation drive a rust-hdl block. Implement it for the block
/// itself (`type Uut = Self`) or for a wrapper that owns it.
///
/// The driver sets the clock and settles the block itself, so that the cycle is exactly the
/// one the Verilator harness runs (see the module documentation); an implementation only
/// moves values in and out of the block's signals.
pub trait CosimDut {
    type Uut: Block;
    fn uut(&self) -> &Self::Uut;
    fn uut_mut(&mut self) -> &mut Self::Uut;
    /// Input ports in the order of `set_inputs`' values, not including the clock.
    fn inputs(&self) -> Vec<Port>;
    /// Output ports in the order of `outputs_now`' values.
    fn outputs(&self) -> Vec<Port>;
    /// Writes each input's `.next`; the driver settles afterwards.
    fn set_inputs(&mut self, values: &[u64]);
    /// Reads each output's `.val()`.
    fn outputs_now(&self) -> Vec<u64>;
    /// Writes the clock input's `.next` (`self.clock.next = high.into()`).
    fn set_clock(&mut self, high: bool);
    /// A fresh, powered-up copy of this DUT (as `new()` returns it). After a mismatch the
    /// driver replays the stimulus on it to write the Rust side's VCD; tracing the main run
    /// instead would slow every passing run. `None` (the default): no Rust VCD on mismatch
    /// unless `UART_VCD` was set for the run.
    fn replica(&self) -> Option<Self>
    where
        Self: Sized,
    {
        None
    }

    /// Propagates pending changes until the block is stable.
    fn settle(&mut self) -> Result<()> {
        settle(self.uut_mut())
    }
    fn rising_edge(&mut self) -> Result<()> {
        self.set_clock(true);
        self.settle()
    }
    fn falling_edge(&mut self) -> Result<()> {
        self.set_clock(false);
        self.settle()
    }
    /// One full clock period: rising then falling edge.
    fn clock_cycle(&mut self) -> Result<()> {
        self.rising_edge()?;
        self.falling_edge()
    }
    /// The block's Verilog with `top` as the top module's name.
    fn verilog(&mut self, top: &str) -> Result<String> {
        verilog_for(self.uut_mut(), top)
    }
}

/// `simulate` with a failure turned into an error (rust-hdl only returns `false`).
pub fn settle<B: Block>(uut: &mut B) -> Result<()> {
    ensure!(
        simulate(uut, MAX_SETTLE_ITERATIONS),
        "rust-hdl simulation did not settle within {MAX_SETTLE_ITERATIONS} iterations \
         (combinational loop or oscillation)"
    );
    Ok(())
}

/// Verilog of `uut` with the top module named `top` (`generate_verilog` always says `top`,
/// so two exports would clash) and sub-modules `top$...`: the shipped text
/// ([`crate::export::block_verilog`]), so the co-simulation checks what users get.
/// Connects the block and runs rust-hdl's checks first, returning their failure as an
/// error instead of panicking.
pub fn verilog_for<B: Block>(uut: &mut B, top: &str) -> Result<String> {
    crate::export::block_verilog(uut, top)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_varint(data: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *data.get(*pos)?;
        *pos += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// Per-cycle input values, stored as runs: one record per change of the input vector, holding
/// only the inputs that changed, in varint form. 20 M cycles of a UART line that changes
/// every hundred cycles or so take under 1 MB.
#[derive(Clone, Debug)]
pub struct Stimulus {
    ports: Vec<Port>,
    /// Completed records: `varint run_length, varint changed_mask, varint value per set bit`.
    data: Vec<u8>,
    /// Input vector as of the end of `data`.
    flushed: Vec<u64>,
    /// The run being extended; written out once the inputs change.
    pending: Vec<u64>,
    pending_len: u64,
    cycles: u64,
    records: u64,
}

impl Stimulus {
    /// An empty stimulus for `inputs` (at most 64 inputs: the record's change mask is a u64).
    pub fn new(inputs: &[Port]) -> Self {
        assert!(
            inputs.len() <= 64,
            "at most 64 inputs, got {}",
            inputs.len()
        );
        Self {
            ports: inputs.to_vec(),
            data: Vec::new(),
            flushed: vec![0; inputs.len()],
            pending: vec![0; inputs.len()],
            pending_len: 0,
            cycles: 0,
            records: 0,
        }
    }

    /// Applies `values` (masked to each port's width) for `cycles` cycles.
    pub fn hold(&mut self, values: &[u64], cycles: u64) {
        assert_eq!(
            values.len(),
            self.ports.len(),
            "stimulus has {} inputs",
            self.ports.len()
        );
        if cycles == 0 {
            return;
        }
        let same = self.pending_len > 0
            && values
                .iter()
                .zip(&self.ports)
                .zip(&self.pending)
                .all(|((v, p), q)| v & p.mask() == *q);
        if !same {
            self.flush();
            for ((slot, v), p) in self.pending.iter_mut().zip(values).zip(&self.ports) {
                *slot = v & p.mask();
            }
        }
        self.pending_len += cycles;
        self.cycles += cycles;
    }

    /// Applies `values` for one cycle.
    pub fn push(&mut self, values: &[u64]) {
        self.hold(values, 1);
    }

    fn encode_record(
        out: &mut Vec<u8>,
        previous: &[u64],
        values: &[u64],
        len: u64,
        first: bool,
    ) -> u64 {
        put_varint(out, len);
        let mut mask = 0u64;
        for (i, (p, v)) in previous.iter().zip(values).enumerate() {
            // The first record states every input so that the harness never relies on the
            // Verilated model's own power-up input values.
            if first || p != v {
                mask |= 1 << i;
            }
        }
        put_varint(out, mask);
        for (i, v) in values.iter().enumerate() {
            if mask >> i & 1 == 1 {
                put_varint(out, *v);
            }
        }
        mask
    }

    fn flush(&mut self) {
        if self.pending_len == 0 {
            return;
        }
        let first = self.records == 0;
        Self::encode_record(
            &mut self.data,
            &self.flushed,
            &self.pending,
            self.pending_len,
            first,
        );
        self.flushed.copy_from_slice(&self.pending);
        self.pending_len = 0;
        self.records += 1;
    }

    pub fn ports(&self) -> &[Port] {
        &self.ports
    }

    /// Total number of cycles.
    pub fn cycles(&self) -> u64 {
        self.cycles
    }

    /// Number of runs (input vectors that differ from the one before).
    pub fn runs(&self) -> u64 {
        self.records + u64::from(self.pending_len > 0)
    }

    /// Bytes held in memory for the runs.
    pub fn encoded_bytes(&self) -> usize {
        self.data.len()
    }

    /// Walks the runs in order.
    pub fn cursor(&self) -> StimulusCursor<'_> {
        StimulusCursor {
            stimulus: self,
            pos: 0,
            values: vec![0; self.ports.len()],
            pending_done: false,
        }
    }

    /// The first `cycles` cycles of this stimulus.
    pub fn prefix(&self, cycles: u64) -> Stimulus {
        let mut out = Stimulus::new(&self.ports);
        let mut cursor = self.cursor();
        while out.cycles < cycles {
            match cursor.next_run() {
                Some((len, _)) => out.hold(cursor.values(), len.min(cycles - out.cycles)),
                None => break,
            }
        }
        out
    }

    fn write_to(&self, w: &mut impl Write) -> std::io::Result<()> {
        let mut head = STIMULUS_MAGIC.to_vec();
        put_varint(&mut head, self.ports.len() as u64);
        w.write_all(&head)?;
        w.write_all(&self.data)?;
        let mut tail = Vec::new();
        if self.pending_len > 0 {
            Self::encode_record(
                &mut tail,
                &self.flushed,
                &self.pending,
                self.pending_len,
                self.records == 0,
            );
        }
        put_varint(&mut tail, 0);
        w.write_all(&tail)
    }
}

/// Reads a [`Stimulus`] run by run.
pub struct StimulusCursor<'a> {
    stimulus: &'a Stimulus,
    pos: usize,
    values: Vec<u64>,
    pending_done: bool,
}

impl StimulusCursor<'_> {
    /// The next run: its length in cycles and whether its inputs differ from the previous
    /// run's; [`StimulusCursor::values`] then holds its inputs. `None` after the last run.
    pub fn next_run(&mut self) -> Option<(u64, bool)> {
        let s = self.stimulus;
        if self.pos < s.data.len() {
            // `data` was encoded by this module; a decoding failure would be a bug here.
            let len = get_varint(&s.data, &mut self.pos).expect("stimulus run length");
            let mask = get_varint(&s.data, &mut self.pos).expect("stimulus change mask");
            for (i, slot) in self.values.iter_mut().enumerate() {
                if mask >> i & 1 == 1 {
                    *slot = get_varint(&s.data, &mut self.pos).expect("stimulus value");
                }
            }
            return Some((len, mask != 0));
        }
        if self.pending_done || s.pending_len == 0 {
            return None;
        }
        self.pending_done = true;
        let changed = s.records == 0 || self.values != s.pending;
        self.values.copy_from_slice(&s.pending);
        Some((s.pending_len, changed))
    }

    pub fn values(&self) -> &[u64] {
        &self.values
    }
}

/// One output change recorded by the Verilator side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    pub cycle: u64,
    pub output: usize,
    pub value: u64,
}

/// Outputs of a Verilator run, as a change list: every output at cycle 0, then each later
/// change. Replaying it gives every output on every cycle.
#[derive(Clone, Debug)]
pub struct Trace {
    outputs: Vec<Port>,
    cycles: u64,
    changes: u64,
    /// Records `varint cycle_delta, varint output, varint value`, trailer stripped.
    data: Vec<u8>,
}

impl Trace {
    fn parse(outputs: &[Port], bytes: Vec<u8>) -> Result<Self> {
        let mut reader = TraceReader::new(bytes.as_slice(), outputs)?;
        let cycles = loop {
            if let TraceItem::End { cycles } = reader.next()? {
                break cycles;
            }
        };
        let (start, end, changes) = (TRACE_MAGIC.len(), reader.trailer_at, reader.changes);
        let mut data = bytes;
        data.truncate(end);
        data.drain(..start);
        Ok(Self {
            outputs: outputs.to_vec(),
            cycles,
            changes,
            data,
        })
    }

    pub fn outputs(&self) -> &[Port] {
        &self.outputs
    }

    /// Cycles run.
    pub fn cycles(&self) -> u64 {
        self.cycles
    }

    /// Changes recorded, the initial vector included.
    pub fn change_count(&self) -> u64 {
        self.changes
    }

    pub fn encoded_bytes(&self) -> usize {
        self.data.len()
    }

    pub fn changes(&self) -> TraceChanges<'_> {
        TraceChanges {
            data: &self.data,
            pos: 0,
            cycle: 0,
        }
    }

    /// Every output's value at `cycle` (replays the change list).
    pub fn values_at(&self, cycle: u64) -> Vec<u64> {
        let mut values = vec![0; self.outputs.len()];
        for c in self.changes().take_while(|c| c.cycle <= cycle) {
            values[c.output] = c.value;
        }
        values
    }
}

pub struct TraceChanges<'a> {
    data: &'a [u8],
    pos: usize,
    cycle: u64,
}

impl Iterator for TraceChanges<'_> {
    type Item = Change;
    fn next(&mut self) -> Option<Change> {
        // The data was validated by `Trace::parse`.
        let delta = get_varint(self.data, &mut self.pos)?;
        let output = get_varint(self.data, &mut self.pos)? as usize;
        let value = get_varint(self.data, &mut self.pos)?;
        self.cycle += delta;
        Some(Change {
            cycle: self.cycle,
            output,
            value,
        })
    }
}

enum TraceItem {
    Change(Change),
    End { cycles: u64 },
}

/// Reads and validates a trace as a stream, so that a co-simulation never holds more of it
/// than a buffer, however many cycles it covers.
struct TraceReader<'p, R: Read> {
    input: R,
    outputs: &'p [Port],
    /// Bytes consumed, and where the trailer record started (for [`Trace::parse`]).
    consumed: usize,
    trailer_at: usize,
    cycle: u64,
    changes: u64,
    seen_at_zero: Vec<bool>,
}

impl<'p, R: Read> TraceReader<'p, R> {
    fn new(mut input: R, outputs: &'p [Port]) -> Result<Self> {
        let mut magic = [0u8; 8];
        input
            .read_exact(&mut magic)
            .context("trace file shorter than its header")?;
        ensure!(
            &magic == TRACE_MAGIC,
            "trace file does not start with {TRACE_MAGIC:?}"
        );
        Ok(Self {
            input,
            outputs,
            consumed: magic.len(),
            trailer_at: 0,
            cycle: 0,
            changes: 0,
            seen_at_zero: vec![false; outputs.len()],
        })
    }

    fn byte(&mut self) -> Result<Option<u8>> {
        let mut b = [0u8; 1];
        loop {
            match self.input.read(&mut b) {
                Ok(0) => return Ok(None),
                Ok(_) => {
                    self.consumed += 1;
                    return Ok(Some(b[0]));
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn varint(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let Some(b) = self.byte()? else {
                bail!(
                    "trace truncated after {} changes (did the harness crash?)",
                    self.changes
                );
            };
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        bail!("malformed varint in trace")
    }

    fn next(&mut self) -> Result<TraceItem> {
        let record_start = self.consumed;
        let delta = self.varint()?;
        let output = self.varint()? as usize;
        let value = self.varint()?;
        self.cycle += delta;
        let n = self.outputs.len();
        if output == n {
            // Trailer: the number of cycles run.
            ensure!(
                value == self.cycle,
                "trace trailer says {value} cycles, its records reach cycle {}",
                self.cycle
            );
            ensure!(self.byte()?.is_none(), "trace has data after its trailer");
            ensure!(
                value == 0 || self.seen_at_zero.iter().all(|s| *s),
                "trace does not start with the full output vector"
            );
            self.trailer_at = record_start;
            return Ok(TraceItem::End { cycles: value });
        }
        ensure!(output < n, "trace names output {output} of {n}");
        ensure!(
            value & !self.outputs[output].mask() == 0,
            "trace value {value:#x} too wide for `{}`",
            self.outputs[output].name
        );
        if self.cycle == 0 {
            self.seen_at_zero[output] = true;
        }
        self.changes += 1;
        Ok(TraceItem::Change(Change {
            cycle: self.cycle,
            output,
            value,
        }))
    }
}

/// A file deleted when dropped: stimulus and trace files do not outlive their run, even
/// when the run fails.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Verilator's C++ name for a Verilog identifier (its `AstNode::encodeName`): characters
/// other than letters, digits and single underscores become `__0XX` (so `a$b` is
/// `a__024b`), and a double underscore becomes `___05F`.
fn verilator_name(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let keep = if i == 0 {
            c.is_ascii_alphabetic()
        } else {
            c.is_ascii_alphanumeric()
        };
        if keep {
            out.push(c);
        } else if c == '_' {
            if chars.get(i + 1) == Some(&'_') {
                out.push_str("___05F");
                i += 1;
            } else {
                out.push('_');
            }
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("__0{b:02X}"));
            }
        }
        i += 1;
    }
    out
}

/// A port as the Verilog declares it.
struct Declared {
    name: String,
    width: usize,
    input: bool,
}

/// The top module's ports, from rust-hdl's declaration style (`input wire  [7:0] name;`),
/// to catch an adapter that lists the wrong ports before Verilator silently drives,
/// truncates or ignores them.
fn module_ports(verilog: &str, top: &str) -> Result<Vec<Declared>> {
    let header = format!("module {top}(");
    let start = verilog
        .find(&header)
        .ok_or_else(|| anyhow!("module `{top}` not found in the Verilog"))?;
    let body = &verilog[start + header.len()..];
    let close = body
        .find(");")
        .ok_or_else(|| anyhow!("module `{top}` header not closed"))?;
    let end = body.find("endmodule").unwrap_or(body.len());
    let mut ports = Vec::new();
    for name in body[..close]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let decl = body[close..end]
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("input ") || l.starts_with("output "))
            .filter_map(|l| l.strip_suffix(';'))
            .find(|d| d.split_whitespace().last() == Some(name))
            .ok_or_else(|| anyhow!("no declaration found for port `{name}`"))?;
        let width = match (decl.find('['), decl.find(":0]")) {
            (Some(a), Some(b)) if a < b => decl[a + 1..b].trim().parse::<usize>()? + 1,
            _ => 1,
        };
        ports.push(Declared {
            name: name.to_string(),
            width,
            input: decl.starts_with("input "),
        });
    }
    Ok(ports)
}

fn check_ports(
    verilog: &str,
    top: &str,
    clock: &str,
    inputs: &[Port],
    outputs: &[Port],
) -> Result<()> {
    ensure!(
        inputs.len() <= 64,
        "at most 64 inputs (got {})",
        inputs.len()
    );
    for p in inputs.iter().chain(outputs) {
        ensure!(
            (1..=64).contains(&p.width),
            "port `{}` is {} bits wide; 1 to 64 supported",
            p.name,
            p.width
        );
    }
    let declared = module_ports(verilog, top)?;
    let clock_port = Port::new(clock, 1);
    let listed = std::iter::once((&clock_port, true))
        .chain(inputs.iter().map(|p| (p, true)))
        .chain(outputs.iter().map(|p| (p, false)));
    let names: Vec<&str> = declared.iter().map(|d| d.name.as_str()).collect();
    for (port, input) in listed {
        let Some(d) = declared.iter().find(|d| d.name == port.name) else {
            bail!(
                "`{}` is not a port of module `{top}`; its ports are {names:?}",
                port.name
            );
        };
        ensure!(
            d.width == port.width,
            "port `{}` is {} bits wide in the Verilog, {} in the port list",
            port.name,
            d.width,
            port.width
        );
        ensure!(
            d.input == input,
            "port `{}` is an {} in the Verilog",
            port.name,
            if d.input { "input" } else { "output" }
        );
    }
    for d in &declared {
        ensure!(
            d.name == clock || inputs.iter().chain(outputs).any(|p| p.name == d.name),
            "port `{}` of module `{top}` is neither the clock nor a listed input or output",
            d.name
        );
    }
    Ok(())
}

fn harness_cpp(top: &str, clock: &str, inputs: &[Port], outputs: &[Port]) -> String {
    let class = format!("V{}", verilator_name(top));
    let clk = verilator_name(clock);
    let mut set_inputs = String::new();
    for (i, p) in inputs.iter().enumerate() {
        set_inputs.push_str(&format!(
            "        if (mask >> {i} & 1) top->{} = in->value();\n",
            verilator_name(&p.name)
        ));
    }
    let mut sample = String::new();
    for (i, p) in outputs.iter().enumerate() {
        sample.push_str(&format!(
            "            {{ const uint64_t v = top->{}; if (cycle == 0 || v != prev[{i}]) {{ \
             out->change(cycle, {i}, v); prev[{i}] = v; }} }}\n",
            verilator_name(&p.name)
        ));
    }
    let n_in = inputs.len();
    let n_out = outputs.len();
    format!(
        r#"// Generated by sim/cosim.rs: co-simulation harness for module `{top}`.
// Usage: harness STIMULUS TRACE [VCD]
#include "{class}.h"
#include "verilated.h"
#if VM_TRACE
#include "verilated_vcd_c.h"
#endif
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace {{
[[noreturn]] void die(const char* what) {{
    std::fprintf(stderr, "harness: %s\n", what);
    std::exit(2);
}}

struct Reader {{
    FILE* f;
    unsigned char buf[1 << 16];
    size_t pos = 0, len = 0;
    int byte() {{
        if (pos == len) {{
            len = std::fread(buf, 1, sizeof buf, f);
            pos = 0;
            if (len == 0) die("stimulus file truncated");
        }}
        return buf[pos++];
    }}
    uint64_t value() {{
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {{
            const int b = byte();
            v |= uint64_t(b & 0x7f) << shift;
            if (!(b & 0x80)) return v;
        }}
        die("bad varint in stimulus");
    }}
}};

struct Writer {{
    FILE* f;
    unsigned char buf[1 << 16];
    size_t len = 0;
    uint64_t last_cycle = 0;
    void byte(unsigned char b) {{
        if (len == sizeof buf) flush();
        buf[len++] = b;
    }}
    void value(uint64_t v) {{
        while (v >= 0x80) {{ byte((unsigned char)(v | 0x80)); v >>= 7; }}
        byte((unsigned char)v);
    }}
    void change(uint64_t cycle, uint64_t output, uint64_t v) {{
        value(cycle - last_cycle);
        last_cycle = cycle;
        value(output);
        value(v);
    }}
    void flush() {{
        if (len && std::fwrite(buf, 1, len, f) != len) die("cannot write trace");
        len = 0;
    }}
}};
}}  // namespace

int main(int argc, char** argv) {{
    if (argc < 3) die("usage: harness STIMULUS TRACE [VCD]");
    FILE* fin = std::fopen(argv[1], "rb");
    if (!fin) die("cannot open stimulus");
    FILE* fout = std::fopen(argv[2], "wb");
    if (!fout) die("cannot open trace");
    auto in = std::make_unique<Reader>();
    in->f = fin;
    auto out = std::make_unique<Writer>();
    out->f = fout;
    char magic[8];
    for (char& c : magic) c = (char)in->byte();
    if (std::memcmp(magic, "HDLSTIM1", 8) != 0) die("not a stimulus file");
    if (in->value() != {n_in}) die("stimulus has a different number of inputs");
    for (char c : "HDLTRAC1") if (c) out->byte((unsigned char)c);

    const auto ctx = std::make_unique<VerilatedContext>();
    const bool tracing = argc > 3;
    ctx->traceEverOn(tracing);
    const auto top = std::make_unique<{class}>(ctx.get(), "{top}");
#if VM_TRACE
    std::unique_ptr<VerilatedVcdC> vcd;
    if (tracing) {{
        vcd = std::make_unique<VerilatedVcdC>();
        top->trace(vcd.get(), 99);
        vcd->open(argv[3]);
    }}
#else
    struct NoVcd {{ void dump(uint64_t) {{}} }};
    std::unique_ptr<NoVcd> vcd;
    if (tracing) die("built without --trace");
#endif
    // Power-up: clock low; the first eval runs the `initial` blocks and settles.
    top->{clk} = 0;
    top->eval();
    uint64_t prev[{n_out} + 1] = {{0}};
    uint64_t cycle = 0;
    for (;;) {{
        const uint64_t run = in->value();
        if (run == 0) break;
        const uint64_t mask = in->value();
{set_inputs}        // Inputs of this run, applied with the clock low and settled.
        if (mask) top->eval();
        for (uint64_t k = 0; k < run; ++k, ++cycle) {{
            if (vcd) vcd->dump({period} * cycle);
            top->{clk} = 1;
            top->eval();
            if (vcd) vcd->dump({period} * cycle + {half});
{sample}            top->{clk} = 0;
            top->eval();
        }}
    }}
    if (vcd) {{
        vcd->dump({period} * cycle);
#if VM_TRACE
        vcd->close();
#endif
    }}
    top->final();
    out->change(cycle, {n_out}, cycle);  // trailer: cycles run
    out->flush();
    if (std::fclose(fout) != 0) die("cannot close trace");
    std::fclose(fin);
    return 0;
}}
"#,
        period = PERIOD,
        half = PERIOD / 2,
    )
}

/// The Verilog of one block compiled by Verilator into a harness that reads a stimulus file
/// and writes a trace file.
#[derive(Debug)]
pub struct VerilatedModel {
    binary: PathBuf,
    work_dir: PathBuf,
    top: String,
    inputs: Vec<Port>,
    outputs: Vec<Port>,
    reused: bool,
}

/// Verilator options, and why:
/// - `--cc --exe --build`: C++ model plus our harness, compiled by Verilator's own make.
/// - `-O3`: all Verilator optimisations; `OPT_FAST=-O2` because Verilator's default `-Os`
///   for the model's hot code is measurably slower.
/// - `--x-assign 0 --x-initial 0`: power-up values exactly as the Verilog says. `initial`
///   blocks always run; what they leave unset (RAM contents, combinational regs before their
///   first evaluation) starts at 0, which is rust-hdl's default for every signal. The
///   alternatives `unique` (randomised) and `fast` (whatever is cheapest) would make a run
///   depend on the seed or the Verilator version.
/// - `--trace`: VCD available on demand; the harness only opens it when asked, so a run
///   without a VCD pays almost nothing for it.
/// - `--timescale 1ns/1ns`: the VCD's times are in ns like the Rust side's [`PERIOD`].
/// - `-Wno-fatal -Wno-lint -Wno-style`: rust-hdl's Verilog always triggers width and
///   unused-signal warnings; they are `lint.rs`' business and must not stop the build.
/// - `-j 1`: the machine's two cores are shared.
pub const VERILATOR_ARGS: &[&str] = &[
    "--cc",
    "--exe",
    "--build",
    "-O3",
    "--x-assign",
    "0",
    "--x-initial",
    "0",
    "--trace",
    "--timescale",
    "1ns/1ns",
    "-Wno-fatal",
    "-Wno-lint",
    "-Wno-style",
    "-j",
    "1",
    "-MAKEFLAGS",
    "OPT_FAST=-O2",
];

static RUN_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Verilator builds in one process run one at a time: two tests building the same model
/// must not write the same work dir at once (the second then finds the first's build up to
/// date), and the machine's two cores are shared anyway.
static BUILD_LOCK: Mutex<()> = Mutex::new(());

impl VerilatedModel {
    /// Writes `dut.v` and `harness.cpp` into `work_dir` and builds them with Verilator (see
    /// [`VERILATOR_ARGS`]). A build whose inputs are unchanged since the last one in the same
    /// `work_dir` is reused. Builds are serialised within a process, not across processes:
    /// give each model its own `work_dir`.
    pub fn build(
        verilog: &str,
        top: &str,
        clock: &str,
        inputs: &[Port],
        outputs: &[Port],
        work_dir: &Path,
    ) -> Result<Self> {
        Self::build_with("verilator", verilog, top, clock, inputs, outputs, work_dir)
    }

    fn build_with(
        verilator: &str,
        verilog: &str,
        top: &str,
        clock: &str,
        inputs: &[Port],
        outputs: &[Port],
        work_dir: &Path,
    ) -> Result<Self> {
        check_ports(verilog, top, clock, inputs, outputs)?;
        // A panic while holding the lock leaves nothing to repair: the stamp is written last.
        let _build = BUILD_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        std::fs::create_dir_all(work_dir)
            .with_context(|| format!("creating work dir {}", work_dir.display()))?;
        let harness = harness_cpp(top, clock, inputs, outputs);
        let mut args: Vec<String> = VERILATOR_ARGS.iter().map(|s| s.to_string()).collect();
        args.extend(
            [
                "--top-module",
                top,
                "--Mdir",
                "obj",
                "-o",
                "harness",
                "harness.cpp",
                "dut.v",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        let cache = crate::tools::VerilatorCache::for_work_dir(
            work_dir,
            &crate::tools::Toolchain::from_env(),
        );
        args.extend(cache.args.iter().cloned());
        let stamp = format!("{verilator} {}\n", args.join(" "));
        let binary = work_dir.join("obj").join("harness");
        let model = |reused| Self {
            binary: binary.clone(),
            work_dir: work_dir.to_path_buf(),
            top: top.to_string(),
            inputs: inputs.to_vec(),
            outputs: outputs.to_vec(),
            reused,
        };
        let unchanged = |file: &str, text: &str| {
            std::fs::read(work_dir.join(file)).is_ok_and(|old| old == text.as_bytes())
        };
        if binary.exists()
            && unchanged("dut.v", verilog)
            && unchanged("harness.cpp", &harness)
            && unchanged("build.stamp", &stamp)
        {
            return Ok(model(true));
        }
        // The stamp is written last, so an interrupted build is never taken as complete.
        let _ = std::fs::remove_file(work_dir.join("build.stamp"));
        let _ = std::fs::remove_file(&binary);
        std::fs::write(work_dir.join("dut.v"), verilog)?;
        std::fs::write(work_dir.join("harness.cpp"), &harness)?;
        let output = match Command::new(verilator)
            .args(&args)
            .envs(cache.env.iter().map(|(k, v)| (k, v)))
            .current_dir(work_dir)
            .output_within(SIM_TOOL_HANG_GUARD)
        {
            Ok(o) => o,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
                "`{verilator}` not found on PATH: install the Debian package `verilator` \
                 (apt-get install verilator; it also needs `make` and `g++`)"
            ),
            Err(e) => return Err(e).with_context(|| format!("running `{verilator}`")),
        };
        if !output.status.success() || !binary.exists() {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            let lines: Vec<&str> = text.lines().collect();
            let shown = lines[lines.len().saturating_sub(80)..].join("\n");
            bail!(
                "Verilator build of `{top}` failed ({}); work dir {}\n\
                 command: {stamp}--- last {} lines of output ---\n{shown}",
                output.status,
                work_dir.display(),
                lines.len().min(80)
            );
        }
        std::fs::write(work_dir.join("build.stamp"), &stamp)?;
        Ok(model(false))
    }

    pub fn top(&self) -> &str {
        &self.top
    }
    pub fn inputs(&self) -> &[Port] {
        &self.inputs
    }
    pub fn outputs(&self) -> &[Port] {
        &self.outputs
    }
    pub fn work_dir(&self) -> &Path {
        &self.work_dir
    }
    /// Whether `build` found an up-to-date binary instead of compiling.
    pub fn reused(&self) -> bool {
        self.reused
    }

    /// Runs `stimulus` through the compiled model and returns its outputs. With `vcd`, a
    /// VCD of every signal is written there too.
    pub fn run(&self, stimulus: &Stimulus, vcd: Option<&Path>) -> Result<Trace> {
        let context = || {
            format!(
                "Verilator run of `{}` in {}",
                self.top,
                self.work_dir.display()
            )
        };
        let file = self.run_to_file(stimulus, vcd)?;
        let trace = Trace::parse(&self.outputs, std::fs::read(&file.0)?).with_context(context)?;
        ensure!(
            trace.cycles() == stimulus.cycles(),
            "{}: ran {} cycles of {}",
            context(),
            trace.cycles(),
            stimulus.cycles()
        );
        Ok(trace)
    }

    /// Runs the harness and leaves its trace in a file deleted with the returned handle.
    fn run_to_file(&self, stimulus: &Stimulus, vcd: Option<&Path>) -> Result<TempFile> {
        ensure!(
            stimulus.ports() == self.inputs.as_slice(),
            "stimulus ports {:?} differ from the model's inputs {:?}",
            stimulus.ports(),
            self.inputs
        );
        // Unique names: tests in one process may run the same model concurrently.
        let id = format!(
            "{}-{}",
            std::process::id(),
            RUN_COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let stim = TempFile(self.work_dir.join(format!("stimulus-{id}.bin")));
        let trace = TempFile(self.work_dir.join(format!("trace-{id}.bin")));
        let result = (|| -> Result<()> {
            let mut w = BufWriter::new(std::fs::File::create(&stim.0)?);
            stimulus.write_to(&mut w)?;
            w.flush()?;
            drop(w);
            let mut cmd = Command::new(&self.binary);
            cmd.arg(&stim.0).arg(&trace.0);
            if let Some(vcd) = vcd {
                if let Some(dir) = vcd.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                cmd.arg(vcd);
            }
            let output = cmd
                .output_within(SIM_TOOL_HANG_GUARD)
                .with_context(|| format!("running {}", self.binary.display()))?;
            ensure!(
                output.status.success(),
                "harness failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
            Ok(())
        })();
        result.with_context(|| {
            format!(
                "Verilator run of `{}` in {}",
                self.top,
                self.work_dir.display()
            )
        })?;
        Ok(trace)
    }
}

/// The first divergence between the two simulators. Returned inside the `anyhow::Error` of
/// [`cosimulate`]; `err.downcast_ref::<Mismatch>()` gives the details.
#[derive(Clone, Debug)]
pub struct Mismatch {
    pub cycle: u64,
    pub signal: String,
    pub rust: u64,
    pub verilog: u64,
    /// Other outputs that differ on the same cycle: (name, Rust value, Verilog value).
    pub also: Vec<(String, u64, u64)>,
    pub vcds: Vec<PathBuf>,
    /// Why a VCD could not be written, if one is missing.
    pub notes: Vec<String>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "co-simulation mismatch at cycle {} (after {} matching cycles): `{}` is {:#x} in \
             rust-hdl's simulator, {:#x} in the Verilog",
            self.cycle, self.cycle, self.signal, self.rust, self.verilog
        )?;
        for (name, r, v) in &self.also {
            write!(f, "; `{name}` {r:#x} vs {v:#x}")?;
        }
        for vcd in &self.vcds {
            write!(f, "\n  VCD: {}", vcd.display())?;
        }
        for note in &self.notes {
            write!(f, "\n  note: {note}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Mismatch {}

/// A run in which every output matched on every cycle.
#[derive(Clone, Debug)]
pub struct CosimReport {
    /// Cycles compared (all of the stimulus).
    pub cycles: u64,
    /// Output changes seen (the initial vector included).
    pub output_changes: u64,
    pub rust_seconds: f64,
    /// Wall time of the Verilator run, process start and file transfer included.
    pub verilator_seconds: f64,
    /// VCDs written (only when `UART_VCD` is set).
    pub vcds: Vec<PathBuf>,
}

impl CosimReport {
    pub fn rust_cycles_per_second(&self) -> f64 {
        self.cycles as f64 / self.rust_seconds.max(1e-9)
    }
    pub fn verilator_cycles_per_second(&self) -> f64 {
        self.cycles as f64 / self.verilator_seconds.max(1e-9)
    }
}

impl fmt::Display for CosimReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} cycles compared, 0 mismatches, {} output changes; rust-hdl {:.0} cycles/s, \
             Verilator {:.0} cycles/s",
            self.cycles,
            self.output_changes,
            self.rust_cycles_per_second(),
            self.verilator_cycles_per_second()
        )
    }
}

/// Runs `stimulus` on the rust-hdl side, calling `each(cycle, outputs)` after every rising
/// edge; stops early when it returns `false`. Returns the cycles run.
fn drive<D: CosimDut>(
    dut: &mut D,
    stimulus: &Stimulus,
    mut vcd: Option<&mut VcdStream>,
    mut each: impl FnMut(u64, &[u64]) -> Result<bool>,
) -> Result<u64> {
    let masks: Vec<u64> = dut.outputs().iter().map(Port::mask).collect();
    let mut cursor = stimulus.cursor();
    let mut cycle = 0u64;
    dut.uut_mut().connect_all();
    dut.set_clock(false);
    dut.settle().context("rust-hdl side at power-up")?;
    while let Some((len, changed)) = cursor.next_run() {
        if changed {
            dut.set_inputs(cursor.values());
            dut.settle()
                .with_context(|| format!("rust-hdl side, inputs of cycle {cycle}"))?;
        }
        for _ in 0..len {
            if let Some(v) = vcd.as_deref_mut() {
                v.sample(dut.uut(), PERIOD * cycle)?;
            }
            dut.rising_edge()
                .with_context(|| format!("rust-hdl side, rising edge of cycle {cycle}"))?;
            if let Some(v) = vcd.as_deref_mut() {
                v.sample(dut.uut(), PERIOD * cycle + PERIOD / 2)?;
            }
            let mut outputs = dut.outputs_now();
            for (o, m) in outputs.iter_mut().zip(&masks) {
                *o &= m;
            }
            if !each(cycle, &outputs)? {
                return Ok(cycle + 1);
            }
            dut.falling_edge()
                .with_context(|| format!("rust-hdl side, falling edge of cycle {cycle}"))?;
            cycle += 1;
        }
    }
    if let Some(v) = vcd {
        v.sample(dut.uut(), PERIOD * cycle)?;
    }
    Ok(cycle)
}

fn vcd_wanted() -> bool {
    std::env::var("UART_VCD").is_ok_and(|v| !matches!(v.trim(), "" | "0"))
}

/// Runs `stimulus` on `dut` (a freshly built block) and on `model`, comparing every output
/// after every rising edge. `Ok` only if all cycles match; otherwise an error holding a
/// [`Mismatch`]. VCDs of both sides go to `artefacts_dir` on a mismatch, and for every run
/// when `UART_VCD` is set (`<top>.rust.vcd`, `<top>.verilator.vcd`).
pub fn cosimulate<D: CosimDut>(
    dut: &mut D,
    model: &VerilatedModel,
    stimulus: &Stimulus,
    artefacts_dir: &Path,
) -> Result<CosimReport> {
    cosimulate_with(dut, model, stimulus, artefacts_dir, vcd_wanted())
}

/// [`cosimulate`] with the `UART_VCD` decision made by the caller (tests must not set the
/// process-wide variable: other tests read it).
fn cosimulate_with<D: CosimDut>(
    dut: &mut D,
    model: &VerilatedModel,
    stimulus: &Stimulus,
    artefacts_dir: &Path,
    trace_all: bool,
) -> Result<CosimReport> {
    ensure!(
        dut.inputs() == model.inputs(),
        "DUT inputs {:?} differ from the model's {:?}",
        dut.inputs(),
        model.inputs()
    );
    ensure!(
        dut.outputs() == model.outputs(),
        "DUT outputs {:?} differ from the model's {:?}",
        dut.outputs(),
        model.outputs()
    );
    let outputs = model.outputs().to_vec();
    let rust_vcd_path = artefacts_dir.join(format!("{}.rust.vcd", model.top()));
    let vl_vcd_path = artefacts_dir.join(format!("{}.verilator.vcd", model.top()));

    let start = Instant::now();
    let trace_file = model.run_to_file(stimulus, trace_all.then_some(vl_vcd_path.as_path()))?;
    let verilator_seconds = start.elapsed().as_secs_f64();
    // The trace is read while the Rust side runs, so its length costs no memory.
    let mut trace = TraceReader::new(
        BufReader::with_capacity(1 << 16, std::fs::File::open(&trace_file.0)?),
        &outputs,
    )?;

    dut.uut_mut().connect_all();
    let mut rust_vcd = if trace_all {
        Some(VcdStream::create(&rust_vcd_path, dut.uut(), model.top())?)
    } else {
        None
    };
    let mut verilog_now = vec![0u64; outputs.len()];
    let mut next_change: Option<Change> = None;
    let mut verilator_cycles: Option<u64> = None;
    let mut first_bad: Option<(u64, Vec<u64>, Vec<u64>)> = None;
    let start = Instant::now();
    let cycles = drive(dut, stimulus, rust_vcd.as_mut(), |cycle, rust| {
        loop {
            if next_change.is_none() && verilator_cycles.is_none() {
                match trace.next()? {
                    TraceItem::Change(c) => next_change = Some(c),
                    TraceItem::End { cycles } => verilator_cycles = Some(cycles),
                }
            }
            match next_change {
                Some(c) if c.cycle <= cycle => {
                    verilog_now[c.output] = c.value;
                    next_change = None;
                }
                _ => break,
            }
        }
        if rust == verilog_now.as_slice() {
            return Ok(true);
        }
        first_bad = Some((cycle, rust.to_vec(), verilog_now.clone()));
        Ok(false)
    })
    .with_context(|| format!("co-simulation of `{}`", model.top()))?;
    let rust_seconds = start.elapsed().as_secs_f64();
    let mut vcds = Vec::new();
    if let Some(v) = rust_vcd {
        vcds.push(v.finish()?);
        vcds.push(vl_vcd_path.clone());
    }

    let Some((cycle, rust, verilog)) = first_bad else {
        ensure!(
            next_change.is_none(),
            "Verilator trace has a change after the last cycle: {next_change:?}"
        );
        let verilator_cycles = match verilator_cycles {
            Some(c) => c,
            None => match trace.next()? {
                TraceItem::End { cycles } => cycles,
                TraceItem::Change(c) => bail!("Verilator trace has a change after the end: {c:?}"),
            },
        };
        ensure!(
            cycles == verilator_cycles && cycles == stimulus.cycles(),
            "rust-hdl ran {cycles} cycles, Verilator {verilator_cycles}, of {}",
            stimulus.cycles()
        );
        return Ok(CosimReport {
            cycles,
            output_changes: trace.changes,
            rust_seconds,
            verilator_seconds,
            vcds,
        });
    };

    let mut differing = outputs
        .iter()
        .zip(rust.iter().zip(&verilog))
        .filter(|(_, (r, v))| r != v)
        .map(|(p, (r, v))| (p.name.clone(), *r, *v));
    let (signal, r, v) = differing.next().expect("a mismatch has a differing output");
    let mut mismatch = Mismatch {
        cycle,
        signal,
        rust: r,
        verilog: v,
        also: differing.collect(),
        vcds,
        notes: Vec::new(),
    };
    if !trace_all {
        // Replay just far enough to show the divergence and what follows it.
        let prefix = stimulus.prefix((cycle + 1 + TAIL_CYCLES).min(stimulus.cycles()));
        match model.run(&prefix, Some(&vl_vcd_path)) {
            Ok(_) => mismatch.vcds.push(vl_vcd_path),
            Err(e) => mismatch.notes.push(format!("Verilator VCD failed: {e:#}")),
        }
        match dut.replica() {
            Some(mut fresh) => {
                let written = (|| -> Result<PathBuf> {
                    fresh.uut_mut().connect_all();
                    let mut vcd = VcdStream::create(&rust_vcd_path, fresh.uut(), model.top())?;
                    drive(&mut fresh, &prefix, Some(&mut vcd), |_, _| Ok(true))?;
                    vcd.finish()
                })();
                match written {
                    Ok(path) => mismatch.vcds.push(path),
                    Err(e) => mismatch.notes.push(format!("rust-hdl VCD failed: {e:#}")),
                }
            }
            None => mismatch.notes.push(
                "no rust-hdl VCD: the DUT adapter has no `replica()`; set UART_VCD to trace \
                 the whole run"
                    .into(),
            ),
        }
    }
    Err(anyhow::Error::new(mismatch))
}

// These tests run Verilator: part of `make test` (the external-tools feature).
#[cfg(all(test, feature = "external-tools"))]
mod tests {
    use super::*;
    use rust_hdl::prelude::*;

    /// A per-test work directory under the crate's target directory.
    fn test_dir(name: &str) -> PathBuf {
        let target = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
        };
        target.join("cosim-tests").join(name)
    }

    /// xorshift64*: reproducible random stimuli without a dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn chance(&mut self, percent: u64) -> bool {
            self.next() % 100 < percent
        }
    }

    fn build<D: CosimDut>(dut: &mut D, top: &str) -> VerilatedModel {
        let verilog = dut.verilog(top).unwrap();
        let dir = test_dir(top);
        VerilatedModel::build(&verilog, top, "clock", &dut.inputs(), &dut.outputs(), &dir).unwrap()
    }

    // The 32-bit literal pitfall: `(count + 1) == 0` is true at 15 in rust-hdl (Bits<4>
    // wraps) and never in Verilog (the sum is 32 bits wide).
    #[derive(LogicBlock, Default)]
    struct WrapPitfall {
        clock: Signal<In, Clock>,
        enable: Signal<In, Bit>,
        count: Signal<Out, Bits<4>>,
        wrap: Signal<Out, Bit>,
        counter: DFF<Bits<4>>,
    }

    impl Logic for WrapPitfall {
        #[hdl_gen]
        fn update(&mut self) {
            dff_setup!(self, clock, counter);
            if self.enable.val() {
                self.counter.d.next = self.counter.q.val() + 1;
            }
            self.count.next = self.counter.q.val();
            self.wrap.next = (self.counter.q.val() + 1) == 0;
        }
    }

    impl CosimDut for WrapPitfall {
        type Uut = Self;
        fn uut(&self) -> &Self {
            self
        }
        fn uut_mut(&mut self) -> &mut Self {
            self
        }
        fn inputs(&self) -> Vec<Port> {
            vec![Port::new("enable", 1)]
        }
        fn outputs(&self) -> Vec<Port> {
            vec![Port::new("count", 4), Port::new("wrap", 1)]
        }
        fn set_inputs(&mut self, values: &[u64]) {
            self.enable.next = values[0] != 0;
        }
        fn outputs_now(&self) -> Vec<u64> {
            vec![self.count.val().index() as u64, self.wrap.val() as u64]
        }
        fn set_clock(&mut self, high: bool) {
            self.clock.next = high.into();
        }
        fn replica(&self) -> Option<Self> {
            Some(Self::default())
        }
    }

    #[test]
    fn catches_the_32_bit_literal_pitfall() {
        let mut dut = WrapPitfall::default();
        let model = build(&mut dut, "wrap_pitfall");
        let mut stimulus = Stimulus::new(&dut.inputs());
        let mut rng = Rng(7);
        // Expected: the first cycle at which the counter, after its rising edge, is 15.
        let (mut count, mut expected) = (0u64, None);
        for cycle in 0..1000 {
            let enable = rng.chance(70);
            stimulus.push(&[enable as u64]);
            count = (count + enable as u64) % 16;
            if count == 15 && expected.is_none() {
                expected = Some(cycle);
            }
        }
        let artefacts = test_dir("wrap_pitfall").join("artefacts");
        let _ = std::fs::remove_dir_all(&artefacts);
        let err = cosimulate(&mut dut, &model, &stimulus, &artefacts).unwrap_err();
        let m = err.downcast_ref::<Mismatch>().expect("a Mismatch");
        assert_eq!(Some(m.cycle), expected, "{m}");
        assert_eq!(
            (m.signal.as_str(), m.rust, m.verilog),
            ("wrap", 1, 0),
            "{m}"
        );
        assert!(m.also.is_empty(), "{m}");
        assert_eq!(m.vcds.len(), 2, "{m}");
        for vcd in &m.vcds {
            let text = std::fs::read_to_string(vcd).unwrap();
            assert!(text.contains("$enddefinitions"), "{}", vcd.display());
        }
        let message = format!("{err}");
        assert!(message.contains(&format!("cycle {}", m.cycle)) && message.contains("`wrap`"));
    }

    // The precedence pitfall: Rust reads `a & b == c` as `(a & b) == c`, the exported
    // Verilog as `a & (b == c)`.
    #[derive(LogicBlock, Default)]
    struct PrecedencePitfall {
        clock: Signal<In, Clock>,
        a: Signal<In, Bits<4>>,
        b: Signal<In, Bits<4>>,
        c: Signal<In, Bits<4>>,
        same: Signal<Out, Bit>,
    }

    impl Logic for PrecedencePitfall {
        #[hdl_gen]
        fn update(&mut self) {
            self.same.next = self.a.val() & self.b.val() == self.c.val();
        }
    }

    impl CosimDut for PrecedencePitfall {
        type Uut = Self;
        fn uut(&self) -> &Self {
            self
        }
        fn uut_mut(&mut self) -> &mut Self {
            self
        }
        fn inputs(&self) -> Vec<Port> {
            ["a", "b", "c"].iter().map(|n| Port::new(*n, 4)).collect()
        }
        fn outputs(&self) -> Vec<Port> {
            vec![Port::new("same", 1)]
        }
        fn set_inputs(&mut self, values: &[u64]) {
            self.a.next = values[0].into();
            self.b.next = values[1].into();
            self.c.next = values[2].into();
        }
        fn outputs_now(&self) -> Vec<u64> {
            vec![self.same.val() as u64]
        }
        fn set_clock(&mut self, high: bool) {
            self.clock.next = high.into();
        }
    }

    #[test]
    fn catches_the_precedence_pitfall() {
        let mut dut = PrecedencePitfall::default();
        let model = build(&mut dut, "precedence_pitfall");
        let mut stimulus = Stimulus::new(&dut.inputs());
        let mut rng = Rng(99);
        let mut expected = None;
        for cycle in 0..1000 {
            let (a, b, c) = (rng.next() & 15, rng.next() & 15, rng.next() & 15);
            stimulus.push(&[a, b, c]);
            let rust = ((a & b) == c) as u64;
            // Verilog: `a & (b == c)`, 4 bits, truncated to the 1-bit output.
            let verilog = a & ((b == c) as u64) & 1;
            if rust != verilog && expected.is_none() {
                expected = Some((cycle, rust, verilog));
            }
        }
        let (cycle, rust, verilog) = expected.expect("the stimulus exposes the pitfall");
        let artefacts = test_dir("precedence_pitfall").join("artefacts");
        let err = cosimulate(&mut dut, &model, &stimulus, &artefacts).unwrap_err();
        let m = err.downcast_ref::<Mismatch>().expect("a Mismatch");
        assert_eq!((m.cycle, m.signal.as_str()), (cycle, "same"), "{m}");
        assert_eq!((m.rust, m.verilog), (rust, verilog), "{m}");
        // No `replica()`: only the Verilator VCD, and a note saying why.
        assert_eq!(m.vcds.len(), 1, "{m}");
        assert!(m.notes.iter().any(|n| n.contains("replica")), "{m}");
    }

    #[derive(Copy, Clone, Debug, PartialEq, LogicState)]
    enum Phase {
        Idle,
        Counting,
        Wrapped,
    }

    #[derive(LogicInterface, Default)]
    struct Nibbles {
        lo: Signal<Out, Bits<4>>,
        hi: Signal<Out, Bits<4>>,
    }

    // Correctly written: arithmetic lands in a sized Local before it is compared, mixed
    // operators are parenthesised. Also exercises 64- and 33-bit ports, an enum state, an
    // interface port (`nibbles$lo` in Verilog, `nibbles__024lo` in C++) and a RAM whose
    // power-up contents come from a Verilog `initial` block (the rest must start at 0).
    #[derive(LogicBlock, Default)]
    struct GoodCounter {
        clock: Signal<In, Clock>,
        enable: Signal<In, Bit>,
        load: Signal<In, Bit>,
        value: Signal<In, Bits<8>>,
        wide_in: Signal<In, Bits<64>>,
        count: Signal<Out, Bits<8>>,
        wrap: Signal<Out, Bit>,
        busy: Signal<Out, Bit>,
        wide_out: Signal<Out, Bits<64>>,
        odd_out: Signal<Out, Bits<33>>,
        nibbles: Nibbles,
        counter: DFF<Bits<8>>,
        next_count: Signal<Local, Bits<8>>,
        wide: DFF<Bits<64>>,
        phase: DFF<Phase>,
        ram_out: Signal<Out, Bits<8>>,
        ram: RAM<Bits<8>, 4>,
    }

    impl GoodCounter {
        fn new() -> Self {
            let contents = [(1u64, 0xa5u64), (2, 0x5a), (15, 0xff)]
                .into_iter()
                .map(|(a, d)| (Bits::<4>::from(a), Bits::<8>::from(d)))
                .collect();
            Self {
                ram: RAM::new(contents),
                ..Default::default()
            }
        }
    }

    impl Logic for GoodCounter {
        #[hdl_gen]
        fn update(&mut self) {
            dff_setup!(self, clock, counter, wide, phase);
            self.next_count.next = self.counter.q.val() + 1;
            if self.load.val() {
                self.counter.d.next = self.value.val();
            } else if self.enable.val() {
                self.counter.d.next = self.next_count.val();
            }
            self.count.next = self.counter.q.val();
            self.wrap.next = self.enable.val() & (self.next_count.val() == 0);
            self.wide.d.next = self.wide_in.val() ^ (self.wide.q.val() << 1);
            self.wide_out.next = self.wide.q.val();
            self.odd_out.next = self.wide.q.val().get_bits::<33>(31);
            self.nibbles.lo.next = self.counter.q.val().get_bits::<4>(0);
            self.nibbles.hi.next = self.counter.q.val().get_bits::<4>(4);
            self.ram.read_clock.next = self.clock.val();
            self.ram.write_clock.next = self.clock.val();
            self.ram.read_address.next = self.counter.q.val().get_bits::<4>(0);
            self.ram.write_address.next = self.value.val().get_bits::<4>(4);
            self.ram.write_data.next = self.counter.q.val();
            self.ram.write_enable.next = self.load.val() & self.enable.val();
            self.ram_out.next = self.ram.read_data.val();
            self.busy.next = false;
            match self.phase.q.val() {
                Phase::Idle => {
                    if self.enable.val() {
                        self.phase.d.next = Phase::Counting;
                    }
                }
                Phase::Counting => {
                    self.busy.next = true;
                    if self.wrap.val() {
                        self.phase.d.next = Phase::Wrapped;
                    }
                }
                Phase::Wrapped => {
                    self.phase.d.next = Phase::Idle;
                }
                _ => {
                    self.phase.d.next = Phase::Idle;
                }
            }
        }
    }

    impl CosimDut for GoodCounter {
        type Uut = Self;
        fn uut(&self) -> &Self {
            self
        }
        fn uut_mut(&mut self) -> &mut Self {
            self
        }
        fn inputs(&self) -> Vec<Port> {
            vec![
                Port::new("enable", 1),
                Port::new("load", 1),
                Port::new("value", 8),
                Port::new("wide_in", 64),
            ]
        }
        fn outputs(&self) -> Vec<Port> {
            vec![
                Port::new("count", 8),
                Port::new("wrap", 1),
                Port::new("busy", 1),
                Port::new("wide_out", 64),
                Port::new("odd_out", 33),
                Port::new("nibbles$lo", 4),
                Port::new("nibbles$hi", 4),
                Port::new("ram_out", 8),
            ]
        }
        fn set_inputs(&mut self, values: &[u64]) {
            self.enable.next = values[0] != 0;
            self.load.next = values[1] != 0;
            self.value.next = values[2].into();
            self.wide_in.next = values[3].into();
        }
        fn outputs_now(&self) -> Vec<u64> {
            vec![
                self.count.val().into(),
                self.wrap.val().into(),
                self.busy.val().into(),
                self.wide_out.val().into(),
                self.odd_out.val().into(),
                self.nibbles.lo.val().into(),
                self.nibbles.hi.val().into(),
                self.ram_out.val().into(),
            ]
        }
        fn set_clock(&mut self, high: bool) {
            self.clock.next = high.into();
        }
        fn replica(&self) -> Option<Self> {
            Some(Self::new())
        }
    }

    #[test]
    fn correct_block_matches_over_100k_random_cycles() {
        let mut dut = GoodCounter::new();
        let model = build(&mut dut, "good_counter");
        let mut stimulus = Stimulus::new(&dut.inputs());
        let mut rng = Rng(2024);
        let mut wide = 0;
        for _ in 0..100_000 {
            if rng.chance(5) {
                wide = rng.next();
            }
            let values = [
                rng.chance(90) as u64,
                rng.chance(2) as u64,
                rng.next(),
                wide,
            ];
            stimulus.push(&values);
        }
        let artefacts = test_dir("good_counter").join("artefacts");
        let report = cosimulate(&mut dut, &model, &stimulus, &artefacts).unwrap();
        assert_eq!(report.cycles, 100_000);
        assert!(report.output_changes > 100_000, "{report}");
        eprintln!("good_counter: {report}");
    }

    #[test]
    fn stimulus_runs_round_trip() {
        let ports = [Port::new("a", 1), Port::new("b", 64), Port::new("c", 3)];
        let mut s = Stimulus::new(&ports);
        s.hold(&[1, u64::MAX, 9], 5); // 9 is masked to 1
        s.hold(&[1, u64::MAX, 1], 5); // same values: the run grows
        s.push(&[0, 0, 7]);
        s.hold(&[0, 0, 7], 0);
        s.hold(&[0, 1 << 63, 7], 1_000_000);
        assert_eq!((s.cycles(), s.runs()), (1_000_011, 3));
        let mut cursor = s.cursor();
        let mut seen = Vec::new();
        while let Some((len, changed)) = cursor.next_run() {
            seen.push((len, changed, cursor.values().to_vec()));
        }
        assert_eq!(
            seen,
            vec![
                (10, true, vec![1, u64::MAX, 1]),
                (1, true, vec![0, 0, 7]),
                (1_000_000, true, vec![0, 1 << 63, 7]),
            ]
        );
        let p = s.prefix(12);
        assert_eq!((p.cycles(), p.runs()), (12, 3));
        let mut file = Vec::new();
        s.write_to(&mut file).unwrap();
        assert!(file.len() < 64, "{} bytes for a million cycles", file.len());
    }

    #[test]
    fn verilator_names() {
        assert_eq!(verilator_name("nibbles$lo"), "nibbles__024lo");
        assert_eq!(verilator_name("a__b"), "a___05Fb");
        assert_eq!(verilator_name("plain_name1"), "plain_name1");
    }

    #[test]
    fn build_errors_are_explained() {
        let ports = [Port::new("a", 1)];
        let out = [Port::new("y", 1)];
        let verilog = "module t(clock,a,y);\n    input wire  clock;\n    input wire  a;\n    \
                       output reg  y;\n    always @(*) y = a &;\nendmodule\n";
        let dir = test_dir("broken_build");
        let err = VerilatedModel::build_with(
            "no-such-verilator",
            verilog,
            "t",
            "clock",
            &ports,
            &out,
            &dir,
        )
        .unwrap_err();
        assert!(
            format!("{err}").contains("Debian package `verilator`"),
            "{err}"
        );
        let err = VerilatedModel::build(verilog, "t", "clock", &ports, &out, &dir).unwrap_err();
        let message = format!("{err}");
        assert!(message.contains("failed") && message.contains(&dir.display().to_string()));
        assert!(message.contains("%Error"), "{message}");
        // Port lists that do not fit the module are refused before Verilator runs.
        let wide = [Port::new("a", 2)];
        let err = VerilatedModel::build(verilog, "t", "clock", &wide, &out, &dir).unwrap_err();
        assert!(
            format!("{err}").contains("1 bits wide in the Verilog"),
            "{err}"
        );
        let err = VerilatedModel::build(verilog, "t", "clock", &[], &out, &dir).unwrap_err();
        assert!(format!("{err}").contains("`a`"), "{err}");
        let err = VerilatedModel::build(verilog, "t", "clock", &out, &ports, &dir).unwrap_err();
        assert!(format!("{err}").contains("is an output"), "{err}");
    }

    #[test]
    fn uart_vcd_traces_a_passing_run_on_both_sides() {
        let mut dut = GoodCounter::new();
        let model = build(&mut dut, "good_counter");
        let mut stimulus = Stimulus::new(&dut.inputs());
        stimulus.hold(&[1, 0, 0, 0x0123_4567_89ab_cdef], 40);
        stimulus.hold(&[1, 1, 0x37, 0], 2);
        stimulus.hold(&[1, 0, 0, 0], 100);
        let artefacts = test_dir("good_counter").join("traced");
        let _ = std::fs::remove_dir_all(&artefacts);
        let report = cosimulate_with(&mut dut, &model, &stimulus, &artefacts, true).unwrap();
        assert_eq!(report.cycles, 142);
        assert_eq!(report.vcds.len(), 2, "{report:?}");
        for vcd in &report.vcds {
            let text = std::fs::read_to_string(vcd).unwrap();
            assert!(text.contains("$enddefinitions"), "{}", vcd.display());
            // Both sides end with the falling edge of the last cycle at the same time.
            let last = text.lines().rev().find(|l| l.starts_with('#')).unwrap();
            assert_eq!(last, format!("#{}", PERIOD * 142), "{}", vcd.display());
        }
    }
}
