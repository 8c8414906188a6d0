#!/usr/bin/env bash
# Regenerates the seed corpus of every fuzz target (fuzz/corpus/<target>/seed-*) from
# fixtures/, the built-in rules, the configuration docs, and a tiny repository made here
# with git. Regression inputs (fuzz/corpus/<target>/crash-*) are kept. Deterministic:
# run it again and git shows no change.
# Usage: fuzz/seed.sh (from any directory; needs git and python3).
set -euo pipefail

cd "$(dirname "$0")/.."
corpus=fuzz/corpus
for target in scanner pack_delta pack_index tree rules_toml config_toml baseline_json writers; do
    mkdir -p "$corpus/$target"
    rm -f "$corpus/$target"/seed-*
done

# A tiny repository: a file rewritten over a few commits (so the pack has deltas, blobs
# and trees alike), a subdirectory, a key from the scan fixtures. Dates and names fixed,
# so the objects are the same on every run.
repo=$(mktemp -d)
trap 'rm -rf "$repo"' EXIT
export GIT_AUTHOR_NAME=Dev GIT_AUTHOR_EMAIL=dev@example.com GIT_COMMITTER_NAME=Dev \
    GIT_COMMITTER_EMAIL=dev@example.com GIT_AUTHOR_DATE='2024-01-01T00:00:00Z' \
    GIT_COMMITTER_DATE='2024-01-01T00:00:00Z' GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
git() { command git -C "$repo" "$@"; }
git init -q -b main
mkdir -p "$repo/deploy"
for version in 1 2 3 4 5; do
    for line in $(seq 1 40); do
        if [ $((line % 8)) -eq "$version" ]; then
            echo "setting_$line = changed in version $version"
        else
            echo "setting_$line = value $line"
        fi
    done >"$repo/settings.ini"
    echo "release $version" >"$repo/deploy/VERSION"
    if [ "$version" -ge 3 ]; then
        cp fixtures/scan/positive/shell-export/deploy.sh "$repo/deploy/run.sh"
    fi
    git add -A
    git commit -q -m "version $version"
done

python3 - "$repo" "$corpus" <<'EOF'
import glob, hashlib, os, struct, subprocess, sys, zlib

repo, corpus = sys.argv[1], sys.argv[2]

def git(*args, **kw):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, **kw).stdout

def write(target, name, data):
    with open(os.path.join(corpus, target, "seed-" + name), "wb") as f:
        f.write(data)

# Scan fixtures (the README and the expected list are not fixtures).
fixtures = sorted(
    p for p in glob.glob("fixtures/scan/**/*", recursive=True)
    if os.path.isfile(p) and os.path.basename(p) not in ("README.md", "expected.txt")
)
for i, path in enumerate(fixtures):
    data = open(path, "rb").read()
    name = path[len("fixtures/scan/"):].replace("/", "-")
    # scanner: mode (chunk sizes, and every fourth one padded past a window edge), shift.
    sizes = bytes([1, 7, 64, 3, 250, 0, 17])[: i % 8]
    mode = len(sizes) | (0x80 if i % 4 == 0 else 0)
    write("scanner", name, bytes([mode, (i * 37) % 256]) + sizes + data)
    # writers: flags (secrets shown, colour), the path, then the file.
    rel = path[len("fixtures/scan/"):].encode()
    write("writers", name, bytes([i % 4]) + rel + b"\n" + data)

# Rules: the built-in files on their own and on top of the built-ins (duplicates: an error).
for path in sorted(glob.glob("crates/core/rules/*.toml")):
    data = open(path, "rb").read()
    base = os.path.basename(path)
    write("rules_toml", base, b"\x00" + data)
    write("rules_toml", "builtin-" + base, b"\x01" + data)
# The TOML examples of the docs: configurations (whole) and rule files.
def toml_blocks(path):
    text, blocks = open(path).read(), []
    while "```toml\n" in text:
        text = text.split("```toml\n", 1)[1]
        block, text = text.split("```", 1)
        blocks.append(block.encode())
    return blocks
