/* uart_regs.h: register map of the rust-hdl-uart peripheral (uart_wb, uart_axil).
 * GENERATED from src/periph/regs.rs by `UART_REGEN=1 cargo test periph::regs`:
 * do not edit. Offsets are byte offsets from the peripheral's base address.
 *
 * Baud: UART_BAUD = ((baud * 16 << 20) + clock_hz / 2) / clock_hz (64-bit
 * arithmetic; 16 = the build's oversample rate, 16 by default).
 */
#ifndef UART_REGS_H
#define UART_REGS_H

#include <stdint.h>

/* Access a register: UART_REG(base, UART_CTRL) */
#define UART_REG(base, offset) (*(volatile uint32_t *)((uintptr_t)(base) + (offset)))

/* ID: Identification: magic number, register-map version, FIFO depth. */
#define UART_ID 0x00u
/* FIFO_DEPTH_LOG2 (RO): Log2 of the RX FIFO's depth (`FEATURES` has both FIFOs' depths). */
#define UART_ID_FIFO_DEPTH_LOG2_SHIFT 0u
#define UART_ID_FIFO_DEPTH_LOG2_MASK 0x0000000Fu
/* VERSION (RO): Register-map version (2: the map has `FEATURES`). */
#define UART_ID_VERSION_SHIFT 8u
#define UART_ID_VERSION_MASK 0x0000FF00u
#define UART_ID_VERSION_RESET 0x2u
/* MAGIC (RO): Reads 0x5541 ("UA"): identifies the peripheral. */
#define UART_ID_MAGIC_SHIFT 16u
#define UART_ID_MAGIC_MASK 0xFFFF0000u
#define UART_ID_MAGIC_RESET 0x5541u

/* CTRL: Enables and modes. */
#define UART_CTRL 0x04u
/* RX_ENABLE (RW): Receiver on. Off, it is held in reset (no byte enters the RX FIFO); turned on, it waits for a whole frame of idle line before it takes a start bit. */
#define UART_CTRL_RX_ENABLE_SHIFT 0u
#define UART_CTRL_RX_ENABLE_MASK 0x00000001u
#define UART_CTRL_RX_ENABLE_RESET 0x1u
/* TX_ENABLE (RW): Transmitter on. Off, the TX FIFO keeps its bytes; a frame already on the line finishes. */
#define UART_CTRL_TX_ENABLE_SHIFT 1u
#define UART_CTRL_TX_ENABLE_MASK 0x00000002u
#define UART_CTRL_TX_ENABLE_RESET 0x1u
/* LOOPBACK (RW): Internal loopback (self-test): the transmitter feeds the receiver; the `tx` pin idles high and the `rx` pin is ignored. */
#define UART_CTRL_LOOPBACK_SHIFT 2u
#define UART_CTRL_LOOPBACK_MASK 0x00000004u
#define UART_CTRL_LOOPBACK_RESET 0x0u
/* RTS_FLOW (RW): Drive `rts` from the RX FIFO level (deasserted at `RTS_THRESHOLD`). Off, `rts` is held asserted (low). */
#define UART_CTRL_RTS_FLOW_SHIFT 3u
#define UART_CTRL_RTS_FLOW_MASK 0x00000008u
#define UART_CTRL_RTS_FLOW_RESET 0x0u
/* CTS_FLOW (RW): Obey `cts`: while it is deasserted (high) no new frame starts; a frame already on the line always finishes. */
#define UART_CTRL_CTS_FLOW_SHIFT 4u
#define UART_CTRL_CTS_FLOW_MASK 0x00000010u
#define UART_CTRL_CTS_FLOW_RESET 0x0u
/* RS485 (RW): RS-485 direction control on `tx_enable` (lead and lag in `RS485`). Off, `tx_enable` stays low. */
#define UART_CTRL_RS485_SHIFT 5u
#define UART_CTRL_RS485_MASK 0x00000020u
#define UART_CTRL_RS485_RESET 0x0u
/* RS485_NO_ECHO (RW): RS-485 half duplex: the receiver sees an idle line while `tx_enable` is high, so the transceiver's echo of our own frames is not received. */
#define UART_CTRL_RS485_NO_ECHO_SHIFT 6u
#define UART_CTRL_RS485_NO_ECHO_MASK 0x00000040u
#define UART_CTRL_RS485_NO_ECHO_RESET 0x0u
/* BREAK (RW): Send a break (line low) while set; a frame already on the line finishes first, and the stop bits' worth of high line follows the break. */
#define UART_CTRL_BREAK_SHIFT 7u
#define UART_CTRL_BREAK_MASK 0x00000080u
#define UART_CTRL_BREAK_RESET 0x0u

