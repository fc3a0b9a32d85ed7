/*
 * Foreign-thread callbacks for i386 Windows (cdecl, PE/COFF, GAS syntax).
 *
 * The same protocol as callback_i386_sysv_elf_gas.S (read that file's header
 * first), with two Windows differences:
 *
 * 1. The TLS slot lives in the TEB, reached through %fs, selected at build time:
 *    - arbitrary (NEEDM_WIN_TLS_ARBITRARY): FS:0x14, the TEB's
 *      ArbitraryUserPointer, holds a pointer to the M (whose first words are its
 *      TLS block {g, m}). A new thread reads 0 there. Others may write it too
 *      (the DLL loader does, around mapping a DLL): a value outside the range of
 *      M records counts as "no M"; rt_needm keeps it and rt_dropm puts it back.
 *    - tlsalloc (NEEDM_WIN_TLS_TLSALLOC): the slot of index rt_tls_index from
 *      TlsAlloc: FS:[0xE10 + 4*index] for index < 64, else the TEB's
 *      TlsExpansionSlots array (FS:0xF94; NULL until the thread first stores
 *      one, which reads as "no M"). Before rt_init the index is ~0: "no M",
 *      and rt_needm waits for rt_init.
 * 2. Each stack keeps its own TIB view: ExceptionList (FS:0), StackBase (FS:4)
 *    and StackLimit (FS:8) are switched with the stack, as SwitchToFiber does,
 *    so that SEH dispatch (which rejects records outside [StackLimit,
 *    StackBase)) works on curg, and the foreign thread's values come back on g0.
 *    g0's copies live in g0.tib_* while curg runs; curg's chain in curg.tib_except.
 *
 * C symbols carry a leading underscore in i386 PE.
 */
#include "rt_offsets_i386.h"

#define SYM(name) _##name

/* LOAD_M: %ebx = this thread's M, or 0. Clobbers eax, ecx. */
#if defined(NEEDM_WIN_TLS_ARBITRARY)
#if defined(NEEDM_DEFECT_WIN_NIL_TLS_SKIPPED)
/* DEFECT: the "slot is empty" branch is skipped; the slot is used as an M as is. */
#define LOAD_M                                       \
	movl %fs:TEB_ArbitraryUserPointer, %ebx;
#else
#define LOAD_M                                       \
	movl %fs:TEB_ArbitraryUserPointer, %ebx;         \
	testl %ebx, %ebx;                                \
	jz 8f;                                           \
	cmpl SYM(rt_m_arena_lo), %ebx;                   \
	jb 7f;                                           \
	cmpl SYM(rt_m_arena_hi), %ebx;                   \
	jb 8f;                                           \
7:	xorl %ebx, %ebx;  /* someone else's pointer */   \
8:
#endif
#define STORE_SLOT(reg) movl reg, %fs:TEB_ArbitraryUserPointer
#else /* tlsalloc */
#define LOAD_M                                       \
	movl SYM(rt_tls_index), %ecx;                    \
	cmpl $TEB_TLS_SLOTS, %ecx;                       \
	jae 7f;                                          \
	movl %fs:TEB_TlsSlots(,%ecx,4), %ebx;            \
	jmp 8f;                                          \
7:	xorl %ebx, %ebx;                                 \
	cmpl $-1, %ecx;                                  \
	je 8f;                                           \
	movl %fs:TEB_TlsExpansionSlots, %eax;            \
	testl %eax, %eax;                                \
	jz 8f;                                           \
	movl -4*TEB_TLS_SLOTS(%eax,%ecx,4), %ebx;        \
8:
#endif

#include "frame_i386_gas.inc"

	.text

