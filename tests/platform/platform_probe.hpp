// Where does this program run? Observed from inside the process, never taken
// from the build configuration: the cell's tests compare it with what the cell
// expects (NEEDM_EXPECT_RUNNER) and fail on a mismatch.
#pragma once
#include <string>

namespace needm_platform {

struct Observed {
    unsigned pointer_bits = 0;  // sizeof(void *) * 8
    bool i386_code = false;     // compiled for i386 (__i386__), not x86-64
    std::string os;             // "linux" or "windows"
    std::string runner;         // "qemu", "native" (Linux), "wine", "windows" (real Windows)
    std::string evidence;       // the discriminators seen, for humans
};

// Linux: qemu-i386 user mode vs the kernel itself. Verified on Debian 12 for a
// static i386 ELF: natively the vDSO is mapped (AT_SYSINFO_EHDR) and CPUID shows
// the host's brand; qemu-i386 7.2 maps no vDSO and its CPUID brand reads
// "QEMU TCG CPU version 2.5+" (and uname's machine is i686, not x86_64).
// Windows: Wine's ntdll exports wine_get_version, Windows' does not.
Observed observe();

// One line: "i386 linux under qemu (vDSO absent, CPUID 'QEMU ...', uname i686)".
std::string describe(const Observed &o);

} // namespace needm_platform
