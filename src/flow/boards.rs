//! The board table: every board the firmware builds for, with its FPGA, oscillator,
//! USB-UART, pins' roles, constraint file, toolchain and flash tool.
//!
//! Guarantees, and why:
//! - One table ([`BoardSpec`](crate::boards::BoardSpec) per board, [`spec`](crate::boards::spec)) is the only place that knows a board: the
//!   build flow, the `boards` listing, the flash command and the virtual board all read it,
//!   so adding a board is one entry, one constraint file and one test row.
//! - Pin *numbers* live only in the constraint files under `constraints/`; the table gives
//!   each of the board's port names its role (clock, UART in/out, reset button, LED), so
//!   a pin is written down once and checked by a test against two published sources.
//! - The firmware's ports are the Cu's (`clk`, `rst_n`, `usb_rx`, `usb_tx`, `led[7:0]`).
//!   Boards with other names, fewer LEDs, active-low LEDs or no reset button get a small
//!   generated Verilog wrapper ([`wrapper_verilog`](crate::boards::wrapper_verilog)) whose ports are the board maker's own
//!   names, so the constraint file reads like the maker's and a user can compare the two.
//! - UART directions are from the FPGA's side in the role ([`PinRole::UartRx`](crate::boards::PinRole::UartRx) is an FPGA
//!   input); the maker's names are kept even where they are from the USB chip's side
//!   (ULX3S `ftdi_txd` is the FPGA's *input*), and the wrapper declares the direction from
//!   the role, never from the name.
//!
//! This module needs no external tool and is built without the `flow` feature (the
//! firmware's board names use it).

use std::fmt;

/// The FPGA family and part a board carries, as the place-and-route tools name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    /// Lattice iCE40: nextpnr-ice40 `--<size> --package <package>`.
    Ice40 {
        /// `hx8k`, `up5k`, `lp384`, ... (nextpnr-ice40's device flag without `--`).
        size: &'static str,
        /// `cb132`, `sg48`, ...
        package: &'static str,
    },
    /// Lattice ECP5 (LFE5U): nextpnr-ecp5 `--<size> --package <package>`; the size is a
    /// build option ([`Ecp5Part`]) because the ULX3S ships with several.
    Ecp5 {
        /// `CABGA381` on the ULX3S.
        package: &'static str,
    },
    /// Gowin: nextpnr-himbaechel `--device <device> --vopt family=<family>`, gowin_pack
    /// `-d <family>`.
    Gowin {
        /// The part number, e.g. `GW1NR-LV9QN88PC6/I5`.
        device: &'static str,
        /// The chip family of the database, e.g. `GW1N-9C`.
        family: &'static str,
    },
}

impl Arch {
    /// The family's name for messages.
    pub fn family_name(&self) -> &'static str {
        match self {
            Arch::Ice40 { .. } => "iCE40",
            Arch::Ecp5 { .. } => "ECP5",
            Arch::Gowin { .. } => "Gowin",
        }
    }

    /// The bitstream's file name in a build folder.
    pub fn bitstream_file_name(&self) -> &'static str {
        match self {
            Arch::Ice40 { .. } => "top.bin",
            Arch::Ecp5 { .. } => "top.bit",
            Arch::Gowin { .. } => "top.fs",
        }
    }

    /// Format of the pin file this family's place-and-route reads.
    pub fn constraint_format(&self) -> ConstraintFormat {
        match self {
            Arch::Ice40 { .. } => ConstraintFormat::Pcf,
            Arch::Ecp5 { .. } => ConstraintFormat::Lpf,
            Arch::Gowin { .. } => ConstraintFormat::Cst,
        }
    }
}

/// ECP5 parts of the ULX3S (`--part`): the bitstream carries the part's ID code, so it must
/// match the chip on the board (openFPGALoader refuses a mismatch).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Ecp5Part {
    /// LFE5U-12F.
    F12,
    /// LFE5U-25F.
    F25,
    /// LFE5U-45F.
    F45,
    /// LFE5U-85F, the most common ULX3S.
    #[default]
    F85,
}

impl Ecp5Part {
    /// Every part, smallest first.
    pub const ALL: [Ecp5Part; 4] = [Ecp5Part::F12, Ecp5Part::F25, Ecp5Part::F45, Ecp5Part::F85];

