//! The data services' collector: RDS, DynamoDB, ElastiCache and EFS in one (account, region).
//!
//! The four services are read side by side. Under each list call, the per-resource reads (a table's backup
//! and expiry settings, a file system's access points and policies, a parameter group's one parameter) run as
//! tasks, at most [`PER_RESOURCE`] at a time per service, and each lands in its own `Collected`.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types as ddb;
use aws_sdk_elasticache::types as ec;
use aws_sdk_rds::types as rds;

use super::{bounded, only_if, text, to_chrono, Reads, PER_RESOURCE};
use crate::aws::{classify, AccountAws};
use crate::snapshot::{
    AccessPoint, BlueGreenDeployment, CacheCluster, Collected, CollectionError, DataSections, DbCluster,
    DbClusterMember, DbInstance, DbParameterGroupRef, DbParameterValue, DbStatusInfo, DynamoDbData, DynamoDbTable,
    EfsData, ElastiCacheData, ErrorKind, FileSystem, NodeGroup, PointInTimeRecovery, RdsData, ReplicationGroup,
    TableDescription, TimeToLive, RDS_LOGICAL_REPLICATION,
};

/// The error code EFS answers when a file system has no policy of the kind asked for.
const EFS_POLICY_NOT_FOUND: &str = "PolicyNotFound";

/// Everything the data checks read in one (account, region), of the services `reads` selects.
pub async fn collect(aws: &AccountAws, region: &str, reads: &Reads) -> DataSections {
    let (rds, dynamodb, elasticache, efs) = tokio::join!(
        only_if(reads.service("rds"), collect_rds(aws, region)),
        only_if(reads.service("dynamodb"), collect_dynamodb(aws, region)),
        only_if(reads.service("elasticache"), collect_elasticache(aws, region)),
        only_if(reads.service("elasticfilesystem"), collect_efs(aws, region))
    );
    DataSections { rds, dynamodb, elasticache, efs }
}

// ---- RDS ----------------------------------------------------------------------------------------------

async fn collect_rds(aws: &AccountAws, region: &str) -> Collected<RdsData> {
    let client = aws.rds(region);
    let (instances, clusters, blue_green) = tokio::join!(
        client.describe_db_instances().into_paginator().items().send().try_collect(),
        client.describe_db_clusters().into_paginator().items().send().try_collect(),
        client.describe_blue_green_deployments().into_paginator().items().send().try_collect(),
    );
    let instances: Vec<DbInstance> = match instances {
        Ok(list) => list.iter().map(convert_instance).collect(),
        Err(e) => return Collected::Error { error: classify(&e, "rds:DescribeDBInstances") },
    };
    let clusters = match clusters {
        Ok(list) => Collected::ok(list.iter().map(convert_cluster).collect()),
        Err(e) => Collected::Error { error: classify(&e, "rds:DescribeDBClusters") },
    };
    let blue_green_deployments = match blue_green {
        Ok(list) => Collected::ok(list.iter().map(convert_blue_green).collect()),
        Err(e) => Collected::Error { error: classify(&e, "rds:DescribeBlueGreenDeployments") },
    };
    // Blue/green needs logical replication on PostgreSQL: read that one parameter of each group in use.
    let groups: BTreeSet<String> = instances
        .iter()
        .filter(|i| i.engine == "postgres" && i.is_standalone_primary())
        .flat_map(|i| i.parameter_groups.iter().map(|g| g.name.clone()))
        .collect();
    let parameters = bounded(groups, PER_RESOURCE, |group| {
        let client = client.clone();
        async move {
            let value = parameter_value(&client, &group, RDS_LOGICAL_REPLICATION).await;
            DbParameterValue { group, parameter: RDS_LOGICAL_REPLICATION.to_string(), value }
        }
    })
    .await;
    Collected::ok(RdsData { instances, clusters, blue_green_deployments, parameters })
}

