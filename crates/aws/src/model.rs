//! What an account audit found: the resources it looked at, each with its role when it
//! launches instances, the findings in their launch scripts and environments, what it
//! could not read, and the verdict of each check.

use std::collections::{BTreeMap, HashSet};

use keyhound_core::{Finding, Severity};
use keyhound_report::{key_of, plural_of, Report, SourceFindings};

/// The checks of the account audit, in the report's order. Each is a step with PASS,
/// FAIL or INCOMPLETE and its evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Check {
    /// Every instance (in any state but terminated) has an instance profile holding a role.
    InstanceRoles,
    /// Every launch template version and launch configuration gives its instances one.
    LaunchRoles,
    /// No user data (instances, launch templates, launch configurations) holds a key.
    UserData,
    /// No Lambda function's environment holds a key.
    LambdaEnvironments,
    /// No active ECS task definition's container environment holds a key.
    EcsEnvironments,
}

impl Check {
    /// Every check, in the report's order.
    pub const ALL: [Check; 5] = [
        Check::InstanceRoles,
        Check::LaunchRoles,
        Check::UserData,
        Check::LambdaEnvironments,
        Check::EcsEnvironments,
    ];

    /// Its id in JSON and SARIF.
    pub fn id(self) -> &'static str {
        match self {
            Check::InstanceRoles => "instance-roles",
            Check::LaunchRoles => "launch-roles",
            Check::UserData => "user-data",
            Check::LambdaEnvironments => "lambda-environments",
            Check::EcsEnvironments => "ecs-environments",
        }
    }

    /// Its title in reports.
    pub fn title(self) -> &'static str {
        match self {
            Check::InstanceRoles => "Instances have an IAM role",
            Check::LaunchRoles => "Launch templates and launch configurations give an IAM role",
            Check::UserData => "No keys in user data",
            Check::LambdaEnvironments => "No keys in Lambda environments",
            Check::EcsEnvironments => "No keys in ECS task definitions",
        }
    }

    /// What failing it means, with the fix in one line.
    pub fn rule_text(self) -> &'static str {
        match self {
            Check::InstanceRoles => {
                "An EC2 instance without an IAM role: whatever it runs reaches AWS with \
                 long-lived keys. Attach an instance profile holding a role."
            }
            Check::LaunchRoles => {
                "A launch template version or launch configuration without an IAM role: \
                 every instance it launches has none. Give it an instance profile."
            }
            Check::UserData => {
                "A long-lived AWS key in user data: every instance launched with it, and \
                 anyone who can read its attributes, holds the key."
            }
            Check::LambdaEnvironments => {
                "A long-lived AWS key in a Lambda function's environment: use the \
                 function's execution role, and Secrets Manager for other secrets."
            }
            Check::EcsEnvironments => {
                "A long-lived AWS key in an ECS task definition: use a task role, and \
                 `secrets` from Secrets Manager for other values."
            }
        }
    }
}

/// What kind of resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// An EC2 instance.
    Instance,
    /// One version of an EC2 launch template.
    LaunchTemplateVersion,
    /// An Auto Scaling launch configuration.
    LaunchConfiguration,
    /// A Lambda function.
    LambdaFunction,
    /// An active ECS task definition revision.
    EcsTaskDefinition,
}

impl Kind {
    /// Its id in JSON.
    pub fn id(self) -> &'static str {
        match self {
            Kind::Instance => "instance",
            Kind::LaunchTemplateVersion => "launch-template-version",
            Kind::LaunchConfiguration => "launch-configuration",
            Kind::LambdaFunction => "lambda-function",
            Kind::EcsTaskDefinition => "ecs-task-definition",
        }
    }

    /// Its name in reports.
    pub fn title(self) -> &'static str {
        match self {
            Kind::Instance => "instance",
            Kind::LaunchTemplateVersion => "launch template version",
            Kind::LaunchConfiguration => "launch configuration",
            Kind::LambdaFunction => "Lambda function",
            Kind::EcsTaskDefinition => "ECS task definition",
        }
    }

    /// The check that judges its role, for kinds that launch instances.
    pub fn role_check(self) -> Option<Check> {
        match self {
            Kind::Instance => Some(Check::InstanceRoles),
            Kind::LaunchTemplateVersion | Kind::LaunchConfiguration => Some(Check::LaunchRoles),
            Kind::LambdaFunction | Kind::EcsTaskDefinition => None,
        }
    }

    /// The check that judges keys found in it.
    pub fn key_check(self) -> Check {
        match self {
            Kind::Instance | Kind::LaunchTemplateVersion | Kind::LaunchConfiguration => {
                Check::UserData
            }
            Kind::LambdaFunction => Check::LambdaEnvironments,
            Kind::EcsTaskDefinition => Check::EcsEnvironments,
        }
    }
}

