//! The shipped Verilog: rust-hdl's generated text, rewritten so that it simulates fast in
//! event-driven simulators (Icarus, the default under cocotb) and race-free, with the same
//! logic. This is the one place that works around rust-hdl 0.46's generator style for
//! simulation speed; [`super::block_verilog`] applies it to every export.
//!
//! Why a pass over the text and not an emitter of our own: rust-hdl's text is regular
//! (one statement per line, fixed section comments), the pass touches only a few shapes
//! (clock copies, flip-flop sub-modules and registers with a power-up value, the top's
//! input reads) and leaves every combinational block's statements as rust-hdl wrote them
//! (under Verilator some flip-flops' next values are computed by the same statements in
//! the clock process, see below), so the logic users read and debug is rust-hdl's own and
//! the yosys equivalence proof
//! has little to bridge. An
//! emitter would have to re-derive rust-hdl's whole Verilog (precedence, 32-bit literals,
//! enum encodings) and could differ from the Rust simulation in new ways.
//!
//! What the pass does, and why:
//! - **Clock copies.** rust-hdl wires every sub-module's clock through a stub assigned in
//!   the parent's `always @(*)` (`x$clock = clock;`), so every clock edge, rising and
//!   falling, re-runs every parent's whole combinational block. The copies are removed
//!   and each instance's clock port is connected to the module's `clock` input: the
//!   blocks then run only when a value they read changes.
//! - **Flip-flops.** Every rust-hdl `DFF` is a sub-module of its own with one
//!   `always @(posedge clock)` process: about a hundred processes woken per clock in the
//!   peripheral. They are taken into the parent as registers named as before
//!   (`state$q`, still driven from `state$d`), with their `initial` values. For
//!   event-driven simulators the registers of a module are packed into 64-bit (at most)
//!   vectors updated by one process, so a clock costs one wake-up and a few nonblocking
//!   updates per module; Verilator (`` `ifdef VERILATOR ``) gets one register per flip-flop,
//!   because it evaluates sliced packed vectors slower (35 % more instructions per
//!   clock on `uart_wb`). Both branches are proven equivalent to rust-hdl's text.
//!   Each packed vector's next value is a net (`assign flops$0$d = {b$d, a$d};`), so the
//!   clock process reads one variable per vector, not one per flip-flop: profiled with
//!   callgrind, Icarus spent 55 % of `uart_wb`'s time in its variable-load instruction
//!   (`%load/vec4`, a C++ `dynamic_cast` per load), most of it the clock processes
//!   reading every `d` on every clock; a net is recomputed only when a `d` changes.
//! - **Next values in the clock process, under Verilator.** rust-hdl computes every
//!   flip-flop's next value `x$d` in the combinational block (most start from the hold
//!   default `x$d = x$q;`), and the clock process copies `x$q <= x$d`. Verilator runs the
//!   whole design once per rising edge, so each flip-flop costs the default, the copy and
//!   a `d` variable per clock. Where it is safe, the Verilator branch computes the next
//!   value in the clock process itself, from the same statements and conditions
//!   (`if (write) begin word$q <= merged; end`, the hold default left out), and the block's
//!   assignments to `x$d` and its declaration are hidden from Verilator
//!   (`` `ifndef VERILATOR ``). Safe means: `x$d` is read by nothing else; its first
//!   assignment is unconditional (it is assigned on every path, as rust-hdl's checker
//!   demands of a flip-flop's input); and every signal its assignments and their
//!   enclosing conditions read is not assigned again later in the block, so at the clock
//!   edge the process reads the very values the block's statement read. A local signal
//!   that only such next values read (the peripheral's read-data word, built from every
//!   register on every clock, is needed only when a bus read is accepted) moves with
//!   them: its statements, unchanged, go to the start of the innermost branch of the
//!   clock process that holds all its reads, so Verilator computes it only on the
//!   clocks that use it (`sink` has the exact conditions); such a local starts each
//!   clock from zero (never seen: it is computed before every read), and the process is
//!   marked for Verilator's lint as holding blocking assignments on purpose
//!   (`lint_off BLKSEQ`). Measured with callgrind on
//!   `uart_wb`: 1 357 → 1 179 instructions per clock (see `bench/simspeed.md`).
//!   Event-driven simulators keep rust-hdl's block: the preprocessed text they read is
//!   unchanged, and their speed with it.
//! - **Registers with a power-up value.** rust-hdl's `DFFWithInit` is a module around a
//!   DFF that stores `d ^ init` and shows `q = dff$q ^ init`: one more module and clock
//!   process per register (ten in the peripheral). It is taken into its parent like a
//!   DFF, as `name$q` powering up as `init` (the XOR folded here, from the literals).
//! - **Race-freedom at the ports.** rust-hdl puts the top module's logic in one
//!   `always @(*)` that reads the inputs and writes the outputs. A testbench that wires an
//!   output back to an input through nets only (`assign rx = tx;`) changes that input
//!   *while the block is running*, when an `always @(*)` is not waiting for events, so the
//!   change is lost and the block keeps the old value of `rx` (the receiver never sees a
//!   start bit). rust-hdl's clock copies hid this: the block re-ran on the next clock
//!   edge. Here the top's inputs are copied by a process of their own (`in$rx = rx;`)
//!   and the logic reads the copies, so a change of any input, whoever makes it and
//!   when, wakes a process that is waiting, and then the logic. Inside the design every
//!   path from a process's writes back to its own reads passes through another process
//!   (a sub-module's ports connect only to its parent's stubs, written and read by the
//!   parent's block), so it is woken after it finishes: the same argument holds at every
//!   level, and the top's ports were the only place a pure-net loop could close.
//!   Registers are updated with nonblocking assignments, as rust-hdl's were, so no block
//!   sees a register change in the clock edge's own time step.
//!
//! The pass checks the shapes it rewrites and fails with an error naming the module and
//! the line when rust-hdl's text is not as expected, rather than emitting something
//! unproven; anything it does not recognise (custom Verilog such as the FIFO's RAM) is
//! left as it is.

