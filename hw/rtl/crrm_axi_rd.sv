// crrm_axi_rd.sv - burst DMA read engine: AXI4 master read channels (AR, R)
// to a stream of groups of 8- or 16-bit elements, one group per cycle.
//
// A command reads `rows` rows of `count` contiguous elements; row r starts at
// byte addr + r * stride. Groups leave in order, row by row; group g of a
// row holds its elements GS*g .. GS*g+GS-1 (fewer at the end of the row),
// where GS = 2^cmd_lgrp <= DATA_W/16 is the command's group size. The AR
// side runs ahead of the R side, so the memory latency is paid once per
// command, not once per row.
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
// | every beat of a row carries >= 1 element  | beats = ceil((off+bytes)/BB)  |
// | a row's first element sits at addr % BB   | rows of 16-bit elements are   |
// |                                           | 2-byte aligned (host arrays)  |
// | a group of GS elements fits the window    | GS * 2 <= BB: the window holds|
// |                                           | 2 * BB bytes                  |
//
// BB = DATA_W / 8 bytes per beat; ARSIZE = log2(BB), ARBURST = INCR.
module crrm_axi_rd #(
    parameter int DATA_W = 256,
    localparam int BB    = DATA_W / 8,        // bytes per beat
    localparam int LB    = $clog2(BB),
    localparam int GMAX  = DATA_W / 16        // largest group, in elements
) (
    input  logic              clk,
    input  logic              rst_n,
    // command
    input  logic              cmd_valid,    // one-cycle pulse while idle
    input  logic [63:0]       cmd_addr,
    input  logic [31:0]       cmd_rows,
    input  logic [31:0]       cmd_count,
    input  logic [63:0]       cmd_stride,
    input  logic              cmd_es,       // 0: 8-bit, 1: 16-bit elements
    input  logic [3:0]        cmd_lgrp,     // log2 of the group size GS
    output logic              busy,
    // group stream (no backpressure: the consumer takes every group)
    output logic              out_valid,
    output logic [DATA_W-1:0] out_data,     // lane l: element GS*g + l
    output logic [GMAX-1:0]   out_mask,     // lanes that carry an element
    // AXI4 read address and data channels
    output logic [63:0]       m_araddr,
    output logic [7:0]        m_arlen,
    output logic [2:0]        m_arsize,
    output logic [1:0]        m_arburst,
    output logic              m_arvalid,
    input  logic              m_arready,
    input  logic [DATA_W-1:0] m_rdata,
    input  logic              m_rlast,
    input  logic              m_rvalid,
    output logic              m_rready
);
    generate
        if (DATA_W != 64 && DATA_W != 128 && DATA_W != 256 && DATA_W != 512) begin : g_bad_w
            $error("crrm_axi_rd: parameter DATA_W must be 64, 128, 256 or 512");
        end
    endgenerate

    localparam int PB = 12 - LB;   // bits of the beat index within a 4 KiB page
    localparam int WB = LB + 2;    // bits of a byte count in the window (0..2 BB)

    assign m_arsize  = 3'(LB);
    assign m_arburst = 2'b01;

    // Command registers shared by both sides.
    logic [31:0] count_q;
    logic [63:0] stride_q;
    logic        es_q;
    logic [3:0]  lgrp_q;
    logic [17:0] row_bytes;   // count << es, at most 2 * 131071
    assign row_bytes = es_q ? {count_q[16:0], 1'b0} : {1'b0, count_q[16:0]};

    // ---------------------------------------------------------------- AR side
    typedef enum logic [1:0] {AR_IDLE, AR_ROW, AR_BURST} ar_state_t;
    ar_state_t   ar_state;
    logic [31:0] ar_rows_left;
    logic [63:0] ar_row_addr;
    logic [63:0] ar_cur;
    logic [18:0] ar_beats_left;
    logic [PB:0] page_beats;  // beats to the next 4 KiB boundary, 1..4096/BB
    logic [8:0]  burst;       // beats of the burst being offered, 1..256

    assign page_beats = (PB+1)'(1 << PB) - {1'b0, ar_cur[11:LB]};
    always_comb begin
        burst = 9'd256;
        if (19'(page_beats) < 19'(burst))
            burst = 9'(page_beats);
        if (ar_beats_left < 19'(burst))
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
                        ar_cur        <= {ar_row_addr[63:LB], LB'(0)};
                        ar_beats_left <= 19'((20'(ar_row_addr[LB-1:0]) + 20'(row_bytes) +
                                              20'(BB - 1)) >> LB);
                        ar_state      <= AR_BURST;
                    end
                default: // AR_BURST
                    if (m_arready) begin
                        ar_cur        <= ar_cur + (64'(burst) << LB);
                        ar_beats_left <= ar_beats_left - 19'(burst);
                        if (ar_beats_left == 19'(burst)) begin
                            ar_row_addr  <= ar_row_addr + stride_q;
                            ar_rows_left <= ar_rows_left - 1;
                            ar_state     <= AR_ROW;
                        end
                    end
            endcase
        end
    end

    // ----------------------------------------------------------------- R side
    // The bytes of the current row collect in a window of two beats; a group
    // (GS elements: GS * 2 bytes, or GS for 8-bit elements) leaves as soon as
    // the window holds it, or holds the rest of the row. With 16-bit elements
    // and GS = DATA_W/16 a beat per cycle goes in and a group per cycle
    // comes out.
    logic              r_active;
    logic [31:0]       r_rows_left;
    logic [63:0]       r_row_addr;
    logic [17:0]       r_unpushed;   // row bytes not yet taken from the bus
    logic              r_first;      // the next beat is the row's first
    logic [2*DATA_W-1:0] win, win_after_pop, beat_shifted;
    logic [WB-1:0]     win_bytes, win_kept;
    logic [WB-1:0]     grp_bytes;    // bytes per group
    logic [WB-1:0]     pop_bytes;
    logic              pop, take, row_end;
    logic [LB-1:0]     beat_off;
    logic [WB-1:0]     beat_avail;
    logic [17:0]       beat_bytes;
    logic [63:0]       next_row_addr;

    assign grp_bytes  = WB'(1) << (lgrp_q + {3'd0, es_q});
    assign pop        = r_active && win_bytes != 0 &&
                        (win_bytes >= grp_bytes || r_unpushed == 0);
    assign pop_bytes  = (win_bytes >= grp_bytes) ? grp_bytes : win_bytes;
    assign win_after_pop = pop ? (win >> {pop_bytes, 3'b000}) : win;
    assign win_kept   = win_bytes - (pop ? pop_bytes : WB'(0));
    assign m_rready   = r_active && r_unpushed != 0 && win_kept <= WB'(BB);
    assign take       = m_rvalid && m_rready;
    assign beat_off   = r_first ? r_row_addr[LB-1:0] : LB'(0);
    assign beat_avail = WB'(BB) - WB'(beat_off);
    assign beat_bytes = (r_unpushed < 18'(beat_avail)) ? r_unpushed : 18'(beat_avail);
    assign beat_shifted = {{DATA_W{1'b0}}, m_rdata >> {beat_off, 3'b000}} << {win_kept, 3'b000};
    assign row_end    = pop && r_unpushed == 0 && win_bytes == pop_bytes;
    assign next_row_addr = r_row_addr + stride_q;

    // Group lanes: 16-bit elements as they are, 8-bit ones zero-extended.
    assign out_valid = pop;
    always_comb begin
        out_mask = '0;
        for (int l = 0; l < GMAX; l++) begin
            if (es_q) begin
                out_data[l*16 +: 16] = win[l*16 +: 16];
                if ((WB+1)'(2 * l) < (WB+1)'(pop_bytes))
                    out_mask[l] = 1'b1;
            end else begin
                out_data[l*16 +: 16] = {8'd0, win[l*8 +: 8]};
                if ((WB+1)'(l) < (WB+1)'(pop_bytes))
                    out_mask[l] = 1'b1;
            end
        end
    end

    // r_walk: beats into the window, groups out; one row after another.
    always_ff @(posedge clk) begin
        if (!rst_n) begin
            r_active  <= 1'b0;
            win_bytes <= '0;
        end else begin
            if (!r_active) begin
                if (cmd_valid && cmd_rows != 0 && cmd_count != 0) begin
                    r_active    <= 1'b1;
                    r_rows_left <= cmd_rows;
                    r_row_addr  <= cmd_addr;
                    r_unpushed  <= cmd_es ? {cmd_count[16:0], 1'b0} : {1'b0, cmd_count[16:0]};
                    r_first     <= 1'b1;
                    win         <= '0;
                    win_bytes   <= '0;
                    count_q     <= cmd_count;
                    stride_q    <= cmd_stride;
                    es_q        <= cmd_es;
                    lgrp_q      <= cmd_lgrp;
                end
            end else if (row_end) begin
                // Bytes past the row's end in its last beat must not mix
                // into the next row: the window restarts empty.
                win         <= '0;
                win_bytes   <= '0;
                r_row_addr  <= next_row_addr;
                r_unpushed  <= row_bytes;
                r_first     <= 1'b1;
                r_rows_left <= r_rows_left - 1;
                if (r_rows_left == 32'd1)
                    r_active <= 1'b0;
            end else begin
                win       <= take ? (win_after_pop | beat_shifted) : win_after_pop;
                win_bytes <= win_kept + (take ? WB'(beat_bytes) : WB'(0));
                if (take) begin
                    r_unpushed <= r_unpushed - beat_bytes;
                    r_first    <= 1'b0;
                end
            end
        end
    end

    assign busy = r_active || (ar_state != AR_IDLE);

    logic unused;
    assign unused = m_rlast ^ (^count_q[31:17]) ^ (^win[2*DATA_W-1:DATA_W]);
endmodule
