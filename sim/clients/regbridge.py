#!/usr/bin/env python3
"""A Python client for the register bridge firmware (`--firmware bridge`), with pyserial.

Use it as a module:

    from regbridge import Bridge
    with Bridge("/dev/ttyUSB1") as bridge:          # reads `id` first, checks the version
        print(hex(bridge.read("id")))
        bridge.write("leds", 0xA5)
        cleared = bridge.write("garbage", 0)         # a counter: answers the count it cleared

or from the shell (one JSON object per operation on stdout):

    regbridge.py --port /dev/ttyUSB1 read id
    regbridge.py --port /dev/ttyUSB1 write leds 0xa5
    regbridge.py --port /dev/ttyUSB1 dump

The protocol is the README's "Register bridge" section; this is a second, independent
implementation of its host side (the Rust one is `rust_hdl_uart::bridge::RegisterClient`):
- every operation takes the next sequence number (mod 256); a retry re-sends the identical
  packet (the firmware answers a repeated request from memory, without executing it again);
- a reply counts only with the start byte, a good CRC and the operation's sequence number,
  so late replies to earlier attempts are dropped;
- silence for the port timeout means the request or the reply was lost: retry, up to
  `attempts` times, then fail naming the likely causes;
- the first operation reads `id` (harmless to repeat), which checks the firmware and replaces
  the request an earlier client left in the firmware's memory;
- a request that comes back byte for byte is an echo (the echo firmware, a loopback), not
  the bridge: said at once, not retried;
- a virtual board (`sim-board`) runs slower than real time: without --timeout the reply
  timeout follows the speed it publishes (see `status_file`).
Exit status: 0 success, 1 an operation failed, 2 the port cannot be opened or a bad argument.
"""

import argparse
import binascii
import json
import os
import struct
import sys
import tempfile

try:
    import serial
except ImportError:
    sys.stderr.write("regbridge.py: pyserial is missing; run `make tools`\n")
    sys.exit(2)

START_REQUEST = 0xA5
START_REPLY = 0x5A
READ, WRITE = 0x01, 0x02
ID_VALUE = 0x52485542
PROTOCOL_VERSION = 1
STATUS = {0: "ok", 1: "unknown address", 2: "read-only register"}

# The register map (README, "Register map"): name -> (address, access).
REGISTERS = {
    "id": (0x0000, "ro"),
    "version": (0x0001, "ro"),
    "scratch": (0x0002, "rw"),
    "leds": (0x0003, "rw"),
    "counter": (0x0004, "ro"),
    "clock_hz": (0x0005, "ro"),
    "framing_errors": (0x0010, "wc"),
    "parity_errors": (0x0011, "wc"),
    "breaks": (0x0012, "wc"),
    "crc_errors": (0x0013, "wc"),
    "timeouts": (0x0014, "wc"),
    "garbage": (0x0015, "wc"),
    "bad_commands": (0x0016, "wc"),
    "busy_drops": (0x0017, "wc"),
    "replays": (0x0018, "wc"),
}


class BridgeError(Exception):
    """An operation that did not succeed (the message names the likely cause)."""


class EchoError(BridgeError):
    """The request came back unchanged: the far end echoes."""


class Rejected(BridgeError):
    """The bridge answered with an error status (unknown address, read-only register)."""


def crc16(data):
    """CRC-16/IBM-3740 (poly 0x1021, init 0xFFFF, no reflection, no final XOR)."""
    return binascii.crc_hqx(bytes(data), 0xFFFF)


def packet(command, seq, address, value=None):
    """The bytes of a request."""
    body = struct.pack(">BBH", command, seq, address)
    if value is not None:
        body += struct.pack(">I", value)
    return bytes([START_REQUEST]) + body + struct.pack(">H", crc16(body))


def address_of(register):
    """A register name or number (int, or a string in decimal or 0x hex) -> address."""
    if isinstance(register, int):
        return register
    if register in REGISTERS:
        return REGISTERS[register][0]
    try:
        return int(register, 0)
    except ValueError:
        raise BridgeError(
            f"unknown register {register!r}: use a name ({', '.join(REGISTERS)}) or a number"
        ) from None


def status_file(pty):
    """Where a virtual board with PTY `pty` publishes its status (see src/host/vboard.rs)."""
    name = pty.lstrip("/").replace("/", "-")
    return os.path.join(tempfile.gettempdir(), "rust-hdl-uart-vboard", name + ".json")


def default_timeout(port, baud):
    """Seconds to wait for a reply byte: 100 ms plus twice the packets' line time, stretched
    by the virtual board's published speed when `port` is one (twice over: its speed varies
    with the machine's load; 1/50 of real time while it has not published a speed yet)."""
    line = 2 * (11 + 9) * 10 / baud
    try:
        real = os.path.realpath(port)
        with open(status_file(real)) as f:
            status = json.load(f)
        alive = os.path.exists(f"/proc/{status['pid']}")
        if alive and status.get("pty") == real:
            ratio = status.get("real_time_ratio") or 0.02
            return 2 * line / min(max(ratio, 1e-6), 1.0) + 0.1
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return line + 0.1


