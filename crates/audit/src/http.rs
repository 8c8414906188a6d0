//! HTTP for the instance metadata service, on ureq (the workspace's one HTTP client):
//! plain `http://` to a link-local address, small bodies. It never consults `HTTP_PROXY`
//! and friends (IMDS must be reached directly: a proxy would answer for its own host, or
//! leak the token), follows no redirect, and bounds each request, connecting to last
//! byte, by one timeout.

use std::time::Duration;

/// Responses larger than this are refused: IMDS answers in a few hundred bytes.
const MAX_RESPONSE: u64 = 64 << 10;

/// Where requests go: `http://host[:port]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Host name or address as written (IPv6 in brackets), for the `Host` header.
    pub host: String,
    /// The port (80 by default).
    pub port: u16,
}

impl Endpoint {
    /// Parses `http://host[:port][/]`. Only plain HTTP: IMDS has no TLS.
    pub fn parse(url: &str) -> Result<Endpoint, String> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("{url:?}: the endpoint must be an http:// URL"))?;
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
            return Err(format!("{url:?}: expected http://host or http://host:port"));
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !port.contains(']') => {
                let port = port
                    .parse()
                    .map_err(|_| format!("{url:?}: {port:?} is not a port"))?;
                (host, port)
            }
            _ => (authority, 80),
        };
        if host.is_empty() {
            return Err(format!("{url:?}: no host"));
        }
        Ok(Endpoint {
            host: host.to_string(),
            port,
        })
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "http://{}:{}", self.host, self.port)
    }
}

/// A response: status and body.
#[derive(Debug, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

/// Why a request got no response.
#[derive(Debug)]
pub enum Error {
    /// No connection could be made (refused, unreachable, no route, no address).
    Connect(String),
    /// The deadline passed (connecting, sending or waiting for the answer).
    Timeout,
    /// The connection broke, or the answer was not HTTP.
    Protocol(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Connect(why) => write!(f, "cannot connect: {why}"),
            Error::Timeout => f.write_str("no answer in time"),
            Error::Protocol(why) => write!(f, "bad answer: {why}"),
        }
    }
}

/// Sends one request with an empty body and reads the response, all within `timeout`.
pub fn request(
    endpoint: &Endpoint,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    timeout: Duration,
) -> Result<Response, Error> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .proxy(None)
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(concat!("keyhound/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let uri = format!("{endpoint}{path}");
    let mut request = ureq::http::Request::builder().method(method).uri(&uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(())
        .map_err(|err| Error::Protocol(err.to_string()))?;
    let mut response = agent.run(request).map_err(error)?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE)
        .read_to_vec()
        .map_err(error)?;
    Ok(Response { status, body })
}

/// ureq's error as one of ours.
fn error(err: ureq::Error) -> Error {
    use std::io::ErrorKind;
    match err {
        ureq::Error::Timeout(_) => Error::Timeout,
        ureq::Error::HostNotFound => Error::Connect("the host has no address".into()),
        ureq::Error::ConnectionFailed => Error::Connect("connection failed".into()),
        ureq::Error::Io(err) => match err.kind() {
            ErrorKind::TimedOut | ErrorKind::WouldBlock => Error::Timeout,
            ErrorKind::ConnectionRefused
            | ErrorKind::HostUnreachable
            | ErrorKind::NetworkUnreachable
            | ErrorKind::AddrNotAvailable => Error::Connect(err.to_string()),
            _ => Error::Protocol(err.to_string()),
        },
        ureq::Error::BodyExceedsLimit(_) => {
            Error::Protocol(format!("more than {MAX_RESPONSE} bytes"))
        }
        other => Error::Protocol(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert_eq!(
            Endpoint::parse("http://169.254.169.254").unwrap(),
            Endpoint {
                host: "169.254.169.254".into(),
                port: 80
            }
        );
        assert_eq!(
            Endpoint::parse("http://[fd00:ec2::254]:8080/").unwrap(),
            Endpoint {
                host: "[fd00:ec2::254]".into(),
                port: 8080
            }
        );
        assert_eq!(Endpoint::parse("http://[fd00:ec2::254]").unwrap().port, 80);
        for bad in [
            "https://x",
            "http://",
            "http://x:port",
            "http://x/latest",
            "x",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }
}
