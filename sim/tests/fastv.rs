//! The shipped Verilog ([`rust_hdl_uart::export::fast`]) against rust-hdl's own text:
//! yosys proves every exported file equivalent (both of the shipped text's branches, the
//! event-driven one and Verilator's), Icarus loops bytes through a testbench's plain
//! `assign rx = tx;` (the hazard of the issue), and cocotb runs the export under Icarus.

use anyhow::{bail, Context, Result};
use rust_hdl_uart::export::{block_verilog_rust_hdl, design_verilog, design_verilog_rust_hdl};
use rust_hdl_uart::export::{fast, Design};
use rust_hdl_uart::firmware::{board_verilog, Board, BridgeFirmware, EchoFirmware, Firmware};
use rust_hdl_uart::sim::regression::testbench_result;
use rust_hdl_uart::tools::{Step, Toolchain};
use rust_hdl_uart::UartConfig;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Far beyond the few seconds a proof takes: only a hang guard.
const PROOF_HANG_GUARD: Duration = Duration::from_secs(900);

/// A fresh folder for one test under the target directory.
pub fn scratch(name: &str) -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
    };
    let dir = target.join("fastv-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The yosys script proving `gate.v` (read with `defines`) equivalent to `gold.v`, top
/// module `top`. Both are flattened; the rewrite keeps every rust-hdl name (ports, stubs,
/// each flip-flop's `q`), so signals pair up by name:
/// - the memories (`memories`: modules of hand-written Verilog the rewrite leaves byte for
///   byte, checked by [`memories_of`]) are cut out of both (`expose -evert`): their inputs
///   become outputs that must agree, their outputs inputs shared by both sides. Equal
///   inputs into the same module give equal outputs, so this is sound, and it keeps
///   thousands of RAM bits out of the SAT problem;
/// - every flip-flop's `q` wire is kept (`keep`), so both sides have all of them; small
///   ROMs yosys infers from `case` tables are mapped to logic (`memory_map`). The `q`
///   wires inside modules of rust-hdl's text that the shipped text no longer has
///   (`folded`: a register with a power-up value, taken in as one register) have no
///   partner and are hidden (`rename -hide`); the register's own `x$q` pairs up;
/// - base case: every flip-flop's `q` is made an output of both, and a miter of all
///   outputs is proven by SAT from the `initial` values for the first `DEPTH` clocks (the
///   power-up values agree). Where rust-hdl's text gives `x` (a bit select beyond a
///   vector for an out-of-range setting on a port), the shipped text may give anything
///   (`-ignore_gold_x`, undefined bits modelled: `-enable_undef`);
/// - step: `equiv_make` pairs the signals, `equiv_simple` and `equiv_induct` prove that
///   when every pair agrees for `DEPTH - 1` clocks it agrees on the next, for any inputs;
///   `equiv_status -assert` fails on any pair left unproven.
fn equiv_script(
    top: &str,
    defines: &str,
    memories: &[String],
    folded: &[String],
    clocked: &[(String, String)],
) -> String {
    // The memories are the only boxes, and every instance of one is cut.
    module_equiv_script(top, defines, memories, folded, memories, clocked, false)
}

/// The shipped text's Verilator branch computes some local signals of a combinational
/// block inside the clock process, only in the branch that uses them (see
/// `src/export/fast.rs`), zero on the clocks that do not use them, so they are not
/// rust-hdl's signal of the same name and must not be paired with it. Returns them
/// (module, name): every name a blocking assignment (`name = ...;`) writes inside an
/// `always @(posedge` process. The proof then pairs the flip-flops, the ports and the
/// sub-module connections, which is what equivalence means.
fn clocked_locals(gate: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut module = String::new();
    let mut in_clock_process = false;
    for line in gate.lines() {
        if let Some(rest) = line.strip_prefix("module ") {
            module = rest
                .split('(')
                .next()
                .unwrap_or_default()
                .trim()
                .to_string();
        } else if line.starts_with("    always @(posedge ") {
            in_clock_process = true;
        } else if line == "    end" {
            in_clock_process = false;
        } else if in_clock_process {
            let name = line
                .trim_start()
                .split_once(" = ")
                .map(|(lhs, _)| lhs)
                .filter(|lhs| !lhs.is_empty() && !lhs.contains([' ', '[', '<']));
            if let Some(name) = name {
                let pair = (module.clone(), name.to_string());
                if !found.contains(&pair) {
                    found.push(pair);
                }
            }
        }
    }
    found
}

/// The modules of hand-written Verilog in rust-hdl's text other than its flip-flops (the
/// FIFOs' RAMs), after checking that the shipped text has each of them unchanged.
fn memories_of(gold: &str, gate: &str) -> Result<Vec<String>> {
    let mut memories = Vec::new();
    for chunk in gold.split("\nmodule ").skip(1) {
        let text = match chunk.find("endmodule") {
            Some(end) => &chunk[..end],
            None => bail!("rust-hdl's text has a module without endmodule"),
        };
        let header = text.lines().next().unwrap_or_default();
        if text.contains("// Update code (custom)") && !header.ends_with("(d,q,clock);") {
            if !gate.contains(&format!("\nmodule {text}endmodule")) {
                bail!("the shipped text changed hand-written module `{header}`");
            }
            let name = header.split('(').next().unwrap_or_default().trim();
            memories.push(name.to_string());
        }
    }
    Ok(memories)
}

/// The modules of rust-hdl's text that the shipped text does not have (taken into their
/// parents).
fn missing_modules(gold: &str, gate: &str) -> Vec<String> {
    let names = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.strip_prefix("module "))
            .filter_map(|l| l.split('(').next())
            .map(|n| n.trim().to_string())
            .collect()
    };
    let kept = names(gate);
    names(gold)
        .into_iter()
        .filter(|n| !kept.contains(n))
        .collect()
}

