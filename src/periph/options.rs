//! What a peripheral build contains: [`PeripheralOptions`], the generator switches of
//! `uart_wb` / `uart_axil`.
//!
//! Every switch leaves the register map's offsets alone: a feature that is left out keeps
//! its addresses, its fields read 0 and ignore writes, so one driver serves every build.
//! The `FEATURES` register ([`PeripheralOptions::features_word`]) tells software which
//! features and FIFO depths the build has.
//!
//! Two presets: [`PeripheralOptions::full`] (every feature, the default) and
//! [`PeripheralOptions::minimal`]. Single switches override a preset (CLI flags on
//! `verilog`, the `[peripheral]` TOML table). [`PeripheralOptions::validate`] refuses
//! combinations that make no sense, naming the switch and the fix, before anything is
//! built or written.

use crate::periph::regs;
use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The bus in front of the peripheral.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Bus {
    /// Wishbone B4 pipelined, 32-bit (`uart_wb`).
    Wishbone,
    /// AXI4-Lite, 32-bit (`uart_axil`).
    Axil,
}

/// The interrupt sources, in the order of their `IRQ_ENABLE` bits.
pub const IRQ_NAMES: [&str; 7] = [
    "rx_watermark",
    "tx_watermark",
    "rx_timeout",
    "line_error",
    "overflow",
    "cts_changed",
    "tx_done",
];

/// The generator switches of the peripheral. Field names are the `[peripheral]` TOML keys
/// and (with `-` for `_`) the `verilog` command's flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PeripheralOptions {
    /// Log2 of the RX FIFO depth, 0 (1 entry) to 9 (512 entries).
    pub rx_depth_log2: u32,
    /// Log2 of the TX FIFO depth, 0 (1 entry) to 9 (512 entries).
    pub tx_depth_log2: u32,
    /// `FRAME` is writable; off, it reads the build's format and ignores writes.
    pub runtime_format: bool,
    /// `BAUD` is writable; off, it reads the build's increment and ignores writes.
    pub runtime_baud: bool,
    /// The RX timeout (register `RX_TIMEOUT` and its event).
    pub rx_timeout: bool,
    /// RTS/CTS flow control (`CTRL.RTS_FLOW`, `CTRL.CTS_FLOW`, `RTS_THRESHOLD`, the pins).
    pub rts_cts: bool,
    /// RS-485 direction control (`CTRL.RS485`, `CTRL.RS485_NO_ECHO`, register `RS485`).
    pub rs485: bool,
    /// Internal loopback (`CTRL.LOOPBACK`).
    pub loopback: bool,
    /// Break send (`CTRL.BREAK`) and detect (`RXDATA.BREAK`).
    pub break_: bool,
    /// The lost-byte counter `OVERFLOW.RX_LOST` (the sticky flags stay in every build).
    pub lost_counter: bool,
    /// Interrupt sources present, bit i = `IRQ_ENABLE` bit i (see [`IRQ_NAMES`]).
    pub irqs: u8,
    /// The bus.
    pub bus: Bus,
}

impl Default for PeripheralOptions {
    fn default() -> Self {
        Self::full()
    }
}

/// Every interrupt source.
pub const IRQS_ALL: u8 = 0x7F;

impl PeripheralOptions {
    /// Today's feature set, Wishbone, 16-entry FIFOs: the default.
    pub const fn full() -> Self {
        Self {
            rx_depth_log2: 4,
            tx_depth_log2: 4,
            runtime_format: true,
            runtime_baud: true,
            rx_timeout: true,
            rts_cts: true,
            rs485: true,
            loopback: true,
            break_: true,
            lost_counter: true,
            irqs: IRQS_ALL,
            bus: Bus::Wishbone,
        }
    }

    /// 16-entry FIFOs, the build's fixed format and baud, per-byte error flags and the
    /// overflow flags kept, the RX-data-available (RX watermark) and TX-space (TX
    /// watermark) interrupts; Wishbone.
    pub const fn minimal() -> Self {
        Self {
            rx_depth_log2: 4,
            tx_depth_log2: 4,
            runtime_format: false,
            runtime_baud: false,
            rx_timeout: false,
            rts_cts: false,
            rs485: false,
            loopback: false,
            break_: false,
            lost_counter: false,
            irqs: 0b11,
            bus: Bus::Wishbone,
        }
    }

