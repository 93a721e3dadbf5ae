// Bounded check of the exported run-time configurable UART (`uart_cfg`) with its `tx`
// wired to its `rx` (BMC only: no invariants, so not a proof for every depth).
//
// The frame format on the ports is the solver's choice (data bits 5 to DATA_BITS, any of
// the five parities, 1 or 2 stop bits), valid and constant from power-up; the increment
// port is tied to INCREMENT. The solver sends bytes (`tx_valid`, `tx_data` free on every
// clock; with STREAM, `tx_valid` high on every clock) from ARM_CLOCKS after power-up on; `rx_ready` is free, except that a byte held for
// half a frame time is then taken. `reset` and `tx_break_line` are low.
//
// Checked: every byte accepted by the transmitter (`tx_valid && tx_ready`) is presented
// by the receiver exactly once, with its frame's data bits (the bits above them read 0), in
// order, with no parity, framing, break or overrun flag, within FRAME_CLOCKS + 8 clocks of
// its handshake (FRAME_CLOCKS: the longest frame); nothing else is presented.
module loopback_cfg_props #(
    // The data ports' width (the widest frame).
    parameter DATA_BITS = 8,
    // The increment port's value (fixed).
    parameter INCREMENT = 21'd1048576,
    // 1: the sender offers a byte on every clock from ARM_CLOCKS on (a continuous stream,
    // back to back): a narrower sender that keeps the bounded check affordable.
    parameter STREAM = 0,
    parameter ARM_CLOCKS = 100,
    parameter FRAME_CLOCKS = 80
) (
    input clock,
    input [DATA_BITS-1:0] tx_data,
    input tx_valid,
    input rx_ready,
    input [3:0] data_bits_in,
    input [2:0] parity_in,
    input two_stop_in
);
    // The format: the ports' power-up values (free), kept.
    reg [3:0] m_db;
    reg [2:0] m_par;
    reg m_ts;
    wire [DATA_BITS-1:0] dmask = ~({DATA_BITS{1'b1}} << m_db);
    wire line;
    wire [DATA_BITS-1:0] rx_data;
    wire rx_valid, rx_framing_error, rx_parity_error, rx_break, rx_overrun, tx_ready, tx_busy;
    uart_cfg dut (
        .clock(clock),
        .reset(1'b0),
        .increment(INCREMENT),
        .data_bits(data_bits_in),
        .parity(parity_in),
        .two_stop_bits(two_stop_in),
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
    always @(posedge clock) begin
        if (cyc != 16'hffff) cyc <= cyc + 1;
        m_db <= m_db;
        m_par <= m_par;
        m_ts <= m_ts;
    end

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
                if (count == 0) begin q0 <= tx_data & dmask; t0 <= cyc; end
                else begin q1 <= tx_data & dmask; t1 <= cyc; end
                count <= count + 1;
            end
            2'b01: begin
                q0 <= q1;
                t0 <= t1;
                count <= count - 1;
            end
            2'b11: begin
                if (count == 1) begin q0 <= tx_data & dmask; t0 <= cyc; end
                else begin q0 <= q1; t0 <= t1; q1 <= tx_data & dmask; t1 <= cyc; end
            end
            default: ;
        endcase
    end

    always @* begin
        if (cyc < ARM_CLOCKS) assume (!tx_valid);
        else if (STREAM) assume (tx_valid);
        assume (data_bits_in >= 5 && data_bits_in <= DATA_BITS && parity_in <= 4);
        assume (data_bits_in == m_db && parity_in == m_par && two_stop_in == m_ts);
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

    // A byte looped back in the narrowest and in the widest format.
    always @* begin
        cover (got && m_db == 5);
        cover (got && m_db == DATA_BITS && m_par != 0 && m_ts);
    end
endmodule
