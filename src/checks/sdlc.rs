//! Software-delivery checks (study sections 2 CodePipeline, 3 CodeBuild, 4 CodeDeploy and 14 ECR).
//!
//! Each check judges one resource per outcome (a pipeline, a build project, a deployment group, a
//! repository) in the region it lives in. A region whose service could not be listed gives one
//! not-evaluated outcome; a resource whose own read failed gives its own.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::{
    aws_principals, condition_keys, condition_limits_principal, per_region, policy_statements, policy_strings, At, Ctx,
    Evaluator, Outcome,
};
use crate::snapshot::{
    looks_secret, AccountSnapshot, BuildProject, CodeDeployData, DeployApplication, DeploymentConfig, DeploymentGroup,
    DeploymentGroupDetail, EcrData, EcrRepository, Pipeline, PipelineAction, PipelineDeclaration, PipelineStage,
};

/// The sdlc checks, by id.
pub static CHECKS: &[(&str, Evaluator)] = &[
    ("codepipeline-manual-approval", manual_approval),
    ("codepipeline-artifact-store-encryption", artifact_store_encryption),
    ("codebuild-artifact-encryption", build_artifact_encryption),
    ("codebuild-privileged-mode", privileged_mode),
    ("codebuild-plaintext-secrets", plaintext_secrets),
    ("codebuild-shared-service-role", shared_service_role),
    ("codedeploy-automatic-rollback", automatic_rollback),
    ("codedeploy-alarm-rollback", alarm_rollback),
    ("codedeploy-deployment-config", deployment_config),
    ("ecr-scan-on-push", scan_on_push),
    ("ecr-kms-encryption", ecr_kms_encryption),
    ("ecr-repository-policy", repository_policy),
    ("ecr-tag-immutability", tag_immutability),
];

// ---- CodePipeline -----------------------------------------------------------------------------------

/// Calls `judge` on each pipeline whose structure was read; a pipeline whose `GetPipeline` failed is not evaluated.
fn per_pipeline(ctx: &Ctx<'_>, judge: impl Fn(At, &Pipeline, &PipelineDeclaration) -> Outcome) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.sdlc.codepipeline,
        |account, region, data, out| {
            for p in &data.pipelines {
                let at = At::new(&account.account_id, &region.region, p.arn.clone());
                out.push(match p.declaration.get() {
                    Ok(d) => judge(at, p, d),
                    Err(e) => at.not_evaluated(&e),
                });
            }
        },
    )
}

/// The words of a name, lowercased: split at anything but letters and digits, between letters and digits,
/// and where a lowercase letter meets an uppercase one (`DeployToProd` → deploy, to, prod).
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous: Option<char> = None;
    for c in name.chars() {
        let boundary = match previous {
            _ if !c.is_alphanumeric() => true,
            Some(p) => (p.is_lowercase() && c.is_uppercase()) || (p.is_alphabetic() != c.is_alphabetic()),
            None => false,
        };
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        if c.is_alphanumeric() {
            current.extend(c.to_lowercase());
        }
        previous = c.is_alphanumeric().then_some(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// A stage named for production: a word `prod`, `prd`, `production` or `live`, not preceded by `pre` or `non`.
fn is_production_stage(name: &str) -> bool {
    let words = words(name);
    words.iter().enumerate().any(|(i, w)| {
        matches!(w.as_str(), "prod" | "prd" | "production" | "live")
            && !(i > 0 && matches!(words[i - 1].as_str(), "pre" | "non"))
    })
}

fn is_manual_approval(a: &PipelineAction) -> bool {
    a.category == "Approval" && a.provider == "Manual"
}

/// Actions that may change production without being Deploy actions: a CodeBuild project running `cdk deploy` or
/// `terraform apply`, a Lambda or Step Functions invoke, a Commands action. Whether they deploy cannot be told from
/// the pipeline's structure.
fn may_deploy(a: &PipelineAction) -> bool {
    matches!(a.category.as_str(), "Build" | "Invoke" | "Compute")
}

/// A production stage and the action that changes production first: its first Deploy action, or, in a stage with
/// none, its first action that may deploy (`certain` false).
struct ProductionStep<'a> {
    index: usize,
    stage: &'a str,
    action: &'a PipelineAction,
    certain: bool,
}

/// The step of a stage that changes what it deploys to first, if any.
fn production_step(index: usize, s: &PipelineStage) -> Option<ProductionStep<'_>> {
    let first = |keep: fn(&PipelineAction) -> bool| s.actions.iter().filter(|a| keep(a)).min_by_key(|a| a.run_order);
    let (action, certain) = match first(|a| a.category == "Deploy") {
        Some(a) => (a, true),
        None => (first(may_deploy)?, false),
    };
    Some(ProductionStep { index, stage: s.name.as_str(), action, certain })
}

pub fn manual_approval(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_pipeline(ctx, |at, p, d| {
        let approvals: Vec<String> = d
            .stages
            .iter()
            .flat_map(|s| {
                s.actions
                    .iter()
                    .filter(|a| is_manual_approval(a))
                    .map(move |a| format!("{}/{} (run order {})", s.name, a.name, a.run_order))
            })
            .collect();
        let mut production: Vec<ProductionStep> = d
            .stages
            .iter()
            .enumerate()
            .filter(|(_, s)| is_production_stage(&s.name))
            .filter_map(|(i, s)| production_step(i, s))
            .collect();
        // A pipeline named for production (`shop-prod`) whose stages are not: its last deploying stage is production.
        let named_pipeline = production.is_empty() && is_production_stage(&p.name);
        if named_pipeline {
            production.extend(d.stages.iter().enumerate().filter_map(|(i, s)| production_step(i, s)).next_back());
        }
        let mut evidence = json!({
            "production_stages": production.iter().map(|s| s.stage).collect::<Vec<_>>(),
            "manual_approvals": approvals,
        });
        if named_pipeline {
            evidence["production_by_pipeline_name"] = json!(true);
        }
        if production.is_empty() {
            return at.skipped(
                format!(
                    "not applicable: pipeline {} has no production stage (a stage named prod, prd, production or \
                     live with a Deploy, Build, Invoke or Compute action, or a deploying stage of a pipeline so \
                     named)",
                    p.name
                ),
                evidence,
            );
        }
        let gated = |step: &ProductionStep| {
            let earlier = d.stages[..step.index].iter().flat_map(|s| &s.actions).any(is_manual_approval);
            let before = d.stages[step.index]
                .actions
                .iter()
                .any(|a| is_manual_approval(a) && a.run_order < step.action.run_order);
            earlier || before
        };
        let ungated: Vec<&ProductionStep> = production.iter().filter(|s| !gated(s)).collect();
        let Some(step) = ungated.iter().find(|s| s.certain).or(ungated.first()) else {
            let stages: Vec<&str> = production.iter().map(|s| s.stage).collect();
            return at.pass(
                format!("pipeline {} waits for a manual approval before deploying in {}", p.name, stages.join(", ")),
                evidence,
            );
        };
        let (stage, deploy) = (step.stage, step.action);
        evidence["ungated_stage"] = json!(stage);
        evidence["deploy_action"] =
            json!(format!("{} ({}, run order {})", deploy.name, deploy.provider, deploy.run_order));
        evidence["deploy_action_category"] = json!(deploy.category);
        if !step.certain {
            return at.unknown(
                format!(
                    "pipeline {}: production stage {stage} has no Deploy action and no manual approval before its {} \
                     action {} ({}); whether that action deploys cannot be told from the pipeline",
                    p.name, deploy.category, deploy.name, deploy.provider
                ),
                evidence,
            );
        }
        let parallel =
            d.stages[step.index].actions.iter().find(|a| is_manual_approval(a) && a.run_order == deploy.run_order);
        let message = match parallel {
            Some(a) => format!(
                "pipeline {} deploys in stage {stage} with {} in parallel with its approval {}: both have run order \
                 {}, so the deploy does not wait",
                p.name, deploy.name, a.name, deploy.run_order
            ),
            None => format!(
                "pipeline {} deploys to production in stage {stage} ({}) with no manual approval before it",
                p.name, deploy.name
            ),
        };
        at.fail(message, evidence)
    })
}

/// The AWS managed key for S3, which no other account can be granted.
fn is_aws_managed_s3_key(key: &str) -> bool {
    key == "alias/aws/s3" || key.ends_with(":alias/aws/s3")
}

pub fn artifact_store_encryption(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_pipeline(ctx, |at, p, d| {
        let stores: Map<String, Value> = d
            .artifact_stores
            .iter()
            .map(|(region, s)| (region.clone(), json!({ "bucket": s.location, "encryption_key": s.encryption_key_id })))
            .collect();
        let evidence = json!({ "artifact_stores": stores });
        if d.artifact_stores.is_empty() {
            return at.unknown(format!("pipeline {} declares no artifact store to judge", p.name), evidence);
        }
        let weak: Vec<String> = d
            .artifact_stores
            .iter()
            .filter(|(_, s)| s.encryption_key_id.as_deref().is_none_or(is_aws_managed_s3_key))
            .map(|(region, s)| format!("{} ({region})", s.location))
            .collect();
        if weak.is_empty() {
            // The key is judged by how it is named: a key id or ARN of the aws/s3 key itself would need
            // kms:DescribeKey to tell apart, and CodePipeline's console and CLI never name it that way.
            let keys: BTreeSet<&str> =
                d.artifact_stores.values().filter_map(|s| s.encryption_key_id.as_deref()).collect();
            at.pass(
                format!(
                    "pipeline {} encrypts its artifacts with the KMS key it names ({}), not the AWS managed S3 key",
                    p.name,
                    keys.into_iter().collect::<Vec<_>>().join(", ")
                ),
                evidence,
            )
        } else {
            at.fail(
                format!(
                    "pipeline {} encrypts artifacts in {} with the AWS managed S3 key, which cannot be shared with \
                     other accounts",
                    p.name,
                    weak.join(", ")
                ),
                evidence,
            )
        }
    })
}

// ---- CodeBuild --------------------------------------------------------------------------------------

/// Calls `judge` on each build project of each region whose projects were read.
fn per_project(ctx: &Ctx<'_>, judge: impl Fn(At, &AccountSnapshot, &BuildProject) -> Outcome) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.sdlc.codebuild,
        |account, region, data, out| {
            for p in &data.projects {
                out.push(judge(At::new(&account.account_id, &region.region, p.arn.clone()), account, p));
            }
        },
    )
}

