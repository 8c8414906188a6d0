#!/usr/bin/env python3
"""Writes rpmdb.sqlite and Packages beside this script: the same small rpm database in
the two formats keyhound-audit's rpm reader reads, each made by the database library
itself, for its tests; and wal/rpmdb.sqlite with its write-ahead log
wal/rpmdb.sqlite-wal, copied while SQLite still held them open (checkpoints off): the
file holds the first transaction's pages at most, the log every later one.

rpmdb.sqlite is laid out as rpm >= 4.16 lays out /var/lib/rpm/rpmdb.sqlite (a `Packages`
table of `hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB` rows, one rpm header each,
and index tables beside it). Packages is the Berkeley DB hash database of older rpm
(RHEL and CentOS 7 and 8, Amazon Linux 2): key the header number (32-bit, the machine's
byte order, little-endian here), value the header; key 0 holds rpm's next header
number. It is made by Berkeley DB's own db_load (Debian: apt-get install db5.3-util).

    python3 crates/audit/testdata/make_rpmdb.py

The page size is the smallest each library allows (512), so the big package's header runs
over a chain of overflow pages, the SQLite Packages table needs interior pages and the
hash database many buckets: the readers' every path is taken. The headers hold the tags the reader uses: NAME (1000), VERSION
(1001), RELEASE (1002), EPOCH (1003), FILEFLAGS (1037, bit 0 = %config), DIRINDEXES
(1116), BASENAMES (1117), DIRNAMES (1118), in rpm's header layout: index count and data
length (big-endian 32-bit), 16-byte index entries (tag, type, offset, count), data.
"""

import os
import shutil
import sqlite3
import struct
import subprocess

INT32, STRING, STRING_ARRAY = 4, 6, 8


def header(tags):
    """rpm's header blob for `tags`: [(tag, type, value)], as rpm stores it in the db
    (no leading magic)."""
    index, data = b"", b""
    for tag, kind, value in tags:
        if kind == INT32:
            data += b"\0" * (-len(data) % 4)
            offset, count = len(data), len(value)
            data += b"".join(struct.pack(">I", v) for v in value)
        elif kind == STRING:
            offset, count = len(data), 1
            data += value.encode() + b"\0"
        else:
            offset, count = len(data), len(value)
            data += b"".join(v.encode() + b"\0" for v in value)
        index += struct.pack(">IIII", tag, kind, offset, count)
    return struct.pack(">II", len(tags), len(data)) + index + data


def package(name, version, release, files, config=(), epoch=None):
    dirs = sorted({f.rsplit("/", 1)[0] + "/" for f in files})
    tags = [
        (1000, STRING, name),
        (1001, STRING, version),
        (1002, STRING, release),
    ]
    if epoch is not None:
        tags.append((1003, INT32, [epoch]))
    tags += [
        (1037, INT32, [1 if f in config else 0 for f in files]),
        (1116, INT32, [dirs.index(f.rsplit("/", 1)[0] + "/") for f in files]),
        (1117, STRING_ARRAY, [f.rsplit("/", 1)[1] for f in files]),
        (1118, STRING_ARRAY, dirs),
    ]
    return header(tags)


def berkeley_db(path, rows):
    """Packages, by db_load from the dump format: `format=bytevalue`, key and value lines
    in hex."""
    load = shutil.which("db5.3_load") or shutil.which("db_load")
    if load is None:
        raise SystemExit("db_load not found (Debian: apt-get install db5.3-util)")
    lines = ["VERSION=3", "format=bytevalue", "type=hash", "db_pagesize=512", "HEADER=END"]
    lines += [" " + struct.pack("<I", 0).hex(), " " + struct.pack("<I", len(rows) + 1).hex()]
    for hnum, blob in enumerate(rows, 1):
        lines += [" " + struct.pack("<I", hnum).hex(), " " + blob.hex()]
    lines.append("DATA=END")
    if os.path.exists(path):
        os.remove(path)
    subprocess.run([load, path], input="\n".join(lines) + "\n", text=True, check=True)
    print(path, os.path.getsize(path), "bytes")


def with_wal(directory, rows, late):
    """wal/rpmdb.sqlite and its log: the rows in one transaction, then `late` (hnum,
    blob) pairs, each replacing a row or adding one, in a second."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "rpmdb.sqlite")
    for leftover in (path, path + "-wal", path + "-shm"):
        if os.path.exists(leftover):
            os.remove(leftover)
    db = sqlite3.connect(path)
    db.execute("PRAGMA page_size = 512")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA wal_autocheckpoint = 0")
    db.execute("CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)")
    db.commit()
    for blob in rows:
        db.execute("INSERT INTO Packages (blob) VALUES (?)", (blob,))
    db.commit()
    for hnum, blob in late:
        db.execute("INSERT OR REPLACE INTO Packages (hnum, blob) VALUES (?, ?)", (hnum, blob))
    db.commit()
    copies = os.path.join(directory, "copy")
    os.makedirs(copies)
    for name in ("rpmdb.sqlite", "rpmdb.sqlite-wal"):
        shutil.copy(os.path.join(directory, name), os.path.join(copies, name))
    db.close()
    for name in ("rpmdb.sqlite", "rpmdb.sqlite-wal"):
        os.replace(os.path.join(copies, name), os.path.join(directory, name))
    os.rmdir(copies)
    for name in ("rpmdb.sqlite", "rpmdb.sqlite-wal"):
        print(os.path.join(directory, name), os.path.getsize(os.path.join(directory, name)), "bytes")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "rpmdb.sqlite")
    if os.path.exists(path):
        os.remove(path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA page_size = 512")
    db.execute("CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)")
    db.execute("CREATE TABLE 'Basenames' (key TEXT NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL, FOREIGN KEY (hnum) REFERENCES 'Packages'(hnum))")
    db.execute("CREATE INDEX 'Basenames_key_idx' ON 'Basenames'(key ASC)")
    rows = []
    for n in range(40):
        rows.append(package(f"filler-{n:02}", "1.0", f"{n}.fc40",
                            [f"/usr/share/filler-{n:02}/README", f"/usr/bin/filler-{n:02}"]))
    vendor_files = (
        ["/usr/share/vendor-cli/defaults.env",
         "/usr/lib/systemd/system/vendor-cli.service",
         "/etc/vendor-cli/vendor-cli.conf"]
        + [f"/usr/share/vendor-cli/data/service-{n:03}.json" for n in range(200)]
    )
    rows.insert(17, package("vendor-cli", "3.2.1", "4.el9", vendor_files,
                            config={"/etc/vendor-cli/vendor-cli.conf"}, epoch=2))
    rows.append(package("python3-botocore", "1.34.0", "1.el9",
                        ["/usr/lib/python3.9/site-packages/botocore/data/x.json"]))
    for blob in rows:
        db.execute("INSERT INTO Packages (blob) VALUES (?)", (blob,))
    for hnum, name in [(1, "README"), (18, "defaults.env")]:
        db.execute("INSERT INTO Basenames VALUES (?, ?, 0)", (name, hnum))
    db.commit()
    db.execute("PRAGMA journal_mode = DELETE")
    db.close()
    print(path, os.path.getsize(path), "bytes")
    berkeley_db(os.path.join(here, "Packages"), rows)
    late = [
        (18, package("vendor-cli", "3.2.2", "1.el9", vendor_files,
                     config={"/etc/vendor-cli/vendor-cli.conf"}, epoch=2)),
        (43, package("late-tool", "0.9", "1.el9", ["/usr/bin/late-tool"])),
    ]
    with_wal(os.path.join(here, "wal"), rows, late)


if __name__ == "__main__":
    main()
