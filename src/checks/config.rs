//! AWS Config checks (study section 24).
//!
//! Config is regional: a recorder, a delivery channel and rules must exist in every audited region, while
//! IAM (global) resources should be recorded in exactly one region. Aggregators live in the management or a
//! delegated administrator account, so that check is judged per organization, not per account.

use std::collections::BTreeMap;

use serde_json::json;

use super::{At, Ctx, Outcome};
use crate::snapshot::{AccountSnapshot, CollectionError, ConfigData, ConfigRule, RegionSnapshot};

const DRIFT_RULE: &str = "CLOUDFORMATION_STACK_DRIFT_DETECTION_CHECK";
const UNUSED_CREDENTIALS_RULE: &str = "IAM_USER_UNUSED_CREDENTIALS_CHECK";

/// Calls `judge` with each region's Config data; a region whose data could not be read gives one
/// not-evaluated outcome.
fn per_region(ctx: &Ctx<'_>, judge: impl Fn(At, &ConfigData) -> Outcome) -> Vec<Outcome> {
    let mut out = Vec::new();
    for account in ctx.accounts() {
        for region in &account.regions {
            let at = At::region(account, region);
            out.push(match region.config.get() {
                Ok(data) => judge(at, data),
                Err(e) => at.not_evaluated(&e),
            });
        }
    }
    out
}

pub fn recorder_all_resources(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(ctx, |at, data| {
        let Some(rec) = data.recorders.first() else {
            return at.fail(
                "no configuration recorder: resource changes in this region are not recorded".into(),
                json!({"recorders": []}),
            );
        };
        let at = At { resource: rec.name.clone(), ..at };
        let status = match data.recorder_statuses.get() {
            Ok(list) => list.iter().find(|s| s.name == rec.name),
            Err(e) => return at.not_evaluated(&e),
        };
        let evidence = json!({
            "recorder": rec.name,
            "all_supported": rec.all_supported,
            "resource_types": rec.resource_types,
            "excluded_resource_types": rec.excluded_resource_types,
            "recording": status.map(|s| s.recording),
            "last_status": status.and_then(|s| s.last_status.clone()),
        });
        if !status.is_some_and(|s| s.recording) {
            return at.fail(format!("configuration recorder {} is stopped", rec.name), evidence);
        }
        if !rec.all_supported {
            return at.fail(
                format!(
                    "configuration recorder {} records only {} chosen resource types",
                    rec.name,
                    rec.resource_types.len()
                ),
                evidence,
            );
        }
        if !rec.excluded_resource_types.is_empty() {
            return at.fail(
                format!(
                    "configuration recorder {} excludes {} resource types",
                    rec.name,
                    rec.excluded_resource_types.len()
                ),
                evidence,
            );
        }
        at.pass(format!("configuration recorder {} records all supported resource types", rec.name), evidence)
    })
}

pub fn global_resources_single_region(ctx: &Ctx<'_>) -> Vec<Outcome> {
    ctx.accounts()
        .map(|account| {
            let at = At::account(account);
            let mut recording_regions = Vec::new();
            let mut unread: Vec<(&str, CollectionError)> = Vec::new();
            for region in &account.regions {
                match region.config.get() {
                    Ok(d) if d.recorders.iter().any(|r| r.records_global_types()) => recording_regions.push(region.region.as_str()),
                    Ok(_) => {}
                    Err(e) => unread.push((region.region.as_str(), e)),
                }
            }
            let evidence = json!({
                "regions_recording_global_types": recording_regions,
                "regions_not_read": unread.iter().map(|(r, _)| *r).collect::<Vec<_>>(),
            });
            match recording_regions.len() {
                n if n > 1 => at.fail(
                    format!(
                        "IAM (global) resource types are recorded in {n} regions ({}): duplicate configuration items and cost",
                        recording_regions.join(", ")
                    ),
                    evidence,
                ),
                _ if !unread.is_empty() => {
                    let (region, e) = &unread[0];
                    at.unknown(format!("could not be evaluated: AWS Config in {region} could not be read: {}", e.brief()), evidence)
                }
                1 => at.pass(format!("IAM (global) resource types are recorded in {} only", recording_regions[0]), evidence),
                _ => at.fail("IAM (global) resource types are recorded in no audited region".into(), evidence),
            }
        })
        .collect()
}

