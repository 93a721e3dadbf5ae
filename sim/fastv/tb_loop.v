// Loopback testbench for the exported `uart` (or `uart_cfg` with `-DCFG
// -DINCREMENT=<increment>`): the receiver's line is the transmitter's through a plain
// continuous assignment (`assign rx = tx;`), the case that broke a naive rewrite of
// rust-hdl's text. N bytes go out through tx_data/tx_valid and each must come back on
// rx_data, in order, without error flags. The run ends after N bytes or LIMIT clocks
// (the bench sets N beyond reach and LIMIT to the clocks it measures); the last line is
// `RESULT sent=.. got=.. bad=.. cycles=..`.
`timescale 1ns/1ns
`ifdef VERILATOR
// Under Verilator the C++ harness (harness.cpp) toggles the clock, one eval() per edge.
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
    // Clocks of idle line after reset before the first byte: the receiver arms after a
    // whole idle frame.
    `define IDLE 2000
`endif
    reg reset = 1;
    wire tx;
    wire rx;
    // The hazard under test: nothing but a continuous assignment between tx and rx.
    assign rx = tx;
    reg [7:0] tx_data = 0;
    reg tx_valid = 0;
    wire tx_ready, tx_busy;
    wire [7:0] rx_data;
    wire rx_valid, rx_framing_error, rx_parity_error, rx_break, rx_overrun;
    integer sent = 0, got = 0, bad = 0, cycles = 0;
    function [7:0] byte_at(input integer i);
        byte_at = (i * 73 + 41) ^ (i >> 2);
    endfunction
`ifdef CFG
    uart_cfg dut(.clock(clock), .reset(reset), .increment(21'd`INCREMENT), .data_bits(4'd8),
        .parity(3'd0), .two_stop_bits(1'b0),
`else
    uart dut(.clock(clock), .reset(reset),
`endif
        .rx(rx), .tx(tx), .rx_data(rx_data), .rx_valid(rx_valid), .rx_ready(1'b1),
        .rx_framing_error(rx_framing_error), .rx_parity_error(rx_parity_error),
        .rx_break(rx_break), .rx_overrun(rx_overrun), .tx_data(tx_data),
        .tx_valid(tx_valid), .tx_ready(tx_ready), .tx_break_line(1'b0), .tx_busy(tx_busy));
    // One synchronous process drives every input with nonblocking assignments and samples
    // every output before the edge, as a register would: the testbench adds no race.
    always @(posedge clock) begin
        cycles <= cycles + 1;
        if (cycles == 4) reset <= 0;
        if (cycles > `IDLE) begin
            if (tx_valid && tx_ready) begin
                sent <= sent + 1;
                tx_valid <= 0;
            end else if (!tx_valid && sent < `N) begin
                tx_data <= byte_at(sent);
                tx_valid <= 1;
            end
        end
        if (rx_valid) begin
            if (rx_data !== byte_at(got) || rx_framing_error || rx_parity_error || rx_break) begin
                $display("BAD byte %0d: got %h (flags %b%b%b), want %h", got, rx_data,
                    rx_framing_error, rx_parity_error, rx_break, byte_at(got));
                bad <= bad + 1;
            end
            got <= got + 1;
        end
        if (rx_overrun) bad <= bad + 1;
        if (got == `N || cycles == `LIMIT) begin
            $display("RESULT sent=%0d got=%0d bad=%0d cycles=%0d", sent, got, bad, cycles);
            $finish;
        end
    end
endmodule
