//! The CI integration: `ci/keyhound-ci.sh`, the script that `action.yml` (GitHub) and
//! `ci/gitlab-ci.yml` (GitLab) run, run here the way they run it: in a temp repository
//! with a base and a head commit, with the environment the action sets (event, base and
//! head commits, report path, format, extra flags) and the built `keyhound` first on
//! PATH. Also: both YAML files parse and wire the script up as documented.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::gitlab::assert_no_secret;
use crate::util::*;

const SARIF_SCHEMA: &str = "fixtures/sarif/sarif-schema-2.1.0.json";
const ZEROS: &str = "0000000000000000000000000000000000000000";

/// Runs `sh ci/keyhound-ci.sh` in `dir` with `env` (and nothing else of keyhound's),
/// `keyhound` resolved through PATH to the binary under test.
fn run_script(dir: &Path, env: &[(&str, &str)]) -> Run {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_keyhound"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let mut cmd = Command::new("sh");
    cmd.arg(repo_root().join("ci/keyhound-ci.sh"))
        .env("PATH", path)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("NO_COLOR")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .stdin(std::process::Stdio::null());
    for (name, _) in std::env::vars() {
        if name.starts_with("KEYHOUND") {
            cmd.env_remove(name);
        }
    }
    for (name, value) in env {
        cmd.env(name, value);
    }
    run_in(dir, &mut cmd)
}

/// The environment the GitHub Action sets for a pull request.
fn pull_request_env<'a>(base: &'a str, head: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("KEYHOUND_EVENT", "pull_request"),
        ("KEYHOUND_BASE", base),
        ("KEYHOUND_HEAD", head),
        ("KEYHOUND_DEFAULT_BRANCH", "main"),
        ("KEYHOUND_FORMAT", "sarif"),
        ("KEYHOUND_REPORT", "keyhound.sarif"),
        ("KEYHOUND_ARGS", ""),
    ]
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("{} is written: {err}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("{} is JSON: {err}\n{text}", path.display()))
}

/// Asserts that `log` passes the official SARIF 2.1.0 schema.
fn validate_sarif(log: &Value) {
    assert_eq!(log["version"], "2.1.0");
    // None: jsonschema is missing, and schema_errors said so (a failure under CI).
    if let Some(errors) = schema_errors(SARIF_SCHEMA, &[log]) {
        assert!(errors.is_empty(), "SARIF schema errors:\n{errors}");
    }
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().expect("results")
}

/// git in `dir`, isolated like [`Repo::git`], with an identity for commits.
fn git_in(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Dev")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("GIT_COMMITTER_NAME", "Dev")
        .env("GIT_COMMITTER_EMAIL", "dev@example.com")
        .env("GIT_AUTHOR_DATE", "2024-01-02T03:04:05Z")
        .env("GIT_COMMITTER_DATE", "2024-01-02T03:04:05Z")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// A clone of `origin` (full, or `--depth N`) in a new temp dir: `(tempdir, work tree)`.
fn clone(origin: &Repo, depth: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let parent = temp_dir();
    let url = format!("file://{}", origin.path().display());
    let mut args = vec!["clone", "-q"];
    if let Some(depth) = depth {
        args.extend(["--depth", depth]);
    }
    args.extend([url.as_str(), "work"]);
    git_in(parent.path(), &args);
    let work = parent.path().join("work");
    (parent, work)
}

#[test]
fn a_pull_request_adding_a_key_fails_with_sarif_naming_the_head_commit() {
    let repo = Repo::init();
    repo.write("README.md", "hello\n");
    let base = repo.commit_all("base");
    repo.write("deploy/.env", credentials_file());
    let head = repo.commit_all("add deploy settings");

    let run = run_script(repo.path(), &pull_request_env(&base, &head));
    assert_eq!(run.code, 1, "findings fail the job: {}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("pull_request: scanning {base}..{head}")),
        "{}",
        run.stderr
    );

    let log = read_json(&repo.path().join("keyhound.sarif"));
    validate_sarif(&log);
    let results = results(&log);
    assert_eq!(results.len(), 1, "{log:#}");
    let result = &results[0];
    assert_eq!(result["ruleId"], "aws-credential");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"],
        serde_json::json!({"uri": "deploy/.env", "uriBaseId": "%SRCROOT%"})
    );
    assert_eq!(result["properties"]["commit"], head.as_str());
    assert!(result["message"]["text"].as_str().unwrap().contains(KEY_ID));
    let text = std::fs::read_to_string(repo.path().join("keyhound.sarif")).unwrap();
    for output in [&text, &run.stdout, &run.stderr] {
        assert_no_secret(output, SECRET);
    }
}

