// Properties of the peripheral's FIFOs, exported as `fifo_dut`: the block RAM FIFO
// (periph::fifo::Fifo), the flip-flop FIFO of 1 or 2 entries (periph::small_fifo::SmallFifo,
// with `FLOPS`), or a build's own FIFO module (periph::sized_fifo::SizedFifo, cut out of the
// build's export; the runner points the probes at the child in use).
//
// The wrapper keeps its own model of the FIFO from the contract alone: the level f_level
// (a push is `write` while the model is not full, a pop is `read` while it is not empty,
// `clear` empties it and wins), and two tracked entries: at a push the solver may choose
// (f_mark) to track the written value, and the next push is tracked too. So the
// solver picks any two consecutively written values.
//
// Properties (asserted in every step; they concern the ports only, so they hold for the
// FIFO wherever it is instantiated):
// - level = pushes - pops since the last clear; full and empty exactly when the level
//   is 2^A and 0.
// - order and no loss: when the first tracked entry is popped it is the value written,
//   and the very next pop gives the second tracked value: nothing between them is lost,
//   nothing is inserted, and they come out in the order they went in.
// - a tracked entry at the head is on `read_data` whenever it is there to be read.
// - a write while full is refused visibly: `full` was high in its clock, and the level
//   and the head are as they were (no entry overwritten); a read while empty changes
//   nothing (`empty` stays high, the level 0). (Implied by the model; stated on the
//   ports because they are the module's promise to the peripheral, which counts a
//   refused write as an overflow.)
//
// Invariants for induction (also asserted, so each is proven, not assumed): they tie the
// model to the design's state, read through probes the runner connects after flattening
// (block RAM: pointers, bypass register, the RAM's output register and its words, which
// the runner maps to flip-flops; flip-flops: the count and the entries).
module fifo_props #(
    parameter W = 8,
    // log2 of the depth: 0 or 1 with FLOPS, else 2 or more.
    parameter A = 2,
    // The block RAM FIFO's pointer width (its type's; the bits above A are constant 0).
    parameter AT = A
) (
    input clock,
    input clear,
    input write,
    input read,
    input [W-1:0] write_data,
    input f_mark
);
    localparam DEPTH = 1 << A;

    wire full, empty;
    wire [W-1:0] read_data;
    wire [15:0] level;

    fifo_dut dut (
        .clock(clock),
        .clear(clear),
        .write(write),
        .write_data(write_data),
        .full(full),
        .read(read),
        .read_data(read_data),
        .empty(empty),
        .level(level)
    );

    // Probes (connected by the runner to the flattened design's nets; kept when unused).
`ifdef FLOPS
    (* keep *) wire [1:0] p_count;
    (* keep *) wire [W-1:0] p_head;
`ifdef FLOPS2
    (* keep *) wire [W-1:0] p_tail;
`endif

    // The entry `i` places behind the head.
    function [W-1:0] entry_at(input [A:0] i);
`ifdef FLOPS2
        entry_at = i == 0 ? p_head : p_tail;
`else
        entry_at = p_head;
`endif
    endfunction
`else
    (* keep *) wire [AT-1:0] p_wptr, p_rptr;
    (* keep *) wire p_bypass;
    (* keep *) wire [W-1:0] p_bypass_data, p_ram_out;
    (* keep *) wire [W-1:0] p_mem0, p_mem1, p_mem2, p_mem3;
`ifdef FIFO8
    (* keep *) wire [W-1:0] p_mem4, p_mem5, p_mem6, p_mem7;
`endif
`ifdef FIFO16
    (* keep *) wire [W-1:0] p_mem4, p_mem5, p_mem6, p_mem7, p_mem8, p_mem9, p_mem10, p_mem11;
    (* keep *) wire [W-1:0] p_mem12, p_mem13, p_mem14, p_mem15;
`endif

    // The word at address `a` of the RAM.
    function [W-1:0] mem_at(input [A-1:0] a);
        case (a)
            0: mem_at = p_mem0;
            1: mem_at = p_mem1;
            2: mem_at = p_mem2;
            3: mem_at = p_mem3;
`ifdef FIFO8
            4: mem_at = p_mem4;
            5: mem_at = p_mem5;
            6: mem_at = p_mem6;
            7: mem_at = p_mem7;
`endif
`ifdef FIFO16
            4: mem_at = p_mem4;
            5: mem_at = p_mem5;
            6: mem_at = p_mem6;
            7: mem_at = p_mem7;
            8: mem_at = p_mem8;
            9: mem_at = p_mem9;
            10: mem_at = p_mem10;
            11: mem_at = p_mem11;
            12: mem_at = p_mem12;
            13: mem_at = p_mem13;
            14: mem_at = p_mem14;
            15: mem_at = p_mem15;
