// Internal records and functions of the needm runtime. Not a public header:
// tests include it to check invariants from the outside (owner words, stack
// bounds, the raw TLS slot); users include only <needm/rt.h>.
#pragma once

#include <needm/rt.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "rt_offsets_i386.h"

namespace rt {

struct M;

// A stack and where it was left. read by asm/386: do not reorder (rt_offsets_i386.h).
struct G {
    uintptr_t stack_lo;   // usable bytes are [stack_lo, stack_hi)
    uintptr_t stack_hi;
    uintptr_t sched_sp;   // SP to resume at while this G is not running
    M *m;
    uint32_t tib_except;  // Windows: TEB ExceptionList/StackBase/StackLimit of this G
    uint32_t tib_base;    //   while it is not running (g0: the foreign thread's values)
    uint32_t tib_limit;
    uint32_t id;
};
static_assert(offsetof(G, stack_lo) == G_stack_lo, "asm/386 G layout");
static_assert(offsetof(G, stack_hi) == G_stack_hi, "asm/386 G layout");
static_assert(offsetof(G, sched_sp) == G_sched_sp, "asm/386 G layout");
static_assert(offsetof(G, m) == G_m, "asm/386 G layout");
static_assert(offsetof(G, tib_except) == G_tib_except, "asm/386 G layout");
static_assert(offsetof(G, tib_base) == G_tib_base, "asm/386 G layout");
static_assert(offsetof(G, tib_limit) == G_tib_limit, "asm/386 G layout");
static_assert(offsetof(G, id) == G_id, "asm/386 G layout");
static_assert(sizeof(G) == G_SIZE, "asm/386 G layout");

enum : uint32_t {
    M_EXTRA = 1u << 0,    // lent to foreign threads through the extra-M list
    M_RUNTIME = 1u << 1,  // belongs to a thread made by rt_thread_create
    M_BOUND = 1u << 2,    // RT_BIND_THREAD: stays in the foreign thread's TLS slot
    M_HOOKED = 1u << 3,   // the holding thread's exit hook is registered (cleared on give-back)
};

// What an M is doing, for the watchdog's report of a hang.
enum Phase : uint32_t {
    PH_FREE = 0, PH_NEEDM, PH_ENTER, PH_GATE_WAIT, PH_FN, PH_CGOCALL, PH_DROPM, PH_BOUND_IDLE, PH_RUNTIME,
};
const char *phase_name(uint32_t p);

constexpr uint32_t M_MAGIC = 0x4e45454d; // "NEEM"

// A runtime thread record. read by asm/386 up to prev_slot: do not reorder.
struct alignas(64) M {
    G *tls_g;                    // Windows: the holder's current G (the TLS slot points at the M)
    M *tls_m;                    // Windows: this M
    G *g0;                       // runs on the OS thread's own stack
    G *curg;                     // runs runtime code and callbacks, on a runtime stack
    uint32_t id;                 // > 0, never reused
    uint32_t flags;              // M_EXTRA / M_RUNTIME / M_BOUND
    volatile uint32_t in_user;   // IN_USER_OUT / _IN (runs user code) / _GATE (checking the stop flag)
    volatile uintptr_t owner;    // owner word of the holding thread, 0 when free
    M *next_free;                // extra-M list link (only while on the list)
    M *all_next;                 // list of every M, never unlinked
    uint32_t magic;              // M_MAGIC
    uintptr_t prev_slot;         // Windows arbitrary: FS:0x14 before needm
    // ---- C++ only below ----
    volatile uint32_t phase;     // Phase, for the watchdog
    uint32_t depth;              // callbacks nested on this M right now
    uint32_t grow_pending;       // needm took the last free M: make a spare in the callback
    uint32_t os_tid;             // holder's thread id (for messages), 0 if unknown
    uint64_t needm_count;        // written by the holder only; summed by rt_get_stats
    uint64_t dropm_count;
    uint64_t callback_count;
    G g0_rec;
    G curg_rec;
};
static_assert(offsetof(M, tls_g) == M_tls_g, "asm/386 M layout");
static_assert(offsetof(M, tls_m) == M_tls_m, "asm/386 M layout");
static_assert(offsetof(M, g0) == M_g0, "asm/386 M layout");
static_assert(offsetof(M, curg) == M_curg, "asm/386 M layout");
static_assert(offsetof(M, id) == M_id, "asm/386 M layout");
static_assert(offsetof(M, flags) == M_flags, "asm/386 M layout");
static_assert(offsetof(M, in_user) == M_in_user, "asm/386 M layout");
static_assert(offsetof(M, owner) == M_owner, "asm/386 M layout");
static_assert(offsetof(M, next_free) == M_next_free, "asm/386 M layout");
static_assert(offsetof(M, all_next) == M_all_next, "asm/386 M layout");
static_assert(offsetof(M, magic) == M_magic, "asm/386 M layout");
static_assert(offsetof(M, prev_slot) == M_prev_slot, "asm/386 M layout");
static_assert(sizeof(M) == M_SIZE, "asm/386 M layout");


// ---- global state --------------------------------------------------------------
struct Runtime {
    std::atomic<uint32_t> init_state{0};  // 0 none, 1 starting, 2 ready (waited on)
    rt_config cfg{};
    std::atomic<M *> all_ms{nullptr};     // every M, pushed at creation, never removed
    std::atomic<uint32_t> next_m_id{0};
    std::atomic<uint32_t> ms_total{0};
    std::atomic<uint32_t> extra_total{0};
    std::atomic<uint32_t> runtime_total{0};
};
extern Runtime g_rt;

// ---- the extra-M list (extram.cpp) ---------------------------------------------
bool arena_init();                       // reserve the M arena (rt_init)
M *newm(uint32_t flags);                 // a fresh M with its curg stack, or nullptr
bool extram_grow_for_spare();            // make one extra M and push it (at cap: false)
void extram_push(M *m);
uint32_t extram_waiters();
M *runtime_m_get();                      // an M for rt_thread_create
void runtime_m_put(M *m);
void release_bound_at_exit(M *m);        // thread exit with an extra M still in TLS
void reset_m_after_abandon(M *m);
int release_m_now(M *m);                 // rt_release_m: give a bound M back

// ---- stop-the-world gate (callback.cpp) ----------------------------------------
void gate_enter(M *m);                   // wait while the world is stopped, then in_user = IN_USER_IN
void gate_exit(M *m);
// For M allocation: signals off (os::signals_block), then the gate; false: the
// world is stopped (signals are back on; the caller waits and retries).
bool alloc_gate_enter(uint64_t *sigs);
void alloc_gate_exit(uint64_t sigs);
void wait_world_running();
uint32_t allocating_now();               // M allocations in progress (the stopper waits for 0)
extern std::atomic<M *> g_stopper;       // the M that stopped the world, or null

// ---- diagnostics ---------------------------------------------------------------
[[noreturn]] void fatal(const char *invariant, const M *m, const char *detail);

} // namespace rt