#[test]
fn a_clean_pull_request_passes_with_an_empty_sarif_run() {
    let repo = Repo::init();
    repo.write("README.md", "hello\n");
    let base = repo.commit_all("base");
    repo.write("src/main.py", "print('hello')\n");
    let head = repo.commit_all("code");

    let run = run_script(repo.path(), &pull_request_env(&base, &head));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let log = read_json(&repo.path().join("keyhound.sarif"));
    validate_sarif(&log);
    assert!(results(&log).is_empty());
}

#[test]
fn a_key_already_on_the_base_is_not_the_pull_requests() {
    let repo = Repo::init();
    repo.write("old/.env", credentials_file());
    let base = repo.commit_all("an old leak, tracked elsewhere");
    repo.write("src/main.py", "print('hello')\n");
    let head = repo.commit_all("code");

    let run = run_script(repo.path(), &pull_request_env(&base, &head));
    assert_eq!(run.code, 0, "only what the range adds: {}", run.stderr);
}

#[test]
fn a_push_reports_the_commit_that_added_a_key_even_if_a_later_one_removed_it() {
    let repo = Repo::init();
    repo.write("README.md", "hello\n");
    let before = repo.commit_all("before the push");
    repo.write("a.txt", "a\n");
    repo.commit_all("one");
    repo.write("settings.ini", credentials_file());
    let added = repo.commit_all("two: the key");
    std::fs::remove_file(repo.path().join("settings.ini")).unwrap();
    let after = repo.commit_all("three: gone again");

    let run = run_script(
        repo.path(),
        &[
            ("KEYHOUND_EVENT", "push"),
            ("KEYHOUND_BASE", &before),
            ("KEYHOUND_HEAD", &after),
            ("KEYHOUND_REPORT", "out.sarif"),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log = read_json(&repo.path().join("out.sarif"));
    validate_sarif(&log);
    assert_eq!(results(&log).len(), 1, "{log:#}");
    assert_eq!(results(&log)[0]["properties"]["commit"], added.as_str());
}

#[test]
fn a_base_missing_from_a_shallow_clone_is_an_incomplete_scan() {
    let origin = Repo::init();
    origin.write("README.md", "hi\n");
    let base = origin.commit_all("base");
    origin.write("b.txt", "b\n");
    origin.commit_all("b");
    origin.write("c.env", credentials_file());
    let head = origin.commit_all("c");
    let (_parent, shallow) = clone(&origin, Some("1"));

    // A report left by an earlier step must not pass for this run's.
    write(&shallow, "keyhound.sarif", "{}");
    let run = run_script(&shallow, &pull_request_env(&base, &head));
    assert_eq!(run.code, 3, "never a pass: {}", run.stderr);
    assert!(
        run.stderr.contains("range base not present") && run.stderr.contains("fetch-depth: 0"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("incomplete scan (exit 3)"),
        "{}",
        run.stderr
    );
    assert!(
        !shallow.join("keyhound.sarif").exists(),
        "no report: the action uploads nothing and fails"
    );
}

#[test]
fn a_new_branch_push_is_compared_with_the_default_branch() {
    let origin = Repo::init();
    origin.write("legacy.py", format!("KEY = \"{KEY_ID_2}\"\n"));
    origin.commit_all("main, with an old key");
    let (_parent, work) = clone(&origin, None);
    git_in(&work, &["checkout", "-q", "-b", "feature"]);
    write(&work, "feature/.env", credentials_file());
    git_in(&work, &["add", "-A"]);
    git_in(&work, &["commit", "-q", "-m", "feature"]);
    let head = git_in(&work, &["rev-parse", "HEAD"]);

    // A push that created the branch: `before` is all zeros.
    let env = [
        ("KEYHOUND_EVENT", "push"),
        ("KEYHOUND_BASE", ZEROS),
        ("KEYHOUND_HEAD", head.as_str()),
        ("KEYHOUND_DEFAULT_BRANCH", "main"),
        ("KEYHOUND_FORMAT", "sarif"),
        ("KEYHOUND_REPORT", "keyhound.sarif"),
    ];
    let run = run_script(&work, &env);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("scanning origin/main.."),
        "{}",
        run.stderr
    );
    let log = read_json(&work.join("keyhound.sarif"));
    validate_sarif(&log);
    let results = results(&log);
    assert_eq!(results.len(), 1, "only the branch's key: {log:#}");
    assert_eq!(results[0]["properties"]["commit"], head.as_str());

    // The first push of the default branch itself: nothing to compare with, so the
    // history of HEAD is scanned, never an empty range (main's own old key fails it).
    git_in(&work, &["checkout", "-q", "main"]);
    let main = git_in(&work, &["rev-parse", "HEAD"]);
    let run = run_script(
        &work,
        &[
            ("KEYHOUND_EVENT", "push"),
            ("KEYHOUND_BASE", ZEROS),
            ("KEYHOUND_HEAD", main.as_str()),
            ("KEYHOUND_DEFAULT_BRANCH", "main"),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("scanning the history of"),
        "{}",
        run.stderr
    );
    let log = read_json(&work.join("keyhound.sarif"));
    let found: Vec<&str> = self::results(&log)
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert!(found.contains(&"aws-access-key-id"), "{found:?}");
}

#[test]
fn extra_args_reach_keyhound_so_a_pull_request_cannot_switch_detection_off() {
    let repo = Repo::init();
    repo.write("README.md", "hello\n");
    let base = repo.commit_all("base");
    repo.write(".keyhound.toml", "[allowlist]\npaths = [\"**\"]\n");
    repo.write("app/.env", credentials_file());
    let head = repo.commit_all("a key, and a config that hides it");

    let mut env = pull_request_env(&base, &head);
    let run = run_script(repo.path(), &env);
    assert_eq!(
        run.code, 0,
        "the repository's config applies: {}",
        run.stderr
    );

    env.retain(|(name, _)| *name != "KEYHOUND_ARGS");
    env.push(("KEYHOUND_ARGS", "--no-config   -j 1"));
    let run = run_script(repo.path(), &env);
    assert_eq!(run.code, 1, "--no-config ignores it: {}", run.stderr);
    let log = read_json(&repo.path().join("keyhound.sarif"));
    assert_eq!(results(&log).len(), 1, "{log:#}");
}

#[test]
fn the_gitlab_job_gets_a_secret_detection_report_with_the_commit() {
    let repo = Repo::init();
    repo.write("README.md", "hello\n");
    let base = repo.commit_all("base");
    repo.write("deploy/.env", credentials_file());
    let head = repo.commit_all("add deploy settings");

    // What ci/gitlab-ci.yml exports for a merge request pipeline.
    let run = run_script(
        repo.path(),
        &[
            ("KEYHOUND_EVENT", "merge_request_event"),
            ("KEYHOUND_BASE", &base),
            ("KEYHOUND_HEAD", &head),
            ("KEYHOUND_DEFAULT_BRANCH", "main"),
            ("KEYHOUND_FORMAT", "gitlab"),
            ("KEYHOUND_ARGS", "--no-config"),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = read_json(&repo.path().join("gl-secret-detection-report.json"));
    crate::gitlab::validate(&[&report]);
    let vulnerabilities = report["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulnerabilities.len(), 1, "{report:#}");
    assert_eq!(vulnerabilities[0]["location"]["file"], "deploy/.env");
    assert_eq!(
        vulnerabilities[0]["location"]["commit"]["sha"],
        head.as_str()
    );
}

/// A YAML file as JSON, through Python's `yaml` module (PyYAML, which `.ci/run` installs);
/// `None` when it is missing (said through [`missing_prerequisite`]: a failure under CI).
fn yaml_as_json(path: &Path) -> Option<Value> {
    let what = format!("parsing {} as YAML", path.display());
    if !python_has("yaml", "pyyaml", &what) {
        return None;
    }
    let output = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding='utf-8'))))",
        ])
        .arg(path)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{} is not valid YAML: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).expect("python prints JSON"))
}

