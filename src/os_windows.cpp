// Windows (i386) side of the runtime: the TEB slot's set-up, memory, waits on
// addresses, thread-exit release through an FLS callback (not DllMain: the
// loader lock), foreign stack bounds from the TEB.
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0602  // WaitOnAddress
#endif
#include "rt_internal.hpp"

#include <windows.h>

#include <new>

extern "C" {
// tlsalloc: the TlsAlloc index; ~0 (TLS_OUT_OF_INDEXES) until rt_init, which the
// asm reads as "no M" so an early callback waits in rt_needm.
volatile uint32_t rt_tls_index = 0xFFFFFFFFu;
// arbitrary: the address range of M records. FS:0x14 values outside it belong
// to someone else (the DLL loader writes the slot too).
uintptr_t rt_m_arena_lo = 0, rt_m_arena_hi = 0;

// tlsalloc with an index >= 64: the expansion slots, through TlsSetValue (it
// allocates the thread's expansion array on first use). Called by rt_settls.
void rt_os_tls_set_slow(uintptr_t value) {
    if (rt_tls_index == 0xFFFFFFFFu)
        rt::fatal("TLS slot written before rt_init chose an index", nullptr, "rt_settls");
    if (!TlsSetValue(rt_tls_index, reinterpret_cast<void *>(value)))
        rt::fatal("TlsSetValue failed for the runtime's TLS index", nullptr, "rt_settls");
}
}

