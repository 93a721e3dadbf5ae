//! The bus adapters (`periph::wishbone`, `periph::axil`) in rust-hdl simulation, driven by
//! bus master models and answered by a model register-port responder.
//!
//! The responder is the peripheral's side of the contract, written from the contract: it
//! keeps 64 registers, applies writes with their byte strobes in the strobe's clock,
//! answers a read in the clock after its strobe (and drives random values in every other
//! clock, so data taken at the wrong time shows), counts reads of word 0 as a side effect
//! (a FIFO pop: each read of it returns the next number), and fails on both strobes in
//! one clock. Every strobe is matched against the master's requests in order (address,
//! data, byte enables): a strobe with no request left fails, and at the end every request
//! must have had its strobe. Every response is matched against the value the responder
//! gave for that read. So "exactly one strobe per request, never speculative" is checked
//! by counting, and the responses by value.

use crate::common::Rng;
use rust_hdl::prelude::*;
use rust_hdl_uart::periph::axil::AxiLiteAdapter;
use rust_hdl_uart::periph::wishbone::WishboneAdapter;
use std::collections::VecDeque;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Req {
    Write { word: u8, data: u32, strb: u8 },
    Read { word: u8 },
}

/// The peripheral side of the register port.
struct Responder {
    regs: [u32; 64],
    pops: u32,
    // Requests the bus accepted and not yet strobed, per kind.
    writes_expected: VecDeque<Req>,
    reads_expected: VecDeque<Req>,
    // Values answered for reads, in order, not yet seen on the bus.
    answers: VecDeque<u32>,
    // `reg_rdata` of the current clock: the answer to the previous clock's read strobe.
    answer_now: Option<u32>,
    answer_next: Option<u32>,
    // The last answer, as the peripheral's read-data register holds it.
    held: u32,
    writes: u64,
    reads: u64,
    rng: Rng,
}

impl Responder {
    fn new(seed: u64) -> Self {
        Responder {
            regs: [0; 64],
            pops: 0,
            writes_expected: VecDeque::new(),
            reads_expected: VecDeque::new(),
            answers: VecDeque::new(),
            answer_now: None,
            answer_next: None,
            held: 0x5A5A_A5A5,
            writes: 0,
            reads: 0,
            rng: Rng::new(seed),
        }
    }

    fn expect(&mut self, req: Req) {
        match req {
            Req::Write { .. } => self.writes_expected.push_back(req),
            Req::Read { .. } => self.reads_expected.push_back(req),
        }
    }

    /// `reg_rdata` for this clock: the answer when the previous clock had a read strobe,
    /// noise otherwise.
    fn rdata(&mut self) -> u32 {
        match self.answer_now {
            Some(v) => v,
            None => self.rng.next() as u32,
        }
    }

    /// `reg_rdata` for this clock as the peripheral drives it: the answer from the clock
    /// after a read strobe until the clock after the next one (the register port's rule,
    /// which the AXI4-Lite adapter relies on to present RDATA without a copy).
    fn rdata_held(&mut self) -> u32 {
        if let Some(v) = self.answer_now {
            self.held = v;
        }
        self.held
    }

    /// The register port in this clock (outputs of the adapter, before the edge).
    fn observe(&mut self, cycle: u64, addr: u8, write: bool, wdata: u32, wstrb: u8, read: bool) {
        assert!(!(write && read), "cycle {cycle}: both strobes in one clock");
        self.answer_next = None;
        if write {
            let req = self.writes_expected.pop_front();
            let got = Req::Write {
                word: addr,
                data: wdata,
                strb: wstrb,
            };
            assert_eq!(
                req,
                Some(got),
                "cycle {cycle}: write strobe without its request"
            );
            let mut mask = 0u32;
            for b in 0..4 {
                if wstrb & (1 << b) != 0 {
                    mask |= 0xFF << (8 * b);
                }
            }
            let r = &mut self.regs[addr as usize];
            *r = (*r & !mask) | (wdata & mask);
            self.writes += 1;
        }
        if read {
            let req = self.reads_expected.pop_front();
            assert_eq!(
                req,
                Some(Req::Read { word: addr }),
                "cycle {cycle}: read strobe without its request"
            );
            let value = if addr == 0 {
                self.pops += 1;
                0x5000_0000 | self.pops
            } else {
                self.regs[addr as usize]
            };
            self.answers.push_back(value);
            self.reads += 1;
            self.answer_next = Some(value);
        }
    }

