//! The software-delivery services of one region (exam domain 1): CodePipeline pipelines, CodeBuild projects,
//! CodeDeploy deployment groups and ECR repositories.
//!
//! Each service is one section; a per-resource read that can be denied on its own (a pipeline's structure, a
//! deployment group, a repository policy) is its own `Collected`, so one denied call marks only its resource.
//! Build environment variables keep their names and types only: their values are never collected.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Collected, CollectionError};

/// The software-delivery services of one region (exam domain 1).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SdlcSections {
    /// `ListPipelines`, then `GetPipeline` for each pipeline.
    #[serde(default)]
    pub codepipeline: Collected<CodePipelineData>,
    /// `ListProjects`, then `BatchGetProjects`.
    #[serde(default)]
    pub codebuild: Collected<CodeBuildData>,
    /// `ListApplications`, then each application's deployment groups and the custom configurations they use.
    #[serde(default)]
    pub codedeploy: Collected<CodeDeployData>,
    /// `DescribeRepositories`, each repository's policy and the registry's scanning configuration.
    #[serde(default)]
    pub ecr: Collected<EcrData>,
}

impl SdlcSections {
    /// Every section marked with the same reason (a disabled region, an unreachable account).
    pub fn unavailable(error: &CollectionError) -> Self {
        Self {
            codepipeline: Collected::Error { error: error.clone() },
            codebuild: Collected::Error { error: error.clone() },
            codedeploy: Collected::Error { error: error.clone() },
            ecr: Collected::Error { error: error.clone() },
        }
    }
}

// ---- CodePipeline -----------------------------------------------------------------------------------

/// The pipelines of one region.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CodePipelineData {
    pub pipelines: Vec<Pipeline>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Pipeline {
    pub name: String,
    /// `arn:<partition>:codepipeline:<region>:<account>:<name>`.
    pub arn: String,
    /// `V1` or `V2` (`ListPipelines`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_type: Option<String>,
    /// The pipeline's structure (`GetPipeline`).
    #[serde(default)]
    pub declaration: Collected<PipelineDeclaration>,
}

