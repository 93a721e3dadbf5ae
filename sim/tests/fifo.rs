//! The peripheral's FIFOs (`periph::fifo::Fifo` in block RAM, `periph::small_fifo::SmallFifo`
//! in flip-flops, and `periph::sized_fifo::SizedFifo`, which picks one for a depth) in
//! rust-hdl simulation against a `VecDeque` reference model, with random pushes, pops
//! and clears. All three have one contract, so one bench drives them.
//!
//! Every clock the FIFO's outputs are compared with the model's state before the edge:
//! `empty`, `full`, `level` and, while not empty, `read_data` (the model's front). The
//! model then takes the clock's operations by the contract: a write is taken while the
//! model is not full, a read while it is not empty, a clear empties it and wins. So order,
//! no loss, the flags, the level, clear and ignored writes when full are all checked on
//! every cycle; coverage counters make sure each situation really happened.

use crate::common::Rng;
use rust_hdl::prelude::*;
use rust_hdl_uart::periph::fifo::Fifo;
use rust_hdl_uart::periph::sized_fifo::SizedFifo;
use rust_hdl_uart::periph::small_fifo::SmallFifo;
use std::collections::VecDeque;

/// The FIFO ports the bench drives and reads (the three blocks share them).
trait FifoDut: Block {
    fn set_inputs(&mut self, clock: bool, ops: Ops, data: u64);
    fn full(&self) -> bool;
    fn empty(&self) -> bool;
    fn level(&self) -> usize;
    fn head(&self) -> u64;
}

macro_rules! fifo_dut {
    ($($generics:tt)*) => {
        impl $($generics)* {
            fn set_inputs(&mut self, clock: bool, ops: Ops, data: u64) {
                self.clock.next = clock.into();
                self.write.next = ops.write;
                self.write_data.next = data.to_bits();
                self.read.next = ops.read;
                self.clear.next = ops.clear;
            }
            fn full(&self) -> bool {
                self.full.val()
            }
            fn empty(&self) -> bool {
                self.empty.val()
            }
            fn level(&self) -> usize {
                self.level.val().index()
            }
            fn head(&self) -> u64 {
                self.read_data.val().index() as u64
            }
        }
    };
}
fifo_dut!(<const W: usize, const A: usize> FifoDut for Fifo<W, A>);
fifo_dut!(<const W: usize> FifoDut for SmallFifo<W>);
fifo_dut!(<const W: usize, const A: usize> FifoDut for SizedFifo<W, A>);

/// Per-clock inputs.
#[derive(Clone, Copy, Debug, Default)]
struct Ops {
    write: bool,
    data: u64,
    read: bool,
    clear: bool,
}

/// How often each situation the test must see was seen.
#[derive(Debug, Default)]
struct Coverage {
    pushes: u64,
    pops: u64,
    push_and_pop: u64,
    writes_when_full: u64,
    reads_when_empty: u64,
    clears_nonempty: u64,
    full_cycles: u64,
    // A write into an empty FIFO followed at once by a read of it (the bypass path).
    write_then_read_next: u64,
    // Push and pop in one clock with exactly one entry held.
    push_pop_at_one: u64,
    // Write and read in one clock while full (only the read is taken) and while empty
    // (only the write is taken).
    write_read_when_full: u64,
    write_read_when_empty: u64,
}

struct Bench<F: FifoDut> {
    dut: F,
    // Entries the contract says the FIFO holds.
    depth: usize,
    // Entry width in bits.
    width: usize,
    model: VecDeque<u64>,
    cycle: u64,
    cover: Coverage,
    wrote_into_empty: bool,
}

impl<const W: usize, const A: usize> Bench<Fifo<W, A>> {
    fn new() -> Self {
        Bench::of(Fifo::<W, A>::new().unwrap(), 1 << A, W)
    }
}

impl<F: FifoDut> Bench<F> {
    fn of(mut dut: F, depth: usize, width: usize) -> Self {
        dut.connect_all();
        let mut bench = Bench {
            dut,
            depth,
            width,
            model: VecDeque::new(),
            cycle: 0,
            cover: Coverage::default(),
            wrote_into_empty: false,
        };
        bench.dut.set_inputs(false, Ops::default(), 0);
        assert!(simulate(&mut bench.dut, 100));
        bench
    }

