// Scenario 1: T raw threads x N callbacks each, a checked sum, balanced stats.
#include "ft.hpp"

#include <thread>

TEST_SUITE("foreign_threads") {
TEST_CASE("concurrent: T threads x N callbacks, checked results and balanced stats" *
          doctest::description("every callback checks TLS, G, SP and owner; the slot is read raw after each") *
          doctest::timeout(600)) {
    ft::init();
    const int T = int(ft::scaled(8, 16, 32));
    const long N = ft::scaled(2000, 20000, 2000000);
    static std::atomic<long> sum;
    sum = 0;
    needm_test::FirstFailure ff;
    ft::run_threads(T, ff, [N](ft::Worker &w) {
        for (long j = 0; j < N; j++) {
            long value = long(w.index) * N + j;
            ft::checked_callback(w, [](void *p) { sum.fetch_add(*static_cast<long *>(p)); }, &value);
        }
    });
    ft::check_no_failure(ff);
    long expect = 0;
    for (long i = 0; i < long(T) * N; i++) expect += i;
    CHECK(sum.load() == expect);
    rt_stats s = ft::stats();
    CHECK(s.callback_count >= uint64_t(T) * uint64_t(N));
    ft::check_quiescent("after all threads joined");
}
}

TEST_SUITE("foreign_threads") {
TEST_CASE("concurrent: short and long callbacks mixed on a busy extra-M list" *
          doctest::description("some callbacks hold their M for a while: pops and pushes interleave deeply "
                               "(the setting where a pop without ABA protection hands out an M in use)") *
          doctest::timeout(600)) {
    ft::init();
    const int T = int(ft::scaled(8, 12, 16));
    const long N = ft::scaled(3000, 30000, 1000000);
    needm_test::FirstFailure ff;
    static std::atomic<long> calls;
    calls = 0;
    ft::run_threads(T, ff, [N](ft::Worker &w) {
        uint32_t st = needm_test::seed() ^ (w.index * 0x9e3779b9u);
        for (long j = 0; j < N; j++) {
            int hold = int(needm_test::rand_next(st) % 4) == 0 ? 1 + int(needm_test::rand_next(st) % 8) : 0;
            ft::checked_callback(w, [](void *p) {
                for (int k = *static_cast<int *>(p); k > 0; k--) std::this_thread::yield();
                calls++;
            }, &hold);
        }
    });
    ft::check_no_failure(ff);
    CHECK(calls.load() == long(T) * N);
    ft::check_quiescent("after the mixed callbacks");
}
}
