//! Interrupted commands leave nothing behind: the one place that knows which external
//! tools are running and which scratch folders exist, and ends / removes them when the
//! process is interrupted (SIGINT, SIGTERM, SIGHUP).
//!
//! Contract, and why:
//! - **Nothing process-wide happens unless asked.** A library user's program owns its
//!   signals; a library that installed handlers behind its back would change what Ctrl-C
//!   does to that program. So the library only *registers* what it starts
//!   ([`register_scratch`], and every tool run through [`crate::tools`]); the handlers are
//!   installed by `install_handlers` (feature `signals`), which the `rust-hdl-uart` binary
//!   calls first thing; a program with its own signal handling instead calls
//!   [`set_process_groups`]`(true)` once and [`interrupt`] from that handling.
//! - **Tools run in their own process group once interruption is handled here**
//!   ([`process_groups`]), so one `kill(-group)` ends a tool and everything it started
//!   (yosys's abc, Verilator's make and compilers), also after the tool itself died and
//!   its children were re-parented. Without handlers, tools stay in the caller's process
//!   group on purpose: then a terminal's Ctrl-C still reaches them directly, which is the
//!   only way they would be stopped.
//! - **No tool starts after an interruption, and no tool is missed**: starting a tool and
//!   registering its group happen under the same lock the interruption takes, and the
//!   interruption flag is checked under it.
//! - **Scratch is removed by whoever gets there first**: the code that made it (a guard's
//!   drop, on success or error) or the interruption (which does not wait for the main
//!   thread: a Rust simulation in the bench polls nothing).
//! - On an interruption in [`Mode::Exit`] (the default) the process then exits with status
//!   128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM), as a shell would report
//!   it. In [`Mode::Cooperative`] (`sim-board`, which stops gracefully and prints its
//!   counters) tools are ended and scratch removed all the same, and the command sees
//!   [`interrupted`] and returns on its own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Mutex;

/// What the handlers do after ending the tools and removing the scratch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Exit the process with status 128 + signal number.
    Exit,
    /// Return: the command polls [`interrupted`] and stops on its own.
    Cooperative,
}

/// The signal that interrupted the process (0: none yet).
static SIGNAL: AtomicI32 = AtomicI32::new(0);
/// Whether tools get their own process group (set by `install_handlers` or
/// [`set_process_groups`]).
static GROUPS: AtomicBool = AtomicBool::new(false);
static COOPERATIVE: AtomicBool = AtomicBool::new(false);

/// What to end and remove, keyed by a registration number.
#[derive(Default)]
struct Registry {
    next: u64,
    groups: BTreeMap<u64, u32>,
    scratch: BTreeMap<u64, PathBuf>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    next: 0,
    groups: BTreeMap::new(),
    scratch: BTreeMap::new(),
});

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    // A panic while holding the lock leaves consistent maps (every change is one insert
    // or remove), so a poisoned lock is still usable.
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether an interruption has been received.
pub fn interrupted() -> bool {
    SIGNAL.load(Ordering::SeqCst) != 0
}

/// `Err` naming the signal once the process has been interrupted; call it between pieces
/// of long work so a cooperative command stops promptly.
pub fn check() -> anyhow::Result<()> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => Ok(()),
        sig => Err(anyhow::anyhow!(
            "interrupted by {}: stopped the tools and removed the scratch folders",
            signal_name(sig)
        )),
    }
}

/// `SIGINT`, `SIGTERM`, `SIGHUP` or `signal N`.
pub fn signal_name(sig: i32) -> String {
    match sig {
        2 => "SIGINT (Ctrl-C)".to_string(),
        15 => "SIGTERM".to_string(),
        1 => "SIGHUP".to_string(),
        n => format!("signal {n}"),
    }
}

/// Whether tools are started in their own process group.
pub fn process_groups() -> bool {
    GROUPS.load(Ordering::SeqCst)
}

/// Starts tools in their own process group from now on. Only for a program that ends them
/// itself on interruption (through [`interrupt`]): otherwise a Ctrl-C would no longer reach
/// them.
pub fn set_process_groups(on: bool) {
    GROUPS.store(on, Ordering::SeqCst);
}

/// Chooses what the installed handlers do after the clean-up (see [`Mode`]).
pub fn set_mode(mode: Mode) {
    COOPERATIVE.store(mode == Mode::Cooperative, Ordering::SeqCst);
}