    /// One clock: inputs with the clock low, outputs checked against the model, rising
    /// edge, model updated.
    fn step(&mut self, ops: Ops) {
        let mask = if self.width == 64 {
            u64::MAX
        } else {
            (1u64 << self.width) - 1
        };
        let data = ops.data & mask;
        self.dut.set_inputs(false, ops, data);
        assert!(simulate(&mut self.dut, 100), "did not settle");

        let depth = self.depth;
        let len = self.model.len();
        let c = self.cycle;
        assert_eq!(self.dut.empty(), len == 0, "cycle {c}: empty, level {len}");
        assert_eq!(
            self.dut.full(),
            len == depth,
            "cycle {c}: full, level {len}"
        );
        assert_eq!(self.dut.level(), len, "cycle {c}: level");
        if let Some(&head) = self.model.front() {
            assert_eq!(
                self.dut.head(),
                head,
                "cycle {c}: read_data is not the oldest entry (level {len})"
            );
        }

        // The contract's operations, from the state before the edge.
        let pop = ops.read && len > 0;
        let push = ops.write && len < depth;
        if ops.clear {
            if len > 0 {
                self.cover.clears_nonempty += 1;
            }
            self.model.clear();
            self.wrote_into_empty = false;
        } else {
            if pop && self.wrote_into_empty {
                self.cover.write_then_read_next += 1;
            }
            self.wrote_into_empty = push && len == 0;
            if ops.write && len == depth {
                self.cover.writes_when_full += 1;
            }
            if ops.read && len == 0 {
                self.cover.reads_when_empty += 1;
            }
            if push && pop && len == 1 {
                self.cover.push_pop_at_one += 1;
            }
            if push && pop {
                self.cover.push_and_pop += 1;
            }
            if ops.write && ops.read && len == depth {
                self.cover.write_read_when_full += 1;
            }
            if ops.write && ops.read && len == 0 {
                self.cover.write_read_when_empty += 1;
            }
            if pop {
                self.model.pop_front();
                self.cover.pops += 1;
            }
            if push {
                self.model.push_back(data);
                self.cover.pushes += 1;
            }
        }
        if len == depth {
            self.cover.full_cycles += 1;
        }

        self.dut.set_inputs(true, ops, data);
        assert!(simulate(&mut self.dut, 100), "did not settle");
        self.cycle += 1;
    }
}

/// Random traffic in phases of different write/read probabilities (filling, draining,
/// balanced), with rare clears; `cycles` clocks in all.
fn random_traffic<const W: usize, const A: usize>(seed: u64, cycles: u64) -> Coverage {
    traffic(Bench::<Fifo<W, A>>::new(), seed, cycles)
}

/// [`random_traffic`] on any FIFO bench.
fn traffic<F: FifoDut>(mut bench: Bench<F>, seed: u64, cycles: u64) -> Coverage {
    let mut rng = Rng::new(seed);
    // (write %, read %) per phase.
    let phases = [(90, 10), (50, 50), (10, 90), (100, 100), (70, 30), (30, 70)];
    let mut phase = phases[0];
    for n in 0..cycles {
        if n % 97 == 0 {
            phase = phases[(rng.next() % phases.len() as u64) as usize];
        }
        let ops = Ops {
            write: rng.next() % 100 < phase.0,
            data: rng.next(),
            read: rng.next() % 100 < phase.1,
            clear: rng.next().is_multiple_of(400),
        };
        bench.step(ops);
    }
    bench.cover
}

fn assert_covered(cover: &Coverage) {
    assert_covered_depth(cover, 4);
}

/// Every situation seen; with one entry a push and a pop never meet (a push needs the
/// FIFO empty, a pop needs it full), so those counters are asked of deeper FIFOs only.
fn assert_covered_depth(cover: &Coverage, depth: usize) {
    let c = cover;
    assert!(c.pushes > 1000 && c.pops > 1000, "{c:?}");
    assert!(c.writes_when_full > 20, "{c:?}");
    assert!(c.reads_when_empty > 20, "{c:?}");
    assert!(c.clears_nonempty > 5, "{c:?}");
    assert!(c.full_cycles > 20, "{c:?}");
    assert!(c.write_then_read_next > 20, "{c:?}");
    assert!(c.write_read_when_full > 5, "{c:?}");
    assert!(c.write_read_when_empty > 5, "{c:?}");
    if depth > 1 {
        assert!(c.push_and_pop > 100, "{c:?}");
        assert!(c.push_pop_at_one > 5, "{c:?}");
    } else {
        assert_eq!(c.push_and_pop, 0, "{c:?}");
    }
}

#[test]
fn fifo_4_entries_random_against_model() {
    assert_covered(&random_traffic::<8, 2>(1, 20_000));
}

#[test]
fn fifo_16_entries_rx_width_random_against_model() {
    assert_covered(&random_traffic::<11, 4>(2, 40_000));
}

