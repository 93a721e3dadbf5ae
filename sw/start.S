/* start.S: reset and interrupt entry of the SoC program (PicoRV32, ENABLE_IRQ_QREGS = 0).
 *
 * Reset enters at 0, the interrupt at 0x10 (PROGADDR_IRQ). Without q registers PicoRV32
 * puts the return address in x3 (gp) and the pending IRQ mask in x4 (tp) on entry; C code
 * never allocates either (the ABI reserves them) and the program is linked without gp
 * relaxation, so they are free for this. The handler saves the caller-saved registers on
 * the interrupted stack (RISC-V has no red zone) and calls soc_irq(pending).
 *
 * PicoRV32's own instructions (custom-0 opcode 0x0B), written with .insn:
 *   retirq        funct7 2: pc = q0, interrupts re-enabled
 *   maskirq rd,rs funct7 3: rd = old mask, mask = rs
 */
    .section .text.start, "ax"
    .globl _start
_start:
    j reset
    .balign 16
irq_entry:
    addi sp, sp, -64
    sw ra, 0(sp)
    sw t0, 4(sp)
    sw t1, 8(sp)
    sw t2, 12(sp)
    sw a0, 16(sp)
    sw a1, 20(sp)
    sw a2, 24(sp)
    sw a3, 28(sp)
    sw a4, 32(sp)
    sw a5, 36(sp)
    sw a6, 40(sp)
    sw a7, 44(sp)
    sw t3, 48(sp)
    sw t4, 52(sp)
    sw t5, 56(sp)
    sw t6, 60(sp)
    mv a0, tp
    call soc_irq
    lw ra, 0(sp)
    lw t0, 4(sp)
    lw t1, 8(sp)
    lw t2, 12(sp)
    lw a0, 16(sp)
    lw a1, 20(sp)
    lw a2, 24(sp)
    lw a3, 28(sp)
    lw a4, 32(sp)
    lw a5, 36(sp)
    lw a6, 40(sp)
    lw a7, 44(sp)
    lw t3, 48(sp)
    lw t4, 52(sp)
    lw t5, 56(sp)
    lw t6, 60(sp)
    addi sp, sp, 64
    .insn r 0x0B, 0, 2, x0, x0, x0      /* retirq */

reset:
    /* Every interrupt masked (PicoRV32 starts so; a reset by the button must too). */
    li t0, -1
    .insn r 0x0B, 6, 3, x0, t0, x0      /* maskirq x0, t0 */
    la sp, __stack_top
    /* .bss to zero: the button resets the CPU, not the RAM. */
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:  call main
3:  j 3b

/* uint32_t soc_maskirq(uint32_t mask): sets PicoRV32's IRQ mask, returns the old one. */
    .text
    .globl soc_maskirq
soc_maskirq:
    .insn r 0x0B, 6, 3, a0, a0, x0      /* maskirq a0, a0 */
    ret
