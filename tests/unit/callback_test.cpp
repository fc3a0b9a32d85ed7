// rt_callback and rt_cgocall: the contract of issue "runtime core", piece by piece.
#include <doctest.h>
#include <needm/rt.h>

#include "foreign.hpp"
#include "rt_internal.hpp"
#include "support.hpp"

#include <atomic>
#include <stdexcept>
#include <vector>

using namespace needm_test;

namespace {

struct Init {
    Init() {
        rt_config c;
        rt_config_default(&c);
        c.extra_m_prealloc = 2;
        REQUIRE(rt_init(&c) == RT_OK);
    }
};
void ensure_init() { static Init once; }

rt_stats stats() {
    rt_stats s;
    rt_get_stats(&s);
    return s;
}

struct Sum {
    std::atomic<long> total{0};
    FirstFailure ff;
};

struct AddFrame {
    Sum *sum;
    long value;
    uint32_t m;
};

void add_fn(void *p) {
    AddFrame *f = static_cast<AddFrame *>(p);
    f->sum->ff.set(check_in_callback());
    f->m = raw_m_id();
    f->sum->total.fetch_add(f->value);
}

} // namespace

TEST_SUITE("unit") {

TEST_CASE("raw threads call back; each borrows an M, checks it, and the slot is empty after" *
          doctest::timeout(120)) {
    ensure_init();
    const int threads = 6, calls = int(scaled(50, 500, 5000));
    Sum sum;
    std::vector<Foreign *> ts;
    for (int i = 0; i < threads; i++) {
        Kind k = thread_kinds()[size_t(i) % thread_kinds().size()];
        ts.push_back(spawn(k, [&sum, calls, i] {
            for (int j = 0; j < calls; j++) {
                uintptr_t before = raw_tls_slot();
                AddFrame f{&sum, long(i) * 1000 + j, 0};
                int rc = rt_callback(add_fn, &f, sizeof f);
                if (rc != RT_OK) sum.ff.set("rt_callback did not return RT_OK", uint32_t(i));
                if (f.m == 0) sum.ff.set("no M id seen inside the callback", uint32_t(i));
                if (!slot_restored(before)) sum.ff.set("TLS slot not restored after a per-call callback", uint32_t(i));
            }
        }));
    }
    for (Foreign *t : ts) join(t);
    CHECK_MESSAGE(sum.ff.get() == nullptr, (sum.ff.get() ? sum.ff.get() : ""));
    long expect = 0;
    for (int i = 0; i < threads; i++)
        for (int j = 0; j < calls; j++) expect += long(i) * 1000 + j;
    CHECK(sum.total.load() == expect);
    rt_stats s = stats();
    CHECK(s.needm_count == s.dropm_count);
    CHECK(s.extra_in_use == 0);
    CHECK(s.extra_free == s.extra_total);
}

TEST_CASE("nesting callback -> rt_cgocall -> callback keeps one M and the slot on the way out" *
          doctest::timeout(60)) {
    ensure_init();
    struct Nest {
        int depth;
        int max;
        uint32_t m;
        FirstFailure *ff;
        uintptr_t c_sp[2];  // SP of the C code in two successive cgocalls at depth 1
    };
    static void (*cb)(void *) = nullptr;
    static void (*c_part)(void *) = nullptr;
    cb = [](void *p) {
        Nest *n = static_cast<Nest *>(p);
        n->ff->set(check_in_callback());
        if (n->m == 0) n->m = raw_m_id();
        else if (raw_m_id() != n->m) n->ff->set("the M changed inside one thread's nesting");
        if (++n->depth < n->max) {
            if (rt_cgocall(c_part, n) != RT_OK) n->ff->set("rt_cgocall failed inside a callback");
        }
        n->depth--;
    };
    c_part = [](void *p) {
        Nest *n = static_cast<Nest *>(p);
        if (rt_on_g_stack() != 1) n->ff->set("C code of rt_cgocall is not on g0's recorded stack");
        if (rt_callback(cb, n, sizeof *n) != RT_OK) n->ff->set("nested rt_callback failed");
    };
    FirstFailure ff;
    Nest n{0, 64, 0, &ff, {0, 0}};
    uint64_t needm_before = stats().needm_count;
    REQUIRE(rt_callback(cb, &n, sizeof n) == RT_OK);
    CHECK_MESSAGE(ff.get() == nullptr, (ff.get() ? ff.get() : ""));
    CHECK(stats().needm_count == needm_before + 1);  // one needm for the whole nest
    CHECK(raw_m_id() == 0);

    // g0's saved SP comes back after a nested callback: two rt_cgocalls from the
    // same callback run their C code at the same SP.
    static uintptr_t sps[2];
    struct Two { FirstFailure *ff; } two{&ff};
    REQUIRE(rt_callback([](void *p) {
        Two *t = static_cast<Two *>(p);
        for (int i = 0; i < 2; i++) {
            int rc = rt_cgocall([](void *q) {
                static int k = 0;
                sps[k++ & 1] = needm_probe_sp();
                rt_callback([](void *) {}, nullptr, 0);  // a nested callback in between
                (void)q;
            }, t);
            if (rc != RT_OK) t->ff->set("rt_cgocall failed");
        }
    }, &two, sizeof two) == RT_OK);
    CHECK(sps[0] == sps[1]);
}

TEST_CASE("ABI: EBX/ESI/EDI/EBP and ESP preserved, ESP 16-byte aligned at every call into C" *
          doctest::timeout(60)) {
    ensure_init();
    struct ProbeFrame {
        uint32_t sp_at_call;           // written by needm_probe_fn
        void (*inner)(void *);
        uint32_t cgo_sp_at_call;
        uint32_t regs[5];
    };
    ProbeFrame f{};
    f.inner = [](void *p) {
        ProbeFrame *pf = static_cast<ProbeFrame *>(p);
        // rt_cgocall through the probe: registers and alignment on the way to g0.
        struct Inner { uint32_t sp_at_call; void (*inner)(void *); } in{0, nullptr};
        needm_probe_call(reinterpret_cast<int (*)(void *, void *, size_t)>(reinterpret_cast<void *>(&rt_cgocall)),
                         reinterpret_cast<void *>(&needm_probe_fn), &in, 0, pf->regs);
        pf->cgo_sp_at_call = in.sp_at_call;
    };
    uint32_t out[5] = {};
    int rc = needm_probe_call(reinterpret_cast<int (*)(void *, void *, size_t)>(reinterpret_cast<void *>(&rt_callback)),
                              reinterpret_cast<void *>(&needm_probe_fn), &f, sizeof f, out);
    CHECK(rc == RT_OK);
    CHECK(out[0] == 0x11111111u);
    CHECK(out[1] == 0x22222222u);
    CHECK(out[2] == 0x33333333u);
    CHECK(out[3] == 0x44444444u);
    CHECK(out[4] == 0u);
    CHECK(f.sp_at_call % 16 == 0);       // rt_callback -> fn
    CHECK(f.cgo_sp_at_call % 16 == 0);   // rt_cgocall -> fn
    CHECK(f.cgo_sp_at_call != 0);
    CHECK(f.regs[0] == 0x11111111u);     // across rt_cgocall
    CHECK(f.regs[1] == 0x22222222u);
    CHECK(f.regs[2] == 0x33333333u);
    CHECK(f.regs[3] == 0x44444444u);
    CHECK(f.regs[4] == 0u);
}

TEST_CASE("bad input: RT_EINVAL, the slot untouched, no M leaked; the thread calls back after" *
          doctest::timeout(60)) {
    ensure_init();
    Foreign *t = spawn(thread_kinds()[0], [] {
        rt_stats before = stats();
        uintptr_t slot = raw_tls_slot();
        char buf[8];
        CHECK(rt_callback(nullptr, buf, sizeof buf) == RT_EINVAL);
        CHECK(raw_tls_slot() == slot);
        CHECK(rt_callback([](void *) {}, nullptr, 4) == RT_EINVAL);
        CHECK(raw_tls_slot() == slot);
        CHECK(rt_callback([](void *) {}, buf, RT_MAX_FRAME + 1) == RT_EINVAL);
        CHECK(raw_tls_slot() == slot);
        CHECK(rt_callback([](void *) {}, nullptr, 0) == RT_OK);      // frame NULL with size 0 is fine
        CHECK(rt_callback([](void *) {}, buf, RT_MAX_FRAME) == RT_OK); // the limit itself is fine
        CHECK(rt_cgocall([](void *) {}, nullptr) == RT_ESTATE);       // no runtime context
        CHECK(rt_stop_the_world() == RT_ESTATE);
        CHECK(rt_release_m() == RT_OK);                               // nothing held: nothing to do
        rt_stats after = stats();
        CHECK(after.extra_in_use == before.extra_in_use);
        CHECK(after.needm_count - before.needm_count == 2);
    });
    join(t);
}

TEST_CASE("a C++ exception escaping fn: RT_EEXCEPTION, the M given back, later callbacks work" *
          doctest::timeout(60)) {
    ensure_init();
    Foreign *t = spawn(thread_kinds()[0], [] {
        for (int i = 0; i < 3; i++) {
            CHECK(rt_callback([](void *) { throw std::runtime_error("from fn"); }, nullptr, 0) == RT_EEXCEPTION);
            CHECK(raw_m_id() == 0);
            int seen = 0;
            CHECK(rt_callback([](void *p) { *static_cast<int *>(p) = 7; }, &seen, sizeof seen) == RT_OK);
            CHECK(seen == 7);
        }
        // thrown from a nested callback: the inner call reports it, the outer goes on
        struct N { int inner_rc; } n{0};
        CHECK(rt_callback([](void *p) {
            rt_cgocall([](void *q) {
                static_cast<N *>(q)->inner_rc = rt_callback([](void *) { throw 42; }, nullptr, 0);
            }, p);
        }, &n, sizeof n) == RT_OK);
        CHECK(n.inner_rc == RT_EEXCEPTION);
    });
    join(t);
    CHECK(stats().extra_in_use == 0);
}

TEST_CASE("fn calling rt_callback itself (already on curg): runs in place on the same G" *
          doctest::timeout(60)) {
    ensure_init();
    struct R { uint32_t outer_m, inner_m; int inner_rc; int inner_on_g; } r{0, 0, -100, 0};
    CHECK(rt_callback([](void *p) {
        R *rr = static_cast<R *>(p);
        rr->outer_m = raw_m_id();
        rr->inner_rc = rt_callback([](void *q) {
            R *r2 = static_cast<R *>(q);
            r2->inner_m = raw_m_id();
            r2->inner_on_g = rt_on_g_stack();
        }, rr, sizeof *rr);
    }, &r, sizeof r) == RT_OK);
    CHECK(r.inner_rc == RT_OK);
    CHECK(r.inner_m == r.outer_m);
    CHECK(r.inner_on_g == 1);
}

TEST_CASE("runtime threads: they own an M; their callbacks take the path without needm" *
          doctest::timeout(60)) {
    ensure_init();
    struct T { uint32_t m; int extra; int cb_rc; uint32_t cb_m; int on_g; FirstFailure ff; } t{};
    uint64_t needm_before = stats().needm_count;
    rt_thread *th = nullptr;
    REQUIRE(rt_thread_create(&th, [](void *p) {
        T *tt = static_cast<T *>(p);
        tt->m = rt_current_m();
        tt->extra = rt_current_m_is_extra();
        tt->on_g = rt_on_g_stack();
        rt_cgocall([](void *q) {
            T *t2 = static_cast<T *>(q);
            t2->cb_rc = rt_callback([](void *r) {
                T *t3 = static_cast<T *>(r);
                t3->ff.set(check_in_callback());
                t3->cb_m = raw_m_id();
            }, t2, sizeof *t2);
        }, tt);
    }, &t) == RT_OK);
    CHECK(rt_thread_join(th) == RT_OK);
    CHECK(t.m != 0);
    CHECK(t.extra == 0);
    CHECK(t.on_g == 1);
    CHECK(t.cb_rc == RT_OK);
    CHECK(t.cb_m == t.m);
    CHECK_MESSAGE(t.ff.get() == nullptr, (t.ff.get() ? t.ff.get() : ""));
    CHECK(stats().needm_count == needm_before);

    // An exception in a runtime thread's fn comes back from rt_thread_join.
    REQUIRE(rt_thread_create(&th, [](void *) { throw 1; }, nullptr) == RT_OK);
    CHECK(rt_thread_join(th) == RT_EEXCEPTION);
    CHECK(rt_thread_create(nullptr, [](void *) {}, nullptr) == RT_EINVAL);
    CHECK(rt_thread_create(&th, nullptr, nullptr) == RT_EINVAL);
    CHECK(rt_thread_join(nullptr) == RT_EINVAL);
}

}
