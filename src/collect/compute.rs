//! Compute collector: Lambda, API Gateway (REST APIs), Elastic Beanstalk and Step Functions in one region.
//!
//! The four services are read concurrently. Inside each, the list call decides the section: when it fails the
//! section is that error. The per-resource reads that follow (a function's concurrency and asynchronous
//! settings, an API's stages, an environment's options, a state machine's description) run at most
//! [`PER_RESOURCE`] at a time and each keeps its own result, so one denied call marks only its resource.

use std::future::Future;

use aws_sdk_elasticbeanstalk::types::ConfigurationOptionSetting;

use super::{only_if, spawn_bounded, text, Reads, PER_RESOURCE};
use crate::aws::{classify, AccountAws};
use crate::snapshot::{
    ApiGatewayData, ApiStage, BeanstalkEnvironment, BeanstalkSettings, CanarySettings, Collected, CollectionError,
    ComputeSections, ElasticBeanstalkData, ErrorKind, EventInvokeConfig, EventSourceMapping, LambdaAccountSettings,
    LambdaData, LambdaFunction, MethodSettings, ProvisionedConcurrency, RestApi, StateMachine, StateMachineLogging,
    StepFunctionsData,
};

/// Everything the compute checks read in one (account, region), of the services `reads` selects.
pub async fn collect(aws: &AccountAws, region: &str, reads: &Reads) -> ComputeSections {
    let (lambda, apigateway, elasticbeanstalk, stepfunctions) = tokio::join!(
        only_if(reads.service("lambda"), lambda(aws, region)),
        only_if(reads.service("apigateway"), apigateway(aws, region)),
        only_if(reads.service("elasticbeanstalk"), elasticbeanstalk(aws, region)),
        only_if(reads.service("states"), stepfunctions(aws, region))
    );
    ComputeSections { lambda, apigateway, elasticbeanstalk, stepfunctions }
}

/// Runs `read` on every item, at most [`PER_RESOURCE`] at a time; the results keep the items' order. A task that
/// died (it cannot, short of a panic) gives an error in its place rather than a silently missing result.
async fn fan_out<T, R, F, Fut>(items: Vec<T>, read: F) -> Vec<Result<R, CollectionError>>
where
    F: Fn(T) -> Fut,
    Fut: Future<Output = R> + Send + 'static,
    R: Send + 'static,
{
    spawn_bounded(items, PER_RESOURCE, read).await.into_iter().map(|ended| ended.map_err(|e| task_failed(&e))).collect()
}

fn task_failed(e: &tokio::task::JoinError) -> CollectionError {
    CollectionError {
        kind: ErrorKind::Other,
        code: "CollectorTaskFailed".into(),
        message: format!("the read of this resource failed: {e}"),
        permission: None,
    }
}

/// A per-resource result: its own data or error, or the task's failure.
fn flatten<T>(r: Result<Collected<T>, CollectionError>) -> Collected<T> {
    r.unwrap_or_else(|error| Collected::Error { error })
}

// ---- Lambda -------------------------------------------------------------------------------------------

async fn lambda(aws: &AccountAws, region: &str) -> Collected<LambdaData> {
    let client = aws.lambda(region);
    let mut functions = Vec::new();
    let mut pages = client.list_functions().into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => functions.extend(page.functions().iter().map(convert_function)),
            Err(e) => return Collected::Error { error: classify(&e, "lambda:ListFunctions") },
        }
    }
    let names: Vec<String> = functions.iter().map(|f| f.name.clone()).collect();
    let (account_settings, event_source_mappings, details) = tokio::join!(
        account_settings(&client),
        event_source_mappings(&client),
        fan_out(names, |name| function_details(client.clone(), name)),
    );
    for (function, detail) in functions.iter_mut().zip(details) {
        match detail {
            Ok(d) => {
                function.reserved_concurrency = d.reserved_concurrency;
                function.event_invoke_configs = d.event_invoke_configs;
                function.provisioned_concurrency = d.provisioned_concurrency;
            }
            Err(error) => {
                function.reserved_concurrency = Collected::Error { error: error.clone() };
                function.event_invoke_configs = Collected::Error { error: error.clone() };
                function.provisioned_concurrency = Collected::Error { error };
            }
        }
    }
    Collected::ok(LambdaData { account_settings, functions, event_source_mappings })
}

