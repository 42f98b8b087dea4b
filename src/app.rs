//! Carries out a parsed command: loads the catalogue and the snapshot, evaluates, renders.
//!
//! This is the wiring between the layers, and the only place that decides where output goes. It returns
//! the audit's verdict; `main.rs` turns that (or an error) into the exit code.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::Utc;

use std::time::Duration;

use crate::aws::AwsOptions;
use crate::checks;
use crate::cli::{
    AuditArgs, AwsArgs, ChecksArgs, Cli, CollectArgs, Command, DomainsArgs, ExplainArgs, IamPolicyArgs, MergeArgs,
    NotesArgs, ScpCommand, SimulateArgs, SourceArgs, ValidateFormat, ValidateLogsArgs,
};
use crate::collect::{self, CollectOptions, OrgOptions, RegionChoice};
use crate::config::Config;
use crate::error::Error;
use crate::notes::Severity;
use crate::notes::{self as catalogue, Catalogue};
use crate::report::catalogue_view as view;
use crate::report::style::want_color;
use crate::report::{decide_where, render, Format, RenderOptions, Report, Source, Verdict};
use crate::snapshot::Snapshot;

/// Where a command writes: its output, and its notes for the person at the terminal.
pub struct Streams<'a> {
    pub stdout: &'a mut dyn Write,
    pub stdout_is_terminal: bool,
    pub stderr: &'a mut dyn Write,
    pub stderr_is_terminal: bool,
}

/// Runs one command.
pub fn run(cli: &Cli, streams: &mut Streams<'_>) -> Result<Verdict, Error> {
    let catalogue = Catalogue::embedded()?;
    let color = want_color(cli.color, streams.stdout_is_terminal);
    let stdout = &mut *streams.stdout;
    match &cli.command {
        Command::Audit(args) => audit(catalogue, args, color, stdout, streams.stderr, streams.stderr_is_terminal),
        Command::Collect(args) => collect_cmd(catalogue, args, stdout, streams.stderr, streams.stderr_is_terminal),
        Command::IamPolicy(args) => iam_policy(catalogue, args, stdout),
        Command::Checks(args) => checks_cmd(catalogue, args, color, stdout),
        Command::Notes(args) => notes_cmd(catalogue, args, stdout),
        Command::Explain(args) => explain(catalogue, args, stdout, streams.stderr, streams.stderr_is_terminal),
        Command::Domains(args) => domains(catalogue, args, stdout),
        Command::Scp(ScpCommand::Simulate(args)) => scp_simulate(catalogue, args, stdout, streams.stderr),
        Command::Merge(args) => merge_cmd(catalogue, args, stdout, streams.stderr),
        Command::ValidateLogs(args) => validate_logs(args, stdout, streams.stderr, streams.stderr_is_terminal),
    }
}

fn out_err(e: std::io::Error) -> Error {
    Error::Stdout(e)
}

/// Loads the snapshot the flags name, or `None` when they name none.
fn load_source(source: &SourceArgs) -> Result<Option<(Snapshot, Source)>, Error> {
    if source.demo {
        return Ok(Some((Snapshot::demo()?, Source::Demo)));
    }
    match &source.snapshot {
        Some(path) => Ok(Some((Snapshot::load(path)?, Source::Snapshot(path.display().to_string())))),
        None => Ok(None),
    }
}

/// Evaluates a snapshot into a report.
pub fn build_report(catalogue: &Catalogue, snapshot: &Snapshot, source: &Source) -> Report {
    let findings = checks::evaluate_with(snapshot, catalogue, checks::EvalOptions::default());
    Report::generate(catalogue, snapshot, source, findings, Utc::now())
}

