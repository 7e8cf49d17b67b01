"""The guest's kernel log, read in slices and checked for splats.

The guest runner reads /dev/kmsg after every phase (`KmsgReader.read_new`),
so each phase's log is checked on its own and nothing scrolls away unseen:
every record carries a sequence number, and a gap between slices means the
ring buffer dropped records, which fails the check.

One stack dump is expected, not a splat: with CONFIG_DEBUG_VM,
handle_userfault() prints "FAULT_FLAG_ALLOW_RETRY missing" and dumps the
stack when a sync userfaultfd fault comes from a GUP that cannot retry
(/proc/pid/mem, ptrace, gup_test), which the sync GUP tests do on purpose
and announce (`ANNOUNCE` in their output). `scan` skips exactly such a
block: the trigger line, then only lines shaped like a stack dump, ending
within `DUMP_MAX_LINES` (x86: at `</TASK>`; arm64 and riscv, whose
dump_backtrace() has no end marker: at its last frame), with
handle_userfault() on the stack. Anything else inside an x86 window ends the skip and is scanned.
"""
import os
import re
import sys

# Lines that mean the kernel misbehaved. Each detector behind them is
# configured (config/rwp.config): lockdep, DEBUG_VM, DEBUG_ATOMIC_SLEEP,
# RCU stall warnings, DETECT_HUNG_TASK, SOFTLOCKUP_DETECTOR. Many reports
# start with WARNING: or BUG:; the others are listed by their own words,
# since they neither taint the kernel nor carry that prefix (and some only
# print a line, with no stack dump after it). Case matters: a normal boot
# says "kfence: initialized", a cgroup's limit "Memory cgroup out of memory:";
# only the system running out of memory says "Out of memory:". Left out on
# purpose: informational lines, boot-time setup failures, hardware memory
# errors, "Write-error on swap-device" (the page is redirtied and retried
# under memory pressure), gup_test's requested dump_page() and the direct
# I/O invalidation warning (user space can collide with itself).
SPLAT = re.compile("|".join([
    r"WARNING:|BUG:|Oops|general protection fault|Kernel panic|Call Trace:|Call trace:|cut here",
    # BUG(), VM_BUG_ON*(): "kernel BUG at mm/gup.c:1!", no colon after BUG
    r"kernel BUG at",
    # x86's die() for a BUG() or a bad instruction; arm64's page fault oops
    r"invalid opcode:|Unable to handle kernel",
    # SLUB debugging: "BUG kmalloc-64 (Not tainted): Poison overwritten"
    r"^BUG \S+ \([^)]*\): |slabs counted but counter=",
    # pmd_ERROR() and friends: "mm/pgtable-generic.c:53: bad pmd 00000000deadbeef(...)"
    r":\d+: bad (pte|pmd|pud|p4d|pgd) ",
    # swap entries that point nowhere: a marker or a PTE read as a swap entry
    r"Bad swap (file|offset) entry|unrecognized swap entry|Read-error on swap-device|"
    r"Decompression error from zswap",
    # struct page and mm accounting (each also says BUG: today, pinned anyway)
    r"Bad page map|Bad page state|Bad page cache|Bad rss-counter state",
    r"pagealloc: (memory corruption|single bit error)|PAGETABLE BUG",
    r"Corrupted page table at address|Thread overran stack|"
    r"Kernel memory (overwrite|exposure) attempt detected",
    # CONFIG_DEBUG_LIST, refcount_t, and the sanitizers (when configured)
    r"list_(add|del) corruption|refcount_t:|\b(UBSAN|KASAN|KFENCE|KCSAN):|Double-freed CB",
    # RCU: normal and expedited stall reports, and their follow-ups
    r"rcu: INFO:|detected (expedited )?stalls?|self-detected stall|"
    r"Expedited stall ended|Stall ended (before|during)|kthread starved for|"
    r"kthread timer wakeup didn't happen",
    # lockdep, and lockdep turning itself off (no later report would come)
    r"possible recursive locking|possible circular locking|inconsistent lock state|"
    r"suspicious RCU usage|trying to register non-static key|"
    r"turning off the locking correctness validator",
    # hung tasks ("blocked in I/O wait for more than" too), lockups, global OOM
    r"INFO: task .*\bblocked\b|soft lockup|hard LOCKUP|workqueue lockup|Out of memory:",
]))
DUMP_TRIGGER = re.compile(r"^FAULT_FLAG_ALLOW_RETRY missing [0-9a-f]+$")
# A frame: x86 marks unreliable ones "? ", arm64 says how it found some:
# " (C)" the current PC, " (L)" the link register, " (P)" at an exception;
# riscv's print_ip_sym() puts the address first: "[<ffffffff80001234>] ".
DUMP_LINE = re.compile(
    r"^(CPU: \d+ UID: .*|Tainted: .*|Hardware name: .*|Call Trace:|Call trace:|"
    r"\s*<TASK>|\s*</TASK>|"
    r"\s*(\? )?(\[<[0-9a-f]+>\] )?[\w.]+\+0x[0-9a-f]+/0x[0-9a-f]+( \[\w+\])?( \([CLP]\))?|"
    r"\s*(RIP|RSP|RAX|RDX|RBP|R10|R13|Code): .*)$"
)
# A trace header: x86's dump then opens <TASK> and ends at </TASK>; arm64's
# ("Call trace:") and riscv's ("Call Trace:", no <TASK>) end at the first
# line that is not a frame.
TRACE_HEADERS = ("Call trace:", "Call Trace:")
DUMP_MAX_LINES = 80
# What a test prints when it makes a sync GUP that cannot retry.
ANNOUNCE = "rwp: expect a FAULT_FLAG_ALLOW_RETRY stack dump"


