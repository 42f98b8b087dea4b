//! Collection: the only stage that calls AWS. It fills a `Snapshot`.
//!
//! Work is split into (account, region, service) tasks that all wait on one shared limit (`--concurrency`),
//! so a large organization never opens more connections than asked, and each API is called once per
//! (account, region) with its result shared by every check. A failure stays local: a role that cannot be
//! assumed marks that account, a denied call marks that piece of data, and the rest goes on.

pub mod cloudformation;
pub mod cloudtrail;
pub mod compute;
pub mod config;
pub mod data;
pub mod integrity;
pub mod monitoring;
pub mod organizations;
pub mod sdlc;
pub mod security;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::aws::{self, AccountAws, AwsError, AwsOptions, OrgAccount, Session};
use crate::snapshot::{
    AccountServices, AccountSnapshot, CloudFormationData, CloudTrailData, Collected, CollectionError, CollectionRecord,
    ComputeSections, ConfigData, DataSections, ErrorKind, MonitoringSections, Organization, RegionSnapshot,
    SdlcSections, SecuritySections, Snapshot, SCHEMA_VERSION,
};

/// Which regions to audit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum RegionChoice {
    /// The regions enabled in the account (`account:ListRegions`).
    #[default]
    Enabled,
    /// Every region AWS lists, enabled or not (disabled ones are reported as skipped).
    All,
    /// Exactly these.
    Only(Vec<String>),
}

/// Walking an organization (`--org`).
#[derive(Debug, Clone)]
pub struct OrgOptions {
    pub role_name: String,
    pub external_id: Option<String>,
    /// Only these account ids (empty: all).
    pub accounts: Vec<String>,
    /// Only accounts under these OUs or roots, recursively (empty: the whole organization).
    pub ous: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct CollectOptions {
    pub aws: AwsOptions,
    pub regions: RegionChoice,
    pub org: Option<OrgOptions>,
    pub concurrency: usize,
    pub progress: bool,
    pub drift: cloudformation::DriftOptions,
    /// How far back the audit verifies CloudTrail digests and logs (`None`: it does not).
    pub integrity_window: Option<chrono::Duration>,
    /// Ask IAM to generate a fresh credential report when none is recent (`iam:GenerateCredentialReport`).
    pub credential_report: bool,
    /// `--services`: read only the services with these IAM prefixes (`Catalogue::services_read_by`); `None`
    /// reads everything. The sections left out stay `not_collected` in the snapshot.
    pub services: Option<std::collections::BTreeSet<String>>,
}

impl CollectOptions {
    fn reads(&self, service: &str) -> bool {
        selected(self.services.as_ref(), service)
    }

    fn read_set(&self) -> Reads {
        Reads(self.services.clone().map(Arc::new))
    }

    /// The regional collectors this collection runs.
    fn regional(&self) -> Vec<Service> {
        SERVICES.into_iter().filter(|s| s.iam_services().iter().any(|name| self.reads(name))).collect()
    }
}

/// Why a collection could not start. (Failures once it runs are recorded in the snapshot instead.)
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error("--org: {0}")]
    Organization(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error(transparent)]
    Validate(integrity::ValidateError),
}

/// The most per-resource reads (one repository's policy, one table's backups …) a collector keeps in flight for
/// one service of one (account, region).
pub(crate) const PER_RESOURCE: usize = 8;

/// Absent and empty strings both mean "not set" in the snapshot.
pub(crate) fn text(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
}

/// Runs `work` on every item as its own task, at most `limit` at once, and returns how each task ended, in the
/// items' order: its result, or the panic that stopped it. Every task started is awaited, never aborted, so no
/// call in flight is cancelled and the call recorder counts each one.
pub(crate) async fn spawn_bounded<T, R, Fut>(
    items: impl IntoIterator<Item = T>,
    limit: usize,
    work: impl Fn(T) -> Fut,
) -> Vec<Result<R, tokio::task::JoinError>>
where
    R: Send + 'static,
    Fut: std::future::Future<Output = R> + Send + 'static,
{
    let mut results: Vec<Option<Result<R, tokio::task::JoinError>>> = Vec::new();
    let mut index_of = std::collections::HashMap::new();
    let mut running = JoinSet::new();
    // Owned before the first await: a borrowing iterator held across it would tie the future to its lifetimes.
    let items: Vec<T> = items.into_iter().collect();
    let mut items = items.into_iter().enumerate();
    loop {
        while running.len() < limit.max(1) {
            let Some((i, item)) = items.next() else { break };
            results.push(None);
            index_of.insert(running.spawn(work(item)).id(), i);
        }
        let (id, ended) = match running.join_next_with_id().await {
            None => break,
            Some(Ok((id, r))) => (id, Ok(r)),
            Some(Err(e)) => (e.id(), Err(e)),
        };
        if let Some(&i) = index_of.get(&id) {
            results[i] = Some(ended);
        }
    }
    // Each task spawned ends exactly once, under the id it was filed with: no slot stays empty.
    results.into_iter().flatten().collect()
}

