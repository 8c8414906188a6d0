//! Which proxy, if any, carries the STS request: the environment read as curl and Go read
//! it, decided here so that the rules are ours and tested (ureq's own reading is off).
//!
//! * An `https://` endpoint uses `https_proxy`/`HTTPS_PROXY`, an `http://` one
//!   `http_proxy`/`HTTP_PROXY` (the upper-case one is ignored under CGI, where
//!   `REQUEST_METHOD` is set and `HTTP_PROXY` may come from a client's `Proxy:` header),
//!   and either falls back to `all_proxy`/`ALL_PROXY`.
//! * `no_proxy`/`NO_PROXY` lists hosts reached directly: `*`, a host name (which covers
//!   its subdomains; a leading `.` or `*.` is allowed), an IP address or a CIDR block,
//!   each optionally with `:port`.
//! * Loopback hosts (`localhost`, `127.0.0.0/8`, `::1`) are always reached directly: a
//!   proxy elsewhere cannot reach this machine's loopback.

use std::net::IpAddr;

/// Where a proxy setting came from and what it says. The value may hold a password:
/// messages name the variable, never the value.
pub struct ProxySetting {
    /// The environment variable it was read from.
    pub variable: &'static str,
    /// Its value, with `http://` added when it names no scheme.
    pub url: String,
}

/// The proxy for an endpoint at `scheme://host:port`, reading the environment with `var`.
pub fn select(
    scheme: &str,
    host: &str,
    port: u16,
    var: impl Fn(&str) -> Option<String>,
) -> Option<ProxySetting> {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if is_loopback(&host) {
        return None;
    }
    let set = |name: &'static str| {
        var(name)
            .filter(|value| !value.trim().is_empty())
            .map(|value| (name, value))
    };
    if let Some((_, list)) = set("no_proxy").or_else(|| set("NO_PROXY")) {
        if list.split(',').any(|entry| bypasses(entry, &host, port)) {
            return None;
        }
    }
    let cgi = var("REQUEST_METHOD").is_some();
    let chosen = match scheme {
        "https" => set("https_proxy").or_else(|| set("HTTPS_PROXY")),
        _ => set("http_proxy").or_else(|| set("HTTP_PROXY").filter(|_| !cgi)),
    }
    .or_else(|| set("all_proxy"))
    .or_else(|| set("ALL_PROXY"))?;
    let (variable, value) = chosen;
    let value = value.trim();
    let url = if value.contains("://") {
        value.to_string()
    } else {
        format!("http://{value}")
    };
    Some(ProxySetting { variable, url })
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether one `NO_PROXY` entry covers `host` (lower case, no brackets) at `port`.
fn bypasses(entry: &str, host: &str, port: u16) -> bool {
    let entry = entry.trim().to_ascii_lowercase();
    if entry.is_empty() {
        return false;
    }
    if entry == "*" {
        return true;
    }
    let (name, entry_port) = split_port(&entry);
    if entry_port.is_some_and(|p| p != port) {
        return false;
    }
    if let Some((network, bits)) = name.split_once('/') {
        return match (network.parse::<IpAddr>(), bits.parse::<u8>(), host.parse()) {
            (Ok(network), Ok(bits), Ok(ip)) => in_block(ip, network, bits),
            _ => false,
        };
    }
    if let (Ok(a), Ok(b)) = (name.parse::<IpAddr>(), host.parse::<IpAddr>()) {
        return a == b;
    }
    let domain = name.trim_start_matches("*.").trim_start_matches('.');
    !domain.is_empty()
        && (host == domain
            || host
                .strip_suffix(domain)
                .is_some_and(|rest| rest.ends_with('.')))
}

/// `name:port` → (`name`, port); IPv6 addresses in brackets, or bare, keep their colons.
fn split_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((address, tail)) => (address, tail.strip_prefix(':').and_then(|p| p.parse().ok())),
            None => (rest, None),
        };
    }
    match entry.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') => match port.parse() {
            Ok(port) => (name, Some(port)),
            Err(_) => (entry, None),
        },
        _ => (entry, None),
    }
}