/* BAUD: Baud: the sample-tick increment. */
#define UART_BAUD 0x08u
/* INCREMENT (RW): Sample-tick increment: round(baud × oversample × 2^20 / clock_hz), oversample = 16 in the default build (`config::cfg_increment`). A change takes effect between frames. */
#define UART_BAUD_INCREMENT_SHIFT 0u
#define UART_BAUD_INCREMENT_MASK 0x001FFFFFu

/* FRAME: Frame format. */
#define UART_FRAME 0x0Cu
/* DATA_BITS (RW): Data bits per frame, 5 to 8. A change takes effect between frames. */
#define UART_FRAME_DATA_BITS_SHIFT 0u
#define UART_FRAME_DATA_BITS_MASK 0x0000000Fu
/* PARITY (RW): Parity: 0 none, 1 even, 2 odd, 3 mark, 4 space (5 to 7 act as none). */
#define UART_FRAME_PARITY_SHIFT 4u
#define UART_FRAME_PARITY_MASK 0x00000070u
/* TWO_STOP (RW): Two stop bits (the receiver checks only the first). */
#define UART_FRAME_TWO_STOP_SHIFT 7u
#define UART_FRAME_TWO_STOP_MASK 0x00000080u

/* STATUS: FIFO, line and pin status. */
#define UART_STATUS 0x10u
/* RX_AVAIL (RO): The RX FIFO holds at least one byte. */
#define UART_STATUS_RX_AVAIL_SHIFT 0u
#define UART_STATUS_RX_AVAIL_MASK 0x00000001u
#define UART_STATUS_RX_AVAIL_RESET 0x0u
/* RX_FULL (RO): The RX FIFO is full: a byte completed now would be lost (and counted). */
#define UART_STATUS_RX_FULL_SHIFT 1u
#define UART_STATUS_RX_FULL_MASK 0x00000002u
#define UART_STATUS_RX_FULL_RESET 0x0u
/* TX_EMPTY (RO): The TX FIFO is empty. */
#define UART_STATUS_TX_EMPTY_SHIFT 2u
#define UART_STATUS_TX_EMPTY_MASK 0x00000004u
#define UART_STATUS_TX_EMPTY_RESET 0x1u
/* TX_FULL (RO): The TX FIFO is full: a write to `TXDATA` now is dropped (and flagged). */
#define UART_STATUS_TX_FULL_SHIFT 3u
#define UART_STATUS_TX_FULL_MASK 0x00000008u
#define UART_STATUS_TX_FULL_RESET 0x0u
/* TX_IDLE (RO): Everything sent: TX FIFO empty, last stop bit on the line, RS-485 lag over. */
#define UART_STATUS_TX_IDLE_SHIFT 4u
#define UART_STATUS_TX_IDLE_MASK 0x00000010u
#define UART_STATUS_TX_IDLE_RESET 0x1u
/* CTS (RO): `cts` asserted (pin low), after the synchroniser. */
#define UART_STATUS_CTS_SHIFT 5u
#define UART_STATUS_CTS_MASK 0x00000020u
/* RTS (RO): `rts` asserted (pin low): we accept data. */
#define UART_STATUS_RTS_SHIFT 6u
#define UART_STATUS_RTS_MASK 0x00000040u
#define UART_STATUS_RTS_RESET 0x1u
/* TX_ENABLE (RO): `tx_enable` (RS-485 driver enable) is high. */
#define UART_STATUS_TX_ENABLE_SHIFT 7u
#define UART_STATUS_TX_ENABLE_MASK 0x00000080u
#define UART_STATUS_TX_ENABLE_RESET 0x0u

