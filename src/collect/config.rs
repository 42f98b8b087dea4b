//! AWS Config collector: one region's recorders, delivery channels, rules and their compliance, aggregators,
//! conformance packs, remediations and organization rules, turned into the snapshot's `ConfigData`.
//!
//! The recorders are the section's own call: when they cannot be read, nothing else about Config in the region
//! is trusted and the whole section records that error. Every other call keeps its own result, so one denied or
//! throttled call marks only its own piece of data and the evaluators can still judge the rest.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error as StdError;
use std::fmt;

use aws_sdk_config::types as cfg;
use aws_sdk_config::Client;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use chrono::{DateTime, Utc};

use super::text;
use crate::aws::errors::classify;
use crate::snapshot::{
    Collected, ConfigAggregator, ConfigData, ConfigRecorder, ConfigRule, ConformancePack, DeliveryChannel,
    DeliveryChannelStatus, OrganizationConfigRule, PackRuleCompliance, RecorderStatus, RemediationConfig,
    RuleCompliance, RuleEvaluationStatus,
};

/// `DescribeRemediationConfigurations` accepts at most this many rule names per call.
const REMEDIATION_BATCH: usize = 25;

/// What AWS reports for a rule or pack rule that has no verdict yet; used when the compliance type is absent.
const NO_VERDICT: &str = "INSUFFICIENT_DATA";

/// AWS Config in the client's account and region. Called once per (account, region).
pub async fn collect(client: &Client) -> Collected<ConfigData> {
    let recorders = match client.describe_configuration_recorders().send().await {
        Ok(out) => out.configuration_recorders().iter().map(convert_recorder).collect(),
        Err(e) => return Collected::Error { error: classify(&e, "config:DescribeConfigurationRecorders") },
    };
    // Config rate-limits each API on its own, so these different calls do not compete for one budget; and the
    // fan-out is fixed (at most nine requests in flight) whatever the size of the account.
    let (
        recorder_statuses,
        delivery_channels,
        delivery_channel_statuses,
        (rules, rule_parameters, remediations),
        compliance_by_rule,
        rule_evaluation_statuses,
        aggregators,
        conformance_packs,
        organization_rules,
    ) = tokio::join!(
        recorder_statuses(client),
        delivery_channels(client),
        delivery_channel_statuses(client),
        rules_and_remediations(client),
        compliance_by_rule(client),
        rule_evaluation_statuses(client),
        aggregators(client),
        conformance_packs(client),
        organization_rules(client),
    );
    Collected::ok(ConfigData {
        recorders,
        recorder_statuses,
        delivery_channels,
        rules,
        rule_parameters,
        compliance_by_rule,
        aggregators,
        delivery_channel_statuses,
        rule_evaluation_statuses,
        conformance_packs,
        remediations,
        organization_rules,
    })
}

/// One call's items as snapshot data, or the call's classified error: a failure is never an empty list.
fn gather<T, U, E, R>(
    result: Result<Vec<T>, SdkError<E, R>>,
    permission: &str,
    convert: impl Fn(&T) -> U,
) -> Collected<Vec<U>>
where
    E: ProvideErrorMetadata + StdError + 'static,
    R: fmt::Debug + 'static,
{
    match result {
        Ok(items) => Collected::ok(items.iter().map(convert).collect()),
        Err(e) => Collected::Error { error: classify(&e, permission) },
    }
}

fn convert_recorder(r: &cfg::ConfigurationRecorder) -> ConfigRecorder {
    let group = r.recording_group();
    let strategy = group.and_then(|g| g.recording_strategy()).and_then(|s| s.use_only());
    // The newer recording strategy can say "everything" while the older allSupported flag stays false.
    let all_by_strategy = strategy.is_some_and(|u| *u == cfg::RecordingStrategyType::AllSupportedResourceTypes);
    ConfigRecorder {
        name: r.name().unwrap_or_default().to_string(),
        role_arn: text(r.role_arn()),
        all_supported: group.is_some_and(|g| g.all_supported()) || all_by_strategy,
        include_global_resource_types: group.is_some_and(|g| g.include_global_resource_types()),
        resource_types: group.map(|g| type_names(g.resource_types())).unwrap_or_default(),
        excluded_resource_types: group
            .and_then(|g| g.exclusion_by_resource_types())
            .map(|x| type_names(x.resource_types()))
            .unwrap_or_default(),
        recording_strategy: strategy.map(|s| s.as_str().to_string()),
        // The listing may hold service-linked recorders beside the customer-managed one: these say which is which.
        service_principal: text(r.service_principal()),
        recording_scope: r.recording_scope().map(|s| s.as_str().to_string()),
    }
}

fn type_names(types: &[cfg::ResourceType]) -> Vec<String> {
    types.iter().map(|t| t.as_str().to_string()).collect()
}

async fn recorder_statuses(client: &Client) -> Collected<Vec<RecorderStatus>> {
    let result = client
        .describe_configuration_recorder_status()
        .send()
        .await
        .map(|o| o.configuration_recorders_status.unwrap_or_default());
    gather(result, "config:DescribeConfigurationRecorderStatus", |s| RecorderStatus {
        name: s.name().unwrap_or_default().to_string(),
        recording: s.recording(),
        last_status: s.last_status().map(|l| l.as_str().to_string()),
        last_error_code: text(s.last_error_code()),
    })
}

async fn delivery_channels(client: &Client) -> Collected<Vec<DeliveryChannel>> {
    let result = client.describe_delivery_channels().send().await.map(|o| o.delivery_channels.unwrap_or_default());
    gather(result, "config:DescribeDeliveryChannels", |c| DeliveryChannel {
        name: c.name().unwrap_or_default().to_string(),
        s3_bucket_name: text(c.s3_bucket_name()),
        sns_topic_arn: text(c.sns_topic_arn()),
    })
}

