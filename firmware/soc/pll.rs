//! The iCE40 PLL's settings for a wanted output clock (`SB_PLL40_CORE`, simple feedback),
//! found by the same search as icestorm's `icepll`.
//!
//! Limits (iCE40 sysCLOCK PLL, simple feedback): the phase detector runs at
//! `f_in / (DIVR + 1)` in 10 … 133 MHz, the VCO at that × `(DIVF + 1)` in 533 … 1066 MHz,
//! and the output is the VCO / 2^DIVQ with DIVQ 1 … 6. The loop filter range follows the
//! phase detector's frequency.

use anyhow::{bail, Result};

/// One PLL configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PllSettings {
    /// Input clock in Hz.
    pub input_hz: u64,
    /// Reference divider − 1 (0 … 15).
    pub divr: u8,
    /// Feedback divider − 1 (0 … 127).
    pub divf: u8,
    /// Output divider as a power of two (1 … 6).
    pub divq: u8,
    /// Loop filter range (1 … 6).
    pub filter_range: u8,
}

impl PllSettings {
    /// The phase detector's frequency.
    pub fn pfd_hz(&self) -> f64 {
        self.input_hz as f64 / (f64::from(self.divr) + 1.0)
    }

    /// The VCO's frequency.
    pub fn vco_hz(&self) -> f64 {
        self.pfd_hz() * (f64::from(self.divf) + 1.0)
    }

    /// The output frequency.
    pub fn output_hz(&self) -> f64 {
        self.vco_hz() / f64::from(1u32 << self.divq)
    }
}

/// The loop filter range for a phase detector frequency (icepll's table).
fn filter_range(pfd_mhz: f64) -> u8 {
    match pfd_mhz {
        f if f < 17.0 => 1,
        f if f < 26.0 => 2,
        f if f < 44.0 => 3,
        f if f < 66.0 => 4,
        f if f < 101.0 => 5,
        _ => 6,
    }
}

/// The settings whose output is closest to `output_hz` (the first found, in the order DIVR,
/// DIVF, DIVQ ascending, among equally close ones). `Err` when the input is outside the
/// PLL's range or no setting comes within 1 % of the wanted output.
pub fn pll_settings(input_hz: u64, output_hz: u64) -> Result<PllSettings> {
    let f_in = input_hz as f64 / 1e6;
    let f_out = output_hz as f64 / 1e6;
    if !(10.0..=133.0).contains(&f_in) {
        bail!("the iCE40 PLL takes 10 to 133 MHz, not {f_in} MHz");
    }
    if !(16.0..=275.0).contains(&f_out) {
        bail!("the iCE40 PLL makes 16 to 275 MHz, not {f_out} MHz");
    }
    let mut best: Option<(f64, PllSettings)> = None;
    for divr in 0u8..=15 {
        let pfd = f_in / (f64::from(divr) + 1.0);
        if !(10.0..=133.0).contains(&pfd) {
            continue;
        }
        for divf in 0u8..=127 {
            let vco = pfd * (f64::from(divf) + 1.0);
            if !(533.0..=1066.0).contains(&vco) {
                continue;
            }
            for divq in 1u8..=6 {
                let out = vco / f64::from(1u32 << divq);
                let error = (out - f_out).abs();
                if best.as_ref().is_none_or(|(e, _)| error < *e) {
                    best = Some((
                        error,
                        PllSettings {
                            input_hz,
                            divr,
                            divf,
                            divq,
                            filter_range: filter_range(pfd),
                        },
                    ));
                }
            }
        }
    }
    match best {
        Some((error, s)) if error <= f_out * 0.01 => Ok(s),
        _ => bail!("no iCE40 PLL setting makes {f_out} MHz from {f_in} MHz within 1 %"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_outputs_and_limits() {
        let s = pll_settings(100_000_000, 50_000_000).unwrap();
        assert_eq!((s.divr, s.divf, s.divq, s.filter_range), (0, 7, 4, 5));
        assert_eq!(s.output_hz(), 50e6);
        // Outputs the dividers reach exactly from 100 MHz.
        for mhz in [25u64, 40, 60, 75, 80] {
            let s = pll_settings(100_000_000, mhz * 1_000_000).unwrap();
            assert!(
                (s.output_hz() - mhz as f64 * 1e6).abs() < 1.0,
                "{mhz}: {s:?}"
            );
            assert!((533e6..=1066e6).contains(&s.vco_hz()), "{s:?}");
            assert!((10e6..=133e6).contains(&s.pfd_hz()), "{s:?}");
        }
        // 48 MHz is not reachable exactly (it needs a divide by 25): the nearest, within 1 %.
        let s = pll_settings(100_000_000, 48_000_000).unwrap();
        assert!((s.output_hz() - 48e6).abs() < 0.48e6, "{s:?}");
        assert!(s.output_hz() != 48e6, "{s:?}");
        assert!(pll_settings(100_000_000, 5_000_000).is_err());
        assert!(pll_settings(200_000_000, 50_000_000).is_err());
    }
}
