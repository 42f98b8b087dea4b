//! Organizations collector: the tree from each root through its OUs to every account, the service control
//! policies with their content and targets, resource control policies (inventory), trusted service access
//! and delegated administrators.
//!
//! Only the management account or a delegated administrator may read these, so from any other account the
//! whole section is the recorded AccessDenied, and the SCP checks report `unknown` rather than guess.

use aws_sdk_organizations::types::{PolicyType, PolicyTypeSummary};
use aws_sdk_organizations::Client;

use crate::aws::{classify, AccountAws};
use crate::snapshot::{
    Collected, CollectionError, DelegatedAdmin, OrgMember, OrgPolicy, OrgRoot, OrgTree, OrgUnit, Organization,
    PolicyTypeState,
};

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

    // Breadth-first from every root: each parent's OUs and accounts.
    let mut units = Vec::new();
    let mut accounts = Vec::new();
    let mut queue: Vec<String> = roots.iter().map(|r| r.id.clone()).collect();
    while let Some(parent) = queue.pop() {
        let mut pages = client.list_organizational_units_for_parent().parent_id(&parent).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify(&e, "organizations:ListOrganizationalUnitsForParent"))?;
            for ou in page.organizational_units() {
                let id = ou.id().unwrap_or_default().to_string();
                queue.push(id.clone());
                units.push(OrgUnit { id, name: ou.name().unwrap_or_default().to_string(), parent_id: parent.clone() });
            }
        }
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
    }
    units.sort_by(|a, b| a.id.cmp(&b.id));
    accounts.sort_by(|a, b| a.id.cmp(&b.id));

    let scps = policies(client, PolicyType::ServiceControlPolicy).await?;
    let resource_control_policies = match policies(client, PolicyType::ResourceControlPolicy).await {
        Ok(p) => Collected::ok(p),
        Err(error) => Collected::Error { error },
    };
    Ok(OrgTree {
        id: org.id.clone(),
        management_account_id: org.management_account_id.clone(),
        feature_set: org.feature_set.clone(),
        roots,
        units,
        accounts,
        policies: scps,
        resource_control_policies,
        trusted_services: trusted_services(client).await,
        delegated_administrators: delegated_administrators(client).await,
    })
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
    let mut out = Vec::new();
    for summary in summaries {
        let id = summary.id().unwrap_or_default().to_string();
        let content = match client.describe_policy().policy_id(&id).send().await {
            Ok(d) => match d.policy().and_then(|p| p.content()) {
                Some(c) => Collected::ok(c.to_string()),
                None => Collected::ok(String::new()),
            },
            Err(e) => Collected::Error { error: classify(&e, "organizations:DescribePolicy") },
        };
        let targets = targets(client, &id).await;
        out.push(OrgPolicy {
            id,
            name: summary.name().unwrap_or_default().to_string(),
            aws_managed: summary.aws_managed(),
            content,
            targets,
        });
    }
    Ok(out)
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
