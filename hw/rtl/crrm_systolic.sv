// crrm_systolic.sv - P x Q output-stationary systolic array of crrm_pe.
//
// | parameter | meaning                     | limit   |
// |-----------|-----------------------------|---------|
// | P         | rows (output rows per block)| 1..64   |
// | Q         | cols (output cols per block)| 1..64   |
//
// Each cycle the feeder presents one reduction step k of a P x Q output
// block: a_vec[i] = op(A)[i][k], b_vec[j] = op(B)[k][j] and the flags of
// crrm_pe. Row i is delayed by i cycles and column j by j cycles (the skew),
// so PE(i,j) sees step k in cycle t + i + j.
//
// Invariant the feeder must keep (checked by the caller): a block is at
// least P + Q - 1 steps long. Then, in the cycle snap is high, every PE
// holds the sum of the block that just finished (PE(P-1,Q-1) finishes last,
// PE(0,0) has not yet finished the next block), and sums carries them all:
//   sums[(i*Q + j)*48 +: 48] = sum of PE(i,j).
module crrm_systolic #(
    parameter int P = 4,
    parameter int Q = 4
) (
    input  logic               clk,
    input  logic               rst_n,
    input  logic [P*16-1:0]    a_vec,
    input  logic [Q*16-1:0]    b_vec,
    input  logic               v,
    input  logic               f,
    input  logic               l,
    output logic [P*Q*48-1:0]  sums,
    output logic               snap
);
    generate
        if (P < 1 || P > 64) begin : g_bad_p
            $error("crrm_systolic: parameter P must be in 1..64");
        end
        if (Q < 1 || Q > 64) begin : g_bad_q
            $error("crrm_systolic: parameter Q must be in 1..64");
        end
    endgenerate

    // Operand and flag nets between PEs: a_h[i][j] enters PE(i,j) from the
    // left, b_v[i][j] from above.
    logic [15:0] a_h [P][Q+1];
    logic [15:0] b_v [P+1][Q];
    logic        v_h [P][Q+1];
    logic        f_h [P][Q+1];
    logic        l_h [P][Q+1];
    logic        hv  [P][Q];

    genvar i, j;
    generate
        // skew_rows: row i waits i cycles (flags travel with a).
        for (i = 0; i < P; i++) begin : g_skew_row
            if (i == 0) begin : g_direct
                assign a_h[0][0] = a_vec[15:0];
                assign v_h[0][0] = v;
                assign f_h[0][0] = f;
                assign l_h[0][0] = l;
            end else begin : g_delay
                logic [15:0] a_d [i];
                logic [2:0]  c_d [i];
                always_ff @(posedge clk) begin
                    if (!rst_n) begin
                        for (int s = 0; s < i; s++)
                            c_d[s] <= 3'b000;
                    end else begin
                        c_d[0] <= {v, f, l};
                        for (int s = 1; s < i; s++)
                            c_d[s] <= c_d[s-1];
                    end
                end
                always_ff @(posedge clk) begin
                    a_d[0] <= a_vec[i*16 +: 16];
                    for (int s = 1; s < i; s++)
                        a_d[s] <= a_d[s-1];
                end
                assign a_h[i][0] = a_d[i-1];
                assign v_h[i][0] = c_d[i-1][2];
                assign f_h[i][0] = c_d[i-1][1];
                assign l_h[i][0] = c_d[i-1][0];
            end
        end

        // skew_cols: column j waits j cycles.
        for (j = 0; j < Q; j++) begin : g_skew_col
            if (j == 0) begin : g_direct
                assign b_v[0][0] = b_vec[15:0];
            end else begin : g_delay
                logic [15:0] b_d [j];
                always_ff @(posedge clk) begin
                    b_d[0] <= b_vec[j*16 +: 16];
                    for (int s = 1; s < j; s++)
                        b_d[s] <= b_d[s-1];
                end
                assign b_v[0][j] = b_d[j-1];
            end
        end

        // pe_grid: the P x Q cells.
        for (i = 0; i < P; i++) begin : g_row
            for (j = 0; j < Q; j++) begin : g_col
                logic [47:0] hold;
                crrm_pe u_pe (
                    .clk   (clk),
                    .rst_n (rst_n),
                    .a_in  (a_h[i][j]),
                    .b_in  (b_v[i][j]),
                    .v_in  (v_h[i][j]),
                    .f_in  (f_h[i][j]),
                    .l_in  (l_h[i][j]),
                    .a_out (a_h[i][j+1]),
                    .b_out (b_v[i+1][j]),
                    .v_out (v_h[i][j+1]),
                    .f_out (f_h[i][j+1]),
                    .l_out (l_h[i][j+1]),
                    .hold  (hold),
                    .hold_v(hv[i][j])
                );
                assign sums[(i*Q + j)*48 +: 48] = hold;
            end
        end
    endgenerate

    assign snap = hv[P-1][Q-1];

    // Nets past the last column and row and the other PEs' hold_v pulses
    // have no reader.
    logic unused;
    always_comb begin
        unused = 1'b0;
        for (int r = 0; r < P; r++) begin
            unused = unused ^ (^a_h[r][Q]) ^ v_h[r][Q] ^ f_h[r][Q] ^ l_h[r][Q];
            for (int c = 0; c < Q; c++)
                unused = unused ^ hv[r][c];
        end
        for (int c = 0; c < Q; c++)
            unused = unused ^ (^b_v[P][c]);
    end
endmodule
