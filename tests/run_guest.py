#!/usr/bin/env python3
"""Runs inside the guest: every phase of a run, as one KTAP document.

    run_guest.py OUT PHASE...

PHASE is `setup`, a configuration (`none`: no module, the stock 7.3 C; or a
policy name: the module loaded with policy=NAME) or an extra (`hostile`,
`fuzz`, `stress`, `bench`). OUT/guest.ktap gets one top-level test per
phase, each a nested document of its steps; OUT/dmesg/PHASE.txt the kernel
log of that phase. Nothing here decides whether the run passed: every
outcome is a KTAP line, and scripts/report.py judges them against
tests/expectations.
"""
import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "scripts"))
from dmesg_scan import ANNOUNCE, KmsgReader, scan  # noqa: E402
from ktap import Writer, parse  # noqa: E402
from report import MODEL, section_tests  # noqa: E402

# make bench loads a module built for the kernel it boots.
MODULE = os.environ.get("RWP_MODULE") or os.path.join(TOP, "rwp.ko")
BIN = os.environ["RWP_TEST_BIN"]
KSELFTESTS = os.environ["RWP_KSELFTESTS"].split()  # tests/Makefile's TEST_GEN_PROGS
# The kselftest runner's line for each program: its header, its verdict.
RUNNER_HEADER = re.compile(r"^# selftests: \S+: (\S+)$")
RUNNER_RESULT = re.compile(r"^(not )?ok \d+ selftests: \S+: (\S+)(?: # (.*))?$")
PROGRAM_TIMEOUT = 900
# Test-only policies, loaded with mutant=NAME rather than policy=NAME.
BASELINE_CONFIGS = ["none", "wp-only"]
# The one configuration whose model-checker mismatch is shrunk (README: its minimal sequence).
SHRINK_CONFIG = "mixed-batch"
# make sanitize (scripts/sanitize.sh): each configuration runs the model
# checker alone, and the soak phase runs it on random seeds until this many
# seconds after the run began.
MODEL_ONLY = os.environ.get("RWP_MODEL_ONLY") == "1"
SOAK_UNTIL = float(os.environ.get("RWP_SOAK_SECONDS", "0"))
# The configurations the soak runs under: the stock C and the policy the
# module ships, the two that must agree with the model on every seed.
SOAK_CONFIGS = ["none", "merged"]
# A soak's seeds go to the checker in batches of this many (one shrink a
# batch), each SOAK_OPS operations long; the first batch always runs.
SOAK_BATCH = 4
SOAK_OPS = 400
START = time.monotonic()
# make check: the selftests/mm series built on a pristine tree (scripts/upstream.sh).
UPSTREAM_BIN = os.environ.get("RWP_UPSTREAM_BIN", "")
UPSTREAM = sorted(os.listdir(UPSTREAM_BIN)) if UPSTREAM_BIN else []
# The unload-under-load stress must keep loading and unloading: at least
# this many cycles a second. Here, under all six call sites' load, a fresh
# guest makes about 7; after make check's other phases, 1.3 to 2.
MIN_CYCLES_PER_SECOND = 1
# Taints a run may cause: an out-of-tree module (O), an unsigned one (E),
# KUnit having run (N). Anything else (W for a WARN, D for an Oops, ...) fails.
ALLOWED_TAINT = (1 << 12) | (1 << 13) | (1 << 18)
TAINT_LETTERS = "PFSRMBUDAWCIOELKXTN"
KUNIT_GLOB = "/sys/module/kunit/parameters/filter_glob"
RCU_EXPEDITED = "/sys/kernel/rcu_expedited"
COUNTERS = "/sys/kernel/debug/rwp/counters"
KCSAN_DEBUGFS = "/sys/kernel/debug/kcsan"
# make coverage's kernel (scripts/coverage.sh): gcov's counters of the
# profiled files, one .gcda per object, and the file that zeroes them all.
GCOV = "/sys/kernel/debug/gcov"
# The hung-task detector, short enough for phases of half a minute: a task
# in uninterruptible sleep this long is reported (and the dmesg check fails
# on it). Killable sleeps, where a userfaultfd fault waits for its handler,
# are not reported. The longest expected one is a write of mmap_lock behind
# a FOLL_FORCE livelock under seed, which the tests end after 5 s.
HUNG_TASK_SECONDS = 20
HUNG_TASK_CHECK_SECONDS = 4
HUNG_TASK = "/proc/sys/kernel/hung_task_timeout_secs"
HUNG_TASK_CHECK = "/proc/sys/kernel/hung_task_check_interval_secs"
THP = "/sys/kernel/mm/transparent_hugepage"
# The order of the tests' mTHP folios (RWP_MTHP_ORDER, tests/rwp_lib.h).
MTHP_ORDER = 4


