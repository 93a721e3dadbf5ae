//! The UART peripheral (issue #10): the register map's generated artefacts, and the
//! peripheral's behaviour through its register port and through the bus adapters, with
//! the line model on the pins.

mod regs {
    use rust_hdl_uart::periph::regs::{self, Access, Reset, REGISTERS};
    use std::path::Path;

    fn root() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    fn regenerate() -> bool {
        std::env::var_os("UART_REGEN").is_some()
    }

    #[test]
    fn map_is_consistent() {
        let problems = regs::check_map();
        assert!(problems.is_empty(), "{problems:#?}");
        // 17 registers at offsets 0..=16: FEATURES (16) was added after RS485 (15).
        let mut offsets: Vec<u32> = REGISTERS.iter().map(|r| r.offset).collect();
        offsets.sort();
        assert_eq!(offsets, (0..=16).collect::<Vec<_>>());
    }

    #[test]
    fn checker_finds_overlaps_and_shared_offsets() {
        // The checker itself must be able to fail: a map with an overlap is caught.
        let a = regs::Field {
            name: "A",
            lsb: 0,
            width: 4,
            access: Access::Rw,
            reset: Reset::Value(0),
            doc: "",
        };
        let b = regs::Field {
            name: "B",
            lsb: 3,
            width: 2,
            access: Access::Rw,
            reset: Reset::Value(0),
            doc: "",
        };
        assert_eq!(a.mask() & b.mask(), 0b1000);
        assert_eq!(regs::BAUD_INCREMENT.lanes(), 0b0111);
        assert_eq!(regs::LEVELS_TX.lanes(), 0b1100);
        assert_eq!(regs::OVERFLOW_RX_OVERFLOW.lanes(), 0b1000);
    }

    #[test]
    fn header_is_current() {
        let (path, text) = regs::generated_header();
        let path = root().join(path);
        if regenerate() {
            std::fs::write(&path, &text).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == text,
            "{} is stale: run UART_REGEN=1 cargo test --release --test sim periph::regs",
            path.display()
        );
        // Spot checks against the definition, written out by hand.
        assert!(text.contains("#define UART_RXDATA 0x14u\n"));
        assert!(text.contains("#define UART_BAUD_INCREMENT_MASK 0x001FFFFFu\n"));
        assert!(text.contains("#define UART_FRAME_PARITY_SHIFT 4u\n"));
        // The FEATURES register as agreed with the C driver (issue #20), by hand.
        assert!(text.contains("#define UART_FEATURES 0x40u\n"));
        assert!(text.contains("#define UART_FEATURES_IRQS_SHIFT 8u\n"));
        assert!(text.contains("#define UART_FEATURES_IRQS_MASK 0x00007F00u\n"));
        assert!(text.contains("#define UART_FEATURES_AXIL_MASK 0x00008000u\n"));
        assert!(text.contains("#define UART_FEATURES_RX_DEPTH_LOG2_MASK 0x000F0000u\n"));
        assert!(text.contains("#define UART_FEATURES_TX_DEPTH_LOG2_MASK 0x00F00000u\n"));
        assert!(text.contains("#define UART_ID_VERSION_RESET 0x2u\n"));
    }

    #[test]
    fn readme_table_is_current() {
        let path = root().join("README.md");
        let readme = std::fs::read_to_string(&path).unwrap();
        let updated =
            regs::readme_with_table(&readme).expect("README lacks the register-table markers");
        if regenerate() && updated != readme {
            std::fs::write(&path, &updated).unwrap();
        }
        assert!(
            updated == readme || regenerate(),
            "README's register table is stale: run UART_REGEN=1 cargo test --release --test sim periph::regs"
        );
        assert!(regs::markdown_table().contains("| 0x18 | **TXDATA** |"));
    }
}

/// A single-thread bench around the peripheral's register port, with the line model on
/// `rx` and a decoder on `tx`.
pub(crate) mod bench {
    use rust_hdl::prelude::*;
    use rust_hdl_uart::periph::options::PeripheralOptions;
    use rust_hdl_uart::periph::regs::{self, Register};
    use rust_hdl_uart::periph::uart_periph::UartPeriph;
    use rust_hdl_uart::sim::harness::line_format;
    use rust_hdl_uart::sim::line::{LineMonitor, SerialDriver};
    use rust_hdl_uart::UartConfig;

    /// 32 MHz, 1 Mbaud 8N1: 32 clocks per bit, 2 per sample; the increment is exact.
    pub fn config() -> UartConfig {
        UartConfig {
            clock_hz: 32_000_000,
            baud: 1_000_000,
            ..UartConfig::default()
        }
    }

    pub const BIT: u64 = 32;
    pub const FRAME_T: u64 = 10 * BIT;
    pub const DEPTH: usize = 16;

    /// The peripheral type the bench builds: the largest FIFO type, so any build's depths
    /// fit (each FIFO's own depth is its build's; the 16-entry default is masked within
    /// 9-bit pointers, which the export's own-size type is proven to match by cells in
    /// `fifo::sized_fifo_storage_and_cost_follow_the_depth`).
    pub type Periph = UartPeriph<9>;

    pub struct Bench {
        pub dut: Periph,
        pub cycle: u64,
        pub driver: SerialDriver,
        pub monitor: LineMonitor,
        pub cts: bool,
        pub reset: bool,
        /// Drive `rx` with the `tx` of the previous clock as well (a half-duplex echo).
        pub echo: bool,
        /// Per cycle (after the edge): tx, tx_enable.
        pub tx_enable_edges: Vec<(u64, bool)>,
        pub tx_falls: Vec<u64>,
        pub tx_rises: Vec<u64>,
        last_tx: bool,
        last_tx_enable: bool,
    }

    impl Bench {
        pub fn new() -> Self {
            Self::with_driver(SerialDriver::new(line_format(&config()), 1))
        }

        pub fn with_driver(driver: SerialDriver) -> Self {
            Self::build(driver, &PeripheralOptions::full())
        }

        /// The bench around the build `options` (its FIFO depths).
        pub fn build(driver: SerialDriver, options: &PeripheralOptions) -> Self {
            Self::build_for(driver, options, &config())
        }

        /// The bench around the build `options` for `config` (its format on the monitor).
        pub fn build_for(
            driver: SerialDriver,
            options: &PeripheralOptions,
            config: &UartConfig,
        ) -> Self {
            let mut dut = Periph::with_options(config, options).unwrap();
            dut.connect_all();
            let monitor = LineMonitor::new(line_format(config), 1.0);
            Bench {
                dut,
                cycle: 0,
                driver,
                monitor,
                cts: false,
                reset: false,
                echo: false,
                tx_enable_edges: Vec::new(),
                tx_falls: Vec::new(),
                tx_rises: Vec::new(),
                last_tx: true,
                last_tx_enable: false,
            }
        }