async fn delivery_channel_statuses(client: &Client) -> Collected<Vec<DeliveryChannelStatus>> {
    let result =
        client.describe_delivery_channel_status().send().await.map(|o| o.delivery_channels_status.unwrap_or_default());
    gather(result, "config:DescribeDeliveryChannelStatus", |s| {
        let history = s.config_history_delivery_info();
        let snapshot = s.config_snapshot_delivery_info();
        let stream = s.config_stream_delivery_info();
        let failed = |status: Option<&cfg::DeliveryStatus>| status == Some(&cfg::DeliveryStatus::Failure);
        // The error worth showing is the failing delivery's (history first: it runs continuously).
        let (last_error_code, last_error_message) = if failed(history.and_then(|h| h.last_status())) {
            (history.and_then(|h| h.last_error_code()), history.and_then(|h| h.last_error_message()))
        } else if failed(snapshot.and_then(|h| h.last_status())) {
            (snapshot.and_then(|h| h.last_error_code()), snapshot.and_then(|h| h.last_error_message()))
        } else if failed(stream.and_then(|h| h.last_status())) {
            (stream.and_then(|h| h.last_error_code()), stream.and_then(|h| h.last_error_message()))
        } else {
            (None, None)
        };
        DeliveryChannelStatus {
            name: s.name().unwrap_or_default().to_string(),
            last_history_status: history.and_then(|h| h.last_status()).map(|l| l.as_str().to_string()),
            last_snapshot_status: snapshot.and_then(|h| h.last_status()).map(|l| l.as_str().to_string()),
            last_stream_status: stream.and_then(|h| h.last_status()).map(|l| l.as_str().to_string()),
            last_error_code: text(last_error_code),
            last_error_message: text(last_error_message),
        }
    })
}

/// The rules with their parameters, then their remediations: remediations can only be asked for by rule name.
async fn rules_and_remediations(
    client: &Client,
) -> (Collected<Vec<ConfigRule>>, Collected<BTreeMap<String, String>>, Collected<Vec<RemediationConfig>>) {
    let result: Result<Vec<cfg::ConfigRule>, _> =
        client.describe_config_rules().into_paginator().items().send().try_collect().await;
    let parameters: BTreeMap<String, String> = result
        .as_ref()
        .map(|rules| {
            rules
                .iter()
                .filter_map(|r| Some((r.config_rule_name()?.to_string(), text(r.input_parameters())?)))
                .collect()
        })
        .unwrap_or_default();
    let rules = gather(result, "config:DescribeConfigRules", convert_rule);
    // Without the rule names there is nothing to ask about: the same error explains every gap.
    let (parameters, remediations) = match &rules {
        Collected::Ok { data } => (Collected::ok(parameters), remediations(client, data).await),
        Collected::Error { error } => {
            (Collected::Error { error: error.clone() }, Collected::Error { error: error.clone() })
        }
        Collected::NotCollected => (Collected::NotCollected, Collected::NotCollected),
    };
    (rules, parameters, remediations)
}

fn convert_rule(r: &cfg::ConfigRule) -> ConfigRule {
    ConfigRule {
        name: r.config_rule_name().unwrap_or_default().to_string(),
        arn: text(r.config_rule_arn()),
        source_owner: r.source().map(|s| s.owner().as_str().to_string()).unwrap_or_default(),
        source_identifier: r.source().and_then(|s| s.source_identifier()).unwrap_or_default().to_string(),
        state: r.config_rule_state().map(|s| s.as_str().to_string()),
    }
}

async fn remediations(client: &Client, rules: &[ConfigRule]) -> Collected<Vec<RemediationConfig>> {
    let names: Vec<String> = rules.iter().filter(|r| !r.name.is_empty()).map(|r| r.name.clone()).collect();
    let mut out = Vec::new();
    for batch in names.chunks(REMEDIATION_BATCH) {
        let result = client
            .describe_remediation_configurations()
            .set_config_rule_names(Some(batch.to_vec()))
            .send()
            .await
            .map(|o| o.remediation_configurations.unwrap_or_default());
        // A failed batch fails the whole list: a partial list would read as "these rules have no remediation".
        match gather(result, "config:DescribeRemediationConfigurations", convert_remediation) {
            Collected::Ok { data } => out.extend(data),
            other => return other,
        }
    }
    Collected::ok(out)
}

fn convert_remediation(r: &cfg::RemediationConfiguration) -> RemediationConfig {
    RemediationConfig {
        rule_name: r.config_rule_name().to_string(),
        target_type: r.target_type().as_str().to_string(),
        target_id: r.target_id().to_string(),
        automatic: r.automatic(),
    }
}

async fn compliance_by_rule(client: &Client) -> Collected<Vec<RuleCompliance>> {
    let result = client.describe_compliance_by_config_rule().into_paginator().items().send().try_collect().await;
    gather(result, "config:DescribeComplianceByConfigRule", |c| {
        let compliance = c.compliance();
        let count = compliance.and_then(|c| c.compliance_contributor_count());
        RuleCompliance {
            rule_name: c.config_rule_name().unwrap_or_default().to_string(),
            compliance: compliance.and_then(|c| c.compliance_type()).map_or(NO_VERDICT, |t| t.as_str()).to_string(),
            non_compliant_resources: count.and_then(|n| u32::try_from(n.capped_count()).ok()),
            count_capped: count.is_some_and(|n| n.cap_exceeded()),
        }
    })
}

async fn rule_evaluation_statuses(client: &Client) -> Collected<Vec<RuleEvaluationStatus>> {
    let result = client.describe_config_rule_evaluation_status().into_paginator().items().send().try_collect().await;
    gather(result, "config:DescribeConfigRuleEvaluationStatus", |s| RuleEvaluationStatus {
        rule_name: s.config_rule_name().unwrap_or_default().to_string(),
        last_successful_evaluation: s.last_successful_evaluation_time().and_then(to_utc),
        last_failed_evaluation: s.last_failed_evaluation_time().and_then(to_utc),
        last_error_code: text(s.last_error_code()),
        last_error_message: text(s.last_error_message()),
    })
}

