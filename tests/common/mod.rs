//! Helpers shared by the tests that talk to the moto emulator which `scripts/test.sh` starts.
//!
//! An emulator test must fail, not skip, when moto is missing: [`moto_endpoint`] panics when
//! `DOPAUDIT_MOTO_ENDPOINT` is not set. HTTP is spoken by hand over `std::net::TcpStream`, so these helpers need no
//! crate beyond std.
#![allow(dead_code)] // each test file uses only some of these

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The variable `scripts/test.sh` sets to moto's address, e.g. `http://127.0.0.1:40123`.
pub const ENDPOINT_VAR: &str = "DOPAUDIT_MOTO_ENDPOINT";

const TIMEOUT: Duration = Duration::from_secs(30);

/// moto's endpoint (`http://127.0.0.1:PORT`, no trailing slash). Panics when the emulator is not configured, or is
/// configured at anything but 127.0.0.1, so an emulator test can never pass by skipping nor reach a real endpoint.
#[track_caller]
pub fn moto_endpoint() -> String {
    let endpoint = match std::env::var(ENDPOINT_VAR) {
        Ok(value) if !value.trim().is_empty() => value.trim().trim_end_matches('/').to_owned(),
        _ => panic!(
            "{ENDPOINT_VAR} is not set: this test needs the moto AWS emulator. Run the tests with `scripts/test.sh` \
             (it installs and starts moto, then runs cargo test), e.g. `scripts/test.sh --test <name>`."
        ),
    };
    let (host, _) = host_port(&endpoint);
    assert_eq!(host, "127.0.0.1", "{ENDPOINT_VAR}={endpoint}: the emulator must be addressed as 127.0.0.1");
    endpoint
}

/// Splits `http://HOST:PORT` into its host and port; panics on anything else (https, a path, no port).
pub fn host_port(endpoint: &str) -> (String, u16) {
    let rest = endpoint
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("emulator endpoint {endpoint:?} must start with http://"));
    let (host, port) =
        rest.rsplit_once(':').unwrap_or_else(|| panic!("emulator endpoint {endpoint:?} must be http://HOST:PORT"));
    let port = port.parse().unwrap_or_else(|_| panic!("emulator endpoint {endpoint:?} must be http://HOST:PORT"));
    (host.to_owned(), port)
}

/// Deletes every resource in moto (`POST /moto-api/reset`), asserting it answers 200.
#[track_caller]
pub fn moto_reset(endpoint: &str) {
    let (status, body) = moto_request(endpoint, "POST", "/moto-api/reset");
    assert_eq!(status, 200, "POST {endpoint}/moto-api/reset answered {status}: {body}");
}

/// `GET path` from moto, as (status, body).
pub fn moto_get(endpoint: &str, path: &str) -> (u16, String) {
    moto_request(endpoint, "GET", path)
}

