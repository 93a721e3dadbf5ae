//! The link tester: random data through an echo (the board's echo firmware, or the
//! virtual board running it), every byte and its order checked.
//!
//! What it guarantees:
//! - Every byte sent is accounted for exactly once: echoed right, corrupted, lost (a later
//!   byte arrived first), or missing at the end; bytes that match nothing sent are extra.
//!   The first error is reported with its position and both values.
//! - At most `window` bytes are in flight, so the echo's FIFO (512 bytes) never overflows
//!   whatever the USB or PTY buffering does; throughput is measured over the stream.
//! - Round-trip latency is measured separately, one byte at a time, before the stream.
//! - Echoes still in flight from an earlier run (one that was interrupted) are drained
//!   before anything is sent: the port must be quiet for [`DRAIN_QUIET`] first (bounded by
//!   [`drain_limit`]); how many stale bytes came is reported, never taken for errors.
//! - The data is a seeded random sequence: a failing run is repeated with the same seed.
//! - Every user mistake is an error naming the problem and the fix: a port that does not
//!   exist, is busy, is not permitted, or disappears mid-run; silence from the far end is
//!   reported as missing bytes after `timeout`, never a hang.

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use serde::Serialize;
use serialport::SerialPort;
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How far ahead of the oldest unmatched byte a received byte is looked for before it is
/// called corrupted rather than the end of a run of lost bytes.
const LOSS_SEARCH: usize = 8;

/// Read timeout of one `read` call: short, so the stop flags are seen quickly.
const READ_SLICE: Duration = Duration::from_millis(100);

/// Silence that ends the drain before a run (at most the run's `timeout`). Far longer than
/// the gap between two echoes of a stream, even from the virtual board at 1/14 of real
/// time on a loaded machine (about 1–15 ms per byte).
pub const DRAIN_QUIET: Duration = Duration::from_millis(500);

/// How long the drain may last before the far end is declared a talker, not an echo
/// waiting for input: 4 × the run's timeout, at least 30 s (a hang guard; an interrupted
/// run leaves at most `window` bytes, under a second of echo).
pub fn drain_limit(timeout: Duration) -> Duration {
    (timeout * 4).max(Duration::from_secs(30))
}

/// What to test.
#[derive(Clone, Debug)]
pub struct LinkTestOptions {
    /// Serial port path (`/dev/ttyUSB1`, or the virtual board's PTY).
    pub port: String,
    /// Baud rate set on the port.
    pub baud: u32,
    /// Bytes to stream.
    pub bytes: u64,
    /// Seed of the random data.
    pub seed: u64,
    /// Most bytes in flight (sent, not yet echoed).
    pub window: usize,
    /// Silence after which outstanding bytes count as missing.
    pub timeout: Duration,
    /// Single-byte round trips timed before the stream.
    pub pings: u32,
    /// Show a progress bar on stderr (hidden anyway when stderr is not a terminal).
    pub progress: bool,
}

impl LinkTestOptions {
    /// Defaults: 115200 baud, 100 000 bytes, seed 1, window 384, 5 s timeout, 20 pings.
    pub fn new(port: impl Into<String>) -> Self {
        LinkTestOptions {
            port: port.into(),
            baud: 115_200,
            bytes: 100_000,
            seed: 1,
            window: 384,
            timeout: Duration::from_secs(5),
            pings: 20,
            progress: true,
        }
    }
}

/// The first thing that went wrong in the stream.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct FirstError {
    /// Position in the stream (0-based) of the first byte not echoed right.
    pub index: u64,
    /// What was sent there.
    pub expected: u8,
    /// What came back instead (`None`: it never came back).
    pub got: Option<u8>,
    /// `corrupted`, `lost`, `missing` or `extra`.
    pub kind: String,
}

/// Round-trip latency of single bytes, in milliseconds.
#[derive(Clone, Debug, Serialize, Default)]
pub struct Latency {
    /// Round trips timed.
    pub samples: u32,
    /// Fastest round trip.
    pub min_ms: f64,
    /// Median round trip.
    pub median_ms: f64,
    /// Slowest round trip.
    pub max_ms: f64,
}

