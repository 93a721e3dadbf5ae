// Loopback testbench for the exported `uart_wb`: `assign rx = tx;` as in tb_loop.v, and a
// Wishbone master that writes each byte to TXDATA (0x18), then reads RXDATA (0x14) until
// its VALID bit (31) is set (GAP clocks apart) and checks the byte and its flags. Ends after N bytes or
// LIMIT clocks with `RESULT sent=.. got=.. bad=.. cycles=.. polls=..`.
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
    `define N 24
`endif
`ifndef LIMIT
    `define LIMIT 400000
`endif
`ifndef IDLE
    `define IDLE 2000
`endif
`ifndef GAP
    // Clocks between the end of one RXDATA read and the next (0: back to back; the bench
    // sets a gap to model a CPU that polls periodically).
    `define GAP 0
`endif
    reg reset = 1;
    wire tx;
    wire rx;
    // The hazard under test: nothing but a continuous assignment between tx and rx.
    assign rx = tx;
    reg cyc = 0, stb = 0, we = 0;
    reg [7:0] adr = 0;
    reg [31:0] dat_w = 0;
    wire [31:0] dat_r;
    wire ack, stall, rts, tx_enable, irq;
    integer sent = 0, got = 0, bad = 0, cycles = 0, polls = 0, wait_clocks = 0;
    reg [2:0] st = 0;
    function [7:0] byte_at(input integer i);
        byte_at = (i * 73 + 41) ^ (i >> 2);
    endfunction
    uart_wb dut(.clock(clock), .reset(reset), .wb_cyc(cyc), .wb_stb(stb), .wb_we(we),
        .wb_adr(adr), .wb_sel(4'hf), .wb_dat_w(dat_w), .wb_dat_r(dat_r), .wb_ack(ack),
        .wb_stall(stall), .rx(rx), .tx(tx), .rts(rts), .cts(1'b0), .tx_enable(tx_enable),
        .irq(irq));
    // The master is one synchronous process (inputs change by nonblocking assignment,
    // outputs are sampled before the edge), so the testbench adds no race of its own.
    always @(posedge clock) begin
        cycles <= cycles + 1;
        if (cycles == 4) reset <= 0;
        case (st)
            0: if (cycles > `IDLE && sent < `N) begin
                cyc <= 1; stb <= 1; we <= 1; adr <= 8'h18; dat_w <= byte_at(sent);
                st <= 1;
            end
            // Request accepted at an edge with stall low; its ack comes later.
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
                cyc <= 1; stb <= 1; we <= 0; adr <= 8'h14;
                wait_clocks <= 0;
                st <= 4;
            end else
                wait_clocks <= wait_clocks + 1;
            5: if (ack) begin
                cyc <= 0;
                polls <= polls + 1;
                if (dat_r[31]) begin
                    if (dat_r[7:0] !== byte_at(got) || dat_r[10:8] != 0) begin
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
