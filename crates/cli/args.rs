//! Command-line arguments: every flag's definition and help text in one place.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit codes, shown in `--help` and in `docs/guide.md`.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  clean: no findings (AWS documentation example keys do not count)
  1  findings
  2  usage or configuration error
  3  incomplete: an input could not be read, or held more findings than one input may
     (1,048,576; the rest of it is not scanned) (wins over 1; the report still lists findings)";

/// keyhound finds AWS credentials embedded in code, configuration, scripts and binaries,
/// so that workloads use IAM roles instead (CIS AWS Foundations Benchmark 1.18).
#[derive(Debug, Parser)]
#[command(name = "keyhound", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The sub-commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories (or `-` for standard input) for AWS credentials.
    #[command(after_help = EXIT_CODES)]
    Scan(ScanArgs),
    /// Scan a git repository: its history, a range of commits, or the staged changes.
    #[command(subcommand)]
    Git(GitCommand),
    /// Install the pre-commit hook (and optionally the pre-push hook) into a repository.
    InstallHook(InstallHookArgs),
    /// List the active rules, or check every rule's examples (custom rules included).
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Write `PATH/.keyhound-baseline.json` from a scan of PATH: the leaks a repository
    /// already has, to be tracked, while `--baseline` keeps new ones out.
    Baseline(BaselineArgs),
    /// Scan environment variables: this process's, or every readable process's
    /// (/proc/*/environ), the CIS 1.18 audit step "audit all scripts and environment
    /// variables".
    #[command(after_help = EXIT_CODES)]
    Env(EnvArgs),
    /// Audit this host, or an image or container file system mounted at --root, for CIS
    /// AWS 1.18: is an instance role attached (EC2 only), and are long-lived keys in
    /// credentials files, cloud-init, systemd units, cron, shell files, process
    /// environments or applications? PASS or FAIL, with the evidence. Cargo feature
    /// `audit` (release binaries have it).
    #[command(after_help = AUDIT_EXIT_CODES)]
    Audit(AuditArgs),
    /// Audit an AWS account (CIS AWS 1.18 across every region): instances without a role,
    /// keys in user data, Lambda and ECS environments. Cargo feature `aws`.
    #[command(subcommand)]
    Aws(crate::cmd::aws::AwsCommand),
}

/// Exit codes of `keyhound audit`.
pub const AUDIT_EXIT_CODES: &str = "\
Exit codes:
  0  PASS: no long-lived key found (AWS documentation example keys do not count)
  1  FAIL: long-lived keys found
  2  usage or configuration error
  3  incomplete: a place could not be read, or IMDS was asked and did not answer (wins
     over 1; the report still lists what was found)";

/// `keyhound git …`
#[derive(Debug, Subcommand)]
pub enum GitCommand {
    /// Every blob reachable from every ref (branches, tags, remotes, stash), each scanned
    /// once and attributed to the commit that introduced it.
    #[command(after_help = EXIT_CODES)]
    History(HistoryArgs),
    /// What the commits in BASE..HEAD add (for CI on a pull request). A single commit,
    /// with --not-remotes, scans what no remote-tracking branch has yet (for pre-push).
    #[command(after_help = EXIT_CODES)]
    Range(RangeArgs),
    /// What the commit about to be made adds: the index (GIT_INDEX_FILE) against HEAD.
    /// This is what the pre-commit hooks run; see FILE for the pre-commit framework.
    #[command(after_help = EXIT_CODES)]
    Staged(StagedArgs),
}

/// Arguments of `keyhound scan`.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads standard input. Default: the current directory.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Honour .gitignore and other ignore files. By default every file is scanned,
    /// git-ignored ones included: an ignored `.env` on a server is exactly what CIS 1.18
    /// audits. `.keyhoundignore` files are always honoured and `.git/` is always skipped.
    #[arg(long)]
    pub gitignore: bool,

    /// Follow symbolic links (loops are detected and reported).
    #[arg(long)]
    pub follow_symlinks: bool,

    #[command(flatten)]
    pub archives: ArchiveArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// How archives are read. Archives are told by their content, not their names: the zip
/// family (jar, war, ear, apk, whl, egg, nupkg, office files), tar, gzip, bzip2, xz and
/// zstd, nested; each entry is reported as `archive!/entry`.
#[derive(Clone, Debug, clap::Args)]
pub struct ArchiveArgs {
    /// Scan archives' bytes as they are instead of opening them.
    #[arg(long)]
    pub no_archives: bool,

