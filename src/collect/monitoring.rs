//! Monitoring collector: CloudWatch Logs log groups, metric filters and subscription filters; CloudWatch metric
//! alarms and metric streams; the rules of the default EventBridge bus with their targets; SQS queues with their
//! attributes.
//!
//! The four services are read concurrently. Inside each, the listing call decides the section (when it fails, the
//! section records that error); every other call keeps its own result. Per-resource calls (a log group's
//! subscription filters, a rule's targets, a queue's attributes) run at most [`PER_RESOURCE`] at a time.

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::types as cw;
use aws_sdk_cloudwatchlogs::types as cwl;
use aws_sdk_eventbridge::types as eb;
use aws_sdk_sqs::types::QueueAttributeName;

use super::{bounded, only_if, text, Reads, PER_RESOURCE};
use crate::aws::{classify, AccountAws};
use crate::snapshot::{
    CloudWatchData, Collected, EventBridgeData, EventRule, LogGroup, LogsData, MetricAlarm, MetricFilter, MetricName,
    MetricStream, MonitoringSections, Queue, QueueAttributes, RedrivePolicy, RuleTarget, SqsData, SubscriptionFilter,
    WatchedMetric,
};

/// Everything the monitoring checks read in one (account, region), of the services `reads` selects.
pub async fn collect(aws: &AccountAws, region: &str, reads: &Reads) -> MonitoringSections {
    let (logs, cloudwatch, eventbridge, sqs) = tokio::join!(
        only_if(reads.service("logs"), logs(aws.logs(region))),
        only_if(reads.service("cloudwatch"), cloudwatch(aws.cloudwatch(region))),
        only_if(reads.service("events"), eventbridge(aws.eventbridge(region))),
        only_if(reads.service("sqs"), sqs(aws.sqs(region), region.to_string())),
    );
    MonitoringSections { logs, cloudwatch, eventbridge, sqs }
}

// ---- CloudWatch Logs --------------------------------------------------------------------------------

async fn logs(client: aws_sdk_cloudwatchlogs::Client) -> Collected<LogsData> {
    let listed = match client.describe_log_groups().into_paginator().items().send().try_collect().await {
        Ok(groups) => groups,
        Err(e) => return Collected::Error { error: classify(&e, "logs:DescribeLogGroups") },
    };
    let mut log_groups: Vec<LogGroup> = listed.iter().map(convert_log_group).collect();
    let names: Vec<String> = log_groups.iter().map(|g| g.name.clone()).collect();
    let (metric_filters, subscriptions) = tokio::join!(
        metric_filters(&client),
        bounded(names, PER_RESOURCE, |name| {
            let client = client.clone();
            async move { subscription_filters(&client, &name).await }
        }),
    );
    for (group, filters) in log_groups.iter_mut().zip(subscriptions) {
        group.subscription_filters = filters;
    }
    Collected::ok(LogsData { log_groups, metric_filters })
}

fn convert_log_group(g: &cwl::LogGroup) -> LogGroup {
    let name = g.log_group_name().unwrap_or_default().to_string();
    let arn = g
        .log_group_arn()
        .map(str::to_string)
        .or_else(|| g.arn().map(|a| a.strip_suffix(":*").unwrap_or(a).to_string()))
        .unwrap_or_default();
    LogGroup {
        name,
        arn,
        retention_in_days: g.retention_in_days(),
        kms_key_id: text(g.kms_key_id()),
        stored_bytes: g.stored_bytes(),
        subscription_filters: Collected::NotCollected,
    }
}

async fn metric_filters(client: &aws_sdk_cloudwatchlogs::Client) -> Collected<Vec<MetricFilter>> {
    match client.describe_metric_filters().into_paginator().items().send().try_collect().await {
        Ok(filters) => Collected::ok(
            filters
                .iter()
                .map(|f| MetricFilter {
                    name: f.filter_name().unwrap_or_default().to_string(),
                    log_group_name: f.log_group_name().unwrap_or_default().to_string(),
                    pattern: f.filter_pattern().unwrap_or_default().to_string(),
                    metrics: f
                        .metric_transformations()
                        .iter()
                        .map(|t| MetricName {
                            namespace: t.metric_namespace().to_string(),
                            name: t.metric_name().to_string(),
                        })
                        .collect(),
                })
                .collect(),
        ),
        Err(e) => Collected::Error { error: classify(&e, "logs:DescribeMetricFilters") },
    }
}