fn convert_instance(i: &rds::DbInstance) -> DbInstance {
    DbInstance {
        identifier: i.db_instance_identifier().unwrap_or_default().to_string(),
        arn: i.db_instance_arn().unwrap_or_default().to_string(),
        engine: i.engine().unwrap_or_default().to_string(),
        engine_version: i.engine_version().unwrap_or_default().to_string(),
        status: i.db_instance_status().unwrap_or_default().to_string(),
        multi_az: i.multi_az(),
        backup_retention_period: i.backup_retention_period(),
        availability_zone: text(i.availability_zone()),
        secondary_availability_zone: text(i.secondary_availability_zone()),
        cluster_identifier: text(i.db_cluster_identifier()),
        read_replica_source: text(i.read_replica_source_db_instance_identifier()),
        read_replicas: i.read_replica_db_instance_identifiers().to_vec(),
        status_infos: i
            .status_infos()
            .iter()
            .map(|s| DbStatusInfo {
                status_type: s.status_type().unwrap_or_default().to_string(),
                status: s.status().unwrap_or_default().to_string(),
                normal: s.normal(),
                message: text(s.message()),
            })
            .collect(),
        parameter_groups: i
            .db_parameter_groups()
            .iter()
            .filter_map(|g| {
                Some(DbParameterGroupRef {
                    name: text(g.db_parameter_group_name())?,
                    apply_status: g.parameter_apply_status().unwrap_or_default().to_string(),
                })
            })
            .collect(),
        deletion_protection: i.deletion_protection().unwrap_or(false),
    }
}

fn convert_cluster(c: &rds::DbCluster) -> DbCluster {
    DbCluster {
        identifier: c.db_cluster_identifier().unwrap_or_default().to_string(),
        arn: c.db_cluster_arn().unwrap_or_default().to_string(),
        engine: c.engine().unwrap_or_default().to_string(),
        engine_version: c.engine_version().unwrap_or_default().to_string(),
        engine_mode: text(c.engine_mode()),
        status: c.status().unwrap_or_default().to_string(),
        multi_az: c.multi_az(),
        backup_retention_period: c.backup_retention_period(),
        cluster_instance_class: text(c.db_cluster_instance_class()),
        members: c
            .db_cluster_members()
            .iter()
            .map(|m| DbClusterMember {
                instance_identifier: m.db_instance_identifier().unwrap_or_default().to_string(),
                is_writer: m.is_cluster_writer().unwrap_or(false),
            })
            .collect(),
    }
}

fn convert_blue_green(b: &rds::BlueGreenDeployment) -> BlueGreenDeployment {
    BlueGreenDeployment {
        identifier: b.blue_green_deployment_identifier().unwrap_or_default().to_string(),
        name: text(b.blue_green_deployment_name()),
        source: text(b.source()),
        target: text(b.target()),
        status: b.status().unwrap_or_default().to_string(),
        status_details: text(b.status_details()),
    }
}

/// One parameter of a DB parameter group, asked for by name so the answer is one short page, not hundreds.
async fn parameter_value(client: &aws_sdk_rds::Client, group: &str, name: &str) -> Collected<Option<String>> {
    let filter = rds::Filter::builder().name("parameter-name").values(name).build();
    let result = client
        .describe_db_parameters()
        .db_parameter_group_name(group)
        .filters(filter)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await;
    match result {
        // Matched by name here too: an endpoint that ignores the filter answers with every parameter.
        Ok(parameters) => Collected::ok(
            parameters.iter().find(|p| p.parameter_name() == Some(name)).and_then(|p| text(p.parameter_value())),
        ),
        Err(e) => Collected::Error { error: classify(&e, "rds:DescribeDBParameters") },
    }
}

// ---- DynamoDB -----------------------------------------------------------------------------------------

async fn collect_dynamodb(aws: &AccountAws, region: &str) -> Collected<DynamoDbData> {
    let client = aws.dynamodb(region);
    let names: Vec<String> = match client.list_tables().into_paginator().items().send().try_collect().await {
        Ok(names) => names,
        Err(e) => return Collected::Error { error: classify(&e, "dynamodb:ListTables") },
    };
    let tables = bounded(names, PER_RESOURCE, |name| {
        let client = client.clone();
        async move {
            let (description, point_in_time_recovery, time_to_live) = tokio::join!(
                describe_table(&client, &name),
                continuous_backups(&client, &name),
                time_to_live(&client, &name),
            );
            DynamoDbTable { name, description, point_in_time_recovery, time_to_live }
        }
    })
    .await;
    Collected::ok(DynamoDbData { tables })
}

async fn describe_table(client: &aws_sdk_dynamodb::Client, name: &str) -> Collected<TableDescription> {
    match client.describe_table().table_name(name).send().await {
        Ok(out) => read_table(&out),
        Err(e) => Collected::Error { error: classify(&e, "dynamodb:DescribeTable") },
    }
}

