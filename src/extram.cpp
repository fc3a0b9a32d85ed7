// Ms and the extra-M list: how a thread the runtime did not create gets an M.
//
// The sequence (docs/design.md tells it with pictures):
//   1. rt_callback (asm) finds the TLS slot empty and calls rt_needm on the
//      foreign thread's own stack (kept small: it holds only the asm frame and
//      rt_needm's; everything else happens on curg).
//   2. rt_needm pops an M from the extra-M list, claims it (owner word: 0 -> this
//      thread), sets m->tls_g = g0 and stores the M in the slot (rt_setmg: one
//      store). If the pop took the last free M it marks grow_pending.
//   3. The asm switches to the M's curg stack; the callback body (callback.cpp)
//      passes the stop-the-world gate and, if grow_pending, makes one new M and
//      pushes it: "always one more than needed", so the next foreign thread pops
//      instead of allocating. Only if the list is still empty then, and no
//      other spare is being made (extram_grow_for_spare): a late spare for a
//      list that refilled meanwhile would pile Ms up beyond peak + 1.
//   4. After fn, back on g0, rt_dropm clears the slot, releases the owner word and
//      pushes the M (per-call mode), or keeps it in the slot (RT_BIND_THREAD).
//
// The list is a Treiber stack whose head is one 64-bit word {M*, tag}, changed
// only by cmpxchg8b. Every successful push and pop increments the tag, so a pop
// that read head = {A, t} and A->next = B cannot succeed after A was popped and
// pushed back (the tag moved on): no ABA. A plain 32-bit CAS on the pointer
// would succeed there and hand out B while another thread holds it (the
// aba_plain_cas defect shows the suite catching exactly that). M records are
// never freed (they live in one arena), so reading A->next of an M that was
// popped meanwhile reads garbage at worst, never unmapped memory; the tag then
// fails the CAS.
//
// Signals: push and pop hold no lock and make no system call, so a signal
// handler that interrupts them (or any step of needm/dropm) and calls back
// itself just pops another M, or retries its CAS; nothing waits for the
// interrupted code (the Go #42207 deadlock needs a lock). This is why the fast
// path needs no signal masking: no system call at all after warm-up.
//
// When the list is empty (the spare was taken and its replacement is not made
// yet), rt_needm makes its own M if the world runs and the cap allows: M
// creation uses only mmap/VirtualAlloc and lock-free pushes, so it is safe in a
// signal handler too (a handler on the thread that owes the spare must not wait
// for it: that thread is interrupted). At the cap (extra_m_max) it sleeps on the
// head's tag word until a push; while the world is stopped it waits for it to
// run again. Growth is therefore never done while the world is stopped: the
// body grows only while counted in user code (the stopper waits for that), and
// rt_needm's growth passes the allocation gate.
//
// Alternatives rejected: a lock with signals blocked around it (Go: 8 system
// calls per callback); swapping the head with a "locked" sentinel (Go 1.1: a
// handler that interrupts the holder spins forever); a per-thread "inside
// needm" flag with a lock (still a lock a handler must skip, and a flag to
// reset on every exit path).
#include "rt_internal.hpp"

#include <cstring>
#include <mutex>

