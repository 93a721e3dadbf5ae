//! The SoC's program: the C monitor and driver in `sw/`, compiled for PicoRV32 (RV32I) with
//! Debian's `gcc-riscv64-unknown-elf`, as the words the block RAM is preloaded with.
//!
//! Guarantees
//! - The compiler runs with `-Wall -Wextra -Werror`: a warning fails the build.
//! - The outputs (`monitor.elf`, `monitor.bin`) are written under new names and renamed into
//!   place, so a file that exists is a complete one; each tool run is bounded by
//!   [`COMPILE_TIMEOUT`] and killed (with its children) past it.
//! - A missing compiler is an error naming the Debian package.

use super::RAM_BYTES;
use crate::tools::{Progress, Step, Toolchain};
use anyhow::{bail, Context, Result};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Bound on one compiler or objcopy run (a hang guard: the program compiles in a second).
pub const COMPILE_TIMEOUT: Duration = Duration::from_secs(120);
/// The cross compiler (Debian package `gcc-riscv64-unknown-elf`; multilib rv32i/ilp32).
pub const CC: &str = "riscv64-unknown-elf-gcc";
/// Its objcopy (Debian package `binutils-riscv64-unknown-elf`, pulled in by the compiler).
pub const OBJCOPY: &str = "riscv64-unknown-elf-objcopy";
/// The C sources, relative to the `sw/` folder, in link order.
pub const SOURCES: &[&str] = &["start.S", "uart/uart.c", "monitor/monitor.c"];
/// Compiler flags, and why: RV32I without the C library (the driver is freestanding);
/// `-Os` (the RAM is 8 KiB); no linker relaxation, so `gp` is never used as a base register
/// (PicoRV32 without q registers puts the interrupt return address in it).
pub const CFLAGS: &[&str] = &[
    "-march=rv32i",
    "-mabi=ilp32",
    "-Os",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-ffreestanding",
    "-nostdlib",
    "-ffunction-sections",
    "-Wl,--gc-sections",
    "-Wl,--no-relax",
    "-Wl,--no-warn-rwx-segments",
];

/// A compiled program.
#[derive(Clone, Debug)]
pub struct Program {
    /// The RAM image from address 0, as little-endian 32-bit words.
    pub words: Vec<u32>,
    /// The linked ELF file (symbols for debugging).
    pub elf: PathBuf,
    /// The raw image (`objcopy -O binary`).
    pub bin: PathBuf,
}

/// The `sw/` folder: next to the crate's sources (known at compile time), else under the
/// current folder.
pub fn sw_dir() -> Result<PathBuf> {
    let mut looked = Vec::new();
    let mut candidates = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("sw")];
    if let Ok(cwd) = std::env::current_dir() {
        candidates.push(cwd.join("sw"));
    }
    for dir in candidates {
        if dir.join("monitor").join("monitor.c").is_file() {
            return Ok(dir);
        }
        looked.push(dir.display().to_string());
    }
    bail!(
        "the SoC program's sources (sw/monitor/monitor.c) were not found in {}; run from \
         the repository root",
        looked.join(" or ")
    )
}

/// Runs a tool through the project's runner (bounded, killed with its children on expiry,
/// output to `log`).
fn run(tools: &Toolchain, tool: &str, args: &[String], cwd: &Path, log: &Path) -> Result<()> {
    tools.locate(tool).with_context(|| {
        format!(
            "{tool} not found: the SoC's program is compiled with Debian's RISC-V compiler; \
             install it with `sudo apt-get install -y gcc-riscv64-unknown-elf` (or run \
             `make tools`)"
        )
    })?;
    let os_args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    let step = Step::new(tool, &os_args, cwd, log, COMPILE_TIMEOUT);
    tools.run(&step)?.check()?;
    Ok(())
}

/// Compiles the monitor into `out_dir` (created if needed) and returns its RAM image.
pub fn build_program(out_dir: &Path) -> Result<Program> {
    build_program_with(
        out_dir,
        &Toolchain::from_env().with_progress(Progress::Quiet),
    )
}

/// Like [`build_program`] with a given toolchain (tests inject a missing tool).
pub fn build_program_with(out_dir: &Path, tools: &Toolchain) -> Result<Program> {
    build_program_defines(out_dir, tools, &[])
}

/// Like [`build_program_with`], with preprocessor definitions (`NAME` or `NAME=VALUE`, each
/// passed as `-D`): a build can vary the program without editing `sw/` (the SoC build test
/// changes the monitor's banner with `MONITOR_BANNER_NOTE`, see `sw/monitor/monitor.c`).
pub fn build_program_defines(
    out_dir: &Path,
    tools: &Toolchain,
    defines: &[&str],
) -> Result<Program> {
    for define in defines {
        let name = define.split('=').next().unwrap_or_default();
        let plain = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !plain {
            bail!(
                "program define {define:?}: the name before '=' must be a C identifier, \
                 e.g. MONITOR_BANNER_NOTE=\"v2\" (the value a C string with its quotes)"
            );
        }
    }
    let sw = sw_dir()?;
    let include = sw
        .parent()
        .context("sw/ has no parent folder")?
        .join("include");
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create the program folder {}", out_dir.display()))?;
    let elf = out_dir.join("monitor.elf");
    let bin = out_dir.join("monitor.bin");
    let elf_tmp = out_dir.join(format!("monitor.elf.{}.partial", std::process::id()));
    let bin_tmp = out_dir.join(format!("monitor.bin.{}.partial", std::process::id()));
    let mut args: Vec<String> = CFLAGS.iter().map(|s| s.to_string()).collect();
    args.push(format!("-I{}", include.display()));
    args.push(format!("-I{}", sw.display()));
    args.extend(defines.iter().map(|d| format!("-D{d}")));
    args.push(format!("-Wl,-T,{}", sw.join("soc.ld").display()));
    args.push("-o".into());
    args.push(elf_tmp.display().to_string());
    args.extend(SOURCES.iter().map(|s| sw.join(s).display().to_string()));
    args.push("-lgcc".into());
    run(tools, CC, &args, out_dir, &out_dir.join("gcc.log"))?;
    let objcopy_args = vec![
        "-O".to_string(),
        "binary".to_string(),
        "--only-section=.text".to_string(),
        elf_tmp.display().to_string(),
        bin_tmp.display().to_string(),
    ];
    run(
        tools,
        OBJCOPY,
        &objcopy_args,
        out_dir,
        &out_dir.join("objcopy.log"),
    )?;
    let bytes =
        std::fs::read(&bin_tmp).with_context(|| format!("cannot read {}", bin_tmp.display()))?;
    if bytes.is_empty() || bytes.len() > RAM_BYTES {
        bail!(
            "the program image is {} bytes; the SoC's RAM holds {RAM_BYTES}",
            bytes.len()
        );
    }
    let words = bytes
        .chunks(4)
        .map(|c| {
            let mut w = [0u8; 4];
            w[..c.len()].copy_from_slice(c);
            u32::from_le_bytes(w)
        })
        .collect();
    std::fs::rename(&elf_tmp, &elf)
        .with_context(|| format!("cannot rename to {}", elf.display()))?;
    std::fs::rename(&bin_tmp, &bin)
        .with_context(|| format!("cannot rename to {}", bin.display()))?;
    Ok(Program { words, elf, bin })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_linker_script_has_the_rams_size() {
        let ld = std::fs::read_to_string(sw_dir().unwrap().join("soc.ld")).unwrap();
        assert!(
            ld.contains(&format!("LENGTH = {}K", RAM_BYTES / 1024)),
            "sw/soc.ld and soc::RAM_BYTES disagree"
        );
    }
}
