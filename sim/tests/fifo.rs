//! The peripheral's FIFO (`periph::fifo::Fifo`) in rust-hdl simulation against a
//! `VecDeque` reference model, with random pushes, pops and clears.
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
use std::collections::VecDeque;

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
}

struct Bench<const W: usize, const A: usize> {
    dut: Fifo<W, A>,
    model: VecDeque<u64>,
    cycle: u64,
    cover: Coverage,
    wrote_into_empty: bool,
}

impl<const W: usize, const A: usize> Bench<W, A> {
    fn new() -> Self {
        let mut dut = Fifo::<W, A>::new().unwrap();
        dut.connect_all();
        let mut bench = Bench {
            dut,
            model: VecDeque::new(),
            cycle: 0,
            cover: Coverage::default(),
            wrote_into_empty: false,
        };
        bench.dut.clock.next = false.into();
        assert!(simulate(&mut bench.dut, 100));
        bench
    }

    fn depth() -> usize {
        1 << A
    }

    /// One clock: inputs with the clock low, outputs checked against the model, rising
    /// edge, model updated.
    fn step(&mut self, ops: Ops) {
        let mask = if W == 64 { u64::MAX } else { (1u64 << W) - 1 };
        let data = ops.data & mask;
        self.dut.clock.next = false.into();
        self.dut.write.next = ops.write;
        self.dut.write_data.next = data.to_bits();
        self.dut.read.next = ops.read;
        self.dut.clear.next = ops.clear;
        assert!(simulate(&mut self.dut, 100), "did not settle");

        let depth = Self::depth();
        let len = self.model.len();
        let c = self.cycle;
        assert_eq!(
            self.dut.empty.val(),
            len == 0,
            "cycle {c}: empty, level {len}"
        );
        assert_eq!(
            self.dut.full.val(),
            len == depth,
            "cycle {c}: full, level {len}"
        );
        assert_eq!(self.dut.level.val().index(), len, "cycle {c}: level");
        if let Some(&head) = self.model.front() {
            assert_eq!(
                self.dut.read_data.val().index() as u64,
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

        self.dut.clock.next = true.into();
        assert!(simulate(&mut self.dut, 100), "did not settle");
        self.cycle += 1;
    }
}

/// Random traffic in phases of different write/read probabilities (filling, draining,
/// balanced), with rare clears; `cycles` clocks in all.
fn random_traffic<const W: usize, const A: usize>(seed: u64, cycles: u64) -> Coverage {
    let mut bench = Bench::<W, A>::new();
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
    let c = cover;
    assert!(c.pushes > 1000 && c.pops > 1000, "{c:?}");
    assert!(c.push_and_pop > 100, "{c:?}");
    assert!(c.writes_when_full > 20, "{c:?}");
    assert!(c.reads_when_empty > 20, "{c:?}");
    assert!(c.clears_nonempty > 5, "{c:?}");
    assert!(c.full_cycles > 20, "{c:?}");
    assert!(c.write_then_read_next > 20, "{c:?}");
    assert!(c.push_pop_at_one > 5, "{c:?}");
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
    let mut bench = Bench::<8, 4>::new();
    let depth = Bench::<8, 4>::depth();
    // Fill: every write is taken, then more writes are ignored.
    for i in 0..depth + 5 {
        bench.step(Ops {
            write: true,
            data: 0xA0 + i as u64,
            ..Ops::default()
        });
    }
    assert!(bench.dut.full.val());
    assert_eq!(bench.dut.level.val().index(), depth);
    // Drain: the first `depth` values come out in order; nothing written while full.
    let mut out = Vec::new();
    for _ in 0..depth + 3 {
        if !bench.dut.empty.val() {
            out.push(bench.dut.read_data.val().index() as u64);
        }
        bench.step(Ops {
            read: true,
            ..Ops::default()
        });
    }
    let expected: Vec<u64> = (0..depth as u64).map(|i| 0xA0 + i).collect();
    assert_eq!(out, expected);
    assert!(bench.dut.empty.val());
    assert_eq!(bench.dut.level.val().index(), 0usize);
}

#[test]
fn fifo_clear_wins_over_write_and_read() {
    let mut bench = Bench::<8, 2>::new();
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
    assert!(bench.dut.empty.val());
    assert_eq!(bench.dut.level.val().index(), 0usize);
    // Usable at once afterwards.
    bench.step(Ops {
        write: true,
        data: 0x77,
        ..Ops::default()
    });
    assert_eq!(bench.dut.read_data.val().index(), 0x77usize);
}

#[test]
fn fifo_rejects_bad_sizes() {
    assert!(Fifo::<8, 1>::new().is_err());
    assert!(Fifo::<8, 13>::new().is_err());
    assert!(Fifo::<0, 4>::new().is_err());
    assert!(Fifo::<33, 4>::new().is_err());
    assert!(Fifo::<8, 2>::new().is_ok());
    assert!(Fifo::<32, 12>::new().is_ok());
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
