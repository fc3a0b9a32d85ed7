// Shared test support: stress scale, seeds, visible skips, per-thread phase
// records for the watchdog, and small helpers for raw OS threads.
#pragma once
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>

namespace needm_test {

enum class Scale { quick, full, soak };
Scale scale();                       // NEEDM_STRESS: quick (default), full, soak
const char *scale_name();
// Pick a size by scale: scaled(20, 200, 20000).
inline long scaled(long quick, long full, long soak) {
    switch (scale()) { case Scale::quick: return quick; case Scale::full: return full; default: return soak; }
}
uint32_t seed();                     // NEEDM_SEED, or chosen at start and printed
uint32_t rand_next(uint32_t &state); // xorshift32 for per-thread streams

// Report the running test program as skipped (exit 77) with a reason, unless a
// check also failed. The reason is printed at once and again at exit.
void skip(const std::string &reason);
bool skipped();

// Cell facts from the environment CTest sets (see cmake/NeedmTest.cmake).
const char *cell();                  // NEEDM_CELL or "(no cell)"
bool under_qemu();                   // observed, not configured: CPUID/uname/vDSO
std::string repro_command(const char *test_case);

// Per-thread records the watchdog prints on a hang.
struct ThreadRecord {
    std::atomic<const char *> role{"?"};
    std::atomic<const char *> phase{"starting"};
    std::atomic<uint32_t> os_tid{0};
    std::atomic<uintptr_t> owner_word{0};  // what the runtime writes as an M's owner
    std::atomic<uint32_t> last_m{0};
    std::atomic<ThreadRecord *> next{nullptr};
    std::atomic<bool> live{false};
};
// Register the calling thread; the record lives until the thread calls done().
ThreadRecord *thread_enter(const char *role);
void thread_exit(ThreadRecord *r);
struct ThreadScope {
    ThreadRecord *rec;
    explicit ThreadScope(const char *role) : rec(thread_enter(role)) {}
    ~ThreadScope() { thread_exit(rec); }
    void phase(const char *p) { rec->phase.store(p, std::memory_order_relaxed); }
    ThreadScope(const ThreadScope &) = delete;
    ThreadScope &operator=(const ThreadScope &) = delete;
};

// Print every live thread record and the runtime's M table (the watchdog's report).
void dump_threads(FILE *out);

// Start the watchdog (done once by main): after `seconds` it dumps the threads,
// prints the reproduction command and ends the process with exit code 3.
void watchdog_start(unsigned seconds);
void watchdog_stop();
void set_current_test(const char *name);

} // namespace needm_test