/// What the link test found.
#[derive(Clone, Debug, Serialize)]
pub struct LinkTestReport {
    /// The port tested.
    pub port: String,
    /// The baud set on it.
    pub baud: u32,
    /// Seed of the data (repeat a run with it).
    pub seed: u64,
    /// Bytes written in the stream.
    pub bytes_sent: u64,
    /// Bytes read back in the stream.
    pub bytes_received: u64,
    /// Echoed right, in order.
    pub bytes_ok: u64,
    /// Came back with another value.
    pub corrupted: u64,
    /// Never came back while later bytes did.
    pub lost: u64,
    /// Still outstanding when the far end fell silent for `timeout`.
    pub missing: u64,
    /// Received but matching nothing sent.
    pub extra: u64,
    /// Where the first error was, if any.
    pub first_error: Option<FirstError>,
    /// Stream duration, from the first byte written to the last one checked.
    pub seconds: f64,
    /// Bytes read back per second over the stream.
    pub bytes_per_second: f64,
    /// Single-byte round trips, timed before the stream.
    pub latency: Latency,
    /// Bytes that arrived before anything was sent (echoes of an earlier, interrupted
    /// run), read and discarded until the port was quiet.
    pub stale_bytes: u64,
}

impl LinkTestReport {
    /// All errors: corrupted + lost + missing + extra.
    pub fn errors(&self) -> u64 {
        self.corrupted + self.lost + self.missing + self.extra
    }

    /// Every byte came back right and in order.
    pub fn passed(&self) -> bool {
        self.errors() == 0 && self.bytes_ok == self.bytes_sent
    }

    /// A short human summary.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} bytes through {} at {} baud: {} ok, {} errors ({} corrupted, {} lost, {} missing, \
             {} extra); {:.0} bytes/s; round trip {:.2} / {:.2} / {:.2} ms (min / median / max of {})",
            self.bytes_sent,
            self.port,
            self.baud,
            self.bytes_ok,
            self.errors(),
            self.corrupted,
            self.lost,
            self.missing,
            self.extra,
            self.bytes_per_second,
            self.latency.min_ms,
            self.latency.median_ms,
            self.latency.max_ms,
            self.latency.samples
        );
        if self.stale_bytes > 0 {
            s.push_str(&format!(
                "\n{} stale bytes (echoes of an earlier run) arrived before the test and were \
                 discarded",
                self.stale_bytes
            ));
        }
        if let Some(e) = &self.first_error {
            let got = e
                .got
                .map_or("nothing".to_string(), |g| format!("0x{g:02x}"));
            s.push_str(&format!(
                "\nfirst error at byte {}: sent 0x{:02x}, got {got} ({})",
                e.index, e.expected, e.kind
            ));
        }
        s
    }
}

/// Opens a serial port, turning each way it can fail into a message with the fix.
pub fn open_port(path: &str, baud: u32, timeout: Duration) -> Result<serialport::TTYPort> {
    match serialport::new(path, baud).timeout(timeout).open_native() {
        Ok(port) => Ok(port),
        Err(e) => Err(explain_open_error(path, &e)),
    }
}

fn explain_open_error(path: &str, e: &serialport::Error) -> anyhow::Error {
    use serialport::ErrorKind as K;
    use std::io::ErrorKind as Io;
    let message = match e.kind() {
        K::Io(Io::NotFound) => format!(
            "serial port {path} does not exist. Is the board plugged in? Its UART is the \
             FT2232H's channel B, usually the second port (ls /dev/ttyUSB*); for the virtual \
             board use the path `rust-hdl-uart sim-board` prints"
        ),
        K::Io(Io::PermissionDenied) => format!(
            "no permission to open {path}. Add yourself to its group (usually `dialout`: \
             sudo usermod -aG dialout $USER, then log in again), or run as root"
        ),
        K::NoDevice => format!(
            "serial port {path} is busy: another program has it open (picocom, screen, a \
             second link-test, ModemManager?). Close it and try again ({e})"
        ),
        _ => format!("cannot open serial port {path}: {e}"),
    };
    anyhow::anyhow!(message)
}

fn explain_io_error(path: &str, what: &str, after: u64, e: &std::io::Error) -> anyhow::Error {
    let gone = !Path::new(path).exists();
    let hint = if gone {
        format!("{path} no longer exists: the board was unplugged or the virtual board stopped")
    } else {
        format!(
            "{path} stopped answering: the board was reset or unplugged, or the virtual \
                 board stopped"
        )
    }
    .to_string();
    anyhow::anyhow!("serial port disappeared while {what} after {after} bytes ({e}): {hint}")
}

/// The stream's next byte. One generator call per byte on both sides: `fill_bytes` would
/// consume the generator differently for different chunk sizes.
fn next_byte(rng: &mut StdRng) -> u8 {
    (rng.next_u32() & 0xff) as u8
}

/// The shared state of the stream's two threads.
struct Progress {
    sent: AtomicU64,
    verified: AtomicU64,
    done: AtomicBool,
}