/// An answer that came back without the part the checks read: recorded as an error (so the checks say `unknown`
/// and why), never filled in with a default.
fn incomplete(permission: &str, missing: &str) -> CollectionError {
    let operation = permission.split_once(':').map_or(permission, |(_, op)| op);
    CollectionError {
        kind: ErrorKind::Other,
        code: "IncompleteResponse".into(),
        message: format!("{operation} answered without {missing}"),
        permission: Some(permission.into()),
    }
}

fn read_table(out: &aws_sdk_dynamodb::operation::describe_table::DescribeTableOutput) -> Collected<TableDescription> {
    match out.table() {
        Some(t) => Collected::ok(convert_table(t)),
        None => Collected::Error { error: incomplete("dynamodb:DescribeTable", "a table description") },
    }
}

fn convert_table(t: &ddb::TableDescription) -> TableDescription {
    let stream = t.stream_specification();
    TableDescription {
        arn: t.table_arn().unwrap_or_default().to_string(),
        status: t.table_status().map(|s| s.as_str().to_string()).unwrap_or_default(),
        billing_mode: t.billing_mode_summary().and_then(|b| b.billing_mode()).map(|m| m.as_str().to_string()),
        stream_enabled: stream.is_some_and(|s| s.stream_enabled()),
        stream_view_type: stream
            .filter(|s| s.stream_enabled())
            .and_then(|s| s.stream_view_type())
            .map(|v| v.as_str().to_string()),
        latest_stream_arn: text(t.latest_stream_arn()),
        deletion_protection: t.deletion_protection_enabled().unwrap_or(false),
        replica_regions: t.replicas().iter().filter_map(|r| text(r.region_name())).collect(),
        global_table_version: text(t.global_table_version()),
    }
}

async fn continuous_backups(client: &aws_sdk_dynamodb::Client, name: &str) -> Collected<PointInTimeRecovery> {
    match client.describe_continuous_backups().table_name(name).send().await {
        Ok(out) => read_pitr(&out),
        Err(e) => Collected::Error { error: classify(&e, "dynamodb:DescribeContinuousBackups") },
    }
}

/// The point-in-time recovery block; an answer without it, or without its status, is not "disabled" but unknown.
fn read_pitr(
    out: &aws_sdk_dynamodb::operation::describe_continuous_backups::DescribeContinuousBackupsOutput,
) -> Collected<PointInTimeRecovery> {
    const PERMISSION: &str = "dynamodb:DescribeContinuousBackups";
    let pitr = out.continuous_backups_description().and_then(|c| c.point_in_time_recovery_description());
    let Some(p) = pitr else {
        return Collected::Error { error: incomplete(PERMISSION, "a PointInTimeRecoveryDescription") };
    };
    let Some(status) = p.point_in_time_recovery_status() else {
        return Collected::Error { error: incomplete(PERMISSION, "a PointInTimeRecoveryStatus") };
    };
    Collected::ok(PointInTimeRecovery {
        status: status.as_str().to_string(),
        recovery_period_in_days: p.recovery_period_in_days(),
        earliest_restorable: p.earliest_restorable_date_time().and_then(to_chrono),
        latest_restorable: p.latest_restorable_date_time().and_then(to_chrono),
    })
}

async fn time_to_live(client: &aws_sdk_dynamodb::Client, name: &str) -> Collected<TimeToLive> {
    match client.describe_time_to_live().table_name(name).send().await {
        Ok(out) => read_ttl(&out),
        Err(e) => Collected::Error { error: classify(&e, "dynamodb:DescribeTimeToLive") },
    }
}

/// The TTL block; an answer without it, or without its status, is not "disabled" but unknown.
fn read_ttl(
    out: &aws_sdk_dynamodb::operation::describe_time_to_live::DescribeTimeToLiveOutput,
) -> Collected<TimeToLive> {
    const PERMISSION: &str = "dynamodb:DescribeTimeToLive";
    let Some(ttl) = out.time_to_live_description() else {
        return Collected::Error { error: incomplete(PERMISSION, "a TimeToLiveDescription") };
    };
    let Some(status) = ttl.time_to_live_status() else {
        return Collected::Error { error: incomplete(PERMISSION, "a TimeToLiveStatus") };
    };
    Collected::ok(TimeToLive { status: status.as_str().to_string(), attribute_name: text(ttl.attribute_name()) })
}

// ---- ElastiCache --------------------------------------------------------------------------------------