for doc in ["docs/configuration.md", "docs/library.md", "docs/RULES.md"]:
    for n, block in enumerate(toml_blocks(doc)):
        name = f"{os.path.basename(doc)[:-3]}-{n}.toml"
        write("rules_toml", name, b"\x03" + block)
        write("config_toml", name, block)
write("config_toml", "minimal.toml", b'max_file_size = "1M"\n[allowlist]\nvalues = ["AKIAQWZ7RNE3OSJHKV4D"]\n')
write("config_toml", "custom-rule.toml", open("crates/core/rules/canary-accounts.toml", "rb").read())

# Baselines, as `keyhound baseline` renders them (Baseline::render).
def baseline(entries):
    lines = ",".join(
        '\n    {"path":"%s","rule":"%s","fingerprint":"%s","kind":"%s"}'
        % (p, r, hashlib.sha256((r + s).encode()).hexdigest(), k)
        for p, r, s, k in entries
    )
    tail = "\n  ]\n}\n" if entries else "]\n}\n"
    return ('{\n  "version": 1,\n  "tool": "keyhound",\n  "entries": [' + lines + tail).encode()
write("baseline_json", "empty.json", baseline([]))
write("baseline_json", "entries.json", baseline([
    ("config/aws.ini", "aws-credential", "R9oUz3yBJb2fM+Xq0sLtV7hnKe4WdYa1pCgI/6Tw", "credential"),
    ("deploy/run.sh", "aws-access-key-id", "AKIAQWZ7RNE3OSJHKV4D", "access-key-id"),
    ("src/\u00e9t\u00e9.py", "aws-secret-access-key", "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", "secret-access-key"),
]))

# Git objects of the tiny repository.
def tree(rev):
    return git("cat-file", "tree", rev)
def record(data):
    return struct.pack("<H", len(data)) + data
# tree: a root commit's tree alone; then each commit's tree after its parent's, with the
# subtrees both hold (a walk reads them by id).
write("tree", "root.bin", record(tree("main~4^{tree}")))
for n in range(3, -1, -1):
    old, new = f"main~{n + 1}", f"main~{n}" if n else "main"
    data = record(tree(old + "^{tree}")) + record(tree(new + "^{tree}"))
    data += record(tree(old + ":deploy")) + record(tree(new + ":deploy"))
    write("tree", f"change-{4 - n}.bin", data)

# pack_index: the index's length, the index, the pack; offset deltas and ref deltas,
# index versions 2 and 1.
def packs(name, *config):
    git("-c", "pack.threads=1", *config, "repack", "-q", "-a", "-d", "-f", "--depth=4", "--window=10")
    pack = glob.glob(os.path.join(repo, ".git/objects/pack/*.pack"))[0]
    for version in (2, 1):
        idx = os.path.join(repo, "seed.idx")
        git("index-pack", f"--index-version={version}", "-o", idx, pack)
        data = open(idx, "rb").read()
        os.remove(idx)
        write("pack_index", f"{name}-v{version}.bin",
              struct.pack("<I", len(data)) + data + open(pack, "rb").read())
    return open(pack, "rb").read()
packs("ofs-delta")
pack = packs("ref-delta", "-c", "repack.useDeltaBaseOffset=false")

# pack_delta: every delta of the last pack (ref deltas) with the object it applies to.
def varint(data, at):
    value, shift = 0, 0
    while True:
        byte = data[at]; at += 1
        value |= (byte & 0x7F) << shift; shift += 7
        if not byte & 0x80:
            return value, at