/// Proves the shipped text equivalent to rust-hdl's, for both branches of the shipped
/// text; returns the time the proofs took.
pub fn prove_equivalent(name: &str, gold: &str, gate: &str, top: &str) -> Result<Duration> {
    if gold == gate {
        bail!("{name}: the shipped text is rust-hdl's unchanged: the rewrite did nothing");
    }
    let dir = scratch(&format!("equiv-{name}"));
    std::fs::write(dir.join("gold.v"), gold)?;
    std::fs::write(dir.join("gate.v"), gate)?;
    let memories = memories_of(gold, gate)?;
    let folded = missing_modules(gold, gate);
    let clocked = clocked_locals(gate);
    let tools = Toolchain::from_env();
    let started = Instant::now();
    for (branch, defines) in [("event", ""), ("verilator", "-DVERILATOR")] {
        let script = format!("equiv-{branch}.ys");
        std::fs::write(
            dir.join(&script),
            equiv_script(top, defines, &memories, &folded, &clocked),
        )?;
        let log = dir.join(format!("equiv-{branch}.log"));
        let step = Step::new(
            "yosys",
            &[OsStr::new("-q"), OsStr::new("-s"), OsStr::new(&script)],
            &dir,
            &log,
            PROOF_HANG_GUARD,
        )
        .titled(format!("yosys equivalence of {name} ({branch})"));
        let run = tools.run(&step)?;
        let text = run.log_text().unwrap_or_default();
        if !run.succeeded() {
            let tail: Vec<&str> = text.lines().rev().take(30).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            bail!(
                "{name} ({branch} branch): yosys did not prove the shipped text equivalent to \
                 rust-hdl's (files and log in {}):\n{}",
                dir.display(),
                tail.join("\n")
            );
        }
    }
    Ok(started.elapsed())
}

/// One module of a Verilog text: its name, its header line (`module NAME(ports);`), its
/// whole text from `module` to `endmodule`, and its sub-module instances (instance name,
/// module name), in the order written.
#[derive(Debug)]
struct ModuleText {
    name: String,
    header: String,
    text: String,
    instances: Vec<(String, String)>,
}

