//! UART configuration: what the user asks for, checked, and turned into the constants the
//! hardware blocks are built from.
//!
//! Configuration flows one way: `UartConfig` (serde, TOML, CLI flags) → `validate()` →
//! `Timing` (every derived constant) → `new()` of the blocks. The blocks never recompute.
//!
//! Baud timing is a phase accumulator, not an integer divider: an integer divider at
//! 100 MHz is 4.17 % off at 1 Mbaud × 16 (6.25 clocks per sample), which eats nearly the
//! whole ±4.6 % budget of an oversampling receiver. The accumulator is 31 fraction bits
//! wide in the RTL, but the increment is rounded to only as many fraction bits as are
//! needed to hit `TARGET_PPM`; the unused low bits then stay constant zero and yosys
//! removes them, so slow rates do not pay for precision they don't need.

#[cfg(feature = "config-file")]
use anyhow::Context;
use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
#[cfg(feature = "config-file")]
use std::path::Path;

/// Baud accuracy the accumulators are sized for: 0.01 %, 1/500 of the receiver's ±5 %
/// window and the order of a board's crystal (±50 ppm), so the core's rounding never
/// matters next to the sender's error. (20 ppm costs 15 more cells in `uart`.)
pub const TARGET_PPM: f64 = 100.0;
/// Beyond this the asked-for baud is refused: 0.1 % is 1/40 of the receiver's tolerance.
pub const MAX_BAUD_ERROR_PPM: f64 = 1000.0;
/// Fraction bits of the phase accumulator register (bit 31 is the overflow that ticks).
pub const PHASE_FRACTION_BITS: u32 = 31;
/// Fraction bits of the `increment` port of the run-time configurable exports
/// (`uart_rx_cfg`, `uart_tx_cfg`, `uart_cfg`): increment = round(baud × oversample ×
/// 2^20 / clock_hz). 20 bits keep the baud within 0.1 % for any sample rate above
/// clock_hz / 2^20 × 500 (47.7 kHz at 100 MHz: 2 980 baud at 16x), and within 20 ppm at
/// 115200 × 16 from 100 MHz.
pub const CFG_INCREMENT_FRACTION_BITS: u32 = 20;
/// Width of that port: the increment reaches 2^20 when the sample rate equals the clock.
pub const CFG_INCREMENT_BITS: usize = CFG_INCREMENT_FRACTION_BITS as usize + 1;

/// The parity bit of a frame. Written in TOML and on the command line as `none`, `even`,
/// `odd`, `mark` or `space`, in any case, or by its first letter (`"E"`, `"o"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", try_from = "String")]
pub enum Parity {
    /// No parity bit.
    None,
    /// The data bits and the parity bit hold an even number of ones.
    Even,
    /// The data bits and the parity bit hold an odd number of ones.
    Odd,
    /// Parity bit always 1.
    Mark,
    /// Parity bit always 0.
    Space,
}

/// TOML reads parity through the same words and letters as the command line.
impl TryFrom<String> for Parity {
    type Error = anyhow::Error;
    fn try_from(word: String) -> Result<Self> {
        word.parse()
    }
}

impl Parity {
    /// Every parity, in the order of the documentation.
    pub const ALL: [Parity; 5] = [
        Parity::None,
        Parity::Even,
        Parity::Odd,
        Parity::Mark,
        Parity::Space,
    ];

    /// The code the run-time configurable cores take on their `parity` port (and the
    /// peripheral's registers): 0 none, 1 even, 2 odd, 3 mark, 4 space.
    pub fn code(self) -> u8 {
        match self {
            Parity::None => 0,
            Parity::Even => 1,
            Parity::Odd => 2,
            Parity::Mark => 3,
            Parity::Space => 4,
        }
    }

    /// The parity mode for a `parity` port code; codes 5 to 7 are not defined.
    pub fn from_code(code: u8) -> Option<Parity> {
        Parity::ALL.into_iter().find(|p| p.code() == code)
    }

    /// Whether a parity bit is sent at all.
    pub fn enabled(self) -> bool {
        self != Parity::None
    }

    /// Even and odd parity sum the data bits; mark and space send a constant.
    pub fn covers_data(self) -> bool {
        matches!(self, Parity::Even | Parity::Odd)
    }

