//! User data as cloud-init reads it. The EC2 and Auto Scaling APIs hand it out in base64;
//! inside may be gzip (cloud-init inflates it), a MIME multipart archive (each part a
//! script, a cloud-config, a boothook …, itself base64 or gzip), or plain text. Each piece
//! of text comes out with a label saying where in the user data it was, so a finding can
//! name the part it sits in.

use std::io::Read;

/// The most text one user data may decode to. The API caps user data at 16 KiB, so only
/// a gzip bomb gets near this: past it, the piece is cut and a note says so.
pub const MAX_DECODED: u64 = 16 << 20;

/// How deep MIME parts may nest (cloud-init's own archives nest one level).
const MAX_DEPTH: usize = 4;

/// One piece of text of a user data, ready to scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    /// Where it is: `userData`, or `userData part 2 (text/x-shellscript, setup.sh)`.
    pub label: String,
    /// The text.
    pub text: Vec<u8>,
}

/// A user data decoded into its pieces, with what could not be decoded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decoded {
    /// The pieces, in the order of the user data.
    pub pieces: Vec<Piece>,
    /// What was not decoded as its header said, each scanned as it was instead (never
    /// dropped): `part 2: gzip data is damaged (…)`.
    pub notes: Vec<String>,
}

/// Decodes a user data as the API returns it (base64). Text that is not base64 is read
/// as it is.
pub fn decode(api_value: &str) -> Decoded {
    let mut decoded = Decoded::default();
    let raw = match decode_base64(api_value.as_bytes()) {
        Some(raw) => raw,
        None => {
            decoded
                .notes
                .push("not base64 as the API returns user data: scanned as given".into());
            api_value.as_bytes().to_vec()
        }
    };
    let label = "userData".to_string();
    let raw = inflate(raw, &label, &mut decoded.notes);
    read_document(raw, label, 0, &mut decoded);
    decoded
}

/// Reads one document: a MIME multipart archive is split into its parts, anything else is
/// one piece.
fn read_document(text: Vec<u8>, label: String, depth: usize, decoded: &mut Decoded) {
    if depth < MAX_DEPTH {
        if let Some(boundary) = multipart_boundary(&text) {
            let parts = split_multipart(&text, &boundary);
            if !parts.is_empty() {
                for (number, part) in parts.into_iter().enumerate() {
                    read_part(part, &label, number + 1, depth, decoded);
                }
                return;
            }
            decoded.notes.push(format!(
                "{label}: a MIME archive with no parts: scanned whole"
            ));
        }
    }
    decoded.pieces.push(Piece { label, text });
}

/// Reads one MIME part: its headers say how its body is encoded and what it is.
fn read_part(part: &[u8], outer: &str, number: usize, depth: usize, decoded: &mut Decoded) {
    let (headers, body) = split_headers(part);
    let content_type = header(headers, "content-type").unwrap_or_default();
    let mut what = vec![content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_string()];
    if let Some(name) =
        header(headers, "content-disposition").and_then(|d| parameter(&d, "filename"))
    {
        what.push(name);
    }
    what.retain(|w| !w.is_empty());
    let label = match what.is_empty() {
        true => format!("{outer} part {number}"),
        false => format!("{outer} part {number} ({})", what.join(", ")),
    };
    let encoding = header(headers, "content-transfer-encoding").unwrap_or_default();
    let body = if encoding.trim().eq_ignore_ascii_case("base64") {
        match decode_base64(body) {
            Some(bytes) => bytes,
            None => {
                decoded
                    .notes
                    .push(format!("{label}: says base64 but is not: scanned as given"));
                body.to_vec()
            }
        }
    } else {
        body.to_vec()
    };
    let body = inflate(body, &label, &mut decoded.notes);
    read_document(body, label, depth + 1, decoded);
}

