//! Shared test helpers: configurations, the bridge from `UartConfig` to the line model's own
//! format type (the model does not know the RTL's types), and a seeded generator.

pub use rust_hdl_uart::sim::harness::line_format;
use rust_hdl_uart::sim::harness::{run_receiver, ReadyPolicy, RxBench};
use rust_hdl_uart::sim::line::{compare_events, SerialDriver};
use rust_hdl_uart::{with_data_bits, UartConfig};

/// Bulk cases run at a low clock ratio (3.125 clocks per sample at 16x) to keep the suite
/// fast; `UartConfig::default()` (868 clocks per bit) is used where the ratio matters.
pub fn fast_config() -> UartConfig {
    UartConfig {
        clock_hz: 50_000_000,
        baud: 1_000_000,
        ..UartConfig::default()
    }
}

/// Clocks to keep simulating after the driver is done: two frames.
pub fn tail(config: &UartConfig) -> u64 {
    2 * config.frame_bits() as u64 * (config.clock_hz / config.baud + 1)
}

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// `count` random bytes back to back from a sender `ppm` off; every one must arrive right.
pub fn receive_random_stream(config: UartConfig, count: usize, ppm: f64, seed: u64) {
    let timing = config.validate().unwrap();
    with_data_bits!(expect config.data_bits, D => {
        let name = trace_name(&format!("receive_stream_{ppm}ppm"), &config);
        let mut bench = RxBench::<D>::new(&timing).unwrap().traced(&name).unwrap();
        let mut driver = SerialDriver::new(line_format(&config), seed).baud_error_ppm(ppm);
        let mut rng = Rng::new(seed);
        let mask = (1u16 << config.data_bits) - 1;
        driver.idle_bits(config.frame_bits() as f64 + 1.0);
        for _ in 0..count {
            driver.frame(rng.next() as u16 & mask);
        }
        let run = run_receiver(&mut bench, &mut driver, ReadyPolicy::Always, tail(&config)).unwrap();
        if let Err(diff) = compare_events(driver.expected(), &run.events) {
            panic!("{} sender {ppm:+} ppm: {diff}", config.short_name());
        }
        assert!(!run.overrun_seen);
    })
}

/// A VCD file name for a test run (used when `UART_VCD` is set).
pub fn trace_name(what: &str, config: &UartConfig) -> String {
    format!(
        "{what}_{}_{}{}{}_{}x",
        config.baud,
        config.data_bits,
        config.parity.letter(),
        config.stop_bits,
        config.oversample
    )
}

/// The JSON object a client in `sim/clients/` printed (it prints exactly one), and its
/// stderr for messages; panics naming `client` and showing both when it printed no JSON.
pub fn client_json(output: &std::process::Output, client: &str) -> (serde_json::Value, String) {
    let text = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let value = serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("{client} printed {text:?} ({e}); stderr: {stderr}"));
    (value, stderr)
}

/// Bytes a client reported as a hex string.
pub fn hex_bytes(value: &serde_json::Value) -> Vec<u8> {
    let s = value
        .as_str()
        .unwrap_or_else(|| panic!("not a hex string: {value}"));
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}
