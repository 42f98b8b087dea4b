//! Acceptance: CodePipeline, CodeBuild, CodeDeploy and ECR read live from moto (`scripts/test.sh`) and judged resource
//! by resource, with a plaintext build token that must never leave the account. Without moto these tests fail (they
//! never skip).
//!
//! Account 123456789012, us-east-1:
//!
//! ```text
//! pipelines      gated      Source → Staging (deploy, then a manual approval) → Prod (deploy); artifacts under a CMK
//!                ungated    Source → Prod (deploy, no approval); artifacts under the default key
//!                dev-only   Source → Dev (deploy); artifacts under alias/aws/s3 named explicitly
//! projects       images     privileged, inline buildspec running docker build; DB_PASSWORD from Secrets Manager
//!                tests      privileged, buildspec file in the source; API_TOKEN in plaintext; role shared with lint
//!                lint       no artifacts; role shared with tests
//! deploy groups  shop/prod  OneAtATime, blue/green, rollback on failure and alarm, one alarm
//!                shop/dev   AllAtOnce, in place, no rollback
//!                shop/batch custom configuration Custom.Batch, rollback on failure
//!                orders/live  a Lambda group on LambdaAllAtOnce, no rollback
//! repositories   prod-web   KMS, immutable, policy: org-conditioned wildcard + one other account; matches the
//!                           registry's basic scan-on-push rule prod-*
//!                legacy     AES256, mutable, the repository's own scanOnPush (overridden: basic registry rules that
//!                           do not match it set it to manual scanning), no policy
//!                public-base AES256, mutable, not scanned, policy allowing Principal "*" with no condition
//! ```
//!
//! What moto 5.2.5 does here, and how the tests adapt:
//! - CodeBuild ignores a project's encryptionKey and reports `alias/aws/s3` for every project, so
//!   codebuild-artifact-encryption can only fail here; its passing side is left to the unit tests.
//! - CodeDeploy's GetDeploymentGroup answers `alarmConfiguration` as `{}` whatever was set, so no group can pass
//!   codedeploy-alarm-rollback here; the unit tests cover that side.
//! - GetDeploymentConfig is not implemented (HTML 500): a group on a custom configuration is `unknown`.
//! - BatchGetDeploymentGroups is not implemented either, which is why dopaudit reads groups with GetDeploymentGroup.

mod common;

use std::collections::BTreeMap;
use std::sync::Mutex;

use aws_config::SdkConfig;
use aws_sdk_codebuild::types as cb;
use aws_sdk_codedeploy::types as cd;
use aws_sdk_codepipeline::types as cp;
use aws_sdk_ecr::types as ecr;
use common::*;
use serde_json::{json, Value};

/// The tests of this file share one moto: one at a time.
static LOCK: Mutex<()> = Mutex::new(());

const ACCOUNT: &str = MOTO_ACCOUNT;
const REGION: &str = "us-east-1";

/// The plaintext value of the `tests` project's API_TOKEN: moto hands it back in BatchGetProjects (as AWS would);
/// dopaudit must keep it out of every snapshot and report.
const SECRET: &str = "plain-T0ken-4f9e2a";
const ARTIFACT_KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/5b1c9e2a-0000-4000-8000-pipelineartf";
const ORG_ID: &str = "o-a1b2c3d4e5";
const OTHER_ACCOUNT: &str = "444455556666";

/// The services this file is about, by check id prefix.
const PREFIXES: [&str; 4] = ["codepipeline-", "codebuild-", "codedeploy-", "ecr-"];

fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

fn pipeline_arn(name: &str) -> String {
    format!("arn:aws:codepipeline:{REGION}:{ACCOUNT}:{name}")
}

fn project_arn(name: &str) -> String {
    format!("arn:aws:codebuild:{REGION}:{ACCOUNT}:project/{name}")
}

fn group_arn(app: &str, group: &str) -> String {
    format!("arn:aws:codedeploy:{REGION}:{ACCOUNT}:deploymentgroup:{app}/{group}")
}

fn repo_arn(name: &str) -> String {
    format!("arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{name}")
}

// ---- Seeding ----------------------------------------------------------------------------------------

