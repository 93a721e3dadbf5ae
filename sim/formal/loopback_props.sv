// Formal properties of the exported combined UART (`uart`) with its `tx` wired to its `rx`,
// proven for every depth by k-induction.
//
// The solver sends bytes (`tx_valid`, `tx_data` free on every clock) from ARM_CLOCKS after
// power-up on (the receiver arms only after a whole frame of idle line); `rx_ready` is
// free, except that a byte held for HOLD_CLOCKS clocks is then taken. `reset` and
// `tx_break_line` are low.
//
// A reference model of the line (the sender of rx_props.sv at its exact rate, with the
// byte of each handshake in place of solver-chosen bits and the parity computed from it)
// starts a frame in the clock after each handshake (`tx_valid && tx_ready`), so its start
// bit is on the line two clocks after the handshake, and sends start, DATA_BITS data bits
// LSB first, the parity bit and STOP_BITS stop bits, each exactly BIT_CLOCKS clocks.
//
// Checked:
//   - the transmitter's line is the model's line on every clock (so the byte on the line is
//     the byte handed over, in order, and back-to-back frames follow without a gap);
//   - every frame on the line is presented by the receiver exactly once, in order, with
//     the handed-over data and no parity, framing or break flag, no earlier than MIN_WAIT
//     clocks after its stop bit began and within MAX_WAIT clocks of that; nothing else is
//     presented; `overrun` never rises; a held byte does not change.
//
// Configuration: a whole number of clocks per bit with the transmitter's bit timer
// restarting at one increment (formal.rs checks it); any parity, 1 or 2 stop bits. The
// line model, the properties, the covers and the invariants are loopback_checks.svh,
// shared with loopback_cfg_props.sv; this wrapper gives them the configuration's format.
module loopback_props #(
    parameter DATA_BITS = 8,
    // 0 none, 1 even, 2 odd, 3 mark, 4 space
    parameter PARITY = 0,
    parameter STOP_BITS = 1,
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
    // 1: a byte offered on every clock from ARM_CLOCKS on: only for the covers.
    parameter STREAM = 0
) (
    input clock,
    input [DATA_BITS-1:0] tx_data,
    input tx_valid,
    input ready
);
    // The format: this configuration's constants.
    wire [3:0] m_db = DATA_BITS;
    wire [3:0] o_db = DATA_BITS;
    wire [2:0] m_par = PARITY;
    wire m_ts = (STOP_BITS == 2);
    localparam PB = (PARITY != 0) ? 1 : 0;
    localparam F = 1 + DATA_BITS + PB + STOP_BITS;
    localparam STOP1 = 1 + DATA_BITS + PB;  // index of the first stop bit
    wire [DATA_BITS-1:0] dmask = {DATA_BITS{1'b1}};
    wire [3:0] n_db = DATA_BITS;
    wire [2:0] n_par = PARITY;
    wire n_ts = (STOP_BITS == 2);

    wire tx;
    wire [DATA_BITS-1:0] data;
    wire valid, framing_error, parity_error, break_detected, overrun, tx_ready, tx_busy;
    uart dut (
        .clock(clock),
        .reset(1'b0),
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

    localparam SETTINGS_DELAY = 0;
    `include "loopback_checks.svh"
endmodule
