//! Acceptance: a live audit of one account in two regions, against the moto emulator (`scripts/test.sh`).
//!
//! us-east-1 holds a well-built multi-region trail and a complete AWS Config set-up; us-west-2 holds only a bare,
//! single-region legacy trail. Every check's verdict is asserted per region and resource, then the same account is
//! collected into a snapshot, and auditing that snapshot must give the same findings as the live audit.
//! Without moto these tests fail (they never skip).

mod common;

use std::collections::BTreeMap;
use std::sync::Mutex;

use aws_config::SdkConfig;
use common::*;
use serde_json::Value;

/// The tests of this file share one moto: one at a time.
static LOCK: Mutex<()> = Mutex::new(());

const ACCOUNT: &str = MOTO_ACCOUNT;
const BUCKET: &str = "dopaudit-trail-logs";
const REGIONS: &str = "us-east-1,us-west-2";

fn main_trail() -> String {
    format!("arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/main")
}

fn legacy_trail() -> String {
    format!("arn:aws:cloudtrail:us-west-2:{ACCOUNT}:trail/legacy")
}

/// The account as the issue describes it; nothing at all is configured in us-west-2 but the legacy trail.
async fn seed(config: &SdkConfig) {
    create_bucket(config, "us-east-1", BUCKET).await;

    let east = cloudtrail_client(config, "us-east-1");
    east.create_trail()
        .name("main")
        .s3_bucket_name(BUCKET)
        .is_multi_region_trail(true)
        .enable_log_file_validation(true)
        .kms_key_id(format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"))
        .cloud_watch_logs_log_group_arn(format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:cloudtrail:*"))
        .cloud_watch_logs_role_arn(format!("arn:aws:iam::{ACCOUNT}:role/cloudtrail-to-cloudwatch"))
        .send()
        .await
        .expect("create trail main");
    east.start_logging().name("main").send().await.expect("start logging main");
    // AWS gives a new trail the selector below; moto gives it none, which the check reads as no management events.
    let all = aws_sdk_cloudtrail::types::EventSelector::builder()
        .read_write_type(aws_sdk_cloudtrail::types::ReadWriteType::All)
        .include_management_events(true)
        .build();
    east.put_event_selectors().trail_name("main").event_selectors(all).send().await.expect("selectors of main");

    let west = cloudtrail_client(config, "us-west-2");
    west.create_trail()
        .name("legacy")
        .s3_bucket_name(BUCKET)
        .is_multi_region_trail(false)
        .enable_log_file_validation(false)
        .send()
        .await
        .expect("create trail legacy");

    enable_config(config, "us-east-1", ACCOUNT, BUCKET, true).await;
    put_managed_rule(config, "us-east-1", ACCOUNT, "cfn-drift", "CLOUDFORMATION_STACK_DRIFT_DETECTION_CHECK").await;
    put_managed_rule(config, "us-east-1", ACCOUNT, "iam-unused-credentials", "IAM_USER_UNUSED_CREDENTIALS_CHECK").await;
}

/// The checks this test judges: the core services (CloudTrail, Config, Organizations and SCPs). The service
/// groups' checks (CodeBuild, Lambda, IAM, …) have their own emulator tests (`live_sdlc.rs`, `live_compute.rs` …).
const CORE_CHECKS: [&str; 4] = ["cloudtrail-", "config-", "organizations-", "scp-"];

/// The findings of the core checks, by place.
fn core_statuses(findings: &[Value]) -> BTreeMap<FindingKey, String> {
    statuses_by_place(findings)
        .into_iter()
        .filter(|((check, ..), _)| CORE_CHECKS.iter().any(|p| check.starts_with(p)))
        .collect()
}

/// Every core finding the audit must give, by place; no other core finding may appear.
fn expected() -> BTreeMap<FindingKey, String> {
    let acct = ACCOUNT.to_owned();
    let mut want = BTreeMap::new();
    let mut put = |check: &str, region: &str, resource: &str, status: &str| {
        want.insert((check.to_owned(), acct.clone(), region.to_owned(), resource.to_owned()), status.to_owned());
    };
    let (main, legacy) = (main_trail(), legacy_trail());
    put("cloudtrail-multi-region-trail", "global", ACCOUNT, "pass");
    for check in ["cloudtrail-log-file-validation", "cloudtrail-kms-encryption", "cloudtrail-cloudwatch-logs"] {
        put(check, "us-east-1", &main, "pass");
        put(check, "us-west-2", &legacy, "fail");
    }
    // Validation is on for `main`, but moto has no ListPublicKeys to verify its digests with; `legacy` has none.
    put("cloudtrail-log-integrity", "us-east-1", &main, "unknown");
    put("cloudtrail-log-integrity", "us-west-2", &legacy, "skipped");
    put("cloudtrail-delivery-errors", "us-east-1", &main, "pass");
    put("cloudtrail-delivery-errors", "us-west-2", &legacy, "pass");
    put("cloudtrail-organization-trail", "global", ACCOUNT, "skipped");
    // A region's own configuration is named by its recorder or channel when there is one, else by the account.
    put("config-recorder-all-resources", "us-east-1", "default", "pass");
    put("config-recorder-all-resources", "us-west-2", ACCOUNT, "fail");
    // moto does not implement DescribeDeliveryChannelStatus: whether deliveries succeed is unread, hence unknown.
    put("config-delivery-channel", "us-east-1", "default", "unknown");
    put("config-delivery-channel", "us-west-2", ACCOUNT, "fail");
    put("config-rule-cfn-drift-detection", "us-east-1", ACCOUNT, "pass");
    put("config-rule-cfn-drift-detection", "us-west-2", ACCOUNT, "fail");
    put("config-rule-iam-unused-credentials", "global", ACCOUNT, "pass");
    put("config-global-resources-single-region", "global", ACCOUNT, "pass");
    // moto does not implement DescribeComplianceByConfigRule: the rules' compliance is unread, hence unknown.
    put("config-rules-noncompliant", "us-east-1", ACCOUNT, "unknown");
    put("config-rules-noncompliant", "us-west-2", ACCOUNT, "unknown");
    put("config-aggregator", "global", ACCOUNT, "skipped");
    // Outside any organization no service control policy exists: every SCP check is not applicable.
    for check in [
        "organizations-all-features",
        "organizations-scp-enabled",
        "scp-guardrails-present",
        "scp-deny-leave-organization",
        "scp-protect-cloudtrail",
        "scp-protect-config",
        "scp-region-restriction",
        "scp-region-restriction-global-services",
        "scp-break-glass-exemption",
        "scp-policy-valid",
        "scp-policy-size",
        "scp-attachment-limit",
        "scp-management-account-workloads",
    ] {
        put(check, "global", ACCOUNT, "skipped");
    }
    want
}

#[track_caller]
fn assert_message(findings: &[Value], check: &str, region: &str, needle: &str) {
    let f = the_finding(findings, check, ACCOUNT, region);
    let message = text(f, "message");
    assert!(message.contains(needle), "{check} in {region}: message {message:?} should contain {needle:?}");
}

#[test]
fn one_account_two_regions_every_check_per_region_and_resource() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    block_on(async { seed(&sdk_config(&moto).await).await });

    let audit = run(dopaudit_live(&moto, &["audit", "--regions", REGIONS, "--format", "json"]));
    audit.expect_code(1);
    let report = audit.json();
    let findings = findings(&report);

    let got = core_statuses(findings);
    let want = expected();
    assert!(
        got == want,
        "findings differ from the expectation:\n{}\nstderr: {}",
        diff_statuses(&want, &got),
        audit.stderr
    );

    assert_eq!(report["scope"]["accounts"], serde_json::json!([ACCOUNT]), "scope: {:#}", report["scope"]);
    assert_eq!(
        report["scope"]["regions"],
        serde_json::json!(["us-east-1", "us-west-2"]),
        "scope: {:#}",
        report["scope"]
    );

    // The messages say why, naming the resource.
    assert_message(findings, "cloudtrail-multi-region-trail", "global", "multi-region trail main is logging");
    assert_message(findings, "cloudtrail-log-file-validation", "us-west-2", "trail legacy has log file validation off");
    assert_message(findings, "cloudtrail-log-integrity", "us-east-1", "(while calling cloudtrail:ListPublicKeys)");
    assert_message(findings, "cloudtrail-kms-encryption", "us-east-1", "1234abcd-12ab-34cd-56ef-1234567890ab");
    assert_message(findings, "config-recorder-all-resources", "us-west-2", "no configuration recorder");
    assert_message(findings, "config-delivery-channel", "us-west-2", "no delivery channel");
    assert_message(findings, "config-delivery-channel", "us-east-1", BUCKET);
    assert_message(findings, "config-delivery-channel", "us-east-1", "config:DescribeDeliveryChannelStatus");
    assert_message(findings, "config-rule-cfn-drift-detection", "us-east-1", "rule cfn-drift");
    assert_message(
        findings,
        "config-rule-iam-unused-credentials",
        "global",
        "rule iam-unused-credentials in us-east-1",
    );
    assert_message(findings, "config-global-resources-single-region", "global", "recorded in one region: us-east-1");
    assert_message(findings, "cloudtrail-organization-trail", "global", "not in an organization");

    // Unread data is unknown, never a pass or a fail, and says which call could not be read.
    for region in ["us-east-1", "us-west-2"] {
        let f = the_finding(findings, "config-rules-noncompliant", ACCOUNT, region);
        let error = &f["evidence"]["collection_error"];
        assert_eq!(error["kind"], "unsupported", "{region}: {f:#}");
        assert_eq!(error["permission"], "config:DescribeComplianceByConfigRule", "{region}: {f:#}");
    }

    // The summary agrees with the findings, those of the service groups' checks included.
    let all = statuses_by_place(findings);
    assert_eq!(all.len(), findings.len(), "one finding per check and place");
    let count = |status: &str| all.values().filter(|s| *s == status).count() as u64;
    for status in ["pass", "fail", "unknown", "skipped"] {
        assert_eq!(
            report["summary"][status].as_u64(),
            Some(count(status)),
            "summary.{status}: {:#}",
            report["summary"]
        );
    }
}

/// The findings with the one field moto makes time-dependent taken out: moto reports a logging trail's
/// `LatestDeliveryTime` as the time of each `GetTrailStatus` call, so two collections seconds apart differ there.
/// It must be a timestamp in both; everything else must be equal.
#[track_caller]
fn without_delivery_time(findings: &[Value]) -> Vec<Value> {
    findings
        .iter()
        .cloned()
        .map(|mut f| {
            if f["check_id"] == "cloudtrail-delivery-errors" {
                let evidence = f["evidence"].as_object_mut().expect("delivery-errors evidence is an object");
                let time = evidence.insert("latest_delivery_time".into(), Value::Null);
                let is_main = f["resource"] == main_trail().as_str();
                match time {
                    Some(Value::String(t)) => {
                        assert!(chrono::DateTime::parse_from_rfc3339(&t).is_ok(), "latest_delivery_time {t:?}")
                    }
                    // The legacy trail never logged: moto reports no delivery time for it.
                    Some(Value::Null) | None if !is_main => {}
                    other => panic!("{}: latest_delivery_time is {other:?}", f["resource"]),
                }
            }
            f
        })
        .collect()
}

#[test]
fn a_snapshot_of_the_account_audits_to_the_same_findings() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    block_on(async { seed(&sdk_config(&moto).await).await });
    let dir = tempfile::tempdir().expect("temp dir");
    let snap = dir.path().join("snap.json");
    let snap_arg = snap.to_str().expect("UTF-8 temp path");

    let live = run(dopaudit_live(&moto, &["audit", "--regions", REGIONS, "--format", "json"]));
    live.expect_code(1);
    let collect = run(dopaudit_live(&moto, &["collect", "--regions", REGIONS, "-o", snap_arg]));
    collect.expect_code(0);
    assert!(collect.stdout.is_empty(), "collect -o FILE prints nothing on stdout: {}", collect.stdout);

    let snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string(&snap).expect("snapshot written")).expect("the snapshot is JSON");
    assert_eq!(snapshot["source"], "live");
    assert_eq!(snapshot["regions"], serde_json::json!(["us-east-1", "us-west-2"]));
    assert_eq!(snapshot["collection"]["caller_account"], ACCOUNT);

    // Offline: no endpoint, no credentials needed.
    let offline = run(dopaudit_command(RUN_TIMEOUT).args(["audit", "--snapshot", snap_arg, "--format", "json"]));
    offline.expect_code(1);

    let (live_report, offline_report) = (live.json(), offline.json());
    let (live_findings, offline_findings) = (findings(&live_report), findings(&offline_report));
    assert_eq!(core_statuses(live_findings), expected(), "the live audit itself is as expected");
    let (a, b) = (without_delivery_time(live_findings), without_delivery_time(offline_findings));
    assert_eq!(a.len(), b.len(), "as many findings from the snapshot as live");
    for (i, (l, o)) in a.iter().zip(&b).enumerate() {
        assert_eq!(l, o, "finding #{i} differs between the live audit (left) and the snapshot's (right)");
    }
}

