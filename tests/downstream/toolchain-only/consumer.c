/* A small i386 program: a thread, static TLS, and proof that it is i386 code.
 * Prints "consumer: ok" and exits 0 when every check holds. */
#include <stdio.h>

#if !defined(__i386__)
#error "consumer.c must be compiled for i386 (the toolchain file picks the compiler)"
#endif
_Static_assert(sizeof(void *) == 4, "i386 has 4-byte pointers");

#ifdef _WIN32
#include <windows.h>
#else
#include <pthread.h>
#endif

static _Thread_local int tls_counter = 100;  /* static TLS: one copy per thread */
static int worker_saw_initial = -1, worker_final = -1;

static void worker_body(void) {
    worker_saw_initial = tls_counter;       /* a new thread sees the initial value */
    for (int i = 0; i < 1000; ++i) tls_counter += 2;
    worker_final = tls_counter;
}

#ifdef _WIN32
static DWORD WINAPI worker(LPVOID arg) { (void)arg; worker_body(); return 0; }
#else
static void *worker(void *arg) { (void)arg; worker_body(); return NULL; }
#endif

int main(void) {
    int failures = 0;
    tls_counter = 7;  /* the main thread's copy only */
#ifdef _WIN32
    HANDLE h = CreateThread(NULL, 0, worker, NULL, 0, NULL);
    if (!h) { printf("consumer: CreateThread failed\n"); return 1; }
    WaitForSingleObject(h, INFINITE);
    CloseHandle(h);
#else
    pthread_t t;
    if (pthread_create(&t, NULL, worker, NULL) != 0) { printf("consumer: pthread_create failed\n"); return 1; }
    pthread_join(t, NULL);
#endif
    if (worker_saw_initial != 100) { printf("consumer: worker's TLS started at %d, not 100\n", worker_saw_initial); ++failures; }
    if (worker_final != 2100) { printf("consumer: worker's TLS ended at %d, not 2100\n", worker_final); ++failures; }
    if (tls_counter != 7) { printf("consumer: main's TLS changed to %d by the worker\n", tls_counter); ++failures; }
    if (sizeof(void *) != 4) { printf("consumer: %u-byte pointers\n", (unsigned)sizeof(void *)); ++failures; }
    if (failures) return 1;
    printf("consumer: ok (i386, %u-byte pointers, thread + static TLS)\n", (unsigned)sizeof(void *));
    return 0;
}
