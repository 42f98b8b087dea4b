//! Resilience checks of the data stores (study sections 31–35): RDS, DynamoDB, ElastiCache and EFS.
//!
//! Each judges one resource per outcome, in the region it lives in. A service that could not be listed gives
//! one not-evaluated outcome for the region; a per-resource read that failed gives a not-evaluated outcome for
//! that resource only.

use serde_json::{json, Value};

use super::{aws_principals, per_region, policy_statements, At, Ctx, Evaluator, Outcome};
use crate::snapshot::{
    AccountSnapshot, DbCluster, DbInstance, DynamoDbTable, FileSystem, RdsData, RegionSnapshot, ReplicationGroup,
    TimeToLive, RDS_LOGICAL_REPLICATION,
};

/// The data checks, by id.
pub static CHECKS: &[(&str, Evaluator)] = &[
    ("rds-multi-az", rds_multi_az),
    ("rds-automated-backups", rds_automated_backups),
    ("rds-blue-green-readiness", rds_blue_green_readiness),
    ("rds-read-replica-health", rds_read_replica_health),
    ("dynamodb-pitr", dynamodb_pitr),
    ("dynamodb-ttl", dynamodb_ttl),
    ("dynamodb-ttl-stream-archive", dynamodb_ttl_stream_archive),
    ("elasticache-cluster-mode", elasticache_cluster_mode),
    ("elasticache-multi-az-failover", elasticache_multi_az_failover),
    ("efs-access-points", efs_access_points),
    ("efs-file-system-policy", efs_file_system_policy),
    ("efs-backup", efs_backup),
];

/// Where an outcome about one resource of a region applies.
fn at(account: &AccountSnapshot, region: &RegionSnapshot, resource: impl Into<String>) -> At {
    At::new(&account.account_id, &region.region, resource)
}

/// An ARN, or the identifier when the service gave none.
fn arn_or(arn: &str, id: &str) -> String {
    if arn.is_empty() {
        id.to_string()
    } else {
        arn.to_string()
    }
}

// ---- RDS ----------------------------------------------------------------------------------------------

/// Judges every standalone primary DB instance with `instance`, and every DB cluster with `cluster`; a region
/// whose clusters could not be listed gives one not-evaluated outcome for them.
fn per_rds_primary(
    ctx: &Ctx<'_>,
    instance: impl Fn(At, &DbInstance) -> Outcome,
    cluster: impl Fn(At, &DbCluster) -> Outcome,
) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.data.rds,
        |account, region, rds, out| {
            for i in rds.instances.iter().filter(|i| i.is_standalone_primary()) {
                out.push(instance(at(account, region, arn_or(&i.arn, &i.identifier)), i));
            }
            match rds.clusters.get() {
                Ok(clusters) => {
                    out.extend(clusters.iter().map(|c| cluster(at(account, region, arn_or(&c.arn, &c.identifier)), c)))
                }
                Err(e) => out.push(At::region(account, region).not_evaluated(&e)),
            }
        },
    )
}

/// `Aurora cluster` or `Multi-AZ DB cluster`, for messages.
fn cluster_kind(c: &DbCluster) -> &'static str {
    if c.engine.starts_with("aurora") {
        "Aurora cluster"
    } else {
        "Multi-AZ DB cluster"
    }
}

pub fn rds_multi_az(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_rds_primary(
        ctx,
        |at, i| {
            let evidence = json!({
                "engine": i.engine,
                "instance_status": i.status,
                "multi_az": i.multi_az,
                "availability_zone": i.availability_zone,
                "standby_availability_zone": i.secondary_availability_zone,
            });
            let Some(multi_az) = i.multi_az else {
                return at.unknown(
                    format!(
                        "could not be evaluated: rds:DescribeDBInstances reported no MultiAZ setting for DB instance {}",
                        i.identifier
                    ),
                    evidence,
                );
            };
            if multi_az {
                let standby = i.secondary_availability_zone.as_deref().map(|z| format!(" in {z}")).unwrap_or_default();
                at.pass(
                    format!("DB instance {} keeps a synchronous standby{standby} to fail over to", i.identifier),
                    evidence,
                )
            } else {
                at.fail(
                    format!(
                        "DB instance {} ({}) runs in a single Availability Zone{} with no standby: an instance or zone failure means downtime until it is replaced",
                        i.identifier,
                        i.engine,
                        i.availability_zone.as_deref().map(|z| format!(" ({z})")).unwrap_or_default()
                    ),
                    evidence,
                )
            }
        },
        |at, c| {
            let readers = c.members.iter().filter(|m| !m.is_writer).count();
            let evidence = json!({
                "engine": c.engine,
                "engine_mode": c.engine_mode,
                "cluster_kind": cluster_kind(c),
                "multi_az": c.multi_az,
                "instances": c.members.len(),
                "readers": readers,
            });
            if c.engine_mode.as_deref() == Some("serverless") {
                return at.skipped(
                    format!(
                        "{} is Aurora Serverless v1, whose capacity and failover the service manages",
                        c.identifier
                    ),
                    evidence,
                );
            }
            let Some(multi_az) = c.multi_az else {
                return at.unknown(
                    format!(
                        "could not be evaluated: rds:DescribeDBClusters reported no MultiAZ setting for {} {}",
                        cluster_kind(c),
                        c.identifier
                    ),
                    evidence,
                );
            };
            if multi_az {
                at.pass(
                    format!("{} {} has instances in more than one Availability Zone", cluster_kind(c), c.identifier),
                    evidence,
                )
            } else if readers == 0 {
                at.fail(
                    format!(
                        "{} {} has a writer and no reader: nothing to promote if the writer or its zone fails",
                        cluster_kind(c),
                        c.identifier
                    ),
                    evidence,
                )
            } else {
                at.fail(
                    format!(
                        "{} {} has {readers} reader(s), none in another Availability Zone than the writer: a zone failure takes them all",
                        cluster_kind(c),
                        c.identifier
                    ),
                    evidence,
                )
            }
        },
    )
}

pub fn rds_automated_backups(ctx: &Ctx<'_>) -> Vec<Outcome> {
    fn judge(at: At, what: String, call: &str, retention: Option<i32>, evidence: Value) -> Outcome {
        let Some(retention) = retention else {
            return at.unknown(
                format!("could not be evaluated: {call} reported no backup retention period for {what}"),
                evidence,
            );
        };
        if retention > 0 {
            at.pass(format!("{what} keeps {retention} day(s) of automated backups"), evidence)
        } else {
            at.fail(
                format!(
                    "{what} has automated backups off (retention 0): no point-in-time restore, and no read replica or blue/green deployment can be made from it"
                ),
                evidence,
            )
        }
    }
    per_rds_primary(
        ctx,
        |at, i| {
            let evidence = json!({ "engine": i.engine, "backup_retention_period": i.backup_retention_period });
            judge(
                at,
                format!("DB instance {}", i.identifier),
                "rds:DescribeDBInstances",
                i.backup_retention_period,
                evidence,
            )
        },
        |at, c| {
            let evidence = json!({ "engine": c.engine, "backup_retention_period": c.backup_retention_period });
            judge(
                at,
                format!("{} {}", cluster_kind(c), c.identifier),
                "rds:DescribeDBClusters",
                c.backup_retention_period,
                evidence,
            )
        },
    )
}

/// What a blue/green deployment of one instance still lacks, or why that could not be told.
enum Readiness {
    Ready,
    Missing(Vec<String>),
    Unknown(String),
}

pub fn rds_blue_green_readiness(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.data.rds,
        |account, region, rds, out| {
            let supported = |i: &&DbInstance| matches!(i.engine.as_str(), "mysql" | "mariadb" | "postgres");
            for i in rds.instances.iter().filter(|i| i.is_standalone_primary()).filter(supported) {
                let at = at(account, region, arn_or(&i.arn, &i.identifier));
                out.push(blue_green_outcome(at, rds, i));
            }
        },
    )
}