/// [`spawn_bounded`] for work that cannot fail as a task: a panic in one goes on up as it would have without the
/// task (it is a bug here), and the results come back in the items' order.
pub(crate) async fn bounded<T, R, Fut>(
    items: impl IntoIterator<Item = T>,
    limit: usize,
    work: impl Fn(T) -> Fut,
) -> Vec<R>
where
    R: Send + 'static,
    Fut: std::future::Future<Output = R> + Send + 'static,
{
    spawn_bounded(items, limit, work)
        .await
        .into_iter()
        .map(|ended| ended.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic())))
        .collect()
}

/// The section `read` reads, or `NotCollected` without a call when no check that runs needs it.
/// The IAM services the selected checks read (`--services`, widened by `Catalogue::services_read_by`); `None` reads
/// every one. Each regional collector asks it before calling a service, so a service no selected check reads is
/// never called and stays `not_collected`.
#[derive(Debug, Clone, Default)]
pub struct Reads(Option<Arc<std::collections::BTreeSet<String>>>);

impl Reads {
    pub fn service(&self, name: &str) -> bool {
        selected(self.0.as_deref(), name)
    }
}

/// Whether `--services` (`None`: every service) reads `name`.
fn selected(only: Option<&std::collections::BTreeSet<String>>, name: &str) -> bool {
    only.is_none_or(|only| only.contains(name))
}

pub(crate) async fn only_if<T>(read: bool, collect: impl std::future::Future<Output = Collected<T>>) -> Collected<T> {
    if read {
        collect.await
    } else {
        Collected::NotCollected
    }
}

/// The code of the error recorded where a collector task failed (panicked or was cancelled) instead of returning.
pub const TASK_FAILED: &str = "CollectorTaskFailed";

/// The error recorded in place of what a collector task for `what` would have returned, had it not failed: a panic
/// (with its message) or a cancellation. Its kind evaluates to `unknown`, so the checks on that data say why.
pub(crate) fn task_failure(what: &str, e: tokio::task::JoinError) -> CollectionError {
    let reason = if e.is_panic() {
        let payload = e.into_panic();
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        format!("it panicked: {text}")
    } else {
        "it was cancelled".into()
    };
    CollectionError {
        kind: ErrorKind::Other,
        code: TASK_FAILED.into(),
        message: format!(
            "the collector task for {what} failed ({reason}); its data is missing and its checks are unknown (a \
             dopaudit bug: please report it)"
        ),
        permission: None,
    }
}

/// Awaits every task of `set` and returns how each ended, under the key it was filed with in `keys` (by task id):
/// its result, or the failure that stopped it. No task is lost: one that panicked comes back as an `Err` in place.
pub(crate) async fn join_keyed<K, T: 'static>(
    set: &mut JoinSet<T>,
    keys: &std::collections::HashMap<tokio::task::Id, K>,
) -> Vec<(K, Result<T, tokio::task::JoinError>)>
where
    K: Clone,
{
    let mut ended = Vec::new();
    while let Some(joined) = set.join_next_with_id().await {
        let (id, result) = match joined {
            Ok((id, value)) => (id, Ok(value)),
            Err(e) => (e.id(), Err(e)),
        };
        if let Some(key) = keys.get(&id) {
            ended.push((key.clone(), result));
        }
    }
    ended
}

/// Converts an SDK timestamp; `None` when it is out of chrono's range.
pub fn to_chrono(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

/// The runtime the synchronous command layer runs a collection on.
fn runtime() -> Result<tokio::runtime::Runtime, CollectError> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(CollectError::Runtime)
}

/// Runs a collection on its own runtime (for the synchronous command layer).
pub fn collect_blocking(opts: &CollectOptions) -> Result<Snapshot, CollectError> {
    let runtime = runtime()?;
    runtime.block_on(collect(opts))
}

/// Reads only the organization (tree and policies) from the caller's account, e.g. for `scp simulate`.
pub fn organization_blocking(
    opts: &AwsOptions,
) -> Result<(Collected<crate::snapshot::OrgTree>, Vec<String>), CollectError> {
    let runtime = runtime()?;
    runtime.block_on(async {
        let (session, warnings) = Session::connect(opts).await?;
        let own = session.own_account();
        match aws::describe_organization(&own).await {
            Ok(Some(org)) => Ok((organizations::collect(&own, &org).await, warnings)),
            Ok(None) => {
                Err(CollectError::Organization(format!("account {} is not in an organization", session.caller.account)))
            }
            Err(e) => Err(CollectError::Organization(format!("cannot describe the organization: {}", e.brief()))),
        }
    })
}

/// Runs `validate-logs` on its own runtime, with a progress bar on a terminal.
pub fn validate_blocking(
    opts: &AwsOptions,
    request: &integrity::ValidateRequest,
    progress: bool,
) -> Result<(crate::integrity::report::ValidationReport, Vec<String>), CollectError> {
    use integrity::{validate, Progress};
    struct Bar(ProgressBar);
    impl Progress for Bar {
        fn planned(&self, digests: usize, logs: usize) {
            self.0.inc_length((digests + logs) as u64);
        }
        fn done(&self, n: usize) {
            self.0.inc(n as u64);
        }
    }
    let runtime = runtime()?;
    runtime.block_on(async {
        let (session, warnings) = Session::connect(opts).await?;
        let bar = progress_bar(progress, 0, "validating");
        let reporter: Option<std::sync::Arc<dyn Progress>> =
            progress.then(|| std::sync::Arc::new(Bar(bar.clone())) as std::sync::Arc<dyn Progress>);
        let result = validate(&session.own_account(), request, reporter).await;
        bar.finish_and_clear();
        let mut report = result.map_err(CollectError::Validate)?;
        report.calls = session.recorder.counts();
        Ok((report, warnings))
    })
}

