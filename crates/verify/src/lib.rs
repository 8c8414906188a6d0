//! keyhound-verify asks AWS STS whether the credentials keyhound found still work.
//!
//! Each distinct key id + secret (+ session token) of a `credential` finding is sent once
//! to STS `GetCallerIdentity` ([`sts`]), a call that needs no permission and changes
//! nothing, signed by our own Signature Version 4 ([`sigv4`]), a few at a time, each call
//! bounded by a timeout, through the proxy the environment names ([`proxy`]). The answer
//! is a [`Verification`]: `live` (with the account and ARN), `invalid` (only on STS's own
//! error codes), `unknown` (no clear answer: unreachable, throttled, a proxy's page) or
//! `skipped`. Canary tokens are never sent: trying one would alert whoever planted it.
//! AWS documentation examples are never verified.
//!
//! This is the only crate of keyhound that touches the network for a scan, and only when
//! called. Secrets never appear in a message: errors are scrubbed.
//!
//! ```no_run
//! use keyhound_core::Scanner;
//! use keyhound_verify::{verify, Options};
//!
//! let findings = Scanner::default().scan(b"aws_access_key_id = AKIAQWZ7RNE3OSJHKV4D
//! aws_secret_access_key = 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
//! ");
//! let verifications = verify(&findings, &Options::default(), |_| {});
//! for finding in &findings {
//!     if let Some(verification) = verifications.of(finding) {
//!         println!("{}: {}", finding.key_id().unwrap_or("?"), verification.describe());
//!     }
//! }
//! ```

#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub mod proxy;
pub mod sigv4;
pub mod sts;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use keyhound_core::{Finding, Fingerprint, Kind};
pub use keyhound_core::{Verification, VerificationCounts, Verifications};
use sts::{Client, Credentials, Endpoint};

/// Requests in flight at once: enough to be quick, few enough not to be throttled.
const IN_FLIGHT: usize = 4;

/// After this many calls in a row that reached nothing (and none that did), the rest are
/// not tried: a firewalled CI runner should not wait `--verify-timeout` per key.
const GIVE_UP_AFTER: usize = 3;

/// How to verify.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where requests go.
    pub endpoint: Endpoint,
    /// The bound on each request, connection to last byte.
    pub timeout: Duration,
}

impl Default for Options {
    /// STS's global endpoint, 5 seconds a request.
    fn default() -> Options {
        Options {
            endpoint: Endpoint::parse(sts::DEFAULT_ENDPOINT).expect("the default endpoint parses"),
            timeout: Duration::from_secs(5),
        }
    }
}

/// What [`verify`] tells as it goes, for a caller that reports progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Requests are about to be sent.
    Verifying {
        /// Distinct credentials to send.
        credentials: usize,
        /// The endpoint's URL.
        endpoint: String,
        /// The environment variable the proxy came from, when one is used (its value
        /// may hold a password and is never told).
        proxy_variable: Option<String>,
    },
    /// No request could be made (the HTTP client could not be set up): every
    /// credential is `unknown` for this reason.
    ClientFailed(String),
    /// Canary tokens found and deliberately not sent.
    CanariesSkipped(usize),
}

/// The key id, secret and token of a finding that has all it takes to sign (the caller
/// passes over examples with [`Finding::credential_key`]); they identify what is
/// verified: two findings of the same credential share one STS call.
fn credentials(finding: &Finding) -> Option<Credentials<'_>> {
    Some(Credentials {
        key_id: finding.key_id()?,
        secret: &finding.part(Kind::SecretAccessKey)?.value,
        token: finding.part(Kind::SessionToken).map(|part| &part.value),
    })
}

