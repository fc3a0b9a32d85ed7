/*
 * extram.pml: the extra-M protocol of needm (src/extram.cpp, src/callback.cpp,
 * src/runtime.cpp, asm/386/callback_i386_sysv_elf_gas.S) as a Promela model for
 * spin. docs/model.md says what is modelled, what is abstracted and why, maps the
 * steps to the code and lists what spin proved and found; models/check.sh runs it.
 *
 * Processes
 *   Thread(t), t < NT   a foreign thread: one callback with an empty TLS slot
 *                       (rt_needm, body, rt_dropm, in callback_steps.pml); before
 *                       any step of it a signal may arrive (NSIG per thread, for
 *                       the first NSIGT threads): the thread then waits while
 *                       its handler runs a callback of its own to the end;
 *   Handler(t)          that signal handler: the callback rt_callback makes for
 *                       the thread's TLS state at the interruption;
 *   Stopper             a runtime thread: rt_stop_the_world, rt_start_the_world
 *                       (NSTOP times);
 *   init                makes PREALLOC Ms, starts the others, waits until all
 *                       have ended, then checks that no M is lost.
 *
 * Configuration (cpp macros: spin -DNAME=VALUE -a extram.pml)
 *   NT 3, NSIG 1, NSIGT NT, NSTOP 1, PREALLOC 1 (extra_m_prealloc: the default),
 *   CAP 0 (extra_m_max, 0 = no cap: the default), MAXM 10 (room for M records;
 *   running out is an assertion failure, never a silent bound).
 * The defaults are the code as it is, with the fixes of issues A-D (docs/model.md,
 * "Issues the model found, now fixed"). Each old behaviour can be switched back on;
 * each is a negative-control row of models/check.sh and must be found broken:
 *   OLD_ALLOC_GATE      A: signals are not blocked inside needm_slow's allocation gate
 *   OLD_REENTRANT_GATE  B: in_user is 0/1 only (no GATE value); a handler's in-place
 *                       callback that finds 1 skips the gate
 *   OLD_CAP_WAIT        C: no list depth: a handler whose thread is inside rt_needm or
 *                       give_back sleeps at the cap like any callback
 *   OLD_SPARE_FLAG      D: extram_grow_for_spare without the second look (commit c334c9b)
 * The spare:
 *   SPARE_CHECK 0       do not check property (S)
 *   SPARE_ALWAYS        extram_grow_for_spare as before commit c334c9b (no flag)
 * Negative controls of the list itself (each must be found broken)
 *   ABA_PLAIN_CAS       (a) the pop's CAS compares the pointer only (NEEDM_DEFECT_ABA_PLAIN_CAS)
 *   GO_LOCKED_LIST      (b) Go 1.1's list: head swapped with a LOCKED sentinel, no signal blocking
 *   NO_GROW             (c) no spare when the last M is taken (NEEDM_DEFECT_NO_GROW);
 *                       needm_slow still grows its own M
 *   NO_END_CHECK        leaves out the end-of-run check, so that (a) reports its first
 *                       double lease rather than the corrupted list it also leaves
 */

#ifndef NT
#define NT 3
#endif
#ifndef NSIG
#define NSIG 1
#endif
#ifndef NSTOP
#define NSTOP 1
#endif
#ifndef NSIGT
#define NSIGT NT
#endif
#ifndef PREALLOC
#define PREALLOC 1
#endif
#ifndef CAP
#define CAP 0
#endif
#ifndef MAXM
#define MAXM 10
#endif
#ifndef OLD_ALLOC_GATE
#define OLD_ALLOC_GATE 0
#endif
#ifndef OLD_REENTRANT_GATE
#define OLD_REENTRANT_GATE 0
#endif
#ifndef OLD_CAP_WAIT
#define OLD_CAP_WAIT 0
#endif
#ifndef OLD_SPARE_FLAG
#define OLD_SPARE_FLAG 0
#endif
#ifndef NO_END_CHECK
#define NO_END_CHECK 0
#endif
#ifndef SPARE_CHECK
#define SPARE_CHECK 1
#endif
#ifndef SPARE_ALWAYS
#define SPARE_ALWAYS 0
#endif
#ifndef ABA_PLAIN_CAS
#define ABA_PLAIN_CAS 0
#endif
#ifndef GO_LOCKED_LIST
#define GO_LOCKED_LIST 0
#endif
#ifndef NO_GROW
#define NO_GROW 0
#endif

