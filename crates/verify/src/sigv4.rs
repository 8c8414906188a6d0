//! AWS Signature Version 4, header form, on the `hmac` and `sha2` crates: the canonical
//! request, the string to sign, the derived signing key and the `Authorization` header.
//!
//! Only what `--verify` needs is here (one request, headers signed, payload hashed), but it
//! is the general algorithm: the unit tests hold it to AWS's published test suite and to
//! the worked example of the IAM documentation ("Create a signed AWS API request").
//! Nothing here keeps or prints the secret; the caller hands it in for one signature.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The one algorithm this module implements.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// An HTTP request as it will be sent.
pub struct Request<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// The path as sent (`/`).
    pub path: &'a str,
    /// The query string without its `?`, or empty.
    pub query: &'a str,
    /// Every header to sign, `host` and `x-amz-date` included; names in any case.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body.
    pub payload: &'a [u8],
}

/// Where and when the signature is valid.
pub struct Scope<'a> {
    /// The request time as in `x-amz-date`: `YYYYMMDDTHHMMSSZ`.
    pub date_time: &'a str,
    /// The region (`us-east-1`).
    pub region: &'a str,
    /// The service (`sts`).
    pub service: &'a str,
}

/// Every intermediate of a signature: AWS's test suite publishes each one. No `Debug`:
/// a signed `x-amz-security-token` is part of the canonical request.
#[cfg_attr(not(test), allow(dead_code))] // the intermediates are read by the suite's checks
pub struct Signed {
    /// Method, path, query, headers, signed header names and payload hash, one a line.
    pub canonical_request: String,
    /// The algorithm, the time, the credential scope and the canonical request's hash.
    pub string_to_sign: String,
    /// Lower-case hex HMAC of the string to sign.
    pub signature: String,
    /// The `Authorization` header's value.
    pub authorization: String,
}

/// Signs `request` for `key_id` with `secret` in `scope`.
pub fn sign(request: &Request<'_>, scope: &Scope<'_>, key_id: &str, secret: &str) -> Signed {
    let (canonical_request, signed_headers) = canonical_request(request);
    // `date_time` is ASCII (YYYYMMDDTHHMMSSZ); its first 8 characters are the date.
    let date = scope.date_time.get(..8).unwrap_or(scope.date_time);
    let credential_scope = format!("{date}/{}/{}/aws4_request", scope.region, scope.service);
    let string_to_sign = string_to_sign(scope.date_time, &credential_scope, &canonical_request);
    let key = signing_key(secret, date, scope.region, scope.service);
    let signature = hex(&hmac(&key, string_to_sign.as_bytes()));
    let authorization = format!(
        "{ALGORITHM} Credential={key_id}/{credential_scope}, SignedHeaders={signed_headers}, \
         Signature={signature}"
    );
    Signed {
        canonical_request,
        string_to_sign,
        signature,
        authorization,
    }
}

/// The canonical request, and the signed header names (`host;x-amz-date`).
fn canonical_request(request: &Request<'_>) -> (String, String) {
    let (headers, signed_headers) = canonical_headers(request.headers);
    let text = format!(
        "{}\n{}\n{}\n{headers}\n{signed_headers}\n{}",
        request.method,
        uri_encode(request.path, false),
        canonical_query(request.query),
        hex(&Sha256::digest(request.payload)),
    );
    (text, signed_headers)
}

/// `name:value\n` per header, sorted by lower-case name; values trimmed, runs of spaces
/// made one, repeated names joined with commas.
fn canonical_headers(headers: &[(&str, &str)]) -> (String, String) {
    let mut merged: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (name, value) in headers {
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        merged
            .entry(name.trim().to_ascii_lowercase())
            .or_default()
            .push(value);
    }
    let mut text = String::new();
    for (name, values) in &merged {
        text.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let names: Vec<&str> = merged.keys().map(String::as_str).collect();
    (text, names.join(";"))
}

/// Parameters decoded, re-encoded the way AWS wants, sorted by name then value.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                uri_encode(&percent_decode(name), true),
                uri_encode(&percent_decode(value), true),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The string to sign.
fn string_to_sign(date_time: &str, credential_scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{date_time}\n{credential_scope}\n{}",
        hex(&Sha256::digest(canonical_request.as_bytes()))
    )
}

