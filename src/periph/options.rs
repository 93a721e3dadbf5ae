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
    /// `RS485.LEAD`'s reset value, bit times (0 to 15).
    pub rs485_lead: u32,
    /// `RS485.LAG`'s reset value, bit times (0 to 15).
    pub rs485_lag: u32,
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
            rs485_lead: 1,
            rs485_lag: 1,
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
            rs485_lead: 1,
            rs485_lag: 1,
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
                 cannot be deasserted before the only entry is taken; use an RX FIFO of at \
                 least 2 entries (rx_depth >= 2, rx_depth_log2 >= 1) or turn rts_cts off"
            );
        }
        let field_max = (1u32 << regs::RS485_LEAD.width) - 1;
        for (name, value) in [
            ("rs485_lead", self.rs485_lead),
            ("rs485_lag", self.rs485_lag),
        ] {
            if value > field_max {
                bail!(
                    "peripheral option {name} = {value}: the RS485 register's field holds 0 \
                     to {field_max} bit times; use at most {field_max}"
                );
            }
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

/// A short description of the build without its bus (the header and the export
/// comment use it): FIFO depths, the switches that are on, the interrupt sources.
impl fmt::Display for PeripheralOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RX FIFO {} / TX FIFO {} entries",
            1u32 << self.rx_depth_log2,
            1u32 << self.tx_depth_log2
        )?;
        let switches = [
            (self.runtime_format, "runtime_format"),
            (self.runtime_baud, "runtime_baud"),
            (self.rx_timeout, "rx_timeout"),
            (self.rts_cts, "rts_cts"),
            (self.rs485, "rs485"),
            (self.loopback, "loopback"),
            (self.break_, "break"),
            (self.lost_counter, "lost_counter"),
        ];
        for (on, name) in switches {
            if on {
                write!(f, ", {name}")?;
            }
        }
        write!(f, ", IRQ sources 0x{:02X}", self.irqs)
    }
}

/// Single switches over a preset: what the `[peripheral]` TOML table and the `verilog`
/// command's flags give. Every field left out (`None`) keeps the preset's value.
///
/// ```
/// use rust_hdl_uart::periph::options::{PeripheralOptions, PeripheralSwitches};
/// let s = PeripheralSwitches {
///     preset: Some("minimal".into()),
///     rx_depth: Some(64),
///     irqs: Some(vec!["rx_watermark".into(), "overflow".into()]),
///     ..Default::default()
/// };
/// let o = s.resolve()?;
/// assert_eq!((o.rx_depth_log2, o.irqs), (6, 0b1_0001));
/// assert!(!o.runtime_baud);
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeripheralSwitches {
    /// `full` (the default) or `minimal`.
    pub preset: Option<String>,
    /// RX FIFO entries: a power of two, 1 to 512.
    pub rx_depth: Option<u32>,
    /// TX FIFO entries: a power of two, 1 to 512.
    pub tx_depth: Option<u32>,
    /// See [`PeripheralOptions::runtime_format`].
    pub runtime_format: Option<bool>,
    /// See [`PeripheralOptions::runtime_baud`].
    pub runtime_baud: Option<bool>,
    /// See [`PeripheralOptions::rx_timeout`].
    pub rx_timeout: Option<bool>,
    /// See [`PeripheralOptions::rts_cts`].
    pub rts_cts: Option<bool>,
    /// See [`PeripheralOptions::rs485`].
    pub rs485: Option<bool>,
    /// See [`PeripheralOptions::loopback`].
    pub loopback: Option<bool>,
    /// See [`PeripheralOptions::break_`] (TOML key `break`).
    #[serde(rename = "break")]
    pub break_: Option<bool>,
    /// See [`PeripheralOptions::lost_counter`].
    pub lost_counter: Option<bool>,
    /// The interrupt sources present, by name ([`IRQ_NAMES`]); empty: none.
    pub irqs: Option<Vec<String>>,
    /// Only this bus's export (both when left out).
    pub bus: Option<Bus>,
    /// See [`PeripheralOptions::rs485_lead`].
    pub rs485_lead: Option<u32>,
    /// See [`PeripheralOptions::rs485_lag`].
    pub rs485_lag: Option<u32>,
}

