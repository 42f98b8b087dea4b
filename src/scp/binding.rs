//! Whom a guardrail binds: the question behind "is CloudTrail protected?".
//!
//! [`super::eval`] answers `conditional` when a deciding statement tests a key the auditor does not know. For a
//! protective Deny that is not the end of it, because *which* key and *which* operator decide whether the Deny
//! protects the account or not:
//!
//! - `ArnNotLike aws:PrincipalArn [.../role/BreakGlass]` denies everyone but one role: an **exemption**, and the
//!   action is protected for everyone else;
//! - `ArnNotLike aws:PrincipalArn arn:aws:iam::*:role/*` exempts every role: a **broad exemption** that protects
//!   nothing in practice;
//! - `StringEquals aws:PrincipalTag/team contractors` denies only the contractors: the Deny **binds only** some
//!   principals and everyone else stays free;
//! - `Bool aws:MultiFactorAuthPresent false`, `IpAddress aws:SourceIp …` depend on the **request**: anyone can
//!   meet the condition that lifts the Deny.
//!
//! [`protection`] evaluates one action and sorts the result into [`Reach`], which the SCP checks report.

use serde_json::Value;

use super::condition::{condition_values, Operator, RequestContext};
use super::eval::{evaluate, Decision, Level, Query, StatementRef, Verdict};
use super::policy::Effect;

/// How an action fares for the principals of an account.
#[derive(Debug, Clone, PartialEq)]
pub enum Reach {
    /// Denied to every principal the SCPs govern.
    Denied,
    /// Denied to every principal but the few that narrow exemptions name (listed, as written).
    Exempted(Vec<String>),
    /// Allowed to some or all principals or requests; says why.
    Open(String),
}

impl Reach {
    /// Denied or denied but for narrow exemptions.
    pub fn is_blocked(&self) -> bool {
        !matches!(self, Reach::Open(_))
    }

    /// The worse of two answers for the same action (open beats exempted beats denied).
    pub fn worst(self, other: Reach) -> Reach {
        match (self, other) {
            (open @ Reach::Open(_), _) | (_, open @ Reach::Open(_)) => open,
            (Reach::Exempted(mut a), Reach::Exempted(b)) => {
                a.extend(b.into_iter().filter(|x| !a.contains(x)).collect::<Vec<_>>());
                Reach::Exempted(a)
            }
            (e @ Reach::Exempted(_), Reach::Denied) | (Reach::Denied, e @ Reach::Exempted(_)) => e,
            (Reach::Denied, Reach::Denied) => Reach::Denied,
        }
    }
}

/// What one test of a residual condition does to the set of principals a Deny binds.
#[derive(Debug, Clone, PartialEq)]
pub enum TestEffect {
    /// The Deny spares the principals the test names; they are few (a role, a tag, AWS services).
    Exempts(String),
    /// The Deny spares so many principals (every role, every user) that it protects nothing in practice.
    ExemptsBroadly(String),
    /// The Deny applies only to the principals the test names; everyone else is free.
    BindsOnly(String),
    /// The Deny depends on the request (source IP, MFA, tags on the request …), which a caller controls.
    DependsOnRequest(String),
}

/// Condition keys that describe the calling principal (lowercased; `aws:principaltag/` is a prefix).
const PRINCIPAL_KEYS: [&str; 8] = [
    "aws:principalarn",
    "aws:principaltype",
    "aws:userid",
    "aws:username",
    "aws:principalisawsservice",
    "aws:principalservicename",
    "aws:viaawsservice",
    "aws:principaltag/",
];

fn is_principal_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    PRINCIPAL_KEYS.iter().any(|k| if k.ends_with('/') { key.starts_with(k) } else { key == *k })
}