// ---- symbols shared with asm/386 (C linkage) -------------------------------------
extern "C" {
#if defined(__linux__)
// The TLS slot: this thread's M or null. local-exec: libneedm.a links into the executable.
extern __thread rt::M *rt_tls_m __attribute__((tls_model("local-exec")));
// How many of this thread's contexts are inside rt_needm or a give-back (the
// thread itself, and a signal handler that interrupted it): > 1 means a handler
// runs while its own thread may hold an M outside the slot (extram.cpp, cap).
extern __thread uint32_t rt_list_depth __attribute__((tls_model("local-exec")));
#endif
extern volatile uint32_t rt_world_stopping;   // read by rt_cgocall's return gate
#if defined(_WIN32)
extern volatile uint32_t rt_tls_index;        // tlsalloc: TlsAlloc index, ~0u before rt_init
extern uintptr_t rt_m_arena_lo, rt_m_arena_hi; // arbitrary: range of M records
void rt_os_tls_set_slow(uintptr_t value);     // tlsalloc, index >= 64: TlsSetValue
#endif

// asm/386
void rt_setmg(rt::M *m, rt::G *g);            // m->tls_g = g and the TLS slot = m; m NULL: slot = 0
void rt_settls(uintptr_t value);              // write the raw TLS slot (Windows arbitrary: restore)
uintptr_t rt_tls_slot_read(void);             // read the raw TLS slot

// C++ halves called from asm/386
rt::M *rt_needm(void);                        // no M in TLS: borrow one (foreign stack)
void rt_dropm(rt::M *m);                      // give it back (or keep it bound)
int rt_callback_body(rt::M *m, void (*fn)(void *), void *frame, size_t framesize);
void rt_gate_slow(rt::M *m);                  // rt_cgocall's return gate while the world is stopped
int rt_callback_reentrant(rt::M *m, rt::G *g, void (*fn)(void *), void *frame, size_t framesize,
                          uintptr_t sp);
}

