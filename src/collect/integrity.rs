//! `validate-logs` against a real bucket: find the trail, list each region's digests once, fetch and verify every
//! digest and log file concurrently behind one limit, then replay the AWS CLI's walk over the results (see
//! [`crate::integrity::walk`]). Logs are streamed from S3 straight into the hash, so memory does not grow with their size.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::io::{self, Read};
use std::sync::Arc;

use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::primitives::ByteStream;
use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use tokio::runtime::Handle;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::to_chrono;
use crate::aws::errors::classify;
use crate::aws::AccountAws;
use crate::integrity::logfile::{verify_log, LogVerdict};
use crate::integrity::report::{display, ValidationReport};
use crate::integrity::signature::ListedPublicKey;
use crate::integrity::walk::{
    self, is_backfill_key, open_digest, verify_opened, Fetched, Fetches, Need, StrictContext, BACKFILL_METADATA,
};
use crate::integrity::Digest;
use crate::snapshot::CollectionError;

/// What to validate.
#[derive(Debug, Clone)]
pub struct ValidateRequest {
    pub trail_arn: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Overrides of the trail's bucket and prefix (DescribeTrails is then skipped, as in the CLI).
    pub bucket: Option<String>,
    pub prefix: Option<String>,
    /// The member account of an organization trail (default: the trail's own account).
    pub account_id: Option<String>,
    /// Source regions to validate; empty means the home region, or every region with digests for a multi-region
    /// trail.
    pub regions: Vec<String>,
    /// Keys from a `list-public-keys` JSON file, instead of calling ListPublicKeys.
    pub public_keys: Option<Vec<ListedPublicKey>>,
    pub strict: bool,
    pub concurrency: usize,
    pub now: DateTime<Utc>,
    /// What the caller already read about the trail (the audit's collector), so it is not read again: its
    /// DescribeTrails entry, and its status's latest digest delivery time (`Err`: why it is unknown).
    pub known: Option<KnownTrail>,
}

/// A trail as the audit's collector read it.
#[derive(Debug, Clone)]
pub struct KnownTrail {
    pub info: TrailInfo,
    pub latest_delivery: Result<Option<DateTime<Utc>>, String>,
}

/// Why validation could not run (exit code 2); never a verdict on the logs.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error("{0}")]
    Input(String),
    #[error("{0}")]
    Fatal(String),
    #[error("{context}: {error}{}", permission_hint(.error))]
    Aws { context: String, error: CollectionError },
}

fn permission_hint(e: &CollectionError) -> String {
    e.permission.as_ref().map(|p| format!(" (needs {p})")).unwrap_or_default()
}

impl ValidateError {
    fn aws(context: impl Into<String>, error: CollectionError) -> Self {
        ValidateError::Aws { context: context.into(), error }
    }
}

/// The parts of a trail ARN (`arn:<partition>:cloudtrail:<home-region>:<account>:trail/<name>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailArn {
    pub home_region: String,
    pub account: String,
    pub name: String,
}

/// Parses a trail ARN as strictly as the CLI (a 12-digit account, a `trail/` resource).
pub fn parse_trail_arn(arn: &str) -> Result<TrailArn, ValidateError> {
    let bad = || ValidateError::Input(format!("Invalid trail ARN provided: {arn}"));
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [a, partition, service, region, account, resource] = parts.as_slice() else { return Err(bad()) };
    let name = resource.strip_prefix("trail/").filter(|n| !n.is_empty()).ok_or_else(bad)?;
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    if *a != "arn" || partition.is_empty() || *service != "cloudtrail" || region.is_empty() || !account_ok {
        return Err(bad());
    }
    // The name is the last `/` segment, as the CLI takes it.
    let name = name.rsplit('/').next().unwrap_or(name);
    Ok(TrailArn { home_region: region.to_string(), account: account.to_string(), name: name.to_string() })
}

/// Where one region's digests of one trail are, and how their keys look.
#[derive(Debug, Clone)]
pub struct DigestLayout {
    pub prefix: Option<String>,
    pub org_id: Option<String>,
    pub account: String,
    pub source_region: String,
    pub home_region: String,
    pub trail: String,
}

impl DigestLayout {
    fn root(&self) -> String {
        let prefix = self.prefix.as_ref().map(|p| format!("{p}/")).unwrap_or_default();
        let org = self.org_id.as_ref().map(|o| format!("{o}/")).unwrap_or_default();
        format!("{prefix}AWSLogs/{org}{}/CloudTrail-Digest/", self.account)
    }

    /// The listing prefix: the source region's folder.
    pub fn list_prefix(&self) -> String {
        format!("{}{}", self.root(), self.source_region)
    }

