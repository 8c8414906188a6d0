#!/usr/bin/env bash
# Peak memory of `keyhound scan` with many findings: one file of N distinct, well-formed
# key ids (default 1,000,000: 21 MB), one finding per line, in every output format. Prints
# each format's peak RSS (GNU time's maximum resident set size) and its ratio to the
# input's size. Needs GNU time (`apt-get install time`) and python3.
#
#   benches/memory.sh                   # 1M findings, release build
#   N=200000 benches/memory.sh          # fewer
#   KEYHOUND=path/to/keyhound benches/memory.sh
set -euo pipefail

cd "$(dirname "$0")/.."
N=${N:-1000000}
if [[ -z "${KEYHOUND:-}" ]]; then
    cargo build --release --bin keyhound >&2
    KEYHOUND="${CARGO_TARGET_DIR:-target}/release/keyhound"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Key ids as tests/util.rs's key_id_for_account makes them: AKIA + 16 base32 characters
# holding an account id and splitmix64 filler bits, so they pass keyhound's checks.
python3 - "$N" > "$work/keys.txt" <<'PY'
import sys
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
M = (1 << 64) - 1
out = []
for i in range(int(sys.argv[1])):
    z = (i + 0x9E3779B97F4A7C15) & M
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    z ^= z >> 31
    account = 100000000000 + i * 7919 % 899999999999
    bits = (((account << 7) | (z & 0x7F)) << 32) | (z >> 32)
    out.append("AKIA" + "".join(B32[(bits >> (5 * k)) & 31] for k in range(15, -1, -1)))
sys.stdout.write("\n".join(out) + "\n")
PY
input=$(stat -c %s "$work/keys.txt")
printf 'input: %d key ids, %d bytes\n' "$N" "$input"
printf '%-7s %10s %12s %8s %10s\n' format findings "peak RSS" "x input" "wall"
for format in human jsonl json sarif gitlab; do
    set +e
    /usr/bin/time -f '%M %e' -o "$work/time" "$KEYHOUND" scan -j2 --format "$format" \
        "$work/keys.txt" > "$work/out" 2> "$work/err"
    code=$?
    set -e
    if [[ $code -ne 1 ]]; then
        echo "$format: exit $code" >&2
        tail -3 "$work/err" >&2
        exit 1
    fi
    read -r kib wall < <(tail -1 "$work/time")
    findings=$(grep -o '[0-9]* findings' "$work/err" | head -1 | cut -d' ' -f1)
    printf '%-7s %10s %9d MB %8.1f %9ss\n' "$format" "$findings" $((kib / 1024)) \
        "$(echo "$kib * 1024 / $input" | bc -l)" "$wall"
done
