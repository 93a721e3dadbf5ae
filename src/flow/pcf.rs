//! Pin constraints (`.pcf`) for the iCE40-HX8K in the cb132 package, checked against the
//! design before any tool runs.
//!
//! Guarantees of [`check_constraints`], and why:
//! - every bit of every top-level port has exactly one pin: nextpnr would otherwise stop
//!   late with one "unconstrained IO" error at a time, or (with `--pcf-allow-unconstrained`)
//!   silently put a UART line on a random pin;
//! - every constrained name is a port bit: nextpnr only *warns* about unmatched names, so a
//!   misspelt `usb_tx` would leave the real port unconstrained;
//! - no port bit is constrained twice and no pin is used twice;
//! - every pin is a real cb132 I/O pin ([`CB132_PINS`]);
//! - all problems are reported together, each with `file:line` and a fix.
//!
//! [`ports_from_verilog`] reads the port list from the Verilog text that rust-hdl 0.46
//! generates (non-ANSI declarations), plain hand-written non-ANSI Verilog and ANSI headers.
//! Bit names follow nextpnr's convention, measured with nextpnr-ice40 0.4: a 1-bit port
//! (even one declared `[0:0]`) is named `x`, bit `i` of a wider port is `x[i]`, and a range
//! like `[4:1]` keeps its own indices. [`Port`] has no offset field, so only `[N-1:0]`
//! ranges (all rust-hdl emits) are accepted; anything else is refused rather than checked
//! against the wrong bit names.

use anyhow::{bail, Result};
use std::collections::BTreeMap;
use std::fmt;

/// All I/O pin names of the iCE40-HX8K cb132 package.
///
/// Derived, not typed from a datasheet: this is the `.pins cb132` section printed by
/// `icebox_chipdb -8` (fpga-icestorm 0~20230218gitd20a5e9, the same data nextpnr's ice40
/// chipdb is generated from), 95 pins. Cross-checked against nextpnr-ice40 0.4 itself by
/// constraining a port to each of the 196 names A1..P14: exactly these 95 were accepted,
/// every other name gave "package does not have a pin named". Pin names are
/// case-sensitive in nextpnr (`p7` is rejected).
pub const CB132_PINS: [&str; 95] = [
    "A1", "A2", "A3", "A4", "A5", "A6", "A7", "A10", "A11", "A12", "B1", "B14", //
    "C1", "C3", "C4", "C5", "C6", "C7", "C9", "C10", "C11", "C12", "C14", "D1", //
    "D3", "D4", "D5", "D6", "D7", "D9", "D10", "D11", "D12", "D14", "E1", "E4", //
    "E11", "E12", "E14", "F3", "F4", "F11", "F12", "F14", "G1", "G3", "G4", "G11", //
    "G12", "G14", "H1", "H3", "H4", "H11", "H12", "J1", "J3", "J11", "J12", "K3", //
    "K4", "K11", "K12", "K14", "L1", "L4", "L5", "L6", "L8", "L9", "L12", "L14", //
    "M1", "M3", "M4", "M6", "M7", "M9", "M11", "M12", "N1", "N14", "P1", "P2", //
    "P3", "P4", "P5", "P7", "P8", "P9", "P10", "P11", "P12", "P13", "P14",
];

/// Whether `pin` is an I/O pin of the cb132 package (case-sensitive, like nextpnr).
pub fn is_cb132_pin(pin: &str) -> bool {
    CB132_PINS.contains(&pin)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum PortDirection {
    Input,
    Output,
    Inout,
}

impl fmt::Display for PortDirection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PortDirection::Input => "input",
            PortDirection::Output => "output",
            PortDirection::Inout => "inout",
        })
    }
}

/// A top-level port. Bits are numbered `0..width`, as in a `[width-1:0]` declaration.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Port {
    pub name: String,
    pub width: usize,
    pub direction: PortDirection,
}

impl Port {
    /// The names nextpnr gives this port's bits: `x` for one bit, `x[0]`.. otherwise.
    pub fn bit_names(&self) -> Vec<String> {
        if self.width == 1 {
            vec![self.name.clone()]
        } else {
            (0..self.width)
                .map(|i| format!("{}[{}]", self.name, i))
                .collect()
        }
    }

