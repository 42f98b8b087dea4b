//! Command-line definitions (clap derive). Parsing only: `run` in `lib.rs` carries the commands out.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::notes::Severity;
use crate::report::catalogue_view::ListFormat;
use crate::report::style::ColorChoice;
use crate::report::Format;

const AFTER_HELP: &str = "\
Examples:
  dopaudit audit --profile sandbox          audit an account, in every enabled region
  dopaudit audit --org --regions us-east-1,eu-west-1   every account of the organization
  dopaudit collect -o snap.json && dopaudit audit --snapshot snap.json
  dopaudit iam-policy --org                 the least-privilege policy the audit needs
  dopaudit audit --demo                     audit the built-in demo organization
  dopaudit audit --demo --explain           ... and read the study note under each failure
  dopaudit audit --snapshot snap.json --format json --output report.json
  dopaudit notes --section 21               the study notes on CloudTrail
  dopaudit explain cloudtrail.log-integrity one note, and the checks that look for it
  dopaudit domains --demo                   exam domains, with the demo's pass rate in each

Exit codes: 0 no failing finding at or above --fail-on; 1 at least one; 2 the command could not run.";

/// Audit AWS accounts against the DevOps Engineer – Professional (DOP-C02) study notes.
///
/// Every finding names the study note that explains it. It reads an account live (only List, Describe and
/// Get calls), a snapshot saved earlier, or the built-in demo organization.
#[derive(Debug, Parser)]
#[command(name = "dopaudit", version, after_help = AFTER_HELP, max_term_width = 110)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to colour output. NO_COLOR in the environment always turns colour off.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate every check and print the findings, grouped by exam domain.
    Audit(AuditArgs),
    /// Read the account(s) and save a snapshot to evaluate later or elsewhere (`audit --snapshot`).
    Collect(CollectArgs),
    /// Print the least-privilege IAM policy (JSON) that a live audit needs.
    IamPolicy(IamPolicyArgs),
    /// List the checks: id, severity, exam domains, and the notes each one cites.
    Checks(ChecksArgs),
    /// List the study notes, filtered by exam domain, study section or key topic.
    Notes(NotesArgs),
    /// Show one check or note in full: text, linked notes or checks, AWS calls, how to fix.
    Explain(ExplainArgs),
    /// The six exam domains with their weights and coverage; with a snapshot, the pass rate in each.
    Domains(DomainsArgs),
    /// Service control policies: what they leave allowed in each account, and why.
    #[command(subcommand)]
    Scp(ScpCommand),
    /// Join the JSON reports of shards (one CI job per OU or account list) into one report, in any format.
    Merge(MergeArgs),
    /// Verify a trail's CloudTrail log files against its signed digest files, like `aws cloudtrail validate-logs`
    /// (same lines, summary and exit codes), concurrently, with `--strict` for what the AWS CLI misses.
    #[command(after_help = VALIDATE_AFTER_HELP)]
    ValidateLogs(ValidateLogsArgs),
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The reports to join (`dopaudit audit --format json` or `-o shard.json`).
    #[arg(value_name = "REPORT.json", required = true)]
    pub reports: Vec<PathBuf>,

    /// Write the merged report to FILE, in the format of its extension (.json, .sarif, .xml, .csv, .md, .html,
    /// .txt). Repeatable.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Vec<PathBuf>,

    /// Format printed on standard output (nothing when only files are written).
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,
}

const VALIDATE_AFTER_HELP: &str = "\
What is checked (the AWS CLI's checks, in its order and with its verdict texts):
  digest files   gzip + JSON, `signature` metadata, required keys, stored where it says it was written, public key
                 known (ListPublicKeys, or --public-keys), RSA-SHA256 signature over the digest's exact bytes;
                 the chain is walked from the newest digest through previousDigestS3Object.
  log files      of every valid digest: one gzip member (trailing data is INVALID), SHA-256 of the
                 decompressed bytes equal to the digest's hashValue.