/// Whether `ip` is in `network/bits`.
fn in_block(ip: IpAddr, network: IpAddr, bits: u8) -> bool {
    let (ip, network, width) = match (ip, network) {
        (IpAddr::V4(ip), IpAddr::V4(network)) => (
            u128::from(u32::from(ip)),
            u128::from(u32::from(network)),
            32,
        ),
        (IpAddr::V6(ip), IpAddr::V6(network)) => (u128::from(ip), u128::from(network), 128),
        _ => return false,
    };
    let bits = u32::from(bits).min(width);
    if bits == 0 {
        return true;
    }
    let shift = width - bits;
    (ip >> shift) == (network >> shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    fn chosen(scheme: &str, host: &str, port: u16, vars: &[(&str, &str)]) -> Option<String> {
        select(scheme, host, port, env(vars)).map(|p| format!("{}={}", p.variable, p.url))
    }

    #[test]
    fn the_scheme_picks_the_variable() {
        let vars = [
            ("HTTPS_PROXY", "http://secure:3128"),
            ("HTTP_PROXY", "plain:8080"),
        ];
        assert_eq!(
            chosen("https", "sts.amazonaws.com", 443, &vars).as_deref(),
            Some("HTTPS_PROXY=http://secure:3128")
        );
        assert_eq!(
            chosen("http", "sts.example", 80, &vars).as_deref(),
            Some("HTTP_PROXY=http://plain:8080")
        );
        // Lower case first, as curl reads it.
        let both = [("https_proxy", "lower:1"), ("HTTPS_PROXY", "upper:2")];
        assert_eq!(
            chosen("https", "sts.amazonaws.com", 443, &both).as_deref(),
            Some("https_proxy=http://lower:1")
        );
        // An http proxy is not used for https, but ALL_PROXY is.
        assert_eq!(
            chosen("https", "sts.amazonaws.com", 443, &[("HTTP_PROXY", "p:1")]),
            None
        );
        assert_eq!(
            chosen(
                "https",
                "sts.amazonaws.com",
                443,
                &[("ALL_PROXY", "socks5://s:1")]
            )
            .as_deref(),
            Some("ALL_PROXY=socks5://s:1")
        );
        assert_eq!(
            chosen("https", "sts.amazonaws.com", 443, &[("HTTPS_PROXY", " ")]),
            None
        );
    }

    #[test]
    fn cgi_ignores_upper_case_http_proxy() {
        let vars = [("HTTP_PROXY", "evil:1"), ("REQUEST_METHOD", "GET")];
        assert_eq!(chosen("http", "sts.example", 80, &vars), None);
    }

    #[test]
    fn loopback_is_always_direct() {
        let vars = [
            ("HTTP_PROXY", "p:1"),
            ("HTTPS_PROXY", "p:1"),
            ("ALL_PROXY", "p:1"),
        ];
        for host in [
            "127.0.0.1",
            "127.8.9.10",
            "localhost",
            "LOCALHOST.",
            "[::1]",
            "::1",
        ] {
            assert_eq!(chosen("http", host, 8080, &vars), None, "{host}");
        }
        assert!(chosen("http", "10.0.0.1", 80, &vars).is_some());
    }

    #[test]
    fn no_proxy_entries() {
        let direct = |list: &str, host: &str, port: u16| {
            chosen(
                "https",
                host,
                port,
                &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", list)],
            )
            .is_none()
        };
        let list = "example.com, .corp.internal,10.0.0.0/8, 192.168.1.5, sts.test:8443";
        assert!(direct(list, "example.com", 443));
        assert!(direct(list, "sts.example.com", 443));
        assert!(!direct(list, "notexample.com", 443));
        assert!(direct(list, "a.corp.internal", 443));
        assert!(direct(list, "corp.internal", 443));
        assert!(direct(list, "10.1.2.3", 443));
        assert!(!direct(list, "11.1.2.3", 443));
        assert!(direct(list, "192.168.1.5", 443));
        assert!(direct(list, "sts.test", 8443));
        assert!(!direct(list, "sts.test", 443));
        assert!(direct("*", "anything", 1));
        assert!(direct("*.amazonaws.com", "sts.amazonaws.com", 443));
        assert!(direct("[2001:db8::1]:443", "[2001:db8::1]", 443));
        assert!(direct("2001:db8::/32", "2001:db8::5", 443));
        assert!(!direct("", "sts.amazonaws.com", 443));
        assert!(!direct("bad/entry, 1.2.3.4/xx", "sts.amazonaws.com", 443));
        // Lower case wins over upper case, as for the proxies.
        let vars = [
            ("HTTPS_PROXY", "p:1"),
            ("no_proxy", "other.example"),
            ("NO_PROXY", "sts.amazonaws.com"),
        ];
        assert!(chosen("https", "sts.amazonaws.com", 443, &vars).is_some());
    }
}