    /// The key of a digest ending at `t`, used as the listing's start-after (the CLI's marker).
    pub fn start_after(&self, start: DateTime<Utc>) -> String {
        let t = start - Duration::minutes(1);
        let r = &self.source_region;
        format!(
            "{}/{}/{a}_CloudTrail-Digest_{r}_{}_{}_{}.json.gz",
            self.list_prefix(),
            t.format("%Y/%m/%d"),
            self.trail,
            self.home_region,
            t.format("%Y%m%dT%H%M%SZ"),
            a = self.account
        )
    }

    /// Whether `key` is one of this trail's digests: `<list prefix>/<d+>/<d+>/<d+>/<acct>_CloudTrail-Digest_<src>_
    /// <name>_<home>_<anything>.json.gz`, the CLI's pattern.
    pub fn matches(&self, key: &str) -> bool {
        let Some(rest) = key.strip_prefix(&self.list_prefix()).and_then(|r| r.strip_prefix('/')) else { return false };
        let mut parts = rest.splitn(4, '/');
        let dated =
            (0..3).all(|_| parts.next().is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())));
        let Some(file) = parts.next() else { return false };
        let head =
            format!("{}_CloudTrail-Digest_{}_{}_{}_", self.account, self.source_region, self.trail, self.home_region);
        dated
            && file
                .strip_prefix(&head)
                .and_then(|f| f.strip_suffix(".json.gz"))
                .is_some_and(|middle| !middle.is_empty())
    }
}

/// The 16-character date the CLI reads from a key, compared as text like the CLI does.
fn key_date_text(key: &str) -> Option<&str> {
    let (from, to) = if is_backfill_key(key) { (33, 17) } else { (24, 8) };
    key.get(key.len().checked_sub(from)?..key.len().checked_sub(to)?)
}

/// Keys of one listing, split into standard and backfill digests.
#[derive(Debug, Default, Clone)]
struct Listed {
    standard: Vec<String>,
    backfill: Vec<String>,
}

/// A bucket's S3 client, in the bucket's own region.
#[derive(Clone)]
struct Buckets {
    aws: AccountAws,
    fallback_region: String,
    clients: Arc<tokio::sync::Mutex<HashMap<String, aws_sdk_s3::Client>>>,
}

impl Buckets {
    async fn client(&self, bucket: &str) -> Result<aws_sdk_s3::Client, ValidateError> {
        let mut clients = self.clients.lock().await;
        if let Some(c) = clients.get(bucket) {
            return Ok(c.clone());
        }
        let region = crate::aws::bucket_region(&self.aws, bucket, &self.fallback_region)
            .await
            .map_err(|e| ValidateError::aws(format!("cannot locate bucket {bucket}"), e))?;
        let client = self.aws.s3(&region);
        clients.insert(bucket.to_string(), client.clone());
        Ok(client)
    }
}

/// Lists a region's digests once (paginated), keeping the trail's keys from `start` to `end` + 1 h.
async fn list_digests(
    buckets: &Buckets,
    bucket: &str,
    layout: &DigestLayout,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Listed, ValidateError> {
    let client = buckets.client(bucket).await?;
    let first = start.format("%Y%m%dT%H%M%SZ").to_string();
    let last = (end + Duration::hours(1)).format("%Y%m%dT%H%M%SZ").to_string();
    let mut listed = Listed::default();
    let mut pages = client
        .list_objects_v2()
        .bucket(bucket)
        .prefix(layout.list_prefix())
        .start_after(layout.start_after(start))
        .into_paginator()
        .send();
    'pages: while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| ValidateError::aws(format!("cannot list s3://{bucket}"), classify(&e, "s3:ListBucket")))?;
        for key in page.contents().iter().filter_map(|o| o.key()) {
            if !layout.matches(key) {
                continue;
            }
            let Some(date) = key_date_text(key) else { continue };
            if date > last.as_str() {
                break 'pages;
            }
            if date < first.as_str() {
                continue;
            }
            if is_backfill_key(key) {
                listed.backfill.push(key.to_string());
            } else {
                listed.standard.push(key.to_string());
            }
        }
    }
    Ok(listed)
}

/// A digest object as fetched.
enum Body {
    Found { bytes: Vec<u8>, metadata: HashMap<String, String> },
    NotFound,
}