use anyhow::{bail, Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The widest packed register vector for event-driven simulators: 64 bits keeps each
/// vector in one machine word of Icarus's value representation.
const PACK_BITS: u32 = 64;

/// One `module ... endmodule` of rust-hdl's text.
#[derive(Clone, Debug)]
struct Module {
    name: String,
    lines: Vec<String>,
}

/// A rust-hdl DFF module: `module NAME(d,q,clock)` with `q <= d` on the rising edge and
/// an `initial` value.
#[derive(Clone, Debug)]
struct DffShape {
    /// Declared width (`[w-1:0]`), 1 for a plain bit.
    width: u32,
    /// The range text as declared (`[7:0] ` or empty), reused in declarations.
    range: String,
    /// The `initial` value's literal as rust-hdl wrote it (`8'h0`, `64'h0`, ...).
    init: String,
}

/// A flip-flop taken into its parent.
#[derive(Clone, Debug)]
struct Flop {
    instance: String,
    shape: DffShape,
}

/// Rewrites rust-hdl's Verilog of a design whose top module is `top` into the shipped
/// text (see the module documentation). Text before the first module (a header comment)
/// is kept.
pub fn rewrite(text: &str, top: &str) -> Result<String> {
    let (preamble, modules) = split_modules(text)?;
    if !modules.iter().any(|m| m.name == top) {
        bail!("internal: rust-hdl's text has no module named {top}");
    }
    let mut dffs: BTreeMap<String, DffShape> = modules
        .iter()
        .filter_map(|m| dff_shape(m).map(|s| (m.name.clone(), s)))
        .collect();
    // Registers with a power-up value (rust-hdl's `DFFWithInit`): a module around a DFF
    // that XORs the value in and out. Taken in like a DFF, with the value folded in.
    let wrappers: BTreeMap<String, (DffShape, String)> = modules
        .iter()
        .filter_map(|m| init_wrapper_shape(m, &dffs).map(|s| (m.name.clone(), s)))
        .collect();
    for (name, (shape, _)) in &wrappers {
        dffs.insert(name.clone(), shape.clone());
    }
    let mut out = preamble;
    let mut still_used: BTreeSet<String> = BTreeSet::new();
    let mut rewritten = Vec::new();
    for module in &modules {
        if dffs.contains_key(&module.name) {
            continue;
        }
        let lines = rewrite_module(module, &dffs, module.name == top, &mut still_used)
            .with_context(|| format!("rewriting module {} of {top}", module.name))?;
        rewritten.push((module.name.clone(), lines));
    }
    // DFF modules whose instances could not be taken in stay (none in this project's
    // designs; kept for safety, never dropped while instantiated), and so does the DFF
    // inside a wrapper that stays (the wrapper stays as rust-hdl wrote it).
    for (name, (_, inner)) in &wrappers {
        if still_used.contains(name) {
            still_used.insert(inner.clone());
        }
    }
    for module in &modules {
        if dffs.contains_key(&module.name) && still_used.contains(&module.name) {
            rewritten.push((module.name.clone(), module.lines.clone()));
        }
    }
    for (_, lines) in rewritten {
        out.push('\n');
        for line in lines {
            out.push_str(&line);
            out.push('\n');
        }
    }
    Ok(out)
}

/// Splits the text into the part before the first module and the modules.
fn split_modules(text: &str) -> Result<(String, Vec<Module>)> {
    let mut preamble = String::new();
    let mut modules: Vec<Module> = Vec::new();
    let mut current: Option<Module> = None;
    for line in text.lines() {
        if let Some(module) = current.as_mut() {
            module.lines.push(line.to_string());
            if line.starts_with("endmodule") {
                modules.push(current.take().expect("current module"));
            }
        } else if let Some(rest) = line.strip_prefix("module ") {
            let name = rest
                .split('(')
                .next()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .with_context(|| format!("internal: unexpected module line `{line}`"))?;
            current = Some(Module {
                name: name.to_string(),
                lines: vec![line.to_string()],
            });
        } else if modules.is_empty() {
            preamble.push_str(line);
            preamble.push('\n');
        } else if !line.trim().is_empty() {
            bail!("internal: text between modules in rust-hdl's output: `{line}`");
        }
    }
    if let Some(module) = current {
        bail!("internal: module {} has no endmodule", module.name);
    }
    // Blank lines rust-hdl leaves at the end of the preamble are written back between
    // modules; keep one.
    let preamble = preamble.trim_end().to_string() + "\n";
    Ok((preamble, modules))
}

/// Recognises rust-hdl's DFF module (any enum localparams in it are allowed).
fn dff_shape(module: &Module) -> Option<DffShape> {
    let header = format!("module {}(d,q,clock);", module.name);
    if module.lines.first()? != &header {
        return None;
    }
    let body: Vec<&str> = module
        .lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.starts_with("//") && !l.starts_with("localparam "))
        .collect();
    // input d; output reg q; input clock; initial begin q = V; end; always ...; q <= d; end
    let expected_tail = [
        "input wire  clock;",
        "initial begin",
        "",
        "end",
        "always @(posedge clock) begin",
        "q <= d;",
        "end",
    ];
    if body.len() != 11 {
        return None;
    }
    let d_range = body[1].strip_prefix("input wire  ")?.strip_suffix("d;")?;
    let q_range = body[2].strip_prefix("output reg  ")?.strip_suffix("q;")?;
    if d_range != q_range {
        return None;
    }
    let init = body[5].strip_prefix("q = ")?.strip_suffix(';')?;
    for (i, want) in expected_tail.iter().enumerate() {
        let got = body[3 + i];
        if i == 2 {
            continue; // the initial value, checked above
        }
        if got != *want {
            return None;
        }
    }
    if !body.last()?.starts_with("endmodule") {
        return None;
    }
    let width = range_width(d_range)?;
    Some(DffShape {
        width,
        range: d_range.to_string(),
        init: init.to_string(),
    })
}

/// Recognises rust-hdl's `DFFWithInit` module: `module NAME(d,q,clock)` holding one DFF
/// instance `dff` (a module in `dffs`) and a block `q = dff$q ^ init; dff$d = d ^ init;`,
/// so that the register powers up as `init`. Returns the shape of an equivalent DFF (its
/// power-up value `dff`'s XOR `init`, computed here) and the inner DFF module's name.
/// Taking it in as one register saves a module, a clock process and two XOR
/// assignments per register; the value users see (`name$q`) is the same.
fn init_wrapper_shape(
    module: &Module,
    dffs: &BTreeMap<String, DffShape>,
) -> Option<(DffShape, String)> {
    let name = &module.name;
    if module.lines.first()? != &format!("module {name}(d,q,clock);") {
        return None;
    }
    let body: Vec<&str> = module
        .lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .collect();
    let range = body
        .get(1)?
        .strip_prefix("input wire  ")?
        .strip_suffix("d;")?;
    let init = body
        .get(4)?
        .strip_prefix("localparam  init = ")?
        .strip_suffix(';')?;
    let inner = format!("{name}$dff");
    let expected = [
        format!("input wire  {range}d;"),
        format!("output reg  {range}q;"),
        "input wire  clock;".to_string(),
        format!("localparam  init = {init};"),
        format!("reg  {range}dff$d;"),
        format!("wire  {range}dff$q;"),
        "reg  dff$clock;".to_string(),
        format!("{inner} dff("),
        ".d(dff$d),".to_string(),
        ".q(dff$q),".to_string(),
        ".clock(dff$clock)".to_string(),
        ");".to_string(),
        "always @(*) begin".to_string(),
        "dff$clock = clock;".to_string(),
        "q = dff$q ^ init;".to_string(),
        "dff$d = d ^ init;".to_string(),
        "end".to_string(),
    ];
    if body.len() != expected.len() + 2
        || !body[1..=expected.len()]
            .iter()
            .zip(&expected)
            .all(|(a, b)| a == b)
        || !body.last()?.starts_with("endmodule")
    {
        return None;
    }
    let shape = dffs.get(&inner)?;
    if shape.range != range {
        return None;
    }
    let value = literal_value(&shape.init, shape.width)? ^ literal_value(init, shape.width)?;
    Some((
        DffShape {
            width: shape.width,
            range: shape.range.clone(),
            init: format!("{}'h{value:x}", shape.width),
        },
        inner,
    ))
}

/// The value of a sized Verilog literal as rust-hdl writes them (`32'h4b7f`, `1'b1`,
/// `8'd12`), truncated to `width` bits as an assignment to a `width`-bit register
/// would; `None` for anything else (x/z digits, unsized, wider than 128 bits).
fn literal_value(literal: &str, width: u32) -> Option<u128> {
    if width == 0 || width > 128 {
        return None;
    }
    let (size, rest) = literal.split_once('\'')?;
    size.parse::<u32>().ok()?;
    let mut chars = rest.chars();
    let radix = match chars.next()?.to_ascii_lowercase() {
        'h' => 16,
        'b' => 2,
        'd' => 10,
        'o' => 8,
        _ => return None,
    };
    let digits: String = chars.filter(|&c| c != '_').collect();
    let value = u128::from_str_radix(&digits, radix).ok()?;
    let mask = if width == 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    };
    Some(value & mask)
}

/// Width of a declaration's range text: `` (one bit) or `[h:0] `.
fn range_width(range: &str) -> Option<u32> {
    let range = range.trim();
    if range.is_empty() {
        return Some(1);
    }
    let inner = range.strip_prefix('[')?.strip_suffix(']')?;
    let (high, low) = inner.split_once(':')?;
    if low.trim() != "0" {
        return None;
    }
    high.trim().parse::<u32>().ok().map(|h| h + 1)
}