fn action(name: &str, category: cp::ActionCategory, provider: &str, run_order: i32) -> cp::ActionDeclaration {
    let type_id = cp::ActionTypeId::builder()
        .category(category.clone())
        .owner(cp::ActionOwner::Aws)
        .provider(provider)
        .version("1")
        .build()
        .expect("action type id");
    let mut builder = cp::ActionDeclaration::builder().name(name).action_type_id(type_id).run_order(run_order);
    builder = match category {
        cp::ActionCategory::Source => {
            builder.output_artifacts(cp::OutputArtifact::builder().name("Src").build().expect("output artifact"))
        }
        cp::ActionCategory::Approval => builder,
        _ => builder.input_artifacts(cp::InputArtifact::builder().name("Src").build().expect("input artifact")),
    };
    builder.build().expect("action")
}

fn stage(name: &str, actions: Vec<cp::ActionDeclaration>) -> cp::StageDeclaration {
    cp::StageDeclaration::builder().name(name).set_actions(Some(actions)).build().expect("stage")
}

fn source_stage() -> cp::StageDeclaration {
    stage("Source", vec![action("Checkout", cp::ActionCategory::Source, "S3", 1)])
}

fn deploy(name: &str, run_order: i32) -> cp::ActionDeclaration {
    action(name, cp::ActionCategory::Deploy, "CodeDeploy", run_order)
}

async fn create_pipeline(
    client: &aws_sdk_codepipeline::Client,
    name: &str,
    key: Option<&str>,
    stages: Vec<cp::StageDeclaration>,
) {
    let mut store =
        cp::ArtifactStore::builder().r#type(cp::ArtifactStoreType::S3).location(format!("{name}-artifacts"));
    if let Some(key) = key {
        store = store.encryption_key(
            cp::EncryptionKey::builder().id(key).r#type(cp::EncryptionKeyType::Kms).build().expect("encryption key"),
        );
    }
    let declaration = cp::PipelineDeclaration::builder()
        .name(name)
        .role_arn(role("codepipeline-service"))
        .artifact_store(store.build().expect("artifact store"))
        .set_stages(Some(stages))
        .build()
        .expect("pipeline declaration");
    client
        .create_pipeline()
        .pipeline(declaration)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create pipeline {name}: {e:?}"));
}

async fn seed_pipelines(config: &SdkConfig) {
    // moto checks that the pipeline role exists and trusts CodePipeline.
    let trust = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "codepipeline.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    aws_sdk_iam::Client::new(config)
        .create_role()
        .role_name("codepipeline-service")
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .expect("create the pipeline role");

    let client = aws_sdk_codepipeline::Client::new(config);
    create_pipeline(
        &client,
        "gated",
        Some(ARTIFACT_KEY),
        vec![
            source_stage(),
            stage(
                "Staging",
                vec![deploy("DeployStaging", 1), action("ApproveRelease", cp::ActionCategory::Approval, "Manual", 2)],
            ),
            stage("Prod", vec![deploy("DeployProd", 1)]),
        ],
    )
    .await;
    create_pipeline(&client, "ungated", None, vec![source_stage(), stage("Prod", vec![deploy("DeployProd", 1)])]).await;
    create_pipeline(
        &client,
        "dev-only",
        Some("alias/aws/s3"),
        vec![source_stage(), stage("Dev", vec![deploy("Deploy", 1)])],
    )
    .await;
}

fn variable(name: &str, value: &str, kind: cb::EnvironmentVariableType) -> cb::EnvironmentVariable {
    cb::EnvironmentVariable::builder().name(name).value(value).r#type(kind).build().expect("variable")
}

