// crrm_axi_wr.sv - burst DMA write engine: a stream of 16- or 32-bit
// elements to the AXI4 master write channels (AW, W, B).
//
// A command writes `rows` rows of `count` contiguous elements; row r starts
// at byte addr + r * stride. Elements are packed into 64-bit beats with
// WSTRB covering only the bytes written, so neighbouring data survives.
// The stream takes one element per cycle, or two 32-bit elements that fill
// one beat (in_two), so int32 results can move at the full bus rate.
//
// | rule                                      | how it holds                  |
// |-------------------------------------------|-------------------------------|
// | a burst never crosses a 4 KiB boundary    | len <= beats left in the page |
// | a burst never exceeds 256 beats           | len <= 256                    |
// | W beats follow AW order, WLAST per burst  | burst lengths pass AW -> W in |
// |                                           | a FIFO (AW waits when full)   |
// | done means written                        | busy until every B arrived    |
// | a pair (in_two) fills exactly one beat    | the producer sends a pair only|
// |                                           | for 32-bit elements at byte 0 |
// |                                           | of a beat, both in one row    |
module crrm_axi_wr (
    input  logic        clk,
    input  logic        rst_n,
    // command
    input  logic        cmd_valid,    // one-cycle pulse while idle
    input  logic [63:0] cmd_addr,
    input  logic [31:0] cmd_rows,
    input  logic [31:0] cmd_count,
    input  logic [63:0] cmd_stride,
    input  logic        cmd_es,       // 0: 16-bit, 1: 32-bit elements
    output logic        busy,
    output logic        stall,        // waiting on AW, W or B
    // element stream
    input  logic        in_valid,
    input  logic [63:0] in_data,      // element 0 in bits 31:0, 1 in 63:32
    input  logic        in_two,       // two 32-bit elements (see above)
    output logic        in_ready,
    // AXI4 write channels
    output logic [63:0] m_awaddr,
    output logic [7:0]  m_awlen,
    output logic [2:0]  m_awsize,
    output logic [1:0]  m_awburst,
    output logic        m_awvalid,
    input  logic        m_awready,
    output logic [63:0] m_wdata,
    output logic [7:0]  m_wstrb,
    output logic        m_wlast,
    output logic        m_wvalid,
    input  logic        m_wready,
    input  logic        m_bvalid,
    output logic        m_bready
);
    assign m_awsize  = 3'd3;
    assign m_awburst = 2'b01;
    assign m_bready  = 1'b1;

    logic [31:0] count_q;
    logic [63:0] stride_q;
    logic        es_q;
    logic [18:0] row_bytes;
    assign row_bytes = es_q ? {count_q[16:0], 2'b00} : {1'b0, count_q[16:0], 1'b0};

    // Burst lengths from AW to W.
    logic       lf_push, lf_pop;
    logic [8:0] lf_head;
    logic [3:0] lf_count;
    crrm_fifo #(.W(9), .DEPTH(8)) u_len_fifo (
        .clk(clk), .rst_n(rst_n), .push(lf_push), .push_data(9'(m_awlen) + 9'd1),
        .pop(lf_pop), .head(lf_head), .count(lf_count)
    );

    // --------------------------------------------------------------- AW side
    typedef enum logic [1:0] {AW_IDLE, AW_ROW, AW_BURST} aw_state_t;
    aw_state_t   aw_state;
    logic [31:0] aw_rows_left;
    logic [63:0] aw_row_addr;
    logic [63:0] aw_cur;
    logic [15:0] aw_beats_left;
    logic [9:0]  page_beats;
    logic [8:0]  burst;
    logic [31:0] bursts_open;   // AW sent, B not yet received

    assign page_beats = 10'd512 - {1'b0, aw_cur[11:3]};
    always_comb begin
        burst = 9'd256;
        if ({6'd0, page_beats} < 16'(burst))
            burst = page_beats[8:0];
        if (aw_beats_left < 16'(burst))
            burst = aw_beats_left[8:0];
    end
    assign m_awaddr  = aw_cur;
    assign m_awlen   = 8'(burst - 9'd1);
    assign m_awvalid = (aw_state == AW_BURST) && !lf_count[3];
    assign lf_push   = m_awvalid && m_awready;

    // aw_walk: rows, then bursts within a row.
    always_ff @(posedge clk) begin
        if (!rst_n) begin
            aw_state    <= AW_IDLE;
            bursts_open <= '0;
        end else begin
            bursts_open <= bursts_open + {31'd0, lf_push} - {31'd0, m_bvalid};
            case (aw_state)
                AW_IDLE:
                    if (cmd_valid && cmd_rows != 0 && cmd_count != 0) begin
                        aw_rows_left <= cmd_rows;
                        aw_row_addr  <= cmd_addr;
                        aw_state     <= AW_ROW;
                    end
                AW_ROW:
                    if (aw_rows_left == 0) begin
                        aw_state <= AW_IDLE;
                    end else begin
                        aw_cur        <= {aw_row_addr[63:3], 3'b000};
                        aw_beats_left <= 16'((20'(aw_row_addr[2:0]) + 20'(row_bytes) + 20'd7) >> 3);
                        aw_state      <= AW_BURST;
                    end
                default: // AW_BURST
                    if (lf_push) begin
                        aw_cur        <= aw_cur + {52'd0, burst, 3'b000};
                        aw_beats_left <= aw_beats_left - {7'd0, burst};
                        if (aw_beats_left == {7'd0, burst}) begin
                            aw_row_addr  <= aw_row_addr + stride_q;
                            aw_rows_left <= aw_rows_left - 1;
                            aw_state     <= AW_ROW;
                        end
                    end
            endcase
        end
    end

    // ---------------------------------------------------------------- W side
    logic        w_active;
    logic [31:0] w_rows_left;
    logic [63:0] w_row_addr;
    logic [31:0] w_left;
    logic [2:0]  w_pos;
    logic [63:0] wb_data;
    logic [7:0]  wb_strb;
    logic        wb_full;
    logic        w_in_burst;
    logic [8:0]  w_burst_left;
    logic        send, take, row_done, beat_done;
    logic [31:0] n_take;
    logic [2:0]  w_pos_next;
    logic [63:0] next_row_addr;
    logic [63:0] base_data, new_data;
    logic [7:0]  base_strb, new_strb;

    assign m_wvalid = wb_full && (w_in_burst || lf_count != 0);
    assign m_wlast  = w_in_burst ? (w_burst_left == 9'd1) : (lf_head == 9'd1);
    assign m_wdata  = wb_data;
    assign m_wstrb  = wb_strb;
    assign send     = m_wvalid && m_wready;
    assign lf_pop   = send && !w_in_burst;

    assign in_ready   = w_active && (!wb_full || send);
    assign take       = in_valid && in_ready;
    assign n_take     = in_two ? 32'd2 : 32'd1;
    assign w_pos_next = w_pos + (in_two ? 3'd0 : (es_q ? 3'd4 : 3'd2));
    assign row_done   = (w_left == n_take);
    assign beat_done  = (w_pos_next == 3'd0) || row_done;
    assign next_row_addr = w_row_addr + stride_q;

    // Place the element at byte w_pos of the beat being assembled.
    always_comb begin
        base_data = send ? 64'd0 : wb_data;
        base_strb = send ? 8'd0 : wb_strb;
        new_data  = base_data;
        new_strb  = base_strb;
        if (in_two) begin
            new_data = in_data;
            new_strb = 8'hFF;
        end else if (es_q) begin
            new_data[{w_pos[2], 5'b00000} +: 32] = in_data[31:0];
            new_strb[{w_pos[2], 2'b00} +: 4]     = 4'hF;
        end else begin
            new_data[{w_pos[2:1], 4'b0000} +: 16] = in_data[15:0];
            new_strb[{w_pos[2:1], 1'b0} +: 2]     = 2'b11;
        end
    end

    // w_walk: pack elements into beats, row by row; WLAST per burst.
    always_ff @(posedge clk) begin
        if (!rst_n) begin
            w_active   <= 1'b0;
            wb_full    <= 1'b0;
            wb_strb    <= 8'd0;
            w_in_burst <= 1'b0;
        end else begin
            if (send) begin
                if (w_in_burst) begin
                    w_burst_left <= w_burst_left - 1;
                    w_in_burst   <= (w_burst_left != 9'd1);
                end else begin
                    w_burst_left <= lf_head - 1;
                    w_in_burst   <= (lf_head != 9'd1);
                end
            end
            if (take) begin
                wb_data <= new_data;
                wb_strb <= new_strb;
                wb_full <= beat_done;
                if (row_done) begin
                    w_row_addr  <= next_row_addr;
                    w_pos       <= next_row_addr[2:0];
                    w_left      <= count_q;
                    w_rows_left <= w_rows_left - 1;
                    if (w_rows_left == 32'd1)
                        w_active <= 1'b0;
                end else begin
                    w_pos  <= w_pos_next;
                    w_left <= w_left - n_take;
                end
            end else if (send) begin
                wb_full <= 1'b0;
                wb_strb <= 8'd0;
            end
            if (!w_active && !wb_full && cmd_valid && cmd_rows != 0 && cmd_count != 0) begin
                w_active    <= 1'b1;
                w_rows_left <= cmd_rows;
                w_row_addr  <= cmd_addr;
                w_left      <= cmd_count;
                w_pos       <= cmd_addr[2:0];
                count_q     <= cmd_count;
                stride_q    <= cmd_stride;
                es_q        <= cmd_es;
            end
        end
    end

    assign busy  = w_active || wb_full || (aw_state != AW_IDLE) || (bursts_open != 0);
    assign stall = (m_awvalid && !m_awready) || (m_wvalid && !m_wready) ||
                   (!w_active && !wb_full && aw_state == AW_IDLE && bursts_open != 0);

    logic unused;
    assign unused = ^count_q[31:17];
endmodule