def thp_dir(size):
    """The sysfs directory of the THP size (bytes)."""
    return f"{THP}/hugepages-{size >> 10}kB"


kmsg = KmsgReader()


def log(msg):
    """Progress on the console (the host shows it as the run goes)."""
    print(f"  [guest {time.monotonic():6.0f}s] {msg}", flush=True)


def sh(*argv, **kw):
    """Runs a command quietly; (status, combined output)."""
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors="replace", **kw)
    return p.returncode, p.stdout


def write_file(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def bounded(argv, env=None, on_line=None):
    """Runs a program in a session of its own, killed whole (its children
    too) after PROGRAM_TIMEOUT; on_line sees each line as it comes. Returns
    (exit status, output, the directive of its result line, ok): a kill is
    never ok, since a child may have held the output open after the program
    itself exited 0, and whatever it was doing did not finish."""
    out = []
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, errors="replace", start_new_session=True,
                            env=dict(os.environ, **(env or {})))
    timer = threading.Timer(PROGRAM_TIMEOUT, os.killpg, (proc.pid, signal.SIGKILL))
    timer.start()
    for line in proc.stdout:
        out.append(line)
        if on_line:
            on_line(line)
    rc = proc.wait()
    timed_out = not timer.is_alive()
    timer.cancel()
    directive = f"exit={rc}" + (f" killed after {PROGRAM_TIMEOUT}s" if timed_out else "")
    return rc, "".join(out), directive, rc == 0 and not timed_out


def program(w, name, argv, env=None):
    """Runs a KTAP-printing program as a subtest: its output, re-indented,
    then a result line that carries its exit status. Returns its output."""
    log(f"{w.phase}: {name}")
    _, out, directive, ok = bounded(argv, env, w.child().raw)
    w.result(ok, name, directive)
    return out


def kselftests(w):
    """The kselftests (none under RWP_MODEL_ONLY), run the kernel's way:
    `make -C tests run_tests`, the tree's kselftest runner, which prefixes
    each program's output with "# " and gives its verdict (exit status, or
    its timeout from tests/settings).
    Each program becomes a subtest: its output, unprefixed, under the
    runner's verdict. Returns the outputs."""
    if MODEL_ONLY:
        return []
    argv = ["make", "-s", "-C", os.path.join(TOP, "tests"), "run_tests", f"OUTPUT={BIN}",
            f"KSRC={os.environ['KSRC']}", f"KBUILD={os.environ['KBUILD']}"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, errors="replace", start_new_session=True)
    outputs, block, stray = [], None, []
    for line in proc.stdout:
        line = line.rstrip("\n")
        header, result = RUNNER_HEADER.match(line), RUNNER_RESULT.match(line)
        if header:
            log(f"{w.phase}: {header.group(1)}")
            block = []
        elif result and block is not None:
            child = w.child()
            for text in block:
                child.raw(text + "\n")
            w.result(not result.group(1), result.group(2), result.group(3) or "exit=0")
            outputs.append("\n".join(block))
            block = None
        elif block is not None:
            block.append(line[2:] if line.startswith("# ") else line.lstrip("#"))
        elif not line.startswith(("TAP version", "1..", "# timeout", "# overriding")):
            stray.append(line)
    rc = proc.wait()
    if rc or stray:
        # make itself failed, or the runner said something of its own: the
        # programs it did not run are missing from the document.
        for text in stray:
            w.diag(text)
        w.diag(f"make run_tests: exit={rc}")
    return outputs


