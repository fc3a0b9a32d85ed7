/* One program, four behaviours chosen by NEEDM_TEST_NAME (set by CTest):
 * passes, skips (exit 77 with a reason), fails (with a "needm: FAILED" line),
 * hangs (two threads spinning until CTest's timeout kills the process). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <windows.h>
#else
#include <pthread.h>
#endif

#ifdef _WIN32
static DWORD WINAPI spin(LPVOID a) { (void)a; for (;;) Sleep(0); return 0; }
#else
static void *spin(void *a) { (void)a; for (;;) {} return NULL; }
#endif

int main(void) {
    const char *t = getenv("NEEDM_TEST_NAME");
    const char *cell = getenv("NEEDM_CELL");
    if (!t) t = "passes";
    printf("mini: cell=%s test=%s\n", cell ? cell : "?", t);
    fflush(stdout);
    if (strcmp(t, "skips") == 0) {
        printf("SKIP: mini skips on purpose\n");
        return 77;
    }
    if (strcmp(t, "fails") == 0) {
        printf("needm: FAILED cell=%s test=fails case=\"on purpose\" seed=1; reproduce: NEEDM_SEED=1 %s mini\n",
               cell ? cell : "?", getenv("NEEDM_RUNNER_CMD") ? getenv("NEEDM_RUNNER_CMD") : "");
        return 1;
    }
    if (strcmp(t, "hangs") == 0) {
#ifdef _WIN32
        CreateThread(NULL, 0, spin, NULL, 0, NULL);
        for (;;) Sleep(1000);
#else
        pthread_t th;
        pthread_create(&th, NULL, spin, NULL);
        for (;;) {}
#endif
    }
    return 0;
}
