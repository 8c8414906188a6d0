//! Decoding the AWS account id from an access key id, offline.
//!
//! The 16 characters after the 4-character prefix are base32 (`A–Z`, `2–7`). Their first
//! six decoded bytes, read big-endian and masked with `0x7fff_ffff_ff80`, hold the account
//! number shifted left by 7 bits. This is how `aws sts get-access-key-info` answers
//! without a network call being needed; it holds for key ids issued since 2019 and gives
//! a meaningless number for older ones, which is why findings call it "decoded".

/// The 12-digit account id encoded in `key_id`, or `None` when `key_id` is not 20
/// characters of a 4-character prefix and base32, or encodes no 12-digit number.
pub fn account_id(key_id: &str) -> Option<String> {
    let body = key_id.as_bytes().get(4..20)?;
    if key_id.len() != 20 {
        return None;
    }
    // 16 base32 characters are 80 bits; the first 48 bits are enough.
    let mut bits: u128 = 0;
    for &c in body {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        bits = (bits << 5) | u128::from(value);
    }
    let first_six_bytes = (bits >> 32) as u64;
    let account = (first_six_bytes & 0x7fff_ffff_ff80) >> 7;
    // Account ids have 12 digits; a larger number means the key id was made up.
    (account <= 999_999_999_999).then(|| format!("{account:012}"))
}

#[cfg(test)]
mod tests {
    use super::account_id;

    #[test]
    fn decodes_known_key_ids() {
        // Published decodings (the key ids are from public write-ups of the scheme).
        assert_eq!(
            account_id("ASIAY34FZKBOKMUTVV7A").as_deref(),
            Some("609629065308")
        );
        assert_eq!(
            account_id("AKIASP2TPHJSQH3FJXYZ").as_deref(),
            Some("171436882533")
        );
    }

    #[test]
    fn rejects_malformed_ids() {
        assert_eq!(account_id("AKIA"), None);
        assert_eq!(account_id("AKIA0000000000000000"), None);
        assert_eq!(account_id("AKIASP2TPHJSQH3FJXYZQ"), None);
        assert_eq!(
            account_id("AKIA7777777777777777"),
            None,
            "13 digits is no account"
        );
    }
}
