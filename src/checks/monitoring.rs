//! Monitoring and event-routing checks: EventBridge rules for the events an operator must hear about (study
//! section 19, with the Config, CodePipeline and Trusted Advisor events of sections 24, 2 and 30), CloudWatch Logs
//! retention, streaming and CloudTrail alarms (section 22), and SQS dead-letter queues (section 18).
//!
//! An EventBridge rule counts for a check only when it is enabled, its pattern admits the event, and it has a
//! target (of the right service, where that matters). Patterns are matched the way EventBridge matches them, against
//! whole representative events (a root, an IAM-user and a federated failed sign-in; Health events of several services
//! and categories …): a pattern narrowed by a field that excludes one of them does not count for it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use super::{per_region, At, Ctx, Evaluator, Outcome};
use crate::snapshot::{
    AccountSnapshot, CollectionError, EventBridgeData, EventRule, LogGroup, LogsData, MetricAlarm, MetricFilter, Queue,
    RegionSnapshot, SqsData, WatchedMetric,
};

/// The monitoring checks, by id.
pub static CHECKS: &[(&str, Evaluator)] = &[
    ("eventbridge-console-login-failures", console_login_failures),
    ("eventbridge-health-events", health_events),
    ("eventbridge-config-compliance", config_compliance),
    ("eventbridge-codepipeline-failures", codepipeline_failures),
    ("eventbridge-trusted-advisor", trusted_advisor),
    ("cloudwatch-log-retention", log_retention),
    ("cloudwatch-log-subscriptions", log_subscriptions),
    ("cloudwatch-cloudtrail-alarms", cloudtrail_alarms),
    ("cloudwatch-metric-streams", metric_streams),
    ("sqs-dead-letter-queue", dead_letter_queue),
    ("sqs-dlq-alarm", dlq_alarm),
    ("sqs-dlq-retention", dlq_retention),
];

/// Where root sign-ins, global Health events and Trusted Advisor events are delivered.
const US_EAST_1: &str = "us-east-1";

/// The Regions that record console sign-ins whatever Regions an account uses, and why (CloudTrail user guide, "AWS
/// Management Console sign-in events"). Every other Region records the sign-ins made through its own Regional
/// sign-in endpoint.
const SIGN_IN_REGIONS: [(&str, &str); 4] = [
    (
        US_EAST_1,
        "root user sign-ins, and IAM-user sign-ins through the global endpoint without an account-alias cookie, are recorded in us-east-1",
    ),
    ("us-east-2", ALIAS_COOKIE),
    ("eu-north-1", ALIAS_COOKIE),
    ("ap-southeast-2", ALIAS_COOKIE),
];
const ALIAS_COOKIE: &str = "IAM-user sign-ins through the global endpoint with an account-alias cookie are recorded in us-east-2, eu-north-1 or ap-southeast-2, whichever answers the user fastest";

// ---- EventBridge ------------------------------------------------------------------------------------

/// One representative event a rule must route.
struct Sample {
    /// What it stands for, in messages ("root user").
    label: &'static str,
    /// The event as EventBridge delivers it on the default bus.
    event: Value,
}

/// Events that some enabled rule must send somewhere.
struct Route {
    /// The events, for messages ("failed console sign-ins recorded in eu-west-1 …").
    what: String,
    /// Representative events. Each must reach a counted target, unless `any_sample` (alternatives: routing one of
    /// them is enough, as with a pipeline's, stage's or action's failure).
    samples: Vec<Sample>,
    any_sample: bool,
    /// The service every counted target must belong to (`sns`), when not any target will do.
    target_service: Option<&'static str>,
}

/// An event on the default bus of `account` in `region`.
fn envelope(account: &str, region: &str, source: &str, detail_type: &str, resources: &[&str], detail: Value) -> Value {
    json!({
        "version": "0",
        "id": "6f1e2d3c-4b5a-4978-8a1b-2c3d4e5f6a7b",
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": "2026-11-20T09:00:00Z",
        "region": region,
        "resources": resources,
        "detail": detail,
    })
}

/// A console sign-in as CloudTrail sends it to EventBridge; `failed` adds the failure response and error message.
fn sign_in_event(account: &str, region: &str, identity: Value, failed: bool) -> Value {
    let mut detail = json!({
        "eventVersion": "1.08",
        "userIdentity": identity,
        "eventTime": "2026-11-20T09:00:00Z",
        "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin",
        "awsRegion": region,
        "sourceIPAddress": "203.0.113.10",
        "userAgent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        "requestParameters": null,
        "responseElements": {"ConsoleLogin": if failed { "Failure" } else { "Success" }},
        "additionalEventData": {
            "LoginTo": "https://console.aws.amazon.com/console/home",
            "MobileVersion": "No",
            "MFAUsed": "No",
        },
        "eventID": "3f9d2948-d3bf-4594-b408-9bc2849945fc",
        "readOnly": false,
        "eventType": "AwsConsoleSignIn",
        "managementEvent": true,
        "recipientAccountId": account,
        "eventCategory": "Management",
    });
    if failed {
        detail["errorMessage"] = json!("Failed authentication");
    }
    envelope(account, region, "aws.signin", "AWS Console Sign In via CloudTrail", &[], detail)
}

fn root_identity(account: &str) -> Value {
    json!({"type": "Root", "principalId": account, "arn": format!("arn:aws:iam::{account}:root"), "accountId": account})
}

fn iam_user_identity(account: &str) -> Value {
    json!({
        "type": "IAMUser",
        "principalId": "AIDACKCEVSQ6C2EXAMPLE",
        "arn": format!("arn:aws:iam::{account}:user/alice"),
        "accountId": account,
        "userName": "alice",
    })
}

fn federated_identity(account: &str) -> Value {
    json!({
        "type": "AssumedRole",
        "principalId": "AROACKCEVSQ6C2EXAMPLE:alice@example.com",
        "arn": format!("arn:aws:sts::{account}:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice@example.com"),
        "accountId": account,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROACKCEVSQ6C2EXAMPLE",
                "arn": format!("arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef"),
                "accountId": account,
                "userName": "AWSReservedSSO_Admin_0123456789abcdef",
            },
        },
    })
}

/// Failed console sign-ins as `region` records them: root ones only in us-east-1; IAM-user and federated ones in the
/// Region of the sign-in endpoint used, so in any Region.
fn console_login_route(account: &str, region: &str) -> Route {
    let mut samples = Vec::new();
    if region == US_EAST_1 {
        samples
            .push(Sample { label: "root user", event: sign_in_event(account, region, root_identity(account), true) });
    }
    samples.push(Sample { label: "IAM user", event: sign_in_event(account, region, iam_user_identity(account), true) });
    samples
        .push(Sample { label: "federated", event: sign_in_event(account, region, federated_identity(account), true) });
    let what = if region == US_EAST_1 {
        format!("failed console sign-ins recorded in {region} (root user, IAM user and federated)")
    } else {
        format!(
            "failed console sign-ins recorded in {region} (IAM user and federated; root sign-ins are recorded only in us-east-1)"
        )
    };
    Route { what, samples, any_sample: false, target_service: Some("sns") }
}

/// Failed console sign-ins, judged in every audited Region with the sign-ins that Region records, plus a skipped
/// finding for each Region that records sign-ins whatever the account uses (us-east-1 and the three Regions of the
/// global endpoint) when the audit did not cover it. Compliant means: in that Region an enabled rule on the default
/// bus, with an SNS target, matches every representative failed sign-in recorded there (one rule, or several
/// together).
pub fn console_login_failures(ctx: &Ctx<'_>) -> Vec<Outcome> {
    let mut out = per_region(
        ctx,
        |r| &r.monitoring.eventbridge,
        |account, region, data, out| {
            let route = console_login_route(&account.account_id, &region.region);
            let mut outcome = route_outcome(At::region(account, region), data, &route);
            if outcome.status == crate::report::Status::Pass {
                // Say whether the rules that count also alert on successful sign-ins.
                let success =
                    sign_in_event(&account.account_id, &region.region, iam_user_identity(&account.account_id), false);
                let noisy = route
                    .samples
                    .iter()
                    .filter_map(|s| counted_rule(data, &route, &s.event))
                    .any(|r| rule_admits(r, &success));
                if let Some(map) = outcome.evidence.as_object_mut() {
                    map.insert("filters_on_failure".into(), json!(!noisy));
                }
                if noisy {
                    outcome.message.push_str(" (it matches every console sign-in, successful ones too)");
                }
            }
            out.push(outcome);
        },
    );
    for account in ctx.accounts() {
        for (landing, why) in SIGN_IN_REGIONS {
            if account.regions.iter().any(|r| r.region == landing) {
                continue;
            }
            let audited: Vec<&str> = account.regions.iter().map(|r| r.region.as_str()).collect();
            out.push(At::new(&account.account_id, landing, account.account_id.clone()).skipped(
                format!("not evaluated: {why}, and this audit did not cover {landing}"),
                json!({ "audited_regions": audited }),
            ));
        }
    }
    out
}

/// An AWS Health event of `service` in `event_region` (`global` for the events of global services).
fn health_event(
    account: &str,
    region: &str,
    service: &str,
    code: &str,
    category: &str,
    scope: &str,
    event_region: &str,
) -> Value {
    let specific = scope == "ACCOUNT_SPECIFIC";
    let mut detail = json!({
        "eventArn": format!("arn:aws:health:{event_region}::event/{service}/{code}/{code}_0123456789"),
        "service": service,
        "eventTypeCode": code,
        "eventTypeCategory": category,
        "eventScopeCode": scope,
        "communicationId": "a76afee0829c473703943fe5e2edd04cb91c6051-1",
        "startTime": "Thu, 20 Nov 2026 09:00:00 GMT",
        "lastUpdatedTime": "Thu, 20 Nov 2026 09:00:00 GMT",
        "statusCode": if category == "scheduledChange" { "upcoming" } else { "open" },
        "eventRegion": event_region,
        "eventDescription": [{"language": "en_US", "latestDescription": "A representative event."}],
    });
    let mut resources = Vec::new();
    if specific {
        detail["affectedAccount"] = json!(account);
        detail["affectedEntities"] = json!([{"entityValue": "i-0abcd1234example"}]);
        resources.push("i-0abcd1234example");
    }
    envelope(account, region, "aws.health", "AWS Health Event", &resources, detail)
}

/// Health events delivered to `region`: several services and event categories, and in us-east-1 the events of
/// global services (IAM), which AWS Health delivers there.
fn health_route(account: &str, region: &str) -> Route {
    let event = |service, code, category, scope| health_event(account, region, service, code, category, scope, region);
    let mut samples = vec![
        Sample { label: "EC2 issue", event: event("EC2", "AWS_EC2_OPERATIONAL_ISSUE", "issue", "PUBLIC") },
        Sample {
            label: "EC2 scheduled change",
            event: event("EC2", "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED", "scheduledChange", "ACCOUNT_SPECIFIC"),
        },
        Sample {
            label: "RDS scheduled change",
            event: event("RDS", "AWS_RDS_MAINTENANCE_SCHEDULED", "scheduledChange", "ACCOUNT_SPECIFIC"),
        },
        Sample {
            label: "Lambda account notification",
            event: event("LAMBDA", "AWS_LAMBDA_OPERATIONAL_NOTIFICATION", "accountNotification", "ACCOUNT_SPECIFIC"),
        },
    ];
    let mut what =
        format!("AWS Health events of {region} (issues, scheduled changes and account notifications of every service)");
    if region == US_EAST_1 {
        samples.push(Sample {
            label: "global IAM event",
            event: health_event(account, region, "IAM", "AWS_IAM_OPERATIONAL_ISSUE", "issue", "PUBLIC", "global"),
        });
        what = format!("AWS Health events of {region} and of global services such as IAM (issues, scheduled changes and account notifications of every service)");
    }
    Route { what, samples, any_sample: false, target_service: None }
}

/// Health events are delivered to the Region they concern (global ones to us-east-1): judged in every audited Region.
pub fn health_events(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.monitoring.eventbridge,
        |account, region, data, out| {
            out.push(route_outcome(
                At::region(account, region),
                data,
                &health_route(&account.account_id, &region.region),
            ))
        },
    )
}

fn config_event(account: &str, region: &str, rule: &str, resource_type: &str, resource: &str) -> Value {
    let result = json!({
        "evaluationResultIdentifier": {
            "evaluationResultQualifier": {"configRuleName": rule, "resourceType": resource_type, "resourceId": resource},
            "orderingTimestamp": "2026-11-20T09:00:00.000Z",
        },
        "complianceType": "NON_COMPLIANT",
        "resultRecordedTime": "2026-11-20T09:00:01.000Z",
        "configRuleInvokedTime": "2026-11-20T09:00:00.500Z",
    });
    let detail = json!({
        "resourceId": resource,
        "awsRegion": region,
        "awsAccountId": account,
        "configRuleName": rule,
        "recordVersion": "1.0",
        "configRuleARN": format!("arn:aws:config:{region}:{account}:config-rule/config-rule-abc123"),
        "messageType": "ComplianceChangeNotification",
        "newEvaluationResult": result,
        "oldEvaluationResult": {"complianceType": "COMPLIANT"},
        "notificationCreationTime": "2026-11-20T09:00:02.000Z",
        "resourceType": resource_type,
    });
    envelope(account, region, "aws.config", "Config Rules Compliance Change", &[], detail)
}

pub fn config_compliance(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.monitoring.eventbridge,
        |account, region, data, out| {
            let (a, r) = (account.account_id.as_str(), region.region.as_str());
            let route = Route {
                what: "AWS Config compliance changes to NON_COMPLIANT (of every rule)".into(),
                samples: vec![
                    Sample {
                        label: "S3 bucket rule",
                        event: config_event(a, r, "s3-bucket-versioning-enabled", "AWS::S3::Bucket", "audit-logs"),
                    },
                    Sample {
                        label: "security group rule",
                        event: config_event(a, r, "restricted-ssh", "AWS::EC2::SecurityGroup", "sg-0abcd1234example"),
                    },
                ],
                any_sample: false,
                target_service: None,
            };
            let routed = route_outcome(At::region(account, region), data, &route);
            out.push(config_alternatives(account, region, routed));
        },
    )
}

/// A region where no EventBridge rule routes compliance changes: skipped when it has no Config rule (there are no
/// changes to route), passed when AWS Config's delivery channel publishes them to an SNS topic of its own, unknown
/// when the delivery channels could not be read.
fn config_alternatives(account: &AccountSnapshot, region: &RegionSnapshot, routed: Outcome) -> Outcome {
    if routed.status == crate::report::Status::Pass {
        return routed;
    }
    let Ok(config) = region.config.get() else { return routed };
    let at = At::region(account, region);
    let mut evidence = routed.evidence.clone();
    if let Ok(rules) = config.rules.get() {
        if rules.is_empty() {
            return at.skipped(
                "not applicable: no AWS Config rule in this region, so no compliance change to route".into(),
                json!({ "config_rules": 0, "eventbridge": evidence }),
            );
        }
    }
    match config.delivery_channels.get() {
        Ok(channels) => match channels.iter().find_map(|c| Some((c.name.as_str(), c.sns_topic_arn.as_deref()?))) {
            Some((channel, topic)) => {
                if let Some(map) = evidence.as_object_mut() {
                    map.insert("config_delivery_channel_sns_topic".into(), json!(topic));
                }
                at.pass(
                    format!(
                        "AWS Config's delivery channel {channel} publishes compliance-change notifications to SNS topic {topic} (no EventBridge rule routes them)"
                    ),
                    evidence,
                )
            }
            None => routed,
        },
        Err(e) if !e.kind.means_not_applicable() => at.unknown(
            format!(
                "no EventBridge rule routes AWS Config compliance changes, and whether Config's delivery channel publishes them to SNS is not known: {}",
                e.brief()
            ),
            json!({ "eventbridge": evidence, "collection_error": e }),
        ),
        Err(_) => routed,
    }
}