/// The modules of a text. An instance is a line `    TYPE NAME(` whose TYPE is a module of
/// `known` (rust-hdl writes one per line, four spaces in, in the "Sub module instances"
/// section; the pass keeps that shape).
fn modules_in(text: &str, known: &[String]) -> Result<Vec<ModuleText>> {
    let mut modules = Vec::new();
    for chunk in text.split("\nmodule ").skip(1) {
        let end = chunk
            .find("\nendmodule")
            .context("a module without endmodule")?;
        let body = &chunk[..end];
        let header = body.lines().next().unwrap_or_default();
        let name = header.split('(').next().unwrap_or_default().trim();
        let instances = body
            .lines()
            .filter_map(|l| l.strip_prefix("    "))
            .filter_map(|l| l.strip_suffix('('))
            .filter_map(|l| l.split_once(' '))
            .filter(|(ty, inst)| known.iter().any(|k| k == ty) && !inst.contains(' '))
            .map(|(ty, inst)| (inst.to_string(), ty.to_string()))
            .collect();
        modules.push(ModuleText {
            name: name.to_string(),
            header: format!("module {header}"),
            text: format!("module {body}\nendmodule"),
            instances,
        });
    }
    Ok(modules)
}

/// The names of the modules of a text (`module NAME(` lines).
fn module_names(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("module "))
        .filter_map(|l| l.split('(').next())
        .map(|n| n.trim().to_string())
        .collect()
}

/// The yosys script proving module `module` of `gate.v` (read with `defines`) equivalent
/// to the module of the same name in `gold.v`, every other module the shipped text has
/// (`boxes`) a black box on both sides, and the registers the pass took in (`folded`:
/// rust-hdl's DFFs and `DFFWithInit`s that `module` instantiates, and their DFFs) real
/// logic on the gold side, flattened into it:
/// - each black-box instance is cut (`expose -evert`): its inputs become outputs of the
///   module that must agree, its outputs inputs shared by both sides (both name the ports
///   `instance.port`), so the proof holds whatever the sub-modules do, and it checks that
///   both sides drive every sub-module input alike: a swapped or changed connection fails;
/// - the rest is [`equiv_script`]'s proof (base case from the power-up values by SAT for
///   `DEPTH` clocks, every register's `q` exposed; step by `equiv_make` /
///   `equiv_simple` / `equiv_induct`). With `short`, `equiv_simple -short` stops each
///   cone at the signals both sides share (the pairs already made), so every cone is a
///   few statements of the module's block: this is what makes the large modules (the
///   bridge's packet logic) cheap; what it leaves is handed to `equiv_induct`. Either
///   recipe is a proof on its own; the short one leaves some modules unproven (pairs it
///   proved alone are no longer assumed by `equiv_induct`), which then get the full one.
fn module_equiv_script(
    module: &str,
    defines: &str,
    boxes: &[String],
    folded: &[String],
    instantiated: &[String],
    clocked: &[(String, String)],
    short: bool,
) -> String {
    const DEPTH: u32 = 2;
    let short = if short { "-short " } else { "" };
    let blackboxes: String = boxes.iter().map(|m| format!("blackbox {m}\n")).collect();
    let cuts: String = instantiated
        .iter()
        .map(|m| format!("expose -evert {module}/t:{m}\n"))
        .collect();
    let hide: String = folded
        .iter()
        .map(|m| format!("rename -hide {m}/w:*$q\n"))
        .collect();
    // The Verilator branch's clocked locals (see [`clocked_locals`]) of the modules
    // that are not boxes are hidden on the gate side.
    let gate_hide: String = if defines.contains("VERILATOR") {
        clocked
            .iter()
            .filter(|(m, _)| !boxes.contains(m))
            .map(|(m, n)| format!("rename -hide {m}/w:{n}\n"))
            .collect()
    } else {
        String::new()
    };
    // Verilator is a two-state simulator: the branch it reads never sees an undefined
    // input, so its base case is proven for defined inputs only. (With undefined inputs
    // allowed, a condition on an `x` input in the base case makes the shipped process
    // mix its hold value into bits that rust-hdl's mux chain leaves defined.)
    let defined_inputs = if defines.contains("VERILATOR") {
        "-set-def-inputs "
    } else {
        ""
    };
    let read = |file: &str, name: &str, defines: &str, hide: &str| {
        format!(
            "read_verilog {defines} {file}\n\
             {blackboxes}\
             hierarchy -check -top {module}\n\
             {hide}\
             setattr -set keep 1 w:*$q\n\
             proc; opt_clean; memory_map; opt_clean; flatten; opt_clean\n\
             {cuts}\
             rename {module} {name}\n\
             design -stash {name}\n"
        )
    };
    format!(
        "{}{}\
         design -copy-from gold -as gold gold\n\
         design -copy-from gate -as gate gate\n\
         design -save pair\n\
         expose gold/w:*$q gate/w:*$q\n\
         miter -equiv -flatten -make_assert -ignore_gold_x gold gate miter\n\
         hierarchy -top miter\n\
         sat -verify {defined_inputs}-enable_undef -prove-asserts -seq {DEPTH} miter\n\
         design -load pair\n\
         equiv_make gold gate equiv\n\
         hierarchy -top equiv\n\
         equiv_simple {short}-seq {DEPTH}\n\
         equiv_induct -seq {DEPTH}\n\
         equiv_status -assert\n",
        read("gold.v", "gold", "", &hide),
        read("gate.v", "gate", defines, &gate_hide),
    )
}