    fn describe(&self) -> String {
        if self.width == 1 {
            self.name.clone()
        } else {
            format!("{}[{}:0]", self.name, self.width - 1)
        }
    }
}

/// One `set_io` line.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PinAssignment {
    /// Port bit as written, e.g. `led[0]`.
    pub port_bit: String,
    pub pin: String,
    /// 1-based line number in the pcf.
    pub line: usize,
    /// `-nowarn`: nextpnr's documented way to say "this port may not exist".
    pub nowarn: bool,
    /// `-pullup yes|no`, if given.
    pub pullup: Option<bool>,
}

/// One `set_frequency net MHz` line (accepted because nextpnr accepts it).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FrequencyConstraint {
    pub net: String,
    pub mhz: f64,
    pub line: usize,
}

/// A parsed pcf file.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Pcf {
    /// Name used in messages (usually the file path).
    pub source: String,
    pub assignments: Vec<PinAssignment>,
    pub frequencies: Vec<FrequencyConstraint>,
}

impl Pcf {
    /// Pin for a port bit, if constrained.
    pub fn pin_of(&self, port_bit: &str) -> Option<&str> {
        self.assignments
            .iter()
            .find(|a| a.port_bit == port_bit)
            .map(|a| a.pin.as_str())
    }
}

/// Parses pcf text in nextpnr-ice40's dialect: `set_io [-nowarn] [-pullup yes|no]
/// [-pullup_resistor R] port pin`, `set_frequency net MHz`, `#` comments anywhere on a
/// line, blank lines. Syntax errors are all reported together.
pub fn parse_pcf(text: &str, source: &str) -> Result<Pcf> {
    let (pcf, problems) = parse_collecting(text, source);
    if problems.is_empty() {
        Ok(pcf)
    } else {
        bail!(format_problems(source, &problems))
    }
}

pub(crate) fn parse_collecting(text: &str, source: &str) -> (Pcf, Vec<String>) {
    let mut pcf = Pcf {
        source: source.to_string(),
        ..Pcf::default()
    };
    let mut problems = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let line = idx + 1;
        let at = format!("{source}:{line}");
        let content = raw.split('#').next().unwrap_or("");
        let words: Vec<&str> = content.split_whitespace().collect();
        let Some((&command, rest)) = words.split_first() else {
            continue;
        };
        match command {
            "set_io" => match parse_set_io(rest, line) {
                Ok(a) => pcf.assignments.push(a),
                Err(msg) => problems.push(format!("{at}: {msg}")),
            },
            "set_frequency" => match rest {
                [net, mhz] => match mhz.parse::<f64>() {
                    Ok(mhz) if mhz > 0.0 && mhz.is_finite() => {
                        pcf.frequencies.push(FrequencyConstraint {
                            net: net.to_string(),
                            mhz,
                            line,
                        })
                    }
                    _ => problems.push(format!(
                        "{at}: set_frequency needs a positive number of MHz, got '{mhz}'"
                    )),
                },
                _ => problems.push(format!(
                    "{at}: expected `set_frequency <net> <MHz>`, got `{}`",
                    content.trim()
                )),
            },
            other => problems.push(format!(
                "{at}: unknown pcf command '{other}' (nextpnr-ice40 accepts only set_io and \
                 set_frequency); remove the line or comment it out with #"
            )),
        }
    }
    (pcf, problems)
}

fn parse_set_io(args: &[&str], line: usize) -> std::result::Result<PinAssignment, String> {
    let mut nowarn = false;
    let mut pullup = None;
    let mut positional = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let word = args[i];
        match word {
            "-nowarn" => nowarn = true,
            "-pullup" | "-pullup_resistor" => {
                let Some(value) = args.get(i + 1) else {
                    return Err(format!("{word} needs a value"));
                };
                if word == "-pullup" {
                    pullup = match *value {
                        "yes" => Some(true),
                        "no" => Some(false),
                        v => return Err(format!("-pullup takes yes or no, got '{v}'")),
                    };
                }
                i += 1;
            }
            w if w.starts_with('-') => {
                return Err(format!(
                    "unknown set_io flag '{w}' (known: -nowarn, -pullup yes|no, \
                     -pullup_resistor <value>)"
                ))
            }
            w => positional.push(w),
        }
        i += 1;
    }
    match positional.as_slice() {
        [port, pin] => Ok(PinAssignment {
            port_bit: port.to_string(),
            pin: pin.to_string(),
            line,
            nowarn,
            pullup,
        }),
        _ => Err(format!(
            "expected `set_io [flags] <port> <pin>`, got `set_io {}`",
            args.join(" ")
        )),
    }
}