    /// The rising edge: the read data register takes the answer.
    fn edge(&mut self) {
        self.answer_now = self.answer_next.take();
    }

    fn assert_done(&self) {
        assert!(
            self.writes_expected.is_empty(),
            "writes never strobed: {:?}",
            self.writes_expected
        );
        assert!(
            self.reads_expected.is_empty(),
            "reads never strobed: {:?}",
            self.reads_expected
        );
        assert!(
            self.answers.is_empty(),
            "reads never answered: {:?}",
            self.answers
        );
    }
}

fn random_req(rng: &mut Rng) -> Req {
    // A third of the accesses go to the word with the read side effect.
    let word = if rng.next().is_multiple_of(3) {
        0
    } else {
        (rng.next() % 64) as u8
    };
    if rng.next().is_multiple_of(2) {
        Req::Write {
            word,
            data: rng.next() as u32,
            strb: (rng.next() % 16) as u8,
        }
    } else {
        Req::Read { word }
    }
}

fn settle<B: Block>(dut: &mut B) {
    assert!(simulate(dut, 100), "did not settle");
}

// ---------------------------------------------------------------- Wishbone

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum WbMaster {
    /// Presents a request in any clock, holds it while stalled, does not wait for acks.
    Pipelined,
    /// Holds `stb` from the request until its ack (B3 classic); ignores `stall`.
    Classic,
}

struct WbBench {
    dut: WishboneAdapter,
    resp: Responder,
    cycle: u64,
    acks: u64,
}

/// Bus inputs of one clock.
#[derive(Clone, Copy, Default)]
struct WbIn {
    cyc: bool,
    stb: bool,
    we: bool,
    adr: u8,
    sel: u8,
    dat: u32,
    reset: bool,
}

/// What the bus showed in one clock.
struct WbOut {
    stall: bool,
    ack: bool,
    dat_r: u32,
}

impl WbBench {
    fn new(seed: u64) -> Self {
        let mut dut = WishboneAdapter::new().unwrap();
        dut.connect_all();
        dut.clock.next = false.into();
        settle(&mut dut);
        WbBench {
            dut,
            resp: Responder::new(seed),
            cycle: 0,
            acks: 0,
        }
    }

    /// One clock: inputs, outputs observed (the responder sees the strobes), edge.
    fn step(&mut self, i: WbIn) -> WbOut {
        let d = &mut self.dut;
        d.clock.next = false.into();
        d.wb_cyc.next = i.cyc;
        d.wb_stb.next = i.stb;
        d.wb_we.next = i.we;
        d.wb_adr.next = (i.adr as u64).to_bits();
        d.wb_sel.next = (i.sel as u64).to_bits();
        d.wb_dat_w.next = (i.dat as u64).to_bits();
        d.reset.next = i.reset;
        d.reg_rdata.next = (self.resp.rdata() as u64).to_bits();
        settle(d);
        let out = WbOut {
            stall: d.wb_stall.val(),
            ack: d.wb_ack.val(),
            dat_r: d.wb_dat_r.val().index() as u32,
        };
        self.resp.observe(
            self.cycle,
            d.reg_addr.val().index() as u8,
            d.reg_write.val(),
            d.reg_wdata.val().index() as u32,
            d.reg_wstrb.val().index() as u8,
            d.reg_read.val(),
        );
        if out.ack {
            self.acks += 1;
        }
        d.clock.next = true.into();
        settle(d);
        self.resp.edge();
        self.cycle += 1;
        out
    }
}

fn wb_inputs(req: Req, rng: &mut Rng) -> WbIn {
    // Byte address: the word in [7:2], noise in [1:0] (ignored by the adapter).
    let low = (rng.next() % 4) as u8;
    match req {
        Req::Write { word, data, strb } => WbIn {
            cyc: true,
            stb: true,
            we: true,
            adr: (word << 2) | low,
            sel: strb,
            dat: data,
            reset: false,
        },
        Req::Read { word } => WbIn {
            cyc: true,
            stb: true,
            we: false,
            adr: (word << 2) | low,
            sel: (rng.next() % 16) as u8,
            dat: rng.next() as u32,
            reset: false,
        },
    }
}

