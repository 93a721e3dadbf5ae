//! The shipped Verilog: rust-hdl's generated text, rewritten so that it simulates fast in
//! event-driven simulators (Icarus, the default under cocotb) and race-free, with the same
//! logic. This is the one place that works around rust-hdl 0.46's generator style for
//! simulation speed; [`super::block_verilog`] applies it to every export.
//!
//! Why a pass over the text and not an emitter of our own: rust-hdl's text is regular
//! (one statement per line, fixed section comments), the pass touches only a few shapes
//! (clock copies, flip-flop sub-modules and registers with a power-up value, the top's
//! input reads) and leaves every combinational block byte for byte as rust-hdl wrote it,
//! so the logic users read and debug is rust-hdl's own and the yosys equivalence proof
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

    for (k, line) in lines.iter().enumerate() {
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
            out.extend(flop_processes(&groups, clock.as_deref().unwrap_or("clock")));
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

fn flop_processes(groups: &[Vec<Flop>], clock: &str) -> Vec<String> {
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
    out.push(format!("    always @(posedge {clock}) begin"));
    for flop in groups.iter().flatten() {
        out.push(format!("        {0}$q <= {0}$d;", flop.instance));
    }
    out.push("    end".into());
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
            while i < bytes.len()
                && ((bytes[i] as char).is_ascii_alphanumeric() || bytes[i] == b'_')
            {
                i += 1;
            }
            out.push_str(&line[start..i]);
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < bytes.len()
                && ((bytes[i] as char).is_ascii_alphanumeric()
                    || bytes[i] == b'_'
                    || bytes[i] == b'$')
            {
                i += 1;
            }
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