        /// One clock with these register-port inputs; returns `reg_rdata` after the edge.
        pub fn step_with(
            &mut self,
            addr: u32,
            write: bool,
            wdata: u32,
            wstrb: u32,
            read: bool,
        ) -> u32 {
            let rx = self.driver.next_level() && (!self.echo || self.last_tx);
            let d = &mut self.dut;
            d.clock.next = false.into();
            d.reg_addr.next = (addr as u64).to_bits();
            d.reg_write.next = write;
            d.reg_wdata.next = (wdata as u64).to_bits();
            d.reg_wstrb.next = (wstrb as u64).to_bits();
            d.reg_read.next = read;
            d.rx.next = rx;
            d.cts.next = self.cts;
            d.reset.next = self.reset;
            assert!(simulate(d, 100), "did not settle");
            d.clock.next = true.into();
            assert!(simulate(d, 100), "did not settle");
            self.cycle += 1;
            let tx = d.tx.val();
            let te = d.tx_enable.val();
            self.monitor.push(tx);
            if tx != self.last_tx {
                if tx {
                    self.tx_rises.push(self.cycle);
                } else {
                    self.tx_falls.push(self.cycle);
                }
                self.last_tx = tx;
            }
            if te != self.last_tx_enable {
                self.tx_enable_edges.push((self.cycle, te));
                self.last_tx_enable = te;
            }
            d.reg_rdata.val().to_u32()
        }

        pub fn idle(&mut self, clocks: u64) {
            for _ in 0..clocks {
                self.step_with(0, false, 0, 0, false);
            }
        }

        pub fn write(&mut self, reg: &Register, value: u32) {
            self.step_with(reg.offset, true, value, 0xF, false);
        }

        pub fn write_lanes(&mut self, offset: u32, value: u32, wstrb: u32) {
            self.step_with(offset, true, value, wstrb, false);
        }

        pub fn read_at(&mut self, offset: u32) -> u32 {
            self.step_with(offset, false, 0, 0, true)
        }

        pub fn read(&mut self, reg: &Register) -> u32 {
            self.read_at(reg.offset)
        }

        pub fn irq(&self) -> bool {
            self.dut.irq.val()
        }

        pub fn rts(&self) -> bool {
            self.dut.rts.val()
        }

        pub fn pending(&mut self) -> u32 {
            self.read(&regs::IRQ_PENDING)
        }

        /// Runs until `cond` or `limit` clocks; returns the clocks taken.
        pub fn run_until(
            &mut self,
            limit: u64,
            mut cond: impl FnMut(&mut Bench) -> bool,
        ) -> Option<u64> {
            for n in 0..limit {
                if cond(self) {
                    return Some(n);
                }
                self.idle(1);
            }
            None
        }

        /// Pops the RX FIFO until empty; the RXDATA words with VALID set.
        pub fn drain(&mut self) -> Vec<u32> {
            let mut out = Vec::new();
            for _ in 0..(DEPTH + 2) {
                let w = self.read(&regs::RXDATA);
                if regs::RXDATA_VALID.get(w) == 0 {
                    return out;
                }
                out.push(w);
            }
            panic!("RX FIFO never empty");
        }
    }
}

/// Behaviour through the register port.
mod port {
    use super::bench::*;
    use rust_hdl_uart::config::cfg_increment;
    use rust_hdl_uart::periph::regs::{self, *};
    use rust_hdl_uart::sim::harness::line_format;
    use rust_hdl_uart::sim::line::{MonitorEvent, SerialDriver};

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

    /// The bench cycles (counted as `Bench::cycle` after the edge) of each frame's start bit.
    fn starts(b: &Bench) -> Vec<u64> {
        b.monitor
            .events()
            .iter()
            .map(|e| match e {
                MonitorEvent::Frame { start_clock, .. } => start_clock + 1,
                MonitorEvent::Break { start_clock, .. } => start_clock + 1,
            })
            .collect()
    }

    #[test]
    fn reset_values_and_read_write() {
        let mut b = Bench::new();
        b.idle(4);
        // Reset values, written out by hand from the documented map.
        assert_eq!(b.read(&ID), 0x5541_0204);
        // Every feature, Wishbone, 16 entries both ways: bits 7:0, IRQS 0x7F, depths 4 and 4.
        assert_eq!(b.read(&FEATURES), 0x0044_7FFF);
        assert_eq!(b.read(&CTRL), 0b11);
        assert_eq!(
            b.read(&BAUD),
            cfg_increment(32_000_000, 1_000_000, 16).unwrap()
        );
        assert_eq!(b.read(&BAUD), 1 << 19);
        assert_eq!(b.read(&regs::FRAME), 8);
        assert_eq!(b.read(&STATUS), 0b111_0100); // TX_EMPTY, TX_IDLE, CTS (pin low), RTS
        assert_eq!(b.read(&LEVELS), 0);
        assert_eq!(b.read(&OVERFLOW), 0);
        assert_eq!(b.read(&IRQ_ENABLE), 0);
        assert_eq!(b.read(&WATERMARK), 1);
        assert_eq!(b.read(&RX_TIMEOUT), 4);
        assert_eq!(b.read(&RTS_THRESHOLD), 12);
        assert_eq!(b.read(&RS485), 0x101);
        assert_eq!(b.read(&RXDATA), 0, "empty FIFO: VALID clear");
        // RW registers keep exactly their writable bits.
        let cases: [(&Register, u32); 7] = [
            (&CTRL, 0xFF),
            (&BAUD, 0x1F_FFFF),
            (&regs::FRAME, 0xFF),
            (&IRQ_ENABLE, 0x7F),
            (&WATERMARK, 0x1F_001F), // 5 bits each: levels 0..=16
            (&RX_TIMEOUT, 0xFF),
            (&RS485, 0xF0F),
        ];
        for (reg, mask) in cases {
            for pattern in [0xFFFF_FFFFu32, 0xA5A5_A5A5, 0x5A5A_5A5A, 0] {
                if reg.name == "CTRL" || reg.name == "BAUD" || reg.name == "FRAME_T" {
                    continue; // exercised below without stopping the cores
                }
                b.write(reg, pattern);
                assert_eq!(b.read(reg), pattern & mask, "{}", reg.name);
            }
        }
        b.write(&RTS_THRESHOLD, 0xFFFF_FFFF);
        assert_eq!(b.read(&RTS_THRESHOLD), 0x1F);
        b.write(&BAUD, 0xFFFF_FFFF);
        assert_eq!(b.read(&BAUD), 0x1F_FFFF);
        b.write(&regs::FRAME, 0x5A5A_5A5A);
        assert_eq!(b.read(&regs::FRAME), 0x5A);
        b.write(&CTRL, 0xFFFF_FF00);
        assert_eq!(b.read(&CTRL), 0);
        // Byte lanes: only enabled bytes change.
        b.write(&BAUD, 0x0012_3456);
        b.write_lanes(BAUD.offset, 0xFFFF_FFFF, 0b0010);
        assert_eq!(b.read(&BAUD), 0x0012_FF56);
        b.write_lanes(BAUD.offset, 0x0000_0000, 0b0101);
        assert_eq!(b.read(&BAUD), 0x0000_FF00);
        // Read-only registers ignore writes; unmapped words read 0.
        b.write(&ID, 0);
        assert_eq!(b.read(&ID), 0x5541_0204);
        b.write(&FEATURES, 0);
        assert_eq!(b.read(&FEATURES), 0x0044_7FFF);
        b.write(&LEVELS, 0xFFFF_FFFF);
        assert_eq!(b.read(&LEVELS), 0);
        for offset in [17, 31, 63] {
            b.step_with(offset, true, 0xFFFF_FFFF, 0xF, false);
            assert_eq!(b.read_at(offset), 0);
        }
        // Reset returns everything.
        b.reset = true;
        b.idle(1);
        b.reset = false;
        assert_eq!(b.read(&BAUD), 1 << 19);
        assert_eq!(b.read(&regs::FRAME), 8);
        assert_eq!(b.read(&CTRL), 3);
        assert_eq!(b.read(&WATERMARK), 1);
    }

