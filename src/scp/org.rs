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
    parsed: BTreeMap<&'a str, Result<Policy, String>>,
}

impl<'a> OrgView<'a> {
    pub fn new(tree: &'a OrgTree) -> Self {
        let parsed = tree
            .policies
            .iter()
            .map(|p| {
                let parsed = match p.content.get() {
                    Ok(text) => parse_policy(text).map_err(|e| e.to_string()),
                    Err(e) => Err(format!("its content could not be read: {}", e.brief())),
                };
                (p.id.as_str(), parsed)
            })
            .collect();
        OrgView { tree, parsed }
    }

    /// A policy as parsed, or why it could not be.
    pub fn parsed(&self, policy_id: &str) -> Option<&Result<Policy, String>> {
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
    pub fn levels(&'a self, account_id: &str) -> Result<Vec<Level<'a>>, String> {
        let path = self
            .tree
            .path_to(account_id)
            .ok_or_else(|| format!("account {account_id} is not in the organization's tree"))?;
        if let Some((p, e)) = self.tree.policies.iter().find_map(|p| Some((p, p.targets.get().err()?))) {
            return Err(format!("the targets of policy {} ({}) could not be read: {}", p.id, p.name, e.brief()));
        }
        let mut levels = Vec::new();
        for step in path {
            let mut policies = Vec::new();
            for p in self.tree.policies_on(step.id) {
                match self.parsed.get(p.id.as_str()) {
                    Some(Ok(policy)) => policies.push(AttachedPolicy { id: &p.id, name: &p.name, policy }),
                    Some(Err(e)) => {
                        return Err(format!("policy {} ({}) attached at {} cannot be read: {e}", p.id, p.name, step.id))
                    }
                    None => return Err(format!("policy {} was not read", p.id)),
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
