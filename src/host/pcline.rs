//! The PC's end of the virtual board's line: the format a program set on the PTY, and a
//! receiver that decodes the firmware's frames the way the PC's serial chip would.
//!
//! Why: on a real board the USB-serial chip sends and samples at the baud the program asked
//! for, so a program at the wrong baud reads garbage. The virtual board follows the PTY's
//! settings the same way (see `vboard.rs`), unless told to keep the firmware's baud.
//!
//! What it guarantees:
//! - [`PtyFormat::read`] returns the settings a program made on the PTY (Linux keeps one
//!   termios per PTY pair, so the master sees what the program set on the slave): the baud
//!   from termios2's `c_ospeed`, which holds the real rate for the standard `Bnnn` speeds
//!   (up to `B4000000`) and for `BOTHER` ones alike (pyserial sets non-standard rates that
//!   way), the character size, parity (`PARENB`, `PARODD`, `CMSPAR`), stop bits (`CSTOPB`)
//!   and the input flags that decide what a line error becomes (`IGNPAR`, `PARMRK`,
//!   `INPCK`, `IGNBRK`).
//! - [`PcReceiver`] is an ideal receiver: it finds the start edge to the clock, samples
//!   each bit once at its centre, rejects a start bit that is high again at its centre,
//!   and checks the first stop bit at its centre. A low stop bit is a framing error, or a
//!   break when every sampled bit was low; after either it waits for the line to go high.
//! - [`PtyFormat::deliver`] turns what the receiver decoded into the bytes a program reads
//!   from a Linux serial port in the same mode (n_tty's rules): a good byte as is; a frame
//!   with a framing error, or a parity error when `INPCK` is set, as `\0` (nothing with
//!   `IGNPAR`, `\xff \0 byte` with `PARMRK`); a break as `\0` (nothing with `IGNBRK`,
//!   `\xff \0 \0` with `PARMRK`); with `PARMRK` a data byte `\xff` is doubled.

use crate::sim::line::{LineFormat, LineParity};
use anyhow::{bail, Result};
use std::os::fd::{AsRawFd, BorrowedFd};

/// The line settings a program made on the PTY.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PtyFormat {
    /// Bits per second (0: `B0`, the program asked to hang up).
    pub baud: u32,
    /// 5 to 8.
    pub data_bits: u32,
    /// Parity.
    pub parity: LineParity,
    /// 1 or 2.
    pub stop_bits: u32,
    /// `IGNPAR`: frames with errors are dropped.
    pub ignore_errors: bool,
    /// `PARMRK`: errors are marked with `\xff \0`.
    pub mark_errors: bool,
    /// `INPCK`: parity is checked.
    pub check_parity: bool,
    /// `IGNBRK`: breaks are dropped.
    pub ignore_breaks: bool,
}

/// What the PC's receiver decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PcEvent {
    /// A frame; `start` is the first low clock of its start bit.
    Frame {
        /// The data bits.
        data: u8,
        /// The parity bit matched (always true without parity).
        parity_ok: bool,
        /// The first stop bit was high at its centre.
        stop_ok: bool,
        /// Start clock.
        start: u64,
    },
    /// Every sampled bit through the first stop bit was low.
    Break {
        /// Start clock.
        start: u64,
    },
}

impl PcEvent {
    /// Where the event's start bit began.
    pub fn start(&self) -> u64 {
        match *self {
            PcEvent::Frame { start, .. } | PcEvent::Break { start } => start,
        }
    }
}

impl std::fmt::Display for PtyFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}{}{}",
            self.baud,
            self.data_bits,
            self.parity.letter(),
            self.stop_bits
        )
    }
}