    #[test]
    fn transmit_through_fifo() {
        let mut b = Bench::new();
        b.write(&IRQ_ENABLE, IRQ_TX_DONE.mask());
        b.write(&IRQ_PENDING, 0x7F);
        let bytes: Vec<u16> = (0..DEPTH as u16).map(|i| i * 37 % 256).collect();
        for &byte in &bytes {
            b.write(&TXDATA, byte as u32);
        }
        let levels = b.read(&LEVELS);
        // One byte may already be on its way to the transmitter.
        assert!(
            (DEPTH as u32 - 1..=DEPTH as u32).contains(&LEVELS_TX.get(levels)),
            "{levels:#x}"
        );
        assert_eq!(STATUS_TX_IDLE.get(b.read(&STATUS)), 0);
        assert!(!b.irq());
        b.run_until(20 * FRAME_T, |b| b.irq())
            .expect("TX_DONE interrupt");
        assert_eq!(frames(&b), bytes);
        assert_eq!(
            b.monitor.timing_error_count(),
            0,
            "{:?}",
            b.monitor.timing_errors()
        );
        let status = b.read(&STATUS);
        assert_eq!(STATUS_TX_IDLE.get(status), 1);
        assert_eq!(STATUS_TX_EMPTY.get(status), 1);
        assert_eq!(b.pending(), IRQ_TX_DONE.mask() | IRQ_TX_WATERMARK.mask());
        // The last stop bit is over on the line when TX_DONE rises.
        assert_eq!(starts(&b)[0], b.tx_falls[0]);
        let last_start = *starts(&b).last().unwrap();
        // The pipeline: core idle, sequencer Lag then Idle, event, pending, irq.
        assert!(
            b.cycle >= last_start + FRAME_T,
            "TX_DONE before the stop bit ended"
        );
        assert!(
            b.cycle <= last_start + FRAME_T + 6,
            "TX_DONE late: {} after the stop bit",
            b.cycle - last_start - FRAME_T
        );
        // Cleared by writing 1.
        b.write(&IRQ_PENDING, IRQ_TX_DONE.mask());
        b.idle(2);
        assert!(!b.irq());
        assert_eq!(b.pending(), IRQ_TX_WATERMARK.mask());
    }

    #[test]
    fn tx_fifo_full_drops_and_flags() {
        let mut b = Bench::new();
        b.write(&CTRL, CTRL_RX_ENABLE.mask()); // transmitter off: the FIFO fills
        for i in 0..DEPTH as u32 {
            b.write(&TXDATA, i);
        }
        assert_eq!(TXDATA_FULL.get(b.read(&TXDATA)), 1);
        assert_eq!(STATUS_TX_FULL.get(b.read(&STATUS)), 1);
        assert_eq!(b.read(&OVERFLOW), 0);
        b.write(&TXDATA, 0x77);
        assert_eq!(b.read(&OVERFLOW), OVERFLOW_TX_DROPPED.mask());
        assert_ne!(b.pending() & IRQ_OVERFLOW.mask(), 0);
        assert_eq!(LEVELS_TX.get(b.read(&LEVELS)), DEPTH as u32);
        b.write(&OVERFLOW, OVERFLOW_TX_DROPPED.mask());
        assert_eq!(b.read(&OVERFLOW), 0);
        // FIFO reset empties it; nothing is sent once the transmitter is enabled.
        b.write(&FIFO_RESET, FIFO_RESET_TX.mask());
        assert_eq!(b.read(&LEVELS), 0);
        b.write(&CTRL, 3);
        b.idle(3 * FRAME_T);
        assert!(frames(&b).is_empty());
        // After a refill the order is kept.
        for i in [1u32, 2, 3] {
            b.write(&TXDATA, i);
        }
        b.idle(5 * FRAME_T);
        assert_eq!(frames(&b), vec![1, 2, 3]);
    }

    #[test]
    fn txdata_write_without_byte_lane_0_pushes_nothing() {
        let mut b = Bench::new();
        b.write(&CTRL, CTRL_RX_ENABLE.mask()); // transmitter off: what is pushed stays
        for lanes in [0b0000, 0b0010, 0b0100, 0b1000, 0b1110] {
            b.write_lanes(TXDATA.offset, 0x5A5A_5A5A, lanes);
            assert_eq!(b.read(&LEVELS), 0, "lanes {lanes:04b}");
            assert_eq!(b.read(&OVERFLOW), 0, "lanes {lanes:04b}: nothing flagged");
        }
        b.write_lanes(TXDATA.offset, 0x0000_00A5, 0b0001);
        assert_eq!(LEVELS_TX.get(b.read(&LEVELS)), 1);
        b.write(&CTRL, 3);
        b.idle(2 * FRAME_T);
        assert_eq!(frames(&b), vec![0xA5]);
    }

    #[test]
    fn receive_with_flags_per_byte() {
        let mut driver = SerialDriver::new(line_format(&config()), 7);
        driver.idle_bits(12.0);
        driver.frame(0x41);
        driver.frame_bad_stop(0x42);
        driver.frame(0x43);
        driver.line_break(15.0);
        driver.idle_bits(2.0);
        driver.frame(0x44);
        let mut b = Bench::with_driver(driver);
        b.write(&IRQ_ENABLE, IRQ_LINE_ERROR.mask());
        b.run_until(30 * FRAME_T, |b| b.driver.is_done()).unwrap();
        b.idle(2 * FRAME_T);
        assert!(b.irq(), "line error interrupt");
        assert_eq!(LEVELS_RX.get(b.read(&LEVELS)), 5);
        let words = b.drain();
        let v = RXDATA_VALID.mask();
        assert_eq!(
            words,
            vec![
                v | 0x41,
                v | RXDATA_FRAMING_ERROR.mask() | 0x42,
                v | 0x43,
                v | RXDATA_BREAK.mask(),
                v | 0x44
            ]
        );
        assert_eq!(b.read(&RXDATA), 0);
        b.write(&IRQ_PENDING, IRQ_LINE_ERROR.mask());
        b.idle(2);
        assert!(!b.irq());
    }

