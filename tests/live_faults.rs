//! Acceptance: AWS misbehaving between dopaudit and the emulator (`scripts/test.sh`).
//!
//! A small fault proxy on 127.0.0.1 forwards every request to moto, but answers the operations a test names with a
//! fault of its choosing, and counts the requests it saw. The tests hold dopaudit to the same rules as the
//! fault-injection benchmark (`bench/faults`): a throttled call is retried within `--max-attempts` and, if it
//! stays throttled, reported as throttling (never as a timeout or a network problem); every call and every request
//! sent is counted. Without moto these tests fail (they never skip).

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use common::*;
use serde_json::Value;

/// The tests of this file share one moto: one at a time.
static LOCK: Mutex<()> = Mutex::new(());

/// A fault: the operation it answers, recognised by its name in a query-protocol body (`Action=AssumeRole`) or
/// by the end of a JSON-protocol `X-Amz-Target` header (`….DescribeTrails`), and the answer's status line and body.
type Fault = (&'static str, &'static str, &'static str);

/// The query protocol's throttling answer (STS, CloudFormation).
const QUERY_THROTTLING: (&str, &str) = (
    "400 Bad Request",
    "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>\
     <RequestId>r-1</RequestId></ErrorResponse>",
);

/// A 429 with nothing to say, as a proxy or load balancer in front of a service sends it.
const BARE_429: (&str, &str) = ("429 Too Many Requests", "");

struct FaultProxy {
    address: String,
    /// Requests seen, by operation name (`AssumeRole`, `DescribeTrails`, …; `?` when unrecognised).
    seen: Arc<Mutex<BTreeMap<String, u64>>>,
}

impl FaultProxy {
    /// Answers each operation in `faults` with its fault, and forwards everything else to `upstream`.
    fn start(upstream: &str, faults: &'static [Fault]) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let address = format!("http://{}", listener.local_addr().expect("local address"));
        let (host, port) = host_port(upstream);
        let seen = Arc::new(Mutex::new(BTreeMap::new()));
        let tally = seen.clone();
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (host, tally) = (host.clone(), tally.clone());
                thread::spawn(move || {
                    let _ = serve(client, &host, port, faults, &tally);
                });
            }
        });
        FaultProxy { address, seen }
    }

    fn seen(&self, operation: &str) -> u64 {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).get(operation).copied().unwrap_or(0)
    }
}

/// One request per connection: read it, answer it with a fault or moto's answer, close.
fn serve(
    client: TcpStream,
    host: &str,
    port: u16,
    faults: &[Fault],
    tally: &Mutex<BTreeMap<String, u64>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = Vec::new();
    let mut length = 0usize;
    let mut target = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("x-amz-target:") {
            target = line.trim().rsplit('.').next().unwrap_or_default().to_string();
        }
        if line == "\r\n" {
            break;
        }
        // moto closes after its answer, so the proxy can read it to the end.
        if !lower.starts_with("connection:") {
            head.extend_from_slice(line.as_bytes());
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    let text = String::from_utf8_lossy(&body);
    let action = text.split('&').find_map(|kv| kv.strip_prefix("Action=")).map(str::to_string);
    let operation = action.unwrap_or(target);
    *tally
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(if operation.is_empty() { "?".into() } else { operation.clone() })
        .or_default() += 1;

    let mut client = client;
    if let Some((_, status, body)) = faults.iter().find(|(op, ..)| *op == operation) {
        let content_type = if body.is_empty() { "" } else { "Content-Type: text/xml\r\n" };
        let length = body.len();
        write!(
            client,
            "HTTP/1.1 {status}\r\n{content_type}Content-Length: {length}\r\nConnection: close\r\n\r\n{body}"
        )?;
        return client.flush();
    }
    let mut upstream = TcpStream::connect((host, port))?;
    upstream.write_all(&head)?;
    upstream.write_all(b"Connection: close\r\n\r\n")?;
    upstream.write_all(&body)?;
    let mut answer = Vec::new();
    upstream.read_to_end(&mut answer)?;
    client.write_all(&answer)?;
    client.flush()
}

/// Every collection error anywhere in a snapshot whose permission is `permission`.
fn errors_for<'a>(value: &'a Value, permission: &str, out: &mut Vec<&'a Value>) {
    match value {
        Value::Object(map) => {
            if map.get("permission").and_then(Value::as_str) == Some(permission) && map.contains_key("kind") {
                out.push(value);
            }
            map.values().for_each(|v| errors_for(v, permission, out));
        }
        Value::Array(items) => items.iter().for_each(|v| errors_for(v, permission, out)),
        _ => {}
    }
}