def entries(pack):
    """Every entry of a pack: offset -> (type, inflated bytes, base offset or base id)."""
    count = struct.unpack(">I", pack[8:12])[0]
    at, found = 12, {}
    for _ in range(count):
        start = at
        byte = pack[at]; at += 1
        kind = (byte >> 4) & 7
        while byte & 0x80:
            byte = pack[at]; at += 1
        base = None
        if kind == 6:
            byte = pack[at]; at += 1
            distance = byte & 0x7F
            while byte & 0x80:
                byte = pack[at]; at += 1
                distance = ((distance + 1) << 7) | (byte & 0x7F)
            base = start - distance
        elif kind == 7:
            base, at = pack[at:at + 20], at + 20
        inflate = zlib.decompressobj()
        body = inflate.decompress(pack[at:])
        at = len(pack) - len(inflate.unused_data)
        found[start] = (kind, body, base)
    return found
def apply(base, delta):
    _, at = varint(delta, 0)
    _, at = varint(delta, at)
    out = bytearray()
    while at < len(delta):
        op = delta[at]; at += 1
        if op & 0x80:
            offset = length = 0
            for i in range(4):
                if op & (1 << i):
                    offset |= delta[at] << (8 * i); at += 1
            for i in range(3):
                if op & (1 << (4 + i)):
                    length |= delta[at] << (8 * i); at += 1
            out += base[offset:offset + (length or 0x10000)]
        else:
            out += delta[at:at + op]; at += op
    return bytes(out)
names = {1: b"commit", 2: b"tree", 3: b"blob", 4: b"tag"}
listed = entries(pack)
resolved, ids = {}, {}
while len(resolved) < len(listed):
    before = len(resolved)
    for offset, (kind, body, base) in listed.items():
        if offset in resolved:
            continue
        base = ids.get(base, base)
        if kind < 6:
            resolved[offset] = (kind, body)
        elif base in resolved:
            resolved[offset] = (resolved[base][0], apply(resolved[base][1], body))
        else:
            continue
        kind, body = resolved[offset]
        ids[hashlib.sha1(b"%s %d\0" % (names[kind], len(body)) + body).digest()] = offset
    assert len(resolved) > before, "every delta's base is in the pack"
deltas = [(offset, body, ids.get(base, base)) for offset, (kind, body, base) in sorted(listed.items()) if kind >= 6]
assert deltas, "the pack has deltas"
for n, (offset, body, base) in enumerate(deltas):
    source = resolved[base][1]
    write("pack_delta", f"delta-{n}.bin", bytes([255]) + struct.pack("<H", len(source)) + source + body)
EOF

# archive: small archives of each kind Python writes, one nested, each holding a key line.
mkdir -p "$corpus/archive"
python3 - "$corpus/archive" <<'EOF'
import bz2, gzip, io, lzma, sys, tarfile, zipfile
out = sys.argv[1]
line = b"aws.accessKeyId=AKIAQWZ7RNE3OSJHKV4D\n"
def zip_of(files, method=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            z.writestr(info, data, compress_type=method)
    return buf.getvalue()
def tar_of(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 0
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()
seeds = {
    "zip-deflate": zip_of([("a.properties", line)]),
    "zip-stored": zip_of([("a.env", line)], zipfile.ZIP_STORED),
    "zip-bzip2": zip_of([("a.env", line)], zipfile.ZIP_BZIP2),
    "zip-lzma": zip_of([("a.env", line)], zipfile.ZIP_LZMA),
    "jar-in-war": zip_of([("WEB-INF/lib/cfg.jar", zip_of([("app.properties", line)]))]),
    "tar": tar_of([("srv/a.env", line)]),
    "tar-gz": gzip.compress(tar_of([("srv/a.env", line)]), mtime=0),
    "tar-bz2": bz2.compress(tar_of([("srv/a.env", line)])),
    "tar-xz": lzma.compress(tar_of([("srv/a.env", line)])),
    "text-gz": gzip.compress(line, mtime=0),
}
for name, data in seeds.items():
    with open(f"{out}/seed-{name}.bin", "wb") as f:
        f.write(data)
EOF
du -sh "$corpus"
