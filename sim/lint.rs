//! `verilator --lint-only -Wall` on exported Verilog, with explicit, justified waivers.
//!
//! Why: Verilator's lint sees, in rust-hdl's Verilog, problems that rust-hdl's simulator
//! cannot show: inferred latches (a signal not assigned on every path), 32-bit literals
//! widening an expression, unused or undriven signals. Each warning is either fixed or
//! waived with a reason, so a new kind of warning fails the test that lints.
//!
//! What it guarantees:
//! - Every warning Verilator prints is parsed (code, file:line:column, message, instance)
//!   and must be covered by a [`Waiver`]: same code, message matching the waiver's pattern
//!   (a substring; `*` in it stands for any text). Otherwise [`lint`] returns an error
//!   listing every uncovered warning.
//! - `WIDTH` warnings that cannot change a result are told apart from those that can: when
//!   the statement on the warning's line uses only `+ - * & | ^ ~ <<` (no comparison, shift
//!   right, reduction, logical operator or `$signed`), its result is truncated by the
//!   assignment, and the target is no wider than any widened operand, the low bits are the
//!   same at 32 bits as at the operands' width, so Verilog computes what rust-hdl computes.
//!   Such warnings get ` [modular]` appended to their message, and a waiver can name that.
//!   rust-hdl's 32-bit literals make every `x + 1` warn; only this tag separates the
//!   harmless `count + 1` assigned back to `count` from `(count + 1) == 0`, which is true in
//!   rust-hdl at 15 and never in Verilog.
//! - A Verilator error (syntax, unknown module, ...) is always an error, never waivable.
//! - The [`LintReport`] says which waivers were used and how often; a waiver that matched
//!   nothing is listed too, since it may hide a future warning without need.
//! - One warning is turned off for everything: `DECLFILENAME` (file name differs from the
//!   module name). rust-hdl writes all modules of a design into one text, so every
//!   sub-module would trigger it; it is about source layout, not about the logic.

use crate::tools::{OutputWithin, SIM_TOOL_HANG_GUARD};
use anyhow::{bail, Context, Result};
use std::fmt;
use std::path::Path;
use std::process::Command;

/// Permission for warnings of one kind, with the reason it is harmless.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Waiver {
    /// Verilator's warning code, e.g. "UNUSEDSIGNAL".
    pub code: &'static str,
    /// Substring of the message; `*` stands for any text, and an empty pattern covers every
    /// warning of the code.
    pub pattern: &'static str,
    pub why: &'static str,
}

impl Waiver {
    fn covers(&self, w: &LintWarning) -> bool {
        self.code == w.code && glob_contains(&w.message, self.pattern)
    }
}

/// Whether `text` contains the pieces of `pattern` between `*`s, in order.
fn glob_contains(text: &str, pattern: &str) -> bool {
    let mut rest = text;
    for piece in pattern.split('*') {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

/// One Verilator warning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LintWarning {
    pub code: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
    /// Instance the warning is about (`top.read_logic`), when Verilator says.
    pub instance: Option<String>,
}

impl fmt::Display for LintWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file, self.line, self.column, self.code, self.message
        )?;
        if let Some(instance) = &self.instance {
            write!(f, " (in {instance})")?;
        }
        Ok(())
    }
}

/// How often one waiver was used.
#[derive(Clone, Debug)]
pub struct WaiverUse {
    pub waiver: Waiver,
    pub count: usize,
}

/// A lint in which every warning was waived.
#[derive(Clone, Debug)]
pub struct LintReport {
    /// Every warning, all of them waived.
    pub warnings: Vec<LintWarning>,
    /// Each waiver given to [`lint`], in order, with its use count (0: unused).
    pub waivers: Vec<WaiverUse>,
}

impl LintReport {
    /// Waivers that matched no warning.
    pub fn unused_waivers(&self) -> Vec<Waiver> {
        self.waivers
            .iter()
            .filter(|u| u.count == 0)
            .map(|u| u.waiver)
            .collect()
    }
}

impl fmt::Display for LintReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} warnings, all waived", self.warnings.len())?;
        for u in &self.waivers {
            write!(
                f,
                "\n  {:>4} x {} \"{}\"{} ({})",
                u.count,
                u.waiver.code,
                u.waiver.pattern,
                if u.count == 0 { " UNUSED" } else { "" },
                u.waiver.why
            )?;
        }
        Ok(())
    }
}