fn convert_function(f: &aws_sdk_lambda::types::FunctionConfiguration) -> LambdaFunction {
    LambdaFunction {
        name: f.function_name().unwrap_or_default().to_string(),
        arn: f.function_arn().unwrap_or_default().to_string(),
        runtime: f.runtime().map(|r| r.as_str().to_string()).filter(|r| !r.is_empty()),
        package_type: f.package_type().map_or("Zip", |p| p.as_str()).to_string(),
        tracing_mode: f.tracing_config().and_then(|t| t.mode()).map(|m| m.as_str().to_string()),
        dead_letter_target: text(f.dead_letter_config().and_then(|d| d.target_arn())),
        reserved_concurrency: Collected::NotCollected,
        event_invoke_configs: Collected::NotCollected,
        provisioned_concurrency: Collected::NotCollected,
    }
}

async fn account_settings(client: &aws_sdk_lambda::Client) -> Collected<LambdaAccountSettings> {
    match client.get_account_settings().send().await {
        Ok(out) => Collected::ok(LambdaAccountSettings {
            concurrent_executions: out.account_limit().map(|l| l.concurrent_executions()),
            unreserved_concurrent_executions: out.account_limit().and_then(|l| l.unreserved_concurrent_executions()),
        }),
        Err(e) => Collected::Error { error: classify(&e, "lambda:GetAccountSettings") },
    }
}

async fn event_source_mappings(client: &aws_sdk_lambda::Client) -> Collected<Vec<EventSourceMapping>> {
    let mut mappings = Vec::new();
    let mut pages = client.list_event_source_mappings().into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => mappings.extend(page.event_source_mappings().iter().map(|m| EventSourceMapping {
                uuid: m.uuid().unwrap_or_default().to_string(),
                event_source_arn: text(m.event_source_arn()),
                function_arn: text(m.function_arn()),
                state: m.state().unwrap_or("Unknown").to_string(),
            })),
            Err(e) => return Collected::Error { error: classify(&e, "lambda:ListEventSourceMappings") },
        }
    }
    Collected::ok(mappings)
}

/// The per-function reads, each kept on its own.
struct FunctionDetails {
    reserved_concurrency: Collected<Option<i32>>,
    event_invoke_configs: Collected<Vec<EventInvokeConfig>>,
    provisioned_concurrency: Collected<Vec<ProvisionedConcurrency>>,
}

/// One function's three reads, one after the other (so [`PER_RESOURCE`] bounds the calls in flight).
async fn function_details(client: aws_sdk_lambda::Client, name: String) -> FunctionDetails {
    let reserved_concurrency = match client.get_function_concurrency().function_name(&name).send().await {
        Ok(out) => Collected::ok(out.reserved_concurrent_executions()),
        Err(e) => Collected::Error { error: classify(&e, "lambda:GetFunctionConcurrency") },
    };
    let event_invoke_configs = event_invoke_configs(&client, &name).await;
    let provisioned_concurrency = provisioned_concurrency(&client, &name).await;
    FunctionDetails { reserved_concurrency, event_invoke_configs, provisioned_concurrency }
}

async fn event_invoke_configs(client: &aws_sdk_lambda::Client, name: &str) -> Collected<Vec<EventInvokeConfig>> {
    let mut configs = Vec::new();
    let mut pages = client.list_function_event_invoke_configs().function_name(name).into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => configs.extend(page.function_event_invoke_configs().iter().map(|c| {
                let destinations = c.destination_config();
                EventInvokeConfig {
                    function_arn: c.function_arn().unwrap_or_default().to_string(),
                    maximum_retry_attempts: c.maximum_retry_attempts(),
                    maximum_event_age_in_seconds: c.maximum_event_age_in_seconds(),
                    on_success: text(destinations.and_then(|d| d.on_success()).and_then(|s| s.destination())),
                    on_failure: text(destinations.and_then(|d| d.on_failure()).and_then(|f| f.destination())),
                }
            })),
            Err(e) => return Collected::Error { error: classify(&e, "lambda:ListFunctionEventInvokeConfigs") },
        }
    }
    Collected::ok(configs)
}

