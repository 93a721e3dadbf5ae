#!/usr/bin/env python3
"""Talk to an echo at a wrong baud, then at the right one, on one open port (pyserial).

Usage: wrong_baud.py --port PATH --wrong BAUD --right BAUD [--quiet 1.0] [--guard 120]

1. Sets the port to --wrong, writes a known message, reads until the line has been quiet
   for --quiet seconds (what a user at the wrong baud would see).
2. Switches the same port to --right, writes a marker and reads until the marker's echo
   arrives (everything before it is still what the wrong baud produced).
--guard bounds each phase (a hang guard, far beyond the expected time).

Prints one JSON object: message and marker (hex), wrong (hex of everything read before the
marker's echo), marker_ok (the marker came back whole at the right baud). Exit 0 when the
port could be used; 2 when it cannot be opened.
"""

import argparse
import json
import sys
import time

try:
    import serial
except ImportError:
    sys.stderr.write("wrong_baud.py: pyserial is missing; run `make tools`\n")
    sys.exit(2)

MESSAGE = bytes(range(0x30, 0x30 + 32))
MARKER = b"\xa5marker\x5a"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", required=True)
    parser.add_argument("--wrong", type=int, required=True)
    parser.add_argument("--right", type=int, required=True)
    parser.add_argument("--quiet", type=float, default=1.0)
    parser.add_argument("--guard", type=float, default=120.0)
    args = parser.parse_args()
    try:
        port = serial.Serial(args.port, args.wrong, timeout=0.05)
    except serial.SerialException as e:
        sys.stderr.write(f"wrong_baud.py: cannot open {args.port}: {e}\n")
        sys.exit(2)
    port.reset_input_buffer()
    port.write(MESSAGE)
    got = bytearray()
    start = last = time.monotonic()
    while time.monotonic() - last < args.quiet and time.monotonic() - start < args.guard:
        chunk = port.read(256)
        if chunk:
            got += chunk
            last = time.monotonic()
    port.baudrate = args.right
    port.write(MARKER)
    start = time.monotonic()
    while MARKER not in got and time.monotonic() - start < args.guard:
        got += port.read(256)
    marker_ok = MARKER in got
    wrong = got[: got.index(MARKER)] if marker_ok else got
    print(json.dumps({
        "message": MESSAGE.hex(),
        "marker": MARKER.hex(),
        "wrong": bytes(wrong).hex(),
        "marker_ok": marker_ok,
    }))
    port.close()


if __name__ == "__main__":
    main()