/// Whether an `aws:PrincipalArn` pattern covers a whole class of principals: `*`, `arn:aws:iam::*:role/*`,
/// `arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*` (every Identity Center user), or a wildcard type.
pub fn arn_pattern_is_broad(pattern: &str) -> bool {
    let wild = |s: &str| !s.is_empty() && s.chars().all(|c| c == '*' || c == '?');
    if wild(pattern) {
        return true;
    }
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    let Some(resource) = parts.get(5) else { return pattern.contains('*') };
    let segments: Vec<&str> = resource.split('/').collect();
    let kind = segments.first().copied().unwrap_or_default();
    if kind.is_empty() || kind.contains('*') || kind.contains('?') {
        return true;
    }
    match segments.len() {
        // `arn:aws:iam::123456789012:root` names the root user of an account.
        1 => false,
        // An assumed-role session: `assumed-role/NAME/SESSION`; only the role name matters.
        _ if kind == "assumed-role" => segments.get(1).is_none_or(|name| wild(name)),
        _ => segments.last().is_none_or(|last| wild(last) || last.is_empty()),
    }
}

/// Principal types whose exemption spares every role or every user.
const BROAD_TYPES: [&str; 3] = ["assumedrole", "user", "federateduser"];

/// Sorts one test (`operator`, `key`, `values`) of a Deny's residual condition.
pub fn classify(operator: &str, key: &str, values: &Value) -> TestEffect {
    let op = Operator::parse(operator);
    let list = condition_values(values);
    let written = format!("{operator} {key} {}", list.join(", "));
    if !is_principal_key(key) {
        return TestEffect::DependsOnRequest(written);
    }
    let lkey = key.to_ascii_lowercase();
    let base = op.base.to_ascii_lowercase();
    let says = |v: &str| list.iter().any(|x| x.eq_ignore_ascii_case(v));
    // Bool and Null turn on whether the value is "true": which one exempts depends on the operator.
    let exempting = match base.as_str() {
        // `Bool aws:PrincipalIsAWSService false`: the Deny applies to everyone but AWS services.
        "bool" => says("false"),
        // `Null aws:PrincipalTag/x true`: the Deny applies to principals without the tag; the tagged go free.
        "null" => says("true"),
        _ if op.is_negated() => true,
        _ if base.starts_with("string") || base.starts_with("arn") => false,
        // Numeric, date and IP operators on a principal key: nothing to say about breadth.
        _ => return TestEffect::DependsOnRequest(written),
    };
    if !exempting {
        return TestEffect::BindsOnly(written);
    }
    let broad = match lkey.as_str() {
        "aws:principalarn" => list.iter().any(|p| arn_pattern_is_broad(p)),
        "aws:principaltype" => list.iter().any(|t| BROAD_TYPES.contains(&t.to_ascii_lowercase().as_str())),
        "aws:userid" | "aws:username" => list.iter().any(|v| !v.is_empty() && v.chars().all(|c| c == '*')),
        _ => false,
    };
    if broad {
        TestEffect::ExemptsBroadly(written)
    } else {
        TestEffect::Exempts(written)
    }
}

/// The tests of a residual condition, each sorted.
pub fn classify_condition(condition: &Value) -> Vec<TestEffect> {
    let Some(operators) = condition.as_object() else {
        return vec![TestEffect::DependsOnRequest(condition.to_string())];
    };
    operators
        .iter()
        .flat_map(|(op, tests)| match tests.as_object() {
            Some(tests) => tests.iter().map(|(k, v)| classify(op, k, v)).collect::<Vec<_>>(),
            None => vec![TestEffect::DependsOnRequest(format!("{op} {tests}"))],
        })
        .collect()
}

/// Whether one conditional Deny still protects: `Ok(exemptions)` when every test left is a narrow exemption,
/// `Err(why not)` otherwise.
pub fn deny_protects(s: &StatementRef) -> Result<Vec<String>, String> {
    let name = statement_name(s);
    if s.partial {
        return Err(format!("{name} covers only some resources"));
    }
    let Some(condition) = &s.condition else { return Ok(Vec::new()) };
    let mut exemptions = Vec::new();
    for effect in classify_condition(condition) {
        match effect {
            TestEffect::Exempts(e) => exemptions.push(e),
            TestEffect::ExemptsBroadly(e) => {
                return Err(format!("{name} exempts a whole class of principals ({e}), so it protects nothing"))
            }
            TestEffect::BindsOnly(e) => {
                return Err(format!("{name} binds only the principals where {e}; everyone else is free"))
            }
            TestEffect::DependsOnRequest(e) => {
                return Err(format!("{name} applies only when {e}, which the caller can avoid"))
            }
        }
    }
    Ok(exemptions)
}

