//! The echo firmware, simulated whole at its top-level pins: the independent line model
//! drives `usb_rx` and decodes `usb_tx`; the LEDs and `rst_n` are checked cycle by cycle.

use super::common::{line_format, Rng};
use rust_hdl::prelude::*;
use rust_hdl_uart::firmware::echo::{EchoFirmware, FIFO_DEPTH};
use rust_hdl_uart::firmware::{firmware_verilog, Board, Firmware};
use rust_hdl_uart::flow::{check_constraints, ports_from_verilog, Port, PortDirection};
use rust_hdl_uart::sim::line::{compare_events, LineFormat, LineMonitor, RxEvent, SerialDriver};
use rust_hdl_uart::{Parity, Timing, UartConfig};

/// The direct single-thread loop of `sim/harness.rs`, for the firmware's pins: inputs are
/// applied with the clock low and settled, then the rising edge, then the outputs.
struct EchoBench {
    dut: EchoFirmware<8>,
    cycle: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pins {
    usb_tx: bool,
    led: u8,
}

impl EchoBench {
    fn new(timing: &Timing) -> Self {
        assert_eq!(
            timing.config.data_bits, 8,
            "the bench is built for 8 data bits"
        );
        let mut dut = EchoFirmware::<8>::new(timing).unwrap();
        dut.connect_all();
        EchoBench { dut, cycle: 0 }
    }

    fn settle(&mut self) {
        assert!(
            simulate(&mut self.dut, 100),
            "the design did not settle at cycle {}",
            self.cycle
        );
    }

