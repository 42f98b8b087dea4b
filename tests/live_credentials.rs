//! Acceptance: a live audit without usable credentials stops at once with one line that says how to fix it, and never
//! hangs on EC2 instance metadata (IMDS). Run against moto (`scripts/test.sh`); without it these tests fail.
//!
//! Each case clears every credential source the AWS SDK reads: the credential variables, a profile, web identity, the
//! container endpoint; the shared config and credentials files are empty files; HOME is an empty directory (no
//! ~/.aws). IMDS stays enabled (AWS_EC2_METADATA_DISABLED removed) but points at an address under the test's control.

mod common;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

use common::*;
use tempfile::TempDir;

/// The tests of this file share one moto: one at a time.
static LOCK: Mutex<()> = Mutex::new(());

/// A credentials failure must end well within this; the process is killed (and the test fails) past it.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The AWS SDK's credential sources, as environment variables.
const CREDENTIAL_VARS: [&str; 12] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
];

/// An environment without credentials: empty config files and an empty HOME, kept alive while the command runs.
struct NoCredentials {
    home: TempDir,
}

impl NoCredentials {
    fn new() -> Self {
        let home = tempfile::tempdir().expect("temp HOME");
        for file in ["config", "credentials"] {
            std::fs::write(home.path().join(file), "").expect("empty AWS file");
        }
        NoCredentials { home }
    }

    /// `dopaudit audit --endpoint-url MOTO --regions us-east-1 --max-attempts 1 [extra]`, with IMDS at `imds`.
    fn audit(&self, moto: &str, imds: &str, extra: &[&str]) -> assert_cmd::Command {
        let mut cmd = dopaudit_command(TIMEOUT);
        cmd.args(["audit", "--endpoint-url", moto, "--regions", "us-east-1", "--max-attempts", "1"]).args(extra);
        for var in CREDENTIAL_VARS {
            cmd.env_remove(var);
        }
        cmd.env("AWS_CONFIG_FILE", self.home.path().join("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.home.path().join("credentials"))
            .env("HOME", self.home.path())
            .env_remove("AWS_EC2_METADATA_DISABLED")
            .env_remove("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")
            .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds);
        cmd
    }
}

/// Checks the run ended as a missing-credentials error must: exit 2, nothing on stdout, one `dopaudit: error:` line on
/// stderr that names credentials and a way to fix it. Returns that line.
#[track_caller]
fn assert_credentials_error(out: &Run) -> String {
    out.expect_code(2);
    assert!(out.stdout.is_empty(), "{}: nothing on stdout, got: {}", out.args, out.stdout);
    let stderr = out.stderr.trim_end();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr, got {}:\n{stderr}", lines.len());
    let line = lines[0];
    assert!(line.starts_with("dopaudit: error:"), "{line}");
    assert!(line.to_ascii_lowercase().contains("credentials"), "the error must say credentials are missing: {line}");
    assert!(
        line.contains("--profile") || line.contains("aws sso login") || line.contains("AWS_ACCESS_KEY_ID"),
        "the error must say how to fix it: {line}"
    );
    line.to_owned()
}

#[test]
fn without_credentials_the_audit_stops_at_once_with_a_fix() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let env = NoCredentials::new();
    // Port 9 (discard) on loopback: nothing listens, so a metadata lookup is refused at once.
    let out = run(env.audit(&moto, "http://127.0.0.1:9", &[]));
    assert_credentials_error(&out);
}

#[test]
fn an_unknown_profile_is_named_in_the_error() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let env = NoCredentials::new();
    let out = run(env.audit(&moto, "http://127.0.0.1:9", &["--profile", "nosuch"]));
    let line = assert_credentials_error(&out);
    assert!(line.contains("nosuch"), "the error must name the profile: {line}");
}

/// A metadata endpoint that accepts connections and never answers, until dropped: the way IMDS looks from a laptop on
/// some networks. The lookup must give up on its own short timeouts.
struct SilentServer {
    address: String,
    _held: std::sync::Arc<Mutex<Vec<TcpStream>>>,
}

impl SilentServer {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let address = format!("http://{}", listener.local_addr().expect("local address"));
        let held = std::sync::Arc::new(Mutex::new(Vec::new()));
        let keep = held.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                keep.lock().unwrap_or_else(|p| p.into_inner()).push(stream);
            }
        });
        SilentServer { address, _held: held }
    }
}

#[test]
fn a_metadata_endpoint_that_never_answers_does_not_hang_the_audit() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let env = NoCredentials::new();
    let imds = SilentServer::start();
    let out = run(env.audit(&moto, &imds.address, &[]));
    assert_credentials_error(&out);
    assert!(out.elapsed < Duration::from_secs(30), "gave up on IMDS only after {:?}", out.elapsed);
}

/// A metadata endpoint that refuses every request with HTTP 403, as IMDS does when it is turned off on an instance
/// (or a network blocks it). That is still "no credentials", and the error must say how to provide them.
fn start_forbidding_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let address = format!("http://{}", listener.local_addr().expect("local address"));
    thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buf = [0u8; 4096];
            let _ = std::io::Read::read(&mut stream, &mut buf);
            let body = "forbidden";
            let _ = write!(
                stream,
                "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    address
}

#[test]
fn a_metadata_endpoint_that_refuses_is_still_missing_credentials() {
    let (_guard, moto) = exclusive_moto(&LOCK);
    let env = NoCredentials::new();
    let imds = start_forbidding_server();
    let out = run(env.audit(&moto, &imds, &[]));
    assert_credentials_error(&out);
}
