// Scenario 10: bad input and exceptions from foreign threads: every case of the
// runtime's contract, with no M leaked and the thread able to call back after.
// Also a thread that exits from inside fn: its M comes back.
#include "ft.hpp"

#include <stdexcept>

#if defined(_WIN32)
#include <windows.h>
#else
#include <pthread.h>
#endif

TEST_SUITE("foreign_threads") {

TEST_CASE("bad input: RT_EINVAL leaves the slot and the Ms as they were" * doctest::timeout(120)) {
    ft::init();
    needm_test::FirstFailure ff;
    ft::run_threads(int(ft::scaled(4, 8, 16)), ff, [](ft::Worker &w) {
        for (int round = 0; round < 3; round++) {
            uintptr_t slot = needm_test::raw_tls_slot();
            char buf[16];
            struct Case { void (*fn)(void *); void *frame; size_t size; };
            const Case bad[] = {
                {nullptr, buf, sizeof buf},
                {nullptr, nullptr, 0},
                {[](void *) {}, nullptr, 1},
                {[](void *) {}, buf, RT_MAX_FRAME + 1},
                {[](void *) {}, buf, size_t(-1)},
            };
            for (const Case &c : bad) {
                if (rt_callback(c.fn, c.frame, c.size) != RT_EINVAL) w.fail("a bad rt_callback did not return RT_EINVAL");
                if (needm_test::raw_tls_slot() != slot) w.fail("a refused rt_callback changed the TLS slot");
            }
            if (rt_cgocall([](void *) {}, nullptr) != RT_ESTATE) w.fail("rt_cgocall without runtime context was not RT_ESTATE");
            if (rt_stop_the_world() != RT_ESTATE) w.fail("rt_stop_the_world from C code was not RT_ESTATE");
            ft::checked_callback(w);  // and the thread calls back fine afterwards
        }
    });
    ft::check_no_failure(ff);
    ft::check_quiescent("after the bad input");
}

TEST_CASE("exceptions: RT_EEXCEPTION, the M back (or still bound), callbacks work after" * doctest::timeout(120)) {
    ft::init();
    needm_test::FirstFailure ff;
    ft::run_threads(int(ft::scaled(4, 8, 16)), ff, [](ft::Worker &w) {
        for (int i = 0; i < int(ft::scaled(20, 200, 2000)); i++) {
            ft::checked_callback(w, [](void *) { throw std::runtime_error("escaping fn"); }, nullptr, RT_EEXCEPTION);
            ft::checked_callback(w, [](void *) { throw 42; }, nullptr, RT_EEXCEPTION);
            uintptr_t slot = needm_test::raw_tls_slot();
            if (!ft::bound() && slot != 0) w.fail("per-call: an M stayed in the slot after RT_EEXCEPTION");
            ft::checked_callback(w);
            // Thrown two levels down: the inner rt_callback reports it, the outer goes on.
            static_assert(sizeof(ft::Worker *) == 4, "i386");
            ft::checked_callback(w, [](void *p) {
                ft::Worker *wk = static_cast<ft::Worker *>(p);
                rt_cgocall([](void *q) {
                    ft::Worker *wq = static_cast<ft::Worker *>(q);
                    if (rt_callback([](void *) { throw 7; }, nullptr, 0) != RT_EEXCEPTION)
                        wq->fail("a nested callback's exception was not RT_EEXCEPTION");
                }, wk);
            }, &w);
        }
    });
    ft::check_no_failure(ff);
    ft::check_quiescent("after the exceptions");
}

TEST_CASE("rt_release_m: gives a bound M back between callbacks, refused inside one" * doctest::timeout(120)) {
    ft::init();
    needm_test::FirstFailure ff;
    ft::run_threads(4, ff, [](ft::Worker &w) {
        for (int i = 0; i < 10; i++) {
            ft::checked_callback(w, [](void *p) {
                ft::Worker *wk = static_cast<ft::Worker *>(p);
                if (rt_release_m() != RT_ESTATE) wk->fail("rt_release_m inside a callback was not RT_ESTATE");
            }, &w);
            if (rt_release_m() != RT_OK) w.fail("rt_release_m between callbacks failed");
            if (needm_test::raw_tls_slot() != 0) w.fail("the slot still holds an M after rt_release_m");
            ft::forget_bound(w);
        }
    });
    ft::check_no_failure(ff);
    ft::check_quiescent("after rt_release_m");
}

TEST_CASE("a thread that exits from inside fn gives its M back" * doctest::timeout(120)) {
    ft::init();
    const int T = int(ft::scaled(4, 16, 64));
    needm_test::FirstFailure ff;
    ft::run_threads(T, ff, [](ft::Worker &w) {
        ft::checked_callback(w);
        ft::checked_callback(w, [](void *) {
#if defined(_WIN32)
            ExitThread(0);
#else
            pthread_exit(nullptr);
#endif
        });
        w.fail("the thread went on after exiting");
    });
    ft::check_no_failure(ff);
    ft::check_quiescent("after threads exited inside fn");
    // And the Ms they held work for the next threads.
    ft::run_threads(T, ff, [](ft::Worker &w) { ft::checked_callback(w); });
    ft::check_no_failure(ff);
    ft::check_quiescent("after the next threads");
}
}
