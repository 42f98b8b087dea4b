//! Acceptance: AWS Config recorders using the exclusion strategy, read live from moto (`scripts/test.sh`).
//!
//! One account, three regions, a customer-managed recorder in each, all with `EXCLUSION_BY_RESOURCE_TYPES`:
//!
//! ```text
//! us-east-1   excludes AWS::EC2::Volume                  records every other type, the global IAM types included
//! us-west-2   excludes AWS::EC2::Volume                  the same: the IAM types are recorded a second time
//! eu-west-1   excludes the four global IAM types only    every regional type: complete coverage
//! ```
//!
//! AWS records the global IAM types under the exclusion strategy unless they are listed, so the account records
//! them twice (us-east-1 and us-west-2): a duplicate, not "recorded in no region".
//! moto does not implement DescribeDeliveryChannelStatus: the delivery channels are unknown here, and their
//! verdicts are the unit tests' (src/checks/config.rs).
//! Without moto these tests fail (they never skip).

mod common;

use std::sync::Mutex;

use aws_config::SdkConfig;
use common::*;
use serde_json::Value;

/// The tests of this file share one moto: one at a time.
static LOCK: Mutex<()> = Mutex::new(());

const ACCOUNT: &str = MOTO_ACCOUNT;
const BUCKET: &str = "dopaudit-config-history";
const REGIONS: &str = "us-east-1,us-west-2,eu-west-1";
const IAM_TYPES: [&str; 4] = ["AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Role", "AWS::IAM::Policy"];

/// A running customer-managed recorder in `region` that records everything but `excluded`.
async fn record_all_but(config: &SdkConfig, region: &str, excluded: &[&str]) {
    use aws_sdk_config::types::{
        ConfigurationRecorder, DeliveryChannel, ExclusionByResourceTypes, RecordingGroup, RecordingStrategy,
        RecordingStrategyType, ResourceType,
    };
    let client = config_client(config, region);
    let exclusions = ExclusionByResourceTypes::builder()
        .set_resource_types(Some(excluded.iter().map(|t| ResourceType::from(*t)).collect()))
        .build();
    client
        .put_configuration_recorder()
        .configuration_recorder(
            ConfigurationRecorder::builder()
                .name("default")
                .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/aws-config"))
                .recording_group(
                    RecordingGroup::builder()
                        .all_supported(false)
                        .include_global_resource_types(false)
                        .exclusion_by_resource_types(exclusions)
                        .recording_strategy(
                            RecordingStrategy::builder()
                                .use_only(RecordingStrategyType::ExclusionByResourceTypes)
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("put configuration recorder in {region}: {e:?}"));
    client
        .put_delivery_channel()
        .delivery_channel(DeliveryChannel::builder().name("default").s3_bucket_name(BUCKET).build())
        .send()
        .await
        .unwrap_or_else(|e| panic!("put delivery channel in {region}: {e:?}"));
    client
        .start_configuration_recorder()
        .configuration_recorder_name("default")
        .send()
        .await
        .unwrap_or_else(|e| panic!("start configuration recorder in {region}: {e:?}"));
}

async fn seed(config: &SdkConfig) {
    create_bucket(config, "us-east-1", BUCKET).await;
    record_all_but(config, "us-east-1", &["AWS::EC2::Volume"]).await;
    record_all_but(config, "us-west-2", &["AWS::EC2::Volume"]).await;
    record_all_but(config, "eu-west-1", &IAM_TYPES).await;
}

#[track_caller]
fn finding<'a>(findings: &'a [Value], check: &str, region: &str) -> (&'a str, &'a str) {
    let f = the_finding(findings, check, ACCOUNT, region);
    (text(f, "status"), text(f, "message"))
}

#[test]
fn exclusion_strategy_recorders_are_judged_by_what_they_record() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    block_on(async { seed(&sdk_config(&moto).await).await });

    let audit = run(dopaudit_live(&moto, &["audit", "--regions", REGIONS, "--services", "config", "--format", "json"]));
    audit.expect_code(1);
    let report = audit.json();
    let findings = findings(&report);

    // The global IAM types: recorded in us-east-1 and us-west-2, by the exclusion strategy.
    let (status, message) = finding(findings, "config-global-resources-single-region", "global");
    assert_eq!(status, "fail", "{message}");
    assert!(message.contains("recorded in more than one region"), "{message}");
    assert!(message.contains("AWS::IAM::User in us-east-1, us-west-2"), "{message}");
    assert!(message.contains("the exclusion strategy, which records them unless listed"), "{message}");

    // Coverage: one excluded regional type fails, named; excluding only the global IAM types is complete.
    for region in ["us-east-1", "us-west-2"] {
        let (status, message) = finding(findings, "config-recorder-all-resources", region);
        assert_eq!(status, "fail", "{region}: {message}");
        assert_eq!(
            message,
            "configuration recorder default records all supported resource types except 1 excluded type: AWS::EC2::Volume",
            "{region}"
        );
    }
    let (status, message) = finding(findings, "config-recorder-all-resources", "eu-west-1");
    assert_eq!(status, "pass", "{message}");
    assert!(message.contains("but the global IAM types"), "{message}");

    // Delivery status is what moto lacks: unknown, naming the call, never a pass.
    for region in ["us-east-1", "us-west-2", "eu-west-1"] {
        let (status, message) = finding(findings, "config-delivery-channel", region);
        assert_eq!(status, "unknown", "{region}: {message}");
        assert!(message.contains("config:DescribeDeliveryChannelStatus"), "{region}: {message}");
    }
}

#[test]
fn a_snapshot_keeps_the_recording_strategy() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    block_on(async { seed(&sdk_config(&moto).await).await });

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("config.json");
    let path_arg = path.to_str().expect("UTF-8 temp path");
    run(dopaudit_live(&moto, &["collect", "--regions", "us-east-1", "--services", "config", "-o", path_arg]))
        .expect_code(0);
    let snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("snapshot written")).expect("the snapshot is JSON");
    let recorder = &snapshot["accounts"][0]["regions"][0]["config"]["data"]["recorders"][0];
    assert_eq!(recorder["recording_strategy"], "EXCLUSION_BY_RESOURCE_TYPES", "{recorder:#}");
    assert_eq!(recorder["excluded_resource_types"], serde_json::json!(["AWS::EC2::Volume"]), "{recorder:#}");
    assert_eq!(recorder["all_supported"], false, "{recorder:#}");
    // A customer-managed recorder: no service principal.
    assert!(recorder.get("service_principal").is_none(), "{recorder:#}");
}