/// One account once it has been entered (or found unreachable).
struct AccountSetup {
    id: String,
    name: Option<String>,
    aws: Result<AccountAws, CollectionError>,
    organization: Collected<Option<crate::snapshot::Organization>>,
    /// Regions AWS says are not enabled in this account.
    disabled: Vec<String>,
}

impl AccountSetup {
    /// An account whose entry task failed: kept, with the error every check will report it unknown by.
    fn failed(target: &OrgAccount, error: CollectionError) -> Self {
        AccountSetup {
            id: target.id.clone(),
            name: target.name.clone(),
            aws: Err(error),
            organization: Collected::NotCollected,
            disabled: Vec::new(),
        }
    }
}

enum Section {
    CloudTrail(Collected<CloudTrailData>),
    Config(Box<Collected<ConfigData>>),
    CloudFormation(Box<Collected<CloudFormationData>>),
    Sdlc(Box<SdlcSections>),
    Compute(Box<ComputeSections>),
    Data(Box<DataSections>),
    Monitoring(Box<MonitoringSections>),
    Security(Box<SecuritySections>),
}

/// One region's sections as they come back from their tasks.
#[derive(Default)]
struct RegionSections {
    cloudtrail: Collected<CloudTrailData>,
    config: Collected<ConfigData>,
    cloudformation: Collected<CloudFormationData>,
    sdlc: SdlcSections,
    compute: ComputeSections,
    data: DataSections,
    monitoring: MonitoringSections,
    security: SecuritySections,
}