    #[test]
    fn parity_error_travels_with_its_byte() {
        let mut cfg = config();
        cfg.parity = rust_hdl_uart::Parity::Even;
        let mut driver = SerialDriver::new(line_format(&cfg), 3);
        driver.idle_bits(12.0);
        driver.frame(0x10);
        driver.frame_bad_parity(0x11);
        driver.frame(0x12);
        let mut b = Bench::with_driver(driver);
        b.write(&regs::FRAME, FRAME_DATA_BITS.put(8) | FRAME_PARITY.put(1));
        b.run_until(30 * FRAME_T, |b| b.driver.is_done()).unwrap();
        b.idle(FRAME_T);
        let v = RXDATA_VALID.mask();
        assert_eq!(
            b.drain(),
            vec![v | 0x10, v | RXDATA_PARITY_ERROR.mask() | 0x11, v | 0x12]
        );
    }

    #[test]
    fn rx_overflow_counts_lost_bytes() {
        let mut driver = SerialDriver::new(line_format(&config()), 9);
        driver.idle_bits(12.0);
        for i in 0..(DEPTH as u16 + 3) {
            driver.frame(i + 0x30);
        }
        let mut b = Bench::with_driver(driver);
        b.write(&IRQ_ENABLE, IRQ_OVERFLOW.mask());
        let mut irq_at_level = None;
        b.run_until(40 * FRAME_T, |b| {
            if b.irq() && irq_at_level.is_none() {
                irq_at_level = Some(b.cycle);
            }
            b.driver.is_done()
        })
        .unwrap();
        b.idle(FRAME_T);
        assert!(irq_at_level.is_some());
        let status = b.read(&STATUS);
        assert_eq!(STATUS_RX_FULL.get(status), 1);
        assert_eq!(b.read(&OVERFLOW), OVERFLOW_RX_OVERFLOW.mask() | 3);
        let words = b.drain();
        let data: Vec<u32> = words.iter().map(|w| RXDATA_DATA.get(*w)).collect();
        assert_eq!(data, (0x30..0x30 + DEPTH as u32).collect::<Vec<_>>());
        // Clearing the flag zeroes the count.
        b.write(&OVERFLOW, OVERFLOW_RX_OVERFLOW.mask());
        assert_eq!(b.read(&OVERFLOW), 0);
    }

    #[test]
    fn watermark_interrupts_set_masked_cleared() {
        let mut driver = SerialDriver::new(line_format(&config()), 11);
        driver.idle_bits(12.0);
        for i in 0..4u16 {
            driver.frame(i);
        }
        let mut b = Bench::with_driver(driver);
        b.write(&WATERMARK, WATERMARK_RX.put(3) | WATERMARK_TX.put(1));
        b.write(&IRQ_PENDING, 0x7F);
        assert_eq!(b.pending(), 0);
        // RX watermark: pending when the 3rd byte arrives, not before; irq only if enabled.
        let at = b
            .run_until(10 * FRAME_T, |b| {
                let p = b.read(&IRQ_PENDING) & IRQ_RX_WATERMARK.mask();
                p != 0
            })
            .unwrap();
        assert!(!b.irq(), "masked");
        assert_eq!(LEVELS_RX.get(b.read(&LEVELS)), 3, "after {at} clocks");
        b.write(&IRQ_ENABLE, IRQ_RX_WATERMARK.mask());
        b.idle(2);
        assert!(b.irq(), "enabled");
        b.write(&IRQ_PENDING, IRQ_RX_WATERMARK.mask());
        b.idle(2);
        assert!(!b.irq(), "cleared");
        // The 4th byte keeps the level above: no new edge, no new event.
        b.run_until(10 * FRAME_T, |b| b.driver.is_done()).unwrap();
        b.idle(FRAME_T);
        assert_eq!(b.pending() & IRQ_RX_WATERMARK.mask(), 0);
        // Drain to 0 and the level rises through the mark again only with new bytes.
        b.drain();
        // TX watermark: 3 bytes queued with the transmitter off, then on: level falls to 1.
        b.write(&CTRL, CTRL_RX_ENABLE.mask());
        for i in 0..3 {
            b.write(&TXDATA, i);
        }
        b.write(&IRQ_PENDING, 0x7F);
        b.write(&IRQ_ENABLE, IRQ_TX_WATERMARK.mask());
        b.idle(2);
        assert!(!b.irq());
        b.write(&CTRL, 3);
        b.run_until(10 * FRAME_T, |b| b.irq())
            .expect("TX watermark interrupt");
        assert!(LEVELS_TX.get(b.read(&LEVELS)) <= 1);
        b.write(&IRQ_ENABLE, 0);
        b.idle(2);
        assert!(!b.irq(), "masked again");
        assert_ne!(b.pending() & IRQ_TX_WATERMARK.mask(), 0, "still pending");
    }

    /// Clocks from the last byte's arrival to the RX timeout's pending bit.
    fn timeout_clocks(
        chars: u32,
        read_at: Option<u64>,
        second_byte_at: Option<f64>,
    ) -> (u64, Bench) {
        let mut driver = SerialDriver::new(line_format(&config()), 5);
        driver.idle_bits(12.0);
        driver.frame(0x55);
        if let Some(bits) = second_byte_at {
            driver.idle_bits(bits);
            driver.frame(0x56);
        }
        let mut b = Bench::with_driver(driver);
        b.write(&RX_TIMEOUT, chars);
        b.write(&IRQ_ENABLE, IRQ_RX_TIMEOUT.mask());
        // Wait for the first byte.
        b.run_until(5 * FRAME_T, |b| LEVELS_RX.get(b.read(&LEVELS)) == 1)
            .unwrap();
        let mut last_event = b.cycle;
        let mut level = 1;
        let mut read_done = false;
        loop {
            assert!(b.cycle < 200 * FRAME_T, "no timeout");
            if b.irq() {
                return (b.cycle - last_event, b);
            }
            if let Some(after) = read_at {
                if !read_done && b.cycle - last_event >= after {
                    // Pops one of two bytes, so the timeout still has a byte to wait for.
                    let w = b.read(&RXDATA);
                    assert_ne!(RXDATA_VALID.get(w), 0);
                    read_done = true;
                    last_event = b.cycle;
                    level -= 1;
                    continue;
                }
            }
            let now = LEVELS_RX.get(b.read(&LEVELS));
            if now > level {
                level = now;
                last_event = b.cycle;
            }
        }
    }