async fn collect_elasticache(aws: &AccountAws, region: &str) -> Collected<ElastiCacheData> {
    let client = aws.elasticache(region);
    let (groups, clusters) = tokio::join!(
        client.describe_replication_groups().into_paginator().items().send().try_collect(),
        client.describe_cache_clusters().into_paginator().items().send().try_collect(),
    );
    let replication_groups = match groups {
        Ok(list) => list.iter().map(convert_replication_group).collect(),
        Err(e) => return Collected::Error { error: classify(&e, "elasticache:DescribeReplicationGroups") },
    };
    let standalone_clusters = match clusters {
        Ok(list) => Collected::ok(
            list.iter().filter(|c| text(c.replication_group_id()).is_none()).map(convert_cache_cluster).collect(),
        ),
        Err(e) => Collected::Error { error: classify(&e, "elasticache:DescribeCacheClusters") },
    };
    Collected::ok(ElastiCacheData { replication_groups, standalone_clusters })
}

fn convert_replication_group(g: &ec::ReplicationGroup) -> ReplicationGroup {
    ReplicationGroup {
        id: g.replication_group_id().unwrap_or_default().to_string(),
        arn: g.arn().unwrap_or_default().to_string(),
        engine: text(g.engine()),
        status: g.status().unwrap_or_default().to_string(),
        cluster_enabled: g.cluster_enabled(),
        cluster_mode: g.cluster_mode().map(|m| m.as_str().to_string()),
        // Absent from the answer is not "disabled": the evaluator says it cannot tell.
        automatic_failover: g.automatic_failover().map_or(crate::snapshot::NOT_REPORTED, |a| a.as_str()).to_string(),
        multi_az: g.multi_az().map_or(crate::snapshot::NOT_REPORTED, |m| m.as_str()).to_string(),
        configuration_endpoint: endpoint(g.configuration_endpoint()),
        node_groups: g
            .node_groups()
            .iter()
            .map(|n| NodeGroup {
                id: n.node_group_id().unwrap_or_default().to_string(),
                nodes: n.node_group_members().len(),
                availability_zones: n
                    .node_group_members()
                    .iter()
                    .filter_map(|m| text(m.preferred_availability_zone()))
                    .collect(),
                primary_endpoint: endpoint(n.primary_endpoint()),
                reader_endpoint: endpoint(n.reader_endpoint()),
            })
            .collect(),
    }
}

fn convert_cache_cluster(c: &ec::CacheCluster) -> CacheCluster {
    CacheCluster {
        id: c.cache_cluster_id().unwrap_or_default().to_string(),
        arn: c.arn().unwrap_or_default().to_string(),
        engine: c.engine().unwrap_or_default().to_string(),
        status: c.cache_cluster_status().unwrap_or_default().to_string(),
        nodes: c.num_cache_nodes().unwrap_or(0),
        availability_zone: text(c.preferred_availability_zone()),
    }
}

fn endpoint(e: Option<&ec::Endpoint>) -> Option<String> {
    let e = e?;
    let address = text(e.address())?;
    Some(match e.port() {
        Some(port) => format!("{address}:{port}"),
        None => address,
    })
}

// ---- EFS ----------------------------------------------------------------------------------------------

async fn collect_efs(aws: &AccountAws, region: &str) -> Collected<EfsData> {
    let client = aws.efs(region);
    let listed = match client.describe_file_systems().into_paginator().items().send().try_collect().await {
        Ok(list) => list,
        Err(e) => return Collected::Error { error: classify(&e, "elasticfilesystem:DescribeFileSystems") },
    };
    // A file system on its way out has nothing left to judge, and its per-resource reads would only fail.
    let live: Vec<FileSystem> = listed
        .iter()
        .filter(|f| !matches!(f.life_cycle_state().as_str(), "deleting" | "deleted"))
        .map(|f| FileSystem {
            id: f.file_system_id().to_string(),
            arn: f.file_system_arn().unwrap_or_default().to_string(),
            name: text(f.name()),
            state: f.life_cycle_state().as_str().to_string(),
            availability_zone: text(f.availability_zone_name()),
            encrypted: f.encrypted().unwrap_or(false),
            mount_targets: f.number_of_mount_targets(),
            access_points: Collected::NotCollected,
            policy: Collected::NotCollected,
            backup_policy: Collected::NotCollected,
        })
        .collect();
    let file_systems = bounded(live, PER_RESOURCE, |mut fs| {
        let client = client.clone();
        async move {
            let (access_points, policy, backup_policy) = tokio::join!(
                access_points(&client, &fs.id),
                file_system_policy(&client, &fs.id),
                backup_policy(&client, &fs.id)
            );
            fs.access_points = access_points;
            fs.policy = policy;
            fs.backup_policy = backup_policy;
            fs
        }
    })
    .await;
    Collected::ok(EfsData { file_systems })
}

