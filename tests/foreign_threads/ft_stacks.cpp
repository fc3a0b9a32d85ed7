// Scenario 7: stacks. Foreign threads with the smallest stacks the OS allows,
// whose fn uses >= 32 KiB (it runs on the G stack, not theirs); callbacks from
// stacks C code made (ucontext on Linux, fibers on Windows), alternating
// between them (the Go #62440 class: g0's recorded bounds must follow, checked
// in every callback); and the bytes of the foreign stack the callback path
// uses, measured as a high-water mark: at most 2 KiB.
#include "ft.hpp"

#include <cstring>
#include <vector>

#if defined(_WIN32)
#include <malloc.h>
#include <windows.h>
#else
#include <alloca.h>
#include <ucontext.h>
#endif

namespace {

constexpr size_t FN_STACK_USE = 40 * 1024;
constexpr size_t HIGH_WATER_LIMIT = 2048;
constexpr unsigned char PAINT = 0xA5;

__attribute__((noinline)) void big_fn(void *p) {
    // A frame this large lives on curg (64 KiB): it would overflow a 16 KiB
    // foreign stack.
    volatile unsigned char buf[FN_STACK_USE];
    for (size_t i = 0; i < sizeof buf; i += 64) buf[i] = static_cast<unsigned char>(i);
    unsigned sum = 0;
    for (size_t i = 0; i < sizeof buf; i += 64) sum += buf[i];
    *static_cast<unsigned *>(p) = sum;
}

unsigned expected_sum() {
    unsigned sum = 0;
    for (size_t i = 0; i < FN_STACK_USE; i += 64) sum += static_cast<unsigned char>(i);
    return sum;
}

// Paint `n` bytes below the caller's SP, then return (the paint stays).
__attribute__((noinline)) void paint_below(size_t n) {
    unsigned char *p = static_cast<unsigned char *>(alloca(n));
    std::memset(p, PAINT, n);
    __asm__ volatile("" ::"r"(p) : "memory");
}

// Bytes below `sp` that no longer hold the paint, counted from the deepest
// changed byte within `n` bytes below sp.
__attribute__((noinline)) size_t used_below(uintptr_t sp, size_t n) {
    const unsigned char *lo = reinterpret_cast<const unsigned char *>(sp - n);
    for (size_t i = 0; i < n; i++)
        if (lo[i] != PAINT) return n - i;
    return 0;
}

struct HighWater {
    size_t first = 0, later = 0;
};

// Measure the foreign-stack bytes of one rt_callback (whose fn does a lot on
// curg). The probe's own frames (paint_below, used_below) sit above the
// painted area's deep end, so only the callback path can reach deep.
__attribute__((noinline)) size_t measure_one(ft::Worker &w) {
    const size_t n = 12 * 1024;
    paint_below(n + 256);
    uintptr_t sp = needm_probe_sp();
    unsigned sum = 0;
    ft::checked_callback(w, big_fn, &sum);
    if (sum != expected_sum()) w.fail("fn's large frame on the G stack lost data");
    return used_below(sp, n);
}

} // namespace

