//! Acceptance: service control policies read live from moto's Organizations (`scripts/test.sh`), through
//! `scp simulate` and the SCP checks of `audit --org`. Without moto these tests fail (they never skip).
//!
//! moto's default account 123456789012 creates the organization (so it is the management account) and three members:
//!
//! ```text
//! root r-…                 FullAWSAccess, deny-leave (Deny organizations:LeaveOrganization)
//! ├── OU Workloads         FullAWSAccess, region-guard (Deny NotAction iam/organizations/sts/route53/cloudfront/support
//! │   │                    when aws:RequestedRegion is not eu-west-1)
//! │   ├── member-a (A)     FullAWSAccess
//! │   └── OU Restricted    allow-s3-ec2 (Allow s3:*, ec2:*), protect-trail (Deny 4 CloudTrail actions); its
//! │       │                FullAWSAccess is detached, which makes allow-s3-ec2 an allow-list
//! │       └── member-b (B) FullAWSAccess
//! ├── member-c (C)         FullAWSAccess
//! └── 123456789012         FullAWSAccess (the management account: SCPs never apply to it)
//! ```
//!
//! moto 5.2.5 attaches FullAWSAccess (`p-FullAWSAccess`) to the root and the management account when the organization
//! is created, and to every OU and account it creates afterwards, as AWS does. `seed` relies on that, detaches it from
//! Restricted only, and checks every attachment through `ListPoliciesForTarget` before any test runs the binary.
//!
//! The expectations come from the engine (`src/scp/eval.rs`): an explicit Deny anywhere on the path decides first; then
//! a level with no Allow at all denies implicitly (`deciding` is then empty, by design: the reason names the level and
//! what is attached there); then any conditional Deny (or conditional-only Allow) makes the answer `conditional`.

mod common;

use std::collections::BTreeMap;
use std::sync::Mutex;

use aws_sdk_organizations::types::PolicyType;
use common::*;
use serde_json::{json, Value};

/// The tests of this file share one moto: one at a time.
static LOCK: Mutex<()> = Mutex::new(());

const MANAGEMENT: &str = MOTO_ACCOUNT;
const FULL_AWS_ACCESS: &str = "p-FullAWSAccess";

const DENY_LEAVE: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyLeave","Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}"#;
const REGION_GUARD: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyOutsideEuWest1","Effect":"Deny","NotAction":["iam:*","organizations:*","sts:*","route53:*","cloudfront:*","support:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}}]}"#;
const ALLOW_S3_EC2: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"AllowS3AndEC2","Effect":"Allow","Action":["s3:*","ec2:*"],"Resource":"*"}]}"#;
const PROTECT_TRAIL: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"ProtectTrail","Effect":"Deny","Action":["cloudtrail:StopLogging","cloudtrail:DeleteTrail","cloudtrail:UpdateTrail","cloudtrail:PutEventSelectors"],"Resource":"*"}]}"#;

/// The ids moto gave the scenario's roots, OUs, accounts and policies.
struct Scenario {
    root: String,
    workloads: String,
    restricted: String,
    a: String,
    b: String,
    c: String,
    deny_leave: String,
    region_guard: String,
    allow_list: String,
    protect_trail: String,
}

