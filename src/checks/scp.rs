//! Service control policy checks (study sections 9–11), judged the way AWS decides: for each audited
//! member account, the SCPs attached at every level from the root to the account go through the effective-
//! access engine in `crate::scp`, rather than one policy being read on its own. A guardrail attached at an OU
//! protects the accounts below it and no other; an allow-list at an OU narrows everything beneath it.
//!
//! SCPs never apply to the management account, so it is reported as such and never judged.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{At, Ctx, Outcome, GLOBAL};
use crate::scp::eval::{evaluate, AttachedPolicy, Level, Query, Verdict};
use crate::scp::org::OrgView;
use crate::scp::policy::{ActionClause, Effect, Statement};
use crate::scp::{FULL_AWS_ACCESS_ID, SCP_MAX_CHARS, SCP_MAX_PER_TARGET};
use crate::snapshot::{AccountSnapshot, OrgTree};

const CLOUDTRAIL_ACTIONS: [&str; 4] =
    ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors"];
const CONFIG_ACTIONS: [&str; 4] = [
    "config:StopConfigurationRecorder",
    "config:DeleteConfigurationRecorder",
    "config:DeleteDeliveryChannel",
    "config:DeleteConfigRule",
];
/// One action of each global service a region restriction must leave alone.
const GLOBAL_SERVICE_ACTIONS: [&str; 6] = [
    "iam:CreateRole",
    "organizations:DescribeOrganization",
    "sts:AssumeRole",
    "route53:ChangeResourceRecordSets",
    "cloudfront:CreateDistribution",
    "support:CreateCase",
];
const REGION_KEY: &str = "aws:requestedregion";
const PRINCIPAL_KEYS: [&str; 2] = ["aws:principalarn", "aws:principalorgpaths"];

/// Calls `judge` for each audited member account with its levels; the organization being unreadable, the
/// account being the management account or its levels being unreadable are reported instead.
fn per_member(ctx: &Ctx<'_>, judge: impl Fn(At, &[Level<'_>]) -> Outcome) -> Vec<Outcome> {
    let tree = match ctx.snapshot.organization.get() {
        Ok(tree) => tree,
        Err(e) => return ctx.accounts().map(|a| At::account(a).not_evaluated(&e)).collect(),
    };
    let view = OrgView::new(tree);
    ctx.accounts()
        .map(|account| {
            let at = At::account(account);
            if account.account_id == tree.management_account_id {
                return at.skipped(
                    "not applicable: SCPs never apply to the management account".into(),
                    json!({"management_account": tree.management_account_id}),
                );
            }
            if tree.scp_enabled() == Some(false) {
                return at.fail(
                    "service control policies are disabled on the root: no SCP restricts this account".into(),
                    json!({"scp_policy_type_enabled": false}),
                );
            }
            match view.levels(&account.account_id) {
                Ok(levels) => judge(at, &levels),
                Err(reason) => at.unknown(format!("could not be evaluated: {reason}"), json!({})),
            }
        })
        .collect()
}

