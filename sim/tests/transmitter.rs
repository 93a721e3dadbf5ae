//! Transmitter tests: the line monitor decodes the TX pin and checks every edge against
//! ideal bit boundaries (within one clock, no drift across back-to-back frames).

use super::common::*;
use rust_hdl_uart::sim::harness::{run_transmitter, TxBench};
use rust_hdl_uart::sim::line::{LineMonitor, MonitorEvent};
use rust_hdl_uart::{with_data_bits, Parity, UartConfig};

fn send_and_check(config: UartConfig, count: usize, seed: u64) {
    let timing = config.validate().unwrap();
    with_data_bits!(expect config.data_bits, D => {
        let mut bench = TxBench::<D>::new(&timing).unwrap().traced(&trace_name("tx_stream", &config)).unwrap();
        // The monitor is told the transmitter's real baud: within a clock of *that* is
        // the guarantee; the ppm difference to the asked-for baud is checked in config.
        let mut format = line_format(&config);
        format.baud = timing.tx_baud;
        let mut monitor = LineMonitor::new(format, 1.0);
        let mut rng = Rng::new(seed);
        let mask = (1u16 << config.data_bits) - 1;
        let bytes: Vec<u16> = (0..count).map(|_| rng.next() as u16 & mask).collect();
        let accepted = run_transmitter(&mut bench, &mut monitor, &bytes, tail(&config)).unwrap();
        assert_eq!(accepted.len(), bytes.len());
        let name = config.short_name();
        assert!(monitor.timing_errors().is_empty(), "{name}: {:?}", &monitor.timing_errors()[..monitor.timing_errors().len().min(5)]);
        let frames: Vec<u16> = monitor
            .events()
            .iter()
            .map(|event| match *event {
                MonitorEvent::Frame { data, parity_ok, stop_ok, .. } => {
                    assert!(parity_ok && stop_ok, "{name}: bad frame {event:?}");
                    data
                }
                other => panic!("{name}: unexpected {other:?}"),
            })
            .collect();
        assert_eq!(frames, bytes, "{name}");
        // valid held high the whole time: no idle gap between frames.
        assert_eq!(monitor.min_idle_before_start_bits(), Some(0.0), "{name}: gap between frames");
    })
}

#[test]
fn every_frame_format_back_to_back_with_exact_bit_lengths() {
    for data_bits in 5..=9 {
        for parity in Parity::ALL {
            for stop_bits in [1, 2] {
                let config = UartConfig {
                    data_bits,
                    parity,
                    stop_bits,
                    ..fast_config()
                };
                send_and_check(config, 20, data_bits as u64 * 31 + stop_bits as u64);
            }
        }
    }
}

#[test]
fn fractional_bit_times_do_not_drift_at_real_ratios() {
    // 868.06 and 100.00 clocks per bit from 100 MHz, 8.33 at 12 Mbaud.
    for baud in [115_200, 1_000_000, 12_000_000] {
        let config = UartConfig {
            baud,
            oversample: 4,
            ..UartConfig::default()
        };
        let count = if baud == 115_200 { 60 } else { 300 };
        send_and_check(config, count, baud);
    }
}

#[test]
fn idle_high_from_power_up_and_busy_while_sending() {
    let config = fast_config();
    let timing = config.validate().unwrap();
    let mut bench = TxBench::<8>::new(&timing).unwrap();
    for _ in 0..200 {
        bench.apply(0, false, false, false).unwrap();
        let out = bench.edge().unwrap();
        assert!(out.tx && !out.busy);
    }
    assert!(
        bench.apply(0x00, true, false, false).unwrap(),
        "idle transmitter must be ready"
    );
    let mut busy_cycles = 0;
    let mut low_cycles = 0;
    for i in 0..2000 {
        bench.apply(0x00, i == 0, false, false).unwrap();
        let out = bench.edge().unwrap();
        busy_cycles += out.busy as u32;
        low_cycles += !out.tx as u32;
    }
    // 0x00 8N1: start + 8 data bits low (9 bits), stop high; busy for the 10 bits.
    let cpb = timing.clocks_per_bit;
    assert!(
        (low_cycles as f64 - 9.0 * cpb).abs() <= 1.0,
        "low for {low_cycles}"
    );
    assert!(
        (busy_cycles as f64 - 10.0 * cpb).abs() <= 2.0,
        "busy for {busy_cycles}"
    );
}

