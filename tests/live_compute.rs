//! Acceptance: the compute checks (Lambda, API Gateway, Elastic Beanstalk, Step Functions and the readers of DynamoDB
//! streams) read live from moto (`scripts/test.sh`), judged resource by resource. Without moto these tests fail (they
//! never skip).
//!
//! Account 123456789012, us-east-1:
//!
//! ```text
//! Lambda      legacy-report   python3.8, PassThrough tracing, 0 reserved concurrency, no failure handling
//!             orders-api      python3.12, Active tracing, 5 reserved, on-failure destination (an SQS queue)
//!             thumbnailer     a container image (no runtime)
//!             reader-1..3     python3.12, each mapped to the stream of table `orders` (3 readers);
//!                             reader-1 also reads the stream of table `payments` (1 reader)
//! API Gateway shop            stage prod: 0.5 GB cache, tracing, ERROR execution logs; stage dev: nothing
//!             legacy          stage production: no cache
//! Beanstalk   shop            environments shop-prod and shop-dev
//! Step Fns    checkout        STANDARD, logging ALL with execution data to log group /sfn/checkout
//!             orphan          EXPRESS, logging ERROR to /sfn/deleted, which does not exist
//!             nightly         STANDARD, logging OFF
//!             clickstream     EXPRESS, logging OFF
//! ```
//!
//! What moto 5.2.5 lacks, and how the checks come out:
//! - Lambda GetAccountSettings and ListProvisionedConcurrencyConfigs are not implemented (HTTP 404): a function's
//!   reserved concurrency can only be judged when it reserves 0 (fail); otherwise `unknown`, and
//!   `lambda-provisioned-concurrency` is `unknown` for every function.
//! - ListFunctions does not return a function's DeadLetterConfig, and ListFunctionEventInvokeConfigs writes a
//!   configuration's LastModified as an ISO date where the API has epoch seconds, which the SDK cannot read: a function
//!   with an asynchronous-invocation configuration is `unknown` for `lambda-failure-destination` (its pass is left to
//!   the unit tests); one without is judged, since its empty list reads fine.
//! - Stages have no canary settings at all: every stage is `skipped` by `apigateway-canary`.
//! - Elastic Beanstalk DescribeConfigurationSettings is not implemented: the deployment policy is `unknown`.

mod common;

use std::collections::BTreeSet;
use std::sync::Mutex;

use aws_config::{Region, SdkConfig};
use common::*;
use serde_json::Value;

/// The tests of this file share one moto: one at a time.
static LOCK: Mutex<()> = Mutex::new(());

const ACCOUNT: &str = MOTO_ACCOUNT;
const REGION: &str = "us-east-1";
const FAILED_EVENTS: &str = "arn:aws:sqs:us-east-1:123456789012:failed-events";

fn function_arn(name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}")
}

fn state_machine_arn(name: &str) -> String {
    format!("arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}")
}

fn stage_arn(api_id: &str, stage: &str) -> String {
    format!("arn:aws:apigateway:{REGION}::/restapis/{api_id}/stages/{stage}")
}

/// What the seeding created that the test needs to find again.
struct Seeded {
    shop_api: String,
    legacy_api: String,
    orders_stream: String,
    payments_stream: String,
}

