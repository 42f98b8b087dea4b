//! Acceptance: CloudFormation read live from moto (`scripts/test.sh`), judged stack by stack, with a plaintext
//! password that must never leave the account. Without moto these tests fail (they never skip).
//!
//! Account 123456789012, us-east-1:
//!
//! ```text
//! guarded-data  S3 bucket + DynamoDB table; termination protection, service role cfn-deployer, a stack policy
//!               denying Update:Replace/Delete on both; NoEcho parameter DbPassword
//! loose-data    S3 bucket; nothing of the above; plain parameters AdminPassword (= SECRET) and Environment
//! stateless     an SNS topic only (nothing stateful to guard); exports the topic's ARN
//! open-table    a DynamoDB table whose stack policy (SetStackPolicy) allows every update and denies nothing
//! baseline      a self-managed stack set, no instances
//! ```
//!
//! What moto 5.2.5 does here, and how the tests adapt:
//! - NoEcho is mis-implemented: `FakeStack.parameter_list` masks a value only when the *value* is the name of a
//!   NoEcho parameter (`v not in no_echo_parameter_keys`), so any other value comes back in plaintext. The seed
//!   passes DbPassword its own name as its value, which moto then shows as `****`, as AWS shows every NoEcho value,
//!   and checks that it does.
//! - DescribeStacks has no DriftInformation at all: the stored drift status stays absent, never `NOT_CHECKED` nor
//!   AWS's `UNKNOWN` (a detection that could not check).
//! - DetectStackDrift and ListImports are not implemented: moto answers them with an HTML 500 page.
//! - DisableRollback is accepted by CreateStack but ignored (moto sets `disable_rollback = False` on every stack),
//!   so every stack rolls back on failure here; the failing side of that check is left to the unit tests.
//! - UpdateTerminationProtection is not implemented either; termination protection is set at CreateStack.

mod common;

use std::collections::BTreeMap;
use std::sync::Mutex;

use aws_config::SdkConfig;
use aws_sdk_cloudformation::operation::create_stack::builders::CreateStackFluentBuilder;
use aws_sdk_cloudformation::types::{Parameter, StackStatus};
use common::*;
use dopaudit::snapshot::WITHHELD;
use serde_json::{json, Value};

/// The tests of this file share one moto: one at a time.
static LOCK: Mutex<()> = Mutex::new(());

const ACCOUNT: &str = MOTO_ACCOUNT;
const REGION: &str = "us-east-1";

/// The plaintext password loose-data is created with. moto hands it back in DescribeStacks (as AWS would);
/// dopaudit must keep it out of every snapshot, report and message.
const SECRET: &str = "Sup3r-S3cret-value";
/// loose-data's harmless parameter, kept as is in the snapshot.
const ENVIRONMENT: &str = "staging";
const DEPLOYER: &str = "arn:aws:iam::123456789012:role/cfn-deployer";
const GUARDED_BUCKET: &str = "dopaudit-guarded-data";
const LOOSE_BUCKET: &str = "dopaudit-loose-data";
const EXPORT: &str = "stateless-alerts-topic";
const STACK_SET: &str = "baseline";

/// The stack ids (ARNs) CreateStack returned, by stack.
struct Stacks {
    guarded: String,
    loose: String,
    stateless: String,
    open: String,
}

