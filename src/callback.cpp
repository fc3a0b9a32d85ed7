// The C++ half of a callback, and the stop-the-world gate.
//
// rt_callback_body runs on curg, called by rt_callback (asm) after the switch:
//   1. checks the M it runs on (magic, owner word = this thread, SP on curg),
//      and on a foreign thread's first callback registers the thread-exit hook
//      (here, not in needm: the foreign stack stays small);
//   2. refreshes g0's recorded stack bounds when the entry SP lies outside them
//      (needm clears them; bound Ms keep them until C code moves the thread to
//      another stack: ucontext, fibers);
//   3. passes the gate: in_user = GATE (xchg: a full fence), then reads the
//      stop flag; while the world is stopped it sets in_user = OUT and sleeps;
//      once the flag reads clear, in_user = IN;
//   4. makes the spare M if needm took the last one (allowed: in user code the
//      world cannot be stopped, the stopper waits for in_user = OUT);
//   5. calls fn(frame), catching any C++ exception (RT_EEXCEPTION); a forced
//      unwind (pthread_exit) goes on through, the thread-exit hook then resets
//      and returns the M;
//   6. leaves user code (in_user as before) and returns to the asm.
//
// The gate is a Dekker pair with rt_stop_the_world: the callback stores
// in_user then loads rt_world_stopping; the stopper stores rt_world_stopping
// then loads every M's in_user. With both as sequentially consistent
// operations, at least one sees the other: no callback runs user code in a
// stopped world. Each callback writes only its own M's line: no shared write on
// the fast path.
#include "rt_internal.hpp"

#include <exception>
#if defined(__linux__)
#include <cxxabi.h>
#endif

extern "C" {
volatile uint32_t rt_world_stopping = 0;
}

namespace rt {

namespace {
std::atomic<uint32_t> g_allocating{0};
constexpr uintptr_t REENTRANT_MIN_STACK = 4096;  // in-place callbacks need this much curg left

inline uintptr_t current_sp() { return uintptr_t(__builtin_frame_address(0)); }

void check_running_m(M *m, const char *where) {
    if (m->magic != M_MAGIC) fatal("not an M (bad magic)", nullptr, where);
    if (m->owner != os::owner_word()) fatal("M used by a thread that does not own it", m, where);
    G *curg = m->curg;
    uintptr_t sp = current_sp();
    if (m->tls_g != curg) fatal("callback body not on curg (TLS names another G)", m, where);
    if (sp < curg->stack_lo || sp >= curg->stack_hi) fatal("SP outside curg's stack", m, where);
}

void refresh_g0_bounds(M *m) {
    G *g0 = m->g0;
    uintptr_t sp = g0->sched_sp;  // the foreign SP at entry
    if (sp >= g0->stack_lo && sp < g0->stack_hi) return;
#if defined(NEEDM_DEFECT_STALE_STACK_BOUNDS)
    if (g0->stack_hi != 0) return;  // DEFECT: bounds recorded once, never refreshed
#endif
    uintptr_t lo = 0, hi = 0;
    bool exact = false;
    os::foreign_stack_bounds(m, sp, &lo, &hi, &exact);
    g0->stack_lo = lo;
    g0->stack_hi = hi;
}

void gate_wait(M *m) {
    uint32_t err = os::save_error();
    struct Restore {
        uint32_t e;
        ~Restore() { os::restore_error(e); }
    } restore{err};
    for (;;) {
        if (__atomic_load_n(&rt_world_stopping, __ATOMIC_SEQ_CST) == 0) return;
        if (g_stopper.load(std::memory_order_acquire) == m) return;  // the stopper's own callbacks run
        __atomic_store_n(&m->in_user, IN_USER_OUT, __ATOMIC_SEQ_CST);
        uint32_t saved_phase = m->phase;
        m->phase = PH_GATE_WAIT;
        wait_world_running();
        m->phase = saved_phase;
        __atomic_exchange_n(&m->in_user, IN_USER_GATE, __ATOMIC_SEQ_CST);
    }
}
} // namespace

std::atomic<M *> g_stopper{nullptr};

// in_user goes 0 -> GATE (xchg: a full fence) -> read the flag -> IN. GATE says
// "counted, flag not read yet": a signal handler that interrupts between the
// xchg and the read must not take in_user != 0 as "in user code" and run fn at
// once (the stop may be complete: docs/model.md, issue B); it passes the gate
// itself (rt_callback_reentrant) and leaves GATE for the interrupted read.
void gate_enter(M *m) {
    __atomic_exchange_n(&m->in_user, IN_USER_GATE, __ATOMIC_SEQ_CST);
#if !defined(NEEDM_DEFECT_STW_IGNORED)  // the DEFECT enters user code in a stopped world
    if (__atomic_load_n(&rt_world_stopping, __ATOMIC_SEQ_CST) != 0) gate_wait(m);
#endif
    __atomic_store_n(&m->in_user, IN_USER_IN, __ATOMIC_RELEASE);
}

void gate_exit(M *m) { __atomic_store_n(&m->in_user, IN_USER_OUT, __ATOMIC_RELEASE); }

void wait_world_running() {
    for (;;) {
        uint32_t v = __atomic_load_n(&rt_world_stopping, __ATOMIC_SEQ_CST);
        if (v == 0) return;
        os::wait(&rt_world_stopping, v);
    }
}

// Signals stay off while this thread is counted in g_allocating: the stopper
// waits for that count to reach 0, and a handler that interrupted the holder
// and called back would wait for the world to run (at this gate or at the
// entry gate) while the stop waits for the holder: a deadlock (docs/model.md,
// issue A; the Go #42207 shape). This path allocates anyway (mmap), so two
// more system calls cost nothing that matters; the fast path has no gate.
bool alloc_gate_enter(uint64_t *sigs) {
    *sigs = os::signals_block();
    g_allocating.fetch_add(1, std::memory_order_seq_cst);
    if (__atomic_load_n(&rt_world_stopping, __ATOMIC_SEQ_CST) == 0) return true;
    g_allocating.fetch_sub(1, std::memory_order_seq_cst);
    os::signals_restore(*sigs);
    return false;
}

void alloc_gate_exit(uint64_t sigs) {
    g_allocating.fetch_sub(1, std::memory_order_seq_cst);
    os::signals_restore(sigs);
}

uint32_t allocating_now() { return g_allocating.load(std::memory_order_seq_cst); }

} // namespace rt

