/* uart.c: C driver for the rust-hdl-uart peripheral; see uart.h for what it guarantees.
 *
 * Rings: single producer, single consumer. The RX ring is filled by the interrupt handler
 * and emptied by uart_getc(); the TX ring is filled by uart_putc() and emptied by the
 * handler and by uart_putc() itself (under the interrupt mask), because the TX watermark
 * event is an edge: an idle transmitter raises no new event, so a byte put into an empty
 * ring must be pushed by the caller. Indices are free-running 32-bit counters (the ring
 * sizes are powers of two), so `head - tail` is the fill level even after wrapping.
 */
#include "uart.h"
#include "uart_regs.h"

/* FEATURES (register map version 2). Older headers lack it; an older peripheral reads 0
 * there, which the driver takes as "no optional feature known". */
#ifndef UART_FEATURES
#define UART_FEATURES 0x40u
#define UART_FEATURES_RX_TIMEOUT_MASK 0x00000004u
#define UART_FEATURES_LOST_COUNTER_MASK 0x00000080u
#endif

/* RX watermark: an interrupt per this many bytes (the RX timeout collects the rest). Half
 * of the 16-byte FIFO leaves the handler 8 byte times to respond before a byte is lost. */
#define RX_WATERMARK 8u
/* TX watermark: refill when the FIFO has fallen to this level (4 byte times of margin). */
#define TX_WATERMARK 4u
/* RX timeout in character times: bytes below the watermark wait at most this long. */
#define RX_TIMEOUT_CHARS 2u

static uintptr_t uart_base;
static uint32_t uart_clock_hz;
static volatile int irq_mode;
static volatile int flow_on;
static volatile struct uart_stats stats;

static volatile uint8_t rx_ring[UART_RX_RING];
static volatile uint32_t rx_head; /* written by the handler */
static volatile uint32_t rx_tail; /* written by uart_getc */
static volatile uint8_t tx_ring[UART_TX_RING];
static volatile uint32_t tx_head; /* written by uart_putc */
static volatile uint32_t tx_tail; /* written under the interrupt mask */
/* RX interrupts the handler turned off because the ring was full (flow control). */
static volatile int rx_paused;

#define REG(offset) UART_REG(uart_base, offset)

#define RX_IRQS (UART_IRQ_ENABLE_RX_WATERMARK_MASK | UART_IRQ_ENABLE_RX_TIMEOUT_MASK)
#define ERROR_IRQS (UART_IRQ_ENABLE_LINE_ERROR_MASK | UART_IRQ_ENABLE_OVERFLOW_MASK)

uint32_t uart_read(uint32_t offset) { return REG(offset); }

const volatile struct uart_stats *uart_stats(void) { return &stats; }

uint32_t uart_baud_increment(uint32_t clock_hz, uint32_t baud)
{
    /* README: BAUD = ((baud * 16 << 20) + clock_hz / 2) / clock_hz, in 64-bit integers.
     * The division is done by shift and subtract: it needs no 64-bit divide routine from
     * libgcc (1.6 KiB, a fifth of the SoC's RAM). */
    if (clock_hz == 0 || baud == 0 || ((uint64_t)baud << 4) >= 2ull * clock_hz) {
        return 0; /* 0, or an increment of 2^21 or more: not in the register */
    }
    uint64_t num = ((uint64_t)baud << 24) + clock_hz / 2u;
    uint64_t rem = 0, inc = 0;
    for (int bit = 63; bit >= 0; bit--) {
        rem = (rem << 1) | ((num >> bit) & 1u);
        inc <<= 1;
        if (rem >= clock_hz) {
            rem -= clock_hz;
            inc |= 1u;
        }
    }
    if (inc == 0 || inc > (UART_BAUD_INCREMENT_MASK >> UART_BAUD_INCREMENT_SHIFT)) {
        return 0;
    }
    return (uint32_t)inc;
}