async fn provisioned_concurrency(
    client: &aws_sdk_lambda::Client,
    name: &str,
) -> Collected<Vec<ProvisionedConcurrency>> {
    let mut configs = Vec::new();
    let mut pages = client.list_provisioned_concurrency_configs().function_name(name).into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => configs.extend(page.provisioned_concurrency_configs().iter().map(|c| ProvisionedConcurrency {
                function_arn: c.function_arn().unwrap_or_default().to_string(),
                requested: c.requested_provisioned_concurrent_executions(),
                allocated: c.allocated_provisioned_concurrent_executions(),
                available: c.available_provisioned_concurrent_executions(),
                status: c.status().map_or("UNKNOWN", |s| s.as_str()).to_string(),
                status_reason: text(c.status_reason()),
            })),
            Err(e) => return Collected::Error { error: classify(&e, "lambda:ListProvisionedConcurrencyConfigs") },
        }
    }
    Collected::ok(configs)
}

// ---- API Gateway --------------------------------------------------------------------------------------

async fn apigateway(aws: &AccountAws, region: &str) -> Collected<ApiGatewayData> {
    let client = aws.apigateway(region);
    let mut apis = Vec::new();
    let mut pages = client.get_rest_apis().into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => apis.extend(page.items().iter().map(|a| RestApi {
                id: a.id().unwrap_or_default().to_string(),
                name: a.name().unwrap_or_default().to_string(),
                stages: Collected::NotCollected,
            })),
            // The IAM action of every API Gateway read is the HTTP method on the resource.
            Err(e) => return Collected::Error { error: classify(&e, "apigateway:GET") },
        }
    }
    let ids: Vec<String> = apis.iter().map(|a| a.id.clone()).collect();
    let stages = fan_out(ids, |id| stages(client.clone(), id)).await;
    for (api, stages) in apis.iter_mut().zip(stages) {
        api.stages = flatten(stages);
    }
    Collected::ok(ApiGatewayData { rest_apis: apis })
}

async fn stages(client: aws_sdk_apigateway::Client, api_id: String) -> Collected<Vec<ApiStage>> {
    match client.get_stages().rest_api_id(&api_id).send().await {
        Ok(out) => Collected::ok(out.item().iter().map(convert_stage).collect()),
        Err(e) => Collected::Error { error: classify(&e, "apigateway:GET") },
    }
}

fn convert_stage(s: &aws_sdk_apigateway::types::Stage) -> ApiStage {
    ApiStage {
        name: s.stage_name().unwrap_or_default().to_string(),
        deployment_id: text(s.deployment_id()),
        cache_cluster_enabled: s.cache_cluster_enabled(),
        cache_cluster_size: s.cache_cluster_size().map(|c| c.as_str().to_string()),
        cache_cluster_status: s.cache_cluster_status().map(|c| c.as_str().to_string()),
        tracing_enabled: s.tracing_enabled(),
        method_settings: s
            .method_settings()
            .into_iter()
            .flatten()
            .map(|(path, m)| {
                (
                    path.clone(),
                    MethodSettings {
                        logging_level: text(m.logging_level()),
                        data_trace_enabled: m.data_trace_enabled(),
                        metrics_enabled: m.metrics_enabled(),
                    },
                )
            })
            .collect(),
        canary: s
            .canary_settings()
            .map(|c| CanarySettings { percent_traffic: c.percent_traffic(), deployment_id: text(c.deployment_id()) }),
    }
}

// ---- Elastic Beanstalk --------------------------------------------------------------------------------