async fn create_project(
    client: &aws_sdk_codebuild::Client,
    name: &str,
    buildspec: &str,
    artifacts: cb::ArtifactsType,
    privileged: bool,
    variables: Vec<cb::EnvironmentVariable>,
    service_role: &str,
) {
    let source = cb::ProjectSource::builder()
        .r#type(cb::SourceType::Github)
        .location("https://github.com/example/shop.git")
        .buildspec(buildspec)
        .build()
        .expect("source");
    let mut output = cb::ProjectArtifacts::builder().r#type(artifacts.clone());
    if artifacts != cb::ArtifactsType::NoArtifacts {
        output = output.location("build-output-bucket");
    }
    let environment = cb::ProjectEnvironment::builder()
        .r#type(cb::EnvironmentType::LinuxContainer)
        .image("aws/codebuild/standard:7.0")
        .compute_type(cb::ComputeType::BuildGeneral1Small)
        .privileged_mode(privileged)
        .set_environment_variables(Some(variables))
        .build()
        .expect("environment");
    client
        .create_project()
        .name(name)
        .source(source)
        .artifacts(output.build().expect("artifacts"))
        .environment(environment)
        .service_role(role(service_role))
        .send()
        .await
        .unwrap_or_else(|e| panic!("create project {name}: {e:?}"));
}

async fn seed_projects(config: &SdkConfig) {
    let client = aws_sdk_codebuild::Client::new(config);
    let docker =
        "version: 0.2\nphases:\n  build:\n    commands:\n      - docker build -t shop .\n      - docker push shop\n";
    create_project(
        &client,
        "images",
        docker,
        cb::ArtifactsType::S3,
        true,
        vec![
            variable("DB_PASSWORD", "prod/shop/db:password", cb::EnvironmentVariableType::SecretsManager),
            variable("IMAGE_REPO", "shop", cb::EnvironmentVariableType::Plaintext),
        ],
        "codebuild-images",
    )
    .await;
    create_project(
        &client,
        "tests",
        "buildspec-tests.yml",
        cb::ArtifactsType::S3,
        true,
        vec![variable("API_TOKEN", SECRET, cb::EnvironmentVariableType::Plaintext)],
        "codebuild-shared",
    )
    .await;
    create_project(
        &client,
        "lint",
        "version: 0.2\nphases:\n  build:\n    commands:\n      - make lint\n",
        cb::ArtifactsType::NoArtifacts,
        false,
        vec![],
        "codebuild-shared",
    )
    .await;
}

fn rollback(events: &[cd::AutoRollbackEvent]) -> cd::AutoRollbackConfiguration {
    cd::AutoRollbackConfiguration::builder().enabled(!events.is_empty()).set_events(Some(events.to_vec())).build()
}

async fn create_group(
    client: &aws_sdk_codedeploy::Client,
    app: &str,
    name: &str,
    config_name: &str,
    kind: cd::DeploymentType,
    events: &[cd::AutoRollbackEvent],
) {
    client
        .create_deployment_group()
        .application_name(app)
        .deployment_group_name(name)
        .service_role_arn(role("codedeploy-service"))
        .deployment_config_name(config_name)
        .deployment_style(cd::DeploymentStyle::builder().deployment_type(kind).build())
        .auto_rollback_configuration(rollback(events))
        .alarm_configuration(
            cd::AlarmConfiguration::builder()
                .enabled(true)
                .alarms(cd::Alarm::builder().name(format!("{app}-{name}-5xx")).build())
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("create deployment group {app}/{name}: {e:?}"));
}

async fn seed_deployments(config: &SdkConfig) {
    use cd::AutoRollbackEvent::{DeploymentFailure, DeploymentStopOnAlarm};
    let client = aws_sdk_codedeploy::Client::new(config);
    for (app, platform) in [("shop", cd::ComputePlatform::Server), ("orders", cd::ComputePlatform::Lambda)] {
        client
            .create_application()
            .application_name(app)
            .compute_platform(platform)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create application {app}: {e:?}"));
    }
    let (in_place, blue_green) = (cd::DeploymentType::InPlace, cd::DeploymentType::BlueGreen);
    create_group(
        &client,
        "shop",
        "prod",
        "CodeDeployDefault.OneAtATime",
        blue_green.clone(),
        &[DeploymentFailure, DeploymentStopOnAlarm],
    )
    .await;
    create_group(&client, "shop", "dev", "CodeDeployDefault.AllAtOnce", in_place.clone(), &[]).await;
    create_group(&client, "shop", "batch", "Custom.Batch", in_place, &[DeploymentFailure]).await;
    create_group(&client, "orders", "live", "CodeDeployDefault.LambdaAllAtOnce", blue_green, &[]).await;
}

