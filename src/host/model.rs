//! The firmware's exported top compiled by Verilator and run as a child process that the
//! virtual board drives in batches of line activity.
//!
//! What it guarantees:
//! - The model is the firmware's own Verilog, from [`firmware_sim_verilog`]: the text the
//!   bitstream is built from, with power-up values as the Verilog says (`--x-initial 0`,
//!   like the co-simulation in `sim/cosim.rs`).
//! - Any firmware whose top has the Alchitry Cu ports `clk, rst_n, usb_rx, usb_tx, led[7:0]`
//!   can be run, and so can any Verilog file with such a top ([`BoardModel::build_verilog`]);
//!   a top with other ports is refused before Verilator runs, naming the port.
//! - The child runs the clock in its own C++ loop. The Rust side sends runs (cycles, input
//!   levels), never single cycles, and gets back only the cycles at which `usb_tx` or `led`
//!   changed, so a pipe round trip is paid per batch of thousands of cycles.
//! - Cycle `n` is: inputs applied with the clock low and settled, rising edge, outputs
//!   sampled. An output change reported at cycle `n` is the value the pin holds from the
//!   rising edge of cycle `n` on.
//! - The child exits when its input pipe closes, so it never outlives the board (even when
//!   the Rust process is killed); [`ModelProcess`] kills and reaps it when dropped.
//! - On request ([`BusProbe`], [`BoardModel::build_verilog_probed`]) the clock loop also
//!   reports each read on an internal bus (the cycle its request rose and the word read),
//!   for measurements inside the design; the board's own model has no probe.
//! - A build whose inputs did not change is reused; the Verilator run is bounded by a
//!   timeout and logged (`verilator.log` in the work folder).

use crate::config::UartConfig;
use crate::firmware::{firmware_sim_verilog, Firmware};
use crate::flow::tools::{Step, Toolchain};
use anyhow::{bail, ensure, Context, Result};
use std::ffi::OsStr;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

/// The ports a board top must have (besides the clock `clk`), as `(name, width, input)`.
pub const BOARD_PORTS: &[(&str, usize, bool)] = &[
    ("rst_n", 1, true),
    ("usb_rx", 1, true),
    ("usb_tx", 1, false),
    ("led", 8, false),
];

/// A Verilator build of a large firmware takes a minute or two on a loaded 2-core machine;
/// this bound only catches a hung compiler.
pub const BUILD_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Verilator options for the board model, and why:
/// - `--cc --exe --build -O3`, and `OPT_FAST=-O3`: the model runs for as long as the board
///   does, so compile time is worth spending; Verilator's default `-Os` is slower.
/// - `--x-assign 0 --x-initial 0`: power-up values exactly as the Verilog says, the rest 0
///   (rust-hdl's own default); as in `sim/cosim.rs`, so the board starts like the
///   co-simulated model.
/// - `-Wno-fatal -Wno-lint -Wno-style`: rust-hdl's generator style always warns; lint is
///   `sim/lint.rs`' business.
/// - `-j 1`: the machine may be shared.
/// - `OPT_FAST=-O3`, `OPT_GLOBAL=-O3`, `-march=native`: `verilated.mk` compiles the model
///   at `-Os` unless told otherwise (a `-CFLAGS -O3` is overridden by it); the binary is
///   built where it runs, so the host's instruction set is fair game.
pub const VERILATOR_ARGS: &[&str] = &[
    "--cc",
    "--exe",
    "--build",
    "-O3",
    "--x-assign",
    "0",
    "--x-initial",
    "0",
    "-Wno-fatal",
    "-Wno-lint",
    "-Wno-style",
    "-j",
    "1",
    "-MAKEFLAGS",
    "OPT_FAST=-O3",
    "-MAKEFLAGS",
    "OPT_GLOBAL=-O3",
    "-CFLAGS",
    "-march=native",
];

/// The harness argument that makes it evaluate both clock edges (see the harness in `model.rs`).
pub const BOTH_EDGES_ARG: &str = "--both-edges";