impl Stacks {
    /// (name, id) of every stack.
    fn all(&self) -> [(&'static str, &str); 4] {
        [
            ("guarded-data", &self.guarded),
            ("loose-data", &self.loose),
            ("stateless", &self.stateless),
            ("open-table", &self.open),
        ]
    }
}

fn table(name: &str) -> Value {
    json!({
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "TableName": name,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    })
}

fn parameter(key: &str, value: &str) -> Parameter {
    Parameter::builder().parameter_key(key).parameter_value(value).build()
}

/// Sends a CreateStack request under `name`; returns the new stack's id.
async fn create_stack(req: CreateStackFluentBuilder, name: &str) -> String {
    let out = req.stack_name(name).send().await.unwrap_or_else(|e| panic!("create stack {name}: {e:?}"));
    let id = out.stack_id().unwrap_or_else(|| panic!("stack {name}: no id")).to_owned();
    assert!(id.starts_with(&format!("arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{name}/")), "{name}: {id}");
    id
}

async fn seed(config: &SdkConfig) -> Stacks {
    let cfn = cloudformation_client(config, REGION);

    let guarded_template = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"DbPassword": {"Type": "String", "NoEcho": true}},
        "Resources": {
            "DataBucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": GUARDED_BUCKET}},
            "Ledger": table("guarded-data-ledger"),
        },
    });
    let guarded_policy = json!({"Statement": [
        {"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": ["Update:Replace", "Update:Delete"],
            "Principal": "*",
            "Resource": ["LogicalResourceId/DataBucket", "LogicalResourceId/Ledger"],
        },
    ]});
    let guarded = create_stack(
        cfn.create_stack()
            .template_body(guarded_template.to_string())
            .enable_termination_protection(true)
            .role_arn(DEPLOYER)
            .stack_policy_body(guarded_policy.to_string())
            // moto masks a NoEcho value only when it equals the parameter's name (see the module comment).
            .parameters(parameter("DbPassword", "DbPassword")),
        "guarded-data",
    )
    .await;

    let loose_template = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"AdminPassword": {"Type": "String"}, "Environment": {"Type": "String"}},
        "Resources": {"LooseBucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": LOOSE_BUCKET}}},
    });
    let loose = create_stack(
        cfn.create_stack()
            .template_body(loose_template.to_string())
            .parameters(parameter("AdminPassword", SECRET))
            .parameters(parameter("Environment", ENVIRONMENT)),
        "loose-data",
    )
    .await;

    let stateless_template = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Alerts": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "stateless-alerts"}}},
        "Outputs": {"AlertsTopic": {"Value": {"Ref": "Alerts"}, "Export": {"Name": EXPORT}}},
    });
    let stateless = create_stack(cfn.create_stack().template_body(stateless_template.to_string()), "stateless").await;

    let open_template = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Orders": table("open-table-orders")},
    });
    let open = create_stack(cfn.create_stack().template_body(open_template.to_string()), "open-table").await;
    let allow_all =
        json!({"Statement": [{"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"}]});
    cfn.set_stack_policy()
        .stack_name(&open)
        .stack_policy_body(allow_all.to_string())
        .send()
        .await
        .expect("set the stack policy of open-table");

    let set_template = json!({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}});
    cfn.create_stack_set()
        .stack_set_name(STACK_SET)
        .template_body(set_template.to_string())
        .send()
        .await
        .expect("create stack set baseline");

    // moto as dopaudit will read it: every stack complete, the NoEcho value masked, the plain one shown.
    let described = cfn.describe_stacks().send().await.expect("describe stacks");
    let by_name: BTreeMap<&str, &aws_sdk_cloudformation::types::Stack> =
        described.stacks().iter().map(|s| (s.stack_name().unwrap_or_default(), s)).collect();
    assert_eq!(by_name.keys().copied().collect::<Vec<_>>(), ["guarded-data", "loose-data", "open-table", "stateless"]);
    for (name, stack) in &by_name {
        assert_eq!(stack.stack_status(), Some(&StackStatus::CreateComplete), "{name}");
    }
    let params = |name: &str| -> Vec<(String, String)> {
        by_name[name]
            .parameters()
            .iter()
            .map(|p| {
                (p.parameter_key().unwrap_or_default().to_owned(), p.parameter_value().unwrap_or_default().to_owned())
            })
            .collect()
    };
    assert_eq!(params("guarded-data"), [("DbPassword".to_owned(), "****".to_owned())], "moto masks NoEcho");
    let mut loose_params = params("loose-data");
    loose_params.sort();
    assert_eq!(
        loose_params,
        [("AdminPassword".to_owned(), SECRET.to_owned()), ("Environment".to_owned(), ENVIRONMENT.to_owned())],
        "moto shows a plain parameter's value, so keeping it out of the output is dopaudit's doing"
    );
    assert_eq!(by_name["guarded-data"].enable_termination_protection(), Some(true));
    assert_eq!(by_name["guarded-data"].role_arn(), Some(DEPLOYER));

    // The stacks really built their buckets.
    let s3 = s3_client(config, REGION);
    for bucket in [GUARDED_BUCKET, LOOSE_BUCKET] {
        s3.head_bucket().bucket(bucket).send().await.unwrap_or_else(|e| panic!("bucket {bucket}: {e:?}"));
    }

    Stacks { guarded, loose, stateless, open }
}