pub fn codepipeline_failures(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.monitoring.eventbridge,
        |account, region, data, out| {
            let (a, r) = (account.account_id.as_str(), region.region.as_str());
            let arn = format!("arn:aws:codepipeline:{r}:{a}:orders");
            let event =
                |detail_type: &str, detail: Value| envelope(a, r, "aws.codepipeline", detail_type, &[&arn], detail);
            let base =
                json!({"pipeline": "orders", "execution-id": "01234567-0123-0123-0123-012345678901", "version": 3.0});
            let with = |extra: Value| {
                let mut d = base.clone();
                if let (Some(d), Some(extra)) = (d.as_object_mut(), extra.as_object()) {
                    d.extend(extra.clone());
                }
                d
            };
            let route = Route {
                what: "failed CodePipeline executions".into(),
                samples: vec![
                    Sample {
                        label: "pipeline execution",
                        event: event("CodePipeline Pipeline Execution State Change", with(json!({"state": "FAILED"}))),
                    },
                    Sample {
                        label: "stage execution",
                        event: event(
                            "CodePipeline Stage Execution State Change",
                            with(json!({"stage": "Deploy", "state": "FAILED"})),
                        ),
                    },
                    Sample {
                        label: "action execution",
                        event: event(
                            "CodePipeline Action Execution State Change",
                            with(json!({
                                "stage": "Deploy", "action": "deploy", "state": "FAILED", "region": r,
                                "type": {"owner": "AWS", "category": "Deploy", "provider": "CodeDeploy", "version": "1"},
                            })),
                        ),
                    },
                ],
                any_sample: true,
                target_service: None,
            };
            let routed = route_outcome(At::region(account, region), data, &route);
            // A region that runs no pipeline has no failure to route.
            let no_pipelines = region.sdlc.codepipeline.get().is_ok_and(|c| c.pipelines.is_empty());
            out.push(if routed.status != crate::report::Status::Pass && no_pipelines {
                At::region(account, region).skipped(
                    "not applicable: no CodePipeline pipeline in this region, so no failure to route".into(),
                    json!({ "pipelines": 0, "eventbridge": routed.evidence }),
                )
            } else {
                routed
            });
        },
    )
}

pub fn trusted_advisor(ctx: &Ctx<'_>) -> Vec<Outcome> {
    in_us_east_1(ctx, "Trusted Advisor check changes", |at, account, data| {
        let event = |check: &str, status: &str| {
            envelope(
                account,
                US_EAST_1,
                "aws.trustedadvisor",
                "Trusted Advisor Check Item Refresh Notification",
                &[],
                json!({
                    "check-name": check,
                    "check-item-detail": {"Status": "Red", "Region": "eu-west-1"},
                    "status": status,
                    "resource_id": "arn:aws:ec2:eu-west-1:111111111111:security-group/sg-0abcd1234example",
                    "uuid": "aa12345f-55c7-498e-b7ac-123456781234",
                }),
            )
        };
        let route = Route {
            what: "Trusted Advisor check changes to ERROR and WARN".into(),
            samples: vec![
                Sample { label: "ERROR", event: event("Exposed Access Keys", "ERROR") },
                Sample { label: "WARN", event: event("Security Groups - Specific Ports Unrestricted", "WARN") },
            ],
            any_sample: false,
            target_service: None,
        };
        route_outcome(at, data, &route)
    })
}

/// The route judged once per account, in us-east-1 where its events land; skipped when us-east-1 was not audited.
fn in_us_east_1(ctx: &Ctx<'_>, what: &str, judge: impl Fn(At, &str, &EventBridgeData) -> Outcome) -> Vec<Outcome> {
    ctx.accounts()
        .map(|account| {
            let Some(region) = account.regions.iter().find(|r| r.region == US_EAST_1) else {
                let audited: Vec<&str> = account.regions.iter().map(|r| r.region.as_str()).collect();
                return At::new(&account.account_id, US_EAST_1, account.account_id.clone()).skipped(
                    format!("not evaluated: {what} are delivered in us-east-1, which this audit did not cover"),
                    json!({ "audited_regions": audited }),
                );
            };
            let at = At::region(account, region);
            match region.monitoring.eventbridge.get() {
                Ok(data) => judge(at, &account.account_id, data),
                Err(e) => at.not_evaluated(&e),
            }
        })
        .collect()
}

/// The targets of a rule that count for the route: all of them, or those of its target service.
fn counted_targets<'a>(rule: &'a EventRule, route: &Route) -> Vec<&'a str> {
    let Ok(targets) = rule.targets.get() else { return Vec::new() };
    targets
        .iter()
        .map(|t| t.arn.as_str())
        .filter(|arn| route.target_service.is_none_or(|s| arn.split(':').nth(2) == Some(s)))
        .collect()
}

/// The first enabled rule that admits the event and sends it to a counted target.
fn counted_rule<'a>(data: &'a EventBridgeData, route: &Route, event: &Value) -> Option<&'a EventRule> {
    data.rules.iter().find(|r| r.enabled() && rule_admits(r, event) && !counted_targets(r, route).is_empty())
}

/// Why no rule routes one sample: the reason, or the error that keeps it from being known.
fn unrouted_reason(data: &EventBridgeData, route: &Route, event: &Value) -> Result<String, CollectionError> {
    let matching: Vec<&EventRule> = data.rules.iter().filter(|r| rule_admits(r, event)).collect();
    let enabled: Vec<&EventRule> = matching.iter().copied().filter(|r| r.enabled()).collect();
    for r in &enabled {
        r.targets.get()?;
    }
    let names = |rules: &[&EventRule]| rules.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ");
    Ok(if matching.is_empty() {
        "no rule matches".to_string()
    } else if enabled.is_empty() {
        format!("rule {} matches but is disabled", names(&matching))
    } else if let Some(service) = route.target_service.filter(|_| enabled.iter().any(|r| has_targets(r))) {
        format!("rule {} matches but sends to no {} target", names(&enabled), service.to_uppercase())
    } else {
        format!("rule {} matches but has no target", names(&enabled))
    })
}

fn route_outcome(at: At, data: &EventBridgeData, route: &Route) -> Outcome {
    // "name (STATE) → target, target", so a learner sees where each matching rule sends the events.
    let describe = |r: &EventRule| match r.targets.get() {
        Ok(t) if t.is_empty() => format!("{} ({}) → no target", r.name, r.state),
        Ok(t) => {
            format!("{} ({}) → {}", r.name, r.state, t.iter().map(|t| t.arn.as_str()).collect::<Vec<_>>().join(", "))
        }
        Err(_) => format!("{} ({}) → targets not read", r.name, r.state),
    };
    let matching: Vec<&EventRule> =
        data.rules.iter().filter(|r| route.samples.iter().any(|s| rule_admits(r, &s.event))).collect();
    let routed: Vec<(&Sample, Option<&EventRule>)> =
        route.samples.iter().map(|s| (s, counted_rule(data, route, &s.event))).collect();
    let counted: Vec<&EventRule> = {
        let mut seen: Vec<&EventRule> = Vec::new();
        for r in routed.iter().filter_map(|(_, r)| *r) {
            if !seen.iter().any(|s| s.name == r.name) {
                seen.push(r);
            }
        }
        seen
    };
    let mut targets: Vec<&str> = Vec::new();
    for t in counted.iter().flat_map(|r| counted_targets(r, route)) {
        if !targets.contains(&t) {
            targets.push(t);
        }
    }
    let mut evidence = json!({
        "rules_on_default_bus": data.rules.len(),
        "matching_rules": matching.iter().map(|r| describe(r)).collect::<Vec<_>>(),
        "counted_rule": counted.first().map(|r| r.name.as_str()),
        "targets": targets,
        "representative_events": routed.iter().map(|(s, r)| (s.label, r.map(|r| r.name.as_str()))).collect::<BTreeMap<_, _>>(),
    });
    let all_routed = routed.iter().all(|(_, r)| r.is_some());
    let any_routed = routed.iter().any(|(_, r)| r.is_some());
    if all_routed || (route.any_sample && any_routed) {
        let rules = if counted.len() == 1 {
            format!("rule {} sends", counted[0].name)
        } else {
            let parts: Vec<String> = counted
                .iter()
                .map(|c| {
                    let labels: Vec<&str> = routed
                        .iter()
                        .filter(|(_, r)| r.is_some_and(|r| r.name == c.name))
                        .map(|(s, _)| s.label)
                        .collect();
                    format!("{} ({})", c.name, labels.join(", "))
                })
                .collect();
            format!("rules {} send", parts.join(", "))
        };
        return at.pass(format!("{rules} {} to {}", route.what, targets.join(", ")), evidence);
    }
    // What keeps each unrouted sample from its target; an unread target list makes the verdict unknown.
    let mut reasons: Vec<(&str, String)> = Vec::new();
    for (s, _) in routed.iter().filter(|(_, r)| r.is_none()) {
        match unrouted_reason(data, route, &s.event) {
            Ok(reason) => reasons.push((s.label, reason)),
            Err(e) => return at.not_evaluated(&e),
        }
    }
    // Alternatives: the events some rule matches tell what is wrong; those no rule matches add nothing.
    if route.any_sample && reasons.iter().any(|(_, r)| r != "no rule matches") {
        reasons.retain(|(_, r)| r != "no rule matches");
    }
    if let Some(map) = evidence.as_object_mut() {
        map.insert("unrouted".into(), json!(reasons.iter().map(|(l, r)| (*l, r.as_str())).collect::<BTreeMap<_, _>>()));
    }
    let uniform = reasons.iter().all(|(_, r)| *r == reasons[0].1);
    let message = if !any_routed && uniform {
        // One reason for every event: say it of the events as a whole.
        let reason = &reasons[0].1;
        if reason == "no rule matches" {
            format!("no rule on the default event bus matches {}: they reach no one", route.what)
        } else {
            let (rule, why) = reason.split_once(" matches but ").unwrap_or((reason, ""));
            let why = why.replace("sends to", "sends them to");
            format!("{rule} matches {} but {why}", route.what)
        }
    } else {
        let parts: Vec<String> = reasons.iter().map(|(label, reason)| format!("{label}: {reason}")).collect();
        let routed_by: Vec<String> = counted.iter().map(|r| r.name.clone()).collect();
        let covered = if routed_by.is_empty() {
            String::new()
        } else {
            format!(" (rule {} routes the others)", routed_by.join(", "))
        };
        format!("not all {} reach a target: {}{covered}", route.what, parts.join("; "))
    };
    at.fail(message, evidence)
}

fn has_targets(rule: &EventRule) -> bool {
    rule.targets.get().is_ok_and(|t| !t.is_empty())
}

fn parse_pattern(rule: &EventRule) -> Option<Value> {
    serde_json::from_str(rule.event_pattern.as_deref()?).ok()
}

/// Whether the rule's pattern matches the event (a scheduled rule, or an unreadable pattern, matches nothing).
fn rule_admits(rule: &EventRule, event: &Value) -> bool {
    parse_pattern(rule).is_some_and(|p| pattern_matches(&p, event))
}

/// EventBridge matching of a pattern against a whole event: every field the pattern names must match the event's
/// value there, and a field the event does not have matches only `{"exists": false}`. A nested object matches a
/// nested object; an array lists alternatives; an array in the event matches when one of its values does; `$or`
/// holds when one of its alternatives does.
fn pattern_matches(pattern: &Value, event: &Value) -> bool {
    let Some(fields) = pattern.as_object() else { return false };
    fields.iter().all(|(key, rule)| {
        if key == "$or" {
            return rule.as_array().is_some_and(|alternatives| alternatives.iter().any(|a| pattern_matches(a, event)));
        }
        let value = event.get(key);
        match rule {
            Value::Object(_) => value.is_some_and(|v| v.is_object() && pattern_matches(rule, v)),
            Value::Array(items) => leaf_matches(items, value),
            _ => false,
        }
    })
}

/// A leaf of a pattern (exact values and content filters, any of which may match) against the event's value there.
fn leaf_matches(items: &[Value], value: Option<&Value>) -> bool {
    if value.is_some_and(Value::is_object) {
        return false;
    }
    let values: Vec<&Value> = match value {
        Some(Value::Array(values)) => values.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    };
    items.iter().any(|item| match item {
        Value::Object(filter) => {
            !filter.is_empty()
                && filter.iter().all(|(op, arg)| match (op.as_str(), arg) {
                    ("exists", Value::Bool(exists)) => *exists == value.is_some(),
                    _ => values.iter().any(|v| content_filter(op, arg, v)),
                })
        }
        literal => values.contains(&literal),
    })
}

/// One content filter against one value of the event.
fn content_filter(op: &str, arg: &Value, value: &Value) -> bool {
    let text = value.as_str();
    match (op, arg) {
        ("prefix", Value::String(p)) => text.is_some_and(|t| t.starts_with(p.as_str())),
        ("prefix", Value::Object(o)) => match o.get("equals-ignore-case") {
            Some(Value::String(p)) => text.is_some_and(|t| t.to_lowercase().starts_with(&p.to_lowercase())),
            _ => false,
        },
        ("suffix", Value::String(s)) => text.is_some_and(|t| t.ends_with(s.as_str())),
        ("suffix", Value::Object(o)) => match o.get("equals-ignore-case") {
            Some(Value::String(s)) => text.is_some_and(|t| t.to_lowercase().ends_with(&s.to_lowercase())),
            _ => false,
        },
        ("equals-ignore-case", Value::String(s)) => text.is_some_and(|t| t.to_lowercase() == s.to_lowercase()),
        ("wildcard", Value::String(w)) => text.is_some_and(|t| wildcard(w, t)),
        ("numeric", Value::Array(conditions)) => value.as_f64().is_some_and(|n| numeric(conditions, n)),
        ("anything-but", Value::Array(items)) => !items.iter().any(|i| i == value),
        ("anything-but", Value::Object(filter)) => {
            // The negation of a content filter, or of a list of them (`{"prefix": …}`, `{"equals-ignore-case": [...]}`).
            filter.iter().all(|(op, arg)| match arg {
                Value::Array(args) => !args.iter().any(|a| content_filter(op, a, value)),
                arg => text.is_some() && !content_filter(op, arg, value),
            })
        }
        ("anything-but", single) => single != value,
        _ => false,
    }
}

/// `{"numeric": [">", 0, "<=", 5]}`: every comparison holds.
fn numeric(conditions: &[Value], n: f64) -> bool {
    conditions.len().is_multiple_of(2)
        && !conditions.is_empty()
        && conditions.chunks(2).all(|pair| match (pair[0].as_str(), pair[1].as_f64()) {
            (Some("="), Some(x)) => n == x,
            (Some("<"), Some(x)) => n < x,
            (Some("<="), Some(x)) => n <= x,
            (Some(">"), Some(x)) => n > x,
            (Some(">="), Some(x)) => n >= x,
            _ => false,
        })
}