    /// Stop reading an archive past this many decompressed bytes, nested archives
    /// included (bytes, or with a K/M/G suffix). The archive is then incomplete (exit 3).
    #[arg(long, value_name = "SIZE", value_parser = keyhound_config::parse_size,
          default_value = "4G")]
    pub max_archive_bytes: u64,

    /// Stop reading an archive where an entry expands more than this many times (a zip
    /// bomb), judged past its first MiB. One deflate layer never passes 1,032.
    #[arg(long, value_name = "N", default_value_t = keyhound_input::Limits::default().max_ratio)]
    pub max_archive_ratio: u64,

    /// Stop reading an archive past this many entries, nested ones included.
    #[arg(long, value_name = "N", default_value_t = keyhound_input::Limits::default().max_entries)]
    pub max_archive_entries: u64,

    /// Open archives nested this deep at most (`app.tar.gz` is 2: gzip, then tar).
    #[arg(long, value_name = "N", default_value_t = keyhound_input::Limits::default().max_depth)]
    pub max_archive_depth: u32,
}

impl ArchiveArgs {
    /// The limits to open archives within, or `None` with `--no-archives`.
    pub fn limits(&self) -> Option<keyhound_input::Limits> {
        (!self.no_archives).then(|| keyhound_input::Limits {
            max_bytes: self.max_archive_bytes,
            max_ratio: self.max_archive_ratio,
            max_entries: self.max_archive_entries,
            max_depth: self.max_archive_depth,
            ..keyhound_input::Limits::default()
        })
    }
}

/// Arguments of `keyhound git history`.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// The repository (or a directory inside it). Default: the current directory.
    #[arg(value_name = "REPO", default_value = ".")]
    pub repo: PathBuf,

    /// Also scan blobs no ref reaches (dangling objects, reflog-only commits).
    #[arg(long, conflicts_with = "rev")]
    pub all_objects: bool,

    /// Scan only the history reachable from REV (`HEAD`, a branch, a commit id), not from
    /// every ref; repeat for several. A REV that names nothing is a usage error (exit 2),
    /// or exit 3 in a shallow clone, which may lack it.
    #[arg(long, value_name = "REV")]
    pub rev: Vec<String>,

    #[command(flatten)]
    pub archives: ArchiveArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of `keyhound git range`.
#[derive(Debug, clap::Args)]
pub struct RangeArgs {
    /// BASE..HEAD: commit ids, branches, tags or any git revision.
    #[arg(value_name = "RANGE")]
    pub range: String,

    /// Treat RANGE as one commit and scan what it has that no remote-tracking branch
    /// (refs/remotes/*) has: a new branch about to be pushed.
    #[arg(long)]
    pub not_remotes: bool,

    /// Like --not-remotes, but remote-tracking branches at RANGE's commit itself do not
    /// count: in CI the pushed branch was fetched as one. What a push brought, when the
    /// commit before it is gone (a force-push).
    #[arg(long, conflicts_with = "not_remotes")]
    pub not_other_remotes: bool,

    #[command(flatten)]
    pub repo: RepoArg,

    #[command(flatten)]
    pub archives: ArchiveArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of `keyhound git staged`.
#[derive(Debug, clap::Args)]
pub struct StagedArgs {
    #[command(flatten)]
    pub repo: RepoArg,

    /// Scan every staged file whole (renamed ones too), not only what the commit adds.
    #[arg(long)]
    pub scan_whole_staged_files: bool,

    /// Files the pre-commit framework passes. Inside `git commit` (GIT_INDEX_FILE set)
    /// the commit's additions to these files are scanned (all its additions when none
    /// are given). Outside a commit
    /// (`pre-commit run --all-files`, `--files`, the manual stage, pre-commit.ci) these
    /// files' contents are scanned whole, so a committed key fails. In the pre-push stage
    /// (PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF) the pushed commits are scanned.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub archives: ArchiveArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `keyhound rules …`
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Print the active rules: built-in and custom, minus disabled ones.
    List(RulesArgs),
    /// Run every active rule's positive and negative examples through the scanner; exit 1
    /// if one misbehaves.
    Check(RulesArgs),
}

/// Arguments of `keyhound rules list | check`.
#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Read this configuration file instead of `.keyhound.toml` in the current directory.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Ignore `.keyhound.toml`: the built-in rules only.
    #[arg(long)]
    pub no_config: bool,
}

