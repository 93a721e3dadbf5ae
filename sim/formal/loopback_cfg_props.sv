// Formal properties of the exported run-time configurable UART (`uart_cfg`) with its `tx`
// wired to its `rx`, proven for every depth by k-induction.
//
// The frame format on the ports is the solver's choice (data bits 5 to DATA_BITS, any of
// the five parities, 1 or 2 stop bits), valid and constant from power-up: both directions
// share one settings latch, so a format change is a change at both ends of the loop. The
// increment port is tied to INCREMENT. The solver sends bytes (`tx_valid`, `tx_data` free
// on every clock) from ARM_CLOCKS after power-up on (the receiver arms only after a whole
// frame of idle line in the longest format); `rx_ready` is free, except that a byte held
// for HOLD_CLOCKS clocks is then taken. `reset` and `tx_break_line` are low.
//
// A reference model of the line (the sender of rx_cfg_props.sv at its exact rate, with the
// byte of each handshake in place of solver-chosen bits and the parity computed from it)
// starts a frame in the clock after each handshake (`tx_valid && tx_ready`), so its start
// bit is on the line two clocks after the handshake, and sends start, the format's data
// bits LSB first, its parity bit, and its stop bits, each exactly BIT_CLOCKS clocks.
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
// wrapper adds the format on the ports and the settings latch's invariants.
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
    // 1: the sender offers a byte on every clock from ARM_CLOCKS on (a continuous stream):
    // a narrower environment, only for the covers.
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
    // The format: the ports' power-up values (free), kept.
    reg [3:0] m_db;
    reg [2:0] m_par;
    reg m_ts;
    always @(posedge clock) begin
        m_db <= m_db;
        m_par <= m_par;
        m_ts <= m_ts;
    end
    wire [3:0] o_db = m_db;  // the frame before had the same format
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

    always @* begin
        // Valid settings, kept from power-up.
        assume (m_db >= 5 && m_db <= DATA_BITS && m_par <= 4);
        assume (data_bits_in == m_db && parity_in == m_par && two_stop_in == m_ts);
    end

    localparam SETTINGS_DELAY = 1;
    `include "loopback_checks.svh"

    // Bytes looped back in the narrowest and in the widest format.
    always @* begin
        cover (new_byte && m_db == 5 && !PB && !m_ts);
        cover (new_byte && m_db == DATA_BITS && PB && m_ts);
    end

    // ---- invariants: the settings latch ----
    // The ports are constant, so from clock 1 on the latch holds their values whether it
    // follows them or not; in clock 0 it holds its power-up zeros.
    (* keep *) wire [3:0] hldb;    // dut.settings.held_last_data_bit: data_bits - 1
    (* keep *) wire [3:0] hflags;  // held_flags: {two_stop, seed, covers, enabled}
    (* keep *) wire [31:0] hinc;   // held_sample_increment
    (* keep *) wire ldd;           // loaded_flag
    always @* if (INVARIANTS) begin
        if (cyc == 0) begin
            assert (hldb == 0 && hflags == 0 && hinc == 0 && !ldd);
        end else begin
            assert (hldb == m_db - 1);
            assert (hflags == {m_ts, seed, covers, PB});
            assert (hinc == INC && ldd);
        end
    end

endmodule
