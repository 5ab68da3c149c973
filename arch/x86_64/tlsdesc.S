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
