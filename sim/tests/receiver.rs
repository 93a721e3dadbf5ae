//! Receiver tests: the independent line model drives the pin; a scoreboard compares what
//! the receiver reports with what a correct receiver must report.

use super::common::*;
use rust_hdl_uart::sim::harness::{run_receiver, ReadyPolicy, RxBench};
use rust_hdl_uart::sim::line::{compare_events, RxEvent, SerialDriver};
use rust_hdl_uart::{with_data_bits, Parity, UartConfig};

/// Random frames, then one with bad parity and one with a bad stop bit, then more frames:
/// each flag must land on exactly the right byte.
fn errors_land_on_the_right_byte(config: UartConfig, seed: u64) {
    let timing = config.validate().unwrap();
    with_data_bits!(expect config.data_bits, D => {
        let mut bench = RxBench::<D>::new(&timing).unwrap().traced(&trace_name("rx_errors", &config)).unwrap();
        let mut driver = SerialDriver::new(line_format(&config), seed);
        let mut rng = Rng::new(seed);
        let mask = (1u16 << config.data_bits) - 1;
        driver.idle_bits(config.frame_bits() as f64 + 1.0);
        for _ in 0..6 {
            driver.frame(rng.next() as u16 & mask);
        }
        if config.parity != Parity::None {
            driver.frame_bad_parity(0x5A & mask);
            driver.frame(0x33 & mask);
        }
        // Non-zero data, so this is a framing error, not a break.
        driver.frame_bad_stop(0x01);
        driver.idle_bits(2.0);
        for _ in 0..4 {
            driver.frame(rng.next() as u16 & mask);
        }
        let run = run_receiver(&mut bench, &mut driver, ReadyPolicy::Always, tail(&config)).unwrap();
        if let Err(diff) = compare_events(driver.expected(), &run.events) {
            panic!("{}: {diff}", config.short_name());
        }
        assert!(!run.overrun_seen);
    })
}

#[test]
fn every_frame_format_with_parity_and_framing_errors() {
    let mut configs = 0;
    for data_bits in 5..=9 {
        for parity in Parity::ALL {
            for stop_bits in [1, 2] {
                let config = UartConfig {
                    data_bits,
                    parity,
                    stop_bits,
                    ..fast_config()
                };
                errors_land_on_the_right_byte(config, 1000 + configs);
                configs += 1;
            }
        }
    }
    assert_eq!(configs, 50);
}

#[test]
fn every_oversample_rate_at_real_clock_ratios() {
    // 1 Mbaud from 100 MHz: 6.25 clocks per sample at 16x, the case an integer
    // divider gets 4 % wrong; 12 Mbaud at 8x is the FT2232H's top rate.
    for (baud, oversample) in [
        (1_000_000, 16),
        (1_000_000, 8),
        (1_000_000, 4),
        (12_000_000, 8),
        (12_000_000, 4),
    ] {
        let config = UartConfig {
            baud,
            oversample,
            ..UartConfig::default()
        };
        receive_random_stream(config, 300, 0.0, 7);
    }
}

#[test]
fn twelve_megabaud_from_a_sender_two_percent_off() {
    // About one clock per sample at 8x: where the edge-latency compensation matters most.
    for oversample in [8, 4] {
        for ppm in [20_000.0, -20_000.0] {
            let config = UartConfig {
                baud: 12_000_000,
                oversample,
                ..UartConfig::default()
            };
            receive_random_stream(config, 500, ppm, 17);
        }
    }
}

#[test]
fn long_back_to_back_stream_at_115200() {
    // The real ratio: 868 clocks per bit, 54.25 clocks per sample.
    receive_random_stream(UartConfig::default(), 400, 0.0, 11);
}

#[test]
fn sender_four_percent_fast_and_slow_at_16x() {
    for ppm in [40_000.0, -40_000.0] {
        for parity in [Parity::None, Parity::Even] {
            let config = UartConfig {
                parity,
                ..fast_config()
            };
            receive_random_stream(config, 1500, ppm, 21);
        }
    }
}

#[test]
fn sender_error_within_the_window_at_8x_and_4x() {
    for oversample in [8, 4] {
        for ppm in [40_000.0, -40_000.0] {
            let config = UartConfig {
                oversample,
                ..fast_config()
            };
            receive_random_stream(config, 600, ppm, 31);
        }
    }
}