/// Proves the shipped text equivalent to rust-hdl's module by module (for both branches
/// of the shipped text); returns the modules proven and the time the proofs took.
///
/// What is checked, by module:
/// - every module of the shipped text is a module of rust-hdl's text with the same header
///   (name and port list); the modules rust-hdl has and the shipped text does not
///   (`folded`) are registers (`module NAME(d,q,clock)`: DFFs and `DFFWithInit`s, which
///   the pass takes into their parents);
/// - every shipped module instantiates the same sub-modules under the same instance names
///   as rust-hdl's module of that name, apart from the folded ones;
/// - a module whose text is byte for byte rust-hdl's (the FIFOs' RAMs) is the same
///   Verilog, so it needs no proof; every other module is proven equivalent to rust-hdl's
///   module of the same name, sub-module instances cut as black boxes on both sides and
///   folded registers kept as logic on the gold side ([`module_equiv_script`]).
///
/// Why that proves the whole design: a module's behaviour is a function of its ports and
/// of what its sub-module instances return. Each proof shows, for every sequence of
/// values on the module's inputs and on its instances' outputs, from power-up, that the
/// two texts give the same outputs and the same instance inputs. Bottom up, two
/// instances of equivalent modules given the same inputs return the same outputs, so a
/// parent whose instances are equivalent, connected alike (checked by the cut), sees the
/// same instance outputs on both sides and is equivalent as a whole; the top is the whole
/// design. It assumes what rust-hdl's text and the pass keep: no hierarchical references
/// (a module touches only its own ports and signals), no combinational loop through an
/// instance (neither side would simulate), and instances of one module of the text per
/// name (checked above). As in the whole-design proof, where rust-hdl's text gives `x`
/// the shipped text may give any value.
pub fn prove_modular(name: &str, gold: &str, gate: &str) -> Result<(usize, Duration)> {
    if gold == gate {
        bail!("{name}: the shipped text is rust-hdl's unchanged: the rewrite did nothing");
    }
    let gold_names = module_names(gold);
    let gold_modules = modules_in(gold, &gold_names)?;
    let gate_modules = modules_in(gate, &gold_names)?;
    let kept: Vec<String> = gate_modules.iter().map(|m| m.name.clone()).collect();
    let folded: Vec<String> = gold_names
        .iter()
        .filter(|n| !kept.contains(n))
        .cloned()
        .collect();
    let find = |n: &str| gold_modules.iter().find(|m| m.name == n);
    for f in &folded {
        let m = find(f).context("internal: a folded module not in rust-hdl's text")?;
        if !m.header.ends_with("(d,q,clock);") {
            bail!("{name}: the shipped text lost module {f}, which is not a register");
        }
    }
    let dir = scratch(&format!("modular-{name}"));
    std::fs::write(dir.join("gold.v"), gold)?;
    std::fs::write(dir.join("gate.v"), gate)?;
    let mut jobs: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
    for module in &gate_modules {
        let original = find(&module.name).with_context(|| {
            format!(
                "{name}: the shipped text has module {}, rust-hdl's has not",
                module.name
            )
        })?;
        if module.header != original.header {
            bail!(
                "{name}: module {} has another port list: `{}` against rust-hdl's `{}`",
                module.name,
                module.header,
                original.header
            );
        }
        let boxed: Vec<(String, String)> = original
            .instances
            .iter()
            .filter(|(_, ty)| !folded.contains(ty))
            .cloned()
            .collect();
        let mut got = module.instances.clone();
        let mut want = boxed.clone();
        got.sort();
        want.sort();
        if got != want {
            bail!(
                "{name}: module {} instantiates {got:?}, rust-hdl's {want:?}",
                module.name
            );
        }
        if module.text == original.text {
            continue;
        }
        // The folded registers under this module: its register instances and theirs.
        let mut under: Vec<String> = Vec::new();
        let mut stack: Vec<String> = vec![module.name.clone()];
        while let Some(m) = stack.pop() {
            for (_, ty) in &find(&m).map(|m| m.instances.clone()).unwrap_or_default() {
                if folded.contains(ty) && !under.contains(ty) {
                    under.push(ty.clone());
                    stack.push(ty.clone());
                }
            }
        }
        let mut types: Vec<String> = boxed.into_iter().map(|(_, ty)| ty).collect();
        types.sort();
        types.dedup();
        jobs.push((module.name.clone(), under, types));
    }
    let boxes: Vec<String> = kept.clone();
    let clocked = clocked_locals(gate);
    let tools = Toolchain::from_env();
    let started = Instant::now();
    // The two branches in parallel: each proof is one yosys process on one core.
    let branch = |branch: &str, defines: &str| -> Result<()> {
        for (k, (module, under, types)) in jobs.iter().enumerate() {
            let others: Vec<String> = boxes.iter().filter(|b| *b != module).cloned().collect();
            // The short recipe first; the full one where it leaves pairs unproven.
            for (recipe, short) in [("short", true), ("full", false)] {
                let script = format!("module{k}-{branch}-{recipe}.ys");
                std::fs::write(
                    dir.join(&script),
                    module_equiv_script(module, defines, &others, under, types, &clocked, short),
                )?;
                let log = dir.join(format!("module{k}-{branch}-{recipe}.log"));
                let step = Step::new(
                    "yosys",
                    &[OsStr::new("-q"), OsStr::new("-s"), OsStr::new(&script)],
                    &dir,
                    &log,
                    PROOF_HANG_GUARD,
                )
                .titled(format!(
                    "yosys equivalence of {name}'s {module} ({branch}, {recipe})"
                ));
                let run = tools.run(&step)?;
                if run.succeeded() {
                    println!("{name}: {module} ({branch}): equivalent ({recipe} recipe)");
                    break;
                }
                if short {
                    continue;
                }
                let text = run.log_text().unwrap_or_default();
                bail!(
                    "{name}: module {module} ({branch} branch): yosys did not prove the \
                     shipped text equivalent to rust-hdl's (script {script}, files and log \
                     in {}):\n{}",
                    dir.display(),
                    rust_hdl_uart::tools::log_excerpt(&text, 30)
                );
            }
        }
        Ok(())
    };
    std::thread::scope(|s| {
        let event = s.spawn(|| branch("event", ""));
        let verilator = branch("verilator", "-DVERILATOR");
        event.join().expect("the event branch's proofs panicked")?;
        verilator
    })?;
    Ok((jobs.len(), started.elapsed()))
}

