// crrm_sim.cpp - Verilator wrapper behind sim/crrm_sim.h: clocks the
// crrm_top model, drives its AXI4-Lite control port and serves its AXI4
// master port from a device-memory model.
//
// Memory model, per channel and cycle:
//
// | channel | model drives | random hold (stall_percent)                 |
// |---------|--------------|---------------------------------------------|
// | AR      | arready      | arready low                                 |
// | R       | rvalid/data  | next beat not offered (an offered beat stays |
// |         |              | until taken, as AXI requires)               |
// | AW      | awready      | awready low                                 |
// | W       | wready       | wready low; also low until an AW is waiting |
// | B       | bvalid       | as R                                        |
//
// A read burst's first beat and a write burst's response become available
// `latency` cycles after the AR handshake or the last W beat. The data path
// is as wide as the model's m_axi_gmem_rdata/wdata ports (DATA_W of the RTL:
// 64, 128, 256 or 512 bits, so 8 to 64 bytes per beat, found from the port
// type at compile time). The model checks the AXI rules the RTL promises
// and fails the run on the first broken one:
//
// | rule checked                          | on                              |
// |---------------------------------------|---------------------------------|
// | INCR bursts of full-width beats       | every AR and AW (ARSIZE/AWSIZE) |
// | burst address aligned to the beat     | every AR and AW                 |
// | a burst never crosses 4 KiB           | every AR and AW                 |
// | a burst never exceeds 256 beats       | every AR and AW                 |
// | the burst lies inside device memory   | every AR and AW                 |
// | WLAST on the last beat only           | every W beat                    |
//
// C++ only because Verilator's model is C++; the interface is plain C.
#include "crrm_sim.h"

#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <deque>
#include <string>
#include <type_traits>
#include <vector>

#include "Vcrrm_top.h"
#include "verilated.h"
#include "verilated_fst_c.h"

namespace {

// beat_io: copies between the model's data ports and memory bytes. A port of
// 64 bits is a QData; a wider one is a VlWide of 32-bit words, word 0 the
// least significant. Only the overloads of the built width are used.
template <class T> struct PortBytes;
template <> struct PortBytes<QData> { static constexpr unsigned value = 8; };
template <std::size_t N> struct PortBytes<VlWide<N>> { static constexpr unsigned value = 4 * N; };

[[maybe_unused]] void port_set(QData &port, const uint8_t *src)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; i++)
        v |= (uint64_t)src[i] << (8 * i);
    port = v;
}
template <std::size_t N> void port_set(VlWide<N> &port, const uint8_t *src)
{
    for (std::size_t w = 0; w < N; w++) {
        uint32_t v = 0;
        for (unsigned i = 0; i < 4; i++)
            v |= (uint32_t)src[4 * w + i] << (8 * i);
        port[w] = v;
    }
}

[[maybe_unused]] uint8_t port_byte(const QData &port, unsigned i)
{
    return (uint8_t)(port >> (8 * i));
}
template <std::size_t N> uint8_t port_byte(const VlWide<N> &port, unsigned i)
{
    return (uint8_t)(port[i / 4] >> (8 * (i % 4)));
}

// Bytes per beat of the RTL the model was built from.
constexpr unsigned BEAT =
    PortBytes<std::remove_cv_t<std::remove_reference_t<decltype(Vcrrm_top::m_axi_gmem_rdata)>>>::value;
constexpr unsigned log2_of(unsigned n)
{
    unsigned l = 0;
    while ((1u << l) < n)
        l++;
    return l;
}
constexpr unsigned BEAT_LOG2 = log2_of(BEAT);
static_assert(BEAT == 8 || BEAT == 16 || BEAT == 32 || BEAT == 64,
              "sim: the model's AXI4 data port must be 64, 128, 256 or 512 bits");

char g_error[512];

int set_error(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    vsnprintf(g_error, sizeof g_error, format, ap);
    va_end(ap);
    return -1;
}