async fn aggregators(client: &Client) -> Collected<Vec<ConfigAggregator>> {
    let result = client.describe_configuration_aggregators().into_paginator().items().send().try_collect().await;
    gather(result, "config:DescribeConfigurationAggregators", convert_aggregator)
}

fn convert_aggregator(a: &cfg::ConfigurationAggregator) -> ConfigAggregator {
    let org = a.organization_aggregation_source();
    let accounts = a.account_aggregation_sources();
    let mut regions: Vec<String> = org.map(|o| o.aws_regions().to_vec()).unwrap_or_default();
    let mut account_ids = Vec::new();
    for source in accounts {
        regions.extend(source.aws_regions().iter().cloned());
        account_ids.extend(source.account_ids().iter().cloned());
    }
    // Several account sources may name the same region; keep the first mention, in AWS's order.
    dedup_keep_order(&mut regions);
    dedup_keep_order(&mut account_ids);
    ConfigAggregator {
        name: a.configuration_aggregator_name().unwrap_or_default().to_string(),
        arn: text(a.configuration_aggregator_arn()),
        organization_source: org.is_some(),
        all_regions: org.is_some_and(|o| o.all_aws_regions()) || accounts.iter().any(|s| s.all_aws_regions()),
        regions,
        account_ids,
    }
}

fn dedup_keep_order(items: &mut Vec<String>) {
    let mut seen = BTreeSet::new();
    items.retain(|i| seen.insert(i.clone()));
}

async fn conformance_packs(client: &Client) -> Collected<Vec<ConformancePack>> {
    let packs = match client.describe_conformance_packs().into_paginator().items().send().try_collect().await {
        Ok(packs) => packs,
        Err(e) => return Collected::Error { error: classify(&e, "config:DescribeConformancePacks") },
    };
    let mut out = Vec::with_capacity(packs.len());
    // One pack at a time: an account may hold many packs, and this already runs beside the other calls.
    for pack in &packs {
        let name = pack.conformance_pack_name();
        let result = client
            .describe_conformance_pack_compliance()
            .conformance_pack_name(name)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await;
        out.push(ConformancePack {
            name: name.to_string(),
            arn: text(Some(pack.conformance_pack_arn())),
            rule_compliance: gather(result, "config:DescribeConformancePackCompliance", |c| PackRuleCompliance {
                rule_name: c.config_rule_name().unwrap_or_default().to_string(),
                compliance: c.compliance_type().map_or(NO_VERDICT, |t| t.as_str()).to_string(),
            }),
        });
    }
    Collected::ok(out)
}

async fn organization_rules(client: &Client) -> Collected<Vec<OrganizationConfigRule>> {
    // Member accounts get OrganizationAccessDeniedException here, which classify() records as not subscribed.
    let result = client.describe_organization_config_rules().into_paginator().items().send().try_collect().await;
    gather(result, "config:DescribeOrganizationConfigRules", |r| OrganizationConfigRule {
        name: r.organization_config_rule_name().to_string(),
        arn: text(Some(r.organization_config_rule_arn())),
        source_identifier: text(r.organization_managed_rule_metadata().map(|m| m.rule_identifier())),
        excluded_accounts: r.excluded_accounts().to_vec(),
    })
}

