//! Fuzzes the SCP parser with arbitrary UTF-8: policy text comes from the organization (or a file a user
//! passes), so no input may make the parser, the wildcard matchers or the evaluator panic, hang or overflow.
//! Inputs that parse are also evaluated, so the evaluator sees every statement shape the parser accepts.

#![no_main]

use dopaudit::scp::{
    action_matches, evaluate, parse_policy, resource_matches, ActionClause, AttachedPolicy, Effect, Level, LevelKind,
    Policy, Query, RequestContext, Verdict, FULL_AWS_ACCESS_ID,
};
use libfuzzer_sys::fuzz_target;

const FULL_AWS_ACCESS: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

fuzz_target!(|data: &[u8]| {
    // Arbitrary bytes, but the parser's contract is UTF-8 text; invalid UTF-8 never reaches it in the real tool.
    let Ok(text) = std::str::from_utf8(data) else { return };

    // The matchers take untrusted patterns too: first line as pattern, rest as subject.
    let (pattern, subject) = text.split_once('\n').unwrap_or((text, ""));
    let _ = action_matches(pattern, subject);
    let _ = resource_matches(pattern, subject);
    assert!(action_matches("*", subject), "a bare * matches every action");
    assert!(resource_matches("*", subject), "a bare * matches every resource");

    let Ok(policy) = parse_policy(text) else { return };
    let Ok(full) = parse_policy(FULL_AWS_ACCESS) else { return };
    for statement in &policy.statements {
        let _ = statement.condition_keys();
    }

    // Ask about actions the policy names itself (so its statements actually fire) and a couple of fixed ones,
    // with and without a resource.
    let mut actions: Vec<&str> = vec!["iam:CreateRole", "s3:GetObject"];
    for statement in &policy.statements {
        let (ActionClause::Action(list) | ActionClause::NotAction(list)) = &statement.action;
        actions.extend(list.iter().take(4).map(String::as_str));
    }
    let resources: Vec<Option<&str>> = vec![None, Some("arn:aws:s3:::bucket/key"), Some(subject)];
    let path = path(&policy, &full);
    // Once knowing nothing of the request, once knowing a region and the principal's account, so conditions are
    // both kept and settled.
    let contexts = [
        RequestContext::new(),
        RequestContext::for_account("111122223333", "o-fuzz", None).with("aws:RequestedRegion", [subject]),
    ];
    for action in actions.iter().take(16) {
        for resource in &resources {
            for context in &contexts {
                check(&path, &Query { action, resource: *resource, context });
            }
        }
    }
});

fn path<'a>(policy: &'a Policy, full: &'a Policy) -> Vec<Level<'a>> {
    let full = AttachedPolicy { id: FULL_AWS_ACCESS_ID, name: "FullAWSAccess", policy: full };
    let fuzzed = AttachedPolicy { id: "p-fuzzed", name: "fuzzed", policy };
    vec![
        Level { kind: LevelKind::Root, id: "r-fuzz", name: "Root", policies: vec![full, fuzzed] },
        Level { kind: LevelKind::OrganizationalUnit, id: "ou-fuzz-1", name: "OU", policies: vec![fuzzed] },
        Level { kind: LevelKind::Account, id: "111122223333", name: "acct", policies: vec![full] },
    ]
}

/// Invariants that must hold whatever the policy says.
fn check(path: &[Level<'_>], query: &Query<'_>) {
    let decision = evaluate(path, query);
    assert_eq!(decision.path.len(), path.len());
    assert!(!decision.reason.is_empty());
    let explicit_deny = decision.path.iter().any(|l| !l.denied_by.is_empty());
    match decision.verdict {
        Verdict::Allowed => {
            assert!(!explicit_deny);
            assert!(decision.path.iter().all(|l| !l.allowed_by.is_empty()));
            assert!(decision.path.iter().all(|l| l.conditional.iter().all(|s| s.effect == Effect::Allow)));
        }
        Verdict::Conditional => {
            assert!(!explicit_deny);
            assert!(!decision.deciding.is_empty());
        }
        // An implicit deny rests on a missing Allow, so it names no statement.
        Verdict::Denied if !explicit_deny => {
            assert!(decision.deciding.is_empty());
            assert!(decision.path.iter().any(|l| l.allowed_by.is_empty()));
        }
        Verdict::Denied => assert!(decision.deciding.iter().all(|s| s.effect == Effect::Deny)),
    }
    if explicit_deny {
        assert_eq!(decision.verdict, Verdict::Denied);
    }
}