async fn elasticbeanstalk(aws: &AccountAws, region: &str) -> Collected<ElasticBeanstalkData> {
    let client = aws.elasticbeanstalk(region);
    let mut environments = Vec::new();
    let mut next_token: Option<String> = None;
    loop {
        let out = match client.describe_environments().include_deleted(false).set_next_token(next_token).send().await {
            Ok(out) => out,
            Err(e) => return Collected::Error { error: classify(&e, "elasticbeanstalk:DescribeEnvironments") },
        };
        environments.extend(out.environments().iter().map(|e| BeanstalkEnvironment {
            name: e.environment_name().unwrap_or_default().to_string(),
            id: e.environment_id().unwrap_or_default().to_string(),
            arn: text(e.environment_arn()),
            application_name: e.application_name().unwrap_or_default().to_string(),
            status: e.status().map_or("Unknown", |s| s.as_str()).to_string(),
            tier: text(e.tier().and_then(|t| t.name())),
            settings: Collected::NotCollected,
        }));
        next_token = text(out.next_token());
        if next_token.is_none() {
            break;
        }
    }
    // Terminated environments have no configuration left to read.
    environments.retain(|e| e.status != "Terminated");
    let keys: Vec<(String, String)> =
        environments.iter().map(|e| (e.application_name.clone(), e.name.clone())).collect();
    let settings = fan_out(keys, |(app, env)| environment_settings(client.clone(), app, env)).await;
    for (env, settings) in environments.iter_mut().zip(settings) {
        env.settings = flatten(settings);
    }
    Collected::ok(ElasticBeanstalkData { environments })
}

async fn environment_settings(
    client: aws_sdk_elasticbeanstalk::Client,
    application: String,
    environment: String,
) -> Collected<BeanstalkSettings> {
    let out = match client
        .describe_configuration_settings()
        .application_name(&application)
        .environment_name(&environment)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => return Collected::Error { error: classify(&e, "elasticbeanstalk:DescribeConfigurationSettings") },
    };
    let options: Vec<&ConfigurationOptionSetting> =
        out.configuration_settings().iter().flat_map(|c| c.option_settings()).collect();
    let option = |namespace: &str, name: &str| {
        options
            .iter()
            .find(|o| o.namespace() == Some(namespace) && o.option_name() == Some(name))
            .and_then(|o| text(o.value()))
    };
    const COMMAND: &str = "aws:elasticbeanstalk:command";
    Collected::ok(BeanstalkSettings {
        deployment_policy: option(COMMAND, "DeploymentPolicy"),
        batch_size_type: option(COMMAND, "BatchSizeType"),
        batch_size: option(COMMAND, "BatchSize"),
        environment_type: option("aws:elasticbeanstalk:environment", "EnvironmentType"),
    })
}

// ---- Step Functions -----------------------------------------------------------------------------------

async fn stepfunctions(aws: &AccountAws, region: &str) -> Collected<StepFunctionsData> {
    let client = aws.sfn(region);
    let mut machines = Vec::new();
    let mut pages = client.list_state_machines().into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => machines.extend(page.state_machines().iter().map(|m| StateMachine {
                name: m.name().to_string(),
                arn: m.state_machine_arn().to_string(),
                machine_type: m.r#type().as_str().to_string(),
                logging: Collected::NotCollected,
            })),
            Err(e) => return Collected::Error { error: classify(&e, "states:ListStateMachines") },
        }
    }
    let arns: Vec<String> = machines.iter().map(|m| m.arn.clone()).collect();
    let logging = fan_out(arns, |arn| state_machine_logging(client.clone(), arn)).await;
    for (machine, logging) in machines.iter_mut().zip(logging) {
        machine.logging = flatten(logging);
    }
    Collected::ok(StepFunctionsData { state_machines: machines })
}

