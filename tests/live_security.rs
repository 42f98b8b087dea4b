//! Acceptance: the security group's checks (IAM, GuardDuty, Systems Manager and the organization-level set-up of
//! RAM, Control Tower, Firewall Manager and Detective) against the moto emulator (`scripts/test.sh`). Without moto
//! these tests fail (they never skip).
//!
//! The organization: moto's default account (management) and two members, `tooling` (GuardDuty's delegated
//! administrator) and `workload`. Regions us-east-1 and eu-west-1.
//!
//! ```text
//! organization  trusted access for RAM, Control Tower, Firewall Manager and GuardDuty; tooling administers
//!               GuardDuty; SCP aws-guardrails-AbCd12 attached to the root; no Detective administrator
//! management    strong password policy; users alice (console + MFA), bob (console, no MFA), ci (access key);
//!               GuardDuty detector in us-east-1 only; Session Manager preferences (S3) in us-east-1 only;
//!               AWS Config recording in us-east-1 only
//! tooling       nothing (no password policy)
//! workload      a weak password policy (8 characters); a suspended GuardDuty detector in us-east-1
//! ```
//!
//! What moto 5.2.5 lacks, and so comes out `unknown`: GuardDuty's ListIPSets (trusted IP lists), Systems Manager's
//! GetServiceSetting (Default Host Management) and DescribeInstanceInformation (managed nodes). moto's credential
//! report always says it was generated on 2015-02-02, so every user's credentials look fresh to it: the failing side
//! of the unused-credentials check is left to the unit tests.

mod common;

use std::sync::Mutex;

use aws_config::{Region, SdkConfig};
use common::*;
use serde_json::Value;

/// The tests of this file share one moto: one at a time.
static LOCK: Mutex<()> = Mutex::new(());

const MANAGEMENT: &str = MOTO_ACCOUNT;
const REGIONS: &str = "us-east-1,eu-west-1";
const GUARDRAIL_SCP: &str = "aws-guardrails-AbCd12";
const SESSION_BUCKET: &str = "dopaudit-session-logs";

struct Org {
    id: String,
    tooling: String,
    workload: String,
    /// The management account's detector in us-east-1, and the workload's (suspended) one.
    management_detector: String,
    workload_detector: String,
}

fn iam_client(config: &SdkConfig) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::new(config)
}

fn guardduty_client(config: &SdkConfig, region: &str) -> aws_sdk_guardduty::Client {
    let conf = aws_sdk_guardduty::config::Builder::from(config).region(Region::new(region.to_owned())).build();
    aws_sdk_guardduty::Client::from_conf(conf)
}

fn ssm_client(config: &SdkConfig, region: &str) -> aws_sdk_ssm::Client {
    let conf = aws_sdk_ssm::config::Builder::from(config).region(Region::new(region.to_owned())).build();
    aws_sdk_ssm::Client::from_conf(conf)
}

async fn create_detector(config: &SdkConfig, region: &str, enable: bool) -> String {
    let out = guardduty_client(config, region)
        .create_detector()
        .enable(enable)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create GuardDuty detector in {region}: {e:?}"));
    out.detector_id().expect("new detector id").to_owned()
}

async fn create_user(iam: &aws_sdk_iam::Client, name: &str, console: bool) {
    iam.create_user().user_name(name).send().await.unwrap_or_else(|e| panic!("create user {name}: {e:?}"));
    if console {
        iam.create_login_profile()
            .user_name(name)
            .password("Corr3ct-Horse-Battery!")
            .send()
            .await
            .unwrap_or_else(|e| panic!("create login profile for {name}: {e:?}"));
    }
}