fn blue_green_outcome(at: At, rds: &RdsData, i: &DbInstance) -> Outcome {
    let mut missing = Vec::new();
    let mut unknown = None;
    if i.backup_retention_period.is_none() {
        unknown = Some("rds:DescribeDBInstances reported no backup retention period".to_string());
    }
    if i.backup_retention_period == Some(0) {
        missing.push(if i.engine == "postgres" {
            "automated backups are off".to_string()
        } else {
            "automated backups are off, so binary logging is off".to_string()
        });
    }
    let group = i.parameter_groups.first();
    let mut logical_replication = Value::Null;
    if i.engine == "postgres" {
        match group.map(|g| (g, rds.parameter(&g.name, RDS_LOGICAL_REPLICATION))) {
            None => unknown = Some("the instance reports no DB parameter group".to_string()),
            Some((g, None)) => {
                unknown = Some(format!("{RDS_LOGICAL_REPLICATION} of parameter group {} was not read", g.name))
            }
            Some((g, Some(value))) => match value.get() {
                Err(e) => {
                    unknown = Some(format!(
                        "{RDS_LOGICAL_REPLICATION} of parameter group {} could not be read: {}",
                        g.name,
                        e.brief()
                    ))
                }
                Ok(value) => {
                    logical_replication = json!(value);
                    if value.as_deref() != Some("1") {
                        let fix = if g.name.starts_with("default.") {
                            "it must be 1, and a default group cannot be changed: attach a custom one"
                        } else {
                            "it must be 1"
                        };
                        missing.push(format!(
                            "{RDS_LOGICAL_REPLICATION} is {} in parameter group {} ({fix})",
                            value.as_deref().unwrap_or("not set (default 0)"),
                            g.name
                        ));
                    } else if g.apply_status == "pending-reboot" {
                        missing.push(format!(
                            "{RDS_LOGICAL_REPLICATION} = 1 in parameter group {} takes effect only after a reboot",
                            g.name
                        ));
                    }
                }
            },
        }
    }
    let deployments: Value = match rds.blue_green_deployments.get() {
        Ok(list) => json!(list
            .iter()
            .filter(|d| d.source.as_deref() == Some(i.arn.as_str()))
            .map(|d| format!("{} ({})", d.name.as_deref().unwrap_or(&d.identifier), d.status))
            .collect::<Vec<_>>()),
        Err(e) => json!(format!("not read: {}", e.brief())),
    };
    let mut evidence = json!({
        "engine": i.engine,
        "engine_version": i.engine_version,
        "backup_retention_period": i.backup_retention_period,
        "parameter_group": group.map(|g| &g.name),
        "parameter_apply_status": group.map(|g| &g.apply_status),
    });
    if i.engine == "postgres" {
        evidence["logical_replication"] = logical_replication;
    }
    evidence["blue_green_deployments"] = deployments;
    let readiness = match (missing.is_empty(), unknown) {
        (false, _) => Readiness::Missing(missing),
        (true, Some(why)) => Readiness::Unknown(why),
        (true, None) => Readiness::Ready,
    };
    let name = format!("DB instance {} ({} {})", i.identifier, i.engine, i.engine_version);
    match readiness {
        Readiness::Ready => {
            let existing = match &evidence["blue_green_deployments"] {
                Value::Array(list) if !list.is_empty() => format!(
                    "; blue/green deployments: {}",
                    list.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")
                ),
                _ => String::new(),
            };
            at.pass(format!("{name} meets the prerequisites of a blue/green deployment{existing}"), evidence)
        }
        Readiness::Missing(missing) => {
            at.fail(format!("{name} cannot have a blue/green deployment yet: {}", missing.join("; ")), evidence)
        }
        Readiness::Unknown(why) => at.unknown(format!("{name}: readiness for blue/green unknown: {why}"), evidence),
    }
}

pub fn rds_read_replica_health(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.data.rds,
        |account, region, rds, out| {
            for i in rds.instances.iter().filter(|i| i.cluster_identifier.is_none()) {
                let Some(source) = &i.read_replica_source else { continue };
                let at = at(account, region, arn_or(&i.arn, &i.identifier));
                let source_version = rds
                    .instances
                    .iter()
                    .find(|s| &s.identifier == source || &s.arn == source)
                    .map(|s| s.engine_version.as_str());
                let status = i.replication_status();
                let evidence = json!({
                    "source": source,
                    "replication_status": status.map(|s| &s.status),
                    "replication_normal": status.map(|s| s.normal),
                    "replication_message": status.and_then(|s| s.message.as_ref()),
                    "instance_status": i.status,
                    "engine_version": i.engine_version,
                    "source_engine_version": source_version,
                    "multi_az": i.multi_az,
                    "backup_retention_period": i.backup_retention_period,
                });
                let Some(status) = status else {
                    out.push(at.unknown(
                        format!(
                        "read replica {} of {source} (instance status {}): RDS reported no replication status to judge",
                        i.identifier, i.status
                    ),
                        evidence,
                    ));
                    continue;
                };
                let broken = status.normal == Some(false)
                    || matches!(status.status.as_str(), "error" | "stopped" | "terminated" | "replication degraded");
                if !broken && status.status != "replicating" {
                    // Only `replicating` says the replica keeps up; a status RDS did not give, or one this check
                    // does not know, decides nothing.
                    let shown = if status.status.is_empty() { "none" } else { status.status.as_str() };
                    out.push(at.unknown(
                        format!(
                            "could not be evaluated: read replica {} of {source} reports replication status {shown}, \
                             which does not say whether it keeps up",
                            i.identifier
                        ),
                        evidence,
                    ));
                    continue;
                }
                if broken {
                    out.push(at.fail(
                    format!(
                        "read replica {} of {source} reports replication {}{}: it serves stale reads and is no safe promotion target",
                        i.identifier,
                        status.status,
                        status.message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default()
                    ),
                    evidence,
                ));
                } else {
                    let upgrade = match source_version {
                        Some(v) if v != i.engine_version => {
                            format!("; it runs {} ahead of its source's {v}, as in a rolling upgrade", i.engine_version)
                        }
                        _ => String::new(),
                    };
                    out.push(at.pass(
                        format!("read replica {} of {source} is {}{upgrade}", i.identifier, status.status),
                        evidence,
                    ));
                }
            }
        },
    )
}

// ---- DynamoDB -----------------------------------------------------------------------------------------

/// Calls `judge` on every table of every region.
fn per_table(ctx: &Ctx<'_>, judge: impl Fn(At, &DynamoDbTable) -> Outcome) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.data.dynamodb,
        |account, region, data, out| {
            out.extend(data.tables.iter().map(|t| judge(at(account, region, t.resource()), t)));
        },
    )
}

pub fn dynamodb_pitr(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_table(ctx, |at, t| {
        let p = match t.point_in_time_recovery.get() {
            Ok(p) => p,
            Err(e) => return at.not_evaluated(&e),
        };
        let evidence = json!({
            "point_in_time_recovery": p.status,
            "recovery_period_in_days": p.recovery_period_in_days,
            "earliest_restorable": p.earliest_restorable,
            "latest_restorable": p.latest_restorable,
        });
        if p.status == "ENABLED" {
            let days = p.recovery_period_in_days.map(|d| format!(" over the last {d} day(s)")).unwrap_or_default();
            at.pass(format!("table {} can be restored to any second{days}", t.name), evidence)
        } else if p.status != "DISABLED" {
            at.unknown(
                format!(
                    "could not be evaluated: table {}'s point-in-time recovery status {:?} is neither ENABLED nor \
                     DISABLED (dynamodb:DescribeContinuousBackups)",
                    t.name, p.status
                ),
                evidence,
            )
        } else {
            at.fail(
                format!(
                    "table {} has point-in-time recovery {}: an accidental write or delete can be undone only from an on-demand backup, if one exists",
                    t.name,
                    p.status.to_lowercase()
                ),
                evidence,
            )
        }
    })
}

/// A TTL status that says neither on nor off (empty in an older snapshot, or a value AWS added): unknown.
fn unrecognised_ttl(at: At, t: &DynamoDbTable, ttl: &TimeToLive, evidence: Value) -> Outcome {
    at.unknown(
        format!(
            "could not be evaluated: table {}'s TTL status {:?} is neither enabled nor disabled \
             (dynamodb:DescribeTimeToLive)",
            t.name, ttl.status
        ),
        evidence,
    )
}

pub fn dynamodb_ttl(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_table(ctx, |at, t| {
        let ttl = match t.time_to_live.get() {
            Ok(ttl) => ttl,
            Err(e) => return at.not_evaluated(&e),
        };
        let evidence = json!({ "ttl_status": ttl.status, "ttl_attribute": ttl.attribute_name });
        if ttl.state().is_none() {
            return unrecognised_ttl(at, t, ttl, evidence);
        }
        if ttl.is_on() {
            at.pass(
                format!(
                    "table {} expires items by the epoch time in attribute {}",
                    t.name,
                    ttl.attribute_name.as_deref().unwrap_or("(unnamed)")
                ),
                evidence,
            )
        } else {
            at.fail(
                format!(
                    "table {} has TTL {}: items stay until something deletes them, with the write capacity that costs",
                    t.name,
                    ttl.status.to_lowercase()
                ),
                evidence,
            )
        }
    })
}

pub fn dynamodb_ttl_stream_archive(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_table(ctx, |at, t| {
        let ttl = match t.time_to_live.get() {
            Ok(ttl) => ttl,
            Err(e) => return at.not_evaluated(&e),
        };
        if ttl.state().is_none() {
            return unrecognised_ttl(at, t, ttl, json!({ "ttl_status": ttl.status }));
        }
        if !ttl.is_on() {
            return at.skipped(
                format!("table {} has TTL {}: no item expires", t.name, ttl.status.to_lowercase()),
                json!({ "ttl_status": ttl.status }),
            );
        }
        let d = match t.description.get() {
            Ok(d) => d,
            Err(e) => return at.not_evaluated(&e),
        };
        let evidence = json!({
            "ttl_attribute": ttl.attribute_name,
            "stream_enabled": d.stream_enabled,
            "stream_view_type": d.stream_view_type,
            "latest_stream_arn": d.latest_stream_arn,
        });
        match (d.stream_enabled, d.stream_view_type.as_deref()) {
            (true, Some(view @ ("OLD_IMAGE" | "NEW_AND_OLD_IMAGES"))) => at.pass(
                format!("table {} streams {view}: every item TTL deletes reaches the stream with its content", t.name),
                evidence,
            ),
            (true, view) => at.fail(
                format!(
                    "table {} expires items but its stream ({}) carries no old image: expired items vanish without their content",
                    t.name,
                    view.unwrap_or("no view type")
                ),
                evidence,
            ),
            (false, _) => at.fail(
                format!("table {} expires items but has no stream: expired items vanish without a record", t.name),
                evidence,
            ),
        }
    })
}

// ---- ElastiCache --------------------------------------------------------------------------------------

/// The endpoint applications connect to, per cluster mode.
fn endpoints(g: &ReplicationGroup) -> (Option<&str>, Option<&str>) {
    let first = g.node_groups.first();
    (first.and_then(|n| n.primary_endpoint.as_deref()), first.and_then(|n| n.reader_endpoint.as_deref()))
}

