//! Where other compute keeps its launch environment: Lambda functions' environment
//! variables, active ECS task definitions' container environments.

use std::collections::BTreeMap;

use super::{all_pages, bounded, Body, Call, Context, Gathered, Text, PER_REGION};
use crate::model::{Check, Gap, Kind};

/// Every Lambda function's environment variables.
pub(super) async fn lambda_functions(context: &Context, region: &str) -> Gathered {
    let mut gathered = Gathered::default();
    let config = aws_sdk_lambda::config::Builder::from(&context.sdk)
        .region(aws_config::Region::new(region.to_string()))
        .build();
    let client = aws_sdk_lambda::Client::from_conf(config);
    let checks = [Check::LambdaEnvironments];
    let listing = Call::new(region, "lambda:ListFunctions", &checks);
    let pages = client.list_functions().into_paginator().send();
    for page in all_pages(pages, context, &listing, &mut gathered.gaps).await {
        for function in page.functions() {
            let (Some(name), Some(arn)) = (function.function_name(), function.function_arn())
            else {
                continue;
            };
            // Variables under a customer managed KMS key the operator cannot decrypt come
            // back as an error instead: not read, so the check cannot pass.
            if let Some(error) = function.environment().and_then(|e| e.error()) {
                let code = error.error_code().unwrap_or("no code");
                let message = error.message().unwrap_or("");
                gathered.gaps.push(Gap {
                    region: Some(region.to_string()),
                    action: "kms:Decrypt",
                    resource: Some(arn.to_string()),
                    denied: code.contains("AccessDenied"),
                    error: context.scrub.scrub(&format!(
                        "the function's environment variables could not be decrypted \
                         (key {}): {code}: {message}",
                        function.kms_key_arn().unwrap_or("unknown")
                    )),
                    checks: vec![Check::LambdaEnvironments],
                });
            }
            // In name order: the text's lines, and so the report, do not depend on the
            // order the API's map came in.
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
            gathered.push_environment_holder(
                Kind::LambdaFunction,
                region,
                name.to_string(),
                arn.to_string(),
            );
        }
    }
    gathered
}

/// Every active ECS task definition's container environments.
pub(super) async fn task_definitions(context: &Context, region: &str) -> Gathered {
    let mut gathered = Gathered::default();
    let config = aws_sdk_ecs::config::Builder::from(&context.sdk)
        .region(aws_config::Region::new(region.to_string()))
        .build();
    let client = aws_sdk_ecs::Client::from_conf(config);
    const CHECKS: [Check; 1] = [Check::EcsEnvironments];
    let listing = Call::new(region, "ecs:ListTaskDefinitions", &CHECKS);
    let pages = client
        .list_task_definitions()
        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        .into_paginator()
        .send();
    let arns: Vec<String> = all_pages(pages, context, &listing, &mut gathered.gaps)
        .await
        .iter()
        .flat_map(|page| page.task_definition_arns().iter().cloned())
        .collect();
    let described = bounded(arns, PER_REGION, |arn| {
        let client = client.clone();
        let context = context.clone();
        let region = region.to_string();
        async move {
            let mut part = Gathered::default();
            let answer = client
                .describe_task_definition()
                .task_definition(&arn)
                .send()
                .await;
            let definition = match answer {
                Ok(output) => output.task_definition,
                Err(error) => {
                    let call = Call::new(&region, "ecs:DescribeTaskDefinition", &CHECKS);
                    part.gaps.push(context.gap(&call.about(&arn), &error));
                    return part;
                }
            };
            let Some(definition) = definition else {
                return part;
            };
            for container in definition.container_definitions() {
                let variables: Vec<(String, String)> = container
                    .environment()
                    .iter()
                    .filter_map(|pair| Some((pair.name()?.to_string(), pair.value()?.to_string())))
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
            let id = match definition.family() {
                Some(family) => format!("{family}:{}", definition.revision()),
                None => arn.rsplit('/').next().unwrap_or(&arn).to_string(),
            };
            part.push_environment_holder(Kind::EcsTaskDefinition, &region, id, arn);
            part
        }
    })
    .await;
    for part in described {
        gathered.merge(part);
    }
    gathered
}