async fn get_digest(buckets: &Buckets, bucket: &str, key: &str) -> Result<Body, ValidateError> {
    let client = buckets.client(bucket).await?;
    match client.get_object().bucket(bucket).key(key).send().await {
        Ok(out) => {
            let metadata = out.metadata().cloned().unwrap_or_default();
            let bytes = out.body.collect().await.map_err(|e| {
                ValidateError::Fatal(format!(
                    "cannot read s3://{bucket}/{key}: {}",
                    crate::aws::errors::error_chain(&e)
                ))
            })?;
            Ok(Body::Found { bytes: bytes.to_vec(), metadata })
        }
        Err(e) if matches!(e.as_service_error(), Some(GetObjectError::NoSuchKey(_))) => Ok(Body::NotFound),
        Err(e) => Err(ValidateError::aws(format!("cannot read s3://{bucket}/{key}"), classify(&e, "s3:GetObject"))),
    }
}

/// Public keys by fingerprint, per source region (or from the file, for every region).
struct KeyRing {
    from_file: Option<BTreeMap<String, ListedPublicKey>>,
    aws: AccountAws,
}

impl KeyRing {
    /// ListPublicKeys over `[from, to]` in `region`; none is fatal, as in the CLI.
    async fn load(
        &self,
        region: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<BTreeMap<String, ListedPublicKey>, ValidateError> {
        let keys = match &self.from_file {
            Some(keys) => keys.clone(),
            None => list_public_keys(&self.aws.cloudtrail(region), region, from, to).await?,
        };
        if keys.is_empty() {
            return Err(ValidateError::Fatal(format!(
                "No public keys found between {} and {}",
                display(from),
                display(to)
            )));
        }
        Ok(keys)
    }
}

/// `cloudtrail:ListPublicKeys` over `[from, to]`, every page, by fingerprint. The SDK's `Blob` is the raw DER.
pub async fn list_public_keys(
    client: &aws_sdk_cloudtrail::Client,
    region: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<BTreeMap<String, ListedPublicKey>, ValidateError> {
    let mut keys = BTreeMap::new();
    let mut token: Option<String> = None;
    loop {
        let out = client
            .list_public_keys()
            .start_time(aws_smithy_types::DateTime::from_secs(from.timestamp()))
            .end_time(aws_smithy_types::DateTime::from_secs(to.timestamp()))
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| {
                ValidateError::aws(
                    format!("cannot list CloudTrail public keys in {region}"),
                    classify(&e, "cloudtrail:ListPublicKeys"),
                )
            })?;
        for k in out.public_key_list() {
            let fingerprint = k.fingerprint().unwrap_or_default().to_string();
            keys.insert(
                fingerprint.clone(),
                ListedPublicKey {
                    fingerprint,
                    der: k.value().map(|b| b.as_ref().to_vec()).unwrap_or_default(),
                    validity_start: k.validity_start_time().and_then(to_chrono),
                    validity_end: k.validity_end_time().and_then(to_chrono),
                },
            );
        }
        match out.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(keys)
}

/// Reads an S3 body from a blocking thread, one chunk at a time, so a log streams into the synchronous hash.
struct BlockingBody {
    body: ByteStream,
    handle: Handle,
    chunk: Bytes,
}

impl Read for BlockingBody {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.chunk.is_empty() {
            match self.handle.block_on(self.body.next()) {
                None => return Ok(0),
                Some(Ok(bytes)) => self.chunk = bytes,
                Some(Err(e)) => return Err(io::Error::other(e)),
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk[..n]);
        self.chunk = self.chunk.slice(n..);
        Ok(n)
    }
}

/// Fetches and hashes one log file. A read failure is retried once, then is an error (never a verdict).
async fn check_log(
    buckets: Buckets,
    bucket: String,
    key: String,
    expected: String,
) -> Result<LogVerdict, ValidateError> {
    let client = buckets.client(&bucket).await?;
    let mut last_error = String::new();
    for _ in 0..2 {
        let out = match client.get_object().bucket(&bucket).key(&key).send().await {
            Ok(out) => out,
            Err(e) if matches!(e.as_service_error(), Some(GetObjectError::NoSuchKey(_))) => {
                return Ok(LogVerdict::NotFound)
            }
            Err(e) => {
                return Err(ValidateError::aws(
                    format!("cannot read s3://{bucket}/{key}"),
                    classify(&e, "s3:GetObject"),
                ))
            }
        };
        let reader = BlockingBody { body: out.body, handle: Handle::current(), chunk: Bytes::new() };
        let expected = expected.clone();
        let verdict = tokio::task::spawn_blocking(move || verify_log(reader, &expected))
            .await
            .map_err(|e| ValidateError::Fatal(format!("log verification task failed: {e}")))?;
        match verdict {
            Ok(v) => return Ok(v),
            // verify_log gives a verdict on any data; only the read itself can fail.
            Err(e) => last_error = e.to_string(),
        }
    }
    Err(ValidateError::Fatal(format!("cannot read s3://{bucket}/{key} (tried twice): {last_error}")))
}

/// The trail as DescribeTrails shows it.
#[derive(Debug, Clone)]
pub struct TrailInfo {
    pub bucket: String,
    pub prefix: Option<String>,
    pub organization: bool,
    pub multi_region: bool,
}

async fn describe_trail(aws: &AccountAws, arn: &str, region: &str) -> Result<TrailInfo, ValidateError> {
    let out = aws
        .cloudtrail(region)
        .describe_trails()
        .trail_name_list(arn)
        .include_shadow_trails(true)
        .send()
        .await
        .map_err(|e| ValidateError::aws("cannot describe the trail", classify(&e, "cloudtrail:DescribeTrails")))?;
    let trail = out
        .trail_list()
        .iter()
        .find(|t| t.trail_arn() == Some(arn))
        .ok_or_else(|| ValidateError::Fatal(format!("A trail could not be found for {arn}")))?;
    Ok(TrailInfo {
        bucket: trail
            .s3_bucket_name()
            .ok_or_else(|| ValidateError::Fatal(format!("trail {arn} has no S3 bucket")))?
            .to_string(),
        prefix: trail.s3_key_prefix().filter(|p| !p.is_empty()).map(str::to_string),
        organization: trail.is_organization_trail().unwrap_or(false),
        multi_region: trail.is_multi_region_trail().unwrap_or(false),
    })
}

/// The source regions that hold digests for the account: one delimiter listing of the digest folder.
async fn regions_with_digests(
    buckets: &Buckets,
    bucket: &str,
    layout: &DigestLayout,
) -> Result<Vec<String>, ValidateError> {
    let client = buckets.client(bucket).await?;
    let root = layout.root();
    let mut regions = BTreeSet::new();
    let mut pages = client.list_objects_v2().bucket(bucket).prefix(&root).delimiter("/").into_paginator().send();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| ValidateError::aws(format!("cannot list s3://{bucket}"), classify(&e, "s3:ListBucket")))?;
        for p in page.common_prefixes().iter().filter_map(|p| p.prefix()) {
            if let Some(region) = p.strip_prefix(&root).and_then(|r| r.strip_suffix('/')) {
                regions.insert(region.to_string());
            }
        }
    }
    Ok(regions.into_iter().collect())
}

