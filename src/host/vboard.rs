//! The virtual board: a firmware's exported top, run in Verilator, with its UART pins
//! bridged to a pseudo-terminal that any serial program can open.
//!
//! What it guarantees:
//! - The design is the firmware's Verilog, the same text the bitstream is built from
//!   ([`BoardModel`]); it is clocked cycle by cycle at the configured clock.
//! - Bytes a program writes to the PTY become frames on `usb_rx` at the configured baud, in
//!   simulated time, made by the independent line model (`sim/line.rs`'s [`SerialDriver`]);
//!   frames on `usb_tx` are decoded by its [`LineMonitor`], which checks every edge against
//!   the transmitter's bit grid. Only clean frames reach the PTY. A malformed frame, a break
//!   or a timing error from the firmware is a firmware bug: counted in [`BoardStats`], kept
//!   in [`BoardStats::bugs`] (the first [`MAX_KEPT_MESSAGES`]) and printed on stderr by the
//!   CLI. Nothing is lost silently: every byte in is counted once as driven or as dropped
//!   by fault injection; a byte that does not fit `data_bits` is counted as truncated.
//! - Simulated time only runs while something is in flight: a frame being driven, a reset
//!   being held, or less than `quiet_bits` bit times since the last edge on either pin.
//!   Otherwise the model is not clocked and the board blocks on the PTY, so an idle board
//!   costs no CPU. (A firmware with its own timers sees them stop between bursts.)
//! - The PTY is raw (`cfmakeraw`) and starts at the firmware's baud and format. The PC's
//!   end of the line follows what a program sets on the PTY, as a USB-serial chip would
//!   (`pcline.rs`): the settings are read before every batch of simulated clocks (about a
//!   frame) and while idle, and each frame to the board starts at the format read last.
//!   While the PTY's format is the firmware's, frames are driven at the nominal baud and
//!   checked strictly as above. Otherwise (another baud, size, parity or stop bits) frames
//!   are driven at the PTY's format and `usb_tx` is read by an ideal receiver at it: a
//!   program at the wrong baud reads garbage, and each frame its receiver takes with a
//!   framing error, parity error or break is counted in [`BoardStats::line_errors_at_pc`]
//!   and becomes what Linux gives for it (`\0`, see `pcline.rs`); the firmware's timing is
//!   not checked then. A baud the line cannot carry (0, or above half the simulated clock)
//!   keeps the previous format, with a warning. [`BoardOptions::fixed_baud`] restores the
//!   old behaviour: the firmware's format whatever the PTY says.
//! - A reset cuts no frame short in the PC → board direction: a frame being driven when
//!   the button is pressed is abandoned and re-sent whole after the reset and the settling
//!   time (counted in [`BoardStats::resent_after_reset`]); it is never resumed mid-frame.
//!   A frame from the firmware that a reset cuts (any frame overlapping the reset) is not
//!   passed to the PTY and is counted in [`BoardStats::cut_by_reset`]. Bytes the firmware
//!   held when reset are lost as on a board.
//! - Output to the PTY is queued without bound in memory, so a program that writes
//!   everything before reading anything cannot deadlock the board (a real FT2232H would
//!   lose bytes then).
//! - Fault injection ([`Faults`]) drops or corrupts bytes between the PTY and the line
//!   model, in either direction, from a seeded generator, and counts every fault.
//! - The board publishes what it is and how fast it runs in a small JSON file
//!   ([`BoardStatus`], at [`status_file`]), rewritten about every half second and removed
//!   when it stops, so a client on its PTY knows it talks to a board slower than real time
//!   (the register client scales its reply timeout with it).
//! - [`VirtualBoard::stop`] (and dropping the board) ends the simulation thread and the
//!   Verilator process, removes the symlink if it still points at this board's PTY, and
//!   closes the PTY, so a program holding it open sees a hang-up.

use super::model::{BoardModel, ModelProcess, PinChange, Run};
use super::pcline::{PcEvent, PcReceiver, PtyFormat};
use crate::config::{Parity, UartConfig};
use crate::firmware::Firmware;
use crate::sim::line::{LineFormat, LineMonitor, LineParity, MonitorEvent, SerialDriver};
use anyhow::{bail, ensure, Context, Result};
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::termios::{cfmakeraw, tcgetattr, tcsetattr, SetArg};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often the board rewrites its [`BoardStatus`] file.
const STATUS_INTERVAL: Duration = Duration::from_millis(500);

/// What a running board publishes about itself for clients on its PTY.
#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq)]
pub struct BoardStatus {
    /// The board's process.
    pub pid: u32,
    /// Its PTY.
    pub pty: PathBuf,
    /// The firmware (or Verilog file) it runs.
    pub firmware: String,
    /// The simulated clock.
    pub clock_hz: u64,
    /// The firmware's baud.
    pub baud: u64,
    /// Simulated time over wall time while the model is clocked (1.0 = real time); `None`
    /// until the board has run long enough to measure it.
    pub real_time_ratio: Option<f64>,
}

/// Where the board with PTY `pty` publishes its [`BoardStatus`]:
/// `$TMPDIR/rust-hdl-uart-vboard/<pty path with / as ->.json`.
pub fn status_file(pty: &Path) -> PathBuf {
    let name = pty
        .to_string_lossy()
        .trim_start_matches('/')
        .replace('/', "-");
    std::env::temp_dir()
        .join("rust-hdl-uart-vboard")
        .join(format!("{name}.json"))
}

/// The status of the virtual board behind `port` (a PTY, or a symlink to one), if a live
/// board publishes one. `None` for anything else (a real serial port, a dead board's file).
pub fn board_status(port: &Path) -> Option<BoardStatus> {
    let pty = std::fs::canonicalize(port).ok()?;
    let text = std::fs::read_to_string(status_file(&pty)).ok()?;
    let status: BoardStatus = serde_json::from_str(&text).ok()?;
    let alive = Path::new(&format!("/proc/{}", status.pid)).exists();
    (alive && status.pty == pty).then_some(status)
}

fn publish_status(status: &BoardStatus) -> Result<()> {
    let file = status_file(&status.pty);
    let dir = file.parent().context("status file has no folder")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // Written whole, then renamed: a client never reads half a file.
    let tmp = file.with_extension(format!("json.{}.tmp", std::process::id()));
    std::fs::write(&tmp, serde_json::to_string(status)?)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &file).with_context(|| format!("cannot write {}", file.display()))
}