pub async fn collect(opts: &CollectOptions) -> Result<Snapshot, CollectError> {
    let started_at = Utc::now();
    let clock = Instant::now();
    let (session, mut warnings) = Session::connect(&opts.aws).await?;
    let own = session.own_account();
    let limit = Arc::new(Semaphore::new(opts.concurrency.max(1)));

    let (own_regions, own_org) = tokio::join!(aws::region_statuses(&own), aws::describe_organization(&own));
    let regions = resolve_regions(&opts.regions, &own_regions, &mut warnings);
    let targets = targets(&session, &own, &own_org, opts.org.as_ref(), &mut warnings).await?;

    // The organization's tree and policies, read once from the caller's account, alongside everything else.
    let tree_task = match &own_org {
        Ok(Some(org)) if opts.reads("organizations") => {
            let (own, org, limit) = (own.clone(), org.clone(), limit.clone());
            Some(tokio::spawn(async move {
                let _permit = limit.acquire_owned().await;
                organizations::collect(&own, &org).await
            }))
        }
        _ => None,
    };

    let services = opts.regional();
    let read_iam = opts.reads("iam");
    let reads = opts.read_set();
    let progress = progress_bar(
        opts.progress,
        targets.len() as u64 * (2 + services.len() as u64 * regions.len() as u64),
        "collecting",
    );

    // Phase 1: enter each account and read what holds for the whole account.
    let mut setups: JoinSet<AccountSetup> = JoinSet::new();
    let mut setup_keys = std::collections::HashMap::new();
    for (i, target) in targets.iter().cloned().enumerate() {
        let (session, limit, org, progress) = (session.clone(), limit.clone(), opts.org.clone(), progress.clone());
        // The caller's own account was already read above; reuse that rather than call again.
        let known = (target.id == session.caller.account).then(|| (own_org.clone(), own_regions.clone()));
        let handle = setups.spawn(async move {
            let _permit = limit.acquire_owned().await;
            progress.set_message(format!("entering {}", target.id));
            let setup = enter_account(&session, target, org.as_ref(), known).await;
            progress.inc(1);
            setup
        });
        setup_keys.insert(handle.id(), i);
    }
    let mut task_failures = Vec::new();
    let mut entered: Vec<Option<AccountSetup>> = (0..targets.len()).map(|_| None).collect();
    for (i, ended) in join_keyed(&mut setups, &setup_keys).await {
        entered[i] = Some(ended.unwrap_or_else(|e| {
            // The account stays in the snapshot, marked: every check reports it unknown, with this reason.
            let target = &targets[i];
            let error = task_failure(&format!("account {}", target.id), e);
            task_failures.push(error.message.clone());
            AccountSetup::failed(target, error)
        }));
    }
    // Every task is joined above; a slot still empty would be a bug, and is marked rather than dropped.
    let entered: Vec<AccountSetup> = entered
        .into_iter()
        .zip(&targets)
        .map(|(setup, target)| {
            setup.unwrap_or_else(|| {
                let error = CollectionError {
                    kind: ErrorKind::Other,
                    code: TASK_FAILED.into(),
                    message: format!("the collector task for account {} never reported back", target.id),
                    permission: None,
                };
                task_failures.push(error.message.clone());
                AccountSetup::failed(target, error)
            })
        })
        .collect();
    for setup in &entered {
        let skipped: Vec<&str> = regions.iter().filter(|r| setup.disabled.contains(r)).map(String::as_str).collect();
        if !skipped.is_empty() {
            warnings.push(format!(
                "account {}: skipping {} (opt-in, not enabled in the account); their checks are reported as skipped",
                setup.id,
                skipped.join(", ")
            ));
        }
    }

    // Phase 2: every (account, region, service) behind the shared limit, and each account's global services.
    let mut tasks: JoinSet<Section> = JoinSet::new();
    let mut task_keys = std::collections::HashMap::new();
    let mut account_tasks: JoinSet<AccountServices> = JoinSet::new();
    let mut account_keys = std::collections::HashMap::new();
    for (ai, setup) in entered.iter().enumerate() {
        let Ok(account) = &setup.aws else {
            progress.inc(1 + services.len() as u64 * regions.len() as u64);
            continue;
        };
        if !read_iam {
            progress.inc(1);
        } else {
            let (account, limit, progress, report) =
                (account.clone(), limit.clone(), progress.clone(), opts.credential_report);
            // Only the management account or the IAM delegated administrator can list the organization's root access
            // features: the caller's account asks (when it is, or may be, in an organization); the others do not.
            let org_features =
                setup.id == session.caller.account && !matches!(setup.organization, Collected::Ok { data: None });
            let handle = account_tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                progress.set_message(format!("{} global iam", account.account_id));
                let services = security::collect_account(&account, report, org_features).await;
                progress.inc(1);
                services
            });
            account_keys.insert(handle.id(), ai);
        }
        for (ri, region) in regions.iter().enumerate() {
            if setup.disabled.contains(region) {
                progress.inc(services.len() as u64);
                continue;
            }
            for &service in &services {
                let (drift, reads) = (opts.drift.clone(), reads.clone());
                let integrity_window = opts.integrity_window;
                let (account, region, limit, progress) =
                    (account.clone(), region.clone(), limit.clone(), progress.clone());
                let handle = tasks.spawn(async move {
                    let _permit = limit.acquire_owned().await;
                    progress.set_message(format!("{} {region} {}", account.account_id, service.name()));
                    let section = match service {
                        Service::CloudTrail => {
                            Section::CloudTrail(cloudtrail::collect(&account, &region, integrity_window).await)
                        }
                        Service::Config => {
                            Section::Config(Box::new(config::collect(&account.config_service(&region)).await))
                        }
                        Service::CloudFormation => {
                            Section::CloudFormation(Box::new(cloudformation::collect(&account, &region, &drift).await))
                        }
                        Service::Sdlc => Section::Sdlc(Box::new(sdlc::collect(&account, &region, &reads).await)),
                        Service::Compute => {
                            Section::Compute(Box::new(compute::collect(&account, &region, &reads).await))
                        }
                        Service::Data => Section::Data(Box::new(data::collect(&account, &region, &reads).await)),
                        Service::Monitoring => {
                            Section::Monitoring(Box::new(monitoring::collect(&account, &region, &reads).await))
                        }
                        Service::Security => {
                            Section::Security(Box::new(security::collect(&account, &region, &reads).await))
                        }
                    };
                    progress.inc(1);
                    section
                });
                task_keys.insert(handle.id(), (ai, ri, service));
            }
        }
    }
    let mut sections: BTreeMap<(usize, usize), RegionSections> = BTreeMap::new();
    for ((ai, ri, service), ended) in join_keyed(&mut tasks, &task_keys).await {
        let section = ended.unwrap_or_else(|e| {
            let what = format!("{} in {} of account {}", service.name(), regions[ri], entered[ai].id);
            let error = task_failure(&what, e);
            task_failures.push(error.message.clone());
            service.failed(&error)
        });
        let slot = sections.entry((ai, ri)).or_default();
        match section {
            Section::CloudTrail(c) => slot.cloudtrail = c,
            Section::Config(c) => slot.config = *c,
            Section::CloudFormation(c) => slot.cloudformation = *c,
            Section::Sdlc(c) => slot.sdlc = *c,
            Section::Compute(c) => slot.compute = *c,
            Section::Data(c) => slot.data = *c,
            Section::Monitoring(c) => slot.monitoring = *c,
            Section::Security(c) => slot.security = *c,
        }
    }
    let mut account_services: BTreeMap<usize, AccountServices> = BTreeMap::new();
    for (ai, ended) in join_keyed(&mut account_tasks, &account_keys).await {
        let services = ended.unwrap_or_else(|e| {
            let error = task_failure(&format!("iam of account {}", entered[ai].id), e);
            task_failures.push(error.message.clone());
            AccountServices { iam: Collected::Error { error } }
        });
        account_services.insert(ai, services);
    }
    progress.finish_and_clear();
    let organization = match (tree_task, &own_org) {
        (Some(task), _) => task.await.unwrap_or_else(|e| {
            let error = task_failure("the organization's tree and policies", e);
            task_failures.push(error.message.clone());
            Collected::Error { error }
        }),
        (None, Ok(_)) => Collected::Error {
            error: CollectionError {
                kind: ErrorKind::NotSubscribed,
                code: "AWSOrganizationsNotInUseException".into(),
                message: "the account is not in an organization".into(),
                permission: Some("organizations:DescribeOrganization".into()),
            },
        },
        (None, Err(error)) => Collected::Error { error: error.clone() },
    };

    let accounts = entered
        .into_iter()
        .enumerate()
        .map(|(ai, setup)| {
            let error = setup.aws.as_ref().err().cloned();
            let region_snapshots = if error.is_some() {
                Vec::new()
            } else {
                regions
                    .iter()
                    .enumerate()
                    .map(|(ri, region)| {
                        if setup.disabled.contains(region) {
                            let err = region_disabled(region);
                            return RegionSnapshot {
                                region: region.clone(),
                                cloudtrail: Collected::Error { error: err.clone() },
                                config: Collected::Error { error: err.clone() },
                                cloudformation: Collected::Error { error: err.clone() },
                                sdlc: SdlcSections::unavailable(&err),
                                compute: ComputeSections::unavailable(&err),
                                data: DataSections::unavailable(&err),
                                monitoring: MonitoringSections::unavailable(&err),
                                security: SecuritySections::unavailable(&err),
                            };
                        }
                        let got = sections.remove(&(ai, ri)).unwrap_or_default();
                        RegionSnapshot {
                            region: region.clone(),
                            cloudtrail: got.cloudtrail,
                            config: got.config,
                            cloudformation: got.cloudformation,
                            sdlc: got.sdlc,
                            compute: got.compute,
                            data: got.data,
                            monitoring: got.monitoring,
                            security: got.security,
                        }
                    })
                    .collect()
            };
            AccountSnapshot {
                account_id: setup.id,
                name: setup.name,
                error,
                organization: setup.organization,
                regions: region_snapshots,
                services: account_services.remove(&ai).unwrap_or_default(),
            }
        })
        .collect();

    Ok(Snapshot {
        schema_version: SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").into(),
        generated_at: Utc::now(),
        source: "live".into(),
        description: None,
        regions,
        accounts,
        organization,
        collection: Some(CollectionRecord {
            caller_arn: session.caller.arn.clone(),
            caller_account: session.caller.account.clone(),
            started_at,
            duration_ms: clock.elapsed().as_millis() as u64,
            calls: session.recorder.counts(),
            warnings,
            task_failures,
        }),
    })
}