#[test]
fn break_line_holds_the_line_low_then_marks_before_the_next_frame() {
    let config = fast_config();
    let timing = config.validate().unwrap();
    let mut bench = TxBench::<8>::new(&timing).unwrap();
    let mut monitor = LineMonitor::new(line_format(&config), 1.0);
    let cpb = timing.clocks_per_bit;
    let break_clocks = (40.0 * cpb) as u64;
    let mut ready_during_break = false;
    // A frame is already on the line when the break is asked for: it must finish first.
    let mut sent_first = false;
    for cycle in 0..(60.0 * cpb) as u64 {
        let breaking = (50..50 + break_clocks).contains(&cycle);
        let want = cycle > 0 && !sent_first;
        let ready = bench.apply(0x96, want, breaking, false).unwrap();
        if want && ready {
            sent_first = true;
        }
        ready_during_break |= breaking && ready;
        monitor.push(bench.edge().unwrap().tx);
    }
    // And a frame sent right after: it must come after at least one stop bit of mark.
    let accepted = run_transmitter(&mut bench, &mut monitor, &[0x3C], tail(&config)).unwrap();
    assert_eq!(accepted.len(), 1);
    assert!(!ready_during_break, "ready while break_line was high");
    let events = monitor.events();
    assert!(
        matches!(
            events[0],
            MonitorEvent::Frame {
                data: 0x96,
                stop_ok: true,
                ..
            }
        ),
        "{events:?}"
    );
    match events[1] {
        MonitorEvent::Break { clocks, .. } => {
            // From the end of the frame (accepted in cycle 1, 10 bits) to the release.
            let expected = (50 + break_clocks) as f64 - (1.0 + 10.0 * cpb);
            assert!(
                (clocks as f64 - expected).abs() <= 3.0,
                "break lasted {clocks} clocks, not {expected}"
            );
        }
        other => panic!("expected a break, got {other:?}"),
    }
    assert!(
        matches!(
            events[2],
            MonitorEvent::Frame {
                data: 0x3C,
                stop_ok: true,
                ..
            }
        ),
        "{events:?}"
    );
    assert_eq!(events.len(), 3);
}

#[test]
fn reset_mid_frame_returns_the_line_to_idle() {
    let config = fast_config();
    let timing = config.validate().unwrap();
    let mut bench = TxBench::<8>::new(&timing).unwrap();
    bench.apply(0x00, true, false, false).unwrap();
    bench.edge().unwrap();
    for _ in 0..(3.0 * timing.clocks_per_bit) as u32 {
        bench.apply(0, false, false, false).unwrap();
        assert!(!bench.edge().unwrap().tx || bench.cycle < 2);
    }
    bench.apply(0, false, false, true).unwrap();
    bench.edge().unwrap();
    for _ in 0..100 {
        bench.apply(0, false, false, false).unwrap();
        let out = bench.edge().unwrap();
        assert!(out.tx && !out.busy);
    }
}