    /// The parity bit of an all-zero byte: the start value of the running sum.
    pub fn seed(self) -> bool {
        matches!(self, Parity::Odd | Parity::Mark)
    }

    /// The letter of the usual short form (`N` in "8N1").
    pub fn letter(self) -> char {
        match self {
            Parity::None => 'N',
            Parity::Even => 'E',
            Parity::Odd => 'O',
            Parity::Mark => 'M',
            Parity::Space => 'S',
        }
    }
}

impl std::str::FromStr for Parity {
    type Err = anyhow::Error;
    fn from_str(word: &str) -> Result<Self> {
        match word.to_ascii_lowercase().as_str() {
            "none" | "n" => Ok(Parity::None),
            "even" | "e" => Ok(Parity::Even),
            "odd" | "o" => Ok(Parity::Odd),
            "mark" | "m" => Ok(Parity::Mark),
            "space" | "s" => Ok(Parity::Space),
            _ => bail!("parity: unknown value '{word}'; use one of none, even, odd, mark, space"),
        }
    }
}

impl fmt::Display for Parity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = match self {
            Parity::None => "none",
            Parity::Even => "even",
            Parity::Odd => "odd",
            Parity::Mark => "mark",
            Parity::Space => "space",
        };
        f.write_str(word)
    }
}

/// What the user asks for. Field names are the TOML keys and the CLI flags.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UartConfig {
    /// Frequency of the clock the core runs on.
    pub clock_hz: u64,
    /// Bits per second on the line.
    pub baud: u64,
    /// 5 to 9.
    pub data_bits: u32,
    /// The parity bit, if any.
    pub parity: Parity,
    /// 1 or 2.
    pub stop_bits: u32,
    /// Receiver samples per bit: 16, 8 or 4. Fewer allows higher baud for a given clock.
    pub oversample: u32,
}

impl Default for UartConfig {
    fn default() -> Self {
        Self {
            clock_hz: 100_000_000,
            baud: 115_200,
            data_bits: 8,
            parity: Parity::None,
            stop_bits: 1,
            oversample: 16,
        }
    }
}

/// A phase-accumulator rate: ticks at `clock_hz * increment / 2^31` per second.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PhaseRate {
    /// Added to the 31-bit phase every clock; the overflow is the tick.
    pub increment: u32,
    /// Fraction bits actually used; the low `31 - fraction_bits` bits of `increment` are 0.
    pub fraction_bits: u32,
    /// Rate actually produced, in Hz.
    pub real_hz: f64,
    /// (real - asked) / asked, in ppm.
    pub error_ppm: f64,
}

impl PhaseRate {
    /// The narrowest accumulator that produces `rate_hz` from `clock_hz` within TARGET_PPM
    /// (or the full width, if even that does not).
    fn for_rate(clock_hz: u64, rate_hz: f64) -> PhaseRate {
        let ratio = rate_hz / clock_hz as f64;
        let mut best = None;
        for fraction_bits in 1..=PHASE_FRACTION_BITS {
            let scaled = (ratio * (1u64 << fraction_bits) as f64).round() as u64;
            if scaled == 0 {
                continue;
            }
            let increment = scaled << (PHASE_FRACTION_BITS - fraction_bits);
            if increment > 1u64 << PHASE_FRACTION_BITS {
                continue;
            }
            let real_hz = clock_hz as f64 * increment as f64 / (1u64 << PHASE_FRACTION_BITS) as f64;
            let error_ppm = (real_hz - rate_hz) / rate_hz * 1e6;
            let rate = PhaseRate {
                increment: increment as u32,
                fraction_bits,
                real_hz,
                error_ppm,
            };
            best = Some(rate);
            if error_ppm.abs() <= TARGET_PPM {
                break;
            }
        }
        best.unwrap_or(PhaseRate {
            increment: 0,
            fraction_bits: PHASE_FRACTION_BITS,
            real_hz: 0.0,
            error_ppm: -1e6,
        })
    }
}

