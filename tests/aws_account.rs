//! `keyhound aws audit` against moto's server (PyPI `moto[server]`), started on a free
//! port of 127.0.0.1 per test and seeded with boto3 by `tests/aws/seed.py`: instances with
//! and without roles, user data in every encoding cloud-init reads, a launch template, a
//! launch configuration, a Lambda function and an ECS task definition holding keys.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::util::{
    key_id_for_account, keyhound, missing_prerequisite, python_has, repo_root, run_in,
    schema_errors, temp_dir, Run,
};

/// The operator's credentials: moto accepts any until it enforces IAM. No output may
/// show them.
const OPERATOR_KEY_ID: &str = "AKIAVTQ3MNKGH5SLW2XC";
const OPERATOR_SECRET: &str = "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";

/// A moto server on 127.0.0.1, stopped when dropped.
struct Moto {
    child: Child,
    port: u16,
}

impl Moto {
    /// Starts one; `None` when moto is missing (said through `missing_prerequisite`).
    fn start(no_auth_actions: Option<u32>) -> Option<Moto> {
        if !python_has("moto.server", "moto[server]", "the AWS account audit tests") {
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut cmd = Command::new("python3");
        cmd.args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        if let Some(count) = no_auth_actions {
            cmd.env("INITIAL_NO_AUTH_ACTION_COUNT", count.to_string());
        }
        let child = cmd.spawn().expect("python3 runs");
        let moto = Moto { child, port };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "moto's server did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Seeds the account (`tests/aws/seed.py`) with `keys` and returns what it made.
    fn seed(&self, scenario: &str, keys: &Value) -> Value {
        let mut child = Command::new("python3")
            .arg(repo_root().join("tests/aws/seed.py"))
            .args([self.url().as_str(), scenario])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(keys.to_string().as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "seeding failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("seed.py prints JSON")
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fake key (id and secret) whose id decodes to `account`.
fn key(account: u64, salt: u64) -> (String, String) {
    let id = key_id_for_account("AKIA", account, salt);
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut state = salt
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let secret = (0..40)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            alphabet[(state >> 58) as usize] as char
        })
        .collect();
    (id, secret)
}

/// The places the dirty account holds a key, each with its own key and account.
const PLACES: [&str; 7] = [
    "plain",
    "gzip",
    "mime",
    "template",
    "configuration",
    "lambda",
    "ecs",
];

fn keys() -> Value {
    let mut keys = serde_json::Map::new();
    for (i, place) in PLACES.iter().enumerate() {
        let (id, secret) = key(210_987_654_300 + i as u64, 77 + i as u64);
        keys.insert(place.to_string(), json!([id, secret]));
    }
    Value::Object(keys)
}

/// `keyhound aws audit --endpoint-url … <args>`, as the operator, isolated from this
/// machine's AWS configuration (and from its instance metadata service).
fn audit_command(moto: &Moto, home: &Path, args: &[&str]) -> Command {
    let mut cmd = keyhound();
    cmd.args(["aws", "audit", "--endpoint-url", &moto.url()])
        .args(args)
        .env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", OPERATOR_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", OPERATOR_SECRET)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN");
    cmd
}

fn audit(moto: &Moto, args: &[&str]) -> Run {
    let home = temp_dir();
    run_in(home.path(), &mut audit_command(moto, home.path(), args))
}

/// No output shows a secret the account holds, or the operator's credentials.
fn assert_no_secrets(run: &Run, keys: &Value) {
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains(OPERATOR_SECRET), "{text}");
        assert!(!text.contains(OPERATOR_KEY_ID), "{text}");
        for place in PLACES {
            let secret = keys[place][1].as_str().unwrap();
            assert!(!text.contains(secret), "{place}'s secret is shown: {text}");
        }
    }
}

