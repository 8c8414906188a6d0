//! `--verify`: STS GetCallerIdentity against a stub server on 127.0.0.1, checked request by
//! request (a signed POST, recomputed here independently from what arrived on the wire),
//! every answer STS or a proxy can give, canaries never sent, and no network at all
//! without `--verify`.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::canary::CANARY_ACCOUNT;
use crate::stub::{Received, Reply, Stub};
use crate::util::*;

const BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";

/// Random-looking text over `alphabet` (xorshift64), deterministic per seed.
fn random_text(seed: u64, alphabet: &[u8], len: usize) -> String {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            alphabet[(state % alphabet.len() as u64) as usize] as char
        })
        .collect()
}

/// A fake credential for the stub to answer about.
#[derive(Clone)]
struct Cred {
    key_id: String,
    secret: String,
    token: Option<String>,
    account: u64,
}

impl Cred {
    fn new(prefix: &str, account: u64, seed: u64, with_token: bool) -> Cred {
        const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        Cred {
            key_id: key_id_for_account(prefix, account, seed),
            secret: random_text(seed.wrapping_mul(31) ^ 0x5DEE_CE66, B64, 40),
            token: with_token
                .then(|| format!("IQoJb3JpZ2luX2Vj{}", random_text(seed ^ 0xA5A5, B64, 200))),
            account,
        }
    }

    /// The file that holds it.
    fn file(&self) -> String {
        let mut text = format!(
            "AWS_ACCESS_KEY_ID={}\nAWS_SECRET_ACCESS_KEY={}\n",
            self.key_id, self.secret
        );
        if let Some(token) = &self.token {
            text.push_str(&format!("AWS_SESSION_TOKEN={token}\n"));
        }
        text
    }
}

fn sts_error(status: u16, code: &str) -> Reply {
    Reply::Http {
        status,
        content_type: "text/xml",
        body: format!(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>{code}</Code>\n    <Message>from the stub</Message>\n  </Error>\n  <RequestId>4fb5a2b6-stub</RequestId>\n</ErrorResponse>\n"
        ),
    }
}

fn sts_identity(cred: &Cred) -> Reply {
    Reply::Http {
        status: 200,
        content_type: "text/xml",
        body: format!(
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <GetCallerIdentityResult>\n    <Arn>arn:aws:iam::{0:012}:user/ci-deploy</Arn>\n    <UserId>AIDASTUBUSERID{1}</UserId>\n    <Account>{0:012}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata><RequestId>4fb5a2b6-stub</RequestId></ResponseMetadata>\n</GetCallerIdentityResponse>\n",
            cred.account,
            &cred.key_id[4..10]
        ),
    }
}

/// The key id of a request's `Authorization: … Credential=<key id>/…`.
fn key_id_of(request: &Received) -> String {
    request
        .header("authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').next())
        .unwrap_or_default()
        .to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap();
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Checks that `request` is GetCallerIdentity, POSTed and correctly signed for `cred`:
/// the signature is recomputed here from the headers that arrived, by SigV4 as AWS
/// documents it, independently of keyhound's signer.
fn assert_signed(request: &Received, cred: &Cred, host: &str) {
    assert_eq!(request.request_line, "POST / HTTP/1.1");
    assert_eq!(String::from_utf8_lossy(&request.body), BODY);
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded; charset=utf-8")
    );
    assert_eq!(request.header("host"), Some(host));
    let date_time = request.header("x-amz-date").expect("x-amz-date");
    assert!(
        date_time.len() == 16
            && date_time.as_bytes()[8] == b'T'
            && date_time.ends_with('Z')
            && date_time[..8]
                .bytes()
                .chain(date_time[9..15].bytes())
                .all(|b| b.is_ascii_digit()),
        "{date_time}"
    );
    assert_eq!(
        request.header("x-amz-security-token"),
        cred.token.as_deref(),
        "the session token is sent exactly when the credential has one"
    );
    let authorization = request.header("authorization").expect("Authorization");
    let date = &date_time[..8];
    let scope = format!("{date}/us-east-1/sts/aws4_request");
    let signed_headers = if cred.token.is_some() {
        "content-type;host;x-amz-date;x-amz-security-token"
    } else {
        "content-type;host;x-amz-date"
    };
    let prefix = format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature=",
        cred.key_id
    );
    let signature = authorization
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{authorization:?} does not start with {prefix:?}"));

    let mut canonical = String::from("POST\n/\n\n");
    for name in signed_headers.split(';') {
        let value = request.header(name).unwrap();
        canonical.push_str(&format!("{name}:{}\n", value.trim()));
    }
    canonical.push_str(&format!(
        "\n{signed_headers}\n{}",
        hex(&Sha256::digest(BODY.as_bytes()))
    ));
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{date_time}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let key = hmac(format!("AWS4{}", cred.secret).as_bytes(), date);
    let key = hmac(&key, "us-east-1");
    let key = hmac(&key, "sts");
    let key = hmac(&key, "aws4_request");
    assert_eq!(
        signature,
        hex(&hmac(&key, &string_to_sign)),
        "{}",
        cred.key_id
    );

    // Signed now, give or take a slow machine.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let signed_at = epoch_seconds(date_time);
    assert!(
        (now - signed_at).abs() < 600,
        "x-amz-date {date_time} is not now"
    );
}