async fn create_ou(org: &aws_sdk_organizations::Client, parent: &str, name: &str) -> String {
    let out = org
        .create_organizational_unit()
        .parent_id(parent)
        .name(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create OU {name} under {parent}: {e:?}"));
    out.organizational_unit().and_then(|ou| ou.id()).expect("new OU id").to_owned()
}

async fn create_scp(org: &aws_sdk_organizations::Client, name: &str, content: &str) -> String {
    let out = org
        .create_policy()
        .name(name)
        .description(format!("dopaudit live_scp: {name}"))
        .r#type(PolicyType::ServiceControlPolicy)
        .content(content)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create policy {name}: {e:?}"));
    out.policy().and_then(|p| p.policy_summary()).and_then(|s| s.id()).expect("new policy id").to_owned()
}

async fn attach(org: &aws_sdk_organizations::Client, policy: &str, target: &str) {
    org.attach_policy()
        .policy_id(policy)
        .target_id(target)
        .send()
        .await
        .unwrap_or_else(|e| panic!("attach {policy} to {target}: {e:?}"));
}

async fn move_account(org: &aws_sdk_organizations::Client, account: &str, from: &str, to: &str) {
    org.move_account()
        .account_id(account)
        .source_parent_id(from)
        .destination_parent_id(to)
        .send()
        .await
        .unwrap_or_else(|e| panic!("move {account} from {from} to {to}: {e:?}"));
}

/// The names of the SCPs attached directly to a target, as moto reports them, sorted.
async fn attached(org: &aws_sdk_organizations::Client, target: &str) -> Vec<String> {
    let out = org
        .list_policies_for_target()
        .target_id(target)
        .filter(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap_or_else(|e| panic!("list policies for {target}: {e:?}"));
    let mut names: Vec<String> = out.policies().iter().filter_map(|p| p.name().map(str::to_owned)).collect();
    names.sort();
    names
}

fn seed(moto: &str) -> Scenario {
    block_on(async {
        let config = sdk_config(moto).await;
        let (_, members) = create_organization(&config, &["member-a", "member-b", "member-c"]).await;
        let (a, b, c) = (members[0].clone(), members[1].clone(), members[2].clone());
        let org = aws_sdk_organizations::Client::new(&config);

        let roots = org.list_roots().send().await.expect("list roots");
        let root = roots.roots().first().and_then(|r| r.id()).expect("the organization's root").to_owned();
        org.enable_policy_type()
            .root_id(&root)
            .policy_type(PolicyType::ServiceControlPolicy)
            .send()
            .await
            .expect("enable SCPs on the root");

        let workloads = create_ou(&org, &root, "Workloads").await;
        let restricted = create_ou(&org, &workloads, "Restricted").await;
        // New accounts start under the root: A moves to Workloads, B to Restricted, C stays.
        move_account(&org, &a, &root, &workloads).await;
        move_account(&org, &b, &root, &restricted).await;

        let deny_leave = create_scp(&org, "deny-leave", DENY_LEAVE).await;
        let region_guard = create_scp(&org, "region-guard", REGION_GUARD).await;
        let allow_list = create_scp(&org, "allow-s3-ec2", ALLOW_S3_EC2).await;
        let protect_trail = create_scp(&org, "protect-trail", PROTECT_TRAIL).await;
        attach(&org, &deny_leave, &root).await;
        attach(&org, &region_guard, &workloads).await;
        attach(&org, &allow_list, &restricted).await;
        attach(&org, &protect_trail, &restricted).await;
        org.detach_policy()
            .policy_id(FULL_AWS_ACCESS)
            .target_id(&restricted)
            .send()
            .await
            .expect("detach FullAWSAccess from Restricted");

        // What moto attached by itself (FullAWSAccess) plus what was attached above, target by target.
        let full = "FullAWSAccess";
        let want: [(&str, Vec<&str>); 7] = [
            (&root, vec![full, "deny-leave"]),
            (&workloads, vec![full, "region-guard"]),
            (&restricted, vec!["allow-s3-ec2", "protect-trail"]),
            (&a, vec![full]),
            (&b, vec![full]),
            (&c, vec![full]),
            (MANAGEMENT, vec![full]),
        ];
        for (target, names) in want {
            assert_eq!(attached(&org, target).await, names, "SCPs attached to {target}");
        }

        Scenario { root, workloads, restricted, a, b, c, deny_leave, region_guard, allow_list, protect_trail }
    })
}

/// `scp simulate --account ACCOUNT --action ACTION --format json`, live against moto; it exits 0 whatever the verdict.
#[track_caller]
fn simulate(moto: &str, account: &str, action: &str) -> Value {
    let out =
        run(dopaudit_live(moto, &["scp", "simulate", "--account", account, "--action", action, "--format", "json"]));
    out.expect_code(0);
    let sim = out.json();
    assert_eq!((&sim["account"], &sim["action"]), (&json!(account), &json!(action)), "{sim:#}");
    sim
}

/// A statement reference: (level kind, level id, policy id, policy name, Sid or `Statement[i]`).
type Pointer = (String, String, String, String, String);

fn pointer(s: &Value) -> Pointer {
    let label = match s["sid"].as_str() {
        Some(sid) => sid.to_owned(),
        None => format!("Statement[{}]", s["statement_index"]),
    };
    (
        text(s, "level_kind").to_owned(),
        text(s, "level_id").to_owned(),
        text(s, "policy_id").to_owned(),
        text(s, "policy_name").to_owned(),
        label,
    )
}

fn at(kind: &str, level: &str, policy: &str, name: &str, label: &str) -> Pointer {
    (kind.to_owned(), level.to_owned(), policy.to_owned(), name.to_owned(), label.to_owned())
}

/// FullAWSAccess's one statement (it has no Sid) at a level.
fn full_access(kind: &str, level: &str) -> Pointer {
    at(kind, level, FULL_AWS_ACCESS, "FullAWSAccess", "Statement[0]")
}

const ROOT: &str = "root";
const OU: &str = "organizational_unit";
const ACCOUNT: &str = "account";

/// The decision of a simulation; panics when there is none.
#[track_caller]
fn decision(sim: &Value) -> &Value {
    sim.get("decision").unwrap_or_else(|| panic!("the simulation has no decision: {sim:#}"))
}

#[track_caller]
fn deciding(sim: &Value) -> Vec<Pointer> {
    decision(sim)["deciding"]
        .as_array()
        .unwrap_or_else(|| panic!("no deciding array: {sim:#}"))
        .iter()
        .map(pointer)
        .collect()
}

/// One evaluated level: (kind, id, policies whose statements allow, deny, or apply conditionally).
type LevelSummary = (String, String, Vec<String>, Vec<String>, Vec<String>);

fn level(kind: &str, id: &str, allowed: &[&str], denied: &[&str], conditional: &[&str]) -> LevelSummary {
    let names = |list: &[&str]| list.iter().map(|n| n.to_string()).collect();
    (kind.to_owned(), id.to_owned(), names(allowed), names(denied), names(conditional))
}

/// The evaluated path, root first, summarized by the names of the policies that bear on the action at each level.
#[track_caller]
fn path(sim: &Value) -> Vec<LevelSummary> {
    let names = |l: &Value, field: &str| -> Vec<String> {
        l[field]
            .as_array()
            .unwrap_or_else(|| panic!("no {field} in {l:#}"))
            .iter()
            .map(|s| text(s, "policy_name").to_owned())
            .collect()
    };
    decision(sim)["path"]
        .as_array()
        .unwrap_or_else(|| panic!("no path array: {sim:#}"))
        .iter()
        .map(|l| {
            (
                text(l, "kind").to_owned(),
                text(l, "id").to_owned(),
                names(l, "allowed_by"),
                names(l, "denied_by"),
                names(l, "conditional"),
            )
        })
        .collect()
}

#[track_caller]
fn verdict_and_reason(sim: &Value) -> (&str, &str) {
    let d = decision(sim);
    (text(d, "verdict"), text(d, "reason"))
}

#[test]
fn an_allow_list_at_an_ou_denies_implicitly_what_the_levels_above_allow() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let s = seed(&moto);
    let restricted = format!("OU \"Restricted\" ({})", s.restricted);

    // B: the root and Workloads allow IAM (FullAWSAccess; region-guard's NotAction leaves iam:* out), but at
    // Restricted only allow-s3-ec2 allows anything, and not IAM.
    let sim = simulate(&moto, &s.b, "iam:CreateUser");
    let (verdict, reason) = verdict_and_reason(&sim);
    assert_eq!(verdict, "denied", "{sim:#}");
    // An implicit deny rests on a missing Allow, so no statement is listed as deciding (`Decision::deciding` in
    // src/scp/eval.rs); the level is named by the reason, with what is attached there.
    assert_eq!(deciding(&sim), Vec::<Pointer>::new(), "{sim:#}");
    assert!(reason.starts_with("iam:CreateUser is denied implicitly"), "{reason}");
    assert!(reason.contains(&format!("nothing attached at {restricted} allows it")), "{reason}");
    assert!(reason.contains(&format!("policy \"allow-s3-ec2\" ({})", s.allow_list)), "{reason}");
    assert!(reason.contains(&format!("policy \"protect-trail\" ({})", s.protect_trail)), "{reason}");
    assert!(!reason.contains("more level"), "Restricted is the only level without an Allow: {reason}");
    assert_eq!(
        path(&sim),
        vec![
            level(ROOT, &s.root, &["FullAWSAccess"], &[], &[]),
            level(OU, &s.workloads, &["FullAWSAccess"], &[], &[]),
            level(OU, &s.restricted, &[], &[], &[]),
            level(ACCOUNT, &s.b, &["FullAWSAccess"], &[], &[]),
        ],
        "{sim:#}"
    );
    assert_eq!(sim["account_name"], "member-b");

    // A, in Workloads: FullAWSAccess at every level, and the region guard's NotAction exempts IAM.
    let sim = simulate(&moto, &s.a, "iam:CreateUser");
    let (verdict, reason) = verdict_and_reason(&sim);
    assert_eq!(verdict, "allowed", "{sim:#}");
    assert!(reason.starts_with("iam:CreateUser is allowed at every level"), "{reason}");
    assert_eq!(
        deciding(&sim),
        vec![full_access(ROOT, &s.root), full_access(OU, &s.workloads), full_access(ACCOUNT, &s.a)],
        "{sim:#}"
    );

    // C, directly under the root: two levels, both FullAWSAccess.
    let sim = simulate(&moto, &s.c, "iam:CreateUser");
    assert_eq!(verdict_and_reason(&sim).0, "allowed", "{sim:#}");
    assert_eq!(deciding(&sim), vec![full_access(ROOT, &s.root), full_access(ACCOUNT, &s.c)], "{sim:#}");
    assert_eq!(path(&sim).len(), 2, "{sim:#}");
}

#[test]
fn a_region_guard_makes_covered_actions_conditional_below_it() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let s = seed(&moto);
    let region_guard = at(OU, &s.workloads, &s.region_guard, "region-guard", "DenyOutsideEuWest1");

    // ec2 is not in the NotAction list, so the Deny covers it, but only outside eu-west-1: conditional.
    let sim = simulate(&moto, &s.a, "ec2:RunInstances");
    let (verdict, reason) = verdict_and_reason(&sim);
    assert_eq!(verdict, "conditional", "{sim:#}");
    assert_eq!(deciding(&sim), vec![region_guard.clone()], "{sim:#}");
    let statement = &decision(&sim)["deciding"][0];
    assert_eq!(statement["effect"], "Deny", "{statement:#}");
    assert_eq!(statement["partial"], false, "{statement:#}");
    assert_eq!(statement["condition"], json!({"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}}));
    assert!(reason.starts_with("ec2:RunInstances is allowed only conditionally"), "{reason}");
    let names = format!(
        "statement \"DenyOutsideEuWest1\" of policy \"region-guard\" ({}) attached to OU \"Workloads\" ({})",
        s.region_guard, s.workloads
    );
    assert!(reason.contains(&names), "{reason}");
    assert!(reason.contains("a Deny that applies only when") && reason.contains("aws:RequestedRegion"), "{reason}");

    // B inherits the guard: the allow-list lets ec2 through Restricted, and the guard's condition still decides.
    let sim = simulate(&moto, &s.b, "ec2:RunInstances");
    assert_eq!(verdict_and_reason(&sim).0, "conditional", "{sim:#}");
    assert_eq!(deciding(&sim), vec![region_guard], "{sim:#}");
    assert_eq!(
        path(&sim),
        vec![
            level(ROOT, &s.root, &["FullAWSAccess"], &[], &[]),
            level(OU, &s.workloads, &["FullAWSAccess"], &[], &["region-guard"]),
            level(OU, &s.restricted, &["allow-s3-ec2"], &[], &[]),
            level(ACCOUNT, &s.b, &["FullAWSAccess"], &[], &[]),
        ],
        "{sim:#}"
    );
}

#[test]
fn an_explicit_deny_decides_before_the_allow_list_does() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let s = seed(&moto);
    let protect_trail = at(OU, &s.restricted, &s.protect_trail, "protect-trail", "ProtectTrail");

    // cloudtrail:StopLogging is both outside the allow-list (an implicit deny at Restricted) and denied by
    // protect-trail there; the explicit Deny is what the engine reports, as AWS's precedence has it.
    let sim = simulate(&moto, &s.b, "cloudtrail:StopLogging");
    let (verdict, reason) = verdict_and_reason(&sim);
    assert_eq!(verdict, "denied", "{sim:#}");
    assert_eq!(deciding(&sim), vec![protect_trail], "{sim:#}");
    let names = format!(
        "statement \"ProtectTrail\" of policy \"protect-trail\" ({}) attached to OU \"Restricted\" ({})",
        s.protect_trail, s.restricted
    );
    assert!(reason.starts_with("cloudtrail:StopLogging is denied explicitly by "), "{reason}");
    assert!(reason.contains(&names), "{reason}");
    assert!(!reason.contains("implicitly"), "{reason}");
    // The path shows all three reasons it could fail: the guard's conditional Deny at Workloads, and at Restricted
    // no Allow but an unconditional Deny.
    assert_eq!(
        path(&sim),
        vec![
            level(ROOT, &s.root, &["FullAWSAccess"], &[], &[]),
            level(OU, &s.workloads, &["FullAWSAccess"], &[], &["region-guard"]),
            level(OU, &s.restricted, &[], &["protect-trail"], &[]),
            level(ACCOUNT, &s.b, &["FullAWSAccess"], &[], &[]),
        ],
        "{sim:#}"
    );

    // The contrast: a CloudTrail action protect-trail does not name is denied only implicitly, by the allow-list.
    let sim = simulate(&moto, &s.b, "cloudtrail:CreateTrail");
    let (verdict, reason) = verdict_and_reason(&sim);
    assert_eq!(verdict, "denied", "{sim:#}");
    assert_eq!(deciding(&sim), Vec::<Pointer>::new(), "{sim:#}");
    let restricted = format!("denied implicitly: nothing attached at OU \"Restricted\" ({})", s.restricted);
    assert!(reason.contains(&restricted), "{reason}");
}

#[test]
fn a_deny_at_the_root_reaches_every_member() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let s = seed(&moto);
    let deny_leave = at(ROOT, &s.root, &s.deny_leave, "deny-leave", "DenyLeave");
    let names = format!("statement \"DenyLeave\" of policy \"deny-leave\" ({}) attached to root", s.deny_leave);

    // C sits directly under the root; A's region guard exempts organizations:*; B's Restricted OU allows nothing
    // of Organizations, but the explicit Deny at the root outranks that implicit one. The root deny alone decides.
    for member in [&s.c, &s.a, &s.b] {
        let sim = simulate(&moto, member, "organizations:LeaveOrganization");
        let (verdict, reason) = verdict_and_reason(&sim);
        assert_eq!(verdict, "denied", "{member}: {sim:#}");
        assert_eq!(deciding(&sim), vec![deny_leave.clone()], "{member}: {sim:#}");
        assert!(reason.starts_with("organizations:LeaveOrganization is denied explicitly"), "{member}: {reason}");
        assert!(reason.contains(&names) && reason.contains(&s.root), "{member}: {reason}");
    }
}

#[test]
fn the_management_account_is_never_restricted() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let s = seed(&moto);
    // Even the actions the root denies: SCPs never apply to the management account, so the decision is `allowed`
    // with that reason, and `scp_applies` is false.
    for action in ["organizations:LeaveOrganization", "cloudtrail:StopLogging", "ec2:RunInstances"] {
        let sim = simulate(&moto, MANAGEMENT, action);
        assert_eq!(sim["scp_applies"], false, "{action}: {sim:#}");
        let (verdict, reason) = verdict_and_reason(&sim);
        assert_eq!(verdict, "allowed", "{action}: {sim:#}");
        assert!(reason.contains("never apply to the management account"), "{action}: {reason}");
        let notes = sim["notes"].as_array().unwrap_or_else(|| panic!("no notes: {sim:#}"));
        let first = notes.first().and_then(Value::as_str).unwrap_or_default();
        assert!(first.contains("management account") && first.contains("SCPs never apply"), "{action}: {sim:#}");
    }
    // A member under the same root gets one, for contrast.
    assert_eq!(verdict_and_reason(&simulate(&moto, &s.c, "cloudtrail:StopLogging")).0, "allowed");
}

