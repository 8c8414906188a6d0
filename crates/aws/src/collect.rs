//! The API calls: every list paginated, each region on its own task (a bounded number at
//! once), per-resource calls a bounded number at once within a region. Nothing here
//! judges or scans: it gathers resources, the texts to scan and what could not be read.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;

use aws_config::SdkConfig;
use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::{Filter, InstanceAttributeName};
use keyhound_core::Cancel;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::model::{Check, Gap, Kind, Resource, Role};
use crate::scrub::Scrubber;

/// Calls about single resources (user data, task definitions) in flight at once per
/// region: quick on a large account, far below the APIs' rate limits.
const PER_REGION: usize = 8;

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
    pub fn gap<E>(
        &self,
        region: Option<&str>,
        action: &'static str,
        resource: Option<&str>,
        error: &SdkError<E, HttpResponse>,
        checks: &[Check],
    ) -> Gap
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let (code, text) = describe(error);
        Gap {
            region: region.map(str::to_string),
            action,
            resource: resource.map(str::to_string),
            denied: code.as_deref().is_some_and(is_denied),
            error: self.scrub.scrub(&text),
            checks: checks.to_vec(),
        }
    }
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

/// The enabled regions (DescribeRegions), from the configured region.
pub async fn enabled_regions(context: &Context) -> Result<Vec<String>, Gap> {
    let client = aws_sdk_ec2::Client::new(&context.sdk);
    match client.describe_regions().send().await {
        Ok(output) => {
            let mut regions: Vec<String> = output
                .regions()
                .iter()
                .filter_map(|r| r.region_name().map(str::to_string))
                .collect();
            regions.sort();
            Ok(regions)
        }
        Err(error) => Err(context.gap(None, "ec2:DescribeRegions", None, &error, &Check::ALL)),
    }
}

/// Runs `work` over `items`, at most `limit` at once, results in the items' order.
async fn bounded<T, F, Fut, O>(items: Vec<T>, limit: usize, work: F) -> Vec<O>
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
        instances(&context, &region),
        launch_templates(&context, &region),
        launch_configurations(&context, &region),
        lambda_functions(&context, &region),
        task_definitions(&context, &region),
    );
    let mut gathered = Gathered::default();
    for part in [instances, templates, configurations, functions, tasks] {
        gathered.merge(part);
    }
    gathered
}

fn ec2_client(context: &Context, region: &str) -> aws_sdk_ec2::Client {
    let config = aws_sdk_ec2::config::Builder::from(&context.sdk)
        .region(aws_config::Region::new(region.to_string()))
        .build();
    aws_sdk_ec2::Client::from_conf(config)
}

/// The name of an instance profile from its ARN
/// (`arn:aws:iam::123456789012:instance-profile/path/name`) or its name.
pub fn profile_name(arn_or_name: &str) -> String {
    match arn_or_name.strip_prefix("arn:") {
        Some(_) => arn_or_name
            .rsplit('/')
            .next()
            .unwrap_or(arn_or_name)
            .to_string(),
        None => arn_or_name.to_string(),
    }
}

