//! Acceptance: RDS, DynamoDB, ElastiCache and EFS read live from moto (`scripts/test.sh`) and judged resource by
//! resource. Without moto these tests fail (they never skip).
//!
//! Account 123456789012, us-east-1:
//!
//! ```text
//! RDS          orders-db     MySQL, Multi-AZ, 7 days of backups; source of read replica orders-db-replica and of
//!                            blue/green deployment orders-upgrade
//!              legacy-db     PostgreSQL, single-AZ, backups off, default parameter group
//!              ledger-db     PostgreSQL, Multi-AZ, backups on, parameter group ledger-logical with
//!                            rds.logical_replication = 1
//!              aurora-main   Aurora PostgreSQL cluster, writer and reader in two zones
//!              aurora-dev    Aurora PostgreSQL cluster, one writer
//! DynamoDB     orders        PITR on, TTL on expiresAt, stream NEW_AND_OLD_IMAGES
//!              sessions      PITR off, TTL on expiresAt, stream KEYS_ONLY
//!              users         PITR off, TTL off, no stream
//! ElastiCache  sessions-cache  cluster mode disabled, two nodes, automatic failover and Multi-AZ on
//!              sharded-cache   cluster mode enabled, two shards of two nodes, automatic failover on, Multi-AZ off
//!              lone-redis      a single Redis node outside any replication group
//!              page-cache      a Memcached cluster (no replication in Memcached: not judged)
//! EFS          shared        an access point, a policy denying non-TLS access, automatic backups on
//!              scratch       none of these
//! ```
//!
//! What moto 5.2.5 does here, and how the tests adapt:
//! - DescribeDBInstances carries no `StatusInfos`, so no read replica reports its replication status:
//!   rds-read-replica-health must say `unknown` for orders-db-replica, never pass or fail.
//! - CreateBlueGreenDeployment makes the green copy as a standalone instance (AWS makes it a replica of blue), so
//!   the green instance is judged like any primary here.
//! - CreateReplicationGroup with cluster mode disabled sizes the shard from ReplicasPerNodeGroup and ignores
//!   NumCacheClusters, so sessions-cache is created with both.
//! - DescribeDBParameters ignores the `parameter-name` filter and lists only the parameters set on a group; dopaudit
//!   matches the name itself, and an unset parameter reads as the engine default.

mod common;

use std::collections::BTreeMap;
use std::sync::Mutex;

use aws_config::{Region, SdkConfig};
use common::*;
use serde_json::{json, Value};

/// The tests of this file share one moto: one at a time.
static LOCK: Mutex<()> = Mutex::new(());

const ACCOUNT: &str = MOTO_ACCOUNT;
const REGION: &str = "us-east-1";

/// The check ids of the data group.
const CHECKS: [&str; 12] = [
    "rds-multi-az",
    "rds-automated-backups",
    "rds-blue-green-readiness",
    "rds-read-replica-health",
    "dynamodb-pitr",
    "dynamodb-ttl",
    "dynamodb-ttl-stream-archive",
    "elasticache-cluster-mode",
    "elasticache-multi-az-failover",
    "efs-access-points",
    "efs-file-system-policy",
    "efs-backup",
];

/// The ARNs the seeding got back, by short name.
#[derive(Default)]
struct Seeded {
    arns: BTreeMap<&'static str, String>,
    /// The green instance moto made for orders-upgrade.
    green: String,
}

impl Seeded {
    #[track_caller]
    fn arn(&self, name: &str) -> &str {
        self.arns.get(name).unwrap_or_else(|| panic!("{name} was not seeded"))
    }
}

fn region() -> Region {
    Region::new(REGION)
}

async fn seed(config: &SdkConfig) -> Seeded {
    let mut s = Seeded::default();
    seed_rds(config, &mut s).await;
    seed_dynamodb(config, &mut s).await;
    seed_elasticache(config, &mut s).await;
    seed_efs(config, &mut s).await;
    s
}