#[test]
fn fifo_64_entries_random_against_model() {
    assert_covered(&random_traffic::<9, 6>(3, 60_000));
}

#[test]
fn fifo_fill_to_full_then_drain_in_order() {
    let mut bench = Bench::<Fifo<8, 4>>::new();
    let depth = bench.depth;
    // Fill: every write is taken, then more writes are ignored.
    for i in 0..depth + 5 {
        bench.step(Ops {
            write: true,
            data: 0xA0 + i as u64,
            ..Ops::default()
        });
    }
    assert!(bench.dut.full());
    assert_eq!(bench.dut.level(), depth);
    // Drain: the first `depth` values come out in order; nothing written while full.
    let mut out = Vec::new();
    for _ in 0..depth + 3 {
        if !bench.dut.empty() {
            out.push(bench.dut.head());
        }
        bench.step(Ops {
            read: true,
            ..Ops::default()
        });
    }
    let expected: Vec<u64> = (0..depth as u64).map(|i| 0xA0 + i).collect();
    assert_eq!(out, expected);
    assert!(bench.dut.empty());
    assert_eq!(bench.dut.level(), 0);
}

#[test]
fn fifo_clear_wins_over_write_and_read() {
    let mut bench = Bench::<Fifo<8, 2>>::new();
    for i in 0..3 {
        bench.step(Ops {
            write: true,
            data: i,
            ..Ops::default()
        });
    }
    bench.step(Ops {
        write: true,
        data: 0x55,
        read: true,
        clear: true,
    });
    assert!(bench.dut.empty());
    assert_eq!(bench.dut.level(), 0);
    // Usable at once afterwards.
    bench.step(Ops {
        write: true,
        data: 0x77,
        ..Ops::default()
    });
    assert_eq!(bench.dut.head(), 0x77);
}

#[test]
fn small_fifo_1_entry_random_against_model() {
    let bench = Bench::of(SmallFifo::<8>::new(1).unwrap(), 1, 8);
    assert_covered_depth(&traffic(bench, 4, 20_000), 1);
}

#[test]
fn small_fifo_2_entries_rx_width_random_against_model() {
    let bench = Bench::of(SmallFifo::<11>::new(2).unwrap(), 2, 11);
    assert_covered_depth(&traffic(bench, 5, 20_000), 2);
}

/// One entry, by hand: a write and a read in one clock on a full FIFO pops only (the
/// write is refused: it would overwrite), on an empty one pushes only.
#[test]
fn small_fifo_1_entry_write_and_read_together() {
    let mut bench = Bench::of(SmallFifo::<8>::new(1).unwrap(), 1, 8);
    let both = |data| Ops {
        write: true,
        data,
        read: true,
        clear: false,
    };
    // Empty: only the write is taken, and its word is the head at once.
    bench.step(both(0x11));
    assert!(bench.dut.full() && !bench.dut.empty());
    assert_eq!((bench.dut.level(), bench.dut.head()), (1, 0x11));
    // Full: only the read is taken; 0x22 is lost (the peripheral counts it).
    bench.step(both(0x22));
    assert!(bench.dut.empty() && !bench.dut.full());
    assert_eq!(bench.dut.level(), 0);
    // Empty again: 0x33 goes in.
    bench.step(both(0x33));
    assert_eq!((bench.dut.level(), bench.dut.head()), (1, 0x33));
    // A lone write while full is refused; the head stays.
    bench.step(Ops {
        write: true,
        data: 0x44,
        ..Ops::default()
    });
    assert_eq!((bench.dut.level(), bench.dut.head()), (1, 0x33));
    // Clear wins over the write.
    bench.step(Ops {
        write: true,
        data: 0x55,
        clear: true,
        ..Ops::default()
    });
    assert!(bench.dut.empty());
}

/// `SizedFifo` at every depth a 64-entry type holds: flip-flops for 1 and 2 entries, the
/// block RAM FIFO masked to 4 ... 32 entries within 6-bit pointers, and the full 64.
#[test]
fn sized_fifo_every_depth_of_a_wider_type_against_model() {
    for k in 0..=6usize {
        let depth = 1 << k;
        let bench = Bench::of(SizedFifo::<11, 6>::new(k).unwrap(), depth, 11);
        let cover = traffic(bench, 10 + k as u64, 12_000);
        assert_covered_depth(&cover, depth);
    }
}