pub fn elasticache_cluster_mode(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.data.elasticache,
        |account, region, data, out| {
            for g in &data.replication_groups {
                let at = at(account, region, arn_or(&g.arn, &g.id));
                let (primary, reader) = endpoints(g);
                let evidence = json!({
                    "engine": g.engine,
                    "cluster_enabled": g.cluster_enabled,
                    "cluster_mode": g.cluster_mode,
                    "shards": g.node_groups.len(),
                    "configuration_endpoint": g.configuration_endpoint,
                    "primary_endpoint": primary,
                    "reader_endpoint": reader,
                });
                let shards = g.node_groups.len();
                out.push(match (g.cluster_mode.as_deref(), g.cluster_enabled) {
                    // Mid-migration: clients may still use the primary endpoint, and the data is in one shard.
                    (Some("compatible"), _) => at.fail(
                        format!(
                            "replication group {} is in cluster mode compatible: the move to cluster mode is not finished (clients may still use the primary endpoint); set it to enabled once every client uses the configuration endpoint",
                            g.id
                        ),
                        evidence,
                    ),
                    (Some("enabled"), _) | (None, Some(true)) => at.pass(
                        format!(
                            "replication group {} runs with cluster mode enabled on {shards} shard(s){}; cluster-aware clients connect to the configuration endpoint {}",
                            g.id,
                            if shards == 1 { " (data is not yet partitioned, but shards can be added online)" } else { "" },
                            g.configuration_endpoint.as_deref().unwrap_or("(not reported)")
                        ),
                        evidence,
                    ),
                    (Some("disabled"), _) | (None, Some(false)) => at.fail(
                        format!(
                            "replication group {} has cluster mode disabled: one shard, so writes and memory are bounded by one primary node (writes go to {}, reads to {})",
                            g.id,
                            primary.unwrap_or("the primary endpoint"),
                            reader.unwrap_or("the reader endpoint")
                        ),
                        evidence,
                    ),
                    (mode, None) => at.unknown(
                        format!(
                            "could not be evaluated: elasticache:DescribeReplicationGroups reported no ClusterEnabled for replication group {}{}",
                            g.id,
                            mode.map(|m| format!(" (cluster mode {m})")).unwrap_or_default()
                        ),
                        evidence,
                    ),
                    (Some(mode), Some(enabled)) => at.unknown(
                        format!(
                            "could not be evaluated: replication group {} reports cluster mode {mode} (ClusterEnabled {enabled}), which this check does not know",
                            g.id
                        ),
                        evidence,
                    ),
                });
            }
        },
    )
}

pub fn elasticache_multi_az_failover(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.data.elasticache,
        |account, region, data, out| {
            for g in &data.replication_groups {
                let at = at(account, region, arn_or(&g.arn, &g.id));
                let mut zones: Vec<&str> =
                    g.node_groups.iter().flat_map(|n| n.availability_zones.iter().map(String::as_str)).collect();
                zones.sort_unstable();
                zones.dedup();
                let min_nodes = g.node_groups.iter().map(|n| n.nodes).min().unwrap_or(0);
                let evidence = json!({
                    "engine": g.engine,
                    "automatic_failover": g.automatic_failover,
                    "multi_az": g.multi_az,
                    "shards": g.node_groups.len(),
                    "replicas_per_shard": min_nodes.saturating_sub(1),
                    "availability_zones": zones,
                });
                let mut missing = Vec::new();
                let mut unreported = Vec::new();
                for (what, value) in [("automatic failover", &g.automatic_failover), ("Multi-AZ", &g.multi_az)] {
                    match value.as_str() {
                        "enabled" => {}
                        crate::snapshot::NOT_REPORTED => unreported.push(what),
                        other => missing.push(format!("{what} is {other}")),
                    }
                }
                if min_nodes < 2 {
                    missing.push("a shard has no replica".to_string());
                }
                // A shard whose primary and replicas all sit in one zone loses them all with that zone.
                for n in &g.node_groups {
                    let mut shard_zones: Vec<&str> = n.availability_zones.iter().map(String::as_str).collect();
                    shard_zones.sort_unstable();
                    shard_zones.dedup();
                    if n.nodes >= 2 && n.availability_zones.len() == n.nodes && shard_zones.len() == 1 {
                        missing.push(format!("shard {} has all {} nodes in {}", n.id, n.nodes, shard_zones[0]));
                    }
                }
                if missing.is_empty() && !unreported.is_empty() {
                    out.push(at.unknown(
                        format!(
                            "could not be evaluated: elasticache:DescribeReplicationGroups did not report {} for replication group {}",
                            unreported.join(" or "),
                            g.id
                        ),
                        evidence,
                    ));
                    continue;
                }
                out.push(if missing.is_empty() {
                    at.pass(
                        format!("replication group {} promotes a replica in another zone when a primary fails", g.id),
                        evidence,
                    )
                } else {
                    at.fail(
                        format!(
                        "replication group {}: {}; a primary or zone failure interrupts writes until it is replaced",
                        g.id,
                        missing.join(", ")
                    ),
                        evidence,
                    )
                });
            }
            match data.standalone_clusters.get() {
                Err(e) => out.push(At::region(account, region).not_evaluated(&e)),
                Ok(clusters) => {
                    for c in clusters.iter().filter(|c| matches!(c.engine.as_str(), "redis" | "valkey")) {
                        out.push(at(account, region, arn_or(&c.arn, &c.id)).fail(
                            format!(
                            "{} cluster {} is a single node outside any replication group: no replica to fail over to",
                            c.engine, c.id
                        ),
                            json!({
                                "engine": c.engine,
                                "replication_group": Value::Null,
                                "nodes": c.nodes,
                                "availability_zone": c.availability_zone,
                            }),
                        ));
                    }
                }
            }
        },
    )
}

// ---- EFS ----------------------------------------------------------------------------------------------

/// Calls `judge` on every file system of every region.
fn per_file_system(ctx: &Ctx<'_>, judge: impl Fn(At, &FileSystem) -> Outcome) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.data.efs,
        |account, region, data, out| {
            out.extend(data.file_systems.iter().map(|f| judge(at(account, region, arn_or(&f.arn, &f.id)), f)));
        },
    )
}

pub fn efs_access_points(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_file_system(ctx, |at, f| {
        let points = match f.access_points.get() {
            Ok(p) => p,
            Err(e) => return at.not_evaluated(&e),
        };
        let listed: Vec<String> = points
            .iter()
            .map(|p| {
                let mut s = p.name.clone().unwrap_or_else(|| p.id.clone());
                if let Some(root) = &p.root_directory {
                    s.push_str(&format!(" root={root}"));
                }
                if let Some(user) = &p.posix_user {
                    s.push_str(&format!(" user={user}"));
                }
                s
            })
            .collect();
        // An access point with neither a POSIX user nor a root directory below `/` enforces nothing.
        let enforcing: Vec<&str> = points
            .iter()
            .filter(|p| {
                p.posix_user.is_some()
                    || p.root_directory.as_deref().is_some_and(|r| !r.trim_end_matches('/').is_empty())
            })
            .map(|p| p.name.as_deref().unwrap_or(&p.id))
            .collect();
        let evidence = json!({ "access_points": listed, "enforcing": enforcing, "mount_targets": f.mount_targets });
        if !points.is_empty() && enforcing.is_empty() {
            return at.fail(
                format!(
                    "file system {} has {} access point(s), but none sets a POSIX user or a root directory below /: they enforce no identity and no directory",
                    f.label(),
                    points.len()
                ),
                evidence,
            );
        }
        if points.is_empty() {
            at.fail(
                format!(
                    "file system {} has no access point: clients mount its root directory as whatever POSIX user they claim to be",
                    f.label()
                ),
                evidence,
            )
        } else {
            at.pass(
                format!(
                    "file system {} has {} access point(s) that enforce a POSIX user or a root directory ({})",
                    f.label(),
                    enforcing.len(),
                    enforcing.join(", ")
                ),
                evidence,
            )
        }
    })
}

/// Whether a policy document has a statement denying every principal the mounting of the file system without
/// TLS: `Deny`, `Principal` everyone, an `Action` that covers `elasticfilesystem:ClientMount` (no client gets in
/// without it), and a condition that is `aws:SecureTransport` false and nothing else (any other key narrows the
/// Deny to some requests only).
fn denies_insecure_transport(policy: &Value) -> bool {
    policy_statements(policy).into_iter().any(|s| {
        // A bare list is not a valid `Principal`: only "*" or an `AWS` entry naming "*" means everyone.
        let everyone = !s["Principal"].is_array() && aws_principals(&s["Principal"]).contains(&"*");
        let mounts = s.get("NotAction").is_none()
            && super::policy_strings(&s["Action"])
                .into_iter()
                .any(|a| crate::scp::policy::action_matches(a, "elasticfilesystem:ClientMount"));
        let only_transport =
            super::condition_keys(&s["Condition"]).iter().all(|k| k.eq_ignore_ascii_case("aws:SecureTransport"));
        s["Effect"] == "Deny" && everyone && mounts && only_transport && secure_transport_false(&s["Condition"])
    })
}

/// A condition block with `Bool` (or `BoolIfExists`) `aws:SecureTransport` = false.
fn secure_transport_false(condition: &Value) -> bool {
    let Value::Object(operators) = condition else { return false };
    operators.iter().filter(|(op, _)| op.eq_ignore_ascii_case("Bool") || op.eq_ignore_ascii_case("BoolIfExists")).any(
        |(_, keys)| {
            let Value::Object(keys) = keys else { return false };
            keys.iter().filter(|(k, _)| k.eq_ignore_ascii_case("aws:SecureTransport")).any(|(_, v)| {
                let is_false =
                    |v: &Value| v == &Value::Bool(false) || v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("false"));
                is_false(v) || v.as_array().is_some_and(|l| l.iter().any(is_false))
            })
        },
    )
}