/// Instances in every state but terminated, each with its user data.
async fn instances(context: &Context, region: &str) -> Gathered {
    let mut gathered = Gathered::default();
    let client = ec2_client(context, region);
    let states = ["pending", "running", "shutting-down", "stopping", "stopped"];
    let filter = Filter::builder()
        .name("instance-state-name")
        .set_values(Some(states.iter().map(|s| s.to_string()).collect()))
        .build();
    let mut pages = client
        .describe_instances()
        .filters(filter)
        .into_paginator()
        .send();
    let mut found = Vec::new();
    while let Some(page) = pages.next().await {
        if context.cancel.is_cancelled() {
            return gathered;
        }
        match page {
            Ok(page) => {
                for reservation in page.reservations() {
                    let owner = reservation.owner_id().unwrap_or_default();
                    for instance in reservation.instances() {
                        let Some(id) = instance.instance_id() else {
                            continue;
                        };
                        let arn = format!("arn:aws:ec2:{region}:{owner}:instance/{id}");
                        let name = instance
                            .tags()
                            .iter()
                            .find(|t| t.key() == Some("Name"))
                            .and_then(|t| t.value())
                            .map(str::to_string);
                        let profile = instance
                            .iam_instance_profile()
                            .and_then(|p| p.arn())
                            .map(profile_name);
                        found.push((id.to_string(), arn, name, profile));
                    }
                }
            }
            Err(error) => {
                gathered.gaps.push(context.gap(
                    Some(region),
                    "ec2:DescribeInstances",
                    None,
                    &error,
                    &[Check::InstanceRoles, Check::UserData],
                ));
                break;
            }
        }
    }
    let ids: Vec<(String, String)> = found
        .iter()
        .map(|(id, arn, _, _)| (id.clone(), arn.clone()))
        .collect();
    let user_data = bounded(ids, PER_REGION, |(id, arn)| {
        let client = client.clone();
        let context = context.clone();
        let region = region.to_string();
        async move {
            let answer = client
                .describe_instance_attribute()
                .instance_id(&id)
                .attribute(InstanceAttributeName::UserData)
                .send()
                .await;
            match answer {
                Ok(output) => Ok(output
                    .user_data()
                    .and_then(|u| u.value())
                    .map(str::to_string)),
                Err(error) => Err(context.gap(
                    Some(&region),
                    "ec2:DescribeInstanceAttribute",
                    Some(&arn),
                    &error,
                    &[Check::UserData],
                )),
            }
        }
    })
    .await;
    for ((id, arn, name, profile), data) in found.into_iter().zip(user_data) {
        match data {
            Ok(Some(data)) if !data.is_empty() => gathered.texts.push(Text {
                arn: arn.clone(),
                part: "userData".into(),
                body: Body::UserData(data),
            }),
            Ok(_) => {}
            Err(gap) => gathered.gaps.push(gap),
        }
        push_launcher(
            &mut gathered,
            Kind::Instance,
            region,
            id,
            arn,
            name,
            profile,
        );
    }
    gathered
}

/// A resource that launches instances, its role to be resolved from `profile`.
fn push_launcher(
    gathered: &mut Gathered,
    kind: Kind,
    region: &str,
    id: String,
    arn: String,
    name: Option<String>,
    profile: Option<String>,
) {
    let role = match &profile {
        None => Role::NoProfile,
        Some(profile) => Role::Unchecked {
            profile: profile.clone(),
        },
    };
    gathered.resources.push(Resource {
        kind,
        region: region.to_string(),
        id,
        arn,
        version: None,
        name,
        role: Some(role),
    });
}

/// Every version of every launch template.
async fn launch_templates(context: &Context, region: &str) -> Gathered {
    let mut gathered = Gathered::default();
    let client = ec2_client(context, region);
    let mut templates = Vec::new();
    let mut pages = client.describe_launch_templates().into_paginator().send();
    while let Some(page) = pages.next().await {
        if context.cancel.is_cancelled() {
            return gathered;
        }
        match page {
            Ok(page) => {
                for template in page.launch_templates() {
                    if let Some(id) = template.launch_template_id() {
                        let name = template.launch_template_name().map(str::to_string);
                        templates.push((id.to_string(), name));
                    }
                }
            }
            Err(error) => {
                gathered.gaps.push(context.gap(
                    Some(region),
                    "ec2:DescribeLaunchTemplates",
                    None,
                    &error,
                    &[Check::LaunchRoles, Check::UserData],
                ));
                break;
            }
        }
    }
    let versions = bounded(templates, PER_REGION, |(id, name)| {
        let client = client.clone();
        let context = context.clone();
        let region = region.to_string();
        async move {
            let mut part = Gathered::default();
            let mut pages = client
                .describe_launch_template_versions()
                .launch_template_id(&id)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = match page {
                    Ok(page) => page,
                    Err(error) => {
                        part.gaps.push(context.gap(
                            Some(&region),
                            "ec2:DescribeLaunchTemplateVersions",
                            Some(&id),
                            &error,
                            &[Check::LaunchRoles, Check::UserData],
                        ));
                        break;
                    }
                };
                for version in page.launch_template_versions() {
                    let number = version.version_number().unwrap_or_default();
                    let arn = format!(
                        "arn:aws:ec2:{region}:{}:launch-template/{id}",
                        context.account
                    );
                    let data = version.launch_template_data();
                    let profile = data
                        .and_then(|d| d.iam_instance_profile())
                        .and_then(|p| p.name().or(p.arn()).map(profile_name));
                    if let Some(user_data) = data.and_then(|d| d.user_data()) {
                        if !user_data.is_empty() {
                            part.texts.push(Text {
                                arn: arn.clone(),
                                part: format!("version {number} userData"),
                                body: Body::UserData(user_data.to_string()),
                            });
                        }
                    }
                    push_launcher(
                        &mut part,
                        Kind::LaunchTemplateVersion,
                        &region,
                        format!("{id} version {number}"),
                        arn,
                        name.clone(),
                        profile,
                    );
                    if let Some(resource) = part.resources.last_mut() {
                        resource.version = Some(number);
                    }
                }
            }
            part
        }
    })
    .await;
    for part in versions {
        gathered.merge(part);
    }
    gathered
}