/// The collection options the AWS flags describe, checked.
fn collect_options(catalogue: &Catalogue, aws: &AwsArgs, progress: bool) -> Result<CollectOptions, Error> {
    for id in &aws.accounts {
        if id.len() != 12 || !id.chars().all(|c| c.is_ascii_digit()) {
            return Err(Error::Usage(format!("--accounts: '{id}' is not a 12-digit AWS account id")));
        }
    }
    for ou in &aws.ou {
        if !(ou.starts_with("ou-") || ou.starts_with("r-")) {
            return Err(Error::Usage(format!("--ou: '{ou}' is not an OU (ou-…) or root (r-…) id")));
        }
    }
    let regions = match aws.regions.as_slice() {
        [] => RegionChoice::Enabled,
        [all] if all.eq_ignore_ascii_case("all") => RegionChoice::All,
        list => {
            for r in list {
                let ok = r.split('-').count() >= 3
                    && r.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if !ok || r == "all" {
                    return Err(Error::Usage(format!(
                        "--regions: '{r}' is not a region name like us-east-1 (or give `all` alone)"
                    )));
                }
            }
            RegionChoice::Only(list.to_vec())
        }
    };
    Ok(CollectOptions {
        aws: AwsOptions {
            profile: aws.profile.clone(),
            region: aws.region.clone(),
            endpoint_url: aws.endpoint_url.clone(),
            max_attempts: aws.max_attempts,
            timeout: Duration::from_secs(aws.timeout),
        },
        regions,
        org: aws.org.then(|| OrgOptions {
            role_name: aws.role_name.clone(),
            external_id: aws.external_id.clone(),
            accounts: aws.accounts.clone(),
            ous: aws.ou.clone(),
        }),
        concurrency: usize::from(aws.concurrency),
        progress,
        integrity_window: (!aws.integrity_window.is_zero())
            .then(|| chrono::Duration::from_std(aws.integrity_window))
            .transpose()
            .map_err(|_| Error::Usage("--integrity-window: too long".into()))?,
        credential_report: aws.credential_report,
        services: selected_services(catalogue, aws)?.map(|picked| catalogue.services_read_by(&picked)),
        drift: collect::cloudformation::DriftOptions {
            detect: aws.detect_drift,
            timeout: aws.drift_timeout,
            per_region: 4,
        },
    })
}

/// `--services`, checked against the catalogue; `None` when it is not given.
fn selected_services(catalogue: &Catalogue, aws: &AwsArgs) -> Result<Option<BTreeSet<String>>, Error> {
    if aws.services.is_empty() {
        return Ok(None);
    }
    catalogue.select_services(&aws.services).map(Some).map_err(|e| Error::Usage(e.to_string()))
}

/// Collects live, then prints the collection's warnings and a one-line summary to stderr.
fn collect_live(
    catalogue: &Catalogue,
    aws: &AwsArgs,
    quiet: bool,
    stderr: &mut dyn Write,
    stderr_is_terminal: bool,
) -> Result<Snapshot, Error> {
    let opts = collect_options(catalogue, aws, stderr_is_terminal && !quiet)?;
    let snapshot = collect::collect_blocking(&opts)?;
    crate::report::write_collection_notes(&snapshot, quiet, stderr).map_err(out_err)?;
    Ok(snapshot)
}

fn collect_cmd(
    catalogue: &Catalogue,
    args: &CollectArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    stderr_is_terminal: bool,
) -> Result<Verdict, Error> {
    let snapshot = collect_live(catalogue, &args.aws, args.quiet, stderr, stderr_is_terminal)?;
    let write_json = |out: &mut dyn Write| -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &snapshot)?;
        writeln!(out)
    };
    if args.output.as_os_str() == "-" {
        write_json(stdout).map_err(out_err)?;
    } else {
        write_atomically(&args.output, write_json)?;
        if !args.quiet {
            writeln!(stderr, "dopaudit: wrote {}", args.output.display()).map_err(out_err)?;
        }
    }
    Ok(Verdict::Clean)
}