/// Verifies every credential among `findings`, each distinct one once, telling `on_event`
/// what it does. Findings that are not credentials, and AWS documentation examples, are
/// passed over.
pub fn verify<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    options: &Options,
    mut on_event: impl FnMut(Event),
) -> Verifications {
    let mut results = Verifications::new(options.endpoint.url.clone());
    let mut jobs: Vec<(Fingerprint, Credentials<'_>)> = Vec::new();
    let mut queued = HashSet::new();
    for finding in findings {
        let (Some(key), Some(credentials)) = (finding.credential_key(), credentials(finding))
        else {
            continue;
        };
        if results.contains(&key) || !queued.insert(key) {
            continue;
        }
        match finding.canary() {
            Some(service) => {
                results.insert(
                    key,
                    Verification::Skipped {
                        reason: format!(
                            "canary token ({service}): trying it would alert whoever planted it"
                        ),
                    },
                );
            }
            None => jobs.push((key, credentials)),
        }
    }
    if !jobs.is_empty() {
        let proxy = proxy::select(
            &options.endpoint.scheme,
            &options.endpoint.host,
            options.endpoint.port,
            |name| std::env::var(name).ok(),
        );
        on_event(Event::Verifying {
            credentials: jobs.len(),
            endpoint: options.endpoint.url.clone(),
            proxy_variable: proxy.as_ref().map(|p| p.variable.to_string()),
        });
        match Client::new(options.endpoint.clone(), options.timeout, proxy.as_ref()) {
            Ok(client) => {
                for (key, verification) in verify_all(&client, jobs) {
                    results.insert(key, verification);
                }
            }
            Err(why) => {
                on_event(Event::ClientFailed(why.clone()));
                for (key, _) in jobs {
                    let reason = why.clone();
                    results.insert(key, Verification::Unknown { reason });
                }
            }
        }
    }
    let skipped = results.counts().skipped;
    if skipped > 0 {
        on_event(Event::CanariesSkipped(skipped));
    }
    results
}

/// Runs the calls, [`IN_FLIGHT`] at a time, giving up on an endpoint that never answers.
fn verify_all(
    client: &Client,
    jobs: Vec<(Fingerprint, Credentials<'_>)>,
) -> Vec<(Fingerprint, Verification)> {
    let next = AtomicUsize::new(0);
    let health = Health::default();
    let done: Mutex<Vec<(Fingerprint, Verification)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..IN_FLIGHT.min(jobs.len()) {
            scope.spawn(|| {
                while let Some((key, credentials)) = jobs.get(next.fetch_add(1, Ordering::SeqCst)) {
                    let verification = attempt(client, credentials, &health);
                    done.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((*key, verification));
                }
            });
        }
    });
    done.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// Whether the endpoint has been answering, shared by the workers.
#[derive(Default)]
struct Health {
    answered: AtomicUsize,
    unreachable_in_a_row: AtomicUsize,
}

/// One call, unless the endpoint has never answered and failed [`GIVE_UP_AFTER`] times.
fn attempt(client: &Client, credentials: &Credentials<'_>, health: &Health) -> Verification {
    if health.answered.load(Ordering::SeqCst) == 0
        && health.unreachable_in_a_row.load(Ordering::SeqCst) >= GIVE_UP_AFTER
    {
        return Verification::Unknown {
            reason: format!(
                "not tried: the endpoint gave no answer {GIVE_UP_AFTER} times in a row"
            ),
        };
    }
    match client.get_caller_identity(credentials, now()) {
        Ok(verification) => {
            health.answered.fetch_add(1, Ordering::SeqCst);
            health.unreachable_in_a_row.store(0, Ordering::SeqCst);
            verification
        }
        Err(sts::Unreachable(reason)) => {
            health.unreachable_in_a_row.fetch_add(1, Ordering::SeqCst);
            Verification::Unknown {
                reason: scrub(reason, credentials),
            }
        }
    }
}

/// A message from the network stack with the secret and token taken out, should one ever
/// echo a header back.
fn scrub(reason: String, credentials: &Credentials<'_>) -> String {
    let mut reason = reason;
    for secret in [Some(credentials.secret), credentials.token]
        .into_iter()
        .flatten()
    {
        if !secret.expose().is_empty() {
            reason = reason.replace(secret.expose(), &secret.redacted());
        }
    }
    reason
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sts_codes_say_invalid_first() {
        let invalid = sts::classify(
            403,
            "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code></Error></ErrorResponse>",
        );
        assert!(invalid
            .describe()
            .starts_with("invalid (SignatureDoesNotMatch): "));
    }
}