    /// The name on the command line and the chip: `12F`, ...
    pub fn name(self) -> &'static str {
        match self {
            Ecp5Part::F12 => "12F",
            Ecp5Part::F25 => "25F",
            Ecp5Part::F45 => "45F",
            Ecp5Part::F85 => "85F",
        }
    }

    /// nextpnr-ecp5's device flag.
    pub fn nextpnr_flag(self) -> &'static str {
        match self {
            Ecp5Part::F12 => "--12k",
            Ecp5Part::F25 => "--25k",
            Ecp5Part::F45 => "--45k",
            Ecp5Part::F85 => "--85k",
        }
    }
}

impl fmt::Display for Ecp5Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Ecp5Part {
    type Err = anyhow::Error;
    fn from_str(word: &str) -> anyhow::Result<Self> {
        let wanted = word.trim().to_ascii_uppercase();
        let wanted = wanted.trim_start_matches("LFE5U-");
        Ecp5Part::ALL
            .into_iter()
            .find(|p| p.name() == wanted)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "ECP5 part '{word}' is not one the ULX3S carries; use one of {} (printed on \
                     the FPGA: LFE5U-85F means 85F)",
                    Ecp5Part::ALL.map(|p| p.name()).join(", ")
                )
            })
    }
}

/// Pin file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstraintFormat {
    /// nextpnr-ice40 `.pcf` (`set_io port pin`).
    Pcf,
    /// Lattice `.lpf` (`LOCATE COMP "port" SITE "pin";`).
    Lpf,
    /// Gowin `.cst` (`IO_LOC "port" pin;`).
    Cst,
}

impl ConstraintFormat {
    /// File extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ConstraintFormat::Pcf => "pcf",
            ConstraintFormat::Lpf => "lpf",
            ConstraintFormat::Cst => "cst",
        }
    }
}

/// How a bitstream gets onto the board.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlashTool {
    /// `iceprog top.bin` (FTDI channel A to the SPI flash).
    Iceprog,
    /// `openFPGALoader -b <board> [-f] <bitstream>`.
    OpenFpgaLoader {
        /// openFPGALoader's board name.
        board: &'static str,
    },
}

impl fmt::Display for FlashTool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlashTool::Iceprog => f.write_str("iceprog"),
            FlashTool::OpenFpgaLoader { board } => write!(f, "openFPGALoader -b {board}"),
        }
    }
}

/// What a board port does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinRole {
    /// The oscillator (FPGA input).
    Clock,
    /// Data from the PC (FPGA input).
    UartRx,
    /// Data to the PC (FPGA output).
    UartTx,
    /// A push button that pulls the line low while pressed (FPGA input).
    ResetN,
    /// An LED showing the firmware's `led[bit]`.
    Led {
        /// Which firmware LED bit drives it.
        bit: u8,
        /// Lit by a low level (the LED's cathode is on the pin).
        active_low: bool,
    },
}

/// One board port bit: the maker's name, optionally a bit of a vector port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BoardPin {
    /// Port name, e.g. `LEDR_N` or `led`.
    pub port: &'static str,
    /// Bit index for a vector port (`led[3]`), `None` for a 1-bit port.
    pub index: Option<u8>,
    /// What it does.
    pub role: PinRole,
}

impl BoardPin {
    /// The name the constraint file uses: `port` or `port[index]`.
    pub fn bit_name(&self) -> String {
        match self.index {
            Some(i) => format!("{}[{i}]", self.port),
            None => self.port.to_string(),
        }
    }
}

/// Everything the flow needs to know about one board.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BoardSpec {
    /// The word on the command line.
    pub name: &'static str,
    /// Maker and board, with the FPGA and package.
    pub description: &'static str,
    /// FPGA family and part.
    pub arch: Arch,
    /// The oscillator: the only clock the firmware has (no PLL).
    pub clock_hz: u64,
    /// The USB-UART chip and which of its ports the UART is.
    pub usb_uart: &'static str,
    /// File name in `constraints/`.
    pub constraints: &'static str,
    /// How the bitstream is written.
    pub flash: FlashTool,
    /// Whether the firmware is wrapped in a generated top with the board's port names
    /// ([`wrapper_verilog`]); the Cu's pin files use the firmware's own names.
    pub wrapped: bool,
    /// Every board port the build uses, with its role.
    pub pins: &'static [BoardPin],
    /// What a user must know (jumpers, missing button, shared pins).
    pub notes: &'static str,
}

const fn pin(port: &'static str, role: PinRole) -> BoardPin {
    BoardPin {
        port,
        index: None,
        role,
    }
}