async fn create_repository(client: &aws_sdk_ecr::Client, name: &str, kms: bool, immutable: bool, scan: bool) {
    let encryption = if kms { ecr::EncryptionType::Kms } else { ecr::EncryptionType::Aes256 };
    let mutability = if immutable { ecr::ImageTagMutability::Immutable } else { ecr::ImageTagMutability::Mutable };
    client
        .create_repository()
        .repository_name(name)
        .encryption_configuration(
            ecr::EncryptionConfiguration::builder().encryption_type(encryption).build().expect("encryption"),
        )
        .image_tag_mutability(mutability)
        .image_scanning_configuration(ecr::ImageScanningConfiguration::builder().scan_on_push(scan).build())
        .send()
        .await
        .unwrap_or_else(|e| panic!("create repository {name}: {e:?}"));
}

async fn set_policy(client: &aws_sdk_ecr::Client, name: &str, policy: Value) {
    client
        .set_repository_policy()
        .repository_name(name)
        .policy_text(policy.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("set the policy of {name}: {e:?}"));
}

async fn seed_repositories(config: &SdkConfig) {
    let client = aws_sdk_ecr::Client::new(config);
    create_repository(&client, "prod-web", true, true, false).await;
    create_repository(&client, "legacy", false, false, true).await;
    create_repository(&client, "public-base", false, false, false).await;
    let pull = json!(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]);
    set_policy(
        &client,
        "prod-web",
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "OrganizationPull", "Effect": "Allow", "Principal": "*", "Action": pull,
             "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}}},
            {"Sid": "PartnerPull", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{OTHER_ACCOUNT}:root")},
             "Action": pull},
        ]}),
    )
    .await;
    set_policy(
        &client,
        "public-base",
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "AnyonePull", "Effect": "Allow", "Principal": "*", "Action": pull},
        ]}),
    )
    .await;
    let rule = ecr::RegistryScanningRule::builder()
        .scan_frequency(ecr::ScanFrequency::ScanOnPush)
        .repository_filters(
            ecr::ScanningRepositoryFilter::builder()
                .filter("prod-*")
                .filter_type(ecr::ScanningRepositoryFilterType::Wildcard)
                .build()
                .expect("filter"),
        )
        .build()
        .expect("scanning rule");
    client
        .put_registry_scanning_configuration()
        .scan_type(ecr::ScanType::Basic)
        .rules(rule)
        .send()
        .await
        .expect("put the registry scanning configuration");
}

async fn seed(config: &SdkConfig) {
    seed_pipelines(config).await;
    seed_projects(config).await;
    seed_deployments(config).await;
    seed_repositories(config).await;
}

// ---- Expectations -----------------------------------------------------------------------------------

