// Formal properties of the exported transmitter (`uart_tx`).
//
// A reference model watches the transmitter's inputs and its `ready`/`busy` outputs and
// checks the line `tx` on every clock:
//   - after a handshake (`valid && ready`) in clock c the start bit is on the line from
//     clock c+2 (one clock for the state register, one for the output register);
//   - the frame is start 0, DATA_BITS data bits LSB first, the parity bit, STOP_BITS
//     stop bits 1 (from the model's own parameters, not the design's);
//   - every bit boundary k of a stream (bit edges are counted on from the first start bit
//     after idle, also across back-to-back frames, because the transmitter's phase runs on)
//     lies strictly within TOL/BD clocks of its ideal place k * CL/BD clocks: before the
//     window the line shows the old bit, after it the new one, and inside it the line
//     moves at most once (no glitch);
//   - `ready` is high only while idle (and not breaking) or in the very clock whose tick
//     ends the last stop bit, and that end lies in its window;
//   - `busy` is high exactly while a frame, a break or the mark after a break is on;
//   - `break_line` takes effect when the frame on the line has ended (or at once when idle):
//     the line is low two clocks after `break_line` was high and high two clocks after it
//     fell, then STOP_BITS bit times of mark follow before anything else;
//   - `reset` puts the line high from the next clock on and returns to idle.
// Also: the line is high whenever `busy` is low (stronger than "idle and no recent break").
//
// All inputs are free: the solver picks `reset`, `data`, `valid` and `break_line` on every
// clock. Nothing is assumed.
//
// The model, the properties, the covers and the invariants are tx_checks.svh, shared with
// tx_cfg_props.sv; this wrapper gives them the configuration's format as constants.
module tx_props #(
    parameter DATA_BITS = 8,
    // 0 none, 1 even, 2 odd, 3 mark, 4 space
    parameter PARITY = 0,
    parameter STOP_BITS = 1,
    // Ideal clocks per bit = CL / BD; an edge may be off its ideal place by less than TOL / BD
    // clocks (TOL = BD: less than one clock).
    parameter CL = 16,
    parameter BD = 1,
    parameter TOL = 1,
    // The design's bit-timer restart phase in units of 2^31 / CL (CL must be a power of
    // two so those units are whole: the formal configurations pick such ratios).
    parameter RESTART_UNITS = 1,
    // 1: assert the invariants below (the model describes this design); 0: only the
    // properties (a deliberately different model).
    parameter INVARIANTS = 1,
    // The covers a run looks for (bit i: the i-th cover below), and 1: a steady sender
    // in that run (`valid` always high, no break, no reset). A cover run may be split into
    // cheaper ones; the narrower environment is used only for covers, never in a proof.
    parameter COVERS = 5'b11111,
    parameter STEADY = 0
) (
    input clock,
    input reset,
    input [DATA_BITS-1:0] data,
    input valid,
    input break_line
);
    localparam PB = (PARITY != 0) ? 1 : 0;
    localparam F = 1 + DATA_BITS + PB + STOP_BITS;  // bits per frame

    wire ready, tx, busy;
    uart_tx dut (
        .clock(clock),
        .reset(reset),
        .data(data),
        .valid(valid),
        .ready(ready),
        .break_line(break_line),
        .tx(tx),
        .busy(busy)
    );

    // The format: this configuration's, at power-up and for every frame.
    localparam [3:0] FORMAT_DB0 = DATA_BITS;
    localparam [2:0] FORMAT_PAR0 = PARITY;
    localparam FORMAT_TS0 = (STOP_BITS == 2);
    wire [3:0] db2 = DATA_BITS;
    wire [2:0] par2 = PARITY;
    wire ts2 = (STOP_BITS == 2);
    // No settings latch: `ready` is high from the first clock.
    wire first2 = 1'b0;
    wire [4:0] Fd = F;

    `include "tx_checks.svh"

    always @* if (INVARIANTS) begin
        // The model's format is the configuration's.
        assert (m_db == DATA_BITS && m_par == PARITY && m_ts == (STOP_BITS == 2));
        if (age != 0) begin
            // parity_next is bits_left's comparison a clock behind it; outside a frame
            // the bit timer is held at its restart phase (its increment is a constant).
            assert (pnext == (PB != 0 && bl1 == STOP_BITS + 1));
            if (st1 != S_FRAME) assert (ph == RESTART_UNITS * UNIT);
        end
    end
endmodule