fn prove_design(design: Design) {
    let config = UartConfig::default();
    let module = design.module_name();
    let gold = design_verilog_rust_hdl(&config, design, module).unwrap();
    let gate = design_verilog(&config, design, module).unwrap();
    let took = prove_equivalent(module, &gold, &gate, module).unwrap();
    println!("{module}: equivalent, {:.1} s", took.as_secs_f64());
}

#[test]
fn equivalent_uart_rx() {
    prove_design(Design::Receiver);
}

#[test]
fn equivalent_uart_tx() {
    prove_design(Design::Transmitter);
}

#[test]
fn equivalent_uart() {
    prove_design(Design::Combined);
}

#[test]
fn equivalent_uart_rx_cfg() {
    prove_design(Design::ReceiverCfg);
}

#[test]
fn equivalent_uart_tx_cfg() {
    prove_design(Design::TransmitterCfg);
}

#[test]
fn equivalent_uart_cfg() {
    prove_design(Design::CombinedCfg);
}

#[test]
fn equivalent_uart_wb() {
    prove_design(Design::Wishbone);
}

#[test]
fn equivalent_uart_axil() {
    prove_design(Design::AxiLite);
}

#[test]
fn equivalent_echo_firmware() {
    let timing = UartConfig::default().validate().unwrap();
    let top = "echo_top";
    let gold = block_verilog_rust_hdl(&mut EchoFirmware::<8>::new(&timing).unwrap(), top).unwrap();
    let gate = fast::rewrite(&gold, top).unwrap();
    let took = prove_equivalent("echo", &gold, &gate, top).unwrap();
    println!("echo: equivalent, {:.1} s", took.as_secs_f64());
}

