//! The promises around the binary, checked where they can break: examples share the main
//! paths' build, `make install` goes where it says, and the help agrees with the README and
//! with what the commands write. Each runs the real binary, cargo or make; none needs an FPGA
//! tool.

#![cfg(all(feature = "cli", unix))]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_rust-hdl-uart");
const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("one_build")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(cmd: &mut Command) -> (Output, String, String) {
    let out = cmd.stdin(Stdio::null()).output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

/// Every package of the dependency tree with its features, as `cargo tree` resolves them
/// for `edges`.
fn resolved_features(edges: &str) -> BTreeMap<String, String> {
    let (out, stdout, stderr) = run(Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "--locked",
            "-e",
            edges,
            "--prefix",
            "none",
            "--format",
            "{p}|{f}",
        ])
        .current_dir(MANIFEST_DIR));
    assert!(out.status.success(), "cargo tree failed:\n{stderr}");
    stdout
        .lines()
        .filter_map(|l| l.trim_end_matches(" (*)").split_once('|'))
        .map(|(p, f)| (p.to_string(), f.trim_end_matches(" (*)").to_string()))
        .collect()
}

/// `make` builds the binary (normal dependencies); `cargo run --example` also resolves the
/// dev-dependencies. Any package whose features differ between the two is built twice, and
/// with it everything above it, the library included.
#[test]
fn examples_resolve_the_same_features_as_the_binary() {
    let normal = resolved_features("normal");
    let with_dev = resolved_features("normal,dev");
    let differ: Vec<String> = normal
        .iter()
        .filter_map(|(package, features)| {
            let other = with_dev.get(package)?;
            (other != features).then(|| format!("{package}: [{features}] vs [{other}]"))
        })
        .collect();
    assert!(
        differ.is_empty(),
        "the dev-dependencies change these packages' features, so an example rebuilds them \
         and the library (turn the features on in [dependencies]):\n{}",
        differ.join("\n")
    );
}

#[test]
fn make_install_goes_to_prefix_or_to_cargos_root() {
    let dry = |args: &[&str]| {
        let (out, stdout, stderr) = run(Command::new("make")
            .args(["-n", "install"])
            .args(args)
            .current_dir(MANIFEST_DIR));
        assert!(out.status.success(), "make -n install failed:\n{stderr}");
        stdout
    };
    let with_prefix = dry(&["PREFIX=/opt/my place"]);
    assert!(
        with_prefix.contains("install --path . --locked")
            && with_prefix.contains("--root \"/opt/my place\""),
        "{with_prefix}"
    );
    // Without PREFIX cargo chooses: $CARGO_INSTALL_ROOT, or ~/.cargo.
    let plain = dry(&[]);
    assert!(plain.contains("install --path . --locked"), "{plain}");
    assert!(!plain.contains("--root"), "{plain}");
}

fn readme() -> String {
    std::fs::read_to_string(Path::new(MANIFEST_DIR).join("README.md")).expect("README.md")
}

/// The backticked words of the README line that starts with `prefix`.
fn readme_list(prefix: &str) -> Vec<String> {
    let text = readme();
    let line = text
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no README line starts with {prefix:?}"));
    let rest = line.split_once(':').map(|(_, r)| r).unwrap_or(line);
    rest.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[test]
fn bench_sections_are_the_same_in_help_readme_and_code() {
    let (out, help, stderr) = run(Command::new(BIN).args(["bench", "--help"]));
    assert!(out.status.success(), "{stderr}");
    let values = help
        .split("[possible values: ")
        .nth(1)
        .and_then(|r| r.split(']').next())
        .unwrap_or_else(|| panic!("no possible values for --only in:\n{help}"));
    let in_help: Vec<String> = values.split(", ").map(str::to_string).collect();
    let in_code: Vec<String> = rust_hdl_uart::bench::SECTIONS
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(in_help, in_code, "bench --help");
    assert_eq!(readme_list("Sections (`--only`"), in_code, "README's list");
}

#[test]
fn verilog_help_names_every_file_the_command_writes() {
    let (out, help, stderr) = run(Command::new(BIN).args(["verilog", "--help"]));
    assert!(out.status.success(), "{stderr}");
    for (bits, dropped) in [("8", false), ("9", true)] {
        let dir = scratch(&format!("verilog-{bits}"));
        // No yosys on PATH: the files are written unchecked, which is all this test needs.
        let (out, stdout, stderr) = run(Command::new(BIN)
            .args(["verilog", "--out", "out", "--data-bits", bits])
            .current_dir(&dir)
            .env("PATH", ""));
        assert!(out.status.success(), "{stdout}{stderr}");
        let mut written: Vec<String> = std::fs::read_dir(dir.join("out"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        written.sort();
        assert!(written.len() >= 6, "{written:?}");
        for file in &written {
            assert!(
                help.contains(file.as_str()),
                "--help does not name {file}:\n{help}"
            );
        }
        let peripheral = ["uart_wb.v", "uart_axil.v"];
        for file in peripheral {
            assert_eq!(written.iter().any(|w| w == file), !dropped, "{written:?}");
            assert!(help.contains(file), "{help}");
        }
        assert_eq!(
            stdout.contains("not written: uart_wb.v, uart_axil.v"),
            dropped,
            "data bits {bits}:\n{stdout}"
        );
    }
}

#[test]
fn build_says_it_replaces_another_configuration_and_flash_says_what_it_writes() {
    let dir = scratch("replace");
    let built = dir.join("firmware/build/echo-cu");
    std::fs::create_dir_all(&built).unwrap();
    std::fs::write(
        built.join("uart.toml"),
        "clock_hz = 100000000\nbaud = 115200\ndata_bits = 9\nparity = \"none\"\nstop_bits = 1\noversample = 16\n",
    )
    .unwrap();
    std::fs::write(built.join("top.bin"), [0u8; 16]).unwrap();
    // No tools on PATH: both stop at the missing tool, after saying what they would do.
    let (out, stdout, _) = run(Command::new(BIN)
        .args(["flash", "--firmware", "echo", "--board", "cu"])
        .current_dir(&dir)
        .env("PATH", ""));
    assert!(!out.status.success());
    assert!(
        stdout.contains("top.bin: the echo firmware for the cu, UART 115200 9N1"),
        "{stdout}"
    );
    let (out, stdout, _) = run(Command::new(BIN)
        .args(["build", "--firmware", "echo", "--board", "cu"])
        .current_dir(&dir)
        .env("PATH", ""));
    assert!(!out.status.success());
    assert!(
        stdout.contains("NOTE: replacing the bitstream") && stdout.contains("built for 115200 9N1"),
        "{stdout}"
    );
    // The same configuration again: nothing to warn about.
    let (_, stdout, _) = run(Command::new(BIN)
        .args([
            "build",
            "--firmware",
            "echo",
            "--board",
            "cu",
            "--data-bits",
            "9",
        ])
        .current_dir(&dir)
        .env("PATH", ""));
    assert!(!stdout.contains("NOTE: replacing"), "{stdout}");
}
