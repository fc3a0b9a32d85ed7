// needm_bench: what a callback costs, one JSON line per measurement.
//
//   needm_bench [--bind=percall|thread] [--calls=N] [--reps=R] [--threads=1,2,4,8]
//               [--memory=K] [--syscall-probe=MODE] [--cell=NAME]
//
// Modes measured in one process (ratios are only meaningful within one run):
//   plain_call        an indirect call of the same fn: the floor
//   plain_call_threads  the same, from 1..8 raw threads: how the machine scales
//   runtime_thread    a runtime thread in C code (rt_cgocall) calling back: no needm
//   foreign_per_call  raw OS threads calling back, --bind=percall: needm + dropm each call
//   foreign_bound     raw OS threads calling back, --bind=thread: the M stays bound
// Each timed value is the best of R repetitions of N calls per thread after a
// warm-up. ns_per_call is per thread (wall time / N); calls_per_sec is the
// throughput of all threads together.
//   --memory=K        also report committed bytes per idle extra M, from K extra Ms
//   --syscall-probe=M warm up mode M, then make N calls between two marker system
//                     calls (write(-1, "NEEDM_MARK_BEGIN"/"END")), for strace counting
//   --fn-syscall      fn itself makes one system call (getppid): the control that
//                     shows the count can see a system call on the callback path
#include <needm/rt.h>

