// Scenario 5: a runtime thread stops and starts the world thousands of times
// while foreign threads call back (half of them through rt_cgocall and back).
// No callback body runs while the world is stopped; nothing deadlocks.
#include "ft.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

namespace {
std::atomic<int> g_stopped{0};
std::atomic<int> g_done{0};
std::atomic<long> g_violations{0};
std::atomic<long> g_bodies{0};
std::atomic<int> g_callers{0};  // foreign threads that made their first callback

void body(void *) {
    if (g_stopped.load(std::memory_order_seq_cst)) g_violations++;
    g_bodies++;
}
void nested(void *) {
    body(nullptr);
    rt_cgocall([](void *) { std::this_thread::yield(); }, nullptr);  // C code while a stop may come
    body(nullptr);  // back from C: through the gate again
}
} // namespace

TEST_SUITE("foreign_threads") {
TEST_CASE("stop-the-world storm: no callback body runs in a stopped world, no deadlock" * doctest::timeout(600)) {
    ft::init(2);
    const int stops = int(ft::scaled(1000, 20000, 1000000));
    const int T = int(ft::scaled(4, 6, 8));
    g_done = 0;
    static int stop_failures;
    stop_failures = 0;
    rt_thread *stopper = nullptr;
    static int n_stops;
    n_stops = stops;
    static int n_callers;
    n_callers = T;
    g_callers = 0;
    // A time budget as well as a count: every stop waits for all T threads to
    // be scheduled, so on a loaded machine (a -j2 matrix on 2 cores) a stop can
    // take milliseconds; the storm then ends at the budget with fewer stops.
    static std::chrono::steady_clock::time_point deadline;
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(ft::scaled(30, 120, 3600));
    static int n_done;
    n_done = 0;
    REQUIRE(rt_thread_create(&stopper, [](void *) {
        while (g_callers.load() < n_callers) std::this_thread::yield();  // the storm meets running callbacks
        for (int i = 0; i < n_stops; i++) {
            if ((i & 63) == 0 && std::chrono::steady_clock::now() > deadline) break;
            if (rt_stop_the_world() != RT_OK) stop_failures++;
            g_stopped.store(1, std::memory_order_seq_cst);
            for (int k = 0; k < 2000; k++) __builtin_ia32_pause();  // hold it stopped a moment (no yield:
            g_stopped.store(0, std::memory_order_seq_cst);           // its cost grows with the load)
            if (rt_start_the_world() != RT_OK) stop_failures++;
            n_done++;
        }
        g_done = 1;
    }, nullptr) == RT_OK);
    needm_test::FirstFailure ff;
    ft::run_threads(T, ff, [](ft::Worker &w) {
        ft::checked_callback(w, body);
        g_callers++;
        // Stop calling back at the first violation: a runtime that lets callbacks
        // into a stopped world can starve the stopper, and the failure is known.
        while (!g_done.load() && g_violations.load() == 0 && !w.ff->get())
            ft::checked_callback(w, w.index % 2 ? nested : body);
    });
    CHECK(rt_thread_join(stopper) == RT_OK);
    ft::check_no_failure(ff);
    CHECK(stop_failures == 0);
    MESSAGE(n_done << " stops (" << std::string(n_done < stops ? "ended by the time budget; " : "") << "asked for " << stops
                    << "), " << g_bodies.load() << " callback bodies, " << g_violations.load()
                    << " ran in a stopped world");
    CHECK(n_done >= std::min(stops, 1000));  // enough stops met running callbacks to mean something
    CHECK(g_violations.load() == 0);
    CHECK(g_bodies.load() > 0);
    ft::check_quiescent("after the storm");
}
}
