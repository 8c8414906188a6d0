#!/usr/bin/env bash
# File-system scan throughput of keyhound against the floor: ripgrep looking for the same
# anchor literals over the same bytes (same threads, same size limit, hidden and ignored
# files included). Prints hyperfine's table; ratios are from one run, side by side.
#
# Usage: benches/throughput.sh TREE [THREADS]
# Needs: hyperfine and rg (Debian: apt-get install hyperfine ripgrep), a build of the profiling profile (release with line tables; built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

tree=${1:?usage: benches/throughput.sh TREE [THREADS]}
threads=${2:-2}
keyhound=target/profiling/keyhound
[ -x "$keyhound" ] || cargo build --profile profiling
for tool in hyperfine rg; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done

# The anchors of the built-in rules, as the prefilter sees them (key-id prefixes, keyword
# spellings, and the base64 spellings of the prefixes).
anchors=$(python3 - <<'PY'
import base64, re, tomllib
rules = tomllib.load(open("crates/core/rules/aws.toml", "rb"))["rules"]
out = []
for rule in rules:
    out += rule["anchors"]
    if rule["kind"] == "access-key-id":
        for a in (x for x in rule["anchors"] if len(x) >= 4):
            for align in range(3):
                enc = base64.b64encode(b"\0" * align + a.encode() + b"\0\0").decode()
                first, last = 8 * align, 8 * (align + len(a))
                out.append("".join(c for k, c in enumerate(enc) if 6 * k >= first and 6 * k + 6 <= last))
print(" ".join("-e " + a for a in dict.fromkeys(out)))
PY
)

# Warm the page cache so every command reads from memory.
rg -uuu -c -F -e warmup "$tree" >/dev/null 2>&1 || true

hyperfine -N --warmup 1 --runs 5 -i \
  "$keyhound scan -j$threads --max-file-size 64M --format jsonl $tree" \
  "rg -uuu -c -j$threads --max-filesize 64M -F $anchors $tree" \
  "rg -uuu -c -j$threads --max-filesize 64M -F -i -e akia -e asia -e abia -e acca -e aws -e secret $tree"