pub fn efs_file_system_policy(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_file_system(ctx, |at, f| {
        let policy = match f.policy.get() {
            Ok(p) => p,
            Err(e) => return at.not_evaluated(&e),
        };
        let Some(text) = policy else {
            return at.fail(
                format!(
                    "file system {} has no file system policy: any client that reaches a mount target gets full access, with or without TLS",
                    f.label()
                ),
                json!({ "policy_present": false, "denies_unencrypted_transport": false }),
            );
        };
        let parsed: Option<Value> = serde_json::from_str(text).ok();
        let Some(doc) = parsed else {
            return at.unknown(
                format!("file system {}: its policy could not be read as JSON", f.label()),
                json!({ "policy_present": true, "policy": text }),
            );
        };
        let statements = match &doc["Statement"] {
            Value::Array(l) => l.len(),
            Value::Object(_) => 1,
            _ => 0,
        };
        let secure = denies_insecure_transport(&doc);
        let evidence =
            json!({ "policy_present": true, "denies_unencrypted_transport": secure, "policy_statements": statements });
        if secure {
            at.pass(format!("file system {} has a policy that refuses connections without TLS", f.label()), evidence)
        } else {
            at.fail(
                format!(
                    "file system {} has a policy, but no statement denies every principal elasticfilesystem:ClientMount without TLS (Deny, Principal *, Bool aws:SecureTransport false, no other condition)",
                    f.label()
                ),
                evidence,
            )
        }
    })
}