/*
 * int rt_callback(void (*fn)(void *frame), void *frame, size_t framesize)
 *
 *   at entry:  4(%esp) fn    8(%esp) frame    12(%esp) framesize
 *   in body:   8(%ebp) fn   12(%ebp) frame    16(%ebp) framesize
 *              -16(%ebp): the body's result while the stacks are switched
 * Returns RT_* in %eax. Preserves ebx, esi, edi, ebp, esp (cdecl); clobbers
 * eax, ecx, edx, flags. Inside: ebx = M, esi = g0, edi = the M this call
 * borrowed through rt_needm (0: it found one in the slot).
 *
 *   foreign stack (g0)                      curg stack
 *   | framesize, frame, fn  | 16..8(%ebp)   +--------------------------+ <- S
 *   | return address        |               | outer S          (slot+0)| <- edx, 16-aligned
 *   | saved ebp             | <- ebp        | outer tib_except (slot+4)|
 *   | ebx, esi, edi, result |               +--------------------------+
 *   | outer g0.tib_except   |               | body's 4 arguments       | <- ESP at the call
 *   | outer g0.tib_base     |               | ... body, fn, nested frames
 *   | outer g0.tib_limit    |
 *   | outer g0.sched_sp     | <- g0.sched_sp
 */
	.globl SYM(rt_callback)
	.def SYM(rt_callback); .scl 2; .type 32; .endef
	.p2align 4
SYM(rt_callback):
	.cfi_startproc
	FRAME_ENTER
	subl $4, %esp                      /* the result slot, -16(%ebp) */

	cmpl $0, 8(%ebp)
	je .Lcb_einval
	movl 16(%ebp), %ecx
	cmpl $RTA_MAX_FRAME, %ecx
	ja .Lcb_einval
	testl %ecx, %ecx
	jz 1f
	cmpl $0, 12(%ebp)
	je .Lcb_einval
1:
	xorl %edi, %edi
	LOAD_M
#if !defined(NEEDM_DEFECT_WIN_NIL_TLS_SKIPPED)
	testl %ebx, %ebx
	jnz .Lcb_have_m
#else
	jmp .Lcb_have_m
#endif

	/* No M: borrow one (rt_needm runs on this foreign stack). */
	andl $-16, %esp
	call SYM(rt_needm)
	testl %eax, %eax
	jz .Lcb_enomem
	movl %eax, %ebx
	movl %eax, %edi

.Lcb_have_m:
	movl M_g0(%ebx), %esi
	cmpl M_tls_g(%ebx), %esi
	jne .Lcb_not_on_g0

	/* On g0: the foreign thread's TIB view goes into g0 (outer values saved). */
	pushl G_tib_except(%esi)
	pushl G_tib_base(%esi)
	pushl G_tib_limit(%esi)
	movl %fs:TEB_ExceptionList, %eax
	movl %eax, G_tib_except(%esi)
	movl %fs:TEB_StackBase, %eax
	movl %eax, G_tib_base(%esi)
	movl %fs:TEB_StackLimit, %eax
	movl %eax, G_tib_limit(%esi)
	pushl G_sched_sp(%esi)
	movl %esp, G_sched_sp(%esi)

	movl M_curg(%ebx), %ecx
	movl G_sched_sp(%ecx), %eax        /* eax = S */
	leal -CURG_SLOT(%eax), %edx
	andl $-16, %edx
	movl %edx, G_sched_sp(%ecx)
	movl %eax, (%edx)                  /* slot+0: outer curg.sched_sp */
	movl G_tib_except(%ecx), %eax
	movl %eax, 4(%edx)                 /* slot+4: outer curg.tib_except */
	/* curg's TIB view: its SEH chain (none at the first entry) and bounds. */
	movl %eax, %fs:TEB_ExceptionList
	movl G_stack_hi(%ecx), %eax
	movl %eax, %fs:TEB_StackBase
	movl G_stack_lo(%ecx), %eax
	movl %eax, %fs:TEB_StackLimit
	movl %ecx, M_tls_g(%ebx)           /* TLS says curg ... */
	movl %edx, %esp                    /* ... then SP is on curg */

	subl $16, %esp
	movl %ebx, 0(%esp)
	movl 8(%ebp), %eax
	movl %eax, 4(%esp)
	movl 12(%ebp), %eax
	movl %eax, 8(%esp)
	movl 16(%ebp), %eax
	movl %eax, 12(%esp)
	call SYM(rt_callback_body)
	movl %eax, CB_RESULT(%ebp)

	/* Back to g0: SP first, then the TIB view, then the TLS. */
	movl M_curg(%ebx), %ecx
	movl 16(%esp), %edx                /* slot+0 */
	movl 20(%esp), %eax                /* slot+4 */
	movl %eax, G_tib_except(%ecx)
	movl G_sched_sp(%esi), %esp
	movl %edx, G_sched_sp(%ecx)
	movl G_tib_except(%esi), %eax
	movl %eax, %fs:TEB_ExceptionList
	movl G_tib_base(%esi), %eax
	movl %eax, %fs:TEB_StackBase
	movl G_tib_limit(%esi), %eax
	movl %eax, %fs:TEB_StackLimit
	movl %esi, M_tls_g(%ebx)
