//! The API calls: every list paginated, each region on its own task (a bounded number at
//! once), per-resource calls a bounded number at once within a region. Nothing here
//! judges or scans: it gathers resources, the texts to scan and what could not be read.
//! [`launchers`] reads what launches instances, [`environments`] Lambda and ECS,
//! [`identity`] the account, its regions and the instance profiles' roles.

mod environments;
mod identity;
mod launchers;

pub use identity::{caller_account, enabled_regions, roles_of};

use std::future::Future;
use std::sync::Arc;

use aws_config::SdkConfig;
use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_smithy_async::future::pagination_stream::PaginationStream;
use keyhound_core::Cancel;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::model::{Check, Gap, Resource};
use crate::scrub::Scrubber;

/// Calls about single resources (user data, task definitions) in flight at once per
/// region: quick on a large account, far below the APIs' rate limits.
pub(crate) const PER_REGION: usize = 8;

/// A text to scan: a user data, or an environment as `NAME=value` lines.
#[derive(Clone, Debug)]
pub struct Text {
    /// The resource's ARN.
    pub arn: String,
    /// What it is: `userData` (base64, as the API returns it), `environment`,
    /// `containerDefinitions/<name>/environment`.
    pub part: String,
    /// The content.
    pub body: Body,
}

/// A text's content.
#[derive(Clone, Debug)]
pub enum Body {
    /// A user data, base64 as the API returns it.
    UserData(String),
    /// Environment variables, in order.
    Variables(Vec<(String, String)>),
}

/// What one region gave.
#[derive(Debug, Default)]
pub struct Gathered {
    /// The resources, with [`Role::Unchecked`] where a profile is named ([`roles_of`]
    /// resolves them).
    pub resources: Vec<Resource>,
    /// The texts to scan.
    pub texts: Vec<Text>,
    /// What could not be read.
    pub gaps: Vec<Gap>,
}

impl Gathered {
    fn merge(&mut self, other: Gathered) {
        self.resources.extend(other.resources);
        self.texts.extend(other.texts);
        self.gaps.extend(other.gaps);
    }
}

/// What every call needs: the SDK's configuration, the scrubber for errors, the cancel
/// flag.
#[derive(Clone)]
pub struct Context {
    /// The SDK's configuration (credentials, retries, endpoint).
    pub sdk: SdkConfig,
    /// The account audited, for ARNs the APIs do not give.
    pub account: String,
    /// Takes the operator's credentials out of error messages.
    pub scrub: Arc<Scrubber>,
    /// Stops the audit between pages.
    pub cancel: Cancel,
}

impl Context {
    /// A gap for a failed call.
    pub fn gap<E>(&self, call: &Call<'_>, error: &SdkError<E, HttpResponse>) -> Gap
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let (code, text) = describe(error);
        Gap {
            region: call.region.map(str::to_string),
            action: call.action,
            resource: call.resource.map(str::to_string),
            denied: code.as_deref().is_some_and(is_denied),
            error: self.scrub.scrub(&text),
            checks: call.checks.to_vec(),
        }
    }
}

/// A call, as a gap names it: where, which IAM action, about what, for which checks.
#[derive(Clone, Copy, Debug)]
pub struct Call<'a> {
    region: Option<&'a str>,
    action: &'static str,
    resource: Option<&'a str>,
    checks: &'a [Check],
}

impl<'a> Call<'a> {
    /// A regional call.
    pub(crate) fn new(region: &'a str, action: &'static str, checks: &'a [Check]) -> Call<'a> {
        Call {
            region: Some(region),
            action,
            resource: None,
            checks,
        }
    }

    /// A global call (IAM, and DescribeRegions before any region is known).
    pub(crate) fn global(action: &'static str, checks: &'a [Check]) -> Call<'a> {
        Call {
            region: None,
            action,
            resource: None,
            checks,
        }
    }

