//! Condition blocks, evaluated as far as the auditor knows the request.
//!
//! An auditor never sees a real request, but it does know some of the request context for every call made in
//! a given account: the principal's account, its organization and its path in it, and — when it asks "what
//! happens in eu-central-1?" — the requested region. [`RequestContext`] holds those keys; every other key
//! (the principal's ARN, its tags, the source IP …) stays unknown. [`evaluate`] then settles what it can:
//!
//! - a condition that is false on a known key makes the statement not apply at all (conditions are ANDed);
//! - one that is true on every key it tests makes the statement apply as if it had no condition;
//! - otherwise what is left, the *residual* condition on unknown keys only, is what the answer depends on,
//!   and callers read it to tell an exemption of some principals from a Deny that binds only some of them.
//!
//! Operators follow the IAM reference: string, ARN and Bool operators with their `IfExists` forms and the
//! `ForAnyValue:`/`ForAllValues:` set qualifiers, and `Null`. Numeric, date and IP operators are never settled
//! here; they stay in the residual.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::policy::resource_matches;

/// The request-context keys the auditor knows, by lowercased key (condition keys are case-insensitive).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    values: BTreeMap<String, Vec<String>>,
}

impl RequestContext {
    pub fn new() -> Self {
        Self::default()
    }

    /// The context every request made in `account` carries: its account, organization and organization path.
    pub fn for_account(account: &str, organization: &str, org_path: Option<String>) -> Self {
        let mut ctx = Self::new().with("aws:PrincipalAccount", [account]).with("aws:PrincipalOrgID", [organization]);
        if let Some(path) = org_path {
            ctx = ctx.with("aws:PrincipalOrgPaths", [path]);
        }
        ctx
    }

    /// Adds (or replaces) a key with its values.
    pub fn with<S: Into<String>>(mut self, key: &str, values: impl IntoIterator<Item = S>) -> Self {
        self.values.insert(key.to_ascii_lowercase(), values.into_iter().map(Into::into).collect());
        self
    }

    fn get(&self, key: &str) -> Option<&[String]> {
        self.values.get(&key.to_ascii_lowercase()).map(Vec::as_slice)
    }

    /// The values known for a key (none when it is unknown).
    pub fn values_of(&self, key: &str) -> &[String] {
        self.get(key).unwrap_or_default()
    }

    /// Every known key (lowercased) with its values.
    pub fn entries(&self) -> BTreeMap<String, Vec<String>> {
        self.values.clone()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// What a condition (or one test of it) comes to with what is known.
#[derive(Debug, Clone, PartialEq)]
pub enum Truth {
    True,
    False,
    /// Depends on unknown keys: the tests that are left, as a condition block in the policy's own form.
    Depends(Value),
}

/// One operator of a condition block, split into its parts: `ForAnyValue:StringNotLikeIfExists` is
/// (ForAnyValue, "StringNotLike", if_exists).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator<'a> {
    pub set: SetQualifier,
    /// The base operator as written, without qualifier and `IfExists` (e.g. `StringNotLike`).
    pub base: &'a str,
    pub if_exists: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    Single,
    ForAnyValue,
    ForAllValues,
}

impl<'a> Operator<'a> {
    pub fn parse(written: &'a str) -> Self {
        let (set, rest) = if let Some(rest) = strip_prefix_ignore_case(written, "ForAnyValue:") {
            (SetQualifier::ForAnyValue, rest)
        } else if let Some(rest) = strip_prefix_ignore_case(written, "ForAllValues:") {
            (SetQualifier::ForAllValues, rest)
        } else {
            (SetQualifier::Single, written)
        };
        let (base, if_exists) = match rest.len().checked_sub("IfExists".len()) {
            Some(cut) if cut > 0 && rest.is_char_boundary(cut) && rest[cut..].eq_ignore_ascii_case("IfExists") => {
                (&rest[..cut], true)
            }
            _ => (rest, false),
        };
        Operator { set, base, if_exists }
    }