/// Every CloudFormation finding the audit must give, by place; no other may appear. The same with or without
/// `--detect-drift`: moto can tell no drift either way.
fn expected(s: &Stacks) -> BTreeMap<FindingKey, String> {
    let mut want = BTreeMap::new();
    let mut put = |check: &str, resource: &str, status: &str| {
        let key = (format!("cloudformation-{check}"), ACCOUNT.to_owned(), REGION.to_owned(), resource.to_owned());
        assert!(want.insert(key, status.to_owned()).is_none(), "{check} {resource} expected twice");
    };
    for (_, id) in s.all() {
        // Nothing stored (moto keeps no DriftInformation) and, with --detect-drift, nothing detected.
        put("stack-drift", id, "unknown");
        // No drift information means no time of a last detection either: its age cannot be told.
        put("drift-stale", id, "unknown");
        put("stack-failed-state", id, "pass");
        // moto ignores DisableRollback: every stack rolls back.
        put("rollback-disabled", id, "pass");
    }
    put("termination-protection", &s.guarded, "pass");
    put("service-role", &s.guarded, "pass");
    for id in [&s.loose, &s.stateless, &s.open] {
        put("termination-protection", id, "fail");
        put("service-role", id, "fail");
    }
    put("stack-policy", &s.guarded, "pass");
    put("stack-policy", &s.loose, "fail");
    put("stack-policy", &s.stateless, "skipped");
    put("stack-policy", &s.open, "fail");
    put("secret-parameters", &s.guarded, "pass");
    put("secret-parameters", &s.loose, "fail");
    put("secret-parameters", &s.stateless, "pass");
    put("secret-parameters", &s.open, "pass");
    // ListImports is not implemented by moto: who imports the export is unread.
    put("exports-in-use", EXPORT, "unknown");
    // Self-managed, outside any organization.
    put("stackset-service-managed", STACK_SET, "skipped");
    put("stackset-auto-deployment", STACK_SET, "skipped");
    want
}

/// The report's CloudFormation findings by place.
#[track_caller]
fn cloudformation_statuses(report: &Value) -> BTreeMap<FindingKey, String> {
    statuses_by_place(findings(report))
        .into_iter()
        .filter(|((check, ..), _)| check.starts_with("cloudformation-"))
        .collect()
}

#[track_caller]
fn assert_statuses(report: &Value, want: &BTreeMap<FindingKey, String>, what: &str) {
    let got = cloudformation_statuses(report);
    assert!(&got == want, "{what}: CloudFormation findings differ:\n{}", diff_statuses(want, &got));
}

/// The one finding of `check` on `resource`.
#[track_caller]
fn finding_at<'a>(report: &'a Value, check: &str, resource: &str) -> &'a Value {
    the_finding_on(findings(report), check, resource)
}

#[track_caller]
fn message<'a>(report: &'a Value, check: &str, resource: &str) -> &'a str {
    text(finding_at(report, check, resource), "message")
}

/// Panics when `output` holds the secret, or a piece of it: the table wraps long words at hyphens, which would
/// hide a leak from a search for the whole value.
#[track_caller]
fn assert_no_secret(what: &str, output: &str) {
    for piece in [SECRET, "Sup3r", "S3cret"] {
        if let Some(at) = output.find(piece) {
            let context: String = output[at..].chars().take(200).collect();
            panic!("{what} leaks the plaintext secret ({piece:?} at byte {at}): {context}…");
        }
    }
}

/// A run's stdout and stderr hold no piece of the secret.
#[track_caller]
fn assert_run_keeps_the_secret(run: &Run) {
    assert_no_secret(&format!("stdout of {}", run.args), &run.stdout);
    assert_no_secret(&format!("stderr of {}", run.args), &run.stderr);
}