/// Whether a line declares `input wire ... name;`; returns the range text and name.
fn input_port(line: &str) -> Option<(String, String)> {
    let rest = line.trim().strip_prefix("input wire  ")?;
    let rest = rest.strip_suffix(';')?;
    match rest.rfind(' ') {
        Some(at) => Some((rest[..=at].to_string(), rest[at + 1..].to_string())),
        None => Some((String::new(), rest.to_string())),
    }
}

fn rewrite_module(
    module: &Module,
    dffs: &BTreeMap<String, DffShape>,
    is_top: bool,
    still_used: &mut BTreeSet<String>,
) -> Result<Vec<String>> {
    let mut lines = module.lines.clone();
    if lines.iter().any(|l| l.contains("// Update code (custom)")) {
        // Hand-written Verilog inside rust-hdl (the RAM): left as it is.
        return Ok(lines);
    }
    // The module's clock: its `clock` input, or (a firmware top: `clk`) the one-bit input
    // every clock copy reads.
    let clock = clock_input(&lines);

    // 1. Clock copies: `        x$clock = <clock>;` in the block, `reg x$clock;` stubs.
    let mut copied: Vec<String> = Vec::new();
    if let Some(clock) = &clock {
        let copy_suffix = format!("$clock = {clock};");
        lines.retain(|l| {
            if let Some(inst) = l
                .strip_prefix("        ")
                .and_then(|r| r.strip_suffix(&copy_suffix))
            {
                if is_plain_name(inst) {
                    copied.push(inst.to_string());
                    return false;
                }
            }
            true
        });
        for inst in &copied {
            let stub = format!("{inst}$clock");
            let declaration = format!("    reg  {stub};");
            let before = lines.len();
            lines.retain(|l| l != &declaration);
            if lines.len() + 1 != before {
                bail!("internal: the stub {stub} is not declared once as a plain reg");
            }
            let port = format!("        .clock({stub})");
            let mut connected = 0;
            for line in lines.iter_mut() {
                if let Some(rest) = line.strip_prefix(&port) {
                    *line = format!("        .clock({clock}){rest}");
                    connected += 1;
                }
            }
            if connected != 1 || lines.iter().any(|l| mentions(l, &stub)) {
                bail!("internal: {stub} is used other than as one instance's clock");
            }
        }
    }

    // 2. Flip-flops: instances of DFF modules clocked by `clock`.
    let mut flops: Vec<Flop> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        let instance_of = line
            .strip_prefix("    ")
            .filter(|r| !r.starts_with(' '))
            .and_then(|r| r.strip_suffix('('))
            .and_then(|r| r.split_once(' '));
        if let Some((module_name, inst)) = instance_of {
            if let Some(shape) = dffs.get(module_name) {
                let expected = [
                    format!("        .d({inst}$d),"),
                    format!("        .q({inst}$q),"),
                    format!("        .clock({})", clock.as_deref().unwrap_or("clock")),
                    "    );".to_string(),
                ];
                let matches = clock.is_some()
                    && lines.len() > i + 4
                    && (0..4).all(|k| lines[i + 1 + k] == expected[k])
                    && is_plain_name(inst);
                if matches {
                    flops.push(Flop {
                        instance: inst.to_string(),
                        shape: shape.clone(),
                    });
                    lines.drain(i..i + 5);
                    continue;
                }
                still_used.insert(module_name.to_string());
            }
        }
        i += 1;
    }

    let mut out: Vec<String> = Vec::new();
    let always = lines
        .iter()
        .position(|l| l == "    always @(*) begin")
        .context("internal: no `always @(*)` block")?;
    let block_end = (always..lines.len())
        .find(|&k| lines[k] == "    end")
        .context("internal: the `always @(*)` block has no end")?;

    // Declarations of the flip-flops' q replace rust-hdl's `wire q` stubs.
    let q_decl: BTreeMap<String, usize> = flops
        .iter()
        .map(|f| {
            let want = format!("    wire  {}{}$q;", f.shape.range, f.instance);
            lines
                .iter()
                .position(|l| *l == want)
                .map(|at| (f.instance.clone(), at))
                .with_context(|| format!("internal: no declaration `{}`", want.trim()))
        })
        .collect::<Result<_>>()?;
    let first_q = q_decl.values().min().copied();
    let groups = pack(&flops);
    for name in groups_names(&groups) {
        if lines.iter().any(|l| mentions(l, &name)) {
            bail!(
                "internal: {name} already names a signal; the packed registers need another name"
            );
        }
    }

    // Inputs read by the top's block get a process of their own (see the module docs).
    let mut shadows: Vec<(String, String)> = Vec::new();
    if is_top {
        let block = &lines[always + 1..block_end];
        for line in &lines[..always] {
            if let Some((range, name)) = input_port(line) {
                if block.iter().any(|l| mentions(l, &name)) {
                    let shadow = format!("in${name}");
                    if lines.iter().any(|l| mentions(l, &shadow)) {
                        bail!("internal: {shadow} already names a signal");
                    }
                    shadows.push((range, name));
                }
            }
        }
    }

    // Under Verilator, the next values the clock process can compute itself.
    let moved = clocked_next_values(&lines[always + 1..block_end], &lines, &flops);
    let hidden: BTreeSet<usize> = match &moved {
        Some(m) => {
            let mut hidden: BTreeSet<usize> = m.lines.iter().map(|k| k + always + 1).collect();
            for inst in &m.instances {
                let flop = flops.iter().find(|f| &f.instance == inst);
                let want = flop.map(|f| format!("    reg  {}{inst}$d;", f.shape.range));
                match lines.iter().position(|l| Some(l) == want.as_ref()) {
                    Some(at) => hidden.insert(at),
                    None => bail!("internal: no declaration of {inst}$d"),
                };
            }
            hidden
        }
        None => BTreeSet::new(),
    };
    let mut process = moved
        .as_ref()
        .map(|m| m.process.clone())
        .unwrap_or_default();
    for (_, name) in &shadows {
        for line in process.iter_mut() {
            *line = rename_token(line, name, &format!("in${name}"));
        }
    }
    let moved_instances = moved.map(|m| m.instances).unwrap_or_default();

    for (k, line) in lines.iter().enumerate() {
        if hidden.contains(&k) {
            // Consecutive hidden lines share one `ifndef`.
            if !hidden.contains(&(k.wrapping_sub(1))) {
                out.push("`ifndef VERILATOR".into());
            }
            let mut text = line.clone();
            for (_, name) in &shadows {
                text = rename_token(&text, name, &format!("in${name}"));
            }
            out.push(text);
            if !hidden.contains(&(k + 1)) {
                out.push("`endif".into());
            }
            continue;
        }
        if q_decl.values().any(|&at| at == k) {
            if Some(k) == first_q {
                out.extend(flop_declarations(&groups));
            }
            continue;
        }
        if k == always && !shadows.is_empty() {
            // Declared here, just before use, with their own process.
            out.push(
                "    // Input copies: the logic below reads these, so a change of an input made"
                    .into(),
            );
            out.push(
                "    // while it runs (a testbench wire from an output) is never lost.".into(),
            );
            for (range, name) in &shadows {
                out.push(format!("    reg  {range}in${name};"));
            }
            out.push("    always @(*) begin".into());
            for (_, name) in &shadows {
                out.push(format!("        in${name} = {name};"));
            }
            out.push("    end".into());
            out.push("    ".into());
        }
        if k > always && k < block_end && !shadows.is_empty() {
            let mut text = line.clone();
            for (_, name) in &shadows {
                text = rename_token(&text, name, &format!("in${name}"));
            }
            out.push(text);
            continue;
        }
        if k == block_end && !flops.is_empty() {
            out.push(line.clone());
            out.push("    ".into());
            out.extend(flop_processes(
                &groups,
                clock.as_deref().unwrap_or("clock"),
                &moved_instances,
                &process,
            ));
            continue;
        }
        out.push(line.clone());
    }
    Ok(out)
}