TEST_SUITE("foreign_threads") {

TEST_CASE("stacks: minimum-size foreign stacks, fn using 40 KiB of stack" * doctest::timeout(300)) {
    ft::init();
    const int T = int(ft::scaled(4, 8, 16));
    const int calls = int(ft::scaled(20, 200, 5000));
    MESSAGE("foreign stacks of " << needm_test::min_stack_bytes() << " bytes, fn frames of " << FN_STACK_USE);
    needm_test::FirstFailure ff;
    ft::run_threads(T, ff, [calls](ft::Worker &w) {
        for (int i = 0; i < calls; i++) {
            unsigned sum = 0;
            ft::checked_callback(w, big_fn, &sum);
            if (sum != expected_sum()) w.fail("fn's large frame on the G stack lost data");
        }
    }, needm_test::min_stack_bytes());
    ft::check_no_failure(ff);
    ft::check_quiescent("after the small-stack threads");
}

TEST_CASE("stacks: the callback path uses at most 2 KiB of the foreign stack" * doctest::timeout(300)) {
    ft::init();
    needm_test::FirstFailure ff;
    static HighWater hw[4];
    ft::run_threads(4, ff, [](ft::Worker &w) {
        hw[w.index].first = measure_one(w);  // the thread's first callback: needm's slow parts included
        size_t most = 0;
        for (int i = 0; i < 10; i++) {
            size_t u = measure_one(w);
            if (u > most) most = u;
        }
        hw[w.index].later = most;
    });
    ft::check_no_failure(ff);
    for (int i = 0; i < 4; i++) {
        MESSAGE("thread " << i << " (" << ft::mode_name() << "): first callback used " << hw[i].first
                          << " bytes of the foreign stack, later ones at most " << hw[i].later);
        CHECK(hw[i].first <= HIGH_WATER_LIMIT);
        CHECK(hw[i].later <= HIGH_WATER_LIMIT);
        CHECK(hw[i].first > 0);  // the measurement sees the asm frame at least
    }
    ft::check_quiescent("after the high-water threads");
}

#if !defined(_WIN32)
namespace {
struct Coro {
    ucontext_t ctx;
    std::vector<char> stack;
};
ucontext_t g_main_ctx;
Coro g_coros[2];
ft::Worker *g_cw;
int g_rounds;

void coro_main(int which) {
    for (int r = 0; r < g_rounds; r++) {
        ft::checked_callback(*g_cw);
        // Alternate: main -> coro 0 -> coro 1 -> main ...
        swapcontext(&g_coros[which].ctx, which == 0 ? &g_coros[1].ctx : &g_main_ctx);
    }
    swapcontext(&g_coros[which].ctx, &g_main_ctx);
}
} // namespace

TEST_CASE("stacks: callbacks from ucontext stacks, alternating (Go #62440 class)" * doctest::timeout(300)) {
    ft::init();
    needm_test::FirstFailure ff;
    g_rounds = int(ft::scaled(50, 500, 20000));
    ft::run_threads(1, ff, [](ft::Worker &w) {
        g_cw = &w;
        ft::checked_callback(w);  // from the thread's own stack first (bound: the M's bounds are set here)
        for (int i = 0; i < 2; i++) {
            g_coros[i].stack.assign(64 * 1024, 0);
            getcontext(&g_coros[i].ctx);
            g_coros[i].ctx.uc_stack.ss_sp = g_coros[i].stack.data();
            g_coros[i].ctx.uc_stack.ss_size = g_coros[i].stack.size();
            g_coros[i].ctx.uc_link = &g_main_ctx;
            makecontext(&g_coros[i].ctx, reinterpret_cast<void (*)()>(coro_main), 1, i);
        }
        for (int r = 0; r < g_rounds; r++) {
            swapcontext(&g_main_ctx, &g_coros[0].ctx);
            ft::checked_callback(w);  // and from the thread's own stack in between
        }
        swapcontext(&g_main_ctx, &g_coros[0].ctx);
        swapcontext(&g_main_ctx, &g_coros[1].ctx);
    });
    ft::check_no_failure(ff);
    ft::check_quiescent("after the ucontext thread");
}
#else
namespace {
void *g_main_fiber;
void *g_fibers[2];
ft::Worker *g_fw;
int g_frounds;
void CALLBACK fiber_main(void *p) {
    int which = int(reinterpret_cast<uintptr_t>(p));
    for (;;) {
        for (int r = 0; r < 1; r++) ft::checked_callback(*g_fw);
        SwitchToFiber(which == 0 ? g_fibers[1] : g_main_fiber);
    }
}
} // namespace

TEST_CASE("stacks: callbacks from fibers, alternating (Go #62440 class)" * doctest::timeout(300)) {
    ft::init();
    needm_test::FirstFailure ff;
    g_frounds = int(ft::scaled(50, 500, 20000));
    ft::run_threads(1, ff, [](ft::Worker &w) {
        g_fw = &w;
        ft::checked_callback(w);
        g_main_fiber = ConvertThreadToFiber(nullptr);
        if (!g_main_fiber) {
            w.fail("ConvertThreadToFiber failed");
            return;
        }
        for (int i = 0; i < 2; i++) g_fibers[i] = CreateFiber(64 * 1024, fiber_main, reinterpret_cast<void *>(uintptr_t(i)));
        for (int r = 0; r < g_frounds; r++) {
            SwitchToFiber(g_fibers[0]);
            ft::checked_callback(w);
        }
        for (void *f : g_fibers) DeleteFiber(f);  // outside any callback
        ConvertFiberToThread();
    });
    ft::check_no_failure(ff);
    ft::check_quiescent("after the fiber thread");
}
#endif
}