fn check_status(report: &Value, id: &str) -> String {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}"))["status"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn every_key_and_every_roleless_instance_is_reported_with_region_and_id() {
    let Some(moto) = Moto::start(None) else {
        return;
    };
    let keys = keys();
    let made = moto.seed("dirty", &keys);
    let run = audit(&moto, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_no_secrets(&run, &keys);
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["result"], "fail");
    assert_eq!(report["complete"], true, "{}", run.stderr);
    assert_eq!(report["account"], "123456789012");
    // Every enabled region, as DescribeRegions lists them.
    let regions = report["regions"].as_array().unwrap();
    assert!(regions.len() > 10 && regions.contains(&json!("eu-west-1")));
    for check in [
        "instance-roles",
        "launch-roles",
        "user-data",
        "lambda-environments",
        "ecs-environments",
    ] {
        assert_eq!(check_status(&report, check), "fail", "{check}");
    }

    // Roles: by instance id, with region and the reason.
    let role_of = |id: &str| -> (String, String) {
        let resource = report["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} is not in the report: {}", report["resources"]));
        (
            resource["region"].as_str().unwrap().to_string(),
            resource["role"]["status"].as_str().unwrap().to_string(),
        )
    };
    let id = |name: &str| made[name].as_str().unwrap().to_string();
    assert_eq!(
        role_of(&id("plain")),
        ("us-east-1".into(), "attached".into())
    );
    assert_eq!(
        role_of(&id("gzip")),
        ("us-east-1".into(), "no-profile".into())
    );
    assert_eq!(
        role_of(&id("mime")),
        ("us-east-1".into(), "profile-without-role".into())
    );
    assert_eq!(
        role_of(&id("west")),
        ("eu-west-1".into(), "no-profile".into())
    );
    let template = id("template");
    assert_eq!(
        role_of(&format!("{template} version 1")),
        ("us-east-1".into(), "no-profile".into())
    );
    assert_eq!(
        role_of(&format!("{template} version 2")),
        ("us-east-1".into(), "attached".into())
    );
    assert_eq!(
        role_of("legacy-workers"),
        ("us-east-1".into(), "no-profile".into())
    );
    // The fix for a running instance: associate a profile, no rebuild.
    let gzip = report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id("gzip").as_str())
        .unwrap();
    assert!(gzip["remediation"][0]
        .as_str()
        .unwrap()
        .starts_with(&format!(
            "aws ec2 associate-iam-instance-profile --region us-east-1 --instance-id {}",
            id("gzip")
        )));

    // Keys: each with its resource, region, place, and the account its id decodes to.
    let findings = report["findings"].as_array().unwrap();
    let expected = [
        ("plain", id("plain"), "userData"),
        ("gzip", id("gzip"), "userData"),
        (
            "mime",
            id("mime"),
            "userData part 2 (text/cloud-config, keys.cfg)",
        ),
        (
            "template",
            format!("{template} version 1"),
            "version 1 userData",
        ),
        ("configuration", "legacy-workers".to_string(), "userData"),
        ("lambda", "billing".to_string(), "environment"),
        (
            "ecs",
            "api:1".to_string(),
            "containerDefinitions/web/environment",
        ),
    ];
    for (i, (place, resource, part)) in expected.iter().enumerate() {
        let key_id = keys[place][0].as_str().unwrap();
        let finding = findings
            .iter()
            .find(|f| f["key_id"] == key_id)
            .unwrap_or_else(|| panic!("{place}'s key is not reported: {findings:#?}"));
        assert_eq!(finding["resource_id"], resource.as_str(), "{place}");
        assert_eq!(finding["region"], "us-east-1", "{place}");
        assert_eq!(finding["part"], *part, "{place}");
        assert_eq!(
            finding["kind"], "credential",
            "{place}: paired with its secret"
        );
        assert_eq!(
            finding["account_id"],
            format!("{:012}", 210_987_654_300u64 + i as u64),
            "{place}"
        );
        assert!(finding["resource"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:"));
    }
    let lambda = findings
        .iter()
        .find(|f| f["resource_id"] == "billing")
        .unwrap();
    assert_eq!(lambda["variable"], "AWS_ACCESS_KEY_ID");
    assert!(lambda["remediation"].as_array().unwrap().iter().any(|c| c
        .as_str()
        .unwrap()
        .starts_with("aws lambda update-function-configuration")));

    // The other formats say the same, and keep secrets out.
    for format in ["human", "markdown", "sarif"] {
        let run = audit(
            &moto,
            &[
                "--format",
                format,
                "--region",
                "us-east-1",
                "--region",
                "eu-west-1",
            ],
        );
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert_no_secrets(&run, &keys);
        for place in PLACES {
            let key_id = keys[place][0].as_str().unwrap();
            assert!(run.stdout.contains(key_id), "{format} misses {place}'s key");
        }
        for instance in ["gzip", "mime", "west"] {
            assert!(
                run.stdout.contains(&id(instance)),
                "{format} misses {instance}"
            );
        }
        if format == "sarif" {
            let log: Value = serde_json::from_str(&run.stdout).expect("SARIF is JSON");
            if let Some(errors) = schema_errors("fixtures/sarif/sarif-schema-2.1.0.json", &[&log]) {
                assert!(errors.is_empty(), "{errors}");
            }
            let results = log["runs"][0]["results"].as_array().unwrap();
            let uris: Vec<&str> = results
                .iter()
                .map(|r| {
                    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                        .as_str()
                        .unwrap()
                })
                .collect();
            assert!(uris.iter().all(|u| u.starts_with("arn:aws:")), "{uris:?}");
            assert!(results.iter().any(|r| r["ruleId"] == "aws-instance-roles"));
        }
    }
}

#[test]
fn a_clean_account_passes() {
    let Some(moto) = Moto::start(None) else {
        return;
    };
    moto.seed("clean", &json!({}));
    let run = audit(&moto, &["--region", "us-east-1"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Result: PASS"), "{}", run.stdout);
    assert!(
        run.stdout.contains("0 of 1 instance without an IAM role"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_documented_policy_suffices_and_a_denied_api_is_incomplete() {
    // moto checks IAM policies after the first 3 calls (the seeder's admin user).
    let Some(moto) = Moto::start(Some(3)) else {
        return;
    };
    let policy = keyhound().args(["aws", "policy"]).output().unwrap();
    assert!(policy.status.success());
    let policy = String::from_utf8(policy.stdout).unwrap();
    // The policy the docs give is the one the binary prints.
    let docs = std::fs::read_to_string(repo_root().join("docs/aws-audit.md")).unwrap();
    assert!(
        docs.contains(policy.trim_end()),
        "docs/aws-audit.md has another policy"
    );
    let without_ecs = policy.replace("        \"ecs:ListTaskDefinitions\",\n", "");
    assert_ne!(without_ecs, policy);
    let mut keys = keys();
    keys["policy"] = json!(policy);
    keys["partial_policy"] = json!(without_ecs);
    let made = moto.seed("auth", &keys);

    let as_user = |user: &str| {
        let home = temp_dir();
        let mut cmd = audit_command(
            &moto,
            home.path(),
            &["--region", "us-east-1", "--format", "json"],
        );
        cmd.env("AWS_ACCESS_KEY_ID", made[user][0].as_str().unwrap())
            .env("AWS_SECRET_ACCESS_KEY", made[user][1].as_str().unwrap());
        (
            run_in(home.path(), &mut cmd),
            made[user][1].as_str().unwrap().to_string(),
        )
    };
    // moto checks each request's signature by rebuilding the request, and rebuilds the
    // Rust SDK's Lambda GET (a REST path) otherwise than it was signed: it answers
    // SignatureDoesNotMatch there, whatever the policy. That one call is left out of the
    // judgement; every other call the audit makes is checked against the policy.
    let moto_signature_gap = |gap: &&Value| {
        gap["action"] == "lambda:ListFunctions"
            && gap["error"]
                .as_str()
                .unwrap_or("")
                .contains("SignatureDoesNotMatch")
    };
    let other_gaps = |report: &Value| -> Vec<Value> {
        report["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|gap| !moto_signature_gap(gap))
            .cloned()
            .collect()
    };
    // Exactly the documented policy: nothing is denied.
    let (run, secret) = as_user("auditor");
    assert!(!run.stdout.contains(&secret) && !run.stderr.contains(&secret));
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(other_gaps(&report), Vec::<Value>::new(), "{}", run.stderr);
    assert_eq!(check_status(&report, "instance-roles"), "fail");
    assert_eq!(check_status(&report, "ecs-environments"), "fail");

    // Without ecs:ListTaskDefinitions: that check is INCOMPLETE, naming the permission.
    let (run, _) = as_user("partial");
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("ecs:ListTaskDefinitions"),
        "{}",
        run.stderr
    );
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(check_status(&report, "ecs-environments"), "incomplete");
    let gaps = other_gaps(&report);
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0]["action"], "ecs:ListTaskDefinitions");
    assert_eq!(gaps[0]["denied"], true, "{gaps:?}");
    // What could be read is still judged.
    assert_eq!(check_status(&report, "user-data"), "fail");
}

#[test]
fn no_request_leaves_loopback() {
    let Some(moto) = Moto::start(None) else {
        return;
    };
    let keys = keys();
    moto.seed("dirty", &keys);
    let strace_runs = crate::util::strace_works();
    if !strace_runs {
        missing_prerequisite(
            "the strace check of the account audit",
            "strace does not run here",
        );
        return;
    }
    let home = temp_dir();
    let trace = home.path().join("trace");
    let mut cmd = Command::new("strace");
    cmd.args(["-f", "-qq", "-e", "trace=connect", "-o"])
        .arg(&trace)
        .arg(env!("CARGO_BIN_EXE_keyhound"));
    let audit = audit_command(&moto, home.path(), &["--region", "us-east-1"]);
    cmd.args(audit.get_args());
    for (name, value) in audit.get_envs() {
        match value {
            Some(value) => cmd.env(name, value),
            None => cmd.env_remove(name),
        };
    }
    let run = run_in(home.path(), &mut cmd);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let calls = std::fs::read_to_string(&trace).unwrap();
    let inet: Vec<&str> = calls.lines().filter(|l| l.contains("AF_INET")).collect();
    assert!(!inet.is_empty(), "no connection traced: {calls}");
    for call in inet {
        assert!(
            call.contains("inet_addr(\"127.0.0.1\")"),
            "a connection away from 127.0.0.1: {call}"
        );
    }
}

#[test]
fn verify_asks_sts_about_each_key_found_as_in_scans() {
    let Some(moto) = Moto::start(None) else {
        return;
    };
    let keys = keys();
    moto.seed("dirty", &keys);
    // moto's STS answers GetCallerIdentity for any key: every credential found is live.
    let sts = moto.url();
    let run = audit(
        &moto,
        &[
            "--region",
            "us-east-1",
            "--format",
            "json",
            "--verify",
            "--sts-endpoint",
            &sts,
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_no_secrets(&run, &keys);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), PLACES.len(), "{findings:#?}");
    for finding in findings {
        assert_eq!(finding["verification"]["status"], "live", "{finding:#?}");
    }
}