pub fn build_artifact_encryption(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_project(ctx, |at, _, p| {
        let secondary: Map<String, Value> = p
            .secondary_artifacts
            .iter()
            .map(|a| {
                (
                    a.identifier.clone().unwrap_or_default(),
                    json!({ "type": a.artifacts_type, "encryption_disabled": a.encryption_disabled }),
                )
            })
            .collect();
        let mut evidence = json!({
            "encryption_key": p.encryption_key,
            "artifacts_type": p.artifacts.artifacts_type,
            "artifacts_encryption_disabled": p.artifacts.encryption_disabled,
            "cache_type": p.cache_type,
        });
        if !secondary.is_empty() {
            evidence["secondary_artifacts"] = Value::Object(secondary);
        }
        let s3_outputs: Vec<_> =
            std::iter::once(&p.artifacts).chain(&p.secondary_artifacts).filter(|a| a.artifacts_type == "S3").collect();
        if s3_outputs.is_empty() && p.cache_type != "S3" {
            return at.skipped(
                format!(
                    "not applicable: project {} writes no artifacts or cache to S3 (output type {})",
                    p.name, p.artifacts.artifacts_type
                ),
                evidence,
            );
        }
        let disabled: Vec<&str> = s3_outputs
            .iter()
            .filter(|a| a.encryption_disabled)
            .map(|a| a.identifier.as_deref().unwrap_or("primary artifacts"))
            .collect();
        if !disabled.is_empty() {
            return at
                .fail(format!("project {} has encryption turned off for {}", p.name, disabled.join(", ")), evidence);
        }
        match p.encryption_key.as_deref() {
            Some(key) if !is_aws_managed_s3_key(key) => {
                at.pass(format!("project {} encrypts its build output with KMS key {key}", p.name), evidence)
            }
            _ => at.fail(
                format!(
                    "project {} encrypts its build output with the AWS managed key aws/s3, not a customer managed \
                     KMS key",
                    p.name
                ),
                evidence,
            ),
        }
    })
}

pub fn privileged_mode(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_project(ctx, |at, _, p| {
        let env = &p.environment;
        let evidence = json!({
            "image": env.image,
            "environment_type": env.environment_type,
            "privileged_mode": env.privileged_mode,
            "inline_buildspec_builds_images": p.inline_buildspec_builds_images,
        });
        match (env.privileged_mode, p.inline_buildspec_builds_images) {
            (false, _) => at.pass(format!("project {} builds without privileged mode", p.name), evidence),
            (true, Some(true)) => at.pass(
                format!(
                    "project {} runs privileged, which its inline buildspec needs to build container images",
                    p.name
                ),
                evidence,
            ),
            (true, Some(false)) => at.fail(
                format!("project {} runs privileged although its inline buildspec builds no container image", p.name),
                evidence,
            ),
            // The buildspec is a file in the source, which the audit does not read: whether the project needs the
            // privilege cannot be told.
            (true, None) => at.unknown(
                format!(
                    "project {} runs privileged (image {}) with its buildspec in the source, which dopaudit does not \
                     read: unless that buildspec builds container images, turn privileged mode off",
                    p.name, env.image
                ),
                evidence,
            ),
        }
    })
}

/// Plaintext variables whose name or value says they hold a secret. Prowler's equivalent scans the values;
/// dopaudit reads each value once, at collection, keeps only whether it looks like a credential, and judges
/// the names as well (a `DB_PASSWORD` holding a short word is still a password).
pub fn plaintext_secrets(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_project(ctx, |at, _, p| {
        let plaintext: Vec<&crate::snapshot::BuildVariable> =
            p.environment.variables.iter().filter(|v| v.variable_type == "PLAINTEXT").collect();
        let variables: Map<String, Value> =
            p.environment.variables.iter().map(|v| (v.name.clone(), json!(v.variable_type))).collect();
        let by_name: Vec<&str> = plaintext.iter().filter(|v| looks_secret(&v.name)).map(|v| v.name.as_str()).collect();
        let by_value: Vec<&str> = plaintext
            .iter()
            .filter(|v| v.value_looks_secret == Some(true) && !looks_secret(&v.name))
            .map(|v| v.name.as_str())
            .collect();
        let values_unseen: Vec<&str> =
            plaintext.iter().filter(|v| v.value_looks_secret.is_none()).map(|v| v.name.as_str()).collect();
        let evidence = json!({
            "plaintext_secret_like_variables": by_name.iter().chain(&by_value).collect::<Vec<_>>(),
            "credential_shaped_values": by_value,
            "values_not_inspected": values_unseen,
            "variable_types": variables,
        });
        if !by_name.is_empty() || !by_value.is_empty() {
            let mut what = Vec::new();
            if !by_name.is_empty() {
                what.push(format!("named like secrets: {}", by_name.join(", ")));
            }
            if !by_value.is_empty() {
                what.push(format!("with values shaped like credentials: {}", by_value.join(", ")));
            }
            return at.fail(
                format!(
                    "project {} holds {} secret-looking variable(s) in plaintext, readable by anyone who can view \
                     the project ({})",
                    p.name,
                    by_name.len() + by_value.len(),
                    what.join("; ")
                ),
                evidence,
            );
        }
        if !values_unseen.is_empty() {
            return at.unknown(
                format!(
                    "project {}: no plaintext variable is named like a secret, but the values of {} were not \
                     inspected (a snapshot from before dopaudit looked at values); collect again to judge them",
                    p.name,
                    values_unseen.join(", ")
                ),
                evidence,
            );
        }
        at.pass(
            format!("project {} keeps no secret-looking variable in plaintext, by name or by value", p.name),
            evidence,
        )
    })
}

/// A service role as IAM tells roles apart: by account and name, whatever the path written before the name and
/// the letter case (role names are unique within an account regardless of both).
fn role_identity(role: &str) -> String {
    let account = role.strip_prefix("arn:").and_then(|r| r.split(':').nth(3)).unwrap_or_default();
    let name = role.rsplit('/').next().unwrap_or(role);
    format!("{account}:{}", name.to_lowercase())
}

/// Every project of the account by service role identity, across the regions whose projects were read, and
/// the regions whose projects could not be read (a region not in use is not a gap).
fn projects_by_role(account: &AccountSnapshot) -> (BTreeMap<String, Vec<&BuildProject>>, Vec<String>) {
    let mut by_role: BTreeMap<String, Vec<&BuildProject>> = BTreeMap::new();
    let mut unread = Vec::new();
    for region in &account.regions {
        match region.sdlc.codebuild.get() {
            Ok(data) => {
                for p in &data.projects {
                    if let Some(role) = &p.service_role {
                        by_role.entry(role_identity(role)).or_default().push(p);
                    }
                }
            }
            Err(e) if e.kind.means_not_applicable() => {}
            Err(e) => unread.push(format!("{} ({})", region.region, e.brief())),
        }
    }
    (by_role, unread)
}

pub fn shared_service_role(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_project(ctx, |at, account, p| {
        let Some(role) = &p.service_role else {
            return at.unknown(format!("project {} reports no service role", p.name), json!({ "service_role": null }));
        };
        let (by_role, unread) = projects_by_role(account);
        let others: Vec<&str> = by_role
            .get(&role_identity(role))
            .into_iter()
            .flatten()
            .filter(|o| o.arn != p.arn)
            .map(|o| o.arn.as_str())
            .collect();
        let mut evidence = json!({ "service_role": role, "shared_with": others });
        if !unread.is_empty() {
            evidence["regions_not_read"] = json!(unread);
        }
        if !others.is_empty() {
            return at.fail(
                format!(
                    "project {} shares service role {role} with {} other project(s): each gets the permissions all \
                     of them need",
                    p.name,
                    others.len()
                ),
                evidence,
            );
        }
        if !unread.is_empty() {
            return at.unknown(
                format!(
                    "project {}: no other project read uses service role {role}, but the projects of {} could not be \
                     read",
                    p.name,
                    unread.join(", ")
                ),
                evidence,
            );
        }
        at.pass(
            format!("project {} is the only project using service role {role} in the audited regions", p.name),
            evidence,
        )
    })
}

// ---- CodeDeploy -------------------------------------------------------------------------------------

/// Calls `judge` on each deployment group that was read; an application whose groups could not be listed,
/// or a group that could not be read, is not evaluated.
fn per_group(
    ctx: &Ctx<'_>,
    judge: impl Fn(At, &DeployApplication, &DeploymentGroup, &DeploymentGroupDetail, &CodeDeployData) -> Outcome,
) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.sdlc.codedeploy,
        |account, region, data, out| {
            for app in &data.applications {
                let groups = match app.groups.get() {
                    Ok(groups) => groups,
                    Err(e) => {
                        out.push(At::new(&account.account_id, &region.region, app.arn.clone()).not_evaluated(&e));
                        continue;
                    }
                };
                for g in groups {
                    let at = At::new(&account.account_id, &region.region, g.arn.clone());
                    out.push(match g.detail.get() {
                        Ok(d) => judge(at, app, g, d, data),
                        Err(e) => at.not_evaluated(&e),
                    });
                }
            }
        },
    )
}

fn rolls_back_on(d: &DeploymentGroupDetail, event: &str) -> bool {
    d.auto_rollback_enabled && d.auto_rollback_events.iter().any(|e| e == event)
}

pub fn automatic_rollback(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_group(ctx, |at, app, g, d, _| {
        let evidence = json!({
            "auto_rollback_enabled": d.auto_rollback_enabled,
            "rollback_events": d.auto_rollback_events,
        });
        let name = format!("{}/{}", app.name, g.name);
        if rolls_back_on(d, "DEPLOYMENT_FAILURE") {
            at.pass(format!("deployment group {name} rolls back automatically when a deployment fails"), evidence)
        } else if d.auto_rollback_enabled {
            at.fail(
                format!("deployment group {name} has automatic rollback on, but not for failed deployments"),
                evidence,
            )
        } else {
            at.fail(
                format!(
                    "deployment group {name} has automatic rollback off: a failed deployment leaves the broken \
                     revision in place"
                ),
                evidence,
            )
        }
    })
}

pub fn alarm_rollback(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_group(ctx, |at, app, g, d, _| {
        let evidence = json!({
            "alarms_enabled": d.alarms_enabled,
            "alarms": d.alarms,
            "auto_rollback_enabled": d.auto_rollback_enabled,
            "rollback_events": d.auto_rollback_events,
            "ignore_poll_alarm_failure": d.ignore_poll_alarm_failure,
        });
        let name = format!("{}/{}", app.name, g.name);
        let mut gaps = Vec::new();
        if d.alarms.is_empty() {
            gaps.push("no CloudWatch alarm is attached");
        } else if !d.alarms_enabled {
            gaps.push("its alarms are not enabled");
        }
        if !rolls_back_on(d, "DEPLOYMENT_STOP_ON_ALARM") {
            gaps.push("it does not roll back when an alarm stops a deployment");
        }
        if gaps.is_empty() {
            // ignorePollAlarmFailure only matters when CloudWatch cannot be read; the guard holds otherwise.
            let caveat = if d.ignore_poll_alarm_failure {
                "; note that deployments go on unguarded whenever the alarm states cannot be read \
                 (ignorePollAlarmFailure)"
            } else {
                ""
            };
            at.pass(
                format!(
                    "deployment group {name} rolls back when one of its alarms goes off ({}){caveat}",
                    d.alarms.join(", ")
                ),
                evidence,
            )
        } else {
            at.fail(format!("deployment group {name}: {}", gaps.join(", and ")), evidence)
        }
    })
}

/// The predefined configurations that deploy to every target, or shift all traffic, at once.
const ALL_AT_ONCE: [&str; 3] =
    ["CodeDeployDefault.AllAtOnce", "CodeDeployDefault.LambdaAllAtOnce", "CodeDeployDefault.ECSAllAtOnce"];