fn format_problems(source: &str, problems: &[String]) -> String {
    let mut msg = format!(
        "pin constraints in {source} are not usable ({} problem{}):",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        msg.push_str("\n  - ");
        msg.push_str(p);
    }
    msg
}

/// Checks `pcf_text` against the design's top-level `ports` (see the module docs for the
/// rules). Returns the parsed file when everything holds, else one error listing every
/// problem.
pub fn check_constraints(pcf_text: &str, pcf_name: &str, ports: &[Port]) -> Result<Pcf> {
    let (pcf, problems) = parse_collecting(pcf_text, pcf_name);
    check_parsed(pcf, problems, pcf_name, ports, Some(&CB132))
}

/// The I/O pins of one FPGA package, for [`check_parsed`].
#[derive(Clone, Copy, Debug)]
pub struct PackagePins {
    /// Device and package for messages, e.g. `iCE40-HX8K cb132`.
    pub name: &'static str,
    /// Every I/O pin name (case-sensitive, like nextpnr).
    pub pins: &'static [&'static str],
}

/// The Alchitry Cu's package.
pub const CB132: PackagePins = PackagePins {
    name: "iCE40-HX8K cb132",
    pins: &CB132_PINS,
};

/// All I/O pin names of the iCE40-UP5K sg48 package (iCEBreaker, UPduino): the `.pins sg48`
/// section of fpga-icestorm's `chipdb-5k.txt` (0~20230218gitd20a5e9), 39 pins, the data
/// nextpnr-ice40's UP5K chip database is generated from.
pub const SG48_PINS: [&str; 39] = [
    "2", "3", "4", "6", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", //
    "20", "21", "23", "25", "26", "27", "28", "31", "32", "34", "35", "36", "37", "38", //
    "39", "40", "41", "42", "43", "44", "45", "46", "47", "48",
];

/// The iCEBreaker's and UPduino's package.
pub const SG48: PackagePins = PackagePins {
    name: "iCE40-UP5K sg48",
    pins: &SG48_PINS,
};