#[test]
fn operations_the_endpoint_lacks_are_not_retried() {
    // With the default retry settings, moto's HTML 500 for an operation it lacks must be final at once:
    // retrying it only multiplies the audit's run time by the back-off. Throttling is still retried.
    let (_guard, moto) = exclusive_moto(&LOCK);
    block_on(async { seed(&sdk_config(&moto).await).await });
    let dir = tempfile::tempdir().expect("temp dir");
    let snap = dir.path().join("snap.json");
    let out = run(dopaudit_command(RUN_TIMEOUT).args([
        "collect",
        "--endpoint-url",
        &moto,
        "--regions",
        REGIONS,
        "--max-attempts",
        "5",
        "-o",
        snap.to_str().expect("UTF-8 temp path"),
    ]));
    out.expect_code(0);
    let snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string(&snap).expect("snapshot written")).expect("JSON");
    let calls = snapshot["collection"]["calls"].as_array().expect("calls recorded");
    let lacking = calls
        .iter()
        .find(|c| c["operation"] == "DescribeComplianceByConfigRule")
        .expect("the compliance call was made");
    assert_eq!(lacking["errors"], lacking["calls"], "moto lacks it: every call fails: {lacking}");
    for c in calls {
        assert_eq!(c["attempts"], c["calls"], "no retries against answers that are not from AWS: {c}");
    }
}