impl PhaseRate {
    /// The phase this accumulator reaches after `clocks`, capped below the tick bit and
    /// kept on the increment's grid, so the trimmed low bits really stay zero.
    pub fn phase_after(&self, clocks: f64) -> u32 {
        let top = (1u64 << PHASE_FRACTION_BITS) - 1;
        let phase = (clocks * self.increment as f64).min(top as f64) as u64;
        let grid = 1u64 << (PHASE_FRACTION_BITS - self.fraction_bits);
        (phase / grid * grid) as u32
    }
}

/// Every constant the blocks need, derived once from a validated configuration.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Timing {
    /// The configuration it was derived from.
    pub config: UartConfig,
    /// Receiver sample tick (baud × oversample).
    pub sample: PhaseRate,
    /// Transmitter bit tick (baud). In the run-time configurable cores both come from one
    /// `increment` port: the transmitter's is the same number scaled by 1/oversample.
    pub bit: PhaseRate,
    /// Clocks between two receiver samples, on average.
    pub clocks_per_sample: f64,
    /// Clocks in one transmitted bit, on average.
    pub clocks_per_bit: f64,
    /// Real baud of the receiver's sampling.
    pub rx_baud: f64,
    /// Error of [`Timing::rx_baud`] against the asked baud, in ppm.
    pub rx_error_ppm: f64,
    /// Real baud of the transmitter.
    pub tx_baud: f64,
    /// Error of [`Timing::tx_baud`] against the asked baud, in ppm.
    pub tx_error_ppm: f64,
    /// Phase loaded into the receiver's accumulator when it sees a start edge: it makes up
    /// for the clocks the edge spent in the synchroniser and edge detector, so the samples
    /// sit where the sender's bits really are (this matters at a few clocks per sample).
    pub rx_restart_phase: u32,
    /// Phase loaded into the transmitter's accumulator when it starts from idle: centres
    /// the rounding of each bit edge (the tick and the output register each add a clock).
    pub tx_restart_phase: u32,
    /// The value for the `increment` port of the run-time configurable exports (see
    /// [`cfg_increment`]): this configuration's baud × oversample in 2^-20 of the clock.
    pub cfg_increment: u32,
}

/// The `increment` port value of the run-time configurable cores for a sample rate of
/// `baud × oversample` from `clock_hz`: round(baud × oversample × 2^20 / clock_hz).
/// Software on a soft CPU computes the same: `(baud * oversample << 20) + clock_hz / 2) /
/// clock_hz` in 64-bit integers. Fails when the rate is above the clock or rounds to zero.
pub fn cfg_increment(clock_hz: u64, baud: u64, oversample: u32) -> Result<u32> {
    if clock_hz == 0 || baud == 0 {
        bail!("cfg_increment: clock_hz and baud must be above 0");
    }
    let sample_hz = baud as u128 * oversample as u128;
    let increment =
        ((sample_hz << CFG_INCREMENT_FRACTION_BITS) + clock_hz as u128 / 2) / clock_hz as u128;
    if increment == 0 || increment > 1 << CFG_INCREMENT_FRACTION_BITS {
        bail!(
            "cfg_increment: a {sample_hz} Hz sample tick cannot be made from clock_hz = \
             {clock_hz} (increment {increment} outside 1..=2^20)"
        );
    }
    Ok(increment as u32)
}

/// The real baud a run-time configurable core produces for an `increment` port value.
pub fn cfg_baud(clock_hz: u64, increment: u32, oversample: u32) -> f64 {
    clock_hz as f64 * increment as f64
        / (1u64 << CFG_INCREMENT_FRACTION_BITS) as f64
        / oversample as f64
}

/// Clocks between the line falling and the receiver restarting its phase, plus the
/// clocks a sample takes to reach the vote: 2 synchroniser stages, the edge register, and
/// on average half a clock for where the edge fell between clock edges. See rx.rs.
pub const RX_EDGE_LATENCY_CLOCKS: f64 = 1.5;
/// The transmitter's tick is registered and so is its output: 2 clocks between a phase
/// overflow and the line changing, less half a clock to centre the rounding.
pub const TX_START_LATENCY_CLOCKS: f64 = 1.5;