/// The module's clock input: `clock` when it has one; otherwise the one-bit input that
/// every clock copy (`x$clock = name;`) reads, when there are copies and they agree.
fn clock_input(lines: &[String]) -> Option<String> {
    if lines.iter().any(|l| l.trim() == "input wire  clock;") {
        return Some("clock".into());
    }
    let sources: BTreeSet<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("        "))
        .filter_map(|r| r.split_once("$clock = "))
        .filter(|(inst, _)| is_plain_name(inst))
        .filter_map(|(_, src)| src.strip_suffix(';'))
        .collect();
    let mut sources = sources.into_iter();
    match (sources.next(), sources.next()) {
        (Some(src), None)
            if is_plain_name(src)
                && lines
                    .iter()
                    .any(|l| l.trim() == format!("input wire  {src};")) =>
        {
            Some(src.to_string())
        }
        _ => None,
    }
}

/// The flip-flops in groups of at most [`PACK_BITS`] bits (a wider one alone).
fn pack(flops: &[Flop]) -> Vec<Vec<Flop>> {
    let mut groups: Vec<Vec<Flop>> = Vec::new();
    let mut bits = 0;
    for flop in flops {
        let w = flop.shape.width;
        if groups.is_empty() || bits + w > PACK_BITS {
            groups.push(Vec::new());
            bits = 0;
        }
        groups.last_mut().expect("a group").push(flop.clone());
        bits += w;
    }
    groups
}

fn group_width(group: &[Flop]) -> u32 {
    group.iter().map(|f| f.shape.width).sum()
}

/// `flops$0`, `flops$1`, ...: rust-hdl names are Rust identifiers joined by `$`, and no
/// Rust identifier starts with a digit, so these never collide (checked anyway).
/// Also `flops$0$d`, ...: each group's next value, the concatenation of its `d`s.
fn groups_names(groups: &[Vec<Flop>]) -> Vec<String> {
    (0..groups.len())
        .flat_map(|g| [format!("flops${g}"), format!("flops${g}$d")])
        .collect()
}

fn flop_declarations(groups: &[Vec<Flop>]) -> Vec<String> {
    let mut out = vec!["`ifdef VERILATOR".to_string()];
    for flop in groups.iter().flatten() {
        out.push(format!("    reg  {}{}$q;", flop.shape.range, flop.instance));
    }
    out.push("`else".into());
    for (g, group) in groups.iter().enumerate() {
        for flop in group {
            out.push(format!(
                "    wire  {}{}$q;",
                flop.shape.range, flop.instance
            ));
        }
        out.push(format!(
            "    reg  [{}:0] flops${g};",
            group_width(group) - 1
        ));
        out.push(format!(
            "    wire  [{}:0] flops${g}$d;",
            group_width(group) - 1
        ));
    }
    out.push("`endif".into());
    out
}

fn flop_processes(
    groups: &[Vec<Flop>],
    clock: &str,
    moved: &BTreeSet<String>,
    process: &[String],
) -> Vec<String> {
    let mut out = vec![
        "    // Flip-flops (rust-hdl's DFF sub-modules, taken in): q takes d on the rising edge."
            .to_string(),
        "`ifdef VERILATOR".to_string(),
        // Not "// Verilator: ...": Verilator reads a comment starting with its name as a
        // directive and rejects the file.
        "    // Under Verilator, one register per flip-flop.".to_string(),
        "    initial begin".to_string(),
    ];
    for flop in groups.iter().flatten() {
        out.push(format!(
            "        {}$q = {};",
            flop.instance, flop.shape.init
        ));
    }
    out.push("    end".into());
    // Local signals computed in the process (see the module docs) are blocking
    // assignments there, by design: Verilator's -Wall style warning about them is
    // turned off for this process only.
    let blocking = process.iter().any(|l| {
        l.trim()
            .strip_suffix(';')
            .and_then(|st| st.split_once(" = "))
            .is_some_and(|(lhs, _)| is_plain_name(lhs))
    });
    if blocking {
        out.push("    // verilator lint_off BLKSEQ".into());
    }
    out.push(format!("    always @(posedge {clock}) begin"));
    for flop in groups.iter().flatten() {
        if !moved.contains(&flop.instance) {
            out.push(format!("        {0}$q <= {0}$d;", flop.instance));
        }
    }
    out.extend(process.iter().cloned());
    out.push("    end".into());
    if blocking {
        out.push("    // verilator lint_on BLKSEQ".into());
    }
    out.push("`else".into());
    out.push(
        "    // Event-driven simulators: packed, so a clock edge wakes one process per module."
            .into(),
    );
    let mut init = vec!["    initial begin".to_string()];
    let mut update = vec![format!("    always @(posedge {clock}) begin")];
    for (g, group) in groups.iter().enumerate() {
        let mut low = 0;
        for flop in group {
            let high = low + flop.shape.width - 1;
            out.push(format!(
                "    assign {}$q = flops${g}[{high}:{low}];",
                flop.instance
            ));
            init.push(format!(
                "        flops${g}[{high}:{low}] = {};",
                flop.shape.init
            ));
            low = high + 1;
        }
        let mut concat = String::new();
        for (n, flop) in group.iter().rev().enumerate() {
            if n > 0 {
                concat.push_str(", ");
            }
            let _ = write!(concat, "{}$d", flop.instance);
        }
        // The concatenation is a net, updated only when a `d` changes; the clock
        // process reads it once. Reading each `d` in the process instead costs Icarus
        // a variable load per flip-flop per clock (its `%load/vec4` is the most
        // expensive instruction it runs: 55 % of `uart_wb`'s simulation time).
        out.push(format!("    assign flops${g}$d = {{{concat}}};"));
        update.push(format!("        flops${g} <= flops${g}$d;"));
    }
    init.push("    end".into());
    update.push("    end".into());
    out.extend(init);
    out.extend(update);
    out.push("`endif".into());
    out.push("    ".into());
    out
}

/// One statement or control construct of a combinational block as rust-hdl writes it (one
/// per line). `at` is the line's index in the block: the point where it reads its operands.
#[derive(Clone, Debug)]
enum Node {
    /// `lhs = rhs;`
    Assign { at: usize, lhs: String, rhs: String },
    /// `if (cond) begin ... end`, with `else begin ... end` or `else if ...` (`else_if`:
    /// `other` is one `If`).
    If {
        at: usize,
        end: usize,
        cond: String,
        then: Vec<Node>,
        other: Vec<Node>,
        else_if: bool,
    },
    /// `case (expr)` with `LABEL: begin ... end` items.
    Case {
        at: usize,
        end: usize,
        expr: String,
        items: Vec<(String, Vec<Node>)>,
    },
}

/// Parses a block's lines (between `always @(*) begin` and its `end`); `None` when a line
/// has a shape this parser does not know (the block is then left as it is).
fn parse_block(lines: &[String]) -> Option<Vec<Node>> {
    let trimmed: Vec<&str> = lines.iter().map(|l| l.trim()).collect();
    let mut at = 0;
    let nodes = parse_list(&trimmed, &mut at)?;
    (at == trimmed.len()).then_some(nodes)
}

