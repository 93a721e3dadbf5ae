// Formal properties of the exported combined UART (`uart`) with its `tx` wired to its `rx`.
//
// The solver sends bytes (`tx_valid`, `tx_data` free on every clock) from ARM_CLOCKS after
// power-up on (the receiver arms only after a whole frame of idle line); `rx_ready` is
// free, except that a byte held for half a frame time is then taken. `reset` and
// `tx_break_line` are low.
//
// Checked: every byte accepted by the transmitter (`tx_valid && tx_ready`) is presented
// by the receiver exactly once, unchanged, in order, with no parity, framing, break or
// overrun flag, within FRAME_CLOCKS + 8 clocks of its handshake; nothing else is presented.
module loopback_props #(
    parameter DATA_BITS = 8,
    parameter PARITY = 0,
    parameter STOP_BITS = 1,
    parameter ARM_CLOCKS = 100,
    parameter FRAME_CLOCKS = 80
) (
    input clock,
    input [DATA_BITS-1:0] tx_data,
    input tx_valid,
    input rx_ready
);
    wire line;
    wire [DATA_BITS-1:0] rx_data;
    wire rx_valid, rx_framing_error, rx_parity_error, rx_break, rx_overrun, tx_ready, tx_busy;
    uart dut (
        .clock(clock),
        .reset(1'b0),
        .rx(line),
        .tx(line),
        .rx_data(rx_data),
        .rx_valid(rx_valid),
        .rx_ready(rx_ready),
        .rx_framing_error(rx_framing_error),
        .rx_parity_error(rx_parity_error),
        .rx_break(rx_break),
        .rx_overrun(rx_overrun),
        .tx_data(tx_data),
        .tx_valid(tx_valid),
        .tx_ready(tx_ready),
        .tx_break_line(1'b0),
        .tx_busy(tx_busy)
    );

    reg [15:0] cyc = 0;
    always @(posedge clock) if (cyc != 16'hffff) cyc <= cyc + 1;

    reg p_valid = 0, p_ready = 0;
    reg [15:0] held = 0;
    always @(posedge clock) begin
        p_valid <= rx_valid;
        p_ready <= rx_ready;
        held <= (rx_valid && !rx_ready) ? held + 1 : 0;
    end
    wire sent = tx_valid && tx_ready;
    wire got = rx_valid && (!p_valid || p_ready);

    // Bytes sent and not yet received, oldest first, with their handshake clock.
    reg [1:0] count = 0;
    reg [DATA_BITS-1:0] q0 = 0, q1 = 0;
    reg [15:0] t0 = 0, t1 = 0;
    always @(posedge clock) begin
        case ({sent, got})
            2'b10: begin
                if (count == 0) begin q0 <= tx_data; t0 <= cyc; end
                else begin q1 <= tx_data; t1 <= cyc; end
                count <= count + 1;
            end
            2'b01: begin
                q0 <= q1;
                t0 <= t1;
                count <= count - 1;
            end
            2'b11: begin
                if (count == 1) begin q0 <= tx_data; t0 <= cyc; end
                else begin q0 <= q1; t0 <= t1; q1 <= tx_data; t1 <= cyc; end
            end
            default: ;
        endcase
    end

    always @* begin
        if (cyc < ARM_CLOCKS) assume (!tx_valid);
        if (held >= FRAME_CLOCKS / 2) assume (rx_ready);
        assert (!rx_overrun);
        assert (count != 2'd3);
        if (got) begin
            assert (count != 0);
            assert (rx_data == q0);
            assert (!rx_framing_error && !rx_parity_error && !rx_break);
        end
        if (count != 0) assert (cyc - t0 <= FRAME_CLOCKS + 8);
    end
endmodule