/// What `GetPipeline` declares: where artifacts go and the stages in order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PipelineDeclaration {
    /// The role CodePipeline acts with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// The artifact stores by region: one (in the pipeline's region) for a single-region pipeline, one per
    /// region its actions run in for a cross-region pipeline.
    #[serde(default)]
    pub artifact_stores: BTreeMap<String, ArtifactStore>,
    /// The stages, in the order they run.
    #[serde(default)]
    pub stages: Vec<PipelineStage>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ArtifactStore {
    /// The S3 bucket.
    pub location: String,
    /// The KMS key (id, ARN or alias) artifacts are encrypted with; absent: the AWS managed key for S3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_key_id: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PipelineStage {
    pub name: String,
    pub actions: Vec<PipelineAction>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PipelineAction {
    pub name: String,
    /// `Source`, `Build`, `Test`, `Deploy`, `Approval`, `Invoke` or `Compute`.
    pub category: String,
    /// `AWS`, `ThirdParty` or `Custom`.
    pub owner: String,
    /// e.g. `Manual` (an approval), `CodeDeploy`, `CloudFormation`, `ECS`.
    pub provider: String,
    /// Actions of a stage with the same run order run in parallel; a higher one waits for the lower ones.
    pub run_order: i32,
}

// ---- CodeBuild --------------------------------------------------------------------------------------

/// The build projects of one region.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CodeBuildData {
    pub projects: Vec<BuildProject>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BuildProject {
    pub name: String,
    pub arn: String,
    /// The IAM role every build of the project runs with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_role: Option<String>,
    /// The KMS key build output is encrypted with (AWS reports `alias/aws/s3` when none was chosen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_key: Option<String>,
    pub environment: BuildEnvironment,
    /// The primary artifacts.
    pub artifacts: BuildArtifacts,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secondary_artifacts: Vec<BuildArtifacts>,
    /// `NO_CACHE`, `S3` or `LOCAL`.
    pub cache_type: String,
    /// Whether the project's inline buildspec builds container images (`docker build` and the like); absent
    /// when the buildspec is a file in the source, which the audit does not read. The buildspec itself is not
    /// kept: it may hold secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline_buildspec_builds_images: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BuildEnvironment {
    /// e.g. `LINUX_CONTAINER`, `ARM_CONTAINER`, `WINDOWS_SERVER_2019_CONTAINER`.
    pub environment_type: String,
    /// The build image, e.g. `aws/codebuild/standard:7.0`.
    pub image: String,
    /// Whether the build container runs privileged (its own Docker daemon, access to the host's devices).
    pub privileged_mode: bool,
    /// The project's environment variables: names and types only, never values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<BuildVariable>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BuildVariable {
    pub name: String,
    /// `PLAINTEXT`, `PARAMETER_STORE` or `SECRETS_MANAGER`.
    pub variable_type: String,
    /// For a plaintext variable, whether its value has the shape of a credential (see
    /// [`crate::snapshot::value_looks_secret`]); the value itself is never kept. Absent in snapshots taken
    /// before dopaudit looked at values: then only the name can be judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_looks_secret: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BuildArtifacts {
    /// The secondary artifact's identifier (absent for the primary artifacts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// `S3`, `CODEPIPELINE` or `NO_ARTIFACTS`.
    pub artifacts_type: String,
    /// Whether encryption of these artifacts was turned off.
    #[serde(default)]
    pub encryption_disabled: bool,
}

// ---- CodeDeploy -------------------------------------------------------------------------------------

/// The CodeDeploy applications of one region and the custom deployment configurations their groups use.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CodeDeployData {
    pub applications: Vec<DeployApplication>,
    /// `GetDeploymentConfig` for each custom (not `CodeDeployDefault.*`) configuration a group uses, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_configs: BTreeMap<String, Collected<DeploymentConfig>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DeployApplication {
    pub name: String,
    /// `arn:<partition>:codedeploy:<region>:<account>:application:<name>`.
    pub arn: String,
    /// `ListDeploymentGroups`.
    #[serde(default)]
    pub groups: Collected<Vec<DeploymentGroup>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DeploymentGroup {
    pub name: String,
    /// `arn:<partition>:codedeploy:<region>:<account>:deploymentgroup:<application>/<name>`.
    pub arn: String,
    /// `GetDeploymentGroup`.
    #[serde(default)]
    pub detail: Collected<DeploymentGroupDetail>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DeploymentGroupDetail {
    /// `Server` (EC2/on-premises), `Lambda` or `ECS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_platform: Option<String>,
    /// e.g. `CodeDeployDefault.OneAtATime`, `CodeDeployDefault.LambdaCanary10Percent5Minutes`, or a custom name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_config_name: Option<String>,
    /// `IN_PLACE` or `BLUE_GREEN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_type: Option<String>,
    /// Whether automatic rollback is on.
    #[serde(default)]
    pub auto_rollback_enabled: bool,
    /// The events that roll back: `DEPLOYMENT_FAILURE`, `DEPLOYMENT_STOP_ON_ALARM`, `DEPLOYMENT_STOP_ON_REQUEST`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub auto_rollback_events: Vec<String>,
    /// Whether the group's CloudWatch alarms are watched during deployments.
    #[serde(default)]
    pub alarms_enabled: bool,
    /// The CloudWatch alarm names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alarms: Vec<String>,
    /// Whether a deployment goes on when the alarm states cannot be read.
    #[serde(default)]
    pub ignore_poll_alarm_failure: bool,
}

/// A custom deployment configuration: how many hosts stay healthy, or how traffic shifts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DeploymentConfig {
    /// `Server`, `Lambda` or `ECS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_platform: Option<String>,
    /// `HOST_COUNT` or `FLEET_PERCENT` (EC2/on-premises).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_healthy_hosts_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_healthy_hosts_value: Option<i32>,
    /// `AllAtOnce`, `TimeBasedCanary` or `TimeBasedLinear` (Lambda and ECS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_routing_type: Option<String>,
}

// ---- ECR --------------------------------------------------------------------------------------------

/// The private repositories of one region's registry.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EcrData {
    pub repositories: Vec<EcrRepository>,
    /// `GetRegistryScanningConfiguration`: the registry-wide scanning rules.
    #[serde(default)]
    pub registry_scanning: Collected<RegistryScanning>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EcrRepository {
    pub name: String,
    pub arn: String,
    /// The account that owns the registry.
    pub registry_id: String,
    /// `MUTABLE`, `IMMUTABLE`, `MUTABLE_WITH_EXCLUSION` or `IMMUTABLE_WITH_EXCLUSION`.
    pub tag_mutability: String,
    /// The tag filters excepted from the mutability setting.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tag_mutability_exclusions: Vec<String>,
    /// The repository's own (deprecated) scan-on-push setting.
    #[serde(default)]
    pub scan_on_push: bool,
    /// `AES256`, `KMS` or `KMS_DSSE`.
    pub encryption_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
    /// The repository policy document (`GetRepositoryPolicy`); `null` when it has none.
    #[serde(default)]
    pub policy: Collected<Option<String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RegistryScanning {
    /// `BASIC` or `ENHANCED` (Amazon Inspector).
    pub scan_type: String,
    #[serde(default)]
    pub rules: Vec<ScanningRule>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ScanningRule {
    /// `SCAN_ON_PUSH`, `CONTINUOUS_SCAN` or `MANUAL`.
    pub scan_frequency: String,
    /// Repository name filters (wildcard `*`; without one, a filter matches names that contain it).
    pub filters: Vec<String>,
}
