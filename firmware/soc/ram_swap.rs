//! A changed program needs no new place and route: the SoC's bitstream is placed and routed
//! once with its program RAM holding a fixed random placeholder, and each program is put into
//! that placed design with icestorm's `icebram` before `icepack`.
//!
//! Guarantees
//! - The bitstream's Verilog holds [`placeholder_words`], never the program, so it (and the
//!   hash of everything place and route depends on, `design_hash` with the feature `flow`:
//!   the yosys and nextpnr versions among them) stays the same when only the C changes. The virtual board's Verilog keeps the real program (`SocCore`).
//! - The placeholder is random (a fixed seed, so every build makes the same one) and each of
//!   its 256-word bit slices, the unit `icebram` finds in the placed design, is unique: the
//!   swap cannot take one slice for another (a unit test checks).
//! - The build folder keeps the placed design with the placeholder ([`PLACED_ASC`]), its
//!   report ([`PLACED_REPORT`]) and the hash of its inputs ([`PLACED_HASH`]). The hash is
//!   written last and removed first, so a hash that is there names a complete placement.
//!   yosys and nextpnr run again only when the hash differs or a file is missing; the
//!   report's notes (and the progress lines) say which path the build took.
//! - Every output is written under another name and renamed into place; `top.asc` and
//!   `top.bin` are removed before the swap, so a file that exists is from this run; each
//!   tool run is bounded and killed with its process group on expiry or interruption.

use super::RAM_WORDS;

/// The placed design with the placeholder RAM, kept for the next program change.
pub const PLACED_ASC: &str = "placed-placeholder.asc";
/// The report of the place-and-route run that made [`PLACED_ASC`].
pub const PLACED_REPORT: &str = "placed-report.json";
/// Hash of the inputs of [`PLACED_ASC`] (see `design_hash`, feature `flow`).
pub const PLACED_HASH: &str = "placed.hash";
/// The placeholder as `icebram` reads it (one 32-bit word per line, [`RAM_WORDS`] lines).
pub const PLACEHOLDER_HEX: &str = "placeholder.hex";
/// The program as `icebram` reads it (zeros after the image, as in the virtual board's RAM).
pub const PROGRAM_HEX: &str = "program.hex";
/// The program is compiled into this sub-folder of the build folder.
pub const PROGRAM_SUBDIR: &str = "program";

/// The placeholder RAM contents: [`RAM_WORDS`] pseudo-random words from a fixed seed
/// (xorshift64*), the same in every build so the design hash does not change.
pub fn placeholder_words() -> Vec<u32> {
    // Any fixed non-zero seed; this one spells "rust-hdl" in ASCII.
    let mut x: u64 = 0x7275_7374_2d68_646c;
    (0..RAM_WORDS)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32
        })
        .collect()
}

/// `words` as a hex file of [`RAM_WORDS`] lines, padded with zero words (`icebram`'s
/// from/to files must both have the memory's depth).
pub fn hex_text(words: &[u32]) -> String {
    let mut text = String::with_capacity(RAM_WORDS * 9);
    for i in 0..RAM_WORDS {
        text.push_str(&format!("{:08x}\n", words.get(i).copied().unwrap_or(0)));
    }
    text
}

/// 64-bit FNV-1a over length-prefixed parts (so moving a byte from one part to the next
/// changes the hash). It only decides whether a placement is reused: a change must change
/// it, and no adversary picks the inputs.
pub fn content_hash(parts: &[&[u8]]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for part in parts {
        eat(&(part.len() as u64).to_le_bytes());
        eat(part);
    }
    format!("fnv1a64:{h:016x}")
}

#[cfg(feature = "flow")]
pub use flow_part::*;

#[cfg(feature = "flow")]
mod flow_part {
    use super::*;
    use crate::flow::build::StepTime;
    use crate::flow::yowasp::ToolFlavour;
    use crate::flow::{self, BuildReport, BuildRequest, Target, Toolchain};
    use crate::outputs::write_atomic;
    use crate::tools::Step;
    use anyhow::{bail, Context, Result};
    use std::ffi::OsStr;
    use std::path::Path;
    use std::time::{Duration, Instant};