--strict adds: previousDigestHashValue and previousDigestSignature against the previous digest, newest digests
  deleted (compared with GetTrailStatus' LatestDigestDeliveryTime, or the hourly cadence), every digest of a run
  of consecutive deletions, awsAccountId, algorithm names, and contiguous hourly windows.

Exit codes: 0 all valid; 1 something INVALID; 2 could not run (bad flags, no public keys, access denied).
Permissions: cloudtrail:DescribeTrails, cloudtrail:ListPublicKeys, cloudtrail:GetTrailStatus (--strict),
  s3:GetBucketLocation, s3:ListBucket, s3:GetObject; organizations:DescribeOrganization for organization trails.

Examples:
  dopaudit validate-logs --trail-arn arn:aws:cloudtrail:us-east-1:111122223333:trail/audit
  dopaudit validate-logs --trail-arn ARN --start-time 2026-11-01T00:00:00Z --end-time 2026-11-02T00:00:00Z --strict
  aws cloudtrail list-public-keys > keys.json   # once, where AWS is reachable
  dopaudit validate-logs --trail-arn ARN --public-keys keys.json --format json > result.json";

/// The output of `validate-logs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    /// The AWS CLI's lines: valid ones on stdout with --verbose, INVALID ones on stderr, then the summary.
    Text,
    /// One JSON document: every line, the counts, the regions and notes.
    Json,
}

#[derive(Debug, Args)]
pub struct ValidateLogsArgs {
    /// The trail: arn:aws:cloudtrail:<home-region>:<account>:trail/<name>.
    #[arg(long, value_name = "ARN")]
    pub trail_arn: String,

    /// Validate log files delivered at or after this UTC time (2026-11-25T00:00:00Z, 2026-11-25, or an age such
    /// as 24h or 7d before the end) [default: 24h].
    #[arg(long, value_name = "TIME")]
    pub start_time: Option<String>,

    /// ... and at or before this UTC time [default: now].
    #[arg(long, value_name = "TIME")]
    pub end_time: Option<String>,

    /// The bucket holding the digests, if not the trail's current bucket (DescribeTrails is then not called).
    #[arg(long, value_name = "BUCKET")]
    pub s3_bucket: Option<String>,

    /// The key prefix of the digests, if not the trail's current prefix.
    #[arg(long, value_name = "PREFIX")]
    pub s3_prefix: Option<String>,

    /// The member account to validate, for an organization trail [default: the trail's account].
    #[arg(long, value_name = "ID")]
    pub account_id: Option<String>,

    /// Validate only the digests delivered by these regions (comma-separated) [default: the home region, or
    /// every region with digests for a multi-region trail].
    #[arg(long, value_name = "REGIONS", value_delimiter = ',')]
    pub region: Vec<String>,

    /// Read the public keys from this file (the JSON of `aws cloudtrail list-public-keys`) instead of calling
    /// ListPublicKeys, e.g. to verify away from AWS. PKCS#1 and SubjectPublicKeyInfo keys are both accepted.
    #[arg(long, value_name = "FILE")]
    pub public_keys: Option<PathBuf>,

    /// Also check what the AWS CLI does not (see below); anything found is INVALID and counted.
    #[arg(long)]
    pub strict: bool,

    /// Also print the valid digest and log files.
    #[arg(long)]
    pub verbose: bool,

    #[arg(long, value_enum, default_value_t = ValidateFormat::Text)]
    pub format: ValidateFormat,

    /// How many S3 objects may be fetched at once.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..=512))]
    pub concurrency: u16,

    /// A profile from the shared config files [default: AWS_PROFILE, then default].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Send every call to this endpoint, e.g. an emulator (AWS_ENDPOINT_URL works too).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Attempts per call, the first included.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,

    /// Seconds one HTTP attempt may take (until the response starts; log bodies stream for as long as they need).
    #[arg(long, value_name = "SECONDS", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
}

