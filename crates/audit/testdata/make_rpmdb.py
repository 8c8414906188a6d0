#!/usr/bin/env python3
"""Writes rpmdb.sqlite beside this script: a small rpm database made by SQLite itself,
laid out as rpm >= 4.16 lays out /var/lib/rpm/rpmdb.sqlite (a `Packages` table of
`hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB` rows, one rpm header each, and index
tables beside it), for the tests of keyhound-audit's rpm reader.

    python3 crates/audit/testdata/make_rpmdb.py

The page size is the smallest SQLite allows (512), so the big package's header runs
over a chain of overflow pages and the Packages table needs interior pages: the reader's
every path is taken. The headers hold the tags the reader uses: NAME (1000), VERSION
(1001), RELEASE (1002), EPOCH (1003), FILEFLAGS (1037, bit 0 = %config), DIRINDEXES
(1116), BASENAMES (1117), DIRNAMES (1118), in rpm's header layout: index count and data
length (big-endian 32-bit), 16-byte index entries (tag, type, offset, count), data.
"""

import os
import sqlite3
import struct

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


def main():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rpmdb.sqlite")
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


if __name__ == "__main__":
    main()
