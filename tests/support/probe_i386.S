/*
 * Test probes in assembly: what C cannot observe about a call.
 * Both object formats: C symbols carry a leading underscore in i386 PE.
 */
#if defined(_WIN32)
#define SYM(n) _##n
#define FUNC(n) .globl SYM(n); .def SYM(n); .scl 2; .type 32; .endef; .p2align 4
#define END(n)
#else
#define SYM(n) n
#define FUNC(n) .globl n; .type n, @function; .p2align 4
#define END(n) .size n, .-n
#endif

	.text

/*
 * int needm_probe_call(int (*target)(void *, void *, size_t), void *a, void *b,
 *                      size_t c, uint32_t out[5])
 *   8(%ebp) target  12(%ebp) a  16(%ebp) b  20(%ebp) c  24(%ebp) out
 * Calls target(a, b, c) with ebx, esi, edi, ebp holding the patterns
 * 0x11111111, 0x22222222, 0x33333333, 0x44444444 and ESP 16-byte aligned.
 * Afterwards out[0..3] = ebx, esi, edi, ebp as target left them and
 * out[4] = ESP after the call minus ESP before it (0 when preserved).
 * Returns what target returned. A target that loses ESP crashes the probe,
 * which also fails the test.
 */
FUNC(needm_probe_call)
SYM(needm_probe_call):
	pushl %ebp
	movl %esp, %ebp
	pushl %ebx
	pushl %esi
	pushl %edi
	pushl 24(%ebp)              /* -16(%ebp): out */
	andl $-16, %esp
	subl $32, %esp
	movl %ebp, 28(%esp)         /* our frame, found again through ESP */
	movl %esp, 24(%esp)         /* ESP before the call */
	movl 12(%ebp), %eax
	movl %eax, 0(%esp)
	movl 16(%ebp), %eax
	movl %eax, 4(%esp)
	movl 20(%ebp), %eax
	movl %eax, 8(%esp)
	movl 8(%ebp), %eax
	movl $0x11111111, %ebx
	movl $0x22222222, %esi
	movl $0x33333333, %edi
	movl $0x44444444, %ebp
	call *%eax
	movl 28(%esp), %edx         /* our frame */
	movl -16(%edx), %ecx        /* out */
	movl %ebx, 0(%ecx)
	movl %esi, 4(%ecx)
	movl %edi, 8(%ecx)
	movl %ebp, 12(%ecx)
	movl %esp, %ebx
	subl 24(%esp), %ebx
	movl %ebx, 16(%ecx)
	movl %edx, %ebp
	leal -12(%ebp), %esp
	popl %edi
	popl %esi
	popl %ebx
	popl %ebp
	ret
END(needm_probe_call)

/*
 * void needm_probe_fn(void *frame)
 * A callback fn (for rt_callback or rt_cgocall) that records, into the frame,
 * the ESP its caller had at the call instruction (frame->sp_at_call, word 0),
 * then calls frame->inner(frame) (word 1) if it is not NULL.
 *   struct { uint32_t sp_at_call; void (*inner)(void *); ... }
 */
FUNC(needm_probe_fn)
SYM(needm_probe_fn):
	movl 4(%esp), %eax          /* frame */
	leal 4(%esp), %ecx          /* ESP at the caller's call instruction */
	movl %ecx, 0(%eax)
	movl 4(%eax), %ecx          /* inner */
	testl %ecx, %ecx
	jz 1f
	pushl %ebp
	movl %esp, %ebp
	andl $-16, %esp
	subl $12, %esp
	pushl %eax
	call *%ecx
	movl %ebp, %esp
	popl %ebp
1:	ret
END(needm_probe_fn)

/*
 * uintptr_t needm_probe_sp(void): the caller's ESP after the call returns.
 */
FUNC(needm_probe_sp)
SYM(needm_probe_sp):
	leal 4(%esp), %eax
	ret
END(needm_probe_sp)

#if !defined(_WIN32)
	.section .note.GNU-stack,"",@progbits
#endif