/// Arguments of `keyhound baseline`.
#[derive(Debug, clap::Args)]
pub struct BaselineArgs {
    /// The directory to scan and to write `.keyhound-baseline.json` into.
    #[arg(value_name = "PATH", default_value = ".")]
    pub path: PathBuf,

    /// Honour .gitignore and other ignore files.
    #[arg(long)]
    pub gitignore: bool,

    /// Skip files larger than this (bytes, or with a K/M/G suffix; default: the
    /// configuration's `max_file_size`, else no limit).
    #[arg(long, value_name = "SIZE", value_parser = keyhound_config::parse_size)]
    pub max_file_size: Option<u64>,

    /// Read this configuration file instead of `.keyhound.toml` in PATH.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Ignore `.keyhound.toml` in PATH. `--config` still applies.
    #[arg(long)]
    pub no_config: bool,

    #[command(flatten)]
    pub threads: Threads,
}

/// Arguments of `keyhound env`.
#[derive(Debug, clap::Args)]
pub struct EnvArgs {
    /// Scan every process whose environment is readable (/proc/*/environ), naming pid and
    /// command. Processes that cannot be read are named and counted, never fatal.
    #[arg(long)]
    pub all_processes: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of `keyhound audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Audit the file system mounted at DIR (an image, a snapshot's volume, a container's
    /// root file system) as if it were `/`: symbolic links are resolved inside it and never
    /// lead out. Process environments are read, and the instance role asked for, only
    /// when auditing this host (no --root, or --root /).
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub root: PathBuf,

    /// Ask the instance metadata service for the instance role even when this machine does
    /// not look like EC2, or when auditing --root (a host file system mounted into a
    /// container on that host).
    #[arg(long)]
    pub imds: bool,

    /// Where the instance metadata service is (default: AWS_EC2_METADATA_SERVICE_ENDPOINT,
    /// else http://169.254.169.254). Plain http only; proxies are never used for it.
    #[arg(long, value_name = "URL")]
    pub imds_endpoint: Option<String>,

    /// How long each request to the instance metadata service may take (`1s`, `500ms`).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = keyhound_config::parse_duration)]
    pub imds_timeout: std::time::Duration,

    /// Report format.
    #[arg(long, value_enum, default_value_t = AuditFormat::Human)]
    pub format: AuditFormat,

    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub report_path: Option<PathBuf>,

    /// Skip files larger than this (bytes, or with a K/M/G suffix; default 64M). Skipped
    /// files are named on stderr and listed in the report.
    #[arg(long, value_name = "SIZE", value_parser = keyhound_config::parse_size)]
    pub max_file_size: Option<u64>,

    /// Read this configuration file (custom rules, disabled rules, allowlists). A
    /// `.keyhound.toml` inside the audited system is never read: it must not be able to
    /// switch its own audit off.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Print secrets in full. Without it no output shows more than a secret's first 4
    /// characters.
    #[arg(long)]
    pub show_secrets: bool,

    /// Let AWS documentation example keys (AKIAIOSFODNN7EXAMPLE) fail the audit too.
    #[arg(long)]
    pub fail_on_examples: bool,

    /// Let keys in files of installed third-party packages (site-packages, dpkg-owned
    /// files, node_modules, the cargo registry, the Go module cache, gems, Maven and
    /// Gradle caches, pip and npm caches) fail the audit too. Without it they are listed
    /// in their own part of the report and do not.
    #[arg(long)]
    pub strict: bool,

    #[command(flatten)]
    pub threads: Threads,

    #[command(flatten)]
    pub color: Color,

    /// Live-key verification of the keys the audit finds.
    #[command(flatten)]
    pub verification: VerifyArgs,
}

/// Formats of the audit report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    /// Readable report: the verdict, each step with its evidence, what to do.
    Human,
    /// One JSON document (described in docs/audit.md).
    Json,
    /// Markdown, for a ticket, a wiki page or a CI job summary.
    Markdown,
}

/// Arguments of `keyhound install-hook`.
#[derive(Debug, clap::Args)]
#[command(after_help = INSTALL_HOOK_HELP)]
pub struct InstallHookArgs {
    #[command(flatten)]
    pub repo: RepoArg,

    /// Also install the pre-push hook (scans the commits being pushed).
    #[arg(long)]
    pub pre_push: bool,

    /// Replace existing hooks (they are kept otherwise, and the command fails).
    #[arg(long)]
    pub force: bool,
}

/// How the installed hooks find keyhound, for `install-hook --help`.
const INSTALL_HOOK_HELP: &str = "\
How the hooks find keyhound:
  The hooks hold the absolute path of the keyhound that installed them, so they work
  where git runs without your shell's PATH (GUI clients, IDEs). In this order:
    1. KEYHOUND, when set: the program to run (e.g. KEYHOUND=/opt/bin/keyhound);
    2. `keyhound` on the PATH of the process running git;
    3. the installing binary's path, written into the hook.
  If none runs, the hook refuses the commit and says why (git commit --no-verify skips
  it). Re-run install-hook --force after moving the binary.";

/// How to report, shared by every scanning command.
#[derive(Clone, Debug, clap::Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Write the report to FILE instead of standard output (the summary line still goes
    /// to standard error).
    #[arg(long, value_name = "FILE")]
    pub report_path: Option<PathBuf>,

    /// Skip files and git blobs larger than this (bytes, or with a K/M/G suffix; default:
    /// the configuration's `max_file_size`, else no limit for files, which are streamed
    /// in bounded memory, and 64M for git blobs). Skipped inputs are named on stderr and
    /// counted in the summary.
    #[arg(long, value_name = "SIZE", value_parser = keyhound_config::parse_size)]
    pub max_file_size: Option<u64>,

    /// Read this configuration file (custom rules, disabled rules, allowlists) instead of
    /// `.keyhound.toml` at the scan root.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Ignore `.keyhound.toml` in the scanned tree or repository: in CI, a pull request
    /// cannot then switch detection off. `--config` still applies.
    #[arg(long)]
    pub no_config: bool,

    /// Print secrets in full. Without it no output shows more than a secret's first 4
    /// characters.
    #[arg(long)]
    pub show_secrets: bool,

    /// Let AWS documentation example keys (AKIAIOSFODNN7EXAMPLE) fail the scan too.
    #[arg(long)]
    pub fail_on_examples: bool,

    /// List the findings that inline comments suppressed (`keyhound:allow`,
    /// `keyhound:allow-next-line`, `gitleaks:allow`, `pragma: allowlist secret`), and why.
    /// They are always counted in the summary.
    #[arg(long)]
    pub show_suppressed: bool,

    /// Report only findings that are not in this baseline file (written by
    /// `keyhound baseline` or `--write-baseline`). Baseline entries no longer found are
    /// listed on stderr so the file can be pruned.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Write the findings of this scan (all of them, before `--baseline` filters) to FILE
    /// as a baseline: sorted, deterministic, no secrets, keyed on rule, secret hash and
    /// path so that moving lines does not change it.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    #[command(flatten)]
    pub threads: Threads,

    #[command(flatten)]
    pub color: Color,

    /// Also write the findings for a CI job's log, redacted, whatever --format and
    /// --report-path say: `human` the readable report; `github` that and one `::error`
    /// annotation per finding (file and line, shown on the pull request's diff). To
    /// standard output when the report goes to --report-path, else to standard error.
    #[arg(long, value_enum, value_name = "LOG")]
    pub ci_log: Option<CiLog>,

    /// Live-key verification.
    #[command(flatten)]
    pub verification: VerifyArgs,
}

/// What `--ci-log` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CiLog {
    /// The human report, redacted and uncoloured.
    Human,
    /// The human report and GitHub Actions `::error file=…,line=…::` annotations.
    Github,
}

/// `--verify` and its settings, shared by every scan mode and `audit`.
#[derive(Clone, Debug, clap::Args)]
pub struct VerifyArgs {
    /// Ask AWS STS (GetCallerIdentity) whether each key id + secret found works: `live`
    /// (with its account and ARN), `invalid`, or `unknown` (no clear answer). This sends
    /// the credentials to AWS over the network, which nothing else in keyhound does; off
    /// by default. Canary tokens are never sent. Honours HTTPS_PROXY, HTTP_PROXY,
    /// ALL_PROXY and NO_PROXY. Cargo feature `verify` (release binaries have it).
    #[arg(long)]
    pub verify: bool,

    /// The STS endpoint --verify calls (an https:// URL; http:// for test servers). The
    /// region is read from AWS host names, us-east-1 otherwise.
    #[arg(
        long,
        value_name = "URL",
        default_value = STS_DEFAULT_ENDPOINT,
        value_parser = EndpointParser,
        requires = "verify"
    )]
    pub sts_endpoint: StsEndpoint,

    /// How long one --verify request may take, from connecting to the last byte of the
    /// answer (seconds, or with an `ms` suffix). A key whose request times out is `unknown`.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value = "5",
        value_parser = keyhound_config::parse_duration,
        requires = "verify"
    )]
    pub verify_timeout: std::time::Duration,
}

/// `--sts-endpoint`'s default: keyhound-verify's, which a test compares when the `verify`
/// feature is on (the flag is in `--help` without it too).
const STS_DEFAULT_ENDPOINT: &str = "https://sts.amazonaws.com";

/// A parsed `--sts-endpoint`.
#[cfg(feature = "verify")]
pub type StsEndpoint = keyhound_verify::sts::Endpoint;

/// `--sts-endpoint` in a build without the `verify` feature: the text, unchecked, since
/// `--verify`, which it requires, is refused (`features::lacking`).
#[cfg(not(feature = "verify"))]
pub type StsEndpoint = String;

#[cfg(feature = "verify")]
impl VerifyArgs {
    /// How to verify, when `--verify` was given.
    pub fn options(&self) -> Option<keyhound_verify::Options> {
        self.verify.then(|| keyhound_verify::Options {
            endpoint: self.sts_endpoint.clone(),
            timeout: self.verify_timeout,
        })
    }
}

/// `--repo`, of the commands that work on one repository.
#[derive(Clone, Debug, clap::Args)]
pub struct RepoArg {
    /// The repository (or a directory inside it).
    #[arg(long, value_name = "REPO", default_value = ".")]
    pub repo: PathBuf,
}

/// `-j/--threads`, of every command that scans.
#[derive(Clone, Debug, clap::Args)]
pub struct Threads {
    /// Number of scanning threads (default: one per CPU).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
}

impl Threads {
    /// The number of threads to use: as asked, else one per CPU; at least one.
    pub fn count(&self) -> usize {
        self.threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1)
    }
}

/// `--color`, of every command that writes a human report.
#[derive(Clone, Debug, clap::Args)]
pub struct Color {
    /// When to colour human output: `auto` colours only a terminal, and never under NO_COLOR.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

impl Color {
    /// Whether to colour a report written to a file (`to_file`: only when asked for
    /// always) or to standard output (a terminal, and NO_COLOR unset, unless asked).
    pub fn enabled(&self, to_file: bool) -> bool {
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                !to_file
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        }
    }
}

/// Report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Readable report with what to do; summary on stderr.
    Human,
    /// One JSON document: findings and stats.
    Json,
    /// One JSON object per line: each finding, then a summary line.
    Jsonl,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers (secrets redacted).
    Sarif,
    /// GitLab's secret-detection report (schema 15.0.7), for `artifacts: reports:
    /// secret_detection:` in GitLab CI: stable ids, the rule as identifier, the commit,
    /// and secrets always redacted (even with --show-secrets).
    Gitlab,
}

