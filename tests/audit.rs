//! `keyhound audit`: CIS 1.18 on a fake host tree (`--root`), and the role step against a
//! stub instance metadata service on 127.0.0.1. No test sends a packet anywhere but the
//! loopback: every test that lets the audit ask IMDS passes `--imds-endpoint` pointing at
//! a stub, and the others show that nothing is sent.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::*;

/// A planted key: its key id, the file it is in (inside the root), and the step and
/// category the audit must name.
struct Planted {
    key_id: &'static str,
    path: &'static str,
    step: &'static str,
    category: &'static str,
}

const SCRIPTS: &str = "scripts-and-environment";
const APPS: &str = "applications";

/// Builds a fake host under `root` with one key in each kind of place; returns them.
fn fake_host(root: &Path) -> Vec<Planted> {
    let lone = |id: &str| format!("export AWS_ACCESS_KEY_ID={id}\n");
    clean_host(root);
    write(
        root,
        "var/lib/cloud/instances/i-0abc/user-data.txt",
        format!("#!/bin/bash\n{}", lone("AKIA2LG7CPVAJ6V2NU6W")),
    );
    write(
        root,
        "etc/systemd/system/myapp.service",
        "[Unit]\nDescription=My app\n[Service]\n\
         EnvironmentFile=/etc/myapp/secrets.env\n\
         EnvironmentFile=-/opt/app/.env\n\
         EnvironmentFile=-/etc/myapp/missing.env\n\
         Environment=AWS_ACCESS_KEY_ID=AKIA2OSFUI7JSRY6WDLS\n\
         ExecStart=/opt/app/run\n",
    );
    write(root, "etc/myapp/secrets.env", lone("AKIA37WIVLLCNCFODEY5"));
    write(root, "opt/app/.env", lone("AKIA3DYAA3DGXACJX2XZ"));
    write(
        root,
        "opt/app/config.py",
        "AWS_KEY = \"AKIA3KYISNNXG2NDW6R5\"\n",
    );
    write(
        root,
        "etc/cron.d/backup",
        "0 3 * * * root AWS_ACCESS_KEY_ID=AKIA3NVXOKXDGKDD6IZG aws s3 sync /data s3://b\n",
    );
    write(root, "etc/profile.d/aws.sh", lone("AKIA3SVQ7ACXTYT5DFVE"));
    write(root, "home/alice/.bashrc", lone("AKIA4BRIQ6LF4UPC7VHS"));
    write(root, "home/alice/.aws/credentials", credentials_file());
    write(
        root,
        "root/.aws/credentials",
        format!("[prod]\naws_access_key_id={KEY_ID_2}\naws_secret_access_key={SECRET_2}\n"),
    );
    write(
        root,
        "home/alice/projects/tool/settings.json",
        "{\"accessKeyId\": \"AKIA5IAOZZOM22NEVGHV\"}\n",
    );
    // A service account: its credentials file is read, its home is not walked whole.
    write(
        root,
        "var/lib/svc/.aws/credentials",
        lone("AKIA5QIC7YUJZLFS5C7Q"),
    );
    write(
        root,
        "var/lib/svc/data/notes.txt",
        lone("AKIA6G5RZFYNEY6W4HJN"),
    );
    vec![
        Planted {
            key_id: "AKIA2LG7CPVAJ6V2NU6W",
            path: "/var/lib/cloud/instances/i-0abc/user-data.txt",
            step: SCRIPTS,
            category: "cloud-init",
        },
        Planted {
            key_id: "AKIA2OSFUI7JSRY6WDLS",
            path: "/etc/systemd/system/myapp.service",
            step: SCRIPTS,
            category: "systemd-unit",
        },
        Planted {
            key_id: "AKIA37WIVLLCNCFODEY5",
            path: "/etc/myapp/secrets.env",
            step: SCRIPTS,
            category: "systemd-environment-file",
        },
        Planted {
            key_id: "AKIA3DYAA3DGXACJX2XZ",
            path: "/opt/app/.env",
            step: SCRIPTS,
            category: "systemd-environment-file",
        },
        Planted {
            key_id: "AKIA3KYISNNXG2NDW6R5",
            path: "/opt/app/config.py",
            step: APPS,
            category: "application",
        },
        Planted {
            key_id: "AKIA3NVXOKXDGKDD6IZG",
            path: "/etc/cron.d/backup",
            step: SCRIPTS,
            category: "cron",
        },
        Planted {
            key_id: "AKIA3SVQ7ACXTYT5DFVE",
            path: "/etc/profile.d/aws.sh",
            step: SCRIPTS,
            category: "shell-profile",
        },
        Planted {
            key_id: "AKIA4BRIQ6LF4UPC7VHS",
            path: "/home/alice/.bashrc",
            step: SCRIPTS,
            category: "shell-profile",
        },
        Planted {
            key_id: KEY_ID,
            path: "/home/alice/.aws/credentials",
            step: SCRIPTS,
            category: "credentials-file",
        },
        Planted {
            key_id: KEY_ID_2,
            path: "/root/.aws/credentials",
            step: SCRIPTS,
            category: "credentials-file",
        },
        Planted {
            key_id: "AKIA5IAOZZOM22NEVGHV",
            path: "/home/alice/projects/tool/settings.json",
            step: APPS,
            category: "application",
        },
        Planted {
            key_id: "AKIA5QIC7YUJZLFS5C7Q",
            path: "/var/lib/svc/.aws/credentials",
            step: SCRIPTS,
            category: "credentials-file",
        },
    ]
}