/// Waivers for what rust-hdl 0.46's Verilog style always produces, each harmless for
/// unsigned (`Bits`) logic. Never waived here: `LATCH` (a signal not assigned on every
/// path), untagged `WIDTH` on arithmetic (the 32-bit literal pitfall) and `WIDTH` on a
/// comparison result used as a bitwise operand (the precedence pitfall).
pub const RUST_HDL_WAIVERS: &[Waiver] = &[
    Waiver {
        code: "WIDTH",
        pattern: "[modular]",
        why: "rust-hdl writes literals 32 bits wide; the result is truncated by the \
              assignment and the low bits of + - * & | ^ ~ << do not depend on the width",
    },
    Waiver {
        code: "WIDTH",
        pattern: "Operator EQ expects *'s VARREF",
        why: "a plain unsigned signal zero-extended to a 32-bit literal compares the same",
    },
    Waiver {
        code: "WIDTH",
        pattern: "Operator NEQ expects *'s VARREF",
        why: "a plain unsigned signal zero-extended to a 32-bit literal compares the same",
    },
    Waiver {
        code: "WIDTH",
        pattern: "Operator LT expects *'s VARREF",
        why: "a plain unsigned signal zero-extended to a 32-bit literal compares the same",
    },
    Waiver {
        code: "WIDTH",
        pattern: "Operator LTE expects *'s VARREF",
        why: "a plain unsigned signal zero-extended to a 32-bit literal compares the same",
    },
    Waiver {
        code: "WIDTH",
        pattern: "Operator GT expects *'s VARREF",
        why: "a plain unsigned signal zero-extended to a 32-bit literal compares the same",
    },
    Waiver {
        code: "WIDTH",
        pattern: "Operator GTE expects *'s VARREF",
        why: "a plain unsigned signal zero-extended to a 32-bit literal compares the same",
    },
    Waiver {
        code: "WIDTH",
        pattern: "Operator SHIFTL expects 32 or * bits on the LHS, but LHS's VARREF '*' generates 1 bits.",
        why: "rust-hdl's `replace_bit` writes `(x & ~(1 << i)) | (bit << i)`; the 1-bit value is \
              widened to the expression's width (32 bits, from the literal) before the shift, \
              so the bit lands where the simulator puts it",
    },
    Waiver {
        code: "UNOPTFLAT",
        pattern: "Signal unoptimizable: Circular combinational logic: '*'",
        why: "rust-hdl computes all of a module's combinational signals in one always @(*) \
              block, which Verilator schedules as one node: a signal that comes back through \
              a sub-block (a FIFO's full/empty, the transmitter's ready) looks circular \
              although no bit depends on itself. rust-hdl's own loop check (run on every \
              export) rules out real loops; it costs Verilator speed only",
    },
    Waiver {
        code: "UNUSEDPARAM",
        pattern: "Parameter is not used: '*$",
        why: "rust-hdl declares an enum's variants (`Type$Variant`) in every module holding \
              a signal of that enum, the DFF storing it included",
    },
    Waiver {
        code: "UNUSEDSIGNAL",
        pattern: "Signal is not used: '*$",
        why: "rust-hdl declares a wire for every port of every sub-block (`child$port`); \
              an output the parent does not read is trimmed by synthesis",
    },
    Waiver {
        code: "WIDTH",
        pattern: "Operator AND expects * bits on the LHS, but LHS's VARREF '*' generates * bits.",
        why: "rust-hdl's bit_cast to a wider type ANDs the signal with an all-ones literal of \
              the wider width: the signal is zero-extended, exactly as the simulator widens it \
              (the *_cfg exports' increment port, the bridge's fields)",
    },
];

const LINT_ARGS: &[&str] = &["--lint-only", "-Wall", "-Wno-fatal", "-Wno-DECLFILENAME"];

/// Lints `verilog` (top module `top`) in `work_dir` and checks every warning against
/// `waivers`. The file is written as `work_dir/<top>.v` so it can be inspected afterwards.
pub fn lint(verilog: &str, top: &str, work_dir: &Path, waivers: &[Waiver]) -> Result<LintReport> {
    lint_with("verilator", verilog, top, work_dir, waivers)
}

