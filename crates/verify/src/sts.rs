//! One STS `GetCallerIdentity` call per credential, and what its answer means.
//!
//! The request is a `POST` of `Action=GetCallerIdentity&Version=2011-06-15`, signed with
//! [`crate::sigv4`] (the session token as a signed `X-Amz-Security-Token`).
//! `GetCallerIdentity` needs no permission, so a key that works gets a 200 whatever its
//! policies. The answer is read strictly: a key is called invalid only when STS itself
//! says so in its own XML error format, with one of the three codes that mean it.
//! Anything else (a proxy's page, a throttle, a 5xx, a timeout) leaves it unknown.

use std::time::Duration;

use keyhound_core::{Secret, Verification};

use crate::proxy::ProxySetting;
use crate::sigv4;

/// `https://sts.amazonaws.com`, the global endpoint, signed for `us-east-1`.
pub const DEFAULT_ENDPOINT: &str = "https://sts.amazonaws.com";

/// The form-encoded body of every request.
pub const BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";

const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// The most of an answer that is read: STS's are well under 2 KiB.
const MAX_BODY: u64 = 64 * 1024;

/// An STS endpoint given with `--sts-endpoint`.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// The URL requests go to, as given (no query, no user info).
    pub url: String,
    /// `https` or `http`.
    pub scheme: String,
    /// The host, as in the URL (IPv6 in brackets).
    pub host: String,
    /// The port, explicit or the scheme's.
    pub port: u16,
    /// The `Host` header: the host, with the port when it is not the scheme's default.
    host_header: String,
    /// The path requests are sent to (`/`).
    path: String,
    /// The region the signature is scoped to.
    pub region: String,
}

impl Endpoint {
    /// Parses an `http://` or `https://` URL with a host and no query, user info or
    /// fragment. The region is read from AWS host names (`sts.eu-west-1.amazonaws.com`,
    /// `sts-fips.us-east-2.amazonaws.com`), `us-east-1` otherwise. An error says what is
    /// wrong without quoting the text: a URL can carry a key (in user info, a query).
    pub fn parse(text: &str) -> Result<Endpoint, String> {
        let uri: ureq::http::Uri = text.parse().map_err(|err| {
            format!(
                "the STS endpoint is not a URL: {}",
                keyhound_core::redact(&format!("{err}"))
            )
        })?;
        let scheme = match uri.scheme_str() {
            Some(scheme @ ("https" | "http")) => scheme.to_string(),
            _ => return Err("the STS endpoint must be an https:// (or http://) URL".to_string()),
        };
        let authority = uri
            .authority()
            .ok_or_else(|| "the STS endpoint has no host".to_string())?;
        if authority.as_str().contains('@') {
            return Err("user info (user:password@) is not allowed in the STS endpoint".into());
        }
        if uri.query().is_some() || text.contains('#') {
            return Err("the STS endpoint takes no query or fragment".into());
        }
        let host = authority.host().to_string();
        if host.is_empty() {
            return Err("the STS endpoint has no host".into());
        }
        let default_port = if scheme == "https" { 443 } else { 80 };
        let port = authority.port_u16().unwrap_or(default_port);
        let host_header = if port == default_port {
            host.clone()
        } else {
            format!("{host}:{port}")
        };
        let path = match uri.path() {
            "" => "/".to_string(),
            path => path.to_string(),
        };
        Ok(Endpoint {
            url: format!("{scheme}://{host_header}{path}"),
            region: region_of(&host),
            scheme,
            host,
            port,
            host_header,
            path,
        })
    }
}

/// The region of an AWS STS host name; `us-east-1` for the global endpoint and any other
/// host (a test server, a VPC endpoint's DNS name).
fn region_of(host: &str) -> String {
    let host = host.to_ascii_lowercase();
    let rest = host
        .strip_prefix("sts.")
        .or_else(|| host.strip_prefix("sts-fips."));
    let region = rest.and_then(|rest| {
        rest.strip_suffix(".amazonaws.com")
            .or_else(|| rest.strip_suffix(".amazonaws.com.cn"))
    });
    match region {
        Some(region)
            if !region.is_empty()
                && region
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
        {
            region.to_string()
        }
        _ => "us-east-1".to_string(),
    }
}

