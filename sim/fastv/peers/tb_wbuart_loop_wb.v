// Loopback harness for wbuart32's Wishbone peripheral `wbuart` (with `rxuart`, `txuart`,
// `ufifo`; fetched by the bench, never kept in this repository), the peer of our `uart_wb`
// in the simulation-speed bench. The same traffic and the same master as
// sim/fastv/tb_loop_wb.v: `assign rx = tx;`, each byte written to the TX register
// (UART_TXREG, word 3), then the RX register (UART_RXREG, word 2) read every GAP clocks
// until its "empty" bit (8) is clear, the byte and its error bits (9..12: parity, framing,
// break, FIFO overflow) checked. `wbuart` is pipelined Wishbone like ours (it never stalls,
// ack two clocks after the request), so the master's protocol is ours unchanged. Setup:
// 8N1 at CPB clocks per bit, hardware flow control off. Ends after N bytes or LIMIT clocks
// with `RESULT sent=.. got=.. bad=.. cycles=.. polls=..`.
`timescale 1ns/1ns
`ifdef VERILATOR
module tb(input clock);
`else
module tb;
    reg clock = 0;
    always #5 clock = ~clock;
`endif
`ifndef N
    `define N 24
`endif
`ifndef LIMIT
    `define LIMIT 400000
`endif
`ifndef IDLE
    `define IDLE 2000
`endif
`ifndef GAP
    `define GAP 0
`endif
`ifndef CPB
    `define CPB 868
`endif
    reg reset = 1;
    wire tx;
    wire rx;
    assign rx = tx;
    reg cyc = 0, stb = 0, we = 0;
    reg [1:0] adr = 0;
    reg [31:0] dat_w = 0;
    wire [31:0] dat_r;
    wire ack, stall, rts_n, rx_int, tx_int, rxfifo_int, txfifo_int;
    integer sent = 0, got = 0, bad = 0, cycles = 0, polls = 0, wait_clocks = 0;
    reg [2:0] st = 0;
    function [7:0] byte_at(input integer i);
        byte_at = (i * 73 + 41) ^ (i >> 2);
    endfunction
    wbuart #(.INITIAL_SETUP(`CPB), .LGFLEN(4), .HARDWARE_FLOW_CONTROL_PRESENT(1'b0)) dut(
        .i_clk(clock), .i_reset(reset), .i_wb_cyc(cyc), .i_wb_stb(stb), .i_wb_we(we),
        .i_wb_addr(adr), .i_wb_data(dat_w), .i_wb_sel(4'hf), .o_wb_stall(stall),
        .o_wb_ack(ack), .o_wb_data(dat_r), .i_uart_rx(rx), .o_uart_tx(tx), .i_cts_n(1'b0),
        .o_rts_n(rts_n), .o_uart_rx_int(rx_int), .o_uart_tx_int(tx_int),
        .o_uart_rxfifo_int(rxfifo_int), .o_uart_txfifo_int(txfifo_int));
    // The master of tb_loop_wb.v, register numbers aside.
    always @(posedge clock) begin
        cycles <= cycles + 1;
        if (cycles == 4) reset <= 0;
        case (st)
            0: if (cycles > `IDLE && sent < `N) begin
                cyc <= 1; stb <= 1; we <= 1; adr <= 2'd3; dat_w <= byte_at(sent);
                st <= 1;
            end
            1, 4: if (!stall) begin
                stb <= 0;
                st <= st + 1;
            end
            2: if (ack) begin
                cyc <= 0; we <= 0;
                sent <= sent + 1;
                st <= 3;
            end
            3: if (wait_clocks >= `GAP) begin
                cyc <= 1; stb <= 1; we <= 0; adr <= 2'd2;
                wait_clocks <= 0;
                st <= 4;
            end else
                wait_clocks <= wait_clocks + 1;
            5: if (ack) begin
                cyc <= 0;
                polls <= polls + 1;
                if (!dat_r[8]) begin
                    if (dat_r[7:0] !== byte_at(got) || dat_r[12:9] != 0) begin
                        $display("BAD byte %0d: read %h, want %h", got, dat_r, byte_at(got));
                        bad <= bad + 1;
                    end
                    got <= got + 1;
                    st <= 0;
                end else
                    st <= 3;
            end
            default: st <= 0;
        endcase
        if (got == `N || cycles == `LIMIT) begin
            $display("RESULT sent=%0d got=%0d bad=%0d cycles=%0d polls=%0d", sent, got, bad,
                cycles, polls);
            $finish;
        end
    end
endmodule
