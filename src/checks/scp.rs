//! Service control policy checks (study sections 9–11), judged the way AWS decides: for each audited
//! member account, the SCPs attached at every level from the root to the account go through the effective-
//! access engine in `crate::scp`, rather than one policy being read on its own. A guardrail attached at an OU
//! protects the accounts below it and no other; an allow-list at an OU narrows everything beneath it.
//!
//! SCPs never apply to the management account, so it is reported as such and never judged.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{At, Ctx, Outcome, GLOBAL};
use crate::scp::binding::{classify_condition, protection, Reach, TestEffect};
use crate::scp::condition::{RequestContext, Truth};
use crate::scp::eval::{AttachedPolicy, Level};
use crate::scp::org::OrgView;
use crate::scp::policy::{ActionClause, Effect, ResourceClause, Statement};
use crate::scp::{SCP_MAX_CHARS, SCP_MAX_PER_TARGET};
use crate::snapshot::{AccountSnapshot, Collected, CollectionError, OrgTree, RegionSnapshot};

/// What an attacker would call to blind CloudTrail (Control Tower's "disallow changes to CloudTrail" set).
const CLOUDTRAIL_ACTIONS: [&str; 4] =
    ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors"];
/// What would stop or dismantle AWS Config: stopping or deleting the recorder, re-pointing or deleting the
/// delivery channel, rewriting the recorder to record nothing, deleting rules (Control Tower's Config controls).
const CONFIG_ACTIONS: [&str; 6] = [
    "config:StopConfigurationRecorder",
    "config:DeleteConfigurationRecorder",
    "config:PutConfigurationRecorder",
    "config:DeleteDeliveryChannel",
    "config:PutDeliveryChannel",
    "config:DeleteConfigRule",
];
/// One action of each global service, whose requests resolve to us-east-1 whatever region the caller uses.
const GLOBAL_SERVICE_ACTIONS: [&str; 6] = [
    "iam:CreateRole",
    "organizations:DescribeOrganization",
    "sts:AssumeRole",
    "route53:ChangeResourceRecordSets",
    "cloudfront:CreateDistribution",
    "support:CreateCase",
];
/// The region global services' requests carry in `aws:RequestedRegion`.
const GLOBAL_SERVICES_REGION: &str = "us-east-1";
/// Regional actions across compute, storage, serverless, databases, messaging, keys and IaC: a region
/// restriction must deny all of them outside the approved regions, not one API.
const REGIONAL_ACTIONS: [&str; 12] = [
    "ec2:RunInstances",
    "s3:CreateBucket",
    "lambda:CreateFunction",
    "rds:CreateDBInstance",
    "dynamodb:CreateTable",
    "ecs:CreateCluster",
    "eks:CreateCluster",
    "sqs:CreateQueue",
    "sns:CreateTopic",
    "kms:CreateKey",
    "logs:CreateLogGroup",
    "cloudformation:CreateStack",
];
/// Every commercial region, opt-in ones included: where a restriction is probed.
const ALL_REGIONS: [&str; 33] = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "ca-west-1",
    "mx-central-1",
    "sa-east-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-1",
    "ap-south-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
];

