/*
 * needm runtime: calls into a runtime from threads it did not create.
 *
 * A thread the runtime did not create (a C library's worker, a Win32 pool thread)
 * calls rt_callback(fn, frame, framesize). The runtime reads the thread's TLS
 * slot; with no M (runtime thread record) there, it borrows an "extra" M, runs fn
 * on that M's own stack (curg), and gives the M back (RT_BIND_PER_CALL) or keeps
 * it bound to the thread until the thread exits (RT_BIND_THREAD).
 *
 * All functions return RT_OK (0) or a negative RT_E* code; rt_strerror() names it.
 * The ABI is cdecl on i386 Linux (ELF) and i386 Windows (PE).
 */
#ifndef NEEDM_RT_H
#define NEEDM_RT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    RT_OK = 0,
    RT_EINVAL = -1,      /* a bad argument or configuration */
    RT_ESTATE = -2,      /* called in the wrong state (no runtime context, twice, ...) */
    RT_EEXCEPTION = -3,  /* a C++ exception escaped fn; caught at the runtime boundary */
    RT_EREENTRANT = -4,  /* re-entered from a signal handler where fn cannot run safely */
    RT_ENOMEM = -5       /* the runtime could not reserve memory for an M or a stack */
};

enum { RT_BIND_PER_CALL = 0, RT_BIND_THREAD = 1 };

/* Largest frame rt_callback accepts. */
#define RT_MAX_FRAME (64u * 1024u)

typedef struct rt_config {
    uint32_t extra_m_prealloc; /* extra Ms ready at init, >= 1; default 1 */
    uint32_t extra_m_max;      /* cap on extra Ms, 0 = no cap; at the cap needm waits */
    uint32_t g_stack_bytes;    /* stack of each G; default 64 KiB */
    int      bind_foreign;     /* RT_BIND_PER_CALL (default) or RT_BIND_THREAD */
} rt_config;

/* Fill *cfg with the defaults. */
void rt_config_default(rt_config *cfg);

/* Start the runtime; NULL means defaults. Once per process: a second call is
 * RT_ESTATE. Callbacks that arrived earlier wait for it, then run. */
int rt_init(const rt_config *cfg);

/* Run fn(frame) on the current M's G stack, from any thread. frame points at
 * framesize bytes (the call's arguments and results); it is passed to fn as is.
 * RT_EINVAL: fn NULL, frame NULL with framesize > 0, framesize > RT_MAX_FRAME.
 * RT_EEXCEPTION: a C++ exception escaped fn. RT_EREENTRANT: see docs/design.md. */
int rt_callback(void (*fn)(void *frame), void *frame, size_t framesize);

/* From runtime code (on a G stack): run fn(arg) on the thread's own stack (g0).
 * RT_ESTATE without runtime context. */
int rt_cgocall(void (*fn)(void *arg), void *arg);

/* Threads the runtime owns: they always have an M; fn runs on its G stack. */
typedef struct rt_thread rt_thread;
int rt_thread_create(rt_thread **out, void (*fn)(void *arg), void *arg);
int rt_thread_join(rt_thread *t);

/* From runtime code: wait until no callback runs user code, and keep it so (new
 * callbacks wait at entry, no M is allocated) until rt_start_the_world. */
int rt_stop_the_world(void);
int rt_start_the_world(void);

uint32_t rt_current_m(void);    /* id (> 0) of the M in this thread's TLS slot, 0 if none */
int rt_current_m_is_extra(void);
int rt_on_g_stack(void);        /* 1 when SP lies within the current G's stack */
int rt_release_m(void);         /* RT_BIND_THREAD: give this thread's M back now */

typedef struct rt_stats {
    uint32_t ms_total, extra_total, extra_free, extra_in_use;
    uint64_t needm_count, dropm_count, callback_count;
} rt_stats;
void rt_get_stats(rt_stats *out);

const char *rt_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif /* NEEDM_RT_H */