#[test]
fn jitter_and_glitches_shorter_than_a_sample_never_change_a_byte() {
    for oversample in [16, 8, 4] {
        let config = UartConfig {
            oversample,
            ..fast_config()
        };
        let timing = config.validate().unwrap();
        // Strictly shorter than one sample period, so no glitch can reach two samples.
        // Dense noise (a glitch in every other bit) at 16x and 8x. At 4x the three votes
        // span half the bit: a glitch across the start bit's first sample can delay the
        // phase by up to a sample, and a second glitch in the same frame may then flip a
        // bit, so there the noise is sparse (one glitch in ~50 bits); the bench measures
        // the dense-noise limit of each rate.
        let sample = timing.clocks_per_sample;
        let max_glitch = sample.ceil() as u32 - 1;
        let per_bit = if oversample == 4 { 0.02 } else { 0.5 };
        let mut driver = SerialDriver::new(line_format(&config), 41)
            .jitter(0.02)
            .glitches(per_bit, max_glitch);
        driver.idle_bits(12.0);
        let mut rng = Rng::new(41);
        for _ in 0..800 {
            driver.frame(rng.next() as u16 & 0xFF);
        }
        let mut bench = RxBench::<8>::new(&timing).unwrap();
        let run =
            run_receiver(&mut bench, &mut driver, ReadyPolicy::Always, tail(&config)).unwrap();
        if let Err(diff) = compare_events(driver.expected(), &run.events) {
            panic!("{}x glitches up to {max_glitch} clocks: {diff}", oversample);
        }
    }
}

#[test]
fn short_low_pulses_on_an_idle_line_start_no_frame() {
    for oversample in [16, 8, 4] {
        let config = UartConfig {
            oversample,
            ..fast_config()
        };
        let timing = config.validate().unwrap();
        let half_bit = (timing.clocks_per_bit / 2.0).floor() as u32 - 1;
        let mut driver = SerialDriver::new(line_format(&config), 51);
        driver.idle_bits(12.0);
        for clocks in 1..=half_bit {
            driver.low_pulse(clocks);
            driver.idle_bits(1.5);
        }
        // A real frame afterwards still arrives: the pulses did not leave the receiver
        // stuck or misaligned.
        driver.frame(0xA5);
        let mut bench = RxBench::<8>::new(&timing).unwrap();
        let run =
            run_receiver(&mut bench, &mut driver, ReadyPolicy::Always, tail(&config)).unwrap();
        assert_eq!(
            run.events,
            vec![RxEvent {
                data: 0xA5,
                framing_error: false,
                parity_error: false,
                break_detected: false
            }],
            "{oversample}x: pulses up to {half_bit} clocks ({:.1} clocks per bit)",
            timing.clocks_per_bit
        );
    }
}

#[test]
fn break_is_reported_once_and_reception_resumes() {
    for parity in [Parity::None, Parity::Odd] {
        let config = UartConfig {
            parity,
            ..fast_config()
        };
        let timing = config.validate().unwrap();
        let mut driver = SerialDriver::new(line_format(&config), 61);
        driver.idle_bits(12.0);
        driver.frame(0x41);
        // Much longer than a frame: must still be one break, not a stream of zeros.
        driver.line_break(40.0);
        driver.idle_bits(1.0);
        driver.frame(0x42);
        driver.frame(0x00);
        // An all-zero frame with a bad stop bit is a break too (the line was low for a frame).
        driver.frame_bad_stop(0x00);
        driver.idle_bits(2.0);
        driver.frame(0x43);
        let mut bench = RxBench::<8>::new(&timing).unwrap();
        let run =
            run_receiver(&mut bench, &mut driver, ReadyPolicy::Always, tail(&config)).unwrap();
        // With odd parity the all-zero bad-stop frame has a high parity bit: not a break.
        let breaks = run.events.iter().filter(|e| e.break_detected).count();
        assert_eq!(
            breaks,
            if parity == Parity::Odd { 1 } else { 2 },
            "{:?}",
            run.events
        );
        if let Err(diff) = compare_events(driver.expected(), &run.events) {
            panic!("{}: {diff}", config.short_name());
        }
    }
}

#[test]
fn overrun_is_flagged_never_silent_and_sticky_until_reset() {
    let config = fast_config();
    let timing = config.validate().unwrap();
    let mut bench = RxBench::<8>::new(&timing).unwrap();
    let mut driver = SerialDriver::new(line_format(&config), 71);
    driver.idle_bits(12.0);
    driver.frame(0x11);
    driver.frame(0x22);
    driver.frame(0x33);
    // Nobody takes anything: the first byte stays held, the next two are flagged.
    let run = run_receiver(&mut bench, &mut driver, ReadyPolicy::Never, tail(&config)).unwrap();
    assert!(run.events.is_empty());
    assert!(run.overrun_seen);
    let held = bench.step(true, false, false).unwrap();
    assert!(held.valid && held.overrun);
    assert_eq!(held.data, 0x11, "the held byte must not be overwritten");
    // Taking the byte does not clear overrun; reset does.
    let taken = bench.step(true, true, false).unwrap();
    assert!(!taken.valid && taken.overrun);
    let after_reset = bench.step(true, false, true).unwrap();
    assert!(!after_reset.overrun && !after_reset.valid);
}

