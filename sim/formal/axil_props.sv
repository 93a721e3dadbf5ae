// AXI4-Lite slave properties of the bus adapter (periph::axil, exported as `axil_dut`),
// with the register port's read data free (any peripheral that keeps the port's rule).
//
// Assumptions (the master keeps the AXI rules): a VALID, once high, stays high with its
// payload unchanged until its READY; VALIDs are low in a reset clock. The adapter alone
// also assumes the register port's rule for `reg_rdata`: it changes only in the clock
// after a `reg_read` (the peripheral's read-data register loads on the strobe), which
// `uart_axil` (UART_TOP) keeps by construction, so there it is not assumed.
//
// Properties (the slave's side of the same rules, and the register port):
// - BVALID / RVALID, once high, stay high with BRESP / RDATA / RRESP unchanged until
//   BREADY / RREADY; responses are OKAY;
// - exactly one response per request: a B only after both the address and the data of
//   a write were taken, an R only after an address was taken, never a second one, and
//   each comes within a bounded time once its request is in;
// - exactly one `reg_write` per write with its word address, data and strobes, and one
//   `reg_read` per read with its word address, each in the second clock after its
//   handshake; never both strobes in one clock;
// - RDATA is the register port's data of the clock after the read strobe.
module axil_props (
    input clock,
    input reset,
    input s_axil_awvalid,
    input [7:0] s_axil_awaddr,
    input s_axil_wvalid,
    input [31:0] s_axil_wdata,
    input [3:0] s_axil_wstrb,
    input s_axil_bready,
    input s_axil_arvalid,
    input [7:0] s_axil_araddr,
    input s_axil_rready,
    input [31:0] reg_rdata_in,
    input rx,
    input cts
);
    wire s_axil_awready, s_axil_wready, s_axil_bvalid, s_axil_arready, s_axil_rvalid;
    wire [1:0] s_axil_bresp, s_axil_rresp;
    wire [31:0] s_axil_rdata;
`ifdef UART_TOP
    // The whole peripheral (`uart_axil`): the register port is internal; the runner
    // connects these probes to the adapter's ports inside it (`dut.bus.*`).
    (* keep *) wire [5:0] reg_addr;
    (* keep *) wire reg_write, reg_read;
    (* keep *) wire [31:0] reg_wdata;
    (* keep *) wire [3:0] reg_wstrb;
    (* keep *) wire [31:0] reg_rdata;
    uart_axil dut (
        .clock(clock),
        .reset(reset),
        .s_axil_awvalid(s_axil_awvalid),
        .s_axil_awready(s_axil_awready),
        .s_axil_awaddr(s_axil_awaddr),
        .s_axil_wvalid(s_axil_wvalid),
        .s_axil_wready(s_axil_wready),
        .s_axil_wdata(s_axil_wdata),
        .s_axil_wstrb(s_axil_wstrb),
        .s_axil_bvalid(s_axil_bvalid),
        .s_axil_bready(s_axil_bready),
        .s_axil_bresp(s_axil_bresp),
        .s_axil_arvalid(s_axil_arvalid),
        .s_axil_arready(s_axil_arready),
        .s_axil_araddr(s_axil_araddr),
        .s_axil_rvalid(s_axil_rvalid),
        .s_axil_rready(s_axil_rready),
        .s_axil_rdata(s_axil_rdata),
        .s_axil_rresp(s_axil_rresp),
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
    axil_dut dut (
        .clock(clock),
        .reset(reset),
        .s_axil_awvalid(s_axil_awvalid),
        .s_axil_awready(s_axil_awready),
        .s_axil_awaddr(s_axil_awaddr),
        .s_axil_wvalid(s_axil_wvalid),
        .s_axil_wready(s_axil_wready),
        .s_axil_wdata(s_axil_wdata),
        .s_axil_wstrb(s_axil_wstrb),
        .s_axil_bvalid(s_axil_bvalid),
        .s_axil_bready(s_axil_bready),
        .s_axil_bresp(s_axil_bresp),
        .s_axil_arvalid(s_axil_arvalid),
        .s_axil_arready(s_axil_arready),
        .s_axil_araddr(s_axil_araddr),
        .s_axil_rvalid(s_axil_rvalid),
        .s_axil_rready(s_axil_rready),
        .s_axil_rdata(s_axil_rdata),
        .s_axil_rresp(s_axil_rresp),
        .reg_addr(reg_addr),
        .reg_write(reg_write),
        .reg_wdata(reg_wdata),
        .reg_wstrb(reg_wstrb),
        .reg_read(reg_read),
        .reg_rdata(reg_rdata)
    );
`endif

    // Probes: the read pipeline's internal stages (connected by the runner).
    (* keep *) wire p_read_capture, p_read_busy;

    reg f_past_valid = 1'b0;
    always @(posedge clock) f_past_valid <= 1'b1;

