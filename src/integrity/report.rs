//! The result of `validate-logs` and its two renderings: the AWS CLI's text, line for line (valid lines on stdout
//! with `--verbose`, invalid ones on stderr, the same blank lines and summary), and JSON.

use std::collections::HashMap;
use std::io::{self, Write};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::logfile::LogVerdict;
use super::walk::{Fetched, Fetches, Step, StrictFinding};

/// One line of output.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Line {
    Digest {
        region: String,
        backfill: bool,
        bucket: String,
        key: String,
        valid: bool,
        /// `valid`, or the text after `INVALID: `.
        verdict: String,
        /// Found only by strict mode (the AWS CLI would not report it).
        strict: bool,
    },
    Log {
        region: String,
        bucket: String,
        key: String,
        valid: bool,
        verdict: LogVerdict,
    },
    Gap {
        region: String,
        backfill: bool,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
}

/// The counts of the summary, as the CLI prints them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub digests_valid: usize,
    pub digests_invalid: usize,
    pub backfill_digests_valid: usize,
    pub backfill_digests_invalid: usize,
    pub logs_valid: usize,
    pub logs_invalid: usize,
}

impl Counts {
    pub fn invalid(&self) -> usize {
        self.digests_invalid + self.backfill_digests_invalid + self.logs_invalid
    }

    fn digests(&self) -> usize {
        self.digests_valid + self.digests_invalid + self.backfill_digests_valid + self.backfill_digests_invalid
    }
}

/// Everything `validate-logs` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidationReport {
    pub trail_arn: String,
    pub requested_start: DateTime<Utc>,
    pub requested_end: DateTime<Utc>,
    /// The span the valid digests cover, clipped to the request (absent when no digest was valid).
    pub found_start: Option<DateTime<Utc>>,
    pub found_end: Option<DateTime<Utc>>,
    pub strict: bool,
    pub account_id: String,
    pub bucket: String,
    pub regions: Vec<String>,
    pub counts: Counts,
    pub lines: Vec<Line>,
    /// Notes that are not verdicts (e.g. why the latest delivery time could not be read).
    pub notes: Vec<String>,
    /// Every AWS operation the run called (all reads), as in a snapshot's `collection.calls`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<crate::snapshot::CallCount>,
}

impl ValidationReport {
    pub fn new(trail_arn: &str, start: DateTime<Utc>, end: DateTime<Utc>, strict: bool) -> Self {
        ValidationReport {
            trail_arn: trail_arn.to_string(),
            requested_start: start,
            requested_end: end,
            found_start: None,
            found_end: None,
            strict,
            account_id: String::new(),
            bucket: String::new(),
            regions: Vec::new(),
            counts: Counts::default(),
            lines: Vec::new(),
            notes: Vec::new(),
            calls: Vec::new(),
        }
    }

    /// True when nothing was invalid: exit code 0.
    pub fn is_valid(&self) -> bool {
        self.counts.invalid() == 0
    }

    /// Appends one walk's lines: each visited digest, then (for a valid one) its log files in digest order, then any
    /// gap notice; strict findings go where `strict_findings` placed them. `logs` holds each log's verdict.
    pub fn add_walk(
        &mut self,
        region: &str,
        backfill: bool,
        steps: &[Step],
        fetches: &Fetches,
        strict: &[(usize, StrictFinding)],
        logs: &HashMap<(String, String), LogVerdict>,
    ) {
        let strict_line = |f: &StrictFinding| Line::Digest {
            region: region.to_string(),
            backfill,
            bucket: f.bucket.clone(),
            key: f.key.clone(),
            valid: false,
            verdict: format!("{} (strict)", f.problem),
            strict: true,
        };
        let mut placed: HashMap<usize, Vec<&StrictFinding>> = HashMap::new();
        for (i, f) in strict {
            placed.entry(*i).or_default().push(f);
        }
        for f in placed.get(&usize::MAX).into_iter().flatten() {
            self.push(strict_line(f));
        }
        for (i, step) in steps.iter().enumerate() {
            let here = placed.get(&i).map(Vec::as_slice).unwrap_or_default();
            match step {
                Step::Gap { from, to } => {
                    self.lines.push(Line::Gap { region: region.to_string(), backfill, from: *from, to: *to })
                }
                Step::Digest { bucket, key, valid, verdict } => {
                    // A digest strict mode faults replaces its own valid line; a missing neighbour follows it.
                    let (own, others): (Vec<&StrictFinding>, Vec<&StrictFinding>) =
                        here.iter().partition(|f| !f.missing && f.key == *key);
                    match own.first() {
                        Some(f) if *valid => self.push(strict_line(f)),
                        _ => self.push(Line::Digest {
                            region: region.to_string(),
                            backfill,
                            bucket: bucket.clone(),
                            key: key.clone(),
                            valid: *valid,
                            verdict: verdict.clone(),
                            strict: false,
                        }),
                    }
                    if *valid {
                        if let Some(Fetched::Valid(checked)) = fetches.digests.get(&(bucket.clone(), key.clone())) {
                            self.track_found(
                                checked.digest.digest_start_time.as_ref().map(|t| t.utc),
                                checked.digest.digest_end_time.as_ref().map(|t| t.utc),
                            );
                            for log in &checked.digest.log_files {
                                let id = (log.s3_bucket.clone(), log.s3_object.clone());
                                let verdict = logs.get(&id).copied().unwrap_or(LogVerdict::NotFound);
                                self.push(Line::Log {
                                    region: region.to_string(),
                                    bucket: id.0,
                                    key: id.1,
                                    valid: verdict.is_valid(),
                                    verdict,
                                });
                            }
                        }
                    }
                    for f in others {
                        self.push(strict_line(f));
                    }
                }
            }
        }
    }