/* RXDATA: The oldest received byte with its own error flags; reading removes it. */
#define UART_RXDATA 0x14u
/* DATA (RO, read pops): The oldest received byte (bits above the frame's data bits read 0). */
#define UART_RXDATA_DATA_SHIFT 0u
#define UART_RXDATA_DATA_MASK 0x000000FFu
#define UART_RXDATA_DATA_RESET 0x0u
/* FRAMING_ERROR (RO, read pops): That byte's stop bit was low. */
#define UART_RXDATA_FRAMING_ERROR_SHIFT 8u
#define UART_RXDATA_FRAMING_ERROR_MASK 0x00000100u
#define UART_RXDATA_FRAMING_ERROR_RESET 0x0u
/* PARITY_ERROR (RO, read pops): That byte's parity bit was wrong. */
#define UART_RXDATA_PARITY_ERROR_SHIFT 9u
#define UART_RXDATA_PARITY_ERROR_MASK 0x00000200u
#define UART_RXDATA_PARITY_ERROR_RESET 0x0u
/* BREAK (RO, read pops): That "byte" was a break (the whole frame low; data 0). */
#define UART_RXDATA_BREAK_SHIFT 10u
#define UART_RXDATA_BREAK_MASK 0x00000400u
#define UART_RXDATA_BREAK_RESET 0x0u
/* VALID (RO, read pops): 1: the other bits hold a byte, which this read removed from the FIFO. 0: the FIFO was empty and nothing was removed. */
#define UART_RXDATA_VALID_SHIFT 31u
#define UART_RXDATA_VALID_MASK 0x80000000u
#define UART_RXDATA_VALID_RESET 0x0u

/* TXDATA: Byte to send. */
#define UART_TXDATA 0x18u
/* DATA (WO): Writing pushes this byte into the TX FIFO (dropped and flagged in `OVERFLOW.TX_DROPPED` when full). */
#define UART_TXDATA_DATA_SHIFT 0u
#define UART_TXDATA_DATA_MASK 0x000000FFu
#define UART_TXDATA_DATA_RESET 0x0u
/* FULL (RO): Reads 1 while the TX FIFO is full. */
#define UART_TXDATA_FULL_SHIFT 31u
#define UART_TXDATA_FULL_MASK 0x80000000u
#define UART_TXDATA_FULL_RESET 0x0u

/* LEVELS: FIFO fill levels. */
#define UART_LEVELS 0x1Cu
/* RX_LEVEL (RO): Bytes in the RX FIFO. */
#define UART_LEVELS_RX_LEVEL_SHIFT 0u
#define UART_LEVELS_RX_LEVEL_MASK 0x0000FFFFu
#define UART_LEVELS_RX_LEVEL_RESET 0x0u
/* TX_LEVEL (RO): Bytes in the TX FIFO. */
#define UART_LEVELS_TX_LEVEL_SHIFT 16u
#define UART_LEVELS_TX_LEVEL_MASK 0xFFFF0000u
#define UART_LEVELS_TX_LEVEL_RESET 0x0u

/* FIFO_RESET: FIFO resets. */
#define UART_FIFO_RESET 0x20u
/* RX (WO): Write 1: empty the RX FIFO. */
#define UART_FIFO_RESET_RX_SHIFT 0u
#define UART_FIFO_RESET_RX_MASK 0x00000001u
#define UART_FIFO_RESET_RX_RESET 0x0u
/* TX (WO): Write 1: empty the TX FIFO (a frame already on the line finishes). */
#define UART_FIFO_RESET_TX_SHIFT 1u
#define UART_FIFO_RESET_TX_MASK 0x00000002u
#define UART_FIFO_RESET_TX_RESET 0x0u