/// The role an instance gets from its instance profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// No instance profile.
    NoProfile,
    /// A profile holding these roles.
    Attached {
        /// The profile's name.
        profile: String,
        /// Its roles' names (IAM allows one).
        roles: Vec<String>,
    },
    /// A profile that holds no role: the instance gets no credentials from it.
    EmptyProfile {
        /// The profile's name.
        profile: String,
    },
    /// A profile IAM does not know (deleted since).
    MissingProfile {
        /// The profile's name.
        profile: String,
    },
    /// A profile whose roles could not be read (see the audit's gaps).
    Unchecked {
        /// The profile's name.
        profile: String,
    },
}

impl Role {
    /// Whether this fails the role check.
    pub fn fails(&self) -> bool {
        matches!(
            self,
            Role::NoProfile | Role::EmptyProfile { .. } | Role::MissingProfile { .. }
        )
    }

    /// One line for reports.
    pub fn describe(&self) -> String {
        match self {
            Role::NoProfile => "no instance profile".into(),
            Role::Attached { profile, roles } => {
                format!("instance profile {profile}, role {}", roles.join(", "))
            }
            Role::EmptyProfile { profile } => {
                format!("instance profile {profile} holds no role")
            }
            Role::MissingProfile { profile } => {
                format!("instance profile {profile} does not exist in IAM")
            }
            Role::Unchecked { profile } => {
                format!("instance profile {profile}, its role not checked")
            }
        }
    }

    /// Its id in JSON.
    pub fn id(&self) -> &'static str {
        match self {
            Role::NoProfile => "no-profile",
            Role::Attached { .. } => "attached",
            Role::EmptyProfile { .. } => "profile-without-role",
            Role::MissingProfile { .. } => "profile-missing",
            Role::Unchecked { .. } => "unchecked",
        }
    }
}

/// One resource the audit looked at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    /// What it is.
    pub kind: Kind,
    /// Its region.
    pub region: String,
    /// Its id as the console shows it: `i-0abc…`, `lt-0abc… version 3`, the launch
    /// configuration's or function's name, `family:revision`.
    pub id: String,
    /// Its ARN: the location reports give (a launch template's, for its versions).
    pub arn: String,
    /// A launch template version's number.
    pub version: Option<i64>,
    /// Its `Name` tag or name, when it has one apart from the id.
    pub name: Option<String>,
    /// For kinds that launch instances: the role they get.
    pub role: Option<Role>,
}

/// Something the audit could not read: a region, an API, or one resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gap {
    /// The region, for regional APIs.
    pub region: Option<String>,
    /// The IAM action of the call that failed (`lambda:ListFunctions`).
    pub action: &'static str,
    /// The resource it was about, when it was about one.
    pub resource: Option<String>,
    /// Whether AWS denied it: the permission is missing.
    pub denied: bool,
    /// The error, with the operator's credentials taken out.
    pub error: String,
    /// The checks it leaves incomplete.
    pub checks: Vec<Check>,
}

impl Gap {
    /// One line for reports.
    pub fn describe(&self) -> String {
        let mut text = String::new();
        if let Some(region) = &self.region {
            text.push_str(region);
            text.push_str(": ");
        }
        text.push_str(self.action);
        if let Some(resource) = &self.resource {
            text.push_str(&format!(" on {resource}"));
        }
        if self.denied {
            text.push_str(&format!(
                " denied: grant `{}` (docs/aws-audit.md has the audit's policy)",
                self.action
            ));
        } else {
            text.push_str(" failed");
        }
        text.push_str(&format!(": {}", self.error));
        text
    }
}

