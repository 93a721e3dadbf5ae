// Formal properties of the exported receiver (`uart_rx`).
//
// A frame generator drives `rx` with exact bit timing: every bit is BIT_CLOCKS clocks, the
// level constant within it. The solver chooses when each frame starts (`go`) and the value
// of every data bit, the parity bit and the first stop bit (`bit_value`, taken at the start
// of each bit), so frames with wrong parity, a low stop bit and all-low frames (breaks) are
// all generated. Further stop bits are high. The generator waits ARM_CLOCKS after
// power-up (the receiver arms only after a whole frame of idle line) and, after a frame
// with a low stop bit, one bit time of idle line (the receiver waits for a high line
// before it looks for a start bit again). `ready` is free, except that a byte held for
// BIT_CLOCKS clocks is then taken (so no frame is lost to overrun; see overrun_props.sv).
// `reset` is low.
//
// Checked:
//   - a byte is presented (valid rises, or stays high right after a handshake) only for a
//     generated frame whose first stop bit has been on the line for at least a quarter of
//     a bit (so the stop bit was sampled), each frame exactly once, in order;
//   - its data are the generated data bits; `parity_error` is high exactly when the parity
//     bit was wrong (and the frame was not a break); `framing_error` exactly when the stop
//     bit was low and the frame was not all low; `break_detected` exactly when everything
//     up to and including the stop bit was low;
//   - every generated frame is presented within one bit time plus 4 clocks of the start
//     of its stop bit; `overrun` never rises; `valid` holds its byte until taken.
module rx_props #(
    parameter DATA_BITS = 8,
    // 0 none, 1 even, 2 odd, 3 mark, 4 space
    parameter PARITY = 0,
    parameter STOP_BITS = 1,
    parameter BIT_CLOCKS = 8,
    parameter ARM_CLOCKS = 100
) (
    input clock,
    input go,
    input bit_value,
    input ready
);
    localparam PB = (PARITY != 0) ? 1 : 0;
    localparam F = 1 + DATA_BITS + PB + STOP_BITS;
    localparam STOP1 = 1 + DATA_BITS + PB;  // index of the first stop bit
    localparam E = DATA_BITS + 3;           // expected record: {brk, fe, pe, data}

    wire [DATA_BITS-1:0] data;
    wire valid, framing_error, parity_error, break_detected, overrun;
    reg line = 1'b1;
    uart_rx dut (
        .clock(clock),
        .reset(1'b0),
        .rx(line),
        .data(data),
        .valid(valid),
        .ready(ready),
        .framing_error(framing_error),
        .parity_error(parity_error),
        .break_detected(break_detected),
        .overrun(overrun)
    );

    // ---- generator ----
    reg [15:0] cyc = 0;
    reg on = 0;
    reg [4:0] gbit = 0;
    reg [15:0] gcnt = 0;
    reg [15:0] idle = 0;
    reg bad_last = 0;
    reg [DATA_BITS-1:0] gdata = 0;
    reg gpar = 0;
    reg all_low = 1;
    wire can_start = (cyc >= ARM_CLOCKS) && (!bad_last || idle >= BIT_CLOCKS);
    wire bit_end = on && (gcnt == BIT_CLOCKS - 1);
    wire last_bit = (gbit == F - 1);

    function parity_wrong(input [DATA_BITS-1:0] d, input p);
        case (PARITY)
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
            push_rec[DATA_BITS-1:0] = gdata;
            push_rec[DATA_BITS+2] = !bit_value && all_low;                   // break
            push_rec[DATA_BITS+1] = !bit_value && !all_low;                  // framing
            push_rec[DATA_BITS] = PB && parity_wrong(gdata, gpar) && !(!bit_value && all_low);
        end
    end

    always @(posedge clock) begin
        if (cyc != 16'hffff) cyc <= cyc + 1;
        if (!on || (bit_end && last_bit)) begin
            if (go && can_start) begin
                on <= 1'b1;
                gbit <= 0;
                gcnt <= 0;
                line <= 1'b0;
                all_low <= 1'b1;
                idle <= 0;
            end else begin
                on <= 1'b0;
                line <= 1'b1;
                if (idle != 16'hffff) idle <= on ? 16'd0 : idle + 1;
            end
        end else begin
            gcnt <= gcnt + 1;
            if (bit_end) begin
                gcnt <= 0;
                gbit <= gbit + 1;
                if (gbit + 1 <= DATA_BITS) begin
                    line <= bit_value;
                    gdata[gbit] <= bit_value;  // gbit + 1 is data bit gbit
                    all_low <= all_low && !bit_value;
                end else if (PB && gbit + 1 == DATA_BITS + 1) begin
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
    reg [15:0] wait_head = 0;
    reg p_valid = 0, p_ready = 0;
    reg [15:0] held = 0;
    always @(posedge clock) begin
        p_valid <= valid;
        p_ready <= ready;
        held <= (valid && !ready) ? held + 1 : 0;
    end
    wire new_byte = valid && (!p_valid || p_ready);
    wire [E-1:0] got = {break_detected, framing_error, parity_error, data};

    always @(posedge clock) begin
        case ({push, new_byte})
            2'b10: begin
                if (count == 0) q0 <= push_rec; else q1 <= push_rec;
                count <= count + 1;
                if (count == 0) wait_head <= 0; else wait_head <= wait_head + 1;
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
            default: wait_head <= (count != 0) ? wait_head + 1 : 0;
        endcase
    end

    always @* begin
        // The consumer takes a byte held for a whole bit.
        if (held >= BIT_CLOCKS) assume (ready);
        assert (!overrun);
        assert (count != 2'd3);
        if (new_byte) begin
            assert (count != 0);
            assert (got == q0);
            // Its stop bit was on the line for a quarter bit at least.
            assert (wait_head >= BIT_CLOCKS / 4);
        end
        if (count != 0) assert (wait_head <= BIT_CLOCKS + 4);
        // A held byte does not change.
        if (valid && p_valid && !p_ready) assert (!new_byte);
    end
endmodule
