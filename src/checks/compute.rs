//! Compute checks: Lambda (study section 15), API Gateway REST APIs (16), Elastic Beanstalk (13), Step Functions
//! (17), and the readers of DynamoDB streams (34), which Lambda's event source mappings show.
//!
//! Each check judges one resource at a time (a function, a stage, an environment, a state machine, a stream);
//! a region where the service's list call failed gives one not-evaluated outcome, and a resource whose own
//! read failed gives one for that resource.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::json;

use super::{per_region, At, Ctx, Evaluator, Outcome};
use crate::snapshot::{
    partition, ApiStage, CollectionError, ErrorKind, EventInvokeConfig, LambdaData, LambdaFunction, RegionSnapshot,
    RestApi,
};

/// The compute checks, by id.
pub static CHECKS: &[(&str, Evaluator)] = &[
    ("lambda-deprecated-runtime", lambda_deprecated_runtime),
    ("lambda-reserved-concurrency", lambda_reserved_concurrency),
    ("lambda-xray-tracing", lambda_xray_tracing),
    ("lambda-failure-destination", lambda_failure_destination),
    ("lambda-provisioned-concurrency", lambda_provisioned_concurrency),
    ("dynamodb-stream-readers", dynamodb_stream_readers),
    ("apigateway-caching", apigateway_caching),
    ("apigateway-canary", apigateway_canary),
    ("apigateway-xray-tracing", apigateway_xray_tracing),
    ("apigateway-execution-logging", apigateway_execution_logging),
    ("elasticbeanstalk-deployment-policy", elasticbeanstalk_deployment_policy),
    ("stepfunctions-logging", stepfunctions_logging),
];

/// Whether a stage or environment name says it serves production: one of its words (split on anything but
/// letters and digits) is `prod`, `production`, `prd` or `live`.
fn is_production(name: &str) -> bool {
    name.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| matches!(word, "prod" | "production" | "prd" | "live"))
}

// ---- Lambda -------------------------------------------------------------------------------------------

/// Calls `judge` on every function of every region whose functions could be listed.
fn per_function(ctx: &Ctx<'_>, judge: impl Fn(At, &LambdaData, &LambdaFunction) -> Outcome) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.compute.lambda,
        |account, region, data, out| {
            for f in &data.functions {
                out.push(judge(At::new(&account.account_id, &region.region, f.arn.clone()), data, f));
            }
        },
    )
}

/// Lambda's deprecation dates, as the Lambda runtimes page listed them in November 2025. From its date a
/// runtime gets no more security patches or technical support; creating and then updating functions on it
/// is blocked some months later.
const RUNTIME_DEPRECATION: &[(&str, i32, u32, u32)] = &[
    ("nodejs", 2016, 10, 31),
    ("nodejs4.3", 2020, 3, 5),
    ("nodejs4.3-edge", 2020, 3, 5),
    ("nodejs6.10", 2019, 8, 12),
    ("nodejs8.10", 2020, 3, 6),
    ("nodejs10.x", 2021, 7, 30),
    ("nodejs12.x", 2023, 3, 31),
    ("nodejs14.x", 2023, 12, 4),
    ("nodejs16.x", 2024, 6, 12),
    ("nodejs18.x", 2025, 9, 1),
    ("nodejs20.x", 2026, 4, 30),
    ("nodejs22.x", 2027, 4, 30),
    ("python2.7", 2021, 7, 15),
    ("python3.6", 2022, 7, 18),
    ("python3.7", 2023, 12, 4),
    ("python3.8", 2024, 10, 14),
    ("python3.9", 2025, 12, 15),
    ("python3.10", 2026, 6, 30),
    ("python3.11", 2026, 6, 30),
    ("python3.12", 2028, 10, 31),
    ("python3.13", 2029, 6, 30),
    ("java8", 2024, 1, 8),
    ("java8.al2", 2026, 6, 30),
    ("java11", 2026, 6, 30),
    ("java17", 2026, 6, 30),
    ("java21", 2029, 6, 30),
    ("dotnetcore1.0", 2019, 6, 27),
    ("dotnetcore2.0", 2019, 5, 30),
    ("dotnetcore2.1", 2022, 1, 5),
    ("dotnetcore3.1", 2023, 4, 3),
    ("dotnet5.0", 2022, 5, 10),
    ("dotnet6", 2024, 12, 20),
    ("dotnet7", 2024, 5, 14),
    ("dotnet8", 2026, 11, 10),
    ("go1.x", 2024, 1, 8),
    ("ruby2.5", 2021, 7, 30),
    ("ruby2.7", 2023, 12, 7),
    ("ruby3.2", 2026, 3, 31),
    ("ruby3.3", 2027, 3, 31),
    ("provided", 2024, 1, 8),
    ("provided.al2", 2026, 6, 30),
    ("provided.al2023", 2029, 6, 30),
];

/// The deprecation date of a runtime, when Lambda has announced one.
fn deprecation_date(runtime: &str) -> Option<NaiveDate> {
    RUNTIME_DEPRECATION
        .iter()
        .find(|(id, ..)| *id == runtime)
        .and_then(|&(_, y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
}

/// A runtime id split into its family and version: `nodejs22.x` → ("nodejs", [22]), `java8.al2` → ("java",
/// [8]) with the suffix kept in the family (`java.al2`) so `java8` and `java8.al2` stay apart.
fn family_and_version(runtime: &str) -> (String, Vec<u32>) {
    let start = runtime.find(|c: char| c.is_ascii_digit()).unwrap_or(runtime.len());
    let (name, rest) = runtime.split_at(start);
    let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(end);
    let version = number.split('.').filter_map(|n| n.parse().ok()).collect();
    (format!("{name}{}", suffix.trim_start_matches('.').trim_start_matches('x')), version)
}

/// For a runtime missing from the table: whether it is newer than every runtime of its family the table knows
/// (a release newer than this build of dopaudit), rather than an old or unknown one.
fn newer_than_known(runtime: &str) -> Option<&'static str> {
    let (family, version) = family_and_version(runtime);
    let newest = RUNTIME_DEPRECATION
        .iter()
        .map(|(id, ..)| *id)
        .filter(|id| family_and_version(id).0 == family)
        .max_by(|a, b| family_and_version(a).1.cmp(&family_and_version(b).1))?;
    (!version.is_empty() && version > family_and_version(newest).1).then_some(newest)
}

/// Each function's runtime against Lambda's deprecation dates, as of the snapshot's date.
pub fn lambda_deprecated_runtime(ctx: &Ctx<'_>) -> Vec<Outcome> {
    let today = ctx.snapshot.generated_at.date_naive();
    per_function(ctx, |at, _, f| {
        if f.package_type == "Image" {
            return at.skipped(
                format!("function {} is a container image: its runtime is inside the image, not set in Lambda", f.name),
                json!({ "package_type": f.package_type, "runtime": null }),
            );
        }
        let Some(runtime) = f.runtime.as_deref() else {
            return at.unknown(
                format!("Lambda reported no runtime for function {}", f.name),
                json!({ "package_type": f.package_type, "runtime": null }),
            );
        };
        let date = deprecation_date(runtime);
        let evidence = json!({
            "runtime": runtime,
            "deprecation_date": date.map(|d| d.to_string()),
            "collected_on": today.to_string(),
        });
        match date {
            Some(d) if d <= today => at.fail(
                format!("function {} runs on {runtime}, deprecated since {d}: it gets no security patches", f.name),
                evidence,
            ),
            Some(d) => at.pass(format!("function {} runs on {runtime}, supported until {d}", f.name), evidence),
            None => match newer_than_known(runtime) {
                Some(newest) => at.pass(
                    format!(
                        "function {} runs on {runtime}, newer than {newest}, the newest of its family with a known deprecation date",
                        f.name
                    ),
                    evidence,
                ),
                // Not newer than what the table knows: an old runtime missing from it, or one never heard of.
                None => at.unknown(
                    format!(
                        "function {} runs on {runtime}, which is not in dopaudit's table of Lambda runtimes: its support cannot be judged",
                        f.name
                    ),
                    evidence,
                ),
            },
        }
    })
}

/// Lambda always keeps at least this much of the regional quota unreserved.
const UNRESERVED_MINIMUM: i32 = 100;

/// Each function's reserved concurrency, and what the region's reservations leave to the functions without one.
pub fn lambda_reserved_concurrency(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_function(ctx, |at, data, f| {
        let reserved = f.reserved_concurrency.get();
        let reserved_value = reserved.as_ref().ok().and_then(|r| **r);
        if reserved_value == Some(0) {
            return at.fail(
                format!("function {} reserves 0 concurrent executions: every invocation is throttled", f.name),
                json!({ "reserved_concurrency": 0 }),
            );
        }
        let settings = match data.account_settings.get() {
            Ok(s) => s,
            Err(e) => return at.not_evaluated(&e),
        };
        let Some(limit) = settings.concurrent_executions else {
            return at.unknown(
                format!(
                    "lambda:GetAccountSettings reported no concurrency limit for the region: the pool left to function {} cannot be judged",
                    f.name
                ),
                json!({ "reserved_concurrency": reserved_value, "account_concurrency_limit": null }),
            );
        };
        // The account's own figure when given; otherwise what the functions read here reserve, which needs every
        // function's reservation.
        let unreserved = match settings.unreserved_concurrent_executions {
            Some(n) => n,
            None => {
                let unread: Vec<&str> = data
                    .functions
                    .iter()
                    .filter(|g| g.reserved_concurrency.get().is_err())
                    .map(|g| g.name.as_str())
                    .collect();
                if !unread.is_empty() {
                    return at.unknown(
                        format!(
                            "the unreserved pool was not reported and the reservations of {} could not be read \
                             (lambda:GetFunctionConcurrency): what is left to function {} is not known",
                            unread.join(", "),
                            f.name
                        ),
                        json!({ "reserved_concurrency": reserved_value, "account_concurrency_limit": limit, "unreserved_concurrency": null }),
                    );
                }
                let known: i32 =
                    data.functions.iter().filter_map(|g| g.reserved_concurrency.get().ok().copied().flatten()).sum();
                limit - known
            }
        };
        let reserved_in_region = limit - unreserved;
        let evidence = json!({
            "reserved_concurrency": reserved_value,
            "account_concurrency_limit": limit,
            "unreserved_concurrency": unreserved,
            "reserved_in_region": reserved_in_region,
            "unreserved_minimum": UNRESERVED_MINIMUM,
        });
        if reserved_in_region > 0 && unreserved <= UNRESERVED_MINIMUM {
            let own = match reserved_value {
                Some(n) => format!("reserves {n}"),
                None => "has no reservation".to_string(),
            };
            return at.fail(
                format!(
                    "function {} {own}; reservations in the region total {reserved_in_region} of {}, leaving the \
                     unreserved pool at Lambda's minimum of {unreserved}",
                    f.name, limit
                ),
                evidence,
            );
        }
        match reserved {
            Err(e) => at.not_evaluated(&e),
            Ok(Some(n)) => at.pass(
                format!("function {} reserves {n}; {unreserved} of {} remain unreserved", f.name, limit),
                evidence,
            ),
            Ok(None) => at
                .pass(format!("function {} shares the unreserved pool of {unreserved} of {}", f.name, limit), evidence),
        }
    })
}

/// Each function's X-Ray tracing mode.
pub fn lambda_xray_tracing(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_function(ctx, |at, _, f| {
        let evidence = json!({ "tracing_mode": f.tracing_mode });
        match f.tracing_mode.as_deref() {
            Some("Active") => at.pass(format!("function {} has X-Ray active tracing", f.name), evidence),
            // Lambda reports PassThrough when tracing is off: a missing mode is a missing answer.
            None => at.unknown(
                format!("lambda:ListFunctions reported no tracing mode for function {}", f.name),
                evidence,
            ),
            Some(mode) => at.fail(
                format!(
                    "function {} has tracing mode {mode}: it only joins traces an upstream service sampled and starts none of its own",
                    f.name
                ),
                evidence,
            ),
        }
    })
}

/// Whether an event source mapping invokes this function (or one of its versions or aliases).
fn invokes(function_arn: Option<&str>, f: &LambdaFunction) -> bool {
    function_arn.is_some_and(|a| a == f.arn || a.strip_prefix(f.arn.as_str()).is_some_and(|q| q.starts_with(':')))
}

/// The qualifier an asynchronous-invocation configuration applies to (`$LATEST`, a version or an alias).
fn qualifier<'a>(config_arn: &'a str, f: &LambdaFunction) -> &'a str {
    match config_arn.strip_prefix(f.arn.as_str()).map(|q| q.trim_start_matches(':')) {
        Some("") => "$LATEST",
        Some(q) => q,
        None => function_name(config_arn),
    }
}

