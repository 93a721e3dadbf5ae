//! Finding and running the external FPGA tools.
//!
//! Guarantees, and why:
//! - A missing tool is an error that names the Debian package holding it and the command
//!   to install it, because "No such file or directory" from a spawn says neither.
//! - The search PATH and the program name of each tool can be injected ([`Toolchain`]), so
//!   tests can simulate a missing tool without touching the real environment.
//! - Every run is bounded by a timeout (the process is killed on expiry: nextpnr 0.4 has
//!   been seen to route forever on some seeds), prints a start line, a "still running" line
//!   about every 15 s and its elapsed time, and captures stdout+stderr into one log file in
//!   the output directory, so a failure can always be inspected after the fact.
//! - A failed run becomes an error carrying the tool's own `ERROR` lines first, then the
//!   last relevant lines of its log, then the log's path.
//! - Nothing the outside world hands back (paths, exit codes, log bytes) is unwrapped.

use anyhow::{anyhow, bail, Context, Result};
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The Debian package that ships `tool`, for the tools this flow uses.
pub fn debian_package(tool: &str) -> Option<&'static str> {
    match tool {
        "yosys" | "yosys-abc" => Some("yosys"),
        "nextpnr-ice40" => Some("nextpnr-ice40"),
        "icepack" | "iceprog" | "icetime" | "icepll" | "iceunpack" | "icebram" => {
            Some("fpga-icestorm")
        }
        _ => None,
    }
}

/// Where progress lines go. Tests capture them; the CLI prints them to stderr so that
/// stdout stays free for results.
#[derive(Clone, Debug, Default)]
pub enum Progress {
    #[default]
    Stderr,
    Quiet,
    Capture(Arc<Mutex<Vec<String>>>),
}

impl Progress {
    pub fn say(&self, line: &str) {
        match self {
            Progress::Stderr => eprintln!("{line}"),
            Progress::Quiet => {}
            Progress::Capture(lines) => {
                // A poisoned lock only means another test thread panicked; keep going.
                let mut guard = lines.lock().unwrap_or_else(|e| e.into_inner());
                guard.push(line.to_string());
            }
        }
    }
}

/// How to find and run the tools.
#[derive(Clone, Debug)]
pub struct Toolchain {
    /// PATH to search; `None` means the process's own `PATH`.
    pub search_path: Option<OsString>,
    /// Program to run for a tool, by tool name: a bare name is looked up on the search
    /// path, a name with a `/` is used as is.
    pub overrides: BTreeMap<String, OsString>,
    pub progress: Progress,
    /// Interval between "still running" lines.
    pub heartbeat: Duration,
}

impl Default for Toolchain {
    fn default() -> Self {
        Toolchain {
            search_path: None,
            overrides: BTreeMap::new(),
            progress: Progress::Stderr,
            heartbeat: Duration::from_secs(15),
        }
    }
}

impl Toolchain {
    /// Tools from the process's PATH, progress on stderr.
    pub fn from_env() -> Self {
        Self::default()
    }

    /// Tools from the given PATH-style list instead of the environment.
    pub fn with_search_path(path: impl Into<OsString>) -> Self {
        Toolchain {
            search_path: Some(path.into()),
            ..Self::default()
        }
    }

    /// Runs `program` whenever `tool` is asked for.
    pub fn with_override(mut self, tool: &str, program: impl Into<OsString>) -> Self {
        self.overrides.insert(tool.to_string(), program.into());
        self
    }

    pub fn with_progress(mut self, progress: Progress) -> Self {
        self.progress = progress;
        self
    }