/// A key id with its secret and, for temporary credentials, its session token.
pub struct Credentials<'a> {
    /// `AKIA…` or `ASIA…`.
    pub key_id: &'a str,
    /// The secret access key.
    pub secret: &'a Secret,
    /// The session token, when the credential has one.
    pub token: Option<&'a Secret>,
}

/// Sends signed `GetCallerIdentity` requests to one endpoint.
pub struct Client {
    agent: ureq::Agent,
    endpoint: Endpoint,
    timeout: Duration,
}

/// Why a call did not get an answer from anything (as opposed to an answer that is not
/// STS's): the endpoint or the proxy could not be reached in time.
pub struct Unreachable(pub String);

impl Client {
    /// A client for `endpoint`, through `proxy` when one is set. Every request ends
    /// within `timeout`, from connecting to the last byte of the answer.
    pub fn new(
        endpoint: Endpoint,
        timeout: Duration,
        proxy: Option<&ProxySetting>,
    ) -> Result<Client, String> {
        let proxy = proxy
            .map(|setting| {
                ureq::Proxy::new(&setting.url)
                    .map_err(|_| format!("{} is not a proxy URL ureq can use", setting.variable))
            })
            .transpose()?;
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            // A redirect would send the signed request somewhere not asked for.
            .max_redirects(0)
            // Only the proxy chosen by `proxy::select`, never ureq's own reading.
            .proxy(proxy)
            .user_agent(concat!("keyhound/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Client {
            agent: config.into(),
            endpoint,
            timeout,
        })
    }

    /// Asks STS who `credentials` belong to. `Err` when no answer came at all.
    pub fn get_caller_identity(
        &self,
        credentials: &Credentials<'_>,
        now: i64,
    ) -> Result<Verification, Unreachable> {
        let date_time = sigv4::amz_date(now);
        let mut headers: Vec<(&str, &str)> = vec![
            ("content-type", CONTENT_TYPE),
            ("host", &self.endpoint.host_header),
            ("x-amz-date", &date_time),
        ];
        if let Some(token) = credentials.token {
            headers.push(("x-amz-security-token", token.expose()));
        }
        let signed = sigv4::sign(
            &sigv4::Request {
                method: "POST",
                path: &self.endpoint.path,
                query: "",
                headers: &headers,
                payload: BODY.as_bytes(),
            },
            &sigv4::Scope {
                date_time: &date_time,
                region: &self.endpoint.region,
                service: "sts",
            },
            credentials.key_id,
            credentials.secret.expose(),
        );
        let mut request = self
            .agent
            .post(&self.endpoint.url)
            .header("authorization", &signed.authorization)
            .header("accept", "text/xml");
        for (name, value) in &headers {
            request = request.header(*name, *value);
        }
        let result = request.send(BODY.as_bytes()).and_then(|mut response| {
            let status = response.status().as_u16();
            let body = response
                .body_mut()
                .with_config()
                .limit(MAX_BODY)
                .read_to_vec()?;
            Ok((status, body))
        });
        match result {
            Ok((status, body)) => Ok(classify(status, &String::from_utf8_lossy(&body))),
            Err(ureq::Error::BodyExceedsLimit(_)) => Ok(Verification::Unknown {
                reason: "the answer is too long to be STS's".into(),
            }),
            Err(err) => Err(Unreachable(self.describe(&err))),
        }
    }