/// `YYYYMMDDTHHMMSSZ` as seconds since the Unix epoch (days from the civil date, after
/// Howard Hinnant's algorithm).
fn epoch_seconds(date_time: &str) -> i64 {
    let field = |range: std::ops::Range<usize>| date_time[range].parse::<i64>().unwrap();
    let (y, m, d) = (field(0..4), field(4..6), field(6..8));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + field(9..11) * 3600 + field(11..13) * 60 + field(13..15)
}

/// Findings by key id.
fn by_key_id<'a>(json: &'a Value, key_id: &str) -> Vec<&'a Value> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["key_id"] == key_id)
        .collect()
}

fn run_verify(dir: &Path, stub: &Stub, extra: &[&str]) -> Run {
    let endpoint = stub.url();
    run_in(
        dir,
        keyhound()
            .args(["scan", "--verify", "--sts-endpoint", &endpoint])
            .args(extra)
            .arg("."),
    )
}

/// The credentials of [`every_answer_sts_or_a_proxy_can_give`], each answered its way.
struct Cast {
    live: Cred,
    invalid: Cred,
    mismatch: Cred,
    expired: Cred,
    throttled: Cred,
    too_many: Cred,
    proxy_page: Cred,
    failing: Cred,
}

impl Cast {
    fn new() -> Cast {
        Cast {
            live: Cred::new("AKIA", 210_987_654_321, 1, false),
            invalid: Cred::new("AKIA", 310_987_654_321, 2, false),
            mismatch: Cred::new("AKIA", 410_987_654_321, 3, false),
            expired: Cred::new("ASIA", 510_987_654_321, 4, true),
            throttled: Cred::new("AKIA", 610_987_654_321, 5, false),
            too_many: Cred::new("AKIA", 710_987_654_321, 6, false),
            proxy_page: Cred::new("AKIA", 810_987_654_321, 7, false),
            failing: Cred::new("AKIA", 910_987_654_321, 8, false),
        }
    }

    fn all(&self) -> [&Cred; 8] {
        [
            &self.live,
            &self.invalid,
            &self.mismatch,
            &self.expired,
            &self.throttled,
            &self.too_many,
            &self.proxy_page,
            &self.failing,
        ]
    }

    fn reply(&self, request: &Received) -> Reply {
        let key_id = key_id_of(request);
        let is = |cred: &Cred| cred.key_id == key_id;
        if is(&self.live) {
            sts_identity(&self.live)
        } else if is(&self.invalid) {
            sts_error(403, "InvalidClientTokenId")
        } else if is(&self.mismatch) {
            sts_error(403, "SignatureDoesNotMatch")
        } else if is(&self.expired) {
            sts_error(400, "ExpiredToken")
        } else if is(&self.throttled) {
            sts_error(400, "Throttling")
        } else if is(&self.too_many) {
            Reply::Http {
                status: 429,
                content_type: "text/plain",
                body: "slow down".into(),
            }
        } else if is(&self.proxy_page) {
            Reply::Http {
                status: 403,
                content_type: "text/html",
                body: "<html><body><h1>Access denied</h1><p>Blocked by the corporate proxy policy.</p></body></html>".into(),
            }
        } else {
            Reply::Http {
                status: 503,
                content_type: "text/plain",
                body: "Service Unavailable".into(),
            }
        }
    }
}

