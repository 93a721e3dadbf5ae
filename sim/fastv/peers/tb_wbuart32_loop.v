// Loopback harness for wbuart32's receiver and transmitter (ZipCPU/wbuart32, fetched by the
// bench, never kept in this repository), the peer of our `uart` in the simulation-speed
// bench. The same traffic as sim/fastv/tb_loop.v: `assign rx = tx;`, a byte handed to the
// transmitter whenever it is not busy, every byte checked in order on the receiver's
// strobe (and, for the full cores, without parity, framing or break flags). Default: the full
// `rxuart` + `txuart` with a run-time setup word (8N1, CPB clocks per bit, hardware flow
// control off); `-DLITE`: `rxuartlite` + `txuartlite` (8N1, CPB fixed by parameter). Ends
// after N bytes or LIMIT clocks with `RESULT sent=.. got=.. bad=.. cycles=..`.
`timescale 1ns/1ns
`ifdef VERILATOR
module tb(input clock);
`else
module tb;
    reg clock = 0;
    always #5 clock = ~clock;
`endif
`ifndef N
    `define N 48
`endif
`ifndef LIMIT
    `define LIMIT 200000
`endif
`ifndef IDLE
    `define IDLE 2000
`endif
`ifndef CPB
    `define CPB 868
`endif
    reg reset = 1;
    wire tx;
    wire rx;
    assign rx = tx;
    reg [7:0] tx_data = 0;
    reg tx_valid = 0;
    wire tx_busy;
    wire [7:0] rx_data;
    wire rx_strobe;
    integer sent = 0, got = 0, bad = 0, cycles = 0;
    function [7:0] byte_at(input integer i);
        byte_at = (i * 73 + 41) ^ (i >> 2);
    endfunction
`ifdef LITE
    wire rx_flags = 1'b0;
    txuartlite #(.CLOCKS_PER_BAUD(`CPB)) transmitter(.i_clk(clock), .i_reset(reset),
        .i_wr(tx_valid), .i_data(tx_data), .o_uart_tx(tx), .o_busy(tx_busy));
    rxuartlite #(.TIMER_BITS(12), .CLOCKS_PER_BAUD(`CPB)) receiver(.i_clk(clock),
        .i_reset(reset), .i_uart_rx(rx), .o_wr(rx_strobe), .o_data(rx_data));
`else
    // Setup word: bit 30 set = no hardware flow control, 8 data bits, one stop bit, no
    // parity, bits 23:0 the clocks per bit.
    wire [30:0] setup = 31'h40000000 | `CPB;
    wire rx_break, rx_parity_error, rx_framing_error, rx_ck;
    wire rx_flags = rx_break | rx_parity_error | rx_framing_error;
    txuart #(.INITIAL_SETUP(31'h40000000 | `CPB)) transmitter(.i_clk(clock),
        .i_reset(reset), .i_setup(setup), .i_break(1'b0), .i_wr(tx_valid), .i_data(tx_data),
        .i_cts_n(1'b0), .o_uart_tx(tx), .o_busy(tx_busy));
    rxuart #(.INITIAL_SETUP(31'h40000000 | `CPB)) receiver(.i_clk(clock), .i_reset(reset),
        .i_setup(setup), .i_uart_rx(rx), .o_wr(rx_strobe), .o_data(rx_data),
        .o_break(rx_break), .o_parity_err(rx_parity_error), .o_frame_err(rx_framing_error),
        .o_ck_uart(rx_ck));
`endif
    // One synchronous process, as in tb_loop.v: no race of the testbench's own. A byte is
    // taken at an edge where tx_valid is high and the transmitter is not busy.
    always @(posedge clock) begin
        cycles <= cycles + 1;
        if (cycles == 4) reset <= 0;
        if (cycles > `IDLE) begin
            if (tx_valid && !tx_busy) begin
                sent <= sent + 1;
                tx_valid <= 0;
            end else if (!tx_valid && sent < `N) begin
                tx_data <= byte_at(sent);
                tx_valid <= 1;
            end
        end
        if (rx_strobe) begin
            if (rx_data !== byte_at(got) || rx_flags) begin
                $display("BAD byte %0d: got %h (flags %b), want %h", got, rx_data, rx_flags,
                    byte_at(got));
                bad <= bad + 1;
            end
            got <= got + 1;
        end
        if (got == `N || cycles == `LIMIT) begin
            $display("RESULT sent=%0d got=%0d bad=%0d cycles=%0d", sent, got, bad, cycles);
            $finish;
        end
    end
endmodule
