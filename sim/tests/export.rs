//! The exported Verilog's contract: file and module names, exact port lists and widths,
//! the configuration header, and (with the external-tools feature) that yosys accepts all
//! three files in one design and several configurations side by side.

use rust_hdl_uart::export::{design_verilog, write_verilog, Design};
use rust_hdl_uart::{Parity, UartConfig};

/// (name, direction, width) of each port of `module`, read from the Verilog text.
fn ports(verilog: &str, module: &str) -> Vec<(String, String, usize)> {
    let header = format!("module {module}(");
    let start = verilog
        .find(&header)
        .unwrap_or_else(|| panic!("no module {module}"));
    let names_end = verilog[start..].find(");").unwrap() + start;
    let names: Vec<&str> = verilog[start + header.len()..names_end]
        .split(',')
        .map(str::trim)
        .collect();
    let body = &verilog[names_end..];
    names
        .iter()
        .map(|name| {
            let decl = body
                .lines()
                .map(str::trim)
                .find(|l| {
                    (l.starts_with("input") || l.starts_with("output"))
                        && l.trim_end_matches(';').ends_with(&format!(" {name}"))
                })
                .unwrap_or_else(|| panic!("{module}: no declaration for {name}"));
            let dir = decl.split_whitespace().next().unwrap().to_string();
            let width = match (decl.find('['), decl.find(':')) {
                (Some(open), Some(colon)) => decl[open + 1..colon].parse::<usize>().unwrap() + 1,
                _ => 1,
            };
            (name.to_string(), dir, width)
        })
        .collect()
}

fn expect(list: &[(&str, &str, usize)]) -> Vec<(String, String, usize)> {
    list.iter()
        .map(|(n, d, w)| (n.to_string(), d.to_string(), *w))
        .collect()
}

#[test]
fn port_lists_are_exactly_the_contract() {
    for data_bits in [5, 8, 9] {
        let config = UartConfig {
            data_bits,
            parity: Parity::Even,
            ..UartConfig::default()
        };
        let d = data_bits as usize;
        let rx = design_verilog(&config, Design::Receiver, "uart_rx").unwrap();
        assert_eq!(
            ports(&rx, "uart_rx"),
            expect(&[
                ("clock", "input", 1),
                ("reset", "input", 1),
                ("rx", "input", 1),
                ("data", "output", d),
                ("valid", "output", 1),
                ("ready", "input", 1),
                ("framing_error", "output", 1),
                ("parity_error", "output", 1),
                ("break_detected", "output", 1),
                ("overrun", "output", 1),
            ])
        );
        let tx = design_verilog(&config, Design::Transmitter, "uart_tx").unwrap();
        assert_eq!(
            ports(&tx, "uart_tx"),
            expect(&[
                ("clock", "input", 1),
                ("reset", "input", 1),
                ("data", "input", d),
                ("valid", "input", 1),
                ("ready", "output", 1),
                ("break_line", "input", 1),
                ("tx", "output", 1),
                ("busy", "output", 1),
            ])
        );
        let both = design_verilog(&config, Design::Combined, "uart").unwrap();
        assert_eq!(
            ports(&both, "uart"),
            expect(&[
                ("clock", "input", 1),
                ("reset", "input", 1),
                ("rx", "input", 1),
                ("tx", "output", 1),
                ("rx_data", "output", d),
                ("rx_valid", "output", 1),
                ("rx_ready", "input", 1),
                ("rx_framing_error", "output", 1),
                ("rx_parity_error", "output", 1),
                ("rx_break", "output", 1),
                ("rx_overrun", "output", 1),
                ("tx_data", "input", d),
                ("tx_valid", "input", 1),
                ("tx_ready", "output", 1),
                ("tx_break_line", "input", 1),
                ("tx_busy", "output", 1),
            ])
        );
    }
}