    /// Full path of the program for `tool`, or an error saying how to install it.
    pub fn locate(&self, tool: &str) -> Result<PathBuf> {
        let program = self
            .overrides
            .get(tool)
            .cloned()
            .unwrap_or_else(|| OsString::from(tool));
        let program_path = Path::new(&program);
        let search = match &self.search_path {
            Some(p) => Some(p.clone()),
            None => std::env::var_os("PATH"),
        };
        let found = if program_path.components().count() > 1 {
            is_executable(program_path).then(|| program_path.to_path_buf())
        } else {
            search.as_deref().and_then(|s| find_on_path(&program, s))
        };
        if let Some(path) = found {
            return Ok(path);
        }
        let searched = search
            .as_deref()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "<PATH is not set>".to_string());
        let install = match debian_package(tool) {
            Some(pkg) => {
                format!("It comes with the Debian package `{pkg}`: sudo apt-get install -y {pkg}")
            }
            None => "Install it and make sure it is on PATH.".to_string(),
        };
        let shown = program.to_string_lossy();
        if shown != tool {
            bail!(
                "`{tool}` (run as `{shown}`) was not found (searched PATH: {searched}). {install}"
            );
        }
        bail!("`{tool}` was not found on PATH (searched: {searched}). {install}")
    }

    /// Runs one step. `Err` only when the step could not be started (tool missing, log
    /// file not writable); a step that ran and failed or timed out is an `Ok(StepRun)`
    /// whose status says so, because callers react differently (e.g. try another seed).
    pub fn run(&self, step: &Step) -> Result<StepRun> {
        let program = self.locate(&step.tool)?;
        let mut log = File::create(&step.log_path)
            .with_context(|| format!("cannot create log file {}", step.log_path.display()))?;
        let command_line = std::iter::once(program.as_os_str())
            .chain(step.args.iter().map(OsString::as_os_str))
            .map(shell_quote)
            .collect::<Vec<_>>()
            .join(" ");
        // The command heads the log so a failure can be reproduced from the log alone.
        writeln!(log, "$ cd {} && {command_line}", step.cwd.display())
            .and_then(|_| log.flush())
            .with_context(|| format!("cannot write log file {}", step.log_path.display()))?;
        // Both streams share one descriptor (and offset), so the log keeps their order.
        let stdout = log
            .try_clone()
            .with_context(|| format!("cannot reuse log file {}", step.log_path.display()))?;
        let stderr = log
            .try_clone()
            .with_context(|| format!("cannot reuse log file {}", step.log_path.display()))?;

        let prefix = format!("[{}/{}] {}", step.number, step.total, step.title);
        self.progress.say(&format!("{prefix} ..."));
        let started = Instant::now();
        // Scratch of this step, removed if the process is interrupted while it runs.
        let _scratch = match &step.scratch {
            Some(dir) => Some(crate::interrupt::register_scratch(dir, |_| Ok(()))?),
            None => None,
        };
        let (mut child, guard) = crate::interrupt::spawn(
            Command::new(&program)
                .args(&step.args)
                .envs(step.env.iter().map(|(k, v)| (k, v)))
                .current_dir(&step.cwd)
                .stdin(Stdio::null())
                .stdout(Stdio::from(stdout))
                .stderr(Stdio::from(stderr)),
        )
        .with_context(|| format!("cannot start {}", program.display()))?;

        let mut next_heartbeat = self.heartbeat;
        // Short polls first so quick steps are not slowed, longer ones later.
        let mut poll = Duration::from_millis(5);
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break StepStatus::Exited(status),
                Ok(None) => {}
                Err(e) => {
                    kill_tree(&mut child, &guard);
                    return Err(anyhow!(e).context(format!("lost track of {}", step.title)));
                }
            }
            if crate::interrupt::interrupted() {
                kill_tree(&mut child, &guard);
                self.progress.say(&format!("{prefix} interrupted, killed"));
                crate::interrupt::check()?;
            }
            let elapsed = started.elapsed();
            if elapsed >= step.timeout {
                kill_tree(&mut child, &guard);
                break StepStatus::TimedOut;
            }
            if !self.heartbeat.is_zero() && elapsed >= next_heartbeat {
                self.progress
                    .say(&format!("{prefix} still running ({}s)", elapsed.as_secs()));
                next_heartbeat += self.heartbeat;
            }
            std::thread::sleep(poll.min(step.timeout.saturating_sub(elapsed)));
            poll = (poll * 2).min(Duration::from_millis(200));
        };
        // The interruption's group kill can end the tool before this loop sees the flag:
        // its death is then the interruption's, not a tool failure.
        if crate::interrupt::interrupted() {
            self.progress.say(&format!("{prefix} interrupted, killed"));
            crate::interrupt::check()?;
        }
        let elapsed = started.elapsed();
        let run = StepRun {
            title: step.title.clone(),
            program,
            log_path: step.log_path.clone(),
            elapsed,
            timeout: step.timeout,
            status,
        };
        let outcome = match &run.status {
            StepStatus::Exited(s) if s.success() => "done".to_string(),
            StepStatus::Exited(s) => format!("failed ({})", describe_status(s)),
            StepStatus::TimedOut => "timed out, killed".to_string(),
        };
        self.progress
            .say(&format!("{prefix} {outcome} after {:.1} s", secs(elapsed)));
        Ok(run)
    }
}

