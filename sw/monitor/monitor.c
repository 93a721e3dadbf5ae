/* monitor.c: the SoC's monitor program (firmware/soc.rs runs it from block RAM).
 *
 * On power-up and reset it prints a banner line starting "rust-hdl-uart soc" with the UART's
 * ID and FEATURES registers in hex, then the prompt "> ". A line is a command; typed
 * characters are echoed, backspace erases, CR or LF ends the line (LF right after CR is
 * ignored, so CRLF is one line end). Commands:
 *
 *   help              the command list
 *   id                ID and FEATURES in hex
 *   stat              bytes in and out, line errors, lost bytes, interrupts taken, and the
 *                     interrupt latency (clocks from irq to the handler's RXDATA read)
 *   led VALUE         the LED register
 *   peek ADDR         a 32-bit word (ADDR word-aligned)
 *   poke ADDR VALUE   writes a 32-bit word
 *   echo N            the next N bytes are echoed raw, then the prompt returns
 *   baud N            answers at the old baud, drains, switches; the next prompt comes at
 *                     N after the first line typed at N (e.g. an empty one)
 *
 * Numbers are decimal or 0x-prefixed hex. Every reply line ends with CRLF; a mistake gets a
 * line starting "error:" that names it.
 */
#include <stdint.h>

#include "../soc.h"
#include "../uart/uart.h"
#include "uart_regs.h"

#ifndef UART_FEATURES
#define UART_FEATURES 0x40u
#endif

#define LINE_MAX 64u

uint32_t soc_maskirq(uint32_t mask);
void soc_irq(uint32_t pending);
int main(void);

uint32_t uart_port_irq_save(void) { return soc_maskirq(0xFFFFFFFFu); }

void uart_port_irq_restore(uint32_t saved) { soc_maskirq(saved); }

/* Set by `baud N` once it has switched: the next prompt waits for the user's first line at
 * the new baud. A prompt sent at once would be lost: the PC (a terminal program, or the
 * virtual board following the PTY) can switch only after it has read the answer, which
 * takes it far longer than the CPU takes to switch. */
static int prompt_after_input;

/* Interrupt latency, from the SoC's probe: clocks from the UART's irq rising to the
 * handler's first read of RXDATA (the last and the largest seen). */
static volatile uint32_t irq_clocks_last, irq_clocks_max;

void soc_irq(uint32_t pending)
{
    if (pending & (1u << SOC_IRQ_UART)) {
        uart_irq_handler();
        /* A stamp older than this interrupt (one that read no RXDATA) gives a difference
         * that wraps around: ignored. */
        uint32_t clocks = SOC_SYS(SOC_SYS_RX_STAMP) - SOC_SYS(SOC_SYS_IRQ_STAMP);
        if (clocks < 100000u) {
            irq_clocks_last = clocks;
            if (clocks > irq_clocks_max) {
                irq_clocks_max = clocks;
            }
        }
    }
}

static void put_hex(uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    uart_puts("0x");
    for (int shift = 28; shift >= 0; shift -= 4) {
        uart_putc((uint8_t)digits[(v >> shift) & 0xFu]);
    }
}

static void put_dec(uint32_t v)
{
    char buf[10];
    unsigned n = 0;
    do {
        buf[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (n) {
        uart_putc((uint8_t)buf[--n]);
    }
}

static void put_field(const char *name, uint32_t v)
{
    uart_puts(name);
    uart_putc('=');
    put_dec(v);
}

static void put_ids(void)
{
    uart_puts("id=");
    put_hex(uart_read(UART_ID));
    uart_puts(" features=");
    put_hex(uart_read(UART_FEATURES));
}

static int is_space(char c) { return c == ' ' || c == '\t'; }

/* Splits `line` in place into at most `max` words; returns how many. */
static unsigned split(char *line, char **words, unsigned max)
{
    unsigned n = 0;
    for (;;) {
        while (is_space(*line)) {
            line++;
        }
        if (!*line) {
            return n;
        }
        if (n == max) {
            return max + 1u;
        }
        words[n++] = line;
        while (*line && !is_space(*line)) {
            line++;
        }
        if (*line) {
            *line++ = 0;
        }
    }
}

/* Parses a decimal or 0x hex number that fits 32 bits; 0 on success. */
static int parse(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s) {
        return -1;
    }
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9') {
            d = (unsigned)(*s - '0');
        } else if (base == 16 && *s >= 'a' && *s <= 'f') {
            d = (unsigned)(*s - 'a' + 10);
        } else if (base == 16 && *s >= 'A' && *s <= 'F') {
            d = (unsigned)(*s - 'A' + 10);
        } else {
            return -1;
        }
        if (d >= base || v > (0xFFFFFFFFu - d) / base) {
            return -1;
        }
        v = v * base + d;
    }
    *out = v;
    return 0;
}

static int streq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static void error(const char *what)
{
    uart_puts("error: ");
    uart_puts(what);
    uart_puts("\r\n");
}