    /// A failed call in words. ureq's messages name hosts and causes, never a header.
    fn describe(&self, err: &ureq::Error) -> String {
        let host = &self.endpoint.host;
        match err {
            ureq::Error::Timeout(_) => format!(
                "no answer from {host} within {:.1}s (--verify-timeout)",
                self.timeout.as_secs_f64()
            ),
            ureq::Error::HostNotFound => format!("cannot resolve {host}"),
            ureq::Error::ConnectionFailed => format!("cannot connect to {host}"),
            ureq::Error::ConnectProxyFailed(why) => format!("the proxy refused: {why}"),
            ureq::Error::Io(err) => format!("network error talking to {host}: {err}"),
            other => format!("request to {host} failed: {other}"),
        }
    }
}

/// The three error codes by which STS says a key does not work, and what each means.
const INVALID: &[(&str, &str)] = &[
    (
        "InvalidClientTokenId",
        "STS does not know this key id: it was deleted, deactivated or never issued",
    ),
    (
        "SignatureDoesNotMatch",
        "the key id exists, but this secret is not its secret",
    ),
    ("ExpiredToken", "the session token has expired"),
];

/// What an HTTP answer says about the key that signed the request.
pub fn classify(status: u16, body: &str) -> Verification {
    if status == 200 {
        let identity = element(body, "GetCallerIdentityResponse")
            .and_then(|response| element(response, "GetCallerIdentityResult"))
            .and_then(|result| {
                Some((
                    element(result, "Account")?,
                    element(result, "Arn")?,
                    element(result, "UserId")?,
                ))
            });
        return match identity {
            Some((account, arn, user_id))
                if account.len() == 12
                    && account.bytes().all(|b| b.is_ascii_digit())
                    && arn.starts_with("arn:") =>
            {
                Verification::Live {
                    account: unescape(account),
                    arn: unescape(arn),
                    user_id: unescape(user_id),
                }
            }
            _ => Verification::Unknown {
                reason: "HTTP 200, but not a GetCallerIdentity answer (a proxy or a captive \
                         portal?)"
                    .into(),
            },
        };
    }
    let code = element(body, "ErrorResponse")
        .and_then(|response| element(response, "Error"))
        .and_then(|error| element(error, "Code"))
        .map(str::trim);
    match code {
        Some(code) if (400..500).contains(&status) => {
            if let Some((code, meaning)) = INVALID.iter().find(|(known, _)| *known == code) {
                Verification::Invalid { code, meaning }
            } else if code == "Throttling" {
                Verification::Unknown {
                    reason: "throttled by STS (Throttling): try again later".into(),
                }
            } else {
                Verification::Unknown {
                    reason: format!("STS answered HTTP {status} {}", printable(code)),
                }
            }
        }
        _ if status == 429 => Verification::Unknown {
            reason: "throttled (HTTP 429): try again later".into(),
        },
        _ if status >= 500 => Verification::Unknown {
            reason: format!("STS or a proxy failed (HTTP {status})"),
        },
        _ => Verification::Unknown {
            reason: format!(
                "HTTP {status} that is not an STS answer (from a proxy or a firewall?)"
            ),
        },
    }
}

/// The text inside the first `<name>…</name>` (attributes allowed on the opening tag).
fn element<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}");
    let mut from = 0;
    let start = loop {
        let at = from + text.get(from..)?.find(&open)?;
        let after = at + open.len();
        match text.as_bytes().get(after) {
            Some(b'>') => break after + 1,
            Some(b' ' | b'\t' | b'\r' | b'\n') => break after + text[after..].find('>')? + 1,
            _ => from = after,
        }
    };
    let end = start + text[start..].find(&format!("</{name}>"))?;
    Some(&text[start..end])
}

