// Formal properties of the exported run-time configurable receiver (`uart_rx_cfg`): the
// properties and invariants of rx_props.sv, with the frame format on ports.
//
// The solver picks, for each frame, the data bits (5 to DATA_BITS, the data port's
// width), the parity (0 none, 1 even, 2 odd, 3 mark, 4 space) and the stop bits (1 or 2;
// the receiver checks only the first) on the settings ports; the modelled sender sends
// that frame with the ports' values in the clock it starts. The ports are always valid,
// constant until the receiver may be armed (Resync counts a whole frame of the ports'
// format), and equal to the frame's format from its start until the receiver has seen
// its start edge (3 clocks after it reaches the line: the synchroniser and the edge
// register; the receiver takes the ports up to that clock). At every other time, between
// frames and in the middle of a frame, they are free: the frame in flight must still be
// received with the format it was sent with (the core's claim, src/rx.rs and
// src/settings.rs: settings are held from the clock the receiver sees the start edge to
// the frame's end). The increment port is tied to INCREMENT (the formal configuration's
// rate).
//
// The bytes' data bits above the frame's data bits are 0.
//
// From rx_props.sv:
//
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
module rx_cfg_props #(
    // The data port's width (the widest frame).
    parameter DATA_BITS = 8,
    // The increment port's value (fixed).
    parameter INCREMENT = 21'd1048576,
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
    // 1: the sender starts a frame whenever it may (see rx_props.sv): only for the covers.
    parameter EAGER = 0,
    // The clocks after a start edge during which the ports must still carry the frame's
    // format: 3 (the receiver sees the edge 3 clocks after it reaches the line). Less
    // only in the test showing that window is needed.
    parameter TAKEN_BY = 3
) (
    input clock,
    input go,
    input bit_value,
    input [UB-1:0] step,
    input [UB-1:0] ph0,
    input ready,
    input [3:0] data_bits_in,
    input [2:0] parity_in,
    input two_stop_in
);
    // The format of the frame on the line (or the last one), taken from the ports when it
    // starts; before the first frame, the ports' power-up values (free, then constant
    // until armed). The frame before it, for a frame the receiver is still finishing.
    reg [3:0] m_db;
    reg [2:0] m_par;
    reg m_ts;
    reg [3:0] o_db = 5;
    reg [2:0] o_par = 0;
    wire PB = (m_par >= 1 && m_par <= 4);
    wire [4:0] F = 1 + m_db + PB + (m_ts ? 2 : 1);
    wire [4:0] STOP1 = 1 + m_db + PB;  // index of the first stop bit
    wire [DATA_BITS-1:0] dmask = ~({DATA_BITS{1'b1}} << m_db);
    localparam E = DATA_BITS + 3;           // expected record: {brk, fe, pe, data}
    localparam ARM_W = $clog2(ARM_CLOCKS + 1) + 1;
    localparam WW = $clog2(MAX_WAIT + BIT_MAX + 2) + 2;

    wire [DATA_BITS-1:0] data;
    wire valid, framing_error, parity_error, break_detected, overrun;
    reg line = 1'b1;
    uart_rx_cfg dut (
        .clock(clock),
        .reset(1'b0),
        .rx(line),
        .increment(INCREMENT),
        .data_bits(data_bits_in),
        .parity(parity_in),
        .two_stop_bits(two_stop_in),
        .data(data),
        .valid(valid),
        .ready(ready),
        .framing_error(framing_error),
        .parity_error(parity_error),
        .break_detected(break_detected),
        .overrun(overrun)
    );

    `include "rx_sender.svh"

    // Each frame takes its format from the ports in the clock it starts; the frame before
    // it is remembered for a receiver still finishing that one.
    always @(posedge clock)
        if (start) begin
            m_db <= data_bits_in;
            m_par <= parity_in;
            m_ts <= two_stop_in;
            o_db <= m_db;
            o_par <= m_par;
        end

    // ---- covers: every kind of frame is reachable (run with smtbmc -c) ----
    // A property about a kind of frame that never happens would hold vacuously.
    reg b2b_frame = 0;  // the current frame started right where the one before it ended
    always @(posedge clock) if (start) b2b_frame <= on;
    // The ports differed from the current frame's format while it was on the line.
    reg changed_in_frame = 0;
    always @(posedge clock)
        if (start) changed_in_frame <= 1'b0;
        else if (on && (data_bits_in != m_db || parity_in != m_par || two_stop_in != m_ts))
            changed_in_frame <= 1'b1;
    always @* begin
        // A good frame, one of each flag, and a frame sent back to back, presented.
        cover (new_byte && !parity_error && !framing_error && !break_detected);
        if (PB) cover (new_byte && parity_error);
        cover (new_byte && framing_error);
        cover (new_byte && break_detected);
        // (owes clear: the byte presented is the current frame's, the one sent back to
        // back; the frame before it was presented too, or a byte would be missing.)
        cover (new_byte && b2b_frame && !framing_error && !owes && !ovl);
        // The narrowest and the widest frame, and one whose format changed on the ports
        // while it was on the line (after the receiver had taken it).
        cover (new_byte && !owes && !ovl && m_db == 5);
        cover (new_byte && !owes && !ovl && m_db == DATA_BITS && m_ts);
        cover (new_byte && !owes && !ovl && changed_in_frame);
    end

    // The format of the frame on the line is m_db / m_par (PB, F, STOP1 above); the frame
    // before it, which the receiver may still be finishing, had o_db data bits.
    localparam SETTINGS_DELAY = 1;
    `include "rx_invariants.svh"

    // ---- the settings ports ----
    always @* begin
        // Valid settings; constant until armed; the frame's own from its start until the
        // receiver has seen its start edge (and so taken them). Free at every other time.
        assume (data_bits_in >= 5 && data_bits_in <= DATA_BITS);
        assume (parity_in <= 4);
        if (!armed || (on && gclk < TAKEN_BY))
            assume (data_bits_in == m_db && parity_in == m_par && two_stop_in == m_ts);
    end

    // ---- invariants: the settings latch against the model's formats ----
    // The latch follows the ports while the receiver is between frames and holds from the
    // clock it leaves Idle; the ports equal the frame's format until then (assumed), so in
    // a frame it holds that frame's format, and while it finishes the frame before (ovl)
    // that one's. Before the first frame it holds the ports' constant power-up values.
    (* keep *) wire [3:0] hldb;    // dut.settings.held_last_data_bit: data_bits - 1
    (* keep *) wire [3:0] hflags;  // held_flags: {two_stop, seed, covers, enabled}
    (* keep *) wire [31:0] hinc;   // held_sample_increment
    function [2:0] flags_of(input [2:0] par);
        case (par)
            1: flags_of = 3'b011;
            2: flags_of = 3'b111;
            3: flags_of = 3'b101;
            4: flags_of = 3'b001;
            default: flags_of = 3'b000;
        endcase
    endfunction
    always @* if (INVARIANTS) begin
        assert (m_db >= 5 && m_db <= DATA_BITS && m_par <= 4);
        assert (o_db >= 5 && o_db <= DATA_BITS && o_par <= 4);
        if (cyc >= 1) assert (hinc == INC);
        if (cyc >= 1 && (!armed || (rx_in_frame && !ovl))) begin
            assert (hldb == m_db - 1);
            assert (hflags[2:0] == flags_of(m_par));
        end
        if (ovl) begin
            assert (hldb == o_db - 1);
            assert (hflags[2:0] == flags_of(o_par));
        end
    end
endmodule
