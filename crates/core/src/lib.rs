//! keyhound-core finds AWS credentials in bytes: access key ids, secret access keys,
//! session tokens, and the credentials they form together. It opens no files; give it
//! bytes, get [`Finding`]s, or give [`Scanner::scan_reader`] any reader of any size and get
//! the same findings in bounded memory.
//!
//! The three types to know:
//!
//! * [`RuleSet`]: the detection rules, data files compiled in (see `rules/aws.toml`), plus
//!   one Aho-Corasick automaton over all their anchors. [`RuleSet::builtin`] or
//!   [`RuleSet::builder`] for custom rule files.
//! * [`Scanner`]: built once from a rule set, `Send + Sync`, shared by all threads.
//!   [`Scanner::scan`] returns findings; [`Scanner::scan_with`] pushes them to a callback
//!   and reuses a per-thread [`Scratch`].
//! * [`Finding`]: rule, [`Kind`], [`Severity`], location (byte [`Span`], line, column), the
//!   key id and the AWS account decoded from it (and, when that account belongs to a
//!   canary-token service, which one: [`canary_service`]), a stable [`Fingerprint`], and the matched
//!   [`Part`]s. Secrets are [`Secret`]s: `Display`, `Debug` and `Serialize` redact them.
//!
//! # Example
//!
//! ```
//! use keyhound_core::{Kind, Scanner};
//!
//! let scanner = Scanner::default();
//! let config = b"[default]
//! aws_access_key_id = AKIAQWZ7RNE3OSJHKV4D
//! aws_secret_access_key = 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
//! ";
//! let findings = scanner.scan(config);
//! assert_eq!(findings.len(), 1);
//! let finding = &findings[0];
//! assert_eq!(finding.kind, Kind::Credential);
//! assert_eq!((finding.line, finding.column), (2, 21));
//! assert_eq!(finding.key_id(), Some("AKIAQWZ7RNE3OSJHKV4D"));
//! assert!(finding.account_id().is_some());
//! // The secret is held, but never shown in full by accident.
//! assert_eq!(finding.secret().to_string(), "R9oU…(36 more)");
//! assert!(!format!("{finding:?}").contains("R9oUz3yBJb2fM"));
//! ```
//!
//! # Hot loops
//!
//! ```
//! use std::ops::ControlFlow;
//! use keyhound_core::{Scanner, Scratch};
//!
//! let scanner = Scanner::default();
//! let mut scratch = Scratch::new();
//! let mut count = 0;
//! for blob in [&b"nothing here"[..], b"id AKIAQWZ7RNE3OSJHKV4D"] {
//!     scanner.scan_with(blob, &mut scratch, |_finding| {
//!         count += 1;
//!         ControlFlow::Continue(())
//!     });
//! }
//! assert_eq!(count, 1);
//! ```
//!
//! # What is detected
//!
//! Key ids (`AKIA`, `ASIA`, `ABIA`, `ACCA`, `A3T…` + 16 base32 characters, standing alone);
//! 40-character secrets only with evidence (an AWS secret keyword in the same assignment,
//! or a key id a few lines away); session tokens with a keyword or an STS prefix. AWS
//! documentation's example keys are findings of kind [`Kind::Example`] with severity
//! [`Severity::Info`]. UTF-16 input is transcoded; JSON-escaped (`\/`) and URL-encoded
//! (`%2F`, `%2B`) secrets match; binary input is scanned for strings and marked.

#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod account;
mod allow;
mod base64;
mod canary;
mod cancel;
mod check;
mod confirm;
mod encoding;
mod error;
mod finding;
mod join;
mod location;
mod pair;
mod rule;
mod ruleset;
mod scanner;
mod serial;
mod stream;
mod validate;
mod verification;

pub use account::account_id;
pub use allow::{inline_allowance, Allowance, InlineAllowances};
pub use canary::canary_service;
pub use cancel::Cancel;
pub use check::{check_examples, ExampleFailure};
pub use error::{redact, Error, ErrorKind, REDACT_RUN};
pub use finding::{Finding, Fingerprint, Kind, Part, RuleId, Secret, Severity, Span, Text};
pub use rule::{regex_problem, Pairing, Rule, MAX_WINDOW};
pub use ruleset::{RuleSet, RuleSetBuilder};
pub use scanner::{too_many_findings, Ended, Scanner, Scratch, DEFAULT_MAX_FINDINGS};
pub use serial::Shown;
pub use stream::{Streamed, Window};
pub use verification::{Verification, VerificationCounts, Verifications};

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn public_types_are_send_and_sync() {
        assert_send_sync::<Scanner>();
        assert_send_sync::<RuleSet>();
        assert_send_sync::<Finding>();
        assert_send_sync::<Scratch>();
        assert_send_sync::<Error>();
    }
}