/// Calls `judge` for each audited member account with its levels and what its requests always carry; the
/// organization being unreadable, the account being the management account or its levels being unreadable
/// are reported instead.
fn per_member(ctx: &Ctx<'_>, judge: impl Fn(At, &[Level<'_>], &RequestContext) -> Outcome) -> Vec<Outcome> {
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
                Ok(levels) => judge(at, &levels, &view.context(&account.account_id)),
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

/// The resources an action is authorized against, as probes in this account: several trails for CloudTrail's
/// trail actions, so a Deny on `trail/*` counts as covering them while one on `trail/audit` does not; `*` for
/// actions without resource-level permissions, which a Deny protects only when it names every resource.
/// Config's recorder actions are probed both ways, since older recorders are authorized against `*`.
fn probe_resources(action: &str, account: &str) -> Vec<String> {
    let names = ["organization-trail", "x"];
    let regions = ["us-east-1", "eu-west-1", "ap-southeast-2"];
    let arns = |service: &str, kind: &str| -> Vec<String> {
        regions
            .iter()
            .flat_map(|r| names.iter().map(move |n| format!("arn:aws:{service}:{r}:{account}:{kind}/{n}")))
            .collect()
    };
    let action = action.to_ascii_lowercase();
    if action.starts_with("cloudtrail:") {
        arns("cloudtrail", "trail")
    } else if action.ends_with("configurationrecorder") {
        let mut probes = arns("config", "configuration-recorder");
        probes.push("*".into());
        probes
    } else {
        vec!["*".into()]
    }
}

/// Services with one global endpoint: their requests carry `aws:RequestedRegion` us-east-1 wherever the caller
/// is. (STS is left out: its regional endpoints carry their own region.)
const GLOBAL_SERVICES: [&str; 6] = ["iam", "organizations", "route53", "cloudfront", "support", "budgets"];

/// How `action` fares in the account across every probe resource: the worst answer wins.
fn reach_of(levels: &[Level<'_>], rctx: &RequestContext, account: &str, action: &str) -> (Reach, String) {
    let global =
        action.split_once(':').is_some_and(|(svc, _)| GLOBAL_SERVICES.iter().any(|g| g.eq_ignore_ascii_case(svc)));
    let resolved;
    let rctx = if global && rctx.values_of("aws:RequestedRegion").is_empty() {
        resolved = rctx.clone().with("aws:RequestedRegion", [GLOBAL_SERVICES_REGION]);
        &resolved
    } else {
        rctx
    };
    let mut worst = Reach::Denied;
    let mut reason = String::new();
    for resource in probe_resources(action, account) {
        let (reach, decision) = protection(levels, action, Some(&resource), rctx);
        if reason.is_empty() || (!reach.is_blocked() && worst.is_blocked()) {
            reason = decision.reason;
        }
        worst = worst.worst(reach);
    }
    (worst, reason)
}

/// Whether each action is denied to every principal of the account (or to all but narrowly exempted ones); a
/// failure names each action still open and why the Denies on the path do not hold it.
fn judge_protected(at: At, levels: &[Level<'_>], rctx: &RequestContext, actions: &[&str], what: &str) -> Outcome {
    let account = rctx.values_of("aws:PrincipalAccount").first().cloned().unwrap_or_default();
    let judged: Vec<(&str, Reach, String)> = actions
        .iter()
        .map(|a| {
            let (reach, reason) = reach_of(levels, rctx, &account, a);
            (*a, reach, reason)
        })
        .collect();
    let evidence = json!({
        "path": path_evidence(levels),
        "decisions": judged.iter().map(|(a, r, reason)| json!({
            "action": a,
            "protection": match r { Reach::Denied => "denied", Reach::Exempted(_) => "denied_with_exemptions", Reach::Open(_) => "open" },
            "exemptions": match r { Reach::Exempted(e) => e.clone(), _ => Vec::new() },
            "why": match r { Reach::Open(why) => why.clone(), _ => reason.clone() },
        })).collect::<Vec<_>>(),
    });
    let open: Vec<String> = judged
        .iter()
        .filter_map(|(a, r, _)| if let Reach::Open(why) = r { Some(format!("{a} {why}")) } else { None })
        .collect();
    if !open.is_empty() {
        return at.fail(format!("{what} is not prevented by SCP: {}", open.join(" | ")), evidence);
    }
    let mut exemptions: Vec<String> = Vec::new();
    for (_, r, _) in &judged {
        if let Reach::Exempted(e) = r {
            exemptions.extend(e.iter().filter(|x| !exemptions.contains(x)).cloned().collect::<Vec<_>>());
        }
    }
    if exemptions.is_empty() {
        at.pass(format!("{what} is denied to every principal by SCP: {}", judged[0].2), evidence)
    } else {
        at.pass(
            format!("{what} is denied by SCP to every principal except those exempted by {}", exemptions.join("; ")),
            evidence,
        )
    }
}

/// The SCPs on the path that restrict anything in the account: those with a Deny that can apply here, and the
/// allow-lists of any level without an unconditional `Allow *` on every resource. A copy of FullAWSAccess
/// (or any policy of Allows next to one) restricts nothing.
fn restricting_policies(levels: &[Level<'_>], rctx: &RequestContext) -> Vec<String> {
    let mut out = Vec::new();
    for level in levels {
        let allows_all = level.policies.iter().flat_map(|p| &p.policy.statements).any(|s| {
            let every_resource = match &s.resource {
                ResourceClause::All => true,
                ResourceClause::Resource(r) => r.iter().any(|x| x == "*"),
                ResourceClause::NotResource(_) => false,
            };
            s.effect == Effect::Allow
                && matches!(&s.action, ActionClause::Action(a) if a.iter().any(|x| x == "*"))
                && every_resource
                && settles_true(s, rctx)
        });
        for p in &level.policies {
            let denies = p.policy.statements.iter().any(|s| s.effect == Effect::Deny && !settles_false(s, rctx));
            if denies || (!allows_all && p.policy.statements.iter().any(|s| s.effect == Effect::Allow)) {
                out.push(format!("{} ({}) at {}", p.name, p.id, level.id));
            }
        }
        if level.policies.is_empty() {
            out.push(format!("nothing attached at {}, which denies everything there", level.id));
        }
    }
    out
}

fn settles(s: &Statement, rctx: &RequestContext) -> Option<Truth> {
    let c = s.condition.as_ref().filter(|_| s.is_conditional())?;
    Some(crate::scp::condition::evaluate(c, rctx))
}

/// The statement has no condition, or its condition holds for every request of the account.
fn settles_true(s: &Statement, rctx: &RequestContext) -> bool {
    matches!(settles(s, rctx), None | Some(Truth::True))
}

/// The statement's condition is false for every request of the account (e.g. it names another account).
fn settles_false(s: &Statement, rctx: &RequestContext) -> bool {
    matches!(settles(s, rctx), Some(Truth::False))
}

pub fn guardrails_present(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_member(ctx, |at, levels, rctx| {
        let guardrails = restricting_policies(levels, rctx);
        let evidence = json!({"path": path_evidence(levels), "restricting": guardrails});
        if guardrails.is_empty() {
            at.fail(
                "no SCP on the path restricts anything: only FullAWSAccess, or policies that allow as much, is attached".into(),
                evidence,
            )
        } else {
            at.pass(format!("guardrails on the path: {}", guardrails.join(", ")), evidence)
        }
    })
}

pub fn deny_leave_organization(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_member(ctx, |at, levels, rctx| {
        judge_protected(at, levels, rctx, &["organizations:LeaveOrganization"], "leaving the organization")
    })
}

pub fn protect_cloudtrail(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_member(ctx, |at, levels, rctx| {
        judge_protected(at, levels, rctx, &CLOUDTRAIL_ACTIONS, "stopping or changing CloudTrail")
    })
}

pub fn protect_config(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_member(ctx, |at, levels, rctx| {
        judge_protected(at, levels, rctx, &CONFIG_ACTIONS, "stopping or dismantling AWS Config")
    })
}

/// Where each regional action is open, found by asking the engine in every region.
struct RegionMap {
    /// (action, regions where it is open), for the regional actions.
    open_in: Vec<(&'static str, Vec<&'static str>)>,
    /// Why one regional action is blocked in one region, to name what restricts.
    example: Option<String>,
}

impl RegionMap {
    fn probe(levels: &[Level<'_>], rctx: &RequestContext) -> Self {
        let mut example = None;
        let open_in = REGIONAL_ACTIONS
            .iter()
            .map(|action| {
                let mut open = Vec::new();
                for region in ALL_REGIONS {
                    let in_region = rctx.clone().with("aws:RequestedRegion", [region]);
                    let (reach, decision) = protection(levels, action, None, &in_region);
                    if reach.is_blocked() {
                        if let Some(deny) = decision.deciding.iter().find(|s| s.effect == Effect::Deny) {
                            example.get_or_insert_with(|| crate::scp::binding::statement_name(deny));
                        }
                    } else {
                        open.push(region);
                    }
                }
                (*action, open)
            })
            .collect();
        RegionMap { open_in, example }
    }

    /// Actions open in some regions but not all: those a region restriction holds.
    fn restricted(&self) -> Vec<&(&'static str, Vec<&'static str>)> {
        self.open_in.iter().filter(|(_, r)| !r.is_empty() && r.len() < ALL_REGIONS.len()).collect()
    }

    /// Actions open in every region.
    fn unrestricted(&self) -> Vec<&'static str> {
        self.open_in.iter().filter(|(_, r)| r.len() == ALL_REGIONS.len()).map(|(a, _)| *a).collect()
    }

    /// Regions where at least one regional action is open.
    fn approved(&self) -> Vec<&'static str> {
        ALL_REGIONS.iter().copied().filter(|r| self.open_in.iter().any(|(_, open)| open.contains(r))).collect()
    }

    fn evidence(&self) -> Value {
        json!(self.open_in.iter().map(|(a, r)| json!({"action": a, "open_in": r})).collect::<Vec<_>>())
    }
}

pub fn region_restriction(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_member(ctx, |at, levels, rctx| {
        let map = RegionMap::probe(levels, rctx);
        let restricted = map.restricted();
        let unrestricted = map.unrestricted();
        let evidence = json!({"path": path_evidence(levels), "regional_actions": map.evidence(), "probed_regions": ALL_REGIONS.len()});
        if restricted.is_empty() {
            let open = if unrestricted.is_empty() {
                "denied everywhere".to_string()
            } else {
                format!("{} allowed in every region", unrestricted.join(", "))
            };
            return at.fail(format!("no SCP on the path restricts regions: {open}"), evidence);
        }
        if !unrestricted.is_empty() {
            let held: Vec<&str> = restricted.iter().map(|(a, _)| *a).collect();
            return at.fail(
                format!(
                    "the region restriction covers only some services: {} limited to some regions, but {} allowed in every region",
                    held.join(", "),
                    unrestricted.join(", ")
                ),
                evidence,
            );
        }
        at.pass(
            format!(
                "regional actions across {} services are denied outside {}{}",
                REGIONAL_ACTIONS.len(),
                map.approved().join(", "),
                map.example.as_ref().map(|e| format!(", by {e}")).unwrap_or_default()
            ),
            evidence,
        )
    })
}

pub fn region_restriction_global_services(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_member(ctx, |at, levels, rctx| {
        let map = RegionMap::probe(levels, rctx);
        if map.restricted().is_empty() {
            return at.skipped("not applicable: no region restriction on the path".into(), json!({}));
        }
        let approved = map.approved();
        let in_us_east_1 = rctx.clone().with("aws:RequestedRegion", [GLOBAL_SERVICES_REGION]);
        // Blocked by the restriction: denied in us-east-1 (where global services' requests land) yet allowed in
        // an approved region; an action denied everywhere is a separate guardrail, not the restriction's doing.
        let mut blocked = Vec::new();
        let mut checked = Vec::new();
        for action in GLOBAL_SERVICE_ACTIONS {
            let (reach, decision) = protection(levels, action, None, &in_us_east_1);
            let elsewhere_open = approved.iter().any(|r| {
                let ctx = rctx.clone().with("aws:RequestedRegion", [*r]);
                !protection(levels, action, None, &ctx).0.is_blocked()
            });
            checked.push(json!({"action": action, "us_east_1": if reach.is_blocked() { "blocked" } else { "open" }, "reason": decision.reason}));
            if reach.is_blocked() && elsewhere_open {
                blocked.push(action);
            }
        }
        let evidence = json!({"approved_regions": approved, "global_services_region": GLOBAL_SERVICES_REGION, "global_actions": checked});
        if blocked.is_empty() {
            at.pass(
                format!(
                    "global services keep working: their requests resolve to {GLOBAL_SERVICES_REGION}, where the region restriction lets {} through",
                    GLOBAL_SERVICE_ACTIONS.join(", ")
                ),
                evidence,
            )
        } else {
            at.fail(
                format!(
                    "the region restriction blocks global services: {} denied in {GLOBAL_SERVICES_REGION}, where global services' requests resolve, though allowed in {}",
                    blocked.join(", "),
                    approved.join(", ")
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

/// Broad Denies must spare a named break-glass role (OrganizationAccountAccessRole, AWSControlTowerExecution or
/// another): otherwise they lock out the roles that repair an account. An exemption counts only when it names
/// specific principals; `role/*` spares everyone and is reported as such.
pub fn break_glass_exemption(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_member(ctx, |at, levels, rctx| {
        let mut unexempted = Vec::new();
        let mut exempted = Vec::new();
        let mut broad_count = 0;
        for level in levels {
            for p in &level.policies {
                for s in p.policy.statements.iter().filter(|s| s.effect == Effect::Deny && is_broad(s)) {
                    let residual = match settles(s, rctx) {
                        Some(Truth::False) => continue,
                        None | Some(Truth::True) => None,
                        Some(Truth::Depends(left)) => Some(left),
                    };
                    broad_count += 1;
                    let name = statement_name(p, s, level.id);
                    let effects = residual.as_ref().map(classify_condition).unwrap_or_default();
                    let named: Vec<String> = effects
                        .iter()
                        .filter_map(|e| if let TestEffect::Exempts(e) = e { Some(e.clone()) } else { None })
                        .collect();
                    let wide: Vec<String> = effects
                        .iter()
                        .filter_map(|e| if let TestEffect::ExemptsBroadly(e) = e { Some(e.clone()) } else { None })
                        .collect();
                    let targeted: Vec<String> = effects
                        .iter()
                        .filter_map(|e| if let TestEffect::BindsOnly(e) = e { Some(e.clone()) } else { None })
                        .collect();
                    if !wide.is_empty() {
                        unexempted.push(format!(
                            "{name} (its exemption {} spares a whole class of principals)",
                            wide.join("; ")
                        ));
                    } else if !named.is_empty() {
                        exempted.push(format!("{name} spares {}", named.join("; ")));
                    } else if !targeted.is_empty() {
                        // It binds only some principals (quarantined ones, say): it cannot lock out every role.
                        exempted.push(format!("{name} binds only the principals where {}", targeted.join("; ")));
                    } else {
                        unexempted.push(name);
                    }
                }
            }
        }
        let evidence =
            json!({"broad_denies": broad_count, "exempted": exempted, "without_principal_exemption": unexempted});
        if !unexempted.is_empty() {
            at.fail(
                format!(
                    "broad denies without a named break-glass exemption (e.g. OrganizationAccountAccessRole or AWSControlTowerExecution): {}",
                    unexempted.join("; ")
                ),
                evidence,
            )
        } else if broad_count == 0 {
            at.pass("no broad deny on the path: nothing can lock out every role".into(), evidence)
        } else {
            at.pass(format!("every broad deny spares named principals: {}", exempted.join("; ")), evidence)
        }
    })
}

fn statement_name(policy: &AttachedPolicy<'_>, s: &Statement, level: &str) -> String {
    match &s.sid {
        Some(sid) => format!("{} ({}) statement {sid} at {level}", policy.name, policy.id),
        None => format!("{} ({}) statement #{} at {level}", policy.name, policy.id, s.index),
    }
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
        out.push(match org.feature_set.as_str() {
            "ALL" => at.pass(format!("organization {id} has all features enabled"), evidence),
            "CONSOLIDATED_BILLING" => {
                at.fail(format!("organization {id} is consolidated billing only: no SCP can apply"), evidence)
            }
            // An answer without a feature set (or with one unknown to dopaudit) decides nothing.
            "" => at.unknown(
                format!(
                    "the feature set of organization {id} is unknown: organizations:DescribeOrganization did not give one"
                ),
                evidence,
            ),
            other => at.unknown(
                format!("organization {id} has feature set {other}, which dopaudit does not know"),
                evidence,
            ),
        });
    }
    out
}

pub fn scp_enabled(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_tree(ctx, |tree| {
        let at = org_at(tree, tree.roots.first().map_or(tree.id.clone(), |r| r.id.clone()));
        let evidence = json!({"roots": tree.roots, "feature_set": tree.feature_set});
        let state = tree.roots.first().and_then(|r| {
            r.policy_types.iter().find(|t| t.policy_type == "SERVICE_CONTROL_POLICY").map(|t| t.status.as_str())
        });
        vec![match tree.scp_enabled() {
            Some(true) => at.pass("the SERVICE_CONTROL_POLICY type is enabled on the root".into(), evidence),
            Some(false) => at.fail(
                format!(
                    "the SERVICE_CONTROL_POLICY type is {} on the root: attached SCPs have no effect",
                    match state {
                        Some(s) if !s.is_empty() => format!("{s}, not ENABLED,"),
                        _ => "not enabled".to_string(),
                    }
                ),
                evidence,
            ),
            None => at.unknown("could not be evaluated: the organization's root was not read".into(), evidence),
        }]
    })
}

/// One `skipped` outcome at the organization when it holds no customer-managed SCP to judge.
fn no_customer_policies(tree: &OrgTree, mut out: Vec<Outcome>) -> Vec<Outcome> {
    if out.is_empty() {
        out.push(org_at(tree, tree.id.clone()).skipped(
            format!("not applicable: organization {} has no customer-managed SCP (only AWS-managed ones)", tree.id),
            json!({"policies": tree.policies.iter().map(|p| &p.id).collect::<Vec<_>>()}),
        ));
    }
    out
}

pub fn policy_valid(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_tree(ctx, |tree| {
        let view = OrgView::new(tree);
        let out = tree
            .policies
            .iter()
            .filter(|p| !p.aws_managed)
            .map(|p| {
                let at = org_at(tree, p.id.clone());
                match (p.content.get(), view.parsed(&p.id)) {
                    (Err(e), _) => at.not_evaluated(&e),
                    (Ok(_), Some(Ok(policy))) => at.pass(
                        format!(
                            "policy {} parses: {} statement{}",
                            p.name,
                            policy.statements.len(),
                            if policy.statements.len() == 1 { "" } else { "s" }
                        ),
                        json!({"policy": p.id}),
                    ),
                    (Ok(_), Some(Err(e))) => at.fail(
                        format!("policy {} ({}) is not a valid SCP: {e}", p.name, p.id),
                        json!({"policy": p.id, "error": e.to_string()}),
                    ),
                    (Ok(_), None) => at.unknown("could not be evaluated: the policy was not parsed".into(), json!({})),
                }
            })
            .collect();
        no_customer_policies(tree, out)
    })
}

pub fn policy_size(ctx: &Ctx<'_>) -> Vec<Outcome> {
    // 90 % of the quota: room for one more statement is about all that is left.
    let threshold = SCP_MAX_CHARS * 9 / 10;
    per_tree(ctx, |tree| {
        let out = tree
            .policies
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
            .collect();
        no_customer_policies(tree, out)
    })
}

pub fn attachment_limit(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_tree(ctx, |tree| {
        // With some policy's targets unread, counts are only lower bounds: a target already near the limit still
        // fails, but no target can pass.
        let unread = tree.policies.iter().find_map(|p| p.targets.get().err());
        let targets = tree
            .roots
            .iter()
            .map(|r| r.id.as_str())
            .chain(tree.units.iter().map(|u| u.id.as_str()))
            .chain(tree.accounts.iter().map(|a| a.id.as_str()));
        let mut out = targets
            .filter_map(|target| {
                let attached: Vec<&str> = tree.policies_on(target).map(|p| p.id.as_str()).collect();
                if attached.is_empty() {
                    return None;
                }
                let at = org_at(tree, target.to_string());
                let evidence = json!({"target": target, "attached": attached, "limit": SCP_MAX_PER_TARGET});
                let n = attached.len();
                Some(if n >= SCP_MAX_PER_TARGET {
                    at.fail(
                        format!("{target} has {n} of {SCP_MAX_PER_TARGET} SCPs attached: no other can be attached"),
                        evidence,
                    )
                } else if n + 1 == SCP_MAX_PER_TARGET {
                    at.fail(
                        format!(
                            "{target} has {n} of {SCP_MAX_PER_TARGET} SCPs attached: only one more can be attached"
                        ),
                        evidence,
                    )
                } else if unread.is_some() {
                    return None;
                } else {
                    at.pass(format!("{target} has {n} of {SCP_MAX_PER_TARGET} SCPs attached"), evidence)
                })
            })
            .collect::<Vec<_>>();
        if let Some(e) = unread {
            out.push(org_at(tree, tree.id.clone()).not_evaluated(&e));
        } else if out.is_empty() {
            return vec![org_at(tree, tree.id.clone()).skipped(
                format!("not applicable: no root, OU or account of organization {} has an SCP attached", tree.id),
                json!({"targets": 0}),
            )];
        }
        out
    })
}

/// The workload kinds dopaudit reads. EC2 instances, containers and EKS are not read, which is why an empty
/// inventory never passes.
const WORKLOAD_KINDS: [&str; 10] = [
    "Lambda function",
    "API Gateway REST API",
    "Elastic Beanstalk environment",
    "Step Functions state machine",
    "RDS DB instance",
    "RDS DB cluster",
    "DynamoDB table",
    "ElastiCache replication group",
    "ElastiCache cluster",
    "EFS file system",
];

/// For each of [`WORKLOAD_KINDS`], in order: the names found in the region, or why they could not be listed.
fn workloads(region: &RegionSnapshot) -> [Result<Vec<String>, CollectionError>; 10] {
    fn names<T>(
        section: &Collected<T>,
        list: impl Fn(&T) -> Result<Vec<String>, CollectionError>,
    ) -> Result<Vec<String>, CollectionError> {
        list(section.get()?)
    }
    let (compute, data) = (&region.compute, &region.data);
    [
        names(&compute.lambda, |d| Ok(d.functions.iter().map(|f| f.name.clone()).collect())),
        names(&compute.apigateway, |d| Ok(d.rest_apis.iter().map(|a| a.name.clone()).collect())),
        names(&compute.elasticbeanstalk, |d| Ok(d.environments.iter().map(|e| e.name.clone()).collect())),
        names(&compute.stepfunctions, |d| Ok(d.state_machines.iter().map(|m| m.name.clone()).collect())),
        names(&data.rds, |d| Ok(d.instances.iter().map(|i| i.identifier.clone()).collect())),
        names(&data.rds, |d| Ok(d.clusters.get()?.iter().map(|c| c.identifier.clone()).collect())),
        names(&data.dynamodb, |d| Ok(d.tables.iter().map(|t| t.name.clone()).collect())),
        names(&data.elasticache, |d| Ok(d.replication_groups.iter().map(|g| g.id.clone()).collect())),
        names(&data.elasticache, |d| Ok(d.standalone_clusters.get()?.iter().map(|c| c.id.clone()).collect())),
        names(&data.efs, |d| Ok(d.file_systems.iter().map(|f| f.id.clone()).collect())),
    ]
}

/// Judged by what runs in the management account, where no SCP applies: the workloads dopaudit can list fail it;
/// finding none proves nothing while EC2, containers and EKS go unread, so that is `unknown`, never `pass`.
pub fn management_account_workloads(ctx: &Ctx<'_>) -> Vec<Outcome> {
    ctx.accounts()
        .map(|a: &AccountSnapshot| {
            let at = At::account(a);
            let org = match a.organization.get() {
                Err(e) => return at.not_evaluated(&e),
                Ok(None) => {
                    return at.skipped("not applicable: the account is not in an organization".into(), json!({}))
                }
                Ok(Some(org)) if org.management_account_id != a.account_id => {
                    return at.skipped(
                        format!("not applicable: a member account of {}, where SCPs apply", org.id),
                        json!({"organization_id": org.id, "management_account": org.management_account_id}),
                    )
                }
                Ok(Some(org)) => org,
            };
            // kind → regions → names found; and what could not be listed, with the reason.
            let mut found: BTreeMap<&str, BTreeMap<&str, Vec<String>>> = BTreeMap::new();
            let mut unread: Vec<(String, CollectionError)> = Vec::new();
            for region in &a.regions {
                for (kind, listed) in WORKLOAD_KINDS.into_iter().zip(workloads(region)) {
                    match listed {
                        Ok(names) if names.is_empty() => {}
                        Ok(names) => found.entry(kind).or_default().entry(&region.region).or_default().extend(names),
                        // A disabled region runs nothing.
                        Err(e) if e.kind.means_not_applicable() => {}
                        Err(e) => unread.push((format!("{kind}s in {}", region.region), e)),
                    }
                }
            }
            let regions: Vec<&str> = a.regions.iter().map(|r| r.region.as_str()).collect();
            if regions.is_empty() {
                return at.unknown(
                    "no region of the management account was collected, so what runs there is not known".into(),
                    json!({"organization_id": org.id}),
                );
            }
            if !found.is_empty() {
                let summary: Vec<String> = found
                    .iter()
                    .map(|(kind, by_region)| {
                        let n: usize = by_region.values().map(Vec::len).sum();
                        let plural = if n == 1 { "" } else { "s" };
                        let places: Vec<&str> = by_region.keys().copied().collect();
                        format!("{n} {kind}{plural} ({})", places.join(", "))
                    })
                    .collect();
                return at.fail(
                    format!(
                        "the management account of {}, where no SCP applies, runs workloads: {}",
                        org.id,
                        summary.join("; ")
                    ),
                    json!({"organization_id": org.id, "workloads": found, "unread": unread}),
                );
            }
            if let Some((what, e)) = unread.first() {
                return at.unknown(
                    format!(
                        "no workload found in the management account, but {} of the lists could not be read: {what}: {}",
                        unread.len(),
                        e.brief()
                    ),
                    json!({"organization_id": org.id, "unread": unread, "regions": regions}),
                );
            }
            at.unknown(
                format!(
                    "no workload dopaudit reads runs in the management account ({} kinds in {} regions), but EC2 \
                     instances, ECS and EKS are not read, so it cannot be shown free of workloads",
                    WORKLOAD_KINDS.len(),
                    regions.len()
                ),
                json!({"organization_id": org.id, "kinds_read": WORKLOAD_KINDS, "regions": regions}),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::report::Status;
    use crate::scp::FULL_AWS_ACCESS_ID;
    use crate::snapshot::{
        Collected, ComputeSections, DataSections, OrgMember, OrgPolicy, OrgRoot, OrgUnit, PolicyTypeState, Snapshot,
    };

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

    /// A policy with one Deny statement of the given actions, resource and condition (JSON text).
    fn deny(actions: &str, resource: &str, condition: &str) -> String {
        let condition = if condition.is_empty() { String::new() } else { format!(r#","Condition":{condition}"#) };
        format!(
            r#"{{"Statement":[{{"Sid":"Guard","Effect":"Deny","Action":{actions},"Resource":"{resource}"{condition}}}]}}"#
        )
    }

    const CT_ACTIONS: &str = r#"["cloudtrail:StopLogging","cloudtrail:DeleteTrail","cloudtrail:UpdateTrail","cloudtrail:PutEventSelectors"]"#;
    const EXEMPT_ROLE: &str =
        r#"{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/OrganizationAccountAccessRole"}}"#;
    const EXEMPT_ALL_ROLES: &str = r#"{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"}}"#;
    const ONLY_CONTRACTORS: &str = r#"{"StringEquals":{"aws:PrincipalTag/team":"contractors"}}"#;
    const OUTSIDE_EU_WEST_1: &str = r#"{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}"#;
    /// OU-level allow-list: everything, but only in eu-west-1 and us-east-1 (full IAM language in SCPs).
    const ALLOW_IN_TWO_REGIONS: &str = r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}}]}"#;
    const ALLOW_IN_EU_WEST_1: &str = r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":["eu-west-1"]}}}]}"#;

    /// The organization with FullAWSAccess detached from the OU and the given allow-list attached there instead.
    fn allow_list_at_ou(allow: &str) -> Snapshot {
        let mut snap = org(vec![policy("p-allow", allow, &["ou-1"])]);
        if let Collected::Ok { data } = &mut snap.organization {
            data.policies[0].targets = Collected::ok(vec!["r-1".into(), ACCT.into(), MGMT.into()]);
        }
        snap
    }

    /// The organization as given, with one policy's targets unreadable: a partial read of the tree.
    fn targets_unreadable(mut snap: Snapshot) -> Snapshot {
        if let Collected::Ok { data } = &mut snap.organization {
            data.policies.last_mut().unwrap().targets =
                Collected::Error { error: denied("organizations:ListTargetsForPolicy") };
        }
        snap
    }

    fn unreadable() -> Snapshot {
        let mut snap = org(vec![]);
        snap.organization = Collected::Error { error: denied("organizations:ListPolicies") };
        snap
    }

    type Row = (&'static str, Snapshot, Status, &'static str);

    /// Runs each row through `f`, then the two rows every table has: the organization unreadable, and a partial
    /// read of a `compliant` organization (one policy's targets unreadable); both `unknown`, naming the permission.
    fn check_table(f: super::super::Evaluator, mut rows: Vec<Row>, compliant: Snapshot) {
        rows.push(("organization unreadable", unreadable(), Status::Unknown, "organizations:ListPolicies"));
        rows.push((
            "a policy's targets unreadable",
            targets_unreadable(compliant),
            Status::Unknown,
            "organizations:ListTargetsForPolicy",
        ));
        for (name, snap, want, text) in rows {
            let (status, msg) = member_status(f, &snap);
            assert_eq!(status, want, "{name}: {msg}");
            assert!(msg.contains(text), "{name}: {text:?} not in {msg:?}");
        }
    }

    #[test]
    fn deny_leave_organization_verdicts() {
        let leave = r#""organizations:LeaveOrganization""#;
        check_table(
            deny_leave_organization,
            vec![
                ("denied at the root", org(vec![policy("p-leave", DENY_LEAVE, &["r-1"])]), Status::Pass, "every principal"),
                ("nothing denies it", org(vec![]), Status::Fail, "organizations:LeaveOrganization allowed"),
                // Near misses: a Deny that binds only the contractors; one attached to another account.
                (
                    "deny binds only some principals",
                    org(vec![policy("p-leave", &deny(leave, "*", ONLY_CONTRACTORS), &["r-1"])]),
                    Status::Fail,
                    "binds only the principals where StringEquals aws:PrincipalTag/team contractors",
                ),
                ("deny attached elsewhere", org(vec![policy("p-leave", DENY_LEAVE, &[MGMT])]), Status::Fail, "allowed"),
                (
                    "exemption of every role",
                    org(vec![policy("p-leave", &deny(leave, "*", EXEMPT_ALL_ROLES), &["r-1"])]),
                    Status::Fail,
                    "whole class of principals",
                ),
                // Alternatives: a named break-glass exemption; an allow-list that never allows leaving.
                (
                    "denied but for one named role",
                    org(vec![policy("p-leave", &deny(leave, "*", EXEMPT_ROLE), &["r-1"])]),
                    Status::Pass,
                    "except those exempted by ArnNotLike aws:PrincipalArn arn:aws:iam::*:role/OrganizationAccountAccessRole",
                ),
                (
                    "a condition on the organization itself always holds",
                    org(vec![policy(
                        "p-leave",
                        &deny(leave, "*", r#"{"StringEquals":{"aws:PrincipalOrgID":"o-example"}}"#),
                        &["r-1"],
                    )]),
                    Status::Pass,
                    "every principal",
                ),
                // Organizations is a global service: its requests carry us-east-1, which this allow-list leaves out.
                ("allow-list without us-east-1", allow_list_at_ou(ALLOW_IN_EU_WEST_1), Status::Pass, "every principal"),
                (
                    "allow-list with us-east-1",
                    allow_list_at_ou(ALLOW_IN_TWO_REGIONS),
                    Status::Fail,
                    "organizations:LeaveOrganization allowed",
                ),
            ],
            org(vec![policy("p-leave", DENY_LEAVE, &["r-1"])]),
        );
    }

    #[test]
    fn protect_cloudtrail_verdicts() {
        let one = |content: String| org(vec![policy("p-ct", &content, &["ou-1"])]);
        check_table(
            protect_cloudtrail,
            vec![
                ("denied at the OU", org(vec![policy("p-ct", PROTECT_CT, &["ou-1"])]), Status::Pass, "every principal"),
                ("nothing denies it", org(vec![]), Status::Fail, "cloudtrail:StopLogging allowed"),
                // Near misses.
                (
                    "a Deny that binds only the contractors",
                    one(deny(CT_ACTIONS, "*", ONLY_CONTRACTORS)),
                    Status::Fail,
                    "binds only the principals",
                ),
                (
                    "a region lock is no protection inside the region",
                    one(deny(r#""*""#, "*", OUTSIDE_EU_WEST_1)),
                    Status::Fail,
                    "applies only when StringNotEquals aws:RequestedRegion eu-west-1",
                ),
                (
                    "only StopLogging denied",
                    one(deny(r#""cloudtrail:StopLogging""#, "*", "")),
                    Status::Fail,
                    "cloudtrail:DeleteTrail allowed",
                ),
                (
                    "only one trail covered",
                    one(deny(CT_ACTIONS, "arn:aws:cloudtrail:*:*:trail/audit", "")),
                    Status::Fail,
                    "cloudtrail:StopLogging allowed",
                ),
                ("every role exempted", one(deny(CT_ACTIONS, "*", EXEMPT_ALL_ROLES)), Status::Fail, "protects nothing"),
                (
                    "the Deny is lifted with MFA",
                    one(deny(CT_ACTIONS, "*", r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#)),
                    Status::Fail,
                    "which the caller can avoid",
                ),
                // Alternatives: every trail by ARN pattern; a named exemption.
                (
                    "every trail by ARN",
                    one(deny(CT_ACTIONS, "arn:aws:cloudtrail:*:*:trail/*", "")),
                    Status::Pass,
                    "every principal",
                ),
                (
                    "denied but for the break-glass role",
                    org(vec![policy("p-ct", PROTECT_CT_EXEMPT, &["r-1"])]),
                    Status::Pass,
                    "except those exempted",
                ),
            ],
            org(vec![policy("p-ct", PROTECT_CT, &["ou-1"])]),
        );
    }

    #[test]
    fn protect_config_verdicts() {
        let all = r#"["config:StopConfigurationRecorder","config:DeleteConfigurationRecorder","config:PutConfigurationRecorder","config:DeleteDeliveryChannel","config:PutDeliveryChannel","config:DeleteConfigRule"]"#;
        let old_four = r#"["config:StopConfigurationRecorder","config:DeleteConfigurationRecorder","config:DeleteDeliveryChannel","config:DeleteConfigRule"]"#;
        let one = |content: String| org(vec![policy("p-cfg", &content, &["ou-1"])]);
        check_table(
            protect_config,
            vec![
                ("every Config action denied", one(deny(all, "*", "")), Status::Pass, "every principal"),
                ("config:* denied", one(deny(r#""config:*""#, "*", "")), Status::Pass, "every principal"),
                (
                    "only CloudTrail protected",
                    one(PROTECT_CT.to_string()),
                    Status::Fail,
                    "config:StopConfigurationRecorder",
                ),
                // Near miss: the recorder can still be rewritten to record nothing, the channel re-pointed.
                (
                    "no Put actions",
                    one(deny(old_four, "*", "")),
                    Status::Fail,
                    "config:PutConfigurationRecorder allowed",
                ),
                // Near miss: a recorder-ARN Deny, while older recorders are authorized against "*".
                (
                    "recorder ARNs only",
                    one(deny(all, "arn:aws:config:*:*:configuration-recorder/*", "")),
                    Status::Fail,
                    "config:StopConfigurationRecorder allowed",
                ),
                ("named exemption", one(deny(all, "*", EXEMPT_ROLE)), Status::Pass, "except those exempted"),
            ],
            one(deny(all, "*", "")),
        );
    }

    #[test]
    fn region_restriction_verdicts() {
        let one = |content: String| org(vec![policy("p-reg", &content, &["ou-1"])]);
        check_table(
            region_restriction,
            vec![
                (
                    "deny outside one region",
                    org(vec![policy("p-reg", REGION_GOOD, &["ou-1"])]),
                    Status::Pass,
                    "denied outside eu-west-1",
                ),
                ("no restriction", org(vec![]), Status::Fail, "no SCP on the path restricts regions"),
                // Near miss: a region condition on one API is not a region restriction.
                (
                    "only RunInstances outside eu-west-1",
                    one(deny(r#""ec2:RunInstances""#, "*", OUTSIDE_EU_WEST_1)),
                    Status::Fail,
                    "covers only some services: ec2:RunInstances",
                ),
                // Near miss: region lock that binds only the contractors.
                (
                    "a region lock for the contractors only",
                    one(deny(
                        r#""*""#,
                        "*",
                        r#"{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]},"StringEquals":{"aws:PrincipalTag/team":"contractors"}}"#,
                    )),
                    Status::Fail,
                    "no SCP on the path restricts regions",
                ),
                // Alternative: an allow-list at the OU (full IAM language) with FullAWSAccess detached there.
                (
                    "allow-list by region",
                    allow_list_at_ou(ALLOW_IN_TWO_REGIONS),
                    Status::Pass,
                    "denied outside us-east-1, eu-west-1",
                ),
                (
                    "region lock with a break-glass exemption",
                    one(deny(
                        r#""*""#,
                        "*",
                        &format!(
                            r#"{{"StringNotEquals":{{"aws:RequestedRegion":["eu-west-1"]}},{}}}"#,
                            &EXEMPT_ROLE[1..EXEMPT_ROLE.len() - 1]
                        ),
                    )),
                    Status::Pass,
                    "denied outside eu-west-1",
                ),
            ],
            org(vec![policy("p-reg", REGION_GOOD, &["ou-1"])]),
        );
    }

    #[test]
    fn region_restriction_global_services_verdicts() {
        let one = |content: String| org(vec![policy("p-reg", &content, &["ou-1"])]);
        check_table(
            region_restriction_global_services,
            vec![
                ("globals exempt by NotAction", org(vec![policy("p-reg", REGION_GOOD, &["ou-1"])]), Status::Pass, "keep working"),
                ("everything locked to eu-west-1", org(vec![policy("p-reg", REGION_BAD, &["ou-1"])]), Status::Fail, "iam:CreateRole"),
                // Alternative: no NotAction at all, but us-east-1 is approved, so global services still work.
                (
                    "us-east-1 approved",
                    one(deny(r#""*""#, "*", r#"{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}"#)),
                    Status::Pass,
                    "keep working",
                ),
                ("allow-list with us-east-1", allow_list_at_ou(ALLOW_IN_TWO_REGIONS), Status::Pass, "keep working"),
                // Near miss: no Deny statement mentions IAM, yet the allow-list leaves us-east-1 out.
                ("allow-list without us-east-1", allow_list_at_ou(ALLOW_IN_EU_WEST_1), Status::Fail, "route53:ChangeResourceRecordSets"),
                // Near miss: NotAction that exempts IAM but not the others.
                (
                    "only IAM exempted",
                    one(r#"{"Statement":[{"Effect":"Deny","NotAction":"iam:*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}}]}"#.into()),
                    Status::Fail,
                    "sts:AssumeRole",
                ),
                ("no region restriction", org(vec![]), Status::Skipped, "no region restriction"),
            ],
            org(vec![policy("p-reg", REGION_GOOD, &["ou-1"])]),
        );
    }

    #[test]
    fn break_glass_exemption_verdicts() {
        let one = |content: String| org(vec![policy("p-reg", &content, &["ou-1"])]);
        check_table(
            break_glass_exemption,
            vec![
                (
                    "broad deny sparing a named role",
                    org(vec![policy("p-reg", REGION_GOOD, &["ou-1"])]),
                    Status::Pass,
                    "arn:aws:iam::*:role/OrganizationAccountAccessRole",
                ),
                (
                    "broad deny sparing nobody",
                    org(vec![policy("p-reg", REGION_BAD, &["ou-1"])]),
                    Status::Fail,
                    "statement Lock",
                ),
                // Near miss: it has an aws:PrincipalArn exemption, but one that spares every role.
                ("exemption of every role", one(deny(r#""*""#, "*", EXEMPT_ALL_ROLES)), Status::Fail, "whole class"),
                // Alternatives: no broad deny at all; a broad deny aimed at quarantined principals only.
                ("no broad deny", org(vec![policy("p-leave", DENY_LEAVE, &["r-1"])]), Status::Pass, "no broad deny"),
                (
                    "quarantine deny",
                    one(deny(r#""*""#, "*", r#"{"StringEquals":{"aws:PrincipalTag/quarantine":"true"}}"#)),
                    Status::Pass,
                    "binds only the principals",
                ),
            ],
            org(vec![policy("p-reg", REGION_GOOD, &["ou-1"])]),
        );
    }

    #[test]
    fn guardrails_present_verdicts() {
        check_table(
            guardrails_present,
            vec![
                ("a deny at the root", org(vec![policy("p-leave", DENY_LEAVE, &["r-1"])]), Status::Pass, "leave"),
                ("only FullAWSAccess", org(vec![]), Status::Fail, "no SCP on the path restricts anything"),
                // Near misses: a copy of FullAWSAccess; a Deny that can only bind another account's principals.
                (
                    "a copy of FullAWSAccess",
                    org(vec![policy("p-copy", FULL, &["ou-1"])]),
                    Status::Fail,
                    "restricts anything",
                ),
                (
                    "a Deny for another account",
                    org(vec![policy(
                        "p-other",
                        &deny(r#""*""#, "*", r#"{"StringEquals":{"aws:PrincipalAccount":"222222222222"}}"#),
                        &["ou-1"],
                    )]),
                    Status::Fail,
                    "restricts anything",
                ),
                // Alternative: no Deny at all, but an allow-list in place of FullAWSAccess.
                ("an allow-list", allow_list_at_ou(ALLOW_IN_EU_WEST_1), Status::Pass, "allow (p-allow) at ou-1"),
            ],
            org(vec![policy("p-leave", DENY_LEAVE, &["r-1"])]),
        );
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
        // Flagged by what runs there (see management_account_workloads_verdicts); here no region was collected.
        let flagged = management_account_workloads(&Ctx::new(&snap));
        let status = |acct: &str| flagged.iter().find(|o| o.account == acct).map(|o| o.status);
        assert_eq!((status(MGMT), status(ACCT)), (Some(Status::Unknown), Some(Status::Skipped)), "{flagged:?}");
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
        assert!(bad.message.contains("is not a valid SCP"), "{}", bad.message);
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
    /// Runs each row through an organization-wide check and looks at the finding on `resource`.
    fn org_table(f: super::super::Evaluator, rows: Vec<(&str, Snapshot, &str, Status, &str)>) {
        for (name, snap, resource, want, text) in rows {
            let out = f(&Ctx::new(&snap));
            let o = out
                .iter()
                .find(|o| o.resource == resource)
                .unwrap_or_else(|| panic!("{name}: no finding on {resource}: {out:?}"));
            assert_eq!(o.status, want, "{name}: {}", o.message);
            assert!(o.message.contains(text), "{name}: {}", o.message);
        }
    }

    fn with_tree(mut snap: Snapshot, edit: impl Fn(&mut OrgTree)) -> Snapshot {
        if let Collected::Ok { data } = &mut snap.organization {
            edit(data);
        }
        snap
    }

    fn with_feature_set(feature_set: &str) -> Snapshot {
        let mut snap = org(vec![]);
        for a in &mut snap.accounts {
            if let Collected::Ok { data: Some(o) } = &mut a.organization {
                o.feature_set = feature_set.into();
            }
        }
        snap
    }

    /// `organizations-all-features`. No alternative row: without all features no SCP applies, by any other means.
    #[test]
    fn all_features_verdicts() {
        let denied_org = {
            let mut snap = org(vec![]);
            for a in &mut snap.accounts {
                a.organization = Collected::Error { error: denied("organizations:DescribeOrganization") };
            }
            snap
        };
        // partial: one account could not read its organization, the other could
        let partial = {
            let mut snap = org(vec![]);
            snap.accounts[0].organization = Collected::Error { error: denied("organizations:DescribeOrganization") };
            snap
        };
        org_table(
            all_features,
            vec![
                ("compliant", with_feature_set("ALL"), "o-example", Status::Pass, "all features enabled"),
                (
                    "non-compliant",
                    with_feature_set("CONSOLIDATED_BILLING"),
                    "o-example",
                    Status::Fail,
                    "consolidated billing only",
                ),
                // near miss: an answer without a feature set is not "ALL"
                ("no feature set", with_feature_set(""), "o-example", Status::Unknown, "did not give one"),
                ("unreadable", denied_org, ACCT, Status::Unknown, "organizations:DescribeOrganization"),
                (
                    "partial: the unreadable account",
                    partial.clone(),
                    ACCT,
                    Status::Unknown,
                    "organizations:DescribeOrganization",
                ),
                ("partial: the organization still judged once", partial, "o-example", Status::Pass, "all features"),
            ],
        );
    }

    /// `organizations-scp-enabled`. No alternative row: attached SCPs act only while the type is enabled on the root.
    #[test]
    fn scp_enabled_verdicts() {
        let state = |status: &str| {
            let status = status.to_string();
            with_tree(org(vec![]), move |t| t.roots[0].policy_types[0].status = status.clone())
        };
        org_table(
            scp_enabled,
            vec![
                ("compliant", org(vec![]), "r-1", Status::Pass, "enabled on the root"),
                (
                    "non-compliant: type not enabled",
                    with_tree(org(vec![]), |t| t.roots[0].policy_types.clear()),
                    "r-1",
                    Status::Fail,
                    "not enabled on the root",
                ),
                // near miss: listed, but only on its way to being enabled
                ("pending", state("PENDING_ENABLE"), "r-1", Status::Fail, "PENDING_ENABLE, not ENABLED,"),
                ("unreadable", unreadable(), ACCT, Status::Unknown, "organizations:ListPolicies"),
                // partial: the tree without its root
                (
                    "no root read",
                    with_tree(org(vec![]), |t| t.roots.clear()),
                    "o-example",
                    Status::Unknown,
                    "root was not read",
                ),
            ],
        );
    }

    /// `scp-policy-valid`: a document AWS would refuse fails; the grammar's looser forms pass.
    #[test]
    fn policy_valid_verdicts() {
        let unread = with_tree(org(vec![policy("p-a", DENY_LEAVE, &["ou-1"])]), |t| {
            t.policies[1].content = Collected::Error { error: denied("organizations:DescribePolicy") }
        });
        org_table(
            policy_valid,
            vec![
                (
                    "compliant",
                    org(vec![policy("p-a", DENY_LEAVE, &["ou-1"])]),
                    "p-a",
                    Status::Pass,
                    "parses: 1 statement",
                ),
                (
                    "non-compliant",
                    org(vec![policy("p-bad", r#"{"Statement":[{"Effect":"Deny",}]}"#, &["ou-1"])]),
                    "p-bad",
                    Status::Fail,
                    "is not a valid SCP: not JSON",
                ),
                // near miss: well-formed JSON and a valid IAM policy, but SCPs take no Principal
                (
                    "near miss: a Principal element",
                    org(vec![policy(
                        "p-principal",
                        r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}"#,
                        &["ou-1"],
                    )]),
                    "p-principal",
                    Status::Fail,
                    "Principal is not allowed in an SCP",
                ),
                // alternative: one statement as an object rather than an array, with an Id, is valid grammar
                (
                    "alternative: a single statement object",
                    org(vec![policy(
                        "p-one",
                        r#"{"Id":"guard","Statement":{"Effect":"Deny","NotAction":"iam:*","Resource":"*"}}"#,
                        &["ou-1"],
                    )]),
                    "p-one",
                    Status::Pass,
                    "parses: 1 statement",
                ),
                ("only FullAWSAccess", org(vec![]), "o-example", Status::Skipped, "no customer-managed SCP"),
                ("unreadable content", unread, "p-a", Status::Unknown, "organizations:DescribePolicy"),
                ("organization unreadable", unreadable(), ACCT, Status::Unknown, "organizations:ListPolicies"),
            ],
        );
    }

    /// `scp-policy-size`. No alternative row: the quota counts characters, whatever they are.
    #[test]
    fn policy_size_verdicts() {
        let sized = |n: usize| {
            format!(
                r#"{{"Statement":[{{"Effect":"Deny","Action":"ec2:RunInstances","Resource":"*","Sid":"{}"}}]}}"#,
                "x".repeat(n)
            )
        };
        let unread = with_tree(org(vec![policy("p-a", DENY_LEAVE, &["ou-1"])]), |t| {
            t.policies[1].content = Collected::Error { error: denied("organizations:DescribePolicy") }
        });
        org_table(
            policy_size,
            vec![
                (
                    "compliant",
                    org(vec![policy("p-a", &sized(100), &["ou-1"])]),
                    "p-a",
                    Status::Pass,
                    "uses 185 of 5120",
                ),
                (
                    "non-compliant: at the quota",
                    org(vec![policy("p-a", &sized(5035), &["ou-1"])]),
                    "p-a",
                    Status::Fail,
                    "uses 5120 of 5120",
                ),
                // near miss: under the quota, with room for hardly anything
                (
                    "near miss: 90 %",
                    org(vec![policy("p-a", &sized(4524), &["ou-1"])]),
                    "p-a",
                    Status::Fail,
                    "uses 4609 of 5120",
                ),
                ("only FullAWSAccess", org(vec![]), "o-example", Status::Skipped, "no customer-managed SCP"),
                ("unreadable content", unread, "p-a", Status::Unknown, "organizations:DescribePolicy"),
                ("organization unreadable", unreadable(), ACCT, Status::Unknown, "organizations:ListPolicies"),
            ],
        );
    }

    /// `scp-attachment-limit`. No alternative row: the quota is per target, whatever is attached.
    #[test]
    fn attachment_limit_verdicts() {
        let n_at_ou = |n: usize| org((0..n).map(|i| policy(&format!("p-{i}"), DENY_LEAVE, &["ou-1"])).collect());
        org_table(
            attachment_limit,
            vec![
                ("compliant", n_at_ou(1), "ou-1", Status::Pass, "has 2 of 5 SCPs attached"),
                ("non-compliant: full", n_at_ou(4), "ou-1", Status::Fail, "has 5 of 5 SCPs attached: no other"),
                // near miss: not full, but only one slot left
                ("near miss: one slot left", n_at_ou(3), "ou-1", Status::Fail, "only one more can be attached"),
                (
                    "nothing attached anywhere",
                    with_tree(org(vec![]), |t| t.policies.clear()),
                    "o-example",
                    Status::Skipped,
                    "no root, OU or account",
                ),
                (
                    "partial: a policy's targets unreadable",
                    targets_unreadable(n_at_ou(1)),
                    "o-example",
                    Status::Unknown,
                    "organizations:ListTargetsForPolicy",
                ),
                // partial, yet decided: what was read already fills the OU, more can only add to it
                (
                    "partial: full on what was read",
                    targets_unreadable(n_at_ou(4)),
                    "ou-1",
                    Status::Fail,
                    "only one more can be attached",
                ),
                ("organization unreadable", unreadable(), ACCT, Status::Unknown, "organizations:ListPolicies"),
            ],
        );
    }

    /// A region where every workload list dopaudit reads was read and came back empty.
    fn region_without_workloads(name: &str) -> crate::snapshot::RegionSnapshot {
        let mut r = region(name);
        r.compute.lambda = Collected::ok(Default::default());
        r.compute.apigateway = Collected::ok(Default::default());
        r.compute.elasticbeanstalk = Collected::ok(Default::default());
        r.compute.stepfunctions = Collected::ok(Default::default());
        r.data.rds = Collected::ok(crate::snapshot::RdsData { clusters: Collected::ok(vec![]), ..Default::default() });
        r.data.dynamodb = Collected::ok(Default::default());
        r.data.elasticache = Collected::ok(crate::snapshot::ElastiCacheData {
            standalone_clusters: Collected::ok(vec![]),
            ..Default::default()
        });
        r.data.efs = Collected::ok(Default::default());
        r
    }

    /// The organization of `org(vec![])`, its management account holding the given regions.
    fn management_with(regions: Vec<crate::snapshot::RegionSnapshot>) -> Snapshot {
        let mut snap = org(vec![]);
        let mgmt = snap.accounts.iter_mut().find(|a| a.account_id == MGMT).unwrap();
        mgmt.regions = regions;
        snap
    }

    /// `scp-management-account-workloads` (informational): judged by what runs in the management account.
    /// No pass row can exist: EC2 instances, ECS and EKS are not read, so finding nothing is `unknown`.
    #[test]
    fn management_account_workloads_verdicts() {
        let with_function = |name: &str| {
            let mut r = region_without_workloads(name);
            r.compute.lambda = Collected::ok(crate::snapshot::LambdaData {
                functions: vec![crate::snapshot::LambdaFunction {
                    name: "billing-export".into(),
                    ..Default::default()
                }],
                ..Default::default()
            });
            r
        };
        let with_table = |name: &str| {
            let mut r = region_without_workloads(name);
            r.data.dynamodb = Collected::ok(crate::snapshot::DynamoDbData {
                tables: vec![crate::snapshot::DynamoDbTable { name: "orders".into(), ..Default::default() }],
            });
            r
        };
        let lambda_denied = |name: &str| {
            let mut r = region_without_workloads(name);
            r.compute.lambda = Collected::Error { error: denied("lambda:ListFunctions") };
            r
        };
        let disabled = {
            let mut r = region("ap-east-1");
            let off = CollectionError {
                kind: crate::snapshot::ErrorKind::RegionDisabled,
                code: "OptInRequired".into(),
                message: "region not enabled".into(),
                permission: None,
            };
            (r.compute, r.data) = (ComputeSections::unavailable(&off), DataSections::unavailable(&off));
            r
        };
        let denied_org = {
            let mut snap = org(vec![]);
            snap.accounts[1].organization = Collected::Error { error: denied("organizations:DescribeOrganization") };
            snap
        };
        let mut alone = org(vec![]);
        alone.accounts[0].organization = Collected::ok(None);
        let nothing = "EC2 instances, ECS and EKS are not read";
        org_table(
            management_account_workloads,
            vec![
                ("member: SCPs apply", org(vec![]), ACCT, Status::Skipped, "a member account of o-example"),
                (
                    "non-compliant: a function in the management account",
                    management_with(vec![with_function("us-east-1")]),
                    MGMT,
                    Status::Fail,
                    "runs workloads: 1 Lambda function (us-east-1)",
                ),
                // near miss: the home region is clean; a table runs in another audited region
                (
                    "near miss: a table elsewhere",
                    management_with(vec![region_without_workloads("us-east-1"), with_table("eu-west-1")]),
                    MGMT,
                    Status::Fail,
                    "1 DynamoDB table (eu-west-1)",
                ),
                // the closest to compliant that can be shown: every list read and empty
                (
                    "nothing dopaudit reads runs there",
                    management_with(vec![region_without_workloads("us-east-1")]),
                    MGMT,
                    Status::Unknown,
                    nothing,
                ),
                // alternative: a disabled region cannot run anything, so it is not an unread list
                (
                    "disabled region",
                    management_with(vec![region_without_workloads("us-east-1"), disabled]),
                    MGMT,
                    Status::Unknown,
                    nothing,
                ),
                ("not in an organization", alone, ACCT, Status::Skipped, "not in an organization"),
                ("unreadable", denied_org, MGMT, Status::Unknown, "organizations:DescribeOrganization"),
                (
                    "functions unreadable",
                    management_with(vec![lambda_denied("us-east-1")]),
                    MGMT,
                    Status::Unknown,
                    "Lambda functions in us-east-1: access denied (AccessDeniedException), missing permission lambda:ListFunctions",
                ),
                // partial: what was read already shows a workload, whatever the unread list holds
                (
                    "partial: a table found, functions unreadable",
                    management_with(vec![lambda_denied("us-east-1"), with_table("eu-west-1")]),
                    MGMT,
                    Status::Fail,
                    "1 DynamoDB table (eu-west-1)",
                ),
            ],
        );
    }
}