/// Every Auto Scaling launch configuration.
async fn launch_configurations(context: &Context, region: &str) -> Gathered {
    let mut gathered = Gathered::default();
    let config = aws_sdk_autoscaling::config::Builder::from(&context.sdk)
        .region(aws_config::Region::new(region.to_string()))
        .build();
    let client = aws_sdk_autoscaling::Client::from_conf(config);
    let mut pages = client
        .describe_launch_configurations()
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        if context.cancel.is_cancelled() {
            return gathered;
        }
        match page {
            Ok(page) => {
                for configuration in page.launch_configurations() {
                    let Some(name) = configuration.launch_configuration_name() else {
                        continue;
                    };
                    let arn = configuration
                        .launch_configuration_arn()
                        .map(str::to_string)
                        .unwrap_or_else(|| {
                            format!(
                                "arn:aws:autoscaling:{region}:{}:launchConfiguration:*:\
                                 launchConfigurationName/{name}",
                                context.account
                            )
                        });
                    if let Some(user_data) = configuration.user_data() {
                        if !user_data.is_empty() {
                            gathered.texts.push(Text {
                                arn: arn.clone(),
                                part: "userData".into(),
                                body: Body::UserData(user_data.to_string()),
                            });
                        }
                    }
                    let profile = configuration
                        .iam_instance_profile()
                        .filter(|p| !p.is_empty())
                        .map(profile_name);
                    push_launcher(
                        &mut gathered,
                        Kind::LaunchConfiguration,
                        region,
                        name.to_string(),
                        arn,
                        None,
                        profile,
                    );
                }
            }
            Err(error) => {
                gathered.gaps.push(context.gap(
                    Some(region),
                    "autoscaling:DescribeLaunchConfigurations",
                    None,
                    &error,
                    &[Check::LaunchRoles, Check::UserData],
                ));
                break;
            }
        }
    }
    gathered
}

/// Every Lambda function's environment variables.
async fn lambda_functions(context: &Context, region: &str) -> Gathered {
    let mut gathered = Gathered::default();
    let config = aws_sdk_lambda::config::Builder::from(&context.sdk)
        .region(aws_config::Region::new(region.to_string()))
        .build();
    let client = aws_sdk_lambda::Client::from_conf(config);
    let mut pages = client.list_functions().into_paginator().send();
    while let Some(page) = pages.next().await {
        if context.cancel.is_cancelled() {
            return gathered;
        }
        match page {
            Ok(page) => {
                for function in page.functions() {
                    let (Some(name), Some(arn)) =
                        (function.function_name(), function.function_arn())
                    else {
                        continue;
                    };
                    let variables: BTreeMap<&String, &String> = function
                        .environment()
                        .and_then(|e| e.variables())
                        .map(|v| v.iter().collect())
                        .unwrap_or_default();
                    if !variables.is_empty() {
                        gathered.texts.push(Text {
                            arn: arn.to_string(),
                            part: "environment".into(),
                            body: Body::Variables(
                                variables
                                    .into_iter()
                                    .map(|(k, v)| (k.clone(), v.clone()))
                                    .collect(),
                            ),
                        });
                    }
                    gathered.resources.push(Resource {
                        kind: Kind::LambdaFunction,
                        region: region.to_string(),
                        id: name.to_string(),
                        arn: arn.to_string(),
                        version: None,
                        name: None,
                        role: None,
                    });
                }
            }
            Err(error) => {
                gathered.gaps.push(context.gap(
                    Some(region),
                    "lambda:ListFunctions",
                    None,
                    &error,
                    &[Check::LambdaEnvironments],
                ));
                break;
            }
        }
    }
    gathered
}