const fn led_bit(port: &'static str, index: u8, bit: u8, active_low: bool) -> BoardPin {
    BoardPin {
        port,
        index: Some(index),
        role: PinRole::Led { bit, active_low },
    }
}

const fn led(port: &'static str, bit: u8, active_low: bool) -> BoardPin {
    BoardPin {
        port,
        index: None,
        role: PinRole::Led { bit, active_low },
    }
}

/// The firmware's own ports, which the Cu's pin files name directly.
const CU_PINS: &[BoardPin] = &[
    pin("clk", PinRole::Clock),
    pin("rst_n", PinRole::ResetN),
    pin("usb_rx", PinRole::UartRx),
    pin("usb_tx", PinRole::UartTx),
    led_bit("led", 0, 0, false),
    led_bit("led", 1, 1, false),
    led_bit("led", 2, 2, false),
    led_bit("led", 3, 3, false),
    led_bit("led", 4, 4, false),
    led_bit("led", 5, 5, false),
    led_bit("led", 6, 6, false),
    led_bit("led", 7, 7, false),
];

/// Names from the maker's `icebreaker.pcf`. The on-board red and green LEDs show the two
/// error flags; the five LEDs of the snap-off PMOD (active high) the byte's low bits.
const ICEBREAKER_PINS: &[BoardPin] = &[
    pin("CLK", PinRole::Clock),
    pin("BTN_N", PinRole::ResetN),
    pin("RX", PinRole::UartRx),
    pin("TX", PinRole::UartTx),
    led("LED1", 0, false),
    led("LED2", 1, false),
    led("LED3", 2, false),
    led("LED4", 3, false),
    led("LED5", 4, false),
    led("LEDR_N", 6, true),
    led("LEDG_N", 7, true),
];

/// Names from the maker's `upduino.pdc`; the 12 MHz clock is its `gpio_20`, named `clk`
/// here because it is the clock only with the OSC jumper closed. No reset button.
const UPDUINO_PINS: &[BoardPin] = &[
    pin("clk", PinRole::Clock),
    pin("serial_rxd", PinRole::UartRx),
    pin("serial_txd", PinRole::UartTx),
    led("led_green", 0, true),
    led("led_red", 6, true),
    led("led_blue", 7, true),
];

/// Names from the maker's `ulx3s_v20.lpf` (`ftdi_txd` is the FT231X's TXD: the FPGA's
/// input). The power button `btn[0]` (BTN_PWRn) is the only active-low one.
const ULX3S_PINS: &[BoardPin] = &[
    pin("clk_25mhz", PinRole::Clock),
    pin("btn_pwr_n", PinRole::ResetN),
    pin("ftdi_txd", PinRole::UartRx),
    pin("ftdi_rxd", PinRole::UartTx),
    led_bit("led", 0, 0, false),
    led_bit("led", 1, 1, false),
    led_bit("led", 2, 2, false),
    led_bit("led", 3, 3, false),
    led_bit("led", 4, 4, false),
    led_bit("led", 5, 5, false),
    led_bit("led", 6, 6, false),
    led_bit("led", 7, 7, false),
];

/// Names from the vendor's UART example `top.cst`. Six active-low LEDs: four show the
/// byte's low bits, two the error flags.
const TANGNANO9K_PINS: &[BoardPin] = &[
    pin("clk", PinRole::Clock),
    pin("rst_n", PinRole::ResetN),
    pin("uart_rx", PinRole::UartRx),
    pin("uart_tx", PinRole::UartTx),
    led_bit("led", 0, 0, true),
    led_bit("led", 1, 1, true),
    led_bit("led", 2, 2, true),
    led_bit("led", 3, 3, true),
    led_bit("led", 4, 6, true),
    led_bit("led", 5, 7, true),
];

