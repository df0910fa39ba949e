#!/usr/bin/env python3
"""A hostile guest (DEVELOPERS.md: "no guest action may crash Kiln, hang the host, or touch host
memory outside guest RAM"): firmware images of random bytes, run from the reset vector, so that
the CPU executes random code in real mode and whatever mode it stumbles into, and writes random
values to random I/O ports (PIC, PIT, RTC, i8042, the PCI configuration ports, ...) and memory.

Each image runs for at most a second of wall time. Kiln may stop by itself (a triple fault or a
dead CPU with -no-reboot: status 1; a debug-exit write; a power-off) or be stopped with SIGTERM
(a clean stop: status 128 + 15). Anything else - a crash signal, an abort, a sanitizer report,
a hang past SIGTERM - fails the test.

With --kind multiboot the images are Multiboot kernels entered in 32-bit protected mode whose code
is random bytes salted with system instructions (control registers, MSRs, descriptor tables,
segment loads, writes to the APICs' and HPET's MMIO, port I/O, interrupts, string moves).

Usage: hostile_guest.py KILN [--kind bios|multiboot] [--images N] [--seed S] [--seconds T]
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


LOAD = 0x100000
# Where a hostile write is most interesting: the chipset's MMIO (IOAPIC, HPET, local APIC), the
# BIOS area, the first page (the IVT), the image itself (self-modifying code), the top of RAM.
MMIO_TARGETS = [0xFEC00000, 0xFEC00010, 0xFED00000, 0xFEE00000, 0xFEE00300, 0xFEE00380, 0x000F0000, 0x00000000,
                LOAD, 0x01FFF000]
MSR_TARGETS = [0x10, 0x1B, 0x3A, 0x6E0, 0x174, 0x175, 0x176, 0x179, 0x17B, 0x200, 0x277, 0x2FF, 0x401, 0x402,
               0xC0000080, 0xC0000081, 0xC0000082, 0xC0000100, 0xC0000101, 0xC0000102]


def imm32(rng, choices=None):
    v = rng.choice(choices) + rng.choice([0, 0, 4, 8, 0x10, 0x20, rng.getrandbits(12)]) if choices and rng.random() < 0.7 \
        else rng.getrandbits(32)
    return (v & 0xFFFFFFFF).to_bytes(4, "little")


def system_snippet(rng):
    """One system-level action in 32-bit protected mode with random operands."""
    k = rng.randrange(12)
    mov_eax = lambda v: b"\xB8" + v
    if k == 0:  # mov eax, imm; mov crN, eax
        return mov_eax(imm32(rng)) + bytes([0x0F, 0x22, rng.choice([0xC0, 0xD8, 0xE0])])
    if k == 1:  # wrmsr with a known or random MSR and random EDX:EAX
        return b"\xB9" + imm32(rng, MSR_TARGETS) + mov_eax(imm32(rng)) + b"\xBA" + imm32(rng) + b"\x0F\x30"
    if k == 2:  # rdmsr
        return b"\xB9" + imm32(rng, MSR_TARGETS) + b"\x0F\x32"
    if k == 3:  # lgdt/lidt [addr]
        return bytes([0x0F, 0x01, rng.choice([0x15, 0x1D])]) + imm32(rng, [LOAD, 0])
    if k == 4:  # mov ax, imm16; mov sreg, ax  /  ltr ax  /  lldt ax
        return b"\x66\xB8" + rng.getrandbits(16).to_bytes(2, "little") + rng.choice(
            [b"\x8E\xD8", b"\x8E\xC0", b"\x8E\xE0", b"\x8E\xE8", b"\x8E\xD0", b"\x0F\x00\xD8", b"\x0F\x00\xD0"])
    if k == 5:  # mov dword [MMIO or memory], imm32
        return b"\xC7\x05" + imm32(rng, MMIO_TARGETS) + imm32(rng)
    if k == 6:  # mov eax, [MMIO or memory]
        return b"\xA1" + imm32(rng, MMIO_TARGETS)
    if k == 7:  # int n / iret / far jmp / far call into the image
        return rng.choice([bytes([0xCD, rng.getrandbits(8)]), b"\xCF",
                           b"\xEA" + imm32(rng, [LOAD]) + rng.getrandbits(16).to_bytes(2, "little")])
    if k == 8:  # out/in on a random port with a random value
        return b"\x66\xBA" + rng.getrandbits(16).to_bytes(2, "little") + mov_eax(imm32(rng)) + rng.choice(
            [b"\xEE", b"\xEF", b"\x66\xEF", b"\xEC", b"\xED"])
    if k == 9:  # sti; hlt  /  cli
        return rng.choice([b"\xFB\xF4", b"\xFA", b"\xFB"])
    if k == 10:  # rep movsd/stosd with random ESI/EDI/ECX
        return b"\xBE" + imm32(rng, MMIO_TARGETS) + b"\xBF" + imm32(rng, MMIO_TARGETS) + b"\xB9" + \
            rng.randrange(0, 5000).to_bytes(4, "little") + rng.choice([b"\xF3\xA5", b"\xF3\xAB"])
    # xsetbv / invlpg / wbinvd / clts / mov dr7, eax
    return rng.choice([b"\x31\xC9" + mov_eax(imm32(rng)) + b"\x31\xD2\x0F\x01\xD1", b"\x0F\x01\x3D" + imm32(rng),
                       b"\x0F\x09", b"\x0F\x06", mov_eax(imm32(rng)) + b"\x0F\x23\xF8"])


def make_multiboot_image(rng, size):
    """A Multiboot kernel (a.out kludge, loaded at 1 MiB) entered in 32-bit protected mode. A
    prologue loads its own flat GDT, a stack and an IDT whose 256 gates all lead into the random
    code, so that faults keep the chaos going instead of ending in a triple fault; the code is
    random bytes with system instructions salted in: control registers, MSRs, descriptor tables,
    segment loads, MMIO writes to the APICs and the HPET, port I/O, interrupts."""
    u32 = lambda v: (v & 0xFFFFFFFF).to_bytes(4, "little")
    header = b"".join(u32(v) for v in [0x1BADB002, 0x00010000, -(0x1BADB002 + 0x00010000), LOAD, LOAD, 0, 0, LOAD + 32])
    prologue_size = 7 + 7 + 4 + 10 + 5 + 7 + 5  # the instructions below
    data_at = LOAD + len(header) + prologue_size
    gdt_at, gdt_desc_at, idt_desc_at, idt_at = data_at, data_at + 24, data_at + 32, data_at + 40
    code_at = idt_at + 256 * 8
    code_size = size - (code_at - LOAD)
    prologue = (b"\x0F\x01\x15" + u32(gdt_desc_at)                       # lgdt [gdt_desc]
                + b"\xEA" + u32(LOAD + len(header) + 7 + 7) + b"\x08\x00"  # jmp 0x08:next
                + b"\x66\xB8\x10\x00"                                    # mov ax, 0x10
                + b"\x8E\xD8\x8E\xC0\x8E\xD0\x8E\xE0\x8E\xE8"            # ds, es, ss, fs, gs
                + b"\xBC" + u32(0x90000)                                   # mov esp, 0x90000
                + b"\x0F\x01\x1D" + u32(idt_desc_at)                       # lidt [idt_desc]
                + b"\xE9" + u32(code_at - (LOAD + len(header) + prologue_size)))  # jmp code
    assert len(prologue) == prologue_size
    gdt = bytes(8) + (0x00CF9A000000FFFF).to_bytes(8, "little") + (0x00CF92000000FFFF).to_bytes(8, "little")
    gdt_desc = (23).to_bytes(2, "little") + u32(gdt_at) + bytes(2)
    idt_desc = (256 * 8 - 1).to_bytes(2, "little") + u32(idt_at) + bytes(2)
    idt = b""
    for _ in range(256):
        target = code_at + rng.randrange(0, code_size - 16)
        kind = rng.choice([0x8E00, 0x8F00, 0xEE00])  # interrupt gate, trap gate, DPL 3 interrupt gate
        idt += (target & 0xFFFF).to_bytes(2, "little") + b"\x08\x00" + kind.to_bytes(2, "little") + \
            (target >> 16).to_bytes(2, "little")
    code = bytearray()
    while len(code) < code_size:
        code += system_snippet(rng) if rng.random() < 0.5 else bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 8)))
    return header + prologue + gdt + gdt_desc + idt_desc + idt + bytes(code[:code_size])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kiln")
    parser.add_argument("--images", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--kind", choices=["bios", "multiboot"], default="bios",
                        help="random firmware from the reset vector, or a Multiboot kernel of random system code")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    failures = []
    with tempfile.TemporaryDirectory() as work:
        for n in range(args.images):
            if args.kind == "bios":
                image = make_image(rng, rng.choice([4096, 65536]))
            else:
                image = make_multiboot_image(rng, rng.choice([4096, 32768]))
            path = os.path.join(work, f"image{n}.bin")
            with open(path, "wb") as f:
                f.write(image)
            boot = ["-bios", path] if args.kind == "bios" else ["-kernel", path]
            argv = [args.kiln] + boot + ["-m", "32M", "-no-reboot", "-serial", "null", "-display", "none"]
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
                    keep = os.path.join(tempfile.gettempdir(), f"kiln-hostile-{args.kind}-seed{args.seed}-image{n}.bin")
                    with open(keep, "wb") as f:
                        f.write(image)
                    failures.append(f"image {n} (seed {args.seed}, kept as {keep}): Kiln did not stop within 30 s of SIGTERM")
                    continue
            text = err.decode("utf-8", errors="replace")
            status = proc.returncode
            outcome = text.splitlines()[0] if text else f"status {status}"
            # Kiln's own statuses: 0 (power-off, a reset with -no-reboot), 1 (a triple fault, a dead
            # CPU), odd values from the debug-exit port, 143 after SIGTERM. A negative status is a
            # death by signal; an even one other than 0 is an error exit.
            bad_status = status < 0 or (status % 2 == 0 and status != 0)
            if bad_status or any(m in text for m in SANITIZER_MARKERS):
                keep = os.path.join(tempfile.gettempdir(), f"kiln-hostile-{args.kind}-seed{args.seed}-image{n}.bin")
                with open(keep, "wb") as f:
                    f.write(image)
                failures.append(f"image {n} (seed {args.seed}, kept as {keep}): status {status}\n{text[-3000:]}")
            print(f"image {n}: status {status}: {outcome[:120]}", flush=True)
    if failures:
        print("FAILED:\n" + "\n".join(failures))
        return 1
    print(f"PASS: {args.images} random {args.kind} images, no crash, hang or sanitizer report")
    return 0


if __name__ == "__main__":
    sys.exit(main())
