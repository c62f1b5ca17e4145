// crrm_axi_rd.sv - burst DMA read engine: AXI4 master read channels (AR, R)
// to a stream of 8- or 16-bit elements, one element per cycle.
//
// A command reads `rows` rows of `count` contiguous elements; row r starts at
// byte addr + r * stride. Groups leave in order, row by row; group g of a
// row holds its elements 4g .. 4g+3 (fewer at the end of the row). The AR side
// runs ahead of the R side, so the memory latency is paid once per command,
// not once per row.
//
// | rule                                      | how it holds                  |
// |-------------------------------------------|-------------------------------|
// | a burst never crosses a 4 KiB boundary    | len <= beats left in the page |
// | a burst never exceeds 256 beats           | len <= 256                    |
// | every beat of a row carries >= 1 element  | beats = ceil((off+bytes)/8)   |
// | a row's first element sits at addr & 7    | rows of 16-bit elements are   |
// |                                           | 2-byte aligned (host arrays)  |
//
// Data bus: 64 bits (8 bytes per beat), ARSIZE = 3, ARBURST = INCR.
module crrm_axi_rd (
    input  logic        clk,
    input  logic        rst_n,
    // command
    input  logic        cmd_valid,    // one-cycle pulse while idle
    input  logic [63:0] cmd_addr,
    input  logic [31:0] cmd_rows,
    input  logic [31:0] cmd_count,
    input  logic [63:0] cmd_stride,
    input  logic        cmd_es,       // 0: 8-bit, 1: 16-bit elements
    output logic        busy,
    // group stream (no backpressure: the consumer takes every group)
    output logic        out_valid,
    output logic [63:0] out_data,     // lane l: element 4g + l of the row
    output logic [3:0]  out_mask,     // lanes that carry an element
    // AXI4 read address and data channels
    output logic [63:0] m_araddr,
    output logic [7:0]  m_arlen,
    output logic [2:0]  m_arsize,
    output logic [1:0]  m_arburst,
    output logic        m_arvalid,
    input  logic        m_arready,
    input  logic [63:0] m_rdata,
    input  logic        m_rlast,
    input  logic        m_rvalid,
    output logic        m_rready
);
    assign m_arsize  = 3'd3;
    assign m_arburst = 2'b01;

    // Command registers shared by both sides.
    logic [31:0] count_q;
    logic [63:0] stride_q;
    logic        es_q;
    logic [17:0] row_bytes;   // count << es, at most 2 * 131071
    assign row_bytes = es_q ? {count_q[16:0], 1'b0} : {1'b0, count_q[16:0]};

    // ---------------------------------------------------------------- AR side
    typedef enum logic [1:0] {AR_IDLE, AR_ROW, AR_BURST} ar_state_t;
    ar_state_t   ar_state;
    logic [31:0] ar_rows_left;
    logic [63:0] ar_row_addr;
    logic [63:0] ar_cur;
    logic [15:0] ar_beats_left;
    logic [9:0]  page_beats;  // beats to the next 4 KiB boundary, 1..512
    logic [8:0]  burst;       // beats of the burst being offered, 1..256

    assign page_beats = 10'd512 - {1'b0, ar_cur[11:3]};
    always_comb begin
        burst = 9'd256;
        if ({6'd0, page_beats} < 16'(burst))
            burst = page_beats[8:0];
        if (ar_beats_left < 16'(burst))
            burst = ar_beats_left[8:0];
    end
    assign m_araddr  = ar_cur;
    assign m_arlen   = 8'(burst - 9'd1);
    assign m_arvalid = (ar_state == AR_BURST);

    // ar_walk: rows, then bursts within a row.
    always_ff @(posedge clk) begin
        if (!rst_n) begin
            ar_state <= AR_IDLE;
        end else begin
            case (ar_state)
                AR_IDLE:
                    if (cmd_valid && cmd_rows != 0 && cmd_count != 0) begin
                        ar_rows_left <= cmd_rows;
                        ar_row_addr  <= cmd_addr;
                        ar_state     <= AR_ROW;
                    end
                AR_ROW:
                    if (ar_rows_left == 0) begin
                        ar_state <= AR_IDLE;
                    end else begin
                        ar_cur        <= {ar_row_addr[63:3], 3'b000};
                        ar_beats_left <= 16'((19'(ar_row_addr[2:0]) + 19'(row_bytes) + 19'd7) >> 3);
                        ar_state      <= AR_BURST;
                    end
                default: // AR_BURST
                    if (m_arready) begin
                        ar_cur        <= ar_cur + {52'd0, burst, 3'b000};
                        ar_beats_left <= ar_beats_left - {7'd0, burst};
                        if (ar_beats_left == {7'd0, burst}) begin
                            ar_row_addr  <= ar_row_addr + stride_q;
                            ar_rows_left <= ar_rows_left - 1;
                            ar_state     <= AR_ROW;
                        end
                    end
            endcase
        end
    end

    // ----------------------------------------------------------------- R side
    // The bytes of the current row collect in a 16-byte window; a group of
    // four elements (8 bytes, or 4 for 8-bit elements) leaves as soon as the
    // window holds it, or holds the rest of the row. With 16-bit elements a
    // beat per cycle goes in and a group per cycle comes out.
    logic        r_active;
    logic [31:0] r_rows_left;
    logic [63:0] r_row_addr;
    logic [17:0] r_unpushed;   // row bytes not yet taken from the bus
    logic        r_first;      // the next beat is the row's first
    logic [127:0] win;
    logic [4:0]  win_bytes;
    logic [3:0]  grp_bytes;    // bytes per group: 8 or 4
    logic [4:0]  pop_bytes;
    logic        pop, take, row_end;
    logic [2:0]  beat_off;
    logic [3:0]  beat_avail;
    logic [17:0] beat_bytes;
    logic [127:0] win_after_pop, beat_shifted;
    logic [63:0] next_row_addr;

    assign grp_bytes  = es_q ? 4'd8 : 4'd4;
    assign pop        = r_active && win_bytes != 0 &&
                        (win_bytes >= {1'b0, grp_bytes} || r_unpushed == 0);
    assign pop_bytes  = (win_bytes >= {1'b0, grp_bytes}) ? {1'b0, grp_bytes} : win_bytes;
    assign win_after_pop = pop ? (win >> {pop_bytes, 3'b000}) : win;
    assign m_rready   = r_active && r_unpushed != 0 && (win_bytes - (pop ? pop_bytes : 5'd0)) <= 5'd8;
    assign take       = m_rvalid && m_rready;
    assign beat_off   = r_first ? r_row_addr[2:0] : 3'd0;
    assign beat_avail = 4'd8 - {1'b0, beat_off};
    assign beat_bytes = (r_unpushed < {14'd0, beat_avail}) ? r_unpushed : {14'd0, beat_avail};
    assign beat_shifted = {64'd0, m_rdata >> {beat_off, 3'b000}} << {(win_bytes - (pop ? pop_bytes : 5'd0)), 3'b000};
    assign row_end    = pop && r_unpushed == 0 && win_bytes == pop_bytes;
    assign next_row_addr = r_row_addr + stride_q;

    // Group lanes: 16-bit elements as they are, 8-bit ones zero-extended.
    assign out_valid = pop;
    always_comb begin
        out_mask = 4'b0000;
        for (int l = 0; l < 4; l++) begin
            if (es_q) begin
                out_data[l*16 +: 16] = win[l*16 +: 16];
                if (5'(2 * l) < pop_bytes)
                    out_mask[l] = 1'b1;
            end else begin
                out_data[l*16 +: 16] = {8'd0, win[l*8 +: 8]};
                if (5'(l) < pop_bytes)
                    out_mask[l] = 1'b1;
            end
        end
    end

    // r_walk: beats into the window, groups out; one row after another.
    always_ff @(posedge clk) begin
        if (!rst_n) begin
            r_active  <= 1'b0;
            win_bytes <= 5'd0;
        end else begin
            if (!r_active) begin
                if (cmd_valid && cmd_rows != 0 && cmd_count != 0) begin
                    r_active    <= 1'b1;
                    r_rows_left <= cmd_rows;
                    r_row_addr  <= cmd_addr;
                    r_unpushed  <= cmd_es ? {cmd_count[16:0], 1'b0} : {1'b0, cmd_count[16:0]};
                    r_first     <= 1'b1;
                    win         <= 128'd0;
                    win_bytes   <= 5'd0;
                    count_q     <= cmd_count;
                    stride_q    <= cmd_stride;
                    es_q        <= cmd_es;
                end
            end else if (row_end) begin
                // Bytes past the row's end in its last beat must not mix
                // into the next row: the window restarts empty.
                win         <= 128'd0;
                win_bytes   <= 5'd0;
                r_row_addr  <= next_row_addr;
                r_unpushed  <= row_bytes;
                r_first     <= 1'b1;
                r_rows_left <= r_rows_left - 1;
                if (r_rows_left == 32'd1)
                    r_active <= 1'b0;
            end else begin
                win       <= take ? (win_after_pop | beat_shifted) : win_after_pop;
                win_bytes <= win_bytes - (pop ? pop_bytes : 5'd0) + (take ? 5'(beat_bytes) : 5'd0);
                if (take) begin
                    r_unpushed <= r_unpushed - beat_bytes;
                    r_first    <= 1'b0;
                end
            end
        end
    end

    assign busy = r_active || (ar_state != AR_IDLE);

    logic unused;
    assign unused = m_rlast ^ (^count_q[31:17]) ^ (^win[127:64]);
endmodule
