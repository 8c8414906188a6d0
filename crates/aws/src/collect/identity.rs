//! Who and where: the account (STS), its enabled regions (EC2), and the roles each
//! instance profile holds (IAM).

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::error::ProvideErrorMetadata;

use super::{bounded, describe, Call, Context, PER_REGION};
use crate::model::{Check, Gap, Role};

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
        Err(error) => {
            let call = Call::global("ec2:DescribeRegions", &Check::ALL);
            Err(context.gap(&call, &error))
        }
    }
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
                Err(error) => {
                    let checks = [Check::InstanceRoles, Check::LaunchRoles];
                    let call = Call::global("iam:GetInstanceProfile", &checks);
                    Err(context.gap(&call.about(&profile), &error))
                }
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