fn lint_with(
    verilator: &str,
    verilog: &str,
    top: &str,
    work_dir: &Path,
    waivers: &[Waiver],
) -> Result<LintReport> {
    std::fs::create_dir_all(work_dir)
        .with_context(|| format!("creating lint dir {}", work_dir.display()))?;
    let file_name = format!(
        "{}.v",
        top.replace(|c: char| !(c.is_ascii_alphanumeric() || c == '_'), "_")
    );
    std::fs::write(work_dir.join(&file_name), verilog)?;
    let output = match Command::new(verilator)
        .args(LINT_ARGS)
        .args(["--top-module", top, &file_name])
        .current_dir(work_dir)
        .output_within(SIM_TOOL_HANG_GUARD)
    {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "`{verilator}` not found on PATH: install the Debian package `verilator` \
             (apt-get install verilator)"
        ),
        Err(e) => return Err(e).with_context(|| format!("running `{verilator}`")),
    };
    let text = String::from_utf8_lossy(&output.stderr);
    let (mut warnings, errors) = parse(&text);
    tag_modular(&mut warnings, &file_name, verilog);
    if !errors.is_empty() || !output.status.success() {
        bail!(
            "verilator lint of `{top}` failed ({}) in {}:\n{}",
            output.status,
            work_dir.display(),
            if errors.is_empty() {
                text.to_string()
            } else {
                errors.join("\n")
            }
        );
    }
    let mut uses: Vec<WaiverUse> = waivers
        .iter()
        .map(|w| WaiverUse {
            waiver: *w,
            count: 0,
        })
        .collect();
    let mut uncovered = Vec::new();
    for w in &warnings {
        // The first matching waiver takes the warning, so use counts add up to the total.
        match uses.iter_mut().find(|u| u.waiver.covers(w)) {
            Some(u) => u.count += 1,
            None => uncovered.push(w.to_string()),
        }
    }
    if !uncovered.is_empty() {
        bail!(
            "verilator lint of `{top}`: {} warning(s) not covered by a waiver \
             (Verilog in {}):\n{}",
            uncovered.len(),
            work_dir.join(&file_name).display(),
            uncovered.join("\n")
        );
    }
    Ok(LintReport {
        warnings,
        waivers: uses,
    })
}

/// Splits Verilator's output into warnings and error lines. A message is the `%Warning-`
/// line; the indented lines after it add the instance and a source excerpt.
fn parse(text: &str) -> (Vec<LintWarning>, Vec<String>) {
    let mut warnings: Vec<LintWarning> = Vec::new();
    let mut errors = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("%Warning-") {
            let Some((code, rest)) = rest.split_once(": ") else {
                errors.push(format!("unparsed warning: {line}"));
                continue;
            };
            let (file, line_no, column, message) = split_location(rest);
            warnings.push(LintWarning {
                code: code.to_string(),
                file,
                line: line_no,
                column,
                message,
                instance: None,
            });
        } else if line.starts_with("%Error") {
            errors.push(line.to_string());
        } else if let Some(instance) = line.trim_start().strip_prefix(": ... In instance ") {
            if let Some(w) = warnings.last_mut() {
                w.instance
                    .get_or_insert_with(|| instance.trim().to_string());
            }
        }
    }
    (warnings, errors)
}

