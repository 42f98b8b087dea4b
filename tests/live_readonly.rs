//! Acceptance: a live collection is read-only, and every AWS call it makes is declared by `dopaudit iam-policy`.
//!
//! moto (`scripts/test.sh`) is seeded with as much as dopaudit reads: an organization with an OU and two members,
//! trails with event selectors in two regions, trail buckets with policies and object lock, AWS Config with rules
//! and an organization aggregator. Then `collect --org` runs over it, once for the whole organization and once
//! walking it by `--ou`, and the snapshots' `collection.calls` (every operation the tool made, recorded by an
//! interceptor on every client) are checked against an allow-list of read verbs and against the policy's actions.
//! As a second, independent witness, moto's own state must be unchanged by the collections.
//! Without moto these tests fail (they never skip).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use aws_config::SdkConfig;
use common::*;
use dopaudit::aws::recorder::{iam_action, is_read};
use serde_json::Value;

/// The tests of this file share one moto: one at a time.
static LOCK: Mutex<()> = Mutex::new(());

const MANAGEMENT: &str = MOTO_ACCOUNT;
const REGIONS: &str = "us-east-1,eu-west-1";

/// Operations that look like reads to an IAM policy reviewer, or are close to dopaudit's purpose, but start work or
/// change state in the account. They are not behind any flag yet, so a collection must never call them.
const NEVER: [&str; 3] = ["DetectStackDrift", "DetectStackResourceDrift", "GenerateCredentialReport"];

struct Seeded {
    root: String,
    member_a: String,
    member_b: String,
}

