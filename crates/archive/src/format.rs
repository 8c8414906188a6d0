//! Telling an archive or a compressed stream by its first bytes, never by its name: a jar
//! renamed `.bin`, a wheel, a Lambda zip or a layer blob named by its digest are all
//! opened the same way.

/// What a stream of bytes is, as its first bytes say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// The zip family: zip, jar, war, ear, apk, whl, egg, nupkg, office files.
    Zip,
    /// A POSIX (ustar or pax) or GNU tar archive.
    Tar,
    /// A gzip stream (`.gz`, `.tgz`, most container image layers).
    Gzip,
    /// A bzip2 stream.
    Bzip2,
    /// An xz stream.
    Xz,
    /// A zstd stream (newer container image layers).
    Zstd,
}

/// Bytes read before telling the format: tar's magic sits at offset 257 of its first
/// 512-byte header.
pub const SNIFF_LEN: usize = 512;

impl Format {
    /// The format `head` (the first [`SNIFF_LEN`] bytes, or all there are) starts, if any.
    pub fn sniff(head: &[u8]) -> Option<Format> {
        if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
            Some(Format::Zip)
        } else if head.starts_with(&[0x1f, 0x8b, 0x08]) {
            Some(Format::Gzip)
        } else if is_bzip2(head) {
            Some(Format::Bzip2)
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
            Some(Format::Xz)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Format::Zstd)
        } else if is_tar_header(head) {
            Some(Format::Tar)
        } else {
            None
        }
    }

    /// Its name in messages: `zip`, `tar`, `gzip`, `bzip2`, `xz`, `zstd`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Zip => "zip",
            Format::Tar => "tar",
            Format::Gzip => "gzip",
            Format::Bzip2 => "bzip2",
            Format::Xz => "xz",
            Format::Zstd => "zstd",
        }
    }

    /// True for a compressed stream of one content (gzip, bzip2, xz, zstd), false for an
    /// archive of named entries (zip, tar).
    pub fn is_compression(self) -> bool {
        !matches!(self, Format::Zip | Format::Tar)
    }
}

/// `BZh`, a block size digit, then a block's or the end of stream's magic: three letters
/// and a digit alone are ordinary text.
fn is_bzip2(head: &[u8]) -> bool {
    const BLOCK: [u8; 6] = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
    const END: [u8; 6] = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];
    head.len() >= 10
        && head.starts_with(b"BZh")
        && (b'1'..=b'9').contains(&head[3])
        && (head[4..10] == BLOCK || head[4..10] == END)
}

/// A ustar header whose checksum holds: the magic alone also starts text about tar.
fn is_tar_header(head: &[u8]) -> bool {
    if head.len() < 512 || !(head[257..263] == *b"ustar\0" || head[257..263] == *b"ustar ") {
        return false;
    }
    let Some(stored) = octal(&head[148..156]) else {
        return false;
    };
    // The checksum is the sum of the header's bytes with its own field read as spaces.
    let sum: u64 = head[..512]
        .iter()
        .enumerate()
        .map(|(i, &b)| u64::from(if (148..156).contains(&i) { b' ' } else { b }))
        .sum();
    stored == sum
}

/// An octal number as tar writes it: digits, padded with spaces or NULs.
fn octal(field: &[u8]) -> Option<u64> {
    let digits: Vec<u8> = field
        .iter()
        .copied()
        .skip_while(|&b| b == b' ')
        .take_while(|&b| b != 0 && b != b' ')
        .collect();
    if digits.is_empty() || digits.len() > 11 {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &d| {
        (b'0'..=b'7')
            .contains(&d)
            .then(|| n * 8 + u64::from(d - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_is_told_by_its_magic_and_text_is_not() {
        assert_eq!(Format::sniff(b"PK\x03\x04rest"), Some(Format::Zip));
        assert_eq!(Format::sniff(&[0x1f, 0x8b, 8, 0]), Some(Format::Gzip));
        assert_eq!(
            Format::sniff(b"BZh91AY&SYrest"),
            Some(Format::Bzip2),
            "a bzip2 block"
        );
        assert_eq!(Format::sniff(b"BZh9 is a bzip2 header"), None);
        assert_eq!(
            Format::sniff(&[0xfd, b'7', b'z', b'X', b'Z', 0, 0]),
            Some(Format::Xz)
        );
        assert_eq!(Format::sniff(&[0x28, 0xb5, 0x2f, 0xfd]), Some(Format::Zstd));
        assert_eq!(Format::sniff(b"PK is not a zip"), None);
        assert_eq!(Format::sniff(b""), None);
    }

    #[test]
    fn a_tar_header_needs_its_checksum() {
        let mut header = [0u8; 512];
        header[..4].copy_from_slice(b"file");
        header[257..263].copy_from_slice(b"ustar\0");
        header[148..156].copy_from_slice(b"        ");
        let sum: u64 = header.iter().map(|&b| u64::from(b)).sum();
        let field = format!("{sum:06o}\0 ");
        header[148..156].copy_from_slice(field.as_bytes());
        assert_eq!(Format::sniff(&header), Some(Format::Tar));
        header[0] = b'F';
        assert_eq!(Format::sniff(&header), None, "a wrong checksum");
    }
}
