//! Which files rpm packages own, read from the rpm database inside the audited root
//! without the `rpm` program (in `/usr/lib/sysimage/rpm` or `/var/lib/rpm`): the SQLite
//! database of rpm 4.16 and later (`rpmdb.sqlite`, whose `Packages` table holds one rpm
//! header a row), or the Berkeley DB hash database of older rpm (`Packages`, one header a
//! value: RHEL and CentOS 7 and 8, Amazon Linux 2). The ndb database (`Packages.db`,
//! SUSE) is not read: the audit says so in a note, as it does for a database it cannot
//! read, so that a key in an rpm package's file is never silently taken for the
//! organisation's.
//!
//! An rpm header (as stored in the database) is: the number of index entries and the
//! length of the data (big-endian 32-bit), the index entries (16 bytes each: tag, type,
//! offset into the data, count), the data. A package's files are its BASENAMES, each in
//! the directory DIRNAMES\[DIRINDEXES\[i\]\]; FILEFLAGS marks `%config` files.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use crate::bdb;
use crate::rootfs::{Resolved, Root};
use crate::sqlite::{columns, Db, Value};

/// At most this much of the rpm database is read.
const MAX_RPMDB: u64 = 1 << 30;
/// Where rpm keeps its database: the current place first, then the older one (often a
/// link to it).
const DB_DIRS: [&str; 2] = ["/usr/lib/sysimage/rpm", "/var/lib/rpm"];

const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_FILEFLAGS: u32 = 1037;
const TAG_DIRINDEXES: u32 = 1116;
const TAG_BASENAMES: u32 = 1117;
const TAG_DIRNAMES: u32 = 1118;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// `%config` in FILEFLAGS.
const FILE_CONFIG: u32 = 1;

/// The header's leading magic in package files (`8E AD E8 01` and 4 reserved bytes); the
/// database stores headers without it, but one with it is read too.
const HEADER_MAGIC: [u8; 4] = [0x8e, 0xad, 0xe8, 0x01];
/// More index entries or data than any real package has.
const MAX_ENTRIES: usize = 1 << 16;

/// An rpm header.
#[derive(Debug)]
pub(crate) struct Header<'a> {
    index: &'a [u8],
    data: &'a [u8],
}

/// One index entry: its type, where its data starts, how many values it holds.
struct Entry {
    kind: u32,
    offset: usize,
    count: usize,
}

impl<'a> Header<'a> {
    /// Reads a header blob; `None` when it is not one.
    pub(crate) fn parse(blob: &'a [u8]) -> Option<Header<'a>> {
        let blob = match blob.strip_prefix(&HEADER_MAGIC[..]) {
            Some(rest) => rest.get(4..)?,
            None => blob,
        };
        let word = |at: usize| -> Option<usize> {
            let bytes = blob.get(at..at + 4)?;
            usize::try_from(u32::from_be_bytes(bytes.try_into().ok()?)).ok()
        };
        let (entries, length) = (word(0)?, word(4)?);
        if entries > MAX_ENTRIES {
            return None;
        }
        let index = blob.get(8..8 + 16 * entries)?;
        let data = blob.get(8 + 16 * entries..(8 + 16 * entries).checked_add(length)?)?;
        Some(Header { index, data })
    }

    fn entry(&self, tag: u32) -> Option<Entry> {
        self.index.chunks_exact(16).find_map(|e| {
            let word = |at: usize| u32::from_be_bytes(e[at..at + 4].try_into().unwrap());
            (word(0) == tag).then(|| Entry {
                kind: word(4),
                offset: word(8) as usize,
                count: word(12) as usize,
            })
        })
    }

    /// The first string of a STRING, I18NSTRING or STRING_ARRAY entry.
    pub(crate) fn string(&self, tag: u32) -> Option<&'a str> {
        let entry = self.entry(tag)?;
        if !matches!(
            entry.kind,
            TYPE_STRING | TYPE_I18NSTRING | TYPE_STRING_ARRAY
        ) {
            return None;
        }
        let bytes = self.data.get(entry.offset..)?;
        let end = bytes.iter().position(|&b| b == 0)?;
        std::str::from_utf8(&bytes[..end]).ok()
    }