pub fn delivery_channel(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(ctx, |at, data| {
        let channels = match data.delivery_channels.get() {
            Ok(c) => c,
            Err(e) => return at.not_evaluated(&e),
        };
        let evidence = json!({ "delivery_channels": channels });
        match channels.first() {
            None => {
                at.fail("no delivery channel: configuration history and snapshots are not delivered".into(), evidence)
            }
            Some(c) => {
                let at = At { resource: c.name.clone(), ..at };
                match &c.s3_bucket_name {
                    Some(b) => at.pass(format!("delivery channel {} delivers to bucket {b}", c.name), evidence),
                    None => at.fail(format!("delivery channel {} names no S3 bucket", c.name), evidence),
                }
            }
        }
    })
}

fn rules_with<'a>(rules: &'a [ConfigRule], identifier: &str) -> Vec<&'a ConfigRule> {
    rules.iter().filter(|r| r.source_owner == "AWS" && r.source_identifier == identifier).collect()
}

pub fn rule_cfn_drift_detection(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(ctx, |at, data| {
        let rules = match data.rules.get() {
            Ok(r) => r,
            Err(e) => return at.not_evaluated(&e),
        };
        let found = rules_with(rules, DRIFT_RULE);
        let evidence = json!({ "rules": found.iter().map(|r| &r.name).collect::<Vec<_>>() });
        match found.first() {
            Some(r) => at.pass(format!("rule {} watches CloudFormation stacks for drift", r.name), evidence),
            None => at.fail(format!("no {DRIFT_RULE} rule: drifted stacks in this region go unnoticed"), evidence),
        }
    })
}

pub fn rule_iam_unused_credentials(ctx: &Ctx<'_>) -> Vec<Outcome> {
    ctx.accounts()
        .map(|account| {
            let at = At::account(account);
            let mut first_err = None;
            for region in &account.regions {
                match region.config.get().and_then(|d| d.rules.get().cloned()) {
                    Ok(rules) => {
                        if let Some(r) = rules_with(&rules, UNUSED_CREDENTIALS_RULE).first() {
                            return at.pass(
                                format!("rule {} in {} checks IAM users for unused credentials", r.name, region.region),
                                json!({"rule": r.name, "region": region.region}),
                            );
                        }
                    }
                    Err(e) => {
                        first_err.get_or_insert((region.region.clone(), e));
                    }
                }
            }
            match first_err {
                Some((region, e)) => at.unknown(
                    format!("could not be evaluated: no {UNUSED_CREDENTIALS_RULE} rule found, and the rules in {region} could not be read: {}", e.brief()),
                    json!({"collection_error": e}),
                ),
                None => at.fail(format!("no {UNUSED_CREDENTIALS_RULE} rule in any audited region"), json!({})),
            }
        })
        .collect()
}

pub fn rules_noncompliant(ctx: &Ctx<'_>) -> Vec<Outcome> {
    let mut out = Vec::new();
    for account in ctx.accounts() {
        for region in &account.regions {
            let at = At::region(account, region);
            let compliance = match region.config.get().and_then(|d| d.compliance_by_rule.get().map(|c| (d, c.clone())))
            {
                Ok(v) => v,
                Err(e) => {
                    out.push(at.not_evaluated(&e));
                    continue;
                }
            };
            let (data, compliance) = compliance;
            let arns: BTreeMap<&str, &str> = data
                .rules
                .get()
                .map(|rules| rules.iter().filter_map(|r| Some((r.name.as_str(), r.arn.as_deref()?))).collect())
                .unwrap_or_default();
            for c in &compliance {
                let resource = arns.get(c.rule_name.as_str()).map_or_else(|| c.rule_name.clone(), |a| a.to_string());
                out.push(judge_rule(At::new(&account.account_id, &region.region, resource), c));
            }
        }
    }
    out
}

