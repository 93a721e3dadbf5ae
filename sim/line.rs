//! Independent serial line model for the UART testbench.
//!
//! Three pieces: [`SerialDriver`] produces the level of an RX pin clock by clock and
//! records what a correct receiver must report ([`RxEvent`]); [`LineMonitor`] decodes a
//! TX pin clock by clock and checks its timing; [`compare_events`] diffs receiver reports.
//!
//! Why it is independent of the RTL: a testbench that reuses the design's own baud
//! generator, bit counters or parity logic would agree with the design even when both
//! are wrong. This file therefore uses nothing from the crate (std only), works in
//! continuous time instead of baud ticks, and derives every instant from the line
//! format alone. It is a reference, so it trades speed for obviousness.
//!
//! What the model guarantees:
//! * Time is measured in clocks of the device under test; clock `n` samples the line at
//!   its start instant `n`. A transition at time `T` is therefore first seen at clock
//!   `ceil(T)`.
//! * Every bit boundary of the driver is computed from the start of its item as
//!   `(whole bits + fraction) × bit length` — never by summing bit lengths — so streams of
//!   millions of bits carry no accumulated rounding drift.
//! * Baud error, jitter and glitches come from a seeded PRNG in this file, so a failing
//!   run is reproduced by its seed.
//! * Memory is bounded: the driver expands queued items into a handful of segments just
//!   ahead of the clock and drops them once passed; nothing is stored per clock.
//! * The monitor is strict: within a burst of back-to-back frames every edge must sit on
//!   one bit grid anchored at the burst's first start edge, which catches drift that no
//!   single frame shows.
//!
//! Conventions a caller relies on:
//! * `frame_bad_stop`, `line_break` and `low_pulse` end with one sender bit time of high
//!   (for a bad stop bit with two stop bits, that is the second stop bit), so a receiver
//!   can re-arm before whatever is queued next.
//! * A break is the line low from the start bit through the *first* stop bit; both the
//!   driver's expectations and the monitor use that definition.
//! * The monitor treats a start edge within tolerance (or the distance set by
//!   [`LineMonitor::restarts_beyond`]) of the end of the previous frame as the next frame
//!   of the same burst; a later one is an idle gap (an error only with
//!   [`LineMonitor::back_to_back`]). Give it the baud the transmitter really produces.

use std::collections::VecDeque;
use std::fmt;

/// Parity setting of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineParity {
    None,
    Even,
    Odd,
    Mark,
    Space,
}

impl LineParity {
    pub const ALL: [LineParity; 5] = [
        LineParity::None,
        LineParity::Even,
        LineParity::Odd,
        LineParity::Mark,
        LineParity::Space,
    ];

    /// The letter of the usual "8N1" notation.
    pub fn letter(self) -> char {
        match self {
            LineParity::None => 'N',
            LineParity::Even => 'E',
            LineParity::Odd => 'O',
            LineParity::Mark => 'M',
            LineParity::Space => 'S',
        }
    }
}

/// Line format plus the clock it is observed with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LineFormat {
    pub clock_hz: f64,
    pub baud: f64,
    /// 5..=9
    pub data_bits: u32,
    pub parity: LineParity,
    /// 1 or 2
    pub stop_bits: u32,
}

/// Longest frame: start + 9 data + parity + 2 stop.
const MAX_FRAME_BITS: usize = 13;

/// Float noise allowance for tolerance comparisons: the driver and the monitor compute the
/// same instants along different arithmetic paths.
const EPS: f64 = 1e-9;

impl LineFormat {
    pub fn clocks_per_bit(&self) -> f64 {
        self.clock_hz / self.baud
    }

    /// start + data + parity + stop bits
    pub fn frame_bits(&self) -> u32 {
        1 + self.data_bits + u32::from(self.parity != LineParity::None) + self.stop_bits
    }

    /// The parity bit the line carries for `data` (bits above `data_bits` are ignored).
    pub fn parity_bit(&self, data: u16) -> Option<bool> {
        let odd_ones = (data & self.data_mask()).count_ones() % 2 == 1;
        match self.parity {
            LineParity::None => None,
            LineParity::Even => Some(odd_ones),
            LineParity::Odd => Some(!odd_ones),
            LineParity::Mark => Some(true),
            LineParity::Space => Some(false),
        }
    }

    /// Mask of the valid data bits.
    pub fn data_mask(&self) -> u16 {
        ((1u32 << self.data_bits.min(16)) - 1) as u16
    }

    /// The same format as seen from a sender whose clock is off by `ppm`
    /// (+ = fast sender, shorter bits). Give this to a [`LineMonitor`] that must follow a
    /// driver with [`SerialDriver::baud_error_ppm`].
    pub fn with_baud_error_ppm(&self, ppm: f64) -> LineFormat {
        LineFormat {
            baud: self.baud * (1.0 + ppm / 1e6),
            ..*self
        }
    }

    fn check(&self) {
        assert!(
            self.clock_hz.is_finite() && self.clock_hz > 0.0,
            "clock_hz must be positive, got {}",
            self.clock_hz
        );
        assert!(
            self.baud.is_finite() && self.baud > 0.0,
            "baud must be positive, got {}",
            self.baud
        );
        assert!(
            (5..=9).contains(&self.data_bits),
            "data_bits must be 5..=9, got {}",
            self.data_bits
        );
        assert!(
            (1..=2).contains(&self.stop_bits),
            "stop_bits must be 1 or 2, got {}",
            self.stop_bits
        );
        // Below 2 clocks per bit a clock-sampled line cannot represent every bit.
        assert!(
            self.clocks_per_bit() >= 2.0,
            "need at least 2 clocks per bit, got {}",
            self.clocks_per_bit()
        );
    }
}

/// What a correct receiver must report for one thing the driver sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RxEvent {
    pub data: u16,
    pub framing_error: bool,
    pub parity_error: bool,
    pub break_detected: bool,
}

impl RxEvent {
    /// A clean frame carrying `data`.
    pub fn data(data: u16) -> Self {
        RxEvent {
            data,
            framing_error: false,
            parity_error: false,
            break_detected: false,
        }
    }

    /// A break condition.
    pub fn line_break() -> Self {
        RxEvent {
            break_detected: true,
            ..RxEvent::data(0)
        }
    }
}

impl fmt::Display for RxEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "data=0x{:02x}", self.data)?;
        let flags: Vec<&str> = [
            (self.framing_error, "framing_error"),
            (self.parity_error, "parity_error"),
            (self.break_detected, "break"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| *name)
        .collect();
        if flags.is_empty() {
            write!(f, " ok")
        } else {
            write!(f, " {}", flags.join("+"))
        }
    }
}

// ---------------------------------------------------------------------------------------
// PRNG
// ---------------------------------------------------------------------------------------

/// xorshift64* seeded through splitmix64: tiny, deterministic and good enough for
/// choosing jitter and glitch positions.
#[derive(Clone, Debug)]
struct Rng(u64);