`ifndef UART_TOP
    // The peripheral's side of the register port: read data held between strobes.
    // (Combinational, so that it binds the last step too.)
    reg f_read_before = 1'b0;
    reg [31:0] f_rdata_before = 0;
    always @(posedge clock) begin
        f_read_before <= reg_read;
        f_rdata_before <= reg_rdata_in;
    end
    always @(*) if (f_past_valid && !f_read_before) assume(reg_rdata_in == f_rdata_before);
`endif

    wire f_aw = s_axil_awvalid && s_axil_awready;
    wire f_w = s_axil_wvalid && s_axil_wready;
    wire f_ar = s_axil_arvalid && s_axil_arready;
    wire f_b = s_axil_bvalid && s_axil_bready;
    wire f_r = s_axil_rvalid && s_axil_rready;

    // ---- Assumptions on the master ----
    always @(*) if (reset) assume(!s_axil_awvalid && !s_axil_wvalid && !s_axil_arvalid);
    always @(posedge clock) if (f_past_valid && !$past(reset)) begin
        if ($past(s_axil_awvalid && !s_axil_awready)) begin
            assume(s_axil_awvalid);
            assume(s_axil_awaddr == $past(s_axil_awaddr));
        end
        if ($past(s_axil_wvalid && !s_axil_wready)) begin
            assume(s_axil_wvalid);
            assume(s_axil_wdata == $past(s_axil_wdata));
            assume(s_axil_wstrb == $past(s_axil_wstrb));
        end
        if ($past(s_axil_arvalid && !s_axil_arready)) begin
            assume(s_axil_arvalid);
            assume(s_axil_araddr == $past(s_axil_araddr));
        end
    end

    // ---- The wrapper's books ----
    // Handshakes taken and not yet answered, per channel; strobes due.
    reg [1:0] f_naw = 0, f_nw = 0, f_nar = 0;
    reg [1:0] f_wpend = 0, f_rpend = 0;
    // Payload of the last write / read taken.
    reg [5:0] f_awaddr = 0, f_araddr = 0;
    reg [31:0] f_wdata = 0;
    reg [3:0] f_wstrb = 0;
    // Clocks since the request was complete with no response yet.
    reg [2:0] f_bwait = 0, f_rwait = 0;
    // The register port's data of the clock after the last read strobe.
    reg f_rd_prev = 0;
    reg [31:0] f_rdata = 0;

    always @(posedge clock) begin
        f_rd_prev <= reg_read && !reset;
        if (f_rd_prev) f_rdata <= reg_rdata;
        if (f_aw) f_awaddr <= s_axil_awaddr[7:2];
        if (f_w) begin
            f_wdata <= s_axil_wdata;
            f_wstrb <= s_axil_wstrb;
        end
        if (f_ar) f_araddr <= s_axil_araddr[7:2];
        if (reset) begin
            f_naw <= 0;
            f_nw <= 0;
            f_nar <= 0;
            f_wpend <= 0;
            f_rpend <= 0;
            f_bwait <= 0;
            f_rwait <= 0;
        end else begin
            f_naw <= f_naw + f_aw - f_b;
            f_nw <= f_nw + f_w - f_b;
            f_nar <= f_nar + f_ar - f_r;
            f_wpend <= f_wpend + (f_aw && f_w) - reg_write;
            f_rpend <= f_rpend + f_ar - reg_read;
            f_bwait <= (f_naw != 0 && f_nw != 0 && !s_axil_bvalid) ? f_bwait + 1 : 0;
            f_rwait <= (f_nar != 0 && !s_axil_rvalid) ? f_rwait + 1 : 0;
        end
    end

    // ---- Properties ----
    always @(posedge clock) if (f_past_valid && !$past(reset)) begin
        if ($past(s_axil_bvalid && !s_axil_bready)) begin
            b_held: assert(s_axil_bvalid);
            assert(s_axil_bresp == $past(s_axil_bresp));
        end
        if ($past(s_axil_rvalid && !s_axil_rready)) begin
            r_held: assert(s_axil_rvalid);
            r_stable: assert(s_axil_rdata == $past(s_axil_rdata));
            assert(s_axil_rresp == $past(s_axil_rresp));
        end
    end
    always @(*) begin
        assert(s_axil_bresp == 0 && s_axil_rresp == 0);
        // One response per request, none without one, each in bounded time.
        if (s_axil_bvalid) b_for_request: assert(f_naw == 1 && f_nw == 1);
        if (s_axil_rvalid) r_for_request: assert(f_nar == 1);
        assert(f_naw <= 1 && f_nw <= 1 && f_nar <= 1);
        b_in_time: assert(f_bwait <= 1);
        r_in_time: assert(f_rwait <= 2);
        // Strobes: one per request, with its payload; never two at once.
        if (reg_write) begin
            write_strobe: assert(f_wpend == 1);
            assert(reg_addr == f_awaddr && reg_wdata == f_wdata && reg_wstrb == f_wstrb);
        end
        if (reg_read) begin
            read_strobe: assert(f_rpend == 1);
            assert(reg_addr == f_araddr);
        end
        no_both: assert(!(reg_write && reg_read));
        // The read data is the register port's of the clock after the strobe.
        if (s_axil_rvalid) rdata_right: assert(s_axil_rdata == f_rdata);
    end

    // ---- Invariants for induction: the books against the adapter's state ----