namespace rt::os {

namespace {
DWORD g_fls = FLS_OUT_OF_INDEXES;
DWORD g_exiting_idx = TLS_OUT_OF_INDEXES;  // TlsAlloc word: non-zero once the thread's exit hook ran
constexpr size_t PAGE = 4096;

uint32_t teb_read(uint32_t off) {
    uint32_t v;
    __asm__ volatile("movl %%fs:(%1), %0" : "=r"(v) : "r"(off));
    return v;
}

// FLS callbacks run at thread exit for every thread whose FLS value is set (the
// first callback sets it), and also when one of the thread's fibers is
// deleted. An extra M still in the slot is bound, or was abandoned by
// ExitThread inside fn. (DeleteFiber of another fiber while this thread is
// inside a callback is not supported: docs/design.md.)
// A TLS value read from the TEB (not TlsGetValue, which resets GetLastError).
uintptr_t tls_raw_get(DWORD idx) {
    if (idx < TEB_TLS_SLOTS) return teb_read(TEB_TlsSlots + 4 * idx);
    uintptr_t exp = teb_read(TEB_TlsExpansionSlots);
    return exp ? reinterpret_cast<uintptr_t *>(exp)[idx - TEB_TLS_SLOTS] : 0;
}

void WINAPI on_fls_free(void *) {
    DWORD err = GetLastError();
    TlsSetValue(g_exiting_idx, reinterpret_cast<void *>(1));
    SetLastError(err);
    M *m = current_m();
    if (m != nullptr && (m->flags & M_EXTRA)) release_bound_at_exit(m);
}
} // namespace

uintptr_t owner_word() { return teb_read(TEB_ThreadId); }  // no system call: the TEB's ClientId

uint32_t thread_id() { return GetCurrentThreadId(); }

void *reserve(size_t bytes) { return VirtualAlloc(nullptr, bytes, MEM_RESERVE, PAGE_READWRITE); }

bool commit(void *p, size_t bytes) { return VirtualAlloc(p, bytes, MEM_COMMIT, PAGE_READWRITE) != nullptr; }

// G stacks are committed whole: the kernel grows only the TEB's own stack on a
// guard-page fault, never a stack it doesn't know. A no-access page below
// catches an overflow.
bool stack_alloc(size_t bytes, uintptr_t *lo, uintptr_t *hi) {
    size_t total = bytes + PAGE;
    char *base = static_cast<char *>(VirtualAlloc(nullptr, total, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE));
    if (base == nullptr) return false;
    DWORD old;
    if (!VirtualProtect(base, PAGE, PAGE_NOACCESS, &old)) {
        VirtualFree(base, 0, MEM_RELEASE);
        return false;
    }
    *lo = uintptr_t(base + PAGE);
    *hi = uintptr_t(base + total);
    return true;
}

void wait(volatile uint32_t *addr, uint32_t expected) {
    WaitOnAddress(const_cast<uint32_t *>(addr), &expected, sizeof expected, INFINITE);
}

void wake_all(volatile uint32_t *addr) { WakeByAddressAll(const_cast<uint32_t *>(addr)); }

void yield() { SwitchToThread(); }

uint64_t signals_block() { return 0; }  // no asynchronous signals on Windows threads
void signals_restore(uint64_t) {}

// Fault injection only. Sleep() counts whole milliseconds; NtDelayExecution
// takes 100 ns units (relative when negative).
void nap_us(unsigned us) {
    typedef LONG(WINAPI * delay_fn)(BOOLEAN, LARGE_INTEGER *);
    static delay_fn delay = reinterpret_cast<delay_fn>(
        reinterpret_cast<void *>(GetProcAddress(GetModuleHandleA("ntdll.dll"), "NtDelayExecution")));
    if (delay == nullptr) {
        Sleep(1);
        return;
    }
    LARGE_INTEGER t;
    t.QuadPart = -LONGLONG(us) * 10;
    delay(FALSE, &t);
}

// Exact, from the TEB: StackBase as it was at entry (kept in g0.tib_base while
// curg runs) and DeallocationStack, the bottom of the reservation. Fibers
// switch both, so a callback from a fiber gets the fiber's stack.
void foreign_stack_bounds(const M *m, uintptr_t sp, uintptr_t *lo, uintptr_t *hi, bool *exact) {
    uintptr_t base = m->g0->tib_base;
    uintptr_t bottom = teb_read(TEB_DeallocationStack);
    if (bottom == 0 || bottom >= base) bottom = m->g0->tib_limit;
    if (sp >= bottom && sp < base) {
        *lo = bottom;
        *hi = base;
        *exact = true;
        return;
    }
    window_bounds(sp, lo, hi, exact);
}

bool tls_setup() {
#if defined(NEEDM_WIN_TLS_TLSALLOC)
    DWORD idx = TlsAlloc();
    if (idx == TLS_OUT_OF_INDEXES) return false;
    __atomic_store_n(&rt_tls_index, uint32_t(idx), __ATOMIC_RELEASE);
#endif
    g_exiting_idx = TlsAlloc();
    if (g_exiting_idx == TLS_OUT_OF_INDEXES) return false;
    g_fls = FlsAlloc(on_fls_free);
    return g_fls != FLS_OUT_OF_INDEXES;
}

void on_first_callback() {
    DWORD err = GetLastError();
    if (FlsGetValue(g_fls) == nullptr) FlsSetValue(g_fls, reinterpret_cast<void *>(1));
    SetLastError(err);
}

bool thread_exiting() { return tls_raw_get(g_exiting_idx) != 0; }

uint32_t save_error() { return teb_read(0x34); }  // TEB LastErrorValue
void restore_error(uint32_t e) { SetLastError(e); }

struct Thread {
    HANDLE h;
    DWORD id;
    void (*start)(void *);
    void *arg;
};

namespace {
DWORD WINAPI thread_trampoline(void *p) {
    Thread *t = static_cast<Thread *>(p);
    t->start(t->arg);
    return 0;
}
} // namespace

int thread_create(Thread **out, void (*start)(void *), void *arg) {
    Thread *t = new (std::nothrow) Thread;
    if (t == nullptr) return RT_ENOMEM;
    t->start = start;
    t->arg = arg;
    t->h = CreateThread(nullptr, 0, thread_trampoline, t, 0, &t->id);
    if (t->h == nullptr) {
        delete t;
        return RT_ENOMEM;
    }
    *out = t;
    return RT_OK;
}

int thread_join(Thread *t) {
    DWORD w = WaitForSingleObject(t->h, INFINITE);
    CloseHandle(t->h);
    delete t;
    return w == WAIT_OBJECT_0 ? RT_OK : RT_ESTATE;
}

bool thread_is_self(const Thread *t) { return t && t->id == GetCurrentThreadId(); }

void write_stderr(const char *s, size_t n) {
    HANDLE h = GetStdHandle(STD_ERROR_HANDLE);
    DWORD w = 0;
    while (n > 0 && WriteFile(h, s, DWORD(n), &w, nullptr) && w > 0) {
        s += w;
        n -= w;
    }
}

void die() { TerminateProcess(GetCurrentProcess(), 134); for (;;) {} }

} // namespace rt::os
