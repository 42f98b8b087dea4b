//! The data stores of one region, for the resilience checks: RDS, DynamoDB, ElastiCache and EFS.
//!
//! Each section is the result of its service's list call. The reads under it that can fail on their own (a
//! table's backup settings, a file system's policy, the RDS clusters beside the instances) are each their own
//! `Collected`, so one denied or unsupported call marks only its piece of data.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Collected, CollectionError};

/// The data stores of one region, for the resilience checks.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DataSections {
    #[serde(default)]
    pub rds: Collected<RdsData>,
    #[serde(default)]
    pub dynamodb: Collected<DynamoDbData>,
    #[serde(default)]
    pub elasticache: Collected<ElastiCacheData>,
    #[serde(default)]
    pub efs: Collected<EfsData>,
}

impl DataSections {
    /// Every section marked with the same reason (a disabled region, an unreachable account).
    pub fn unavailable(error: &CollectionError) -> Self {
        Self {
            rds: Collected::Error { error: error.clone() },
            dynamodb: Collected::Error { error: error.clone() },
            elasticache: Collected::Error { error: error.clone() },
            efs: Collected::Error { error: error.clone() },
        }
    }
}

// ---- RDS ----------------------------------------------------------------------------------------------

/// The parameter that PostgreSQL needs on for a blue/green deployment (logical replication).
pub const RDS_LOGICAL_REPLICATION: &str = "rds.logical_replication";

/// Stored for a replication group setting (automatic failover, Multi-AZ) the ElastiCache answer left out.
pub const NOT_REPORTED: &str = "not reported";

/// The region's DB instances (`DescribeDBInstances`), and what the resilience checks read beside them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RdsData {
    /// Every DB instance, cluster members and read replicas included.
    #[serde(default)]
    pub instances: Vec<DbInstance>,
    /// Aurora and Multi-AZ DB clusters (`DescribeDBClusters`).
    #[serde(default)]
    pub clusters: Collected<Vec<DbCluster>>,
    /// Blue/green deployments, whatever their status (`DescribeBlueGreenDeployments`).
    #[serde(default)]
    pub blue_green_deployments: Collected<Vec<BlueGreenDeployment>>,
    /// [`RDS_LOGICAL_REPLICATION`] in each parameter group of a standalone PostgreSQL instance (`DescribeDBParameters`
    /// filtered to that one parameter), once per group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<DbParameterValue>,
}

