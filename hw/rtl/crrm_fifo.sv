// crrm_fifo.sv - small first-word-fall-through FIFO in registers, used as a
// skid buffer between a synchronous-read RAM and an AXI write stream.
//
// | parameter | meaning            | limit          |
// |-----------|--------------------|----------------|
// | W         | entry width (bits) | >= 1           |
// | DEPTH     | entries            | power of 2, >=2|
//
// count is the number of valid entries; a push into a full FIFO or a pop
// from an empty one is ignored (callers check count first).
module crrm_fifo #(
    parameter int W     = 32,
    parameter int DEPTH = 4,
    localparam int AW   = $clog2(DEPTH)
) (
    input  logic         clk,
    input  logic         rst_n,
    input  logic         push,
    input  logic [W-1:0] push_data,
    input  logic         pop,
    output logic [W-1:0] head,
    output logic [AW:0]  count
);
    generate
        if (DEPTH < 2 || (DEPTH & (DEPTH - 1)) != 0) begin : g_bad_depth
            $error("crrm_fifo: parameter DEPTH must be a power of 2 >= 2");
        end
    endgenerate

    logic [W-1:0]  slots [DEPTH];
    logic [AW-1:0] rd_ptr, wr_ptr;
    logic          do_push, do_pop;

    assign do_push = push && !count[AW];  // count[AW] set means full
    assign do_pop  = pop && (count != '0);
    assign head    = slots[rd_ptr];

    // fifo_state: pointers and occupancy.
    always_ff @(posedge clk) begin
        if (!rst_n) begin
            rd_ptr <= '0;
            wr_ptr <= '0;
            count  <= '0;
        end else begin
            if (do_push)
                wr_ptr <= wr_ptr + 1'b1;
            if (do_pop)
                rd_ptr <= rd_ptr + 1'b1;
            count <= count + {{AW{1'b0}}, do_push} - {{AW{1'b0}}, do_pop};
        end
    end

    // fifo_slots: data needs no reset.
    always_ff @(posedge clk)
        if (do_push)
            slots[wr_ptr] <= push_data;
endmodule