/// A board build wraps the firmware in a top with the board maker's port names
/// (`boards::wrapper_verilog`, text of its own that the pass does not rewrite) and runs
/// the firmware at the board's clock. Every wrapped board's echo build, as shipped, is
/// proven against rust-hdl's text of the same firmware inside the same wrapper, top = the
/// wrapper: the board's whole text, at its own clock. About 5 CPU seconds per board and
/// branch.
#[test]
fn equivalent_board_wrappers() {
    let wrapped: Vec<Board> = Board::ALL
        .into_iter()
        .filter(|b| b.spec().wrapped)
        .collect();
    assert!(
        wrapped.len() >= 4,
        "the board table lost its wrapped boards: {wrapped:?}"
    );
    for board in wrapped {
        let config = UartConfig {
            clock_hz: board.clock_hz(),
            ..UartConfig::default()
        };
        let (gate, top) = board_verilog(Firmware::Echo, board, &config).unwrap();
        let timing = config.validate().unwrap();
        let firmware =
            block_verilog_rust_hdl(&mut EchoFirmware::<8>::new(&timing).unwrap(), "echo_top")
                .unwrap();
        let wrapper = rust_hdl_uart::boards::wrapper_verilog(board.spec(), "echo_top");
        assert!(
            gate.contains(&wrapper),
            "{}: the wrapper is not in the build",
            board.name()
        );
        let gold = format!("{firmware}\n{wrapper}");
        let name = format!("board-{}", board.name());
        let took = prove_equivalent(&name, &gold, &gate, &top).unwrap();
        println!("{name}: equivalent, {:.1} s", took.as_secs_f64());
    }
}

/// The register-bridge firmware's top, proven module by module ([`prove_modular`]): the
/// whole-design proof of it took 914 s wall under load (its packet logic in one
/// `equiv_induct`), the modular one about 70 CPU s per branch, the two branches in
/// parallel (213 s wall at load 11–14; the top module's event branch is most of it).
#[test]
fn equivalent_bridge_firmware() {
    let timing = UartConfig::default().validate().unwrap();
    let top = "bridge_top";
    let gold = block_verilog_rust_hdl(&mut BridgeFirmware::new(&timing).unwrap(), top).unwrap();
    let gate = fast::rewrite(&gold, top).unwrap();
    let (modules, took) = prove_modular("bridge", &gold, &gate).unwrap();
    assert!(modules >= 5, "only {modules} modules proven: {gate}");
    println!(
        "bridge: {modules} modules equivalent, {:.1} s",
        took.as_secs_f64()
    );
}

/// The modular proof can fail: a shipped `uart` with a constant changed in one
/// sub-module, with two connections of an instance swapped in the top, or with an
/// instance missing, is rejected, naming the module.
#[test]
fn modular_proof_rejects_a_changed_design() {
    let config = UartConfig::default();
    let module = "uart";
    let gold = design_verilog_rust_hdl(&config, Design::Combined, module).unwrap();
    let gate = design_verilog(&config, Design::Combined, module).unwrap();
    let constant = "    localparam  centre_sample = 4'h7;";
    assert!(
        gate.matches(constant).count() == 1,
        "no {constant} in {gate}"
    );
    let changed = gate.replace(constant, "    localparam  centre_sample = 4'h6;");
    let err = prove_modular("neg-constant", &gold, &changed).unwrap_err();
    assert!(
        format!("{err:#}").contains("module uart$receiver$core "),
        "{err:#}"
    );
    let (reset, rx) = (
        "        .reset(receiver$reset),",
        "        .rx(receiver$rx),",
    );
    assert!(gate.contains(&format!("{reset}\n{rx}\n")), "{gate}");
    let swapped = gate.replacen(
        &format!("{reset}\n{rx}\n"),
        "        .reset(receiver$rx),\n        .rx(receiver$reset),\n",
        1,
    );
    let err = prove_modular("neg-swap", &gold, &swapped).unwrap_err();
    assert!(format!("{err:#}").contains("module uart "), "{err:#}");
    let start = gate.find("    uart$transmitter transmitter(").unwrap();
    let end = start + gate[start..].find("    );\n").unwrap() + 7;
    let dropped = format!("{}{}", &gate[..start], &gate[end..]);
    let err = prove_modular("neg-drop", &gold, &dropped).unwrap_err();
    assert!(
        format!("{err:#}").contains("module uart instantiates"),
        "{err:#}"
    );
}