#define NIL 0            /* nullptr; Ms are 1 .. MAXM-1 */
#define LOCKED 255       /* Go 1.1's sentinel head (control b) */
#define AT_CAP (CAP != 0 && extra_total >= CAP)

/* M::in_user (IN_USER_OUT / _IN / _GATE, asm/386/rt_offsets_i386.h): OUT out of user code, IN in
   user code, GATE counted but the stop flag not read yet. The stopper waits for OUT. Issue
   B's old code had no GATE: gate_enter's xchg stored IN (1) at once. */
#define IN_OUT 0
#define IN_IN 1
#if OLD_REENTRANT_GATE
#define IN_GATE IN_IN
#else
#define IN_GATE 2
#endif

/* ---- the runtime's shared state ------------------------------------------------------ */
byte head_ptr;                 /* g_extra_head, low word: the top M */
byte hsnap;                    /* g_extra_head, high word: the tag (see TAG_READ in callback_steps.pml) */
byte next_free[MAXM];          /* M::next_free */
byte owner[MAXM];              /* M::owner: 0 free, else the owner word of thread t: t + 1 */
byte in_user[MAXM];            /* M::in_user: IN_OUT, IN_IN, IN_GATE */
byte extra_total;              /* g_rt.extra_total */
byte nms;                      /* Ms made (g_rt.all_ms holds Ms 1 .. nms) */
bit world_stopping;            /* rt_world_stopping */
byte allocating;               /* g_allocating */
bit growing;                   /* extram_grow_for_spare's flag: a spare is being made */
#if CAP
byte waiters;                  /* g_waiters */
byte fsleep;                   /* futex on the tag word: bit 2t (thread t) / 2t+1 (its handler) asleep */
#endif

/* ---- ghost state: what the properties talk about, never read by the protocol -------- */
byte nfree;                    /* Ms on the list (pushes - pops) */
byte ninuse;                   /* Ms claimed (owner != 0) */
byte nowed;                    /* spare obligations not ended yet: pops of the last M whose
                                  callback has not seen the list refilled (nor the cap) */
byte gowed;                    /* of those, the ones handed to the holder of `growing`
                                  (part of nowed; the holder takes them when it lets go) */
bit stopped;                   /* the stopper has seen every M out of user code */
byte nended;                   /* Thread, Handler and Stopper processes that have ended */
bit done;                      /* every process has ended and init checked the end state */

/* newm: a fresh M, in all_ms (src/extram.cpp:225-255 newm [all_ms.compare_exchange_weak]); one
   step: the record is the maker's until the all_ms push publishes it (its fields start at 0:
   the model never reuses an index) */
inline newm(nm) {
    atomic {
        nms++; assert(nms < MAXM);                   /* the model's room, not the code's */
        nm = nms;
        assert(!stopped);                            /* no M is made while the world is stopped */
        assert(CAP == 0 || extra_total <= CAP + NSIGT * NSIG)  /* past the cap: one M per interrupted thread at most */
    }
}

/*
 * What a signal handler sees of the thread it interrupts: the thread's TLS state, the
 * M it holds and that M's grow_pending and spare obligation. The thread copies them here
 * when the signal arrives and takes grow_pending and the obligation back when the
 * handler is done (a nested body on the same M may consume them); in between they are
 * the thread's locals, so its steps on them stay private to it.
 *   tls 0  slot empty                 -> the handler's callback is a whole one: needm, body, dropm
 *   tls 1  slot = M, tls_g = g0       -> the body nested on the same M, no needm
 *                                        (asm/386/callback_i386_sysv_elf_gas.S:82-85 rt_callback [.Lcb_have_m])
 *   tls 3  tls_g = curg, SP on curg   -> fn in place (h_reentrant)
 * tls_g = curg with SP still on g0 lasts one instruction each way; a handler there gets
 * RT_EREENTRANT and runs nothing (src/callback.cpp:209 rt_callback_reentrant [RT_EREENTRANT]):
 * the same as no signal, so the model has no such state.
 */
