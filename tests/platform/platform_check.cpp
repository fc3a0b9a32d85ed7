// Platform self-check of a cell: the program proves where it really runs and
// fails when that is not what the cell promises (NEEDM_EXPECT_RUNNER: qemu,
// native or wine, set from the cell's preset). It catches a cell that silently
// runs x86-64 code, runs natively when it should be emulated, or the reverse.
#include <doctest.h>

#include "platform_probe.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

std::string env(const char *name) {
    const char *v = std::getenv(name);
    return v ? v : "";
}

const needm_platform::Observed &observed() {
    static const needm_platform::Observed o = [] {
        auto ob = needm_platform::observe();
        std::printf("needm platform: cell=%s expects=%s observed: %s\n", env("NEEDM_CELL").c_str(),
                    env("NEEDM_EXPECT_RUNNER").c_str(), needm_platform::describe(ob).c_str());
        std::fflush(stdout);
        return ob;
    }();
    return o;
}

// The OS a runner implies: qemu-i386 and native runs are Linux, Wine is Windows.
std::string os_of(const std::string &runner) {
    if (runner == "qemu" || runner == "native") return "linux";
    if (runner == "wine" || runner == "windows") return "windows";
    return "";
}

} // namespace

TEST_SUITE("platform") {

TEST_CASE("the program is i386 code" * doctest::description("sizeof(void*) == 4 and the compiler's __i386__")) {
    const auto &o = observed();
    CHECK_MESSAGE(o.pointer_bits == 32, "pointers are ", o.pointer_bits,
                  " bits: this cell built the program for another architecture (x86-64?), not i386");
    CHECK_MESSAGE(o.i386_code, "the compiler did not define __i386__: the cell's compiler is not an i386 one");
}

TEST_CASE("the cell says where its programs run" * doctest::description("NEEDM_EXPECT_RUNNER is qemu, native or wine")) {
    const std::string expect = env("NEEDM_EXPECT_RUNNER");
    CHECK_MESSAGE(!os_of(expect).empty(), "NEEDM_EXPECT_RUNNER is '", expect,
                  "': the cell's preset must set it to qemu, native or wine (ctest passes it on)");
}

TEST_CASE("the program runs on the OS the cell names" * doctest::description("Linux for qemu/native, Windows for wine")) {
    const auto &o = observed();
    const std::string expect = env("NEEDM_EXPECT_RUNNER");
    if (os_of(expect).empty()) return;  // reported by the case above
    CHECK_MESSAGE(o.os == os_of(expect), "cell ", env("NEEDM_CELL"), " expects ", os_of(expect), " but the program runs on ",
                  o.os);
}

TEST_CASE("the program runs where the cell says" * doctest::description("observed qemu/native/wine == NEEDM_EXPECT_RUNNER")) {
    const auto &o = observed();
    const std::string expect = env("NEEDM_EXPECT_RUNNER");
    if (os_of(expect).empty()) return;  // reported above
    CHECK_MESSAGE(o.runner == expect, "cell ", env("NEEDM_CELL"), " expects its programs to run under '", expect,
                  "' but this one runs under '", o.runner, "' (", o.evidence,
                  "): the cell's emulator setting does not match NEEDM_EXPECT_RUNNER");
}

} // TEST_SUITE