/// `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let key = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let key = hmac(&key, region.as_bytes());
    let key = hmac(&key, service.as_bytes());
    hmac(&key, b"aws4_request")
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length: `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Percent-encodes every byte but the unreserved ones (`A-Z a-z 0-9 - _ . ~`), and `/`
/// unless `encode_slash`.
fn uri_encode(text: &str, encode_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for &byte in text.as_bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char);
            }
            b'/' if !encode_slash => out.push('/'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// `%XX` sequences decoded; anything malformed is kept as it is.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex_digit = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&hi), Some(&lo)) if hex_digit(hi).is_some() && hex_digit(lo).is_some() => {
                let value = hex_digit(hi).unwrap_or(0) * 16 + hex_digit(lo).unwrap_or(0);
                out.push(value as u8);
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Seconds since the Unix epoch as `x-amz-date` wants them: `YYYYMMDDTHHMMSSZ` (UTC).
/// Times before 1970 are written as 1970's first second: a request is signed now.
pub fn amz_date(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (mut days, rest) = (seconds / 86_400, seconds % 86_400);
    let leap = |year: i64| (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let mut year = 1970;
    while days >= if leap(year) { 366 } else { 365 } {
        days -= if leap(year) { 366 } else { 365 };
        year += 1;
    }
    let february = if leap(year) { 29 } else { 28 };
    let lengths = [31, february, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut month = 0;
    while days >= lengths[month] {
        days -= lengths[month];
        month += 1;
    }
    format!(
        "{year:04}{:02}{:02}T{:02}{:02}{:02}Z",
        month + 1,
        days + 1,
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The credentials of AWS's test suite and of the IAM documentation's example.
    const KEY_ID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const DATE_TIME: &str = "20150830T123600Z";

    /// One case of the "aws-sig-v4-test-suite" (AWS General Reference, Signature Version 4
    /// Test Suite; the files `<name>.req`, `.creq`, `.sts` and `.authz`), region
    /// `us-east-1`, service `service`.
    struct Vector {
        name: &'static str,
        method: &'static str,
        query: &'static str,
        headers: &'static [(&'static str, &'static str)],
        payload: &'static [u8],
        /// `.creq`, when the case is checked that far.
        canonical_request: Option<&'static str>,
        /// `.sts`
        string_to_sign: Option<&'static str>,
        /// `.authz`
        authorization: &'static str,
    }

    const TOKEN: &str = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

    const SUITE: &[Vector] = &[
        Vector {
            name: "get-vanilla",
            method: "GET",
            query: "",
            headers: &[
                ("Host", "example.amazonaws.com"),
                ("X-Amz-Date", DATE_TIME),
            ],
            payload: b"",
            canonical_request: Some(
                "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
                 host;x-amz-date\n\
                 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            string_to_sign: Some(
                "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n\
                 bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
            ),
            authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        },
        Vector {
            name: "post-vanilla",
            method: "POST",
            query: "",
            headers: &[
                ("Host", "example.amazonaws.com"),
                ("X-Amz-Date", DATE_TIME),
            ],
            payload: b"",
            canonical_request: None,
            string_to_sign: None,
            authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
        },
        Vector {
            name: "post-x-www-form-urlencoded",
            method: "POST",
            query: "",
            headers: &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Host", "example.amazonaws.com"),
                ("X-Amz-Date", DATE_TIME),
            ],
            payload: b"Param1=value1",
            canonical_request: Some(
                "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n\
                 host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
                 content-type;host;x-amz-date\n\
                 9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            ),
            string_to_sign: Some(
                "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n\
                 42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
            ),
            authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
        },
        Vector {
            name: "post-x-www-form-urlencoded-parameters",
            method: "POST",
            query: "",
            headers: &[
                ("Content-Type", "application/x-www-form-urlencoded; charset=utf8"),
                ("Host", "example.amazonaws.com"),
                ("X-Amz-Date", DATE_TIME),
            ],
            payload: b"Param1=value1",
            canonical_request: Some(
                "POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf8\n\
                 host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
                 content-type;host;x-amz-date\n\
                 9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            ),
            string_to_sign: None,
            authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe",
        },
        Vector {
            name: "get-vanilla-query-order-key-case",
            method: "GET",
            query: "Param2=value2&Param1=value1",
            headers: &[
                ("Host", "example.amazonaws.com"),
                ("X-Amz-Date", DATE_TIME),
            ],
            payload: b"",
            canonical_request: None,
            string_to_sign: None,
            authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        },
        Vector {
            name: "get-header-value-trim",
            method: "GET",
            query: "",
            headers: &[
                ("Host", "example.amazonaws.com"),
                ("My-Header1", " value1"),
                ("My-Header2", " \"a   b   c\""),
                ("X-Amz-Date", DATE_TIME),
            ],
            payload: b"",
            canonical_request: None,
            string_to_sign: None,
            authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
        },
        Vector {
            name: "post-sts-header-before",
            method: "POST",
            query: "",
            headers: &[
                ("Host", "example.amazonaws.com"),
                ("X-Amz-Date", DATE_TIME),
                ("X-Amz-Security-Token", TOKEN),
            ],
            payload: b"",
            canonical_request: None,
            string_to_sign: None,
            authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
        },
    ];

    #[test]
    fn the_aws_signature_v4_test_suite() {
        for vector in SUITE {
            let request = Request {
                method: vector.method,
                path: "/",
                query: vector.query,
                headers: vector.headers,
                payload: vector.payload,
            };
            let scope = Scope {
                date_time: DATE_TIME,
                region: "us-east-1",
                service: "service",
            };
            let signed = sign(&request, &scope, KEY_ID, SECRET);
            if let Some(expected) = vector.canonical_request {
                assert_eq!(signed.canonical_request, expected, "{}", vector.name);
            }
            if let Some(expected) = vector.string_to_sign {
                assert_eq!(signed.string_to_sign, expected, "{}", vector.name);
            }
            assert_eq!(
                signed.authorization, vector.authorization,
                "{}",
                vector.name
            );
        }
    }

    /// IAM User Guide, "Create a signed AWS API request": `ListUsers` by GET.
    #[test]
    fn the_iam_documentation_example() {
        let request = Request {
            method: "GET",
            path: "/",
            query: "Action=ListUsers&Version=2010-05-08",
            headers: &[
                (
                    "Content-Type",
                    "application/x-www-form-urlencoded; charset=utf-8",
                ),
                ("Host", "iam.amazonaws.com"),
                ("X-Amz-Date", DATE_TIME),
            ],
            payload: b"",
        };
        let scope = Scope {
            date_time: DATE_TIME,
            region: "us-east-1",
            service: "iam",
        };
        let signed = sign(&request, &scope, KEY_ID, SECRET);
        assert_eq!(
            signed.canonical_request,
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n\
             content-type:application/x-www-form-urlencoded; charset=utf-8\n\
             host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
             content-type;host;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&Sha256::digest(signed.canonical_request.as_bytes())),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
        assert_eq!(
            signed.signature,
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
        assert_eq!(
            signed.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, \
             Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }

    #[test]
    fn query_strings_are_decoded_encoded_and_sorted() {
        assert_eq!(canonical_query(""), "");
        assert_eq!(canonical_query("b=2&a=1&a=0"), "a=0&a=1&b=2");
        assert_eq!(canonical_query("k=a%20b&flag"), "flag=&k=a%20b");
        assert_eq!(canonical_query("p=x/y+z~"), "p=x%2Fy%2Bz~");
        assert_eq!(canonical_query("bad=%zz"), "bad=%25zz");
    }

    #[test]
    fn request_times_are_basic_iso_8601() {
        assert_eq!(amz_date(1_440_938_160), DATE_TIME);
        assert_eq!(amz_date(0), "19700101T000000Z");
        assert_eq!(amz_date(951_782_400), "20000229T000000Z");
        assert_eq!(amz_date(1_700_000_000), "20231114T221320Z");
        assert_eq!(amz_date(1_735_689_599), "20241231T235959Z");
        assert_eq!(amz_date(4_107_542_400), "21000301T000000Z");
    }
}