/// A custom configuration that leaves no host healthy, or shifts all traffic in one step; `None` when the answer
/// holds neither a minimum of healthy hosts nor a traffic routing, so the pace cannot be told.
fn custom_all_at_once(c: &DeploymentConfig) -> Option<bool> {
    match (c.traffic_routing_type.as_deref(), c.minimum_healthy_hosts_value) {
        (Some(routing), _) => Some(routing == "AllAtOnce"),
        (None, Some(healthy)) => Some(healthy == 0),
        (None, None) => None,
    }
}

/// The compute platform a predefined configuration's name gives away.
fn platform_of_config(name: &str) -> Option<&'static str> {
    let rest = name.strip_prefix("CodeDeployDefault.")?;
    Some(if rest.starts_with("Lambda") {
        "Lambda"
    } else if rest.starts_with("ECS") {
        "ECS"
    } else {
        "Server"
    })
}

pub fn deployment_config(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_group(ctx, |at, app, g, d, data| {
        let name = format!("{}/{}", app.name, g.name);
        let custom = d
            .deployment_config_name
            .as_deref()
            .filter(|c| !c.starts_with("CodeDeployDefault."))
            .and_then(|c| data.custom_configs.get(c))
            .and_then(|c| c.get().ok());
        // The group's platform, else what its configuration says; an absent one is not guessed.
        let platform = d
            .compute_platform
            .as_deref()
            .or_else(|| d.deployment_config_name.as_deref().and_then(platform_of_config))
            .or_else(|| custom.and_then(|c| c.compute_platform.as_deref()));
        // Lambda and ECS deployments always shift traffic between two versions.
        let deployment_type = match (platform, d.deployment_type.as_deref()) {
            (Some("Lambda" | "ECS"), _) => Some("BLUE_GREEN"),
            (_, t) => t,
        };
        let mut evidence = json!({
            "deployment_config_name": d.deployment_config_name,
            "compute_platform": platform,
            "deployment_type": deployment_type,
        });
        let Some(config) = d.deployment_config_name.as_deref() else {
            return at.unknown(format!("deployment group {name} reports no deployment configuration"), evidence);
        };
        let all_at_once = if ALL_AT_ONCE.contains(&config) {
            true
        } else if config.starts_with("CodeDeployDefault.") {
            false
        } else {
            let custom = match data.custom_configs.get(config).map(|c| c.get()) {
                Some(Ok(c)) => c,
                Some(Err(e)) => return at.not_evaluated(&e),
                None => {
                    return at.unknown(
                        format!("deployment group {name} uses custom configuration {config}, which was not read"),
                        evidence,
                    )
                }
            };
            evidence["custom_config"] = json!(custom);
            match custom_all_at_once(custom) {
                Some(all) => all,
                None => {
                    return at.unknown(
                        format!(
                            "deployment group {name} uses custom configuration {config}, whose answer holds neither \
                             a minimum of healthy hosts nor a traffic routing"
                        ),
                        evidence,
                    )
                }
            }
        };
        let kind = deployment_type.map(|t| format!(" ({t})")).unwrap_or_default();
        if !all_at_once {
            return at.pass(format!("deployment group {name} deploys gradually with {config}{kind}"), evidence);
        }
        let effect = match (platform, deployment_type) {
            (Some("Lambda" | "ECS"), _) => {
                "shifts all traffic to the new version in one step, with no canary or linear stage to catch errors \
                 first"
            }
            (_, Some("BLUE_GREEN")) => {
                "moves all traffic to the replacement instances at once: the original fleet stays for rollback, but \
                 every user meets the new revision together"
            }
            (Some(_), _) => "takes every instance out of service together: a bad revision takes the whole fleet down",
            (None, _) => "deploys to every target at once: a bad revision reaches all of them together",
        };
        at.fail(format!("deployment group {name} uses {config}, which {effect}"), evidence)
    })
}

// ---- ECR --------------------------------------------------------------------------------------------

/// Calls `judge` on each repository of each region whose repositories were read.
fn per_repository(ctx: &Ctx<'_>, judge: impl Fn(At, &EcrRepository, &EcrData) -> Outcome) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.sdlc.ecr,
        |account, region, data, out| {
            for repo in &data.repositories {
                out.push(judge(At::new(&account.account_id, &region.region, repo.arn.clone()), repo, data));
            }
        },
    )
}

