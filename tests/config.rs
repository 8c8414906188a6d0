//! `.keyhound.toml`: custom rules, disabled rules, allowlists, limits and the example policy;
//! errors with file:line; `--no-config`; `keyhound rules list | check`.

use crate::util::*;

const CUSTOM_RULE: &str = r#"
[[rules]]
id = "acme-deploy-token"
name = "ACME deploy token"
kind = "secret-access-key"
severity = "high"
description = "An ACME deploy token."
remediation = "Revoke it in the ACME console."
anchors = ["acme_"]
window = 64
pattern = '''(?P<secret>acme_[A-Za-z0-9]{24})'''
examples = ["token = acme_Zq8Wn2Lp5Rt7Yv3Xc6Bm9Kd4"]
negative_examples = ["acme_short"]
"#;

#[test]
fn custom_rules_disabled_rules_and_allowlists_apply_and_are_counted() {
    let dir = temp_dir();
    write(dir.path(), ".keyhound.toml", format!(
        "disable = [\"aws-session-token\"]\nmax_file_size = \"1M\"\n\n[allowlist]\npaths = [\"test/**\"]\nvalues = [\"{KEY_ID_2}\"]\n{CUSTOM_RULE}"
    ));
    write(
        dir.path(),
        "src/deploy.sh",
        "export ACME=acme_Zq8Wn2Lp5Rt7Yv3Xc6Bm9Kd4\n",
    );
    write(dir.path(), "test/fixture.env", credentials_file());
    write(dir.path(), "src/known.py", format!("KEY = '{KEY_ID_2}'\n"));
    write(dir.path(), "src/token.sh", "export AWS_SESSION_TOKEN=FwoGZXIvYXdzEJr9Kx2mQ7bL4nR8vT1wY6zA3cF5hJ0kN9pS2uV4xB7eG1iM3oQ6rU8tW0yZ2aC4dE6fH8jK0lL2nP4qR6sT8vX0zB2cD4eF6gH8iJ0kL2mN4oP6qR8sT0uV2wX4yZ6aB8cD0eF2gH4iJ6kL8mN0oP2qR4s\n");
    let (run, json) = scan_json(dir.path(), &["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        finding_keys(&json),
        vec!["src/deploy.sh:1:secret-access-key"]
    );
    assert_eq!(json["findings"][0]["rule"], "acme-deploy-token");
    let config = &json["stats"]["config"];
    assert_eq!(config["file"], "./.keyhound.toml");
    assert_eq!(config["rules_disabled"][0], "aws-session-token");
    // test/fixture.env, and the configuration itself (its rule example and its allowlisted key id).
    assert_eq!(config["allowlisted_paths"], 3);
    assert_eq!(config["allowlisted_values"], 1);
    assert!(
        run.stderr.contains("rules disabled: aws-session-token")
            && run.stderr.contains("3 allowlisted by path"),
        "{}",
        run.stderr
    );

    // --no-config: the repository's file is ignored (and scanned like any other file), and
    // everything is found again.
    let (run, json) = scan_json(dir.path(), &["--no-config", "."]);
    assert_eq!(run.code, 1);
    assert_eq!(
        finding_keys(&json),
        vec![
            ".keyhound.toml:6:access-key-id",
            "src/known.py:1:access-key-id",
            "src/token.sh:1:session-token",
            "test/fixture.env:2:credential"
        ]
    );
    assert!(json["stats"].get("config").is_none());
}

#[test]
fn example_policy_ignore_and_fail() {
    let dir = temp_dir();
    write(dir.path(), "docs/guide.md", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n");
    write(dir.path(), ".keyhound.toml", "examples = \"fail\"\n");
    assert_eq!(scan(dir.path(), &["."]).code, 1);
    write(dir.path(), ".keyhound.toml", "examples = \"ignore\"\n");
    let (run, json) = scan_json(dir.path(), &["."]);
    assert_eq!(run.code, 0);
    assert_eq!(json["findings"].as_array().unwrap().len(), 0);
    assert_eq!(json["stats"]["config"]["examples_ignored"], 1);
}

#[test]
fn config_errors_name_file_line_and_what_to_fix() {
    let cases: [(&str, &str); 6] = [
        ("disable = [\"aws-session-token\"\n", ".keyhound.toml:2: "),
        ("max_file_size = \"1M\"\ncolour = \"red\"\n", ".keyhound.toml:2: unknown field `colour`"),
        ("disable = [\"no-such-rule\"]\n", ".keyhound.toml:1: disable: no rule \"no-such-rule\""),
        ("\n[allowlist]\nvalue_patterns = [\"(unclosed\"]\n", ".keyhound.toml:3: allowlist.value_patterns: invalid regex"),
        ("\n\n[allowlist]\nvalue_patterns = ['(?:\\w{1000}){1000}']\n", ".keyhound.toml:4: allowlist.value_patterns: invalid regex"),
        (
            "\n[[rules]]\nid = \"bad-rule\"\nname = \"n\"\nkind = \"secret-access-key\"\nseverity = \"high\"\ndescription = \"d\"\nremediation = \"r\"\nanchors = [\"abc\"]\nwindow = 10\npattern = '(?P<secret>abc(?:\\w{1000}){1000})'\nexamples = [\"abc\"]\n",
            ".keyhound.toml:3: rule bad-rule: pattern does not compile",
        ),
    ];
    for (text, want) in cases {
        let dir = temp_dir();
        write(dir.path(), "a.txt", "nothing\n");
        write(dir.path(), ".keyhound.toml", text);
        let run = scan(dir.path(), &["."]);
        assert_eq!(run.code, 2, "{text:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!("keyhound: error: ./{want}")),
            "{text:?}\nwant {want:?}\n got {}",
            run.stderr
        );
        // The huge patterns are refused by the regex size limit, not compiled (which would
        // take long): the error says so, and no wall-clock bound is needed to show it.
        if text.contains("{1000}") {
            assert!(
                run.stderr.contains("size limit"),
                "{text:?}: {}",
                run.stderr
            );
        }
    }
}

#[test]
fn rules_list_and_check() {
    let dir = temp_dir();
    write(
        dir.path(),
        ".keyhound.toml",
        format!("disable = [\"aws-session-token\"]\n{CUSTOM_RULE}"),
    );
    let list = run_in(dir.path(), keyhound().args(["rules", "list"]));
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(
        list.stdout.contains("aws-access-key-id") && list.stdout.contains("acme-deploy-token"),
        "{}",
        list.stdout
    );
    assert!(
        !list.stdout.contains("aws-session-token"),
        "disabled rules are not active: {}",
        list.stdout
    );
    let check = run_in(dir.path(), keyhound().args(["rules", "check"]));
    assert_eq!(check.code, 0, "{}\n{}", check.stdout, check.stderr);

    let lying = CUSTOM_RULE.replace(
        "examples = [\"token = acme_Zq8Wn2Lp5Rt7Yv3Xc6Bm9Kd4\"]",
        "examples = [\"token = acme_tooShort\"]",
    );
    write(dir.path(), ".keyhound.toml", lying);
    let check = run_in(dir.path(), keyhound().args(["rules", "check"]));
    assert_eq!(check.code, 1);
    assert!(
        check
            .stdout
            .contains("rule acme-deploy-token: positive example not found"),
        "{}",
        check.stdout
    );
}
