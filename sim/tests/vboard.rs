//! The virtual board (src/host) driven by real serial clients through its PTY.

use rust_hdl_uart::config::UartConfig;
use rust_hdl_uart::firmware::Firmware;
use rust_hdl_uart::host::{BoardOptions, VirtualBoard};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn debug_echo() {
    let options = BoardOptions::new(Firmware::Echo, UartConfig::default(), &root());
    let board = VirtualBoard::start(&options).unwrap();
    let mut port = serialport::new(board.path().to_string_lossy(), 115200)
        .timeout(Duration::from_secs(10))
        .open_native()
        .unwrap();
    let data = [0x11u8, 0x64, 0x22, 0x33, 0x44];
    port.write_all(&data).unwrap();
    let mut got = [0u8; 5];
    port.read_exact(&mut got).unwrap();
    let stats = board.stop().unwrap();
    eprintln!("{got:02x?} {stats:#?}");
    assert_eq!(got, data);
}