impl Rng {
    /// Separate streams keep jitter and glitch choices from disturbing each other, so a
    /// glitch-free run with the same seed is the exact "clean" twin of a glitchy one.
    fn new(seed: u64, stream: u64) -> Self {
        let mut z = seed
            .wrapping_add(stream.wrapping_mul(0xD1B5_4A32_D192_ED03))
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // xorshift has a fixed point at zero.
        Rng(if z == 0 { 0x2545_F491_4F6C_DD1D } else { z })
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in 0..n (n > 0); the modulo bias is far below anything a test can see.
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

// ---------------------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------------------

/// An instant kept as whole bits + fractional bits + extra clocks, so that converting to
/// clocks multiplies once instead of summing many rounded bit lengths.
#[derive(Clone, Copy, Debug, Default)]
struct Instant {
    whole_bits: u64,
    frac_bits: f64,
    clocks: f64,
}

impl Instant {
    fn add_bits(&mut self, bits: f64) {
        let whole = bits.trunc();
        self.whole_bits += whole as u64;
        self.frac_bits += bits - whole;
        if self.frac_bits >= 1.0 {
            self.frac_bits -= 1.0;
            self.whole_bits += 1;
        }
    }

    fn to_clocks(self, bit_len: f64) -> f64 {
        (self.whole_bits as f64 + self.frac_bits) * bit_len + self.clocks
    }

    fn plus_bits_clocks(self, bits: u64, bit_len: f64) -> f64 {
        ((self.whole_bits + bits) as f64 + self.frac_bits) * bit_len + self.clocks
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FrameKind {
    Good,
    BadParity,
    BadStop,
}

#[derive(Clone, Copy, Debug)]
enum Item {
    Idle(f64),
    Frame(u16, FrameKind),
    Break(f64),
    Pulse(u32),
}

/// Constant level up to (excluding) `end`, in clocks; it starts where the previous
/// segment ends.
#[derive(Clone, Copy, Debug)]
struct Segment {
    level: bool,
    end: f64,
}

/// Drives an RX pin: a queue of frames, idles, breaks and pulses turned into levels one
/// clock at a time, with optional baud error, edge jitter and glitches.
pub struct SerialDriver {
    format: LineFormat,
    /// Sender bit length in clocks (includes the baud error).
    bit_len: f64,
    jitter: f64,
    glitch_probability: f64,
    glitch_max_clocks: u32,
    jitter_rng: Rng,
    glitch_rng: Rng,
    items: VecDeque<Item>,
    /// Nominal end of everything queued.
    queued_end: Instant,
    /// Nominal start of `items[0]` (equals `queued_end` once everything is expanded).
    gen_cursor: Instant,
    gen_cursor_clocks: f64,
    segments: VecDeque<Segment>,
    clock: u64,
    expected: Vec<RxEvent>,
}

impl SerialDriver {
    /// A driver for `format` (see `sim::harness::line_format`), idle high, at the exact baud
    /// until `baud_error_ppm` says otherwise. `seed` feeds the edge jitter and glitches, when
    /// turned on: the same seed drives the same levels.
    pub fn new(format: LineFormat, seed: u64) -> Self {
        format.check();
        SerialDriver {
            format,
            bit_len: format.clocks_per_bit(),
            jitter: 0.0,
            glitch_probability: 0.0,
            glitch_max_clocks: 0,
            jitter_rng: Rng::new(seed, 1),
            glitch_rng: Rng::new(seed, 2),
            items: VecDeque::new(),
            queued_end: Instant::default(),
            gen_cursor: Instant::default(),
            gen_cursor_clocks: 0.0,
            segments: VecDeque::new(),
            clock: 0,
            expected: Vec::new(),
        }
    }

    fn assert_unused(&self, what: &str) {
        // Changing the timing after queueing would invalidate the already computed end
        // instant and expectations.
        assert!(
            self.items.is_empty() && self.clock == 0 && self.expected.is_empty(),
            "{what} must be configured before anything is queued or driven"
        );
    }

    /// Sender clock error in parts per million: +40_000 = sender 4 % fast (bits
    /// shorter), -40_000 = 4 % slow.
    pub fn baud_error_ppm(mut self, ppm: f64) -> Self {
        self.assert_unused("baud_error_ppm");
        assert!(
            ppm.is_finite() && ppm > -1e6,
            "baud error must be above -1e6 ppm"
        );
        self.bit_len = self.format.with_baud_error_ppm(ppm).clocks_per_bit();
        assert!(
            self.bit_len >= 2.0,
            "baud error leaves fewer than 2 clocks per bit"
        );
        self
    }

    /// Each bit edge inside a frame (including its start edge) moved by a uniform random
    /// offset in ±`fraction_of_bit` bit times. Below half a bit the edges stay ordered.
    pub fn jitter(mut self, fraction_of_bit: f64) -> Self {
        self.assert_unused("jitter");
        assert!(
            (0.0..0.5).contains(&fraction_of_bit),
            "jitter must be in [0, 0.5) of a bit so edges stay ordered, got {fraction_of_bit}"
        );
        self.jitter = fraction_of_bit;
        self
    }

    /// In each bit of each frame, with `probability`, invert the line for 1..=`max_clocks`
    /// clocks (uniform) at a random position inside that bit. A glitch that would not fit
    /// a (jitter-shortened) bit is cut to the whole clocks that fit.
    pub fn glitches(mut self, probability: f64, max_clocks: u32) -> Self {
        self.assert_unused("glitches");
        assert!(
            (0.0..=1.0).contains(&probability),
            "glitch probability must be in [0, 1], got {probability}"
        );
        assert!(
            max_clocks >= 1 || probability == 0.0,
            "glitch length must be at least 1 clock"
        );
        self.glitch_probability = probability;
        self.glitch_max_clocks = max_clocks;
        self
    }

    pub fn format(&self) -> LineFormat {
        self.format
    }

    /// Sender bit time in clocks (with the baud error applied).
    pub fn bit_clocks(&self) -> f64 {
        self.bit_len
    }

    /// Clocks driven so far.
    pub fn clock(&self) -> u64 {
        self.clock
    }

    /// Line high for `bits` sender bit times.
    pub fn idle_bits(&mut self, bits: f64) {
        assert!(
            bits.is_finite() && bits >= 0.0,
            "idle length must be >= 0, got {bits}"
        );
        if bits > 0.0 {
            self.enqueue(Item::Idle(bits));
        }
    }

    /// A well-formed frame.
    pub fn frame(&mut self, data: u16) {
        self.check_data(data);
        self.enqueue(Item::Frame(data, FrameKind::Good));
        self.expected.push(RxEvent::data(data));
    }

    /// A frame with its parity bit inverted (needs a parity setting).
    pub fn frame_bad_parity(&mut self, data: u16) {
        self.check_data(data);
        assert!(
            self.format.parity != LineParity::None,
            "frame_bad_parity needs a format with parity"
        );
        self.enqueue(Item::Frame(data, FrameKind::BadParity));
        self.expected.push(RxEvent {
            parity_error: true,
            ..RxEvent::data(data)
        });
    }

    /// A frame whose first stop bit is low, followed by exactly one bit time high (which
    /// is the second stop bit when there are two) so the receiver can re-arm. If data and
    /// parity bit are all zero the line was low from start bit through stop bit: that is
    /// a break, not a framing error.
    pub fn frame_bad_stop(&mut self, data: u16) {
        self.check_data(data);
        self.enqueue(Item::Frame(data, FrameKind::BadStop));
        let all_low = data == 0 && self.format.parity_bit(data) != Some(true);
        self.expected.push(if all_low {
            RxEvent::line_break()
        } else {
            RxEvent {
                framing_error: true,
                ..RxEvent::data(data)
            }
        });
    }

    /// Line low for `bits` bit times (at least one whole frame), then one bit time high
    /// so the receiver sees the break end before whatever follows.
    pub fn line_break(&mut self, bits: f64) {
        assert!(
            bits.is_finite() && bits >= self.format.frame_bits() as f64,
            "a break must last at least one frame ({} bits), got {bits}",
            self.format.frame_bits()
        );
        self.enqueue(Item::Break(bits));
        self.expected.push(RxEvent::line_break());
    }

    /// On the idle line, a low pulse of exactly `clocks` clocks starting on a clock
    /// boundary, then one bit time high. It must be shorter than half a bit: a receiver
    /// validates a start bit at its middle, so anything longer is a legitimate start.
    pub fn low_pulse(&mut self, clocks: u32) {
        assert!(clocks >= 1, "a pulse needs at least one clock");
        assert!(
            (clocks as f64) < 0.5 * self.bit_len,
            "a {clocks}-clock pulse is not shorter than half a bit ({} clocks)",
            0.5 * self.bit_len
        );
        self.enqueue(Item::Pulse(clocks));
    }

    /// Everything queued has been driven.
    pub fn is_done(&self) -> bool {
        self.items.is_empty() && self.clock as f64 >= self.queued_end.to_clocks(self.bit_len)
    }

    /// Further `next_level` calls needed until `is_done()` (counted from now).
    pub fn clocks_queued(&self) -> u64 {
        let remaining = self.queued_end.to_clocks(self.bit_len) - self.clock as f64;
        remaining.ceil().max(0.0) as u64
    }

    /// What a correct receiver must report, in order, for everything queued so far.
    pub fn expected(&self) -> &[RxEvent] {
        &self.expected
    }

    /// Advance one clock and return the line level for it (high when nothing is queued).
    pub fn next_level(&mut self) -> bool {
        let now = self.clock as f64;
        // One bit of look-ahead (+ margin) lets a jittered start edge move earlier than its
        // nominal instant without rewriting clocks that were already returned.
        let horizon = now + self.bit_len + 2.0;
        while !self.items.is_empty() && self.gen_cursor_clocks <= horizon {
            self.expand_next();
        }
        while self.segments.front().is_some_and(|s| s.end <= now) {
            self.segments.pop_front();
        }
        self.clock += 1;
        self.segments.front().is_none_or(|s| s.level)
    }

    fn check_data(&self, data: u16) {
        assert!(
            data & !self.format.data_mask() == 0,
            "data 0x{data:x} does not fit {} data bits",
            self.format.data_bits
        );
    }

    fn enqueue(&mut self, item: Item) {
        // If the line has already run idle past everything queued, the new item starts
        // now rather than in the past.
        if self.items.is_empty() {
            let end = self.queued_end.to_clocks(self.bit_len);
            let now = self.clock as f64;
            if now > end {
                self.queued_end.clocks += now - end;
                self.gen_cursor = self.queued_end;
                self.gen_cursor_clocks = self.gen_cursor.to_clocks(self.bit_len);
            }
        }
        Self::advance(&mut self.queued_end, item, &self.format, self.bit_len);
        self.items.push_back(item);
    }

    /// The single definition of how long each item lasts, shared by queueing (end
    /// instant) and expansion (segments), so the two can never disagree.
    fn advance(at: &mut Instant, item: Item, format: &LineFormat, bit_len: f64) {
        match item {
            Item::Idle(bits) => at.add_bits(bits),
            Item::Frame(_, kind) => at.whole_bits += Self::frame_len(format, kind) as u64,
            Item::Break(bits) => {
                at.add_bits(bits);
                at.whole_bits += 1;
            }
            Item::Pulse(clocks) => {
                let start = at.to_clocks(bit_len);
                at.clocks += start.ceil() - start + clocks as f64;
                at.whole_bits += 1;
            }
        }
    }

    /// Bit slots a frame item occupies.
    fn frame_len(format: &LineFormat, kind: FrameKind) -> usize {
        match kind {
            // start, data, parity, low stop bit, one bit high
            FrameKind::BadStop => (format.frame_bits() - format.stop_bits + 2) as usize,
            _ => format.frame_bits() as usize,
        }
    }

    fn frame_levels(&self, data: u16, kind: FrameKind) -> ([bool; MAX_FRAME_BITS + 1], usize) {
        let f = &self.format;
        let mut levels = [true; MAX_FRAME_BITS + 1];
        let mut n = 0;
        levels[n] = false; // start
        n += 1;
        for i in 0..f.data_bits {
            levels[n] = (data >> i) & 1 == 1;
            n += 1;
        }
        if let Some(p) = f.parity_bit(data) {
            levels[n] = p != (kind == FrameKind::BadParity);
            n += 1;
        }
        if kind == FrameKind::BadStop {
            levels[n] = false;
            levels[n + 1] = true;
            n += 2;
        } else {
            n += f.stop_bits as usize; // already high
        }
        debug_assert_eq!(n, Self::frame_len(f, kind));
        (levels, n)
    }

    fn push_segment(&mut self, level: bool, end: f64) {
        debug_assert!(
            self.segments.back().is_none_or(|last| end >= last.end),
            "segments out of order"
        );
        match self.segments.back_mut() {
            Some(last) if last.level == level => last.end = last.end.max(end),
            _ => self.segments.push_back(Segment { level, end }),
        }
    }

    /// Make the generated line end exactly at `at`: cut what lies beyond (an earlier
    /// item's high tail when a jittered start edge moves early) or extend with high.
    fn begin_at(&mut self, at: f64) {
        loop {
            let n = self.segments.len();
            if n >= 2 && self.segments[n - 2].end >= at {
                self.segments.pop_back();
            } else {
                break;
            }
        }
        match self.segments.back_mut() {
            Some(last) if last.end > at => last.end = at,
            _ => self.push_segment(true, at),
        }
    }

    fn expand_next(&mut self) {
        let item = self.items.pop_front().expect("expand_next needs an item");
        let start = self.gen_cursor;
        let bl = self.bit_len;
        // Clocks before `now` were already returned and must not change.
        let now = self.clock as f64;
        let mut end = start;
        Self::advance(&mut end, item, &self.format, bl);
        let end_clocks = end.to_clocks(bl);
        match item {
            Item::Idle(_) => {
                self.begin_at(start.to_clocks(bl).max(now));
                self.push_segment(true, end_clocks);
            }
            Item::Break(bits) => {
                self.begin_at(start.to_clocks(bl).max(now));
                let mut low_end = start;
                low_end.add_bits(bits);
                self.push_segment(false, low_end.to_clocks(bl));
                self.push_segment(true, end_clocks);
            }
            Item::Pulse(clocks) => {
                let s = start.to_clocks(bl).ceil().max(now.ceil());
                self.begin_at(s);
                self.push_segment(false, s + clocks as f64);
                self.push_segment(true, end_clocks);
            }
            Item::Frame(data, kind) => self.expand_frame(start, data, kind, now),
        }
        self.gen_cursor = end;
        self.gen_cursor_clocks = end_clocks;
    }

    fn expand_frame(&mut self, start: Instant, data: u16, kind: FrameKind, now: f64) {
        let bl = self.bit_len;
        let (levels, n) = self.frame_levels(data, kind);
        let mut bounds = [0.0f64; MAX_FRAME_BITS + 2];
        for (k, b) in bounds.iter_mut().enumerate().take(n + 1) {
            *b = start.plus_bits_clocks(k as u64, bl);
        }
        // The closing boundary stays nominal: it is shared with the next item, whose own
        // start edge (if it is a frame) carries the jitter.
        if self.jitter > 0.0 {
            for b in bounds.iter_mut().take(n) {
                *b += (self.jitter_rng.unit() * 2.0 - 1.0) * self.jitter * bl;
            }
        }
        bounds[0] = bounds[0].max(now);
        self.begin_at(bounds[0]);
        // The high guard slot after a bad stop bit is not part of the frame.
        let glitchable = n.min(self.format.frame_bits() as usize);
        for k in 0..n {
            let (lo, hi) = (bounds[k], bounds[k + 1]);
            let level = levels[k];
            if k < glitchable
                && self.glitch_probability > 0.0
                && self.glitch_rng.unit() < self.glitch_probability
            {
                let wanted = 1 + self.glitch_rng.below(self.glitch_max_clocks as u64) as u32;
                let room = hi - lo;
                let len = (wanted as f64).min(room.floor()).max(0.0);
                let pos = self.glitch_rng.unit();
                if len >= 1.0 {
                    // [s, s+len) holds exactly `len` clock instants whatever s is.
                    let s = lo + pos * (room - len);
                    self.push_segment(level, s);
                    self.push_segment(!level, s + len);
                }
            }
            self.push_segment(level, hi);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Monitor
// ---------------------------------------------------------------------------------------

/// What the monitor decoded from a TX pin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MonitorEvent {
    /// `start_clock` is the first low clock of the start bit; `stop_ok` means every stop
    /// bit was high for its whole length (edges within tolerance excepted).
    Frame {
        data: u16,
        parity_ok: bool,
        stop_ok: bool,
        start_clock: u64,
    },
    /// Low from a start edge through at least the first stop bit; `clocks` is the whole
    /// low time.
    Break { start_clock: u64, clocks: u64 },
}

impl MonitorEvent {
    /// The report a correct receiver would give for this event.
    pub fn to_rx_event(&self) -> RxEvent {
        match *self {
            MonitorEvent::Frame {
                data,
                parity_ok,
                stop_ok,
                ..
            } => RxEvent {
                data,
                framing_error: !stop_ok,
                parity_error: !parity_ok,
                break_detected: false,
            },
            MonitorEvent::Break { .. } => RxEvent::line_break(),
        }
    }
}

/// Keep the error list bounded for a badly broken stream; the count stays exact.
const MAX_STORED_ERRORS: usize = 1000;

#[derive(Clone, Copy, Debug)]
struct Grid {
    t0: f64,
    next_k: u64,
}

#[derive(Clone, Debug)]
struct RxFrame {
    index: u64,
    start_clock: u64,
    burst_t0: f64,
    k0: u64,
    /// Ideal start instant: burst_t0 + k0 × clocks_per_bit.
    t0: f64,
    centre: [Option<bool>; MAX_FRAME_BITS],
    core: [Option<bool>; MAX_FRAME_BITS],
    stable: [bool; MAX_FRAME_BITS],
    last_edge_k: u64,
    break_checked: bool,
}

#[derive(Clone, Debug)]
enum MonState {
    WaitHigh,
    Idle,
    Frame(Box<RxFrame>),
    Break { start: u64 },
}

/// Decodes a TX pin clock by clock and checks timing.
pub struct LineMonitor {
    format: LineFormat,
    cpb: f64,
    tol: f64,
    n_bits: usize,
    /// Bits from the start bit through the first stop bit.
    through_stop1: usize,
    back_to_back: bool,
    /// How far off the burst's grid a start edge may be and still continue the burst.
    join: f64,
    clock: u64,
    prev_level: bool,
    last_fall: u64,
    last_rise: u64,
    state: MonState,
    grid: Option<Grid>,
    prev_end: Option<f64>,
    frames_started: u64,
    events: Vec<MonitorEvent>,
    errors: Vec<String>,
    error_count: u64,
    min_gap: Option<f64>,
    max_gap: Option<f64>,
}

impl LineMonitor {
    /// `tolerance_clocks`: how far (in clocks) an observed edge may sit from its ideal
    /// position (typically 1.0). Give the format the baud rate the transmitter really
    /// produces (e.g. its accumulator's exact rate): within a burst the grid is strict.
    pub fn new(format: LineFormat, tolerance_clocks: f64) -> Self {
        format.check();
        let cpb = format.clocks_per_bit();
        assert!(
            tolerance_clocks >= 0.0 && tolerance_clocks < cpb / 2.0,
            "tolerance must be in [0, half a bit), got {tolerance_clocks}"
        );
        LineMonitor {
            format,
            cpb,
            tol: tolerance_clocks,
            n_bits: format.frame_bits() as usize,
            through_stop1: (format.frame_bits() - format.stop_bits + 1) as usize,
            back_to_back: false,
            join: tolerance_clocks,
            clock: 0,
            prev_level: true,
            last_fall: 0,
            last_rise: 0,
            state: MonState::Idle,
            grid: None,
            prev_end: None,
            frames_started: 0,
            events: Vec::new(),
            errors: Vec::new(),
            error_count: 0,
            min_gap: None,
            max_gap: None,
        }
    }

    /// Also treat any idle gap between two frames as a timing error (for a transmitter
    /// that always had the next byte queued). Without it, a start edge later than the
    /// tolerance is taken as a gap and only shows in the idle statistics.
    pub fn back_to_back(mut self) -> Self {
        self.back_to_back = true;
        self
    }

    /// For a transmitter that restarts its bit clock when it starts from idle (a gap of
    /// any length, a fraction of a bit included): a start edge more than `clocks` off the
    /// burst's grid begins a new burst anchored at the edge itself, instead of joining the
    /// burst (the default joins anything within the tolerance). Without this, a restart
    /// just inside the tolerance joins the burst and its frame's later edges, off by that
    /// much plus rounding, land just outside it: a false timing error. `clocks` must leave
    /// room for rounding below the tolerance; drift across a burst is still caught as long
    /// as it stays under `clocks` per frame.
    pub fn restarts_beyond(mut self, clocks: f64) -> Self {
        assert!(
            (0.0..=self.tol).contains(&clocks),
            "join distance must be in [0, tolerance {}], got {clocks}",
            self.tol
        );
        self.join = clocks;
        self
    }

    /// One clock of the TX pin.
    pub fn push(&mut self, level: bool) {
        let c = self.clock;
        self.clock += 1;
        let edge = level != self.prev_level;
        self.prev_level = level;
        if edge {
            if level {
                self.last_rise = c;
            } else {
                self.last_fall = c;
            }
        }
        if c == 0 && !level {
            self.error("clock 0: line starts low; an idle UART line must be high".to_string());
            self.state = MonState::WaitHigh;
            return;
        }
        let state = std::mem::replace(&mut self.state, MonState::Idle);
        self.state = match state {
            MonState::WaitHigh => {
                if level {
                    MonState::Idle
                } else {
                    MonState::WaitHigh
                }
            }
            MonState::Idle => {
                if level {
                    MonState::Idle
                } else {
                    self.start_frame(c)
                }
            }
            MonState::Break { start } => {
                if level {
                    self.end_break(start, c)
                } else {
                    MonState::Break { start }
                }
            }
            MonState::Frame(f) => self.frame_sample(f, c, level, edge),
        };
    }

    pub fn events(&self) -> &[MonitorEvent] {
        &self.events
    }

    pub fn take_events(&mut self) -> Vec<MonitorEvent> {
        std::mem::take(&mut self.events)
    }

    /// Human-readable, each naming the clock, the frame index and the bit (at most the
    /// first 1000 are kept; see `timing_error_count`).
    pub fn timing_errors(&self) -> &[String] {
        &self.errors
    }

    pub fn timing_error_count(&self) -> u64 {
        self.error_count
    }

    /// Smallest gap (in bits) between the end of a frame's stop bits and the next start
    /// edge; 0 for back-to-back frames (within tolerance). Only gaps after a frame with
    /// good stop bits count.
    pub fn min_idle_before_start_bits(&self) -> Option<f64> {
        self.min_gap
    }

    /// Largest such gap: 0 proves a stream was sent back-to-back throughout.
    pub fn max_idle_before_start_bits(&self) -> Option<f64> {
        self.max_gap
    }

    /// No frame or break is in progress (everything pushed so far has been reported).
    pub fn is_idle(&self) -> bool {
        matches!(self.state, MonState::Idle)
    }

    /// Clocks pushed so far.
    pub fn clock(&self) -> u64 {
        self.clock
    }

    fn error(&mut self, msg: String) {
        self.error_count += 1;
        if self.errors.len() < MAX_STORED_ERRORS {
            self.errors.push(msg);
        }
    }

    fn bit_name(&self, bit: usize) -> String {
        let d = self.format.data_bits as usize;
        let p = usize::from(self.format.parity != LineParity::None);
        if bit == 0 {
            "start".to_string()
        } else if bit <= d {
            format!("data[{}]", bit - 1)
        } else if p == 1 && bit == d + 1 {
            "parity".to_string()
        } else {
            format!("stop[{}]", bit - 1 - d - p)
        }
    }

    fn record_gap(&mut self, bits: f64) {
        self.min_gap = Some(self.min_gap.map_or(bits, |g| g.min(bits)));
        self.max_gap = Some(self.max_gap.map_or(bits, |g| g.max(bits)));
    }

    fn start_frame(&mut self, c: u64) -> MonState {
        let index = self.frames_started;
        self.frames_started += 1;
        let cf = c as f64;
        let on_grid = self
            .grid
            .filter(|g| (cf - (g.t0 + g.next_k as f64 * self.cpb)).abs() <= self.join + EPS);
        let (burst_t0, k0) = match on_grid {
            Some(g) => {
                self.record_gap(0.0);
                (g.t0, g.next_k)
            }
            None => {
                if let Some(end) = self.prev_end {
                    let gap = cf - end;
                    self.record_gap((gap / self.cpb).max(0.0));
                    if self.back_to_back {
                        self.error(format!(
                            "clock {c}: frame {index}, bit start: start edge {gap:+.2} clocks \
                             after the previous frame's stop bits, expected back-to-back \
                             (tolerance {})",
                            self.tol
                        ));
                    }
                }
                (cf, 0)
            }
        };
        // Grid and frame end are re-established only when this frame ends cleanly.
        self.grid = None;
        self.prev_end = None;
        let f = RxFrame {
            index,
            start_clock: c,
            burst_t0,
            k0,
            t0: burst_t0 + k0 as f64 * self.cpb,
            centre: [None; MAX_FRAME_BITS],
            core: [None; MAX_FRAME_BITS],
            stable: [true; MAX_FRAME_BITS],
            last_edge_k: 0,
            break_checked: false,
        };
        self.frame_sample(Box::new(f), c, false, false)
    }

    /// The line rose again before the middle of the start bit: a receiver would ignore
    /// it, a transmitter must never produce it.
    fn false_start(&mut self, c: u64, index: u64) -> MonState {
        self.error(format!(
            "clock {c}: frame {index}, bit 0 (start): line high again before the middle of \
             the start bit (false start)"
        ));
        self.grid = None;
        self.prev_end = None;
        MonState::Idle
    }

    fn end_break(&mut self, start: u64, rise: u64) -> MonState {
        self.events.push(MonitorEvent::Break {
            start_clock: start,
            clocks: rise - start,
        });
        self.grid = None;
        self.prev_end = None;
        MonState::Idle
    }

    /// Once the first stop bit is over: if everything from the start bit through it was
    /// low, this is a break rather than a frame.
    fn check_break(&mut self, f: &mut RxFrame, level: bool) -> Option<MonState> {
        if f.break_checked {
            return None;
        }
        f.break_checked = true;
        if f.centre[..self.through_stop1]
            .iter()
            .all(|&v| v == Some(false))
        {
            Some(if level {
                let rise = self.last_rise;
                self.end_break(f.start_clock, rise)
            } else {
                MonState::Break {
                    start: f.start_clock,
                }
            })
        } else {
            None
        }
    }

    fn emit_frame(&mut self, f: &RxFrame) {
        let d = self.format.data_bits as usize;
        let mut data = 0u16;
        for i in 0..d {
            if f.centre[1 + i] == Some(true) {
                data |= 1 << i;
            }
        }
        let parity_ok = match self.format.parity_bit(data) {
            None => true,
            Some(p) => f.centre[1 + d] == Some(p),
        };
        let first_stop = self.n_bits - self.format.stop_bits as usize;
        let stop_ok = (first_stop..self.n_bits)
            .all(|b| f.centre[b] == Some(true) && f.stable[b] && f.core[b] != Some(false));
        self.events.push(MonitorEvent::Frame {
            data,
            parity_ok,
            stop_ok,
            start_clock: f.start_clock,
        });
        if stop_ok {
            self.grid = Some(Grid {
                t0: f.burst_t0,
                next_k: f.k0 + self.n_bits as u64,
            });
            self.prev_end = Some(f.t0 + self.n_bits as f64 * self.cpb);
        } else {
            self.grid = None;
            self.prev_end = None;
        }
    }

    fn frame_sample(&mut self, mut f: Box<RxFrame>, c: u64, level: bool, edge: bool) -> MonState {
        let cpb = self.cpb;
        let n = self.n_bits;
        let rel = c as f64 - f.t0;
        if rel >= n as f64 * cpb {
            if let Some(next) = self.check_break(&mut f, level) {
                return next;
            }
            self.emit_frame(&f);
            if level {
                return MonState::Idle;
            }
            if edge {
                return self.start_frame(c);
            }
            // The line fell inside the stop bits (already reported as an off-grid edge):
            // resynchronise on that edge instead of losing the next frame.
            if self.last_fall > f.start_clock {
                let fall = self.last_fall;
                self.grid = None;
                self.prev_end = None;
                let mut st = self.start_frame(fall);
                for cc in fall + 1..=c {
                    st = match st {
                        MonState::Frame(g) => self.frame_sample(g, cc, false, false),
                        other => other,
                    };
                }
                return st;
            }
            return MonState::WaitHigh;
        }

        let bit = if rel < 0.0 {
            0
        } else {
            ((rel / cpb).floor() as usize).min(n - 1)
        };
        if edge && level && bit == 0 && f.centre[0].is_none() {
            return self.false_start(c, f.index);
        }
        if edge {
            let k = (rel / cpb).round();
            let off = rel - k * cpb;
            if off.abs() > self.tol + EPS {
                let dir = if level { "rising" } else { "falling" };
                let name = self.bit_name(bit);
                self.error(format!(
                    "clock {c}: frame {}, bit {bit} ({name}): {dir} edge {off:+.2} clocks from \
                     the nearest bit boundary (tolerance {})",
                    f.index, self.tol
                ));
            } else if k as usize == n && !level {
                // The next start bit, early but within tolerance: back-to-back.
                self.emit_frame(&f);
                return self.start_frame(c);
            } else if k as u64 == f.last_edge_k {
                let name = self.bit_name(bit);
                self.error(format!(
                    "clock {c}: frame {}, bit {bit} ({name}): second edge at the same bit \
                     boundary (glitch)",
                    f.index
                ));
            } else {
                f.last_edge_k = k as u64;
            }
        }

        if rel >= 0.0 {
            let lo = bit as f64 * cpb;
            let hi = lo + cpb;
            if f.centre[bit].is_none() && rel >= lo + cpb / 2.0 {
                f.centre[bit] = Some(level);
                if bit == 0 && level {
                    return self.false_start(c, f.index);
                }
            }
            // Samples near a boundary belong to the edge tolerance, not to the bit.
            if (rel - lo).min(hi - rel) > self.tol + EPS {
                match f.core[bit] {
                    None => f.core[bit] = Some(level),
                    Some(v) if v != level => f.stable[bit] = false,
                    _ => {}
                }
            }
        }

        if rel >= self.through_stop1 as f64 * cpb {
            if let Some(next) = self.check_break(&mut f, level) {
                return next;
            }
        }
        MonState::Frame(f)
    }
}

// ---------------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------------

/// Compares what a receiver reported against what the driver expected.
pub fn compare_events(expected: &[RxEvent], got: &[RxEvent]) -> Result<(), String> {
    let first = expected
        .iter()
        .zip(got)
        .position(|(e, g)| e != g)
        .or_else(|| (expected.len() != got.len()).then_some(expected.len().min(got.len())));
    let Some(i) = first else {
        return Ok(());
    };
    let show = |s: &[RxEvent], j: usize| s.get(j).map_or("(none)".to_string(), |e| e.to_string());
    let mut msg = format!(
        "receiver events differ at index {i}: expected {}, got {} (expected {} events, got {})\n",
        show(expected, i),
        show(got, i),
        expected.len(),
        got.len()
    );
    let from = i.saturating_sub(2);
    let to = (i + 3).min(expected.len().max(got.len()));
    for j in from..to {
        let mark = if j == i { ">>" } else { "  " };
        msg.push_str(&format!(
            "{mark} #{j}: expected {:<28} got {}\n",
            show(expected, j),
            show(got, j)
        ));
    }
    Err(msg)
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(clock_hz: f64, baud: f64, data_bits: u32, parity: LineParity, stop: u32) -> LineFormat {
        LineFormat {
            clock_hz,
            baud,
            data_bits,
            parity,
            stop_bits: stop,
        }
    }

    /// 16 clocks per bit exactly.
    fn f16(data_bits: u32, parity: LineParity, stop: u32) -> LineFormat {
        fmt(1_843_200.0, 115_200.0, data_bits, parity, stop)
    }

    fn drive_all(d: &mut SerialDriver) -> Vec<bool> {
        let n = d.clocks_queued();
        let v: Vec<bool> = (0..n).map(|_| d.next_level()).collect();
        assert!(d.is_done());
        v
    }

    fn bits_to_levels(bits: &str, cpb: usize) -> Vec<bool> {
        bits.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(|c| std::iter::repeat_n(c == '1', cpb))
            .collect()
    }

    fn monitor_rx(events: &[MonitorEvent]) -> Vec<RxEvent> {
        events.iter().map(|e| e.to_rx_event()).collect()
    }

    #[test]
    fn parity_bits_by_hand() {
        let p = |parity, data| f16(8, parity, 1).parity_bit(data);
        // 0x35 = 0011_0101: four ones
        assert_eq!(p(LineParity::Even, 0x35), Some(false));
        assert_eq!(p(LineParity::Odd, 0x35), Some(true));
        // 0x07: three ones
        assert_eq!(p(LineParity::Even, 0x07), Some(true));
        assert_eq!(p(LineParity::Odd, 0x07), Some(false));
        assert_eq!(p(LineParity::Mark, 0x00), Some(true));
        assert_eq!(p(LineParity::Space, 0xFF), Some(false));
        assert_eq!(p(LineParity::None, 0x07), None);
        // Bit 8 does not exist in 8-bit frames.
        assert_eq!(p(LineParity::Even, 0x100), Some(false));
        assert_eq!(f16(8, LineParity::Even, 2).frame_bits(), 12);
        assert_eq!(f16(5, LineParity::None, 1).frame_bits(), 7);
    }

    #[test]
    fn hand_checked_0x35_8n1_at_16_clocks_per_bit() {
        let mut d = SerialDriver::new(f16(8, LineParity::None, 1), 1);
        assert_eq!(d.format().clocks_per_bit(), 16.0);
        d.idle_bits(1.0);
        d.frame(0x35);
        d.idle_bits(1.0);
        assert_eq!(d.clocks_queued(), 12 * 16);
        let got = drive_all(&mut d);
        // idle, start, 0x35 LSB first = 1 0 1 0 1 1 0 0, stop, idle
        let want = bits_to_levels("1 0 10101100 1 1", 16);
        assert_eq!(got, want);
        assert_eq!(d.expected(), &[RxEvent::data(0x35)]);
        // Past the queue the line idles high.
        assert!((0..40).all(|_| d.next_level()));
    }

    #[test]
    fn hand_checked_7e2_bad_parity_and_bad_stop() {
        let mut d = SerialDriver::new(f16(7, LineParity::Even, 2), 1);
        d.idle_bits(1.0);
        d.frame(0x41); // 100_0001: two ones, even parity 0
        d.frame_bad_parity(0x41);
        d.frame_bad_stop(0x41);
        let got = drive_all(&mut d);
        let want = bits_to_levels("1  0 1000001 0 11  0 1000001 1 11  0 1000001 0 01", 16);
        assert_eq!(got, want);
        let pe = RxEvent {
            parity_error: true,
            ..RxEvent::data(0x41)
        };
        let fe = RxEvent {
            framing_error: true,
            ..RxEvent::data(0x41)
        };
        assert_eq!(d.expected(), &[RxEvent::data(0x41), pe, fe]);
    }

    #[test]
    fn bad_stop_guard_and_break_expectation() {
        // One stop bit: the low stop bit is followed by a guard bit of high.
        let mut d = SerialDriver::new(f16(8, LineParity::None, 1), 1);
        d.idle_bits(1.0);
        d.frame_bad_stop(0x80);
        d.frame_bad_stop(0x00);
        let got = drive_all(&mut d);
        assert_eq!(got, bits_to_levels("1 0 00000001 0 1  0 00000000 0 1", 16));
        let fe = RxEvent {
            framing_error: true,
            ..RxEvent::data(0x80)
        };
        assert_eq!(d.expected(), &[fe, RxEvent::line_break()]);
        // Odd parity of 0 is 1, so the frame is not all low: framing error, not break.
        let mut d = SerialDriver::new(f16(8, LineParity::Odd, 1), 1);
        d.frame_bad_stop(0);
        assert!(d.expected()[0].framing_error && !d.expected()[0].break_detected);
        let mut d = SerialDriver::new(f16(8, LineParity::Space, 2), 1);
        d.frame_bad_stop(0);
        assert_eq!(d.expected(), &[RxEvent::line_break()]);
    }

    /// Round trip: for every format, ppm 0 and ±4 %, the monitor (told the sender's real
    /// baud) decodes exactly what the driver expects, with no timing errors.
    #[test]
    fn driver_monitor_round_trip_all_formats() {
        let mut rng = Rng::new(99, 0);
        let mut formats = 0;
        for data_bits in 5..=9 {
            for parity in LineParity::ALL {
                for stop in 1..=2 {
                    for ppm in [0.0, 40_000.0, -40_000.0] {
                        formats += 1;
                        // 17.36 clocks per bit: fractional, so edges land between clocks.
                        let format = fmt(1_000_000.0, 57_600.0, data_bits, parity, stop);
                        let seed = rng.next_u64();
                        let mut d = SerialDriver::new(format, seed).baud_error_ppm(ppm);
                        let mut m = LineMonitor::new(format.with_baud_error_ppm(ppm), 1.0);
                        let mask = format.data_mask();
                        d.idle_bits(2.0);
                        let mut values =
                            vec![0, mask, 0x155 & mask, 0xAA & mask, 1, 1 << (data_bits - 1)];
                        values.extend((0..24).map(|_| rng.below(mask as u64 + 1) as u16));
                        for (i, &v) in values.iter().enumerate() {
                            match rng.below(8) {
                                0 if parity != LineParity::None => d.frame_bad_parity(v),
                                1 => d.frame_bad_stop(v),
                                _ => d.frame(v),
                            }
                            // Mostly back-to-back, sometimes fractional idle. A gap
                            // within the monitor's tolerance would read as a late edge of
                            // the same burst, so gaps are at least a quarter bit.
                            if i % 3 == 2 {
                                d.idle_bits(0.25 + rng.unit() * 2.75);
                            }
                        }
                        d.line_break(format.frame_bits() as f64 + 2.5);
                        d.frame(0);
                        d.line_break(format.frame_bits() as f64);
                        d.frame(mask);
                        d.idle_bits(2.0);
                        for _ in 0..d.clocks_queued() {
                            m.push(d.next_level());
                        }
                        assert!(d.is_done());
                        assert!(m.is_idle());
                        let ctx = format!("{data_bits}{parity:?}{stop} ppm {ppm} seed {seed}");
                        assert!(
                            m.timing_errors().is_empty(),
                            "{ctx}: {:?}",
                            &m.timing_errors()[..m.timing_errors().len().min(5)]
                        );
                        if let Err(e) = compare_events(d.expected(), &monitor_rx(m.events())) {
                            panic!("{ctx}: {e}");
                        }
                    }
                }
            }
        }
        assert_eq!(formats, 150);
    }

    fn stream_of_zero_frames(ppm: f64) -> (u64, u64, Vec<bool>) {
        let format = f16(8, LineParity::None, 1);
        let mut d = SerialDriver::new(format, 5).baud_error_ppm(ppm);
        for _ in 0..1000 {
            d.frame(0);
        }
        let queued = d.clocks_queued();
        let levels = drive_all(&mut d);
        (queued, levels.len() as u64, levels)
    }

    #[test]
    fn baud_error_scales_a_1000_frame_stream() {
        for ppm in [40_000.0, -40_000.0, 0.0] {
            let (queued, driven, levels) = stream_of_zero_frames(ppm);
            // 10_000 bits of 16 clocks at a sender running (1 + ppm) fast.
            let ideal = 10_000.0 * 16.0 / (1.0 + ppm / 1e6);
            assert!(
                (queued as f64 - ideal).abs() <= 1.0,
                "ppm {ppm}: {queued} vs {ideal}"
            );
            assert_eq!(queued, driven);
            // The waveform itself: last frame's start edge at 9990 bits, its stop bit
            // (the last rising edge) at 9999 bits.
            let last_fall = (1..levels.len())
                .rev()
                .find(|&i| levels[i - 1] && !levels[i])
                .unwrap();
            let last_rise = (1..levels.len())
                .rev()
                .find(|&i| !levels[i - 1] && levels[i])
                .unwrap();
            let bit = 16.0 / (1.0 + ppm / 1e6);
            assert!((last_fall as f64 - 9990.0 * bit).abs() <= 1.0, "ppm {ppm}");
            assert!((last_rise as f64 - 9999.0 * bit).abs() <= 1.0, "ppm {ppm}");
        }
        let fast = stream_of_zero_frames(40_000.0).0 as i64;
        let slow = stream_of_zero_frames(-40_000.0).0 as i64;
        assert!((fast - 153_846).abs() <= 1, "{fast}");
        assert!((slow - 166_667).abs() <= 1, "{slow}");
    }

    #[test]
    fn jitter_moves_edges_but_stays_bounded() {
        let format = f16(8, LineParity::None, 1);
        let j = 0.15;
        // Gapped frames, and back-to-back frames where a jittered start edge cuts into the
        // previous stop bit.
        for gap in [1.0, 0.0] {
            let mut d = SerialDriver::new(format, 77).jitter(j);
            let mut clean = SerialDriver::new(format, 77);
            for drv in [&mut d, &mut clean] {
                drv.idle_bits(1.0);
                for _ in 0..300 {
                    drv.frame(0x55); // every boundary of the frame is an edge
                    drv.idle_bits(gap);
                }
                drv.idle_bits(1.0);
            }
            let got = drive_all(&mut d);
            let want = drive_all(&mut clean);
            assert_eq!(got.len(), want.len());
            let edges =
                |v: &[bool]| -> Vec<usize> { (1..v.len()).filter(|&i| v[i] != v[i - 1]).collect() };
            let (ge, we) = (edges(&got), edges(&want));
            // Same edges, in the same order, each within ±j bits (+1 clock of sampling).
            assert_eq!(ge.len(), we.len(), "gap {gap}");
            let mut max_shift = 0i64;
            for (g, w) in ge.iter().zip(&we) {
                let shift = *g as i64 - *w as i64;
                assert!(
                    shift.abs() as f64 <= j * 16.0 + 1.0,
                    "gap {gap}: edge moved {shift} clocks"
                );
                max_shift = max_shift.max(shift.abs());
            }
            // It really jitters: some edges moved by at least 2 clocks.
            assert!(max_shift >= 2, "gap {gap}: max shift {max_shift}");
            // A monitor whose tolerance covers the jitter of both the anchoring start edge
            // and the edge itself still decodes every frame.
            let mut m = LineMonitor::new(format, 2.0 * j * 16.0 + 1.0);
            got.iter().for_each(|&l| m.push(l));
            assert!(
                m.timing_errors().is_empty(),
                "gap {gap}: {:?}",
                m.timing_errors().first()
            );
            compare_events(d.expected(), &monitor_rx(m.events())).unwrap();
            // And a strict monitor notices.
            let mut strict = LineMonitor::new(format, 1.0);
            got.iter().for_each(|&l| strict.push(l));
            assert!(strict.timing_error_count() > 0, "gap {gap}");
        }
    }

    #[test]
    fn glitches_have_the_requested_length_and_stay_inside_their_bit() {
        let format = f16(8, LineParity::Even, 1);
        let max = 3;
        let mut g = SerialDriver::new(format, 4242).glitches(0.5, max);
        let mut clean = SerialDriver::new(format, 4242);
        let frames = 400;
        for drv in [&mut g, &mut clean] {
            drv.idle_bits(1.0);
            for i in 0..frames {
                drv.frame((i * 37 % 256) as u16);
            }
        }
        assert_eq!(g.expected(), clean.expected());
        let a = drive_all(&mut g);
        let b = drive_all(&mut clean);
        assert_eq!(a.len(), b.len());
        // Split the differences at nominal bit boundaries (16 clocks, starting at clock
        // 16): every bit holds at most one glitch run of 1..=max clocks.
        let mut per_len = [0usize; 8];
        let mut glitched_bits = 0;
        for bit in 0..(frames * 11) as usize {
            let lo = 16 + bit * 16;
            let diff: Vec<bool> = (lo..lo + 16).map(|i| a[i] != b[i]).collect();
            let runs: Vec<usize> = diff
                .split(|&x| !x)
                .map(|r| r.len())
                .filter(|&n| n > 0)
                .collect();
            assert!(runs.len() <= 1, "bit {bit}: {runs:?}");
            if let Some(&len) = runs.first() {
                assert!((1..=max as usize).contains(&len), "bit {bit}: len {len}");
                per_len[len] += 1;
                glitched_bits += 1;
            }
        }
        assert_eq!(a[..16], b[..16]);
        let total = frames as f64 * 11.0;
        assert!(
            (glitched_bits as f64 - total * 0.5).abs() < total * 0.05,
            "{glitched_bits} of {total}"
        );
        // Lengths are spread over 1..=max.
        for (len, &count) in per_len.iter().enumerate().take(max as usize + 1).skip(1) {
            assert!(
                count as f64 > glitched_bits as f64 / 6.0,
                "len {len}: {count}"
            );
        }
    }

    /// Everything at once, including jittered starts that cut into glitches of the
    /// previous stop bit: the line stays well-formed and ends exactly when announced.
    #[test]
    fn mixed_stream_with_jitter_and_glitches_is_well_formed() {
        let format = fmt(1_000_000.0, 115_200.0, 7, LineParity::Mark, 2);
        let mut d = SerialDriver::new(format, 11)
            .baud_error_ppm(-25_000.0)
            .jitter(0.3)
            .glitches(1.0, 2);
        let mut rng = Rng::new(11, 3);
        let mut expected = 0;
        d.idle_bits(3.0);
        for _ in 0..2000 {
            match rng.below(10) {
                0 => {
                    d.line_break(12.0 + rng.unit());
                    expected += 1;
                }
                1 => d.low_pulse(1 + rng.below(4) as u32),
                2 => d.idle_bits(rng.unit()),
                3 => {
                    d.frame_bad_stop(rng.below(128) as u16);
                    expected += 1;
                }
                _ => {
                    d.frame(rng.below(128) as u16);
                    expected += 1;
                }
            }
        }
        assert_eq!(d.expected().len(), expected);
        let n = d.clocks_queued();
        let bits = 2000.0 * 12.0; // generous upper bound in bits
        assert!((n as f64) < bits * d.bit_clocks());
        let v: Vec<bool> = (0..n).map(|_| d.next_level()).collect();
        assert!(d.is_done());
        assert!(v[..25].iter().all(|&l| l));
        assert!((0..100).all(|_| d.next_level()));
        assert!(d.segments.is_empty());
    }

    #[test]
    fn line_break_levels_and_expectation() {
        let format = f16(8, LineParity::None, 1);
        let mut d = SerialDriver::new(format, 1);
        d.idle_bits(2.0);
        d.line_break(15.0);
        d.frame(0xA5);
        d.idle_bits(1.0);
        let v = drive_all(&mut d);
        assert!(v[..32].iter().all(|&l| l));
        assert!(v[32..32 + 240].iter().all(|&l| !l));
        // Exactly one guard bit before the next start bit.
        assert!(v[272..288].iter().all(|&l| l));
        assert!(!v[288]);
        assert_eq!(d.expected(), &[RxEvent::line_break(), RxEvent::data(0xA5)]);
        let mut m = LineMonitor::new(format, 1.0);
        v.iter().for_each(|&l| m.push(l));
        assert_eq!(
            m.events()[0],
            MonitorEvent::Break {
                start_clock: 32,
                clocks: 240
            }
        );
        assert!(m.timing_errors().is_empty());
    }

    #[test]
    #[should_panic(expected = "at least one frame")]
    fn line_break_shorter_than_a_frame_is_refused() {
        SerialDriver::new(f16(8, LineParity::Odd, 2), 1).line_break(11.5);
    }

    #[test]
    fn low_pulse_is_exact_and_expects_nothing() {
        let format = fmt(1_000_000.0, 57_600.0, 8, LineParity::None, 1);
        let mut d = SerialDriver::new(format, 1);
        d.idle_bits(1.3); // pulse starts off a clock boundary
        d.low_pulse(3);
        d.low_pulse(8);
        d.idle_bits(1.0);
        let v = drive_all(&mut d);
        let lows: Vec<usize> = v
            .split(|&l| l)
            .map(|r| r.len())
            .filter(|&n| n > 0)
            .collect();
        assert_eq!(lows, vec![3, 8]);
        assert!(d.expected().is_empty());
        // A monitor sees false starts, never a frame.
        let mut m = LineMonitor::new(format, 1.0);
        v.iter().for_each(|&l| m.push(l));
        assert!(m.events().is_empty());
        assert_eq!(m.timing_error_count(), 2);
        assert!(m.timing_errors()[0].contains("false start"));
    }

    #[test]
    #[should_panic(expected = "half a bit")]
    fn low_pulse_of_half_a_bit_is_refused() {
        SerialDriver::new(f16(8, LineParity::None, 1), 1).low_pulse(8);
    }

    #[test]
    #[should_panic(expected = "does not fit")]
    fn oversized_data_is_refused() {
        SerialDriver::new(f16(7, LineParity::None, 1), 1).frame(0x80);
    }

    #[test]
    fn queueing_after_the_line_went_idle_starts_now() {
        let format = f16(8, LineParity::None, 1);
        let mut d = SerialDriver::new(format, 1);
        d.idle_bits(0.5);
        assert_eq!(d.clocks_queued(), 8);
        for _ in 0..100 {
            assert!(d.next_level());
        }
        assert!(d.is_done());
        d.frame(0x00);
        assert_eq!(d.clocks_queued(), 160);
        let v = drive_all(&mut d);
        assert_eq!(v, bits_to_levels("0 00000000 1", 16));
    }

    #[test]
    fn monitor_flags_a_bit_two_clocks_short() {
        let format = f16(8, LineParity::None, 1);
        // 0x55 by hand, with data[2] (frame bit 3) lasting 14 clocks instead of 16.
        let mut v = bits_to_levels("11 0 10", 16);
        v.extend(std::iter::repeat_n(true, 14));
        v.extend(bits_to_levels("01010 1 11", 16));
        let mut m = LineMonitor::new(format, 1.0);
        v.iter().for_each(|&l| m.push(l));
        let errs = m.timing_errors();
        assert!(!errs.is_empty());
        assert!(
            errs[0].contains("clock 94")
                && errs[0].contains("frame 0")
                && errs[0].contains("data[2]"),
            "{}",
            errs[0]
        );
        // Control: the same frame at full length passes.
        let mut ok = LineMonitor::new(format, 1.0);
        bits_to_levels("11 0 10101010 1 11", 16)
            .iter()
            .for_each(|&l| ok.push(l));
        assert!(ok.timing_errors().is_empty());
        assert_eq!(
            ok.events(),
            &[MonitorEvent::Frame {
                data: 0x55,
                parity_ok: true,
                stop_ok: true,
                start_clock: 32
            }]
        );
    }

    #[test]
    fn monitor_rejects_a_short_stop_bit_and_resynchronises() {
        let format = f16(8, LineParity::None, 1);
        // 0x0F with its stop bit cut to 12 clocks by an early start of 0xF0.
        let mut v = bits_to_levels("11 0 11110000", 16);
        v.extend(std::iter::repeat_n(true, 12));
        v.extend(bits_to_levels("0 00001111 1 11", 16));
        let mut m = LineMonitor::new(format, 1.0);
        v.iter().for_each(|&l| m.push(l));
        assert_eq!(
            m.events(),
            &[
                MonitorEvent::Frame {
                    data: 0x0F,
                    parity_ok: true,
                    stop_ok: false,
                    start_clock: 32
                },
                MonitorEvent::Frame {
                    data: 0xF0,
                    parity_ok: true,
                    stop_ok: true,
                    start_clock: 32 + 9 * 16 + 12
                }
            ]
        );
        assert_eq!(m.timing_error_count(), 1);
        assert!(
            m.timing_errors()[0].contains("clock 188") && m.timing_errors()[0].contains("stop"),
            "{}",
            m.timing_errors()[0]
        );
    }

    #[test]
    fn monitor_catches_drift_across_back_to_back_frames() {
        let format = f16(8, LineParity::None, 1);
        let run = |ppm: f64, data: u16, b2b: bool| -> LineMonitor {
            let mut d = SerialDriver::new(format, 3).baud_error_ppm(ppm);
            let mut m = LineMonitor::new(format, 1.0);
            if b2b {
                m = m.back_to_back();
            }
            d.idle_bits(1.0);
            for _ in 0..20 {
                d.frame(data);
            }
            d.idle_bits(1.0);
            for _ in 0..d.clocks_queued() {
                m.push(d.next_level());
            }
            if ppm == 0.0 {
                compare_events(d.expected(), &monitor_rx(m.events())).unwrap();
            }
            m
        };
        // 0.2 % off is 0.32 clocks per frame: no single frame shows it, the burst does.
        for ppm in [2000.0, -2000.0] {
            assert!(run(ppm, 0x55, false).timing_error_count() > 0, "ppm {ppm}");
        }
        assert_eq!(run(0.0, 0x55, false).timing_error_count(), 0);
        assert_eq!(
            run(0.0, 0x55, false).max_idle_before_start_bits(),
            Some(0.0)
        );
        // A slow sender of 0xFF only shows late start edges: a gap, or an error when
        // back-to-back is demanded.
        let m = run(-2000.0, 0xFF, false);
        assert!(m.max_idle_before_start_bits().unwrap() > 0.0);
        assert_eq!(m.min_idle_before_start_bits(), Some(0.0));
        assert!(run(-2000.0, 0xFF, true).timing_error_count() > 0);
        assert_eq!(run(0.0, 0xFF, true).timing_error_count(), 0);
    }

    #[test]
    fn monitor_restart_near_the_tolerance_is_a_new_burst_not_an_error() {
        // 16.5 clocks per bit, tolerance 4. The first frame starts at 16.5 (seen at 17) and
        // ends at 181.5; the burst's grid puts the next start at 182. The transmitter
        // restarts after 4.3 clocks idle: start at 185.8, seen at 186 (4.0 off the grid,
        // inside the tolerance), its next edge at 202.3, seen at 203: 4.5 off the grid,
        // but 0.5 off its own (and so on for its edges at 269 and 335).
        let format = fmt(1_650_000.0, 100_000.0, 8, LineParity::None, 1);
        let run = |join: Option<f64>| -> LineMonitor {
            let mut d = SerialDriver::new(format, 5);
            let mut m = LineMonitor::new(format, 4.0);
            if let Some(join) = join {
                m = m.restarts_beyond(join);
            }
            d.idle_bits(1.0);
            d.frame(0x0F);
            d.idle_bits(4.3 / 16.5);
            d.frame(0x0F);
            d.idle_bits(1.0);
            for _ in 0..d.clocks_queued() {
                m.push(d.next_level());
            }
            compare_events(d.expected(), &monitor_rx(m.events())).unwrap();
            m
        };
        let joined = run(None);
        assert_eq!(
            joined.timing_error_count(),
            3,
            "{:?}",
            joined.timing_errors()
        );
        assert!(joined.timing_errors()[0].contains("clock 203"));
        let restarted = run(Some(2.0));
        assert_eq!(
            restarted.timing_error_count(),
            0,
            "{:?}",
            restarted.timing_errors()
        );
        assert!(restarted.max_idle_before_start_bits().unwrap() > 0.2);
    }

    #[test]
    fn monitor_idle_gaps_and_line_start() {
        let format = f16(8, LineParity::Odd, 2);
        let mut d = SerialDriver::new(format, 1);
        d.idle_bits(1.0);
        d.frame(0x12);
        d.idle_bits(2.5);
        d.frame(0x34);
        d.idle_bits(4.0);
        d.frame(0x56);
        d.idle_bits(1.0);
        let mut m = LineMonitor::new(format, 1.0);
        for _ in 0..d.clocks_queued() {
            m.push(d.next_level());
        }
        assert_eq!(m.min_idle_before_start_bits(), Some(2.5));
        assert_eq!(m.max_idle_before_start_bits(), Some(4.0));
        compare_events(d.expected(), &monitor_rx(m.events())).unwrap();

        let mut low = LineMonitor::new(format, 1.0);
        bits_to_levels("0 1 0 01001000 1 11 1", 16)
            .iter()
            .for_each(|&l| low.push(l));
        assert!(low.timing_errors()[0].contains("starts low"));
        assert_eq!(monitor_rx(low.events()), vec![RxEvent::data(0x12)]);
    }

    #[test]
    fn monitor_reports_bad_stop_and_all_low_frame_as_break() {
        let format = f16(8, LineParity::Even, 2);
        let mut m = LineMonitor::new(format, 1.0);
        // 0x00 even parity 0, stop 1 low, stop 2 high: a break of 11 bits.
        // 0x01 parity 1, stop 1 low: framing error.
        bits_to_levels("11 0 00000000 0 0 1 1 0 10000000 1 0 1 1", 16)
            .iter()
            .for_each(|&l| m.push(l));
        assert_eq!(
            m.events(),
            &[
                MonitorEvent::Break {
                    start_clock: 32,
                    clocks: 11 * 16
                },
                MonitorEvent::Frame {
                    data: 0x01,
                    parity_ok: true,
                    stop_ok: false,
                    start_clock: 32 + 13 * 16
                }
            ]
        );
        assert!(m.timing_errors().is_empty());
        assert_eq!(m.take_events().len(), 2);
        assert!(m.events().is_empty());
    }

    #[test]
    fn compare_events_names_the_first_mismatch() {
        let e: Vec<RxEvent> = (0..6).map(RxEvent::data).collect();
        assert!(compare_events(&e, &e).is_ok());
        let mut g = e.clone();
        g[2].data = 0x7f;
        g[4].parity_error = true;
        let msg = compare_events(&e, &g).unwrap_err();
        assert!(msg.contains("index 2"), "{msg}");
        assert!(msg.contains("0x02") && msg.contains("0x7f"), "{msg}");
        assert!(msg.contains("expected 6 events, got 6"), "{msg}");
        assert!(msg.contains(">> #2"), "{msg}");
        // Context shows neighbours, including the later parity difference.
        assert!(msg.contains("#0") && msg.contains("#4") && msg.contains("parity_error"));

        let msg = compare_events(&e, &e[..4]).unwrap_err();
        assert!(msg.contains("index 4") && msg.contains("(none)"), "{msg}");
        assert!(msg.contains("expected 6 events, got 4"), "{msg}");
        let mut brk = e.clone();
        brk.push(RxEvent::line_break());
        let msg = compare_events(&e, &brk).unwrap_err();
        assert!(msg.contains("index 6") && msg.contains("break"), "{msg}");
    }

    /// 100k frames at a fractional 10.4167 clocks per bit: no drift against a strict
    /// monitor, and the driver's working set stays small.
    #[test]
    fn long_stream_has_no_drift_and_bounded_memory() {
        let format = fmt(12_000_000.0, 1_152_000.0, 8, LineParity::None, 1);
        let mut d = SerialDriver::new(format, 8);
        let mut m = LineMonitor::new(format, 1.0).back_to_back();
        let mut rng = Rng::new(8, 9);
        d.idle_bits(1.0);
        let frames = 100_000;
        for _ in 0..frames {
            d.frame(rng.below(256) as u16);
        }
        d.idle_bits(1.0);
        let mut max_segments = 0;
        let mut checked = 0;
        for _ in 0..d.clocks_queued() {
            m.push(d.next_level());
            max_segments = max_segments.max(d.segments.len());
            if m.events().len() >= 4096 {
                let got = monitor_rx(&m.take_events());
                compare_events(&d.expected()[checked..checked + got.len()], &got).unwrap();
                checked += got.len();
            }
        }
        let tail = m.take_events();
        let got = monitor_rx(&tail);
        compare_events(&d.expected()[checked..], &got).unwrap();
        assert_eq!(checked + got.len(), frames);
        assert_eq!(m.timing_error_count(), 0, "{:?}", m.timing_errors().first());
        assert_eq!(m.max_idle_before_start_bits(), Some(0.0));
        assert!(max_segments <= 16, "{max_segments}");
        // The last start edge, by exact integer arithmetic: bit 1 + 10 × 99_999 at 125/12
        // clocks per bit, first seen at the ceiling. 0.3 clocks of drift would move it.
        let bit = 1 + 10 * (frames as u64 - 1);
        let Some(MonitorEvent::Frame { start_clock, .. }) = tail.last() else {
            panic!("no final frame");
        };
        assert_eq!(*start_clock, (bit * 125).div_ceil(12));
    }
}