/// Installs handlers for SIGINT, SIGTERM and SIGHUP that call [`interrupt`] (on a thread
/// of their own, so the clean-up is ordinary code, not a signal handler), and starts tools
/// in their own process groups. For programs (the `rust-hdl-uart` binary), not libraries.
#[cfg(all(unix, feature = "signals"))]
pub fn install_handlers() -> anyhow::Result<()> {
    use anyhow::Context;
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
        .context("cannot install the signal handlers")?;
    set_process_groups(true);
    std::thread::Builder::new()
        .name("interrupt".into())
        .spawn(move || {
            for sig in signals.forever() {
                interrupt(sig);
            }
        })
        .context("cannot start the signal thread")?;
    Ok(())
}

/// Handles an interruption by `sig`: marks the process interrupted, kills every registered
/// tool's process group, removes every registered scratch folder and then, in
/// [`Mode::Exit`], exits with status 128 + `sig`. Call it from your own signal handling
/// thread (not from inside a signal handler: it locks and allocates).
pub fn interrupt(sig: i32) {
    let first = SIGNAL
        .compare_exchange(0, sig.max(1), Ordering::SeqCst, Ordering::SeqCst)
        .is_ok();
    // Held to the exit in Exit mode: no tool starts and no scratch is registered after.
    let mut reg = registry();
    for &group in reg.groups.values() {
        kill_group(group);
    }
    let scratch: Vec<PathBuf> = reg.scratch.values().cloned().collect();
    for path in &scratch {
        remove_scratch(path);
    }
    reg.scratch.clear();
    if COOPERATIVE.load(Ordering::SeqCst) {
        if first {
            eprintln!(
                "{}: stopping (tools ended, scratch removed)",
                signal_name(sig)
            );
        }
        return;
    }
    eprintln!(
        "interrupted by {}: ended the running tools, removed {} scratch folder(s)",
        signal_name(sig),
        scratch.len()
    );
    std::process::exit(128 + sig);
}

/// Removes a folder tree, retrying: a tool killed a moment ago may still be writing into
/// it (`remove_dir_all` then fails with "directory not empty").
fn remove_scratch(path: &Path) {
    for _ in 0..20 {
        match std::fs::remove_dir_all(path) {
            Ok(()) => return,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
        }
    }
}

#[cfg(unix)]
fn kill_group(group: u32) {
    if let Ok(pgid) = i32::try_from(group) {
        if pgid > 1 {
            // SAFETY: kill(2) with a negative pid signals a process group; it touches no
            // memory of ours. A group that is already gone gives ESRCH, which is fine.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
}

#[cfg(not(unix))]
fn kill_group(_group: u32) {}

/// A scratch folder that an interruption removes; dropping the guard only forgets it (the
/// owner removes it itself when it is done, or keeps it, e.g. a log folder).
#[must_use = "the folder is forgotten when the guard is dropped"]
pub struct ScratchGuard(u64);

impl Drop for ScratchGuard {
    fn drop(&mut self) {
        registry().scratch.remove(&self.0);
    }
}

/// Registers `path` for removal on interruption, then runs `create` (which makes it), both
/// under the interruption's lock so that a folder is never created after the clean-up.
/// `Err` if the process has already been interrupted.
pub fn register_scratch(
    path: &Path,
    create: impl FnOnce(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<ScratchGuard> {
    let mut reg = registry();
    check()?;
    create(path)?;
    let id = reg.next;
    reg.next += 1;
    reg.scratch.insert(id, path.to_path_buf());
    Ok(ScratchGuard(id))
}

/// A started tool, registered for the interruption; unregistered on drop.
pub(crate) struct ToolGuard {
    id: u64,
    /// The tool's own process group (its pid), when it has one.
    pub(crate) group: Option<u32>,
}

impl Drop for ToolGuard {
    fn drop(&mut self) {
        registry().groups.remove(&self.id);
    }
}

impl ToolGuard {
    /// Kills the tool's whole process group, if it has its own.
    pub(crate) fn kill_group(&self) {
        if let Some(group) = self.group {
            kill_group(group);
        }
    }
}

/// Spawns `cmd` (in its own process group when [`process_groups`] is on) and registers it.
/// `Err` of kind `Interrupted` once the process has been interrupted.
pub(crate) fn spawn(cmd: &mut Command) -> std::io::Result<(Child, ToolGuard)> {
    let mut reg = registry();
    if interrupted() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::Interrupted,
            format!(
                "not started: the command was interrupted by {}",
                signal_name(SIGNAL.load(Ordering::SeqCst))
            ),
        ));
    }
    let grouped = process_groups();
    #[cfg(unix)]
    if grouped {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let child = cmd.spawn()?;
    let id = reg.next;
    reg.next += 1;
    let group = grouped.then(|| child.id());
    if let Some(g) = group {
        reg.groups.insert(id, g);
    }
    Ok((child, ToolGuard { id, group }))
}