/// Runs `count` random requests through a master of `kind`; `gap_percent`: chance of an
/// idle clock between requests. Returns the clocks taken.
fn wb_run(kind: WbMaster, seed: u64, count: usize, gap_percent: u64) -> (WbBench, u64) {
    let mut bench = WbBench::new(seed);
    let mut rng = Rng::new(seed ^ 0xABCD);
    let reqs: Vec<Req> = (0..count).map(|_| random_req(&mut rng)).collect();
    let mut next = 0;
    // Accepted, waiting for their acks, in order.
    let mut outstanding: VecDeque<Req> = VecDeque::new();
    // The request on the bus (held while stalled / until acked).
    let mut presenting: Option<(Req, WbIn)> = None;
    let start = bench.cycle;
    while next < reqs.len() || presenting.is_some() || !outstanding.is_empty() {
        assert!(bench.cycle - start < 10 * count as u64 + 100, "no progress");
        if presenting.is_none() && next < reqs.len() && rng.next() % 100 >= gap_percent {
            let req = reqs[next];
            next += 1;
            if kind == WbMaster::Classic {
                // A classic master's request is one access, however long it is held.
                bench.resp.expect(req);
                outstanding.push_back(req);
            }
            presenting = Some((req, wb_inputs(req, &mut rng)));
        }
        let mut inputs = match presenting {
            Some((_, i)) => i,
            None => WbIn {
                // Pipelined: the cycle stays open while acks are due; garbage on the bus.
                cyc: !outstanding.is_empty(),
                stb: false,
                we: rng.next().is_multiple_of(2),
                adr: rng.next() as u8,
                sel: 0xF,
                dat: rng.next() as u32,
                reset: false,
            },
        };
        if presenting.is_none() && kind == WbMaster::Classic {
            inputs.cyc = false;
        }
        let out = bench.step(inputs);
        if out.ack {
            let req = outstanding.pop_front().unwrap_or_else(|| {
                panic!("cycle {}: ack with no request outstanding", bench.cycle - 1)
            });
            if let Req::Read { .. } = req {
                let want = bench
                    .resp
                    .answers
                    .pop_front()
                    .expect("ack of a read never strobed");
                assert_eq!(out.dat_r, want, "cycle {}: read data", bench.cycle - 1);
            }
            if kind == WbMaster::Classic {
                presenting = None;
            }
        }
        if let Some((req, i)) = presenting {
            if kind == WbMaster::Pipelined && i.stb && !out.stall {
                bench.resp.expect(req);
                outstanding.push_back(req);
                presenting = None;
            }
        }
        if presenting.is_none() && outstanding.is_empty() {
            // Idle: stall must be low so a new request is taken at once.
            assert!(
                !out.stall || out.ack,
                "cycle {}: stalled while idle",
                bench.cycle - 1
            );
        }
    }
    // A few idle clocks: nothing more may happen.
    for _ in 0..5 {
        let out = bench.step(WbIn::default());
        assert!(!out.ack, "ack after the last request");
    }
    bench.resp.assert_done();
    let reads = reqs
        .iter()
        .filter(|r| matches!(r, Req::Read { .. }))
        .count() as u64;
    let pops = reqs
        .iter()
        .filter(|r| matches!(r, Req::Read { word: 0 }))
        .count() as u32;
    assert_eq!(bench.resp.reads, reads, "one read strobe per read");
    assert_eq!(
        bench.resp.writes,
        count as u64 - reads,
        "one write strobe per write"
    );
    assert_eq!(bench.resp.pops, pops, "side-effect reads counted once each");
    assert_eq!(bench.acks, count as u64, "one ack per request");
    let clocks = bench.cycle - start - 5;
    (bench, clocks)
}

#[test]
fn wishbone_pipelined_random_traffic() {
    wb_run(WbMaster::Pipelined, 11, 3000, 30);
}

#[test]
fn wishbone_classic_master_random_traffic() {
    wb_run(WbMaster::Classic, 12, 3000, 30);
}

