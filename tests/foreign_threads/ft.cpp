#include "ft.hpp"

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace ft {

bool bound() {
    static bool b = [] {
        const char *v = std::getenv("NEEDM_BIND");
        return v && std::strcmp(v, "thread") == 0;
    }();
    return b;
}

std::string mode_name() { return bound() ? "bound" : "per-call"; }

void init(uint32_t prealloc, uint32_t g_stack_bytes) {
    static bool done = false;
    if (done) return;
    done = true;
    rt_config c;
    rt_config_default(&c);
    c.extra_m_prealloc = prealloc;
    if (g_stack_bytes) c.g_stack_bytes = g_stack_bytes;
    c.bind_foreign = bound() ? RT_BIND_THREAD : RT_BIND_PER_CALL;
    if (const char *cap = std::getenv("NEEDM_EXTRA_M_MAX")) c.extra_m_max = uint32_t(std::atoi(cap));
    std::printf("needm test: runtime mode %s, extra_m_prealloc %u, extra_m_max %u, TLS slot %s\n", mode_name().c_str(),
                c.extra_m_prealloc, c.extra_m_max, tls_slot_name());
    REQUIRE(rt_init(&c) == RT_OK);
}

rt_stats stats() {
    rt_stats s;
    rt_get_stats(&s);
    return s;
}

namespace {
struct Frame {
    Worker *w;
    uint32_t m;
    void (*inner)(void *);
    void *arg;
};
void checked_fn(void *p) {
    Frame *f = static_cast<Frame *>(p);
    f->w->ff->set(check_in_callback(), f->w->index);
    f->m = raw_m_id();
    if (f->inner) f->inner(f->arg);
}
} // namespace

int checked_callback(Worker &w, void (*inner)(void *), void *arg, int expect) {
    uintptr_t before = raw_tls_slot();
    Frame f{&w, 0, inner, arg};
    if (w.rec) w.rec->phase.store("in rt_callback");
    int rc = rt_callback(checked_fn, &f, sizeof f);
    if (w.rec) {
        w.rec->phase.store("between callbacks");
        w.rec->last_m.store(f.m);
    }
    if (rc != expect) {
        w.fail(rc == RT_OK ? "rt_callback returned RT_OK where an error was expected"
                           : "rt_callback returned an unexpected error");
        return rc;
    }
    if (rc != RT_OK) return rc;
    if (f.m == 0) w.fail("no M seen inside the callback");
    if (!bound()) {
        if (!slot_restored(before)) w.fail("per-call: the raw TLS slot is not empty again after rt_callback returned");
    } else {
        if (raw_m_id() != f.m) w.fail("bound: the raw TLS slot does not hold the callback's M after it returned");
        if (w.bound_m != 0 && w.bound_m != f.m) w.fail("bound: a later callback of the thread got another M");
        w.bound_m = f.m;
    }
    return rc;
}

void run_threads(int n, FirstFailure &ff, const std::function<void(Worker &)> &body, size_t stack, const char *role) {
    std::vector<Foreign *> ts;
    std::vector<Kind> kinds = thread_kinds();
    for (int i = 0; i < n; i++) {
        Foreign *t = spawn(kinds[size_t(i) % kinds.size()], [&ff, &body, i, role] {
            ThreadScope scope(role);
            Worker w;
            w.index = uint32_t(i);
            w.ff = &ff;
            w.rec = scope.rec;
            body(w);
            scope.phase("exiting");
        }, stack);
        if (t == nullptr) {
            ff.set("could not start a foreign thread", uint32_t(i));
            break;
        }
        ts.push_back(t);
    }
    for (Foreign *t : ts) join(t);
}

void check_quiescent(const char *where) {
    rt_stats s = stats();
    INFO(where << " (" << mode_name() << "): needm " << s.needm_count << ", dropm " << s.dropm_count
               << ", extra total " << s.extra_total << ", free " << s.extra_free << ", in use " << s.extra_in_use);
    CHECK(s.needm_count == s.dropm_count);
    CHECK(s.extra_in_use == 0u);
    CHECK(s.extra_free == s.extra_total);
}

void check_no_failure(const FirstFailure &ff) {
    if (const char *f = ff.get()) FAIL_CHECK("foreign thread " << ff.thread_index() << ": " << std::string(f));
}

} // namespace ft
