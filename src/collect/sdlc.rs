//! Software-delivery collector (exam domain 1): CodePipeline, CodeBuild, CodeDeploy and ECR in one region.
//!
//! The four services are read side by side. Within each, the list call decides the section (a denied list
//! marks the whole section); the per-resource reads that follow (`GetPipeline`, `GetDeploymentGroup`,
//! `GetRepositoryPolicy` …) run at most [`PER_RESOURCE`] at a time and each keeps its own result, so one
//! denied read marks only its resource. CodeBuild environment variable values and buildspecs are read by
//! `BatchGetProjects` but never stored: only names, types and whether an inline buildspec builds images.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_codebuild::types as cb;
use aws_sdk_codedeploy::types as cd;
use aws_sdk_codepipeline::types as cp;
use aws_sdk_ecr::types as ecr;

use super::{bounded, only_if, text, Reads, PER_RESOURCE};
use crate::aws::{classify, AccountAws};
use crate::snapshot::{
    partition, ArtifactStore, BuildArtifacts, BuildEnvironment, BuildProject, BuildVariable, CodeBuildData,
    CodeDeployData, CodePipelineData, Collected, CollectionError, DeployApplication, DeploymentConfig, DeploymentGroup,
    DeploymentGroupDetail, EcrData, EcrRepository, ErrorKind, Pipeline, PipelineAction, PipelineDeclaration,
    PipelineStage, RegistryScanning, ScanningRule, SdlcSections,
};

/// `BatchGetProjects` takes at most this many names per call.
const PROJECTS_PER_BATCH: usize = 100;

/// Everything the sdlc checks read in one (account, region), of the services `reads` selects.
pub async fn collect(aws: &AccountAws, region: &str, reads: &Reads) -> SdlcSections {
    let account = aws.account_id.as_str();
    let clients = (aws.codepipeline(region), aws.codebuild(region), aws.codedeploy(region), aws.ecr(region));
    let (codepipeline, codebuild, codedeploy, ecr) = tokio::join!(
        only_if(reads.service("codepipeline"), pipelines(&clients.0, region, account)),
        only_if(reads.service("codebuild"), projects(&clients.1)),
        only_if(reads.service("codedeploy"), deployments(&clients.2, region, account)),
        only_if(reads.service("ecr"), repositories(&clients.3)),
    );
    SdlcSections { codepipeline, codebuild, codedeploy, ecr }
}

// ---- CodePipeline -----------------------------------------------------------------------------------

async fn pipelines(client: &aws_sdk_codepipeline::Client, region: &str, account: &str) -> Collected<CodePipelineData> {
    let listed = match client.list_pipelines().into_paginator().items().send().try_collect().await {
        Ok(listed) => listed,
        Err(e) => return Collected::Error { error: classify(&e, "codepipeline:ListPipelines") },
    };
    let partition = partition(region);
    let pipelines = bounded(listed, PER_RESOURCE, |summary| {
        let client = client.clone();
        let name = summary.name().unwrap_or_default().to_string();
        let arn = format!("arn:{partition}:codepipeline:{region}:{account}:{name}");
        let pipeline_type = summary.pipeline_type().map(|t| t.as_str().to_string());
        let region = region.to_string();
        async move {
            let declaration = match client.get_pipeline().name(&name).send().await {
                Ok(out) => match out.pipeline() {
                    Some(p) => Collected::ok(convert_pipeline(p, &region)),
                    None => Collected::Error { error: empty_answer("codepipeline:GetPipeline", "no pipeline") },
                },
                Err(e) => Collected::Error { error: classify(&e, "codepipeline:GetPipeline") },
            };
            Pipeline { name, arn, pipeline_type, declaration }
        }
    })
    .await;
    Collected::ok(CodePipelineData { pipelines })
}

fn convert_pipeline(p: &cp::PipelineDeclaration, region: &str) -> PipelineDeclaration {
    let store = |s: &cp::ArtifactStore| ArtifactStore {
        location: s.location().to_string(),
        encryption_key_id: s.encryption_key().map(|k| k.id().to_string()).filter(|k| !k.is_empty()),
    };
    let mut artifact_stores: BTreeMap<String, ArtifactStore> =
        p.artifact_stores().into_iter().flatten().map(|(r, s)| (r.clone(), store(s))).collect();
    if let Some(s) = p.artifact_store() {
        artifact_stores.insert(region.to_string(), store(s));
    }
    PipelineDeclaration {
        role_arn: text(Some(p.role_arn())),
        artifact_stores,
        stages: p
            .stages()
            .iter()
            .map(|s| PipelineStage {
                name: s.name().to_string(),
                actions: s
                    .actions()
                    .iter()
                    .map(|a| {
                        let id = a.action_type_id();
                        PipelineAction {
                            name: a.name().to_string(),
                            category: id.map(|t| t.category().as_str()).unwrap_or_default().to_string(),
                            owner: id.map(|t| t.owner().as_str()).unwrap_or_default().to_string(),
                            provider: id.map(|t| t.provider()).unwrap_or_default().to_string(),
                            run_order: a.run_order().unwrap_or(1),
                        }
                    })
                    .collect(),
            })
            .collect(),
    }
}

// ---- CodeBuild --------------------------------------------------------------------------------------

