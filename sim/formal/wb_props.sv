// Wishbone B4 pipelined slave properties of the bus adapter (periph::wishbone, exported
// as `wb_dut`), with the register port's read data free (any peripheral).
//
// Assumptions (the master keeps B4 pipelined rules): `stb` only inside `cyc`; a request
// presented while stalled is held unchanged until taken (or the cycle ends).
//
// Properties:
// - an ack only for an accepted request (stb && !stall): acks never exceed the requests
//   accepted in the cycle; no ack unless `cyc` was high in the clock before;
// - exactly one ack per accepted request: at most one, and it comes within 2 clocks;
// - stall honoured: a register strobe only for an accepted request, exactly one each,
//   in the next clock, with the request's word address, data and byte selects;
//   stall is high while a request is outstanding (so a classic master's held stb is not
//   taken twice) and low when nothing was accepted in the last two clocks;
// - a read's ack carries the register port's data of the clock after its strobe;
// - never both strobes in one clock; after `reset` nothing is pending.
module wb_props (
    input clock,
    input reset,
    input wb_cyc,
    input wb_stb,
    input wb_we,
    input [7:0] wb_adr,
    input [3:0] wb_sel,
    input [31:0] wb_dat_w,
    input [31:0] reg_rdata_in,
    input rx,
    input cts
);
    wire [31:0] wb_dat_r;
    wire wb_ack, wb_stall;

`ifdef UART_TOP
    // The whole peripheral (`uart_wb`): the register port is internal; the runner
    // connects these probes to the adapter's ports inside it (`dut.bus.*`).
    (* keep *) wire [5:0] reg_addr;
    (* keep *) wire reg_write, reg_read;
    (* keep *) wire [31:0] reg_wdata;
    (* keep *) wire [3:0] reg_wstrb;
    (* keep *) wire [31:0] reg_rdata;
    uart_wb dut (
        .clock(clock),
        .reset(reset),
        .wb_cyc(wb_cyc),
        .wb_stb(wb_stb),
        .wb_we(wb_we),
        .wb_adr(wb_adr),
        .wb_sel(wb_sel),
        .wb_dat_w(wb_dat_w),
        .wb_dat_r(wb_dat_r),
        .wb_ack(wb_ack),
        .wb_stall(wb_stall),
        .rx(rx),
        .tx(),
        .rts(),
        .cts(cts),
        .tx_enable(),
        .irq()
    );
`else
    // The adapter alone, with the register port's read data free (any peripheral).
    wire [5:0] reg_addr;
    wire reg_write, reg_read;
    wire [31:0] reg_wdata;
    wire [3:0] reg_wstrb;
    wire [31:0] reg_rdata = reg_rdata_in;
    wb_dut dut (
        .clock(clock),
        .reset(reset),
        .wb_cyc(wb_cyc),
        .wb_stb(wb_stb),
        .wb_we(wb_we),
        .wb_adr(wb_adr),
        .wb_sel(wb_sel),
        .wb_dat_w(wb_dat_w),
        .wb_dat_r(wb_dat_r),
        .wb_ack(wb_ack),
        .wb_stall(wb_stall),
        .reg_addr(reg_addr),
        .reg_write(reg_write),
        .reg_wdata(reg_wdata),
        .reg_wstrb(reg_wstrb),
        .reg_read(reg_read),
        .reg_rdata(reg_rdata)
    );