    #[test]
    fn rx_timeout_just_before_and_after_expiry() {
        // 2 characters of 10 bits: the timeout fires between 19 and 20 bit times after the
        // byte arrived (the bit tick runs free), plus the registered decision.
        let (clocks, _) = timeout_clocks(2, None, None);
        assert!(clocks > 19 * BIT && clocks <= 20 * BIT + 6, "{clocks}");
        let (clocks, _) = timeout_clocks(5, None, None);
        assert!(clocks > 49 * BIT && clocks <= 50 * BIT + 6, "{clocks}");
    }

    #[test]
    fn rx_timeout_restarted_by_a_byte() {
        // 3 chars = 30 bits; a second byte arrives 25 bit times after the first: no
        // timeout until 29..30 bit times after the second.
        let (clocks, mut b) = timeout_clocks(3, None, Some(15.0));
        assert_eq!(
            LEVELS_RX.get(b.read(&LEVELS)),
            2,
            "fired before the second byte"
        );
        assert!(clocks > 29 * BIT && clocks <= 30 * BIT + 6, "{clocks}");
    }

    #[test]
    fn rx_timeout_restarted_by_a_read() {
        // Two bytes back to back; one read 10 bit times after the second restarts the
        // count: the timeout comes 19..20 bit times after the read, not after the byte.
        let (clocks, _) = timeout_clocks(2, Some(10 * BIT), Some(0.0));
        assert!(clocks > 19 * BIT && clocks <= 20 * BIT + 6, "{clocks}");
    }

    #[test]
    fn rts_at_threshold() {
        let mut driver = SerialDriver::new(line_format(&config()), 13);
        driver.idle_bits(12.0);
        for i in 0..6u16 {
            driver.frame(i);
        }
        let mut b = Bench::with_driver(driver);
        b.write(&RTS_THRESHOLD, 4);
        assert!(!b.rts(), "flow control off: rts asserted (low)");
        b.write(&CTRL, 3 | CTRL_RTS_FLOW.mask());
        let mut seen = Vec::new();
        b.run_until(20 * FRAME_T, |b| {
            let level = LEVELS_RX.get(b.dut.reg_rdata.val().to_u32());
            seen.push((level, b.rts()));
            b.read(&LEVELS);
            b.driver.is_done()
        })
        .unwrap();
        b.idle(FRAME_T);
        // Deasserted (high) exactly while the level is at or above 4.
        for w in seen.windows(2) {
            // rts is registered: it follows the level a clock later.
            let (level, _) = w[0];
            let (_, rts) = w[1];
            if level < 3 {
                assert!(!rts, "rts high below the threshold: {w:?}");
            }
            if level >= 4 {
                assert!(rts, "rts low at the threshold: {w:?}");
            }
        }
        assert!(b.rts());
        assert_eq!(STATUS_RTS.get(b.read(&STATUS)), 0);
        b.drain();
        b.idle(2);
        assert!(!b.rts());
        assert_eq!(STATUS_RTS.get(b.read(&STATUS)), 1);
    }

    #[test]
    fn cts_dropped_mid_frame_finishes_frame_then_waits() {
        let mut b = Bench::new();
        b.write(&CTRL, 3 | CTRL_CTS_FLOW.mask());
        b.write(&IRQ_ENABLE, IRQ_CTS_CHANGED.mask());
        b.write(&TXDATA, 0xA1);
        b.write(&TXDATA, 0xA2);
        b.run_until(FRAME_T, |b| !b.tx_falls.is_empty()).unwrap();
        b.idle(4 * BIT);
        b.cts = true; // deasserted in the middle of the first frame
        b.idle(4 * FRAME_T);
        assert_eq!(
            frames(&b),
            vec![0xA1],
            "the frame in flight finished, the next waited"
        );
        assert_eq!(b.monitor.events().len(), 1);
        assert!(b.irq(), "CTS changed");
        assert_eq!(STATUS_CTS.get(b.read(&STATUS)), 0);
        b.write(&IRQ_PENDING, IRQ_CTS_CHANGED.mask());
        b.idle(2);
        assert!(!b.irq());
        b.cts = false;
        b.idle(2 * FRAME_T);
        assert_eq!(frames(&b), vec![0xA1, 0xA2]);
        assert!(b.irq(), "CTS changed back");
        // With flow control off, CTS is ignored.
        b.write(&CTRL, 3);
        b.cts = true;
        b.write(&TXDATA, 0xA3);
        b.idle(2 * FRAME_T);
        assert_eq!(frames(&b), vec![0xA1, 0xA2, 0xA3]);
    }

    #[test]
    fn rs485_enable_timing_on_the_line() {
        for (lead, lag) in [(1u64, 1u64), (3, 2), (0, 0)] {
            let mut b = Bench::new();
            b.write(
                &RS485,
                RS485_LEAD.put(lead as u32) | RS485_LAG.put(lag as u32),
            );
            b.write(&CTRL, 3 | CTRL_RS485.mask());
            b.idle(4);
            assert!(b.tx_enable_edges.is_empty());
            b.write(&TXDATA, 0x5A);
            b.write(&TXDATA, 0xC3);
            b.idle(6 * FRAME_T);
            assert_eq!(frames(&b), vec![0x5A, 0xC3]);
            // One rise, one fall: the driver stays on between back-to-back frames.
            assert_eq!(b.tx_enable_edges.len(), 2, "{:?}", b.tx_enable_edges);
            let (rise, r) = b.tx_enable_edges[0];
            let (fall, f) = b.tx_enable_edges[1];
            assert!(r && !f);
            let start = starts(&b)[0];
            // The end of the last stop bit on the line.
            let last_start = *starts(&b).last().unwrap();
            let end = last_start + FRAME_T;
            let lead_clocks = start - rise;
            let lag_clocks = fall - end;
            assert!(
                lead_clocks >= lead * BIT && lead_clocks <= lead * BIT + 3,
                "lead {lead}: {lead_clocks} clocks"
            );
            assert!(
                fall >= end && lag_clocks <= lag * BIT + 3 && lag_clocks >= lag * BIT,
                "lag {lag}: {lag_clocks} clocks"
            );
        }
    }

    #[test]
    fn rs485_ignores_own_echo() {
        // A half-duplex transceiver returns our own frames on `rx`.
        for no_echo in [false, true] {
            let mut b = Bench::new();
            b.echo = true;
            b.idle(12 * BIT);
            let mode = if no_echo {
                CTRL_RS485_NO_ECHO.mask()
            } else {
                0
            };
            b.write(&CTRL, 3 | CTRL_RS485.mask() | mode);
            b.write(&TXDATA, 0x11);
            b.idle(4 * FRAME_T);
            assert_eq!(frames(&b), vec![0x11]);
            let expect = if no_echo {
                vec![]
            } else {
                vec![RXDATA_VALID.mask() | 0x11]
            };
            assert_eq!(b.drain(), expect, "no_echo {no_echo}");
        }
    }

