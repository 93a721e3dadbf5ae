//! Streaming VCD writer for the direct, single-thread simulation loop.
//!
//! What it guarantees:
//! - Memory stays bounded: every sample is written straight to a `BufWriter<File>`; the
//!   writer keeps only the last value of each traced variable (needed to write changes
//!   only). rust-hdl's own `Simulation::run_to_file` keeps the whole dump in memory
//!   (~290 bytes per cycle), which does not scale to multi-million-cycle runs.
//! - The variable list is the one rust-hdl's own VCD writer would produce: it is built with
//!   rust-hdl's `Probe` visitor (`Block::accept`), so every `Signal` of every sub-block is
//!   traced under a scope per block and per interface, with `$`-joined names for struct fields.
//! - Enum (`LogicState`) signals are readable. rust-hdl declares them as 0-bit wires and
//!   writes their variant names as VCD strings, which GTKWave drops. Here each enum becomes
//!   two variables:
//!   * `<name>`: a `wire` of `clog2(variants)` bits holding the variant index. That is exactly
//!     the encoding of the exported Verilog (`localparam Type$Variant = index`), so a Rust
//!     VCD and a Verilator VCD show the same numbers for the same state;
//!   * `<name>$label`: a `string` variable carrying the variant name (GTKWave's string
//!     extension, also written by e.g. pyvcd), so the state can be read without a lookup.
//! - Timestamps are strictly increasing; a timestamp is written only when something changed.
//!   The time unit is [`TIMESCALE`]; the co-simulation uses a 10 ns clock period (100 MHz).

use rust_hdl::core::atom::Atom;
use rust_hdl::core::block::Block;
use rust_hdl::core::probe::Probe;
use rust_hdl::core::synth::VCDValue;
use rust_hdl::core::type_descriptor::{TypeDescriptor, TypeKind};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Time unit of the timestamps passed to [`VcdStream::sample`].
pub const TIMESCALE: &str = "1ns";

/// Where a test should write its VCD, if the developer asked for one.
///
/// `UART_VCD` unset, empty or `0`: no VCD (`None`). `UART_VCD=1`: `target/vcd/` of this crate
/// (or of `$CARGO_TARGET_DIR`). Any other value is taken as the directory. The directory is
/// created; the file name is the test name with path separators replaced.
pub fn vcd_requested(test_name: &str) -> Option<PathBuf> {
    let value = std::env::var_os("UART_VCD")?;
    let path = vcd_path(&value.to_string_lossy(), test_name)?;
    // A failure here surfaces as a clear error when the file itself is created.
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    Some(path)
}

/// [`vcd_requested`] for a given value of `UART_VCD` (kept apart so tests need not set
/// the process-wide variable, which the co-simulation reads too).
fn vcd_path(value: &str, test_name: &str) -> Option<PathBuf> {
    let dir = match value.trim() {
        "" | "0" => return None,
        "1" => target_dir().join("vcd"),
        other => PathBuf::from(other),
    };
    let file: String = test_name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    Some(dir.join(format!("{file}.vcd")))
}

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
    }
}

/// How one VCD variable is rendered from rust-hdl's `VCDValue`.
#[derive(Debug)]
enum VarKind {
    /// Bits, Signed, Bit, Clock: the bits as rust-hdl gives them.
    Bits,
    /// Variant index of an enum, in the exported Verilog's encoding.
    EnumIndex(Vec<String>),
    /// Variant name of an enum (VCD `string` variable).
    EnumLabel,
}

#[derive(Debug)]
struct Var {
    code: String,
    width: usize,
    kind: VarKind,
    /// Rendered last value (without the identifier code); empty before the first sample.
    last: Vec<u8>,
}

/// One visited atom: its rust-hdl id (to detect a changed hierarchy) and its variables.
#[derive(Debug)]
struct AtomVars {
    id: usize,
    /// Variables of this atom, in `VCDValue` order (a struct has several).
    layout: Layout,
}

#[derive(Debug)]
enum Layout {
    /// Index into `vars`; enums occupy `index` (number) and `index + 1` (label).
    Leaf(usize),
    Composite(Vec<Layout>),
}

