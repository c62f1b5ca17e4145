// crrm_ram_lanes.sv - simple dual-port RAM whose words are LANES lanes of
// LW bits, each lane with its own write enable (like byte enables), so a
// word can take from one to LANES elements in one write. Synchronous
// read-first read port.
//
// | parameter | meaning            | limit  |
// |-----------|--------------------|--------|
// | LW        | lane width in bits | >= 1   |
// | LANES     | lanes per word     | >= 1   |
// | DEPTH     | number of words    | >= 2   |
module crrm_ram_lanes #(
    parameter int LW    = 16,
    parameter int LANES = 4,
    parameter int DEPTH = 256,
    localparam int AW   = $clog2(DEPTH)
) (
    input  logic                clk,
    input  logic [LANES-1:0]    we,
    input  logic [AW-1:0]       waddr,
    input  logic [LANES*LW-1:0] wdata,
    input  logic [AW-1:0]       raddr,
    output logic [LANES*LW-1:0] rdata
);
    generate
        if (LW < 1 || LANES < 1) begin : g_bad_lanes
            $error("crrm_ram_lanes: parameters LW and LANES must be >= 1");
        end
        if (DEPTH < 2) begin : g_bad_depth
            $error("crrm_ram_lanes: parameter DEPTH must be >= 2");
        end
    endgenerate

    logic [LANES*LW-1:0] mem [DEPTH];

    // lane_port: per-lane write and registered read on the same edge.
    always_ff @(posedge clk) begin
        for (int l = 0; l < LANES; l++)
            if (we[l])
                mem[waddr][l*LW +: LW] <= wdata[l*LW +: LW];
        rdata <= mem[raddr];
    end
endmodule
