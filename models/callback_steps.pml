/*
 * One callback of a foreign thread, step by step: rt_needm, the callback body,
 * rt_dropm. Included twice by extram.pml (the C preprocessor does it):
 *
 *   P(x)       o_x in the thread's own callback, h_x in its signal handler's;
 *   SIG(S)     step S, before which a signal may arrive (the thread's copy): the
 *              thread waits while its Handler process runs a callback to the end;
 *              just S in the handler's copy (nothing interrupts a handler);
 *   SIGX(S)    the same for a step inside needm_slow's allocation gate: just S,
 *              the code blocks signals there (SIG(S) with OLD_ALLOC_GATE);
 *   SIGU(S)    the same for a step where the thread is on curg (tls 3): there a
 *              handler only runs fn in place, which matters only to a stopper, so
 *              without one (NSTOP 0) the point is left out;
 *   SETTLS(v)  the thread's TLS state (see extram.pml), kept for the thread's own
 *              callback only: the handler's callback leaves the slot as it found it;
 *   SETDEP(v)  the thread's rt_list_depth (0 or 1; kept with a cap only);
 *   SEP_IN     1 in the thread's copy: gate_enter's store of IN is a step of its own
 *              (a signal before it finds GATE); 0 in the handler's, which nothing
 *              interrupts and whose GATE -> IN no other process tells apart;
 *   PASTCAP    needm_slow's new_extra ignores the cap (list_depth_nested(): a handler
 *              whose thread is inside rt_needm or give_back).
 *
 * A step is one atomic memory operation of the code that another thread can see
 * (a load, a store or a locked instruction on shared data). Operations on data no
 * other thread reads or writes at that time (locals, the TLS slot, fields of the
 * M the thread holds: grow_pending, owner while held) go with a neighbouring step;
 * they commute with every step of every other thread, so this loses no behaviour
 * (docs/model.md, "What is abstracted"). Ghost bookkeeping for the properties goes with
 * the step it describes.
 *
 * Every step names the code it models as FILE:LINES FUNCTION [text in those lines];
 * models/check.sh --refs-only checks each reference against the code.
 */

/* ---- claiming an M (src/extram.cpp:179-185 claim [M leased twice]) ----------------------
   The owner CAS 0 -> this thread, else the fatal "M leased twice": property (1). It
   goes with the step that hands the M to this callback (the pop's CAS, or newm). */
#define CLAIM(mm) \
    assert(owner[mm] == 0);  /* property (1): else the M is leased to another thread */ \
    owner[mm] = t + 1; \
    ninuse++

/* The pop's CAS took M mm, which was the last one when next is NIL:
   src/extram.cpp:111 extram_pop [took_last] and src/extram.cpp:389 rt_needm [grow_pending = 1]
   (grow_pending is a field of the M this thread now holds: a local of the callback, P(gp)). */
#if NO_GROW
#define TOOK(mm, last) \
    CLAIM(mm); \
    if :: last -> P(owes)++; nowed++ :: else -> skip fi
#else
#define TOOK(mm, last) \
    CLAIM(mm); \
    if :: last -> P(gp) = 1; P(owes)++; nowed++ :: else -> skip fi
#endif

/* ---- the extra-M list -------------------------------------------------------------- */

/* The head's tag, as the CASes use it: a CAS on {pointer, tag} succeeds only if no
   successful push or pop happened since the head was read (each adds 1 to the tag).
   The model keeps exactly that and not the number: bit P(me) of hsnap says "the head
   I read is still the head"; every tag increment clears all bits. (This is the tag
   with no wrap-around: the code's 32-bit tag wraps after 2^32 changes of the head
   while one pop waits between its read and its CAS.) */
#define TAG_READ hsnap = hsnap | (1 << P(me))
#define TAG_SAME ((hsnap & (1 << P(me))) != 0)
#define TAG_BUMP hsnap = 0
#define TAG_DROP hsnap = hsnap & ~(1 << P(me))

