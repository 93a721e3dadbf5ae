// Formal properties of the exported receiver (`uart_rx`), against a modelled transmitter
// whose bit length the solver chooses.
//
// The transmitter model keeps its bit timing in a phase accumulator: each clock it adds
// `gstep` to `gph`, and a bit ends in the clock where `gph` passes 2^UB (one bit), the
// remainder carried on, so bit edges fall on the clock edges nearest to a sender running
// at gstep / 2^UB bits per clock. The solver picks `gstep` anywhere in SMIN..SMAX for
// each frame (so the rate may change from frame to frame) and where within the first
// clock the start edge fell (`ph0`, below `step`); with SMIN == SMAX == 2^UB / BIT_CLOCKS
// every bit is exactly BIT_CLOCKS clocks. Frames may follow each other back to back
// (the next start bit begins exactly where the last stop bit ends) or after any idle time.
//
// The solver also chooses the value of every data bit, the parity bit and the first stop
// bit (`bit_value`, taken at the start of each bit), so frames with wrong parity, a low
// stop bit and all-low frames (breaks) are all generated. Further stop bits are high. The
// generator waits ARM_CLOCKS after power-up (the receiver arms only after a whole frame
// of idle line) and, after a frame with a low stop bit, one bit time of idle line (the
// receiver waits for a high line before it looks for a start bit again). `ready` is free,
// except that a byte held for HOLD_CLOCKS clocks is then taken (so no frame is lost to
// overrun; see overrun_props.sv). `reset` is low.
//
// Checked:
//   - a byte is presented (valid rises, or stays high right after a handshake) only for a
//     generated frame whose first stop bit has been on the line for MIN_WAIT clocks at
//     least (so the stop bit was sampled), each frame exactly once, in order;
//   - its data are the generated data bits; `parity_error` is high exactly when the parity
//     bit was wrong (and the frame was not a break); `framing_error` exactly when the stop
//     bit was low and the frame was not all low; `break_detected` exactly when everything
//     up to and including the stop bit was low;
//   - every generated frame is presented within MAX_WAIT clocks of the start of its stop
//     bit; `overrun` never rises; `valid` holds its byte until taken.
//
// The sender, the queue and these properties are rx_sender.svh, the invariants
// rx_invariants.svh, both shared with rx_cfg_props.sv (and the invariants with the
// loopback wrappers); this wrapper gives them the configuration's format as constants.
module rx_props #(
    parameter DATA_BITS = 8,
    // 0 none, 1 even, 2 odd, 3 mark, 4 space
    parameter PARITY = 0,
    parameter STOP_BITS = 1,
    parameter ARM_CLOCKS = 100,
    // One bit is 2^UB phase units; gstep is chosen in SMIN..SMAX units per clock.
    parameter UB = 8,
    parameter SMIN = 64,
    parameter SMAX = 64,
    // Clocks of a bit at the slowest rate, rounded up.
    parameter BIT_MAX = 4,
    parameter HOLD_CLOCKS = 4,
    parameter MIN_WAIT = 1,
    parameter MAX_WAIT = 8,
    // The design's sample-tick increment, restart phases and frame length for the
    // invariants (`Timing`: sample.increment, rx_restart_phase, the late restart).
    parameter INC = 32'h80000000,
    parameter RESTART = 32'h40000000,
    parameter RESTART_LATE = 32'h40000000,
    // The most clocks the receiver may see a start edge late: a fast sender's next start
    // edge can come before the receiver's stop decision (0 at exact timing).
    parameter LATE_MAX = 0,
    // 1: assert the invariants below; 0: only the properties.
    parameter INVARIANTS = 1,
    // 1: the sender starts a frame whenever it may (back to back from arming on, and one
    // bit after a low stop bit): a narrower sender, used only where a run looks for a
    // trace (a counterexample, the covers), never in a proof, to make the search shorter.
    parameter EAGER = 0
) (
    input clock,
    input go,
    input bit_value,
    input [UB-1:0] step,
    input [UB-1:0] ph0,
    input ready
);
    localparam PB = (PARITY != 0) ? 1 : 0;
    localparam F = 1 + DATA_BITS + PB + STOP_BITS;
    localparam STOP1 = 1 + DATA_BITS + PB;  // index of the first stop bit
    localparam E = DATA_BITS + 3;           // expected record: {brk, fe, pe, data}
    localparam ARM_W = $clog2(ARM_CLOCKS + 1) + 1;
    localparam WW = $clog2(MAX_WAIT + BIT_MAX + 2) + 2;

    wire [DATA_BITS-1:0] data;
    wire valid, framing_error, parity_error, break_detected, overrun;
    reg line = 1'b1;
    uart_rx dut (
        .clock(clock),
        .reset(1'b0),
        .rx(line),
        .data(data),
        .valid(valid),
        .ready(ready),
        .framing_error(framing_error),
        .parity_error(parity_error),
        .break_detected(break_detected),
        .overrun(overrun)
    );

    // The format: this configuration's constants.
    wire [3:0] m_db = DATA_BITS;
    wire [3:0] o_db = DATA_BITS;
    wire [2:0] m_par = PARITY;
    wire [DATA_BITS-1:0] dmask = {DATA_BITS{1'b1}};

    `include "rx_sender.svh"

    // ---- covers: every kind of frame is reachable (run with smtbmc -c) ----
    // A property about a kind of frame that never happens would hold vacuously.
    reg b2b_frame = 0;  // the current frame started right where the one before it ended
    always @(posedge clock) if (start) b2b_frame <= on;
    always @* begin
        // A good frame, one of each flag, and a frame sent back to back, presented.
        cover (new_byte && !parity_error && !framing_error && !break_detected);
        if (PB) cover (new_byte && parity_error);
        cover (new_byte && framing_error);
        cover (new_byte && break_detected);
        // (owes clear: the byte presented is the current frame's, the one sent back to
        // back; the frame before it was presented too, or a byte would be missing.)
        cover (new_byte && b2b_frame && !framing_error && !owes && !ovl);
        // The transmitter model at the ends of its rate range.
        cover (new_byte && gstep == SMIN);
        cover (new_byte && gstep == SMAX);
    end

    localparam SETTINGS_DELAY = 0;
    `include "rx_invariants.svh"
endmodule
