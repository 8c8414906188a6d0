//! The role step: is an IAM role attached to this instance? Only the instance metadata
//! service (IMDS) knows, and only on EC2, so it is asked only where this machine looks like
//! EC2 (DMI and hypervisor markers) or the user says so (`--imds`). Elsewhere not a packet
//! is sent.
//!
//! The conversation is IMDSv2's: `PUT /latest/api/token`, then
//! `GET /latest/meta-data/iam/security-credentials/` with the token, which lists the
//! role's name. The role's credentials (one more path component) are never fetched. When
//! the token request is refused or unanswered, a tokenless IMDSv1 `GET` tells whether
//! IMDSv1 answers: a risk of its own, since any server-side request forgery on the
//! instance can then read the role's credentials.

use std::path::Path;
use std::time::Duration;

use crate::http::{self, Endpoint};

/// Where IMDS listens unless told otherwise.
pub const DEFAULT_ENDPOINT: &str = "http://169.254.169.254";

/// The environment variable the AWS SDKs read for another IMDS endpoint.
pub const ENDPOINT_VARIABLE: &str = "AWS_EC2_METADATA_SERVICE_ENDPOINT";

const TOKEN_PATH: &str = "/latest/api/token";
const ROLES_PATH: &str = "/latest/meta-data/iam/security-credentials/";

/// Which IMDS version answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// Tokens (IMDSv2).
    V2,
    /// Only tokenless requests (IMDSv1): the token request was refused or unanswered.
    V1Only,
}

/// What the role step found.
#[derive(Debug, PartialEq, Eq)]
pub enum RoleCheck {
    /// IMDS was not asked, and why (not EC2, an image at --root).
    NotChecked(String),
    /// IMDS answered with role names.
    Attached {
        /// The role names (an instance profile has one).
        roles: Vec<String>,
        /// How IMDS answered.
        version: Version,
        /// Where.
        endpoint: String,
        /// What made the audit ask.
        reason: String,
    },
    /// IMDS answered 404: no role.
    NoRole {
        /// How IMDS answered.
        version: Version,
        /// Where.
        endpoint: String,
        /// What made the audit ask.
        reason: String,
    },
    /// IMDS was asked and gave no usable answer: the step could not be completed.
    Unreachable {
        /// Why.
        error: String,
        /// Where.
        endpoint: String,
        /// What made the audit ask.
        reason: String,
    },
}

/// Which endpoint to use: `--imds-endpoint`, else `AWS_EC2_METADATA_SERVICE_ENDPOINT`,
/// else the link-local default.
pub fn endpoint(flag: Option<&str>, variable: Option<&str>) -> Result<Endpoint, String> {
    let url = flag
        .or(variable.filter(|v| !v.is_empty()))
        .unwrap_or(DEFAULT_ENDPOINT);
    Endpoint::parse(url)
}

/// The first EC2 marker in `sys` (a `/sys`): a DMI vendor or product naming Amazon EC2,
/// an instance id as the board's asset tag (Nitro), or a system or Xen hypervisor UUID
/// starting with `ec2` (older Xen instances). Unreadable files are not evidence either way.
pub fn ec2_marker(sys: &Path) -> Option<String> {
    let read = |relative: &str| {
        std::fs::read(sys.join(relative))
            .ok()
            .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_string())
    };
    /// A marker file and the test its value must pass.
    type Check = (&'static str, fn(&str) -> bool);
    let checks: [Check; 5] = [
        ("class/dmi/id/sys_vendor", |v| v.contains("Amazon EC2")),
        ("class/dmi/id/product_name", |v| v.contains("Amazon EC2")),
        ("class/dmi/id/board_asset_tag", |v| v.starts_with("i-")),
        ("class/dmi/id/product_uuid", |v| {
            v.to_ascii_lowercase().starts_with("ec2")
        }),
        ("hypervisor/uuid", |v| {
            v.to_ascii_lowercase().starts_with("ec2")
        }),
    ];
    checks.iter().find_map(|(file, is_ec2)| {
        let value = read(file)?;
        is_ec2(&value).then(|| {
            format!(
                "{}/{file} is {:?}",
                sys.display(),
                keyhound_report::escape(&value)
            )
        })
    })
}