/// PASS, FAIL or INCOMPLETE, for a check or the audit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Nothing fails, and everything was read.
    Pass,
    /// Something fails (whether or not everything was read).
    Fail,
    /// Nothing read fails, but not everything could be read.
    Incomplete,
}

impl Status {
    /// `pass`, `fail`, `incomplete`.
    pub fn id(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Incomplete => "incomplete",
        }
    }

    /// `PASS`, `FAIL`, `INCOMPLETE`.
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Incomplete => "INCOMPLETE",
        }
    }
}

/// A finding with the resource it is in and where in it.
#[derive(Clone, Copy, Debug)]
pub struct Located<'a> {
    /// The findings' group: its source is a [`keyhound_report::Source::Cloud`].
    pub file: &'a SourceFindings,
    /// The finding.
    pub finding: &'a Finding,
    /// The resource.
    pub resource: &'a Resource,
    /// Where in it: `userData line 3`, `environment variable AWS_SECRET_ACCESS_KEY`.
    pub place: &'a str,
}

/// The account audit's result.
#[derive(Clone, Debug, Default)]
pub struct AccountAudit {
    /// The account audited, as STS named the caller's.
    pub account: Option<String>,
    /// The regions audited.
    pub regions: Vec<String>,
    /// Every resource looked at, by region, kind and id.
    pub resources: Vec<Resource>,
    /// The findings, each source a resource's part ([`keyhound_report::Source::Cloud`]).
    pub report: Report,
    /// The variable on each line of an environment's text, by the source's path
    /// (`arn#part`): line 1 is index 0.
    pub variables: BTreeMap<String, Vec<String>>,
    /// What could not be read.
    pub gaps: Vec<Gap>,
    /// What was read otherwise than its headers said, and other remarks.
    pub notes: Vec<String>,
    /// Whether AWS documentation example keys fail the audit.
    pub fail_on_examples: bool,
}

