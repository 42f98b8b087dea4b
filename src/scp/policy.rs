//! Parsing and matching for one service control policy document.
//!
//! Policy text comes from `organizations:DescribePolicy` (or a file the user hands us), so it is untrusted: the
//! parser checks the SCP grammar strictly, reports what is wrong and at which statement, and never panics. The
//! wildcard matchers live here too, because what a pattern means is part of the policy language, not of how a
//! path of policies is evaluated (that is [`super::eval`]).

use serde_json::{Map, Value};

/// One parsed SCP document.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Policy {
    pub version: Option<String>,
    pub statements: Vec<Statement>,
}

/// One statement of a policy, in the order it was written.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Statement {
    /// Position in the `Statement` array (0 when `Statement` is a single object), so a statement without a
    /// `Sid` can still be named.
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub action: ActionClause,
    pub resource: ResourceClause,
    /// Kept as written: the auditor cannot know the request context (principal, region, tags) a condition
    /// tests, so it reports conditions instead of evaluating them.
    pub condition: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum ActionClause {
    Action(Vec<String>),
    NotAction(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum ResourceClause {
    /// Neither `Resource` nor `NotResource` was written, which SCPs treat as every resource.
    All,
    Resource(Vec<String>),
    NotResource(Vec<String>),
}

/// Why a policy text is not a valid SCP. The message names the statement and element at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PolicyError {
    pub message: String,
}

impl PolicyError {
    fn new(message: impl Into<String>) -> Self {
        PolicyError { message: message.into() }
    }

    fn at(index: usize, message: impl std::fmt::Display) -> Self {
        PolicyError { message: format!("Statement[{index}]: {message}") }
    }
}

/// The elements a statement may hold. `Principal`/`NotPrincipal` are valid IAM but not SCP elements, so they
/// fall under "unknown" and are rejected like a typo would be.
const STATEMENT_KEYS: [&str; 7] = ["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"];

/// Parses and validates an SCP document.
pub fn parse_policy(text: &str) -> Result<Policy, PolicyError> {
    // serde_json's Display already ends with "at line L column C", which is the position the user needs.
    let value: Value = serde_json::from_str(text).map_err(|e| PolicyError::new(format!("not JSON: {e}")))?;
    let Value::Object(doc) = value else {
        return Err(PolicyError::new(format!("the policy must be a JSON object, not {}", kind(&value))));
    };
    for key in doc.keys() {
        // `Id` is part of the IAM policy grammar and harmless, so a document carrying it is not rejected.
        if !matches!(key.as_str(), "Version" | "Statement" | "Id") {
            return Err(PolicyError::new(format!("unknown policy element {key:?}")));
        }
    }
    let version = match doc.get("Version") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => return Err(PolicyError::new(format!("Version must be a string, not {}", kind(other)))),
    };
    let raw: Vec<&Value> = match doc.get("Statement") {
        None => return Err(PolicyError::new("Statement is missing")),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        Some(other) => {
            return Err(PolicyError::new(format!(
                "Statement must be an object or an array of objects, not {}",
                kind(other)
            )))
        }
    };
    let statements = raw.into_iter().enumerate().map(|(i, v)| parse_statement(i, v)).collect::<Result<_, _>>()?;
    Ok(Policy { version, statements })
}