/// Hang guard for the testbench's tool runs (Verilator builds and models): far beyond any
/// expected run (a model builds in under a minute and runs in seconds on an idle machine),
/// so only a hung tool ever reaches it.
pub const SIM_TOOL_HANG_GUARD: Duration = Duration::from_secs(30 * 60);

/// [`Command::output`] with a bound: a process (and the processes it started) still running
/// after `limit` is killed, and the result is an `io::Error` of kind `TimedOut` whose message
/// names the program and the limit. Standard input is closed, as with `output()`.
pub trait OutputWithin {
    /// Runs to completion or to `limit`, capturing stdout and stderr.
    fn output_within(&mut self, limit: Duration) -> std::io::Result<std::process::Output>;
}

impl OutputWithin for Command {
    fn output_within(&mut self, limit: Duration) -> std::io::Result<std::process::Output> {
        use std::io::Read;
        let program = self.get_program().to_string_lossy().into_owned();
        let (mut child, guard) = crate::interrupt::spawn(
            self.stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
        )?;
        // Drained on threads: a child that fills a pipe would otherwise block forever.
        let drain = |pipe: Option<Box<dyn Read + Send>>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                if let Some(mut pipe) = pipe {
                    let _ = pipe.read_to_end(&mut bytes);
                }
                bytes
            })
        };
        let stdout = drain(
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        );
        let stderr = drain(
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        );
        let started = Instant::now();
        let mut poll = Duration::from_millis(5);
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break Some(status);
            }
            if crate::interrupt::interrupted() {
                kill_tree(&mut child, &guard);
                return Err(std::io::Error::new(
                    std::io::ErrorKind::Interrupted,
                    format!("{program} was ended: the command was interrupted"),
                ));
            }
            if started.elapsed() >= limit {
                kill_tree(&mut child, &guard);
                break None;
            }
            std::thread::sleep(poll.min(limit.saturating_sub(started.elapsed())));
            poll = (poll * 2).min(Duration::from_millis(200));
        };
        // As in `run`: a tool the group kill ended first is reported as interrupted.
        if crate::interrupt::interrupted() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Interrupted,
                format!("{program} was ended: the command was interrupted"),
            ));
        }
        let stdout = stdout.join().unwrap_or_default();
        let stderr = stderr.join().unwrap_or_default();
        match status {
            Some(status) => Ok(std::process::Output {
                status,
                stdout,
                stderr,
            }),
            None => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "{program} did not finish within {} and was killed (a hang guard far \
                     beyond its usual time: is it stuck, or the machine overloaded?)",
                    human(limit)
                ),
            )),
        }
    }
}

/// Kills `child` and, on Linux, the processes it started (yosys runs yosys-abc as a child;
/// killing yosys alone would leave abc computing). With interruption handled by
/// [`crate::interrupt`] the child leads its own process group, which one kill ends;
/// otherwise it stays in our group on purpose, so that Ctrl-C still reaches it, and its
/// descendants are found through /proc.
fn kill_tree(child: &mut std::process::Child, guard: &crate::interrupt::ToolGuard) {
    // Collected before the kill: once the parent dies they are re-parented and untraceable.
    let descendants = descendants_of(child.id());
    guard.kill_group();
    // kill() fails only if the process has just exited; wait() reaps it either way.
    let _ = child.kill();
    let _ = child.wait();
    if !descendants.is_empty() {
        let _ = Command::new("kill")
            .arg("-KILL")
            .args(descendants.iter().map(u32::to_string))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Process ids below `root`, from /proc (empty where /proc is absent).
fn descendants_of(root: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut parent_of: Vec<(u32, u32)> = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may contain spaces and parentheses.
        let Some(after) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
            continue;
        };
        if let Some(ppid) = after.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
            parent_of.push((pid, ppid));
        }
    }
    let mut found = vec![root];
    let mut k = 0;
    while k < found.len() {
        let parent = found[k];
        found.extend(
            parent_of
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(pid, _)| *pid),
        );
        k += 1;
    }
    found.remove(0);
    found
}