#if GO_LOCKED_LIST
/*
 * Negative control (b): Go 1.1's list (runtime/proc.go lockextra/unlockextra).
 * lockextra loads the head, spins while it is the sentinel LOCKED, swaps it for
 * LOCKED with a CAS; unlockextra stores the new head. No signal blocking. This
 * replaces src/extram.cpp:83-116 extram_pop [extram_pop] and
 * src/extram.cpp:268-277 extram_push [extram_push]. A spin is a wait (docs/model.md).
 */
inline P(lockextra)(old) {
    do
    :: SIG(old = head_ptr);                          /* atomic.Loaduintptr(&extram) */
       if
       :: old == LOCKED -> SIG((head_ptr != LOCKED)) /* osyield(); continue: spins while locked */
       :: else ->
          SIG(atomic {                               /* atomic.Casuintptr(&extram, old, locked) */
              if
              :: head_ptr == old -> head_ptr = LOCKED; P(ok) = 1
              :: else -> skip
              fi
          });
          if
          :: P(ok) -> P(ok) = 0; break
          :: else -> skip
          fi
       fi
    od
}

inline P(extram_pop)(m) {
    P(lockextra)(P(optr));
    if
    :: P(optr) == NIL -> SIG(head_ptr = NIL)         /* unlockextra(nil): empty */
    :: else ->
       SIG(P(nxt) = next_free[P(optr)]);             /* mp.schedlink */
       SIG(atomic {                                  /* unlockextra(mp.schedlink) */
           head_ptr = P(nxt); m = P(optr); nfree--;
           TOOK(m, P(nxt) == NIL);
           P(optr) = 0; P(nxt) = 0
       })
    fi
}

inline P(extram_push)(pm, unclaim) {
    P(lockextra)(P(optr));
    SIG(next_free[pm] = P(optr));                    /* mp.schedlink = old */
    SIG(atomic {                                     /* unlockextra(mp) */
        if :: unclaim -> assert(owner[pm] == t + 1); owner[pm] = 0; ninuse-- :: else -> skip fi;
        head_ptr = pm; nfree++; P(optr) = 0
    })
}

#else /* the code: a Treiber stack, head = {M*, tag}, changed only by cmpxchg8b */

inline P(extram_pop)(m) {
#if ABA_PLAIN_CAS
    /* src/extram.cpp:84 extram_pop [__atomic_load_n(&g_extra_head] */
    SIG(P(optr) = head_ptr);
    do
    :: P(optr) == NIL -> break                       /* src/extram.cpp:87 extram_pop [return nullptr] */
    :: else ->
       SIG(P(nxt) = next_free[P(optr)]);             /* src/extram.cpp:88 extram_pop [next_free] */
       /* src/extram.cpp:96-102 extram_pop [ptr_half] the defect: a 32-bit CAS on the pointer half;
          the tag is neither compared nor changed */
       SIG(atomic {
           if
           :: head_ptr == P(optr) ->
              head_ptr = P(nxt); m = P(optr); nfree--;
              TOOK(m, P(nxt) == NIL);
              P(optr) = 0
           :: else -> skip
           fi;
           P(nxt) = 0
       });
       if
       :: m != NIL -> break
       :: else -> SIG(P(optr) = head_ptr)           /* src/extram.cpp:103 extram_pop [old = __atomic_load_n] */
       fi
    od
#else
    /* src/extram.cpp:84 extram_pop [__atomic_load_n(&g_extra_head] then
       src/extram.cpp:88 extram_pop [next_free]: two loads, one step. If the head changes
       between them, the CAS below fails (the tag moved on) whatever next was read; if not,
       next reads the same value either way. No outcome needs the two apart. */
    SIG(atomic {
        P(optr) = head_ptr; TAG_READ;
        if :: P(optr) != NIL -> P(nxt) = next_free[P(optr)] :: else -> skip fi
    });
    do
    :: P(optr) == NIL -> TAG_DROP; break             /* src/extram.cpp:87 extram_pop [return nullptr] */
    :: else ->
       /* src/extram.cpp:109-113 extram_pop [pack(next, head_tag(old) + 1)] cmpxchg8b on pointer
          and tag. A failed CAS loads the current head into old, and the loop reads its next
          (src/extram.cpp:88 extram_pop [next_free]): one step, as above. */
       SIG(atomic {
           if
           :: head_ptr == P(optr) && TAG_SAME ->
              head_ptr = P(nxt); TAG_BUMP;
              m = P(optr); nfree--;
              next_free[m] = NIL;                    /* a dead value from here on (docs/model.md) */
              TOOK(m, P(nxt) == NIL);
              P(optr) = 0; P(nxt) = 0
           :: else ->
              P(optr) = head_ptr; TAG_READ;
              if :: P(optr) != NIL -> P(nxt) = next_free[P(optr)] :: else -> P(nxt) = 0 fi
           fi
       });
       if
       :: m != NIL -> break
       :: else -> skip
       fi
    od
#endif
}

