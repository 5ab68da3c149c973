// The lazy-binding entry point for x86_64 PLTs. PLT0 pushes GOT[1] (the object's handle) and
// jumps to GOT[2] (here); PLTn had pushed the relocation index. Everything a call can pass
// arguments in is preserved: rdi rsi rdx rcx r8 r9, rax (the vector count of variadic
// calls), r10 (static chain), and the whole vector state (xmm/ymm/zmm, AVX-512 masks) with
// xsavec or xsave sized from CPUID at start-up, or fxsave without XSAVE. The binder is the
// architecture-neutral rtld_lazy_bind(handle, index); it returns the target, jumped to with
// the caller's return address back on top of the stack.

	.text
#include "vector_state.inc"

.macro SAVE_INTEGER
	pushq %rbx
	movq %rsp, %rbx          // rbx: [rbx]=rbx, 8(rbx)=handle, 16(rbx)=index
	pushq %rax
	PUSH_ARGUMENT_REGISTERS
.endm

.macro BIND_AND_RETURN
	movq 8(%rbx), %rdi
	movq 16(%rbx), %rsi
	call rtld_lazy_bind
	movq %rax, %r11
.endm

.macro RESTORE_INTEGER_AND_JUMP
	leaq -64(%rbx), %rsp
	POP_ARGUMENT_REGISTERS
	popq %rax
	popq %rbx
	addq $16, %rsp           // drop handle and index
	jmp *%r11
.endm

.macro XSAVE_VARIANT name, save
	.globl \name
	.hidden \name
	.type \name,@function
\name:
	SAVE_INTEGER
	andq $-64, %rsp
	XSAVE_TO_STACK \save
	BIND_AND_RETURN
	XRSTOR_FROM_STACK
	RESTORE_INTEGER_AND_JUMP
	.size \name, .-\name
.endm

XSAVE_VARIANT arch_runtime_resolve_xsavec, xsavec
XSAVE_VARIANT arch_runtime_resolve_xsave, xsave

	.globl arch_runtime_resolve_fxsave
	.hidden arch_runtime_resolve_fxsave
	.type arch_runtime_resolve_fxsave,@function
arch_runtime_resolve_fxsave:
	SAVE_INTEGER
	andq $-64, %rsp
	subq $512, %rsp
	fxsave (%rsp)
	BIND_AND_RETURN
	fxrstor (%rsp)
	RESTORE_INTEGER_AND_JUMP
	.size arch_runtime_resolve_fxsave, .-arch_runtime_resolve_fxsave

	.data
	.globl arch_xsave_size
	.hidden arch_xsave_size
	.balign 8
arch_xsave_size:
	.quad 1024

	.section .note.GNU-stack,"",@progbits