/// Where each function's failed asynchronous events go: a dead-letter queue or an on-failure destination. An
/// on-failure destination counts only when every asynchronous-invocation configuration of the function (one per
/// version or alias) has one: invocations through a qualifier without it still drop their failed events.
pub fn lambda_failure_destination(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_function(ctx, |at, data, f| {
        let configs = f.event_invoke_configs.get();
        let (with, without): (Vec<&EventInvokeConfig>, Vec<&EventInvokeConfig>) =
            configs.as_ref().map(|c| c.iter().partition(|c| c.on_failure.is_some())).unwrap_or_default();
        let evidence = json!({
            "dead_letter_target": f.dead_letter_target,
            "on_failure_destinations": with.iter().map(|c| format!("{}: {}", qualifier(&c.function_arn, f), c.on_failure.as_deref().unwrap_or_default())).collect::<Vec<_>>(),
            "configs_without_on_failure": without.iter().map(|c| qualifier(&c.function_arn, f)).collect::<Vec<_>>(),
            "event_invoke_config_count": configs.as_ref().ok().map(|c| c.len()),
        });
        if let Some(dlq) = &f.dead_letter_target {
            return at.pass(
                format!("function {} sends failed asynchronous events to dead-letter queue {dlq}", f.name),
                evidence,
            );
        }
        let configs = match configs {
            Ok(c) => c,
            Err(e) => return at.not_evaluated(&e),
        };
        let names =
            |cs: &[&EventInvokeConfig]| cs.iter().map(|c| qualifier(&c.function_arn, f)).collect::<Vec<_>>().join(", ");
        if let Some(first) = with.first() {
            let dest = first.on_failure.as_deref().unwrap_or_default();
            return if without.is_empty() {
                at.pass(
                    format!(
                        "function {} sends failed asynchronous events to destination {dest} ({})",
                        f.name,
                        names(&with)
                    ),
                    evidence,
                )
            } else {
                at.fail(
                    format!(
                        "function {} has an on-failure destination for {} only: asynchronous invocations of {} drop the events that fail every retry",
                        f.name,
                        names(&with),
                        names(&without)
                    ),
                    evidence,
                )
            };
        }
        let mappings = match data.event_source_mappings.get() {
            Ok(m) => m,
            Err(e) if configs.is_empty() => {
                return at.unknown(
                    format!(
                        "function {} has no dead-letter queue and no on-failure destination, but whether only event source mappings invoke it is not known: {}",
                        f.name,
                        e.brief()
                    ),
                    json!({ "dead_letter_target": null, "collection_error": e }),
                )
            }
            Err(_) => &Vec::new(),
        };
        let pollers: Vec<&str> =
            mappings.iter().filter(|m| invokes(m.function_arn.as_deref(), f)).map(|m| m.uuid.as_str()).collect();
        if configs.is_empty() && !pollers.is_empty() {
            return at.skipped(
                format!(
                    "function {} is invoked by {} event source mapping(s), synchronously: their own failure handling applies",
                    f.name,
                    pollers.len()
                ),
                json!({ "event_source_mappings": pollers, "dead_letter_target": null }),
            );
        }
        let detail = if configs.is_empty() {
            "no dead-letter queue and no on-failure destination".to_string()
        } else {
            format!(
                "an asynchronous-invocation configuration ({}) but no on-failure destination and no dead-letter queue",
                names(&without)
            )
        };
        at.fail(
            format!(
                "function {} has {detail}: events that fail every retry are dropped if it is invoked asynchronously",
                f.name
            ),
            evidence,
        )
    })
}

/// Each provisioned-concurrency configuration (per version or alias) and whether it was allocated.
pub fn lambda_provisioned_concurrency(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.compute.lambda,
        |account, region, data, out| {
            for f in &data.functions {
                let configs = match f.provisioned_concurrency.get() {
                    Ok(c) => c,
                    Err(e) => {
                        out.push(At::new(&account.account_id, &region.region, f.arn.clone()).not_evaluated(&e));
                        continue;
                    }
                };
                for c in configs {
                    let at = At::new(&account.account_id, &region.region, c.function_arn.clone());
                    let evidence = json!({
                        "status": c.status,
                        "requested": c.requested,
                        "allocated": c.allocated,
                        "available": c.available,
                        "status_reason": c.status_reason,
                    });
                    let requested = c.requested.map_or("?".to_string(), |n| n.to_string());
                    out.push(match c.status.as_str() {
                        "READY" => at.pass(
                            format!(
                                "{}: {} of {requested} provisioned environments allocated",
                                c.function_arn,
                                c.allocated.map_or("?".to_string(), |n| n.to_string())
                            ),
                            evidence,
                        ),
                        "FAILED" => at.fail(
                            format!(
                                "{}: provisioned concurrency of {requested} FAILED to allocate ({})",
                                c.function_arn,
                                c.status_reason.as_deref().unwrap_or("no reason given")
                            ),
                            evidence,
                        ),
                        other => at.unknown(
                            format!(
                                "{}: provisioned concurrency of {requested} was still {other} when collected",
                                c.function_arn
                            ),
                            evidence,
                        ),
                    });
                }
            }
        },
    )
}

/// The function's name (with its qualifier, if any) from its ARN.
fn function_name(arn: &str) -> &str {
    arn.split_once(":function:").map_or(arn, |(_, name)| name)
}

/// Mapping states in which a poller is (or is about to be) reading its source.
const ACTIVE_MAPPING_STATES: &[&str] = &["Enabled", "Enabling", "Creating", "Updating"];

/// AWS's advice: at most two processes read one stream shard at a time, and only one when the table is a replica of a
/// global table (whose replication also reads the stream).
const MAX_STREAM_READERS: usize = 2;
const MAX_GLOBAL_TABLE_STREAM_READERS: usize = 1;

