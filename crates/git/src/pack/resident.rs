//! Pack files mapped by keyhound, and their resident memory kept bounded.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A file mapped read-only, shared with [`Resident`], which releases its pages.
#[derive(Clone)]
pub(super) struct Mapped(Arc<memmap2::Mmap>);

impl std::ops::Deref for Mapped {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl Mapped {
    pub(super) fn open(path: &Path) -> std::io::Result<Mapped> {
        let file = std::fs::File::open(path)?;
        // SAFETY: mapped read-only. Like git and gix, this relies on pack files never
        // being changed in place (git writes new packs under new names).
        let map = unsafe { memmap2::Mmap::map(&file)? };
        Ok(Mapped(Arc::new(map)))
    }
}

/// Pack bytes read between two looks at how much of the mappings is resident.
const CHECK_EVERY: u64 = 8 << 20;

/// How much file-backed memory the mappings may add to what was resident when the packs
/// were opened before their pages are released.
const RESIDENT_BUDGET_KB: u64 = 32 << 10;

/// Keeps the resident memory of the pack mappings bounded. Every page of a mapping the
/// scan has read counts as the process's memory until the kernel is told otherwise (and a
/// read maps the pages around it too), so a 500 MB pack would cost 500 MB of resident
/// memory by the end of a scan. Every [`CHECK_EVERY`] bytes read, the resident
/// file-backed memory is looked at; over [`RESIDENT_BUDGET_KB`], the mappings' pages are
/// released: they stay in the page cache, and reading them again maps them back without
/// going to the disk.
pub(super) struct Resident {
    pub(super) maps: Vec<Mapped>,
    pub(super) read: AtomicU64,
    /// Resident file-backed memory before the packs were read (the program, other
    /// mappings), in kB.
    pub(super) baseline_kb: u64,
}

impl Resident {
    /// Counts `bytes` more read from the mappings.
    pub(super) fn read(&self, bytes: u64) {
        if self.read.fetch_add(bytes, Ordering::Relaxed) + bytes >= CHECK_EVERY {
            self.read.store(0, Ordering::Relaxed);
            if file_backed_kb().is_none_or(|kb| kb > self.baseline_kb + RESIDENT_BUDGET_KB) {
                self.release();
            }
        }
    }

    fn release(&self) {
        #[cfg(unix)]
        for map in &self.maps {
            // SAFETY: the mapping is shared and read-only: dropping its pages from this
            // process changes nothing anyone reads, the next access maps the same bytes
            // back. A failure only means the pages stay resident.
            let _ = unsafe { map.0.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
        }
    }
}

/// This process's resident file-backed memory, where the system says (Linux).
pub(super) fn file_backed_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("RssFile:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// What a search of a pack index is counted as, for [`Resident`]: the pages a binary
/// search touches.
pub(super) const INDEX_SEARCH_BYTES: u64 = 4 * PAGE;

/// Reading any part of a page makes all of it resident.
pub(super) const PAGE: u64 = 4096;