    /// The negated string and ARN operators: a Deny using one applies to everyone *except* the values listed.
    pub fn is_negated(&self) -> bool {
        matches!(
            self.base.to_ascii_lowercase().as_str(),
            "stringnotequals" | "stringnotequalsignorecase" | "stringnotlike" | "arnnotequals" | "arnnotlike"
        )
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

/// The values a condition test lists (one string or a list; booleans and numbers as their text).
pub fn condition_values(v: &Value) -> Vec<String> {
    let one = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match v {
        Value::Array(items) => items.iter().filter_map(one).collect(),
        other => one(other).into_iter().collect(),
    }
}

/// Evaluates a statement's `Condition` block against what is known of the request.
pub fn evaluate(condition: &Value, ctx: &RequestContext) -> Truth {
    let Some(operators) = condition.as_object() else { return Truth::Depends(condition.clone()) };
    let mut residual = Map::new();
    for (written, tests) in operators {
        let Some(tests) = tests.as_object() else {
            residual.insert(written.clone(), tests.clone());
            continue;
        };
        let op = Operator::parse(written);
        let mut left = Map::new();
        for (key, values) in tests {
            match test(&op, ctx.get(key), &condition_values(values)) {
                Some(true) => {}
                Some(false) => return Truth::False,
                None => {
                    left.insert(key.clone(), values.clone());
                }
            }
        }
        if !left.is_empty() {
            residual.insert(written.clone(), Value::Object(left));
        }
    }
    if residual.is_empty() {
        Truth::True
    } else {
        Truth::Depends(Value::Object(residual))
    }
}

/// One key under one operator: `None` when the key is unknown or the operator is not one this module settles.
fn test(op: &Operator<'_>, known: Option<&[String]>, wanted: &[String]) -> Option<bool> {
    let known = known?;
    let base = op.base.to_ascii_lowercase();
    if base == "null" {
        // The key is known to be present, so `Null: true` is false and `Null: false` is true.
        return Some(wanted.iter().any(|w| w.eq_ignore_ascii_case("false")));
    }
    let matches_one: fn(&str, &str) -> bool = match base.trim_start_matches("string").trim_start_matches("arn") {
        "equals" | "notequals" if base.starts_with("arn") => arn_like,
        "like" | "notlike" if base.starts_with("arn") => arn_like,
        "equals" | "notequals" => |w, v| w == v,
        "equalsignorecase" | "notequalsignorecase" => |w, v| w.eq_ignore_ascii_case(v),
        "like" | "notlike" => string_like,
        _ if base == "bool" => |w, v| w.eq_ignore_ascii_case(v),
        _ => return None,
    };
    let negated = op.is_negated();
    // A positive test on one value: does it match any value listed? The negated form is its opposite.
    let holds = |value: &str| wanted.iter().any(|w| matches_one(w, value)) != negated;
    Some(match op.set {
        SetQualifier::Single => known.first().is_some_and(|v| holds(v)),
        SetQualifier::ForAnyValue => known.iter().any(|v| holds(v)),
        SetQualifier::ForAllValues => known.iter().all(|v| holds(v)),
    })
}

/// `StringLike`: `*` and `?` wildcards over the whole value, case-sensitively.
fn string_like(pattern: &str, value: &str) -> bool {
    super::policy::glob_text(pattern, value)
}

/// `ArnLike`/`ArnEquals`: wildcards confined to ARN segments, as in a `Resource` element.
fn arn_like(pattern: &str, value: &str) -> bool {
    resource_matches(pattern, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn region(r: &str) -> RequestContext {
        RequestContext::new().with("aws:RequestedRegion", [r])
    }

    #[test]
    fn operators_parse_into_their_parts() {
        let op = Operator::parse("ForAnyValue:StringNotLikeIfExists");
        assert_eq!(op, Operator { set: SetQualifier::ForAnyValue, base: "StringNotLike", if_exists: true });
        assert!(op.is_negated());
        assert!(!Operator::parse("StringEquals").is_negated());
        assert_eq!(Operator::parse("ifexists").base, "ifexists", "too short to carry the suffix");
    }

    #[test]
    fn known_keys_settle_and_unknown_keys_remain() {
        let cond = json!({"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]},
                          "ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Admin"}});
        // Inside the approved regions the Deny never applies, whoever calls.
        assert_eq!(evaluate(&cond, &region("eu-west-1")), Truth::False);
        // Outside, it depends only on the principal.
        assert_eq!(
            evaluate(&cond, &region("us-east-1")),
            Truth::Depends(json!({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Admin"}}))
        );
        // With nothing known, all of it is left.
        assert_eq!(evaluate(&cond, &RequestContext::new()), Truth::Depends(cond.clone()));
    }

    #[test]
    fn string_arn_bool_null_and_set_operators() {
        let ctx = RequestContext::for_account("111122223333", "o-abc", Some("o-abc/r-1/ou-1/".into()))
            .with("aws:RequestedRegion", ["us-east-1"]);
        let cases: &[(Value, Truth)] = &[
            (json!({"StringEquals": {"aws:PrincipalAccount": "111122223333"}}), Truth::True),
            (json!({"StringEquals": {"aws:principalaccount": ["1", "2"]}}), Truth::False),
            (json!({"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abc"}}), Truth::False),
            (json!({"StringLike": {"aws:RequestedRegion": "us-*"}}), Truth::True),
            (json!({"StringNotLike": {"aws:RequestedRegion": ["eu-*", "ap-*"]}}), Truth::True),
            (json!({"StringEqualsIgnoreCase": {"aws:RequestedRegion": "US-EAST-1"}}), Truth::True),
            (json!({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-abc/r-1/ou-1/*"}}), Truth::True),
            (json!({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-abc/r-1/ou-2/*"}}), Truth::False),
            (json!({"Null": {"aws:RequestedRegion": "true"}}), Truth::False),
            (json!({"Null": {"aws:RequestedRegion": "false"}}), Truth::True),
            // An operator this module does not settle stays in the residual even on a known key.
            (
                json!({"NumericLessThan": {"aws:RequestedRegion": "3"}}),
                Truth::Depends(json!({"NumericLessThan": {"aws:RequestedRegion": "3"}})),
            ),
        ];
        for (cond, want) in cases {
            assert_eq!(&evaluate(cond, &ctx), want, "{cond}");
        }
        let arn = RequestContext::new().with("aws:SourceArn", ["arn:aws:sns:us-east-1:1:topic"]);
        assert_eq!(evaluate(&json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}), &arn), Truth::True);
        assert_eq!(evaluate(&json!({"ArnNotEquals": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}), &arn), Truth::False);
        let svc = RequestContext::new().with("aws:PrincipalIsAWSService", ["false"]);
        assert_eq!(evaluate(&json!({"Bool": {"aws:PrincipalIsAWSService": "false"}}), &svc), Truth::True);
        assert_eq!(evaluate(&json!({"Bool": {"aws:PrincipalIsAWSService": true}}), &svc), Truth::False);
    }
}
