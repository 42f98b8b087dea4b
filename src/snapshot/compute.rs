//! The serverless and application-platform services of one region: Lambda, API Gateway (REST APIs), Elastic
//! Beanstalk and Step Functions.
//!
//! Each section is the result of its service's list call; the per-resource reads under it (a function's
//! reserved concurrency, an API's stages, an environment's settings, a state machine's description) are each
//! their own `Collected`, so one denied or unsupported call marks only its piece of data.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Collected, CollectionError};

/// The serverless and application-platform services of one region.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ComputeSections {
    #[serde(default)]
    pub lambda: Collected<LambdaData>,
    #[serde(default)]
    pub apigateway: Collected<ApiGatewayData>,
    #[serde(default)]
    pub elasticbeanstalk: Collected<ElasticBeanstalkData>,
    #[serde(default)]
    pub stepfunctions: Collected<StepFunctionsData>,
}

impl ComputeSections {
    /// Every section marked with the same reason (a disabled region, an unreachable account).
    pub fn unavailable(error: &CollectionError) -> Self {
        Self {
            lambda: Collected::Error { error: error.clone() },
            apigateway: Collected::Error { error: error.clone() },
            elasticbeanstalk: Collected::Error { error: error.clone() },
            stepfunctions: Collected::Error { error: error.clone() },
        }
    }
}

// ---- Lambda -------------------------------------------------------------------------------------------

/// The region's functions (`ListFunctions`), its concurrency pool and its event source mappings.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LambdaData {
    /// The account's concurrency limit and unreserved pool in the region (`GetAccountSettings`).
    #[serde(default)]
    pub account_settings: Collected<LambdaAccountSettings>,
    /// The functions (their unpublished `$LATEST` configuration).
    #[serde(default)]
    pub functions: Vec<LambdaFunction>,
    /// The pollers that feed functions from streams and queues (`ListEventSourceMappings`).
    #[serde(default)]
    pub event_source_mappings: Collected<Vec<EventSourceMapping>>,
}

/// `GetAccountSettings`: the regional concurrency pool.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LambdaAccountSettings {
    /// The account's concurrent-executions quota in the region; absent when Lambda did not report it.
    #[serde(default)]
    pub concurrent_executions: Option<i32>,
    /// What is left of the quota once every function's reserved concurrency is set aside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreserved_concurrent_executions: Option<i32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LambdaFunction {
    pub name: String,
    pub arn: String,
    /// The runtime identifier (`python3.12`); absent for container-image functions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// `Zip` or `Image`.
    pub package_type: String,
    /// X-Ray tracing mode: `Active` or `PassThrough`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracing_mode: Option<String>,
    /// The SQS queue or SNS topic that receives events whose asynchronous invocation failed (a dead-letter queue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter_target: Option<String>,
    /// `GetFunctionConcurrency`: the function's reserved concurrency, `None` when it has none.
    #[serde(default)]
    pub reserved_concurrency: Collected<Option<i32>>,
    /// `ListFunctionEventInvokeConfigs`: the asynchronous-invocation settings of the function and its qualifiers.
    #[serde(default)]
    pub event_invoke_configs: Collected<Vec<EventInvokeConfig>>,
    /// `ListProvisionedConcurrencyConfigs`: provisioned concurrency on the function's versions and aliases.
    #[serde(default)]
    pub provisioned_concurrency: Collected<Vec<ProvisionedConcurrency>>,
}

/// One asynchronous-invocation configuration (of the function or one of its versions or aliases).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EventInvokeConfig {
    /// The function, version or alias it applies to.
    pub function_arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_retry_attempts: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_event_age_in_seconds: Option<i32>,
    /// Where records of successful invocations go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_success: Option<String>,
    /// Where records of failed invocations go (after the retries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<String>,
}

/// Provisioned concurrency on one version or alias.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProvisionedConcurrency {
    /// The qualified ARN of the version or alias.
    pub function_arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocated: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<i32>,
    /// `IN_PROGRESS`, `READY` or `FAILED`.
    pub status: String,
    /// Why the allocation failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
}

