#!/usr/bin/env python3
"""Writes a git fast-import stream of a large synthetic history to stdout.

The history has COMMITS commits (default 50,000) on one branch, each changing FILES_PER
COMMIT files (default 4) among PATHS paths in nested directories, so there are about
COMMITS * FILES_PER_COMMIT distinct blobs (200,000 by default). Contents are source-like
text that evolves line by line, as real files do, so packs delta well. A handful of
commits plant fake AWS credentials (never issued by AWS) and later commits remove them:
a history scan must find every one.

Deterministic: the same arguments give the same repository, byte for byte.

Usage: benches/gen_history.py [COMMITS] [FILES_PER_COMMIT] [PATHS] | git fast-import
"""

import random
import sys

COMMITS = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
PER_COMMIT = int(sys.argv[2]) if len(sys.argv) > 2 else 4
PATHS = int(sys.argv[3]) if len(sys.argv) > 3 else 20_000
PLANTED = 25

rng = random.Random(1729)
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
WORDS = ("config handler request response buffer client server value index cache "
         "token parser result status message record stream writer reader context").split()


def key_pair(n):
    r = random.Random(n)
    key_id = "AKIA" + r.choice("QRSTUVWXYZ234567") + "".join(r.choice(B32) for _ in range(15))
    secret = "".join(r.choice(B64) for _ in range(40))
    return key_id, secret


def line():
    a, b, c = rng.choice(WORDS), rng.choice(WORDS), rng.choice(WORDS)
    kind = rng.randrange(4)
    if kind == 0:
        return f"    let {a}_{b} = {c}.get({rng.randrange(1000)});"
    if kind == 1:
        return f"    // {a} the {b} before the {c} is ready"
    if kind == 2:
        return f"    if {a}.{b}() > {rng.randrange(100)} {{ return {c}; }}"
    return f"    {a}.set_{b}(\"{c}-{rng.randrange(10**6)}\");"


def path_of(i):
    return f"src/m{i % 37}/d{(i // 37) % 23}/f{i}.rs"


files = {}
out = sys.stdout.buffer
planted_at = {COMMITS * (k + 1) // (PLANTED + 1): k for k in range(PLANTED)}
removal = {}
for n in range(COMMITS):
    changes = []
    for _ in range(PER_COMMIT):
        i = rng.randrange(PATHS)
        lines = files.get(i)
        if lines is None:
            lines = [f"// file {i}", "fn main() {"] + [line() for _ in range(rng.randrange(20, 60))] + ["}"]
        else:
            at = rng.randrange(2, len(lines))
            if rng.random() < 0.6 or len(lines) < 10:
                lines.insert(at, line())
            else:
                lines[at] = line()
        files[i] = lines
        changes.append((path_of(i), "\n".join(lines) + "\n"))
    if n in planted_at:
        key_id, secret = key_pair(planted_at[n])
        text = f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"
        changes.append((f"deploy/leak{planted_at[n]}/credentials", text))
        removal[n + 50] = f"deploy/leak{planted_at[n]}/credentials"
    deletions = [removal.pop(n)] if n in removal else []
    message = f"change {n}\n"
    out.write(b"commit refs/heads/main\n")
    out.write(f"committer Bench <bench@example.com> {1_600_000_000 + n * 60} +0000\n".encode())
    out.write(f"data {len(message)}\n{message}".encode())
    for path in deletions:
        out.write(f"D {path}\n".encode())
    for path, text in changes:
        data = text.encode()
        out.write(f"M 100644 inline {path}\ndata {len(data)}\n".encode())
        out.write(data)
        out.write(b"\n")
    out.write(b"\n")