impl UartConfig {
    /// Reads a configuration from TOML text; keys left out keep their defaults, an unknown
    /// key is an error listing the valid ones. `origin` (a file name) heads every error.
    /// Not validated: call [`UartConfig::validate`].
    ///
    /// ```
    /// use rust_hdl_uart::{Parity, UartConfig};
    /// let c = UartConfig::from_toml_str("baud = 9600\nparity = \"E\"\n", "my.toml")?;
    /// assert_eq!((c.baud, c.parity), (9600, Parity::Even));
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    #[cfg(feature = "config-file")]
    pub fn from_toml_str(text: &str, origin: &str) -> Result<UartConfig> {
        toml::from_str(text)
            .map_err(|err| anyhow::anyhow!("{origin}: {}", err.to_string().trim_end()))
    }

    /// Reads a configuration from a TOML file (see [`UartConfig::from_toml_str`]).
    #[cfg(feature = "config-file")]
    pub fn from_toml_file(path: &Path) -> Result<UartConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        Self::from_toml_str(&text, &path.display().to_string())
    }

    /// Checks every field; the error names the field, the bad value and what would work.
    ///
    /// ```
    /// use rust_hdl_uart::UartConfig;
    /// let err = UartConfig { data_bits: 10, ..UartConfig::default() }.validate().unwrap_err();
    /// assert!(err.to_string().contains("use a value from 5 to 9"));
    /// ```
    pub fn validate(&self) -> Result<Timing> {
        if !(5..=9).contains(&self.data_bits) {
            bail!(
                "data_bits = {}: a UART frame carries 5 to 9 data bits; use a value from 5 to 9",
                self.data_bits
            );
        }
        if self.stop_bits != 1 && self.stop_bits != 2 {
            bail!("stop_bits = {}: use 1 or 2", self.stop_bits);
        }
        if ![4, 8, 16].contains(&self.oversample) {
            bail!(
                "oversample = {}: the receiver samples 4, 8 or 16 times per bit; use one of those",
                self.oversample
            );
        }
        if self.clock_hz == 0 {
            bail!("clock_hz = 0: give the frequency of the clock the core runs on, e.g. 100000000");
        }
        if self.baud == 0 {
            bail!("baud = 0: give a baud rate, e.g. 115200");
        }
        let sample_hz = self.baud as f64 * self.oversample as f64;
        if sample_hz > self.clock_hz as f64 {
            let max_baud = self.clock_hz / self.oversample as u64;
            let needed = format!("clock_hz >= {:.0}", sample_hz.ceil());
            // A clock slower than the oversample rate allows no baud at all: "baud <= 0"
            // is no fix, so only the clock is named then.
            let mut fix = if max_baud == 0 {
                format!(
                    "the clock is too slow for any baud at oversample = {}: use {needed}",
                    self.oversample
                )
            } else {
                format!("use baud <= {max_baud} or {needed}")
            };
            if self.oversample > 4 && max_baud > 0 {
                fix.push_str(&format!(
                    ", or a lower oversample (oversample = {} allows baud <= {})",
                    self.oversample / 2,
                    self.clock_hz / (self.oversample as u64 / 2)
                ));
            }
            bail!(
                "baud = {} with oversample = {} needs a {:.0} Hz sample tick, above clock_hz = {}: {fix}",
                self.baud,
                self.oversample,
                sample_hz,
                self.clock_hz
            );
        }
        let sample = PhaseRate::for_rate(self.clock_hz, sample_hz);
        let bit = PhaseRate::for_rate(self.clock_hz, self.baud as f64);
        for (what, rate) in [
            ("receiver sample tick", sample),
            ("transmitter bit tick", bit),
        ] {
            if rate.error_ppm.abs() > MAX_BAUD_ERROR_PPM {
                bail!(
                    "baud = {}: the {what} can only reach {:.3} Hz from clock_hz = {} \
                     ({:+.0} ppm, more than the 0.1 % allowed); use a higher baud or a slower clock",
                    self.baud,
                    rate.real_hz,
                    self.clock_hz,
                    rate.error_ppm
                );
            }
        }
        let clocks_per_sample = self.clock_hz as f64 / sample.real_hz;
        Ok(Timing {
            config: *self,
            sample,
            bit,

            clocks_per_sample,
            clocks_per_bit: self.clock_hz as f64 / bit.real_hz,
            rx_baud: sample.real_hz / self.oversample as f64,
            rx_error_ppm: sample.error_ppm,
            tx_baud: bit.real_hz,
            tx_error_ppm: bit.error_ppm,
            rx_restart_phase: sample.phase_after(RX_EDGE_LATENCY_CLOCKS),
            tx_restart_phase: bit.phase_after(TX_START_LATENCY_CLOCKS),
            cfg_increment: cfg_increment(self.clock_hz, self.baud, self.oversample)?,
        })
    }

    /// "115200 8N1, 16x" style short name.
    pub fn short_name(&self) -> String {
        format!(
            "{} {}{}{}, {}x",
            self.baud,
            self.data_bits,
            self.parity.letter(),
            self.stop_bits,
            self.oversample
        )
    }

    /// Frame length in bits: start + data + parity + stop.
    pub fn frame_bits(&self) -> u32 {
        1 + self.data_bits + u32::from(self.parity != Parity::None) + self.stop_bits
    }
}