/// Whether the table behind a stream is a global table, as far as the region's DynamoDB section tells.
fn stream_table_is_global(region: &RegionSnapshot, table: &str) -> Result<bool, CollectionError> {
    let tables = &region.data.dynamodb.get()?.tables;
    match tables.iter().find(|t| t.name == table) {
        Some(t) => Ok(t.description.get()?.is_global()),
        None => Err(CollectionError {
            kind: ErrorKind::Other,
            code: "TableNotListed".into(),
            message: format!("table {table} is not among the tables dynamodb:ListTables returned"),
            permission: Some("dynamodb:ListTables".into()),
        }),
    }
}

/// The enabled Lambda readers of each DynamoDB stream that event source mappings read, against the most AWS
/// advises: two for a single-Region table, one for a global table.
pub fn dynamodb_stream_readers(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.compute.lambda,
        |account, region, data, out| {
            let mappings = match data.event_source_mappings.get() {
                Ok(m) => m,
                Err(e) => {
                    out.push(At::region(account, region).not_evaluated(&e));
                    return;
                }
            };
            let mut streams: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
            for m in mappings {
                let Some(source) = m.event_source_arn.as_deref() else { continue };
                if source.split(':').nth(2) == Some("dynamodb") && source.contains("/stream/") {
                    let function = m.function_arn.as_deref().map_or("(unknown function)", function_name);
                    streams.entry(source).or_default().push((function, m.state.as_str()));
                }
            }
            for (stream, readers) in streams {
                let (active, inactive): (Vec<_>, Vec<_>) =
                    readers.iter().partition(|(_, state)| ACTIVE_MAPPING_STATES.contains(state));
                let active: Vec<&str> = active.iter().map(|(f, _)| *f).collect();
                let n = active.len();
                let table = stream.split(":table/").nth(1).and_then(|t| t.split('/').next()).unwrap_or(stream);
                let global = stream_table_is_global(region, table);
                let evidence = json!({
                    "table": table,
                    "global_table": global.as_ref().ok(),
                    "active_readers": n,
                    "reader_functions": active,
                    "inactive_mappings": inactive.iter().map(|(f, state)| format!("{f} ({state})")).collect::<Vec<_>>(),
                });
                let at = At::new(&account.account_id, &region.region, stream);
                let (most, kind) = match global {
                    Ok(true) => (MAX_GLOBAL_TABLE_STREAM_READERS, "global table"),
                    _ => (MAX_STREAM_READERS, "table"),
                };
                let plural = if n == 1 { "" } else { "s" };
                out.push(match global {
                    _ if n > most => at.fail(
                        format!(
                            "the stream of {kind} {table} has {n} enabled Lambda readers, more than the {most} per shard \
                             AWS advises: they will be throttled"
                        ),
                        evidence,
                    ),
                    // Two readers suit a single-Region table but are one too many for a global one.
                    Err(e) if n > MAX_GLOBAL_TABLE_STREAM_READERS => at.unknown(
                        format!(
                            "the stream of table {table} has {n} enabled Lambda readers, the most for a single-Region \
                             table and one too many for a global table, and whether it is global could not be read: {}",
                            e.brief()
                        ),
                        evidence,
                    ),
                    _ => at.pass(format!("the stream of {kind} {table} has {n} enabled Lambda reader{plural}"), evidence),
                });
            }
        },
    )
}

// ---- API Gateway --------------------------------------------------------------------------------------

/// Calls `judge` on every stage of every REST API; an API whose stages could not be read gives one
/// not-evaluated outcome.
fn per_stage(ctx: &Ctx<'_>, judge: impl Fn(At, &RestApi, &ApiStage) -> Outcome) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.compute.apigateway,
        |account, region, data, out| {
            for api in &data.rest_apis {
                let api_arn =
                    format!("arn:{}:apigateway:{}::/restapis/{}", partition(&region.region), region.region, api.id);
                match api.stages.get() {
                    Err(e) => out.push(At::new(&account.account_id, &region.region, api_arn).not_evaluated(&e)),
                    Ok(stages) => out.extend(stages.iter().map(|s| {
                        judge(
                            At::new(&account.account_id, &region.region, format!("{api_arn}/stages/{}", s.name)),
                            api,
                            s,
                        )
                    })),
                }
            }
        },
    )
}

/// The cache of each REST API stage; only production-named stages must have one.
pub fn apigateway_caching(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_stage(ctx, |at, api, s| {
        let production = is_production(&s.name);
        let evidence = json!({
            "cache_cluster_enabled": s.cache_cluster_enabled,
            "cache_cluster_size_gb": s.cache_cluster_size,
            "cache_cluster_status": s.cache_cluster_status,
            "production_stage": production,
        });
        if s.cache_cluster_enabled {
            let size = s.cache_cluster_size.as_deref().unwrap_or("?");
            let place = format!("stage {} of API {}", s.name, api.name);
            match s.cache_cluster_status.as_deref() {
                Some("AVAILABLE" | "FLUSH_IN_PROGRESS") => {
                    at.pass(format!("{place} has a {size} GB cache"), evidence)
                }
                // Enabled on paper, but the cluster is gone or going: nothing is served from it.
                Some(status @ ("NOT_AVAILABLE" | "DELETE_IN_PROGRESS")) if production => at.fail(
                    format!("production {place} has its {size} GB cache enabled but the cache cluster is {status}: every request reaches the backend"),
                    evidence,
                ),
                Some(status @ ("NOT_AVAILABLE" | "DELETE_IN_PROGRESS")) => at.skipped(
                    format!("{place} is not a production stage; its cache cluster is {status}"),
                    evidence,
                ),
                Some(other) => at.unknown(
                    format!("{place} has a {size} GB cache whose cluster was {other} when collected"),
                    evidence,
                ),
                None => at.unknown(
                    format!("{place} has its cache enabled, but apigateway:GET reported no cache cluster status: whether it serves anything is not known"),
                    evidence,
                ),
            }
        } else if production {
            at.fail(
                format!(
                    "production stage {} of API {} has no cache: every request reaches the backend",
                    s.name, api.name
                ),
                evidence,
            )
        } else {
            at.skipped(
                format!("stage {} of API {} is not a production stage and has no cache", s.name, api.name),
                evidence,
            )
        }
    })
}

/// The canary release of each stage that has one: live (a share of traffic on a new deployment) or stale.
pub fn apigateway_canary(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_stage(ctx, |at, api, s| {
        let Some(canary) = &s.canary else {
            return at.skipped(
                format!("stage {} of API {} has no canary release", s.name, api.name),
                json!({ "canary": null }),
            );
        };
        let evidence = json!({
            "percent_traffic": canary.percent_traffic,
            "canary_deployment_id": canary.deployment_id,
            "stage_deployment_id": s.deployment_id,
        });
        let pct = canary.percent_traffic;
        let place = format!("stage {} of API {}", s.name, api.name);
        if pct <= 0.0 {
            at.fail(
                format!("{place} has a canary that gets 0% of traffic: a stale canary to promote or delete"),
                evidence,
            )
        } else if pct >= 100.0 {
            at.fail(
                format!("{place} sends 100% of traffic to its canary: promote it instead of leaving it as a canary"),
                evidence,
            )
        } else if canary.deployment_id.is_none() || canary.deployment_id == s.deployment_id {
            at.fail(
                format!("{place} has a canary on the same deployment as the stage: it tests nothing (stale after a promotion)"),
                evidence,
            )
        } else {
            at.pass(
                format!(
                    "{place} sends {pct}% of traffic to canary deployment {}",
                    canary.deployment_id.as_deref().unwrap_or("?")
                ),
                evidence,
            )
        }
    })
}

/// X-Ray tracing on each REST API stage.
pub fn apigateway_xray_tracing(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_stage(ctx, |at, api, s| {
        let evidence = json!({ "tracing_enabled": s.tracing_enabled });
        if s.tracing_enabled {
            at.pass(format!("stage {} of API {} sends traces to X-Ray", s.name, api.name), evidence)
        } else {
            at.fail(format!("stage {} of API {} has X-Ray tracing off", s.name, api.name), evidence)
        }
    })
}

/// The execution logging level of each stage's methods (`*/*`), and of the methods that override it.
pub fn apigateway_execution_logging(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_stage(ctx, |at, api, s| {
        let all = s.method_settings.get("*/*");
        let level = all.and_then(|m| m.logging_level.as_deref());
        let silent: Vec<&str> = s
            .method_settings
            .iter()
            .filter(|(k, m)| *k != "*/*" && m.logging_level.as_deref() == Some("OFF"))
            .map(|(k, _)| k.as_str())
            .collect();
        let evidence = json!({
            "logging_level": level,
            "data_trace_enabled": all.map(|m| m.data_trace_enabled),
            "metrics_enabled": all.map(|m| m.metrics_enabled),
            "per_method_overrides": s.method_settings.keys().filter(|k| *k != "*/*").collect::<Vec<_>>(),
            "methods_with_logging_off": silent,
        });
        match level {
            Some(l @ ("INFO" | "ERROR")) if !silent.is_empty() => at.fail(
                format!(
                    "stage {} of API {} writes {l} execution logs, but method override(s) {} turn logging OFF",
                    s.name,
                    api.name,
                    silent.join(", ")
                ),
                evidence,
            ),
            Some(l @ ("INFO" | "ERROR")) => at.pass(
                format!("stage {} of API {} writes {l} execution logs to CloudWatch", s.name, api.name),
                evidence,
            ),
            other => at.fail(
                format!(
                    "stage {} of API {} has execution logging {} for its methods (*/*)",
                    s.name,
                    api.name,
                    other.unwrap_or("unset")
                ),
                evidence,
            ),
        }
    })
}