int uart_init(uintptr_t base, uint32_t clock_hz, uint32_t baud, uint32_t format)
{
    uint32_t inc = baud ? uart_baud_increment(clock_hz, baud) : 0u;
    if (baud && inc == 0) {
        return -1;
    }
    uart_base = base;
    uart_clock_hz = clock_hz;
    irq_mode = 0;
    flow_on = 0;
    rx_paused = 0;
    rx_head = rx_tail = tx_head = tx_tail = 0;
    REG(UART_IRQ_ENABLE) = 0;
    REG(UART_CTRL) = UART_CTRL_RX_ENABLE_MASK | UART_CTRL_TX_ENABLE_MASK;
    if (baud) {
        REG(UART_BAUD) = inc << UART_BAUD_INCREMENT_SHIFT;
    }
    if (format) {
        REG(UART_FRAME) = format;
    }
    REG(UART_FIFO_RESET) = UART_FIFO_RESET_RX_MASK | UART_FIFO_RESET_TX_MASK;
    REG(UART_OVERFLOW) = UART_OVERFLOW_RX_OVERFLOW_MASK | UART_OVERFLOW_TX_DROPPED_MASK;
    REG(UART_IRQ_PENDING) = 0xFFFFFFFFu;
    return 0;
}

/* Counts the hardware's lost bytes and clears its counter (clearing RX_OVERFLOW zeroes
 * RX_LOST). A byte lost between the read and the clear is still flagged: RX_OVERFLOW is
 * set again by it, so it is counted next time, at worst as one. */
static void collect_overflow(void)
{
    uint32_t ov = REG(UART_OVERFLOW);
    if (ov & UART_OVERFLOW_RX_OVERFLOW_MASK) {
        uint32_t lost = (ov & UART_OVERFLOW_RX_LOST_MASK) >> UART_OVERFLOW_RX_LOST_SHIFT;
        stats.hw_lost += lost ? lost : 1u;
        REG(UART_OVERFLOW) = UART_OVERFLOW_RX_OVERFLOW_MASK;
    }
}

/* Sorts one RXDATA word: 1 if it holds a clean byte, 0 if it was dropped and counted. */
static int rx_clean(uint32_t word)
{
    if (word & UART_RXDATA_BREAK_MASK) {
        stats.breaks++;
        return 0;
    }
    if (word & UART_RXDATA_FRAMING_ERROR_MASK) {
        stats.framing++;
        return 0;
    }
    if (word & UART_RXDATA_PARITY_ERROR_MASK) {
        stats.parity++;
        return 0;
    }
    return 1;
}

/* Moves received bytes from the FIFO into the ring while both allow. With flow control a
 * full ring leaves the bytes in the FIFO (rts then stops the sender) and turns the RX
 * interrupts off until uart_getc() makes room; without it, bytes are read and counted as
 * lost, so the FIFO keeps moving and the hardware's own counter stays for real overruns. */
static void rx_drain(void)
{
    for (;;) {
        if (rx_head - rx_tail >= UART_RX_RING && flow_on) {
            rx_paused = 1;
            REG(UART_IRQ_ENABLE) = REG(UART_IRQ_ENABLE) & ~RX_IRQS;
            return;
        }
        uint32_t word = REG(UART_RXDATA);
        if (!(word & UART_RXDATA_VALID_MASK)) {
            return;
        }
        if (!rx_clean(word)) {
            continue;
        }
        if (rx_head - rx_tail >= UART_RX_RING) {
            stats.ring_lost++;
            continue;
        }
        rx_ring[rx_head % UART_RX_RING] = (uint8_t)(word & UART_RXDATA_DATA_MASK);
        rx_head = rx_head + 1;
    }
}

/* Moves bytes from the TX ring into the FIFO while both allow. Runs in the handler or with
 * the CPU's interrupts masked, so it is the only writer of tx_tail at any time. */
static void tx_fill(void)
{
    while (tx_head != tx_tail && !(REG(UART_STATUS) & UART_STATUS_TX_FULL_MASK)) {
        REG(UART_TXDATA) = tx_ring[tx_tail % UART_TX_RING];
        tx_tail = tx_tail + 1;
        stats.tx_bytes++;
    }
}

void uart_irq_handler(void)
{
    stats.irqs++;
    /* Clear first, then service: an event during the service sets its bit again. */
    uint32_t pending = REG(UART_IRQ_PENDING);
    REG(UART_IRQ_PENDING) = pending;
    if (pending & ERROR_IRQS) {
        collect_overflow();
    }
    if (pending & (RX_IRQS | UART_IRQ_PENDING_LINE_ERROR_MASK)) {
        rx_drain();
    }
    if (pending & UART_IRQ_PENDING_TX_WATERMARK_MASK) {
        tx_fill();
    }
}