`endif
            default: mem_at = {W{1'b0}};
        endcase
    endfunction
`endif

    reg f_past_valid = 1'b0;
    always @(posedge clock) f_past_valid <= 1'b1;

    // ---- The model ----
    reg [A:0] f_level = 0;
    wire f_push = write && (f_level != DEPTH);
    wire f_pop = read && (f_level != 0);

    // Tracking: 0 none, 1 first in the FIFO (second not yet written), 2 both in the FIFO,
    // 3 first popped and second in the FIFO, 4 both popped.
    reg [2:0] f_state = 0;
    reg [W-1:0] f_d1 = 0, f_d2 = 0;
    // Entries ahead of the first tracked entry (state 1, 2) or the second (state 3).
    reg [A:0] f_dist = 0;

    always @(posedge clock) begin
        if (clear) begin
            f_level <= 0;
            f_state <= 0;
        end else begin
            f_level <= f_level + f_push - f_pop;
            if (f_pop && f_dist != 0) f_dist <= f_dist - 1;
            case (f_state)
                0: if (f_push && f_mark) begin
                    f_state <= 1;
                    f_d1 <= write_data;
                    f_dist <= f_level - f_pop;
                end
                1: begin
                    if (f_push) begin
                        f_state <= 2;
                        f_d2 <= write_data;
                    end
                    // (Popped before the second was written: the order check below
                    // is then about the first alone; tracking ends.)
                    if (f_pop && f_dist == 0) f_state <= f_push ? 3 : 4;
                end
                2: if (f_pop && f_dist == 0) f_state <= 3;
                3: if (f_pop && f_dist == 0) f_state <= 4;
                default: ;
            endcase
        end
    end

    // ---- Properties ----
    always @(*) begin
        level_exact: assert(level == f_level);
        full_exact: assert(full == (f_level == DEPTH));
        empty_exact: assert(empty == (f_level == 0));
        // The tracked entries come out as written, the second right after the first.
        if ((f_state == 1 || f_state == 2) && f_dist == 0) order_first: assert(read_data == f_d1);
        if (f_state == 3 && f_dist == 0) order_second: assert(read_data == f_d2);
    end
    // Refused writes and reads, on the ports alone.
    always @(posedge clock) if (f_past_valid && !$past(clear)) begin
        if ($past(write && full && !read)) begin
            write_when_full: assert(full && level == $past(level) && read_data == $past(read_data));
        end
        if ($past(read && empty && !write)) begin
            read_when_empty: assert(empty && level == 0);
        end
    end
`ifdef WRONG_ORDER
    // Deliberately wrong (negative test): the second tracked entry comes out first.
    always @(*) if (f_state == 2 && f_dist == 0) assert(read_data == f_d2);
`endif

    // ---- Invariants for induction ----
`ifndef NO_INVARIANTS
    always @(*) begin
        // The tracked entries are inside the FIFO, the second right behind the first.
        // (The first, until the second is written, is the last entry.)
        if (f_state == 1) assert(f_dist + 1 == f_level);
        if (f_state == 2) assert(f_dist + 1 < f_level);
        if (f_state == 3) assert(f_dist < f_level);
        // (The second tracked entry is the head once the first is out.)
        if (f_state == 3) assert(f_dist == 0);
        assert(f_level <= DEPTH);
`ifdef FLOPS
        // The count is the level; the entries are a shift register from the head.
        assert(p_count == f_level);
        if (f_state == 1 || f_state == 2) assert(entry_at(f_dist) == f_d1);
        if (f_state == 2) assert(entry_at(f_dist + 1) == f_d2);
        if (f_state == 3) assert(entry_at(f_dist) == f_d2);
`else
        // The pointers' bits above the depth stay 0 (a FIFO smaller than its type).
        assert((p_wptr >> A) == 0);
        assert((p_rptr >> A) == 0);
        // The pointers span the entries held (modulo the depth; the count says which).
        assert(p_wptr[A-1:0] - p_rptr[A-1:0] == f_level[A-1:0]);
        // The bypass register is used only for a head written in the previous clock,
        // and then it is the only entry.
        if (p_bypass) assert(f_level == 1);
        // The head: the bypass word, else the RAM's output register, which holds the
        // head's word (re-read every clock at the head's address).
        if (f_level != 0 && p_bypass) assert(p_bypass_data == mem_at(p_rptr[A-1:0]));
        if (f_level != 0 && !p_bypass) assert(p_ram_out == mem_at(p_rptr[A-1:0]));
        // The tracked entries' words in the RAM.
        if (f_state == 1 || f_state == 2) assert(mem_at(p_rptr[A-1:0] + f_dist) == f_d1);
        if (f_state == 2) assert(mem_at(p_rptr[A-1:0] + f_dist + 1) == f_d2);
        if (f_state == 3) assert(mem_at(p_rptr[A-1:0] + f_dist) == f_d2);
`endif
    end
`endif

    // ---- Cover: the properties are not vacuous ----
    always @(posedge clock) if (f_past_valid) begin
        cover(f_state == 4);                      // both tracked entries came out
        cover(full);                              // the FIFO fills
        cover(full && write && read);             // a write while full with a read
        cover($past(clear) && $past(f_level) == DEPTH);
        cover($past(write && full && !read) && f_state == 1);  // refused, tracked kept
`ifdef FLOPS
`ifdef FLOPS2
        // A tracked entry behind another; a tracked entry written while the only
        // entry leaves (it becomes the head at once).
        cover(f_state == 3 && f_level == DEPTH);
        cover($past(f_pop && f_push && f_level == 1) && f_state == 1);
`endif
`else
        cover(f_state == 3 && f_level == DEPTH);  // tracked entry in a full FIFO
        cover($past(p_bypass) && f_state == 2);   // a tracked head written just now
`endif
    end
endmodule
