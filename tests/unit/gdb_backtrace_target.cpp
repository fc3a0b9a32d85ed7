// The program gdb_backtrace.sh debugs: a foreign pthread calls back (argument
// "outer") or calls back, goes to C through rt_cgocall and calls back again
// ("nested"); the innermost fn stops at needm_gdb_stop_here.
#include <needm/rt.h>

#include <pthread.h>

#include <cstdio>
#include <cstring>

extern "C" __attribute__((noinline)) void needm_gdb_stop_here(int *p) {
    __asm__ volatile("" ::: "memory");
    *p += 1;
}
__attribute__((noinline)) void inner_fn(void *p) { needm_gdb_stop_here(static_cast<int *>(p)); }
__attribute__((noinline)) void c_code(void *p) {
    rt_callback(inner_fn, p, sizeof(int));
    __asm__ volatile("" ::: "memory");
}
__attribute__((noinline)) void outer_fn(void *p) {
    rt_cgocall(c_code, p);
    __asm__ volatile("" ::: "memory");
}
static bool g_nested = false;
__attribute__((noinline)) void foreign_caller_frame(int *v) {
    rt_callback(g_nested ? outer_fn : inner_fn, v, sizeof *v);
    __asm__ volatile("" ::: "memory");
}
void *foreign_thread_main(void *) {
    int v = 0;
    foreign_caller_frame(&v);
    std::printf("callback ran: %d\n", v);
    return nullptr;
}
int main(int argc, char **argv) {
    g_nested = argc > 1 && std::strcmp(argv[1], "nested") == 0;
    if (rt_init(nullptr) != RT_OK) return 1;
    pthread_t t;
    pthread_create(&t, nullptr, foreign_thread_main, nullptr);
    pthread_join(t, nullptr);
    return 0;
}
