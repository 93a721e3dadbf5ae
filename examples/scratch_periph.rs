use rust_hdl::prelude::*;
use rust_hdl_uart::export::block_verilog;
use rust_hdl_uart::periph::uart_periph::UartPeriph;
use rust_hdl_uart::UartConfig;
fn main() -> anyhow::Result<()> {
    let mut p = UartPeriph::<4>::new(&UartConfig::default())?;
    p.connect_all();
    let v = block_verilog(&mut p, "uart_periph")?;
    std::fs::write("/tmp/periph/uart_periph.v", v)?;
    Ok(())
}
