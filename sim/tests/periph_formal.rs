//! Formal proofs of the peripheral's FIFO and bus adapters on their exported Verilog
//! (yosys + yosys-smtbmc; see `rust_hdl_uart::sim::formal_periph`).

use rust_hdl_uart::periph::options::PeripheralOptions;
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

const SMALL1: PGroup = PGroup::SmallFifo { width: 8, depth: 1 };
const SMALL2: PGroup = PGroup::SmallFifo { width: 8, depth: 2 };

/// The flip-flop FIFO (1 and 2 entries): level exact, full/empty exact, order and no
/// loss, a write while full and a read while empty refused visibly, clear empties it
/// (the wrapper's model clears), by induction.
#[test]
fn small_fifo_properties_by_induction() {
    for group in [
        SMALL1,
        SMALL2,
        PGroup::SmallFifo {
            width: 11,
            depth: 2,
        },
    ] {
        proven(PCheck::new(
            group,
            PMode::Induction { k: 6 },
            Duration::from_secs(20),
        ));
    }
}

/// The flip-flop FIFO's properties are not vacuous: both tracked entries come out, it
/// fills, a write while full (alone and with a read), a clear when full, and (2 entries)
/// a tracked entry behind another and one written while the only entry leaves.
#[test]
fn small_fifo_covers_are_reachable() {
    for group in [SMALL1, SMALL2] {
        proven(PCheck::new(
            group,
            PMode::Cover { depth: 12 },
            Duration::from_secs(20),
        ));
    }
}

/// A mutated flip-flop FIFO is refused: BMC (without the induction invariants, which
/// would otherwise fail first) finds the port property named.
fn small_fifo_mutant_fails(group: PGroup, from: &str, to: &str, expected: &[&str]) {
    let c = PCheck::new(group, PMode::Bmc { depth: 8 }, Duration::from_secs(20))
        .with_mutation(from, to)
        .with_define("NO_INVARIANTS");
    let outcome = check(c);
    assert!(
        matches!(&outcome.verdict, PVerdict::Counterexample { assertion, .. }
            if expected.iter().any(|e| assertion.contains(e))),
        "expected a counterexample of {expected:?}: {outcome}"
    );
}

/// `full` off by one (raised at one entry of two).
#[test]
fn small_fifo_full_off_by_one_fails() {
    small_fifo_mutant_fails(
        SMALL2,
        "full = count$q == depth;",
        "full = count$q == one;",
        &["full_exact"],
    );
}

/// A pop that does not advance the second entry to the head: the entry popped is read
/// again, the one behind it lost.
#[test]
fn small_fifo_pop_not_advancing_fails() {
    small_fifo_mutant_fails(
        SMALL2,
        "head$d = tail$q;",
        "head$d = head$q;",
        &["order_first", "order_second"],
    );
}

/// A write while full that overwrites the only entry (the count still right).
#[test]
fn small_fifo_write_when_full_overwrites_fails() {
    small_fifo_mutant_fails(
        SMALL1,
        "if (push) begin\n            if (~two_deep | (count$q == 32'h0) | pop) begin\n`ifndef VERILATOR",
        "if (in$write) begin\n            if (~two_deep | (count$q == 32'h0) | pop) begin\n`ifndef VERILATOR",
        &["write_when_full", "order_first"],
    );
}

/// A write while full taken (the count wraps to empty).
#[test]
fn small_fifo_write_when_full_taken_fails() {
    small_fifo_mutant_fails(
        SMALL1,
        "count$d = count$q;\n        push = in$write & (count$q != depth);",
        "count$d = count$q;\n        push = in$write;",
        &[
            "write_when_full",
            "level_exact",
            "empty_exact",
            "order_first",
        ],
    );
}

/// A read while empty taken (the count wraps).
#[test]
fn small_fifo_read_when_empty_taken_fails() {
    small_fifo_mutant_fails(
        SMALL2,
        "pop = in$read & (count$q != 32'h0);\n`endif",
        "pop = in$read;\n`endif",
        &["read_when_empty", "level_exact", "empty_exact"],
    );
}

/// `clear` that leaves the count as it is.
#[test]
fn small_fifo_clear_ignored_fails() {
    small_fifo_mutant_fails(
        SMALL1,
        "if (in$clear) begin\n`ifndef VERILATOR\n            count$d = 32'h0;",
        "if (in$clear) begin\n`ifndef VERILATOR\n            count$d = count$d;",
        &["level_exact", "empty_exact", "full_exact"],
    );
}

/// The builds whose formal checks run (the proofs hold per build): both presets, the
/// builds `periph_cosim::sampled_builds_export_lint_and_match_rust` exports (two with
/// tiny and unequal FIFOs and the seeded sample: FIFOs of 1, 2, 4, 8, 16 and 512
/// entries), and one with a block RAM FIFO smaller than its type, by label.
fn formal_builds() -> Vec<(String, PeripheralOptions)> {
    let mut builds = vec![
        ("full".to_string(), PeripheralOptions::full()),
        ("minimal".to_string(), PeripheralOptions::minimal()),
        (
            "minimal-1-512".to_string(),
            PeripheralOptions::minimal().with_depths(0, 9),
        ),
        (
            "full-2-8".to_string(),
            PeripheralOptions::full().with_depths(1, 3),
        ),
        // Not co-simulated: a block RAM FIFO smaller than its type (4 entries beside
        // 16), which none of the others has.
        (
            "full-4-16".to_string(),
            PeripheralOptions::full().with_depths(2, 4),
        ),
    ];
    for (i, b) in crate::periph::builds::sample(2026, 3)
        .into_iter()
        .enumerate()
    {
        builds.push((format!("sampled{i}"), b));
    }
    builds
}