byte xtls[NT];
byte xm[NT];
bit xgp[NT];
byte xowes[NT];
bit xdep[NT];                  /* the thread's rt_list_depth is 1: inside rt_needm (before its
                                  list_depth_exit) or give_back (cap only: elsewhere it changes
                                  nothing, and the model keeps it 0) */
/*
 * The signal: 0 none, 1 the handler runs (thread t waits: a handler runs to its end on the
 * thread it interrupted), 2 thread t has ended (no more signals).
 */
byte hrun[NT];

/* The signal handler's callback: the same code without signal points. */
#define P(x) h_##x
#define SIG(S) S
#define SIGX(S) S
#define SIGU(S) S
#define SETTLS(v)
#define SETDEP(v)
#define SEP_IN 0
/* the handler's rt_list_depth is 2 when its thread's is 1: src/extram.cpp:163 needm_slow [list_depth_nested()] */
#if OLD_CAP_WAIT
#define PASTCAP 0
#else
#define PASTCAP (xdep[t] != 0)
#endif
#define h_me (2 * t + 1)
#include "callback_steps.pml"
#undef P
#undef SIG
#undef SIGX
#undef SIGU
#undef SETTLS
#undef SETDEP
#undef SEP_IN
#undef PASTCAP

#if NSTOP
/* The handler's callback on a thread whose slot already holds the M with tls_g = curg and
   SP on curg (src/callback.cpp:201-220 rt_callback_reentrant [rt_callback_reentrant]): fn runs
   in place. in_user IN: the interrupted code runs user code, fn runs like a call. OUT or GATE:
   the handler passes the gate itself, runs fn and puts back what it found (GATE: the
   interrupted gate_enter then reads the flag itself). */
inline h_reentrant(m) {
    /* src/callback.cpp:215-216 rt_callback_reentrant [if (prev_in_user != IN_USER_IN) gate_enter(m)]
       src/callback.cpp:95 gate_enter [__atomic_exchange_n(&m->in_user, IN_USER_GATE]: the load of
       in_user is of a word only this thread (and its handler) writes, so it goes with the xchg */
    atomic {
        h_prev = in_user[m];
        if :: h_prev != IN_IN -> in_user[m] = IN_GATE :: else -> skip fi
    };
    if
    :: h_prev != IN_IN -> h_gate_check(m)
    :: else -> skip
    fi;
    /* src/callback.cpp:217 rt_callback_reentrant [run_fn] fn runs; then
       src/callback.cpp:218 rt_callback_reentrant [__atomic_store_n(&m->in_user, prev_in_user] */
    atomic {
        assert(!stopped);                            /* fn never runs in a stopped world */
        if :: h_prev != IN_IN -> in_user[m] = h_prev :: else -> skip fi;
        h_prev = 0
    }
}
#endif

/* The signal handler of thread t: when the thread is interrupted (hrun[t] = 1) it runs
   a callback, which takes the path rt_callback takes for the thread's TLS state. */
proctype Handler(byte t) {
    byte h_m, h_optr, h_nxt, h_nm, h_t, h_prev, h_owes;
    bit h_ok, h_r, h_st, h_gp;
    do
    :: hrun[t] == 1 ->
       if
       :: xtls[t] == 0 -> h_callback()
       :: xtls[t] == 1 -> h_body(xm[t], xgp[t], xowes[t])
#if NSTOP
       :: xtls[t] == 3 -> h_reentrant(xm[t])
#else
       :: xtls[t] == 3 -> skip                       /* fn in place: nothing without a stopper */
#endif
       fi;
       hrun[t] = 0
    :: hrun[t] == 2 -> break
    od;
    nended++
}

/* The thread's own callback. SIG(S): a signal may arrive before step S; the thread then
   waits until its handler is done. */
#define P(x) o_##x
#if NSIG == 0
#define SIG(S) S
#else
#define SIG(S) \
    if \
    :: atomic { \
           sig_left > 0 -> sig_left--; \
           xtls[t] = tls; xm[t] = o_m; xgp[t] = o_gp; xowes[t] = o_owes; xdep[t] = o_dep; \
           hrun[t] = 1 \
       }; \
       atomic { \
           hrun[t] == 0 -> \
           o_gp = xgp[t]; o_owes = xowes[t]; \
           xtls[t] = 0; xm[t] = 0; xgp[t] = 0; xowes[t] = 0; xdep[t] = 0; \
           S \
       } \
    :: S \
    fi