/// Command bytes of the pipe protocol (Rust → model).
const CMD_RUN: u8 = b'R';
/// Record tags (model → Rust).
const REC_HELLO: u8 = b'H';
const REC_TX: u8 = b'T';
const REC_LED: u8 = b'L';
const REC_DONE: u8 = b'D';
const REC_PROBE: u8 = b'P';

/// An internal bus read the model reports with [`BusProbe`]: when its request went on the
/// bus and the word the bus master took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProbeRead {
    /// The first cycle the probe's strobe was high (the request's first clock on the bus).
    pub start: u64,
    /// The probe's data signal in the strobe's last high cycle: the word the master takes
    /// (a Wishbone master drops its strobe with the clock edge that takes `ack`).
    pub word: u32,
}

/// Two internal signals of the top module that a model built with
/// [`BoardModel::build_verilog_probed`] watches in every cycle: a read request's strobe and
/// the read data. Each run of the strobe's high cycles is one read, reported as a
/// [`ProbeRead`] ([`ModelProcess::take_probe_reads`]). The signals are made readable with
/// a Verilator configuration file (`probe.vlt`, `public_flat_rd`), which keeps them from
/// being optimised away; the model is otherwise the board's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusProbe {
    /// A 1-bit signal, high in each cycle a read request is on the bus (held until it is
    /// acknowledged): a signal of the top module, or of a sub-module as
    /// `instance.signal` (`a.b.signal` deeper down). Letters, digits, `_` and rust-hdl's
    /// `$`.
    pub strobe: String,
    /// A signal of at most 32 bits, named as `strobe` is: the read data.
    pub data: String,
}

impl BusProbe {
    /// The signal's member in Verilator's root class: `{top}__DOT__{path}` with the path's
    /// `.` coded as `__DOT__` and `$` as `__024` (Verilator's coding; a `__` in a name would
    /// be coded too, so it is refused rather than guessed).
    fn member(top: &str, name: &str) -> Result<String> {
        ensure!(
            !name.contains("__")
                && name.split('.').all(|part| {
                    !part.is_empty()
                        && part
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
                }),
            "probe signal `{name}`: use a signal name of the top module, or              `instance.signal` for a sub-module's (letters, digits, single `_`, `$`)"
        );
        let path: Vec<String> = name.split('.').map(|p| p.replace('$', "__024")).collect();
        Ok(format!("{top}__DOT__{}", path.join("__DOT__")))
    }

    /// The module and the variable of `name` for the configuration file: rust-hdl names a
    /// sub-module `{top}$instance` (`{top}$a$b` deeper down), and Verilator matches the
    /// names with `$` coded as `__024` (Verilator 5.006 silently matches nothing with a
    /// plain `$`). Why sub-modules at all: a signal is probed where it is computed, not
    /// through a wire that only copies it, which Verilator may merge away.
    fn module_and_var(top: &str, name: &str) -> (String, String) {
        let (module, var) = match name.rsplit_once('.') {
            Some((path, var)) => (format!("{top}${}", path.replace('.', "$")), var),
            None => (top.to_string(), name),
        };
        (module.replace('$', "__024"), var.replace('$', "__024"))
    }

    /// The Verilator configuration that makes both signals readable.
    fn config(&self, top: &str) -> String {
        let mut text = "`verilator_config\n".to_string();
        for name in [&self.strobe, &self.data] {
            let (module, var) = Self::module_and_var(top, name);
            text.push_str(&format!(
                "public_flat_rd -module \"{module}\" -var \"{var}\"\n"
            ));
        }
        text
    }
}

/// Input bit of `usb_rx` in a run's input byte.
pub const IN_USB_RX: u8 = 1;
/// Input bit of `rst_n` in a run's input byte.
pub const IN_RST_N: u8 = 2;

