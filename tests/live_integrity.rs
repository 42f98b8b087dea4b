//! Acceptance: `dopaudit validate-logs` on signed synthetic buckets in moto S3 (`scripts/test.sh`), one bucket per
//! case of the spec's tamper matrix (§8), in default mode (the AWS CLI's verdicts, line for line) and in strict mode
//! (what the CLI misses). Without moto these tests fail (they never skip).
//!
//! Each bucket holds 5 hourly digests × 2 logs ending 2026-11-25T00:00:00Z: d0 (19:00–20:00) … d4 (23:00–00:00).
//! Tampering hits the middle digest d2 or its first log. moto has no ListPublicKeys, so keys come from the
//! `--public-keys` file the fixture writes (ListPublicKeys itself is tested with aws-smithy-mocks).

mod common;

use std::sync::Mutex;

use common::*;
use dopaudit::integrity::fixtures::{Fixture, FixtureSpec, StoredObject};
use serde_json::Value;

static LOCK: Mutex<()> = Mutex::new(());

const ARN: &str = "arn:aws:cloudtrail:us-east-1:111122223333:trail/audit";
const START: &str = "2026-11-24T19:00:00Z";
const END: &str = "2026-11-25T00:00:00Z";

struct Case {
    fixture: Fixture,
    bucket: String,
    keys: tempfile::NamedTempFile,
}

impl Case {
    fn digest_key(&self, i: usize) -> String {
        let end = self.fixture.spec.end - chrono::Duration::hours((self.fixture.spec.hours - 1 - i) as i64);
        self.fixture.spec.digest_key(end)
    }

    fn log_key(&self, n: usize) -> String {
        log_key(&self.fixture, n)
    }

    fn digest_line(&self, i: usize, status: &str) -> String {
        format!("Digest file\ts3://{}/{}\t{status}", self.bucket, self.digest_key(i))
    }

    fn log_line(&self, n: usize, status: &str) -> String {
        format!("Log file\ts3://{}/{}\t{status}", self.bucket, self.log_key(n))
    }
}

/// The `n`th log key of the untampered chain (deleted logs and digests still have their names).
fn log_key(f: &Fixture, n: usize) -> String {
    f.digests
        .iter()
        .flatten()
        .flat_map(|d| d.json["logFiles"].as_array().cloned().unwrap_or_default())
        .map(|l| l["s3Object"].as_str().expect("s3Object").to_string())
        .nth(n)
        .expect("log index within the chain")
}

fn put_objects(endpoint: &str, bucket: &str, objects: Vec<StoredObject>) {
    block_on(async {
        let config = sdk_config(endpoint).await;
        let s3 = s3_client(&config, "us-east-1");
        if s3.head_bucket().bucket(bucket).send().await.is_err() {
            create_bucket(&config, "us-east-1", bucket).await;
        }
        for o in objects {
            let mut put = s3.put_object().bucket(bucket).key(&o.key).body(o.body.into());
            for (k, v) in &o.metadata {
                put = put.metadata(k, v);
            }
            put.send().await.unwrap_or_else(|e| panic!("put {}: {e:?}", o.key));
        }
    });
}

/// Builds the bucket of one tamper case in moto and writes its public keys file.
fn seed(endpoint: &str, case: &str) -> Case {
    let bucket = format!("trail-{case}");
    let end = chrono::DateTime::parse_from_rfc3339(END).expect("end").with_timezone(&chrono::Utc);
    let mut fixture = Fixture::build(FixtureSpec::small(&bucket, end));
    let untampered = fixture.clone();
    fixture.tamper(case);
    put_objects(endpoint, &bucket, fixture.objects().cloned().collect());
    let keys = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(keys.path(), &fixture.public_keys).expect("write keys");
    // Log keys are read from the untampered chain so a deleted digest still names its logs.
    Case { fixture: Fixture { digests: untampered.digests, ..fixture }, bucket, keys }
}

