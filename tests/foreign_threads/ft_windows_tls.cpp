// Scenario 9 (Windows): the TEB slot in both strategies (this program runs in
// both Windows cells): LoadLibrary from inside a callback (the loader writes
// FS:0x14 around mapping a DLL), a DLL whose DllMain calls back on thread
// attach/detach, thread-pool threads as foreign threads, and foreign threads
// whose FS:0x14 already holds someone else's pointer.
#include "ft.hpp"

#include <windows.h>

#include <chrono>
#include <thread>

namespace {
const char *const DLL = "needm_ft_dll.dll";
uintptr_t read_fs14() {
    uintptr_t v;
    __asm__ volatile("movl %%fs:0x14, %0" : "=r"(v));
    return v;
}
void write_fs14(uintptr_t v) { __asm__ volatile("movl %0, %%fs:0x14" ::"r"(v)); }

struct LoadFrame {
    ft::Worker *w;
    int answer;
};
void load_in_callback(void *p) {
    LoadFrame *f = static_cast<LoadFrame *>(p);
    HMODULE h = LoadLibraryA(DLL);
    if (!h) {
        f->w->fail("LoadLibrary of the test DLL failed inside a callback");
        return;
    }
    f->w->ff->set(needm_test::check_in_callback(), f->w->index);  // the loader put our slot back
    auto answer = reinterpret_cast<int (*)(int)>(reinterpret_cast<void *>(GetProcAddress(h, "ftdll_answer")));
    f->answer = answer ? answer(21) : -1;
    FreeLibrary(h);
    f->w->ff->set(needm_test::check_in_callback(), f->w->index);
}

needm_test::FirstFailure *g_dllmain_ff;
void dllmain_fn(void *) { g_dllmain_ff->set(needm_test::check_in_callback(), 999); }

bool wait_quiescent(int seconds) {
    for (int i = 0; i < seconds * 20; i++) {
        if (ft::stats().extra_in_use == 0) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}
} // namespace

TEST_SUITE("foreign_threads") {

TEST_CASE("windows: LoadLibrary of a DLL from inside a callback" * doctest::timeout(300)) {
    ft::init();
    MESSAGE("TLS slot: " << std::string(needm_test::tls_slot_name()) << ", mode " << ft::mode_name());
    needm_test::FirstFailure ff;
    ft::run_threads(int(ft::scaled(2, 4, 8)), ff, [](ft::Worker &w) {
        for (int i = 0; i < int(ft::scaled(10, 50, 500)); i++) {
            LoadFrame f{&w, 0};
            ft::checked_callback(w, load_in_callback, &f);
            if (f.answer != 42) w.fail("the DLL loaded inside a callback did not answer");
        }
    });
    ft::check_no_failure(ff);
    ft::check_quiescent("after LoadLibrary in callbacks");
}

TEST_CASE("windows: a DLL's DllMain calls back on thread attach and detach" * doctest::timeout(300)) {
    ft::init();
    HMODULE h = LoadLibraryA(DLL);
    REQUIRE(h != nullptr);
    auto arm = reinterpret_cast<void (*)(int (*)(void (*)(void *), void *, size_t), void (*)(void *), void *)>(
        reinterpret_cast<void *>(GetProcAddress(h, "ftdll_arm")));
    auto disarm = reinterpret_cast<void (*)()>(reinterpret_cast<void *>(GetProcAddress(h, "ftdll_disarm")));
    auto count = reinterpret_cast<LONG (*)(int)>(reinterpret_cast<void *>(GetProcAddress(h, "ftdll_count")));
    REQUIRE((arm && disarm && count));
    needm_test::FirstFailure ff;
    g_dllmain_ff = &ff;
    arm(&rt_callback, dllmain_fn, nullptr);
    const int T = int(ft::scaled(8, 32, 256));
    ft::run_threads(T, ff, [](ft::Worker &w) { ft::checked_callback(w); });
    disarm();
    ft::check_no_failure(ff);
    MESSAGE(T << " threads: DllMain callbacks: " << count(0) << " on attach, " << count(1) << " on detach, "
              << count(2) << " failed");
    CHECK(count(0) == T);
    CHECK(count(1) == T);
    CHECK(count(2) == 0);
    FreeLibrary(h);
    CHECK(wait_quiescent(10));
    ft::check_quiescent("after the DllMain callbacks");
}

TEST_CASE("windows: thread-pool threads as foreign threads" * doctest::timeout(300)) {
    ft::init();
    needm_test::FirstFailure ff;
    std::string why;
    const int items = int(ft::scaled(200, 2000, 50000));
    bool ran = needm_test::run_pool_items(items, [&ff](int i) {
        ft::Worker w;  // one per item: pool threads are reused, an item is not a thread
        w.index = uint32_t(i);
        w.ff = &ff;
        ft::checked_callback(w);
    }, &why);
    REQUIRE_MESSAGE(ran, why);
    ft::check_no_failure(ff);
    // Bound mode: pool threads keep their Ms until they exit after the pool closed.
    bool quiet = wait_quiescent(30);
    MESSAGE(items << " pool work items; extra Ms " << ft::stats().extra_total << "; all back: " << quiet);
    CHECK(quiet);
    ft::check_quiescent("after the pool closed");
}

TEST_CASE("windows: FS:0x14 holding someone else's pointer on many threads" * doctest::timeout(300)) {
    ft::init();
    needm_test::FirstFailure ff;
    ft::run_threads(int(ft::scaled(4, 8, 16)), ff, [](ft::Worker &w) {
        const uintptr_t theirs = 0x7ff00000u + 0x100u * w.index;  // outside the M arena
        write_fs14(theirs);
        for (int i = 0; i < int(ft::scaled(50, 500, 5000)); i++) {
            ft::checked_callback(w);
#if defined(NEEDM_WIN_TLS_ARBITRARY)
            uintptr_t now = read_fs14();
            if (ft::bound()) {
                if (now < rt_m_arena_lo || now >= rt_m_arena_hi) w.fail("bound: FS:0x14 does not hold the M");
            } else if (now != theirs) {
                w.fail("per-call: FS:0x14 did not get the other pointer back");
            }
#else
            if (read_fs14() != theirs) w.fail("tlsalloc mode changed FS:0x14");
#endif
        }
        if (ft::bound()) {
            if (rt_release_m() != RT_OK) w.fail("rt_release_m failed");
#if defined(NEEDM_WIN_TLS_ARBITRARY)
            if (read_fs14() != theirs) w.fail("bound: FS:0x14 did not get the other pointer back at rt_release_m");
#endif
        }
        write_fs14(0);
    });
    ft::check_no_failure(ff);
    ft::check_quiescent("after the foreign pointers");
}
}