/// Every board, in the order `boards` lists them.
pub const BOARDS: [BoardSpec; 6] = [
    BoardSpec {
        name: "cu",
        description: "Alchitry Cu (iCE40-HX8K cb132)",
        arch: Arch::Ice40 {
            size: "hx8k",
            package: "cb132",
        },
        clock_hz: 100_000_000,
        usb_uart: "FT2232H channel B",
        constraints: "alchitry_cu.pcf",
        flash: FlashTool::Iceprog,
        wrapped: false,
        pins: CU_PINS,
        notes: "",
    },
    BoardSpec {
        name: "cu-v2",
        description: "Alchitry Cu V2 (iCE40-HX8K cb132)",
        arch: Arch::Ice40 {
            size: "hx8k",
            package: "cb132",
        },
        clock_hz: 100_000_000,
        usb_uart: "FT2232H channel B",
        constraints: "alchitry_cu_v2.pcf",
        flash: FlashTool::Iceprog,
        wrapped: false,
        pins: CU_PINS,
        notes: "",
    },
    BoardSpec {
        name: "icebreaker",
        description: "1BitSquared iCEBreaker (iCE40-UP5K sg48)",
        arch: Arch::Ice40 {
            size: "up5k",
            package: "sg48",
        },
        clock_hz: 12_000_000,
        usb_uart: "FT2232H channel B",
        constraints: "icebreaker.pcf",
        flash: FlashTool::Iceprog,
        wrapped: true,
        pins: ICEBREAKER_PINS,
        notes: "LED1-LED5 are on the snap-off PMOD (plug it into PMOD2)",
    },
    BoardSpec {
        name: "upduino-v3",
        description: "tinyVision.ai UPduino v3 (iCE40-UP5K sg48)",
        arch: Arch::Ice40 {
            size: "up5k",
            package: "sg48",
        },
        clock_hz: 12_000_000,
        usb_uart: "FT232H (shares the SPI flash lines)",
        constraints: "upduino_v3.pcf",
        flash: FlashTool::Iceprog,
        wrapped: true,
        pins: UPDUINO_PINS,
        notes: "the 12 MHz oscillator reaches pin 20 only with the OSC jumper (R16) closed; no \
                reset button; the UART shares pins 14/15 with the SPI flash",
    },
    BoardSpec {
        name: "ulx3s",
        description: "Radiona ULX3S (ECP5 LFE5U, CABGA381; --part 12F/25F/45F/85F)",
        arch: Arch::Ecp5 {
            package: "CABGA381",
        },
        clock_hz: 25_000_000,
        usb_uart: "FT231X",
        constraints: "ulx3s.lpf",
        flash: FlashTool::OpenFpgaLoader { board: "ulx3s" },
        wrapped: true,
        pins: ULX3S_PINS,
        notes: "the reset is the PWR button (BTN_PWRn)",
    },
    BoardSpec {
        name: "tangnano9k",
        description: "Sipeed Tang Nano 9K (Gowin GW1NR-9 QN88)",
        arch: Arch::Gowin {
            device: "GW1NR-LV9QN88PC6/I5",
            family: "GW1N-9C",
        },
        clock_hz: 27_000_000,
        usb_uart: "BL702 (USB-JTAG and UART)",
        constraints: "tangnano9k.cst",
        flash: FlashTool::OpenFpgaLoader {
            board: "tangnano9k",
        },
        wrapped: true,
        pins: TANGNANO9K_PINS,
        notes: "the reset is the user button on pin 3",
    },
];

/// The table entry of a board name (the command-line word).
pub fn spec(name: &str) -> Option<&'static BoardSpec> {
    BOARDS.iter().find(|b| b.name == name)
}

impl BoardSpec {
    /// The board's port names with their widths, in table order (each name once).
    pub fn ports(&self) -> Vec<(&'static str, usize, PinRole)> {
        let mut ports: Vec<(&'static str, usize, PinRole)> = Vec::new();
        for p in self.pins {
            let width = p.index.map(|i| i as usize + 1).unwrap_or(1);
            match ports.iter_mut().find(|(name, _, _)| *name == p.port) {
                Some(entry) => entry.1 = entry.1.max(width),
                None => ports.push((p.port, width, p.role)),
            }
        }
        ports
    }

    /// The port bit with `role`, if the board has one.
    pub fn pin_with_role(&self, role: PinRole) -> Option<&'static BoardPin> {
        self.pins.iter().find(|p| p.role == role)
    }

    /// Top module of a build for this board: the wrapper, or the firmware itself.
    pub fn top_module(&self, firmware_top: &str) -> String {
        if self.wrapped {
            format!("{}_board", firmware_top)
        } else {
            firmware_top.to_string()
        }
    }
}

