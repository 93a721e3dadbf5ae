// Formal properties of the exported run-time configurable UART (`uart_cfg`) with its `tx`
// wired to its `rx`, proven for every depth by k-induction.
//
// The frame format on the ports is the solver's choice (data bits 5 to DATA_BITS, any of
// the five parities, 1 or 2 stop bits), always valid, constant until the receiver may be
// armed, and after that changed only while the loop is quiet: `tx_busy` low for QUIET
// clocks (so the receiver has finished the last frame too) and no byte handed over in that
// clock. Both directions share one settings latch, which follows the ports only while both
// are between frames, so such a change applies to both ends from the next frame on. The
// increment port is tied to INCREMENT. The solver sends bytes (`tx_valid`, `tx_data` free
// on every clock) from ARM_CLOCKS after power-up on (the receiver arms only after a whole
// frame of idle line in the longest format); `rx_ready` is free, except that a byte held
// for HOLD_CLOCKS clocks is then taken. `reset` and `tx_break_line` are low.
//
// A reference model of the line (the sender of rx_cfg_props.sv at its exact rate, with the
// byte of each handshake in place of solver-chosen bits and the parity computed from it)
// starts a frame in the clock after each handshake (`tx_valid && tx_ready`), in the ports'
// format of that clock (the handshake's: they cannot change while the transmitter is
// busy), so its start bit is on the line two clocks after the handshake, and sends start,
// the format's data bits LSB first, its parity bit, and its stop bits, each exactly
// BIT_CLOCKS clocks.
//
// Checked:
//   - the transmitter's line is the model's line on every clock (so the frame on the line
//     is the byte handed over in the ports' format, in order, and back-to-back frames
//     follow without a gap);
//   - every frame on the line is presented by the receiver exactly once, in order, with
//     the handed-over byte's data bits (the bits above them read 0) and no parity, framing
//     or break flag, no earlier than MIN_WAIT clocks after its stop bit began and within
//     MAX_WAIT clocks of that; nothing else is presented; `overrun` never rises; a held
//     byte does not change.
//
// Configuration: a whole number of clocks per bit with the transmitter's bit timer
// restarting at one increment (formal.rs checks it). The line model, the properties, the
// covers and the invariants are loopback_checks.svh, shared with loopback_props.sv; this
// wrapper adds the format on the ports, the rule for changing it, and the settings latch's
// invariants.
module loopback_cfg_props #(
    // The data ports' width (the widest frame).
    parameter DATA_BITS = 6,
    // The increment port's value (fixed).
    parameter INCREMENT = 21'd1048576,
    parameter ARM_CLOCKS = 100,
    // The model's bit time: one bit is 2^UB phase units, SMIN per clock (SMIN == SMAX).
    parameter UB = 10,
    parameter SMIN = 256,
    parameter SMAX = 256,
    parameter BIT_MAX = 4,
    parameter HOLD_CLOCKS = 4,
    parameter MIN_WAIT = 1,
    parameter MAX_WAIT = 8,
    // The receiver's timing (see rx_props.sv).
    parameter INC = 32'h80000000,
    parameter RESTART = 32'h40000000,
    parameter RESTART_LATE = 32'h40000000,
    parameter LATE_MAX = 0,
    // The transmitter's bit-timer increment (its restart phase is one increment).
    parameter TX_INC = 32'h20000000,
    parameter INVARIANTS = 1,
    // Clocks of `tx_busy` low before the format may change.
    parameter QUIET = 8,
    // Narrower environments, only for the covers: 1: the sender offers a byte on every
    // clock from ARM_CLOCKS on (a continuous stream); 2: it offers one at once, then
    // none until the loop is quiet, then one on every clock (a frame, a pause in which the
    // format may change, a stream).
    parameter STREAM = 0
) (
    input clock,
    input [DATA_BITS-1:0] tx_data,
    input tx_valid,
    input ready,
    input [3:0] data_bits_in,
    input [2:0] parity_in,
    input two_stop_in
);
    // The format of the frame on the line (or the last one), taken from the ports when it
    // starts; before the first frame, the ports' power-up values. The frame before it, for
    // a receiver still finishing that one. The format a frame starting now takes: the
    // ports' (equal to the handshake clock's, the clock before).
    reg [3:0] m_db;
    reg [2:0] m_par;
    reg m_ts;
    reg [3:0] o_db = 5;
    wire [3:0] n_db = data_bits_in;
    wire [2:0] n_par = parity_in;
    wire n_ts = two_stop_in;
    wire PB = (m_par != 0);
    wire [4:0] F = 1 + m_db + PB + (m_ts ? 2 : 1);
    wire [4:0] STOP1 = 1 + m_db + PB;  // index of the first stop bit
    wire [DATA_BITS-1:0] dmask = ~({DATA_BITS{1'b1}} << m_db);

    wire tx;
    wire [DATA_BITS-1:0] data;
    wire valid, framing_error, parity_error, break_detected, overrun, tx_ready, tx_busy;
    uart_cfg dut (
        .clock(clock),
        .reset(1'b0),
        .increment(INCREMENT),
        .data_bits(data_bits_in),
        .parity(parity_in),
        .two_stop_bits(two_stop_in),
        .rx(tx),
        .tx(tx),
        .rx_data(data),
        .rx_valid(valid),
        .rx_ready(ready),
        .rx_framing_error(framing_error),
        .rx_parity_error(parity_error),
        .rx_break(break_detected),
        .rx_overrun(overrun),
        .tx_data(tx_data),
        .tx_valid(tx_valid),
        .tx_ready(tx_ready),
        .tx_break_line(1'b0),
        .tx_busy(tx_busy)
    );

    localparam SETTINGS_DELAY = 1;
    `include "loopback_checks.svh"

    always @(posedge clock)
        if (start) begin
            m_db <= n_db;
            m_par <= n_par;
            m_ts <= n_ts;
            o_db <= m_db;
        end

    // ---- the settings ports: valid, constant until armed, changed only while quiet ----
    reg [3:0] dbp = 0;
    reg [2:0] parp = 0;
    reg tsp = 0;
    reg [WW-1:0] quiet_n = 0;  // clocks since `tx_busy` was last high, saturating
    reg sent_one = 0;          // a byte has been handed over (for STREAM = 2)
    always @(posedge clock) begin
        dbp <= data_bits_in;
        parp <= parity_in;
        tsp <= two_stop_in;
        quiet_n <= tx_busy ? 0 : ((quiet_n != {WW{1'b1}}) ? quiet_n + 1 : quiet_n);
        if (tx_valid && tx_ready) sent_one <= 1'b1;
    end
    wire quiet = !tx_busy && quiet_n >= QUIET;
    wire changed = (cyc != 0) && (data_bits_in != dbp || parity_in != parp || two_stop_in != tsp);
    always @* begin
        assume (data_bits_in >= 5 && data_bits_in <= DATA_BITS && parity_in <= 4);
        if (!armed) assume (data_bits_in == m_db && parity_in == m_par && two_stop_in == m_ts);
        if (changed) assume (armed && quiet && !(tx_valid && tx_ready));
        if (STREAM == 2 && armed) assume (tx_valid == (!sent_one || quiet_n > QUIET));
    end

    // Bytes looped back in the narrowest and in the widest format; one in a format set
    // after the first frame.
    reg seen_change = 0;
    reg frame_after_change = 0;
    always @(posedge clock) begin
        if (changed) seen_change <= 1'b1;
        if (start) frame_after_change <= seen_change || changed;
    end
    always @* begin
        if (STREAM != 2) begin
            cover (new_byte && m_db == 5 && !PB && !m_ts);
            cover (new_byte && m_db == DATA_BITS && PB && m_ts);
        end else begin
            cover (new_byte && frame_after_change && !owes && !ovl);
        end
    end

    // ---- invariants: the settings latch and the format ----
    // The latch follows the ports whenever both directions are between frames; the ports
    // change only then (quiet: the transmitter idle and, below, the receiver done), so the
    // latch always holds the ports' values of the clock before (power-up zeros in clock 0).
    // While a frame is on the line the ports are its format (the transmitter is busy).
    (* keep *) wire [3:0] hldb;    // dut.settings.held_last_data_bit: data_bits - 1
    (* keep *) wire [3:0] hflags;  // held_flags: {two_stop, seed, covers, enabled}
    (* keep *) wire [31:0] hinc;   // held_sample_increment
    (* keep *) wire ldd;           // loaded_flag
    wire seed_p = (parp == 2 || parp == 3);
    wire covers_p = (parp == 1 || parp == 2);
    always @* if (INVARIANTS) begin
        assert (m_db >= 5 && m_db <= DATA_BITS && m_par <= 4);
        assert (o_db >= 5 && o_db <= DATA_BITS);
        if (cyc == 0) begin
            assert (hldb == 0 && hflags == 0 && hinc == 0 && !ldd);
        end else begin
            assert (dbp >= 5 && dbp <= DATA_BITS && parp <= 4);
            assert (hldb == dbp - 1);
            assert (hflags == {tsp, seed_p, covers_p, parp != 0});
            assert (hinc == INC && ldd);
            if (!armed || on) assert (dbp == m_db && parp == m_par && tsp == m_ts);
        end
        // A frame still owed when the next started was sent back to back: same format.
        if (ovl) assert (o_db == m_db);
        // The transmitter is busy through every frame but its last clock; after it, the
        // quiet count runs with the idle count (one ahead: the last clock is idle).
        if (on) assert (quiet_n == 0);
        else assert ({1'b0, quiet_n} <= {1'b0, idle} + 1);
        // The receiver decides a frame within MAX_WAIT clocks of its stop bit, so once the
        // line has been idle that long it owes nothing and is between frames.
        if (!on && idle + 1 >= QUIET) assert (!owes && !ovl && !rx_in_frame);
    end
endmodule