/// Asks IMDS at `endpoint` for the role, each request bounded by `timeout`. `reason`
/// says why it is asked, for the report.
pub fn check(endpoint: &Endpoint, timeout: Duration, reason: String) -> RoleCheck {
    let where_ = endpoint.to_string();
    let token = http::request(
        endpoint,
        "PUT",
        TOKEN_PATH,
        &[("X-aws-ec2-metadata-token-ttl-seconds", "60")],
        timeout,
    );
    let unreachable = |error: String| RoleCheck::Unreachable {
        error,
        endpoint: where_.clone(),
        reason: reason.clone(),
    };
    let (version, roles, token_problem) = match token {
        Ok(response) if response.status == 200 && !response.body.is_empty() => {
            let token = String::from_utf8_lossy(&response.body).trim().to_string();
            let roles = http::request(
                endpoint,
                "GET",
                ROLES_PATH,
                &[("X-aws-ec2-metadata-token", &token)],
                timeout,
            );
            (Version::V2, roles, None)
        }
        // Refused outright: nothing answers there, and a tokenless try would fail alike.
        Err(http::Error::Connect(err)) => {
            return unreachable(format!(
                "token request (PUT {TOKEN_PATH}): cannot connect: {err}"
            ))
        }
        // Refused (403, 405), or no answer in time (a container behind a hop limit of 1
        // never sees the PUT's answer): does IMDSv1 answer?
        other => {
            let problem = match &other {
                Ok(response) => format!("answered {}", response.status),
                Err(err) => err.to_string(),
            };
            let roles = http::request(endpoint, "GET", ROLES_PATH, &[], timeout);
            (Version::V1Only, roles, Some(problem))
        }
    };
    let roles = match roles {
        Ok(response) => response,
        Err(err) => {
            let token = token_problem
                .map(|p| format!("token request (PUT {TOKEN_PATH}): {p}; "))
                .unwrap_or_default();
            return unreachable(format!("{token}role request (GET {ROLES_PATH}): {err}"));
        }
    };
    match roles.status {
        200 => {
            let names: Vec<String> = String::from_utf8_lossy(&roles.body)
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(keyhound_report::escape)
                .collect();
            if names.is_empty() {
                RoleCheck::NoRole {
                    version,
                    endpoint: where_,
                    reason,
                }
            } else {
                RoleCheck::Attached {
                    roles: names,
                    version,
                    endpoint: where_,
                    reason,
                }
            }
        }
        404 => RoleCheck::NoRole {
            version,
            endpoint: where_,
            reason,
        },
        status => {
            let token = token_problem
                .map(|p| format!("token request (PUT {TOKEN_PATH}): {p}; "))
                .unwrap_or_default();
            unreachable(format!(
                "{token}role request (GET {ROLES_PATH}) answered {status}"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_precedence() {
        let chosen = |flag, variable| endpoint(flag, variable).unwrap().to_string();
        assert_eq!(chosen(None, None), "http://169.254.169.254:80");
        assert_eq!(
            chosen(None, Some("http://127.0.0.1:9")),
            "http://127.0.0.1:9"
        );
        assert_eq!(
            chosen(Some("http://127.0.0.1:8"), Some("http://127.0.0.1:9")),
            "http://127.0.0.1:8"
        );
        assert_eq!(chosen(None, Some("")), "http://169.254.169.254:80");
        assert!(endpoint(Some("https://169.254.169.254"), None).is_err());
    }

    #[test]
    fn ec2_markers() {
        let dir = tempfile::tempdir().unwrap();
        let sys = dir.path();
        assert_eq!(ec2_marker(sys), None);
        std::fs::create_dir_all(sys.join("class/dmi/id")).unwrap();
        std::fs::write(sys.join("class/dmi/id/sys_vendor"), "QEMU\n").unwrap();
        std::fs::write(sys.join("class/dmi/id/product_uuid"), "1234\n").unwrap();
        assert_eq!(ec2_marker(sys), None);
        std::fs::write(
            sys.join("class/dmi/id/board_asset_tag"),
            "i-0123456789abcdef0\n",
        )
        .unwrap();
        assert!(ec2_marker(sys).unwrap().contains("board_asset_tag"));
        let xen = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(xen.path().join("hypervisor")).unwrap();
        std::fs::write(
            xen.path().join("hypervisor/uuid"),
            "EC2E1916-9099-7CAF-FD21-012345678901\n",
        )
        .unwrap();
        assert!(ec2_marker(xen.path()).unwrap().contains("hypervisor/uuid"));
        let nitro = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(nitro.path().join("class/dmi/id")).unwrap();
        std::fs::write(nitro.path().join("class/dmi/id/sys_vendor"), "Amazon EC2\n").unwrap();
        assert!(ec2_marker(nitro.path()).unwrap().contains("sys_vendor"));
    }
}
