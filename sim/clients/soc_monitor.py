#!/usr/bin/env python3
"""Talk to the SoC firmware's monitor over a serial port with pyserial; print one JSON object.

A real client for the virtual board (and the board): pyserial and its own bookkeeping only.

Usage: soc_monitor.py --port PATH [--baud 115200] [--timeout 60] ACTION ...
Actions, run in order (each waits for what it expects; --timeout seconds of silence is a
failure, a hang guard):
  cmd:TEXT         send TEXT + CR, collect the reply up to the next prompt "> "
  echo:N:SEED[:W]  `echo N`, then N random bytes (from SEED), compared with what comes back;
                   at most W bytes (default 512) sent and not yet echoed
  setbaud:N        switch the port to N (nothing sent)
  baud:N           `baud N`: its answer at the current baud, then the port switches to N,
                   sends an empty line and reads the prompt at N
  raw:TEXT         send TEXT + CR, collect whatever arrives until --quiet seconds of silence
  banner           collect until a prompt (after a reset), e.g. the power-up banner
  quiet            collect whatever arrives until --quiet seconds of silence (e.g. to
                   take in the power-up banner whatever part of it is still queued)
  mark:PATH        create the file PATH (tells the test driving the board how far it got)
Output: {"ok": bool, "steps": [{"action", "reply"/"sent"/..., ...}], "error": "..."}
Exit status 0 when every step got what it expects, 1 otherwise, 2 when the port cannot open.
"""

import argparse
import json
import random
import sys
import time

try:
    import serial
except ImportError:
    sys.stderr.write("soc_monitor.py: pyserial is missing; run `make tools`\n")
    sys.exit(2)

PROMPT = b"> "


class Failure(Exception):
    pass


# Bytes read past a marker (they arrived in the same read), handed out first by take().
PENDING = bytearray()


def take(port):
    """What is pending, else what the port has (at least one byte, or none on its timeout)."""
    if PENDING:
        chunk = bytes(PENDING)
        PENDING.clear()
        return chunk
    return port.read(max(1, min(4096, port.in_waiting)))


def read_until(port, marker, timeout):
    """Bytes up to and including `marker` (the rest stays pending); Failure after `timeout`
    s without progress."""
    data = bytearray()
    last = time.monotonic()
    while marker not in data:
        chunk = take(port)
        if chunk:
            data += chunk
            last = time.monotonic()
        elif time.monotonic() - last > timeout:
            raise Failure(f"no {marker!r} after {bytes(data)[-200:]!r}")
    end = data.index(marker) + len(marker)
    PENDING[:0] = data[end:]
    return bytes(data[:end])


def read_quiet(port, quiet):
    data = bytearray()
    last = time.monotonic()
    while time.monotonic() - last < quiet:
        chunk = take(port)
        if chunk:
            data += chunk
            last = time.monotonic()
    return bytes(data)