/// Checks parsed assignments (`problems`: the parser's own findings) against the design's
/// `ports` by the rules of the module docs; pins are checked against `package` when one
/// is given (else the place-and-route tool checks them).
pub fn check_parsed(
    pcf: Pcf,
    mut problems: Vec<String>,
    pcf_name: &str,
    ports: &[Port],
    package: Option<&PackagePins>,
) -> Result<Pcf> {
    // Which port each legal bit name belongs to, for the "is this a port bit" check.
    let mut bit_owner: BTreeMap<String, &Port> = BTreeMap::new();
    for port in ports {
        for bit in port.bit_names() {
            bit_owner.insert(bit, port);
        }
    }
    let port_list = ports
        .iter()
        .map(Port::describe)
        .collect::<Vec<_>>()
        .join(", ");

    let mut first_for_bit: BTreeMap<&str, &PinAssignment> = BTreeMap::new();
    let mut first_for_pin: BTreeMap<&str, &PinAssignment> = BTreeMap::new();
    let mut bad_pin_seen = false;
    for a in &pcf.assignments {
        let at = format!("{pcf_name}:{}", a.line);
        let known_bit = bit_owner.contains_key(&a.port_bit);
        if !known_bit {
            // nextpnr documents -nowarn as "this port may not exist" (shared board files),
            // so such a line is accepted; without it an unknown name is almost always a typo.
            if !a.nowarn {
                problems.push(format!(
                    "{at}: '{}' is not a port bit of the top module{}; fix the name or delete \
                     the line (ports: {port_list})",
                    a.port_bit,
                    unknown_bit_hint(&a.port_bit, ports)
                ));
            }
        } else if let Some(prev) = first_for_bit.get(a.port_bit.as_str()) {
            problems.push(format!(
                "{at}: '{}' is constrained again (first at {pcf_name}:{} to {}); keep only one \
                 set_io line for it",
                a.port_bit, prev.line, prev.pin
            ));
        } else {
            first_for_bit.insert(&a.port_bit, a);
        }

        let on_package = |pin: &str| package.is_none_or(|p| p.pins.contains(&pin));
        if !on_package(&a.pin) {
            bad_pin_seen = true;
            let upper = a.pin.to_ascii_uppercase();
            let hint = if upper != a.pin && on_package(&upper) {
                format!(" (pin names are case-sensitive: did you mean {upper}?)")
            } else {
                String::new()
            };
            problems.push(format!(
                "{at}: pin '{}' for '{}' is not an I/O pin of the {} package{hint}; \
                 use the pin name from the board's pin table",
                a.pin,
                a.port_bit,
                package.map_or("", |p| p.name)
            ));
        } else if let Some(prev) = first_for_pin.get(a.pin.as_str()) {
            // The same line written twice is already reported as a double constraint.
            if prev.port_bit == a.port_bit {
                continue;
            }
            problems.push(format!(
                "{at}: pin {} is given to '{}' but already to '{}' at {pcf_name}:{}; each pin \
                 can drive only one port bit",
                a.pin, a.port_bit, prev.port_bit, prev.line
            ));
        } else {
            first_for_pin.insert(&a.pin, a);
        }
    }

    for port in ports {
        for bit in port.bit_names() {
            if !first_for_bit.contains_key(bit.as_str()) {
                problems.push(format!(
                    "{pcf_name}: {} '{bit}' has no pin; add `set_io {bit} <pin>`",
                    port.direction
                ));
            }
        }
    }

    if problems.is_empty() {
        return Ok(pcf);
    }
    let mut msg = format_problems(pcf_name, &problems);
    if let (true, Some(package)) = (bad_pin_seen, package) {
        let short = package.name.rsplit(' ').next().unwrap_or(package.name);
        msg.push_str(&format!("\nvalid {short} pins: "));
        msg.push_str(&package.pins.join(" "));
    }
    bail!(msg)
}

fn unknown_bit_hint(bit: &str, ports: &[Port]) -> String {
    let (base, index) = match bit.split_once('[') {
        Some((base, rest)) => (base, rest.strip_suffix(']')),
        None => (bit, None),
    };
    let Some(port) = ports.iter().find(|p| p.name == base) else {
        return String::new();
    };
    match (port.width, index) {
        (1, Some(_)) => format!(" ('{base}' is a 1-bit port: write it without an index)"),
        (w, None) => format!(
            " ('{base}' is {w} bits wide: constrain each bit as {base}[0] .. {base}[{}])",
            w - 1
        ),
        (w, Some(_)) => format!(" ('{base}' has bits {base}[0] .. {base}[{}])", w - 1),
    }
}

// ---------------------------------------------------------------------------------------
// Verilog port lists
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Number(String),
    Sym(char),
}

/// Splits Verilog into the few token kinds a port list needs. Comments, strings,
/// attributes `(* .. *)` and compiler directives are dropped because none of them can
/// declare a port.
fn tokenize(src: &str) -> Vec<Tok> {
    let chars: Vec<char> = src.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let n = chars.len();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < n {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < n && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            i += 2;
            while i < n && !(chars[i] == '*' && at(i + 1) == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '(' && at(i + 1) == '*' && at(i + 2) != ')' {
            i += 2;
            while i < n && !(chars[i] == '*' && at(i + 1) == ')') {
                i += 1;
            }
            i += 2;
        } else if c == '"' {
            i += 1;
            while i < n && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
        } else if c == '`' {
            // Directives such as `timescale run to the end of the line.
            while i < n && chars[i] != '\n' {
                i += 1;
            }
        } else if c.is_alphabetic() || c == '_' || c == '\\' {
            let start = i;
            if c == '\\' {
                // Escaped identifier: runs to the next whitespace.
                i += 1;
                while i < n && !chars[i].is_whitespace() {
                    i += 1;
                }
            } else {
                while i < n && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$') {
                    i += 1;
                }
            }
            toks.push(Tok::Ident(chars[start..i].iter().collect()));
        } else if c.is_ascii_digit() || c == '\'' {
            let start = i;
            while i < n && (chars[i].is_alphanumeric() || chars[i] == '\'' || chars[i] == '_') {
                i += 1;
            }
            toks.push(Tok::Number(chars[start..i].iter().collect()));
        } else {
            toks.push(Tok::Sym(c));
            i += 1;
        }
    }
    toks
}

