// The public C API around the core: start-up, threads the runtime owns,
// stop-the-world, statistics, and the one-line fatal report.
//
// Start-up: rt_init moves init_state 0 -> 1 -> 2. A callback that arrives
// earlier (a thread a static constructor started) finds no M, and rt_needm
// sleeps on init_state until it reads 2. The Ms made at start-up are the
// extra_m_prealloc spares; runtime threads get their own Ms (M_RUNTIME), which
// never enter the extra-M list.
//
// Stop-the-world: one stopper at a time (a mutex held from stop to start). The
// stopper leaves user code itself (so two stoppers cannot wait for each other),
// raises rt_world_stopping, waits until no M allocation is in progress, then
// until every other M's in_user is 0: callbacks in fn finish, callbacks in C
// code (rt_cgocall) do not count, new callbacks wait at the gate. Runtime
// threads' own code is not "user code": the world stops while they run; their
// callbacks are gated like everyone's.
#include "rt_internal.hpp"

#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>

using namespace rt;

struct rt_thread {
    os::Thread *os = nullptr;
    M *m = nullptr;
    void (*fn)(void *) = nullptr;
    void *arg = nullptr;
    int result = RT_OK;
};

namespace rt {

const char *phase_name(uint32_t p) {
    switch (p) {
    case PH_FREE: return "free";
    case PH_NEEDM: return "in needm";
    case PH_ENTER: return "entering callback";
    case PH_GATE_WAIT: return "waiting: world stopped";
    case PH_FN: return "in fn";
    case PH_CGOCALL: return "in rt_cgocall";
    case PH_DROPM: return "in dropm";
    case PH_BOUND_IDLE: return "bound, idle";
    case PH_RUNTIME: return "runtime thread";
    default: return "?";
    }
}

void fatal(const char *invariant, const M *m, const char *detail) {
    char line[512];
    int n = std::snprintf(line, sizeof line, "needm: fatal: invariant violated: %s: thread %u, M %u%s (%s)\n",
                          invariant, os::thread_id(), m ? m->id : 0u,
                          m ? ((m->flags & M_EXTRA) ? " extra" : " runtime") : "", detail ? detail : "");
    if (n < 0) n = 0;
    if (size_t(n) >= sizeof line) n = int(sizeof line) - 1;
    os::write_stderr(line, size_t(n));
    os::die();
}

} // namespace rt

namespace {

std::mutex g_stw_mu;

void spin_until_zero(volatile uint32_t *p) {
    for (unsigned i = 0; __atomic_load_n(p, __ATOMIC_SEQ_CST) != 0; i++) {
        if (i < 64) __builtin_ia32_pause();
        else os::yield();
    }
}

bool in_runtime_context(M **out) {
    M *m = current_m();
    if (m == nullptr || m->tls_g != m->curg) return false;
    *out = m;
    return true;
}

void runtime_main(void *p) {
    // On curg of a runtime thread, inside the callback the start routine made.
    // The thread's own code does not hold the world running: leave user code.
    rt_thread *t = static_cast<rt_thread *>(p);
    M *m = t->m;
    gate_exit(m);
    m->phase = PH_RUNTIME;
    t->fn(t->arg);
}

void thread_start(void *p) {
    rt_thread *t = static_cast<rt_thread *>(p);
    M *m = t->m;
    m->owner = os::owner_word();
    m->os_tid = os::thread_id();
#if defined(_WIN32) && defined(NEEDM_WIN_TLS_ARBITRARY)
    m->prev_slot = rt_tls_slot_read();
#endif
    rt_setmg(m, m->g0);  // a runtime thread always has its M: its callbacks skip needm
    t->result = rt_callback(runtime_main, t, 0);
#if defined(_WIN32) && defined(NEEDM_WIN_TLS_ARBITRARY)
    rt_settls(m->prev_slot);
#else
    rt_setmg(nullptr, nullptr);
#endif
    m->phase = PH_FREE;
    m->os_tid = 0;
    __atomic_store_n(&m->owner, 0, __ATOMIC_RELEASE);
    runtime_m_put(m);
}

} // namespace