/// A host with the same layout and no key: users, a unit, cloud-init, cron, rc files,
/// an application with an AWS documentation example key.
fn clean_host(root: &Path) {
    write(
        root,
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\n\
         daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
         svc:x:120:120::/var/lib/svc:/bin/sh\n\
         alice:x:1000:1000:Alice:/home/alice:/bin/bash\n",
    );
    write(
        root,
        "var/lib/cloud/instances/i-0abc/user-data.txt",
        "#cloud-config\npackages: [nginx]\n",
    );
    std::os::unix::fs::symlink(
        "/var/lib/cloud/instances/i-0abc",
        root.join("var/lib/cloud/instance"),
    )
    .unwrap();
    write(
        root,
        "etc/systemd/system/web.service",
        "[Service]\nEnvironmentFile=-/etc/default/web\nExecStart=/usr/bin/web\n",
    );
    write(root, "etc/default/web", "PORT=8080\n");
    write(
        root,
        "etc/crontab",
        "17 * * * * root run-parts /etc/cron.hourly\n",
    );
    write(root, "etc/profile", "umask 022\n");
    write(root, "home/alice/.profile", "export PATH=$HOME/bin:$PATH\n");
    write(root, "root/.bashrc", "alias ll='ls -l'\n");
    write(
        root,
        "opt/app/README.md",
        "Configure with aws configure, e.g. AKIAIOSFODNN7EXAMPLE\n",
    );
}

/// Runs `keyhound audit <args…> --format json` and parses its report.
fn audit_json(args: &[&str], setup: impl FnOnce(&mut std::process::Command)) -> (Run, Value) {
    let dir = temp_dir();
    let mut cmd = keyhound();
    cmd.arg("audit").args(args).args(["--format", "json"]);
    setup(&mut cmd);
    let run = run_in(dir.path(), &mut cmd);
    let json = serde_json::from_str(&run.stdout).unwrap_or_else(|err| {
        panic!(
            "stdout is JSON ({err}):\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        )
    });
    (run, json)
}

fn step<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no step {id}"))
}

#[test]
fn audit_finds_every_planted_key_once_with_its_step_and_category() {
    let dir = temp_dir();
    let root = dir.path();
    let planted = fake_host(root);
    let (run, json) = audit_json(&["--root", root.to_str().unwrap()], |_| {});
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(json["result"], "fail");
    assert_eq!(json["complete"], true, "{}", json["incomplete"]);
    let findings = json["findings"].as_array().unwrap();
    for key in &planted {
        let matching: Vec<&Value> = findings
            .iter()
            .filter(|f| f["key_id"] == key.key_id)
            .collect();
        assert_eq!(matching.len(), 1, "{}: {matching:#?}", key.key_id);
        let finding = matching[0];
        assert_eq!(finding["path"], key.path, "{finding:#}");
        assert_eq!(finding["step"], key.step, "{finding:#}");
        assert_eq!(finding["category"], key.category, "{finding:#}");
    }
    assert_eq!(findings.len(), planted.len() + 1, "one example key more");
    let example = findings.iter().find(|f| f["kind"] == "example").unwrap();
    assert_eq!(example["path"], "/opt/app/README.md");
    // A service account's home is not walked whole.
    assert!(!run.stdout.contains("AKIA6G5RZFYNEY6W4HJN"));
    // The EnvironmentFile= target says which unit named it; the cloud-init key names the
    // link it was reached through.
    let env_file = findings
        .iter()
        .find(|f| f["path"] == "/etc/myapp/secrets.env")
        .unwrap();
    assert_eq!(
        env_file["origin"],
        "EnvironmentFile= of /etc/systemd/system/myapp.service, line 4"
    );
    let cloud = findings
        .iter()
        .find(|f| f["category"] == "cloud-init")
        .unwrap();
    assert_eq!(cloud["place"], "/var/lib/cloud/instance");
    assert_eq!(step(&json, SCRIPTS)["result"], "fail");
    assert_eq!(step(&json, SCRIPTS)["findings"], 10);
    assert_eq!(step(&json, APPS)["result"], "fail");
    assert_eq!(step(&json, APPS)["findings"], 3);
    assert_eq!(step(&json, "role")["result"], "not-checked");
    assert_eq!(json["role"]["status"], "not-checked");
    assert_eq!(json["processes"]["checked"], false);
    // Secrets are redacted; an optional EnvironmentFile= that is absent is no problem.
    assert!(!run.stdout.contains(SECRET) && !run.stdout.contains(SECRET_2));
    assert!(!run.stderr.contains(SECRET));
    let places = json["places"].as_array().unwrap();
    let missing = places
        .iter()
        .find(|p| p["path"] == "/etc/myapp/missing.env")
        .unwrap();
    assert_eq!(missing["status"], "absent");
    assert_eq!(missing["category"], "systemd-environment-file");
    // The audited system's .keyhound.toml is not read.
    assert!(json["stats"].get("config").is_none());
}

#[test]
fn one_key_in_three_places_is_one_key_listed_once_with_its_places() {
    let dir = temp_dir();
    let root = dir.path();
    clean_host(root);
    let env = format!("AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET}\n");
    let export = format!("export AWS_ACCESS_KEY_ID={KEY_ID}\n");
    write(root, "etc/environment", &env);
    write(root, "etc/profile.d/aws.sh", &export);
    write(root, "root/deploy.sh", &export);

    let (run, json) = audit_json(&["--root", root.to_str().unwrap()], |_| {});
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    // /etc/environment and /etc/profile.d are scripts; /root is an application tree.
    let scripts = step(&json, SCRIPTS);
    assert_eq!(scripts["findings"], 2, "{scripts:#}");
    assert_eq!(scripts["keys"], 1, "{scripts:#}");
    // deploy.sh's key, and the documentation example in the clean host's README.
    assert_eq!(step(&json, APPS)["keys"], 2);

    let audit = ["audit", "--root", root.to_str().unwrap()];
    let run = run_in(root, keyhound().args(audit));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let out = &run.stdout;
    assert!(out.contains("FAIL: 1 long-lived AWS key found"), "{out}");
    assert_eq!(
        out.matches("places scanned: 1 long-lived key").count(),
        2,
        "{out}"
    );
    // Shown in full once per step, then its other place.
    assert_eq!(out.matches("    also    ").count(), 1, "{out}");
    assert!(!out.contains(SECRET), "{out}");
}

