//! Formal checks of the exported Verilog (yosys + yosys-smtbmc + z3), and proof that the
//! checkers can fail. Only with the external-tools feature; a missing tool fails the test
//! with a message naming its Debian package.
//!
//! The runs are serialised (one solver at a time: the machines have two cores) and each is
//! bounded by a time limit; a run that hits it fails the test and says how far it got.
//! The solver is z3 unless `UART_FORMAL_SOLVER` names another (yices reaches two whole
//! frames in every group within the limit; z3 does not, see `formal::bmc_depth`).

#![cfg(feature = "external-tools")]

use rust_hdl_uart::sim::formal::{self, configs, Check, Group, Mode, Outcome, Solver, Verdict};
use rust_hdl_uart::{Parity, UartConfig};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn work_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("formal")
        .join(name)
}

fn run(check: Check) -> Outcome {
    let _guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let outcome = formal::run(&check)
        .unwrap_or_else(|e| panic!("formal {} could not run: {e:#}", check.group.name()));
    eprintln!("{outcome}");
    outcome
}

fn solver() -> Solver {
    formal::solver_from_env().unwrap_or_else(|e| panic!("{e:#}"))
}

fn bmc(group: Group, config: UartConfig, depth: u32, name: &str) -> Check {
    Check::new(group, config, Mode::Bmc { depth })
        .with_solver(solver())
        // Each proof takes under 2 minutes alone; the limit is generous because these
        // run beside the rest of the suite on two cores.
        .with_time_limit(Duration::from_secs(400))
        .with_work_dir(work_dir(name))
}

/// BMC of `group` for `config` to the depth the solver is asked for (two whole frames
/// with yices; see `formal::bmc_depth`).
fn bmc_full(group: Group, config: UartConfig, name: &str) -> Outcome {
    let depth = formal::bmc_depth(group, &config, solver()).unwrap();
    run(bmc(group, config, depth, name))
}

fn assert_proven(outcome: &Outcome) {
    assert!(outcome.proven(), "{outcome}");
}

fn assert_counterexample(outcome: &Outcome) {
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

#[test]
fn formal_missing_tool_names_its_package() {
    let empty = work_dir("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    for (tool, package) in [
        ("yosys", "apt-get install -y yosys"),
        ("yosys-smtbmc", "apt-get install -y yosys"),
        ("z3", "apt-get install -y z3"),
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
    assert_proven(&run(bmc(
        Group::Tx,
        configs::fractional_5e2(),
        depth,
        "tx-frac-bmc",
    )));
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
        .with_time_limit(Duration::from_secs(400))
        .with_work_dir(work_dir("overrun-ind"));
    assert_proven(&run(induction));
}
