/* Uses an installed needm: rt_init, then rt_callback from a thread the runtime
 * did not create (pthread / CreateThread). Prints "use_needm: ok" on success. */
#include <needm/rt.h>
#include <stdio.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <pthread.h>
#endif

struct frame {
    int a, b, sum;          /* arguments and result */
    uint32_t m_inside;      /* rt_current_m() seen inside the callback */
    int extra_inside;       /* rt_current_m_is_extra() inside */
};

static void add(void *p) {
    struct frame *f = (struct frame *)p;
    f->sum = f->a + f->b;
    f->m_inside = rt_current_m();
    f->extra_inside = rt_current_m_is_extra();
}

static struct frame fr = {40, 2, 0, 0, 0};
static int cb_rc = 1;
static uint32_t m_after = 1234;

static void foreign_body(void) {
    cb_rc = rt_callback(add, &fr, sizeof fr);
    m_after = rt_current_m();   /* per-call binding: the M went back to the list */
}

#ifdef _WIN32
static DWORD WINAPI foreign(LPVOID arg) { (void)arg; foreign_body(); return 0; }
#else
static void *foreign(void *arg) { (void)arg; foreign_body(); return NULL; }
#endif

int main(void) {
    int rc = rt_init(NULL);
    if (rc != RT_OK) { printf("use_needm: rt_init: %s\n", rt_strerror(rc)); return 1; }
#ifdef _WIN32
    HANDLE h = CreateThread(NULL, 0, foreign, NULL, 0, NULL);
    if (!h) { printf("use_needm: CreateThread failed\n"); return 1; }
    WaitForSingleObject(h, INFINITE);
    CloseHandle(h);
#else
    pthread_t t;
    if (pthread_create(&t, NULL, foreign, NULL) != 0) { printf("use_needm: pthread_create failed\n"); return 1; }
    pthread_join(t, NULL);
#endif
    int failures = 0;
    if (cb_rc != RT_OK) { printf("use_needm: rt_callback: %s\n", rt_strerror(cb_rc)); ++failures; }
    if (fr.sum != 42) { printf("use_needm: callback result %d, not 42\n", fr.sum); ++failures; }
    if (fr.m_inside == 0) { printf("use_needm: no M inside the callback\n"); ++failures; }
    if (!fr.extra_inside) { printf("use_needm: the foreign thread's M is not an extra M\n"); ++failures; }
    if (m_after != 0) { printf("use_needm: the foreign thread still holds M %u after the callback\n", (unsigned)m_after); ++failures; }
    if (failures) return 1;
    printf("use_needm: ok (callback from a foreign thread ran on extra M %u, result %d)\n", (unsigned)fr.m_inside, fr.sum);
    return 0;
}