#[derive(Debug, Clone, Copy)]
enum Service {
    CloudTrail,
    Config,
    CloudFormation,
    Sdlc,
    Compute,
    Data,
    Monitoring,
    Security,
}

/// The regional services (or groups of services) collected for every (account, region).
const SERVICES: [Service; 8] = [
    Service::CloudTrail,
    Service::Config,
    Service::CloudFormation,
    Service::Sdlc,
    Service::Compute,
    Service::Data,
    Service::Monitoring,
    Service::Security,
];

impl Service {
    /// The IAM prefixes of the services the collector reads.
    fn iam_services(self) -> &'static [&'static str] {
        match self {
            Service::CloudTrail => &["cloudtrail"],
            Service::Config => &["config"],
            Service::CloudFormation => &["cloudformation"],
            Service::Sdlc => &["codepipeline", "codebuild", "codedeploy", "ecr"],
            Service::Compute => &["lambda", "apigateway", "elasticbeanstalk", "states"],
            Service::Data => &["rds", "dynamodb", "elasticache", "elasticfilesystem"],
            Service::Monitoring => &["logs", "cloudwatch", "events", "sqs"],
            Service::Security => &["guardduty", "ssm"],
        }
    }

    /// What the collector would have returned, every part marked with `error` (its task failed).
    fn failed(self, error: &CollectionError) -> Section {
        match self {
            Service::CloudTrail => Section::CloudTrail(Collected::Error { error: error.clone() }),
            Service::Config => Section::Config(Box::new(Collected::Error { error: error.clone() })),
            Service::CloudFormation => Section::CloudFormation(Box::new(Collected::Error { error: error.clone() })),
            Service::Sdlc => Section::Sdlc(Box::new(SdlcSections::unavailable(error))),
            Service::Compute => Section::Compute(Box::new(ComputeSections::unavailable(error))),
            Service::Data => Section::Data(Box::new(DataSections::unavailable(error))),
            Service::Monitoring => Section::Monitoring(Box::new(MonitoringSections::unavailable(error))),
            Service::Security => Section::Security(Box::new(SecuritySections::unavailable(error))),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Service::CloudTrail => "cloudtrail",
            Service::Config => "config",
            Service::CloudFormation => "cloudformation",
            Service::Sdlc => "codepipeline/codebuild/codedeploy/ecr",
            Service::Compute => "lambda/apigateway/elasticbeanstalk/states",
            Service::Data => "rds/dynamodb/elasticache/efs",
            Service::Monitoring => "logs/cloudwatch/events/sqs",
            Service::Security => "guardduty/ssm",
        }
    }
}

fn region_disabled(region: &str) -> CollectionError {
    CollectionError {
        kind: ErrorKind::RegionDisabled,
        code: "RegionNotEnabled".into(),
        message: format!("{region} is an opt-in region that is not enabled for this account"),
        permission: None,
    }
}