/* unclaim = 1: rt_dropm's push, which follows src/extram.cpp:214 give_back [unclaim(m)]
   (src/extram.cpp:190 unclaim [compare_exchange]): the owner word is the M's own field
   until the push publishes it, so the release goes with the push. */
inline P(extram_push)(pm, unclaim) {
    /* src/extram.cpp:269-274 extram_push [pack(m, head_tag(old) + 1)] load the head, next_free = old,
       cmpxchg8b; again until it succeeds. A failed attempt changes only next_free of the M being
       pushed, which no pop that can still succeed reads (such a pop holds an old tag); so a
       push is its one successful CAS: one step. */
    SIG(atomic {
        if :: unclaim -> assert(owner[pm] == t + 1); owner[pm] = 0; ninuse-- :: else -> skip fi;
        next_free[pm] = head_ptr; head_ptr = pm; TAG_BUMP; nfree++
    });
#if CAP
    /* src/extram.cpp:276 extram_push [g_waiters.load] then os::wake_all(tag_word()) */
    SIG(P(st) = (waiters != 0));
    if
    :: P(st) != 0 -> P(st) = 0; SIG(fsleep = 0)
    :: else -> skip
    fi
#else
    skip                                             /* no cap: g_waiters stays 0 */
#endif
}
#endif /* GO_LOCKED_LIST */

/* ---- rt_needm ---------------------------------------------------------------------- */