/// Reads and discards until the port has been quiet for [`DRAIN_QUIET`] (at most the
/// run's timeout); returns the bytes discarded.
fn drain(port: &mut serialport::TTYPort, o: &LinkTestOptions) -> Result<u64> {
    let quiet = DRAIN_QUIET.min(o.timeout);
    let limit = drain_limit(o.timeout);
    let started = Instant::now();
    let mut last = Instant::now();
    let mut drained = 0u64;
    let mut buf = [0u8; 4096];
    while last.elapsed() < quiet {
        if started.elapsed() > limit {
            bail!(
                "{} keeps sending ({drained} bytes in {:.0} s before the test started): the far \
                 end is not an echo waiting for input. Is another program writing to it, or a \
                 firmware other than echo loaded?",
                o.port,
                started.elapsed().as_secs_f64()
            );
        }
        match port.read(&mut buf) {
            Ok(n) if n > 0 => {
                drained += n as u64;
                last = Instant::now();
            }
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::Interrupted
                ) => {}
            Err(e) => return Err(explain_io_error(&o.port, "draining stale bytes", 0, &e)),
        }
    }
    Ok(drained)
}

/// Times `count` single-byte round trips.
fn pings(port: &mut serialport::TTYPort, o: &LinkTestOptions) -> Result<Latency> {
    let mut times = Vec::new();
    let mut buf = [0u8; 1];
    for i in 0..o.pings {
        let byte = (0xA5u32.wrapping_add(i * 37) & 0xff) as u8;
        let started = Instant::now();
        port.write_all(&[byte])
            .map_err(|e| explain_io_error(&o.port, "timing round trips", 0, &e))?;
        loop {
            match port.read(&mut buf) {
                Ok(1) if buf[0] == byte => break,
                Ok(1) => bail!(
                    "round-trip byte {i}: sent 0x{byte:02x}, got 0x{:02x} back. Is the echo \
                     firmware loaded, at {} baud?",
                    buf[0],
                    o.baud
                ),
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                    if started.elapsed() >= o.timeout {
                        bail!(
                            "no echo of a single byte within {:.1} s on {}: is the echo firmware \
                             loaded and the baud right ({})? For the board it is channel B of \
                             the FT2232H (usually the second /dev/ttyUSB)",
                            o.timeout.as_secs_f64(),
                            o.port,
                            o.baud
                        );
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(explain_io_error(&o.port, "timing round trips", 0, &e)),
            }
        }
        times.push(started.elapsed().as_secs_f64() * 1e3);
    }
    if times.is_empty() {
        return Ok(Latency::default());
    }
    times.sort_by(|a, b| a.total_cmp(b));
    Ok(Latency {
        samples: times.len() as u32,
        min_ms: times[0],
        median_ms: times[times.len() / 2],
        max_ms: times[times.len() - 1],
    })
}

/// Runs the link test. `Err` for a port problem; a completed run with errors is an `Ok`
/// report whose [`LinkTestReport::passed`] is false.
pub fn link_test(o: &LinkTestOptions) -> Result<LinkTestReport> {
    if o.window == 0 {
        bail!("--window 0: at least one byte must be allowed in flight");
    }
    let mut port = open_port(&o.port, o.baud, READ_SLICE)?;
    // Bytes left over from an earlier run would look like errors.
    port.clear(serialport::ClearBuffer::All)
        .with_context(|| format!("cannot clear the buffers of {}", o.port))?;
    // Clearing drops only what has arrived; an interrupted run's echoes may still be on
    // their way (from the virtual board, seconds of them).
    let stale_bytes = drain(&mut port, o)?;
    let latency = pings(&mut port, o)?;
    let mut writer = port
        .try_clone_native()
        .with_context(|| format!("cannot open a second handle on {}", o.port))?;
    let shared = Arc::new(Progress {
        sent: AtomicU64::new(0),
        verified: AtomicU64::new(0),
        done: AtomicBool::new(false),
    });
    let bar = if o.progress {
        ProgressBar::new(o.bytes)
    } else {
        ProgressBar::with_draw_target(Some(o.bytes), ProgressDrawTarget::hidden())
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} link test {wide_bar} {pos}/{len} bytes echoed ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let write_thread = {
        let shared = shared.clone();
        let (total, window, seed, path) = (o.bytes, o.window as u64, o.seed, o.port.clone());
        std::thread::spawn(move || -> Result<()> {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut chunk = vec![0u8; 256];
            let mut sent = 0u64;
            while sent < total && !shared.done.load(Ordering::SeqCst) {
                let room = (window + shared.verified.load(Ordering::SeqCst)).saturating_sub(sent);
                let n = room.min(total - sent).min(chunk.len() as u64) as usize;
                if n == 0 {
                    std::thread::sleep(Duration::from_micros(200));
                    continue;
                }
                for b in &mut chunk[..n] {
                    *b = next_byte(&mut rng);
                }
                let mut at = 0;
                while at < n {
                    match writer.write(&chunk[at..n]) {
                        Ok(k) => at += k,
                        Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                            if shared.done.load(Ordering::SeqCst) {
                                return Ok(());
                            }
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(explain_io_error(&path, "writing", sent, &e)),
                    }
                }
                sent += n as u64;
                shared.sent.store(sent, Ordering::SeqCst);
            }
            Ok(())
        })
    };
    let result = check_stream(&mut port, o, &shared, &bar);
    shared.done.store(true, Ordering::SeqCst);
    let written = write_thread.join();
    bar.finish_and_clear();
    let mut report = result?;
    match written {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e),
        Err(_) => bail!("the link test's writer thread panicked"),
    }
    report.latency = latency;
    report.stale_bytes = stale_bytes;
    report.seconds = started.elapsed().as_secs_f64();
    report.bytes_per_second = report.bytes_received as f64 / report.seconds.max(1e-9);
    Ok(report)
}

