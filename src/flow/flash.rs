//! Writing a bitstream to the Alchitry Cu's SPI flash with `iceprog`.
//!
//! The Cu's FT2232H (USB 0403:6010) exposes the flash on channel A, which is iceprog's
//! default device and interface, so a plain `iceprog top.bin` is right for this board.
//!
//! Guarantees, and why: every way this commonly goes wrong gets a message that says what
//! to do — no bitstream yet (run the build), no iceprog (install fpga-icestorm), no board
//! visible on USB (plug it in or fix permissions; iceprog only says "Can't find iCE FTDI
//! USB device", which is the same text for both) — and iceprog's own output is always
//! included. The run is bounded by a timeout so a wedged USB transfer cannot hang the
//! caller; its output is kept in `iceprog.log` next to the bitstream.

use super::tools::{Step, StepStatus, Toolchain};
use anyhow::{anyhow, bail, Context, Result};
use std::path::Path;
use std::time::Duration;

/// Erasing and writing a 1-2 MB region takes well under a minute on this board.
const ICEPROG_TIMEOUT: Duration = Duration::from_secs(3 * 60);

/// Flashes `bin` with the iceprog found on PATH.
pub fn flash(bin: &Path) -> Result<()> {
    flash_with(bin, &Toolchain::from_env())
}

/// Like [`flash`] with a given toolchain.
pub fn flash_with(bin: &Path, tc: &Toolchain) -> Result<()> {
    let meta = match std::fs::metadata(bin) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "bitstream {} does not exist; run the build first (it writes top.bin into its output \
             directory)",
            bin.display()
        ),
        Err(e) => return Err(anyhow!(e).context(format!("cannot read {}", bin.display()))),
    };
    if !meta.is_file() || meta.len() == 0 {
        bail!(
            "{} is not a usable bitstream (empty or not a file); run the build again",
            bin.display()
        );
    }
    // Fail on a missing tool before anything else is written.
    tc.locate("iceprog")?;
    let bin =
        std::fs::canonicalize(bin).with_context(|| format!("cannot resolve {}", bin.display()))?;
    let dir = bin
        .parent()
        .ok_or_else(|| anyhow!("{} has no parent directory", bin.display()))?;
    let log_path = dir.join("iceprog.log");
    let step = Step::new(
        "iceprog",
        &[bin.as_os_str()],
        dir,
        &log_path,
        ICEPROG_TIMEOUT,
    )
    .titled(format!("iceprog {}", bin.display()));
    let run = tc.run(&step)?;
    if run.succeeded() {
        return Ok(());
    }
    let output = run.log_text().unwrap_or_default();
    let shown = iceprog_output(&output);
    if let Some(advice) = diagnose(&output) {
        bail!(
            "{advice}\niceprog said:\n{shown}\nfull log: {}",
            log_path.display()
        );
    }
    if run.status == StepStatus::TimedOut {
        return Err(run
            .failure()
            .context("iceprog did not finish; unplug and replug the board, then try again"));
    }
    Err(run.failure())
}

/// Advice for the failures whose cause iceprog's text identifies.
fn diagnose(output: &str) -> Option<&'static str> {
    if output.contains("Can't find iCE FTDI USB device") {
        return Some(
            "no Alchitry Cu board found on USB (0403:6010); plug it in / check permissions (udev \
             rule or run as root) — fpga-icestorm ships /lib/udev/rules.d/40-fpga-icestorm.rules",
        );
    }
    if output.contains("iCE FTDI USB device") && output.contains("Failed") {
        return Some(
            "the Alchitry Cu was found on USB but iceprog could not drive its FTDI chip; close \
             other programs using the board (e.g. a serial terminal), replug it and try again",
        );
    }
    None
}

/// iceprog's own output, without the command line the log starts with.
fn iceprog_output(log: &str) -> String {
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| !l.starts_with("$ cd "))
        .filter(|l| !l.trim().is_empty())
        .collect();
    let start = lines.len().saturating_sub(30);
    lines[start..]
        .iter()
        .map(|l| format!("  | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::super::tools::Progress;
    use super::*;

    #[test]
    fn missing_file_says_build_first() {
        let msg = flash(Path::new("/nonexistent/dir/top.bin"))
            .expect_err("missing")
            .to_string();
        assert!(msg.contains("run the build first"), "{msg}");
    }

    #[test]
    fn missing_iceprog_names_the_package() {
        let dir = crate::scratch::Scratch::new("flow-flash");
        let bin = dir.join("top.bin");
        std::fs::write(&bin, b"\xff\x00\x00\xff").expect("write");
        let tc = Toolchain::with_search_path(dir.as_os_str()).with_progress(Progress::Quiet);
        let msg = flash_with(&bin, &tc).expect_err("no iceprog").to_string();
        assert!(
            msg.contains("sudo apt-get install -y fpga-icestorm"),
            "{msg}"
        );
        let empty = dir.join("empty.bin");
        std::fs::write(&empty, b"").expect("write");
        let msg = flash_with(&empty, &tc).expect_err("empty").to_string();
        assert!(msg.contains("not a usable bitstream"), "{msg}");
    }

    #[test]
    fn no_board_message() {
        // Real iceprog output with no FTDI device attached.
        let out = "init..\nCan't find iCE FTDI USB device (vendor_id 0x0403, device_id 0x6010 or 0x6014).\nABORT.\n";
        let advice = diagnose(out).expect("diagnosed");
        assert!(advice.contains("no Alchitry Cu board found on USB (0403:6010)"));
        assert!(diagnose("flash ID: 0xEF 0x40 0x16 0x00\nVERIFY OK\n").is_none());
        assert_eq!(
            iceprog_output("$ cd /x && iceprog a.bin\ninit..\n"),
            "  | init.."
        );
    }
}