#[test]
fn wishbone_back_to_back_requests_take_two_clocks_per_write_three_per_read() {
    let (bench, clocks) = wb_run(WbMaster::Pipelined, 13, 1000, 0);
    let reads = bench.resp.reads;
    let writes = bench.resp.writes;
    // Every stall is honoured and the adapter takes the next request as soon as it can:
    // the run lasts exactly the documented clocks per access.
    assert_eq!(
        clocks,
        2 * writes + 3 * reads,
        "writes {writes} reads {reads}"
    );
}

#[test]
fn wishbone_abandoned_read_is_strobed_once_and_never_acked() {
    let mut bench = WbBench::new(14);
    let mut rng = Rng::new(1);
    let read = Req::Read { word: 0 };
    bench.resp.expect(read);
    let out = bench.step(wb_inputs(read, &mut rng));
    assert!(!out.stall);
    // The master gives up the cycle at once.
    for _ in 0..6 {
        let out = bench.step(WbIn::default());
        assert!(!out.ack, "ack after the cycle ended");
    }
    assert_eq!(bench.resp.reads, 1);
    assert_eq!(bench.resp.pops, 1);
    bench.resp.answers.clear();
    // The next request works normally.
    let write = Req::Write {
        word: 3,
        data: 0x1234_5678,
        strb: 0xF,
    };
    bench.resp.expect(write);
    let out = bench.step(wb_inputs(write, &mut rng));
    assert!(!out.stall);
    let out = bench.step(WbIn {
        cyc: true,
        ..WbIn::default()
    });
    assert!(out.ack);
    assert_eq!(bench.resp.regs[3], 0x1234_5678);
    bench.resp.assert_done();
}

#[test]
fn wishbone_reset_abandons_a_request() {
    let mut bench = WbBench::new(15);
    let mut rng = Rng::new(2);
    // Accepted in the clock that resets: no strobe, no ack.
    let mut i = wb_inputs(Req::Read { word: 5 }, &mut rng);
    i.reset = true;
    bench.step(i);
    for _ in 0..4 {
        let out = bench.step(WbIn {
            cyc: true,
            ..WbIn::default()
        });
        assert!(!out.ack && !out.stall);
    }
    assert_eq!(bench.resp.reads, 0);
}

// ---------------------------------------------------------------- AXI4-Lite

struct AxiBench {
    dut: AxiLiteAdapter,
    resp: Responder,
    cycle: u64,
}

#[derive(Clone, Copy, Default, Debug)]
struct AxiIn {
    awvalid: bool,
    awaddr: u8,
    wvalid: bool,
    wdata: u32,
    wstrb: u8,
    bready: bool,
    arvalid: bool,
    araddr: u8,
    rready: bool,
    reset: bool,
}

#[derive(Clone, Copy, Debug)]
struct AxiOut {
    awready: bool,
    wready: bool,
    bvalid: bool,
    bresp: u8,
    arready: bool,
    rvalid: bool,
    rdata: u32,
    rresp: u8,
}

impl AxiBench {
    fn new(seed: u64) -> Self {
        let mut dut = AxiLiteAdapter::new().unwrap();
        dut.connect_all();
        dut.clock.next = false.into();
        settle(&mut dut);
        AxiBench {
            dut,
            resp: Responder::new(seed),
            cycle: 0,
        }
    }

    fn step(&mut self, i: AxiIn) -> AxiOut {
        let d = &mut self.dut;
        d.clock.next = false.into();
        d.reset.next = i.reset;
        d.s_axil_awvalid.next = i.awvalid;
        d.s_axil_awaddr.next = (i.awaddr as u64).to_bits();
        d.s_axil_wvalid.next = i.wvalid;
        d.s_axil_wdata.next = (i.wdata as u64).to_bits();
        d.s_axil_wstrb.next = (i.wstrb as u64).to_bits();
        d.s_axil_bready.next = i.bready;
        d.s_axil_arvalid.next = i.arvalid;
        d.s_axil_araddr.next = (i.araddr as u64).to_bits();
        d.s_axil_rready.next = i.rready;
        d.reg_rdata.next = (self.resp.rdata_held() as u64).to_bits();
        settle(d);
        let out = AxiOut {
            awready: d.s_axil_awready.val(),
            wready: d.s_axil_wready.val(),
            bvalid: d.s_axil_bvalid.val(),
            bresp: d.s_axil_bresp.val().index() as u8,
            arready: d.s_axil_arready.val(),
            rvalid: d.s_axil_rvalid.val(),
            rdata: d.s_axil_rdata.val().index() as u32,
            rresp: d.s_axil_rresp.val().index() as u8,
        };
        self.resp.observe(
            self.cycle,
            d.reg_addr.val().index() as u8,
            d.reg_write.val(),
            d.reg_wdata.val().index() as u32,
            d.reg_wstrb.val().index() as u8,
            d.reg_read.val(),
        );
        d.clock.next = true.into();
        settle(d);
        self.resp.edge();
        self.cycle += 1;
        out
    }
}