#[test]
fn action_yml_is_a_composite_action_running_the_script() {
    let path = repo_root().join("action.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    // What must be there, whatever parses it.
    for needle in [
        "using: composite",
        "cargo install --locked --features full --path \"$GITHUB_ACTION_PATH\"",
        "$GITHUB_ACTION_PATH/ci/keyhound-ci.sh",
        "github.event.pull_request.base.sha",
        "github.event.pull_request.head.sha",
        "github.event.before",
        "github/codeql-action/upload-sarif@v3",
        "if: always()",
        "fetch-depth: 0",
    ] {
        assert!(text.contains(needle), "action.yml has {needle:?}");
    }
    assert!(repo_root().join("ci/keyhound-ci.sh").is_file());
    let guide = std::fs::read_to_string(repo_root().join("docs/hooks-and-ci.md")).unwrap();
    for needle in [
        "## Use in CI",
        "fetch-depth: 0",
        "uses: keyhound/keyhound@",
        "security-events: write",
    ] {
        assert!(
            guide.contains(needle),
            "docs/hooks-and-ci.md's Use in CI has {needle:?}"
        );
    }

    let Some(action) = yaml_as_json(&path) else {
        return;
    };
    assert_eq!(action["name"], "keyhound");
    assert!(action["description"]
        .as_str()
        .is_some_and(|d| !d.is_empty()));
    let inputs = &action["inputs"];
    assert_eq!(inputs["args"]["default"], "");
    assert_eq!(inputs["sarif-file"]["default"], "keyhound.sarif");
    assert_eq!(inputs["upload"]["default"], "true");
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_array().unwrap();
    let run_step = |needle: &str| -> &Value {
        steps
            .iter()
            .find(|s| s["run"].as_str().is_some_and(|r| r.contains(needle)))
            .unwrap_or_else(|| panic!("a step runs {needle:?}"))
    };
    for step in steps.iter().filter(|s| s.get("run").is_some()) {
        assert!(
            step["shell"].is_string(),
            "composite run steps need a shell: {step}"
        );
    }
    let scan = run_step("ci/keyhound-ci.sh");
    let env = &scan["env"];
    assert_eq!(env["KEYHOUND_FORMAT"], "sarif");
    assert_eq!(env["KEYHOUND_REPORT"], "${{ inputs.sarif-file }}");
    assert_eq!(env["KEYHOUND_ARGS"], "${{ inputs.args }}");
    assert_eq!(env["KEYHOUND_EVENT"], "${{ github.event_name }}");
    let upload = steps
        .iter()
        .find(|s| s["uses"] == "github/codeql-action/upload-sarif@v3")
        .expect("an upload step");
    let condition = upload["if"].as_str().unwrap();
    assert!(
        condition.contains("always()") && condition.contains("inputs.upload == 'true'"),
        "{condition}"
    );
    let fail = steps.last().unwrap();
    assert_eq!(fail["if"], "always()");
    let script = fail["run"].as_str().unwrap();
    assert!(
        script.contains("exit 1") && script.contains("exit 3"),
        "{script}"
    );
}

#[test]
fn the_gitlab_ci_snippet_publishes_the_report_from_the_same_script() {
    let path = repo_root().join("ci/gitlab-ci.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    for needle in [
        "ci/keyhound-ci.sh",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA",
        "CI_COMMIT_SHA",
        "secret_detection: gl-secret-detection-report.json",
    ] {
        assert!(text.contains(needle), "ci/gitlab-ci.yml has {needle:?}");
    }
    // docs/hooks-and-ci.md shows the job as it is in the file.
    let guide = std::fs::read_to_string(repo_root().join("docs/hooks-and-ci.md")).unwrap();
    let job = &text[text.find("keyhound:\n").unwrap()..];
    assert!(
        guide.contains(job),
        "docs/hooks-and-ci.md's GitLab job is ci/gitlab-ci.yml's"
    );

    let Some(config) = yaml_as_json(&path) else {
        return;
    };
    let job = &config["keyhound"];
    assert_eq!(job["variables"]["KEYHOUND_FORMAT"], "gitlab");
    assert_eq!(job["variables"]["GIT_DEPTH"], "0");
    assert_eq!(
        job["variables"]["KEYHOUND_REPORT"],
        "gl-secret-detection-report.json"
    );
    assert_eq!(
        job["artifacts"]["reports"]["secret_detection"],
        "gl-secret-detection-report.json"
    );
    assert_eq!(job["artifacts"]["when"], "always");
    let script: Vec<&str> = job["script"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line.as_str().unwrap())
        .collect();
    assert!(
        script.last().unwrap().contains("ci/keyhound-ci.sh"),
        "{script:?}"
    );
}

// --- CI on real histories: force-pushes, first pushes, typos, the log -----------------------

/// The environment the GitHub Action sets for a push from `before` to `after`.
fn push_env<'a>(before: &'a str, after: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("KEYHOUND_EVENT", "push"),
        ("KEYHOUND_BASE", before),
        ("KEYHOUND_HEAD", after),
        ("KEYHOUND_DEFAULT_BRANCH", "main"),
        ("KEYHOUND_FORMAT", "sarif"),
        ("KEYHOUND_REPORT", "keyhound.sarif"),
    ]
}

