//! Pin files of every family, read into one form ([`Pcf`]'s assignments) so that one
//! checker ([`check_parsed`]) holds them all to the same rules before any tool runs: every
//! port bit has exactly one pin, every name is a port bit, no pin is used twice.
//!
//! - `.pcf` (iCE40): [`super::pcf`].
//! - `.lpf` (ECP5): `LOCATE COMP "port" SITE "pin";` gives the pin; `IOBUF PORT`,
//!   `FREQUENCY PORT`, `SYSCONFIG`, `BLOCK` statements are accepted (nextpnr-ecp5 reads
//!   them) and not checked further. Statements end at `;`, `#` starts a comment.
//! - `.cst` (Gowin): `IO_LOC "port" pin;` gives the pin; `IO_PORT` is accepted. `//`
//!   starts a comment.
//!
//! A statement the checker does not know is an error naming the ones it knows: a typo in
//! `LOCATE` would otherwise leave a port on a pin the tool picks.

use super::pcf::{check_parsed, parse_collecting, PackagePins, Pcf, PinAssignment, Port};
use crate::boards::ConstraintFormat;
use anyhow::Result;

/// Parses `text` in `format` and checks it against `ports` (and against `package` when
/// given). One error lists every problem, each with `file:line`.
pub fn check_board_constraints(
    format: ConstraintFormat,
    text: &str,
    name: &str,
    ports: &[Port],
    package: Option<&PackagePins>,
) -> Result<Pcf> {
    let (pcf, problems) = parse_board_file(format, text, name);
    check_parsed(pcf, problems, name, ports, package)
}

/// Reads `text` in `format` without checking it against a design: the assignments and the
/// syntax problems found.
pub fn parse_board_file(format: ConstraintFormat, text: &str, name: &str) -> (Pcf, Vec<String>) {
    match format {
        ConstraintFormat::Pcf => parse_collecting(text, name),
        ConstraintFormat::Lpf => parse_lpf(text, name),
        ConstraintFormat::Cst => parse_cst(text, name),
    }
}

/// Statements of `text` split at `;`, with the line each starts on; comments removed.
fn statements(text: &str, comment: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    for (idx, raw) in text.lines().enumerate() {
        let content = raw.split(comment).next().unwrap_or("");
        for (k, piece) in content.split(';').enumerate() {
            if k > 0 {
                if !current.trim().is_empty() {
                    out.push((start, current.trim().to_string()));
                }
                current.clear();
            }
            if current.trim().is_empty() && !piece.trim().is_empty() {
                start = idx + 1;
            }
            current.push_str(piece);
            current.push(' ');
        }
    }
    if !current.trim().is_empty() {
        out.push((start, format!("{} <missing ;>", current.trim())));
    }
    out
}

fn unquote(word: &str) -> Option<&str> {
    word.strip_prefix('"')?.strip_suffix('"')
}

fn assignment(port: &str, pin: &str, line: usize) -> PinAssignment {
    PinAssignment {
        port_bit: port.to_string(),
        pin: pin.to_string(),
        line,
        nowarn: false,
        pullup: None,
    }
}

/// What one statement of a pin file says.
enum Statement<'a> {
    /// A port bit's pin.
    Pin(&'a str, &'a str),
    /// Read by the tool, not checked here.
    Accepted,
    /// Malformed or unknown: the message after `file:line: `.
    Problem(String),
}

/// The part every family shares: statements split at `;`, each read by `read`, problems
/// collected with `file:line`.
fn parse_statements(
    text: &str,
    source: &str,
    comment: &str,
    read: impl for<'w> Fn(&[&'w str], &str) -> Statement<'w>,
) -> (Pcf, Vec<String>) {
    let mut pcf = Pcf {
        source: source.to_string(),
        ..Pcf::default()
    };
    let mut problems = Vec::new();
    for (line, stmt) in statements(text, comment) {
        let at = format!("{source}:{line}");
        if stmt.ends_with("<missing ;>") {
            problems.push(format!("{at}: statement `{stmt}` does not end with ';'"));
            continue;
        }
        let words: Vec<&str> = stmt.split_whitespace().collect();
        match read(&words, &stmt) {
            Statement::Pin(port, pin) => pcf.assignments.push(assignment(port, pin, line)),
            Statement::Accepted => {}
            Statement::Problem(msg) => problems.push(format!("{at}: {msg}")),
        }
    }
    (pcf, problems)
}

