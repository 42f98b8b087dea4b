//! The monitoring and event-routing services of one region: CloudWatch Logs, CloudWatch, EventBridge and SQS.
//!
//! Each section holds its own listing call; a per-resource or independent call that can fail on its own (a
//! log group's subscription filters, a rule's targets, a queue's attributes, the region's alarms) is kept as its
//! own `Collected`, so a denied call marks only its piece of data.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Collected, CollectionError};

/// The monitoring and event-routing services of one region.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MonitoringSections {
    #[serde(default)]
    pub logs: Collected<LogsData>,
    #[serde(default)]
    pub cloudwatch: Collected<CloudWatchData>,
    #[serde(default)]
    pub eventbridge: Collected<EventBridgeData>,
    #[serde(default)]
    pub sqs: Collected<SqsData>,
}

impl MonitoringSections {
    /// Every section marked with the same reason (a disabled region, an unreachable account).
    pub fn unavailable(error: &CollectionError) -> Self {
        Self {
            logs: Collected::Error { error: error.clone() },
            cloudwatch: Collected::Error { error: error.clone() },
            eventbridge: Collected::Error { error: error.clone() },
            sqs: Collected::Error { error: error.clone() },
        }
    }
}

// ---- CloudWatch Logs --------------------------------------------------------------------------------

/// CloudWatch Logs in one region: the log groups (`DescribeLogGroups`, the section's own call) and the region's
/// metric filters.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LogsData {
    pub log_groups: Vec<LogGroup>,
    /// `DescribeMetricFilters` over every log group of the region.
    #[serde(default)]
    pub metric_filters: Collected<Vec<MetricFilter>>,
}

/// One log group, kept compact: what retention, encryption and streaming checks read.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LogGroup {
    pub name: String,
    /// The log group's ARN, without the `:*` suffix `DescribeLogGroups` also reports.
    pub arn: String,
    /// Days events are kept; absent when they never expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_in_days: Option<i32>,
    /// The KMS key that encrypts the group, when one is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_bytes: Option<i64>,
    /// `DescribeSubscriptionFilters` on this group (at most two per group).
    #[serde(default)]
    pub subscription_filters: Collected<Vec<SubscriptionFilter>>,
}

/// A subscription filter: where a log group's matching events are streamed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SubscriptionFilter {
    pub name: String,
    /// A Kinesis stream, Firehose stream, Lambda function or (cross-account) CloudWatch Logs destination.
    pub destination_arn: String,
    /// The filter pattern: `""` streams every event; absent when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_pattern: Option<String>,
}

/// A metric filter: log events matching `pattern` increment the named metrics.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MetricFilter {
    pub name: String,
    pub log_group_name: String,
    /// The filter pattern, as written (`{ $.userIdentity.type = "Root" … }`).
    #[serde(default)]
    pub pattern: String,
    /// The metrics it publishes (`metricTransformations`).
    #[serde(default)]
    pub metrics: Vec<MetricName>,
}

/// A CloudWatch metric by namespace and name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricName {
    pub namespace: String,
    pub name: String,
}

// ---- CloudWatch -------------------------------------------------------------------------------------

/// CloudWatch in one region. Its two calls are independent; each keeps its own result.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CloudWatchData {
    /// `DescribeAlarms`: the metric alarms.
    #[serde(default)]
    pub alarms: Collected<Vec<MetricAlarm>>,
    /// `ListMetricStreams`.
    #[serde(default)]
    pub metric_streams: Collected<Vec<MetricStream>>,
}

/// A metric alarm and the metrics it watches.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MetricAlarm {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub arn: String,
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Whether actions run on state changes at all.
    #[serde(default)]
    pub actions_enabled: bool,
    /// What runs when the alarm fires (SNS topics, Auto Scaling policies, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alarm_actions: Vec<String>,
    /// The metric of a single-metric alarm, or every metric a metric-math alarm reads.
    #[serde(default)]
    pub metrics: Vec<WatchedMetric>,
    /// `GreaterThanThreshold`, `LessThanThreshold`, `GreaterThanUpperThreshold` …; absent when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison_operator: Option<String>,
    /// The static threshold; absent for an anomaly-detection alarm, or when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
}

impl MetricAlarm {
    /// The alarm notifies or acts when it fires.
    pub fn acts(&self) -> bool {
        self.actions_enabled && !self.alarm_actions.is_empty()
    }
}

/// One metric an alarm reads, with its dimensions.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WatchedMetric {
    pub namespace: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dimensions: BTreeMap<String, String>,
}

/// A metric stream to Amazon Data Firehose.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MetricStream {
    pub name: String,
    pub arn: String,
    /// `running` or `stopped`.
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firehose_arn: Option<String>,
    /// `json` or `opentelemetry0.7` / `opentelemetry1.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_format: Option<String>,
}

// ---- EventBridge ------------------------------------------------------------------------------------

/// The rules of the region's default event bus (`ListRules`), where AWS services deliver their events.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EventBridgeData {
    pub rules: Vec<EventRule>,
}

/// An EventBridge rule, with its pattern as written and the sources and detail types read from it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EventRule {
    pub name: String,
    #[serde(default)]
    pub arn: String,
    /// `ENABLED`, `DISABLED` or `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`.
    pub state: String,
    /// The event pattern JSON, as stored; absent for a scheduled rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_pattern: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_expression: Option<String>,
    /// The exact `source` values the pattern lists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// The exact `detail-type` values the pattern lists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub detail_types: Vec<String>,
    /// Why the pattern could not be read, when it is not valid JSON (the rule then matches nothing here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_error: Option<String>,
    /// The service that manages the rule, for rules created on a service's behalf.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<String>,
    /// `ListTargetsByRule`.
    #[serde(default)]
    pub targets: Collected<Vec<RuleTarget>>,
}

impl EventRule {
    /// Whether the rule is on (either of the enabled states).
    pub fn enabled(&self) -> bool {
        self.state.starts_with("ENABLED")
    }
}

/// Where a rule sends matching events.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RuleTarget {
    pub id: String,
    pub arn: String,
}

// ---- SQS --------------------------------------------------------------------------------------------

/// The region's queues (`ListQueues`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SqsData {
    pub queues: Vec<Queue>,
}

/// One queue; its attributes are a call of their own.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Queue {
    pub name: String,
    pub url: String,
    /// The queue's ARN (from its attributes, or built from its URL when they could not be read).
    pub arn: String,
    /// `GetQueueAttributes` (All).
    #[serde(default)]
    pub attributes: Collected<QueueAttributes>,
}

/// The attributes of a queue that the dead-letter checks read.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QueueAttributes {
    #[serde(default)]
    pub fifo: bool,
    /// How long a message is kept, in seconds (60 to 1,209,600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_retention_seconds: Option<u32>,
    /// Where messages go after too many receives, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redrive_policy: Option<RedrivePolicy>,
    /// `RedriveAllowPolicy.redrivePermission`: `allowAll`, `denyAll` or `byQueue`, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redrive_permission: Option<String>,
}

/// A source queue's redrive policy.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RedrivePolicy {
    /// The dead-letter queue's ARN; absent when the policy does not name one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter_target_arn: Option<String>,
    /// Receives before a message is moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_receive_count: Option<u32>,
}