/// A tree with every credential of `cast`, the live one twice, an example key and a
/// canary.
fn cast_tree(cast: &Cast) -> (tempfile::TempDir, Cred) {
    let dir = temp_dir();
    // The live key sorts last by path, so that ranking it first is the report's doing.
    for (i, cred) in cast.all().iter().enumerate().skip(1) {
        write(dir.path(), &format!("c{i}/.env"), cred.file());
    }
    write(dir.path(), "zz-live/.env", cast.live.file());
    write(dir.path(), "zz-live-copy/.env", cast.live.file());
    write(
        dir.path(),
        "docs/example.md",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    );
    let canary = Cred::new("AKIA", CANARY_ACCOUNT, 9, false);
    write(dir.path(), "canary/.env", canary.file());
    (dir, canary)
}

#[test]
fn every_answer_sts_or_a_proxy_can_give() {
    let cast = std::sync::Arc::new(Cast::new());
    let stub = {
        let cast = cast.clone();
        Stub::start(move |request| cast.reply(request))
    };
    let (dir, canary) = cast_tree(&cast);
    let run = run_verify(dir.path(), &stub, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();

    // One signed request per distinct credential: the copy shares the live one's, and
    // neither the canary nor the example is ever sent.
    let requests = stub.received();
    let mut asked: Vec<String> = requests.iter().map(key_id_of).collect();
    asked.sort();
    let mut expected: Vec<String> = cast.all().iter().map(|c| c.key_id.clone()).collect();
    expected.sort();
    assert_eq!(asked, expected, "{}", run.stderr);
    let host = format!("127.0.0.1:{}", stub.port);
    for request in &requests {
        let cred = cast
            .all()
            .into_iter()
            .find(|c| c.key_id == key_id_of(request))
            .unwrap();
        assert_signed(request, cred, &host);
    }

    let verification = |cred: &Cred| {
        let findings = by_key_id(&json, &cred.key_id);
        assert!(
            !findings.is_empty(),
            "{} was not found: {json}",
            cred.key_id
        );
        findings[0]["verification"].clone()
    };
    let live = verification(&cast.live);
    assert_eq!(live["status"], "live");
    assert_eq!(live["account"], "210987654321");
    assert_eq!(live["arn"], "arn:aws:iam::210987654321:user/ci-deploy");
    assert!(live["user_id"]
        .as_str()
        .unwrap()
        .starts_with("AIDASTUBUSERID"));
    let copies = by_key_id(&json, &cast.live.key_id);
    assert_eq!(copies.len(), 2);
    assert_eq!(
        copies[1]["verification"], live,
        "both copies carry the one answer"
    );

    for (cred, code) in [
        (&cast.invalid, "InvalidClientTokenId"),
        (&cast.mismatch, "SignatureDoesNotMatch"),
        (&cast.expired, "ExpiredToken"),
    ] {
        let v = verification(cred);
        assert_eq!(v["status"], "invalid", "{v}");
        assert_eq!(v["code"], code);
        assert!(v["reason"].as_str().unwrap().len() > 10);
    }
    for (cred, says) in [
        (&cast.throttled, "Throttling"),
        (&cast.too_many, "429"),
        (&cast.proxy_page, "not an STS answer"),
        (&cast.failing, "503"),
    ] {
        let v = verification(cred);
        assert_eq!(v["status"], "unknown", "{v}");
        assert!(v["reason"].as_str().unwrap().contains(says), "{v}");
    }
    let canary_finding = by_key_id(&json, &canary.key_id)[0];
    assert_eq!(canary_finding["canary"], "Thinkst Canarytokens");
    assert_eq!(canary_finding["verification"]["status"], "skipped");
    let example = &json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "example")
        .unwrap();
    assert!(example.get("verification").is_none(), "{example}");

    let stats = &json["stats"]["verification"];
    assert_eq!(stats["endpoint"], format!("{}/", stub.url()));
    assert_eq!(
        [
            &stats["live"],
            &stats["invalid"],
            &stats["unknown"],
            &stats["skipped"]
        ],
        [1, 3, 4, 1]
    );
    assert!(
        run.stderr
            .contains("verified: 1 live, 3 invalid, 4 unknown"),
        "{}",
        run.stderr
    );
    for cred in cast.all() {
        assert!(!run.stdout.contains(&cred.secret) && !run.stderr.contains(&cred.secret));
    }
    let token = cast.expired.token.as_deref().unwrap();
    assert!(!run.stdout.contains(token) && !run.stderr.contains(token));
}