async fn seed_trail_bucket(config: &SdkConfig, region: &str, account: &str, name: &str, object_lock: bool) {
    let s3 = s3_client(config, region);
    let mut create = s3.create_bucket().bucket(name).object_lock_enabled_for_bucket(object_lock);
    if region != "us-east-1" {
        create = create.create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(region))
                .build(),
        );
    }
    create.send().await.unwrap_or_else(|e| panic!("create bucket {name}: {e:?}"));
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "CloudTrailWrite",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": format!("arn:aws:s3:::{name}/AWSLogs/{account}/*"),
        }],
    });
    s3.put_bucket_policy().bucket(name).policy(policy.to_string()).send().await.expect("put bucket policy");
}

async fn seed_org_trail(config: &SdkConfig) {
    use aws_sdk_cloudtrail::types::{DataResource, EventSelector, ReadWriteType};
    seed_trail_bucket(config, "us-east-1", MANAGEMENT, "org-trail-logs", false).await;
    let ct = cloudtrail_client(config, "us-east-1");
    ct.create_trail()
        .name("organization")
        .s3_bucket_name("org-trail-logs")
        .is_organization_trail(true)
        .is_multi_region_trail(true)
        .enable_log_file_validation(true)
        .kms_key_id(format!("arn:aws:kms:us-east-1:{MANAGEMENT}:key/org-trail"))
        .cloud_watch_logs_log_group_arn(format!("arn:aws:logs:us-east-1:{MANAGEMENT}:log-group:org-trail:*"))
        .cloud_watch_logs_role_arn(format!("arn:aws:iam::{MANAGEMENT}:role/org-trail-to-logs"))
        .send()
        .await
        .expect("create the organization trail");
    ct.put_event_selectors()
        .trail_name("organization")
        .event_selectors(
            EventSelector::builder()
                .read_write_type(ReadWriteType::All)
                .include_management_events(true)
                .data_resources(
                    DataResource::builder().r#type("AWS::S3::Object").values("arn:aws:s3:::org-trail-logs/").build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("put event selectors");
    ct.start_logging().name("organization").send().await.expect("start the organization trail");
}

/// A single-region trail in `region` delivering to a bucket of that region (object lock on), started.
async fn seed_regional_trail(config: &SdkConfig, region: &str, account: &str, name: &str) {
    let bucket = format!("{name}-logs");
    seed_trail_bucket(config, region, account, &bucket, true).await;
    let ct = cloudtrail_client(config, region);
    ct.create_trail()
        .name(name)
        .s3_bucket_name(&bucket)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create trail {name} in {account} {region}: {e:?}"));
    ct.start_logging().name(name).send().await.expect("start logging");
}

fn seed(moto: &str) -> Seeded {
    block_on(async {
        let management = sdk_config(moto).await;
        let (_, members) = create_organization(&management, &["member-a", "member-b"]).await;
        let (member_a, member_b) = (members[0].clone(), members[1].clone());

        // member B sits in an OU under the root, so `--ou <root>` has to walk down to find it.
        let orgs = aws_sdk_organizations::Client::new(&management);
        let roots = orgs.list_roots().send().await.expect("list roots");
        let root = roots.roots()[0].id().expect("root id").to_owned();
        let ou = orgs.create_organizational_unit().parent_id(&root).name("workloads").send().await.expect("create OU");
        let ou_id = ou.organizational_unit().and_then(|o| o.id()).expect("OU id").to_owned();
        orgs.move_account()
            .account_id(&member_b)
            .source_parent_id(&root)
            .destination_parent_id(&ou_id)
            .send()
            .await
            .expect("move member B into the OU");

        // The management account: the organization trail, a regional trail in eu-west-1, Config in both regions
        // (global types in us-east-1 only), the two rules dopaudit looks for, and an organization aggregator.
        seed_org_trail(&management).await;
        seed_regional_trail(&management, "eu-west-1", MANAGEMENT, "management-eu").await;
        enable_config(&management, "us-east-1", MANAGEMENT, "org-trail-logs", true).await;
        enable_config(&management, "eu-west-1", MANAGEMENT, "management-eu-logs", false).await;
        for region in ["us-east-1", "eu-west-1"] {
            put_managed_rule(
                &management,
                region,
                MANAGEMENT,
                "cfn-drift",
                "CLOUDFORMATION_STACK_DRIFT_DETECTION_CHECK",
            )
            .await;
        }
        put_managed_rule(&management, "us-east-1", MANAGEMENT, "unused-creds", "IAM_USER_UNUSED_CREDENTIALS_CHECK")
            .await;
        config_client(&management, "us-east-1")
            .put_configuration_aggregator()
            .configuration_aggregator_name("organization")
            .organization_aggregation_source(
                aws_sdk_config::types::OrganizationAggregationSource::builder()
                    .role_arn(format!("arn:aws:iam::{MANAGEMENT}:role/config-aggregator"))
                    .all_aws_regions(true)
                    .build()
                    .expect("aggregation source"),
            )
            .send()
            .await
            .expect("put the organization aggregator");

        // Member A: its own trail and Config in eu-west-1.
        let a = assume_member(moto, &member_a).await;
        seed_regional_trail(&a, "eu-west-1", &member_a, "member-a-eu").await;
        enable_config(&a, "eu-west-1", &member_a, "member-a-eu-logs", true).await;
        put_managed_rule(&a, "eu-west-1", &member_a, "cfn-drift", "CLOUDFORMATION_STACK_DRIFT_DETECTION_CHECK").await;

        Seeded { root, member_a, member_b }
    })
}

/// The actions of the policy's read-only statement.
#[track_caller]
fn policy_actions(policy: &Value) -> BTreeSet<String> {
    let statements = policy["Statement"].as_array().expect("Statement array");
    let read = statements.iter().find(|s| s["Sid"] == "DopauditReadOnly").expect("the DopauditReadOnly statement");
    assert_eq!(read["Effect"], "Allow");
    assert_eq!(read["Resource"], "*");
    read["Action"].as_array().expect("Action array").iter().map(|a| a.as_str().expect("action").to_owned()).collect()
}

/// One `collect` run: its snapshot and moto's state before and after.
struct Collected {
    label: String,
    snapshot: Value,
    before: Value,
    after: Value,
}

#[track_caller]
fn moto_state(moto: &str) -> Value {
    let (status, body) = moto_get(moto, "/moto-api/data.json");
    assert_eq!(status, 200, "moto data.json: {body}");
    serde_json::from_str(&body).expect("moto data.json is JSON")
}

#[track_caller]
fn collect(moto: &str, dir: &std::path::Path, label: &str, extra: &[&str]) -> Collected {
    let path = dir.join(format!("{label}.json"));
    let path_arg = path.to_str().expect("UTF-8 temp path");
    let before = moto_state(moto);
    let mut args = vec!["collect", "--org", "--regions", REGIONS, "-o", path_arg];
    args.extend_from_slice(extra);
    run(dopaudit_live(moto, &args)).expect_code(0);
    let after = moto_state(moto);
    let snapshot = serde_json::from_str(&std::fs::read_to_string(&path).expect("snapshot written")).expect("JSON");
    Collected { label: label.to_owned(), snapshot, before, after }
}

/// moto's state with the role sessions and the account defaults taken out: `sts:AssumeRole` (the one non-read call `--org` needs) records a
/// session and its temporary access key, and marks the member role as last used. Services whose every list is empty
/// are dropped too: moto creates a service's empty backend on its first call, even a read (or one it lacks, such as
/// `account:ListRegions`). Returns the state and the sessions' role ARNs and session names.
fn without_sessions(state: &Value) -> (Value, Vec<(String, String)>) {
    let mut state = state.clone();
    // What every AWS account has from the start, which moto materialises on a service's first call, a read
    // included: API Gateway's account settings, ElastiCache's `default` user, EventBridge's `default` bus.
    type IsDefault = fn(&Value) -> bool;
    let defaults: [(&str, &str, IsDefault); 3] = [
        ("apigateway", "Account", |_| true),
        ("elasticache", "User", |u| u["arn"].as_str().is_some_and(|a| a.ends_with(":user:default"))),
        ("events", "EventBus", |b| b["arn"].as_str().is_some_and(|a| a.ends_with(":event-bus/default"))),
    ];
    for (service, kind, is_default) in defaults {
        if let Some(items) = state.get_mut(service).and_then(|s| s.get_mut(kind)).and_then(Value::as_array_mut) {
            items.retain(|item| !is_default(item));
        }
    }
    if let Some(services) = state.as_object_mut() {
        services.retain(|_, kinds| {
            !kinds.as_object().is_some_and(|k| k.values().all(|v| v.as_array().is_some_and(Vec::is_empty)))
        });
    }
    let sessions = state["sts"]["AssumedRole"].as_array().cloned().unwrap_or_default();
    let sessions =
        sessions.iter().map(|s| (text(s, "role_arn").to_owned(), text(s, "session_name").to_owned())).collect();
    if let Some(sts) = state.get_mut("sts").and_then(Value::as_object_mut) {
        sts.remove("AssumedRole");
    }
    if let Some(keys) = state.get_mut("iam").and_then(|iam| iam.get_mut("AccessKey")).and_then(Value::as_array_mut) {
        // Keys of assumed roles only; a user's keys stay compared.
        keys.retain(|k| k["role_arn"].is_null());
    }
    if let Some(roles) = state.get_mut("iam").and_then(|iam| iam.get_mut("Role")).and_then(Value::as_array_mut) {
        // Assuming a role updates its "last used" record, as on AWS; only for the member role.
        for role in roles.iter_mut().filter(|r| r["name"] == MEMBER_ROLE) {
            if let Some(role) = role.as_object_mut() {
                role.remove("role_last_used");
            }
        }
    }
    (state, sessions)
}

#[test]
fn a_collection_only_reads_and_every_call_is_declared_in_the_iam_policy() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let seeded = seed(&moto);
    let dir = tempfile::tempdir().expect("temp dir");
    let runs =
        [collect(&moto, dir.path(), "organization", &[]), collect(&moto, dir.path(), "by-ou", &["--ou", &seeded.root])];

    let org_policy = iam_policy(&["--org"]);
    let declared = policy_actions(&org_policy);
    let mut seen: BTreeMap<(String, String), u64> = BTreeMap::new();
    for c in &runs {
        let snapshot = &c.snapshot;
        // The collection reached every account, so it made every kind of call it makes.
        let accounts = snapshot["accounts"].as_array().expect("accounts");
        let ids: BTreeSet<&str> = accounts.iter().map(|a| text(a, "account_id")).collect();
        let want_ids = BTreeSet::from([MANAGEMENT, seeded.member_a.as_str(), seeded.member_b.as_str()]);
        assert_eq!(ids, want_ids, "{}: accounts collected", c.label);
        for a in accounts {
            assert!(a.get("error").is_none_or(Value::is_null), "{}: account not entered: {a:#}", c.label);
        }
        let calls = snapshot["collection"]["calls"].as_array().expect("collection.calls");
        for call in calls {
            let (service, operation) = (text(call, "service").to_owned(), text(call, "operation").to_owned());
            let n = call["calls"].as_u64().expect("calls count");
            assert!(n >= 1, "{}: a recorded operation was called: {call}", c.label);
            *seen.entry((service, operation)).or_default() += n;
        }

        // moto's own record: nothing changed but the member-role sessions the collection opened.
        let (before, sessions_before) = without_sessions(&c.before);
        let (after, sessions_after) = without_sessions(&c.after);
        let mut changes = Vec::new();
        json_diff(&before, &after, "", &mut changes);
        assert!(
            changes.is_empty(),
            "{}: moto's state changed during the collection (a write?):\n{}",
            c.label,
            changes.join("\n")
        );
        let mut opened = sessions_after;
        for old in &sessions_before {
            let i = opened.iter().position(|s| s == old).expect("moto never forgets a session");
            opened.remove(i);
        }
        let opened_roles: BTreeSet<&str> = opened.iter().map(|(role, _)| role.as_str()).collect();
        let member_roles: BTreeSet<String> = [&seeded.member_a, &seeded.member_b]
            .iter()
            .map(|m| format!("arn:aws:iam::{m}:role/{MEMBER_ROLE}"))
            .collect();
        assert_eq!(
            opened_roles,
            member_roles.iter().map(String::as_str).collect(),
            "{}: the collection assumes the member role in each member, and nothing else: {opened:?}",
            c.label
        );
    }

    // The recorder saw the breadth of the collection (an empty record would prove nothing).
    let must_see = [
        ("sts", "GetCallerIdentity"),
        ("organizations", "DescribeOrganization"),
        ("organizations", "ListAccounts"),
        ("organizations", "ListAccountsForParent"),
        ("organizations", "ListOrganizationalUnitsForParent"),
        ("cloudtrail", "DescribeTrails"),
        ("cloudtrail", "GetTrailStatus"),
        ("cloudtrail", "GetEventSelectors"),
        ("s3", "GetBucketLocation"),
        ("s3", "GetBucketPolicy"),
        ("s3", "GetObjectLockConfiguration"),
        ("config", "DescribeConfigurationRecorders"),
        ("config", "DescribeConfigRules"),
        ("config", "DescribeRemediationConfigurations"),
        ("config", "DescribeConfigurationAggregators"),
    ];
    let missing: Vec<String> = must_see
        .iter()
        .filter(|(s, o)| !seen.contains_key(&(s.to_string(), o.to_string())))
        .map(|(s, o)| format!("{s}:{o}"))
        .collect();
    assert!(missing.is_empty(), "operations the collections should have made but did not record: {missing:?}");

    // Every recorded operation reads...
    let mut not_read = Vec::new();
    let mut forbidden = Vec::new();
    let mut undeclared = Vec::new();
    for ((service, operation), n) in &seen {
        let action = iam_action(service, operation);
        // sts:AssumeRole is not a read, but is how `--org` enters members; it must then be the policy's other grant.
        if (service.as_str(), operation.as_str()) == ("sts", "AssumeRole") {
            assert!(assume_role_statement(&org_policy).is_some(), "sts:AssumeRole was called but is not declared");
            continue;
        }
        if !is_read(operation) {
            not_read.push(format!("{service}:{operation} ({n} calls)"));
        }
        if NEVER.contains(&operation.as_str()) {
            forbidden.push(format!("{service}:{operation} ({n} calls)"));
        }
        // ... and is declared by the policy `dopaudit iam-policy` prints.
        if !declared.contains(&action) {
            undeclared.push(format!("{service}:{operation} needs {action} ({n} calls)"));
        }
    }
    assert!(forbidden.is_empty(), "operations that must never be called were: {forbidden:?}");
    assert!(not_read.is_empty(), "operations that are not List/Describe/Get/Lookup calls: {not_read:?}");
    assert!(
        undeclared.is_empty(),
        "operations whose IAM action `dopaudit iam-policy` does not grant: {undeclared:?}\ndeclared: {declared:?}"
    );
}

/// Where two JSON values differ, as `path: before -> after` lines (at most 20).
fn json_diff(before: &Value, after: &Value, path: &str, out: &mut Vec<String>) {
    if out.len() >= 20 || before == after {
        return;
    }
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                json_diff(
                    a.get(k).unwrap_or(&Value::Null),
                    b.get(k).unwrap_or(&Value::Null),
                    &format!("{path}/{k}"),
                    out,
                );
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                json_diff(x, y, &format!("{path}[{i}]"), out);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            let added: Vec<&Value> = b.iter().filter(|x| !a.contains(x)).collect();
            let removed: Vec<&Value> = a.iter().filter(|x| !b.contains(x)).collect();
            out.push(format!(
                "  {path}: {} -> {} items; added {:.400}; removed {:.400}",
                a.len(),
                b.len(),
                Value::from(added.into_iter().cloned().collect::<Vec<_>>()).to_string(),
                Value::from(removed.into_iter().cloned().collect::<Vec<_>>()).to_string(),
            ));
        }
        _ => out.push(format!("  {path}: {:.300} -> {:.300}", before.to_string(), after.to_string())),
    }
}

fn assume_role_statement(policy: &Value) -> Option<&Value> {
    policy["Statement"].as_array()?.iter().find(|s| s["Action"] == "sts:AssumeRole")
}

#[test]
fn the_iam_policy_grants_only_reads_and_with_org_the_member_role() {
    let (_guard, _moto) = exclusive_moto(&LOCK);

    let plain = iam_policy(&[]);
    assert_eq!(plain["Version"], "2012-10-17");
    let statements = plain["Statement"].as_array().expect("Statement array");
    assert_eq!(statements.len(), 1, "without --org, only the read-only statement: {plain:#}");
    let actions = policy_actions(&plain);
    assert!(!actions.is_empty());
    let not_read: Vec<&String> = actions
        .iter()
        .filter(|a| a.split_once(':').is_none_or(|(service, op)| service.is_empty() || !is_read(op)))
        .collect();
    assert!(not_read.is_empty(), "iam-policy grants actions that are not reads: {not_read:?}");
    assert!(!actions.iter().any(|a| a.contains('*')), "no wildcard actions: {actions:?}");

    let org = iam_policy(&["--org"]);
    assert_eq!(policy_actions(&org), actions, "--org adds a statement, not read actions");
    let statements = org["Statement"].as_array().expect("Statement array");
    assert_eq!(statements.len(), 2, "{org:#}");
    let assume = assume_role_statement(&org).unwrap_or_else(|| panic!("no sts:AssumeRole statement: {org:#}"));
    assert_eq!(assume["Effect"], "Allow");
    assert_eq!(assume["Resource"], format!("arn:aws:iam::*:role/{MEMBER_ROLE}"));

    let custom = iam_policy(&["--org", "--role-name", "AuditReader"]);
    let assume = assume_role_statement(&custom).expect("sts:AssumeRole statement");
    assert_eq!(assume["Resource"], "arn:aws:iam::*:role/AuditReader");
}