/// A UTC time for `validate-logs`: RFC 3339 (`Z` or an offset), the same without a zone (UTC), a date, the
/// compact `20261125T000000Z`, or an age (`24h`, `7d`) before `reference`.
pub fn parse_time(s: &str, reference: chrono::DateTime<chrono::Utc>) -> Result<chrono::DateTime<chrono::Utc>, String> {
    use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
    let t = s.trim();
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y%m%dT%H%M%SZ", "%Y%m%dT%H:%M:%SZ", "%Y-%m-%dT%H:%MZ"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t.trim_end_matches('Z'), format.trim_end_matches('Z')) {
            return Ok(Utc.from_utc_datetime(&n));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight")));
    }
    if t.ends_with(|c: char| c.is_ascii_alphabetic()) {
        if let Ok(age) = parse_duration(t) {
            let age = chrono::Duration::from_std(age).map_err(|_| format!("Unable to parse date value: {s}"))?;
            return reference.checked_sub_signed(age).ok_or_else(|| format!("Unable to parse date value: {s}"));
        }
    }
    Err(format!("Unable to parse date value: {s} (use 2026-11-25T00:00:00Z, 2026-11-25, or an age like 24h)"))
}

/// `--context KEY=VALUE`: a condition key (`service:Name`, optionally with a `/tag-key`) and one value.
fn parse_context_pair(s: &str) -> Result<(String, String), String> {
    let (key, value) = s.split_once('=').ok_or_else(|| format!("'{s}' is not KEY=VALUE"))?;
    let valid_key = key.split_once(':').is_some_and(|(svc, name)| !svc.is_empty() && !name.is_empty());
    if !valid_key {
        return Err(format!("'{key}' is not a condition key like aws:RequestedRegion"));
    }
    Ok((key.to_string(), value.to_string()))
}

#[derive(Debug, Subcommand)]
pub enum ScpCommand {
    /// Decide as AWS does whether an action is allowed in a member account, and which policy at which level
    /// (root, OU, account) decides it. Statements with conditions make the answer `conditional`.
    Simulate(SimulateArgs),
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The member account (12 digits).
    #[arg(long, value_name = "ID")]
    pub account: String,

    /// The action, as in IAM: service:Action (e.g. cloudtrail:StopLogging).
    #[arg(long, value_name = "SERVICE:ACTION")]
    pub action: String,

    /// The resource ARN; without it, statements limited to some resources make the answer conditional.
    #[arg(long, value_name = "ARN")]
    pub resource: Option<String>,

    /// A request-context key the answer may assume, e.g. `aws:RequestedRegion=eu-west-1` or
    /// `aws:PrincipalArn=arn:aws:iam::111122223333:role/Admin`; repeat for more keys or values. Conditions on
    /// keys given (and on the account, organization and OU path, always known) are settled; conditions on any
    /// other key make the answer `conditional`.
    #[arg(long = "context", value_name = "KEY=VALUE", value_parser = parse_context_pair)]
    pub context: Vec<(String, String)>,

    #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,

    #[command(flatten)]
    pub source: SourceArgs,

    #[command(flatten)]
    pub aws: AwsArgs,
}

/// How to reach AWS, which accounts and which regions.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "AWS")]
pub struct AwsArgs {
    /// A profile from the shared config files; SSO and assume-role profiles work [default: AWS_PROFILE, then default].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// The region for global calls (STS, Organizations) [default: AWS_REGION, then the profile's].
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Send every call to this endpoint, e.g. an emulator (AWS_ENDPOINT_URL works too).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Regions to audit: a comma-separated list, or `all` [default: the regions enabled in the account].
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub regions: Vec<String>,

    /// Audit every account of the organization: run it from the management or a delegated administrator
    /// account; each member is entered by assuming --role-name.
    #[arg(long)]
    pub org: bool,

    /// The role to assume in each member account.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_ROLE_NAME)]
    pub role_name: String,

    /// The external id the member roles require, if any.
    #[arg(long, value_name = "ID", requires = "org")]
    pub external_id: Option<String>,

    /// Only these member accounts (comma-separated ids).
    #[arg(long, value_name = "IDS", value_delimiter = ',', requires = "org")]
    pub accounts: Vec<String>,