def echo(port, count, seed, timeout, window=512):
    rng = random.Random(seed)
    data = bytes(rng.getrandbits(8) for _ in range(count))
    port.write(b"echo %d\r" % count)
    # The monitor echoes the typed line, then answers with the same words: the raw echo
    # starts after the answer.
    header = read_until(port, b"echo %d\r\necho %d\r\n" % (count, count), timeout)
    back = bytearray()
    sent = 0
    last = time.monotonic()
    # Chunks keep the PTY's buffers small; the monitor echoes at line rate.
    while len(back) < count:
        if sent < count and sent - len(back) < window:
            n = min(64, count - sent, window - (sent - len(back)))
            port.write(data[sent:sent + n])
            sent += n
        chunk = take(port)
        if chunk:
            back += chunk
            last = time.monotonic()
        elif time.monotonic() - last > timeout:
            break
    # The echo's end: CRLF and the prompt. More than `count` bytes may have arrived in one
    # read, so the prompt can be split between what came with the echo and what follows.
    rest = bytearray(back[count:])
    back = bytes(back[:count])
    if len(back) == count:
        last = time.monotonic()
        while PROMPT not in rest:
            chunk = take(port)
            if chunk:
                rest += chunk
                last = time.monotonic()
            elif time.monotonic() - last > timeout:
                raise Failure(f"no prompt after the echo; it ended {bytes(rest)[-200:]!r}")
        end = rest.index(PROMPT) + len(PROMPT)
        PENDING[:0] = rest[end:]
        del rest[end:]
    extra = bytes(rest)
    mismatched = sum(1 for a, b in zip(data, back) if a != b)
    first = next((i for i, (a, b) in enumerate(zip(data, back)) if a != b), None)
    return {
        "action": f"echo:{count}:{seed}",
        "header": header.decode("latin-1"),
        "sent": sent,
        "received": len(back),
        "mismatched": mismatched,
        "first_mismatch": first,
        "after": extra.decode("latin-1"),
        "ok": len(back) == count and mismatched == 0 and extra == b"\r\n" + PROMPT,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", required=True)
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--quiet", type=float, default=3.0)
    parser.add_argument("actions", nargs="+")
    args = parser.parse_args()
    try:
        port = serial.Serial(args.port, args.baud, timeout=0.05)
    except serial.SerialException as e:
        sys.stderr.write(f"soc_monitor.py: cannot open {args.port}: {e}\n")
        sys.exit(2)
    steps = []
    result = {"ok": False, "steps": steps}
    try:
        for action in args.actions:
            kind, _, rest = action.partition(":")
            if kind == "cmd":
                port.write(rest.encode() + b"\r")
                reply = read_until(port, PROMPT, args.timeout)
                steps.append({"action": action, "reply": reply.decode("latin-1")})
            elif kind == "raw":
                port.write(rest.encode() + b"\r")
                reply = read_quiet(port, args.quiet)
                steps.append({"action": action, "reply": reply.decode("latin-1")})
            elif kind == "banner":
                reply = read_until(port, PROMPT, args.timeout)
                steps.append({"action": action, "reply": reply.decode("latin-1")})
            elif kind == "quiet":
                reply = read_quiet(port, args.quiet)
                steps.append({"action": action, "reply": reply.decode("latin-1")})
            elif kind == "setbaud":
                port.baudrate = int(rest)
                steps.append({"action": action})
            elif kind == "mark":
                with open(rest, "w"):
                    pass
                steps.append({"action": action})
            elif kind == "echo":
                fields = [int(f) for f in rest.split(":")]
                step = echo(port, *fields[:2], args.timeout, *fields[2:3])
                steps.append(step)
                if step["received"] != fields[0]:
                    raise Failure(f"echo lost bytes: {step}")
            elif kind == "baud":
                line = b"baud %s\r\n" % rest.encode()
                port.write(b"baud %s\r" % rest.encode())
                # The typed line's echo, then the answer (the last bytes at the old baud).
                reply = read_until(port, line + line, args.timeout)
                # Everything at the old baud has arrived: switch the PC side; the
                # monitor prompts at the new baud after a line typed at it.
                port.baudrate = int(rest)
                # The monitor switches only after its TX FIFO drained; a line typed before
                # that (a busy machine slows the virtual board) is lost at the old baud, so
                # the line is typed again until the prompt comes (bounded by --timeout).
                prompt = None
                for _ in range(max(1, int(args.timeout // 5))):
                    port.write(b"\r")
                    try:
                        prompt = read_until(port, PROMPT, 5.0)
                        break
                    except Failure:
                        continue
                if prompt is None:
                    raise Failure(f"no prompt at {rest} baud after {args.timeout} s")
                steps.append(
                    {"action": action, "reply": reply.decode("latin-1"), "after": prompt.decode("latin-1")}
                )
            else:
                raise Failure(f"unknown action {action!r}")
        result["ok"] = True
    except Failure as e:
        result["error"] = str(e)
    finally:
        port.close()
    print(json.dumps(result))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