impl From<Format> for keyhound_report::Format {
    fn from(format: Format) -> keyhound_report::Format {
        match format {
            Format::Human => keyhound_report::Format::Human,
            Format::Json => keyhound_report::Format::Json,
            Format::Jsonl => keyhound_report::Format::Jsonl,
            Format::Sarif => keyhound_report::Format::Sarif,
            Format::Gitlab => keyhound_report::Format::Gitlab,
        }
    }
}

/// Colour choice for human output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[cfg(feature = "verify")]
    #[test]
    fn the_sts_default_is_keyhound_verifys() {
        assert_eq!(STS_DEFAULT_ENDPOINT, keyhound_verify::sts::DEFAULT_ENDPOINT);
    }
}

/// Parses `--sts-endpoint` without clap's `invalid value '<the text>'` message: a URL can
/// carry a key (user info, a query), and the error must not print it back.
#[derive(Clone, Copy, Debug)]
pub struct EndpointParser;

impl clap::builder::TypedValueParser for EndpointParser {
    type Value = StsEndpoint;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Self::Value, clap::Error> {
        let fail = |why: &str| {
            clap::Error::raw(
                clap::error::ErrorKind::ValueValidation,
                format!("--sts-endpoint: {why}\n"),
            )
            .with_cmd(cmd)
        };
        let text = value.to_str().ok_or_else(|| fail("not UTF-8"))?;
        #[cfg(feature = "verify")]
        return keyhound_verify::sts::Endpoint::parse(text).map_err(|why| fail(&why));
        #[cfg(not(feature = "verify"))]
        return Ok(text.to_owned());
    }
}