    /// A preset by name: `full` or `minimal`.
    pub fn preset(name: &str) -> Result<Self> {
        match name {
            "full" => Ok(Self::full()),
            "minimal" => Ok(Self::minimal()),
            other => bail!(
                "unknown peripheral preset \"{other}\": use `full` (every feature) or `minimal`"
            ),
        }
    }

    /// This build with the bus set.
    pub const fn with_bus(mut self, bus: Bus) -> Self {
        self.bus = bus;
        self
    }

    /// This build with the FIFO depths set (log2).
    pub const fn with_depths(mut self, rx_depth_log2: u32, tx_depth_log2: u32) -> Self {
        self.rx_depth_log2 = rx_depth_log2;
        self.tx_depth_log2 = tx_depth_log2;
        self
    }

    /// Whether the interrupt source `IRQ_ENABLE` bit `index` exists.
    pub const fn has_irq(&self, index: u32) -> bool {
        (self.irqs >> index) & 1 == 1
    }

    /// Refuses combinations that make no sense; the error names the switch and the fix.
    pub fn validate(&self) -> Result<()> {
        for (name, value) in [
            ("rx_depth_log2", self.rx_depth_log2),
            ("tx_depth_log2", self.tx_depth_log2),
        ] {
            if value > 9 {
                bail!(
                    "peripheral option {name} = {value}: the FIFO depth is 2^{name}, \
                     1 to 512 entries; use 0 to 9"
                );
            }
        }
        if self.irqs & !IRQS_ALL != 0 {
            bail!(
                "peripheral option irqs = {:#x}: there are 7 interrupt sources (bits 0 to 6)",
                self.irqs
            );
        }
        if self.rts_cts && self.rx_depth_log2 == 0 {
            bail!(
                "peripheral option rts_cts with a 1-entry RX FIFO (rx_depth_log2 = 0): RTS \
                 cannot be deasserted before the only entry is taken; use rx_depth_log2 >= 1 \
                 or turn rts_cts off"
            );
        }
        let needs = [
            (2, self.rx_timeout, "rx_timeout"),
            (5, self.rts_cts, "rts_cts"),
        ];
        for (bit, present, feature) in needs {
            if self.has_irq(bit) && !present {
                bail!(
                    "peripheral option irq_{} needs {feature}: turn {feature} on or \
                     the interrupt off",
                    IRQ_NAMES[bit as usize]
                );
            }
        }
        Ok(())
    }

    /// The `FEATURES` register's value for this build.
    pub fn features_word(&self) -> u32 {
        let flag = |on: bool, f: regs::Field| if on { f.put(1) } else { 0 };
        flag(self.runtime_format, regs::FEATURES_RUNTIME_FORMAT)
            | flag(self.runtime_baud, regs::FEATURES_RUNTIME_BAUD)
            | flag(self.rx_timeout, regs::FEATURES_RX_TIMEOUT)
            | flag(self.rts_cts, regs::FEATURES_RTS_CTS)
            | flag(self.rs485, regs::FEATURES_RS485)
            | flag(self.loopback, regs::FEATURES_LOOPBACK)
            | flag(self.break_, regs::FEATURES_BREAK)
            | flag(self.lost_counter, regs::FEATURES_LOST_COUNTER)
            | regs::FEATURES_IRQS.put(self.irqs as u32)
            | flag(self.bus == Bus::Axil, regs::FEATURES_AXIL)
            | regs::FEATURES_RX_DEPTH_LOG2.put(self.rx_depth_log2)
            | regs::FEATURES_TX_DEPTH_LOG2.put(self.tx_depth_log2)
    }
}

impl fmt::Display for PeripheralOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} RX {} / TX {} entries",
            match self.bus {
                Bus::Wishbone => "Wishbone",
                Bus::Axil => "AXI4-Lite",
            },
            1u32 << self.rx_depth_log2,
            1u32 << self.tx_depth_log2
        )
    }
}