/// The management account's IAM: a strong policy, a console user with MFA, one without, and an API-only user.
async fn seed_management_iam(config: &SdkConfig) {
    let iam = iam_client(config);
    iam.update_account_password_policy()
        .minimum_password_length(14)
        .require_symbols(true)
        .require_numbers(true)
        .require_uppercase_characters(true)
        .require_lowercase_characters(true)
        .allow_users_to_change_password(true)
        .password_reuse_prevention(24)
        .send()
        .await
        .expect("set the management password policy");
    create_user(&iam, "alice", true).await;
    let device = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("alice")
        .send()
        .await
        .expect("create alice's MFA device");
    let serial = device.virtual_mfa_device().map(|d| d.serial_number()).expect("MFA serial").to_owned();
    iam.enable_mfa_device()
        .user_name("alice")
        .serial_number(serial)
        .authentication_code1("123456")
        .authentication_code2("654321")
        .send()
        .await
        .expect("enable alice's MFA device");
    create_user(&iam, "bob", true).await;
    create_user(&iam, "ci", false).await;
    iam.create_access_key().user_name("ci").send().await.expect("create ci's access key");
}

fn seed(moto: &str) -> Org {
    block_on(async {
        let management = sdk_config(moto).await;
        let (id, members) = create_organization(&management, &["tooling", "workload"]).await;
        let (tooling, workload) = (members[0].clone(), members[1].clone());

        let org = aws_sdk_organizations::Client::new(&management);
        for principal in
            ["ram.amazonaws.com", "controltower.amazonaws.com", "fms.amazonaws.com", "guardduty.amazonaws.com"]
        {
            org.enable_aws_service_access()
                .service_principal(principal)
                .send()
                .await
                .unwrap_or_else(|e| panic!("trusted access for {principal}: {e:?}"));
        }
        org.register_delegated_administrator()
            .account_id(&tooling)
            .service_principal("guardduty.amazonaws.com")
            .send()
            .await
            .expect("register tooling as GuardDuty administrator");
        let roots = org.list_roots().send().await.expect("list roots");
        let root = roots.roots().first().and_then(|r| r.id()).expect("the organization's root").to_owned();
        org.enable_policy_type()
            .root_id(&root)
            .policy_type(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
            .send()
            .await
            .expect("enable SCPs on the root");
        let guardrail = org
            .create_policy()
            .name(GUARDRAIL_SCP)
            .description("Control Tower preventive controls (seeded)")
            .r#type(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
            .content(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"cloudtrail:StopLogging","Resource":"*"}]}"#)
            .send()
            .await
            .expect("create the guardrail SCP");
        let policy_id = guardrail.policy().and_then(|p| p.policy_summary()).and_then(|s| s.id()).expect("policy id");
        org.attach_policy().policy_id(policy_id).target_id(&root).send().await.expect("attach the guardrail SCP");

        seed_management_iam(&management).await;
        let management_detector = create_detector(&management, "us-east-1", true).await;
        create_bucket(&management, "us-east-1", SESSION_BUCKET).await;
        let content = format!(
            r#"{{"schemaVersion":"1.0","description":"Session Manager preferences","sessionType":"Standard_Stream",
                "inputs":{{"s3BucketName":"{SESSION_BUCKET}","s3KeyPrefix":"sessions/","s3EncryptionEnabled":true,
                "cloudWatchLogGroupName":"","cloudWatchEncryptionEnabled":true,"cloudWatchStreamingEnabled":false,
                "kmsKeyId":"","runAsEnabled":false,"idleSessionTimeout":"20"}}}}"#
        );
        ssm_client(&management, "us-east-1")
            .create_document()
            .name("SSM-SessionManagerRunShell")
            .document_type(aws_sdk_ssm::types::DocumentType::Session)
            .document_format(aws_sdk_ssm::types::DocumentFormat::Json)
            .content(content)
            .send()
            .await
            .expect("create the Session Manager preferences");
        create_bucket(&management, "us-east-1", "dopaudit-config").await;
        enable_config(&management, "us-east-1", MANAGEMENT, "dopaudit-config", true).await;

        let w = assume_member(moto, &workload).await;
        iam_client(&w)
            .update_account_password_policy()
            .minimum_password_length(8)
            .require_numbers(true)
            .send()
            .await
            .expect("set the workload's weak password policy");
        let workload_detector = create_detector(&w, "us-east-1", false).await;

        Org { id, tooling, workload, management_detector, workload_detector }
    })
}

