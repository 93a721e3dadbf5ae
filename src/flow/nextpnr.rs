//! Reading figures out of the tools' logs: nextpnr-ice40 0.4 (device utilisation, Fmax per
//! clock) and yosys 0.23 (`stat` after `synth_ice40`: LUT4s, flip-flops, carries, RAMs;
//! inferred latches).
//!
//! Guarantees, and why:
//! - Fmax is the *last* "Max frequency for clock" line of each clock: nextpnr prints one
//!   estimate after placement and the real one after routing, and only the latter counts.
//!   The line's prefix varies with the outcome ("Info:", "Warning:" with
//!   `--timing-allow-fail`, "ERROR:" when timing fails), so the prefix is ignored.
//! - Utilisation is taken from the last "Device utilisation" block.
//! - Yosys cell counts come from the last `stat` of the log, using its design-hierarchy
//!   totals when the design was not flattened, so submodules are counted.
//! - Latch detection looks only for evidence that a latch exists in *this* design ("Latch
//!   inferred for signal", a techmap applied to `$_DLATCH`/`$dlatch` cells); yosys names
//!   `$_DLATCH_*` in every synth_ice40 log while loading its map library, and prints
//!   "No latch inferred" for every clean combinational process, so neither counts.
//!
//! The parsers never fail on odd input: a missing figure is simply absent, and callers
//! decide whether that is an error.

use serde::Serialize;
use std::collections::BTreeMap;

/// One row of nextpnr's "Device utilisation" block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub used: u64,
    pub available: u64,
}

/// Post-route Fmax of one clock, as nextpnr reports it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClockFmax {
    /// nextpnr's net name, e.g. `clk$SB_IO_IN_$glb_clk`.
    pub clock: String,
    pub fmax_mhz: f64,
    /// The constraint nextpnr checked against (`--freq`, or 12 MHz by default).
    pub target_mhz: f64,
    pub passed: bool,
}

impl ClockFmax {
    /// Whether this nextpnr net comes from the top-level port `port`: nextpnr keeps the
    /// port name and appends `$...` suffixes for the IO buffer and global buffer.
    /// nextpnr-ecp5 (0.7+) names the global net `$glbnet$<port>$TRELLIS_IO_IN`, and
    /// nextpnr-himbaechel-gowin the input buffer's output `<port>_IBUF_I_O`.
    pub fn is_from_port(&self, port: &str) -> bool {
        let name = self
            .clock
            .strip_prefix("$glbnet$")
            .unwrap_or(self.clock.as_str());
        name == port
            || name
                .strip_prefix(port)
                .is_some_and(|rest| rest.starts_with('$') || rest.starts_with("_IBUF"))
    }
}

/// Figures from one nextpnr-ice40 log.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct NextpnrLog {
    /// Cell type (ICESTORM_LC, ICESTORM_RAM, SB_IO, SB_GB, ...) to usage.
    pub utilisation: BTreeMap<String, Usage>,
    /// In order of first appearance, with the values of each clock's last line.
    pub clocks: Vec<ClockFmax>,
    /// nextpnr's own "ERROR:" lines.
    pub errors: Vec<String>,
}

impl NextpnrLog {
    pub fn used(&self, cell: &str) -> Option<u64> {
        self.utilisation.get(cell).map(|u| u.used)
    }

    pub fn logic_cells(&self) -> Option<u64> {
        self.used("ICESTORM_LC")
    }

    /// The clock with the lowest Fmax (the design's Fmax when there are several).
    pub fn slowest_clock(&self) -> Option<&ClockFmax> {
        self.clocks
            .iter()
            .min_by(|a, b| a.fmax_mhz.total_cmp(&b.fmax_mhz))
    }

    /// Rows of the utilisation block that use more than the device has, as
    /// `(cell type, used, available)`: the design does not fit.
    pub fn overflows(&self) -> Vec<(String, u64, u64)> {
        self.utilisation
            .iter()
            .filter(|(_, u)| u.used > u.available)
            .map(|(name, u)| (name.clone(), u.used, u.available))
            .collect()
    }