/// XML's five predefined entities, decoded.
fn unescape(text: &str) -> String {
    text.trim()
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// A code from an answer, for a message: short, printable ASCII.
fn printable(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_graphic())
        .take(64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIVE: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/ci-deploy</Arn>
    <UserId>AIDAEXAMPLEUSERID1234</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#;

    fn error(code: &str) -> String {
        format!(
            r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>{code}</Code><Message>m</Message></Error>
  <RequestId>r</RequestId>
</ErrorResponse>"#
        )
    }

    #[test]
    fn a_200_identity_is_live() {
        match classify(200, LIVE) {
            Verification::Live {
                account,
                arn,
                user_id,
            } => {
                assert_eq!(account, "123456789012");
                assert_eq!(arn, "arn:aws:iam::123456789012:user/ci-deploy");
                assert_eq!(user_id, "AIDAEXAMPLEUSERID1234");
            }
            other => panic!("{other:?}"),
        }
        let garbled = LIVE.replace("123456789012</Account>", "12</Account>");
        assert!(matches!(
            classify(200, &garbled),
            Verification::Unknown { .. }
        ));
        assert!(matches!(
            classify(200, "<html>Welcome to the hotel wifi</html>"),
            Verification::Unknown { .. }
        ));
    }

    #[test]
    fn only_sts_own_codes_make_a_key_invalid() {
        for (status, code) in [
            (403, "InvalidClientTokenId"),
            (403, "SignatureDoesNotMatch"),
            (400, "ExpiredToken"),
        ] {
            match classify(status, &error(code)) {
                Verification::Invalid { code: got, .. } => assert_eq!(got, code),
                other => panic!("{code}: {other:?}"),
            }
        }
        // The same codes on a 5xx, or another code, or no STS XML at all: unknown.
        assert!(matches!(
            classify(503, &error("InvalidClientTokenId")),
            Verification::Unknown { .. }
        ));
        assert!(matches!(
            classify(403, &error("AccessDenied")),
            Verification::Unknown { .. }
        ));
        assert!(matches!(
            classify(
                403,
                "<html><h1>403 Forbidden</h1>InvalidClientTokenId</html>"
            ),
            Verification::Unknown { .. }
        ));
    }

    #[test]
    fn throttles_and_failures_are_unknown() {
        let reason = |status, body: &str| match classify(status, body) {
            Verification::Unknown { reason } => reason,
            other => panic!("{other:?}"),
        };
        assert!(reason(400, &error("Throttling")).contains("Throttling"));
        assert!(reason(429, "").contains("429"));
        assert!(reason(502, "bad gateway").contains("502"));
        assert!(reason(302, "").contains("302"));
        assert!(reason(403, &error("Weird<Code>")).contains("Weird"));
    }

    #[test]
    fn endpoints_parse_with_their_region() {
        let e = Endpoint::parse(DEFAULT_ENDPOINT).unwrap();
        assert_eq!(
            (
                e.url.as_str(),
                e.host_header.as_str(),
                e.region.as_str(),
                e.port
            ),
            (
                "https://sts.amazonaws.com/",
                "sts.amazonaws.com",
                "us-east-1",
                443
            )
        );
        let e = Endpoint::parse("https://sts.eu-west-1.amazonaws.com").unwrap();
        assert_eq!(e.region, "eu-west-1");
        let e = Endpoint::parse("http://127.0.0.1:8080/sts").unwrap();
        assert_eq!(
            (
                e.url.as_str(),
                e.host_header.as_str(),
                e.path.as_str(),
                e.region.as_str()
            ),
            (
                "http://127.0.0.1:8080/sts",
                "127.0.0.1:8080",
                "/sts",
                "us-east-1"
            )
        );
        let e = Endpoint::parse("http://[::1]:9/").unwrap();
        assert_eq!(e.host_header, "[::1]:9");
        for bad in [
            "sts.amazonaws.com",
            "ftp://sts.amazonaws.com",
            "https://user:pw@sts.amazonaws.com",
            "https://sts.amazonaws.com/?a=b",
            "https://",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn elements_are_found_whole() {
        assert_eq!(element("<a><ab>x</ab><a>y</a></a>", "ab"), Some("x"));
        assert_eq!(element("<Arn >v</Arn>", "Arn"), Some("v"));
        assert_eq!(element("<Arn>v", "Arn"), None);
        assert_eq!(unescape(" a&amp;b&lt; "), "a&b<");
    }
}