/// `collect --regions us-east-1 -o DIR/NAME [extra]`, checked for the secret in its output and in the file as
/// written; returns the snapshot's path and its JSON.
#[track_caller]
fn collect(moto: &str, dir: &std::path::Path, name: &str, extra: &[&str]) -> (std::path::PathBuf, Value) {
    let path = dir.join(name);
    let mut args = vec!["collect", "--regions", REGION, "-o", path.to_str().expect("UTF-8 temp path")];
    args.extend_from_slice(extra);
    let out = run(dopaudit_live(moto, &args));
    out.expect_code(0);
    assert!(out.stdout.is_empty(), "collect -o FILE prints nothing on stdout: {}", out.stdout);
    assert_run_keeps_the_secret(&out);
    let raw = std::fs::read_to_string(&path).expect("snapshot written");
    assert_no_secret(&format!("snapshot {name}"), &raw);
    let snapshot = serde_json::from_str(&raw).expect("the snapshot is JSON");
    (path, snapshot)
}

/// The snapshot's stacks in us-east-1, by name.
#[track_caller]
fn snapshot_stacks(snapshot: &Value) -> BTreeMap<&str, &Value> {
    let accounts = snapshot["accounts"].as_array().expect("accounts");
    assert_eq!(accounts.len(), 1, "one account: {accounts:#?}");
    let regions = accounts[0]["regions"].as_array().expect("regions");
    let region = regions.iter().find(|r| r["region"] == REGION).expect("us-east-1 collected");
    let cfn = &region["cloudformation"];
    assert_eq!(cfn["status"], "ok", "CloudFormation collected: {cfn:#}");
    let stacks = cfn["data"]["stacks"].as_array().expect("stacks");
    stacks.iter().map(|s| (text(s, "name"), s)).collect()
}

/// CloudFormation operations the collection called, as operation → (calls, errors).
#[track_caller]
fn cloudformation_calls(snapshot: &Value) -> BTreeMap<String, (u64, u64)> {
    let calls = snapshot["collection"]["calls"].as_array().expect("collection.calls");
    calls
        .iter()
        .filter(|c| c["service"] == "cloudformation")
        .map(|c| {
            let count = |field: &str| c[field].as_u64().unwrap_or_else(|| panic!("{field} of {c}"));
            (text(c, "operation").to_owned(), (count("calls"), count("errors")))
        })
        .collect()
}

/// The operations that start or read a drift detection.
const DRIFT_OPERATIONS: [&str; 3] =
    ["DetectStackDrift", "DescribeStackDriftDetectionStatus", "DescribeStackResourceDrifts"];