#[test]
fn back_pressure_without_overrun_loses_nothing() {
    // The consumer is slow but always takes the byte within a frame time.
    let config = fast_config();
    let timing = config.validate().unwrap();
    let mut bench = RxBench::<8>::new(&timing).unwrap();
    let mut driver = SerialDriver::new(line_format(&config), 81);
    driver.idle_bits(12.0);
    let mut rng = Rng::new(81);
    for _ in 0..300 {
        driver.frame(rng.next() as u16 & 0xFF);
    }
    let policy = ReadyPolicy::Sometimes {
        percent: 5,
        seed: 81,
    };
    let run = run_receiver(&mut bench, &mut driver, policy, tail(&config)).unwrap();
    compare_events(driver.expected(), &run.events).unwrap();
    assert!(!run.overrun_seen);
}

#[test]
fn power_up_on_a_low_noisy_or_busy_line_gives_no_spurious_byte() {
    let config = fast_config();
    let timing = config.validate().unwrap();
    let cpb = timing.clocks_per_bit.round() as usize;
    // Held low from power-up, then noise, then high: nothing.
    let mut bench = RxBench::<8>::new(&timing).unwrap();
    let mut rng = Rng::new(91);
    for _ in 0..30 * cpb {
        let out = bench.step(false, true, false).unwrap();
        assert!(!out.valid);
    }
    for _ in 0..30 * cpb {
        let out = bench
            .step(!rng.next().is_multiple_of(3), true, false)
            .unwrap();
        assert!(!out.valid, "noise after power-up produced a byte");
    }
    // Powered up in the middle of a continuous stream: no byte until the line has been
    // idle for a frame, then every byte.
    let mut bench = RxBench::<8>::new(&timing).unwrap();
    let mut driver = SerialDriver::new(line_format(&config), 92);
    for _ in 0..20 {
        driver.frame(0x00);
        driver.frame(0xF0);
    }
    let mut busy = run_receiver(&mut bench, &mut driver, ReadyPolicy::Always, 1).unwrap();
    assert!(
        busy.events.is_empty(),
        "mid-stream power-up produced {:?}",
        busy.events
    );
    let mut driver = SerialDriver::new(line_format(&config), 93);
    driver.idle_bits(config.frame_bits() as f64 + 1.0);
    driver.frame(0x5A);
    driver.frame(0xC3);
    busy = run_receiver(&mut bench, &mut driver, ReadyPolicy::Always, tail(&config)).unwrap();
    compare_events(driver.expected(), &busy.events).unwrap();
}

#[test]
fn reset_mid_frame_gives_no_spurious_byte_and_recovers() {
    let config = fast_config();
    let timing = config.validate().unwrap();
    let mut bench = RxBench::<8>::new(&timing).unwrap();
    let mut driver = SerialDriver::new(line_format(&config), 101);
    driver.idle_bits(12.0);
    driver.frame(0x00);
    // Run into the middle of the frame, then reset for a few clocks.
    let into_frame = (12.0 + 4.0) * timing.clocks_per_bit;
    for _ in 0..into_frame as u64 {
        let out = bench.step(driver.next_level(), true, false).unwrap();
        assert!(!out.valid);
    }
    for _ in 0..3 {
        let out = bench.step(driver.next_level(), true, true).unwrap();
        assert!(!out.valid);
    }
    // The rest of that frame and what follows: nothing from the interrupted frame.
    let mut rest =
        run_receiver(&mut bench, &mut driver, ReadyPolicy::Always, tail(&config)).unwrap();
    assert!(rest.events.is_empty(), "{:?}", rest.events);
    let mut driver = SerialDriver::new(line_format(&config), 102);
    driver.idle_bits(12.0);
    driver.frame(0x7E);
    rest = run_receiver(&mut bench, &mut driver, ReadyPolicy::Always, tail(&config)).unwrap();
    compare_events(driver.expected(), &rest.events).unwrap();
}

#[test]
fn a_run_can_be_traced_to_a_vcd_streamed_to_disk() {
    let config = fast_config();
    let timing = config.validate().unwrap();
    let path = std::env::temp_dir().join(format!("uart-trace-{}.vcd", std::process::id()));
    let mut bench = RxBench::<8>::new(&timing).unwrap().trace_to(&path).unwrap();
    let mut driver = SerialDriver::new(line_format(&config), 5);
    driver.idle_bits(12.0);
    driver.frame(0x5A);
    let run = run_receiver(&mut bench, &mut driver, ReadyPolicy::Always, tail(&config)).unwrap();
    assert_eq!(run.events.len(), 1);
    drop(bench);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("$enddefinitions"));
    assert!(
        text.contains("sync_line") && text.contains("held_valid"),
        "internal signals traced"
    );
    let timestamps = text.lines().filter(|l| l.starts_with('#')).count() as u64;
    assert!(
        timestamps > run.cycles,
        "{timestamps} timestamps for {} cycles",
        run.cycles
    );
    std::fs::remove_file(&path).ok();
}