    #[test]
    fn loopback_break_send_and_detect() {
        let mut b = Bench::new();
        b.write(&CTRL, 3 | CTRL_LOOPBACK.mask());
        b.idle(12 * BIT); // the receiver arms after a frame of idle line
        for byte in [0x12u32, 0x34] {
            b.write(&TXDATA, byte);
        }
        b.idle(3 * FRAME_T);
        b.write(&CTRL, 3 | CTRL_LOOPBACK.mask() | CTRL_BREAK.mask());
        b.idle(2 * FRAME_T);
        b.write(&CTRL, 3 | CTRL_LOOPBACK.mask());
        b.idle(2 * FRAME_T);
        b.write(&TXDATA, 0x56);
        b.idle(2 * FRAME_T);
        assert!(b.tx_falls.is_empty(), "loopback: the tx pin idles high");
        let v = RXDATA_VALID.mask();
        let brk = RXDATA_BREAK.mask();
        assert_eq!(b.drain(), vec![v | 0x12, v | 0x34, v | brk, v | 0x56]);
        // And a break on the pin.
        b.write(&CTRL, 3 | CTRL_BREAK.mask());
        b.idle(3 * FRAME_T);
        b.write(&CTRL, 3);
        b.idle(FRAME_T);
        assert!(b
            .monitor
            .events()
            .iter()
            .any(|e| matches!(e, MonitorEvent::Break { clocks, .. } if *clocks >= 2 * FRAME_T)));
    }

    #[test]
    fn reset_in_the_middle_of_traffic() {
        let mut driver = SerialDriver::new(line_format(&config()), 17);
        driver.idle_bits(12.0);
        for i in 0..6u16 {
            driver.frame(0x60 + i);
        }
        driver.idle_bits(12.0);
        driver.frame(0x70);
        let mut b = Bench::with_driver(driver);
        for i in 0..4 {
            b.write(&TXDATA, 0x80 + i);
        }
        b.write(&IRQ_ENABLE, 0x7F);
        b.idle(FRAME_T + FRAME_T / 2);
        b.reset = true;
        b.idle(1);
        b.reset = false;
        assert!(!b.irq());
        assert_eq!(b.read(&LEVELS), 0, "both FIFOs empty");
        assert_eq!(b.read(&IRQ_ENABLE), 0);
        assert_eq!(b.pending(), 0);
        b.run_until(30 * FRAME_T, |b| b.driver.is_done()).unwrap();
        b.idle(2 * FRAME_T);
        // No byte from the cut stream is invented; after the idle gap 0x70 arrives whole.
        let data: Vec<u32> = b.drain().iter().map(|w| *w & 0x7FF).collect();
        assert_eq!(data.last(), Some(&0x70));
        assert!(data.iter().all(|d| (0x60..=0x70).contains(d)), "{data:x?}");
        // The transmitter's frame was cut; nothing else was sent after the reset.
        assert!(b.tx_falls.iter().all(|&t| t < FRAME_T * 2 + 10));
    }

    #[test]
    fn baud_and_format_change_between_frames() {
        let mut b = Bench::new();
        b.write(&TXDATA, 0x3C);
        b.idle(3 * BIT);
        // Mid-frame change to 500 kbaud 7E2: the frame in flight keeps 1 Mbaud 8N1.
        let inc = cfg_increment(32_000_000, 500_000, 16).unwrap();
        b.write(&BAUD, inc);
        b.write(
            &regs::FRAME,
            FRAME_DATA_BITS.put(7) | FRAME_PARITY.put(1) | FRAME_TWO_STOP.mask(),
        );
        b.idle(FRAME_T);
        assert_eq!(frames(&b), vec![0x3C]);
        // The next frame uses the new settings.
        let mut cfg = config();
        cfg.baud = 500_000;
        cfg.data_bits = 7;
        cfg.parity = rust_hdl_uart::Parity::Even;
        cfg.stop_bits = 2;
        b.monitor = rust_hdl_uart::sim::line::LineMonitor::new(line_format(&cfg), 1.0);
        b.write(&TXDATA, 0x55);
        b.idle(2 * 11 * 2 * BIT);
        assert_eq!(frames(&b), vec![0x55]);
        assert_eq!(b.monitor.timing_error_count(), 0);
        // And the receiver: 7E2 at 500 k from the line model.
        let mut driver = SerialDriver::new(line_format(&cfg), 2);
        driver.idle_bits(12.0);
        driver.frame(0x2A);
        driver.frame_bad_parity(0x15);
        b.driver = driver;
        b.run_until(60 * FRAME_T, |b| b.driver.is_done()).unwrap();
        b.idle(FRAME_T);
        let v = RXDATA_VALID.mask();
        assert_eq!(
            b.drain(),
            vec![v | 0x2A, v | RXDATA_PARITY_ERROR.mask() | 0x15]
        );
    }
}

/// The generator switches: presets, the FEATURES word they give, refused combinations.
mod options {
    use rust_hdl_uart::periph::options::{Bus, PeripheralOptions};
    use rust_hdl_uart::periph::top::{UartAxiLite, UartWishbone};
    use rust_hdl_uart::UartConfig;

    #[test]
    fn features_word_of_the_presets() {
        // Written out by hand from the agreed FEATURES layout.
        assert_eq!(PeripheralOptions::full().features_word(), 0x0044_7FFF);
        assert_eq!(
            PeripheralOptions::full()
                .with_bus(Bus::Axil)
                .features_word(),
            0x0044_FFFF
        );
        // minimal: no feature bit, RX and TX watermark interrupts, 16 entries both ways.
        assert_eq!(PeripheralOptions::minimal().features_word(), 0x0044_0300);
        assert_eq!(
            PeripheralOptions::full().with_depths(9, 0).features_word(),
            0x0009_7FFF
        );
    }

