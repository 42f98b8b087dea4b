//! Evaluates the SCPs on the path from the organization root to one member account for a single action.
//!
//! This answers "could anyone in this account ever be allowed to do X?" the way AWS Organizations does: an
//! explicit `Deny` anywhere wins, and otherwise *every* level (root, each OU, the account) must have an `Allow`
//! for it. What the auditor cannot know — the request's principal, region, tags, or which resource a call
//! touches — it does not guess: a statement that hinges on any of that makes the answer
//! [`Verdict::Conditional`], listing exactly which statements it depends on.

use serde_json::Value;

use super::condition::{self, RequestContext, Truth};
use super::policy::{resource_matches, Effect, Policy, ResourceClause};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LevelKind {
    Root,
    OrganizationalUnit,
    Account,
}

/// An SCP as attached to one level.
#[derive(Debug, Clone, Copy)]
pub struct AttachedPolicy<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub policy: &'a Policy,
}

/// One step of the path from the root to the account, with the SCPs attached *directly* to it (not inherited;
/// inheritance is what walking the whole path models).
#[derive(Debug, Clone)]
pub struct Level<'a> {
    pub kind: LevelKind,
    pub id: &'a str,
    pub name: &'a str,
    pub policies: Vec<AttachedPolicy<'a>>,
}

/// What is asked: an action (`service:Action`), optionally the ARN it acts on, and what is known of the request
/// (see [`RequestContext`]); conditions on keys it holds are settled, the others make the answer conditional.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    pub action: &'a str,
    pub resource: Option<&'a str>,
    pub context: &'a RequestContext,
}

/// A request context that knows nothing, for queries that ask about every principal, region and request.
pub static NO_CONTEXT: std::sync::LazyLock<RequestContext> = std::sync::LazyLock::new(RequestContext::new);

impl<'a> Query<'a> {
    /// An action on no particular resource, with nothing known of the request.
    pub fn action(action: &'a str) -> Self {
        Query { action, resource: None, context: &NO_CONTEXT }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Allowed,
    Denied,
    Conditional,
}

/// Points at one statement of one policy at one level, so a verdict can be traced back to the text.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StatementRef {
    pub level_kind: LevelKind,
    pub level_id: String,
    pub level_name: String,
    pub policy_id: String,
    pub policy_name: String,
    pub statement_index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    /// What the statement's condition still depends on once the known request context is applied (the whole
    /// condition when nothing is known); absent when it tests nothing or everything it tests holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Value>,
    /// The statement covers only some resources and the query named none, so whether it applies depends on
    /// which resource a call touches.
    pub partial: bool,
}

/// How the statements attached at one level bear on the query.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LevelResult {
    pub kind: LevelKind,
    pub id: String,
    pub name: String,
    /// `Allow` statements that apply unconditionally to every resource in question.
    pub allowed_by: Vec<StatementRef>,
    /// `Deny` statements that apply unconditionally to every resource in question.
    pub denied_by: Vec<StatementRef>,
    /// Statements of either effect that apply only under a condition or only to some resources.
    pub conditional: Vec<StatementRef>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Decision {
    pub verdict: Verdict,
    /// One sentence naming the policy, statement (Sid or index) and level that decided.
    pub reason: String,
    /// The statements the verdict rests on: every explicit deny (Denied), every statement whose condition or
    /// resource scope matters (Conditional), every unconditional allow (Allowed). Empty for an implicit deny,
    /// which rests on the *absence* of a statement; the reason names that level and what is attached there.
    pub deciding: Vec<StatementRef>,
    pub path: Vec<LevelResult>,
}

/// How much of the query a statement's resource clause covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    None,
    Partial,
    Full,
}