fn path_evidence(levels: &[Level<'_>]) -> Value {
    json!(levels
        .iter()
        .map(
            |l| json!({"level": l.id, "name": l.name, "policies": l.policies.iter().map(|p| p.id).collect::<Vec<_>>()})
        )
        .collect::<Vec<_>>())
}

/// Whether a statement's conditions only exempt principals (`aws:PrincipalArn`, `aws:PrincipalOrgPaths` …): a
/// Deny with such conditions still protects against everyone else, while one conditioned on anything else
/// (a region, a tag) leaves the action open whenever that condition does not hold.
fn exempts_principals_only(condition: Option<&Value>) -> bool {
    let Some(Value::Object(operators)) = condition else { return false };
    let keys: Vec<String> = operators
        .values()
        .filter_map(Value::as_object)
        .flat_map(|keys| keys.keys().map(|k| k.to_ascii_lowercase()))
        .collect();
    !keys.is_empty() && keys.iter().all(|k| k.starts_with("aws:principal"))
}

/// Whether each action is denied on the path; a failure lists those still allowed, always or in some cases.
fn judge_protected(at: At, levels: &[Level<'_>], actions: &[&str], what: &str) -> Outcome {
    let decisions: Vec<(&str, crate::scp::eval::Decision)> =
        actions.iter().map(|a| (*a, evaluate(levels, &Query { action: a, resource: None }))).collect();
    let evidence = json!({
        "path": path_evidence(levels),
        "decisions": decisions.iter().map(|(a, d)| json!({"action": a, "verdict": d.verdict, "reason": d.reason})).collect::<Vec<_>>(),
    });
    let allowed: Vec<&str> = decisions.iter().filter(|(_, d)| d.verdict == Verdict::Allowed).map(|(a, _)| *a).collect();
    if !allowed.is_empty() {
        return at
            .fail(format!("{} allowed: no SCP on the path from the root denies {what}", allowed.join(", ")), evidence);
    }
    // Conditional: protected only if some deciding Deny applies to everyone but exempted principals.
    let open_sometimes: Vec<&str> = decisions
        .iter()
        .filter(|(_, d)| d.verdict == Verdict::Conditional)
        .filter(|(_, d)| {
            !d.deciding
                .iter()
                .any(|s| s.effect == Effect::Deny && !s.partial && exempts_principals_only(s.condition.as_ref()))
        })
        .map(|(a, _)| *a)
        .collect();
    if !open_sometimes.is_empty() {
        return at.fail(
            format!(
                "{} allowed whenever a condition of the only deny does not hold (e.g. in another region): {what} is not reliably denied",
                open_sometimes.join(", ")
            ),
            evidence,
        );
    }
    if decisions.iter().any(|(_, d)| d.verdict == Verdict::Conditional) {
        at.pass(format!("{what} denied to all but principals exempted by aws:PrincipalArn-style conditions"), evidence)
    } else {
        at.pass(format!("{what} denied by SCP: {}", decisions[0].1.reason), evidence)
    }
}

pub fn guardrails_present(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_member(ctx, |at, levels| {
        let guardrails: Vec<&str> = levels
            .iter()
            .flat_map(|l| l.policies.iter())
            .filter(|p| p.id != FULL_AWS_ACCESS_ID)
            .map(|p| p.name)
            .collect();
        let evidence = json!({"path": path_evidence(levels)});
        if guardrails.is_empty() {
            at.fail(
                "only FullAWSAccess is attached on the path: SCPs restrict nothing in this account".into(),
                evidence,
            )
        } else {
            at.pass(format!("guardrails on the path: {}", guardrails.join(", ")), evidence)
        }
    })
}

pub fn deny_leave_organization(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_member(ctx, |at, levels| {
        judge_protected(at, levels, &["organizations:LeaveOrganization"], "leaving the organization")
    })
}

pub fn protect_cloudtrail(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_member(ctx, |at, levels| judge_protected(at, levels, &CLOUDTRAIL_ACTIONS, "stopping or changing CloudTrail"))
}

pub fn protect_config(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_member(ctx, |at, levels| judge_protected(at, levels, &CONFIG_ACTIONS, "stopping or dismantling AWS Config"))
}

/// The Deny statements on the path, with where they sit.
fn denies<'a>(
    levels: &'a [Level<'a>],
) -> impl Iterator<Item = (&'a Level<'a>, &'a AttachedPolicy<'a>, &'a Statement)> + 'a {
    levels.iter().flat_map(|l| {
        l.policies
            .iter()
            .flat_map(move |p| p.policy.statements.iter().filter(|s| s.effect == Effect::Deny).map(move |s| (l, p, s)))
    })
}

fn statement_name(policy: &AttachedPolicy<'_>, s: &Statement) -> String {
    match &s.sid {
        Some(sid) => format!("{} ({}) statement {sid}", policy.name, policy.id),
        None => format!("{} ({}) statement #{}", policy.name, policy.id, s.index),
    }
}

fn region_denies<'a>(levels: &'a [Level<'a>]) -> Vec<(&'a Level<'a>, &'a AttachedPolicy<'a>, &'a Statement)> {
    denies(levels).filter(|(_, _, s)| s.condition_keys().iter().any(|k| k == REGION_KEY)).collect()
}

pub fn region_restriction(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_member(ctx, |at, levels| {
        let found = region_denies(levels);
        let evidence = json!({
            "path": path_evidence(levels),
            "region_denies": found.iter().map(|(l, p, s)| json!({"level": l.id, "policy": p.id, "statement": s.sid, "condition": s.condition})).collect::<Vec<_>>(),
        });
        match found.first() {
            Some((l, p, s)) => {
                at.pass(format!("regions are restricted by {} at {}", statement_name(p, s), l.id), evidence)
            }
            None => at.fail(
                "no SCP on the path restricts regions (no Deny conditioned on aws:RequestedRegion)".into(),
                evidence,
            ),
        }
    })
}

pub fn region_restriction_global_services(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_member(ctx, |at, levels| {
        let found = region_denies(levels);
        if found.is_empty() {
            return at.skipped("not applicable: no region restriction on the path".into(), json!({}));
        }
        let mut blocked: Vec<String> = Vec::new();
        for (_, p, s) in &found {
            let caught: Vec<&str> = GLOBAL_SERVICE_ACTIONS.iter().copied().filter(|a| s.mentions_action(a)).collect();
            if !caught.is_empty() {
                blocked.push(format!("{} also denies {}", statement_name(p, s), caught.join(", ")));
            }
        }
        let evidence = json!({"region_denies": found.iter().map(|(l, p, s)| json!({"level": l.id, "policy": p.id, "statement": s.sid})).collect::<Vec<_>>(), "blocked": blocked});
        if blocked.is_empty() {
            at.pass("the region restriction exempts the global services".into(), evidence)
        } else {
            at.fail(
                format!(
                    "the region restriction blocks global services outside the approved regions: {}",
                    blocked.join("; ")
                ),
                evidence,
            )
        }
    })
}

/// A Deny on every action, or on everything but a few (NotAction).
fn is_broad(s: &Statement) -> bool {
    match &s.action {
        ActionClause::Action(list) => list.iter().any(|a| a == "*"),
        ActionClause::NotAction(_) => true,
    }
}

pub fn break_glass_exemption(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_member(ctx, |at, levels| {
        let unexempted: Vec<String> = denies(levels)
            .filter(|(_, _, s)| is_broad(s) && !s.condition_keys().iter().any(|k| PRINCIPAL_KEYS.contains(&k.as_str())))
            .map(|(l, p, s)| format!("{} at {}", statement_name(p, s), l.id))
            .collect();
        let broad = denies(levels).filter(|(_, _, s)| is_broad(s)).count();
        let evidence = json!({"broad_denies": broad, "without_principal_exemption": unexempted});
        if !unexempted.is_empty() {
            at.fail(
                format!(
                    "broad denies without an exemption for OrganizationAccountAccessRole or AWSControlTowerExecution: {}",
                    unexempted.join("; ")
                ),
                evidence,
            )
        } else if broad == 0 {
            at.pass("no broad deny on the path".into(), evidence)
        } else {
            at.pass(format!("all {broad} broad denies exempt principals by aws:PrincipalArn"), evidence)
        }
    })
}

/// The organization-level checks report against the management account; unreadable trees against each account.
fn per_tree(ctx: &Ctx<'_>, judge: impl Fn(&OrgTree) -> Vec<Outcome>) -> Vec<Outcome> {
    match ctx.snapshot.organization.get() {
        Ok(tree) => judge(tree),
        Err(e) => ctx.accounts().map(|a| At::account(a).not_evaluated(&e)).collect(),
    }
}

fn org_at(tree: &OrgTree, resource: impl Into<String>) -> At {
    At::new(&tree.management_account_id, GLOBAL, resource)
}

pub fn all_features(ctx: &Ctx<'_>) -> Vec<Outcome> {
    // Every account knows its organization's feature set; judge each organization once.
    let mut seen = BTreeMap::new();
    let mut out = Vec::new();
    for account in ctx.accounts() {
        match account.organization.get() {
            Ok(Some(org)) => {
                seen.entry(org.id.clone()).or_insert_with(|| org.clone());
            }
            Ok(None) => out.push(
                At::account(account).skipped("not applicable: the account is not in an organization".into(), json!({})),
            ),
            Err(e) => out.push(At::account(account).not_evaluated(&e)),
        }
    }
    for (id, org) in seen {
        let at = At::new(&org.management_account_id, GLOBAL, id.clone());
        let evidence = json!({"organization_id": id, "feature_set": org.feature_set});
        out.push(if org.feature_set == "ALL" {
            at.pass(format!("organization {id} has all features enabled"), evidence)
        } else {
            at.fail(format!("organization {id} is consolidated billing only: no SCP can apply"), evidence)
        });
    }
    out
}

pub fn scp_enabled(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_tree(ctx, |tree| {
        let at = org_at(tree, tree.roots.first().map_or(tree.id.clone(), |r| r.id.clone()));
        let evidence = json!({"roots": tree.roots});
        vec![match tree.scp_enabled() {
            Some(true) => at.pass("the SERVICE_CONTROL_POLICY type is enabled on the root".into(), evidence),
            Some(false) => at.fail(
                "the SERVICE_CONTROL_POLICY type is not enabled on the root: attached SCPs have no effect".into(),
                evidence,
            ),
            None => at.unknown("could not be evaluated: the organization's root was not read".into(), evidence),
        }]
    })
}

pub fn policy_valid(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_tree(ctx, |tree| {
        let view = OrgView::new(tree);
        tree.policies
            .iter()
            .filter(|p| !p.aws_managed)
            .map(|p| {
                let at = org_at(tree, p.id.clone());
                match (p.content.get(), view.parsed(&p.id)) {
                    (Err(e), _) => at.not_evaluated(&e),
                    (Ok(_), Some(Ok(policy))) => at.pass(
                        format!("policy {} parses: {} statements", p.name, policy.statements.len()),
                        json!({"policy": p.id}),
                    ),
                    (Ok(_), Some(Err(e))) => at.fail(
                        format!("policy {} ({}) is not valid policy JSON: {e}", p.name, p.id),
                        json!({"policy": p.id, "error": e}),
                    ),
                    (Ok(_), None) => at.unknown("could not be evaluated: the policy was not parsed".into(), json!({})),
                }
            })
            .collect()
    })
}

pub fn policy_size(ctx: &Ctx<'_>) -> Vec<Outcome> {
    // 90 % of the quota: room for one more statement is about all that is left.
    let threshold = SCP_MAX_CHARS * 9 / 10;
    per_tree(ctx, |tree| {
        tree.policies
            .iter()
            .filter(|p| !p.aws_managed)
            .map(|p| {
                let at = org_at(tree, p.id.clone());
                match p.content.get() {
                    Err(e) => at.not_evaluated(&e),
                    Ok(text) => {
                        let size = text.chars().count();
                        let evidence = json!({"policy": p.id, "characters": size, "limit": SCP_MAX_CHARS});
                        if size >= threshold {
                            at.fail(format!("policy {} uses {size} of {SCP_MAX_CHARS} characters", p.name), evidence)
                        } else {
                            at.pass(format!("policy {} uses {size} of {SCP_MAX_CHARS} characters", p.name), evidence)
                        }
                    }
                }
            })
            .collect()
    })
}

pub fn attachment_limit(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_tree(ctx, |tree| {
        if let Some(e) = tree.policies.iter().find_map(|p| p.targets.get().err()) {
            return vec![org_at(tree, tree.id.clone()).not_evaluated(&e)];
        }
        let targets = tree
            .roots
            .iter()
            .map(|r| r.id.as_str())
            .chain(tree.units.iter().map(|u| u.id.as_str()))
            .chain(tree.accounts.iter().map(|a| a.id.as_str()));
        targets
            .filter_map(|target| {
                let attached: Vec<&str> = tree.policies_on(target).map(|p| p.id.as_str()).collect();
                if attached.is_empty() {
                    return None;
                }
                let at = org_at(tree, target.to_string());
                let evidence = json!({"target": target, "attached": attached, "limit": SCP_MAX_PER_TARGET});
                let n = attached.len();
                Some(if n + 1 >= SCP_MAX_PER_TARGET {
                    at.fail(format!("{target} has {n} of {SCP_MAX_PER_TARGET} SCPs attached"), evidence)
                } else {
                    at.pass(format!("{target} has {n} of {SCP_MAX_PER_TARGET} SCPs attached"), evidence)
                })
            })
            .collect()
    })
}

pub fn management_account_workloads(ctx: &Ctx<'_>) -> Vec<Outcome> {
    ctx.accounts()
        .filter_map(|a: &AccountSnapshot| {
            let org = a.organization.get().ok()?.as_ref()?;
            (org.management_account_id == a.account_id).then(|| {
                At::account(a).fail(
                    "this audit covers the management account, where no SCP applies: anything running here has no guardrail".into(),
                    json!({"organization_id": org.id}),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::report::Status;
    use crate::snapshot::{Collected, OrgMember, OrgPolicy, OrgRoot, OrgUnit, PolicyTypeState, Snapshot};

    const FULL: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

    fn policy(id: &str, content: &str, targets: &[&str]) -> OrgPolicy {
        OrgPolicy {
            id: id.into(),
            name: id.trim_start_matches("p-").into(),
            aws_managed: id == FULL_AWS_ACCESS_ID,
            content: Collected::ok(content.into()),
            targets: Collected::ok(targets.iter().map(|t| t.to_string()).collect()),
        }
    }

    /// Root r-1 → OU ou-1 → member ACCT; the management account MGMT under the root. FullAWSAccess everywhere,
    /// plus the given policies.
    fn org(extra: Vec<OrgPolicy>) -> Snapshot {
        let mut policies = vec![policy(FULL_AWS_ACCESS_ID, FULL, &["r-1", "ou-1", ACCT, MGMT])];
        policies.extend(extra);
        let tree = OrgTree {
            id: "o-example".into(),
            management_account_id: MGMT.into(),
            feature_set: "ALL".into(),
            roots: vec![OrgRoot {
                id: "r-1".into(),
                name: "Root".into(),
                policy_types: vec![PolicyTypeState {
                    policy_type: "SERVICE_CONTROL_POLICY".into(),
                    status: "ENABLED".into(),
                }],
            }],
            units: vec![OrgUnit { id: "ou-1".into(), name: "Workloads".into(), parent_id: "r-1".into() }],
            accounts: vec![
                OrgMember { id: ACCT.into(), name: None, parent_id: "ou-1".into(), status: "ACTIVE".into() },
                OrgMember { id: MGMT.into(), name: None, parent_id: "r-1".into(), status: "ACTIVE".into() },
            ],
            policies,
            ..Default::default()
        };
        let mut snap = snapshot(vec![account(ACCT, Some(MGMT), vec![]), account(MGMT, Some(MGMT), vec![])]);
        snap.organization = Collected::ok(tree);
        snap
    }

    fn member_status(f: super::super::Evaluator, snap: &Snapshot) -> (Status, String) {
        let out = f(&Ctx::new(snap));
        let o = out.iter().find(|o| o.account == ACCT).expect("a finding for the member");
        (o.status, o.message.clone())
    }

    const DENY_LEAVE: &str =
        r#"{"Statement":{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}}"#;
    const PROTECT_CT: &str = r#"{"Statement":[{"Sid":"NoTampering","Effect":"Deny","Action":["cloudtrail:StopLogging","cloudtrail:DeleteTrail","cloudtrail:UpdateTrail","cloudtrail:PutEventSelectors"],"Resource":"*"}]}"#;
    const PROTECT_CT_EXEMPT: &str = r#"{"Statement":[{"Effect":"Deny","Action":"cloudtrail:*","Resource":"*","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/OrganizationAccountAccessRole"}}}]}"#;
    const REGION_GOOD: &str = r#"{"Statement":[{"Effect":"Deny","NotAction":["iam:*","organizations:*","sts:*","route53:*","cloudfront:*","support:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]},"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/OrganizationAccountAccessRole"}}}]}"#;
    const REGION_BAD: &str = r#"{"Statement":[{"Sid":"Lock","Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}}]}"#;

    #[test]
    fn guardrail_checks_follow_effective_access() {
        // (case, policies, evaluator, expected member status, text in the message)
        type Case = (&'static str, Vec<OrgPolicy>, super::super::Evaluator, Status, &'static str);
        let cases: Vec<Case> = vec![
            ("only FullAWSAccess", vec![], guardrails_present, Status::Fail, "only FullAWSAccess"),
            (
                "deny at the root",
                vec![policy("p-leave", DENY_LEAVE, &["r-1"])],
                guardrails_present,
                Status::Pass,
                "leave",
            ),
            ("leave allowed", vec![], deny_leave_organization, Status::Fail, "organizations:LeaveOrganization allowed"),
            (
                "leave denied at root",
                vec![policy("p-leave", DENY_LEAVE, &["r-1"])],
                deny_leave_organization,
                Status::Pass,
                "p-leave",
            ),
            // Attached to another target: does not protect this account.
            (
                "deny elsewhere",
                vec![policy("p-leave", DENY_LEAVE, &[MGMT])],
                deny_leave_organization,
                Status::Fail,
                "allowed",
            ),
            ("trail unprotected", vec![], protect_cloudtrail, Status::Fail, "cloudtrail:StopLogging"),
            // A deny on everything outside one region leaves StopLogging open inside it.
            (
                "only a region lock",
                vec![policy("p-reg", REGION_BAD, &["ou-1"])],
                protect_cloudtrail,
                Status::Fail,
                "not reliably denied",
            ),
            (
                "trail protected but for exempted roles",
                vec![policy("p-ct", PROTECT_CT_EXEMPT, &["r-1"])],
                protect_cloudtrail,
                Status::Pass,
                "exempted",
            ),
            (
                "trail protected at OU",
                vec![policy("p-ct", PROTECT_CT, &["ou-1"])],
                protect_cloudtrail,
                Status::Pass,
                "denied",
            ),
            (
                "config unprotected",
                vec![policy("p-ct", PROTECT_CT, &["ou-1"])],
                protect_config,
                Status::Fail,
                "config:StopConfigurationRecorder",
            ),
            ("no region deny", vec![], region_restriction, Status::Fail, "no SCP on the path restricts regions"),
            ("region deny", vec![policy("p-reg", REGION_GOOD, &["ou-1"])], region_restriction, Status::Pass, "p-reg"),
            (
                "globals exempt",
                vec![policy("p-reg", REGION_GOOD, &["ou-1"])],
                region_restriction_global_services,
                Status::Pass,
                "exempts",
            ),
            (
                "globals blocked",
                vec![policy("p-reg", REGION_BAD, &["ou-1"])],
                region_restriction_global_services,
                Status::Fail,
                "iam:CreateRole",
            ),
            (
                "no region deny, globals n/a",
                vec![],
                region_restriction_global_services,
                Status::Skipped,
                "no region restriction",
            ),
            (
                "broad deny exempted",
                vec![policy("p-reg", REGION_GOOD, &["ou-1"])],
                break_glass_exemption,
                Status::Pass,
                "exempt",
            ),
            (
                "broad deny not exempted",
                vec![policy("p-reg", REGION_BAD, &["ou-1"])],
                break_glass_exemption,
                Status::Fail,
                "statement Lock",
            ),
        ];
        for (name, extra, f, want, text) in cases {
            let (status, msg) = member_status(f, &org(extra));
            assert_eq!(status, want, "{name}: {msg}");
            assert!(msg.contains(text), "{name}: {msg}");
        }
    }

    #[test]
    fn an_allow_list_at_an_ou_blocks_what_the_root_allows() {
        // The OU's FullAWSAccess is replaced by an allow-list: leaving is not allowed there, so it is denied.
        let mut snap = org(vec![policy(
            "p-allow",
            r#"{"Statement":[{"Effect":"Allow","Action":["s3:*","ec2:*"],"Resource":"*"}]}"#,
            &["ou-1"],
        )]);
        if let Collected::Ok { data } = &mut snap.organization {
            data.policies[0].targets = Collected::ok(vec!["r-1".into(), ACCT.into(), MGMT.into()]);
        }
        let (status, msg) = member_status(deny_leave_organization, &snap);
        assert_eq!(status, Status::Pass, "{msg}");
    }

    #[test]
    fn the_management_account_is_never_judged_and_is_flagged() {
        let snap = org(vec![]);
        let out = deny_leave_organization(&Ctx::new(&snap));
        let mgmt = out.iter().find(|o| o.account == MGMT).unwrap();
        assert_eq!(mgmt.status, Status::Skipped);
        let flagged = management_account_workloads(&Ctx::new(&snap));
        assert_eq!(flagged.len(), 1);
        assert_eq!((flagged[0].account.as_str(), flagged[0].status), (MGMT, Status::Fail));
    }

    #[test]
    fn unreadable_policies_make_members_unknown_and_fail_validation() {
        let snap = org(vec![policy("p-bad", r#"{"Statement":[{"Effect":"Deny","Action":"*",}]}"#, &["ou-1"])]);
        let (status, msg) = member_status(deny_leave_organization, &snap);
        assert_eq!(status, Status::Unknown, "{msg}");
        assert!(msg.contains("p-bad"), "{msg}");
        let out = policy_valid(&Ctx::new(&snap));
        let bad = out.iter().find(|o| o.resource == "p-bad").unwrap();
        assert_eq!(bad.status, Status::Fail);
        assert!(bad.message.contains("not valid policy JSON"), "{}", bad.message);
    }

    #[test]
    fn organization_not_readable_is_unknown_everywhere() {
        let mut snap = org(vec![]);
        snap.organization = Collected::Error { error: denied("organizations:ListRoots") };
        for f in [deny_leave_organization, policy_valid, scp_enabled, attachment_limit] as [super::super::Evaluator; 4]
        {
            let out = f(&Ctx::new(&snap));
            assert!(!out.is_empty());
            assert!(
                out.iter().all(|o| o.status == Status::Unknown && o.message.contains("organizations:ListRoots")),
                "{out:?}"
            );
        }
    }

    #[test]
    fn quotas_and_policy_type() {
        let big = format!(
            r#"{{"Statement":[{{"Effect":"Deny","Action":"ec2:RunInstances","Resource":"*","Sid":"{}"}}]}}"#,
            "x".repeat(4700)
        );
        let snap = org(vec![
            policy("p-big", &big, &["ou-1"]),
            policy("p-a", DENY_LEAVE, &["ou-1"]),
            policy("p-b", PROTECT_CT, &["ou-1"]),
        ]);
        let sizes = policy_size(&Ctx::new(&snap));
        assert_eq!(sizes.iter().find(|o| o.resource == "p-big").unwrap().status, Status::Fail);
        assert_eq!(sizes.iter().find(|o| o.resource == "p-a").unwrap().status, Status::Pass);
        let limits = attachment_limit(&Ctx::new(&snap));
        // ou-1 holds FullAWSAccess + 3 = 4 of 5: one more fills it.
        assert_eq!(limits.iter().find(|o| o.resource == "ou-1").unwrap().status, Status::Fail);
        assert_eq!(limits.iter().find(|o| o.resource == "r-1").unwrap().status, Status::Pass);

        let mut disabled = org(vec![]);
        if let Collected::Ok { data } = &mut disabled.organization {
            data.roots[0].policy_types.clear();
        }
        assert_eq!(scp_enabled(&Ctx::new(&disabled))[0].status, Status::Fail);
        let (status, msg) = member_status(deny_leave_organization, &disabled);
        assert_eq!(status, Status::Fail, "{msg}");
    }
}
