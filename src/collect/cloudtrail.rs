//! CloudTrail collector: trails (shadow and organization trails included), each home trail's status and
//! event selectors, and the protections of the buckets the account's own trails deliver to.
//!
//! Status is read only in a trail's home region, and selectors and buckets only by the account that owns
//! the trail: elsewhere the same calls would repeat work or be denied by design.

use std::collections::BTreeSet;

use aws_sdk_cloudtrail::types as ct;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::{bounded, text, to_chrono, PER_RESOURCE};
use crate::aws::{classify, AccountAws};
use crate::snapshot::{
    AdvancedEventSelector, BasicEventSelector, BucketVersioning, CloudTrailData, Collected, CollectionError,
    DataResource, ErrorKind, EventSelectors, FieldSelector, IntegritySummary, ObjectLock, Trail, TrailBucket,
    TrailStatus,
};

/// `integrity_window`: how far back to verify the digests and logs of trails with validation on (`None`: not at all).
pub async fn collect(
    aws: &AccountAws,
    region: &str,
    integrity_window: Option<chrono::Duration>,
) -> Collected<CloudTrailData> {
    let client = aws.cloudtrail(region);
    let listed = match client.describe_trails().include_shadow_trails(true).send().await {
        Ok(out) => out,
        Err(e) => return Collected::Error { error: classify(&e, "cloudtrail:DescribeTrails") },
    };
    let trails: Vec<Trail> = listed.trail_list().iter().map(|t| convert_trail(t, region)).collect();
    let own_buckets: BTreeSet<String> = trails
        .iter()
        .filter(|t| t.home_region == region && t.owner_account() == Some(aws.account_id.as_str()))
        .filter_map(|t| t.s3_bucket_name.clone())
        .collect();
    // Every trail's details and every bucket at once: under network latency the region's time is then the
    // longest of them, not their sum.
    let details = bounded(trails, PER_RESOURCE, |trail| {
        let (aws, client, region) = (aws.clone(), client.clone(), region.to_string());
        async move { trail_details(&aws, &client, &region, trail, integrity_window).await }
    });
    let buckets = bounded(own_buckets, PER_RESOURCE, |name| {
        let (aws, region) = (aws.clone(), region.to_string());
        async move { bucket(&aws, &name, &region).await }
    });
    let (trails, buckets) = tokio::join!(details, buckets);
    Collected::ok(CloudTrailData { trails, buckets })
}

/// A trail's status, read in its home region; its event selectors and, with a window, its integrity, read by the
/// account that owns it. Elsewhere the same calls would repeat work or be denied by design.
async fn trail_details(
    aws: &AccountAws,
    client: &aws_sdk_cloudtrail::Client,
    region: &str,
    mut trail: Trail,
    integrity_window: Option<chrono::Duration>,
) -> Trail {
    if trail.home_region != region {
        return trail;
    }
    let owned = trail.owner_account() == Some(aws.account_id.as_str());
    let (status, selectors) = tokio::join!(trail_status(client, &trail.arn), async {
        if owned {
            event_selectors(client, &trail.arn).await
        } else {
            Collected::NotCollected
        }
    });
    trail.status = status;
    trail.event_selectors = selectors;
    // Integrity reads the latest digest delivery from the status.
    if let (true, true, Some(window)) = (owned, trail.log_file_validation_enabled, integrity_window) {
        trail.integrity = integrity(aws, &trail, window).await;
    }
    trail
}

fn convert_trail(t: &ct::Trail, listed_in: &str) -> Trail {
    Trail {
        name: t.name().unwrap_or_default().to_string(),
        arn: t.trail_arn().unwrap_or_default().to_string(),
        home_region: t.home_region().unwrap_or(listed_in).to_string(),
        s3_bucket_name: t.s3_bucket_name().map(str::to_string),
        s3_key_prefix: t.s3_key_prefix().map(str::to_string),
        is_multi_region: t.is_multi_region_trail().unwrap_or(false),
        is_organization_trail: t.is_organization_trail().unwrap_or(false),
        include_global_service_events: t.include_global_service_events().unwrap_or(false),
        log_file_validation_enabled: t.log_file_validation_enabled().unwrap_or(false),
        kms_key_id: t.kms_key_id().filter(|k| !k.is_empty()).map(str::to_string),
        cloud_watch_logs_log_group_arn: t
            .cloud_watch_logs_log_group_arn()
            .filter(|k| !k.is_empty())
            .map(str::to_string),
        cloud_watch_logs_role_arn: t.cloud_watch_logs_role_arn().filter(|k| !k.is_empty()).map(str::to_string),
        status: Collected::NotCollected,
        event_selectors: Collected::NotCollected,
        integrity: Collected::NotCollected,
    }
}