    #[test]
    fn nonsense_is_refused_naming_the_switch_and_the_fix() {
        use rust_hdl_uart::periph::options::PeripheralSwitches;
        let err = |s: PeripheralSwitches| s.resolve().unwrap_err().to_string();
        let e = err(PeripheralSwitches {
            rx_depth: Some(1),
            ..Default::default()
        });
        assert!(e.contains("rts_cts") && e.contains("rx_depth"), "{e}");
        let e = err(PeripheralSwitches {
            tx_depth: Some(24),
            ..Default::default()
        });
        assert!(
            e.contains("tx_depth = 24") && e.contains("power of two"),
            "{e}"
        );
        let e = err(PeripheralSwitches {
            rx_depth: Some(1024),
            ..Default::default()
        });
        assert!(e.contains("512"), "{e}");
        let e = err(PeripheralSwitches {
            rs485_lead: Some(16),
            ..Default::default()
        });
        assert!(e.contains("rs485_lead = 16") && e.contains("15"), "{e}");
        let e = err(PeripheralSwitches {
            irqs: Some(vec!["rx_watermark".into(), "rx_timout".into()]),
            ..Default::default()
        });
        assert!(e.contains("rx_timout") && e.contains("rx_timeout"), "{e}");
        let e = err(PeripheralSwitches {
            rx_timeout: Some(false),
            ..Default::default()
        });
        assert!(e.contains("irq_rx_timeout needs rx_timeout"), "{e}");
        let e = err(PeripheralSwitches {
            preset: Some("tiny".into()),
            ..Default::default()
        });
        assert!(e.contains("tiny") && e.contains("minimal"), "{e}");
        // Fine once the fix is applied; single switches override the preset.
        let o = PeripheralSwitches {
            preset: Some("minimal".into()),
            rx_depth: Some(1),
            loopback: Some(true),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        assert_eq!((o.rx_depth_log2, o.loopback, o.rts_cts), (0, true, false));
    }

    #[test]
    fn toml_peripheral_table() {
        use rust_hdl_uart::periph::options::PeripheralSwitches;
        let text = "baud = 9600\n[peripheral]\npreset = \"minimal\"\nrx_depth = 64\nbreak = true\nirqs = [\"overflow\"]\nbus = \"axil\"\n";
        let c = UartConfig::from_toml_str(text, "t.toml").unwrap();
        assert_eq!(c.baud, 9600);
        let s = PeripheralSwitches::from_toml_str(text, "t.toml").unwrap();
        let o = s.resolve().unwrap();
        assert_eq!(o.rx_depth_log2, 6);
        assert_eq!(o.tx_depth_log2, 4);
        assert!(o.break_ && !o.runtime_baud);
        assert_eq!(o.irqs, 1 << 4);
        assert_eq!(o.bus, Bus::Axil);
        // The command line's switches win over the file's.
        let cli = PeripheralSwitches {
            rx_depth: Some(32),
            ..Default::default()
        };
        assert_eq!(s.overridden_by(&cli).resolve().unwrap().rx_depth_log2, 5);
        let e = PeripheralSwitches::from_toml_str("[peripheral]\nrs458 = true\n", "t.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.toml") && e.contains("rs458"), "{e}");
        assert_eq!(
            PeripheralSwitches::from_toml_str("baud = 9600\n", "t.toml").unwrap(),
            PeripheralSwitches::default()
        );
    }

    #[test]
    fn tops_refuse_the_other_bus() {
        let c = UartConfig::default();
        let axil = PeripheralOptions::full().with_bus(Bus::Axil);
        let e = UartWishbone::<4>::with_options(&c, &axil).err().unwrap();
        assert!(e.to_string().contains("wishbone"), "{e}");
        let e = UartAxiLite::<4>::with_options(&c, &PeripheralOptions::full())
            .err()
            .unwrap();
        assert!(e.to_string().contains("axil"), "{e}");
        // A type built for at most 8 entries refuses 16 (the default build).
        let e = UartWishbone::<3>::with_options(&c, &PeripheralOptions::full())
            .err()
            .unwrap();
        assert!(e.to_string().contains("at most 2^3"), "{e}");
        // One built for more takes any smaller depths, each FIFO its own.
        let unequal = PeripheralOptions::full().with_depths(2, 4);
        assert!(UartWishbone::<5>::with_options(&c, &unequal).is_ok());
    }
}

/// Per build: every field of every register written with all ones reads back exactly the
/// build's documented mask (from its generated C header), absent features read 0 and
/// ignore writes, and the behaviour of a build without them.
pub mod builds {
    use super::bench::*;
    use rust_hdl_uart::periph::options::{PeripheralOptions, IRQS_ALL};
    use rust_hdl_uart::periph::regs::{self, *};
    use rust_hdl_uart::sim::harness::line_format;
    use rust_hdl_uart::sim::line::{MonitorEvent, SerialDriver};

