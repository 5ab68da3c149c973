// ld.so's entry point. The kernel leaves argc at (%rsp), then argv, envp and auxv.
// ldso_start relocates ld.so, loads the program and returns {entry, fini} in %rax:%rdx; the
// program then starts with the original stack pointer and the fini function in %rdx, as the
// psABI asks of a dynamic linker.
	.text
	.globl _start
	.hidden _start
	.type _start,@function
_start:
	xorl %ebp, %ebp
	movq %rsp, %r12          // callee-saved: the initial stack pointer
	movq %rsp, %rdi
	andq $-16, %rsp
	call ldso_start
	movq %r12, %rsp
	jmp *%rax
	.size _start, .-_start

	.section .note.GNU-stack,"",@progbits