#include "rt_internal.hpp"  // the memory measurement reads the Ms' stacks

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#if defined(_WIN32)
#include <windows.h>
#else
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace {

struct Options {
    std::string bind = "percall";
    long calls = 200000;
    int reps = 5;
    std::vector<int> threads{1, 2, 4, 8};
    int memory_ms = 0;
    std::string probe;
    std::string cell;
};

volatile long g_sink = 0;
bool g_fn_syscall = false;  // --fn-syscall: the negative control of the syscall count
void fn(void *p) {
    ++*static_cast<volatile long *>(p);
#if !defined(_WIN32)
    if (g_fn_syscall) (void)getppid();
#endif
}
void (*volatile g_fn)(void *) = fn;

double now_ns() {
    return double(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count());
}

// Raw OS threads, never rt_thread_create: the foreign side.
struct Raw {
#if defined(_WIN32)
    HANDLE h;
#else
    pthread_t t;
#endif
};
#if defined(_WIN32)
template <class F> DWORD WINAPI raw_start(void *p) {
    (*static_cast<F *>(p))();
    return 0;
}
#else
template <class F> void *raw_start(void *p) {
    (*static_cast<F *>(p))();
    return nullptr;
}
#endif
template <class F> Raw raw_spawn(F *f) {
    Raw r{};
#if defined(_WIN32)
    r.h = CreateThread(nullptr, 0, raw_start<F>, f, 0, nullptr);
#else
    pthread_create(&r.t, nullptr, raw_start<F>, f);
#endif
    return r;
}
void raw_join(Raw r) {
#if defined(_WIN32)
    WaitForSingleObject(r.h, INFINITE);
    CloseHandle(r.h);
#else
    pthread_join(r.t, nullptr);
#endif
}

void mark(const char *what) {
#if defined(_WIN32)
    (void)what;
#else
    ssize_t r = ::write(-1, what, std::strlen(what));  // fails (EBADF); strace shows it
    (void)r;
#endif
}

void emit(const Options &o, const char *mode, int threads, long calls, double ns_per_call, double calls_per_sec) {
    std::printf("{\"bench\":\"callback\",\"cell\":\"%s\",\"mode\":\"%s\",\"bind\":\"%s\",\"threads\":%d,"
                "\"calls\":%ld,\"reps\":%d,\"ns_per_call\":%.2f,\"calls_per_sec\":%.0f}\n",
                o.cell.c_str(), mode, o.bind.c_str(), threads, calls, o.reps, ns_per_call, calls_per_sec);
    std::fflush(stdout);
}

int fail(const char *what, int rc) {
    std::fprintf(stderr, "needm_bench: %s: %s\n", what, rt_strerror(rc));
    return 1;
}

// plain indirect call of fn
double bench_plain(const Options &o) {
    double best = 1e300;
    long x = 0;
    for (int r = 0; r < o.reps; r++) {
        double t0 = now_ns();
        for (long i = 0; i < o.calls; i++) g_fn(&x);
        double t = now_ns() - t0;
        if (t < best) best = t;
    }
    g_sink = x;
    return best / double(o.calls);
}

// a runtime thread, in C code reached through rt_cgocall, calling back
struct RtLoop {
    long calls;
    int reps;
    double best;
    int rc;
};
void rt_c_loop(void *p) {
    RtLoop *l = static_cast<RtLoop *>(p);
    long x = 0;
    for (long i = 0; i < 1000; i++) rt_callback(fn, &x, sizeof x);  // warm-up
    for (int r = 0; r < l->reps; r++) {
        double t0 = now_ns();
        for (long i = 0; i < l->calls; i++) {
            int rc = rt_callback(fn, &x, sizeof x);
            if (rc != RT_OK) l->rc = rc;
        }
        double t = now_ns() - t0;
        if (t < l->best) l->best = t;
    }
    g_sink = x;
}
double bench_runtime_thread(const Options &o, int *rc_out) {
    RtLoop l{o.calls, o.reps, 1e300, RT_OK};
    rt_thread *t = nullptr;
    int rc = rt_thread_create(&t, [](void *p) { rt_cgocall(rt_c_loop, p); }, &l);
    if (rc == RT_OK) rc = rt_thread_join(t);
    *rc_out = rc != RT_OK ? rc : l.rc;
    return l.best / double(o.calls);
}

// raw threads calling back, all timed together (best of reps)
struct Group {
    long calls;
    int threads;
    bool plain;  // the control: the same loop with a plain indirect call
    std::atomic<int> ready{0}, go{0}, done{0};
    std::atomic<int> rc{RT_OK};
};
void foreign_body(Group *g, int reps, std::vector<double> *starts) {
    (void)starts;
    long x = 0;
    for (long i = 0; i < 1000; i++) rt_callback(fn, &x, sizeof x);  // warm-up (first needm, bound M)
    for (int r = 0; r < reps; r++) {
        g->ready.fetch_add(1);
        while (g->go.load(std::memory_order_acquire) <= r) std::this_thread::yield();
        if (g->plain) {
            for (long i = 0; i < g->calls; i++) g_fn(&x);
        } else {
            for (long i = 0; i < g->calls; i++) {
                int rc = rt_callback(fn, &x, sizeof x);
                if (rc != RT_OK) g->rc = rc;
            }
        }
        g->done.fetch_add(1);
    }
    g_sink = x;
}
void bench_foreign(const Options &o, const char *mode, int threads, int *rc_out) {
    Group g;
    g.calls = o.calls;
    g.threads = threads;
    g.plain = std::strcmp(mode, "plain_call_threads") == 0;
    auto body = [&g, &o] { foreign_body(&g, o.reps, nullptr); };
    std::vector<Raw> ts;
    for (int i = 0; i < threads; i++) ts.push_back(raw_spawn(&body));
    double best = 1e300;
    for (int r = 0; r < o.reps; r++) {
        while (g.ready.load() < threads * (r + 1)) std::this_thread::yield();
        double t0 = now_ns();
        g.go.store(r + 1, std::memory_order_release);
        // Sleep, don't spin: a spinning timer thread would take a core from the
        // measured threads (2 cores here).
        while (g.done.load() < threads * (r + 1)) std::this_thread::sleep_for(std::chrono::microseconds(50));
        double t = now_ns() - t0;
        if (t < best) best = t;
    }
    for (Raw t : ts) raw_join(t);
    *rc_out = g.rc.load();
    emit(o, mode, threads, o.calls, best / double(o.calls), double(o.calls) * threads / (best / 1e9));
}

long committed_kib() {
#if defined(_WIN32)
    MEMORY_BASIC_INFORMATION mbi;
    long kib = 0;
    for (char *p = nullptr; VirtualQuery(p, &mbi, sizeof mbi) == sizeof mbi;
         p = static_cast<char *>(mbi.BaseAddress) + mbi.RegionSize) {
        if (mbi.State == MEM_COMMIT && mbi.Type == MEM_PRIVATE) kib += long(mbi.RegionSize / 1024);
        if (uintptr_t(mbi.BaseAddress) + mbi.RegionSize < uintptr_t(p)) break;
    }
    return kib;
#else
    FILE *f = std::fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kib = -1;
    while (std::fgets(line, sizeof line, f))
        if (std::sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
    std::fclose(f);
    return kib;
#endif
}

// Committed bytes of one M: its record plus the pages of its G stack that are
// committed (Linux: resident, from mincore; Windows: MEM_COMMIT, VirtualQuery).
double m_committed_bytes(const rt::M *m) {
    const size_t page = 4096;
    uintptr_t lo = m->curg->stack_lo - page, hi = m->curg->stack_hi;  // with the guard page
    size_t pages = (hi - lo) / page, committed = 0;
#if defined(_WIN32)
    for (uintptr_t p = lo; p < hi;) {
        MEMORY_BASIC_INFORMATION mbi;
        if (VirtualQuery(reinterpret_cast<void *>(p), &mbi, sizeof mbi) != sizeof mbi) break;
        uintptr_t end = uintptr_t(mbi.BaseAddress) + mbi.RegionSize;
        if (end > hi) end = hi;
        if (mbi.State == MEM_COMMIT) committed += (end - p) / page;
        p = end;
    }
#else
    std::vector<unsigned char> v(pages);
    if (mincore(reinterpret_cast<void *>(lo), hi - lo, v.data()) == 0)
        for (unsigned char c : v) committed += c & 1;
#endif
    (void)pages;
    return double(committed * page + sizeof(rt::M));
}

// K raw threads each hold an extra M at once (so at least K Ms exist), then all
// let go: the committed bytes of each idle extra M, averaged.
int bench_memory(const Options &o) {
    int k = o.memory_ms;
    rt_stats s0;
    rt_get_stats(&s0);
    long before = committed_kib();
    std::atomic<int> inside{0}, release{0};
    struct Ctx {
        std::atomic<int> *inside, *release;
    } ctx{&inside, &release};
    auto body = [&ctx] {
        rt_callback([](void *p) {
            Ctx *c = static_cast<Ctx *>(p);
            c->inside->fetch_add(1);
            while (!c->release->load()) std::this_thread::yield();
        }, &ctx, sizeof ctx);
    };
    std::vector<Raw> ts;
    for (int i = 0; i < k; i++) ts.push_back(raw_spawn(&body));
    while (inside.load() < k) std::this_thread::yield();
    release = 1;
    for (Raw t : ts) raw_join(t);
    rt_release_m();
    long after = committed_kib();
    rt_stats s1;
    rt_get_stats(&s1);
    long made = long(s1.extra_total) - long(s0.extra_total);
    double sum = 0;
    long idle = 0;
    for (rt::M *m = rt::g_rt.all_ms.load(); m; m = m->all_next)
        if ((m->flags & rt::M_EXTRA) && m->owner == 0) {
            sum += m_committed_bytes(m);
            idle++;
        }
    if (idle == 0) {
        std::fprintf(stderr, "needm_bench: --memory found no idle extra M\n");
        return 1;
    }
    std::printf("{\"bench\":\"extra_m_memory\",\"cell\":\"%s\",\"bind\":\"%s\",\"idle_extra_ms\":%ld,"
                "\"made_by_this_run\":%ld,\"committed_bytes_per_idle_m\":%.0f,"
                "\"process_delta_kib_per_m\":%.1f,\"g_stack_bytes\":%u}\n",
                o.cell.c_str(), o.bind.c_str(), idle, made, sum / double(idle),
                made > 0 ? double(after - before) / double(made) : 0.0, rt::g_rt.cfg.g_stack_bytes);
    return 0;
}

// The window between the markers must hold only the probing thread's calls.
// qemu-i386 -strace prefixes every line with the process id, not the thread
// id, so the spawning thread must be quiet during the window: the prober waits
// (spinning, no system call) until pthread_create/CreateThread has returned in
// the spawner, whose own tail (e.g. glibc restoring its signal mask after
// clone) would otherwise land inside the window; the spawner then spins until
// the end marker is written before it joins (a join blocks in futex).
namespace probe {
std::atomic<int> spawned{0}, marked_end{0};
long calls;
void window() {
    long y = 0;
    for (int i = 0; i < 1000; i++) rt_callback(fn, &y, sizeof y);  // warm-up
    while (!spawned.load(std::memory_order_acquire)) __builtin_ia32_pause();
    mark("NEEDM_MARK_BEGIN");
    for (long i = 0; i < calls; i++) rt_callback(fn, &y, sizeof y);
    mark("NEEDM_MARK_END");
    marked_end.store(1, std::memory_order_release);
}
void wait_end() {
    while (!marked_end.load(std::memory_order_acquire)) __builtin_ia32_pause();
}
}  // namespace probe

int syscall_probe(const Options &o) {
    probe::calls = o.calls;
    if (o.probe == "runtime_thread") {
        rt_thread *t = nullptr;
        int rc = rt_thread_create(&t, [](void *) {
            rt_cgocall([](void *) { probe::window(); }, nullptr);
        }, nullptr);
        if (rc != RT_OK) return fail("rt_thread_create", rc);
        probe::spawned.store(1, std::memory_order_release);
        probe::wait_end();
        return rt_thread_join(t) == RT_OK ? 0 : 1;
    }
    if (o.probe == "foreign_per_call" || o.probe == "foreign_bound") {
        auto body = [] { probe::window(); };
        Raw t = raw_spawn(&body);
        probe::spawned.store(1, std::memory_order_release);
        probe::wait_end();
        raw_join(t);
        return 0;
    }
    std::fprintf(stderr, "needm_bench: --syscall-probe takes runtime_thread, foreign_per_call or foreign_bound\n");
    return 2;
}

bool parse(int argc, char **argv, Options *o) {
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        auto val = [&a](const char *k) { return a.compare(0, std::strlen(k), k) == 0 ? a.substr(std::strlen(k)) : std::string("\x01"); };
        std::string v;
        if ((v = val("--bind=")) != "\x01") o->bind = v;
        else if ((v = val("--calls=")) != "\x01") o->calls = std::atol(v.c_str());
        else if ((v = val("--reps=")) != "\x01") o->reps = std::atoi(v.c_str());
        else if ((v = val("--memory=")) != "\x01") o->memory_ms = std::atoi(v.c_str());
        else if ((v = val("--syscall-probe=")) != "\x01") o->probe = v;
        else if ((v = val("--cell=")) != "\x01") o->cell = v;
        else if (a == "--fn-syscall") g_fn_syscall = true;
        else if ((v = val("--threads=")) != "\x01") {
            o->threads.clear();
            for (char *s = &v[0]; *s;) {
                o->threads.push_back(int(std::strtol(s, &s, 10)));
                if (*s == ',') s++;
                else if (*s) return false;
            }
        } else if (a == "-h" || a == "--help") {
            std::puts("needm_bench [--bind=percall|thread] [--calls=N] [--reps=R] [--threads=1,2,4,8]\n"
                      "            [--memory=K] [--syscall-probe=MODE] [--cell=NAME]\n"
                      "  e.g. needm_bench --bind=percall --calls=200000 --threads=1,2\n"
                      "       needm_bench --bind=thread --memory=32\n"
                      "JSON lines on stdout; see bench/README in docs/benchmarks.md.");
            std::exit(0);
        } else {
            std::fprintf(stderr, "needm_bench: unknown argument '%s' (try --help)\n", a.c_str());
            return false;
        }
    }
    if (o->bind != "percall" && o->bind != "thread") {
        std::fprintf(stderr, "needm_bench: --bind is percall or thread, not '%s'\n", o->bind.c_str());
        return false;
    }
    if (o->calls < 1 || o->reps < 1 || o->threads.empty()) {
        std::fprintf(stderr, "needm_bench: --calls, --reps and --threads need positive values\n");
        return false;
    }
    return true;
}

} // namespace