async fn seed_rds(config: &SdkConfig, s: &mut Seeded) {
    use aws_sdk_rds::types::Parameter;
    let rds = aws_sdk_rds::Client::from_conf(aws_sdk_rds::config::Builder::from(config).region(region()).build());
    let instance = |id: &str, engine: &str, multi_az: bool, backups: i32| {
        rds.create_db_instance()
            .db_instance_identifier(id)
            .db_instance_class("db.t3.medium")
            .engine(engine)
            .allocated_storage(20)
            .master_username("admin")
            .master_user_password("password-123")
            .multi_az(multi_az)
            .backup_retention_period(backups)
    };
    let arn = |out: aws_sdk_rds::operation::create_db_instance::CreateDbInstanceOutput| {
        out.db_instance().and_then(|d| d.db_instance_arn()).expect("instance ARN").to_owned()
    };
    s.arns.insert("orders-db", arn(instance("orders-db", "mysql", true, 7).send().await.expect("create orders-db")));
    s.arns
        .insert("legacy-db", arn(instance("legacy-db", "postgres", false, 0).send().await.expect("create legacy-db")));

    rds.create_db_parameter_group()
        .db_parameter_group_name("ledger-logical")
        .db_parameter_group_family("postgres16")
        .description("logical replication for blue/green")
        .send()
        .await
        .expect("create parameter group");
    rds.modify_db_parameter_group()
        .db_parameter_group_name("ledger-logical")
        .parameters(
            Parameter::builder()
                .parameter_name("rds.logical_replication")
                .parameter_value("1")
                .apply_method(aws_sdk_rds::types::ApplyMethod::PendingReboot)
                .build(),
        )
        .send()
        .await
        .expect("set rds.logical_replication");
    let ledger = instance("ledger-db", "postgres", true, 7).db_parameter_group_name("ledger-logical");
    s.arns.insert("ledger-db", arn(ledger.send().await.expect("create ledger-db")));

    let replica = rds
        .create_db_instance_read_replica()
        .db_instance_identifier("orders-db-replica")
        .source_db_instance_identifier("orders-db")
        .send()
        .await
        .expect("create the read replica");
    s.arns.insert(
        "orders-db-replica",
        replica.db_instance().and_then(|d| d.db_instance_arn()).expect("replica ARN").to_owned(),
    );

    let bg = rds
        .create_blue_green_deployment()
        .blue_green_deployment_name("orders-upgrade")
        .source(s.arn("orders-db"))
        .target_engine_version("8.4.3")
        .send()
        .await
        .expect("create the blue/green deployment");
    s.green = bg.blue_green_deployment().and_then(|b| b.target()).expect("green ARN").to_owned();

    for (cluster, zones) in [("aurora-main", &["us-east-1a", "us-east-1b"][..]), ("aurora-dev", &["us-east-1a"][..])] {
        let out = rds
            .create_db_cluster()
            .db_cluster_identifier(cluster)
            .engine("aurora-postgresql")
            .master_username("admin")
            .master_user_password("password-123")
            .backup_retention_period(7)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create cluster {cluster}: {e:?}"));
        let cluster_arn = out.db_cluster().and_then(|c| c.db_cluster_arn()).expect("cluster ARN").to_owned();
        s.arns.insert(if cluster == "aurora-main" { "aurora-main" } else { "aurora-dev" }, cluster_arn);
        for (n, zone) in zones.iter().enumerate() {
            rds.create_db_instance()
                .db_instance_identifier(format!("{cluster}-{n}"))
                .db_cluster_identifier(cluster)
                .db_instance_class("db.r6g.large")
                .engine("aurora-postgresql")
                .availability_zone(*zone)
                .send()
                .await
                .unwrap_or_else(|e| panic!("create instance {n} of {cluster}: {e:?}"));
        }
    }
}

