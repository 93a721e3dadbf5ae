/* soc.h: the address map of the rust-hdl-uart SoC (firmware/soc.rs). */
#ifndef SOC_H
#define SOC_H

#include <stdint.h>

/* Block RAM: code, data and stack, from address 0 (reset at 0, interrupt entry at 0x10). */
#define SOC_RAM_BASE 0x00000000u
/* The UART peripheral (uart_wb): 256 bytes of registers, include/uart_regs.h. */
#define SOC_UART_BASE 0x10000000u
/* System registers. */
#define SOC_SYS_BASE 0x20000000u
/* LED (RW): bits 7:0 drive led[7:0]. */
#define SOC_SYS_LED 0x00u
/* CLOCK_HZ (RO): the SoC's clock in Hz. */
#define SOC_SYS_CLOCK_HZ 0x04u
/* CYCLES (RO): clocks since power-up, wrapping at 2^32. */
#define SOC_SYS_CYCLES 0x08u
/* IRQ_STAMP (RO): CYCLES when the UART's irq last rose. */
#define SOC_SYS_IRQ_STAMP 0x0Cu
/* RX_STAMP (RO): CYCLES at the first read of the UART's RXDATA after that rise. */
#define SOC_SYS_RX_STAMP 0x10u
/* The UART's interrupt line is PicoRV32 IRQ 3 (0-2 are the CPU's own). */
#define SOC_IRQ_UART 3u

#define SOC_SYS(offset) (*(volatile uint32_t *)(SOC_SYS_BASE + (offset)))

#endif /* SOC_H */
