//! The organization as SCP evaluation reads it: the collected tree with every policy parsed once, and the
//! levels (root, each OU, the account) with the SCPs attached at each — the input `eval::evaluate` walks.

use std::collections::BTreeMap;

use super::condition::RequestContext;
use super::eval::{AttachedPolicy, Level, LevelKind};
use super::policy::{parse_policy, Policy};
use crate::snapshot::{OrgTree, PathKind};

/// The organization as the SCP checks read it: its tree and each policy, parsed once.
pub struct OrgView<'a> {
    pub tree: &'a OrgTree,
    parsed: BTreeMap<&'a str, Result<Policy, Unreadable>>,
}

/// Why the SCPs on an account's path cannot be gathered, so nothing can be decided for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("account {account} is not in organization {organization}")]
    NotInOrganization { account: String, organization: String },
    #[error("account {0} is not in the organization's tree")]
    NotInTree(String),
    #[error("the targets of policy {id} ({name}) could not be read: {why}")]
    TargetsUnread { id: String, name: String, why: String },
    #[error("policy {id} ({name}) attached at {target} cannot be read: {why}")]
    PolicyUnreadable { id: String, name: String, target: String, why: Unreadable },
    #[error("policy {0} was not read")]
    PolicyNotRead(String),
}

/// Why a policy of the tree cannot be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    /// Its text is not a valid SCP.
    #[error("{0}")]
    Invalid(#[from] crate::scp::policy::PolicyError),
    /// Its text could not be collected (the collection error, briefly).
    #[error("its content could not be read: {0}")]
    ContentUnread(String),
}

impl<'a> OrgView<'a> {
    pub fn new(tree: &'a OrgTree) -> Self {
        let parsed = tree
            .policies
            .iter()
            .map(|p| {
                let parsed = match p.content.get() {
                    Ok(text) => parse_policy(text).map_err(Unreadable::from),
                    Err(e) => Err(Unreadable::ContentUnread(e.brief())),
                };
                (p.id.as_str(), parsed)
            })
            .collect();
        OrgView { tree, parsed }
    }

    /// A policy as parsed, or why it could not be.
    pub fn parsed(&self, policy_id: &str) -> Option<&Result<Policy, Unreadable>> {
        self.parsed.get(policy_id)
    }

    /// What every request made in the account carries: its account id, the organization's id and the account's
    /// path in it (`o-id/r-id/ou-id/…/`, as `aws:PrincipalOrgPaths` holds it), so conditions on them are settled.
    pub fn context(&self, account_id: &str) -> RequestContext {
        let path = self.tree.path_to(account_id).map(|steps| {
            let mut path = format!("{}/", self.tree.id);
            for step in steps.iter().filter(|s| !matches!(s.kind, PathKind::Account)) {
                path.push_str(step.id);
                path.push('/');
            }
            path
        });
        RequestContext::for_account(account_id, &self.tree.id, path)
    }

    /// The levels from the root to the account with the SCPs attached at each, or why they cannot be built.
    pub fn levels(&'a self, account_id: &str) -> Result<Vec<Level<'a>>, PathError> {
        let path = self.tree.path_to(account_id).ok_or_else(|| PathError::NotInTree(account_id.to_string()))?;
        if let Some((p, e)) = self.tree.policies.iter().find_map(|p| Some((p, p.targets.get().err()?))) {
            return Err(PathError::TargetsUnread { id: p.id.clone(), name: p.name.clone(), why: e.brief() });
        }
        let mut levels = Vec::new();
        for step in path {
            let mut policies = Vec::new();
            for p in self.tree.policies_on(step.id) {
                match self.parsed.get(p.id.as_str()) {
                    Some(Ok(policy)) => policies.push(AttachedPolicy { id: &p.id, name: &p.name, policy }),
                    Some(Err(e)) => {
                        return Err(PathError::PolicyUnreadable {
                            id: p.id.clone(),
                            name: p.name.clone(),
                            target: step.id.to_string(),
                            why: e.clone(),
                        })
                    }
                    None => return Err(PathError::PolicyNotRead(p.id.clone())),
                }
            }
            let kind = match step.kind {
                PathKind::Root => LevelKind::Root,
                PathKind::OrganizationalUnit => LevelKind::OrganizationalUnit,
                PathKind::Account => LevelKind::Account,
            };
            levels.push(Level { kind, id: step.id, name: step.name, policies });
        }
        Ok(levels)
    }
}