/// The proof can fail: a shipped text with one flip-flop's power-up value changed, and
/// one with a register's next value changed, are both rejected.
#[test]
fn equivalence_proof_rejects_a_changed_design() {
    let config = UartConfig::default();
    let module = "uart_tx";
    let gold = design_verilog_rust_hdl(&config, Design::Transmitter, module).unwrap();
    let gate = design_verilog(&config, Design::Transmitter, module).unwrap();
    // Power-up: the first packed flip-flops initialised to all ones.
    let init_line = gate
        .lines()
        .find(|l| l.trim_start().starts_with("flops$0[") && l.contains(" = "))
        .context("no packed initial value")
        .unwrap()
        .to_string();
    let (lhs, _) = init_line.split_once(" = ").unwrap();
    let changed_init = gate.replacen(&init_line, &format!("{lhs} = -1;"), 1);
    assert!(prove_equivalent("neg-init", &gold, &changed_init, module).is_err());
    // Next value: the first packed registers keep their value instead of taking d.
    let update = gate
        .lines()
        .find(|l| l.trim_start().starts_with("flops$0 <= "))
        .unwrap()
        .to_string();
    let changed_next = gate.replacen(&update, "        flops$0 <= flops$0;", 1);
    assert!(prove_equivalent("neg-next", &gold, &changed_next, module).is_err());
}

/// The configuration of the simulation tests: 50 clocks per bit, so a byte is 500 clocks.
fn sim_config() -> UartConfig {
    UartConfig {
        clock_hz: 50_000_000,
        baud: 1_000_000,
        ..UartConfig::default()
    }
}

/// Runs one tool bounded by the hang guard in `dir`; its output is the returned log text.
fn run_tool(dir: &Path, tool: &str, args: &[&str], log: &str) -> Result<String> {
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    let step = Step::new(tool, &args, dir, &dir.join(log), PROOF_HANG_GUARD);
    let run = Toolchain::from_env().run(&step)?;
    let text = run.log_text()?;
    if !run.succeeded() {
        bail!("{tool} failed in {}:\n{text}", dir.display());
    }
    Ok(text)
}