/// Progress callbacks for a terminal.
pub trait Progress: Send + Sync {
    fn planned(&self, digests: usize, logs: usize);
    fn done(&self, n: usize);
}

/// Runs the whole validation.
pub async fn validate(
    aws: &AccountAws,
    req: &ValidateRequest,
    progress: Option<Arc<dyn Progress>>,
) -> Result<ValidationReport, ValidateError> {
    let arn = parse_trail_arn(&req.trail_arn)?;
    if req.start > req.end {
        return Err(ValidateError::Input("Invalid time range specified: start-time must occur before end-time".into()));
    }
    let mut report = ValidationReport::new(&req.trail_arn, req.start, req.end, req.strict);
    let (bucket, prefix, org_id, multi_region) = match &req.bucket {
        Some(b) => (b.clone(), req.prefix.clone().filter(|p| !p.is_empty()), None, false),
        None => {
            let info = match &req.known {
                Some(known) => known.info.clone(),
                None => describe_trail(aws, &req.trail_arn, &arn.home_region).await?,
            };
            let org_id = if info.organization {
                if req.account_id.is_none() {
                    return Err(ValidateError::Input(
                        "Missing required parameter for organization trail: '--account-id' (the member account whose logs to validate)"
                            .into(),
                    ));
                }
                let org = crate::aws::describe_organization(aws)
                    .await
                    .map_err(|e| ValidateError::aws("cannot read the organization id of the organization trail", e))?
                    .ok_or_else(|| {
                        ValidateError::Fatal(
                            "the trail is an organization trail but the caller's account is in no organization".into(),
                        )
                    })?;
                Some(org.id)
            } else {
                None
            };
            let prefix = req.prefix.clone().or(info.prefix).filter(|p| !p.is_empty());
            (info.bucket, prefix, org_id, info.multi_region)
        }
    };
    let account = req.account_id.clone().unwrap_or_else(|| arn.account.clone());
    report.account_id = account.clone();
    report.bucket = bucket.clone();
    let buckets = Buckets { aws: aws.clone(), fallback_region: arn.home_region.clone(), clients: Arc::default() };
    let layout_for = |region: &str| DigestLayout {
        prefix: prefix.clone(),
        org_id: org_id.clone(),
        account: account.clone(),
        source_region: region.to_string(),
        home_region: arn.home_region.clone(),
        trail: arn.name.clone(),
    };
    let regions = if !req.regions.is_empty() {
        req.regions.clone()
    } else if multi_region {
        let mut found = regions_with_digests(&buckets, &bucket, &layout_for(&arn.home_region)).await?;
        if found.is_empty() {
            found.push(arn.home_region.clone());
        }
        // The home region first, then the others in name order.
        found.sort_by_key(|r| (*r != arn.home_region, r.clone()));
        found
    } else {
        vec![arn.home_region.clone()]
    };
    report.regions = regions.clone();

    let keyring = KeyRing {
        from_file: req
            .public_keys
            .as_ref()
            .map(|keys| keys.iter().map(|k| (k.fingerprint.clone(), k.clone())).collect()),
        aws: aws.clone(),
    };
    let (latest_delivery, delivery_note) = match (&req.known, req.strict) {
        (_, false) => (None, None),
        (Some(known), true) => delivery_of(known.latest_delivery.clone()),
        (None, true) => latest_delivery(aws, &req.trail_arn, &arn.home_region).await,
    };
    if let Some(note) = &delivery_note {
        report.notes.push(format!(
            "strict mode cannot read the latest digest delivery time: {note}; the hourly cadence is assumed"
        ));
    }
    let limit = Arc::new(Semaphore::new(req.concurrency.max(1)));
    for region in &regions {
        let layout = layout_for(region);
        // As in the CLI, keys are needed even when no digest is listed; both are read at once, and both run to their
        // end (a call cut short would be counted as attempted but never finished).
        let (listed, keys) = tokio::join!(
            list_digests(&buckets, &bucket, &layout, req.start, req.end),
            keyring.load(region, req.start, req.end + Duration::hours(2)),
        );
        let (listed, keys) = (listed?, keys?);
        let mut logs = LogChecks::new(&buckets, &limit, req.concurrency, progress.clone());
        for backfill in [false, true] {
            let keys_listed = if backfill { &listed.backfill } else { &listed.standard };
            if backfill && keys_listed.is_empty() {
                continue;
            }
            let mut fetches = Fetches::default();
            fetches.listings.insert((bucket.clone(), req.end), keys_listed.clone());
            // Backfill digests start with no keys and look theirs up by generation time, as the CLI does.
            let mut fetcher = DigestFetcher {
                buckets: &buckets,
                keyring: &keyring,
                ring: if backfill { BTreeMap::new() } else { keys.clone() },
                region,
                home_region: &arn.home_region,
                limit: &limit,
                backfill,
            };
            fetcher.fetch(&bucket, keys_listed, &mut fetches, &mut logs, progress.as_ref()).await?;
            let steps = loop {
                match walk::walk(&bucket, req.start, req.end, &fetches) {
                    Ok(steps) => break steps,
                    Err(Need::Digest { bucket: b, key }) => {
                        fetcher.fetch(&b, std::slice::from_ref(&key), &mut fetches, &mut logs, None).await?;
                        fetches.digests.entry((b, key)).or_insert(Fetched::NotFound);
                    }
                    Err(Need::Listing { bucket: b, end }) => {
                        let other = list_digests(&buckets, &b, &layout, req.start, end).await?;
                        let keys_other = if backfill { other.backfill } else { other.standard };
                        fetches.listings.insert((b, end), keys_other);
                    }
                }
            };
            // Logs of valid digests are already being checked; wait for those of the digests the walk visited.
            let logs = logs.verdicts_for(&steps, &fetches).await?;
            let strict = if req.strict {
                let ctx = StrictContext {
                    account_id: account.clone(),
                    bucket: bucket.clone(),
                    start: req.start,
                    end: req.end,
                    latest_delivery: if backfill { Some(req.start) } else { latest_delivery },
                    latest_delivery_unknown: delivery_note.clone(),
                    now: req.now,
                    digest_folder: format!("{}/", layout.list_prefix()),
                };
                walk::strict_findings(&steps, &fetches, &ctx)
            } else {
                Vec::new()
            };
            report.add_walk(region, backfill, &steps, &fetches, &strict, &logs);
        }
    }
    Ok(report)
}

