// The C++ side of the consumer: std::thread (MinGW's posix thread model) and
// thread_local, in a statically linked i386 program.
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#if !defined(__i386__)
#error "consumer.cpp must be compiled for i386 (the toolchain file picks the compiler)"
#endif
static_assert(sizeof(void *) == 4, "i386 has 4-byte pointers");

thread_local unsigned tls_value = 1;

int main() {
    std::atomic<unsigned> bad{0};
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < 4; ++t)
        threads.emplace_back([t, &bad] {
            if (tls_value != 1) ++bad;
            for (unsigned i = 0; i < 10000; ++i) tls_value += t;
            if (tls_value != 1 + 10000 * t) ++bad;
        });
    for (auto &th : threads) th.join();
    if (bad != 0 || tls_value != 1) {
        std::printf("consumer: %u thread_local mismatches (main's copy %u)\n", bad.load(), tls_value);
        return 1;
    }
    std::printf("consumer: ok (C++: 4 std::threads, thread_local)\n");
    return 0;
}
