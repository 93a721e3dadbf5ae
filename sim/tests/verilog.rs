//! The exported Verilog verified in its own right: the same stimulus through rust-hdl's
//! simulator and through the Verilog compiled by Verilator, every output compared on
//! every cycle; lint of every exported file; the long loopback regression (short here,
//! long in the bench). Needs Verilator: part of `make test`.

use super::common::*;
use rust_hdl_uart::config::Timing;
use rust_hdl_uart::export::{design_verilog, Design};
use rust_hdl_uart::sim::cosim::{cosimulate, CosimDut, Stimulus, VerilatedModel};
use rust_hdl_uart::sim::duts::{CfgDut, EchoDut, RxDut, TxDut, UartDut};
use rust_hdl_uart::sim::harness::SettingsPorts;
use rust_hdl_uart::sim::line::SerialDriver;
use rust_hdl_uart::sim::lint::{lint, RUST_HDL_WAIVERS};
use rust_hdl_uart::{with_data_bits, Parity, UartConfig};
use std::path::PathBuf;

fn work_dir(name: &str) -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"),
    };
    target.join("verilog-tests").join(name)
}

/// A receive line from the independent line model: random frames from a sender off by
/// up to ±3 %, with jitter and glitches, bad parity and stop bits, breaks, short pulses.
fn line_levels(config: &UartConfig, frames: usize, seed: u64) -> Vec<bool> {
    let mut rng = Rng::new(seed);
    let ppm = (rng.next() % 60_001) as f64 - 30_000.0;
    let clocks_per_sample =
        config.clock_hz as f64 / (config.baud * config.oversample as u64) as f64;
    let glitch = (clocks_per_sample.ceil() as u32).saturating_sub(1).max(1);
    let mut driver = SerialDriver::new(line_format(config), seed)
        .baud_error_ppm(ppm)
        .jitter(0.01)
        .glitches(0.05, glitch);
    let mask = (1u16 << config.data_bits) - 1;
    driver.idle_bits(config.frame_bits() as f64 + 2.0);
    for index in 0..frames {
        let data = rng.next() as u16 & mask;
        match rng.next() % 40 {
            0 if config.parity != Parity::None => driver.frame_bad_parity(data),
            1 => driver.frame_bad_stop(data),
            2 => driver.line_break(config.frame_bits() as f64 * 2.0),
            3 => driver.low_pulse(2),
            4 => driver.idle_bits(1.0 + (index % 3) as f64),
            // Now and then a frame of idle line: a receiver reset mid-stream re-arms there.
            5 => driver.idle_bits(config.frame_bits() as f64 + 1.0),
            _ => driver.frame(data),
        }
    }
    driver.idle_bits(3.0);
    let mut levels = Vec::new();
    while !driver.is_done() {
        levels.push(driver.next_level());
    }
    levels
}

/// Back-pressure on `ready`: long stretches ready, then stretches not ready (some long
/// enough to overrun), and a reset now and then.
struct Controls {
    rng: Rng,
    ready_left: u64,
    ready: bool,
}

impl Controls {
    fn new(seed: u64) -> Self {
        Controls {
            rng: Rng::new(seed ^ 0xC0FFEE),
            ready_left: 0,
            ready: true,
        }
    }
    fn ready(&mut self, clocks_per_frame: u64) -> bool {
        if self.ready_left == 0 {
            self.ready = !self.ready || self.rng.next().is_multiple_of(4);
            self.ready_left = 1 + self.rng.next() % (3 * clocks_per_frame);
        }
        self.ready_left -= 1;
        self.ready
    }
    fn reset(&mut self) -> bool {
        self.rng.next().is_multiple_of(100_000)
    }
}