    /// Whether the run failed only because timing was not met: nextpnr 0.4 then exits
    /// with status 1 and its only "ERROR:" lines are "Max frequency ... FAIL" lines.
    pub fn failed_only_on_timing(&self) -> bool {
        !self.errors.is_empty()
            && self
                .errors
                .iter()
                .all(|e| e.contains("Max frequency for clock") && e.contains("FAIL"))
    }
}

/// Strips nextpnr's "Info: " / "Warning: " / "ERROR: " prefix.
fn strip_level(line: &str) -> &str {
    let t = line.trim();
    for prefix in ["Info:", "Warning:", "ERROR:"] {
        if let Some(rest) = t.strip_prefix(prefix) {
            return rest.trim();
        }
    }
    t
}

/// Parses "Max frequency for clock 'X': F MHz (PASS|FAIL at T MHz)".
fn parse_fmax(line: &str) -> Option<ClockFmax> {
    let rest = strip_level(line)
        .strip_prefix("Max frequency for clock")?
        .trim();
    let rest = rest.strip_prefix('\'')?;
    // Net names may contain almost anything but not "': " followed by the number.
    let (clock, rest) = rest.rsplit_once("':")?;
    let mut words = rest.split_whitespace();
    let fmax_mhz: f64 = words.next()?.parse().ok()?;
    if words.next()? != "MHz" {
        return None;
    }
    let verdict = words.next()?.trim_start_matches('(');
    let passed = match verdict {
        "PASS" => true,
        "FAIL" => false,
        _ => return None,
    };
    if words.next()? != "at" {
        return None;
    }
    let target_mhz: f64 = words.next()?.parse().ok()?;
    Some(ClockFmax {
        clock: clock.to_string(),
        fmax_mhz,
        target_mhz,
        passed,
    })
}

/// Parses "ICESTORM_LC:    42/ 7680     0%" (after the level prefix).
fn parse_usage(line: &str) -> Option<(String, Usage)> {
    let (name, rest) = strip_level(line).split_once(':')?;
    let name = name.trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    let (used, rest) = rest.split_once('/')?;
    let available = rest.split_whitespace().next()?;
    Some((
        name.to_string(),
        Usage {
            used: used.trim().parse().ok()?,
            available: available.parse().ok()?,
        },
    ))
}

/// Parses a nextpnr-ice40 0.4 log.
pub fn parse_nextpnr_log(text: &str) -> NextpnrLog {
    let mut log = NextpnrLog::default();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let body = strip_level(line);
        if line.trim_start().starts_with("ERROR:") {
            log.errors.push(line.trim().to_string());
        }
        if body.starts_with("Device utilisation:") {
            // A later block replaces an earlier one.
            let mut block = BTreeMap::new();
            while let Some((name, usage)) = lines.peek().and_then(|l| parse_usage(l)) {
                block.insert(name, usage);
                lines.next();
            }
            log.utilisation = block;
        } else if let Some(fmax) = parse_fmax(line) {
            match log.clocks.iter_mut().find(|c| c.clock == fmax.clock) {
                Some(existing) => *existing = fmax,
                None => log.clocks.push(fmax),
            }
        }
    }
    log
}

/// Cell counts from yosys's `stat` after `synth_ice40`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct YosysStats {
    /// Cell type to count, e.g. SB_LUT4 → 28.
    pub cells: BTreeMap<String, u64>,
}

impl YosysStats {
    pub fn count(&self, cell: &str) -> u64 {
        self.cells.get(cell).copied().unwrap_or(0)
    }

    pub fn lut4(&self) -> u64 {
        self.count("SB_LUT4")
    }

    /// All SB_DFF variants (SB_DFF, SB_DFFE, SB_DFFSR, SB_DFFESS, SB_DFFN...).
    pub fn flip_flops(&self) -> u64 {
        self.sum_prefix("SB_DFF")
    }

    pub fn carry(&self) -> u64 {
        self.count("SB_CARRY")
    }

    /// SB_RAM40_4K and its clock-polarity variants (SB_RAM40_4KNR, ...).
    pub fn block_rams(&self) -> u64 {
        self.sum_prefix("SB_RAM40_4K")
    }

