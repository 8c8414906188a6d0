//! Just enough of Berkeley DB's hash database format to read every value of one, read-only:
//! the metadata page (magic `0x061561`, byte order, page size), hash pages (key and data
//! items in pairs, inline or on overflow pages) and overflow chains. This is the format
//! of rpm's `Packages` database before rpm 4.16 (RHEL and CentOS 7 and 8, Amazon Linux 2).
//!
//! The file may come from an audited image, so it is read as hostile: every page number
//! and offset is checked, an overflow page is visited at most once, and the bytes read
//! are bounded by a budget.

use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::path::Path;

/// What went wrong reading the file: said in a note, never containing file contents.
pub type Error = String;

const HASH_MAGIC: u32 = 0x0006_1561;
const BTREE_MAGIC: u32 = 0x0005_3162;
/// The generic page header: LSN, page number, previous and next page, entries, free
/// offset (on overflow pages: the bytes used), level, type.
const PAGE_HEADER: usize = 26;
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASH: u8 = 13;
/// Item types on hash pages.
const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;
/// `metaflags`: pages carry checksums (their items then start later).
const META_CHECKSUM: u8 = 1;

/// Hands every data item of the hash database at `path` (values, not keys) to `each`,
/// in page order, until it breaks; reads at most `budget` bytes.
pub fn values(
    path: &Path,
    budget: u64,
    mut each: impl FnMut(&[u8]) -> ControlFlow<()>,
) -> Result<(), Error> {
    let mut file = File::open(path).map_err(|e| format!("cannot be opened: {e}"))?;
    let len = file
        .metadata()
        .map_err(|e| format!("cannot be read: {e}"))?
        .len();
    let mut meta = [0u8; 72];
    file.read_exact(&mut meta)
        .map_err(|_| "is not a Berkeley DB database (too short)".to_string())?;
    let little = u32::from_le_bytes(meta[12..16].try_into().unwrap());
    let big = u32::from_be_bytes(meta[12..16].try_into().unwrap());
    let little_endian = match (little, big) {
        (HASH_MAGIC, _) => true,
        (_, HASH_MAGIC) => false,
        (BTREE_MAGIC, _) | (_, BTREE_MAGIC) => {
            return Err("is a Berkeley DB btree, not the hash database rpm writes".into())
        }
        _ => return Err("is not a Berkeley DB hash database".into()),
    };
    let order = Order(little_endian);
    let page_size = order.u32(&meta[20..24]) as usize;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(format!("has an invalid page size ({page_size})"));
    }
    if meta[24] != 0 {
        return Err("is encrypted".into());
    }
    if meta[26] & META_CHECKSUM != 0 {
        return Err("has page checksums, which keyhound does not read".into());
    }
    let pages = u64::from(order.u32(&meta[32..36])) + 1;
    if pages > len / page_size as u64 {
        return Err("is cut short: it names more pages than it holds".into());
    }
    let mut reader = Pages {
        file,
        page_size,
        pages,
        budget,
    };
    let mut overflow_seen = HashSet::new();
    let mut value = Vec::new();
    for number in 1..pages {
        let page = reader.page(number as u32)?;
        if !matches!(page[25], P_HASH | P_HASH_UNSORTED) {
            continue;
        }
        let entries = usize::from(order.u16(&page[20..22]));
        let index = page
            .get(PAGE_HEADER..PAGE_HEADER + 2 * entries)
            .ok_or_else(|| corrupt(number))?;
        let offset = |i: usize| usize::from(order.u16(&index[2 * i..2 * i + 2]));
        // Items come in pairs, key then data; each ends where the one before it starts.
        for data in (1..entries).step_by(2) {
            let (start, end) = (offset(data), offset(data - 1));
            let item = page
                .get(start..end)
                .filter(|item| !item.is_empty() && start >= PAGE_HEADER)
                .ok_or_else(|| corrupt(number))?;
            let found = match item[0] {
                H_KEYDATA => &item[1..],
                H_OFFPAGE => {
                    let at = item.get(4..12).ok_or_else(|| corrupt(number))?;
                    let first = order.u32(&at[..4]);
                    let total = order.u32(&at[4..]) as usize;
                    reader.overflow(first, total, &order, &mut overflow_seen, &mut value)?;
                    &value[..]
                }
                // Duplicates: rpm's Packages has none.
                _ => continue,
            };
            if each(found).is_break() {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// The database's byte order (little-endian when true).
struct Order(bool);

impl Order {
    fn u32(&self, bytes: &[u8]) -> u32 {
        let bytes: [u8; 4] = bytes.try_into().unwrap();
        if self.0 {
            u32::from_le_bytes(bytes)
        } else {
            u32::from_be_bytes(bytes)
        }
    }

    fn u16(&self, bytes: &[u8]) -> u16 {
        let bytes: [u8; 2] = bytes.try_into().unwrap();
        if self.0 {
            u16::from_le_bytes(bytes)
        } else {
            u16::from_be_bytes(bytes)
        }
    }
}

struct Pages {
    file: File,
    page_size: usize,
    pages: u64,
    budget: u64,
}

impl Pages {
    fn page(&mut self, number: u32) -> Result<Vec<u8>, Error> {
        if number == 0 || u64::from(number) >= self.pages {
            return Err(format!("names page {number}, outside the file"));
        }
        let size = self.page_size as u64;
        self.budget = self
            .budget
            .checked_sub(size)
            .ok_or_else(|| "is larger than keyhound reads".to_string())?;
        let mut page = vec![0u8; self.page_size];
        self.file
            .seek(SeekFrom::Start(u64::from(number) * size))
            .and_then(|_| self.file.read_exact(&mut page))
            .map_err(|e| format!("cannot be read: {e}"))?;
        Ok(page)
    }

    /// Reads the `total` bytes of a value kept on the overflow pages from `first` on.
    fn overflow(
        &mut self,
        first: u32,
        total: usize,
        order: &Order,
        seen: &mut HashSet<u32>,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        out.clear();
        if total as u64 > self.budget {
            return Err("holds a value larger than keyhound reads".into());
        }
        let mut next = first;
        while out.len() < total {
            if !seen.insert(next) {
                return Err(format!("is corrupt: overflow page {next} is reached twice"));
            }
            let page = self.page(next)?;
            let used = usize::from(order.u16(&page[22..24]));
            let bytes = page
                .get(PAGE_HEADER..PAGE_HEADER + used)
                .filter(|_| page[25] == P_OVERFLOW)
                .ok_or_else(|| corrupt(next))?;
            out.extend_from_slice(&bytes[..used.min(total - out.len())]);
            next = order.u32(&page[16..20]);
            if next == 0 {
                break;
            }
        }
        if out.len() < total {
            return Err(format!(
                "is corrupt: a value ends before its length at page {next}"
            ));
        }
        Ok(())
    }
}

fn corrupt(page: impl std::fmt::Display) -> Error {
    format!("is corrupt: page {page} does not hold what it says")
}