fn receiver_stimulus(
    dut: &impl CosimDut,
    config: &UartConfig,
    timing: &Timing,
    frames: usize,
    seed: u64,
) -> Stimulus {
    let mut stimulus = Stimulus::new(&dut.inputs());
    let mut controls = Controls::new(seed);
    let frame_clocks = (timing.clocks_per_bit * config.frame_bits() as f64) as u64;
    for level in line_levels(config, frames, seed) {
        let reset = controls.reset();
        stimulus.push(&[
            reset as u64,
            level as u64,
            controls.ready(frame_clocks) as u64,
        ]);
    }
    stimulus
}

fn transmitter_inputs(rng: &mut Rng, mask: u64, cycle: u64, breaking: &mut u64) -> (u64, u64, u64) {
    if *breaking > 0 {
        *breaking -= 1;
    } else if rng.next().is_multiple_of(30_000) {
        *breaking = 200 + rng.next() % 2000;
    }
    let valid = !(cycle / 997).is_multiple_of(5) || rng.next().is_multiple_of(3);
    (rng.next() & mask, valid as u64, (*breaking > 0) as u64)
}

fn check<D: CosimDut>(
    dut: &mut D,
    design: Design,
    config: &UartConfig,
    stimulus: &Stimulus,
    name: &str,
) {
    let top = format!("{}_{name}", design.module_name());
    let verilog = design_verilog(config, design, &top).unwrap();
    let dir = work_dir(&top);
    let model = VerilatedModel::build(&verilog, &top, "clock", &dut.inputs(), &dut.outputs(), &dir)
        .unwrap_or_else(|err| panic!("{top}: {err:#}"));
    match cosimulate(dut, &model, stimulus, &dir) {
        Ok(report) => {
            println!("{top} ({}): {report}", config.short_name());
            assert_eq!(report.cycles, stimulus.cycles());
        }
        Err(err) => panic!(
            "{top} ({}): Verilog and Rust disagree: {err:#}",
            config.short_name()
        ),
    }
}

/// Every data width, parity, stop-bit count and oversample rate appears at least once.
fn configurations() -> Vec<UartConfig> {
    let base = UartConfig {
        clock_hz: 40_000_000,
        baud: 1_000_000,
        ..UartConfig::default()
    };
    vec![
        UartConfig {
            data_bits: 5,
            parity: Parity::None,
            stop_bits: 1,
            oversample: 16,
            ..base
        },
        UartConfig {
            data_bits: 6,
            parity: Parity::Even,
            stop_bits: 2,
            oversample: 8,
            ..base
        },
        UartConfig {
            data_bits: 7,
            parity: Parity::Odd,
            stop_bits: 1,
            oversample: 4,
            ..base
        },
        UartConfig {
            data_bits: 8,
            parity: Parity::Mark,
            stop_bits: 2,
            oversample: 16,
            ..base
        },
        UartConfig {
            data_bits: 9,
            parity: Parity::Space,
            stop_bits: 1,
            oversample: 8,
            ..base
        },
        UartConfig {
            clock_hz: 100_000_000,
            baud: 12_000_000,
            oversample: 8,
            ..UartConfig::default()
        },
    ]
}

#[test]
fn combined_uart_matches_cycle_by_cycle_across_configurations() {
    for (index, config) in configurations().into_iter().enumerate() {
        let timing = config.validate().unwrap();
        let seed = 1000 + index as u64;
        with_data_bits!(expect config.data_bits, D => {
            let mut dut = UartDut::<D>::new(&timing).unwrap();
            // The receive side from the line model, the transmit side random.
            let rx = receiver_stimulus(&RxDut::<D>::new(&timing).unwrap(), &config, &timing, 150, seed);
            let mut stimulus = Stimulus::new(&dut.inputs());
            let mut rng = Rng::new(seed);
            let mut breaking = 0;
            let mask = (1u64 << config.data_bits) - 1;
            let mut cursor = rx.cursor();
            let mut cycle = 0;
            while let Some((count, _)) = cursor.next_run() {
                let values = cursor.values().to_vec();
                for _ in 0..count {
                    let (data, valid, brk) = transmitter_inputs(&mut rng, mask, cycle, &mut breaking);
                    stimulus.push(&[values[0], values[1], values[2], data, valid, brk]);
                    cycle += 1;
                }
            }
            check(&mut dut, Design::Combined, &config, &stimulus, &format!("c{index}"));
        })
    }
}