#[test]
fn each_stack_is_judged_at_its_id() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let s = block_on(async { seed(&sdk_config(&moto).await).await });

    let audit = run(dopaudit_live(&moto, &["audit", "--regions", REGION, "--format", "json"]));
    audit.expect_code(1);
    assert_run_keeps_the_secret(&audit);
    let report = audit.json();
    assert_statuses(&report, &expected(&s), "live audit");

    // Termination protection and the service role: guarded-data has both, loose-data neither.
    assert_eq!(
        message(&report, "cloudformation-termination-protection", &s.guarded),
        "stack guarded-data has termination protection on"
    );
    let m = message(&report, "cloudformation-termination-protection", &s.loose);
    assert!(m.starts_with("stack loose-data has termination protection off: one DeleteStack call removes it"), "{m}");
    let m = message(&report, "cloudformation-service-role", &s.guarded);
    assert_eq!(m, format!("stack guarded-data deploys through service role {DEPLOYER}"));
    let role = &finding_at(&report, "cloudformation-service-role", &s.loose)["evidence"]["role_arn"];
    assert!(role.is_null(), "loose-data has no role: {role}");
    assert!(
        message(&report, "cloudformation-service-role", &s.loose).starts_with("stack loose-data has no service role")
    );

    // Stack policies, named by the stateful resources they guard or leave open.
    let m = message(&report, "cloudformation-stack-policy", &s.guarded);
    assert_eq!(
        m,
        "the stack policy of stack guarded-data denies replacing and deleting DataBucket (AWS::S3::Bucket), Ledger (AWS::DynamoDB::Table)"
    );
    let m = message(&report, "cloudformation-stack-policy", &s.loose);
    assert_eq!(
        m,
        "stack loose-data has no stack policy: any update may replace or delete LooseBucket (AWS::S3::Bucket)"
    );
    let m = message(&report, "cloudformation-stack-policy", &s.stateless);
    assert_eq!(m, "not applicable: stack stateless holds no stateful resource");
    let m = message(&report, "cloudformation-stack-policy", &s.open);
    assert_eq!(
        m,
        "the stack policy of stack open-table lets an update replace or delete Orders (AWS::DynamoDB::Table: Update:Replace, Update:Delete)"
    );

    // Secret-looking parameters: keys and how they are passed, never a value.
    let f = finding_at(&report, "cloudformation-secret-parameters", &s.guarded);
    assert_eq!(
        text(f, "message"),
        "stack guarded-data passes its secret-looking parameters masked (NoEcho) or by reference: DbPassword"
    );
    assert_eq!(
        f["evidence"]["secret_looking_parameters"],
        json!([{"key": "DbPassword", "passed_as": "no_echo", "credential_shaped_value": false}])
    );
    let f = finding_at(&report, "cloudformation-secret-parameters", &s.loose);
    assert_eq!(
        text(f, "message"),
        "stack loose-data passes 1 secret-looking parameter in plaintext, readable by anyone allowed to describe the stack: AdminPassword"
    );
    // Environment does not look like a secret and is not judged.
    assert_eq!(
        f["evidence"]["secret_looking_parameters"],
        json!([{"key": "AdminPassword", "passed_as": "plaintext", "credential_shaped_value": false}])
    );

    // Drift: nothing stored and nothing detected, so unknown, pointing to --detect-drift; and, with no time of a last
    // detection, when it was last checked is unknown too (not "never").
    for (name, id) in s.all() {
        let f = finding_at(&report, "cloudformation-stack-drift", id);
        assert_eq!(
            text(f, "message"),
            format!(
                "drift of stack {name} is unknown: DescribeStacks gave no drift information for it; run dopaudit with --detect-drift to check it"
            )
        );
        assert_eq!(f["evidence"]["stored_drift"], json!({}), "{name}");
        assert!(f["evidence"]["detection"].is_null(), "{name}: no detection without the flag: {f:#}");
        assert_eq!(
            message(&report, "cloudformation-drift-stale", id),
            format!(
                "DescribeStacks gave no drift information for stack {name}: when drift was last checked cannot be told"
            )
        );
    }

    // The export is found; who imports it is not (moto lacks ListImports), which is unknown, not "nobody".
    let f = finding_at(&report, "cloudformation-exports-in-use", EXPORT);
    let error = &f["evidence"]["collection_error"];
    assert_eq!((&error["kind"], &error["permission"]), (&json!("unsupported"), &json!("cloudformation:ListImports")));
    assert!(text(f, "message").starts_with("could not be evaluated: "), "{f:#}");

    let m = message(&report, "cloudformation-stackset-service-managed", STACK_SET);
    assert_eq!(m, "not applicable: the account is not in an organization");
    let m = message(&report, "cloudformation-stackset-auto-deployment", STACK_SET);
    assert!(m.starts_with("not applicable: stack set baseline is self-managed"), "{m}");

    // The table, with the notes and fixes under each failure, names the parameter and not its value.
    let table = run(dopaudit_live(&moto, &["audit", "--regions", REGION, "--format", "table", "--explain"]));
    table.expect_code(1);
    assert_run_keeps_the_secret(&table);
    assert!(table.stdout.contains("AdminPassword"), "the table shows the failing parameter:\n{}", table.stdout);
}