pub fn efs_backup(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_file_system(ctx, |at, f| {
        let status = match f.backup_policy.get() {
            Ok(s) => s,
            Err(e) => return at.not_evaluated(&e),
        };
        let storage = if f.availability_zone.is_some() { "One Zone" } else { "Regional" };
        let evidence = json!({
            "backup_policy": status,
            "storage": storage,
            "availability_zone": f.availability_zone,
        });
        match status.as_deref() {
            Some(s @ ("ENABLED" | "ENABLING")) => at.pass(
                format!("file system {} has automatic daily AWS Backup backups {}", f.label(), s.to_lowercase()),
                evidence,
            ),
            other => {
                let zone = f
                    .availability_zone
                    .as_deref()
                    .map(|z| format!("; as a One Zone file system its only copy lives in {z}"))
                    .unwrap_or_default();
                at.fail(
                    format!(
                        "file system {} has automatic backups {}{zone}; only a backup plan of your own in AWS Backup, which this check does not read, would protect it",
                        f.label(),
                        other.map_or("off (never turned on)".to_string(), str::to_lowercase)
                    ),
                    evidence,
                )
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::report::Status;
    use crate::snapshot::{
        AccessPoint, BlueGreenDeployment, CacheCluster, Collected, CollectionError, DataSections, DbParameterGroupRef,
        DbParameterValue, DbStatusInfo, DynamoDbData, EfsData, ElastiCacheData, ErrorKind, NodeGroup,
        PointInTimeRecovery, Snapshot, TableDescription, TimeToLive, NOT_REPORTED,
    };

    const REGION: &str = "us-east-1";

    fn one_region(data: DataSections) -> Snapshot {
        let mut r = region(REGION);
        r.data = data;
        snapshot(vec![account(ACCT, None, vec![r])])
    }

    /// (resource, status) of every outcome, sorted by resource.
    fn verdicts(check: Evaluator, data: DataSections) -> Vec<(String, Status)> {
        let snap = one_region(data);
        let mut out: Vec<(String, Status)> = check(&Ctx::new(&snap))
            .into_iter()
            .inspect(|o| {
                assert_eq!((o.account.as_str(), o.region.as_str()), (ACCT, REGION));
                assert!(!o.message.is_empty() && o.evidence.is_object(), "{o:?}");
            })
            .map(|o| (o.resource, o.status))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// The one outcome of a check on a one-region snapshot.
    fn only(check: Evaluator, data: DataSections) -> Outcome {
        let snap = one_region(data);
        let mut out = check(&Ctx::new(&snap));
        assert_eq!(out.len(), 1, "{out:#?}");
        out.remove(0)
    }

    fn expect(check: Evaluator, name: &str, data: DataSections, want: &[(&str, Status)]) {
        let got = verdicts(check, data);
        let want: Vec<(String, Status)> = want.iter().map(|(r, s)| (r.to_string(), *s)).collect();
        assert_eq!(got, want, "case {name}");
    }

    fn denied_section(permission: &str) -> DataSections {
        DataSections::unavailable(&denied(permission))
    }

    // -- RDS --

    fn db_arn(id: &str) -> String {
        format!("arn:aws:rds:{REGION}:{ACCT}:db:{id}")
    }

    fn cluster_arn(id: &str) -> String {
        format!("arn:aws:rds:{REGION}:{ACCT}:cluster:{id}")
    }

    fn instance(id: &str, engine: &str) -> DbInstance {
        DbInstance {
            identifier: id.into(),
            arn: db_arn(id),
            engine: engine.into(),
            engine_version: "8.0.35".into(),
            status: "available".into(),
            multi_az: Some(true),
            backup_retention_period: Some(7),
            availability_zone: Some("us-east-1a".into()),
            secondary_availability_zone: Some("us-east-1b".into()),
            parameter_groups: vec![DbParameterGroupRef {
                name: format!("{id}-params"),
                apply_status: "in-sync".into(),
            }],
            ..Default::default()
        }
    }

    fn replica(id: &str, source: &str, status: Option<(&str, bool)>) -> DbInstance {
        DbInstance {
            read_replica_source: Some(source.into()),
            multi_az: Some(false),
            status_infos: status
                .map(|(status, normal)| DbStatusInfo {
                    status_type: "read replication".into(),
                    status: status.into(),
                    normal: Some(normal),
                    message: (!normal).then(|| "Replication stopped: error 1062".into()),
                })
                .into_iter()
                .collect(),
            ..instance(id, "mysql")
        }
    }

    fn cluster(id: &str, multi_az: bool) -> DbCluster {
        DbCluster {
            identifier: id.into(),
            arn: cluster_arn(id),
            engine: "aurora-postgresql".into(),
            engine_version: "16.4".into(),
            engine_mode: Some("provisioned".into()),
            status: "available".into(),
            multi_az: Some(multi_az),
            backup_retention_period: Some(1),
            ..Default::default()
        }
    }

    fn rds(instances: Vec<DbInstance>, clusters: Collected<Vec<DbCluster>>) -> DataSections {
        DataSections {
            rds: Collected::ok(RdsData {
                instances,
                clusters,
                blue_green_deployments: Collected::ok(vec![]),
                parameters: vec![],
            }),
            ..Default::default()
        }
    }

    /// A verdict-table row over one region's RDS data: (case, data, the resource judged, status, message fragment).
    type RdsRow = (&'static str, DataSections, String, Status, &'static str);

    fn run_rds_rows(check: Evaluator, rows: Vec<RdsRow>) {
        for (case, data, resource, want, text) in rows {
            let snap = one_region(data);
            let out = check(&Ctx::new(&snap));
            let o = out.iter().find(|o| o.resource == resource).unwrap_or_else(|| panic!("{case}: {out:#?}"));
            assert_eq!(o.status, want, "{case}: {}", o.message);
            assert!(o.message.contains(text), "{case}: {}", o.message);
        }
    }

    fn instances(list: Vec<DbInstance>) -> DataSections {
        rds(list, Collected::ok(vec![]))
    }

    fn clusters(list: Vec<DbCluster>) -> DataSections {
        rds(vec![], Collected::ok(list))
    }

    #[test]
    fn rds_multi_az_verdict_table() {
        let single = DbInstance { multi_az: Some(false), ..instance("db", "postgres") };
        let member =
            DbInstance { cluster_identifier: Some("aurora".into()), multi_az: Some(false), ..instance("m1", "aurora") };
        let rows: Vec<RdsRow> = vec![
            (
                "compliant: Multi-AZ instance",
                instances(vec![instance("db", "mysql")]),
                db_arn("db"),
                Status::Pass,
                "standby in us-east-1b",
            ),
            (
                "non-compliant: Single-AZ instance",
                instances(vec![single.clone()]),
                db_arn("db"),
                Status::Fail,
                "single Availability Zone (us-east-1a)",
            ),
            // Near miss: a read replica in another zone is no standby: failing over to it is a manual promotion.
            (
                "near miss: Single-AZ with a replica",
                instances(vec![
                    DbInstance { read_replicas: vec!["r1".into()], ..single.clone() },
                    replica("r1", "db", Some(("replicating", true))),
                ]),
                db_arn("db"),
                Status::Fail,
                "no standby",
            ),
            (
                "near miss: Aurora writer with no reader",
                clusters(vec![cluster("lonely", false)]),
                cluster_arn("lonely"),
                Status::Fail,
                "no reader",
            ),
            // Alternative: an Aurora instance reports MultiAZ false; its cluster, with readers in other zones, is judged.
            (
                "alternative: Aurora member judged by its cluster",
                rds(vec![member], Collected::ok(vec![cluster("aurora", true)])),
                cluster_arn("aurora"),
                Status::Pass,
                "more than one Availability Zone",
            ),
            (
                "alternative: Aurora Serverless v1",
                clusters(vec![DbCluster { engine_mode: Some("serverless".into()), ..cluster("v1", false) }]),
                cluster_arn("v1"),
                Status::Skipped,
                "Serverless v1",
            ),
            (
                "unreadable: instances",
                denied_section("rds:DescribeDBInstances"),
                ACCT.into(),
                Status::Unknown,
                "rds:DescribeDBInstances",
            ),
            (
                "unreadable: clusters",
                rds(vec![], Collected::Error { error: denied("rds:DescribeDBClusters") }),
                ACCT.into(),
                Status::Unknown,
                "rds:DescribeDBClusters",
            ),
            // Before this table, an answer without MultiAZ was stored as false and failed as "single Availability Zone".
            (
                "partial: no MultiAZ in the answer",
                instances(vec![DbInstance { multi_az: None, ..instance("db", "mysql") }]),
                db_arn("db"),
                Status::Unknown,
                "reported no MultiAZ setting for DB instance db",
            ),
            (
                "partial: no MultiAZ for a cluster",
                clusters(vec![DbCluster { multi_az: None, ..cluster("aurora", true) }]),
                cluster_arn("aurora"),
                Status::Unknown,
                "rds:DescribeDBClusters reported no MultiAZ",
            ),
        ];
        run_rds_rows(rds_multi_az, rows);
        // Replicas and cluster members are not judged as primaries.
        let mixed =
            rds(vec![instance("ha", "mysql"), replica("r1", "ha", Some(("replicating", true)))], Collected::ok(vec![]));
        expect(rds_multi_az, "replicas are not primaries", mixed, &[(&db_arn("ha"), Status::Pass)]);
    }

    #[test]
    fn rds_automated_backups_verdict_table() {
        let rows: Vec<RdsRow> = vec![
            ("compliant", instances(vec![instance("db", "mysql")]), db_arn("db"), Status::Pass, "keeps 7 day(s)"),
            (
                "non-compliant: retention 0",
                instances(vec![DbInstance { backup_retention_period: Some(0), ..instance("db", "mysql") }]),
                db_arn("db"),
                Status::Fail,
                "automated backups off (retention 0)",
            ),
            // Near miss: a primary with backups off whose replica keeps backups is still unrecoverable to a point in time.
            (
                "near miss: only the replica keeps backups",
                instances(vec![
                    DbInstance { backup_retention_period: Some(0), ..instance("db", "mysql") },
                    DbInstance { backup_retention_period: Some(7), ..replica("r1", "db", Some(("replicating", true))) },
                ]),
                db_arn("db"),
                Status::Fail,
                "retention 0",
            ),
            // Alternative: Aurora member instances carry no retention of their own; the cluster's applies.
            (
                "alternative: Aurora member judged by its cluster",
                rds(
                    vec![DbInstance {
                        cluster_identifier: Some("aurora".into()),
                        backup_retention_period: Some(0),
                        ..instance("m1", "aurora-postgresql")
                    }],
                    Collected::ok(vec![cluster("aurora", true)]),
                ),
                cluster_arn("aurora"),
                Status::Pass,
                "keeps 1 day(s)",
            ),
            (
                "unreadable",
                denied_section("rds:DescribeDBInstances"),
                ACCT.into(),
                Status::Unknown,
                "rds:DescribeDBInstances",
            ),
            // Before this table, an answer without BackupRetentionPeriod was stored as 0 and failed.
            (
                "partial: no retention in the answer",
                instances(vec![DbInstance { backup_retention_period: None, ..instance("db", "mysql") }]),
                db_arn("db"),
                Status::Unknown,
                "reported no backup retention period for DB instance db",
            ),
        ];
        run_rds_rows(rds_automated_backups, rows);
        let o = only(
            rds_automated_backups,
            instances(vec![DbInstance { backup_retention_period: Some(0), ..instance("off", "mysql") }]),
        );
        assert_eq!(o.evidence["backup_retention_period"], 0);
    }

    fn with_parameter(mut data: DataSections, group: &str, value: Collected<Option<String>>) -> DataSections {
        if let Collected::Ok { data: rds } = &mut data.rds {
            rds.parameters.push(DbParameterValue {
                group: group.into(),
                parameter: RDS_LOGICAL_REPLICATION.into(),
                value,
            });
        }
        data
    }

    /// What reading a parameter gave.
    type ParameterRead = Collected<Option<String>>;

    #[test]
    fn rds_blue_green_readiness_verdict_table() {
        let pg = |id: &str| instance(id, "postgres");
        // (case, the instance, the rds.logical_replication read of its group, status, message fragment)
        let cases: Vec<(&str, DbInstance, Option<ParameterRead>, Status, &str)> = vec![
            ("compliant: mysql with backups", instance("db", "mysql"), None, Status::Pass, "meets the prerequisites"),
            // Alternative: MariaDB is a supported engine too, with a one-day retention being enough for binlogs.
            (
                "alternative: mariadb, 1 day of backups",
                DbInstance { backup_retention_period: Some(1), ..instance("db", "mariadb") },
                None,
                Status::Pass,
                "meets the prerequisites",
            ),
            // Partial: before this table an answer without BackupRetentionPeriod was stored as 0 and failed.
            (
                "partial: no retention in the answer",
                DbInstance { backup_retention_period: None, ..instance("db", "mysql") },
                None,
                Status::Unknown,
                "reported no backup retention period",
            ),
            (
                "mysql without backups",
                DbInstance { backup_retention_period: Some(0), ..instance("db", "mysql") },
                None,
                Status::Fail,
                "binary logging is off",
            ),
            ("postgres logical on", pg("db"), Some(Collected::ok(Some("1".into()))), Status::Pass, "meets"),
            ("postgres logical off", pg("db"), Some(Collected::ok(Some("0".into()))), Status::Fail, "is 0"),
            ("postgres logical unset", pg("db"), Some(Collected::ok(None)), Status::Fail, "not set (default 0)"),
            // Near miss: logical replication set to 1, but not in effect until the instance reboots.
            (
                "postgres logical pending reboot",
                DbInstance {
                    parameter_groups: vec![DbParameterGroupRef {
                        name: "db-params".into(),
                        apply_status: "pending-reboot".into(),
                    }],
                    ..pg("db")
                },
                Some(Collected::ok(Some("1".into()))),
                Status::Fail,
                "only after a reboot",
            ),
            (
                "postgres parameter denied",
                pg("db"),
                Some(Collected::Error { error: denied("rds:DescribeDBParameters") }),
                Status::Unknown,
                "rds:DescribeDBParameters",
            ),
            (
                "postgres parameter denied, backups off",
                DbInstance { backup_retention_period: Some(0), ..pg("db") },
                Some(Collected::Error { error: denied("rds:DescribeDBParameters") }),
                Status::Fail,
                "automated backups are off",
            ),
        ];
        for (name, db, parameter, status, message) in cases {
            let mut data = rds(vec![db], Collected::ok(vec![]));
            if let Some(value) = parameter {
                data = with_parameter(data, "db-params", value);
            }
            let o = only(rds_blue_green_readiness, data);
            assert_eq!(o.status, status, "case {name}: {}", o.message);
            assert!(o.message.contains(message), "case {name}: {}", o.message);
        }
        // Other engines, cluster members and replicas are not judged; existing deployments are listed.
        let mut data = rds(
            vec![
                instance("db", "mysql"),
                instance("ora", "oracle-ee"),
                DbInstance { cluster_identifier: Some("c".into()), ..instance("member", "mysql") },
                replica("green", "db", Some(("replicating", true))),
            ],
            Collected::ok(vec![]),
        );
        if let Collected::Ok { data: rds } = &mut data.rds {
            rds.blue_green_deployments = Collected::ok(vec![BlueGreenDeployment {
                identifier: "bgd-1".into(),
                name: Some("upgrade-8-4".into()),
                source: Some(db_arn("db")),
                target: Some(db_arn("green")),
                status: "AVAILABLE".into(),
                status_details: None,
            }]);
        }
        let o = only(rds_blue_green_readiness, data);
        assert_eq!(o.evidence["blue_green_deployments"], json!(["upgrade-8-4 (AVAILABLE)"]));
        assert!(o.message.contains("upgrade-8-4 (AVAILABLE)"), "{}", o.message);
        assert_eq!(only(rds_blue_green_readiness, denied_section("rds:DescribeDBInstances")).status, Status::Unknown);
    }

    #[test]
    fn rds_read_replica_health_verdict_table() {
        let with_source = |r: DbInstance| instances(vec![instance("primary", "mysql"), r]);
        let unreported = DbInstance {
            status_infos: vec![DbStatusInfo {
                status_type: "read replication".into(),
                status: "replicating".into(),
                normal: None,
                message: None,
            }],
            ..replica("quiet", "primary", None)
        };
        let no_status = DbInstance {
            status_infos: vec![DbStatusInfo {
                status_type: "read replication".into(),
                status: String::new(),
                normal: Some(true),
                message: None,
            }],
            ..replica("blank", "primary", None)
        };
        let rows: Vec<RdsRow> = vec![
            (
                "compliant",
                with_source(replica("ok", "primary", Some(("replicating", true)))),
                db_arn("ok"),
                Status::Pass,
                "is replicating",
            ),
            (
                "non-compliant: error",
                with_source(replica("broken", "primary", Some(("error", false)))),
                db_arn("broken"),
                Status::Fail,
                "error 1062",
            ),
            // Near miss: RDS calls it normal, yet replication is degraded.
            (
                "near miss: degraded but normal",
                with_source(replica("slow", "primary", Some(("replication degraded", true)))),
                db_arn("slow"),
                Status::Fail,
                "replication degraded",
            ),
            // Alternative: a replica ahead of its source's engine version is a rolling upgrade, not a fault.
            (
                "alternative: replica upgraded first",
                with_source(DbInstance {
                    engine_version: "8.4.3".into(),
                    ..replica("ahead", "primary", Some(("replicating", true)))
                }),
                db_arn("ahead"),
                Status::Pass,
                "rolling upgrade",
            ),
            (
                "unreadable",
                denied_section("rds:DescribeDBInstances"),
                ACCT.into(),
                Status::Unknown,
                "rds:DescribeDBInstances",
            ),
            (
                "partial: no replication status",
                with_source(replica("silent", "primary", None)),
                db_arn("silent"),
                Status::Unknown,
                "no replication status",
            ),
            // A status without Normal is judged by the status alone (was: taken as normal whatever it said).
            ("partial: Normal not reported", with_source(unreported), db_arn("quiet"), Status::Pass, "is replicating"),
            // Before this table, a blank status with Normal true passed as "is ".
            (
                "partial: blank status",
                with_source(no_status),
                db_arn("blank"),
                Status::Unknown,
                "replication status none",
            ),
        ];
        run_rds_rows(rds_read_replica_health, rows);
        let o = only(
            rds_read_replica_health,
            with_source(DbInstance {
                engine_version: "8.4.3".into(),
                ..replica("ahead", "primary", Some(("replicating", true)))
            }),
        );
        assert_eq!(o.evidence["source_engine_version"], "8.0.35");
    }

    // -- DynamoDB --

    fn table_arn(name: &str) -> String {
        format!("arn:aws:dynamodb:{REGION}:{ACCT}:table/{name}")
    }

    fn table(name: &str, pitr: &str, ttl: &str, stream: Option<&str>) -> DynamoDbTable {
        DynamoDbTable {
            name: name.into(),
            description: Collected::ok(TableDescription {
                arn: table_arn(name),
                status: "ACTIVE".into(),
                stream_enabled: stream.is_some(),
                stream_view_type: stream.map(str::to_string),
                ..Default::default()
            }),
            point_in_time_recovery: Collected::ok(PointInTimeRecovery {
                status: pitr.into(),
                recovery_period_in_days: (pitr == "ENABLED").then_some(35),
                ..Default::default()
            }),
            time_to_live: Collected::ok(TimeToLive {
                status: ttl.into(),
                attribute_name: (ttl == "ENABLED").then(|| "expiresAt".into()),
            }),
        }
    }

    fn dynamodb(tables: Vec<DynamoDbTable>) -> DataSections {
        DataSections { dynamodb: Collected::ok(DynamoDbData { tables }), ..Default::default() }
    }

    #[test]
    fn dynamodb_pitr_cases() {
        let mut denied_table = table("locked", "ENABLED", "ENABLED", None);
        denied_table.point_in_time_recovery = Collected::Error { error: denied("dynamodb:DescribeContinuousBackups") };
        expect(
            dynamodb_pitr,
            "tables",
            dynamodb(vec![
                table("orders", "ENABLED", "DISABLED", None),
                table("scratch", "DISABLED", "DISABLED", None),
                denied_table,
            ]),
            &[
                (&table_arn("locked"), Status::Unknown),
                (&table_arn("orders"), Status::Pass),
                (&table_arn("scratch"), Status::Fail),
            ],
        );
        let o = only(dynamodb_pitr, dynamodb(vec![table("orders", "ENABLED", "DISABLED", None)]));
        assert_eq!(o.evidence["recovery_period_in_days"], 35);
        // A table that could not be described is named by its name.
        let mut undescribed = table("nameless", "DISABLED", "DISABLED", None);
        undescribed.description = Collected::Error { error: denied("dynamodb:DescribeTable") };
        expect(dynamodb_pitr, "undescribed", dynamodb(vec![undescribed]), &[("nameless", Status::Fail)]);
        assert_eq!(only(dynamodb_pitr, denied_section("dynamodb:ListTables")).status, Status::Unknown);
    }

    #[test]
    fn dynamodb_ttl_cases() {
        let mut denied_table = table("locked", "ENABLED", "ENABLED", None);
        denied_table.time_to_live = Collected::Error { error: denied("dynamodb:DescribeTimeToLive") };
        expect(
            dynamodb_ttl,
            "tables",
            dynamodb(vec![
                table("sessions", "ENABLED", "ENABLED", None),
                table("users", "ENABLED", "DISABLED", None),
                denied_table,
            ]),
            &[
                (&table_arn("locked"), Status::Unknown),
                (&table_arn("sessions"), Status::Pass),
                (&table_arn("users"), Status::Fail),
            ],
        );
        let o = only(dynamodb_ttl, dynamodb(vec![table("sessions", "ENABLED", "ENABLED", None)]));
        assert_eq!(o.evidence["ttl_attribute"], "expiresAt");
        assert_eq!(only(dynamodb_ttl, denied_section("dynamodb:ListTables")).status, Status::Unknown);
    }

    #[test]
    fn dynamodb_ttl_stream_archive_cases() {
        let mut undescribed = table("undescribed", "ENABLED", "ENABLED", None);
        undescribed.description = Collected::Error { error: denied("dynamodb:DescribeTable") };
        expect(
            dynamodb_ttl_stream_archive,
            "tables",
            dynamodb(vec![
                table("archived", "ENABLED", "ENABLED", Some("NEW_AND_OLD_IMAGES")),
                table("old-only", "ENABLED", "ENABLED", Some("OLD_IMAGE")),
                table("keys", "ENABLED", "ENABLED", Some("KEYS_ONLY")),
                table("no-stream", "ENABLED", "ENABLED", None),
                table("no-ttl", "ENABLED", "DISABLED", None),
                undescribed,
            ]),
            &[
                (&table_arn("archived"), Status::Pass),
                (&table_arn("keys"), Status::Fail),
                (&table_arn("no-stream"), Status::Fail),
                (&table_arn("no-ttl"), Status::Skipped),
                (&table_arn("old-only"), Status::Pass),
                ("undescribed", Status::Unknown),
            ],
        );
        assert_eq!(only(dynamodb_ttl_stream_archive, denied_section("dynamodb:ListTables")).status, Status::Unknown);
    }

    /// An answer that came back without the block the check reads (as the collector records it).
    fn incomplete(permission: &str, missing: &str) -> CollectionError {
        CollectionError {
            kind: ErrorKind::Other,
            code: "IncompleteResponse".into(),
            message: format!("{} answered without {missing}", permission.split(':').nth(1).unwrap_or(permission)),
            permission: Some(permission.into()),
        }
    }

    /// One table, its status, and a fragment of its message.
    type TableRow = (&'static str, DynamoDbTable, Status, &'static str);

    fn run_table_rows(check: Evaluator, rows: Vec<TableRow>) {
        for (case, t, want, text) in rows {
            let o = only(check, dynamodb(vec![t]));
            assert_eq!(o.status, want, "{case}: {}", o.message);
            assert!(o.message.contains(text), "{case}: {}", o.message);
        }
        let o = only(check, denied_section("dynamodb:ListTables"));
        assert_eq!(o.status, Status::Unknown, "{}", o.message);
        assert!(o.message.contains("dynamodb:ListTables"), "{}", o.message);
    }

    #[test]
    fn dynamodb_pitr_verdict_table() {
        let with_pitr = |p: Collected<PointInTimeRecovery>| DynamoDbTable {
            point_in_time_recovery: p,
            ..table("orders", "ENABLED", "DISABLED", None)
        };
        let blank = PointInTimeRecovery { status: String::new(), ..Default::default() };
        let rows: Vec<TableRow> = vec![
            (
                "compliant",
                table("orders", "ENABLED", "DISABLED", None),
                Status::Pass,
                "restored to any second over the last 35 day(s)",
            ),
            (
                "non-compliant",
                table("orders", "DISABLED", "DISABLED", None),
                Status::Fail,
                "point-in-time recovery disabled",
            ),
            // Near miss: a table with on-demand backups (ContinuousBackupsStatus ENABLED) but PITR off is the row above;
            // the collector keeps only the PITR status, so both read DISABLED and fail.
            // Alternative: a PITR status without its recovery window (older answers) is still on.
            (
                "alternative: on, window not stated",
                with_pitr(Collected::ok(PointInTimeRecovery { status: "ENABLED".into(), ..Default::default() })),
                Status::Pass,
                "can be restored to any second",
            ),
            (
                "unreadable",
                with_pitr(Collected::Error { error: denied("dynamodb:DescribeContinuousBackups") }),
                Status::Unknown,
                "dynamodb:DescribeContinuousBackups",
            ),
            (
                "partial: the answer has no PITR block",
                with_pitr(Collected::Error {
                    error: incomplete("dynamodb:DescribeContinuousBackups", "a PointInTimeRecoveryDescription"),
                }),
                Status::Unknown,
                "answered without a PointInTimeRecoveryDescription",
            ),
            (
                "partial: an empty status (older snapshot)",
                with_pitr(Collected::ok(blank)),
                Status::Unknown,
                "neither ENABLED nor DISABLED",
            ),
        ];
        run_table_rows(dynamodb_pitr, rows);
    }

    #[test]
    fn dynamodb_ttl_verdict_table() {
        let with_ttl = |ttl: Collected<TimeToLive>| DynamoDbTable {
            time_to_live: ttl,
            ..table("sessions", "ENABLED", "ENABLED", None)
        };
        let status = |s: &str| Collected::ok(TimeToLive { status: s.into(), attribute_name: Some("expiresAt".into()) });
        let rows: Vec<TableRow> = vec![
            ("compliant", table("sessions", "ENABLED", "ENABLED", None), Status::Pass, "attribute expiresAt"),
            ("non-compliant", table("sessions", "ENABLED", "DISABLED", None), Status::Fail, "TTL disabled"),
            ("near miss: being turned off", with_ttl(status("DISABLING")), Status::Fail, "TTL disabling"),
            ("alternative: being turned on", with_ttl(status("ENABLING")), Status::Pass, "attribute expiresAt"),
            (
                "unreadable",
                with_ttl(Collected::Error { error: denied("dynamodb:DescribeTimeToLive") }),
                Status::Unknown,
                "dynamodb:DescribeTimeToLive",
            ),
            (
                "partial: the answer has no TTL block",
                with_ttl(Collected::Error {
                    error: incomplete("dynamodb:DescribeTimeToLive", "a TimeToLiveDescription"),
                }),
                Status::Unknown,
                "answered without a TimeToLiveDescription",
            ),
            (
                "partial: an empty status (older snapshot)",
                with_ttl(status("")),
                Status::Unknown,
                "neither enabled nor disabled",
            ),
        ];
        run_table_rows(dynamodb_ttl, rows);
    }

    #[test]
    fn dynamodb_ttl_stream_archive_verdict_table() {
        let undescribed = |e: CollectionError| DynamoDbTable {
            description: Collected::Error { error: e },
            ..table("t", "ENABLED", "ENABLED", None)
        };
        let blank_ttl = DynamoDbTable {
            time_to_live: Collected::ok(TimeToLive { status: String::new(), attribute_name: None }),
            ..table("t", "ENABLED", "ENABLED", Some("NEW_AND_OLD_IMAGES"))
        };
        let rows: Vec<TableRow> = vec![
            (
                "compliant",
                table("t", "ENABLED", "ENABLED", Some("NEW_AND_OLD_IMAGES")),
                Status::Pass,
                "streams NEW_AND_OLD_IMAGES",
            ),
            ("non-compliant: no stream", table("t", "ENABLED", "ENABLED", None), Status::Fail, "has no stream"),
            (
                "near miss: a stream without the old image",
                table("t", "ENABLED", "ENABLED", Some("NEW_IMAGE")),
                Status::Fail,
                "carries no old image",
            ),
            (
                "alternative: OLD_IMAGE alone carries the content",
                table("t", "ENABLED", "ENABLED", Some("OLD_IMAGE")),
                Status::Pass,
                "streams OLD_IMAGE",
            ),
            ("not applicable: no TTL", table("t", "ENABLED", "DISABLED", None), Status::Skipped, "no item expires"),
            ("unreadable", undescribed(denied("dynamodb:DescribeTable")), Status::Unknown, "dynamodb:DescribeTable"),
            (
                "partial: no table description",
                undescribed(incomplete("dynamodb:DescribeTable", "a table description")),
                Status::Unknown,
                "answered without a table description",
            ),
            ("partial: an empty TTL status", blank_ttl, Status::Unknown, "neither enabled nor disabled"),
        ];
        run_table_rows(dynamodb_ttl_stream_archive, rows);
    }

    // -- ElastiCache --

    fn group(id: &str, cluster: bool, failover: &str, multi_az: &str, nodes: usize) -> ReplicationGroup {
        ReplicationGroup {
            id: id.into(),
            arn: format!("arn:aws:elasticache:{REGION}:{ACCT}:replicationgroup:{id}"),
            engine: Some("redis".into()),
            status: "available".into(),
            cluster_enabled: Some(cluster),
            cluster_mode: Some(if cluster { "enabled" } else { "disabled" }.into()),
            automatic_failover: failover.into(),
            multi_az: multi_az.into(),
            configuration_endpoint: cluster.then(|| format!("clustercfg.{id}.cache.amazonaws.com:6379")),
            node_groups: vec![NodeGroup {
                id: "0001".into(),
                nodes,
                availability_zones: ["us-east-1a", "us-east-1b"].iter().take(nodes).map(|z| z.to_string()).collect(),
                primary_endpoint: (!cluster).then(|| format!("master.{id}.cache.amazonaws.com:6379")),
                reader_endpoint: (!cluster).then(|| format!("replica.{id}.cache.amazonaws.com:6379")),
            }],
        }
    }

    fn node(id: &str, engine: &str) -> CacheCluster {
        CacheCluster {
            id: id.into(),
            arn: format!("arn:aws:elasticache:{REGION}:{ACCT}:cluster:{id}"),
            engine: engine.into(),
            status: "available".into(),
            nodes: 1,
            availability_zone: Some("us-east-1a".into()),
        }
    }

    fn elasticache(groups: Vec<ReplicationGroup>, standalone: Collected<Vec<CacheCluster>>) -> DataSections {
        DataSections {
            elasticache: Collected::ok(ElastiCacheData { replication_groups: groups, standalone_clusters: standalone }),
            ..Default::default()
        }
    }

    fn rg_arn(id: &str) -> String {
        format!("arn:aws:elasticache:{REGION}:{ACCT}:replicationgroup:{id}")
    }

    #[test]
    fn elasticache_cluster_mode_verdict_table() {
        let none = || Collected::ok(vec![]);
        let sharded = |shards: usize| {
            let mut g = group("sharded", true, "enabled", "enabled", 2);
            g.node_groups =
                (0..shards).map(|i| NodeGroup { id: format!("000{i}"), ..g.node_groups[0].clone() }).collect();
            g
        };
        let compatible =
            ReplicationGroup { cluster_mode: Some("compatible".into()), ..group("mid", true, "enabled", "enabled", 2) };
        let unreported = ReplicationGroup {
            cluster_enabled: None,
            cluster_mode: None,
            ..group("g", false, "enabled", "enabled", 2)
        };
        let rows: Vec<RdsRow> = vec![
            (
                "compliant",
                elasticache(vec![sharded(3)], none()),
                rg_arn("sharded"),
                Status::Pass,
                "cluster mode enabled on 3 shard(s)",
            ),
            (
                "non-compliant",
                elasticache(vec![group("single", false, "enabled", "enabled", 2)], none()),
                rg_arn("single"),
                Status::Fail,
                "writes go to master.single.cache.amazonaws.com:6379",
            ),
            // Near miss: compatible mode looks like cluster mode, but the migration is not finished.
            (
                "near miss: compatible mode",
                elasticache(vec![compatible], none()),
                rg_arn("mid"),
                Status::Fail,
                "cluster mode compatible",
            ),
            // Alternative: cluster mode with a single shard is cluster mode; it can add shards online.
            (
                "alternative: one shard",
                elasticache(vec![sharded(1)], none()),
                rg_arn("sharded"),
                Status::Pass,
                "shards can be added online",
            ),
            (
                "unreadable",
                denied_section("elasticache:DescribeReplicationGroups"),
                ACCT.into(),
                Status::Unknown,
                "elasticache:DescribeReplicationGroups",
            ),
            // Before this table, an answer without ClusterEnabled was stored as false and failed.
            (
                "partial: ClusterEnabled not reported",
                elasticache(vec![unreported], none()),
                rg_arn("g"),
                Status::Unknown,
                "reported no ClusterEnabled",
            ),
        ];
        run_rds_rows(elasticache_cluster_mode, rows);
        let o = only(elasticache_cluster_mode, elasticache(vec![sharded(2)], none()));
        assert_eq!(o.evidence["configuration_endpoint"], "clustercfg.sharded.cache.amazonaws.com:6379");
    }

    #[test]
    fn elasticache_multi_az_failover_verdict_table() {
        let one_zone = {
            let mut g = group("samezone", false, "enabled", "enabled", 2);
            g.node_groups[0].availability_zones = vec!["us-east-1a".into(), "us-east-1a".into()];
            g
        };
        let none = || Collected::ok(vec![]);
        let rows: Vec<RdsRow> = vec![
            (
                "compliant",
                elasticache(vec![group("ha", false, "enabled", "enabled", 2)], none()),
                rg_arn("ha"),
                Status::Pass,
                "promotes a replica",
            ),
            (
                "non-compliant: failover off",
                elasticache(vec![group("g", false, "disabled", "disabled", 2)], none()),
                rg_arn("g"),
                Status::Fail,
                "automatic failover is disabled, Multi-AZ is disabled",
            ),
            (
                "non-compliant: no replica",
                elasticache(vec![group("g", false, "enabled", "enabled", 1)], none()),
                rg_arn("g"),
                Status::Fail,
                "a shard has no replica",
            ),
            // Near miss: failover and Multi-AZ on, but the replica sits in the primary's zone.
            (
                "near miss: one zone",
                elasticache(vec![one_zone], none()),
                rg_arn("samezone"),
                Status::Fail,
                "shard 0001 has all 2 nodes in us-east-1a",
            ),
            (
                "near miss: a lone Redis node outside any group",
                elasticache(vec![], Collected::ok(vec![node("lone-redis", "redis")])),
                "arn:aws:elasticache:us-east-1:111111111111:cluster:lone-redis".into(),
                Status::Fail,
                "single node outside any replication group",
            ),
            // Alternative: cluster mode enabled spreads shards; each shard with a replica in another zone still passes.
            (
                "alternative: cluster mode enabled",
                elasticache(vec![group("c", true, "enabled", "enabled", 2)], none()),
                rg_arn("c"),
                Status::Pass,
                "promotes a replica",
            ),
            (
                "unreadable",
                denied_section("elasticache:DescribeReplicationGroups"),
                ACCT.into(),
                Status::Unknown,
                "elasticache:DescribeReplicationGroups",
            ),
            (
                "partial: standalone clusters unread",
                elasticache(vec![], Collected::Error { error: denied("elasticache:DescribeCacheClusters") }),
                ACCT.into(),
                Status::Unknown,
                "elasticache:DescribeCacheClusters",
            ),
            // Before this table, a setting absent from the answer was stored as "disabled" and failed.
            (
                "partial: Multi-AZ not reported",
                elasticache(vec![group("g", false, "enabled", NOT_REPORTED, 2)], none()),
                rg_arn("g"),
                Status::Unknown,
                "did not report Multi-AZ",
            ),
        ];
        run_rds_rows(elasticache_multi_az_failover, rows);
        // Memcached has no replicas to judge.
        expect(
            elasticache_multi_az_failover,
            "memcached",
            elasticache(vec![], Collected::ok(vec![node("memcache", "memcached")])),
            &[],
        );
        let o =
            only(elasticache_multi_az_failover, elasticache(vec![group("ha", false, "enabled", "enabled", 2)], none()));
        assert_eq!(o.evidence["availability_zones"], json!(["us-east-1a", "us-east-1b"]));
        assert_eq!(o.evidence["replicas_per_shard"], 1);
    }

    // -- EFS --

    const TLS_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Deny","Principal":{"AWS":"*"},"Action":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
        {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/app"},"Action":"elasticfilesystem:ClientMount"}]}"#;

    fn fs_arn(id: &str) -> String {
        format!("arn:aws:elasticfilesystem:{REGION}:{ACCT}:file-system/{id}")
    }

    fn fs(id: &str) -> FileSystem {
        FileSystem {
            id: id.into(),
            arn: fs_arn(id),
            name: Some(format!("{id}-name")),
            state: "available".into(),
            encrypted: true,
            mount_targets: 2,
            access_points: Collected::ok(vec![AccessPoint {
                id: "fsap-1".into(),
                name: Some("app".into()),
                root_directory: Some("/app".into()),
                posix_user: Some("1000:1000".into()),
            }]),
            policy: Collected::ok(Some(TLS_POLICY.into())),
            backup_policy: Collected::ok(Some("ENABLED".into())),
            ..Default::default()
        }
    }

    fn efs(file_systems: Vec<FileSystem>) -> DataSections {
        DataSections { efs: Collected::ok(EfsData { file_systems }), ..Default::default() }
    }

    /// One file system, its status and a fragment of its message.
    type FsRow = (&'static str, FileSystem, Status, &'static str);

    fn run_fs_rows(check: Evaluator, rows: Vec<FsRow>, denied_list: &str) {
        for (case, f, want, text) in rows {
            let o = only(check, efs(vec![f]));
            assert_eq!(o.status, want, "{case}: {}", o.message);
            assert!(o.message.contains(text), "{case}: {}", o.message);
        }
        let o = only(check, denied_section(denied_list));
        assert_eq!(o.status, Status::Unknown, "{}", o.message);
        assert!(o.message.contains(denied_list), "{}", o.message);
    }

    fn empty_answer() -> CollectionError {
        CollectionError {
            kind: ErrorKind::Other,
            code: "IncompleteResponse".into(),
            message: "DescribeFileSystemPolicy answered without the policy".into(),
            permission: Some("elasticfilesystem:DescribeFileSystemPolicy".into()),
        }
    }

    #[test]
    fn efs_access_points_verdict_table() {
        let with_points = |points: Vec<AccessPoint>| FileSystem { access_points: Collected::ok(points), ..fs("fs-1") };
        let bare = AccessPoint {
            id: "fsap-2".into(),
            name: Some("open".into()),
            root_directory: Some("/".into()),
            posix_user: None,
        };
        let rows: Vec<FsRow> = vec![
            ("compliant", fs("fs-1"), Status::Pass, "enforce a POSIX user or a root directory (app)"),
            ("non-compliant: none", with_points(vec![]), Status::Fail, "has no access point"),
            // Near miss: an access point rooted at / without a POSIX user is the root mount under another name.
            (
                "near miss: access point enforcing nothing",
                with_points(vec![bare.clone()]),
                Status::Fail,
                "none sets a POSIX user",
            ),
            // Alternative: a root directory alone (the client's own identity kept) still confines the client.
            (
                "alternative: root directory only",
                with_points(vec![AccessPoint { root_directory: Some("/team".into()), ..bare.clone() }]),
                Status::Pass,
                "(open)",
            ),
            (
                "unreadable",
                FileSystem {
                    access_points: Collected::Error { error: denied("elasticfilesystem:DescribeAccessPoints") },
                    ..fs("fs-1")
                },
                Status::Unknown,
                "elasticfilesystem:DescribeAccessPoints",
            ),
            // Partial: the access points are listed with one paginated call, read whole or recorded as an error.
            (
                "partial: not collected",
                FileSystem { access_points: Collected::NotCollected, ..fs("fs-1") },
                Status::Unknown,
                "could not be evaluated",
            ),
        ];
        run_fs_rows(efs_access_points, rows, "elasticfilesystem:DescribeFileSystems");
        let o = only(efs_access_points, efs(vec![fs("fs-good")]));
        assert_eq!(o.evidence["access_points"], json!(["app root=/app user=1000:1000"]));
    }

    #[test]
    fn efs_file_system_policy_verdict_table() {
        let policy = |p: &str| FileSystem { policy: Collected::ok(Some(p.to_string())), ..fs("fs-1") };
        let single_statement = r#"{"Statement":{"Effect":"Deny","Principal":"*","Action":"*","Condition":{"Bool":{"aws:securetransport":false}}}}"#;
        let allow_only =
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"elasticfilesystem:ClientMount"}]}"#;
        let deny_one_role = r#"{"Statement":[{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::1:role/x"},"Action":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#;
        let deny_writes_only = r#"{"Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"elasticfilesystem:ClientWrite","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#;
        let deny_narrowed = r#"{"Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"*","Condition":{"Bool":{"aws:SecureTransport":"false"},"StringEquals":{"aws:PrincipalTag/team":"contractors"}}}]}"#;
        let deny_client_wildcard = r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"elasticfilesystem:Client*","Condition":{"Bool":{"aws:SecureTransport":["false"]}}}]}"#;
        let rows: Vec<FsRow> = vec![
            ("compliant", fs("fs-1"), Status::Pass, "refuses connections without TLS"),
            ("compliant: one statement object, boolean value", policy(single_statement), Status::Pass, "refuses"),
            (
                "non-compliant: no policy",
                FileSystem { policy: Collected::ok(None), ..fs("fs-1") },
                Status::Fail,
                "no file system policy",
            ),
            ("non-compliant: allow only", policy(allow_only), Status::Fail, "no statement denies"),
            // Near misses: the Deny binds one role, only writes (mounting and reading stay open), or only tagged callers.
            ("near miss: deny for one role", policy(deny_one_role), Status::Fail, "no statement denies"),
            ("near miss: deny of writes only", policy(deny_writes_only), Status::Fail, "no statement denies"),
            (
                "near miss: deny narrowed by another condition",
                policy(deny_narrowed),
                Status::Fail,
                "no other condition",
            ),
            // Alternative: a wildcard over the client actions, with the value in a list, is the same Deny.
            ("alternative: Client* and a list value", policy(deny_client_wildcard), Status::Pass, "refuses"),
            ("not JSON", policy("{not json"), Status::Unknown, "could not be read as JSON"),
            (
                "unreadable",
                FileSystem {
                    policy: Collected::Error { error: denied("elasticfilesystem:DescribeFileSystemPolicy") },
                    ..fs("fs-1")
                },
                Status::Unknown,
                "elasticfilesystem:DescribeFileSystemPolicy",
            ),
            // Before this table, a successful answer without the policy was stored as "no policy" and failed.
            (
                "partial: an answer without the policy",
                FileSystem { policy: Collected::Error { error: empty_answer() }, ..fs("fs-1") },
                Status::Unknown,
                "without the policy",
            ),
        ];
        run_fs_rows(efs_file_system_policy, rows, "elasticfilesystem:DescribeFileSystems");
        let o = only(efs_file_system_policy, efs(vec![fs("fs-1")]));
        assert_eq!(o.evidence["denies_unencrypted_transport"], true);
        assert_eq!(o.evidence["policy_statements"], 2);
    }

    #[test]
    fn efs_backup_verdict_table() {
        let backup = |s: Option<&str>| FileSystem { backup_policy: Collected::ok(s.map(str::to_string)), ..fs("fs-1") };
        let rows: Vec<FsRow> = vec![
            ("compliant", backup(Some("ENABLED")), Status::Pass, "backups enabled"),
            ("non-compliant: disabled", backup(Some("DISABLED")), Status::Fail, "automatic backups disabled"),
            ("non-compliant: never set", backup(None), Status::Fail, "off (never turned on)"),
            // Near miss: the policy was on and is being turned off.
            ("near miss: disabling", backup(Some("DISABLING")), Status::Fail, "automatic backups disabling"),
            // Alternative: being turned on counts; a backup plan of one's own in AWS Backup is not read (the fail
            // message says so), so it cannot be a row here.
            ("alternative: enabling", backup(Some("ENABLING")), Status::Pass, "backups enabling"),
            (
                "unreadable",
                FileSystem {
                    backup_policy: Collected::Error { error: denied("elasticfilesystem:DescribeBackupPolicy") },
                    ..fs("fs-1")
                },
                Status::Unknown,
                "elasticfilesystem:DescribeBackupPolicy",
            ),
            // Before this table, a successful answer without the backup policy was stored as never set and failed.
            (
                "partial: an answer without the policy",
                FileSystem { backup_policy: Collected::Error { error: empty_answer() }, ..fs("fs-1") },
                Status::Unknown,
                "without the policy",
            ),
        ];
        run_fs_rows(efs_backup, rows, "elasticfilesystem:DescribeFileSystems");
        let one_zone = FileSystem {
            availability_zone: Some("us-east-1a".into()),
            backup_policy: Collected::ok(None),
            ..fs("fs-oz")
        };
        let o = only(efs_backup, efs(vec![one_zone]));
        assert_eq!(o.evidence["storage"], "One Zone");
        assert!(o.message.contains("only copy lives in us-east-1a"), "{}", o.message);
        assert_eq!(only(efs_backup, denied_section("elasticfilesystem:DescribeFileSystems")).status, Status::Unknown);
    }
}