int main(int argc, char **argv) {
    Options o;
    if (const char *c = std::getenv("NEEDM_CELL")) o.cell = c;
    if (!parse(argc, argv, &o)) return 2;
    if (o.cell.empty()) o.cell = "unknown";
    rt_config cfg;
    rt_config_default(&cfg);
    cfg.bind_foreign = o.bind == "thread" ? RT_BIND_THREAD : RT_BIND_PER_CALL;
    cfg.extra_m_prealloc = 8;
    int rc = rt_init(&cfg);
    if (rc != RT_OK) return fail("rt_init", rc);
    if (!o.probe.empty()) return syscall_probe(o);

    emit(o, "plain_call", 1, o.calls, bench_plain(o), 0);
    // The same thread loop with plain calls at each thread count: how this
    // machine scales, the baseline the callback modes' scaling is judged by.
    for (int t : o.threads) bench_foreign(o, "plain_call_threads", t, &rc);
    double rt_ns = bench_runtime_thread(o, &rc);
    if (rc != RT_OK) return fail("runtime_thread", rc);
    emit(o, "runtime_thread", 1, o.calls, rt_ns, 1e9 / rt_ns);
    const char *mode = o.bind == "thread" ? "foreign_bound" : "foreign_per_call";
    for (int t : o.threads) {
        bench_foreign(o, mode, t, &rc);
        if (rc != RT_OK) return fail(mode, rc);
    }
    if (o.memory_ms > 0 && bench_memory(o) != 0) return 1;
    rt_stats s;
    rt_get_stats(&s);
    if (s.needm_count != s.dropm_count && o.bind == "percall") {
        std::fprintf(stderr, "needm_bench: needm %llu != dropm %llu\n", (unsigned long long)s.needm_count,
                     (unsigned long long)s.dropm_count);
        return 1;
    }
    return 0;
}