#[test]
fn a_snapshot_withholds_the_plaintext_secret_and_keeps_everything_else() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let s = block_on(async { seed(&sdk_config(&moto).await).await });
    let dir = tempfile::tempdir().expect("temp dir");
    // `collect` checks the file, stdout and stderr for the secret.
    let (path, snapshot) = collect(&moto, dir.path(), "snap.json", &[]);

    let stacks = snapshot_stacks(&snapshot);
    assert_eq!(stacks.keys().copied().collect::<Vec<_>>(), ["guarded-data", "loose-data", "open-table", "stateless"]);
    for (name, id) in s.all() {
        assert_eq!(stacks[name]["id"], id, "{name}");
        // Without --detect-drift no detection is run, nor recorded.
        assert!(stacks[name].get("detection").is_none(), "{name}: {:#}", stacks[name]);
    }
    // The plaintext password is withheld; the NoEcho mask and the harmless parameter stay as AWS shows them.
    assert_eq!(
        stacks["loose-data"]["parameters"],
        json!([
            {"key": "AdminPassword", "value": WITHHELD, "value_looks_secret": false},
            {"key": "Environment", "value": ENVIRONMENT, "value_looks_secret": false}
        ])
    );
    assert_eq!(
        stacks["guarded-data"]["parameters"],
        json!([{"key": "DbPassword", "value": "****", "value_looks_secret": false}])
    );
    assert_eq!(stacks["guarded-data"]["termination_protection"], true);
    assert_eq!(stacks["guarded-data"]["role_arn"], DEPLOYER);
    assert!(stacks["loose-data"].get("role_arn").is_none(), "{:#}", stacks["loose-data"]);
    let resources = &stacks["loose-data"]["resources"];
    assert_eq!(
        resources,
        &json!({"status": "ok", "data": [
            {"logical_id": "LooseBucket", "physical_id": LOOSE_BUCKET, "resource_type": "AWS::S3::Bucket"},
        ]}),
    );
    assert_eq!(stacks["loose-data"]["stack_policy"], json!({"status": "ok", "data": null}));

    // Without --detect-drift, drift detection is neither started nor polled.
    let calls = cloudformation_calls(&snapshot);
    assert_eq!(calls.get("DescribeStacks"), Some(&(1, 0)), "{calls:?}");
    for op in DRIFT_OPERATIONS {
        assert!(!calls.contains_key(op), "{op} called without --detect-drift: {calls:?}");
    }

    // Offline, the snapshot gives the live findings: a withheld value still reads as passed in plaintext.
    let snap = path.to_str().expect("UTF-8 temp path");
    let offline = run(dopaudit_command(RUN_TIMEOUT).args(["audit", "--snapshot", snap, "--format", "json"]));
    offline.expect_code(1);
    assert_run_keeps_the_secret(&offline);
    let report = offline.json();
    assert_statuses(&report, &expected(&s), "audit of the snapshot");
    let m = message(&report, "cloudformation-secret-parameters", &s.loose);
    assert!(m.ends_with("in plaintext, readable by anyone allowed to describe the stack: AdminPassword"), "{m}");
    let table =
        run(dopaudit_command(RUN_TIMEOUT).args(["audit", "--snapshot", snap, "--format", "table", "--explain"]));
    table.expect_code(1);
    assert_run_keeps_the_secret(&table);
}

