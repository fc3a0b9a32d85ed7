// Scenario 11b: extra_m_max = 2 (NEEDM_EXTRA_M_MAX) and 16 threads: callbacks
// wait for an M and all complete; never more than 2 extra Ms.
#include "ft.hpp"

#include <cstdlib>
#include <thread>

TEST_SUITE("foreign_threads") {
TEST_CASE("extra_m_max: at the cap, callbacks wait and all complete" * doctest::timeout(600)) {
    const char *cap_env = std::getenv("NEEDM_EXTRA_M_MAX");
    REQUIRE_MESSAGE(cap_env != nullptr, "run with NEEDM_EXTRA_M_MAX set (ctest sets it)");
    const uint32_t cap = uint32_t(std::atoi(cap_env));
    ft::init(1);
    const int T = 16;
    const int calls = int(ft::scaled(50, 500, 10000));
    static std::atomic<uint32_t> max_total;
    static std::atomic<long> done;
    max_total = 0;
    done = 0;
    needm_test::FirstFailure ff;
    ft::run_threads(T, ff, [calls](ft::Worker &w) {
        for (int i = 0; i < calls; i++) {
            ft::checked_callback(w, [](void *) {
                uint32_t t = ft::stats().extra_total;
                uint32_t m = max_total.load();
                while (t > m && !max_total.compare_exchange_weak(m, t)) {}
                std::this_thread::yield();  // hold the M a moment: others must wait
                done++;
            });
        }
    });
    ft::check_no_failure(ff);
    MESSAGE(T << " threads x " << calls << " callbacks with extra_m_max " << cap << " (" << ft::mode_name()
              << "): most extra Ms seen " << max_total.load());
    CHECK(done.load() == long(T) * calls);
    CHECK(max_total.load() <= cap);
    CHECK(ft::stats().extra_total <= cap);
    ft::check_quiescent("after the capped run");
}
}
