# The two commands of the README's quick start:
#   make        the main job: the Verilog of the default UART and the echo firmware's
#               bitstream for the Alchitry Cu, with its timing and resource report
#   make test   every test: the Rust simulations and the tests that need yosys,
#               nextpnr, Verilator and the solvers
# Both install the Debian packages they need when they are missing (scripts/install-tools.sh).

CARGO ?= cargo

.PHONY: all test bench verilog firmware flash tools install

all: tools verilog firmware

tools:
	@scripts/install-tools.sh

verilog:
	$(CARGO) run --release -- verilog --out build/verilog

firmware:
	$(CARGO) run --release -- build --firmware echo --board cu

flash:
	$(CARGO) run --release -- flash --firmware echo --board cu

# Puts rust-hdl-uart on the PATH: into $(PREFIX)/bin when PREFIX is given, otherwise cargo's
# install root ($CARGO_INSTALL_ROOT/bin, or ~/.cargo/bin). Same features and profile as the
# targets above, so after `make` it reuses that build instead of compiling again.
PREFIX ?=
install:
	$(CARGO) install --path . --locked --force $(if $(PREFIX),--root "$(PREFIX)")

# --tests includes the examples (test = true in Cargo.toml); doctests run apart (cargo
# cannot mix --doc with other targets).
test: tools
	$(CARGO) test --release --features external-tools --lib --bins --tests
	$(CARGO) test --release --features external-tools --doc

# Writes the committed figures, bench/results.*; `rust-hdl-uart bench` alone writes to
# build/bench/.
bench: tools
	$(CARGO) run --release -- bench --save