#[test]
fn drift_detection_runs_only_when_asked_and_an_unread_result_is_unknown() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let s = block_on(async { seed(&sdk_config(&moto).await).await });
    let dir = tempfile::tempdir().expect("temp dir");
    let (path, snapshot) = collect(&moto, dir.path(), "drift.json", &["--detect-drift"]);

    // One DetectStackDrift per stack; moto answers each with an HTML 500, so no detection starts and none is polled.
    let calls = cloudformation_calls(&snapshot);
    assert_eq!(calls.get("DetectStackDrift"), Some(&(4, 4)), "{calls:?}");
    for op in &DRIFT_OPERATIONS[1..] {
        assert!(!calls.contains_key(*op), "{op} called though no detection started: {calls:?}");
    }
    // Each stack records its detection as failed, with why, and no result that could read as "in sync".
    for (name, stack) in snapshot_stacks(&snapshot) {
        let d = &stack["detection"];
        assert_eq!(d["status"], "DETECTION_FAILED", "{name}: {d:#}");
        assert!(d.get("stack_drift_status").is_none() && d.get("detection_id").is_none(), "{name}: {d:#}");
        assert!(text(d, "reason").contains("cloudformation:DetectStackDrift"), "{name}: {d:#}");
        let drifted = &d["drifted_resources"];
        assert_eq!(drifted["status"], "error", "{name}: {d:#}");
        assert_eq!(drifted["error"]["kind"], "unsupported", "{name}: {d:#}");
        assert_eq!(drifted["error"]["permission"], "cloudformation:DetectStackDrift", "{name}: {d:#}");
    }

    // Every CloudFormation call made is one the policy for --detect-drift grants; DetectStackDrift only by the
    // drift statement.
    let policy = iam_policy(&["--detect-drift"]);
    let (read, drift) = (statement(&policy, "DopauditReadOnly"), statement(&policy, "DopauditDriftDetection"));
    for op in calls.keys() {
        let action = json!(format!("cloudformation:{op}"));
        let granted_by_read = read["Action"].as_array().expect("actions").contains(&action);
        assert_eq!(granted_by_read, op != "DetectStackDrift", "{action} in DopauditReadOnly");
        assert!(granted_by_read || drift["Action"].as_array().expect("actions").contains(&action), "{action}");
    }

    // The failed detection decides the drift check: unknown, saying why, never a pass.
    let snap = path.to_str().expect("UTF-8 temp path");
    let offline = run(dopaudit_command(RUN_TIMEOUT).args(["audit", "--snapshot", snap, "--format", "json"]));
    offline.expect_code(1);
    assert_run_keeps_the_secret(&offline);
    let live = run(dopaudit_live(&moto, &["audit", "--regions", REGION, "--detect-drift", "--format", "json"]));
    live.expect_code(1);
    assert_run_keeps_the_secret(&live);
    for (what, report) in
        [("the --detect-drift snapshot", offline.json()), ("a live --detect-drift audit", live.json())]
    {
        assert_statuses(&report, &expected(&s), what);
        for (name, id) in s.all() {
            let f = finding_at(&report, "cloudformation-stack-drift", id);
            let m = text(f, "message");
            assert!(
                m.starts_with(&format!("drift of stack {name} is unknown: drift detection failed: ")),
                "{what}: {m}"
            );
            assert!(m.contains("cloudformation:DetectStackDrift"), "{what}: {m}");
            assert_eq!(f["evidence"]["detection"]["status"], "DETECTION_FAILED", "{what}: {f:#}");
            // A detection that never ran does not count as a recent check either.
            assert_eq!(
                message(&report, "cloudformation-drift-stale", id),
                format!(
                    "DescribeStacks gave no drift information for stack {name}: when drift was last checked cannot be told"
                ),
                "{what}"
            );
        }
    }
}

/// The policy's statement with this Sid; panics unless there is exactly one.
#[track_caller]
fn statement<'a>(policy: &'a Value, sid: &str) -> &'a Value {
    let statements = policy["Statement"].as_array().unwrap_or_else(|| panic!("no Statement array: {policy:#}"));
    match statements.iter().filter(|s| s["Sid"] == sid).collect::<Vec<_>>().as_slice() {
        [one] => one,
        other => panic!("expected one statement {sid}, found {}: {policy:#}", other.len()),
    }
}

#[test]
fn iam_policy_grants_drift_detection_in_a_statement_of_its_own() {
    // The policy needs no AWS, but this file's tests share one moto: it waits its turn like the others.
    let (_guard, _moto) = exclusive_moto(&LOCK);

    let policy = iam_policy(&["--detect-drift"]);
    let statements = policy["Statement"].as_array().expect("Statement array");
    assert_eq!(statements.len(), 2, "read-only and drift detection: {policy:#}");
    assert_eq!(
        statement(&policy, "DopauditDriftDetection"),
        &json!({
            "Sid": "DopauditDriftDetection",
            "Effect": "Allow",
            "Action": ["cloudformation:DetectStackDrift"],
            "Resource": "*",
        })
    );
    // Reading a detection's results is read-only, and granted with the rest.
    let read = statement(&policy, "DopauditReadOnly")["Action"].as_array().expect("actions");
    for action in ["cloudformation:DescribeStackDriftDetectionStatus", "cloudformation:DescribeStackResourceDrifts"] {
        assert!(read.contains(&json!(action)), "{action} in DopauditReadOnly");
    }
    assert!(!read.contains(&json!("cloudformation:DetectStackDrift")), "DetectStackDrift is not read-only");

    // Without the flag the policy never lets anyone start a detection.
    let plain = iam_policy(&[]);
    assert_eq!(plain["Statement"].as_array().expect("Statement array").len(), 1, "{plain:#}");
    assert!(!plain.to_string().contains("DetectStackDrift"), "{plain:#}");
    assert_eq!(statement(&plain, "DopauditReadOnly")["Action"], statement(&policy, "DopauditReadOnly")["Action"]);
}