/// Matches the bytes read against the sequence sent, deciding for each sent byte whether it
/// came back right, corrupted or lost. A byte that differs from the oldest outstanding one
/// but equals a later one is taken as the end of a run of lost bytes only when the next byte
/// read confirms it (equals the one after): with random data a single equal byte is a 1 in
/// 32 coincidence within the search distance, two in a row 1 in 8192.
struct Matcher {
    rng: StdRng,
    total: u64,
    generated: u64,
    /// Sent (or about to be) and not yet decided: (stream position, value).
    outstanding: VecDeque<(u64, u8)>,
    /// A byte read that may end a run of lost bytes, waiting for the next one.
    pending: Option<u8>,
    ok: u64,
    corrupted: u64,
    lost: u64,
    extra: u64,
    first_error: Option<FirstError>,
}

impl Matcher {
    fn new(seed: u64, total: u64) -> Self {
        Matcher {
            rng: StdRng::seed_from_u64(seed),
            total,
            generated: 0,
            outstanding: VecDeque::new(),
            pending: None,
            ok: 0,
            corrupted: 0,
            lost: 0,
            extra: 0,
            first_error: None,
        }
    }

    /// Sent bytes whose fate is decided.
    fn settled(&self) -> u64 {
        self.ok + self.corrupted + self.lost
    }

    /// Generates the sequence up to `sent` bytes, keeping the look-ahead window full.
    fn fill(&mut self, sent: u64) {
        let limit = sent.min(self.total);
        while self.generated < limit && self.outstanding.len() <= LOSS_SEARCH + 1 {
            let byte = next_byte(&mut self.rng);
            self.outstanding.push_back((self.generated, byte));
            self.generated += 1;
        }
    }

    fn error(&mut self, index: u64, expected: u8, got: Option<u8>, kind: &str) {
        if self.first_error.is_none() {
            self.first_error = Some(FirstError {
                index,
                expected,
                got,
                kind: kind.to_string(),
            });
        }
    }

    /// The oldest outstanding byte came back as `got`, which is not its value.
    fn corrupt_front(&mut self, got: u8) {
        if let Some((index, expected)) = self.outstanding.pop_front() {
            self.corrupted += 1;
            self.error(index, expected, Some(got), "corrupted");
        }
    }

    /// One byte read; `sent` is how many the writer has sent so far.
    fn byte(&mut self, got: u8, sent: u64) {
        // The reader can see a byte before the writer's counter moves: allow one more.
        self.fill(sent.max(self.generated + 1));
        if let Some(p) = self.pending.take() {
            // `p` ended a run of lost bytes if it equals a later outstanding byte and `got`
            // an even later one (more bytes may have been lost between the two).
            let e = &self.outstanding;
            let confirmed = (1..e.len()).find_map(|k| {
                (e[k].1 == p)
                    .then(|| (k + 1..e.len()).find(|&j| e[j].1 == got).map(|j| (k, j)))
                    .flatten()
            });
            match confirmed {
                Some((k, j)) => {
                    let (index, expected) = e[0];
                    self.lost += (k + (j - k - 1)) as u64;
                    self.error(index, expected, Some(p), "lost");
                    // Lost before p, p itself right, lost between p and got; `got` is
                    // then the front and matches below.
                    self.outstanding.drain(..j);
                    self.ok += 1;
                    self.fill(sent.max(self.generated + 1));
                }
                None => self.corrupt_front(p),
            }
        }
        match self.outstanding.front() {
            None => {
                self.extra += 1;
                let at = self.generated;
                self.error(at, 0, Some(got), "extra");
            }
            Some(&(_, expected)) if expected == got => {
                self.outstanding.pop_front();
                self.ok += 1;
            }
            Some(_) => {
                if self.outstanding.iter().skip(1).any(|&(_, b)| b == got) {
                    self.pending = Some(got);
                } else {
                    self.corrupt_front(got);
                }
            }
        }
    }

