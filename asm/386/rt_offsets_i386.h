/*
 * Layout of the runtime records that asm/386 reads and writes.
 * Shared by the .S files and by src/rt_internal.hpp, which static_asserts every
 * offset below against the C++ structs: change both together.
 *
 *   struct G (32 bytes): one stack and where it was left
 *   +------------+------------+------------+------------+
 *   | stack_lo   | stack_hi   | sched_sp   | m          |  0 .. 15
 *   +------------+------------+------------+------------+
 *   | tib_except | tib_base   | tib_limit  | id         | 16 .. 31
 *   +------------+------------+------------+------------+
 *   stack_lo/hi: usable bytes [lo, hi); sched_sp: the SP to resume this G at
 *   while it is not running; tib_*: Windows only, the TEB's ExceptionList,
 *   StackBase and StackLimit that belong to this G while it is not running.
 *
 *   struct M (192 bytes, 64-byte aligned): a runtime thread record
 *   +------------+------------+------------+------------+
 *   | tls_g      | tls_m      | g0         | curg       |  0 .. 15   <- Windows TLS slot points here
 *   +------------+------------+------------+------------+
 *   | id         | flags      | in_user    | owner      | 16 .. 31
 *   +------------+------------+------------+------------+
 *   | next_free  | all_next   | magic      | prev_slot  | 32 .. 47
 *   +------------+------------+------------+------------+
 *   | ...        C++ only from here on                    48 .. 191
 *   tls_g/tls_m: Windows: the current (g, m) of the thread that holds this M
 *   (Linux keeps them in the thread's own ELF TLS block instead);
 *   in_user: 1 while a callback of this M runs user code (stop-the-world reads it);
 *   prev_slot: Windows arbitrary mode, the value FS:0x14 held before needm.
 */
#ifndef NEEDM_RT_OFFSETS_I386_H
#define NEEDM_RT_OFFSETS_I386_H

#define G_stack_lo    0
#define G_stack_hi    4
#define G_sched_sp    8
#define G_m           12
#define G_tib_except  16
#define G_tib_base    20
#define G_tib_limit   24
#define G_id          28
#define G_SIZE        32

#define M_tls_g       0
#define M_tls_m       4
#define M_g0          8
#define M_curg        12
#define M_id          16
#define M_flags       20
#define M_in_user     24
#define M_owner       28
#define M_next_free   32
#define M_all_next    36
#define M_magic       40
#define M_prev_slot   44
#define M_SIZE        192

/* The TLS slot of every OS holds one word: the thread's M, or 0 (no M). The
 * current G is m->tls_g. Linux: the ELF static TLS word rt_tls_m (%gs); Windows:
 * FS:0x14 (arbitrary) or the TlsAlloc slot (tlsalloc). One word means one store
 * installs or clears it: a signal never sees half of a (g, m) pair. */

/* Windows i386 TEB fields (NT_TIB and beyond), read through %fs */
#define TEB_ExceptionList        0x00
#define TEB_StackBase            0x04
#define TEB_StackLimit           0x08
#define TEB_ArbitraryUserPointer 0x14
#define TEB_Self                 0x18
#define TEB_ThreadId             0x24
#define TEB_DeallocationStack    0xE0C
#define TEB_TlsSlots             0xE10
#define TEB_TlsExpansionSlots    0xF94
#define TEB_TLS_SLOTS            64

/* Values the asm returns (mirror of include/needm/rt.h) */
#define RTA_OK          0
#define RTA_EINVAL      (-1)
#define RTA_ESTATE      (-2)
#define RTA_EREENTRANT  (-4)
#define RTA_ENOMEM      (-5)
#define RTA_MAX_FRAME   (64 * 1024)

/* M::in_user: 0 out of user code, 1 in user code (the stop flag was read
 * clear after the store), 2 at the gate (stored, flag not read yet) */
#define IN_USER_OUT     0
#define IN_USER_IN      1
#define IN_USER_GATE    2

/* Bytes reserved at the top of each new curg frame: the slot that keeps the
 * outer curg.sched_sp (and on Windows the outer curg.tib_except). */
#define CURG_SLOT       16
/* rt_callback's local on the g0 frame: the result of the body */
#define CB_RESULT       (-16)

#endif
