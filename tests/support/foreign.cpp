// Foreign threads and invariant checks: see foreign.hpp.
#include "foreign.hpp"

#include "rt_internal.hpp"

#include <atomic>
#include <cstdio>
#include <cstring>

#if defined(_WIN32)
#include <process.h>
#include <windows.h>
#else
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#endif

namespace needm_test {

uintptr_t raw_tls_slot() {
    uintptr_t v = 0;
#if defined(__linux__)
    __asm__ volatile("movl %%gs:rt_tls_m@ntpoff, %0" : "=r"(v));
#elif defined(NEEDM_WIN_TLS_ARBITRARY)
    __asm__ volatile("movl %%fs:0x14, %0" : "=r"(v));
#else
    uint32_t idx = rt_tls_index;
    if (idx < 64) {
        __asm__ volatile("movl %%fs:0xe10(,%1,4), %0" : "=r"(v) : "r"(idx));
    } else if (idx != 0xFFFFFFFFu) {
        uintptr_t exp;
        __asm__ volatile("movl %%fs:0xf94, %0" : "=r"(exp));
        v = exp ? reinterpret_cast<uintptr_t *>(exp)[idx - 64] : 0;
    }
#endif
    return v;
}

const char *tls_slot_name() {
#if defined(__linux__)
    return "%gs:rt_tls_m (ELF static TLS)";
#elif defined(NEEDM_WIN_TLS_ARBITRARY)
    return "FS:0x14 (TEB ArbitraryUserPointer)";
#else
    return "FS:[0xE10+4*index] (TlsAlloc slot)";
#endif
}

namespace {
rt::M *raw_m() {
    uintptr_t v = raw_tls_slot();
#if defined(_WIN32)
    if (v < rt_m_arena_lo || v >= rt_m_arena_hi) return nullptr;
#endif
    return reinterpret_cast<rt::M *>(v);
}
} // namespace

uint32_t raw_m_id() {
    rt::M *m = raw_m();
    return m ? m->id : 0;
}

const char *check_in_callback() {
    rt::M *m = raw_m();
    if (m == nullptr) return "the TLS slot holds no M inside a callback";
    if (m->magic != rt::M_MAGIC) return "the TLS slot does not hold an M (bad magic)";
    if (m->tls_g != m->curg) return "the M's current G is not its curg inside a callback";
    if (m->curg->m != m) return "curg does not point back to its M";
    uintptr_t sp = needm_probe_sp();
    if (sp < m->curg->stack_lo || sp >= m->curg->stack_hi) return "SP is not on the G stack inside a callback";
    if (m->owner != rt::os::owner_word()) return "the M's owner word names another thread (double lease)";
    const rt::G *g0 = m->g0;
    if (g0->sched_sp < g0->stack_lo || g0->sched_sp >= g0->stack_hi)
        return "g0's recorded stack bounds do not hold the SP the callback entered with (stale bounds)";
    return nullptr;
}

void FirstFailure::set(const char *what, uint32_t thread_index) {
    if (what == nullptr) return;
    void *expect = nullptr;
    if (__atomic_compare_exchange_n(&slot_, &expect, const_cast<char *>(what), false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
        __atomic_store_n(&idx_, thread_index, __ATOMIC_RELEASE);
}
const char *FirstFailure::get() const { return static_cast<const char *>(__atomic_load_n(&slot_, __ATOMIC_ACQUIRE)); }
uint32_t FirstFailure::thread_index() const { return __atomic_load_n(&idx_, __ATOMIC_ACQUIRE); }

std::vector<Kind> thread_kinds() {
#if defined(_WIN32)
    return {Kind::createthread, Kind::beginthreadex};
#else
    return {Kind::pthread};
#endif
}

const char *kind_name(Kind k) {
    switch (k) {
    case Kind::pthread: return "pthread";
    case Kind::createthread: return "CreateThread";
    default: return "_beginthreadex";
    }
}

struct Foreign {
    std::function<void()> body;
#if defined(_WIN32)
    HANDLE h = nullptr;
#else
    pthread_t th{};
#endif
};

namespace {
#if defined(_WIN32)
DWORD WINAPI win_start(void *p) {
    static_cast<Foreign *>(p)->body();
    return 0;
}
unsigned __stdcall crt_start(void *p) {
    static_cast<Foreign *>(p)->body();
    return 0;
}
#else
void *posix_start(void *p) {
    static_cast<Foreign *>(p)->body();
    return nullptr;
}
#endif
} // namespace

size_t min_stack_bytes() {
#if defined(_WIN32)
    return 64 * 1024;
#else
    return PTHREAD_STACK_MIN;
#endif
}

Foreign *spawn(Kind k, std::function<void()> body, size_t stack_bytes) {
    Foreign *t = new Foreign;
    t->body = std::move(body);
#if defined(_WIN32)
    if (k == Kind::beginthreadex) {
        t->h = reinterpret_cast<HANDLE>(
            _beginthreadex(nullptr, unsigned(stack_bytes), crt_start, t, STACK_SIZE_PARAM_IS_A_RESERVATION, nullptr));
    } else {
        t->h = CreateThread(nullptr, stack_bytes, win_start, t, STACK_SIZE_PARAM_IS_A_RESERVATION, nullptr);
    }
    if (t->h == nullptr) {
        std::fprintf(stderr, "spawn(%s): failed, error %lu\n", kind_name(k), GetLastError());
        delete t;
        return nullptr;
    }
#else
    (void)k;
    pthread_attr_t a;
    pthread_attr_init(&a);
    if (stack_bytes) pthread_attr_setstacksize(&a, stack_bytes);
    int rc = pthread_create(&t->th, &a, posix_start, t);
    pthread_attr_destroy(&a);
    if (rc != 0) {
        std::fprintf(stderr, "spawn(pthread): pthread_create failed: %s\n", std::strerror(rc));
        delete t;
        return nullptr;
    }
#endif
    return t;
}

void join(Foreign *t) {
    if (t == nullptr) return;
#if defined(_WIN32)
    WaitForSingleObject(t->h, INFINITE);
    CloseHandle(t->h);
#else
    pthread_join(t->th, nullptr);
#endif
    delete t;
}

#if defined(_WIN32)
namespace {
struct PoolCtx {
    const std::function<void(int)> *body;
    std::atomic<int> next{0};
    std::atomic<int> done{0};
    HANDLE all_done;
    int n;
};
void CALLBACK pool_work(PTP_CALLBACK_INSTANCE, void *p, PTP_WORK) {
    PoolCtx *c = static_cast<PoolCtx *>(p);
    int i = c->next.fetch_add(1);
    (*c->body)(i);
    if (c->done.fetch_add(1) + 1 == c->n) SetEvent(c->all_done);
}
} // namespace
#endif

bool run_pool_items(int n, const std::function<void(int)> &body, std::string *why) {
#if defined(_WIN32)
    PoolCtx ctx;
    ctx.body = &body;
    ctx.n = n;
    ctx.all_done = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    PTP_POOL pool = CreateThreadpool(nullptr);
    if (pool == nullptr) {
        *why = "CreateThreadpool failed";
        return false;
    }
    SetThreadpoolThreadMaximum(pool, 4);
    SetThreadpoolThreadMinimum(pool, 1);
    TP_CALLBACK_ENVIRON env;
    InitializeThreadpoolEnvironment(&env);
    SetThreadpoolCallbackPool(&env, pool);
    PTP_WORK work = CreateThreadpoolWork(pool_work, &ctx, &env);
    for (int i = 0; i < n; i++) SubmitThreadpoolWork(work);
    WaitForSingleObject(ctx.all_done, INFINITE);
    WaitForThreadpoolWorkCallbacks(work, FALSE);
    CloseThreadpoolWork(work);
    CloseThreadpool(pool);
    DestroyThreadpoolEnvironment(&env);
    CloseHandle(ctx.all_done);
    return true;
#else
    (void)n;
    (void)body;
    *why = "no Windows thread pool on Linux";
    return false;
#endif
}

long memory_kib() {
#if defined(_WIN32)
    MEMORY_BASIC_INFORMATION mbi;
    long priv = 0;
    for (char *p = nullptr; VirtualQuery(p, &mbi, sizeof mbi) == sizeof mbi; p = static_cast<char *>(mbi.BaseAddress) + mbi.RegionSize) {
        if (mbi.State == MEM_COMMIT && mbi.Type == MEM_PRIVATE) priv += long(mbi.RegionSize / 1024);
        if (reinterpret_cast<uintptr_t>(p) > 0xFFFF0000u) break;
    }
    return priv;
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

long handle_count() {
#if defined(_WIN32)
    // A live process always holds handles: 0 means the count is not available
    // (Wine 8 answers 0), reported as -1.
    DWORD n = 0;
    return GetProcessHandleCount(GetCurrentProcess(), &n) && n > 0 ? long(n) : -1;
#else
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    long n = 0;
    while (readdir(d)) n++;
    closedir(d);
    return n - 2;
#endif
}

} // namespace needm_test