impl PtyFormat {
    /// Reads the PTY's current settings (either side of the pair).
    pub fn read(fd: BorrowedFd<'_>) -> Result<Self> {
        let t = get_termios2(fd)?;
        let size = match t.c_cflag & libc::CSIZE {
            libc::CS5 => 5,
            libc::CS6 => 6,
            libc::CS7 => 7,
            _ => 8,
        };
        let parity = if t.c_cflag & libc::PARENB == 0 {
            LineParity::None
        } else {
            match (t.c_cflag & libc::CMSPAR != 0, t.c_cflag & libc::PARODD != 0) {
                (false, false) => LineParity::Even,
                (false, true) => LineParity::Odd,
                (true, true) => LineParity::Mark,
                (true, false) => LineParity::Space,
            }
        };
        Ok(PtyFormat {
            baud: t.c_ospeed,
            data_bits: size,
            parity,
            stop_bits: if t.c_cflag & libc::CSTOPB != 0 { 2 } else { 1 },
            ignore_errors: t.c_iflag & libc::IGNPAR != 0,
            mark_errors: t.c_iflag & libc::PARMRK != 0,
            check_parity: t.c_iflag & libc::INPCK != 0,
            ignore_breaks: t.c_iflag & libc::IGNBRK != 0,
        })
    }

    /// Sets baud and frame format on the PTY (any rate, through `BOTHER`), leaving the
    /// other flags as they are. The board does this once at start with the firmware's
    /// format, so a program that never sets a baud talks at the firmware's.
    pub fn set_line(fd: BorrowedFd<'_>, baud: u32, format: &LineFormat) -> Result<()> {
        let mut t = get_termios2(fd)?;
        t.c_cflag &= !(libc::CBAUD
            | libc::CSIZE
            | libc::PARENB
            | libc::PARODD
            | libc::CMSPAR
            | libc::CSTOPB);
        t.c_cflag |= libc::BOTHER
            | match format.data_bits {
                5 => libc::CS5,
                6 => libc::CS6,
                7 => libc::CS7,
                _ => libc::CS8,
            };
        t.c_cflag |= match format.parity {
            LineParity::None => 0,
            LineParity::Even => libc::PARENB,
            LineParity::Odd => libc::PARENB | libc::PARODD,
            LineParity::Mark => libc::PARENB | libc::PARODD | libc::CMSPAR,
            LineParity::Space => libc::PARENB | libc::CMSPAR,
        };
        if format.stop_bits == 2 {
            t.c_cflag |= libc::CSTOPB;
        }
        // The input speed follows the output speed (IBSHIFT field left 0).
        t.c_cflag &= !(libc::CBAUD << libc::IBSHIFT);
        t.c_ospeed = baud;
        t.c_ispeed = baud;
        // SAFETY: TCSETS2 reads a termios2 from the pointer, which points at a valid,
        // initialised one for the duration of the call.
        let rc = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TCSETS2, &t) };
        if rc != 0 {
            bail!(
                "cannot set the PTY's baud to {baud}: {}",
                std::io::Error::last_os_error()
            );
        }
        Ok(())
    }

    /// The same format as the firmware's: the board then drives and checks the line at
    /// the firmware's exact rate.
    pub fn matches(&self, baud: u64, format: &LineFormat) -> bool {
        u64::from(self.baud) == baud
            && self.data_bits == format.data_bits
            && self.parity == format.parity
            && self.stop_bits == format.stop_bits
    }

    /// The line format at `clock_hz`, or why the line cannot carry it: a baud of 0 (`B0`)
    /// or above half the simulated clock (a clock-sampled line needs two clocks per bit).
    pub fn line_format(&self, clock_hz: u64) -> std::result::Result<LineFormat, String> {
        if self.baud == 0 {
            return Err("the PTY's baud is 0 (B0, hang up)".to_string());
        }
        if u64::from(self.baud) * 2 > clock_hz {
            return Err(format!(
                "{} baud is above half the simulated clock ({clock_hz} Hz): the line model \
                 cannot carry it",
                self.baud
            ));
        }
        Ok(LineFormat {
            clock_hz: clock_hz as f64,
            baud: f64::from(self.baud),
            data_bits: self.data_bits,
            parity: self.parity,
            stop_bits: self.stop_bits,
        })
    }

    /// Appends what a program reads for `event` to `out`; returns whether it was a line
    /// error (framing, checked parity, break).
    pub fn deliver(&self, event: &PcEvent, out: &mut Vec<u8>) -> bool {
        match *event {
            PcEvent::Frame {
                data,
                parity_ok,
                stop_ok,
                ..
            } => {
                if stop_ok && (parity_ok || !self.check_parity) {
                    if data == 0xff && self.mark_errors {
                        out.extend([0xff, 0xff]);
                    } else {
                        out.push(data);
                    }
                    return false;
                }
                if !self.ignore_errors {
                    if self.mark_errors {
                        out.extend([0xff, 0x00, data]);
                    } else {
                        out.push(0);
                    }
                }
                true
            }
            PcEvent::Break { .. } => {
                if !self.ignore_breaks {
                    if self.mark_errors {
                        out.extend([0xff, 0x00, 0x00]);
                    } else {
                        out.push(0);
                    }
                }
                true
            }
        }
    }
}

