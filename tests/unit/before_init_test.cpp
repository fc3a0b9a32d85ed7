// A callback before rt_init (from a thread a static constructor started)
// waits until rt_init completes, then runs.
#include <doctest.h>
#include <needm/rt.h>

#include "foreign.hpp"

#include <atomic>
#include <chrono>
#include <thread>

using namespace needm_test;

namespace {
std::atomic<int> g_rc{-100};
std::atomic<int> g_ran{0};
std::atomic<int> g_started{0};
Foreign *g_early = nullptr;

struct StartEarly {
    StartEarly() {
        g_early = spawn(thread_kinds()[0], [] {
            g_started = 1;
            g_rc = rt_callback([](void *) { g_ran = 1; }, nullptr, 0);
        });
    }
} g_start_early;
} // namespace

TEST_SUITE("unit") {
TEST_CASE("a callback made before rt_init waits, then runs" * doctest::timeout(60)) {
    REQUIRE(g_early != nullptr);
    while (!g_started.load()) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(g_ran.load() == 0);       // still waiting for rt_init
    CHECK(g_rc.load() == -100);
    REQUIRE(rt_init(nullptr) == RT_OK);
    join(g_early);
    CHECK(g_ran.load() == 1);
    CHECK(g_rc.load() == RT_OK);
    rt_stats s;
    rt_get_stats(&s);
    CHECK(s.extra_in_use == 0);
    CHECK(s.needm_count == 1);
}
}
