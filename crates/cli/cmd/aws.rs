//! `keyhound aws audit`: CIS AWS 1.18 across an AWS account, run by keyhound-aws (cargo
//! feature `aws`); this module holds its flags, wires them, and prints the report.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};

use crate::args::{Color, VerifyArgs};

/// `keyhound aws …`
#[derive(Debug, Subcommand)]
pub enum AwsCommand {
    /// Audit an AWS account for CIS AWS 1.18, in every enabled region: instances, launch
    /// template versions and launch configurations without an IAM role, and long-lived
    /// keys in their user data, in Lambda environments and in ECS task definitions.
    /// Read-only (docs/aws-audit.md lists the IAM policy it needs). Credentials come from
    /// the standard AWS chain. Cargo feature `aws`.
    #[command(after_help = AWS_EXIT_CODES)]
    Audit(Box<AwsAuditArgs>),
    /// Print the IAM policy `aws audit` needs (read-only; every call it makes), for `aws
    /// iam create-policy --policy-document file://…`.
    Policy,
}

/// Exit codes of `keyhound aws audit`.
const AWS_EXIT_CODES: &str = "\
Exit codes:
  0  PASS: every instance has a role, no long-lived key found
  1  FAIL: a resource without a role, or a long-lived key
  2  usage or configuration error
  3  incomplete: a region or an API could not be read (AccessDenied names the missing
     permission), or no usable credentials (wins over 1)";

/// Flags of `keyhound aws audit`.
#[derive(Debug, clap::Args)]
pub struct AwsAuditArgs {
    /// Audit only this region (repeatable). Default: every region enabled for the account.
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,

    /// Take credentials and the default region from this profile of the shared AWS config
    /// and credentials files (SSO and assume-role profiles included). Default: AWS_PROFILE,
    /// else the standard chain (environment, web identity, container and instance roles).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Send every API call to this AWS-compatible endpoint instead of AWS's (a local test
    /// server, a VPC endpoint).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Regions read at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub concurrency: usize,

    /// Report format.
    #[arg(long, value_enum, default_value_t = AwsFormat::Human)]
    pub format: AwsFormat,

    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub report_path: Option<PathBuf>,

    /// Read this configuration file (custom rules, disabled rules, allowlists).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Print secrets in full. Without it no output shows more than a secret's first 4
    /// characters.
    #[arg(long)]
    pub show_secrets: bool,

    /// Let AWS documentation example keys (AKIAIOSFODNN7EXAMPLE) fail the audit too.
    #[arg(long)]
    pub fail_on_examples: bool,

    #[command(flatten)]
    pub color: Color,

    /// Live-key verification of the keys the audit finds.
    #[command(flatten)]
    pub verification: VerifyArgs,
}

/// Formats of the account audit's report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AwsFormat {
    /// Readable report: the verdict, each check with its evidence and fixes.
    Human,
    /// One JSON document (described in docs/aws-audit.md).
    Json,
    /// Markdown, for a ticket, a wiki page or a CI job summary.
    Markdown,
    /// SARIF 2.1.0, resources located at their ARNs.
    Sarif,
}

/// Runs `keyhound aws …`.
#[cfg(feature = "aws")]
pub fn run(command: &AwsCommand) -> anyhow::Result<crate::exit::ExitCode> {
    match command {
        AwsCommand::Audit(args) => audit(args),
        AwsCommand::Policy => {
            print!("{}", keyhound_aws::policy::document());
            Ok(crate::exit::ExitCode::Clean)
        }
    }
}

#[cfg(feature = "aws")]
fn audit(args: &AwsAuditArgs) -> anyhow::Result<crate::exit::ExitCode> {
    use std::sync::Arc;

    use keyhound_aws::{audit_account, render, AccountOptions, AwsError, Status};
    use keyhound_config::Config;

    use crate::cmd::{open_output, verify};
    use crate::exit::ExitCode;

    let config = Config::resolve(args.config.as_deref(), true, std::path::Path::new("."))?;
    let bar = crate::progress::Bar::on_terminal("regions").map(Arc::new);
    let options = AccountOptions {
        regions: args.regions.clone(),
        profile: args.profile.clone(),
        endpoint_url: args.endpoint_url.clone(),
        concurrency: args.concurrency,
        fail_on_examples: config.fail_on_examples(args.fail_on_examples),
        progress: bar
            .clone()
            .map(|bar| bar as Arc<dyn keyhound_input::Progress>),
        ..AccountOptions::default()
    };
    let scanner = config.scanner();
    let mut audit = match audit_account(&options, &scanner) {
        Ok(audit) => audit,
        // Nothing could be read: the audit is incomplete, not a usage error.
        Err(error @ (AwsError::Credentials(_) | AwsError::Regions(_))) => {
            eprintln!("keyhound: error: {error}");
            return Ok(ExitCode::Incomplete);
        }
        Err(error) => return Err(error.into()),
    };
    config.apply(&mut audit.report);
    audit.report.forget_suppressed();
    let findings = audit.report.findings().map(|(_, f)| f);
    audit.report.verification = verify(findings, &args.verification);

    let (mut out, to_file) = open_output(args.report_path.as_deref())?;
    let format = match args.format {
        AwsFormat::Human => render::Format::Human {
            color: args.color.enabled(to_file),
        },
        AwsFormat::Json => render::Format::Json,
        AwsFormat::Markdown => render::Format::Markdown,
        AwsFormat::Sarif => render::Format::Sarif,
    };
    render::write(&mut out, &audit, format, &config.rules, args.show_secrets)?;
    out.flush()?;
    drop(out);
    for gap in &audit.gaps {
        eprintln!("keyhound: not read: {}", gap.describe());
    }
    eprintln!(
        "keyhound: {} in {:.2}s: {}",
        keyhound_report::plural_of(audit.resources.len() as u64, "resource", "resources"),
        audit.report.stats.elapsed.as_secs_f64(),
        render::headline(&audit)
    );
    Ok(ExitCode::of(
        audit.is_incomplete(),
        audit.result() == Status::Fail,
    ))
}
