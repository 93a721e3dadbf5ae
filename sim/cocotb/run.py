"""Builds an exported `uart` with Icarus and runs test_uart.py on it through cocotb's
Python runner (cocotb_tools.runner); exits non-zero unless every test ran and passed.

Usage: python run.py VERILOG_FILE BUILD_DIR CLOCKS_PER_BIT
"""

import sys
from pathlib import Path

from cocotb_tools.runner import get_results, get_runner


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: run.py VERILOG_FILE BUILD_DIR CLOCKS_PER_BIT")
    verilog, build_dir, clocks_per_bit = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    if not verilog.is_file():
        sys.exit(f"run.py: no Verilog file {verilog}: export it first")
    here = Path(__file__).resolve().parent
    runner = get_runner("icarus")
    runner.build(
        sources=[verilog.resolve()],
        hdl_toplevel="uart",
        build_dir=build_dir.resolve(),
        always=True,
        timescale=("1ns", "1ps"),
    )
    results = runner.test(
        test_module="test_uart",
        hdl_toplevel="uart",
        build_dir=build_dir.resolve(),
        test_dir=here,
        extra_env={"UART_CLOCKS_PER_BIT": clocks_per_bit, "PYTHONPATH": str(here)},
        results_xml=str(build_dir.resolve() / "results.xml"),
    )
    tests, failed = get_results(results)
    print(f"cocotb: {tests} tests, {failed} failed")
    if tests != 2 or failed != 0:
        sys.exit(1)


if __name__ == "__main__":
    main()