fn validate(endpoint: &str, case: &Case, extra: &[&str]) -> Run {
    let keys = case.keys.path().to_str().expect("utf-8 path").to_string();
    let mut args = vec![
        "validate-logs",
        "--trail-arn",
        ARN,
        "--start-time",
        START,
        "--end-time",
        END,
        "--s3-bucket",
        &case.bucket,
        "--public-keys",
        &keys,
    ];
    args.extend_from_slice(extra);
    run(dopaudit_live(endpoint, &args))
}

/// The stderr lines (blank lines dropped).
fn errors(run: &Run) -> Vec<&str> {
    run.stderr.lines().filter(|l| !l.is_empty()).collect()
}

/// The summary as the CLI prints it, after the startup line.
fn summary(found: Option<(&str, &str)>, ratios: &[&str]) -> String {
    let mut s = format!("Results requested for {START} to {END}\n");
    match found {
        Some((a, b)) => s.push_str(&format!("Results found for {a} to {b}:\n")),
        None => s.push_str("No valid digests found in range\n"),
    }
    for r in ratios {
        s.push_str(&format!("\n{r}"));
    }
    s.push('\n');
    s
}

fn startup() -> String {
    format!("Validating log files for trail {ARN} between {START} and {END}\n\n")
}

#[test]
fn default_mode_matches_the_aws_cli_verdicts() {
    let (_guard, endpoint) = exclusive_moto(&LOCK);
    let all = Some((START, END));
    // (case, expected stderr lines, found range, summary ratios, exit code)
    type Expect = (Vec<String>, Option<(&'static str, &'static str)>, Vec<&'static str>, i32);
    let expect = |c: &Case, case: &str| -> Expect {
        let sig_failed = vec![c.digest_line(2, "INVALID: signature verification failed")];
        let digest_4_of_5 = vec!["4/5 digest files valid, 1/5 digest files INVALID", "8/8 log files valid"];
        match case {
            "none" | "recompressed-log" | "digest-recompressed" | "digest-trailing-junk" | "previous-hash-wrong"
            | "previous-signature-wrong" | "account-id-wrong" | "window-not-contiguous" => {
                (vec![], all, vec!["5/5 digest files valid", "10/10 log files valid"], 0)
            }
            "modified-log" | "deleted-log" | "appended-gzip-member" | "uncompressed-log" => {
                let status = match case {
                    "modified-log" => "INVALID: hash value doesn't match",
                    "deleted-log" => "INVALID: not found",
                    "appended-gzip-member" => "INVALID: unexpected data after end of compressed stream",
                    _ => "INVALID: invalid format",
                };
                let ratios = vec!["5/5 digest files valid", "9/10 log files valid, 1/10 log files INVALID"];
                (vec![c.log_line(4, status)], all, ratios, 1)
            }
            "digest-modified" | "digest-reindented" | "signature-changed" | "signature-removed"
            | "signature-of-other-digest" => (sig_failed, all, digest_4_of_5, 1),
            "middle-digest-deleted" => (vec![c.digest_line(2, "INVALID: not found")], all, digest_4_of_5, 1),
            "two-digests-deleted" => (
                vec![c.digest_line(2, "INVALID: not found")],
                all,
                vec!["3/4 digest files valid, 1/4 digest files INVALID", "6/6 log files valid"],
                1,
            ),
            "newest-digest-deleted" => {
                (vec![], Some((START, "2026-11-24T23:00:00Z")), vec!["4/4 digest files valid", "8/8 log files valid"], 0)
            }
            "fingerprint-changed" => (
                vec![c.digest_line(
                    2,
                    "INVALID: public key not found in region us-east-1 for fingerprint 0123456789abcdef0123456789abcdef",
                )],
                all,
                digest_4_of_5,
                1,
            ),
            "key-garbage" => {
                let fp = dopaudit::integrity::fingerprint(&dopaudit::integrity::fixtures::public_key_der());
                let lines = (0..5)
                    .rev()
                    .map(|i| c.digest_line(i, &format!("INVALID: Unable to load PKCS #1 key with fingerprint {fp}")))
                    .collect();
                (lines, None, vec!["0/5 digest files valid, 5/5 digest files INVALID"], 1)
            }
            "digests-swapped" => (
                vec![
                    c.digest_line(2, "INVALID: has been moved from its original location"),
                    c.digest_line(1, "INVALID: has been moved from its original location"),
                ],
                all,
                vec!["3/5 digest files valid, 2/5 digest files INVALID", "6/6 log files valid"],
                1,
            ),
            "chain-restarted" => (
                vec!["No log files were delivered by CloudTrail between 2026-11-24T21:00:00Z and 2026-11-24T21:00:00Z"
                    .to_string()],
                all,
                vec!["5/5 digest files valid", "10/10 log files valid"],
                0,
            ),
            other => panic!("no expectation for {other}"),
        }
    };
    let mut failures = Vec::new();
    for case in dopaudit::integrity::fixtures::TAMPER_CASES.iter().filter(|c| **c != "no-public-keys") {
        let c = seed(&endpoint, case);
        let run = validate(&endpoint, &c, &[]);
        let (lines, found, ratios, code) = expect(&c, case);
        let want_stdout = startup() + &summary(found, &ratios);
        let got = errors(&run);
        if run.code != code || got != lines || run.stdout != want_stdout {
            failures.push(format!(
                "{case}: exit {} (want {code})\nstderr {got:#?}\nwant   {lines:#?}\nstdout {}\nwant   {want_stdout}",
                run.code, run.stdout
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn verbose_lines_and_blank_lines_follow_the_cli() {
    let (_guard, endpoint) = exclusive_moto(&LOCK);
    let c = seed(&endpoint, "modified-log");
    let run = validate(&endpoint, &c, &["--verbose"]);
    run.expect_code(1);
    // Valid lines go to stdout in walk order: each digest, newest first, then its logs; d2's first log is on stderr.
    let mut want = startup();
    for i in (0..5).rev() {
        want += &(c.digest_line(i, "valid") + "\n");
        for n in c.fixture.logs_of(i) {
            if n != 4 {
                want += &(c.log_line(n, "valid") + "\n");
            }
        }
    }
    // The last line was a valid one on stdout, so the CLI separates the summary with a blank line.
    want += "\n";
    want += &summary(Some((START, END)), &["5/5 digest files valid", "9/10 log files valid, 1/10 log files INVALID"]);
    // After a valid line on stdout, the CLI opens an error with a blank line: "\n<line>\n\n".
    assert_eq!(run.stderr, format!("\n{}\n\n", c.log_line(4, "INVALID: hash value doesn't match")));
    assert_eq!(run.stdout, want);
}

#[test]
fn strict_mode_reports_what_the_cli_misses() {
    let (_guard, endpoint) = exclusive_moto(&LOCK);
    // (case, a fragment of each expected strict line, exit code)
    let cases: [(&str, &[&str]); 7] = [
        ("none", &[]),
        ("previous-hash-wrong", &["previousDigestHashValue does not match the previous digest's SHA-256 (strict)"]),
        (
            "previous-signature-wrong",
            &["previousDigestSignature does not match the previous digest's signature (strict)"],
        ),
        ("account-id-wrong", &["awsAccountId 999999999999 is not the account validated (111122223333) (strict)"]),
        (
            "window-not-contiguous",
            &["window not contiguous: starts 2026-11-24T21:20:00Z but the previous digest ends 2026-11-24T21:00:00Z"],
        ),
        ("newest-digest-deleted", &["no digest for the hour ending about 2026-11-25T00:00Z (newest digest deleted"]),
        ("two-digests-deleted", &["no digest for the hour ending about 2026-11-24T21:00Z (consecutive deletion, 2"]),
    ];
    for (case, fragments) in cases {
        let c = seed(&endpoint, case);
        let run = validate(&endpoint, &c, &["--strict"]);
        let strict: Vec<&str> = errors(&run).into_iter().filter(|l| l.contains("(strict)")).collect();
        assert_eq!(strict.len(), fragments.len(), "{case}: {strict:#?}\nstdout: {}", run.stdout);
        for (line, fragment) in strict.iter().zip(fragments.iter()) {
            assert!(line.contains(fragment), "{case}: {line}\nwant …{fragment}…");
        }
        run.expect_code(if fragments.is_empty() { 0 } else { 1 });
    }
    // A faulted digest is counted INVALID instead of valid; its logs are still verified.
    let c = seed(&endpoint, "previous-hash-wrong");
    let run = validate(&endpoint, &c, &["--strict", "--format", "json"]);
    let report = run.expect_code(1).json();
    assert_eq!(report["counts"]["digests_valid"], 4);
    assert_eq!(report["counts"]["digests_invalid"], 1);
    assert_eq!(report["counts"]["logs_valid"], 10);
    let line = report["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["strict"] == Value::Bool(true))
        .expect("a strict line");
    assert_eq!(line["key"], c.digest_key(2));
}

/// validate-logs only reads, and each of its calls is an action `dopaudit iam-policy` grants.
#[test]
fn validation_only_reads_what_the_iam_policy_grants() {
    let (_guard, endpoint) = exclusive_moto(&LOCK);
    let c = seed(&endpoint, "two-digests-deleted");
    let report = validate(&endpoint, &c, &["--strict", "--format", "json"]).expect_code(1).json();
    let policy = iam_policy(&[]);
    let statements = policy["Statement"].as_array().expect("Statement array");
    let declared: Vec<&str> =
        statements.iter().filter_map(|s| s["Action"].as_array()).flatten().filter_map(Value::as_str).collect();
    let calls = report["calls"].as_array().expect("calls");
    let operations: Vec<String> =
        calls.iter().map(|c| format!("{}:{}", text(c, "service"), text(c, "operation"))).collect();
    // The listing, the digests (a deleted one asked for once) and logs, and GetTrailStatus for strict mode.
    for expected in ["s3:ListObjectsV2", "s3:GetObject", "s3:GetBucketLocation", "cloudtrail:GetTrailStatus"] {
        assert!(operations.iter().any(|o| o == expected), "{expected} not called: {operations:?}");
    }
    for c in calls {
        let (service, operation) = (text(c, "service"), text(c, "operation"));
        assert!(
            ["List", "Get", "Describe"].iter().any(|verb| operation.starts_with(verb)),
            "{service}:{operation} is not a read"
        );
        let action = dopaudit::aws::recorder::iam_action(service, operation);
        assert!(declared.contains(&action.as_str()), "{action} is not granted by `dopaudit iam-policy`");
    }
    // Every object is fetched once: 3 digests, the deleted one tried once, and the 6 logs of the 3 valid digests.
    let gets = calls.iter().find(|c| c["operation"] == "GetObject").expect("GetObject");
    assert_eq!(gets["calls"], 3 + 1 + 6, "{gets}");
}

#[test]
fn fatal_and_empty_cases_exit_as_the_cli() {
    let (_guard, endpoint) = exclusive_moto(&LOCK);
    let c = seed(&endpoint, "no-public-keys");
    let run = validate(&endpoint, &c, &[]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("No public keys found between 2026-11-24T19:00:00Z and 2026-11-25T02:00:00Z"),
        "{}",
        run.stderr
    );

    // A region (or prefix) that holds no digests: nothing to say, exit 0, as the CLI; strict mode objects.
    let c = seed(&endpoint, "none");
    for extra in [&["--region", "us-west-2"][..], &["--s3-prefix", "elsewhere"][..]] {
        let run = validate(&endpoint, &c, extra);
        run.expect_code(0);
        assert_eq!(run.stdout, startup() + &format!("Results requested for {START} to {END}\nNo digests found\n"));
        assert_eq!(run.stderr, "");
    }
    let run = validate(&endpoint, &c, &["--region", "us-west-2", "--strict"]);
    run.expect_code(1);
    assert_eq!(errors(&run).len(), 5, "one line per missing hour: {}", run.stderr);

    // Bad input: exit 2 with the input named, before any AWS call.
    for (args, message) in [
        (&["--start-time", "yesterday"][..], "--start-time: Unable to parse date value: yesterday"),
        (&["--start-time", "2026-11-26T00:00:00Z"][..], "Invalid time range specified"),
        (&["--account-id", "12"][..], "--account-id: '12' is not a 12-digit AWS account id"),
    ] {
        let mut all = vec!["validate-logs", "--trail-arn", ARN, "--end-time", END];
        all.extend_from_slice(args);
        let run = common::run(dopaudit_live(&endpoint, &all));
        run.expect_code(2);
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
    }
    let run = common::run(dopaudit_live(&endpoint, &["validate-logs", "--trail-arn", "arn:aws:s3:::bucket"]));
    run.expect_code(2);
    assert!(run.stderr.contains("Invalid trail ARN provided: arn:aws:s3:::bucket"), "{}", run.stderr);
    let bad_keys = tempfile::NamedTempFile::new().expect("temp");
    std::fs::write(bad_keys.path(), "{not json").expect("write");
    let path = bad_keys.path().to_str().expect("utf-8").to_string();
    let run = common::run(dopaudit_live(&endpoint, &["validate-logs", "--trail-arn", ARN, "--public-keys", &path]));
    run.expect_code(2);
    assert!(run.stderr.contains(&format!("--public-keys {path}: invalid ListPublicKeys output")), "{}", run.stderr);
}

/// An organization trail, multi-region: found through DescribeTrails (no `--s3-bucket`), its digests under the
/// organization id, and every source region that holds digests is walked.
#[test]
fn organization_trail_in_every_region_through_describe_trails() {
    let (_guard, endpoint) = exclusive_moto(&LOCK);
    let bucket = "org-trail-logs";
    let (org_id, member) = block_on(async {
        let config = sdk_config(&endpoint).await;
        let (org_id, members) = create_organization(&config, &["member"]).await;
        create_bucket(&config, "us-east-1", bucket).await;
        create_org_trail(&config, "org-audit", bucket).await;
        (org_id, members[0].clone())
    });
    let end = chrono::DateTime::parse_from_rfc3339(END).expect("end").with_timezone(&chrono::Utc);
    let mut keys_file = String::new();
    for region in ["us-east-1", "eu-west-1"] {
        let fixture = Fixture::build(FixtureSpec {
            account: member.clone(),
            region: region.into(),
            home_region: Some("us-east-1".into()),
            trail: "org-audit".into(),
            org_id: Some(org_id.clone()),
            ..FixtureSpec::small(bucket, end)
        });
        put_objects(&endpoint, bucket, fixture.objects().cloned().collect());
        keys_file = fixture.public_keys.clone();
    }
    let keys = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(keys.path(), keys_file).expect("write keys");
    let keys = keys.path().to_str().expect("utf-8").to_string();
    let arn = format!("arn:aws:cloudtrail:us-east-1:{MOTO_ACCOUNT}:trail/org-audit");
    let base = ["validate-logs", "--trail-arn", &arn, "--start-time", START, "--end-time", END, "--public-keys", &keys];

    let run_for = |extra: &[&str]| run(dopaudit_live(&endpoint, &[&base[..], extra].concat()));
    let missing = run_for(&[]);
    missing.expect_code(2);
    assert!(
        missing.stderr.contains("Missing required parameter for organization trail: '--account-id'"),
        "{}",
        missing.stderr
    );

    let all = run_for(&["--account-id", &member, "--verbose"]);
    all.expect_code(0);
    assert!(all.stdout.contains("\n10/10 digest files valid\n20/20 log files valid\n"), "{}", all.stdout);
    assert!(all.stdout.ends_with("Regions validated: us-east-1, eu-west-1\n"), "{}", all.stdout);
    let digest_prefix = format!("Digest file\ts3://{bucket}/AWSLogs/{org_id}/{member}/CloudTrail-Digest/eu-west-1/");
    assert_eq!(all.stdout.matches(&digest_prefix).count(), 5, "{}", all.stdout);

    let one = run_for(&["--account-id", &member, "--region", "eu-west-1"]);
    one.expect_code(0);
    assert!(one.stdout.contains("\n5/5 digest files valid\n10/10 log files valid\n"), "{}", one.stdout);
    assert!(!one.stdout.contains("Regions validated"), "{}", one.stdout);
}