async fn state_machine_logging(client: aws_sdk_sfn::Client, arn: String) -> Collected<StateMachineLogging> {
    match client.describe_state_machine().state_machine_arn(&arn).send().await {
        Ok(out) => {
            let logging = out.logging_configuration();
            Collected::ok(StateMachineLogging {
                level: logging.and_then(|l| l.level()).map_or("OFF", |l| l.as_str()).to_string(),
                include_execution_data: logging.is_some_and(|l| l.include_execution_data()),
                log_group_arns: logging
                    .map(|l| l.destinations())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|d| text(d.cloud_watch_logs_log_group().and_then(|g| g.log_group_arn())))
                    .collect(),
            })
        }
        Err(e) => Collected::Error { error: classify(&e, "states:DescribeStateMachine") },
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn fan_out_keeps_the_order_and_bounds_the_reads_in_flight() {
        let in_flight = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let items: Vec<u64> = (0..30).collect();
        let results = fan_out(items, |i| {
            let (in_flight, most) = (in_flight.clone(), most.clone());
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                // Later items finish first, so completion order differs from item order.
                tokio::time::sleep(Duration::from_millis(30 - i)).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                i * 10
            }
        })
        .await;
        let values: Vec<u64> = results.into_iter().map(|r| r.expect("no task fails")).collect();
        assert_eq!(values, (0..30).map(|i| i * 10).collect::<Vec<_>>());
        assert_eq!(
            most.load(Ordering::SeqCst),
            PER_RESOURCE,
            "at most PER_RESOURCE reads at once, and that many in use"
        );
    }

    #[tokio::test]
    async fn a_failed_read_is_an_error_in_its_place() {
        let results = fan_out(vec![1, 2, 3], |i| async move {
            assert_ne!(i, 2, "simulated crash of one read");
            i
        })
        .await;
        assert_eq!(results.len(), 3);
        assert_eq!(results[0].as_ref().ok(), Some(&1));
        let error = results[1].as_ref().expect_err("the crashed read is an error");
        assert_eq!(error.code, "CollectorTaskFailed");
        assert_eq!(results[2].as_ref().ok(), Some(&3));
        let collected: Collected<u8> = flatten(Err(error.clone()));
        assert!(matches!(collected, Collected::Error { .. }));
    }

    #[test]
    fn stages_keep_what_the_checks_judge() {
        use aws_sdk_apigateway::types::{CacheClusterSize, CanarySettings as Canary, MethodSetting, Stage};
        let stage = Stage::builder()
            .stage_name("prod")
            .deployment_id("d1")
            .cache_cluster_enabled(true)
            .cache_cluster_size(CacheClusterSize::Size1Point6Gb)
            .tracing_enabled(true)
            .method_settings("*/*", MethodSetting::builder().logging_level("INFO").metrics_enabled(true).build())
            .canary_settings(Canary::builder().percent_traffic(12.5).deployment_id("d2").build())
            .build();
        let s = convert_stage(&stage);
        assert_eq!((s.name.as_str(), s.deployment_id.as_deref()), ("prod", Some("d1")));
        assert!(s.cache_cluster_enabled && s.tracing_enabled);
        assert_eq!(s.cache_cluster_size.as_deref(), Some("1.6"));
        let all = &s.method_settings["*/*"];
        assert_eq!(all.logging_level.as_deref(), Some("INFO"));
        assert!(all.metrics_enabled && !all.data_trace_enabled);
        let canary = s.canary.expect("canary");
        assert_eq!((canary.percent_traffic, canary.deployment_id.as_deref()), (12.5, Some("d2")));
        // A bare stage: no cache, no tracing, no method settings, no canary.
        let bare = convert_stage(&Stage::builder().stage_name("dev").build());
        assert!(!bare.cache_cluster_enabled && !bare.tracing_enabled);
        assert!(bare.method_settings.is_empty() && bare.canary.is_none() && bare.deployment_id.is_none());
    }

    #[test]
    fn functions_keep_runtime_tracing_and_dead_letter_queue() {
        use aws_sdk_lambda::types::{
            DeadLetterConfig, FunctionConfiguration, PackageType, Runtime, TracingConfigResponse, TracingMode,
        };
        let zip = FunctionConfiguration::builder()
            .function_name("f")
            .function_arn("arn:aws:lambda:us-east-1:111111111111:function:f")
            .runtime(Runtime::Python38)
            .package_type(PackageType::Zip)
            .tracing_config(TracingConfigResponse::builder().mode(TracingMode::Active).build())
            .dead_letter_config(DeadLetterConfig::builder().target_arn("arn:aws:sqs:us-east-1:1:dlq").build())
            .build();
        let f = convert_function(&zip);
        assert_eq!(f.runtime.as_deref(), Some("python3.8"));
        assert_eq!(f.tracing_mode.as_deref(), Some("Active"));
        assert_eq!(f.dead_letter_target.as_deref(), Some("arn:aws:sqs:us-east-1:1:dlq"));
        assert!(matches!(f.reserved_concurrency, Collected::NotCollected), "read later, per function");
        let image = FunctionConfiguration::builder()
            .function_name("img")
            .package_type(PackageType::Image)
            .dead_letter_config(DeadLetterConfig::builder().target_arn("").build())
            .build();
        let f = convert_function(&image);
        assert_eq!((f.runtime, f.package_type.as_str()), (None, "Image"));
        assert_eq!(f.dead_letter_target, None, "an empty target is no dead-letter queue");
    }
}
