//! Writing a bitstream to the board's flash: `iceprog` for the iCE40 boards (the Alchitry
//! Cu, iCEBreaker, UPduino), `openFPGALoader` for the ULX3S and the Tang Nano 9K
//! ([`flash_openfpgaloader_with`]).
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

/// openFPGALoader writes a whole ECP5 / Gowin flash in well under a minute.
const OPENFPGALOADER_TIMEOUT: Duration = Duration::from_secs(3 * 60);

/// Writes `bitstream` to the flash of the board openFPGALoader knows as `board` (`-b ulx3s`,
/// `-b tangnano9k`) with `-f`, so the design survives a power cycle. The same checks and
/// advice as [`flash_with`]: no bitstream, no tool (Debian package `openfpgaloader`), no
/// board on USB, no permission; openFPGALoader's own output is always included and kept in
/// `openFPGALoader.log` beside the bitstream.
pub fn flash_openfpgaloader_with(bitstream: &Path, board: &str, tc: &Toolchain) -> Result<()> {
    let meta = match std::fs::metadata(bitstream) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "bitstream {} does not exist; run the build first",
            bitstream.display()
        ),
        Err(e) => return Err(anyhow!(e).context(format!("cannot read {}", bitstream.display()))),
    };
    if !meta.is_file() || meta.len() == 0 {
        bail!(
            "{} is not a usable bitstream (empty or not a file); run the build again",
            bitstream.display()
        );
    }
    tc.locate("openFPGALoader").map_err(|e| {
        anyhow!("{e:#} It comes with the Debian package `openfpgaloader`: sudo apt-get install -y openfpgaloader")
    })?;
    let bin = std::fs::canonicalize(bitstream)
        .with_context(|| format!("cannot resolve {}", bitstream.display()))?;
    let dir = bin
        .parent()
        .ok_or_else(|| anyhow!("{} has no parent directory", bin.display()))?;
    let log_path = dir.join("openFPGALoader.log");
    let step = Step::new(
        "openFPGALoader",
        &[
            "-b".as_ref(),
            board.as_ref(),
            "-f".as_ref(),
            bin.as_os_str(),
        ],
        dir,
        &log_path,
        OPENFPGALOADER_TIMEOUT,
    )
    .titled(format!("openFPGALoader -b {board} -f {}", bin.display()));
    let run = tc.run(&step)?;
    let output = run.log_text().unwrap_or_default();
    // openFPGALoader 0.10 exits with 1 on these, but an older one exited 0: trust the text.
    if let Some(advice) = diagnose_openfpgaloader(&output, board) {
        bail!(
            "{advice}\nopenFPGALoader said:\n{}\nfull log: {}",
            iceprog_output(&output),
            log_path.display()
        );
    }
    if run.succeeded() {
        return Ok(());
    }
    if run.status == StepStatus::TimedOut {
        return Err(run.failure().context(
            "openFPGALoader did not finish; unplug and replug the board, then try again",
        ));
    }
    Err(run.failure())
}

/// Advice for the failures whose cause openFPGALoader's text identifies.
fn diagnose_openfpgaloader(output: &str, board: &str) -> Option<String> {
    if output.contains("device not found") {
        return Some(format!(
            "no {board} board found on USB: plug it in (a charge-only cable shows no device); \
             `lsusb` should list its USB chip"
        ));
    }
    if output.contains("LIBUSB_ERROR_ACCESS")
        || output.contains("unable to open device")
        || output.contains("Permission denied")
    {
        return Some(format!(
            "the {board} board is on USB but this user may not open it: add a udev rule (Debian's \
             openfpgaloader ships /lib/udev/rules.d/99-openfpgaloader.rules; add yourself to the \
             plugdev group and replug) or run as root"
        ));
    }
    None
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
    fn openfpgaloader_messages() {
        // Real openFPGALoader 0.10 output with no board attached.
        let out = "write to flash\nunable to open ftdi device: -3 (device not found)\nJTAG init failed with: unable to open ftdi device\n";
        let advice = diagnose_openfpgaloader(out, "ulx3s").expect("diagnosed");
        assert!(advice.contains("no ulx3s board found on USB"), "{advice}");
        let perm = diagnose_openfpgaloader(
            "unable to open ftdi device: -4 (unable to open device)",
            "tangnano9k",
        )
        .expect("diagnosed");
        assert!(
            perm.contains("udev rule") && perm.contains("run as root"),
            "{perm}"
        );
        assert!(diagnose_openfpgaloader("Done\n", "ulx3s").is_none());
        let dir = crate::scratch::Scratch::new("flow-flash-ofl");
        let bit = dir.join("top.bit");
        std::fs::write(&bit, b"\xff\x00").expect("write");
        let tc = Toolchain::with_search_path(dir.as_os_str()).with_progress(Progress::Quiet);
        let msg = format!(
            "{:#}",
            flash_openfpgaloader_with(&bit, "ulx3s", &tc).expect_err("no tool")
        );
        assert!(msg.contains("apt-get install -y openfpgaloader"), "{msg}");
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