async fn access_points(client: &aws_sdk_efs::Client, file_system: &str) -> Collected<Vec<AccessPoint>> {
    let result =
        client.describe_access_points().file_system_id(file_system).into_paginator().items().send().try_collect().await;
    match result {
        Ok(list) => Collected::ok(
            list.iter()
                .map(|a| AccessPoint {
                    id: a.access_point_id().unwrap_or_default().to_string(),
                    name: text(a.name()),
                    root_directory: a.root_directory().and_then(|r| text(r.path())),
                    posix_user: a.posix_user().map(|u| format!("{}:{}", u.uid(), u.gid())),
                })
                .collect(),
        ),
        Err(e) => Collected::Error { error: classify(&e, "elasticfilesystem:DescribeAccessPoints") },
    }
}

async fn file_system_policy(client: &aws_sdk_efs::Client, file_system: &str) -> Collected<Option<String>> {
    match client.describe_file_system_policy().file_system_id(file_system).send().await {
        Ok(out) => read_file_system_policy(&out),
        Err(e) => absent_or_error(classify(&e, "elasticfilesystem:DescribeFileSystemPolicy")),
    }
}

/// A success without the policy says nothing about it: having no policy is the `PolicyNotFound` error.
fn read_file_system_policy(
    out: &aws_sdk_efs::operation::describe_file_system_policy::DescribeFileSystemPolicyOutput,
) -> Collected<Option<String>> {
    match text(out.policy()) {
        Some(p) => Collected::ok(Some(p)),
        None => Collected::Error { error: incomplete("elasticfilesystem:DescribeFileSystemPolicy", "the policy") },
    }
}

async fn backup_policy(client: &aws_sdk_efs::Client, file_system: &str) -> Collected<Option<String>> {
    match client.describe_backup_policy().file_system_id(file_system).send().await {
        Ok(out) => read_backup_policy(&out),
        Err(e) => absent_or_error(classify(&e, "elasticfilesystem:DescribeBackupPolicy")),
    }
}

/// A success without the backup policy is no "never turned on" (that is the `PolicyNotFound` error).
fn read_backup_policy(
    out: &aws_sdk_efs::operation::describe_backup_policy::DescribeBackupPolicyOutput,
) -> Collected<Option<String>> {
    match out.backup_policy() {
        Some(b) => Collected::ok(Some(b.status().as_str().to_string())),
        None => Collected::Error { error: incomplete("elasticfilesystem:DescribeBackupPolicy", "the backup policy") },
    }
}

/// EFS answers `PolicyNotFound` when a file system has no policy of the kind asked for: that is data (none).
fn absent_or_error<T>(error: crate::snapshot::CollectionError) -> Collected<Option<T>> {
    if error.code == EFS_POLICY_NOT_FOUND {
        Collected::ok(None)
    } else {
        Collected::Error { error }
    }
}