/// How an AXI master model behaves.
#[derive(Clone, Copy)]
struct AxiStyle {
    /// Clocks W waits after AW is raised (negative: AW waits after W), per write: drawn
    /// from this range.
    skew: (i64, i64),
    /// Chance (%) that a channel with something to send raises VALID in a clock.
    valid_percent: u64,
    /// Chance (%) that BREADY / RREADY is high in a clock.
    ready_percent: u64,
}

/// A master with independent AW, W, B, AR, R channels running `writes` and `reads`
/// through the adapter, checking every AXI rule the slave must keep and every response.
fn axi_run(seed: u64, writes: usize, reads: usize, style: AxiStyle) -> AxiBench {
    let mut bench = AxiBench::new(seed);
    let mut rng = Rng::new(seed ^ 0x5A5A);
    let wr: Vec<Req> = (0..writes)
        .map(|_| loop {
            if let r @ Req::Write { .. } = random_req(&mut rng) {
                break r;
            }
        })
        .collect();
    let rd: Vec<Req> = (0..reads)
        .map(|_| loop {
            if let r @ Req::Read { .. } = random_req(&mut rng) {
                break r;
            }
        })
        .collect();
    let (mut aw_i, mut w_i, mut ar_i) = (0usize, 0usize, 0usize);
    let (mut b_count, mut r_count) = (0usize, 0usize);
    // The clock from which each channel may raise VALID for its current item.
    let (mut aw_from, mut w_from) = (0u64, 0u64);
    let mut skew_set_for = usize::MAX;
    let (mut awvalid, mut wvalid, mut arvalid) = (false, false, false);
    let mut addr_low = [0u8; 2];
    let mut last: Option<(AxiIn, AxiOut)> = None;
    let limit = 40 * (writes + reads) as u64 + 200;
    while b_count < writes || r_count < reads {
        assert!(bench.cycle < limit, "no progress: {b_count} B, {r_count} R");
        let now = bench.cycle;
        if aw_i < writes && skew_set_for != aw_i.max(w_i) && aw_i == w_i {
            // A new write: choose which channel goes first and by how much.
            let span = (style.skew.1 - style.skew.0 + 1) as u64;
            let skew = style.skew.0 + (rng.next() % span) as i64;
            aw_from = now + (-skew).max(0) as u64;
            w_from = now + skew.max(0) as u64;
            skew_set_for = aw_i;
        }
        // VALIDs: once up, held until the handshake (the master's AXI rule).
        if !awvalid && aw_i < writes && now >= aw_from && rng.next() % 100 < style.valid_percent {
            awvalid = true;
            addr_low[0] = (rng.next() % 4) as u8;
        }
        if !wvalid && w_i < writes && now >= w_from && rng.next() % 100 < style.valid_percent {
            wvalid = true;
        }
        if !arvalid && ar_i < reads && rng.next() % 100 < style.valid_percent {
            arvalid = true;
            addr_low[1] = (rng.next() % 4) as u8;
        }
        let mut i = AxiIn {
            bready: rng.next() % 100 < style.ready_percent,
            rready: rng.next() % 100 < style.ready_percent,
            ..AxiIn::default()
        };
        if awvalid {
            if let Req::Write { word, .. } = wr[aw_i] {
                i.awvalid = true;
                i.awaddr = (word << 2) | addr_low[0];
            }
        } else {
            i.awaddr = rng.next() as u8;
        }
        if wvalid {
            if let Req::Write { data, strb, .. } = wr[w_i] {
                i.wvalid = true;
                i.wdata = data;
                i.wstrb = strb;
            }
        } else {
            i.wdata = rng.next() as u32;
        }
        if arvalid {
            if let Req::Read { word } = rd[ar_i] {
                i.arvalid = true;
                i.araddr = (word << 2) | addr_low[1];
            }
        } else {
            i.araddr = rng.next() as u8;
        }
        let o = bench.step(i);
        let c = bench.cycle - 1;

        // The slave's AXI rules: VALID held until READY, payload stable meanwhile.
        if let Some((pi, po)) = last {
            if po.bvalid && !pi.bready {
                assert!(o.bvalid, "cycle {c}: BVALID dropped before BREADY");
                assert_eq!(o.bresp, po.bresp, "cycle {c}: BRESP changed");
            }
            if po.rvalid && !pi.rready {
                assert!(o.rvalid, "cycle {c}: RVALID dropped before RREADY");
                assert_eq!(o.rdata, po.rdata, "cycle {c}: RDATA changed while waiting");
            }
        }
        assert_eq!(
            o.awready, o.wready,
            "cycle {c}: AWREADY and WREADY together"
        );

        // Handshakes.
        if i.awvalid && o.awready {
            awvalid = false;
            aw_i += 1;
        }
        if i.wvalid && o.wready {
            wvalid = false;
            w_i += 1;
        }
        if i.awvalid && o.awready || i.wvalid && o.wready {
            // The adapter takes the two together, so both counts move in step.
            assert_eq!(aw_i, w_i, "cycle {c}: AW and W handshakes apart");
            bench.resp.expect(wr[aw_i - 1]);
        }
        if i.arvalid && o.arready {
            arvalid = false;
            bench.resp.expect(rd[ar_i]);
            ar_i += 1;
        }
        if o.bvalid && i.bready {
            assert_eq!(o.bresp, 0, "BRESP OKAY");
            b_count += 1;
            assert!(b_count <= aw_i, "cycle {c}: B response with no write");
            assert!(
                b_count as u64 <= bench.resp.writes,
                "cycle {c}: B response before the write strobe"
            );
        }
        if o.rvalid && i.rready {
            assert_eq!(o.rresp, 0, "RRESP OKAY");
            r_count += 1;
            assert!(r_count <= ar_i, "cycle {c}: R response with no read");
            let want = bench
                .resp
                .answers
                .pop_front()
                .expect("R before the read strobe");
            assert_eq!(o.rdata, want, "cycle {c}: read data");
        }
        last = Some((i, o));
    }
    // Idle with every READY high: no response may follow.
    for _ in 0..8 {
        let o = bench.step(AxiIn {
            bready: true,
            rready: true,
            ..AxiIn::default()
        });
        assert!(!o.bvalid && !o.rvalid, "response without a request");
    }
    bench.resp.assert_done();
    assert_eq!(bench.resp.writes, writes as u64);
    assert_eq!(bench.resp.reads, reads as u64);
    let pops = rd
        .iter()
        .filter(|r| matches!(r, Req::Read { word: 0 }))
        .count() as u32;
    assert_eq!(bench.resp.pops, pops, "side-effect reads counted once each");
    bench
}