    /// The stream ended: an undecided byte is corrupted, everything else not back is missing.
    fn finish(&mut self) -> u64 {
        if let Some(p) = self.pending.take() {
            self.corrupt_front(p);
        }
        if let Some(&(index, expected)) = self.outstanding.front() {
            self.error(index, expected, None, "missing");
        } else if self.generated < self.total {
            self.error(self.generated, 0, None, "missing");
        }
        self.total - self.settled()
    }
}

/// The reader side: matches every byte read against what was sent.
fn check_stream(
    port: &mut serialport::TTYPort,
    o: &LinkTestOptions,
    shared: &Progress,
    bar: &ProgressBar,
) -> Result<LinkTestReport> {
    let mut matcher = Matcher::new(o.seed, o.bytes);
    let mut buf = vec![0u8; 4096];
    let mut last_byte = Instant::now();
    let mut received = 0u64;
    while matcher.settled() < o.bytes {
        let n = match port.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => 0,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => 0,
            Err(e) => return Err(explain_io_error(&o.port, "reading", received, &e)),
        };
        if n == 0 {
            if last_byte.elapsed() >= o.timeout {
                break;
            }
            continue;
        }
        last_byte = Instant::now();
        received += n as u64;
        for &got in &buf[..n] {
            matcher.byte(got, shared.sent.load(Ordering::SeqCst));
        }
        shared.verified.store(matcher.settled(), Ordering::SeqCst);
        bar.set_position(matcher.settled());
    }
    let missing = matcher.finish();
    Ok(LinkTestReport {
        port: o.port.clone(),
        baud: o.baud,
        seed: o.seed,
        bytes_sent: shared.sent.load(Ordering::SeqCst),
        bytes_received: received,
        bytes_ok: matcher.ok,
        corrupted: matcher.corrupted,
        lost: matcher.lost,
        missing,
        extra: matcher.extra,
        first_error: matcher.first_error,
        seconds: 0.0,
        bytes_per_second: 0.0,
        latency: Latency::default(),
        stale_bytes: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sequence(seed: u64, n: usize) -> Vec<u8> {
        let mut rng = StdRng::seed_from_u64(seed);
        (0..n).map(|_| next_byte(&mut rng)).collect()
    }

    fn run(seed: u64, total: usize, received: &[u8]) -> Matcher {
        let mut m = Matcher::new(seed, total as u64);
        for &b in received {
            m.byte(b, total as u64);
        }
        m.finish();
        m
    }

    #[test]
    fn a_clean_echo_is_all_ok() {
        let s = sequence(3, 5000);
        let m = run(3, 5000, &s);
        assert_eq!((m.ok, m.corrupted, m.lost, m.extra), (5000, 0, 0, 0));
        assert!(m.first_error.is_none());
    }

    #[test]
    fn drops_corruptions_extras_and_missing_bytes_are_told_apart() {
        let s = sequence(9, 3000);
        let mut received = Vec::new();
        let (mut dropped, mut corrupted) = (0, 0);
        for (i, &b) in s.iter().enumerate().take(2990) {
            match i % 97 {
                10 => dropped += 1,
                11 if i % 2 == 0 => {
                    dropped += 1;
                }
                // Drop, keep one, drop: the kept byte ends the first run of losses.
                70 | 72 => dropped += 1,
                50 => {
                    corrupted += 1;
                    received.push(b ^ 0x5a);
                }
                _ => received.push(b),
            }
        }
        let mut m = Matcher::new(9, 3000);
        for &b in &received {
            m.byte(b, 3000);
        }
        let missing = m.finish();
        assert_eq!((m.lost, m.corrupted, missing), (dropped, corrupted, 10));
        assert_eq!(m.ok, 2990 - dropped - corrupted);
        let first = m.first_error.clone().unwrap();
        assert_eq!((first.index, first.kind.as_str()), (10, "lost"));
        assert_eq!((first.expected, first.got), (s[10], Some(s[11])));
        // A byte after everything was matched is extra.
        let mut all = s[..20].to_vec();
        all.push(0x42);
        let m = run(9, 20, &all);
        assert_eq!((m.ok, m.extra), (20, 1));
        assert_eq!(m.first_error.unwrap().kind, "extra");
    }
}