#[test]
fn every_module_carries_the_file_prefix_and_the_header_names_the_config() {
    let config = UartConfig {
        baud: 921_600,
        parity: Parity::Odd,
        stop_bits: 2,
        ..UartConfig::default()
    };
    for design in Design::ALL {
        let name = design.module_name();
        let text = design_verilog(&config, design, name).unwrap();
        let modules: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("module "))
            .map(|l| l.split('(').next().unwrap())
            .collect();
        assert!(modules.contains(&name));
        for module in &modules {
            assert!(
                *module == name || module.starts_with(&format!("{name}$")),
                "{module} in {name}.v"
            );
            assert_ne!(*module, "top");
        }
        let first = text.lines().next().unwrap();
        assert!(first.starts_with(&format!("// {name}:")), "{first}");
        assert!(
            text.contains("baud = 921600")
                && text.contains("parity = odd")
                && text.contains("stop_bits = 2")
        );
    }
}

#[test]
fn write_verilog_writes_every_export() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("write-every-export");
    let _ = std::fs::remove_dir_all(&dir);
    let (files, _) = write_verilog(&UartConfig::default(), &dir).unwrap();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "uart_rx.v",
            "uart_tx.v",
            "uart.v",
            "uart_rx_cfg.v",
            "uart_tx_cfg.v",
            "uart_cfg.v"
        ]
    );
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(text.contains("endmodule"));
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_config_is_an_error_not_a_panic() {
    let err = design_verilog(
        &UartConfig {
            data_bits: 10,
            ..UartConfig::default()
        },
        Design::Combined,
        "uart",
    )
    .unwrap_err();
    assert!(err.to_string().contains("data_bits = 10"));
}

#[cfg(feature = "external-tools")]
mod with_yosys {
    use super::*;
    use std::process::Command;

    fn yosys(script: &str) -> (bool, String) {
        let out = Command::new("yosys")
            .args(["-q", "-p", script])
            .output()
            .expect(
                "yosys is needed for the external-tools tests: run `make test`, which installs it",
            );
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
    fn all_three_files_elaborate_together_and_alone() {
        let dir = std::env::temp_dir().join(format!("uart-yosys-{}", std::process::id()));
        let (files, checked) = write_verilog(&UartConfig::default(), &dir).unwrap();
        assert!(checked, "yosys was not found on PATH");
        let list: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        // A user's design that instantiates all three.
        let wrapper = dir.join("user_top.v");
        std::fs::write(&wrapper, "module user_top(input clock, input rx, output tx, output t2, output [7:0] d, output v);\n\
            wire unused;\n\
            uart_rx r(.clock(clock), .reset(1'b0), .rx(rx), .data(d), .valid(v), .ready(1'b1), .framing_error(), .parity_error(), .break_detected(), .overrun());\n\
            uart_tx t(.clock(clock), .reset(1'b0), .data(d), .valid(v), .ready(), .break_line(1'b0), .tx(tx), .busy());\n\
            uart u(.clock(clock), .reset(1'b0), .rx(rx), .tx(t2), .rx_data(), .rx_valid(), .rx_ready(1'b1), .rx_framing_error(), .rx_parity_error(), .rx_break(), .rx_overrun(), .tx_data(8'h55), .tx_valid(1'b1), .tx_ready(), .tx_break_line(1'b0), .tx_busy());\n\
            endmodule\n").unwrap();
        let script = format!(
            "read_verilog {} {}; hierarchy -check -top user_top; proc; check -assert",
            list.join(" "),
            wrapper.display()
        );
        let (ok, log) = yosys(&script);
        assert!(ok, "{log}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn two_configurations_side_by_side() {
        let dir = std::env::temp_dir().join(format!("uart-two-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let slow = design_verilog(&UartConfig::default(), Design::Combined, "uart_slow").unwrap();
        let fast = design_verilog(
            &UartConfig {
                baud: 3_000_000,
                oversample: 8,
                ..UartConfig::default()
            },
            Design::Combined,
            "uart_fast",
        )
        .unwrap();
        std::fs::write(dir.join("slow.v"), slow).unwrap();
        std::fs::write(dir.join("fast.v"), fast).unwrap();
        let (ok, log) = yosys(&format!(
            "read_verilog {0}/slow.v {0}/fast.v; hierarchy -check; proc; check -assert",
            dir.display()
        ));
        assert!(ok, "{log}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
