// Scenario 2: Ms come back and are reused: the spare, consecutive threads, and
// the bound on extra Ms under changing concurrency.
#include "ft.hpp"

#include <thread>

TEST_SUITE("foreign_threads") {

TEST_CASE("reuse: a callback that took the last free M finds a spare made before fn runs" *
          doctest::timeout(120)) {
    ft::init(1);
    static uint32_t free_in_fn;
    needm_test::FirstFailure ff;
    ft::run_threads(1, ff, [](ft::Worker &w) {
        for (int i = 0; i < 5; i++) {
            free_in_fn = 0;
            ft::checked_callback(w, [](void *) { free_in_fn = ft::stats().extra_free; });
            if (free_in_fn < 1) w.fail("no free extra M left while a lone callback ran (the spare was not made)");
        }
    });
    ft::check_no_failure(ff);
    ft::check_quiescent("after the lone thread");
}

TEST_CASE("reuse: consecutive threads get the same M back" * doctest::timeout(300)) {
    ft::init(1);
    const int rounds = int(ft::scaled(30, 300, 5000));
    uint32_t first = 0, total = 0;
    for (int r = 0; r < rounds; r++) {
        static uint32_t seen;
        seen = 0;
        needm_test::FirstFailure ff;
        ft::run_threads(1, ff, [](ft::Worker &w) {
            for (int i = 0; i < 3; i++) ft::checked_callback(w, [](void *) { seen = needm_test::raw_m_id(); });
        });
        ft::check_no_failure(ff);
        REQUIRE(seen != 0);
        if (r == 0) {
            first = seen;
            total = ft::stats().extra_total;
        }
        if (seen != first) FAIL_CHECK("round " << r << ": thread got M " << seen << ", the first thread's was " << first);
        if (ft::stats().extra_total != total) FAIL_CHECK("round " << r << ": extra Ms grew to " << ft::stats().extra_total);
        if (ft::stats().extra_in_use != 0) FAIL_CHECK("round " << r << ": an M still in use after its thread was joined");
    }
    ft::check_quiescent("after the consecutive threads");
}

TEST_CASE("reuse: extra Ms never exceed the peak concurrency + 1" * doctest::timeout(300)) {
    ft::init(1);
    const int waves = int(ft::scaled(12, 60, 1000));
    uint32_t state = needm_test::seed();
    uint32_t peak = 0;
    for (int wv = 0; wv < waves; wv++) {
        int c = 1 + int(needm_test::rand_next(state) % 8);
        static std::atomic<int> inside, release;
        inside = 0;
        release = 0;
        needm_test::FirstFailure ff;
        std::thread releaser([c] {
            while (inside.load() < c) std::this_thread::yield();
            release = 1;
        });
        ft::run_threads(c, ff, [](ft::Worker &w) {
            ft::checked_callback(w, [](void *) {
                inside++;
                while (!release.load()) std::this_thread::yield();
            });
        });
        releaser.join();
        ft::check_no_failure(ff);
        if (uint32_t(c) > peak) peak = uint32_t(c);
        rt_stats s = ft::stats();
        if (s.extra_total > peak + 1)
            FAIL_CHECK("wave " << wv << ": " << s.extra_total << " extra Ms for a peak concurrency of " << peak);
    }
    MESSAGE("peak concurrency " << peak << ", extra Ms " << ft::stats().extra_total);
    ft::check_quiescent("after the waves");
}
}
