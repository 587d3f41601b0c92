#!/usr/bin/env python3
"""Mutation testing of models/: does the test suite notice a wrong model?

Makes one small change at a time to the code of models/*.c (an arithmetic or
comparison operator flipped, a numeric constant changed, a field name in a
table misspelt), rebuilds, runs the fast tests, and counts the mutant as
killed when a test fails (or the build, for a misspelt name, fails at load:
that is the contract at work), survived when every test passes. A mutant that
does not compile (with -Werror, as in CI) is stillborn and not counted. The mutants are a deterministic
sample (--seed), so two runs of the same tree give the same list.

Usage: tools/mutate.py [--build DIR] [--count N] [--seed S] [--tests REGEX]
                       [--files GLOB[,GLOB...]] [--timeout S] [--report FILE] [--no-focus]
                       [--only K,K,...] [--lines A-B[,C-D...]]
A mutant of models/X.c first meets unit.test_X, the test written for that
model (most mutants die there, in a second or two); only if it survives does
it meet the whole --tests set (by default the unit tests, the NumPy reference
and cli.test_docs, which fails when a parameter's default, bounds or text no
longer match docs/parameters.md). The fate is the same as running the set alone,
only faster (--no-focus runs the set alone). --only runs just those mutants of
the sample (numbers as printed, 1-based), e.g. the survivors of an earlier run
after tests were added: the counts are then of those mutants only. --lines
keeps only the mutants on those lines (1-based, inclusive) of the --files,
e.g. the code a change added: the sample is then drawn from those alone.
Prints each mutant with its fate and, at the end, the mutation score and the
survivors; --report writes them as Markdown. The tree is restored after each
mutant (and on Ctrl-C).
"""
import argparse
import glob
import os
import random
import re
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

OPERATORS = [
    (r"(?<=[\w\)\]]) \+ (?=[\w\(])", " - "),
    (r"(?<=[\w\)\]]) - (?=[\w\(])", " + "),
    (r"(?<=[\w\)\]]) \* (?=[\w\(])", " / "),
    (r"(?<=[\w\)\]]) / (?=[\w\(])", " * "),
    (r" < (?=[\w\(])", " <= "),
    (r" > (?=[\w\(])", " >= "),
    (r" <= ", " < "),
    (r" >= ", " > "),
    (r" < (?=[\w\(])", " > "),
    (r" > (?=[\w\(])", " < "),
    (r"ps_fmax\(", "ps_fmin("),
    (r"ps_fmin\(", "ps_fmax("),
    (r" && ", " || "),
    (r" \|\| ", " && "),
]
CONSTANT = re.compile(r"(?<![\w.])(\d+\.\d+)(?![\w.])")
TABLE_NAME = re.compile(r'^\s*\{"([a-z][a-z0-9_]+)", PS_(ACTOR|DYAD|THEATER), 1, [01]\},')
# A parameter row: {"name", PS_REAL, "unit", lo, hi, default,
PARAM_ROW = re.compile(r'^\s*\{"[a-z][a-z0-9_]+", PS_(REAL|INT), "[^"]*", ([-\d.e]+), ([-\d.e]+), ([-\d.e]+),')


def code_lines(text):
    """Line numbers (0-based) of code worth mutating: inside functions, not
    comments, preprocessor lines, string-only lines or parameter tables."""
    out = []
    depth = 0
    in_comment = False
    for i, line in enumerate(text.split("\n")):
        s = line.strip()
        starts_comment = s.startswith("/*") or s.startswith("*") or s.startswith("//")
        if in_comment:
            if "*/" in s:
                in_comment = False
            continue
        if s.startswith("/*") and "*/" not in s:
            in_comment = True
            continue
        is_code = (depth > 0 and not starts_comment and not s.startswith("#")
                   and not s.startswith('"') and not s.startswith('{"')
                   and "static const" not in s)
        if is_code and s:
            out.append(i)
        depth += line.count("{") - line.count("}")
    return out


def strip_strings(line):
    return re.sub(r'"(\\.|[^"\\])*"', lambda m: "\0" * len(m.group(0)), line)


def candidates(path):
    text = open(path).read()
    lines = text.split("\n")
    found = []
    for i in code_lines(text):
        line = lines[i]
        if "(const" in line or "static " in line.split("(")[0]:
            continue  # a function signature, not arithmetic
        masked = strip_strings(line.split("/*")[0])
        loop = "for (" in masked  # loop bounds: a mutant reads out of bounds, not a wrong model
        for pat, rep in OPERATORS:
            if loop and ("<" in pat or ">" in pat):
                continue
            for m in re.finditer(pat, masked):
                found.append((path, i, m.start(), m.end(), rep, f"'{m.group(0).strip()}' -> '{rep.strip()}'"))
        for m in CONSTANT.finditer(masked):
            v = float(m.group(1))
            new = "0.0" if v != 0.0 else "1.0"
            if v not in (0.0, 1.0):
                new = repr(v * 2.0)
            found.append((path, i, m.start(1), m.end(1), new, f"{m.group(1)} -> {new}"))
    for i, line in enumerate(lines):
        m = PARAM_ROW.match(line)
        if m:  # a parameter's default, doubled (or halved where that leaves its bounds)
            lo, hi, d = float(m.group(2)), float(m.group(3)), m.group(4)
            v = float(d)
            new = v * 2.0 if v != 0.0 and v * 2.0 <= hi else v / 2.0 if v != 0.0 else (lo + hi) / 2
            if m.group(1) == "INT":
                new = int(round(new))
            if float(new) != v:
                e = m.end(4)
                found.append((path, i, e - len(d), e, repr(new), f"default {d} -> {new}"))
        m = TABLE_NAME.match(line)
        if m:
            name = m.group(1)
            typo = name[:-1] + ("x" if name[-1] != "x" else "y")
            a = line.index('"') + 1
            found.append((path, i, a, a + len(name), typo, f"input '{name}' -> '{typo}'"))
    return found


