// crrm_ram.sv - simple dual-port RAM: one synchronous write port, one
// synchronous read port (read-first: a read of the address being written in
// the same cycle returns the old word). Infers block RAM or LUTRAM.
//
// | parameter | meaning              | limit  |
// |-----------|----------------------|--------|
// | W         | word width in bits   | >= 1   |
// | DEPTH     | number of words      | >= 2   |
module crrm_ram #(
    parameter int W     = 16,
    parameter int DEPTH = 256,
    localparam int AW   = $clog2(DEPTH)
) (
    input  logic          clk,
    input  logic          we,
    input  logic [AW-1:0] waddr,
    input  logic [W-1:0]  wdata,
    input  logic          re,
    input  logic [AW-1:0] raddr,
    output logic [W-1:0]  rdata
);
    generate
        if (W < 1) begin : g_bad_w
            $error("crrm_ram: parameter W must be >= 1");
        end
        if (DEPTH < 2) begin : g_bad_depth
            $error("crrm_ram: parameter DEPTH must be >= 2");
        end
    endgenerate

    logic [W-1:0] mem [DEPTH];

    // ram_port: write and registered read on the same edge.
    always_ff @(posedge clk) begin
        if (we)
            mem[waddr] <= wdata;
        if (re)
            rdata <= mem[raddr];
    end
endmodule