/// Bug messages and warnings kept in [`BoardStats`] (the counts stay exact).
pub const MAX_KEPT_MESSAGES: usize = 100;

/// Batches of runs sent to the model before the first result is read back: the model
/// computes one while the line model prepares the next.
const PIPELINE_DEPTH: usize = 2;

/// The least tolerance (clocks) for an edge from the firmware (see `Simulation::new`).
pub const MIN_MONITOR_TOLERANCE: f64 = 2.0;

/// How often blocked threads look at the stop flag.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// Which way faults are injected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Default)]
pub enum FaultDirection {
    /// PTY → board and board → PTY.
    #[default]
    Both,
    /// Only bytes a program writes, before they become frames.
    ToBoard,
    /// Only bytes the firmware sends, before they reach the PTY.
    FromBoard,
}

impl std::str::FromStr for FaultDirection {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "both" => Ok(Self::Both),
            "to-board" => Ok(Self::ToBoard),
            "from-board" => Ok(Self::FromBoard),
            _ => bail!("fault direction '{s}': use both, to-board or from-board"),
        }
    }
}

/// Faults injected between the PTY and the line model (for testing protocols that must
/// detect and retry them).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Default)]
pub struct Faults {
    /// Probability that a byte is dropped.
    pub drop: f64,
    /// Probability that a byte (not dropped) is corrupted: XORed with a random non-zero mask.
    /// The frame stays well formed, so 8N1 cannot detect it (it shows only in the data).
    pub corrupt: f64,
    /// Probability that a byte to the board (neither dropped nor corrupted) is sent with its
    /// stop bit low and then one bit time high: a framing error the receiver detects (a
    /// break when the data and parity bits are all zero), counted in
    /// [`BoardStats::framed_to_board`]. Not applied to bytes from the board.
    pub framing: f64,
    /// Seed of the fault generator: the same seed and traffic give the same faults.
    pub seed: u64,
    /// Which bytes are affected.
    pub direction: FaultDirection,
}

impl Faults {
    /// Checks the probabilities.
    pub fn validate(&self) -> Result<()> {
        for (name, p) in [
            ("drop", self.drop),
            ("corrupt", self.corrupt),
            ("framing", self.framing),
        ] {
            ensure!(
                (0.0..=1.0).contains(&p),
                "--{name} {p}: a probability must be between 0 and 1"
            );
        }
        Ok(())
    }

    fn active(&self) -> bool {
        self.drop > 0.0 || self.corrupt > 0.0 || self.framing > 0.0
    }
}

/// What the virtual board runs and how.
#[derive(Clone, Debug)]
pub struct BoardOptions {
    /// The firmware (any whose top has the Alchitry Cu ports).
    pub firmware: Firmware,
    /// Its UART configuration (the clock is the simulated clock).
    pub config: UartConfig,
    /// Where the Verilator model is built (see [`super::model::default_work_dir`]).
    pub work_dir: PathBuf,
    /// A symlink to create to the PTY. A path that exists is refused (another board's link,
    /// a user's own), except a dangling link into `/dev/pts` (a board that crashed), which is
    /// replaced with a warning; see [`BoardOptions::replace_link`].
    pub link: Option<PathBuf>,
    /// Replace an existing symlink at [`BoardOptions::link`] whatever it points at (with a
    /// warning). A file that is not a symlink is never replaced.
    pub replace_link: bool,
    /// Fault injection.
    pub faults: Faults,
    /// Bit times after the last edge on either pin before the clock stops.
    pub quiet_bits: u32,
    /// How long a reset holds `rst_n` low, in simulated clocks.
    pub reset_clocks: u64,
    /// Drive and decode the line at the firmware's baud and format whatever a program sets
    /// on the PTY (the board's behaviour before it followed the PTY).
    pub fixed_baud: bool,
}

impl BoardOptions {
    /// Defaults for a firmware and configuration: work folder under `root`, no link, no
    /// faults, 100 quiet bit times, a 1 ms reset (at least 1024 clocks).
    pub fn new(firmware: Firmware, config: UartConfig, root: &Path) -> Self {
        BoardOptions {
            firmware,
            config,
            work_dir: super::model::default_work_dir(root, firmware, &config),
            link: None,
            replace_link: false,
            faults: Faults::default(),
            quiet_bits: 100,
            reset_clocks: (config.clock_hz / 1000).max(1024),
            fixed_baud: false,
        }
    }
}

/// Counters of a running or stopped board.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BoardStats {
    /// Bytes read from the PTY.
    pub bytes_from_pty: u64,
    /// Frames driven onto `usb_rx` (completed or started; a frame re-sent after a reset
    /// counts again).
    pub frames_to_board: u64,
    /// Frames to the board that a reset cut: abandoned and re-sent whole afterwards.
    pub resent_after_reset: u64,
    /// Clean frames decoded from `usb_tx`.
    pub frames_from_board: u64,
    /// The line format on the PC's side now, e.g. `115200 8N1`: the PTY's (or the
    /// firmware's with [`BoardOptions::fixed_baud`]).
    pub pc_format: String,
    /// Times a program changed the PTY's line format.
    pub pc_format_changes: u64,
    /// Frames the PC's receiver took with a framing error, a checked parity error or as a
    /// break, while the PTY's format differed from the firmware's (the program's baud or
    /// format is wrong; not a firmware bug).
    pub line_errors_at_pc: u64,
    /// Bytes written to the PTY.
    pub bytes_to_pty: u64,
    /// Bytes from the PTY dropped by fault injection.
    pub dropped_to_board: u64,
    /// Bytes from the PTY corrupted by fault injection.
    pub corrupted_to_board: u64,
    /// Bytes from the PTY sent with a low stop bit by fault injection ([`Faults::framing`]):
    /// each reaches the firmware as one framing error or break.
    pub framed_to_board: u64,
    /// Bytes from the firmware dropped by fault injection.
    pub dropped_from_board: u64,
    /// Bytes from the firmware corrupted by fault injection.
    pub corrupted_from_board: u64,
    /// Bytes from the PTY with bits above `data_bits` (sent with those bits cut).
    pub truncated_to_board: u64,
    /// Frames from the firmware with a bad stop bit or parity (firmware bugs).
    pub malformed_from_board: u64,
    /// Breaks sent by the firmware.
    pub breaks_from_board: u64,
    /// Edges off the transmitter's bit grid (firmware bugs).
    pub timing_errors_from_board: u64,
    /// Resets applied.
    pub resets: u64,
    /// Frames from the firmware that overlap a reset (not passed to the PTY), and
    /// malformed frames and timing errors within a frame time of one: the button cut a
    /// frame short, as it would on the board (not a firmware bug).
    pub cut_by_reset: u64,
    /// LED state.
    pub led: u8,
    /// Simulated clocks run.
    pub cycles: u64,
    /// Wall time spent clocking the model.
    pub busy_seconds: f64,
    /// Bug reports and warnings, oldest first (at most [`MAX_KEPT_MESSAGES`]).
    pub bugs: Vec<String>,
    /// Messages not kept.
    pub messages_dropped: u64,
}