/// `*` globbing, as EventBridge's `wildcard` filter does it (`\*` is a literal star).
fn wildcard(pattern: &str, value: &str) -> bool {
    const STAR: char = '\u{0}';
    let pattern = pattern.replace("\\*", "\u{1}");
    let pattern: String = pattern.chars().map(|c| if c == '*' { STAR } else { c }).collect();
    let pattern = pattern.replace('\u{1}', "*");
    let parts: Vec<&str> = pattern.split(STAR).collect();
    let [first, middle @ .., last] = parts.as_slice() else { return pattern == value };
    let Some(mut rest) = value.strip_prefix(first) else { return false };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

// ---- CloudWatch Logs --------------------------------------------------------------------------------

/// The resource of a log group: its ARN, or its name when the ARN was not reported.
fn group_resource(g: &LogGroup) -> String {
    if g.arn.is_empty() {
        g.name.clone()
    } else {
        g.arn.clone()
    }
}

pub fn log_retention(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.monitoring.logs,
        |account, region, logs, out| {
            for g in &logs.log_groups {
                let at = At::new(&account.account_id, &region.region, group_resource(g));
                let evidence = json!({
                    "log_group": g.name,
                    "retention_in_days": g.retention_in_days,
                    "stored_bytes": g.stored_bytes,
                    "kms_key_id": g.kms_key_id,
                });
                out.push(match g.retention_in_days {
                    Some(days) => at.pass(format!("log group {} keeps events for {days} days", g.name), evidence),
                    None => at.fail(
                        format!("log group {} never expires its events: storage and cost grow without end", g.name),
                        evidence,
                    ),
                });
            }
        },
    )
}

/// A log group CloudTrail delivers to (or named for CloudTrail), in the account and region it lives in.
struct TrailGroup<'a> {
    name: String,
    arn: String,
    /// The group as listed; `None` when a trail names a group that does not exist.
    group: Option<&'a LogGroup>,
    /// The trails that deliver to it.
    trails: Vec<&'a str>,
}

/// `arn:PARTITION:logs:REGION:ACCOUNT:log-group:NAME[:*]` → (region, account, name).
fn parse_log_group_arn(arn: &str) -> Option<(&str, &str, &str)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, _, "logs", region, account, resource] = parts.as_slice() else { return None };
    let name = resource.strip_prefix("log-group:")?;
    Some((region, account, name.strip_suffix(":*").unwrap_or(name)))
}

/// The region's CloudTrail log groups: those a trail listed here delivers to in this account and region, and those
/// named for CloudTrail. Without the trails, only the named ones are known; with none of those either, the trails'
/// error is the answer.
fn trail_log_groups<'a>(
    account: &AccountSnapshot,
    region: &'a RegionSnapshot,
    logs: &'a LogsData,
) -> Result<Vec<TrailGroup<'a>>, CollectionError> {
    let mut groups: BTreeMap<String, TrailGroup<'a>> = BTreeMap::new();
    let trails = region.cloudtrail.get();
    if let Ok(data) = &trails {
        for t in &data.trails {
            let Some(arn) = t.cloud_watch_logs_log_group_arn.as_deref() else { continue };
            let Some((in_region, in_account, name)) = parse_log_group_arn(arn) else { continue };
            if in_region != region.region || in_account != account.account_id {
                continue;
            }
            let entry = groups.entry(name.to_string()).or_insert_with(|| TrailGroup {
                name: name.to_string(),
                arn: arn.strip_suffix(":*").unwrap_or(arn).to_string(),
                group: logs.log_groups.iter().find(|g| g.name == name),
                trails: Vec::new(),
            });
            if !entry.trails.contains(&t.name.as_str()) {
                entry.trails.push(&t.name);
            }
        }
    }
    for g in logs.log_groups.iter().filter(|g| g.name.to_ascii_lowercase().contains("cloudtrail")) {
        groups.entry(g.name.clone()).or_insert_with(|| TrailGroup {
            name: g.name.clone(),
            arn: group_resource(g),
            group: Some(g),
            trails: Vec::new(),
        });
    }
    match trails {
        Err(e) if groups.is_empty() => Err(e),
        _ => Ok(groups.into_values().collect()),
    }
}

/// Judges each CloudTrail log group of one region; a trail's group that does not exist fails, and a region whose
/// CloudTrail groups cannot be told gives one not-evaluated outcome.
fn judge_trail_groups(
    account: &AccountSnapshot,
    region: &RegionSnapshot,
    logs: &LogsData,
    out: &mut Vec<Outcome>,
    judge: impl Fn(At, &TrailGroup<'_>, &LogGroup) -> Outcome,
) {
    let groups = match trail_log_groups(account, region, logs) {
        Ok(groups) => groups,
        Err(e) => return out.push(At::region(account, region).not_evaluated(&e)),
    };
    for tg in &groups {
        let at = At::new(&account.account_id, &region.region, tg.arn.clone());
        out.push(match tg.group {
            Some(group) => judge(at, tg, group),
            None => at.fail(
                format!(
                    "trail {} delivers to log group {}, which does not exist: its events are lost",
                    tg.trails.join(", "),
                    tg.name
                ),
                json!({ "log_group": tg.name, "trails": tg.trails, "log_group_exists": false }),
            ),
        });
    }
}

pub fn log_subscriptions(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.monitoring.logs,
        |account, region, logs, out| {
            judge_trail_groups(account, region, logs, out, subscription_verdict);
            // Without the trails only the groups named for CloudTrail were judged: a trail may deliver to another.
            if let (Err(e), Ok(groups)) = (region.cloudtrail.get(), trail_log_groups(account, region, logs)) {
                if !groups.is_empty() && !e.kind.means_not_applicable() {
                    out.push(At::region(account, region).unknown(
                        format!(
                            "the trails could not be read ({}): log groups that CloudTrail delivers to under other names were not judged",
                            e.brief()
                        ),
                        json!({ "collection_error": e, "judged_by_name": groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>() }),
                    ));
                }
            }
        },
    )
}

fn subscription_verdict(at: At, tg: &TrailGroup<'_>, group: &LogGroup) -> Outcome {
    let filters = match group.subscription_filters.get() {
        Ok(f) => f,
        Err(e) => return at.not_evaluated(&e),
    };
    let streams: Vec<String> = filters
        .iter()
        .map(|f| match f.filter_pattern.as_deref() {
            Some(p) if !p.trim().is_empty() => format!("{} → {} (pattern {p})", f.name, f.destination_arn),
            _ => format!("{} → {}", f.name, f.destination_arn),
        })
        .collect();
    let evidence = json!({
        "log_group": tg.name,
        "trails": tg.trails,
        "subscription_filters": streams,
        "retention_in_days": group.retention_in_days,
    });
    // Every event, or only those a pattern selects.
    let whole = filters.iter().find(|f| f.filter_pattern.as_deref().is_some_and(|p| p.trim().is_empty()));
    let unread = filters.iter().find(|f| f.filter_pattern.is_none());
    match (whole, unread, filters.first()) {
        (Some(f), _, _) => {
            at.pass(format!("CloudTrail log group {} streams its events to {}", tg.name, f.destination_arn), evidence)
        }
        (None, Some(f), _) => at.unknown(
            format!(
                "CloudTrail log group {} has subscription filter {} to {}, but its filter pattern was not collected: whether it streams every event is not known",
                tg.name, f.name, f.destination_arn
            ),
            evidence,
        ),
        (None, None, Some(f)) => at.fail(
            format!(
                "CloudTrail log group {} streams only the events matching pattern {} to {}: the other audit events stay only in this account",
                tg.name,
                f.filter_pattern.as_deref().unwrap_or_default(),
                f.destination_arn
            ),
            evidence,
        ),
        (None, None, None) => at.fail(
            format!(
                "CloudTrail log group {} has no subscription filter: its events reach no central or real-time consumer",
                tg.name
            ),
            evidence,
        ),
    }
}

/// One of the CloudTrail events that deserve a metric filter and an alarm.
struct Concern {
    /// The evidence field.
    key: &'static str,
    label: &'static str,
    /// Whether a filter pattern (lowercased, without spaces or quotes) selects these events.
    selects: fn(&str) -> bool,
}

const CONCERNS: [Concern; 3] = [
    Concern {
        key: "root_account_usage",
        label: "root account usage",
        selects: |p| p.contains("$.useridentity.type=root"),
    },
    Concern {
        key: "console_sign_in_failures",
        label: "console sign-in failures",
        selects: |p| {
            p.contains("consolelogin") && (p.contains("=failedauthentication") || p.contains("consolelogin=failure"))
        },
    },
    Concern {
        key: "unauthorized_api_calls",
        label: "unauthorized API calls",
        selects: |p| p.contains("unauthorizedoperation") || p.contains("$.errorcode=accessdenied"),
    },
];

fn normalize_filter_pattern(pattern: &str) -> String {
    pattern.chars().filter(|c| !c.is_whitespace() && *c != '"' && *c != '\'').collect::<String>().to_lowercase()
}

/// Whether an alarm reads the metric a filter publishes.
fn watches_filter(alarm: &MetricAlarm, filter: &MetricFilter) -> bool {
    alarm.metrics.iter().any(|m| filter.metrics.iter().any(|f| f.namespace == m.namespace && f.name == m.name))
}

/// The CIS metric filters and alarms, judged on each CloudTrail log group of the account. An account none of whose
/// regions holds such a group still gets one finding: a fail when no trail it can see delivers to CloudWatch Logs
/// (the filters cannot exist, as Prowler's `cloudwatch_log_metric_filter_*` checks report it), or a pointer to the
/// group its trail delivers to in another account or region.
pub fn cloudtrail_alarms(ctx: &Ctx<'_>) -> Vec<Outcome> {
    let mut out = per_region(
        ctx,
        |r| &r.monitoring.logs,
        |account, region, logs, out| {
            let filters = match logs.metric_filters.get() {
                Ok(f) => f,
                Err(e) => return judge_trail_groups(account, region, logs, out, |at, _, _| at.not_evaluated(&e)),
            };
            let alarms = region.monitoring.cloudwatch.get().and_then(|c| c.alarms.get());
            judge_trail_groups(account, region, logs, out, |at, tg, _| alarm_verdict(at, tg, filters, &alarms))
        },
    );
    for account in ctx.accounts() {
        if !out.iter().any(|o| o.account == account.account_id) {
            out.push(no_trail_group(ctx, account));
        }
    }
    out
}

/// The finding of an account with no CloudTrail log group in any audited region. Every region's logs and trails
/// were read (a region that could not be read already gave its own finding).
fn no_trail_group(ctx: &Ctx<'_>, account: &AccountSnapshot) -> Outcome {
    let at = At::new(&account.account_id, super::GLOBAL, account.account_id.clone());
    if account.regions.is_empty() {
        return at.skipped("not evaluated: no region of this account was audited".into(), json!({}));
    }
    let mut delivering: BTreeMap<&str, &str> = BTreeMap::new();
    for region in &account.regions {
        let Ok(data) = region.cloudtrail.get() else { continue };
        for t in &data.trails {
            if let Some(group) = t.cloud_watch_logs_log_group_arn.as_deref() {
                delivering.entry(t.name.as_str()).or_insert(group);
            }
        }
    }
    let evidence = json!({
        "trails_delivering_to_cloudwatch_logs": delivering,
        "audited_regions": account.regions.iter().map(|r| r.region.as_str()).collect::<Vec<_>>(),
    });
    let Some((trail, group)) = delivering.iter().next() else {
        return at.fail(
            "no trail this account can see delivers to CloudWatch Logs: the metric filters and alarms on root account usage, console sign-in failures and unauthorized API calls cannot exist".into(),
            evidence,
        );
    };
    let Some((region, owner, name)) = parse_log_group_arn(group) else {
        return at.unknown(format!("trail {trail} names log group {group}, which is not a log group ARN"), evidence);
    };
    let judged_there = ctx
        .snapshot
        .accounts
        .iter()
        .any(|a| a.account_id == owner && a.error.is_none() && a.regions.iter().any(|r| r.region == region));
    if judged_there {
        at.skipped(
            format!(
                "not applicable here: trail {trail} delivers to log group {name} in account {owner} ({region}), where its metric filters and alarms are judged"
            ),
            evidence,
        )
    } else {
        at.unknown(
            format!(
                "trail {trail} delivers to log group {name} in account {owner} ({region}), which this audit did not cover: its metric filters and alarms could not be read (logs:DescribeMetricFilters, cloudwatch:DescribeAlarms there)"
            ),
            evidence,
        )
    }
}

fn alarm_verdict(
    at: At,
    tg: &TrailGroup<'_>,
    filters: &[MetricFilter],
    alarms: &Result<&Vec<MetricAlarm>, CollectionError>,
) -> Outcome {
    let mine: Vec<&MetricFilter> = filters.iter().filter(|f| f.log_group_name == tg.name).collect();
    let mut evidence = serde_json::Map::new();
    evidence.insert("log_group".into(), json!(tg.name));
    evidence.insert("trails".into(), json!(tg.trails));
    evidence.insert("metric_filters_on_group".into(), json!(mine.len()));
    let mut problems = Vec::new();
    let mut unread = false;
    for c in &CONCERNS {
        let filter = mine.iter().find(|f| (c.selects)(&normalize_filter_pattern(&f.pattern)));
        let seen = match (filter, alarms) {
            (None, _) => {
                problems.push(format!("no metric filter for {}", c.label));
                "missing: no metric filter".to_string()
            }
            (Some(f), Err(_)) => {
                unread = true;
                format!("metric filter {}; alarms not read", f.name)
            }
            (Some(f), Ok(alarms)) => {
                let watching: Vec<&MetricAlarm> = alarms.iter().filter(|a| watches_filter(a, f)).collect();
                let metric =
                    f.metrics.first().map_or("(no metric)".to_string(), |m| format!("{}/{}", m.namespace, m.name));
                if let Some(a) = watching.iter().find(|a| a.acts()) {
                    format!("metric filter {} → alarm {}", f.name, a.name)
                } else if let Some(a) = watching.first() {
                    problems.push(format!("alarm {} on {} has no actions", a.name, c.label));
                    format!("metric filter {} → alarm {} without actions", f.name, a.name)
                } else {
                    problems.push(format!("no alarm on the {} metric {metric}", c.label));
                    format!("metric filter {}, no alarm on {metric}", f.name)
                }
            }
        };
        evidence.insert(c.key.into(), json!(seen));
    }
    if let (true, Err(e)) = (unread, alarms) {
        evidence.insert("collection_error".into(), json!(e));
    }
    let evidence = Value::Object(evidence);
    if !problems.is_empty() {
        at.fail(format!("CloudTrail log group {}: {}", tg.name, problems.join("; ")), evidence)
    } else if let (true, Err(e)) = (unread, alarms) {
        at.unknown(
            format!(
                "CloudTrail log group {} has all three metric filters, but its alarms could not be read: {}",
                tg.name,
                e.brief()
            ),
            evidence,
        )
    } else {
        at.pass(
            format!(
                "CloudTrail log group {} alarms on root account usage, console sign-in failures and unauthorized API calls",
                tg.name
            ),
            evidence,
        )
    }
}

