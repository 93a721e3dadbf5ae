//! Your own block with the UART inside, tested with the crate's line model and scoreboard.
//!
//! `LedCommander` (in `shared/led_commander.rs`) embeds `UartRx<8>` and `UartTx<8>` and
//! toggles LEDs on commands received over the line, answering each byte. This example
//! drives its `rx` pin with [`SerialDriver`] (the independent line model: exact bit
//! timing, a baud error, bad frames), decodes its `tx` pin with [`LineMonitor`] (which also
//! checks every bit edge against the ideal grid), and compares the replies with a plain
//! Rust model using [`compare_events`].
//!
//! Run it with `cargo run --release --example led_commands`; `cargo test` runs it too.

#[path = "shared/led_commander.rs"]
mod led_commander;

use anyhow::{bail, Result};
use led_commander::{expected_replies, LedCommander};
use rust_hdl::prelude::*;
use rust_hdl_uart::sim::harness::line_format;
use rust_hdl_uart::sim::line::{compare_events, LineMonitor, RxEvent, SerialDriver};
use rust_hdl_uart::{Parity, UartConfig};

/// What a run saw.
#[derive(Debug)]
pub struct Run {
    /// Bytes sent (`None`: a frame with a parity error).
    pub commands: Vec<Option<u8>>,
    /// Replies decoded from the `tx` pin.
    pub replies: Vec<u8>,
    /// The LEDs at the end.
    pub leds: u8,
    /// Clocks simulated.
    pub cycles: u64,
}

/// Sends `commands` (a sender `ppm` off the nominal baud) and checks every reply, every
/// reply's bit timing and the LEDs at the end.
pub fn run(commands: &[Option<u8>], ppm: f64) -> Result<Run> {
    // 1 Mbaud from 100 MHz, even parity (so a bad-parity frame can be sent).
    let config = UartConfig {
        baud: 1_000_000,
        parity: Parity::Even,
        ..UartConfig::default()
    };
    let timing = config.validate()?;
    let mut dut = LedCommander::new(&timing)?;
    dut.connect_all();

    let mut driver = SerialDriver::new(line_format(&config), 7).baud_error_ppm(ppm);
    // The receiver arms after a frame of idle line.
    driver.idle_bits(config.frame_bits() as f64 + 1.0);
    for command in commands {
        match command {
            Some(byte) => driver.frame(*byte as u16),
            None => driver.frame_bad_parity(0x35),
        }
        // A short pause, as a terminal user or a script waiting for nothing would leave.
        driver.idle_bits(3.0);
    }
    let mut tx_format = line_format(&config);
    tx_format.baud = timing.tx_baud;
    let mut monitor = LineMonitor::new(tx_format, 1.0);

    // The testbench's cycle convention: inputs with the clock low, then the rising edge,
    // then the outputs are sampled.
    let tail = 3 * (config.frame_bits() as u64) * (config.clock_hz / config.baud);
    let mut cycles = 0u64;
    let mut after_done = 0u64;
    while after_done < tail {
        dut.clock.next = false.into();
        dut.reset.next = false;
        dut.rx.next = driver.next_level();
        if !simulate(&mut dut, 100) {
            bail!("the design did not settle at cycle {cycles}");
        }
        dut.clock.next = true.into();
        if !simulate(&mut dut, 100) {
            bail!("the design did not settle at cycle {cycles}");
        }
        monitor.push(dut.tx.val());
        cycles += 1;
        if driver.is_done() {
            after_done += 1;
        }
    }

    if let Some(first) = monitor.timing_errors().first() {
        bail!(
            "{} bit edges of the replies off the ideal grid; first: {first}",
            monitor.timing_error_count()
        );
    }
    let got: Vec<RxEvent> = monitor.events().iter().map(|e| e.to_rx_event()).collect();
    let (replies, leds) = expected_replies(commands);
    let expected: Vec<RxEvent> = replies.iter().map(|&r| RxEvent::data(r as u16)).collect();
    compare_events(&expected, &got).map_err(|diff| anyhow::anyhow!("replies: {diff}"))?;
    let shown = dut.leds.val().to_u64() as u8;
    if shown != leds {
        bail!("LEDs show {shown:08b}, the model says {leds:08b}");
    }
    Ok(Run {
        commands: commands.to_vec(),
        replies,
        leds,
        cycles,
    })
}

/// A session: toggles, queries, a wrong command and a frame with a parity error.
pub fn session() -> Vec<Option<u8>> {
    let mut commands: Vec<Option<u8>> = b"0?35?7x0?".iter().map(|&b| Some(b)).collect();
    commands.push(None);
    commands.extend(b"12?".iter().map(|&b| Some(b)));
    commands
}

fn main() -> Result<()> {
    let run = run(&session(), 0.0)?;
    println!(
        "{} commands, {} replies as the model says, LEDs {:08b}, {} clocks simulated",
        run.commands.len(),
        run.replies.len(),
        run.leds,
        run.cycles
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_at_the_nominal_baud() {
        let run = run(&session(), 0.0).unwrap();
        assert_eq!(run.replies.len(), run.commands.len());
        // The model's answers, written out: toggles 0, 3, 5, 7 and 0 again.
        assert_eq!(run.leds, 0b1010_1000 | 0b0000_0110);
    }

    #[test]
    fn session_from_a_sender_two_percent_fast_and_slow() {
        for ppm in [20_000.0, -20_000.0] {
            run(&session(), ppm).unwrap_or_else(|e| panic!("{ppm} ppm: {e:#}"));
        }
    }

    /// The scoreboard is not a rubber stamp: a model that expects something else fails.
    #[test]
    fn a_wrong_expectation_is_caught() {
        let (mut replies, _) = expected_replies(&session());
        replies[1] ^= 1;
        let expected: Vec<RxEvent> = replies.iter().map(|&r| RxEvent::data(r as u16)).collect();
        let (right, _) = expected_replies(&session());
        let got: Vec<RxEvent> = right.iter().map(|&r| RxEvent::data(r as u16)).collect();
        assert!(compare_events(&expected, &got).is_err());
    }
}