    /// LUTs, flip-flops, carry cells and block RAMs of any family this flow builds for:
    /// iCE40 (`SB_*`), ECP5 (`LUT4`, `TRELLIS_FF`, `CCU2C`, `DP16KD`), Gowin (`LUT1`..`LUT4`,
    /// `DFF*`, `ALU`, the BSRAM primitives). Each family's names are disjoint from the
    /// others', so the sums need no family argument.
    pub fn any_family(&self) -> (u64, u64, u64, u64) {
        let sum = |names: &[&str]| names.iter().map(|n| self.count(n)).sum::<u64>();
        let gowin_luts = sum(&["LUT1", "LUT2", "LUT3"]);
        let luts = self.lut4() + self.count("LUT4") + gowin_luts;
        let ffs = self.flip_flops()
            + self.count("TRELLIS_FF")
            + self
                .cells
                .iter()
                .filter(|(k, _)| k.starts_with("DFF"))
                .map(|(_, v)| *v)
                .sum::<u64>();
        let carry = self.carry() + self.count("CCU2C") + self.count("ALU");
        let brams = self.block_rams()
            + sum(&[
                "DP16KD", "PDPW16KD", "SDPB", "SDPX9B", "DPB", "DPX9B", "SP", "SPX9", "pROM",
            ]);
        (luts, ffs, carry, brams)
    }

    fn sum_prefix(&self, prefix: &str) -> u64 {
        self.cells
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(_, v)| *v)
            .sum()
    }
}

/// Parses the cell counts of the last `stat` in a yosys log. `top` picks the module when
/// yosys printed several modules without a design-hierarchy summary. `None` when the log
/// holds no statistics (e.g. yosys stopped early).
pub fn parse_yosys_stat(text: &str, top: &str) -> Option<YosysStats> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .rposition(|l| l.trim_end().ends_with("Printing statistics."))?;
    // Sections are introduced by "=== name ===".
    let mut sections: Vec<(String, Vec<&str>)> = Vec::new();
    for line in &lines[start + 1..] {
        let t = line.trim();
        if let Some(name) = t.strip_prefix("=== ").and_then(|r| r.strip_suffix(" ===")) {
            sections.push((name.to_string(), Vec::new()));
        } else if let Some((_, body)) = sections.last_mut() {
            // The statistics end where the next numbered pass begins ("2.49. Executing ...").
            if t.starts_with(|c: char| c.is_ascii_digit()) && t.contains(". ") {
                break;
            }
            body.push(line);
        }
    }
    let chosen = sections
        .iter()
        .find(|(n, _)| n == "design hierarchy")
        .or_else(|| sections.iter().find(|(n, _)| n == top))
        .or_else(|| (sections.len() == 1).then(|| &sections[0]))?;
    let body = &chosen.1;
    let Some(cells_at) = body
        .iter()
        .position(|l| l.trim_start().starts_with("Number of cells:"))
    else {
        return parse_counts_first(body);
    };
    let mut stats = YosysStats::default();
    for line in &body[cells_at + 1..] {
        let mut words = line.split_whitespace();
        let (Some(name), Some(count), None) = (words.next(), words.next(), words.next()) else {
            break;
        };
        let Ok(count) = count.parse::<u64>() else {
            break;
        };
        stats.cells.insert(name.to_string(), count);
    }
    Some(stats)
}

/// The `stat` layout of yosys 0.5x and later: `12 cells` then `  1   LUT1` rows (count
/// first), and parameterised cells (Gowin's ALU, DFF) under `56 submodules`.
fn parse_counts_first(body: &[&str]) -> Option<YosysStats> {
    let mut stats = YosysStats::default();
    let mut in_list = false;
    let mut found = false;
    for line in body {
        let mut words = line.split_whitespace();
        let (Some(count), Some(name), None) = (words.next(), words.next(), words.next()) else {
            in_list = false;
            continue;
        };
        let Ok(count) = count.parse::<u64>() else {
            in_list = false;
            continue;
        };
        if name == "cells" || name == "submodules" {
            in_list = true;
            found = true;
        } else if in_list {
            *stats.cells.entry(name.to_string()).or_insert(0) += count;
        }
    }
    found.then_some(stats)
}