// ---- Helpers ------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {

    use super::*;

    /// Before, a successful EFS answer without its policy was stored as "no policy" (a fail).
    #[test]
    fn efs_answers_without_their_policy_are_errors_not_none() {
        use crate::collect::test_support::{error, ok};
        use aws_sdk_efs::operation::describe_backup_policy::DescribeBackupPolicyOutput;
        use aws_sdk_efs::operation::describe_file_system_policy::DescribeFileSystemPolicyOutput;

        let got = read_file_system_policy(&DescribeFileSystemPolicyOutput::builder().build());
        let e = error(&got);
        assert_eq!(
            (e.code.as_str(), e.permission.as_deref()),
            ("IncompleteResponse", Some("elasticfilesystem:DescribeFileSystemPolicy"))
        );
        let with = DescribeFileSystemPolicyOutput::builder().policy("{}").build();
        assert_eq!(ok(&read_file_system_policy(&with)).as_deref(), Some("{}"));

        let got = read_backup_policy(&DescribeBackupPolicyOutput::builder().build());
        assert_eq!(error(&got).permission.as_deref(), Some("elasticfilesystem:DescribeBackupPolicy"));
        let off = DescribeBackupPolicyOutput::builder()
            .backup_policy(
                aws_sdk_efs::types::BackupPolicy::builder()
                    .status(aws_sdk_efs::types::Status::Disabled)
                    .build()
                    .expect("a status is set"),
            )
            .build();
        assert_eq!(ok(&read_backup_policy(&off)).as_deref(), Some("DISABLED"));
    }

    #[test]
    fn policy_not_found_is_no_policy() {
        let error = |code: &str| crate::snapshot::CollectionError {
            kind: crate::snapshot::ErrorKind::Other,
            code: code.into(),
            message: "m".into(),
            permission: Some("elasticfilesystem:DescribeFileSystemPolicy".into()),
        };
        assert!(matches!(absent_or_error::<String>(error("PolicyNotFound")), Collected::Ok { data: None }));
        assert!(matches!(absent_or_error::<String>(error("FileSystemNotFound")), Collected::Error { .. }));
    }

    /// An answer without the PITR or TTL block, or without a table, is a recorded error naming the call, never
    /// `DISABLED` or an empty table.
    #[test]
    fn absent_dynamodb_blocks_are_errors_not_defaults() {
        use crate::collect::test_support::{error, ok};
        use aws_sdk_dynamodb::operation::describe_continuous_backups::DescribeContinuousBackupsOutput;
        use aws_sdk_dynamodb::operation::describe_table::DescribeTableOutput;
        use aws_sdk_dynamodb::operation::describe_time_to_live::DescribeTimeToLiveOutput;

        let backups = |pitr: Option<ddb::PointInTimeRecoveryDescription>| {
            let d = ddb::ContinuousBackupsDescription::builder()
                .continuous_backups_status(ddb::ContinuousBackupsStatus::Enabled)
                .set_point_in_time_recovery_description(pitr)
                .build()
                .expect("a status is set");
            DescribeContinuousBackupsOutput::builder().continuous_backups_description(d).build()
        };
        let got = read_pitr(&DescribeContinuousBackupsOutput::builder().build());
        let e = error(&got);
        assert_eq!(
            (e.code.as_str(), e.permission.as_deref()),
            ("IncompleteResponse", Some("dynamodb:DescribeContinuousBackups"))
        );
        assert!(e.message.contains("PointInTimeRecoveryDescription"), "{}", e.message);
        assert!(!e.kind.means_not_applicable());
        assert!(error(&read_pitr(&backups(None))).message.contains("PointInTimeRecoveryDescription"));
        let no_status = ddb::PointInTimeRecoveryDescription::builder().build();
        assert!(error(&read_pitr(&backups(Some(no_status)))).message.contains("PointInTimeRecoveryStatus"));
        let off = ddb::PointInTimeRecoveryDescription::builder()
            .point_in_time_recovery_status(ddb::PointInTimeRecoveryStatus::Disabled)
            .build();
        assert_eq!(ok(&read_pitr(&backups(Some(off)))).status, "DISABLED", "a stated DISABLED is kept");

        let got = read_ttl(&DescribeTimeToLiveOutput::builder().build());
        let e = error(&got);
        assert_eq!(e.permission.as_deref(), Some("dynamodb:DescribeTimeToLive"));
        assert!(e.message.contains("TimeToLiveDescription"), "{}", e.message);
        let blank = DescribeTimeToLiveOutput::builder()
            .time_to_live_description(ddb::TimeToLiveDescription::builder().build())
            .build();
        assert!(error(&read_ttl(&blank)).message.contains("TimeToLiveStatus"));
        let on = DescribeTimeToLiveOutput::builder()
            .time_to_live_description(
                ddb::TimeToLiveDescription::builder()
                    .time_to_live_status(ddb::TimeToLiveStatus::Enabled)
                    .attribute_name("expiresAt")
                    .build(),
            )
            .build();
        assert_eq!(ok(&read_ttl(&on)).attribute_name.as_deref(), Some("expiresAt"));

        let got = read_table(&DescribeTableOutput::builder().build());
        let e = error(&got);
        assert_eq!(e.permission.as_deref(), Some("dynamodb:DescribeTable"));
        assert!(e.message.contains("a table description"), "{}", e.message);
    }

    #[test]
    fn endpoints_read_as_host_and_port() {
        let e = ec::Endpoint::builder().address("master.x.cache.amazonaws.com").port(6379).build();
        assert_eq!(endpoint(Some(&e)).as_deref(), Some("master.x.cache.amazonaws.com:6379"));
        assert_eq!(endpoint(Some(&ec::Endpoint::builder().port(6379).build())), None);
        assert_eq!(endpoint(None), None);
    }
}