/// An SDK timestamp as chrono; `None` only for instants chrono cannot represent.
fn to_utc(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use aws_sdk_config::config::retry::RetryConfig;
    use aws_sdk_config::operation::describe_compliance_by_config_rule::DescribeComplianceByConfigRuleOutput;
    use aws_sdk_config::operation::describe_config_rule_evaluation_status::DescribeConfigRuleEvaluationStatusOutput;
    use aws_sdk_config::operation::describe_config_rules::DescribeConfigRulesOutput;
    use aws_sdk_config::operation::describe_configuration_aggregators::DescribeConfigurationAggregatorsOutput;
    use aws_sdk_config::operation::describe_configuration_recorder_status::DescribeConfigurationRecorderStatusOutput;
    use aws_sdk_config::operation::describe_configuration_recorders::DescribeConfigurationRecordersOutput;
    use aws_sdk_config::operation::describe_conformance_pack_compliance::DescribeConformancePackComplianceOutput;
    use aws_sdk_config::operation::describe_conformance_packs::DescribeConformancePacksOutput;
    use aws_sdk_config::operation::describe_delivery_channel_status::DescribeDeliveryChannelStatusOutput;
    use aws_sdk_config::operation::describe_delivery_channels::DescribeDeliveryChannelsOutput;
    use aws_sdk_config::operation::describe_organization_config_rules::DescribeOrganizationConfigRulesOutput;
    use aws_sdk_config::operation::describe_remediation_configurations::DescribeRemediationConfigurationsOutput;
    use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    use super::*;
    use crate::snapshot::ErrorKind;

    const DRIFT: &str = "CLOUDFORMATION_STACK_DRIFT_DETECTION_CHECK";
    const PACK: &str = "operational-best-practices";
    /// 2026-01-01T00:00:00Z.
    const NEW_YEAR: i64 = 1_767_225_600;

    /// One rule per operation the collector may call; each test replaces the ones it is about.
    struct Mocks {
        recorders: Rule,
        recorder_status: Rule,
        channels: Rule,
        channel_status: Rule,
        rules: Rule,
        compliance: Rule,
        evaluation: Rule,
        aggregators: Rule,
        packs: Rule,
        pack_compliance: Rule,
        remediation: Rule,
        org_rules: Rule,
    }

    impl Mocks {
        fn all(&self) -> [&Rule; 12] {
            [
                &self.recorders,
                &self.recorder_status,
                &self.channels,
                &self.channel_status,
                &self.rules,
                &self.compliance,
                &self.evaluation,
                &self.aggregators,
                &self.packs,
                &self.pack_compliance,
                &self.remediation,
                &self.org_rules,
            ]
        }

        /// A client answering only from these rules (any other call panics), with retries off so an error
        /// is answered once and the tests stay fast.
        fn client(&self) -> Client {
            mock_client!(aws_sdk_config, RuleMode::MatchAny, self.all(), |c| c.retry_config(RetryConfig::disabled()))
        }

        /// An account in a management account's region with everything set up.
        fn happy() -> Mocks {
            Mocks {
                recorders: mock!(Client::describe_configuration_recorders).then_output(|| {
                    DescribeConfigurationRecordersOutput::builder()
                        .configuration_recorders(
                            cfg::ConfigurationRecorder::builder()
                                .name("default")
                                .role_arn("arn:aws:iam::111111111111:role/config")
                                .recording_group(
                                    cfg::RecordingGroup::builder()
                                        .all_supported(true)
                                        .include_global_resource_types(true)
                                        .build(),
                                )
                                .build(),
                        )
                        .build()
                }),
                recorder_status: mock!(Client::describe_configuration_recorder_status).then_output(|| {
                    DescribeConfigurationRecorderStatusOutput::builder()
                        .configuration_recorders_status(
                            cfg::ConfigurationRecorderStatus::builder()
                                .name("default")
                                .recording(true)
                                .last_status(cfg::RecorderStatus::Success)
                                .build(),
                        )
                        .build()
                }),
                channels: mock!(Client::describe_delivery_channels).then_output(|| {
                    DescribeDeliveryChannelsOutput::builder()
                        .delivery_channels(
                            cfg::DeliveryChannel::builder()
                                .name("default")
                                .s3_bucket_name("config-bucket")
                                .sns_topic_arn("")
                                .build(),
                        )
                        .build()
                }),
                channel_status: mock!(Client::describe_delivery_channel_status).then_output(|| {
                    DescribeDeliveryChannelStatusOutput::builder()
                        .delivery_channels_status(
                            cfg::DeliveryChannelStatus::builder()
                                .name("default")
                                .config_history_delivery_info(
                                    cfg::ConfigExportDeliveryInfo::builder()
                                        .last_status(cfg::DeliveryStatus::Success)
                                        .build(),
                                )
                                .config_snapshot_delivery_info(
                                    cfg::ConfigExportDeliveryInfo::builder()
                                        .last_status(cfg::DeliveryStatus::Failure)
                                        .last_error_code("AccessDenied")
                                        .build(),
                                )
                                .build(),
                        )
                        .build()
                }),
                rules: mock!(Client::describe_config_rules).then_output(|| {
                    DescribeConfigRulesOutput::builder()
                        .config_rules(managed_rule("drift", DRIFT))
                        .config_rules(
                            cfg::ConfigRule::builder()
                                .config_rule_name("custom")
                                .source(
                                    cfg::Source::builder()
                                        .owner(cfg::Owner::CustomLambda)
                                        .source_identifier("arn:aws:lambda:us-east-1:111111111111:function:check")
                                        .build()
                                        .expect("owner is set"),
                                )
                                .build(),
                        )
                        .build()
                }),
                compliance: mock!(Client::describe_compliance_by_config_rule).then_output(|| {
                    DescribeComplianceByConfigRuleOutput::builder()
                        .compliance_by_config_rules(
                            cfg::ComplianceByConfigRule::builder()
                                .config_rule_name("drift")
                                .compliance(
                                    cfg::Compliance::builder()
                                        .compliance_type(cfg::ComplianceType::NonCompliant)
                                        .compliance_contributor_count(
                                            cfg::ComplianceContributorCount::builder()
                                                .capped_count(100)
                                                .cap_exceeded(true)
                                                .build(),
                                        )
                                        .build(),
                                )
                                .build(),
                        )
                        .compliance_by_config_rules(
                            cfg::ComplianceByConfigRule::builder()
                                .config_rule_name("custom")
                                .compliance(
                                    cfg::Compliance::builder().compliance_type(cfg::ComplianceType::Compliant).build(),
                                )
                                .build(),
                        )
                        .build()
                }),
                evaluation: mock!(Client::describe_config_rule_evaluation_status).then_output(|| {
                    DescribeConfigRuleEvaluationStatusOutput::builder()
                        .config_rules_evaluation_status(
                            cfg::ConfigRuleEvaluationStatus::builder()
                                .config_rule_name("drift")
                                .last_successful_evaluation_time(aws_smithy_types::DateTime::from_secs(NEW_YEAR))
                                .last_failed_evaluation_time(aws_smithy_types::DateTime::from_fractional_secs(
                                    NEW_YEAR - 60,
                                    0.5,
                                ))
                                .last_error_code("InsufficientPermissions")
                                .last_error_message("cloudformation:DescribeStacks denied")
                                .build(),
                        )
                        .build()
                }),
                aggregators: mock!(Client::describe_configuration_aggregators).then_output(|| {
                    DescribeConfigurationAggregatorsOutput::builder()
                        .configuration_aggregators(
                            cfg::ConfigurationAggregator::builder()
                                .configuration_aggregator_name("org")
                                .configuration_aggregator_arn(
                                    "arn:aws:config:us-east-1:111111111111:config-aggregator/org",
                                )
                                .organization_aggregation_source(
                                    cfg::OrganizationAggregationSource::builder()
                                        .role_arn("arn:aws:iam::111111111111:role/aggregator")
                                        .all_aws_regions(true)
                                        .build()
                                        .expect("role is set"),
                                )
                                .build(),
                        )
                        .build()
                }),
                packs: mock!(Client::describe_conformance_packs).then_output(|| {
                    DescribeConformancePacksOutput::builder()
                        .conformance_pack_details(
                            cfg::ConformancePackDetail::builder()
                                .conformance_pack_name(PACK)
                                .conformance_pack_arn(format!(
                                    "arn:aws:config:us-east-1:111111111111:conformance-pack/{PACK}"
                                ))
                                .conformance_pack_id("conformance-pack-1")
                                .build()
                                .expect("required fields are set"),
                        )
                        .build()
                }),
                pack_compliance: mock!(Client::describe_conformance_pack_compliance)
                    .match_requests(|req| req.conformance_pack_name() == Some(PACK))
                    .then_output(|| {
                        DescribeConformancePackComplianceOutput::builder()
                            .conformance_pack_name(PACK)
                            .conformance_pack_rule_compliance_list(
                                cfg::ConformancePackRuleCompliance::builder()
                                    .config_rule_name("s3-versioning")
                                    .compliance_type(cfg::ConformancePackComplianceType::NonCompliant)
                                    .build(),
                            )
                            .build()
                            .expect("pack name is set")
                    }),
                remediation: mock!(Client::describe_remediation_configurations)
                    .then_compute_output(|req| echo_remediations(req.config_rule_names())),
                org_rules: mock!(Client::describe_organization_config_rules).then_output(|| {
                    DescribeOrganizationConfigRulesOutput::builder()
                        .organization_config_rules(
                            cfg::OrganizationConfigRule::builder()
                                .organization_config_rule_name("org-drift")
                                .organization_config_rule_arn(
                                    "arn:aws:config:us-east-1:111111111111:organization-config-rule/org-drift",
                                )
                                .organization_managed_rule_metadata(
                                    cfg::OrganizationManagedRuleMetadata::builder()
                                        .rule_identifier(DRIFT)
                                        .build()
                                        .expect("identifier is set"),
                                )
                                .excluded_accounts("222222222222")
                                .build()
                                .expect("name and arn are set"),
                        )
                        .build()
                }),
            }
        }
    }

    fn managed_rule(name: &str, identifier: &str) -> cfg::ConfigRule {
        cfg::ConfigRule::builder()
            .config_rule_name(name)
            .config_rule_arn(format!("arn:aws:config:us-east-1:111111111111:config-rule/{name}"))
            .config_rule_state(cfg::ConfigRuleState::Active)
            .source(
                cfg::Source::builder()
                    .owner(cfg::Owner::Aws)
                    .source_identifier(identifier)
                    .build()
                    .expect("owner is set"),
            )
            .build()
    }

    /// An automatic SSM remediation for every rule asked about, in the order asked.
    fn echo_remediations(names: &[String]) -> DescribeRemediationConfigurationsOutput {
        let configs = names.iter().map(|n| {
            cfg::RemediationConfiguration::builder()
                .config_rule_name(n)
                .target_type(cfg::RemediationTargetType::SsmDocument)
                .target_id("AWS-PublishSNSNotification")
                .automatic(true)
                .build()
                .expect("required fields are set")
        });
        DescribeRemediationConfigurationsOutput::builder()
            .set_remediation_configurations(Some(configs.collect()))
            .build()
    }

    /// An AWS JSON-protocol error response, as Config sends it.
    fn aws_error(code: &str) -> HttpResponse {
        let body = format!(r#"{{"__type":"{code}","message":"mocked {code}"}}"#);
        HttpResponse::new(StatusCode::try_from(400).expect("valid status"), SdkBody::from(body))
    }

    fn data(c: Collected<ConfigData>) -> ConfigData {
        match c {
            Collected::Ok { data } => data,
            other => panic!("the section should be collected: {other:?}"),
        }
    }

    use crate::collect::test_support::{error, ok};

    #[tokio::test]
    async fn happy_path_fills_every_field() {
        let mocks = Mocks::happy();
        let d = data(collect(&mocks.client()).await);

        assert_eq!(d.recorders.len(), 1);
        let rec = &d.recorders[0];
        assert_eq!(rec.name, "default");
        assert_eq!(rec.role_arn.as_deref(), Some("arn:aws:iam::111111111111:role/config"));
        assert!(rec.all_supported && rec.include_global_resource_types && rec.records_global_types());
        assert!(rec.resource_types.is_empty() && rec.excluded_resource_types.is_empty());

        let statuses = ok(&d.recorder_statuses);
        assert_eq!(statuses.len(), 1);
        assert!(statuses[0].recording);
        assert_eq!(statuses[0].last_status.as_deref(), Some("Success"));

        let channels = ok(&d.delivery_channels);
        assert_eq!(channels[0].s3_bucket_name.as_deref(), Some("config-bucket"));
        assert_eq!(channels[0].sns_topic_arn, None, "an empty topic is no topic");
        let channel_status = &ok(&d.delivery_channel_statuses)[0];
        assert_eq!(channel_status.last_history_status.as_deref(), Some("Success"));
        assert_eq!(channel_status.last_snapshot_status.as_deref(), Some("Failure"));
        assert_eq!(channel_status.last_error_code.as_deref(), Some("AccessDenied"));

        let rules = ok(&d.rules);
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].name, "drift");
        assert_eq!(rules[0].source_owner, "AWS");
        assert_eq!(rules[0].source_identifier, DRIFT);
        assert_eq!(rules[0].state.as_deref(), Some("ACTIVE"));
        assert_eq!(rules[0].arn.as_deref(), Some("arn:aws:config:us-east-1:111111111111:config-rule/drift"));
        assert_eq!(rules[1].source_owner, "CUSTOM_LAMBDA");

        let compliance = ok(&d.compliance_by_rule);
        assert_eq!(compliance.len(), 2);
        assert_eq!(compliance[0].rule_name, "drift");
        assert_eq!(compliance[0].compliance, "NON_COMPLIANT");
        assert_eq!(compliance[0].non_compliant_resources, Some(100));
        assert!(compliance[0].count_capped);
        assert_eq!(compliance[1].compliance, "COMPLIANT");
        assert_eq!(compliance[1].non_compliant_resources, None);
        assert!(!compliance[1].count_capped);

        let eval = &ok(&d.rule_evaluation_statuses)[0];
        assert_eq!(eval.rule_name, "drift");
        assert_eq!(
            eval.last_successful_evaluation.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-01-01T00:00:00+00:00")
        );
        assert_eq!(
            eval.last_failed_evaluation.map(|t| t.to_rfc3339()).as_deref(),
            Some("2025-12-31T23:59:00.500+00:00")
        );
        assert_eq!(eval.last_error_code.as_deref(), Some("InsufficientPermissions"));
        assert_eq!(eval.last_error_message.as_deref(), Some("cloudformation:DescribeStacks denied"));

        let agg = &ok(&d.aggregators)[0];
        assert_eq!(agg.name, "org");
        assert!(agg.organization_source && agg.all_regions);
        assert!(agg.regions.is_empty() && agg.account_ids.is_empty());

        let packs = ok(&d.conformance_packs);
        assert_eq!(packs.len(), 1);
        assert_eq!(packs[0].name, PACK);
        assert_eq!(
            packs[0].arn.as_deref(),
            Some("arn:aws:config:us-east-1:111111111111:conformance-pack/operational-best-practices")
        );
        let pack_rules = ok(&packs[0].rule_compliance);
        assert_eq!(pack_rules.len(), 1);
        assert_eq!(
            (pack_rules[0].rule_name.as_str(), pack_rules[0].compliance.as_str()),
            ("s3-versioning", "NON_COMPLIANT")
        );

        let remediations = ok(&d.remediations);
        assert_eq!(remediations.len(), 2, "one per rule, as the mock answers");
        assert_eq!(remediations[0].rule_name, "drift");
        assert_eq!(remediations[0].target_type, "SSM_DOCUMENT");
        assert_eq!(remediations[0].target_id, "AWS-PublishSNSNotification");
        assert!(remediations[0].automatic);

        let org_rules = ok(&d.organization_rules);
        assert_eq!(org_rules.len(), 1);
        assert_eq!(org_rules[0].name, "org-drift");
        assert_eq!(org_rules[0].source_identifier.as_deref(), Some(DRIFT));
        assert_eq!(org_rules[0].excluded_accounts, vec!["222222222222".to_string()]);

        for (i, rule) in mocks.all().iter().enumerate() {
            assert_eq!(rule.num_calls(), 1, "mock #{i} should be called exactly once");
        }
    }

    #[tokio::test]
    async fn denied_recorders_fail_the_section_and_stop_there() {
        let mocks = Mocks {
            recorders: mock!(Client::describe_configuration_recorders)
                .then_http_response(|| aws_error("AccessDeniedException")),
            ..Mocks::happy()
        };
        let section = collect(&mocks.client()).await;
        let err = error(&section);
        assert_eq!(err.kind, ErrorKind::AccessDenied);
        assert_eq!(err.code, "AccessDeniedException");
        assert_eq!(err.permission.as_deref(), Some("config:DescribeConfigurationRecorders"));
        assert_eq!(mocks.recorders.num_calls(), 1);
        let further: usize = mocks.all()[1..].iter().map(|r| r.num_calls()).sum();
        assert_eq!(further, 0, "no other call after the section's own call failed");
    }

    #[tokio::test]
    async fn a_failed_call_marks_only_its_own_field() {
        let mocks = Mocks {
            compliance: mock!(Client::describe_compliance_by_config_rule)
                .then_http_response(|| aws_error("ThrottlingException")),
            org_rules: mock!(Client::describe_organization_config_rules)
                .then_http_response(|| aws_error("OrganizationAccessDeniedException")),
            ..Mocks::happy()
        };
        let d = data(collect(&mocks.client()).await);

        let throttled = error(&d.compliance_by_rule);
        assert_eq!(throttled.kind, ErrorKind::Throttled);
        assert_eq!(throttled.code, "ThrottlingException");
        assert_eq!(throttled.permission.as_deref(), Some("config:DescribeComplianceByConfigRule"));
        let member = error(&d.organization_rules);
        assert_eq!(member.kind, ErrorKind::NotSubscribed);
        assert_eq!(member.code, "OrganizationAccessDeniedException");
        assert_eq!(member.permission.as_deref(), Some("config:DescribeOrganizationConfigRules"));
        assert_eq!(mocks.compliance.num_calls(), 1, "retries are off in tests: one attempt");

        assert_eq!(d.recorders.len(), 1);
        ok(&d.recorder_statuses);
        ok(&d.delivery_channels);
        ok(&d.delivery_channel_statuses);
        assert_eq!(ok(&d.rules).len(), 2);
        ok(&d.rule_evaluation_statuses);
        ok(&d.aggregators);
        ok(&ok(&d.conformance_packs)[0].rule_compliance);
        assert_eq!(ok(&d.remediations).len(), 2);
    }

    #[tokio::test]
    async fn every_failure_names_its_own_iam_action() {
        let denied = || aws_error("AccessDeniedException");
        let mocks = Mocks {
            recorder_status: mock!(Client::describe_configuration_recorder_status).then_http_response(denied),
            channels: mock!(Client::describe_delivery_channels).then_http_response(denied),
            channel_status: mock!(Client::describe_delivery_channel_status).then_http_response(denied),
            compliance: mock!(Client::describe_compliance_by_config_rule).then_http_response(denied),
            evaluation: mock!(Client::describe_config_rule_evaluation_status).then_http_response(denied),
            aggregators: mock!(Client::describe_configuration_aggregators).then_http_response(denied),
            pack_compliance: mock!(Client::describe_conformance_pack_compliance).then_http_response(denied),
            remediation: mock!(Client::describe_remediation_configurations).then_http_response(denied),
            org_rules: mock!(Client::describe_organization_config_rules).then_http_response(denied),
            ..Mocks::happy()
        };
        let d = data(collect(&mocks.client()).await);
        let packs = ok(&d.conformance_packs);
        let cases = [
            (error(&d.recorder_statuses), "config:DescribeConfigurationRecorderStatus"),
            (error(&d.delivery_channels), "config:DescribeDeliveryChannels"),
            (error(&d.delivery_channel_statuses), "config:DescribeDeliveryChannelStatus"),
            (error(&d.compliance_by_rule), "config:DescribeComplianceByConfigRule"),
            (error(&d.rule_evaluation_statuses), "config:DescribeConfigRuleEvaluationStatus"),
            (error(&d.aggregators), "config:DescribeConfigurationAggregators"),
            (error(&packs[0].rule_compliance), "config:DescribeConformancePackCompliance"),
            (error(&d.remediations), "config:DescribeRemediationConfigurations"),
            (error(&d.organization_rules), "config:DescribeOrganizationConfigRules"),
        ];
        for (err, action) in cases {
            assert_eq!(err.kind, ErrorKind::AccessDenied, "{action}");
            assert_eq!(err.permission.as_deref(), Some(action));
        }

        let rules_denied = Mocks {
            rules: mock!(Client::describe_config_rules).then_http_response(denied),
            packs: mock!(Client::describe_conformance_packs).then_http_response(denied),
            ..Mocks::happy()
        };
        let d = data(collect(&rules_denied.client()).await);
        assert_eq!(error(&d.rules).permission.as_deref(), Some("config:DescribeConfigRules"));
        assert_eq!(error(&d.conformance_packs).permission.as_deref(), Some("config:DescribeConformancePacks"));
        assert_eq!(rules_denied.pack_compliance.num_calls(), 0);
        // Remediations cannot be asked for without rule names: the rules' error explains that gap too.
        assert_eq!(error(&d.remediations), error(&d.rules));
        assert_eq!(rules_denied.remediation.num_calls(), 0);
    }

    #[tokio::test]
    async fn rules_are_read_across_pages() {
        let mocks = Mocks {
            rules: mock!(Client::describe_config_rules).then_compute_output(|req| match req.next_token() {
                None => DescribeConfigRulesOutput::builder()
                    .config_rules(managed_rule("a", DRIFT))
                    .config_rules(managed_rule("b", "IAM_USER_UNUSED_CREDENTIALS_CHECK"))
                    .next_token("page-2")
                    .build(),
                Some(_) => DescribeConfigRulesOutput::builder()
                    .config_rules(managed_rule("c", "S3_BUCKET_VERSIONING_ENABLED"))
                    .build(),
            }),
            ..Mocks::happy()
        };
        let d = data(collect(&mocks.client()).await);
        let names: Vec<&str> = ok(&d.rules).iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(mocks.rules.num_calls(), 2);
        let remediated: Vec<&str> = ok(&d.remediations).iter().map(|r| r.rule_name.as_str()).collect();
        assert_eq!(remediated, ["a", "b", "c"], "remediations are asked for the rules of every page");
    }

    #[tokio::test]
    async fn remediations_are_asked_for_in_batches_of_25() {
        let batches = Arc::new(Mutex::new(Vec::new()));
        let seen = batches.clone();
        let mocks = Mocks {
            rules: mock!(Client::describe_config_rules).then_output(|| {
                let rules = (0..30).map(|i| managed_rule(&format!("rule-{i:02}"), DRIFT)).collect();
                DescribeConfigRulesOutput::builder().set_config_rules(Some(rules)).build()
            }),
            remediation: mock!(Client::describe_remediation_configurations).then_compute_output(move |req| {
                seen.lock().expect("not poisoned").push(req.config_rule_names().len());
                echo_remediations(req.config_rule_names())
            }),
            ..Mocks::happy()
        };
        let d = data(collect(&mocks.client()).await);
        assert_eq!(mocks.remediation.num_calls(), 2);
        assert_eq!(*batches.lock().expect("not poisoned"), [25, 5]);
        let names: Vec<String> = ok(&d.remediations).iter().map(|r| r.rule_name.clone()).collect();
        let want: Vec<String> = (0..30).map(|i| format!("rule-{i:02}")).collect();
        assert_eq!(names, want, "both batches merged, in rule order");
    }

    #[tokio::test]
    async fn no_rules_means_no_remediation_call() {
        let mocks = Mocks {
            rules: mock!(Client::describe_config_rules).then_output(|| DescribeConfigRulesOutput::builder().build()),
            ..Mocks::happy()
        };
        let d = data(collect(&mocks.client()).await);
        assert!(ok(&d.rules).is_empty());
        assert!(ok(&d.remediations).is_empty());
        assert_eq!(mocks.remediation.num_calls(), 0);
    }

    #[test]
    fn recording_strategy_and_exclusions_are_read() {
        let strategy = cfg::ConfigurationRecorder::builder()
            .name("default")
            .recording_group(
                cfg::RecordingGroup::builder()
                    .all_supported(false)
                    .recording_strategy(
                        cfg::RecordingStrategy::builder()
                            .use_only(cfg::RecordingStrategyType::AllSupportedResourceTypes)
                            .build(),
                    )
                    .build(),
            )
            .build();
        assert!(convert_recorder(&strategy).all_supported);

        let excluding = cfg::ConfigurationRecorder::builder()
            .name("default")
            .recording_group(
                cfg::RecordingGroup::builder()
                    .all_supported(false)
                    .exclusion_by_resource_types(
                        cfg::ExclusionByResourceTypes::builder().resource_types(cfg::ResourceType::Volume).build(),
                    )
                    .recording_strategy(
                        cfg::RecordingStrategy::builder()
                            .use_only(cfg::RecordingStrategyType::ExclusionByResourceTypes)
                            .build(),
                    )
                    .build(),
            )
            .build();
        let rec = convert_recorder(&excluding);
        assert!(!rec.all_supported);
        assert_eq!(rec.excluded_resource_types, ["AWS::EC2::Volume"]);
        assert_eq!(rec.recording_strategy.as_deref(), Some("EXCLUSION_BY_RESOURCE_TYPES"));
        assert_eq!(rec.strategy(), crate::snapshot::RecordingStrategy::Exclusion);
        // AWS records the global IAM types under the exclusion strategy unless they are listed.
        assert!(rec.records_global_types(), "an exclusion list without IAM types records them");
        assert!(!rec.is_service_linked());

        let chosen = cfg::ConfigurationRecorder::builder()
            .name("default")
            .recording_group(
                cfg::RecordingGroup::builder()
                    .resource_types(cfg::ResourceType::User)
                    .resource_types(cfg::ResourceType::Bucket)
                    .build(),
            )
            .build();
        let rec = convert_recorder(&chosen);
        assert!(!rec.all_supported && !rec.include_global_resource_types);
        assert_eq!(rec.resource_types, ["AWS::IAM::User", "AWS::S3::Bucket"]);
        assert!(rec.records_global_types(), "IAM types chosen one by one still count as global");
    }

    #[test]
    fn service_linked_recorders_are_told_apart() {
        let linked = cfg::ConfigurationRecorder::builder()
            .name("AWSConfigurationRecorderForSecurityHub")
            .arn(
                "arn:aws:config:us-east-1:111111111111:configuration-recorder/AWSConfigurationRecorderForSecurityHub/x",
            )
            .service_principal("securityhub.amazonaws.com")
            .recording_scope(cfg::RecordingScope::Internal)
            .recording_group(
                cfg::RecordingGroup::builder()
                    .all_supported(false)
                    .resource_types(cfg::ResourceType::Bucket)
                    .recording_strategy(
                        cfg::RecordingStrategy::builder()
                            .use_only(cfg::RecordingStrategyType::InclusionByResourceTypes)
                            .build(),
                    )
                    .build(),
            )
            .build();
        let rec = convert_recorder(&linked);
        assert_eq!(rec.service_principal.as_deref(), Some("securityhub.amazonaws.com"));
        assert_eq!(rec.recording_scope.as_deref(), Some("INTERNAL"));
        assert!(rec.is_service_linked());

        let customer = cfg::ConfigurationRecorder::builder()
            .name("default")
            .recording_scope(cfg::RecordingScope::Paid)
            .recording_group(cfg::RecordingGroup::builder().all_supported(true).build())
            .build();
        let rec = convert_recorder(&customer);
        assert_eq!((rec.service_principal, rec.recording_scope.as_deref()), (None, Some("PAID")));
    }

    #[tokio::test]
    async fn delivery_failures_keep_the_failing_delivery_and_its_error() {
        let mocks = Mocks {
            channel_status: mock!(Client::describe_delivery_channel_status).then_output(|| {
                let info = |status, code: Option<&str>| {
                    cfg::ConfigExportDeliveryInfo::builder()
                        .last_status(status)
                        .set_last_error_code(code.map(str::to_string))
                        .set_last_error_message(code.map(|c| format!("{c} on the bucket")))
                        .build()
                };
                DescribeDeliveryChannelStatusOutput::builder()
                    .delivery_channels_status(
                        cfg::DeliveryChannelStatus::builder()
                            .name("default")
                            .config_history_delivery_info(info(cfg::DeliveryStatus::Success, Some("Stale")))
                            .config_snapshot_delivery_info(info(cfg::DeliveryStatus::NotApplicable, None))
                            .config_stream_delivery_info(
                                cfg::ConfigStreamDeliveryInfo::builder()
                                    .last_status(cfg::DeliveryStatus::Failure)
                                    .last_error_code("AuthorizationError")
                                    .last_error_message("not allowed to publish")
                                    .build(),
                            )
                            .build(),
                    )
                    .build()
            }),
            ..Mocks::happy()
        };
        let d = data(collect(&mocks.client()).await);
        let s = &ok(&d.delivery_channel_statuses)[0];
        assert_eq!(s.last_stream_status.as_deref(), Some("Failure"));
        assert_eq!(s.last_snapshot_status.as_deref(), Some("Not_Applicable"));
        assert_eq!(s.failures(), ["configuration stream"]);
        // The error of the delivery that failed, not a stale one left on a delivery that now succeeds.
        assert_eq!(s.last_error_code.as_deref(), Some("AuthorizationError"));
        assert_eq!(s.last_error_message.as_deref(), Some("not allowed to publish"));
    }

    #[test]
    fn account_aggregators_list_their_accounts_and_regions() {
        let source = |accounts: &[&str], regions: &[&str], all: bool| {
            cfg::AccountAggregationSource::builder()
                .set_account_ids(Some(accounts.iter().map(|a| a.to_string()).collect()))
                .set_aws_regions(Some(regions.iter().map(|r| r.to_string()).collect()))
                .all_aws_regions(all)
                .build()
                .expect("accounts are set")
        };
        let agg = cfg::ConfigurationAggregator::builder()
            .configuration_aggregator_name("accounts")
            .account_aggregation_sources(source(&["111111111111", "222222222222"], &["us-east-1", "eu-west-1"], false))
            .account_aggregation_sources(source(&["222222222222"], &["eu-west-1"], false))
            .build();
        let a = convert_aggregator(&agg);
        assert!(!a.organization_source && !a.all_regions);
        assert_eq!(a.account_ids, ["111111111111", "222222222222"]);
        assert_eq!(a.regions, ["us-east-1", "eu-west-1"]);

        let everywhere = cfg::ConfigurationAggregator::builder()
            .configuration_aggregator_name("accounts")
            .account_aggregation_sources(source(&["111111111111"], &[], true))
            .build();
        assert!(convert_aggregator(&everywhere).all_regions);
    }
}