/// Every sdlc finding the audit must give, by place; no other may appear.
fn expected() -> BTreeMap<FindingKey, String> {
    let mut want = BTreeMap::new();
    let mut put = |check: &str, resource: String, status: &str| {
        let key = (check.to_owned(), ACCOUNT.to_owned(), REGION.to_owned(), resource);
        assert!(want.insert(key.clone(), status.to_owned()).is_none(), "{key:?} expected twice");
    };
    put("codepipeline-manual-approval", pipeline_arn("gated"), "pass");
    put("codepipeline-manual-approval", pipeline_arn("ungated"), "fail");
    put("codepipeline-manual-approval", pipeline_arn("dev-only"), "skipped");
    put("codepipeline-artifact-store-encryption", pipeline_arn("gated"), "pass");
    put("codepipeline-artifact-store-encryption", pipeline_arn("ungated"), "fail");
    put("codepipeline-artifact-store-encryption", pipeline_arn("dev-only"), "fail");

    // moto reports alias/aws/s3 for every project, whatever key it was given.
    put("codebuild-artifact-encryption", project_arn("images"), "fail");
    put("codebuild-artifact-encryption", project_arn("tests"), "fail");
    put("codebuild-artifact-encryption", project_arn("lint"), "skipped");
    put("codebuild-privileged-mode", project_arn("images"), "pass");
    // Its buildspec is a file in the source, which the audit does not read.
    put("codebuild-privileged-mode", project_arn("tests"), "unknown");
    put("codebuild-privileged-mode", project_arn("lint"), "pass");
    put("codebuild-plaintext-secrets", project_arn("images"), "pass");
    put("codebuild-plaintext-secrets", project_arn("tests"), "fail");
    put("codebuild-plaintext-secrets", project_arn("lint"), "pass");
    put("codebuild-shared-service-role", project_arn("images"), "pass");
    put("codebuild-shared-service-role", project_arn("tests"), "fail");
    put("codebuild-shared-service-role", project_arn("lint"), "fail");

    for (group, rollback, config) in [("prod", "pass", "pass"), ("dev", "fail", "fail"), ("batch", "pass", "unknown")] {
        put("codedeploy-automatic-rollback", group_arn("shop", group), rollback);
        // moto drops every group's alarm configuration.
        put("codedeploy-alarm-rollback", group_arn("shop", group), "fail");
        // Custom.Batch needs GetDeploymentConfig, which moto lacks.
        put("codedeploy-deployment-config", group_arn("shop", group), config);
    }
    put("codedeploy-automatic-rollback", group_arn("orders", "live"), "fail");
    put("codedeploy-alarm-rollback", group_arn("orders", "live"), "fail");
    put("codedeploy-deployment-config", group_arn("orders", "live"), "fail");

    for (repo, scan, kms, policy, tags) in [
        ("prod-web", "pass", "pass", "pass", "pass"),
        ("legacy", "fail", "fail", "pass", "fail"),
        ("public-base", "fail", "fail", "fail", "fail"),
    ] {
        put("ecr-scan-on-push", repo_arn(repo), scan);
        put("ecr-kms-encryption", repo_arn(repo), kms);
        put("ecr-repository-policy", repo_arn(repo), policy);
        put("ecr-tag-immutability", repo_arn(repo), tags);
    }
    want
}

/// The report's findings of this file's checks, by place.
#[track_caller]
fn sdlc_statuses(findings: &[Value]) -> BTreeMap<FindingKey, String> {
    statuses_by_place(findings)
        .into_iter()
        .filter(|((check, ..), _)| PREFIXES.iter().any(|p| check.starts_with(p)))
        .collect()
}

#[track_caller]
fn assert_message(findings: &[Value], check: &str, resource: &str, needle: &str) {
    let message = text(the_finding_on(findings, check, resource), "message");
    assert!(message.contains(needle), "{check} on {resource}: message {message:?} should contain {needle:?}");
}

#[track_caller]
fn assert_no_secret(what: &str, output: &str) {
    assert!(!output.contains(SECRET), "{what} leaks the plaintext build token");
}

// ---- Tests ------------------------------------------------------------------------------------------