def run(cmd, timeout, cwd=ROOT):
    """cmd's exit code and output; on a timeout its whole process group is
    killed: a mutant that loops forever (m += 0.0 in a loop) left the test
    ctest started spinning after ctest itself was killed."""
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
        return p.returncode, out
    except BaseException as e:  # a timeout, or Ctrl-C, which the new group does not get
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:  # the group has already gone
            pass
        p.communicate()
        if isinstance(e, subprocess.TimeoutExpired):
            return -1, "timeout"
        raise


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build-mutate"))
    ap.add_argument("--count", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tests", default=r"^unit\.|py\.test_reference|cli\.test_docs")
    ap.add_argument("--files", default="models/*.c", help="glob(s), comma-separated")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--report")
    ap.add_argument("--no-focus", action="store_true")
    ap.add_argument("--only", help="comma-separated sample numbers (1-based) to run")
    ap.add_argument("--lines", help="comma-separated line ranges A-B (1-based) of the files")
    a = ap.parse_args(argv)

    # --files: one glob or several, comma-separated ("models/cover.c,models/damage.c").
    files = sorted({f for g in a.files.split(",") if g for f in glob.glob(os.path.join(ROOT, g))
                    if not f.endswith("models/registry.c")})
    pool = [c for f in files for c in candidates(f)]
    if a.lines:
        try:
            spans = [tuple(int(x) for x in r.split("-")) for r in a.lines.split(",") if r]
            if any(len(t) != 2 or t[0] > t[1] for t in spans):
                raise ValueError
        except ValueError:
            sys.exit(f"--lines: expected ranges A-B with A <= B, comma-separated, not '{a.lines}'")
        pool = [c for c in pool if any(lo <= c[1] + 1 <= hi for lo, hi in spans)]
    rng = random.Random(a.seed)
    sample = rng.sample(pool, min(a.count, len(pool)))
    numbers = list(range(1, len(sample) + 1))
    if a.only:
        numbers = sorted({int(x) for x in a.only.split(",") if x.strip()})
        if not numbers or numbers[0] < 1 or numbers[-1] > len(sample):
            sys.exit(f"--only: numbers must be in 1..{len(sample)}")
    print(f"{len(pool)} possible mutants in {len(files)} files; testing {len(numbers)} of a sample "
          f"of {len(sample)} (seed {a.seed}) against ctest -R '{a.tests}'", flush=True)

    # -Werror as in CI: a mutant CI would refuse to build is stillborn, not a survivor
    rc, out = run(["cmake", "-S", ROOT, "-B", a.build, "-DPACTSIM_WERROR=ON"], 600)
    rc2, out2 = run(["cmake", "--build", a.build, "-j2"], 1800)
    if rc or rc2:
        sys.exit("the unmutated tree does not build:\n" + out + out2)
    rc, out = run(["ctest", "--test-dir", a.build, "-R", a.tests, "-j2"], a.timeout)
    if rc:
        sys.exit("the unmutated tree fails its tests:\n" + out[-3000:])

    killed, survived, stillborn = [], [], []
    t0 = time.time()
    for k in (x - 1 for x in numbers):
        path, i, s, e, rep, what = sample[k]
        original = open(path).read()
        lines = original.split("\n")
        lines[i] = lines[i][:s] + rep + lines[i][e:]
        rel = os.path.relpath(path, ROOT)
        where = f"{rel}:{i + 1} {what}"
        try:
            with open(path, "w") as f:
                f.write("\n".join(lines))
            rc, out = run(["cmake", "--build", a.build, "-j2"], 1800)
            if rc:
                stillborn.append(where)
                fate = "stillborn"
            else:
                own = "^unit\\.test_" + os.path.basename(path)[:-2] + "$"
                rc = 0
                if not a.no_focus:
                    rc, out = run(["ctest", "--test-dir", a.build, "-R", own,
                                   "--no-tests=ignore"], a.timeout)
                if not rc:
                    rc, out = run(["ctest", "--test-dir", a.build, "-R", a.tests, "-j2",
                                   "--stop-on-failure"], a.timeout)
                if rc:
                    failed = re.findall(r"\d+ - (\S+) \(", out)
                    killed.append((where, failed[:3]))
                    fate = "killed by " + (", ".join(failed[:3]) or "timeout")
                else:
                    survived.append(where)
                    fate = "SURVIVED"
        finally:
            with open(path, "w") as f:
                f.write(original)
        print(f"[{k + 1}/{len(sample)} {time.time() - t0:.0f}s] {where}: {fate}", flush=True)
    run(["cmake", "--build", a.build, "-j2"], 1800)

    n = len(killed) + len(survived)
    score = len(killed) / n if n else float("nan")
    print(f"\nmutation score {score:.0%}: {len(killed)} killed, {len(survived)} survived, "
          f"{len(stillborn)} stillborn")
    for s in survived:
        print("  survived:", s)
    if a.report:
        with open(a.report, "w") as f:
            only = f", only sample numbers {a.only}" if a.only else ""
            f.write(f"Mutation score {score:.0%} ({len(killed)} of {n} mutants killed; "
                    f"{len(stillborn)} did not compile), seed {a.seed}{only}, tests `{a.tests}`.\n\n")
            f.write("| survivor |\n|---|\n")
            for s in survived:
                f.write(f"| `{s}` |\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