impl RdsData {
    /// The value of `parameter` in parameter group `group`, as read; `None` when it was not read at all.
    pub fn parameter(&self, group: &str, parameter: &str) -> Option<&Collected<Option<String>>> {
        self.parameters.iter().find(|p| p.group == group && p.parameter == parameter).map(|p| &p.value)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DbInstance {
    /// The DB instance identifier.
    pub identifier: String,
    pub arn: String,
    /// `mysql`, `mariadb`, `postgres`, `aurora-postgresql`, `sqlserver-se` …
    pub engine: String,
    pub engine_version: String,
    /// `available`, `creating`, `stopped` …
    pub status: String,
    /// A standby in a second Availability Zone (a Multi-AZ instance deployment); `None` when RDS did not say.
    #[serde(default)]
    pub multi_az: Option<bool>,
    /// Days of automated backups kept; 0 turns automated backups (and point-in-time restore) off; `None` when RDS
    /// did not say.
    #[serde(default)]
    pub backup_retention_period: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    /// Where the Multi-AZ standby runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_availability_zone: Option<String>,
    /// The Aurora or Multi-AZ DB cluster the instance belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_identifier: Option<String>,
    /// Set on a read replica: the identifier (or, across regions, the ARN) of the instance it replicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_replica_source: Option<String>,
    /// The identifiers of this instance's read replicas.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub read_replicas: Vec<String>,
    /// The instance's status details; a read replica reports its replication here (`read replication`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status_infos: Vec<DbStatusInfo>,
    /// The DB parameter groups attached, with whether their settings are applied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameter_groups: Vec<DbParameterGroupRef>,
    pub deletion_protection: bool,
}

impl DbInstance {
    /// A primary that stands on its own: neither a member of a cluster nor a read replica.
    pub fn is_standalone_primary(&self) -> bool {
        self.cluster_identifier.is_none() && self.read_replica_source.is_none()
    }

    /// The replication status of a read replica, when RDS reports one.
    pub fn replication_status(&self) -> Option<&DbStatusInfo> {
        self.status_infos.iter().find(|s| s.status_type == "read replication")
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DbStatusInfo {
    /// `read replication` for a read replica.
    pub status_type: String,
    /// `replicating`, `replication degraded`, `error`, `stopped` or `terminated`.
    pub status: String,
    /// False when the instance is in an error state; `None` when RDS did not say.
    #[serde(default)]
    pub normal: Option<bool>,
    /// The error's details, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DbParameterGroupRef {
    pub name: String,
    /// `in-sync`, `pending-reboot`, `applying` …
    pub apply_status: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DbCluster {
    /// The DB cluster identifier.
    pub identifier: String,
    pub arn: String,
    /// `aurora-mysql`, `aurora-postgresql`, or `mysql`/`postgres` for a Multi-AZ DB cluster.
    pub engine: String,
    pub engine_version: String,
    /// `provisioned`, `serverless` (Aurora Serverless v1), …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_mode: Option<String>,
    pub status: String,
    /// Instances in more than one Availability Zone, so a failover target exists; `None` when RDS did not say.
    #[serde(default)]
    pub multi_az: Option<bool>,
    /// Days of automated backups kept; `None` when RDS did not say.
    #[serde(default)]
    pub backup_retention_period: Option<i32>,
    /// Set on a Multi-AZ DB cluster (the non-Aurora kind, with two readable standbys).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_instance_class: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<DbClusterMember>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DbClusterMember {
    pub instance_identifier: String,
    pub is_writer: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BlueGreenDeployment {
    pub identifier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The ARN of the blue (production) database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The ARN of the green (staging) database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// `PROVISIONING`, `AVAILABLE`, `SWITCHOVER_IN_PROGRESS`, `SWITCHOVER_COMPLETED`, `INVALID_CONFIGURATION` …
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_details: Option<String>,
}

/// One parameter of one DB parameter group.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DbParameterValue {
    /// The DB parameter group's name.
    pub group: String,
    pub parameter: String,
    /// The value; `None` when the group does not set one (the engine default applies).
    pub value: Collected<Option<String>>,
}

// ---- DynamoDB -----------------------------------------------------------------------------------------

/// The region's tables (`ListTables`), each with its settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DynamoDbData {
    #[serde(default)]
    pub tables: Vec<DynamoDbTable>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DynamoDbTable {
    pub name: String,
    /// `DescribeTable`.
    #[serde(default)]
    pub description: Collected<TableDescription>,
    /// `DescribeContinuousBackups`.
    #[serde(default)]
    pub point_in_time_recovery: Collected<PointInTimeRecovery>,
    /// `DescribeTimeToLive`.
    #[serde(default)]
    pub time_to_live: Collected<TimeToLive>,
}

impl DynamoDbTable {
    /// The table's ARN, or its name when the table could not be described.
    pub fn resource(&self) -> String {
        match self.description.get() {
            Ok(d) if !d.arn.is_empty() => d.arn.clone(),
            _ => self.name.clone(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TableDescription {
    pub arn: String,
    /// `ACTIVE`, `CREATING`, `UPDATING` …
    pub status: String,
    /// `PROVISIONED` or `PAY_PER_REQUEST`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_mode: Option<String>,
    pub stream_enabled: bool,
    /// `KEYS_ONLY`, `NEW_IMAGE`, `OLD_IMAGE` or `NEW_AND_OLD_IMAGES`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_view_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_stream_arn: Option<String>,
    pub deletion_protection: bool,
    /// The other regions of a global table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replica_regions: Vec<String>,
    /// `2019.11.21` or `2017.11.29` when the table belongs to a global table (the legacy version lists no replicas).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global_table_version: Option<String>,
}

impl TableDescription {
    /// Whether the table is a replica of a global table, of either version.
    pub fn is_global(&self) -> bool {
        !self.replica_regions.is_empty() || self.global_table_version.is_some()
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PointInTimeRecovery {
    /// `ENABLED` or `DISABLED`.
    pub status: String,
    /// How many days back a restore can reach (1 to 35).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_period_in_days: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest_restorable: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_restorable: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TimeToLive {
    /// `ENABLED`, `ENABLING`, `DISABLED` or `DISABLING`.
    pub status: String,
    /// The Number attribute holding each item's expiry time, in epoch seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_name: Option<String>,
}

impl TimeToLive {
    /// TTL deletes expired items (or is about to start doing so).
    pub fn is_on(&self) -> bool {
        self.state() == Some(true)
    }

    /// `Some(true)` on (or turning on), `Some(false)` off (or turning off), `None` a status that says neither (an
    /// empty or unrecognised value): unknown, not off.
    pub fn state(&self) -> Option<bool> {
        match self.status.as_str() {
            "ENABLED" | "ENABLING" => Some(true),
            "DISABLED" | "DISABLING" => Some(false),
            _ => None,
        }
    }
}

// ---- ElastiCache --------------------------------------------------------------------------------------

/// The region's replication groups (`DescribeReplicationGroups`) and the cache clusters outside any.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ElastiCacheData {
    /// Redis OSS and Valkey replication groups.
    #[serde(default)]
    pub replication_groups: Vec<ReplicationGroup>,
    /// Cache clusters that belong to no replication group (`DescribeCacheClusters`): Memcached clusters and
    /// single-node Redis OSS or Valkey clusters.
    #[serde(default)]
    pub standalone_clusters: Collected<Vec<CacheCluster>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReplicationGroup {
    pub id: String,
    pub arn: String,
    /// `redis` or `valkey`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    pub status: String,
    /// Data partitioned across shards, reached through the configuration endpoint; `None` when ElastiCache did
    /// not say.
    #[serde(default)]
    pub cluster_enabled: Option<bool>,
    /// `enabled`, `disabled` or `compatible` (migrating to cluster mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_mode: Option<String>,
    /// `enabled`, `disabled`, `enabling` or `disabling`.
    pub automatic_failover: String,
    /// `enabled` or `disabled`.
    pub multi_az: String,
    /// `host:port` of the configuration endpoint (cluster mode enabled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration_endpoint: Option<String>,
    /// The shards (node groups), each a primary and its replicas.
    #[serde(default)]
    pub node_groups: Vec<NodeGroup>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NodeGroup {
    pub id: String,
    /// Nodes in the shard, the primary included.
    pub nodes: usize,
    /// The Availability Zones its nodes run in, one entry per node (when reported).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub availability_zones: Vec<String>,
    /// `host:port` of the primary endpoint (cluster mode disabled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_endpoint: Option<String>,
    /// `host:port` of the reader endpoint (cluster mode disabled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reader_endpoint: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CacheCluster {
    pub id: String,
    pub arn: String,
    /// `memcached`, `redis` or `valkey`.
    pub engine: String,
    pub status: String,
    pub nodes: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
}

// ---- EFS ----------------------------------------------------------------------------------------------

/// The region's file systems (`DescribeFileSystems`; those being deleted are left out), each with its settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EfsData {
    #[serde(default)]
    pub file_systems: Vec<FileSystem>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FileSystem {
    /// `fs-…`.
    pub id: String,
    pub arn: String,
    /// The `Name` tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `available`, `creating`, `updating` …
    pub state: String,
    /// Set on a One Zone file system: the only Availability Zone its data is stored in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    pub encrypted: bool,
    pub mount_targets: i32,
    /// `DescribeAccessPoints` for this file system.
    #[serde(default)]
    pub access_points: Collected<Vec<AccessPoint>>,
    /// `DescribeFileSystemPolicy`: the policy document, `None` when the file system has none.
    #[serde(default)]
    pub policy: Collected<Option<String>>,
    /// `DescribeBackupPolicy`: `ENABLED`, `ENABLING`, `DISABLED` or `DISABLING`; `None` when none was ever set.
    #[serde(default)]
    pub backup_policy: Collected<Option<String>>,
}

impl FileSystem {
    /// The name when it has one, else the id: how a message names the file system.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AccessPoint {
    /// `fsap-…`.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The directory exposed as the client's root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_directory: Option<String>,
    /// The POSIX user and group every request through the access point is made as (`uid:gid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posix_user: Option<String>,
}