#[test]
fn run_time_configurable_uart_matches_cycle_by_cycle_across_setting_changes() {
    // One `uart_cfg` (9-bit data path, 8x, 40 MHz) switched through six settings: each
    // segment's line-model traffic is at its setting; half the switches happen in the
    // middle of traffic (frames in flight on both sides), the rest on an idle line.
    let base = UartConfig {
        clock_hz: 40_000_000,
        oversample: 8,
        data_bits: 9,
        ..UartConfig::default()
    };
    let timing = base.validate().unwrap();
    let settings: Vec<UartConfig> = [
        (1_000_000, 8, Parity::None, 1),
        (500_000, 7, Parity::Even, 2),
        (2_000_000, 5, Parity::Odd, 1),
        (250_000, 9, Parity::Mark, 2),
        (1_500_000, 6, Parity::Space, 1),
        (921_600, 8, Parity::Odd, 2),
    ]
    .into_iter()
    .map(|(baud, data_bits, parity, stop_bits)| UartConfig {
        baud,
        data_bits,
        parity,
        stop_bits,
        ..base
    })
    .collect();
    let mut dut = CfgDut::<9>::new(&timing).unwrap();
    let mut stimulus = Stimulus::new(&dut.inputs());
    let mut rng = Rng::new(5000);
    let mut breaking = 0;
    let mut cycle = 0u64;
    for (index, config) in settings.iter().enumerate() {
        let ports = SettingsPorts::of(config).unwrap();
        let next = SettingsPorts::of(&settings[(index + 1) % settings.len()]).unwrap();
        let mask = (1u64 << config.data_bits) - 1;
        let mut controls = Controls::new(5100 + index as u64);
        let frame_clocks = config.clock_hz / config.baud * config.frame_bits() as u64;
        let levels = line_levels(config, 60, 5200 + index as u64);
        let switch_at = if index % 2 == 0 {
            levels.len() / 2
        } else {
            levels.len()
        };
        for (position, level) in levels.into_iter().enumerate() {
            let p = if position < switch_at { ports } else { next };
            let (data, valid, brk) = transmitter_inputs(&mut rng, mask, cycle, &mut breaking);
            stimulus.push(&[
                controls.reset() as u64,
                level as u64,
                controls.ready(frame_clocks) as u64,
                data,
                valid,
                brk,
                p.increment as u64,
                p.data_bits as u64,
                p.parity as u64,
                p.two_stop_bits as u64,
            ]);
            cycle += 1;
        }
    }
    check(&mut dut, Design::CombinedCfg, &base, &stimulus, "cfg");
}

#[test]
fn receiver_and_transmitter_files_match_cycle_by_cycle() {
    for (index, config) in [configurations()[1], configurations()[3]]
        .into_iter()
        .enumerate()
    {
        let timing = config.validate().unwrap();
        with_data_bits!(expect config.data_bits, D => {
            let mut rx = RxDut::<D>::new(&timing).unwrap();
            let stimulus = receiver_stimulus(&rx, &config, &timing, 200, 2000 + index as u64);
            check(&mut rx, Design::Receiver, &config, &stimulus, &format!("r{index}"));

            let mut tx = TxDut::<D>::new(&timing).unwrap();
            let mut stimulus = Stimulus::new(&tx.inputs());
            let mut rng = Rng::new(3000 + index as u64);
            let mut breaking = 0;
            let mask = (1u64 << config.data_bits) - 1;
            for cycle in 0..150_000u64 {
                let (data, valid, brk) = transmitter_inputs(&mut rng, mask, cycle, &mut breaking);
                let reset = rng.next().is_multiple_of(20_000);
                stimulus.push(&[reset as u64, data, valid, brk]);
            }
            check(&mut tx, Design::Transmitter, &config, &stimulus, &format!("t{index}"));
        })
    }
}

