// Shared by every wrapper that models a sender into a receiver (`include`d in the module
// body; the formal runner writes it beside the wrapper): the receiver's invariants against
// the modelled sender. rx_props.sv and rx_cfg_props.sv drive that sender from
// solver-chosen bits, loopback_props.sv and loopback_cfg_props.sv from the transmitter's
// handshakes. The including module declares the sender model's registers and parameters
// named here, and the format of the frame on the line, which is a constant in the fixed
// cores' wrappers and the format taken from the ports in the run-time ones:
//   m_db, m_par, PB, F, STOP1  data bits, parity code (0 none, 1 even, 2 odd, 3 mark,
//                              4 space), parity bit present, bits per frame, index of the
//                              first stop bit;
//   o_db                       the data bits of the frame before (while the receiver is
//                              still finishing it);
//   SETTINGS_DELAY             1 where a settings latch holds zero in clock 0 (the
//                              run-time cores), so the sampler starts a clock late.

    // ---- invariants: the transmitter model and the queue tied to the receiver's state ----
    // k-induction starts from any state that satisfies every assertion for k clocks; these
    // rule out the states no run reaches in which the receiver and the model disagree
    // (about where in the frame they are, which bits were sent, what is owed) without an
    // assertion failing for longer than k clocks. Registers that only delay others (the
    // synchroniser, the vote's samples, the comparisons made a clock ahead or behind) need
    // none: k clocks determine them. The receiver's registers are read through wires the
    // script connects after flattening (`Group::probes` in formal.rs).
    (* keep *) wire [2:0] rst;            // state: 0 Resync 1 WaitIdle 2 Idle 3 Start 4 Data 5 Parity 6 Stop
    (* keep *) wire [3:0] sib;            // sample_in_bit
    (* keep *) wire [3:0] bidx;           // bit_index
    (* keep *) wire [DATA_BITS-1:0] shf;  // shift
    (* keep *) wire rpsum, ralow;         // parity_sum, all_low
    (* keep *) wire fdone;                // frame_done
    (* keep *) wire [31:0] rph;           // sampler.phase
    localparam [2:0] R_RESYNC = 0, R_WAITIDLE = 1, R_IDLE = 2, R_START = 3, R_DATA = 4,
        R_PARITY = 5, R_STOP = 6;
    wire [4:0] FRAME_BITS = 1 + m_db + PB + 1;  // the idle bits Resync waits for
    // Wide enough for the longest frame the data port allows.
    localparam GW = $clog2((DATA_BITS + 4) * BIT_MAX + MAX_WAIT + 16) + 1;
    localparam [GW-1:0] GMAX = {GW{1'b1}};
    // A tick at power-up clock 1 (one clock per sample) samples the synchroniser's
    // power-up zero, which restarts Resync's count. Behind a settings latch the sampler
    // starts a clock late: its first tick (clock 2) samples the line already high.
    localparam LOWTICKS = (INC >= 32'h80000000 && SETTINGS_DELAY == 0) ? 1 : 0;

    wire rx_in_frame = (rst >= R_START) && (rst <= R_STOP);

    // The model's clocks since the current frame's start edge (line low from gclk 0) and
    // where in its first clock that edge fell.
    reg [GW-1:0] gclk = GMAX;
    reg [UB-1:0] gph0 = 0;
    // The receiver: clocks since it entered Start (rclk 0 in its first Start clock), the
    // value gclk had then, and the state a clock ago.
    reg [GW-1:0] rclk = 0;
    reg [GW-1:0] gdet = 0;
    reg [2:0] rst1 = 0;
    // The receiver still owes the frame before the current one (a fast sender's next start
    // edge came before the receiver's stop decision), and owes the current one.
    reg ovl = 0;
    reg owes = 0;
    reg fdone1 = 0;
    always @(posedge clock) begin
        rst1 <= rst;
        fdone1 <= fdone;
        if (start) begin
            gclk <= 0;
            gph0 <= on ? ph_next[UB-1:0] : ph0;
        end else if (gclk != GMAX) gclk <= gclk + 1;
        if (rst == R_IDLE) begin
            rclk <= 0;
            gdet <= start ? 0 : ((gclk != GMAX) ? gclk + 1 : GMAX);
        end else if (rclk != GMAX) rclk <= rclk + 1;
        // Frame completions: the first one owed is the older frame.
        if (start) begin
            ovl <= owes && !fdone;
            owes <= 1'b1;
        end else if (fdone) begin
            if (ovl) ovl <= 1'b0;
            else owes <= 1'b0;
        end
    end

    // The model's position in bits * 2^UB at clock c of the current frame.
    function [GW+UB+1:0] gpos(input [GW-1:0] c);
        gpos = gph0 + gstep * c;
    endfunction
    // The value the model puts on the line for bit index n of the current frame.
    function bitval(input [4:0] n);
        if (n == 0) bitval = 1'b0;
        else if (n <= m_db) bitval = gdata[n-1];
        else if (PB && n == m_db + 1) bitval = gpar;
        else if (n == STOP1) bitval = !bad_last;
        else bitval = 1'b1;
    endfunction

    // The receiver's samples counted since its restart at the start edge, from its
    // state, bit index and sample count (a decision moves to the next bit at sample 3).
    reg [7:0] rs;
    always @* begin
        case (rst)
            R_START: rs = sib;
            R_DATA: rs = 4 * bidx + sib + ((sib != 3) ? 4 : 0);
            R_PARITY: rs = 4 * m_db + sib + ((sib != 3) ? 4 : 0);
            default: rs = 4 * (m_db + PB) + sib + ((sib != 3) ? 4 : 0);
        endcase
    end
    wire late = (gdet != 3);
    wire [63:0] rx_time = (late ? RESTART_LATE : RESTART) + INC * rclk;
    wire [63:0] rx_count = {rs, 31'b0} + rph;
    // Resync: samples of high line counted since power-up (a bit is counted at its first
    // sample, so bit_index = ceil(samples / 4)).
    wire [7:0] resync_samples = (bidx == 0) ? 0 : 4 * (bidx - 1) + sib + ((sib == 0) ? 4 : 0);
    wire [63:0] resync_time = INC * (cyc - SETTINGS_DELAY);
    wire [63:0] resync_count = {resync_samples + LOWTICKS, 31'b0} + rph;

    // The data bits the receiver has decided, against the model's.
    reg shift_ok;
    reg par_rx, low_rx;
    integer i;
    reg [3:0] decided;
    reg gen_low;  // the model's data and parity bits on the line so far are all low
    always @* begin
        decided = (rst == R_DATA) ? bidx : m_db;
        gen_low = 1'b1;
        for (i = 1; i <= DATA_BITS + 1; i = i + 1)
            if (i <= m_db + PB && i <= gbit && bitval(i)) gen_low = 1'b0;
        shift_ok = 1'b1;
        par_rx = (m_par == 2 || m_par == 3) ? 1'b1 : 1'b0;  // the parity seed
        low_rx = 1'b1;
        for (i = 0; i < DATA_BITS; i = i + 1) begin
            if (i < decided) begin
                if (shf[m_db - decided + i] != gdata[i]) shift_ok = 1'b0;
                if (m_par == 1 || m_par == 2) par_rx = par_rx ^ gdata[i];
                low_rx = low_rx && !gdata[i];
            end
        end
        // The parity bit, once decided, is in the sum and the all-low flag too.
        if (rst == R_STOP && PB) begin
            par_rx = par_rx ^ gpar;
            low_rx = low_rx && !gpar;
        end
    end

    // The oldest record is the current frame's (its receiver's decision has come or is
    // still owed, and no other frame is in between).
    wire head_is_current = !ovl && ((new_byte && !owes) || (!new_byte && owes && count != 0));

    always @* if (INVARIANTS) begin
        // The model: its counters in range, its position a linear function of the clock.
        assert (cyc <= ARM_CLOCKS);
        if (!armed) assert (!on && line && owes == 0 && count == 0 && !valid);
        assert (gstep >= SMIN && gstep <= SMAX);
        assert (gph0 < SMAX);
        if (on) begin
            assert (gbit < F);
            assert ({gbit, gph} == gpos(gclk));
            assert (line == bitval(gbit));
            assert (gclk < F * BIT_MAX + 2);
            assert (all_low == gen_low);
            // idle counts only between frames.
            assert (idle == 0);
        end else begin
            assert (line);
            // The last frame has ended.
            if (owes || count != 0) assert (gpos(gclk) >= F * (1 << UB));
        end
        // How long the oldest record has waited: since the first clock its frame's
        // stop bit was on the line.
        if (head_is_current && gclk != GMAX) begin
            assert (gclk >= wait_head + 1);
            assert (gpos(gclk - wait_head) >= STOP1 * (1 << UB));
            assert (gpos(gclk - wait_head - 1) < STOP1 * (1 << UB));
        end
        // Resync: the receiver counts samples of the high line from power-up; it arms
        // (Idle) before the model may start.
        if (rst == R_RESYNC) begin
            assert (!armed);
            if (cyc >= 2) assert (resync_time == resync_count);
            assert (bidx <= FRAME_BITS);
        end
        if (!armed) assert (rst == R_RESYNC || rst == R_IDLE);
        // In Idle the sampler is held at its restart phase.
        if (rst1 == R_IDLE && rst == R_IDLE) assert (rph == RESTART || rph == RESTART_LATE);
        // A frame in the receiver is a frame of the model: the receiver's samples are
        // a function of the clocks since it saw the start edge, and it saw the edge
        // 3 clocks after it reached the line (2 synchroniser stages and the edge
        // register), or later if it was still busy with the previous frame then.
        // The sample count is kept modulo the 4 samples of a bit; a data bit index
        // beyond the frame's data bits is never reached.
        assert (sib <= 3);
        if (rst == R_DATA && !ovl) assert (bidx < m_db);
        if ((rst == R_PARITY || rst == R_STOP) && !ovl) assert (bidx == m_db);
        if (ovl) assert (bidx == o_db);
        assert (rst <= R_STOP);
        if (rx_in_frame) assert (owes || ovl);
        // The receiver decides a frame at its stop bit's centre, before the model ends it;
        // a frame it owes but has not started on was started only a few clocks ago.
        if (on && !owes) assert (gbit >= STOP1);
        if (owes && !ovl && !rx_in_frame) assert (gclk < 3 + LATE_MAX && on);
        if (rx_in_frame && !ovl) begin
            assert (gclk == gdet + rclk);
            assert (gdet >= 3 && gdet <= 3 + LATE_MAX);
            assert (rx_time == rx_count);
            // The bits decided so far are the model's: the shift register, the parity
            // sum and the all-low flag (set at the start bit's decision).
            if (rst != R_START) begin
                assert (shift_ok);
                assert (rpsum == par_rx);
                assert (ralow == low_rx);
            end
        end
        // A frame still owed when the next one started is finished at its stop decision,
        // which comes while the next frame's start bit is on the line.
        if (ovl) assert (rst == R_STOP && on && gbit == 0);
        if (!rx_in_frame && rst != R_IDLE) assert (!owes || (on && gbit == 0));
        // The queue: what the model pushed and the receiver has not presented yet.
        assert (new_byte == fdone1);
        assert (count == ((ovl ? 1 : 0) + ((owes && !ovl && (!on || gbit >= STOP1)) ? 1 : 0) + (new_byte ? 1 : 0)));
    end