fn parse_list(lines: &[&str], at: &mut usize) -> Option<Vec<Node>> {
    let mut nodes = Vec::new();
    while let Some(&line) = lines.get(*at) {
        if line == "end" || line == "endcase" || line.ends_with(':') {
            break;
        }
        if line.is_empty() || line.starts_with("//") {
            *at += 1;
            continue;
        }
        nodes.push(parse_node(lines, at)?);
    }
    Some(nodes)
}

fn parse_node(lines: &[&str], at: &mut usize) -> Option<Node> {
    let start = *at;
    let line = lines[start];
    if let Some(cond) = line
        .strip_prefix("if ")
        .and_then(|r| r.strip_suffix(" begin"))
    {
        *at += 1;
        let then = parse_list(lines, at)?;
        (lines.get(*at) == Some(&"end")).then_some(())?;
        *at += 1;
        let (other, else_if) = match lines.get(*at) {
            Some(l) if l.starts_with("else if ") => {
                // Parsed as an `if` of its own, read from the text after `else `.
                let mut copy: Vec<&str> = lines.to_vec();
                copy[*at] = &l["else ".len()..];
                (vec![parse_node(&copy, at)?], true)
            }
            Some(&"else begin") => {
                *at += 1;
                let other = parse_list(lines, at)?;
                (lines.get(*at) == Some(&"end")).then_some(())?;
                *at += 1;
                (other, false)
            }
            _ => (Vec::new(), false),
        };
        return Some(Node::If {
            at: start,
            end: *at,
            cond: cond.to_string(),
            then,
            other,
            else_if,
        });
    }
    if let Some(expr) = line.strip_prefix("case ") {
        *at += 1;
        let mut items = Vec::new();
        loop {
            let label = *lines.get(*at)?;
            if label == "endcase" {
                *at += 1;
                break;
            }
            let label = label.strip_suffix(':')?;
            (lines.get(*at + 1) == Some(&"begin")).then_some(())?;
            *at += 2;
            let body = parse_list(lines, at)?;
            (lines.get(*at) == Some(&"end")).then_some(())?;
            *at += 1;
            items.push((label.to_string(), body));
        }
        return Some(Node::Case {
            at: start,
            end: *at,
            expr: expr.to_string(),
            items,
        });
    }
    let (lhs, rhs) = line.strip_suffix(';')?.split_once(" = ")?;
    if !is_plain_name(lhs) {
        return None;
    }
    *at += 1;
    Some(Node::Assign {
        at: start,
        lhs: lhs.to_string(),
        rhs: rhs.to_string(),
    })
}

/// Where the run of letters, digits and `_` starting at `i` ends (a number, or the rest of a
/// sized literal).
fn end_of_word(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
        i += 1;
    }
    i
}

/// Where the identifier starting at `i` ends (rust-hdl's names hold `$`).
fn end_of_identifier(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len()
        && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'$')
    {
        i += 1;
    }
    i
}

/// The identifiers an expression reads.
fn identifiers(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i] as char;
        if c == '\'' || c.is_ascii_digit() {
            i = end_of_word(bytes, i + 1);
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            i = end_of_identifier(bytes, i);
            names.push(text[start..i].to_string());
            continue;
        }
        i += 1;
    }
    names
}

fn visit<'a>(nodes: &'a [Node], f: &mut dyn FnMut(&'a Node)) {
    for node in nodes {
        f(node);
        match node {
            Node::Assign { .. } => {}
            Node::If { then, other, .. } => {
                visit(then, f);
                visit(other, f);
            }
            Node::Case { items, .. } => {
                for (_, body) in items {
                    visit(body, f);
                }
            }
        }
    }
}

/// What [`clocked_next_values`] moves out of a combinational block.
struct Moved {
    /// Instances of the flip-flops whose next value the clock process computes.
    instances: BTreeSet<String>,
    /// Indices of the block's lines that assign their `d` (left out under Verilator).
    lines: BTreeSet<usize>,
    /// The clock process's statements (indented for the process body).
    process: Vec<String>,
}

/// Finds the flip-flops whose next value can be computed in the clock process instead of
/// the combinational block, for Verilator (see the module docs): `x$d` is read nowhere,
/// its first assignment is not under a condition (so it is assigned on every path, as a
/// flip-flop's input must be), and every signal its assignments and their enclosing
/// conditions read has its last assignment in the block before that read, so at the
/// clock edge the process reads the same settled values the block's statement read.
fn clocked_next_values(block: &[String], module: &[String], flops: &[Flop]) -> Option<Moved> {
    let nodes = parse_block(block)?;
    let mut assigned: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    visit(&nodes, &mut |n| {
        if let Node::Assign { at, lhs, .. } = n {
            assigned.entry(lhs.as_str()).or_default().push(*at);
        }
    });
    let top_level: BTreeSet<usize> = nodes
        .iter()
        .filter_map(|n| match n {
            Node::Assign { at, .. } => Some(*at),
            _ => None,
        })
        .collect();
    let mut moved: BTreeSet<String> = BTreeSet::new();
    for flop in flops {
        let d = format!("{}$d", flop.instance);
        let Some(writes) = assigned.get(d.as_str()) else {
            continue;
        };
        if !top_level.contains(&writes[0]) {
            continue;
        }
        // Read nowhere: every line that mentions it is its declaration or assigns it.
        let declaration = format!("    reg  {}{d};", flop.shape.range);
        let reads = module.iter().any(|l| {
            mentions(l, &d) && *l != declaration && !l.trim_start().starts_with(&format!("{d} = "))
        }) || block.iter().any(|l| {
            l.trim_start()
                .split_once(" = ")
                .is_some_and(|(_, rhs)| mentions(rhs, &d))
        });
        if !reads {
            moved.insert(flop.instance.clone());
        }
    }
    // Settled at `at`: no assignment to any name it reads at or after `at`.
    let settled = |text: &str, at: usize| {
        identifiers(text).iter().all(|name| {
            assigned
                .get(name.as_str())
                .is_none_or(|w| w.iter().all(|&p| p < at))
        })
    };
    loop {
        let mut drop: BTreeSet<String> = BTreeSet::new();
        check(&nodes, &mut Vec::new(), &moved, &settled, &mut drop);
        if drop.is_empty() {
            break;
        }
        moved.retain(|m| !drop.contains(m));
    }
    if moved.is_empty() {
        return None;
    }
    let mut lines = BTreeSet::new();
    visit(&nodes, &mut |n| {
        if let Node::Assign { at, lhs, .. } = n {
            if lhs
                .strip_suffix("$d")
                .is_some_and(|inst| moved.contains(inst))
            {
                lines.insert(*at);
            }
        }
    });
    // A first assignment `x$d = x$q;` (rust-hdl's "hold" default) is the clock
    // process's own default: left out. Only the first: a later one overrides.
    let holds: BTreeSet<usize> = moved
        .iter()
        .filter_map(|inst| {
            let first = assigned.get(format!("{inst}$d").as_str())?[0];
            let hold = format!("{inst}$q");
            let mut found = None;
            visit(&nodes, &mut |n| {
                if let Node::Assign { at, rhs, .. } = n {
                    if *at == first && *rhs == hold {
                        found = Some(first);
                    }
                }
            });
            found
        })
        .collect();
    let moved = Selection {
        instances: moved,
        skip: holds,
    };
    let sunk = sink(&nodes, module, flops, &moved, &assigned);
    for &top in sunk.placements.values().flatten() {
        let (from, to) = span(&nodes[top]);
        lines.extend(from..to);
    }
    let context = Emit {
        moved: &moved,
        placements: &sunk.placements,
        tops: &nodes,
    };
    // Locals computed only in a branch start each clock from zero: every read of one
    // follows its computation, so the value never shows, but it makes each a plain
    // function of this clock's values (no value held from an earlier clock) for
    // Verilator, which keeps them in machine registers, and for the equivalence proof.
    let mut defaults = Vec::new();
    for (&id, tops) in &sunk.placements {
        if id == ROOT {
            continue;
        }
        for &top in tops {
            for name in assigns_under(std::slice::from_ref(&nodes[top]))
                .into_iter()
                .map(|(_, name)| name)
            {
                let width = module.iter().find_map(|l| {
                    l.strip_prefix("    reg  ")?
                        .strip_suffix(&format!("{name};"))
                        .and_then(range_width)
                })?;
                let line = format!("        {name} = {width}'h0;");
                if !defaults.contains(&line) {
                    defaults.push(line);
                }
            }
        }
    }
    let mut process = defaults;
    context.list(&nodes, ROOT, 2, &mut process);
    let moved = moved.instances;
    Some(Moved {
        instances: moved,
        lines,
        process,
    })
}

