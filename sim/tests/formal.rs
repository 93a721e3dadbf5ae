//! Formal checks of the exported Verilog (yosys + yosys-smtbmc + yices, or z3 when yices
//! is not installed), and proof that the checkers can fail. Only with the external-tools
//! feature; a missing tool fails the test with a message naming its package.
//!
//! What is proven: the transmitter and the receiver (fixed and run-time configurable), the
//! receiver's tolerance window, TX → RX loopback and overrun hold at every depth
//! (k-induction: `Mode::Prove`); covers show each kind of frame is reachable (deep ones in a
//! narrower environment: a steady or eager sender, see each test). The window is also
//! shown tight on its fast side by a counterexample just outside it.
//!
//! No check depends on the machine's speed: each is bounded by depth (the induction
//! length k, or the BMC and cover depths); its time limit is only a hang guard far beyond
//! the expected time (`formal::hang_guard`), and a run stopped by it fails with a message
//! that says so, never as a property failure.
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

/// An unbounded proof (base case and induction step at `k`) of `group` for `config`.
fn prove(group: Group, config: UartConfig, k: u32, name: &str) -> Check {
    let solver = solver();
    // The induction step costs about what BMC to depth 2k does.
    let guard = formal::hang_guard(formal::expected_time(group, 2 * k, solver));
    Check::new(group, config, Mode::Prove { k })
        .with_solver(solver)
        .with_time_limit(guard)
        .with_work_dir(work_dir(name))
}

/// Every cover statement of `group` reached within `depth` steps. The invariants are left
/// out (the proofs establish them; here they would only slow the search), the properties
/// are checked on the way.
fn cover(group: Group, config: UartConfig, depth: u32, name: &str) -> Check {
    let solver = solver();
    let guard = formal::hang_guard(formal::expected_time(group, depth, solver));
    Check::new(group, config, Mode::Cover { depth })
        .with_solver(solver)
        .with_time_limit(guard)
        .with_work_dir(work_dir(name))
        .without_invariants()
}

// ---- 1. transmitter ----

/// 4 clocks per bit, 5N1, all inputs free (reset and break_line included): frame shape,
/// every edge on the ideal grid across back-to-back frames, break, reset — for every
/// depth (k-induction with the invariants beside the properties in tx_props.sv).
#[test]
fn formal_tx_proven() {
    assert_proven(&run(prove(Group::Tx, configs::quick_5n1(), 8, "tx-prove")));
}

/// 6.4 clocks per bit (bits of 6 and 7 clocks), 5E2, unbounded: every edge within a
/// clock of its ideal place, the rounding never accumulating.
#[test]
fn formal_tx_fractional_proven() {
    assert_proven(&run(prove(
        Group::Tx,
        configs::fractional_5e2(),
        8,
        "tx-frac-prove",
    )));
}

/// Every kind of transmitter frame is reachable: from idle, back to back, a break after
/// a frame, the mark after a break, a reset in the middle of a frame.
#[test]
fn formal_tx_covers() {
    // The four reached within a few clocks, then back to back with a steady sender (two
    // whole frames).
    assert_proven(&run(
        cover(Group::Tx, configs::quick_5n1(), 12, "tx-cover").with_parameter("COVERS", 0b11101)
    ));
    assert_proven(&run(cover(
        Group::Tx,
        configs::quick_5n1(),
        64,
        "tx-cover-b2b",
    )
    .with_parameter("COVERS", 0b00010)
    .with_parameter("STEADY", 1)));
}

/// `uart_tx_cfg` with the frame format on its ports: data bits (5 or 6), parity (any)
/// and stop bits (1 or 2) chosen by the solver, valid and changed only between frames —
/// the transmitter's properties for every depth.
#[test]
fn formal_tx_cfg_proven() {
    assert_proven(&run(prove(
        Group::TxCfg,
        configs::quick_6n1(),
        8,
        "tx-cfg-prove",
    )));
}

/// The run-time configurable transmitter's frames (from idle, back to back, break, mark,
/// reset) are all reachable with solver-chosen settings.
#[test]
fn formal_tx_cfg_covers() {
    // The four reached within a few clocks, then back to back alone.
    assert_proven(&run(cover(
        Group::TxCfg,
        configs::quick_6n1(),
        12,
        "tx-cfg-cover",
    )
    .with_parameter("COVERS", 0b11101)));
    assert_proven(&run(cover(
        Group::TxCfg,
        configs::quick_6n1(),
        64,
        "tx-cfg-cover-b2b",
    )
    .with_parameter("COVERS", 0b00010)
    .with_parameter("STEADY", 1)));
}

