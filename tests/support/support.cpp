// Test support: see support.hpp.
#include "support.hpp"

#include "platform_probe.hpp"
#include "rt_internal.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <algorithm>
#include <thread>

#if defined(_WIN32)
#include <windows.h>
#else
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace needm_test {

namespace {
std::mutex g_mu;
std::string g_skip_reason;
bool g_skipped = false;
std::atomic<ThreadRecord *> g_records{nullptr};
std::atomic<const char *> g_current_test{"(start-up)"};
// The watchdog's state is never destroyed: a static condition variable would be
// destroyed at exit while the watchdog thread still waits on it (glibc's
// pthread_cond_destroy then blocks for ever).
struct Watchdog {
    std::mutex mu;
    std::condition_variable cv;
    std::chrono::steady_clock::time_point deadline;
    std::chrono::steady_clock::time_point program_deadline = std::chrono::steady_clock::time_point::max();
    unsigned seconds = 0;
    bool stopped = false;
};
Watchdog &wd() {
    static Watchdog *w = new Watchdog;
    return *w;
}

uint32_t os_tid() {
#if defined(_WIN32)
    return GetCurrentThreadId();
#else
    return uint32_t(syscall(SYS_gettid));
#endif
}

const char *env(const char *name) {
    const char *v = std::getenv(name);
    return (v && *v) ? v : nullptr;
}
} // namespace

Scale scale() {
    static Scale s = [] {
        const char *v = env("NEEDM_STRESS");
        if (v == nullptr || std::strcmp(v, "quick") == 0) return Scale::quick;
        if (std::strcmp(v, "full") == 0) return Scale::full;
        if (std::strcmp(v, "soak") == 0) return Scale::soak;
        std::fprintf(stderr, "needm test: NEEDM_STRESS='%s' is not quick, full or soak; using quick\n", v);
        return Scale::quick;
    }();
    return s;
}

const char *scale_name() {
    switch (scale()) {
    case Scale::quick: return "quick";
    case Scale::full: return "full";
    default: return "soak";
    }
}

uint32_t seed() {
    static uint32_t s = [] {
        if (const char *v = env("NEEDM_SEED")) return uint32_t(std::strtoul(v, nullptr, 0));
        uint32_t t = uint32_t(std::time(nullptr)) ^ (os_tid() * 2654435761u);
        return t ? t : 1u;
    }();
    return s;
}

uint32_t rand_next(uint32_t &x) {
    if (x == 0) x = 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
}

void skip(const std::string &reason) {
    std::lock_guard<std::mutex> lk(g_mu);
    g_skipped = true;
    g_skip_reason = reason;
    std::printf("SKIP: %s\n", reason.c_str());
    std::fflush(stdout);
}

bool skipped() {
    std::lock_guard<std::mutex> lk(g_mu);
    if (g_skipped) std::printf("SKIP: %s\n", g_skip_reason.c_str());
    return g_skipped;
}

const char *cell() {
    const char *c = env("NEEDM_CELL");
    return c ? c : "(no cell)";
}

bool under_qemu() {
    static bool q = needm_platform::observe().runner == "qemu";  // tests/platform/platform_probe.cpp
    return q;
}

std::string repro_command(const char *test_case) {
    std::string cmd = "NEEDM_SEED=" + std::to_string(seed()) + " NEEDM_STRESS=" + scale_name();
    if (const char *c = env("NEEDM_CELL")) cmd += std::string(" NEEDM_CELL=") + c;
    for (const char *k : {"NEEDM_BIND", "NEEDM_EXTRA_M_MAX"})
        if (const char *v = env(k)) cmd += std::string(" ") + k + "=" + v;
    if (const char *r = env("NEEDM_RUNNER_CMD")) cmd += std::string(" ") + r;
    const char *exe = env("NEEDM_TEST_EXE");
    cmd += std::string(" ") + (exe ? exe : "<test program>");
    if (test_case) cmd += std::string(" --test-case=\"") + test_case + "\"";
    return cmd;
}

ThreadRecord *thread_enter(const char *role) {
    // Reuse a dead record, else add one (records are never freed: the watchdog
    // may be reading them).
    for (ThreadRecord *r = g_records.load(); r; r = r->next.load()) {
        bool dead = false;
        if (r->live.compare_exchange_strong(dead, true)) {
            r->role = role;
            r->phase = "starting";
            r->os_tid = os_tid();
            r->owner_word = rt::os::owner_word();
            r->last_m = 0;
            return r;
        }
    }
    ThreadRecord *r = new ThreadRecord;
    r->role = role;
    r->os_tid = os_tid();
    r->owner_word = rt::os::owner_word();
    r->live = true;
    ThreadRecord *head = g_records.load();
    do {
        r->next = head;
    } while (!g_records.compare_exchange_weak(head, r));
    return r;
}

void thread_exit(ThreadRecord *r) {
    r->phase = "exited";
    r->live = false;
}

void dump_threads(FILE *out) {
    std::fprintf(out, "  threads of the test (os tid, role, test phase, runtime M and its phase):\n");
    int n = 0;
    for (ThreadRecord *r = g_records.load(); r; r = r->next.load()) {
        if (!r->live.load()) continue;
        uintptr_t ow = r->owner_word.load();
        const rt::M *held = nullptr;
        for (rt::M *m = rt::g_rt.all_ms.load(); m; m = m->all_next)
            if (m->owner == ow) held = m;
        if (held)
            std::fprintf(out, "    thread %u [%s]: %s; holds M %u (%s), runtime phase '%s', depth %u\n",
                         r->os_tid.load(), r->role.load(), r->phase.load(), held->id,
                         (held->flags & rt::M_EXTRA) ? "extra" : "runtime", rt::phase_name(held->phase), held->depth);
        else
            std::fprintf(out, "    thread %u [%s]: %s; holds no M%s\n", r->os_tid.load(), r->role.load(),
                         r->phase.load(),
                         std::strstr(r->phase.load(), "rt_callback") ? " (so: in needm, waiting for an M or rt_init)"
                                                                      : "");
        if (++n >= 64) {
            std::fprintf(out, "    ... (more threads not shown)\n");
            break;
        }
    }
    std::fprintf(out, "  runtime Ms (id, kind, owner thread, phase, in_user, depth):\n");
    n = 0;
    for (rt::M *m = rt::g_rt.all_ms.load(); m; m = m->all_next) {
        if (m->owner == 0 && m->phase == rt::PH_FREE) continue;
        std::fprintf(out, "    M %u %s: owner tid %u, '%s', in_user %u, depth %u\n", m->id,
                     (m->flags & rt::M_EXTRA) ? "extra" : "runtime", m->os_tid, rt::phase_name(m->phase),
                     m->in_user, m->depth);
        if (++n >= 64) {
            std::fprintf(out, "    ... (more Ms not shown)\n");
            break;
        }
    }
    std::fprintf(out, "  world stopped: %s\n", rt_world_stopping ? "yes" : "no");
}

void set_current_test(const char *name) {
    g_current_test = name;
    Watchdog &w = wd();
    std::lock_guard<std::mutex> lk(w.mu);
    w.deadline = std::min(std::chrono::steady_clock::now() + std::chrono::seconds(w.seconds), w.program_deadline);
    w.cv.notify_all();
}

void watchdog_stop() {
    Watchdog &w = wd();
    std::lock_guard<std::mutex> lk(w.mu);
    w.stopped = true;
    w.cv.notify_all();
}

void watchdog_start(unsigned seconds) {
    Watchdog &w = wd();
    {
        std::lock_guard<std::mutex> lk(w.mu);
        w.seconds = seconds;
        auto now = std::chrono::steady_clock::now();
        // The whole program must also report before CTest kills it.
        if (const char *t = env("NEEDM_TEST_TIMEOUT"))
            if (std::atoi(t) > 20) w.program_deadline = now + std::chrono::seconds(std::atoi(t) - 10);
        w.deadline = std::min(now + std::chrono::seconds(seconds), w.program_deadline);
    }
    std::thread([] {
        Watchdog &w = wd();
        std::unique_lock<std::mutex> lk(w.mu);
        for (;;) {
            if (w.stopped) return;
            auto d = w.deadline;
            if (w.cv.wait_until(lk, d) == std::cv_status::timeout && w.deadline == d && !w.stopped) break;
        }
        std::fflush(stdout);
        std::fprintf(stdout, "needm: WATCHDOG: test case '%s' still running (%u s per case, or 10 s before "
                     "CTest's timeout) in cell %s:\n", g_current_test.load(), w.seconds, cell());
        dump_threads(stdout);
        std::fprintf(stdout, "needm: FAILED cell=%s test=%s case=\"%s\" seed=%u (hang); reproduce: %s\n", cell(),
                     env("NEEDM_TEST_NAME") ? env("NEEDM_TEST_NAME") : "?", g_current_test.load(), seed(),
                     repro_command(g_current_test.load()).c_str());
        std::fflush(stdout);
        std::_Exit(3);
    }).detach();
}

} // namespace needm_test