/* Reads one edited line into `line`; returns its length. */
static unsigned read_line(char *line)
{
    static int last_cr;
    unsigned n = 0;
    for (;;) {
        char c = (char)uart_getc();
        if (c == '\n' && last_cr) {
            last_cr = 0;
            continue;
        }
        last_cr = c == '\r';
        if (c == '\r' || c == '\n') {
            uart_puts("\r\n");
            line[n] = 0;
            return n;
        }
        if (c == 8 || c == 127) {
            if (n) {
                n--;
                uart_puts("\b \b");
            }
        } else if (c >= ' ' && c < 127 && n < LINE_MAX - 1u) {
            line[n++] = c;
            uart_putc((uint8_t)c);
        }
    }
}

/* Parses a command's number argument; names it in an error line when it is not one. */
static int number_arg(const char *word, uint32_t *out)
{
    if (parse(word, out)) {
        uart_puts("error: '");
        uart_puts(word);
        uart_puts("' is not a number (decimal or 0x hex)\r\n");
        return -1;
    }
    return 0;
}

static void command(char *line)
{
    char *w[4];
    unsigned n = split(line, w, 3);
    uint32_t a, v;
    if (n == 0) {
        return;
    }
    if (n > 3) {
        error("too many words; try help");
    } else if (streq(w[0], "help")) {
        uart_puts("commands: help, id, stat, led VALUE, peek ADDR, poke ADDR VALUE, echo N, "
                  "baud N (numbers decimal or 0x hex)\r\n");
    } else if (streq(w[0], "id")) {
        put_ids();
        uart_puts("\r\n");
    } else if (streq(w[0], "stat")) {
        const volatile struct uart_stats *s = uart_stats();
        put_field("in", s->rx_bytes);
        put_field(" out", s->tx_bytes);
        put_field(" line_errors", s->framing + s->parity + s->breaks);
        put_field(" framing", s->framing);
        put_field(" parity", s->parity);
        put_field(" breaks", s->breaks);
        put_field(" lost", s->hw_lost + s->ring_lost);
        put_field(" irqs", s->irqs);
        put_field(" irq_clocks", irq_clocks_last);
        put_field(" irq_clocks_max", irq_clocks_max);
        uart_puts("\r\n");
    } else if (streq(w[0], "led")) {
        if (n != 2) {
            error("usage: led VALUE");
        } else if (number_arg(w[1], &v) == 0) {
            if (v > 255u) {
                error("led VALUE is 0 to 255");
            } else {
                SOC_SYS(SOC_SYS_LED) = v;
                uart_puts("led=");
                put_hex(v);
                uart_puts("\r\n");
            }
        }
    } else if (streq(w[0], "peek")) {
        if (n != 2) {
            error("usage: peek ADDR");
        } else if (number_arg(w[1], &a) == 0) {
            if (a & 3u) {
                error("ADDR must be a multiple of 4");
            } else {
                put_hex(a);
                uart_puts(": ");
                put_hex(*(volatile uint32_t *)a);
                uart_puts("\r\n");
            }
        }
    } else if (streq(w[0], "poke")) {
        if (n != 3) {
            error("usage: poke ADDR VALUE");
        } else if (number_arg(w[1], &a) == 0 &&
                   number_arg(w[2], &v) == 0) {
            if (a & 3u) {
                error("ADDR must be a multiple of 4");
            } else {
                *(volatile uint32_t *)a = v;
                uart_puts("ok\r\n");
            }
        }
    } else if (streq(w[0], "echo")) {
        if (n != 2) {
            error("usage: echo N");
        } else if (number_arg(w[1], &v) == 0) {
            uart_puts("echo ");
            put_dec(v);
            uart_puts("\r\n");
            for (uint32_t i = 0; i < v; i++) {
                uart_putc(uart_getc());
            }
            uart_puts("\r\n");
        }
    } else if (streq(w[0], "baud")) {
        if (n != 2) {
            error("usage: baud N");
        } else if (number_arg(w[1], &v) == 0) {
            if (uart_baud_increment(SOC_SYS(SOC_SYS_CLOCK_HZ), v) == 0) {
                error("baud N does not fit the BAUD register at this clock");
            } else {
                uart_puts("baud ");
                put_dec(v);
                uart_puts("\r\n");
                uart_set_baud(v);
                prompt_after_input = 1;
            }
        }
    } else {
        uart_puts("error: unknown command '");
        uart_puts(w[0]);
        uart_puts("'; try help\r\n");
    }
}

int main(void)
{
    static char line[LINE_MAX];
    /* Baud 0 and format 0: keep the build's power-up settings. */
    uart_init(SOC_UART_BASE, SOC_SYS(SOC_SYS_CLOCK_HZ), 0, 0);
    uart_irq_start();
    soc_maskirq(~(1u << SOC_IRQ_UART));
    uart_puts("rust-hdl-uart soc ");
#ifdef MONITOR_BANNER_NOTE
    /* A build's own note (a C string), e.g. to tell two builds of the program apart. */
    uart_puts(MONITOR_BANNER_NOTE " ");
#endif
    put_ids();
    put_field(" clock", SOC_SYS(SOC_SYS_CLOCK_HZ));
    uart_puts("\r\n");
    for (;;) {
        if (prompt_after_input) {
            prompt_after_input = 0;
        } else {
            uart_puts("> ");
        }
        read_line(line);
        command(line);
    }
}
