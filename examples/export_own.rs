//! Exporting Verilog: your own block, and the UART under your own module names.
//!
//! - `LedCommander` (your block, with the crate's receiver and transmitter inside) goes to
//!   `led_commander.v` with [`block_verilog`]: top module `led_commander`, every sub-module
//!   prefixed `led_commander$`, so it cannot clash with anything else in your design.
//! - The UART alone, twice, in two configurations side by side: [`write_verilog_with`]
//!   with the base names `console` (115200 8N1) and `fast` (3 Mbaud, 8x), giving modules
//!   `console_rx`, `console_tx`, `console` and `fast_rx`, `fast_tx`, `fast`. Each export is
//!   all or nothing and, when yosys is installed, elaborated with it.
//!
//! Run it with `cargo run --release --example export_own -- OUT_DIR` (default
//! `build/examples`); `cargo test` runs it too, into a temporary folder.

// `expected_replies` (the behaviour model) is for the simulation example only.
#[allow(dead_code)]
#[path = "shared/led_commander.rs"]
mod led_commander;

use anyhow::{Context, Result};
use led_commander::LedCommander;
use rust_hdl_uart::export::{
    block_verilog, config_comment, write_verilog_with, Design, ExportOptions, YosysCheck,
};
use rust_hdl_uart::UartConfig;
use std::path::{Path, PathBuf};

/// The files written, and whether yosys checked the UART exports.
pub fn export_all(out_dir: &Path, yosys: YosysCheck) -> Result<(Vec<PathBuf>, bool)> {
    let config = UartConfig::default();
    let timing = config.validate()?;

    // Your block: one file, its configuration in a header comment.
    let mut commander = LedCommander::new(&timing)?;
    let text = format!(
        "// led_commander: LEDs over a serial line.\n{}\n{}",
        config_comment(&timing),
        block_verilog(&mut commander, "led_commander")?
    );
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let mine = out_dir.join("led_commander.v");
    // Written aside and renamed, so a reader never sees half a file.
    let partial = out_dir.join(".led_commander.v.partial");
    std::fs::write(&partial, text)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, &mine)
        .with_context(|| format!("cannot move {} into place", mine.display()))?;
    let mut files = vec![mine];

    // The UART, twice, under your own names.
    let mut checked = true;
    let fast = UartConfig {
        baud: 3_000_000,
        oversample: 8,
        ..UartConfig::default()
    };
    for (name, config) in [("console", config), ("fast", fast)] {
        let options = ExportOptions {
            name: name.to_string(),
            // The fixed-configuration blocks: the run-time ones (`Design::ReceiverCfg`, …)
            // do not depend on the configuration, one copy serves both.
            designs: vec![Design::Receiver, Design::Transmitter, Design::Combined],
            yosys,
            ..ExportOptions::default()
        };
        let report = write_verilog_with(&config, out_dir, &options)?;
        checked &= report.checked;
        files.extend(report.files);
    }
    Ok((files, checked))
}

fn main() -> Result<()> {
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("build/examples"));
    let (files, checked) = export_all(&out, YosysCheck::IfInstalled)?;
    for file in &files {
        println!("wrote {}", file.display());
    }
    if !checked {
        println!(
            "yosys not found: the UART files were not checked (sudo apt-get install -y yosys)"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modules(text: &str) -> Vec<String> {
        text.lines()
            .filter_map(|l| l.strip_prefix("module "))
            .map(|l| l.split('(').next().unwrap_or("").to_string())
            .collect()
    }

    #[test]
    fn exports_the_block_and_two_named_uarts() {
        let out = std::env::temp_dir().join(format!("example-export-own-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        // With the external-tools feature yosys must be there and must accept every file.
        let yosys = if cfg!(feature = "external-tools") {
            YosysCheck::Required
        } else {
            YosysCheck::IfInstalled
        };
        let (files, checked) = export_all(&out, yosys).unwrap();
        let names: Vec<String> = files
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "led_commander.v",
                "console_rx.v",
                "console_tx.v",
                "console.v",
                "fast_rx.v",
                "fast_tx.v",
                "fast.v"
            ]
        );
        if cfg!(feature = "external-tools") {
            assert!(checked);
        }
        let mut all = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
            let found = modules(&text);
            assert!(found.contains(&stem), "{stem}: {found:?}");
            for m in &found {
                assert!(
                    m == &stem || m.starts_with(&format!("{stem}$")),
                    "{m} in {stem}.v"
                );
            }
            all.extend(found);
        }
        // No module name twice across the seven files: they can share one design.
        let mut unique = all.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), all.len(), "{all:?}");
        let fast = std::fs::read_to_string(out.join("fast.v")).unwrap();
        assert!(fast.contains("baud = 3000000") && fast.contains("oversample = 8"));
        // Only the seven files: nothing staged is left behind.
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 7);
        std::fs::remove_dir_all(&out).ok();
    }
}