#endif
/* src/callback.cpp:119 alloc_gate_enter [signals_block] to src/callback.cpp:129 alloc_gate_exit [signals_restore]: no signal inside the gate */
#if OLD_ALLOC_GATE
#define SIGX(S) SIG(S)
#else
#define SIGX(S) S
#endif
#if NSTOP
#define SIGU(S) SIG(S)
#else
#define SIGU(S) S
#endif
#define SETTLS(v) tls = v;
#if CAP
#define SETDEP(v) o_dep = v;
#else
#define SETDEP(v)
#endif
#define SEP_IN 1
#define PASTCAP 0
#define o_me (2 * t)
#include "callback_steps.pml"

proctype Thread(byte t) {
    byte sig_left = (t < NSIGT -> NSIG : 0);
    byte tls;                                        /* 0, 1 or 3: see xtls */
    byte o_m, o_optr, o_nxt, o_nm, o_t, o_prev, o_owes;
    bit o_ok, o_r, o_st, o_gp, o_dep;

    o_callback();
    SIG(skip);                                       /* a signal after the callback, slot empty */
    atomic { hrun[t] = 2; nended++ }
}

proctype Stopper() {
    byte n = NSTOP, p;
    do
    :: n > 0 ->
       n--;
       /* src/runtime.cpp:190 rt_stop_the_world [__atomic_exchange_n(&rt_world_stopping, 1] */
       world_stopping = 1;
       /* src/runtime.cpp:191 rt_stop_the_world [allocating_now() != 0] waits for no allocation in
          progress; src/runtime.cpp:192 rt_stop_the_world [all_ms.load] then takes the list of Ms (an
          M made between the two is free and out of user code: the walk passes it either way) */
       atomic { allocating == 0 -> p = nms };
       /* src/runtime.cpp:192-193 rt_stop_the_world [spin_until_zero(&p->in_user)] each M, newest
          first; after the last one the world is stopped (ghost) */
       do
       :: atomic { in_user[p] == IN_OUT -> p--; if :: p == NIL -> stopped = 1; break :: else -> skip fi }
       od;
       /* src/runtime.cpp:203-204 rt_start_the_world [__atomic_store_n(&rt_world_stopping, 0] then
          wake_all: the world runs again */
       atomic { stopped = 0; world_stopping = 0 }
    :: else -> break
    od;
    nended++
}

init {
    byte i, p, cnt;
    int seen;
    /* src/runtime.cpp:142-150 rt_init [extra_m_prealloc] PREALLOC Ms, pushed one by one */
    atomic {
        i = 0;
        do
        :: i < PREALLOC ->
           i++; nms++; extra_total++; nfree++;
           next_free[nms] = head_ptr; head_ptr = nms
        :: else -> break
        od;
        i = 0
    }
    atomic {
        i = 0;
        do
        :: i < NT ->
           run Thread(i);
           if :: i < NSIGT && NSIG > 0 -> run Handler(i) :: else -> nended++ fi;
           i++
        :: else -> break
        od;
        i = 0;
        run Stopper()
    }
    /* quiescence: every other process has ended */
    (nended == 2 * NT + 1);
    /* property (2): no M lost. The list holds every M made, each once; none in use. */
#if !NO_END_CHECK
    atomic {
        p = head_ptr; cnt = 0; seen = 0;
        do
        :: p == NIL -> break
        :: else ->
           assert(p < MAXM && (seen & (1 << p)) == 0);   /* no M twice on the list, no cycle */
           seen = seen | (1 << p); cnt++; p = next_free[p]
        od;
        assert(cnt == nms && nms == extra_total);        /* free = total */
        assert(ninuse == 0 && nfree == cnt && nowed == 0 && gowed == 0);
        i = 1;
        do
        :: i <= nms -> assert(owner[i] == 0); i++
        :: else -> break
        od
    };
#endif
    done = 1
}

/* Property (4): every execution reaches the end of every process, so every callback that
   entered rt_needm got an M (and gave it back). pan -a, with no fairness assumption: a
   proof without one holds a fortiori under weak fairness. */
ltl getm { <> done }