/// gzip data inflated (cloud-init inflates user data and parts that start with gzip's
/// magic); anything else as it is. Damaged gzip is scanned as it is, with a note.
fn inflate(data: Vec<u8>, label: &str, notes: &mut Vec<String>) -> Vec<u8> {
    if !data.starts_with(&[0x1f, 0x8b]) {
        return data;
    }
    let mut text = Vec::new();
    let mut reader = flate2::read::MultiGzDecoder::new(&data[..]).take(MAX_DECODED + 1);
    match reader.read_to_end(&mut text) {
        Ok(_) if text.len() as u64 > MAX_DECODED => {
            text.truncate(MAX_DECODED as usize);
            notes.push(format!(
                "{label}: gzip inflates past {} MiB: only its first {} MiB scanned",
                MAX_DECODED >> 20,
                MAX_DECODED >> 20
            ));
            text
        }
        Ok(_) => text,
        Err(error) => {
            notes.push(format!(
                "{label}: gzip data is damaged ({error}): its compressed bytes scanned"
            ));
            data
        }
    }
}

/// The boundary of a MIME multipart document: its first header block holds
/// `Content-Type: multipart/…; boundary=…`.
fn multipart_boundary(text: &[u8]) -> Option<String> {
    let (headers, _) = split_headers(text);
    if headers.is_empty() {
        return None;
    }
    let content_type = header(headers, "content-type")?;
    if !content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/")
    {
        return None;
    }
    parameter(&content_type, "boundary").filter(|b| !b.is_empty())
}

/// The bodies between `--boundary` lines, up to `--boundary--`.
fn split_multipart<'a>(text: &'a [u8], boundary: &str) -> Vec<&'a [u8]> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut current: Option<usize> = None;
    let mut at = 0;
    for line in text.split_inclusive(|&b| b == b'\n') {
        let trimmed = trim_line_end(line);
        if trimmed.starts_with(delimiter.as_bytes()) {
            let rest = &trimmed[delimiter.len()..];
            let closing = rest.starts_with(b"--");
            if rest.iter().all(|b| b.is_ascii_whitespace()) || closing {
                if let Some(start) = current.take() {
                    // The line break before a delimiter belongs to the delimiter.
                    parts.push(trim_one_line_end(&text[start..at]));
                }
                if closing {
                    return parts;
                }
                current = Some(at + line.len());
            }
        }
        at += line.len();
    }
    // No closing delimiter: the last part runs to the end.
    if let Some(start) = current {
        parts.push(&text[start..]);
    }
    parts
}

/// The header block (up to the first empty line) and the body after it. A text with no
/// header lines has an empty header block.
fn split_headers(text: &[u8]) -> (&[u8], &[u8]) {
    let mut at = 0;
    for line in text.split_inclusive(|&b| b == b'\n') {
        if trim_line_end(line).is_empty() {
            return (&text[..at], &text[at + line.len()..]);
        }
        let first = line.first().copied().unwrap_or(b' ');
        let is_header = first == b' '
            || first == b'\t'
            || line
                .iter()
                .take_while(|&&b| b != b':')
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
                && line.contains(&b':');
        if !is_header {
            return (&[], text);
        }
        at += line.len();
    }
    (&[], text)
}

/// A header's value, continuation lines joined; names compare without case.
fn header(headers: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(headers);
    let mut found: Option<String> = None;
    let mut in_it = false;
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if in_it {
                if let Some(value) = found.as_mut() {
                    value.push(' ');
                    value.push_str(line.trim());
                }
            }
            continue;
        }
        in_it = false;
        if found.is_some() {
            continue;
        }
        if let Some((key, value)) = line.split_once(':') {
            if key.trim().eq_ignore_ascii_case(name) {
                found = Some(value.trim().to_string());
                in_it = true;
            }
        }
    }
    found
}