/// The harness for `top`; with a probe, the clock loop also reports each read (the text
/// without one is unchanged, so existing board builds stay valid).
fn harness_cpp(top: &str, probe: Option<&BusProbe>) -> Result<String> {
    let (probe_state, probe_step) = match probe {
        None => (String::new(), String::new()),
        Some(p) => {
            let strobe = BusProbe::member(top, &p.strobe)?;
            let data = BusProbe::member(top, &p.data)?;
            (
                "    // The bus probe (BusProbe in model.rs): 'P' varint(first cycle of the \
                 strobe) varint(data in its last cycle), once the strobe falls.\n    \
                 bool probe_high = false;\n    uint64_t probe_start = 0;\n    \
                 uint32_t probe_word = 0;\n"
                    .to_string(),
                format!(
                    "                const bool probe_now = top->rootp->{strobe} & 1;\n\
                     \x20               if (probe_now) {{ if (!probe_high) probe_start = cycle; \
                     probe_word = uint32_t(top->rootp->{data}); }}\n\
                     \x20               else if (probe_high) {{ std::putchar('P'); \
                     put_varint(probe_start); put_varint(probe_word); }}\n\
                     \x20               probe_high = probe_now;\n"
                ),
            )
        }
    };
    Ok(format!(
        r#"// Generated by rust-hdl-uart (src/host/model.rs): the virtual board's clock loop for `{top}`.
// Protocol on stdin:  'R' varint(n) then n x (varint(cycles), byte(inputs: 1 usb_rx, 2 rst_n)).
// On stdout: 'H' varint(led) byte(usb_tx | 2 if one eval() per clock) once; then per change 'T' varint(cycle) byte(level),
// 'L' varint(cycle) byte(led); 'D' varint(cycle) after each 'R' command. EOF on stdin: exit.
#include "V{top}.h"
// The root class, where Verilator keeps its record of the clock's last level: without its
// definition the probe below cannot see the record and always falls back to both edges.
#include "V{top}___024root.h"
#include "verilated.h"
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace {{
// One eval() per clock: after the rising edge's eval() the clock goes low without an
// eval(), and Verilator's record of the clock's last level is cleared, so the next eval()
// with the clock high sees a rising edge. The falling edge's eval() only re-ran Verilator's
// bookkeeping (rust-hdl designs have no negedge logic), and this halves it. The record is a
// Verilator internal: 5.006 names it __Vtrigrprev__TOP__clk, later 5.x
// __Vtrigprevexpr___TOP__clk__0. With neither, the fallback overload is chosen and the loop
// evaluates both edges, as it does with --both-edges (a design with negedge logic).
template <typename R>
auto forget_clock(R* r, int) -> decltype(r->__Vtrigrprev__TOP__clk = 0, true) {{
    r->__Vtrigrprev__TOP__clk = 0;
    return true;
}}
template <typename R>
auto forget_clock(R* r, long) -> decltype(r->__Vtrigprevexpr___TOP__clk__0 = 0, true) {{
    r->__Vtrigprevexpr___TOP__clk__0 = 0;
    return true;
}}
template <typename R>
bool forget_clock(R*, ...) {{ return false; }}

[[noreturn]] void die(const char* what) {{
    std::fprintf(stderr, "board model: %s\n", what);
    std::exit(2);
}}
int get() {{ return std::getchar(); }}
bool varint(uint64_t& v) {{
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {{
        const int b = get();
        if (b == EOF) return false;
        v |= uint64_t(b & 0x7f) << shift;
        if (!(b & 0x80)) return true;
    }}
    die("bad varint");
}}
void put_varint(uint64_t v) {{
    while (v >= 0x80) {{ std::putchar(int((v & 0x7f) | 0x80)); v >>= 7; }}
    std::putchar(int(v));
}}
}}  // namespace

int main(int argc, char** argv) {{
    static char out_buf[1 << 16];
    std::setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf);
    const auto ctx = std::make_unique<VerilatedContext>();
    ctx->commandArgs(argc, argv);
    const auto top = std::make_unique<V{top}>(ctx.get(), "{top}");
    // Power-up: button released, line idle, clock low; the first eval runs `initial` blocks.
    top->clk = 0;
    top->rst_n = 1;
    top->usb_rx = 1;
    top->eval();
    bool both_edges = false;
    for (int i = 1; i < argc; ++i) if (std::strcmp(argv[i], "--both-edges") == 0) both_edges = true;
    // Probing is harmless here: the clock is low and so is the record.
    const bool one_eval = !both_edges && forget_clock(top->rootp, 0);
    unsigned tx = top->usb_tx & 1, led = top->led & 0xff;
    std::putchar('H'); put_varint(led); std::putchar(int(tx) | (one_eval ? 2 : 0));
    std::fflush(stdout);
    uint64_t cycle = 0;
{probe_state}    for (;;) {{
        const int cmd = get();
        if (cmd == EOF) break;
        if (cmd != 'R') die("unknown command");
        uint64_t n;
        if (!varint(n)) die("truncated command");
        for (uint64_t i = 0; i < n; ++i) {{
            uint64_t len;
            if (!varint(len)) die("truncated run");
            const int inputs = get();
            if (inputs == EOF) die("truncated run");
            top->usb_rx = inputs & 1;
            top->rst_n = (inputs >> 1) & 1;
            top->eval();
            for (uint64_t k = 0; k < len; ++k, ++cycle) {{
                top->clk = 1;
                top->eval();
                const unsigned t = top->usb_tx & 1, l = top->led & 0xff;
                if (t != tx) {{ tx = t; std::putchar('T'); put_varint(cycle); std::putchar(int(t)); }}
                if (l != led) {{ led = l; std::putchar('L'); put_varint(cycle); std::putchar(int(l)); }}
{probe_step}                top->clk = 0;
                if (one_eval) forget_clock(top->rootp, 0);
                else top->eval();
            }}
        }}
        std::putchar('D');
        put_varint(cycle);
        std::fflush(stdout);
    }}
    top->final();
    return 0;
}}
"#
    ))
}