void uart_irq_start(void)
{
    uint32_t features = REG(UART_FEATURES);
    uint32_t enable = UART_IRQ_ENABLE_RX_WATERMARK_MASK | UART_IRQ_ENABLE_TX_WATERMARK_MASK |
                      ERROR_IRQS;
    uint32_t rx_mark = 1u;
    /* Version 1 maps have no FEATURES (read 0) but do have the timeout. */
    uint32_t version = (REG(UART_ID) & UART_ID_VERSION_MASK) >> UART_ID_VERSION_SHIFT;
    if (version < 2u || (features & UART_FEATURES_RX_TIMEOUT_MASK)) {
        /* Batches of RX_WATERMARK, the rest after RX_TIMEOUT_CHARS of quiet. */
        rx_mark = RX_WATERMARK;
        REG(UART_RX_TIMEOUT) = RX_TIMEOUT_CHARS;
        enable |= UART_IRQ_ENABLE_RX_TIMEOUT_MASK;
    }
    REG(UART_WATERMARK) = (rx_mark << UART_WATERMARK_RX_SHIFT) |
                          (TX_WATERMARK << UART_WATERMARK_TX_SHIFT);
    REG(UART_IRQ_PENDING) = 0xFFFFFFFFu;
    irq_mode = 1;
    REG(UART_IRQ_ENABLE) = enable;
    /* Bytes that arrived before the start raised no edge: collect them now. */
    uint32_t saved = uart_port_irq_save();
    rx_drain();
    uart_port_irq_restore(saved);
}

void uart_set_flow(int on, uint32_t threshold)
{
    uint32_t ctrl = REG(UART_CTRL) & ~(UART_CTRL_RTS_FLOW_MASK | UART_CTRL_CTS_FLOW_MASK);
    REG(UART_RTS_THRESHOLD) = threshold << UART_RTS_THRESHOLD_LEVEL_SHIFT;
    flow_on = on;
    if (on) {
        ctrl |= UART_CTRL_RTS_FLOW_MASK | UART_CTRL_CTS_FLOW_MASK;
    }
    REG(UART_CTRL) = ctrl;
}

void uart_putc(uint8_t c)
{
    if (!irq_mode) {
        while (REG(UART_STATUS) & UART_STATUS_TX_FULL_MASK) {
        }
        REG(UART_TXDATA) = c;
        stats.tx_bytes++;
        return;
    }
    while (tx_head - tx_tail >= UART_TX_RING) {
        /* The handler drains the ring; make sure the FIFO is fed meanwhile. */
        uint32_t saved = uart_port_irq_save();
        tx_fill();
        uart_port_irq_restore(saved);
    }
    tx_ring[tx_head % UART_TX_RING] = c;
    tx_head = tx_head + 1;
    uint32_t saved = uart_port_irq_save();
    tx_fill();
    uart_port_irq_restore(saved);
}

void uart_puts(const char *s)
{
    while (*s) {
        uart_putc((uint8_t)*s++);
    }
}

int uart_try_getc(void)
{
    if (!irq_mode) {
        for (;;) {
            uint32_t word = REG(UART_RXDATA);
            if (!(word & UART_RXDATA_VALID_MASK)) {
                collect_overflow();
                return -1;
            }
            if (rx_clean(word)) {
                stats.rx_bytes++;
                return (int)(word & UART_RXDATA_DATA_MASK);
            }
        }
    }
    if (rx_head == rx_tail) {
        return -1;
    }
    uint8_t c = rx_ring[rx_tail % UART_RX_RING];
    rx_tail = rx_tail + 1;
    stats.rx_bytes++;
    if (rx_paused) {
        /* Room again: let the handler take the bytes waiting in the FIFO. */
        uint32_t saved = uart_port_irq_save();
        rx_paused = 0;
        REG(UART_IRQ_ENABLE) = REG(UART_IRQ_ENABLE) | RX_IRQS;
        rx_drain();
        uart_port_irq_restore(saved);
    }
    return c;
}

uint8_t uart_getc(void)
{
    int c;
    while ((c = uart_try_getc()) < 0) {
    }
    return (uint8_t)c;
}

void uart_flush(void)
{
    while (tx_head != tx_tail) {
        uint32_t saved = uart_port_irq_save();
        tx_fill();
        uart_port_irq_restore(saved);
    }
    while (!(REG(UART_STATUS) & UART_STATUS_TX_IDLE_MASK)) {
    }
}

int uart_set_baud(uint32_t baud)
{
    uint32_t inc = uart_baud_increment(uart_clock_hz, baud);
    if (inc == 0) {
        return -1;
    }
    uart_flush();
    REG(UART_BAUD) = inc << UART_BAUD_INCREMENT_SHIFT;
    return 0;
}
