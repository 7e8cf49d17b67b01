"""KTAP, the one format every result of this project travels in: the guest
runner writes it (Writer), KUnit and kselftest_harness already speak it, and
report.py reads it back (parse) as a tree to judge against tests/expectations.

Nesting is measured, not assumed: KUnit's debugfs output nests by 4 spaces,
our runner by 2. A version line indented deeper than the current document
opens a child document; the next result line at the parent's indentation
closes it and is the child's result.

Not the tree's tools/testing/kunit/kunit_parser.py: the judge needs what
that parser folds away. It keeps SKIP as the only directive (TODO, XFAIL,
XPASS and the runner's exit=N and "killed after" become a plain ok or not
ok, and a killed program could pass), and a broken plan or numbering is a
printed line and a count of errors, with no line number, where here each
is an error of the node it belongs to, with its line, and fails the run.
"""
import re
from dataclasses import dataclass, field

VERSION = re.compile(r"(?:KTAP|TAP) version \d+$")
PLAN = re.compile(r"1\.\.(\d+)(?:\s*#.*)?$")
RESULT = re.compile(r"(not )?ok (\d+)\b(.*?)(?:\s+#\s*(.*))?$")
SUBTEST = re.compile(r"# Subtest: (.*)$")
BAIL = re.compile(r"Bail out!\s*(.*)$")
SKIP = re.compile(r"skip\b", re.I)


@dataclass
class Node:
    """One test: its result line and, for a parent, the document before it.

    The root (name None, status None) is the whole text; its children are the
    top-level tests. errors say what is wrong with the node's own document."""
    name: str
    status: str = None  # 'ok', 'not ok' or 'skip'
    directive: str = ""  # after '#': 'SKIP reason', 'exit=139', 'TODO ...'
    line: int = 0
    diagnostics: list = field(default_factory=list)  # de-indented raw lines
    children: list = None  # a list when a child document came before it
    plan: int = None  # N of the child document's 1..N
    errors: list = field(default_factory=list)


class _Doc:
    """A document being read: its indentation and what it holds so far."""

    def __init__(self, indent, line, versioned):
        self.indent, self.line, self.versioned = indent, line, versioned
        self.since = line  # index of the first line after the last result
        self.results, self.pending, self.errors = [], [], []
        self.plan = self.subtest = self.ended = None


def _indent(line):
    return len(line) - len(line.lstrip())


def _dedent(line, indent):
    return line[indent:] if not line[:indent].strip() else line.lstrip()


def parse(text):
    """The root Node of a KTAP text: its children are the top-level tests."""
    return _Parser(text.splitlines()).run()