#[test]
fn axil_random_traffic_with_backpressure() {
    axi_run(
        21,
        1500,
        1500,
        AxiStyle {
            skew: (-4, 4),
            valid_percent: 50,
            ready_percent: 40,
        },
    );
}

#[test]
fn axil_address_before_data() {
    axi_run(
        22,
        300,
        0,
        AxiStyle {
            skew: (3, 6),
            valid_percent: 100,
            ready_percent: 100,
        },
    );
}

#[test]
fn axil_data_before_address() {
    axi_run(
        23,
        300,
        0,
        AxiStyle {
            skew: (-6, -3),
            valid_percent: 100,
            ready_percent: 100,
        },
    );
}

#[test]
fn axil_address_and_data_together() {
    axi_run(
        24,
        300,
        300,
        AxiStyle {
            skew: (0, 0),
            valid_percent: 100,
            ready_percent: 100,
        },
    );
}

#[test]
fn axil_ready_held_low_keeps_responses_waiting() {
    axi_run(
        25,
        300,
        300,
        AxiStyle {
            skew: (-2, 2),
            valid_percent: 100,
            ready_percent: 5,
        },
    );
}

/// A write and a read raised in the same clock, again and again: both go through, the
/// strobes never share a clock (the responder checks), and the read waits one clock.
#[test]
fn axil_simultaneous_read_and_write() {
    let mut bench = AxiBench::new(26);
    for n in 0..20u32 {
        let write = Req::Write {
            word: 4,
            data: n,
            strb: 0xF,
        };
        let read = Req::Read { word: 0 };
        let start = bench.cycle;
        let (mut w_at, mut r_at, mut b_done, mut r_resp) = (None, None, false, false);
        for _ in 0..12 {
            let i = AxiIn {
                awvalid: w_at.is_none(),
                awaddr: 4 << 2,
                wvalid: w_at.is_none(),
                wdata: n,
                wstrb: 0xF,
                bready: true,
                arvalid: r_at.is_none(),
                araddr: 0,
                rready: true,
                reset: false,
            };
            let o = bench.step(i);
            if i.awvalid && o.awready {
                w_at = Some(bench.cycle - 1 - start);
                bench.resp.expect(write);
            }
            if i.arvalid && o.arready {
                r_at = Some(bench.cycle - 1 - start);
                bench.resp.expect(read);
            }
            if o.bvalid {
                b_done = true;
            }
            if o.rvalid {
                assert_eq!(Some(o.rdata), bench.resp.answers.pop_front());
                r_resp = true;
            }
        }
        assert_eq!(
            (w_at, r_at),
            (Some(1), Some(2)),
            "round {n}: handshake clocks"
        );
        assert!(b_done && r_resp, "round {n}");
    }
    bench.resp.assert_done();
    assert_eq!(bench.resp.pops, 20);
    assert_eq!(bench.resp.regs[4], 19);
}