    /// Bound on `icebram` and `icepack` (each takes well under a second on the SoC).
    pub const SWAP_TIMEOUT: Duration = Duration::from_secs(120);

    /// Which way a build went.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum PlaceAndRoute {
        /// yosys and nextpnr ran (no placement kept, or its inputs changed).
        Ran,
        /// The kept placement was reused: only the program was compiled and swapped in.
        Reused,
    }

    /// The note a report carries for each path (tests look for these words).
    pub const NOTE_REUSED: &str = "place and route reused";
    /// See [`NOTE_REUSED`].
    pub const NOTE_RAN: &str = "placed and routed anew";

    /// Bound on one version query: a tool prints its version at once, but YoWASP's first
    /// call of a tool compiles it (about a minute on a loaded machine).
    pub const VERSION_TIMEOUT: Duration = Duration::from_secs(300);

    /// The tools whose output is the kept placement, with the argument that makes each print
    /// its version: their versions are part of [`design_hash`], so an upgrade places and
    /// routes again. (`icebram` and `icepack` run on every build, placement reused or not,
    /// so their versions cannot make a kept placement stale.)
    pub const PLACEMENT_TOOLS: &[(&str, &str)] = &[("yosys", "-V"), ("nextpnr-ice40", "--version")];

    /// The version lines of [`PLACEMENT_TOOLS`] as `tools` runs them (YoWASP's programs
    /// under `--toolchain yowasp`), one `tool: text` line each. Each run is bounded by
    /// `timeout` and logged in `dir` (`<tool>-version.log`); a tool that fails, hangs or
    /// prints nothing is an error naming it.
    pub fn tool_versions(tools: &Toolchain, dir: &Path, timeout: Duration) -> Result<String> {
        let mut lines = String::new();
        for (tool, flag) in PLACEMENT_TOOLS {
            let log = dir.join(format!("{tool}-version.log"));
            let step = Step::new(tool, &[OsStr::new(flag)], dir, &log, timeout).titled(format!(
                "{tool} {flag} (its version is part of the placement hash)"
            ));
            let run = tools.run(&step)?;
            let run = run.check().with_context(|| {
                format!(
                    "`{tool} {flag}` did not print its version; the SoC build needs it to \
                     know whether the kept placement was made by these tools (see {})",
                    log.display()
                )
            })?;
            // The runner heads the log with the command line ("$ cd ... && ..."): the
            // folder and path are not the version, so they stay out of the hash.
            let text = run.log_text()?;
            let version: Vec<&str> = text
                .lines()
                .filter(|l| !l.starts_with("$ "))
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            if version.is_empty() {
                bail!(
                    "`{tool} {flag}` printed no version (see {}); the SoC build puts it \
                     into the placement hash. Reinstall the tool (`make tools`)",
                    log.display()
                );
            }
            lines.push_str(&format!("{tool}: {}\n", version.join(" ")));
        }
        Ok(lines)
    }

    /// The hash of what the placement depends on: the Verilog (with the placeholder RAM),
    /// the pin file's text, top module, clock target, seeds, device, tool flavour and the
    /// placement tools' versions (`versions`, from [`tool_versions`]).
    pub fn design_hash(
        request: &BuildRequest,
        target: &Target,
        flavour: ToolFlavour,
        versions: &str,
    ) -> Result<String> {
        let pins = std::fs::read(&request.pcf)
            .with_context(|| format!("cannot read pin file {}", request.pcf.display()))?;
        let settings = format!(
            "top={} clock={} freq={} seeds={:?} device={} tools={:?}",
            request.top_module,
            request.clock_port,
            request.clock_mhz,
            request.seeds,
            target.device_name(),
            flavour
        );
        Ok(content_hash(&[
            request.verilog.as_bytes(),
            &pins,
            settings.as_bytes(),
            versions.as_bytes(),
        ]))
    }

    fn remove_if_present(path: &Path) -> Result<()> {
        match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => {
                Err(anyhow::Error::new(e)
                    .context(format!("cannot remove stale {}", path.display())))
            }
        }
    }

    fn nonempty(path: &Path) -> bool {
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > 0)
    }

    /// Copies `from` to `to` through a partial file and a rename.
    fn copy_atomic(from: &Path, to: &Path) -> Result<()> {
        let partial = to.with_extension("partial");
        std::fs::copy(from, &partial)
            .with_context(|| format!("cannot copy {} to {}", from.display(), partial.display()))?;
        std::fs::rename(&partial, to)
            .with_context(|| format!("cannot rename {} to {}", partial.display(), to.display()))
    }

    /// The kept placement's report, if the kept placement matches `hash`.
    fn reusable(dir: &Path, hash: &str) -> Option<BuildReport> {
        let stored = std::fs::read_to_string(dir.join(PLACED_HASH)).ok()?;
        if stored.trim() != hash || !nonempty(&dir.join(PLACED_ASC)) {
            return None;
        }
        let text = std::fs::read_to_string(dir.join(PLACED_REPORT)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Builds the SoC's bitstream for `request` (whose Verilog holds the placeholder RAM,
    /// see [`placeholder_words`]) running the program compiled with `defines`: places and
    /// routes only when [`design_hash`] differs from the kept placement's, then swaps the
    /// program into the placed design and packs it. Returns the report (also written to
    /// `report.json`) and the path taken.
    pub fn build_swapped(
        request: &BuildRequest,
        target: &Target,
        tools: &Toolchain,
        flavour: ToolFlavour,
        defines: &[&str],
    ) -> Result<(BuildReport, PlaceAndRoute)> {
        let started = Instant::now();
        std::fs::create_dir_all(&request.out_dir).with_context(|| {
            format!(
                "cannot create the build folder {}",
                request.out_dir.display()
            )
        })?;
        let dir = std::fs::canonicalize(&request.out_dir)
            .with_context(|| format!("cannot resolve {}", request.out_dir.display()))?;
        // Both tools first: a missing one is named before anything runs.
        for tool in ["icebram", "icepack"] {
            tools.locate(tool).with_context(|| {
                format!(
                    "{tool} is needed to put the SoC's program into its bitstream; install \
                     it with `sudo apt-get install -y fpga-icestorm` (or run `make tools`)"
                )
            })?;
        }
        // The C first: a compile error costs a second, not a place and route.
        let compiled = Instant::now();
        let program = super::super::program::build_program_defines(
            &dir.join(PROGRAM_SUBDIR),
            tools,
            defines,
        )?;
        let compile_seconds = compiled.elapsed().as_secs_f64();

        let versions = tool_versions(tools, &dir, VERSION_TIMEOUT)?;
        let hash = design_hash(request, target, flavour, &versions)?;
        let hash_file = dir.join(PLACED_HASH);
        let placed = dir.join(PLACED_ASC);
        let placed_report = dir.join(PLACED_REPORT);
        let (mut report, path, note) = match reusable(&dir, &hash) {
            Some(report) => (
                report,
                PlaceAndRoute::Reused,
                format!(
                    "{NOTE_REUSED}: the Verilog, settings and tool versions are unchanged \
                     ({hash}), so only the program was compiled and put into the kept \
                     placement ({PLACED_ASC}) with icebram"
                ),
            ),
            None => {
                let why = if hash_file.exists() {
                    "the Verilog, the settings or a tool's version changed"
                } else {
                    "no complete placement kept in the build folder"
                };
                tools
                    .progress
                    .say(&format!("SoC: {NOTE_RAN} ({why}): yosys and nextpnr run"));
                // Removed first: a hash that exists always describes the kept placement.
                for stale in [&hash_file, &placed, &placed_report] {
                    remove_if_present(stale)?;
                }
                let report = flow::build_bitstream_on(request, target, tools)?;
                copy_atomic(&report.outputs.asc, &placed)?;
                let json =
                    serde_json::to_string_pretty(&report).context("cannot serialise the report")?;
                write_atomic(&placed_report, &(json + "\n"))?;
                write_atomic(&hash_file, &format!("{hash}\n"))?;
                (
                    report,
                    PlaceAndRoute::Ran,
                    format!(
                        "{NOTE_RAN} ({why}); the placement with the placeholder RAM is kept \
                         as {PLACED_ASC}, so a change to the C alone reuses it"
                    ),
                )
            }
        };
        tools.progress.say(&format!("SoC: {note}"));

        // The swap: a file left from an earlier run must never pass for this one's.
        let asc = dir.join("top.asc");
        let bin = dir.join("top.bin");
        let report_path = dir.join("report.json");
        for stale in [&asc, &bin, &report_path] {
            remove_if_present(stale)?;
        }
        write_atomic(&dir.join(PLACEHOLDER_HEX), &hex_text(&placeholder_words()))?;
        write_atomic(&dir.join(PROGRAM_HEX), &hex_text(&program.words))?;
        let icebram = tools.locate("icebram")?;
        let asc_partial = dir.join("top.asc.partial");
        // icebram reads the design on stdin and writes it on stdout: a shell redirects
        // them (the runner sends a tool's output to its log), with every name an argument.
        let script = r#"exec "$0" "$1" "$2" < "$3" > "$4""#;
        let args: Vec<&OsStr> = vec![
            OsStr::new("-c"),
            OsStr::new(script),
            icebram.as_os_str(),
            OsStr::new(PLACEHOLDER_HEX),
            OsStr::new(PROGRAM_HEX),
            OsStr::new(PLACED_ASC),
            OsStr::new("top.asc.partial"),
        ];
        let step = Step::new("sh", &args, &dir, &dir.join("icebram.log"), SWAP_TIMEOUT)
            .titled("icebram (program into the placed design)");
        let swapped = Instant::now();
        let run = tools.run(&step)?;
        if !run.succeeded() {
            let _ = std::fs::remove_file(&asc_partial);
            return Err(run.failure().context(format!(
                "icebram did not find the placeholder RAM in {}: the kept placement is not \
                 this design's; delete {} to place and route again",
                placed.display(),
                hash_file.display()
            )));
        }
        if !nonempty(&asc_partial) {
            bail!("icebram wrote no design to {}", asc_partial.display());
        }
        std::fs::rename(&asc_partial, &asc)
            .with_context(|| format!("cannot rename to {}", asc.display()))?;
        let swap_seconds = swapped.elapsed().as_secs_f64();

        let packed = Instant::now();
        let step = Step::new(
            "icepack",
            &[OsStr::new("top.asc"), OsStr::new("top.bin.partial")],
            &dir,
            &dir.join("icepack.log"),
            SWAP_TIMEOUT,
        )
        .titled("icepack (with the program)");
        let bin_partial = dir.join("top.bin.partial");
        if let Err(e) = tools.run(&step).and_then(|run| run.check()) {
            let _ = std::fs::remove_file(&bin_partial);
            return Err(e);
        }
        if !nonempty(&bin_partial) {
            bail!("icepack wrote no bitstream to {}", bin_partial.display());
        }
        std::fs::rename(&bin_partial, &bin)
            .with_context(|| format!("cannot rename to {}", bin.display()))?;
        let pack_seconds = packed.elapsed().as_secs_f64();

        let steps = [
            ("program (riscv64-unknown-elf-gcc)", compile_seconds),
            ("icebram", swap_seconds),
            ("icepack (program)", pack_seconds),
        ];
        if path == PlaceAndRoute::Reused {
            // The kept report's times are the placement's; this run did only these.
            report.step_times.clear();
        }
        report
            .step_times
            .extend(steps.iter().map(|(step, seconds)| StepTime {
                step: step.to_string(),
                seconds: *seconds,
            }));
        report.total_seconds = started.elapsed().as_secs_f64();
        report.notes.push(note);
        let json = serde_json::to_string_pretty(&report).context("cannot serialise the report")?;
        write_atomic(&report_path, &(json + "\n"))?;
        Ok((report, path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// icebram matches 256-word bit slices: each must be unique, or one could be taken for
    /// another; an all-zero or all-one slice could match an unrelated RAM.
    #[test]
    fn the_placeholders_bit_slices_are_unique() {
        let words = placeholder_words();
        assert_eq!(words.len(), RAM_WORDS);
        let mut seen = HashSet::new();
        for chunk in words.chunks(256) {
            for bit in 0..32 {
                let slice: Vec<bool> = chunk.iter().map(|w| (w >> bit) & 1 == 1).collect();
                assert!(slice.iter().any(|b| *b) && slice.iter().any(|b| !*b));
                assert!(seen.insert(slice), "a repeated slice at bit {bit}");
            }
        }
        assert_eq!(placeholder_words(), words, "the placeholder must not vary");
    }

    #[test]
    fn hex_text_pads_to_the_rams_depth() {
        let text = hex_text(&[0xdead_beef, 1]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), RAM_WORDS);
        assert_eq!(&lines[..3], &["deadbeef", "00000001", "00000000"]);
    }

    /// A tool upgrade must place and route again: the versions are in the hash.
    #[cfg(feature = "flow")]
    #[test]
    fn the_placement_hash_changes_with_a_tools_version() {
        use crate::flow::yowasp::ToolFlavour;
        use crate::flow::{BuildRequest, Target};
        let dir = std::env::temp_dir().join(format!("ram-swap-hash-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pcf = dir.join("pins.pcf");
        std::fs::write(&pcf, "set_io clk P7\n").unwrap();
        let request = BuildRequest {
            top_module: "top".into(),
            verilog: "module top(input clk); endmodule\n".into(),
            pcf,
            out_dir: dir.join("build"),
            clock_port: "clk".into(),
            clock_mhz: 50.0,
            seeds: vec![1],
            nextpnr_timeout: std::time::Duration::from_secs(60),
        };
        let hash = |versions: &str| {
            design_hash(&request, &Target::cu(), ToolFlavour::Debian, versions).unwrap()
        };
        let old = "yosys: Yosys 0.23 (git sha1 7ce5011c24b)\nnextpnr-ice40: (Version 0.4-1+b1)\n";
        assert_eq!(hash(old), hash(old));
        assert_ne!(hash(old), hash(&old.replace("0.23", "0.24")));
        assert_ne!(hash(old), hash(&old.replace("0.4-1", "0.5-1")));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The versions come from the tools the build runs (here stand-ins printing on stdout
    /// and stderr), without the runner's command line; a tool that fails is named.
    #[cfg(feature = "flow")]
    #[test]
    fn tool_versions_come_from_the_tools_and_a_failing_one_is_named() {
        use crate::flow::Toolchain;
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("ram-swap-versions-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let script = |name: &str, body: &str| {
            let path = dir.join(name);
            std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            path
        };
        let yosys = script("fake-yosys", "[ \"$1\" = -V ] && echo 'Yosys 9.9 (fake)'");
        let nextpnr = script(
            "fake-nextpnr",
            "[ \"$1\" = --version ] && echo 'nextpnr-ice40 (Version 8.8)' >&2",
        );
        let broken = script("fake-broken", "exit 3");
        let tools = Toolchain::with_search_path("/nonexistent")
            .with_progress(crate::tools::Progress::Quiet)
            .with_override("yosys", &yosys)
            .with_override("nextpnr-ice40", &nextpnr);
        let versions = tool_versions(&tools, &dir, VERSION_TIMEOUT).unwrap();
        assert_eq!(
            versions,
            "yosys: Yosys 9.9 (fake)\nnextpnr-ice40: nextpnr-ice40 (Version 8.8)\n"
        );
        let tools = tools.with_override("nextpnr-ice40", &broken);
        let err = format!(
            "{:#}",
            tool_versions(&tools, &dir, VERSION_TIMEOUT).unwrap_err()
        );
        assert!(err.contains("`nextpnr-ice40 --version`"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_hash_sees_every_part_and_their_borders() {
        let h = content_hash(&[b"ab", b"c"]);
        assert_eq!(h, content_hash(&[b"ab", b"c"]));
        assert_ne!(h, content_hash(&[b"a", b"bc"]));
        assert_ne!(h, content_hash(&[b"ab", b"d"]));
    }
}