/// A `name=value` parameter of a header value (`boundary="abc"`), unquoted.
fn parameter(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|piece| {
        let (key, value) = piece.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    &line[..end]
}

/// `text` without one trailing line break (`\r\n` or `\n`).
fn trim_one_line_end(text: &[u8]) -> &[u8] {
    let text = text.strip_suffix(b"\n").unwrap_or(text);
    text.strip_suffix(b"\r").unwrap_or(text)
}

/// Standard base64 (padding optional, line breaks and spaces ignored); `None` when
/// anything else is in it.
fn decode_base64(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    let mut padding = false;
    for &byte in text {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding = true;
                continue;
            }
            b'\r' | b'\n' | b' ' | b'\t' => continue,
            _ => return None,
        };
        if padding {
            return None;
        }
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn b64(data: &[u8]) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in data.chunks(3) {
            let n =
                chunk.iter().fold(0u32, |n, &b| (n << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn plain_user_data_is_one_piece() {
        let decoded = decode(&b64(b"#!/bin/sh\necho hi\n"));
        assert_eq!(decoded.pieces.len(), 1);
        assert_eq!(decoded.pieces[0].label, "userData");
        assert_eq!(decoded.pieces[0].text, b"#!/bin/sh\necho hi\n");
        assert!(decoded.notes.is_empty());
    }

    #[test]
    fn gzip_is_inflated() {
        let decoded = decode(&b64(&gzip(b"#!/bin/sh\nexport A=1\n")));
        assert_eq!(decoded.pieces[0].text, b"#!/bin/sh\nexport A=1\n");
    }

    #[test]
    fn multipart_parts_are_read_with_their_encodings() {
        let part2 = b64(&gzip(b"#cloud-config\nruncmd: [ls]\n"));
        let mime = format!(
            "Content-Type: multipart/mixed; boundary=\"===b==\"\r\nMIME-Version: 1.0\r\n\r\n\
             --===b==\r\nContent-Type: text/x-shellscript; charset=\"us-ascii\"\r\n\
             Content-Disposition: attachment; filename=\"setup.sh\"\r\n\r\n\
             #!/bin/sh\r\necho one\r\n\
             --===b==\r\nContent-Type: text/cloud-config\r\nContent-Transfer-Encoding: base64\r\n\r\n\
             {part2}\r\n--===b==--\r\n"
        );
        let decoded = decode(&b64(mime.as_bytes()));
        assert_eq!(decoded.notes, Vec::<String>::new());
        assert_eq!(decoded.pieces.len(), 2);
        assert_eq!(
            decoded.pieces[0].label,
            "userData part 1 (text/x-shellscript, setup.sh)"
        );
        assert_eq!(decoded.pieces[0].text, b"#!/bin/sh\r\necho one");
        assert_eq!(
            decoded.pieces[1].label,
            "userData part 2 (text/cloud-config)"
        );
        assert_eq!(decoded.pieces[1].text, b"#cloud-config\nruncmd: [ls]\n");
    }

    #[test]
    fn damage_is_noted_and_scanned_as_given() {
        let decoded = decode("not base64 at all!");
        assert_eq!(decoded.pieces[0].text, b"not base64 at all!");
        assert_eq!(decoded.notes.len(), 1);
        let mut broken = gzip(b"#!/bin/sh\n");
        broken.truncate(12);
        let decoded = decode(&b64(&broken));
        assert_eq!(decoded.pieces[0].text, broken);
        assert!(
            decoded.notes[0].contains("gzip data is damaged"),
            "{:?}",
            decoded.notes
        );
    }

    #[test]
    fn a_gzip_bomb_is_cut() {
        let bomb = gzip(&vec![b'a'; (MAX_DECODED + 10) as usize]);
        let decoded = decode(&b64(&bomb));
        assert_eq!(decoded.pieces[0].text.len() as u64, MAX_DECODED);
        assert!(decoded.notes[0].contains("only its first"));
    }

    #[test]
    fn text_that_only_looks_like_headers_is_one_piece() {
        let decoded = decode(&b64(b"key: value\nother: thing\n"));
        assert_eq!(decoded.pieces.len(), 1);
    }
}