#[test]
fn services_narrow_what_is_read_and_judged() {
    // `--services cloudtrail,config`: only those services' calls (plus the set-up every audit makes) reach AWS,
    // the report holds only their checks, and they judge exactly as in a full audit.
    let (_guard, moto) = exclusive_moto(&LOCK);
    block_on(async { seed(&sdk_config(&moto).await).await });
    let dir = tempfile::tempdir().expect("temp dir");
    let snap = dir.path().join("snap.json");
    let snap_arg = snap.to_str().expect("UTF-8 temp path");
    let narrow = ["--regions", REGIONS, "--services", "cloudtrail,config"];
    let collect = |services: &[&str]| -> (Value, std::collections::BTreeSet<String>) {
        run(dopaudit_live(&moto, &[&["collect", "-o", snap_arg, "--regions", REGIONS][..], services].concat()))
            .expect_code(0);
        let snapshot: Value = serde_json::from_str(&std::fs::read_to_string(&snap).expect("snapshot written"))
            .expect("the snapshot is JSON");
        let read = snapshot["collection"]["calls"]
            .as_array()
            .expect("calls recorded")
            .iter()
            .map(|c| c["service"].as_str().expect("a service").to_ascii_lowercase())
            .collect();
        (snapshot, read)
    };
    let (snapshot, services) = collect(&narrow[2..]);
    let allowed = ["cloudtrail", "config", "s3", "sts", "account", "organizations"];
    let stray: Vec<&String> = services.iter().filter(|s| !allowed.contains(&s.as_str())).collect();
    assert!(stray.is_empty(), "calls outside cloudtrail and config: {stray:?} (all: {services:?})");
    assert!(services.contains("cloudtrail") && services.contains("config"), "{services:?}");
    let lambda = &snapshot["accounts"][0]["regions"][0]["lambda"];
    assert!(lambda.to_string().contains("not_collected"), "Lambda left out: {lambda}");

    let live = run(dopaudit_live(&moto, &[&["audit", "--format", "json"][..], &narrow[..]].concat())).json();
    let got = statuses_by_place(findings(&live));
    let want: BTreeMap<FindingKey, String> = statuses_by_place(findings(
        &run(dopaudit_live(&moto, &["audit", "--regions", REGIONS, "--format", "json"])).json(),
    ))
    .into_iter()
    .filter(|(key, _)| key.0.starts_with("cloudtrail-") || key.0.starts_with("config-"))
    .collect();
    assert!(!want.is_empty());
    assert_eq!(got, want, "{}", diff_statuses(&want, &got));
    assert_eq!(live["scope"]["services"], serde_json::json!(["cloudtrail", "config"]));

    // A selected check that reads one service of a collector's group (the Detective delegated-administrator check
    // reads GuardDuty) makes the collector read that service, not the group's others (Systems Manager).
    let (_, services) = collect(&["--services", "detective"]);
    assert!(services.contains("guardduty"), "{services:?}");
    assert!(!services.contains("ssm"), "Systems Manager read for no selected check: {services:?}");

    // `--services dynamodb`: DynamoDB's calls and the Lambda event source mappings its stream-readers check reads,
    // besides identity and region discovery; never the data group's other services (RDS, ElastiCache, EFS).
    let (snapshot, services) = collect(&["--services", "dynamodb"]);
    let allowed = ["dynamodb", "lambda", "sts", "account", "organizations"];
    let stray: Vec<&String> = services.iter().filter(|s| !allowed.contains(&s.as_str())).collect();
    assert!(stray.is_empty(), "calls outside DynamoDB and Lambda: {stray:?} (all: {services:?})");
    assert!(services.contains("dynamodb") && services.contains("lambda"), "{services:?}");
    let rds = &snapshot["accounts"][0]["regions"][0]["rds"];
    assert!(rds.to_string().contains("not_collected"), "RDS left out: {rds}");
}