/// Simulates `verilog` with one of the loopback testbenches in Icarus; returns (sent,
/// got, bad) and the log.
fn icarus_loop(name: &str, verilog: &str, tb: &str, defines: &[String]) -> Result<(u64, u64, u64)> {
    let dir = scratch(&format!("icarus-{name}"));
    std::fs::write(dir.join("dut.v"), verilog)?;
    let tb_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sim/fastv")
        .join(tb);
    std::fs::copy(&tb_path, dir.join("tb.v"))?;
    let mut args = vec!["-g2005".to_string(), "-o".into(), "tb.vvp".into()];
    args.extend(defines.iter().cloned());
    args.extend(["tb.v".to_string(), "dut.v".to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_tool(&dir, "iverilog", &args, "iverilog.log")?;
    let text = run_tool(&dir, "vvp", &["-n", "tb.vvp"], "vvp.log")?;
    let [sent, got, bad] = testbench_result(&text, ["sent", "got", "bad"])
        .with_context(|| format!("in {}", dir.display()))?;
    Ok((sent, got, bad))
}

const LOOP_BYTES: u64 = 48;
const LOOP_BYTES_WB: u64 = 24;

fn assert_looped(name: &str, result: (u64, u64, u64), bytes: u64) {
    let (sent, got, bad) = result;
    assert_eq!(
        (sent, got, bad),
        (bytes, bytes, 0),
        "{name}: bytes sent, received, received wrong (Icarus, assign rx = tx)"
    );
}

/// `uart` under Icarus with `assign rx = tx;`: every byte comes back.
#[test]
fn icarus_plain_wire_loop_uart() {
    let text = design_verilog(&sim_config(), Design::Combined, "uart").unwrap();
    let result = icarus_loop("uart", &text, "tb_loop.v", &[]).unwrap();
    assert_looped("uart", result, LOOP_BYTES);
}

/// `uart_cfg` likewise, its settings on ports.
#[test]
fn icarus_plain_wire_loop_uart_cfg() {
    let config = sim_config();
    let text = design_verilog(&config, Design::CombinedCfg, "uart_cfg").unwrap();
    let increment = rust_hdl_uart::config::cfg_increment(config.clock_hz, config.baud, 16).unwrap();
    let defines = ["-DCFG".to_string(), format!("-DINCREMENT={increment}")];
    let result = icarus_loop("uart_cfg", &text, "tb_loop.v", &defines).unwrap();
    assert_looped("uart_cfg", result, LOOP_BYTES);
}

/// `uart_wb` likewise, every byte written to TXDATA and read back from RXDATA by a
/// Wishbone master.
#[test]
fn icarus_plain_wire_loop_uart_wb() {
    let text = design_verilog(&sim_config(), Design::Wishbone, "uart_wb").unwrap();
    let result = icarus_loop("uart_wb", &text, "tb_loop_wb.v", &[]).unwrap();
    assert_looped("uart_wb", result, LOOP_BYTES_WB);
}

/// The loop test can fail, and fails on the hazard: the shipped `uart` with its input
/// copies taken out (the top's logic reads `rx` directly in the block that writes `tx`,
/// as a naive removal of the clock copies leaves it) loses bytes under Icarus.
#[test]
fn icarus_plain_wire_loop_catches_the_hazard() {
    let text = design_verilog(&sim_config(), Design::Combined, "uart").unwrap();
    let start = text
        .find("    // Input copies")
        .expect("input copies in the top");
    let end = start + text[start..].find("\n    end\n").expect("their block") + 9;
    let naive = strip_copy_prefix(&format!("{}{}", &text[..start], &text[end..]));
    assert!(!naive.contains("in$") && naive.contains("receiver$rx = rx;"));
    let (sent, got, bad) = icarus_loop("uart-naive", &naive, "tb_loop.v", &[]).unwrap();
    assert!(
        got < sent || bad > 0,
        "the naive text looped every byte (sent {sent}, got {got}, bad {bad}): the test \
         does not reproduce the hazard"
    );
}

/// cocotb (from the project's venv) runs `sim/cocotb/test_uart.py` on the exported `uart`
/// under Icarus through its Python runner: bytes bit-banged into `rx`, bytes decoded
/// from `tx`.
#[test]
fn cocotb_uart() {
    let config = sim_config();
    let dir = scratch("cocotb");
    let text = design_verilog(&config, Design::Combined, "uart").unwrap();
    std::fs::write(dir.join("uart.v"), text).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".venv/bin/python");
    assert!(
        python.is_file(),
        "this test needs the project's venv with cocotb: run scripts/install-tools.sh"
    );
    let runner = root.join("sim/cocotb/run.py");
    let clocks_per_bit = (config.clock_hz / config.baud).to_string();
    let python = python.to_string_lossy().into_owned();
    let runner = runner.to_string_lossy().into_owned();
    let text = run_tool(
        &dir,
        &python,
        &[&runner, "uart.v", "build", &clocks_per_bit],
        "cocotb.log",
    )
    .unwrap();
    assert!(text.contains("cocotb: 2 tests, 0 failed"), "{text}");
}

/// `in$name` -> `name` wherever `in$` starts an identifier.
fn strip_copy_prefix(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous = ' ';
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let starts_token =
            !(previous.is_ascii_alphanumeric() || previous == '_' || previous == '$');
        if starts_token && rest.starts_with("in$") {
            rest = &rest[3..];
            previous = '$';
            continue;
        }
        out.push(c);
        previous = c;
        rest = &rest[c.len_utf8()..];
    }
    out
}