fn iam_policy(catalogue: &Catalogue, args: &IamPolicyArgs, stdout: &mut dyn Write) -> Result<Verdict, Error> {
    let mut opt_in: Vec<(&str, &[&str])> = Vec::new();
    if args.detect_drift {
        opt_in.push(("DopauditDriftDetection", &catalogue::DRIFT_DETECTION_ACTIONS));
    }
    if args.credential_report {
        opt_in.push(("DopauditCredentialReport", &catalogue::CREDENTIAL_REPORT_ACTIONS));
    }
    crate::report::render_iam_policy(
        &catalogue.all_permissions(),
        &opt_in,
        args.org.then_some(args.role_name.as_str()),
        stdout,
    )
    .map_err(out_err)?;
    Ok(Verdict::Clean)
}

fn audit(
    catalogue: &Catalogue,
    args: &AuditArgs,
    color: bool,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    stderr_is_terminal: bool,
) -> Result<Verdict, Error> {
    // Every output file's format, the configuration and the baseline are settled before anything is evaluated.
    let outputs = output_formats(&args.output)?;
    let config = Config::load(args.config.as_deref(), catalogue).map_err(|e| Error::Usage(e.to_string()))?;
    let defaults = config.as_ref().map(|c| c.defaults.clone()).unwrap_or_default();
    let fail_on = args.fail_on.or(defaults.fail_on).unwrap_or(Severity::Low);
    let strict = args.strict || defaults.strict.unwrap_or(false);
    let aws = with_defaults(&args.aws, &defaults)?;
    let baseline = args.baseline.as_deref().map(read_report).transpose()?;
    let (snapshot, source) = match load_source(&args.source)? {
        Some(loaded) => loaded,
        None => (collect_live(catalogue, &aws, args.quiet, stderr, stderr_is_terminal)?, Source::Live),
    };
    let max_age = chrono::Duration::from_std(args.drift_max_age).unwrap_or(chrono::Duration::MAX);
    let now = Utc::now();
    let services = selected_services(catalogue, &aws)?;
    let mut findings = checks::evaluate_with(
        &snapshot,
        catalogue,
        checks::EvalOptions { drift_max_age: max_age, services: services.clone() },
    );
    if let Some(config) = &config {
        config.apply(catalogue, &mut findings, now.date_naive());
    }
    let mut report = Report::generate(catalogue, &snapshot, &source, findings, now);
    report.scope.services = services.into_iter().flatten().collect();
    if let Some(baseline) = &baseline {
        crate::report::baseline::apply_baseline(&mut report, baseline);
    }
    let opts = RenderOptions {
        color,
        explain: args.explain,
        fail_on: Some(fail_on),
        strict,
        width: crate::report::style::text_width(),
    };
    for (path, format) in &outputs {
        let file_opts = RenderOptions { color: false, ..opts };
        write_atomically(path, |out| render(&report, catalogue, *format, &file_opts, out))?;
    }
    if !args.quiet {
        render(&report, catalogue, args.format, &opts, stdout).map_err(out_err)?;
    }
    Ok(decide_where(&report, fail_on, strict, args.fail_on_new))
}

/// The format of each output file, from its extension.
fn output_formats(paths: &[PathBuf]) -> Result<Vec<(PathBuf, Format)>, Error> {
    paths
        .iter()
        .map(|p| {
            let format = Format::from_path(p).ok_or_else(|| {
                Error::Usage(format!(
                    "cannot tell the format of output file {} from its extension (use .json, .txt, .sarif, .xml, .csv, .md or .html)",
                    p.display()
                ))
            })?;
            Ok((p.clone(), format))
        })
        .collect()
}

/// The AWS flags with `[defaults]` from the configuration file filling in those not given.
fn with_defaults(aws: &AwsArgs, defaults: &crate::config::Defaults) -> Result<AwsArgs, Error> {
    let mut aws = aws.clone();
    if aws.regions.is_empty() {
        aws.regions = defaults.regions.clone().unwrap_or_default();
    }
    aws.org |= defaults.org.unwrap_or(false);
    if aws.role_name == crate::cli::DEFAULT_ROLE_NAME {
        if let Some(role) = &defaults.role_name {
            aws.role_name = role.clone();
        }
    }
    if aws.integrity_window == crate::cli::DEFAULT_INTEGRITY_WINDOW {
        if let Some(w) = &defaults.integrity_window {
            aws.integrity_window = crate::cli::parse_duration(w).map_err(Error::Usage)?;
        }
    }
    Ok(aws)
}