/// `GetTrailStatus`'s latest digest delivery time, or why it is unknown.
async fn latest_delivery(aws: &AccountAws, arn: &str, region: &str) -> (Option<DateTime<Utc>>, Option<String>) {
    delivery_of(match aws.cloudtrail(region).get_trail_status().name(arn).send().await {
        Ok(out) => Ok(out.latest_digest_delivery_time().and_then(to_chrono)),
        Err(e) => Err(classify(&e, "cloudtrail:GetTrailStatus").brief()),
    })
}

/// The latest delivery time, or why it is unknown.
fn delivery_of(status: Result<Option<DateTime<Utc>>, String>) -> (Option<DateTime<Utc>>, Option<String>) {
    match status {
        Ok(Some(t)) => (Some(t), None),
        Ok(None) => (None, Some("GetTrailStatus reports no digest delivery".into())),
        Err(reason) => (None, Some(reason)),
    }
}

/// What fetching one walk's digests needs: where they are, how to check them, and the keys found so far.
struct DigestFetcher<'a> {
    buckets: &'a Buckets,
    keyring: &'a KeyRing,
    ring: BTreeMap<String, ListedPublicKey>,
    region: &'a str,
    home_region: &'a str,
    limit: &'a Arc<Semaphore>,
    backfill: bool,
}