/// A byte offered from the very first clock after power-up is sent with the ports'
/// settings. (This check found the defect: `uart_tx_cfg` took the byte in the first clock
/// and sent it with the settings registers' power-up zeros, a frame of one data bit; the
/// transmitter is now not ready until the latch has taken the ports.)
#[test]
fn formal_tx_cfg_first_clock_handshake() {
    let check = bmc(Group::TxCfg, configs::quick_6n1(), 14, "tx-cfg-first-clock")
        .without_invariants()
        .with_parameter("FIRST_CLOCK", 1);
    assert_proven(&run(check));
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

/// 4 clocks per bit, 5E2, frames with solver-chosen bits at exact bit timing: data,
/// parity, framing and break flags, each frame exactly once — for every depth.
#[test]
fn formal_rx_proven() {
    assert_proven(&run(prove(Group::Rx, configs::quick_5e2(), 12, "rx-prove")));
}

/// Every kind of received frame is reachable: good, each flag, back to back.
#[test]
fn formal_rx_covers() {
    let config = configs::quick_5e2();
    // Armed, then two whole frames and the second one's presentation.
    let depth = formal::two_frame_depth(Group::Rx, &config).unwrap();
    assert_proven(&run(
        cover(Group::Rx, config, depth, "rx-cover").with_parameter("EAGER", 1)
    ));
}

/// `uart_rx_cfg` with each frame's format on its ports: data bits (5 or 6), parity (any)
/// and stop bits (1 or 2) chosen by the solver for each frame, the ports free between
/// frames and in mid-frame once the receiver has seen the start edge — data, flags,
/// each frame once and in order, for every depth.
#[test]
fn formal_rx_cfg_proven() {
    assert_proven(&run(prove(
        Group::RxCfg,
        configs::quick_6n1(),
        12,
        "rx-cfg-prove",
    )));
}

/// The run-time receiver's frames are all reachable: good, each flag, break, back to
/// back, the narrowest and widest formats, and a frame whose format changed on the ports
/// in mid-frame.
#[test]
fn formal_rx_cfg_covers() {
    let config = configs::quick_6n1();
    let depth = formal::two_frame_depth(Group::RxCfg, &config).unwrap();
    assert_proven(&run(
        cover(Group::RxCfg, config, depth, "rx-cfg-cover").with_parameter("EAGER", 1)
    ));
}

/// The ports' window is tight: a format change in the third clock after the start edge
/// (before the receiver has seen the edge) applies to that frame, so a checker allowing it
/// finds a frame received with the wrong format.
#[test]
fn formal_rx_cfg_format_taken_at_the_edge_seen() {
    let config = configs::quick_6n1();
    // Armed (for the longest format), the first frame (at most 40 clocks) and its
    // presentation.
    let check = bmc(Group::RxCfg, config, 104, "rx-cfg-window")
        .with_parameter("TAKEN_BY", 2)
        .without_invariants();
    assert_counterexample(&run(check));
}

fn tolerance_config() -> UartConfig {
    configs::tolerance_5n1()
}

/// The tolerance theorem: against a sender whose rate the solver picks for each frame
/// anywhere from 119/128 to 135/128 of the nominal (bits of 8.61 down to 7.59 clocks,
/// -7.0 % to +5.5 %), back to back or not, every frame is received once, unchanged, in
/// order, with the right flags (none for a good frame) — for every depth.
#[test]
fn formal_rx_tolerance_proven() {
    let (slow, fast) = formal::TOLERANCE_STEPS;
    assert_proven(&run(prove(
        Group::Rx,
        tolerance_config(),
        20,
        "rx-tolerance-prove",
    )
    .with_sender_steps(slow, fast)));
}

/// The tolerance theorem is not vacuous: frames at the slowest and the fastest rate, good
/// ones, framing errors, breaks and a frame sent back to back are all presented.
#[test]
fn formal_rx_tolerance_covers() {
    let (slow, fast) = formal::TOLERANCE_STEPS;
    let config = tolerance_config();
    let depth = formal::two_frame_depth(Group::Rx, &config).unwrap();
    assert_proven(&run(cover(Group::Rx, config, depth, "rx-tolerance-cover")
        .with_sender_steps(slow, fast)
        .with_parameter("EAGER", 1)));
}

/// The window is tight on the fast side: a sender at 136/128 (+6.25 %, bits of 7.53
/// clocks) sending back to back loses a frame (the receiver's second stop-bit sample
/// falls in the next start bit). A real counterexample from power-up, on the
/// properties alone.
#[test]
fn formal_rx_tolerance_fast_side_is_tight() {
    let fast = formal::TOLERANCE_STEPS.1 + 1;
    let config = tolerance_config();
    // Armed, a whole frame and the next start bit.
    let depth = formal::arm_clocks(&config).unwrap() + 64;
    let check = bmc(Group::Rx, config, depth, "rx-tolerance-fast")
        .with_sender_steps(fast, fast)
        .with_parameter("EAGER", 1)
        .without_invariants()
        .with_time_limit(formal::hang_guard(std::time::Duration::from_secs(300)));
    assert_counterexample(&run(check));
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

/// `uart` with `tx` wired to `rx`, 5N1 at 4 clocks per bit: every byte handed to the
/// transmitter is on the line as sent and is received once, unchanged, in order, with no
/// flag and no overrun — for every depth (k-induction with the transmitter's and the
/// receiver's invariants in loopback_props.sv).
#[test]
fn formal_loopback_proven() {
    assert_proven(&run(prove(
        Group::Loopback,
        configs::quick_5n1(),
        8,
        "loopback-prove",
    )));
}

/// The same with a parity bit and two stop bits (5E2): the transmitter's parity sum and
/// `parity_next` are tied to the model too.
#[test]
fn formal_loopback_5e2_proven() {
    assert_proven(&run(prove(
        Group::Loopback,
        configs::quick_5e2(),
        8,
        "loopback-5e2-prove",
    )));
}

/// A byte looped back, and one sent back to back, are reachable (the proof is not vacuous).
#[test]
fn formal_loopback_covers() {
    let config = configs::quick_5n1();
    let depth = formal::two_frame_depth(Group::Loopback, &config).unwrap();
    assert_proven(&run(cover(
        Group::Loopback,
        config,
        depth,
        "loopback-cover",
    )));
}

/// `uart_cfg` with `tx` wired to `rx`, the frame format chosen by the solver on the ports
/// (data bits 5 or 6, any parity, 1 or 2 stop bits), changed only while the loop is quiet:
/// every byte sent is on the line in the format of its handshake and is received once,
/// with its frame's data bits, no flag, in order —
/// for every depth (k-induction with the transmitter's, the receiver's and the settings
/// latch's invariants in loopback_cfg_props.sv).
#[test]
fn formal_loopback_cfg_proven() {
    assert_proven(&run(prove(
        Group::LoopbackCfg,
        configs::quick_6n1(),
        8,
        "loopback-cfg-prove",
    )));
}

/// Bytes looped back in the narrowest and the widest format, one sent back to back, and
/// one sent in a format set after the first frame are reachable. The runs use narrower
/// senders, which only remove traces, so what they reach the free sender of the proof
/// reaches too: a continuous stream (`tx_valid` high from arming on), and a frame, a pause
/// until the loop is quiet (where the format may change), then a stream.
#[test]
fn formal_loopback_cfg_covers() {
    let config = configs::quick_6n1();
    let widest = configs::longest_frame(&config);
    let narrowest = configs::quick_5n1(); // 5N1 at the same rate
    let arm = formal::arm_clocks(&widest).unwrap();
    // Armed for the longest format, then two frames of it and the second one's presentation.
    let depth = arm + configs::frame_clocks(&widest, 2) + 12;
    assert_proven(&run(cover(
        Group::LoopbackCfg,
        config,
        depth,
        "loopback-cfg-cover",
    )
    .with_parameter("STREAM", 1)));
    // Armed, a frame of the shortest format, the quiet pause (8 clocks), a frame in the new
    // format and its presentation.
    let depth = arm + configs::frame_clocks(&narrowest, 2) + 24;
    assert_proven(&run(cover(
        Group::LoopbackCfg,
        config,
        depth,
        "loopback-cfg-cover-change",
    )
    .with_parameter("STREAM", 2)));
}

/// The quiet rule is needed: a format change one clock after the transmitter went idle,
/// while the receiver is still deciding the last frame, is held back by the settings latch
/// (it follows the ports only while both directions are between frames), so the next byte
/// goes out in the old format where the ports say the new one. BMC finds it (properties
/// only, a frame then a pause then a stream).
#[test]
fn formal_loopback_cfg_change_needs_a_quiet_loop() {
    let config = configs::quick_6n1();
    let widest = configs::longest_frame(&config);
    let narrowest = configs::quick_5n1(); // 5N1 at the same rate
    let depth = formal::arm_clocks(&widest).unwrap() + configs::frame_clocks(&narrowest, 2) + 8;
    let outcome = run(bmc(
        Group::LoopbackCfg,
        config,
        depth,
        "loopback-cfg-change-early",
    )
    .with_parameter("QUIET", 1)
    .with_parameter("STREAM", 2)
    .without_invariants());
    assert_counterexample(&outcome);
}

/// The run-time loopback checker fails too when its line model expects bits twice as long.
#[test]
fn formal_loopback_cfg_checker_catches_a_long_bit() {
    let config = configs::quick_6n1();
    // 8 clocks per bit instead of 4.
    let model = UartConfig {
        clock_hz: config.clock_hz * 2,
        ..config
    };
    // Armed by clock 54 (a frame of idle line in the longest format); a byte handed over
    // then puts its first data bit on the line 4 clocks into a start bit the model holds
    // for 8.
    let widest = configs::longest_frame(&config);
    let depth = formal::arm_clocks(&widest).unwrap() + 12;
    let outcome =
        run(bmc(Group::LoopbackCfg, config, depth, "loopback-cfg-long-bit").with_model(model));
    assert_counterexample(&outcome);
}

// ---- 4. overrun ----

#[test]
fn formal_overrun_proven() {
    // The properties are 1-inductive: induction closes at once.
    assert_proven(&run(prove(
        Group::Overrun,
        configs::quick_5n1(),
        4,
        "overrun-prove",
    )));
}

/// A byte dropped to overrun, and reset clearing the flag, are reachable.
#[test]
fn formal_overrun_covers() {
    let config = configs::quick_5n1();
    let depth = formal::two_frame_depth(Group::Overrun, &config).unwrap();
    assert_proven(&run(cover(Group::Overrun, config, depth, "overrun-cover")));
}
