// Formal properties of the exported combined UART (`uart`) with its `tx` wired to its `rx`,
// proven for every depth by k-induction.
//
// The solver sends bytes (`tx_valid`, `tx_data` free on every clock) from ARM_CLOCKS after
// power-up on (the receiver arms only after a whole frame of idle line); `rx_ready` is
// free, except that a byte held for HOLD_CLOCKS clocks is then taken. `reset` and
// `tx_break_line` are low.
//
// A reference model of the line (the sender of rx_props.sv at its exact rate, with the
// byte of each handshake in place of solver-chosen bits) starts a frame in the clock after
// each handshake (`tx_valid && tx_ready`), so its start bit is on the line two clocks after
// the handshake, and sends start, DATA_BITS data bits LSB first and the stop bit, each
// exactly BIT_CLOCKS clocks.
//
// Checked:
//   - the transmitter's line is the model's line on every clock (so the byte on the line is
//     the byte handed over, in order, and back-to-back frames follow without a gap);
//   - every frame on the line is presented by the receiver exactly once, in order, with
//     the handed-over data and no parity, framing or break flag, no earlier than MIN_WAIT
//     clocks after its stop bit began and within MAX_WAIT clocks of that; nothing else is
//     presented; `overrun` never rises; a held byte does not change.
//
// Configuration: 4 clocks per bit, no parity, one stop bit (formal.rs checks it); the
// invariants below state the transmitter's registers as functions of the model's clock
// within the frame for that bit time.
module loopback_props #(
    parameter DATA_BITS = 8,
    // 0 none (the only one this wrapper's transmitter invariants describe)
    parameter PARITY = 0,
    parameter STOP_BITS = 1,
    parameter ARM_CLOCKS = 100,
    // The model's bit time: one bit is 2^UB phase units, SMIN per clock (SMIN == SMAX).
    parameter UB = 10,
    parameter SMIN = 256,
    parameter SMAX = 256,
    parameter BIT_MAX = 4,
    parameter HOLD_CLOCKS = 4,
    parameter MIN_WAIT = 1,
    parameter MAX_WAIT = 8,
    // The receiver's timing (see rx_props.sv).
    parameter INC = 32'h80000000,
    parameter RESTART = 32'h40000000,
    parameter RESTART_LATE = 32'h40000000,
    parameter LATE_MAX = 0,
    // The transmitter's bit-timer increment (its restart phase is one increment).
    parameter TX_INC = 32'h20000000,
    parameter INVARIANTS = 1
) (
    input clock,
    input [DATA_BITS-1:0] tx_data,
    input tx_valid,
    input ready
);
    localparam PB = (PARITY != 0) ? 1 : 0;
    localparam F = 1 + DATA_BITS + PB + STOP_BITS;
    localparam STOP1 = 1 + DATA_BITS + PB;  // index of the first stop bit
    localparam E = DATA_BITS + 3;           // expected record: {brk, fe, pe, data}
    localparam ARM_W = $clog2(ARM_CLOCKS + 1) + 1;
    localparam WW = $clog2(MAX_WAIT + BIT_MAX + 2) + 2;
    localparam CPB = (1 << UB) / SMIN;      // clocks per bit

    wire tx;
    wire [DATA_BITS-1:0] data;
    wire valid, framing_error, parity_error, break_detected, overrun, tx_ready, tx_busy;
    uart dut (
        .clock(clock),
        .reset(1'b0),
        .rx(tx),
        .tx(tx),
        .rx_data(data),
        .rx_valid(valid),
        .rx_ready(ready),
        .rx_framing_error(framing_error),
        .rx_parity_error(parity_error),
        .rx_break(break_detected),
        .rx_overrun(overrun),
        .tx_data(tx_data),
        .tx_valid(tx_valid),
        .tx_ready(tx_ready),
        .tx_break_line(1'b0),
        .tx_busy(tx_busy)
    );

    // The handshake a clock ago and its byte: the model starts that frame now.
    reg hs1 = 0;
    reg [DATA_BITS-1:0] data1 = 0;
    always @(posedge clock) begin
        hs1 <= tx_valid && tx_ready;
        data1 <= tx_data;
    end

    // ---- the line model (rx_props.sv's sender, driven by the handshakes) ----
    reg line = 1'b1;
    reg [ARM_W-1:0] cyc = 0;      // clocks since power-up, up to ARM_CLOCKS
    reg on = 0;                   // a frame is on the line
    reg [4:0] gbit = 0;           // the index in the frame of the bit on the line
    reg [UB-1:0] gph = 0;         // phase within that bit
    wire [UB-1:0] gstep = SMIN;   // the rate (fixed)
    wire [UB-1:0] ph0 = 0;        // the start edge falls on a clock edge
    reg [WW-1:0] idle = 0;        // clocks of idle line since the last frame, saturating
    wire bad_last = 1'b0;         // the transmitter's stop bit is high
    reg [DATA_BITS-1:0] gdata = 0;
    wire gpar = 1'b0;
    reg all_low = 1;
    wire armed = (cyc >= ARM_CLOCKS);
    wire [UB:0] ph_next = gph + gstep;
    wire bit_end = on && ph_next[UB];
    wire last_bit = (gbit == F - 1);
    // The value of the bit that goes on the line at the end of bit gbit.
    wire bit_value = (gbit + 1 <= DATA_BITS) ? gdata[gbit] : 1'b1;

    // The record of a frame, pushed when its first stop bit goes on the line: its data,
    // no flags (the stop bit is high, the parity none).
    wire push = bit_end && gbit == STOP1 - 1;
    wire [E-1:0] push_rec = {3'b000, gdata};

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
                if (gbit + 1 <= DATA_BITS + PB) all_low <= all_low && !bit_value;
            end
        end
    end

    always @* begin
        // No byte before the receiver can be armed.
        if (!armed) assume (!tx_valid);
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
        // A good frame, one of each flag, and a frame sent back to back, presented.
        cover (new_byte && !parity_error && !framing_error && !break_detected);
        // (owes clear: the byte presented is the current frame's, the one sent back to
        // back; the frame before it was presented too, or a byte would be missing.)
        cover (new_byte && b2b_frame && !framing_error && !owes && !ovl);
    end

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
    localparam FRAME_BITS = 1 + DATA_BITS + PB + 1;  // the idle bits Resync waits for
    localparam GW = $clog2(F * BIT_MAX + MAX_WAIT + 16) + 1;
    localparam [GW-1:0] GMAX = {GW{1'b1}};
    // A tick at power-up clock 1 (one clock per sample) samples the synchroniser's
    // power-up zero, which restarts Resync's count.
    localparam LOWTICKS = (INC >= 32'h80000000) ? 1 : 0;

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
        else if (n <= DATA_BITS) bitval = gdata[n-1];
        else if (PB && n == DATA_BITS + 1) bitval = gpar;
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
            R_PARITY: rs = 4 * DATA_BITS + sib + ((sib != 3) ? 4 : 0);
            default: rs = 4 * (DATA_BITS + PB) + sib + ((sib != 3) ? 4 : 0);
        endcase
    end
    wire late = (gdet != 3);
    wire [63:0] rx_time = (late ? RESTART_LATE : RESTART) + INC * rclk;
    wire [63:0] rx_count = {rs, 31'b0} + rph;
    // Resync: samples of high line counted since power-up (a bit is counted at its first
    // sample, so bit_index = ceil(samples / 4)).
    wire [7:0] resync_samples = (bidx == 0) ? 0 : 4 * (bidx - 1) + sib + ((sib == 0) ? 4 : 0);
    wire [63:0] resync_time = INC * cyc;
    wire [63:0] resync_count = {resync_samples + LOWTICKS, 31'b0} + rph;

    // The data bits the receiver has decided, against the model's.
    reg shift_ok;
    reg par_rx, low_rx;
    integer i;
    reg [3:0] decided;
    reg gen_low;  // the model's data and parity bits on the line so far are all low
    always @* begin
        decided = (rst == R_DATA) ? bidx : DATA_BITS;
        gen_low = 1'b1;
        for (i = 1; i <= DATA_BITS + PB; i = i + 1)
            if (i <= gbit && bitval(i)) gen_low = 1'b0;
        shift_ok = 1'b1;
        par_rx = (PARITY == 2 || PARITY == 3) ? 1'b1 : 1'b0;  // the parity seed
        low_rx = 1'b1;
        for (i = 0; i < DATA_BITS; i = i + 1) begin
            if (i < decided) begin
                if (shf[DATA_BITS - decided + i] != gdata[i]) shift_ok = 1'b0;
                if (PARITY == 1 || PARITY == 2) par_rx = par_rx ^ gdata[i];
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
        if (rst == R_DATA) assert (bidx < DATA_BITS);
        if (rst == R_PARITY || rst == R_STOP) assert (bidx == DATA_BITS);
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
        if (ovl) assert (rst == R_STOP && on && gbit == 0);
        // The consumer holds a byte at most HOLD_CLOCKS clocks (then `ready` is assumed),
        // counted from its presentation, which came before the receiver entered the frame
        // it is in now: so the byte is gone long before that frame's stop decision.
        if (valid) assert (held <= HOLD_CLOCKS);
        if (valid && rx_in_frame && !ovl) assert (held > rclk);
        if (!rx_in_frame && rst != R_IDLE) assert (!owes || (on && gbit == 0));
        // The queue: what the model pushed and the receiver has not presented yet.
        assert (new_byte == fdone1);
        assert (count == ((ovl ? 1 : 0) + ((owes && !ovl && (!on || gbit >= STOP1)) ? 1 : 0) + (new_byte ? 1 : 0)));
    end
    // ---- invariants: the transmitter's registers as functions of the model ----
    // The model's frame clock gclk (0 in the first clock of the start bit on the line) fixes
    // every register of the transmitter: it was loaded in the handshake clock (gclk -2),
    // its bit timer restarted there at one increment (so with CPB clocks per bit it ticks
    // when gclk = CPB-2 mod CPB, and each tick shows on the line two clocks later, at a bit
    // boundary of the model), each tick before the last stop bit's shifts the frame
    // register (ones in from the top) and counts bits_left down, and the tick that ends the
    // last stop bit (gclk = F*CPB - 2) is the only clock besides idle in which it is ready.
    (* keep *) wire [1:0] tst;                // dut.transmitter.core.state.q: 0 idle 1 frame 2 break
    (* keep *) wire [3:0] tbl;                // bits_left
    (* keep *) wire [DATA_BITS-1:0] tfr;      // frame
    (* keep *) wire tblow, tllow;             // bit_low, line_low
    (* keep *) wire tpsum, tpnext, tlastb;    // parity_sum, parity_next, last_bit
    (* keep *) wire [31:0] tph;               // bit_timer.phase
    localparam [1:0] T_IDLE = 0, T_FRAME = 1;
    // Ticks seen since the load, and what the registers hold after them.
    wire [GW-1:0] tn = (gclk + 1) / CPB;
    wire [3*DATA_BITS-1:0] ones_data = {{(2 * DATA_BITS){1'b1}}, gdata} >> tn;
    wire [31:0] ph_want = (((gclk + 1) % CPB) + 1) * TX_INC;
    wire last_clock = on && last_bit && bit_end;  // the stop bit's last clock
    always @* if (INVARIANTS) begin
        assert (tst == T_IDLE || tst == T_FRAME);
        // No parity: the sum stays at its zero seed, the parity bit is never next.
        assert (!tpsum && !tpnext);
        if (cyc == 0) begin
            // Power-up: every register zero.
            assert (tst == T_IDLE && tbl == 0 && tph == 0 && !tblow && !tllow && !tlastb);
            assert (!hs1);
        end else if (!on || last_clock) begin
            // Between frames (or in the last clock of one): the bit timer is at its restart
            // phase, one increment, and bits_left was 0 a clock ago.
            assert (tph == TX_INC);
            assert (tlastb);
            if (hs1) begin
                // Loaded in the handshake clock: the frame's first bit (start) is next.
                assert (tst == T_FRAME && tbl == F - 1 && tfr == data1 && tblow);
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
        end
    end
endmodule