    /// The same call about one resource.
    pub(crate) fn about(self, resource: &'a str) -> Call<'a> {
        Call {
            resource: Some(resource),
            ..self
        }
    }
}

/// Every page of a paginated call, up to the last one or the first error, which becomes
/// a gap. Stops early when the audit is cancelled.
pub(crate) async fn all_pages<T, E>(
    mut pages: PaginationStream<Result<T, SdkError<E, HttpResponse>>>,
    context: &Context,
    call: &Call<'_>,
    gaps: &mut Vec<Gap>,
) -> Vec<T>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let mut all = Vec::new();
    while let Some(page) = pages.next().await {
        if context.cancel.is_cancelled() {
            break;
        }
        match page {
            Ok(page) => all.push(page),
            Err(error) => {
                gaps.push(context.gap(call, &error));
                break;
            }
        }
    }
    all
}

/// An error's code (when AWS gave one) and a line saying what went wrong: `Code:
/// message`, the HTTP status and the code and message of an answer in a format the SDK
/// did not expect, or the SDK's own account (a connection refused, a timeout). Never the
/// request or the response's headers.
fn describe<E>(error: &SdkError<E, HttpResponse>) -> (Option<String>, String)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    if let (Some(code), message) = (error.code(), error.message()) {
        let text = match message {
            Some(message) => format!("{code}: {message}"),
            None => code.to_string(),
        };
        return (Some(code.to_string()), text);
    }
    let Some(response) = error.raw_response() else {
        return (None, DisplayErrorContext(error).to_string());
    };
    let body = String::from_utf8_lossy(response.body().bytes().unwrap_or_default()).into_owned();
    let between = |open: &str, close: &str| {
        let start = body.find(open)? + open.len();
        let end = body[start..].find(close)? + start;
        Some(body[start..end].trim().to_string())
    };
    let code = between("<Code>", "</Code>");
    let mut text = format!("HTTP {}", response.status().as_u16());
    if let Some(code) = &code {
        text.push_str(&format!(": {code}"));
        if let Some(message) = between("<Message>", "</Message>") {
            text.push_str(&format!(": {message}"));
        }
    }
    (code, text)
}

/// Error codes AWS services answer a missing permission with.
pub fn is_denied(code: &str) -> bool {
    matches!(
        code,
        "AccessDenied"
            | "AccessDeniedException"
            | "UnauthorizedOperation"
            | "UnauthorizedAccess"
            | "AuthorizationError"
            | "NotAuthorized"
    )
}

/// Runs `work` over `items`, at most `limit` at once, results in the items' order.
pub(crate) async fn bounded<T, F, Fut, O>(items: Vec<T>, limit: usize, work: F) -> Vec<O>
where
    T: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: Future<Output = O> + Send + 'static,
    O: Send + 'static,
{
    let semaphore = Arc::new(Semaphore::new(limit.max(1)));
    let mut tasks = JoinSet::new();
    for (index, item) in items.into_iter().enumerate() {
        let semaphore = semaphore.clone();
        let future = work(item);
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            (index, future.await)
        });
    }
    let mut results: Vec<(usize, O)> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        // A task that panicked is a bug in this crate; its result is lost, not the others'.
        if let Ok(result) = joined {
            results.push(result);
        }
    }
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

/// Everything one region holds, services read concurrently.
pub async fn region(context: Context, region: String) -> Gathered {
    let (instances, templates, configurations, functions, tasks) = tokio::join!(
        launchers::instances(&context, &region),
        launchers::launch_templates(&context, &region),
        launchers::launch_configurations(&context, &region),
        environments::lambda_functions(&context, &region),
        environments::task_definitions(&context, &region),
    );
    let mut gathered = Gathered::default();
    for part in [instances, templates, configurations, functions, tasks] {
        gathered.merge(part);
    }
    gathered
}

pub(crate) fn ec2_client(context: &Context, region: &str) -> aws_sdk_ec2::Client {
    let config = aws_sdk_ec2::config::Builder::from(&context.sdk)
        .region(aws_config::Region::new(region.to_string()))
        .build();
    aws_sdk_ec2::Client::from_conf(config)
}
