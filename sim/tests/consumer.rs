//! A crate of someone else's that depends on this one with `default-features = false`:
//! it must build with nothing of the CLI (clap, toml, the build flow), and the library
//! must give it the cores, the configuration, the export and the testbench.
//!
//! The consumer is written into a scratch folder with a path dependency on this crate and
//! checked with `cargo check --offline` (every crate it needs is already in the local
//! registry: this crate was built from it). Its own target folder persists under
//! `target/`, so only the first run compiles rust-hdl. With external-tools only (it runs
//! cargo, about a minute the first time).

#![cfg(feature = "external-tools")]

use std::path::{Path, PathBuf};
use std::process::Command;

const CONSUMER_MAIN: &str = r#"
//! Embeds the receiver in a block of its own, simulates it with the line model and
//! exports it, using only the library.
use rust_hdl::prelude::*;
use rust_hdl_uart::export::{block_verilog, design_verilog, Design};
use rust_hdl_uart::rx::UartRx;
use rust_hdl_uart::sim::harness::{line_format, run_receiver, ReadyPolicy, RxBench};
use rust_hdl_uart::sim::line::{compare_events, SerialDriver};
use rust_hdl_uart::UartConfig;

#[derive(LogicBlock)]
pub struct Mine {
    pub clock: Signal<In, Clock>,
    pub rx: Signal<In, Bit>,
    pub byte: Signal<Out, Bits<8>>,
    receiver: UartRx<8>,
}

impl Logic for Mine {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, receiver);
        self.receiver.reset.next = false;
        self.receiver.rx.next = self.rx.val();
        self.receiver.ready.next = true;
        self.byte.next = self.receiver.data.val();
    }
}

fn main() -> anyhow::Result<()> {
    let config = UartConfig { clock_hz: 8_000_000, baud: 500_000, oversample: 4, ..UartConfig::default() };
    let timing = config.validate()?;
    let mut mine = Mine {
        clock: Default::default(),
        rx: Default::default(),
        byte: Default::default(),
        receiver: UartRx::new(&timing)?,
    };
    println!("{} bytes of Verilog", block_verilog(&mut mine, "mine")?.len());
    println!("{} bytes of Verilog", design_verilog(&config, Design::Combined, "theirs")?.len());
    let mut bench = RxBench::<8>::new(&timing)?;
    let mut driver = SerialDriver::new(line_format(&config), 1);
    driver.idle_bits(12.0);
    driver.frame(0x5A);
    let run = run_receiver(&mut bench, &mut driver, ReadyPolicy::Always, 400)?;
    compare_events(driver.expected(), &run.events).map_err(anyhow::Error::msg)?;
    Ok(())
}
"#;

fn write_consumer(dir: &Path) {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"uart-consumer\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\nrust-hdl = \"0.46\"\nanyhow = \"1\"\n\
             rust-hdl-uart = {{ path = {:?}, default-features = false }}\n\n[workspace]\n",
            manifest.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/main.rs"), CONSUMER_MAIN).unwrap();
    // The same versions as this crate's own build, so --offline finds them all.
    std::fs::copy(manifest.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
}

fn cargo(dir: &Path, target: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("cargo runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn consumer_without_default_features_builds_without_the_cli_crates() {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let dir = root.join("consumer");
    let target = root.join("consumer-target");
    write_consumer(&dir);

    let (ok, tree) = cargo(
        &dir,
        &target,
        &["tree", "--offline", "-e", "normal", "--prefix", "none"],
    );
    assert!(ok, "{tree}");
    let crates: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(crates.contains(&"rust-hdl-uart"), "{tree}");
    assert!(crates.contains(&"rust-hdl"), "{tree}");
    for unwanted in [
        "clap",
        "clap_builder",
        "toml",
        "toml_edit",
        "rust-hdl-bsp-alchitry-cu",
    ] {
        assert!(
            !crates.contains(&unwanted),
            "{unwanted} in the consumer's tree:\n{tree}"
        );
    }

    let (ok, log) = cargo(&dir, &target, &["check", "--offline", "--quiet"]);
    assert!(ok, "the consumer does not build:\n{log}");
}
