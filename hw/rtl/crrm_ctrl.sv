// crrm_ctrl.sv - AXI4-Lite control slave with the Vitis ap_ctrl_hs register
// map, the kernel arguments and the read-only performance counters.
//
// | offset | name      | access | meaning                                   |
// |--------|-----------|--------|-------------------------------------------|
// | 0x00   | CTRL      | RW     | bit0 ap_start, bit1 ap_done (clear on     |
// |        |           |        | read), bit2 ap_idle, bit3 ap_ready (clear |
// |        |           |        | on read), bit7 auto_restart (kept, unused)|
// | 0x04   | GIE       | RW     | bit0 global interrupt enable              |
// | 0x08   | IER       | RW     | bit0 done, bit1 ready interrupt enable    |
// | 0x0C   | ISR       | RTOW   | bit0 done, bit1 ready (write 1 toggles)   |
// | 0x10   | MODE      | RW     | 0 gemm, 1 lowrank_fwd, 2 mi_hist          |
// | 0x18   | PTR0      | RW     | 64-bit pointer, low word then 0x1C high   |
// | 0x20   | PTR1      | RW     | 64-bit pointer (0x24 high)                |
// | 0x28   | PTR2      | RW     | 64-bit pointer (0x2C high)                |
// | 0x30   | PTR3      | RW     | 64-bit pointer (0x34 high)                |
// | 0x38   | PTR4      | RW     | 64-bit pointer (0x3C high)                |
// | 0x40   | ARG0..5   | RW     | 32-bit scalars at 0x40,0x44,...,0x54      |
// | 0x60   | STATUS    | R      | bit0: last run rejected its arguments     |
// | 0x80   | BUSY      | R      | 64-bit counters, low word then high word, |
// | 0x88   | MACS      | R      | cleared when a run starts:                |
// | 0x90   | HIST_UPD  | R      |   busy cycles, int16 MACs, bank updates,  |
// | 0x98   | RD_BYTES  | R      |   bytes read and written on the bus,      |
// | 0xA0   | WR_BYTES  | R      |   stall cycles (waiting on memory)        |
// | 0xA8   | STALLS    | R      |                                           |
// | 0xF0   | CONFIG    | R      | P in [7:0], Q in [15:8], bytes per AXI4   |
// |        |           |        | data beat (DATA_W / 8) in [23:16]         |
//
// Writes take AW and W together; one transaction at a time per direction.
module crrm_ctrl #(
    parameter int P = 4,
    parameter int Q = 4,
    parameter int DATA_W = 256
) (
    input  logic         clk,
    input  logic         rst_n,
    // AXI4-Lite slave
    input  logic [7:0]   s_awaddr,
    input  logic         s_awvalid,
    output logic         s_awready,
    input  logic [31:0]  s_wdata,
    input  logic [3:0]   s_wstrb,
    input  logic         s_wvalid,
    output logic         s_wready,
    output logic [1:0]   s_bresp,
    output logic         s_bvalid,
    input  logic         s_bready,
    input  logic [7:0]   s_araddr,
    input  logic         s_arvalid,
    output logic         s_arready,
    output logic [31:0]  s_rdata,
    output logic [1:0]   s_rresp,
    output logic         s_rvalid,
    input  logic         s_rready,
    output logic         irq,
    // kernel side
    output logic         start,      // one-cycle pulse: a run begins
    input  logic         running,
    input  logic         done,       // one-cycle pulse: the run finished
    input  logic         rejected,   // with done: arguments out of range
    output logic [1:0]   mode,
    output logic [5*64-1:0] ptr,   // pointer r at [r*64 +: 64]
    output logic [6*32-1:0] arg,   // scalar r at [r*32 +: 32]
    input  logic [6*64-1:0] cnt    // counter r at [r*64 +: 64]
);
    generate
        if (P < 1 || P > 255 || Q < 1 || Q > 255) begin : g_bad_pq
            $error("crrm_ctrl: parameters P and Q must be in 1..255");
        end
        if (DATA_W < 8 || DATA_W > 2040 || DATA_W % 8 != 0) begin : g_bad_w
            $error("crrm_ctrl: parameter DATA_W must be a multiple of 8 in 8..2040");
        end
    endgenerate

    logic ap_start, ap_done, ap_ready, auto_restart, gie, status_rej;
    logic [1:0] ier, isr;

    assign s_bresp = 2'b00;
    assign s_rresp = 2'b00;
    assign s_awready = s_awvalid && s_wvalid && !s_bvalid;
    assign s_wready  = s_awready;
    assign s_arready = !s_rvalid;
    assign irq = gie && ((isr & ier) != 2'b00);
    assign start     = ap_start && !running;

    logic wr_en;
    assign wr_en = s_awready;   // AW and W handshake together

    logic [31:0] wmask;
    assign wmask = {{8{s_wstrb[3]}}, {8{s_wstrb[2]}}, {8{s_wstrb[1]}}, {8{s_wstrb[0]}}};

    // ctrl_write: register writes and the ap_ctrl_hs handshake.
    always_ff @(posedge clk) begin
        if (!rst_n) begin
            ap_start     <= 1'b0;
            ap_done      <= 1'b0;
            ap_ready     <= 1'b0;
            auto_restart <= 1'b0;
            gie          <= 1'b0;
            ier          <= 2'b00;
            isr          <= 2'b00;
            status_rej   <= 1'b0;
            s_bvalid     <= 1'b0;
            mode         <= 2'd0;
            for (int r = 0; r < 5; r++)
                ptr[r*64 +: 64] <= 64'd0;
            for (int r = 0; r < 6; r++)
                arg[r*32 +: 32] <= 32'd0;
        end else begin
            if (s_bvalid && s_bready)
                s_bvalid <= 1'b0;
            if (start) begin
                ap_start <= 1'b0;
                ap_ready <= 1'b1;
                isr[1]   <= isr[1] | ier[1];
            end
            if (done) begin
                ap_done    <= 1'b1;
                status_rej <= rejected;
                isr[0]     <= isr[0] | ier[0];
            end
            if (wr_en) begin
                s_bvalid <= 1'b1;
                case (s_awaddr)
                    8'h00: begin
                        if (s_wstrb[0] && s_wdata[0])
                            ap_start <= 1'b1;
                        if (s_wstrb[0])
                            auto_restart <= s_wdata[7];
                    end
                    8'h04: gie <= (gie & ~wmask[0]) | (s_wdata[0] & wmask[0]);
                    8'h08: ier <= (ier & ~wmask[1:0]) | (s_wdata[1:0] & wmask[1:0]);
                    8'h0C: isr <= isr ^ (s_wdata[1:0] & wmask[1:0]);
                    8'h10: mode <= (mode & ~wmask[1:0]) | (s_wdata[1:0] & wmask[1:0]);
                    default: begin
                        for (int r = 0; r < 5; r++) begin
                            if (s_awaddr == 8'(32'h18 + 8 * r))
                                ptr[r*64 +: 32] <= (ptr[r*64 +: 32] & ~wmask) | (s_wdata & wmask);
                            if (s_awaddr == 8'(32'h1C + 8 * r))
                                ptr[r*64+32 +: 32] <= (ptr[r*64+32 +: 32] & ~wmask) | (s_wdata & wmask);
                        end
                        for (int r = 0; r < 6; r++)
                            if (s_awaddr == 8'(32'h40 + 4 * r))
                                arg[r*32 +: 32] <= (arg[r*32 +: 32] & ~wmask) | (s_wdata & wmask);
                    end
                endcase
            end
            // Clear on read of CTRL (after any set above in the same cycle
            // would be lost, so a done arriving now stays set).
            if (s_arvalid && s_arready && s_araddr == 8'h00) begin
                if (!done)
                    ap_done <= 1'b0;
                if (!start)
                    ap_ready <= 1'b0;
            end
        end
    end

    // ctrl_read: registered read data.
    logic [31:0] rd_word;
    always_comb begin
        rd_word = 32'd0;
        case (s_araddr)
            8'h00: rd_word = {24'd0, auto_restart, 3'b000, ap_ready, !running, ap_done, ap_start};
            8'h04: rd_word = {31'd0, gie};
            8'h08: rd_word = {30'd0, ier};
            8'h0C: rd_word = {30'd0, isr};
            8'h10: rd_word = {30'd0, mode};
            8'h60: rd_word = {31'd0, status_rej};
            8'hF0: rd_word = {8'd0, 8'(DATA_W / 8), 8'(Q), 8'(P)};
            default: begin
                for (int r = 0; r < 5; r++) begin
                    if (s_araddr == 8'(32'h18 + 8 * r))
                        rd_word = ptr[r*64 +: 32];
                    if (s_araddr == 8'(32'h1C + 8 * r))
                        rd_word = ptr[r*64+32 +: 32];
                end
                for (int r = 0; r < 6; r++) begin
                    if (s_araddr == 8'(32'h40 + 4 * r))
                        rd_word = arg[r*32 +: 32];
                    if (s_araddr == 8'(32'h80 + 8 * r))
                        rd_word = cnt[r*64 +: 32];
                    if (s_araddr == 8'(32'h84 + 8 * r))
                        rd_word = cnt[r*64+32 +: 32];
                end
            end
        endcase
    end

    always_ff @(posedge clk) begin
        if (!rst_n) begin
            s_rvalid <= 1'b0;
            s_rdata  <= 32'd0;
        end else begin
            if (s_rvalid && s_rready)
                s_rvalid <= 1'b0;
            if (s_arvalid && s_arready) begin
                s_rvalid <= 1'b1;
                s_rdata  <= rd_word;
            end
        end
    end
endmodule