// ---- Elastic Beanstalk --------------------------------------------------------------------------------

/// The deployment policy of each environment; all at once is a failure only in production-named ones.
pub fn elasticbeanstalk_deployment_policy(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.compute.elasticbeanstalk,
        |account, region, data, out| {
            for env in &data.environments {
                let resource = env.arn.clone().unwrap_or_else(|| {
                    format!(
                        "arn:{}:elasticbeanstalk:{}:{}:environment/{}/{}",
                        partition(&region.region),
                        region.region,
                        account.account_id,
                        env.application_name,
                        env.name
                    )
                });
                let at = At::new(&account.account_id, &region.region, resource);
                let settings = match env.settings.get() {
                    Ok(s) => s,
                    Err(e) => {
                        out.push(at.not_evaluated(&e));
                        continue;
                    }
                };
                let policy = settings.deployment_policy.as_deref().unwrap_or("AllAtOnce");
                let production = is_production(&env.name);
                let single = settings.environment_type.as_deref() == Some("SingleInstance");
                let evidence = json!({
                    "deployment_policy": policy,
                    "deployment_policy_set": settings.deployment_policy.is_some(),
                    "batch_size_type": settings.batch_size_type,
                    "batch_size": settings.batch_size,
                    "environment_type": settings.environment_type,
                    "production_environment": production,
                });
                let name = &env.name;
                // A rolling deployment whose one batch is every instance takes them all out of service at once.
                let whole_batch = policy == "Rolling"
                    && settings.batch_size_type.as_deref() == Some("Percentage")
                    && settings
                        .batch_size
                        .as_deref()
                        .and_then(|b| b.trim().parse::<f64>().ok())
                        .is_some_and(|b| b >= 100.0);
                out.push(if whole_batch && production {
                    at.fail(
                        format!(
                            "production environment {name} deploys Rolling with a batch of 100%: every instance is out of \
                             service at once, as with AllAtOnce"
                        ),
                        evidence,
                    )
                } else if policy != "AllAtOnce" {
                    at.pass(format!("environment {name} deploys with policy {policy}"), evidence)
                } else if production {
                    let better = if single { "Immutable" } else { "Rolling with additional batch, Immutable or Traffic splitting" };
                    at.fail(
                        format!(
                            "production environment {name} deploys AllAtOnce: every instance is out of service during a \
                             deployment (use {better})"
                        ),
                        evidence,
                    )
                } else {
                    at.skipped(format!("environment {name} deploys AllAtOnce, acceptable outside production"), evidence)
                });
            }
        },
    )
}

// ---- Step Functions -----------------------------------------------------------------------------------

/// The CloudWatch Logs level of each state machine.
pub fn stepfunctions_logging(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.compute.stepfunctions,
        |account, region, data, out| {
            for m in &data.state_machines {
                let at = At::new(&account.account_id, &region.region, m.arn.clone());
                let logging = match m.logging.get() {
                    Ok(l) => l,
                    Err(e) => {
                        out.push(at.not_evaluated(&e));
                        continue;
                    }
                };
                let evidence = json!({
                    "type": m.machine_type,
                    "level": logging.level,
                    "include_execution_data": logging.include_execution_data,
                    "log_group_arns": logging.log_group_arns,
                });
                let data_note = if logging.include_execution_data { ", execution data included" } else { "" };
                // A destination in this account and region that the region's log groups do not hold was deleted:
                // the events written there are lost.
                let missing: Vec<&str> = match region.monitoring.logs.get() {
                    Ok(logs) if logging.level != "OFF" => logging
                        .log_group_arns
                        .iter()
                        .filter(|arn| {
                            log_group_place(arn).is_some_and(|(r, a, name)| {
                                r == region.region
                                    && a == account.account_id
                                    && !logs.log_groups.iter().any(|g| g.name == name)
                            })
                        })
                        .map(String::as_str)
                        .collect(),
                    _ => Vec::new(),
                };
                if !missing.is_empty() {
                    out.push(at.fail(
                        format!(
                            "state machine {} logs {} events to log group {}, which does not exist: they are lost",
                            m.name,
                            logging.level,
                            missing.join(", ")
                        ),
                        evidence,
                    ));
                    continue;
                }
                out.push(match logging.level.as_str() {
                    "OFF" if m.machine_type == "EXPRESS" => at.fail(
                        format!(
                            "express state machine {} has logging OFF: its executions leave no record at all",
                            m.name
                        ),
                        evidence,
                    ),
                    "OFF" => at.fail(
                        format!(
                            "state machine {} has logging OFF: its history is kept 90 days and cannot be searched in Logs",
                            m.name
                        ),
                        evidence,
                    ),
                    "FATAL" => at.pass(
                        format!("state machine {} logs only fatal events (failed, aborted, timed-out runs){data_note}", m.name),
                        evidence,
                    ),
                    level => at.pass(format!("state machine {} logs {level} events to CloudWatch Logs{data_note}", m.name), evidence),
                });
            }
        },
    )
}

