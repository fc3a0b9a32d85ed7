// The tlsalloc strategy with a TlsAlloc index beyond the TEB's 64 direct slots:
// the slot then lives in the thread's TlsExpansionSlots array, which a new
// thread does not have until its first store. (Own program: it uses up TLS
// indices before rt_init.) Worker threads record failures (FirstFailure) and the
// test thread asserts: doctest's CHECK_MESSAGE/INFO in a CreateThread thread
// hangs at thread exit under MinGW (docs/testing.md).
#include <doctest.h>
#include <needm/rt.h>

#include "foreign.hpp"
#include "rt_internal.hpp"
#include "support.hpp"

#include <windows.h>

#include <vector>

using namespace needm_test;


TEST_SUITE("unit") {

TEST_CASE("TlsAlloc index >= 64: the expansion slots work, also in threads that have none yet" *
          doctest::timeout(60)) {
#if defined(NEEDM_WIN_TLS_TLSALLOC)
    // Use up the TEB's 64 direct slots first, so rt_init's TlsAlloc lands beyond them.
    std::vector<DWORD> taken;
    for (;;) {
        DWORD i = TlsAlloc();
        REQUIRE(i != TLS_OUT_OF_INDEXES);
        taken.push_back(i);
        if (i >= 70) break;
    }
    REQUIRE(rt_init(nullptr) == RT_OK);
    MESSAGE("runtime TLS index: " << rt_tls_index);
    CHECK(rt_tls_index >= 64u);
    const int threads = 4;
    static std::atomic<int> ok;
    static FirstFailure ff;
    ok = 0;
    std::vector<Foreign *> ts;
    for (int i = 0; i < threads; i++)
        ts.push_back(spawn(thread_kinds()[size_t(i) % 2], [] {
            uintptr_t before = raw_tls_slot();  // no expansion array yet: reads 0
            for (int j = 0; j < 20; j++) {
                if (rt_callback([](void *) { ff.set(check_in_callback()); }, nullptr, 0) != RT_OK)
                    ff.set("rt_callback did not return RT_OK");
                if (raw_tls_slot() != before || before != 0)
                    ff.set("the expansion slot does not hold 0 again after a per-call callback");
            }
            ok++;
        }));
    for (Foreign *t : ts) join(t);
    CHECK_MESSAGE(ff.get() == nullptr, (ff.get() ? ff.get() : ""));
    CHECK(ok.load() == threads);
    for (DWORD i : taken) TlsFree(i);
#else
    skip("this cell keeps the M in FS:0x14 (arbitrary), not in a TlsAlloc slot");
    REQUIRE(rt_init(nullptr) == RT_OK);
#endif
}

}