    /// Only the accounts under these OUs or roots, recursively (comma-separated ids: ou-…, r-…).
    #[arg(long, value_name = "IDS", value_delimiter = ',', requires = "org")]
    pub ou: Vec<String>,

    /// Only the checks about these services, by IAM prefix, comma-separated (e.g. cloudtrail,config,organizations,
    /// cloudformation; `dopaudit checks` shows each check's service). A live collection then reads only what those
    /// checks look at. [default: every service]
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub services: Vec<String>,

    /// How many AWS calls may be in flight at once, across all accounts and regions.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=512))]
    pub concurrency: u16,

    /// Attempts per call, the first included; throttling and server errors are retried with exponential back-off.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,

    /// Seconds one HTTP attempt may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,

    /// Start CloudFormation drift detection on every stack and wait for the results (calls
    /// cloudformation:DetectStackDrift, which starts server-side work; otherwise only the stored status is read).
    #[arg(long)]
    pub detect_drift: bool,

    /// How long to wait for drift detection before reporting the stack `unknown` (e.g. 15m, 900s).
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = parse_duration)]
    pub drift_timeout: std::time::Duration,

    /// Verify each trail's CloudTrail digests and log files delivered this far back (strict `validate-logs`, which
    /// reads every log file of the window from S3); 0 turns it off.
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = parse_duration)]
    pub integrity_window: std::time::Duration,

    /// Let IAM generate a credential report when there is none from the last 4 hours (calls
    /// iam:GenerateCredentialReport, which starts server-side work; otherwise only an existing report is read, and
    /// the checks that need one say `unknown` when there is none).
    #[arg(long)]
    pub credential_report: bool,
}

/// The role `--org` assumes unless told otherwise.
pub const DEFAULT_ROLE_NAME: &str = "OrganizationAccountAccessRole";

/// `--integrity-window`'s default.
pub const DEFAULT_INTEGRITY_WINDOW: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Where the configuration to evaluate comes from.
#[derive(Debug, Args, Clone)]
pub struct SourceArgs {
    /// Use the built-in demo: a sandbox organization of three accounts in two regions.
    #[arg(long, conflicts_with = "snapshot")]
    pub demo: bool,

    /// Evaluate a snapshot file saved earlier (`dopaudit collect -o FILE`).
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub source: SourceArgs,

    #[command(flatten)]
    pub aws: AwsArgs,

    /// Format printed on standard output.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Also write the report to FILE, in the format of its extension (.json, .txt, .sarif, .xml for JUnit, .csv, .md, .html). Repeatable.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Vec<PathBuf>,

    /// Exit 1 when a finding fails at this severity or above [default: low, or `fail_on` in dopaudit.toml].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,

    /// Count `unknown` findings (data that could not be read) as failures too.
    #[arg(long)]
    pub strict: bool,

    /// The configuration file: suppressions (with a reason and an expiry date), severity overrides and default
    /// flags [default: ./dopaudit.toml when it exists].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// A JSON report of an earlier run: each finding is marked new or existing, and the fixed ones are listed.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Exit 1 only for new findings (those --baseline does not have).
    #[arg(long, requires = "baseline")]
    pub fail_on_new: bool,

    /// Print the study notes and the fix under each failing finding (table format).
    #[arg(long)]
    pub explain: bool,

    /// A stack whose drift was last checked longer ago than this (before the snapshot) is reported stale.
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = parse_duration)]
    pub drift_max_age: std::time::Duration,

    /// Print nothing on standard output and no progress bar (files named by --output are still written).
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    #[command(flatten)]
    pub aws: AwsArgs,

    /// Where to write the snapshot (JSON); `-` for standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,

    /// No progress bar and no summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct IamPolicyArgs {
    /// Also allow entering member accounts (sts:AssumeRole on --role-name), for `audit --org`.
    #[arg(long)]
    pub org: bool,

    /// Also allow starting CloudFormation drift detection, for `--detect-drift`.
    #[arg(long)]
    pub detect_drift: bool,

    /// Also allow generating the IAM credential report, for `--credential-report`.
    #[arg(long)]
    pub credential_report: bool,

    /// The member-account role `--org` assumes.
    #[arg(long, value_name = "NAME", default_value = "OrganizationAccountAccessRole")]
    pub role_name: String,
}