/// A VCD file written as the simulation runs. See the module documentation.
pub struct VcdStream {
    out: BufWriter<File>,
    path: PathBuf,
    vars: Vec<Var>,
    atoms: Vec<AtomVars>,
    /// Scratch buffer for rendering one value, reused to avoid per-sample allocation.
    scratch: Vec<u8>,
    last_time: Option<u64>,
    /// Timestamp of the last `#time` line actually written.
    written_time: Option<u64>,
}

fn id_code(mut n: usize) -> String {
    // Identifier codes are printable ASCII '!'..='~' (94 symbols); the shortest codes keep
    // the change lines, most of the file, short.
    let mut s = String::new();
    loop {
        s.push((b'!' + (n % 94) as u8) as char);
        if n < 94 {
            break;
        }
        n = n / 94 - 1;
    }
    s
}

fn enum_width(variants: usize) -> usize {
    // Same width rust-hdl gives an enum signal in the exported Verilog.
    rust_hdl::core::bits::clog2(variants.max(2))
}

struct Header<'a> {
    vars: Vec<Var>,
    atoms: Vec<AtomVars>,
    text: &'a mut String,
}

impl Header<'_> {
    fn add_var(&mut self, name: &str, width: usize, kind: VarKind) -> usize {
        let index = self.vars.len();
        let code = id_code(index);
        let decl = match kind {
            VarKind::EnumLabel => format!("$var string 1 {code} {name} $end\n"),
            _ if width == 1 => format!("$var wire 1 {code} {name} $end\n"),
            _ => format!("$var wire {width} {code} {name} [{}:0] $end\n", width - 1),
        };
        self.text.push_str(&decl);
        self.vars.push(Var {
            code,
            width,
            kind,
            last: Vec::new(),
        });
        index
    }

    fn register(&mut self, name: &str, descriptor: &TypeDescriptor) -> Layout {
        match &descriptor.kind {
            TypeKind::Bits(width) | TypeKind::Signed(width) => {
                Layout::Leaf(self.add_var(name, (*width).max(1), VarKind::Bits))
            }
            TypeKind::Enum(variants) => {
                let width = enum_width(variants.len());
                // The descriptor says `Type::Variant`, the value just `Variant`.
                let short = variants
                    .iter()
                    .map(|v| v.rsplit("::").next().unwrap_or(v).to_string())
                    .collect();
                let index = self.add_var(name, width, VarKind::EnumIndex(short));
                self.add_var(&format!("{name}$label"), 1, VarKind::EnumLabel);
                Layout::Leaf(index)
            }
            TypeKind::Composite(fields) => Layout::Composite(
                fields
                    .iter()
                    .map(|f| self.register(&format!("{name}${}", f.fieldname), &f.kind))
                    .collect(),
            ),
        }
    }
}

impl Probe for Header<'_> {
    fn visit_start_scope(&mut self, name: &str, _node: &dyn Block) {
        self.text.push_str(&format!("$scope module {name} $end\n"));
    }
    fn visit_start_namespace(&mut self, name: &str, _node: &dyn Block) {
        self.text.push_str(&format!("$scope module {name} $end\n"));
    }
    fn visit_atom(&mut self, name: &str, signal: &dyn Atom) {
        let layout = self.register(name, &signal.descriptor());
        self.atoms.push(AtomVars {
            id: signal.id(),
            layout,
        });
    }
    fn visit_end_namespace(&mut self, _name: &str, _node: &dyn Block) {
        self.text.push_str("$upscope $end\n");
    }
    fn visit_end_scope(&mut self, _name: &str, _node: &dyn Block) {
        self.text.push_str("$upscope $end\n");
    }
}

/// Visits the atoms in the same order as [`Header`] did and writes the changed ones.
struct Changes<'a> {
    stream: &'a mut VcdStream,
    next_atom: usize,
    time: u64,
    /// First sample: write every value inside `$dumpvars`.
    dump_all: bool,
    error: Option<anyhow::Error>,
}