/// The one finding of `check` at (account, region, resource).
#[track_caller]
fn finding<'a>(findings: &'a [Value], check: &str, account: &str, region: &str, resource: &str) -> &'a Value {
    let matching: Vec<&Value> = findings
        .iter()
        .filter(|f| {
            text(f, "check_id") == check
                && text(f, "account") == account
                && text(f, "region") == region
                && text(f, "resource") == resource
        })
        .collect();
    match matching.as_slice() {
        [one] => one,
        other => panic!("expected one {check} finding at {account} {region} {resource}, found {other:#?}"),
    }
}

#[track_caller]
fn assert_status(f: &Value, status: &str, needle: &str) {
    assert_eq!(f["status"], status, "{f:#}");
    assert!(text(f, "message").contains(needle), "message should contain {needle:?}: {f:#}");
}

/// Collects the organization into a snapshot (checking which IAM calls were made), then audits the snapshot.
fn collect_and_audit(moto: &str, extra: &[&str]) -> (Value, Value) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("snapshot.json");
    let path_arg = path.to_str().expect("UTF-8 temp path");
    let mut args = vec!["collect", "--regions", REGIONS, "--integrity-window", "0", "-o", path_arg];
    args.extend_from_slice(extra);
    run(dopaudit_live(moto, &args)).expect_code(0);
    let snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("snapshot written")).expect("snapshot JSON");
    let audit = run(dopaudit_command(RUN_TIMEOUT).args(["audit", "--snapshot", path_arg, "--format", "json"]));
    audit.expect_code(1);
    (snapshot, audit.json())
}

/// How many times the collection called `service:operation`.
fn calls(snapshot: &Value, service: &str, operation: &str) -> u64 {
    snapshot["collection"]["calls"]
        .as_array()
        .expect("collection.calls")
        .iter()
        .filter(|c| c["service"] == service && c["operation"] == operation)
        .filter_map(|c| c["calls"].as_u64())
        .sum()
}

