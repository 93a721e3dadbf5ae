//! The peripheral with FIFOs of their own depths (issue #18): tiny (1 and 2 entries, in
//! flip-flops), unequal, and 512 entries, through the register port in the Rust model.
//!
//! Per build: the RX FIFO fills to exactly its depth from the line (`LEVELS.RX_LEVEL`,
//! `STATUS.RX_FULL`, the RX watermark event at the full level), the bytes beyond it are
//! lost and counted, and the ones kept come out in order; the TX FIFO takes exactly its
//! depth with the transmitter off (`LEVELS.TX_LEVEL`, `TXDATA.FULL`), one more write is
//! dropped and flagged, and with the transmitter on the TX watermark interrupt (mark 0)
//! fires once the FIFO is empty and every byte is sent in order. The expected figures
//! come from the build's depths, not from the peripheral.

use crate::periph::bench::*;
use rust_hdl_uart::periph::options::PeripheralOptions;
use rust_hdl_uart::periph::regs::*;
use rust_hdl_uart::sim::harness::line_format;
use rust_hdl_uart::sim::line::{MonitorEvent, SerialDriver};

/// Good frames seen on the `tx` line, in order.
fn frames(b: &Bench) -> Vec<u16> {
    b.monitor
        .events()
        .iter()
        .filter_map(|e| match e {
            MonitorEvent::Frame {
                data,
                parity_ok: true,
                stop_ok: true,
                ..
            } => Some(*data),
            _ => None,
        })
        .collect()
}

fn check_levels(options: &PeripheralOptions) {
    let rx_depth = 1u32 << options.rx_depth_log2;
    let tx_depth = 1u32 << options.tx_depth_log2;
    let extra = 3u32;
    let mut driver = SerialDriver::new(line_format(&config()), 21);
    driver.idle_bits(40.0);
    for i in 0..rx_depth + extra {
        driver.frame((0x40 + i) as u16);
    }
    let mut b = Bench::build(driver, options);
    // The full level is the RX watermark; its field is as wide as the level.
    b.write(&WATERMARK, WATERMARK_RX.put(rx_depth) | WATERMARK_TX.put(0));
    b.write(&IRQ_PENDING, 0x7F);
    assert_eq!(b.pending() & IRQ_RX_WATERMARK.mask(), 0, "{options}");
    // ---- RX: fill from the line.
    b.run_until((rx_depth + extra + 2) as u64 * FRAME_T + 40 * BIT, |b| {
        b.driver.is_done()
    })
    .expect("the driver finishes");
    b.idle(FRAME_T);
    let levels = b.read(&LEVELS);
    assert_eq!(LEVELS_RX.get(levels), rx_depth, "RX level, {options}");
    assert_eq!(STATUS_RX_FULL.get(b.read(&STATUS)), 1, "{options}");
    assert_ne!(
        b.pending() & IRQ_RX_WATERMARK.mask(),
        0,
        "RX watermark event at the full level, {options}"
    );
    let lost = if options.lost_counter { extra } else { 0 };
    assert_eq!(
        b.read(&OVERFLOW),
        OVERFLOW_RX_OVERFLOW.mask() | OVERFLOW_RX_LOST.put(lost),
        "{options}"
    );
    let data: Vec<u32> = b.drain().iter().map(|w| RXDATA_DATA.get(*w)).collect();
    assert_eq!(
        data,
        (0x40..0x40 + rx_depth).collect::<Vec<_>>(),
        "{options}"
    );
    assert_eq!(LEVELS_RX.get(b.read(&LEVELS)), 0, "{options}");

    // ---- TX: fill with the transmitter off.
    b.write(&CTRL, CTRL_RX_ENABLE.mask());
    for i in 0..tx_depth {
        assert_eq!(
            TXDATA_FULL.get(b.read(&TXDATA)),
            0,
            "before byte {i}, {options}"
        );
        b.write(&TXDATA, (i * 7) & 0xFF);
    }
    assert_eq!(
        LEVELS_TX.get(b.read(&LEVELS)),
        tx_depth,
        "TX level, {options}"
    );
    assert_eq!(TXDATA_FULL.get(b.read(&TXDATA)), 1, "{options}");
    b.write(&OVERFLOW, 0xFFFF_FFFF);
    b.write(&TXDATA, 0x5A);
    assert_eq!(b.read(&OVERFLOW), OVERFLOW_TX_DROPPED.mask(), "{options}");
    assert_eq!(LEVELS_TX.get(b.read(&LEVELS)), tx_depth, "{options}");
    // ---- Send: the TX watermark (0) interrupt once the FIFO is empty.
    b.write(&IRQ_PENDING, 0x7F);
    b.write(&IRQ_ENABLE, IRQ_TX_WATERMARK.mask());
    b.idle(2);
    assert!(!b.irq(), "{options}");
    b.write(&CTRL, CTRL_RX_ENABLE.mask() | CTRL_TX_ENABLE.mask());
    b.run_until((tx_depth as u64 + 2) * FRAME_T, |b| b.irq())
        .expect("TX watermark interrupt");
    assert_eq!(LEVELS_TX.get(b.read(&LEVELS)), 0, "{options}");
    // The last byte is in the transmitter when the FIFO empties.
    assert!(frames(&b).len() < tx_depth as usize, "{options}");
    b.idle(2 * FRAME_T);
    let expected: Vec<u16> = (0..tx_depth).map(|i| ((i * 7) & 0xFF) as u16).collect();
    assert_eq!(frames(&b), expected, "{options}");
}

#[test]
fn rx_1_tx_512_minimal() {
    check_levels(&PeripheralOptions::minimal().with_depths(0, 9));
}

#[test]
fn rx_2_tx_8_full() {
    check_levels(&PeripheralOptions::full().with_depths(1, 3));
}

#[test]
fn rx_8_tx_1_and_1_1_without_rts_cts() {
    let mut o = PeripheralOptions::full().with_depths(3, 0);
    check_levels(&o);
    o.rts_cts = false;
    o.irqs &= !(1 << 5); // cts_changed needs rts_cts
    check_levels(&o.with_depths(0, 0));
}

/// RTS/CTS with a 2-entry RX FIFO (the smallest the options take): RTS is deasserted
/// (high) at the threshold, whose reset value is 3/4 of the depth (1 entry), and
/// asserted again when the FIFO is read below it.
#[test]
fn rts_with_a_2_entry_rx_fifo() {
    let mut driver = SerialDriver::new(line_format(&config()), 23);
    driver.idle_bits(40.0);
    driver.frame(0x11);
    let mut b = Bench::build(driver, &PeripheralOptions::full().with_depths(1, 4));
    assert_eq!(RTS_THRESHOLD_LEVEL.get(b.read(&RTS_THRESHOLD)), 1);
    let ctrl = b.read(&CTRL);
    b.write(&CTRL, ctrl | CTRL_RTS_FLOW.mask());
    b.idle(4);
    assert!(!b.rts(), "RTS asserted (low) while the FIFO is empty");
    b.run_until(8 * FRAME_T, |b| b.driver.is_done()).unwrap();
    b.idle(FRAME_T);
    assert_eq!(LEVELS_RX.get(b.read(&LEVELS)), 1);
    assert!(b.rts(), "RTS deasserted at the threshold");
    assert_eq!(RXDATA_DATA.get(b.read(&RXDATA)), 0x11);
    b.idle(4);
    assert!(!b.rts(), "RTS asserted again below it");
}