    /// A small deterministic generator (the sample is the same on every run).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }
        fn bit(&mut self) -> bool {
            self.next() & 1 == 1
        }
    }

    /// `count` random valid builds (seeded), each FIFO 1 to 16 entries: tiny and unequal
    /// depths are in the sample, 512 in the tests of their own (`periph_depths`), since
    /// the formal checks of sampled builds turn the FIFOs' memories into flip-flops.
    pub fn sample(seed: u64, count: usize) -> Vec<PeripheralOptions> {
        let mut rng = Lcg(seed);
        let mut out = Vec::new();
        while out.len() < count {
            let mut o = PeripheralOptions::full();
            o.rx_depth_log2 = (rng.next() % 5) as u32;
            o.tx_depth_log2 = (rng.next() % 5) as u32;
            o.runtime_format = rng.bit();
            o.runtime_baud = rng.bit();
            o.rx_timeout = rng.bit();
            o.rts_cts = rng.bit();
            o.rs485 = rng.bit();
            o.loopback = rng.bit();
            o.break_ = rng.bit();
            o.lost_counter = rng.bit();
            o.irqs = (rng.next() as u8) & IRQS_ALL;
            if o.validate().is_ok() {
                out.push(o);
            }
        }
        out
    }

    /// The OR of the masks of `reg`'s fields marked `(RW)` in a generated C header.
    fn header_rw_mask(header: &str, reg: &str) -> u32 {
        let mut mask = 0;
        let mut field: Option<String> = None;
        let start = header
            .find(&format!("#define UART_{reg} 0x"))
            .unwrap_or_else(|| panic!("{reg} missing from the header"));
        for line in header[start..].lines().skip(1) {
            if line.is_empty() {
                break;
            }
            if let Some(rest) = line.strip_prefix("/* ") {
                field = rest.split_once(" (RW)").map(|(name, _)| name.to_string());
            } else if let Some(f) = &field {
                let key = format!("#define UART_{reg}_{f}_MASK 0x");
                if let Some(hex) = line.strip_prefix(&key) {
                    mask |= u32::from_str_radix(hex.trim_end_matches('u'), 16).unwrap();
                }
            }
        }
        mask
    }

    /// Registers whose fields are all RW (or absent, or fixed in the build).
    const SETTINGS: [&Register; 8] = [
        &CTRL,
        &BAUD,
        &regs::FRAME,
        &IRQ_ENABLE,
        &WATERMARK,
        &RX_TIMEOUT,
        &RTS_THRESHOLD,
        &RS485,
    ];

    fn check_all_ones(options: &PeripheralOptions) {
        let header = c_header_for(options);
        let map = build_map(options);
        let mut b = Bench::build(SerialDriver::new(line_format(&config()), 1), options);
        b.idle(2);
        for reg in SETTINGS {
            let documented = header_rw_mask(&header, reg.name);
            let before = b.read(reg);
            // What the build keeps regardless of writes: its fixed bits.
            let fixed = before & !documented;
            b.write(reg, 0xFFFF_FFFF);
            assert_eq!(
                b.read(reg),
                documented | fixed,
                "{}: all ones, build {options}",
                reg.name
            );
            b.write(reg, 0);
            assert_eq!(b.read(reg), fixed, "{}: zero, build {options}", reg.name);
            let built = map.iter().find(|r| r.register.name == reg.name).unwrap();
            assert_eq!(built.writable(), documented, "{}", reg.name);
            // A field left out reads 0 whatever was written.
            for f in built.fields.iter().filter(|f| !f.present) {
                assert_eq!(f.field.get(b.read(reg)), 0, "{}.{}", reg.name, f.field.name);
                assert!(
                    header.contains(&format!("/* {} (absent in this build", f.field.name)),
                    "{}.{} not marked absent in the header",
                    reg.name,
                    f.field.name
                );
            }
            b.write(reg, before);
        }
        // Read-only registers ignore writes; FEATURES says what the build has.
        assert_eq!(b.read(&FEATURES), options.features_word());
        b.write(&FEATURES, 0);
        assert_eq!(b.read(&FEATURES), options.features_word());
        // Absent status pins read 0 (cts is low, asserted, on the bench).
        let status = b.read(&STATUS);
        assert_eq!(STATUS_CTS.get(status), options.rts_cts as u32, "{options}");
        assert_eq!(STATUS_RTS.get(status), options.rts_cts as u32, "{options}");
    }

    #[test]
    fn default_build_widths_follow_the_fifo() {
        // 16 entries: levels 0..=16 need 5 bits; written out by hand.
        let header = c_header();
        assert!(header.contains("#define UART_WATERMARK_RX_MASK 0x0000001Fu\n"));
        assert!(header.contains("#define UART_WATERMARK_TX_MASK 0x001F0000u\n"));
        assert!(header.contains("#define UART_RTS_THRESHOLD_LEVEL_MASK 0x0000001Fu\n"));
        assert!(header.contains("#define UART_LEVELS_TX_LEVEL_MASK 0x001F0000u\n"));
        let wide = PeripheralOptions::full().with_depths(9, 9);
        assert!(c_header_for(&wide).contains("#define UART_WATERMARK_RX_MASK 0x000003FFu\n"));
    }

    #[test]
    fn all_ones_read_back_the_documented_mask_in_every_sampled_build() {
        let mut builds = vec![PeripheralOptions::full(), PeripheralOptions::minimal()];
        // Unequal, tiny and the largest depths (the sample has 1 to 16 entries).
        builds.push(PeripheralOptions::minimal().with_depths(0, 9));
        builds.push(PeripheralOptions::full().with_depths(1, 3));
        let mut one = PeripheralOptions::full().with_depths(0, 0);
        one.rts_cts = false;
        one.irqs &= !(1 << 5); // cts_changed needs rts_cts
        builds.push(one);
        builds.extend(sample(18, 40));
        for options in &builds {
            check_all_ones(options);
        }
    }

    #[test]
    fn minimal_build_keeps_its_format_baud_and_flags() {
        let mut driver = SerialDriver::new(line_format(&config()), 3);
        driver.idle_bits(12.0);
        driver.frame(0x41);
        driver.frame_bad_stop(0x42);
        driver.line_break(15.0);
        driver.idle_bits(2.0);
        let options = PeripheralOptions::minimal();
        let mut b = Bench::build(driver, &options);
        // Writes to FRAME and BAUD are ignored: the build's 8N1 at 1 Mbaud stays.
        b.write(&regs::FRAME, 7);
        b.write(&BAUD, 1 << 18);
        assert_eq!(b.read(&regs::FRAME), 8);
        assert_eq!(b.read(&BAUD), 1 << 19);
        b.idle(16 * FRAME_T);
        // Without break detect the break is a byte 0 with a framing error.
        let v = RXDATA_VALID.mask();
        let fe = RXDATA_FRAMING_ERROR.mask();
        assert_eq!(b.drain(), vec![v | 0x41, v | fe | 0x42, v | fe]);
        // Sending still works at the build's format.
        b.write(&TXDATA, 0x3C);
        b.idle(2 * FRAME_T);
        assert_eq!(b.monitor.events().len(), 1);
        // Lost bytes: the sticky flag stays, the counter is absent (reads 0).
        assert_eq!(OVERFLOW_RX_LOST.get(b.read(&OVERFLOW)), 0);
    }

    /// A build without run-time format and baud runs its cores on its configuration's own
    /// constants (`periph::core_settings`), not on `FRAME`/`BAUD`: with 7 data bits, even
    /// parity and two stop bits it receives such frames with their parity checked and
    /// sends such frames, every bit on time, with no register written.
    #[test]
    fn fixed_settings_build_runs_its_configuration() {
        let mut cfg = config();
        cfg.data_bits = 7;
        cfg.parity = rust_hdl_uart::Parity::Even;
        cfg.stop_bits = 2;
        let mut driver = SerialDriver::new(line_format(&cfg), 3);
        driver.idle_bits(14.0);
        driver.frame(0x55);
        driver.frame_bad_parity(0x2A);
        driver.frame(0x7F);
        let mut b = Bench::build_for(driver, &PeripheralOptions::minimal(), &cfg);
        assert_eq!(
            b.read(&regs::FRAME),
            FRAME_DATA_BITS.put(7) | FRAME_PARITY.put(1) | FRAME_TWO_STOP.put(1)
        );
        b.run_until(40 * FRAME_T, |b| b.driver.is_done()).unwrap();
        b.idle(2 * FRAME_T);
        let v = RXDATA_VALID.mask();
        assert_eq!(
            b.drain(),
            vec![v | 0x55, v | RXDATA_PARITY_ERROR.mask() | 0x2A, v | 0x7F]
        );
        b.write(&TXDATA, 0x33);
        b.write(&TXDATA, 0x4C);
        b.idle(3 * FRAME_T);
        let sent: Vec<(u16, bool, bool)> = b
            .monitor
            .events()
            .iter()
            .map(|e| match e {
                MonitorEvent::Frame {
                    data,
                    parity_ok,
                    stop_ok,
                    ..
                } => (*data, *parity_ok, *stop_ok),
                other => panic!("not a frame: {other:?}"),
            })
            .collect();
        assert_eq!(sent, vec![(0x33, true, true), (0x4C, true, true)]);
        assert_eq!(
            b.monitor.timing_error_count(),
            0,
            "{:?}",
            b.monitor.timing_errors()
        );
    }

    #[test]
    fn lost_counter_absent_keeps_the_sticky_flag() {
        let mut driver = SerialDriver::new(line_format(&config()), 5);
        driver.idle_bits(12.0);
        for i in 0..(DEPTH as u16 + 3) {
            driver.frame(i);
        }
        let mut options = PeripheralOptions::full();
        options.lost_counter = false;
        let mut b = Bench::build(driver, &options);
        b.idle(12 * BIT + (DEPTH as u64 + 4) * FRAME_T);
        assert_eq!(b.read(&OVERFLOW), OVERFLOW_RX_OVERFLOW.mask());
    }
}
