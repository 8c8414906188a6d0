//! keyhound-aws answers CIS AWS Foundations Benchmark 1.18 ("Ensure IAM instance roles are
//! used for AWS resource access from instances") for a whole AWS account, through the
//! official AWS SDK for Rust.
//!
//! [`audit_account`] reads every enabled region (or the ones asked), and returns an
//! [`AccountAudit`] with a [`Status`] for each [`Check`]:
//! - every EC2 instance in any state but terminated, every launch template version and
//!   every Auto Scaling launch configuration: is an instance profile set, and does it hold
//!   a role (IAM GetInstanceProfile)?
//! - their user data, decoded as cloud-init reads it ([`userdata`]: base64, gzip, MIME
//!   multipart), Lambda functions' environment variables and active ECS task definitions'
//!   container environments, scanned with keyhound-core: no long-lived keys.
//!
//! It is read-only by construction: [`policy::ACTIONS`] lists every call it makes, and
//! [`policy::document`] is the IAM policy granting them. A call AWS refuses is a [`Gap`]
//! naming the permission, and leaves its checks INCOMPLETE, never passed. Throttled
//! calls are retried, lists are paginated, regions are read a bounded number at once, and
//! the operator's credentials are taken out of every error text. [`render`] writes the
//! audit as text, JSON, Markdown or SARIF.
//!
//! ```no_run
//! use keyhound_aws::{audit_account, AccountOptions, Status};
//! use keyhound_core::Scanner;
//!
//! let options = AccountOptions {
//!     regions: vec!["eu-west-1".into()],
//!     ..AccountOptions::default()
//! };
//! let audit = audit_account(&options, &Scanner::default())?;
//! for resource in audit.without_role(keyhound_aws::Check::InstanceRoles) {
//!     println!("{} {} has no role", resource.region, resource.id);
//! }
//! assert!(matches!(audit.result(), Status::Pass | Status::Fail | Status::Incomplete));
//! # Ok::<(), keyhound_aws::AwsError>(())
//! ```

#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod collect;
mod model;
pub mod policy;
pub mod remedy;
pub mod render;
mod scan;
mod scrub;
pub mod userdata;

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use keyhound_core::{Cancel, Scanner};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

pub use collect::is_denied;
pub use model::{AccountAudit, Check, Gap, Kind, Located, Resource, Role, Status};
pub use scrub::Scrubber;

/// The title of the control the audit answers.
pub const CONTROL: &str = "CIS AWS Foundations Benchmark 1.18";

/// How to reach the account, and what to read.
#[derive(Clone)]
pub struct AccountOptions {
    /// The regions to audit; empty: every region enabled for the account (DescribeRegions).
    pub regions: Vec<String>,
    /// The shared config profile to take credentials and region from (`AWS_PROFILE`
    /// otherwise).
    pub profile: Option<String>,
    /// An AWS-compatible endpoint for every service (a local test server).
    pub endpoint_url: Option<String>,
    /// Regions read at once.
    pub concurrency: usize,
    /// Attempts per call, throttled or failed for a reason worth retrying.
    pub max_attempts: u32,
    /// Whether AWS documentation example keys fail the audit.
    pub fail_on_examples: bool,
    /// Told of the regions to read, and of each one done.
    pub progress: Option<Arc<dyn keyhound_input::Progress>>,
    /// Stops the audit between calls when set: [`audit_account`] then returns
    /// [`AwsError::Cancelled`].
    pub cancel: Cancel,
}

impl Default for AccountOptions {
    fn default() -> AccountOptions {
        AccountOptions {
            regions: Vec::new(),
            profile: None,
            endpoint_url: None,
            concurrency: 4,
            max_attempts: 8,
            fail_on_examples: false,
            progress: None,
            cancel: Cancel::default(),
        }
    }
}

impl fmt::Debug for AccountOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountOptions")
            .field("regions", &self.regions)
            .field("profile", &self.profile)
            .field("endpoint_url", &self.endpoint_url)
            .field("concurrency", &self.concurrency)
            .field("max_attempts", &self.max_attempts)
            .field("fail_on_examples", &self.fail_on_examples)
            .finish_non_exhaustive()
    }
}

/// Why an audit could not start, or stopped.
#[derive(Debug)]
#[non_exhaustive]
pub enum AwsError {
    /// The async runtime could not start.
    Runtime(std::io::Error),
    /// No credentials, or credentials AWS refuses (STS GetCallerIdentity failed): the
    /// error, the credentials taken out.
    Credentials(String),
    /// The regions to audit could not be listed (ec2:DescribeRegions), and none was given.
    Regions(Gap),
    /// The caller cancelled it.
    Cancelled,
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AwsError::Runtime(error) => write!(f, "cannot start the async runtime: {error}"),
            AwsError::Credentials(error) => write!(
                f,
                "no usable AWS credentials (sts:GetCallerIdentity failed: {error}); set them \
                 as for the AWS CLI: AWS_PROFILE or --profile, environment variables, SSO, \
                 or an instance or container role"
            ),
            AwsError::Regions(gap) => write!(
                f,
                "cannot list the account's regions ({}); name them with --region",
                gap.describe()
            ),
            AwsError::Cancelled => write!(f, "cancelled"),
        }
    }
}