#if defined(NEEDM_DEFECT_G0_SP_NOT_RESTORED)
	addl $4, %esp                      /* DEFECT: the outer g0.sched_sp is not restored */
#else
	popl G_sched_sp(%esi)
#endif
	popl G_tib_limit(%esi)
	popl G_tib_base(%esi)
	popl G_tib_except(%esi)

	testl %edi, %edi
	jz .Lcb_ret
	andl $-16, %esp
	subl $12, %esp
	pushl %edi
	call SYM(rt_dropm)
.Lcb_ret:
	movl CB_RESULT(%ebp), %eax
.Lcb_out:
	FRAME_LEAVE CALLBACK_KEEPS_EBX

.Lcb_not_on_g0:
	/* Already on curg without an rt_cgocall between: see the ELF file. */
	movl M_tls_g(%ebx), %ecx
	movl %esp, %edx
	andl $-16, %esp
	subl $8, %esp
	pushl %edx
	pushl 16(%ebp)
	pushl 12(%ebp)
	pushl 8(%ebp)
	pushl %ecx
	pushl %ebx
	call SYM(rt_callback_reentrant)
	jmp .Lcb_out
.Lcb_einval:
	movl $RTA_EINVAL, %eax
	jmp .Lcb_out
.Lcb_enomem:
	movl $RTA_ENOMEM, %eax
	jmp .Lcb_out
	.cfi_endproc

/*
 * int rt_cgocall(void (*fn)(void *arg), void *arg)
 *
 *   in body:   8(%ebp) fn   12(%ebp) arg
 * From runtime code on curg: run fn(arg) on g0 with the foreign thread's TIB
 * view, then come back. RT_OK, RT_EINVAL (fn NULL), RT_ESTATE (no runtime
 * context). Preserves ebx, esi, edi, ebp, esp; clobbers eax, ecx, edx, flags.
 * Inside: ebx = M, esi = curg, edi = g0.
 */
	.globl SYM(rt_cgocall)
	.def SYM(rt_cgocall); .scl 2; .type 32; .endef
	.p2align 4
SYM(rt_cgocall):
	.cfi_startproc
	/* Marked as a signal frame for debuggers: unwinding from C code on g0 into
	 * this frame goes from a higher stack to a lower one (curg), which gdb
	 * otherwise rejects as "previous frame inner to this frame". gdb shows
	 * this frame as "<signal handler called>". (rt_callback's switch goes the
	 * other way: G stacks are mapped below foreign stacks, see os_linux.cpp.) */
	.cfi_signal_frame
	FRAME_ENTER

	LOAD_M
	testl %ebx, %ebx
	jz .Lcg_estate
	movl M_curg(%ebx), %esi
	cmpl M_tls_g(%ebx), %esi
	jne .Lcg_estate
	cmpl G_stack_lo(%esi), %esp
	jb .Lcg_estate
	cmpl G_stack_hi(%esi), %esp
	jae .Lcg_estate
	cmpl $0, 8(%ebp)
	je .Lcg_einval
	movl M_g0(%ebx), %edi

	pushl G_sched_sp(%esi)
	pushl G_tib_except(%esi)
	pushl M_in_user(%ebx)
	movl $0, M_in_user(%ebx)           /* leave user code: the world may stop now */
	movl %fs:TEB_ExceptionList, %eax
	movl %eax, G_tib_except(%esi)      /* curg's SEH chain, back on return */
	movl %esp, G_sched_sp(%esi)
	movl G_sched_sp(%edi), %esp        /* SP on g0 */
	movl G_tib_except(%edi), %eax
	movl %eax, %fs:TEB_ExceptionList
	movl G_tib_base(%edi), %eax
	movl %eax, %fs:TEB_StackBase
	movl G_tib_limit(%edi), %eax
	movl %eax, %fs:TEB_StackLimit
	movl %edi, M_tls_g(%ebx)           /* TLS says g0 */

	andl $-16, %esp
	subl $12, %esp
	pushl 12(%ebp)
	call *8(%ebp)                      /* fn(arg): C on the thread's own stack */

	movl %esi, M_tls_g(%ebx)           /* TLS says curg ... */
	movl G_sched_sp(%esi), %esp        /* ... then SP is on curg */
	movl G_tib_except(%esi), %eax
	movl %eax, %fs:TEB_ExceptionList
	movl G_stack_hi(%esi), %eax
	movl %eax, %fs:TEB_StackBase
	movl G_stack_lo(%esi), %eax
	movl %eax, %fs:TEB_StackLimit
	popl %eax                          /* in_user as it was */
	popl G_tib_except(%esi)
	popl G_sched_sp(%esi)
	testl %eax, %eax
	jz .Lcg_ok
	/* Back into user code: the callback entry's gate. in_user = GATE, full
	 * fence (xchg), read the stop flag (Dekker with rt_stop_the_world), then
	 * in_user = IN; stopping: rt_gate_slow waits, then sets IN. */
	movl $IN_USER_GATE, %eax
	xchgl %eax, M_in_user(%ebx)
	cmpl $0, SYM(rt_world_stopping)
	jne .Lcg_gate_slow
	movl $IN_USER_IN, M_in_user(%ebx)