#[test]
fn axil_reset_abandons_everything() {
    let mut bench = AxiBench::new(27);
    let i = AxiIn {
        awvalid: true,
        wvalid: true,
        arvalid: true,
        ..AxiIn::default()
    };
    bench.step(i);
    // Reset while both are starting: no strobe, no response afterwards.
    bench.step(AxiIn {
        reset: true,
        ..AxiIn::default()
    });
    for _ in 0..8 {
        let o = bench.step(AxiIn {
            bready: true,
            rready: true,
            ..AxiIn::default()
        });
        assert!(!o.bvalid && !o.rvalid && !o.awready && !o.arready);
    }
    assert_eq!(bench.resp.reads + bench.resp.writes, 0);
}

/// The adapters are small: yosys synth_ice40 cell counts of each alone (every port on
/// a pin, so nothing is trimmed; in the exports unused write-data bits go away).
#[cfg(feature = "external-tools")]
#[test]
fn adapters_synthesise_small() {
    use rust_hdl_uart::sim::formal_periph::{block_verilog, ice40_cells};
    let dir = std::env::temp_dir().join(format!("adapter-synth-{}", std::process::id()));
    let limit = std::time::Duration::from_secs(1800);
    let wb = ice40_cells(
        &block_verilog(&mut WishboneAdapter::new().unwrap(), "wb_adapter").unwrap(),
        "wb_adapter",
        &dir,
        limit,
    )
    .unwrap();
    eprintln!("wishbone adapter: {wb}");
    let axi = ice40_cells(
        &block_verilog(&mut AxiLiteAdapter::new().unwrap(), "axil_adapter").unwrap(),
        "axil_adapter",
        &dir,
        limit,
    )
    .unwrap();
    eprintln!("axi4-lite adapter: {axi}");
    // Registers: 6 address + 32 data + 4 strobes, plus the control flags (4 for
    // Wishbone, 8 for AXI; neither copies the read data). Logic: a handful of LUTs.
    assert_eq!(wb.flip_flops(), 46, "{wb}");
    assert!(wb.luts() <= 10, "{wb}");
    assert_eq!(axi.flip_flops(), 42 + 8, "{axi}");
    assert!(axi.luts() <= 25, "{axi}");
    let _ = std::fs::remove_dir_all(&dir);
}