/// A Verilog top whose ports are the board's own names, instantiating the firmware's
/// top `firmware_top` (ports `clk`, `rst_n`, `usb_rx`, `usb_tx`, `led[7:0]`). LEDs are
/// inverted where active low; a board without a reset button holds `rst_n` high; firmware
/// LED bits the board has no LED for stay unconnected. Module name:
/// [`BoardSpec::top_module`].
pub fn wrapper_verilog(spec: &BoardSpec, firmware_top: &str) -> String {
    let top = spec.top_module(firmware_top);
    let ports = spec.ports();
    let mut v = format!(
        "// {top}: the {firmware_top} firmware on the {} with the board maker's port names \
         (generated by rust-hdl-uart's board table).\n",
        spec.description
    );
    let names: Vec<&str> = ports.iter().map(|(n, _, _)| *n).collect();
    v.push_str(&format!("module {top}({});\n", names.join(", ")));
    for (name, width, role) in &ports {
        let dir = match role {
            PinRole::Clock | PinRole::UartRx | PinRole::ResetN => "input",
            PinRole::UartTx | PinRole::Led { .. } => "output",
        };
        let range = if *width > 1 {
            format!("[{}:0] ", width - 1)
        } else {
            String::new()
        };
        v.push_str(&format!("    {dir} wire {range}{name};\n"));
    }
    v.push_str("    wire firmware_tx;\n    wire [7:0] firmware_led;\n");
    let find = |role: PinRole| spec.pin_with_role(role).map(|p| p.bit_name());
    let clk = find(PinRole::Clock).unwrap_or_else(|| "1'b0".into());
    // No button: the firmware's reset input is held inactive; power-up values still reset.
    let rst = find(PinRole::ResetN).unwrap_or_else(|| "1'b1".into());
    let rx = find(PinRole::UartRx).unwrap_or_else(|| "1'b1".into());
    v.push_str(&format!(
        "    {firmware_top} firmware(.clk({clk}), .rst_n({rst}), .usb_rx({rx}), .usb_tx(firmware_tx), .led(firmware_led));\n"
    ));
    if let Some(tx) = find(PinRole::UartTx) {
        v.push_str(&format!("    assign {tx} = firmware_tx;\n"));
    }
    for p in spec.pins {
        if let PinRole::Led { bit, active_low } = p.role {
            let not = if active_low { "~" } else { "" };
            v.push_str(&format!(
                "    assign {} = {not}firmware_led[{bit}];\n",
                p.bit_name()
            ));
        }
    }
    v.push_str("endmodule\n");
    v
}

/// A Verilog top with the Alchitry Cu's ports (`clk`, `rst_n`, `usb_rx`, `usb_tx`,
/// `led[7:0]`, what the virtual board drives) around the board's own top `board_top` (the
/// one [`wrapper_verilog`] makes, with the board's port names): the virtual board then runs
/// exactly the Verilog that is flashed, its LED inversions and tied-off reset included.
/// `led[bit]` shows the firmware's LED bit where the board has that LED (lit = 1), else 0.
/// Module name: `<board_top>_vboard`.
pub fn vboard_adapter_verilog(spec: &BoardSpec, board_top: &str) -> (String, String) {
    let top = format!("{board_top}_vboard");
    let mut v = format!(
        "// {top}: the {} build of `{board_top}` with the ports the virtual board drives \
         (generated by rust-hdl-uart's board table).\n\
         module {top}(clk, rst_n, usb_rx, usb_tx, led);\n    input wire clk;\n    \
         input wire rst_n;\n    input wire usb_rx;\n    output wire usb_tx;\n    \
         output wire [7:0] led;\n",
        spec.description
    );
    let ports = spec.ports();
    for (name, width, _) in &ports {
        let range = if *width > 1 {
            format!("[{}:0] ", width - 1)
        } else {
            String::new()
        };
        v.push_str(&format!("    wire {range}b_{name};\n"));
    }
    let connections: Vec<String> = ports
        .iter()
        .map(|(name, _, _)| format!(".{name}(b_{name})"))
        .collect();
    v.push_str(&format!(
        "    {board_top} board({});\n",
        connections.join(", ")
    ));
    let mut lit: [Option<String>; 8] = Default::default();
    for p in spec.pins {
        let wire = format!("b_{}", p.bit_name());
        match p.role {
            PinRole::Clock => v.push_str(&format!("    assign {wire} = clk;\n")),
            PinRole::ResetN => v.push_str(&format!("    assign {wire} = rst_n;\n")),
            PinRole::UartRx => v.push_str(&format!("    assign {wire} = usb_rx;\n")),
            PinRole::UartTx => v.push_str(&format!("    assign usb_tx = {wire};\n")),
            PinRole::Led { bit, active_low } => {
                let not = if active_low { "~" } else { "" };
                lit[bit as usize & 7] = Some(format!("{not}{wire}"));
            }
        }
    }
    for (bit, source) in lit.iter().enumerate() {
        let source = source.clone().unwrap_or_else(|| "1'b0".into());
        v.push_str(&format!("    assign led[{bit}] = {source};\n"));
    }
    v.push_str("endmodule\n");
    (v, top)
}