/// Makes `branch` in `origin` point at `commit`, as a force-push does.
fn force_branch(origin: &Repo, branch: &str, commit: &str) {
    origin.git(&["branch", "-f", branch, commit]);
}

#[test]
fn a_force_pushed_branch_scans_the_new_commits_never_exit_3() {
    // main has an old key, published long ago: not this push's.
    let origin = Repo::init();
    origin.write("legacy/.env", credentials_file());
    let main = origin.commit_all("main, with an old key");
    origin.git(&["checkout", "-q", "-b", "feature"]);
    origin.write("a.txt", "first try\n");
    let before = origin.commit_all("feature, first try");
    // The branch is rebased and force-pushed: `before` is reachable from nothing, and a
    // clone does not get it.
    origin.git(&["checkout", "-q", "main"]);
    origin.git(&["checkout", "-q", "-b", "rewritten"]);
    origin.write("a.txt", "second try\n");
    let clean = origin.commit_all("feature, second try");
    force_branch(&origin, "feature", &clean);
    origin.git(&["checkout", "-q", "main"]);
    origin.git(&["branch", "-q", "-D", "rewritten"]);

    let (_parent, work) = clone(&origin, None);
    git_in(&work, &["checkout", "-q", &clean]);
    assert!(
        Command::new("git")
            .args(["cat-file", "-e", &format!("{before}^{{commit}}")])
            .current_dir(&work)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| !s.success()),
        "the commit before the push is not in the clone"
    );
    let run = run_script(&work, &push_env(&before, &clean));
    assert_eq!(run.code, 0, "a clean force-push passes: {}", run.stderr);
    assert!(
        run.stderr.contains("force-push") && run.stderr.contains("no other remote branch"),
        "the log says what it scanned instead:\n{}",
        run.stderr
    );
    let log = read_json(&work.join("keyhound.sarif"));
    assert!(results(&log).is_empty(), "{log:#}");

    // The same force-push, with a key in the new commits: found, exit 1.
    origin.git(&["checkout", "-q", "feature"]);
    origin.write(
        "deploy/.env",
        format!("AWS_ACCESS_KEY_ID={KEY_ID_2}\nAWS_SECRET_ACCESS_KEY={SECRET_2}\n"),
    );
    let leaky = origin.commit_all("feature, with a key");
    origin.git(&["checkout", "-q", "main"]);
    let (_parent, work) = clone(&origin, None);
    git_in(&work, &["checkout", "-q", &leaky]);
    let run = run_script(&work, &push_env(&before, &leaky));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log = read_json(&work.join("keyhound.sarif"));
    let results = results(&log);
    assert_eq!(results.len(), 1, "only the pushed commits' key: {log:#}");
    assert_eq!(results[0]["properties"]["commit"], leaky.as_str());
    assert_ne!(main, leaky);
    for output in [&run.stdout, &run.stderr] {
        assert_no_secret(output, SECRET_2);
    }
}

