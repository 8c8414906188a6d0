//! The IAM policy the account audit needs: read-only, and every call the audit makes is in
//! it (the tests run the audit as a user holding exactly this policy).

/// Every IAM action the audit calls, as the policy grants it. (STS GetCallerIdentity,
/// which names the account, needs no permission.)
pub const ACTIONS: [&str; 10] = [
    "ec2:DescribeRegions",
    "ec2:DescribeInstances",
    "ec2:DescribeInstanceAttribute",
    "ec2:DescribeLaunchTemplates",
    "ec2:DescribeLaunchTemplateVersions",
    "autoscaling:DescribeLaunchConfigurations",
    "iam:GetInstanceProfile",
    "lambda:ListFunctions",
    "ecs:ListTaskDefinitions",
    "ecs:DescribeTaskDefinition",
];

/// The policy document, as `aws iam create-policy --policy-document` takes it.
pub fn document() -> String {
    let actions: Vec<String> = ACTIONS.iter().map(|a| format!("        \"{a}\"")).collect();
    format!(
        "{{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {{\n      \
         \"Sid\": \"KeyhoundAwsAudit\",\n      \"Effect\": \"Allow\",\n      \
         \"Action\": [\n{}\n      ],\n      \"Resource\": \"*\"\n    }}\n  ]\n}}\n",
        actions.join(",\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_json_granting_every_action_read_only() {
        let value: serde_json::Value = serde_json::from_str(&document()).unwrap();
        let statement = &value["Statement"][0];
        assert_eq!(statement["Effect"], "Allow");
        let granted: Vec<&str> = statement["Action"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(granted, ACTIONS);
        for action in ACTIONS {
            let verb = action.split(':').nth(1).unwrap();
            assert!(
                ["Describe", "Get", "List"]
                    .iter()
                    .any(|p| verb.starts_with(p)),
                "{action} is not read-only"
            );
        }
    }

    #[test]
    fn every_call_in_the_code_is_in_the_policy() {
        let source = [
            include_str!("collect/mod.rs"),
            include_str!("collect/launchers.rs"),
            include_str!("collect/environments.rs"),
            include_str!("collect/identity.rs"),
        ]
        .concat();
        let mut called: Vec<&str> = source
            .split('"')
            .filter(|piece| {
                piece.contains(':')
                    && !piece.contains(' ')
                    && ["ec2:", "autoscaling:", "iam:", "lambda:", "ecs:"]
                        .iter()
                        .any(|p| piece.starts_with(p))
            })
            .collect();
        called.sort();
        called.dedup();
        let mut granted = ACTIONS.to_vec();
        granted.sort();
        assert_eq!(called, granted);
    }
}
