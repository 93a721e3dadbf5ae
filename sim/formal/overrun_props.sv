// Formal properties of the exported receiver's overrun flag (`uart_rx`).
//
// "A byte completes" is the receiver's own event: its `frame_done` (the stop bit decided),
// read from inside the flattened design through the wire `wb_frame_done`, which the
// script connects (nothing in the design is changed). rx_props.sv ties that event to
// real frames on the line; here the line, `ready` and `reset` are all free, so every
// interleaving of completions, handshakes and resets is covered.
//
// Clock by clock:
//   - reset: the next clock has `overrun` low and no byte held;
//   - a completion while a byte is held and not taken (`valid && !ready`): `overrun` is
//     high the next clock, and the held byte (data and flags) is still there, unchanged;
//   - otherwise `overrun` keeps its value (it is sticky until reset, and never rises
//     without a dropped byte);
//   - `valid` rises only on a completion, and a completion that is not dropped always
//     presents its byte.
module overrun_props #(
    parameter DATA_BITS = 8,
    parameter PARITY = 0,
    parameter STOP_BITS = 1
) (
    input clock,
    input reset,
    input rx,
    input ready
);
    wire [DATA_BITS-1:0] data;
    wire valid, framing_error, parity_error, break_detected, overrun;
    uart_rx dut (
        .clock(clock),
        .reset(reset),
        .rx(rx),
        .data(data),
        .valid(valid),
        .ready(ready),
        .framing_error(framing_error),
        .parity_error(parity_error),
        .break_detected(break_detected),
        .overrun(overrun)
    );

    // Driven by the script: `connect -set wb_frame_done dut.frame_done` after flatten.
    (* keep *) wire wb_frame_done;

    reg past = 0;
    reg p_reset = 0, p_done = 0, p_valid = 0, p_ready = 0, p_overrun = 0;
    reg [DATA_BITS-1:0] p_data = 0;
    reg [2:0] p_flags = 0;
    always @(posedge clock) begin
        past <= 1;
        p_reset <= reset;
        p_done <= wb_frame_done;
        p_valid <= valid;
        p_ready <= ready;
        p_overrun <= overrun;
        p_data <= data;
        p_flags <= {framing_error, parity_error, break_detected};
    end
    wire dropped = p_done && p_valid && !p_ready;

    always @* begin
        // Power-up: nothing held, no overrun.
        if (!past) assert (!overrun && !valid);
        if (past) begin
            if (p_reset) begin
                assert (!overrun);
                assert (!valid);
            end else if (dropped) begin
                assert (overrun);
                assert (valid);
                assert (data == p_data);
                assert ({framing_error, parity_error, break_detected} == p_flags);
            end else begin
                assert (overrun == p_overrun);
                if (p_done) assert (valid);
                if (valid && !p_valid) assert (p_done);
                if (valid && !p_done) assert (data == p_data);
            end
        end
    end

    // Covers (smtbmc -c): a byte dropped to overrun, and a reset clearing the flag.
    always @* begin
        cover (past && dropped && overrun);
        cover (past && p_reset && p_overrun && !overrun);
    end
endmodule
