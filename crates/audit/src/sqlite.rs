//! Just enough of the SQLite file format (<https://www.sqlite.org/fileformat.html>) to
//! read the rows of one table of a database file, read-only: the file header, table
//! b-tree pages (interior and leaf), overflow chains and the record format, and the
//! write-ahead log beside it (`<file>-wal`: the pages of its committed transactions
//! replace the file's). No SQL, no indexes.
//!
//! The file may come from an audited image, so it is read as hostile: every page number
//! and offset is checked, a page is visited at most once (a cycle ends the walk with an
//! error), and the bytes read are bounded by a budget.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::path::Path;

/// What went wrong reading the file: said in a note, never containing file contents.
pub type Error = String;

/// An open database file.
pub struct Db {
    file: File,
    page_size: usize,
    /// The page size less the bytes reserved at the end of each page.
    usable: usize,
    pages: u64,
    /// Bytes that may still be read.
    budget: u64,
    /// The write-ahead log, and where in it the newest committed copy of each page it
    /// holds starts.
    wal: Option<(File, HashMap<u32, u64>)>,
}

/// A write-ahead log's header and each frame's header.
const WAL_HEADER: usize = 32;
const FRAME_HEADER: usize = 24;
/// The WAL magic; its last bit says the checksums read words big-endian.
const WAL_MAGIC: u32 = 0x377f_0682;

