//! Turning byte offsets into 1-based lines and columns, for many offsets in one pass.

/// Computes `(line, column)` for each of `offsets` (which must be sorted ascending) in
/// `text`, in one forward pass. Lines are 1-based and split on `\n`; columns are 1-based
/// and count characters (UTF-8 lead bytes; invalid bytes count one each), so a `\r` before
/// `\n` never shifts a column.
pub(crate) fn lines_and_columns(text: &[u8], offsets: &[usize], out: &mut Vec<(usize, usize)>) {
    out.clear();
    let mut line = 1;
    let mut line_start = 0;
    let mut cursor = 0;
    for &offset in offsets {
        debug_assert!(offset >= cursor, "offsets must be sorted");
        let offset = offset.min(text.len());
        for newline in memchr::memchr_iter(b'\n', &text[cursor..offset]) {
            line += 1;
            line_start = cursor + newline + 1;
        }
        cursor = offset;
        let column = 1 + text[line_start..offset]
            .iter()
            .filter(|&&b| !is_continuation(b))
            .count();
        out.push((line, column));
    }
}

/// Number of `\n` in `text[from..to]`.
pub(crate) fn newlines_between(text: &[u8], from: usize, to: usize) -> usize {
    let (from, to) = if from <= to { (from, to) } else { (to, from) };
    memchr::memchr_iter(b'\n', &text[from..to]).count()
}

fn is_continuation(byte: u8) -> bool {
    byte & 0xC0 == 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_character_columns() {
        let text = "ab\r\néx=1\nlast".as_bytes();
        let mut out = Vec::new();
        lines_and_columns(text, &[0, 1, 4, 6, 10], &mut out);
        assert_eq!(out, vec![(1, 1), (1, 2), (2, 1), (2, 2), (3, 1)]);
    }
}