async fn projects(client: &aws_sdk_codebuild::Client) -> Collected<CodeBuildData> {
    let names: Vec<String> = match client.list_projects().into_paginator().items().send().try_collect().await {
        Ok(names) => names,
        Err(e) => return Collected::Error { error: classify(&e, "codebuild:ListProjects") },
    };
    let mut projects = Vec::new();
    for chunk in names.chunks(PROJECTS_PER_BATCH) {
        match client.batch_get_projects().set_names(Some(chunk.to_vec())).send().await {
            Ok(out) => projects.extend(out.projects().iter().map(convert_project)),
            Err(e) => return Collected::Error { error: classify(&e, "codebuild:BatchGetProjects") },
        }
    }
    Collected::ok(CodeBuildData { projects })
}

fn convert_project(p: &cb::Project) -> BuildProject {
    let env = p.environment();
    BuildProject {
        name: p.name().unwrap_or_default().to_string(),
        arn: p.arn().unwrap_or_default().to_string(),
        service_role: text(p.service_role()),
        encryption_key: text(p.encryption_key()),
        environment: BuildEnvironment {
            environment_type: env.map(|e| e.r#type().as_str()).unwrap_or_default().to_string(),
            image: env.map(|e| e.image()).unwrap_or_default().to_string(),
            privileged_mode: env.and_then(|e| e.privileged_mode()).unwrap_or(false),
            // The value is left behind here: a snapshot never holds it.
            variables: env
                .map(|e| e.environment_variables())
                .unwrap_or_default()
                .iter()
                .map(|v| {
                    let variable_type = v.r#type().map_or("PLAINTEXT", |t| t.as_str()).to_string();
                    // Only a plaintext value can be a secret itself; the others name where the secret is.
                    let value_looks_secret =
                        Some(variable_type == "PLAINTEXT" && crate::snapshot::value_looks_secret(v.value()));
                    BuildVariable { name: v.name().to_string(), variable_type, value_looks_secret }
                })
                .collect(),
        },
        artifacts: p.artifacts().map(convert_artifacts).unwrap_or_else(|| BuildArtifacts {
            identifier: None,
            artifacts_type: "NO_ARTIFACTS".into(),
            encryption_disabled: false,
        }),
        secondary_artifacts: p.secondary_artifacts().iter().map(convert_artifacts).collect(),
        cache_type: p.cache().map_or("NO_CACHE", |c| c.r#type().as_str()).to_string(),
        inline_buildspec_builds_images: p.source().and_then(|s| s.buildspec()).and_then(builds_images),
    }
}

fn convert_artifacts(a: &cb::ProjectArtifacts) -> BuildArtifacts {
    BuildArtifacts {
        identifier: text(a.artifact_identifier()),
        artifacts_type: a.r#type().as_str().to_string(),
        encryption_disabled: a.encryption_disabled().unwrap_or(false),
    }
}

/// Commands that build a container image, which is what privileged mode is for.
const IMAGE_BUILDS: &[&str] = &[
    "docker build",
    "docker buildx",
    "docker image build",
    "docker compose build",
    "docker-compose build",
    "podman build",
    "buildah bud",
    "buildah build",
];

/// For an inline buildspec (YAML with phases, not the name of a file in the source): whether it builds images.
fn builds_images(buildspec: &str) -> Option<bool> {
    let inline = buildspec.contains('\n') || buildspec.contains("phases:");
    inline.then(|| {
        let spec = buildspec.to_lowercase();
        IMAGE_BUILDS.iter().any(|c| spec.contains(c))
    })
}

// ---- CodeDeploy -------------------------------------------------------------------------------------

async fn deployments(client: &aws_sdk_codedeploy::Client, region: &str, account: &str) -> Collected<CodeDeployData> {
    let names: Vec<String> = match client.list_applications().into_paginator().items().send().try_collect().await {
        Ok(names) => names,
        Err(e) => return Collected::Error { error: classify(&e, "codedeploy:ListApplications") },
    };
    let base = format!("arn:{}:codedeploy:{region}:{account}", partition(region));
    // Each application's group names, then every group of every application read under one bound.
    let listed = bounded(names, PER_RESOURCE, |name| {
        let client = client.clone();
        async move {
            let groups = group_names(&client, &name).await;
            (name, groups)
        }
    })
    .await;
    let pairs: Vec<(String, String)> = listed
        .iter()
        .filter_map(|(app, groups)| Some(groups.as_ref().ok()?.iter().map(move |g| (app.clone(), g.clone()))))
        .flatten()
        .collect();
    let mut details: BTreeMap<(String, String), Collected<DeploymentGroupDetail>> =
        bounded(pairs, PER_RESOURCE, |(app, name)| {
            let client = client.clone();
            async move {
                let detail = deployment_group(&client, &app, &name).await;
                ((app, name), detail)
            }
        })
        .await
        .into_iter()
        .collect();
    let applications: Vec<DeployApplication> = listed
        .into_iter()
        .map(|(app, groups)| {
            let groups = groups.map(|names| {
                names
                    .into_iter()
                    .map(|name| DeploymentGroup {
                        arn: format!("{base}:deploymentgroup:{app}/{name}"),
                        // Every listed group was read above; a missing one would show as not collected.
                        detail: details.remove(&(app.clone(), name.clone())).unwrap_or_default(),
                        name,
                    })
                    .collect()
            });
            DeployApplication { arn: format!("{base}:application:{app}"), name: app, groups: groups.into() }
        })
        .collect();

    // The configurations the groups use that are not predefined, read once each.
    let custom: BTreeSet<String> = applications
        .iter()
        .filter_map(|a| a.groups.get().ok())
        .flatten()
        .filter_map(|g| g.detail.get().ok()?.deployment_config_name.clone())
        .filter(|name| !name.starts_with("CodeDeployDefault."))
        .collect();
    let custom_configs = bounded(custom, PER_RESOURCE, |name| {
        let client = client.clone();
        async move {
            let config = match client.get_deployment_config().deployment_config_name(&name).send().await {
                Ok(out) => match out.deployment_config_info() {
                    Some(info) => Collected::ok(convert_config(info)),
                    None => Collected::Error {
                        error: empty_answer("codedeploy:GetDeploymentConfig", "no deployment configuration"),
                    },
                },
                Err(e) => Collected::Error { error: classify(&e, "codedeploy:GetDeploymentConfig") },
            };
            (name, config)
        }
    })
    .await
    .into_iter()
    .collect();
    Collected::ok(CodeDeployData { applications, custom_configs })
}

/// The names of one application's deployment groups.
async fn group_names(client: &aws_sdk_codedeploy::Client, application: &str) -> Result<Vec<String>, CollectionError> {
    client
        .list_deployment_groups()
        .application_name(application)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| classify(&e, "codedeploy:ListDeploymentGroups"))
}

/// One deployment group, read with `GetDeploymentGroup`.
async fn deployment_group(
    client: &aws_sdk_codedeploy::Client,
    application: &str,
    name: &str,
) -> Collected<DeploymentGroupDetail> {
    match client.get_deployment_group().application_name(application).deployment_group_name(name).send().await {
        Ok(out) => match out.deployment_group_info() {
            Some(info) => Collected::ok(convert_group(info)),
            None => Collected::Error { error: empty_answer("codedeploy:GetDeploymentGroup", "no deployment group") },
        },
        Err(e) => Collected::Error { error: classify(&e, "codedeploy:GetDeploymentGroup") },
    }
}

fn convert_group(g: &cd::DeploymentGroupInfo) -> DeploymentGroupDetail {
    let rollback = g.auto_rollback_configuration();
    let alarms = g.alarm_configuration();
    DeploymentGroupDetail {
        compute_platform: g.compute_platform().map(|p| p.as_str().to_string()),
        // An emulator may print an unset name as "None".
        deployment_config_name: text(g.deployment_config_name()).filter(|n| n != "None"),
        deployment_type: g.deployment_style().and_then(|s| s.deployment_type()).map(|t| t.as_str().to_string()),
        auto_rollback_enabled: rollback.is_some_and(|r| r.enabled()),
        auto_rollback_events: rollback
            .map(|r| r.events())
            .unwrap_or_default()
            .iter()
            .map(|e| e.as_str().into())
            .collect(),
        alarms_enabled: alarms.is_some_and(|a| a.enabled()),
        alarms: alarms.map(|a| a.alarms()).unwrap_or_default().iter().filter_map(|a| text(a.name())).collect(),
        ignore_poll_alarm_failure: alarms.is_some_and(|a| a.ignore_poll_alarm_failure()),
    }
}

fn convert_config(c: &cd::DeploymentConfigInfo) -> DeploymentConfig {
    let hosts = c.minimum_healthy_hosts();
    DeploymentConfig {
        compute_platform: c.compute_platform().map(|p| p.as_str().to_string()),
        minimum_healthy_hosts_type: hosts.and_then(|h| h.r#type()).map(|t| t.as_str().to_string()),
        minimum_healthy_hosts_value: hosts.map(|h| h.value()),
        traffic_routing_type: c.traffic_routing_config().and_then(|t| t.r#type()).map(|t| t.as_str().to_string()),
    }
}

// ---- ECR --------------------------------------------------------------------------------------------

async fn repositories(client: &aws_sdk_ecr::Client) -> Collected<EcrData> {
    let (listed, registry_scanning) = tokio::join!(
        client.describe_repositories().into_paginator().items().send().try_collect(),
        registry_scanning(client),
    );
    let listed = match listed {
        Ok(listed) => listed,
        Err(e) => return Collected::Error { error: classify(&e, "ecr:DescribeRepositories") },
    };
    let repositories = bounded(listed, PER_RESOURCE, |r| {
        let client = client.clone();
        async move {
            let mut repo = convert_repository(&r);
            repo.policy = repository_policy(&client, &repo.registry_id, &repo.name).await;
            repo
        }
    })
    .await;
    Collected::ok(EcrData { repositories, registry_scanning })
}

fn convert_repository(r: &ecr::Repository) -> EcrRepository {
    let encryption = r.encryption_configuration();
    EcrRepository {
        name: r.repository_name().unwrap_or_default().to_string(),
        arn: r.repository_arn().unwrap_or_default().to_string(),
        registry_id: r.registry_id().unwrap_or_default().to_string(),
        tag_mutability: r.image_tag_mutability().map_or("MUTABLE", |m| m.as_str()).to_string(),
        tag_mutability_exclusions: r
            .image_tag_mutability_exclusion_filters()
            .iter()
            .map(|f| f.filter().into())
            .collect(),
        scan_on_push: r.image_scanning_configuration().is_some_and(|s| s.scan_on_push()),
        encryption_type: encryption.map_or("AES256", |e| e.encryption_type().as_str()).to_string(),
        kms_key: encryption.and_then(|e| text(e.kms_key())),
        policy: Collected::NotCollected,
    }
}

/// The repository's policy text; `None` when it has none (`RepositoryPolicyNotFoundException`).
async fn repository_policy(client: &aws_sdk_ecr::Client, registry: &str, name: &str) -> Collected<Option<String>> {
    let mut req = client.get_repository_policy().repository_name(name);
    if !registry.is_empty() {
        req = req.registry_id(registry);
    }
    match req.send().await {
        Ok(out) => Collected::ok(text(out.policy_text())),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_repository_policy_not_found_exception()) => {
            Collected::ok(None)
        }
        Err(e) => Collected::Error { error: classify(&e, "ecr:GetRepositoryPolicy") },
    }
}

async fn registry_scanning(client: &aws_sdk_ecr::Client) -> Collected<RegistryScanning> {
    match client.get_registry_scanning_configuration().send().await {
        Ok(out) => {
            let config = out.scanning_configuration();
            Collected::ok(RegistryScanning {
                // With no configuration set, the registry uses basic scanning.
                scan_type: config.and_then(|c| c.scan_type()).map_or("BASIC", |t| t.as_str()).to_string(),
                rules: config
                    .map(|c| c.rules())
                    .unwrap_or_default()
                    .iter()
                    .map(|r| ScanningRule {
                        scan_frequency: r.scan_frequency().as_str().to_string(),
                        filters: r.repository_filters().iter().map(|f| f.filter().to_string()).collect(),
                    })
                    .collect(),
            })
        }
        Err(e) => Collected::Error { error: classify(&e, "ecr:GetRegistryScanningConfiguration") },
    }
}

// ---- Helpers ----------------------------------------------------------------------------------------

/// A successful answer that lacks the one thing it exists for.
fn empty_answer(permission: &str, what: &str) -> CollectionError {
    CollectionError {
        kind: ErrorKind::Other,
        code: "EmptyResponse".into(),
        message: format!("the answer held {what}"),
        permission: Some(permission.into()),
    }
}

#[cfg(test)]
mod tests {

    use aws_sdk_codebuild::operation::batch_get_projects::BatchGetProjectsOutput;
    use aws_sdk_codebuild::operation::list_projects::ListProjectsOutput;
    use aws_sdk_codedeploy::operation::get_deployment_config::GetDeploymentConfigOutput;
    use aws_sdk_codedeploy::operation::get_deployment_group::GetDeploymentGroupOutput;
    use aws_sdk_codedeploy::operation::list_applications::ListApplicationsOutput;
    use aws_sdk_codedeploy::operation::list_deployment_groups::ListDeploymentGroupsOutput;
    use aws_sdk_codepipeline::operation::get_pipeline::GetPipelineOutput;
    use aws_sdk_codepipeline::operation::list_pipelines::ListPipelinesOutput;
    use aws_sdk_ecr::operation::describe_repositories::DescribeRepositoriesOutput;
    use aws_sdk_ecr::operation::get_registry_scanning_configuration::GetRegistryScanningConfigurationOutput;
    use aws_sdk_ecr::operation::get_repository_policy::GetRepositoryPolicyOutput;
    use aws_smithy_mocks::{create_mock_http_client, mock, MockResponseInterceptor, Rule, RuleMode};
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    use super::*;
    use crate::collect::test_support::{error, ok};

    const ACCOUNT: &str = "111111111111";
    const REGION: &str = "eu-west-1";
    /// A build variable's value: BatchGetProjects returns it, the snapshot must not keep it.
    const VALUE: &str = "s3cr3t-variable-value";

    /// A client of `$krate` answering only from `$rules` (anything else gets the mock's dummy 418), with
    /// retries off so an error is answered once.
    macro_rules! client {
        ($krate:ident, $rules:expr) => {{
            let mut interceptor = MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny);
            for rule in $rules {
                interceptor = interceptor.with_rule(rule);
            }
            $krate::Client::from_conf(
                $krate::Config::builder()
                    .behavior_version($krate::config::BehaviorVersion::latest())
                    .region($krate::config::Region::new(REGION))
                    .credentials_provider($krate::config::Credentials::new("AKID", "SECRET", None, None, "test"))
                    .retry_config($krate::config::retry::RetryConfig::disabled())
                    .http_client(create_mock_http_client())
                    .interceptor(interceptor)
                    .build(),
            )
        }};
    }

    /// A JSON-protocol AWS error answer.
    fn aws_error(code: &str) -> HttpResponse {
        let body = format!(r#"{{"__type":"{code}","message":"{code} for the test"}}"#);
        HttpResponse::new(StatusCode::try_from(400).expect("valid status"), SdkBody::from(body))
    }

    fn denied() -> HttpResponse {
        aws_error("AccessDeniedException")
    }

    // ---- CodePipeline ----

    fn action(
        name: &str,
        category: cp::ActionCategory,
        provider: &str,
        run_order: Option<i32>,
    ) -> cp::ActionDeclaration {
        cp::ActionDeclaration::builder()
            .name(name)
            .action_type_id(
                cp::ActionTypeId::builder()
                    .category(category)
                    .owner(cp::ActionOwner::Aws)
                    .provider(provider)
                    .version("1")
                    .build()
                    .expect("type id"),
            )
            .set_run_order(run_order)
            .build()
            .expect("action")
    }

    fn store(bucket: &str, key: Option<&str>) -> cp::ArtifactStore {
        let key = key.map(|k| {
            cp::EncryptionKey::builder().id(k).r#type(cp::EncryptionKeyType::Kms).build().expect("encryption key")
        });
        cp::ArtifactStore::builder()
            .r#type(cp::ArtifactStoreType::S3)
            .location(bucket)
            .set_encryption_key(key)
            .build()
            .expect("store")
    }

    /// `web`: one artifact store, an approval then a deploy in Prod. `multi`: stores in two regions.
    fn declaration(name: &str) -> cp::PipelineDeclaration {
        let builder = cp::PipelineDeclaration::builder().name(name).role_arn("arn:aws:iam::111111111111:role/pipe");
        let builder = match name {
            "web" => builder.artifact_store(store("web-artifacts", Some("arn:aws:kms:eu-west-1:111111111111:key/k"))),
            _ => builder
                .artifact_stores("eu-west-1", store("multi-eu", Some("alias/pipeline")))
                .artifact_stores("us-east-1", store("multi-us", None)),
        };
        builder
            .stages(
                cp::StageDeclaration::builder()
                    .name("Source")
                    .actions(action("Checkout", cp::ActionCategory::Source, "S3", None))
                    .build()
                    .expect("stage"),
            )
            .stages(
                cp::StageDeclaration::builder()
                    .name("Prod")
                    .actions(action("Approve", cp::ActionCategory::Approval, "Manual", Some(1)))
                    .actions(action("Deploy", cp::ActionCategory::Deploy, "CodeDeploy", Some(2)))
                    .build()
                    .expect("stage"),
            )
            .build()
            .expect("declaration")
    }

    #[tokio::test]
    async fn pipelines_keep_their_order_and_a_denied_read_marks_only_its_pipeline() {
        use aws_sdk_codepipeline::Client;
        let list = mock!(Client::list_pipelines).then_output(|| {
            let summary = |n: &str| cp::PipelineSummary::builder().name(n).pipeline_type(cp::PipelineType::V2).build();
            ListPipelinesOutput::builder()
                .pipelines(summary("web"))
                .pipelines(summary("locked"))
                .pipelines(summary("multi"))
                .build()
        });
        let get = mock!(Client::get_pipeline).match_requests(|r| r.name() != Some("locked")).then_compute_output(|r| {
            GetPipelineOutput::builder().pipeline(declaration(r.name().unwrap_or_default())).build()
        });
        let locked =
            mock!(Client::get_pipeline).match_requests(|r| r.name() == Some("locked")).then_http_response(denied);
        let client = client!(aws_sdk_codepipeline, [&list, &get, &locked]);

        let collected = pipelines(&client, REGION, ACCOUNT).await;
        let data = ok(&collected);
        let names: Vec<&str> = data.pipelines.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["web", "locked", "multi"]);
        assert_eq!(data.pipelines[0].arn, "arn:aws:codepipeline:eu-west-1:111111111111:web");
        assert_eq!(data.pipelines[0].pipeline_type.as_deref(), Some("V2"));

        let web = ok(&data.pipelines[0].declaration);
        let stores: Vec<(&str, &str, Option<&str>)> = web
            .artifact_stores
            .iter()
            .map(|(r, s)| (r.as_str(), s.location.as_str(), s.encryption_key_id.as_deref()))
            .collect();
        assert_eq!(stores, [("eu-west-1", "web-artifacts", Some("arn:aws:kms:eu-west-1:111111111111:key/k"))]);
        let actions: Vec<(&str, &str, &str, &str, i32)> = web
            .stages
            .iter()
            .flat_map(|s| {
                s.actions.iter().map(move |a| {
                    (s.name.as_str(), a.name.as_str(), a.category.as_str(), a.provider.as_str(), a.run_order)
                })
            })
            .collect();
        assert_eq!(
            actions,
            [
                ("Source", "Checkout", "Source", "S3", 1),
                ("Prod", "Approve", "Approval", "Manual", 1),
                ("Prod", "Deploy", "Deploy", "CodeDeploy", 2),
            ],
            "an action without a run order runs first"
        );

        let e = error(&data.pipelines[1].declaration);
        assert_eq!((e.kind, e.permission.as_deref()), (ErrorKind::AccessDenied, Some("codepipeline:GetPipeline")));

        let multi = ok(&data.pipelines[2].declaration);
        let regions: Vec<(&str, Option<&str>)> =
            multi.artifact_stores.iter().map(|(r, s)| (r.as_str(), s.encryption_key_id.as_deref())).collect();
        assert_eq!(regions, [("eu-west-1", Some("alias/pipeline")), ("us-east-1", None)]);
        assert_eq!(get.num_calls() + locked.num_calls(), 3, "one GetPipeline per pipeline");
    }

    #[tokio::test]
    async fn a_denied_pipeline_list_marks_the_section() {
        let list = mock!(aws_sdk_codepipeline::Client::list_pipelines).then_http_response(denied);
        let client = client!(aws_sdk_codepipeline, [&list]);
        let collected = pipelines(&client, REGION, ACCOUNT).await;
        assert_eq!(error(&collected).permission.as_deref(), Some("codepipeline:ListPipelines"));
    }

    // ---- CodeBuild ----

    /// A project whose number decides its shape: even ones build images from an inline buildspec, odd ones
    /// read a buildspec file; every one holds a plaintext variable with [`VALUE`].
    fn project(name: &str) -> cb::Project {
        let n: usize = name.trim_start_matches('p').parse().unwrap_or(0);
        let even = n.is_multiple_of(2);
        let buildspec = if even {
            "version: 0.2\nphases:\n  build:\n    commands:\n      - Docker Build -t app .\n"
        } else {
            "ci/buildspec.yml"
        };
        cb::Project::builder()
            .name(name)
            .arn(format!("arn:aws:codebuild:eu-west-1:111111111111:project/{name}"))
            .service_role("arn:aws:iam::111111111111:role/build")
            .encryption_key("arn:aws:kms:eu-west-1:111111111111:alias/aws/s3")
            .source(
                cb::ProjectSource::builder()
                    .r#type(cb::SourceType::Github)
                    .buildspec(buildspec)
                    .build()
                    .expect("source"),
            )
            .environment(
                cb::ProjectEnvironment::builder()
                    .r#type(cb::EnvironmentType::LinuxContainer)
                    .image("aws/codebuild/standard:7.0")
                    .compute_type(cb::ComputeType::BuildGeneral1Small)
                    .privileged_mode(even)
                    .environment_variables(
                        cb::EnvironmentVariable::builder().name("DB_PASSWORD").value(VALUE).build().expect("variable"),
                    )
                    .environment_variables(
                        cb::EnvironmentVariable::builder()
                            .name("TOKEN")
                            .value("prod/token")
                            .r#type(cb::EnvironmentVariableType::SecretsManager)
                            .build()
                            .expect("variable"),
                    )
                    .build()
                    .expect("environment"),
            )
            .artifacts(cb::ProjectArtifacts::builder().r#type(cb::ArtifactsType::S3).build().expect("artifacts"))
            .secondary_artifacts(
                cb::ProjectArtifacts::builder()
                    .r#type(cb::ArtifactsType::S3)
                    .artifact_identifier("reports")
                    .encryption_disabled(true)
                    .build()
                    .expect("artifacts"),
            )
            .cache(cb::ProjectCache::builder().r#type(cb::CacheType::S3).build().expect("cache"))
            .build()
    }

    #[tokio::test]
    async fn projects_are_read_in_batches_of_a_hundred_without_variable_values() {
        use aws_sdk_codebuild::Client;
        let names: Vec<String> = (0..150).map(|i| format!("p{i:03}")).collect();
        let list = mock!(Client::list_projects)
            .then_output(move || ListProjectsOutput::builder().set_projects(Some(names.clone())).build());
        let batch = mock!(Client::batch_get_projects).then_compute_output(|r| {
            assert!(r.names().len() <= PROJECTS_PER_BATCH, "{} names in one batch", r.names().len());
            BatchGetProjectsOutput::builder().set_projects(Some(r.names().iter().map(|n| project(n)).collect())).build()
        });
        let client = client!(aws_sdk_codebuild, [&list, &batch]);

        let collected = projects(&client).await;
        let data = ok(&collected);
        assert_eq!(batch.num_calls(), 2);
        assert_eq!(data.projects.len(), 150);
        let (even, odd) = (&data.projects[0], &data.projects[1]);
        assert_eq!((even.name.as_str(), odd.name.as_str()), ("p000", "p001"));
        assert_eq!(even.inline_buildspec_builds_images, Some(true), "inline, with docker build");
        assert_eq!(odd.inline_buildspec_builds_images, None, "a file in the source is not read");
        assert!(even.environment.privileged_mode && !odd.environment.privileged_mode);
        let vars: Vec<(&str, &str)> =
            even.environment.variables.iter().map(|v| (v.name.as_str(), v.variable_type.as_str())).collect();
        assert_eq!(vars, [("DB_PASSWORD", "PLAINTEXT"), ("TOKEN", "SECRETS_MANAGER")], "no type means PLAINTEXT");
        assert_eq!(even.secondary_artifacts[0].identifier.as_deref(), Some("reports"));
        assert!(even.secondary_artifacts[0].encryption_disabled);
        assert_eq!((even.artifacts.artifacts_type.as_str(), even.cache_type.as_str()), ("S3", "S3"));
        assert_eq!(even.encryption_key.as_deref(), Some("arn:aws:kms:eu-west-1:111111111111:alias/aws/s3"));

        let saved = serde_json::to_string(&collected).expect("serializable");
        assert!(!saved.contains(VALUE), "a variable's value reached the snapshot");
        assert!(!saved.contains("Docker Build"), "the buildspec reached the snapshot");
    }

    #[tokio::test]
    async fn codebuild_errors_name_the_call() {
        use aws_sdk_codebuild::Client;
        let list = mock!(Client::list_projects).then_http_response(denied);
        let client = client!(aws_sdk_codebuild, [&list]);
        assert_eq!(error(&projects(&client).await).permission.as_deref(), Some("codebuild:ListProjects"));

        let list = mock!(Client::list_projects).then_output(|| ListProjectsOutput::builder().projects("a").build());
        let batch = mock!(Client::batch_get_projects).then_http_response(denied);
        let client = client!(aws_sdk_codebuild, [&list, &batch]);
        assert_eq!(error(&projects(&client).await).permission.as_deref(), Some("codebuild:BatchGetProjects"));

        let list = mock!(Client::list_projects).then_output(|| ListProjectsOutput::builder().build());
        let client = client!(aws_sdk_codebuild, [&list, &batch]);
        assert!(ok(&projects(&client).await).projects.is_empty());
        assert_eq!(batch.num_calls(), 1, "no batch call without projects");
    }

    #[test]
    fn inline_buildspecs_are_told_from_files() {
        for (buildspec, want) in [
            ("buildspec.yml", None),
            ("arn:aws:s3:::bucket/specs/buildspec.yml", None),
            ("version: 0.2\nphases:\n  build:\n    commands:\n      - npm test\n", Some(false)),
            ("version: 0.2\nphases:\n  build:\n    commands:\n      - docker buildx build --push .\n", Some(true)),
            ("{\"version\": \"0.2\", \"phases:\": {}, \"cmd\": \"podman build .\"}", Some(true)),
        ] {
            assert_eq!(builds_images(buildspec), want, "{buildspec:?}");
        }
    }

    // ---- CodeDeploy ----

    fn group_info(name: &str) -> cd::DeploymentGroupInfo {
        let config = if name == "canary" { "Custom.Canary" } else { "CodeDeployDefault.OneAtATime" };
        cd::DeploymentGroupInfo::builder()
            .application_name("shop")
            .deployment_group_name(name)
            .compute_platform(cd::ComputePlatform::Server)
            .deployment_config_name(config)
            .deployment_style(cd::DeploymentStyle::builder().deployment_type(cd::DeploymentType::BlueGreen).build())
            .auto_rollback_configuration(
                cd::AutoRollbackConfiguration::builder()
                    .enabled(true)
                    .events(cd::AutoRollbackEvent::DeploymentFailure)
                    .build(),
            )
            .alarm_configuration(
                cd::AlarmConfiguration::builder()
                    .enabled(true)
                    .alarms(cd::Alarm::builder().name("shop-5xx").build())
                    .build(),
            )
            .build()
    }

    #[tokio::test]
    async fn deployment_groups_and_custom_configurations_are_read_once_each() {
        use aws_sdk_codedeploy::Client;
        let apps = mock!(Client::list_applications)
            .then_output(|| ListApplicationsOutput::builder().applications("shop").applications("api").build());
        let shop_groups = mock!(Client::list_deployment_groups)
            .match_requests(|r| r.application_name() == Some("shop"))
            .then_output(|| {
                ListDeploymentGroupsOutput::builder()
                    .deployment_groups("prod")
                    .deployment_groups("canary")
                    .deployment_groups("gone")
                    .build()
            });
        let api_groups = mock!(Client::list_deployment_groups)
            .match_requests(|r| r.application_name() == Some("api"))
            .then_http_response(denied);
        let get = mock!(Client::get_deployment_group)
            .match_requests(|r| r.deployment_group_name() != Some("gone"))
            .then_compute_output(|r| {
                GetDeploymentGroupOutput::builder()
                    .deployment_group_info(group_info(r.deployment_group_name().unwrap_or_default()))
                    .build()
            });
        let gone = mock!(Client::get_deployment_group)
            .match_requests(|r| r.deployment_group_name() == Some("gone"))
            .then_http_response(|| aws_error("DeploymentGroupDoesNotExistException"));
        let config = mock!(Client::get_deployment_config)
            .match_requests(|r| r.deployment_config_name() == Some("Custom.Canary"))
            .then_output(|| {
                GetDeploymentConfigOutput::builder()
                    .deployment_config_info(
                        cd::DeploymentConfigInfo::builder()
                            .deployment_config_name("Custom.Canary")
                            .compute_platform(cd::ComputePlatform::Server)
                            .minimum_healthy_hosts(
                                cd::MinimumHealthyHosts::builder()
                                    .r#type(cd::MinimumHealthyHostsType::FleetPercent)
                                    .value(75)
                                    .build(),
                            )
                            .build(),
                    )
                    .build()
            });
        let client = client!(aws_sdk_codedeploy, [&apps, &shop_groups, &api_groups, &get, &gone, &config]);

        let collected = deployments(&client, REGION, ACCOUNT).await;
        let data = ok(&collected);
        let (shop, api) = (&data.applications[0], &data.applications[1]);
        assert_eq!(shop.arn, "arn:aws:codedeploy:eu-west-1:111111111111:application:shop");
        let groups = ok(&shop.groups);
        let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["prod", "canary", "gone"]);
        assert_eq!(groups[0].arn, "arn:aws:codedeploy:eu-west-1:111111111111:deploymentgroup:shop/prod");
        let prod = ok(&groups[0].detail);
        assert_eq!(prod.deployment_type.as_deref(), Some("BLUE_GREEN"));
        assert_eq!(prod.compute_platform.as_deref(), Some("Server"));
        assert!(prod.auto_rollback_enabled && prod.alarms_enabled);
        assert_eq!(prod.auto_rollback_events, ["DEPLOYMENT_FAILURE"]);
        assert_eq!(prod.alarms, ["shop-5xx"]);
        assert_eq!(error(&groups[2].detail).code, "DeploymentGroupDoesNotExistException");
        assert_eq!(error(&api.groups).permission.as_deref(), Some("codedeploy:ListDeploymentGroups"));

        // Only the custom configuration is read, once; the predefined ones are known by name.
        assert_eq!(data.custom_configs.keys().collect::<Vec<_>>(), ["Custom.Canary"]);
        let custom = ok(&data.custom_configs["Custom.Canary"]);
        assert_eq!(custom.minimum_healthy_hosts_type.as_deref(), Some("FLEET_PERCENT"));
        assert_eq!(custom.minimum_healthy_hosts_value, Some(75));
        assert_eq!(config.num_calls(), 1);
    }

    // ---- ECR ----

    fn repository(name: &str) -> ecr::Repository {
        let (mutability, encryption) = if name == "web" {
            (ecr::ImageTagMutability::Immutable, ecr::EncryptionType::Kms)
        } else {
            (ecr::ImageTagMutability::Mutable, ecr::EncryptionType::Aes256)
        };
        ecr::Repository::builder()
            .repository_name(name)
            .repository_arn(format!("arn:aws:ecr:eu-west-1:111111111111:repository/{name}"))
            .registry_id(ACCOUNT)
            .image_tag_mutability(mutability)
            .image_scanning_configuration(
                ecr::ImageScanningConfiguration::builder().scan_on_push(name == "web").build(),
            )
            .encryption_configuration(
                ecr::EncryptionConfiguration::builder()
                    .encryption_type(encryption)
                    .set_kms_key((name == "web").then(|| "arn:aws:kms:eu-west-1:111111111111:key/ecr".to_string()))
                    .build()
                    .expect("encryption"),
            )
            .build()
    }

    fn ecr_mocks(registry: Rule) -> [Rule; 5] {
        use aws_sdk_ecr::Client;
        let repos = mock!(Client::describe_repositories).then_output(|| {
            DescribeRepositoriesOutput::builder()
                .repositories(repository("web"))
                .repositories(repository("legacy"))
                .repositories(repository("locked"))
                .build()
        });
        let web_policy = mock!(Client::get_repository_policy)
            .match_requests(|r| r.repository_name() == Some("web") && r.registry_id() == Some(ACCOUNT))
            .then_output(|| GetRepositoryPolicyOutput::builder().policy_text(r#"{"Statement":[]}"#).build());
        let no_policy = mock!(Client::get_repository_policy)
            .match_requests(|r| r.repository_name() == Some("legacy"))
            .then_http_response(|| aws_error("RepositoryPolicyNotFoundException"));
        let locked = mock!(Client::get_repository_policy)
            .match_requests(|r| r.repository_name() == Some("locked"))
            .then_http_response(denied);
        [repos, web_policy, no_policy, locked, registry]
    }

    #[tokio::test]
    async fn repositories_with_and_without_policies_and_a_denied_registry_read() {
        let registry = mock!(aws_sdk_ecr::Client::get_registry_scanning_configuration).then_http_response(denied);
        let rules = ecr_mocks(registry);
        let client = client!(aws_sdk_ecr, &rules);

        let collected = repositories(&client).await;
        let data = ok(&collected);
        let names: Vec<&str> = data.repositories.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["web", "legacy", "locked"]);
        let (web, legacy, locked) = (&data.repositories[0], &data.repositories[1], &data.repositories[2]);
        assert_eq!(ok(&web.policy).as_deref(), Some(r#"{"Statement":[]}"#));
        assert_eq!(ok(&legacy.policy), &None, "no policy is data, not an error");
        assert_eq!(error(&locked.policy).permission.as_deref(), Some("ecr:GetRepositoryPolicy"));
        assert_eq!(
            (web.tag_mutability.as_str(), web.encryption_type.as_str(), web.scan_on_push),
            ("IMMUTABLE", "KMS", true)
        );
        assert_eq!(web.kms_key.as_deref(), Some("arn:aws:kms:eu-west-1:111111111111:key/ecr"));
        assert_eq!((legacy.tag_mutability.as_str(), legacy.encryption_type.as_str()), ("MUTABLE", "AES256"));
        assert_eq!(legacy.kms_key, None);
        let e = error(&data.registry_scanning);
        assert_eq!(e.permission.as_deref(), Some("ecr:GetRegistryScanningConfiguration"));
    }

    #[tokio::test]
    async fn the_registry_scanning_rules_are_kept() {
        let registry = mock!(aws_sdk_ecr::Client::get_registry_scanning_configuration).then_output(|| {
            let filter = |f: &str| {
                ecr::ScanningRepositoryFilter::builder()
                    .filter(f)
                    .filter_type(ecr::ScanningRepositoryFilterType::Wildcard)
                    .build()
                    .expect("filter")
            };
            GetRegistryScanningConfigurationOutput::builder()
                .scanning_configuration(
                    ecr::RegistryScanningConfiguration::builder()
                        .scan_type(ecr::ScanType::Enhanced)
                        .rules(
                            ecr::RegistryScanningRule::builder()
                                .scan_frequency(ecr::ScanFrequency::ContinuousScan)
                                .repository_filters(filter("prod-*"))
                                .repository_filters(filter("web"))
                                .build()
                                .expect("rule"),
                        )
                        .build(),
                )
                .build()
        });
        let rules = ecr_mocks(registry);
        let client = client!(aws_sdk_ecr, &rules);
        let collected = repositories(&client).await;
        let scanning = ok(&ok(&collected).registry_scanning);
        assert_eq!(scanning.scan_type, "ENHANCED");
        assert_eq!(scanning.rules.len(), 1);
        assert_eq!(scanning.rules[0].scan_frequency, "CONTINUOUS_SCAN");
        assert_eq!(scanning.rules[0].filters, ["prod-*", "web"]);
    }

    #[tokio::test]
    async fn a_denied_repository_list_marks_the_section() {
        let repos = mock!(aws_sdk_ecr::Client::describe_repositories).then_http_response(denied);
        let registry = mock!(aws_sdk_ecr::Client::get_registry_scanning_configuration)
            .then_output(|| GetRegistryScanningConfigurationOutput::builder().build());
        let client = client!(aws_sdk_ecr, [&repos, &registry]);
        let collected = repositories(&client).await;
        assert_eq!(error(&collected).permission.as_deref(), Some("ecr:DescribeRepositories"));
    }

    // ---- Helpers ----

    #[test]
    fn arns_get_the_partition_of_their_region() {
        assert_eq!(partition("eu-west-1"), "aws");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
    }
}
