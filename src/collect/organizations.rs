//! Organizations collector: the tree from each root through its OUs to every account, the service control
//! policies with their content and targets, resource control policies (inventory), trusted service access
//! and delegated administrators.
//!
//! Only the management account or a delegated administrator may read these, so from any other account the
//! whole section is the recorded AccessDenied, and the SCP checks report `unknown` rather than guess.

use aws_sdk_organizations::types::{PolicyType, PolicyTypeSummary};
use aws_sdk_organizations::Client;

use super::bounded;
use crate::aws::{classify, AccountAws};
use crate::snapshot::{
    Collected, CollectionError, DelegatedAdmin, OrgMember, OrgPolicy, OrgRoot, OrgTree, OrgUnit, Organization,
    PolicyTypeState,
};

/// Organizations calls in flight at once within the tree's reading: its API allows only a few requests a second.
const ORG_CONCURRENCY: usize = 4;

pub async fn collect(aws: &AccountAws, org: &Organization) -> Collected<OrgTree> {
    let client = aws.organizations(aws.home_region());
    match read_tree(&client, org).await {
        Ok(tree) => Collected::ok(tree),
        Err(error) => Collected::Error { error },
    }
}

async fn read_tree(client: &Client, org: &Organization) -> Result<OrgTree, CollectionError> {
    let mut roots = Vec::new();
    let mut pages = client.list_roots().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify(&e, "organizations:ListRoots"))?;
        roots.extend(page.roots().iter().map(|r| OrgRoot {
            id: r.id().unwrap_or_default().to_string(),
            name: r.name().unwrap_or("Root").to_string(),
            policy_types: r.policy_types().iter().map(policy_type_state).collect(),
        }));
    }

    // Breadth-first from every root, a level at a time: the parents of one level are read together.
    let mut units = Vec::new();
    let mut accounts = Vec::new();
    let mut level: Vec<String> = roots.iter().map(|r| r.id.clone()).collect();
    while !level.is_empty() {
        let found = bounded(level, ORG_CONCURRENCY, |parent| {
            let client = client.clone();
            async move { children(&client, parent).await }
        })
        .await;
        level = Vec::new();
        for read in found {
            let (child_units, child_accounts) = read?;
            level.extend(child_units.iter().map(|u| u.id.clone()));
            units.extend(child_units);
            accounts.extend(child_accounts);
        }
    }
    units.sort_by(|a, b| a.id.cmp(&b.id));
    accounts.sort_by(|a, b| a.id.cmp(&b.id));

    let (scps, resource_control_policies, trusted_services, delegated_administrators) = tokio::join!(
        policies(client, PolicyType::ServiceControlPolicy),
        policies(client, PolicyType::ResourceControlPolicy),
        trusted_services(client),
        delegated_administrators(client),
    );
    Ok(OrgTree {
        id: org.id.clone(),
        management_account_id: org.management_account_id.clone(),
        feature_set: org.feature_set.clone(),
        roots,
        units,
        accounts,
        policies: scps?,
        resource_control_policies: match resource_control_policies {
            Ok(p) => Collected::ok(p),
            Err(error) => Collected::Error { error },
        },
        trusted_services,
        delegated_administrators,
    })
}

/// One parent's OUs and accounts.
async fn children(client: &Client, parent: String) -> Result<(Vec<OrgUnit>, Vec<OrgMember>), CollectionError> {
    let units = async {
        let mut units = Vec::new();
        let mut pages = client.list_organizational_units_for_parent().parent_id(&parent).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify(&e, "organizations:ListOrganizationalUnitsForParent"))?;
            units.extend(page.organizational_units().iter().map(|ou| OrgUnit {
                id: ou.id().unwrap_or_default().to_string(),
                name: ou.name().unwrap_or_default().to_string(),
                parent_id: parent.clone(),
            }));
        }
        Ok::<_, CollectionError>(units)
    };
    let accounts = async {
        let mut accounts = Vec::new();
        let mut pages = client.list_accounts_for_parent().parent_id(&parent).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify(&e, "organizations:ListAccountsForParent"))?;
            accounts.extend(page.accounts().iter().map(|a| OrgMember {
                id: a.id().unwrap_or_default().to_string(),
                name: a.name().map(str::to_string),
                parent_id: parent.clone(),
                status: a.status().map_or("ACTIVE", |s| s.as_str()).to_string(),
            }));
        }
        Ok::<_, CollectionError>(accounts)
    };
    let (units, accounts) = tokio::join!(units, accounts);
    Ok((units?, accounts?))
}