def _dump_end(lines, start):
    """Index after the expected dump starting at lines[start], or None."""
    seen_handler = header = task = False
    end = min(len(lines), start + 1 + DUMP_MAX_LINES)
    for i in range(start + 1, end):
        unterminated = header and not task
        if not DUMP_LINE.match(lines[i]):
            return i if unterminated and seen_handler else None
        seen_handler |= "handle_userfault+" in lines[i]
        header |= lines[i] in TRACE_HEADERS
        task |= lines[i].strip() == "<TASK>"
        if lines[i].strip() == "</TASK>":
            return i + 1 if seen_handler else None
    unterminated = header and not task
    # The slice ended with an arm64 or riscv dump, within the bound.
    if unterminated and seen_handler and end == len(lines):
        return end
    return None


def scan(lines, allowed_dumps):
    """Checks one slice of the log. Returns a list of problems (empty when
    clean): splat lines, and more expected dumps than were announced."""
    problems, dumps, i = [], 0, 0
    while i < len(lines):
        if DUMP_TRIGGER.match(lines[i]):
            end = _dump_end(lines, i)
            if end is not None:
                dumps += 1
                i = end
                continue
            problems.append(f"a '{lines[i]}' without the expected stack dump after it")
        elif SPLAT.search(lines[i]):
            problems.append(lines[i])
        i += 1
    if dumps > allowed_dumps:
        problems.append(f"{dumps} handle_userfault() stack dumps, "
                        f"but the tests announced only {allowed_dumps}")
    return problems


# A /dev/kmsg record's head: "LEVEL,SEQ,USECS,FLAGS;".
RECORD = re.compile(r"\d+,\d+,\d+,[^;]*;")


def parse_record(raw):
    """(sequence number, message) of one /dev/kmsg record."""
    head, _, text = raw.partition(";")
    seq = int(head.split(",")[1])
    message = text.split("\n", 1)[0]	# continuation lines are KEY=value
    return seq, re.sub(r"\\x([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), message)


class KmsgReader:
    """Reads the records logged since the last call, and notices loss."""

    def __init__(self, path="/dev/kmsg"):
        self.path = path
        self.last_seq = -1	# the first record of a boot is number 0

    def read_new(self):
        """(lines, lost): the new messages, and how many records the ring
        buffer dropped before they could be read."""
        fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        records, overwritten = [], 0
        try:
            while True:
                try:
                    records.append(os.read(fd, 8192).decode("utf-8", "replace"))
                except BlockingIOError:
                    break
                except BrokenPipeError:	# overwritten while reading
                    overwritten += 1
        finally:
            os.close(fd)
        lines, lost = self.accept(records)
        return lines, lost + overwritten

    def accept(self, records):
        """The messages of the records not seen before, and how many
        records are missing between the last one seen and these."""
        lines, lost = [], 0
        for raw in records:
            seq, message = parse_record(raw)
            if seq <= self.last_seq:
                continue
            lost += seq - self.last_seq - 1
            self.last_seq = seq
            lines.append(message)
        return lines, lost


def check_capture(text, announced):
    """Problems in a capture of /dev/kmsg from boot (one record a line, as
    `cat /dev/kmsg` writes them; continuation lines start with a space),
    allowing `announced` expected dumps."""
    records, garbled = [], []
    for line in text.split("\n"):
        if not line or line.startswith(" "):
            continue
        (records if RECORD.match(line) else garbled).append(line)
    lines, lost = KmsgReader().accept(records)
    problems = scan(lines, announced)
    # Two writers, or a write cut short: the capture itself cannot be trusted.
    problems += [f"a garbled record in the capture: '{line[:80]}'" for line in garbled[:3]]
    if lost:
        problems.append(f"the capture misses {lost} records")
    return problems


def main(argv):
    """dmesg_scan.py KMSG OUTPUT...: checks a capture of /dev/kmsg taken
    while the programs that wrote OUTPUT... ran; prints each problem and
    fails if there is one."""
    with open(argv[0], encoding="utf-8", errors="replace") as f:
        text = f.read()
    announced = 0
    for path in argv[1:]:
        with open(path, encoding="utf-8", errors="replace") as f:
            announced += f.read().count(ANNOUNCE)
    problems = check_capture(text, announced)
    for problem in problems[:40]:
        print(f"dmesg: {problem}")
    print(f"dmesg: {'clean' if not problems else f'{len(problems)} problems'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