inline P(needm_slow)(m) {
    do
    :: P(extram_pop)(m);                             /* src/extram.cpp:156 needm_slow [extram_pop(took_last)] */
       if
       :: m != NIL -> break
       :: else -> skip
       fi;
       /* src/extram.cpp:158 needm_slow [alloc_gate_enter] src/callback.cpp:120 alloc_gate_enter [g_allocating.fetch_add] */
       SIG(allocating++);
       /* src/callback.cpp:121 alloc_gate_enter [rt_world_stopping] */
       SIGX(P(st) = world_stopping);
       if
       :: P(st) ->
          P(st) = 0;
          SIGX(allocating--);                        /* src/callback.cpp:122 alloc_gate_enter [g_allocating.fetch_sub] */
          SIG((world_stopping == 0))                 /* src/extram.cpp:159 needm_slow [wait_world_running] */
       :: else ->
          /* src/extram.cpp:163 needm_slow [new_extra(&m, list_depth_nested())] */
#if CAP
          SIGX(P(t) = extra_total);                  /* src/extram.cpp:133 new_extra [extra_total.load] */
          do
          :: P(t) >= CAP && !PASTCAP -> P(r) = 1; P(t) = 0; break    /* src/extram.cpp:135 new_extra [t >= cap] */
          :: else ->
             /* src/extram.cpp:136 new_extra [compare_exchange_weak(t, t + 1] (failed: t = the count) */
             SIGX(atomic {
                 if
                 :: extra_total == P(t) -> extra_total++; P(ok) = 1
                 :: else -> P(t) = extra_total
                 fi
             });
             if
             :: P(ok) -> P(ok) = 0; P(t) = 0; break
             :: else -> skip
             fi
          od;
          if
          :: P(r) == 0 ->
             /* src/extram.cpp:137 new_extra [newm(M_EXTRA)] then src/extram.cpp:386 rt_needm [claim(m)]
                (a new M is seen by no other thread but the stopper, which reads only in_user) */
             SIGX(atomic { newm(m); CLAIM(m) })
          :: else -> skip
          fi;
#else
          /* src/extram.cpp:132-137 new_extra [compare_exchange_weak(t, t + 1] with no cap the loop is an
             increment of a count that only new_extra reads (to compare with the cap): it goes with
             newm (src/extram.cpp:137 new_extra [newm(M_EXTRA)]), and the claim with it
             (src/extram.cpp:386 rt_needm [claim(m)]: a new M is seen by no other thread but the
             stopper, which reads only in_user) */
          SIGX(atomic { extra_total++; P(r) = 0; newm(m); CLAIM(m) });
#endif
          SIGX(allocating--);                        /* src/extram.cpp:164 needm_slow [alloc_gate_exit] src/callback.cpp:128 alloc_gate_exit [fetch_sub] */
          if
          :: P(r) == 0 -> break                      /* src/extram.cpp:165-168 needm_slow [no spare owed] */
          :: else ->
             P(r) = 0;
#if CAP
             /* at the cap: sleep until a push changes the tag */
             SIG(waiters++);                         /* src/extram.cpp:172 needm_slow [g_waiters.fetch_add] */
             /* src/extram.cpp:173 needm_slow [__atomic_load_n(&g_extra_head] */
             SIG(atomic { P(optr) = head_ptr; TAG_READ });
             if
             :: P(optr) == NIL ->
                /* src/extram.cpp:174 needm_slow [os::wait(tag_word(), head_tag(h))] the futex
                   sleeps only if the tag is unchanged; extram_push's wake_all ends the sleep */
                SIG(atomic {
                    if
                    :: TAG_SAME -> fsleep = fsleep | (1 << P(me))
                    :: else -> skip
                    fi;
                    P(optr) = 0; TAG_DROP
                });
                SIG(((fsleep & (1 << P(me))) == 0))
             :: else -> P(optr) = 0; TAG_DROP
             fi;
             SIG(waiters--)                          /* src/extram.cpp:175 needm_slow [g_waiters.fetch_sub] */
#else
             assert(false)                           /* no cap: new_extra is never at the cap */
#endif
          fi
       fi
    od
}

/* src/extram.cpp:372-399 rt_needm [rt_needm]: the M comes back claimed (in the pop's CAS or newm). */
inline P(rt_needm)(m) {
#if CAP
    /* src/extram.cpp:374 rt_needm [list_depth_enter] a signal before it finds depth 0 (the pop's
       signal point, below, finds 1); without a cap the depth changes nothing */
    SIG(SETDEP(1) skip);
#endif
    P(extram_pop)(m);                                /* src/extram.cpp:376 rt_needm [extram_pop(&took_last)] */
    if
    :: m == NIL -> P(needm_slow)(m)                  /* src/extram.cpp:377-381 rt_needm [needm_slow] */
    :: else -> skip
    fi;
    /* src/extram.cpp:396 rt_needm [rt_setmg] asm/386/callback_i386_sysv_elf_gas.S:272 rt_setmg [SLOT]:
       the slot holds the M, tls_g = g0 */
    SIG(SETTLS(1) SETDEP(0) skip)                    /* and src/extram.cpp:397 rt_needm [list_depth_exit] */
}

/* ---- the callback body (on curg) ------------------------------------------------------ */

#if NSTOP
/* After the in_user = GATE exchange: read the stop flag; while it is set, leave user code
   and wait (gate_wait); once it reads clear, in_user = IN. gate_enter reads the flag and
   gate_wait reads it again before anything else: a read seen by no one, so the two are one
   step (the second read alone decides). The stopper's own callbacks
   (src/callback.cpp:76 gate_wait [g_stopper]) are not modelled: the Stopper makes none. */
