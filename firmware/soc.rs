//! The SoC firmware: a PicoRV32 RISC-V CPU runs the C monitor (`sw/`) against the UART
//! peripheral (`uart_wb`), from block RAM preloaded with the program.
//!
//! Guarantees
//! - Ports are exactly `clk`, `rst_n`, `usb_rx`, `usb_tx`, `led[7:0]` (the Cu's pin files
//!   and the virtual board), for both tops: [`SocCore`] runs from `clk` directly (the virtual
//!   board clocks it at [`SOC_CLOCK_HZ`]); [`SocBoard`] is the Cu's top, the same core behind
//!   the iCE40 PLL that turns the board's 100 MHz into [`SOC_CLOCK_HZ`] ([`pll_settings`]).
//! - PicoRV32 is a dependency: its Verilog is read from the `pythondata-cpu-picorv32` package
//!   in the project's `.venv` ([`picorv32_source`]) when the design is made, and never copied
//!   into the repository; a missing package is an error naming the installer.
//! - Address map (byte addresses, `sw/soc.h`): block RAM at `0x0000_0000` ([`RAM_BYTES`],
//!   reset at 0, interrupt entry at `0x10`), the UART's registers at `0x1000_0000`
//!   (`include/uart_regs.h`), system registers at `0x2000_0000` (LED, the clock in Hz, a
//!   cycle counter, the interrupt-latency probe's two stamps). Any other address reads 0 and ignores writes, so a `peek` of a hole
//!   never hangs the CPU. The UART's `irq` is PicoRV32 IRQ 3.
//! - `rst_n` (the active-low button) passes a 2-flip-flop synchroniser and resets the CPU,
//!   the UART and the LED register for as long as it is held (and the first two clocks after
//!   power-up). The RAM keeps its contents: the program restarts from 0 (`sw/start.S` zeroes
//!   `.bss`; the linker script refuses initialised writable data).
//! - On the Cu the core is held in reset until the PLL reports lock.
//!
//! Bus: PicoRV32's Wishbone master (`picorv32_wb`) holds `stb` until `ack`. RAM and system
//! registers answer one clock after the request (the RAM's read is registered: a block RAM);
//! the UART's adapter answers a write in 2 clocks, a read in 3.

use crate::config::UartConfig;
use anyhow::{bail, Context, Result};
use rust_hdl::prelude::*;
use std::path::{Path, PathBuf};

pub mod fabric;
#[cfg(feature = "host")]
pub mod latency;
pub mod pll;
pub mod program;
pub mod ram_swap;

pub use fabric::SocFabric;
pub use pll::{pll_settings, PllSettings};
pub use program::{build_program, Program};

/// The SoC's clock: the PLL's output on the Cu, the virtual board's clock. Chosen from the
/// place-and-route figures (README "SoC"): the SoC's slowest path must meet it with margin
/// on every seed tried.
pub const SOC_CLOCK_HZ: u64 = 50_000_000;
/// log2 of the RAM's 32-bit words.
pub const RAM_ADDRESS_BITS: usize = 11;
/// 32-bit words of block RAM (16 of the HX8K's 32 SB_RAM40_4K).
pub const RAM_WORDS: usize = 1 << RAM_ADDRESS_BITS;
/// Bytes of block RAM: code, data and stack (the size in `sw/soc.ld`).
pub const RAM_BYTES: usize = RAM_WORDS * 4;
/// log2 of the UART's FIFO depth (16 bytes each way, the peripheral's default).
pub const UART_FIFO_LOG2: usize = 4;
/// Base addresses (top nibble of the address selects the region).
pub const UART_BASE: u32 = 0x1000_0000;
/// System registers: LED at +0, CLOCK_HZ at +4, CYCLES at +8, IRQ_STAMP at +12, RX_STAMP at
/// +16 (the interrupt-latency probe: [`SocFabric`]).
pub const SYS_BASE: u32 = 0x2000_0000;