/// A JSON report written by `audit` (for `--baseline` and `merge`).
fn read_report(path: &Path) -> Result<Report, Error> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| Error::Usage(format!("cannot read report {shown}: {e}")))?;
    let report: Report = serde_json::from_slice(&bytes)
        .map_err(|e| Error::Usage(format!("{shown} is not a dopaudit JSON report: {e}")))?;
    if !report.schema_version.starts_with("1.") {
        return Err(Error::Usage(format!(
            "{shown}: report schema version {} is not supported (this dopaudit reads 1.x)",
            report.schema_version
        )));
    }
    Ok(report)
}

/// `merge`: one report from the shards' reports, in every format asked for.
fn merge_cmd(
    catalogue: &Catalogue,
    args: &MergeArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Verdict, Error> {
    let outputs = output_formats(&args.output)?;
    let reports = args.reports.iter().map(|p| read_report(p)).collect::<Result<Vec<_>, _>>()?;
    let (report, duplicates) = crate::report::baseline::merge(catalogue, &reports, Utc::now());
    if duplicates > 0 {
        writeln!(stderr, "dopaudit: warning: {duplicates} finding(s) were in more than one report; each is kept once")
            .map_err(out_err)?;
    }
    let opts = RenderOptions {
        color: false,
        explain: false,
        fail_on: None,
        strict: false,
        width: crate::report::style::text_width(),
    };
    for (path, format) in &outputs {
        write_atomically(path, |out| render(&report, catalogue, *format, &opts, out))?;
    }
    match (args.format, outputs.is_empty()) {
        (Some(format), _) => render(&report, catalogue, format, &opts, stdout).map_err(out_err)?,
        (None, true) => render(&report, catalogue, Format::Json, &opts, stdout).map_err(out_err)?,
        (None, false) => {}
    }
    Ok(Verdict::Clean)
}

/// Writes a whole file or nothing: into a temporary file beside it, then renamed over it.
/// The content is streamed into the temporary file, so a report of any size is never held whole in memory.
fn write_atomically(path: &Path, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), Error> {
    let fail = |source| Error::Output { path: path.display().to_string(), source };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| fail(std::io::Error::other("not a file name")))?;
    let tmp = dir.join(format!(".{}.dopaudit-{}.tmp", name.to_string_lossy(), std::process::id()));
    let result = std::fs::File::create(&tmp)
        .and_then(|file| {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
            write(&mut out)?;
            out.into_inner().map_err(|e| e.into_error()).map(drop)
        })
        .and_then(|_| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(fail)
}

fn checks_cmd(catalogue: &Catalogue, args: &ChecksArgs, color: bool, stdout: &mut dyn Write) -> Result<Verdict, Error> {
    let list: Vec<_> = catalogue.checks.iter().filter(|c| args.domain.is_none_or(|d| c.domains.contains(&d))).collect();
    view::render_checks(&list, color, args.format, stdout).map_err(out_err)?;
    Ok(Verdict::Clean)
}

fn notes_cmd(catalogue: &Catalogue, args: &NotesArgs, stdout: &mut dyn Write) -> Result<Verdict, Error> {
    let section = match &args.section {
        Some(key) => Some(catalogue.section(key).ok_or_else(|| {
            Error::Usage(format!("no study section '{key}': give a number from 1 to 38 or a name such as cloudtrail (`dopaudit domains` lists the exam frame)"))
        })?),
        None => None,
    };
    if let Some(t) = &args.topic {
        if catalogue.topic(t).is_none() {
            let ids: Vec<&str> = catalogue.topics.iter().map(|t| t.id.as_str()).collect();
            return Err(Error::Usage(format!("no key topic '{t}': the topics are {}", ids.join(", "))));
        }
    }
    let list: Vec<_> = catalogue
        .notes
        .iter()
        .filter(|n| args.domain.is_none_or(|d| n.domains.contains(&d)))
        .filter(|n| section.is_none_or(|s| n.section.number == s.number))
        .filter(|n| args.topic.as_ref().is_none_or(|t| n.topics.contains(t)))
        .collect();
    view::render_notes(&list, args.text, args.format, stdout).map_err(out_err)?;
    Ok(Verdict::Clean)
}

fn explain(
    catalogue: &Catalogue,
    args: &ExplainArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    stderr_is_terminal: bool,
) -> Result<Verdict, Error> {
    let id = args.id.trim();
    let checks: Vec<&crate::notes::CheckMeta> = if let Some(c) = catalogue.check(id) {
        vec![c]
    } else if catalogue.note(id).is_some() {
        catalogue.checks_for_note(id).collect()
    } else {
        return Err(Error::UnknownId { id: id.to_string(), suggestions: suggestions(catalogue, id) });
    };
    // The learning view: what an account shows for it, when one is given.
    let observed = match load_source(&args.source)? {
        Some((snapshot, source)) => Some((snapshot, source)),
        None if args.live => {
            Some((collect_live(catalogue, &args.aws, false, stderr, stderr_is_terminal)?, Source::Live))
        }
        None => None,
    }
    .map(|(snapshot, source)| {
        let report = build_report(catalogue, &snapshot, &source);
        let ids: Vec<&str> = checks.iter().map(|c| c.id.as_str()).collect();
        let findings: Vec<crate::report::Finding> =
            report.findings.into_iter().filter(|f| ids.contains(&f.check_id.as_str())).collect();
        (report.scope, findings)
    });
    if let Some(c) = catalogue.check(id) {
        view::render_explain_check(catalogue, c, args.format, observed.as_ref(), stdout).map_err(out_err)?;
    } else if let Some(n) = catalogue.note(id) {
        view::render_explain_note(catalogue, n, args.format, observed.as_ref(), stdout).map_err(out_err)?;
    }
    Ok(Verdict::Clean)
}

/// Up to five ids that contain the query, or share its words.
fn suggestions(catalogue: &Catalogue, query: &str) -> Vec<String> {
    let q = query.to_ascii_lowercase();
    let words: Vec<&str> = q.split(['.', '-', '_', ' ']).filter(|w| w.len() >= 3).collect();
    let ids = catalogue.checks.iter().map(|c| c.id.as_str()).chain(catalogue.notes.iter().map(|n| n.id.as_str()));
    let mut scored: Vec<(usize, &str)> = ids
        .filter_map(|id| {
            let score = if id.contains(q.as_str()) { 100 } else { words.iter().filter(|w| id.contains(*w)).count() };
            (score > 0).then_some((score, id))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(5).map(|(_, id)| id.to_string()).collect()
}

fn domains(catalogue: &Catalogue, args: &DomainsArgs, stdout: &mut dyn Write) -> Result<Verdict, Error> {
    if args.topics {
        view::render_topics(catalogue, args.format, stdout).map_err(out_err)?;
        return Ok(Verdict::Clean);
    }
    let report = load_source(&args.source)?.map(|(snap, source)| build_report(catalogue, &snap, &source));
    view::render_domains(catalogue, report.as_ref(), args.format, stdout).map_err(out_err)?;
    Ok(Verdict::Clean)
}

fn scp_simulate(
    catalogue: &Catalogue,
    args: &SimulateArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Verdict, Error> {
    if args.account.len() != 12 || !args.account.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::Usage(format!("--account: '{}' is not a 12-digit AWS account id", args.account)));
    }
    let valid_action = args.action.split_once(':').is_some_and(|(svc, act)| {
        !svc.is_empty() && !act.is_empty() && svc.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    if !valid_action {
        return Err(Error::Usage(format!("--action: '{}' is not an IAM action like service:Action", args.action)));
    }
    let tree = match load_source(&args.source)? {
        Some((snapshot, _)) => snapshot.organization,
        None => {
            let opts = collect_options(catalogue, &args.aws, false)?;
            let (tree, warnings) = collect::organization_blocking(&opts.aws)?;
            for w in warnings {
                writeln!(stderr, "dopaudit: warning: {w}").map_err(out_err)?;
            }
            tree
        }
    };
    let tree = tree
        .get()
        .map_err(|e| Error::Usage(format!("cannot simulate: the organization's policies were not read ({e})")))?;
    let simulation = crate::scp::simulate(tree, &args.account, &args.action, args.resource.as_deref(), &args.context)
        .map_err(|e| Error::Usage(e.to_string()))?;
    crate::report::scp_view::render_simulation(&simulation, args.format, stdout).map_err(out_err)?;
    Ok(Verdict::Clean)
}

/// `validate-logs`: the AWS CLI's lines and exit codes (0 valid, 1 something invalid), 2 when it cannot run.
fn validate_logs(
    args: &ValidateLogsArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    progress: bool,
) -> Result<Verdict, Error> {
    use crate::collect::integrity as remote;
    use crate::integrity::{parse_public_key_list, report::ValidationReport};
    let now = Utc::now();
    let end = match &args.end_time {
        Some(t) => crate::cli::parse_time(t, now).map_err(|e| Error::Usage(format!("--end-time: {e}")))?,
        None => now,
    };
    let start = match &args.start_time {
        Some(t) => crate::cli::parse_time(t, end).map_err(|e| Error::Usage(format!("--start-time: {e}")))?,
        None => end - chrono::Duration::hours(24),
    };
    let arn = remote::parse_trail_arn(&args.trail_arn).map_err(|e| Error::Usage(e.to_string()))?;
    if start > end {
        return Err(Error::Usage("Invalid time range specified: start-time must occur before end-time".into()));
    }
    if let Some(id) = args.account_id.as_deref().filter(|id| id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(Error::Usage(format!("--account-id: '{id}' is not a 12-digit AWS account id")));
    }
    let public_keys = match &args.public_keys {
        None => None,
        Some(path) => {
            let bytes = std::fs::read(path)
                .map_err(|e| Error::Usage(format!("--public-keys {}: cannot read: {e}", path.display())))?;
            let keys = parse_public_key_list(&bytes)
                .map_err(|e| Error::Usage(format!("--public-keys {}: {e}", path.display())))?;
            Some(keys)
        }
    };
    let request = remote::ValidateRequest {
        trail_arn: args.trail_arn.clone(),
        start,
        end,
        bucket: args.s3_bucket.clone(),
        prefix: args.s3_prefix.clone(),
        account_id: args.account_id.clone(),
        regions: args.region.clone(),
        public_keys,
        strict: args.strict,
        concurrency: usize::from(args.concurrency),
        now,
        known: None,
    };
    let aws = AwsOptions {
        profile: args.profile.clone(),
        // Clients start in the trail's home region; buckets are reached in their own.
        region: Some(arn.home_region.clone()),
        endpoint_url: args.endpoint_url.clone(),
        max_attempts: args.max_attempts,
        timeout: Duration::from_secs(args.timeout),
    };
    if args.format == ValidateFormat::Text {
        write!(stdout, "{}", ValidationReport::startup_line(&args.trail_arn, start, end)).map_err(out_err)?;
        stdout.flush().map_err(out_err)?;
    }
    let (report, warnings) = collect::validate_blocking(&aws, &request, progress)?;
    for w in warnings {
        writeln!(stderr, "dopaudit: warning: {w}").map_err(out_err)?;
    }
    match args.format {
        ValidateFormat::Text => report.write_text(args.verbose, stdout, stderr).map_err(out_err)?,
        ValidateFormat::Json => {
            serde_json::to_writer_pretty(&mut *stdout, &report).map_err(|e| Error::Stdout(e.into()))?;
            writeln!(stdout).map_err(out_err)?;
        }
    }
    Ok(if report.is_valid() { Verdict::Clean } else { Verdict::Failing })
}