using namespace rt;

namespace {
int run_fn(M *m, void (*fn)(void *), void *frame) {
    m->callback_count++;
    m->depth++;
    uint32_t outer_phase = m->phase;
    m->phase = PH_FN;
    int rc = RT_OK;
    try {
        fn(frame);
    }
#if defined(__linux__)
    catch (abi::__forced_unwind &) {
        // pthread_exit from inside fn: let the unwind through; the thread-exit
        // hook resets this M and gives it back.
        throw;
    }
#endif
    catch (...) {
        rc = RT_EEXCEPTION;
    }
    m->depth--;
    m->phase = outer_phase;
    return rc;
}
} // namespace

namespace {
// What every callback does on curg before fn: the thread-exit hook at a foreign
// thread's first callback on this M, and g0's bounds for the entry SP. Also run
// by in-place callbacks: a signal handler can interrupt the body before it did
// this, and its callback must not see the bounds rt_needm cleared.
void enter_on_curg(M *m) {
    if ((m->flags & (M_EXTRA | M_HOOKED)) == M_EXTRA) {
        os::on_first_callback();
        m->flags |= M_HOOKED;
    }
    G *g0 = m->g0;
    if (g0->sched_sp < g0->stack_lo || g0->sched_sp >= g0->stack_hi) {  // (the fast check, inline)
        uint32_t err = os::save_error();
        refresh_g0_bounds(m);
        os::restore_error(err);
    }
}
} // namespace

extern "C" int rt_callback_body(M *m, void (*fn)(void *), void *frame, size_t framesize) {
    (void)framesize;  // the frame is fn's to read; its size was checked by the asm
    check_running_m(m, "callback entry");
    enter_on_curg(m);
    uint32_t prev_in_user = m->in_user;
    m->phase = PH_ENTER;
    gate_enter(m);
    if (m->grow_pending) {
        m->grow_pending = 0;
        extram_grow_for_spare();  // at the cap or out of memory: needm copes later
    }
    int rc = run_fn(m, fn, frame);
    check_running_m(m, "callback return");
    __atomic_store_n(&m->in_user, prev_in_user, __ATOMIC_RELEASE);
    m->phase = m->depth ? PH_FN : PH_ENTER;
    return rc;
}

extern "C" int rt_callback_reentrant(M *m, G *g, void (*fn)(void *), void *frame, size_t framesize,
                                     uintptr_t sp) {
    (void)framesize;
    if (m->magic != M_MAGIC) fatal("TLS slot holds something that is not an M", nullptr, "rt_callback");
    if (g != m->curg) fatal("TLS names a G that is neither g0 nor curg of its M", m, "rt_callback");
    G *curg = m->curg;
    // Not on curg's stack (a handler on an alternate signal stack, or the one
    // instruction between the TLS and SP switches): no frame can be built safely.
    if (sp < curg->stack_lo + REENTRANT_MIN_STACK || sp >= curg->stack_hi) return RT_EREENTRANT;
    // On curg below the interrupted frames: run fn right here, like a call.
    enter_on_curg(m);
    // IN: the interrupted code runs user code (the world cannot be stopped
    // until it leaves), fn runs like a call. OUT or GATE: pass the gate first,
    // then put back what the interrupted code expects.
    uint32_t prev_in_user = m->in_user;
    if (prev_in_user != IN_USER_IN) gate_enter(m);
    int rc = run_fn(m, fn, frame);
    if (prev_in_user != IN_USER_IN) __atomic_store_n(&m->in_user, prev_in_user, __ATOMIC_RELEASE);
    return rc;
}

// rt_cgocall's return gate found the world stopped.
extern "C" void rt_gate_slow(M *m) {
#if !defined(NEEDM_DEFECT_STW_IGNORED)
    gate_wait(m);
#endif
    __atomic_store_n(&m->in_user, IN_USER_IN, __ATOMIC_RELEASE);
}
