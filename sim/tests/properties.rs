//! Property tests over random configurations, data and sender error.

use super::common::*;
use proptest::prelude::*;
use rust_hdl_uart::sim::harness::{run_receiver, run_transmitter, ReadyPolicy, RxBench, TxBench};
use rust_hdl_uart::sim::line::{compare_events, LineMonitor, MonitorEvent, SerialDriver};
use rust_hdl_uart::{with_data_bits, Parity, UartConfig};

fn any_config() -> impl Strategy<Value = UartConfig> {
    (
        5u32..=9,
        prop::sample::select(Parity::ALL.to_vec()),
        1u32..=2,
        prop::sample::select(vec![4u32, 8, 16]),
        // Clock ratios from 2.5 to ~9 clocks per sample keep each case short while
        // exercising fractional timing.
        prop::sample::select(vec![
            (40_000_000u64, 1_000_000u64),
            (48_000_000, 921_600),
            (100_000_000, 1_500_000),
            (12_000_000, 115_200),
        ]),
    )
        .prop_map(
            |(data_bits, parity, stop_bits, oversample, (clock_hz, baud))| UartConfig {
                clock_hz,
                baud: if baud * oversample as u64 * 2 > clock_hz {
                    baud / 2
                } else {
                    baud
                },
                data_bits,
                parity,
                stop_bits,
                oversample,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn receiver_gets_every_byte(config in any_config(), data in prop::collection::vec(any::<u16>(), 1..24), ppm in -25_000.0f64..25_000.0, seed in any::<u64>()) {
        let timing = config.validate().unwrap();
        let mask = (1u16 << config.data_bits) - 1;
        with_data_bits!(expect config.data_bits, D => {
            let mut bench = RxBench::<D>::new(&timing).unwrap();
            let mut driver = SerialDriver::new(line_format(&config), seed).baud_error_ppm(ppm);
            driver.idle_bits(config.frame_bits() as f64 + 1.0);
            for byte in &data {
                driver.frame(byte & mask);
            }
            let run = run_receiver(&mut bench, &mut driver, ReadyPolicy::Always, tail(&config)).unwrap();
            prop_assert!(compare_events(driver.expected(), &run.events).is_ok(), "{}: {:?}", config.short_name(), compare_events(driver.expected(), &run.events));
        })
    }

    #[test]
    fn transmitter_sends_every_byte(config in any_config(), data in prop::collection::vec(any::<u16>(), 1..24)) {
        let timing = config.validate().unwrap();
        let mask = (1u16 << config.data_bits) - 1;
        let bytes: Vec<u16> = data.iter().map(|b| b & mask).collect();
        with_data_bits!(expect config.data_bits, D => {
            let mut bench = TxBench::<D>::new(&timing).unwrap();
            let mut format = line_format(&config);
            format.baud = timing.tx_baud;
            let mut monitor = LineMonitor::new(format, 1.0);
            run_transmitter(&mut bench, &mut monitor, &bytes, tail(&config)).unwrap();
            prop_assert!(monitor.timing_errors().is_empty(), "{:?}", monitor.timing_errors());
            let got: Vec<u16> = monitor.events().iter().filter_map(|e| match *e {
                MonitorEvent::Frame { data, parity_ok: true, stop_ok: true, .. } => Some(data),
                _ => None,
            }).collect();
            prop_assert_eq!(got, bytes);
        })
    }
}