class Bridge:
    """A connection to the bridge firmware; see the module's documentation."""

    def __init__(self, port, baud=115200, timeout=None, attempts=8, seq=None):
        if attempts < 1:
            raise BridgeError("attempts must be at least 1")
        if timeout is not None and timeout <= 0:
            raise BridgeError("the timeout must be positive (leave it out for the default)")
        self.timeout = timeout if timeout is not None else default_timeout(port, baud)
        self.port = serial.Serial(port, baud, timeout=self.timeout)
        self.attempts = attempts
        # Random start: a new client's first request differs from an old client's last.
        self.seq = seq if seq is not None else int.from_bytes(os.urandom(1), "big")
        self.retries = 0
        try:
            self.port.reset_input_buffer()
            identity = self.read("id")
            if identity != ID_VALUE:
                raise BridgeError(
                    f"id reads {identity:#010x}, not {ID_VALUE:#010x}: this is not the "
                    "register bridge firmware"
                )
            version = self.read("version")
            if version != PROTOCOL_VERSION:
                raise BridgeError(
                    f"the bridge speaks protocol version {version}, this client {PROTOCOL_VERSION}"
                )
        except Exception:
            self.port.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.port.close()

    def read(self, register):
        """The register's value."""
        return self._operation(READ, address_of(register), None)

    def write(self, register, value):
        """Writes; returns what the register holds now (for a counter: the count cleared)."""
        if not 0 <= value <= 0xFFFFFFFF:
            raise BridgeError(f"value {value} does not fit 32 bits")
        return self._operation(WRITE, address_of(register), value)

    def dump(self):
        """Every register of the map: {name: value}."""
        return {name: self.read(name) for name in REGISTERS}

    def _operation(self, command, address, value):
        self.seq = (self.seq + 1) & 0xFF
        request = packet(command, self.seq, address, value)
        what = f"{'read' if command == READ else 'write'} of {address:#06x}"
        for attempt in range(self.attempts):
            if attempt:
                self.retries += 1
            self.port.write(request)
            reply = self._await(request, what)
            if reply is None:
                continue
            status, got = reply
            if status != 0:
                raise Rejected(f"{what}: {STATUS.get(status, f'status {status}')}")
            return got
        raise BridgeError(
            f"{what}: no reply in {self.attempts} attempts of {self.timeout:.2f} s: is the "
            "bridge firmware loaded, the port and baud right? (replies lost or corrupted)"
        )

    def _await(self, request, what):
        """(status, value) of the reply with this request's seq, or None at a silence."""
        window = b""
        recent = b""
        # A bound on bytes read per attempt: a talker cannot keep us here forever.
        for _ in range(4096):
            byte = self.port.read(1)
            if not byte:
                return None
            recent = (recent + byte)[-len(request):]
            if recent == request:
                raise EchoError(
                    f"{what}: the request came back byte for byte: this is an echo (the echo "
                    "firmware, or a loopback), not the register bridge"
                )
            window = (window + byte)[-9:]
            if (
                len(window) == 9
                and window[0] == START_REPLY
                and crc16(window[1:7]) == struct.unpack(">H", window[7:])[0]
                and window[2] == request[2]
            ):
                return window[1], struct.unpack(">I", window[3:7])[0]
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", required=True)
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--timeout", type=float, help="seconds per reply (default: follows the baud and a virtual board's speed)")
    parser.add_argument("--attempts", type=int, default=8)
    parser.add_argument("ops", nargs="+", help="read REG | write REG VALUE | dump, repeated")
    args = parser.parse_args()
    ops, words = [], list(args.ops)
    while words:
        word = words.pop(0)
        if word == "read" and words:
            ops.append(("read", words.pop(0), None))
        elif word == "write" and len(words) >= 2:
            reg, value = words.pop(0), words.pop(0)
            try:
                ops.append(("write", reg, int(value, 0)))
            except ValueError:
                parser.error(f"write {reg} {value}: the value is not a number")
        elif word == "dump":
            ops.append(("dump", None, None))
        else:
            parser.error(f"{word!r}: expected read REG, write REG VALUE or dump")
    try:
        bridge = Bridge(args.port, args.baud, args.timeout, args.attempts)
    except serial.SerialException as e:
        sys.stderr.write(f"regbridge.py: cannot open {args.port}: {e}\n")
        sys.exit(2)
    except BridgeError as e:
        print(json.dumps({"op": "connect", "error": str(e), "echo": isinstance(e, EchoError)}))
        sys.exit(1)
    status = 0
    with bridge:
        for op, reg, value in ops:
            result = {"op": op, "register": reg}
            try:
                if op == "read":
                    result["value"] = bridge.read(reg)
                elif op == "write":
                    result["written"] = value
                    result["value"] = bridge.write(reg, value)
                else:
                    result["values"] = bridge.dump()
            except BridgeError as e:
                result["error"] = str(e)
                status = 1
            result["retries"] = bridge.retries
            print(json.dumps(result), flush=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
