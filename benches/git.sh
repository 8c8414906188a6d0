#!/usr/bin/env bash
# Git scan benchmarks, side by side with the floor (git's own output piped into rg over the
# same anchor literals):
#   1. history of REPO:    keyhound git history  vs  git log -p --all | rg  and
#                          git cat-file --batch-all-objects --batch | rg
#   2. staged, one file changed in a generated repository of FILES files (default 50000):
#                          keyhound git staged   vs  git diff --cached | rg
# Usage: benches/git.sh REPO [FILES]
# Needs: hyperfine, rg, git, a build of the profiling profile (release with line tables; built if missing). Nothing is fetched.
set -euo pipefail
cd "$(dirname "$0")/.."

repo=$(cd "${1:?usage: benches/git.sh REPO [FILES]}" && pwd)
files=${2:-50000}
keyhound=$PWD/target/profiling/keyhound
[ -x "$keyhound" ] || cargo build --profile profiling
for tool in hyperfine rg git; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done
anchors="-e AKIA -e ASIA -e ABIA -e ACCA -e A3T -e secret -e Secret -e SECRET -e session_token -e SESSION_TOKEN -e sessionToken -e SessionToken -e security_token -e SECURITY_TOKEN -e securityToken -e SecurityToken"

echo "== history of $repo: $(git -C "$repo" rev-list --all | wc -l) commits"
hyperfine -N --warmup 1 --runs 5 -i \
  "$keyhound git history -j2 --format jsonl $repo" \
  "sh -c 'git -C $repo log -p --all | rg -c -F $anchors'" \
  "sh -c 'git -C $repo cat-file --batch-all-objects --batch | rg -a -c -F $anchors'"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "== staged: one changed file in a repository of $files files ($work)"
git init -q "$work/big"
python3 - "$files" <<'PY' | git -C "$work/big" fast-import --quiet
import sys
files = int(sys.argv[1])
out = sys.stdout
out.write("commit refs/heads/main\ncommitter Bench <b@example.com> 1700000000 +0000\ndata 5\nbulk\n")
for i in range(files):
    data = f"file {i}\nsome content line\n"
    out.write(f"M 100644 inline src/d{i // 500}/f{i}.txt\ndata {len(data)}\n{data}\n")
PY
git -C "$work/big" checkout -q main
printf 'aws_access_key_id = AKIATDL6PABMCTNRC77F\naws_secret_access_key = 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\n' >> "$work/big/src/d3/f1700.txt"
git -C "$work/big" add src/d3/f1700.txt
hyperfine -N --warmup 3 --runs 20 -i \
  "$keyhound git staged --repo $work/big --format jsonl" \
  "sh -c 'git -C $work/big diff --cached | rg -c -F $anchors'"