fn judge_rule(at: At, c: &crate::snapshot::RuleCompliance) -> Outcome {
    let evidence = json!({
        "rule": c.rule_name,
        "compliance": c.compliance,
        "non_compliant_resources": c.non_compliant_resources,
        "count_capped": c.count_capped,
    });
    match c.compliance.as_str() {
        "COMPLIANT" => at.pass(format!("rule {} finds every evaluated resource compliant", c.rule_name), evidence),
        "NON_COMPLIANT" => {
            let count = match c.non_compliant_resources {
                Some(n) => format!("{n}{} non-compliant resources", if c.count_capped { "+" } else { "" }),
                None => "non-compliant resources".into(),
            };
            at.fail(format!("rule {} reports {count}", c.rule_name), evidence)
        }
        "NOT_APPLICABLE" => {
            at.skipped(format!("not applicable: rule {} has no resources in scope", c.rule_name), evidence)
        }
        other => at.unknown(format!("rule {} has no verdict yet ({other})", c.rule_name), evidence),
    }
}

pub fn aggregator(ctx: &Ctx<'_>) -> Vec<Outcome> {
    let mut out = Vec::new();
    // Accounts grouped by organization; standalone accounts are judged alone.
    let mut orgs: BTreeMap<String, (String, Vec<&AccountSnapshot>)> = BTreeMap::new();
    for account in ctx.accounts() {
        match account.organization.get() {
            Ok(Some(org)) => orgs
                .entry(org.id.clone())
                .or_insert_with(|| (org.management_account_id.clone(), Vec::new()))
                .1
                .push(account),
            Ok(None) => out.push(
                At::account(account).skipped("not applicable: the account is not in an organization".into(), json!({})),
            ),
            Err(e) => out.push(At::account(account).not_evaluated(&e)),
        }
    }
    for (org_id, (management, accounts)) in orgs {
        out.push(judge_org_aggregators(&org_id, &management, &accounts));
    }
    out
}

