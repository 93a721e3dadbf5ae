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

    // The format as the shared receiver invariants read it: this wrapper's constants.
    wire [3:0] m_db = DATA_BITS;
    wire [3:0] o_db = DATA_BITS;
    wire [2:0] m_par = PARITY;
    localparam SETTINGS_DELAY = 0;
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