/// Adds to `drop` every moved flip-flop one of whose assignments, or a condition above
/// one, reads a signal the block has not settled at that point.
fn check(
    nodes: &[Node],
    path: &mut Vec<(String, usize)>,
    moved: &BTreeSet<String>,
    settled: &dyn Fn(&str, usize) -> bool,
    drop: &mut BTreeSet<String>,
) {
    for node in nodes {
        match node {
            Node::Assign { at, lhs, rhs } => {
                if let Some(inst) = lhs.strip_suffix("$d").filter(|i| moved.contains(*i)) {
                    if !settled(rhs, *at) || !path.iter().all(|(c, p)| settled(c, *p)) {
                        drop.insert(inst.to_string());
                    }
                }
            }
            Node::If {
                at,
                cond,
                then,
                other,
                ..
            } => {
                path.push((cond.clone(), *at));
                check(then, path, moved, settled, drop);
                check(other, path, moved, settled, drop);
                path.pop();
            }
            Node::Case {
                at, expr, items, ..
            } => {
                path.push((expr.clone(), *at));
                for (_, body) in items {
                    check(body, path, moved, settled, drop);
                }
                path.pop();
            }
        }
    }
}

/// The flip-flops whose next value moves to the clock process, and the assignments
/// (their lines) the process leaves out.
struct Selection {
    instances: BTreeSet<String>,
    skip: BTreeSet<usize>,
}

/// Whether a list holds an assignment the clock process needs.
fn holds_moved(nodes: &[Node], moved: &Selection) -> bool {
    let mut found = false;
    visit(nodes, &mut |n| {
        if let Node::Assign { at, lhs, .. } = n {
            found |= !moved.skip.contains(at)
                && lhs
                    .strip_suffix("$d")
                    .is_some_and(|inst| moved.instances.contains(inst));
        }
    });
    found
}

/// A statement list of a block: the owning node's line and which of its lists (an `if`'s
/// 0 then, 1 else; a `case`'s items from 1), or [`ROOT`] for the block itself.
type ListId = (usize, usize);
const ROOT: ListId = (usize::MAX, 0);

/// The lines `[from, to)` a node spans in the block.
fn span(node: &Node) -> (usize, usize) {
    match node {
        Node::Assign { at, .. } => (*at, at + 1),
        Node::If { at, end, .. } | Node::Case { at, end, .. } => (*at, *end),
    }
}

/// One read of a name in the block.
struct Read {
    name: String,
    /// Line of the statement or condition that reads it.
    at: usize,
    /// The lists from the block down to the one holding that statement or `if`/`case`.
    path: Vec<ListId>,
    /// Top-level node holding the read.
    top: usize,
    /// The names the reading statement assigns: its own, or for a condition, every
    /// assignment (line, name) under it.
    assigns: Vec<(usize, String)>,
}

fn assigns_under(nodes: &[Node]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    visit(nodes, &mut |n| {
        if let Node::Assign { at, lhs, .. } = n {
            out.push((*at, lhs.clone()));
        }
    });
    out
}

fn collect_reads(nodes: &[Node], path: &mut Vec<ListId>, top: Option<usize>, out: &mut Vec<Read>) {
    for (k, node) in nodes.iter().enumerate() {
        let top = top.unwrap_or(k);
        let mut read = |text: &str, at: usize, assigns: Vec<(usize, String)>| {
            for name in identifiers(text) {
                out.push(Read {
                    name,
                    at,
                    path: path.clone(),
                    top,
                    assigns: assigns.clone(),
                });
            }
        };
        match node {
            Node::Assign { at, lhs, rhs } => read(rhs, *at, vec![(*at, lhs.clone())]),
            Node::If {
                at,
                cond,
                then,
                other,
                ..
            } => {
                read(cond, *at, assigns_under(std::slice::from_ref(node)));
                path.push((*at, 0));
                collect_reads(then, path, Some(top), out);
                path.pop();
                path.push((*at, 1));
                collect_reads(other, path, Some(top), out);
                path.pop();
            }
            Node::Case {
                at, expr, items, ..
            } => {
                read(expr, *at, assigns_under(std::slice::from_ref(node)));
                for (i, (_, body)) in items.iter().enumerate() {
                    path.push((*at, i + 1));
                    collect_reads(body, path, Some(top), out);
                    path.pop();
                }
            }
        }
    }
}

/// Local signals whose whole computation moves into the clock process with the
/// next values that read them.
struct Sunk {
    /// Groups of top-level nodes (indices), by the list of the clock process they go to.
    placements: BTreeMap<ListId, Vec<usize>>,
}

