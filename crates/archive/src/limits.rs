//! What no archive can make keyhound exceed, and the readers that keep count.

use std::cell::Cell;
use std::fmt;
use std::io::{self, Read};
use std::rc::Rc;

/// Limits on reading one archive, nested archives included. Reaching one stops the
/// archive there and is reported ([`crate::Problem::Limit`]): never an out-of-memory, never
/// a silent skip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes decompressed from the archive, every layer and entry counted.
    pub max_bytes: u64,
    /// Decompressed bytes per compressed byte of one entry or stream, once it has given
    /// more than [`RATIO_FLOOR`] bytes (a zip bomb's entry). Deflate cannot pass 1,032:
    /// the default lets any single deflate layer through.
    pub max_ratio: u64,
    /// Entries listed, nested ones included.
    pub max_entries: u64,
    /// Archives and compressed streams inside one another (`app.tar.gz` is two).
    pub max_depth: u32,
    /// Bytes of a nested zip read into memory to be opened (a zip is read from its end,
    /// so one inside a tar or another zip is held whole).
    pub max_buffered: u64,
}

/// Output below which no ratio is judged: small, repetitive files compress very well.
pub const RATIO_FLOOR: u64 = 1 << 20;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 4 << 30,
            max_ratio: 1_100,
            max_entries: 1_000_000,
            max_depth: 8,
            max_buffered: 256 << 20,
        }
    }
}

/// Which limit was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// [`Limits::max_bytes`].
    Bytes(u64),
    /// [`Limits::max_ratio`].
    Ratio(u64),
    /// [`Limits::max_entries`].
    Entries(u64),
    /// [`Limits::max_depth`].
    Depth(u32),
    /// [`Limits::max_buffered`].
    Buffered(u64),
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Bytes(max) => write!(f, "more than {} decompressed", bytes(*max)),
            Limit::Ratio(max) => write!(f, "an entry expands more than {max} times"),
            Limit::Entries(max) => write!(f, "more than {max} entries"),
            Limit::Depth(max) => write!(f, "archives nested more than {max} deep"),
            Limit::Buffered(max) => write!(f, "a nested zip larger than {}", bytes(*max)),
        }
    }
}

/// `n` bytes in the largest binary unit that divides it, for limits.
fn bytes(n: u64) -> String {
    for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if n >= 1 << shift && n.is_multiple_of(1 << shift) {
            return format!("{} {unit}", n >> shift);
        }
    }
    format!("{n} bytes")
}

/// The counts of one archive's walk, shared by every reader in it.
pub(crate) struct Budget {
    pub(crate) limits: Limits,
    pub(crate) bytes: Cell<u64>,
    pub(crate) entries: Cell<u64>,
    /// The limit a reader hit, for the walk to name (a reader can only return an
    /// `io::Error`, which the tar and zip readers wrap).
    pub(crate) tripped: Cell<Option<Limit>>,
}

impl Budget {
    pub(crate) fn new(limits: Limits) -> Budget {
        Budget {
            limits,
            bytes: Cell::new(0),
            entries: Cell::new(0),
            tripped: Cell::new(None),
        }
    }

    fn trip(&self, limit: Limit) -> io::Error {
        self.tripped.set(Some(limit));
        io::Error::other(limit.to_string())
    }
}

/// Counts the bytes read through it: the compressed side of a stream.
pub(crate) struct Counted<R> {
    inner: R,
    pub(crate) count: Rc<Cell<u64>>,
}

impl<R> Counted<R> {
    pub(crate) fn new(inner: R) -> Counted<R> {
        Counted {
            inner,
            count: Rc::new(Cell::new(0)),
        }
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Where a decompressing reader's input size comes from.
pub(crate) enum Compressed {
    /// Counted as it is read (a stream).
    Counted(Rc<Cell<u64>>),
    /// Known beforehand (a zip entry's header).
    Known(u64),
}

/// The decompressed side of a stream or zip entry: counts its output against the
/// archive's byte budget and its ratio to the input, failing the read past either.
pub(crate) struct Inflated<R> {
    inner: R,
    compressed: Compressed,
    out: u64,
    budget: Rc<Budget>,
}

impl<R> Inflated<R> {
    pub(crate) fn new(inner: R, compressed: Compressed, budget: Rc<Budget>) -> Self {
        Inflated {
            inner,
            compressed,
            out: 0,
            budget,
        }
    }
}

impl<R: Read> Read for Inflated<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        let limits = &self.budget.limits;
        let total = self.budget.bytes.get() + n as u64;
        self.budget.bytes.set(total);
        if total > limits.max_bytes {
            return Err(self.budget.trip(Limit::Bytes(limits.max_bytes)));
        }
        let input = match &self.compressed {
            Compressed::Counted(count) => count.get(),
            Compressed::Known(size) => *size,
        };
        if self.out > RATIO_FLOOR && self.out / input.max(1) > limits.max_ratio {
            return Err(self.budget.trip(Limit::Ratio(limits.max_ratio)));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_in_their_units() {
        assert_eq!(
            Limit::Bytes(4 << 30).to_string(),
            "more than 4 GiB decompressed"
        );
        assert_eq!(
            Limit::Buffered(1000).to_string(),
            "a nested zip larger than 1000 bytes"
        );
        assert_eq!(
            Limit::Depth(8).to_string(),
            "archives nested more than 8 deep"
        );
    }

    #[test]
    fn an_inflated_reader_stops_past_the_byte_budget_and_the_ratio() {
        let budget = Rc::new(Budget::new(Limits {
            max_bytes: 3 << 20,
            ..Limits::default()
        }));
        let zeros = std::io::repeat(0).take(4 << 20);
        let mut reader = Inflated::new(zeros, Compressed::Known(1 << 20), Rc::clone(&budget));
        let err = std::io::copy(&mut reader, &mut std::io::sink()).unwrap_err();
        assert_eq!(err.to_string(), "more than 3 MiB decompressed");
        assert_eq!(budget.tripped.get(), Some(Limit::Bytes(3 << 20)));

        let budget = Rc::new(Budget::new(Limits::default()));
        let zeros = std::io::repeat(0).take(4 << 20);
        let mut reader = Inflated::new(zeros, Compressed::Known(1000), Rc::clone(&budget));
        std::io::copy(&mut reader, &mut std::io::sink()).unwrap_err();
        assert_eq!(budget.tripped.get(), Some(Limit::Ratio(1_100)));
    }
}
