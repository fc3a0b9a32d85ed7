// Corruption detected inside the runtime ends the process with one line that
// names the invariant, the thread and the M. This program corrupts an M on
// purpose (as a runtime bug or a stray write would) and must die with that
// line; CTest checks it (PASS_REGULAR_EXPRESSION), one case per argument:
//   owner    fn overwrites its M's owner word  -> "M used by a thread that does not own it"
//   tls_g    fn points its M's current G at g0 -> "callback body not on curg"
//   magic    fn breaks the M's magic, then calls back in place -> "not an M (bad magic)"
#include <needm/rt.h>

#include "rt_internal.hpp"

#include <cstdio>
#include <cstring>

int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "";
    if (rt_init(nullptr) != RT_OK) return 2;
    void (*fn)(void *) = nullptr;
    if (std::strcmp(what, "owner") == 0) {
        fn = [](void *) { rt::current_m()->owner = 0x1234; };
    } else if (std::strcmp(what, "tls_g") == 0) {
        fn = [](void *) {
            rt::M *m = rt::current_m();
            m->tls_g = m->g0;  // the body finds itself on curg with the TLS saying g0
        };
    } else if (std::strcmp(what, "magic") == 0) {
        fn = [](void *) {
            rt::current_m()->magic = 0;
            rt_callback([](void *) {}, nullptr, 0);  // in place: the M is checked first
        };
    } else {
        std::fprintf(stderr, "usage: fatal_report owner|tls_g|magic\n");
        return 2;
    }
    rt_callback(fn, nullptr, 0);
    std::puts("fatal_report: the runtime did not notice the corruption");
    return 0;
}