/* OVERFLOW: Lost and dropped bytes: never silent. */
#define UART_OVERFLOW 0x24u
/* RX_LOST (RO): Bytes received while the RX FIFO was full, since `RX_OVERFLOW` was last cleared (saturates at 255). */
#define UART_OVERFLOW_RX_LOST_SHIFT 0u
#define UART_OVERFLOW_RX_LOST_MASK 0x000000FFu
#define UART_OVERFLOW_RX_LOST_RESET 0x0u
/* TX_DROPPED (W1C): Sticky: a write to `TXDATA` found the TX FIFO full and was dropped. */
#define UART_OVERFLOW_TX_DROPPED_SHIFT 30u
#define UART_OVERFLOW_TX_DROPPED_MASK 0x40000000u
#define UART_OVERFLOW_TX_DROPPED_RESET 0x0u
/* RX_OVERFLOW (W1C): Sticky: a received byte was lost because the RX FIFO was full. Clearing it also zeroes `RX_LOST`. */
#define UART_OVERFLOW_RX_OVERFLOW_SHIFT 31u
#define UART_OVERFLOW_RX_OVERFLOW_MASK 0x80000000u
#define UART_OVERFLOW_RX_OVERFLOW_RESET 0x0u

/* IRQ_ENABLE: Interrupt enables: `irq` is high while a pending source is enabled. */
#define UART_IRQ_ENABLE 0x28u
/* RX_WATERMARK (RW): RX FIFO level rose to `RX_WATERMARK` or above. */
#define UART_IRQ_ENABLE_RX_WATERMARK_SHIFT 0u
#define UART_IRQ_ENABLE_RX_WATERMARK_MASK 0x00000001u
#define UART_IRQ_ENABLE_RX_WATERMARK_RESET 0x0u
/* TX_WATERMARK (RW): TX FIFO level fell to `TX_WATERMARK` or below. */
#define UART_IRQ_ENABLE_TX_WATERMARK_SHIFT 1u
#define UART_IRQ_ENABLE_TX_WATERMARK_MASK 0x00000002u
#define UART_IRQ_ENABLE_TX_WATERMARK_RESET 0x0u
/* RX_TIMEOUT (RW): RX timeout: bytes wait in the RX FIFO and none arrived and none was read for `RX_TIMEOUT.CHARS` character times. */
#define UART_IRQ_ENABLE_RX_TIMEOUT_SHIFT 2u
#define UART_IRQ_ENABLE_RX_TIMEOUT_MASK 0x00000004u
#define UART_IRQ_ENABLE_RX_TIMEOUT_RESET 0x0u
/* LINE_ERROR (RW): A byte with a framing error, parity error or break was received. */
#define UART_IRQ_ENABLE_LINE_ERROR_SHIFT 3u
#define UART_IRQ_ENABLE_LINE_ERROR_MASK 0x00000008u
#define UART_IRQ_ENABLE_LINE_ERROR_RESET 0x0u
/* OVERFLOW (RW): A received byte was lost or a `TXDATA` write was dropped (see `OVERFLOW`). */
#define UART_IRQ_ENABLE_OVERFLOW_SHIFT 4u
#define UART_IRQ_ENABLE_OVERFLOW_MASK 0x00000010u
#define UART_IRQ_ENABLE_OVERFLOW_RESET 0x0u
/* CTS_CHANGED (RW): `cts` changed (either way, after the synchroniser). */
#define UART_IRQ_ENABLE_CTS_CHANGED_SHIFT 5u
#define UART_IRQ_ENABLE_CTS_CHANGED_MASK 0x00000020u
#define UART_IRQ_ENABLE_CTS_CHANGED_RESET 0x0u
/* TX_DONE (RW): `STATUS.TX_IDLE` rose: the TX FIFO is empty and the last stop bit has been sent. */
#define UART_IRQ_ENABLE_TX_DONE_SHIFT 6u
#define UART_IRQ_ENABLE_TX_DONE_MASK 0x00000040u
#define UART_IRQ_ENABLE_TX_DONE_RESET 0x0u