class _Parser:
    """The open documents as a stack, innermost last; the root's indentation
    is its version line's, as the text may come already nested."""

    def __init__(self, lines):
        self.lines = [line.rstrip() for line in lines]
        text = [line for line in self.lines if line.strip()]
        first = next((line for line in text if VERSION.match(line.strip())), text[0] if text else "")
        self.stack = [_Doc(_indent(first), 0, False)]

    def run(self):
        for i, line in enumerate(self.lines):
            if line.strip():
                self.feed(i, _indent(line), line.strip())
        while len(self.stack) > 1:
            self.unterminated(len(self.lines))
        doc = self.stack[0]
        return Node(None, diagnostics=doc.pending, children=doc.results, plan=doc.plan,
                    errors=doc.errors)

    def feed(self, i, indent, body):
        """One non-blank line: structure at the document's own indentation,
        anything else a diagnostic of the innermost document it fits in."""
        if VERSION.match(body):
            return self.version(i, indent)
        doc = next((d for d in reversed(self.stack) if d.indent <= indent), self.stack[0])
        own = doc.indent == indent
        if own and (m := RESULT.match(body)):
            return self.result(i, doc, m)
        if own and (m := PLAN.match(body)):
            return self.plan(i, doc, int(m.group(1)))
        if own and (m := SUBTEST.match(body)) and doc.subtest is None and not doc.results:
            doc.subtest = m.group(1).strip()
            return
        if BAIL.match(body):
            doc.errors.append(f"line {i + 1}: {body}")
            doc.ended = "Bail out!"
        elif RESULT.match(body):
            doc.errors.append(f"line {i + 1}: a result line not at its document's indentation "
                              f"({indent}, not {doc.indent}): {body}")
        doc.pending.append(_dedent(self.lines[i], doc.indent))

    def version(self, i, indent):
        while len(self.stack) > 1 and self.stack[-1].indent > indent:
            self.unterminated(i)
        top = self.stack[-1]
        if top.indent < indent:
            self.stack.append(_Doc(indent, i + 1, True))
            return
        if top.versioned or top.results:
            top.errors.append(f"line {i + 1}: a second version line in one document")
        top.versioned = True

    def plan(self, i, doc, count):
        if doc.plan is not None:
            doc.errors.append(f"line {i + 1}: a second plan")
        else:
            doc.plan = count
        if doc.results:  # a trailing plan ends the document
            doc.ended = doc.ended or "its trailing plan"

    def result(self, i, doc, m):
        while self.stack[-1] is not doc and self.stack[-2] is not doc:
            self.unterminated(i)  # skipped a level: the inner one never closed
        directive = m.group(4) or ""
        status = "skip" if SKIP.match(directive) else "not ok" if m.group(1) else "ok"
        node = Node(m.group(3).strip(), status, directive, i + 1, doc.pending)
        if self.stack[-1] is not doc:
            self.close(self.stack.pop(), node, doc, i)
        number, expected = int(m.group(2)), len(doc.results) + 1
        if number != expected:
            doc.errors.append(f"line {i + 1}: test {node.name} is number {number}, expected {expected}")
        if doc.ended:
            doc.errors.append(f"line {i + 1}: result {node.name} after the end of the document "
                              f"({doc.ended})")
        self.add(doc, node, i)

    def close(self, child, node, doc, i):
        """Hang a child document under node; the whole span is its diagnostics,
        so a failure message printed deep inside is visible to the parent."""
        node.children, node.plan, node.errors = child.results, child.plan, child.errors
        node.diagnostics = [_dedent(line, doc.indent) for line in self.lines[doc.since:i] if line.strip()]

    def unterminated(self, i):
        """The innermost document never got its result line (the output stops,
        or jumps out two levels): keep what it has, as a failed test."""
        child = self.stack.pop()
        doc = self.stack[-1]
        node = Node(child.subtest or f"(document at line {child.line})", "not ok", "unterminated",
                    child.line)
        self.close(child, node, doc, i)
        doc.errors.append(f"line {child.line}: the document {node.name} has no result line "
                          "closing it (the output stops early?)")
        self.add(doc, node, i)

    @staticmethod
    def add(doc, node, i):
        doc.results.append(node)
        doc.pending, doc.since = [], i + 1


class Writer:
    """Writes KTAP as the guest runner produces it, one flushed line at a
    time, so a guest that dies mid-way still leaves every finished result."""

    def __init__(self, stream, indent=0):
        self.stream, self.indent = stream, indent
        self.count = self.failed = 0  # results written; those not ok (a skip is ok)

    def _line(self, text):
        self.stream.write((" " * self.indent + text).rstrip() + "\n")
        self.stream.flush()

    def header(self, n, name=None):
        """Version and plan; name adds `# Subtest: name`, which lets the
        judge name this document even if its result line never comes."""
        self._line("KTAP version 1")
        if name:
            self._line(f"# Subtest: {name}")
        self._line(f"1..{n}")

    def diag(self, line):
        for part in str(line).splitlines() or [""]:
            self._line(f"# {part}")

    def result(self, ok, name, directive=""):
        """ok is True, False or 'skip' (directive is then the reason)."""
        if "#" in name or "\n" in name or not name.strip():
            raise ValueError(f"a test name KTAP cannot carry: {name!r}")
        if ok == "skip":
            directive = f"SKIP {directive}".strip()
        self.count += 1
        self.failed += not ok
        text = f"{'ok' if ok else 'not ok'} {self.count} {name}"
        self._line(f"{text} # {directive}" if directive else text)

    def child(self):
        return Writer(self.stream, self.indent + 2)

    def raw(self, text):
        """A program's own output (its KTAP, its messages), nested here."""
        for line in text.splitlines():
            self._line(line)