impl fmt::Display for Timing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        writeln!(f, "UART {}", c.short_name())?;
        writeln!(f, "  clock            {} Hz", c.clock_hz)?;
        writeln!(
            f,
            "  frame            1 start, {} data, parity {}, {} stop ({} bits)",
            c.data_bits,
            c.parity,
            c.stop_bits,
            c.frame_bits()
        )?;
        writeln!(
            f,
            "  transmitter      {:.3} baud ({:+.2} ppm), {:.4} clocks per bit, {}-bit phase",
            self.tx_baud, self.tx_error_ppm, self.clocks_per_bit, self.bit.fraction_bits
        )?;
        writeln!(
            f,
            "  receiver         {:.3} baud ({:+.2} ppm), {} samples per bit, {:.4} clocks per sample, {}-bit phase",
            self.rx_baud,
            self.rx_error_ppm,
            c.oversample,
            self.clocks_per_sample,
            self.sample.fraction_bits
        )?;
        writeln!(
            f,
            "  cfg increment    {} (the *_cfg exports' increment port: round(baud × {} × 2^20 / clock_hz))",
            self.cfg_increment, c.oversample
        )?;
        let window = tolerance_window(c.data_bits + u32::from(c.parity != Parity::None));
        write!(
            f,
            "  rx tolerance     sender may be {:+.1} % / {:+.1} % off (centre sampling, theory)",
            window.0 * 100.0,
            window.1 * 100.0
        )
    }
}