/// A port as declared: name, width, direction.
struct Declared {
    name: String,
    width: usize,
    input: bool,
}

/// The width of a declaration like `input wire [7:0] led` (1 without a range).
fn declared_width(decl: &str) -> Result<usize> {
    match (decl.find('['), decl.find(":0]")) {
        (Some(a), Some(b)) if a < b => Ok(decl[a + 1..b].trim().parse::<usize>()? + 1),
        _ => Ok(1),
    }
}

/// The ports of module `top`, from either header style: names only in the header and
/// declarations in the body (rust-hdl's), or declarations in the header (ANSI).
fn module_ports(verilog: &str, top: &str) -> Result<Vec<Declared>> {
    let start = verilog
        .match_indices("module ")
        .map(|(i, _)| i + "module ".len())
        .find(|&i| {
            let rest = verilog[i..].trim_start();
            rest.starts_with(top) && rest[top.len()..].trim_start().starts_with(['(', '#'])
        })
        .with_context(|| format!("module `{top}` not found in the Verilog"))?;
    let body = &verilog[start..];
    let open = body.find('(').context("module header has no port list")?;
    let close = body.find(");").context("module header not closed")?;
    let end = body.find("endmodule").unwrap_or(body.len());
    let mut ports = Vec::new();
    for item in body[open + 1..close]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let name = item.split_whitespace().last().unwrap_or(item).to_string();
        let decl = if item.starts_with("input") || item.starts_with("output") {
            item.to_string()
        } else {
            body[close..end]
                .lines()
                .map(str::trim)
                .filter_map(|l| l.strip_suffix(';'))
                .find(|l| {
                    (l.starts_with("input") || l.starts_with("output"))
                        && l.split_whitespace().last() == Some(name.as_str())
                })
                .with_context(|| format!("no declaration of port `{name}` in `{top}`"))?
                .to_string()
        };
        ports.push(Declared {
            width: declared_width(&decl)?,
            input: decl.starts_with("input"),
            name,
        });
    }
    Ok(ports)
}

/// Checks that `top` in `verilog` has exactly the board ports, so a design with other
/// ports fails here with the port's name instead of deep inside a C++ compile.
pub fn check_board_ports(verilog: &str, top: &str) -> Result<()> {
    let ports = module_ports(verilog, top)?;
    let names: Vec<&str> = ports.iter().map(|p| p.name.as_str()).collect();
    let expected: Vec<&str> = std::iter::once("clk")
        .chain(BOARD_PORTS.iter().map(|p| p.0))
        .collect();
    for name in &expected {
        ensure!(
            names.contains(name),
            "top `{top}` has no port `{name}`; a board top needs the Alchitry Cu ports \
             {expected:?} (it has {names:?})"
        );
    }
    for name in &names {
        ensure!(
            expected.contains(name),
            "top `{top}` has a port `{name}` the virtual board cannot drive; a board top has \
             exactly the ports {expected:?}"
        );
    }
    let wanted = std::iter::once(("clk", 1, true)).chain(BOARD_PORTS.iter().copied());
    for (name, width, input) in wanted {
        let p = ports
            .iter()
            .find(|p| p.name == name)
            .context("port vanished")?;
        ensure!(
            p.width == width && p.input == input,
            "port `{name}` of `{top}` is {} {} bit(s) wide; the board needs {} of {width}",
            if p.input { "an input" } else { "an output" },
            p.width,
            if input { "an input" } else { "an output" }
        );
    }
    Ok(())
}