/// Reads the pin assignments of a Lattice `.lpf` file.
pub fn parse_lpf(text: &str, source: &str) -> (Pcf, Vec<String>) {
    parse_statements(text, source, "#", |words, stmt| match words {
        ["LOCATE", "COMP", port, "SITE", pin] => match (unquote(port), unquote(pin)) {
            (Some(port), Some(pin)) => Statement::Pin(port, pin),
            _ => Statement::Problem(
                "write `LOCATE COMP \"port\" SITE \"pin\";` with both names quoted".into(),
            ),
        },
        ["IOBUF", "PORT", ..]
        | ["FREQUENCY", "PORT", ..]
        | ["FREQUENCY", "NET", ..]
        | ["SYSCONFIG", ..]
        | ["BLOCK", ..] => Statement::Accepted,
        _ => Statement::Problem(format!(
            "unknown statement `{stmt}` (known: LOCATE COMP, IOBUF PORT, FREQUENCY, \
             SYSCONFIG, BLOCK); fix it or comment it out with #"
        )),
    })
}

/// Reads the pin assignments of a Gowin `.cst` file.
pub fn parse_cst(text: &str, source: &str) -> (Pcf, Vec<String>) {
    parse_statements(text, source, "//", |words, stmt| match words {
        ["IO_LOC", port, pin] => match unquote(port) {
            Some(port) => Statement::Pin(port, pin),
            None => {
                Statement::Problem("write `IO_LOC \"port\" pin;` with the port name quoted".into())
            }
        },
        ["IO_PORT", ..] => Statement::Accepted,
        _ => Statement::Problem(format!(
            "unknown statement `{stmt}` (known: IO_LOC, IO_PORT); fix it or comment it out \
             with //"
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::super::pcf::PortDirection;
    use super::*;

    fn ports() -> Vec<Port> {
        vec![
            Port {
                name: "clk".into(),
                width: 1,
                direction: PortDirection::Input,
            },
            Port {
                name: "led".into(),
                width: 2,
                direction: PortDirection::Output,
            },
        ]
    }

    #[test]
    fn lpf_locates_are_read_and_checked() {
        let text = "# c\nLOCATE COMP \"clk\" SITE \"G2\";\nIOBUF PORT \"clk\" IO_TYPE=LVCMOS33;\n\
                    LOCATE COMP \"led[0]\" SITE \"B2\"; LOCATE COMP \"led[1]\"\n SITE \"C2\";\n";
        let pcf =
            check_board_constraints(ConstraintFormat::Lpf, text, "x.lpf", &ports(), None).unwrap();
        assert_eq!(pcf.pin_of("led[1]"), Some("C2"));
        assert_eq!(pcf.assignments[2].line, 4);
        let bad =
            "LOCATE COMP \"clk\" SITE \"G2\";\nLOCATE COMP \"led[0]\" SITE \"G2\";\nLOCATR x;\n";
        let msg = format!(
            "{:#}",
            check_board_constraints(ConstraintFormat::Lpf, bad, "x.lpf", &ports(), None)
                .unwrap_err()
        );
        assert!(
            msg.contains("x.lpf:3: unknown statement `LOCATR x`"),
            "{msg}"
        );
        assert!(
            msg.contains("pin G2 is given to 'led[0]' but already to 'clk'"),
            "{msg}"
        );
        assert!(msg.contains("'led[1]' has no pin"), "{msg}");
    }

    #[test]
    fn cst_io_locs_are_read_and_checked() {
        let text =
            "// c\nIO_LOC \"clk\" 52;\nIO_PORT \"clk\" IO_TYPE=LVCMOS33;\nIO_LOC \"led[0]\" 10;\n\
                    IO_LOC \"led[1]\" 11;\n";
        let pcf =
            check_board_constraints(ConstraintFormat::Cst, text, "x.cst", &ports(), None).unwrap();
        assert_eq!(pcf.pin_of("clk"), Some("52"));
        let msg = format!(
            "{:#}",
            check_board_constraints(
                ConstraintFormat::Cst,
                "IO_LOC \"clk\" 52;\nIO_LOC \"led\" 10\n",
                "x.cst",
                &ports(),
                None
            )
            .unwrap_err()
        );
        assert!(msg.contains("does not end with ';'"), "{msg}");
        assert!(msg.contains("'led[0]' has no pin"), "{msg}");
    }
}
