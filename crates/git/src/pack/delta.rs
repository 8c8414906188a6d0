//! Git's delta format: a base's size, the result's size, then instructions that copy
//! from the base or insert new bytes.

/// A delta (or the entry holding it) that cannot be used.
#[derive(Debug)]
pub(crate) struct Undecodable;

/// Builds the object `delta` describes from `base` into `out` (git's delta format: the
/// base's size, the result's size, then copy and insert instructions). Returns the
/// result's size; over `limit`, nothing is built.
pub(crate) fn apply_delta(
    base: &[u8],
    delta: &[u8],
    limit: u64,
    out: &mut Vec<u8>,
) -> Result<u64, Undecodable> {
    let (base_size, delta) = varint(delta)?;
    let (size, mut delta) = varint(delta)?;
    if base_size != base.len() as u64 {
        return Err(Undecodable);
    }
    out.clear();
    if size > limit {
        return Ok(size);
    }
    let size_usize = usize::try_from(size).map_err(|_| Undecodable)?;
    out.try_reserve_exact(size_usize).map_err(|_| Undecodable)?;
    while let Some((&op, rest)) = delta.split_first() {
        delta = rest;
        let chunk = if op & 0x80 != 0 {
            // Copy from the base: the bits say which offset and size bytes follow.
            let mut field = |bits: u8, shift_from: u8| -> Result<usize, Undecodable> {
                let mut value = 0usize;
                for i in 0..bits {
                    if op & (1 << (shift_from + i)) != 0 {
                        let (&byte, rest) = delta.split_first().ok_or(Undecodable)?;
                        delta = rest;
                        value |= usize::from(byte) << (8 * i);
                    }
                }
                Ok(value)
            };
            let offset = field(4, 0)?;
            let length = match field(3, 4)? {
                0 => 0x10000,
                length => length,
            };
            offset
                .checked_add(length)
                .and_then(|end| base.get(offset..end))
                .ok_or(Undecodable)?
        } else if op != 0 {
            // Insert the next `op` bytes.
            let (insert, rest) = delta.split_at_checked(usize::from(op)).ok_or(Undecodable)?;
            delta = rest;
            insert
        } else {
            return Err(Undecodable);
        };
        if out.len() + chunk.len() > size_usize {
            return Err(Undecodable);
        }
        out.extend_from_slice(chunk);
    }
    if out.len() == size_usize {
        Ok(size)
    } else {
        Err(Undecodable)
    }
}

/// A size in a delta's header: little-endian groups of 7 bits, the high bit saying more
/// follow.
fn varint(bytes: &[u8]) -> Result<(u64, &[u8]), Undecodable> {
    let mut value = 0u64;
    for (i, &byte) in bytes.iter().enumerate() {
        let shift = 7 * i as u32;
        if shift >= 64 {
            break;
        }
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok((value, &bytes[i + 1..]));
        }
    }
    Err(Undecodable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_copy_and_insert() {
        let base = b"hello, delta world";
        // base 18, result 12: copy 5 bytes from 0, insert "!!", copy 5 from 13.
        let delta = [18, 12, 0x91, 0, 5, 2, b'!', b'!', 0x91, 13, 5];
        let mut out = Vec::new();
        assert_eq!(apply_delta(base, &delta, 1 << 20, &mut out).ok(), Some(12));
        assert_eq!(out, b"hello!!world");
    }

    #[test]
    fn malformed_deltas_are_refused() {
        let base = b"0123456789";
        let mut out = Vec::new();
        for delta in [
            &[11, 3, 0x91, 0, 3][..], // wrong base size
            &[10, 3, 0x91, 8, 3][..], // copy past the base's end
            &[10, 3, 5, b'a'][..],    // insert past the delta's end
            &[10, 3, 0][..],          // reserved opcode
            &[10, 4, 0x91, 0, 3][..], // result shorter than announced
            &[10, 2, 0x91, 0, 3][..], // result longer than announced
            &[10][..],                // truncated header
            &[0xff; 12][..],          // endless size
        ] {
            assert!(
                apply_delta(base, delta, 1 << 20, &mut out).is_err(),
                "{delta:?}"
            );
        }
    }

    #[test]
    fn results_over_the_limit_are_not_built() {
        let mut out = Vec::new();
        assert_eq!(
            apply_delta(b"ab", &[2, 100, 0x91, 0, 2], 10, &mut out).ok(),
            Some(100)
        );
        assert!(out.is_empty());
    }
}
