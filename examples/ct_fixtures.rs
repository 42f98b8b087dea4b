//! Uploads a signed synthetic CloudTrail bucket to an S3 endpoint (an emulator) for the integrity benchmark and the
//! comparison with `aws cloudtrail validate-logs`; optionally tampered with one case of the spec's matrix.
//!
//!     cargo run --release --example ct_fixtures -- --endpoint-url http://127.0.0.1:5000 --bucket trail-logs \
//!         --hours 24 --logs-per-hour 6 --log-kib 64 --public-keys-out keys.json [--tamper middle-digest-deleted]
//!
//! Prints one JSON line: the trail ARN, the range to validate, and what was uploaded. This writes to S3; the
//! `dopaudit` tool itself never does.

use std::io::Write;
use std::path::PathBuf;

use aws_sdk_s3::primitives::ByteStream;
use chrono::{DateTime, Utc};
use clap::Parser;
use dopaudit::integrity::fixtures::{Fixture, FixtureSpec, TAMPER_CASES};

#[derive(Parser)]
struct Args {
    #[arg(long)]
    endpoint_url: String,
    #[arg(long)]
    bucket: String,
    #[arg(long)]
    prefix: Option<String>,
    #[arg(long, default_value = "111122223333")]
    account: String,
    #[arg(long, default_value = "us-east-1")]
    region: String,
    #[arg(long, default_value = "bench")]
    trail: String,
    /// End of the newest digest.
    #[arg(long, default_value = "2026-11-25T00:00:00Z")]
    end: DateTime<Utc>,
    #[arg(long, default_value_t = 24)]
    hours: usize,
    #[arg(long, default_value_t = 6)]
    logs_per_hour: usize,
    /// Uncompressed size of each log, in KiB.
    #[arg(long, default_value_t = 64)]
    log_kib: usize,
    /// Where to write the `list-public-keys` JSON.
    #[arg(long)]
    public_keys_out: PathBuf,
    /// One of the tamper cases (`--tamper list` prints them).
    #[arg(long, default_value = "none")]
    tamper: String,
    /// Uploads in flight.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let mut out = std::io::stdout().lock();
    if args.tamper == "list" {
        writeln!(out, "{}", TAMPER_CASES.join("\n"))?;
        return Ok(());
    }
    if !TAMPER_CASES.contains(&args.tamper.as_str()) {
        return Err(format!("unknown --tamper '{}'; `--tamper list` prints the cases", args.tamper).into());
    }
    let mut fixture = Fixture::build(FixtureSpec {
        account: args.account.clone(),
        region: args.region.clone(),
        home_region: None,
        trail: args.trail.clone(),
        bucket: args.bucket.clone(),
        prefix: args.prefix.clone(),
        org_id: None,
        end: args.end,
        hours: args.hours,
        logs_per_hour: args.logs_per_hour,
        log_bytes: args.log_kib * 1024,
    });
    fixture.tamper(&args.tamper);
    std::fs::write(&args.public_keys_out, &fixture.public_keys)?;

    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(args.region.clone()))
        .endpoint_url(&args.endpoint_url)
        .load()
        .await;
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build());
    match s3.create_bucket().bucket(&args.bucket).send().await {
        Ok(_) => {}
        Err(e) if e.as_service_error().is_some_and(|e| e.is_bucket_already_owned_by_you()) => {}
        Err(e) => {
            return Err(format!("create bucket {}: {}", args.bucket, dopaudit::aws::errors::error_chain(&e)).into())
        }
    }
    let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(args.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let mut bytes = 0usize;
    for object in fixture.objects() {
        bytes += object.body.len();
        let (s3, bucket, object, limit) = (s3.clone(), args.bucket.clone(), object.clone(), limit.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await?;
            let mut put = s3.put_object().bucket(&bucket).key(&object.key).body(ByteStream::from(object.body));
            for (k, v) in &object.metadata {
                put = put.metadata(k, v);
            }
            put.send().await.map_err(|e| format!("put {}: {}", object.key, dopaudit::aws::errors::error_chain(&e)))?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done?.map_err(|e| e.to_string())?;
    }
    let (start, end) = fixture.range();
    let summary = serde_json::json!({
        "trail_arn": fixture.trail_arn(),
        "start_time": start.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "end_time": end.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "bucket": args.bucket,
        "digests": fixture.digests.iter().flatten().count(),
        "logs": fixture.logs.iter().flatten().count(),
        "bytes": bytes,
        "tamper": args.tamper,
    });
    writeln!(out, "{summary}")?;
    Ok(())
}