async fn subscription_filters(
    client: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
) -> Collected<Vec<SubscriptionFilter>> {
    match client
        .describe_subscription_filters()
        .log_group_name(group)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
    {
        Ok(filters) => Collected::ok(
            filters
                .iter()
                .map(|f| SubscriptionFilter {
                    name: f.filter_name().unwrap_or_default().to_string(),
                    destination_arn: f.destination_arn().unwrap_or_default().to_string(),
                    // An empty pattern matches every event: keep it as the empty string.
                    filter_pattern: f.filter_pattern().map(str::to_string),
                })
                .collect(),
        ),
        Err(e) => Collected::Error { error: classify(&e, "logs:DescribeSubscriptionFilters") },
    }
}

// ---- CloudWatch -------------------------------------------------------------------------------------

async fn cloudwatch(client: aws_sdk_cloudwatch::Client) -> Collected<CloudWatchData> {
    let (alarms, metric_streams) = tokio::join!(alarms(&client), metric_streams(&client));
    Collected::ok(CloudWatchData { alarms, metric_streams })
}

async fn alarms(client: &aws_sdk_cloudwatch::Client) -> Collected<Vec<MetricAlarm>> {
    match client.describe_alarms().into_paginator().send().try_collect().await {
        Ok(pages) => Collected::ok(pages.iter().flat_map(|p| p.metric_alarms()).map(convert_alarm).collect()),
        Err(e) => Collected::Error { error: classify(&e, "cloudwatch:DescribeAlarms") },
    }
}

fn convert_alarm(a: &cw::MetricAlarm) -> MetricAlarm {
    let mut metrics = Vec::new();
    if let (Some(namespace), Some(name)) = (a.namespace(), a.metric_name()) {
        metrics.push(WatchedMetric {
            namespace: namespace.to_string(),
            name: name.to_string(),
            dimensions: dimensions(a.dimensions()),
        });
    }
    // A metric-math alarm names its metrics in its queries instead.
    for m in a.metrics().iter().filter_map(|q| q.metric_stat()).filter_map(|s| s.metric()) {
        if let (Some(namespace), Some(name)) = (m.namespace(), m.metric_name()) {
            metrics.push(WatchedMetric {
                namespace: namespace.to_string(),
                name: name.to_string(),
                dimensions: dimensions(m.dimensions()),
            });
        }
    }
    MetricAlarm {
        name: a.alarm_name().unwrap_or_default().to_string(),
        arn: a.alarm_arn().unwrap_or_default().to_string(),
        state: a.state_value().map(|s| s.as_str().to_string()),
        actions_enabled: a.actions_enabled().unwrap_or(true),
        alarm_actions: a.alarm_actions().to_vec(),
        metrics,
        comparison_operator: a.comparison_operator().map(|c| c.as_str().to_string()),
        threshold: a.threshold(),
    }
}

fn dimensions(dims: &[cw::Dimension]) -> BTreeMap<String, String> {
    dims.iter().filter_map(|d| Some((d.name()?.to_string(), d.value().unwrap_or_default().to_string()))).collect()
}

async fn metric_streams(client: &aws_sdk_cloudwatch::Client) -> Collected<Vec<MetricStream>> {
    match client.list_metric_streams().into_paginator().send().try_collect().await {
        Ok(pages) => Collected::ok(
            pages
                .iter()
                .flat_map(|p| p.entries())
                .map(|s| MetricStream {
                    name: s.name().unwrap_or_default().to_string(),
                    arn: s.arn().unwrap_or_default().to_string(),
                    state: s.state().unwrap_or_default().to_string(),
                    firehose_arn: text(s.firehose_arn()),
                    output_format: s.output_format().map(|f| f.as_str().to_string()),
                })
                .collect(),
        ),
        Err(e) => Collected::Error { error: classify(&e, "cloudwatch:ListMetricStreams") },
    }
}

// ---- EventBridge ------------------------------------------------------------------------------------

async fn eventbridge(client: aws_sdk_eventbridge::Client) -> Collected<EventBridgeData> {
    // ListRules has no paginator in the SDK: follow NextToken by hand.
    let mut listed = Vec::new();
    let mut token: Option<String> = None;
    loop {
        match client.list_rules().set_next_token(token.take()).send().await {
            Ok(out) => {
                listed.extend(out.rules().iter().map(convert_rule));
                match out.next_token() {
                    Some(next) if !next.is_empty() => token = Some(next.to_string()),
                    _ => break,
                }
            }
            Err(e) => return Collected::Error { error: classify(&e, "events:ListRules") },
        }
    }
    let names: Vec<String> = listed.iter().map(|r| r.name.clone()).collect();
    let targets = bounded(names, PER_RESOURCE, |name| {
        let client = client.clone();
        async move { rule_targets(&client, &name).await }
    })
    .await;
    for (rule, found) in listed.iter_mut().zip(targets) {
        rule.targets = found;
    }
    Collected::ok(EventBridgeData { rules: listed })
}

