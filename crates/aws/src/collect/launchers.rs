//! What launches instances: instances, launch template versions, launch configurations,
//! each with its instance profile and its user data.

use aws_sdk_ec2::types::{Filter, InstanceAttributeName};

use super::{all_pages, bounded, ec2_client, Body, Call, Context, Gathered, Text, PER_REGION};
use crate::model::{Check, Kind, Resource, Role};

/// The name of an instance profile from its ARN
/// (`arn:aws:iam::123456789012:instance-profile/path/name`) or its name.
pub(crate) fn profile_name(arn_or_name: &str) -> String {
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
pub(super) async fn instances(context: &Context, region: &str) -> Gathered {
    let mut gathered = Gathered::default();
    let client = ec2_client(context, region);
    let states = ["pending", "running", "shutting-down", "stopping", "stopped"];
    let filter = Filter::builder()
        .name("instance-state-name")
        .set_values(Some(states.iter().map(|s| s.to_string()).collect()))
        .build();
    let checks = [Check::InstanceRoles, Check::UserData];
    let listing = Call::new(region, "ec2:DescribeInstances", &checks);
    let pages = client
        .describe_instances()
        .filters(filter)
        .into_paginator()
        .send();
    let mut found = Vec::new();
    for page in all_pages(pages, context, &listing, &mut gathered.gaps).await {
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
            let checks = [Check::UserData];
            let call = Call::new(&region, "ec2:DescribeInstanceAttribute", &checks);
            match answer {
                Ok(output) => Ok(output
                    .user_data()
                    .and_then(|u| u.value())
                    .map(str::to_string)),
                Err(error) => Err(context.gap(&call.about(&arn), &error)),
            }
        }
    })
    .await;
    for ((id, arn, name, profile), data) in found.into_iter().zip(user_data) {
        match data {
            Ok(Some(data)) => gathered.push_user_data(&arn, "userData".into(), data),
            Ok(None) => {}
            Err(gap) => gathered.gaps.push(gap),
        }
        gathered.push_launcher(Kind::Instance, region, (id, arn, name), profile);
    }
    gathered
}

impl Gathered {
    /// A user data to scan, unless it is empty.
    fn push_user_data(&mut self, arn: &str, part: String, data: String) {
        if !data.is_empty() {
            self.texts.push(Text {
                arn: arn.to_string(),
                part,
                body: Body::UserData(data),
            });
        }
    }

    /// A resource that launches instances (`id`, `arn`, `name`), its role to be resolved
    /// from `profile`.
    fn push_launcher(
        &mut self,
        kind: Kind,
        region: &str,
        (id, arn, name): (String, String, Option<String>),
        profile: Option<String>,
    ) -> &mut Resource {
        let role = match profile {
            None => Role::NoProfile,
            Some(profile) => Role::Unchecked { profile },
        };
        self.resources.push(Resource {
            kind,
            region: region.to_string(),
            id,
            arn,
            version: None,
            name,
            role: Some(role),
        });
        self.resources.last_mut().expect("just pushed")
    }

    /// A Lambda function or an ECS task definition: no role to check, environments to scan.
    pub(super) fn push_environment_holder(
        &mut self,
        kind: Kind,
        region: &str,
        id: String,
        arn: String,
    ) {
        self.resources.push(Resource {
            kind,
            region: region.to_string(),
            id,
            arn,
            version: None,
            name: None,
            role: None,
        });
    }
}

/// Every version of every launch template.
pub(super) async fn launch_templates(context: &Context, region: &str) -> Gathered {
    let mut gathered = Gathered::default();
    let client = ec2_client(context, region);
    const CHECKS: [Check; 2] = [Check::LaunchRoles, Check::UserData];
    let listing = Call::new(region, "ec2:DescribeLaunchTemplates", &CHECKS);
    let pages = client.describe_launch_templates().into_paginator().send();
    let mut templates = Vec::new();
    for page in all_pages(pages, context, &listing, &mut gathered.gaps).await {
        for template in page.launch_templates() {
            if let Some(id) = template.launch_template_id() {
                let name = template.launch_template_name().map(str::to_string);
                templates.push((id.to_string(), name));
            }
        }
    }
    let versions = bounded(templates, PER_REGION, |(id, name)| {
        let client = client.clone();
        let context = context.clone();
        let region = region.to_string();
        async move {
            let mut part = Gathered::default();
            let call = Call::new(&region, "ec2:DescribeLaunchTemplateVersions", &CHECKS);
            let pages = client
                .describe_launch_template_versions()
                .launch_template_id(&id)
                .into_paginator()
                .send();
            let arn = format!(
                "arn:aws:ec2:{region}:{}:launch-template/{id}",
                context.account
            );
            for page in all_pages(pages, &context, &call.about(&id), &mut part.gaps).await {
                for version in page.launch_template_versions() {
                    let number = version.version_number().unwrap_or_default();
                    let data = version.launch_template_data();
                    let profile = data
                        .and_then(|d| d.iam_instance_profile())
                        .and_then(|p| p.name().or(p.arn()).map(profile_name));
                    if let Some(user_data) = data.and_then(|d| d.user_data()) {
                        let label = format!("version {number} userData");
                        part.push_user_data(&arn, label, user_data.to_string());
                    }
                    let id = format!("{id} version {number}");
                    let resource = part.push_launcher(
                        Kind::LaunchTemplateVersion,
                        &region,
                        (id, arn.clone(), name.clone()),
                        profile,
                    );
                    resource.version = Some(number);
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
pub(super) async fn launch_configurations(context: &Context, region: &str) -> Gathered {
    let mut gathered = Gathered::default();
    let config = aws_sdk_autoscaling::config::Builder::from(&context.sdk)
        .region(aws_config::Region::new(region.to_string()))
        .build();
    let client = aws_sdk_autoscaling::Client::from_conf(config);
    let checks = [Check::LaunchRoles, Check::UserData];
    let listing = Call::new(region, "autoscaling:DescribeLaunchConfigurations", &checks);
    let pages = client
        .describe_launch_configurations()
        .into_paginator()
        .send();
    for page in all_pages(pages, context, &listing, &mut gathered.gaps).await {
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
                gathered.push_user_data(&arn, "userData".into(), user_data.to_string());
            }
            let profile = configuration
                .iam_instance_profile()
                .filter(|p| !p.is_empty())
                .map(profile_name);
            gathered.push_launcher(
                Kind::LaunchConfiguration,
                region,
                (name.to_string(), arn, None),
                profile,
            );
        }
    }
    gathered
}