@contextlib.contextmanager
def gcov_counted(step, bucket):
    """On make coverage's kernel, what the block runs, alone: every counter
    zeroed before it, and after it each .gcda saved under
    OUT/gcov/STEP/BUCKET at its path under GCOV (the object's, in the
    build); scripts/coverage.sh puts the notes beside them and sums each
    bucket's steps. Elsewhere, just the block."""
    if not os.path.isdir(GCOV):
        yield
        return
    write_file(os.path.join(GCOV, "reset"), "1")
    yield
    for root, _, files in os.walk(GCOV):
        dest = os.path.join(OUT, "gcov", step, bucket) + root[len(GCOV):]
        for name in files:
            if name.endswith(".gcda"):
                os.makedirs(dest, exist_ok=True)
                with open(os.path.join(root, name), "rb") as src, \
                        open(os.path.join(dest, name), "wb") as out:
                    out.write(src.read())


def leaf(w, name, ok, *diags, directive=""):
    for d in diags:
        for line in str(d).splitlines():
            w.diag(line)
    w.result(ok, name, directive)


def insmod(w, policy):
    # With its counters: the tests check that the call sites they aim at were asked.
    rc, out = sh(os.path.join(TOP, "tests", "insmod-rwp.sh"), MODULE, policy, "counters=1")
    leaf(w, "insmod", rc == 0, out)
    return rc == 0