fn judge_org_aggregators(org_id: &str, management: &str, accounts: &[&AccountSnapshot]) -> Outcome {
    let mut first_err: Option<(&AccountSnapshot, &RegionSnapshot, CollectionError)> = None;
    for account in accounts {
        for region in &account.regions {
            match region.config.get().and_then(|d| d.aggregators.get()) {
                Ok(aggs) => {
                    if let Some(a) = aggs.iter().find(|a| a.organization_source) {
                        let at = At::new(
                            &account.account_id,
                            &region.region,
                            a.arn.clone().unwrap_or_else(|| a.name.clone()),
                        );
                        let evidence = json!({"organization_id": org_id, "aggregator": a});
                        return at.pass(
                            format!("aggregator {} collects Config data from the whole organization {org_id}", a.name),
                            evidence,
                        );
                    }
                }
                Err(e) => {
                    if first_err.is_none() {
                        first_err = Some((account, region, e));
                    }
                }
            }
        }
    }
    let at = At::new(management, super::GLOBAL, org_id.to_string());
    let audited: Vec<&str> = accounts.iter().map(|a| a.account_id.as_str()).collect();
    let evidence = json!({"organization_id": org_id, "management_account": management, "audited_accounts": audited});
    if let Some((account, region, e)) = first_err {
        return at.unknown(
            format!(
                "could not be evaluated: aggregators in {} {} could not be read: {e}",
                account.account_id, region.region
            ),
            evidence,
        );
    }
    if !accounts.iter().any(|a| a.is_management()) {
        return at.unknown(
            format!("could not be evaluated: no organization aggregator among the audited accounts, and the management account {management} (where one usually lives) was not audited"),
            evidence,
        );
    }
    at.fail(format!("no aggregator collects Config data across organization {org_id}"), evidence)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::report::Status;
    use crate::snapshot::{
        Collected, ConfigAggregator, ConfigRecorder, DeliveryChannel, RecorderStatus, RuleCompliance,
    };

    fn recorder(all: bool, global: bool) -> ConfigRecorder {
        ConfigRecorder {
            name: "default".into(),
            role_arn: None,
            all_supported: all,
            include_global_resource_types: global,
            resource_types: if all { vec![] } else { vec!["AWS::S3::Bucket".into()] },
            excluded_resource_types: vec![],
        }
    }

    fn rule(name: &str, id: &str) -> ConfigRule {
        ConfigRule {
            name: name.into(),
            arn: Some(format!("arn:aws:config:us-east-1:{ACCT}:config-rule/{name}")),
            source_owner: "AWS".into(),
            source_identifier: id.into(),
            state: Some("ACTIVE".into()),
        }
    }

    fn config(recorders: Vec<ConfigRecorder>, recording: bool) -> ConfigData {
        ConfigData {
            recorder_statuses: Collected::ok(
                recorders
                    .iter()
                    .map(|r| RecorderStatus {
                        name: r.name.clone(),
                        recording,
                        last_status: None,
                        last_error_code: None,
                    })
                    .collect(),
            ),
            recorders,
            delivery_channels: Collected::ok(vec![DeliveryChannel {
                name: "default".into(),
                s3_bucket_name: Some("b".into()),
                sns_topic_arn: None,
            }]),
            rules: Collected::ok(vec![]),
            compliance_by_rule: Collected::ok(vec![]),
            aggregators: Collected::ok(vec![]),
            ..Default::default()
        }
    }

    fn one_region(data: Collected<ConfigData>, org: Option<&str>) -> crate::snapshot::Snapshot {
        let mut r = region("us-east-1");
        r.config = data;
        snapshot(vec![account(ACCT, org, vec![r])])
    }

    fn run(f: super::super::Evaluator, snap: &crate::snapshot::Snapshot) -> Vec<Outcome> {
        f(&Ctx::new(snap))
    }

    fn only(out: &[Outcome]) -> (Status, &str) {
        assert_eq!(out.len(), 1, "{out:?}");
        (out[0].status, out[0].message.as_str())
    }

    #[test]
    fn recorder_cases() {
        let mut excluded = recorder(true, true);
        excluded.excluded_resource_types = vec!["AWS::EC2::Volume".into()];
        let mut status_denied = config(vec![recorder(true, true)], true);
        status_denied.recorder_statuses =
            Collected::Error { error: denied("config:DescribeConfigurationRecorderStatus") };
        let cases: Vec<(&str, Collected<ConfigData>, Status, &str)> = vec![
            (
                "all, recording",
                Collected::ok(config(vec![recorder(true, true)], true)),
                Status::Pass,
                "records all supported",
            ),
            ("stopped", Collected::ok(config(vec![recorder(true, true)], false)), Status::Fail, "is stopped"),
            ("partial", Collected::ok(config(vec![recorder(false, false)], true)), Status::Fail, "only 1 chosen"),
            ("exclusions", Collected::ok(config(vec![excluded], true)), Status::Fail, "excludes 1"),
            ("none", Collected::ok(config(vec![], true)), Status::Fail, "no configuration recorder"),
            (
                "status denied",
                Collected::ok(status_denied),
                Status::Unknown,
                "config:DescribeConfigurationRecorderStatus",
            ),
            (
                "section denied",
                Collected::Error { error: denied("config:DescribeConfigurationRecorders") },
                Status::Unknown,
                "missing permission",
            ),
        ];
        for (name, data, want, text) in cases {
            let out = run(recorder_all_resources, &one_region(data, None));
            let (status, msg) = only(&out);
            assert_eq!(status, want, "{name}");
            assert!(msg.contains(text), "{name}: {msg}");
        }
    }

    #[test]
    fn global_types_in_exactly_one_region() {
        let regions = |globals: &[Option<bool>]| {
            let rs = globals
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    let mut r = region(&format!("region-{i}"));
                    r.config = match g {
                        Some(g) => Collected::ok(config(vec![recorder(true, *g)], true)),
                        None => Collected::Error { error: denied("config:DescribeConfigurationRecorders") },
                    };
                    r
                })
                .collect();
            snapshot(vec![account(ACCT, None, rs)])
        };
        let cases: Vec<(&[Option<bool>], Status)> = vec![
            (&[Some(true), Some(false)], Status::Pass),
            (&[Some(true), Some(true)], Status::Fail),
            (&[Some(false), Some(false)], Status::Fail),
            (&[Some(false), None], Status::Unknown),
            (&[Some(true), None], Status::Unknown),
            (&[Some(true), Some(true), None], Status::Fail),
        ];
        for (globals, want) in cases {
            let out = run(global_resources_single_region, &regions(globals));
            assert_eq!(only(&out).0, want, "{globals:?}");
        }
    }

    #[test]
    fn delivery_channel_cases() {
        let mut none = config(vec![], true);
        none.delivery_channels = Collected::ok(vec![]);
        let mut no_bucket = config(vec![], true);
        no_bucket.delivery_channels =
            Collected::ok(vec![DeliveryChannel { name: "dc".into(), s3_bucket_name: None, sns_topic_arn: None }]);
        let mut denied_dc = config(vec![], true);
        denied_dc.delivery_channels = Collected::Error { error: denied("config:DescribeDeliveryChannels") };
        for (data, want) in [
            (config(vec![], true), Status::Pass),
            (none, Status::Fail),
            (no_bucket, Status::Fail),
            (denied_dc, Status::Unknown),
        ] {
            assert_eq!(only(&run(delivery_channel, &one_region(Collected::ok(data), None))).0, want);
        }
    }

    #[test]
    fn named_rules_deployed() {
        let mut with = config(vec![], true);
        with.rules = Collected::ok(vec![rule("drift", DRIFT_RULE), rule("creds", UNUSED_CREDENTIALS_RULE)]);
        let mut custom = config(vec![], true);
        custom.rules =
            Collected::ok(vec![ConfigRule { source_owner: "CUSTOM_LAMBDA".into(), ..rule("drift", DRIFT_RULE) }]);
        let mut denied_rules = config(vec![], true);
        denied_rules.rules = Collected::Error { error: denied("config:DescribeConfigRules") };
        let cases = [
            (with, Status::Pass, Status::Pass),
            (config(vec![], true), Status::Fail, Status::Fail),
            (custom, Status::Fail, Status::Fail),
            (denied_rules, Status::Unknown, Status::Unknown),
        ];
        for (data, drift, creds) in cases {
            let snap = one_region(Collected::ok(data), None);
            assert_eq!(only(&run(rule_cfn_drift_detection, &snap)).0, drift);
            assert_eq!(only(&run(rule_iam_unused_credentials, &snap)).0, creds);
        }
    }

    #[test]
    fn rule_compliance_cases() {
        let mut data = config(vec![], true);
        data.rules = Collected::ok(vec![rule("a", "X")]);
        data.compliance_by_rule = Collected::ok(
            [
                ("a", "NON_COMPLIANT", Some(100), true),
                ("b", "COMPLIANT", None, false),
                ("c", "NOT_APPLICABLE", None, false),
                ("d", "INSUFFICIENT_DATA", None, false),
            ]
            .into_iter()
            .map(|(n, c, count, capped)| RuleCompliance {
                rule_name: n.into(),
                compliance: c.into(),
                non_compliant_resources: count,
                count_capped: capped,
            })
            .collect(),
        );
        let out = run(rules_noncompliant, &one_region(Collected::ok(data), None));
        let got: Vec<(&str, Status)> = out.iter().map(|o| (o.resource.as_str(), o.status)).collect();
        assert_eq!(
            got,
            vec![
                ("arn:aws:config:us-east-1:111111111111:config-rule/a", Status::Fail),
                ("b", Status::Pass),
                ("c", Status::Skipped),
                ("d", Status::Unknown)
            ]
        );
        assert!(out[0].message.contains("100+ non-compliant resources"), "{}", out[0].message);
    }

    #[test]
    fn aggregator_cases() {
        let org_agg = ConfigAggregator {
            name: "org".into(),
            arn: None,
            organization_source: true,
            all_regions: true,
            regions: vec![],
            account_ids: vec![],
        };
        let mut with = config(vec![], true);
        with.aggregators = Collected::ok(vec![org_agg]);
        // (data, org management account, expected)
        let cases = [
            (config(vec![], true), None, Status::Skipped),
            (with, Some(ACCT), Status::Pass),
            (config(vec![], true), Some(ACCT), Status::Fail),
            (config(vec![], true), Some(MGMT), Status::Unknown),
        ];
        for (data, org, want) in cases {
            let out = run(aggregator, &one_region(Collected::ok(data), org));
            assert_eq!(only(&out).0, want, "org={org:?}");
        }
    }
}
