// Linux (i386, glibc) side of the runtime: the TLS slot, memory, futex waits,
// thread-exit release through a pthread key destructor, foreign stack bounds.
#include "rt_internal.hpp"

#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <new>

// The TLS slot: one word of ELF static TLS, read by asm/386 as %gs:rt_tls_m@ntpoff.
extern "C" {
__thread rt::M *rt_tls_m __attribute__((tls_model("local-exec"))) = nullptr;
__thread uint32_t rt_list_depth __attribute__((tls_model("local-exec"))) = 0;
}

namespace rt::os {

namespace {
pthread_key_t g_exit_key;
__thread bool t_exit_hooked = false;
__thread bool t_exiting = false;
__thread uint32_t t_tid = 0;
__thread uintptr_t t_stack_lo = 0, t_stack_hi = 0;  // this thread's own stack, once known
constexpr size_t PAGE = 4096;

// Runs at thread exit for every thread that ever called back (the key's value
// is set once, at its first callback). An extra M still in the slot is either
// bound (RT_BIND_THREAD) or was abandoned by pthread_exit inside fn.
void on_thread_exit(void *) {
    t_exiting = true;
    M *m = rt_tls_m;
    if (m != nullptr && (m->flags & M_EXTRA)) release_bound_at_exit(m);
}
} // namespace

uintptr_t owner_word() { return uintptr_t(pthread_self()); }

uint32_t thread_id() {
    if (t_tid == 0) t_tid = uint32_t(syscall(SYS_gettid));
    return t_tid;
}

void *reserve(size_t bytes) {
    void *p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? nullptr : p;
}

bool commit(void *, size_t) { return true; }  // the kernel commits pages on first touch

// G stacks: reserved, committed page by page as they are touched, with a guard
// page below. They come from low addresses where the kernel allows it, so that
// a foreign thread's stack (mapped from the top down) lies above any G stack:
// debuggers expect callers at higher addresses than callees and stop a
// backtrace that goes "down" a stack switch.
bool stack_alloc(size_t bytes, uintptr_t *lo, uintptr_t *hi) {
    size_t total = bytes + PAGE;
    static std::atomic<uintptr_t> hint{0x01000000};
    uintptr_t want = hint.fetch_add(total, std::memory_order_relaxed);
    void *p = MAP_FAILED;
    if (want + total < 0x08000000) {
        p = mmap(reinterpret_cast<void *>(want), total, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
        if (p != MAP_FAILED && p != reinterpret_cast<void *>(want)) {
            munmap(p, total);  // an old kernel ignored MAP_FIXED_NOREPLACE: take any address
            p = MAP_FAILED;
        }
    }
    if (p == MAP_FAILED) p = mmap(nullptr, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return false;
    char *base = static_cast<char *>(p);
    if (mprotect(base + PAGE, bytes, PROT_READ | PROT_WRITE) != 0) {
        munmap(p, total);
        return false;
    }
    *lo = uintptr_t(base + PAGE);
    *hi = uintptr_t(base + total);
    return true;
}

void wait(volatile uint32_t *addr, uint32_t expected) {
    syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}

void wake_all(volatile uint32_t *addr) { syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0); }

void yield() { sched_yield(); }

// The kernel's sigset for i386 is 64 bits. The raw call also holds back glibc's
// internal signals (cancellation, setxid) for the short time of the gate: they
// stay pending and arrive at the restore, nothing is lost.
uint64_t signals_block() {
    uint64_t all = ~uint64_t(0), old = 0;
    static const int kept[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP};  // faults stay deliverable
    for (int s : kept) all &= ~(uint64_t(1) << (s - 1));
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, &old, sizeof all);
    return old;
}

void signals_restore(uint64_t old) { syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, nullptr, sizeof old); }

void nap_us(unsigned us) {
    struct timespec ts = {0, long(us) * 1000};
    nanosleep(&ts, nullptr);
}