/// Theoretical clock-mismatch window of the receiver for `bits_before_stop` data+parity
/// bits: the stop bit's centre sample must still fall inside the stop bit. The start
/// edge is found to within a clock (the phase restarts on it), so edge uncertainty is ~0.
/// Returns (most fast, most slow) as fractions, positive = sender fast.
pub fn tolerance_window(bits_before_stop: u32) -> (f64, f64) {
    let centre = 0.5;
    let span = bits_before_stop as f64 + 1.0 + centre;
    (centre / span, -centre / span)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(clock_hz: u64, baud: u64, oversample: u32) -> UartConfig {
        UartConfig {
            clock_hz,
            baud,
            oversample,
            ..UartConfig::default()
        }
    }

    #[test]
    fn every_standard_rate_within_100_ppm() {
        let rates = [
            9600u64, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 1_000_000, 2_000_000,
            3_000_000, 4_000_000, 6_000_000, 8_000_000, 12_000_000,
        ];
        let mut checked = 0;
        for clock in [100_000_000u64, 12_000_000] {
            for oversample in [4u32, 8, 16] {
                for &baud in &rates {
                    if baud * oversample as u64 > clock {
                        continue;
                    }
                    let t = cfg(clock, baud, oversample).validate().unwrap();
                    // Independent check of the real rates from the raw increments.
                    let rx = clock as f64 * t.sample.increment as f64
                        / 2f64.powi(31)
                        / oversample as f64;
                    let tx = clock as f64 * t.bit.increment as f64 / 2f64.powi(31);
                    for real in [rx, tx] {
                        let ppm = (real - baud as f64) / baud as f64 * 1e6;
                        assert!(
                            ppm.abs() <= 100.0,
                            "{clock} {baud} {oversample}x: {ppm} ppm"
                        );
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 50);
    }

    #[test]
    fn integer_divider_would_fail_where_we_do_not() {
        // 1 Mbaud x16 from 100 MHz: 6.25 clocks per sample.
        let t = cfg(100_000_000, 1_000_000, 16).validate().unwrap();
        assert!((t.clocks_per_sample - 6.25).abs() < 1e-3);
        assert!(t.rx_error_ppm.abs() < 100.0);
    }

    #[test]
    fn low_bits_of_increment_are_zero() {
        let t = cfg(100_000_000, 115_200, 16).validate().unwrap();
        let unused = PHASE_FRACTION_BITS - t.sample.fraction_bits;
        assert!(unused > 0);
        assert_eq!(t.sample.increment & ((1 << unused) - 1), 0);
        assert_eq!(t.rx_restart_phase & ((1 << unused) - 1), 0);
    }

    #[test]
    fn errors_name_field_value_and_fix() {
        let bad = |c: UartConfig, words: &[&str]| {
            let msg = c.validate().unwrap_err().to_string();
            for w in words {
                assert!(msg.contains(w), "'{msg}' lacks '{w}'");
            }
        };
        let d = UartConfig::default();
        bad(
            UartConfig { data_bits: 10, ..d },
            &["data_bits", "10", "5 to 9"],
        );
        bad(
            UartConfig { stop_bits: 3, ..d },
            &["stop_bits", "3", "1 or 2"],
        );
        bad(
            UartConfig {
                oversample: 12,
                ..d
            },
            &["oversample", "12", "4, 8 or 16"],
        );
        bad(
            UartConfig {
                baud: 12_000_000,
                ..d
            },
            &[
                "baud",
                "12000000",
                "oversample = 16",
                "baud <= 6250000",
                "oversample = 8",
            ],
        );
        bad(
            UartConfig {
                baud: 1,
                oversample: 4,
                ..d
            },
            &["baud = 1", "0.1 %"],
        );
        let msg = "parity"
            .parse::<Parity>()
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(msg.contains("parity") && msg.contains("even"));
        let msg = "bogus".parse::<Parity>().unwrap_err().to_string();
        assert!(msg.contains("'bogus'") && msg.contains("none, even, odd, mark, space"));
    }

    #[cfg(feature = "config-file")]
    #[test]
    fn toml_loading_and_typos() {
        let c = UartConfig::from_toml_str("baud = 1000000\nparity = \"odd\"\n", "t.toml").unwrap();
        assert_eq!(c.baud, 1_000_000);
        assert_eq!(c.parity, Parity::Odd);
        assert_eq!(c.clock_hz, 100_000_000);
        let e = UartConfig::from_toml_str("baud_rate = 9600\n", "t.toml").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("baud_rate") && msg.contains("t.toml"), "{msg}");
        let e = UartConfig::from_toml_str("parity = \"evn\"\n", "t.toml").unwrap_err();
        assert!(e.to_string().contains("evn"), "{e}");
        assert!(e.to_string().contains("none, even, odd"), "{e}");
        // The same words and letters as the command line's --parity, in any case.
        for (word, parity) in [
            ("EVEN", Parity::Even),
            ("e", Parity::Even),
            ("Odd", Parity::Odd),
            ("M", Parity::Mark),
            ("space", Parity::Space),
            ("N", Parity::None),
        ] {
            let c = UartConfig::from_toml_str(&format!("parity = \"{word}\"\n"), "t.toml")
                .unwrap_or_else(|e| panic!("{word}: {e}"));
            assert_eq!(c.parity, parity, "{word}");
        }
        // Written back in the lower-case word, which reads again.
        let text = toml::to_string(&UartConfig {
            parity: Parity::Mark,
            ..UartConfig::default()
        })
        .unwrap();
        assert!(text.contains("parity = \"mark\""), "{text}");
        assert_eq!(
            UartConfig::from_toml_str(&text, "t.toml").unwrap().parity,
            Parity::Mark
        );
    }

    #[test]
    fn tolerance_window_matches_notes() {
        let (fast, slow) = tolerance_window(8);
        assert!((fast - 0.0526).abs() < 1e-3 && (slow + 0.0526).abs() < 1e-3);
    }
}