    fn step(&mut self, usb_rx: bool, rst_n: bool) -> Pins {
        self.dut.clk.next = false.into();
        self.dut.usb_rx.next = usb_rx;
        self.dut.rst_n.next = rst_n;
        self.settle();
        self.dut.clk.next = true.into();
        self.settle();
        self.cycle += 1;
        Pins {
            usb_tx: self.dut.usb_tx.val(),
            led: self.dut.led.val().to_u8(),
        }
    }
}

fn config(baud: u64, oversample: u32) -> UartConfig {
    UartConfig {
        baud,
        oversample,
        ..UartConfig::default()
    }
}

/// The format the transmitter really produces (its accumulator's rate), for the monitor.
fn tx_format(timing: &Timing) -> LineFormat {
    LineFormat {
        baud: timing.tx_baud,
        ..line_format(&timing.config)
    }
}

/// Clocks of one frame at the configuration's nominal baud, rounded up.
fn frame_clocks(timing: &Timing) -> u64 {
    (timing.config.frame_bits() as f64 * timing.clocks_per_bit).ceil() as u64
}

/// Everything one run of the firmware showed.
struct Run {
    echoed: Vec<RxEvent>,
    monitor_errors: Vec<String>,
    leds: u8,
    /// First cycle `led[7]` was lit, if any.
    overflow_lit_at: Option<u64>,
    cycles: u64,
}

/// Drives `driver` into `usb_rx` (rst_n high) until it is done and the echo has gone quiet
/// for `quiet` clocks; decodes `usb_tx` with `monitor`.
fn run_echo(
    bench: &mut EchoBench,
    driver: &mut SerialDriver,
    monitor: &mut LineMonitor,
    quiet: u64,
) -> Run {
    let mut overflow_lit_at = None;
    let mut idle_for = 0;
    let mut pins = Pins {
        usb_tx: true,
        led: 0,
    };
    while !(driver.is_done() && idle_for >= quiet) {
        let level = driver.next_level();
        pins = bench.step(level, true);
        monitor.push(pins.usb_tx);
        if pins.led & 0x80 != 0 && overflow_lit_at.is_none() {
            overflow_lit_at = Some(bench.cycle);
        }
        if pins.usb_tx && monitor.is_idle() {
            idle_for += 1;
        } else {
            idle_for = 0;
        }
    }
    Run {
        echoed: monitor.events().iter().map(|e| e.to_rx_event()).collect(),
        monitor_errors: monitor.timing_errors().to_vec(),
        leds: pins.led,
        overflow_lit_at,
        cycles: bench.cycle,
    }
}

/// Random bytes at the nominal baud: every one comes back unchanged, and the LEDs show the
/// last one with no flag. With `gap_bits`, the sender idles that long between frames and
/// the transmitter's timing is checked too (see below why only then).
fn echo_random(config: UartConfig, count: usize, gap_bits: Option<f64>, seed: u64) {
    let timing = config.validate().unwrap();
    let name = format!("{} gap {gap_bits:?}", config.short_name());
    let mut bench = EchoBench::new(&timing);
    let mut driver = SerialDriver::new(line_format(&config), seed);
    let mut monitor = LineMonitor::new(tx_format(&timing), 1.0);
    let mut rng = Rng::new(seed);
    // The receiver arms once the line has been idle for a whole frame.
    driver.idle_bits(config.frame_bits() as f64 + 1.0);
    let bytes: Vec<u16> = (0..count).map(|_| rng.next() as u16 & 0xFF).collect();
    for &b in &bytes {
        driver.frame(b);
        if let Some(gap) = gap_bits {
            driver.idle_bits(gap);
        }
    }
    let run = run_echo(
        &mut bench,
        &mut driver,
        &mut monitor,
        2 * frame_clocks(&timing),
    );
    if let Err(diff) = compare_events(driver.expected(), &run.echoed) {
        panic!("{name}: echo differs from what was sent: {diff}");
    }
    // A sender at exactly the transmitter's rate leaves the transmitter idle for 0, 1 or 2
    // clocks between frames (the receiver finishes each frame on a whole clock). A frame
    // that starts from idle restarts the bit clock, which is right; but the monitor takes a
    // start edge within its 1-clock tolerance as the next frame of the same burst and then
    // sees the restarted grid up to 1.33 clocks off at 12 Mbaud (8.33 clocks per bit). So
    // the timing is checked where every frame clearly starts from idle, and, in the
    // fast-sender tests below, where the transmitter never idles.
    if gap_bits.is_some() {
        assert!(
            run.monitor_errors.is_empty(),
            "{name}: usb_tx timing: {:?}",
            &run.monitor_errors[..run.monitor_errors.len().min(5)]
        );
    }
    let last = *bytes.last().unwrap() as u8;
    assert_eq!(run.leds, last & 0x3F, "{name}: LEDs after the last byte");
    assert!(run.overflow_lit_at.is_none());
}

#[test]
fn echoes_random_bytes_at_115200() {
    echo_random(UartConfig::default(), 30, Some(1.0), 11);
    echo_random(UartConfig::default(), 20, None, 12);
}

#[test]
fn echoes_random_bytes_at_1_mbaud() {
    echo_random(config(1_000_000, 16), 300, None, 13);
    echo_random(config(1_000_000, 16), 100, Some(1.0), 14);
}

#[test]
fn echoes_random_bytes_at_12_mbaud() {
    echo_random(config(12_000_000, 8), 2000, None, 15);
    echo_random(config(12_000_000, 8), 1000, Some(1.5), 16);
    echo_random(config(12_000_000, 4), 1000, None, 17);
    echo_random(config(12_000_000, 4), 500, Some(1.5), 18);
}

/// The sender's clock is 2 % fast: it gains 1/51 of a frame on the echo every frame, and
/// the FIFO absorbs the difference. Frames are `i * 37 + 5` mod 256, so any run of fewer
/// than 256 lost bytes can be told from the echo.
struct FastStream {
    sent: Vec<u16>,
    run: Run,
    monitor_events: Vec<(u64, u16)>,
    max_gap_bits: Option<f64>,
    /// Sender bit time, clocks.
    bit_clocks: f64,
    lead_bits: f64,
}

const FAST_PPM: f64 = 20_000.0;

fn fast_stream(count: usize) -> FastStream {
    let config = config(12_000_000, 8);
    let timing = config.validate().unwrap();
    let mut bench = EchoBench::new(&timing);
    let mut driver = SerialDriver::new(line_format(&config), 7).baud_error_ppm(FAST_PPM);
    // The transmitter is never idle once it starts: any gap is a timing error.
    let mut monitor = LineMonitor::new(tx_format(&timing), 1.0).back_to_back();
    let lead_bits = config.frame_bits() as f64 + 1.0;
    driver.idle_bits(lead_bits);
    let sent: Vec<u16> = (0..count).map(|i| ((i * 37 + 5) % 256) as u16).collect();
    for &b in &sent {
        driver.frame(b);
    }
    let bit_clocks = driver.bit_clocks();
    let run = run_echo(
        &mut bench,
        &mut driver,
        &mut monitor,
        2 * frame_clocks(&timing),
    );
    assert!(
        run.monitor_errors.is_empty(),
        "usb_tx timing: {:?}",
        &run.monitor_errors[..run.monitor_errors.len().min(5)]
    );
    let monitor_events = monitor
        .events()
        .iter()
        .map(|e| match *e {
            rust_hdl_uart::sim::line::MonitorEvent::Frame {
                data,
                parity_ok,
                stop_ok,
                start_clock,
            } => {
                assert!(parity_ok && stop_ok, "bad frame on usb_tx: {e:?}");
                (start_clock, data)
            }
            other => panic!("break on usb_tx: {other:?}"),
        })
        .collect();
    FastStream {
        sent,
        max_gap_bits: monitor.max_idle_before_start_bits(),
        run,
        monitor_events,
        bit_clocks,
        lead_bits,
    }
}

/// Frames the sender gains on the echo before a byte must be lost: the FIFO, the byte held
/// in the receiver and the one the transmitter is sending.
const IN_FLIGHT: usize = FIFO_DEPTH + 2;

#[test]
fn fast_sender_within_the_fifo_depth_loses_nothing() {
    // 25 000 frames: the sender ends ~490 frames ahead, 95 % of the FIFO.
    let count = 25_000;
    let s = fast_stream(count);
    let expected: Vec<RxEvent> = s.sent.iter().map(|&b| RxEvent::data(b)).collect();
    if let Err(diff) = compare_events(&expected, &s.run.echoed) {
        panic!("2 % fast stream of {count}: {diff}");
    }
    assert_eq!(
        s.run.leds & 0xC0,
        0,
        "no flag may be lit: {:#04x}",
        s.run.leds
    );
    assert!(s.run.overflow_lit_at.is_none());
    assert_eq!(s.max_gap_bits, Some(0.0), "the echo must be back to back");
    // The backlog really came close to the FIFO depth: when the last frame had arrived,
    // the echo was this many frames behind.
    let last_arrival = ((s.lead_bits + 10.0 * count as f64) * s.bit_clocks) as u64;
    let started = s
        .monitor_events
        .iter()
        .filter(|(at, _)| *at <= last_arrival)
        .count();
    let backlog = count - started;
    assert!(
        (FIFO_DEPTH * 9 / 10..FIFO_DEPTH).contains(&backlog),
        "backlog at the end of the stream: {backlog}"
    );
    println!(
        "2 % fast, {count} frames: peak backlog {backlog} of {FIFO_DEPTH}, {} cycles",
        s.run.cycles
    );
}

#[test]
fn fast_sender_beyond_the_fifo_depth_is_flagged() {
    // 27 000 frames: ~540 ahead at the end, more than FIFO + receiver + transmitter hold.
    let count = 27_000;
    let s = fast_stream(count);
    // Every byte echoed is one that was sent, in order, unchanged: match greedily.
    let mut lost = Vec::new();
    let mut next = 0;
    for (i, &(_, data)) in s.monitor_events.iter().enumerate() {
        while next < s.sent.len() && s.sent[next] != data {
            lost.push(next);
            next += 1;
        }
        assert!(
            next < s.sent.len(),
            "echoed byte #{i} ({data:#04x}) was never sent in this order"
        );
        next += 1;
    }
    lost.extend(next..s.sent.len());
    assert!(
        !lost.is_empty(),
        "a stream beyond the FIFO depth must lose bytes"
    );
    assert_eq!(s.run.leds & 0xC0, 0x80, "led[7] alone: {:#04x}", s.run.leds);
    let lit = s
        .run
        .overflow_lit_at
        .expect("led[7] must light when a byte is lost");
    // The first loss: its frame completed (stop bit centre) when led[7] lit, within a bit.
    let first = lost[0];
    let completes = (s.lead_bits + 10.0 * first as f64 + 9.5) * s.bit_clocks;
    assert!(
        (lit as f64 - completes).abs() < 2.0 * s.bit_clocks,
        "led[7] lit at cycle {lit}, but the first lost frame (#{first}) completed at {completes:.0}"
    );
    // ... and only once the FIFO was really full: frames received before it, minus frames
    // the transmitter had started, is what was held (FIFO + receiver: 513). At that moment
    // the transmitter is about to take its next byte (the sender gains 1.6 clocks a frame),
    // so its start edge can fall on either side of `lit`: +-1.
    let started = s.monitor_events.iter().filter(|(at, _)| *at <= lit).count();
    let held = first - started;
    assert!(
        (IN_FLIGHT - 2..=IN_FLIGHT).contains(&held),
        "first loss with {held} bytes held (FIFO depth {FIFO_DEPTH})"
    );
    // Losses then repeat about every 51 frames (one per frame of difference gained).
    let expected_losses = (count - first) as f64 / 51.0;
    assert!(
        (lost.len() as f64 - expected_losses).abs() <= 3.0,
        "lost {} bytes, expected about {expected_losses:.1}",
        lost.len()
    );
    assert_eq!(s.max_gap_bits, Some(0.0), "the echo must be back to back");
    println!(
        "2 % fast, {count} frames: first loss #{first} with {held} held, {} lost, led[7] at {lit}, {} cycles",
        lost.len(),
        s.run.cycles
    );
}

/// Steps `cycles` clocks with `rst_n` held, feeding the driver to `usb_rx` and `usb_tx` to
/// the monitor; checks every cycle with `each`. Returns the last pins.
fn drive(
    bench: &mut EchoBench,
    driver: &mut SerialDriver,
    monitor: &mut LineMonitor,
    cycles: u64,
    rst_n: bool,
    mut each: impl FnMut(u64, Pins),
) -> Pins {
    let mut pins = None;
    for _ in 0..cycles {
        let level = driver.next_level();
        let p = bench.step(level, rst_n);
        monitor.push(p.usb_tx);
        each(bench.cycle, p);
        pins = Some(p);
    }
    pins.expect("at least one cycle")
}

/// Drives until everything queued has been sent, then one more frame time.
fn drive_queue(
    bench: &mut EchoBench,
    driver: &mut SerialDriver,
    monitor: &mut LineMonitor,
    frame: u64,
) -> Pins {
    let cycles = driver.clocks_queued() + frame;
    drive(bench, driver, monitor, cycles, true, |_, _| {})
}

fn echoed(monitor: &LineMonitor) -> Vec<RxEvent> {
    monitor.events().iter().map(|e| e.to_rx_event()).collect()
}

#[test]
fn leds_show_the_last_byte_and_latch_line_errors() {
    let config = config(1_000_000, 16);
    let timing = config.validate().unwrap();
    let frame = frame_clocks(&timing);
    let mut bench = EchoBench::new(&timing);
    let mut driver = SerialDriver::new(line_format(&config), 1);
    let mut monitor = LineMonitor::new(tx_format(&timing), 1.0);

    // Power-up: line idle high and LEDs dark from the very first clock.
    driver.idle_bits(config.frame_bits() as f64 + 1.0);
    drive(
        &mut bench,
        &mut driver,
        &mut monitor,
        2 * frame,
        true,
        |c, p| {
            assert!(p.usb_tx && p.led == 0, "cycle {c}: {p:?}");
        },
    );

    driver.frame(0xA5);
    let pins = drive_queue(&mut bench, &mut driver, &mut monitor, frame);
    assert_eq!(pins.led, 0xA5 & 0x3F);

    // A framing error lights led[6], is not echoed, and keeps the last clean byte shown.
    driver.frame_bad_stop(0x5A);
    let pins = drive_queue(&mut bench, &mut driver, &mut monitor, frame);
    assert_eq!(pins.led, 0x40 | (0xA5 & 0x3F));
    driver.frame(0x3C);
    let pins = drive_queue(&mut bench, &mut driver, &mut monitor, frame);
    assert_eq!(pins.led, 0x40 | 0x3C, "led[6] stays lit");

    // rst_n clears every LED.
    let pins = drive(&mut bench, &mut driver, &mut monitor, 20, false, |_, _| {});
    assert_eq!(pins.led, 0);
    driver.idle_bits(config.frame_bits() as f64 + 1.0);
    driver.frame(0x81);
    let pins = drive_queue(&mut bench, &mut driver, &mut monitor, frame);
    assert_eq!(pins.led, 0x01, "only the new byte after reset");

    // A break lights led[6] too, and is not echoed.
    driver.line_break(3.0 * config.frame_bits() as f64);
    let pins = drive_queue(&mut bench, &mut driver, &mut monitor, frame);
    assert_eq!(pins.led, 0x40 | 0x01);
    driver.frame(0x7E);
    let pins = drive_queue(&mut bench, &mut driver, &mut monitor, frame);
    assert_eq!(pins.led, 0x40 | 0x3E);
    let pins = drive(&mut bench, &mut driver, &mut monitor, 20, false, |_, _| {});
    assert_eq!(pins.led, 0);

    let want: Vec<RxEvent> = [0xA5, 0x3C, 0x81, 0x7E].map(RxEvent::data).to_vec();
    if let Err(diff) = compare_events(&want, &echoed(&monitor)) {
        panic!("only the clean frames are echoed: {diff}");
    }
    assert!(
        monitor.timing_errors().is_empty(),
        "{:?}",
        monitor.timing_errors()
    );
}

#[test]
fn parity_errors_light_led6_and_are_not_echoed() {
    let config = UartConfig {
        parity: Parity::Even,
        ..config(1_000_000, 16)
    };
    let timing = config.validate().unwrap();
    let frame = frame_clocks(&timing);
    let mut bench = EchoBench::new(&timing);
    let mut driver = SerialDriver::new(line_format(&config), 2);
    let mut monitor = LineMonitor::new(tx_format(&timing), 1.0);
    driver.idle_bits(config.frame_bits() as f64 + 1.0);
    driver.frame(0x12);
    driver.frame_bad_parity(0x34);
    driver.frame(0x56);
    let pins = drive_queue(&mut bench, &mut driver, &mut monitor, 2 * frame);
    assert_eq!(pins.led, 0x40 | (0x56 & 0x3F));
    let want: Vec<RxEvent> = [0x12, 0x56].map(RxEvent::data).to_vec();
    if let Err(diff) = compare_events(&want, &echoed(&monitor)) {
        panic!("{diff}");
    }
}

#[test]
fn rst_n_is_synchronised_and_holds_reset_while_low() {
    let config = config(1_000_000, 16);
    let timing = config.validate().unwrap();
    let frame = frame_clocks(&timing);
    let mut bench = EchoBench::new(&timing);
    let mut driver = SerialDriver::new(line_format(&config), 3);
    let mut monitor = LineMonitor::new(tx_format(&timing), 1.0);
    driver.idle_bits(config.frame_bits() as f64 + 1.0);
    driver.frame(0x3F);
    driver.frame_bad_stop(0x0F);
    let pins = drive_queue(&mut bench, &mut driver, &mut monitor, frame);
    assert_eq!(pins.led, 0x7F);

    // rst_n goes low in the cycle after this edge: it passes two flip-flops, so the LEDs
    // (flip-flops themselves) clear on the third edge, not earlier.
    let mut seen = Vec::new();
    drive(&mut bench, &mut driver, &mut monitor, 4, false, |_, p| {
        seen.push(p.led)
    });
    assert_eq!(
        seen,
        vec![0x7F, 0x7F, 0x00, 0x00],
        "LEDs on the edges after rst_n fell"
    );

    // Held low: a frame sent meanwhile is not received, and usb_tx stays idle high.
    driver.frame(0x55);
    let cycles = driver.clocks_queued() + frame;
    drive(
        &mut bench,
        &mut driver,
        &mut monitor,
        cycles,
        false,
        |c, p| {
            assert!(p.usb_tx && p.led == 0, "cycle {c} in reset: {p:?}");
        },
    );
    // Released: also through the synchroniser, then the receiver waits for a frame of idle
    // line before it arms, and works again.
    let mut seen = Vec::new();
    drive(&mut bench, &mut driver, &mut monitor, 3, true, |_, p| {
        seen.push(p.led)
    });
    assert_eq!(seen, vec![0, 0, 0]);
    driver.idle_bits(config.frame_bits() as f64 + 1.0);
    driver.frame(0x2A);
    let pins = drive_queue(&mut bench, &mut driver, &mut monitor, frame);
    assert_eq!(pins.led, 0x2A);
    let want: Vec<RxEvent> = [0x3F, 0x2A].map(RxEvent::data).to_vec();
    if let Err(diff) = compare_events(&want, &echoed(&monitor)) {
        panic!("{diff}");
    }
}

#[test]
fn reset_empties_the_fifo() {
    // A sender 3 % fast for 300 frames leaves ~9 bytes queued behind the echo.
    let config = config(1_000_000, 16);
    let timing = config.validate().unwrap();
    let frame = frame_clocks(&timing);
    let mut bench = EchoBench::new(&timing);
    let mut driver = SerialDriver::new(line_format(&config), 4).baud_error_ppm(30_000.0);
    let mut monitor = LineMonitor::new(tx_format(&timing), 1.0);
    driver.idle_bits(config.frame_bits() as f64 + 1.0);
    let sent: Vec<u16> = (0..300).map(|i| (i * 7 % 256) as u16).collect();
    for &b in &sent {
        driver.frame(b);
    }
    let cycles = driver.clocks_queued() + 20;
    drive(
        &mut bench,
        &mut driver,
        &mut monitor,
        cycles,
        true,
        |_, _| {},
    );
    let before = monitor.events().len();
    assert!(
        sent.len() - before >= 5,
        "only {} bytes were queued",
        sent.len() - before
    );

    // Reset for 20 clocks (far fewer than the FIFO depth, more than its content).
    drive(&mut bench, &mut driver, &mut monitor, 20, false, |_, _| {});
    // After it, nothing more may come out: the queued bytes are gone.
    drive(
        &mut bench,
        &mut driver,
        &mut monitor,
        5 * frame,
        true,
        |c, p| {
            assert!(p.usb_tx, "cycle {c}: usb_tx active after the reset");
        },
    );
    // The frame cut by the reset may show as one garbled event; every event before it is
    // the stream's start, unchanged.
    let events = echoed(&monitor);
    let clean = events.len().min(before);
    let want: Vec<RxEvent> = sent[..clean].iter().map(|&b| RxEvent::data(b)).collect();
    if let Err(diff) = compare_events(&want, &events[..clean]) {
        panic!("{diff}");
    }
    assert!(
        events.len() <= before + 1,
        "{} events after {before}",
        events.len()
    );

    // The next byte is echoed alone: no stale byte left in the FIFO.
    driver.idle_bits(config.frame_bits() as f64 + 1.0);
    driver.frame(0xC3);
    drive_queue(&mut bench, &mut driver, &mut monitor, 2 * frame);
    let events = echoed(&monitor);
    assert_eq!(events.last(), Some(&RxEvent::data(0xC3)));
    assert!(events.len() <= before + 2);
}

#[test]
fn firmware_ports_match_the_pin_files() {
    let expected = vec![
        port("clk", 1, PortDirection::Input),
        port("rst_n", 1, PortDirection::Input),
        port("usb_rx", 1, PortDirection::Input),
        port("usb_tx", 1, PortDirection::Output),
        port("led", 8, PortDirection::Output),
    ];
    for data_bits in 5..=9 {
        let config = UartConfig {
            data_bits,
            ..UartConfig::default()
        };
        let (verilog, top) = firmware_verilog(Firmware::Echo, &config).unwrap();
        assert_eq!(top, "echo_top");
        assert_eq!(ports_from_verilog(&verilog, &top).unwrap(), expected);
        assert!(verilog.starts_with("// echo_top: echo firmware"));
        assert!(verilog.contains(&format!("data_bits = {data_bits},")));
        // Every module carries the top name, so nothing clashes with other exports.
        for line in verilog.lines().filter(|l| l.starts_with("module ")) {
            assert!(line.starts_with("module echo_top"), "{line}");
        }
        if data_bits == 8 {
            for board in Board::CU {
                let pcf = board.pcf_path(std::path::Path::new(".")).unwrap();
                let text = std::fs::read_to_string(&pcf).unwrap();
                check_constraints(&text, &pcf.to_string_lossy(), &expected)
                    .unwrap_or_else(|e| panic!("{board}: {e:#}"));
            }
        }
    }
}

fn port(name: &str, width: usize, direction: PortDirection) -> Port {
    Port {
        name: name.to_string(),
        width,
        direction,
    }
}

#[test]
fn board_and_firmware_names() {
    assert_eq!("cu".parse::<Board>().unwrap(), Board::Cu);
    assert_eq!("CU-V2".parse::<Board>().unwrap(), Board::CuV2);
    assert_eq!("echo".parse::<Firmware>().unwrap(), Firmware::Echo);
    let msg = "cu2".parse::<Board>().unwrap_err().to_string();
    assert!(
        msg.contains("'cu2'") && msg.contains("cu (") && msg.contains("cu-v2 ("),
        "{msg}"
    );
    let msg = "blink".parse::<Firmware>().unwrap_err().to_string();
    assert!(msg.contains("'blink'") && msg.contains("echo ("), "{msg}");
    for b in Board::ALL {
        assert_eq!(b.to_string().parse::<Board>().unwrap(), b);
    }
}