/// A built board model: the harness binary and what it was built from.
#[derive(Clone, Debug)]
pub struct BoardModel {
    /// The executable.
    pub binary: PathBuf,
    /// Where it was built (`dut.v`, `harness.cpp`, `verilator.log`, `obj/`).
    pub work_dir: PathBuf,
    /// The design's top module.
    pub top: String,
    /// What the design is: the firmware's name, or the Verilog file's.
    pub name: String,
    /// The UART configuration the design was made for (the board drives and decodes its
    /// pins with it).
    pub config: UartConfig,
    /// An earlier build with the same inputs was reused.
    pub reused: bool,
    /// The design has `negedge` logic: the model evaluates both clock edges (otherwise only
    /// the rising one, see the harness in `model.rs`).
    pub both_edges: bool,
}

/// The default work folder for a firmware and configuration, under `root`:
/// `<root>/firmware/build/vboard-<firmware>-<baud>-<format>-<oversample>x-<clock>hz`.
pub fn default_work_dir(root: &Path, firmware: Firmware, config: &UartConfig) -> PathBuf {
    root.join("firmware").join("build").join(format!(
        "vboard-{}-{}-{}{}{}-{}x-{}hz",
        firmware.name(),
        config.baud,
        config.data_bits,
        config.parity.letter(),
        config.stop_bits,
        config.oversample,
        config.clock_hz
    ))
}

impl BoardModel {
    /// Generates the firmware's Verilog for `config`, checks its ports and builds it with
    /// Verilator into `work_dir` (reused when nothing changed). Verilator's progress goes to
    /// stderr; its output to `work_dir/verilator.log`.
    pub fn build(firmware: Firmware, config: &UartConfig, work_dir: &Path) -> Result<Self> {
        Self::build_with(firmware, config, work_dir, &Toolchain::from_env())
    }

    /// Like [`BoardModel::build`] with a given toolchain (tests inject a missing tool).
    pub fn build_with(
        firmware: Firmware,
        config: &UartConfig,
        work_dir: &Path,
        tools: &Toolchain,
    ) -> Result<Self> {
        let (verilog, top) = firmware_sim_verilog(firmware, config)?;
        Self::build_verilog(&verilog, &top, firmware.name(), config, work_dir, tools)
    }

    /// Builds any Verilog whose top `top` has the board's ports (a design of your own, or
    /// a firmware's file); `config` is the UART setting it was made for. `name` labels it.
    pub fn build_verilog(
        verilog: &str,
        top: &str,
        name: &str,
        config: &UartConfig,
        work_dir: &Path,
        tools: &Toolchain,
    ) -> Result<Self> {
        Self::build_verilog_probed(verilog, top, name, config, work_dir, tools, None)
    }