#[test]
fn a_first_push_of_a_clean_main_ignores_other_fetched_branches() {
    let origin = Repo::init();
    origin.write("README.md", "hello\n");
    let main = origin.commit_all("main");
    origin.git(&["checkout", "-q", "-b", "experiment"]);
    origin.write("deploy/.env", credentials_file());
    origin.commit_all("a key on another branch");
    origin.git(&["checkout", "-q", "main"]);
    let (_parent, work) = clone(&origin, None);
    assert!(!git_in(&work, &["rev-parse", "--verify", "origin/experiment"]).is_empty());

    let run = run_script(&work, &push_env(ZEROS, &main));
    assert_eq!(run.code, 0, "main is clean: {}", run.stderr);
    assert!(
        run.stderr.contains("scanning the history of"),
        "{}",
        run.stderr
    );
    // A scheduled or manual run has no base either: the same.
    let run = run_script(
        &work,
        &[
            ("KEYHOUND_EVENT", "schedule"),
            ("KEYHOUND_DEFAULT_BRANCH", "main"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_mistyped_base_is_a_usage_error_not_a_shallow_clone() {
    let repo = Repo::init();
    repo.write("README.md", "hello\n");
    repo.commit_all("base");
    repo.write("src/main.py", "print('hello')\n");
    let head = repo.commit_all("code");
    for base in ["mian", "origin/mian", "HEAD~5"] {
        let run = run_script(repo.path(), &pull_request_env(base, &head));
        assert_eq!(run.code, 2, "{base}: {}", run.stderr);
        assert!(
            run.stderr.contains("not a revision") && !run.stderr.contains("fetch-depth"),
            "{base}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("usage error (exit 2)"),
            "{}",
            run.stderr
        );
    }
}

/// Every SARIF result's path, line and rule, as `(path, line, rule)`.
fn places(log: &Value) -> Vec<(String, u64, String)> {
    results(log)
        .iter()
        .map(|r| {
            let location = &r["locations"][0]["physicalLocation"];
            (
                location["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                location["region"]["startLine"].as_u64().unwrap(),
                r["ruleId"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_ci_log_names_each_finding_without_secrets() {
    let repo = Repo::init();
    repo.write("README.md", "hello\n");
    let base = repo.commit_all("base");
    repo.write("deploy/.env", credentials_file());
    repo.write(
        "src/settings.py",
        format!("\n\nAWS_ACCESS_KEY_ID = \"{KEY_ID_2}\"\nAWS_SECRET_ACCESS_KEY = \"{SECRET_2}\"\n"),
    );
    let head = repo.commit_all("two keys");

    // GitHub Actions: the readable report and one annotation per finding.
    let mut env = pull_request_env(&base, &head);
    env.push(("GITHUB_ACTIONS", "true"));
    let run = run_script(repo.path(), &env);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log = read_json(&repo.path().join("keyhound.sarif"));
    let places = places(&log);
    assert_eq!(places.len(), 2, "{log:#}");
    let annotations: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(annotations.len(), places.len(), "{}", run.stdout);
    for (path, line, rule) in &places {
        assert!(
            run.stdout.contains(&format!("{path}:{line}")),
            "the log names {path}:{line}:\n{}",
            run.stdout
        );
        assert!(
            run.stdout.contains(rule.as_str()),
            "{rule}:\n{}",
            run.stdout
        );
        let annotation = format!("::error file={path},line={line},");
        assert!(
            annotations
                .iter()
                .any(|a| a.starts_with(&annotation) && a.contains(rule.as_str())),
            "{annotation}:\n{}",
            run.stdout
        );
    }
    for output in [&run.stdout, &run.stderr] {
        assert_no_secret(output, SECRET);
        assert_no_secret(output, SECRET_2);
    }

    // GitLab: the readable report in the job's log, no GitHub commands.
    let run = run_script(
        repo.path(),
        &[
            ("GITLAB_CI", "true"),
            ("KEYHOUND_EVENT", "merge_request_event"),
            ("KEYHOUND_BASE", &base),
            ("KEYHOUND_HEAD", &head),
            ("KEYHOUND_FORMAT", "gitlab"),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    for (path, line, rule) in &places {
        assert!(
            run.stdout.contains(&format!("{path}:{line}")),
            "{}",
            run.stdout
        );
        assert!(run.stdout.contains(rule.as_str()), "{}", run.stdout);
    }
    assert!(!run.stdout.contains("::error"), "{}", run.stdout);
    for output in [&run.stdout, &run.stderr] {
        assert_no_secret(output, SECRET);
        assert_no_secret(output, SECRET_2);
    }
    assert!(repo
        .path()
        .join("gl-secret-detection-report.json")
        .is_file());
}
