//! Acceptance: a live audit of an organization (`--org`) against the moto emulator (`scripts/test.sh`).
//!
//! moto's default account creates an organization with two member accounts. Member A gets a bucket and a
//! single-region trail of its own (seeded with credentials from assuming its OrganizationAccountAccessRole); member B
//! gets nothing; the management account gets an organization trail (multi-region, log file validation on, logging).
//! Without moto these tests fail (they never skip).
//!
//! moto keeps each account's trails to itself: it accepts `IsOrganizationTrail` and reports it to the management
//! account, but does not show the organization trail to the members the way AWS does. So in the members the
//! organization-trail and multi-region checks fail here, where on AWS they would pass; the management account shows
//! what a covered account looks like.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use common::*;
use serde_json::Value;

/// The tests of this file share one moto: one at a time.
static LOCK: Mutex<()> = Mutex::new(());

const MANAGEMENT: &str = MOTO_ACCOUNT;

struct Org {
    id: String,
    member_a: String,
    member_b: String,
}

fn org_trail() -> String {
    format!("arn:aws:cloudtrail:us-east-1:{MANAGEMENT}:trail/organization")
}

fn member_trail(member: &str) -> String {
    format!("arn:aws:cloudtrail:us-east-1:{member}:trail/member-a-trail")
}

fn seed(moto: &str) -> Org {
    block_on(async {
        let management = sdk_config(moto).await;
        let (id, members) = create_organization(&management, &["member-a", "member-b"]).await;
        let (member_a, member_b) = (members[0].clone(), members[1].clone());

        let a = assume_member(moto, &member_a).await;
        create_bucket(&a, "us-east-1", "member-a-trail-logs").await;
        let a_trail = cloudtrail_client(&a, "us-east-1");
        a_trail
            .create_trail()
            .name("member-a-trail")
            .s3_bucket_name("member-a-trail-logs")
            .is_multi_region_trail(false)
            .send()
            .await
            .expect("create member A's trail");
        a_trail.start_logging().name("member-a-trail").send().await.expect("start member A's trail");

        create_bucket(&management, "us-east-1", "organization-trail-logs").await;
        create_org_trail(&management, "organization", "organization-trail-logs").await;
        let m_trail = cloudtrail_client(&management, "us-east-1");
        m_trail.start_logging().name("organization").send().await.expect("start the organization trail");
        // AWS gives a new trail the default selector (all management events); moto gives it none.
        let all = aws_sdk_cloudtrail::types::EventSelector::builder()
            .read_write_type(aws_sdk_cloudtrail::types::ReadWriteType::All)
            .include_management_events(true)
            .build();
        m_trail
            .put_event_selectors()
            .trail_name("organization")
            .event_selectors(all)
            .send()
            .await
            .expect("selectors of the organization trail");

        Org { id, member_a, member_b }
    })
}

/// The statuses of the three CloudTrail checks this scenario is about, by place.
fn trail_statuses(findings: &[Value]) -> BTreeMap<FindingKey, String> {
    const CHECKS: [&str; 3] =
        ["cloudtrail-organization-trail", "cloudtrail-multi-region-trail", "cloudtrail-log-file-validation"];
    statuses_by_place(findings).into_iter().filter(|((check, ..), _)| CHECKS.contains(&check.as_str())).collect()
}

fn key(check: &str, account: &str, region: &str, resource: &str) -> FindingKey {
    (check.to_owned(), account.to_owned(), region.to_owned(), resource.to_owned())
}