#[test]
fn organization_audit_judges_iam_guardduty_ssm_and_the_organization() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let org = seed(&moto);
    let (m, t, w) = (MANAGEMENT, org.tooling.as_str(), org.workload.as_str());

    let (snapshot, report) = collect_and_audit(&moto, &["--org"]);
    let findings = findings(&report);
    assert_eq!(calls(&snapshot, "iam", "GenerateCredentialReport"), 0, "not without --credential-report");
    assert_eq!(calls(&snapshot, "iam", "GetCredentialReport"), 3, "one read per account");
    // Every call this group makes is a read that `dopaudit iam-policy` grants.
    let policy = iam_policy(&[]);
    let granted: Vec<&str> = policy["Statement"][0]["Action"]
        .as_array()
        .expect("the policy's actions")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let ours = recorded_actions(&snapshot, &["iam", "guardduty", "ssm"]);
    for action in ["guardduty:ListDetectors", "guardduty:ListIPSets", "ssm:GetDocument", "iam:GetAccountSummary"] {
        assert!(ours.iter().any(|a| a == action), "{action} was called: {ours:?}");
    }
    let undeclared: Vec<&String> = ours.iter().filter(|a| !granted.contains(&a.as_str())).collect();
    assert!(undeclared.is_empty(), "calls the IAM policy does not grant: {undeclared:?}");

    // IAM: the root user has no key but no MFA anywhere; only the management account has a strong policy.
    // Centralized root access (iam:ListOrganizationsFeatures) is asked once, from the caller's (management) account;
    // moto does not implement it, so it is a recorded error: the members' rootless-but-MFA-less roots are unknown
    // (moto's summary has no AccountPasswordPresent either), the management account's root fails regardless.
    assert_eq!(calls(&snapshot, "iam", "ListOrganizationsFeatures"), 1, "asked from the caller's account only");
    let caller = snapshot["accounts"].as_array().and_then(|l| l.iter().find(|a| a["account_id"] == m));
    let features = &caller.expect("the management account")["iam"]["data"]["organizations_features"];
    assert_eq!(features["status"], "error", "{features}");
    assert_eq!(features["error"]["permission"], "iam:ListOrganizationsFeatures");
    for account in [m, t, w] {
        assert_status(finding(findings, "iam-root-access-keys", account, "global", account), "pass", "no access key");
        let mfa = finding(findings, "iam-root-mfa", account, "global", account);
        if account == m {
            assert_status(mfa, "fail", "never the management account");
        } else {
            assert_status(mfa, "unknown", "iam:ListOrganizationsFeatures");
        }
        assert_eq!(mfa["evidence"]["account_mfa_enabled"], 0);
        // No credential report exists and none may be generated without the flag: unknown, saying how to get one.
        for check in ["iam-unused-credentials", "iam-user-mfa"] {
            let f = finding(findings, check, account, "global", account);
            assert_status(f, "unknown", "--credential-report");
        }
    }
    let strong = finding(findings, "iam-password-policy", m, "global", m);
    assert_status(strong, "pass", "14 characters");
    assert_eq!(strong["evidence"]["password_reuse_prevention"], 24);
    assert_status(finding(findings, "iam-password-policy", t, "global", t), "fail", "no password policy");
    let weak = finding(findings, "iam-password-policy", w, "global", w);
    assert_status(weak, "fail", "minimum length 8 (needs 14)");
    assert_eq!(weak["evidence"]["require_symbols"], false);

    // GuardDuty: one enabled detector (management, us-east-1), one suspended (workload, us-east-1), none elsewhere.
    let on = finding(findings, "guardduty-enabled", m, "us-east-1", &org.management_detector);
    assert_status(on, "pass", "is enabled");
    assert_eq!(on["evidence"]["status"], "ENABLED");
    let off = finding(findings, "guardduty-enabled", w, "us-east-1", &org.workload_detector);
    assert_status(off, "fail", "DISABLED");
    for (account, region) in [(m, "eu-west-1"), (t, "us-east-1"), (t, "eu-west-1"), (w, "eu-west-1")] {
        assert_status(finding(findings, "guardduty-enabled", account, region, account), "fail", "no detector");
        let lists = finding(findings, "guardduty-trusted-ip-lists", account, region, account);
        assert_status(lists, "skipped", "no GuardDuty detector");
    }
    // moto has no ListIPSets: where a detector exists, its trusted lists are unknown, naming the call.
    for (account, detector) in [(m, &org.management_detector), (w, &org.workload_detector)] {
        let lists = finding(findings, "guardduty-trusted-ip-lists", account, "us-east-1", detector);
        assert_status(lists, "unknown", "guardduty:ListIPSets");
    }

    // Systems Manager: Session Manager preferences only in the management account's us-east-1.
    let logging = finding(findings, "ssm-session-manager-logging", m, "us-east-1", m);
    assert_status(logging, "pass", &format!("s3://{SESSION_BUCKET}"));
    assert_eq!(logging["evidence"]["s3_encryption_enabled"], true);
    assert_eq!(logging["evidence"]["cloudwatch_log_group_name"], Value::Null, "an empty log group is none");
    for (account, region) in [(m, "eu-west-1"), (t, "us-east-1"), (t, "eu-west-1"), (w, "us-east-1"), (w, "eu-west-1")]
    {
        let f = finding(findings, "ssm-session-manager-logging", account, region, account);
        assert_status(f, "fail", "no Session Manager preferences");
    }
    // moto has neither GetServiceSetting nor DescribeInstanceInformation.
    for account in [m, t, w] {
        for region in ["us-east-1", "eu-west-1"] {
            let dhmc = finding(findings, "ssm-default-host-management", account, region, account);
            assert_status(dhmc, "unknown", "ssm:GetServiceSetting");
            let nodes = finding(findings, "ssm-managed-nodes", account, region, account);
            assert_status(nodes, "unknown", "ssm:DescribeInstanceInformation");
        }
    }

    // The organization, judged once, against the management account.
    let admin = finding(findings, "guardduty-delegated-admin", m, "global", &org.id);
    assert_status(admin, "pass", &format!("account {t} is the delegated GuardDuty administrator"));
    assert_eq!(admin["evidence"]["delegated_administrators"], serde_json::json!([t]));
    assert_eq!(admin["evidence"]["trusted_access"], true);
    let detective = finding(findings, "detective-delegated-admin", m, "global", &org.id);
    assert_status(detective, "fail", "no delegated Detective administrator");
    assert_eq!(detective["evidence"]["guardduty_administrators"], serde_json::json!([t]));
    assert_status(finding(findings, "ram-organization-sharing", m, "global", &org.id), "pass", "enabled");
    let tower = finding(findings, "control-tower-guardrails", m, "global", &org.id);
    assert_status(tower, "pass", GUARDRAIL_SCP);
    let fms = finding(findings, "firewallmanager-prerequisites", m, "global", &org.id);
    assert_status(fms, "fail", "AWS Config is not recording");
    let not_recording: Vec<&str> = fms["evidence"]["config_not_recording"]
        .as_array()
        .expect("config_not_recording")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut want = vec![format!("{m}/eu-west-1")];
    for account in [t, w] {
        want.extend(["us-east-1", "eu-west-1"].map(|r| format!("{account}/{r}")));
    }
    // Each place says why: here, no recorder at all.
    assert!(not_recording.iter().all(|s| s.ends_with(" (no configuration recorder)")), "{fms:#}");
    let mut got: Vec<String> = not_recording.iter().map(|s| s.split(" (").next().unwrap_or(s).to_string()).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "{fms:#}");
    // Only the organization's findings: no member reports the organization-level checks.
    for check in ["guardduty-delegated-admin", "detective-delegated-admin", "ram-organization-sharing"] {
        assert_eq!(findings.iter().filter(|f| f["check_id"] == check).count(), 1, "{check}");
    }
}