    /// The strings of a STRING_ARRAY entry.
    pub(crate) fn strings(&self, tag: u32) -> Option<Vec<&'a [u8]>> {
        let entry = self.entry(tag)?;
        if entry.kind != TYPE_STRING_ARRAY || entry.count > self.data.len() {
            return None;
        }
        let mut rest = self.data.get(entry.offset..)?;
        let mut out = Vec::with_capacity(entry.count);
        for _ in 0..entry.count {
            let end = rest.iter().position(|&b| b == 0)?;
            out.push(&rest[..end]);
            rest = &rest[end + 1..];
        }
        Some(out)
    }

    /// The values of an INT32 entry.
    pub(crate) fn int32s(&self, tag: u32) -> Option<Vec<u32>> {
        let entry = self.entry(tag)?;
        if entry.kind != TYPE_INT32 {
            return None;
        }
        let bytes = self
            .data
            .get(entry.offset..entry.offset.checked_add(entry.count.checked_mul(4)?)?)?;
        Some(
            bytes
                .chunks_exact(4)
                .map(|b| u32::from_be_bytes(b.try_into().unwrap()))
                .collect(),
        )
    }

    /// `name`, and `[epoch:]version-release`.
    pub(crate) fn name_version(&self) -> Option<(String, Option<String>)> {
        let name = self.string(TAG_NAME)?.to_string();
        let version = self.string(TAG_VERSION).map(|version| {
            let mut text = String::new();
            if let Some(epoch) = self.int32s(TAG_EPOCH).and_then(|e| e.first().copied()) {
                text.push_str(&format!("{epoch}:"));
            }
            text.push_str(version);
            if let Some(release) = self.string(TAG_RELEASE) {
                text.push('-');
                text.push_str(release);
            }
            text
        });
        Some((name, version))
    }

    /// Each file the package owns, with whether it is `%config`, until `each` breaks.
    pub(crate) fn files(&self, mut each: impl FnMut(&[u8], bool) -> ControlFlow<()>) {
        let (Some(bases), Some(dirs), Some(indexes)) = (
            self.strings(TAG_BASENAMES),
            self.strings(TAG_DIRNAMES),
            self.int32s(TAG_DIRINDEXES),
        ) else {
            return;
        };
        let flags = self.int32s(TAG_FILEFLAGS).unwrap_or_default();
        let mut path = Vec::new();
        for (i, base) in bases.iter().enumerate() {
            let Some(dir) = indexes.get(i).and_then(|&d| dirs.get(d as usize)) else {
                continue;
            };
            path.clear();
            path.extend_from_slice(dir);
            path.extend_from_slice(base);
            let config = flags.get(i).is_some_and(|f| f & FILE_CONFIG != 0);
            if each(&path, config).is_break() {
                return;
            }
        }
    }
}

/// What the rpm database says about some files.
#[derive(Debug, Default)]
pub(crate) struct Owners {
    /// A file's index in the list asked about → its package's name and version.
    pub(crate) owned: HashMap<usize, (String, Option<String>)>,
    /// The database read, as the audited system names it.
    pub(crate) database: Option<PathBuf>,
    /// Why the database could not be read (or not wholly), for the report's notes.
    pub(crate) notes: Vec<String>,
}