fn is_ident(t: Option<&Tok>, word: &str) -> bool {
    matches!(t, Some(Tok::Ident(s)) if s == word)
}

fn direction_of(t: Option<&Tok>) -> Option<PortDirection> {
    match t {
        Some(Tok::Ident(s)) => match s.as_str() {
            "input" => Some(PortDirection::Input),
            "output" => Some(PortDirection::Output),
            "inout" => Some(PortDirection::Inout),
            _ => None,
        },
        _ => None,
    }
}

const NET_TYPES: &[&str] = &[
    "wire", "reg", "logic", "tri", "var", "wand", "wor", "tri0", "tri1", "supply0", "supply1",
    "signed", "unsigned",
];

/// Parses `[msb:lsb]` at `toks[*i]` (if present) into a width; only `[N-1:0]` is accepted.
fn parse_range(
    toks: &[Tok],
    i: &mut usize,
    module: &str,
) -> std::result::Result<Option<usize>, String> {
    if toks.get(*i) != Some(&Tok::Sym('[')) {
        return Ok(None);
    }
    let start = *i;
    let mut end = start;
    while end < toks.len() && toks[end] != Tok::Sym(']') {
        end += 1;
    }
    if end >= toks.len() {
        return Err(format!("module {module}: unterminated '[' in a port range"));
    }
    *i = end + 1;
    let inner = &toks[start + 1..end];
    let text: String = inner
        .iter()
        .map(|t| match t {
            Tok::Ident(s) | Tok::Number(s) => s.clone(),
            Tok::Sym(c) => c.to_string(),
        })
        .collect();
    let number = |t: &Tok| match t {
        Tok::Number(s) => s.parse::<usize>().ok(),
        _ => None,
    };
    let colon = inner.iter().position(|t| *t == Tok::Sym(':'));
    let Some(colon) = colon else {
        return Err(format!(
            "module {module}: cannot read port range [{text}] (expected [N-1:0])"
        ));
    };
    let parameterised = || {
        format!(
            "module {module}: port range [{text}] is not two plain decimal numbers; \
             parameterised widths are not supported here"
        )
    };
    match (&inner[..colon], &inner[colon + 1..]) {
        ([msb], [lsb]) => match (number(msb), number(lsb)) {
            (Some(msb), Some(0)) => Ok(Some(msb + 1)),
            (Some(_), Some(_)) => Err(format!(
                "module {module}: range [{text}] does not end at bit 0; nextpnr would name its \
                 bits by their own indices, which this check cannot express (declare it [N-1:0])"
            )),
            _ => Err(parameterised()),
        },
        _ => Err(parameterised()),
    }
}

/// Reads one declaration after its direction keyword: `[net type] [signed] [range] a, b`.
/// Stops at `;` (non-ANSI) or, in an ANSI header, before the next direction keyword or
/// the closing `)`. Returns (width, names).
fn parse_declaration(
    toks: &[Tok],
    i: &mut usize,
    module: &str,
    ansi: bool,
) -> std::result::Result<(usize, Vec<String>), String> {
    while let Some(Tok::Ident(s)) = toks.get(*i) {
        if NET_TYPES.contains(&s.as_str()) {
            *i += 1;
        } else {
            break;
        }
    }
    let width = parse_range(toks, i, module)?.unwrap_or(1);
    let mut names = Vec::new();
    let mut depth = 0usize;
    let mut expect_name = true;
    while let Some(t) = toks.get(*i) {
        match t {
            Tok::Sym(';') if depth == 0 => {
                *i += 1;
                break;
            }
            Tok::Sym(')') if depth == 0 && ansi => break,
            Tok::Sym('(') | Tok::Sym('[') | Tok::Sym('{') => depth += 1,
            Tok::Sym(')') | Tok::Sym(']') | Tok::Sym('}') => depth = depth.saturating_sub(1),
            Tok::Sym(',') if depth == 0 => {
                expect_name = true;
                if ansi && direction_of(toks.get(*i + 1)).is_some() {
                    break;
                }
            }
            Tok::Ident(name) if depth == 0 && expect_name => {
                names.push(name.clone());
                expect_name = false;
            }
            _ => {}
        }
        *i += 1;
    }
    if names.is_empty() {
        return Err(format!("module {module}: a port declaration names no port"));
    }
    Ok((width, names))
}

