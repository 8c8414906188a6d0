//! A minimal HTTP/1.1 client for the instance metadata service: plain `http://` to a
//! link-local address, one request per connection, small bodies. It never consults
//! `HTTP_PROXY` and friends (IMDS must be reached directly: a proxy would answer for its
//! own host, or leak the token), and every step is bounded by one deadline.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Responses larger than this are refused: IMDS answers in a few hundred bytes.
const MAX_RESPONSE: usize = 64 << 10;

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

    fn addresses(&self) -> io::Result<Vec<SocketAddr>> {
        let host = self.host.trim_start_matches('[').trim_end_matches(']');
        Ok((host, self.port).to_socket_addrs()?.collect())
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
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

/// Why a request got no response.
#[derive(Debug)]
pub enum Error {
    /// No connection could be made (refused, unreachable, no route).
    Connect(io::Error),
    /// The deadline passed (connecting, sending or waiting for the answer).
    Timeout,
    /// The connection broke, or the answer was not HTTP.
    Protocol(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Connect(err) => write!(f, "cannot connect: {err}"),
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
    let deadline = Instant::now() + timeout;
    let left = || {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or(Error::Timeout)
    };
    let mut last = None;
    let mut stream = None;
    for address in endpoint.addresses().map_err(Error::Connect)? {
        match TcpStream::connect_timeout(&address, left()?) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(err) => last = Some(err),
        }
    }
    let mut stream = match (stream, last) {
        (Some(stream), _) => stream,
        (None, Some(err)) if is_timeout(&err) => return Err(Error::Timeout),
        (None, Some(err)) => return Err(Error::Connect(err)),
        (None, None) => {
            return Err(Error::Connect(io::Error::new(
                io::ErrorKind::NotFound,
                "the host has no address",
            )))
        }
    };
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: keyhound/{}\r\nAccept: */*\r\n\
         Connection: close\r\nContent-Length: 0\r\n",
        endpoint.host,
        env!("CARGO_PKG_VERSION")
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let io_error = |err: io::Error| {
        if is_timeout(&err) {
            Error::Timeout
        } else {
            Error::Protocol(err.to_string())
        }
    };
    stream.set_write_timeout(Some(left()?)).map_err(io_error)?;
    stream.write_all(head.as_bytes()).map_err(io_error)?;
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(response) = parse(&buffer, false)? {
            return Ok(response);
        }
        stream.set_read_timeout(Some(left()?)).map_err(io_error)?;
        let read = stream.read(&mut chunk).map_err(io_error)?;
        if read == 0 {
            return parse(&buffer, true)?
                .ok_or_else(|| Error::Protocol("the connection closed mid-answer".into()));
        }
        buffer.extend_from_slice(&chunk[..read]);
        if buffer.len() > MAX_RESPONSE {
            return Err(Error::Protocol(format!("more than {MAX_RESPONSE} bytes")));
        }
    }
}

fn is_timeout(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    )
}

/// Parses a complete response from `bytes`; `Ok(None)` when more bytes are needed. At
/// the end of the stream (`eof`), a body without length ends there. Interim (1xx)
/// responses are skipped.
pub fn parse(bytes: &[u8], eof: bool) -> Result<Option<Response>, Error> {
    let bad = |why: &str| Error::Protocol(why.to_string());
    let mut bytes = bytes;
    loop {
        let Some(end) = find(bytes, b"\r\n\r\n") else {
            return Ok(None);
        };
        let head = std::str::from_utf8(&bytes[..end]).map_err(|_| bad("a header is not text"))?;
        let body = &bytes[end + 4..];
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let mut words = status_line.split(' ');
        let (Some(version), Some(code)) = (words.next(), words.next()) else {
            return Err(bad("no status line"));
        };
        if !version.starts_with("HTTP/1.") {
            return Err(bad("not an HTTP/1 response"));
        }
        let status: u16 = code
            .parse()
            .ok()
            .filter(|c| (100..600).contains(c))
            .ok_or_else(|| bad("no status code"))?;
        let (mut length, mut chunked) = (None, false);
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                return Err(bad("a header line without a colon"));
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                let parsed: usize = value.parse().map_err(|_| bad("a bad Content-Length"))?;
                if length.is_some_and(|l| l != parsed) {
                    return Err(bad("two different Content-Lengths"));
                }
                length = Some(parsed);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value
                    .rsplit(',')
                    .next()
                    .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"));
            }
        }
        if (100..200).contains(&status) {
            bytes = body;
            continue;
        }
        // 204 and 304 have no body, whatever the headers say.
        if status == 204 || status == 304 {
            return Ok(Some(Response {
                status,
                body: Vec::new(),
            }));
        }
        // Transfer-Encoding wins over Content-Length (RFC 9112, 6.3).
        let body = if chunked {
            match dechunk(body)? {
                Some(body) => body,
                None => return Ok(None),
            }
        } else if let Some(length) = length {
            if body.len() < length {
                return Ok(None);
            }
            body[..length].to_vec()
        } else if eof {
            body.to_vec()
        } else {
            return Ok(None);
        };
        return Ok(Some(Response { status, body }));
    }
}

/// Decodes a chunked body; `Ok(None)` until the last chunk and the trailers are in.
fn dechunk(mut bytes: &[u8]) -> Result<Option<Vec<u8>>, Error> {
    let mut body = Vec::new();
    loop {
        let Some(end) = find(bytes, b"\r\n") else {
            return Ok(None);
        };
        let line = std::str::from_utf8(&bytes[..end])
            .map_err(|_| Error::Protocol("a chunk size is not text".into()))?;
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16)
            .map_err(|_| Error::Protocol(format!("{size:?} is not a chunk size")))?;
        bytes = &bytes[end + 2..];
        if size == 0 {
            // Trailers, then an empty line.
            loop {
                let Some(end) = find(bytes, b"\r\n") else {
                    return Ok(None);
                };
                if end == 0 {
                    return Ok(Some(body));
                }
                bytes = &bytes[end + 2..];
            }
        }
        if bytes.len() < size.saturating_add(2) {
            return Ok(None);
        }
        if &bytes[size..size + 2] != b"\r\n" {
            return Err(Error::Protocol("a chunk does not end with CRLF".into()));
        }
        body.extend_from_slice(&bytes[..size]);
        bytes = &bytes[size + 2..];
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(raw: &str, eof: bool) -> Option<Response> {
        parse(raw.as_bytes(), eof).unwrap()
    }

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

    #[test]
    fn content_length_bodies() {
        let raw = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nrole1extra";
        assert_eq!(
            parsed(raw, false),
            Some(Response {
                status: 200,
                body: b"role1".to_vec()
            })
        );
        assert_eq!(
            parsed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nro", false),
            None
        );
        assert_eq!(parsed("HTTP/1.1 200 OK\r\n", false), None);
    }

    #[test]
    fn chunked_bodies() {
        let raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 99\r\n\r\n\
                   4;ext=1\r\nrole\r\n2\r\n-a\r\n0\r\nX-Trailer: y\r\n\r\n";
        assert_eq!(parsed(raw, false).unwrap().body, b"role-a");
        assert_eq!(parsed(&raw[..raw.len() - 2], false), None);
        assert!(parse(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            false
        )
        .is_err());
    }

    #[test]
    fn bodies_to_the_end_and_interim_responses() {
        let raw = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 404 Not Found\r\n\r\nnone";
        assert_eq!(parsed(raw, false), None);
        assert_eq!(parsed(raw, true).unwrap().status, 404);
        assert_eq!(parsed(raw, true).unwrap().body, b"none");
        assert!(parse(b"SSH-2.0-x\r\n\r\n", false).is_err());
    }
}
