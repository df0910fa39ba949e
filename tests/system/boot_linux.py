#!/usr/bin/env python3
"""Whole-system test (issue 6): boots the default guest (scripts/make-guest.sh: Debian's stock
kernel and a busybox initramfs) on Kiln, drives its serial console, checks what a user would,
and powers it off.

Checks: the shell prompt comes up; `uname -r` is the packaged kernel's release; shell arithmetic;
a file written and read back in tmpfs; the SMBIOS names in /sys/class/dmi/id; /proc/interrupts shows the timer and serial interrupts
counting; the kernel log has none of the failure markers below; `poweroff -f` ends Kiln with
status 0. Prints the time from start to the prompt.

Usage: boot_linux.py KILN GUEST_DIR [--timeout SECONDS] [--boot-only] [-- extra flags]
(KILN may be qemu-system-x86_64: the flags are QEMU's.)
"""
import argparse
import os
import re
import select
import subprocess
import sys
import time

PROMPT = "kiln:/# "
KERNEL_LINE = re.compile(r"^\s*\[\s*\d+\.\d+\] ")  # printk's "[    1.234567] " prefix
# Failure markers the issue names, as whole words where that matters ("BUG" is not "DEBUG").
BAD_LOG = [
    (re.compile(r"\bBUG\b"), "BUG"),
    (re.compile(r"\bOops\b"), "Oops"),
    (re.compile(r"\bpanic\b", re.IGNORECASE), "panic"),
    (re.compile(r"\bWARNING\b"), "WARNING"),
    (re.compile(r"timer doesn't work", re.IGNORECASE), "timer doesn't work"),
    (re.compile(r"TSC calibration failed", re.IGNORECASE), "TSC calibration failed"),
    (re.compile(r"APIC.*(error|fail|bug|broken|disabled)|(error|fail|bug|broken).*APIC", re.IGNORECASE), "APIC error"),
    (re.compile(r"unchecked MSR access", re.IGNORECASE), "unchecked MSR access"),
    (re.compile(r"\bcall trace\b", re.IGNORECASE), "call trace"),
    (re.compile(r"DMI not present", re.IGNORECASE), "no SMBIOS tables"),
    (re.compile(r"PM-Timer (had inconsistent|failed consistency)"), "ACPI PM timer rejected"),
    (re.compile(r"clocksource .* unstable|Marking clocksource .* as unstable", re.IGNORECASE), "unstable clocksource"),
]


