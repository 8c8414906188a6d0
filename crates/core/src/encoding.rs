//! Telling what an input is before scanning it: UTF-8 text, UTF-16 text (transcoded so the
//! rules see ASCII), or binary (scanned as is, for strings inside it).

/// The text encoding an input was read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// UTF-8, ASCII, or anything else scanned byte for byte (including invalid UTF-8).
    Utf8,
    /// UTF-16 little endian (with or without BOM).
    Utf16Le,
    /// UTF-16 big endian (with or without BOM).
    Utf16Be,
}

impl Encoding {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
        }
    }
}

/// How many leading bytes are looked at to guess UTF-16 without a BOM, and binary.
const SNIFF_LEN: usize = 8 * 1024;

/// The ways to read an input: one view, or two when a UTF-16 byte-order mark is not
/// backed by the text that follows it (a binary or Latin-1 file can start with `FF FE`);
/// then both the UTF-16 and the byte-for-byte reading are scanned, so nothing is lost.
pub(crate) fn views(input: &[u8]) -> ([(Encoding, usize); 2], usize) {
    let bom = match input {
        [0xFF, 0xFE, ..] => Some(Encoding::Utf16Le),
        [0xFE, 0xFF, ..] => Some(Encoding::Utf16Be),
        [0xEF, 0xBB, 0xBF, ..] => return ([(Encoding::Utf8, 3); 2], 1),
        _ => None,
    };
    let guessed = guess_utf16(&input[if bom.is_some() { 2 } else { 0 }..]);
    match (bom, guessed) {
        (Some(bom), Some(guess)) if bom == guess => ([(bom, 2); 2], 1),
        (Some(bom), _) => ([(bom, 2), (Encoding::Utf8, 0)], 2),
        (None, Some(guess)) => ([(guess, 0); 2], 1),
        (None, None) => ([(Encoding::Utf8, 0); 2], 1),
    }
}

/// Guesses UTF-16 without a BOM: ASCII-heavy UTF-16 has a NUL in almost every other byte
/// and almost none in the others.
fn guess_utf16(input: &[u8]) -> Option<Encoding> {
    let sample = &input[..input.len().min(SNIFF_LEN) & !1];
    if sample.len() < 16 {
        return None;
    }
    let pairs = sample.len() / 2;
    let (mut even_nul, mut odd_nul) = (0, 0);
    for pair in sample.chunks_exact(2) {
        even_nul += usize::from(pair[0] == 0);
        odd_nul += usize::from(pair[1] == 0);
    }
    if odd_nul * 10 >= pairs * 7 && even_nul * 20 <= pairs {
        Some(Encoding::Utf16Le)
    } else if even_nul * 10 >= pairs * 7 && odd_nul * 20 <= pairs {
        Some(Encoding::Utf16Be)
    } else {
        None
    }
}

/// True when the input looks binary: a NUL byte among its first bytes.
pub(crate) fn looks_binary(input: &[u8]) -> bool {
    memchr::memchr(0, &input[..input.len().min(SNIFF_LEN)]).is_some()
}

/// Transcodes UTF-16 `input[start..]` to UTF-8 in `out`, recording for every output byte
/// the input offset of the code unit it came from (so spans map back to the input).
/// Unpaired surrogates become U+FFFD; a trailing odd byte is dropped.
pub(crate) fn transcode_utf16(
    input: &[u8],
    start: usize,
    big_endian: bool,
    out: &mut Vec<u8>,
    offsets: &mut Vec<usize>,
) {
    out.clear();
    offsets.clear();
    let units = input[start..].chunks_exact(2).enumerate().map(|(i, pair)| {
        let unit = if big_endian {
            u16::from_be_bytes([pair[0], pair[1]])
        } else {
            u16::from_le_bytes([pair[0], pair[1]])
        };
        (start + 2 * i, unit)
    });
    let mut units = units.peekable();
    let mut buf = [0u8; 4];
    while let Some((offset, unit)) = units.next() {
        let c = match unit {
            0xD800..=0xDBFF => match units.peek() {
                Some(&(_, low @ 0xDC00..=0xDFFF)) => {
                    units.next();
                    let high = u32::from(unit - 0xD800);
                    let low = u32::from(low - 0xDC00);
                    char::from_u32(0x10000 + (high << 10) + low).unwrap_or('\u{FFFD}')
                }
                _ => '\u{FFFD}',
            },
            0xDC00..=0xDFFF => '\u{FFFD}',
            _ => char::from_u32(u32::from(unit)).unwrap_or('\u{FFFD}'),
        };
        let encoded = c.encode_utf8(&mut buf);
        out.extend_from_slice(encoded.as_bytes());
        offsets.extend(std::iter::repeat_n(offset, encoded.len()));
    }
    offsets.push(input.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn views_follow_boms_and_bomless_utf16() {
        let one = |view: (Encoding, usize)| ([view; 2], 1);
        let mut le = b"\xFF\xFE".to_vec();
        le.extend(utf16le("export KEY=value and more text"));
        assert_eq!(views(&le), one((Encoding::Utf16Le, 2)));
        assert_eq!(
            views(&utf16le("export KEY=value and more text")),
            one((Encoding::Utf16Le, 0))
        );
        assert_eq!(
            views(b"plain ascii text, long enough to sniff"),
            one((Encoding::Utf8, 0))
        );
        assert_eq!(views(b"\xEF\xBB\xBFbom"), one((Encoding::Utf8, 3)));
        let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0";
        assert_eq!(views(elf), one((Encoding::Utf8, 0)));
        // A BOM the text does not back up: read both ways.
        let odd = b"\xFF\xFE\xFD garbage that is not UTF-16 at all";
        assert_eq!(
            views(odd),
            ([(Encoding::Utf16Le, 2), (Encoding::Utf8, 0)], 2)
        );
    }

    #[test]
    fn transcodes_with_offsets() {
        let input = utf16le("é=1\u{1F600}");
        let (mut out, mut offsets) = (Vec::new(), Vec::new());
        transcode_utf16(&input, 0, false, &mut out, &mut offsets);
        assert_eq!(out, "é=1\u{1F600}".as_bytes());
        assert_eq!(&offsets[..4], &[0, 0, 2, 4]);
        assert_eq!(offsets.last(), Some(&input.len()));
    }
}