impl DigestFetcher<'_> {
    /// Fetches and checks digests concurrently, adding what each turned out to be to `fetches`.
    async fn fetch(
        &mut self,
        bucket: &str,
        keys: &[String],
        fetches: &mut Fetches,
        logs: &mut LogChecks,
        progress: Option<&Arc<dyn Progress>>,
    ) -> Result<(), ValidateError> {
        if let Some(p) = progress {
            p.planned(keys.len(), 0);
        }
        let mut tasks = JoinSet::new();
        for key in keys {
            let (buckets, bucket, key, limit) =
                (self.buckets.clone(), bucket.to_string(), key.clone(), self.limit.clone());
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await.map_err(|_| ValidateError::Fatal("stopped".into()))?;
                let body = get_digest(&buckets, &bucket, &key).await?;
                Ok::<_, ValidateError>((bucket, key, body))
            });
        }
        // Each digest is verified as it arrives (RSA takes well under a millisecond), and the logs of a valid one start
        // downloading at once, behind the same limit, rather than after the last digest.
        while let Some(joined) = tasks.join_next().await {
            let (bucket, key, body) =
                joined.map_err(|e| ValidateError::Fatal(format!("digest task failed: {e}")))??;
            if let Some(p) = progress {
                p.done(1);
            }
            let result = match body {
                Body::NotFound => Fetched::NotFound,
                Body::Found { bytes, metadata } => match open_digest(&bucket, &key, &bytes, &metadata) {
                    Err(verdict) => Fetched::Invalid(verdict.to_string()),
                    Ok(opened) => {
                        if self.backfill && opened.fingerprint().is_some_and(|f| !self.ring.contains_key(f)) {
                            match backfill_keys(self.keyring, self.region, &metadata).await {
                                Ok(more) => self.ring.extend(more),
                                Err(message) => {
                                    fetches.digests.insert((bucket, key), Fetched::Invalid(message));
                                    continue;
                                }
                            }
                        }
                        verify_opened(opened, &self.ring, self.home_region)
                    }
                },
            };
            if let Fetched::Valid(checked) = &result {
                logs.start(&checked.digest)?;
            }
            fetches.digests.insert((bucket, key), result);
        }
        Ok(())
    }
}

/// A backfill digest's keys: ListPublicKeys an hour either side of its generation time, as the CLI does.
async fn backfill_keys(
    keyring: &KeyRing,
    region: &str,
    metadata: &HashMap<String, String>,
) -> Result<BTreeMap<String, ListedPublicKey>, String> {
    let generated = metadata
        .get(BACKFILL_METADATA)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| "invalid format".to_string())?;
    keyring
        .load(region, generated - Duration::hours(1), generated + Duration::hours(1))
        .await
        .map_err(|e| e.to_string())
}

/// A bucket and key.
type ObjectId = (String, String);

/// The log files being checked: each object fetched once, started as soon as the digest that lists it is verified,
/// with at most `in_flight` tasks alive (the rest wait in a queue of names, so memory does not grow with tasks).
struct LogChecks {
    buckets: Buckets,
    limit: Arc<Semaphore>,
    in_flight: usize,
    progress: Option<Arc<dyn Progress>>,
    tasks: JoinSet<Result<(ObjectId, LogVerdict), ValidateError>>,
    pending: VecDeque<(ObjectId, String)>,
    started: BTreeSet<ObjectId>,
    verdicts: HashMap<ObjectId, LogVerdict>,
}

impl LogChecks {
    fn new(buckets: &Buckets, limit: &Arc<Semaphore>, in_flight: usize, progress: Option<Arc<dyn Progress>>) -> Self {
        LogChecks {
            buckets: buckets.clone(),
            limit: limit.clone(),
            in_flight: in_flight.max(1),
            progress,
            tasks: JoinSet::new(),
            pending: VecDeque::new(),
            started: BTreeSet::new(),
            verdicts: HashMap::new(),
        }
    }

