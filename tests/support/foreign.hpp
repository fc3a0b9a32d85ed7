// Foreign threads and the invariants every callback checks, read from the
// runtime's records and the raw TLS slot (never through rt_current_m & co).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

extern "C" {
// tests/support/probe_i386.S
int needm_probe_call(int (*target)(void *, void *, size_t), void *a, void *b, size_t c, uint32_t out[5]);
void needm_probe_fn(void *frame);
uintptr_t needm_probe_sp(void);
}

namespace needm_test {

// The raw TLS slot of this thread: Linux %gs:rt_tls_m; Windows FS:0x14
// (arbitrary) or the TlsAlloc slot (tlsalloc), read with our own instructions.
uintptr_t raw_tls_slot();
const char *tls_slot_name();

// Inside fn: TLS holds an M whose curg is the running G and points back to it,
// SP lies on that G's stack, and the M's owner word names this thread.
// Returns null when all hold, else what broke.
const char *check_in_callback();
// The M id in the raw slot (0 if none or not ours).
uint32_t raw_m_id();

// Per-call mode, after rt_callback returned: the slot holds what it held before.
inline bool slot_restored(uintptr_t before) { return raw_tls_slot() == before; }

// A first failure, recorded from any thread (fn may run on a small G stack:
// it records, the test thread asserts).
struct FirstFailure {
    void set(const char *what, uint32_t thread_index = 0);
    const char *get() const;
    uint32_t thread_index() const;
private:
    void *slot_ = nullptr;
    uint32_t idx_ = 0;
};

// Raw OS threads for the foreign side (never rt_thread_create).
enum class Kind { pthread, createthread, beginthreadex };
std::vector<Kind> thread_kinds();           // what this platform offers
const char *kind_name(Kind k);
struct Foreign;
// stack_bytes 0: the platform default. Returns null (and says why) on failure.
Foreign *spawn(Kind k, std::function<void()> body, size_t stack_bytes = 0);
void join(Foreign *t);
size_t min_stack_bytes();                   // PTHREAD_STACK_MIN, or 64 KiB on Windows

// Windows thread-pool work items: run body n times on pool threads and wait.
// Returns false (with the reason in *why) where there is no thread pool.
bool run_pool_items(int n, const std::function<void(int)> &body, std::string *why);

// Resident memory of this process in KiB (Linux VmRSS; Windows private bytes/1024).
long memory_kib();
// Open handles (Windows) or file descriptors (Linux) of this process; -1 when
// the platform cannot say (Wine's GetProcessHandleCount answers 0).
long handle_count();

} // namespace needm_test
