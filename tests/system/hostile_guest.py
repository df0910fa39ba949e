#!/usr/bin/env python3
"""A hostile guest (DEVELOPERS.md: "no guest action may crash Kiln, hang the host, or touch host
memory outside guest RAM"): firmware images of random bytes, run from the reset vector, so that
the CPU executes random code in real mode and whatever mode it stumbles into, and writes random
values to random I/O ports (PIC, PIT, RTC, i8042, the PCI configuration ports, ...) and memory.

Each image runs for at most a second of wall time. Kiln may stop by itself (a triple fault or a
dead CPU with -no-reboot: status 1; a debug-exit write; a power-off) or be stopped with SIGTERM
(a clean stop: status 128 + 15). Anything else - a crash signal, an abort, a sanitizer report,
a hang past SIGTERM - fails the test.

Usage: hostile_guest.py KILN [--images N] [--seed S] [--seconds T]
"""
import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

SANITIZER_MARKERS = ("AddressSanitizer", "UndefinedBehaviorSanitizer", "runtime error:", "LeakSanitizer")


def make_image(rng, size):
    """Random bytes, with a few shapes that reach more of the machine than pure noise: runs of
    port I/O instructions (OUT imm8/DX, IN) with random ports and values, and far jumps into
    the image, salted in; the last 16 bytes (the reset vector) jump into the image."""
    image = bytearray(rng.getrandbits(8) for _ in range(size))
    for _ in range(size // 64):
        at = rng.randrange(0, size - 16)
        kind = rng.randrange(4)
        if kind == 0:  # mov al, imm; out imm8, al
            image[at:at + 4] = bytes([0xB0, rng.getrandbits(8), 0xE6, rng.getrandbits(8)])
        elif kind == 1:  # mov dx, imm16; mov ax, imm16; out dx, ax
            image[at:at + 7] = bytes([0xBA, rng.getrandbits(8), rng.getrandbits(8), 0xB8, rng.getrandbits(8),
                                      rng.getrandbits(8), 0xEF])
        elif kind == 2:  # mov dx, 0xcf8/0xcfc-ish; in eax, dx (32-bit operand)
            image[at:at + 5] = bytes([0xBA, rng.choice([0xF8, 0xFC, 0xF9]), 0x0C, 0x66, 0xED])
        else:  # cli/sti, hlt
            image[at:at + 2] = bytes([rng.choice([0xFA, 0xFB]), rng.choice([0xF4, 0x90])])
    offset = rng.randrange(0, min(size, 0x10000) - 16)
    reset = size - 16
    # jmp far F000:offset (the image's last 64 KiB is at F0000-FFFFF)
    target = 0x10000 - min(size, 0x10000) + offset
    image[reset:reset + 5] = bytes([0xEA, target & 0xFF, target >> 8, 0x00, 0xF0])
    return bytes(image)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kiln")
    parser.add_argument("--images", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    failures = []
    with tempfile.TemporaryDirectory() as work:
        for n in range(args.images):
            image = make_image(rng, rng.choice([4096, 65536]))
            path = os.path.join(work, f"image{n}.bin")
            with open(path, "wb") as f:
                f.write(image)
            argv = [args.kiln, "-bios", path, "-m", "32M", "-no-reboot", "-serial", "null", "-display", "none"]
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                _, err = proc.communicate(timeout=args.seconds)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGTERM)
                try:
                    _, err = proc.communicate(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.communicate()
                    failures.append(f"image {n} (seed {args.seed}): Kiln did not stop within 30 s of SIGTERM")
                    continue
            text = err.decode("utf-8", errors="replace")
            status = proc.returncode
            outcome = text.splitlines()[0] if text else f"status {status}"
            # Kiln's own statuses: 0 (power-off, a reset with -no-reboot), 1 (a triple fault, a dead
            # CPU), odd values from the debug-exit port, 143 after SIGTERM. A negative status is a
            # death by signal; an even one other than 0 is an error exit.
            bad_status = status < 0 or (status % 2 == 0 and status != 0)
            if bad_status or any(m in text for m in SANITIZER_MARKERS):
                keep = os.path.join(tempfile.gettempdir(), f"kiln-hostile-seed{args.seed}-image{n}.bin")
                with open(keep, "wb") as f:
                    f.write(image)
                failures.append(f"image {n} (seed {args.seed}, kept as {keep}): status {status}\n{text[-3000:]}")
            print(f"image {n}: status {status}: {outcome[:120]}", flush=True)
    if failures:
        print("FAILED:\n" + "\n".join(failures))
        return 1
    print(f"PASS: {args.images} random firmware images, no crash, hang or sanitizer report")
    return 0


if __name__ == "__main__":
    sys.exit(main())
