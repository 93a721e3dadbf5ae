// Shared by loopback_props.sv (`uart`) and loopback_cfg_props.sv (`uart_cfg`): the
// loopback's line model, its properties and covers, and the invariants that make them
// inductive (the receiver's from rx_invariants.svh, the transmitter's below), `include`d in
// the wrapper's body after its design instance (the formal runner writes this file beside
// the wrapper). The wrapper declares the parameters named here, the design's outputs (`tx`,
// `data`, `valid`, the flags, `tx_ready`) and the frame format:
//   m_db, m_par, m_ts, PB, F, STOP1, dmask  data bits, parity code (0 none, 1 even, 2 odd,
//                                           3 mark, 4 space), two stop bits, parity bit
//                                           present, bits per frame, index of the first
//                                           stop bit, the data bits' mask;
//   o_db                                    the frame before's data bits;
//   n_db, n_par, n_ts                       the format a frame starting now takes;
//   SETTINGS_DELAY                          1 behind a settings latch (see rx_invariants.svh).
// The format is the fixed core's configuration, or the ports' (which the run-time wrapper
// lets change only while the loop is quiet).

    localparam E = DATA_BITS + 3;           // expected record: {brk, fe, pe, data}
    localparam ARM_W = $clog2(ARM_CLOCKS + 1) + 1;
    localparam WW = $clog2(MAX_WAIT + BIT_MAX + 2) + 2;
    localparam CPB = (1 << UB) / SMIN;      // clocks per bit
    // The parity bit's seed (its value for all-zero data) and whether it sums the data.
    wire seed = (m_par == 2 || m_par == 3);
    wire covers = (m_par == 1 || m_par == 2);

    // The handshake a clock ago and its byte: the model starts that frame now.
    reg hs1 = 0;
    reg [DATA_BITS-1:0] data1 = 0;
    always @(posedge clock) begin
        hs1 <= tx_valid && tx_ready;
        data1 <= tx_data;
    end

    // The parity bit the format gives the data bits of `d` (the bits above are ignored).
    function parity_for(input [DATA_BITS-1:0] d, input [3:0] db, input [2:0] par);
        reg [DATA_BITS-1:0] mask;
        begin
            mask = ~({DATA_BITS{1'b1}} << db);
            case (par)
                1: parity_for = ^(d & mask);
                2: parity_for = ~^(d & mask);
                3: parity_for = 1'b1;
                default: parity_for = 1'b0;
            endcase
        end
    endfunction
    function parity_of(input [DATA_BITS-1:0] d);
        parity_of = parity_for(d, m_db, m_par);
    endfunction
    // The format a frame starting now takes (the wrapper's n_db, n_par, n_ts) and what it
    // gives: the transmitter was loaded with it in the handshake clock.
    wire n_pb = (n_par != 0);
    wire [4:0] n_f = 1 + n_db + n_pb + (n_ts ? 2 : 1);
    wire [DATA_BITS-1:0] n_dmask = ~({DATA_BITS{1'b1}} << n_db);
    wire n_seed = (n_par == 2 || n_par == 3);

    // ---- the line model (rx_cfg_props.sv's sender, driven by the handshakes) ----
    reg line = 1'b1;
    reg [ARM_W-1:0] cyc = 0;      // clocks since power-up, up to ARM_CLOCKS
    reg on = 0;                   // a frame is on the line
    reg [4:0] gbit = 0;           // the index in the frame of the bit on the line
    reg [UB-1:0] gph = 0;         // phase within that bit
    wire [UB-1:0] gstep = SMIN;   // the rate (fixed)
    wire [UB-1:0] ph0 = 0;        // the start edge falls on a clock edge
    reg [WW-1:0] idle = 0;        // clocks of idle line since the last frame, saturating
    wire bad_last = 1'b0;         // the transmitter's stop bits are high
    reg [DATA_BITS-1:0] gdata = 0;
    reg gpar = 0;
    reg all_low = 1;
    wire armed = (cyc >= ARM_CLOCKS);
    wire [UB:0] ph_next = gph + gstep;
    wire bit_end = on && ph_next[UB];
    wire last_bit = (gbit == F - 1);
    // The value of the bit that goes on the line at the end of bit gbit.
    wire bit_value = (gbit + 1 <= m_db) ? gdata[gbit] : (PB && gbit + 1 == m_db + 1) ? gpar : 1'b1;

    // The record of a frame, pushed when its first stop bit goes on the line: its data
    // bits, no flags (the stop bit is high, the parity right).
    wire push = bit_end && gbit == STOP1 - 1;
    wire [E-1:0] push_rec = {3'b000, gdata & dmask};

    // A frame starts in the clock after the handshake, from idle or right where the last
    // one ends; a handshake at any other time makes the line differ from the model.
    wire start = hs1 && armed && (!on || (bit_end && last_bit));
    always @(posedge clock) begin
        if (!armed) cyc <= cyc + 1;
        if (start) begin
            on <= 1'b1;
            gbit <= 0;
            gph <= on ? ph_next[UB-1:0] : ph0;
            gdata <= data1;
            gpar <= parity_for(data1, n_db, n_par);
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
                line <= bit_value;
                if (gbit + 1 <= m_db + PB) all_low <= all_low && !bit_value;
            end
        end
    end

    always @* begin
        // No byte before the receiver can be armed.
        if (!armed) assume (!tx_valid);
        else if (STREAM == 1) assume (tx_valid);
        // The transmitter sends the model's line.
        assert (tx == line);
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
        // The consumer takes a byte held for HOLD_CLOCKS.
        if (held >= HOLD_CLOCKS) assume (ready);
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

    // ---- covers: every kind of frame is reachable (run with smtbmc -c) ----
    // A property about a kind of frame that never happens would hold vacuously.
    reg b2b_frame = 0;  // the current frame started right where the one before it ended
    always @(posedge clock) if (start) b2b_frame <= on;
    always @* begin
        // A byte looped back, and one sent back to back (owes clear: the byte presented is
        // the current frame's, the one sent back to back; the frame before it was presented
        // too, or a byte would be missing).
        if (STREAM != 2) begin
            cover (new_byte);
            cover (new_byte && b2b_frame && !owes && !ovl);
        end
    end

    `include "rx_invariants.svh"

    always @* if (INVARIANTS) begin
        // The consumer holds a byte at most HOLD_CLOCKS clocks (then `ready` is assumed),
        // counted from its presentation, which came before the receiver entered the frame
        // it is in now: so the byte is gone long before that frame's stop decision.
        if (valid) assert (held <= HOLD_CLOCKS);
        if (valid && rx_in_frame && !ovl) assert (held > rclk);
    end

    // ---- invariants: the transmitter's registers as functions of the model ----
    // The model's frame clock gclk (0 in the first clock of the start bit on the line) fixes
    // every register of the transmitter: it was loaded in the handshake clock (gclk -2) with
    // the byte (the bits above the format's data bits set, so ones follow the data), its bit
    // timer restarted there at one increment (so with CPB clocks per bit it ticks when
    // gclk = CPB-2 mod CPB, and each tick shows on the line two clocks later, at a bit
    // boundary of the model), each tick before the last stop bit's shifts the frame
    // register (ones in from the top), adds the bit shifted out to the parity sum while
    // the format's parity covers data, and counts bits_left down; the tick that ends the
    // last stop bit (gclk = F*CPB - 2) is the only clock besides idle in which it is ready.
    (* keep *) wire [1:0] tst;                // dut.transmitter.state$q: 0 idle 1 frame 2 break
    (* keep *) wire [3:0] tbl;                // bits_left
    (* keep *) wire [DATA_BITS-1:0] tfr;      // frame
    (* keep *) wire tblow, tllow;             // bit_low, line_low
    (* keep *) wire tpsum, tpnext, tlastb;    // parity_sum, parity_next, last_bit
    (* keep *) wire [31:0] tph;               // bit_timer.phase
    localparam [1:0] T_IDLE = 0, T_FRAME = 1;
    // Ticks seen since the load, and what the registers hold after them.
    wire [GW-1:0] tn = (gclk + 1) / CPB;
    // bits_left a clock ago (the clock before gclk 0 is the load's).
    wire [GW-1:0] tbl_before = F - 1 - gclk / CPB;
    wire [3*DATA_BITS-1:0] ones_data = {{(2 * DATA_BITS){1'b1}}, gdata | ~dmask} >> tn;
    wire [31:0] ph_want = (((gclk + 1) % CPB) + 1) * TX_INC;
    wire last_clock = on && last_bit && bit_end;  // the stop bit's last clock
    // The parity sum after tn ticks: the seed and the data bits shifted out so far.
    reg tpsum_want;
    integer j;
    always @* begin
        tpsum_want = seed;
        for (j = 0; j < DATA_BITS; j = j + 1)
            if (covers && j < tn && j < m_db) tpsum_want = tpsum_want ^ gdata[j];
    end
    always @* if (INVARIANTS) begin
        // The model's parity bit is the one its data give (set with them at the start).
        if (on) assert (gpar == parity_of(gdata));
        assert (tst == T_IDLE || tst == T_FRAME);
        if (cyc == 0) begin
            // Power-up: every register zero.
            assert (tst == T_IDLE && tbl == 0 && tph == 0 && !tblow && !tllow && !tlastb);
            assert (!tpnext && !tpsum);
            assert (!hs1);
        end else if (!on || last_clock) begin
            // Between frames (or in the last clock of one): the bit timer is at its restart
            // phase, one increment (zero in clock 1 behind a settings latch: its increment
            // was still zero when the timer restarted in clock 0), and bits_left was 0 a
            // clock ago.
            if (cyc == 1 && SETTINGS_DELAY) assert (tph == 0);
            else assert (tph == TX_INC);
            assert (tlastb);
            assert (!tpnext);
            if (hs1) begin
                // Loaded in the handshake clock: the frame's first bit (start) is next.
                assert (tst == T_FRAME && tbl == n_f - 1 && tfr == (data1 | ~n_dmask) && tblow);
                assert (tpsum == n_seed);
                assert (armed);
            end else begin
                assert (tst == T_IDLE && tbl == 0 && !tblow);
            end
        end else begin
            // In the frame, before its last clock.
            assert (!hs1);
            assert (tst == T_FRAME);
            assert (gclk < F * CPB - 1);
            assert (tph == ph_want);
            assert (tbl == F - 1 - tn);
            assert (tfr == ones_data[DATA_BITS-1:0]);
            // bit_low is the line a clock ahead: the bit of the model at gclk + 1.
            assert (tblow == !bitval(tn));
            assert (tlastb == (gclk >= (F - 1) * CPB));
            assert (tpnext == (PB && tbl_before == (m_ts ? 3 : 2)));
            // Until the parity bit is chosen (it is the sum of all the data bits); after
            // that the sum takes the ones that follow the data and is not read again.
            if (tn <= m_db) assert (tpsum == tpsum_want);
        end
    end