inline P(gate_check)(m) {
    do
    :: /* src/callback.cpp:97 gate_enter [rt_world_stopping] src/callback.cpp:75 gate_wait [rt_world_stopping] */
#if SEP_IN && !OLD_REENTRANT_GATE
       /* with no signal left for this thread, GATE and IN are told apart by no one: the
          store of IN goes with the read */
       SIGU(atomic { P(st) = world_stopping; if :: P(st) == 0 && sig_left == 0 -> in_user[m] = IN_IN; P(ok) = 1 :: else -> skip fi });
#else
       SIGU(atomic { P(st) = world_stopping; if :: P(st) == 0 -> in_user[m] = IN_IN :: else -> skip fi });
#endif
       if
#if SEP_IN && !OLD_REENTRANT_GATE
       :: P(st) == 0 && P(ok) -> P(ok) = 0; break
       :: P(st) == 0 && !P(ok) ->
          /* src/callback.cpp:99 gate_enter [in_user, IN_USER_IN] a handler before this store finds GATE */
          SIGU(in_user[m] = IN_IN);
          break
#else
       :: P(st) == 0 -> break
#endif
       :: else ->
          P(st) = 0;
          SIGU(in_user[m] = IN_OUT);                 /* src/callback.cpp:77 gate_wait [in_user, IN_USER_OUT] */
          SIGU((world_stopping == 0));               /* src/callback.cpp:80 gate_wait [wait_world_running] */
          SIGU(in_user[m] = IN_GATE)                 /* src/callback.cpp:82 gate_wait [in_user, IN_USER_GATE] */
       fi
    od
}
#endif

/* The obligation of a pop that took the last M ends (ghost): owes is cleared and the
   spare invariant checked, free + owed >= 1 unless at the cap: property (S). */
#if SPARE_CHECK
#define SPARE_DONE(owes) \
    if :: owes > 0 -> nowed = nowed - owes; owes = 0 :: else -> skip fi; \
    assert(nfree + nowed >= 1 || AT_CAP)
#else
#define SPARE_DONE(owes) \
    if :: owes > 0 -> nowed = nowed - owes; owes = 0 :: else -> skip fi
#endif

/* new_extra and the push of the spare, by the holder of `growing` that found the list empty:
   P(r) = 1 at the cap (no spare), else the spare is made and pushed. No obligation ends here:
   the holder's end their obligations when it lets go of the flag (below). */
inline P(spare_make)() {
    /* src/extram.cpp:303 extram_grow_for_spare [new_extra(&m)] */
#if CAP
    SIGU(P(t) = extra_total);                        /* src/extram.cpp:133 new_extra [extra_total.load] */
    do
    :: P(t) >= CAP -> P(r) = 1; P(t) = 0; break      /* src/extram.cpp:135 new_extra [t >= cap] at the cap: no spare */
    :: else ->
       /* src/extram.cpp:136 new_extra [compare_exchange_weak(t, t + 1] */
       SIGU(atomic {
           if
           :: extra_total == P(t) -> extra_total++; P(ok) = 1
           :: else -> P(t) = extra_total
           fi
       });
       if
       :: P(ok) -> P(ok) = 0; P(t) = 0; break
       :: else -> skip
       fi
    od;
    if
    :: P(r) == 0 -> SIGU(newm(P(nm)))                /* src/extram.cpp:137 new_extra [newm(M_EXTRA)] */
    :: else -> skip
    fi;
#else
    /* src/extram.cpp:132-137 new_extra [compare_exchange_weak(t, t + 1] no cap: an increment only
       new_extra reads, with src/extram.cpp:137 new_extra [newm(M_EXTRA)] */
    SIGU(atomic { extra_total++; P(r) = 0; newm(P(nm)) });
#endif
    if
    :: P(r) == 0 ->
#if GO_LOCKED_LIST
       P(extram_push)(P(nm), 0);                     /* the spare, pushed under the lock */
       P(nm) = 0
#else
       /* src/extram.cpp:305 extram_grow_for_spare [extram_push(m)] (one step, as in extram_push) */
       SIGU(atomic {
           next_free[P(nm)] = head_ptr; head_ptr = P(nm); TAG_BUMP; nfree++;
           P(nm) = 0
       });
#if CAP
       /* src/extram.cpp:276 extram_push [g_waiters.load] then os::wake_all(tag_word()) */
       SIGU(P(st) = (waiters != 0));
       if
       :: P(st) != 0 -> P(st) = 0; SIGU(fsleep = 0)
       :: else -> skip
       fi;
#endif
       skip
#endif
    :: else -> skip
    fi
}

