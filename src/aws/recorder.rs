//! Records every AWS operation the tool makes: an interceptor on every client counts calls, HTTP attempts
//! (retries included) and errors per (service, operation). The counts go into the snapshot, where the
//! read-only test checks them against an allow-list and the declared IAM actions.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

use crate::snapshot::CallCount;

type Counts = BTreeMap<(String, String), CallCount>;

/// The IAM action that authorizes an operation: `service:Operation`, but for the few operations whose
/// action is named differently.
pub fn iam_action(service: &str, operation: &str) -> String {
    match (service, operation) {
        ("s3", "GetObjectLockConfiguration") => "s3:GetBucketObjectLockConfiguration".into(),
        ("s3", "ListObjectsV2") => "s3:ListBucket".into(),
        // API Gateway's management API is authorized by HTTP method on the resource path.
        ("apigateway", op) if op.starts_with("Get") => "apigateway:GET".into(),
        _ => format!("{service}:{operation}"),
    }
}

/// The verbs of the operations that only read.
pub const READ_VERBS: [&str; 5] = ["List", "Describe", "Get", "Lookup", "BatchGet"];

/// Whether an operation (`DescribeTrails`) or the action part of an IAM action (`apigateway:GET`'s `GET`) only
/// reads. API Gateway's management API is authorized by HTTP method, and its `GET` reads.
pub fn is_read(operation: &str) -> bool {
    operation == "GET" || READ_VERBS.iter().any(|verb| operation.starts_with(verb))
}

/// The shared tally; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    counts: Arc<Mutex<Counts>>,
}

impl Recorder {
    /// An interceptor for one service's clients, named by its IAM prefix (`cloudtrail`, `config`, …).
    pub fn interceptor(&self, service: &'static str) -> RecordingInterceptor {
        RecordingInterceptor { service, counts: self.counts.clone() }
    }

    /// Every operation called so far, sorted by service and operation.
    pub fn counts(&self) -> Vec<CallCount> {
        lock(&self.counts).values().cloned().collect()
    }

    pub fn total_calls(&self) -> u64 {
        lock(&self.counts).values().map(|c| c.calls).sum()
    }
}

fn lock(m: &Mutex<Counts>) -> std::sync::MutexGuard<'_, Counts> {
    // A panic while holding the lock cannot leave the counts inconsistent enough to matter.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Debug)]
pub struct RecordingInterceptor {
    service: &'static str,
    counts: Arc<Mutex<Counts>>,
}

impl RecordingInterceptor {
    fn bump(&self, cfg: &ConfigBag, f: impl FnOnce(&mut CallCount)) {
        let operation = cfg.load::<Metadata>().map_or("Unknown", |m| m.name()).to_string();
        let mut counts = lock(&self.counts);
        let entry = counts.entry((self.service.to_string(), operation.clone())).or_insert_with(|| CallCount {
            service: self.service.to_string(),
            operation,
            calls: 0,
            attempts: 0,
            errors: 0,
        });
        f(entry);
    }
}

/// Marks an operation as counted: its call (and, until it succeeds, its error) is already in the tally.
#[derive(Debug, Clone, Copy)]
struct Counted;

impl Storable for Counted {
    type Storer = StoreReplace<Self>;
}

/// Counts each operation when it starts, as a failure until it ends well. An operation whose future is dropped
/// (an outer timeout, a cancelled task) never ends, and still counts as the failed call it was. An attempt counts
/// when its request is about to be sent, so one that never reached the network (its credentials could not be
/// resolved, say) does not.
impl Intercept for RecordingInterceptor {
    fn name(&self) -> &'static str {
        "dopaudit-call-recorder"
    }

    fn read_before_serialization(
        &self,
        _ctx: &BeforeSerializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // The operation's metadata is loaded by now (it is not yet in `read_before_execution`).
        self.bump(cfg, |c| {
            c.calls += 1;
            c.errors += 1;
        });
        cfg.interceptor_state().store_put(Counted);
        Ok(())
    }

    fn read_before_transmit(
        &self,
        _ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.bump(cfg, |c| c.attempts += 1);
        Ok(())
    }

    fn read_after_execution(
        &self,
        ctx: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let failed = matches!(ctx.output_or_error(), Some(Err(_)));
        let counted = cfg.load::<Counted>().is_some();
        self.bump(cfg, |c| match (counted, failed) {
            (true, false) => c.errors -= 1,
            (true, true) => {}
            // Failed before serialization (its configuration): counted only now.
            (false, _) => {
                c.calls += 1;
                c.errors += u64::from(failed);
            }
        });
        Ok(())
    }
}