fn find_on_path(program: &OsStr, search: &OsStr) -> Option<PathBuf> {
    std::env::split_paths(search)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        true
    }
}

/// Quotes an argument for the log's command line so it can be pasted into a shell.
fn shell_quote(arg: &OsStr) -> String {
    let s = arg.to_string_lossy();
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:+,@%".contains(c));
    if plain {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// "0.25 s" for short spans, "120 s" for long ones.
pub(crate) fn human(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 10.0 {
        format!("{s:.2} s")
    } else {
        format!("{s:.0} s")
    }
}

fn describe_status(status: &ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit status {code}"),
        None => format!("{status}"),
    }
}

pub(crate) fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// One tool invocation.
#[derive(Clone, Debug)]
pub struct Step {
    /// Position in the flow, for the "[n/total]" prefix.
    pub number: usize,
    pub total: usize,
    /// Shown in progress lines, e.g. "nextpnr-ice40 (seed 1)".
    pub title: String,
    /// Tool name (resolved through [`Toolchain::locate`]).
    pub tool: String,
    pub args: Vec<OsString>,
    pub cwd: PathBuf,
    pub log_path: PathBuf,
    pub timeout: Duration,
    /// Extra environment variables for the tool (on top of this process's environment).
    pub env: Vec<(OsString, OsString)>,
    /// A folder the tool fills that is worthless half-written: removed if the process is
    /// interrupted while the tool runs (see [`crate::interrupt`]).
    pub scratch: Option<PathBuf>,
}

impl Step {
    pub fn new(
        tool: &str,
        args: &[&OsStr],
        cwd: &Path,
        log_path: &Path,
        timeout: Duration,
    ) -> Self {
        Step {
            number: 1,
            total: 1,
            title: tool.to_string(),
            tool: tool.to_string(),
            args: args.iter().map(|a| a.to_os_string()).collect(),
            cwd: cwd.to_path_buf(),
            log_path: log_path.to_path_buf(),
            timeout,
            env: Vec::new(),
            scratch: None,
        }
    }

    /// Marks `dir` as this step's scratch: removed if the process is interrupted while the
    /// tool runs.
    pub fn with_scratch(mut self, dir: &Path) -> Self {
        self.scratch = Some(dir.to_path_buf());
        self
    }

    /// Adds environment variables for the tool.
    pub fn with_env(mut self, env: impl IntoIterator<Item = (OsString, OsString)>) -> Self {
        self.env.extend(env);
        self
    }

    pub fn numbered(mut self, number: usize, total: usize) -> Self {
        self.number = number;
        self.total = total;
        self
    }

    pub fn titled(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepStatus {
    Exited(ExitStatus),
    TimedOut,
}

/// What happened when a step ran.
#[derive(Clone, Debug)]
pub struct StepRun {
    pub title: String,
    pub program: PathBuf,
    pub log_path: PathBuf,
    pub elapsed: Duration,
    pub timeout: Duration,
    pub status: StepStatus,
}

impl StepRun {
    pub fn succeeded(&self) -> bool {
        matches!(&self.status, StepStatus::Exited(s) if s.success())
    }

    pub fn timed_out(&self) -> bool {
        self.status == StepStatus::TimedOut
    }

    /// The log as text (lossy: tools may print bytes that are not UTF-8).
    pub fn log_text(&self) -> Result<String> {
        let bytes = std::fs::read(&self.log_path)
            .with_context(|| format!("cannot read log {}", self.log_path.display()))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// `Ok(self)` if the step succeeded, else the error from [`StepRun::failure`].
    pub fn check(self) -> Result<StepRun> {
        if self.succeeded() {
            Ok(self)
        } else {
            Err(self.failure())
        }
    }

    /// An error describing why this step failed, with the relevant log lines.
    pub fn failure(&self) -> anyhow::Error {
        let what = match &self.status {
            StepStatus::Exited(s) if s.success() => format!(
                "{} finished but its result was not usable ({:.1} s)",
                self.title,
                secs(self.elapsed)
            ),
            StepStatus::Exited(s) => format!(
                "{} failed ({}) after {:.1} s",
                self.title,
                describe_status(s),
                secs(self.elapsed)
            ),
            StepStatus::TimedOut => format!(
                "{} did not finish within {} and was killed",
                self.title,
                human(self.timeout)
            ),
        };
        let excerpt = match self.log_text() {
            Ok(text) => log_excerpt(&text, 30),
            Err(e) => format!("(log not readable: {e:#})"),
        };
        anyhow!("{what}\n{excerpt}\nfull log: {}", self.log_path.display())
    }
}

impl fmt::Display for StepRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({:.1} s)", self.title, secs(self.elapsed))
    }
}

fn is_error_line(line: &str) -> bool {
    let t = line.trim_start();
    // nextpnr: "ERROR: ...", yosys: "ERROR: ..." or "file.v:2: ERROR: ...".
    t.starts_with("ERROR:") || t.contains(": ERROR:") || t.starts_with("Error:")
}

fn is_noise(line: &str) -> bool {
    let t = line.trim();
    // Slack histogram rows and bare "Info:" spacers carry nothing for a failure report.
    t.is_empty()
        || t == "Info:"
        // The command line this module writes at the top of every log.
        || t.starts_with("$ cd ")
        // yosys's licence banner.
        || (t.starts_with('|') && t.ends_with('|'))
        || t.starts_with("/----")
        || t.starts_with("\\----")
        || (t.starts_with("Info: [") && t.contains(") |"))
        || t.starts_with("Info:  legend:")
        || t.starts_with("Info:          +")
}

/// The lines of a tool log worth showing on failure: its own error lines first (they are
/// often far from the end, e.g. nextpnr's timing error above the slack histogram), then the
/// last relevant lines, `max_lines` in all.
pub fn log_excerpt(text: &str, max_lines: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut errors: Vec<&str> = Vec::new();
    for l in lines.iter().copied().filter(|l| is_error_line(l)) {
        if !errors.contains(&l) {
            errors.push(l);
        }
    }
    errors.truncate(max_lines / 2);
    let room = max_lines.saturating_sub(errors.len());
    let mut tail: Vec<&str> = lines
        .iter()
        .rev()
        .copied()
        .filter(|l| !is_noise(l) && !errors.contains(l))
        .take(room)
        .collect();
    tail.reverse();
    let mut out = String::new();
    if !errors.is_empty() {
        out.push_str("errors reported by the tool:\n");
        for e in &errors {
            out.push_str("  | ");
            out.push_str(e.trim_end());
            out.push('\n');
        }
    }
    if tail.is_empty() {
        out.push_str("(the log is empty)");
    } else {
        out.push_str("last lines of the log:\n");
        for l in &tail {
            out.push_str("  | ");
            out.push_str(l.trim_end());
            out.push('\n');
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch_dir(name: &str) -> crate::scratch::Scratch {
        crate::scratch::Scratch::new(&format!("flow-tools-{name}"))
    }

    #[test]
    fn missing_tool_names_the_package() {
        let empty = scratch_dir("empty-path");
        let tc = Toolchain::with_search_path(empty.as_os_str());
        for (tool, pkg) in [
            ("yosys", "yosys"),
            ("nextpnr-ice40", "nextpnr-ice40"),
            ("icepack", "fpga-icestorm"),
            ("iceprog", "fpga-icestorm"),
            ("icetime", "fpga-icestorm"),
        ] {
            let msg = tc.locate(tool).expect_err(tool).to_string();
            assert!(msg.contains(&format!("`{tool}` was not found")), "{msg}");
            assert!(
                msg.contains(&format!("sudo apt-get install -y {pkg}")),
                "{msg}"
            );
            assert!(msg.contains(&*empty.to_string_lossy()), "{msg}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn verilator_cache_goes_through_ccache_only_when_it_is_found() {
        use std::os::unix::fs::PermissionsExt;
        let model = Path::new("/suite/models/counter");
        let empty = scratch_dir("no-ccache");
        let none =
            VerilatorCache::for_work_dir(model, &Toolchain::with_search_path(empty.as_os_str()));
        assert_eq!(none, VerilatorCache::default());

        let bin = scratch_dir("fake-ccache");
        let fake = bin.join("ccache");
        std::fs::write(&fake, "#!/bin/sh\nexec \"$@\"\n").expect("fake ccache");
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let cache =
            VerilatorCache::for_work_dir(model, &Toolchain::with_search_path(bin.as_os_str()));
        assert_eq!(
            cache.args,
            [
                "-MAKEFLAGS".to_string(),
                format!("OBJCACHE={}", fake.display())
            ]
        );
        let dir = cache.env.iter().find(|(k, _)| k == "CCACHE_DIR");
        match std::env::var_os("CCACHE_DIR") {
            // The models of one folder share one cache beside them.
            None => assert_eq!(
                dir.map(|(_, v)| PathBuf::from(v)),
                Some(PathBuf::from("/suite/models/.ccache"))
            ),
            // The user's own cache is left alone.
            Some(_) => assert_eq!(dir, None),
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_step_passes_its_environment_to_the_tool() {
        let dir = scratch_dir("env");
        let tc = Toolchain::with_search_path("/usr/bin:/bin").with_progress(Progress::Quiet);
        let step = Step::new(
            "sh",
            &[
                OsStr::new("-c"),
                OsStr::new("echo \"value=$STEP_TEST_VALUE\""),
            ],
            &dir,
            &dir.join("env.log"),
            Duration::from_secs(60),
        )
        .with_env([(OsString::from("STEP_TEST_VALUE"), OsString::from("42"))]);
        let run = tc.run(&step).expect("run").check().expect("success");
        assert!(run.log_text().expect("log").contains("value=42\n"));
    }

    #[cfg(unix)]
    #[test]
    fn override_and_lookup() {
        let tc = Toolchain::from_env().with_override("yosys", "no-such-yosys-binary");
        let msg = tc.locate("yosys").expect_err("renamed").to_string();
        assert!(msg.contains("run as `no-such-yosys-binary`"), "{msg}");
        assert!(msg.contains("apt-get install -y yosys"), "{msg}");
        let tc = Toolchain::with_search_path("/usr/bin:/bin").with_override("yosys", "sh");
        assert!(tc.locate("yosys").is_ok());
        // A directory is not a program.
        let tc = Toolchain::from_env().with_override("yosys", "/usr");
        assert!(tc.locate("yosys").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn runs_logs_and_times_out() {
        let dir = scratch_dir("run");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let mut tc = Toolchain::with_search_path("/usr/bin:/bin")
            .with_progress(Progress::Capture(lines.clone()));
        tc.heartbeat = Duration::from_millis(300);

        let ok = Step::new(
            "sh",
            &[OsStr::new("-c"), OsStr::new("echo out; echo err >&2")],
            &dir,
            &dir.join("ok.log"),
            Duration::from_secs(10),
        )
        .numbered(1, 2);
        let run = tc.run(&ok).expect("run").check().expect("success");
        let log = run.log_text().expect("log");
        assert!(log.contains("out\n") && log.contains("err\n"), "{log}");
        assert!(log.starts_with("$ cd "), "{log}");

        let failing = Step::new(
            "sh",
            &[
                OsStr::new("-c"),
                OsStr::new("echo 'Info: fine'; echo 'ERROR: it broke'; echo 'Info: tail'; exit 3"),
            ],
            &dir,
            &dir.join("fail.log"),
            Duration::from_secs(10),
        );
        let msg = format!(
            "{:#}",
            tc.run(&failing).expect("run").check().expect_err("fails")
        );
        assert!(msg.contains("exit status 3"), "{msg}");
        assert!(
            msg.contains("errors reported by the tool:\n  | ERROR: it broke"),
            "{msg}"
        );
        assert!(msg.contains("fail.log"), "{msg}");

        // The shell forks a grandchild, which must die with it.
        let pid_file = dir.join("grandchild.pid");
        let script = format!("sleep 20 & echo $! > '{}'; wait", pid_file.display());
        let slow = Step::new(
            "sh",
            &[OsStr::new("-c"), OsStr::new(&script)],
            &dir,
            &dir.join("slow.log"),
            Duration::from_millis(800),
        )
        .titled("sleeper");
        let started = Instant::now();
        let run = tc.run(&slow).expect("run");
        assert!(run.timed_out());
        assert!(started.elapsed() < Duration::from_secs(5));
        let msg = run.failure().to_string();
        assert!(msg.contains("did not finish within"), "{msg}");
        if Path::new("/proc/self/stat").exists() {
            let pid = std::fs::read_to_string(&pid_file).expect("pid file");
            let stat = Path::new("/proc").join(pid.trim()).join("stat");
            // Gone, or a zombie waiting for init to reap it.
            let mut alive = true;
            for _ in 0..50 {
                alive = std::fs::read_to_string(&stat)
                    .map(|s| {
                        !s.rsplit_once(')')
                            .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
                    })
                    .unwrap_or(false);
                if !alive {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            assert!(!alive, "grandchild {} survived the timeout", pid.trim());
        }

        let said = lines.lock().expect("lock").clone();
        assert!(said.iter().any(|l| l == "[1/2] sh ..."), "{said:?}");
        assert!(
            said.iter().any(|l| l.starts_with("[1/2] sh done after")),
            "{said:?}"
        );
        assert!(
            said.iter().any(|l| l.contains("sleeper still running")),
            "{said:?}"
        );
        assert!(
            said.iter().any(|l| l.contains("sleeper timed out, killed")),
            "{said:?}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn output_within_returns_output_or_stops_a_hang() {
        let out = Command::new("sh")
            .args(["-c", "echo out; echo err >&2; exit 4"])
            .output_within(Duration::from_secs(600))
            .expect("runs");
        assert_eq!(out.status.code(), Some(4));
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
        // A grandchild holding the pipes open dies with it too (or read_to_end would wait).
        let err = Command::new("sh")
            .args(["-c", "sleep 600 & wait"])
            .output_within(Duration::from_millis(500))
            .expect_err("stopped");
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
        assert!(
            err.to_string().contains("sh did not finish within"),
            "{err}"
        );
    }

    #[test]
    fn excerpt_puts_errors_first_and_skips_histograms() {
        let mut log = String::from("Info: start\n");
        log.push_str("ERROR: Max frequency for clock 'clk': 90.00 MHz (FAIL at 100.00 MHz)\n");
        for i in 0..50 {
            log.push_str(&format!("Info: [ {i}, {}) |***\n", i + 1));
        }
        log.push_str("0 warnings, 1 error\n\nInfo: Program finished normally.\n");
        let ex = log_excerpt(&log, 30);
        assert!(
            ex.starts_with("errors reported by the tool:\n  | ERROR: Max frequency"),
            "{ex}"
        );
        assert!(!ex.contains(") |***"), "{ex}");
        assert!(ex.contains("0 warnings, 1 error"), "{ex}");
        assert_eq!(log_excerpt("", 30), "(the log is empty)");
    }
}

/// How Verilator's C++ compiles share work between models: through `ccache` when it is
/// installed (`scripts/install-tools.sh` installs it).
///
/// Every Verilator model compiles the same runtime (`verilated.cpp`, its threads and VCD
/// parts: about two thirds of a small model's build); with the cache each is compiled once
/// per cache folder, not once per model, which is most of the test suite's Verilator time.
/// The cache folder is `<parent of work_dir>/.ccache`, so the models of one suite (all in
/// one folder) share it, `cargo clean` empties it, and a fresh clone starts without one —
/// unless `CCACHE_DIR` is set, which is then used as the user meant. Without `ccache` the
/// build is the same, only slower.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerilatorCache {
    /// Arguments for Verilator (`-MAKEFLAGS OBJCACHE=/path/to/ccache`), empty without it.
    pub args: Vec<String>,
    /// Environment for Verilator's make (`CCACHE_DIR`, and `CCACHE_NOHASHDIR` so models in
    /// different folders share entries); empty without ccache.
    pub env: Vec<(OsString, OsString)>,
}

impl VerilatorCache {
    /// The cache for models built in `work_dir`, using the `ccache` that `tools` finds
    /// (none if it finds none, or if its path has white space, which make would split).
    pub fn for_work_dir(work_dir: &Path, tools: &Toolchain) -> Self {
        let Ok(ccache) = tools.locate("ccache") else {
            return Self::default();
        };
        let ccache = ccache.to_string_lossy().into_owned();
        if ccache.chars().any(char::is_whitespace) {
            return Self::default();
        }
        let mut env = vec![(OsString::from("CCACHE_NOHASHDIR"), OsString::from("1"))];
        if std::env::var_os("CCACHE_DIR").is_none() {
            let parent = work_dir.parent().unwrap_or(work_dir);
            env.push((
                OsString::from("CCACHE_DIR"),
                parent.join(".ccache").into_os_string(),
            ));
        }
        VerilatorCache {
            args: vec!["-MAKEFLAGS".to_string(), format!("OBJCACHE={ccache}")],
            env,
        }
    }
}
