/*
 * Foreign-thread callbacks for i386 Linux (System V cdecl, ELF, GAS syntax).
 *
 * What must be assembly and nothing more: the callback entry that borrows an M
 * when the TLS slot is empty (needm) and gives it back (dropm), the switches
 * between a thread's own stack (g0) and its M's runtime stack (curg), and the
 * TLS slot accessors. Everything else is C++ (src/).
 *
 * The TLS slot is the ELF static TLS word rt_tls_m (local-exec through %gs):
 * this thread's M, or 0. The current G is m->tls_g. Layouts: rt_offsets_i386.h.
 *
 * Ordering rule for every switch (a signal handler may call rt_callback between
 * any two instructions): the TLS never says g0 while SP is on curg. Switching
 * g0 -> curg writes tls_g first, then SP; curg -> g0 writes SP first, then
 * tls_g. In the one-instruction window where tls_g says curg but SP is still
 * on g0, a nested rt_callback finds SP off the G stack and returns
 * RT_EREENTRANT: it never builds frames on top of live ones.
 */
#include "rt_offsets_i386.h"

#define SLOT %gs:rt_tls_m@ntpoff

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
 *   foreign stack (g0)                    curg stack
 *   +----------------------+              +----------------------+ <- S (curg.sched_sp at entry)
 *   | framesize            | 16(%ebp)     | outer S (slot)       | <- edx, 16-byte aligned;
 *   | frame                | 12(%ebp)     +----------------------+    curg.sched_sp = edx meanwhile
 *   | fn                   |  8(%ebp)     | body's 4 arguments   | <- ESP at the call, 16-aligned
 *   | return address       |  4(%ebp)     | ... rt_callback_body, fn, a nested
 *   | saved ebp            | <- ebp       |     callback's frames grow below
 *   | ebx, esi, edi        |
 *   | result               | -16(%ebp)
 *   | outer g0.sched_sp    | <- g0.sched_sp: a nested rt_cgocall runs C below here
 */
	.globl rt_callback
	.type rt_callback, @function
	.p2align 4
rt_callback:
	.cfi_startproc
	FRAME_ENTER
	subl $4, %esp                      /* the result slot, -16(%ebp) */

	/* Bad arguments: refuse before touching the TLS slot or any M. */
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
	movl SLOT, %ebx
	testl %ebx, %ebx
	jnz .Lcb_have_m

	/* No M: a thread the runtime did not create, or one that gave its M back.
	 * rt_needm borrows one on this (foreign) stack and returns it installed in
	 * the slot with tls_g = g0, or 0 when no M can be made (RT_ENOMEM). */
	andl $-16, %esp
	call rt_needm
	testl %eax, %eax
	jz .Lcb_enomem
	movl %eax, %ebx
	movl %eax, %edi

.Lcb_have_m:
	movl M_g0(%ebx), %esi
	cmpl M_tls_g(%ebx), %esi
	jne .Lcb_not_on_g0

	/* On g0. Keep the outer g0.sched_sp; ours is where a nested rt_cgocall will
	 * run C code. A signal handler that calls back from here on nests the same
	 * way and restores both before this code continues. */
	pushl G_sched_sp(%esi)
	movl %esp, G_sched_sp(%esi)

	/* The curg frame goes below the frames of any outer callback on this G. */
	movl M_curg(%ebx), %ecx
	movl G_sched_sp(%ecx), %eax        /* eax = S: curg's free stack starts below */
	leal -CURG_SLOT(%eax), %edx
	andl $-16, %edx                    /* edx: our frame base */
	movl %edx, G_sched_sp(%ecx)        /* a nested entry now starts below edx */
	movl %eax, (%edx)                  /* slot: the outer curg.sched_sp */
	movl %ecx, M_tls_g(%ebx)           /* TLS says curg ...                      */
	movl %edx, %esp                    /* ... then SP is on curg (window: EREENTRANT) */

	/* rt_callback_body(m, fn, frame, framesize): the C++ half, on curg. */
	subl $16, %esp
	movl %ebx, 0(%esp)
	movl 8(%ebp), %eax
	movl %eax, 4(%esp)
	movl 12(%ebp), %eax
	movl %eax, 8(%esp)
	movl 16(%ebp), %eax
	movl %eax, 12(%esp)
	call rt_callback_body
	movl %eax, CB_RESULT(%ebp)

	/* Back to g0: SP first, then the TLS. */
	movl M_curg(%ebx), %ecx
	movl 16(%esp), %edx                /* the slot: outer curg.sched_sp */
	movl G_sched_sp(%esi), %esp        /* SP on g0 (TLS still says curg: EREENTRANT window) */
	movl %edx, G_sched_sp(%ecx)        /* curg.sched_sp as at entry */
	movl %esi, M_tls_g(%ebx)           /* TLS says g0 */
#if defined(NEEDM_DEFECT_G0_SP_NOT_RESTORED)
	addl $4, %esp                      /* DEFECT: the outer g0.sched_sp is not restored */
#else
	popl G_sched_sp(%esi)              /* the outer g0.sched_sp */
#endif

	testl %edi, %edi
	jz .Lcb_ret
	/* This call borrowed the M: give it back (rt_dropm keeps it in bound mode). */
	andl $-16, %esp
	subl $12, %esp
	pushl %edi
	call rt_dropm
.Lcb_ret:
	movl CB_RESULT(%ebp), %eax
.Lcb_out:
	FRAME_LEAVE CALLBACK_KEEPS_EBX