    /// Queues the digest's log files not queued yet, and starts what the limit allows.
    fn start(&mut self, digest: &Digest) -> Result<(), ValidateError> {
        let mut n = 0;
        for log in &digest.log_files {
            let id = (log.s3_bucket.clone(), log.s3_object.clone());
            if self.started.insert(id.clone()) {
                self.pending.push_back((id, log.hash_value.clone()));
                n += 1;
            }
        }
        if let Some(p) = &self.progress {
            p.planned(0, n);
        }
        self.pump()
    }

    /// Records finished checks and starts queued ones while fewer than `in_flight` run.
    fn pump(&mut self) -> Result<(), ValidateError> {
        while let Some(joined) = self.tasks.try_join_next() {
            self.record(joined)?;
        }
        while self.tasks.len() < self.in_flight {
            let Some((id, expected)) = self.pending.pop_front() else { break };
            let (buckets, limit) = (self.buckets.clone(), self.limit.clone());
            self.tasks.spawn(async move {
                let _permit = limit.acquire_owned().await.map_err(|_| ValidateError::Fatal("stopped".into()))?;
                let verdict = check_log(buckets, id.0.clone(), id.1.clone(), expected).await?;
                Ok((id, verdict))
            });
        }
        Ok(())
    }

    fn record(
        &mut self,
        joined: Result<Result<(ObjectId, LogVerdict), ValidateError>, tokio::task::JoinError>,
    ) -> Result<(), ValidateError> {
        let (id, verdict) = joined.map_err(|e| ValidateError::Fatal(format!("log task failed: {e}")))??;
        if let Some(p) = &self.progress {
            p.done(1);
        }
        self.verdicts.insert(id, verdict);
        Ok(())
    }

