// TLS descriptor resolvers for x86_64 (psABI TLSDESC): %rax holds the descriptor's address,
// the result (offset from %fs base) goes in %rax; no other register may change.
	.text
	.globl arch_tlsdesc_static
	.hidden arch_tlsdesc_static
	.type arch_tlsdesc_static,@function
arch_tlsdesc_static:
	movq 8(%rax), %rax
	ret
	.size arch_tlsdesc_static, .-arch_tlsdesc_static

	.globl arch_tlsdesc_undefweak
	.hidden arch_tlsdesc_undefweak
	.type arch_tlsdesc_undefweak,@function
arch_tlsdesc_undefweak:
	movq 8(%rax), %rax
	subq %fs:0, %rax
	ret
	.size arch_tlsdesc_undefweak, .-arch_tlsdesc_undefweak

	.section .note.GNU-stack,"",@progbits

#include "vector_state.inc"

// A variable in a block allocated at first use (an object opened later): the descriptor's
// argument points at {module, offset}. The result is the variable's address minus the thread
// pointer; every register but %rax is preserved, the vector state included (the slow path
// may call malloc), so the generic __tls_get_addr does the work.
	.text
	.globl arch_tlsdesc_dynamic
	.hidden arch_tlsdesc_dynamic
	.type arch_tlsdesc_dynamic,@function
arch_tlsdesc_dynamic:
	pushq %rbx
	movq %rsp, %rbx
	PUSH_ARGUMENT_REGISTERS
	pushq %r11
	movq 8(%rax), %rdi           // &{module, offset}
	andq $-64, %rsp
	cmpb $0, arch_tlsdesc_xsave(%rip)
	je 1f
	XSAVE_TO_STACK xsave
	call __tls_get_addr
	subq %fs:0, %rax
	movq %rax, %rcx
	XRSTOR_FROM_STACK
	movq %rcx, %rax
	jmp 2f
1:	subq $512, %rsp
	fxsave (%rsp)
	call __tls_get_addr
	subq %fs:0, %rax
	fxrstor (%rsp)
2:	leaq -64(%rbx), %rsp
	popq %r11
	POP_ARGUMENT_REGISTERS
	popq %rbx
	ret
	.size arch_tlsdesc_dynamic, .-arch_tlsdesc_dynamic

	.data
	.globl arch_tlsdesc_xsave
	.hidden arch_tlsdesc_xsave
arch_tlsdesc_xsave:
	.byte 0
	.section .note.GNU-stack,"",@progbits
