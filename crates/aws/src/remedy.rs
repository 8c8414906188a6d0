//! What to run to fix each failing resource: AWS CLI commands with its ids filled in, and
//! placeholders (`<…>`) only for what the audit cannot know (which role it should have).

use crate::model::{Kind, Located, Resource, Role};

/// The commands that give a resource without a role one.
pub fn role_fix(resource: &Resource) -> Vec<String> {
    let region = &resource.region;
    let role = resource.role.as_ref();
    match (resource.kind, role) {
        (Kind::Instance, Some(Role::EmptyProfile { profile })) => vec![format!(
            "aws iam add-role-to-instance-profile --instance-profile-name {profile} \
             --role-name <role>"
        )],
        (Kind::Instance, Some(Role::MissingProfile { .. })) => {
            let id = &resource.id;
            vec![
                format!(
                    "aws ec2 describe-iam-instance-profile-associations --region {region} \
                     --filters Name=instance-id,Values={id}"
                ),
                format!(
                    "aws ec2 replace-iam-instance-profile-association --region {region} \
                     --association-id <association> --iam-instance-profile Name=<profile>"
                ),
            ]
        }
        // A running instance takes a profile as it is: no stop, no rebuild.
        (Kind::Instance, _) => vec![format!(
            "aws ec2 associate-iam-instance-profile --region {region} --instance-id {} \
             --iam-instance-profile Name=<profile>",
            resource.id
        )],
        (Kind::LaunchTemplateVersion, Some(Role::EmptyProfile { profile })) => vec![format!(
            "aws iam add-role-to-instance-profile --instance-profile-name {profile} \
             --role-name <role>"
        )],
        (Kind::LaunchTemplateVersion, _) => {
            let (template, version) = template_and_version(resource);
            vec![
                format!(
                    "aws ec2 create-launch-template-version --region {region} \
                     --launch-template-id {template} --source-version {version} \
                     --launch-template-data '{{\"IamInstanceProfile\":{{\"Name\":\"<profile>\"}}}}'"
                ),
                format!(
                    "aws ec2 modify-launch-template --region {region} --launch-template-id \
                     {template} --default-version <new version>"
                ),
            ]
        }
        (Kind::LaunchConfiguration, Some(Role::EmptyProfile { profile })) => vec![format!(
            "aws iam add-role-to-instance-profile --instance-profile-name {profile} \
             --role-name <role>"
        )],
        // Launch configurations cannot change: their groups move to a launch template.
        (Kind::LaunchConfiguration, _) => vec![
            format!(
                "aws ec2 create-launch-template --region {region} --launch-template-name {} \
                 --launch-template-data '{{\"IamInstanceProfile\":{{\"Name\":\"<profile>\"}},\
                 \"ImageId\":\"<ami>\",\"InstanceType\":\"<type>\"}}'",
                resource.id
            ),
            format!(
                "aws autoscaling update-auto-scaling-group --region {region} \
                 --auto-scaling-group-name <group> --launch-template LaunchTemplateName={}",
                resource.id
            ),
        ],
        (Kind::LambdaFunction | Kind::EcsTaskDefinition, _) => Vec::new(),
    }
}

/// The commands that take a key out of a resource, after the key itself is deactivated.
pub fn key_fix(found: &Located<'_>) -> Vec<String> {
    let resource = found.resource;
    let region = &resource.region;
    let mut commands = Vec::new();
    if let Some(id) = found.finding.key_id() {
        if !found.finding.example {
            commands.push(format!(
                "aws iam update-access-key --access-key-id {id} --status Inactive \
                 --user-name <owner>"
            ));
        }
    }
    match resource.kind {
        Kind::Instance => commands.push(format!(
            "aws ec2 modify-instance-attribute --region {region} --instance-id {} \
             --attribute userData --value file://user-data-without-keys.txt  \
             (on the stopped instance; then give it a role)",
            resource.id
        )),
        Kind::LaunchTemplateVersion => {
            let (template, version) = template_and_version(resource);
            commands.push(format!(
                "aws ec2 create-launch-template-version --region {region} \
                 --launch-template-id {template} --source-version {version} \
                 --launch-template-data '{{\"UserData\":\"<base64 user data without keys>\"}}'"
            ));
            commands.push(format!(
                "aws ec2 delete-launch-template-versions --region {region} \
                 --launch-template-id {template} --versions {version}"
            ));
        }
        Kind::LaunchConfiguration => commands.push(format!(
            "aws autoscaling delete-launch-configuration --region {region} \
             --launch-configuration-name {}  (after its groups move to a launch template \
             without the key)",
            resource.id
        )),
        Kind::LambdaFunction => commands.push(format!(
            "aws lambda update-function-configuration --region {region} --function-name {} \
             --environment 'Variables={{<every variable but {} and its secret>}}'  (the \
             execution role gives the function credentials; other secrets go to Secrets \
             Manager)",
            resource.id, found.place
        )),
        Kind::EcsTaskDefinition => {
            let family = resource.id.split(':').next().unwrap_or(&resource.id);
            commands.push(format!(
                "aws ecs register-task-definition --region {region} --family {family} \
                 --task-role-arn <role arn> --cli-input-json file://task-without-keys.json"
            ));
            commands.push(format!(
                "aws ecs deregister-task-definition --region {region} --task-definition {}",
                resource.id
            ));
        }
    }
    commands
}

/// `lt-0abc`, `3` from a launch template version's id (`lt-0abc version 3`).
fn template_and_version(resource: &Resource) -> (&str, String) {
    let template = resource.id.split(' ').next().unwrap_or(&resource.id);
    let version = resource
        .version
        .map(|v| v.to_string())
        .unwrap_or_else(|| "<version>".into());
    (template, version)
}

/// What to do about every key, in general terms.
pub const KEYS: &str = "Deactivate each key (aws iam update-access-key --status Inactive), \
     check CloudTrail for its use, take it out of every place listed, and give the workload \
     a role: an instance profile for EC2, an execution role for Lambda, a task role for ECS. \
     The SDKs pick up the role's short-lived credentials by themselves; other secrets belong \
     in Secrets Manager.";
