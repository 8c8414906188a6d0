//! The operator's credentials never reach output: every error text the SDK or AWS gives
//! is passed through a [`Scrubber`] that knows them, and that also hides anything shaped
//! like an access key id.

/// Takes the operator's credentials, and any access key id, out of a text.
#[derive(Clone, Debug, Default)]
pub struct Scrubber {
    /// The values to hide: the operator's key id, secret and session token.
    secrets: Vec<String>,
}

impl Scrubber {
    /// A scrubber hiding these values (empty ones are ignored).
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Scrubber {
        Scrubber {
            secrets: secrets.into_iter().filter(|s| s.len() >= 8).collect(),
        }
    }

    /// `text` with every known value replaced by `[redacted]`, and every 20-character
    /// access key id (`AKIA…`, `ASIA…`) cut to its first 4 characters.
    pub fn scrub(&self, text: &str) -> String {
        let mut text = text.to_string();
        for secret in &self.secrets {
            text = text.replace(secret.as_str(), "[redacted]");
        }
        hide_key_ids(&text)
    }
}

/// Access key ids (`AKIA`/`ASIA`/`ABIA`/`ACCA` and 16 of `[A-Z0-9]`) cut to `AKIA…`.
fn hide_key_ids(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut copied = 0;
    while at + 20 <= bytes.len() {
        let prefix = &bytes[at..at + 4];
        let shaped = matches!(prefix, b"AKIA" | b"ASIA" | b"ABIA" | b"ACCA")
            && bytes[at + 4..at + 20]
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            && (at == 0 || !bytes[at - 1].is_ascii_alphanumeric());
        if shaped {
            out.push_str(&text[copied..at + 4]);
            out.push('…');
            at += 20;
            copied = at;
        } else {
            at += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_and_key_ids_are_hidden() {
        let scrubber = Scrubber::new([
            "AKIAQWZ7RNE3OSJHKV4D".to_string(),
            "R9oUz3yBJb2fM+Xq0sLtV7hnKe4WdYa1pCgI/6Tw".to_string(),
            String::new(),
        ]);
        let text = "InvalidClientTokenId: key AKIAQWZ7RNE3OSJHKV4D secret \
                    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 other ASIAQWZ7RNE3OSJHKV4E.";
        let scrubbed = scrubber.scrub(text);
        assert_eq!(
            scrubbed,
            "InvalidClientTokenId: key [redacted] secret [redacted] other ASIA…."
        );
    }
}