pub fn metric_streams(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.monitoring.cloudwatch,
        |account, region, cloudwatch, out| {
            let streams = match cloudwatch.metric_streams.get() {
                Ok(s) => s,
                Err(e) => return out.push(At::region(account, region).not_evaluated(&e)),
            };
            for s in streams {
                let at = At::new(&account.account_id, &region.region, s.arn.clone());
                let evidence = json!({
                    "metric_stream": s.name,
                    "state": s.state,
                    "firehose_arn": s.firehose_arn,
                    "output_format": s.output_format,
                });
                out.push(if s.state.is_empty() {
                    at.unknown(
                        format!("cloudwatch:ListMetricStreams reported no state for metric stream {}", s.name),
                        evidence,
                    )
                } else if s.state.eq_ignore_ascii_case("running") {
                    at.pass(
                        format!(
                            "metric stream {} is running into {}",
                            s.name,
                            s.firehose_arn.as_deref().unwrap_or("its Firehose stream")
                        ),
                        evidence,
                    )
                } else {
                    at.fail(
                        format!("metric stream {} is {}: no metrics flow to its destination", s.name, s.state),
                        evidence,
                    )
                });
            }
        },
    )
}

// ---- SQS --------------------------------------------------------------------------------------------

/// The queues that some queue of the region redrives to, by ARN, with those source queues.
fn dead_letter_sources(data: &SqsData) -> BTreeMap<&str, Vec<&Queue>> {
    let mut map: BTreeMap<&str, Vec<&Queue>> = BTreeMap::new();
    for q in &data.queues {
        let Ok(attrs) = q.attributes.get() else { continue };
        if let Some(target) = attrs.redrive_policy.as_ref().and_then(|p| p.dead_letter_target_arn.as_deref()) {
            map.entry(target).or_default().push(q);
        }
    }
    map
}

fn queue_names(queues: &[&Queue]) -> Vec<String> {
    queues.iter().map(|q| q.name.clone()).collect()
}

/// Names people give dead-letter queues.
fn named_like_dlq(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["dlq", "deadletter", "dead-letter", "dead_letter"].iter().any(|n| name.contains(n))
}

/// `arn:PARTITION:sqs:REGION:ACCOUNT:NAME` → (region, account).
fn queue_arn_place(arn: &str) -> Option<(&str, &str)> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        [_, _, "sqs", region, account, _] => Some((region, account)),
        _ => None,
    }
}

pub fn dead_letter_queue(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.monitoring.sqs,
        |account, region, data, out| {
            let dlqs = dead_letter_sources(data);
            let existing: BTreeSet<&str> = data.queues.iter().map(|q| q.arn.as_str()).collect();
            for q in &data.queues {
                let at = At::new(&account.account_id, &region.region, q.arn.clone());
                if let Some(sources) = dlqs.get(q.arn.as_str()) {
                    let names = queue_names(sources);
                    out.push(at.skipped(
                        format!("not applicable: queue {} is the dead-letter queue of {}", q.name, names.join(", ")),
                        json!({ "dead_letter_queue_for": names }),
                    ));
                    continue;
                }
                let attrs = match q.attributes.get() {
                    Ok(a) => a,
                    Err(e) => {
                        out.push(at.not_evaluated(&e));
                        continue;
                    }
                };
                let declared = attrs.redrive_permission.as_deref() == Some("byQueue");
                if declared || named_like_dlq(&q.name) {
                    let why = if declared { "its redrive allow policy names its source queues" } else { "by its name" };
                    out.push(at.skipped(
                    format!(
                        "not applicable: queue {} is meant as a dead-letter queue ({why}), though no queue here redrives to it",
                        q.name
                    ),
                    json!({ "redrive_permission": attrs.redrive_permission, "dead_letter_queue_for": [] }),
                ));
                    continue;
                }
                let target = attrs.redrive_policy.as_ref().and_then(|p| p.dead_letter_target_arn.as_deref());
                let evidence = json!({
                    "dead_letter_target_arn": target,
                    "max_receive_count": attrs.redrive_policy.as_ref().and_then(|p| p.max_receive_count),
                    "message_retention_seconds": attrs.message_retention_seconds,
                    "fifo": attrs.fifo,
                });
                out.push(match target {
                None if attrs.redrive_policy.is_some() => {
                    at.fail(format!("queue {} has a redrive policy that names no dead-letter queue", q.name), evidence)
                }
                None => {
                    // A queue whose attributes are unknown may redrive to this one, which would make it a dead-letter
                    // queue.
                    let unread: Vec<&str> =
                        data.queues.iter().filter(|o| o.attributes.get().is_err()).map(|o| o.name.as_str()).collect();
                    if unread.is_empty() {
                        at.fail(
                            format!(
                                "queue {} has no redrive policy: a message that keeps failing is received again and again until its retention period ends",
                                q.name
                            ),
                            evidence,
                        )
                    } else {
                        at.unknown(
                            format!(
                                "queue {} has no redrive policy, but it may be the dead-letter queue of {}, whose attributes could not be read (sqs:GetQueueAttributes)",
                                q.name,
                                unread.join(", ")
                            ),
                            evidence,
                        )
                    }
                }
                Some(target)
                    if queue_arn_place(target) == Some((region.region.as_str(), account.account_id.as_str()))
                        && !existing.contains(target) =>
                {
                    at.fail(
                        format!("queue {} redrives to {target}, which does not exist: failed messages are not kept", q.name),
                        evidence,
                    )
                }
                Some(target) => {
                    let after = attrs
                        .redrive_policy
                        .as_ref()
                        .and_then(|p| p.max_receive_count)
                        .map_or(String::new(), |n| format!(" after {n} receives"));
                    at.pass(format!("queue {} moves failing messages to {target}{after}", q.name), evidence)
                }
            });
            }
        },
    )
}

/// The SQS metrics whose alarm sees messages arriving in a dead-letter queue through redrive.
const DLQ_SIGNALS: [&str; 2] = ["ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"];

/// Whether an alarm on a dead-letter queue's signal metric goes off when failed messages arrive.
enum Fires {
    Yes,
    /// It does not, and why.
    No(String),
    /// Its condition was not collected.
    Unknown,
}

/// An alarm on `ApproximateNumberOfMessagesVisible` must go off at the first message (greater than 0, or at least
/// 1); one on `ApproximateAgeOfOldestMessage` goes off once a message has waited its threshold, whatever that is. An
/// alarm that fires when the metric falls (`LessThan…`) watches for an empty queue, not for arrivals.
fn dlq_alarm_fires(a: &MetricAlarm, m: &WatchedMetric) -> Fires {
    let Some(op) = a.comparison_operator.as_deref() else { return Fires::Unknown };
    match op {
        // Anomaly detection: above the band (a dead-letter queue's band hugs 0).
        "GreaterThanUpperThreshold" | "LessThanLowerOrGreaterThanUpperThreshold" => Fires::Yes,
        "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" => {
            if m.name != "ApproximateNumberOfMessagesVisible" {
                return Fires::Yes;
            }
            let Some(t) = a.threshold else { return Fires::Unknown };
            let at_first = if op == "GreaterThanThreshold" { t < 1.0 } else { t <= 1.0 };
            if at_first {
                Fires::Yes
            } else {
                let sign = if op == "GreaterThanThreshold" { ">" } else { ">=" };
                Fires::No(format!(
                    "fires only at {sign} {t} visible messages: the first failed messages wait unnoticed"
                ))
            }
        }
        other => Fires::No(format!(
            "fires when the metric is {other}, i.e. when the queue empties, not when messages arrive"
        )),
    }
}

pub fn dlq_alarm(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.monitoring.sqs,
        |account, region, data, out| {
            let dlqs = dead_letter_sources(data);
            out.extend(unreadable_possible_sources(account, region, data, &dlqs));
            let alarms = region.monitoring.cloudwatch.get().and_then(|c| c.alarms.get());
            for q in data.queues.iter().filter(|q| dlqs.contains_key(q.arn.as_str())) {
                let at = At::new(&account.account_id, &region.region, q.arn.clone());
                let alarms = match &alarms {
                    Ok(a) => a,
                    Err(e) => {
                        out.push(at.not_evaluated(e));
                        continue;
                    }
                };
                let sources = dlqs.get(q.arn.as_str()).map(|s| queue_names(s)).unwrap_or_default();
                let on_queue: Vec<(&MetricAlarm, &WatchedMetric)> = alarms
                    .iter()
                    .flat_map(|a| {
                        a.metrics
                            .iter()
                            .filter(|m| m.namespace == "AWS/SQS" && m.dimensions.get("QueueName") == Some(&q.name))
                            .map(move |m| (a, m))
                    })
                    .collect();
                let evidence = json!({
                    "dead_letter_queue_for": sources,
                    "alarms_on_queue": on_queue.iter().map(|(a, m)| format!(
                        "{}: {} {} {} (actions {})",
                        a.name,
                        m.name,
                        a.comparison_operator.as_deref().unwrap_or("(condition not collected)"),
                        a.threshold.map_or(String::new(), |t| t.to_string()),
                        if a.acts() { "on" } else { "none" }
                    )).collect::<Vec<_>>(),
                });
                let signals: Vec<(&MetricAlarm, &WatchedMetric, Fires)> = on_queue
                    .iter()
                    .filter(|(_, m)| DLQ_SIGNALS.contains(&m.name.as_str()))
                    .map(|(a, m)| (*a, *m, dlq_alarm_fires(a, m)))
                    .collect();
                let acting = || signals.iter().filter(|(a, _, _)| a.acts());
                out.push(if let Some((a, m, _)) = acting().find(|(_, _, f)| matches!(f, Fires::Yes)) {
                    at.pass(format!("alarm {} watches {} of dead-letter queue {}", a.name, m.name, q.name), evidence)
                } else if let Some((a, m, _)) = acting().find(|(_, _, f)| matches!(f, Fires::Unknown)) {
                    at.unknown(
                        format!(
                            "alarm {} watches {} of dead-letter queue {}, but its comparison and threshold were not collected (cloudwatch:DescribeAlarms)",
                            a.name, m.name, q.name
                        ),
                        evidence,
                    )
                } else if let Some((a, m, Fires::No(why))) = acting().next() {
                    at.fail(format!("alarm {} on {} of dead-letter queue {} {why}", a.name, m.name, q.name), evidence)
                } else if let Some((a, m, _)) = signals.first() {
                    at.fail(
                        format!(
                            "alarm {} watches {} of dead-letter queue {} but has no actions: it changes state without telling anyone",
                            a.name, m.name, q.name
                        ),
                        evidence,
                    )
                } else if let Some((a, _)) = on_queue.iter().find(|(_, m)| m.name == "NumberOfMessagesSent") {
                    at.fail(
                        format!(
                            "alarm {} on dead-letter queue {} watches NumberOfMessagesSent, which does not count messages moved in by a redrive policy",
                            a.name, q.name
                        ),
                        evidence,
                    )
                } else {
                    at.fail(
                        format!(
                            "no alarm watches ApproximateNumberOfMessagesVisible of dead-letter queue {}: failed messages from {} pile up unnoticed",
                            q.name,
                            sources.join(", ")
                        ),
                        evidence,
                    )
                });
            }
        },
    )
}

/// One `unknown` for each queue whose attributes could not be read and that no readable queue redrives to: it may
/// have a redrive policy, so the region's dead-letter queues are not all known (and "no dead-letter queue here"
/// would be a guess).
fn unreadable_possible_sources(
    account: &AccountSnapshot,
    region: &RegionSnapshot,
    data: &SqsData,
    dlqs: &BTreeMap<&str, Vec<&Queue>>,
) -> Vec<Outcome> {
    data.queues
        .iter()
        .filter(|q| !dlqs.contains_key(q.arn.as_str()))
        .filter_map(|q| {
            let e = q.attributes.get().err()?;
            let at = At::new(&account.account_id, &region.region, q.arn.clone());
            if e.kind.means_not_applicable() {
                return Some(at.not_evaluated(&e));
            }
            Some(at.unknown(
                format!(
                    "the attributes of queue {} could not be read ({}): whether it redrives to a dead-letter queue is not known",
                    q.name,
                    e.brief()
                ),
                json!({ "collection_error": e }),
            ))
        })
        .collect()
}

