//! The cargo features of the binary (`verify`, `audit`, `full`, `aws`): in every build the gated
//! flag and command are in `--help`; in a build without one, using it fails with exit 2,
//! names the feature and the install commands that bring it, and scans nothing. `.ci/run`
//! runs this module against the default build too, since the rest of CI builds
//! `--all-features`.

use crate::util::{keyhound, run_in, temp_dir};

#[test]
fn gated_flags_and_commands_are_in_help_in_every_build() {
    let dir = temp_dir();
    let help = run_in(dir.path(), keyhound().arg("--help"));
    assert_eq!(help.code, 0, "{}", help.stderr);
    assert!(help.stdout.contains("  audit "), "{}", help.stdout);
    assert!(help.stdout.contains("  aws "), "{}", help.stdout);
    let help = run_in(dir.path(), keyhound().args(["aws", "audit", "--help"]));
    assert_eq!(help.code, 0, "{}", help.stderr);
    assert!(help.stdout.contains("--verify"), "{}", help.stdout);
    for command in [&["scan"][..], &["git", "staged"], &["env"], &["audit"]] {
        let help = run_in(dir.path(), keyhound().args(command).arg("--help"));
        assert_eq!(help.code, 0, "{command:?}: {}", help.stderr);
        assert!(
            help.stdout.contains("--verify"),
            "{command:?}: {}",
            help.stdout
        );
    }
}

/// A run refused for lacking `feature`: exit 2, the reason and both ways to install a full
/// build on stderr, nothing on stdout.
#[cfg(not(all(feature = "verify", feature = "audit", feature = "aws")))]
fn assert_needs(run: &crate::util::Run, what: &str, feature: &str) {
    // The account audit's SDK is not in `full`: it is installed on its own.
    let install = match feature {
        "aws" => "aws",
        _ => "full",
    };
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let needs = format!("keyhound: error: {what} needs the cargo feature `{feature}`");
    assert!(run.stderr.starts_with(&needs), "{}", run.stderr);
    assert!(
        run.stderr.contains("\n  cargo binstall keyhound\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!(
            "\n  cargo install --path . --features {install}\n"
        )),
        "{}",
        run.stderr
    );
}

#[cfg(not(feature = "audit"))]
#[test]
fn audit_without_its_feature_says_how_to_get_it() {
    let root = temp_dir();
    crate::util::write(
        root.path(),
        "etc/environment",
        crate::util::credentials_file(),
    );
    for args in [
        &["audit", "--root", "."][..],
        &["audit", "--root", ".", "--verify", "--format", "json"],
    ] {
        let run = run_in(root.path(), keyhound().args(args));
        assert_needs(&run, "keyhound audit", "audit");
    }
}

#[cfg(not(feature = "verify"))]
#[test]
fn verify_without_its_feature_says_how_to_get_it_before_scanning() {
    let dir = temp_dir();
    crate::util::write(dir.path(), ".env", crate::util::credentials_file());
    for args in [
        &["scan", "--verify", "."][..],
        &[
            "scan",
            "--verify",
            "--sts-endpoint",
            "http://127.0.0.1:9/",
            ".",
        ],
        &["env", "--verify"],
        &["git", "history", "--verify"],
    ] {
        let run = run_in(dir.path(), keyhound().args(args));
        assert_needs(&run, "--verify", "verify");
        // Refused before the scan: no finding was reported.
        assert!(!run.stderr.contains("AKIA"), "{args:?}: {}", run.stderr);
    }
    // Without --verify the same scan runs.
    let run = run_in(dir.path(), keyhound().args(["scan", "."]));
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[cfg(not(feature = "aws"))]
#[test]
fn the_account_audit_without_its_feature_says_how_to_get_it() {
    let dir = temp_dir();
    for args in [
        &["aws", "audit"][..],
        &["aws", "audit", "--region", "eu-west-1", "--verify"],
        &["aws", "policy"],
    ] {
        // Refused up front: no credentials are looked for, no region is called.
        let run = run_in(
            dir.path(),
            keyhound()
                .args(args)
                .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9/"),
        );
        assert_needs(&run, "keyhound aws", "aws");
    }
}

#[cfg(feature = "aws")]
#[test]
fn the_account_audit_prints_its_policy() {
    let run = run_in(temp_dir().path(), keyhound().args(["aws", "policy"]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let policy: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(policy["Statement"][0]["Effect"], "Allow");
}