/// Where `picorv32.v` is: `$RUST_HDL_UART_PICORV32` if set, else the
/// `pythondata-cpu-picorv32` package in `.venv` next to the crate's sources or under the
/// current folder.
pub fn picorv32_path() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("RUST_HDL_UART_PICORV32") {
        let path = PathBuf::from(path);
        if path.is_file() {
            return Ok(path);
        }
        bail!(
            "RUST_HDL_UART_PICORV32={} is not a file; point it at picorv32.v or unset it",
            path.display()
        );
    }
    let mut roots = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR"))];
    if let Ok(cwd) = std::env::current_dir() {
        roots.push(cwd);
    }
    let mut looked = Vec::new();
    for root in roots {
        let lib = root.join(".venv").join("lib");
        looked.push(lib.display().to_string());
        let Ok(entries) = std::fs::read_dir(&lib) else {
            continue;
        };
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .map(|e| {
                e.path()
                    .join("site-packages/pythondata_cpu_picorv32/verilog/picorv32.v")
            })
            .filter(|p| p.is_file())
            .collect();
        found.sort();
        if let Some(path) = found.pop() {
            return Ok(path);
        }
    }
    bail!(
        "PicoRV32 not found: the SoC takes picorv32.v from the Python package \
         pythondata-cpu-picorv32 in .venv (looked in {}). Install it with `make tools` \
         (scripts/install-tools.sh), or set RUST_HDL_UART_PICORV32 to a picorv32.v",
        looked.join(", ")
    )
}

/// The text of `picorv32.v` (see [`picorv32_path`]).
pub fn picorv32_source() -> Result<String> {
    let path = picorv32_path()?;
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if !text.contains("module picorv32_wb") {
        bail!(
            "{} has no module picorv32_wb: not PicoRV32's Verilog; reinstall the package \
             with `make tools`",
            path.display()
        );
    }
    Ok(text)
}

/// PicoRV32 (`picorv32_wb`) as an external Verilog block. Parameters: RV32I (no MUL/DIV,
/// no compressed instructions, no counters: the program needs none, and each costs cells
/// and clock speed), interrupts on without q registers (the return address and IRQ mask
/// land in x3/x4, `sw/start.S`), reset at 0, interrupt entry at 0x10.
#[derive(LogicBlock)]
pub struct PicoRv32 {
    /// CPU clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset, active high.
    pub reset: Signal<In, Bit>,
    /// Wishbone byte address.
    pub adr: Signal<Out, Bits<32>>,
    /// Wishbone write data.
    pub dat_w: Signal<Out, Bits<32>>,
    /// Wishbone read data, taken with `ack`.
    pub dat_r: Signal<In, Bits<32>>,
    /// Write request.
    pub we: Signal<Out, Bit>,
    /// Byte selects.
    pub sel: Signal<Out, Bits<4>>,
    /// Request strobe (held until `ack`).
    pub stb: Signal<Out, Bit>,
    /// Bus cycle.
    pub cyc: Signal<Out, Bit>,
    /// Acknowledge.
    pub ack: Signal<In, Bit>,
    /// The UART's interrupt (PicoRV32 IRQ 3).
    pub irq_uart: Signal<In, Bit>,
    /// The CPU halted on a trap.
    pub trap: Signal<Out, Bit>,
    // Not a signal (the leading `_` keeps rust-hdl's derive away from it): the core's text.
    _source: String,
}

impl PicoRv32 {
    /// The CPU block; `Err` when PicoRV32's Verilog cannot be found ([`picorv32_source`]).
    pub fn new() -> Result<Self> {
        Ok(Self {
            clock: Default::default(),
            reset: Default::default(),
            adr: Default::default(),
            dat_w: Default::default(),
            dat_r: Default::default(),
            we: Default::default(),
            sel: Default::default(),
            stb: Default::default(),
            cyc: Default::default(),
            ack: Default::default(),
            irq_uart: Default::default(),
            trap: Default::default(),
            _source: picorv32_source()?,
        })
    }
}

impl Logic for PicoRv32 {
    // An external core: rust-hdl cannot simulate it (the virtual board runs it in Verilator).
    fn update(&mut self) {}