/// A retention period in words.
fn duration(seconds: u32) -> String {
    let (n, unit) = match seconds {
        s if s % 86_400 == 0 => (s / 86_400, "day"),
        s if s % 3_600 == 0 => (s / 3_600, "hour"),
        s => (s, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

pub fn dlq_retention(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.monitoring.sqs,
        |account, region, data, out| {
            let dlqs = dead_letter_sources(data);
            out.extend(unreadable_possible_sources(account, region, data, &dlqs));
            for q in data.queues.iter().filter(|q| dlqs.contains_key(q.arn.as_str())) {
                let at = At::new(&account.account_id, &region.region, q.arn.clone());
                let attrs = match q.attributes.get() {
                    Ok(a) => a,
                    Err(e) => {
                        out.push(at.not_evaluated(&e));
                        continue;
                    }
                };
                let sources = dlqs.get(q.arn.as_str()).map(Vec::as_slice).unwrap_or_default();
                let source_retention: BTreeMap<&str, Option<u32>> = sources
                    .iter()
                    .map(|s| (s.name.as_str(), s.attributes.get().ok().and_then(|a| a.message_retention_seconds)))
                    .collect();
                let evidence = json!({
                    "message_retention_seconds": attrs.message_retention_seconds,
                    "fifo": attrs.fifo,
                    "source_retention_seconds": source_retention,
                });
                if attrs.fifo {
                    out.push(at.skipped(
                        format!(
                            "not applicable: {} is a FIFO queue, where a moved message's enqueue time is reset",
                            q.name
                        ),
                        evidence,
                    ));
                    continue;
                }
                // Every source's period is needed: the longest one decides, and an unreported one may be it.
                let unreported: Vec<&str> =
                    source_retention.iter().filter(|(_, r)| r.is_none()).map(|(name, _)| *name).collect();
                let longest = if unreported.is_empty() {
                    source_retention.iter().filter_map(|(name, r)| Some((*name, (*r)?))).max_by_key(|(_, r)| *r)
                } else {
                    None
                };
                let unreported = match attrs.message_retention_seconds {
                    Some(_) => unreported,
                    None => std::iter::once(q.name.as_str()).chain(unreported).collect(),
                };
                out.push(match (attrs.message_retention_seconds, longest) {
                (Some(own), Some((source, theirs))) if own > theirs => at.pass(
                    format!(
                        "dead-letter queue {} keeps messages {}, longer than {source} ({})",
                        q.name,
                        duration(own),
                        duration(theirs)
                    ),
                    evidence,
                ),
                (Some(own), Some((source, theirs))) => at.fail(
                    format!(
                        "dead-letter queue {} keeps messages {}, not longer than {source} ({}): a moved message keeps its first enqueue time and can expire before anyone looks",
                        q.name,
                        duration(own),
                        duration(theirs)
                    ),
                    evidence,
                ),
                _ => at.unknown(
                    format!(
                        "the retention period of {} was not reported by sqs:GetQueueAttributes: dead-letter queue {} cannot be compared with its sources",
                        unreported.join(", "),
                        q.name
                    ),
                    evidence,
                ),
            });
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::report::Status;
    use crate::snapshot::{
        CloudTrailData, CloudWatchData, Collected, MetricName, MetricStream, QueueAttributes, RedrivePolicy,
        RuleTarget, Snapshot, SubscriptionFilter, Trail,
    };

    const SNS: &str = "arn:aws:sns:us-east-1:111111111111:security-alerts";
    const LAMBDA: &str = "arn:aws:lambda:us-east-1:111111111111:function:responder";

    fn run(f: Evaluator, snap: &Snapshot) -> Vec<Outcome> {
        f(&Ctx::new(snap))
    }

    /// (region, resource, status) of every outcome, sorted.
    fn places(out: &[Outcome]) -> Vec<(String, String, Status)> {
        let mut v: Vec<_> = out.iter().map(|o| (o.region.clone(), o.resource.clone(), o.status)).collect();
        v.sort();
        v
    }

    /// One account with us-east-1 and eu-west-1, each region shaped by `shape`.
    fn snap(shape: impl Fn(&str, &mut RegionSnapshot)) -> Snapshot {
        let regions = ["us-east-1", "eu-west-1"]
            .iter()
            .map(|name| {
                let mut r = region(name);
                shape(name, &mut r);
                r
            })
            .collect();
        snapshot(vec![account(ACCT, None, regions)])
    }

    // ---- EventBridge ----

    fn rule(name: &str, pattern: Value, targets: &[&str]) -> EventRule {
        EventRule {
            name: name.into(),
            arn: format!("arn:aws:events:us-east-1:{ACCT}:rule/{name}"),
            state: "ENABLED".into(),
            event_pattern: Some(pattern.to_string()),
            targets: Collected::ok(
                targets
                    .iter()
                    .enumerate()
                    .map(|(i, a)| RuleTarget { id: format!("t{i}"), arn: a.to_string() })
                    .collect(),
            ),
            ..Default::default()
        }
    }

    fn with_rules(rules: Vec<EventRule>) -> Snapshot {
        snap(|_, r| r.monitoring.eventbridge = Collected::ok(EventBridgeData { rules: rules.clone() }))
    }

    fn signin(detail: Value) -> Value {
        json!({"source": ["aws.signin"], "detail-type": ["AWS Console Sign In via CloudTrail"], "detail": detail})
    }

    fn failures() -> Value {
        signin(json!({"responseElements": {"ConsoleLogin": ["Failure"]}}))
    }

    #[test]
    fn patterns_match_like_eventbridge() {
        let event = sign_in_event(ACCT, "eu-west-1", iam_user_identity(ACCT), true);
        let admits = |p: Value| pattern_matches(&p, &event);
        assert!(admits(failures()));
        assert!(admits(signin(json!({}))), "no detail filter: every sign-in, failures included");
        assert!(!admits(signin(json!({"responseElements": {"ConsoleLogin": ["Success"]}}))));
        // A field the event does not have matches nothing but `exists: false`.
        assert!(!admits(
            json!({"detail": {"userIdentity": {"sessionContext": {"attributes": {"mfaAuthenticated": ["false"]}}}}})
        ));
        assert!(!admits(json!({"detail": {"userIdentity": {"type": ["Root"]}}})), "narrowed to the root user");
        assert!(admits(json!({"detail": {"userIdentity": {"type": [{"anything-but": "Root"}]}}})));
        assert!(admits(json!({"detail": {"vpcEndpointId": [{"exists": false}]}})));
        assert!(!admits(json!({"detail": {"vpcEndpointId": [{"exists": true}]}})));
        assert!(admits(json!({"detail": {"userAgent": [{"exists": true}]}})));
        assert!(!admits(json!({"detail": {"userAgent": [{"exists": false}]}})));
        assert!(!admits(json!({"detail": {"userIdentity": [{"exists": true}]}})), "exists applies to leaves only");
        // Content filters.
        assert!(admits(json!({"source": [{"prefix": "aws."}]})));
        assert!(!admits(json!({"source": [{"prefix": "custom."}]})));
        assert!(admits(json!({"source": [{"prefix": {"equals-ignore-case": "AWS.SIGN"}}]})));
        assert!(admits(json!({"source": [{"suffix": ".signin"}]})));
        assert!(admits(json!({"source": [{"anything-but": ["aws.ec2"]}]})));
        assert!(!admits(json!({"source": [{"anything-but": "aws.signin"}]})));
        assert!(!admits(json!({"source": [{"anything-but": {"prefix": "aws."}}]})));
        assert!(admits(json!({"source": [{"anything-but": {"prefix": "custom."}}]})));
        assert!(!admits(json!({"source": [{"anything-but": {"equals-ignore-case": ["AWS.SIGNIN"]}}]})));
        assert!(admits(json!({"detail-type": [{"wildcard": "AWS Console * via *"}]})));
        assert!(!admits(json!({"detail-type": [{"wildcard": "AWS API Call*"}]})));
        assert!(admits(json!({"detail": {"eventName": [{"equals-ignore-case": "consolelogin"}]}})));
        assert!(admits(json!({"detail": {"requestParameters": [null]}})), "null matches a null value");
        assert!(!admits(json!({"detail": {"readOnly": ["false"]}})), "a boolean is not a string");
        assert!(admits(json!({"detail": {"readOnly": [false]}})));
        // Several fields: all must match; `$or`: one alternative must.
        assert!(admits(json!({"$or": [{"source": ["aws.ec2"]}, {"source": ["aws.signin"]}]})));
        assert!(!admits(json!({"$or": [{"source": ["aws.ec2"]}, {"source": ["aws.s3"]}]})));
        assert!(!admits(json!({"source": ["aws.signin"], "detail-type": ["AWS API Call via CloudTrail"]})));
        // Malformed patterns match nothing.
        assert!(!admits(json!({"source": "aws.signin"})), "a leaf must be an array");
        assert!(!admits(json!(["aws.signin"])));
        assert!(!admits(json!({"detail": ["x"]})), "a leaf against an object");
        // Arrays in the event and numbers.
        let health = health_event(ACCT, "eu-west-1", "EC2", "X", "scheduledChange", "ACCOUNT_SPECIFIC", "eu-west-1");
        assert!(pattern_matches(&json!({"resources": ["i-0abcd1234example", "i-other"]}), &health));
        assert!(!pattern_matches(&json!({"resources": ["i-other"]}), &health));
        let counted = json!({"detail": {"count": 5}});
        assert!(pattern_matches(&json!({"detail": {"count": [{"numeric": [">", 0, "<=", 5]}]}}), &counted));
        assert!(!pattern_matches(&json!({"detail": {"count": [{"numeric": [">", 5]}]}}), &counted));
        assert!(!pattern_matches(&json!({"detail": {"count": [{"numeric": [">"]}]}}), &counted));
        assert!(wildcard("*", "") && wildcard("a*c", "abbc") && !wildcard("a*c", "abd") && wildcard("abc", "abc"));
        assert!(wildcard("a\\*c", "a*c") && !wildcard("a\\*c", "abc"), "an escaped star is literal");

        let broken = EventRule { event_pattern: Some("{\"source\": [".into()), ..rule("bad", json!({}), &[SNS]) };
        assert!(!rule_admits(&broken, &event), "an unreadable pattern matches nothing");
        let scheduled = EventRule { event_pattern: None, schedule_expression: Some("rate(1 hour)".into()), ..broken };
        assert!(!rule_admits(&scheduled, &event));
    }

    /// The regions that record sign-ins whatever the account uses, and that the test snapshot does not audit.
    fn unaudited_sign_in_regions() -> Vec<(String, String, Status)> {
        ["ap-southeast-2", "eu-north-1", "us-east-2"]
            .iter()
            .map(|r| (r.to_string(), ACCT.into(), Status::Skipped))
            .collect()
    }

    /// The verdict table of `eventbridge-console-login-failures`: in each audited region, an enabled rule with an
    /// SNS target must match every failed sign-in that region records (root ones only in us-east-1).
    #[test]
    fn console_login_failures_cases() {
        let user_type = |types: Value| {
            signin(json!({"responseElements": {"ConsoleLogin": ["Failure"]}, "userIdentity": {"type": types}}))
        };
        let disabled = EventRule { state: "DISABLED".into(), ..rule("r", failures(), &[SNS]) };
        let unread = EventRule {
            targets: Collected::Error { error: denied("events:ListTargetsByRule") },
            ..rule("r", failures(), &[])
        };
        let sent = format!(
            "rule r sends failed console sign-ins recorded in us-east-1 (root user, IAM user and federated) to {SNS}"
        );
        use Status::*;
        // (name, rules, us-east-1, eu-west-1, fragment of the us-east-1 message)
        let cases: Vec<(&str, Vec<EventRule>, Status, Status, &str)> = vec![
            ("compliant: failures to SNS", vec![rule("r", failures(), &[LAMBDA, SNS])], Pass, Pass, &sent),
            ("compliant: every sign-in", vec![rule("r", signin(json!({})), &[SNS])], Pass, Pass, "successful ones too"),
            ("non-compliant: no rules", vec![], Fail, Fail, "they reach no one"),
            (
                "non-compliant: successes only",
                vec![rule("r", signin(json!({"responseElements": {"ConsoleLogin": ["Success"]}})), &[SNS])],
                Fail,
                Fail,
                "no rule on the default event bus matches",
            ),
            (
                "near miss: root user only",
                vec![rule("r", user_type(json!(["Root"])), &[SNS])],
                Fail,
                Fail,
                "IAM user: no rule matches; federated: no rule matches (rule r routes the others)",
            ),
            (
                "near miss: IAM users only",
                vec![rule("r", user_type(json!(["IAMUser"])), &[SNS])],
                Fail,
                Fail,
                "root user: no rule matches",
            ),
            (
                "near miss: a field the events lack",
                vec![rule("r", signin(json!({"additionalEventData": {"MFAIdentifier": [{"exists": true}]}})), &[SNS])],
                Fail,
                Fail,
                "they reach no one",
            ),
            (
                "near miss: Lambda target only",
                vec![rule("r", failures(), &[LAMBDA])],
                Fail,
                Fail,
                "but sends them to no SNS target",
            ),
            ("near miss: no target", vec![rule("r", failures(), &[])], Fail, Fail, "but has no target"),
            ("near miss: disabled", vec![disabled], Fail, Fail, "is disabled"),
            (
                "alternative: two rules together",
                vec![
                    rule("root", user_type(json!(["Root"])), &[SNS]),
                    rule("others", user_type(json!([{"anything-but": "Root"}])), &[SNS]),
                ],
                Pass,
                Pass,
                "rules root (root user), others (IAM user, federated) send",
            ),
            (
                "alternative: anything but success",
                vec![rule(
                    "r",
                    signin(json!({"responseElements": {"ConsoleLogin": [{"anything-but": "Success"}]}})),
                    &[SNS],
                )],
                Pass,
                Pass,
                "root user, IAM user and federated",
            ),
            ("unreadable: targets denied", vec![unread], Unknown, Unknown, "events:ListTargetsByRule"),
        ];
        for (name, rules, east, west, text) in cases {
            let out = run(console_login_failures, &with_rules(rules));
            let mut want =
                vec![("eu-west-1".to_string(), ACCT.to_string(), west), ("us-east-1".into(), ACCT.into(), east)];
            want.extend(unaudited_sign_in_regions());
            want.sort();
            assert_eq!(places(&out), want, "{name}: {out:#?}");
            let east_message =
                out.iter().find(|o| o.region == "us-east-1").map(|o| o.message.clone()).unwrap_or_default();
            assert!(east_message.contains(text), "{name}: {east_message}");
        }
        // Outside us-east-1 the root user's sign-ins are not expected, and the message says so.
        let out = run(
            console_login_failures,
            &with_rules(vec![rule("r", user_type(json!(["IAMUser", "AssumedRole"])), &[SNS])]),
        );
        let west = out.iter().find(|o| o.region == "eu-west-1").map(|o| (o.status, o.message.clone()));
        assert_eq!(west, Some((Pass, format!("rule r sends failed console sign-ins recorded in eu-west-1 (IAM user and federated; root sign-ins are recorded only in us-east-1) to {SNS}"))));
        let west = out.iter().find(|o| o.region == "eu-west-1").map(|o| o.evidence["filters_on_failure"].clone());
        assert_eq!(west, Some(json!(true)));
        let out = run(console_login_failures, &with_rules(vec![rule("r", failures(), &[LAMBDA])]));
        assert_eq!(out[0].evidence["matching_rules"], json!([format!("r (ENABLED) → {LAMBDA}")]));
        assert!(out[0].evidence["counted_rule"].is_null());

        // Partial read: us-east-1's rules could not be listed; eu-west-1 is still judged.
        let denied_bus = snap(|name, r| {
            r.monitoring.eventbridge = if name == "us-east-1" {
                Collected::Error { error: denied("events:ListRules") }
            } else {
                Collected::ok(EventBridgeData { rules: vec![rule("r", failures(), &[SNS])] })
            }
        });
        let out = run(console_login_failures, &denied_bus);
        let mut want =
            vec![("eu-west-1".to_string(), ACCT.to_string(), Pass), ("us-east-1".into(), ACCT.into(), Unknown)];
        want.extend(unaudited_sign_in_regions());
        want.sort();
        assert_eq!(places(&out), want);
        let east = out.iter().find(|o| o.region == "us-east-1").map(|o| o.message.clone()).unwrap_or_default();
        assert!(east.contains("missing permission events:ListRules"), "{east}");

        // us-east-1 not audited: the root user's sign-ins are not evaluated, and the finding says why.
        let mut only_eu = with_rules(vec![rule("r", failures(), &[SNS])]);
        only_eu.accounts[0].regions.retain(|r| r.region == "eu-west-1");
        let out = run(console_login_failures, &only_eu);
        let mut want =
            vec![("eu-west-1".to_string(), ACCT.to_string(), Pass), ("us-east-1".into(), ACCT.into(), Skipped)];
        want.extend(unaudited_sign_in_regions());
        want.sort();
        assert_eq!(places(&out), want);
        let east = out.iter().find(|o| o.region == "us-east-1").map(|o| o.message.clone()).unwrap_or_default();
        assert!(east.contains("root user sign-ins") && east.contains("did not cover us-east-1"), "{east}");
    }

    /// The verdict table of `eventbridge-health-events`: in each audited region, an enabled rule with a target must
    /// match Health events of several services and categories; in us-east-1 also the events of global services.
    #[test]
    fn health_events_cases() {
        let health = |detail: Value| json!({"source": ["aws.health"], "detail": detail});
        let issues = rule("issues", health(json!({"eventTypeCategory": ["issue"]})), &[SNS]);
        let the_rest = rule("rest", health(json!({"eventTypeCategory": [{"anything-but": "issue"}]})), &[LAMBDA]);
        let unread = EventRule {
            targets: Collected::Error { error: denied("events:ListTargetsByRule") },
            ..rule("h", json!({"source": ["aws.health"]}), &[])
        };
        use Status::*;
        // (name, rules, us-east-1, eu-west-1, fragment of the us-east-1 message)
        let cases: Vec<(&str, Vec<EventRule>, Status, Status, &str)> = vec![
            (
                "compliant: every Health event",
                vec![rule("h", json!({"source": ["aws.health"]}), &[SNS])],
                Pass,
                Pass,
                "global services such as IAM",
            ),
            (
                "non-compliant: no rule",
                vec![],
                Fail,
                Fail,
                "no rule on the default event bus matches AWS Health events",
            ),
            (
                "near miss: EC2 only",
                vec![rule("h", health(json!({"service": ["EC2"]})), &[SNS])],
                Fail,
                Fail,
                "RDS scheduled change: no rule matches",
            ),
            ("near miss: issues only", vec![issues.clone()], Fail, Fail, "EC2 scheduled change: no rule matches"),
            (
                "near miss: the audited regions only",
                vec![rule("h", health(json!({"eventRegion": ["us-east-1", "eu-west-1"]})), &[SNS])],
                Fail,
                Pass,
                "global IAM event: no rule matches",
            ),
            (
                "near miss: disabled",
                vec![EventRule { state: "DISABLED".into(), ..rule("h", json!({"source": ["aws.health"]}), &[SNS]) }],
                Fail,
                Fail,
                "is disabled",
            ),
            (
                "near miss: no target",
                vec![rule("h", json!({"source": ["aws.health"]}), &[])],
                Fail,
                Fail,
                "has no target",
            ),
            (
                "alternative: two rules together",
                vec![issues, the_rest],
                Pass,
                Pass,
                "rules issues (EC2 issue, global IAM event), rest (",
            ),
            (
                "alternative: a prefix on the source",
                vec![rule(
                    "h",
                    json!({"source": [{"prefix": "aws.health"}], "detail-type": [{"wildcard": "AWS Health*"}]}),
                    &[LAMBDA],
                )],
                Pass,
                Pass,
                "sends AWS Health events",
            ),
            ("unreadable: targets denied", vec![unread], Unknown, Unknown, "events:ListTargetsByRule"),
        ];
        for (name, rules, east, west, text) in cases {
            let out = run(health_events, &with_rules(rules));
            let want = vec![("eu-west-1".to_string(), ACCT.to_string(), west), ("us-east-1".into(), ACCT.into(), east)];
            assert_eq!(places(&out), want, "{name}: {out:#?}");
            let east_message =
                out.iter().find(|o| o.region == "us-east-1").map(|o| o.message.clone()).unwrap_or_default();
            assert!(east_message.contains(text), "{name}: {east_message}");
        }
        // Partial read: a region whose rules could not be listed is unknown; the other is still judged.
        let half = snap(|name, r| {
            r.monitoring.eventbridge = if name == "eu-west-1" {
                Collected::Error { error: denied("events:ListRules") }
            } else {
                Collected::ok(EventBridgeData { rules: vec![rule("h", json!({"source": ["aws.health"]}), &[SNS])] })
            }
        });
        assert_eq!(
            places(&run(health_events, &half)),
            vec![("eu-west-1".into(), ACCT.into(), Unknown), ("us-east-1".into(), ACCT.into(), Pass)]
        );
    }

    #[test]
    fn regional_routes_are_judged_in_every_region() {
        let config = rule(
            "config",
            json!({"source": ["aws.config"], "detail-type": ["Config Rules Compliance Change"],
                   "detail": {"newEvaluationResult": {"complianceType": ["NON_COMPLIANT"]}}}),
            &[LAMBDA],
        );
        let config_one_rule = rule(
            "config-one",
            json!({"source": ["aws.config"], "detail": {"configRuleName": ["restricted-ssh"]}}),
            &[SNS],
        );
        let pipeline_all = rule("pipelines", json!({"source": ["aws.codepipeline"]}), &[SNS]);
        let pipeline_failed = rule(
            "pipeline-failed",
            json!({"source": ["aws.codepipeline"], "detail-type": ["CodePipeline Pipeline Execution State Change"],
                   "detail": {"state": ["FAILED"]}}),
            &[SNS],
        );
        let stage_failed = rule(
            "stage-failed",
            json!({"source": ["aws.codepipeline"], "detail-type": ["CodePipeline Stage Execution State Change"],
                   "detail": {"state": ["FAILED"]}}),
            &[SNS],
        );
        let pipeline_ok = rule(
            "pipeline-ok",
            json!({"source": ["aws.codepipeline"], "detail-type": ["CodePipeline Pipeline Execution State Change"],
                   "detail": {"state": ["SUCCEEDED"]}}),
            &[SNS],
        );
        let config_compliant = rule(
            "config-ok",
            json!({"source": ["aws.config"], "detail": {"newEvaluationResult": {"complianceType": ["COMPLIANT"]}}}),
            &[SNS],
        );
        let both = |status| {
            vec![("eu-west-1".to_string(), ACCT.to_string(), status), ("us-east-1".into(), ACCT.into(), status)]
        };
        let cases: Vec<(&str, Evaluator, Vec<EventRule>, Status)> = vec![
            ("config", config_compliance, vec![config.clone()], Status::Pass),
            ("config compliant only", config_compliance, vec![config_compliant], Status::Fail),
            ("config one rule only", config_compliance, vec![config_one_rule], Status::Fail),
            ("pipeline all changes", codepipeline_failures, vec![pipeline_all], Status::Pass),
            ("pipeline failures", codepipeline_failures, vec![pipeline_failed], Status::Pass),
            ("stage failures, an alternative", codepipeline_failures, vec![stage_failed], Status::Pass),
            ("pipeline successes only", codepipeline_failures, vec![pipeline_ok], Status::Fail),
        ];
        let no_target = rule(
            "pipeline-failed",
            json!({"detail-type": ["CodePipeline Pipeline Execution State Change"], "detail": {"state": ["FAILED"]}}),
            &[],
        );
        let out = run(codepipeline_failures, &with_rules(vec![no_target]));
        assert_eq!(out[0].message, "rule pipeline-failed matches failed CodePipeline executions but has no target");
        for (name, f, rules, want) in cases {
            assert_eq!(places(&run(f, &with_rules(rules))), both(want), "{name}");
        }
    }

    #[test]
    fn config_compliance_verdicts() {
        use crate::snapshot::{ConfigData, ConfigRule, DeliveryChannel};
        let routed = rule(
            "config",
            json!({"source": ["aws.config"], "detail-type": ["Config Rules Compliance Change"],
                   "detail": {"newEvaluationResult": {"complianceType": ["NON_COMPLIANT"]}}}),
            &[LAMBDA],
        );
        let one_rule = rule(
            "config-one",
            json!({"source": ["aws.config"], "detail": {"configRuleName": ["restricted-ssh"]}}),
            &[SNS],
        );
        let disabled = EventRule { state: "DISABLED".into(), ..routed.clone() };
        let config_rule = ConfigRule {
            name: "restricted-ssh".into(),
            arn: None,
            source_owner: "AWS".into(),
            source_identifier: "INCOMING_SSH_DISABLED".into(),
            state: Some("ACTIVE".into()),
        };
        let config = |rules: Vec<ConfigRule>, channels: Collected<Vec<DeliveryChannel>>| {
            Collected::ok(ConfigData { rules: Collected::ok(rules), delivery_channels: channels, ..Default::default() })
        };
        let channel = |topic: Option<&str>| {
            Collected::ok(vec![DeliveryChannel {
                name: "default".into(),
                s3_bucket_name: Some("config-bucket".into()),
                sns_topic_arn: topic.map(str::to_string),
            }])
        };
        let denied_events = Collected::Error { error: denied("events:ListRules") };
        type Row = (&'static str, Collected<EventBridgeData>, Collected<ConfigData>, Status, &'static str);
        let rows: Vec<Row> = vec![
            (
                "compliant: a rule routes every NON_COMPLIANT change",
                Collected::ok(EventBridgeData { rules: vec![routed.clone()] }),
                config(vec![config_rule.clone()], channel(None)),
                Status::Pass,
                "rule config sends",
            ),
            (
                "no rule, no topic",
                Collected::ok(EventBridgeData { rules: vec![] }),
                config(vec![config_rule.clone()], channel(None)),
                Status::Fail,
                "no rule on the default event bus matches",
            ),
            (
                "near miss: one Config rule's changes only",
                Collected::ok(EventBridgeData { rules: vec![one_rule] }),
                config(vec![config_rule.clone()], channel(None)),
                Status::Fail,
                "S3 bucket rule: no rule matches",
            ),
            (
                "near miss: the matching rule is disabled",
                Collected::ok(EventBridgeData { rules: vec![disabled] }),
                config(vec![config_rule.clone()], channel(None)),
                Status::Fail,
                "is disabled",
            ),
            (
                "alternative: the delivery channel's SNS topic",
                Collected::ok(EventBridgeData { rules: vec![] }),
                config(vec![config_rule.clone()], channel(Some(SNS))),
                Status::Pass,
                "publishes compliance-change notifications to SNS topic",
            ),
            (
                "alternative: no Config rule in the region",
                Collected::ok(EventBridgeData { rules: vec![] }),
                config(vec![], channel(None)),
                Status::Skipped,
                "no AWS Config rule in this region",
            ),
            (
                "unreadable rules on the bus",
                denied_events,
                config(vec![config_rule.clone()], channel(None)),
                Status::Unknown,
                "events:ListRules",
            ),
            (
                "partial read: the delivery channels unread",
                Collected::ok(EventBridgeData { rules: vec![] }),
                config(
                    vec![config_rule.clone()],
                    Collected::Error { error: denied("config:DescribeDeliveryChannels") },
                ),
                Status::Unknown,
                "config:DescribeDeliveryChannels",
            ),
        ];
        for (name, events, cfg, want, text) in rows {
            let s = snap(|_, r| {
                r.monitoring.eventbridge = events.clone();
                r.config = cfg.clone();
            });
            let out = run(config_compliance, &s);
            assert_eq!(out.len(), 2, "{name}: one per region");
            for o in &out {
                assert_eq!(o.status, want, "{name}: {}", o.message);
                assert!(o.message.contains(text), "{name}: {}", o.message);
            }
        }
    }

    #[test]
    fn codepipeline_failures_verdicts() {
        use crate::snapshot::{CodePipelineData, Pipeline};
        let failed = rule(
            "pipeline-failed",
            json!({"source": ["aws.codepipeline"], "detail-type": ["CodePipeline Pipeline Execution State Change"],
                   "detail": {"state": ["FAILED"]}}),
            &[SNS],
        );
        let action_failed = rule(
            "action-failed",
            json!({"source": ["aws.codepipeline"], "detail-type": ["CodePipeline Action Execution State Change"],
                   "detail": {"state": ["FAILED"]}}),
            &[SNS],
        );
        let other_pipeline = rule(
            "billing-failed",
            json!({"source": ["aws.codepipeline"], "detail": {"pipeline": ["billing"], "state": ["FAILED"]}}),
            &[SNS],
        );
        let succeeded =
            rule("pipeline-ok", json!({"source": ["aws.codepipeline"], "detail": {"state": ["SUCCEEDED"]}}), &[SNS]);
        let pipelines = |n: usize| {
            Collected::ok(CodePipelineData {
                pipelines: (0..n).map(|i| Pipeline { name: format!("p{i}"), ..Default::default() }).collect(),
            })
        };
        let bus = |rules: Vec<EventRule>| Collected::ok(EventBridgeData { rules });
        type Row = (&'static str, Collected<EventBridgeData>, Collected<CodePipelineData>, Status, &'static str);
        let rows: Vec<Row> = vec![
            (
                "compliant",
                bus(vec![failed]),
                pipelines(1),
                Status::Pass,
                "rule pipeline-failed sends failed CodePipeline executions",
            ),
            (
                "no rule",
                bus(vec![]),
                pipelines(1),
                Status::Fail,
                "no rule on the default event bus matches failed CodePipeline executions",
            ),
            (
                "near miss: successes only",
                bus(vec![succeeded]),
                pipelines(1),
                Status::Fail,
                "no rule on the default event bus matches",
            ),
            (
                "near miss: another pipeline's failures only",
                bus(vec![other_pipeline]),
                pipelines(1),
                Status::Fail,
                "no rule on the default event bus matches",
            ),
            (
                "alternative: action failures",
                bus(vec![action_failed]),
                pipelines(1),
                Status::Pass,
                "rule action-failed sends",
            ),
            (
                "alternative: no pipeline in the region",
                bus(vec![]),
                pipelines(0),
                Status::Skipped,
                "no CodePipeline pipeline in this region",
            ),
            (
                "unreadable bus",
                Collected::Error { error: denied("events:ListRules") },
                pipelines(1),
                Status::Unknown,
                "events:ListRules",
            ),
            // Partial read: pipelines unread is judged as if there were some (a missing route is a fail either way).
            (
                "partial read: pipelines unread",
                bus(vec![]),
                Collected::Error { error: denied("codepipeline:ListPipelines") },
                Status::Fail,
                "no rule on the default event bus",
            ),
        ];
        for (name, events, cp, want, text) in rows {
            let s = snap(|_, r| {
                r.monitoring.eventbridge = events.clone();
                r.sdlc.codepipeline = cp.clone();
            });
            let out = run(codepipeline_failures, &s);
            assert_eq!(out.len(), 2, "{name}: one per region");
            for o in &out {
                assert_eq!(o.status, want, "{name}: {}", o.message);
                assert!(o.message.contains(text), "{name}: {}", o.message);
            }
        }
    }

    #[test]
    fn trusted_advisor_is_judged_in_us_east_1_only() {
        let ta = rule("ta", json!({"source": ["aws.trustedadvisor"]}), &[SNS]);
        let out = run(trusted_advisor, &with_rules(vec![ta.clone()]));
        assert_eq!(places(&out), vec![("us-east-1".into(), ACCT.into(), Status::Pass)]);
        let red_and_yellow =
            rule("ta", json!({"source": ["aws.trustedadvisor"], "detail": {"status": ["ERROR", "WARN"]}}), &[SNS]);
        assert_eq!(run(trusted_advisor, &with_rules(vec![red_and_yellow]))[0].status, Status::Pass);
        let red_only = rule("ta", json!({"source": ["aws.trustedadvisor"], "detail": {"status": ["ERROR"]}}), &[SNS]);
        let out = run(trusted_advisor, &with_rules(vec![red_only]));
        assert_eq!(out[0].status, Status::Fail);
        assert!(out[0].message.contains("WARN: no rule matches"), "{}", out[0].message);
        let eu_only = snap(|name, r| {
            let rules = if name == "eu-west-1" { vec![ta.clone()] } else { vec![] };
            r.monitoring.eventbridge = Collected::ok(EventBridgeData { rules });
        });
        let out = run(trusted_advisor, &eu_only);
        assert_eq!(places(&out), vec![("us-east-1".into(), ACCT.into(), Status::Fail)]);
        let denied_bus = snap(|_, r| r.monitoring.eventbridge = Collected::Error { error: denied("events:ListRules") });
        assert_eq!(
            places(&run(trusted_advisor, &denied_bus)),
            vec![("us-east-1".into(), ACCT.into(), Status::Unknown)]
        );
        // Partial read: the only matching rule's targets could not be listed: unknown, never pass.
        let unread_targets = EventRule {
            targets: Collected::Error { error: denied("events:ListTargetsByRule") },
            ..rule("ta", json!({"source": ["aws.trustedadvisor"]}), &[])
        };
        let out = run(trusted_advisor, &with_rules(vec![unread_targets]));
        assert_eq!(out[0].status, Status::Unknown, "{}", out[0].message);
        assert!(out[0].message.contains("events:ListTargetsByRule"), "{}", out[0].message);
        // Alternative: us-east-1 not audited: the events cannot be judged where they land (skipped, said so).
        let mut eu = snap(|_, r| r.monitoring.eventbridge = Collected::ok(EventBridgeData { rules: vec![ta.clone()] }));
        eu.accounts[0].regions.retain(|r| r.region == "eu-west-1");
        let out = run(trusted_advisor, &eu);
        assert_eq!(places(&out), vec![("us-east-1".into(), ACCT.into(), Status::Skipped)]);
        assert!(out[0].message.contains("which this audit did not cover"), "{}", out[0].message);
    }

    // ---- CloudWatch Logs ----

    fn group(name: &str, retention: Option<i32>, subscriptions: &[&str]) -> LogGroup {
        LogGroup {
            name: name.into(),
            arn: format!("arn:aws:logs:us-east-1:{ACCT}:log-group:{name}"),
            retention_in_days: retention,
            stored_bytes: Some(1024),
            subscription_filters: Collected::ok(
                subscriptions
                    .iter()
                    .map(|d| SubscriptionFilter {
                        name: "central".into(),
                        destination_arn: d.to_string(),
                        filter_pattern: Some(String::new()),
                    })
                    .collect(),
            ),
            ..Default::default()
        }
    }

    fn trail_to(name: &str, group_arn: Option<String>) -> Trail {
        Trail {
            name: name.into(),
            arn: format!("arn:aws:cloudtrail:us-east-1:{ACCT}:trail/{name}"),
            home_region: "us-east-1".into(),
            s3_bucket_name: None,
            s3_key_prefix: None,
            is_multi_region: true,
            is_organization_trail: false,
            include_global_service_events: true,
            log_file_validation_enabled: true,
            kms_key_id: None,
            cloud_watch_logs_log_group_arn: group_arn,
            cloud_watch_logs_role_arn: None,
            status: Collected::NotCollected,
            event_selectors: Collected::NotCollected,
            integrity: Collected::NotCollected,
        }
    }

    /// us-east-1 only: these log groups and filters, these trails, these alarms.
    fn logs_snap(
        groups: Vec<LogGroup>,
        filters: Collected<Vec<MetricFilter>>,
        trails: Collected<CloudTrailData>,
        alarms: Collected<Vec<MetricAlarm>>,
    ) -> Snapshot {
        let mut r = region("us-east-1");
        r.monitoring.logs = Collected::ok(LogsData { log_groups: groups, metric_filters: filters });
        r.cloudtrail = trails;
        r.monitoring.cloudwatch = Collected::ok(CloudWatchData { alarms, metric_streams: Collected::ok(vec![]) });
        snapshot(vec![account(ACCT, None, vec![r])])
    }

    fn group_arn(name: &str) -> String {
        format!("arn:aws:logs:us-east-1:{ACCT}:log-group:{name}")
    }

    fn trails(list: Vec<Trail>) -> Collected<CloudTrailData> {
        Collected::ok(CloudTrailData { trails: list, buckets: vec![] })
    }

    #[test]
    fn log_retention_cases() {
        let s = logs_snap(
            vec![group("/app/kept", Some(30), &[]), group("/app/forever", None, &[])],
            Collected::ok(vec![]),
            trails(vec![]),
            Collected::ok(vec![]),
        );
        let out = run(log_retention, &s);
        assert_eq!(
            places(&out),
            vec![
                ("us-east-1".into(), group_arn("/app/forever"), Status::Fail),
                ("us-east-1".into(), group_arn("/app/kept"), Status::Pass),
            ]
        );
        let forever = out.iter().find(|o| o.status == Status::Fail).map(|o| &o.evidence);
        assert_eq!(forever.map(|e| e["retention_in_days"].is_null()), Some(true));
        // The verdict table in short: compliant (/app/kept), non-compliant (/app/forever), unreadable (below).
        // Near miss: none; DescribeLogGroups omits retentionInDays exactly when events never expire, so any period is
        // a retention (how long is a policy choice, not this check's). Alternative: none; nothing else expires events.
        // Partial read: the listing is all or nothing (a failed page is the unreadable row).

        let mut denied_logs = s.clone();
        denied_logs.accounts[0].regions[0].monitoring.logs =
            Collected::Error { error: denied("logs:DescribeLogGroups") };
        let out = run(log_retention, &denied_logs);
        assert_eq!(places(&out), vec![("us-east-1".into(), ACCT.into(), Status::Unknown)]);
    }

    #[test]
    fn subscription_cases() {
        let central = "arn:aws:logs:us-east-1:999999999999:destination:central-audit";
        let org_trail = Trail {
            is_organization_trail: true,
            ..trail_to("org", Some(format!("arn:aws:logs:us-east-1:{MGMT}:log-group:org-trail:*")))
        };
        let denied_filters = LogGroup {
            subscription_filters: Collected::Error { error: denied("logs:DescribeSubscriptionFilters") },
            ..group("audit-denied", Some(365), &[])
        };
        let s = logs_snap(
            vec![
                group("audit-streamed", Some(365), &[central]),
                group("aws-cloudtrail-logs-local", None, &[]),
                group("/app/orders", None, &[]),
                denied_filters,
            ],
            Collected::ok(vec![]),
            trails(vec![
                trail_to("main", Some(format!("{}:*", group_arn("audit-streamed")))),
                trail_to("second", Some(group_arn("audit-denied"))),
                trail_to("gone", Some(format!("{}:*", group_arn("deleted-group")))),
                org_trail,
            ]),
            Collected::ok(vec![]),
        );
        let out = run(log_subscriptions, &s);
        // The member's view of the organization trail (a group in another account) and /app/orders are not judged.
        assert_eq!(
            places(&out),
            vec![
                ("us-east-1".into(), group_arn("audit-denied"), Status::Unknown),
                ("us-east-1".into(), group_arn("audit-streamed"), Status::Pass),
                ("us-east-1".into(), group_arn("aws-cloudtrail-logs-local"), Status::Fail),
                ("us-east-1".into(), group_arn("deleted-group"), Status::Fail),
            ]
        );
        let by = |arn: String| out.iter().find(|o| o.resource == arn).map(|o| o.message.clone()).unwrap_or_default();
        assert!(by(group_arn("audit-streamed")).contains(central));
        assert!(by(group_arn("deleted-group"))
            .contains("trail gone delivers to log group deleted-group, which does not exist"));
        assert!(by(group_arn("audit-denied")).contains("logs:DescribeSubscriptionFilters"));

        // Without the trails, named groups are still judged; with none named, the trails' error is the answer.
        let s = logs_snap(
            vec![group("aws-cloudtrail-logs-local", Some(90), &[central])],
            Collected::ok(vec![]),
            Collected::Error { error: denied("cloudtrail:DescribeTrails") },
            Collected::ok(vec![]),
        );
        // Partial read: the named group is judged, and the region says that other trail groups may exist.
        let out = run(log_subscriptions, &s);
        assert_eq!(
            places(&out),
            vec![
                ("us-east-1".into(), ACCT.into(), Status::Unknown),
                ("us-east-1".into(), group_arn("aws-cloudtrail-logs-local"), Status::Pass)
            ]
        );
        assert!(out.iter().any(|o| o.message.contains("under other names were not judged")
            && o.message.contains("cloudtrail:DescribeTrails")));
        let s = logs_snap(
            vec![group("/app/orders", Some(90), &[])],
            Collected::ok(vec![]),
            Collected::Error { error: denied("cloudtrail:DescribeTrails") },
            Collected::ok(vec![]),
        );
        let out = run(log_subscriptions, &s);
        assert_eq!(places(&out), vec![("us-east-1".into(), ACCT.into(), Status::Unknown)]);
        assert!(out[0].message.contains("cloudtrail:DescribeTrails"));
    }

    #[test]
    fn subscription_pattern_verdicts() {
        let central = "arn:aws:logs:us-east-1:999999999999:destination:central-audit";
        let sub = |name: &str, pattern: Option<&str>| SubscriptionFilter {
            name: name.into(),
            destination_arn: central.into(),
            filter_pattern: pattern.map(str::to_string),
        };
        let rows: Vec<(&str, Vec<SubscriptionFilter>, Status, &str)> = vec![
            ("compliant: every event", vec![sub("all", Some(""))], Status::Pass, "streams its events to"),
            ("no subscription", vec![], Status::Fail, "has no subscription filter"),
            (
                "near miss: a pattern streams some events only",
                vec![sub("iam-only", Some("{ $.eventSource = \"iam.amazonaws.com\" }"))],
                Status::Fail,
                "streams only the events matching pattern { $.eventSource",
            ),
            (
                "alternative: a second filter streams everything",
                vec![sub("iam-only", Some("{ $.eventSource = \"iam.amazonaws.com\" }")), sub("all", Some(" "))],
                Status::Pass,
                "streams its events to",
            ),
            (
                "partial read: the pattern was not collected",
                vec![sub("old", None)],
                Status::Unknown,
                "filter pattern was not collected",
            ),
            // Unreadable (logs:DescribeSubscriptionFilters denied): the audit-denied row of subscription_cases.
        ];
        for (name, filters, want, text) in rows {
            let g = LogGroup { subscription_filters: Collected::ok(filters), ..group("audit", Some(365), &[]) };
            let s = logs_snap(
                vec![g],
                Collected::ok(vec![]),
                trails(vec![trail_to("main", Some(group_arn("audit")))]),
                Collected::ok(vec![]),
            );
            let out = run(log_subscriptions, &s);
            assert_eq!(out.len(), 1, "{name}: {out:?}");
            assert_eq!(out[0].status, want, "{name}: {}", out[0].message);
            assert!(out[0].message.contains(text), "{name}: {}", out[0].message);
        }
    }

    fn filter(name: &str, group: &str, pattern: &str, metric: &str) -> MetricFilter {
        MetricFilter {
            name: name.into(),
            log_group_name: group.into(),
            pattern: pattern.into(),
            metrics: vec![MetricName { namespace: "CISBenchmark".into(), name: metric.into() }],
        }
    }

    fn alarm(name: &str, namespace: &str, metric: &str, dims: &[(&str, &str)], actions: bool) -> MetricAlarm {
        MetricAlarm {
            name: name.into(),
            arn: format!("arn:aws:cloudwatch:us-east-1:{ACCT}:alarm:{name}"),
            state: Some("OK".into()),
            actions_enabled: true,
            alarm_actions: if actions { vec![SNS.into()] } else { vec![] },
            metrics: vec![WatchedMetric {
                namespace: namespace.into(),
                name: metric.into(),
                dimensions: dims.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            }],
            comparison_operator: Some("GreaterThanOrEqualToThreshold".into()),
            threshold: Some(1.0),
        }
    }

    fn cis_filters(group: &str) -> Vec<MetricFilter> {
        vec![
            filter(
                "root",
                group,
                r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#,
                "RootUsage",
            ),
            filter(
                "signin",
                group,
                r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#,
                "ConsoleSigninFailures",
            ),
            filter(
                "denied",
                group,
                r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#,
                "UnauthorizedAPICalls",
            ),
        ]
    }

    fn cis_alarms() -> Vec<MetricAlarm> {
        ["RootUsage", "ConsoleSigninFailures", "UnauthorizedAPICalls"]
            .iter()
            .map(|m| alarm(&format!("{m}-alarm"), "CISBenchmark", m, &[], true))
            .collect()
    }

    #[test]
    fn cloudtrail_alarm_cases() {
        let trail = || trails(vec![trail_to("main", Some(format!("{}:*", group_arn("ct"))))]);
        let groups = || vec![group("ct", Some(365), &[])];
        let check = |filters: Collected<Vec<MetricFilter>>, alarms: Collected<Vec<MetricAlarm>>| {
            let out = run(cloudtrail_alarms, &logs_snap(groups(), filters, trail(), alarms));
            assert_eq!(out.len(), 1, "{out:?}");
            assert_eq!(out[0].resource, group_arn("ct"));
            out.into_iter().next().map(|o| (o.status, o.message, o.evidence))
        };

        let (status, message, evidence) = check(Collected::ok(cis_filters("ct")), Collected::ok(cis_alarms())).unwrap();
        assert_eq!(status, Status::Pass, "{message}");
        assert_eq!(evidence["root_account_usage"], json!("metric filter root → alarm RootUsage-alarm"));

        // A filter on another group does not count; the missing ones are named.
        let mut filters = cis_filters("ct");
        filters[0].log_group_name = "/app/orders".into();
        let (status, message, evidence) = check(Collected::ok(filters), Collected::ok(cis_alarms())).unwrap();
        assert_eq!(status, Status::Fail);
        assert_eq!(message, "CloudTrail log group ct: no metric filter for root account usage");
        assert_eq!(evidence["root_account_usage"], json!("missing: no metric filter"));

        let mut alarms = cis_alarms();
        alarms[1].alarm_actions.clear();
        alarms.remove(2);
        let (status, message, _) = check(Collected::ok(cis_filters("ct")), Collected::ok(alarms)).unwrap();
        assert_eq!(status, Status::Fail);
        assert!(
            message.contains("alarm ConsoleSigninFailures-alarm on console sign-in failures has no actions"),
            "{message}"
        );
        assert!(
            message.contains("no alarm on the unauthorized API calls metric CISBenchmark/UnauthorizedAPICalls"),
            "{message}"
        );

        // Alarms unread: unknown when every filter is there, a fail when one is missing anyway.
        let denied_alarms = || Collected::Error { error: denied("cloudwatch:DescribeAlarms") };
        let (status, message, _) = check(Collected::ok(cis_filters("ct")), denied_alarms()).unwrap();
        assert_eq!(status, Status::Unknown);
        assert!(message.contains("missing permission cloudwatch:DescribeAlarms"), "{message}");
        let (status, _, _) = check(Collected::ok(cis_filters("ct")[..2].to_vec()), denied_alarms()).unwrap();
        assert_eq!(status, Status::Fail);

        let (status, message, _) =
            check(Collected::Error { error: denied("logs:DescribeMetricFilters") }, Collected::ok(cis_alarms()))
                .unwrap();
        assert_eq!(status, Status::Unknown);
        assert!(message.contains("logs:DescribeMetricFilters"), "{message}");
    }

    /// The verdict table of `cloudwatch-cloudtrail-alarms` at account level: what an account with no CloudTrail log
    /// group of its own gets (before, nothing at all).
    #[test]
    fn cloudtrail_alarms_account_cases() {
        let org_group = format!("arn:aws:logs:us-east-1:{MGMT}:log-group:org-trail:*");
        let org_trail = || Trail { is_organization_trail: true, ..trail_to("org", Some(org_group.clone())) };
        let alt_filters = vec![
            filter("root", "ct", r#"{$.userIdentity.type="Root"}"#, "RootUsage"),
            filter(
                "signin",
                "ct",
                r#"{ $.eventName = "ConsoleLogin" && $.responseElements.ConsoleLogin = "Failure" }"#,
                "ConsoleSigninFailures",
            ),
            filter("denied", "ct", r#"{ $.errorCode = "AccessDenied*" }"#, "UnauthorizedAPICalls"),
        ];
        let own = || trails(vec![trail_to("main", Some(format!("{}:*", group_arn("ct"))))]);
        let ct_group = || vec![group("ct", Some(365), &[])];
        let cases: Vec<(&str, Snapshot, Status, &str)> = vec![
            (
                "compliant: CIS filters with alarms",
                logs_snap(ct_group(), Collected::ok(cis_filters("ct")), own(), Collected::ok(cis_alarms())),
                Status::Pass,
                "alarms on root account usage",
            ),
            (
                "non-compliant: no trail delivers to CloudWatch Logs",
                logs_snap(
                    vec![group("/app/orders", None, &[])],
                    Collected::ok(vec![]),
                    trails(vec![trail_to("main", None)]),
                    Collected::ok(vec![]),
                ),
                Status::Fail,
                "no trail this account can see delivers to CloudWatch Logs",
            ),
            (
                "non-compliant: no trail at all",
                logs_snap(vec![], Collected::ok(vec![]), trails(vec![]), Collected::ok(vec![])),
                Status::Fail,
                "metric filters and alarms on root account usage",
            ),
            (
                "near miss: filters on another log group",
                logs_snap(ct_group(), Collected::ok(cis_filters("/app/orders")), own(), Collected::ok(cis_alarms())),
                Status::Fail,
                "no metric filter for root account usage",
            ),
            (
                "alternative: other spellings of the filters",
                logs_snap(ct_group(), Collected::ok(alt_filters), own(), Collected::ok(cis_alarms())),
                Status::Pass,
                "console sign-in failures",
            ),
            (
                "alternative: the organization trail's group, judged in the management account",
                {
                    let mut s =
                        logs_snap(vec![], Collected::ok(vec![]), trails(vec![org_trail()]), Collected::ok(vec![]));
                    s.accounts.push(account(MGMT, Some(MGMT), vec![region("us-east-1")]));
                    s
                },
                Status::Skipped,
                "where its metric filters and alarms are judged",
            ),
            (
                "unreadable: trails denied",
                logs_snap(
                    vec![],
                    Collected::ok(vec![]),
                    Collected::Error { error: denied("cloudtrail:DescribeTrails") },
                    Collected::ok(vec![]),
                ),
                Status::Unknown,
                "cloudtrail:DescribeTrails",
            ),
            (
                "unreadable: metric filters denied",
                logs_snap(
                    ct_group(),
                    Collected::Error { error: denied("logs:DescribeMetricFilters") },
                    own(),
                    Collected::ok(cis_alarms()),
                ),
                Status::Unknown,
                "logs:DescribeMetricFilters",
            ),
            (
                "partial: the organization trail's group lives in an account not audited",
                logs_snap(vec![], Collected::ok(vec![]), trails(vec![org_trail()]), Collected::ok(vec![])),
                Status::Unknown,
                "which this audit did not cover",
            ),
        ];
        for (name, snap, want, text) in cases {
            let out: Vec<Outcome> = run(cloudtrail_alarms, &snap).into_iter().filter(|o| o.account == ACCT).collect();
            assert_eq!(out.len(), 1, "{name}: {out:?}");
            assert_eq!(out[0].status, want, "{name}: {}", out[0].message);
            assert!(out[0].message.contains(text), "{name}: {}", out[0].message);
        }
    }

    #[test]
    fn metric_stream_cases() {
        let stream = |name: &str, state: &str| MetricStream {
            name: name.into(),
            arn: format!("arn:aws:cloudwatch:us-east-1:{ACCT}:metric-stream/{name}"),
            state: state.into(),
            firehose_arn: Some("arn:aws:firehose:us-east-1:111111111111:deliverystream/metrics".into()),
            output_format: Some("json".into()),
        };
        let s = snap(|name, r| {
            let metric_streams = if name == "us-east-1" {
                Collected::ok(vec![stream("lake", "running"), stream("partner", "stopped"), stream("odd", "")])
            } else {
                Collected::Error { error: denied("cloudwatch:ListMetricStreams") }
            };
            r.monitoring.cloudwatch = Collected::ok(CloudWatchData { alarms: Collected::ok(vec![]), metric_streams });
        });
        let out = run(metric_streams, &s);
        assert_eq!(
            places(&out),
            vec![
                ("eu-west-1".into(), ACCT.into(), Status::Unknown),
                ("us-east-1".into(), format!("arn:aws:cloudwatch:us-east-1:{ACCT}:metric-stream/lake"), Status::Pass),
                ("us-east-1".into(), format!("arn:aws:cloudwatch:us-east-1:{ACCT}:metric-stream/odd"), Status::Unknown),
                (
                    "us-east-1".into(),
                    format!("arn:aws:cloudwatch:us-east-1:{ACCT}:metric-stream/partner"),
                    Status::Fail
                ),
            ]
        );
        // Rows: compliant (lake, running), non-compliant (partner, stopped), unreadable (eu-west-1, denied), absent
        // state (odd: unknown, not "stopped"). Near miss: none visible; a running stream whose Firehose delivery
        // fails is Firehose's to report. Alternative: none; no other CloudWatch mechanism pushes metrics out
        // continuously. Partial read: the listing is all or nothing.
    }

    // ---- SQS ----

    fn queue(name: &str, retention: u32, redrive_to: Option<&str>) -> Queue {
        Queue {
            name: name.into(),
            url: format!("https://sqs.us-east-1.amazonaws.com/{ACCT}/{name}"),
            arn: qarn(name),
            attributes: Collected::ok(QueueAttributes {
                fifo: name.ends_with(".fifo"),
                message_retention_seconds: Some(retention),
                redrive_policy: redrive_to
                    .map(|t| RedrivePolicy { dead_letter_target_arn: Some(qarn(t)), max_receive_count: Some(5) }),
                redrive_permission: None,
            }),
        }
    }

    fn qarn(name: &str) -> String {
        format!("arn:aws:sqs:us-east-1:{ACCT}:{name}")
    }

    fn sqs_snap(queues: Vec<Queue>, alarms: Collected<Vec<MetricAlarm>>) -> Snapshot {
        let mut r = region("us-east-1");
        r.monitoring.sqs = Collected::ok(SqsData { queues });
        r.monitoring.cloudwatch = Collected::ok(CloudWatchData { alarms, metric_streams: Collected::ok(vec![]) });
        snapshot(vec![account(ACCT, None, vec![r])])
    }

    const DAY: u32 = 86_400;

    /// Runs `f` over one region holding `queues` (and `alarms`); the outcome about queue `subject`.
    fn sqs_verdict(f: Evaluator, queues: &[Queue], alarms: Collected<Vec<MetricAlarm>>, subject: &str) -> Outcome {
        let out = run(f, &sqs_snap(queues.to_vec(), alarms));
        let found = out.iter().find(|o| o.resource == qarn(subject)).cloned();
        found.unwrap_or_else(|| panic!("no outcome about {subject}: {out:?}"))
    }

    fn unreadable(name: &str) -> Queue {
        Queue { attributes: Collected::Error { error: denied("sqs:GetQueueAttributes") }, ..queue(name, DAY, None) }
    }

    fn with_attrs(q: Queue, change: impl Fn(&mut QueueAttributes)) -> Queue {
        let mut q = q;
        if let Collected::Ok { data } = &mut q.attributes {
            change(data);
        }
        q
    }

    type SqsRow = (&'static str, Vec<Queue>, &'static str, Status, &'static str);

    fn sqs_table(f: Evaluator, alarms: Collected<Vec<MetricAlarm>>, rows: Vec<SqsRow>) {
        for (name, queues, subject, want, text) in rows {
            let o = sqs_verdict(f, &queues, alarms.clone(), subject);
            assert_eq!(o.status, want, "{name}: {}", o.message);
            assert!(o.message.contains(text), "{name}: {}", o.message);
        }
    }

    #[test]
    fn dead_letter_queue_verdicts() {
        let pair = || vec![queue("orders", 4 * DAY, Some("orders-dlq")), queue("orders-dlq", 14 * DAY, None)];
        let no_target = with_attrs(queue("half", 4 * DAY, None), |a| {
            a.redrive_policy = Some(RedrivePolicy { dead_letter_target_arn: None, max_receive_count: Some(5) })
        });
        let by_queue = with_attrs(queue("parking", 14 * DAY, None), |a| a.redrive_permission = Some("byQueue".into()));
        let rows: Vec<SqsRow> = vec![
            (
                "compliant",
                pair(),
                "orders",
                Status::Pass,
                "moves failing messages to arn:aws:sqs:us-east-1:111111111111:orders-dlq after 5 receives",
            ),
            (
                "no redrive policy",
                vec![queue("legacy", 4 * DAY, None)],
                "legacy",
                Status::Fail,
                "has no redrive policy",
            ),
            (
                "near miss: the DLQ was deleted",
                vec![queue("broken", 4 * DAY, Some("deleted"))],
                "broken",
                Status::Fail,
                "which does not exist",
            ),
            (
                "near miss: a redrive policy without a target",
                vec![no_target],
                "half",
                Status::Fail,
                "names no dead-letter queue",
            ),
            (
                "alternative: it is the DLQ of another queue",
                pair(),
                "orders-dlq",
                Status::Skipped,
                "dead-letter queue of orders",
            ),
            (
                "alternative: a byQueue redrive allow policy",
                vec![by_queue],
                "parking",
                Status::Skipped,
                "redrive allow policy",
            ),
            (
                "alternative: named as a DLQ",
                vec![queue("payments-dlq", 14 * DAY, None)],
                "payments-dlq",
                Status::Skipped,
                "by its name",
            ),
            ("unreadable attributes", vec![unreadable("secret")], "secret", Status::Unknown, "sqs:GetQueueAttributes"),
            (
                "partial read: an unread queue may redrive to it",
                vec![queue("legacy", 4 * DAY, None), unreadable("secret")],
                "legacy",
                Status::Unknown,
                "may be the dead-letter queue of secret",
            ),
        ];
        sqs_table(dead_letter_queue, Collected::ok(vec![]), rows);
        let mut s = sqs_snap(vec![], Collected::ok(vec![]));
        s.accounts[0].regions[0].monitoring.sqs = Collected::Error { error: denied("sqs:ListQueues") };
        let out = run(dead_letter_queue, &s);
        assert_eq!(places(&out), vec![("us-east-1".into(), ACCT.into(), Status::Unknown)]);
        assert!(out[0].message.contains("sqs:ListQueues"));
    }

    #[test]
    fn dlq_alarm_verdicts() {
        let visible = "ApproximateNumberOfMessagesVisible";
        let on_dlq = |name: &str, metric: &str, actions: bool, op: Option<&str>, threshold: Option<f64>| MetricAlarm {
            comparison_operator: op.map(str::to_string),
            threshold,
            ..alarm(name, "AWS/SQS", metric, &[("QueueName", "orders-dlq")], actions)
        };
        let gt = Some("GreaterThanThreshold");
        let rows: Vec<(&str, Vec<MetricAlarm>, Status, &str)> = vec![
            (
                "compliant: > 0 with an action",
                vec![on_dlq("dlq-visible", visible, true, gt, Some(0.0))],
                Status::Pass,
                "alarm dlq-visible watches ApproximateNumberOfMessagesVisible",
            ),
            ("no alarm", vec![], Status::Fail, "failed messages from orders pile up unnoticed"),
            (
                "near miss: NumberOfMessagesSent",
                vec![on_dlq("dlq-sent", "NumberOfMessagesSent", true, gt, Some(0.0))],
                Status::Fail,
                "NumberOfMessagesSent, which does not count",
            ),
            (
                "near miss: no actions",
                vec![on_dlq("dlq-silent", visible, false, gt, Some(0.0))],
                Status::Fail,
                "has no actions",
            ),
            (
                "near miss: fires only above 100",
                vec![on_dlq("dlq-100", visible, true, gt, Some(100.0))],
                Status::Fail,
                "fires only at > 100 visible messages",
            ),
            (
                "near miss: fires when the queue empties",
                vec![on_dlq("dlq-low", visible, true, Some("LessThanThreshold"), Some(1.0))],
                Status::Fail,
                "when the queue empties",
            ),
            (
                "near miss: another queue's alarm",
                vec![alarm("orders-visible", "AWS/SQS", visible, &[("QueueName", "orders")], true)],
                Status::Fail,
                "no alarm watches",
            ),
            (
                "alternative: the age of the oldest message",
                vec![on_dlq(
                    "dlq-age",
                    "ApproximateAgeOfOldestMessage",
                    true,
                    Some("GreaterThanOrEqualToThreshold"),
                    Some(3600.0),
                )],
                Status::Pass,
                "ApproximateAgeOfOldestMessage",
            ),
            (
                "alternative: an anomaly band",
                vec![on_dlq("dlq-band", visible, true, Some("GreaterThanUpperThreshold"), None)],
                Status::Pass,
                "alarm dlq-band",
            ),
            (
                "partial read: the alarm's condition was not collected",
                vec![on_dlq("dlq-old", visible, true, None, None)],
                Status::Unknown,
                "comparison and threshold were not collected",
            ),
        ];
        let queues = [queue("orders", 4 * DAY, Some("orders-dlq")), queue("orders-dlq", 14 * DAY, None)];
        for (name, alarms, want, text) in rows {
            let o = sqs_verdict(dlq_alarm, &queues, Collected::ok(alarms), "orders-dlq");
            assert_eq!(o.status, want, "{name}: {}", o.message);
            assert!(o.message.contains(text), "{name}: {}", o.message);
        }
        let o = sqs_verdict(
            dlq_alarm,
            &queues,
            Collected::Error { error: denied("cloudwatch:DescribeAlarms") },
            "orders-dlq",
        );
        assert_eq!(o.status, Status::Unknown, "unreadable alarms");
        assert!(o.message.contains("cloudwatch:DescribeAlarms"), "{}", o.message);
        // Partial read: a queue whose redrive policy is unknown may point at a DLQ nobody watches; it is not passed
        // over in silence (nor left to a "no dead-letter queues here").
        let out = run(
            dlq_alarm,
            &sqs_snap(vec![unreadable("secret"), queue("orders-dlq", 14 * DAY, None)], Collected::ok(vec![])),
        );
        assert_eq!(places(&out), vec![("us-east-1".into(), qarn("secret"), Status::Unknown)]);
        assert!(
            out[0].message.contains("whether it redrives to a dead-letter queue is not known"),
            "{}",
            out[0].message
        );
        assert!(out[0].message.contains("sqs:GetQueueAttributes"), "{}", out[0].message);
    }

    #[test]
    fn dlq_retention_verdicts() {
        let source = |retention: u32| queue("orders", retention, Some("orders-dlq"));
        let unreported = |q: Queue| with_attrs(q, |a| a.message_retention_seconds = None);
        let rows: Vec<SqsRow> = vec![
            (
                "compliant: 14 days after 4",
                vec![source(4 * DAY), queue("orders-dlq", 14 * DAY, None)],
                "orders-dlq",
                Status::Pass,
                "dead-letter queue orders-dlq keeps messages 14 days, longer than orders (4 days)",
            ),
            (
                "equal periods",
                vec![source(14 * DAY), queue("orders-dlq", 14 * DAY, None)],
                "orders-dlq",
                Status::Fail,
                "not longer than orders (14 days)",
            ),
            (
                "near miss: longer than one source, not the other",
                vec![source(DAY), queue("audit", 7 * DAY, Some("orders-dlq")), queue("orders-dlq", 4 * DAY, None)],
                "orders-dlq",
                Status::Fail,
                "not longer than audit (7 days)",
            ),
            (
                "alternative: a FIFO DLQ resets the enqueue time",
                vec![queue("events.fifo", 4 * DAY, Some("events-dlq.fifo")), queue("events-dlq.fifo", DAY, None)],
                "events-dlq.fifo",
                Status::Skipped,
                "FIFO queue",
            ),
            (
                "unreadable DLQ",
                vec![source(DAY), unreadable("orders-dlq")],
                "orders-dlq",
                Status::Unknown,
                "sqs:GetQueueAttributes",
            ),
            (
                "partial read: one source's period unreported",
                vec![
                    source(DAY),
                    unreported(queue("audit", 7 * DAY, Some("orders-dlq"))),
                    queue("orders-dlq", 4 * DAY, None),
                ],
                "orders-dlq",
                Status::Unknown,
                "retention period of audit was not reported",
            ),
            (
                "partial read: an unread queue may be another source",
                vec![source(DAY), queue("orders-dlq", 4 * DAY, None), unreadable("secret")],
                "secret",
                Status::Unknown,
                "whether it redrives to a dead-letter queue is not known",
            ),
        ];
        sqs_table(dlq_retention, Collected::ok(vec![]), rows);
        let out = run(
            dlq_retention,
            &sqs_snap(vec![source(4 * DAY), queue("orders-dlq", 14 * DAY, None)], Collected::ok(vec![])),
        );
        assert_eq!(out[0].evidence["source_retention_seconds"]["orders"], json!(4 * DAY));
    }
}