/* src/extram.cpp:292-314 extram_grow_for_spare [extram_grow_for_spare]: a spare only if the list
   is still empty and no other callback is making one (the growing flag); the holder of the
   flag looks again after letting go of it and goes round while the list is empty.
   The obligation (property (S), ghost): it ends when its callback sees the list non-empty;
   a callback that finds `growing` taken hands it to the holder (gowed), which takes every
   handed obligation when it lets go of the flag (a hand-over needs the flag held, so it
   always comes before that store) and ends them only at its own exit: a look that finds
   the list non-empty, or at the cap. With OLD_SPARE_FLAG (issue D) the holder returns right
   after letting go, and ends them there, whatever the list holds. */
inline P(grow_for_spare)(owes) {
#if SPARE_ALWAYS
    /* the spare as made before commit c334c9b: always (new_extra, then extram_push) */
    SIGU(atomic { extra_total++; P(r) = 0; newm(P(nm)) });
    SIGU(atomic {
        next_free[P(nm)] = head_ptr; head_ptr = P(nm); TAG_BUMP; nfree++;
        SPARE_DONE(owes);
        P(nm) = 0
    })
#else
    do
    :: /* src/extram.cpp:298 extram_grow_for_spare [while (head_ptr(__atomic_load_n(&g_extra_head] the list
          refilled: no spare (OLD_SPARE_FLAG: the first look only) */
       SIGU(atomic { P(st) = (head_ptr != NIL); if :: P(st) -> SPARE_DONE(owes) :: else -> skip fi });
       if
       :: P(st) -> P(st) = 0; break
       :: else -> skip
       fi;
       /* src/extram.cpp:299 extram_grow_for_spare [growing.exchange(1] taken: the holder looks again */
       SIGU(atomic { P(st) = growing; growing = 1; if :: P(st) -> gowed = gowed + owes; owes = 0 :: else -> skip fi });
       if
       :: P(st) -> P(st) = 0; break
       :: else -> skip
       fi;
       /* src/extram.cpp:302 extram_grow_for_spare [head_ptr(__atomic_load_n(&g_extra_head] empty still? */
       SIGU(P(st) = (head_ptr != NIL));
       if
       :: P(st) -> P(st) = 0
       :: else -> P(spare_make)()
       fi;
       /* src/extram.cpp:309 extram_grow_for_spare [growing.store(0] and the hand-overs; then
          src/extram.cpp:310 extram_grow_for_spare [if (r != Grow::ok) break] at the cap */
#if OLD_SPARE_FLAG
       SIGU(atomic { growing = 0; owes = owes + gowed; gowed = 0; SPARE_DONE(owes) });
       P(r) = 0;
       break
#else
       SIGU(atomic { growing = 0; owes = owes + gowed; gowed = 0; if :: P(r) -> SPARE_DONE(owes) :: else -> skip fi });
       if
       :: P(r) -> P(r) = 0; break
       :: else -> skip
       fi
#endif
    od
#endif
}

