//! Formal checks of the exported Verilog (yosys + yosys-smtbmc + yices, or z3 when yices
//! is not installed), and proof that the checkers can fail. Only with the external-tools
//! feature; a missing tool fails the test with a message naming its package.
//!
//! No check depends on the machine's speed: each is bounded by depth (two whole frames per
//! group with yices, see `formal::bmc_depth`); its time limit is only a hang guard far
//! beyond the expected time (`formal::hang_guard`), and a run stopped by it fails with a
//! message that says so, never as a property failure.
//!
//! The runs are not serialised: each solver is single-threaded, and libtest runs at most
//! as many tests at once as there are cores, so two at once keep both cores busy where a
//! lock would leave a test thread waiting.

#![cfg(feature = "external-tools")]

use rust_hdl_uart::sim::formal::{self, configs, Check, Group, Mode, Outcome, Solver, Verdict};
use rust_hdl_uart::{Parity, UartConfig};
use std::path::PathBuf;
use std::sync::Once;

fn work_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("formal")
        .join(name)
}

fn run(check: Check) -> Outcome {
    let outcome = formal::run(&check)
        .unwrap_or_else(|e| panic!("formal {} could not run: {e:#}", check.group.name()));
    eprintln!("{outcome}");
    outcome
}

fn solver() -> Solver {
    static NOTE: Once = Once::new();
    let solver = formal::solver_from_env().unwrap_or_else(|e| panic!("{e:#}"));
    if solver == Solver::Z3 && std::env::var_os("UART_FORMAL_SOLVER").is_none() {
        NOTE.call_once(|| {
            if let Some(note) = formal::default_solver().1 {
                eprintln!("{note}");
            }
        });
    }
    solver
}

fn bmc(group: Group, config: UartConfig, depth: u32, name: &str) -> Check {
    let solver = solver();
    let guard = formal::hang_guard(formal::expected_time(group, depth, solver));
    Check::new(group, config, Mode::Bmc { depth })
        .with_solver(solver)
        .with_time_limit(guard)
        .with_work_dir(work_dir(name))
}

/// BMC of `group` for `config` to the depth the solver is asked for (two whole frames
/// with yices; see `formal::bmc_depth`).
fn bmc_full(group: Group, config: UartConfig, name: &str) -> Outcome {
    let depth = formal::bmc_depth(group, &config, solver()).unwrap();
    run(bmc(group, config, depth, name))
}

/// Fails differently for a stopped run and for a property that does not hold.
fn fail_if_stopped(outcome: &Outcome) {
    assert!(
        !outcome.hang_guard_hit(),
        "not a property failure, the run was stopped by its hang guard: {outcome}"
    );
}

fn assert_proven(outcome: &Outcome) {
    fail_if_stopped(outcome);
    assert!(outcome.proven(), "property failure: {outcome}");
}

fn assert_counterexample(outcome: &Outcome) {
    fail_if_stopped(outcome);
    match &outcome.verdict {
        Verdict::Counterexample { .. } => {
            let trace = outcome
                .trace
                .as_ref()
                .expect("a counterexample comes with a trace");
            assert!(trace.exists(), "{}", trace.display());
        }
        _ => panic!("expected a counterexample: {outcome}"),
    }
}