fn policy_type_state(t: &PolicyTypeSummary) -> PolicyTypeState {
    PolicyTypeState {
        policy_type: t.r#type().map_or("", |t| t.as_str()).to_string(),
        status: t.status().map_or("", |s| s.as_str()).to_string(),
    }
}

/// The policies of a type, each with its content and targets.
async fn policies(client: &Client, kind: PolicyType) -> Result<Vec<OrgPolicy>, CollectionError> {
    let mut summaries = Vec::new();
    let mut pages = client.list_policies().filter(kind).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify(&e, "organizations:ListPolicies"))?;
        summaries.extend(page.policies().iter().cloned());
    }
    Ok(bounded(summaries, ORG_CONCURRENCY, |summary| {
        let client = client.clone();
        async move {
            let id = summary.id().unwrap_or_default().to_string();
            let (content, targets) =
                tokio::join!(client.describe_policy().policy_id(&id).send(), targets(&client, &id));
            let content = match content {
                Ok(d) => Collected::ok(d.policy().and_then(|p| p.content()).unwrap_or_default().to_string()),
                Err(e) => Collected::Error { error: classify(&e, "organizations:DescribePolicy") },
            };
            OrgPolicy {
                id,
                name: summary.name().unwrap_or_default().to_string(),
                aws_managed: summary.aws_managed(),
                content,
                targets,
            }
        }
    })
    .await)
}

async fn targets(client: &Client, policy_id: &str) -> Collected<Vec<String>> {
    let mut out = Vec::new();
    let mut pages = client.list_targets_for_policy().policy_id(policy_id).into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(p) => out.extend(p.targets().iter().filter_map(|t| t.target_id().map(str::to_string))),
            Err(e) => return Collected::Error { error: classify(&e, "organizations:ListTargetsForPolicy") },
        }
    }
    Collected::ok(out)
}

async fn trusted_services(client: &Client) -> Collected<Vec<String>> {
    let mut out = Vec::new();
    let mut pages = client.list_aws_service_access_for_organization().into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(p) => out.extend(
                p.enabled_service_principals().iter().filter_map(|s| s.service_principal().map(str::to_string)),
            ),
            Err(e) => {
                return Collected::Error { error: classify(&e, "organizations:ListAWSServiceAccessForOrganization") }
            }
        }
    }
    Collected::ok(out)
}

async fn delegated_administrators(client: &Client) -> Collected<Vec<DelegatedAdmin>> {
    let mut admins = Vec::new();
    let mut pages = client.list_delegated_administrators().into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(p) => admins.extend(p.delegated_administrators().iter().filter_map(|a| a.id().map(str::to_string))),
            Err(e) => return Collected::Error { error: classify(&e, "organizations:ListDelegatedAdministrators") },
        }
    }
    let mut out = Vec::new();
    for account_id in admins {
        let mut services = Vec::new();
        let mut failed = None;
        let mut pages = client.list_delegated_services_for_account().account_id(&account_id).into_paginator().send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => services
                    .extend(p.delegated_services().iter().filter_map(|s| s.service_principal().map(str::to_string))),
                Err(e) => {
                    failed = Some(classify(&e, "organizations:ListDelegatedServicesForAccount"));
                    break;
                }
            }
        }
        let services = match failed {
            Some(error) => Collected::Error { error },
            None => Collected::ok(services),
        };
        out.push(DelegatedAdmin { account_id, services });
    }
    Collected::ok(out)
}