.Lcg_ok:
	xorl %eax, %eax
.Lcg_out:
	FRAME_LEAVE
.Lcg_gate_slow:
	andl $-16, %esp
	subl $12, %esp
	pushl %ebx
	call SYM(rt_gate_slow)
	jmp .Lcg_ok
.Lcg_estate:
	movl $RTA_ESTATE, %eax
	jmp .Lcg_out
.Lcg_einval:
	movl $RTA_EINVAL, %eax
	jmp .Lcg_out
	.cfi_endproc

/*
 * void rt_setmg(M *m, G *g)          4(%esp) m   8(%esp) g
 * m->tls_g = g, m->tls_m = m, then the slot = m (one store). m NULL: slot = 0.
 * Clobbers eax, ecx, edx.
 */
	.globl SYM(rt_setmg)
	.def SYM(rt_setmg); .scl 2; .type 32; .endef
	.p2align 4
SYM(rt_setmg):
	.cfi_startproc
	movl 4(%esp), %eax
	testl %eax, %eax
	jz 1f
	movl 8(%esp), %ecx
	movl %ecx, M_tls_g(%eax)
	movl %eax, M_tls_m(%eax)
1:	pushl %eax
	.cfi_adjust_cfa_offset 4
	call SYM(rt_settls)
	addl $4, %esp
	.cfi_adjust_cfa_offset -4
	ret
	.cfi_endproc

/*
 * void rt_settls(uintptr_t value)    4(%esp) value
 * Write the raw slot. tlsalloc with an index >= 64 goes through TlsSetValue
 * (rt_os_tls_set_slow), which also makes the expansion array when a thread has
 * none. Clobbers eax, ecx, edx.
 */
	.globl SYM(rt_settls)
	.def SYM(rt_settls); .scl 2; .type 32; .endef
	.p2align 4
SYM(rt_settls):
	.cfi_startproc
	movl 4(%esp), %eax
#if defined(NEEDM_WIN_TLS_ARBITRARY)
	STORE_SLOT(%eax)
	ret
#else
	movl SYM(rt_tls_index), %ecx
	cmpl $TEB_TLS_SLOTS, %ecx
	jae 1f
	movl %eax, %fs:TEB_TlsSlots(,%ecx,4)
	ret
1:	jmp SYM(rt_os_tls_set_slow)        /* tail call with the same argument */
#endif
	.cfi_endproc

/*
 * uintptr_t rt_tls_slot_read(void)
 * The raw slot value (arbitrary: whatever FS:0x14 holds, ours or not).
 * Clobbers eax, ecx.
 */
	.globl SYM(rt_tls_slot_read)
	.def SYM(rt_tls_slot_read); .scl 2; .type 32; .endef
	.p2align 4
SYM(rt_tls_slot_read):
	.cfi_startproc
#if defined(NEEDM_WIN_TLS_ARBITRARY)
	movl %fs:TEB_ArbitraryUserPointer, %eax
	ret
#else
	pushl %ebx
	.cfi_adjust_cfa_offset 4
	.cfi_offset %ebx, -8
	LOAD_M
	movl %ebx, %eax
	popl %ebx
	.cfi_adjust_cfa_offset -4
	.cfi_restore %ebx
	ret
#endif
	.cfi_endproc
