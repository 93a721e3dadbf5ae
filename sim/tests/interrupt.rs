//! Interrupted commands leave nothing behind (src/interrupt.rs): the real binary is
//! started on `verilog`, `build` and a `bench` section, and signalled while its first
//! tool runs. A stand-in yosys (a shell script first on PATH) is that tool: it records its
//! pid and a grandchild's (as yosys runs yosys-abc) and then waits forever, so the signal
//! always lands mid-run, without timing, and no real tool is needed.
//!
//! Each asserts: the exit status is 128 + the signal (the handler ran, not the default
//! death), the stand-in and its grandchild are gone, no scratch remains, and the output
//! folder is as it was. Also: outputs that cannot be written are refused before the work.

#![cfg(all(feature = "cli", unix))]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_rust-hdl-uart");

/// Hang guard for waiting on the binary: far beyond the second or two the work before the
/// first tool takes, so only a hang (or a handler that never exits) reaches it.
const HANG_GUARD: Duration = Duration::from_secs(300);

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("interrupt")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A folder of stand-in tools: `waiting` (yosys, or verilator) first runs `prelude`
/// (shell), then records its pid and its grandchild's in `marks` and waits; the other tools
/// of the flow fail if ever reached.
fn fake_tools(dir: &Path, marks: &Path, waiting: &str, prelude: &str) -> PathBuf {
    let bin = dir.join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let m = marks.display();
    let tool = format!(
        "#!/bin/sh\n{prelude}\nsleep 600 &\n\
         echo $! > '{m}/child.tmp' && mv '{m}/child.tmp' '{m}/child.pid'\n\
         echo $$ > '{m}/tool.tmp' && mv '{m}/tool.tmp' '{m}/tool.pid'\nwait\n"
    );
    for name in ["yosys", "verilator", "nextpnr-ice40", "icepack"] {
        let text = if name == waiting {
            tool.as_str()
        } else {
            "#!/bin/sh\nexit 7\n"
        };
        let path = bin.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    bin
}

fn spawn(cwd: &Path, args: &[&str], bin_first: &Path) -> Child {
    let path = std::env::join_paths(std::iter::once(bin_first.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env("PATH", path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// Waits for `file` to appear while `child` runs; panics (with its output) if it ends first.
fn wait_for(file: &Path, child: &mut Child) -> u32 {
    let started = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(file) {
            if let Ok(pid) = text.trim().parse() {
                return pid;
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            let out = std::mem::replace(child, Command::new("true").spawn().unwrap())
                .wait_with_output()
                .unwrap();
            panic!(
                "the command ended ({status}) before its tool started:\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(
            started.elapsed() < HANG_GUARD,
            "{} never appeared",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_exit(child: &mut Child) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            panic!("the command did not exit after the signal");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `pid` is still a live process (a zombie waiting to be reaped is dead).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// Every path under `dir` with its content (folders as "/"), sorted.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                out.push((name + "/", Vec::new()));
                stack.push(p);
            } else {
                out.push((name, std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

/// Starts `args`, waits for the stand-in yosys, sends `sig`, and checks the exit (128 +
/// the signal) and that the tool and its grandchild are gone. Returns the command's stderr.
fn interrupt_mid_tool(name: &str, cwd: &Path, args: &[&str], sig: i32) -> String {
    let (status, stderr) = interrupt_mid(name, cwd, args, sig, "yosys", "");
    assert_eq!(
        status.code(),
        Some(128 + sig),
        "{name}: expected exit status {} after signal {sig}; stderr:\n{stderr}",
        128 + sig
    );
    stderr
}

/// Starts `args` with `tool` standing in (running `prelude` first), waits for it, sends
/// `sig`, and checks that the command exits, says it was interrupted, and that the tool
/// and its grandchild are gone. Returns the exit status and stderr.
fn interrupt_mid(
    name: &str,
    cwd: &Path,
    args: &[&str],
    sig: i32,
    tool_name: &str,
    prelude: &str,
) -> (ExitStatus, String) {
    let marks = scratch(&format!("{name}-marks"));
    let bin = fake_tools(&scratch(&format!("{name}-bin")), &marks, tool_name, prelude);
    let mut child = spawn(cwd, args, &bin);
    let tool = wait_for(&marks.join("tool.pid"), &mut child);
    let grandchild = wait_for(&marks.join("child.pid"), &mut child);
    // SAFETY: kill(2) on the pid of a child this test started and has not reaped.
    assert_eq!(unsafe { libc::kill(child.id() as i32, sig) }, 0);
    let status = wait_exit(&mut child);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !status.success(),
        "{name}: exit {status}; stderr:\n{stderr}"
    );
    assert!(stderr.contains("interrupted by"), "{stderr}");
    // The group kill is sent before the exit; allow the kernel a moment to finish it.
    let started = Instant::now();
    while (alive(tool) || alive(grandchild)) && started.elapsed() < HANG_GUARD {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(tool), "{name}: the tool {tool} survived");
    assert!(
        !alive(grandchild),
        "{name}: the tool's child {grandchild} survived"
    );
    (status, stderr)
}

#[test]
fn an_interrupted_export_leaves_the_output_folder_as_it_was() {
    for (sig, label) in [
        (libc::SIGTERM, "term"),
        (libc::SIGINT, "int"),
        (libc::SIGHUP, "hup"),
    ] {
        let dir = scratch(&format!("verilog-{label}"));
        let out = dir.join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("keep.txt"), "mine").unwrap();
        std::fs::write(out.join("uart_rx.v"), "// an older export\n").unwrap();
        let before = snapshot(&out);
        let out_arg = out.to_string_lossy().into_owned();
        interrupt_mid_tool(
            &format!("verilog-{label}"),
            &dir,
            &["verilog", "--out", &out_arg],
            sig,
        );
        assert_eq!(
            snapshot(&out),
            before,
            "signal {sig}: the output folder changed"
        );
    }
    // A folder the export had to create is gone again.
    let dir = scratch("verilog-new");
    let out = dir.join("new-out");
    let out_arg = out.to_string_lossy().into_owned();
    interrupt_mid_tool(
        "verilog-new",
        &dir,
        &["verilog", "--out", &out_arg],
        libc::SIGTERM,
    );
    assert!(!out.exists(), "{} was left behind", out.display());
}

#[test]
fn an_interrupted_build_ends_its_tools_and_claims_no_bitstream() {
    let dir = scratch("build");
    interrupt_mid_tool(
        "build",
        &dir,
        &["build", "--firmware", "echo", "--board", "cu"],
        libc::SIGTERM,
    );
    let out = dir.join("firmware/build/echo-cu");
    for file in ["top.bin", "top.asc", "report.json", "uart.toml"] {
        assert!(
            !out.join(file).exists(),
            "{file} left by an interrupted build"
        );
    }
}

#[test]
fn an_interrupted_bench_removes_its_work_folder() {
    let dir = scratch("bench");
    let results = dir.join("results");
    std::fs::create_dir(&results).unwrap();
    std::fs::write(results.join("keep.txt"), "mine").unwrap();
    let before = snapshot(&results);
    let results_arg = results.to_string_lossy().into_owned();
    interrupt_mid_tool(
        "bench",
        &dir,
        &[
            "bench",
            "--quick",
            "--only",
            "synth",
            "--results",
            &results_arg,
        ],
        libc::SIGINT,
    );
    assert_eq!(
        snapshot(&results),
        before,
        "scratch left in the results folder"
    );
}

/// `sim-board` stops gracefully on a signal (its own handlers), but one that comes while
/// Verilator compiles the model still ends Verilator and removes the half-built model.
#[cfg(feature = "host")]
#[test]
fn an_interrupted_virtual_board_build_removes_the_half_built_model() {
    let dir = scratch("sim-board");
    let work = dir.join("model");
    let work_arg = work.to_string_lossy().into_owned();
    // The stand-in Verilator runs in the work folder and leaves a partial object there.
    interrupt_mid(
        "sim-board",
        &dir,
        &["sim-board", "--work-dir", &work_arg],
        libc::SIGTERM,
        "verilator",
        "mkdir -p obj && echo partial > obj/half.o",
    );
    assert!(
        !work.join("obj").exists(),
        "the half-built model {} was left behind",
        work.join("obj").display()
    );
    assert!(
        !work.join("build.stamp").exists(),
        "an interrupted build was stamped"
    );
}

#[test]
fn outputs_that_cannot_be_written_are_refused_before_the_work() {
    let dir = scratch("outputs");
    let file = dir.join("a-file");
    std::fs::write(&file, "x").unwrap();
    // A folder that cannot exist: its parent is a file.
    let bad = file.join("results");
    let bad_arg = bad.to_string_lossy().into_owned();
    let out = Command::new(BIN)
        .args(["bench", "--quick", "--only", "sim", "--results", &bad_arg])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(!out.status.success());
    assert!(
        stderr.contains("--results") && stderr.contains(&bad_arg),
        "{stderr}"
    );
    assert!(
        !stdout.contains("bench sim"),
        "the bench ran first:\n{stdout}"
    );

    #[cfg(feature = "host")]
    {
        let stats = file.join("stats.json");
        let stats_arg = stats.to_string_lossy().into_owned();
        // An empty PATH: had the check come after the model build, Verilator would be
        // missing and the error would name it instead.
        let out = Command::new(BIN)
            .args(["sim-board", "--stats-json", &stats_arg])
            .current_dir(&dir)
            .env("PATH", "")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(stderr.contains("--stats-json"), "{stderr}");
        assert!(stderr.contains("does not exist"), "{stderr}");
        assert!(!stderr.to_lowercase().contains("verilator"), "{stderr}");
    }
}

/// A bench whose figures cannot be saved at the end (here `results.json` is a folder, which
/// no up-front check can foresee) prints them instead, and fails naming the folder and the
/// fix: the measurement is never lost. Runs the quick `sim` section (~10 s of measuring).
#[test]
fn a_bench_that_cannot_save_prints_its_figures() {
    let dir = scratch("bench-unsaved");
    let results = dir.join("results");
    std::fs::create_dir_all(results.join("results.json")).unwrap();
    let results_arg = results.to_string_lossy().into_owned();
    let out = Command::new(BIN)
        .args([
            "bench",
            "--quick",
            "--only",
            "sim",
            "--results",
            &results_arg,
        ])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(!out.status.success(), "{stdout}\n{stderr}");
    // The summary (results.md's text) with the section's figures, on stdout.
    assert!(stdout.contains("## Testbench throughput"), "{stdout}");
    assert!(stdout.contains("\"cycles_per_second\""), "{stdout}");
    assert!(
        stderr.contains("could not be saved") && stderr.contains("--results"),
        "{stderr}"
    );
    assert_eq!(
        snapshot(&results),
        [("results.json/".to_string(), Vec::new())],
        "a partial file was left"
    );
}
