//! What a verifier (such as keyhound-verify, which asks AWS STS) said about the credentials
//! a scan found. The types live here, beside [`Finding`], so that the crate that asks and
//! the crates that report the answer share them without depending on each other.

use std::collections::HashMap;

use crate::finding::{Finding, Fingerprint, Kind};

/// What was learnt about one credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    /// The key works: its owner was named.
    Live {
        /// The 12-digit account.
        account: String,
        /// The ARN of the user or role session.
        arn: String,
        /// The unique id of that principal.
        user_id: String,
    },
    /// The service said, in its own words, that the key does not work.
    Invalid {
        /// The service's error code (`InvalidClientTokenId`, `SignatureDoesNotMatch`,
        /// `ExpiredToken`).
        code: &'static str,
        /// What that code means for the key.
        meaning: &'static str,
    },
    /// No answer that says either: unreachable, timed out, throttled, not the service's.
    Unknown {
        /// Why.
        reason: String,
    },
    /// Deliberately not sent: a canary token.
    Skipped {
        /// Why.
        reason: String,
    },
}

impl Verification {
    /// `live`, `invalid`, `unknown` or `skipped`.
    pub fn status(&self) -> &'static str {
        match self {
            Verification::Live { .. } => "live",
            Verification::Invalid { .. } => "invalid",
            Verification::Unknown { .. } => "unknown",
            Verification::Skipped { .. } => "skipped",
        }
    }

    /// One line for people: `live: account 123456789012, arn …, user id …`.
    pub fn describe(&self) -> String {
        match self {
            Verification::Live {
                account,
                arn,
                user_id,
            } => format!("live: account {account}, arn {arn}, user id {user_id}"),
            Verification::Invalid { code, meaning } => format!("invalid ({code}): {meaning}"),
            Verification::Unknown { reason } => format!("unknown: {reason}"),
            Verification::Skipped { reason } => format!("not verified: {reason}"),
        }
    }
}

/// The verification of every credential of a scan, keyed by [`Finding::credential_key`].
#[derive(Clone, Debug, Default)]
pub struct Verifications {
    results: HashMap<Fingerprint, Verification>,
    /// The endpoint asked (an URL).
    pub endpoint: String,
}

/// How many distinct credentials ended in each state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VerificationCounts {
    /// Live keys.
    pub live: usize,
    /// Keys the service rejected.
    pub invalid: usize,
    /// Keys with no clear answer.
    pub unknown: usize,
    /// Canary tokens, not sent.
    pub skipped: usize,
}

impl Verifications {
    /// No verification yet, from `endpoint`.
    pub fn new(endpoint: impl Into<String>) -> Verifications {
        Verifications {
            results: HashMap::new(),
            endpoint: endpoint.into(),
        }
    }

    /// Records what was learnt about the credential with this key
    /// ([`Finding::credential_key`]).
    pub fn insert(&mut self, key: Fingerprint, verification: Verification) {
        self.results.insert(key, verification);
    }

    /// Whether the credential with this key has been recorded.
    pub fn contains(&self, key: &Fingerprint) -> bool {
        self.results.contains_key(key)
    }

    /// The verification of `finding`, when it is a credential that was verified (or
    /// deliberately skipped).
    pub fn of(&self, finding: &Finding) -> Option<&Verification> {
        self.results.get(&finding.credential_key()?)
    }

    /// Distinct credentials by state.
    pub fn counts(&self) -> VerificationCounts {
        let mut counts = VerificationCounts::default();
        for verification in self.results.values() {
            match verification {
                Verification::Live { .. } => counts.live += 1,
                Verification::Invalid { .. } => counts.invalid += 1,
                Verification::Unknown { .. } => counts.unknown += 1,
                Verification::Skipped { .. } => counts.skipped += 1,
            }
        }
        counts
    }
}

impl Finding {
    /// A hash of the key id, secret and session token of a `credential` finding (not an
    /// AWS documentation example), which identifies what a verifier is asked: two findings
    /// of the same credential share one answer. The finding's fingerprint covers only the
    /// secret, and the same secret with another key id (a copy-paste slip) is another
    /// question. `None` for every other finding.
    pub fn credential_key(&self) -> Option<Fingerprint> {
        if self.kind != Kind::Credential || self.example {
            return None;
        }
        let key_id = self.key_id()?;
        let secret = &self.part(Kind::SecretAccessKey)?.value;
        let token = self
            .part(Kind::SessionToken)
            .map_or("", |part| part.value.expose());
        Some(Fingerprint::of(
            "keyhound-verify\0",
            &format!("{key_id}\0{}\0{token}", secret.expose()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_say_the_state_first() {
        let live = Verification::Live {
            account: "123456789012".into(),
            arn: "arn:aws:iam::123456789012:user/a".into(),
            user_id: "AIDA".into(),
        };
        assert!(live
            .describe()
            .starts_with("live: account 123456789012, arn"));
        assert_eq!(live.status(), "live");
    }

    #[test]
    fn only_credentials_have_a_key() {
        let scanner = crate::Scanner::default();
        let found = scanner.scan(
            b"aws_access_key_id = AKIAQWZ7RNE3OSJHKV4D\n\
              aws_secret_access_key = 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\n",
        );
        assert!(found[0].credential_key().is_some());
        let lone = scanner.scan(b"id = AKIAQWZ7RNE3OSJHKV4D\n");
        assert_eq!(lone[0].credential_key(), None);
    }
}