`endif

    reg f_past_valid = 1'b0;
    always @(posedge clock) f_past_valid <= 1'b1;

    wire f_accept = wb_cyc && wb_stb && !wb_stall && !reset;

    // ---- Assumptions on the master ----
    always @(*) if (wb_stb) assume(wb_cyc);
    always @(posedge clock) if (f_past_valid && $past(wb_stb && wb_stall && wb_cyc)
                                && !$past(reset) && wb_cyc) begin
        assume(wb_stb);
        assume(wb_we == $past(wb_we));
        assume(wb_adr == $past(wb_adr));
        assume(wb_sel == $past(wb_sel));
        assume(wb_dat_w == $past(wb_dat_w));
    end

    // ---- The wrapper's books ----
    // Requests accepted in this bus cycle and not yet acked (an ended cycle drops them).
    reg [1:0] f_nreq = 0;
    // The oldest outstanding request is a read; clocks since it was accepted.
    reg f_req_read = 0;
    reg [2:0] f_age = 0;
    // Accepted and not yet strobed (kept across the end of a cycle: the strobe follows).
    reg [1:0] f_wpend = 0, f_rpend = 0;
    reg [5:0] f_addr = 0;
    reg [31:0] f_data = 0;
    reg [3:0] f_sel = 0;
    // The clock after a read strobe (its data is on reg_rdata).
    reg f_rd_prev = 0;
    // Clocks since the last acceptance (saturating).
    reg [1:0] f_since_accept = 3;

    always @(posedge clock) begin
        f_rd_prev <= reg_read && !reset;
        f_since_accept <= f_accept ? 0 : (f_since_accept == 3 ? 3 : f_since_accept + 1);
        if (f_accept) begin
            f_addr <= wb_adr[7:2];
            f_data <= wb_dat_w;
            f_sel <= wb_sel;
        end
        if (reset) begin
            f_nreq <= 0;
            f_wpend <= 0;
            f_rpend <= 0;
            f_age <= 0;
        end else begin
            f_wpend <= f_wpend + (f_accept && wb_we) - reg_write;
            f_rpend <= f_rpend + (f_accept && !wb_we) - reg_read;
            if (!wb_cyc) begin
                f_nreq <= 0;
                f_age <= 0;
            end else begin
                f_nreq <= f_nreq + f_accept - wb_ack;
                if (f_accept && (f_nreq == 0 || (f_nreq == 1 && wb_ack))) begin
                    f_req_read <= !wb_we;
                    f_age <= 0;
                end else if (f_nreq != 0 && !wb_ack) begin
                    f_age <= f_age + 1;
                end
            end
        end
    end

    // ---- Properties ----
    always @(*) begin
        // Acks only for accepted requests, one each, never without cyc the clock before.
        if (wb_ack) ack_accepted: assert(f_nreq != 0);
        one_outstanding: assert(f_nreq <= 1);
        // ... and each gets its ack in time: a write in 1 clock, a read in 2.
        if (f_nreq != 0) ack_in_time: assert(f_age < 2);
        // Strobes only for accepted requests, exactly one each, with their payload.
        if (reg_write) write_accepted: assert(f_wpend == 1);
        if (reg_read) read_accepted: assert(f_rpend == 1);
        no_both: assert(!(reg_write && reg_read));
        if (reg_write) begin
            assert(reg_addr == f_addr);
            assert(reg_wdata == f_data);
            assert(reg_wstrb == f_sel);
        end
        if (reg_read) assert(reg_addr == f_addr);
        // A read's ack carries the data of the clock after its strobe.
        if (wb_ack && f_req_read) begin
            read_data: assert(wb_dat_r == reg_rdata);
            assert(f_rd_prev);
        end
        // Stall: high while a request is outstanding (classic masters), low when idle.
        if (f_nreq != 0) stall_busy: assert(wb_stall);
        if (f_since_accept >= 2) stall_idle: assert(!wb_stall);
    end
    always @(posedge clock) if (f_past_valid) begin
        if (!$past(wb_cyc)) no_ack_without_cyc: assert(!wb_ack);
        if ($past(reset)) assert(!wb_ack && !reg_write && !reg_read && !wb_stall);
    end

    // ---- Invariants for induction (the books against the adapter's state, which is
    // all on its ports: stall, ack and the two strobes are its flip-flops) ----
`ifndef NO_INVARIANTS
    always @(*) begin
        // A strobe is pending exactly in the clock it is out.
        assert(f_wpend == reg_write);
        assert(f_rpend == reg_read);
        // An outstanding request is a write with its ack, or a read with its strobe or its
        // ack (a read whose cycle ended keeps its strobe but loses its books).
        if (f_nreq != 0) assert(wb_ack || reg_read);
        if (wb_ack || reg_read) assert(f_nreq == 1);
        if (wb_ack) assert(!reg_read && f_age == (f_req_read ? 1 : 0));
        if (reg_read) assert(!wb_ack && !f_rd_prev && f_age == 0);
        if (f_nreq != 0 && reg_read) assert(f_req_read);
        if (f_nreq != 0 && reg_write) assert(!f_req_read);
        if (wb_ack && f_req_read) assert(f_rd_prev);
        if (wb_ack && !f_req_read) assert(reg_write);
        // Stall is the adapter's busy flag: the clock after an acceptance or a read strobe.
        assert(wb_stall == (reg_write || reg_read || f_rd_prev));
        if (reg_write || reg_read) assert(f_since_accept == 0);
        if (f_rd_prev) assert(f_since_accept == 1);
    end
`endif

    // ---- Cover ----
    reg [3:0] f_acks = 0;
    always @(posedge clock) if (wb_ack && f_acks != 15) f_acks <= f_acks + 1;
    always @(posedge clock) if (f_past_valid) begin
        cover(wb_ack && f_req_read);                        // a read completes
        cover(wb_ack && !f_req_read);                       // a write completes
        cover(f_acks >= 3 && f_since_accept == 0);          // back-to-back traffic
        cover(wb_stb && wb_stall && wb_cyc);                // a request waits in stall
        cover($past(reg_read) && !$past(wb_cyc));           // an abandoned read
    end
endmodule