    /// The verdicts on the logs of every valid digest the walk visited (waiting for those still running). Logs of a
    /// valid digest the walk did not reach are checked but never reported.
    async fn verdicts_for(
        &mut self,
        steps: &[walk::Step],
        fetches: &Fetches,
    ) -> Result<HashMap<ObjectId, LogVerdict>, ValidateError> {
        for step in steps {
            let walk::Step::Digest { bucket, key, valid: true, .. } = step else { continue };
            if let Some(Fetched::Valid(checked)) = fetches.digests.get(&(bucket.clone(), key.clone())) {
                self.start(&checked.digest)?;
            }
        }
        loop {
            self.pump()?;
            match self.tasks.join_next().await {
                Some(joined) => self.record(joined)?,
                None if self.pending.is_empty() => break,
                None => {}
            }
        }
        Ok(self.verdicts.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    mod public_keys {
        use aws_sdk_cloudtrail::operation::list_public_keys::ListPublicKeysOutput;
        use aws_sdk_cloudtrail::primitives::Blob;
        use aws_sdk_cloudtrail::types::PublicKey as SdkKey;
        use aws_sdk_cloudtrail::Client;
        use aws_smithy_mocks::{mock, mock_client, RuleMode};
        use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
        use aws_smithy_runtime_api::http::StatusCode;
        use aws_smithy_types::body::SdkBody;
        use aws_smithy_types::retry::RetryConfig;

        use super::*;
        use crate::integrity::fingerprint;
        use crate::integrity::fixtures::public_key_der;

        fn key(der: &[u8], fp: &str) -> SdkKey {
            SdkKey::builder()
                .value(Blob::new(der))
                .fingerprint(fp)
                .validity_start_time(aws_smithy_types::DateTime::from_secs(1_764_000_000))
                .build()
        }

        fn at(s: &str) -> DateTime<Utc> {
            DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
        }

        /// The SDK hands over raw DER (no base64 layer), across every page, and the keys load.
        #[tokio::test]
        async fn raw_der_from_every_page() {
            let der = public_key_der();
            let fp = fingerprint(&der);
            let (der1, fp1) = (der.clone(), fp.clone());
            let first = mock!(Client::list_public_keys)
                .match_requests(|r| r.next_token().is_none() && r.start_time().is_some() && r.end_time().is_some())
                .then_output(move || {
                    ListPublicKeysOutput::builder().public_key_list(key(&der1, &fp1)).next_token("page-2").build()
                });
            let second = mock!(Client::list_public_keys)
                .match_requests(|r| r.next_token() == Some("page-2"))
                .then_output(|| {
                    ListPublicKeysOutput::builder()
                        .public_key_list(key(b"garbage", "ffffffffffffffffffffffffffffffff"))
                        .build()
                });
            let client = mock_client!(aws_sdk_cloudtrail, RuleMode::MatchAny, [&first, &second], |c| c
                .retry_config(RetryConfig::disabled()));
            let keys = list_public_keys(&client, "us-east-1", at("2026-11-24T00:00:00Z"), at("2026-11-25T02:00:00Z"))
                .await
                .expect("listed");
            assert_eq!((first.num_calls(), second.num_calls()), (1, 1));
            assert_eq!(keys.len(), 2);
            let good = &keys[&fp];
            assert_eq!(good.der, der);
            assert!(good.fingerprint_matches());
            assert_eq!(good.load().expect("loads").key, crate::integrity::fixtures::fixture_key().to_public_key());
            assert_eq!(good.validity_start.map(|t| t.timestamp()), Some(1_764_000_000));
            let err = keys["ffffffffffffffffffffffffffffffff"].load().expect_err("garbage");
            assert_eq!(err.to_string(), "Unable to load PKCS #1 key with fingerprint ffffffffffffffffffffffffffffffff");
        }

        #[tokio::test]
        async fn denied_names_the_permission() {
            let denied = mock!(Client::list_public_keys).then_http_response(|| {
                HttpResponse::new(
                    StatusCode::try_from(400).expect("status"),
                    SdkBody::from(r#"{"__type":"AccessDeniedException","message":"no"}"#),
                )
            });
            let client = mock_client!(aws_sdk_cloudtrail, RuleMode::MatchAny, [&denied], |c| c
                .retry_config(RetryConfig::disabled()));
            let err = list_public_keys(&client, "eu-west-1", at("2026-11-24T00:00:00Z"), at("2026-11-25T00:00:00Z"))
                .await
                .expect_err("denied");
            let text = err.to_string();
            assert!(
                text.starts_with("cannot list CloudTrail public keys in eu-west-1: AccessDeniedException"),
                "{text}"
            );
            assert!(text.ends_with("(needs cloudtrail:ListPublicKeys)"), "{text}");
        }
    }

    #[test]
    fn trail_arns() {
        let ok = parse_trail_arn("arn:aws:cloudtrail:eu-west-1:111122223333:trail/org/audit").expect("parses");
        assert_eq!(
            ok,
            TrailArn { home_region: "eu-west-1".into(), account: "111122223333".into(), name: "audit".into() }
        );
        for bad in [
            "arn:aws:cloudtrail:eu-west-1:11112222333:trail/a",
            "arn:aws:s3:eu-west-1:111122223333:trail/a",
            "arn:aws:cloudtrail:eu-west-1:111122223333:trail/",
            "arn:aws:cloudtrail::111122223333:trail/a",
            "audit",
        ] {
            let err = parse_trail_arn(bad).expect_err(bad);
            assert_eq!(err.to_string(), format!("Invalid trail ARN provided: {bad}"));
        }
    }

    #[test]
    fn digest_key_pattern_and_marker() {
        let layout = DigestLayout {
            prefix: Some("logs".into()),
            org_id: Some("o-abc".into()),
            account: "111122223333".into(),
            source_region: "eu-west-1".into(),
            home_region: "us-east-1".into(),
            trail: "audit".into(),
        };
        let key = "logs/AWSLogs/o-abc/111122223333/CloudTrail-Digest/eu-west-1/2026/11/25/111122223333_CloudTrail-Digest_eu-west-1_audit_us-east-1_20261125T010203Z.json.gz";
        assert!(layout.matches(key));
        assert_eq!(key_date_text(key), Some("20261125T010203Z"));
        let backfill = key.replace(".json.gz", "_backfill.json.gz");
        assert!(layout.matches(&backfill));
        assert_eq!(key_date_text(&backfill), Some("20261125T010203Z"));
        for other in [
            key.replace("_audit_", "_other_"),
            key.replace("eu-west-1/2026", "us-east-2/2026"),
            key.replace("/11/", "/xx/"),
            key.replace("logs/", ""),
            key.replace(".json.gz", ".json"),
        ] {
            assert!(!layout.matches(&other), "{other}");
        }
        let start = DateTime::parse_from_rfc3339("2026-11-25T00:00:00Z").expect("t").with_timezone(&Utc);
        assert_eq!(
            layout.start_after(start),
            "logs/AWSLogs/o-abc/111122223333/CloudTrail-Digest/eu-west-1/2026/11/24/111122223333_CloudTrail-Digest_eu-west-1_audit_us-east-1_20261124T235900Z.json.gz"
        );
    }
}