/// `file.v:12:5: message` into its parts; a message without a location keeps it all.
fn split_location(rest: &str) -> (String, u32, u32, String) {
    let mut parts = rest.splitn(4, ':');
    if let (Some(file), Some(line), Some(column), Some(message)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    {
        if let (Ok(line), Ok(column)) = (line.parse(), column.parse()) {
            return (file.to_string(), line, column, message.trim().to_string());
        }
    }
    (String::new(), 0, 0, rest.trim().to_string())
}

/// Appends ` [modular]` to the `WIDTH` warnings of statements whose widening cannot change
/// the assigned bits (see the module documentation).
fn tag_modular(warnings: &mut [LintWarning], file_name: &str, verilog: &str) {
    let lines: Vec<&str> = verilog.lines().collect();
    let mut line_numbers: Vec<u32> = warnings
        .iter()
        .filter(|w| w.code.starts_with("WIDTH") && w.file == file_name)
        .map(|w| w.line)
        .collect();
    line_numbers.dedup();
    for line in line_numbers {
        let on_line = || {
            warnings.iter().filter(move |w| {
                w.code.starts_with("WIDTH") && w.file == file_name && w.line == line
            })
        };
        // "Operator ASSIGN expects M bits on the Assign RHS": the target's width
        // (ASSIGNDLY for a nonblocking `<=`, which the shipped text's Verilator branch
        // uses for next values computed in the clock process).
        let target = on_line().find_map(|w| {
            let rest = w
                .message
                .strip_prefix("Operator ASSIGN expects ")
                .or_else(|| w.message.strip_prefix("Operator ASSIGNDLY expects "))?;
            rest.split(' ').next()?.parse::<u32>().ok()
        });
        // "... LHS's VARREF 'x' generates K bits": a widened operand's own width.
        let operands: Vec<Option<u32>> = on_line()
            .filter(|w| w.message.contains("'s VARREF ") || w.message.contains("'s CONST "))
            .map(|w| {
                let rest = &w.message[w.message.rfind(" generates ")? + " generates ".len()..];
                rest.split(' ').next()?.parse::<u32>().ok()
            })
            .collect();
        let statement = lines.get(line as usize - 1).copied().unwrap_or("");
        let harmless = match target {
            Some(target) => {
                operands.iter().all(|w| w.is_some_and(|w| w >= target))
                    && is_modular_statement(statement)
            }
            None => false,
        };
        if harmless {
            for w in warnings
                .iter_mut()
                .filter(|w| w.code.starts_with("WIDTH") && w.file == file_name && w.line == line)
            {
                w.message.push_str(" [modular]");
            }
        }
    }
}

/// `target = expression;` (or `target <= expression;`) using only operators whose low
/// result bits depend only on the low bits of their operands: binary `+ - * & | ^ <<`,
/// unary `- ~`.
fn is_modular_statement(line: &str) -> bool {
    let line = line.trim();
    let Some((target, expression)) = line.split_once(" = ").or_else(|| line.split_once(" <= "))
    else {
        return false;
    };
    let Some(expression) = expression.strip_suffix(';') else {
        return false;
    };
    if target.is_empty() || target.contains(['=', '<', '>', '(']) {
        return false;
    }
    let chars: Vec<char> = expression.chars().collect();
    // Whether the previous token ends an operand (so the next operator is binary).
    let mut after_operand = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            ' ' => {}
            '[' => {
                // Bit and part selects (`x[3]`, `x[(2)+:(4)]`) belong to their operand.
                let mut depth = 0;
                while i < chars.len() {
                    match chars[i] {
                        '[' => depth += 1,
                        ']' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                after_operand = true;
            }
            '(' => after_operand = false,
            ')' => after_operand = true,
            '$' => return false, // $signed, $unsigned: extension would be signed
            c if c.is_ascii_alphanumeric() || c == '_' || c == '\'' => {
                while i + 1 < chars.len()
                    && (chars[i + 1].is_ascii_alphanumeric() || "_$'".contains(chars[i + 1]))
                {
                    i += 1;
                }
                after_operand = true;
            }
            '<' if next == Some('<') && after_operand => {
                i += 1;
                after_operand = false;
            }
            '+' | '*' if after_operand => after_operand = false,
            '&' | '|' | '^' if after_operand && next != Some(c) => after_operand = false,
            '-' | '~' => after_operand = false,
            _ => return false,
        }
        i += 1;
    }
    true
}

// These tests run Verilator: part of `make test` (the external-tools feature).
#[cfg(all(test, feature = "external-tools"))]
mod tests {
    use super::*;
    use rust_hdl::prelude::*;
    use std::path::PathBuf;

    fn test_dir(name: &str) -> PathBuf {
        let target = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
        };
        target.join("lint-tests").join(name)
    }

    fn verilog<B: Block>(uut: &mut B, top: &str) -> String {
        uut.connect_all();
        check_all(uut).unwrap();
        let mut defines = ModuleDefines::default();
        uut.accept(top, &mut defines);
        defines.defines()
    }

    #[derive(Copy, Clone, Debug, PartialEq, LogicState)]
    enum Mode {
        Idle,
        Run,
        Hold,
    }

    // The project's style: arithmetic into a sized Local, an enum state in a DFF.
    #[derive(LogicBlock, Default)]
    struct Counter {
        clock: Signal<In, Clock>,
        enable: Signal<In, Bit>,
        count: Signal<Out, Bits<8>>,
        top: Signal<Out, Bit>,
        running: Signal<Out, Bit>,
        counter: DFF<Bits<8>>,
        next_count: Signal<Local, Bits<8>>,
        mode: DFF<Mode>,
    }

    impl Logic for Counter {
        #[hdl_gen]
        fn update(&mut self) {
            dff_setup!(self, clock, counter, mode);
            self.next_count.next = self.counter.q.val() + 1;
            if self.enable.val() {
                self.counter.d.next = self.next_count.val();
            }
            self.count.next = self.counter.q.val();
            self.top.next = self.counter.q.val() == 255;
            self.running.next = false;
            match self.mode.q.val() {
                Mode::Idle => {
                    if self.enable.val() {
                        self.mode.d.next = Mode::Run;
                    }
                }
                Mode::Run => {
                    self.running.next = true;
                    if self.counter.q.val() > 200 {
                        self.mode.d.next = Mode::Hold;
                    }
                }
                Mode::Hold => {
                    self.mode.d.next = Mode::Idle;
                }
                _ => {
                    self.mode.d.next = Mode::Idle;
                }
            }
        }
    }

    // `(count + 1) == 0`: true at 15 in rust-hdl, never in Verilog.
    #[derive(LogicBlock, Default)]
    struct WrapPitfall {
        clock: Signal<In, Clock>,
        wrap: Signal<Out, Bit>,
        counter: DFF<Bits<4>>,
    }

    impl Logic for WrapPitfall {
        #[hdl_gen]
        fn update(&mut self) {
            dff_setup!(self, clock, counter);
            self.counter.d.next = self.counter.q.val() + 1;
            self.wrap.next = (self.counter.q.val() + 1) == 0;
        }
    }

    // `a & b == c`: `(a & b) == c` in Rust, `a & (b == c)` in Verilog.
    #[derive(LogicBlock, Default)]
    struct PrecedencePitfall {
        clock: Signal<In, Clock>,
        a: Signal<In, Bits<4>>,
        b: Signal<In, Bits<4>>,
        c: Signal<In, Bits<4>>,
        same: Signal<Out, Bit>,
        r: DFF<Bit>,
    }

    impl Logic for PrecedencePitfall {
        #[hdl_gen]
        fn update(&mut self) {
            dff_setup!(self, clock, r);
            self.r.d.next = self.a.val() & self.b.val() == self.c.val();
            self.same.next = self.r.q.val();
        }
    }

    // A signal assigned on one path only: a latch in Verilog.
    #[derive(LogicBlock, Default)]
    struct Latchy {
        clock: Signal<In, Clock>,
        a: Signal<In, Bit>,
        b: Signal<In, Bits<4>>,
        o: Signal<Out, Bits<4>>,
        held: Signal<Local, Bits<4>>,
        r: DFF<Bits<4>>,
    }

    impl Logic for Latchy {
        #[hdl_gen]
        fn update(&mut self) {
            dff_setup!(self, clock, r);
            if self.a.val() {
                self.held.next = self.b.val();
            }
            self.r.d.next = self.held.val();
            self.o.next = self.r.q.val();
        }
    }

    declare_sync_fifo!(ByteFifo, Bits<8>, 16, 1);

    #[test]
    fn counter_and_fifo_pass_with_the_rust_hdl_waivers() {
        let mut counter = Counter::default();
        let v = verilog(&mut counter, "lint_counter");
        let report = lint(&v, "lint_counter", &test_dir("counter"), RUST_HDL_WAIVERS).unwrap();
        eprintln!("lint_counter: {report}");
        let used = |code: &str, pattern: &str| {
            report
                .waivers
                .iter()
                .find(|u| u.waiver.code == code && u.waiver.pattern == pattern)
                .map_or(0, |u| u.count)
        };
        assert!(used("WIDTH", "[modular]") >= 2, "{report}");
        assert!(
            used("UNUSEDPARAM", "Parameter is not used: '*$") >= 3,
            "{report}"
        );
        assert!(report
            .warnings
            .iter()
            .all(|w| !w.file.is_empty() && w.line > 0));

        let mut fifo = ByteFifo::default();
        let v = verilog(&mut fifo, "lint_fifo");
        let report = lint(&v, "lint_fifo", &test_dir("fifo"), RUST_HDL_WAIVERS).unwrap();
        eprintln!("lint_fifo: {report}");
        assert!(report.warnings.len() >= 10, "{report}");
        assert!(!report.unused_waivers().is_empty(), "{report}");
    }

    #[test]
    fn the_literal_pitfall_is_not_waived() {
        let mut dut = WrapPitfall::default();
        let v = verilog(&mut dut, "lint_wrap");
        let err = lint(&v, "lint_wrap", &test_dir("wrap"), RUST_HDL_WAIVERS).unwrap_err();
        let message = format!("{err:#}");
        // Exactly the comparison's line is left: the increment of the DFF is [modular].
        let line = v
            .lines()
            .position(|l| l.contains("== 32'h0"))
            .expect("the comparison")
            + 1;
        assert!(message.contains("1 warning(s) not covered"), "{message}");
        assert!(
            message.contains(&format!("lint_wrap.v:{line}:"))
                && message.contains("WIDTH: Operator ADD expects 32 bits"),
            "{message}"
        );
    }

    #[test]
    fn the_precedence_pitfall_is_not_waived() {
        let mut dut = PrecedencePitfall::default();
        let v = verilog(&mut dut, "lint_precedence");
        let err = lint(
            &v,
            "lint_precedence",
            &test_dir("precedence"),
            RUST_HDL_WAIVERS,
        )
        .unwrap_err();
        let message = format!("{err:#}");
        assert!(
            message
                .contains("Operator AND expects 4 bits on the RHS, but RHS's EQ generates 1 bits"),
            "{message}"
        );
    }

    #[test]
    fn a_latch_is_reported() {
        let mut dut = Latchy::default();
        let v = verilog(&mut dut, "lint_latch");
        let err = lint(&v, "lint_latch", &test_dir("latch"), RUST_HDL_WAIVERS).unwrap_err();
        let message = format!("{err:#}");
        assert!(
            message.contains("LATCH: Latch inferred for signal"),
            "{message}"
        );
    }

    #[test]
    fn waiver_use_is_counted_and_unused_waivers_listed() {
        let mut dut = WrapPitfall::default();
        let v = verilog(&mut dut, "lint_counts");
        let waivers = [
            Waiver {
                code: "WIDTH",
                pattern: "Operator ADD expects 32 bits",
                why: "test: covers the ADD widening",
            },
            Waiver {
                code: "WIDTH",
                pattern: "",
                why: "test: everything else of the code",
            },
            Waiver {
                code: "LATCH",
                pattern: "",
                why: "test: never used",
            },
        ];
        let report = lint(&v, "lint_counts", &test_dir("counts"), &waivers).unwrap();
        let counts: Vec<usize> = report.waivers.iter().map(|u| u.count).collect();
        assert_eq!(counts[0], 2, "{report}");
        assert_eq!(counts[0] + counts[1], report.warnings.len(), "{report}");
        assert_eq!(report.unused_waivers(), vec![waivers[2]]);
        assert!(format!("{report}").contains("UNUSED"));
    }

    #[test]
    fn a_verilog_error_cannot_be_waived() {
        let everything = [Waiver {
            code: "SYNTAX",
            pattern: "",
            why: "test",
        }];
        let err = lint(
            "module broken(input wire a);\n  assign = ;\nendmodule\n",
            "broken",
            &test_dir("broken"),
            &everything,
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("%Error"), "{err:#}");
    }

    #[test]
    fn missing_verilator_is_explained() {
        let err = lint_with("no-such-verilator", "", "x", &test_dir("missing"), &[]).unwrap_err();
        assert!(
            format!("{err}").contains("Debian package `verilator`"),
            "{err}"
        );
    }

    #[test]
    fn modular_statements() {
        assert!(is_modular_statement("nxt = cnt$q + 32'h1;"));
        assert!(is_modular_statement("cnt$q <= cnt$q + 32'h1;"));
        assert!(!is_modular_statement("cnt$q <= cnt$q >> 32'h1;"));
        assert!(is_modular_statement(
            "ram_read_address = (((read_address$q + 32'h1) & fifo_address_mask) & 4'hf);"
        ));
        assert!(is_modular_statement("s = a[(32'h2)+:(4)] - ~b;"));
        assert!(is_modular_statement("q = 64'h0;"));
        assert!(!is_modular_statement(
            "wrap = (counter$q + 32'h1) == 32'h0;"
        ));
        assert!(!is_modular_statement("same = a & b == c;"));
        assert!(!is_modular_statement("x = a >> 32'h1;"));
        assert!(!is_modular_statement("x = &(a + 32'h1);"));
        assert!(!is_modular_statement("x = a && b;"));
        assert!(!is_modular_statement("x = $signed(a) + 32'h1;"));
        assert!(!is_modular_statement("if (a == b) begin"));
    }

    #[test]
    fn glob_patterns() {
        assert!(glob_contains(
            "Operator EQ expects 32 bits, LHS's VARREF 'x'",
            "EQ *VARREF"
        ));
        assert!(!glob_contains(
            "Operator ADD expects 32 bits, LHS's VARREF",
            "EQ *VARREF"
        ));
        assert!(glob_contains("anything", ""));
        assert!(glob_contains(
            "Parameter is not used: 'St$Idle'",
            "not used: '*$"
        ));
        assert!(!glob_contains(
            "Parameter is not used: 'limit'",
            "not used: '*$"
        ));
    }
}