// The thread's own stack is found once, at its first callback, and kept in
// TLS; later refreshes compare against it without a system call. The lookup
// reads /proc/self/maps with open/read/close into a buffer on the stack: no
// malloc (pthread_getattr_np reallocs, and a first callback may come from a
// signal handler that interrupted malloc). The mapping that holds SP is the
// thread's stack (glibc maps each thread stack apart from its guard page; the
// main thread's is [stack]). An SP outside it is on a stack C code made
// (makecontext, a coroutine library): its extent is unknown, so the bounds are
// a window around SP, marked inexact.
namespace {
bool mapping_of(uintptr_t sp, uintptr_t *lo, uintptr_t *hi) {
    int fd = int(syscall(SYS_open, "/proc/self/maps", O_RDONLY | O_CLOEXEC));
    if (fd < 0) return false;
    char buf[2048];
    size_t have = 0;
    bool found = false, eof = false;
    while (!found && !eof) {
        ssize_t n = syscall(SYS_read, fd, buf + have, sizeof buf - have);
        if (n <= 0) eof = true;
        else have += size_t(n);
        size_t line = 0;
        for (size_t i = 0; i < have && !found; i++) {
            if (buf[i] != '\n' && !(eof && i + 1 == have)) continue;
            uintptr_t a = 0, b = 0;
            size_t j = line;
            while (j < i && buf[j] != '-') a = a * 16 + uintptr_t(buf[j] <= '9' ? buf[j] - '0' : (buf[j] | 32) - 'a' + 10), j++;
            for (j++; j < i && buf[j] != ' '; j++) b = b * 16 + uintptr_t(buf[j] <= '9' ? buf[j] - '0' : (buf[j] | 32) - 'a' + 10);
            if (sp >= a && sp < b) {
                *lo = a;
                *hi = b;
                found = true;
            }
            line = i + 1;
        }
        if (line < have) {  // keep the partial last line for the next read
            for (size_t k = line; k < have; k++) buf[k - line] = buf[k];
            have -= line;
        } else {
            have = 0;
        }
        if (have == sizeof buf) have = 0;  // a line longer than the buffer: skip it
    }
    syscall(SYS_close, fd);
    return found;
}
} // namespace

void foreign_stack_bounds(const M *, uintptr_t sp, uintptr_t *lo, uintptr_t *hi, bool *exact) {
    if (t_stack_hi == 0 && !mapping_of(sp, &t_stack_lo, &t_stack_hi)) t_stack_hi = 1;  // unknown: don't ask again
    if (sp >= t_stack_lo && sp < t_stack_hi) {
        *lo = t_stack_lo;
        *hi = t_stack_hi;
        *exact = true;
        return;
    }
    window_bounds(sp, lo, hi, exact);
}

bool tls_setup() { return pthread_key_create(&g_exit_key, on_thread_exit) == 0; }

bool thread_exiting() { return t_exiting; }

uint32_t save_error() { return uint32_t(errno); }
void restore_error(uint32_t e) { errno = int(e); }

void on_first_callback() {
    if (t_exit_hooked) return;
    t_exit_hooked = true;
    pthread_setspecific(g_exit_key, reinterpret_cast<void *>(1));
}

struct Thread {
    pthread_t th;
    void (*start)(void *);
    void *arg;
};

namespace {
void *thread_trampoline(void *p) {
    Thread *t = static_cast<Thread *>(p);
    t->start(t->arg);
    return nullptr;
}
} // namespace

int thread_create(Thread **out, void (*start)(void *), void *arg) {
    Thread *t = new (std::nothrow) Thread;
    if (t == nullptr) return RT_ENOMEM;
    t->start = start;
    t->arg = arg;
    if (pthread_create(&t->th, nullptr, thread_trampoline, t) != 0) {
        delete t;
        return RT_ENOMEM;
    }
    *out = t;
    return RT_OK;
}

int thread_join(Thread *t) {
    int rc = pthread_join(t->th, nullptr);
    delete t;
    return rc == 0 ? RT_OK : RT_ESTATE;
}

bool thread_is_self(const Thread *t) { return t && pthread_equal(t->th, pthread_self()); }

void write_stderr(const char *s, size_t n) {
    while (n > 0) {
        ssize_t w = ::write(2, s, n);
        if (w <= 0) return;
        s += w;
        n -= size_t(w);
    }
}

void die() { std::abort(); }

} // namespace rt::os
