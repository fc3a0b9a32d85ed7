// Scenario 8: threads started from a static constructor call back before
// main's rt_init: they wait, then run correctly. (Own program: the runtime
// must not be started by anything before main.)
#include "ft.hpp"

#include <chrono>
#include <thread>
#include <vector>

namespace {
constexpr int EARLY = 4;
std::atomic<int> g_started{0}, g_ran{0};
needm_test::FirstFailure g_ff;
std::vector<needm_test::Foreign *> g_threads;

struct StartEarly {
    StartEarly() {
        for (int i = 0; i < EARLY; i++) {
            std::vector<needm_test::Kind> kinds = needm_test::thread_kinds();
            g_threads.push_back(needm_test::spawn(kinds[size_t(i) % kinds.size()], [i] {
                ft::Worker w;
                w.index = uint32_t(i);
                w.ff = &g_ff;
                g_started++;
                for (int k = 0; k < 3; k++) ft::checked_callback(w, [](void *) { g_ran++; });
            }));
        }
    }
} g_start_early;
} // namespace

TEST_SUITE("foreign_threads") {
TEST_CASE("before init: callbacks made before rt_init wait, then run" * doctest::timeout(120)) {
    while (g_started.load() < EARLY) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(g_ran.load() == 0);  // all waiting for rt_init
    ft::init();
    for (needm_test::Foreign *t : g_threads) needm_test::join(t);
    ft::check_no_failure(g_ff);
    CHECK(g_ran.load() == EARLY * 3);
    ft::check_quiescent("after the early threads");
}
}