/// The per-account SCP checks, judged for each account of the organization.
const PER_ACCOUNT: [&str; 7] = [
    "scp-guardrails-present",
    "scp-deny-leave-organization",
    "scp-protect-cloudtrail",
    "scp-protect-config",
    "scp-region-restriction",
    "scp-region-restriction-global-services",
    "scp-break-glass-exemption",
];

#[test]
fn org_audit_judges_each_account_on_its_own_path() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let s = seed(&moto);
    let (a, b, c) = (s.a.as_str(), s.b.as_str(), s.c.as_str());

    let audit = run(dopaudit_live(&moto, &["audit", "--org", "--regions", "us-east-1", "--format", "json"]));
    audit.expect_code(1);
    let report = audit.json();
    let findings = findings(&report);

    let mut want: BTreeMap<FindingKey, String> = BTreeMap::new();
    let mut expect = |check: &str, account: &str, status: &str| {
        let key = (check.to_owned(), account.to_owned(), "global".to_owned(), account.to_owned());
        assert!(want.insert(key, status.to_owned()).is_none(), "{check} {account} expected twice");
    };
    // Guardrails beyond FullAWSAccess: deny-leave at the root is on every member's path.
    for member in [a, b, c] {
        expect("scp-guardrails-present", member, "pass");
        expect("scp-deny-leave-organization", member, "pass");
    }
    // CloudTrail: B is covered by protect-trail. A's only Deny on those actions is the region guard, which lets them
    // through in eu-west-1 (conditional: "not reliably denied"). C has nothing but deny-leave: allowed.
    expect("scp-protect-cloudtrail", b, "pass");
    expect("scp-protect-cloudtrail", a, "fail");
    expect("scp-protect-cloudtrail", c, "fail");
    // Config (no policy names it): B passes anyway, since the allow-list at Restricted denies config:* implicitly,
    // and the check counts any `denied` verdict. A is conditional through the region guard, C allowed.
    expect("scp-protect-config", b, "pass");
    expect("scp-protect-config", a, "fail");
    expect("scp-protect-config", c, "fail");
    // The region guard at Workloads is on A's and B's paths, not C's; its NotAction exempts the six sampled global
    // actions (iam, organizations, sts, route53, cloudfront, support), and without a guard that check is skipped.
    for member in [a, b] {
        expect("scp-region-restriction", member, "pass");
        expect("scp-region-restriction-global-services", member, "pass");
        // The guard is broad (NotAction) and has no aws:PrincipalArn exemption for the administration roles.
        expect("scp-break-glass-exemption", member, "fail");
    }
    expect("scp-region-restriction", c, "fail");
    expect("scp-region-restriction-global-services", c, "skipped");
    expect("scp-break-glass-exemption", c, "pass");
    // The management account: never judged, and flagged once for running outside every guardrail.
    for check in PER_ACCOUNT {
        expect(check, MANAGEMENT, "skipped");
    }
    // The seed runs nothing in the management account, but EC2, ECS and EKS are not read: unknown, never pass.
    expect("scp-management-account-workloads", MANAGEMENT, "unknown");
    for member in [a, b, c] {
        expect("scp-management-account-workloads", member, "skipped");
    }

    let got: BTreeMap<FindingKey, String> = statuses_by_place(findings)
        .into_iter()
        .filter(|((check, ..), _)| PER_ACCOUNT.contains(&check.as_str()) || check == "scp-management-account-workloads")
        .collect();
    assert!(got == want, "SCP findings differ:\n{}", diff_statuses(&want, &got));

    let message = |check: &str, account: &str| text(the_finding(findings, check, account, "global"), "message");
    let m = message("scp-guardrails-present", b);
    for name in ["deny-leave", "region-guard", "allow-s3-ec2", "protect-trail"] {
        assert!(m.contains(name), "B's guardrails name {name}: {m}");
    }
    let m = message("scp-guardrails-present", c);
    assert!(m.contains("deny-leave") && !m.contains("region-guard") && !m.contains("protect-trail"), "{m}");
    let m = message("scp-deny-leave-organization", c);
    assert!(m.contains("denied to every principal by SCP") && m.contains(&s.deny_leave), "{m}");
    let m = message("scp-protect-cloudtrail", b);
    assert!(
        m.contains("denied to every principal by SCP")
            && m.contains("denied explicitly")
            && m.contains(&s.protect_trail),
        "{m}"
    );
    let m = message("scp-protect-cloudtrail", a);
    assert!(m.contains("cloudtrail:StopLogging") && m.contains("not reliably denied"), "{m}");
    let m = message("scp-protect-cloudtrail", c);
    assert!(m.contains("cloudtrail:StopLogging allowed:") && m.contains("allowed at every level"), "{m}");
    for member in [a, b] {
        let m = message("scp-region-restriction", member);
        assert!(
            m.contains(&format!("region-guard ({}) statement DenyOutsideEuWest1 at {}", s.region_guard, s.workloads)),
            "{m}"
        );
        let m = message("scp-region-restriction-global-services", member);
        assert!(m.contains("global services keep working"), "{m}");
    }
    assert!(message("scp-region-restriction", c).contains("no SCP on the path restricts regions"));
    assert!(message("scp-region-restriction-global-services", c).contains("no region restriction on the path"));
    for check in PER_ACCOUNT {
        assert!(message(check, MANAGEMENT).contains("SCPs never apply to the management account"), "{check}");
    }

    // The organization-wide checks see the four custom policies, each valid, and SCPs enabled on the root.
    let valid: BTreeMap<&str, &str> = findings
        .iter()
        .filter(|f| f["check_id"] == "scp-policy-valid")
        .map(|f| (text(f, "resource"), text(f, "status")))
        .collect();
    let policies = [&s.deny_leave, &s.region_guard, &s.allow_list, &s.protect_trail];
    assert_eq!(valid, policies.iter().map(|p| (p.as_str(), "pass")).collect(), "scp-policy-valid");
    let enabled = the_finding(findings, "organizations-scp-enabled", MANAGEMENT, "global");
    assert_eq!((text(enabled, "resource"), text(enabled, "status")), (s.root.as_str(), "pass"), "{enabled:#}");
}