// This thread's M from the TLS slot, or null (Windows arbitrary: a value that is
// not one of our M records is someone else's, so null).
namespace rt {
inline M *current_m() {
    uintptr_t v = rt_tls_slot_read();
#if defined(_WIN32) && defined(NEEDM_WIN_TLS_ARBITRARY)
    if (v < rt_m_arena_lo || v >= rt_m_arena_hi) return nullptr;
#endif
    return reinterpret_cast<M *>(v);
}
} // namespace rt

// The per-thread depth of rt_list_depth: plain TLS on Linux, where signal
// handlers can interrupt needm/dropm; nothing on Windows, which runs no code
// asynchronously on a thread inside them.
namespace rt {
#if defined(__linux__)
inline void list_depth_enter() { rt_list_depth = rt_list_depth + 1; }
inline void list_depth_exit() { rt_list_depth = rt_list_depth - 1; }
inline bool list_depth_nested() { return rt_list_depth > 1; }
#else
inline void list_depth_enter() {}
inline void list_depth_exit() {}
inline bool list_depth_nested() { return false; }
#endif
} // namespace rt

// ---- the OS layer (os_linux.cpp / os_windows.cpp) --------------------------------
namespace rt {
// Bounds for an SP on a stack whose extent is unknown (one C code made): a
// window of 60 KiB below and 8 KiB above SP's page, marked inexact.
inline void window_bounds(uintptr_t sp, uintptr_t *lo, uintptr_t *hi, bool *exact) {
    const uintptr_t page = 4096, at = sp & ~(page - 1);
    *lo = at > 15 * page ? at - 15 * page : 0;
    *hi = at + 2 * page;
    *exact = false;
}
} // namespace rt

namespace rt::os {
uintptr_t owner_word();                  // unique per live thread, never 0, no system call
uint32_t thread_id();                    // the OS thread id (may be a system call)
void *reserve(size_t bytes);             // address space for M records; nullptr on failure
bool commit(void *p, size_t bytes);      // make [p, p+bytes) usable
bool stack_alloc(size_t bytes, uintptr_t *lo, uintptr_t *hi); // with a guard page below lo
void wait(volatile uint32_t *addr, uint32_t expected);         // sleep while *addr == expected
void wake_all(volatile uint32_t *addr);
void yield();
void nap_us(unsigned us);                // sleep (fault injection only)
// Bounds of the foreign stack that holds sp; exact false when they are a guess.
void foreign_stack_bounds(const M *m, uintptr_t sp, uintptr_t *lo, uintptr_t *hi, bool *exact);
bool tls_setup();                        // at rt_init: TLS index / FLS / thread-exit hooks
void on_first_callback();                // per thread: register the thread-exit hook
// True once this thread's exit hook has run: later callbacks (a DLL's
// DLL_THREAD_DETACH, a later pthread key destructor) must not bind an M, or it
// would never be given back.
bool thread_exiting();
// Asynchronous signals off / back on for this thread (Linux: every signal but
// the synchronous fault signals; Windows has none: no-ops). Used only around
// the allocation gate, which is off the fast path: a handler that called back
// there would wait at the gate for a stop the interrupted holder delays.
uint64_t signals_block();
void signals_restore(uint64_t old);
// The caller's errno (Linux) / GetLastError (Windows): the runtime's own system
// calls must not change what the C code around a callback sees.
uint32_t save_error();
void restore_error(uint32_t e);
struct Thread;
int thread_create(Thread **out, void (*start)(void *), void *arg);
int thread_join(Thread *t);
bool thread_is_self(const Thread *t);
void write_stderr(const char *s, size_t n);
[[noreturn]] void die();
} // namespace rt::os