/// ECR's repository filter: with a `*`, a wildcard pattern over the whole name (`*` is any run of
/// characters); without one, a match on any name that contains the filter.
fn filter_matches(filter: &str, name: &str) -> bool {
    if !filter.contains('*') {
        return name.contains(filter);
    }
    let parts: Vec<&str> = filter.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if name.len() < first.len() + last.len() || !name.starts_with(first) || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

pub fn scan_on_push(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_repository(ctx, |at, repo, data| {
        let registry = match data.registry_scanning.get() {
            Ok(r) => r,
            Err(e) => return at.not_evaluated(&e),
        };
        let enhanced = registry.scan_type == "ENHANCED";
        let on_push = |freq: &str| freq == "SCAN_ON_PUSH" || (enhanced && freq == "CONTINUOUS_SCAN");
        let rule = registry.rules.iter().filter(|r| on_push(&r.scan_frequency)).find_map(|r| {
            let filter = r.filters.iter().find(|f| filter_matches(f, &repo.name))?;
            Some(format!("{filter} ({})", r.scan_frequency))
        });
        let evidence = json!({
            "registry_scan_type": registry.scan_type,
            "matching_registry_rule": rule,
            "repository_scan_on_push": repo.scan_on_push,
        });
        // Under basic scanning with registry rules, a repository no scan-on-push filter matches is set to manual
        // scanning: its own (deprecated) flag counts only in a registry that has no rules.
        let own_flag_counts = repo.scan_on_push && !enhanced && registry.rules.is_empty();
        match (rule, enhanced, own_flag_counts) {
            (Some(rule), _, _) => at.pass(
                format!(
                    "repository {} is scanned on push by the registry's {} scanning rule {rule}",
                    repo.name,
                    registry.scan_type.to_lowercase()
                ),
                evidence,
            ),
            (None, false, true) => at.pass(
                format!(
                    "repository {} is scanned on push by its own (deprecated) repository setting; a registry rule \
                     is the lasting place for it",
                    repo.name
                ),
                evidence,
            ),
            (None, true, _) => at.fail(
                format!(
                    "repository {} matches no enhanced scanning rule of the registry: its images are not scanned",
                    repo.name
                ),
                evidence,
            ),
            (None, false, false) if repo.scan_on_push => at.fail(
                format!(
                    "repository {} is not scanned on push: its own scanOnPush setting gives way to the registry's \
                     basic scanning rules, and no scan-on-push filter of them matches it, so it is scanned manually \
                     only",
                    repo.name
                ),
                evidence,
            ),
            (None, false, false) => at.fail(
                format!(
                    "repository {} is not scanned on push: neither a registry rule nor the repository turns it on",
                    repo.name
                ),
                evidence,
            ),
        }
    })
}

pub fn ecr_kms_encryption(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_repository(ctx, |at, repo, _| {
        let evidence = json!({ "encryption_type": repo.encryption_type, "kms_key": repo.kms_key });
        if repo.encryption_type.starts_with("KMS") {
            let key = repo.kms_key.as_deref().unwrap_or("the AWS managed key aws/ecr");
            at.pass(format!("repository {} is encrypted with KMS ({key})", repo.name), evidence)
        } else {
            at.fail(
                format!(
                    "repository {} is encrypted with {} (Amazon S3-managed keys), not KMS; encryption is set only \
                     when a repository is created",
                    repo.name, repo.encryption_type
                ),
                evidence,
            )
        }
    })
}

/// The account of an AWS principal (`123456789012` or an ARN in it), when it names one.
fn principal_account(principal: &str) -> Option<&str> {
    let account = if principal.starts_with("arn:") { principal.split(':').nth(4)? } else { principal };
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

/// What one repository policy allows: the statements open to everyone (`Principal: "*"` with no condition, or only
/// conditions that do not limit who, such as `aws:SecureTransport`), by Sid or position, the actions they allow and
/// the condition keys they carry; the statements whose condition does limit who; and the other accounts it names.
struct PolicyView {
    open_statements: Vec<String>,
    open_actions: BTreeSet<String>,
    /// The condition keys of open statements, none of which limits the caller.
    open_conditions: BTreeSet<String>,
    conditioned_wildcards: Vec<String>,
    other_accounts: BTreeSet<String>,
}

fn read_policy(text: &str, owner: &str) -> Option<PolicyView> {
    let doc: Value = serde_json::from_str(text).ok()?;
    if !(doc["Statement"].is_array() || doc["Statement"].is_object()) {
        return None;
    }
    let statements = policy_statements(&doc);
    let mut view = PolicyView {
        open_statements: Vec::new(),
        open_actions: BTreeSet::new(),
        open_conditions: BTreeSet::new(),
        conditioned_wildcards: Vec::new(),
        other_accounts: BTreeSet::new(),
    };
    for (i, s) in statements.iter().enumerate() {
        if s["Effect"] != "Allow" {
            continue;
        }
        let label = s["Sid"].as_str().filter(|sid| !sid.is_empty()).map_or(format!("#{}", i + 1), str::to_string);
        let aws = aws_principals(&s["Principal"]);
        // `arn:aws:iam::*:root` names every account's root, i.e. every account, like "*".
        let wildcard =
            aws.iter().any(|p| *p == "*" || p.strip_prefix("arn:").and_then(|r| r.split(':').nth(3)) == Some("*"))
                || !s["NotPrincipal"].is_null();
        if wildcard && condition_limits_principal(&s["Condition"]) {
            view.conditioned_wildcards.push(label);
        } else if wildcard {
            view.open_actions.extend(policy_strings(&s["Action"]).into_iter().map(str::to_string));
            view.open_conditions.extend(condition_keys(&s["Condition"]));
            view.open_statements.push(label);
        }
        view.other_accounts
            .extend(aws.iter().filter_map(|p| principal_account(p)).filter(|a| *a != owner).map(str::to_string));
    }
    Some(view)
}

pub fn repository_policy(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_repository(ctx, |at, repo, _| {
        let policy = match repo.policy.get() {
            Ok(p) => p,
            Err(e) => return at.not_evaluated(&e),
        };
        let Some(text) = policy else {
            return at.pass(
                format!(
                    "repository {} has no repository policy: only principals of its own account, through IAM, can \
                     use it",
                    repo.name
                ),
                json!({ "has_policy": false }),
            );
        };
        let Some(view) = read_policy(text, &repo.registry_id) else {
            return at.unknown(
                format!("repository {}'s policy could not be read as a policy document", repo.name),
                json!({ "has_policy": true }),
            );
        };
        let evidence = json!({
            "has_policy": true,
            "open_statements": view.open_statements,
            "open_actions": view.open_actions,
            "open_statement_conditions": view.open_conditions,
            "wildcard_statements_with_condition": view.conditioned_wildcards,
            "cross_account_principals": view.other_accounts,
        });
        if !view.open_statements.is_empty() {
            let actions: Vec<&str> = view.open_actions.iter().map(String::as_str).collect();
            let conditions: Vec<&str> = view.open_conditions.iter().map(String::as_str).collect();
            let condition = if conditions.is_empty() {
                "with no condition".to_string()
            } else {
                format!("under a condition ({}) that does not limit who the caller is", conditions.join(", "))
            };
            return at.fail(
                format!(
                    "repository {}'s policy allows any AWS principal ({}) {condition}, in statement {}",
                    repo.name,
                    actions.join(", "),
                    view.open_statements.join(", ")
                ),
                evidence,
            );
        }
        let others = if view.other_accounts.is_empty() {
            String::new()
        } else {
            let accounts: Vec<&str> = view.other_accounts.iter().map(String::as_str).collect();
            format!("; it grants accounts {}", accounts.join(", "))
        };
        let limited = if view.conditioned_wildcards.is_empty() {
            String::new()
        } else {
            format!(
                "; statement {} allows any principal only under a condition that limits who (an organization, \
                 account, ARN or VPC)",
                view.conditioned_wildcards.join(", ")
            )
        };
        at.pass(
            format!("repository {}'s policy opens nothing to every principal{limited}{others}", repo.name),
            evidence,
        )
    })
}

/// A tag filter that matches every tag (`*`, `**` …).
fn matches_every_tag(filter: &str) -> bool {
    !filter.is_empty() && filter.chars().all(|c| c == '*')
}

pub fn tag_immutability(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_repository(ctx, |at, repo, _| {
        let evidence = json!({
            "tag_mutability": repo.tag_mutability,
            "mutability_exclusions": repo.tag_mutability_exclusions,
        });
        let exclusions = repo.tag_mutability_exclusions.join(", ");
        let every_tag_excluded = repo.tag_mutability_exclusions.iter().any(|f| matches_every_tag(f));
        match repo.tag_mutability.as_str() {
            "IMMUTABLE" => at.pass(format!("repository {} has immutable tags", repo.name), evidence),
            "IMMUTABLE_WITH_EXCLUSION" if every_tag_excluded => at.fail(
                format!(
                    "repository {} is set to immutable tags, but its exclusion filter {exclusions} matches every \
                     tag, so every tag can be overwritten",
                    repo.name
                ),
                evidence,
            ),
            "IMMUTABLE_WITH_EXCLUSION" => at.pass(
                format!("repository {} has immutable tags, except tags matching {exclusions}", repo.name),
                evidence,
            ),
            "MUTABLE_WITH_EXCLUSION" if every_tag_excluded => at.pass(
                format!(
                    "repository {} is set to mutable tags, but its exclusion filter {exclusions} matches every tag, \
                     so every tag is immutable",
                    repo.name
                ),
                evidence,
            ),
            "MUTABLE_WITH_EXCLUSION" => at.fail(
                format!("repository {} lets tags be overwritten, except those matching {exclusions}", repo.name),
                evidence,
            ),
            "MUTABLE" => at.fail(
                format!(
                    "repository {} has mutable tags: pushing again under an existing tag silently replaces the image \
                     deployments refer to",
                    repo.name
                ),
                evidence,
            ),
            other => at.unknown(
                format!("repository {} reports tag mutability {other:?}, which dopaudit does not know", repo.name),
                evidence,
            ),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::report::Status;
    use crate::snapshot::{
        ArtifactStore, BuildArtifacts, BuildEnvironment, BuildVariable, CodeBuildData, CodePipelineData, Collected,
        PipelineStage, RegionSnapshot, RegistryScanning, ScanningRule, SdlcSections,
    };

    const EAST: &str = "us-east-1";
    const WEST: &str = "eu-west-1";

    /// A region whose sdlc sections are set by `set`; everything else not collected.
    fn region_with(name: &str, set: impl FnOnce(&mut SdlcSections)) -> RegionSnapshot {
        let mut r = region(name);
        set(&mut r.sdlc);
        r
    }

    fn run(check: Evaluator, regions: Vec<RegionSnapshot>) -> Vec<Outcome> {
        check(&Ctx::new(&snapshot(vec![account(ACCT, None, regions)])))
    }

    /// The only outcome of `check` over one region set by `set`.
    #[track_caller]
    fn one(check: Evaluator, set: impl FnOnce(&mut SdlcSections)) -> Outcome {
        let mut outcomes = run(check, vec![region_with(EAST, set)]);
        assert_eq!(outcomes.len(), 1, "{outcomes:#?}");
        outcomes.remove(0)
    }

    #[track_caller]
    fn assert_case(case: &str, o: &Outcome, status: Status, message_part: &str) {
        assert_eq!(o.status, status, "{case}: {o:#?}");
        assert!(o.message.contains(message_part), "{case}: {:?} lacks {message_part:?}", o.message);
    }

    // ---- CodePipeline ----

    fn action(name: &str, category: &str, provider: &str, run_order: i32) -> PipelineAction {
        PipelineAction {
            name: name.into(),
            category: category.into(),
            owner: "AWS".into(),
            provider: provider.into(),
            run_order,
        }
    }

    fn approval(name: &str, run_order: i32) -> PipelineAction {
        action(name, "Approval", "Manual", run_order)
    }

    fn deploy(name: &str, run_order: i32) -> PipelineAction {
        action(name, "Deploy", "CodeDeploy", run_order)
    }

    fn stage(name: &str, actions: Vec<PipelineAction>) -> PipelineStage {
        PipelineStage { name: name.into(), actions }
    }

    fn source() -> PipelineStage {
        stage("Source", vec![action("Checkout", "Source", "CodeStarSourceConnection", 1)])
    }

    fn store(key: Option<&str>) -> ArtifactStore {
        ArtifactStore { location: "artifacts-bucket".into(), encryption_key_id: key.map(str::to_string) }
    }

    fn pipeline(stages: Vec<PipelineStage>) -> Pipeline {
        Pipeline {
            name: "release".into(),
            arn: format!("arn:aws:codepipeline:{EAST}:{ACCT}:release"),
            pipeline_type: Some("V2".into()),
            declaration: Collected::ok(PipelineDeclaration {
                role_arn: Some(format!("arn:aws:iam::{ACCT}:role/pipeline")),
                artifact_stores: [(EAST.to_string(), store(Some("arn:aws:kms:us-east-1:111111111111:key/k")))].into(),
                stages,
            }),
        }
    }

    fn pipelines(p: Pipeline) -> impl FnOnce(&mut SdlcSections) {
        move |s| s.codepipeline = Collected::ok(CodePipelineData { pipelines: vec![p] })
    }

    #[test]
    fn production_stages_are_told_by_their_words() {
        for (name, production) in [
            ("Prod", true),
            ("Deploy-Production", true),
            ("DeployToPROD", true),
            ("GoLive", true),
            ("live", true),
            ("prod_eu_2", true),
            ("DeployPrd", true),
            ("PreProd", false),
            ("pre-prod", false),
            ("preprod", false),
            ("NonProd", false),
            ("Staging", false),
            ("Delivery", false),
            ("Products", false),
        ] {
            assert_eq!(is_production_stage(name), production, "{name}: words {:?}", words(name));
        }
    }

    #[test]
    fn manual_approval_cases() {
        let cases: Vec<(&str, Vec<PipelineStage>, Status, &str)> = vec![
            (
                "approval in an earlier stage",
                vec![
                    source(),
                    stage("Staging", vec![deploy("DeployStaging", 1), approval("Approve", 2)]),
                    stage("Prod", vec![deploy("DeployProd", 1)]),
                ],
                Status::Pass,
                "waits for a manual approval before deploying in Prod",
            ),
            (
                "approval before the deploy in the same stage",
                vec![source(), stage("Production", vec![approval("Approve", 1), deploy("Deploy", 2)])],
                Status::Pass,
                "in Production",
            ),
            (
                "approval in parallel with the deploy",
                vec![source(), stage("Production", vec![approval("Approve", 1), deploy("Deploy", 1)])],
                Status::Fail,
                "in parallel with its approval Approve: both have run order 1",
            ),
            (
                "approval after the deploy",
                vec![source(), stage("Prod", vec![deploy("Deploy", 1), approval("Approve", 2)])],
                Status::Fail,
                "deploys to production in stage Prod (Deploy) with no manual approval before it",
            ),
            (
                "no approval at all",
                vec![
                    source(),
                    stage("Staging", vec![deploy("DeployStaging", 1)]),
                    stage("Live", vec![deploy("Go", 1)]),
                ],
                Status::Fail,
                "in stage Live (Go)",
            ),
            (
                "an approval stage of its own before production",
                vec![
                    source(),
                    stage("ApproveProd", vec![approval("Approve", 1)]),
                    stage("Prod-us", vec![deploy("DeployUs", 1)]),
                ],
                Status::Pass,
                "Prod-us",
            ),
            (
                "the second production region is deployed before the approval",
                vec![
                    source(),
                    stage("Prod-eu", vec![deploy("DeployEu", 1)]),
                    stage("ApproveProd", vec![approval("Approve", 1)]),
                    stage("Prod-us", vec![deploy("DeployUs", 1)]),
                ],
                Status::Fail,
                "in stage Prod-eu (DeployEu)",
            ),
            (
                "only pre-production stages",
                vec![source(), stage("PreProd", vec![deploy("Deploy", 1)])],
                Status::Skipped,
                "has no production stage",
            ),
            (
                "a production-named stage with only tests",
                vec![source(), stage("Prod", vec![action("Smoke", "Test", "CodeBuild", 1)])],
                Status::Skipped,
                "not applicable",
            ),
            // Near miss: a prod stage whose deploy is a CodeBuild project (cdk deploy), with no approval: it may
            // change production unreviewed, so it cannot be skipped as "no deploy action".
            (
                "near miss: prod deployed by a build action",
                vec![source(), stage("prd", vec![action("CdkDeploy", "Build", "CodeBuild", 1)])],
                Status::Unknown,
                "production stage prd has no Deploy action and no manual approval before its Build action CdkDeploy",
            ),
            // Alternative: the same build action behind an approval is gated whatever it does.
            (
                "alternative: a build action behind an approval",
                vec![
                    source(),
                    stage("Prod", vec![approval("Approve", 1), action("CdkDeploy", "Build", "CodeBuild", 2)]),
                ],
                Status::Pass,
                "before deploying in Prod",
            ),
            (
                "a certain ungated deploy outweighs an uncertain one",
                vec![
                    source(),
                    stage("ProdInfra", vec![action("Apply", "Build", "CodeBuild", 1)]),
                    stage("ProdApp", vec![deploy("Deploy", 1)]),
                ],
                Status::Fail,
                "in stage ProdApp (Deploy)",
            ),
            // Unreadable (GetPipeline or ListPipelines denied) and partial (a pipeline whose structure was not
            // collected) reads: pipeline_read_errors_are_unknown_where_they_happened.
        ];
        let named = |name: &str, stages: Vec<PipelineStage>| Pipeline { name: name.into(), ..pipeline(stages) };
        let named_cases = vec![
            // Near miss: the pipeline is named for production, its stages are not.
            (
                "near miss: a production pipeline with plain stage names",
                named(
                    "shop-prod",
                    vec![
                        source(),
                        stage("Build", vec![action("Build", "Build", "CodeBuild", 1)]),
                        stage("Deploy", vec![deploy("Deploy", 1)]),
                    ],
                ),
                Status::Fail,
                "deploys to production in stage Deploy (Deploy) with no manual approval before it",
            ),
            (
                "a production pipeline whose last deploy waits",
                named(
                    "shop-prod",
                    vec![
                        source(),
                        stage("Staging", vec![deploy("DeployStaging", 1)]),
                        stage("Release", vec![approval("Approve", 1), deploy("Deploy", 2)]),
                    ],
                ),
                Status::Pass,
                "before deploying in Release",
            ),
            (
                "a pipeline not named for production",
                named("shop-preprod", vec![source(), stage("Deploy", vec![deploy("Deploy", 1)])]),
                Status::Skipped,
                "or a deploying stage of a pipeline so named",
            ),
        ];
        for (case, p, status, message) in named_cases {
            assert_case(case, &one(manual_approval, pipelines(p)), status, message);
        }
        for (case, stages, status, message) in cases {
            let o = one(manual_approval, pipelines(pipeline(stages)));
            assert_case(case, &o, status, message);
            assert_eq!(o.resource, format!("arn:aws:codepipeline:{EAST}:{ACCT}:release"), "{case}");
            assert_eq!((o.account.as_str(), o.region.as_str()), (ACCT, EAST), "{case}");
        }
        let o = one(
            manual_approval,
            pipelines(pipeline(vec![source(), stage("Prod", vec![deploy("Deploy", 2), approval("Late", 3)])])),
        );
        assert_eq!(o.evidence["ungated_stage"], "Prod");
        assert_eq!(o.evidence["deploy_action"], "Deploy (CodeDeploy, run order 2)");
        assert_eq!(o.evidence["manual_approvals"], json!(["Prod/Late (run order 3)"]));
    }

    #[test]
    fn pipeline_read_errors_are_unknown_where_they_happened() {
        let denied_pipeline = Pipeline {
            declaration: Collected::Error { error: denied("codepipeline:GetPipeline") },
            ..pipeline(vec![])
        };
        let uncollected = Pipeline { declaration: Collected::NotCollected, ..pipeline(vec![]) };
        for check in [manual_approval as Evaluator, artifact_store_encryption] {
            let o = one(check, pipelines(denied_pipeline.clone()));
            assert_case("GetPipeline denied", &o, Status::Unknown, "codepipeline:GetPipeline");
            assert!(o.resource.ends_with(":release"), "{o:?}");
            let o = one(check, pipelines(uncollected.clone()));
            assert_case("structure not collected", &o, Status::Unknown, "holds no data");
            let o = one(check, |s| s.codepipeline = Collected::Error { error: denied("codepipeline:ListPipelines") });
            assert_case("ListPipelines denied", &o, Status::Unknown, "codepipeline:ListPipelines");
            assert_eq!(o.resource, ACCT, "the region itself");
        }
    }

    #[test]
    fn artifact_store_encryption_cases() {
        let with_stores = |stores: Vec<(&str, Option<&str>)>| {
            let mut p = pipeline(vec![source()]);
            if let Collected::Ok { data } = &mut p.declaration {
                data.artifact_stores = stores.into_iter().map(|(r, k)| (r.to_string(), store(k))).collect();
            }
            p
        };
        let cmk = Some("arn:aws:kms:us-east-1:111111111111:key/1234");
        type Stores<'a> = Vec<(&'a str, Option<&'a str>)>;
        let cases: Vec<(&str, Stores, Status, &str)> = vec![
            (
                "customer managed key",
                vec![(EAST, cmk)],
                Status::Pass,
                "with the KMS key it names (arn:aws:kms:us-east-1:111111111111:key/1234), not the AWS managed",
            ),
            // Alternative: a customer managed key named by its alias, in both regions of a cross-region pipeline.
            (
                "alternative: aliases of customer managed keys",
                vec![
                    (EAST, Some("alias/pipeline-artifacts")),
                    (WEST, Some("arn:aws:kms:eu-west-1:111111111111:alias/artifacts")),
                ],
                Status::Pass,
                "(alias/pipeline-artifacts, arn:aws:kms:eu-west-1:111111111111:alias/artifacts)",
            ),
            ("no key", vec![(EAST, None)], Status::Fail, "artifacts-bucket (us-east-1) with the AWS managed S3 key"),
            ("the AWS managed key named", vec![(EAST, Some("alias/aws/s3"))], Status::Fail, "AWS managed S3 key"),
            (
                "the AWS managed key by ARN",
                vec![(EAST, Some("arn:aws:kms:us-east-1:111111111111:alias/aws/s3"))],
                Status::Fail,
                "cannot be shared",
            ),
            // Near miss: the home region is under a customer key, the cross-region store is not.
            (
                "near miss: one region of two without a key",
                vec![(EAST, cmk), (WEST, None)],
                Status::Fail,
                "artifacts-bucket (eu-west-1)",
            ),
            // Partial read: an answer without the store it must have.
            ("no store at all", vec![], Status::Unknown, "declares no artifact store"),
            // Unreadable: pipeline_read_errors_are_unknown_where_they_happened.
        ];
        for (case, stores, status, message) in cases {
            let o = one(artifact_store_encryption, pipelines(with_stores(stores)));
            assert_case(case, &o, status, message);
        }
        let o = one(artifact_store_encryption, pipelines(with_stores(vec![(WEST, None)])));
        assert_eq!(
            o.evidence,
            json!({"artifact_stores": {"eu-west-1": {"bucket": "artifacts-bucket", "encryption_key": null}}})
        );
    }

    // ---- CodeBuild ----

    fn project(name: &str) -> BuildProject {
        BuildProject {
            name: name.into(),
            arn: format!("arn:aws:codebuild:{EAST}:{ACCT}:project/{name}"),
            service_role: Some(format!("arn:aws:iam::{ACCT}:role/codebuild-{name}")),
            encryption_key: Some(format!("arn:aws:kms:{EAST}:{ACCT}:key/build")),
            environment: BuildEnvironment {
                environment_type: "LINUX_CONTAINER".into(),
                image: "aws/codebuild/standard:7.0".into(),
                privileged_mode: false,
                variables: vec![],
            },
            artifacts: BuildArtifacts { identifier: None, artifacts_type: "S3".into(), encryption_disabled: false },
            secondary_artifacts: vec![],
            cache_type: "NO_CACHE".into(),
            inline_buildspec_builds_images: None,
        }
    }

    fn projects(list: Vec<BuildProject>) -> impl FnOnce(&mut SdlcSections) {
        move |s| s.codebuild = Collected::ok(CodeBuildData { projects: list })
    }

    fn list_denied(s: &mut SdlcSections) {
        s.codebuild = Collected::Error { error: denied("codebuild:BatchGetProjects") };
    }

    #[test]
    fn build_artifact_encryption_cases() {
        let aws_key = BuildProject {
            encryption_key: Some(format!("arn:aws:kms:{EAST}:{ACCT}:alias/aws/s3")),
            ..project("default-key")
        };
        let disabled = BuildProject {
            secondary_artifacts: vec![BuildArtifacts {
                identifier: Some("reports".into()),
                artifacts_type: "S3".into(),
                encryption_disabled: true,
            }],
            ..project("open-reports")
        };
        let nothing = BuildProject {
            artifacts: BuildArtifacts { artifacts_type: "NO_ARTIFACTS".into(), ..project("x").artifacts },
            encryption_key: None,
            ..project("lint")
        };
        let pipeline_with_cache = BuildProject {
            artifacts: BuildArtifacts { artifacts_type: "CODEPIPELINE".into(), ..project("x").artifacts },
            cache_type: "S3".into(),
            ..project("cached")
        };
        let primary_off = BuildProject {
            artifacts: BuildArtifacts { encryption_disabled: true, ..project("x").artifacts },
            ..project("plain")
        };
        let pipeline_default_key = BuildProject {
            artifacts: BuildArtifacts { artifacts_type: "CODEPIPELINE".into(), ..project("x").artifacts },
            encryption_key: Some(format!("arn:aws:kms:{EAST}:{ACCT}:alias/aws/s3")),
            ..project("in-pipeline")
        };
        let cases = vec![
            ("customer managed key", project("app"), Status::Pass, "with KMS key arn:aws:kms"),
            ("AWS managed key", aws_key, Status::Fail, "AWS managed key aws/s3"),
            // AWS documents an unset key as the aws/s3 key.
            ("no key reported", BuildProject { encryption_key: None, ..project("bare") }, Status::Fail, "aws/s3"),
            // Near miss: a customer key on the project, but one output has encryption turned off.
            ("near miss: secondary output unencrypted", disabled, Status::Fail, "encryption turned off for reports"),
            ("near miss: primary output unencrypted", primary_off, Status::Fail, "turned off for primary artifacts"),
            ("no S3 output", nothing, Status::Skipped, "writes no artifacts or cache to S3"),
            // Alternative: output handed to CodePipeline is stored under the pipeline's artifact key (judged by
            // codepipeline-artifact-store-encryption), so the project's default key is not a finding here.
            (
                "alternative: output to CodePipeline",
                pipeline_default_key,
                Status::Skipped,
                "(output type CODEPIPELINE)",
            ),
            ("pipeline output with an S3 cache", pipeline_with_cache, Status::Pass, "project cached"),
            // Partial read: none per project; BatchGetProjects answers for a whole batch or the region is unread.
        ];
        for (case, p, status, message) in cases {
            assert_case(case, &one(build_artifact_encryption, projects(vec![p])), status, message);
        }
        let o = one(build_artifact_encryption, list_denied);
        assert_case("unreadable", &o, Status::Unknown, "codebuild:BatchGetProjects");
    }

    #[test]
    fn privileged_mode_cases() {
        let privileged = |builds: Option<bool>| {
            let mut p = project("images");
            p.environment.privileged_mode = true;
            p.inline_buildspec_builds_images = builds;
            p
        };
        let cases = vec![
            ("not privileged", project("app"), Status::Pass, "without privileged mode"),
            // Alternative: privileged, which AWS says is for building images, and the buildspec does build them.
            ("privileged to build images", privileged(Some(true)), Status::Pass, "needs to build container images"),
            // Near miss: privileged with an inline buildspec that only pulls or runs images.
            ("privileged for nothing", privileged(Some(false)), Status::Fail, "builds no container image"),
            // Partial read: the buildspec is a file in the source, which is not read.
            (
                "privileged, buildspec in the source",
                privileged(None),
                Status::Unknown,
                "with its buildspec in the source, which dopaudit does not read",
            ),
        ];
        for (case, p, status, message) in cases {
            assert_case(case, &one(privileged_mode, projects(vec![p])), status, message);
        }
        let o = one(privileged_mode, projects(vec![privileged(None)]));
        assert_eq!(o.evidence["privileged_mode"], true);
        assert_eq!(o.evidence["image"], "aws/codebuild/standard:7.0");
        assert_case("denied", &one(privileged_mode, list_denied), Status::Unknown, "codebuild:BatchGetProjects");
    }

    #[test]
    fn plaintext_secrets_cases() {
        let with_values = |vars: &[(&str, &str, Option<bool>)]| {
            let mut p = project("app");
            p.environment.variables = vars
                .iter()
                .map(|(n, t, v)| BuildVariable {
                    name: n.to_string(),
                    variable_type: t.to_string(),
                    value_looks_secret: *v,
                })
                .collect();
            p
        };
        let with_vars =
            |vars: &[(&str, &str)]| with_values(&vars.iter().map(|(n, t)| (*n, *t, Some(false))).collect::<Vec<_>>());
        let cases = vec![
            (
                "plaintext password",
                with_vars(&[("DB_PASSWORD", "PLAINTEXT"), ("STAGE", "PLAINTEXT")]),
                Status::Fail,
                "1 secret-looking variable(s) in plaintext, readable by anyone who can view the project (named like \
                 secrets: DB_PASSWORD)",
            ),
            // Near miss: an innocent name holding an access key.
            (
                "access key in an innocent name",
                with_values(&[("DEPLOY_USER_KEY", "PLAINTEXT", Some(true))]),
                Status::Fail,
                "with values shaped like credentials: DEPLOY_USER_KEY",
            ),
            // Partial read: a snapshot that never looked at values cannot pass on names alone.
            (
                "values not inspected",
                with_values(&[("STAGE", "PLAINTEXT", None)]),
                Status::Unknown,
                "values of STAGE were not inspected",
            ),
            (
                "secret from Secrets Manager",
                with_vars(&[("DB_PASSWORD", "SECRETS_MANAGER")]),
                Status::Pass,
                "keeps no secret-looking variable in plaintext",
            ),
            ("the name of a secret", with_vars(&[("API_TOKEN_ARN", "PLAINTEXT")]), Status::Pass, "keeps no"),
            ("no variables", project("bare"), Status::Pass, "keeps no"),
            // Alternative: a secret-looking value kept in Parameter Store is a reference, not the secret.
            (
                "secret by reference",
                with_values(&[("DB_PASSWORD", "PARAMETER_STORE", Some(false))]),
                Status::Pass,
                "by name or by value",
            ),
        ];
        for (case, p, status, message) in cases {
            assert_case(case, &one(plaintext_secrets, projects(vec![p])), status, message);
        }
        let o = one(
            plaintext_secrets,
            projects(vec![with_vars(&[("GITHUB_TOKEN", "PLAINTEXT"), ("NPM_TOKEN", "PARAMETER_STORE")])]),
        );
        assert_eq!(o.evidence["plaintext_secret_like_variables"], json!(["GITHUB_TOKEN"]));
        assert_eq!(o.evidence["variable_types"], json!({"GITHUB_TOKEN": "PLAINTEXT", "NPM_TOKEN": "PARAMETER_STORE"}));
        assert_case("denied", &one(plaintext_secrets, list_denied), Status::Unknown, "codebuild:BatchGetProjects");
    }

    #[test]
    fn shared_service_role_looks_across_regions() {
        let shared = format!("arn:aws:iam::{ACCT}:role/codebuild-admin");
        let east = vec![BuildProject { service_role: Some(shared.clone()), ..project("api") }, project("web")];
        let mut west_project = BuildProject { service_role: Some(shared.clone()), ..project("worker") };
        west_project.arn = format!("arn:aws:codebuild:{WEST}:{ACCT}:project/worker");
        let outcomes = run(
            shared_service_role,
            vec![region_with(EAST, projects(east)), region_with(WEST, projects(vec![west_project]))],
        );
        let by_name: BTreeMap<&str, &Outcome> =
            outcomes.iter().map(|o| (o.resource.rsplit('/').next().unwrap_or_default(), o)).collect();
        assert_eq!(by_name.len(), 3, "{outcomes:#?}");
        assert_case(
            "api",
            by_name["api"],
            Status::Fail,
            "shares service role arn:aws:iam::111111111111:role/codebuild-admin with 1 other project(s)",
        );
        assert_eq!(
            by_name["api"].evidence["shared_with"],
            json!([format!("arn:aws:codebuild:{WEST}:{ACCT}:project/worker")])
        );
        assert_case("worker", by_name["worker"], Status::Fail, "with 1 other");
        assert_eq!(by_name["worker"].region, WEST);
        assert_case("web", by_name["web"], Status::Pass, "the only project using service role");

        // Partial read: a region that could not be read is unknown itself, and no project seen alone can pass.
        let outcomes = run(
            shared_service_role,
            vec![region_with(EAST, projects(vec![project("web")])), region_with(WEST, list_denied)],
        );
        assert_eq!(outcomes.len(), 2);
        assert_case("web", &outcomes[0], Status::Unknown, "but the projects of eu-west-1 (access denied");
        assert!(outcomes[0].message.contains("codebuild:BatchGetProjects"), "{}", outcomes[0].message);
        assert_case("unreadable region", &outcomes[1], Status::Unknown, "codebuild:BatchGetProjects");
        // A region not in use is no gap.
        let disabled = |s: &mut SdlcSections| {
            s.codebuild = Collected::Error {
                error: crate::snapshot::CollectionError {
                    kind: crate::snapshot::ErrorKind::RegionDisabled,
                    code: "OptInRequired".into(),
                    message: "region not enabled".into(),
                    permission: None,
                },
            }
        };
        let outcomes = run(
            shared_service_role,
            vec![region_with(EAST, projects(vec![project("web")])), region_with(WEST, disabled)],
        );
        assert_case("web beside a disabled region", &outcomes[0], Status::Pass, "the only project");
        assert_eq!(outcomes[1].status, Status::Skipped);
    }

    #[test]
    fn shared_service_role_cases() {
        let role = |arn: &str| BuildProject { service_role: Some(arn.into()), ..project("api") };
        let second = |arn: &str| BuildProject { service_role: Some(arn.into()), ..project("worker") };
        let cases = vec![
            ("own role", vec![project("api"), project("worker")], Status::Pass, "the only project using service role"),
            (
                "shared",
                vec![role("arn:aws:iam::111111111111:role/ci"), second("arn:aws:iam::111111111111:role/ci")],
                Status::Fail,
                "shares service role arn:aws:iam::111111111111:role/ci with 1 other project(s)",
            ),
            // Near miss: one role written with and without its path, in another case: IAM names are unique per
            // account whatever the path and case, so it is the same role.
            (
                "near miss: the same role under another spelling",
                vec![
                    role("arn:aws:iam::111111111111:role/service-role/CI-Build"),
                    second("arn:aws:iam::111111111111:role/ci-build"),
                ],
                Status::Fail,
                "with 1 other project(s)",
            ),
            // Alternative: the same role name in another account is another role.
            (
                "alternative: same name, other account",
                vec![role("arn:aws:iam::111111111111:role/ci"), second("arn:aws:iam::222222222222:role/ci")],
                Status::Pass,
                "the only project",
            ),
            // Partial read: a project whose service role was not reported.
            (
                "no role reported",
                vec![BuildProject { service_role: None, ..project("api") }, project("worker")],
                Status::Unknown,
                "reports no service role",
            ),
        ];
        for (case, list, status, message) in cases {
            let outcomes = run(shared_service_role, vec![region_with(EAST, projects(list))]);
            let api = outcomes.iter().find(|o| o.resource.ends_with("/api")).expect("api judged");
            assert_case(case, api, status, message);
        }
        // Unreadable.
        assert_case(
            "unreadable",
            &one(shared_service_role, list_denied),
            Status::Unknown,
            "codebuild:BatchGetProjects",
        );
    }

    // ---- CodeDeploy ----

    fn group_detail() -> DeploymentGroupDetail {
        DeploymentGroupDetail {
            compute_platform: Some("Server".into()),
            deployment_config_name: Some("CodeDeployDefault.OneAtATime".into()),
            deployment_type: Some("IN_PLACE".into()),
            auto_rollback_enabled: true,
            auto_rollback_events: vec!["DEPLOYMENT_FAILURE".into(), "DEPLOYMENT_STOP_ON_ALARM".into()],
            alarms_enabled: true,
            alarms: vec!["api-5xx".into()],
            ignore_poll_alarm_failure: false,
        }
    }

    fn group_arn(name: &str) -> String {
        format!("arn:aws:codedeploy:{EAST}:{ACCT}:deploymentgroup:shop/{name}")
    }

    fn app_with(groups: Collected<Vec<DeploymentGroup>>) -> DeployApplication {
        DeployApplication {
            name: "shop".into(),
            arn: format!("arn:aws:codedeploy:{EAST}:{ACCT}:application:shop"),
            groups,
        }
    }

    fn groups(details: Vec<(&str, Collected<DeploymentGroupDetail>)>) -> impl FnOnce(&mut SdlcSections) {
        let groups = details
            .into_iter()
            .map(|(name, detail)| DeploymentGroup { name: name.into(), arn: group_arn(name), detail })
            .collect();
        move |s| {
            s.codedeploy = Collected::ok(CodeDeployData {
                applications: vec![app_with(Collected::ok(groups))],
                ..Default::default()
            })
        }
    }

    fn group(detail: DeploymentGroupDetail) -> impl FnOnce(&mut SdlcSections) {
        groups(vec![("prod", Collected::ok(detail))])
    }

    #[test]
    fn codedeploy_read_errors_are_unknown_where_they_happened() {
        for check in [automatic_rollback as Evaluator, alarm_rollback, deployment_config] {
            let o =
                one(check, groups(vec![("prod", Collected::Error { error: denied("codedeploy:GetDeploymentGroup") })]));
            assert_case("group denied", &o, Status::Unknown, "codedeploy:GetDeploymentGroup");
            assert_eq!(o.resource, group_arn("prod"));
            let o = one(check, |s| {
                s.codedeploy = Collected::ok(CodeDeployData {
                    applications: vec![app_with(Collected::Error { error: denied("codedeploy:ListDeploymentGroups") })],
                    ..Default::default()
                })
            });
            assert_case("groups denied", &o, Status::Unknown, "codedeploy:ListDeploymentGroups");
            assert!(o.resource.ends_with(":application:shop"), "{o:?}");
            let o = one(check, |s| s.codedeploy = Collected::Error { error: denied("codedeploy:ListApplications") });
            assert_case("applications denied", &o, Status::Unknown, "codedeploy:ListApplications");
        }
    }

    #[test]
    fn automatic_rollback_cases() {
        let cases = vec![
            ("rolls back on failure", group_detail(), Status::Pass, "rolls back automatically when a deployment fails"),
            (
                "only on alarms",
                DeploymentGroupDetail {
                    auto_rollback_events: vec!["DEPLOYMENT_STOP_ON_ALARM".into()],
                    ..group_detail()
                },
                Status::Fail,
                "not for failed deployments",
            ),
            // Near miss: the failure event is listed, but the configuration is switched off.
            (
                "near miss: events kept, rollback off",
                DeploymentGroupDetail { auto_rollback_enabled: false, ..group_detail() },
                Status::Fail,
                "automatic rollback off",
            ),
            // Alternative: rollback on failure is enough here whatever else is (not) listed.
            (
                "alternative: failure only, for a Lambda group",
                DeploymentGroupDetail {
                    compute_platform: Some("Lambda".into()),
                    auto_rollback_events: vec!["DEPLOYMENT_FAILURE".into()],
                    ..group_detail()
                },
                Status::Pass,
                "rolls back automatically",
            ),
            // Unreadable and partial reads (a group, the group list, the applications): the shared
            // codedeploy_read_errors_are_unknown_where_they_happened.
        ];
        for (case, d, status, message) in cases {
            let o = one(automatic_rollback, group(d));
            assert_case(case, &o, status, message);
            assert!(o.message.contains("shop/prod"), "{case}: {}", o.message);
        }
        let o =
            one(automatic_rollback, group(DeploymentGroupDetail { auto_rollback_enabled: false, ..group_detail() }));
        assert_eq!(o.evidence["auto_rollback_enabled"], false);
    }

    #[test]
    fn alarm_rollback_cases() {
        let cases = vec![
            (
                "alarm and rollback",
                group_detail(),
                Status::Pass,
                "rolls back when one of its alarms goes off (api-5xx)",
            ),
            (
                "no alarm",
                DeploymentGroupDetail { alarms: vec![], ..group_detail() },
                Status::Fail,
                "no CloudWatch alarm is attached",
            ),
            (
                "alarms disabled",
                DeploymentGroupDetail { alarms_enabled: false, ..group_detail() },
                Status::Fail,
                "its alarms are not enabled",
            ),
            (
                "no rollback on alarm",
                DeploymentGroupDetail { auto_rollback_events: vec!["DEPLOYMENT_FAILURE".into()], ..group_detail() },
                Status::Fail,
                "does not roll back when an alarm stops a deployment",
            ),
            (
                "nothing",
                DeploymentGroupDetail {
                    alarms: vec![],
                    alarms_enabled: false,
                    auto_rollback_enabled: false,
                    ..group_detail()
                },
                Status::Fail,
                "no CloudWatch alarm is attached, and it does not roll back",
            ),
            // Near miss: alarm attached and enabled, the alarm event listed, but rollback switched off: the alarm
            // stops the deployment and leaves the bad revision where it reached.
            (
                "near miss: rollback switched off",
                DeploymentGroupDetail { auto_rollback_enabled: false, ..group_detail() },
                Status::Fail,
                "does not roll back when an alarm stops a deployment",
            ),
            (
                "pass, with alarm read failures ignored",
                DeploymentGroupDetail { ignore_poll_alarm_failure: true, ..group_detail() },
                Status::Pass,
                "go on unguarded whenever the alarm states cannot be read (ignorePollAlarmFailure)",
            ),
            // Alternative: none visible in a group; a pipeline stage condition that rolls back on an alarm is another
            // mechanism, which is not collected. Unreadable and partial reads:
            // codedeploy_read_errors_are_unknown_where_they_happened.
        ];
        for (case, d, status, message) in cases {
            assert_case(case, &one(alarm_rollback, group(d)), status, message);
        }
    }

    #[test]
    fn deployment_config_cases() {
        let with = |platform: &str, config: &str, kind: &str| DeploymentGroupDetail {
            compute_platform: Some(platform.into()),
            deployment_config_name: Some(config.into()),
            deployment_type: Some(kind.into()),
            ..group_detail()
        };
        let cases = vec![
            (
                "one at a time",
                with("Server", "CodeDeployDefault.OneAtATime", "IN_PLACE"),
                Status::Pass,
                "deploys gradually with CodeDeployDefault.OneAtATime (IN_PLACE)",
            ),
            (
                "all at once in place",
                with("Server", "CodeDeployDefault.AllAtOnce", "IN_PLACE"),
                Status::Fail,
                "takes every instance out of service together",
            ),
            (
                "all at once blue/green",
                with("Server", "CodeDeployDefault.AllAtOnce", "BLUE_GREEN"),
                Status::Fail,
                "the original fleet stays for rollback",
            ),
            (
                "lambda all at once",
                with("Lambda", "CodeDeployDefault.LambdaAllAtOnce", "BLUE_GREEN"),
                Status::Fail,
                "no canary or linear",
            ),
            (
                "ecs all at once",
                with("ECS", "CodeDeployDefault.ECSAllAtOnce", "BLUE_GREEN"),
                Status::Fail,
                "in one step",
            ),
            (
                "lambda canary",
                with("Lambda", "CodeDeployDefault.LambdaCanary10Percent5Minutes", "BLUE_GREEN"),
                Status::Pass,
                "(BLUE_GREEN)",
            ),
            (
                "no configuration",
                DeploymentGroupDetail { deployment_config_name: None, ..group_detail() },
                Status::Unknown,
                "reports no deployment configuration",
            ),
            // The platform is told by the configuration's name when the group does not say it.
            (
                "lambda all at once, platform not reported",
                DeploymentGroupDetail {
                    compute_platform: None,
                    deployment_type: None,
                    ..with("x", "CodeDeployDefault.LambdaAllAtOnce", "")
                },
                Status::Fail,
                "shifts all traffic to the new version in one step",
            ),
        ];
        for (case, d, status, message) in cases {
            assert_case(case, &one(deployment_config, group(d)), status, message);
        }
        let o = one(
            deployment_config,
            group(DeploymentGroupDetail {
                deployment_type: None,
                ..with("Lambda", "CodeDeployDefault.LambdaAllAtOnce", "")
            }),
        );
        assert_eq!(o.evidence["deployment_type"], "BLUE_GREEN", "Lambda deployments always shift traffic");

        // Custom configurations are judged by what GetDeploymentConfig said.
        let custom = |config: Collected<DeploymentConfig>| {
            move |s: &mut SdlcSections| {
                groups(vec![("prod", Collected::ok(with("Server", "Custom.Batch", "IN_PLACE")))])(s);
                if let Collected::Ok { data } = &mut s.codedeploy {
                    data.custom_configs.insert("Custom.Batch".into(), config);
                }
            }
        };
        let hosts = |kind: &str, value: i32| DeploymentConfig {
            compute_platform: Some("Server".into()),
            minimum_healthy_hosts_type: Some(kind.into()),
            minimum_healthy_hosts_value: Some(value),
            traffic_routing_type: None,
        };
        let o = one(deployment_config, custom(Collected::ok(hosts("FLEET_PERCENT", 75))));
        assert_case("custom 75% healthy", &o, Status::Pass, "Custom.Batch");
        assert_eq!(o.evidence["custom_config"]["minimum_healthy_hosts_value"], 75);
        let o = one(deployment_config, custom(Collected::ok(hosts("HOST_COUNT", 0))));
        assert_case("near miss: custom zero healthy", &o, Status::Fail, "takes every instance out of service");
        let o = one(deployment_config, custom(Collected::ok(hosts("FLEET_PERCENT", 0))));
        assert_case("near miss: custom 0% healthy", &o, Status::Fail, "takes every instance out of service");
        let routing = |kind: &str| DeploymentConfig {
            compute_platform: Some("Lambda".into()),
            minimum_healthy_hosts_type: None,
            minimum_healthy_hosts_value: None,
            traffic_routing_type: Some(kind.into()),
        };
        let o = one(deployment_config, custom(Collected::ok(routing("AllAtOnce"))));
        assert_case("near miss: custom all-at-once routing", &o, Status::Fail, "uses Custom.Batch");
        let o = one(deployment_config, custom(Collected::ok(routing("TimeBasedCanary"))));
        assert_case("alternative: custom canary", &o, Status::Pass, "deploys gradually with Custom.Batch");
        // Partial read: an answer with neither a minimum of healthy hosts nor a traffic routing.
        let empty =
            DeploymentConfig { minimum_healthy_hosts_type: None, minimum_healthy_hosts_value: None, ..hosts("", 0) };
        let o = one(deployment_config, custom(Collected::ok(empty)));
        assert_case("custom answer empty", &o, Status::Unknown, "holds neither a minimum of healthy hosts");
        let o = one(deployment_config, custom(Collected::Error { error: denied("codedeploy:GetDeploymentConfig") }));
        assert_case("custom unread", &o, Status::Unknown, "codedeploy:GetDeploymentConfig");
        let o =
            one(deployment_config, groups(vec![("prod", Collected::ok(with("Server", "Custom.Batch", "IN_PLACE")))]));
        assert_case("custom missing", &o, Status::Unknown, "which was not read");
    }

    // ---- ECR ----

    fn repo(name: &str) -> EcrRepository {
        EcrRepository {
            name: name.into(),
            arn: format!("arn:aws:ecr:{EAST}:{ACCT}:repository/{name}"),
            registry_id: ACCT.into(),
            tag_mutability: "IMMUTABLE".into(),
            tag_mutability_exclusions: vec![],
            scan_on_push: false,
            encryption_type: "KMS".into(),
            kms_key: Some(format!("arn:aws:kms:{EAST}:{ACCT}:key/ecr")),
            policy: Collected::ok(None),
        }
    }

    fn registry(scan_type: &str, rules: &[(&str, &[&str])]) -> RegistryScanning {
        RegistryScanning {
            scan_type: scan_type.into(),
            rules: rules
                .iter()
                .map(|(freq, filters)| ScanningRule {
                    scan_frequency: freq.to_string(),
                    filters: filters.iter().map(|f| f.to_string()).collect(),
                })
                .collect(),
        }
    }

    fn repos(list: Vec<EcrRepository>, scanning: Collected<RegistryScanning>) -> impl FnOnce(&mut SdlcSections) {
        move |s| s.ecr = Collected::ok(EcrData { repositories: list, registry_scanning: scanning })
    }

    fn basic() -> Collected<RegistryScanning> {
        Collected::ok(registry("BASIC", &[]))
    }

    fn ecr_denied(s: &mut SdlcSections) {
        s.ecr = Collected::Error { error: denied("ecr:DescribeRepositories") };
    }

    #[test]
    fn repository_filters_follow_the_ecr_table() {
        // The example table of the ECR user guide ("Filters to choose which repositories are scanned").
        let names = ["prod", "repo-prod", "prod-repo", "repo-prod-repo", "prodrepo"];
        for (filter, matches) in [
            ("prod", [true, true, true, true, true]),
            ("*prod", [true, true, false, false, false]),
            ("prod*", [true, false, true, false, true]),
            ("*prod*", [true, true, true, true, true]),
            ("prod*repo", [false, false, true, false, true]),
        ] {
            for (name, expected) in names.iter().zip(matches) {
                assert_eq!(filter_matches(filter, name), expected, "filter {filter} on {name}");
            }
        }
        assert!(filter_matches("*", "anything"));
        assert!(filter_matches("a*b*a", "aba"), "a wildcard may stand for nothing");
        assert!(!filter_matches("ab*ba", "aba"), "the parts may not overlap");
    }

    #[test]
    fn scan_on_push_cases() {
        let flagged = EcrRepository { scan_on_push: true, ..repo("legacy") };
        let cases = vec![
            (
                "basic rule for all",
                repo("app"),
                Collected::ok(registry("BASIC", &[("SCAN_ON_PUSH", &["*"])])),
                Status::Pass,
                "basic scanning rule * (SCAN_ON_PUSH)",
            ),
            (
                "basic rule for others",
                repo("app"),
                Collected::ok(registry("BASIC", &[("SCAN_ON_PUSH", &["prod-*"])])),
                Status::Fail,
                "neither a registry rule nor the repository",
            ),
            // Alternative: a registry with no rules leaves the repository's own (deprecated) flag in force.
            (
                "alternative: repository setting",
                flagged.clone(),
                basic(),
                Status::Pass,
                "its own (deprecated) repository setting",
            ),
            // Near miss: the same flag under basic registry rules that match other repositories: ECR sets it to
            // manual scanning.
            (
                "near miss: repository setting under registry rules for others",
                flagged.clone(),
                Collected::ok(registry("BASIC", &[("SCAN_ON_PUSH", &["prod-*"])])),
                Status::Fail,
                "gives way to the registry's basic scanning rules",
            ),
            (
                "enhanced continuous",
                repo("app-prod"),
                Collected::ok(registry("ENHANCED", &[("CONTINUOUS_SCAN", &["prod"])])),
                Status::Pass,
                "enhanced scanning rule prod (CONTINUOUS_SCAN)",
            ),
            (
                "enhanced, no rule matches",
                flagged,
                Collected::ok(registry("ENHANCED", &[("SCAN_ON_PUSH", &["web*"])])),
                Status::Fail,
                "matches no enhanced scanning rule",
            ),
            (
                "manual rule",
                repo("app"),
                Collected::ok(registry("BASIC", &[("MANUAL", &["*"])])),
                Status::Fail,
                "not scanned on push",
            ),
            (
                "registry unread",
                repo("app"),
                Collected::Error { error: denied("ecr:GetRegistryScanningConfiguration") },
                Status::Unknown,
                "ecr:GetRegistryScanningConfiguration",
            ),
            // Partial read: the repositories were read, the registry's rules were not collected.
            ("registry not collected", repo("app"), Collected::NotCollected, Status::Unknown, "holds no data"),
        ];
        for (case, r, scanning, status, message) in cases {
            let o = one(scan_on_push, repos(vec![r], scanning));
            assert_case(case, &o, status, message);
            assert!(o.resource.starts_with("arn:aws:ecr:us-east-1:111111111111:repository/"), "{case}: {o:?}");
        }
        let o =
            one(scan_on_push, repos(vec![repo("app")], Collected::ok(registry("BASIC", &[("SCAN_ON_PUSH", &["*"])]))));
        assert_eq!(
            o.evidence,
            json!({"registry_scan_type": "BASIC", "matching_registry_rule": "* (SCAN_ON_PUSH)", "repository_scan_on_push": false})
        );
        assert_case("denied", &one(scan_on_push, ecr_denied), Status::Unknown, "ecr:DescribeRepositories");
    }

    #[test]
    fn ecr_kms_encryption_cases() {
        let aes = EcrRepository { encryption_type: "AES256".into(), kms_key: None, ..repo("old") };
        let cases = vec![
            ("kms", repo("app"), Status::Pass, "encrypted with KMS (arn:aws:kms"),
            ("aes", aes.clone(), Status::Fail, "is encrypted with AES256 (Amazon S3-managed keys), not KMS"),
            // The check asks for KMS, which the AWS managed aws/ecr key is; whether the key is customer managed
            // (the note's cross-account case) would need kms:DescribeKey.
            ("aws managed key", EcrRepository { kms_key: None, ..repo("aws-key") }, Status::Pass, "aws/ecr"),
            // Alternative: dual-layer KMS encryption is KMS too.
            (
                "alternative: KMS_DSSE",
                EcrRepository { encryption_type: "KMS_DSSE".into(), ..repo("dsse") },
                Status::Pass,
                "encrypted with KMS",
            ),
            // Near miss: a key ARN left beside AES256 encryption is not used.
            (
                "near miss: a key named, AES256 used",
                EcrRepository { encryption_type: "AES256".into(), ..repo("odd") },
                Status::Fail,
                "not KMS",
            ),
            // Partial read: none; DescribeRepositories answers for the whole region or the region is unread.
        ];
        for (case, r, status, message) in cases {
            assert_case(case, &one(ecr_kms_encryption, repos(vec![r], basic())), status, message);
        }
        let o = one(ecr_kms_encryption, repos(vec![aes], basic()));
        assert_eq!(o.evidence, json!({"encryption_type": "AES256", "kms_key": null}));
        assert_case("unreadable", &one(ecr_kms_encryption, ecr_denied), Status::Unknown, "ecr:DescribeRepositories");
    }

    #[test]
    fn repository_policy_cases() {
        let with_policy =
            |policy: Value| EcrRepository { policy: Collected::ok(Some(policy.to_string())), ..repo("app") };
        let pull = json!(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]);
        let cases = vec![
            ("no policy", repo("app"), Status::Pass, "has no repository policy"),
            (
                "public pull",
                with_policy(json!({"Statement": [{"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": pull}]})),
                Status::Fail,
                "allows any AWS principal (ecr:BatchGetImage, ecr:GetDownloadUrlForLayer) with no condition, in statement Public",
            ),
            (
                "AWS wildcard in a list, single statement object",
                with_policy(json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "ecr:*"}})),
                Status::Fail,
                "(ecr:*) with no condition, in statement #1",
            ),
            (
                "alternative: organization condition",
                with_policy(json!({"Statement": [{"Sid": "Org", "Effect": "Allow", "Principal": "*", "Action": pull, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}}]})),
                Status::Pass,
                "statement Org allows any principal only under a condition that limits who",
            ),
            (
                "alternative: TLS AND an account condition (conditions are ANDed)",
                with_policy(json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": pull, "Condition": {"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"aws:PrincipalAccount": ["444455556666", 777788889999u64]}}}]})),
                Status::Pass,
                "opens nothing to every principal",
            ),
            (
                "alternative: principal ARNs of one account",
                with_policy(json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": pull, "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/ci-*"}}}]})),
                Status::Pass,
                "opens nothing to every principal",
            ),
            (
                "near miss: TLS only says how, not who",
                with_policy(json!({"Statement": [{"Sid": "Tls", "Effect": "Allow", "Principal": "*", "Action": pull, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]})),
                Status::Fail,
                "under a condition (aws:SecureTransport) that does not limit who the caller is, in statement Tls",
            ),
            (
                "near miss: every IP address and a time window",
                with_policy(json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": pull, "Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}, "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}}]})),
                Status::Fail,
                "(aws:CurrentTime, aws:SourceIp) that does not limit who",
            ),
            (
                "near miss: everyone except one organization",
                with_policy(json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": pull, "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}}}]})),
                Status::Fail,
                "does not limit who",
            ),
            (
                "near miss: any organization",
                with_policy(json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": pull, "Condition": {"StringLike": {"aws:PrincipalOrgID": "*"}}}]})),
                Status::Fail,
                "does not limit who",
            ),
            (
                "near miss: IfExists admits callers without the key",
                with_policy(json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": pull, "Condition": {"StringEqualsIfExists": {"aws:PrincipalAccount": "444455556666"}}}]})),
                Status::Fail,
                "does not limit who",
            ),
            (
                "near miss: one role name in every account",
                with_policy(json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": pull, "Condition": {"ArnLike": {"aws:PrincipalArn": ["arn:aws:iam::444455556666:role/ci", "arn:aws:iam::*:role/ci"]}}}]})),
                Status::Fail,
                "does not limit who",
            ),
            (
                "near miss: every account's root",
                with_policy(json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::*:root"}, "Action": pull}]})),
                Status::Fail,
                "with no condition",
            ),
            (
                "a wildcard that is denied",
                with_policy(json!({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "ecr:*"}]})),
                Status::Pass,
                "opens nothing",
            ),
            (
                "named accounts",
                with_policy(json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::444455556666:root", "777788889999", format!("arn:aws:iam::{ACCT}:role/ci")]}, "Action": pull}]})),
                Status::Pass,
                "it grants accounts 444455556666, 777788889999",
            ),
            (
                "not a policy",
                EcrRepository { policy: Collected::ok(Some("{not json".into())), ..repo("app") },
                Status::Unknown,
                "could not be read as a policy document",
            ),
            (
                "policy denied",
                EcrRepository { policy: Collected::Error { error: denied("ecr:GetRepositoryPolicy") }, ..repo("app") },
                Status::Unknown,
                "ecr:GetRepositoryPolicy",
            ),
        ];
        for (case, r, status, message) in cases {
            assert_case(case, &one(repository_policy, repos(vec![r], basic())), status, message);
        }
        let o = one(
            repository_policy,
            repos(
                vec![with_policy(
                    json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": pull}]}),
                )],
                basic(),
            ),
        );
        assert_eq!(o.evidence["cross_account_principals"], json!(["444455556666"]));
        assert_eq!(o.evidence["open_statements"], json!([]));
        assert_case("denied", &one(repository_policy, ecr_denied), Status::Unknown, "ecr:DescribeRepositories");
    }

    #[test]
    fn tag_immutability_cases() {
        let with = |m: &str, exclusions: &[&str]| EcrRepository {
            tag_mutability: m.into(),
            tag_mutability_exclusions: exclusions.iter().map(|e| e.to_string()).collect(),
            ..repo("app")
        };
        let cases = vec![
            ("immutable", with("IMMUTABLE", &[]), Status::Pass, "has immutable tags"),
            (
                "immutable but latest",
                with("IMMUTABLE_WITH_EXCLUSION", &["latest"]),
                Status::Pass,
                "except tags matching latest",
            ),
            ("mutable", with("MUTABLE", &[]), Status::Fail, "has mutable tags: pushing again"),
            ("mutable but releases", with("MUTABLE_WITH_EXCLUSION", &["v*"]), Status::Fail, "except those matching v*"),
            // Near miss: immutable in name, with an exclusion that matches every tag.
            (
                "near miss: immutable except everything",
                with("IMMUTABLE_WITH_EXCLUSION", &["latest", "*"]),
                Status::Fail,
                "matches every tag, so every tag can be overwritten",
            ),
            // Alternative: mutable in name, with an exclusion that makes every tag immutable.
            (
                "alternative: mutable except everything",
                with("MUTABLE_WITH_EXCLUSION", &["**"]),
                Status::Pass,
                "so every tag is immutable",
            ),
            // Partial read: a value dopaudit does not know is not read as either.
            ("unknown setting", with("", &[]), Status::Unknown, "reports tag mutability \"\""),
        ];
        for (case, r, status, message) in cases {
            assert_case(case, &one(tag_immutability, repos(vec![r], basic())), status, message);
        }
        assert_case("unreadable", &one(tag_immutability, ecr_denied), Status::Unknown, "ecr:DescribeRepositories");
    }

    #[test]
    fn regions_without_resources_give_no_outcome() {
        let empty = |s: &mut SdlcSections| {
            s.codepipeline = Collected::ok(CodePipelineData::default());
            s.codebuild = Collected::ok(CodeBuildData::default());
            s.codedeploy = Collected::ok(CodeDeployData::default());
            s.ecr = Collected::ok(EcrData { repositories: vec![], registry_scanning: basic() });
        };
        for (id, check) in CHECKS {
            assert!(run(*check, vec![region_with(EAST, empty)]).is_empty(), "{id}");
        }
    }
}