namespace rt {

Runtime g_rt;

namespace {

// The arena of M records: reserved once at rt_init, handed out by a bump index.
constexpr size_t ARENA_BYTES = 16u << 20;      // 87,381 Ms of 192 bytes
char *g_arena = nullptr;
uint32_t g_arena_cap = 0;
std::atomic<uint32_t> g_arena_next{0};

// The extra-M list head: low word the top M, high word the tag.
alignas(8) uint64_t g_extra_head = 0;
std::atomic<uint32_t> g_waiters{0};            // rt_needm callers asleep on the tag word

inline uint64_t pack(M *m, uint32_t tag) { return (uint64_t(tag) << 32) | uint32_t(uintptr_t(m)); }
inline M *head_ptr(uint64_t h) { return reinterpret_cast<M *>(uintptr_t(uint32_t(h))); }
inline uint32_t head_tag(uint64_t h) { return uint32_t(h >> 32); }
inline volatile uint32_t *tag_word() {        // little endian: the tag is the high half
    return reinterpret_cast<volatile uint32_t *>(reinterpret_cast<char *>(&g_extra_head) + 4);
}

// Runtime Ms (rt_thread_create) are reused through their own list, under a mutex:
// thread creation is not a callback path.
std::mutex g_runtime_mu;
M *g_runtime_free = nullptr;

M *extram_pop(bool *took_last) {
    uint64_t old = __atomic_load_n(&g_extra_head, __ATOMIC_ACQUIRE);
    for (;;) {
        M *m = head_ptr(old);
        if (m == nullptr) return nullptr;
        M *next = __atomic_load_n(&m->next_free, __ATOMIC_RELAXED);
#if defined(NEEDM_DEFECT_ABA_PLAIN_CAS)
        // DEFECT: compare the pointer half only (no tag), with the race window
        // between reading next and the CAS widened: every fourth pop the thread
        // sleeps there (descheduled at the worst point, as the scheduler or a
        // signal can do).
        static std::atomic<uint32_t> n{0};
        if ((n.fetch_add(1, std::memory_order_relaxed) & 3) == 0) os::nap_us(200);
        uint32_t *ptr_half = reinterpret_cast<uint32_t *>(&g_extra_head);
        uint32_t expect = uint32_t(uintptr_t(m));
        if (__atomic_compare_exchange_n(ptr_half, &expect, uint32_t(uintptr_t(next)), false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            *took_last = next == nullptr;
            return m;
        }
        old = __atomic_load_n(&g_extra_head, __ATOMIC_ACQUIRE);
#else
#if defined(NEEDM_DEFECT_CONTROL_ABA_WINDOW)
        static std::atomic<uint32_t> n{0};  // CONTROL: the aba_plain_cas window, with the tag: must stay correct
        if ((n.fetch_add(1, std::memory_order_relaxed) & 3) == 0) os::nap_us(200);
#endif
        if (__atomic_compare_exchange_n(&g_extra_head, &old, pack(next, head_tag(old) + 1), true, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            *took_last = next == nullptr;
            return m;
        }
#endif
    }
}

void wait_init() {
    for (;;) {
        uint32_t s = g_rt.init_state.load(std::memory_order_acquire);
        if (s == 2) return;
        os::wait(reinterpret_cast<volatile uint32_t *>(&g_rt.init_state), s);
    }
}

enum class Grow { ok, at_cap, nomem };

// One new extra M, not on the list. The caller holds the allocation gate or is
// counted in user code (either way the world is not stopped). past_cap: a
// signal handler whose own thread is inside needm/dropm (see needm_slow).
Grow new_extra(M **out, bool past_cap = false) {
    uint32_t cap = past_cap ? 0 : g_rt.cfg.extra_m_max;
    uint32_t t = g_rt.extra_total.load(std::memory_order_relaxed);
    do {
        if (cap != 0 && t >= cap) return Grow::at_cap;
    } while (!g_rt.extra_total.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel));
    M *m = newm(M_EXTRA);
    if (m == nullptr) {
        g_rt.extra_total.fetch_sub(1, std::memory_order_acq_rel);
        return Grow::nomem;
    }
    *out = m;
    return Grow::ok;
}

// The list was empty: make our own M, or wait for one.
//
// At the cap (extra_m_max) the caller sleeps until a push, except a signal
// handler that interrupted its own thread inside rt_needm or a give-back: that
// thread may hold the very M a push would bring (popped, not yet in the slot;
// or out of the slot, not yet pushed), and it cannot run until the handler
// returns. Such a handler makes an M past the cap (docs/model.md, issue C):
// made only while every M is held, so at most one per thread and handler.
M *needm_slow(bool *took_last) {
    for (;;) {
        if (M *m = extram_pop(took_last)) return m;
        uint64_t sigs = 0;
        if (!alloc_gate_enter(&sigs)) {
            wait_world_running();
            continue;
        }
        M *m = nullptr;
        Grow r = new_extra(&m, list_depth_nested());
        alloc_gate_exit(sigs);
        if (r == Grow::ok) {
            *took_last = false;  // made for us, not taken from the list: no spare owed
            return m;
        }
        if (r == Grow::nomem) return nullptr;
        // At the cap: sleep until a push changes the tag (Dekker with extram_push:
        // announce, then re-read the head).
        g_waiters.fetch_add(1, std::memory_order_seq_cst);
        uint64_t h = __atomic_load_n(&g_extra_head, __ATOMIC_SEQ_CST);
        if (head_ptr(h) == nullptr) os::wait(tag_word(), head_tag(h));
        g_waiters.fetch_sub(1, std::memory_order_seq_cst);
    }
}

void claim(M *m) {
    uintptr_t me = os::owner_word();
    uintptr_t expect = 0;
    if (!__atomic_compare_exchange_n(&m->owner, &expect, me, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        fatal("M leased twice (needm found its owner word taken)", m, "the extra-M list handed out an M in use");
    m->os_tid = os::thread_id();
}

void unclaim(M *m) {
    uintptr_t me = os::owner_word();
    uintptr_t expect = me;
    if (!__atomic_compare_exchange_n(&m->owner, &expect, 0, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        fatal("M given back by a thread that does not hold it", m, "owner word names another thread");
    m->os_tid = 0;
}

// Clear the slot: 0, or (Windows arbitrary) the foreign value FS:0x14 held.
void clear_slot(M *m) {
#if defined(_WIN32) && defined(NEEDM_WIN_TLS_ARBITRARY)
    rt_settls(m->prev_slot);
#else
    (void)m;
    rt_setmg(nullptr, nullptr);
#endif
}

// The common end of dropm, rt_release_m and the thread-exit release.
void give_back(M *m) {
    list_depth_enter();  // from the slot's clearing to the push, m is held outside the slot
    m->phase = PH_DROPM;
#if !defined(NEEDM_DEFECT_DROPM_KEEPS_TLS)
    clear_slot(m);
#endif
    m->flags &= ~uint32_t(M_BOUND | M_HOOKED);
    m->dropm_count++;
    unclaim(m);
    m->phase = PH_FREE;
    extram_push(m);
#if defined(NEEDM_DEFECT_DROPM_DOUBLE_PUSH)
    extram_push(m);  // DEFECT: the M goes back twice
#endif
    list_depth_exit();
}

} // namespace

M *newm(uint32_t flags) {
    uint32_t i = g_arena_next.fetch_add(1, std::memory_order_relaxed);
    if (g_arena == nullptr || i >= g_arena_cap) return nullptr;
    M *m = reinterpret_cast<M *>(g_arena + size_t(i) * sizeof(M));
    if (!os::commit(m, sizeof(M))) return nullptr;
    uintptr_t lo = 0, hi = 0;
    if (!os::stack_alloc(g_rt.cfg.g_stack_bytes, &lo, &hi)) return nullptr;
    std::memset(static_cast<void *>(m), 0, sizeof(M));
    m->id = g_rt.next_m_id.fetch_add(1, std::memory_order_relaxed) + 1;
    m->flags = flags;
    m->magic = M_MAGIC;
    m->tls_m = m;
    m->g0 = &m->g0_rec;
    m->curg = &m->curg_rec;
    m->g0_rec.m = m;
    m->g0_rec.id = m->id * 2;
    m->g0_rec.tib_except = 0xFFFFFFFFu;
    m->curg_rec.m = m;
    m->curg_rec.id = m->id * 2 + 1;
    m->curg_rec.stack_lo = lo;
    m->curg_rec.stack_hi = hi;
    m->curg_rec.sched_sp = hi;
    m->curg_rec.tib_except = 0xFFFFFFFFu;  // end of the SEH chain: curg starts with none
    m->tls_g = m->g0;
    M *head = g_rt.all_ms.load(std::memory_order_relaxed);
    do {
        m->all_next = head;
    } while (!g_rt.all_ms.compare_exchange_weak(head, m, std::memory_order_release, std::memory_order_relaxed));
    g_rt.ms_total.fetch_add(1, std::memory_order_relaxed);
    return m;
}

bool arena_init() {
    g_arena = static_cast<char *>(os::reserve(ARENA_BYTES));
    if (g_arena == nullptr) return false;
    g_arena_cap = uint32_t(ARENA_BYTES / sizeof(M));
#if defined(_WIN32)
    rt_m_arena_lo = uintptr_t(g_arena);
    rt_m_arena_hi = uintptr_t(g_arena) + size_t(g_arena_cap) * sizeof(M);
#endif
    return true;
}

void extram_push(M *m) {
    uint64_t old = __atomic_load_n(&g_extra_head, __ATOMIC_RELAXED);
    for (;;) {
        __atomic_store_n(&m->next_free, head_ptr(old), __ATOMIC_RELAXED);
        if (__atomic_compare_exchange_n(&g_extra_head, &old, pack(m, head_tag(old) + 1), true, __ATOMIC_SEQ_CST,
                                        __ATOMIC_RELAXED))
            break;
    }
    if (g_waiters.load(std::memory_order_seq_cst) != 0) os::wake_all(tag_word());
}

uint32_t extram_waiters() { return g_waiters.load(std::memory_order_relaxed); }

// The spare owed by a pop that emptied the list. Made only if the list is still
// empty now (while every extra M is in use) and no other spare is being made:
// a callback preempted between its pop and here must not add a second spare
// for a list that refilled meanwhile (extra Ms would pile up past peak + 1).
//
// "Another is being made" must be true: the holder of `growing` may find the
// list refilled and make nothing, while a pop empties it again and that pop's
// callback, seeing `growing` set, leaves it to the holder. So the holder looks
// again after it lets go of the flag and goes round while the list is empty
// (docs/model.md, issue D: without the second look the list stays empty and
// the next needm allocates on its callback path).
bool extram_grow_for_spare() {
#if defined(NEEDM_DEFECT_NO_GROW)
    return false;  // DEFECT: taking the last M leaves the list empty
#else
    static std::atomic<uint32_t> growing{0};
    bool made = false;
    while (head_ptr(__atomic_load_n(&g_extra_head, __ATOMIC_SEQ_CST)) == nullptr) {
        if (growing.exchange(1, std::memory_order_seq_cst) != 0) break;  // the holder looks again
        M *m = nullptr;
        Grow r = Grow::ok;
        if (head_ptr(__atomic_load_n(&g_extra_head, __ATOMIC_SEQ_CST)) == nullptr) {
            r = new_extra(&m);
            if (r == Grow::ok) {
                extram_push(m);
                made = true;
            }
        }
        growing.store(0, std::memory_order_seq_cst);
        if (r != Grow::ok) break;  // at the cap or out of memory: needm copes later
    }
    return made;
#endif
}

M *runtime_m_get() {
    {
        std::lock_guard<std::mutex> lk(g_runtime_mu);
        if (M *m = g_runtime_free) {
            g_runtime_free = m->next_free;
            m->next_free = nullptr;
            return m;
        }
    }
    M *m = newm(M_RUNTIME);
    if (m != nullptr) g_rt.runtime_total.fetch_add(1, std::memory_order_relaxed);
    return m;
}

void runtime_m_put(M *m) {
    std::lock_guard<std::mutex> lk(g_runtime_mu);
    m->next_free = g_runtime_free;
    g_runtime_free = m;
}

// Put an M that was abandoned mid-callback (its thread exited from inside fn)
// back in the state of a free M.
void reset_m_after_abandon(M *m) {
    m->curg->sched_sp = m->curg->stack_hi;
    m->curg->tib_except = 0xFFFFFFFFu;
    m->g0->sched_sp = 0;
    m->g0->stack_lo = m->g0->stack_hi = 0;
    m->g0->tib_except = 0xFFFFFFFFu;
    m->tls_g = m->g0;
    m->depth = 0;
    __atomic_store_n(&m->in_user, 0, __ATOMIC_SEQ_CST);
}

// The thread is exiting with an extra M in its slot: bound (RT_BIND_THREAD), or
// abandoned inside a callback (pthread_exit / ExitThread from fn).
void release_bound_at_exit(M *m) {
#if defined(NEEDM_DEFECT_BOUND_NEVER_RELEASED)
    (void)m;  // DEFECT: the bound M is never given back at thread exit
#else
    if (m->depth != 0 || m->tls_g != m->g0) reset_m_after_abandon(m);
    give_back(m);
#endif
}

int release_m_now(M *m) {
    give_back(m);
    return RT_OK;
}

} // namespace rt

using namespace rt;

// Called by rt_callback (asm) on the foreign thread's stack when the slot is
// empty. Returns the M installed in the slot with tls_g = g0, or nullptr when no
// M can be made (RT_ENOMEM).
extern "C" M *rt_needm(void) {
    if (g_rt.init_state.load(std::memory_order_acquire) != 2) wait_init();
    list_depth_enter();  // until the slot holds m (a handler here must not wait at the cap)
    bool took_last = false;
    M *m = extram_pop(&took_last);
    if (m == nullptr) {
        uint32_t err = os::save_error();
        m = needm_slow(&took_last);
        os::restore_error(err);
    }
    if (m == nullptr) {
        list_depth_exit();
        return nullptr;
    }
    claim(m);
    m->phase = PH_NEEDM;
#if !defined(NEEDM_DEFECT_NO_GROW)
    if (took_last) m->grow_pending = 1;
#endif
    m->needm_count++;
#if defined(_WIN32) && defined(NEEDM_WIN_TLS_ARBITRARY)
    m->prev_slot = rt_tls_slot_read();  // 0, or someone else's pointer: put back by dropm
#endif
    m->g0->stack_lo = m->g0->stack_hi = 0;  // unknown until the body reads them
    rt_setmg(m, m->g0);
    list_depth_exit();
    return m;
}

// Called by rt_callback (asm) on g0 after a callback that borrowed m.
extern "C" void rt_dropm(M *m) {
    if (m->tls_g != m->g0) fatal("dropm: TLS does not say g0", m, "the callback returned on another G");
    if (g_rt.cfg.bind_foreign == RT_BIND_THREAD && !os::thread_exiting()) {
        // Bound mode: the M stays in the slot until the thread exits (or calls
        // rt_release_m); the next callback takes the path without needm. Not
        // once the thread's exit hook has run (a DLL_THREAD_DETACH or a later
        // key destructor calling back): nothing would give the M back then.
        m->flags |= M_BOUND;
        m->phase = PH_BOUND_IDLE;
        return;
    }
    give_back(m);
}
