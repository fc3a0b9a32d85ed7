// Stop-the-world: who may stop it, what waits while it is stopped, what does not.
#include <doctest.h>
#include <needm/rt.h>

#include "foreign.hpp"
#include "support.hpp"

#include <atomic>
#include <chrono>
#include <thread>

using namespace needm_test;

namespace {
void ensure_init() {
    static bool once = [] {
        REQUIRE(rt_init(nullptr) == RT_OK);
        return true;
    }();
    (void)once;
}
void wait_for(const std::atomic<int> &flag) {
    while (flag.load() == 0) std::this_thread::yield();
}
void pause_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }
rt_stats stats() {
    rt_stats s;
    rt_get_stats(&s);
    return s;
}
} // namespace

TEST_SUITE("unit") {

TEST_CASE("a stop from a runtime thread holds a foreign callback at the gate until start" * doctest::timeout(60)) {
    ensure_init();
    static std::atomic<int> go, stopped, ran, ran_while_stopped, ran_before_start;
    static int stop_rc, start_rc;
    go = stopped = ran = ran_while_stopped = 0;
    rt_thread *r = nullptr;
    REQUIRE(rt_thread_create(&r, [](void *) {
        stop_rc = rt_stop_the_world();
        stopped = 1;
        go = 1;
        pause_ms(200);
        ran_before_start = ran.load();
        stopped = 0;
        start_rc = rt_start_the_world();
    }, nullptr) == RT_OK);
    Foreign *f = spawn(thread_kinds()[0], [] {
        wait_for(go);
        CHECK(rt_callback([](void *) {
            if (stopped.load()) ran_while_stopped++;
            ran++;
        }, nullptr, 0) == RT_OK);
    });
    join(f);
    CHECK(rt_thread_join(r) == RT_OK);
    CHECK(stop_rc == RT_OK);
    CHECK(start_rc == RT_OK);
    CHECK(ran_before_start.load() == 0);
    CHECK(ran.load() == 1);
    CHECK(ran_while_stopped.load() == 0);
}

TEST_CASE("C code in rt_cgocall does not hold up a stop; its return to user code waits for start" *
          doctest::timeout(60)) {
    ensure_init();
    static std::atomic<int> in_c, stop_done, stopped, after_c, violation;
    in_c = stop_done = stopped = after_c = violation = 0;
    Foreign *a = spawn(thread_kinds()[0], [] {
        CHECK(rt_callback([](void *) {
            rt_cgocall([](void *) {
                in_c = 1;
                wait_for(stop_done);  // C code runs on while the world is stopped
            }, nullptr);
            if (stopped.load()) violation++;
            after_c = 1;
        }, nullptr, 0) == RT_OK);
    });
    rt_thread *r = nullptr;
    static int after_c_while_stopped = -1;
    REQUIRE(rt_thread_create(&r, [](void *) {
        wait_for(in_c);
        REQUIRE(rt_stop_the_world() == RT_OK);
        stopped = 1;
        stop_done = 1;
        pause_ms(200);
        after_c_while_stopped = after_c.load();
        stopped = 0;
        REQUIRE(rt_start_the_world() == RT_OK);
    }, nullptr) == RT_OK);
    CHECK(rt_thread_join(r) == RT_OK);
    join(a);
    CHECK(after_c_while_stopped == 0);
    CHECK(after_c.load() == 1);
    CHECK(violation.load() == 0);
}

TEST_CASE("stopping from inside a callback; RT_ESTATE for a second stop and for a start by another" *
          doctest::timeout(60)) {
    ensure_init();
    static std::atomic<int> other_ran, stopped;
    static int rc_stop, rc_stop2, rc_start, rc_foreign_stop, rc_other_start, other_ran_while;
    other_ran = stopped = 0;
    CHECK(rt_stop_the_world() == RT_ESTATE);   // the main thread outside a callback: no runtime context
    CHECK(rt_start_the_world() == RT_ESTATE);
    REQUIRE(rt_callback([](void *) {
        rc_stop = rt_stop_the_world();
        stopped = 1;
        rc_stop2 = rt_stop_the_world();
        Foreign *b = spawn(thread_kinds()[0], [] {
            rc_foreign_stop = rt_stop_the_world();  // not in a callback: no runtime context
            rt_callback([](void *) { other_ran++; }, nullptr, 0);
        });
        rt_thread *r = nullptr;
        rt_thread_create(&r, [](void *) {}, nullptr);  // refused: we hold the world stopped
        rt_thread *r2 = nullptr;
        (void)r2;
        pause_ms(150);
        other_ran_while = other_ran.load();
        stopped = 0;
        rc_start = rt_start_the_world();
        join(b);
        (void)r;
    }, nullptr, 0) == RT_OK);
    CHECK(rc_stop == RT_OK);
    CHECK(rc_stop2 == RT_ESTATE);
    CHECK(rc_foreign_stop == RT_ESTATE);
    CHECK(rc_start == RT_OK);
    CHECK(other_ran_while == 0);
    CHECK(other_ran.load() == 1);

    // A start from runtime code that did not stop the world.
    REQUIRE(rt_callback([](void *) { rc_other_start = rt_start_the_world(); }, nullptr, 0) == RT_OK);
    CHECK(rc_other_start == RT_ESTATE);
}

TEST_CASE("rt_thread_create is refused to the thread that holds the world stopped" * doctest::timeout(60)) {
    ensure_init();
    static int rc_create;
    REQUIRE(rt_callback([](void *) {
        REQUIRE(rt_stop_the_world() == RT_OK);
        rt_thread *r = nullptr;
        rc_create = rt_thread_create(&r, [](void *) {}, nullptr);
        REQUIRE(rt_start_the_world() == RT_OK);
    }, nullptr, 0) == RT_OK);
    CHECK(rc_create == RT_ESTATE);
}

TEST_CASE("a runtime thread busy in its own code does not hold up a stop" * doctest::timeout(60)) {
    ensure_init();
    static std::atomic<int> quit, spinning;
    quit = spinning = 0;
    rt_thread *busy = nullptr;
    REQUIRE(rt_thread_create(&busy, [](void *) {
        spinning = 1;
        while (!quit.load()) std::this_thread::yield();
    }, nullptr) == RT_OK);
    wait_for(spinning);
    static int rc1, rc2;
    rt_thread *stopper = nullptr;
    REQUIRE(rt_thread_create(&stopper, [](void *) {
        rc1 = rt_stop_the_world();
        rc2 = rt_start_the_world();
    }, nullptr) == RT_OK);
    CHECK(rt_thread_join(stopper) == RT_OK);
    quit = 1;
    CHECK(rt_thread_join(busy) == RT_OK);
    CHECK(rc1 == RT_OK);
    CHECK(rc2 == RT_OK);
}

TEST_CASE("no M is made while the world is stopped; callbacks that need one wait" * doctest::timeout(60)) {
    ensure_init();
    static std::atomic<int> go, ran;
    static uint32_t total_at_stop, total_before_start;
    go = ran = 0;
    rt_thread *r = nullptr;
    REQUIRE(rt_thread_create(&r, [](void *) {
        REQUIRE(rt_stop_the_world() == RT_OK);
        total_at_stop = stats().extra_total;
        go = 1;
        pause_ms(200);
        total_before_start = stats().extra_total;
        REQUIRE(rt_start_the_world() == RT_OK);
    }, nullptr) == RT_OK);
    std::vector<Foreign *> fs;
    for (int i = 0; i < 6; i++)
        fs.push_back(spawn(thread_kinds()[0], [] {
            wait_for(go);
            CHECK(rt_callback([](void *) {
                ran++;
                std::this_thread::sleep_for(std::chrono::milliseconds(20));  // hold the M: others need new ones
            }, nullptr, 0) == RT_OK);
        }));
    CHECK(rt_thread_join(r) == RT_OK);
    for (Foreign *f : fs) join(f);
    CHECK(total_before_start == total_at_stop);
    CHECK(ran.load() == 6);
    CHECK(stats().extra_in_use == 0);
}

}