#[test]
fn verification_shows_in_every_format_live_first() {
    let cast = std::sync::Arc::new(Cast::new());
    let stub = {
        let cast = cast.clone();
        Stub::start(move |request| cast.reply(request))
    };
    let (dir, _) = cast_tree(&cast);

    let human = run_verify(dir.path(), &stub, &["--color", "never"]);
    let first = human.stdout.split("\n\n").next().unwrap();
    assert!(
        first.contains(&cast.live.key_id)
            && first.contains(
                "verify  live: account 210987654321, arn arn:aws:iam::210987654321:user/ci-deploy"
            ),
        "the live key comes first:\n{}",
        human.stdout
    );
    assert!(human
        .stdout
        .contains("verify  invalid (InvalidClientTokenId): "));
    assert!(human
        .stdout
        .contains("verify  unknown: throttled by STS (Throttling)"));
    assert!(human
        .stdout
        .contains("verify  not verified: canary token (Thinkst Canarytokens)"));

    let jsonl = run_verify(dir.path(), &stub, &["--format", "jsonl"]);
    let lines: Vec<Value> = jsonl
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let line = lines
        .iter()
        .find(|l| l["key_id"] == cast.mismatch.key_id.as_str())
        .unwrap();
    assert_eq!(line["verification"]["code"], "SignatureDoesNotMatch");
    assert_eq!(lines.last().unwrap()["stats"]["verification"]["live"], 1);

    let sarif = run_verify(dir.path(), &stub, &["--format", "sarif"]);
    let log: Value = serde_json::from_str(&sarif.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results[0]["properties"]["verification"]["status"], "live");
    assert!(results[0]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("STS verification: live: account 210987654321"));
    assert!(results
        .iter()
        .any(|r| r["properties"]["verification"]["code"] == "ExpiredToken"));
    crate::sarif::validate(&[&log]);

    let gitlab = run_verify(dir.path(), &stub, &["--format", "gitlab"]);
    let report: Value = serde_json::from_str(&gitlab.stdout).unwrap();
    let described: Vec<&str> = report["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["description"].as_str().unwrap())
        .collect();
    assert!(described
        .iter()
        .any(|d| d.contains("STS verification: live, account `210987654321`")));
    assert!(described
        .iter()
        .any(|d| d.contains("STS verification: invalid (`SignatureDoesNotMatch`)")));
    crate::gitlab::validate(&[&report]);
}

#[test]
fn a_silent_endpoint_times_out_as_unknown_and_others_still_answer() {
    let silent = Cred::new("AKIA", 123_123_123_123, 21, false);
    let live = Cred::new("AKIA", 321_321_321_321, 22, false);
    let stub = {
        let (silent, live) = (silent.clone(), live.clone());
        Stub::start(move |request| {
            if key_id_of(request) == silent.key_id {
                Reply::Silence
            } else {
                sts_identity(&live)
            }
        })
    };
    let dir = temp_dir();
    write(dir.path(), "a/.env", silent.file());
    write(dir.path(), "b/.env", live.file());
    // No wall-clock bound: "within 1.0s" is the timeout's own reason. Had it not fired,
    // the stub would have closed the silent connection after 60 s: another reason.
    let run = run_verify(
        dir.path(),
        &stub,
        &["--verify-timeout", "1", "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let timed_out = &by_key_id(&json, &silent.key_id)[0]["verification"];
    assert_eq!(timed_out["status"], "unknown");
    assert!(
        timed_out["reason"]
            .as_str()
            .unwrap()
            .contains("within 1.0s"),
        "{timed_out}"
    );
    assert_eq!(
        by_key_id(&json, &live.key_id)[0]["verification"]["status"],
        "live"
    );
}

#[test]
fn a_canary_is_never_sent_even_with_verify() {
    let stub = Stub::start(|_| sts_error(403, "InvalidClientTokenId"));
    let (dir, _) = crate::canary::canary_tree();
    std::fs::remove_dir_all(dir.path().join("plain")).unwrap();
    let run = run_verify(dir.path(), &stub, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(stub.connections(), 0, "the stub STS heard from keyhound");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let finding = &json["findings"][0];
    assert_eq!(finding["canary"], "Thinkst Canarytokens");
    assert_eq!(finding["verification"]["status"], "skipped");
    assert!(
        run.stderr.contains("1 canary token not verified"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("verifying"), "{}", run.stderr);
}

/// Every proxy variable, pointing at `proxy`.
fn poisoned(cmd: &mut std::process::Command, proxy: &Stub) {
    let url = proxy.url();
    for name in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        cmd.env(name, &url);
    }
    cmd.env_remove("NO_PROXY").env_remove("no_proxy");
}

#[test]
fn no_mode_touches_the_network_without_verify() {
    let proxy = Stub::start(|_| Reply::Http {
        status: 403,
        content_type: "text/html",
        body: "<html>proxy</html>".into(),
    });
    let (repo, added) = Repo::with_removed_leak("deploy/.env");
    repo.write("staged/.env", credentials_file());
    repo.git(&["add", "staged/.env"]);
    let range = format!("{added}~1..{added}");
    let scan_dir = temp_dir();
    write(scan_dir.path(), ".env", credentials_file());
    let host = temp_dir();
    write(host.path(), "etc/environment", credentials_file());
    let mut runs: Vec<(&str, &Path, Vec<&str>)> = vec![
        ("scan", scan_dir.path(), vec!["scan", "."]),
        ("git history", repo.path(), vec!["git", "history"]),
        ("git range", repo.path(), vec!["git", "range", &range]),
        ("git staged", repo.path(), vec!["git", "staged"]),
        ("env", scan_dir.path(), vec!["env"]),
    ];
    if cfg!(feature = "audit") {
        runs.push(("audit", host.path(), vec!["audit", "--root", "."]));
    }
    let strace = crate::util::strace_works();
    if !strace {
        missing_prerequisite(
            "the strace check of every connect()",
            "`strace -f -e trace=connect true` does not run here (no strace, or ptrace refused)",
        );
    }
    let traces = temp_dir();
    for (mode, dir, args) in runs {
        let mut cmd = keyhound();
        cmd.args(&args)
            .env("AWS_ACCESS_KEY_ID", KEY_ID_2)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_2);
        poisoned(&mut cmd, &proxy);
        let run = run_in(dir, &mut cmd);
        assert_eq!(run.code, 1, "{mode} finds the key: {}", run.stderr);
        assert_eq!(proxy.connections(), 0, "{mode} made a connection");
        // The proxy only sees traffic that honours it; strace sees every socket.
        if strace {
            let trace = traces.path().join(mode.replace(' ', "-"));
            let mut traced = std::process::Command::new("strace");
            traced
                .args(["-f", "-qq", "-e", "trace=connect", "-o"])
                .arg(&trace)
                .arg(env!("CARGO_BIN_EXE_keyhound"))
                .args(&args)
                .env("AWS_ACCESS_KEY_ID", KEY_ID_2)
                .env("AWS_SECRET_ACCESS_KEY", SECRET_2);
            poisoned(&mut traced, &proxy);
            let run = run_in(dir, &mut traced);
            let calls = std::fs::read_to_string(&trace).unwrap_or_default();
            assert!(
                !calls.contains("AF_INET"),
                "{mode} opened a network connection:\n{calls}\n{}",
                run.stderr
            );
        }
    }

    // With --verify, the calls go to the endpoint asked for (loopback: never through a
    // proxy), and nowhere else.
    let sts = Stub::start(|_| sts_error(403, "InvalidClientTokenId"));
    let mut cmd = keyhound();
    cmd.args(["scan", "--verify", "--sts-endpoint", &sts.url(), "."]);
    poisoned(&mut cmd, &proxy);
    let run = run_in(scan_dir.path(), &mut cmd);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(sts.received().len(), 1, "{}", run.stderr);
    assert_eq!(key_id_of(&sts.received()[0]), KEY_ID);
    assert_eq!(proxy.connections(), 0);
}

#[test]
fn a_remote_endpoint_goes_through_the_proxy_the_environment_names() {
    let proxy = Stub::start(|_| Reply::Http {
        status: 403,
        content_type: "text/html",
        body: "<html><body>Forbidden by policy</body></html>".into(),
    });
    let dir = temp_dir();
    write(dir.path(), ".env", credentials_file());
    // `.invalid` never resolves: only the proxy can have carried these requests.
    for (endpoint, variable) in [
        ("https://sts.invalid", "HTTPS_PROXY"),
        ("http://sts.invalid:8080", "HTTP_PROXY"),
    ] {
        let before = proxy.received().len();
        let mut cmd = keyhound();
        cmd.args([
            "scan",
            "--format",
            "json",
            "--verify",
            "--verify-timeout",
            "3",
        ])
        .args(["--sts-endpoint", endpoint, "."])
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env_remove("https_proxy")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .env_remove("HTTPS_PROXY")
        .env_remove("HTTP_PROXY")
        .env(variable, proxy.url());
        let run = run_in(dir.path(), &mut cmd);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("through the proxy in {variable}")),
            "{}",
            run.stderr
        );
        let received = proxy.received();
        assert_eq!(received.len(), before + 1, "{endpoint}: {}", run.stderr);
        assert!(
            received[before].request_line.contains("sts.invalid"),
            "{}",
            received[before].request_line
        );
        let json: Value = serde_json::from_str(&run.stdout).unwrap();
        let verification = &json["findings"][0]["verification"];
        assert_eq!(
            verification["status"], "unknown",
            "{endpoint}: {verification}"
        );
        assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));
    }
}

