#!/usr/bin/env python3
"""Stream random bytes through an echo over a serial port with pyserial, check every byte.

A real client for the virtual board (and the board): it uses only pyserial, its own random
generator and its own bookkeeping, nothing from this project's Rust code.

Usage: echo_stream.py --port PATH [--baud 115200] [--bytes 10000] [--seed 1]
                      [--window 256] [--timeout 30]

At most --window bytes are in flight, so the echo firmware's 512-byte FIFO cannot overflow.
Prints one JSON object: sent, received, ok, mismatched, missing, first_error (position and
both values), seconds, bytes_per_second. Exit status 0 only if every byte came back right
and in order; 1 otherwise; 2 when the port cannot be opened (the message says why).
"""

import argparse
import json
import random
import sys
import threading
import time

try:
    import serial
except ImportError:
    sys.stderr.write(
        "echo_stream.py: pyserial is missing; run `make tools` (it creates .venv with pyserial)\n"
    )
    sys.exit(2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", required=True)
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--bytes", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--window", type=int, default=256)
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds of silence after which outstanding bytes count as missing")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    data = bytes(rng.getrandbits(8) for _ in range(args.bytes))

    try:
        port = serial.Serial(args.port, args.baud, timeout=0.1, write_timeout=args.timeout)
    except serial.SerialException as e:
        sys.stderr.write(f"echo_stream.py: cannot open {args.port}: {e}\n")
        sys.exit(2)
    port.reset_input_buffer()

    received = bytearray()
    lock = threading.Condition()
    failure = []

    def writer():
        sent = 0
        try:
            while sent < len(data):
                with lock:
                    # Keep at most `window` bytes in flight.
                    while sent - len(received) >= args.window and not failure:
                        lock.wait(0.1)
                    if failure:
                        return
                    room = args.window - (sent - len(received))
                n = min(room, len(data) - sent, 64)
                port.write(data[sent:sent + n])
                sent += n
        except serial.SerialException as e:
            failure.append(f"write failed after {sent} bytes: {e}")

    started = time.monotonic()
    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    last = time.monotonic()
    while len(received) < len(data):
        try:
            # Whatever has arrived, or wait (up to the 0.1 s timeout) for one byte: a plain
            # read(4096) would sit out the whole timeout whenever fewer bytes are in flight.
            chunk = port.read(port.in_waiting or 1)
        except serial.SerialException as e:
            failure.append(f"read failed after {len(received)} bytes: {e}")
            break
        if chunk:
            last = time.monotonic()
            with lock:
                received.extend(chunk)
                lock.notify_all()
        elif time.monotonic() - last > args.timeout or failure:
            break
    seconds = time.monotonic() - started
    with lock:
        failure.append("done")
        lock.notify_all()
    thread.join(5)
    # Anything arriving after the expected count is extra and counts as an error.
    extra = port.read(4096) if len(received) >= len(data) else b""
    port.close()

    mismatched = [i for i in range(min(len(received), len(data))) if received[i] != data[i]]
    first = None
    if mismatched:
        i = mismatched[0]
        first = {"index": i, "sent": data[i], "got": received[i]}
    elif len(received) < len(data):
        first = {"index": len(received), "sent": data[len(received)], "got": None}
    result = {
        "sent": len(data),
        "received": len(received),
        "ok": min(len(received), len(data)) - len(mismatched),
        "mismatched": len(mismatched),
        "missing": max(0, len(data) - len(received)),
        "extra": len(extra),
        "first_error": first,
        "failure": [f for f in failure if f != "done"],
        "seconds": seconds,
        "bytes_per_second": len(received) / seconds if seconds > 0 else 0.0,
    }
    print(json.dumps(result))
    ok = result["ok"] == len(data) and not extra and not result["failure"]
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