#[test]
fn fifo_rejects_bad_sizes() {
    assert!(Fifo::<8, 1>::new().is_err());
    assert!(Fifo::<8, 13>::new().is_err());
    assert!(Fifo::<0, 4>::new().is_err());
    assert!(Fifo::<33, 4>::new().is_err());
    assert!(Fifo::<8, 2>::new().is_ok());
    assert!(Fifo::<32, 12>::new().is_ok());
    // A smaller depth within the type: 2 .. 2^A entries (1 is the flip-flop FIFO's).
    assert!(Fifo::<8, 4>::with_depth(0).is_err());
    assert!(Fifo::<8, 4>::with_depth(5).is_err());
    assert!(Fifo::<8, 4>::with_depth(1).is_ok());
    for bad in [0, 3, 4] {
        let e = SmallFifo::<8>::new(bad).err().unwrap().to_string();
        assert!(e.contains("1 or 2"), "{e}");
    }
    assert!(SmallFifo::<33>::new(1).is_err());
    let e = SizedFifo::<8, 4>::new(5).err().unwrap().to_string();
    assert!(e.contains("at most 2^4"), "{e}");
}

/// The storage is block RAM: yosys maps the 16 x 11 FIFO (the RX FIFO's shape) to one
/// SB_RAM40_4K, with no memory left in flip-flops and no collision emulation (the
/// flip-flops are the pointers, count, flags and the bypass word: 4 + 4 + 4 + 3 + 11).
#[cfg(feature = "external-tools")]
#[test]
fn fifo_maps_to_one_block_ram() {
    use rust_hdl_uart::sim::formal_periph::{block_verilog, ice40_cells};
    let mut fifo = Fifo::<11, 4>::new().unwrap();
    let verilog = block_verilog(&mut fifo, "fifo_11x16").unwrap();
    let dir = std::env::temp_dir().join(format!("fifo-synth-{}", std::process::id()));
    let cells = ice40_cells(
        &verilog,
        "fifo_11x16",
        &dir,
        std::time::Duration::from_secs(1800),
    )
    .unwrap();
    eprintln!("fifo 16 x 11: {cells}");
    assert_eq!(cells.of("SB_RAM40_4K"), 1, "{cells}");
    assert_eq!(cells.flip_flops(), 26, "{cells}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The depth picks the storage, and a FIFO built smaller than its type costs what a
/// type of its own depth costs: the pointer bits above its depth are constants yosys
/// removes. 1 and 2 entries are flip-flops only (the entries and the count), 4 and
/// more one block RAM each.
#[cfg(feature = "external-tools")]
#[test]
fn sized_fifo_storage_and_cost_follow_the_depth() {
    use rust_hdl_uart::sim::formal_periph::{block_verilog, ice40_cells};
    let dir = std::env::temp_dir().join(format!("sized-fifo-synth-{}", std::process::id()));
    let guard = std::time::Duration::from_secs(1800);
    let cells = |verilog: String, top: &str| {
        let c = ice40_cells(&verilog, top, &dir.join(top), guard).unwrap();
        eprintln!("{top}: {c}");
        c
    };
    let own = cells(
        block_verilog(&mut SizedFifo::<11, 4>::new(4).unwrap(), "f16_in_16").unwrap(),
        "f16_in_16",
    );
    let wide = cells(
        block_verilog(&mut SizedFifo::<11, 9>::new(4).unwrap(), "f16_in_512").unwrap(),
        "f16_in_512",
    );
    assert_eq!(own.of("SB_RAM40_4K"), 1, "{own}");
    assert_eq!(
        (wide.luts(), wide.flip_flops(), wide.of("SB_CARRY")),
        (own.luts(), own.flip_flops(), own.of("SB_CARRY")),
        "16 entries in a 512-entry type: {wide}, in a 16-entry type: {own}"
    );
    assert_eq!(wide.of("SB_RAM40_4K"), 1, "{wide}");
    // 4 entries: block RAM too (yosys would use flip-flops for so small a memory).
    let four = cells(
        block_verilog(&mut SizedFifo::<11, 4>::new(2).unwrap(), "f4").unwrap(),
        "f4",
    );
    assert_eq!(four.of("SB_RAM40_4K"), 1, "{four}");
    for (k, entries) in [(0usize, 1u64), (1, 2)] {
        let top = format!("f{entries}");
        let c = cells(
            block_verilog(&mut SizedFifo::<11, 9>::new(k).unwrap(), &top).unwrap(),
            &top,
        );
        assert_eq!(c.of("SB_RAM40_4K"), 0, "{top}: {c}");
        // 11 bits per entry and the count (1 bit for one entry, 2 for two).
        assert_eq!(c.flip_flops(), 11 * entries + k as u64 + 1, "{top}: {c}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