#[test]
fn epoch_seconds_of_a_known_date() {
    assert_eq!(epoch_seconds("20150830T123600Z"), 1_440_938_160);
    assert_eq!(epoch_seconds("20240229T000000Z"), 1_709_164_800);
}

#[test]
fn verify_is_opt_in_and_never_in_the_hooks() {
    let dir = temp_dir();
    write(dir.path(), ".env", credentials_file());
    // The endpoint and timeout flags mean nothing without --verify: a usage error, not
    // a silent no-op.
    let run = scan(dir.path(), &["--sts-endpoint", "http://127.0.0.1:9", "."]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = run_in(dir.path(), keyhound().args(["baseline", "--verify", "."]));
    assert_eq!(run.code, 2, "{}", run.stderr);
    for file in [
        "hooks/pre-commit",
        "hooks/pre-push",
        ".pre-commit-hooks.yaml",
    ] {
        let text = std::fs::read_to_string(repo_root().join(file)).unwrap();
        assert!(!text.contains("--verify"), "{file} must not verify keys");
    }
}

#[test]
fn an_endpoint_that_never_answers_is_given_up_on() {
    // A port nothing listens on: every connection is refused at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = temp_dir();
    let creds: Vec<Cred> = (0..10)
        .map(|i| Cred::new("AKIA", 222_000_000_000 + i, 40 + i, false))
        .collect();
    for (i, cred) in creds.iter().enumerate() {
        write(dir.path(), &format!("k{i}/.env"), cred.file());
    }
    let endpoint = format!("http://127.0.0.1:{port}");
    let run = run_in(
        dir.path(),
        keyhound().args([
            "scan",
            "--format",
            "json",
            "--verify",
            "--sts-endpoint",
            &endpoint,
            ".",
        ]),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let reasons: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["verification"]["status"], "unknown");
            f["verification"]["reason"].as_str().unwrap()
        })
        .collect();
    assert_eq!(reasons.len(), 10);
    assert!(
        reasons
            .iter()
            .filter(|r| r.starts_with("not tried"))
            .count()
            >= 10 - 3 - 4,
        "after 3 failures in a row (4 in flight), the rest are not tried: {reasons:?}"
    );
}

