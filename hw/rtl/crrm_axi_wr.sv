// crrm_axi_wr.sv - burst DMA write engine: a stream of 16- or 32-bit
// elements to the AXI4 master write channels (AW, W, B).
//
// A command writes `rows` rows of `count` contiguous elements; row r starts
// at byte addr + r * stride. Elements are packed into beats of DATA_W bits
// with WSTRB covering only the bytes written, so neighbouring data
// survives. Each stream transfer carries in_n elements (1 .. DATA_W/32),
// element e in bits 32e+31 .. 32e (32-bit) or 16e+15 .. 16e (16-bit); they
// go to consecutive bytes from the current position in the beat, so results
// can move at the full bus rate.
//
// | parameter | meaning                              | default | limit      |
// |-----------|--------------------------------------|---------|------------|
// | DATA_W    | AXI4 data bus width in bits          | 256     | 64, 128,   |
// |           |                                      |         | 256 or 512 |
//
// | rule                                      | how it holds                  |
// |-------------------------------------------|-------------------------------|
// | a burst never crosses a 4 KiB boundary    | len <= beats left in the page |
// | a burst never exceeds 256 beats           | len <= 256                    |
// | W beats follow AW order, WLAST per burst  | burst lengths pass AW -> W in |
// |                                           | a FIFO (AW waits when full)   |
// | done means written                        | busy until every B arrived    |
// | a transfer of in_n elements stays inside  | the producer sends in_n       |
// | one beat and one row                      | elements only if they end at  |
// |                                           | or before the beat end and    |
// |                                           | the row end                   |
// | an element never straddles two beats      | 16-bit rows 2-byte aligned,   |
// |                                           | 32-bit rows 4-byte aligned    |
module crrm_axi_wr #(
    parameter int DATA_W = 256,
    localparam int BB    = DATA_W / 8,        // bytes per beat
    localparam int LB    = $clog2(BB),
    localparam int NE    = DATA_W / 32,       // int32 elements per beat
    localparam int LNE   = $clog2(NE)
) (
    input  logic              clk,
    input  logic              rst_n,
    // command
    input  logic              cmd_valid,    // one-cycle pulse while idle
    input  logic [63:0]       cmd_addr,
    input  logic [31:0]       cmd_rows,
    input  logic [31:0]       cmd_count,
    input  logic [63:0]       cmd_stride,
    input  logic              cmd_es,       // 0: 16-bit, 1: 32-bit elements
    output logic              busy,
    output logic              stall,        // waiting on AW, W or B
    // element stream
    input  logic              in_valid,
    input  logic [DATA_W-1:0] in_data,      // element e at bit 32e (16e if 16-bit)
    input  logic [LNE:0]      in_n,         // elements in this transfer, >= 1
    output logic              in_ready,
    // AXI4 write channels
    output logic [63:0]       m_awaddr,
    output logic [7:0]        m_awlen,
    output logic [2:0]        m_awsize,
    output logic [1:0]        m_awburst,
    output logic              m_awvalid,
    input  logic              m_awready,
    output logic [DATA_W-1:0] m_wdata,
    output logic [BB-1:0]     m_wstrb,
    output logic              m_wlast,
    output logic              m_wvalid,
    input  logic              m_wready,
    input  logic              m_bvalid,
    output logic              m_bready
);
    generate
        if (DATA_W != 64 && DATA_W != 128 && DATA_W != 256 && DATA_W != 512) begin : g_bad_w
            $error("crrm_axi_wr: parameter DATA_W must be 64, 128, 256 or 512");
        end
    endgenerate

    localparam int PB = 12 - LB;   // bits of the beat index within a 4 KiB page

    assign m_awsize  = 3'(LB);
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
    logic [19:0] aw_beats_left;
    logic [PB:0] page_beats;
    logic [8:0]  burst;
    logic [31:0] bursts_open;   // AW sent, B not yet received

    assign page_beats = (PB+1)'(1 << PB) - {1'b0, aw_cur[11:LB]};
    always_comb begin
        burst = 9'd256;
        if (20'(page_beats) < 20'(burst))
            burst = 9'(page_beats);
        if (aw_beats_left < 20'(burst))
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
                        aw_cur        <= {aw_row_addr[63:LB], LB'(0)};
                        aw_beats_left <= 20'((21'(aw_row_addr[LB-1:0]) + 21'(row_bytes) +
                                              21'(BB - 1)) >> LB);
                        aw_state      <= AW_BURST;
                    end
                default: // AW_BURST
                    if (lf_push) begin
                        aw_cur        <= aw_cur + (64'(burst) << LB);
                        aw_beats_left <= aw_beats_left - 20'(burst);
                        if (aw_beats_left == 20'(burst)) begin
                            aw_row_addr  <= aw_row_addr + stride_q;
                            aw_rows_left <= aw_rows_left - 1;
                            aw_state     <= AW_ROW;
                        end
                    end
            endcase
        end
    end

    // ---------------------------------------------------------------- W side
    logic              w_active;
    logic [31:0]       w_rows_left;
    logic [63:0]       w_row_addr;
    logic [31:0]       w_left;
    logic [LB-1:0]     w_pos;
    logic [DATA_W-1:0] wb_data;
    logic [BB-1:0]     wb_strb;
    logic              wb_full;
    logic              w_in_burst;
    logic [8:0]        w_burst_left;
    logic              send, take, row_done, beat_done;
    logic [31:0]       n_take;
    logic [LB:0]       in_bytes;     // bytes of this transfer, 2 .. BB
    logic [LB:0]       w_pos_sum;
    logic [63:0]       next_row_addr;
    logic [DATA_W-1:0] base_data, new_data, in_masked;
    logic [BB-1:0]     base_strb, new_strb, in_strb;

    assign m_wvalid = wb_full && (w_in_burst || lf_count != 0);
    assign m_wlast  = w_in_burst ? (w_burst_left == 9'd1) : (lf_head == 9'd1);
    assign m_wdata  = wb_data;
    assign m_wstrb  = wb_strb;
    assign send     = m_wvalid && m_wready;
    assign lf_pop   = send && !w_in_burst;

    assign in_ready   = w_active && (!wb_full || send);
    assign take       = in_valid && in_ready;
    assign n_take     = 32'(in_n);
    assign in_bytes   = (LB+1)'(in_n) << (es_q ? 2 : 1);
    assign w_pos_sum  = {1'b0, w_pos} + in_bytes;
    assign row_done   = (w_left == n_take);
    assign beat_done  = w_pos_sum[LB] || row_done;
    assign next_row_addr = w_row_addr + stride_q;

    // Place the transfer's bytes at byte w_pos of the beat being assembled.
    always_comb begin
        in_strb = '0;
        for (int b = 0; b < BB; b++)
            if ((LB+1)'(b) < in_bytes)
                in_strb[b] = 1'b1;
        in_masked = '0;
        for (int b = 0; b < BB; b++)
            if (in_strb[b])
                in_masked[b*8 +: 8] = in_data[b*8 +: 8];
        // Bytes without a strobe hold stale data of an earlier beat.
        base_strb = send ? '0 : wb_strb;
        base_data = '0;
        for (int b = 0; b < BB; b++)
            if (base_strb[b])
                base_data[b*8 +: 8] = wb_data[b*8 +: 8];
        new_data  = base_data | (in_masked << {w_pos, 3'b000});
        new_strb  = base_strb | (in_strb << w_pos);
    end

    // w_walk: pack elements into beats, row by row; WLAST per burst.
    always_ff @(posedge clk) begin
        if (!rst_n) begin
            w_active   <= 1'b0;
            wb_full    <= 1'b0;
            wb_strb    <= '0;
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
                    w_pos       <= next_row_addr[LB-1:0];
                    w_left      <= count_q;
                    w_rows_left <= w_rows_left - 1;
                    if (w_rows_left == 32'd1)
                        w_active <= 1'b0;
                end else begin
                    w_pos  <= w_pos_sum[LB-1:0];
                    w_left <= w_left - n_take;
                end
            end else if (send) begin
                wb_full <= 1'b0;
                wb_strb <= '0;
            end
            if (!w_active && !wb_full && cmd_valid && cmd_rows != 0 && cmd_count != 0) begin
                w_active    <= 1'b1;
                w_rows_left <= cmd_rows;
                w_row_addr  <= cmd_addr;
                w_left      <= cmd_count;
                w_pos       <= cmd_addr[LB-1:0];
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