/// The standard bauds of the `boards` listing.
pub const STANDARD_BAUDS: [u64; 14] = [
    9_600, 19_200, 38_400, 57_600, 115_200, 230_400, 460_800, 921_600, 1_000_000, 2_000_000,
    3_000_000, 4_000_000, 6_000_000, 12_000_000,
];

/// The standard bauds the firmware can run at from `clock_hz` with `oversample`: exactly
/// those the configuration's own validation accepts (8N1), so the list cannot disagree
/// with what `build` does.
pub fn bauds_allowed(clock_hz: u64, oversample: u32) -> Vec<u64> {
    STANDARD_BAUDS
        .into_iter()
        .filter(|&baud| {
            crate::config::UartConfig {
                clock_hz,
                baud,
                oversample,
                ..crate::config::UartConfig::default()
            }
            .validate()
            .is_ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        for b in &BOARDS {
            assert_eq!(spec(b.name).map(|s| s.name), Some(b.name));
            assert_eq!(BOARDS.iter().filter(|o| o.name == b.name).count(), 1);
            assert!(b
                .constraints
                .ends_with(b.arch.constraint_format().extension()));
        }
        assert!(spec("nope").is_none());
    }

    #[test]
    fn every_board_has_clock_and_uart_both_ways() {
        for b in &BOARDS {
            for role in [PinRole::Clock, PinRole::UartRx, PinRole::UartTx] {
                assert!(b.pin_with_role(role).is_some(), "{} {role:?}", b.name);
            }
        }
    }

    #[test]
    fn wrapper_inverts_active_low_leds_and_ties_a_missing_reset() {
        let up = spec("upduino-v3").unwrap();
        let v = wrapper_verilog(up, "echo_top");
        assert!(
            v.contains(
                "module echo_top_board(clk, serial_rxd, serial_txd, led_green, led_red, led_blue);"
            ),
            "{v}"
        );
        assert!(v.contains("input wire serial_rxd;"), "{v}");
        assert!(v.contains("output wire serial_txd;"), "{v}");
        assert!(v.contains(".rst_n(1'b1)"), "{v}");
        assert!(v.contains("assign led_red = ~firmware_led[6];"), "{v}");
        let ulx = wrapper_verilog(spec("ulx3s").unwrap(), "bridge_top");
        // The FT231X's TXD is the FPGA's input.
        assert!(ulx.contains("input wire ftdi_txd;"), "{ulx}");
        assert!(ulx.contains("output wire [7:0] led;"), "{ulx}");
        assert!(ulx.contains("assign led[3] = firmware_led[3];"), "{ulx}");
        assert!(ulx.contains(".usb_rx(ftdi_txd)"), "{ulx}");
    }

    #[test]
    fn vboard_adapter_undoes_the_board_names_and_inversions() {
        let (v, top) = vboard_adapter_verilog(spec("icebreaker").unwrap(), "echo_top_board");
        assert_eq!(top, "echo_top_board_vboard");
        assert!(v.contains("module echo_top_board_vboard(clk, rst_n, usb_rx, usb_tx, led);"));
        assert!(v.contains("assign b_CLK = clk;"), "{v}");
        assert!(v.contains("assign b_RX = usb_rx;"), "{v}");
        assert!(v.contains("assign usb_tx = b_TX;"), "{v}");
        assert!(v.contains("assign led[6] = ~b_LEDR_N;"), "{v}");
        assert!(v.contains("assign led[5] = 1'b0;"), "{v}");
        let (t, _) = vboard_adapter_verilog(spec("tangnano9k").unwrap(), "x");
        assert!(t.contains("wire [5:0] b_led;"), "{t}");
        assert!(t.contains("assign led[7] = ~b_led[5];"), "{t}");
    }

    #[test]
    fn bauds_follow_the_clock() {
        let at12 = bauds_allowed(12_000_000, 16);
        assert!(at12.contains(&115_200) && at12.contains(&460_800));
        assert!(!at12.contains(&12_000_000));
        // 12 Mbaud needs 4x from 48 MHz at least; 8x from 100 MHz works.
        assert!(bauds_allowed(100_000_000, 8).contains(&12_000_000));
        assert!(!bauds_allowed(27_000_000, 4).contains(&12_000_000));
    }
}