async fn trail_status(client: &aws_sdk_cloudtrail::Client, arn: &str) -> Collected<TrailStatus> {
    match client.get_trail_status().name(arn).send().await {
        Ok(s) => Collected::ok(TrailStatus {
            // Absent is not "stopped": the checks read it as unknown.
            is_logging: s.is_logging(),
            latest_delivery_error: text(s.latest_delivery_error()),
            latest_digest_delivery_error: text(s.latest_digest_delivery_error()),
            latest_cloud_watch_logs_delivery_error: text(s.latest_cloud_watch_logs_delivery_error()),
            latest_notification_error: text(s.latest_notification_error()),
            latest_delivery_time: s.latest_delivery_time().and_then(to_chrono),
            latest_notification_time: s.latest_notification_time().and_then(to_chrono),
            latest_digest_delivery_time: s.latest_digest_delivery_time().and_then(to_chrono),
            latest_cloud_watch_logs_delivery_time: s.latest_cloud_watch_logs_delivery_time().and_then(to_chrono),
        }),
        Err(e) => Collected::Error { error: classify(&e, "cloudtrail:GetTrailStatus") },
    }
}

/// Runs strict `validate-logs` over the window ending now; a run that could not finish is an error, never a verdict.
async fn integrity(aws: &AccountAws, trail: &Trail, window: chrono::Duration) -> Collected<IntegritySummary> {
    use super::integrity::{validate, KnownTrail, TrailInfo, ValidateError, ValidateRequest};
    use crate::integrity::report::Line;
    let now = chrono::Utc::now();
    let request = ValidateRequest {
        trail_arn: trail.arn.clone(),
        start: now - window,
        end: now,
        bucket: None,
        prefix: None,
        // An organization trail is validated for the owner's own logs here.
        account_id: trail.is_organization_trail.then(|| aws.account_id.clone()),
        regions: Vec::new(),
        public_keys: None,
        strict: true,
        concurrency: 8,
        now,
        // DescribeTrails and GetTrailStatus were read a moment ago, for the other checks.
        known: trail.s3_bucket_name.clone().map(|bucket| KnownTrail {
            info: TrailInfo {
                bucket,
                prefix: trail.s3_key_prefix.clone(),
                organization: trail.is_organization_trail,
                multi_region: trail.is_multi_region,
            },
            latest_delivery: trail.status.get().map(|s| s.latest_digest_delivery_time).map_err(|e| e.brief()),
        }),
    };
    match validate(aws, &request, None).await {
        Ok(report) => Collected::ok(IntegritySummary {
            window_start: request.start,
            window_end: request.end,
            regions: report.regions.clone(),
            digests_valid: report.counts.digests_valid + report.counts.backfill_digests_valid,
            digests_invalid: report.counts.digests_invalid + report.counts.backfill_digests_invalid,
            logs_valid: report.counts.logs_valid,
            logs_invalid: report.counts.logs_invalid,
            first_invalid: report
                .lines
                .iter()
                .filter_map(|l| match l {
                    Line::Digest { bucket, key, valid: false, verdict, .. } => {
                        Some(format!("s3://{bucket}/{key}: {verdict}"))
                    }
                    Line::Log { bucket, key, valid: false, verdict, .. } => {
                        Some(format!("s3://{bucket}/{key}: {verdict}"))
                    }
                    _ => None,
                })
                .take(10)
                .collect(),
        }),
        Err(ValidateError::Aws { error, .. }) => Collected::Error { error },
        Err(e) => Collected::Error {
            error: CollectionError {
                kind: ErrorKind::Other,
                code: "IntegrityValidationFailed".into(),
                message: e.to_string(),
                permission: None,
            },
        },
    }
}

