// Speed harness for the echo firmware's top (`echo_top`): a behavioural 8N1 sender on
// usb_rx (CPB clocks per bit, back to back) and a behavioural receiver on usb_tx that
// checks each echoed byte. Ends after LIMIT clocks with
// `RESULT sent=.. got=.. bad=.. cycles=..`.
`timescale 1ns/1ns
`ifdef VERILATOR
// Under Verilator the C++ harness (harness.cpp) toggles the clock, one eval() per edge.
module tb(input clk);
`else
module tb;
    reg clk = 0;
    always #5 clk = ~clk;
`endif
`ifndef LIMIT
    `define LIMIT 200000
`endif
`ifndef CPB
    `define CPB 868
`endif
`ifndef IDLE
    `define IDLE 20000
`endif
    reg usb_rx = 1;
    wire usb_tx;
    wire [7:0] led;
    integer sent = 0, got = 0, bad = 0, cycles = 0;
    function [7:0] byte_at(input integer i);
        byte_at = (i * 73 + 41) ^ (i >> 2);
    endfunction
    echo_top dut(.clk(clk), .rst_n(1'b1), .usb_rx(usb_rx), .usb_tx(usb_tx), .led(led));
    // Sender: bit k of the frame (0 start, 1..8 data, 9 stop) for CPB clocks each.
    integer tx_clock = 0, tx_bit = 0;
    // Receiver: waits for a start edge, samples each bit in its middle.
    integer rx_clock = 0, rx_bit = -1;
    reg [7:0] rx_shift = 0;
    always @(posedge clk) begin
        cycles <= cycles + 1;
        if (cycles >= `IDLE) begin
            usb_rx <= tx_bit == 0 ? 1'b0 : tx_bit == 9 ? 1'b1 : byte_at(sent) >> (tx_bit - 1);
            if (tx_clock == `CPB - 1) begin
                tx_clock <= 0;
                if (tx_bit == 9) begin
                    tx_bit <= 0;
                    sent <= sent + 1;
                end else
                    tx_bit <= tx_bit + 1;
            end else
                tx_clock <= tx_clock + 1;
        end
        if (rx_bit < 0) begin
            if (!usb_tx) begin
                rx_bit <= 0;
                rx_clock <= 0;
            end
        end else if (rx_clock == (rx_bit == 0 ? `CPB / 2 : `CPB)) begin
            rx_clock <= 0;
            if (rx_bit >= 1 && rx_bit <= 8)
                rx_shift <= {usb_tx, rx_shift[7:1]};
            if (rx_bit == 9) begin
                if (rx_shift !== byte_at(got) || !usb_tx) bad <= bad + 1;
                got <= got + 1;
                rx_bit <= -1;
            end else
                rx_bit <= rx_bit + 1;
        end else
            rx_clock <= rx_clock + 1;
        if (cycles == `LIMIT) begin
            $display("RESULT sent=%0d got=%0d bad=%0d cycles=%0d", sent, got, bad, cycles);
            $finish;
        end
    end
endmodule