    fn connect(&mut self) {
        self.adr.connect();
        self.dat_w.connect();
        self.we.connect();
        self.sel.connect();
        self.stb.connect();
        self.cyc.connect();
        self.trap.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Wrapper(Wrapper {
            code: r#"
picorv32_wb #(
    .ENABLE_COUNTERS(0),
    .ENABLE_COUNTERS64(0),
    .CATCH_MISALIGN(1),
    .CATCH_ILLINSN(1),
    .ENABLE_IRQ(1),
    .ENABLE_IRQ_QREGS(0),
    .ENABLE_IRQ_TIMER(0),
    .PROGADDR_RESET(32'h0000_0000),
    .PROGADDR_IRQ(32'h0000_0010)
) cpu (
    .trap(trap),
    .wb_rst_i(reset),
    .wb_clk_i(clock),
    .wbm_adr_o(adr),
    .wbm_dat_o(dat_w),
    .wbm_dat_i(dat_r),
    .wbm_we_o(we),
    .wbm_sel_o(sel),
    .wbm_stb_o(stb),
    .wbm_ack_i(ack),
    .wbm_cyc_o(cyc),
    .pcpi_wr(1'b0),
    .pcpi_rd(32'h0),
    .pcpi_wait(1'b0),
    .pcpi_ready(1'b0),
    .irq({28'h0, irq_uart, 3'b000}),
    .eoi(),
    .trace_valid(),
    .trace_data(),
    .mem_instr(),
    .pcpi_valid(),
    .pcpi_insn(),
    .pcpi_rs1(),
    .pcpi_rs2()
);
"#
            .to_string(),
            // PicoRV32 itself, from the installed package (not a black box: yosys and
            // Verilator compile it with the rest).
            cores: self._source.clone(),
        })
    }
}

/// The program's block RAM: [`RAM_WORDS`] 32-bit words with byte writes and a registered
/// read (so yosys maps it to SB_RAM40_4K), preloaded with the program through Verilog
/// `initial` values (words not listed are 0: the tools' default for block RAM).
#[derive(LogicBlock)]
pub struct SocRam {
    /// RAM clock.
    pub clock: Signal<In, Clock>,
    /// Word address.
    pub addr: Signal<In, Bits<RAM_ADDRESS_BITS>>,
    /// Write data.
    pub wdata: Signal<In, Bits<32>>,
    /// Byte write enables (bit i writes bits 8i+7..8i).
    pub we: Signal<In, Bits<4>>,
    /// The word at the address of the previous clock.
    pub rdata: Signal<Out, Bits<32>>,
    // The preloaded words (not a signal).
    _init: Vec<u32>,
}

impl SocRam {
    /// A RAM preloaded with `words` (the rest 0); `Err` when they do not fit.
    pub fn new(words: &[u32]) -> Result<Self> {
        if words.len() > RAM_WORDS {
            bail!(
                "the program is {} bytes; the SoC's RAM holds {RAM_BYTES} (code, data and \
                 stack): make the program smaller",
                words.len() * 4
            );
        }
        Ok(Self {
            clock: Default::default(),
            addr: Default::default(),
            wdata: Default::default(),
            we: Default::default(),
            rdata: Default::default(),
            _init: words.to_vec(),
        })
    }
}

impl Logic for SocRam {
    // Simulated only in Verilator, with the CPU.
    fn update(&mut self) {}

    fn connect(&mut self) {
        self.rdata.connect();
    }

    fn hdl(&self) -> Verilog {
        let mut init = String::new();
        for (i, w) in self._init.iter().enumerate() {
            if *w != 0 {
                init.push_str(&format!("    mem[{i}] = 32'h{w:08x};\n"));
            }
        }
        Verilog::Wrapper(Wrapper {
            code: format!(
                r#"
reg [31:0] mem [0:{last}];
reg [31:0] read_q;
assign rdata = read_q;
always @(posedge clock) begin
    if (we[0]) mem[addr][7:0] <= wdata[7:0];
    if (we[1]) mem[addr][15:8] <= wdata[15:8];
    if (we[2]) mem[addr][23:16] <= wdata[23:16];
    if (we[3]) mem[addr][31:24] <= wdata[31:24];
    read_q <= mem[addr];
end
initial begin
    read_q = 32'h0;
{init}end
"#,
                last = RAM_WORDS - 1
            ),
            cores: String::new(),
        })
    }
}

/// The SoC with its clock on `clk`: CPU, RAM and the fabric (UART, LED and system
/// registers, decode, reset: [`SocFabric`]), wired.
#[derive(LogicBlock)]
pub struct SocCore {
    /// The SoC's clock ([`SOC_CLOCK_HZ`]).
    pub clk: Signal<In, Clock>,
    /// Reset button, active low, asynchronous.
    pub rst_n: Signal<In, Bit>,
    /// Data from the PC (FPGA input).
    pub usb_rx: Signal<In, Bit>,
    /// Data to the PC (FPGA output).
    pub usb_tx: Signal<Out, Bit>,
    /// The LED register.
    pub led: Signal<Out, Bits<8>>,
    cpu: PicoRv32,
    ram: SocRam,
    fabric: SocFabric,
}

impl SocCore {
    /// The SoC running `program` (words from address 0), its UART built for `config` (whose
    /// `clock_hz` must be [`SOC_CLOCK_HZ`]: the baud timing is computed for it).
    pub fn new(config: &UartConfig, program: &[u32]) -> Result<Self> {
        check_soc_clock(config)?;
        Ok(Self {
            clk: Default::default(),
            rst_n: Default::default(),
            usb_rx: Default::default(),
            usb_tx: Default::default(),
            led: Default::default(),
            cpu: PicoRv32::new()?,
            ram: SocRam::new(program)?,
            fabric: SocFabric::new(config)?,
        })
    }
}

/// `Err` unless `config` is for the SoC's clock (the UART's baud timing is computed for it).
pub fn check_soc_clock(config: &UartConfig) -> Result<()> {
    if config.clock_hz != SOC_CLOCK_HZ {
        bail!(
            "the SoC runs at {SOC_CLOCK_HZ} Hz, so its UART must be configured for that \
             clock, not clock_hz = {} (use soc::soc_config)",
            config.clock_hz
        );
    }
    Ok(())
}

impl Logic for SocCore {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clk, cpu, ram, fabric);

        self.fabric.rst_n.next = self.rst_n.val();
        self.fabric.usb_rx.next = self.usb_rx.val();
        self.usb_tx.next = self.fabric.usb_tx.val();
        self.led.next = self.fabric.led.val();

        self.cpu.reset.next = self.fabric.cpu_reset.val();
        self.fabric.cpu_adr.next = self.cpu.adr.val();
        self.fabric.cpu_dat_w.next = self.cpu.dat_w.val();
        self.fabric.cpu_we.next = self.cpu.we.val();
        self.fabric.cpu_sel.next = self.cpu.sel.val();
        self.fabric.cpu_stb.next = self.cpu.stb.val();
        self.fabric.cpu_cyc.next = self.cpu.cyc.val();
        self.cpu.dat_r.next = self.fabric.cpu_dat_r.val();
        self.cpu.ack.next = self.fabric.cpu_ack.val();
        self.cpu.irq_uart.next = self.fabric.cpu_irq_uart.val();

        self.ram.addr.next = self.fabric.ram_addr.val();
        self.ram.wdata.next = self.fabric.ram_wdata.val();
        self.ram.we.next = self.fabric.ram_we.val();
        self.fabric.ram_rdata.next = self.ram.rdata.val();
    }
}

/// The iCE40 PLL (`SB_PLL40_CORE`, fed from the clock net) as an external block.
#[derive(LogicBlock)]
pub struct Ice40Pll {
    /// The board's clock.
    pub clock_in: Signal<In, Clock>,
    /// The PLL's output.
    pub clock_out: Signal<Out, Clock>,
    /// High once the output is stable.
    pub locked: Signal<Out, Bit>,
    _settings: PllSettings,
}

impl Ice40Pll {
    /// A PLL with these settings.
    pub fn new(settings: PllSettings) -> Self {
        Self {
            clock_in: Default::default(),
            clock_out: Default::default(),
            locked: Default::default(),
            _settings: settings,
        }
    }
}

impl Logic for Ice40Pll {
    // Not simulated: the virtual board replaces the PLL by a direct clock.
    fn update(&mut self) {}

    fn connect(&mut self) {
        self.clock_out.connect();
        self.locked.connect();
    }

    fn hdl(&self) -> Verilog {
        let s = &self._settings;
        Verilog::Wrapper(Wrapper {
            code: format!(
                r#"
SB_PLL40_CORE #(
    .FEEDBACK_PATH("SIMPLE"),
    .DIVR(4'd{divr}),
    .DIVF(7'd{divf}),
    .DIVQ(3'd{divq}),
    .FILTER_RANGE(3'd{filter})
) pll (
    .REFERENCECLK(clock_in),
    .PLLOUTGLOBAL(clock_out),
    .LOCK(locked),
    .RESETB(1'b1),
    .BYPASS(1'b0)
);
"#,
                divr = s.divr,
                divf = s.divf,
                divq = s.divq,
                filter = s.filter_range
            ),
            cores: r#"
(* blackbox *)
module SB_PLL40_CORE(REFERENCECLK, PLLOUTCORE, PLLOUTGLOBAL, EXTFEEDBACK, DYNAMICDELAY,
    LOCK, BYPASS, RESETB, LATCHINPUTVALUE, SDI, SDO, SCLK);
    parameter FEEDBACK_PATH = "SIMPLE";
    parameter DELAY_ADJUSTMENT_MODE_FEEDBACK = "FIXED";
    parameter DELAY_ADJUSTMENT_MODE_RELATIVE = "FIXED";
    parameter SHIFTREG_DIV_MODE = 1'b0;
    parameter FDA_FEEDBACK = 4'b0000;
    parameter FDA_RELATIVE = 4'b0000;
    parameter PLLOUT_SELECT = "GENCLK";
    parameter DIVR = 4'b0000;
    parameter DIVF = 7'b0000000;
    parameter DIVQ = 3'b000;
    parameter FILTER_RANGE = 3'b000;
    parameter ENABLE_ICEGATE = 1'b0;
    parameter TEST_MODE = 1'b0;
    parameter EXTERNAL_DIVIDE_FACTOR = 1;
    input REFERENCECLK;
    output PLLOUTCORE;
    output PLLOUTGLOBAL;
    input EXTFEEDBACK;
    input [7:0] DYNAMICDELAY;
    output LOCK;
    input BYPASS;
    input RESETB;
    input LATCHINPUTVALUE;
    output SDO;
    input SDI;
    input SCLK;
endmodule
"#
            .to_string(),
        })
    }
}

/// The Cu's top: [`SocCore`] behind the PLL, held in reset until the PLL locks.
#[derive(LogicBlock)]
pub struct SocBoard {
    /// The board's 100 MHz.
    pub clk: Signal<In, Clock>,
    /// Reset button, active low.
    pub rst_n: Signal<In, Bit>,
    /// Data from the PC.
    pub usb_rx: Signal<In, Bit>,
    /// Data to the PC.
    pub usb_tx: Signal<Out, Bit>,
    /// The LED register.
    pub led: Signal<Out, Bits<8>>,
    pll: Ice40Pll,
    core: SocCore,
}

impl SocBoard {
    /// The SoC for a board clocked at `board_hz` (see [`SocCore::new`] for the rest).
    pub fn new(board_hz: u64, config: &UartConfig, program: &[u32]) -> Result<Self> {
        let settings = pll_settings(board_hz, SOC_CLOCK_HZ)?;
        if settings.output_hz() != SOC_CLOCK_HZ as f64 {
            bail!(
                "the PLL makes {:.3} MHz from {board_hz} Hz, not the SoC's {SOC_CLOCK_HZ} Hz \
                 exactly; the UART's baud would be off",
                settings.output_hz() / 1e6
            );
        }
        Ok(Self {
            clk: Default::default(),
            rst_n: Default::default(),
            usb_rx: Default::default(),
            usb_tx: Default::default(),
            led: Default::default(),
            pll: Ice40Pll::new(settings),
            core: SocCore::new(config, program)?,
        })
    }
}

impl Logic for SocBoard {
    #[hdl_gen]
    fn update(&mut self) {
        self.pll.clock_in.next = self.clk.val();
        self.core.clk.next = self.pll.clock_out.val();
        self.core.rst_n.next = self.rst_n.val() & self.pll.locked.val();
        self.core.usb_rx.next = self.usb_rx.val();
        self.usb_tx.next = self.core.usb_tx.val();
        self.led.next = self.core.led.val();
    }
}

/// The UART configuration inside the SoC for a board-level `config`: the same line settings,
/// with the SoC's clock. (The CLI's configuration names the board's oscillator; the UART
/// runs from the PLL.)
pub fn soc_config(config: &UartConfig) -> UartConfig {
    UartConfig {
        clock_hz: SOC_CLOCK_HZ,
        ..*config
    }
}

/// The folder the program is built in: `firmware/build/soc-program` next to the crate's
/// sources (where `sw/` is).
pub fn program_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("firmware")
        .join("build")
        .join("soc-program")
}

/// PicoRV32's ports as a bodiless module, for linting the SoC's own Verilog without
/// PicoRV32's (someone else's code, linted by its authors): `sim/tests/soc.rs` puts it in
/// place of the core's text.
pub const PICORV32_LINT_STUB: &str = r#"
// A declaration only: its ports are neither driven nor read, its parameters unused.
/* verilator lint_off UNUSEDPARAM */
/* verilator lint_off UNUSEDSIGNAL */
/* verilator lint_off UNDRIVEN */
module picorv32_wb #(
    parameter [0:0] ENABLE_COUNTERS = 1,
    parameter [0:0] ENABLE_COUNTERS64 = 1,
    parameter [0:0] CATCH_MISALIGN = 1,
    parameter [0:0] CATCH_ILLINSN = 1,
    parameter [0:0] ENABLE_IRQ = 0,
    parameter [0:0] ENABLE_IRQ_QREGS = 1,
    parameter [0:0] ENABLE_IRQ_TIMER = 1,
    parameter [31:0] PROGADDR_RESET = 32'h0,
    parameter [31:0] PROGADDR_IRQ = 32'h10
) (
    output trap,
    input wb_rst_i,
    input wb_clk_i,
    output [31:0] wbm_adr_o,
    output [31:0] wbm_dat_o,
    input [31:0] wbm_dat_i,
    output wbm_we_o,
    output [3:0] wbm_sel_o,
    output wbm_stb_o,
    input wbm_ack_i,
    output wbm_cyc_o,
    output pcpi_valid,
    output [31:0] pcpi_insn,
    output [31:0] pcpi_rs1,
    output [31:0] pcpi_rs2,
    input pcpi_wr,
    input [31:0] pcpi_rd,
    input pcpi_wait,
    input pcpi_ready,
    input [31:0] irq,
    output [31:0] eoi,
    output trace_valid,
    output [35:0] trace_data,
    output mem_instr
);
endmodule
/* verilator lint_on UNDRIVEN */
/* verilator lint_on UNUSEDSIGNAL */
/* verilator lint_on UNUSEDPARAM */
"#;

/// Verilator lint waivers for the SoC's own Verilog, beyond rust-hdl's
/// (`sim::lint::RUST_HDL_WAIVERS`), each with its reason.
pub const LINT_WAIVERS: &[crate::sim::lint::Waiver] = &[
    crate::sim::lint::Waiver {
        code: "PINCONNECTEMPTY",
        pattern: "",
        why: "PicoRV32's outputs the SoC does not use (co-processor interface, trace, \
              end-of-interrupt, instruction flag) are left open on purpose",
    },
    crate::sim::lint::Waiver {
        code: "UNUSEDSIGNAL",
        pattern: "'cpu_adr'[27:13]",
        why: "the decoder reads the region nibble (31:28) and the RAM's and registers' \
              offsets; the bits between select nothing, so holes repeat as documented",
    },
    crate::sim::lint::Waiver {
        code: "UNUSEDSIGNAL",
        pattern: "'fabric$rxdata_read'",
        why: "the latency probe's strobe is a port of the fabric for the virtual board's \
              bus probe (firmware/soc/latency.rs), which reads it through Verilator; no logic \
              of the SoC's top needs it",
    },
    crate::sim::lint::Waiver {
        code: "UNUSEDSIGNAL",
        pattern: "'wb_adr'[1:0]",
        why: "the peripheral's registers are 32-bit words: the byte bits of the address \
              select nothing (a port of uart_wb, connected here to the CPU's address)",
    },
];