#[test]
fn audit_ignores_the_audited_systems_own_suppressions() {
    let dir = temp_dir();
    let root = dir.path();
    clean_host(root);
    write(root, "opt/app/key.txt", "AKIA2LG7CPVAJ6V2NU6W\n");
    write(root, "opt/app/.keyhoundignore", "key.txt\n");
    write(root, ".keyhound.toml", "[allowlist]\npaths = [\"**\"]\n");
    let (run, json) = audit_json(&["--root", root.to_str().unwrap()], |_| {});
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key_id"] == "AKIA2LG7CPVAJ6V2NU6W")
        .expect("the key .keyhoundignore and .keyhound.toml tried to hide");
    assert_eq!(found["path"], "/opt/app/key.txt");
}

#[test]
fn a_clean_host_passes() {
    let dir = temp_dir();
    clean_host(dir.path());
    let (run, json) = audit_json(&["--root", dir.path().to_str().unwrap()], |_| {});
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(json["result"], "pass");
    assert_eq!(json["complete"], true);
    for id in [SCRIPTS, APPS] {
        assert_eq!(step(&json, id)["result"], "pass", "{id}");
    }
    // The example key is reported, and does not fail the audit.
    assert_eq!(json["findings"].as_array().unwrap().len(), 1);
    assert_eq!(json["findings"][0]["example"], true);
    // The human report says so too.
    let human = run_in(
        dir.path(),
        keyhound()
            .args(["audit", "--root"])
            .arg(dir.path())
            .args(["--color", "never"]),
    );
    assert_eq!(human.code, 0, "{}", human.stderr);
    assert!(
        human.stdout.contains("PASS: no long-lived AWS key found"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("1. Instance role: NOT CHECKED"),
        "{}",
        human.stdout
    );
}

#[test]
fn symlinks_never_lead_out_of_the_root() {
    let dir = temp_dir();
    let root = dir.path().join("root");
    clean_host(&root);
    let outside = dir.path().join("outside");
    write(&outside, "credentials", credentials_file());
    write(&outside, "app/key.py", "KEY = 'AKIA2LG7CPVAJ6V2NU6W'\n");
    let link = |target: &Path, at: &str| {
        std::fs::create_dir_all(root.join(at).parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, root.join(at)).unwrap();
    };
    // An absolute link is resolved inside the root, a relative one stops at its top, and
    // a link inside a walked tree is not followed at all.
    link(&outside.join("credentials"), "home/alice/.aws/credentials");
    link(
        Path::new("../../../../../../../../../../../outside/credentials"),
        "root/.aws/credentials",
    );
    link(&outside.join("app"), "opt/linked-app");
    let (run, json) = audit_json(&["--root", root.to_str().unwrap()], |_| {});
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains(KEY_ID), "{}", run.stdout);
    assert!(!run.stdout.contains("AKIA2LG7CPVAJ6V2NU6W"));
    let places = json["places"].as_array().unwrap();
    let alice = places
        .iter()
        .find(|p| p["path"] == "/home/alice/.aws/credentials")
        .unwrap();
    assert_eq!(alice["status"], "absent");
    assert_eq!(
        alice["resolved"],
        format!("{}", outside.join("credentials").display())
    );
    let rooted = places
        .iter()
        .find(|p| p["path"] == "/root/.aws/credentials")
        .unwrap();
    assert_eq!(rooted["status"], "absent");
    assert_eq!(rooted["resolved"], "/outside/credentials");
    assert!(json["stats"]["symlinks_skipped"].as_u64().unwrap() >= 1);
}

#[test]
#[cfg(target_os = "linux")]
fn an_unreadable_file_is_named_and_counted() {
    let dir = temp_dir();
    let root = dir.path();
    clean_host(root);
    let secret = write(root, "opt/app/secret.env", "PASSWORD=x\n");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads anything: run the audit as nobody, which can read the rest of the tree.
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    let mut cmd = if is_root {
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut cmd = std::process::Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_keyhound"));
        cmd
    } else {
        keyhound()
    };
    cmd.args(["audit", "--format", "json", "--root"]).arg(root);
    let run = run_in(Path::new("/"), &mut cmd);
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("secret.env: cannot read"),
        "{}",
        run.stderr
    );
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["result"], "incomplete");
    assert_eq!(json["complete"], false);
    let unreadable = json["stats"]["unreadable"].as_array().unwrap();
    assert_eq!(unreadable.len(), 1, "{unreadable:?}");
    assert_eq!(unreadable[0]["path"], "/opt/app/secret.env");
    assert_eq!(step(&json, APPS)["result"], "incomplete");
    assert!(run.stderr.contains("1 unreadable"), "{}", run.stderr);
}

