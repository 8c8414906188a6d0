//! `--verify`: ask AWS STS whether each credential found still works.
//!
//! Off by default, and the only code in keyhound that touches the network. Each distinct
//! key id + secret (+ session token) of a `credential` finding is sent once to STS
//! `GetCallerIdentity` ([`sts`]), signed by our own SigV4 ([`sigv4`]), a few at a time,
//! each call bounded by `--verify-timeout`, through the proxy the environment names
//! ([`proxy`]). Canary tokens are never sent: that would alert whoever planted them. AWS
//! documentation examples are findings of another kind and never reach this module.

pub mod proxy;
pub mod sigv4;
pub mod sts;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use keyhound_core::{Finding, Fingerprint, Kind};

use crate::report::Report;
use sts::{Client, Credentials, Endpoint};

/// Requests in flight at once: enough to be quick, few enough not to be throttled.
const IN_FLIGHT: usize = 4;

/// After this many calls in a row that reached nothing (and none that did), the rest are
/// not tried: a firewalled CI runner should not wait `--verify-timeout` per key.
const GIVE_UP_AFTER: usize = 3;

/// What STS said about one credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    /// The key works: STS named its owner.
    Live {
        /// The 12-digit account.
        account: String,
        /// The ARN of the user or role session.
        arn: String,
        /// The unique id of that principal.
        user_id: String,
    },
    /// STS said, in its own words, that the key does not work.
    Invalid {
        /// `InvalidClientTokenId`, `SignatureDoesNotMatch` or `ExpiredToken`.
        code: &'static str,
        /// What that code means for the key.
        meaning: &'static str,
    },
    /// No answer that says either: unreachable, timed out, throttled, not STS's.
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

/// How `--verify` runs.
pub struct Options {
    /// Where requests go.
    pub endpoint: Endpoint,
    /// The bound on each request, connection to last byte.
    pub timeout: Duration,
}

/// The verification of every credential of a report, keyed by [`pair_key`].
pub struct Verifications {
    results: HashMap<Fingerprint, Verification>,
    /// The endpoint asked.
    pub endpoint: String,
}

/// How many distinct credentials ended in each state.
#[derive(Default)]
pub struct Counts {
    /// Live keys.
    pub live: usize,
    /// Keys STS rejected.
    pub invalid: usize,
    /// Keys with no clear answer.
    pub unknown: usize,
    /// Canary tokens, not sent.
    pub skipped: usize,
}

impl Verifications {
    /// The verification of `finding`, when it is a credential that was verified (or
    /// deliberately skipped).
    pub fn of(&self, finding: &Finding) -> Option<&Verification> {
        self.results.get(&pair_key(finding)?)
    }

    /// Distinct credentials by state.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
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

/// The key id, secret and token of a `credential` finding, which identify what is
/// verified: two findings of the same credential share one STS call.
fn credentials(finding: &Finding) -> Option<Credentials<'_>> {
    if finding.kind != Kind::Credential || finding.example {
        return None;
    }
    Some(Credentials {
        key_id: finding.key_id.as_deref()?,
        secret: &finding.part(Kind::SecretAccessKey)?.value,
        token: finding.part(Kind::SessionToken).map(|part| &part.value),
    })
}

/// A hash of key id, secret and token: the finding's fingerprint covers only the secret,
/// and the same secret with another key id (a copy-paste slip) is another question to STS.
fn pair_key(finding: &Finding) -> Option<Fingerprint> {
    let credentials = credentials(finding)?;
    let token = credentials.token.map_or("", |token| token.expose());
    Some(Fingerprint::of(
        "keyhound-verify\0",
        &format!(
            "{}\0{}\0{token}",
            credentials.key_id,
            credentials.secret.expose()
        ),
    ))
}

/// Verifies every credential of `report` (its listed findings: not the suppressed, the
/// baselined or the allowlisted ones), naming what it does on stderr.
pub fn run(report: &Report, options: &Options) -> Verifications {
    let mut results = HashMap::new();
    let mut jobs: Vec<(Fingerprint, Credentials<'_>)> = Vec::new();
    for finding in report.files.iter().flat_map(|file| &file.findings) {
        let (Some(key), Some(credentials)) = (pair_key(finding), credentials(finding)) else {
            continue;
        };
        if results.contains_key(&key) || jobs.iter().any(|(k, _)| *k == key) {
            continue;
        }
        match finding.canary {
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
    let endpoint = options.endpoint.url.clone();
    if !jobs.is_empty() {
        let proxy = proxy::select(
            &options.endpoint.scheme,
            &options.endpoint.host,
            options.endpoint.port,
            |name| std::env::var(name).ok(),
        );
        eprintln!(
            "keyhound: verifying {} with STS GetCallerIdentity at {endpoint}{}",
            plural(jobs.len(), "credential"),
            proxy
                .as_ref()
                .map(|p| format!(" (through the proxy in {})", p.variable))
                .unwrap_or_default()
        );
        match Client::new(options.endpoint.clone(), options.timeout, proxy.as_ref()) {
            Ok(client) => results.extend(verify_all(&client, jobs)),
            Err(why) => {
                eprintln!("keyhound: warning: --verify: {why}");
                results.extend(jobs.into_iter().map(|(key, _)| {
                    (
                        key,
                        Verification::Unknown {
                            reason: why.clone(),
                        },
                    )
                }));
            }
        }
    }
    let skipped = results
        .values()
        .filter(|v| matches!(v, Verification::Skipped { .. }))
        .count();
    if skipped > 0 {
        eprintln!(
            "keyhound: {} not verified: trying one would alert whoever planted it",
            plural(skipped, "canary token")
        );
    }
    Verifications { results, endpoint }
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

/// `1 credential`, `2 credentials`.
fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
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
        let invalid = sts::classify(
            403,
            "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code></Error></ErrorResponse>",
        );
        assert!(invalid
            .describe()
            .starts_with("invalid (SignatureDoesNotMatch): "));
    }
}