#[test]
fn org_audit_covers_the_management_account_and_both_members() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let org = seed(&moto);
    let (a, b) = (org.member_a.as_str(), org.member_b.as_str());

    let audit = run(dopaudit_live(&moto, &["audit", "--org", "--regions", "us-east-1", "--format", "json"]));
    audit.expect_code(1);
    let report = audit.json();
    let findings = findings(&report);

    // Every account of the organization was entered and audited.
    let scope: BTreeSet<&str> =
        report["scope"]["accounts"].as_array().expect("scope.accounts").iter().filter_map(Value::as_str).collect();
    assert_eq!(scope, BTreeSet::from([MANAGEMENT, a, b]), "scope: {:#}", report["scope"]);
    assert_eq!(report["scope"]["organization_id"], org.id.as_str());
    let with_findings: BTreeSet<&str> = findings.iter().map(|f| text(f, "account")).collect();
    assert_eq!(with_findings, BTreeSet::from([MANAGEMENT, a, b]), "accounts with findings");
    // No member was unreachable (that would make every check unknown for it, naming sts:AssumeRole).
    assert!(
        !findings.iter().any(|f| text(f, "message").contains("sts:AssumeRole")),
        "a member could not be entered: {findings:#?}"
    );
    // Among the core checks (the service groups' unknowns, for what moto lacks, are asserted by their own tests),
    // moto cannot answer the rules' compliance (one per account) nor ListPublicKeys (the organization trail's
    // digests, verified by the management account that owns it): those, and only those, are unknown. (The
    // management account's workloads are unknown by design when none is found: EC2 and containers are not read.)
    let core = ["cloudtrail-", "config-", "organizations-", "scp-"];
    let unknowns: Vec<&Value> = findings
        .iter()
        .filter(|f| f["status"] == "unknown" && core.iter().any(|p| text(f, "check_id").starts_with(p)))
        .filter(|f| !(f["check_id"] == "scp-management-account-workloads" && text(f, "account") == MANAGEMENT))
        .collect();
    let (rules, integrity): (Vec<&Value>, Vec<&Value>) =
        unknowns.iter().partition(|f| f["check_id"] == "config-rules-noncompliant");
    assert_eq!(rules.len(), 3, "one per account: {unknowns:#?}");
    assert_eq!(integrity.len(), 1, "{unknowns:#?}");
    assert_eq!(integrity[0]["check_id"], "cloudtrail-log-integrity");
    assert_eq!(text(integrity[0], "account"), MANAGEMENT);
    assert!(text(integrity[0], "message").contains("cloudtrail:ListPublicKeys"), "{:#}", integrity[0]);

    let mut want = BTreeMap::new();
    // The management account: its organization trail is logging, multi-region, and validated.
    want.insert(key("cloudtrail-organization-trail", MANAGEMENT, "global", MANAGEMENT), "pass".to_owned());
    want.insert(key("cloudtrail-multi-region-trail", MANAGEMENT, "global", MANAGEMENT), "pass".to_owned());
    want.insert(key("cloudtrail-log-file-validation", MANAGEMENT, "us-east-1", &org_trail()), "pass".to_owned());
    // Member A: in the organization but (under moto) not covered by its trail; its own trail is single-region and
    // unvalidated.
    want.insert(key("cloudtrail-organization-trail", a, "global", a), "fail".to_owned());
    want.insert(key("cloudtrail-multi-region-trail", a, "global", a), "fail".to_owned());
    want.insert(key("cloudtrail-log-file-validation", a, "us-east-1", &member_trail(a)), "fail".to_owned());
    // Member B: no trail at all, so the per-trail check has nothing to look at and says so.
    want.insert(key("cloudtrail-organization-trail", b, "global", b), "fail".to_owned());
    want.insert(key("cloudtrail-multi-region-trail", b, "global", b), "fail".to_owned());
    want.insert(key("cloudtrail-log-file-validation", b, "global", b), "skipped".to_owned());
    let got = trail_statuses(findings);
    assert!(got == want, "CloudTrail findings differ:\n{}", diff_statuses(&want, &got));

    let message = |check: &str, account: &str| text(the_finding(findings, check, account, "global"), "message");
    assert!(message("cloudtrail-organization-trail", MANAGEMENT).contains("organization trail organization covers"));
    for member in [a, b] {
        let m = message("cloudtrail-organization-trail", member);
        assert!(m.contains("no organization trail") && m.contains(&org.id), "{member}: {m}");
        assert!(message("cloudtrail-multi-region-trail", member).contains("no multi-region trail"), "{member}");
    }

    // The organization has no Config aggregator: judged once, for the organization, in the management account.
    let aggregator: Vec<&Value> = findings.iter().filter(|f| f["check_id"] == "config-aggregator").collect();
    assert_eq!(aggregator.len(), 1, "{aggregator:#?}");
    assert_eq!((text(aggregator[0], "account"), text(aggregator[0], "resource")), (MANAGEMENT, org.id.as_str()));
    assert_eq!(aggregator[0]["status"], "fail");
}