/// The rpm packages that own files in `wanted` (each way the file may be named → its
/// index), read from the rpm database inside `root`. `%config` files are left out: they
/// are configuration the administrator edits, and a key there is the organisation's.
pub(crate) fn owners(root: &Root, wanted: &HashMap<String, usize>) -> Owners {
    let mut result = Owners::default();
    // rpm uses the SQLite database where there is one (a converted host may keep the old
    // Packages beside it).
    for (file, format) in [
        ("rpmdb.sqlite", Format::Sqlite),
        ("Packages", Format::BerkeleyDb),
        ("Packages.db", Format::Ndb),
    ] {
        for dir in DB_DIRS {
            let path = Path::new(dir).join(file);
            let Ok(Resolved::Found { real, inside, .. }) = root.resolve(&path) else {
                continue;
            };
            let mut reader = Reader {
                wanted,
                result: &mut result,
                bad_headers: 0,
            };
            let read = match format {
                Format::Sqlite => reader.sqlite(&real),
                Format::BerkeleyDb => reader.berkeley_db(&real),
                Format::Ndb => Err("is in the ndb format, which keyhound does not read".into()),
            };
            let bad_headers = reader.bad_headers;
            match read {
                Err(why) => result.notes.push(format!(
                    "the rpm database {} {why}: files of rpm packages could not be told \
                     apart, and keys in them count as the organisation's",
                    inside.display()
                )),
                Ok(()) => {
                    if bad_headers > 0 {
                        result.notes.push(format!(
                            "the rpm database {} holds {bad_headers} package header{} \
                             keyhound could not read: their files count as the organisation's",
                            inside.display(),
                            if bad_headers == 1 { "" } else { "s" }
                        ));
                    }
                    result.database = Some(inside);
                }
            }
            return result;
        }
    }
    result
}

/// The formats of rpm's database.
#[derive(Clone, Copy)]
enum Format {
    Sqlite,
    BerkeleyDb,
    Ndb,
}

/// Reads headers from a database, keeping the owners of the files asked about.
struct Reader<'a> {
    wanted: &'a HashMap<String, usize>,
    result: &'a mut Owners,
    /// Values that should have been headers and were not.
    bad_headers: usize,
}