/// Reads the ports of `module` from Verilog text, in header order.
pub fn ports_from_verilog(verilog: &str, module: &str) -> Result<Vec<Port>> {
    let toks = tokenize(verilog);
    let mut found_modules = Vec::new();
    let mut start = None;
    for (k, t) in toks.iter().enumerate() {
        if *t == Tok::Ident("module".into()) {
            if let Some(Tok::Ident(name)) = toks.get(k + 1) {
                if name == module {
                    start = Some(k + 2);
                    break;
                }
                found_modules.push(name.clone());
            }
        }
    }
    let Some(mut i) = start else {
        if found_modules.is_empty() {
            bail!("no `module {module}` found: the Verilog text declares no modules");
        }
        bail!(
            "no `module {module}` found in the Verilog (modules present: {})",
            found_modules.join(", ")
        );
    };
    let fail = |msg: String| anyhow::anyhow!("reading the ports of module {module}: {msg}");

    // Skip a parameter list `#( ... )`.
    if toks.get(i) == Some(&Tok::Sym('#')) {
        i += 1;
        if toks.get(i) != Some(&Tok::Sym('(')) {
            return Err(fail("expected '(' after '#'".into()));
        }
        let mut depth = 0usize;
        while let Some(t) = toks.get(i) {
            i += 1;
            match t {
                Tok::Sym('(') => depth += 1,
                Tok::Sym(')') => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
    }

    let mut header: Vec<String> = Vec::new();
    let mut ansi_ports: Vec<Port> = Vec::new();
    if toks.get(i) == Some(&Tok::Sym('(')) {
        i += 1;
        if direction_of(toks.get(i)).is_some() {
            // ANSI: directions live in the header; a name without one inherits the last.
            while let Some(dir) = direction_of(toks.get(i)) {
                i += 1;
                let (width, names) =
                    parse_declaration(&toks, &mut i, module, true).map_err(fail)?;
                for name in names {
                    ansi_ports.push(Port {
                        name,
                        width,
                        direction: dir,
                    });
                }
                if toks.get(i) == Some(&Tok::Sym(',')) {
                    i += 1;
                }
            }
            if toks.get(i) != Some(&Tok::Sym(')')) {
                return Err(fail(
                    "could not read the ANSI port list (every port needs input/output/inout)"
                        .into(),
                ));
            }
            i += 1;
        } else {
            loop {
                match toks.get(i) {
                    Some(Tok::Ident(name)) => header.push(name.clone()),
                    Some(Tok::Sym(',')) => {}
                    Some(Tok::Sym(')')) => {
                        i += 1;
                        break;
                    }
                    Some(other) => {
                        return Err(fail(format!(
                            "unexpected {other:?} in the port list (port expressions are not \
                             supported)"
                        )))
                    }
                    None => return Err(fail("port list is not closed".into())),
                }
                i += 1;
            }
        }
    }
    if toks.get(i) != Some(&Tok::Sym(';')) {
        return Err(fail("expected ';' after the port list".into()));
    }
    i += 1;

    // Body: collect module-level direction declarations. Functions and tasks have their
    // own `input` declarations, which are not ports.
    let mut declared: BTreeMap<String, Port> = BTreeMap::new();
    let mut nested = 0usize;
    while let Some(t) = toks.get(i) {
        match t {
            Tok::Ident(s) if s == "endmodule" => break,
            Tok::Ident(s) if s == "function" || s == "task" => nested += 1,
            Tok::Ident(s) if s == "endfunction" || s == "endtask" => {
                nested = nested.saturating_sub(1)
            }
            Tok::Ident(_) if nested == 0 && direction_of(Some(t)).is_some() => {
                let Some(dir) = direction_of(Some(t)) else {
                    break;
                };
                i += 1;
                let (width, names) =
                    parse_declaration(&toks, &mut i, module, false).map_err(fail)?;
                for name in names {
                    if declared.contains_key(&name) {
                        return Err(fail(format!("port '{name}' is declared twice")));
                    }
                    declared.insert(
                        name.clone(),
                        Port {
                            name,
                            width,
                            direction: dir,
                        },
                    );
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    if !is_ident(toks.get(i), "endmodule") {
        return Err(fail("no `endmodule` found".into()));
    }

    if !ansi_ports.is_empty() {
        if let Some(extra) = declared.keys().next() {
            return Err(fail(format!(
                "'{extra}' is declared in the body of an ANSI-style module"
            )));
        }
        return Ok(ansi_ports);
    }
    let mut ports = Vec::new();
    let mut problems = Vec::new();
    for name in &header {
        match declared.remove(name) {
            Some(p) => ports.push(p),
            None => problems.push(format!("'{name}' is in the port list but has no direction")),
        }
    }
    for name in declared.keys() {
        problems.push(format!(
            "'{name}' has a direction but is not in the port list"
        ));
    }
    if !problems.is_empty() {
        return Err(fail(problems.join("; ")));
    }
    Ok(ports)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUST_HDL_TOP: &str = "\n\nmodule top(clk,rst_n,usb_rx,usb_tx,led);\n    \n    // Module arguments\n    input wire  clk;\n    input wire  rst_n;\n    input wire  usb_rx;\n    output reg  usb_tx;\n    output reg  [7:0] led;\n    \n    // Stub signals\n    reg  [7:0] uart$data;\n    // Sub module instances\n    top$uart uart(\n        .clock(clk)\n    );\n    always @(*) begin\n        led = uart$data;\n    end\nendmodule // top\n\nmodule top$uart(clock);\n    input wire clock;\n    function [3:0] f;\n        input [3:0] a;\n        f = a;\n    endfunction\nendmodule\n";

    fn cu_ports() -> Vec<Port> {
        ports_from_verilog(RUST_HDL_TOP, "top").expect("ports")
    }

    const CU_V1: &str = include_str!("../../constraints/alchitry_cu.pcf");
    const CU_V2: &str = include_str!("../../constraints/alchitry_cu_v2.pcf");

    #[test]
    fn pin_list_is_complete_and_unique() {
        let mut sorted = CB132_PINS.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 95);
        for pin in ["P7", "P8", "P14", "M9", "J11", "N14", "G12", "H12", "J12"] {
            assert!(is_cb132_pin(pin), "{pin}");
        }
        for pin in ["P6", "A8", "p7", "", "Z99", "B2"] {
            assert!(!is_cb132_pin(pin), "{pin}");
        }
    }

    #[test]
    fn reads_rust_hdl_style_ports() {
        let ports = cu_ports();
        let names: Vec<_> = ports
            .iter()
            .map(|p| (p.name.as_str(), p.width, p.direction))
            .collect();
        assert_eq!(
            names,
            vec![
                ("clk", 1, PortDirection::Input),
                ("rst_n", 1, PortDirection::Input),
                ("usb_rx", 1, PortDirection::Input),
                ("usb_tx", 1, PortDirection::Output),
                ("led", 8, PortDirection::Output),
            ]
        );
        // The submodule's own port and its function input are not mixed in.
        let sub = ports_from_verilog(RUST_HDL_TOP, "top$uart").expect("sub");
        assert_eq!(sub.len(), 1);
    }

    #[test]
    fn reads_plain_and_ansi_ports() {
        let plain = "module m(a, x, y);\n input a;\n output wire [3:0] x;\n output reg signed [1:0] y = 0;\nendmodule";
        let p = ports_from_verilog(plain, "m").expect("plain");
        assert_eq!(p[1].width, 4);
        assert_eq!(p[2].width, 2);
        let ansi = "`timescale 1ns/1ps\nmodule m #(parameter W = 4) (\n  input wire clk, rst,\n  (* keep *) output reg [7:0] q,\n  inout io\n);\nendmodule";
        let p = ports_from_verilog(ansi, "m").expect("ansi");
        let got: Vec<_> = p.iter().map(|p| (p.name.as_str(), p.width)).collect();
        assert_eq!(got, vec![("clk", 1), ("rst", 1), ("q", 8), ("io", 1)]);
        assert_eq!(p[1].direction, PortDirection::Input);
        assert_eq!(p[3].direction, PortDirection::Inout);
    }

    #[test]
    fn refuses_what_it_cannot_name() {
        let err = ports_from_verilog("module m(a); input [4:1] a; endmodule", "m")
            .expect_err("offset range");
        assert!(err.to_string().contains("[4:1]"), "{err}");
        let err = ports_from_verilog("module m(a); input [W-1:0] a; endmodule", "m")
            .expect_err("parameter");
        assert!(err.to_string().contains("parameterised"), "{err}");
        let err = ports_from_verilog("module m(a, b); input a; endmodule", "m").expect_err("b");
        assert!(err.to_string().contains("'b'"), "{err}");
        let err = ports_from_verilog("module m(a); input a; endmodule", "top").expect_err("top");
        assert!(err.to_string().contains("modules present: m"), "{err}");
    }

    #[test]
    fn board_files_match_the_design() {
        let v1 = check_constraints(CU_V1, "alchitry_cu.pcf", &cu_ports()).expect("v1");
        assert_eq!(v1.pin_of("usb_tx"), Some("M9"));
        assert_eq!(v1.pin_of("usb_rx"), Some("P14"));
        assert_eq!(v1.pin_of("led[7]"), Some("N14"));
        let v2 = check_constraints(CU_V2, "alchitry_cu_v2.pcf", &cu_ports()).expect("v2");
        assert_eq!(v2.pin_of("led[2]"), Some("G12"));
        assert_eq!(v2.pin_of("clk"), Some("P7"));
    }

    #[test]
    fn flags_comments_and_frequency_are_accepted() {
        let text =
            "# header\n\nset_io -nowarn -pullup yes clk P7 # trailing\r\nset_frequency clk 100\n";
        let pcf = parse_pcf(text, "x.pcf").expect("parse");
        assert_eq!(pcf.assignments[0].pullup, Some(true));
        assert!(pcf.assignments[0].nowarn);
        assert_eq!(pcf.assignments[0].line, 3);
        assert_eq!(pcf.frequencies[0].mhz, 100.0);
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let text = "\
set_io clk P7
set_io rst_n P8
set_io usb_rx P14
set_io usb_tx Z99
set_io led[0] J11
set_io led[0] K11
set_io led[1] J11
set_io led[2] p12
set_io led[4] L12
set_io led[5] L14
set_io led[6] M12
set_io led[7] N14
set_io led[8] A1
set_io uart_tx A2
set_io -nowarn spare A3
set_location foo
";
        let err = check_constraints(text, "cu.pcf", &cu_ports()).expect_err("problems");
        let msg = err.to_string();
        for needle in [
            "cu.pcf:4: pin 'Z99' for 'usb_tx'",
            "cu.pcf:6: 'led[0]' is constrained again (first at cu.pcf:5 to J11)",
            "cu.pcf:7: pin J11 is given to 'led[1]' but already to 'led[0]' at cu.pcf:5",
            "cu.pcf:8: pin 'p12'",
            "did you mean P12?",
            "cu.pcf:13: 'led[8]' is not a port bit",
            "cu.pcf:14: 'uart_tx' is not a port bit",
            "cu.pcf:16: unknown pcf command 'set_location'",
            "output 'led[3]' has no pin; add `set_io led[3] <pin>`",
            "valid cb132 pins: A1 A2",
        ] {
            assert!(msg.contains(needle), "missing {needle:?} in:\n{msg}");
        }
        assert!(
            !msg.contains("spare"),
            "-nowarn line must be accepted:\n{msg}"
        );
        // led[1] got its pin rejected as a duplicate but is still constrained by that line,
        // so it must not also be reported as missing.
        assert!(!msg.contains("'led[1]' has no pin"), "{msg}");
    }

    #[test]
    fn missing_port_and_width_hints() {
        let text =
            "set_io clk P7\nset_io rst_n P8\nset_io usb_rx P14\nset_io led A1\nset_io clk[0] A2\n";
        let msg = check_constraints(text, "b.pcf", &cu_ports())
            .expect_err("missing")
            .to_string();
        assert!(msg.contains("output 'usb_tx' has no pin"), "{msg}");
        assert!(msg.contains("'led' is 8 bits wide"), "{msg}");
        assert!(msg.contains("'clk' is a 1-bit port"), "{msg}");
        assert!(!msg.contains("valid cb132 pins"), "{msg}");
    }
}