fn get_termios2(fd: BorrowedFd<'_>) -> Result<libc::termios2> {
    // SAFETY: termios2 is plain data; all-zero is a valid value that TCGETS2 overwrites.
    let mut t: libc::termios2 = unsafe { std::mem::zeroed() };
    // SAFETY: TCGETS2 writes one termios2 through the pointer, which points at one.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TCGETS2, &mut t) };
    if rc != 0 {
        bail!(
            "cannot read the PTY's settings: {}",
            std::io::Error::last_os_error()
        );
    }
    Ok(t)
}

#[derive(Clone, Copy, Debug)]
enum RxState {
    Idle,
    /// Sampling bit `bit` of the frame that began at `start`; `bits` holds the samples.
    Frame {
        start: u64,
        bit: u32,
        bits: u16,
    },
    WaitHigh,
}

/// An ideal receiver at the PC's format, fed runs of constant line level.
pub struct PcReceiver {
    format: LineFormat,
    /// Clocks pushed so far (absolute: the board's cycle count).
    clock: u64,
    state: RxState,
}

impl PcReceiver {
    /// A receiver that starts at `clock`, waiting for the line to be high (so a frame
    /// already under way is not taken mid-way).
    pub fn new(format: LineFormat, clock: u64) -> Self {
        PcReceiver {
            format,
            clock,
            state: RxState::WaitHigh,
        }
    }

    /// The format it decodes.
    pub fn format(&self) -> LineFormat {
        self.format
    }

    /// Clocks pushed so far.
    pub fn clock(&self) -> u64 {
        self.clock
    }

    /// The line held `level` from the current clock up to (excluding) `until`.
    pub fn advance(&mut self, level: bool, until: u64, events: &mut Vec<PcEvent>) {
        let cpb = self.format.clocks_per_bit();
        // Start, data, parity, first stop bit.
        let through_stop = self.format.frame_bits() - self.format.stop_bits + 1;
        while self.clock < until {
            match self.state {
                RxState::Idle | RxState::WaitHigh if level => {
                    self.state = RxState::Idle;
                    self.clock = until;
                }
                RxState::WaitHigh => self.clock = until,
                RxState::Idle => {
                    self.state = RxState::Frame {
                        start: self.clock,
                        bit: 0,
                        bits: 0,
                    }
                }
                RxState::Frame { start, bit, bits } => {
                    let at = start + ((f64::from(bit) + 0.5) * cpb) as u64;
                    if at >= until {
                        self.clock = until;
                        continue;
                    }
                    self.clock = at + 1;
                    let bits = bits | (u16::from(level) << bit);
                    if bit == 0 && level {
                        // High again at the start bit's centre: a glitch, not a frame.
                        self.state = RxState::Idle;
                    } else if bit + 1 < through_stop {
                        self.state = RxState::Frame {
                            start,
                            bit: bit + 1,
                            bits,
                        };
                    } else {
                        events.push(self.decode(start, bits));
                        self.state = if level {
                            RxState::Idle
                        } else {
                            RxState::WaitHigh
                        };
                    }
                }
            }
        }
    }