async fn seed_dynamodb(config: &SdkConfig, s: &mut Seeded) {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, PointInTimeRecoverySpecification,
        ScalarAttributeType, StreamSpecification, StreamViewType, TimeToLiveSpecification,
    };
    let ddb =
        aws_sdk_dynamodb::Client::from_conf(aws_sdk_dynamodb::config::Builder::from(config).region(region()).build());
    for (name, pitr, ttl, stream) in [
        ("orders", true, true, Some(StreamViewType::NewAndOldImages)),
        ("sessions", false, true, Some(StreamViewType::KeysOnly)),
        ("users", false, false, None),
    ] {
        let mut create = ddb
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("pk")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .expect("attribute"),
            )
            .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().expect("key"));
        if let Some(view) = stream {
            create = create.stream_specification(
                StreamSpecification::builder().stream_enabled(true).stream_view_type(view).build().expect("stream"),
            );
        }
        let out = create.send().await.unwrap_or_else(|e| panic!("create table {name}: {e:?}"));
        let arn = out.table_description().and_then(|t| t.table_arn()).expect("table ARN").to_owned();
        s.arns.insert(name, arn);
        if pitr {
            ddb.update_continuous_backups()
                .table_name(name)
                .point_in_time_recovery_specification(
                    PointInTimeRecoverySpecification::builder()
                        .point_in_time_recovery_enabled(true)
                        .build()
                        .expect("pitr"),
                )
                .send()
                .await
                .unwrap_or_else(|e| panic!("turn PITR on for {name}: {e:?}"));
        }
        if ttl {
            ddb.update_time_to_live()
                .table_name(name)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder().enabled(true).attribute_name("expiresAt").build().expect("ttl"),
                )
                .send()
                .await
                .unwrap_or_else(|e| panic!("turn TTL on for {name}: {e:?}"));
        }
    }
}

async fn seed_elasticache(config: &SdkConfig, s: &mut Seeded) {
    use aws_sdk_elasticache::types::ClusterMode;
    let ec = aws_sdk_elasticache::Client::from_conf(
        aws_sdk_elasticache::config::Builder::from(config).region(region()).build(),
    );
    let sessions = ec
        .create_replication_group()
        .replication_group_id("sessions-cache")
        .replication_group_description("web sessions")
        .engine("redis")
        .cache_node_type("cache.t4g.small")
        .num_cache_clusters(2)
        // moto sizes a cluster-mode-disabled shard from ReplicasPerNodeGroup, not NumCacheClusters.
        .replicas_per_node_group(1)
        .preferred_cache_cluster_azs("us-east-1a")
        .preferred_cache_cluster_azs("us-east-1b")
        .automatic_failover_enabled(true)
        .multi_az_enabled(true)
        .send()
        .await
        .expect("create sessions-cache");
    let sharded = ec
        .create_replication_group()
        .replication_group_id("sharded-cache")
        .replication_group_description("product catalogue")
        .engine("redis")
        .cache_node_type("cache.r7g.large")
        .cluster_mode(ClusterMode::Enabled)
        .num_node_groups(2)
        .replicas_per_node_group(1)
        .automatic_failover_enabled(true)
        .multi_az_enabled(false)
        .send()
        .await
        .expect("create sharded-cache");
    for (name, out) in [("sessions-cache", sessions), ("sharded-cache", sharded)] {
        s.arns.insert(name, out.replication_group().and_then(|g| g.arn()).expect("replication group ARN").to_owned());
    }
    for (id, engine) in [("lone-redis", "redis"), ("page-cache", "memcached")] {
        let out = ec
            .create_cache_cluster()
            .cache_cluster_id(id)
            .engine(engine)
            .cache_node_type("cache.t4g.micro")
            .num_cache_nodes(1)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create cache cluster {id}: {e:?}"));
        s.arns.insert(id, out.cache_cluster().and_then(|c| c.arn()).expect("cache cluster ARN").to_owned());
    }
}

async fn seed_efs(config: &SdkConfig, s: &mut Seeded) {
    use aws_sdk_efs::types::{PosixUser, RootDirectory, Tag};
    let efs = aws_sdk_efs::Client::from_conf(aws_sdk_efs::config::Builder::from(config).region(region()).build());
    for (name, backup) in [("shared", true), ("scratch", false)] {
        let out = efs
            .create_file_system()
            .creation_token(name)
            .encrypted(true)
            .backup(backup)
            .tags(Tag::builder().key("Name").value(name).build().expect("tag"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("create file system {name}: {e:?}"));
        let arn = out.file_system_arn().expect("file system ARN").to_owned();
        if name == "shared" {
            let id = out.file_system_id();
            efs.create_access_point()
                .file_system_id(id)
                .posix_user(PosixUser::builder().uid(1000).gid(1000).build().expect("posix user"))
                .root_directory(RootDirectory::builder().path("/app").build())
                .send()
                .await
                .expect("create access point");
            let policy = json!({
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": {"AWS": "*"},
                        "Action": "*",
                        "Resource": arn,
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:role/app")},
                        "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                        "Resource": arn,
                    },
                ],
            });
            efs.put_file_system_policy()
                .file_system_id(id)
                .policy(policy.to_string())
                .send()
                .await
                .expect("put file system policy");
        }
        s.arns.insert(name, arn);
    }
}