#[cfg(feature = "audit")]
#[test]
fn audit_verifies_the_keys_it_finds_and_shows_it_in_every_format() {
    let live = Cred::new("AKIA", 555_555_555_555, 31, false);
    let stub = {
        let live = live.clone();
        Stub::start(move |_| sts_identity(&live))
    };
    let root = temp_dir();
    write(root.path(), "etc/environment", live.file());
    let audit = |format: &str| {
        run_in(
            root.path(),
            keyhound().args([
                "audit",
                "--root",
                ".",
                "--verify",
                "--sts-endpoint",
                &stub.url(),
                "--format",
                format,
            ]),
        )
    };
    let run = audit("json");
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let verification = &by_key_id(&json, &live.key_id)[0]["verification"];
    assert_eq!(verification["status"], "live", "{json}");
    assert_eq!(verification["account"], "555555555555");
    let markdown = audit("markdown").stdout;
    let row = markdown
        .lines()
        .find(|l| l.contains(&live.key_id))
        .unwrap_or_else(|| panic!("{markdown}"));
    assert!(row.contains("live: account 555555555555"), "{row}");
    assert!(markdown.contains("| Verified |"), "{markdown}");
    let human = audit("human").stdout;
    assert!(human.contains("live: account 555555555555"), "{human}");
    assert_eq!(stub.received().len(), 3);
}