class Console:
    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.text = ""
        self.pos = 0  # how far expect() has consumed

    def _read(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        ready, _, _ = select.select([self.proc.stdout], [], [], min(remaining, 1.0))
        if ready:
            data = os.read(self.proc.stdout.fileno(), 65536)
            if not data:
                return False
            self.text += data.decode("utf-8", errors="replace")
        return True

    def expect(self, needle, timeout):
        deadline = time.monotonic() + timeout
        while True:
            at = self.text.find(needle, self.pos)
            if at >= 0:
                out = self.text[self.pos:at]
                self.pos = at + len(needle)
                return out
            if self.proc.poll() is not None and not self._read(time.monotonic() + 0.2):
                raise AssertionError(f"Kiln exited with status {self.proc.returncode} while waiting for {needle!r}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {needle!r}")
            self._read(deadline)

    def send(self, line):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def run(self, command, timeout=120):
        """Runs a shell command and returns its output. The output is framed by markers the shell
        computes ($((40+2))), so the terminal's echo of the command line never matches them."""
        self.send(f'echo "@@begin$((40+2))@@"; {command}; echo "@@end$((40+2))@@"')
        self.expect("@@begin42@@", timeout)
        out = self.expect("@@end42@@", timeout)
        self.expect(PROMPT, timeout)
        return out.replace("\r", "").strip("\n")


def interrupt_counts(table):
    counts = {}
    for line in table.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[0].endswith(":") and fields[1].isdigit():
            counts[" ".join(fields[2:])] = int(fields[1])
    return counts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kiln")
    parser.add_argument("guest")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--boot-only", action="store_true",
                        help="only time the boot to the prompt, then power off (bench/boot_linux.sh; any emulator)")
    parser.add_argument("--log", help="write the whole console output to this file")
    # Everything after "--" goes to the emulator as is (argparse would take "-accel" for an
    # option of its own, or refuse positionals after the options).
    argv_in = sys.argv[1:]
    extra = argv_in[argv_in.index("--") + 1:] if "--" in argv_in else []
    if "--" in argv_in:
        argv_in = argv_in[:argv_in.index("--")]
    args = parser.parse_args(argv_in)
    args.extra = extra

    release = open(os.path.join(args.guest, "kernel-release")).read().strip()
    argv = [args.kiln, "-kernel", os.path.join(args.guest, "vmlinuz"), "-initrd", os.path.join(args.guest, "initrd.img"),
            "-append", "console=ttyS0", "-m", "512M", "-nographic"] + args.extra
    print("running:", " ".join(argv), flush=True)
    start = time.monotonic()
    con = Console(argv)
    failures = []
    try:
        con.expect(PROMPT, args.timeout)
        boot_seconds = time.monotonic() - start
        print(f"shell prompt after {boot_seconds:.1f} s", flush=True)
        if args.boot_only:
            con.send("poweroff -f")
            con.proc.wait(timeout=120)
            con._read(time.monotonic() + 0.5)
            if args.log:
                open(args.log, "w").write(con.text)
            print(f"BOOT_SECONDS {boot_seconds:.2f}")
            return 0

        uname = con.run("uname -r")
        if uname.strip() != release:
            failures.append(f"uname -r printed {uname!r}, expected {release!r}")
        arith = con.run("echo $((6 * 7 + 2 ** 10))")
        if arith.strip() != "1066":
            failures.append(f"shell arithmetic printed {arith!r}, expected '1066'")
        readback = con.run("echo kiln-was-here > /tmp/probe && cat /tmp/probe && wc -c < /tmp/probe")
        if readback.split() != ["kiln-was-here", "14"]:
            failures.append(f"tmpfs read-back printed {readback!r}")

        # The firmware tables a BIOS would leave: SMBIOS (Kiln's F-segment; QEMU's SeaBIOS names
        # itself instead), read back through the kernel's DMI decoder.
        dmi = con.run("cat /sys/class/dmi/id/sys_vendor /sys/class/dmi/id/product_name").splitlines()
        if "kiln" in os.path.basename(args.kiln) and dmi != ["Kiln", "Kiln PC (i440FX + PIIX3)"]:
            failures.append(f"/sys/class/dmi/id: {dmi!r}, expected the Kiln board's SMBIOS names")
        elif not dmi or not dmi[0]:
            failures.append("/sys/class/dmi/id/sys_vendor is empty: no SMBIOS tables")

        first = interrupt_counts(con.run("cat /proc/interrupts"))
        con.run("sleep 1")
        second_table = con.run("cat /proc/interrupts")
        second = interrupt_counts(second_table)
        print(second_table, flush=True)
        # The global timer (PIT or HPET on IRQ 0) ticks until the local APIC timers take over, so it
        # must have counted; the local APIC timer and the serial port must still be counting.
        timer = next((k for k in second if k.endswith(" timer")), None)
        if timer is None or second[timer] == 0:
            failures.append("/proc/interrupts: no timer interrupts on IRQ 0")
        for what in ("ttyS0", "Local timer interrupts"):
            name = next((k for k in second if what in k), None)
            if name is None:
                failures.append(f"/proc/interrupts has no {what} line")
            elif second[name] <= first.get(name, 0):
                failures.append(f"/proc/interrupts: {name} did not count ({first.get(name, 0)} then {second[name]})")

        con.send("poweroff -f")
        try:
            status = con.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            failures.append("poweroff -f did not end Kiln within 120 s")
            status = None
        if status is not None and status != 0:
            failures.append(f"Kiln exited with status {status} after poweroff -f")
    except AssertionError as e:
        failures.append(str(e))
    finally:
        if con.proc.poll() is None:
            con.proc.kill()
            con.proc.wait()
        con._read(time.monotonic() + 0.5)

    kernel_log = [line for line in con.text.splitlines() if KERNEL_LINE.match(line)]
    if not kernel_log:
        failures.append("no kernel log on the console")
    for line in kernel_log:
        for pattern, name in BAD_LOG:
            if pattern.search(line):
                failures.append(f"kernel log has {name}: {line.strip()}")
                break
    if args.log:
        open(args.log, "w").write(con.text)
    if failures:
        print("---- console ----\n" + con.text[-20000:], flush=True)
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print(f"PASS: booted to the shell in {boot_seconds:.1f} s; commands, interrupts, log and power-off are right")
    return 0


if __name__ == "__main__":
    sys.exit(main())