impl Changes<'_> {
    fn write_value(&mut self, var: usize, value: &VCDValue) -> anyhow::Result<()> {
        let s = &mut *self.stream;
        s.scratch.clear();
        let v = &s.vars[var];
        let mut label = None;
        // rust-hdl's bit values are `vcd::Value`s, a crate we do not depend on; the two
        // usual ones are taken from rust-hdl so that a bit costs a compare, not a format call.
        let (VCDValue::Single(one), VCDValue::Single(zero)) =
            (VCDValue::from(true), VCDValue::from(false))
        else {
            unreachable!("rust-hdl renders a bool as a single bit")
        };
        let push = |out: &mut Vec<u8>, bit| -> std::io::Result<()> {
            match bit {
                b if b == one => out.push(b'1'),
                b if b == zero => out.push(b'0'),
                b => write!(out, "{b}")?,
            }
            Ok(())
        };
        match (&v.kind, value) {
            (VarKind::Bits, VCDValue::Single(bit)) => push(&mut s.scratch, *bit)?,
            (VarKind::Bits, VCDValue::Vector(bits)) => {
                for bit in bits {
                    push(&mut s.scratch, *bit)?;
                }
            }
            (VarKind::EnumIndex(variants), VCDValue::String(name)) => {
                let index = variants.iter().position(|x| x == name).ok_or_else(|| {
                    anyhow::anyhow!("enum value {name:?} is not one of {variants:?}")
                })?;
                for bit in (0..v.width).rev() {
                    s.scratch
                        .push(if index >> bit & 1 == 1 { b'1' } else { b'0' });
                }
                label = Some(name);
            }
            (kind, value) => anyhow::bail!(
                "VCD variable {} ({kind:?}) got a value of another shape: {value:?}",
                v.code
            ),
        }
        if self.dump_all || s.scratch != s.vars[var].last {
            self.emit(var)?;
            if let Some(name) = label {
                let s = &mut *self.stream;
                s.scratch.clear();
                s.scratch.extend_from_slice(name.as_bytes());
                self.emit(var + 1)?;
            }
        }
        Ok(())
    }

    /// Writes `scratch` as the new value of `var` (and its timestamp if it is the first change).
    fn emit(&mut self, var: usize) -> anyhow::Result<()> {
        let s = &mut *self.stream;
        if s.written_time != Some(self.time) {
            writeln!(s.out, "#{}", self.time)?;
            s.written_time = Some(self.time);
        }
        let v = &mut s.vars[var];
        match v.kind {
            VarKind::EnumLabel => {
                s.out.write_all(b"s")?;
                s.out.write_all(&s.scratch)?;
                writeln!(s.out, " {}", v.code)?;
            }
            _ if v.width == 1 => {
                s.out.write_all(&s.scratch)?;
                writeln!(s.out, "{}", v.code)?;
            }
            _ => {
                // Leading zeros are implied in VCD; dropping them keeps wide, mostly-zero
                // vectors short.
                let first = s.scratch.iter().position(|&b| b != b'0');
                let digits = match first {
                    Some(i) => &s.scratch[i..],
                    None => &s.scratch[s.scratch.len() - 1..],
                };
                s.out.write_all(b"b")?;
                s.out.write_all(digits)?;
                writeln!(s.out, " {}", v.code)?;
            }
        }
        v.last.clear();
        v.last.extend_from_slice(&s.scratch);
        Ok(())
    }

    fn write_layout(&mut self, layout: &Layout, value: &VCDValue) -> anyhow::Result<()> {
        match (layout, value) {
            (Layout::Leaf(var), value) => self.write_value(*var, value),
            (Layout::Composite(parts), VCDValue::Composite(values)) => {
                anyhow::ensure!(
                    parts.len() == values.len(),
                    "struct signal has {} fields in its type but {} in its value",
                    parts.len(),
                    values.len()
                );
                for (part, value) in parts.iter().zip(values) {
                    self.write_layout(part, value)?;
                }
                Ok(())
            }
            (Layout::Composite(_), other) => {
                anyhow::bail!("struct signal got a non-struct value {other:?}")
            }
        }
    }
}

