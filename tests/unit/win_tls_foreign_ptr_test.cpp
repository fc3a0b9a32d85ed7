// A foreign thread whose FS:0x14 (TEB ArbitraryUserPointer) already holds
// someone else's pointer: arbitrary mode keeps it aside while the thread holds
// an M and puts it back; tlsalloc mode never touches it.
#include <doctest.h>
#include <needm/rt.h>

#include "foreign.hpp"
#include "rt_internal.hpp"
#include "support.hpp"

#include <windows.h>


using namespace needm_test;

namespace {
uintptr_t read_fs14() {
    uintptr_t v;
    __asm__ volatile("movl %%fs:0x14, %0" : "=r"(v));
    return v;
}
void write_fs14(uintptr_t v) { __asm__ volatile("movl %0, %%fs:0x14" ::"r"(v)); }
} // namespace

TEST_SUITE("unit") {

TEST_CASE("FS:0x14 already holding someone else's pointer: the callback runs and leaves it as it was" *
          doctest::timeout(60)) {
    static uintptr_t inside, after, in_fn_ok;
    REQUIRE(rt_init(nullptr) == RT_OK);
    Foreign *t = spawn(thread_kinds()[0], [] {
        const uintptr_t theirs = 0x7ff0ee00u;  // not one of ours: outside the M arena
        write_fs14(theirs);
        for (int j = 0; j < 5; j++) {
            CHECK(rt_callback([](void *) {
                inside = read_fs14();
                in_fn_ok = check_in_callback() == nullptr;
            }, nullptr, 0) == RT_OK);
            after = read_fs14();
            CHECK(after == theirs);
            CHECK(in_fn_ok == 1);
#if defined(NEEDM_WIN_TLS_ARBITRARY)
            CHECK(inside != theirs);          // our M was in the slot during the callback
            CHECK(inside >= rt_m_arena_lo);
            CHECK(inside < rt_m_arena_hi);
#else
            CHECK(inside == theirs);          // tlsalloc never touches FS:0x14
#endif
        }
        write_fs14(0);
    });
    join(t);
}

}