fn parse_statement(index: usize, value: &Value) -> Result<Statement, PolicyError> {
    let Value::Object(obj) = value else {
        return Err(PolicyError::at(index, format!("a statement must be an object, not {}", kind(value))));
    };
    for key in obj.keys() {
        if !STATEMENT_KEYS.contains(&key.as_str()) {
            let why = if key == "Principal" || key == "NotPrincipal" {
                format!("{key} is not allowed in an SCP (an SCP applies to every principal of the account)")
            } else {
                format!("unknown element {key:?}")
            };
            return Err(PolicyError::at(index, why));
        }
    }
    let sid = match obj.get("Sid") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => return Err(PolicyError::at(index, format!("Sid must be a string, not {}", kind(other)))),
    };
    let effect = match obj.get("Effect") {
        None => return Err(PolicyError::at(index, "Effect is missing")),
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(Value::String(s)) => {
            return Err(PolicyError::at(index, format!("Effect must be \"Allow\" or \"Deny\", not {s:?}")))
        }
        Some(other) => {
            return Err(PolicyError::at(index, format!("Effect must be \"Allow\" or \"Deny\", not {}", kind(other))))
        }
    };
    let action = match pick(index, obj, "Action", "NotAction")? {
        None => return Err(PolicyError::at(index, "Action or NotAction is missing")),
        Some((true, v)) => ActionClause::Action(action_list(index, "Action", v)?),
        Some((false, v)) => ActionClause::NotAction(action_list(index, "NotAction", v)?),
    };
    let resource = match pick(index, obj, "Resource", "NotResource")? {
        None => ResourceClause::All,
        Some((true, v)) => ResourceClause::Resource(string_list(index, "Resource", v)?),
        Some((false, v)) => ResourceClause::NotResource(string_list(index, "NotResource", v)?),
    };
    let condition = match obj.get("Condition") {
        None => None,
        Some(c) => Some(check_condition(index, c)?),
    };
    Ok(Statement { index, sid, effect, action, resource, condition })
}

/// Returns the one of two mutually exclusive elements that is present, `true` meaning the first.
fn pick<'v>(
    index: usize,
    obj: &'v Map<String, Value>,
    first: &str,
    second: &str,
) -> Result<Option<(bool, &'v Value)>, PolicyError> {
    match (obj.get(first), obj.get(second)) {
        (Some(_), Some(_)) => Err(PolicyError::at(index, format!("both {first} and {second}"))),
        (Some(v), None) => Ok(Some((true, v))),
        (None, Some(v)) => Ok(Some((false, v))),
        (None, None) => Ok(None),
    }
}

fn string_list(index: usize, element: &str, value: &Value) -> Result<Vec<String>, PolicyError> {
    let wrong = || PolicyError::at(index, format!("{element} must be a string or an array of strings"));
    let list = match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => {
            items.iter().map(|i| i.as_str().map(str::to_owned).ok_or_else(wrong)).collect::<Result<Vec<_>, _>>()?
        }
        _ => return Err(wrong()),
    };
    // An empty list would match nothing, which is never what the author meant; AWS rejects it too.
    if list.is_empty() {
        return Err(PolicyError::at(index, format!("{element} must not be an empty array")));
    }
    Ok(list)
}

fn action_list(index: usize, element: &str, value: &Value) -> Result<Vec<String>, PolicyError> {
    let list = string_list(index, element, value)?;
    // Every action is "service:name" (wildcards allowed) or a bare "*"; anything else is a typo that would
    // silently match nothing, so it is better reported.
    for a in &list {
        let well_formed =
            a == "*" || a.split_once(':').is_some_and(|(service, name)| !service.is_empty() && !name.is_empty());
        if !well_formed {
            return Err(PolicyError::at(index, format!("{element} {a:?} is not \"*\" or \"service:action\"")));
        }
    }
    Ok(list)
}

fn check_condition(index: usize, value: &Value) -> Result<Value, PolicyError> {
    let Value::Object(operators) = value else {
        return Err(PolicyError::at(
            index,
            format!("Condition must be an object of operator → {{key → value}}, not {}", kind(value)),
        ));
    };
    for (operator, keys) in operators {
        if !keys.is_object() {
            return Err(PolicyError::at(
                index,
                format!("Condition operator {operator} must map condition keys to values, not {}", kind(keys)),
            ));
        }
    }
    Ok(value.clone())
}

