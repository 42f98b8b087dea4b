//! Service control policies: parse an SCP document and decide whether the SCPs on the path from the organization
//! root to a member account let an action through.
//!
//! Kept pure (no AWS calls, no async, no output) so the collectors can feed it whatever they read and the checks
//! and CLI can ask it questions, and so it can be tested and fuzzed on its own. [`policy`] is the language,
//! [`eval`] the Organizations evaluation rules.

pub mod binding;
pub mod condition;
pub mod eval;
pub mod org;
pub mod policy;

pub use condition::RequestContext;
pub use eval::{evaluate, AttachedPolicy, Decision, Level, LevelKind, LevelResult, Query, StatementRef, Verdict};
pub use policy::{
    action_matches, parse_policy, resource_matches, ActionClause, Effect, Policy, PolicyError, ResourceClause,
    Statement,
};

/// The id of the AWS-managed policy Organizations attaches to every root, OU and account when SCPs are enabled;
/// detaching it without attaching another Allow is what turns a level into an allow-list (or a wall).
pub const FULL_AWS_ACCESS_ID: &str = "p-FullAWSAccess";

/// The most characters an SCP document may hold (AWS quota), so collectors and checks can flag policies near it.
pub const SCP_MAX_CHARS: usize = 5120;

/// The most SCPs that can be attached directly to one root, OU or account (AWS quota).
pub const SCP_MAX_PER_TARGET: usize = 5;

/// The answer to `dopaudit scp simulate`: the decision, or why SCPs do not come into it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Simulation {
    pub account: String,
    pub account_name: Option<String>,
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// Always present: for the management account, or when SCPs are disabled, an `allowed` decision whose reason
    /// says SCPs do not apply, so scripts never meet a missing field.
    pub decision: eval::Decision,
    /// Whether SCPs apply to the account at all (false for the management account and when SCPs are disabled).
    pub scp_applies: bool,
    /// The request-context keys the answer assumed (the account's own, and those given with `--context`).
    pub context: std::collections::BTreeMap<String, Vec<String>>,
    /// Things to keep in mind when reading the answer.
    pub notes: Vec<String>,
}

/// Evaluates one action for one account of the organization.
pub fn simulate(
    tree: &crate::snapshot::OrgTree,
    account: &str,
    action: &str,
    resource: Option<&str>,
    extra_context: &[(String, String)],
) -> Result<Simulation, org::PathError> {
    let member = tree.accounts.iter().find(|a| a.id == account).ok_or_else(|| org::PathError::NotInOrganization {
        account: account.to_string(),
        organization: tree.id.clone(),
    })?;
    let mut notes = vec![
        "SCPs never restrict service-linked roles; what they leave allowed must still be granted by IAM policies."
            .to_string(),
    ];
    let view = org::OrgView::new(tree);
    let mut context = view.context(account);
    for (key, value) in extra_context {
        let mut values = context.values_of(key).to_vec();
        if !values.contains(value) {
            values.push(value.clone());
        }
        context = context.with(key, values);
    }
    let not_applicable = |reason: &str| eval::Decision {
        verdict: eval::Verdict::Allowed,
        reason: reason.to_string(),
        deciding: Vec::new(),
        path: Vec::new(),
    };
    let scp_applies = account != tree.management_account_id && tree.scp_enabled() != Some(false);
    let decision = if account == tree.management_account_id {
        notes.insert(
            0,
            "This is the management account: SCPs never apply to it, so nothing here is restricted by them.".into(),
        );
        not_applicable(&format!("{action} is allowed by SCPs: they never apply to the management account."))
    } else if tree.scp_enabled() == Some(false) {
        notes.insert(0, "Service control policies are disabled on the root: no SCP restricts any account.".into());
        not_applicable(&format!("{action} is allowed by SCPs: the SCP policy type is disabled on the root."))
    } else {
        let levels = view.levels(account)?;
        eval::evaluate(&levels, &eval::Query { action, resource, context: &context })
    };
    Ok(Simulation {
        account: account.to_string(),
        account_name: member.name.clone(),
        action: action.to_string(),
        resource: resource.map(str::to_string),
        decision,
        scp_applies,
        context: context.entries(),
        notes,
    })
}
