#!/usr/bin/env bash
# Installs the Debian packages the flows need, only those whose tools are missing, and
# says what it installs. Used by `make` and `make test`; safe to run again.
set -euo pipefail

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
)
TOOLS=(yosys yosys-smtbmc nextpnr-ice40 icepack iceprog icetime iverilog verilator z3)

missing_packages=()
for tool in "${TOOLS[@]}"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    pkg=${PACKAGE[$tool]}
    echo "install-tools: '$tool' not found; will install Debian package '$pkg'"
    [[ " ${missing_packages[*]:-} " == *" $pkg "* ]] || missing_packages+=("$pkg")
  fi
done

if [ ${#missing_packages[@]} -eq 0 ]; then
  echo "install-tools: yosys, nextpnr-ice40, fpga-icestorm, iverilog, verilator, z3 all present"
  exit 0
fi

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
echo "install-tools: done"
