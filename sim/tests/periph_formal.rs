//! Formal proofs of the peripheral's FIFO and bus adapters on their exported Verilog
//! (yosys + yosys-smtbmc; see `rust_hdl_uart::sim::formal_periph`).

use rust_hdl_uart::sim::formal_periph::{run, PCheck, PGroup, PMode, PVerdict};
use std::time::Duration;

/// Runs `c` in a folder of its own under the target's scratch folder (kept after a
/// failure for its trace, removed after a proof), not in the system's temporary folder.
fn check(mut c: PCheck) -> rust_hdl_uart::sim::formal_periph::POutcome {
    let name = c
        .work_dir
        .file_name()
        .and_then(|n| n.to_str())
        .map(|n| n.replace(&format!("uart-pformal-{}-", std::process::id()), ""))
        .expect("the default work folder has a name");
    c.work_dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("pformal")
        .join(name);
    let outcome = run(&c).unwrap_or_else(|e| panic!("{} could not run: {e:#}", c.group.name()));
    eprintln!("{outcome}");
    assert!(
        outcome.verdict != PVerdict::TimedOut,
        "hang guard hit (not a failure of the design): {outcome}"
    );
    outcome
}

fn proven(c: PCheck) {
    let outcome = check(c);
    assert!(outcome.proven(), "{outcome}");
    if std::env::var_os("UART_FORMAL_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(outcome.smtbmc_log.parent().unwrap());
    }
}

const FIFO4: PGroup = PGroup::Fifo { width: 8, abits: 2 };
const FIFO16: PGroup = PGroup::Fifo { width: 8, abits: 4 };

#[test]
fn fifo4_properties_by_induction() {
    proven(PCheck::new(
        FIFO4,
        PMode::Induction { k: 8 },
        Duration::from_secs(20),
    ));
}

#[test]
fn fifo16_properties_by_induction() {
    proven(PCheck::new(
        FIFO16,
        PMode::Induction { k: 8 },
        Duration::from_secs(60),
    ));
}

#[test]
fn fifo4_covers_are_reachable() {
    // Every cover statement (both tracked entries out, full, write while full, a tracked
    // entry in a full FIFO, a tracked head from the bypass, clear when full) is reached.
    proven(PCheck::new(
        FIFO4,
        PMode::Cover { depth: 16 },
        Duration::from_secs(20),
    ));
}

/// The checker can fail: with the bypass register never selected (the RAM's stale output
/// shown for a head written in the previous clock) the order property breaks. (Checked
/// by BMC without the induction invariants, which would otherwise fail first.)
#[test]
fn fifo_without_bypass_fails() {
    let c = PCheck::new(FIFO4, PMode::Bmc { depth: 8 }, Duration::from_secs(20))
        .with_mutation(
            "bypass$d = push & head_written & ~in$clear;",
            "bypass$d = 1'b0;",
        )
        .with_define("NO_INVARIANTS");
    let outcome = check(c);
    assert!(
        matches!(&outcome.verdict, PVerdict::Counterexample { assertion, .. }
            if assertion.contains("order_first") || assertion.contains("order_second")),
        "{outcome}"
    );
}

/// The checker can fail: a wrong property (the second tracked entry first) is refuted.
#[test]
fn fifo_wrong_order_property_fails() {
    let c = PCheck::new(FIFO4, PMode::Bmc { depth: 8 }, Duration::from_secs(20))
        .with_define("WRONG_ORDER");
    let outcome = check(c);
    assert!(
        matches!(outcome.verdict, PVerdict::Counterexample { .. }),
        "{outcome}"
    );
}

#[test]
fn wishbone_properties_by_induction() {
    proven(PCheck::new(
        PGroup::Wishbone,
        PMode::Induction { k: 6 },
        Duration::from_secs(20),
    ));
}

#[test]
fn wishbone_covers_are_reachable() {
    proven(PCheck::new(
        PGroup::Wishbone,
        PMode::Cover { depth: 16 },
        Duration::from_secs(20),
    ));
}