fn convert_rule(r: &eb::Rule) -> EventRule {
    let event_pattern = text(r.event_pattern());
    let summary = event_pattern.as_deref().map(summarize_pattern).unwrap_or_default();
    EventRule {
        name: r.name().unwrap_or_default().to_string(),
        arn: r.arn().unwrap_or_default().to_string(),
        state: r.state().map_or("ENABLED", |s| s.as_str()).to_string(),
        event_pattern,
        schedule_expression: text(r.schedule_expression()),
        sources: summary.sources,
        detail_types: summary.detail_types,
        pattern_error: summary.error,
        managed_by: text(r.managed_by()),
        targets: Collected::NotCollected,
    }
}

/// What a pattern lists under `source` and `detail-type` (the exact values; content filters such as
/// `{"prefix": "aws."}` are left to the evaluators, which read the whole pattern).
#[derive(Debug, Default, PartialEq)]
struct PatternSummary {
    sources: Vec<String>,
    detail_types: Vec<String>,
    error: Option<String>,
}

fn summarize_pattern(pattern: &str) -> PatternSummary {
    let value: serde_json::Value = match serde_json::from_str(pattern) {
        Ok(v) => v,
        Err(e) => {
            return PatternSummary { error: Some(format!("the event pattern is not JSON: {e}")), ..Default::default() }
        }
    };
    if !value.is_object() {
        return PatternSummary { error: Some("the event pattern is not a JSON object".into()), ..Default::default() };
    }
    let exact = |key: &str| -> Vec<String> {
        value
            .get(key)
            .and_then(|v| v.as_array())
            .map(|items| items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    PatternSummary { sources: exact("source"), detail_types: exact("detail-type"), error: None }
}

async fn rule_targets(client: &aws_sdk_eventbridge::Client, rule: &str) -> Collected<Vec<RuleTarget>> {
    let mut targets = Vec::new();
    let mut token: Option<String> = None;
    loop {
        match client.list_targets_by_rule().rule(rule).set_next_token(token.take()).send().await {
            Ok(out) => {
                targets.extend(
                    out.targets().iter().map(|t| RuleTarget { id: t.id().to_string(), arn: t.arn().to_string() }),
                );
                match out.next_token() {
                    Some(next) if !next.is_empty() => token = Some(next.to_string()),
                    _ => return Collected::ok(targets),
                }
            }
            Err(e) => return Collected::Error { error: classify(&e, "events:ListTargetsByRule") },
        }
    }
}

// ---- SQS --------------------------------------------------------------------------------------------

async fn sqs(client: aws_sdk_sqs::Client, region: String) -> Collected<SqsData> {
    let urls = match client.list_queues().into_paginator().items().send().try_collect().await {
        Ok(urls) => urls,
        Err(e) => return Collected::Error { error: classify(&e, "sqs:ListQueues") },
    };
    let mut queues: Vec<Queue> = urls
        .iter()
        .map(|url| {
            let name = url.rsplit('/').next().unwrap_or(url).to_string();
            Queue { arn: queue_arn_from_url(url, &region), name, url: url.clone(), attributes: Collected::NotCollected }
        })
        .collect();
    let read = bounded(urls, PER_RESOURCE, |url| {
        let client = client.clone();
        async move { queue_attributes(&client, &url).await }
    })
    .await;
    for (queue, (arn, attributes)) in queues.iter_mut().zip(read) {
        if let Some(arn) = arn {
            queue.arn = arn;
        }
        queue.attributes = attributes;
    }
    Collected::ok(SqsData { queues })
}

/// A queue's attributes, with its ARN as SQS reports it.
async fn queue_attributes(client: &aws_sdk_sqs::Client, url: &str) -> (Option<String>, Collected<QueueAttributes>) {
    let out = match client.get_queue_attributes().queue_url(url).attribute_names(QueueAttributeName::All).send().await {
        Ok(out) => out,
        Err(e) => return (None, Collected::Error { error: classify(&e, "sqs:GetQueueAttributes") }),
    };
    let empty = std::collections::HashMap::new();
    let attrs = out.attributes().unwrap_or(&empty);
    let get = |name: QueueAttributeName| attrs.get(&name).map(String::as_str).filter(|v| !v.is_empty());
    let attributes = QueueAttributes {
        fifo: get(QueueAttributeName::FifoQueue) == Some("true"),
        message_retention_seconds: get(QueueAttributeName::MessageRetentionPeriod).and_then(|v| v.parse().ok()),
        redrive_policy: get(QueueAttributeName::RedrivePolicy).map(parse_redrive_policy),
        redrive_permission: get(QueueAttributeName::RedriveAllowPolicy).and_then(redrive_permission),
    };
    (get(QueueAttributeName::QueueArn).map(str::to_string), Collected::ok(attributes))
}

/// `{"deadLetterTargetArn": "...", "maxReceiveCount": 5}`; SQS has sent the count both as a number and as a string.
fn parse_redrive_policy(raw: &str) -> RedrivePolicy {
    let value: serde_json::Value = serde_json::from_str(raw).unwrap_or_default();
    let count = &value["maxReceiveCount"];
    RedrivePolicy {
        dead_letter_target_arn: value["deadLetterTargetArn"].as_str().filter(|s| !s.is_empty()).map(str::to_string),
        max_receive_count: count
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .or_else(|| count.as_str().and_then(|s| s.parse().ok())),
    }
}

/// `redrivePermission` of a `RedriveAllowPolicy`.
fn redrive_permission(raw: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(raw).ok()?;
    value["redrivePermission"].as_str().map(str::to_string)
}

/// `https://sqs.REGION.amazonaws.com/ACCOUNT/NAME` → `arn:PARTITION:sqs:REGION:ACCOUNT:NAME`.
fn queue_arn_from_url(url: &str, region: &str) -> String {
    let mut parts = url.rsplit('/');
    let name = parts.next().unwrap_or_default();
    let account = parts.next().unwrap_or_default();
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    format!("arn:{partition}:sqs:{region}:{account}:{name}")
}

// ---- Helpers ----------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_summarized_and_bad_ones_kept_as_data() {
        let s = summarize_pattern(
            r#"{"source": ["aws.signin"], "detail-type": ["AWS Console Sign In via CloudTrail"],
                "detail": {"responseElements": {"ConsoleLogin": ["Failure"]}}}"#,
        );
        assert_eq!(s.sources, ["aws.signin"]);
        assert_eq!(s.detail_types, ["AWS Console Sign In via CloudTrail"]);
        assert_eq!(s.error, None);

        // Content filters are not exact values: they stay in the pattern for the evaluators.
        let s = summarize_pattern(r#"{"source": [{"prefix": "aws."}, "custom.app"]}"#);
        assert_eq!(s.sources, ["custom.app"]);
        assert!(s.detail_types.is_empty());

        let s = summarize_pattern(r#"{"source": ["aws.health""#);
        assert!(s.error.as_deref().is_some_and(|e| e.starts_with("the event pattern is not JSON")), "{s:?}");
        assert!(s.sources.is_empty());
        let s = summarize_pattern(r#"["aws.health"]"#);
        assert_eq!(s.error.as_deref(), Some("the event pattern is not a JSON object"));
    }

    #[test]
    fn redrive_policies_read_both_count_forms() {
        let p = parse_redrive_policy(r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:1:dlq","maxReceiveCount":5}"#);
        assert_eq!(p.dead_letter_target_arn.as_deref(), Some("arn:aws:sqs:us-east-1:1:dlq"));
        assert_eq!(p.max_receive_count, Some(5));
        let p = parse_redrive_policy(r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:1:dlq","maxReceiveCount":"3"}"#);
        assert_eq!(p.max_receive_count, Some(3));
        let p = parse_redrive_policy("not json");
        assert_eq!((p.dead_letter_target_arn, p.max_receive_count), (None, None));
        assert_eq!(
            redrive_permission(r#"{"redrivePermission":"byQueue","sourceQueueArns":["a"]}"#).as_deref(),
            Some("byQueue")
        );
        assert_eq!(redrive_permission("{}"), None);
    }

    #[test]
    fn queue_arns_are_built_from_urls() {
        assert_eq!(
            queue_arn_from_url("https://sqs.eu-west-1.amazonaws.com/222222222222/orders.fifo", "eu-west-1"),
            "arn:aws:sqs:eu-west-1:222222222222:orders.fifo"
        );
        assert_eq!(
            queue_arn_from_url("https://sqs.cn-north-1.amazonaws.com.cn/1/q", "cn-north-1"),
            "arn:aws-cn:sqs:cn-north-1:1:q"
        );
    }
}