impl Probe for Changes<'_> {
    fn visit_atom(&mut self, _name: &str, signal: &dyn Atom) {
        if self.error.is_some() {
            return;
        }
        let index = self.next_atom;
        self.next_atom += 1;
        // Taken out for the call so `write_layout` may borrow the stream mutably.
        let atoms = std::mem::take(&mut self.stream.atoms);
        let result = match atoms.get(index) {
            Some(atom) if atom.id == signal.id() => self.write_layout(&atom.layout, &signal.vcd()),
            _ => Err(anyhow::anyhow!(
                "the block's signals differ from those of the VCD header \
                 (sampled a different block?)"
            )),
        };
        self.stream.atoms = atoms;
        if let Err(e) = result {
            self.error = Some(e);
        }
    }
}

impl VcdStream {
    /// Creates `path` and writes the VCD header for every signal of `uut`, with `top_name`
    /// as the top scope. Nothing is sampled yet.
    pub fn create(path: &Path, uut: &dyn Block, top_name: &str) -> anyhow::Result<Self> {
        use anyhow::Context;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating VCD directory {}", dir.display()))?;
        }
        let file =
            File::create(path).with_context(|| format!("creating VCD file {}", path.display()))?;
        let mut text = String::new();
        text.push_str("$version rust-hdl-uart sim/vcd.rs $end\n");
        text.push_str(&format!("$timescale {TIMESCALE} $end\n"));
        let mut header = Header {
            vars: Vec::new(),
            atoms: Vec::new(),
            text: &mut text,
        };
        uut.accept(top_name, &mut header);
        let Header { vars, atoms, .. } = header;
        text.push_str("$enddefinitions $end\n");
        let mut out = BufWriter::with_capacity(1 << 16, file);
        out.write_all(text.as_bytes())
            .with_context(|| format!("writing VCD header to {}", path.display()))?;
        Ok(Self {
            out,
            path: path.to_path_buf(),
            vars,
            atoms,
            scratch: Vec::new(),
            last_time: None,
            written_time: None,
        })
    }

    /// Records the current values of `uut` (the block given to [`VcdStream::create`]) at
    /// `time` (in [`TIMESCALE`] units). Times must strictly increase.
    pub fn sample(&mut self, uut: &dyn Block, time: u64) -> anyhow::Result<()> {
        if let Some(last) = self.last_time {
            anyhow::ensure!(
                time > last,
                "VCD time must increase: sample at {time} after {last} ({})",
                self.path.display()
            );
        }
        let dump_all = self.last_time.is_none();
        self.last_time = Some(time);
        if dump_all {
            // The first sample states every value, as VCD readers expect an initial dump.
            write!(self.out, "#{time}\n$dumpvars\n")?;
            self.written_time = Some(time);
        }
        let mut changes = Changes {
            stream: self,
            next_atom: 0,
            time,
            dump_all,
            error: None,
        };
        uut.accept("", &mut changes);
        let (visited, error) = (changes.next_atom, changes.error);
        if let Some(e) = error {
            return Err(e.context(format!("writing VCD {}", self.path.display())));
        }
        anyhow::ensure!(
            visited == self.atoms.len(),
            "sampled block has {visited} signals, the VCD header has {}",
            self.atoms.len()
        );
        if dump_all {
            writeln!(self.out, "$end")?;
        }
        Ok(())
    }

    /// Heap bytes held by the writer (output buffer, last values): constant over a run.
    pub fn state_bytes(&self) -> usize {
        self.out.capacity()
            + self.scratch.capacity()
            + self
                .vars
                .iter()
                .map(|v| v.last.capacity() + v.code.capacity() + std::mem::size_of::<Var>())
                .sum::<usize>()
    }

    /// Number of VCD variables (an enum counts twice: index and label).
    pub fn var_count(&self) -> usize {
        self.vars.len()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes the file and reports any write error (dropping the stream flushes too, but
    /// silently).
    pub fn finish(mut self) -> anyhow::Result<PathBuf> {
        use anyhow::Context;
        self.out
            .flush()
            .with_context(|| format!("flushing VCD {}", self.path.display()))?;
        Ok(self.path.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_hdl::prelude::*;
    use std::collections::HashMap;

    fn test_dir(name: &str) -> PathBuf {
        target_dir().join("vcd-tests").join(name)
    }

    #[derive(Copy, Clone, Debug, PartialEq, LogicState)]
    enum Light {
        Red,
        Green,
        Amber,
    }

    #[derive(LogicStruct, Copy, Clone, Default, PartialEq, Debug)]
    struct Pair {
        lo: Bits<4>,
        hi: Bits<4>,
    }

    #[derive(LogicBlock, Default)]
    struct Ticker {
        clock: Signal<In, Clock>,
        count: Signal<Out, Bits<32>>,
        pair: Signal<Out, Pair>,
        light: Signal<Out, Light>,
        counter: DFF<Bits<32>>,
        state: DFF<Light>,
    }

    impl Logic for Ticker {
        #[hdl_gen]
        fn update(&mut self) {
            dff_setup!(self, clock, counter, state);
            self.counter.d.next = self.counter.q.val() + 1;
            self.count.next = self.counter.q.val();
            self.pair.next.lo = self.counter.q.val().get_bits::<4>(0);
            self.pair.next.hi = self.counter.q.val().get_bits::<4>(4);
            self.light.next = self.state.q.val();
            match self.state.q.val() {
                Light::Red => self.state.d.next = Light::Green,
                Light::Green => self.state.d.next = Light::Amber,
                Light::Amber => self.state.d.next = Light::Red,
                _ => self.state.d.next = Light::Red,
            }
        }
    }

    /// Runs `cycles` more cycles of the direct loop, sampling at each edge.
    fn run(uut: &mut Ticker, vcd: &mut VcdStream, first: u64, cycles: u64) {
        for n in first..first + cycles {
            uut.clock.next = true.into();
            assert!(simulate(uut, 100));
            vcd.sample(uut, 10 * n + 5).unwrap();
            uut.clock.next = false.into();
            assert!(simulate(uut, 100));
            vcd.sample(uut, 10 * n + 10).unwrap();
        }
    }

    struct Parsed {
        vars: HashMap<String, (String, usize, String)>, // code -> (type, width, name)
        changes: Vec<(u64, String, String)>,            // time, code, value
    }

    /// A strict reader for what a VCD must look like; panics on anything else.
    fn parse(text: &str) -> Parsed {
        let (header, body) = text
            .split_once("$enddefinitions $end\n")
            .expect("header end");
        assert!(header.contains("$timescale 1ns $end"));
        let mut vars = HashMap::new();
        let mut depth = 0i32;
        for line in header.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.first() {
                Some(&"$scope") => depth += 1,
                Some(&"$upscope") => depth -= 1,
                Some(&"$var") => {
                    assert_eq!(*words.last().unwrap(), "$end", "{line}");
                    let width: usize = words[2].parse().unwrap();
                    assert!(width > 0, "{line}");
                    let old = vars.insert(
                        words[3].to_string(),
                        (words[1].to_string(), width, words[4].to_string()),
                    );
                    assert!(old.is_none(), "duplicate code: {line}");
                }
                _ => {}
            }
            assert!(depth >= 0);
        }
        assert_eq!(depth, 0, "unbalanced scopes");
        let mut changes = Vec::new();
        let mut time = None::<u64>;
        for line in body.lines() {
            if let Some(t) = line.strip_prefix('#') {
                let t: u64 = t.parse().unwrap();
                assert!(time.is_none_or(|old| t > old), "time {t} after {time:?}");
                time = Some(t);
                continue;
            }
            if line == "$dumpvars" || line == "$end" {
                continue;
            }
            let (value, code) = match line.as_bytes()[0] {
                b'b' | b's' => {
                    let (v, c) = line.split_once(' ').unwrap();
                    (v.to_string(), c.to_string())
                }
                _ => (line[..1].to_string(), line[1..].to_string()),
            };
            let (kind, width, _) = vars.get(&code).unwrap_or_else(|| panic!("{line}"));
            if kind == "string" {
                assert!(value.starts_with('s'));
            } else if let Some(bits) = value.strip_prefix('b') {
                assert!(bits.len() <= *width && bits.chars().all(|c| "01xz".contains(c)));
            } else {
                assert_eq!(*width, 1, "{line}");
            }
            changes.push((time.expect("a timestamp first"), code, value));
        }
        Parsed { vars, changes }
    }

    #[test]
    fn writes_a_well_formed_vcd_with_readable_enums() {
        let path = test_dir("ticker").join("ticker.vcd");
        let mut uut = Ticker::default();
        uut.connect_all();
        let mut vcd = VcdStream::create(&path, &uut, "ticker").unwrap();
        assert!(simulate(&mut uut, 100));
        vcd.sample(&uut, 0).unwrap();
        run(&mut uut, &mut vcd, 0, 20);
        assert!(vcd.sample(&uut, 200).is_err(), "time must increase");
        vcd.finish().unwrap();
        let parsed = parse(&std::fs::read_to_string(&path).unwrap());
        let code_of = |name: &str, kind: &str| {
            parsed
                .vars
                .iter()
                .find(|(_, (k, _, n))| n == name && k == kind)
                .map(|(c, (_, w, _))| (c.clone(), *w))
                .unwrap_or_else(|| panic!("no {kind} {name}"))
        };
        // The enum: a 2-bit index (the Verilog encoding) plus a string label.
        let (index, width) = code_of("light", "wire");
        assert_eq!(width, 2);
        let (label, _) = code_of("light$label", "string");
        let values = |code: &str| -> Vec<String> {
            parsed
                .changes
                .iter()
                .filter(|(_, c, _)| c == code)
                .map(|(_, _, v)| v.clone())
                .collect()
        };
        assert_eq!(&values(&label)[..4], ["sRed", "sGreen", "sAmber", "sRed"]);
        assert_eq!(&values(&index)[..4], ["b0", "b1", "b10", "b0"]);
        // Struct fields are variables of their own; the counter counts.
        assert_eq!(code_of("pair$hi", "wire").1, 4);
        let (count, width) = code_of("count", "wire");
        assert_eq!(width, 32);
        assert_eq!(values(&count).last().unwrap(), &format!("b{:b}", 20));
    }

    fn rss_bytes() -> u64 {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
        let pages: u64 = statm
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        pages * 4096
    }

    #[test]
    fn file_grows_with_cycles_memory_does_not() {
        let path = test_dir("long").join("long.vcd");
        let mut uut = Ticker::default();
        uut.connect_all();
        let mut vcd = VcdStream::create(&path, &uut, "ticker").unwrap();
        run(&mut uut, &mut vcd, 0, 1_000);
        let state = vcd.state_bytes();
        let size_at = |p: &Path| std::fs::metadata(p).unwrap().len();
        let rss = rss_bytes();
        let small = size_at(&path);
        let start = std::time::Instant::now();
        run(&mut uut, &mut vcd, 1_000, 300_000);
        eprintln!(
            "traced direct loop: {:.0} cycles/s",
            300_000.0 / start.elapsed().as_secs_f64()
        );
        assert_eq!(
            vcd.state_bytes(),
            state,
            "the writer's own memory is constant"
        );
        let grown = rss_bytes().saturating_sub(rss);
        let path = vcd.finish().unwrap();
        let large = size_at(&path);
        assert!(large > 100 * small, "{small} -> {large} bytes");
        // Other tests run in this process too, hence a margin rather than zero.
        assert!(
            grown < large / 4,
            "RSS grew by {grown} bytes while writing {large} bytes of VCD"
        );
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn uart_vcd_values() {
        assert_eq!(vcd_path("", "t"), None);
        assert_eq!(vcd_path("0", "t"), None);
        assert_eq!(
            vcd_path("1", "a::b"),
            Some(target_dir().join("vcd").join("a__b.vcd"))
        );
        assert_eq!(
            vcd_path("/tmp/w", "rx"),
            Some(PathBuf::from("/tmp/w/rx.vcd"))
        );
    }
}
