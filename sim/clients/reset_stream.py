#!/usr/bin/env python3
"""Stream bytes through an echo while someone else presses reset, and record what came back.

Usage: reset_stream.py --port PATH [--baud 115200] [--bytes 2048] [--seed 1] [--guard 300]

Writes --bytes random bytes (its own generator) followed by a 16-byte end marker in one go,
then reads until the echo of the marker arrives. It judges nothing: the caller knows when the
resets came and checks the data. --guard bounds the read (a hang guard, far beyond the
expected time). Prints one JSON object: data, marker and received (hex), marker_ok.
Exit 0 when the port could be used; 2 when it cannot be opened.
"""

import argparse
import json
import random
import sys
import time

try:
    import serial
except ImportError:
    sys.stderr.write("reset_stream.py: pyserial is missing; run `make tools`\n")
    sys.exit(2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", required=True)
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--bytes", type=int, default=2048)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--guard", type=float, default=300.0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    data = bytes(rng.getrandbits(8) for _ in range(args.bytes))
    marker = bytes(rng.getrandbits(8) for _ in range(16))
    try:
        port = serial.Serial(args.port, args.baud, timeout=0.05, write_timeout=args.guard)
    except serial.SerialException as e:
        sys.stderr.write(f"reset_stream.py: cannot open {args.port}: {e}\n")
        sys.exit(2)
    port.reset_input_buffer()
    port.write(data + marker)
    got = bytearray()
    start = time.monotonic()
    while not got.endswith(marker) and time.monotonic() - start < args.guard:
        got += port.read(4096)
    port.close()
    print(json.dumps({
        "data": data.hex(),
        "marker": marker.hex(),
        "received": bytes(got).hex(),
        "marker_ok": got.endswith(marker),
    }))


if __name__ == "__main__":
    main()