async fn event_selectors(client: &aws_sdk_cloudtrail::Client, arn: &str) -> Collected<EventSelectors> {
    let out = match client.get_event_selectors().trail_name(arn).send().await {
        Ok(o) => o,
        Err(e) => return Collected::Error { error: classify(&e, "cloudtrail:GetEventSelectors") },
    };
    let basic = out
        .event_selectors()
        .iter()
        .map(|s| BasicEventSelector {
            read_write_type: s.read_write_type().map_or("All", |r| r.as_str()).to_string(),
            include_management_events: s.include_management_events().unwrap_or(true),
            exclude_management_event_sources: s.exclude_management_event_sources().to_vec(),
            data_resources: s
                .data_resources()
                .iter()
                .map(|d| DataResource {
                    resource_type: d.r#type().unwrap_or_default().to_string(),
                    values: d.values().to_vec(),
                })
                .collect(),
        })
        .collect();
    let advanced = out
        .advanced_event_selectors()
        .iter()
        .map(|a| AdvancedEventSelector {
            name: a.name().map(str::to_string),
            field_selectors: a
                .field_selectors()
                .iter()
                .map(|f| FieldSelector {
                    field: f.field().to_string(),
                    equals: f.equals().to_vec(),
                    starts_with: f.starts_with().to_vec(),
                    ends_with: f.ends_with().to_vec(),
                    not_equals: f.not_equals().to_vec(),
                    not_starts_with: f.not_starts_with().to_vec(),
                    not_ends_with: f.not_ends_with().to_vec(),
                })
                .collect(),
        })
        .collect();
    Collected::ok(EventSelectors { basic, advanced })
}

/// Reads a trail bucket's protections from the bucket's own region.
async fn bucket(aws: &AccountAws, name: &str, trail_region: &str) -> TrailBucket {
    let located = crate::aws::bucket_region(aws, name, trail_region).await;
    // Without the location, ask from the trail's region: most trail buckets live there.
    let s3 = aws.s3(located.as_deref().unwrap_or(trail_region));
    let (versioning, object_lock, policy) = tokio::join!(
        s3.get_bucket_versioning().bucket(name).send(),
        s3.get_object_lock_configuration().bucket(name).send(),
        s3.get_bucket_policy().bucket(name).send(),
    );
    let versioning = match versioning {
        Ok(v) => Collected::ok(BucketVersioning {
            status: v.status().map(|s| s.as_str().to_string()),
            mfa_delete: v.mfa_delete().map(|s| s.as_str().to_string()),
        }),
        Err(e) => Collected::Error { error: classify(&e, "s3:GetBucketVersioning") },
    };
    let object_lock =
        optional(object_lock, "s3:GetBucketObjectLockConfiguration", "ObjectLockConfigurationNotFoundError", |out| {
            out.object_lock_configuration().map(|c| {
                let retention = c.rule().and_then(|r| r.default_retention());
                ObjectLock {
                    enabled: c.object_lock_enabled().is_some_and(|e| e.as_str() == "Enabled"),
                    mode: retention.and_then(|r| r.mode()).map(|m| m.as_str().to_string()),
                    days: retention.and_then(|r| r.days()),
                    years: retention.and_then(|r| r.years()),
                }
            })
        });
    let policy = optional(policy, "s3:GetBucketPolicy", "NoSuchBucketPolicy", |out| out.policy().map(str::to_string));
    let region = match located {
        Ok(r) => Collected::ok(r),
        Err(error) => Collected::Error { error },
    };
    TrailBucket { name: name.to_string(), region, versioning, object_lock, policy }
}

/// A bucket setting that may be absent: S3 answers `absent_code` when none is set, which reads as `None`.
fn optional<O, E, R, T>(
    result: Result<O, SdkError<E, R>>,
    permission: &str,
    absent_code: &str,
    convert: impl FnOnce(O) -> Option<T>,
) -> Collected<Option<T>>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    match result {
        Ok(out) => Collected::ok(convert(out)),
        Err(e) => {
            let error = classify(&e, permission);
            if error.code == absent_code {
                Collected::ok(None)
            } else {
                Collected::Error { error }
            }
        }
    }
}