/// Names a JSON value's type for error messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Statement {
    /// The condition keys the statement tests, lowercased (condition keys are case-insensitive) and without
    /// repeats, in the order written; e.g. `["aws:requestedregion"]`.
    pub fn condition_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        let operators = self.condition.as_ref().and_then(Value::as_object).into_iter().flat_map(|o| o.values());
        for key in operators.filter_map(Value::as_object).flat_map(|m| m.keys()) {
            let key = key.to_ascii_lowercase();
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        keys
    }

    /// Whether the statement's `Action`/`NotAction` clause covers `action`, ignoring resource and condition.
    pub fn mentions_action(&self, action: &str) -> bool {
        match &self.action {
            ActionClause::Action(patterns) => patterns.iter().any(|p| action_matches(p, action)),
            ActionClause::NotAction(patterns) => !patterns.iter().any(|p| action_matches(p, action)),
        }
    }

    /// Whether the statement has a condition that actually tests something. `"Condition": {}` (or an operator
    /// with no keys) constrains nothing, so treating it as conditional would report a dependency that isn't one.
    pub fn is_conditional(&self) -> bool {
        self.condition
            .as_ref()
            .and_then(Value::as_object)
            .is_some_and(|ops| ops.values().any(|keys| keys.as_object().is_some_and(|k| !k.is_empty())))
    }
}

/// Whether an action pattern (`s3:Get*`, `ec2:?escribe*`, `*`) matches an action such as `s3:GetObject`.
/// Service prefixes and action names are case-insensitive in IAM, so the whole comparison is.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    glob(pattern, action, Mode::Action)
}

/// Whether a resource pattern matches an ARN, case-sensitively.
///
/// IAM confines a wildcard to its ARN segment (the parts between colons), except that a `*` which ends a
/// segment may run on across colons; so `arn:aws:iam::*:role/*` matches any role in any account, while a `?`
/// or a mid-segment `*` never swallows a colon.
pub fn resource_matches(pattern: &str, arn: &str) -> bool {
    glob(pattern, arn, Mode::Resource)
}

/// Whether a `StringLike` pattern matches a value: `*` and `?` anywhere, case-sensitively.
pub fn glob_text(pattern: &str, text: &str) -> bool {
    glob(pattern, text, Mode::Text)
}

#[derive(Clone, Copy)]
enum Mode {
    Action,
    Resource,
    Text,
}