    /// Like [`BoardModel::build_verilog`], with a [`BusProbe`] on two internal signals
    /// (give a probed model its own `work_dir`: its harness differs from the board's).
    pub fn build_verilog_probed(
        verilog: &str,
        top: &str,
        name: &str,
        config: &UartConfig,
        work_dir: &Path,
        tools: &Toolchain,
        probe: Option<&BusProbe>,
    ) -> Result<Self> {
        config.validate()?;
        check_board_ports(verilog, top)?;
        let (verilog, top) = (verilog.to_string(), top.to_string());
        let harness = harness_cpp(&top, probe)?;
        let probe_config = probe.map(|p| p.config(&top));
        let verilator = tools.locate("verilator").context(
            "the virtual board compiles the design with Verilator: install the Debian package \
             with `sudo apt-get install -y verilator` (or run `make tools`)",
        )?;
        let mut args: Vec<String> = VERILATOR_ARGS.iter().map(|s| s.to_string()).collect();
        if probe_config.is_some() {
            args.push("probe.vlt".to_string());
        }
        args.extend(
            [
                "--top-module",
                &top,
                "--Mdir",
                "obj",
                "-o",
                "board",
                "harness.cpp",
                "dut.v",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        let cache = crate::tools::VerilatorCache::for_work_dir(work_dir, tools);
        args.extend(cache.args.iter().cloned());
        let mut stamp = format!("{} {}\n", verilator.display(), args.join(" "));
        if let Some(config) = &probe_config {
            // The probe's signals are an input of the build too.
            stamp.push_str(config);
        }
        let binary = work_dir.join("obj").join("board");
        let model = |reused| BoardModel {
            binary: binary.clone(),
            work_dir: work_dir.to_path_buf(),
            top: top.clone(),
            name: name.to_string(),
            config: *config,
            reused,
            both_edges: verilog.contains("negedge"),
        };
        let unchanged = |file: &str, text: &str| {
            std::fs::read(work_dir.join(file)).is_ok_and(|old| old == text.as_bytes())
        };
        if binary.is_file()
            && unchanged("dut.v", &verilog)
            && unchanged("harness.cpp", &harness)
            && unchanged("build.stamp", &stamp)
        {
            return Ok(model(true));
        }
        std::fs::create_dir_all(work_dir)
            .with_context(|| format!("cannot create the work folder {}", work_dir.display()))?;
        // The stamp is written last, so an interrupted build is never taken as complete.
        for stale in [work_dir.join("build.stamp"), binary.clone()] {
            match std::fs::remove_file(&stale) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(e).with_context(|| format!("cannot remove {}", stale.display()))
                }
                _ => {}
            }
        }
        if let Some(config) = &probe_config {
            std::fs::write(work_dir.join("probe.vlt"), config).with_context(|| {
                format!("cannot write {}", work_dir.join("probe.vlt").display())
            })?;
        }
        for (file, text) in [("dut.v", &verilog), ("harness.cpp", &harness)] {
            std::fs::write(work_dir.join(file), text)
                .with_context(|| format!("cannot write {}", work_dir.join(file).display()))?;
        }
        let os_args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        let step = Step::new(
            "verilator",
            &os_args,
            work_dir,
            &work_dir.join("verilator.log"),
            BUILD_TIMEOUT,
        )
        // A half-compiled model is worthless: an interruption removes it (crate::interrupt).
        .with_scratch(&work_dir.join("obj"))
        .titled(format!(
            "verilator: compiling the board model of {name} (once per configuration)"
        ))
        .with_env(cache.env.clone());
        tools.run(&step)?.check()?;
        ensure!(
            binary.is_file(),
            "Verilator finished but {} is missing; see {}",
            binary.display(),
            work_dir.join("verilator.log").display()
        );
        std::fs::write(work_dir.join("build.stamp"), &stamp)
            .with_context(|| format!("cannot write {}", work_dir.display()))?;
        Ok(model(false))
    }

    /// Starts the model: powered up, clock stopped at cycle 0.
    pub fn spawn(&self) -> Result<ModelProcess> {
        self.spawn_with(self.both_edges)
    }

    /// Starts the model evaluating both clock edges, or only the rising one (the default
    /// for designs without `negedge` logic); both give the same pins at every clock.
    pub fn spawn_with(&self, both_edges: bool) -> Result<ModelProcess> {
        let mut command = Command::new(&self.binary);
        if both_edges {
            command.arg(BOTH_EDGES_ARG);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start the board model {}", self.binary.display()))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            bail!("the board model's pipes were not created");
        };
        let mut process = ModelProcess {
            child,
            input: Some(BufWriter::with_capacity(1 << 16, stdin)),
            output: BufReader::with_capacity(1 << 16, stdout),
            cycle: 0,
            tx: true,
            led: 0,
            one_eval: false,
            pending: Vec::new(),
            probe_reads: Vec::new(),
        };
        let tag = process.byte()?;
        ensure!(
            tag == REC_HELLO,
            "the board model did not start (got {tag:#x})"
        );
        process.led = process.varint()? as u8;
        let hello = process.byte()?;
        process.tx = hello & 1 == 1;
        process.one_eval = hello & 2 == 2;
        Ok(process)
    }
}

