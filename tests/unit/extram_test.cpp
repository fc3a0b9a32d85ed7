// The extra-M list: reuse, the spare, and its size under concurrency.
#include <doctest.h>
#include <needm/rt.h>

#include "foreign.hpp"
#include "support.hpp"

#include <atomic>
#include <thread>
#include <vector>

using namespace needm_test;

namespace {
rt_stats stats() {
    rt_stats s;
    rt_get_stats(&s);
    return s;
}
} // namespace

TEST_SUITE("unit") {

TEST_CASE("the spare: a callback that took the last free M makes one more before fn runs" * doctest::timeout(60)) {
    REQUIRE(rt_init(nullptr) == RT_OK);  // extra_m_prealloc = 1: the first needm takes the last M
    CHECK(stats().extra_free == 1);
    static uint32_t free_in_fn, total_in_fn;
    REQUIRE(rt_callback([](void *) {
        rt_stats s;
        rt_get_stats(&s);
        free_in_fn = s.extra_free;
        total_in_fn = s.extra_total;
    }, nullptr, 0) == RT_OK);
    CHECK(free_in_fn >= 1);
    CHECK(total_in_fn == 2);
    // Every later callback of one thread finds a free M and makes none.
    for (int i = 0; i < 20; i++) {
        REQUIRE(rt_callback([](void *) {
            rt_stats s;
            rt_get_stats(&s);
            free_in_fn = s.extra_free;
        }, nullptr, 0) == RT_OK);
        CHECK(free_in_fn >= 1);
    }
    CHECK(stats().extra_total == 2);
}

TEST_CASE("consecutive foreign threads get the same M back (no leak)" * doctest::timeout(60)) {
    uint32_t first = 0;
    uint32_t total = stats().extra_total;
    for (int i = 0; i < int(scaled(20, 200, 2000)); i++) {
        static uint32_t seen;
        seen = 0;
        Foreign *t = spawn(thread_kinds()[size_t(i) % thread_kinds().size()], [] {
            CHECK(rt_callback([](void *) { seen = raw_m_id(); }, nullptr, 0) == RT_OK);
        });
        join(t);
        REQUIRE(seen != 0);
        if (first == 0) first = seen;
        CHECK(seen == first);
    }
    CHECK(stats().extra_total == total);
    CHECK(stats().extra_in_use == 0);
}

TEST_CASE("T threads inside callbacks at once: extra Ms never exceed peak + 1, and are reused" *
          doctest::timeout(90)) {
    const int T = 8;
    static std::atomic<int> inside, release;
    uint32_t after_first = 0;
    for (int round = 0; round < 3; round++) {
        inside = 0;
        release = 0;
        std::vector<Foreign *> ts;
        for (int i = 0; i < T; i++)
            ts.push_back(spawn(thread_kinds()[size_t(i) % thread_kinds().size()], [] {
                CHECK(rt_callback([](void *) {
                    inside++;
                    while (!release.load()) std::this_thread::yield();
                }, nullptr, 0) == RT_OK);
            }));
        while (inside.load() < T) std::this_thread::yield();
        rt_stats during = stats();
        CHECK(during.extra_in_use == uint32_t(T));
        CHECK(during.extra_total <= uint32_t(T) + 1);
        release = 1;
        for (Foreign *t : ts) join(t);
        rt_stats s = stats();
        CHECK(s.extra_in_use == 0);
        CHECK(s.needm_count == s.dropm_count);
        if (round == 0) after_first = s.extra_total;
        else CHECK(s.extra_total == after_first);
    }
}

}