/// Checks about the organization itself rather than one account.
const ORGANIZATION_WIDE: [&str; 10] = [
    "organizations-all-features",
    "organizations-scp-enabled",
    "scp-policy-valid",
    "scp-policy-size",
    "scp-attachment-limit",
    "ram-organization-sharing",
    "control-tower-guardrails",
    "guardduty-delegated-admin",
    "detective-delegated-admin",
    "firewallmanager-prerequisites",
];

#[test]
fn accounts_flag_audits_only_the_accounts_listed() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let org = seed(&moto);
    let a = org.member_a.as_str();

    // `--accounts` keeps only the listed ids (src/collect/mod.rs `targets`): the management account, the caller, is
    // not audited unless listed too.
    let audit =
        run(dopaudit_live(&moto, &["audit", "--org", "--accounts", a, "--regions", "us-east-1", "--format", "json"]));
    audit.expect_code(1);
    let report = audit.json();
    let findings = findings(&report);
    assert_eq!(report["scope"]["accounts"], serde_json::json!([a]), "scope: {:#}", report["scope"]);

    let got = trail_statuses(findings);
    let want = BTreeMap::from([
        (key("cloudtrail-organization-trail", a, "global", a), "fail".to_owned()),
        (key("cloudtrail-multi-region-trail", a, "global", a), "fail".to_owned()),
        (key("cloudtrail-log-file-validation", a, "us-east-1", &member_trail(a)), "fail".to_owned()),
    ]);
    assert!(got == want, "CloudTrail findings differ:\n{}", diff_statuses(&want, &got));

    // Every finding is about member A, but the organization-wide aggregator check: it cannot look in the management
    // account, which was not audited, so it is unknown (never a fail on data it did not read).
    for f in findings {
        if f["check_id"] == "config-aggregator" {
            assert_eq!(f["status"], "unknown", "{f:#}");
            assert_eq!((text(f, "account"), text(f, "resource")), (MANAGEMENT, org.id.as_str()), "{f:#}");
            assert!(text(f, "message").contains("was not audited"), "{f:#}");
        } else if ORGANIZATION_WIDE.contains(&text(f, "check_id")) {
            // Judged once for the organization (read from the caller), reported against its management account.
            assert_eq!(text(f, "account"), MANAGEMENT, "{f:#}");
        } else {
            assert_eq!(text(f, "account"), a, "only member A is audited: {f:#}");
        }
    }
    assert!(!findings.iter().any(|f| text(f, "account") == org.member_b), "member B must not be audited");
}

#[test]
fn accounts_flag_rejects_an_id_that_is_not_12_digits() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let out = run(dopaudit_live(&moto, &["audit", "--org", "--accounts", "12345", "--regions", "us-east-1"]));
    out.expect_code(2);
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", out.stdout);
    let stderr = out.stderr.trim_end();
    assert_eq!(stderr.lines().count(), 1, "one line on stderr: {stderr}");
    assert!(stderr.starts_with("dopaudit: error:"), "{stderr}");
    assert!(stderr.contains("--accounts") && stderr.contains("12345") && stderr.contains("12-digit"), "{stderr}");
}

#[test]
fn accounts_flag_rejects_an_account_outside_the_organization() {
    // A mistyped id must not become a clean audit of nothing (exit 0 would turn a CI gate green).
    let (_guard, moto) = exclusive_moto(&LOCK);
    let org = seed(&moto);
    let list = format!("{},999999999999", org.member_a);
    let out = run(dopaudit_live(&moto, &["audit", "--org", "--accounts", &list, "--regions", "us-east-1"]));
    out.expect_code(2);
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", out.stdout);
    let stderr = out.stderr.trim_end();
    assert!(stderr.lines().any(|l| l.starts_with("dopaudit: error: --org: --accounts: 999999999999")), "{stderr}");
}