/// Evaluates `query` against the SCPs on `path` (root first, account last).
///
/// An empty path means no SCP is in force (e.g. SCPs are not enabled), so nothing restricts the action and the
/// verdict is Allowed; the reason says so.
pub fn evaluate(path: &[Level<'_>], query: &Query<'_>) -> Decision {
    let levels: Vec<LevelResult> = path.iter().map(|level| evaluate_level(level, query)).collect();
    let target = match query.resource {
        Some(arn) => format!("{} on {arn}", query.action),
        None => query.action.to_owned(),
    };

    // 1. An explicit deny that always applies decides, wherever it is.
    let denies: Vec<StatementRef> = levels.iter().flat_map(|l| l.denied_by.iter().cloned()).collect();
    if let Some(first) = denies.first() {
        let reason = format!(
            "{target} is denied explicitly by {}{}.",
            describe_ref(first),
            more(denies.len(), "denying statement", "denying statements")
        );
        return Decision { verdict: Verdict::Denied, reason, deciding: denies, path: levels };
    }

    // 2. A level with no Allow at all — not even a conditional one — denies implicitly.
    let no_allow = path.iter().zip(&levels).find(|(_, l)| lacks_any_allow(l));
    if let Some((level, result)) = no_allow {
        let attached = if level.policies.is_empty() {
            "no SCP is attached there".to_owned()
        } else {
            let names: Vec<String> = level.policies.iter().map(|p| format!("policy {:?} ({})", p.name, p.id)).collect();
            format!("attached there: {}", names.join(", "))
        };
        let others = levels.iter().filter(|l| lacks_any_allow(l)).count();
        let reason = format!(
            "{target} is denied implicitly: nothing attached at {} allows it ({attached}){}.",
            describe_level(result.kind, &result.id, &result.name),
            more(others, "level without an Allow", "levels without an Allow")
        );
        return Decision { verdict: Verdict::Denied, reason, deciding: Vec::new(), path: levels };
    }

    // 3. Not denied, but the outcome may hinge on something only the request knows: a conditional or
    //    resource-limited Deny anywhere, or a level whose only Allows are conditional or resource-limited.
    let mut depends: Vec<StatementRef> = Vec::new();
    for l in &levels {
        let allow_settled = !l.allowed_by.is_empty();
        depends.extend(l.conditional.iter().filter(|s| s.effect == Effect::Deny || !allow_settled).cloned());
    }
    if let Some(first) = depends.first() {
        let reason = format!(
            "{target} is allowed only conditionally: it depends on {} ({}){}.",
            describe_ref(first),
            describe_dependency(first),
            more(depends.len(), "statement", "statements")
        );
        return Decision { verdict: Verdict::Conditional, reason, deciding: depends, path: levels };
    }

    // 4. Every level allows it outright.
    let allows: Vec<StatementRef> = levels.iter().flat_map(|l| l.allowed_by.iter().cloned()).collect();
    let reason = if levels.is_empty() {
        format!("{target} is allowed: no SCP level was given, so no SCP restricts it.")
    } else {
        let per_level: Vec<String> = levels
            .iter()
            .filter_map(|l| {
                l.allowed_by.first().map(|s| {
                    format!(
                        "{} by {} of policy {:?} ({})",
                        describe_level(l.kind, &l.id, &l.name),
                        describe_statement(s),
                        s.policy_name,
                        s.policy_id
                    )
                })
            })
            .collect();
        format!("{target} is allowed at every level: {}.", per_level.join("; "))
    };
    Decision { verdict: Verdict::Allowed, reason, deciding: allows, path: levels }
}

/// No Allow at this level touches the query, not even a conditional or resource-limited one.
fn lacks_any_allow(level: &LevelResult) -> bool {
    level.allowed_by.is_empty() && !level.conditional.iter().any(|s| s.effect == Effect::Allow)
}

fn evaluate_level(level: &Level<'_>, query: &Query<'_>) -> LevelResult {
    let mut result = LevelResult {
        kind: level.kind,
        id: level.id.to_owned(),
        name: level.name.to_owned(),
        allowed_by: Vec::new(),
        denied_by: Vec::new(),
        conditional: Vec::new(),
    };
    for attached in &level.policies {
        for statement in &attached.policy.statements {
            if !statement.mentions_action(query.action) {
                continue;
            }
            let reach = resource_reach(&statement.resource, query.resource);
            if reach == Reach::None {
                continue;
            }
            let residual = match &statement.condition {
                Some(c) if statement.is_conditional() => match condition::evaluate(c, query.context) {
                    Truth::False => continue,
                    Truth::True => None,
                    Truth::Depends(left) => Some(left),
                },
                _ => None,
            };
            let conditional = residual.is_some();
            let sref = StatementRef {
                level_kind: level.kind,
                level_id: level.id.to_owned(),
                level_name: level.name.to_owned(),
                policy_id: attached.id.to_owned(),
                policy_name: attached.name.to_owned(),
                statement_index: statement.index,
                sid: statement.sid.clone(),
                effect: statement.effect,
                condition: residual,
                partial: reach == Reach::Partial,
            };
            match (statement.effect, reach == Reach::Full && !conditional) {
                (Effect::Deny, true) => result.denied_by.push(sref),
                (Effect::Allow, true) => result.allowed_by.push(sref),
                (_, false) => result.conditional.push(sref),
            }
        }
    }
    result
}

fn resource_reach(clause: &ResourceClause, resource: Option<&str>) -> Reach {
    // A pattern of only stars matches every ARN, so it is "all resources" whether or not one was named.
    let everything = |patterns: &[String]| patterns.iter().any(|p| !p.is_empty() && p.chars().all(|c| c == '*'));
    match (clause, resource) {
        (ResourceClause::All, _) => Reach::Full,
        (ResourceClause::Resource(patterns), Some(arn)) => {
            if patterns.iter().any(|p| resource_matches(p, arn)) {
                Reach::Full
            } else {
                Reach::None
            }
        }
        (ResourceClause::NotResource(patterns), Some(arn)) => {
            if patterns.iter().any(|p| resource_matches(p, arn)) {
                Reach::None
            } else {
                Reach::Full
            }
        }
        (ResourceClause::Resource(patterns), None) => {
            if everything(patterns) {
                Reach::Full
            } else {
                Reach::Partial
            }
        }
        // `NotResource: "*"` excludes every resource, so the statement never applies.
        (ResourceClause::NotResource(patterns), None) => {
            if everything(patterns) {
                Reach::None
            } else {
                Reach::Partial
            }
        }
    }
}

fn describe_level(kind: LevelKind, id: &str, name: &str) -> String {
    let what = match kind {
        LevelKind::Root => "root",
        LevelKind::OrganizationalUnit => "OU",
        LevelKind::Account => "account",
    };
    if name.is_empty() {
        format!("{what} {id}")
    } else {
        format!("{what} {name:?} ({id})")
    }
}

fn describe_statement(s: &StatementRef) -> String {
    match &s.sid {
        Some(sid) if !sid.is_empty() => format!("statement {sid:?}"),
        _ => format!("Statement[{}]", s.statement_index),
    }
}

fn describe_ref(s: &StatementRef) -> String {
    format!(
        "{} of policy {:?} ({}) attached to {}",
        describe_statement(s),
        s.policy_name,
        s.policy_id,
        describe_level(s.level_kind, &s.level_id, &s.level_name)
    )
}

/// Says why a statement makes the verdict conditional: its condition (shown as written) and/or its resource scope.
fn describe_dependency(s: &StatementRef) -> String {
    let effect = match s.effect {
        Effect::Allow => "an Allow",
        Effect::Deny => "a Deny",
    };
    let mut parts = vec![effect.to_owned()];
    if s.partial {
        parts.push("that covers only some resources".to_owned());
    }
    if let Some(condition) = &s.condition {
        let written = serde_json::to_string(condition).unwrap_or_default();
        parts.push(format!("{}only when {written}", if s.partial { "and " } else { "that applies " }));
    }
    parts.join(" ")
}

/// " and N more …" for the items after the one a reason names, so one sentence still accounts for all of them.
fn more(count: usize, one: &str, many: &str) -> String {
    match count.saturating_sub(1) {
        0 => String::new(),
        1 => format!(" and 1 more {one}"),
        n => format!(" and {n} more {many}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scp::policy::parse_policy;

    /// The test policies are the fuzz seed corpus, so the fuzzer starts from the shapes that matter and the two
    /// never drift apart.
    const POLICIES: &[(&str, &str, &str)] = &[
        ("p-FullAWSAccess", "FullAWSAccess", include_str!("../../fuzz/corpus/scp_policy/full_aws_access.json")),
        ("p-regionguard", "RegionGuard", include_str!("../../fuzz/corpus/scp_policy/region_guard.json")),
        (
            "p-denyleave",
            "DenyLeaveOrganization",
            include_str!("../../fuzz/corpus/scp_policy/deny_leave_organization.json"),
        ),
        ("p-protecttrail", "ProtectCloudTrail", include_str!("../../fuzz/corpus/scp_policy/protect_cloudtrail.json")),
        ("p-denyroot", "DenyRootUser", include_str!("../../fuzz/corpus/scp_policy/deny_root_user.json")),
        ("p-allowlist", "AllowS3AndEC2", include_str!("../../fuzz/corpus/scp_policy/allow_s3_ec2_only.json")),
        (
            "p-identityonly",
            "DenyAllButIdentity",
            include_str!("../../fuzz/corpus/scp_policy/deny_all_but_identity.json"),
        ),
        ("p-auditbucket", "ProtectAuditBucket", include_str!("../../fuzz/corpus/scp_policy/protect_audit_bucket.json")),
        ("p-platform", "AllowPlatformTeam", include_str!("../../fuzz/corpus/scp_policy/allow_tagged_principals.json")),
        (
            "p-sandbox",
            "SandboxBucketsOnly",
            include_str!("../../fuzz/corpus/scp_policy/deny_outside_sandbox_buckets.json"),
        ),
    ];

    const ROOT: &str = "r-ab12";
    const OU: &str = "ou-ab12-workload";
    const ACCOUNT: &str = "111122223333";

    /// Expected deciding statement: (policy id, level id, sid or "Statement[i]").
    type Pointer = (&'static str, &'static str, &'static str);

    struct Case {
        name: &'static str,
        /// Policy ids attached directly at root, OU and account.
        root: &'static [&'static str],
        ou: &'static [&'static str],
        account: &'static [&'static str],
        action: &'static str,
        resource: Option<&'static str>,
        verdict: Verdict,
        deciding: &'static [Pointer],
        /// Fragments the reason must contain, beyond the deciding statements' names.
        reason: &'static [&'static str],
    }

    const FULL: &[&str] = &["p-FullAWSAccess"];

    fn cases() -> Vec<Case> {
        vec![
            Case {
                name: "FullAWSAccess at every level",
                root: FULL,
                ou: FULL,
                account: FULL,
                action: "ec2:RunInstances",
                resource: None,
                verdict: Verdict::Allowed,
                deciding: &[
                    ("p-FullAWSAccess", ROOT, "Statement[0]"),
                    ("p-FullAWSAccess", OU, "Statement[0]"),
                    ("p-FullAWSAccess", ACCOUNT, "Statement[0]"),
                ],
                reason: &["allowed at every level", "OU \"Workloads\"", "account \"prod\""],
            },
            Case {
                name: "region guard: a regional action depends on the requested region",
                root: &["p-FullAWSAccess", "p-regionguard"],
                ou: FULL,
                account: FULL,
                action: "ec2:RunInstances",
                resource: None,
                verdict: Verdict::Conditional,
                deciding: &[("p-regionguard", ROOT, "DenyOutsideApprovedRegions")],
                reason: &["only conditionally", "a Deny that applies only when", "aws:RequestedRegion"],
            },
            Case {
                name: "region guard: an exempted global action is untouched",
                root: &["p-FullAWSAccess", "p-regionguard"],
                ou: FULL,
                account: FULL,
                action: "iam:CreateRole",
                resource: None,
                verdict: Verdict::Allowed,
                deciding: &[
                    ("p-FullAWSAccess", ROOT, "Statement[0]"),
                    ("p-FullAWSAccess", OU, "Statement[0]"),
                    ("p-FullAWSAccess", ACCOUNT, "Statement[0]"),
                ],
                reason: &[],
            },
            Case {
                name: "deny LeaveOrganization at the root",
                root: &["p-FullAWSAccess", "p-denyleave"],
                ou: FULL,
                account: FULL,
                action: "organizations:LeaveOrganization",
                resource: None,
                verdict: Verdict::Denied,
                deciding: &[("p-denyleave", ROOT, "DenyLeave")],
                reason: &["denied explicitly", "root \"Root\""],
            },
            Case {
                name: "action names are case-insensitive",
                root: &["p-FullAWSAccess", "p-denyleave"],
                ou: FULL,
                account: FULL,
                action: "Organizations:leaveorganization",
                resource: None,
                verdict: Verdict::Denied,
                deciding: &[("p-denyleave", ROOT, "DenyLeave")],
                reason: &[],
            },
            Case {
                name: "protect CloudTrail: StopLogging",
                root: FULL,
                ou: &["p-FullAWSAccess", "p-protecttrail"],
                account: FULL,
                action: "cloudtrail:StopLogging",
                resource: None,
                verdict: Verdict::Denied,
                deciding: &[("p-protecttrail", OU, "ProtectTrail")],
                reason: &["OU \"Workloads\""],
            },
            Case {
                name: "protect CloudTrail: DeleteTrail",
                root: FULL,
                ou: &["p-FullAWSAccess", "p-protecttrail"],
                account: FULL,
                action: "cloudtrail:DeleteTrail",
                resource: None,
                verdict: Verdict::Denied,
                deciding: &[("p-protecttrail", OU, "ProtectTrail")],
                reason: &[],
            },
            Case {
                name: "protect CloudTrail: UpdateTrail",
                root: FULL,
                ou: &["p-FullAWSAccess", "p-protecttrail"],
                account: FULL,
                action: "cloudtrail:UpdateTrail",
                resource: None,
                verdict: Verdict::Denied,
                deciding: &[("p-protecttrail", OU, "ProtectTrail")],
                reason: &[],
            },
            Case {
                name: "protect CloudTrail: PutEventSelectors",
                root: FULL,
                ou: &["p-FullAWSAccess", "p-protecttrail"],
                account: FULL,
                action: "cloudtrail:PutEventSelectors",
                resource: None,
                verdict: Verdict::Denied,
                deciding: &[("p-protecttrail", OU, "ProtectTrail")],
                reason: &[],
            },
            Case {
                name: "protect CloudTrail: reading trails stays allowed",
                root: FULL,
                ou: &["p-FullAWSAccess", "p-protecttrail"],
                account: FULL,
                action: "cloudtrail:DescribeTrails",
                resource: None,
                verdict: Verdict::Allowed,
                deciding: &[
                    ("p-FullAWSAccess", ROOT, "Statement[0]"),
                    ("p-FullAWSAccess", OU, "Statement[0]"),
                    ("p-FullAWSAccess", ACCOUNT, "Statement[0]"),
                ],
                reason: &[],
            },
            Case {
                name: "deny the root user: depends on the principal",
                root: &["p-FullAWSAccess", "p-denyroot"],
                ou: FULL,
                account: FULL,
                action: "s3:PutObject",
                resource: None,
                verdict: Verdict::Conditional,
                deciding: &[("p-denyroot", ROOT, "DenyRootUser")],
                reason: &["aws:PrincipalArn", "arn:aws:iam::*:root"],
            },
            Case {
                name: "allow-list at an OU: a listed service is allowed",
                root: FULL,
                ou: &["p-allowlist"],
                account: FULL,
                action: "s3:GetObject",
                resource: None,
                verdict: Verdict::Allowed,
                deciding: &[
                    ("p-FullAWSAccess", ROOT, "Statement[0]"),
                    ("p-allowlist", OU, "AllowS3AndEC2"),
                    ("p-FullAWSAccess", ACCOUNT, "Statement[0]"),
                ],
                reason: &["OU \"Workloads\" (ou-ab12-workload) by statement \"AllowS3AndEC2\""],
            },
            Case {
                name: "allow-list at an OU: an unlisted service is denied there although the root allows it",
                root: FULL,
                ou: &["p-allowlist"],
                account: FULL,
                action: "iam:CreateUser",
                resource: None,
                verdict: Verdict::Denied,
                deciding: &[],
                reason: &[
                    "denied implicitly",
                    "nothing attached at OU \"Workloads\" (ou-ab12-workload) allows it",
                    "policy \"AllowS3AndEC2\" (p-allowlist)",
                ],
            },
            Case {
                name: "a level with no SCP attached denies everything",
                root: FULL,
                ou: FULL,
                account: &[],
                action: "s3:GetObject",
                resource: None,
                verdict: Verdict::Denied,
                deciding: &[],
                reason: &["nothing attached at account \"prod\" (111122223333) allows it", "no SCP is attached there"],
            },
            Case {
                name: "the first level without an Allow is named, the others counted",
                root: FULL,
                ou: &["p-allowlist"],
                account: &[],
                action: "iam:CreateUser",
                resource: None,
                verdict: Verdict::Denied,
                deciding: &[],
                reason: &["nothing attached at OU \"Workloads\"", "and 1 more level without an Allow"],
            },
            Case {
                name: "NotAction deny: exempted identity actions are allowed",
                root: FULL,
                ou: &["p-FullAWSAccess", "p-identityonly"],
                account: FULL,
                action: "iam:CreateRole",
                resource: None,
                verdict: Verdict::Allowed,
                deciding: &[
                    ("p-FullAWSAccess", ROOT, "Statement[0]"),
                    ("p-FullAWSAccess", OU, "Statement[0]"),
                    ("p-FullAWSAccess", ACCOUNT, "Statement[0]"),
                ],
                reason: &[],
            },
            Case {
                name: "NotAction deny: everything else is denied",
                root: FULL,
                ou: &["p-FullAWSAccess", "p-identityonly"],
                account: FULL,
                action: "ec2:RunInstances",
                resource: None,
                verdict: Verdict::Denied,
                deciding: &[("p-identityonly", OU, "DenyAllButIdentity")],
                reason: &[],
            },
            Case {
                name: "resource-specific deny without a resource: only some resources are denied",
                root: &["p-FullAWSAccess", "p-auditbucket"],
                ou: FULL,
                account: FULL,
                action: "s3:DeleteBucket",
                resource: None,
                verdict: Verdict::Conditional,
                deciding: &[("p-auditbucket", ROOT, "ProtectAuditLogs")],
                reason: &["a Deny that covers only some resources"],
            },
            Case {
                name: "resource-specific deny on the protected bucket",
                root: &["p-FullAWSAccess", "p-auditbucket"],
                ou: FULL,
                account: FULL,
                action: "s3:DeleteBucket",
                resource: Some("arn:aws:s3:::audit-logs"),
                verdict: Verdict::Denied,
                deciding: &[("p-auditbucket", ROOT, "ProtectAuditLogs")],
                reason: &["s3:DeleteBucket on arn:aws:s3:::audit-logs is denied explicitly"],
            },
            Case {
                name: "resource-specific deny on another bucket",
                root: &["p-FullAWSAccess", "p-auditbucket"],
                ou: FULL,
                account: FULL,
                action: "s3:DeleteBucket",
                resource: Some("arn:aws:s3:::scratch"),
                verdict: Verdict::Allowed,
                deciding: &[
                    ("p-FullAWSAccess", ROOT, "Statement[0]"),
                    ("p-FullAWSAccess", OU, "Statement[0]"),
                    ("p-FullAWSAccess", ACCOUNT, "Statement[0]"),
                ],
                reason: &[],
            },
            Case {
                name: "NotResource deny without a resource is partial",
                root: FULL,
                ou: FULL,
                account: &["p-FullAWSAccess", "p-sandbox"],
                action: "s3:CreateBucket",
                resource: None,
                verdict: Verdict::Conditional,
                deciding: &[("p-sandbox", ACCOUNT, "DenyS3OutsideSandbox")],
                reason: &["account \"prod\""],
            },
            Case {
                name: "NotResource deny spares the excluded resources",
                root: FULL,
                ou: FULL,
                account: &["p-FullAWSAccess", "p-sandbox"],
                action: "s3:CreateBucket",
                resource: Some("arn:aws:s3:::sandbox-alice"),
                verdict: Verdict::Allowed,
                deciding: &[
                    ("p-FullAWSAccess", ROOT, "Statement[0]"),
                    ("p-FullAWSAccess", OU, "Statement[0]"),
                    ("p-FullAWSAccess", ACCOUNT, "Statement[0]"),
                ],
                reason: &[],
            },
            Case {
                name: "NotResource deny hits everything else",
                root: FULL,
                ou: FULL,
                account: &["p-FullAWSAccess", "p-sandbox"],
                action: "s3:CreateBucket",
                resource: Some("arn:aws:s3:::prod-data"),
                verdict: Verdict::Denied,
                deciding: &[("p-sandbox", ACCOUNT, "DenyS3OutsideSandbox")],
                reason: &[],
            },
            Case {
                name: "a level whose only Allow is conditional makes the verdict conditional",
                root: FULL,
                ou: &["p-platform"],
                account: FULL,
                action: "ec2:RunInstances",
                resource: None,
                verdict: Verdict::Conditional,
                deciding: &[("p-platform", OU, "AllowPlatformTeam")],
                reason: &["an Allow that applies only when", "aws:PrincipalTag/team"],
            },
            Case {
                name: "a conditional Allow next to an unconditional one does not matter",
                root: FULL,
                ou: &["p-platform", "p-FullAWSAccess"],
                account: FULL,
                action: "ec2:RunInstances",
                resource: None,
                verdict: Verdict::Allowed,
                deciding: &[
                    ("p-FullAWSAccess", ROOT, "Statement[0]"),
                    ("p-FullAWSAccess", OU, "Statement[0]"),
                    ("p-FullAWSAccess", ACCOUNT, "Statement[0]"),
                ],
                reason: &[],
            },
            Case {
                name: "an explicit deny outranks an implicit one",
                root: &["p-FullAWSAccess", "p-denyleave"],
                ou: &["p-allowlist"],
                account: &[],
                action: "organizations:LeaveOrganization",
                resource: None,
                verdict: Verdict::Denied,
                deciding: &[("p-denyleave", ROOT, "DenyLeave")],
                reason: &["denied explicitly"],
            },
            Case {
                name: "an implicit deny outranks a conditional deny",
                root: &["p-FullAWSAccess", "p-denyroot"],
                ou: &["p-allowlist"],
                account: FULL,
                action: "iam:CreateUser",
                resource: None,
                verdict: Verdict::Denied,
                deciding: &[],
                reason: &["denied implicitly", "OU \"Workloads\""],
            },
            Case {
                name: "every unconditional deny is listed, the first one named",
                root: &["p-FullAWSAccess", "p-identityonly"],
                ou: &["p-FullAWSAccess", "p-protecttrail"],
                account: FULL,
                action: "cloudtrail:StopLogging",
                resource: None,
                verdict: Verdict::Denied,
                deciding: &[("p-identityonly", ROOT, "DenyAllButIdentity"), ("p-protecttrail", OU, "ProtectTrail")],
                reason: &["and 1 more denying statement"],
            },
        ]
    }

    fn policies() -> Vec<(&'static str, &'static str, Policy)> {
        POLICIES
            .iter()
            .map(|(id, name, text)| match parse_policy(text) {
                Ok(p) => (*id, *name, p),
                Err(e) => panic!("test policy {id} does not parse: {e}"),
            })
            .collect()
    }

    fn attach<'a>(all: &'a [(&'static str, &'static str, Policy)], ids: &[&str]) -> Vec<AttachedPolicy<'a>> {
        ids.iter()
            .map(|want| match all.iter().find(|(id, _, _)| id == want) {
                Some((id, name, policy)) => AttachedPolicy { id, name, policy },
                None => panic!("no test policy {want}"),
            })
            .collect()
    }

    fn label(s: &StatementRef) -> String {
        s.sid.clone().unwrap_or_else(|| format!("Statement[{}]", s.statement_index))
    }

    #[test]
    fn evaluates_the_well_known_scp_patterns() {
        let all = policies();
        for case in cases() {
            let path = vec![
                Level { kind: LevelKind::Root, id: ROOT, name: "Root", policies: attach(&all, case.root) },
                Level {
                    kind: LevelKind::OrganizationalUnit,
                    id: OU,
                    name: "Workloads",
                    policies: attach(&all, case.ou),
                },
                Level { kind: LevelKind::Account, id: ACCOUNT, name: "prod", policies: attach(&all, case.account) },
            ];
            let decision =
                evaluate(&path, &Query { action: case.action, resource: case.resource, context: &NO_CONTEXT });
            let name = case.name;
            assert_eq!(decision.verdict, case.verdict, "{name}: {}", decision.reason);
            let got: Vec<(String, String, String)> =
                decision.deciding.iter().map(|s| (s.policy_id.clone(), s.level_id.clone(), label(s))).collect();
            let want: Vec<(String, String, String)> =
                case.deciding.iter().map(|(p, l, s)| (p.to_string(), l.to_string(), s.to_string())).collect();
            assert_eq!(got, want, "{name}: deciding statements");
            // The reason names whatever decided: the first deciding statement's policy, statement and level.
            if let Some(first) = decision.deciding.first() {
                for fragment in [&first.policy_id, &first.policy_name, &first.level_id, &label(first)] {
                    assert!(decision.reason.contains(fragment.as_str()), "{name}: {fragment} in {}", decision.reason);
                }
            }
            for fragment in case.reason {
                assert!(decision.reason.contains(fragment), "{name}: {fragment:?} in {:?}", decision.reason);
            }
            assert!(decision.reason.contains(case.action), "{name}: the reason names the action");
            assert_eq!(decision.path.len(), 3, "{name}: one result per level");
        }
    }

    #[test]
    fn conditional_statements_carry_their_condition_and_scope() {
        let all = policies();
        let path = vec![Level {
            kind: LevelKind::Root,
            id: ROOT,
            name: "Root",
            policies: attach(&all, &["p-FullAWSAccess", "p-denyroot", "p-auditbucket"]),
        }];
        let decision = evaluate(&path, &Query::action("s3:DeleteBucket"));
        assert_eq!(decision.verdict, Verdict::Conditional);
        let [root_user, bucket] = decision.deciding.as_slice() else { panic!("two deciding statements") };
        assert_eq!(
            root_user.condition,
            Some(serde_json::json!({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}))
        );
        assert!(!root_user.partial);
        assert_eq!(bucket.condition, None);
        assert!(bucket.partial);
        assert_eq!(decision.path.first().map(|l| l.conditional.len()), Some(2));
        assert!(decision.reason.contains("and 1 more statement"), "{}", decision.reason);
        // The serialized form is what reports carry; the absent condition is left out rather than null.
        let json = serde_json::to_value(&decision).unwrap_or_default();
        assert_eq!(json["verdict"], "conditional");
        assert_eq!(json["deciding"][0]["level_kind"], "root");
        assert!(json["deciding"][1].get("condition").is_none());
    }

    #[test]
    fn a_statement_outside_the_named_resource_does_not_apply() {
        let all = policies();
        // `Resource` limited to the audit bucket and a query on another bucket: the Allow does not count.
        let allow_bucket = match parse_policy(
            r#"{"Statement":{"Sid":"OnlyAudit","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::audit-logs"}}"#,
        ) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        };
        let path = vec![
            Level { kind: LevelKind::Root, id: ROOT, name: "Root", policies: attach(&all, FULL) },
            Level {
                kind: LevelKind::OrganizationalUnit,
                id: OU,
                name: "Workloads",
                policies: vec![AttachedPolicy { id: "p-onlyaudit", name: "OnlyAudit", policy: &allow_bucket }],
            },
        ];
        let other =
            evaluate(&path, &Query { action: "s3:GetObject", resource: Some("arn:aws:s3:::x"), context: &NO_CONTEXT });
        assert_eq!(other.verdict, Verdict::Denied, "{}", other.reason);
        assert!(other.reason.contains("denied implicitly"), "{}", other.reason);
        let same = evaluate(
            &path,
            &Query { action: "s3:GetObject", resource: Some("arn:aws:s3:::audit-logs"), context: &NO_CONTEXT },
        );
        assert_eq!(same.verdict, Verdict::Allowed, "{}", same.reason);
        let unknown = evaluate(&path, &Query::action("s3:GetObject"));
        assert_eq!(unknown.verdict, Verdict::Conditional, "{}", unknown.reason);
        assert!(unknown.deciding.iter().all(|s| s.partial && s.effect == Effect::Allow));
    }

    #[test]
    fn an_empty_path_restricts_nothing() {
        let decision = evaluate(&[], &Query::action("iam:CreateUser"));
        assert_eq!(decision.verdict, Verdict::Allowed);
        assert!(decision.deciding.is_empty() && decision.path.is_empty());
        assert!(decision.reason.contains("no SCP level"), "{}", decision.reason);
    }

    #[test]
    fn statements_without_sid_are_named_by_index() {
        let all = policies();
        let path = vec![Level { kind: LevelKind::Root, id: ROOT, name: "", policies: attach(&all, &["p-allowlist"]) }];
        let decision = evaluate(&path, &Query::action("ec2:RunInstances"));
        assert_eq!(decision.reason, "ec2:RunInstances is allowed at every level: root r-ab12 by statement \"AllowS3AndEC2\" of policy \"AllowS3AndEC2\" (p-allowlist).");
        let path = vec![Level { kind: LevelKind::Root, id: ROOT, name: "Root", policies: attach(&all, FULL) }];
        let decision = evaluate(&path, &Query::action("ec2:RunInstances"));
        assert!(decision.reason.contains("by Statement[0] of policy \"FullAWSAccess\""), "{}", decision.reason);
    }
}