impl AccountAudit {
    /// The resource a finding's source names: its ARN, and for a launch template the
    /// version its part starts with (`version 3 userData`).
    pub fn resource(&self, arn: &str, part: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| {
            r.arn == arn
                && r.version
                    .is_none_or(|v| part.starts_with(&format!("version {v} ")))
        })
    }

    /// Whether `finding` fails the audit (an example key only when asked).
    pub fn fails(&self, finding: &Finding) -> bool {
        self.fail_on_examples || finding.severity > Severity::Info
    }

    /// Every finding with its resource and place, in report order.
    pub fn located(&self) -> Vec<Located<'_>> {
        let mut found = Vec::new();
        for file in &self.report.sources {
            let Some((arn, part)) = file.source.cloud() else {
                continue;
            };
            let Some(resource) = self.resource(arn, part) else {
                continue;
            };
            let names = self.variables.get(&file.source.display());
            for finding in &file.findings {
                let place = match names.and_then(|n| n.get(finding.line.saturating_sub(1))) {
                    Some(variable) => variable.as_str(),
                    None => part,
                };
                found.push(Located {
                    file,
                    finding,
                    resource,
                    place,
                });
            }
        }
        found
    }

    /// Where a located finding is, in words: `userData line 3`, `variable AWS_…`.
    pub fn place_of(&self, found: &Located<'_>) -> String {
        let (_, part) = found.file.source.cloud().unwrap_or(("", ""));
        if found.place != part {
            format!("{part} variable {}", found.place)
        } else {
            format!("{part} line {}", found.finding.line)
        }
    }

    /// The findings of a check, in report order.
    pub fn findings_of(&self, check: Check) -> Vec<Located<'_>> {
        self.located()
            .into_iter()
            .filter(|found| found.resource.kind.key_check() == check)
            .collect()
    }

    /// The resources a role check looks at.
    pub fn judged_by(&self, check: Check) -> impl Iterator<Item = &Resource> {
        self.resources
            .iter()
            .filter(move |r| r.kind.role_check() == Some(check))
    }

    /// The gaps that leave `check` incomplete.
    pub fn gaps_of(&self, check: Check) -> impl Iterator<Item = &Gap> {
        self.gaps.iter().filter(move |g| g.checks.contains(&check))
    }

    /// Distinct keys that fail `check`: one key in many places is one key to rotate.
    pub fn failing_keys(&self, check: Check) -> usize {
        self.findings_of(check)
            .iter()
            .filter(|found| self.fails(found.finding))
            .map(|found| key_of(found.finding))
            .collect::<HashSet<_>>()
            .len()
    }

    /// Distinct keys that fail the audit, in every check.
    pub fn failing_keys_everywhere(&self) -> usize {
        self.located()
            .iter()
            .filter(|found| self.fails(found.finding))
            .map(|found| key_of(found.finding))
            .collect::<HashSet<_>>()
            .len()
    }

    /// Resources failing a role check.
    pub fn without_role(&self, check: Check) -> Vec<&Resource> {
        self.judged_by(check)
            .filter(|r| r.role.as_ref().is_some_and(Role::fails))
            .collect()
    }

    /// The status of one check.
    pub fn status(&self, check: Check) -> Status {
        let failing = match check {
            Check::InstanceRoles | Check::LaunchRoles => !self.without_role(check).is_empty(),
            _ => self.failing_keys(check) > 0,
        };
        if failing {
            Status::Fail
        } else if self.gaps_of(check).next().is_some() {
            Status::Incomplete
        } else {
            Status::Pass
        }
    }

    /// The audit's result: FAIL when any check fails, else INCOMPLETE when any could not
    /// be finished, else PASS.
    pub fn result(&self) -> Status {
        let statuses: Vec<Status> = Check::ALL.iter().map(|&c| self.status(c)).collect();
        if statuses.contains(&Status::Fail) {
            Status::Fail
        } else if statuses.contains(&Status::Incomplete) || !self.gaps.is_empty() {
            Status::Incomplete
        } else {
            Status::Pass
        }
    }

    /// Whether anything could not be read (exit 3, whatever the result).
    pub fn is_incomplete(&self) -> bool {
        !self.gaps.is_empty()
    }

    /// The evidence of a check, in one sentence.
    pub fn summary(&self, check: Check) -> String {
        let gaps = self.gaps_of(check).count();
        let mut text = match check {
            Check::InstanceRoles | Check::LaunchRoles => {
                let judged = self.judged_by(check).count();
                let failing = self.without_role(check).len();
                let what = match check {
                    Check::InstanceRoles => ("instance", "instances"),
                    _ => (
                        "launch template version or configuration",
                        "launch template versions and configurations",
                    ),
                };
                format!(
                    "{failing} of {judged} {} without an IAM role",
                    if judged == 1 { what.0 } else { what.1 }
                )
            }
            _ => {
                let kinds: Vec<Kind> = match check {
                    Check::UserData => vec![
                        Kind::Instance,
                        Kind::LaunchTemplateVersion,
                        Kind::LaunchConfiguration,
                    ],
                    Check::LambdaEnvironments => vec![Kind::LambdaFunction],
                    _ => vec![Kind::EcsTaskDefinition],
                };
                let read = self
                    .resources
                    .iter()
                    .filter(|r| kinds.contains(&r.kind))
                    .count();
                let keys = self.failing_keys(check);
                let places = self
                    .findings_of(check)
                    .iter()
                    .filter(|f| self.fails(f.finding))
                    .map(|f| f.resource.arn.as_str())
                    .collect::<HashSet<_>>()
                    .len();
                format!(
                    "{} in {} of {} {} read",
                    plural(keys, "long-lived key", "long-lived keys"),
                    places,
                    read,
                    if read == 1 { "resource" } else { "resources" }
                )
            }
        };
        if gaps > 0 {
            text.push_str(&format!("; {} not read", plural(gaps, "call", "calls")));
        }
        text
    }
}

/// `1 key`, `2 keys`.
fn plural(count: usize, one: &str, many: &str) -> String {
    plural_of(count as u64, one, many)
}