/// A change of an output pin, at a cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinChange {
    /// `usb_tx` took this level from this cycle on.
    Tx {
        /// The cycle of the change.
        cycle: u64,
        /// The new level.
        level: bool,
    },
    /// `led` took this value from this cycle on.
    Led {
        /// The cycle of the change.
        cycle: u64,
        /// The new value.
        value: u8,
    },
}

/// One run of constant inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    /// Cycles (at least 1).
    pub cycles: u64,
    /// `usb_rx` level.
    pub usb_rx: bool,
    /// `rst_n` level (false = button pressed).
    pub rst_n: bool,
}

/// The running model. Batches can be pipelined: [`ModelProcess::send`] several, then
/// [`ModelProcess::receive`] each, in order.
pub struct ModelProcess {
    child: Child,
    input: Option<BufWriter<ChildStdin>>,
    output: BufReader<ChildStdout>,
    cycle: u64,
    tx: bool,
    led: u8,
    one_eval: bool,
    pending: Vec<u8>,
    probe_reads: Vec<ProbeRead>,
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

impl ModelProcess {
    /// The model's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The model evaluates only the rising clock edge (it found Verilator's record of the
    /// clock's last level and was not told to evaluate both edges).
    pub fn one_eval(&self) -> bool {
        self.one_eval
    }

    /// `usb_tx` as of the last received batch (power-up value before any).
    pub fn tx(&self) -> bool {
        self.tx
    }

    /// `led` as of the last received batch.
    pub fn led(&self) -> u8 {
        self.led
    }

    /// Cycles run, as of the last received batch.
    pub fn cycle(&self) -> u64 {
        self.cycle
    }

    /// The reads the [`BusProbe`] reported since the last call, in order (none without a
    /// probe).
    pub fn take_probe_reads(&mut self) -> Vec<ProbeRead> {
        std::mem::take(&mut self.probe_reads)
    }

    /// Queues a batch of runs for the model (sent at once; does not wait for it to run).
    pub fn send(&mut self, runs: &[Run]) -> Result<()> {
        self.pending.clear();
        self.pending.push(CMD_RUN);
        put_varint(&mut self.pending, runs.len() as u64);
        for r in runs {
            ensure!(r.cycles > 0, "a run needs at least one cycle");
            put_varint(&mut self.pending, r.cycles);
            let inputs = if r.usb_rx { IN_USB_RX } else { 0 } | if r.rst_n { IN_RST_N } else { 0 };
            self.pending.push(inputs);
        }
        let input = self
            .input
            .as_mut()
            .context("the board model was already stopped")?;
        input
            .write_all(&self.pending)
            .and_then(|_| input.flush())
            .map_err(|e| self.died(e.into()))
    }

    /// Waits for the next sent batch to finish; appends its output changes to `changes`
    /// and returns the cycle count at its end.
    pub fn receive(&mut self, changes: &mut Vec<PinChange>) -> Result<u64> {
        loop {
            let tag = self.byte()?;
            match tag {
                REC_TX => {
                    let cycle = self.varint()?;
                    self.tx = self.byte()? & 1 == 1;
                    changes.push(PinChange::Tx {
                        cycle,
                        level: self.tx,
                    });
                }
                REC_LED => {
                    let cycle = self.varint()?;
                    self.led = self.byte()?;
                    changes.push(PinChange::Led {
                        cycle,
                        value: self.led,
                    });
                }
                REC_PROBE => {
                    let start = self.varint()?;
                    let word = self.varint()?;
                    ensure!(
                        word <= u64::from(u32::MAX),
                        "the board model's probe sent a word wider than 32 bits"
                    );
                    self.probe_reads.push(ProbeRead {
                        start,
                        word: word as u32,
                    });
                }
                REC_DONE => {
                    self.cycle = self.varint()?;
                    return Ok(self.cycle);
                }
                other => bail!("the board model sent an unknown record {other:#x}"),
            }
        }
    }

