// Scenario 3: thousands of short-lived threads in waves. Extra Ms stay flat;
// memory and handles do not grow.
#include "ft.hpp"

TEST_SUITE("foreign_threads") {
TEST_CASE("churn: waves of short-lived threads; extra Ms, memory and handles stay flat" *
          doctest::timeout(900)) {
    ft::init(1);
    const int waves = int(ft::scaled(25, 100, 2000));
    const int per_wave = int(ft::scaled(40, 50, 50));
    uint32_t most = 0;
    long mem_after_first = 0, handles_after_first = 0;
    for (int wv = 0; wv < waves; wv++) {
        needm_test::FirstFailure ff;
        ft::run_threads(per_wave, ff, [](ft::Worker &w) {
            for (uint32_t i = 0; i <= w.index % 3; i++) ft::checked_callback(w);
        }, 64 * 1024);
        ft::check_no_failure(ff);
        if (ff.get()) break;
        if (wv == 1) {  // after two waves: the allocator and the thread-stack cache are warm
            mem_after_first = needm_test::memory_kib();
            handles_after_first = needm_test::handle_count();
        }
        // Flat: the extra Ms never outnumber what one wave can hold at once (+1),
        // however many threads came and went.
        uint32_t total = ft::stats().extra_total;
        if (total > most) most = total;
        if (total > uint32_t(per_wave) + 1) {
            FAIL_CHECK("wave " << wv << ": " << total << " extra Ms for waves of " << per_wave << " threads");
            break;
        }
    }
    long mem_end = needm_test::memory_kib(), handles_end = needm_test::handle_count();
    MESSAGE(waves * per_wave << " threads (" << ft::mode_name() << "): extra Ms at most " << most << ", now "
                             << ft::stats().extra_total << "; memory " << mem_after_first << " KiB -> " << mem_end
                             << " KiB; handles " << handles_after_first << " -> " << handles_end);
    // Thousands of threads later: no growth beyond allocator noise.
    if (needm_test::under_qemu())
        MESSAGE("memory growth not asserted under qemu-i386: the process's resident set is the emulator's, "
                "translation cache included");
    else
        CHECK(mem_end - mem_after_first < 2048);
    CHECK(handles_end - handles_after_first <= 2);
    ft::check_quiescent("after the churn");
}
}
