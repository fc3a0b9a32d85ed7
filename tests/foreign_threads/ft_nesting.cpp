// Scenario 4: nesting callback -> rt_cgocall -> callback, 64 deep, on foreign
// and on runtime threads. One M throughout; EBX/ESI/EDI/EBP and ESP preserved
// across every rt_callback and rt_cgocall (asm probe); ESP 16-byte aligned at
// every call into C; g0's saved SP comes back after each nested callback.
#include "ft.hpp"

namespace {
constexpr int DEPTH = 64;

struct Nest {
    ft::Worker *w;
    int depth;
    uint32_t m;
    uintptr_t c_sp[DEPTH + 2];  // SP of the first rt_cgocall's C code at each depth
};

struct ProbeFrame {  // needm_probe_fn's frame: sp_at_call, inner, then ours
    uint32_t sp_at_call;
    void (*inner)(void *);
    Nest *n;
    int recurse;  // c_part: call back into level() (1) or into a leaf (0)
};

void level(void *p);

void check_regs(ft::Worker *w, const uint32_t out[5], bool across_callback) {
    if (out[0] != 0x11111111u || out[1] != 0x22222222u || out[2] != 0x33333333u || out[3] != 0x44444444u)
        w->fail(across_callback ? "a callee-saved register changed across rt_callback"
                                : "a callee-saved register changed across rt_cgocall");
    if (out[4] != 0) w->fail(across_callback ? "ESP changed across rt_callback" : "ESP changed across rt_cgocall");
}

void leaf(void *p) {
    ProbeFrame *pf = static_cast<ProbeFrame *>(p);
    pf->n->w->ff->set(needm_test::check_in_callback(), pf->n->w->index);
}

// On g0 (C code): call back through the probes.
void c_part(void *p) {
    ProbeFrame *pf = static_cast<ProbeFrame *>(p);
    Nest *n = pf->n;
    if (pf->sp_at_call % 16 != 0) n->w->fail("ESP not 16-byte aligned at rt_cgocall's call into C");
    uintptr_t sp = needm_probe_sp();
    if (pf->recurse) n->c_sp[n->depth] = sp;
    else if (n->c_sp[n->depth] != sp)
        n->w->fail("the C code of two rt_cgocalls from one callback ran at different SPs (g0's saved SP not restored)");
    ProbeFrame inner{0, pf->recurse ? level : leaf, n, 0};
    uint32_t out[5] = {};
    int rc = needm_probe_call(reinterpret_cast<int (*)(void *, void *, size_t)>(reinterpret_cast<void *>(&rt_callback)),
                              reinterpret_cast<void *>(&needm_probe_fn), &inner, sizeof inner, out);
    if (rc != RT_OK) n->w->fail("nested rt_callback failed");
    check_regs(n->w, out, true);
    if (inner.sp_at_call % 16 != 0) n->w->fail("ESP not 16-byte aligned at rt_callback's call into fn");
}

// On curg (a callback): check, then two rt_cgocalls: the first goes a level
// deeper, the second only calls back once more; both run C at the same SP.
void level(void *p) {
    ProbeFrame *pf = static_cast<ProbeFrame *>(p);
    Nest *n = pf->n;
    n->w->ff->set(needm_test::check_in_callback(), n->w->index);
    uint32_t m = needm_test::raw_m_id();
    if (n->m == 0) n->m = m;
    else if (m != n->m) n->w->fail("the M changed within one thread's nesting");
    if (n->depth >= DEPTH) return;
    n->depth++;
    for (int recurse = 1; recurse >= 0; recurse--) {
        ProbeFrame c{0, c_part, n, recurse};
        uint32_t out[5] = {};
        int rc = needm_probe_call(reinterpret_cast<int (*)(void *, void *, size_t)>(reinterpret_cast<void *>(&rt_cgocall)),
                                  reinterpret_cast<void *>(&needm_probe_fn), &c, 0, out);
        if (rc != RT_OK) n->w->fail("rt_cgocall failed inside a callback");
        check_regs(n->w, out, false);
    }
    n->depth--;
}

void nest_from_here(ft::Worker &w) {
    Nest n{};
    n.w = &w;
    ProbeFrame top{0, level, &n, 0};
    uint32_t out[5] = {};
    uintptr_t before = needm_test::raw_tls_slot();
    int rc = needm_probe_call(reinterpret_cast<int (*)(void *, void *, size_t)>(reinterpret_cast<void *>(&rt_callback)),
                              reinterpret_cast<void *>(&needm_probe_fn), &top, sizeof top, out);
    if (rc != RT_OK) w.fail("outer rt_callback failed");
    check_regs(&w, out, true);
    if (top.sp_at_call % 16 != 0) w.fail("ESP not 16-byte aligned at the outer call into fn");
    if (!ft::bound() && needm_test::raw_tls_slot() != before) w.fail("per-call: the slot is not empty after the nest");
}
} // namespace

TEST_SUITE("foreign_threads") {

TEST_CASE("nesting: 64 levels of callback -> rt_cgocall -> callback on foreign threads" * doctest::timeout(300)) {
    ft::init();
    const int T = int(ft::scaled(4, 8, 16));
    const int reps = int(ft::scaled(20, 200, 5000));
    needm_test::FirstFailure ff;
    uint64_t needm_before = ft::stats().needm_count;
    ft::run_threads(T, ff, [reps](ft::Worker &w) {
        for (int r = 0; r < reps; r++) nest_from_here(w);
    });
    ft::check_no_failure(ff);
    // One needm per outermost callback (per-call), or one per thread (bound).
    uint64_t needms = ft::stats().needm_count - needm_before;
    CHECK(needms == (ft::bound() ? uint64_t(T) : uint64_t(T) * uint64_t(reps)));
    ft::check_quiescent("after the nests");
}

TEST_CASE("nesting: 64 levels on a runtime thread: no needm at all" * doctest::timeout(300)) {
    ft::init();
    static needm_test::FirstFailure ff;
    static ft::Worker w;
    w.ff = &ff;
    uint64_t needm_before = ft::stats().needm_count;
    rt_thread *t = nullptr;
    REQUIRE(rt_thread_create(&t, [](void *) {
        rt_cgocall([](void *) {
            for (int r = 0; r < int(ft::scaled(20, 200, 5000)); r++) nest_from_here(w);
        }, nullptr);
    }, nullptr) == RT_OK);
    CHECK(rt_thread_join(t) == RT_OK);
    ft::check_no_failure(ff);
    CHECK(ft::stats().needm_count == needm_before);
}
}