.Lcb_not_on_g0:
	/* The M's current G is not g0: already on curg without an rt_cgocall between
	 * (a signal handler that interrupted fn, or fn calling rt_callback itself).
	 * rt_callback_reentrant runs fn here when SP is on curg, else returns
	 * RT_EREENTRANT; a G that is neither g0 nor curg is fatal. */
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
	call rt_callback_reentrant
	jmp .Lcb_out
.Lcb_einval:
	movl $RTA_EINVAL, %eax
	jmp .Lcb_out
.Lcb_enomem:
	movl $RTA_ENOMEM, %eax
	jmp .Lcb_out
	.cfi_endproc
	.size rt_callback, .-rt_callback

/*
 * int rt_cgocall(void (*fn)(void *arg), void *arg)
 *
 *   in body:   8(%ebp) fn   12(%ebp) arg
 * From runtime code running on curg: run fn(arg) on g0, the thread's own stack
 * below the frame of the callback (or thread start) that brought it to curg,
 * then come back. While fn runs the M is not "in user code": stop-the-world
 * does not wait for C code. Returns RT_OK, RT_EINVAL (fn NULL) or RT_ESTATE
 * (no M, TLS not on curg, or SP off curg's stack). Preserves ebx, esi, edi,
 * ebp, esp; clobbers eax, ecx, edx, flags. Inside: ebx = M, esi = curg, edi = g0.
 *
 *   curg frame while fn runs on g0:
 *   | saved ebp, ebx, esi, edi |
 *   | outer curg.sched_sp      |  restored on the way back, so a nested caller
 *   | in_user as it was        |  that changed it in between cannot move us
 *   +--------------------------+ <- curg.sched_sp (nested callbacks start below)
 */
	.globl rt_cgocall
	.type rt_cgocall, @function
	.p2align 4
rt_cgocall:
	.cfi_startproc
	/* Marked as a signal frame for debuggers: unwinding from C code on g0 into
	 * this frame goes from a higher stack to a lower one (curg), which gdb
	 * otherwise rejects as "previous frame inner to this frame". gdb shows
	 * this frame as "<signal handler called>". (rt_callback's switch goes the
	 * other way: G stacks are mapped below foreign stacks, see os_linux.cpp.) */
	.cfi_signal_frame
	FRAME_ENTER

	movl SLOT, %ebx
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
	pushl M_in_user(%ebx)
	movl $0, M_in_user(%ebx)           /* leave user code: the world may stop now */
	movl %esp, G_sched_sp(%esi)
	movl G_sched_sp(%edi), %esp        /* SP on g0 (TLS still says curg: EREENTRANT window) */
	movl %edi, M_tls_g(%ebx)           /* TLS says g0 */

	andl $-16, %esp
	subl $12, %esp
	pushl 12(%ebp)
	call *8(%ebp)                      /* fn(arg): C on the thread's own stack */

	movl %esi, M_tls_g(%ebx)           /* TLS says curg ... */
	movl G_sched_sp(%esi), %esp        /* ... then SP is on curg */
	popl %eax                          /* in_user as it was */
	popl G_sched_sp(%esi)
	testl %eax, %eax
	jz .Lcg_ok
	/* Back into user code: the callback entry's gate. in_user = GATE, full
	 * fence (xchg), read the stop flag (Dekker with rt_stop_the_world), then
	 * in_user = IN; stopping: rt_gate_slow waits, then sets IN. */
	movl $IN_USER_GATE, %eax
	xchgl %eax, M_in_user(%ebx)
	cmpl $0, rt_world_stopping
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
	call rt_gate_slow                  /* waits until the world runs again */
	jmp .Lcg_ok
.Lcg_estate:
	movl $RTA_ESTATE, %eax
	jmp .Lcg_out
.Lcg_einval:
	movl $RTA_EINVAL, %eax
	jmp .Lcg_out
	.cfi_endproc
	.size rt_cgocall, .-rt_cgocall

/*
 * void rt_setmg(M *m, G *g)
 *   4(%esp) m   8(%esp) g
 * m->tls_g = g, then the slot = m (one store installs it). m NULL: slot = 0.
 * Clobbers eax, ecx.
 */
	.globl rt_setmg
	.hidden rt_setmg
	.type rt_setmg, @function
	.p2align 4
rt_setmg:
	.cfi_startproc
	movl 4(%esp), %eax
	testl %eax, %eax
	jz 1f
	movl 8(%esp), %ecx
	movl %ecx, M_tls_g(%eax)
	movl %eax, M_tls_m(%eax)
1:	movl %eax, SLOT
	ret
	.cfi_endproc
	.size rt_setmg, .-rt_setmg

/*
 * void rt_settls(uintptr_t value)     4(%esp) value
 * Write the raw TLS slot. Clobbers eax.
 */
	.globl rt_settls
	.hidden rt_settls
	.type rt_settls, @function
	.p2align 4
rt_settls:
	.cfi_startproc
	movl 4(%esp), %eax
	movl %eax, SLOT
	ret
	.cfi_endproc
	.size rt_settls, .-rt_settls

/*
 * uintptr_t rt_tls_slot_read(void)
 * The raw TLS slot: this thread's M or 0. Clobbers eax.
 */
	.globl rt_tls_slot_read
	.hidden rt_tls_slot_read
	.type rt_tls_slot_read, @function
	.p2align 4
rt_tls_slot_read:
	.cfi_startproc
	movl SLOT, %eax
	ret
	.cfi_endproc
	.size rt_tls_slot_read, .-rt_tls_slot_read

	.section .note.GNU-stack,"",@progbits