/// `policy (id) statement Sid at level`, for messages.
pub fn statement_name(s: &StatementRef) -> String {
    let which = s.sid.clone().unwrap_or_else(|| format!("#{}", s.statement_index));
    format!("{} ({}) statement {which} at {}", s.policy_name, s.policy_id, s.level_id)
}

/// Evaluates `action` on `resource` with what is known of the request and sorts the answer.
pub fn protection(
    levels: &[Level<'_>],
    action: &str,
    resource: Option<&str>,
    context: &RequestContext,
) -> (Reach, Decision) {
    let decision = evaluate(levels, &Query { action, resource, context });
    let reach = match decision.verdict {
        Verdict::Denied => Reach::Denied,
        Verdict::Allowed => Reach::Open(format!("allowed: {}", decision.reason)),
        Verdict::Conditional => {
            let denies: Vec<&StatementRef> = decision.deciding.iter().filter(|s| s.effect == Effect::Deny).collect();
            let judged: Vec<Result<Vec<String>, String>> = denies.iter().map(|s| deny_protects(s)).collect();
            if let Some(Ok(exemptions)) = judged.iter().find(|j| j.is_ok()) {
                Reach::Exempted(exemptions.clone())
            } else if judged.is_empty() {
                Reach::Open(format!("allowed whenever a condition holds: {}", decision.reason))
            } else {
                let why: Vec<String> = judged.into_iter().filter_map(Result::err).collect();
                Reach::Open(format!("not reliably denied: {}", why.join("; ")))
            }
        }
    };
    (reach, decision)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_breadth_of_an_arn_exemption() {
        let cases = [
            ("arn:aws:iam::*:role/OrganizationAccountAccessRole", false),
            ("arn:aws:iam::*:role/admin/BreakGlass*", false),
            ("arn:aws:iam::111122223333:root", false),
            ("arn:aws:iam::*:role/*", true),
            ("arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*", true),
            ("arn:aws:iam::*:user/*", true),
            ("arn:aws:iam::*:*", true),
            ("arn:aws:sts::*:assumed-role/Admin/*", false),
            ("arn:aws:sts::*:assumed-role/*/*", true),
            ("*", true),
        ];
        for (pattern, broad) in cases {
            assert_eq!(arn_pattern_is_broad(pattern), broad, "{pattern}");
        }
    }

    #[test]
    fn what_each_test_does_to_a_deny() {
        use TestEffect::*;
        let kind = |op: &str, key: &str, v: Value| match classify(op, key, &v) {
            Exempts(_) => "exempts",
            ExemptsBroadly(_) => "broad",
            BindsOnly(_) => "binds-only",
            DependsOnRequest(_) => "request",
        };
        let role = "arn:aws:iam::*:role/BreakGlass";
        let cases = [
            ("ArnNotLike", "aws:PrincipalArn", json!(role), "exempts"),
            ("ArnNotLikeIfExists", "aws:PrincipalARN", json!([role]), "exempts"),
            ("StringNotEquals", "aws:PrincipalTag/team", json!("security"), "exempts"),
            ("ArnNotLike", "aws:PrincipalArn", json!("arn:aws:iam::*:role/*"), "broad"),
            ("StringNotEquals", "aws:PrincipalType", json!(["AssumedRole"]), "broad"),
            ("StringEquals", "aws:PrincipalTag/team", json!("contractors"), "binds-only"),
            ("ArnLike", "aws:PrincipalArn", json!(role), "binds-only"),
            ("Bool", "aws:PrincipalIsAWSService", json!("false"), "exempts"),
            ("Bool", "aws:PrincipalIsAWSService", json!(true), "binds-only"),
            ("Null", "aws:PrincipalTag/exempt", json!("true"), "exempts"),
            ("Null", "aws:PrincipalTag/exempt", json!("false"), "binds-only"),
            ("Bool", "aws:MultiFactorAuthPresent", json!("false"), "request"),
            ("IpAddress", "aws:SourceIp", json!("10.0.0.0/8"), "request"),
            ("StringNotEquals", "aws:RequestedRegion", json!("eu-west-1"), "request"),
        ];
        for (op, key, values, want) in cases {
            assert_eq!(kind(op, key, values.clone()), want, "{op} {key} {values}");
        }
    }
}