/// An empty account: nothing seeded. Every check still says something about it — a failure for what must
/// exist (a trail, a recorder, alarms), `skipped` naming what it looked for where there is nothing to judge —
/// so an audit never goes quiet about a check in scope.
#[test]
fn an_empty_account_gets_a_finding_from_every_check() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let checks = run(dopaudit_command(std::time::Duration::from_secs(60)).args(["checks", "--format", "json"])).json();
    let audit = run(dopaudit_live(&moto, &["audit", "--regions", REGIONS, "--format", "json"]));
    audit.expect_code(1);
    let report = audit.json();
    let findings = findings(&report);
    let ids: Vec<&str> = checks.as_array().expect("a list of checks").iter().map(|c| text(c, "id")).collect();
    assert!(ids.len() >= 100, "{} checks", ids.len());
    let silent: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| !findings.iter().any(|f| f["check_id"] == *id && text(f, "account") == ACCOUNT))
        .collect();
    assert!(silent.is_empty(), "checks with no finding for the empty account: {silent:?}");
    // What must exist is a failure, not "nothing to look at".
    for check in ["cloudtrail-multi-region-trail", "cloudwatch-cloudtrail-alarms", "config-recorder-all-resources"] {
        assert!(
            findings.iter().any(|f| f["check_id"] == check && f["status"] == "fail"),
            "{check} should fail on an empty account"
        );
    }
    let skipped = the_finding(findings, "codebuild-privileged-mode", ACCOUNT, "global");
    assert_eq!(skipped["status"], "skipped");
    assert!(text(skipped, "message").contains("no CodeBuild projects in this account in the audited regions"));
}