/* src/callback.cpp:183-199 rt_callback_body [rt_callback_body] on M m. gp and owes: the M's
   grow_pending and the ghost "this M owes a spare", locals of the callback that holds m
   (a nested body on the same M is passed the thread's own). */
inline P(body)(m, gp, owes) {
#if NSTOP
    /* src/callback.cpp:187 rt_callback_body [prev_in_user = m->in_user] (only this thread writes
       in_user) src/callback.cpp:189 rt_callback_body [gate_enter]
       src/callback.cpp:95 gate_enter [__atomic_exchange_n(&m->in_user, IN_USER_GATE]; the switch to
       curg before it (asm/386/callback_i386_sysv_elf_gas.S:100-101 rt_callback [M_tls_g(%ebx)]) */
    SIG(atomic { SETTLS(3) P(prev) = in_user[m]; in_user[m] = IN_GATE });
    P(gate_check)(m);
#else
    /* no stopper: in_user is read by no one and the stop flag stays 0; the gate is this
       thread's own business (asm/386/callback_i386_sysv_elf_gas.S:100-101 rt_callback [M_tls_g(%ebx)]) */
    SIG(SETTLS(3) skip);
#endif
    /* src/callback.cpp:190-193 rt_callback_body [extram_grow_for_spare] the spare, if this M owes one */
    if
    :: gp ->
       gp = 0;
#if !NO_GROW
       P(grow_for_spare)(owes)
#endif
    :: else -> skip
    fi;
#if NO_GROW
    /* src/extram.cpp:293-294 extram_grow_for_spare [DEFECT] grow_pending is never set: the body
       passes its growth step without a spare; the obligation ends here */
    atomic { SPARE_DONE(owes) };                    /* property (S) */
#endif
#if NSTOP
    /* src/callback.cpp:194 rt_callback_body [run_fn] src/callback.cpp:146 run_fn [fn(frame)] fn runs,
       then src/callback.cpp:196 rt_callback_body [prev_in_user] leaves user code; fn touches
       nothing of the protocol, so it is checked at its end, when the stopper may already have
       seen this M out of user code. Then the switch back to g0
       (asm/386/callback_i386_sysv_elf_gas.S:118-120 rt_callback [G_sched_sp(%esi), %esp]) */
    SIGU(atomic {
        assert(!stopped);                            /* fn never runs in a stopped world */
        in_user[m] = P(prev); P(prev) = 0;
        SETTLS(1) skip
    })
#else
    /* fn, leave user code, back to g0: this thread's own business without a stopper
       (asm/386/callback_i386_sysv_elf_gas.S:118-120 rt_callback [G_sched_sp(%esi), %esp]) */
    SETTLS(1) skip
#endif
}

/* ---- a whole callback from a thread whose slot is empty --------------------------------- */

inline P(callback)() {
    /* asm/386/callback_i386_sysv_elf_gas.S:68-70 rt_callback [SLOT] the slot is empty:
       asm/386/callback_i386_sysv_elf_gas.S:76 rt_callback [call rt_needm] */
    P(rt_needm)(P(m));
    /* asm/386/callback_i386_sysv_elf_gas.S:112 rt_callback [call rt_callback_body] */
    P(body)(P(m), P(gp), P(owes));
    /* asm/386/callback_i386_sysv_elf_gas.S:133 rt_callback [call rt_dropm]
       src/extram.cpp:413 rt_dropm [give_back(m)] src/extram.cpp:207 give_back [list_depth_enter]
       src/extram.cpp:210 give_back [clear_slot] src/extram.cpp:201 clear_slot [rt_setmg(nullptr, nullptr)]:
       the slot is empty, the depth 1 (a signal between the two finds tls 1: depth does not
       matter there) */
    SIG(SETTLS(0) SETDEP(1) skip);
    /* src/extram.cpp:214-216 give_back [extram_push(m)] unclaim, then the push */
    P(extram_push)(P(m), 1);
    /* src/extram.cpp:220 give_back [list_depth_exit] (a local store: with the step before) */
    SETDEP(0)
    P(m) = 0
}
