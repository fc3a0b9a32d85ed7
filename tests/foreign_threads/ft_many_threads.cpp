// Scenario 11a: many foreign threads hold Ms at the same time.
#include "ft.hpp"

#include <thread>

TEST_SUITE("foreign_threads") {
TEST_CASE("many threads: hundreds of foreign threads hold Ms at once" * doctest::timeout(600)) {
    ft::init(1);
    const int N = int(ft::scaled(64, 256, 512));
    static std::atomic<int> inside, release;
    inside = 0;
    release = 0;
    static uint32_t in_use_at_peak;
    std::thread watcher([N] {
        while (inside.load() < N) std::this_thread::yield();
        in_use_at_peak = ft::stats().extra_in_use;
        release = 1;
    });
    needm_test::FirstFailure ff;
    ft::run_threads(N, ff, [](ft::Worker &w) {
        ft::checked_callback(w, [](void *) {
            inside++;
            while (!release.load()) std::this_thread::yield();
        });
        ft::checked_callback(w);
    }, 64 * 1024);
    watcher.join();
    ft::check_no_failure(ff);
    MESSAGE(N << " threads held Ms at once; extra Ms: " << ft::stats().extra_total);
    CHECK(in_use_at_peak == uint32_t(N));
    CHECK(ft::stats().extra_total <= uint32_t(N) + 1);
    ft::check_quiescent("after the crowd");
}
}