async fn seed(config: &SdkConfig) -> Seeded {
    let region = Region::new(REGION);
    let iam = aws_sdk_iam::Client::new(config);
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let role = iam
        .create_role()
        .role_name("lambda-exec")
        .assume_role_policy_document(trust)
        .send()
        .await
        .expect("create role lambda-exec");
    let role_arn = role.role().map(|r| r.arn().to_owned()).expect("role arn");

    // -- Lambda --
    let lambda =
        aws_sdk_lambda::Client::from_conf(aws_sdk_lambda::config::Builder::from(config).region(region.clone()).build());
    use aws_sdk_lambda::primitives::Blob;
    use aws_sdk_lambda::types::{
        DestinationConfig, FunctionCode, OnFailure, PackageType, Runtime, TracingConfig, TracingMode,
    };
    let zip = || FunctionCode::builder().zip_file(Blob::new(b"PK\x05\x06 dopaudit test code".to_vec())).build();
    let create = |name: &str, runtime: Runtime, tracing: TracingMode| {
        lambda
            .create_function()
            .function_name(name)
            .runtime(runtime)
            .role(&role_arn)
            .handler("app.handler")
            .code(zip())
            .tracing_config(TracingConfig::builder().mode(tracing).build())
    };
    create("legacy-report", Runtime::Python38, TracingMode::PassThrough).send().await.expect("create legacy-report");
    lambda
        .put_function_concurrency()
        .function_name("legacy-report")
        .reserved_concurrent_executions(0)
        .send()
        .await
        .expect("reserve 0 for legacy-report");
    create("orders-api", Runtime::Python312, TracingMode::Active).send().await.expect("create orders-api");
    lambda
        .put_function_concurrency()
        .function_name("orders-api")
        .reserved_concurrent_executions(5)
        .send()
        .await
        .expect("reserve 5 for orders-api");
    lambda
        .put_function_event_invoke_config()
        .function_name("orders-api")
        .maximum_retry_attempts(1)
        .destination_config(
            DestinationConfig::builder().on_failure(OnFailure::builder().destination(FAILED_EVENTS).build()).build(),
        )
        .send()
        .await
        .expect("event invoke config for orders-api");
    lambda
        .create_function()
        .function_name("thumbnailer")
        .package_type(PackageType::Image)
        .role(&role_arn)
        .code(FunctionCode::builder().image_uri(format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/thumbs:1")).build())
        .send()
        .await
        .expect("create thumbnailer");
    for reader in ["reader-1", "reader-2", "reader-3"] {
        create(reader, Runtime::Python312, TracingMode::Active).send().await.expect("create a reader");
    }

    // -- DynamoDB tables with streams, read by the readers --
    let dynamodb = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(config).region(region.clone()).build(),
    );
    let mut streams = Vec::new();
    for table in ["orders", "payments"] {
        use aws_sdk_dynamodb::types::{
            AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, StreamSpecification,
            StreamViewType,
        };
        let out = dynamodb
            .create_table()
            .table_name(table)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("pk")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .expect("attribute"),
            )
            .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().expect("key"))
            .billing_mode(BillingMode::PayPerRequest)
            .stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::NewAndOldImages)
                    .build()
                    .expect("stream specification"),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("create table {table}: {e:?}"));
        let stream = out.table_description().and_then(|t| t.latest_stream_arn()).expect("stream arn").to_owned();
        streams.push(stream);
    }
    let map = |stream: &str, function: &str| {
        lambda
            .create_event_source_mapping()
            .event_source_arn(stream)
            .function_name(function)
            .starting_position(aws_sdk_lambda::types::EventSourcePosition::Latest)
    };
    for reader in ["reader-1", "reader-2", "reader-3"] {
        map(&streams[0], reader).send().await.unwrap_or_else(|e| panic!("map {reader} to orders: {e:?}"));
    }
    map(&streams[1], "reader-1").send().await.expect("map reader-1 to payments");

    // -- API Gateway --
    let apigw = aws_sdk_apigateway::Client::from_conf(
        aws_sdk_apigateway::config::Builder::from(config).region(region.clone()).build(),
    );
    let api_with_deployment = |name: &'static str| {
        let apigw = apigw.clone();
        async move {
            let api = apigw.create_rest_api().name(name).send().await.expect("create rest api");
            let id = api.id().expect("api id").to_owned();
            let root = api.root_resource_id().expect("root resource").to_owned();
            apigw
                .put_method()
                .rest_api_id(&id)
                .resource_id(&root)
                .http_method("GET")
                .authorization_type("NONE")
                .send()
                .await
                .expect("put method");
            apigw
                .put_integration()
                .rest_api_id(&id)
                .resource_id(&root)
                .http_method("GET")
                .r#type(aws_sdk_apigateway::types::IntegrationType::Mock)
                .send()
                .await
                .expect("put integration");
            let deployment = apigw.create_deployment().rest_api_id(&id).send().await.expect("create deployment");
            (id, deployment.id().expect("deployment id").to_owned())
        }
    };
    let (shop_api, shop_deployment) = api_with_deployment("shop").await;
    apigw
        .create_stage()
        .rest_api_id(&shop_api)
        .stage_name("prod")
        .deployment_id(&shop_deployment)
        .cache_cluster_enabled(true)
        .cache_cluster_size(aws_sdk_apigateway::types::CacheClusterSize::Size0Point5Gb)
        .tracing_enabled(true)
        .send()
        .await
        .expect("create stage prod");
    apigw
        .update_stage()
        .rest_api_id(&shop_api)
        .stage_name("prod")
        .patch_operations(
            aws_sdk_apigateway::types::PatchOperation::builder()
                .op(aws_sdk_apigateway::types::Op::Replace)
                .path("/*/*/logging/loglevel")
                .value("ERROR")
                .build(),
        )
        .send()
        .await
        .expect("turn on execution logging on prod");
    apigw
        .create_stage()
        .rest_api_id(&shop_api)
        .stage_name("dev")
        .deployment_id(&shop_deployment)
        .send()
        .await
        .expect("create stage dev");
    let (legacy_api, legacy_deployment) = api_with_deployment("legacy").await;
    apigw
        .create_stage()
        .rest_api_id(&legacy_api)
        .stage_name("production")
        .deployment_id(&legacy_deployment)
        .send()
        .await
        .expect("create stage production");

    // -- Elastic Beanstalk --
    let eb = aws_sdk_elasticbeanstalk::Client::from_conf(
        aws_sdk_elasticbeanstalk::config::Builder::from(config).region(region.clone()).build(),
    );
    eb.create_application().application_name("shop").send().await.expect("create application");
    for env in ["shop-prod", "shop-dev"] {
        eb.create_environment()
            .application_name("shop")
            .environment_name(env)
            .solution_stack_name("64bit Amazon Linux 2023 v4.3.0 running Python 3.12")
            .send()
            .await
            .unwrap_or_else(|e| panic!("create environment {env}: {e:?}"));
    }

    // -- Step Functions --
    // The log group checkout writes to exists; orphan writes to one that does not (deleted, or never created).
    let logs = aws_sdk_cloudwatchlogs::Client::from_conf(
        aws_sdk_cloudwatchlogs::config::Builder::from(config).region(region.clone()).build(),
    );
    logs.create_log_group().log_group_name("/sfn/checkout").send().await.expect("create log group /sfn/checkout");
    let sfn = aws_sdk_sfn::Client::from_conf(aws_sdk_sfn::config::Builder::from(config).region(region).build());
    use aws_sdk_sfn::types::{
        CloudWatchLogsLogGroup, LogDestination, LogLevel, LoggingConfiguration, StateMachineType,
    };
    let definition = r#"{"StartAt":"Done","States":{"Done":{"Type":"Pass","End":true}}}"#;
    let machine = |name: &str, kind: StateMachineType| {
        sfn.create_state_machine()
            .name(name)
            .definition(definition)
            .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/sfn-exec"))
            .r#type(kind)
    };
    machine("checkout", StateMachineType::Standard)
        .logging_configuration(
            LoggingConfiguration::builder()
                .level(LogLevel::All)
                .include_execution_data(true)
                .destinations(
                    LogDestination::builder()
                        .cloud_watch_logs_log_group(
                            CloudWatchLogsLogGroup::builder()
                                .log_group_arn(format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/sfn/checkout:*"))
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("create checkout");
    machine("orphan", StateMachineType::Express)
        .logging_configuration(
            LoggingConfiguration::builder()
                .level(LogLevel::Error)
                .destinations(
                    LogDestination::builder()
                        .cloud_watch_logs_log_group(
                            CloudWatchLogsLogGroup::builder()
                                .log_group_arn(format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/sfn/deleted:*"))
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("create orphan");
    machine("nightly", StateMachineType::Standard).send().await.expect("create nightly");
    machine("clickstream", StateMachineType::Express).send().await.expect("create clickstream");

    Seeded { shop_api, legacy_api, orders_stream: streams[0].clone(), payments_stream: streams[1].clone() }
}

/// The one finding of `check` on `resource`; panics when there is none or more than one.
#[track_caller]
fn finding<'a>(findings: &'a [Value], check: &str, resource: &str) -> &'a Value {
    let one = the_finding_on(findings, check, resource);
    assert_eq!((text(one, "account"), text(one, "region")), (ACCOUNT, REGION), "{check} on {resource}");
    one
}

/// Asserts the status of `check` on `resource`, and that its message contains `needle`; returns the finding.
#[track_caller]
fn expect<'a>(findings: &'a [Value], check: &str, resource: &str, status: &str, needle: &str) -> &'a Value {
    let f = finding(findings, check, resource);
    assert_eq!(text(f, "status"), status, "{check} on {resource}: {f:#}");
    assert!(text(f, "message").contains(needle), "{check} on {resource}: message {:?} lacks {needle:?}", f["message"]);
    f
}

/// Asserts that `check` on `resource` is unknown because moto does not implement the call behind `permission`.
#[track_caller]
fn expect_unsupported(findings: &[Value], check: &str, resource: &str, permission: &str) {
    let f = expect(findings, check, resource, "unknown", permission);
    let error = &f["evidence"]["collection_error"];
    assert_eq!(error["kind"], "unsupported", "{check} on {resource}: {f:#}");
    assert_eq!(error["permission"], permission, "{check} on {resource}: {f:#}");
}

#[test]
fn compute_checks_judge_each_resource_live() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let seeded = block_on(async { seed(&sdk_config(&moto).await).await });

    let audit =
        run(dopaudit_live(&moto, &["audit", "--regions", REGION, "--format", "json", "--integrity-window", "0"]));
    audit.expect_code(1);
    let report = audit.json();
    let findings = findings(&report);
    let legacy = function_arn("legacy-report");
    let orders = function_arn("orders-api");
    let thumbnailer = function_arn("thumbnailer");

    // lambda-deprecated-runtime
    let f = expect(findings, "lambda-deprecated-runtime", &legacy, "fail", "python3.8, deprecated since 2024-10-14");
    assert_eq!(f["evidence"]["runtime"], "python3.8");
    expect(findings, "lambda-deprecated-runtime", &orders, "pass", "supported until 2028-10-31");
    let f = expect(findings, "lambda-deprecated-runtime", &thumbnailer, "skipped", "container image");
    assert_eq!(f["evidence"]["package_type"], "Image");

    // lambda-reserved-concurrency: a zero reservation is decisive; the pool itself cannot be read from moto.
    let f = expect(findings, "lambda-reserved-concurrency", &legacy, "fail", "every invocation is throttled");
    assert_eq!(f["evidence"]["reserved_concurrency"], 0);
    expect_unsupported(findings, "lambda-reserved-concurrency", &orders, "lambda:GetAccountSettings");

    // lambda-xray-tracing
    let f = expect(findings, "lambda-xray-tracing", &legacy, "fail", "tracing mode PassThrough");
    assert_eq!(f["evidence"]["tracing_mode"], "PassThrough");
    expect(findings, "lambda-xray-tracing", &orders, "pass", "active tracing");

    // lambda-failure-destination
    expect(
        findings,
        "lambda-failure-destination",
        &legacy,
        "fail",
        "no dead-letter queue and no on-failure destination",
    );
    expect_unsupported(findings, "lambda-failure-destination", &orders, "lambda:ListFunctionEventInvokeConfigs");
    expect(findings, "lambda-failure-destination", &function_arn("reader-2"), "skipped", "event source mapping");

    // lambda-provisioned-concurrency: moto has no ListProvisionedConcurrencyConfigs.
    for name in ["legacy-report", "orders-api", "thumbnailer", "reader-1"] {
        expect_unsupported(
            findings,
            "lambda-provisioned-concurrency",
            &function_arn(name),
            "lambda:ListProvisionedConcurrencyConfigs",
        );
    }

    // dynamodb-stream-readers
    let f = expect(findings, "dynamodb-stream-readers", &seeded.orders_stream, "fail", "3 enabled Lambda readers");
    assert_eq!(f["evidence"]["table"], "orders");
    let readers: BTreeSet<&str> = f["evidence"]["reader_functions"]
        .as_array()
        .expect("reader_functions")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(readers, BTreeSet::from(["reader-1", "reader-2", "reader-3"]));
    let f = expect(findings, "dynamodb-stream-readers", &seeded.payments_stream, "pass", "1 enabled Lambda reader");
    assert_eq!(f["evidence"]["active_readers"], 1);

    // API Gateway
    let prod = stage_arn(&seeded.shop_api, "prod");
    let dev = stage_arn(&seeded.shop_api, "dev");
    let production = stage_arn(&seeded.legacy_api, "production");
    let f = expect(findings, "apigateway-caching", &prod, "pass", "0.5 GB cache");
    assert_eq!(f["evidence"]["cache_cluster_enabled"], true);
    expect(findings, "apigateway-caching", &dev, "skipped", "not a production stage");
    let f = expect(findings, "apigateway-caching", &production, "fail", "production stage production of API legacy");
    assert_eq!(f["evidence"]["cache_cluster_enabled"], false);
    for stage in [&prod, &dev, &production] {
        expect(findings, "apigateway-canary", stage, "skipped", "no canary release");
    }
    expect(findings, "apigateway-xray-tracing", &prod, "pass", "sends traces to X-Ray");
    expect(findings, "apigateway-xray-tracing", &dev, "fail", "tracing off");
    let f = expect(findings, "apigateway-execution-logging", &prod, "pass", "writes ERROR execution logs");
    assert_eq!(f["evidence"]["logging_level"], "ERROR");
    expect(findings, "apigateway-execution-logging", &dev, "fail", "execution logging unset");

    // Elastic Beanstalk: the environments are listed, their options cannot be read from moto.
    for env in ["shop-prod", "shop-dev"] {
        let arn = format!("arn:aws:elasticbeanstalk:{REGION}:{ACCOUNT}:environment/shop/{env}");
        expect_unsupported(
            findings,
            "elasticbeanstalk-deployment-policy",
            &arn,
            "elasticbeanstalk:DescribeConfigurationSettings",
        );
    }

    // Step Functions
    let f = expect(
        findings,
        "stepfunctions-logging",
        &state_machine_arn("checkout"),
        "pass",
        "logs ALL events to CloudWatch Logs, execution data included",
    );
    assert_eq!(f["evidence"]["include_execution_data"], true);
    assert_eq!(f["evidence"]["type"], "STANDARD");
    let f = expect(findings, "stepfunctions-logging", &state_machine_arn("nightly"), "fail", "history is kept 90 days");
    assert_eq!(f["evidence"]["level"], "OFF");
    expect(findings, "stepfunctions-logging", &state_machine_arn("clickstream"), "fail", "leave no record at all");
    expect(
        findings,
        "stepfunctions-logging",
        &state_machine_arn("orphan"),
        "fail",
        "/sfn/deleted:*, which does not exist",
    );
}

#[test]
fn every_compute_call_is_recorded_and_declared() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    block_on(async { seed(&sdk_config(&moto).await).await });
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("snapshot.json");
    let path_arg = path.to_str().expect("utf-8 path");
    run(dopaudit_live(&moto, &["collect", "--regions", REGION, "--integrity-window", "0", "-o", path_arg]))
        .expect_code(0);
    let snapshot: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("read snapshot")).expect("json");

    let calls = recorded_actions(&snapshot, &["lambda", "apigateway", "elasticbeanstalk", "states"]);
    let want: BTreeSet<String> = [
        "lambda:ListFunctions",
        "lambda:GetAccountSettings",
        "lambda:GetFunctionConcurrency",
        "lambda:ListFunctionEventInvokeConfigs",
        "lambda:ListProvisionedConcurrencyConfigs",
        "lambda:ListEventSourceMappings",
        "apigateway:GET",
        "elasticbeanstalk:DescribeEnvironments",
        "elasticbeanstalk:DescribeConfigurationSettings",
        "states:ListStateMachines",
        "states:DescribeStateMachine",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    assert_eq!(calls, want, "the compute collector's calls");

    let policy = iam_policy(&[]);
    let declared: BTreeSet<String> = policy["Statement"]
        .as_array()
        .expect("Statement array")
        .iter()
        .flat_map(|s| match &s["Action"] {
            Value::String(a) => vec![a.clone()],
            Value::Array(a) => a.iter().filter_map(|a| a.as_str().map(str::to_owned)).collect(),
            _ => vec![],
        })
        .collect();
    let undeclared: Vec<&String> = calls.difference(&declared).collect();
    assert!(undeclared.is_empty(), "calls `dopaudit iam-policy` does not grant: {undeclared:?}");

    // One read per function for each per-function call: 6 functions.
    let count = |service: &str, operation: &str| {
        snapshot["collection"]["calls"]
            .as_array()
            .and_then(|calls| calls.iter().find(|c| c["service"] == service && c["operation"] == operation))
            .and_then(|c| c["calls"].as_u64())
    };
    assert_eq!(count("lambda", "GetFunctionConcurrency"), Some(6));
    assert_eq!(count("lambda", "ListFunctionEventInvokeConfigs"), Some(6));
    assert_eq!(count("states", "DescribeStateMachine"), Some(4));
    assert_eq!(count("apigateway", "GetStages"), Some(2));
}