    fn decode(&self, start: u64, bits: u16) -> PcEvent {
        let d = self.format.data_bits;
        let data = ((bits >> 1) & self.format.data_mask()) as u8;
        let parity_ok = match self.format.parity_bit(u16::from(data)) {
            None => true,
            Some(p) => (bits >> (1 + d)) & 1 == u16::from(p),
        };
        let stop_at = self.format.frame_bits() - self.format.stop_bits;
        let stop_ok = (bits >> stop_at) & 1 == 1;
        if bits == 0 {
            PcEvent::Break { start }
        } else {
            PcEvent::Frame {
                data,
                parity_ok,
                stop_ok,
                start,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(baud: f64) -> LineFormat {
        LineFormat {
            clock_hz: 1000.0,
            baud,
            data_bits: 8,
            parity: LineParity::None,
            stop_bits: 1,
        }
    }

    /// Line levels of one 8N1 frame at `cpb` clocks per bit, as runs.
    fn frame_runs(data: u8, cpb: u64) -> Vec<(bool, u64)> {
        let mut runs = vec![(false, cpb)];
        for i in 0..8 {
            runs.push((data >> i & 1 == 1, cpb));
        }
        runs.push((true, cpb));
        runs
    }

    fn feed(rx: &mut PcReceiver, runs: &[(bool, u64)]) -> Vec<PcEvent> {
        let mut events = Vec::new();
        let mut at = rx.clock();
        for &(level, n) in runs {
            at += n;
            rx.advance(level, at, &mut events);
        }
        events
    }

    #[test]
    fn receiver_decodes_frames_at_its_own_baud() {
        let mut rx = PcReceiver::new(format(100.0), 0);
        let mut runs = vec![(true, 5)];
        runs.extend(frame_runs(0xa5, 10));
        runs.extend(frame_runs(0x3c, 10));
        let events = feed(&mut rx, &runs);
        let data: Vec<(u8, bool)> = events
            .iter()
            .map(|e| match e {
                PcEvent::Frame { data, stop_ok, .. } => (*data, *stop_ok),
                PcEvent::Break { .. } => panic!("break"),
            })
            .collect();
        assert_eq!(data, vec![(0xa5, true), (0x3c, true)]);
        assert_eq!(events[0].start(), 5);
    }

    #[test]
    fn receiver_at_the_wrong_baud_reads_garbage_or_errors() {
        // The sender runs at 100 baud, the receiver at 50: every frame is misread.
        let mut rx = PcReceiver::new(format(50.0), 0);
        let mut runs = vec![(true, 5)];
        for b in [0x55u8, 0x0f, 0xf0, 0x81] {
            runs.extend(frame_runs(b, 10));
            runs.push((true, 40));
        }
        let events = feed(&mut rx, &runs);
        assert!(!events.is_empty());
        for e in &events {
            if let PcEvent::Frame {
                data,
                stop_ok: true,
                ..
            } = e
            {
                assert!(![0x55u8, 0x0f, 0xf0, 0x81].contains(data), "{events:?}");
            }
        }
    }

    #[test]
    fn a_long_low_is_a_break_and_line_errors_follow_termios() {
        let mut rx = PcReceiver::new(format(100.0), 0);
        let events = feed(&mut rx, &[(true, 3), (false, 150), (true, 30)]);
        assert_eq!(events, vec![PcEvent::Break { start: 3 }]);
        let mut f = PtyFormat {
            baud: 100,
            data_bits: 8,
            parity: LineParity::None,
            stop_bits: 1,
            ignore_errors: false,
            mark_errors: false,
            check_parity: false,
            ignore_breaks: false,
        };
        let bad = PcEvent::Frame {
            data: 0x41,
            parity_ok: true,
            stop_ok: false,
            start: 0,
        };
        let good_ff = PcEvent::Frame {
            data: 0xff,
            parity_ok: true,
            stop_ok: true,
            start: 0,
        };
        let mut out = Vec::new();
        assert!(f.deliver(&bad, &mut out));
        assert!(f.deliver(&events[0], &mut out));
        assert!(!f.deliver(&good_ff, &mut out));
        assert_eq!(out, vec![0, 0, 0xff]);
        f.mark_errors = true;
        out.clear();
        f.deliver(&bad, &mut out);
        f.deliver(&good_ff, &mut out);
        assert_eq!(out, vec![0xff, 0, 0x41, 0xff, 0xff]);
        f.ignore_errors = true;
        f.ignore_breaks = true;
        out.clear();
        assert!(f.deliver(&bad, &mut out));
        assert!(f.deliver(&events[0], &mut out));
        assert!(out.is_empty());
    }
}