/// The checker can fail: an adapter that stalls only in the clock after acceptance
/// (not through a read's ack) takes a classic master's held request twice.
#[test]
fn wishbone_short_stall_fails() {
    let c = PCheck::new(
        PGroup::Wishbone,
        PMode::Bmc { depth: 8 },
        Duration::from_secs(20),
    )
    .with_mutation(
        "busy$d = (accept | read_strobe$q) & ~in$reset;",
        "busy$d = accept & ~in$reset;",
    )
    .with_define("NO_INVARIANTS");
    let outcome = check(c);
    assert!(
        matches!(&outcome.verdict, PVerdict::Counterexample { assertion, .. }
            if assertion.contains("stall_busy")),
        "{outcome}"
    );
}

#[test]
fn axil_properties_by_induction() {
    proven(PCheck::new(
        PGroup::AxiLite,
        PMode::Induction { k: 6 },
        Duration::from_secs(30),
    ));
}

#[test]
fn axil_covers_are_reachable() {
    // Address before data, data before address, a read, B and R held by a low READY,
    // all three VALIDs in one clock.
    proven(PCheck::new(
        PGroup::AxiLite,
        PMode::Cover { depth: 16 },
        Duration::from_secs(30),
    ));
}

/// The checker can fail: RVALID raised in the strobe's clock, one clock before the
/// register port has the read's data (the adapter presents `reg_rdata` as RDATA), is
/// caught.
#[test]
fn axil_early_read_data_fails() {
    let c = PCheck::new(
        PGroup::AxiLite,
        PMode::Bmc { depth: 10 },
        Duration::from_secs(20),
    )
    .with_mutation(
        "if (read_capture$q) begin\n            rvalid$d = 1'b1;",
        "if (read_ready$q | read_capture$q) begin\n            rvalid$d = 1'b1;",
    )
    .with_define("NO_INVARIANTS");
    let outcome = check(c);
    assert!(
        matches!(&outcome.verdict, PVerdict::Counterexample { assertion, .. }
            if assertion.contains("rdata_right") || assertion.contains("r_stable")),
        "{outcome}"
    );
}

/// The Wishbone properties at the bus of the whole `uart_wb` export (adapter +
/// peripheral, 16-entry FIFOs in block RAM): they concern the adapter's state only, so
/// the same invariants close the induction whatever the peripheral's state.
#[test]
fn uart_wb_bus_properties_by_induction() {
    proven(PCheck::new(
        PGroup::UartWb,
        PMode::Induction { k: 6 },
        Duration::from_secs(120),
    ));
}

/// The AXI4-Lite properties at the bus of the whole `uart_axil` export.
#[test]
fn uart_axil_bus_properties_by_induction() {
    proven(PCheck::new(
        PGroup::UartAxil,
        PMode::Induction { k: 6 },
        Duration::from_secs(120),
    ));
}

/// The properties on the whole exports are not vacuous: reads and writes complete
/// through the peripheral (the cover statements of both wrappers are reached).
#[test]
fn uart_exports_covers_are_reachable() {
    proven(PCheck::new(
        PGroup::UartWb,
        PMode::Cover { depth: 16 },
        Duration::from_secs(60),
    ));
    proven(PCheck::new(
        PGroup::UartAxil,
        PMode::Cover { depth: 16 },
        Duration::from_secs(60),
    ));
}

/// The bus properties hold per build, not only for the default: the whole exports of
/// the `minimal` preset and of a seeded sampled build (the sample the co-simulation
/// uses), by induction.
#[test]
fn bus_properties_of_other_builds_by_induction() {
    use rust_hdl_uart::periph::options::PeripheralOptions;
    let sampled = crate::periph::builds::sample(2026, 1)[0];
    for (tag, build) in [
        ("minimal", PeripheralOptions::minimal()),
        ("sampled", sampled),
    ] {
        for group in [PGroup::UartWb, PGroup::UartAxil] {
            proven(
                PCheck::new(group, PMode::Induction { k: 6 }, Duration::from_secs(120))
                    .with_build(build, tag),
            );
        }
    }
}