def kunit(w, suite="rwp"):
    """A suite's results from debugfs (CONFIG_KUNIT_DEBUGFS): the module's, as
    run at insmod, or a built-in one, as run at boot."""
    try:
        with open(f"/sys/kernel/debug/kunit/{suite}/results", encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        leaf(w, "kunit", False, f"no KUnit results: {e}")
        return
    w.child().raw(text)
    w.result(all(s.status != "not ok" for s in parse(text).children), "kunit")


def counters(w):
    """One test per gate: this configuration's tests consulted it."""
    child = w.child()
    try:
        with open(COUNTERS, encoding="utf-8") as f:
            rows = [line.split() for line in f if line.strip()]
    except OSError as e:
        rows = []
        child.diag(f"no counters: {e}")
    child.header(len(rows), "counters")
    for gate, asked, said, asked_uffd in rows:
        child.result(int(asked) > 0, gate, f"asked={asked} said={said} asked_uffd={asked_uffd}")
    w.result(bool(rows) and child.failed == 0, "counters")


def rmmod(w):
    rc, out = sh("rmmod", "rwp")
    left = os.path.exists("/sys/kernel/debug/rwp") or os.path.exists("/sys/module/rwp")
    leaf(w, "rmmod", rc == 0 and not left, out, "debugfs or sysfs left behind" if left else "")


def taint(w):
    with open("/proc/sys/kernel/tainted", encoding="utf-8") as f:
        value = int(f.read())
    bad = value & ~ALLOWED_TAINT
    letters = "".join(c for i, c in enumerate(TAINT_LETTERS) if bad & (1 << i))
    leaf(w, "taint", bad == 0, f"unexpected taint {letters} ({bad:#x})" if bad else "",
         directive=f"tainted={value:#x}")


def dmesg(w, outputs):
    """The phase's kernel log: no splat, nothing lost, no unannounced dump.
    After the last phase nothing comes later to see a task it left hung:
    its slice is read only once the hung-task detector has had its time."""
    if w.phase == LAST_PHASE and os.path.exists(HUNG_TASK):
        time.sleep(HUNG_TASK_SECONDS + HUNG_TASK_CHECK_SECONDS + 1)
    lines, lost = kmsg.read_new()
    write_file(os.path.join(OUT, "dmesg", f"{w.phase}.txt"), "\n".join(lines) + "\n")
    allowed = sum(o.count(ANNOUNCE) for o in outputs)
    problems = scan(lines, allowed)
    if lost:
        problems.append(f"the ring buffer dropped {lost} records")
    leaf(w, "dmesg", not problems, *problems[:40], directive=f"{len(lines)} lines")


def node_list(path):
    """The nodes of a sysfs node list ("0-1", "0,2-3"); none if unreadable."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read().strip()
    except OSError:
        return []
    nodes = []
    for part in filter(None, text.split(",")):
        first, _, last = part.partition("-")
        nodes += range(int(first), int(last or first) + 1)
    return nodes


def prepare_guest():
    """What the tests need from the guest, set up: (piece, ok, output) for
    each, in setup's order."""
    setup = os.path.join(TOP, "tests", "guest-setup.sh")
    pieces = []
    for piece in ("zram_swap", "ext4_on_loop", "cgroup2"):
        rc, out = sh(setup, piece)
        pieces.append((piece, rc == 0, out))
    os.environ["RWP_DIO_DIR"] = "/tmp/rwp-dio"
    try:
        with open(f"{THP}/hpage_pmd_size", encoding="utf-8") as f:
            pmd = int(f.read())
    except OSError:
        pmd = 0
    pieces.append(("thp_pmd", bool(pmd) and os.path.exists(thp_dir(pmd)), ""))
    pieces.append(("mthp_64k",
                   os.path.exists(thp_dir(os.sysconf("SC_PAGE_SIZE") << MTHP_ORDER)), ""))
    pieces.append(("gup_test", os.path.exists("/sys/kernel/debug/gup_test"), ""))
    rc, out = sh(setup, "hugetlb_2m")
    pieces.append(("hugetlb_2m", rc == 0, out))
    nodes = node_list("/sys/devices/system/node/has_memory")
    pieces.append(("numa_2_nodes", len(nodes) >= 2, f"nodes with memory: {nodes}"))
    pieces.append(("kernel_flavour", *kernel_flavour()))
    return pieces


def prepare_as_setup(w):
    """A boot of its own gets the guest that setup prepares (swap for the
    tests that page out); setup's verdicts are the main boot's."""
    for piece, ok, out in prepare_guest():
        if not ok:
            log(f"{w.phase}: the guest's {piece} is missing: {out}")


def kcsan_counters():
    """KCSAN's debugfs file (enabled, its counters), or "" on a kernel
    without KCSAN."""
    if not os.path.exists(KCSAN_DEBUGFS):
        return ""
    with open(KCSAN_DEBUGFS, encoding="utf-8") as f:
        return f.read()


def kernel_flavour():
    """Whether the kernel is the one the run asked for (RWP_FLAVOUR,
    scripts/env.sh), its instrumentation on: KASAN's boot line; KCSAN
    enabled, with watchpoints set up (an allnoconfig base says no to its
    KCSAN_EARLY_ENABLE: a KCSAN kernel that watches nothing reports
    nothing); gcov's counters; on the test kernel, none of them. A run on
    an instrumented kernel that does not work would pass as a clean one."""
    flavour = os.environ.get("RWP_FLAVOUR", "test")
    _, log_text = sh("dmesg")
    kcsan = dict((k, v.strip()) for k, _, v in
                 (line.partition(":") for line in kcsan_counters().splitlines()))
    found = {"kasan": "KernelAddressSanitizer initialized" in log_text,
             "kcsan": kcsan.get("enabled") == "1" and int(kcsan.get("setup_watchpoints", 0)) > 0,
             "coverage": os.path.isdir(GCOV)}
    present = {"kasan": "KernelAddressSanitizer" in log_text, "kcsan": bool(kcsan),
               "coverage": found["coverage"]}
    ok = all(found[f] if f == flavour else not present[f] for f in found)
    return ok, (f"RWP_FLAVOUR={flavour}; KASAN initialized: {found['kasan']}; "
                f"KCSAN: {kcsan or 'absent'}; gcov: {found['coverage']}")


def phase_setup(w):
    """What the tests need from the guest: each missing piece is a failure,
    named, rather than a test that skips."""
    pieces = prepare_guest()
    w.header(len(pieces), w.phase)
    for piece, ok, out in pieces:
        leaf(w, piece, ok, out)


def phase_config(w, cfg, model=True):
    """One configuration: the stock C (none), a policy or a mutant. The
    tree's own RWP suite runs where it says something: with no module, and
    under wp-only, the bug it does not catch; beside it, in make check, the
    selftests/mm series' programs. The model checker runs its
    fixed seeds, bounded by operations alone (its time bound lifted), so
    that a seed meets the same bug at any speed; it shrinks a mismatch to a
    minimal sequence only under SHRINK_CONFIG (the verdict is the mismatch;
    one shrink a run shows the shrinker works, more would only cost time)."""
    module = cfg in os.environ["RWP_MODULE_CONFIGS"].split()
    # Under RWP_MODEL_ONLY, the model alone: not the kselftests, the tree's
    # and the series' own, nor the call sites counted (only tests reach all).
    baseline = cfg in BASELINE_CONFIGS and not MODEL_ONLY
    sites = module and not MODEL_ONLY
    stock = cfg == "none"
    w.header((0 if MODEL_ONLY else len(KSELFTESTS)) + 2 + model
             + baseline * (1 + len(UPSTREAM)) + (3 if module else 0) + sites + stock, cfg)
    loaded = False
    if module:
        with gcov_counted(f"{cfg}-load", "module"):
            loaded = insmod(w, cfg)
            kunit(w) if loaded else leaf(w, "kunit", False, "not loaded")
    if stock:
        # The kernel crate's provider abstraction, tested at boot: here, not
        # in setup, which also boots make bench's kernel without the series.
        kunit(w, "rust_rwp_gate")
    # On make coverage's kernel, what each of them reaches, on its own.
    with gcov_counted(cfg, "kselftests"):
        outputs = kselftests(w)
    shrink = "15" if cfg == SHRINK_CONFIG else "0"
    if model:
        with gcov_counted(cfg, "model"):
            outputs.append(program(w, "rwp_model_test", [os.path.join(BIN, "rwp_model_test")],
                                   {"RWP_MODEL_SECONDS": "600",
                                    "RWP_MODEL_SHRINK_SECONDS": shrink}))
    if baseline:
        log(f"{cfg}: uffd-unit-tests -f rwp")
        with gcov_counted(cfg, "uffd-unit-tests"):
            rc, out = sh(os.path.join(BIN, "uffd-unit-tests"), "-f", "rwp")
        leaf(w, "uffd-unit-tests", rc == 0, out, directive=f"exit={rc}")
        for name in UPSTREAM:
            outputs.append(program(w, name, [os.path.join(UPSTREAM_BIN, name)]))
    if sites:
        counters(w) if loaded else leaf(w, "counters", False, "not loaded")
    if module:
        with gcov_counted(f"{cfg}-unload", "module"):
            rmmod(w)
    taint(w)
    dmesg(w, outputs)


def phase_kernel_mutant(w):
    """A kernel mutant (scripts/kernel.sh mutant NAME), in a boot of its
    own: the guest prepared as setup prepares it (setup's verdicts are the
    main boot's), then the kselftests as under the stock C, with no module.
    Not the model checker: whether a seed meets a bug outside the gates can
    hang on what the kernel decides by timing (swap-drops-uffd: one seed's
    pageout swapped out its protected pages in one run and discarded them
    in another, on the same kernel), and a verdict must not."""
    prepare_as_setup(w)
    phase_config(w, w.phase, model=False)


def phase_hostile(w):
    w.header(3, w.phase)
    with gcov_counted(w.phase, "module"):
        out = program(w, "hostile-module",
                      [os.path.join(TOP, "tests", "hostile-module.sh"), MODULE,
                       os.path.join(os.path.dirname(MODULE), "tests", "rwp_leak.ko")])
    taint(w)
    dmesg(w, [out])


def phase_fuzz(w):
    """The randomised sequence under every policy and mutant, each loaded and
    unloaded around it; RWP_FUZZ_SEED picks the sequence."""
    configs = os.environ["RWP_MODULE_CONFIGS"].split()
    w.header(len(configs) + 2, w.phase)
    outputs = []
    for cfg in configs:
        sub = w.child()
        sub.phase = f"fuzz {cfg}"
        sub.header(3, cfg)
        insmod(sub, cfg)
        outputs.append(program(sub, "rwp_fuzz_test", [os.path.join(BIN, "rwp_fuzz_test")]))
        rmmod(sub)
        w.result(sub.failed == 0, cfg)
    taint(w)
    dmesg(w, outputs)


def without_kunit(fn):
    """KUnit runs at every insmod; the cycling phases check other things."""
    write_file(KUNIT_GLOB, "none.none")
    try:
        return fn()
    finally:
        write_file(KUNIT_GLOB, "*")


def phase_stress(w):
    """rwp_stress keeps every gate busy while rwp_modcycle loads and unloads
    the module (merged and seed alternately) as fast as it can. wp-only is
    left out: it is the bug, and loses faults by design."""
    seconds = os.environ["RWP_STRESS_SECONDS"]
    min_cycles = MIN_CYCLES_PER_SECOND * int(seconds)
    w.header(5, w.phase)
    cycler = {}

    def cycle():
        cycler["rc"], cycler["out"] = sh(os.path.join(BIN, "rwp_modcycle"), "-c", COUNTERS,
                                         MODULE, "rwp", seconds,
                                         "policy=merged counters=1",
                                         "policy=seed counters=1")
    thread = threading.Thread(target=cycle)

    def run():
        thread.start()
        out = program(w, "rwp_stress", [os.path.join(BIN, "rwp_stress"), seconds])
        thread.join()
        return out
    # Each cycle waits for RCU grace periods (the gates' unregister, the
    # module loader); under TCG and this load a normal one takes hundreds
    # of milliseconds, and the rate would measure RCU, not the module.
    write_file(RCU_EXPEDITED, "1")
    try:
        out = without_kunit(run)
    finally:
        write_file(RCU_EXPEDITED, "0")
    cycles = int(cycler["out"].split()[-1]) if cycler["rc"] == 0 else 0
    leaf(w, "module_cycles", cycler["rc"] == 0 and cycles >= min_cycles, cycler["out"],
         directive=f"{cycles} cycles in {seconds}s, at least {min_cycles}")
    # Every call site the module counts was asked in some load of the run.
    sites = re.findall(r"^# (\S+) reached in (\d+) of", cycler["out"], re.M)
    missed = [s for s, loads in sites if loads == "0"]
    leaf(w, "sites_reached", bool(sites) and not missed,
         directive=f"{len(sites)} sites" + (f", never: {' '.join(missed)}" if missed else ""))
    taint(w)
    dmesg(w, [out])


def phase_bench(w):
    rounds, iters = os.environ["RWP_BENCH_ROUNDS"], os.environ["RWP_BENCH_ITERS"]
    w.header(3, w.phase)
    log(f"bench: {rounds} rounds")
    configs = os.environ.get("RWP_BENCH_CONFIGS", "none merged seed")
    rc, out = without_kunit(lambda: sh(os.path.join(TOP, "tests", "bench-guest.sh"),
                                       BIN, MODULE, rounds, iters, configs))
    write_file(os.path.join(OUT, "bench.raw"), out)
    leaf(w, "bench", rc == 0, *([] if rc == 0 else out.splitlines()[-20:]),
         directive=f"{rounds} rounds")
    taint(w)
    dmesg(w, [])


def random_seeds(n):
    """n seeds from the kernel's entropy."""
    return [int.from_bytes(os.urandom(4), "little") for _ in range(n)]


def soak(w, cfg, seconds):
    """The model checker under cfg on batches of random seeds for about
    seconds (at least one batch): one leaf, a pass only if every seed
    agreed with the model; its diagnostics are the seeds' lines, and all of
    a failing batch's output (the mismatch, its shrunk reproducer).
    Returns (seeds, operations, output)."""
    end, seeds, ops, out, ok, directive = time.monotonic() + seconds, 0, 0, [], True, ""
    module = cfg != "none"
    if module:
        rc, text = sh(os.path.join(TOP, "tests", "insmod-rwp.sh"), MODULE, cfg)
        if rc:
            ok, directive = False, f"insmod: exit={rc}"
            w.diag(text)
    while ok and (seeds == 0 or time.monotonic() < end):
        batch = random_seeds(SOAK_BATCH)
        log(f"{w.phase}: {cfg}: seeds {batch}")
        _, text, directive, ok = bounded([os.path.join(BIN, "rwp_model_test")], {
            "RWP_MODEL_SEEDS": ",".join(map(str, batch)), "RWP_MODEL_OPS": str(SOAK_OPS),
            "RWP_MODEL_SECONDS": "100000", "RWP_MODEL_SHRINK_SECONDS": "60"})
        seeds += len(batch)
        ops += sum(int(m.group(2)) for m in MODEL.finditer(text))
        out.append(text)
        for line in text.splitlines():
            if not ok or "model: seed=" in line:
                w.diag(line.lstrip("# "))
    if module and not directive.startswith("insmod"):
        rc, text = sh("rmmod", "rwp")
        if rc:
            ok, directive = False, f"{directive}, rmmod: exit={rc}"
            w.diag(text)
    w.result(ok, cfg, f"{directive}; {seeds} seeds, {ops} operations")
    return seeds, ops, "".join(out)


def phase_soak(w):
    """make sanitize: after the pinned seeds, random ones for the time left
    (until RWP_SOAK_SECONDS after the run began), split evenly between
    SOAK_CONFIGS."""
    w.header(len(SOAK_CONFIGS) + 2, w.phase)
    outputs = []
    for i, cfg in enumerate(SOAK_CONFIGS):
        left = SOAK_UNTIL - (time.monotonic() - START)
        seeds, ops, out = soak(w, cfg, left / (len(SOAK_CONFIGS) - i))
        log(f"{w.phase}: {cfg}: {seeds} seeds, {ops} operations")
        outputs.append(out)
    taint(w)
    dmesg(w, outputs)


def fixes_tests():
    """The tests of patches/fixes/, as tests/expectations' [unfixed] section
    names them: [(program, harness arguments)], a program once."""
    programs = {}
    for name, test in section_tests(os.path.join(TOP, "tests", "expectations"), "unfixed"):
        programs.setdefault(name, []).extend(["-r", test])
    return list(programs.items())


def phase_unfixed(w):
    """On a 7.3 kernel without patches/fixes/ (scripts/run.sh boots make
    bench's stock flavour for this phase alone): the tests of the fixes,
    which must fail there, and the kernel log their bugs leave."""
    prepare_as_setup(w)
    tests = fixes_tests()
    w.header(len(tests) + 2, w.phase)
    outputs = [program(w, name, [os.path.join(BIN, name), *args]) for name, args in tests]
    taint(w)
    dmesg(w, outputs)


PHASES = {"setup": phase_setup, "hostile": phase_hostile, "fuzz": phase_fuzz,
          "stress": phase_stress, "bench": phase_bench, "unfixed": phase_unfixed,
          "soak": phase_soak}


def main():
    global OUT, LAST_PHASE
    OUT, phases = sys.argv[1], sys.argv[2:]
    LAST_PHASE = phases[-1]
    os.makedirs(os.path.join(OUT, "dmesg"), exist_ok=True)
    # The stock flavour (phase unfixed) has no hung-task detector.
    if os.path.exists(HUNG_TASK):
        write_file(HUNG_TASK, str(HUNG_TASK_SECONDS))
        write_file(HUNG_TASK_CHECK, str(HUNG_TASK_CHECK_SECONDS))
    with open(os.path.join(OUT, "guest.ktap"), "w", encoding="utf-8") as stream:
        top = Writer(stream)
        top.header(len(phases))
        for name in phases:
            w = top.child()
            w.phase = name
            fn = PHASES.get(name)
            if name in os.environ.get("RWP_KERNEL_MUTANTS", "").split():
                fn = phase_kernel_mutant
            start = time.monotonic()
            fn(w) if fn else phase_config(w, name)
            top.result(w.failed == 0, name)
            # Where the VM stage's time goes: the report's stage table.
            with open(os.path.join(OUT, "vm-stages"), "a", encoding="utf-8") as f:
                f.write(f"  {name} {time.monotonic() - start:.0f}\n")
    # A KCSAN kernel's counters, for the host's log: that it set up
    # watchpoints is the evidence that a run without reports watched.
    counters = kcsan_counters()
    if counters:
        write_file(os.path.join(OUT, "kcsan"), counters)


if __name__ == "__main__":
    main()