/* IRQ_PENDING: Interrupt pending bits, set by their event (enabled or not), cleared by writing 1. Events are edges: clear a bit first, then service its cause, so that an event during the service sets it again. */
#define UART_IRQ_PENDING 0x2Cu
/* RX_WATERMARK (W1C): Pending: RX FIFO level rose to `RX_WATERMARK` or above. */
#define UART_IRQ_PENDING_RX_WATERMARK_SHIFT 0u
#define UART_IRQ_PENDING_RX_WATERMARK_MASK 0x00000001u
#define UART_IRQ_PENDING_RX_WATERMARK_RESET 0x0u
/* TX_WATERMARK (W1C): Pending: TX FIFO level fell to `TX_WATERMARK` or below. */
#define UART_IRQ_PENDING_TX_WATERMARK_SHIFT 1u
#define UART_IRQ_PENDING_TX_WATERMARK_MASK 0x00000002u
#define UART_IRQ_PENDING_TX_WATERMARK_RESET 0x0u
/* RX_TIMEOUT (W1C): Pending: RX timeout. */
#define UART_IRQ_PENDING_RX_TIMEOUT_SHIFT 2u
#define UART_IRQ_PENDING_RX_TIMEOUT_MASK 0x00000004u
#define UART_IRQ_PENDING_RX_TIMEOUT_RESET 0x0u
/* LINE_ERROR (W1C): Pending: line error. */
#define UART_IRQ_PENDING_LINE_ERROR_SHIFT 3u
#define UART_IRQ_PENDING_LINE_ERROR_MASK 0x00000008u
#define UART_IRQ_PENDING_LINE_ERROR_RESET 0x0u
/* OVERFLOW (W1C): Pending: overflow. */
#define UART_IRQ_PENDING_OVERFLOW_SHIFT 4u
#define UART_IRQ_PENDING_OVERFLOW_MASK 0x00000010u
#define UART_IRQ_PENDING_OVERFLOW_RESET 0x0u
/* CTS_CHANGED (W1C): Pending: CTS changed. */
#define UART_IRQ_PENDING_CTS_CHANGED_SHIFT 5u
#define UART_IRQ_PENDING_CTS_CHANGED_MASK 0x00000020u
#define UART_IRQ_PENDING_CTS_CHANGED_RESET 0x0u
/* TX_DONE (W1C): Pending: TX done. */
#define UART_IRQ_PENDING_TX_DONE_SHIFT 6u
#define UART_IRQ_PENDING_TX_DONE_MASK 0x00000040u
#define UART_IRQ_PENDING_TX_DONE_RESET 0x0u

/* WATERMARK: FIFO watermarks for the watermark interrupts. */
#define UART_WATERMARK 0x30u
/* RX (RW): The RX watermark event fires when the RX level rises to this or above. */
#define UART_WATERMARK_RX_SHIFT 0u
#define UART_WATERMARK_RX_MASK 0x0000FFFFu
#define UART_WATERMARK_RX_RESET 0x1u
/* TX (RW): The TX watermark event fires when the TX level falls to this or below. */
#define UART_WATERMARK_TX_SHIFT 16u
#define UART_WATERMARK_TX_MASK 0xFFFF0000u
#define UART_WATERMARK_TX_RESET 0x0u

/* RX_TIMEOUT: RX timeout. */
#define UART_RX_TIMEOUT 0x34u
/* CHARS (RW): Character times (start + data + parity + stop bits) of quiet before the RX timeout fires; 0 turns it off. It fires once per quiet spell, between CHARS × frame − 1 and CHARS × frame bit times after the last byte arrived or was read. */
#define UART_RX_TIMEOUT_CHARS_SHIFT 0u
#define UART_RX_TIMEOUT_CHARS_MASK 0x000000FFu
#define UART_RX_TIMEOUT_CHARS_RESET 0x4u

/* RTS_THRESHOLD: RX level at which `rts` is deasserted. */
#define UART_RTS_THRESHOLD 0x38u
/* LEVEL (RW): With `CTRL.RTS_FLOW`, `rts` is deasserted (high) while the RX level is at or above this. */
#define UART_RTS_THRESHOLD_LEVEL_SHIFT 0u
#define UART_RTS_THRESHOLD_LEVEL_MASK 0x0000FFFFu