/// Wildcard match by dynamic programming over (pattern prefix, text prefix), O(len(pattern) × len(text))
/// time and O(len(text)) memory. A backtracking matcher would be shorter but goes exponential on patterns like
/// `*a*a*a*b` — a cheap denial of service for a tool that reads policies other people wrote.
fn glob(pattern: &str, text: &str, mode: Mode) -> bool {
    let pat: Vec<char> = pattern.chars().collect();
    let txt: Vec<char> = text.chars().collect();
    // row[j]: the pattern prefix processed so far matches txt[..j].
    let mut row = vec![false; txt.len() + 1];
    if let Some(first) = row.first_mut() {
        *first = true;
    }
    for (pi, &p) in pat.iter().enumerate() {
        let mut next = vec![false; txt.len() + 1];
        match p {
            '*' => {
                // May this star cross a colon? Only in resources, and only when it ends its segment.
                let crosses = match mode {
                    Mode::Action | Mode::Text => true,
                    Mode::Resource => matches!(pat.get(pi + 1), None | Some(':')),
                };
                let mut reachable = false;
                for (j, slot) in next.iter_mut().enumerate() {
                    // Reachable: the prefix before the star matched txt[..j] itself, or the star extends a match
                    // by one more character it is allowed to take.
                    let prev_char_ok = j > 0 && txt.get(j - 1).is_some_and(|&c| crosses || c != ':');
                    reachable = row.get(j).copied().unwrap_or(false) || (reachable && prev_char_ok);
                    *slot = reachable;
                }
            }
            _ => {
                for (j, &c) in txt.iter().enumerate() {
                    let ok = match (p, mode) {
                        ('?', Mode::Action | Mode::Text) => true,
                        ('?', Mode::Resource) => c != ':',
                        (_, Mode::Action) => p.eq_ignore_ascii_case(&c),
                        (_, Mode::Resource | Mode::Text) => p == c,
                    };
                    if let Some(slot) = next.get_mut(j + 1) {
                        *slot = ok && row.get(j).copied().unwrap_or(false);
                    }
                }
            }
        }
        row = next;
        if !row.contains(&true) {
            return false;
        }
    }
    row.last().copied().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(text: &str) -> Policy {
        match parse_policy(text) {
            Ok(p) => p,
            Err(e) => panic!("{text} should parse: {e}"),
        }
    }

    #[test]
    fn parses_valid_shapes() {
        struct Case {
            name: &'static str,
            text: &'static str,
            version: Option<&'static str>,
            statements: Vec<Statement>,
        }
        let allow_all = |index| Statement {
            index,
            sid: None,
            effect: Effect::Allow,
            action: ActionClause::Action(vec!["*".into()]),
            resource: ResourceClause::Resource(vec!["*".into()]),
            condition: None,
        };
        let cases = vec![
            Case {
                name: "Statement as one object",
                text: r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
                version: Some("2012-10-17"),
                statements: vec![allow_all(0)],
            },
            Case {
                name: "Statement as an array, no Version",
                text: r#"{"Statement":[{"Effect":"Allow","Action":["*"],"Resource":["*"]},
                                       {"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
                version: None,
                statements: vec![allow_all(0), allow_all(1)],
            },
            Case {
                name: "NotAction, absent Resource, Sid",
                text: r#"{"Statement":[{"Sid":"NoIam","Effect":"Deny","NotAction":["iam:*","sts:*"]}]}"#,
                version: None,
                statements: vec![Statement {
                    index: 0,
                    sid: Some("NoIam".into()),
                    effect: Effect::Deny,
                    action: ActionClause::NotAction(vec!["iam:*".into(), "sts:*".into()]),
                    resource: ResourceClause::All,
                    condition: None,
                }],
            },
            Case {
                name: "NotResource as a string",
                text: r#"{"Statement":{"Effect":"Deny","Action":"s3:DeleteBucket","NotResource":"arn:aws:s3:::keep"}}"#,
                version: None,
                statements: vec![Statement {
                    index: 0,
                    sid: None,
                    effect: Effect::Deny,
                    action: ActionClause::Action(vec!["s3:DeleteBucket".into()]),
                    resource: ResourceClause::NotResource(vec!["arn:aws:s3:::keep".into()]),
                    condition: None,
                }],
            },
            Case {
                name: "Condition kept as written",
                text: r#"{"Statement":{"Effect":"Deny","Action":"*","Resource":"*",
                          "Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","eu-central-1"]}}}}"#,
                version: None,
                statements: vec![Statement {
                    index: 0,
                    sid: None,
                    effect: Effect::Deny,
                    action: ActionClause::Action(vec!["*".into()]),
                    resource: ResourceClause::Resource(vec!["*".into()]),
                    condition: Some(json!({"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}})),
                }],
            },
        ];
        for case in cases {
            let p = parse(case.text);
            assert_eq!(p.version.as_deref(), case.version, "{}", case.name);
            assert_eq!(p.statements, case.statements, "{}", case.name);
        }
    }

    #[test]
    fn rejects_invalid_policies_with_a_precise_message() {
        let cases: &[(&str, &str)] = &[
            // The invalid seeds of the fuzz corpus, so it starts on the error paths too.
            (
                include_str!("../../fuzz/corpus/scp_policy/invalid_principal.json"),
                "Statement[0]: Principal is not allowed in an SCP (an SCP applies to every principal of the account)",
            ),
            (
                include_str!("../../fuzz/corpus/scp_policy/invalid_action_and_notaction.json"),
                "Statement[1]: both Action and NotAction",
            ),
            (
                include_str!("../../fuzz/corpus/scp_policy/invalid_condition_shape.json"),
                "Statement[0]: Condition operator Bool must map condition keys to values, not an array",
            ),
            ("", "not JSON: EOF while parsing a value at line 1 column 0"),
            ("{\n  \"Statement\": [,]\n}", "not JSON: expected value at line 2 column 17"),
            ("[]", "the policy must be a JSON object, not an array"),
            (r#"{"Version":"2012-10-17"}"#, "Statement is missing"),
            (r#"{"Version":1,"Statement":[]}"#, "Version must be a string, not a number"),
            (r#"{"Statemnt":[]}"#, "unknown policy element \"Statemnt\""),
            (r#"{"Statement":"x"}"#, "Statement must be an object or an array of objects, not a string"),
            (r#"{"Statement":[1]}"#, "Statement[0]: a statement must be an object, not a number"),
            (r#"{"Statement":{"Action":"*"}}"#, "Statement[0]: Effect is missing"),
            (
                r#"{"Statement":{"Effect":"allow","Action":"*"}}"#,
                "Statement[0]: Effect must be \"Allow\" or \"Deny\", not \"allow\"",
            ),
            (
                r#"{"Statement":{"Effect":true,"Action":"*"}}"#,
                "Statement[0]: Effect must be \"Allow\" or \"Deny\", not a boolean",
            ),
            (r#"{"Statement":{"Effect":"Deny"}}"#, "Statement[0]: Action or NotAction is missing"),
            (
                r#"{"Statement":{"Effect":"Deny","Action":"*","NotAction":"s3:*"}}"#,
                "Statement[0]: both Action and NotAction",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"*"},{"Effect":"Allow","Action":"*"},{"Effect":"Deny","Action":[1]}]}"#,
                "Statement[2]: Action must be a string or an array of strings",
            ),
            (
                r#"{"Statement":{"Effect":"Deny","Action":{}}}"#,
                "Statement[0]: Action must be a string or an array of strings",
            ),
            (
                r#"{"Statement":{"Effect":"Deny","NotAction":null}}"#,
                "Statement[0]: NotAction must be a string or an array of strings",
            ),
            (r#"{"Statement":{"Effect":"Deny","Action":[]}}"#, "Statement[0]: Action must not be an empty array"),
            (
                r#"{"Statement":{"Effect":"Deny","Action":"s3GetObject"}}"#,
                "Statement[0]: Action \"s3GetObject\" is not \"*\" or \"service:action\"",
            ),
            (
                r#"{"Statement":{"Effect":"Deny","Action":"*","Resource":"*","NotResource":"*"}}"#,
                "Statement[0]: both Resource and NotResource",
            ),
            (
                r#"{"Statement":{"Effect":"Deny","Action":"*","Resource":5}}"#,
                "Statement[0]: Resource must be a string or an array of strings",
            ),
            (
                r#"{"Statement":{"Effect":"Deny","Action":"*","NotResource":[true]}}"#,
                "Statement[0]: NotResource must be a string or an array of strings",
            ),
            (
                r#"{"Statement":{"Effect":"Deny","Action":"*","Sid":7}}"#,
                "Statement[0]: Sid must be a string, not a number",
            ),
            (
                r#"{"Statement":{"Effect":"Deny","Action":"*","Principal":"*"}}"#,
                "Statement[0]: Principal is not allowed in an SCP (an SCP applies to every principal of the account)",
            ),
            (
                r#"{"Statement":{"Effect":"Deny","Action":"*","Actions":"*"}}"#,
                "Statement[0]: unknown element \"Actions\"",
            ),
            (
                r#"{"Statement":{"Effect":"Deny","Action":"*","Condition":[]}}"#,
                "Statement[0]: Condition must be an object of operator → {key → value}, not an array",
            ),
            (
                r#"{"Statement":{"Effect":"Deny","Action":"*","Condition":{"Bool":"true"}}}"#,
                "Statement[0]: Condition operator Bool must map condition keys to values, not a string",
            ),
        ];
        for (text, want) in cases {
            match parse_policy(text) {
                Ok(p) => panic!("{text} should fail but parsed as {p:?}"),
                Err(e) => assert_eq!(e.to_string(), *want, "{text}"),
            }
        }
    }

    #[test]
    fn action_patterns() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "iam:CreateRole", true),
            ("*", "", true),
            ("s3:GetObject", "s3:GetObject", true),
            ("S3:getobject", "s3:GetObject", true),
            ("s3:GetObject", "S3:GETOBJECT", true),
            ("s3:Get*", "s3:GetObject", true),
            ("s3:Get*", "s3:PutObject", false),
            ("s3:*", "s3:PutObject", true),
            ("s3:*", "s3express:CreateSession", false),
            ("s3*", "s3express:CreateSession", true),
            ("ec2:?escribe*", "ec2:DescribeInstances", true),
            ("ec2:?escribe*", "ec2:escribeInstances", false),
            ("iam:*User", "iam:CreateUser", true),
            ("iam:*User", "iam:CreateUserPolicy", false),
            ("iam:Create?ser", "iam:CreateUser", true),
            ("iam:Create??ser", "iam:CreateUser", false),
            ("cloudtrail:StopLogging", "cloudtrail:StopLoggingX", false),
            ("*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false),
        ];
        for (pattern, action, want) in cases {
            assert_eq!(action_matches(pattern, action), *want, "{pattern} vs {action}");
        }
    }

    #[test]
    fn resource_patterns() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "arn:aws:s3:::bucket/key", true),
            ("arn:aws:s3:::bucket", "arn:aws:s3:::bucket", true),
            ("arn:aws:s3:::Bucket", "arn:aws:s3:::bucket", false),
            ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c", true),
            ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", false),
            ("arn:aws:s3:::bucket*", "arn:aws:s3:::bucket-logs", true),
            ("arn:aws:iam::*:role/Org*", "arn:aws:iam::111122223333:role/OrgAdmin", true),
            ("arn:aws:iam::*:role/Org*", "arn:aws:iam::111122223333:user/OrgAdmin", false),
            ("arn:aws:iam::*:root", "arn:aws:iam::111122223333:root", true),
            ("arn:aws:ec2:*:*:instance/i-?", "arn:aws:ec2:eu-west-1:111122223333:instance/i-1", true),
            ("arn:aws:ec2:*:*:instance/i-?", "arn:aws:ec2:eu-west-1:111122223333:instance/i-12", false),
            // A star that ends a segment may run across colons...
            ("arn:aws:*", "arn:aws:sqs:eu-west-1:111122223333:queue", true),
            // ...one in the middle of a segment, or a `?`, may not.
            ("arn:aws:s*s:eu-west-1:111122223333:queue", "arn:aws:sqs:eu-west-1:111122223333:queue", true),
            ("arn:aws:s*e", "arn:aws:sqs:eu-west-1:111122223333:queue", false),
            ("arn:aws:sqs?eu-west-1:111122223333:queue", "arn:aws:sqs:eu-west-1:111122223333:queue", false),
        ];
        for (pattern, arn, want) in cases {
            assert_eq!(resource_matches(pattern, arn), *want, "{pattern} vs {arn}");
        }
    }

    #[test]
    fn statement_helpers() {
        let p = parse(
            r#"{"Statement":[
                {"Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*",
                 "Condition":{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"},
                              "ArnNotLike":{"aws:PrincipalARN":"arn:aws:iam::*:role/Admin","aws:RequestedRegion":"x"}}},
                {"Effect":"Allow","Action":"S3:Get*","Condition":{}}
            ]}"#,
        );
        let [deny, allow] = p.statements.as_slice() else { panic!("two statements") };
        assert_eq!(deny.condition_keys(), vec!["aws:requestedregion", "aws:principalarn"]);
        assert!(deny.is_conditional());
        assert!(deny.mentions_action("ec2:RunInstances"));
        assert!(!deny.mentions_action("IAM:CreateRole"));
        assert!(allow.mentions_action("s3:GetObject"));
        assert!(!allow.mentions_action("s3:PutObject"));
        assert!(allow.condition_keys().is_empty());
        assert!(!allow.is_conditional(), "an empty Condition constrains nothing");
    }
}
