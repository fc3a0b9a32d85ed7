// Scenario 1: T raw threads x N callbacks each, a checked sum, balanced stats.
#include "ft.hpp"

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
