// A test DLL for the Windows TLS scenario: an export to call after loading it
// from inside a callback, and a DllMain that, when armed, calls back on
// DLL_THREAD_ATTACH and DLL_THREAD_DETACH (the loader lock is held there).
#include <windows.h>

#include <cstddef>

typedef int (*entry_fn)(void (*)(void *), void *, size_t);

static entry_fn volatile g_entry;
static void (*volatile g_fn)(void *);
static void *volatile g_arg;
static volatile LONG g_attach_ok, g_detach_ok, g_bad;

extern "C" __declspec(dllexport) int ftdll_answer(int x) { return 2 * x; }

extern "C" __declspec(dllexport) void ftdll_arm(entry_fn entry, void (*fn)(void *), void *arg) {
    g_fn = fn;
    g_arg = arg;
    g_attach_ok = g_detach_ok = g_bad = 0;
    g_entry = entry;
}

extern "C" __declspec(dllexport) void ftdll_disarm() { g_entry = nullptr; }

// which: 0 attach callbacks that returned RT_OK, 1 detach ones, 2 any other result
extern "C" __declspec(dllexport) LONG ftdll_count(int which) {
    return which == 0 ? g_attach_ok : which == 1 ? g_detach_ok : g_bad;
}

BOOL WINAPI DllMain(HINSTANCE, DWORD reason, LPVOID) {
    entry_fn e = g_entry;
    if (e != nullptr && (reason == DLL_THREAD_ATTACH || reason == DLL_THREAD_DETACH)) {
        int rc = e(g_fn, g_arg, 0);
        if (rc != 0) InterlockedIncrement(&g_bad);
        else InterlockedIncrement(reason == DLL_THREAD_ATTACH ? &g_attach_ok : &g_detach_ok);
    }
    return TRUE;
}