#[test]
fn echo_firmware_top_matches_cycle_by_cycle() {
    // The firmware as flashed (receiver, block RAM FIFO, transmitter, LEDs, reset
    // synchroniser), at two board configurations: a long stream from a sender off by up
    // to 3 %, line errors for the LEDs, and presses of the reset button.
    let configs = [
        UartConfig {
            baud: 3_000_000,
            oversample: 8,
            ..UartConfig::default()
        },
        UartConfig {
            baud: 1_000_000,
            parity: Parity::Even,
            data_bits: 7,
            ..UartConfig::default()
        },
    ];
    for (index, config) in configs.into_iter().enumerate() {
        let timing = config.validate().unwrap();
        with_data_bits!(expect config.data_bits, D => {
            let mut dut = EchoDut::<D>::new(&timing).unwrap();
            let mut stimulus = Stimulus::new(&dut.inputs());
            // Three streams, each starting with a frame of idle line (the receiver re-arms
            // only after that, by design), with a press of the button between them.
            for segment in 0..3u64 {
                if segment > 0 {
                    stimulus.hold(&[0, 1], 500);
                }
                for level in line_levels(&config, 100, 4000 + 10 * index as u64 + segment) {
                    stimulus.push(&[1, level as u64]);
                }
            }
            let (verilog, top) = rust_hdl_uart::firmware::firmware_verilog(rust_hdl_uart::firmware::Firmware::Echo, &config).unwrap();
            let top_named = format!("{top}_{index}");
            let verilog = verilog.replace(&top, &top_named);
            let dir = work_dir(&top_named);
            let model = VerilatedModel::build(&verilog, &top_named, "clk", &dut.inputs(), &dut.outputs(), &dir)
                .unwrap_or_else(|err| panic!("{top_named}: {err:#}"));
            match cosimulate(&mut dut, &model, &stimulus, &dir) {
                Ok(report) => println!("{top_named} ({}): {report}", config.short_name()),
                Err(err) => panic!("{top_named} ({}): Verilog and Rust disagree: {err:#}", config.short_name()),
            }
        })
    }
}

#[test]
fn every_exported_file_lints_clean_with_only_documented_waivers() {
    for config in [
        UartConfig::default(),
        UartConfig {
            data_bits: 9,
            parity: Parity::Odd,
            stop_bits: 2,
            oversample: 4,
            ..UartConfig::default()
        },
    ] {
        for design in Design::ALL {
            let name = design.module_name();
            let verilog = design_verilog(&config, design, name).unwrap();
            let dir = work_dir(&format!("lint-{name}-{}", config.data_bits));
            match lint(&verilog, name, &dir, RUST_HDL_WAIVERS) {
                Ok(report) => println!("{name} ({}): {report}", config.short_name()),
                Err(err) => panic!("{name} ({}): {err:#}", config.short_name()),
            }
        }
    }
    // The firmware's top, as built for the board.
    let config = UartConfig::default();
    let (verilog, top) =
        rust_hdl_uart::firmware::firmware_verilog(rust_hdl_uart::firmware::Firmware::Echo, &config)
            .unwrap();
    match lint(&verilog, &top, &work_dir("lint-echo"), RUST_HDL_WAIVERS) {
        Ok(report) => println!("{top}: {report}"),
        Err(err) => panic!("{top}: {err:#}"),
    }
}

#[test]
fn verilator_loopback_regression_short() {
    // The bench runs 500 000 bytes each way; CI runs the same model shorter.
    let results =
        rust_hdl_uart::sim::regression::run_both_directions(20_000, &work_dir("regression"))
            .unwrap();
    for result in results {
        assert_eq!(result.errors, 0, "{result:?}");
        assert_eq!(result.bytes_received, result.bytes_sent, "{result:?}");
        assert_eq!(result.bytes_sent, 20_000);
        assert!(
            result.glitches > 10_000,
            "the noise must really be there: {result:?}"
        );
    }
}