/// A column value in a record.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// NULL (and the INTEGER PRIMARY KEY column, which holds the row id instead).
    Null,
    /// An integer.
    Int(i64),
    /// A floating point number.
    Float(f64),
    /// Text, as stored (UTF-8 in the databases this reads).
    Text(&'a [u8]),
    /// A blob.
    Blob(&'a [u8]),
}

const MAGIC: &[u8; 16] = b"SQLite format 3\0";
const LEAF_TABLE: u8 = 0x0d;
const INTERIOR_TABLE: u8 = 0x05;
/// Deeper than any real table b-tree (a depth of 10 holds more rows than fit in a file).
const MAX_DEPTH: usize = 32;

impl Db {
    /// Opens `path`, reading at most `budget` bytes in all from it.
    pub fn open(path: &Path, budget: u64) -> Result<Db, Error> {
        let mut file = File::open(path).map_err(|e| format!("cannot be opened: {e}"))?;
        let len = file
            .metadata()
            .map_err(|e| format!("cannot be read: {e}"))?
            .len();
        let mut header = [0u8; 100];
        file.read_exact(&mut header)
            .map_err(|_| "is not an SQLite database (too short)".to_string())?;
        if &header[..16] != MAGIC {
            return Err("is not an SQLite database".into());
        }
        let page_size = match u16::from_be_bytes([header[16], header[17]]) {
            1 => 65536,
            n => usize::from(n),
        };
        if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
            return Err(format!("has an invalid page size ({page_size})"));
        }
        let reserved = usize::from(header[20]);
        let usable = page_size - reserved;
        if usable < 480 {
            return Err("reserves too much of each page".into());
        }
        let mut db = Db {
            file,
            page_size,
            usable,
            pages: len / page_size as u64,
            budget: budget.saturating_sub(100),
            wal: None,
        };
        let mut wal_path = path.as_os_str().to_owned();
        wal_path.push("-wal");
        db.read_wal(Path::new(&wal_path))?;
        Ok(db)
    }

    /// Reads the write-ahead log at `path`, if there is one: the frames of committed
    /// transactions, up to the first frame whose salts or checksum do not follow (what
    /// SQLite itself recovers). The newest copy of each page wins, and the database is
    /// as long as the last commit says.
    fn read_wal(&mut self, path: &Path) -> Result<(), Error> {
        let Ok(mut file) = File::open(path) else {
            return Ok(());
        };
        let unreadable =
            |e: std::io::Error| format!("has a write-ahead log that cannot be read: {e}");
        let mut header = [0u8; WAL_HEADER];
        if file.read_exact(&mut header).is_err() {
            return Ok(());
        }
        let word =
            |bytes: &[u8], at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
        let magic = word(&header, 0);
        let valid_header = magic | 1 == WAL_MAGIC | 1
            && word(&header, 8) as usize == self.page_size
            && checksum(&header[..24], (0, 0), magic & 1 == 1)
                == (word(&header, 24), word(&header, 28));
        if !valid_header {
            // SQLite ignores such a log; so does this reader.
            return Ok(());
        }
        let big_endian = magic & 1 == 1;
        let salts = &header[16..24];
        let mut sums = (word(&header, 24), word(&header, 28));
        let mut committed = HashMap::new();
        let mut pending: HashMap<u32, u64> = HashMap::new();
        let mut pages = None;
        let mut frame = vec![0u8; FRAME_HEADER + self.page_size];
        let mut at = WAL_HEADER as u64;
        loop {
            match file.read_exact(&mut frame) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(unreadable(e)),
            }
            self.budget = self
                .budget
                .checked_sub(frame.len() as u64)
                .ok_or_else(|| "is larger than keyhound reads".to_string())?;
            if &frame[8..16] != salts {
                break;
            }
            sums = checksum(&frame[..8], sums, big_endian);
            sums = checksum(&frame[FRAME_HEADER..], sums, big_endian);
            if sums != (word(&frame, 16), word(&frame, 20)) {
                break;
            }
            let number = word(&frame, 0);
            pending.insert(number, at + FRAME_HEADER as u64);
            let size_after_commit = word(&frame, 4);
            if size_after_commit != 0 {
                committed.extend(pending.drain());
                pages = Some(u64::from(size_after_commit));
            }
            at += frame.len() as u64;
        }
        if let Some(pages) = pages {
            self.pages = pages;
            self.wal = Some((file, committed));
        }
        Ok(())
    }

    fn page(&mut self, number: u32) -> Result<Vec<u8>, Error> {
        if number == 0 || u64::from(number) > self.pages {
            return Err(format!("names page {number}, outside the file"));
        }
        let size = self.page_size as u64;
        self.budget = self
            .budget
            .checked_sub(size)
            .ok_or_else(|| "is larger than keyhound reads".to_string())?;
        let mut page = vec![0u8; self.page_size];
        let logged = self
            .wal
            .as_mut()
            .and_then(|(file, frames)| Some((file, *frames.get(&number)?)));
        let read = match logged {
            Some((wal, offset)) => wal
                .seek(SeekFrom::Start(offset))
                .and_then(|_| wal.read_exact(&mut page)),
            None => self
                .file
                .seek(SeekFrom::Start((u64::from(number) - 1) * size))
                .and_then(|_| self.file.read_exact(&mut page)),
        };
        read.map_err(|e| format!("cannot be read: {e}"))?;
        Ok(page)
    }

    /// The root page of the table named `name` (case-insensitively), from the schema.
    pub fn table_root(&mut self, name: &str) -> Result<Option<u32>, Error> {
        let mut root = None;
        self.rows(1, |_, record| {
            let columns = columns(record)?;
            let is_table = matches!(columns.first(), Some(Value::Text(b"table")));
            let named = matches!(columns.get(1), Some(Value::Text(n)) if n.eq_ignore_ascii_case(name.as_bytes()));
            if is_table && named {
                if let Some(Value::Int(page)) = columns.get(3) {
                    root = u32::try_from(*page).ok();
                }
                return Ok(ControlFlow::Break(()));
            }
            Ok(ControlFlow::Continue(()))
        })?;
        Ok(root)
    }

    /// Hands each row of the table b-tree rooted at page `root` to `row` (its row id and
    /// its record, overflow included), in row id order, until `row` breaks.
    pub fn rows(
        &mut self,
        root: u32,
        mut row: impl FnMut(i64, &[u8]) -> Result<ControlFlow<()>, Error>,
    ) -> Result<(), Error> {
        let mut visited = HashSet::new();
        // Pages still to walk, with their depth, the next one last.
        let mut pending = vec![(root, 0usize)];
        let mut payload = Vec::new();
        while let Some((number, depth)) = pending.pop() {
            if !visited.insert(number) {
                return Err(format!("is corrupt: page {number} is reached twice"));
            }
            if depth > MAX_DEPTH {
                return Err("is corrupt: its table is too deep".into());
            }
            let page = self.page(number)?;
            // Page 1 starts with the file header.
            let at = if number == 1 { 100 } else { 0 };
            let kind = page[at];
            let cells = usize::from(u16::from_be_bytes([page[at + 3], page[at + 4]]));
            let header = if kind == INTERIOR_TABLE { 12 } else { 8 };
            let pointers = page
                .get(at + header..at + header + 2 * cells)
                .ok_or_else(|| corrupt(number))?;
            let offset =
                |i: usize| usize::from(u16::from_be_bytes([pointers[2 * i], pointers[2 * i + 1]]));
            match kind {
                INTERIOR_TABLE => {
                    let right = u32::from_be_bytes(page[at + 8..at + 12].try_into().unwrap());
                    pending.push((right, depth + 1));
                    for i in (0..cells).rev() {
                        let cell = page
                            .get(offset(i)..offset(i) + 4)
                            .ok_or_else(|| corrupt(number))?;
                        let child = u32::from_be_bytes(cell.try_into().unwrap());
                        pending.push((child, depth + 1));
                    }
                }
                LEAF_TABLE => {
                    for i in 0..cells {
                        let cell = page.get(offset(i)..).ok_or_else(|| corrupt(number))?;
                        let (size, a) = varint(cell).ok_or_else(|| corrupt(number))?;
                        let (rowid, b) = varint(&cell[a..]).ok_or_else(|| corrupt(number))?;
                        self.payload(&cell[a + b..], size, &mut payload, &mut visited)
                            .map_err(|e| e.unwrap_or_else(|| corrupt(number)))?;
                        if row(rowid as i64, &payload)?.is_break() {
                            return Ok(());
                        }
                    }
                }
                _ => return Err(format!("is corrupt: page {number} is not a table page")),
            }
        }
        Ok(())
    }

    /// Reads a cell's payload of `size` bytes into `out`: the part on the page (`local`
    /// holds it, then the first overflow page's number), and the overflow chain.
    fn payload(
        &mut self,
        local: &[u8],
        size: u64,
        out: &mut Vec<u8>,
        visited: &mut HashSet<u32>,
    ) -> Result<(), Option<Error>> {
        out.clear();
        let size = usize::try_from(size).map_err(|_| None)?;
        if size as u64 > self.budget {
            return Err(Some("holds a row larger than keyhound reads".into()));
        }
        let u = self.usable;
        let max_local = u - 35;
        let on_page = if size <= max_local {
            size
        } else {
            let min_local = (u - 12) * 32 / 255 - 23;
            let k = min_local + (size - min_local) % (u - 4);
            if k <= max_local {
                k
            } else {
                min_local
            }
        };
        out.extend_from_slice(local.get(..on_page).ok_or(None)?);
        if on_page == size {
            return Ok(());
        }
        let next = local.get(on_page..on_page + 4).ok_or(None)?;
        let mut next = u32::from_be_bytes(next.try_into().unwrap());
        while out.len() < size {
            if !visited.insert(next) {
                return Err(Some(format!("is corrupt: page {next} is reached twice")));
            }
            let page = self.page(next).map_err(Some)?;
            let take = (size - out.len()).min(u - 4);
            out.extend_from_slice(&page[4..4 + take]);
            next = u32::from_be_bytes(page[..4].try_into().unwrap());
        }
        Ok(())
    }
}

