// Properties of the peripheral's FIFO (periph::fifo::Fifo, exported as `fifo_dut`).
//
// The wrapper keeps its own model of the FIFO from the contract alone: the level f_level
// (a push is `write` while the model is not full, a pop is `read` while it is not empty,
// `clear` empties it and wins), and two tracked entries: at a push the solver may choose
// (f_mark) to track the written value, and the next push is tracked too. So the
// solver picks any two consecutively written values.
//
// Properties (asserted in every step):
// - level = pushes - pops since the last clear; full and empty exactly when the level
//   is 2^A and 0.
// - order and no loss: when the first tracked entry is popped it is the value written,
//   and the very next pop gives the second tracked value: nothing between them is lost,
//   nothing is inserted, and they come out in the order they went in.
// - a tracked entry at the head is on `read_data` whenever it is there to be read.
//
// Invariants for induction (also asserted, so each is proven, not assumed): they tie the
// model to the design's state, read through probes the runner connects after flattening
// (pointers, bypass register, the RAM's output register and its words, which the runner
// maps to flip-flops).
module fifo_props #(
    parameter W = 8,
    parameter A = 2
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
    (* keep *) wire [A-1:0] p_wptr, p_rptr;
    (* keep *) wire p_bypass;
    (* keep *) wire [W-1:0] p_bypass_data, p_ram_out;
    (* keep *) wire [W-1:0] p_mem0, p_mem1, p_mem2, p_mem3;
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
        assert(level == f_level);
        assert(full == (f_level == DEPTH));
        assert(empty == (f_level == 0));
        // The tracked entries come out as written, the second right after the first.
        if ((f_state == 1 || f_state == 2) && f_dist == 0) order_first: assert(read_data == f_d1);
        if (f_state == 3 && f_dist == 0) order_second: assert(read_data == f_d2);
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
        // The pointers span the entries held (modulo the depth; the count says which).
        assert(p_wptr - p_rptr == f_level[A-1:0]);
        // The bypass register is used only for a head written in the previous clock,
        // and then it is the only entry.
        if (p_bypass) assert(f_level == 1);
        // The head: the bypass word, else the RAM's output register, which holds the
        // head's word (re-read every clock at the head's address).
        if (f_level != 0 && p_bypass) assert(p_bypass_data == mem_at(p_rptr));
        if (f_level != 0 && !p_bypass) assert(p_ram_out == mem_at(p_rptr));
        // The tracked entries' words in the RAM.
        if (f_state == 1 || f_state == 2) assert(mem_at(p_rptr + f_dist) == f_d1);
        if (f_state == 2) assert(mem_at(p_rptr + f_dist + 1) == f_d2);
        if (f_state == 3) assert(mem_at(p_rptr + f_dist) == f_d2);
    end
`endif

    // ---- Cover: the properties are not vacuous ----
    always @(posedge clock) if (f_past_valid) begin
        cover(f_state == 4);                      // both tracked entries came out
        cover(full);                              // the FIFO fills
        cover(full && write && read);             // a write while full with a read
        cover(f_state == 3 && f_level == DEPTH);  // tracked entry in a full FIFO
        cover($past(p_bypass) && f_state == 2);   // a tracked head written just now
        cover($past(clear) && $past(f_level) == DEPTH);
    end
endmodule
