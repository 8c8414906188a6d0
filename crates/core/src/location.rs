//! Turning byte offsets into 1-based lines and columns, for many offsets in one pass.

/// Computes `(line, column)` for each of `offsets` (which must be sorted ascending) in
/// `text`, in one forward pass. Lines are 1-based and split on `\n`; columns are 1-based
/// and count characters (UTF-8 lead bytes; invalid bytes count one each), so a `\r` before
/// `\n` never shifts a column. Every byte is looked at once, however many offsets share a
/// line (a minified file is one line with every match on it).
pub(crate) fn lines_and_columns(text: &[u8], offsets: &[usize], out: &mut Vec<(usize, usize)>) {
    out.clear();
    let mut line = 1;
    let mut line_start = 0;
    let mut cursor = 0;
    // The column of the byte at `cursor`, counted from the line's start once.
    let mut column = 1;
    for &offset in offsets {
        debug_assert!(offset >= cursor, "offsets must be sorted");
        let offset = offset.min(text.len());
        for newline in memchr::memchr_iter(b'\n', &text[cursor..offset]) {
            line += 1;
            line_start = cursor + newline + 1;
        }
        let counted_from = if line_start > cursor {
            column = 1;
            line_start
        } else {
            cursor
        };
        column += characters(&text[counted_from..offset]);
        cursor = offset;
        out.push((line, column));
    }
}

/// Characters in `bytes`: every byte but UTF-8 continuation bytes (`0x80..=0xBF`), so
/// invalid bytes count one each. (`bytecount` counts with SIMD, and, as a dependency, is
/// optimized even in the debug builds tests scan many-megabyte lines with.)
pub(crate) fn characters(bytes: &[u8]) -> usize {
    bytecount::num_chars(bytes)
}

/// Number of `\n` in `text[from..to]`.
pub(crate) fn newlines_between(text: &[u8], from: usize, to: usize) -> usize {
    let (from, to) = if from <= to { (from, to) } else { (to, from) };
    memchr::memchr_iter(b'\n', &text[from..to]).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_continuation(byte: u8) -> bool {
        byte & 0xC0 == 0x80
    }

    #[test]
    fn lines_and_character_columns() {
        let text = "ab\r\néx=1\nlast".as_bytes();
        let mut out = Vec::new();
        lines_and_columns(text, &[0, 1, 4, 6, 10], &mut out);
        assert_eq!(out, vec![(1, 1), (1, 2), (2, 1), (2, 2), (3, 1)]);
    }

    /// Each offset counted from its line's start, as the pass must agree with.
    fn naive(text: &[u8], offset: usize) -> (usize, usize) {
        let before = &text[..offset];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        (line, 1 + characters(&text[line_start..offset]))
    }

    #[test]
    fn many_offsets_on_lines_agree_with_counting_each_from_its_line() {
        let text = "é\u{1F600}ab\r\nx\x7fé\n\n long line with ü and more\nend".as_bytes();
        let text: Vec<u8> = text.iter().copied().chain([0xff, b'z']).collect();
        for step in 1..5 {
            let offsets: Vec<usize> = (0..=text.len()).step_by(step).collect();
            let mut out = Vec::new();
            lines_and_columns(&text, &offsets, &mut out);
            let want: Vec<(usize, usize)> = offsets.iter().map(|&o| naive(&text, o)).collect();
            assert_eq!(out, want, "step {step}");
        }
        // Repeated offsets, and one past the end.
        let mut out = Vec::new();
        lines_and_columns(&text, &[3, 3, 3, text.len() + 10], &mut out);
        assert_eq!(out[0], out[2]);
        assert_eq!(out[3], naive(&text, text.len()));
    }

    #[test]
    fn characters_counted_word_wise_agree_with_byte_wise() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        for start in 0..9 {
            for end in (start..bytes.len()).step_by(37) {
                let slice = &bytes[start..end];
                let byte_wise = slice.iter().filter(|&&b| !is_continuation(b)).count();
                assert_eq!(characters(slice), byte_wise, "{start}..{end}");
            }
        }
    }
}