fn progress_bar(enabled: bool, total: u64, label: &str) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template(&format!("{{spinner}} {label} [{{bar:30}}] {{pos}}/{{len}} {{wide_msg}}"))
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// The regions to audit, from the choice and the caller account's region list (or its failure).
fn resolve_regions(
    choice: &RegionChoice,
    statuses: &Result<Vec<(String, String)>, CollectionError>,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    let fallback = |warnings: &mut Vec<String>, e: &CollectionError| {
        warnings.push(format!(
            "cannot list the account's regions ({}); auditing the {} regions AWS enables by default",
            e.brief(),
            aws::DEFAULT_REGIONS.len()
        ));
        aws::DEFAULT_REGIONS.iter().map(|r| r.to_string()).collect()
    };
    let mut regions: Vec<String> = match (choice, statuses) {
        (RegionChoice::Only(list), _) => list.clone(),
        (RegionChoice::Enabled, Ok(list)) => {
            list.iter().filter(|(_, s)| is_enabled(s)).map(|(r, _)| r.clone()).collect()
        }
        (RegionChoice::All, Ok(list)) => list.iter().map(|(r, _)| r.clone()).collect(),
        (_, Err(e)) => fallback(warnings, e),
    };
    regions.sort();
    regions.dedup();
    regions
}

fn is_enabled(status: &str) -> bool {
    matches!(status, "ENABLED" | "ENABLED_BY_DEFAULT")
}

/// The accounts to audit: the caller's own, or the organization's (filtered).
async fn targets(
    session: &Session,
    own: &AccountAws,
    own_org: &Result<Option<Organization>, CollectionError>,
    org: Option<&OrgOptions>,
    warnings: &mut Vec<String>,
) -> Result<Vec<OrgAccount>, CollectError> {
    let Some(org) = org else {
        return Ok(vec![OrgAccount { id: session.caller.account.clone(), name: None, status: "ACTIVE".into() }]);
    };
    match own_org {
        Ok(Some(_)) => {}
        Ok(None) => {
            return Err(CollectError::Organization(format!(
                "account {} is not in an organization",
                session.caller.account
            )))
        }
        Err(e) => return Err(CollectError::Organization(format!("cannot describe the organization: {}", e.brief()))),
    }
    let listed = aws::list_org_accounts(own, &org.ous).await.map_err(|e| {
        CollectError::Organization(format!(
            "cannot list the organization's accounts ({}); run from the management account or a delegated administrator",
            e.brief()
        ))
    })?;
    let mut chosen = Vec::new();
    for a in listed {
        if !org.accounts.is_empty() && !org.accounts.contains(&a.id) {
            continue;
        }
        if a.status != "ACTIVE" {
            warnings.push(format!(
                "skipping account {} ({}): its status is {}",
                a.id,
                a.name.clone().unwrap_or_default(),
                a.status
            ));
            continue;
        }
        chosen.push(a);
    }
    // A mistyped id must not turn into a clean audit of nothing.
    if let Some(missing) = org.accounts.iter().find(|w| !chosen.iter().any(|a| &&a.id == w)) {
        return Err(CollectError::Organization(format!(
            "--accounts: {missing} is not an active account of the organization{}",
            if org.ous.is_empty() { "" } else { " under --ou" }
        )));
    }
    if chosen.is_empty() {
        return Err(CollectError::Organization("no active account to audit (check --ou)".into()));
    }
    Ok(chosen)
}

/// What was already read of the caller's own account: its organization and its regions.
type Known = (Result<Option<Organization>, CollectionError>, Result<Vec<(String, String)>, CollectionError>);