/// Each build's RX and TX FIFO, as the build ships it (cut out of its `uart_wb` export;
/// the `uart_axil` export's FIFO modules are checked to be the same text), proven by
/// induction. Builds whose FIFO module text is the same share one proof. The sample
/// covers 1 and 2 entries (flip-flops) and 4 to 16 (block RAM), also inside a larger
/// type; the one FIFO over 16 entries (512, whose RAM words the wrapper does not probe
/// one by one) is named in the output.
#[test]
fn fifos_of_every_build_by_induction() {
    use rust_hdl_uart::config::UartConfig;
    use rust_hdl_uart::export::{peripheral_verilog, Design};
    use rust_hdl_uart::sim::formal_periph::{fifo_modules, PROBED_DEPTH_LOG2_MAX};
    use std::collections::BTreeMap;
    // FIFO text -> (the first build with it, RX?, every build and direction with it).
    let mut distinct: BTreeMap<String, (String, PeripheralOptions, bool, Vec<String>)> =
        BTreeMap::new();
    let mut not_probed = Vec::new();
    let mut depths = std::collections::BTreeSet::new();
    for (label, build) in formal_builds() {
        let wb = peripheral_verilog(&UartConfig::default(), &build, Design::Wishbone, "uart_wb")
            .unwrap();
        let axil = peripheral_verilog(&UartConfig::default(), &build, Design::AxiLite, "uart_axil")
            .unwrap();
        for rx in [true, false] {
            let text = fifo_modules(&wb, "uart_wb", rx, "fifo_dut").unwrap();
            assert_eq!(
                text,
                fifo_modules(&axil, "uart_axil", rx, "fifo_dut").unwrap(),
                "{label}: the two buses' FIFO modules differ"
            );
            let depth_log2 = if rx {
                build.rx_depth_log2
            } else {
                build.tx_depth_log2
            };
            let what = format!(
                "{label} {} ({} entries)",
                if rx { "RX" } else { "TX" },
                1u32 << depth_log2
            );
            if depth_log2 > PROBED_DEPTH_LOG2_MAX {
                not_probed.push(what);
                continue;
            }
            let type_log2 = build.rx_depth_log2.max(build.tx_depth_log2).max(2);
            depths.insert((depth_log2, depth_log2 < type_log2 && depth_log2 >= 2));
            distinct
                .entry(text)
                .or_insert_with(|| (label.clone(), build, rx, Vec::new()))
                .3
                .push(what);
        }
    }
    // The sample reaches every storage: 1 and 2 entries, block RAM, and block RAM
    // smaller than its type.
    for needed in [0, 1] {
        assert!(
            depths.iter().any(|&(d, _)| d == needed),
            "no build with a FIFO of {} entries",
            1 << needed
        );
    }
    assert!(depths.iter().any(|&(d, _)| d >= 2), "no block RAM FIFO");
    assert!(
        depths.iter().any(|&(_, smaller)| smaller),
        "no block RAM FIFO smaller than its type"
    );
    assert_eq!(not_probed, ["minimal-1-512 TX (512 entries)"]);
    eprintln!("not proven here (RAM words not probed): {not_probed:?}");
    for (label, build, rx, covers) in distinct.into_values() {
        eprintln!("proving the FIFO of {covers:?}");
        proven(
            PCheck::new(
                PGroup::BuildFifo { rx },
                PMode::Induction { k: 8 },
                Duration::from_secs(60),
            )
            .with_build(build, &label),
        );
    }
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
        "if (read_capture$q) begin\n`ifndef VERILATOR\n            rvalid$d = 1'b1;",
        "if (read_ready$q | read_capture$q) begin\n`ifndef VERILATOR\n            rvalid$d = 1'b1;",
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

/// A build's FIFO check can fail: the RX FIFO of `full-4-16` (4 entries in block RAM,
/// inside a 16-entry type) with its full flag raised at 8 entries instead of 4 (the
/// RAM's 4 words are overwritten) is refused.
#[test]
fn build_fifo_full_at_wrong_level_fails() {
    let build = PeripheralOptions::full().with_depths(2, 4);
    let c = PCheck::new(
        PGroup::BuildFifo { rx: true },
        PMode::Bmc { depth: 10 },
        Duration::from_secs(30),
    )
    .with_build(build, "full-4-16")
    .with_mutation(
        "localparam  count_top = 4'h3;",
        "localparam  count_top = 4'h7;",
    )
    .with_define("NO_INVARIANTS");
    let outcome = check(c);
    assert!(
        matches!(&outcome.verdict, PVerdict::Counterexample { assertion, .. }
            if assertion.contains("full_exact") || assertion.contains("level_exact")),
        "{outcome}"
    );
}

/// The bus properties hold per build, not only for the default: the whole exports of
/// every build of [`formal_builds`] but `full` (proven above), by induction.
#[test]
fn bus_properties_of_other_builds_by_induction() {
    for (tag, build) in formal_builds() {
        if build == PeripheralOptions::full() {
            continue;
        }
        for group in [PGroup::UartWb, PGroup::UartAxil] {
            proven(
                PCheck::new(group, PMode::Induction { k: 6 }, Duration::from_secs(120))
                    .with_build(build, &tag),
            );
        }
    }
}