#[test]
fn markdown_report_has_the_verdict_steps_and_findings() {
    let dir = temp_dir();
    let root = dir.path();
    fake_host(root);
    let run = run_in(
        root,
        keyhound()
            .args(["audit", "--format", "markdown", "--root"])
            .arg(root),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let md = &run.stdout;
    let lines: Vec<&str> = md.lines().collect();
    assert!(lines[0].starts_with("# CIS AWS Foundations Benchmark 1.18 audit of "));
    assert!(
        lines.contains(&"**Result: FAIL: 12 long-lived AWS keys found**"),
        "{md}"
    );
    // The steps table: a header, a separator and one row per step, four cells each.
    let start = lines
        .iter()
        .position(|l| *l == "| # | Step | Result | Evidence |")
        .unwrap();
    let rows: Vec<Vec<&str>> = lines[start + 2..start + 5]
        .iter()
        .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
        .collect();
    assert_eq!(rows[0][..3], ["1", "Instance role", "**NOT CHECKED**"]);
    assert_eq!(
        rows[1][..3],
        ["2", "Scripts and environment variables", "**FAIL**"]
    );
    assert_eq!(
        rows[2][..3],
        ["3", "Application source and configuration", "**FAIL**"]
    );
    // Each finding is a row of its step's table, with its category and a redacted secret.
    let row = lines
        .iter()
        .find(|l| l.starts_with("| `/home/alice/.aws/credentials:2`"))
        .unwrap_or_else(|| panic!("{md}"));
    let cells: Vec<&str> = row.trim_matches('|').split(" | ").map(str::trim).collect();
    assert_eq!(cells.len(), 7, "{row}");
    assert_eq!(cells[1], "credentials-file");
    assert_eq!(cells[3], "credential");
    assert_eq!(cells[4], KEY_ID);
    assert!(
        cells[5].starts_with(&SECRET[..4]) && !md.contains(SECRET),
        "{row}"
    );
    assert!(md.contains("## Scripts and environment variables"));
    assert!(md.contains("## Application source and configuration"));
    assert!(md.contains("## What to do"));
}

/// A request the stub received.
#[derive(Clone, Debug)]
struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A stub HTTP server on 127.0.0.1: records every connection and request, and answers
/// with what `answer` returns (`None`: hold the connection and never answer). It stops
/// when dropped, or after 30 seconds.
struct Stub {
    address: SocketAddr,
    connections: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Stub {
    fn start(answer: impl Fn(&Request) -> Option<String> + Send + 'static) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let address = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (connections, requests, stop) =
                (connections.clone(), requests.clone(), stop.clone());
            std::thread::spawn(move || {
                let started = Instant::now();
                let mut held: Vec<TcpStream> = Vec::new();
                while !stop.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(30) {
                    let Ok((mut stream, _)) = listener.accept() else {
                        std::thread::sleep(Duration::from_millis(5));
                        continue;
                    };
                    connections.fetch_add(1, Ordering::SeqCst);
                    stream.set_nonblocking(false).unwrap();
                    let Some(request) = read_request(&mut stream) else {
                        continue;
                    };
                    requests.lock().unwrap().push(request.clone());
                    match answer(&request) {
                        Some(response) => {
                            let _ = stream.write_all(response.as_bytes());
                        }
                        None => held.push(stream),
                    }
                }
            })
        };
        Stub {
            address,
            connections,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    /// A stub that answers nothing useful: it only records who connects.
    fn recorder() -> Stub {
        Stub::start(|_| Some(response("502 Bad Gateway", "recorder")))
    }

    fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn read_request(stream: &mut TcpStream) -> Option<Request> {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 1024];
    while !bytes.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).ok().filter(|&n| n > 0)?;
        bytes.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_string(), first.next()?.to_string());
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(Request {
        method,
        path,
        headers,
    })
}

fn response(status: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn chunked(status: &str, body: &str) -> String {
    let (a, b) = body.split_at(body.len() / 2);
    format!(
        "HTTP/1.1 {status}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
        a.len(),
        b.len()
    )
}

const TOKEN_PATH: &str = "/latest/api/token";
const ROLES_PATH: &str = "/latest/meta-data/iam/security-credentials/";

/// An IMDSv2 stub: a token for PUTs, `roles` (or 404) for GETs carrying that token, 401
/// for tokenless GETs.
fn imds_v2(roles: Option<&'static str>) -> Stub {
    Stub::start(move |request| {
        Some(match (request.method.as_str(), request.path.as_str()) {
            ("PUT", TOKEN_PATH) => response("200 OK", "TOKEN-abc123"),
            ("GET", ROLES_PATH)
                if request.header("X-aws-ec2-metadata-token") == Some("TOKEN-abc123") =>
            {
                match roles {
                    Some(roles) => chunked("200 OK", roles),
                    None => response("404 Not Found", "Not Found"),
                }
            }
            ("GET", _) => response("401 Unauthorized", ""),
            _ => response("405 Method Not Allowed", ""),
        })
    })
}

/// `audit --root <clean tree> --imds --imds-endpoint <stub>` with poisoned proxy
/// variables pointing at `proxy`.
fn audit_with_imds(stub: &Stub, proxy: &Stub, extra: &[&str]) -> (Run, Value) {
    let dir = temp_dir();
    clean_host(dir.path());
    let root = dir.path().to_str().unwrap().to_string();
    let mut args = vec!["--root", &root, "--imds", "--imds-endpoint"];
    let url = stub.url();
    args.push(&url);
    args.extend_from_slice(extra);
    let proxy_url = proxy.url();
    audit_json(&args, |cmd| {
        for name in [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
        ] {
            cmd.env(name, &proxy_url);
        }
        cmd.env_remove("NO_PROXY").env_remove("no_proxy");
    })
}

#[test]
fn imds_v2_names_the_attached_role_and_never_fetches_its_credentials() {
    let stub = imds_v2(Some("web-server-role\n"));
    let proxy = Stub::recorder();
    let (run, json) = audit_with_imds(&stub, &proxy, &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(json["role"]["status"], "attached");
    assert_eq!(
        json["role"]["roles"],
        serde_json::json!(["web-server-role"])
    );
    assert_eq!(json["role"]["imds"], "v2");
    assert_eq!(json["role"]["reason"], "--imds was given");
    assert_eq!(step(&json, "role")["result"], "attached");
    let requests = stub.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str()),
        ("PUT", TOKEN_PATH)
    );
    assert!(requests[0]
        .header("X-aws-ec2-metadata-token-ttl-seconds")
        .is_some_and(|ttl| ttl.parse::<u32>().is_ok()));
    assert_eq!(
        (requests[1].method.as_str(), requests[1].path.as_str()),
        ("GET", ROLES_PATH)
    );
    assert!(requests.iter().all(|r| !r.path.contains("web-server-role")));
    assert_eq!(proxy.connections(), 0, "IMDS must never go through a proxy");
}

#[test]
fn imds_without_a_role_says_so() {
    let stub = imds_v2(None);
    let proxy = Stub::recorder();
    let (run, json) = audit_with_imds(&stub, &proxy, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(json["role"]["status"], "no-role");
    assert_eq!(json["role"]["roles"], serde_json::json!([]));
    assert!(json["role"]["summary"]
        .as_str()
        .unwrap()
        .contains("no IAM role attached"));
    assert_eq!(proxy.connections(), 0);
}

#[test]
fn imds_v1_only_is_reported_as_a_risk() {
    let stub = Stub::start(|request| {
        Some(match (request.method.as_str(), request.path.as_str()) {
            ("PUT", _) => response("403 Forbidden", ""),
            ("GET", ROLES_PATH) if request.header("X-aws-ec2-metadata-token").is_none() => {
                response("200 OK", "legacy-role")
            }
            _ => response("404 Not Found", ""),
        })
    });
    let proxy = Stub::recorder();
    let (run, json) = audit_with_imds(&stub, &proxy, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(json["role"]["status"], "attached");
    assert_eq!(json["role"]["roles"], serde_json::json!(["legacy-role"]));
    assert_eq!(json["role"]["imds"], "v1-only");
    assert!(json["role"]["summary"]
        .as_str()
        .unwrap()
        .contains("IMDSv1 only"));
    let methods: Vec<String> = stub.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["PUT", "GET"]);
    assert_eq!(proxy.connections(), 0);
}

#[test]
fn an_unanswering_imds_times_out_and_leaves_the_audit_incomplete() {
    let stub = Stub::start(|_| None);
    let proxy = Stub::recorder();
    // No wall-clock bound: "no answer in time" is the timeout's own error. Had it not
    // fired, the stub would have closed the held connections after 30 s: another error.
    let (run, json) = audit_with_imds(&stub, &proxy, &["--imds-timeout", "300ms"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(json["role"]["status"], "incomplete");
    assert!(json["role"]["error"]
        .as_str()
        .unwrap()
        .contains("no answer in time"));
    assert_eq!(json["result"], "incomplete");
    assert_eq!(json["complete"], false);
    // The token PUT, then a tokenless GET, each given up on.
    assert_eq!(stub.connections(), 2);
    assert_eq!(proxy.connections(), 0);
}

#[test]
fn an_image_off_ec2_sends_no_packet() {
    let dir = temp_dir();
    let root = dir.path();
    fake_host(root);
    // Even an image whose DMI files say EC2: they describe where it was made, not this
    // machine.
    write(root, "sys/class/dmi/id/sys_vendor", "Amazon EC2\n");
    write(
        root,
        "sys/hypervisor/uuid",
        "ec2e1916-9099-7caf-fd21-012345678901\n",
    );
    let proxy = Stub::recorder();
    let endpoint = Stub::recorder();
    let flagged = Stub::recorder();
    let (run, json) = audit_json(
        &[
            "--root",
            root.to_str().unwrap(),
            "--imds-endpoint",
            &flagged.url(),
        ],
        |cmd| {
            for name in [
                "HTTP_PROXY",
                "http_proxy",
                "HTTPS_PROXY",
                "https_proxy",
                "ALL_PROXY",
                "all_proxy",
            ] {
                cmd.env(name, proxy.url());
            }
            cmd.env("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint.url());
        },
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(json["role"]["status"], "not-checked");
    assert!(json["role"]["reason"]
        .as_str()
        .unwrap()
        .contains("mounted file system"));
    // Give a stray connection time to arrive before counting.
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(proxy.connections(), 0);
    assert_eq!(endpoint.connections(), 0);
    assert_eq!(flagged.connections(), 0);
}

/// A vendored key: its key id, the file it is in (inside the root), and the package the
/// audit must name.
struct Vendored {
    key_id: String,
    path: &'static str,
    manager: &'static str,
    name: &'static str,
    version: &'static str,
}

/// A host with packages installed the ways a developer host has them, each holding a
/// real-shaped key in a test fixture or data file (and botocore an AWS documentation
/// example too), and accounts whose homes are system paths. The application's own key
/// is left to the caller.
fn host_with_packages(root: &Path) -> Vec<Vendored> {
    clean_host(root);
    let id = |salt| key_id_for_account("AKIA", 210_987_654_321, salt);
    write(
        root,
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\n\
         daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
         bin:x:2:2:bin:/bin:/usr/sbin/nologin\n\
         sys:x:3:3:sys:/dev:/usr/sbin/nologin\n\
         sync:x:4:65534:sync:/bin:/bin/sync\n\
         sshd:x:110:65534::/run/sshd:/usr/sbin/nologin\n\
         svc:x:120:120::/var/lib/svc:/bin/sh\n\
         alice:x:1000:1000:Alice:/home/alice:/bin/bash\n\
         nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
    );
    // A merged /usr, as on every current distribution: /bin and /lib lead into /usr.
    std::fs::create_dir_all(root.join("usr/bin")).unwrap();
    std::os::unix::fs::symlink("usr/bin", root.join("bin")).unwrap();
    std::os::unix::fs::symlink("usr/lib", root.join("lib")).unwrap();
    write(root, "usr/bin/.profile", "# not a home\n");

    // botocore in a virtual environment, its RECORD listing the data file.
    let site = "opt/app/venv/lib/python3.11/site-packages";
    let botocore_file = "botocore/data/sts/2011-06-15/examples-1.json";
    write(
        root,
        &format!("{site}/{botocore_file}"),
        format!(
            "{{\"AccessKeyId\": \"{}\"}}\n{{\"Example\": \"AKIAIOSFODNN7EXAMPLE\"}}\n",
            id(1)
        ),
    );
    write(
        root,
        &format!("{site}/botocore-1.34.0.dist-info/METADATA"),
        "Metadata-Version: 2.1\nName: botocore\nVersion: 1.34.0\n\nLow-level interface.\n",
    );
    write(
        root,
        &format!("{site}/botocore-1.34.0.dist-info/RECORD"),
        format!(
            "botocore/__init__.py,sha256=abc,100\n{botocore_file},sha256=def,200\n\
             botocore-1.34.0.dist-info/RECORD,,\n"
        ),
    );
    // An npm package in a web application's node_modules.
    write(
        root,
        "srv/web/node_modules/@aws-sdk/client-sts/package.json",
        "{\"name\": \"@aws-sdk/client-sts\", \"version\": \"3.500.0\"}\n",
    );
    write(
        root,
        "srv/web/node_modules/@aws-sdk/client-sts/dist-cjs/test/fixture.js",
        format!("const accessKeyId = \"{}\";\n", id(2)),
    );
    // A crate in root's cargo registry, with a key pair in its tests.
    write(
        root,
        "root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/aws-sigv4-1.2.3/src/tests.rs",
        format!(
            "let access_key_id = \"{}\";\nlet secret_access_key = \"{SECRET_2}\";\n",
            id(3)
        ),
    );
    // A Debian package's unit (listed under /lib, found under /usr/lib) and its
    // defaults under /usr/share, which the unit names.
    write(
        root,
        "usr/lib/systemd/system/vendor-tool.service",
        "[Service]\nEnvironmentFile=/usr/share/vendor-tool/defaults.env\nExecStart=/usr/bin/vt\n",
    );
    write(
        root,
        "usr/share/vendor-tool/defaults.env",
        format!("# example\nAWS_ACCESS_KEY_ID={}\n", id(4)),
    );
    write(
        root,
        "var/lib/dpkg/info/vendor-tool.list",
        "/.\n/lib\n/lib/systemd\n/lib/systemd/system\n/lib/systemd/system/vendor-tool.service\n\
         /usr\n/usr/share\n/usr/share/vendor-tool\n/usr/share/vendor-tool/defaults.env\n",
    );
    write(
        root,
        "var/lib/dpkg/info/other:amd64.list",
        "/usr/bin/other\n",
    );
    write(
        root,
        "var/lib/dpkg/status",
        "Package: other\nStatus: install ok installed\nVersion: 9\n\n\
         Package: vendor-tool\nStatus: install ok installed\nVersion: 2.1-1\n\
         Description: a tool\n",
    );
    vec![
        Vendored {
            key_id: id(1),
            path: "/opt/app/venv/lib/python3.11/site-packages/botocore/data/sts/2011-06-15/examples-1.json",
            manager: "python",
            name: "botocore",
            version: "1.34.0",
        },
        Vendored {
            key_id: id(2),
            path: "/srv/web/node_modules/@aws-sdk/client-sts/dist-cjs/test/fixture.js",
            manager: "npm",
            name: "@aws-sdk/client-sts",
            version: "3.500.0",
        },
        Vendored {
            key_id: id(3),
            path: "/root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/aws-sigv4-1.2.3/src/tests.rs",
            manager: "cargo",
            name: "aws-sigv4",
            version: "1.2.3",
        },
        Vendored {
            key_id: id(4),
            path: "/usr/share/vendor-tool/defaults.env",
            manager: "dpkg",
            name: "vendor-tool",
            version: "2.1-1",
        },
    ]
}

#[test]
fn keys_in_third_party_packages_are_listed_apart_and_fail_only_with_strict() {
    let dir = temp_dir();
    let root = dir.path();
    let vendored = host_with_packages(root);
    let app_key = key_id_for_account("AKIA", 123_456_789_012, 7);
    write(
        root,
        "opt/app/config.yml",
        format!("aws:\n  access_key_id: {app_key}\n  region: eu-west-1\n"),
    );
    let root_arg = root.to_str().unwrap();

    let (run, json) = audit_json(&["--root", root_arg], |_| {});
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(json["result"], "fail");
    assert_eq!(json["complete"], true, "{}", json["incomplete"]);
    assert_eq!(
        json["summary"],
        "FAIL: 1 long-lived AWS key found; 4 keys in third-party packages not counted"
    );
    // The application's key is the only failing finding; the README's example stays.
    let findings = json["findings"].as_array().unwrap();
    let keys: Vec<&str> = findings
        .iter()
        .map(|f| f["key_id"].as_str().unwrap())
        .collect();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(keys.contains(&app_key.as_str()), "{keys:?}");
    assert!(keys.contains(&"AKIAIOSFODNN7EXAMPLE"), "{keys:?}");
    let app = findings.iter().find(|f| f["key_id"] == app_key).unwrap();
    assert_eq!(app["path"], "/opt/app/config.yml");
    assert_eq!(app["category"], "application");
    assert_eq!(step(&json, APPS)["keys"], 2);
    assert_eq!(step(&json, SCRIPTS)["result"], "pass");

    // Each vendored key is under third-party packages, with its package and version.
    let third = &json["third_party"];
    assert_eq!(third["strict"], false);
    assert_eq!(third["result"], "not-counted");
    assert_eq!(third["keys"], 4);
    let listed = third["findings"].as_array().unwrap();
    for key in &vendored {
        let found: Vec<&Value> = listed
            .iter()
            .filter(|f| f["key_id"] == key.key_id)
            .collect();
        assert_eq!(found.len(), 1, "{}: {listed:#?}", key.path);
        let found = found[0];
        assert_eq!(found["path"], key.path, "{found:#}");
        assert_eq!(found["package"]["manager"], key.manager, "{found:#}");
        assert_eq!(found["package"]["name"], key.name, "{found:#}");
        assert_eq!(found["package"]["version"], key.version, "{found:#}");
    }
    // botocore's documentation example is listed with it, as an example.
    let example = listed
        .iter()
        .find(|f| f["key_id"] == "AKIAIOSFODNN7EXAMPLE")
        .expect("the example in botocore");
    assert_eq!(example["package"]["name"], "botocore");
    assert_eq!(example["example"], true);
    assert_eq!(listed.len(), 5, "{listed:#?}");
    // The dpkg unit is reached as /usr/lib/…, listed as /lib/…: its package is known
    // even though the unit itself holds no key.
    let unit_file = listed
        .iter()
        .find(|f| f["path"] == "/usr/share/vendor-tool/defaults.env")
        .unwrap();
    assert_eq!(unit_file["category"], "systemd-environment-file");
    assert_eq!(
        unit_file["package"]["location"],
        "/var/lib/dpkg/info/vendor-tool.list"
    );

    // The system accounts' homes are one note, and no place under them is listed.
    let notes: Vec<&str> = json["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    let system: Vec<&&str> = notes
        .iter()
        .filter(|n| n.contains("system path as home"))
        .collect();
    assert_eq!(
        system,
        [
            &"6 accounts with a system path as home were not looked in: daemon, bin, sys, \
           sync, sshd, nobody (/bin, /dev, /nonexistent, /run/sshd, /usr/sbin)"
        ],
        "{notes:#?}"
    );
    for place in json["places"].as_array().unwrap() {
        let path = place["path"].as_str().unwrap();
        for home in [
            "/bin/",
            "/dev/",
            "/usr/sbin/",
            "/nonexistent/",
            "/run/sshd/",
        ] {
            assert!(!path.starts_with(home), "{place:#}");
        }
    }

    // The human report: the verdict, a part of its own naming each package, one line
    // for the system accounts.
    let human = run_in(
        root,
        keyhound()
            .args(["audit", "--color", "never", "--root"])
            .arg(root),
    );
    assert_eq!(human.code, 1, "{}", human.stderr);
    let out = &human.stdout;
    assert!(out.contains("FAIL: 1 long-lived AWS key found"), "{out}");
    assert!(out.contains("Third-party packages: NOT COUNTED"), "{out}");
    for package in [
        "botocore 1.34.0 (Python package in /opt/app/venv/lib/python3.11/site-packages)",
        "@aws-sdk/client-sts 3.500.0 (npm package in /srv/web/node_modules/@aws-sdk/client-sts)",
        "aws-sigv4 1.2.3 (cargo registry crate in /root/.cargo/registry/src/",
        "vendor-tool 2.1-1 (Debian package listed in /var/lib/dpkg/info/vendor-tool.list)",
    ] {
        assert_eq!(out.matches(package).count(), 1, "{package}\n{out}");
    }
    // botocore's example is counted under it, not listed.
    assert!(
        out.contains("    and 1 AWS documentation example (--format json lists them)"),
        "{out}"
    );
    assert!(!out.contains("INFO example AKIAIOSFODNN7EXAMPLE"), "{out}");
    assert_eq!(out.matches("system path as home").count(), 1, "{out}");
    assert!(!out.contains("/dev/.") && !out.contains("/bin/."), "{out}");
    assert!(!out.contains(SECRET_2), "{out}");
    let markdown = run_in(
        root,
        keyhound()
            .args(["audit", "--format", "markdown", "--root"])
            .arg(root),
    );
    assert_eq!(markdown.code, 1, "{}", markdown.stderr);
    assert!(
        markdown.stdout.contains("## Third-party packages"),
        "{}",
        markdown.stdout
    );
    assert!(
        markdown
            .stdout
            .contains("| botocore | 1.34.0 | Python package |"),
        "{}",
        markdown.stdout
    );

    // --strict counts them: five keys fail.
    let (run, json) = audit_json(&["--root", root_arg, "--strict"], |_| {});
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(json["summary"], "FAIL: 5 long-lived AWS keys found");
    assert_eq!(json["third_party"]["strict"], true);
    assert_eq!(json["third_party"]["result"], "fail");

    // Without the application's key the host passes, and fails only with --strict.
    std::fs::remove_file(root.join("opt/app/config.yml")).unwrap();
    let (run, json) = audit_json(&["--root", root_arg], |_| {});
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        json["summary"],
        "PASS: no long-lived AWS key found; 4 keys in third-party packages not counted"
    );
    let (run, json) = audit_json(&["--root", root_arg, "--strict"], |_| {});
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(json["summary"], "FAIL: 4 long-lived AWS keys found");
}

#[test]
fn a_file_a_package_does_not_list_is_the_organisations() {
    let dir = temp_dir();
    let root = dir.path();
    host_with_packages(root);
    let key = key_id_for_account("AKIA", 123_456_789_012, 8);
    let lone = format!("AWS_ACCESS_KEY_ID={key}\n");
    // Beside a dpkg package's files, but not in its list; a conffile the package ships
    // and the administrator edited; an application next to an installed package.
    write(root, "usr/share/vendor-tool/local.env", &lone);
    write(root, "etc/default/vendor-tool", &lone);
    write(root, "srv/app/.env", &lone);
    write(
        root,
        "var/lib/dpkg/info/vendor-tool.list",
        "/lib/systemd/system/vendor-tool.service\n/usr/share/vendor-tool/defaults.env\n\
         /etc/default/vendor-tool\n",
    );
    write(
        root,
        "var/lib/dpkg/status",
        "Package: vendor-tool\nStatus: install ok installed\nVersion: 2.1-1\n\
         Conffiles:\n /etc/default/vendor-tool 0123456789abcdef0123456789abcdef\n",
    );
    write(
        root,
        "usr/lib/systemd/system/vendor-tool.service",
        "[Service]\nEnvironmentFile=/usr/share/vendor-tool/defaults.env\n\
         EnvironmentFile=/usr/share/vendor-tool/local.env\nExecStart=/usr/bin/vt\n",
    );
    let (run, json) = audit_json(&["--root", root.to_str().unwrap()], |_| {});
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let mut paths: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["key_id"] == key)
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/etc/default/vendor-tool",
            "/srv/app/.env",
            "/usr/share/vendor-tool/local.env"
        ]
    );
    assert_eq!(json["third_party"]["keys"], 4);
}

/// An rpm-based host: the rpm database `db` (`rpmdb.sqlite` made by SQLite itself, or
/// `Packages` made by Berkeley DB's db_load, in crates/audit/testdata) in `db_dir` owns a
/// unit's environment file, which holds a vendor's key, and a `%config` file the
/// administrator edited, which holds the organisation's.
fn rpm_host(root: &Path, db_dir: &str, db: &str) -> (String, String) {
    clean_host(root);
    let vendor = key_id_for_account("AKIA", 210_987_654_321, 21);
    let own = key_id_for_account("AKIA", 123_456_789_012, 22);
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/audit/testdata");
    let bytes = std::fs::read(testdata.join(db)).unwrap();
    std::fs::create_dir_all(root.join(db_dir)).unwrap();
    std::fs::write(root.join(db_dir).join(db), bytes).unwrap();
    write(
        root,
        "usr/lib/systemd/system/vendor-cli.service",
        "[Service]\nEnvironmentFile=/usr/share/vendor-cli/defaults.env\n\
         EnvironmentFile=/etc/vendor-cli/vendor-cli.conf\nExecStart=/usr/bin/vendor-cli\n",
    );
    write(
        root,
        "usr/share/vendor-cli/defaults.env",
        format!("# the vendor's test key\nAWS_ACCESS_KEY_ID={vendor}\n"),
    );
    write(
        root,
        "etc/vendor-cli/vendor-cli.conf",
        format!("AWS_ACCESS_KEY_ID={own}\n"),
    );
    (vendor, own)
}

#[test]
fn files_of_rpm_packages_are_third_party_and_their_config_files_are_not() {
    // rpm 4.16 and later (SQLite), in both places; older rpm (Berkeley DB: Amazon Linux
    // 2, RHEL 7 and 8).
    for (db_dir, db) in [
        ("var/lib/rpm", "rpmdb.sqlite"),
        ("usr/lib/sysimage/rpm", "rpmdb.sqlite"),
        ("var/lib/rpm", "Packages"),
    ] {
        let dir = temp_dir();
        let root = dir.path();
        let (vendor, own) = rpm_host(root, db_dir, db);
        let (run, json) = audit_json(&["--root", root.to_str().unwrap()], |_| {});
        assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
        assert_eq!(
            json["summary"],
            "FAIL: 1 long-lived AWS key found; 1 key in third-party packages not counted"
        );
        let failing: Vec<&Value> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["key_id"] != "AKIAIOSFODNN7EXAMPLE")
            .collect();
        assert_eq!(failing.len(), 1, "{failing:#?}");
        assert_eq!(failing[0]["key_id"], own.as_str());
        assert_eq!(failing[0]["path"], "/etc/vendor-cli/vendor-cli.conf");
        let listed = json["third_party"]["findings"].as_array().unwrap();
        assert_eq!(listed.len(), 1, "{listed:#?}");
        assert_eq!(listed[0]["key_id"], vendor.as_str());
        let package = &listed[0]["package"];
        assert_eq!(package["manager"], "rpm");
        assert_eq!(package["name"], "vendor-cli");
        assert_eq!(package["version"], "2:3.2.1-4.el9");
        assert_eq!(package["location"], format!("/{db_dir}/{db}"));
        assert!(json["notes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| !n.as_str().unwrap().contains("rpm")));
    }
}

#[test]
fn an_rpm_database_keyhound_cannot_read_is_said_and_its_files_fail() {
    let dir = temp_dir();
    let root = dir.path();
    let (vendor, _own) = rpm_host(root, "var/lib/rpm", "rpmdb.sqlite");
    // A SUSE host: ndb, not SQLite.
    std::fs::remove_file(root.join("var/lib/rpm/rpmdb.sqlite")).unwrap();
    write(root, "var/lib/rpm/Packages.db", "RpmP\0\0\0\0");
    let (run, json) = audit_json(&["--root", root.to_str().unwrap()], |_| {});
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(json["summary"], "FAIL: 2 long-lived AWS keys found");
    assert!(json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["key_id"] == vendor.as_str()));
    let notes: Vec<&str> = json["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes.contains(
            &"the rpm database /var/lib/rpm/Packages.db is in the ndb format, which keyhound \
              does not read: files of rpm packages could not be told apart, and keys in them \
              count as the organisation's"
        ),
        "{notes:#?}"
    );
    // The human report says it too.
    let human = run_in(
        root,
        keyhound()
            .args(["audit", "--color", "never", "--root"])
            .arg(root),
    );
    assert!(
        human
            .stdout
            .contains("is in the ndb format, which keyhound does not read"),
        "{}",
        human.stdout
    );
}