/// One event source mapping: a poller that reads a stream or queue and invokes a function.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EventSourceMapping {
    pub uuid: String,
    /// The stream or queue read (a DynamoDB stream ARN contains `:table/NAME/stream/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_source_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_arn: Option<String>,
    /// `Creating`, `Enabling`, `Enabled`, `Disabling`, `Disabled`, `Updating` or `Deleting`.
    pub state: String,
}

// ---- API Gateway --------------------------------------------------------------------------------------

/// The region's REST APIs (`GetRestApis`) with their stages.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ApiGatewayData {
    #[serde(default)]
    pub rest_apis: Vec<RestApi>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RestApi {
    pub id: String,
    pub name: String,
    /// `GetStages`.
    #[serde(default)]
    pub stages: Collected<Vec<ApiStage>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ApiStage {
    pub name: String,
    /// The deployment the stage serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    pub cache_cluster_enabled: bool,
    /// The cache size in GB (`0.5` … `237`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_cluster_size: Option<String>,
    /// `AVAILABLE`, `CREATE_IN_PROGRESS`, `FLUSH_IN_PROGRESS`, `DELETE_IN_PROGRESS` or `NOT_AVAILABLE`; absent when
    /// not reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_cluster_status: Option<String>,
    /// Whether X-Ray tracing is on for the stage.
    pub tracing_enabled: bool,
    /// Method settings by `resource-path/HTTP-method`; `*/*` applies to every method.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub method_settings: BTreeMap<String, MethodSettings>,
    /// The stage's canary release, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary: Option<CanarySettings>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MethodSettings {
    /// CloudWatch execution logging: `OFF`, `ERROR` or `INFO`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging_level: Option<String>,
    /// Whether full request and response data is logged.
    pub data_trace_enabled: bool,
    /// Whether per-method CloudWatch metrics are on.
    pub metrics_enabled: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CanarySettings {
    /// The share of requests sent to the canary, 0.0 to 100.0.
    pub percent_traffic: f64,
    /// The deployment the canary serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
}

// ---- Elastic Beanstalk --------------------------------------------------------------------------------

/// The region's environments (`DescribeEnvironments`, terminated ones excluded).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ElasticBeanstalkData {
    #[serde(default)]
    pub environments: Vec<BeanstalkEnvironment>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BeanstalkEnvironment {
    pub name: String,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    pub application_name: String,
    /// `Ready`, `Updating`, `Launching` …
    pub status: String,
    /// `WebServer` or `Worker`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// The deployment options (`DescribeConfigurationSettings`).
    #[serde(default)]
    pub settings: Collected<BeanstalkSettings>,
}

/// The options of an environment that decide how a new application version is rolled out.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BeanstalkSettings {
    /// `aws:elasticbeanstalk:command` `DeploymentPolicy`: `AllAtOnce`, `Rolling`, `RollingWithAdditionalBatch`,
    /// `Immutable` or `TrafficSplitting`; absent when not set (AllAtOnce applies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_policy: Option<String>,
    /// `aws:elasticbeanstalk:command` `BatchSizeType`: `Percentage` or `Fixed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size_type: Option<String>,
    /// `aws:elasticbeanstalk:command` `BatchSize`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<String>,
    /// `aws:elasticbeanstalk:environment` `EnvironmentType`: `LoadBalanced` or `SingleInstance`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_type: Option<String>,
}

// ---- Step Functions -----------------------------------------------------------------------------------

/// The region's state machines (`ListStateMachines`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StepFunctionsData {
    #[serde(default)]
    pub state_machines: Vec<StateMachine>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StateMachine {
    pub name: String,
    pub arn: String,
    /// `STANDARD` or `EXPRESS`.
    #[serde(rename = "type")]
    pub machine_type: String,
    /// `DescribeStateMachine`.
    #[serde(default)]
    pub logging: Collected<StateMachineLogging>,
}

/// A state machine's CloudWatch Logs configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StateMachineLogging {
    /// `ALL`, `ERROR`, `FATAL` or `OFF`.
    pub level: String,
    /// Whether input, output and state data are written with the events.
    pub include_execution_data: bool,
    /// The log groups written to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log_group_arns: Vec<String>,
}