#[derive(Debug, Args)]
pub struct ChecksArgs {
    #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,

    /// Only checks in this exam domain (1-6).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=6))]
    pub domain: Option<u8>,
}

#[derive(Debug, Args)]
pub struct NotesArgs {
    #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,

    /// Only notes in this exam domain (1-6).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=6))]
    pub domain: Option<u8>,

    /// Only notes of this study section, by number (1-38) or name (e.g. cloudtrail).
    #[arg(long, value_name = "N|NAME")]
    pub section: Option<String>,

    /// Only notes on this key topic (see `dopaudit domains --topics`).
    #[arg(long, value_name = "TOPIC")]
    pub topic: Option<String>,

    /// Print each note's full text instead of a table.
    #[arg(long)]
    pub text: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A check id (cloudtrail-log-file-validation) or a note id (cloudtrail.log-integrity).
    pub id: String,

    #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,

    /// Also show what an account shows for it: --demo, --snapshot FILE, or --live (with the AWS flags) — the observed
    /// configuration the related checks looked at, their results, and how to change the configuration.
    #[command(flatten)]
    pub source: SourceArgs,

    /// Read the account live for the learning view (the AWS flags below apply).
    #[arg(long, conflicts_with_all = ["demo", "snapshot"])]
    pub live: bool,

    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Args)]
pub struct DomainsArgs {
    #[command(flatten)]
    pub source: SourceArgs,

    #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,

    /// List the twelve key technical topics instead.
    #[arg(long)]
    pub topics: bool,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

/// A duration like `90s`, `15m`, `24h` or `7d` (a bare number is seconds).
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: u64 = number.parse().map_err(|e: std::num::ParseIntError| match e.kind() {
        std::num::IntErrorKind::PosOverflow => format!("'{s}' is too long a duration"),
        _ => format!("'{s}' is not a duration like 90s, 15m, 24h or 7d"),
    })?;
    let unit_seconds = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("'{s}': unknown unit '{unit}' (use s, m, h or d)")),
    };
    let seconds = n.checked_mul(unit_seconds).ok_or_else(|| format!("'{s}' is too long a duration"))?;
    Ok(std::time::Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z").unwrap().with_timezone(&chrono::Utc);
        for (text, want) in [
            ("2026-11-25T01:02:03Z", "2026-11-25T01:02:03+00:00"),
            ("2026-11-25T01:02:03+01:00", "2026-11-25T00:02:03+00:00"),
            ("2026-11-25T01:02:03", "2026-11-25T01:02:03+00:00"),
            ("20261125T010203Z", "2026-11-25T01:02:03+00:00"),
            ("20160129T19:00:00Z", "2016-01-29T19:00:00+00:00"),
            ("2026-11-25", "2026-11-25T00:00:00+00:00"),
            ("24h", "2026-11-25T12:00:00+00:00"),
            ("7d", "2026-11-19T12:00:00+00:00"),
        ] {
            assert_eq!(parse_time(text, now).unwrap().to_rfc3339(), want, "{text}");
        }
        for bad in ["yesterday", "2026-13-01", "12", "100000000d"] {
            assert!(parse_time(bad, now).unwrap_err().starts_with("Unable to parse date value"), "{bad}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("7d").unwrap().as_secs(), 7 * 86_400);
        assert_eq!(parse_duration("15m").unwrap().as_secs(), 900);
        assert_eq!(parse_duration("42").unwrap().as_secs(), 42);
        assert!(parse_duration("7w").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("soon").is_err());
        // Too large for u64 seconds, once as a number and once after the unit: an error, never a panic.
        assert_eq!(
            parse_duration("18446744073709551616s").unwrap_err(),
            "'18446744073709551616s' is too long a duration"
        );
        assert_eq!(parse_duration("999999999999999999d").unwrap_err(), "'999999999999999999d' is too long a duration");
    }
}