/// Finds the block's local signals that only the moved next values read (directly or
/// through other such signals), and where in the clock process to compute them: at the
/// start of the innermost branch that holds every read, so a register's next value that
/// is computed only when its condition holds (a bus read's data word) costs nothing on
/// the other clocks. A signal qualifies when: no other line of the module mentions it
/// (only its `reg` declaration: no port, no sub-module connection); every statement that
/// assigns it sits in a top-level statement of the block that assigns only such signals
/// (moved whole, in order); every read of it is by a moved next value, by a condition
/// above moved next values only, or by another such statement; and the statements read
/// only settled values of other signals (none assigned again later in the block).
fn sink(
    nodes: &[Node],
    module: &[String],
    flops: &[Flop],
    moved: &Selection,
    assigned: &BTreeMap<&str, Vec<usize>>,
) -> Sunk {
    let mut reads = Vec::new();
    collect_reads(nodes, &mut vec![ROOT], None, &mut reads);
    let top_assigns: Vec<Vec<(usize, String)>> = nodes
        .iter()
        .map(|n| assigns_under(std::slice::from_ref(n)))
        .collect();
    let is_moved = |at: usize, lhs: &str| {
        !moved.skip.contains(&at)
            && lhs
                .strip_suffix("$d")
                .is_some_and(|inst| moved.instances.contains(inst))
    };
    let flop_d: BTreeSet<String> = flops.iter().map(|f| format!("{}$d", f.instance)).collect();
    let mut sunk: BTreeSet<String> = assigned
        .keys()
        .filter(|name| !flop_d.contains(**name))
        .filter(|name| {
            let decl_end = format!(" {name};");
            module.iter().all(|l| {
                !mentions(l, name)
                    || (l.starts_with("    reg  ") && l.ends_with(&decl_end))
                    || l.starts_with("        ")
            })
        })
        .map(|name| name.to_string())
        .collect();
    // Lines of the block mention it only as statements (checked by the reads below);
    // lines of the module outside the block (declarations, instances) start with four
    // spaces only: the filter above let through every line indented by eight, which
    // in rust-hdl's module text is a block's statement or an instance's connection.
    sunk.retain(|name| {
        !module
            .iter()
            .any(|l| l.starts_with("        .") && mentions(l, name))
    });
    let settled =
        |name: &str, at: usize| assigned.get(name).is_none_or(|w| w.iter().all(|&p| p < at));
    loop {
        let before = sunk.len();
        let movable: Vec<bool> = top_assigns
            .iter()
            .map(|a| !a.is_empty() && a.iter().all(|(_, lhs)| sunk.contains(lhs)))
            .collect();
        let mut drop: BTreeSet<String> = BTreeSet::new();
        for (top, assigns) in top_assigns.iter().enumerate() {
            if !movable[top] {
                drop.extend(assigns.iter().map(|(_, lhs)| lhs.clone()));
            }
        }
        for read in &reads {
            let by_moved_or_sunk = !read.assigns.is_empty()
                && read.assigns.iter().all(|(at, lhs)| {
                    is_moved(*at, lhs) || sunk.contains(lhs) || moved.skip.contains(at)
                });
            if sunk.contains(&read.name) && !by_moved_or_sunk {
                drop.insert(read.name.clone());
            }
            if movable[read.top] && !sunk.contains(&read.name) && !settled(&read.name, read.at) {
                drop.extend(top_assigns[read.top].iter().map(|(_, lhs)| lhs.clone()));
            }
        }
        sunk.retain(|n| !drop.contains(n));
        if sunk.len() == before {
            break;
        }
    }
    // Groups: top-level nodes joined when one reads what another assigns.
    let tops: Vec<usize> = (0..nodes.len())
        .filter(|&t| {
            !top_assigns[t].is_empty() && top_assigns[t].iter().all(|(_, l)| sunk.contains(l))
        })
        .collect();
    let mut group: BTreeMap<usize, usize> = tops.iter().map(|&t| (t, t)).collect();
    fn find(group: &mut BTreeMap<usize, usize>, t: usize) -> usize {
        let parent = group[&t];
        if parent == t {
            t
        } else {
            let root = find(group, parent);
            group.insert(t, root);
            root
        }
    }
    let owner: BTreeMap<&str, usize> = tops
        .iter()
        .flat_map(|&t| top_assigns[t].iter().map(move |(_, l)| (l.as_str(), t)))
        .collect();
    // Every statement assigning a name joins the group of the one `owner` names.
    for &t in &tops {
        for (_, name) in &top_assigns[t] {
            let (a, b) = (find(&mut group, t), find(&mut group, owner[name.as_str()]));
            group.insert(a, b);
        }
    }
    for read in &reads {
        if let (true, Some(&writer)) =
            (group.contains_key(&read.top), owner.get(read.name.as_str()))
        {
            let (a, b) = (find(&mut group, read.top), find(&mut group, writer));
            group.insert(a, b);
        }
    }
    // Each group goes to the deepest list on the path of every read of its names by
    // a moved next value (or a condition above them).
    let mut paths: BTreeMap<usize, Vec<ListId>> = BTreeMap::new();
    for read in &reads {
        let Some(&writer) = owner.get(read.name.as_str()) else {
            continue;
        };
        if group.contains_key(&read.top) {
            continue; // a read by another moved statement of the group
        }
        let g = find(&mut group, writer);
        let common = paths.entry(g).or_insert_with(|| read.path.clone());
        let keep = common
            .iter()
            .zip(&read.path)
            .take_while(|(a, b)| a == b)
            .count();
        common.truncate(keep);
    }
    let mut placements: BTreeMap<ListId, Vec<usize>> = BTreeMap::new();
    for &t in &tops {
        let g = find(&mut group, t);
        let at = paths
            .get(&g)
            .and_then(|p| p.last().copied())
            .unwrap_or(ROOT);
        placements.entry(at).or_default().push(t);
    }
    Sunk { placements }
}

/// Writes the clock process: the part of the block that assigns the moved flip-flops,
/// each `x$d = e;` as `x$q <= e;`, with the sunk local signals' statements as they were
/// at the start of their list, in rust-hdl's layout (`depth` levels of four spaces).
struct Emit<'a> {
    moved: &'a Selection,
    placements: &'a BTreeMap<ListId, Vec<usize>>,
    tops: &'a [Node],
}

impl Emit<'_> {
    fn needed(&self, nodes: &[Node], id: ListId) -> bool {
        holds_moved(nodes, self.moved) || self.placements.contains_key(&id)
    }

    fn list(&self, nodes: &[Node], id: ListId, depth: usize, out: &mut Vec<String>) {
        for &top in self.placements.get(&id).into_iter().flatten() {
            verbatim(std::slice::from_ref(&self.tops[top]), depth, out);
        }
        let pad = "    ".repeat(depth);
        for node in nodes {
            if !holds_moved(std::slice::from_ref(node), self.moved) {
                continue;
            }
            match node {
                Node::Assign { lhs, rhs, .. } => {
                    let inst = lhs.strip_suffix("$d").unwrap_or(lhs);
                    out.push(format!("{pad}{inst}$q <= {rhs};"));
                }
                Node::If {
                    at,
                    cond,
                    then,
                    other,
                    else_if,
                    ..
                } => {
                    out.push(format!("{pad}if {cond} begin"));
                    self.list(then, (*at, 0), depth + 1, out);
                    out.push(format!("{pad}end"));
                    if self.needed(other, (*at, 1)) {
                        if *else_if && !self.placements.contains_key(&(*at, 1)) {
                            let mut chain = Vec::new();
                            self.list(other, (*at, 1), depth, &mut chain);
                            if let Some(first) = chain.first_mut() {
                                *first = format!("{pad}else {}", first.trim_start());
                            }
                            out.extend(chain);
                        } else {
                            out.push(format!("{pad}else begin"));
                            self.list(other, (*at, 1), depth + 1, out);
                            out.push(format!("{pad}end"));
                        }
                    }
                }
                Node::Case {
                    at, expr, items, ..
                } => {
                    out.push(format!("{pad}case {expr}"));
                    for (i, (label, body)) in items.iter().enumerate() {
                        out.push(format!("{pad}    {label}:"));
                        out.push(format!("{pad}        begin"));
                        self.list(body, (*at, i + 1), depth + 3, out);
                        out.push(format!("{pad}        end"));
                    }
                    out.push(format!("{pad}endcase"));
                }
            }
        }
    }
}

/// Writes statements as they are (blocking assignments), in rust-hdl's layout.
fn verbatim(nodes: &[Node], depth: usize, out: &mut Vec<String>) {
    let pad = "    ".repeat(depth);
    for node in nodes {
        match node {
            Node::Assign { lhs, rhs, .. } => out.push(format!("{pad}{lhs} = {rhs};")),
            Node::If {
                cond,
                then,
                other,
                else_if,
                ..
            } => {
                out.push(format!("{pad}if {cond} begin"));
                verbatim(then, depth + 1, out);
                out.push(format!("{pad}end"));
                if *else_if {
                    let mut chain = Vec::new();
                    verbatim(other, depth, &mut chain);
                    if let Some(first) = chain.first_mut() {
                        *first = format!("{pad}else {}", first.trim_start());
                    }
                    out.extend(chain);
                } else if !other.is_empty() {
                    out.push(format!("{pad}else begin"));
                    verbatim(other, depth + 1, out);
                    out.push(format!("{pad}end"));
                }
            }
            Node::Case { expr, items, .. } => {
                out.push(format!("{pad}case {expr}"));
                for (label, body) in items {
                    out.push(format!("{pad}    {label}:"));
                    out.push(format!("{pad}        begin"));
                    verbatim(body, depth + 3, out);
                    out.push(format!("{pad}        end"));
                }
                out.push(format!("{pad}endcase"));
            }
        }
    }
}

fn is_plain_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// Whether `line` uses the identifier `name` (a whole token; `$` is part of a token).
fn mentions(line: &str, name: &str) -> bool {
    rename_token(line, name, "\u{0}") != line
}