#[test]
fn every_pipeline_project_group_and_repository_is_judged_at_its_arn() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    block_on(async { seed(&sdk_config(&moto).await).await });

    let audit =
        run(dopaudit_live(&moto, &["audit", "--regions", REGION, "--format", "json", "--integrity-window", "0"]));
    audit.expect_code(1);
    assert_no_secret("the audit's stdout", &audit.stdout);
    assert_no_secret("the audit's stderr", &audit.stderr);
    let report = audit.json();
    let findings = findings(&report);
    let want = expected();
    let got = sdlc_statuses(findings);
    assert!(got == want, "sdlc findings differ:\n{}\nstderr: {}", diff_statuses(&want, &got), audit.stderr);

    // CodePipeline: the approval's place and the artifact keys.
    assert_message(
        findings,
        "codepipeline-manual-approval",
        &pipeline_arn("gated"),
        "waits for a manual approval before deploying in Prod",
    );
    assert_message(
        findings,
        "codepipeline-manual-approval",
        &pipeline_arn("ungated"),
        "deploys to production in stage Prod (DeployProd) with no manual approval before it",
    );
    let f = the_finding_on(findings, "codepipeline-manual-approval", &pipeline_arn("gated"));
    assert_eq!(f["evidence"]["manual_approvals"], json!(["Staging/ApproveRelease (run order 2)"]));
    assert_eq!(f["evidence"]["production_stages"], json!(["Prod"]));
    assert_message(findings, "codepipeline-manual-approval", &pipeline_arn("dev-only"), "has no production stage");
    let f = the_finding_on(findings, "codepipeline-artifact-store-encryption", &pipeline_arn("gated"));
    assert_eq!(
        f["evidence"]["artifact_stores"][REGION],
        json!({"bucket": "gated-artifacts", "encryption_key": ARTIFACT_KEY})
    );
    let f = the_finding_on(findings, "codepipeline-artifact-store-encryption", &pipeline_arn("dev-only"));
    assert_eq!(f["evidence"]["artifact_stores"][REGION]["encryption_key"], "alias/aws/s3");

    // CodeBuild: names and types of variables, never values; the buildspec read for docker builds only.
    let f = the_finding_on(findings, "codebuild-plaintext-secrets", &project_arn("tests"));
    assert_eq!(f["evidence"]["plaintext_secret_like_variables"], json!(["API_TOKEN"]));
    assert_eq!(f["evidence"]["variable_types"], json!({"API_TOKEN": "PLAINTEXT"}));
    let f = the_finding_on(findings, "codebuild-plaintext-secrets", &project_arn("images"));
    assert_eq!(f["evidence"]["variable_types"], json!({"DB_PASSWORD": "SECRETS_MANAGER", "IMAGE_REPO": "PLAINTEXT"}));
    let f = the_finding_on(findings, "codebuild-privileged-mode", &project_arn("images"));
    assert_eq!(f["evidence"]["inline_buildspec_builds_images"], true);
    let f = the_finding_on(findings, "codebuild-privileged-mode", &project_arn("tests"));
    assert_eq!(f["evidence"]["inline_buildspec_builds_images"], Value::Null, "a buildspec file is not read");
    assert_eq!(f["evidence"]["privileged_mode"], true);
    let f = the_finding_on(findings, "codebuild-privileged-mode", &project_arn("lint"));
    assert_eq!(f["evidence"]["inline_buildspec_builds_images"], false);
    let f = the_finding_on(findings, "codebuild-shared-service-role", &project_arn("tests"));
    assert_eq!(f["evidence"]["shared_with"], json!([project_arn("lint")]));
    assert_eq!(f["evidence"]["service_role"], role("codebuild-shared"));
    let f = the_finding_on(findings, "codebuild-artifact-encryption", &project_arn("images"));
    assert_eq!(f["evidence"]["encryption_key"], format!("arn:aws:kms:{REGION}:{ACCOUNT}:alias/aws/s3"));

    // CodeDeploy: rollback events, the configuration and its deployment type; the custom one could not be read.
    let f = the_finding_on(findings, "codedeploy-automatic-rollback", &group_arn("shop", "prod"));
    assert_eq!(f["evidence"]["rollback_events"], json!(["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]));
    assert_message(findings, "codedeploy-automatic-rollback", &group_arn("shop", "dev"), "automatic rollback off");
    let f = the_finding_on(findings, "codedeploy-deployment-config", &group_arn("shop", "prod"));
    assert_eq!(f["evidence"]["deployment_type"], "BLUE_GREEN");
    assert_message(
        findings,
        "codedeploy-deployment-config",
        &group_arn("shop", "dev"),
        "uses CodeDeployDefault.AllAtOnce, which takes every instance out of service together",
    );
    assert_message(findings, "codedeploy-deployment-config", &group_arn("orders", "live"), "in one step");
    let f = the_finding_on(findings, "codedeploy-deployment-config", &group_arn("shop", "batch"));
    let error = &f["evidence"]["collection_error"];
    assert_eq!(error["kind"], "unsupported", "{f:#}");
    assert_eq!(error["permission"], "codedeploy:GetDeploymentConfig", "{f:#}");
    assert_message(
        findings,
        "codedeploy-alarm-rollback",
        &group_arn("shop", "prod"),
        "no CloudWatch alarm is attached",
    );

    // ECR: which rule or setting scans, the policy's open statement and the other account it names.
    let f = the_finding_on(findings, "ecr-scan-on-push", &repo_arn("prod-web"));
    assert_eq!(f["evidence"]["matching_registry_rule"], "prod-* (SCAN_ON_PUSH)");
    assert_message(
        findings,
        "ecr-scan-on-push",
        &repo_arn("legacy"),
        "gives way to the registry's basic scanning rules",
    );
    let f = the_finding_on(findings, "ecr-repository-policy", &repo_arn("public-base"));
    assert_eq!(f["evidence"]["open_statements"], json!(["AnyonePull"]));
    let f = the_finding_on(findings, "ecr-repository-policy", &repo_arn("prod-web"));
    assert_eq!(f["evidence"]["cross_account_principals"], json!([OTHER_ACCOUNT]));
    assert_eq!(f["evidence"]["wildcard_statements_with_condition"], json!(["OrganizationPull"]));
    assert_eq!(the_finding_on(findings, "ecr-repository-policy", &repo_arn("legacy"))["evidence"]["has_policy"], false);
    let f = the_finding_on(findings, "ecr-kms-encryption", &repo_arn("legacy"));
    assert_eq!(f["evidence"]["encryption_type"], "AES256");
}

#[test]
fn the_snapshot_keeps_no_secret_and_gives_the_same_findings() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    block_on(async { seed(&sdk_config(&moto).await).await });
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sdlc.json");
    let path_text = path.to_str().expect("UTF-8 temp path");

    let out = run(dopaudit_live(&moto, &["collect", "--regions", REGION, "--integrity-window", "0", "-o", path_text]));
    out.expect_code(0);
    let raw = std::fs::read_to_string(&path).expect("snapshot written");
    assert_no_secret("the snapshot", &raw);
    let snapshot: Value = serde_json::from_str(&raw).expect("the snapshot is JSON");

    // Every call this group made is one its checks declare, and the only failing one is moto's missing operation.
    let declared = declared_permissions(&PREFIXES);
    let calls = snapshot["collection"]["calls"].as_array().expect("collection.calls");
    let mut made = BTreeMap::new();
    for c in calls.iter().filter(|c| ["codepipeline", "codebuild", "codedeploy", "ecr"].contains(&text(c, "service"))) {
        let action = format!("{}:{}", text(c, "service"), text(c, "operation"));
        assert!(declared.contains(&action), "{action} is called but no sdlc check declares it");
        made.insert(action, (c["calls"].as_u64().unwrap_or(0), c["errors"].as_u64().unwrap_or(0)));
    }
    assert_eq!(made.get("codepipeline:GetPipeline"), Some(&(3, 0)), "one GetPipeline per pipeline: {made:?}");
    assert_eq!(made.get("codebuild:BatchGetProjects"), Some(&(1, 0)), "one batch for three projects: {made:?}");
    assert_eq!(made.get("codedeploy:GetDeploymentGroup"), Some(&(4, 0)), "{made:?}");
    assert_eq!(made.get("codedeploy:GetDeploymentConfig"), Some(&(1, 1)), "Custom.Batch, once: {made:?}");
    // legacy has no policy: ECR answers RepositoryPolicyNotFoundException, an error to the call recorder, while
    // the snapshot keeps it as "no policy" (the first test sees it judged as such).
    assert_eq!(made.get("ecr:GetRepositoryPolicy"), Some(&(3, 1)), "{made:?}");
    let region = snapshot["accounts"][0]["regions"]
        .as_array()
        .expect("regions")
        .iter()
        .find(|r| r["region"] == REGION)
        .expect("us-east-1 collected");
    let repos = region["ecr"]["data"]["repositories"].as_array().expect("repositories");
    let legacy = repos.iter().find(|r| r["name"] == "legacy").expect("legacy collected");
    assert_eq!(legacy["policy"], json!({"status": "ok", "data": null}));
    let custom = &region["codedeploy"]["data"]["custom_configs"]["Custom.Batch"];
    assert_eq!(custom["status"], "error", "{custom:#}");
    assert_eq!(custom["error"]["permission"], "codedeploy:GetDeploymentConfig", "{custom:#}");

    // The saved snapshot is judged as the live account was.
    let audit = run(dopaudit_command(RUN_TIMEOUT).args(["audit", "--snapshot", path_text, "--format", "json"]));
    audit.expect_code(1);
    let got = sdlc_statuses(findings(&audit.json()));
    let want = expected();
    assert!(got == want, "findings from the snapshot differ:\n{}", diff_statuses(&want, &got));
}