    fn push(&mut self, line: Line) {
        let c = &mut self.counts;
        match &line {
            Line::Digest { backfill: false, valid: true, .. } => c.digests_valid += 1,
            Line::Digest { backfill: false, valid: false, .. } => c.digests_invalid += 1,
            Line::Digest { backfill: true, valid: true, .. } => c.backfill_digests_valid += 1,
            Line::Digest { backfill: true, valid: false, .. } => c.backfill_digests_invalid += 1,
            Line::Log { valid: true, .. } => c.logs_valid += 1,
            Line::Log { valid: false, .. } => c.logs_invalid += 1,
            Line::Gap { .. } => {}
        }
        self.lines.push(line);
    }

    /// The CLI's found range: the earliest start and latest end of valid digests, clipped to the request.
    fn track_found(&mut self, start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) {
        if let Some(start) = start {
            let start = start.max(self.requested_start);
            self.found_start = Some(self.found_start.map_or(start, |f| f.min(start)));
        }
        if let Some(end) = end {
            let end = end.min(self.requested_end);
            self.found_end = Some(self.found_end.map_or(end, |f| f.max(end)));
        }
    }

    /// The line the CLI prints before it starts.
    pub fn startup_line(trail_arn: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
        format!("Validating log files for trail {trail_arn} between {} and {}\n\n", display(start), display(end))
    }

    /// Writes the verdict lines and the summary exactly as the AWS CLI does (the startup line is written first,
    /// separately, so it appears before the work starts).
    pub fn write_text(&self, verbose: bool, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<()> {
        let mut double_spaced = true;
        for line in &self.lines {
            let (text, error) = match line {
                Line::Digest { backfill, bucket, key, valid, verdict, .. } => {
                    let prefix = if *backfill { "(backfill) " } else { "" };
                    let status = if *valid { "valid".to_string() } else { format!("INVALID: {verdict}") };
                    (format!("{prefix}Digest file\ts3://{bucket}/{key}\t{status}"), !valid)
                }
                Line::Log { bucket, key, valid, verdict, .. } => {
                    (format!("Log file\ts3://{bucket}/{key}\t{verdict}"), !valid)
                }
                Line::Gap { backfill, from, to, .. } => {
                    let prefix = if *backfill { "(backfill) " } else { "" };
                    (
                        format!(
                            "{prefix}No log files were delivered by CloudTrail between {} and {}",
                            display(*from),
                            display(*to)
                        ),
                        true,
                    )
                }
            };
            if error {
                if double_spaced {
                    write!(err, "{text}\n\n")?;
                } else {
                    write!(err, "\n{text}\n\n")?;
                }
                double_spaced = true;
            } else if verbose {
                double_spaced = false;
                writeln!(out, "{text}")?;
            }
        }
        if !double_spaced {
            writeln!(out)?;
        }
        writeln!(out, "Results requested for {} to {}", display(self.requested_start), display(self.requested_end))?;
        let c = &self.counts;
        if c.digests() == 0 {
            writeln!(out, "No digests found")?;
            return self.write_notes(out);
        }
        match (self.found_start, self.found_end) {
            (Some(s), Some(e)) => writeln!(out, "Results found for {} to {}:", display(s), display(e))?,
            _ => writeln!(out, "No valid digests found in range")?,
        }
        ratio(out, c.digests_valid, c.digests_invalid, "digest")?;
        ratio(out, c.backfill_digests_valid, c.backfill_digests_invalid, "backfill digest")?;
        ratio(out, c.logs_valid, c.logs_invalid, "log")?;
        writeln!(out)?;
        self.write_notes(out)
    }

    /// What the CLI has no line for: several regions validated, and notes. Nothing for a plain single-region run.
    fn write_notes(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.regions.len() > 1 {
            writeln!(out, "Regions validated: {}", self.regions.join(", "))?;
        }
        for note in &self.notes {
            writeln!(out, "Note: {note}")?;
        }
        Ok(())
    }
}

fn ratio(out: &mut dyn Write, valid: usize, invalid: usize, name: &str) -> io::Result<()> {
    let total = valid + invalid;
    if total > 0 {
        write!(out, "\n{valid}/{total} {name} files valid")?;
        if invalid > 0 {
            write!(out, ", {invalid}/{total} {name} files INVALID")?;
        }
    }
    Ok(())
}

/// The CLI's display format for times.
pub fn display(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