#[test]
fn credential_report_is_generated_only_when_asked_and_then_judged() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    block_on(async { seed_management_iam(&sdk_config(&moto).await).await });

    let (snapshot, report) = collect_and_audit(&moto, &["--credential-report"]);
    assert!(calls(&snapshot, "iam", "GenerateCredentialReport") >= 1, "the opt-in generates the missing report");
    let findings = findings(&report);
    let user = |name: &str| format!("arn:aws:iam::{MANAGEMENT}:user/{name}");

    let alice = finding(findings, "iam-user-mfa", MANAGEMENT, "global", &user("alice"));
    assert_status(alice, "pass", "console user alice has an MFA device");
    let bob = finding(findings, "iam-user-mfa", MANAGEMENT, "global", &user("bob"));
    assert_status(bob, "fail", "console user bob signs in with a password only");
    assert_eq!(bob["evidence"]["mfa_active"], false);
    assert_eq!(
        findings.iter().filter(|f| f["check_id"] == "iam-user-mfa").count(),
        2,
        "ci has no console password: not judged"
    );

    // Every user was created moments ago: nothing is idle yet.
    for name in ["alice", "bob", "ci"] {
        let f = finding(findings, "iam-unused-credentials", MANAGEMENT, "global", &user(name));
        assert_eq!(f["status"], "pass", "{f:#}");
        assert_eq!(f["evidence"]["unused_after_days"], 90);
    }
    let ci = finding(findings, "iam-unused-credentials", MANAGEMENT, "global", &user("ci"));
    assert_eq!(ci["evidence"]["access_key_1_active"], true, "{ci:#}");
    assert_eq!(ci["evidence"]["access_key_1_last_used"], Value::Null, "never used: {ci:#}");
    assert_eq!(ci["evidence"]["password_enabled"], false);
    let bob = finding(findings, "iam-unused-credentials", MANAGEMENT, "global", &user("bob"));
    assert_eq!(bob["evidence"]["password_enabled"], true);
}
