// Scenario 3: thousands of short-lived threads in waves. Extra Ms stay flat;
// memory and handles do not grow.
#include "ft.hpp"

TEST_SUITE("foreign_threads") {
TEST_CASE("churn: waves of short-lived threads; extra Ms, memory and handles stay flat" *
          doctest::timeout(900)) {
    ft::init(1);
    const int waves = int(ft::scaled(25, 100, 2000));
    const int per_wave = int(ft::scaled(40, 50, 50));
    uint32_t most = 0, ms_after_first = 0;
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
            ms_after_first = ft::stats().extra_total;
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
    // Thousands of threads later, memory grows only by the extra Ms made since
    // (a higher peak in a later wave; bounded above), each at most its G stack
    // plus a guard page and its record (Windows commits G stacks whole), plus
    // allocator noise: 1 MiB on Linux; 4 MiB on Windows, where the measure is
    // committed private memory and Wine's process heap, which its own thread
    // creation uses too, grows by sub-heaps of about 1 MiB (measured: steps of
    // 1.3 and 2.0 MiB at 1,000 and 5,000 threads alike, so not per thread).
    // A leak per thread of a G stack's size shows at any scale.
    const long per_m_kib = long(rt::g_rt.cfg.g_stack_bytes / 1024) + 8;
    const long new_ms = long(ft::stats().extra_total) - long(ms_after_first);
#if defined(_WIN32)
    const long noise_kib = 4096;
#else
    const long noise_kib = 1024;
#endif
    const long allowed = new_ms * per_m_kib + noise_kib;
    MESSAGE("memory growth " << mem_end - mem_after_first << " KiB; " << new_ms << " extra Ms made after the "
                             << "second wave account for up to " << new_ms * per_m_kib << " KiB");
    if (needm_test::under_qemu())
        MESSAGE("memory growth not asserted under qemu-i386: the process's resident set is the emulator's, "
                "translation cache included");
    else
        CHECK(mem_end - mem_after_first <= allowed);
    if (handles_after_first < 0 || handles_end < 0)
        MESSAGE("handle growth not asserted: this platform does not report a handle count (Wine's "
                "GetProcessHandleCount answers 0)");
    else
        CHECK(handles_end - handles_after_first <= 2);
    ft::check_quiescent("after the churn");
}
}
