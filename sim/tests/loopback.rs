//! The combined UART with its TX pin wired to its RX pin: what the transmitter sends, the
//! receiver must deliver, unchanged, once, with no flag.

use super::common::*;
use rust_hdl_uart::sim::harness::{UartBench, UartInputs};
use rust_hdl_uart::{with_data_bits, Parity, UartConfig};

fn loopback(config: UartConfig, count: usize, seed: u64) {
    let timing = config.validate().unwrap();
    with_data_bits!(expect config.data_bits, D => {
        let mut bench = UartBench::<D>::new(&timing).unwrap().traced(&trace_name("loopback", &config)).unwrap();
        let mut rng = Rng::new(seed);
        let mask = (1u16 << config.data_bits) - 1;
        let bytes: Vec<u16> = (0..count).map(|_| rng.next() as u16 & mask).collect();
        let frame_clocks = (config.frame_bits() as f64 * timing.clocks_per_bit).ceil() as u64;
        // The receiver arms after a frame of idle line: hold valid low that long.
        let warm_up = frame_clocks + 2 * timing.clocks_per_bit as u64;
        let mut inputs = UartInputs { rx: true, rx_ready: true, ..Default::default() };
        let mut sent = 0;
        let mut received = Vec::new();
        let end = warm_up + (count as u64 + 2) * frame_clocks;
        for cycle in 0..end {
            inputs.tx_valid = cycle >= warm_up && sent < bytes.len();
            inputs.tx_data = bytes.get(sent).copied().unwrap_or(0);
            if bench.apply(&inputs).unwrap() && inputs.tx_valid {
                sent += 1;
            }
            let (rx, tx) = bench.edge().unwrap();
            assert!(
                !rx.framing_error && !rx.parity_error && !rx.break_detected && !rx.overrun,
                "{}: flag at cycle {cycle}: {rx:?}",
                config.short_name()
            );
            // rx_ready is always high: a byte shown now is taken in the next cycle.
            if rx.valid {
                received.push(rx.data);
            }
            inputs.rx = tx.tx;
        }
        assert_eq!(sent, bytes.len(), "{}: transmitter stalled", config.short_name());
        assert_eq!(received, bytes, "{}", config.short_name());
    })
}

#[test]
fn loopback_every_frame_format() {
    for data_bits in [5, 7, 8, 9] {
        for parity in Parity::ALL {
            for stop_bits in [1, 2] {
                let config = UartConfig {
                    data_bits,
                    parity,
                    stop_bits,
                    ..fast_config()
                };
                loopback(config, 25, data_bits as u64 * 7 + stop_bits as u64);
            }
        }
    }
}

#[test]
fn loopback_long_stream_at_real_ratios() {
    loopback(UartConfig::default(), 200, 1);
    loopback(
        UartConfig {
            baud: 1_000_000,
            ..UartConfig::default()
        },
        1000,
        2,
    );
    loopback(
        UartConfig {
            baud: 12_000_000,
            oversample: 8,
            ..UartConfig::default()
        },
        2000,
        3,
    );
}