    fn byte(&mut self) -> Result<u8> {
        let mut b = [0u8; 1];
        match self.output.read_exact(&mut b) {
            Ok(()) => Ok(b[0]),
            Err(e) => Err(self.died(e.into())),
        }
    }

    fn varint(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        bail!("the board model sent a malformed number")
    }

    /// Turns a pipe failure into an error that says how the model ended.
    fn died(&mut self, err: anyhow::Error) -> anyhow::Error {
        let status = match self.child.try_wait() {
            Ok(Some(s)) => format!("it exited with {s}"),
            Ok(None) => "it is still running".to_string(),
            Err(e) => format!("its state is unknown ({e})"),
        };
        err.context(format!(
            "lost the board model (pid {}): {status}",
            self.child.id()
        ))
    }

    /// Closes the model's input (it exits) and reaps it; kills it if it does not exit
    /// within `grace`.
    pub fn stop(&mut self, grace: Duration) -> Result<()> {
        self.input = None;
        let deadline = std::time::Instant::now() + grace;
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => return Ok(()),
                Ok(None) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                Ok(None) => {
                    let _ = self.child.kill();
                    self.child.wait().context("cannot reap the board model")?;
                    return Ok(());
                }
                Err(e) => return Err(e).context("cannot reap the board model"),
            }
        }
    }
}

impl Drop for ModelProcess {
    fn drop(&mut self) {
        let _ = self.stop(Duration::from_millis(500));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUST_HDL_STYLE: &str = "module t(clk,rst_n,usb_rx,usb_tx,led);\n\
        \n    // ports\n    input wire  clk;\n    input wire  rst_n;\n    input wire  usb_rx;\n\
        \n    output reg  usb_tx;\n    output reg  [7:0] led;\nendmodule\n";

    #[test]
    fn board_ports_are_checked_in_both_header_styles() {
        check_board_ports(RUST_HDL_STYLE, "t").unwrap();
        let ansi = "module u (input wire clk, input rst_n, input usb_rx, output reg usb_tx,\n\
                    output wire [7:0] led);\nendmodule\n";
        check_board_ports(ansi, "u").unwrap();
        // A prefix of another module's name is not that module.
        let err = check_board_ports(ansi, "u2").unwrap_err();
        assert!(format!("{err}").contains("`u2` not found"), "{err}");
    }

    #[test]
    fn a_top_with_other_ports_is_refused_by_name() {
        let missing = RUST_HDL_STYLE
            .replace("usb_tx,led", "usb_tx")
            .replace("output reg  [7:0] led;", "");
        let err = check_board_ports(&missing, "t").unwrap_err();
        assert!(format!("{err}").contains("no port `led`"), "{err}");
        let extra = RUST_HDL_STYLE
            .replace("led);", "led,dbg);")
            .replace("endmodule", "    output wire  dbg;\nendmodule");
        let err = check_board_ports(&extra, "t").unwrap_err();
        assert!(format!("{err}").contains("port `dbg`"), "{err}");
        let narrow = RUST_HDL_STYLE.replace("[7:0] led", "[3:0] led");
        let err = check_board_ports(&narrow, "t").unwrap_err();
        assert!(format!("{err}").contains("4 bit(s) wide"), "{err}");
        let swapped = RUST_HDL_STYLE
            .replace("input wire  usb_rx", "output wire  usb_rx")
            .replace("output reg  usb_tx", "input wire  usb_tx");
        let err = check_board_ports(&swapped, "t").unwrap_err();
        assert!(format!("{err}").contains("`usb_rx`"), "{err}");
    }

    #[test]
    fn a_missing_verilator_is_named_with_its_package() {
        let tools = Toolchain::with_search_path("/nonexistent");
        let dir = std::env::temp_dir().join("vboard-no-verilator");
        let err = BoardModel::build_with(Firmware::Echo, &UartConfig::default(), &dir, &tools)
            .unwrap_err();
        assert!(
            format!("{err}").contains("apt-get install -y verilator"),
            "{err}"
        );
    }
}