/// Replaces every whole-token occurrence of the identifier `from` by `to`, skipping
/// sized literals (`8'hff`), numbers and comments.
fn rename_token(line: &str, from: &str, to: &str) -> String {
    let bytes = line.as_bytes();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i] as char;
        if c == '/' && bytes.get(i + 1) == Some(&b'/') {
            out.push_str(&line[i..]);
            break;
        }
        if c == '\'' {
            // base letter and digits of a sized literal
            let start = i;
            i += 1;
            while i < bytes.len() && (bytes[i] as char).is_ascii_alphanumeric() {
                i += 1;
            }
            out.push_str(&line[start..i]);
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            i = end_of_word(bytes, i);
            out.push_str(&line[start..i]);
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            i = end_of_identifier(bytes, i);
            let token = &line[start..i];
            out.push_str(if token == from { to } else { token });
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_renamed_whole_and_literals_are_left() {
        assert_eq!(
            rename_token("x = rx & ~rx$q | 32'hrx | a_rx;", "rx", "in$rx"),
            "x = in$rx & ~rx$q | 32'hrx | a_rx;"
        );
        assert!(mentions("a = b$clock;", "b$clock"));
        assert!(!mentions("a = b$clock;", "b"));
    }

    #[test]
    fn literals_are_read_and_truncated_to_the_register() {
        assert_eq!(literal_value("32'h4b7f", 32), Some(0x4b7f));
        assert_eq!(literal_value("1'b1", 1), Some(1));
        assert_eq!(literal_value("8'd200", 8), Some(200));
        assert_eq!(literal_value("64'hff", 2), Some(3));
        assert_eq!(literal_value("4'bx01", 4), None);
        assert_eq!(literal_value("12", 4), None);
    }

    /// A `DFFWithInit` as rust-hdl writes it is taken into its parent as one register
    /// powering up as the inner DFF's value XOR `init`, and the module and its DFF go.
    #[test]
    fn registers_with_a_power_up_value_are_taken_in() {
        let text = "\
module top(clock,o);
    input wire  clock;
    output reg  [3:0] o;
    reg  [3:0] r$d;
    wire  [3:0] r$q;
    reg  r$clock;
    top$r r(
        .d(r$d),
        .q(r$q),
        .clock(r$clock)
    );
    always @(*) begin
        r$clock = clock;
        r$d = r$q + 4'h1;
        o = r$q;
    end
endmodule // top

module top$r(d,q,clock);
    input wire  [3:0] d;
    output reg  [3:0] q;
    input wire  clock;
    localparam  init = 32'ha;
    reg  [3:0] dff$d;
    wire  [3:0] dff$q;
    reg  dff$clock;
    top$r$dff dff(
        .d(dff$d),
        .q(dff$q),
        .clock(dff$clock)
    );
    always @(*) begin
        dff$clock = clock;
        q = dff$q ^ init;
        dff$d = d ^ init;
    end
endmodule // top$r

module top$r$dff(d,q,clock);
    input wire  [3:0] d;
    output reg  [3:0] q;
    input wire  clock;
    // Update code (custom)
    initial begin
       q = 4'h3;
    end
    always @(posedge clock) begin
       q <= d;
    end
endmodule // top$r$dff
";
        let out = rewrite(text, "top").unwrap();
        assert!(!out.contains("module top$r"), "{out}");
        assert!(out.contains("        r$q = 4'h9;"), "{out}");
        assert!(out.contains("    assign flops$0$d = {r$d};"), "{out}");
        assert!(out.contains("        flops$0 <= flops$0$d;"), "{out}");
        // A module whose block differs is no such register: it stays a module of its
        // own (its DFF taken in, as any module's), instantiated by the parent.
        let changed = text.replace("dff$d = d ^ init;", "dff$d = d;");
        let out = rewrite(&changed, "top").unwrap();
        assert!(
            out.contains("module top$r(") && out.contains("    top$r r("),
            "{out}"
        );
        assert!(
            out.contains("        dff$q = 4'h3;") && !out.contains("r$q = 4'h9"),
            "{out}"
        );
    }

    /// Under Verilator a register's next value moves into the clock process when the
    /// block's statements for it read only settled values; one whose condition reads a
    /// signal the block assigns later, or whose `d` another statement reads, stays. A
    /// local signal only a moved next value reads moves with it, into its branch.
    #[test]
    fn next_values_move_into_the_clock_process_only_when_settled() {
        let flop = |name: &str| {
            format!("    reg  [3:0] {name}$d;\n    wire  [3:0] {name}$q;\n    reg  {name}$clock;\n")
        };
        let instance = |name: &str| {
            format!(
                "    top$r {name}(\n        .d({name}$d),\n        .q({name}$q),\n        \
                 .clock({name}$clock)\n    );\n"
            )
        };
        let text = format!(
            "module top(clock,go,o);\n    input wire  clock;\n    input wire  go;\n    \
             output reg  [3:0] o;\n{}{}{}    reg  step;\n    reg  [3:0] sum;\n{}{}{}    \
             always @(*) begin\n\
             {}",
            flop("count"),
            flop("late"),
            flop("shown"),
            instance("count"),
            instance("late"),
            instance("shown"),
            "        count$clock = clock;
        late$clock = clock;
        shown$clock = clock;
        count$d = count$q;
        late$d = late$q;
        shown$d = shown$q;
        sum = count$q + 4'h1;
        if (go) begin
            count$d = sum;
        end
        else begin
            count$d = 4'h0;
        end
        if (step) begin
            late$d = 4'h2;
        end
        step = go;
        o = shown$d;
    end
endmodule // top

module top$r(d,q,clock);
    input wire  [3:0] d;
    output reg  [3:0] q;
    input wire  clock;
    initial begin
       q = 4'h0;
    end
    always @(posedge clock) begin
       q <= d;
    end
endmodule // top$r
"
        );
        let out = rewrite(&text, "top").unwrap();
        // count: computed by the clock process (reading the top's input copy), its hold
        // default left out, its statements and `d` hidden from Verilator.
        // Its local `sum`, read only there, is computed in the branch that reads it.
        let process = "        if (in$go) begin\n            sum = count$q + 4'h1;\n            \
                       count$q <= sum;\n        end\n        else begin\n            \
                       count$q <= 4'h0;\n        end\n";
        assert!(out.contains(process), "{out}");
        assert!(!out.contains("count$q <= count$q;"), "{out}");
        assert!(
            out.contains("`ifndef VERILATOR\n    reg  [3:0] count$d;\n`endif"),
            "{out}"
        );
        assert!(
            out.contains("`ifndef VERILATOR\n            count$d = 4'h0;\n`endif"),
            "{out}"
        );
        assert!(
            out.contains("`ifndef VERILATOR\n        sum = count$q + 4'h1;\n`endif"),
            "{out}"
        );
        // late: its condition reads `step`, assigned after it; shown: its `d` is read.
        // `step` itself, read by the block, stays in it.
        assert!(
            out.contains("        step = in$go;\n        o = shown$d;"),
            "{out}"
        );
        assert!(out.contains("        late$q <= late$d;"), "{out}");
        assert!(out.contains("        shown$q <= shown$d;"), "{out}");
        // The event-driven branch still packs every `d`.
        assert!(
            out.contains("assign flops$0$d = {shown$d, late$d, count$d};"),
            "{out}"
        );
    }

    #[test]
    fn packing_keeps_groups_within_64_bits() {
        let flop = |name: &str, width| Flop {
            instance: name.into(),
            shape: DffShape {
                width,
                range: String::new(),
                init: "1'h0".into(),
            },
        };
        let groups = pack(&[flop("a", 32), flop("b", 32), flop("c", 1), flop("d", 80)]);
        let widths: Vec<u32> = groups.iter().map(|g| group_width(g)).collect();
        assert_eq!(widths, [64, 1, 80]);
    }
}