/// One bodyless HTTP/1.1 request to moto, on its own connection, as (status, body).
pub fn moto_request(endpoint: &str, method: &str, path: &str) -> (u16, String) {
    assert!(path.starts_with('/'), "request path {path:?} must start with /");
    let (host, port) = host_port(endpoint);
    let target = format!("{method} {endpoint}{path}");
    let mut stream = TcpStream::connect((host.as_str(), port))
        .unwrap_or_else(|e| panic!("{target}: cannot connect ({e}); is moto running? Use `scripts/test.sh`."));
    stream.set_read_timeout(Some(TIMEOUT)).expect("set read timeout");
    stream.set_write_timeout(Some(TIMEOUT)).expect("set write timeout");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: */*\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).unwrap_or_else(|e| panic!("{target}: cannot send the request: {e}"));
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap_or_else(|e| panic!("{target}: cannot read the response: {e}"));
    parse_response(&response).unwrap_or_else(|e| panic!("{target}: {e}"))
}

fn parse_response(response: &[u8]) -> Result<(u16, String), String> {
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").ok_or("response has no end of headers")?;
    let head = std::str::from_utf8(&response[..split]).map_err(|e| format!("response headers are not UTF-8: {e}"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let header = |name: &str| {
        lines.clone().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
        })
    };
    let mut body = response[split + 4..].to_vec();
    if header("transfer-encoding").is_some_and(|te| te.eq_ignore_ascii_case("chunked")) {
        body = dechunk(&body)?;
    } else if let Some(length) = header("content-length") {
        let length: usize = length.parse().map_err(|_| format!("bad Content-Length {length:?}"))?;
        if body.len() < length {
            return Err(format!("body is {} bytes, Content-Length says {length}", body.len()));
        }
        body.truncate(length);
    }
    let body = String::from_utf8(body).map_err(|e| format!("response body is not UTF-8: {e}"))?;
    Ok((status, body))
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let eol = data.windows(2).position(|w| w == b"\r\n").ok_or("chunk size line has no end")?;
        let size_line = std::str::from_utf8(&data[..eol]).map_err(|_| "chunk size is not UTF-8")?;
        let size_hex = size_line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| format!("bad chunk size {size_hex:?}"))?;
        data = &data[eol + 2..];
        if size == 0 {
            return Ok(body);
        }
        if data.len() < size + 2 {
            return Err("chunk is cut short".to_owned());
        }
        body.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

// ---- Live audits: running dopaudit against moto, and seeding moto through the AWS SDK ------------------------------
//
// Added for the `live_*` acceptance tests. The binary is always run with a process timeout, so a hang fails the test
// instead of blocking the suite; the SDK clients that seed moto use fixed dummy credentials, never the environment's.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use serde_json::Value;

/// The account moto answers as, with its default credentials: after `create_organization`, the management account.
pub const MOTO_ACCOUNT: &str = "123456789012";

/// How long one run of the binary may take before it is killed and the test fails.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// The role `--org` assumes by default; moto lets it be assumed in any member without creating it.
pub const MEMBER_ROLE: &str = "OrganizationAccountAccessRole";

/// Takes the file's lock (the tests of one binary share one moto) and resets moto. A test that panicked while holding
/// the lock poisons it; the next test recovers the guard, since the reset below starts it from a clean emulator anyway.
#[track_caller]
pub fn exclusive_moto(lock: &'static Mutex<()>) -> (MutexGuard<'static, ()>, String) {
    let guard = lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let endpoint = moto_endpoint();
    moto_reset(&endpoint);
    (guard, endpoint)
}

/// Runs seeding code on a runtime of its own, from a synchronous test (which can then hold a `std` lock safely).
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime").block_on(future)
}

/// The dopaudit binary, with the process timeout set and colour settings from the environment removed.
pub fn dopaudit_command(timeout: Duration) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("dopaudit").expect("the dopaudit binary is built by cargo test");
    cmd.timeout(timeout).env_remove("NO_COLOR").env_remove("COLUMNS");
    cmd
}

/// `dopaudit ARGS --endpoint-url MOTO --max-attempts 1`: a live command against the emulator that fails fast, since
/// moto answers the operations it lacks with HTTP 500 and retrying those only wastes time.
pub fn dopaudit_live(endpoint: &str, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = dopaudit_command(RUN_TIMEOUT);
    cmd.args(args).args(["--endpoint-url", endpoint, "--max-attempts", "1"]);
    cmd
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub args: String,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// The run's stdout as JSON; panics with both streams when it is not.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("{}: stdout is not JSON ({e}).\nstdout: {}\nstderr: {}", self.args, self.stdout, self.stderr)
        })
    }

    /// Panics unless the run exited with `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "{}: exit code {} (expected {code}).\nstderr: {}\nstdout (first 2000 bytes): {:.2000}",
            self.args, self.code, self.stderr, self.stdout
        );
        self
    }
}

/// Runs the command to its end. Panics when it could not start, or was killed (by the process timeout: a hang).
#[track_caller]
pub fn run(mut cmd: impl std::borrow::BorrowMut<assert_cmd::Command>) -> Run {
    let cmd = cmd.borrow_mut();
    let args = format!("{cmd:?}");
    let started = Instant::now();
    let out = cmd.output().unwrap_or_else(|e| panic!("{args}: cannot run: {e}"));
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or_else(|| {
        panic!("{args}: killed after {elapsed:?} ({}): it hung past its timeout.\nstderr: {stderr}", out.status)
    });
    Run { args, code, stdout, stderr, elapsed }
}

/// A finding's place: (check_id, account, region, resource).
pub type FindingKey = (String, String, String, String);

/// The report's findings.
#[track_caller]
pub fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().unwrap_or_else(|| panic!("the report has no findings array: {report:#}"))
}

/// A string field of a finding (or any JSON object); panics when it is absent.
#[track_caller]
pub fn text<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field].as_str().unwrap_or_else(|| panic!("no string field {field:?} in {value:#}"))
}

/// Every finding by its place, mapped to its status. Panics when two findings share a place: each resource is judged
/// once per check.
#[track_caller]
pub fn statuses_by_place(findings: &[Value]) -> BTreeMap<FindingKey, String> {
    let mut map = BTreeMap::new();
    for f in findings {
        let key = (
            text(f, "check_id").into(),
            text(f, "account").into(),
            text(f, "region").into(),
            text(f, "resource").into(),
        );
        if let Some(previous) = map.insert(key.clone(), text(f, "status").to_owned()) {
            panic!("two findings at {key:?} (statuses {previous} and {})", text(f, "status"));
        }
    }
    map
}

/// The one finding of `check` at (account, region); panics when there is none or more than one.
#[track_caller]
pub fn the_finding<'a>(findings: &'a [Value], check: &str, account: &str, region: &str) -> &'a Value {
    let matching: Vec<&Value> = findings
        .iter()
        .filter(|f| text(f, "check_id") == check && text(f, "account") == account && text(f, "region") == region)
        .collect();
    match matching.as_slice() {
        [one] => one,
        other => panic!("expected one {check} finding for {account} {region}, found {}: {other:#?}", other.len()),
    }
}

/// The one finding of `check` on `resource`; panics when there is none or more than one.
#[track_caller]
pub fn the_finding_on<'a>(findings: &'a [Value], check: &str, resource: &str) -> &'a Value {
    let matching: Vec<&Value> =
        findings.iter().filter(|f| text(f, "check_id") == check && text(f, "resource") == resource).collect();
    match matching.as_slice() {
        [one] => one,
        other => panic!("expected one {check} finding on {resource}, found {}: {other:#?}", other.len()),
    }
}

/// Shows where two expectations differ, one line per place, for assertion messages.
pub fn diff_statuses(want: &BTreeMap<FindingKey, String>, got: &BTreeMap<FindingKey, String>) -> String {
    let mut lines = Vec::new();
    for key in want.keys().chain(got.keys().filter(|k| !want.contains_key(*k))) {
        let (w, g) = (want.get(key), got.get(key));
        if w != g {
            lines.push(format!(
                "  {key:?}: expected {}, got {}",
                w.map_or("no finding", String::as_str),
                g.map_or("no finding", String::as_str)
            ));
        }
    }
    lines.join("\n")
}

// -- Seeding --

/// An SDK configuration for moto, as moto's default account.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    sdk_config_as(endpoint, Credentials::new("testing", "testing", None, None, "dopaudit-tests")).await
}

/// An SDK configuration for moto with the given credentials (e.g. a member account's, from [`assume_member`]).
pub async fn sdk_config_as(endpoint: &str, credentials: Credentials) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(credentials)
        .load()
        .await
}

pub fn s3_client(config: &SdkConfig, region: &str) -> aws_sdk_s3::Client {
    let conf =
        aws_sdk_s3::config::Builder::from(config).region(Region::new(region.to_owned())).force_path_style(true).build();
    aws_sdk_s3::Client::from_conf(conf)
}

pub fn cloudtrail_client(config: &SdkConfig, region: &str) -> aws_sdk_cloudtrail::Client {
    let conf = aws_sdk_cloudtrail::config::Builder::from(config).region(Region::new(region.to_owned())).build();
    aws_sdk_cloudtrail::Client::from_conf(conf)
}

pub fn config_client(config: &SdkConfig, region: &str) -> aws_sdk_config::Client {
    let conf = aws_sdk_config::config::Builder::from(config).region(Region::new(region.to_owned())).build();
    aws_sdk_config::Client::from_conf(conf)
}

/// Creates a bucket in `region` (with a location constraint outside us-east-1, as S3 requires).
pub async fn create_bucket(config: &SdkConfig, region: &str, name: &str) {
    let s3 = s3_client(config, region);
    let mut req = s3.create_bucket().bucket(name);
    if region != "us-east-1" {
        req = req.create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(region))
                .build(),
        );
    }
    req.send().await.unwrap_or_else(|e| panic!("create bucket {name} in {region}: {e:?}"));
}

/// Creates an organization in moto's default account (which becomes its management account) and one member account per
/// name; returns the organization id and the members' account ids, in the order of `members`.
pub async fn create_organization(config: &SdkConfig, members: &[&str]) -> (String, Vec<String>) {
    let org = aws_sdk_organizations::Client::new(config);
    let created = org
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .expect("create organization");
    let org_id = created.organization().and_then(|o| o.id()).expect("organization id").to_owned();
    let mut ids = Vec::new();
    for name in members {
        let out = org
            .create_account()
            .email(format!("{name}@example.com"))
            .account_name(*name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create account {name}: {e:?}"));
        let id = out.create_account_status().and_then(|s| s.account_id()).expect("new account id");
        assert_ne!(id, MOTO_ACCOUNT, "a member must not be the management account");
        ids.push(id.to_owned());
    }
    (org_id, ids)
}

/// Creates, in us-east-1, an organization trail over every region, with log file validation, delivering to `bucket`.
pub async fn create_org_trail(config: &SdkConfig, name: &str, bucket: &str) {
    let created = cloudtrail_client(config, "us-east-1")
        .create_trail()
        .name(name)
        .s3_bucket_name(bucket)
        .is_organization_trail(true)
        .is_multi_region_trail(true)
        .enable_log_file_validation(true)
        .send()
        .await
        .expect("moto accepts an organization trail");
    assert_eq!(created.is_organization_trail(), Some(true), "{created:?}");
}

/// Assumes `OrganizationAccountAccessRole` in a member account and returns an SDK configuration acting as that account
/// (checked with `sts:GetCallerIdentity`).
pub async fn assume_member(endpoint: &str, account: &str) -> SdkConfig {
    let sts = aws_sdk_sts::Client::new(&sdk_config(endpoint).await);
    let out = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/{MEMBER_ROLE}"))
        .role_session_name("dopaudit-test-seeding")
        .send()
        .await
        .unwrap_or_else(|e| panic!("assume {MEMBER_ROLE} in {account}: {e:?}"));
    let c = out.credentials().expect("assumed-role credentials");
    let credentials = Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
        None,
        "dopaudit-tests-member",
    );
    let config = sdk_config_as(endpoint, credentials).await;
    let me = aws_sdk_sts::Client::new(&config).get_caller_identity().send().await.expect("member caller identity");
    assert_eq!(me.account(), Some(account), "the assumed-role credentials must act as the member account");
    config
}

/// Turns AWS Config on in one region: a recorder (all supported types; IAM global types too when `global`), a delivery
/// channel to `bucket`, and the recorder started.
pub async fn enable_config(config: &SdkConfig, region: &str, account: &str, bucket: &str, global: bool) {
    use aws_sdk_config::types::{ConfigurationRecorder, DeliveryChannel, RecordingGroup};
    let client = config_client(config, region);
    client
        .put_configuration_recorder()
        .configuration_recorder(
            ConfigurationRecorder::builder()
                .name("default")
                .role_arn(format!("arn:aws:iam::{account}:role/aws-config"))
                .recording_group(
                    RecordingGroup::builder().all_supported(true).include_global_resource_types(global).build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("put configuration recorder in {account} {region}: {e:?}"));
    client
        .put_delivery_channel()
        .delivery_channel(DeliveryChannel::builder().name("default").s3_bucket_name(bucket).build())
        .send()
        .await
        .unwrap_or_else(|e| panic!("put delivery channel in {account} {region}: {e:?}"));
    client
        .start_configuration_recorder()
        .configuration_recorder_name("default")
        .send()
        .await
        .unwrap_or_else(|e| panic!("start configuration recorder in {account} {region}: {e:?}"));
}

/// Adds an AWS managed Config rule. moto checks a managed rule's required parameters, so the two rules dopaudit looks
/// for get theirs here.
pub async fn put_managed_rule(config: &SdkConfig, region: &str, account: &str, name: &str, identifier: &str) {
    use aws_sdk_config::types::{ConfigRule, Owner, Source};
    let parameters = match identifier {
        "CLOUDFORMATION_STACK_DRIFT_DETECTION_CHECK" => {
            format!(r#"{{"cloudformationRoleArn": "arn:aws:iam::{account}:role/drift-detection"}}"#)
        }
        "IAM_USER_UNUSED_CREDENTIALS_CHECK" => r#"{"maxCredentialUsageAge": "90"}"#.to_owned(),
        _ => "{}".to_owned(),
    };
    config_client(config, region)
        .put_config_rule()
        .config_rule(
            ConfigRule::builder()
                .config_rule_name(name)
                .source(Source::builder().owner(Owner::Aws).source_identifier(identifier).build().expect("rule source"))
                .input_parameters(parameters)
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("put config rule {name} ({identifier}) in {account} {region}: {e:?}"));
}

pub fn cloudformation_client(config: &SdkConfig, region: &str) -> aws_sdk_cloudformation::Client {
    let conf = aws_sdk_cloudformation::config::Builder::from(config).region(Region::new(region.to_owned())).build();
    aws_sdk_cloudformation::Client::from_conf(conf)
}

/// `dopaudit iam-policy [extra]` as JSON (offline: the policy depends on the catalogue only).
#[track_caller]
pub fn iam_policy(extra: &[&str]) -> Value {
    let out = run(dopaudit_command(RUN_TIMEOUT).arg("iam-policy").args(extra));
    out.expect_code(0);
    out.json()
}

/// The IAM actions `dopaudit checks` declares for the checks whose ids start with one of `prefixes`.
#[track_caller]
pub fn declared_permissions(prefixes: &[&str]) -> BTreeSet<String> {
    let checks = run(dopaudit_command(RUN_TIMEOUT).args(["checks", "--format", "json"]));
    checks.expect_code(0);
    checks
        .json()
        .as_array()
        .expect("a list of checks")
        .iter()
        .filter(|c| prefixes.iter().any(|p| text(c, "id").starts_with(p)))
        .flat_map(|c| {
            c["permissions"].as_array().expect("permissions").iter().map(|p| p.as_str().unwrap_or_default().to_owned())
        })
        .collect()
}

/// The IAM actions (as `dopaudit iam-policy` names them) of the operations a collection recorded for `services`
/// (IAM service prefixes such as `lambda` or `elasticfilesystem`).
#[track_caller]
pub fn recorded_actions(snapshot: &Value, services: &[&str]) -> BTreeSet<String> {
    snapshot["collection"]["calls"]
        .as_array()
        .expect("collection.calls")
        .iter()
        .filter(|c| services.contains(&text(c, "service")))
        .map(|c| dopaudit::aws::recorder::iam_action(text(c, "service"), text(c, "operation")))
        .collect()
}
