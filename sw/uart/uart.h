/* uart.h: C driver for the rust-hdl-uart peripheral (uart_wb / uart_axil).
 *
 * The reference for putting the peripheral on a CPU. It uses include/uart_regs.h only
 * (no C library), drives one peripheral, and works in two modes:
 *
 * - polled: after uart_init(), uart_putc() and uart_getc() wait on the FIFOs' status;
 * - interrupt-driven: after uart_irq_start(), bytes travel through two ring buffers in RAM,
 *   filled and drained by uart_irq_handler(), which the CPU's interrupt entry must call
 *   whenever the peripheral's `irq` line is high (see README, "SoC").
 *
 * Nothing is lost silently: line errors, bytes the hardware lost (OVERFLOW.RX_LOST) and
 * bytes the RX ring had no room for are counted in struct uart_stats. With flow control on
 * (uart_set_flow), a full RX ring stops the handler from draining the hardware FIFO, so
 * `rts` throttles the sender instead of a byte being dropped.
 */
#ifndef UART_DRIVER_H
#define UART_DRIVER_H

#include <stdint.h>

/* Ring sizes (powers of two). */
#define UART_RX_RING 256u
#define UART_TX_RING 256u

/* UART_FRAME values for uart_init(): data bits | parity << 4 | two stop << 7. */
#define UART_FORMAT_8N1 8u

/* Counters kept by the driver. */
struct uart_stats {
    uint32_t rx_bytes;     /* bytes handed to the program (uart_getc) */
    uint32_t tx_bytes;     /* bytes given to the hardware */
    uint32_t framing;      /* frames received with a low stop bit (dropped) */
    uint32_t parity;       /* frames received with a wrong parity bit (dropped) */
    uint32_t breaks;       /* breaks received (dropped) */
    uint32_t hw_lost;      /* bytes the hardware lost: RX FIFO full (OVERFLOW.RX_LOST) */
    uint32_t ring_lost;    /* bytes dropped because the RX ring was full (never with flow control) */
    uint32_t irqs;         /* calls of uart_irq_handler() */
};

/* Sets up the peripheral at `base` (byte address), clocked at `clock_hz`: baud through the
 * README's formula, `format` into FRAME (ignored by builds without run-time format), both
 * FIFOs emptied, interrupts off, polled mode. `baud` 0 keeps the BAUD register as it is
 * (the build's power-up baud after reset), `format` 0 keeps FRAME. Returns 0, or -1 when the baud does not fit
 * the BAUD register at this clock. */
int uart_init(uintptr_t base, uint32_t clock_hz, uint32_t baud, uint32_t format);

/* The BAUD register value for `baud` at `clock_hz` (0 when it does not fit). */
uint32_t uart_baud_increment(uint32_t clock_hz, uint32_t baud);

/* Changes the baud: waits until everything queued has left the line, then sets BAUD.
 * Returns 0, or -1 when the baud does not fit (the old baud stays). */
int uart_set_baud(uint32_t baud);

/* Turns on interrupt-driven operation: RX watermark, RX timeout, TX watermark and line
 * error/overflow interrupts. The CPU's interrupt must be enabled by the caller. */
void uart_irq_start(void);

/* RTS/CTS flow control on (1) or off (0); `rts` is deasserted when the RX FIFO holds
 * `threshold` bytes. */
void uart_set_flow(int on, uint32_t threshold);

/* Sends one byte; waits while the ring (or, polled, the TX FIFO) is full. */
void uart_putc(uint8_t c);

/* Sends a NUL-terminated string. */
void uart_puts(const char *s);

/* Waits for a received byte and returns it. */
uint8_t uart_getc(void);

/* A received byte (0 ... 255), or -1 when none is waiting. */
int uart_try_getc(void);

/* Waits until every byte given to uart_putc() has left the line. */
void uart_flush(void);

/* The interrupt service: call it while the peripheral's `irq` is high. Clears the pending
 * bits first, then services them (an event during service raises its bit again). */
void uart_irq_handler(void);

/* The counters (updated by the handler and the calls above). */
const volatile struct uart_stats *uart_stats(void);

/* Register access for programs that need more (ID, FEATURES, ...). */
uint32_t uart_read(uint32_t offset);

/* The CPU-specific hooks the driver needs, defined by the program: mask and restore the
 * CPU's interrupts around the driver's short critical sections. */
uint32_t uart_port_irq_save(void);
void uart_port_irq_restore(uint32_t saved);

#endif /* UART_DRIVER_H */