`ifndef NO_INVARIANTS
    always @(*) begin
        // Write: READYs (both handshakes), then the strobe with BVALID, until B.
        assert(s_axil_awready == s_axil_wready);
        if (s_axil_awready) assert(f_naw == 0 && f_nw == 0 && !s_axil_bvalid && f_wpend == 0);
        assert(f_wpend == reg_write);
        if (reg_write) assert(s_axil_bvalid && f_bwait == 0);
        assert((f_naw != 0) == s_axil_bvalid);
        assert((f_nw != 0) == s_axil_bvalid);
        if (!s_axil_bvalid) assert(f_bwait == 0);
        // Read: ARREADY, the strobe, the capture, RVALID: one stage at a time.
        assert(f_rpend == reg_read);
        assert(p_read_busy == (s_axil_arready || reg_read || p_read_capture || s_axil_rvalid));
        assert(s_axil_arready + reg_read + p_read_capture + s_axil_rvalid <= 1);
        assert((f_nar != 0) == (reg_read || p_read_capture || s_axil_rvalid));
        if (s_axil_arready) assert(f_nar == 0);
        if (reg_read) assert(f_rwait == 0 && !f_rd_prev);
        if (p_read_capture) assert(f_rwait == 1 && f_rd_prev);
        if (!p_read_capture) assert(!f_rd_prev);
        if (s_axil_rvalid) assert(f_rwait <= 2);
        if (!(reg_read || p_read_capture || s_axil_rvalid)) assert(f_rwait == 0);
        // Starts are two clocks ahead of strobes and never share a clock.
        assert(!(s_axil_awready && s_axil_arready));
    end
`endif

    // ---- Cover ----
    reg f_aw_first = 0, f_w_first = 0;
    always @(posedge clock) begin
        if (s_axil_awvalid && !s_axil_wvalid) f_aw_first <= 1;
        if (s_axil_wvalid && !s_axil_awvalid) f_w_first <= 1;
    end
    always @(posedge clock) if (f_past_valid) begin
        cover(f_b && f_aw_first);                               // address before data
        cover(f_b && f_w_first);                                // data before address
        cover(f_r);                                             // a read completes
        cover($past(s_axil_bvalid && !s_axil_bready, 2) && f_b); // B waits for BREADY
        cover($past(s_axil_rvalid && !s_axil_rready, 2) && f_r); // R waits for RREADY
        cover($past(s_axil_awvalid && s_axil_wvalid && s_axil_arvalid) && s_axil_awready);
    end
endmodule