/// Every data finding the audit must give, by place; no other may appear.
fn expected(s: &Seeded) -> BTreeMap<FindingKey, String> {
    let mut want = BTreeMap::new();
    let mut put = |check: &str, resource: &str, status: &str| {
        let key = (check.to_owned(), ACCOUNT.to_owned(), REGION.to_owned(), resource.to_owned());
        assert!(want.insert(key, status.to_owned()).is_none(), "{check} {resource} expected twice");
    };
    // RDS: the green copy is a standalone primary in moto, configured like its blue.
    for (db, ok) in [("orders-db", true), ("legacy-db", false), ("ledger-db", true)] {
        let status = if ok { "pass" } else { "fail" };
        put("rds-multi-az", s.arn(db), status);
        put("rds-automated-backups", s.arn(db), status);
        put("rds-blue-green-readiness", s.arn(db), status);
    }
    for check in ["rds-multi-az", "rds-automated-backups", "rds-blue-green-readiness"] {
        put(check, &s.green, "pass");
    }
    put("rds-multi-az", s.arn("aurora-main"), "pass");
    put("rds-multi-az", s.arn("aurora-dev"), "fail");
    put("rds-automated-backups", s.arn("aurora-main"), "pass");
    put("rds-automated-backups", s.arn("aurora-dev"), "pass");
    // moto reports no replication status.
    put("rds-read-replica-health", s.arn("orders-db-replica"), "unknown");
    // DynamoDB.
    put("dynamodb-pitr", s.arn("orders"), "pass");
    put("dynamodb-pitr", s.arn("sessions"), "fail");
    put("dynamodb-pitr", s.arn("users"), "fail");
    put("dynamodb-ttl", s.arn("orders"), "pass");
    put("dynamodb-ttl", s.arn("sessions"), "pass");
    put("dynamodb-ttl", s.arn("users"), "fail");
    put("dynamodb-ttl-stream-archive", s.arn("orders"), "pass");
    put("dynamodb-ttl-stream-archive", s.arn("sessions"), "fail");
    put("dynamodb-ttl-stream-archive", s.arn("users"), "skipped");
    // ElastiCache.
    put("elasticache-cluster-mode", s.arn("sessions-cache"), "fail");
    put("elasticache-cluster-mode", s.arn("sharded-cache"), "pass");
    put("elasticache-multi-az-failover", s.arn("sessions-cache"), "pass");
    put("elasticache-multi-az-failover", s.arn("sharded-cache"), "fail");
    put("elasticache-multi-az-failover", s.arn("lone-redis"), "fail");
    // EFS.
    for check in ["efs-access-points", "efs-file-system-policy", "efs-backup"] {
        put(check, s.arn("shared"), "pass");
        put(check, s.arn("scratch"), "fail");
    }
    want
}