impl std::error::Error for AwsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AwsError::Runtime(error) => Some(error),
            _ => None,
        }
    }
}

/// Audits the account the standard credential chain (or `options.profile`) reaches, and
/// scans what it reads with `scanner`. Blocks until done: it runs its own async runtime.
pub fn audit_account(
    options: &AccountOptions,
    scanner: &Scanner,
) -> Result<AccountAudit, AwsError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(AwsError::Runtime)?;
    let started = Instant::now();
    let (mut audit, texts) = runtime.block_on(gather(options))?;
    if options.cancel.is_cancelled() {
        return Err(AwsError::Cancelled);
    }
    scan::scan_texts(&mut audit, texts, scanner);
    audit.fail_on_examples = options.fail_on_examples;
    audit.report.stats.elapsed = started.elapsed();
    Ok(audit)
}

/// Loads the SDK's configuration: the standard chain, HTTPS through rustls on ring,
/// retries with backoff.
async fn sdk_config(options: &AccountOptions) -> aws_config::SdkConfig {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(options.max_attempts.max(1))
                .with_initial_backoff(Duration::from_millis(200)),
        );
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    // A region to ask DescribeRegions, STS and IAM in, when none is configured.
    if config.region().is_none() {
        let region = options
            .regions
            .first()
            .cloned()
            .unwrap_or_else(|| "us-east-1".into());
        return config.into_builder().region(Region::new(region)).build();
    }
    config
}

/// The operator's credentials, so no error text shows them.
async fn scrubber(config: &aws_config::SdkConfig) -> Scrubber {
    use aws_sdk_sts::config::ProvideCredentials;
    let Some(provider) = config.credentials_provider() else {
        return Scrubber::default();
    };
    match provider.provide_credentials().await {
        Ok(credentials) => Scrubber::new([
            credentials.access_key_id().to_string(),
            credentials.secret_access_key().to_string(),
            credentials.session_token().unwrap_or_default().to_string(),
        ]),
        Err(_) => Scrubber::default(),
    }
}

/// Every API call: the account, its regions, each region's resources, the profiles' roles.
async fn gather(options: &AccountOptions) -> Result<(AccountAudit, Vec<collect::Text>), AwsError> {
    let sdk = sdk_config(options).await;
    let scrub = Arc::new(scrubber(&sdk).await);
    let mut context = collect::Context {
        sdk,
        account: String::new(),
        scrub,
        cancel: options.cancel.clone(),
    };
    context.account = collect::caller_account(&context)
        .await
        .map_err(AwsError::Credentials)?;
    let mut audit = AccountAudit {
        account: Some(context.account.clone()),
        ..AccountAudit::default()
    };
    audit.regions = match options.regions.is_empty() {
        true => collect::enabled_regions(&context)
            .await
            .map_err(AwsError::Regions)?,
        false => options.regions.clone(),
    };
    if let Some(progress) = &options.progress {
        progress.files_found(audit.regions.len() as u64);
    }

    let bound = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for region in audit.regions.clone() {
        let (context, bound, progress) = (context.clone(), bound.clone(), options.progress.clone());
        tasks.spawn(async move {
            let _permit = bound.acquire_owned().await;
            if context.cancel.is_cancelled() {
                return collect::Gathered::default();
            }
            let gathered = collect::region(context, region).await;
            if let Some(progress) = progress {
                progress.file_done(0);
            }
            gathered
        });
    }
    let mut texts = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let Ok(gathered) = joined else { continue };
        audit.resources.extend(gathered.resources);
        audit.gaps.extend(gathered.gaps);
        texts.extend(gathered.texts);
    }
    if let Some(progress) = &options.progress {
        progress.finish();
    }
    if options.cancel.is_cancelled() {
        return Err(AwsError::Cancelled);
    }

    // Each profile named is asked for once, whichever resources name it.
    let profiles: BTreeSet<String> = audit
        .resources
        .iter()
        .filter_map(|r| match &r.role {
            Some(Role::Unchecked { profile }) => Some(profile.clone()),
            _ => None,
        })
        .collect();
    let (roles, gaps) = collect::roles_of(&context, profiles).await;
    for resource in &mut audit.resources {
        if let Some(Role::Unchecked { profile }) = &resource.role {
            if let Some(role) = roles.get(profile) {
                resource.role = Some(role.clone());
            }
        }
    }
    audit.gaps.extend(gaps);
    audit
        .resources
        .sort_by(|a, b| (&a.region, a.kind, &a.id).cmp(&(&b.region, b.kind, &b.id)));
    audit.gaps.sort_by(|a, b| {
        (&a.region, a.action, &a.resource).cmp(&(&b.region, b.action, &b.resource))
    });
    Ok((audit, texts))
}
