// crrm_hist_bank.sv - one histogram bank: the soft histogram of one unit,
// split by class, with one sample update per cycle.
//
// A sample adds w - d to bin `lower` and d to bin `lower + 1` (or w to an
// outer bin; see mi_hist.c). The two bins of a sample always differ in
// parity, so the bank is two RAMs, even bins and odd bins, each updated
// once per cycle. Word address in each RAM: {class[3:0], bin[5:1]}.
//
// Read-modify-write pipeline of each RAM, one sample per cycle:
//
// | cycle | stage                                                      |
// |-------|------------------------------------------------------------|
// | c     | bins and weights from the inputs; RAM read issued          |
// | c+1   | sum = word + weight; RAM write; sum kept in wq             |
//
// Hazard: the read in cycle c does not see the write of cycle c (sample
// n-1) when both hit one word, so that case takes wq instead of the RAM
// word (forwarding, no stall). The write of cycle c-1 is already in the RAM.
module crrm_hist_bank (
    input  logic        clk,
    input  logic        rst_n,
    // configuration, stable during a run
    input  logic [4:0]  frac_bits,  // f = range_log2 + 1 - bins_log2, 1..16
    input  logic [5:0]  bins_m1,    // bins - 1
    input  logic [16:0] centre0,    // signed: centre of bin 0
    // one sample
    input  logic        upd_v,
    input  logic [3:0]  upd_class,
    input  logic [15:0] upd_code,
    // clear (word address, both RAMs) and readout
    input  logic        clr_v,
    input  logic [8:0]  clr_addr,
    input  logic [8:0]  rd_addr,
    output logic [31:0] rd_even,
    output logic [31:0] rd_odd
);
    // --------------------------------------------- bins and weights (cycle c)
    logic signed [17:0] pos;
    logic [16:0]        width;
    logic [16:0]        offset;
    logic [16:0]        lower;
    logic [5:0]         bin_a, bin_b;     // bin_b = bin_a + 1 or bin_a ^ 1
    logic [31:0]        wt_a, wt_b;
    logic [5:0]         even_bin, odd_bin;
    logic [31:0]        even_wt, odd_wt;

    assign pos   = 18'(signed'(upd_code)) - 18'(signed'(centre0));
    assign width = 17'd1 << frac_bits;
    assign offset  = 17'(pos) & (width - 17'd1);
    assign lower = 17'(pos[17:0] >> frac_bits);

    always_comb begin
        if (pos < 0) begin
            bin_a = 6'd0;
            wt_a  = 32'(width);
            bin_b = 6'd1;
            wt_b  = 32'd0;
        end else if (lower >= {11'd0, bins_m1}) begin
            bin_a = bins_m1;
            wt_a  = 32'(width);
            bin_b = bins_m1 ^ 6'd1;
            wt_b  = 32'd0;
        end else begin
            bin_a = lower[5:0];
            wt_a  = {15'd0, width - offset};
            bin_b = lower[5:0] + 6'd1;
            wt_b  = 32'(offset);
        end
        if (!bin_a[0]) begin
            even_bin = bin_a;
            even_wt  = wt_a;
            odd_bin  = bin_b;
            odd_wt   = wt_b;
        end else begin
            even_bin = bin_b;
            even_wt  = wt_b;
            odd_bin  = bin_a;
            odd_wt   = wt_a;
        end
    end

    // --------------------------------------------------- two RMW RAMs (c+1)
    logic [8:0]  rd_word [2];
    logic [31:0] rd_data [2];
    logic [8:0]  s1_addr [2];
    logic [31:0] s1_wt   [2];
    logic        s1_v;
    logic [8:0]  wq_addr [2];
    logic [31:0] wq_data [2];
    logic        wq_v;
    logic [31:0] sum     [2];
    logic        we      [2];
    logic [8:0]  waddr   [2];
    logic [31:0] wdata   [2];

    assign rd_word[0] = upd_v ? {upd_class, even_bin[5:1]} : rd_addr;
    assign rd_word[1] = upd_v ? {upd_class, odd_bin[5:1]}  : rd_addr;

    genvar h;
    generate
        for (h = 0; h < 2; h++) begin : g_half
            assign sum[h]   = ((wq_v && wq_addr[h] == s1_addr[h]) ? wq_data[h] : rd_data[h]) + s1_wt[h];
            assign we[h]    = s1_v || clr_v;
            assign waddr[h] = s1_v ? s1_addr[h] : clr_addr;
            assign wdata[h] = s1_v ? sum[h] : 32'd0;
            crrm_ram #(.W(32), .DEPTH(512)) u_ram (
                .clk(clk), .we(we[h]), .waddr(waddr[h]), .wdata(wdata[h]),
                .re(1'b1), .raddr(rd_word[h]), .rdata(rd_data[h])
            );
            always_ff @(posedge clk) begin
                s1_addr[h] <= rd_word[h];
                s1_wt[h]   <= (h == 0) ? even_wt : odd_wt;
                wq_addr[h] <= s1_addr[h];
                wq_data[h] <= sum[h];
            end
        end
    endgenerate

    // rmw_valid: update flags restart empty.
    always_ff @(posedge clk) begin
        if (!rst_n) begin
            s1_v <= 1'b0;
            wq_v <= 1'b0;
        end else begin
            s1_v <= upd_v;
            wq_v <= s1_v;
        end
    end

    assign rd_even = rd_data[0];
    assign rd_odd  = rd_data[1];

    logic unused;
    assign unused = ^lower[16:6] ^ even_bin[0] ^ odd_bin[0] ^ (^pos);
endmodule