/// SQLite's WAL checksum of `data` (a multiple of 8 bytes), continuing from `sums`:
/// 32-bit words in pairs, read big-endian or little-endian as the log's magic says.
fn checksum(data: &[u8], sums: (u32, u32), big_endian: bool) -> (u32, u32) {
    let (mut s0, mut s1) = sums;
    for pair in data.chunks_exact(8) {
        let word = |bytes: &[u8]| {
            let bytes: [u8; 4] = bytes.try_into().unwrap();
            if big_endian {
                u32::from_be_bytes(bytes)
            } else {
                u32::from_le_bytes(bytes)
            }
        };
        s0 = s0.wrapping_add(word(&pair[..4])).wrapping_add(s1);
        s1 = s1.wrapping_add(word(&pair[4..])).wrapping_add(s0);
    }
    (s0, s1)
}

fn corrupt(page: u32) -> Error {
    format!("is corrupt: page {page} does not hold what it says")
}

/// SQLite's variable-length integer: 1 to 9 bytes, big-endian, 7 bits a byte but 8 in the
/// ninth. Returns the value and its length.
fn varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, &b) in bytes.iter().enumerate().take(9) {
        if i == 8 {
            return Some(((value << 8) | u64::from(b), 9));
        }
        value = (value << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// The column values of a record: a header (its length, then a serial type for each
/// column), then the values.
pub fn columns(record: &[u8]) -> Result<Vec<Value<'_>>, Error> {
    let bad = || "is corrupt: a record does not hold what its header says".to_string();
    let (header_len, mut at) = varint(record).ok_or_else(bad)?;
    let header_len = usize::try_from(header_len).map_err(|_| bad())?;
    if header_len > record.len() {
        return Err(bad());
    }
    let mut body = header_len;
    let mut values = Vec::new();
    while at < header_len {
        let (kind, len) = varint(&record[at..header_len]).ok_or_else(bad)?;
        at += len;
        let size = match kind {
            0 | 8 | 9 => 0,
            1..=4 => kind as usize,
            5 => 6,
            6 | 7 => 8,
            10 | 11 => return Err(bad()),
            n => usize::try_from((n - 12) / 2).map_err(|_| bad())?,
        };
        let bytes = record
            .get(body..body.checked_add(size).ok_or_else(bad)?)
            .ok_or_else(bad)?;
        body += size;
        let int = || {
            let mut v: i64 = if bytes[0] & 0x80 != 0 { -1 } else { 0 };
            for &b in bytes {
                v = (v << 8) | i64::from(b);
            }
            v
        };
        values.push(match kind {
            0 => Value::Null,
            1..=6 => Value::Int(int()),
            7 => Value::Float(f64::from_bits(u64::from_be_bytes(
                bytes.try_into().unwrap(),
            ))),
            8 => Value::Int(0),
            9 => Value::Int(1),
            n if n % 2 == 0 => Value::Blob(bytes),
            _ => Value::Text(bytes),
        });
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints() {
        assert_eq!(varint(&[0x05]), Some((5, 1)));
        assert_eq!(varint(&[0x81, 0x00]), Some((128, 2)));
        assert_eq!(varint(&[0xff; 9]), Some((u64::MAX, 9)));
        assert_eq!(varint(&[0x81]), None);
    }

    #[test]
    fn records() {
        // Header: length 5, NULL, 1-byte int, 3-byte text, 2-byte blob.
        let record = [5, 0, 1, 19, 16, 0xfe, b'a', b'b', b'c', 7, 8];
        assert_eq!(
            columns(&record).unwrap(),
            vec![
                Value::Null,
                Value::Int(-2),
                Value::Text(b"abc"),
                Value::Blob(&[7, 8])
            ]
        );
        assert!(columns(&[5, 0, 1, 19, 16, 0xfe, b'a']).is_err());
        assert!(columns(&[9, 0]).is_err());
    }
}