/* RS485: RS-485 driver-enable timing, in bit times of the current baud. */
#define UART_RS485 0x3Cu
/* LEAD (RW): Bit times `tx_enable` rises before the start bit. */
#define UART_RS485_LEAD_SHIFT 0u
#define UART_RS485_LEAD_MASK 0x0000000Fu
#define UART_RS485_LEAD_RESET 0x1u
/* LAG (RW): Bit times `tx_enable` stays high after the last stop bit. */
#define UART_RS485_LAG_SHIFT 8u
#define UART_RS485_LAG_MASK 0x00000F00u
#define UART_RS485_LAG_RESET 0x1u

/* FEATURES: What this build has (read only): the features present (1) or left out (0), the bus, both FIFOs' depths. A feature left out keeps its addresses; its fields read 0 and ignore writes. */
#define UART_FEATURES 0x40u
/* RUNTIME_FORMAT (RO): `FRAME` is writable (0: it reads the build's fixed format and ignores writes). */
#define UART_FEATURES_RUNTIME_FORMAT_SHIFT 0u
#define UART_FEATURES_RUNTIME_FORMAT_MASK 0x00000001u
/* RUNTIME_BAUD (RO): `BAUD` is writable (0: it reads the build's fixed increment and ignores writes). */
#define UART_FEATURES_RUNTIME_BAUD_SHIFT 1u
#define UART_FEATURES_RUNTIME_BAUD_MASK 0x00000002u
/* RX_TIMEOUT (RO): The RX timeout (register `RX_TIMEOUT`, its interrupt source). */
#define UART_FEATURES_RX_TIMEOUT_SHIFT 2u
#define UART_FEATURES_RX_TIMEOUT_MASK 0x00000004u
/* RTS_CTS (RO): RTS/CTS flow control. */
#define UART_FEATURES_RTS_CTS_SHIFT 3u
#define UART_FEATURES_RTS_CTS_MASK 0x00000008u
/* RS485 (RO): RS-485 direction control. */
#define UART_FEATURES_RS485_SHIFT 4u
#define UART_FEATURES_RS485_MASK 0x00000010u
/* LOOPBACK (RO): Internal loopback. */
#define UART_FEATURES_LOOPBACK_SHIFT 5u
#define UART_FEATURES_LOOPBACK_MASK 0x00000020u
/* BREAK (RO): Break send and detect. */
#define UART_FEATURES_BREAK_SHIFT 6u
#define UART_FEATURES_BREAK_MASK 0x00000040u
/* LOST_COUNTER (RO): The lost-byte counter `OVERFLOW.RX_LOST`. */
#define UART_FEATURES_LOST_COUNTER_SHIFT 7u
#define UART_FEATURES_LOST_COUNTER_MASK 0x00000080u
/* IRQS (RO): Bit 8 + i is set when the interrupt source at `IRQ_ENABLE` bit i exists. */
#define UART_FEATURES_IRQS_SHIFT 8u
#define UART_FEATURES_IRQS_MASK 0x00007F00u
/* AXIL (RO): The bus: 0 Wishbone, 1 AXI4-Lite. */
#define UART_FEATURES_AXIL_SHIFT 15u
#define UART_FEATURES_AXIL_MASK 0x00008000u
/* RX_DEPTH_LOG2 (RO): Log2 of the RX FIFO's depth (0 to 9). */
#define UART_FEATURES_RX_DEPTH_LOG2_SHIFT 16u
#define UART_FEATURES_RX_DEPTH_LOG2_MASK 0x000F0000u
/* TX_DEPTH_LOG2 (RO): Log2 of the TX FIFO's depth (0 to 9). */
#define UART_FEATURES_TX_DEPTH_LOG2_SHIFT 20u
#define UART_FEATURES_TX_DEPTH_LOG2_MASK 0x00F00000u

#endif /* UART_REGS_H */
