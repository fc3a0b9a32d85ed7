#include "platform_probe.hpp"

#include <cpuid.h>
#include <cstring>

#ifdef _WIN32
#include <windows.h>
#else
#include <sys/auxv.h>
#include <sys/utsname.h>
#endif

namespace needm_platform {
namespace {

std::string cpu_brand() {
    unsigned regs[12] = {};
    unsigned max_ext = __get_cpuid_max(0x80000000u, nullptr);
    if (max_ext < 0x80000004u) return "";
    for (unsigned i = 0; i < 3; ++i)
        __get_cpuid(0x80000002u + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2], &regs[4 * i + 3]);
    char brand[49] = {};
    std::memcpy(brand, regs, 48);
    std::string s(brand);
    size_t b = s.find_first_not_of(' ');
    return b == std::string::npos ? "" : s.substr(b);
}

} // namespace

Observed observe() {
    Observed o;
    o.pointer_bits = unsigned(sizeof(void *) * 8);
#if defined(__i386__)
    o.i386_code = true;
#endif
    const std::string brand = cpu_brand();
    [[maybe_unused]] const bool qemu_brand = brand.find("QEMU") != std::string::npos;
#ifdef _WIN32
    o.os = "windows";
    HMODULE ntdll = GetModuleHandleA("ntdll.dll");
    typedef const char *(*wine_version_fn)(void);
    typedef void (*wine_host_fn)(const char **, const char **);
    auto wine_version = ntdll ? reinterpret_cast<wine_version_fn>(
                                    reinterpret_cast<void *>(GetProcAddress(ntdll, "wine_get_version")))
                              : nullptr;
    if (wine_version) {
        o.runner = "wine";
        o.evidence = std::string("ntdll exports wine_get_version: wine-") + wine_version();
        auto host = reinterpret_cast<wine_host_fn>(
            reinterpret_cast<void *>(GetProcAddress(ntdll, "wine_get_host_version")));
        if (host) {
            const char *sys = nullptr, *rel = nullptr;
            host(&sys, &rel);
            o.evidence += std::string(", host ") + (sys ? sys : "?") + " " + (rel ? rel : "?");
        }
    } else {
        o.runner = "windows";
        o.evidence = "ntdll has no wine_get_version";
    }
    o.evidence += ", CPUID '" + brand + "'";
#else
    struct utsname u;
    std::string machine = "?", sysname = "?";
    if (uname(&u) == 0) {
        machine = u.machine;
        sysname = u.sysname;
    }
    o.os = sysname == "Linux" ? "linux" : sysname;
    const bool vdso = getauxval(AT_SYSINFO_EHDR) != 0;
    // Either sign alone means qemu: qemu-i386 never maps a vDSO, and a real
    // CPU never names itself QEMU (qemu's -cpu models may hide the brand).
    o.runner = (!vdso || qemu_brand) ? "qemu" : "native";
    o.evidence = std::string(vdso ? "vDSO present" : "vDSO absent") + ", CPUID '" + brand + "', uname " + sysname +
                 " " + machine;
#endif
    return o;
}

std::string describe(const Observed &o) {
    return std::string(o.i386_code ? "i386" : "NOT i386") + " (" + std::to_string(o.pointer_bits) + "-bit pointers) " +
           o.os + " under " + o.runner + " (" + o.evidence + ")";
}

} // namespace needm_platform