impl BoardStats {
    /// Simulated clocks per wall second while clocking.
    pub fn cycles_per_second(&self) -> f64 {
        if self.busy_seconds > 0.0 {
            self.cycles as f64 / self.busy_seconds
        } else {
            0.0
        }
    }

    /// Firmware bugs seen: malformed frames, breaks and timing errors.
    pub fn firmware_bugs(&self) -> u64 {
        self.malformed_from_board + self.breaks_from_board + self.timing_errors_from_board
    }

    fn note(&mut self, message: String) {
        if self.bugs.len() < MAX_KEPT_MESSAGES {
            self.bugs.push(message);
        } else {
            self.messages_dropped += 1;
        }
    }
}

struct Shared {
    stop: AtomicBool,
    reset: AtomicBool,
    stats: Mutex<BoardStats>,
    /// Set when a thread ended on an error; the board is dead then.
    failure: Mutex<Option<String>>,
}

impl Shared {
    fn stats(&self) -> std::sync::MutexGuard<'_, BoardStats> {
        // A poisoned lock only means a thread panicked mid-update; the counters are
        // still the best information there is.
        self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn fail(&self, what: &str, err: anyhow::Error) {
        let mut failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
        if failure.is_none() {
            *failure = Some(format!("{what}: {err:#}"));
        }
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// A running virtual board. Stop it with [`VirtualBoard::stop`] (dropping it also stops it).
pub struct VirtualBoard {
    shared: Arc<Shared>,
    path: PathBuf,
    link: Option<PathBuf>,
    model_pid: u32,
    model: BoardModel,
    threads: Vec<JoinHandle<()>>,
    /// Our own handle on the PTY's slave side, so the master never reports a hang-up
    /// between two programs opening it.
    slave: Option<OwnedFd>,
    master: Option<Arc<OwnedFd>>,
    stopped: bool,
}

fn line_format(config: &UartConfig, baud: f64) -> LineFormat {
    LineFormat {
        clock_hz: config.clock_hz as f64,
        baud,
        data_bits: config.data_bits,
        parity: match config.parity {
            Parity::None => LineParity::None,
            Parity::Even => LineParity::Even,
            Parity::Odd => LineParity::Odd,
            Parity::Mark => LineParity::Mark,
            Parity::Space => LineParity::Space,
        },
        stop_bits: config.stop_bits,
    }
}

fn make_pty(config: &UartConfig) -> Result<(OwnedFd, OwnedFd, PathBuf)> {
    let pty = nix::pty::openpty(None, None)
        .context("cannot open a pseudo-terminal (is /dev/ptmx available?)")?;
    let mut termios = tcgetattr(&pty.slave).context("cannot read the PTY's settings")?;
    cfmakeraw(&mut termios);
    tcsetattr(&pty.slave, SetArg::TCSANOW, &termios).context("cannot make the PTY raw")?;
    // A program that never sets a baud talks at the firmware's, as before.
    let baud = u32::try_from(config.baud).unwrap_or(u32::MAX);
    PtyFormat::set_line(
        pty.slave.as_fd(),
        baud,
        &line_format(config, config.baud as f64),
    )?;
    let path = nix::unistd::ttyname(&pty.slave).context("cannot name the PTY")?;
    let flags = fcntl(pty.master.as_raw_fd_compat(), FcntlArg::F_GETFL)
        .context("cannot read the PTY's flags")?;
    fcntl(
        pty.master.as_raw_fd_compat(),
        FcntlArg::F_SETFL(OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK),
    )
    .context("cannot make the PTY non-blocking")?;
    Ok((pty.master, pty.slave, path))
}

/// `as_raw_fd` under a name that does not clash with nix's own traits.
trait RawFdCompat {
    fn as_raw_fd_compat(&self) -> std::os::fd::RawFd;
}

impl RawFdCompat for OwnedFd {
    fn as_raw_fd_compat(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        self.as_raw_fd()
    }
}

/// Makes `link` point at `target`; returns a warning when it replaced an old link.
fn make_link(link: &Path, target: &Path, replace: bool) -> Result<Option<String>> {
    let mut warning = None;
    match std::fs::symlink_metadata(link) {
        Ok(meta) if meta.file_type().is_symlink() => {
            let old = std::fs::read_link(link)
                .with_context(|| format!("cannot read the symlink {}", link.display()))?;
            // Relative targets are relative to the link's folder.
            let resolved = link.parent().unwrap_or(Path::new("")).join(&old);
            let leftover = old.starts_with("/dev/pts/") && !resolved.exists();
            if !replace && !leftover {
                bail!(
                    "--link {}: a symlink of that name exists and points at {}{}; it is not \
                     this board's, so it is left alone. Choose another path, remove it, or \
                     pass --replace-link to replace it",
                    link.display(),
                    old.display(),
                    if resolved.exists() {
                        " (another virtual board's PTY, or your own link)"
                    } else {
                        ""
                    }
                );
            }
            std::fs::remove_file(link)
                .with_context(|| format!("cannot replace the old symlink {}", link.display()))?;
            warning = Some(format!(
                "warning: replaced the symlink {} (it pointed at {}{})",
                link.display(),
                old.display(),
                if leftover {
                    ", a PTY that no longer exists"
                } else {
                    ""
                }
            ));
        }
        Ok(_) => bail!(
            "--link {}: a file of that name exists and is not a symlink; choose another path \
             or remove it",
            link.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot check {}", link.display())),
    }
    std::os::unix::fs::symlink(target, link).with_context(|| {
        format!(
            "cannot create the symlink {} -> {} (does its folder exist, may you write there?)",
            link.display(),
            target.display()
        )
    })?;
    Ok(warning)
}

impl VirtualBoard {
    /// Builds the model (or reuses the last build) and starts the board.
    pub fn start(options: &BoardOptions) -> Result<Self> {
        let model = BoardModel::build(options.firmware, &options.config, &options.work_dir)?;
        Self::start_with_model(model, options)
    }

    /// Starts a board on an already built model (its firmware and configuration win over
    /// `options`').
    pub fn start_with_model(model: BoardModel, options: &BoardOptions) -> Result<Self> {
        options.faults.validate()?;
        let config = model.config;
        let timing = config.validate()?;
        ensure!(
            config.data_bits <= 8,
            "data_bits = {}: a PTY carries 8-bit bytes, so the virtual board needs 5 to 8 data \
             bits",
            config.data_bits
        );
        let process = model.spawn()?;
        let model_pid = process.pid();
        let (master, slave, path) = make_pty(&config)?;
        let link_warning = match &options.link {
            Some(link) => make_link(link, &path, options.replace_link)?,
            None => None,
        };
        let master = Arc::new(master);
        let mut stats = BoardStats {
            led: process.led(),
            ..Default::default()
        };
        if let Some(warning) = link_warning {
            stats.note(warning);
        }
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            reset: AtomicBool::new(false),
            stats: Mutex::new(stats),
            failure: Mutex::new(None),
        });
        let (in_tx, in_rx) = mpsc::channel::<Vec<u8>>();
        let (out_tx, out_rx) = mpsc::channel::<Vec<u8>>();
        let mut threads = Vec::new();
        {
            let (shared, master) = (shared.clone(), master.clone());
            threads.push(std::thread::spawn(move || {
                if let Err(e) = pty_reader(&master, &shared, in_tx) {
                    shared.fail("reading the PTY", e);
                }
            }));
        }
        {
            let (shared, master) = (shared.clone(), master.clone());
            threads.push(std::thread::spawn(move || {
                if let Err(e) = pty_writer(&master, &shared, out_rx) {
                    shared.fail("writing the PTY", e);
                }
            }));
        }
        {
            let shared = shared.clone();
            let status = BoardStatus {
                pid: std::process::id(),
                pty: path.clone(),
                firmware: model.name.clone(),
                clock_hz: config.clock_hz,
                baud: config.baud,
                real_time_ratio: None,
            };
            let sim = Simulation::new(process, &timing, options, out_tx, master.clone(), status);
            threads.push(std::thread::spawn(move || {
                let mut sim = sim;
                if let Err(e) = sim.run(&shared, in_rx) {
                    shared.fail("running the board model", e);
                }
            }));
        }
        Ok(VirtualBoard {
            shared,
            path,
            link: options.link.clone(),
            model_pid,
            model,
            threads,
            slave: Some(slave),
            master: Some(master),
            stopped: false,
        })
    }

    /// The PTY's device path (e.g. `/dev/pts/3`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The symlink made to the PTY, if one was asked for.
    pub fn link(&self) -> Option<&Path> {
        self.link.as_deref()
    }

    /// The Verilator process's id.
    pub fn model_pid(&self) -> u32 {
        self.model_pid
    }

    /// The model the board runs.
    pub fn model(&self) -> &BoardModel {
        &self.model
    }

    /// Presses the reset button for [`BoardOptions::reset_clocks`] simulated clocks.
    pub fn reset(&self) {
        self.shared.reset.store(true, Ordering::SeqCst);
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> BoardStats {
        self.shared.stats().clone()
    }

    /// Why the board stopped by itself, if it did (the model crashed, the PTY failed).
    pub fn failure(&self) -> Option<String> {
        self.shared
            .failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Stops the board: simulation thread and Verilator process ended, symlink removed,
    /// PTY closed. Returns the final counters, or the failure that had stopped the board.
    pub fn stop(mut self) -> Result<BoardStats> {
        self.shutdown();
        if let Some(failure) = self.failure() {
            bail!("the virtual board failed: {failure}");
        }
        Ok(self.stats())
    }

    fn shutdown(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        self.shared.stop.store(true, Ordering::SeqCst);
        for t in self.threads.drain(..) {
            if t.join().is_err() {
                self.shared
                    .fail("stopping", anyhow::anyhow!("a board thread panicked"));
            }
        }
        let _ = std::fs::remove_file(status_file(&self.path));
        if let Some(link) = &self.link {
            // Only our own link: another board may have replaced it meanwhile.
            if std::fs::read_link(link).is_ok_and(|t| t == self.path) {
                let _ = std::fs::remove_file(link);
            }
        }
        self.slave = None;
        self.master = None;
    }
}

impl Drop for VirtualBoard {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn wait_readable(fd: &OwnedFd, flags: PollFlags) -> Result<Option<PollFlags>> {
    let mut fds = [PollFd::new(fd.as_fd(), flags)];
    match poll(
        &mut fds,
        PollTimeout::from(POLL_INTERVAL.as_millis() as u16),
    ) {
        Ok(0) => Ok(None),
        Ok(_) => Ok(fds[0].revents()),
        Err(nix::errno::Errno::EINTR) => Ok(None),
        Err(e) => Err(e).context("poll on the PTY failed"),
    }
}

fn pty_reader(master: &OwnedFd, shared: &Shared, to_sim: Sender<Vec<u8>>) -> Result<()> {
    let mut buf = vec![0u8; 4096];
    while !shared.stop.load(Ordering::SeqCst) {
        if wait_readable(master, PollFlags::POLLIN)?.is_none() {
            continue;
        }
        match nix::unistd::read(master.as_raw_fd_compat(), &mut buf) {
            Ok(0) => std::thread::sleep(POLL_INTERVAL),
            Ok(n) => {
                shared.stats().bytes_from_pty += n as u64;
                if to_sim.send(buf[..n].to_vec()).is_err() {
                    return Ok(());
                }
            }
            // EIO: no program has the slave open right now (we keep one, so this is rare).
            Err(nix::errno::Errno::EAGAIN)
            | Err(nix::errno::Errno::EINTR)
            | Err(nix::errno::Errno::EIO) => std::thread::sleep(Duration::from_millis(1)),
            Err(e) => return Err(e).context("reading from the PTY"),
        }
    }
    Ok(())
}

fn pty_writer(master: &OwnedFd, shared: &Shared, from_sim: Receiver<Vec<u8>>) -> Result<()> {
    let mut queue: std::collections::VecDeque<u8> = std::collections::VecDeque::new();
    while !shared.stop.load(Ordering::SeqCst) {
        if queue.is_empty() {
            match from_sim.recv_timeout(POLL_INTERVAL) {
                Ok(bytes) => queue.extend(bytes),
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            }
        }
        while let Ok(bytes) = from_sim.try_recv() {
            queue.extend(bytes);
        }
        if wait_readable(master, PollFlags::POLLOUT)?.is_none() {
            continue;
        }
        let (front, _) = queue.as_slices();
        match nix::unistd::write(master, front) {
            Ok(n) => {
                queue.drain(..n);
                shared.stats().bytes_to_pty += n as u64;
            }
            Err(nix::errno::Errno::EAGAIN) | Err(nix::errno::Errno::EINTR) => {
                std::thread::sleep(Duration::from_millis(1))
            }
            Err(e) => return Err(e).context("writing to the PTY"),
        }
    }
    Ok(())
}

/// Clocks after a reset ends within which a frame from the firmware still counts as cut by
/// it: the firmware may see `rst_n` through a synchroniser a few clocks late.
const RESET_MARGIN_CLOCKS: u64 = 16;

/// What decodes `usb_tx` for the PC.
enum Decoder {
    /// The PTY has the firmware's format: the strict monitor at the transmitter's exact
    /// rate decodes and checks the firmware's timing. Its clock 0 is the board's cycle
    /// `base`; `None` while waiting for a high line to start on.
    Strict {
        // Boxed: the monitor is large, the other variant small.
        monitor: Box<LineMonitor>,
        base: Option<u64>,
    },
    /// Another format: an ideal receiver at the PTY's format.
    Pc(PcReceiver),
}

/// The simulation thread's state.
struct Simulation {
    process: ModelProcess,
    driver: SerialDriver,
    decoder: Decoder,
    /// The PTY (to read the program's line settings).
    master: Arc<OwnedFd>,
    fixed_baud: bool,
    clock_hz: u64,
    /// The firmware's format at its nominal baud (what the PTY is compared with).
    firmware_format: LineFormat,
    firmware_baud: u64,
    /// The firmware's format at its transmitter's exact rate (for the strict monitor).
    tx_format: LineFormat,
    monitor_tolerance: f64,
    /// The PTY's settings as last read, and the line format the PC side uses now.
    pty: Option<PtyFormat>,
    line: LineFormat,
    /// Bytes waiting to become frames (faults already applied), and the byte whose frame
    /// is being driven.
    pending: std::collections::VecDeque<(u8, bool)>,
    /// The byte being driven and whether its stop bit is faulted low.
    current: Option<(u8, bool)>,
    /// Cycles sent to the model (ahead of `received` by the batches in flight).
    sent: u64,
    in_flight: usize,
    /// Cycles of `usb_tx` given to the decoder, and the level being given.
    pushed: u64,
    tx_level: bool,
    pc_events: Vec<PcEvent>,
    /// Last cycle with an edge on either pin (as far as known).
    last_activity: u64,
    quiet_cycles: u64,
    batch_cycles: u64,
    reset_clocks: u64,
    reset_left: u64,
    /// Idle clocks still to run before queued bytes are driven (after power-up and reset).
    settle_clocks: u64,
    settle_left: u64,
    faults: Faults,
    to_board_rng: StdRng,
    from_board_rng: StdRng,
    out: Sender<Vec<u8>>,
    timing_errors_seen: u64,
    /// Cycles at which recent resets began, and how near one a cut frame may start.
    reset_starts: std::collections::VecDeque<u64>,
    reset_window: u64,
    changes: Vec<PinChange>,
    runs: Vec<Run>,
    /// What the board publishes, and when it last did.
    status: BoardStatus,
    published: Option<Instant>,
}

impl Simulation {
    fn new(
        process: ModelProcess,
        timing: &crate::config::Timing,
        o: &BoardOptions,
        out: Sender<Vec<u8>>,
        master: Arc<OwnedFd>,
        status: BoardStatus,
    ) -> Self {
        let config = timing.config;
        // The PC side sends at the nominal baud; the firmware's transmitter runs at its
        // accumulator's real rate, which the monitor's strict bit grid must follow.
        let firmware_format = line_format(&config, config.baud as f64);
        let driver = SerialDriver::new(firmware_format, o.faults.seed);
        // Not the 1 clock of the unit tests: a frame that starts from idle restarts the
        // transmitter's bit clock, and when the PC sends at about the firmware's own rate
        // the echo idles only 0-2 clocks between frames; the monitor takes such a frame as
        // part of the same burst and sees the restarted grid off by up to ~2.2 clocks
        // (measured at 34.7 clocks per bit; see also sim/tests/firmware.rs). So an edge is
        // reported when it is more than an eighth of a bit (at least 2 clocks) off: far
        // beyond any rounding of a correct transmitter, well inside what a receiver that
        // samples at the bit centre would still read.
        let tolerance = (timing.clocks_per_bit / 8.0)
            .max(MIN_MONITOR_TOLERANCE)
            .min(timing.clocks_per_bit / 2.0 - 0.01);
        let tx_format = line_format(&config, timing.tx_baud);
        let clocks_per_bit = timing.clocks_per_bit;
        let tx = process.tx();
        // The firmware's receiver arms after a whole frame of idle line (power-up and
        // reset); on a board nobody types within microseconds of either. Two frames.
        let settle = (clocks_per_bit * 2.0 * config.frame_bits() as f64).ceil() as u64;
        let mut sim = Simulation {
            process,
            driver,
            decoder: Decoder::Pc(PcReceiver::new(firmware_format, 0)),
            master,
            fixed_baud: o.fixed_baud,
            clock_hz: config.clock_hz,
            firmware_format,
            firmware_baud: config.baud,
            tx_format,
            monitor_tolerance: tolerance,
            pty: None,
            line: firmware_format,
            pending: std::collections::VecDeque::new(),
            current: None,
            sent: 0,
            in_flight: 0,
            pushed: 0,
            tx_level: tx,
            pc_events: Vec::new(),
            last_activity: 0,
            quiet_cycles: (clocks_per_bit * o.quiet_bits as f64).ceil() as u64,
            // About a frame per batch (at least 4096 clocks, so slow clocks still batch).
            batch_cycles: ((clocks_per_bit * 12.0) as u64).max(4096),
            reset_clocks: o.reset_clocks.max(1),
            reset_left: 0,
            settle_clocks: settle,
            settle_left: settle,
            faults: o.faults,
            to_board_rng: StdRng::seed_from_u64(o.faults.seed),
            from_board_rng: StdRng::seed_from_u64(o.faults.seed ^ 0x5eed_f00d_cafe_b0a7),
            out,
            timing_errors_seen: 0,
            reset_starts: std::collections::VecDeque::new(),
            reset_window: (clocks_per_bit * (config.frame_bits() + 1) as f64) as u64
                + o.reset_clocks.max(1),
            changes: Vec::new(),
            runs: Vec::new(),
            status,
            published: None,
        };
        sim.decoder = sim.strict_decoder();
        sim
    }

    /// A strict monitor starting at the current decoder position.
    fn strict_decoder(&self) -> Decoder {
        // The echo may restart the transmitter after a gap of any length: only a start
        // close to the grid (half the tolerance) continues the burst, so a restart near the
        // tolerance cannot be taken for drift (it was: edges 108.7 clocks off against 108.5,
        // about one frame in 3000 at 115200 when the PC's and the firmware's rates beat).
        let monitor = LineMonitor::new(self.tx_format, self.monitor_tolerance)
            .restarts_beyond(self.monitor_tolerance / 2.0);
        Decoder::Strict {
            monitor: Box::new(monitor),
            // A monitor must not start on a low line (it would call that an error).
            base: self.tx_level.then_some(self.pushed),
        }
    }

    /// Reads the PTY's settings and follows a change: the next frame to the board starts
    /// at the new format, and `usb_tx` is decoded at it from now on.
    fn follow_pty(&mut self, shared: &Shared) {
        if self.fixed_baud {
            return;
        }
        let pty = match PtyFormat::read(self.master.as_fd()) {
            Ok(pty) => pty,
            Err(e) => {
                // Keep the last format; say so once per failure streak.
                if self.pty.is_some() {
                    self.pty = None;
                    let mut stats = shared.stats();
                    let kept = stats.pc_format.clone();
                    stats.note(format!(
                        "warning: {e:#}; the PC side keeps its last format {kept}"
                    ));
                }
                return;
            }
        };
        if self.pty == Some(pty) {
            return;
        }
        let first = self.pty.is_none() && shared.stats().pc_format.is_empty();
        self.pty = Some(pty);
        let matched = pty.matches(self.firmware_baud, &self.firmware_format);
        let mut stats = shared.stats();
        let line = if matched {
            self.firmware_format
        } else {
            match pty.line_format(self.clock_hz) {
                Ok(line) => line,
                Err(why) => {
                    let kept = stats.pc_format.clone();
                    stats.note(format!(
                        "warning: {why}; the PC side keeps its format {kept}"
                    ));
                    return;
                }
            }
        };
        if !first {
            stats.pc_format_changes += 1;
        }
        stats.pc_format = pty.to_string();
        if !matched {
            stats.note(format!(
                "warning: the PTY is set to {pty}, the firmware runs at {} {}{}{}: the program \
                 reads what a board would give it at that setting (garbage, framing errors), \
                 counted in line_errors_at_pc",
                self.firmware_baud,
                self.firmware_format.data_bits,
                self.firmware_format.parity.letter(),
                self.firmware_format.stop_bits
            ));
        }
        drop(stats);
        let was_strict = matches!(self.decoder, Decoder::Strict { .. });
        if matched != was_strict || line != self.line {
            self.line = line;
            self.decoder = if matched {
                self.timing_errors_seen = 0;
                self.strict_decoder()
            } else {
                Decoder::Pc(PcReceiver::new(line, self.pushed))
            };
        }
    }

    fn inject(faults: &Faults, rng: &mut StdRng, byte: u8, mask: u8) -> (Option<u8>, bool) {
        if !faults.active() {
            return (Some(byte), false);
        }
        if rng.gen::<f64>() < faults.drop {
            return (None, false);
        }
        if rng.gen::<f64>() < faults.corrupt {
            let flip = rng.gen_range(1..=mask);
            return (Some((byte ^ flip) & mask), true);
        }
        (Some(byte), false)
    }

    fn take_input(&mut self, bytes: Vec<u8>, shared: &Shared) {
        let to_board = matches!(
            self.faults.direction,
            FaultDirection::Both | FaultDirection::ToBoard
        );
        let mut stats = shared.stats();
        for byte in bytes {
            let (byte, corrupted) = if to_board {
                Self::inject(&self.faults, &mut self.to_board_rng, byte, 0xff)
            } else {
                (Some(byte), false)
            };
            let Some(byte) = byte else {
                stats.dropped_to_board += 1;
                continue;
            };
            stats.corrupted_to_board += u64::from(corrupted);
            // Drawn only when asked for, so the drop and corrupt faults of a seed stay the
            // ones they were before this fault existed.
            let bad_stop = to_board
                && !corrupted
                && self.faults.framing > 0.0
                && self.to_board_rng.gen::<f64>() < self.faults.framing;
            self.pending.push_back((byte, bad_stop));
        }
    }

    /// Starts driving `byte` at the current line format, with its stop bit low if
    /// `bad_stop` (fault injection).
    fn start_frame(&mut self, byte: u8, bad_stop: bool, shared: &Shared) {
        if self.driver.format() != self.line {
            self.driver = SerialDriver::new(self.line, self.faults.seed);
        }
        let mask = self.line.data_mask() as u8;
        let mut stats = shared.stats();
        if byte & !mask != 0 {
            stats.truncated_to_board += 1;
            if stats.truncated_to_board == 1 {
                stats.note(format!(
                    "byte 0x{byte:02x} from the PTY does not fit {} data bits: sent as \
                     0x{:02x} (counted in truncated_to_board)",
                    self.line.data_bits,
                    byte & mask
                ));
            }
        }
        if bad_stop {
            self.driver.frame_bad_stop(u16::from(byte & mask));
            stats.framed_to_board += 1;
        } else {
            self.driver.frame(u16::from(byte & mask));
        }
        stats.frames_to_board += 1;
        self.current = Some((byte, bad_stop));
    }

    /// The reset button: a frame being driven is abandoned and queued again whole.
    fn press_reset(&mut self, shared: &Shared) {
        let mut stats = shared.stats();
        if !self.driver.is_done() {
            self.driver = SerialDriver::new(self.driver.format(), self.faults.seed);
            if let Some(byte) = self.current.take() {
                self.pending.push_front(byte);
                stats.resent_after_reset += 1;
            }
        }
        self.reset_left = self.reset_clocks;
        self.settle_left = self.settle_clocks;
        self.last_activity = self.sent;
        if self.reset_starts.len() >= 16 {
            self.reset_starts.pop_front();
        }
        self.reset_starts.push_back(self.sent);
        stats.resets += 1;
    }

    fn busy(&self) -> bool {
        !self.driver.is_done()
            || !self.pending.is_empty()
            || self.reset_left > 0
            || self.settle_left > 0
            || self.sent.saturating_sub(self.last_activity) < self.quiet_cycles
    }

    /// The next batch of runs: line levels from the driver, `rst_n` from the reset counter.
    /// During a reset and the settling time after it the line is idle and queued bytes wait.
    fn make_batch(&mut self, shared: &Shared) {
        self.runs.clear();
        let mut left = self.batch_cycles;
        while left > 0 {
            let at = self.sent + (self.batch_cycles - left);
            let (usb_rx, rst_n, cycles) = if self.reset_left > 0 {
                let n = left.min(self.reset_left);
                self.reset_left -= n;
                (true, false, n)
            } else if self.settle_left > 0 {
                let n = left.min(self.settle_left);
                self.settle_left -= n;
                (true, true, n)
            } else {
                if self.driver.is_done() {
                    self.current = None;
                    if let Some((byte, bad_stop)) = self.pending.pop_front() {
                        self.start_frame(byte, bad_stop, shared);
                    }
                }
                if self.driver.is_done() {
                    // Idle line: no need to ask the driver clock by clock.
                    (true, true, left)
                } else {
                    self.last_activity = at + 1;
                    (self.driver.next_level(), true, 1)
                }
            };
            match self.runs.last_mut() {
                Some(r) if r.usb_rx == usb_rx && r.rst_n == rst_n => r.cycles += cycles,
                _ => self.runs.push(Run {
                    cycles,
                    usb_rx,
                    rst_n,
                }),
            }
            left -= cycles;
        }
        self.sent += self.batch_cycles;
    }

    fn run(&mut self, shared: &Shared, input: Receiver<Vec<u8>>) -> Result<()> {
        let mut disconnected = false;
        while !shared.stop.load(Ordering::SeqCst) {
            loop {
                match input.try_recv() {
                    Ok(bytes) => self.take_input(bytes, shared),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        disconnected = true;
                        break;
                    }
                }
            }
            self.follow_pty(shared);
            if self
                .published
                .is_none_or(|at| at.elapsed() >= STATUS_INTERVAL)
            {
                self.published = Some(Instant::now());
                let stats = shared.stats();
                let ratio = stats.cycles_per_second() / self.clock_hz as f64;
                // A ratio measured over less than a tenth of a second is noise.
                if stats.busy_seconds >= 0.1 {
                    self.status.real_time_ratio = Some(ratio);
                }
                drop(stats);
                if let Err(e) = publish_status(&self.status) {
                    // Clients then fall back to their own margin: worth a warning, not a
                    // stop.
                    if self.status.real_time_ratio.is_none() {
                        shared.stats().note(format!("warning: {e:#}"));
                    }
                }
            }
            if shared.reset.swap(false, Ordering::SeqCst) {
                self.press_reset(shared);
            }
            if self.busy() {
                let started = Instant::now();
                self.make_batch(shared);
                self.process.send(&self.runs)?;
                self.in_flight += 1;
                if self.in_flight >= PIPELINE_DEPTH {
                    self.collect(shared)?;
                }
                shared.stats().busy_seconds += started.elapsed().as_secs_f64();
            } else if self.in_flight > 0 {
                let started = Instant::now();
                self.collect(shared)?;
                shared.stats().busy_seconds += started.elapsed().as_secs_f64();
            } else if disconnected {
                return Ok(());
            } else {
                match input.recv_timeout(POLL_INTERVAL) {
                    Ok(bytes) => self.take_input(bytes, shared),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => disconnected = true,
                }
            }
        }
        Ok(())
    }

    /// Reads one batch's results and feeds `usb_tx` to the decoder clock by clock.
    fn collect(&mut self, shared: &Shared) -> Result<()> {
        self.changes.clear();
        let end = self.process.receive(&mut self.changes)?;
        self.in_flight -= 1;
        let mut led = None;
        for i in 0..self.changes.len() {
            match self.changes[i] {
                PinChange::Tx { cycle, level } => {
                    self.push_until(cycle);
                    self.tx_level = level;
                    self.last_activity = self.last_activity.max(cycle);
                }
                PinChange::Led { value, .. } => led = Some(value),
            }
        }
        self.push_until(end);
        let mut bytes = Vec::new();
        let mut stats = shared.stats();
        stats.cycles = end;
        if let Some(value) = led {
            stats.led = value;
        }
        if !self.fixed_baud && stats.pc_format.is_empty() {
            stats.pc_format = format!(
                "{} {}{}{}",
                self.firmware_baud,
                self.firmware_format.data_bits,
                self.firmware_format.parity.letter(),
                self.firmware_format.stop_bits
            );
        }
        let strict = match &mut self.decoder {
            Decoder::Strict { monitor, base } => Some((monitor.take_events(), *base)),
            Decoder::Pc(_) => None,
        };
        match (strict, &self.decoder) {
            (Some((events, base)), _) => {
                let base = base.unwrap_or(self.pushed);
                self.strict_events(events, base, &mut stats, &mut bytes);
                self.strict_timing(base, &mut stats);
            }
            (None, Decoder::Pc(rx)) => {
                let frame_clocks = rx.format().clocks_per_bit() * rx.format().frame_bits() as f64;
                let events = std::mem::take(&mut self.pc_events);
                let pty = self.pty;
                for event in &events {
                    if self.cut_by_reset(event.start(), frame_clocks as u64 + 1) {
                        stats.cut_by_reset += 1;
                        continue;
                    }
                    let Some(pty) = pty else { continue };
                    let mut got = Vec::new();
                    if pty.deliver(event, &mut got) {
                        stats.line_errors_at_pc += 1;
                    } else {
                        stats.frames_from_board += 1;
                    }
                    for b in got {
                        self.pass_to_pty(b, &mut stats, &mut bytes);
                    }
                }
                self.pc_events = events;
                self.pc_events.clear();
            }
            (None, Decoder::Strict { .. }) => {}
        }
        drop(stats);
        if !bytes.is_empty() && self.out.send(bytes).is_err() && !shared.stop.load(Ordering::SeqCst)
        {
            bail!("the PTY writer has stopped");
        }
        Ok(())
    }

    /// A byte for the PTY, through fault injection.
    fn pass_to_pty(&mut self, byte: u8, stats: &mut BoardStats, bytes: &mut Vec<u8>) {
        let from_board = matches!(
            self.faults.direction,
            FaultDirection::Both | FaultDirection::FromBoard
        );
        let (byte, corrupted) = if from_board {
            Self::inject(&self.faults, &mut self.from_board_rng, byte, 0xff)
        } else {
            (Some(byte), false)
        };
        match byte {
            Some(b) => {
                stats.corrupted_from_board += u64::from(corrupted);
                bytes.push(b);
            }
            None => stats.dropped_from_board += 1,
        }
    }

    fn strict_events(
        &mut self,
        events: Vec<MonitorEvent>,
        base: u64,
        stats: &mut BoardStats,
        bytes: &mut Vec<u8>,
    ) {
        let frame_clocks =
            (self.tx_format.clocks_per_bit() * self.tx_format.frame_bits() as f64) as u64 + 1;
        for event in events {
            match event {
                MonitorEvent::Frame {
                    data,
                    parity_ok: true,
                    stop_ok: true,
                    start_clock,
                } => {
                    // A frame the reset cut may still look whole (the line went high).
                    if self.cut_by_reset(base + start_clock, frame_clocks) {
                        stats.cut_by_reset += 1;
                        continue;
                    }
                    stats.frames_from_board += 1;
                    self.pass_to_pty(data as u8, stats, bytes);
                }
                MonitorEvent::Frame {
                    data,
                    parity_ok,
                    stop_ok,
                    start_clock,
                } => {
                    let start_clock = base + start_clock;
                    if self.near_reset(start_clock) {
                        stats.cut_by_reset += 1;
                        continue;
                    }
                    stats.malformed_from_board += 1;
                    let what = match (parity_ok, stop_ok) {
                        (false, false) => "bad parity and stop bit",
                        (false, true) => "bad parity",
                        _ => "bad stop bit",
                    };
                    stats.note(format!(
                        "FIRMWARE BUG: malformed frame on usb_tx at clock {start_clock}: data \
                         0x{data:02x}, {what} (not passed to the PTY)"
                    ));
                }
                MonitorEvent::Break {
                    start_clock,
                    clocks,
                } => {
                    let start_clock = base + start_clock;
                    if self.near_reset(start_clock) {
                        stats.cut_by_reset += 1;
                        continue;
                    }
                    stats.breaks_from_board += 1;
                    stats.note(format!(
                        "FIRMWARE BUG: break on usb_tx at clock {start_clock} ({clocks} clocks \
                         low)"
                    ));
                }
            }
        }
    }

    fn strict_timing(&mut self, base: u64, stats: &mut BoardStats) {
        let Decoder::Strict { monitor, .. } = &self.decoder else {
            return;
        };
        let errors = monitor.timing_error_count();
        if errors <= self.timing_errors_seen {
            return;
        }
        let list: Vec<String> = monitor.timing_errors().to_vec();
        for i in self.timing_errors_seen..errors {
            let message = list.get(i as usize).cloned().unwrap_or_default();
            // The monitor's messages start with "clock N:" (its own clock, from `base`).
            let clock = message
                .strip_prefix("clock ")
                .and_then(|m| m.split(':').next())
                .and_then(|n| n.parse::<u64>().ok());
            if clock.is_some_and(|c| self.near_reset(base + c)) {
                stats.cut_by_reset += 1;
                continue;
            }
            stats.timing_errors_from_board += 1;
            if message.is_empty() {
                stats.note("FIRMWARE BUG: usb_tx timing error (message not kept)".into());
            } else if base == 0 {
                stats.note(format!("FIRMWARE BUG: usb_tx timing: {message}"));
            } else {
                stats.note(format!(
                    "FIRMWARE BUG: usb_tx timing (clocks counted from {base}): {message}"
                ));
            }
        }
        self.timing_errors_seen = errors;
    }

    /// A frame of `clocks` starting at `start` overlaps a reset (or the few clocks after
    /// it in which the firmware may still see it).
    fn cut_by_reset(&self, start: u64, clocks: u64) -> bool {
        self.reset_starts
            .iter()
            .any(|&r| start < r + self.reset_clocks + RESET_MARGIN_CLOCKS && start + clocks > r)
    }

    /// A reset began within a frame time (plus the reset itself) of `clock`.
    fn near_reset(&self, clock: u64) -> bool {
        self.reset_starts
            .iter()
            .any(|&r| clock + self.reset_window >= r && clock <= r + self.reset_window)
    }

    /// Gives the decoder the current `usb_tx` level for every cycle up to (excluding)
    /// `cycle`.
    fn push_until(&mut self, cycle: u64) {
        if cycle <= self.pushed {
            return;
        }
        let level = self.tx_level;
        match &mut self.decoder {
            Decoder::Strict { monitor, base } => {
                if base.is_none() && level {
                    *base = Some(self.pushed);
                }
                if let Some(base) = *base {
                    while base + monitor.clock() < cycle {
                        monitor.push(level);
                    }
                }
            }
            Decoder::Pc(rx) => rx.advance(level, cycle, &mut self.pc_events),
        }
        self.pushed = cycle;
    }
}