async fn enter_account(
    session: &Session,
    target: OrgAccount,
    org: Option<&OrgOptions>,
    known: Option<Known>,
) -> AccountSetup {
    let aws = match org {
        _ if target.id == session.caller.account => Ok(session.own_account()),
        Some(org) => session.assume(&target.id, &org.role_name, org.external_id.as_deref()).await,
        None => Err(CollectionError {
            kind: ErrorKind::AccountUnreachable,
            code: "NotTargeted".into(),
            message: "other accounts are entered only with --org".into(),
            permission: None,
        }),
    };
    let (organization, disabled) = match &aws {
        Err(_) => (Collected::NotCollected, Vec::new()),
        Ok(account) => {
            let (organization, statuses) = match known {
                Some(k) => k,
                None => tokio::join!(aws::describe_organization(account), aws::region_statuses(account)),
            };
            let organization = match organization {
                Ok(o) => Collected::ok(o),
                Err(error) => Collected::Error { error },
            };
            let disabled = statuses
                .map(|list| list.into_iter().filter(|(_, s)| !is_enabled(s)).map(|(r, _)| r).collect())
                .unwrap_or_default();
            (organization, disabled)
        }
    };
    AccountSetup { id: target.id, name: target.name, aws, organization, disabled }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statuses() -> Result<Vec<(String, String)>, CollectionError> {
        Ok(vec![
            ("us-east-1".into(), "ENABLED_BY_DEFAULT".into()),
            ("af-south-1".into(), "DISABLED".into()),
            ("me-south-1".into(), "ENABLED".into()),
        ])
    }

    fn narrowed(services: &[&str]) -> CollectOptions {
        let catalogue = crate::notes::Catalogue::embedded().unwrap();
        let picked = catalogue.select_services(&services.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
        CollectOptions {
            aws: AwsOptions::default(),
            regions: RegionChoice::Enabled,
            org: None,
            concurrency: 1,
            progress: false,
            drift: cloudformation::DriftOptions { detect: false, timeout: std::time::Duration::ZERO, per_region: 1 },
            integrity_window: None,
            credential_report: false,
            services: Some(catalogue.services_read_by(&picked)),
        }
    }

    #[test]
    fn every_service_a_check_reads_has_a_collector() {
        let catalogue = crate::notes::Catalogue::embedded().unwrap();
        let all: std::collections::BTreeSet<String> = catalogue.services().into_iter().map(str::to_string).collect();
        let read = catalogue.services_read_by(&all);
        let collected: std::collections::BTreeSet<&str> =
            SERVICES.iter().flat_map(|s| s.iam_services().iter().copied()).collect();
        // iam: the account-wide task; organizations: the tree task; s3: the trail buckets, read by CloudTrail's.
        let missing: Vec<&String> = read
            .iter()
            .filter(|s| !collected.contains(s.as_str()) && !["iam", "organizations", "s3"].contains(&s.as_str()))
            .collect();
        assert!(missing.is_empty(), "no collector reads {missing:?}");
    }

    #[test]
    fn services_narrow_the_collectors_to_what_their_checks_read() {
        let names = |o: &CollectOptions| o.regional().iter().map(|s| s.name()).collect::<Vec<_>>();
        let scope = narrowed(&["cloudtrail", "config", "organizations", "cloudformation"]);
        // scp-management-account-workloads (an organizations check) also lists the management account's workloads
        // (functions, APIs, databases): its declared permissions. GuardDuty's delegated administrator is a
        // guardduty check now, so GuardDuty is not read.
        assert_eq!(
            names(&scope),
            [
                "cloudtrail",
                "config",
                "cloudformation",
                "lambda/apigateway/elasticbeanstalk/states",
                "rds/dynamodb/elasticache/efs"
            ]
        );
        assert!(scope.reads("organizations") && !scope.reads("iam") && !scope.reads("codebuild"));
        // The CloudWatch Logs checks judge the trail's log group, so CloudTrail is read with them.
        let logs = narrowed(&["logs"]);
        assert!(names(&logs).contains(&"cloudtrail") && names(&logs).contains(&"logs/cloudwatch/events/sqs"));
        assert!(!names(&logs).contains(&"config"));
        assert_eq!(narrowed(&["iam"]).regional().len(), 0);
        let all = CollectOptions { services: None, ..narrowed(&["iam"]) };
        assert_eq!(all.regional().len(), SERVICES.len());
        assert!(all.reads("iam") && all.reads("organizations"));
    }

    #[tokio::test]
    async fn bounded_keeps_the_order_and_the_limit() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let out = bounded(0..30u64, PER_RESOURCE, |i| {
            let (running, peak) = (running.clone(), peak.clone());
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                // Later items finish sooner, so completion order is not the items' order.
                tokio::time::sleep(std::time::Duration::from_millis(31 - i)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                i * 2
            }
        })
        .await;
        assert_eq!(out, (0..30u64).map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(peak.load(Ordering::SeqCst), PER_RESOURCE, "at most {PER_RESOURCE} in flight, and that many used");
    }

    #[tokio::test]
    async fn spawn_bounded_reports_a_panicked_task_in_its_place() {
        let ended = spawn_bounded(vec![1, 2, 3], 2, |i| async move {
            assert_ne!(i, 2, "simulated crash of one task");
            i
        })
        .await;
        assert_eq!(ended.len(), 3);
        assert_eq!(ended[0].as_ref().ok(), Some(&1));
        assert!(ended[1].as_ref().is_err_and(|e| e.is_panic()));
        assert_eq!(ended[2].as_ref().ok(), Some(&3));
    }

    /// A collector task that panics is not dropped: it comes back under its key as a failure, which becomes a
    /// recorded error (unknown for its checks, naming the task and the panic), and the other tasks keep their data.
    #[tokio::test]
    async fn a_panicking_collector_task_becomes_a_recorded_error() {
        let mut set: JoinSet<Collected<u32>> = JoinSet::new();
        let mut keys = std::collections::HashMap::new();
        for (key, crash) in [("a", false), ("b", true), ("c", false)] {
            let handle = set.spawn(async move {
                assert!(!crash, "simulated collector bug");
                Collected::ok(7)
            });
            keys.insert(handle.id(), key);
        }
        let mut ended = join_keyed(&mut set, &keys).await;
        ended.sort_by_key(|(k, _)| *k);
        assert_eq!(ended.iter().map(|(k, _)| *k).collect::<Vec<_>>(), ["a", "b", "c"], "no task is lost");
        let mut results = ended.into_iter().map(|(key, r)| {
            (key, r.unwrap_or_else(|e| Collected::Error { error: task_failure(&format!("test {key}"), e) }))
        });
        assert!(matches!(results.next(), Some(("a", Collected::Ok { data: 7 }))));
        let (_, failed) = results.next().expect("b");
        let error = failed.get().expect_err("b failed");
        assert_eq!(error.code, TASK_FAILED);
        assert!(
            error.message.contains("the collector task for test b failed (it panicked: simulated collector bug)"),
            "{}",
            error.message
        );
        let outcome = crate::checks::At::new("111111111111", "us-east-1", "x").not_evaluated(&error);
        assert_eq!(outcome.status, crate::report::Status::Unknown, "{}", outcome.message);
        assert!(matches!(results.next(), Some(("c", Collected::Ok { data: 7 }))));
    }

    #[test]
    fn a_failed_section_task_marks_every_part_of_its_section() {
        let error = CollectionError {
            kind: ErrorKind::Other,
            code: TASK_FAILED.into(),
            message: "the collector task for rds/dynamodb/elasticache/efs failed".into(),
            permission: None,
        };
        let Section::Data(data) = Service::Data.failed(&error) else { panic!("a data section") };
        for part in
            [data.rds.get().err(), data.dynamodb.get().err(), data.elasticache.get().err(), data.efs.get().err()]
        {
            assert_eq!(part.map(|e| e.code), Some(TASK_FAILED.to_string()));
        }
        assert!(matches!(Service::CloudTrail.failed(&error), Section::CloudTrail(Collected::Error { .. })));
    }

    /// An account whose task failed stays in the snapshot: every check reports it `unknown` (so `--strict` fails the
    /// audit), and stderr says so, even with `--quiet`.
    #[tokio::test]
    async fn an_account_whose_task_failed_is_unknown_everywhere_and_said() {
        let joined = tokio::spawn(async { panic!("boom") }).await;
        let error = task_failure("account 222222222222", joined.expect_err("panicked"));
        let mut acct = crate::checks::fixtures::account("222222222222", None, vec![]);
        acct.error = Some(error.clone());
        let mut snap = crate::checks::fixtures::snapshot(vec![acct]);
        snap.collection = Some(CollectionRecord { task_failures: vec![error.message.clone()], ..Default::default() });
        let findings = crate::checks::evaluate(&snap, crate::notes::Catalogue::embedded().unwrap());
        assert!(!findings.is_empty());
        assert!(findings.iter().all(|f| f.status == crate::report::Status::Unknown
            && f.message.contains("collector task for account 222222222222 failed (it panicked: boom)")));
        let report = crate::report::Report::generate(
            crate::notes::Catalogue::embedded().unwrap(),
            &snap,
            &crate::report::Source::Live,
            findings,
            Utc::now(),
        );
        assert_eq!(crate::report::decide(&report, crate::notes::Severity::Low, true), crate::report::Verdict::Failing);
        for quiet in [false, true] {
            let mut err = Vec::new();
            crate::report::write_collection_notes(&snap, quiet, &mut err).unwrap();
            let text = String::from_utf8(err).unwrap();
            assert!(text.contains("dopaudit: error: the collector task for account 222222222222 failed"), "{text}");
            if !quiet {
                assert!(text.contains("(1 not collected: its collector task failed)"), "{text}");
                assert!(text.contains("1 collector task(s) failed, their checks are unknown"), "{text}");
                assert!(!text.contains("unreachable"), "{text}");
            }
        }
    }

    #[test]
    fn regions_follow_the_choice() {
        let mut w = Vec::new();
        assert_eq!(resolve_regions(&RegionChoice::Enabled, &statuses(), &mut w), vec!["me-south-1", "us-east-1"]);
        assert_eq!(
            resolve_regions(&RegionChoice::All, &statuses(), &mut w),
            vec!["af-south-1", "me-south-1", "us-east-1"]
        );
        let only = RegionChoice::Only(vec!["us-west-2".into(), "us-east-1".into(), "us-west-2".into()]);
        assert_eq!(resolve_regions(&only, &statuses(), &mut w), vec!["us-east-1", "us-west-2"]);
        assert!(w.is_empty());
    }

    #[test]
    fn unreadable_region_list_falls_back_and_says_so() {
        let denied = Err(CollectionError {
            kind: ErrorKind::AccessDenied,
            code: "AccessDeniedException".into(),
            message: "no".into(),
            permission: Some("account:ListRegions".into()),
        });
        let mut w = Vec::new();
        let regions = resolve_regions(&RegionChoice::Enabled, &denied, &mut w);
        assert_eq!(regions.len(), aws::DEFAULT_REGIONS.len());
        assert!(w[0].contains("account:ListRegions"), "{w:?}");
        let mut w = Vec::new();
        let only = resolve_regions(&RegionChoice::Only(vec!["eu-west-1".into()]), &denied, &mut w);
        assert_eq!(only, vec!["eu-west-1"]);
        assert!(w.is_empty(), "an explicit list needs no fallback");
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Assertions the collectors' tests share.

    use std::fmt;

    use crate::snapshot::{Collected, CollectionError};

    pub fn error<T: fmt::Debug>(c: &Collected<T>) -> &CollectionError {
        match c {
            Collected::Error { error } => error,
            other => panic!("expected a recorded error, got {other:?}"),
        }
    }

    pub fn ok<T: fmt::Debug>(c: &Collected<T>) -> &T {
        match c {
            Collected::Ok { data } => data,
            other => panic!("expected data, got {other:?}"),
        }
    }
}