extern "C" {

void rt_config_default(rt_config *cfg) {
    if (cfg == nullptr) return;
    cfg->extra_m_prealloc = 1;
    cfg->extra_m_max = 0;
    cfg->g_stack_bytes = 64u * 1024u;
    cfg->bind_foreign = RT_BIND_PER_CALL;
}

int rt_init(const rt_config *cfg) {
    rt_config c;
    rt_config_default(&c);
    if (cfg != nullptr) c = *cfg;
    if (c.extra_m_prealloc < 1 || c.extra_m_prealloc > 4096) return RT_EINVAL;
    if (c.extra_m_max != 0 && c.extra_m_max < c.extra_m_prealloc) return RT_EINVAL;
    if (c.g_stack_bytes < 16u * 1024u || c.g_stack_bytes > 64u * 1024u * 1024u) return RT_EINVAL;
    if (c.bind_foreign != RT_BIND_PER_CALL && c.bind_foreign != RT_BIND_THREAD) return RT_EINVAL;
    c.g_stack_bytes = (c.g_stack_bytes + 4095u) & ~4095u;

    uint32_t expect = 0;
    if (!g_rt.init_state.compare_exchange_strong(expect, 1, std::memory_order_acq_rel)) return RT_ESTATE;
    g_rt.cfg = c;
    if (!os::tls_setup() || !arena_init()) {
        g_rt.init_state.store(0, std::memory_order_release);
        return RT_ENOMEM;
    }
    for (uint32_t i = 0; i < c.extra_m_prealloc; i++) {
        M *m = newm(M_EXTRA);
        if (m == nullptr) {
            g_rt.init_state.store(0, std::memory_order_release);
            return RT_ENOMEM;
        }
        g_rt.extra_total.fetch_add(1, std::memory_order_relaxed);
        extram_push(m);
    }
    g_rt.init_state.store(2, std::memory_order_release);
    os::wake_all(reinterpret_cast<volatile uint32_t *>(&g_rt.init_state));
    return RT_OK;
}

uint32_t rt_current_m(void) {
    M *m = current_m();
    return m ? m->id : 0;
}

int rt_current_m_is_extra(void) {
    M *m = current_m();
    return (m && (m->flags & M_EXTRA)) ? 1 : 0;
}

int rt_on_g_stack(void) {
    M *m = current_m();
    if (m == nullptr) return 0;
    G *g = m->tls_g;
    uintptr_t sp = uintptr_t(__builtin_frame_address(0));
    return (g && sp >= g->stack_lo && sp < g->stack_hi) ? 1 : 0;
}

int rt_release_m(void) {
    M *m = current_m();
    if (m == nullptr) return RT_OK;                               // nothing held
    if (!(m->flags & M_EXTRA)) return RT_ESTATE;                   // a runtime thread's own M
    if (m->depth != 0 || m->tls_g != m->g0) return RT_ESTATE;      // inside a callback
    return release_m_now(m);
}

int rt_stop_the_world(void) {
    M *m = nullptr;
    if (!in_runtime_context(&m)) return RT_ESTATE;
    if (g_stopper.load(std::memory_order_acquire) == m) return RT_ESTATE;  // already stopped by us
    uint32_t saved = m->in_user;
    __atomic_store_n(&m->in_user, 0, __ATOMIC_SEQ_CST);  // a waiting stopper holds no one up
    g_stw_mu.lock();
    g_stopper.store(m, std::memory_order_release);
    __atomic_exchange_n(&rt_world_stopping, 1, __ATOMIC_SEQ_CST);
    while (allocating_now() != 0) os::yield();
    for (M *p = g_rt.all_ms.load(std::memory_order_acquire); p; p = p->all_next)
        if (p != m) spin_until_zero(&p->in_user);
    __atomic_store_n(&m->in_user, saved, __ATOMIC_SEQ_CST);
    return RT_OK;
}

int rt_start_the_world(void) {
    M *m = nullptr;
    if (!in_runtime_context(&m)) return RT_ESTATE;
    if (g_stopper.load(std::memory_order_acquire) != m) return RT_ESTATE;
    g_stopper.store(nullptr, std::memory_order_release);
    __atomic_store_n(&rt_world_stopping, 0, __ATOMIC_SEQ_CST);
    os::wake_all(&rt_world_stopping);
    g_stw_mu.unlock();
    return RT_OK;
}

int rt_thread_create(rt_thread **out, void (*fn)(void *arg), void *arg) {
    if (out == nullptr || fn == nullptr) return RT_EINVAL;
    *out = nullptr;
    if (g_rt.init_state.load(std::memory_order_acquire) != 2) return RT_ESTATE;
    M *self = current_m();
    if (self != nullptr && g_stopper.load(std::memory_order_acquire) == self)
        return RT_ESTATE;  // no M is made in a stopped world, and we are the one who stopped it
    rt_thread *t = new (std::nothrow) rt_thread;
    if (t == nullptr) return RT_ENOMEM;
    t->fn = fn;
    t->arg = arg;
    uint64_t sigs = 0;
    while (!alloc_gate_enter(&sigs)) wait_world_running();
    t->m = runtime_m_get();
    alloc_gate_exit(sigs);
    if (t->m == nullptr) {
        delete t;
        return RT_ENOMEM;
    }
    int rc = os::thread_create(&t->os, thread_start, t);
    if (rc != RT_OK) {
        runtime_m_put(t->m);
        delete t;
        return rc;
    }
    *out = t;
    return RT_OK;
}

int rt_thread_join(rt_thread *t) {
    if (t == nullptr) return RT_EINVAL;
    if (os::thread_is_self(t->os)) return RT_ESTATE;
    int rc = os::thread_join(t->os);
    if (rc == RT_OK) rc = t->result;
    delete t;
    return rc;
}

void rt_get_stats(rt_stats *out) {
    if (out == nullptr) return;
    std::memset(out, 0, sizeof *out);
    for (M *m = g_rt.all_ms.load(std::memory_order_acquire); m; m = m->all_next) {
        out->ms_total++;
        if (m->flags & M_EXTRA) {
            out->extra_total++;
            if (__atomic_load_n(&m->owner, __ATOMIC_ACQUIRE) != 0) out->extra_in_use++;
        }
        out->needm_count += __atomic_load_n(&m->needm_count, __ATOMIC_RELAXED);
        out->dropm_count += __atomic_load_n(&m->dropm_count, __ATOMIC_RELAXED);
        out->callback_count += __atomic_load_n(&m->callback_count, __ATOMIC_RELAXED);
    }
    out->extra_free = out->extra_total - out->extra_in_use;
}

const char *rt_strerror(int err) {
    switch (err) {
    case RT_OK: return "RT_OK: success";
    case RT_EINVAL: return "RT_EINVAL: invalid argument or configuration";
    case RT_ESTATE: return "RT_ESTATE: called in the wrong state (no runtime context, or already done)";
    case RT_EEXCEPTION: return "RT_EEXCEPTION: a C++ exception escaped the callback";
    case RT_EREENTRANT: return "RT_EREENTRANT: re-entered where the callback cannot run safely";
    case RT_ENOMEM: return "RT_ENOMEM: no memory for an M or a stack";
    default: return "unknown needm error code";
    }
}

} // extern "C"