#[test]
fn data_stores_are_judged_resource_by_resource() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let seeded = block_on(async {
        let config = sdk_config(&moto).await;
        seed(&config).await
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("data.json");
    let path_arg = path.to_str().expect("UTF-8 temp path");
    run(dopaudit_live(&moto, &["collect", "--regions", REGION, "--integrity-window", "0", "-o", path_arg]))
        .expect_code(0);
    let audit = run(dopaudit_command(RUN_TIMEOUT).args(["audit", "--snapshot", path_arg, "--format", "json"]));
    let report = audit.json();
    let all = findings(&report);

    let got: BTreeMap<FindingKey, String> =
        statuses_by_place(all).into_iter().filter(|((check, ..), _)| CHECKS.contains(&check.as_str())).collect();
    let want = expected(&seeded);
    assert_eq!(got, want, "data findings differ:\n{}", diff_statuses(&want, &got));

    // What the evidence shows a learner.
    let bg = the_finding_on(all, "rds-blue-green-readiness", seeded.arn("orders-db"));
    assert_eq!(bg["evidence"]["blue_green_deployments"], json!(["orders-upgrade (AVAILABLE)"]), "{bg:#}");
    let ledger = the_finding_on(all, "rds-blue-green-readiness", seeded.arn("ledger-db"));
    assert_eq!(ledger["evidence"]["logical_replication"], "1", "{ledger:#}");
    assert_eq!(ledger["evidence"]["parameter_group"], "ledger-logical", "{ledger:#}");
    let legacy = the_finding_on(all, "rds-blue-green-readiness", seeded.arn("legacy-db"));
    for needle in ["automated backups are off", "rds.logical_replication is not set"] {
        assert!(text(legacy, "message").contains(needle), "{needle:?} not in {legacy:#}");
    }
    let single = the_finding_on(all, "rds-multi-az", seeded.arn("legacy-db"));
    assert_eq!(single["evidence"]["multi_az"], false, "{single:#}");
    let replica = the_finding_on(all, "rds-read-replica-health", seeded.arn("orders-db-replica"));
    assert!(text(replica, "message").contains("no replication status"), "{replica:#}");
    assert_eq!(replica["evidence"]["source"], "orders-db", "{replica:#}");
    let dev = the_finding_on(all, "rds-multi-az", seeded.arn("aurora-dev"));
    assert_eq!(dev["evidence"]["instances"], 1, "{dev:#}");

    let orders = the_finding_on(all, "dynamodb-pitr", seeded.arn("orders"));
    assert_eq!(orders["evidence"]["point_in_time_recovery"], "ENABLED", "{orders:#}");
    let ttl = the_finding_on(all, "dynamodb-ttl", seeded.arn("sessions"));
    assert_eq!(ttl["evidence"]["ttl_attribute"], "expiresAt", "{ttl:#}");
    let keys_only = the_finding_on(all, "dynamodb-ttl-stream-archive", seeded.arn("sessions"));
    assert_eq!(keys_only["evidence"]["stream_view_type"], "KEYS_ONLY", "{keys_only:#}");

    let sharded = the_finding_on(all, "elasticache-cluster-mode", seeded.arn("sharded-cache"));
    assert_eq!(sharded["evidence"]["shards"], 2, "{sharded:#}");
    assert!(
        sharded["evidence"]["configuration_endpoint"].as_str().is_some_and(|e| e.starts_with("clustercfg.")),
        "{sharded:#}"
    );
    let failover = the_finding_on(all, "elasticache-multi-az-failover", seeded.arn("sharded-cache"));
    assert_eq!(failover["evidence"]["multi_az"], "disabled", "{failover:#}");
    assert!(text(failover, "message").contains("Multi-AZ is disabled"), "{failover:#}");

    let points = the_finding_on(all, "efs-access-points", seeded.arn("shared"));
    let listed = points["evidence"]["access_points"].as_array().expect("access_points list");
    assert_eq!(listed.len(), 1, "{points:#}");
    let only = listed[0].as_str().expect("access point");
    assert!(only.starts_with("fsap-") && only.ends_with(" root=/app user=1000:1000"), "{points:#}");
    let policy = the_finding_on(all, "efs-file-system-policy", seeded.arn("shared"));
    assert_eq!(policy["evidence"]["denies_unencrypted_transport"], true, "{policy:#}");
    let backup = the_finding_on(all, "efs-backup", seeded.arn("scratch"));
    assert_eq!(backup["evidence"]["backup_policy"], Value::Null, "{backup:#}");

    // Every call the collection made to these services is declared by a check of this group, and every
    // declared action was needed.
    let snapshot: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("snapshot")).expect("JSON");
    let called = recorded_actions(&snapshot, &["rds", "dynamodb", "elasticache", "elasticfilesystem"]);
    // Every data check's id is listed in CHECKS, so matching them as prefixes selects exactly those checks.
    let declared = declared_permissions(&CHECKS);
    assert_eq!(called, declared, "operations called vs IAM actions the data checks declare");
}