/// A run stopped by its hang guard is reported as such, apart from property failures: a
/// fake solver that never answers is stopped after a short guard.
#[cfg(unix)]
#[test]
fn formal_hang_guard_is_not_a_property_failure() {
    use std::os::unix::fs::PermissionsExt;
    let bin = work_dir("hanging-solver-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("yices-smt2");
    // Reads the SMT-LIB commands and never answers, like a solver stuck on a query.
    std::fs::write(&fake, "#!/bin/sh\nexec sleep 3600\n").unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let check = Check::new(Group::Tx, configs::quick_5n1(), Mode::Bmc { depth: 10 })
        .with_solver(Solver::Yices)
        .with_time_limit(std::time::Duration::from_secs(20))
        .with_search_path(path)
        .with_work_dir(work_dir("hang-guard"));
    let outcome = match formal::run(&check) {
        Ok(outcome) => outcome,
        // On a very busy machine yosys itself may not finish within this short guard:
        // that is the same report, from the step before the solver.
        Err(e) => {
            let text = format!("{e:#}");
            assert!(
                text.contains("hang guard") && text.contains("not a property failure"),
                "{text}"
            );
            return;
        }
    };
    eprintln!("{outcome}");
    assert!(outcome.hang_guard_hit(), "{outcome}");
    let text = outcome.to_string();
    assert!(
        text.contains("HANG GUARD") && text.contains("not a property failure"),
        "{text}"
    );
    let stopped = std::panic::catch_unwind(|| assert_proven(&outcome)).unwrap_err();
    let message = stopped
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(message.starts_with("not a property failure"), "{message}");
}

#[test]
fn formal_missing_tool_names_its_package() {
    let empty = work_dir("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    for (tool, package) in [
        ("yosys", "apt-get install -y yosys"),
        ("yosys-smtbmc", "apt-get install -y yosys"),
        ("z3", "apt-get install -y z3"),
        ("yices-smt2", "scripts/install-tools.sh"),
    ] {
        let msg = formal::locate_in(tool, empty.as_os_str())
            .unwrap_err()
            .to_string();
        assert!(msg.contains(&format!("`{tool}` was not found")), "{msg}");
        assert!(msg.contains(package), "{msg}");
    }
}

// ---- 1. transmitter ----

/// 4 clocks per bit, 5N1: all inputs free (reset and break_line included).
#[test]
fn formal_tx_frame_shape_and_timing() {
    assert_proven(&bmc_full(Group::Tx, configs::quick_5n1(), "tx-bmc"));
}

/// 6.4 clocks per bit (bits of 6 and 7 clocks), 5E2: one frame (57.6 clocks) and more.
#[test]
fn formal_tx_fractional_bit_timing() {
    let depth = match solver() {
        Solver::Z3 | Solver::Boolector => 24,
        _ => 50,
    };
    // Bits of 6 and 7 clocks make each step dearer than in the 4-clock configuration:
    // about 14 minutes at load 7-9, so roughly 2.5 idle (estimated, not measured idle).
    let guard = formal::hang_guard(std::time::Duration::from_secs(150));
    assert_proven(&run(bmc(
        Group::Tx,
        configs::fractional_5e2(),
        depth,
        "tx-frac-bmc",
    )
    .with_time_limit(guard)));
}

/// The checker fails when the model expects bits one clock shorter.
#[test]
fn formal_tx_checker_catches_a_short_bit() {
    let config = configs::quick_5n1();
    let mut model = config;
    model.clock_hz -= model.baud; // 3 clocks per bit instead of 4
    let outcome = run(bmc(Group::Tx, config, 24, "tx-short-bit").with_model(model));
    assert_counterexample(&outcome);
}

/// The checker fails when the model expects the wrong parity.
#[test]
fn formal_tx_checker_catches_wrong_parity() {
    let config = configs::quick_5e1();
    let mut model = config;
    model.parity = Parity::Odd;
    // The parity bit is on the line from clock 2 + 6 * 4 = 26.
    let outcome = run(bmc(Group::Tx, config, 30, "tx-wrong-parity").with_model(model));
    assert_counterexample(&outcome);
}

// ---- 3. receiver ----

/// 4 clocks per bit, 5E2: data, parity, framing and break flags, exactly once.
#[test]
fn formal_rx_frames_and_flags() {
    assert_proven(&bmc_full(Group::Rx, configs::quick_5e2(), "rx-bmc"));
}

/// The checker fails when the generator's idea of the parity differs from the design's.
#[test]
fn formal_rx_checker_catches_wrong_parity() {
    let config = configs::quick_5e1();
    let mut model = config;
    model.parity = Parity::Odd;
    // Armed by clock 44, the first frame's stop bit from 44 + 7 * 4 = 72.
    let outcome = run(bmc(Group::Rx, config, 82, "rx-wrong-parity").with_model(model));
    assert_counterexample(&outcome);
}

// ---- 2. loopback ----

#[test]
fn formal_loopback_every_byte_once() {
    assert_proven(&bmc_full(
        Group::Loopback,
        configs::quick_5n1(),
        "loopback-bmc",
    ));
}

// ---- 4. overrun ----

#[test]
fn formal_overrun_exact_and_sticky() {
    let config = configs::quick_5n1();
    assert_proven(&bmc_full(Group::Overrun, config, "overrun-bmc"));
    // The properties are 1-inductive: this proves them for every depth.
    let induction = Check::new(Group::Overrun, config, Mode::Induction { k: 4 })
        .with_solver(solver())
        .with_time_limit(formal::hang_guard(formal::expected_time(
            Group::Overrun,
            8,
            solver(),
        )))
        .with_work_dir(work_dir("overrun-ind"));
    assert_proven(&run(induction));
}