/// Evidence of latches in a yosys log: the offending lines, empty if none.
pub fn latch_findings(yosys_log: &str) -> Vec<String> {
    yosys_log
        .lines()
        .map(str::trim)
        .filter(|l| {
            l.starts_with("Latch inferred for signal")
                || (l.contains("for cells of type $_DLATCH")
                    || l.contains("for cells of type $dlatch"))
        })
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Excerpts of real logs produced on this project's machine (yosys 0.23, nextpnr-ice40
    // 0.4) from a 27-bit counter blinky with a synchronised UART loopback, Cu pin file.
    const NEXTPNR_PASS: &str = "\
Info: Packing constants..
Info: Packing IOs..
Info: Device utilisation:
Info: \t         ICESTORM_LC:    42/ 7680     0%
Info: \t        ICESTORM_RAM:     0/   32     0%
Info: \t               SB_IO:    12/  256     4%
Info: \t               SB_GB:     2/    8    25%
Info: \t        ICESTORM_PLL:     0/    2     0%
Info: \t         SB_WARMBOOT:     0/    1     0%

Info: Placed 12 cells based on constraints.
Info: Max frequency for clock 'clk$SB_IO_IN_$glb_clk': 170.01 MHz (PASS at 100.00 MHz)

Info: Max delay <async>                       -> posedge clk$SB_IO_IN_$glb_clk: 2.41 ns
Info: Routing..
Info: Max frequency for clock 'clk$SB_IO_IN_$glb_clk': 174.83 MHz (PASS at 100.00 MHz)

Info: Max delay <async>                       -> posedge clk$SB_IO_IN_$glb_clk: 2.41 ns
Info: Max delay posedge clk$SB_IO_IN_$glb_clk -> <async>                      : 2.03 ns

Info: Slack histogram:
Info:  legend: * represents 1 endpoint(s)
Info:          + represents [1,1) endpoint(s)
Info: [  4280,   4510) |*** 
Info: [  8650,   8880) |****** 

Info: Program finished normally.
";

    // Same design at --freq 400 without --timing-allow-fail: exit status 1.
    const NEXTPNR_FAIL: &str = "\
Info: Max frequency for clock 'clk$SB_IO_IN_$glb_clk': 170.01 MHz (FAIL at 400.00 MHz)
Info: Routing..
ERROR: Max frequency for clock 'clk$SB_IO_IN_$glb_clk': 174.83 MHz (FAIL at 400.00 MHz)

Info: Max delay <async>                       -> posedge clk$SB_IO_IN_$glb_clk: 2.41 ns
Info: [   920,   1150) |**************************** 
0 warnings, 1 error

Info: Program finished normally.
";

    // Two clocks and a block RAM, placed with --pcf-allow-unconstrained.
    const NEXTPNR_TWO_CLOCKS: &str = "\
Info: Device utilisation:
Info: \t         ICESTORM_LC:    58/ 7680     0%
Info: \t        ICESTORM_RAM:     1/   32     3%
Info: \t               SB_IO:    43/  256    16%
Info: \t               SB_GB:     2/    8    25%
Info: \t        ICESTORM_PLL:     0/    2     0%
Info: \t         SB_WARMBOOT:     0/    1     0%

Info: Placed 0 cells based on constraints.
Info: Max frequency for clock 'clk_b$SB_IO_IN_$glb_clk': 250.25 MHz (PASS at 100.00 MHz)
Info: Max frequency for clock 'clk_a$SB_IO_IN_$glb_clk': 286.86 MHz (PASS at 100.00 MHz)
Info: Max frequency for clock 'clk_b$SB_IO_IN_$glb_clk': 253.68 MHz (PASS at 100.00 MHz)
Info: Max frequency for clock 'clk_a$SB_IO_IN_$glb_clk': 286.86 MHz (PASS at 100.00 MHz)
";

    const NEXTPNR_BAD_PIN: &str = "\
Info: constrained 'led[6]' to bel 'X33/Y1/io0'
ERROR: package does not have a pin named 'Z99' (on line 12)
ERROR: Loading PCF failed.
0 warnings, 2 errors
";

    const YOSYS_FLAT: &str = "\
2.47. Executing CHECK pass (checking for obvious problems).
2.48. Printing statistics.

=== top ===

   Number of wires:                 11
   Number of wire bits:             96
   Number of public wires:          11
   Number of public wire bits:      96
   Number of memories:               0
   Number of memory bits:            0
   Number of processes:              0
   Number of cells:                 91
     SB_CARRY                       25
     SB_DFF                         11
     SB_DFFSR                       27
     SB_LUT4                        28

2.49. Executing CHECK pass (checking for obvious problems).
Checking module top...
Found and reported 0 problems.
";

    // synth_ice40 -noflatten on a two-instance design.
    const YOSYS_HIER: &str = "\
2.45. Printing statistics.

=== sub ===

   Number of cells:                 11
     SB_CARRY                        3
     SB_DFF                          4
     SB_LUT4                         4

=== top ===

   Number of cells:                  6
     SB_LUT4                         4
     sub                             2

=== design hierarchy ===

   top                               1
     sub                             2

   Number of wires:                 18
   Number of cells:                 26
     SB_CARRY                        6
     SB_DFF                          8
     SB_LUT4                        12

2.46. Executing CHECK pass (checking for obvious problems).
";

    const YOSYS_LATCH: &str = "\
2.4.8. Executing PROC_DLATCH pass (convert process syncs to latches).
No latch inferred for signal `\\top.\\y' from process `\\top.$proc$latch.v:12$383'.
Latch inferred for signal `\\top.\\l' from process `\\top.$proc$latch.v:7$381': $auto$proc_dlatch.cc:427:proc_dlatch$440
Generating RTLIL representation for module `\\$_DLATCH_N_'.
Using template \\$_DLATCH_P_ for cells of type $_DLATCH_P_.
";

    // Present in every synth_ice40 log, latch or not.
    const YOSYS_CLEAN_LATCH_WORDS: &str = "\
2.4.8. Executing PROC_DLATCH pass (convert process syncs to latches).
No latch inferred for signal `\\top.\\y' from process `\\top.$proc$x.v:3$1'.
Parsing Verilog input from `/usr/bin/../share/yosys/ice40/latches_map.v' to AST representation.
Generating RTLIL representation for module `\\$_DLATCH_N_'.
Generating RTLIL representation for module `\\$_DLATCH_P_'.
";

    #[test]
    fn post_route_fmax_and_utilisation() {
        let log = parse_nextpnr_log(NEXTPNR_PASS);
        assert_eq!(log.logic_cells(), Some(42));
        assert_eq!(log.used("SB_IO"), Some(12));
        assert_eq!(log.used("SB_GB"), Some(2));
        assert_eq!(log.utilisation["ICESTORM_LC"].available, 7680);
        assert_eq!(log.clocks.len(), 1);
        let clk = &log.clocks[0];
        assert_eq!(clk.clock, "clk$SB_IO_IN_$glb_clk");
        assert_eq!(clk.fmax_mhz, 174.83);
        assert_eq!(clk.target_mhz, 100.0);
        assert!(clk.passed);
        assert!(clk.is_from_port("clk"));
        assert!(!clk.is_from_port("cl"));
        assert!(log.errors.is_empty());
    }

    #[test]
    fn timing_failure_is_recognised() {
        let log = parse_nextpnr_log(NEXTPNR_FAIL);
        assert_eq!(log.clocks[0].fmax_mhz, 174.83);
        assert!(!log.clocks[0].passed);
        assert_eq!(log.clocks[0].target_mhz, 400.0);
        assert!(log.failed_only_on_timing());
        let bad = parse_nextpnr_log(NEXTPNR_BAD_PIN);
        assert_eq!(bad.errors.len(), 2);
        assert!(!bad.failed_only_on_timing());
        assert!(bad.clocks.is_empty() && bad.utilisation.is_empty());
    }

    #[test]
    fn several_clocks_keep_their_last_figure() {
        let log = parse_nextpnr_log(NEXTPNR_TWO_CLOCKS);
        let got: Vec<_> = log
            .clocks
            .iter()
            .map(|c| (c.clock.as_str(), c.fmax_mhz))
            .collect();
        assert_eq!(
            got,
            vec![
                ("clk_b$SB_IO_IN_$glb_clk", 253.68),
                ("clk_a$SB_IO_IN_$glb_clk", 286.86)
            ]
        );
        assert_eq!(log.slowest_clock().map(|c| c.fmax_mhz), Some(253.68));
        assert_eq!(log.used("ICESTORM_RAM"), Some(1));
    }

    #[test]
    fn odd_lines_are_ignored() {
        assert!(parse_fmax("Info: Max frequency for clock 'x': fast MHz").is_none());
        assert!(
            parse_fmax("Info: Max frequency for clock 'a': 1.0 MHz (MAYBE at 2 MHz)").is_none()
        );
        let log = parse_nextpnr_log("garbage\n\u{fffd}\nInfo: Device utilisation:\nInfo: nope\n");
        assert!(log.utilisation.is_empty());
    }

    #[test]
    fn yosys_counts_flat_and_hierarchical() {
        let flat = parse_yosys_stat(YOSYS_FLAT, "top").expect("flat");
        assert_eq!(flat.lut4(), 28);
        assert_eq!(flat.flip_flops(), 38);
        assert_eq!(flat.carry(), 25);
        assert_eq!(flat.block_rams(), 0);
        let hier = parse_yosys_stat(YOSYS_HIER, "top").expect("hier");
        assert_eq!((hier.lut4(), hier.flip_flops(), hier.carry()), (12, 8, 6));
        assert!(parse_yosys_stat("ERROR: syntax error", "top").is_none());
    }

    // yosys 0.70 (YoWASP), synth_gowin on a counter: counts first, ALU/DFF as submodules.
    const YOSYS_070_GOWIN: &str = "\
2.51. Printing statistics.

=== top ===

        +----------Local count, excluding submodules.
        | 
       12 cells
        1   GND
        1   LUT1
        1   VCC
       56 submodules
       24   ALU
       32   DFF

=== design hierarchy ===

        +----------Count including submodules.
        | 
       12 top

        +----------Count including submodules.
        | 
       63 wires
        2 ports
       12 cells
        1   GND
        1   IBUF
        1   LUT1
        8   OBUF
        1   VCC
       56 submodules
       24   ALU
       32   DFF

2.52. Executing CHECK pass (checking for obvious problems).
";

    #[test]
    fn yosys_070_counts_first_layout() {
        let s = parse_yosys_stat(YOSYS_070_GOWIN, "top").expect("stats");
        assert_eq!(s.count("ALU"), 24);
        assert_eq!(s.count("OBUF"), 8);
        assert_eq!(s.any_family(), (1, 32, 24, 0));
    }

    #[test]
    fn clock_names_of_every_family() {
        let c = |name: &str| ClockFmax {
            clock: name.into(),
            fmax_mhz: 1.0,
            target_mhz: 1.0,
            passed: true,
        };
        assert!(c("$glbnet$clk$TRELLIS_IO_IN").is_from_port("clk"));
        assert!(c("clk_IBUF_I_O").is_from_port("clk"));
        assert!(!c("clk_IBUF_I_O").is_from_port("cl"));
        assert!(!c("$glbnet$clk2$TRELLIS_IO_IN").is_from_port("clk"));
    }

    #[test]
    fn overflow_rows_say_what_does_not_fit() {
        let log = parse_nextpnr_log(
            "Info: Device utilisation:\nInfo: \t ICESTORM_LC:   500/  384   130%\nInfo: \t SB_IO: 3/ 63 4%\n",
        );
        assert_eq!(log.overflows(), vec![("ICESTORM_LC".to_string(), 500, 384)]);
    }

    #[test]
    fn latches_are_found_only_when_present() {
        let found = latch_findings(YOSYS_LATCH);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("Latch inferred for signal `\\top.\\l'"));
        assert!(latch_findings(YOSYS_CLEAN_LATCH_WORDS).is_empty());
    }
}