impl Reader<'_> {
    /// Notes the package of each file asked about that `blob`'s header owns (and is not
    /// `%config`).
    fn header(&mut self, blob: &[u8]) {
        let Some(header) = Header::parse(blob) else {
            self.bad_headers += 1;
            return;
        };
        let mut hits = Vec::new();
        header.files(|path, config| {
            let asked = std::str::from_utf8(path)
                .ok()
                .and_then(|p| self.wanted.get(p));
            if let (Some(&at), false) = (asked, config) {
                hits.push(at);
            }
            ControlFlow::Continue(())
        });
        if hits.is_empty() {
            return;
        }
        if let Some((name, version)) = header.name_version() {
            for at in hits {
                self.result
                    .owned
                    .entry(at)
                    .or_insert_with(|| (name.clone(), version.clone()));
            }
        }
    }

    /// Every value of the Berkeley DB hash database is a header, but rpm's next-number
    /// record (key 0, four bytes).
    fn berkeley_db(&mut self, real: &Path) -> Result<(), String> {
        bdb::values(real, MAX_RPMDB, |value| {
            if value.len() > 8 {
                self.header(value);
            }
            ControlFlow::Continue(())
        })
    }

    fn sqlite(&mut self, real: &Path) -> Result<(), String> {
        let mut db = Db::open(real, MAX_RPMDB)?;
        let root_page = db
            .table_root("Packages")?
            .ok_or_else(|| "has no Packages table".to_string())?;
        db.rows(root_page, |_, record| {
            match columns(record)?.get(1) {
                Some(Value::Blob(blob)) => self.header(blob),
                _ => self.bad_headers += 1,
            }
            Ok(ControlFlow::Continue(()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQLite's interior table b-tree page type.
    const INTERIOR_PAGE: u8 = 0x05;

    /// A header with the given entries, laid out as rpm lays it out.
    fn header(entries: &[(u32, u32, &[u8], u32)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for &(tag, kind, bytes, count) in entries {
            if kind == TYPE_INT32 {
                data.resize(data.len().div_ceil(4) * 4, 0);
            }
            for word in [tag, kind, data.len() as u32, count] {
                index.extend_from_slice(&word.to_be_bytes());
            }
            data.extend_from_slice(bytes);
        }
        let mut blob = Vec::new();
        blob.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
        blob.extend(index);
        blob.extend(data);
        blob
    }

    fn ints(values: &[u32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_be_bytes()).collect()
    }

    #[test]
    fn headers_give_name_version_and_files() {
        let blob = header(&[
            (TAG_NAME, TYPE_STRING, b"awscli\0", 1),
            (TAG_VERSION, TYPE_STRING, b"2.15.0\0", 1),
            (TAG_RELEASE, TYPE_STRING, b"1.fc40\0", 1),
            (TAG_EPOCH, TYPE_INT32, &ints(&[1]), 1),
            (TAG_FILEFLAGS, TYPE_INT32, &ints(&[0, 1, 0]), 3),
            (TAG_DIRINDEXES, TYPE_INT32, &ints(&[0, 1, 0]), 3),
            (
                TAG_BASENAMES,
                TYPE_STRING_ARRAY,
                b"aws\0awscli.conf\0aws_completer\0",
                3,
            ),
            (TAG_DIRNAMES, TYPE_STRING_ARRAY, b"/usr/bin/\0/etc/\0", 2),
        ]);
        for blob in [blob.clone(), [&HEADER_MAGIC[..], &[0; 4], &blob].concat()] {
            let header = Header::parse(&blob).expect("a header");
            assert_eq!(
                header.name_version(),
                Some(("awscli".to_string(), Some("1:2.15.0-1.fc40".to_string())))
            );
            let mut files = Vec::new();
            header.files(|path, config| {
                files.push((String::from_utf8_lossy(path).into_owned(), config));
                ControlFlow::Continue(())
            });
            assert_eq!(
                files,
                [
                    ("/usr/bin/aws".to_string(), false),
                    ("/etc/awscli.conf".to_string(), true),
                    ("/usr/bin/aws_completer".to_string(), false)
                ]
            );
        }
    }

    #[test]
    fn broken_headers_are_refused_without_panicking() {
        let blob = header(&[
            (TAG_NAME, TYPE_STRING, b"x\0", 1),
            (TAG_DIRINDEXES, TYPE_INT32, &ints(&[0, 7]), 2),
            (TAG_BASENAMES, TYPE_STRING_ARRAY, b"a\0b\0", 2),
            (TAG_DIRNAMES, TYPE_STRING_ARRAY, b"/d/\0", 1),
        ]);
        // Every truncation, and every byte changed, is read or refused, never a panic.
        for len in 0..blob.len() {
            if let Some(header) = Header::parse(&blob[..len]) {
                let _ = header.name_version();
                header.files(|_, _| ControlFlow::Continue(()));
            }
        }
        for at in 0..blob.len() {
            for value in [0x00, 0x7f, 0xff] {
                let mut bad = blob.clone();
                bad[at] = value;
                if let Some(header) = Header::parse(&bad) {
                    let _ = header.name_version();
                    header.files(|_, _| ControlFlow::Continue(()));
                }
            }
        }
        // A directory index out of range leaves that file out.
        let header = Header::parse(&blob).unwrap();
        let mut files = Vec::new();
        header.files(|path, _| {
            files.push(path.to_vec());
            ControlFlow::Continue(())
        });
        assert_eq!(files, [b"/d/a".to_vec()]);
        assert!(Header::parse(&[0xff; 8]).is_none());
    }

    /// The database made by SQLite itself (testdata/make_rpmdb.py): 42 packages, one
    /// with 203 files over an overflow chain, in a table with interior pages.
    fn fixture() -> Vec<u8> {
        testdata("rpmdb.sqlite")
    }

    /// The same packages in a Berkeley DB hash database made by db_load.
    fn berkeley_fixture() -> Vec<u8> {
        testdata("Packages")
    }

    fn testdata(name: &str) -> Vec<u8> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        std::fs::read(dir.join(name)).unwrap()
    }

    fn host_with(file: &str, bytes: &[u8]) -> (tempfile::TempDir, Root) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(file.trim_start_matches('/'));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        let root = Root::new(dir.path()).unwrap();
        (dir, root)
    }

    fn wanted(paths: &[&str]) -> HashMap<String, usize> {
        paths
            .iter()
            .enumerate()
            .map(|(at, path)| (path.to_string(), at))
            .collect()
    }

    #[test]
    fn every_row_of_the_sqlite_database_is_read() {
        let (dir, _root) = host_with("/var/lib/rpm/rpmdb.sqlite", &fixture());
        let mut db = Db::open(&dir.path().join("var/lib/rpm/rpmdb.sqlite"), 1 << 20).unwrap();
        let root_page = db
            .table_root("Packages")
            .unwrap()
            .expect("a Packages table");
        let mut names = Vec::new();
        db.rows(root_page, |rowid, record| {
            let values = columns(record)?;
            assert_eq!(
                values[0],
                Value::Null,
                "the INTEGER PRIMARY KEY is the row id"
            );
            let Value::Blob(blob) = values[1] else {
                panic!("row {rowid} holds no blob")
            };
            let header = Header::parse(blob).expect("a header");
            names.push((rowid, header.name_version().unwrap().0));
            Ok(ControlFlow::Continue(()))
        })
        .unwrap();
        assert_eq!(names.len(), 42);
        assert!(names
            .iter()
            .enumerate()
            .all(|(i, (rowid, _))| *rowid == i as i64 + 1));
        assert_eq!(names[17].1, "vendor-cli");
        assert_eq!(names[41].1, "python3-botocore");
        assert_eq!(db.table_root("Basenames").unwrap(), Some(4));
        assert_eq!(db.table_root("Nothing").unwrap(), None);
        // The budget bounds what is read.
        let mut db = Db::open(&dir.path().join("var/lib/rpm/rpmdb.sqlite"), 4096).unwrap();
        let root_page = db.table_root("Packages").unwrap().unwrap();
        let walked = db.rows(root_page, |_, _| Ok(ControlFlow::Continue(())));
        assert!(walked.unwrap_err().contains("larger than keyhound reads"));
    }

    #[test]
    fn owners_come_from_either_database_and_config_files_are_left_out() {
        for (place, bytes) in [
            ("/var/lib/rpm/rpmdb.sqlite", fixture()),
            ("/usr/lib/sysimage/rpm/rpmdb.sqlite", fixture()),
            ("/var/lib/rpm/Packages", berkeley_fixture()),
            ("/usr/lib/sysimage/rpm/Packages", berkeley_fixture()),
        ] {
            let (_dir, root) = host_with(place, &bytes);
            let asked = [
                "/usr/share/vendor-cli/defaults.env",
                "/etc/vendor-cli/vendor-cli.conf",
                "/usr/bin/filler-39",
                "/usr/share/vendor-cli/data/service-199.json",
                "/opt/app/config.yml",
            ];
            let found = owners(&root, &wanted(&asked));
            assert!(found.notes.is_empty(), "{place}: {:?}", found.notes);
            assert_eq!(found.database.as_deref(), Some(Path::new(place)));
            let vendor = ("vendor-cli".to_string(), Some("2:3.2.1-4.el9".to_string()));
            let filler = ("filler-39".to_string(), Some("1.0-39.fc40".to_string()));
            let expected: HashMap<usize, (String, Option<String>)> =
                [(0, vendor.clone()), (2, filler), (3, vendor)]
                    .into_iter()
                    .collect();
            assert_eq!(found.owned, expected, "{place}");
        }
    }

    #[test]
    fn the_sqlite_database_is_read_first() {
        let (dir, root) = host_with("/var/lib/rpm/rpmdb.sqlite", &fixture());
        std::fs::write(dir.path().join("var/lib/rpm/Packages"), b"left over").unwrap();
        let found = owners(&root, &wanted(&["/usr/bin/filler-00"]));
        assert_eq!(found.owned.len(), 1);
        assert!(found.notes.is_empty(), "{:?}", found.notes);
        assert_eq!(
            found.database.as_deref(),
            Some(Path::new("/var/lib/rpm/rpmdb.sqlite"))
        );
    }

    #[test]
    fn a_database_keyhound_cannot_read_is_a_note() {
        let asked = wanted(&["/usr/bin/aws"]);
        // ndb: named, never read.
        let (_dir, root) = host_with("/usr/lib/sysimage/rpm/Packages.db", b"RpmP\0\0\0\0");
        let found = owners(&root, &asked);
        assert!(found.owned.is_empty() && found.database.is_none());
        assert_eq!(
            found.notes,
            [
                "the rpm database /usr/lib/sysimage/rpm/Packages.db is in the ndb format, which \
              keyhound does not read: files of rpm packages could not be told apart, and keys \
              in them count as the organisation's"
            ]
        );
        // Not SQLite or not Berkeley DB, or cut short.
        let (sqlite, berkeley) = (fixture(), berkeley_fixture());
        let not_a_database = [b'x'; 600];
        for (place, bytes) in [
            ("/var/lib/rpm/rpmdb.sqlite", &b"not a database"[..]),
            ("/var/lib/rpm/rpmdb.sqlite", &sqlite[..1000]),
            ("/var/lib/rpm/rpmdb.sqlite", &sqlite[..5000]),
            ("/var/lib/rpm/Packages", &not_a_database[..]),
            ("/var/lib/rpm/Packages", &berkeley[..100]),
            ("/var/lib/rpm/Packages", &berkeley[..5000]),
        ] {
            let (_dir, root) = host_with(place, bytes);
            let found = owners(&root, &asked);
            assert_eq!(found.notes.len(), 1, "{place}: {:?}", found.notes);
            let note = &found.notes[0];
            assert!(
                note.starts_with(&format!("the rpm database {place} ")),
                "{note}"
            );
            assert!(
                note.ends_with("keys in them count as the organisation's"),
                "{note}"
            );
            assert!(found.database.is_none());
        }
        // A write-ahead log that is not one (bad magic, no checksum) is ignored, as
        // SQLite ignores it: the file alone is read.
        let (dir, root) = host_with("/var/lib/rpm/rpmdb.sqlite", &sqlite);
        std::fs::write(dir.path().join("var/lib/rpm/rpmdb.sqlite-wal"), [1u8; 600]).unwrap();
        let found = owners(&root, &wanted(&["/usr/bin/filler-00"]));
        assert_eq!(found.owned.len(), 1);
        assert!(found.notes.is_empty(), "{:?}", found.notes);
        // No rpm database at all: nothing to say.
        let (_dir, root) = host_with("/etc/os-release", b"ID=debian\n");
        let found = owners(&root, &asked);
        assert!(found.owned.is_empty() && found.notes.is_empty() && found.database.is_none());
    }

    /// A database whose pages are still in its write-ahead log (testdata/wal: copied
    /// while SQLite held it open): the first transaction wrote the 42 packages, the
    /// second replaced vendor-cli 3.2.1 by 3.2.2 and added late-tool.
    #[test]
    fn the_write_ahead_log_is_read_up_to_its_last_commit() {
        let file = testdata("wal/rpmdb.sqlite");
        let log = testdata("wal/rpmdb.sqlite-wal");
        let asked = wanted(&["/usr/share/vendor-cli/defaults.env", "/usr/bin/late-tool"]);
        let owners_with = |log: &[u8]| {
            let (dir, root) = host_with("/var/lib/rpm/rpmdb.sqlite", &file);
            std::fs::write(dir.path().join("var/lib/rpm/rpmdb.sqlite-wal"), log).unwrap();
            owners(&root, &asked)
        };
        let vendor = |version: &str| ("vendor-cli".to_string(), Some(version.to_string()));
        let found = owners_with(&log);
        assert!(found.notes.is_empty(), "{:?}", found.notes);
        let expected: HashMap<usize, (String, Option<String>)> = [
            (0, vendor("2:3.2.2-1.el9")),
            (1, ("late-tool".to_string(), Some("0.9-1.el9".to_string()))),
        ]
        .into_iter()
        .collect();
        assert_eq!(found.owned, expected);
        // The second transaction without its commit frame (cut short), or with a frame
        // whose checksum does not follow (a byte changed): the first one alone counts.
        let frame = 24 + 512;
        let mut changed = log.clone();
        let last_frame = log.len() - frame;
        changed[last_frame - frame + 100] ^= 1;
        for log in [&log[..log.len() - 1], &changed[..]] {
            let found = owners_with(log);
            assert!(found.notes.is_empty(), "{:?}", found.notes);
            let expected: HashMap<usize, (String, Option<String>)> =
                [(0, vendor("2:3.2.1-4.el9"))].into_iter().collect();
            assert_eq!(found.owned, expected);
        }
        // Any byte changed (every 151st, to two values) is read or refused, never a panic.
        for at in (0..log.len()).step_by(151) {
            for value in [0x00, 0xff] {
                let mut bad = log.clone();
                bad[at] = value;
                let _ = owners_with(&bad);
            }
        }
        // Without the log, the file holds no Packages table yet: said in a note.
        let (_dir, root) = host_with("/var/lib/rpm/rpmdb.sqlite", &file);
        let found = owners(&root, &asked);
        assert!(found.owned.is_empty());
        assert!(
            found.notes[0].contains("has no Packages table"),
            "{:?}",
            found.notes
        );
    }

    #[test]
    fn a_corrupt_berkeley_database_never_panics() {
        let fixture = berkeley_fixture();
        let (dir, root) = host_with("/var/lib/rpm/Packages", &fixture);
        let path = dir.path().join("var/lib/rpm/Packages");
        let asked = wanted(&["/usr/share/vendor-cli/defaults.env"]);
        // Every third byte of the metadata and first hash page, every 29th elsewhere.
        let bytes = (0..1024)
            .step_by(3)
            .chain((1024..fixture.len()).step_by(29));
        for at in bytes {
            for value in [0x00, 0xff] {
                let mut bad = fixture.clone();
                bad[at] = value;
                std::fs::write(&path, &bad).unwrap();
                let _ = owners(&root, &asked);
            }
        }
        // An overflow chain that loops back on itself: reported.
        let page_size = 512;
        let overflow = (1..fixture.len() / page_size)
            .find(|&p| {
                let page = &fixture[p * page_size..(p + 1) * page_size];
                page[25] == 7 && page[16..20] != [0; 4]
            })
            .expect("an overflow page with a next page");
        let mut looped = fixture.clone();
        let at = overflow * page_size + 16;
        looped[at..at + 4].copy_from_slice(&(overflow as u32).to_le_bytes());
        std::fs::write(&path, &looped).unwrap();
        let found = owners(&root, &asked);
        assert!(
            found.notes.iter().any(|n| n.contains("reached twice")),
            "{:?}",
            found.notes
        );
    }

    #[test]
    fn a_corrupt_database_never_panics() {
        let fixture = fixture();
        let (dir, root) = host_with("/var/lib/rpm/rpmdb.sqlite", &fixture);
        let path = dir.path().join("var/lib/rpm/rpmdb.sqlite");
        let asked = wanted(&["/usr/share/vendor-cli/defaults.env"]);
        // Every byte of the Packages root page and every 17th byte elsewhere, set to
        // each of two values, one at a time: page types, cell counts and pointers, child
        // and overflow page numbers, varints, headers.
        let root_page = 512..1024;
        let bytes = root_page.chain((0..fixture.len()).step_by(17));
        for at in bytes {
            for value in [0x00, 0xff] {
                let mut bad = fixture.clone();
                bad[at] = value;
                std::fs::write(&path, &bad).unwrap();
                let _ = owners(&root, &asked);
            }
        }
        // A child page that points back up the tree: a cycle, reported.
        let mut looped = fixture.clone();
        let page_size = 512;
        let root_page = &looped[page_size..2 * page_size];
        assert_eq!(
            root_page[0], INTERIOR_PAGE,
            "the fixture's Packages root is interior"
        );
        looped[page_size + 8..page_size + 12].copy_from_slice(&2u32.to_be_bytes());
        std::fs::write(&path, &looped).unwrap();
        let found = owners(&root, &asked);
        assert!(
            found.notes.iter().any(|n| n.contains("reached twice")),
            "{:?}",
            found.notes
        );
    }
}
