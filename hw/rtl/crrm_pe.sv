// crrm_pe.sv - one processing element of the output-stationary systolic
// array: a registered int16 x int16 product (one DSP48E2) and a 48-bit
// accumulator.
//
// Operands enter from the left (a, with the block flags) and from above (b)
// and leave registered to the right and below. Flags of one operand pair:
//
// | flag | meaning                                             |
// |------|-----------------------------------------------------|
// | v    | the pair is valid (padding pairs carry v = 1, a = 0) |
// | f    | first pair of a block: the accumulator restarts      |
// | l    | last pair of a block: the sum moves to hold          |
//
// Timing: a pair at the inputs in cycle t is in prod in cycle t+1 and, if
// last, its block sum is in hold (with hold_v high for one cycle) in t+2.
// hold keeps the sum until the next block's last pair, so the array can run
// blocks back to back.
module crrm_pe (
    input  logic               clk,
    input  logic               rst_n,
    input  logic signed [15:0] a_in,
    input  logic signed [15:0] b_in,
    input  logic               v_in,
    input  logic               f_in,
    input  logic               l_in,
    output logic signed [15:0] a_out,
    output logic signed [15:0] b_out,
    output logic               v_out,
    output logic               f_out,
    output logic               l_out,
    output logic signed [47:0] hold,
    output logic               hold_v
);
    logic signed [31:0] prod;
    logic               pv, pf, pl;
    logic signed [47:0] acc;
    logic signed [47:0] sum;

    // The sum the accumulator takes: restart on the first pair of a block.
    assign sum = (pf ? 48'sd0 : acc) + 48'(prod);

    // pe_flags: control travels with a; reset so no stale block completes.
    always_ff @(posedge clk) begin
        if (!rst_n) begin
            v_out  <= 1'b0;
            f_out  <= 1'b0;
            l_out  <= 1'b0;
            pv     <= 1'b0;
            pf     <= 1'b0;
            pl     <= 1'b0;
            hold_v <= 1'b0;
        end else begin
            v_out  <= v_in;
            f_out  <= f_in;
            l_out  <= l_in;
            pv     <= v_in;
            pf     <= f_in;
            pl     <= l_in;
            hold_v <= pv && pl;
        end
    end

    // pe_datapath: product register (DSP MREG), accumulator and hold.
    always_ff @(posedge clk) begin
        a_out <= a_in;
        b_out <= b_in;
        prod  <= a_in * b_in;
        if (pv)
            acc <= sum;
        if (pv && pl)
            hold <= sum;
    end
endmodule