struct ReadBurst {
    uint64_t addr;
    unsigned beats;
    unsigned done;
    uint64_t ready_at;
};

struct WriteBurst {
    uint64_t addr;
    unsigned beats;
    unsigned done;
};

} // namespace

struct crrm_sim {
    crrm_sim_config cfg;
    VerilatedContext *ctx;
    Vcrrm_top *top;
    VerilatedFstC *fst;
    uint64_t cycle;
    uint64_t rng;
    std::vector<uint8_t> mem;
    uint64_t next_free;
    std::deque<ReadBurst> rq;
    std::deque<WriteBurst> wq;
    std::deque<uint64_t> bq; // ready_at of pending write responses
    bool r_offered, b_offered;
    uint64_t read_bursts, write_bursts;
    std::string fault; // first AXI rule broken, empty if none
    // AXI4-Lite handshakes seen in the last tick
    bool lite_aw, lite_b, lite_ar, lite_r;
    uint32_t lite_rdata;
};

namespace {

uint64_t next_rand(crrm_sim *s)
{
    // xorshift64*
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return s->rng * UINT64_C(2685821657736338717);
}

bool hold(crrm_sim *s)
{
    return s->cfg.stall_percent != 0 && next_rand(s) % 100 < s->cfg.stall_percent;
}

void fault(crrm_sim *s, const char *format, ...)
{
    if (!s->fault.empty())
        return;
    char text[256];
    va_list ap;
    va_start(ap, format);
    vsnprintf(text, sizeof text, format, ap);
    va_end(ap);
    char stamped[320];
    snprintf(stamped, sizeof stamped, "cycle %" PRIu64 ": %s", s->cycle, text);
    s->fault = stamped;
}

bool in_mem(const crrm_sim *s, uint64_t addr, uint64_t bytes)
{
    return addr >= CRRM_SIM_DEV_BASE && addr - CRRM_SIM_DEV_BASE + bytes <= s->mem.size();
}

void log_line(const crrm_sim *s, const char *format, ...)
{
    if (!s->cfg.log)
        return;
    va_list ap;
    va_start(ap, format);
    fprintf(stderr, "[crrm_sim cycle %" PRIu64 "] ", s->cycle);
    vfprintf(stderr, format, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void check_burst(crrm_sim *s, const char *dir, uint64_t addr, unsigned len,
                 unsigned size, unsigned burst)
{
    unsigned beats = len + 1;
    if (size != BEAT_LOG2 || burst != 1)
        fault(s, "%s burst at 0x%" PRIx64 " has size %u burst %u; expected %u-byte INCR",
              dir, addr, size, burst, BEAT);
    if (addr % BEAT != 0)
        fault(s, "%s burst address 0x%" PRIx64 " is not %u-byte aligned", dir, addr, BEAT);
    if (beats > 256)
        fault(s, "%s burst at 0x%" PRIx64 " has %u beats; at most 256", dir, addr, beats);
    if ((addr & 4095) + (uint64_t)beats * BEAT > 4096)
        fault(s, "%s burst at 0x%" PRIx64 " of %u beats crosses a 4 KiB boundary",
              dir, addr, beats);
    if (!in_mem(s, addr, (uint64_t)beats * BEAT))
        fault(s, "%s burst at 0x%" PRIx64 " of %u beats is outside device memory",
              dir, addr, beats);
}

// One clock cycle: memory-model outputs, falling half, handshakes, rising
// edge, memory-model state.
void tick(crrm_sim *s)
{
    Vcrrm_top *t = s->top;

    // Memory model outputs for this cycle.
    t->m_axi_gmem_arready = !hold(s);
    t->m_axi_gmem_awready = !hold(s);
    t->m_axi_gmem_wready = !s->wq.empty() && !hold(s);
    if (!s->r_offered) {
        t->m_axi_gmem_rvalid = 0;
        if (!s->rq.empty() && s->rq.front().ready_at <= s->cycle && !hold(s)) {
            const ReadBurst &r = s->rq.front();
            uint64_t a = r.addr + (uint64_t)r.done * BEAT;
            uint8_t beat[BEAT] = {0};
            if (in_mem(s, a, BEAT))
                memcpy(beat, &s->mem[a - CRRM_SIM_DEV_BASE], BEAT);
            port_set(t->m_axi_gmem_rdata, beat);
            t->m_axi_gmem_rlast = (r.done + 1 == r.beats);
            t->m_axi_gmem_rresp = 0;
            t->m_axi_gmem_rvalid = 1;
        }
    }
    if (!s->b_offered) {
        t->m_axi_gmem_bvalid = 0;
        if (!s->bq.empty() && s->bq.front() <= s->cycle && !hold(s)) {
            t->m_axi_gmem_bresp = 0;
            t->m_axi_gmem_bvalid = 1;
        }
    }

    t->ap_clk = 0;
    t->eval();
    if (s->fst)
        s->fst->dump(s->cycle * 2);

    // Handshakes, seen before the rising edge. While ap_rst_n is low the
    // memory is in reset too: no transfer happens, whatever the RTL's
    // registers (random before their first reset edge) drive.
    bool live = t->ap_rst_n;
    bool ar = live && t->m_axi_gmem_arvalid && t->m_axi_gmem_arready;
    bool aw = live && t->m_axi_gmem_awvalid && t->m_axi_gmem_awready;
    bool w = live && t->m_axi_gmem_wvalid && t->m_axi_gmem_wready;
    bool r = live && t->m_axi_gmem_rvalid && t->m_axi_gmem_rready;
    bool b = live && t->m_axi_gmem_bvalid && t->m_axi_gmem_bready;
    uint64_t araddr = t->m_axi_gmem_araddr, awaddr = t->m_axi_gmem_awaddr;
    unsigned arlen = t->m_axi_gmem_arlen, awlen = t->m_axi_gmem_awlen;
    unsigned arsize = t->m_axi_gmem_arsize, awsize = t->m_axi_gmem_awsize;
    unsigned arburst = t->m_axi_gmem_arburst, awburst = t->m_axi_gmem_awburst;
    uint8_t wdata[BEAT];
    for (unsigned i = 0; i < BEAT; i++)
        wdata[i] = port_byte(t->m_axi_gmem_wdata, i);
    uint64_t wstrb = t->m_axi_gmem_wstrb;
    unsigned wlast = t->m_axi_gmem_wlast;
    s->lite_aw = t->s_axi_control_awvalid && t->s_axi_control_awready;
    s->lite_b = t->s_axi_control_bvalid && t->s_axi_control_bready;
    s->lite_ar = t->s_axi_control_arvalid && t->s_axi_control_arready;
    s->lite_r = t->s_axi_control_rvalid && t->s_axi_control_rready;
    s->lite_rdata = t->s_axi_control_rdata;

    t->ap_clk = 1;
    t->eval();
    if (s->fst)
        s->fst->dump(s->cycle * 2 + 1);
    s->cycle++;

    // Memory model state.
    if (ar) {
        check_burst(s, "read", araddr, arlen, arsize, arburst);
        s->rq.push_back({araddr, arlen + 1, 0, s->cycle + s->cfg.latency});
        s->read_bursts++;
    }
    if (r) {
        ReadBurst &rb = s->rq.front();
        if (++rb.done == rb.beats)
            s->rq.pop_front();
        s->r_offered = false;
    } else {
        s->r_offered = t->m_axi_gmem_rvalid;
    }
    if (w) {
        WriteBurst &wb = s->wq.front();
        uint64_t a = wb.addr + (uint64_t)wb.done * BEAT;
        if (wlast != (wb.done + 1 == wb.beats ? 1u : 0u))
            fault(s, "write burst at 0x%" PRIx64 ": WLAST %u on beat %u of %u",
                  wb.addr, wlast, wb.done + 1, wb.beats);
        if (in_mem(s, a, BEAT))
            for (unsigned i = 0; i < BEAT; i++)
                if ((wstrb >> i) & 1u)
                    s->mem[a - CRRM_SIM_DEV_BASE + i] = wdata[i];
        if (++wb.done == wb.beats) {
            s->wq.pop_front();
            s->bq.push_back(s->cycle + s->cfg.latency);
        }
    }
    if (aw) {
        check_burst(s, "write", awaddr, awlen, awsize, awburst);
        s->wq.push_back({awaddr, awlen + 1, 0});
        s->write_bursts++;
    }
    if (b) {
        s->bq.pop_front();
        s->b_offered = false;
    } else {
        s->b_offered = t->m_axi_gmem_bvalid;
    }
}

} // namespace

extern "C" {

const char *crrm_sim_error(void)
{
    return g_error;
}

crrm_sim *crrm_sim_open(const crrm_sim_config *config)
{
    crrm_sim *s = new crrm_sim();
    s->cfg = *config;
    if (s->cfg.stall_percent > 90)
        s->cfg.stall_percent = 90;
    if (s->cfg.cycle_limit == 0)
        s->cfg.cycle_limit = UINT64_C(1) << 32;
    s->rng = config->seed ? config->seed : 1;
    s->next_free = CRRM_SIM_DEV_BASE;

    s->ctx = new VerilatedContext;
    if (config->random_reset) {
        // Same effect as the plusargs on a Verilator command line.
        std::string seed = "+verilator+seed+" + std::to_string(config->reset_seed ? config->reset_seed : 1);
        const char *argv[] = {"crrm_sim", "+verilator+rand+reset+2", seed.c_str()};
        s->ctx->commandArgs(3, argv);
    }
    if (config->trace)
        s->ctx->traceEverOn(true);
    s->top = new Vcrrm_top(s->ctx, "crrm_top");
    if (config->trace) {
        s->fst = new VerilatedFstC;
        s->top->trace(s->fst, 99);
        s->fst->open(config->trace);
        if (!s->fst->isOpen()) {
            set_error("sim: cannot open trace file '%s'; check the directory exists and is writable",
                      config->trace);
            crrm_sim_close(s);
            return nullptr;
        }
    }

    // Idle inputs, then a reset of a few cycles.
    Vcrrm_top *t = s->top;
    t->s_axi_control_awvalid = 0;
    t->s_axi_control_wvalid = 0;
    t->s_axi_control_wstrb = 0xF;
    t->s_axi_control_bready = 1;
    t->s_axi_control_arvalid = 0;
    t->s_axi_control_rready = 1;
    t->ap_rst_n = 0;
    for (int i = 0; i < 8; i++)
        tick(s);
    t->ap_rst_n = 1;
    tick(s);
    log_line(s, "model ready");
    return s;
}

void crrm_sim_close(crrm_sim *s)
{
    if (!s)
        return;
    s->top->final();
    if (s->fst) {
        s->fst->close();
        delete s->fst;
    }
    delete s->top;
    delete s->ctx;
    delete s;
}

int crrm_sim_alloc(crrm_sim *s, size_t bytes, uint64_t *addr)
{
    uint64_t at = s->next_free;
    uint64_t end = at + ((bytes + 4095) & ~(uint64_t)4095);
    if (end == at)
        end += 4096; // every region, even an empty one, gets a page
    if (end - CRRM_SIM_DEV_BASE > (UINT64_C(1) << 34))
        return set_error("sim: device memory full asking for %zu bytes; the model holds 16 GiB", bytes);
    s->mem.resize(end - CRRM_SIM_DEV_BASE, 0);
    s->next_free = end;
    *addr = at;
    return 0;
}

void crrm_sim_free_all(crrm_sim *s)
{
    s->next_free = CRRM_SIM_DEV_BASE;
}

int crrm_sim_mem_write(crrm_sim *s, uint64_t addr, const void *src, size_t bytes)
{
    if (!in_mem(s, addr, bytes))
        return set_error("sim: host write of %zu bytes at 0x%" PRIx64 " is outside device memory",
                         bytes, addr);
    if (bytes)
        memcpy(&s->mem[addr - CRRM_SIM_DEV_BASE], src, bytes);
    return 0;
}

int crrm_sim_mem_read(crrm_sim *s, uint64_t addr, void *dst, size_t bytes)
{
    if (!in_mem(s, addr, bytes))
        return set_error("sim: host read of %zu bytes at 0x%" PRIx64 " is outside device memory",
                         bytes, addr);
    if (bytes)
        memcpy(dst, &s->mem[addr - CRRM_SIM_DEV_BASE], bytes);
    return 0;
}

int crrm_sim_reg_write(crrm_sim *s, uint32_t offset, uint32_t value)
{
    Vcrrm_top *t = s->top;
    t->s_axi_control_awaddr = offset & 0xFF;
    t->s_axi_control_wdata = value;
    t->s_axi_control_wstrb = 0xF;
    t->s_axi_control_awvalid = 1;
    t->s_axi_control_wvalid = 1;
    int n = 0;
    do {
        tick(s);
        if (++n > 64)
            return set_error("sim: AXI4-Lite write to 0x%02x not accepted in 64 cycles (cycle %" PRIu64 ")",
                             offset, s->cycle);
    } while (!s->lite_aw);
    t->s_axi_control_awvalid = 0;
    t->s_axi_control_wvalid = 0;
    while (!s->lite_b) {
        tick(s);
        if (++n > 128)
            return set_error("sim: AXI4-Lite write to 0x%02x got no response (cycle %" PRIu64 ")",
                             offset, s->cycle);
    }
    return 0;
}

int crrm_sim_reg_read(crrm_sim *s, uint32_t offset, uint32_t *value)
{
    Vcrrm_top *t = s->top;
    t->s_axi_control_araddr = offset & 0xFF;
    t->s_axi_control_arvalid = 1;
    int n = 0;
    do {
        tick(s);
        if (++n > 64)
            return set_error("sim: AXI4-Lite read of 0x%02x not accepted in 64 cycles (cycle %" PRIu64 ")",
                             offset, s->cycle);
    } while (!s->lite_ar);
    t->s_axi_control_arvalid = 0;
    while (!s->lite_r) {
        tick(s);
        if (++n > 128)
            return set_error("sim: AXI4-Lite read of 0x%02x got no data (cycle %" PRIu64 ")",
                             offset, s->cycle);
    }
    *value = s->lite_rdata;
    return 0;
}

int crrm_sim_run(crrm_sim *s, const char *kernel)
{
    uint64_t begin = s->cycle;
    log_line(s, "%s: ap_start", kernel);
    if (crrm_sim_reg_write(s, CRRM_REG_CTRL, 1) != 0)
        return -1;
    for (;;) {
        uint32_t ctrl;
        if (crrm_sim_reg_read(s, CRRM_REG_CTRL, &ctrl) != 0)
            return -1;
        if (!s->fault.empty())
            return set_error("sim: kernel %s broke an AXI rule at %s; run with a trace to see it",
                             kernel, s->fault.c_str());
        if (ctrl & 2u)
            break;
        if (s->cycle - begin > s->cfg.cycle_limit)
            return set_error("sim: kernel %s still running at cycle %" PRIu64
                             " (%" PRIu64 " cycles after ap_start, limit %" PRIu64
                             "); the RTL hangs or the limit is too low for this shape",
                             kernel, s->cycle, s->cycle - begin, s->cfg.cycle_limit);
    }
    log_line(s, "%s: ap_done after %" PRIu64 " cycles", kernel, s->cycle - begin);
    return 0;
}

uint64_t crrm_sim_cycle(const crrm_sim *s)
{
    return s->cycle;
}

void crrm_sim_bursts(const crrm_sim *s, uint64_t *reads, uint64_t *writes)
{
    *reads = s->read_bursts;
    *writes = s->write_bursts;
}

} // extern "C"
