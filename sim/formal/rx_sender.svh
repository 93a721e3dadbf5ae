// Shared by rx_props.sv (`uart_rx`) and rx_cfg_props.sv (`uart_rx_cfg`): the modelled
// sender, the queue of expected bytes and the receiver's properties (described in
// rx_props.sv's header), `include`d in the wrapper's body after its design instance (the
// formal runner writes this file beside the wrapper). The wrapper declares the parameters
// named here, the design's outputs, the line register `line` the design reads, and the
// format of the frame on the line (m_db, m_par, PB, F, STOP1, dmask: see
// rx_invariants.svh); a run-time wrapper updates its format registers when `start` is high.

    // ---- transmitter model ----
    reg [ARM_W-1:0] cyc = 0;      // clocks since power-up, up to ARM_CLOCKS
    reg on = 0;                   // a frame is on the line
    reg [4:0] gbit = 0;           // the index in the frame of the bit on the line
    reg [UB-1:0] gph = 0;         // phase within that bit
    reg [UB-1:0] gstep = SMIN;    // this frame's rate
    reg [WW-1:0] idle = 0;        // clocks of idle line since the last frame, saturating
    reg bad_last = 0;             // the last frame's stop bit was low
    reg [DATA_BITS-1:0] gdata = 0;
    reg gpar = 0;
    reg all_low = 1;
    wire armed = (cyc >= ARM_CLOCKS);
    wire can_start = armed && (!bad_last || idle >= BIT_MAX);
    wire [UB:0] ph_next = gph + gstep;
    wire bit_end = on && ph_next[UB];
    wire last_bit = (gbit == F - 1);
    wire step_ok = (step >= SMIN) && (step <= SMAX);

    function parity_wrong(input [DATA_BITS-1:0] d, input p);
        case (m_par)
            1: parity_wrong = p != ^d;
            2: parity_wrong = p != ~^d;
            3: parity_wrong = p != 1'b1;
            4: parity_wrong = p != 1'b0;
            default: parity_wrong = 1'b0;
        endcase
    endfunction

    // The record of a frame, pushed when its first stop bit goes on the line.
    reg push;
    reg [E-1:0] push_rec;
    always @* begin
        push = 1'b0;
        push_rec = 0;
        if (bit_end && gbit == STOP1 - 1) begin
            push = 1'b1;
            // bit_value is the stop bit about to go on the line.
            push_rec[DATA_BITS-1:0] = gdata & dmask;
            push_rec[DATA_BITS+2] = !bit_value && all_low;                   // break
            push_rec[DATA_BITS+1] = !bit_value && !all_low;                  // framing
            push_rec[DATA_BITS] = PB && parity_wrong(gdata & dmask, gpar) && !(!bit_value && all_low);
        end
    end

    // A frame starts from idle, or right where the last one ends.
    wire start = go && can_start && (!on || (bit_end && last_bit));
    always @(posedge clock) begin
        if (!armed) cyc <= cyc + 1;
        if (start) begin
            on <= 1'b1;
            gbit <= 0;
            // From idle the start edge falls anywhere within the clock (ph0); back to
            // back it falls where the stop bit ends.
            gph <= on ? ph_next[UB-1:0] : ph0;
            gstep <= step;
            line <= 1'b0;
            all_low <= 1'b1;
            idle <= 0;
        end else if (!on || (bit_end && last_bit)) begin
            on <= 1'b0;
            line <= 1'b1;
            if (on) idle <= 0;
            else if (idle != {WW{1'b1}}) idle <= idle + 1;
        end else begin
            gph <= ph_next[UB-1:0];
            if (bit_end) begin
                gbit <= gbit + 1;
                if (gbit + 1 <= m_db) begin
                    line <= bit_value;
                    gdata[gbit] <= bit_value;  // gbit + 1 is data bit gbit
                    all_low <= all_low && !bit_value;
                end else if (PB && gbit + 1 == m_db + 1) begin
                    line <= bit_value;
                    gpar <= bit_value;
                    all_low <= all_low && !bit_value;
                end else if (gbit + 1 == STOP1) begin
                    line <= bit_value;
                    bad_last <= !bit_value;
                end else begin
                    line <= 1'b1;
                end
            end
        end
    end

    // ---- expected bytes: a queue of two records, and how long the head has waited ----
    reg [1:0] count = 0;
    reg [E-1:0] q0 = 0, q1 = 0;
    reg [WW-1:0] wait_head = 0;
    reg p_valid = 0, p_ready = 0;
    reg [WW-1:0] held = 0;
    always @(posedge clock) begin
        p_valid <= valid;
        p_ready <= ready;
        held <= (valid && !ready) ? ((held != {WW{1'b1}}) ? held + 1 : held) : 0;
    end
    wire new_byte = valid && (!p_valid || p_ready);
    wire [E-1:0] got = {break_detected, framing_error, parity_error, data};
    wire [WW-1:0] wait_next = (wait_head != {WW{1'b1}}) ? wait_head + 1 : wait_head;

    always @(posedge clock) begin
        case ({push, new_byte})
            2'b10: begin
                if (count == 0) q0 <= push_rec; else q1 <= push_rec;
                count <= count + 1;
                if (count == 0) wait_head <= 0; else wait_head <= wait_next;
            end
            2'b01: begin
                q0 <= q1;
                count <= count - 1;
                wait_head <= 0;
            end
            2'b11: begin
                if (count == 1) q0 <= push_rec;
                else begin q0 <= q1; q1 <= push_rec; end
                wait_head <= 0;
            end
            default: wait_head <= (count != 0) ? wait_next : 0;
        endcase
    end

    always @* begin
        // The rate and the start edge's place are chosen within their bounds.
        assume (step_ok);
        assume (ph0 < step);
        // The consumer takes a byte held for HOLD_CLOCKS.
        if (held >= HOLD_CLOCKS) assume (ready);
        if (EAGER) assume (go);
        assert (!overrun);
        assert (count != 2'd3);
        if (new_byte) begin
            assert (count != 0);
            assert (got == q0);
            // Its stop bit was on the line long enough to be sampled.
            assert (wait_head >= MIN_WAIT);
        end
        if (count != 0) assert (wait_head <= MAX_WAIT);
        // A held byte does not change.
        if (valid && p_valid && !p_ready) assert (!new_byte);
    end