/// The peripheral's transmitter lends its bit timer to the RX timeout and RS-485
/// ([`TxCore::with_shared_timer`]): between frames the timer runs on and its owner restarts
/// it. Whatever the owner does with it, the line must be the plain run-time core's, clock
/// for clock (random bytes with pauses, breaks, restarts while idle), and the ticks it lends
/// must be whole bit times apart, the first one bit time after a two-clock restart.
#[test]
fn shared_bit_timer_sends_what_the_plain_core_sends_clock_for_clock() {
    use rust_hdl::prelude::*;
    use rust_hdl_uart::sim::cosim::settle;
    use rust_hdl_uart::tx::TxCore;

    let formats = [
        (8, Parity::None, 1),
        (7, Parity::Even, 2),
        (5, Parity::Odd, 1),
    ];
    for (run, (data_bits, parity, stop_bits)) in formats.into_iter().enumerate() {
        let config = UartConfig {
            data_bits,
            parity,
            stop_bits,
            ..fast_config()
        };
        let timing = config.validate().unwrap();
        let bit = timing.clocks_per_bit;
        let mut plain = TxCore::<8>::new(&timing, true).unwrap();
        let mut shared = TxCore::<8>::with_shared_timer(&timing).unwrap();
        for core in [&mut plain, &mut shared] {
            core.connect_all();
            core.increment.next = (timing.bit.increment as u64).to_bits();
            core.last_data_bit.next = (data_bits as u64 - 1).to_bits();
            core.parity_enabled.next = parity.enabled();
            core.parity_covers_data.next = parity.covers_data();
            core.parity_seed.next = parity.seed();
            core.two_stop_bits.next = stop_bits == 2;
        }
        let mut rng = Rng::new(run as u64 + 7);
        let (mut valid, mut data, mut break_left) = (false, 0u64, 0u32);
        let (mut restart_left, mut restarted_at) = (0u32, None::<u64>);
        let (mut last_tick, mut ticks_checked, mut frames, mut breaks) = (None::<u64>, 0, 0, 0);
        let mut idle = true;
        for cycle in 0..150_000u64 {
            // A byte waits until taken; a break is held for a few bit times.
            if !valid && break_left == 0 && rng.next().is_multiple_of(384) {
                if rng.next().is_multiple_of(8) {
                    break_left = (bit * (12 + rng.next() % 10) as f64) as u32;
                    breaks += 1;
                } else {
                    valid = true;
                    data = rng.next() & 0xFF;
                }
            }
            // The owner restarts the timer only while the line is idle and no byte waits.
            if restart_left == 0
                && idle
                && !valid
                && break_left == 0
                && rng.next().is_multiple_of(256)
            {
                restart_left = 2;
                restarted_at = Some(cycle);
                last_tick = None;
            }
            for core in [&mut plain, &mut shared] {
                core.clock.next = false.into();
                core.data.next = data.to_bits();
                core.valid.next = valid;
                core.break_line.next = break_left > 0;
                core.reset.next = false;
            }
            shared.timer_restart.next = restart_left > 0;
            settle(&mut plain).unwrap();
            settle(&mut shared).unwrap();
            assert_eq!(
                plain.ready.val(),
                shared.ready.val(),
                "ready, run {run} clock {cycle}"
            );
            let taken = valid && plain.ready.val();
            let tick = shared.bit_tick.val();
            for core in [&mut plain, &mut shared] {
                core.clock.next = true.into();
            }
            settle(&mut plain).unwrap();
            settle(&mut shared).unwrap();
            for (what, a, b) in [
                ("tx", plain.tx.val(), shared.tx.val()),
                ("busy", plain.busy.val(), shared.busy.val()),
                (
                    "between_frames",
                    plain.between_frames.val(),
                    shared.between_frames.val(),
                ),
            ] {
                assert_eq!(a, b, "{what}, run {run} clock {cycle}");
            }
            assert!(!plain.bit_tick.val(), "the plain core lends no tick");
            // Ticks while the line is idle, after a restart: whole bit times apart. The first
            // is a bit time after the restart's second clock (where the phase starts to
            // count), seen here one clock later still, as the tick is registered.
            // (A tick in the restart's own two clocks is the old count's, already on its way.)
            let counting = restarted_at.is_some_and(|at| cycle > at + 1);
            if idle && tick && counting {
                let (from, slack) = match last_tick {
                    Some(t) => (t as f64, 0.0),
                    None => (restarted_at.unwrap() as f64 + 1.0, 1.0),
                };
                let gap = cycle as f64 - from;
                assert!(
                    gap >= bit - 1.0 && gap <= bit + 1.0 + slack,
                    "a lent tick {gap} clocks after the last (bit time {bit}), run {run} clock \
                     {cycle}, first after a restart: {}",
                    last_tick.is_none()
                );
                last_tick = Some(cycle);
                ticks_checked += 1;
            }
            if taken {
                valid = false;
                frames += 1;
            }
            if taken || break_left > 0 {
                restarted_at = None;
            }
            break_left = break_left.saturating_sub(1);
            restart_left = restart_left.saturating_sub(1);
            idle = !shared.busy.val() && break_left == 0;
        }
        // The stimulus did what it is for.
        assert!(
            frames > 100 && breaks > 5,
            "run {run}: {frames} frames, {breaks} breaks"
        );
        assert!(
            ticks_checked > 20,
            "run {run}: only {ticks_checked} lent ticks checked"
        );
    }
}