/// The snapshot's tally for one operation: (calls, attempts, errors).
fn tally(snapshot: &Value, operation: &str) -> (u64, u64, u64) {
    let calls = snapshot["collection"]["calls"].as_array().expect("collection.calls");
    let c = calls.iter().find(|c| c["operation"] == operation).unwrap_or_else(|| panic!("no {operation} in {calls:?}"));
    let n = |field: &str| c[field].as_u64().unwrap_or_else(|| panic!("{field} of {c}"));
    (n("calls"), n("attempts"), n("errors"))
}

fn collect(proxy: &FaultProxy, extra: &[&str]) -> (Run, Option<Value>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let snap = dir.path().join("snap.json");
    let out = run(dopaudit_command(RUN_TIMEOUT)
        .args(["collect", "--regions", "us-east-1", "--services", "cloudtrail", "--endpoint-url", &proxy.address])
        .args(extra)
        .args(["-o", snap.to_str().expect("UTF-8 temp path")]));
    let snapshot = std::fs::read_to_string(&snap).ok().map(|s| serde_json::from_str(&s).expect("the snapshot is JSON"));
    (out, snapshot)
}

#[test]
fn a_bare_429_is_retried_and_reported_as_throttling() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let proxy = FaultProxy::start(&moto, &[("DescribeTrails", BARE_429.0, BARE_429.1)]);
    let (out, snapshot) = collect(&proxy, &["--max-attempts", "2", "--timeout", "5"]);
    out.expect_code(0);
    let snapshot = snapshot.expect("snapshot written");

    let (calls, attempts, errors) = tally(&snapshot, "DescribeTrails");
    assert!(calls >= 1);
    assert_eq!(errors, calls, "every DescribeTrails was answered 429");
    assert_eq!(attempts, 2 * calls, "each 429 is retried up to --max-attempts 2");
    assert_eq!(proxy.seen("DescribeTrails"), attempts, "every request sent is counted, and only those");

    let mut found = Vec::new();
    errors_for(&snapshot, "cloudtrail:DescribeTrails", &mut found);
    assert!(!found.is_empty(), "the trails' collection error is in the snapshot");
    for e in found {
        assert_eq!(e["kind"], "throttled", "{e}");
        assert_eq!(e["code"], "TooManyRequests429", "{e}");
    }
}

#[test]
fn a_throttled_assume_role_is_counted_and_named_as_throttling() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let member = block_on(async {
        let (_, members) = create_organization(&sdk_config(&moto).await, &["member"]).await;
        members[0].clone()
    });
    let proxy = FaultProxy::start(&moto, &[("AssumeRole", QUERY_THROTTLING.0, QUERY_THROTTLING.1)]);
    // A short --timeout: the role's retries and back-off must not be cut short by a timeout of another call.
    let (out, snapshot) = collect(&proxy, &["--org", "--max-attempts", "2", "--timeout", "2"]);
    out.expect_code(0);
    let snapshot = snapshot.expect("snapshot written");

    let (calls, attempts, errors) = tally(&snapshot, "AssumeRole");
    assert!(calls >= 1, "the member's role was asked for");
    assert_eq!(errors, calls, "every AssumeRole was throttled");
    assert_eq!(attempts, 2 * calls, "each throttled AssumeRole is retried up to --max-attempts 2");
    assert_eq!(proxy.seen("AssumeRole"), attempts, "every request sent is counted, and only those");
    let (_, identity_attempts, _) = tally(&snapshot, "GetCallerIdentity");
    assert_eq!(proxy.seen("GetCallerIdentity"), identity_attempts, "no attempt counted that was not sent");

    let accounts = snapshot["accounts"].as_array().expect("accounts");
    let entry = accounts.iter().find(|a| a["account_id"] == member.as_str()).expect("the member is in the snapshot");
    let error = &entry["error"];
    assert_eq!(error["kind"], "account_unreachable", "{entry:#}");
    assert_eq!(error["permission"], "sts:AssumeRole", "{error}");
    let message = text(error, "message");
    assert!(message.contains("Throttling"), "the cause is named: {message}");
    assert!(!message.contains("timeout") && !message.contains("timed out"), "not a timeout: {message}");
}

#[test]
fn a_throttled_caller_identity_is_named_not_blamed_on_the_network() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let proxy = FaultProxy::start(&moto, &[("GetCallerIdentity", QUERY_THROTTLING.0, QUERY_THROTTLING.1)]);
    let (out, snapshot) = collect(&proxy, &["--max-attempts", "2", "--timeout", "2"]);
    out.expect_code(2);
    assert!(snapshot.is_none(), "nothing written when the audit cannot start");
    assert!(out.stderr.contains("sts:GetCallerIdentity"), "names the call: {}", out.stderr);
    assert!(out.stderr.contains("Throttling"), "names the cause: {}", out.stderr);
    assert!(!out.stderr.contains("timed out"), "not blamed on a timeout: {}", out.stderr);
    assert_eq!(proxy.seen("GetCallerIdentity"), 2, "tried --max-attempts times");
}