/// Log2 of a FIFO depth given in entries; the error names the switch.
fn depth_log2(name: &str, entries: u32) -> Result<u32> {
    if !(1..=512).contains(&entries) || !entries.is_power_of_two() {
        bail!(
            "peripheral option {name} = {entries}: the depth must be a power of two from 1 to \
             512 entries (1, 2, 4, … 512); use {}",
            entries.clamp(1, 512).next_power_of_two().min(512)
        );
    }
    Ok(entries.trailing_zeros())
}

impl PeripheralSwitches {
    /// These switches with every switch `over` sets replacing this one's (a TOML file's
    /// table under the command line's flags).
    pub fn overridden_by(&self, over: &PeripheralSwitches) -> PeripheralSwitches {
        PeripheralSwitches {
            preset: over.preset.clone().or_else(|| self.preset.clone()),
            rx_depth: over.rx_depth.or(self.rx_depth),
            tx_depth: over.tx_depth.or(self.tx_depth),
            runtime_format: over.runtime_format.or(self.runtime_format),
            runtime_baud: over.runtime_baud.or(self.runtime_baud),
            rx_timeout: over.rx_timeout.or(self.rx_timeout),
            rts_cts: over.rts_cts.or(self.rts_cts),
            rs485: over.rs485.or(self.rs485),
            loopback: over.loopback.or(self.loopback),
            break_: over.break_.or(self.break_),
            lost_counter: over.lost_counter.or(self.lost_counter),
            irqs: over.irqs.clone().or_else(|| self.irqs.clone()),
            bus: over.bus.or(self.bus),
            rs485_lead: over.rs485_lead.or(self.rs485_lead),
            rs485_lag: over.rs485_lag.or(self.rs485_lag),
        }
    }

    /// The build: the preset with the switches applied, checked
    /// ([`PeripheralOptions::validate`]). The bus is the preset's (Wishbone) unless set.
    pub fn resolve(&self) -> Result<PeripheralOptions> {
        let mut o = PeripheralOptions::preset(self.preset.as_deref().unwrap_or("full"))?;
        if let Some(n) = self.rx_depth {
            o.rx_depth_log2 = depth_log2("rx_depth", n)?;
        }
        if let Some(n) = self.tx_depth {
            o.tx_depth_log2 = depth_log2("tx_depth", n)?;
        }
        let flags = [
            (self.runtime_format, &mut o.runtime_format),
            (self.runtime_baud, &mut o.runtime_baud),
            (self.rx_timeout, &mut o.rx_timeout),
            (self.rts_cts, &mut o.rts_cts),
            (self.rs485, &mut o.rs485),
            (self.loopback, &mut o.loopback),
            (self.break_, &mut o.break_),
            (self.lost_counter, &mut o.lost_counter),
        ];
        for (switch, field) in flags {
            if let Some(v) = switch {
                *field = v;
            }
        }
        if let Some(names) = &self.irqs {
            o.irqs = 0;
            for name in names {
                let name = name.trim().to_ascii_lowercase();
                if name.is_empty() || name == "none" {
                    continue;
                }
                let Some(i) = IRQ_NAMES.iter().position(|n| *n == name) else {
                    bail!(
                        "peripheral option irqs: unknown interrupt source \"{name}\"; use any \
                         of {} (or none)",
                        IRQ_NAMES.join(", ")
                    );
                };
                o.irqs |= 1 << i;
            }
        }
        if let Some(bus) = self.bus {
            o.bus = bus;
        }
        if let Some(v) = self.rs485_lead {
            o.rs485_lead = v;
        }
        if let Some(v) = self.rs485_lag {
            o.rs485_lag = v;
        }
        o.validate()?;
        Ok(o)
    }

    /// The `[peripheral]` table of a TOML configuration (empty switches when it has
    /// none). An unknown key is an error naming it and `origin`.
    #[cfg(feature = "config-file")]
    pub fn from_toml_str(text: &str, origin: &str) -> Result<PeripheralSwitches> {
        #[derive(Deserialize)]
        struct File {
            #[serde(default)]
            peripheral: PeripheralSwitches,
        }
        let table: toml::Table = toml::from_str(text)
            .map_err(|err| anyhow::anyhow!("{origin}: {}", err.to_string().trim_end()))?;
        let only: toml::Table = table
            .into_iter()
            .filter(|(k, _)| k == "peripheral")
            .collect();
        let file: File = only.try_into().map_err(|err: toml::de::Error| {
            anyhow::anyhow!("{origin}: [peripheral]: {}", err.to_string().trim_end())
        })?;
        Ok(file.peripheral)
    }
}
