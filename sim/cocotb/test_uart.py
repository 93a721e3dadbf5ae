"""cocotb test of the exported `uart` (the shipped Verilog) under Icarus.

Run by `run.py` (and so by `cargo test --features external-tools`, test
`fastv::cocotb_uart`). The receiver gets bytes bit-banged on `rx` by Python; the
transmitter's `tx` is decoded by Python; every byte is checked. The clock ratio comes from
the environment (`UART_CLOCKS_PER_BIT`), set by the runner from the exported configuration.
"""

import os

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge

CLOCKS_PER_BIT = int(os.environ["UART_CLOCKS_PER_BIT"])
COUNT = 12


def byte_at(i):
    """The i-th test byte: every bit value at every position within a few bytes."""
    return ((i * 73 + 41) ^ (i >> 2)) & 0xFF


async def start(dut):
    """Clock, reset, then a whole idle frame so the receiver arms."""
    cocotb.start_soon(Clock(dut.clock, 20, unit="ns").start())
    dut.reset.value = 1
    dut.rx.value = 1
    dut.rx_ready.value = 1
    dut.tx_valid.value = 0
    dut.tx_data.value = 0
    dut.tx_break_line.value = 0
    await ClockCycles(dut.clock, 4)
    dut.reset.value = 0
    await ClockCycles(dut.clock, 12 * CLOCKS_PER_BIT)


@cocotb.test()
async def receives_bytes_bit_banged_on_rx(dut):
    """8N1 frames driven on rx arrive on rx_data, in order, without error flags."""
    await start(dut)
    received = []

    async def collect():
        while True:
            await RisingEdge(dut.clock)
            await ReadOnly()
            # rx_ready is held high: a cycle with rx_valid high hands over one byte.
            if dut.rx_valid.value == 1:
                flags = (
                    int(dut.rx_framing_error.value),
                    int(dut.rx_parity_error.value),
                    int(dut.rx_break.value),
                    int(dut.rx_overrun.value),
                )
                received.append((int(dut.rx_data.value), flags))

    cocotb.start_soon(collect())
    sent = [byte_at(i) for i in range(COUNT)]
    for value in sent:
        bits = [0] + [(value >> k) & 1 for k in range(8)] + [1]
        for bit in bits:
            dut.rx.value = bit
            await ClockCycles(dut.clock, CLOCKS_PER_BIT)
    await ClockCycles(dut.clock, 3 * CLOCKS_PER_BIT)
    assert [v for v, _ in received] == sent, f"received {received}, sent {sent}"
    assert all(f == (0, 0, 0, 0) for _, f in received), f"error flags: {received}"


@cocotb.test()
async def transmits_bytes_decoded_from_tx(dut):
    """Bytes handed to tx_data/tx_valid leave on tx as 8N1 frames, decoded mid-bit."""
    await start(dut)
    sent = [byte_at(i) for i in range(COUNT)]
    decoded = []

    async def decode():
        while True:
            await RisingEdge(dut.clock)
            if dut.tx.value == 0:
                # Start bit: sample it and every later bit in its middle.
                await ClockCycles(dut.clock, CLOCKS_PER_BIT // 2)
                assert dut.tx.value == 0, "start bit did not last half a bit"
                value = 0
                for k in range(8):
                    await ClockCycles(dut.clock, CLOCKS_PER_BIT)
                    value |= int(dut.tx.value) << k
                await ClockCycles(dut.clock, CLOCKS_PER_BIT)
                assert dut.tx.value == 1, f"stop bit low after {value:#04x}"
                decoded.append(value)

    cocotb.start_soon(decode())
    for value in sent:
        dut.tx_data.value = value
        dut.tx_valid.value = 1
        while True:
            await ReadOnly()
            ready = int(dut.tx_ready.value)
            await RisingEdge(dut.clock)
            if ready:
                break
        dut.tx_valid.value = 0
    await ClockCycles(dut.clock, 12 * CLOCKS_PER_BIT)
    assert decoded == sent, f"decoded {decoded}, sent {sent}"