/// Every active ECS task definition's container environments.
async fn task_definitions(context: &Context, region: &str) -> Gathered {
    let mut gathered = Gathered::default();
    let config = aws_sdk_ecs::config::Builder::from(&context.sdk)
        .region(aws_config::Region::new(region.to_string()))
        .build();
    let client = aws_sdk_ecs::Client::from_conf(config);
    let mut arns = Vec::new();
    let mut pages = client
        .list_task_definitions()
        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        if context.cancel.is_cancelled() {
            return gathered;
        }
        match page {
            Ok(page) => arns.extend(page.task_definition_arns().iter().cloned()),
            Err(error) => {
                gathered.gaps.push(context.gap(
                    Some(region),
                    "ecs:ListTaskDefinitions",
                    None,
                    &error,
                    &[Check::EcsEnvironments],
                ));
                break;
            }
        }
    }
    let described = bounded(arns, PER_REGION, |arn| {
        let client = client.clone();
        let context = context.clone();
        let region = region.to_string();
        async move {
            let mut part = Gathered::default();
            match client
                .describe_task_definition()
                .task_definition(&arn)
                .send()
                .await
            {
                Ok(output) => {
                    let Some(definition) = output.task_definition() else {
                        return part;
                    };
                    let id = match (definition.family(), definition.revision()) {
                        (Some(family), revision) => format!("{family}:{revision}"),
                        _ => arn.rsplit('/').next().unwrap_or(&arn).to_string(),
                    };
                    for container in definition.container_definitions() {
                        let variables: Vec<(String, String)> = container
                            .environment()
                            .iter()
                            .filter_map(|pair| {
                                Some((pair.name()?.to_string(), pair.value()?.to_string()))
                            })
                            .collect();
                        if !variables.is_empty() {
                            part.texts.push(Text {
                                arn: arn.clone(),
                                part: format!(
                                    "containerDefinitions/{}/environment",
                                    container.name().unwrap_or("?")
                                ),
                                body: Body::Variables(variables),
                            });
                        }
                    }
                    part.resources.push(Resource {
                        kind: Kind::EcsTaskDefinition,
                        region: region.clone(),
                        id,
                        arn: arn.clone(),
                        version: None,
                        name: None,
                        role: None,
                    });
                }
                Err(error) => part.gaps.push(context.gap(
                    Some(&region),
                    "ecs:DescribeTaskDefinition",
                    Some(&arn),
                    &error,
                    &[Check::EcsEnvironments],
                )),
            }
            part
        }
    })
    .await;
    for part in described {
        gathered.merge(part);
    }
    gathered
}

/// The roles of each instance profile named (IAM GetInstanceProfile, once per name).
pub async fn roles_of(
    context: &Context,
    profiles: BTreeSet<String>,
) -> (BTreeMap<String, Role>, Vec<Gap>) {
    let client = aws_sdk_iam::Client::new(&context.sdk);
    let answers = bounded(profiles.into_iter().collect(), PER_REGION, |profile| {
        let client = client.clone();
        let context = context.clone();
        async move {
            let answer = client
                .get_instance_profile()
                .instance_profile_name(&profile)
                .send()
                .await;
            let result = match answer {
                Ok(output) => {
                    let roles: Vec<String> = output
                        .instance_profile()
                        .map(|p| {
                            p.roles()
                                .iter()
                                .map(|r| r.role_name().to_string())
                                .collect()
                        })
                        .unwrap_or_default();
                    Ok(match roles.is_empty() {
                        true => Role::EmptyProfile {
                            profile: profile.clone(),
                        },
                        false => Role::Attached {
                            profile: profile.clone(),
                            roles,
                        },
                    })
                }
                Err(error) if error.code() == Some("NoSuchEntity") => Ok(Role::MissingProfile {
                    profile: profile.clone(),
                }),
                Err(error) => Err(context.gap(
                    None,
                    "iam:GetInstanceProfile",
                    Some(&profile),
                    &error,
                    &[Check::InstanceRoles, Check::LaunchRoles],
                )),
            };
            (profile, result)
        }
    })
    .await;
    let mut roles = BTreeMap::new();
    let mut gaps = Vec::new();
    for (profile, result) in answers {
        match result {
            Ok(role) => {
                roles.insert(profile, role);
            }
            Err(gap) => gaps.push(gap),
        }
    }
    (roles, gaps)
}

/// The account and identity of the operator's credentials (STS GetCallerIdentity, which
/// needs no permission).
pub async fn caller_account(context: &Context) -> Result<String, String> {
    let client = aws_sdk_sts::Client::new(&context.sdk);
    match client.get_caller_identity().send().await {
        Ok(output) => Ok(output.account().unwrap_or_default().to_string()),
        Err(error) => Err(context.scrub.scrub(&describe(&error).1)),
    }
}