/// `arn:PARTITION:logs:REGION:ACCOUNT:log-group:NAME[:*]` → (region, account, name).
fn log_group_place(arn: &str) -> Option<(&str, &str, &str)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, _, "logs", region, account, resource] = parts.as_slice() else { return None };
    let name = resource.strip_prefix("log-group:")?;
    Some((region, account, name.strip_suffix(":*").unwrap_or(name)))
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::report::Status;
    use crate::snapshot::*;

    fn statuses(outcomes: &[Outcome]) -> Vec<Status> {
        outcomes.iter().map(|o| o.status).collect()
    }

    /// One account, one region (us-east-1), with the given compute sections.
    fn with(set: impl FnOnce(&mut ComputeSections)) -> Snapshot {
        let mut r = region("us-east-1");
        set(&mut r.compute);
        let mut snap = snapshot(vec![account(ACCT, None, vec![r])]);
        snap.generated_at = "2025-06-01T00:00:00Z".parse().expect("a date");
        snap
    }

    fn function(name: &str) -> LambdaFunction {
        LambdaFunction {
            name: name.into(),
            arn: format!("arn:aws:lambda:us-east-1:{ACCT}:function:{name}"),
            runtime: Some("python3.12".into()),
            package_type: "Zip".into(),
            tracing_mode: Some("Active".into()),
            dead_letter_target: None,
            reserved_concurrency: Collected::ok(None),
            event_invoke_configs: Collected::ok(vec![]),
            provisioned_concurrency: Collected::ok(vec![]),
        }
    }

    fn lambda(functions: Vec<LambdaFunction>, limit: i32, unreserved: Option<i32>) -> Collected<LambdaData> {
        Collected::ok(LambdaData {
            account_settings: Collected::ok(LambdaAccountSettings {
                concurrent_executions: Some(limit),
                unreserved_concurrent_executions: unreserved,
            }),
            functions,
            event_source_mappings: Collected::ok(vec![]),
        })
    }

    fn run_lambda(f: Evaluator, functions: Vec<LambdaFunction>) -> Vec<Outcome> {
        f(&Ctx::new(&with(|c| c.lambda = lambda(functions, 1000, Some(1000)))))
    }

    /// Runs each case (name, function, expected status, text in the message) alone through `f`.
    fn cases(f: Evaluator, cases: Vec<(&str, LambdaFunction, Status, &str)>) {
        for (name, func, want, text) in cases {
            let out = run_lambda(f, vec![func]);
            assert_eq!(statuses(&out), vec![want], "{name}: {out:?}");
            assert!(out[0].message.contains(text), "{name}: {}", out[0].message);
            assert_eq!((out[0].account.as_str(), out[0].region.as_str()), (ACCT, "us-east-1"), "{name}");
        }
    }

    #[test]
    fn deprecated_runtime_cases() {
        let on = |rt: &str| LambdaFunction { runtime: Some(rt.into()), ..function("f") };
        let image = LambdaFunction { runtime: None, package_type: "Image".into(), ..function("img") };
        cases(
            lambda_deprecated_runtime,
            vec![
                ("current", on("python3.12"), Status::Pass, "supported until 2028-10-31"),
                ("python3.8", on("python3.8"), Status::Fail, "deprecated since 2024-10-14"),
                ("go1.x", on("go1.x"), Status::Fail, "deprecated since 2024-01-08"),
                ("java8 is not java8.al2", on("java8.al2"), Status::Pass, "supported until 2026-06-30"),
                // Deprecated after the snapshot was taken (2025-06-01): still supported then.
                ("nodejs18.x before its date", on("nodejs18.x"), Status::Pass, "supported until 2025-09-01"),
                // Alternative: a runtime newer than the table, released after this build.
                ("newer than the table", on("nodejs24.x"), Status::Pass, "newer than nodejs22.x"),
                ("newer python", on("python3.14"), Status::Pass, "newer than python3.13"),
                // Near miss: absent from the table but old; and a family never heard of.
                ("old, not in the table", on("python3.5"), Status::Unknown, "not in dopaudit's table"),
                ("unknown family", on("cobol1.x"), Status::Unknown, "not in dopaudit's table"),
                ("java8.al2 is its own family", on("java9.al2"), Status::Pass, "newer than java8.al2"),
                ("container image", image, Status::Skipped, "container image"),
                (
                    "zip without a runtime",
                    LambdaFunction { runtime: None, ..function("f") },
                    Status::Unknown,
                    "no runtime",
                ),
            ],
        );
        let out = run_lambda(lambda_deprecated_runtime, vec![on("python3.8")]);
        assert_eq!(out[0].evidence["runtime"], "python3.8");
        assert_eq!(out[0].evidence["deprecation_date"], "2024-10-14");
        assert_eq!(out[0].resource, format!("arn:aws:lambda:us-east-1:{ACCT}:function:f"));
    }

    #[test]
    fn runtime_ids_split_into_family_and_version() {
        assert_eq!(family_and_version("nodejs22.x"), ("nodejs".into(), vec![22]));
        assert_eq!(family_and_version("python3.13"), ("python".into(), vec![3, 13]));
        assert_eq!(family_and_version("java8.al2"), ("javaal2".into(), vec![8]));
        assert_eq!(family_and_version("provided.al2023"), ("provided.al".into(), vec![2023]));
        assert_eq!(family_and_version("go1.x"), ("go".into(), vec![1]));
    }

    #[test]
    fn every_runtime_date_is_a_real_date() {
        for (id, ..) in RUNTIME_DEPRECATION {
            assert!(deprecation_date(id).is_some(), "{id}");
        }
    }

    #[test]
    fn reserved_concurrency_cases() {
        let reserving = |n: Option<i32>| LambdaFunction { reserved_concurrency: Collected::ok(n), ..function("f") };
        let run = |functions: Vec<LambdaFunction>, limit: i32, unreserved: Option<i32>| {
            lambda_reserved_concurrency(&Ctx::new(&with(|c| c.lambda = lambda(functions, limit, unreserved))))
        };
        // A healthy pool: one function reserves 50 of 1000.
        let out = run(vec![reserving(Some(50)), function("g")], 1000, Some(950));
        assert_eq!(statuses(&out), vec![Status::Pass, Status::Pass]);
        assert_eq!(out[0].evidence["reserved_concurrency"], 50);
        assert_eq!(out[0].evidence["reserved_in_region"], 50);
        assert!(out[1].message.contains("shares the unreserved pool of 950 of 1000"), "{}", out[1].message);
        // Reservations have driven the pool to the floor: every function fails, reserving or not.
        let out = run(vec![reserving(Some(900)), function("g")], 1000, Some(100));
        assert_eq!(statuses(&out), vec![Status::Fail, Status::Fail]);
        assert!(out[0].message.contains("reserves 900"), "{}", out[0].message);
        assert!(
            out[1].message.contains("leaving the unreserved pool at Lambda's minimum of 100"),
            "{}",
            out[1].message
        );
        // Without the account's own figure, the reservations read here are summed.
        let out = run(vec![reserving(Some(900)), function("g")], 1000, None);
        assert_eq!(statuses(&out), vec![Status::Fail, Status::Fail]);
        assert_eq!(out[0].evidence["unreserved_concurrency"], 100);
        // A small quota with no reservations at all is not the reservations' fault.
        let out = run(vec![function("g")], 10, Some(10));
        assert_eq!(statuses(&out), vec![Status::Pass]);
        // Near miss: a reservation that looks careful but is 0 throttles the function completely, whatever the pool.
        let out = run(vec![reserving(Some(0))], 1000, Some(1000));
        assert_eq!(statuses(&out), vec![Status::Fail]);
        assert!(out[0].message.contains("every invocation is throttled"), "{}", out[0].message);
        // Alternative: a function with no reservation at all is fine while the shared pool has room (above).
        // Unreadable and partial reads: reserved_concurrency_collection_errors.
    }

    #[test]
    fn reserved_concurrency_collection_errors() {
        // GetAccountSettings denied: only a zero reservation can still be judged.
        let snap = with(|c| {
            let mut data = lambda(
                vec![
                    LambdaFunction { reserved_concurrency: Collected::ok(Some(0)), ..function("zero") },
                    function("f"),
                ],
                1000,
                Some(1000),
            );
            if let Collected::Ok { data } = &mut data {
                data.account_settings = Collected::Error { error: denied("lambda:GetAccountSettings") };
            }
            c.lambda = data;
        });
        let out = lambda_reserved_concurrency(&Ctx::new(&snap));
        assert_eq!(statuses(&out), vec![Status::Fail, Status::Unknown]);
        assert!(out[1].message.contains("lambda:GetAccountSettings"), "{}", out[1].message);
        // Partial read: the pool is not reported and another function's reservation is unread. The pool summed from
        // the readable reservations (1000 - 50) would pass; the unread one may reserve 900.
        let unread = LambdaFunction {
            reserved_concurrency: Collected::Error { error: denied("lambda:GetFunctionConcurrency") },
            ..function("big")
        };
        let snap = with(|c| {
            c.lambda = lambda(
                vec![LambdaFunction { reserved_concurrency: Collected::ok(Some(50)), ..function("f") }, unread],
                1000,
                None,
            )
        });
        let out = lambda_reserved_concurrency(&Ctx::new(&snap));
        assert_eq!(statuses(&out), vec![Status::Unknown, Status::Unknown]);
        assert!(out[0].message.contains("reservations of big could not be read"), "{}", out[0].message);
        // Absent data: no concurrency limit in the answer is not a limit of 0.
        let snap = with(|c| {
            let mut data = lambda(vec![function("f")], 1000, None);
            if let Collected::Ok { data } = &mut data {
                data.account_settings = Collected::ok(LambdaAccountSettings {
                    concurrent_executions: None,
                    unreserved_concurrent_executions: None,
                });
            }
            c.lambda = data;
        });
        let out = lambda_reserved_concurrency(&Ctx::new(&snap));
        assert_eq!(statuses(&out), vec![Status::Unknown]);
        assert!(out[0].message.contains("reported no concurrency limit"), "{}", out[0].message);
        // GetFunctionConcurrency denied for one function, healthy pool.
        let f = LambdaFunction {
            reserved_concurrency: Collected::Error { error: denied("lambda:GetFunctionConcurrency") },
            ..function("f")
        };
        let out = run_lambda(lambda_reserved_concurrency, vec![f]);
        assert_eq!(statuses(&out), vec![Status::Unknown]);
        assert!(out[0].message.contains("lambda:GetFunctionConcurrency"));
    }

    #[test]
    fn xray_tracing_cases() {
        let mode = |m: Option<&str>| LambdaFunction { tracing_mode: m.map(str::to_string), ..function("f") };
        cases(
            lambda_xray_tracing,
            vec![
                ("active", mode(Some("Active")), Status::Pass, "active tracing"),
                // Near miss: PassThrough traces requests an upstream service sampled, but starts no trace itself.
                ("pass-through", mode(Some("PassThrough")), Status::Fail, "tracing mode PassThrough"),
                // Absent data (partial read): Lambda always reports a mode, so none is not "off".
                ("not reported", mode(None), Status::Unknown, "reported no tracing mode"),
                // Alternative: none that the function's configuration shows (an OpenTelemetry layer exporting
                // elsewhere is not X-Ray tracing of the function).
            ],
        );
        // Unreadable: lambda_listing_denied_is_unknown_for_every_lambda_check (the mode comes with ListFunctions).
    }

    #[test]
    fn failure_destination_cases() {
        let config = |on_failure: Option<&str>| EventInvokeConfig {
            function_arn: format!("arn:aws:lambda:us-east-1:{ACCT}:function:f:$LATEST"),
            maximum_retry_attempts: Some(1),
            on_failure: on_failure.map(str::to_string),
            ..Default::default()
        };
        let with_configs =
            |c: Collected<Vec<EventInvokeConfig>>| LambdaFunction { event_invoke_configs: c, ..function("f") };
        let dlq = LambdaFunction {
            dead_letter_target: Some("arn:aws:sqs:us-east-1:1:dlq".into()),
            event_invoke_configs: Collected::Error { error: denied("lambda:ListFunctionEventInvokeConfigs") },
            ..function("f")
        };
        cases(
            lambda_failure_destination,
            vec![
                ("dead-letter queue", dlq, Status::Pass, "dead-letter queue arn:aws:sqs"),
                (
                    "on-failure destination",
                    with_configs(Collected::ok(vec![config(Some("arn:aws:sns:us-east-1:1:t"))])),
                    Status::Pass,
                    "destination arn:aws:sns",
                ),
                ("nothing", function("f"), Status::Fail, "no dead-letter queue and no on-failure destination"),
                // Near misses: a configuration with retries (or an on-success destination) only; a destination on
                // one alias while the unqualified function has a configuration without one.
                ("retries only", with_configs(Collected::ok(vec![config(None)])), Status::Fail, "but no on-failure"),
                (
                    "destination on one qualifier only",
                    with_configs(Collected::ok(vec![
                        config(None),
                        EventInvokeConfig {
                            function_arn: format!("arn:aws:lambda:us-east-1:{ACCT}:function:f:live"),
                            ..config(Some("arn:aws:sns:us-east-1:1:t"))
                        },
                    ])),
                    Status::Fail,
                    "on-failure destination for live only: asynchronous invocations of $LATEST drop",
                ),
                (
                    "destinations on every qualifier",
                    with_configs(Collected::ok(vec![
                        config(Some("arn:aws:sqs:us-east-1:1:failed")),
                        EventInvokeConfig {
                            function_arn: format!("arn:aws:lambda:us-east-1:{ACCT}:function:f:live"),
                            ..config(Some("arn:aws:sns:us-east-1:1:t"))
                        },
                    ])),
                    Status::Pass,
                    "($LATEST, live)",
                ),
                (
                    "denied",
                    with_configs(Collected::Error { error: denied("lambda:ListFunctionEventInvokeConfigs") }),
                    Status::Unknown,
                    "lambda:ListFunctionEventInvokeConfigs",
                ),
            ],
        );
        // A function fed only by an event source mapping is invoked synchronously by the poller.
        let snap = with(|c| {
            let mut data = lambda(vec![function("f")], 1000, Some(1000));
            if let Collected::Ok { data } = &mut data {
                data.event_source_mappings = Collected::ok(vec![EventSourceMapping {
                    uuid: "u1".into(),
                    event_source_arn: Some("arn:aws:sqs:us-east-1:1:q".into()),
                    function_arn: Some(format!("arn:aws:lambda:us-east-1:{ACCT}:function:f:live")),
                    state: "Enabled".into(),
                }]);
            }
            c.lambda = data;
        });
        let out = lambda_failure_destination(&Ctx::new(&snap));
        assert_eq!(statuses(&out), vec![Status::Skipped], "{out:?}");
        assert!(out[0].message.contains("1 event source mapping(s)"), "{}", out[0].message);
        // Partial read: without the event source mappings, a function with nothing configured may be one of those.
        let snap = with(|c| {
            let mut data = lambda(vec![function("f")], 1000, Some(1000));
            if let Collected::Ok { data } = &mut data {
                data.event_source_mappings = Collected::Error { error: denied("lambda:ListEventSourceMappings") };
            }
            c.lambda = data;
        });
        let out = lambda_failure_destination(&Ctx::new(&snap));
        assert_eq!(statuses(&out), vec![Status::Unknown], "{out:?}");
        assert!(out[0].message.contains("lambda:ListEventSourceMappings"), "{}", out[0].message);
    }

    #[test]
    fn provisioned_concurrency_cases() {
        let pc = |status: &str, allocated: i32| ProvisionedConcurrency {
            function_arn: format!("arn:aws:lambda:us-east-1:{ACCT}:function:f:live"),
            requested: Some(10),
            allocated: Some(allocated),
            available: Some(allocated),
            status: status.into(),
            status_reason: (status == "FAILED").then(|| "not enough unreserved concurrency".into()),
        };
        let f =
            |c: Collected<Vec<ProvisionedConcurrency>>| LambdaFunction { provisioned_concurrency: c, ..function("f") };
        cases(
            lambda_provisioned_concurrency,
            vec![
                ("ready", f(Collected::ok(vec![pc("READY", 10)])), Status::Pass, "10 of 10 provisioned"),
                ("failed", f(Collected::ok(vec![pc("FAILED", 0)])), Status::Fail, "not enough unreserved concurrency"),
                // Partial: allocation still under way when collected.
                ("in progress", f(Collected::ok(vec![pc("IN_PROGRESS", 4)])), Status::Unknown, "still IN_PROGRESS"),
                // Near miss: a configuration that exists (looks configured) but FAILED is the row above. Alternative:
                // none; nothing else keeps execution environments warm for an alias.
                (
                    "ready, allocation not reported",
                    f(Collected::ok(vec![ProvisionedConcurrency { allocated: None, ..pc("READY", 10) }])),
                    Status::Pass,
                    "? of 10 provisioned",
                ),
                (
                    "denied",
                    f(Collected::Error { error: denied("lambda:ListProvisionedConcurrencyConfigs") }),
                    Status::Unknown,
                    "lambda:ListProvisionedConcurrencyConfigs",
                ),
            ],
        );
        let out = run_lambda(lambda_provisioned_concurrency, vec![f(Collected::ok(vec![pc("READY", 10)]))]);
        assert_eq!(out[0].resource, format!("arn:aws:lambda:us-east-1:{ACCT}:function:f:live"));
        // No provisioned concurrency anywhere: nothing to judge.
        assert!(run_lambda(lambda_provisioned_concurrency, vec![function("f")]).is_empty());
    }

    /// `dynamodb-stream-readers`: enabled Lambda mappings per stream against two readers (one for a global table).
    #[test]
    fn stream_readers_verdicts() {
        use crate::snapshot::{DynamoDbData, DynamoDbTable, TableDescription};
        let stream = format!("arn:aws:dynamodb:us-east-1:{ACCT}:table/orders/stream/2024-01-01T00:00:00.000");
        let mapping = |i: usize, state: &str| EventSourceMapping {
            uuid: format!("u{i}"),
            event_source_arn: Some(stream.clone()),
            function_arn: Some(format!("arn:aws:lambda:us-east-1:{ACCT}:function:reader{i}")),
            state: state.into(),
        };
        let sqs =
            EventSourceMapping { event_source_arn: Some("arn:aws:sqs:us-east-1:1:q".into()), ..mapping(9, "Enabled") };
        let single = Collected::ok(TableDescription { ..Default::default() });
        let global =
            Collected::ok(TableDescription { replica_regions: vec!["eu-west-1".into()], ..Default::default() });
        let legacy_global =
            Collected::ok(TableDescription { global_table_version: Some("2017.11.29".into()), ..Default::default() });
        let unread = Collected::Error { error: denied("dynamodb:DescribeTable") };
        let run = |mappings: Collected<Vec<EventSourceMapping>>, table: Collected<TableDescription>| {
            let mut snap = with(|c| {
                let mut data = lambda(vec![], 1000, Some(1000));
                if let Collected::Ok { data } = &mut data {
                    data.event_source_mappings = mappings;
                }
                c.lambda = data;
            });
            snap.accounts[0].regions[0].data.dynamodb = Collected::ok(DynamoDbData {
                tables: vec![DynamoDbTable { name: "orders".into(), description: table, ..Default::default() }],
            });
            dynamodb_stream_readers(&Ctx::new(&snap))
        };
        let enabled = |n: usize| Collected::ok((1..=n).map(|i| mapping(i, "Enabled")).collect::<Vec<_>>());
        let rows = [
            ("compliant: two readers, single-Region", enabled(2), single.clone(), Status::Pass, "has 2 enabled"),
            (
                "non-compliant: three readers, an SQS mapping beside them",
                Collected::ok(vec![mapping(1, "Enabled"), mapping(2, "Enabled"), mapping(3, "Enabling"), sqs]),
                single.clone(),
                Status::Fail,
                "has 3 enabled Lambda readers, more than the 2",
            ),
            // near miss: two readers is the single-Region advice; a global table's replication needs the second slot
            ("near miss: two readers of a global table", enabled(2), global.clone(), Status::Fail, "more than the 1"),
            ("near miss: legacy global table", enabled(2), legacy_global, Status::Fail, "global table orders"),
            // alternative: a third mapping that is disabled reads nothing
            (
                "alternative: the third mapping disabled",
                Collected::ok(vec![mapping(1, "Enabled"), mapping(2, "Enabled"), mapping(3, "Disabled")]),
                single,
                Status::Pass,
                "has 2 enabled",
            ),
            ("one reader of a global table", enabled(1), global, Status::Pass, "global table orders has 1 enabled"),
            (
                "unreadable mappings",
                Collected::Error { error: denied("lambda:ListEventSourceMappings") },
                unread.clone(),
                Status::Unknown,
                "lambda:ListEventSourceMappings",
            ),
            // partial: the table's description unread, so two readers cannot be judged
            (
                "partial: table unread, two readers",
                enabled(2),
                unread.clone(),
                Status::Unknown,
                "dynamodb:DescribeTable",
            ),
            ("partial: table unread, three readers", enabled(3), unread.clone(), Status::Fail, "more than the 2"),
            ("partial: table unread, one reader", enabled(1), unread, Status::Pass, "has 1 enabled Lambda reader"),
        ];
        for (name, mappings, table, want, text) in rows {
            let out = run(mappings, table);
            assert_eq!(out.len(), 1, "{name}: {out:?}");
            assert_eq!(out[0].status, want, "{name}: {}", out[0].message);
            assert!(out[0].message.contains(text), "{name}: {}", out[0].message);
        }
        let out = run(enabled(2), Collected::ok(TableDescription::default()));
        assert_eq!(out[0].resource, stream);
        assert_eq!(out[0].evidence["reader_functions"], json!(["reader1", "reader2"]));
        // A table the listing does not hold cannot be judged global or not.
        let mut snap = with(|c| {
            let mut data = lambda(vec![], 1000, Some(1000));
            if let Collected::Ok { data } = &mut data {
                data.event_source_mappings = enabled(2);
            }
            c.lambda = data;
        });
        snap.accounts[0].regions[0].data.dynamodb = Collected::ok(DynamoDbData::default());
        let out = dynamodb_stream_readers(&Ctx::new(&snap));
        assert_eq!(out[0].status, Status::Unknown, "{}", out[0].message);
        assert!(out[0].message.contains("not among the tables"), "{}", out[0].message);
        // No stream mapping anywhere: nothing to judge here (the registry reports it as skipped).
        assert!(run(Collected::ok(vec![]), Collected::NotCollected).is_empty());
    }

    #[test]
    fn lambda_listing_denied_is_unknown_for_every_lambda_check() {
        let snap = with(|c| c.lambda = Collected::Error { error: denied("lambda:ListFunctions") });
        for (id, f) in CHECKS.iter().filter(|(id, _)| id.starts_with("lambda-") || *id == "dynamodb-stream-readers") {
            let out = f(&Ctx::new(&snap));
            assert_eq!(statuses(&out), vec![Status::Unknown], "{id}");
            assert!(out[0].message.contains("lambda:ListFunctions"), "{id}: {}", out[0].message);
            assert_eq!(out[0].resource, ACCT, "{id}: the region itself is the resource");
        }
    }

    // -- API Gateway --

    fn stage(name: &str) -> ApiStage {
        let mut method_settings = BTreeMap::new();
        method_settings.insert(
            "*/*".to_string(),
            MethodSettings { logging_level: Some("ERROR".into()), data_trace_enabled: false, metrics_enabled: true },
        );
        ApiStage {
            name: name.into(),
            deployment_id: Some("d1".into()),
            cache_cluster_enabled: true,
            cache_cluster_size: Some("0.5".into()),
            cache_cluster_status: Some("AVAILABLE".into()),
            tracing_enabled: true,
            method_settings,
            canary: Some(CanarySettings { percent_traffic: 10.0, deployment_id: Some("d2".into()) }),
        }
    }

    fn run_stages(f: Evaluator, stages: Collected<Vec<ApiStage>>) -> Vec<Outcome> {
        let snap = with(|c| {
            c.apigateway = Collected::ok(ApiGatewayData {
                rest_apis: vec![RestApi { id: "a1b2c3".into(), name: "orders".into(), stages }],
            })
        });
        f(&Ctx::new(&snap))
    }

    /// Runs each case (name, stage, expected status, text in the message) alone through `f`.
    fn stage_cases(f: Evaluator, cases: Vec<(&str, ApiStage, Status, &str)>) {
        for (name, s, want, text) in cases {
            let out = run_stages(f, Collected::ok(vec![s]));
            assert_eq!(statuses(&out), vec![want], "{name}: {out:?}");
            assert!(out[0].message.contains(text), "{name}: {}", out[0].message);
        }
        let out = run_stages(f, Collected::Error { error: denied("apigateway:GET") });
        assert_eq!(statuses(&out), vec![Status::Unknown]);
        assert_eq!(out[0].resource, "arn:aws:apigateway:us-east-1::/restapis/a1b2c3");
        assert!(out[0].message.contains("apigateway:GET"));
    }

    #[test]
    fn caching_cases() {
        let off = |name: &str| ApiStage {
            cache_cluster_enabled: false,
            cache_cluster_size: None,
            cache_cluster_status: None,
            ..stage(name)
        };
        let status = |st: Option<&str>| ApiStage { cache_cluster_status: st.map(str::to_string), ..stage("prod") };
        stage_cases(
            apigateway_caching,
            vec![
                ("cached", stage("prod"), Status::Pass, "0.5 GB cache"),
                ("prod without cache", off("prod"), Status::Fail, "production stage prod"),
                ("production-v2 without cache", off("production-v2"), Status::Fail, "has no cache"),
                // Near miss: enabled on the stage, but the cluster is not there to serve.
                (
                    "cluster not available",
                    status(Some("NOT_AVAILABLE")),
                    Status::Fail,
                    "cache cluster is NOT_AVAILABLE",
                ),
                ("cluster being deleted", status(Some("DELETE_IN_PROGRESS")), Status::Fail, "DELETE_IN_PROGRESS"),
                ("flushing still serves", status(Some("FLUSH_IN_PROGRESS")), Status::Pass, "0.5 GB cache"),
                // Alternative: a stage that is not production needs no cache (a CDN in front of a production stage is
                // not visible from API Gateway, so it cannot count).
                ("dev without cache", off("dev"), Status::Skipped, "not a production stage"),
                ("product is not prod", off("product"), Status::Skipped, "not a production stage"),
                // Partial reads: a cluster still being created, or a status not reported.
                (
                    "cluster being created",
                    status(Some("CREATE_IN_PROGRESS")),
                    Status::Unknown,
                    "CREATE_IN_PROGRESS when collected",
                ),
                ("status not reported", status(None), Status::Unknown, "reported no cache cluster status"),
            ],
        );
        let out = run_stages(apigateway_caching, Collected::ok(vec![stage("prod")]));
        assert_eq!(out[0].resource, "arn:aws:apigateway:us-east-1::/restapis/a1b2c3/stages/prod");
        assert_eq!(out[0].evidence["cache_cluster_size_gb"], "0.5");
    }

    #[test]
    fn canary_cases() {
        let canary = |pct: f64, deployment: Option<&str>| ApiStage {
            canary: Some(CanarySettings { percent_traffic: pct, deployment_id: deployment.map(str::to_string) }),
            ..stage("prod")
        };
        stage_cases(
            apigateway_canary,
            vec![
                (
                    "10% on a new deployment",
                    canary(10.0, Some("d2")),
                    Status::Pass,
                    "10% of traffic to canary deployment d2",
                ),
                ("0%", canary(0.0, Some("d2")), Status::Fail, "gets 0% of traffic"),
                ("100%", canary(100.0, Some("d2")), Status::Fail, "100% of traffic"),
                // Near miss: a canary that takes traffic but serves the stage's own deployment (after a promotion).
                ("same deployment", canary(10.0, Some("d1")), Status::Fail, "same deployment as the stage"),
                ("no deployment", canary(10.0, None), Status::Fail, "same deployment as the stage"),
                // Alternative: no canary at all is a release finished, not a stale canary.
                ("none", ApiStage { canary: None, ..stage("prod") }, Status::Skipped, "no canary"),
                // Partial read: the canary comes whole with the stage (GetStages), so there is no partial canary.
            ],
        );
        let out = run_stages(apigateway_canary, Collected::ok(vec![canary(25.0, Some("d2"))]));
        assert_eq!(out[0].evidence["percent_traffic"], 25.0);
        assert_eq!(out[0].evidence["stage_deployment_id"], "d1");
    }

    #[test]
    fn stage_tracing_cases() {
        stage_cases(
            apigateway_xray_tracing,
            vec![
                ("on", stage("prod"), Status::Pass, "sends traces to X-Ray"),
                ("off", ApiStage { tracing_enabled: false, ..stage("dev") }, Status::Fail, "tracing off"),
                // Near miss: none visible here (sampling rules live in X-Ray, not on the stage). Alternative: none; a
                // trace started by the client does not record the time spent in API Gateway. Partial read: tracing
                // comes whole with the stage, and the stage list's failure is the unknown row of stage_cases.
            ],
        );
    }

    #[test]
    fn execution_logging_cases() {
        let level = |l: Option<&str>| {
            let mut s = stage("prod");
            if let Some(m) = s.method_settings.get_mut("*/*") {
                m.logging_level = l.map(str::to_string);
            }
            s
        };
        stage_cases(
            apigateway_execution_logging,
            vec![
                ("error", level(Some("ERROR")), Status::Pass, "writes ERROR execution logs"),
                ("info", level(Some("INFO")), Status::Pass, "writes INFO execution logs"),
                ("off", level(Some("OFF")), Status::Fail, "execution logging OFF"),
                (
                    "no method settings",
                    ApiStage { method_settings: BTreeMap::new(), ..stage("prod") },
                    Status::Fail,
                    "execution logging unset",
                ),
                // Near miss: */* logs, but a method override turns logging off for that method.
                (
                    "an override turns it off",
                    {
                        let mut s = level(Some("ERROR"));
                        s.method_settings.insert(
                            "orders/POST".into(),
                            MethodSettings {
                                logging_level: Some("OFF".into()),
                                data_trace_enabled: false,
                                metrics_enabled: true,
                            },
                        );
                        s
                    },
                    Status::Fail,
                    "method override(s) orders/POST turn logging OFF",
                ),
                // Alternative: an override that logs more (INFO) under */* ERROR is still logging.
                (
                    "an override logs more",
                    {
                        let mut s = level(Some("ERROR"));
                        s.method_settings.insert(
                            "orders/POST".into(),
                            MethodSettings {
                                logging_level: Some("INFO".into()),
                                data_trace_enabled: false,
                                metrics_enabled: true,
                            },
                        );
                        s
                    },
                    Status::Pass,
                    "writes ERROR execution logs",
                ),
                // Partial read: method settings come whole with the stage; the stage list's failure is the unknown row
                // of stage_cases.
            ],
        );
    }

    // -- Elastic Beanstalk --

    fn environment(name: &str, settings: Collected<BeanstalkSettings>) -> BeanstalkEnvironment {
        BeanstalkEnvironment {
            name: name.into(),
            id: "e-abc123".into(),
            arn: Some(format!("arn:aws:elasticbeanstalk:us-east-1:{ACCT}:environment/shop/{name}")),
            application_name: "shop".into(),
            status: "Ready".into(),
            tier: Some("WebServer".into()),
            settings,
        }
    }

    fn policy(p: Option<&str>, env_type: &str) -> Collected<BeanstalkSettings> {
        Collected::ok(BeanstalkSettings {
            deployment_policy: p.map(str::to_string),
            batch_size_type: Some("Percentage".into()),
            batch_size: Some("30".into()),
            environment_type: Some(env_type.into()),
        })
    }

    #[test]
    fn deployment_policy_cases() {
        let cases: Vec<(&str, BeanstalkEnvironment, Status, &str)> = vec![
            (
                "rolling prod",
                environment("shop-prod", policy(Some("Rolling"), "LoadBalanced")),
                Status::Pass,
                "policy Rolling",
            ),
            (
                "immutable prod",
                environment("shop-production", policy(Some("Immutable"), "SingleInstance")),
                Status::Pass,
                "policy Immutable",
            ),
            (
                "all at once prod",
                environment("shop-prod", policy(Some("AllAtOnce"), "LoadBalanced")),
                Status::Fail,
                "Rolling with additional batch, Immutable or Traffic splitting",
            ),
            (
                "unset on a single-instance prod",
                environment("prod-shop", policy(None, "SingleInstance")),
                Status::Fail,
                "(use Immutable)",
            ),
            (
                "all at once dev",
                environment("shop-dev", policy(Some("AllAtOnce"), "LoadBalanced")),
                Status::Skipped,
                "outside production",
            ),
            // Near miss: Rolling, but in one batch of 100%.
            (
                "rolling in one batch",
                environment(
                    "shop-prod",
                    Collected::ok(BeanstalkSettings {
                        deployment_policy: Some("Rolling".into()),
                        batch_size_type: Some("Percentage".into()),
                        batch_size: Some("100".into()),
                        environment_type: Some("LoadBalanced".into()),
                    }),
                ),
                Status::Fail,
                "a batch of 100%",
            ),
            // Alternative: RollingWithAdditionalBatch at 100% launches a full new batch first: capacity is kept.
            (
                "additional batch of 100%",
                environment(
                    "shop-prod",
                    Collected::ok(BeanstalkSettings {
                        deployment_policy: Some("RollingWithAdditionalBatch".into()),
                        batch_size_type: Some("Percentage".into()),
                        batch_size: Some("100".into()),
                        environment_type: Some("LoadBalanced".into()),
                    }),
                ),
                Status::Pass,
                "policy RollingWithAdditionalBatch",
            ),
            // Partial read: the option settings come whole with DescribeConfigurationSettings (the denied row).
            (
                "settings denied",
                environment(
                    "shop-prod",
                    Collected::Error { error: denied("elasticbeanstalk:DescribeConfigurationSettings") },
                ),
                Status::Unknown,
                "elasticbeanstalk:DescribeConfigurationSettings",
            ),
        ];
        for (name, env, want, text) in cases {
            let snap = with(|c| c.elasticbeanstalk = Collected::ok(ElasticBeanstalkData { environments: vec![env] }));
            let out = elasticbeanstalk_deployment_policy(&Ctx::new(&snap));
            assert_eq!(statuses(&out), vec![want], "{name}: {out:?}");
            assert!(out[0].message.contains(text), "{name}: {}", out[0].message);
            assert!(out[0].resource.starts_with("arn:aws:elasticbeanstalk:us-east-1:"), "{name}");
        }
        let snap = with(|c| {
            c.elasticbeanstalk = Collected::ok(ElasticBeanstalkData {
                environments: vec![BeanstalkEnvironment {
                    arn: None,
                    ..environment("shop-prod", policy(None, "LoadBalanced"))
                }],
            })
        });
        let out = elasticbeanstalk_deployment_policy(&Ctx::new(&snap));
        assert_eq!(out[0].resource, format!("arn:aws:elasticbeanstalk:us-east-1:{ACCT}:environment/shop/shop-prod"));
        assert_eq!(out[0].evidence["deployment_policy"], "AllAtOnce");
        assert_eq!(out[0].evidence["deployment_policy_set"], false);
        let snap =
            with(|c| c.elasticbeanstalk = Collected::Error { error: denied("elasticbeanstalk:DescribeEnvironments") });
        assert_eq!(statuses(&elasticbeanstalk_deployment_policy(&Ctx::new(&snap))), vec![Status::Unknown]);
    }

    // -- Step Functions --

    #[test]
    fn stepfunctions_logging_cases() {
        let machine = |kind: &str, logging: Collected<StateMachineLogging>| StateMachine {
            name: "checkout".into(),
            arn: format!("arn:aws:states:us-east-1:{ACCT}:stateMachine:checkout"),
            machine_type: kind.into(),
            logging,
        };
        let level = |l: &str, data: bool| {
            Collected::ok(StateMachineLogging {
                level: l.into(),
                include_execution_data: data,
                log_group_arns: if l == "OFF" {
                    vec![]
                } else {
                    vec!["arn:aws:logs:us-east-1:1:log-group:sfn:*".into()]
                },
            })
        };
        let cases: Vec<(&str, StateMachine, Status, &str)> = vec![
            (
                "all",
                machine("STANDARD", level("ALL", true)),
                Status::Pass,
                "logs ALL events to CloudWatch Logs, execution data included",
            ),
            ("error", machine("EXPRESS", level("ERROR", false)), Status::Pass, "logs ERROR events"),
            ("fatal", machine("STANDARD", level("FATAL", false)), Status::Pass, "only fatal events"),
            ("off standard", machine("STANDARD", level("OFF", false)), Status::Fail, "history is kept 90 days"),
            ("off express", machine("EXPRESS", level("OFF", false)), Status::Fail, "leave no record at all"),
            // Near miss (log_groups_present below): logging on, but to a log group that was deleted.
            // Alternative: none; a Standard workflow's 90-day history is the "off" row, not a substitute.
            // Partial read: the logging configuration comes whole with DescribeStateMachine (the denied row).
            (
                "denied",
                machine("STANDARD", Collected::Error { error: denied("states:DescribeStateMachine") }),
                Status::Unknown,
                "states:DescribeStateMachine",
            ),
        ];
        for (name, m, want, text) in cases {
            let snap = with(|c| c.stepfunctions = Collected::ok(StepFunctionsData { state_machines: vec![m] }));
            let out = stepfunctions_logging(&Ctx::new(&snap));
            assert_eq!(statuses(&out), vec![want], "{name}: {out:?}");
            assert!(out[0].message.contains(text), "{name}: {}", out[0].message);
            assert_eq!(out[0].resource, format!("arn:aws:states:us-east-1:{ACCT}:stateMachine:checkout"));
        }
        let snap = with(|c| c.stepfunctions = Collected::Error { error: denied("states:ListStateMachines") });
        let out = stepfunctions_logging(&Ctx::new(&snap));
        assert_eq!(statuses(&out), vec![Status::Unknown]);
        assert!(out[0].message.contains("states:ListStateMachines"));

        // Near miss: the destination log group in this region is gone. Groups in another region or account, or a
        // region whose log groups could not be listed, are not second-guessed.
        let to = |group_arn: &str| StateMachine {
            name: "checkout".into(),
            arn: format!("arn:aws:states:us-east-1:{ACCT}:stateMachine:checkout"),
            machine_type: "EXPRESS".into(),
            logging: Collected::ok(StateMachineLogging {
                level: "ERROR".into(),
                include_execution_data: false,
                log_group_arns: vec![group_arn.into()],
            }),
        };
        let here = |name: &str| format!("arn:aws:logs:us-east-1:{ACCT}:log-group:{name}:*");
        let groups = |names: &[&str]| {
            Collected::ok(LogsData {
                log_groups: names.iter().map(|n| LogGroup { name: n.to_string(), ..Default::default() }).collect(),
                metric_filters: Collected::ok(vec![]),
            })
        };
        let rows: Vec<(&str, String, Collected<LogsData>, Status, &str)> = vec![
            (
                "group exists",
                here("/aws/vendedlogs/states/checkout"),
                groups(&["/aws/vendedlogs/states/checkout"]),
                Status::Pass,
                "logs ERROR events",
            ),
            (
                "group deleted",
                here("/aws/vendedlogs/states/checkout"),
                groups(&["other"]),
                Status::Fail,
                "which does not exist: they are lost",
            ),
            (
                "group in another account",
                "arn:aws:logs:us-east-1:222222222222:log-group:central:*".into(),
                groups(&[]),
                Status::Pass,
                "logs ERROR events",
            ),
            (
                "log groups unreadable",
                here("gone"),
                Collected::Error { error: denied("logs:DescribeLogGroups") },
                Status::Pass,
                "logs ERROR events",
            ),
        ];
        for (name, arn, logs, want, text) in rows {
            let mut snap =
                with(|c| c.stepfunctions = Collected::ok(StepFunctionsData { state_machines: vec![to(&arn)] }));
            snap.accounts[0].regions[0].monitoring.logs = logs;
            let out = stepfunctions_logging(&Ctx::new(&snap));
            assert_eq!(statuses(&out), vec![want], "{name}: {out:?}");
            assert!(out[0].message.contains(text), "{name}: {}", out[0].message);
        }
    }

    #[test]
    fn production_names() {
        for name in ["prod", "Prod", "shop-prod", "production", "prod_v2", "live", "api.prd"] {
            assert!(is_production(name), "{name}");
        }
        for name in ["dev", "staging", "product", "preprod", "nonprod", "prodigy", "v1"] {
            assert!(!is_production(name), "{name}");
        }
    }

    #[test]
    fn partitions() {
        assert_eq!(partition("us-east-1"), "aws");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
    }

    #[test]
    fn regions_without_resources_give_no_outcome() {
        let snap = with(|c| {
            c.lambda = lambda(vec![], 1000, Some(1000));
            c.apigateway = Collected::ok(ApiGatewayData::default());
            c.elasticbeanstalk = Collected::ok(ElasticBeanstalkData::default());
            c.stepfunctions = Collected::ok(StepFunctionsData::default());
        });
        for (id, f) in CHECKS {
            assert!(f(&Ctx::new(&snap)).is_empty(), "{id}");
        }
    }
}
