// Formal properties of the exported run-time configurable transmitter (`uart_tx_cfg`): the
// properties and invariants of tx_props.sv, with the frame format on ports. The solver
// picks `data_bits` (5 to D), `parity` (0 none, 1 even, 2 odd, 3 mark, 4 space) and
// `two_stop_bits`; they may change only between frames: in a clock where `busy` is low and
// no byte is taken (a frame takes the settings of the clock before its handshake, so they
// must hold through the handshake). The increment port is tied to INCREMENT (the formal
// configuration's rate: CL / BD clocks per bit). The model takes the settings of each
// frame from the ports at its handshake (or at the end of a break).
//
// From tx_props.sv:
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
// tx_props.sv; this wrapper gives them the format from the ports and adds the settings
// latch's invariants.
module tx_cfg_props #(
    // The data port's width D (the widest frame); frames carry 5 to D bits.
    parameter DATA_BITS = 8,
    // The increment port's value (fixed).
    parameter INCREMENT = 21'd1048576,
    // 1: a byte may also be taken in the very first clock after power-up.
    parameter FIRST_CLOCK = 0,
    // The covers a run looks for (bit i: the i-th cover below), and 1: a steady sender
    // in that run (`valid` always high, no break, no reset, the settings kept from
    // power-up). A cover run may be split into cheaper ones; the narrower environment is
    // used only for covers, never in a proof.
    parameter COVERS = 5'b11111,
    parameter STEADY = 0,
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
    parameter INVARIANTS = 1
) (
    input clock,
    input reset,
    input [DATA_BITS-1:0] data,
    input valid,
    input break_line,
    input [3:0] data_bits_in,
    input [2:0] parity_in,
    input two_stop_in
);
    wire ready, tx, busy;
    uart_tx_cfg dut (
        .clock(clock),
        .reset(reset),
        .increment(INCREMENT),
        .data_bits(data_bits_in),
        .parity(parity_in),
        .two_stop_bits(two_stop_in),
        .data(data),
        .valid(valid),
        .ready(ready),
        .break_line(break_line),
        .tx(tx),
        .busy(busy)
    );

    // The model's format before its first frame (any valid one: it is not checked until a
    // frame starts and takes the ports').
    localparam [3:0] FORMAT_DB0 = 5;
    localparam [2:0] FORMAT_PAR0 = 0;
    localparam FORMAT_TS0 = 0;
    // The ports a clock and two clocks ago: a frame the model starts now takes db2 / par2 / ts2.
    reg [3:0] db1 = 0, db2 = 0;
    reg [2:0] par1 = 0, par2 = 0;
    reg ts1 = 0, ts2 = 0;
    always @(posedge clock) begin
        db1 <= data_bits_in;
        db2 <= db1;
        par1 <= parity_in;
        par2 <= par1;
        ts1 <= two_stop_in;
        ts2 <= ts1;
    end

    // ---- the settings: valid values, changed only between frames ----
    reg [3:0] dbp = 0;
    reg [2:0] parp = 0;
    reg tsp = 0;
    reg first = 1;
    // `first` one and two clocks ago (the model checks `ready` two clocks late).
    reg first1 = 0, first2 = 0;
    always @(posedge clock) begin
        dbp <= data_bits_in;
        parp <= parity_in;
        tsp <= two_stop_in;
        first <= 1'b0;
        first1 <= first;
        first2 <= first1;
    end
    wire changed = !first && (data_bits_in != dbp || parity_in != parp || two_stop_in != tsp);
    always @* begin
        assume (data_bits_in >= 5 && data_bits_in <= DATA_BITS);
        assume (parity_in <= 4);
        if (changed) assume (!busy && !(valid && ready));
        if (STEADY) assume (!changed);
        // The design never takes a byte in the first clock after power-up (the settings
        // latch loads the ports only at its end; a byte taken then went out with the
        // power-up zeros, a frame of one data bit, until `ready` waited for `loaded`).
        // FIRST_CLOCK = 1 lets the solver offer one there
        // (`formal_tx_cfg_first_clock_handshake`); 0 keeps the old assumption.
        if (first && !FIRST_CLOCK) assume (!(valid && ready));
    end

    // The frame length the design's held settings give.
    (* keep *) wire [3:0] hldb;               // settings.held_last_data_bit: data bits - 1
    (* keep *) wire [3:0] hflags;             // settings.held_flags: {two stop, seed, covers, parity}
    (* keep *) wire ldd;                      // settings.loaded_flag: the ports were taken
    wire [4:0] Fd = 1 + (hldb + 1) + hflags[0] + (hflags[3] ? 2 : 1);

    `include "tx_checks.svh"

    // ---- invariants: the settings latch and the model's format ----
    always @* if (INVARIANTS) begin
        // The model's settings, and the ports' past values it takes them from, are valid.
        assert (m_db >= 5 && m_db <= DATA_BITS && m_par <= 4);
        if (history) assert (db2 >= 5 && db2 <= DATA_BITS && par2 <= 4);
        if (age != 0) assert (db1 >= 5 && db1 <= DATA_BITS && par1 <= 4);
        // The design holds the ports' values of the clock before: they change only
        // between frames, and while not between frames the held values stay.
        if (!first) begin
            assert (hldb == dbp - 1);
            assert (hflags == {tsp, (parp == 2 || parp == 3), (parp == 1 || parp == 2),
                               (parp >= 1 && parp <= 4)});
        end
        assert (first == (age == 0));
        // The latch has taken the ports after the first clock (its flag is set every clock).
        assert (ldd == !first);
        assert (first1 == (age == 1));
        if (first2) assert (age == 2 && !first1);
        // The settings the design holds for a frame or a break are the model's.
        if (tracking && mode != M_IDLE && st2 != S_IDLE && st1 != S_IDLE && st != S_IDLE) begin
            assert (hldb == m_db - 1);
            assert (hflags == {m_ts, (m_par == 2 || m_par == 3), (m_par == 1 || m_par == 2), m_pb});
        end
    end
endmodule
