// crrm_top.sv - the CRRM accelerator as one Vitis RTL kernel: the three
// kernels of hw/hls/crrm_kernels.h behind one AXI4-Lite control slave
// (ap_ctrl_hs) and one AXI4 master, selected by the MODE register.
//
// | MODE | kernel      | PTR0..PTR4            | ARG0..ARG5                     |
// |------|-------------|-----------------------|--------------------------------|
// | 0    | gemm        | a, b, c, -, -         | m, n, k, trans_a, trans_b,     |
// |      |             |                       | shift                          |
// | 1    | lowrank_fwd | x, v, u, t, y         | rows, in, rank, outs, t_shift, |
// |      |             |                       | y_shift                        |
// | 2    | mi_hist     | t, labels, hist, joint| rows, units, classes,          |
// |      |             |                       | bins_log2, range_log2, -       |
//
// Parameters (all sizes powers of two):
//
// | parameter  | meaning                                  | default | limit  |
// |------------|------------------------------------------|---------|--------|
// | P, Q       | systolic array rows x columns            | 4 x 4   | 4..32  |
// | TILE_M     | output rows per tile (GEMM m, fused rows)| 64      | >= 2P  |
// | TILE_N     | output cols per tile; also largest rank  | 128     | >= 2Q  |
// |            | (as TILE_K)                              |         |        |
// | TILE_K     | reduction elements per tile slice        | 128     | >= 8   |
// | HIST_BANKS | units histogrammed per pass, one bank each | 16    | 4..32  |
// | HIST_CHUNK | samples buffered per pass                | 256     | >= 8   |
// | DATA_W     | AXI4 data bus width in bits: DATA_W/16   | 256     | 64, 128|
// |            | int16 or DATA_W/32 int32 per beat        |         | 256,512|
//
// Load geometry derived from the parameters (all powers of two):
//
// | name | value                        | meaning                            |
// |------|------------------------------|------------------------------------|
// | G    | DATA_W / 16                  | int16 per beat (sample group)      |
// | WL   | min(G, TILE_K / 2)           | k per bank word (lanes); the group |
// |      |                              | of an untransposed load            |
// | SA   | min(G, max(P, TILE_M / 2))   | group of a transposed A load: SA   |
// |      |                              | consecutive rows at one k          |
// | NSA  | max(1, SA / P)               | sub-banks per A bank: row i is in  |
// |      |                              | bank i mod P, sub (i / P) mod NSA  |
// | SB   | min(G, max(Q, TILE_N / 2))   | as SA, for B (rows = op(B)^T rows) |
// | NSB  | max(1, SB / Q)               | sub-banks per B bank               |
// | SL   | min(G, HIST_CHUNK / 2)       | labels per group and label word    |
// | NS   | min(DATA_W / 32, Q)          | elements per store issue at most;  |
// |      |                              | also columns per T-buffer word     |
//
// Datapath: burst DMA (crrm_axi_rd, one group of up to G elements per
// cycle) fills the
// ping-pong tile buffers A (2 halves of TILE_M x TILE_K, P banks by row), B
// (2 halves of TILE_N x TILE_K, Q banks by row of op(B)^T) and, for the
// fused kernel, T (TILE_M x TILE_N, P banks). The load side of the
// sequencer loads slice n+1 into one half while the compute side runs
// slice n from the other; one descriptor per slice passes between them. The feeder walks the P x Q blocks of the output tile and streams
// each block's reduction into the systolic array. Finished block sums are
// added into one of two 48-bit accumulator banks (one word = one block).
// The store unit rounds and saturates a finished tile from the other bank
// and streams it to crrm_axi_wr (up to NS int32 per cycle)
// while the next tile loads and computes.
// The fused kernel stores its T tile both to memory and into the T buffer,
// which is the A operand of the second product: T never leaves the chip
// between the products.
//
// Overlap rules of the sequencer:
//
// | unit running          | may run at the same time          | waits for     |
// |-----------------------|-----------------------------------|---------------|
// | store of tile t       | loads and compute of tile t+1     | store of t-1  |
// | compute of slice n    | loads of later slices, a store    | its loads     |
// | compute (fused 2nd)   | store of Y, loads                 | store of T    |
// | load into a half      | compute from the other half       | the half's    |
// |                       |                                   | descriptors   |
//
// Numeric contract (as hw/hls): 48-bit exact sums, then round (add
// 2^(s-1), arithmetic shift right; s = 0 passes) and saturate once.
module crrm_top #(
    parameter int P          = 4,
    parameter int Q          = 4,
    parameter int TILE_M     = 64,
    parameter int TILE_N     = 128,
    parameter int TILE_K     = 128,
    parameter int HIST_BANKS = 16,
    parameter int HIST_CHUNK = 256,
    parameter int DATA_W     = 256
) (
    input  logic        ap_clk,
    input  logic        ap_rst_n,
    // AXI4-Lite control slave
    input  logic [7:0]  s_axi_control_awaddr,
    input  logic        s_axi_control_awvalid,
    output logic        s_axi_control_awready,
    input  logic [31:0] s_axi_control_wdata,
    input  logic [3:0]  s_axi_control_wstrb,
    input  logic        s_axi_control_wvalid,
    output logic        s_axi_control_wready,
    output logic [1:0]  s_axi_control_bresp,
    output logic        s_axi_control_bvalid,
    input  logic        s_axi_control_bready,
    input  logic [7:0]  s_axi_control_araddr,
    input  logic        s_axi_control_arvalid,
    output logic        s_axi_control_arready,
    output logic [31:0] s_axi_control_rdata,
    output logic [1:0]  s_axi_control_rresp,
    output logic        s_axi_control_rvalid,
    input  logic        s_axi_control_rready,
    /* verilator lint_off SYMRSVDWORD */
    output logic        interrupt,
    /* verilator lint_on SYMRSVDWORD */
    // AXI4 master to device memory (DATA_W-bit data, 64-bit addresses)
    output logic [63:0] m_axi_gmem_araddr,
    output logic [7:0]  m_axi_gmem_arlen,
    output logic [2:0]  m_axi_gmem_arsize,
    output logic [1:0]  m_axi_gmem_arburst,
    output logic        m_axi_gmem_arvalid,
    input  logic        m_axi_gmem_arready,
    input  logic [DATA_W-1:0] m_axi_gmem_rdata,
    input  logic [1:0]  m_axi_gmem_rresp,
    input  logic        m_axi_gmem_rlast,
    input  logic        m_axi_gmem_rvalid,
    output logic        m_axi_gmem_rready,
    output logic [63:0] m_axi_gmem_awaddr,
    output logic [7:0]  m_axi_gmem_awlen,
    output logic [2:0]  m_axi_gmem_awsize,
    output logic [1:0]  m_axi_gmem_awburst,
    output logic        m_axi_gmem_awvalid,
    input  logic        m_axi_gmem_awready,
    output logic [DATA_W-1:0] m_axi_gmem_wdata,
    output logic [DATA_W/8-1:0] m_axi_gmem_wstrb,
    output logic        m_axi_gmem_wlast,
    output logic        m_axi_gmem_wvalid,
    input  logic        m_axi_gmem_wready,
    input  logic [1:0]  m_axi_gmem_bresp,
    input  logic        m_axi_gmem_bvalid,
    output logic        m_axi_gmem_bready
);
    // ------------------------------------------------------------ parameters
    localparam int LP   = $clog2(P);
    localparam int LQ   = $clog2(Q);
    localparam int LTM  = $clog2(TILE_M);
    localparam int LTN  = $clog2(TILE_N);
    localparam int LTK  = $clog2(TILE_K);
    localparam int LHB  = $clog2(HIST_BANKS);
    localparam int LCH  = $clog2(HIST_CHUNK);
    localparam int LNBI = LTM - LP;          // log2 of blocks per tile column
    localparam int LNBJ = LTN - LQ;          // log2 of blocks per tile row
    localparam int LMIN = (P + Q - 1 > 2) ? P + Q - 1 : 2;  // shortest block
    localparam int PQ   = P * Q;
    // Load geometry (see the table in the header).
    localparam int G    = DATA_W / 16;
    localparam int LG   = $clog2(G);
    localparam int BB   = DATA_W / 8;
    localparam int NE   = DATA_W / 32;
    localparam int LNE  = $clog2(NE);
    localparam int WL   = (G < TILE_K / 2) ? G : TILE_K / 2;
    localparam int LWL  = $clog2(WL);
    localparam int SA_M = (P > TILE_M / 2) ? P : TILE_M / 2;
    localparam int SA   = (G < SA_M) ? G : SA_M;
    localparam int LSA  = $clog2(SA);
    localparam int NSA  = (SA > P) ? SA / P : 1;
    localparam int LNSA = $clog2(NSA);
    localparam int SB_N = (Q > TILE_N / 2) ? Q : TILE_N / 2;
    localparam int SB   = (G < SB_N) ? G : SB_N;
    localparam int LSB  = $clog2(SB);
    localparam int NSB  = (SB > Q) ? SB / Q : 1;
    localparam int LNSB = $clog2(NSB);
    localparam int SL   = (G < HIST_CHUNK / 2) ? G : HIST_CHUNK / 2;
    localparam int LSL  = $clog2(SL);
    localparam int NS   = (NE < Q) ? NE : Q;
    localparam int LNS  = $clog2(NS);

    localparam logic [31:0] MAX_K     = 32'd131071;
    localparam logic [31:0] MAX_SHIFT = 32'd47;

    generate
        if (P < 4 || P > 32 || (1 << LP) != P) begin : g_bad_p
            $error("crrm_top: parameter P must be a power of 2 in 4..32");
        end
        if (Q < 4 || Q > 32 || (1 << LQ) != Q) begin : g_bad_q
            $error("crrm_top: parameter Q must be a power of 2 in 4..32");
        end
        if ((1 << LTM) != TILE_M || TILE_M < 2 * P) begin : g_bad_tm
            $error("crrm_top: parameter TILE_M must be a power of 2 >= 2*P");
        end
        if ((1 << LTN) != TILE_N || TILE_N < 2 * Q) begin : g_bad_tn
            $error("crrm_top: parameter TILE_N must be a power of 2 >= 2*Q");
        end
        if ((1 << LTK) != TILE_K || TILE_K < 8) begin : g_bad_tk
            $error("crrm_top: parameter TILE_K must be a power of 2 >= 8");
        end
        if ((1 << LHB) != HIST_BANKS || HIST_BANKS < 4 || HIST_BANKS > 32) begin : g_bad_hb
            $error("crrm_top: parameter HIST_BANKS must be a power of 2 in 4..32");
        end
        if ((1 << LCH) != HIST_CHUNK || HIST_CHUNK < 8) begin : g_bad_ch
            $error("crrm_top: parameter HIST_CHUNK must be a power of 2 >= 8");
        end
        if (DATA_W != 64 && DATA_W != 128 && DATA_W != 256 && DATA_W != 512) begin : g_bad_w
            $error("crrm_top: parameter DATA_W must be 64, 128, 256 or 512");
        end
    endgenerate

    logic clk, rst_n;
    assign clk   = ap_clk;
    assign rst_n = ap_rst_n;

    function automatic logic [31:0] min32(input logic [31:0] a, input logic [31:0] b);
        min32 = (a < b) ? a : b;
    endfunction

    // Is x + step < limit, without 32-bit overflow?
    function automatic logic more(input logic [31:0] x, input logic [31:0] step,
                                  input logic [31:0] limit);
        more = ({1'b0, x} + {1'b0, step}) < {1'b0, limit};
    endfunction

    // --------------------------------------------------------- control slave
    logic          start, running, done_pulse, rejected;
    logic [1:0]    mode;
    logic [319:0]  ptr_flat;
    logic [191:0]  arg_flat;
    logic [383:0]  cnt_flat;
    logic [63:0]   cnt_busy, cnt_macs, cnt_hist, cnt_rd, cnt_wr, cnt_stall;

    assign cnt_flat = {cnt_stall, cnt_wr, cnt_rd, cnt_hist, cnt_macs, cnt_busy};

    crrm_ctrl #(.P(P), .Q(Q), .DATA_W(DATA_W)) u_ctrl (
        .clk(clk), .rst_n(rst_n),
        .s_awaddr(s_axi_control_awaddr), .s_awvalid(s_axi_control_awvalid),
        .s_awready(s_axi_control_awready), .s_wdata(s_axi_control_wdata),
        .s_wstrb(s_axi_control_wstrb), .s_wvalid(s_axi_control_wvalid),
        .s_wready(s_axi_control_wready), .s_bresp(s_axi_control_bresp),
        .s_bvalid(s_axi_control_bvalid), .s_bready(s_axi_control_bready),
        .s_araddr(s_axi_control_araddr), .s_arvalid(s_axi_control_arvalid),
        .s_arready(s_axi_control_arready), .s_rdata(s_axi_control_rdata),
        .s_rresp(s_axi_control_rresp), .s_rvalid(s_axi_control_rvalid),
        .s_rready(s_axi_control_rready), .irq(interrupt),
        .start(start), .running(running), .done(done_pulse), .rejected(rejected),
        .mode(mode), .ptr(ptr_flat), .arg(arg_flat), .cnt(cnt_flat)
    );

    // Arguments, latched at start so the host may rewrite them during a run.
    logic [63:0] p0, p1, p2, p3, p4;
    logic [31:0] a0, a1, a2, a3, a4, a5;
    logic [1:0]  kmode;

    // ------------------------------------------------------------ DMA engines
    logic        rd_go, rd_busy, rd_ev;
    logic [63:0] rd_addr, rd_stride;
    logic [31:0] rd_rows, rd_count;
    logic        rd_es;
    logic [3:0]  rd_lgrp; // log2 of the group size of the current load
    logic [DATA_W-1:0] rd_ed;   // a group: lane l is element GS*g + l of the row
    logic [G-1:0]      rd_em;   // lanes that carry an element

    crrm_axi_rd #(.DATA_W(DATA_W)) u_rd (
        .clk(clk), .rst_n(rst_n),
        .cmd_valid(rd_go), .cmd_addr(rd_addr), .cmd_rows(rd_rows),
        .cmd_count(rd_count), .cmd_stride(rd_stride), .cmd_es(rd_es),
        .cmd_lgrp(rd_lgrp),
        .busy(rd_busy), .out_valid(rd_ev), .out_data(rd_ed), .out_mask(rd_em),
        .m_araddr(m_axi_gmem_araddr), .m_arlen(m_axi_gmem_arlen),
        .m_arsize(m_axi_gmem_arsize), .m_arburst(m_axi_gmem_arburst),
        .m_arvalid(m_axi_gmem_arvalid), .m_arready(m_axi_gmem_arready),
        .m_rdata(m_axi_gmem_rdata), .m_rlast(m_axi_gmem_rlast),
        .m_rvalid(m_axi_gmem_rvalid), .m_rready(m_axi_gmem_rready)
    );

    logic        wr_go, wr_busy, wr_stall, wr_iv, wr_ir;
    logic [63:0] wr_addr, wr_stride;
    logic [31:0] wr_rows, wr_count;
    logic [DATA_W-1:0] wr_id;
    logic [LNE:0]      wr_n;
    logic        wr_es;

    crrm_axi_wr #(.DATA_W(DATA_W)) u_wr (
        .clk(clk), .rst_n(rst_n),
        .cmd_valid(wr_go), .cmd_addr(wr_addr), .cmd_rows(wr_rows),
        .cmd_count(wr_count), .cmd_stride(wr_stride), .cmd_es(wr_es),
        .busy(wr_busy), .stall(wr_stall),
        .in_valid(wr_iv), .in_data(wr_id), .in_n(wr_n), .in_ready(wr_ir),
        .m_awaddr(m_axi_gmem_awaddr), .m_awlen(m_axi_gmem_awlen),
        .m_awsize(m_axi_gmem_awsize), .m_awburst(m_axi_gmem_awburst),
        .m_awvalid(m_axi_gmem_awvalid), .m_awready(m_axi_gmem_awready),
        .m_wdata(m_axi_gmem_wdata), .m_wstrb(m_axi_gmem_wstrb),
        .m_wlast(m_axi_gmem_wlast), .m_wvalid(m_axi_gmem_wvalid),
        .m_wready(m_axi_gmem_wready), .m_bvalid(m_axi_gmem_bvalid),
        .m_bready(m_axi_gmem_bready)
    );

    // ------------------------------------------------------------ load sink
    // Where each group of the read stream goes. Without ld_swap a group is
    // WL consecutive k of one buffer row: one bank, one word, WL lanes.
    // With ld_swap (a transposed operand) it is SA (A) or SB (B) consecutive
    // rows at one k: one lane in each of SA banks or sub-banks. The group
    // size per load (rd_lgrp) follows from the target:
    //
    // | target | ld_swap | group      | lanes written per bank (sub-bank)   |
    // |--------|---------|------------|-------------------------------------|
    // | A      | 0       | WL k       | WL lanes of one word                |
    // | A      | 1       | SA rows    | one lane (lane = k mod WL)          |
    // | B      | 0       | WL k       | WL lanes of one word                |
    // | B      | 1       | SB rows    | one lane                            |
    // | labels | -       | SL labels  | SL lanes of one label word          |
    // | t      | -       | G units    | one sample RAM per unit             |
    localparam logic [1:0] LD_A = 2'd0, LD_B = 2'd1, LD_LBL = 2'd2, LD_SMP = 2'd3;
    logic [1:0]  ld_target;
    logic        ld_swap;
    logic [31:0] ld_inner_n;     // elements per row of the stream
    logic [31:0] ld_outer, ld_grp;
    logic [31:0] ld_grp_m1;
    logic        ld_ha, ld_hb;   // buffer halves the loads write
    always_comb begin
        case (ld_target)
            LD_A:    rd_lgrp = 4'(ld_swap ? LSA : LWL);
            LD_B:    rd_lgrp = 4'(ld_swap ? LSB : LWL);
            LD_LBL:  rd_lgrp = 4'(LSL);
            default: rd_lgrp = 4'(LG);
        endcase
    end
    assign ld_grp_m1 = (ld_inner_n - 1) >> rd_lgrp;

    // ---------------------------------------------------------- tile buffers
    // Bank words hold WL consecutive k (lane = k mod WL). Row i of A is in
    // bank i mod P, sub-bank (i / P) mod NSA, word row i / (P * NSA); B
    // likewise with Q and NSB. The sub-banks let a transposed load write SA
    // (SB) rows per cycle when SA > P (SB > Q); the feeder reads one block
    // row bi, so all P banks read sub-bank bi mod NSA.
    // A and B are ping-pong buffers: the top address bit picks the half, so
    // one half loads while the feeder reads the other.
    //
    // | invariant                                | why it holds              |
    // |------------------------------------------|---------------------------|
    // | a group of an untransposed load is one   | its WL k start at a       |
    // | word of one bank                         | multiple of WL (k0 is a   |
    // |                                          | multiple of TILE_K >= 2WL)|
    // | a transposed group writes each (sub-)bank| SA <= P * NSA and rows of |
    // | at most once                             | a group are consecutive   |
    // | >= 2 word rows and >= 2 k words per      | SA <= TILE_M / 2 or SA <= |
    // | sub-bank half (no zero-width address)    | P; WL <= TILE_K / 2       |
    localparam int LRA  = LNBI - LNSA;             // word-row bits of an A sub-bank
    localparam int LRB  = LNBJ - LNSB;
    localparam int LKW  = LTK - LWL;               // k-word bits
    localparam int AA   = 1 + LRA + LKW;           // A sub-bank word address bits
    localparam int BA   = 1 + LRB + LKW;           // B sub-bank word address bits
    localparam int TA   = LNBI + LTN;              // T bank address bits
    localparam int SHA  = (SA < P) ? LP - LSA : 0; // transposed A: group -> word row
    localparam int SHB  = (SB < Q) ? LQ - LSB : 0;
    localparam int GMA  = (SA < P) ? P / SA : 1;   // groups per word row
    localparam int GMB  = (SB < Q) ? Q / SB : 1;

    logic [P*16-1:0]        a_rd, t_rd;
    logic [P*NSA*WL*16-1:0] a_words;
    logic [Q*NSB*WL*16-1:0] b_words;
    logic [Q*16-1:0]        b_rd;
    logic [AA-1:0]          a_raddr;
    logic [BA-1:0]          b_raddr;
    logic [TA-LNS-1:0]      t_raddr;     // T word: NS columns of one row
    logic [NS-1:0]          t_we;        // lanes of the T word written
    logic [LP-1:0]          t_wbank;
    logic [TA-LNS-1:0]      t_waddr;
    logic [NS*16-1:0]       t_wdata;
    logic [NS*16*P-1:0]     t_words;
    logic [LNS-1:0]         d1_tlane;
    logic [LWL-1:0]         d1_lane;
    logic [LNBI-1:0]        d1_bi;
    logic [LNBJ-1:0]        d1_bj;

    genvar gi, gs;
    generate
        for (gi = 0; gi < P; gi++) begin : g_abank
            for (gs = 0; gs < NSA; gs++) begin : g_sub
                logic [WL-1:0]    we;
                logic [AA-1:0]    waddr;
                logic [WL*16-1:0] wdata;
                always_comb begin
                    we    = '0;
                    waddr = {ld_ha, LRA'(ld_outer[LTM-1:0] >> (LP + LNSA)), LKW'(ld_grp)};
                    wdata = rd_ed[WL*16-1:0];
                    if (rd_ev && ld_target == LD_A) begin
                        if (!ld_swap) begin
                            if (ld_outer[LP-1:0] == LP'(gi) &&
                                32'((ld_outer >> LP) % NSA) == 32'(gs))
                                we = rd_em[WL-1:0];
                        end else begin
                            // row SA*g + ((gs*P + gi) mod SA) lands here
                            waddr = {ld_ha, LRA'(ld_grp >> SHA), LKW'(ld_outer >> LWL)};
                            wdata = {WL{rd_ed[((gs * P + gi) % SA)*16 +: 16]}};
                            if (32'(ld_grp % GMA) == 32'(gi / SA) && rd_em[(gs * P + gi) % SA])
                                we[ld_outer[LWL-1:0]] = 1'b1;
                        end
                    end
                end
                crrm_ram_lanes #(.LW(16), .LANES(WL), .DEPTH(1 << AA)) u_a (
                    .clk(clk), .we(we), .waddr(waddr), .wdata(wdata),
                    .raddr(a_raddr), .rdata(a_words[(gi*NSA + gs)*WL*16 +: WL*16])
                );
            end
            always_comb begin
                a_rd[gi*16 +: 16] = '0;
                for (int s = 0; s < NSA; s++)
                    for (int l = 0; l < WL; l++)
                        if (32'(d1_bi) % NSA == 32'(s) && d1_lane == LWL'(l))
                            a_rd[gi*16 +: 16] = a_words[((gi*NSA + s)*WL + l)*16 +: 16];
            end
            // T bank: words of NS consecutive columns of one row.
            crrm_ram_lanes #(.LW(16), .LANES(NS), .DEPTH(1 << (TA - LNS))) u_t (
                .clk(clk), .we((t_wbank == LP'(gi)) ? t_we : {NS{1'b0}}), .waddr(t_waddr),
                .wdata(t_wdata), .raddr(t_raddr), .rdata(t_words[gi*NS*16 +: NS*16])
            );
            always_comb begin
                t_rd[gi*16 +: 16] = t_words[gi*NS*16 +: 16];
                for (int l = 1; l < NS; l++)
                    if (d1_tlane == LNS'(l))
                        t_rd[gi*16 +: 16] = t_words[(gi*NS + l)*16 +: 16];
            end
        end
        for (gi = 0; gi < Q; gi++) begin : g_bbank
            for (gs = 0; gs < NSB; gs++) begin : g_sub
                logic [WL-1:0]    we;
                logic [BA-1:0]    waddr;
                logic [WL*16-1:0] wdata;
                always_comb begin
                    we    = '0;
                    waddr = {ld_hb, LRB'(ld_outer[LTN-1:0] >> (LQ + LNSB)), LKW'(ld_grp)};
                    wdata = rd_ed[WL*16-1:0];
                    if (rd_ev && ld_target == LD_B) begin
                        if (!ld_swap) begin
                            if (ld_outer[LQ-1:0] == LQ'(gi) &&
                                32'((ld_outer >> LQ) % NSB) == 32'(gs))
                                we = rd_em[WL-1:0];
                        end else begin
                            waddr = {ld_hb, LRB'(ld_grp >> SHB), LKW'(ld_outer >> LWL)};
                            wdata = {WL{rd_ed[((gs * Q + gi) % SB)*16 +: 16]}};
                            if (32'(ld_grp % GMB) == 32'(gi / SB) && rd_em[(gs * Q + gi) % SB])
                                we[ld_outer[LWL-1:0]] = 1'b1;
                        end
                    end
                end
                crrm_ram_lanes #(.LW(16), .LANES(WL), .DEPTH(1 << BA)) u_b (
                    .clk(clk), .we(we), .waddr(waddr), .wdata(wdata),
                    .raddr(b_raddr), .rdata(b_words[(gi*NSB + gs)*WL*16 +: WL*16])
                );
            end
            always_comb begin
                b_rd[gi*16 +: 16] = '0;
                for (int s = 0; s < NSB; s++)
                    for (int l = 0; l < WL; l++)
                        if (32'(d1_bj) % NSB == 32'(s) && d1_lane == LWL'(l))
                            b_rd[gi*16 +: 16] = b_words[((gi*NSB + s)*WL + l)*16 +: 16];
            end
        end
    endgenerate

    // ---------------------------------------------------------------- feeder
    // Walks blocks (bi, bj) of the output tile; each block streams L steps
    // (L = max(tk, LMIN), steps at or past tk are zero padding).
    logic            cf_go, cf_run, cf_src_t, cf_first, cf_ha, cf_hb;
    logic [31:0]     cf_tk, cf_len, cf_kk;
    logic [LNBI-1:0] cf_bi, cf_nbi_m1;
    logic [LNBJ-1:0] cf_bj, cf_nbj_m1;
    logic [31:0]     cf_rows_rem, cf_cols_rem, cf_tm, cf_tn;
    logic [15:0]     cf_nvalid;
    logic [31:0]     cf_rows_v, cf_cols_v;
    logic            d1_v, d1_f, d1_l, d1_pad;

    assign cf_rows_v = min32(cf_rows_rem, P);
    assign cf_cols_v = min32(cf_cols_rem, Q);
    always_comb begin
        cf_nvalid = 16'd0;
        for (int r = 0; r < P; r++)
            if (32'(r) < cf_rows_v)
                cf_nvalid = cf_nvalid + cf_cols_v[15:0];
    end

    assign a_raddr = {cf_ha, LRA'(cf_bi >> LNSA), cf_kk[LTK-1:LWL]};
    assign b_raddr = {cf_hb, LRB'(cf_bj >> LNSB), cf_kk[LTK-1:LWL]};

    // Tags of blocks in flight in the array: {first slice, bi, bj}.
    localparam int TAGW = 1 + LNBI + LNBJ;
    logic            tag_push, tag_pop;
    logic [TAGW-1:0] tag_head;
    logic [2:0]      tag_count;
    assign tag_push = cf_run && cf_kk == 32'd0;
    crrm_fifo #(.W(TAGW), .DEPTH(4)) u_tags (
        .clk(clk), .rst_n(rst_n), .push(tag_push), .push_data({cf_first, cf_bi, cf_bj}),
        .pop(tag_pop), .head(tag_head), .count(tag_count)
    );

    // feeder_walk
    always_ff @(posedge clk) begin
        if (!rst_n) begin
            cf_run <= 1'b0;
            d1_v   <= 1'b0;
            d1_f   <= 1'b0;
            d1_l   <= 1'b0;
            d1_pad <= 1'b0;
        end else begin
            d1_v   <= cf_run;
            d1_f   <= cf_run && cf_kk == 32'd0;
            d1_l   <= cf_run && cf_kk == cf_len - 1;
            d1_pad <= cf_kk >= cf_tk;
            d1_lane <= cf_kk[LWL-1:0];
            d1_tlane <= cf_kk[LNS-1:0];
            d1_bi   <= cf_bi;
            d1_bj   <= cf_bj;
            if (cf_go) begin
                cf_run      <= (cf_tm != 0) && (cf_tn != 0);
                cf_kk       <= 32'd0;
                cf_bi       <= '0;
                cf_bj       <= '0;
                cf_len      <= (cf_tk > 32'(LMIN)) ? cf_tk : 32'(LMIN);
                cf_rows_rem <= cf_tm;
                cf_cols_rem <= cf_tn;
                cf_nbi_m1   <= LNBI'((cf_tm - 1) >> LP);
                cf_nbj_m1   <= LNBJ'((cf_tn - 1) >> LQ);
            end else if (cf_run) begin
                if (cf_kk == cf_len - 1) begin
                    cf_kk <= 32'd0;
                    if (cf_bj == cf_nbj_m1) begin
                        cf_bj       <= '0;
                        cf_cols_rem <= cf_tn;
                        cf_rows_rem <= cf_rows_rem - P;
                        if (cf_bi == cf_nbi_m1)
                            cf_run <= 1'b0;
                        else
                            cf_bi <= cf_bi + 1'b1;
                    end else begin
                        cf_bj       <= cf_bj + 1'b1;
                        cf_cols_rem <= cf_cols_rem - Q;
                    end
                end else begin
                    cf_kk <= cf_kk + 1;
                end
            end
        end
    end

    // ---------------------------------------------------------- the array
    logic [P*16-1:0] arr_a;
    logic [PQ*48-1:0] arr_sums;
    logic            arr_snap;
    assign arr_a = d1_pad ? '0 : (cf_src_t ? t_rd : a_rd);

    crrm_systolic #(.P(P), .Q(Q)) u_array (
        .clk(clk), .rst_n(rst_n), .a_vec(arr_a), .b_vec(b_rd),
        .v(d1_v), .f(d1_f), .l(d1_l), .sums(arr_sums), .snap(arr_snap)
    );

    // ------------------------------------------------------- accumulator RAM
    // Two accumulator banks: the array fills one while the store unit
    // drains the other (acc_sel: bank of the compute, st_bank: of the store).
    localparam int CA = LNBI + LNBJ;
    logic [PQ*48-1:0] acc_rd, acc_wdata, ac_sums;
    logic [CA:0]      acc_raddr;
    logic [CA-1:0]    st_acc_addr;
    logic             acc_sel, st_bank;
    logic             ac_v, ac_first;
    logic [CA-1:0]    ac_blk;

    assign tag_pop   = arr_snap;
    assign acc_raddr = arr_snap ? {acc_sel, tag_head[CA-1:0]} : {st_bank, st_acc_addr};

    generate
        for (gi = 0; gi < PQ; gi++) begin : g_accadd
            assign acc_wdata[gi*48 +: 48] = (ac_first ? 48'd0 : acc_rd[gi*48 +: 48]) + ac_sums[gi*48 +: 48];
        end
    endgenerate

    crrm_ram #(.W(PQ*48), .DEPTH(2 << CA)) u_acc (
        .clk(clk), .we(ac_v), .waddr({acc_sel, ac_blk}), .wdata(acc_wdata),
        .re(1'b1), .raddr(acc_raddr), .rdata(acc_rd)
    );

    // accumulate: block sums join the tile's running sums.
    always_ff @(posedge clk) begin
        if (!rst_n) begin
            ac_v <= 1'b0;
        end else begin
            ac_v <= arr_snap;
        end
        if (arr_snap) begin
            ac_sums  <= arr_sums;
            ac_first <= tag_head[TAGW-1];
            ac_blk   <= tag_head[CA-1:0];
        end
    end

    logic cf_busy;
    assign cf_busy = cf_run || d1_v || tag_count != 0 || ac_v;

    // ------------------------------------------------------------ histogram
    logic [HIST_BANKS*16-1:0] smp_rd;
    logic [7:0]               lbl_rd;
    logic [LCH-1:0]           hr_s;
    logic                     hr_go, hr_run, hr_v;
    logic [31:0]              hr_sn;
    logic [31:0]              h_gn, h_classes;
    logic [4:0]               h_frac;
    logic [5:0]               h_bins_m1;
    logic [16:0]              h_centre0;
    logic                     h_clr;
    logic [8:0]               h_clr_addr, h_rd_addr;
    logic [HIST_BANKS*32-1:0] h_even, h_odd;
    logic                     lbl_ok;

    // Labels: SL per word, as they arrive (lane l of a group is label
    // SL*g + l, zero-extended to 16 bits by the read engine).
    logic [SL*8-1:0] lbl_words, lbl_wdata;
    logic [LSL-1:0]  hr_lane;
    always_comb
        for (int l = 0; l < SL; l++)
            lbl_wdata[l*8 +: 8] = rd_ed[l*16 +: 8];
    crrm_ram_lanes #(.LW(8), .LANES(SL), .DEPTH(HIST_CHUNK / SL)) u_lbl (
        .clk(clk), .we((rd_ev && ld_target == LD_LBL) ? rd_em[SL-1:0] : {SL{1'b0}}),
        .waddr(ld_grp[LCH-LSL-1:0]), .wdata(lbl_wdata),
        .raddr(hr_s[LCH-1:LSL]), .rdata(lbl_words)
    );
    always_comb begin
        lbl_rd = lbl_words[7:0];
        for (int l = 1; l < SL; l++)
            if (hr_lane == LSL'(l))
                lbl_rd = lbl_words[l*8 +: 8];
    end
    assign lbl_ok = {24'd0, lbl_rd} < h_classes;

    generate
        for (gi = 0; gi < HIST_BANKS; gi++) begin : g_hbank
            logic we;
            // unit G*g + (gi mod G) of the group is this bank's
            assign we = rd_ev && ld_target == LD_SMP && ld_grp == 32'(gi / G) && rd_em[gi % G];
            crrm_ram #(.W(16), .DEPTH(HIST_CHUNK)) u_smp (
                .clk(clk), .we(we), .waddr(ld_outer[LCH-1:0]), .wdata(rd_ed[(gi % G)*16 +: 16]),
                .re(1'b1), .raddr(hr_s), .rdata(smp_rd[gi*16 +: 16])
            );
            crrm_hist_bank u_bank (
                .clk(clk), .rst_n(rst_n),
                .frac_bits(h_frac), .bins_m1(h_bins_m1), .centre0(h_centre0),
                .upd_v(hr_v && lbl_ok && 32'(gi) < h_gn),
                .upd_class(lbl_rd[3:0]), .upd_code(smp_rd[gi*16 +: 16]),
                .clr_v(h_clr), .clr_addr(h_clr_addr), .rd_addr(h_rd_addr),
                .rd_even(h_even[gi*32 +: 32]), .rd_odd(h_odd[gi*32 +: 32])
            );
        end
    endgenerate

    // hist_replay: one buffered sample per cycle into every bank.
    always_ff @(posedge clk) begin
        if (!rst_n) begin
            hr_run <= 1'b0;
            hr_v   <= 1'b0;
        end else begin
            hr_v <= hr_run;
            hr_lane <= hr_s[LSL-1:0];
            if (hr_go) begin
                hr_run <= (hr_sn != 0);
                hr_s   <= '0;
            end else if (hr_run) begin
                if (32'(hr_s) == hr_sn - 1)
                    hr_run <= 1'b0;
                hr_s <= hr_s + 1'b1;
            end
        end
    end

    // ------------------------------------------------------------ store unit
    // Streams one tile (or one histogram row) to the write engine through a
    // 4-entry skid FIFO; a read is issued only when the FIFO has room for it.
    // An int32 tile moves st_n elements per issue, up to NS, of row i from
    // column j on; st_n is the largest count the wide-issue rule allows:
    //
    // | wide-issue rule (st_n > 1)          | why                            |
    // |-------------------------------------|--------------------------------|
    // | ST_ACC mode, 32-bit output (not T)  | T also goes to the T buffer,   |
    // |                                     | one element per cycle          |
    // | j + st_n <= cols                    | all in the row                 |
    // | j mod Q + st_n <= Q                 | all in one accumulator word    |
    // | pos + 4 st_n <= BB, pos = (row      | all in one beat; rows of int32 |
    // | start + 4 j) mod BB                 | are 4-byte aligned, so st_n >= 1|
    //
    // A T tile (int16, to memory and to the T buffer) moves st_n elements
    // by the same rule with 2-byte elements, and all in one T-buffer word:
    // j mod NS + st_n <= NS (NS divides Q, so also in one accumulator word).
    localparam logic [1:0] ST_ACC = 2'd0, ST_JOINT = 2'd1, ST_TOT = 2'd2;
    localparam int SFW = LNE + 1 + DATA_W;   // skid FIFO word: {n, elements}
    logic        st_go, st_run;
    logic [1:0]  st_mode;
    logic [31:0] st_rows, st_cols, st_i, st_j;
    logic [5:0]  st_shift;
    logic        st_sat16, st_to_t;
    logic [LHB-1:0] st_lane;
    logic        s1_v, s1_c0;
    logic [31:0] st_n;
    logic [LNE:0] s1_n;
    logic [$clog2(BB)-1:0] st_rowpos;   // byte offset of the current row's start in a beat
    logic [$clog2(BB)-1:0] st_pos;      // byte offset of column j in its beat
    logic [31:0] s1_i, s1_j;
    logic [31:0] s1_tot;
    logic        sf_push, sf_pop;
    logic [SFW-1:0] sf_data;
    logic [2:0]  sf_count;
    logic        issue;
    logic [31:0] totals [64];

    // A block sum (arr_snap) has the accumulator read port first.
    assign issue       = st_run && !arr_snap && ({1'b0, sf_count} + {3'd0, s1_v}) < 4'd4;
    assign st_acc_addr = {st_i[LTM-1:LP], st_j[LTN-1:LQ]};
    assign h_rd_addr   = {st_i[3:0], st_j[5:1]};   // ST_JOINT: i = class, j = bin

    assign st_pos = st_rowpos + (st_to_t ? $clog2(BB)'({st_j, 1'b0}) : $clog2(BB)'({st_j, 2'b00}));
    always_comb begin
        st_n = 32'd1;
        if (st_mode == ST_ACC) begin
            st_n = 32'(NS);
            if (st_cols - st_j < st_n)
                st_n = st_cols - st_j;
            if (st_to_t) begin
                if (32'(NS) - 32'(st_j[LNS-1:0]) < st_n)
                    st_n = 32'(NS) - 32'(st_j[LNS-1:0]);
                if ((32'(BB) - 32'(st_pos)) >> 1 < st_n)
                    st_n = (32'(BB) - 32'(st_pos)) >> 1;
            end else begin
                if (32'(Q) - 32'(st_j[LQ-1:0]) < st_n)
                    st_n = 32'(Q) - 32'(st_j[LQ-1:0]);
                if ((32'(BB) - 32'(st_pos)) >> 2 < st_n)
                    st_n = (32'(BB) - 32'(st_pos)) >> 2;
            end
        end
    end

    // Round (add 2^(s-1), shift right arithmetically) and saturate a sum.
    function automatic logic [31:0] round_sat(input logic signed [47:0] v,
                                              input logic [5:0] shift,
                                              input logic sat16);
        logic signed [48:0] b, r;
        b = (shift == 6'd0) ? 49'sd0 : (49'sd1 <<< (shift - 6'd1));
        r = (49'(v) + b) >>> shift;
        if (sat16) begin
            if (r > 49'sd32767)
                round_sat = 32'h0000_7FFF;
            else if (r < -49'sd32768)
                round_sat = 32'hFFFF_8000;
            else
                round_sat = 32'(r);
        end else begin
            if (r > 49'sd2147483647)
                round_sat = 32'h7FFF_FFFF;
            else if (r < -49'sd2147483648)
                round_sat = 32'h8000_0000;
            else
                round_sat = 32'(r);
        end
    endfunction

    // Round and saturate the accumulator lanes of row s1_i, columns s1_j ..
    // s1_j + NS - 1 of the word (the wide-issue rule keeps the used ones in
    // the word; the others are padding the write engine does not take).
    logic [Q*48-1:0]      acc_row;
    logic [NS*48-1:0]     acc_sh;
    logic [NS*32-1:0]     sat_vals;
    assign acc_row = acc_rd[32'(s1_i[LP-1:0]) * Q * 48 +: Q * 48];
    assign acc_sh  = (NS*48)'({{(NS*48){1'b0}}, acc_row} >> (32'(s1_j[LQ-1:0]) * 48));
    generate
        for (gi = 0; gi < NS; gi++) begin : g_sat
            assign sat_vals[gi*32 +: 32] = round_sat(acc_sh[gi*48 +: 48], st_shift, st_sat16);
        end
    endgenerate

    logic [31:0] bank_val;
    always_comb begin
        bank_val = '0;
        for (int l = 0; l < HIST_BANKS; l++)
            if (st_lane == LHB'(l))
                bank_val = s1_j[0] ? h_odd[l*32 +: 32] : h_even[l*32 +: 32];
    end

    // int16 results of a T store: element e in bits 16e+15 .. 16e.
    logic [NS*16-1:0] sat16_vals;
    always_comb
        for (int e = 0; e < NS; e++)
            sat16_vals[e*16 +: 16] = sat_vals[e*32 +: 16];

    always_comb begin
        case (st_mode)
            ST_ACC:   sf_data = {s1_n, st_to_t ? DATA_W'(sat16_vals) : DATA_W'(sat_vals)};
            ST_JOINT: sf_data = {(LNE+1)'(1), DATA_W'(bank_val)};
            default:  sf_data = {(LNE+1)'(1), DATA_W'(s1_tot)};
        endcase
    end
    assign sf_push = s1_v;
    assign sf_pop  = wr_ir && sf_count != 0;
    assign wr_iv   = sf_count != 0;

    logic [SFW-1:0] sf_head;
    crrm_fifo #(.W(SFW), .DEPTH(4)) u_skid (
        .clk(clk), .rst_n(rst_n), .push(sf_push), .push_data(sf_data),
        .pop(sf_pop), .head(sf_head), .count(sf_count)
    );
    assign wr_id = sf_head[DATA_W-1:0];
    assign wr_n  = sf_head[SFW-1:DATA_W];

    // The fused kernel keeps each stored T element in the T buffer.
    // The issue's s1_n elements fill lanes s1_j mod NS on of one T word.
    logic [NS-1:0] t_we_sh;
    assign t_we_sh = NS'((((2*NS)'(1) << s1_n) - (2*NS)'(1)) << s1_j[LNS-1:0]);
    assign t_we    = (s1_v && st_mode == ST_ACC && st_to_t) ? t_we_sh : {NS{1'b0}};
    assign t_wbank = s1_i[LP-1:0];
    assign t_waddr = {s1_i[LTM-1:LP], s1_j[LTN-1:LNS]};
    assign t_wdata = sat16_vals << {s1_j[LNS-1:0], 4'b0000};

    // store_walk: rows then columns (ST_ACC), classes then bins (ST_JOINT),
    // bins (ST_TOT, st_i = 0).
    always_ff @(posedge clk) begin
        if (!rst_n) begin
            st_run <= 1'b0;
            s1_v   <= 1'b0;
        end else begin
            s1_v <= issue;
            if (st_go) begin
                st_run    <= (st_rows != 0) && (st_cols != 0);
                st_i      <= 32'd0;
                st_j      <= 32'd0;
                st_rowpos <= wr_addr[$clog2(BB)-1:0];
            end else if (issue) begin
                if (st_j + st_n == st_cols) begin
                    st_j      <= 32'd0;
                    st_i      <= st_i + 1;
                    st_rowpos <= st_rowpos + wr_stride[$clog2(BB)-1:0];
                    if (st_i == st_rows - 1)
                        st_run <= 1'b0;
                end else begin
                    st_j <= st_j + st_n;
                end
            end
        end
        if (issue) begin
            s1_i   <= st_i;
            s1_j   <= st_j;
            s1_n   <= (LNE+1)'(st_n);
            s1_c0  <= (st_i == 32'd0);
            s1_tot <= totals[st_j[5:0]];
        end
        // Per-bin sums over classes while the joint histogram streams out.
        if (s1_v && st_mode == ST_JOINT)
            totals[s1_j[5:0]] <= (s1_c0 ? 32'd0 : totals[s1_j[5:0]]) + bank_val;
    end

    logic st_busy;
    assign st_busy = st_run || s1_v || sf_count != 0 || wr_busy;

    // ------------------------------------------------------------ sequencer
    typedef enum logic [5:0] {
        S_IDLE, S_CHECK,
        S_G_ROW, S_G_COL, S_G_SLICE, S_G_LDA, S_G_LDB, S_G_PUSH,
        S_F_ROW, S_F_SLICE, S_F_LDX, S_F_LDV, S_F_PUSH1,
        S_F_OCOL, S_F_LDU, S_F_PUSH2, S_F_NEXT,
        S_H_GROUP, S_H_CLEAR, S_H_CHUNK, S_H_LDL, S_H_LDT, S_H_REPLAY,
        S_H_JOINT, S_H_TOT,
        S_DONE
    } state_t;
    state_t      state;
    logic [1:0]  phase;       // 0 set up, 1 unit starts, 2 wait for the unit
    logic [2:0]  settle;
    logic        reject;

    // Loop counters and running address offsets (no multipliers: every
    // offset advances by a shifted argument).
    logic [31:0] i0, j0, k0, tm, tn, tk, g;
    logic [63:0] off_a, off_b, off_c, off_d, off_e;

    assign running = (state != S_IDLE);

    // Argument limits, as the HLS kernels check them.
    logic        bad_gemm, bad_fwd, bad_hist;
    logic [4:0]  frac_w;
    logic [63:0] rows_w;
    assign frac_w   = 5'(a4[4:0] + 5'd1 - a3[4:0]);
    assign rows_w   = {32'd0, a0} << frac_w;
    assign bad_gemm = a2 > MAX_K || a5 > MAX_SHIFT;
    // U^T tiles (K = rank) go through the B buffer, so rank <= TILE_K too.
    assign bad_fwd  = a1 > MAX_K || a2 > 32'd128 || a2 > 32'(TILE_N) || a2 > 32'(TILE_K) ||
                      a4 > MAX_SHIFT || a5 > MAX_SHIFT;
    assign bad_hist = a1 > 32'd1024 || a2 > 32'd16 || a2 == 0 || a3 > 32'd6 ||
                      a4 > 32'd15 || a3 > a4 || rows_w[63:32] != 32'd0;

    // ---------------------------------------------- slice descriptors
    // The load side (the sequencer above) pushes one descriptor per loaded
    // slice; the compute side pops it when the feeder and the array are
    // done with it, then starts the tile's store if the descriptor says so.
    //
    // a_use[h], b_use[h]: open descriptors (queued or computing) that read
    // half h of the A or B buffer.
    //
    // | invariant                                  | why it holds          |
    // |--------------------------------------------|-----------------------|
    // | a load never writes a half that an open    | a load starts only at |
    // | descriptor reads                           | a_use/b_use[half] == 0|
    // | ds_count <= 2 (the FIFO never overflows)   | every descriptor reads|
    // |                                            | a B half; the 3rd     |
    // |                                            | waits for the 1st's   |
    // | a T store ends before the next compute of  | C_COMP waits on       |
    // | T U^T starts (T buffer complete)           | st_busy && st_to_t    |
    // | a tile's store reads only finished sums    | C_WAIT waits !cf_busy |
    localparam logic [1:0] SK_NONE = 2'd0, SK_C = 2'd1, SK_T = 2'd2, SK_Y = 2'd3;
    localparam int DW = 1 + 2 + 1 + 1 + 1 + 32 + 32 + 32 + 64;
    logic          ds_push, ds_pop;
    logic [DW-1:0] ds_in, ds_head;
    logic [1:0]    ds_count;
    logic          desc_ha, desc_hb;   // halves of the last A and B loads
    logic [1:0]    a_use [2];
    logic [1:0]    b_use [2];
    logic          last_k;

    // fields of ds_head
    logic          dh_src_t, dh_first, dh_ha, dh_hb;
    logic [1:0]    dh_store;
    logic [31:0]   dh_tm, dh_tn, dh_tk;
    logic [63:0]   dh_waddr;
    assign {dh_src_t, dh_store, dh_first, dh_ha, dh_hb, dh_tm, dh_tn, dh_tk, dh_waddr} = ds_head;

    assign ds_push = state == S_G_PUSH || state == S_F_PUSH1 || state == S_F_PUSH2;
    assign last_k  = !more(k0, TILE_K, (state == S_G_PUSH) ? a2 : a1);
    always_comb begin
        case (state)
            S_G_PUSH:  ds_in = {1'b0, last_k ? SK_C : SK_NONE, k0 == 32'd0, desc_ha, desc_hb,
                                tm, tn, tk, p2 + off_c + {30'd0, j0, 2'b00}};
            S_F_PUSH1: ds_in = {1'b0, last_k ? SK_T : SK_NONE, k0 == 32'd0, desc_ha, desc_hb,
                                tm, a2, tk, p3 + off_c};
            default:   ds_in = {1'b1, SK_Y, 1'b1, desc_ha, desc_hb,
                                tm, tn, a2, p4 + off_d + {30'd0, j0, 2'b00}};
        endcase
    end

    crrm_fifo #(.W(DW), .DEPTH(2)) u_desc (
        .clk(clk), .rst_n(rst_n), .push(ds_push), .push_data(ds_in),
        .pop(ds_pop), .head(ds_head), .count(ds_count)
    );

    // Compute side: C_COMP sets up the feeder, C_GO starts it, C_WAIT waits
    // for the array to drain, C_STORE waits for the previous store, C_SGO
    // starts this tile's store.
    typedef enum logic [2:0] {C_IDLE, C_COMP, C_GO, C_WAIT, C_STORE, C_SGO} cs_state_t;
    cs_state_t   cs_state;
    logic [1:0]  cs_store;
    logic [31:0] cs_tm, cs_tn;
    logic [63:0] cs_waddr;
    assign ds_pop = cs_state == C_WAIT && !cf_busy;

    // half_use: +1 when a descriptor that reads the half is pushed, -1 when
    // it is popped (the fused T U^T descriptors read T, not A).
    always_ff @(posedge clk) begin
        if (!rst_n) begin
            for (int h = 0; h < 2; h++) begin
                a_use[h] <= 2'd0;
                b_use[h] <= 2'd0;
            end
        end else begin
            for (int h = 0; h < 2; h++) begin
                a_use[h] <= a_use[h]
                    + {1'b0, ds_push && !ds_in[DW-1] && ds_in[DW-5] == 1'(h)}
                    - {1'b0, ds_pop && !dh_src_t && dh_ha == 1'(h)};
                b_use[h] <= b_use[h]
                    + {1'b0, ds_push && ds_in[DW-6] == 1'(h)}
                    - {1'b0, ds_pop && dh_hb == 1'(h)};
            end
        end
    end

    // Unit start pulses come from phase 1 of the matching state.
    assign rd_go = phase == 2'd1 && (state == S_G_LDA || state == S_G_LDB ||
                   state == S_F_LDX || state == S_F_LDV || state == S_F_LDU ||
                   state == S_H_LDL || state == S_H_LDT);
    assign cf_go = cs_state == C_GO;
    assign st_go = (phase == 2'd1 && (state == S_H_JOINT || state == S_H_TOT)) ||
                   cs_state == C_SGO;
    assign wr_go = st_go;
    assign hr_go = phase == 2'd1 && state == S_H_REPLAY;
    assign t_raddr = {cf_bi, cf_kk[LTN-1:LNS]};   // lane: kk mod NS (d1_tlane)

    logic unit_idle;
    assign unit_idle = !rd_busy && !cf_busy && !st_busy && !hr_run && !hr_v &&
                       cs_state == C_IDLE && ds_count == 2'd0;

    // sequencer: the loop nests of the three kernels.
    always_ff @(posedge clk) begin
        if (!rst_n) begin
            state      <= S_IDLE;
            cs_state   <= C_IDLE;
            phase      <= 2'd0;
            done_pulse <= 1'b0;
            rejected   <= 1'b0;
            h_clr      <= 1'b0;
        end else begin
            done_pulse <= 1'b0;
            h_clr      <= 1'b0;
            if (phase == 2'd1)
                phase <= 2'd2;
            case (state)
            S_IDLE:
                if (start) begin
                    kmode <= mode;
                    p0 <= ptr_flat[0 +: 64];
                    p1 <= ptr_flat[64 +: 64];
                    p2 <= ptr_flat[128 +: 64];
                    p3 <= ptr_flat[192 +: 64];
                    p4 <= ptr_flat[256 +: 64];
                    a0 <= arg_flat[0 +: 32];
                    a1 <= arg_flat[32 +: 32];
                    a2 <= arg_flat[64 +: 32];
                    a3 <= arg_flat[96 +: 32];
                    a4 <= arg_flat[128 +: 32];
                    a5 <= arg_flat[160 +: 32];
                    state <= S_CHECK;
                end

            S_CHECK: begin
                acc_sel <= 1'b0;
                ld_ha   <= 1'b0;
                ld_hb   <= 1'b0;
                i0 <= 32'd0;
                off_a <= 64'd0;
                off_c <= 64'd0;
                off_d <= 64'd0;
                off_e <= 64'd0;
                reject <= 1'b0;
                case (kmode)
                    2'd0: begin   // gemm: a0 m, a1 n, a2 k, a3 ta, a4 tb, a5 shift
                        reject <= bad_gemm;
                        state  <= (bad_gemm || a0 == 0 || a1 == 0) ? S_DONE : S_G_ROW;
                    end
                    2'd1: begin   // fused: a0 rows, a1 in, a2 rank, a3 outs
                        reject <= bad_fwd;
                        state  <= (bad_fwd || a0 == 0) ? S_DONE : S_F_ROW;
                    end
                    2'd2: begin   // hist: a0 rows, a1 units, a2 classes, a3 bl, a4 rl
                        reject    <= bad_hist;
                        state     <= (bad_hist || a1 == 0) ? S_DONE : S_H_GROUP;
                        h_frac    <= frac_w;
                        h_bins_m1 <= 6'((32'd1 << a3) - 1);
                        h_centre0 <= 17'((32'd1 << (a4 - a3)) - (32'd1 << a4));
                        h_classes <= a2;
                        off_b     <= p3;   // joint pointer
                        off_c     <= p2;   // hist pointer
                    end
                    default: begin
                        reject <= 1'b1;
                        state  <= S_DONE;
                    end
                endcase
            end

            // ---------------------------------------------------------- gemm
            // off_a: i0*k*2 (a, not transposed) | off_b: j0*k*2 (b, transposed)
            // off_c: i0*n*4 | off_d: k0*m*2 (a transposed) | off_e: k0*n*2 (b)
            S_G_ROW: begin
                tm    <= min32(TILE_M, a0 - i0);
                j0    <= 32'd0;
                off_b <= 64'd0;
                state <= S_G_COL;
            end
            S_G_COL: begin
                tn    <= min32(TILE_N, a1 - j0);
                k0    <= 32'd0;
                off_d <= 64'd0;
                off_e <= 64'd0;
                state <= S_G_SLICE;
            end
            S_G_SLICE: begin
                tk    <= min32(TILE_K, a2 - k0);
                // With one slice per tile the A buffer already holds this
                // row tile after the first column tile: skip its reload.
                state <= (j0 != 0 && !more(32'd0, TILE_K, a2)) ? S_G_LDB : S_G_LDA;
            end
            S_G_LDA:
                // Ping-pong rule: a load waits until no open descriptor
                // reads the half it writes.
                if (phase == 2'd0 && a_use[ld_ha] == 2'd0) begin
                    ld_target <= LD_A;
                    ld_swap   <= a3[0];
                    rd_es     <= 1'b1;
                    if (a3[0]) begin
                        rd_addr    <= p0 + off_d + {31'd0, i0, 1'b0};
                        rd_rows    <= tk;
                        rd_count   <= tm;
                        ld_inner_n <= tm;
                        rd_stride  <= {31'd0, a0, 1'b0};
                    end else begin
                        rd_addr    <= p0 + off_a + {31'd0, k0, 1'b0};
                        rd_rows    <= tm;
                        rd_count   <= tk;
                        ld_inner_n <= tk;
                        rd_stride  <= {31'd0, a2, 1'b0};
                    end
                    phase <= 2'd1;
                end else if (phase == 2'd2 && !rd_busy) begin
                    phase   <= 2'd0;
                    desc_ha <= ld_ha;
                    ld_ha   <= !ld_ha;
                    state   <= S_G_LDB;
                end
            S_G_LDB:
                if (phase == 2'd0 && b_use[ld_hb] == 2'd0) begin
                    ld_target <= LD_B;
                    ld_swap   <= !a4[0];
                    rd_es     <= 1'b1;
                    if (a4[0]) begin
                        rd_addr    <= p1 + off_b + {31'd0, k0, 1'b0};
                        rd_rows    <= tn;
                        rd_count   <= tk;
                        ld_inner_n <= tk;
                        rd_stride  <= {31'd0, a2, 1'b0};
                    end else begin
                        rd_addr    <= p1 + off_e + {31'd0, j0, 1'b0};
                        rd_rows    <= tk;
                        rd_count   <= tn;
                        ld_inner_n <= tn;
                        rd_stride  <= {31'd0, a1, 1'b0};
                    end
                    phase <= 2'd1;
                end else if (phase == 2'd2 && !rd_busy) begin
                    phase   <= 2'd0;
                    desc_hb <= ld_hb;
                    ld_hb   <= !ld_hb;
                    state   <= S_G_PUSH;
                end
            S_G_PUSH: begin   // ds_push: the slice goes to the compute side
                k0    <= k0 + TILE_K;
                off_d <= off_d + ({32'd0, a0} << (LTK + 1));
                off_e <= off_e + ({32'd0, a1} << (LTK + 1));
                if (more(k0, TILE_K, a2)) begin
                    state <= S_G_SLICE;
                end else begin
                    j0    <= j0 + TILE_N;
                    off_b <= off_b + ({32'd0, a2} << (LTN + 1));
                    if (more(j0, TILE_N, a1)) begin
                        state <= S_G_COL;
                    end else begin
                        i0    <= i0 + TILE_M;
                        off_a <= off_a + ({32'd0, a2} << (LTM + 1));
                        off_c <= off_c + ({32'd0, a1} << (LTM + 2));
                        state <= more(i0, TILE_M, a0) ? S_G_ROW : S_DONE;
                    end
                end
            end

            // --------------------------------------------------------- fused
            // off_a: n0*in*2 | off_c: n0*rank*2 | off_d: n0*outs*4
            // off_e: o0*rank*2 ; i0 = n0, j0 = o0
            S_F_ROW: begin
                tm    <= min32(TILE_M, a0 - i0);
                k0    <= 32'd0;
                state <= S_F_SLICE;
            end
            S_F_SLICE: begin
                tk    <= min32(TILE_K, a1 - k0);
                state <= S_F_LDX;
            end
            S_F_LDX:   // ping-pong rule as S_G_LDA
                if (phase == 2'd0 && a_use[ld_ha] == 2'd0) begin
                    ld_target  <= LD_A;
                    ld_swap    <= 1'b0;
                    rd_es      <= 1'b1;
                    rd_addr    <= p0 + off_a + {31'd0, k0, 1'b0};
                    rd_rows    <= tm;
                    rd_count   <= tk;
                    ld_inner_n <= tk;
                    rd_stride  <= {31'd0, a1, 1'b0};
                    phase      <= 2'd1;
                end else if (phase == 2'd2 && !rd_busy) begin
                    phase   <= 2'd0;
                    desc_ha <= ld_ha;
                    ld_ha   <= !ld_ha;
                    state   <= S_F_LDV;
                end
            S_F_LDV:
                if (phase == 2'd0 && b_use[ld_hb] == 2'd0) begin
                    ld_target  <= LD_B;
                    ld_swap    <= 1'b0;
                    rd_es      <= 1'b1;
                    rd_addr    <= p1 + {31'd0, k0, 1'b0};
                    rd_rows    <= a2;
                    rd_count   <= tk;
                    ld_inner_n <= tk;
                    rd_stride  <= {31'd0, a1, 1'b0};
                    phase      <= 2'd1;
                end else if (phase == 2'd2 && !rd_busy) begin
                    phase   <= 2'd0;
                    desc_hb <= ld_hb;
                    ld_hb   <= !ld_hb;
                    state   <= S_F_PUSH1;
                end
            S_F_PUSH1: begin   // ds_push: a slice of X V^T
                k0 <= k0 + TILE_K;
                if (more(k0, TILE_K, a1)) begin
                    state <= S_F_SLICE;
                end else begin
                    j0    <= 32'd0;
                    off_e <= 64'd0;
                    state <= (a3 == 0) ? S_F_NEXT : S_F_OCOL;
                end
            end
            S_F_OCOL: begin
                tn    <= min32(TILE_N, a3 - j0);
                state <= S_F_LDU;
            end
            S_F_LDU:
                if (phase == 2'd0 && b_use[ld_hb] == 2'd0) begin
                    ld_target  <= LD_B;
                    ld_swap    <= 1'b0;
                    rd_es      <= 1'b1;
                    rd_addr    <= p2 + off_e;
                    rd_rows    <= tn;
                    rd_count   <= a2;
                    ld_inner_n <= a2;
                    rd_stride  <= {31'd0, a2, 1'b0};
                    phase      <= 2'd1;
                end else if (phase == 2'd2 && !rd_busy) begin
                    phase   <= 2'd0;
                    desc_hb <= ld_hb;
                    ld_hb   <= !ld_hb;
                    state   <= S_F_PUSH2;
                end
            S_F_PUSH2: begin   // ds_push: a column tile of T U^T
                j0    <= j0 + TILE_N;
                off_e <= off_e + ({32'd0, a2} << (LTN + 1));
                state <= more(j0, TILE_N, a3) ? S_F_OCOL : S_F_NEXT;
            end
            S_F_NEXT: begin
                i0    <= i0 + TILE_M;
                off_a <= off_a + ({32'd0, a1} << (LTM + 1));
                off_c <= off_c + ({32'd0, a2} << (LTM + 1));
                off_d <= off_d + ({32'd0, a3} << (LTM + 2));
                state <= more(i0, TILE_M, a0) ? S_F_ROW : S_DONE;
            end

            // ----------------------------------------------------- histogram
            // i0 = g0 (first unit of the group), k0 = s0 (first sample of the
            // chunk); off_a: s0*units*2; off_b: joint, off_c: hist pointers.
            S_H_GROUP: begin
                h_gn       <= min32(HIST_BANKS, a1 - i0);
                h_clr_addr <= 9'd0;
                h_clr      <= 1'b1;
                state      <= S_H_CLEAR;
            end
            S_H_CLEAR:
                if ({23'd0, h_clr_addr} == (a2 << 5) - 1) begin
                    k0    <= 32'd0;
                    off_a <= 64'd0;
                    g     <= 32'd0;
                    state <= (a0 == 0) ? S_H_JOINT : S_H_CHUNK;
                end else begin
                    h_clr_addr <= h_clr_addr + 9'd1;
                    h_clr      <= 1'b1;
                end
            S_H_CHUNK: begin
                hr_sn <= min32(HIST_CHUNK, a0 - k0);
                state <= S_H_LDL;
            end
            S_H_LDL:
                if (phase == 2'd0) begin
                    ld_target  <= LD_LBL;
                    ld_swap    <= 1'b0;
                    rd_es      <= 1'b0;
                    rd_addr    <= p1 + {32'd0, k0};
                    rd_rows    <= 32'd1;
                    rd_count   <= hr_sn;
                    ld_inner_n <= hr_sn;
                    rd_stride  <= 64'd0;
                    phase      <= 2'd1;
                end else if (phase == 2'd2 && !rd_busy) begin
                    phase <= 2'd0;
                    state <= S_H_LDT;
                end
            S_H_LDT:
                if (phase == 2'd0) begin
                    ld_target  <= LD_SMP;
                    ld_swap    <= 1'b0;
                    rd_es      <= 1'b1;
                    rd_addr    <= p0 + off_a + {31'd0, i0, 1'b0};
                    rd_rows    <= hr_sn;
                    rd_count   <= h_gn;
                    ld_inner_n <= h_gn;
                    rd_stride  <= {31'd0, a1, 1'b0};
                    phase      <= 2'd1;
                end else if (phase == 2'd2 && !rd_busy) begin
                    phase <= 2'd0;
                    state <= S_H_REPLAY;
                end
            S_H_REPLAY:
                if (phase == 2'd0) begin
                    phase  <= 2'd1;
                    settle <= 3'd4;
                end else if (phase == 2'd2 && !hr_run && !hr_v) begin
                    // Let the last read-modify-write reach the RAMs.
                    if (settle != 3'd0) begin
                        settle <= settle - 3'd1;
                    end else begin
                        phase <= 2'd0;
                        k0    <= k0 + HIST_CHUNK;
                        off_a <= off_a + ({32'd0, a1} << (LCH + 1));
                        state <= more(k0, HIST_CHUNK, a0) ? S_H_CHUNK : S_H_JOINT;
                    end
                end
            S_H_JOINT:
                if (phase == 2'd0) begin
                    st_mode   <= ST_JOINT;
                    st_lane   <= g[LHB-1:0];
                    st_rows   <= a2;
                    st_cols   <= 32'd1 << a3;
                    wr_addr   <= off_b;
                    wr_rows   <= 32'd1;
                    wr_count  <= a2 << a3;
                    wr_stride <= 64'd0;
                    wr_es     <= 1'b1;
                    phase     <= 2'd1;
                end else if (phase == 2'd2 && !st_busy) begin
                    phase <= 2'd0;
                    off_b <= off_b + ({32'd0, a2 << a3} << 2);
                    state <= S_H_TOT;
                end
            S_H_TOT:
                if (phase == 2'd0) begin
                    st_mode   <= ST_TOT;
                    st_rows   <= 32'd1;
                    st_cols   <= 32'd1 << a3;
                    wr_addr   <= off_c;
                    wr_rows   <= 32'd1;
                    wr_count  <= 32'd1 << a3;
                    wr_stride <= 64'd0;
                    wr_es     <= 1'b1;
                    phase     <= 2'd1;
                end else if (phase == 2'd2 && !st_busy) begin
                    phase <= 2'd0;
                    off_c <= off_c + ({32'd0, 32'd1 << a3} << 2);
                    g     <= g + 1;
                    if (g + 1 < h_gn) begin
                        state <= S_H_JOINT;
                    end else begin
                        i0    <= i0 + HIST_BANKS;
                        state <= more(i0, HIST_BANKS, a1) ? S_H_GROUP : S_DONE;
                    end
                end

            default: begin   // S_DONE: every unit idle, every B received
                if (unit_idle) begin
                    done_pulse <= 1'b1;
                    rejected   <= reject;
                    state      <= S_IDLE;
                end
            end
            endcase

            // compute_side: one descriptor at a time.
            case (cs_state)
            C_IDLE:
                if (ds_count != 2'd0)
                    cs_state <= C_COMP;
            C_COMP:
                // T U^T reads the T buffer: its store must be over.
                if (!dh_src_t || !(st_busy && st_to_t)) begin
                    cf_tm    <= dh_tm;
                    cf_tn    <= dh_tn;
                    cf_tk    <= dh_tk;
                    cf_first <= dh_first;
                    cf_src_t <= dh_src_t;
                    cf_ha    <= dh_ha;
                    cf_hb    <= dh_hb;
                    cs_state <= C_GO;
                end
            C_GO:
                cs_state <= C_WAIT;
            C_WAIT:
                if (!cf_busy) begin   // ds_pop
                    cs_store <= dh_store;
                    cs_tm    <= dh_tm;
                    cs_tn    <= dh_tn;
                    cs_waddr <= dh_waddr;
                    cs_state <= (dh_store == SK_NONE) ? C_IDLE : C_STORE;
                end
            C_STORE:
                if (!st_busy) begin
                    st_bank   <= acc_sel;
                    acc_sel   <= !acc_sel;
                    st_mode   <= ST_ACC;
                    st_rows   <= cs_tm;
                    st_cols   <= cs_tn;
                    st_shift  <= (cs_store == SK_T) ? a4[5:0] : a5[5:0];
                    st_sat16  <= cs_store == SK_T;
                    st_to_t   <= cs_store == SK_T;
                    wr_addr   <= cs_waddr;
                    wr_rows   <= cs_tm;
                    wr_count  <= cs_tn;
                    case (cs_store)
                        SK_C:    wr_stride <= {30'd0, a1, 2'b00};
                        SK_T:    wr_stride <= {31'd0, a2, 1'b0};
                        default: wr_stride <= {30'd0, a3, 2'b00};
                    endcase
                    wr_es     <= cs_store != SK_T;
                    cs_state  <= C_SGO;
                end
            default:   // C_SGO: st_go, the store runs on
                cs_state <= C_IDLE;
            endcase
        end
    end

    // ------------------------------------------------------------- counters
    logic stall_now;
    assign stall_now = (rd_busy && !rd_ev) || wr_stall;

    // perf_counters: cleared at start, read over AXI4-Lite.
    always_ff @(posedge clk) begin
        if (!rst_n) begin
            cnt_busy  <= 64'd0;
            cnt_macs  <= 64'd0;
            cnt_hist  <= 64'd0;
            cnt_rd    <= 64'd0;
            cnt_wr    <= 64'd0;
            cnt_stall <= 64'd0;
        end else if (start) begin
            cnt_busy  <= 64'd0;
            cnt_macs  <= 64'd0;
            cnt_hist  <= 64'd0;
            cnt_rd    <= 64'd0;
            cnt_wr    <= 64'd0;
            cnt_stall <= 64'd0;
        end else if (running) begin
            cnt_busy <= cnt_busy + 64'd1;
            if (cf_run && cf_kk < cf_tk)
                cnt_macs <= cnt_macs + {48'd0, cf_nvalid};
            if (hr_v && lbl_ok)
                cnt_hist <= cnt_hist + {32'd0, h_gn};
            if (m_axi_gmem_rvalid && m_axi_gmem_rready)
                cnt_rd <= cnt_rd + 64'(BB);
            if (m_axi_gmem_wvalid && m_axi_gmem_wready)
                cnt_wr <= cnt_wr + 64'(BB);
            if (stall_now)
                cnt_stall <= cnt_stall + 64'd1;
        end
    end

    // ld_walk: position of the next group in the read stream.
    always_ff @(posedge clk) begin
        if (rd_go) begin
            ld_outer <= 32'd0;
            ld_grp   <= 32'd0;
        end else if (rd_ev) begin
            if (ld_grp == ld_grp_m1) begin
                ld_grp   <= 32'd0;
                ld_outer <= ld_outer + 1;
            end else begin
                ld_grp <= ld_grp + 1;
            end
        end
    end

    logic unused;
    assign unused = ^m_axi_gmem_rresp ^ (^m_axi_gmem_bresp) ^ (^a4[31:5]) ^
                    (^a3[31:5]) ^ (^a5[31:6]) ^                     (^cf_cols_v[31:16]) ^ (^s1_i[31:6]) ^ (^s1_j[31:7]) ^ (^rows_w[31:0]);
endmodule
