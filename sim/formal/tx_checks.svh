// Shared by tx_props.sv (`uart_tx`) and tx_cfg_props.sv (`uart_tx_cfg`): the
// transmitter's reference model, its properties, covers and invariants, `include`d in the
// wrapper's body after its design instance (the formal runner writes this file beside the
// wrapper). The wrapper declares the parameters named here (DATA_BITS, CL, BD, TOL,
// RESTART_UNITS, INVARIANTS, COVERS, STEADY), the design's outputs `ready`, `tx`, `busy`,
// and:
//   FORMAT_DB0, FORMAT_PAR0, FORMAT_TS0  the model's format at power-up;
//   db2, par2, ts2                       the format two clocks ago (a frame the model starts
//                                        now was handed over then): the configuration's
//                                        constants, or the ports' past values;
//   first2                               1 two clocks after the very first clock, when
//                                        the design held `ready` low (settings latch);
//   Fd                                   the frame length the design's settings give.
// The model's format is m_db / m_par / m_ts (m_stops, m_pb, m_f derived).

    // Signed copies: chparam may hand the parameters over as unsigned constants.
    // `d` stays within -CL .. 2*BD; DW bits hold it with its sign.
    localparam DW = $clog2(CL + 2 * BD + 1) + 2;
    localparam signed [DW-1:0] SCL = CL;
    localparam signed [DW-1:0] SBD = BD;
    localparam signed [DW-1:0] STOL = TOL;
    localparam FMAX = 1 + DATA_BITS + 1 + 2;  // bits per frame, at most
    localparam [1:0] M_IDLE = 2'd0, M_FRAME = 2'd1, M_BREAK = 2'd2;

    // The frame the model expects for `data`, bit 0 first.
    function [FMAX-1:0] frame_of(input [DATA_BITS-1:0] value, input [3:0] db,
                                 input [2:0] par);
        reg p;
        reg [DATA_BITS-1:0] v;
        integer j;
        begin
            // Only the frame's data bits count.
            for (j = 0; j < DATA_BITS; j = j + 1) v[j] = (j < db) ? value[j] : 1'b0;
            case (par)
                1: p = ^v;
                2: p = ~^v;
                3: p = 1'b1;
                default: p = 1'b0;
            endcase
            frame_of = {FMAX{1'b1}};
            frame_of[0] = 1'b0;
            for (j = 0; j < DATA_BITS; j = j + 1) if (j < db) frame_of[j+1] = v[j];
            if (par >= 1 && par <= 4) frame_of[db+1] = p;
        end
    endfunction

    // The format of the frame the model checks (taken when it starts, from the wrapper's
    // db2 / par2 / ts2: the format two clocks ago), and what it gives.
    reg [3:0] m_db = FORMAT_DB0;
    reg [2:0] m_par = FORMAT_PAR0;
    reg m_ts = FORMAT_TS0;
    wire [1:0] m_stops = m_ts ? 2'd2 : 2'd1;
    wire m_pb = (m_par >= 1 && m_par <= 4);
    wire [4:0] m_f = 1 + m_db + m_pb + m_stops;  // bits per frame

    // What happened two and one clocks ago (the line shows it two clocks later).
    reg rst1 = 0, rst2 = 0, rdy2 = 0, vld2 = 0, brk2 = 0, busy2 = 0;
    reg rdy1 = 0, vld1 = 0, brk1 = 0, busy1 = 0;
    reg [DATA_BITS-1:0] data1 = 0, data2 = 0;
    always @(posedge clock) begin
        rst1 <= reset;
        rst2 <= rst1;
        rdy1 <= ready;
        rdy2 <= rdy1;
        vld1 <= valid;
        vld2 <= vld1;
        brk1 <= break_line;
        brk2 <= brk1;
        busy1 <= busy;
        busy2 <= busy1;
        data1 <= data;
        data2 <= data1;
    end
    wire hs2 = rdy2 && vld2;
    // Clocks 0 and 1 have no "two clocks ago": the line just shows the power-up idle.
    reg [1:0] age = 0;
    always @(posedge clock) if (age != 2'd2) age <= age + 2'd1;
    wire history = (age == 2'd2);

    // Model state. `mode` describes the design two clocks ago. In a frame, bits[0] is the
    // bit on the line and bits[1] the next one (the rest follow; shifted out as the frame
    // goes), `b` is the index in the frame of the next boundary (b == m_f is the end of the
    // frame) and `d` = BD * (clocks since the stream's first start bit - ideal place of
    // that boundary).
    reg [1:0] mode = M_IDLE;
    reg [FMAX-1:0] bits = {FMAX{1'b1}};
    reg [3:0] n_db;
    reg [2:0] n_par;
    reg n_ts;
    reg [4:0] b = 0;
    reg moved = 0;
    reg signed [DW-1:0] d = 0;

    reg ok;
    reg [1:0] n_mode;
    reg [FMAX-1:0] n_bits;
    reg [4:0] n_b;
    reg n_moved;
    reg signed [DW-1:0] n_d;
    reg cur, nxt;
    always @* begin
        ok = 1'b1;
        n_mode = mode;
        n_bits = bits;
        n_b = b;
        n_moved = moved;
        n_d = d + SBD;
        n_db = m_db;
        n_par = m_par;
        n_ts = m_ts;
        cur = bits[0];
        nxt = bits[1];
        if (rst1 || rst2 || !history) begin
            // Power-up, and reset: the line is high from the clock after reset.
            ok = tx;
        end else begin
            case (mode)
                M_IDLE: begin
                    // Ready while idle and not breaking, except in the first clock after
                    // power-up: the settings latch has not taken the ports yet.
                    ok = !busy2 && (rdy2 == (!brk2 && !first2));
                    if (hs2) begin
                        ok = ok && !tx;
                        n_mode = M_FRAME;
                        n_db = db2;
                        n_par = par2;
                        n_ts = ts2;
                        n_bits = frame_of(data2, db2, par2);
                        n_b = 1;
                        n_moved = 0;
                        n_d = SBD - SCL;
                    end else if (brk2) begin
                        ok = ok && !tx;
                        n_mode = M_BREAK;
                        n_db = db2;
                        n_par = par2;
                        n_ts = ts2;
                    end else begin
                        ok = ok && tx;
                    end
                end
                M_BREAK: begin
                    ok = busy2 && !rdy2;
                    if (brk2) begin
                        ok = ok && !tx;
                    end else begin
                        // Mark after break: m_stops bit times of stop, timed from now.
                        ok = ok && tx;
                        n_mode = M_FRAME;
                        n_bits = {FMAX{1'b1}};
                        n_b = m_f - m_stops + 1;  // the stop bits' boundaries
                        n_moved = 0;
                        n_d = SBD - SCL;
                    end
                end
                M_FRAME: begin
                    ok = busy2;
                    if (b < m_f) begin
                        ok = ok && !rdy2;
                        if (d <= -STOL) begin
                            ok = ok && (tx == cur);
                        end else if (d < STOL) begin
                            if (moved) begin
                                ok = ok && (tx == nxt);
                            end else begin
                                ok = ok && (tx == cur || tx == nxt);
                                if (tx == nxt) n_moved = 1;
                            end
                        end else begin
                            // Past the window: the edge must have come inside it.
                            ok = ok && (tx == nxt) && (moved || cur == nxt);
                            n_b = b + 1;
                            n_bits = {1'b1, bits[FMAX-1:1]};
                            n_moved = 0;
                            n_d = d + SBD - SCL;
                        end
                    end else begin
                        // The end of the last stop bit: the design's tick is two clocks
                        // before the edge; `ready` shows it (or, with break_line high,
                        // the line going low).
                        if (d <= -STOL) begin
                            ok = ok && tx && !rdy2;
                        end else if (d < STOL) begin
                            if (rdy2) begin
                                if (vld2) begin
                                    ok = ok && !tx;
                                    n_bits = frame_of(data2, m_db, m_par);
                                    n_b = 1;
                                    n_moved = 0;
                                    n_d = d + SBD - SCL;
                                end else begin
                                    ok = ok && tx;
                                    n_mode = M_IDLE;
                                end
                            end else if (!tx) begin
                                ok = ok && brk2;
                                n_mode = M_BREAK;
                            end
                        end else begin
                            ok = 1'b0;
                        end
                    end
                end
                default: ok = 1'b0;
            endcase
        end
        if (rst2) n_mode = M_IDLE;
    end

    always @(posedge clock) begin
        mode <= n_mode;
        m_db <= n_db;
        m_par <= n_par;
        m_ts <= n_ts;
        bits <= n_bits;
        b <= n_b;
        moved <= n_moved;
        d <= n_d;
    end

    always @* begin
        assert (ok);
        // Idle line is high.
        if (!busy) assert (tx);
    end

    // ---- covers: every kind of frame is reachable (run with smtbmc -c) ----
    reg [1:0] frames = 0;  // frames sent in a row, back to back
    always @(posedge clock)
        if (reset) frames <= 0;
        else if (hs2 && mode == M_FRAME && frames != 2'd3) frames <= frames + 1;
        else if (hs2) frames <= 1;
    always @* begin
        if (STEADY) assume (valid && !break_line && !reset);
        // A frame from idle, two frames back to back, a break after a frame, the mark
        // after a break, and a reset in the middle of a frame.
        if (COVERS[0]) cover (history && !rst1 && !rst2 && mode == M_FRAME && b == m_f && in_window(d));
        if (COVERS[1]) cover (frames == 2'd2 && mode == M_FRAME && b == m_f && in_window(d));
        if (COVERS[2]) cover (history && mode == M_BREAK && busy2 && !tx);
        if (COVERS[3]) cover (history && !rst1 && !rst2 && mode == M_FRAME && bits == {FMAX{1'b1}} && b == m_f);
        if (COVERS[4]) cover (history && rst1 && !rst2 && mode == M_FRAME && b > 2);
    end

    // ---- invariants: the reference model tied to the design's state ----
    // They make the properties inductive: k-induction starts from any state that
    // satisfies every assertion for k clocks, and without these a state in which the
    // model and the design disagree about a frame's bits or its timing can hide for a
    // whole frame. The design's registers are read through wires the script connects
    // after flattening (see `Group::probes` in formal.rs); nothing in it is changed.
    (* keep *) wire [1:0] st;                 // dut.core.state$q: 0 idle, 1 frame, 2 break
    (* keep *) wire [3:0] bl;                 // bits_left: bits after the one on bit_low
    (* keep *) wire [DATA_BITS-1:0] fr;       // frame: data bits not yet sent, LSB next
    (* keep *) wire blow, llow;               // bit_low, line_low (inverted line)
    (* keep *) wire psum, pnext, lastb;       // parity_sum, parity_next, last_bit
    (* keep *) wire [31:0] ph;                // bit_timer.phase (bit 31: a tick is due)
    localparam LCL = $clog2(CL);
    localparam [31:0] UNIT = 32'd1 << (31 - LCL);  // phase per 1/CL of a tick
    localparam [1:0] S_IDLE = 2'd0, S_FRAME = 2'd1, S_BREAK = 2'd2;

    // The design one and two clocks ago (the model describes the design two clocks ago).
    reg [1:0] st1 = 0, st2 = 0;
    reg [3:0] bl1 = 0;
    reg blow1 = 0;
    reg tx1 = 1;
    always @(posedge clock) begin
        st1 <= st;
        st2 <= st1;
        bl1 <= bl;
        blow1 <= blow;
        tx1 <= tx;
    end

    // The design's bit index in the model's frame: m_f-1-bits_left, except that at the end
    // of the model's frame (b == m_f) a design past its last tick is on bit m_f. `diff` is 1 while the design's tick for the
    // model's next boundary b is still to come, 0 once it came.
    // The tick that ends the model's frame has come once the design left the frame (idle
    // or break, now or a clock ago) or loaded the next one.
    wire end_ticked = (st != S_FRAME) || (st1 != S_FRAME) || (bl == m_f - 1);
    wire [4:0] cb = (b == m_f && end_ticked) ? m_f : m_f - 1 - bl;
    wire signed [6:0] diff = $signed({2'b0, b}) - $signed({2'b0, cb});
    wire tracking = history && !rst1 && !rst2;
    // The ideal-grid position d and the design's phase agree: the phase counts BD per
    // clock from RESTART_UNITS at the clock after the load (two clocks before the start
    // bit reaches the line) and gives up CL per tick, so phase / UNIT = d + RESTART_UNITS
    // + BD (+ CL while the tick for boundary b is still due).
    localparam signed [DW+7:0] SRU = RESTART_UNITS;
    wire signed [DW+7:0] want_units = d + SRU + SBD + ((diff == 1) ? SCL : $signed({DW{1'b0}}));

    function in_window(input signed [DW-1:0] x);
        in_window = (x > -STOL) && (x < STOL);
    endfunction

    integer i;
    reg inv_bits_ok;
    reg [4:0] idx;
    reg par_want;
    always @* begin
        // The model's frame, bit by bit, against the design's registers.
        inv_bits_ok = 1'b1;
        par_want = psum;
        for (i = 0; i < FMAX; i = i + 1) begin
            idx = b - 1 + i;  // the frame index of bits[i]
            // Start bit low, stop bits high: the model shifts ones in behind the frame.
            if (idx == 0 && bits[i] != 1'b0) inv_bits_ok = 1'b0;
            if (idx > m_db + m_pb && idx < m_f + m_f && bits[i] != 1'b1) inv_bits_ok = 1'b0;
            // Data bits still in the design's frame register: bit idx sits at frame[idx-cb-1].
            if (cb < m_f && idx > cb && idx <= m_db && fr[idx-cb-1] != bits[i])
                inv_bits_ok = 1'b0;
            // The design's running parity plus the data bits not yet sent is the model's
            // parity bit (even/odd); mark and space keep the seed.
            if (cb < m_f && idx > cb && idx <= m_db && (m_par == 1 || m_par == 2))
                par_want = par_want ^ bits[i];
        end
    end
    // Above the data bits not yet sent, the design's frame register holds ones (filled
    // in from the top as bits leave), so a stop bit is never sent low.
    reg inv_fill_ok;
    always @* begin
        inv_fill_ok = 1'b1;
        for (i = 0; i < DATA_BITS; i = i + 1)
            if (cb < m_f && cb + 1 + i > m_db && !fr[i]) inv_fill_ok = 1'b0;
    end
    // Index of the model's parity bit in `bits`, when it is still there.
    wire [4:0] pidx = m_db + 1 - (b - 1);
    wire pbit = bits[pidx];

    always @* if (INVARIANTS) begin
        // age only counts 0, 1, 2 and then stays.
        assert (age != 2'd3);
        if (!history) assert (mode == M_IDLE);
        assert (st != 2'd3);
        // The output register is bit_low one clock late (reset clears both).
        // Clock 0 is the power-up state: every register zero.
        if (age == 0) assert (st == S_IDLE && bl == 0 && ph == 0 && !blow && !llow && !lastb && !pnext);
        if (age != 0) begin
            assert (llow == (rst1 ? 1'b0 : blow1));
            // Comparisons of bits_left, a clock behind it.
            assert (lastb == (bl1 == 0));
            if (mode != M_IDLE) assert (pnext == (m_pb != 0 && bl1 == m_stops + 1));
            // Outside a frame the bit timer is held at its restart phase.
            // (From clock 2: the increment register loads the port at the end of clock 0.)
            if (st1 != S_FRAME && history) assert (ph == RESTART_UNITS * UNIT);
        end
        // The bit register shows high while idle and low while breaking.
        if (st == S_IDLE) assert (!blow);
        if (st == S_BREAK) assert (blow);
        if (st == S_FRAME) assert (bl <= Fd - 1);  // Fd: the wrapper's frame length for the design's settings
        if (tracking) begin
            // The model's mode is the design's state two clocks ago.
            assert ((mode == M_IDLE) == (st2 == S_IDLE));
            assert ((mode == M_BREAK) == (st2 == S_BREAK));
            assert ((mode == M_FRAME) == (st2 == S_FRAME));
            if (mode == M_FRAME) begin
                assert (b >= 1 && b <= m_f);
                assert (d > -SCL - SBD && d < STOL + SBD);
                assert (diff == 0 || diff == 1);
                if (st1 == S_FRAME) assert ($signed({1'b0, ph}) == want_units * $signed({1'b0, UNIT}));
                // The bit on the design's bit register is the model's bit cb.
                if (cb < m_f) assert (blow == !bits[cb-(b-1)]);
                if (cb == m_f && st == S_FRAME && bl == m_f - 1) assert (blow);
                assert (inv_bits_ok);
                assert (inv_fill_ok);
                if (m_pb && (m_par == 1 || m_par == 2) && cb <= m_db && b - 1 <= m_db + 1)
                    assert (par_want == pbit);
                if (m_pb && (m_par == 3 || m_par == 4) && cb <= m_db)
                    assert (psum == (m_par == 3));
                // Mark and space: the model's parity bit is the constant.
                if (m_pb && (m_par == 3 || m_par == 4) && b - 1 <= m_db + 1)
                    assert (pbit == (m_par == 3));
                // `moved`: the edge of boundary b was seen in the window's earlier clocks.
                if (b < m_f) assert (moved == (in_window(d - SBD) && tx1 == bits[1]));
                else assert (!moved);
            end
        end
    end
