//! GitHub-flavoured Markdown for a CI step summary (`$GITHUB_STEP_SUMMARY`) or a pull/merge-request comment.
//!
//! The head (counts, scope, the tables by status, severity and exam domain) is always written in full. The detailed
//! lists follow: failing findings grouped by check, each group with its study notes and fix; the findings that could
//! not be evaluated; the suppressed ones with their reason; with a baseline, the ones fixed since. The lists are
//! written while they fit in [`MAX_BYTES`] (GitHub refuses a step summary over 1 MiB); what does not fit is counted
//! in a line that points at the full report. Text that comes from a finding is escaped, so it can neither break a
//! table nor inject HTML.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::{fmt_time, BaselineMark, Finding, Report, Status, StatusCounts};
use crate::notes::{Catalogue, Severity};

/// The most the Markdown may weigh: GitHub's step-summary limit (1 MiB, 1,048,576 bytes) less a margin for the
/// other lines a job appends to the same summary.
pub const MAX_BYTES: usize = 1_000_000;

/// Room kept outside the lists' budget for the truncation notices and the closing line.
const RESERVE: usize = 2_048;

/// Characters of finding text shown in one cell; longer text is cut with an ellipsis (the artifacts have it all).
const MAX_CELL_CHARS: usize = 1_000;

/// Characters of a fix's text shown under a group of failing findings.
const MAX_FIX_CHARS: usize = 4_000;

pub fn render_markdown(report: &Report, catalogue: &Catalogue, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(to_markdown(report, catalogue, MAX_BYTES).as_bytes())
}

/// The Markdown of a report, at most `limit` bytes unless the head alone is larger.
fn to_markdown(report: &Report, catalogue: &Catalogue, limit: usize) -> String {
    let baseline = has_baseline(report);
    let head = head(report, baseline);
    let mut lists = Lists::new(limit.saturating_sub(head.len() + RESERVE));
    lists.failing(report, catalogue, baseline);
    lists.unknown(report, baseline);
    lists.suppressed(report);
    lists.fixed(report);

    let mut md = head;
    let notice = lists.omitted.notice();
    if let Some(notice) = &notice {
        md.push_str(notice);
    }
    md.push_str(&lists.buf);
    if let Some(notice) = &notice {
        md.push_str(notice);
    }
    let _ = writeln!(
        md,
        "<sub>dopaudit {} · `dopaudit explain NOTE-ID` prints a study note in full.</sub>",
        text(&report.tool_version)
    );
    md
}

/// Whether the report was compared with a baseline (`--baseline`).
fn has_baseline(report: &Report) -> bool {
    report.fixed.is_some() || report.findings.iter().any(|f| f.baseline.is_some())
}

fn is_new(f: &Finding) -> bool {
    f.baseline == Some(BaselineMark::New)
}

// ---- Head: always complete ----------------------------------------------------------------------------

fn head(report: &Report, baseline: bool) -> String {
    let mut md = String::new();
    let c = &report.summary.counts;
    let _ = writeln!(md, "## dopaudit: {}\n", title_counts(c));

    let scope = &report.scope;
    let mut parts = vec![text(&scope.source).into_owned()];
    if let Some(path) = &scope.snapshot_path {
        parts.push(format!("snapshot {}", code(path, false)));
    }
    if let Some(org) = &scope.organization_id {
        parts.push(format!("organization {}", code(org, false)));
    }
    parts.push(plural(scope.accounts.len(), "account", "accounts"));
    if scope.regions.is_empty() {
        parts.push("no region".into());
    } else {
        let regions: Vec<String> = scope.regions.iter().map(|r| code(r, false)).collect();
        parts.push(format!("{}: {}", if regions.len() == 1 { "region" } else { "regions" }, regions.join(", ")));
    }
    let _ = writeln!(md, "**Scope:** {}  ", parts.join(" · "));
    let _ = writeln!(
        md,
        "**Generated:** {} by dopaudit {} (data read {})\n",
        fmt_time(&report.generated_at),
        text(&report.tool_version),
        fmt_time(&scope.snapshot_generated_at)
    );

    if baseline {
        let new_fail = report.findings.iter().filter(|f| f.status == Status::Fail && is_new(f)).count();
        let new_unknown = report.findings.iter().filter(|f| f.status == Status::Unknown && is_new(f)).count();
        let old_fail = report
            .findings
            .iter()
            .filter(|f| f.status == Status::Fail && f.baseline == Some(BaselineMark::Existing))
            .count();
        let mut line = format!(
            "**Baseline:** 🆕 **{}** since the baseline, {} already there",
            plural(new_fail, "new failing finding", "new failing findings"),
            old_fail
        );
        if new_unknown > 0 {
            let _ = write!(line, "; {new_unknown} new that could not be evaluated");
        }
        if let Some(fixed) = &report.fixed {
            let _ = write!(line, "; ✅ {} fixed", fixed.len());
        }
        let _ = writeln!(md, "{line}\n");
    }

    md.push_str("### Summary\n\n");
    if baseline {
        md.push_str("| Status | Findings | New since the baseline |\n|---|---:|---:|\n");
    } else {
        md.push_str("| Status | Findings |\n|---|---:|\n");
    }
    for status in Status::ALL {
        let _ = write!(md, "| {} {} | {} |", status_icon(status), status.as_str(), count(c, status));
        if baseline {
            let new = report.findings.iter().filter(|f| f.status == status && is_new(f)).count();
            let _ = write!(md, " {new} |");
        }
        md.push('\n');
    }
    let _ = writeln!(md, "| **total** | **{}** |{}\n", c.total, if baseline { " |" } else { "" });

    md.push_str("### By severity\n\n");
    md.push_str("| Severity | Fail | Unknown | Suppressed | Skipped | Pass | Total |\n");
    md.push_str("|---|---:|---:|---:|---:|---:|---:|\n");
    for severity in Severity::ALL {
        let sc = report.summary.by_severity.get(&severity).cloned().unwrap_or_default();
        let _ = writeln!(md, "| {} {} | {} |", severity_icon(severity), severity.as_str(), counts_cells(&sc));
    }
    md.push('\n');

    md.push_str("### By exam domain (DOP-C02)\n\n");
    md.push_str("| Domain | Weight | Fail | Unknown | Suppressed | Skipped | Pass | Total | Pass rate |\n");
    md.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for d in &report.summary.by_domain {
        let rate = d.counts.pass_rate().map_or_else(|| "—".to_string(), |r| format!("{:.0}%", r * 100.0));
        let _ =
            writeln!(md, "| {} · {} | {}% | {} | {rate} |", d.number, text(&d.name), d.weight, counts_cells(&d.counts));
    }
    md.push_str("\nA finding counts in each exam domain its check belongs to. Pass rate: pass / (pass + fail).\n\n");
    md
}

fn title_counts(c: &StatusCounts) -> String {
    if c.total == 0 {
        return "no findings".into();
    }
    let parts: Vec<String> = [
        (c.fail, "failing"),
        (c.unknown, "unknown"),
        (c.suppressed, "suppressed"),
        (c.skipped, "skipped"),
        (c.pass, "passing"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    format!("{} of {}", parts.join(" · "), plural(c.total, "finding", "findings"))
}

fn count(c: &StatusCounts, status: Status) -> usize {
    match status {
        Status::Fail => c.fail,
        Status::Unknown => c.unknown,
        Status::Suppressed => c.suppressed,
        Status::Skipped => c.skipped,
        Status::Pass => c.pass,
    }
}

/// The `fail | unknown | suppressed | skipped | pass | total` cells of a table row.
fn counts_cells(c: &StatusCounts) -> String {
    format!("{} | {} | {} | {} | {} | {}", c.fail, c.unknown, c.suppressed, c.skipped, c.pass, c.total)
}

fn status_icon(status: Status) -> &'static str {
    match status {
        Status::Fail => "❌",
        Status::Unknown => "❔",
        Status::Suppressed => "🔕",
        Status::Skipped => "⏭️",
        Status::Pass => "✅",
    }
}

fn severity_icon(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "🔴",
        Severity::High => "🟠",
        Severity::Medium => "🟡",
        Severity::Low => "🔵",
        Severity::Info => "⚪",
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

// ---- Detailed lists: within the budget -----------------------------------------------------------------

/// How many findings each list left out.
#[derive(Default)]
struct Omitted {
    failing: usize,
    unknown: usize,
    suppressed: usize,
    fixed: usize,
}

impl Omitted {
    fn total(&self) -> usize {
        self.failing + self.unknown + self.suppressed + self.fixed
    }

    /// The line saying what was left out, when something was.
    fn notice(&self) -> Option<String> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let parts: Vec<String> = [
            (self.failing, "failing"),
            (self.unknown, "unknown"),
            (self.suppressed, "suppressed"),
            (self.fixed, "fixed since the baseline"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        Some(format!(
            "> ⚠️ **{} omitted** ({}) to keep this summary under GitHub's 1 MiB limit. The summary tables \
             count every finding; the full report is in the JSON, SARIF and HTML artifacts.\n\n",
            plural(total, "finding", "findings"),
            parts.join(", ")
        ))
    }
}

/// The detailed lists, written while they fit in `budget` bytes; once one chunk does not fit, nothing more is.
struct Lists {
    buf: String,
    budget: usize,
    full: bool,
    omitted: Omitted,
}

impl Lists {
    fn new(budget: usize) -> Lists {
        Lists { buf: String::new(), budget, full: false, omitted: Omitted::default() }
    }

    /// Appends a chunk if it fits, with a byte to spare for the blank line that closes a table; a chunk that does not
    /// fit closes the lists.
    fn push(&mut self, chunk: &str) -> bool {
        if self.full || self.buf.len() + chunk.len() + 1 > self.budget {
            self.full = true;
            return false;
        }
        self.buf.push_str(chunk);
        true
    }

    /// Writes `rows` under a heading (sent with the first row, so a heading never stands alone); returns how many
    /// rows fitted.
    fn table(&mut self, heading: &str, rows: impl Iterator<Item = String>) -> usize {
        let mut shown = 0;
        for row in rows {
            let chunk = if shown == 0 { format!("{heading}{row}") } else { row };
            if !self.push(&chunk) {
                break;
            }
            shown += 1;
        }
        if shown > 0 {
            self.buf.push('\n');
        }
        shown
    }

    /// Failing findings, worst first, grouped by check: the notes and the fix once, then a row per resource.
    fn failing(&mut self, report: &Report, catalogue: &Catalogue, baseline: bool) {
        let failing: Vec<&Finding> = report.findings.iter().filter(|f| f.status == Status::Fail).collect();
        if failing.is_empty() {
            return;
        }
        let mut shown = 0;
        let mut section = format!("### ❌ Failing findings ({})\n\n", failing.len());
        for group in groups(&failing) {
            let first = group[0];
            let mut heading = std::mem::take(&mut section);
            let _ = writeln!(
                heading,
                "#### {} {} · {} — {} ({})\n",
                severity_icon(first.severity),
                first.severity.as_str(),
                code(&first.check_id, false),
                text(&clip(&first.title, MAX_CELL_CHARS)),
                group.len()
            );
            let notes: Vec<String> = first.notes.iter().map(|id| note_link(catalogue, id)).collect();
            if !notes.is_empty() {
                let _ = writeln!(heading, "**Study notes:** {}  ", notes.join(" · "));
            }
            let _ = writeln!(heading, "**Fix:** {}\n", prose(&clip(&first.remediation.text, MAX_FIX_CHARS)));
            if let Some(cli) = &first.remediation.cli {
                let fence = "`".repeat(longest_run(cli, '`').max(2) + 1);
                let _ = writeln!(heading, "{fence}sh\n{}\n{fence}\n", clip(cli, MAX_FIX_CHARS));
            }
            heading.push_str(if baseline {
                "| New | Account | Region | Resource | Finding |\n|---|---|---|---|---|\n"
            } else {
                "| Account | Region | Resource | Finding |\n|---|---|---|---|\n"
            });
            let rows = group.iter().map(|f| {
                let new = if baseline { format!("| {} ", if is_new(f) { "🆕" } else { "" }) } else { String::new() };
                format!("{new}| {} | {} |\n", location_cells(f), cell(&f.message))
            });
            let n = self.table(&heading, rows);
            shown += n;
            if n < group.len() {
                break;
            }
        }
        self.omitted.failing = failing.len() - shown;
    }

    /// Findings that could not be evaluated: one row each, the message naming what could not be read.
    fn unknown(&mut self, report: &Report, baseline: bool) {
        let unknown: Vec<&Finding> = report.findings.iter().filter(|f| f.status == Status::Unknown).collect();
        if unknown.is_empty() {
            return;
        }
        let mut heading = format!(
            "### ❔ Could not be evaluated ({})\n\nThe audit could not read what these checks need; each message names \
             the call or permission that failed. They are neither passes nor failures.\n\n",
            unknown.len()
        );
        heading.push_str(if baseline {
            "| New | Severity | Check | Account | Region | Resource | Why |\n|---|---|---|---|---|---|---|\n"
        } else {
            "| Severity | Check | Account | Region | Resource | Why |\n|---|---|---|---|---|---|\n"
        });
        let rows = unknown.iter().map(|f| {
            let new = if baseline { format!("| {} ", if is_new(f) { "🆕" } else { "" }) } else { String::new() };
            format!(
                "{new}| {} | {} | {} | {} |\n",
                f.severity.as_str(),
                code(&f.check_id, true),
                location_cells(f),
                cell(&f.message)
            )
        });
        let shown = self.table(&heading, rows);
        self.omitted.unknown = unknown.len() - shown;
    }

    /// Suppressed findings, with the reason and expiry of the suppression that matched.
    fn suppressed(&mut self, report: &Report) {
        let suppressed: Vec<&Finding> = report.findings.iter().filter(|f| f.status == Status::Suppressed).collect();
        if suppressed.is_empty() {
            return;
        }
        let heading = format!(
            "### 🔕 Suppressed ({})\n\nMatched by a suppression in the configuration; they do not fail the audit.\n\n\
             | Severity | Check | Account | Region | Resource | Was | Reason | Expires |\n\
             |---|---|---|---|---|---|---|---|\n",
            suppressed.len()
        );
        let rows = suppressed.iter().map(|f| {
            let (was, reason, expires) = match &f.suppression {
                Some(s) => (
                    s.was.as_str().to_string(),
                    cell(&s.reason),
                    s.expires.map_or_else(|| "never".to_string(), |d| d.format("%Y-%m-%d").to_string()),
                ),
                None => ("—".into(), "—".into(), "—".into()),
            };
            format!(
                "| {} | {} | {} | {was} | {reason} | {expires} |\n",
                f.severity.as_str(),
                code(&f.check_id, true),
                location_cells(f)
            )
        });
        let shown = self.table(&heading, rows);
        self.omitted.suppressed = suppressed.len() - shown;
    }

    /// With a baseline: its failing findings that no longer fail.
    fn fixed(&mut self, report: &Report) {
        let Some(fixed) = &report.fixed else { return };
        if fixed.is_empty() {
            self.push("### ✅ Fixed since the baseline (0)\n\nNothing that failed in the baseline has been fixed.\n\n");
            return;
        }
        let heading = format!(
            "### ✅ Fixed since the baseline ({})\n\n| Severity | Check | Account | Region | Resource |\n\
             |---|---|---|---|---|\n",
            fixed.len()
        );
        let rows = fixed.iter().map(|f| {
            format!(
                "| {} | {} {} | {} | {} | {} |\n",
                f.severity.as_str(),
                code(&f.check_id, true),
                cell(&f.title),
                code(&f.account, true),
                code(&f.region, true),
                resource_cell(&f.resource, &f.account)
            )
        });
        let shown = self.table(&heading, rows);
        self.omitted.fixed = fixed.len() - shown;
    }
}

/// Runs of consecutive findings of the same check with the same severity, notes and fix.
fn groups<'a>(findings: &'a [&'a Finding]) -> impl Iterator<Item = &'a [&'a Finding]> + 'a {
    findings.chunk_by(|a, b| {
        a.check_id == b.check_id
            && a.severity == b.severity
            && a.title == b.title
            && a.notes == b.notes
            && a.remediation == b.remediation
    })
}

/// The `account | region | resource` cells of a finding.
fn location_cells(f: &Finding) -> String {
    format!("{} | {} | {}", code(&f.account, true), code(&f.region, true), resource_cell(&f.resource, &f.account))
}

/// A resource cell; a finding about the account itself names no other resource.
fn resource_cell(resource: &str, account: &str) -> String {
    if resource == account {
        "(the account)".into()
    } else {
        code(resource, true)
    }
}

/// A study note as a link to its documentation page, with its id for `dopaudit explain`.
fn note_link(catalogue: &Catalogue, id: &str) -> String {
    match catalogue.note(id) {
        Some(note) => match url(&note.docs_url) {
            Some(u) => format!("[{}]({u}) ({})", prose(&note.title), code(id, false)),
            None => format!("{} ({})", prose(&note.title), code(id, false)),
        },
        None => code(id, false),
    }
}

/// An https URL made safe for a Markdown link destination, or nothing for any other scheme.
fn url(u: &str) -> Option<String> {
    if !u.starts_with("https://") {
        return None;
    }
    let mut out = String::with_capacity(u.len());
    for c in u.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '|' => out.push_str("%7C"),
            '`' => out.push_str("%60"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    Some(out)
}

// ---- Escaping ----------------------------------------------------------------------------------------------

/// At most `max` characters of `s`, cut with an ellipsis.
fn clip(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        Some((at, _)) => Cow::Owned(format!("{}…", &s[..at])),
        None => Cow::Borrowed(s),
    }
}

/// Finding text for a table cell: clipped, then escaped.
fn cell(s: &str) -> String {
    text(&clip(s, MAX_CELL_CHARS)).into_owned()
}

/// Text escaped for a table cell or a line of Markdown: it cannot end the cell (`|`), start a new line (breaks
/// become `<br>`), open a code span, emphasis, a link or math, nor carry HTML (`<`, `>` and `&` become entities).
fn text(s: &str) -> Cow<'_, str> {
    const SPECIAL: [char; 13] = ['\\', '`', '*', '_', '[', ']', '|', '~', '$', '<', '>', '&', '#'];
    if !s.contains(SPECIAL) && !s.contains(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' => out.push_str("<br>"),
            c if SPECIAL.contains(&c) => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Text as an inline code span: shown as it is (no Markdown, no HTML), on one line. In a table cell a `|` is
/// escaped, which GitHub undoes inside the span.
fn code(s: &str, in_table: bool) -> String {
    let s = clip(s, MAX_CELL_CHARS);
    let mut body: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if body.trim().is_empty() {
        return "—".into();
    }
    if in_table {
        body = body.replace('|', "\\|");
    }
    let fence = "`".repeat(longest_run(&body, '`') + 1);
    let pad = if body.starts_with('`') || body.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// Catalogue prose, where `backticks` mark commands: those become code spans, the rest is escaped [`text`]. Text
/// whose backticks do not pair up is escaped whole.
fn prose(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return text(s).into_owned();
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| if i.is_multiple_of(2) { text(p).into_owned() } else { code(p, false) })
        .collect()
}

/// The length of the longest run of `c` in `s`.
fn longest_run(s: &str, c: char) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for ch in s.chars() {
        run = if ch == c { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{FixedFinding, Source, Suppression};
    use crate::snapshot::Snapshot;
    use chrono::{NaiveDate, TimeZone, Utc};

    fn demo() -> (Report, &'static Catalogue) {
        let cat = Catalogue::embedded().unwrap();
        let snap = Snapshot::demo().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 0).unwrap();
        (Report::generate(cat, &snap, &Source::Demo, crate::checks::evaluate(&snap, cat), now), cat)
    }

    fn md(report: &Report, cat: &Catalogue) -> String {
        let mut out = Vec::new();
        render_markdown(report, cat, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The `|` that separate cells (not the escaped ones).
    fn separators(line: &str) -> usize {
        let mut n = 0;
        let mut backslashes = 0usize;
        for c in line.chars() {
            if c == '|' && backslashes.is_multiple_of(2) {
                n += 1;
            }
            backslashes = if c == '\\' { backslashes + 1 } else { 0 };
        }
        n
    }

    #[test]
    fn demo_summary_and_every_failing_check() {
        let (report, cat) = demo();
        let out = md(&report, cat);
        let c = &report.summary.counts;
        assert!(c.fail > 0 && c.unknown > 0, "the demo has failures and unknowns");
        assert!(out.starts_with(&format!("## dopaudit: {} failing · {} unknown", c.fail, c.unknown)), "{out}");
        assert!(out.contains(&format!("| ❌ fail | {} |\n", c.fail)), "{out}");
        assert!(out.contains(&format!("| ❔ unknown | {} |\n", c.unknown)), "{out}");
        assert!(out.contains(&format!("| ✅ pass | {} |\n", c.pass)), "{out}");
        assert!(out.contains(&format!("| **total** | **{}** |\n", c.total)), "{out}");
        assert!(out.contains(&format!("{} accounts", report.scope.accounts.len())), "{out}");
        assert!(out.contains("2026-11-20T09:30:00Z"), "{out}");
        for s in Severity::ALL {
            let sc = &report.summary.by_severity[&s];
            assert!(out.contains(&format!("{} {} | {} |", severity_icon(s), s.as_str(), counts_cells(sc))), "{s}");
        }
        for d in &report.summary.by_domain {
            assert!(out.contains(&format!(
                "| {} · {} | {}% | {} |",
                d.number,
                text(&d.name),
                d.weight,
                counts_cells(&d.counts)
            )));
        }
        assert_eq!(
            out.matches("\n#### ").count(),
            groups(&report.findings.iter().filter(|f| f.status == Status::Fail).collect::<Vec<_>>()).count()
        );
        for f in report.findings.iter().filter(|f| matches!(f.status, Status::Fail | Status::Unknown)) {
            assert!(out.contains(&format!("`{}`", f.check_id)), "{} is missing", f.check_id);
        }
        // Each failing check links its notes' documentation and shows its fix.
        let f = report.findings.iter().find(|f| f.status == Status::Fail).unwrap();
        let note = cat.note(&f.notes[0]).unwrap();
        assert!(out.contains(&format!("]({})", note.docs_url)), "{out}");
        assert!(out.contains("**Fix:** "));
        assert!(!out.contains("omitted"), "the demo fits");
        assert!(!out.contains("Baseline") && !out.contains("🆕"), "no baseline, no marks");
        // Every table row has as many cells as its header.
        let mut columns = 0;
        for line in out.lines() {
            if !line.starts_with('|') {
                columns = 0;
            } else if columns == 0 {
                columns = separators(line);
            } else {
                assert_eq!(separators(line), columns, "{line}");
            }
        }
    }

    #[test]
    fn a_huge_organization_is_cut_under_one_mebibyte() {
        let (mut report, cat) = demo();
        let one: Vec<Finding> = report.findings.clone();
        report.findings = (0..2000)
            .flat_map(|i| {
                one.iter().map(move |f| {
                    let mut f = f.clone();
                    f.resource = format!("{}/copy-{i}", f.resource);
                    f.evidence = serde_json::Value::Null;
                    f
                })
            })
            .collect();
        let out = md(&report, cat);
        assert!(out.len() <= MAX_BYTES && out.len() < 1_048_576, "{} bytes", out.len());
        let listed =
            report.findings.iter().filter(|f| matches!(f.status, Status::Fail | Status::Unknown | Status::Suppressed));
        let shown = out.lines().filter(|l| l.starts_with('|') && l.contains("/copy-")).count();
        let omitted = listed.count() - shown;
        assert!(shown > 1000 && omitted > 0, "shown {shown}, omitted {omitted}");
        let notice = format!("**{omitted} findings omitted**");
        assert_eq!(out.matches(&notice).count(), 2, "at the top and where the lists stop");
        assert!(out.contains("the full report is in the JSON, SARIF and HTML artifacts"));
        // The tables are complete: they count every finding, whatever the lists show.
        assert!(out.contains(&format!("| ❌ fail | {} |\n", report.summary.counts.fail)));
        assert!(out.contains("### By exam domain"));
        assert!(out.trim_end().ends_with("</sub>"));
    }

    #[test]
    fn any_limit_above_the_head_is_kept() {
        let (report, cat) = demo();
        let full = to_markdown(&report, cat, MAX_BYTES);
        let head = head(&report, false).len();
        for limit in (head + RESERVE..full.len() + 200).step_by(997) {
            let out = to_markdown(&report, cat, limit);
            assert!(out.len() <= limit, "{} bytes over a limit of {limit}", out.len());
            assert_eq!(out.contains("omitted**"), out.len() < full.len(), "at {limit}");
        }
        assert_eq!(to_markdown(&report, cat, full.len() + RESERVE), full);
    }

    #[test]
    fn finding_text_cannot_break_a_table_or_inject_html() {
        let (mut report, cat) = demo();
        let f = report.findings.iter_mut().find(|f| f.status == Status::Fail).unwrap();
        f.message = "a | b <script>alert(1)</script> `tick` [x](javascript:y) *bold*\r\nsecond line".into();
        f.resource = "arn:aws:s3:::bucket|with`pipe".into();
        let out = md(&report, cat);
        assert!(!out.contains("<script>"), "{out}");
        let row = out.lines().find(|l| l.contains("alert(1)")).expect("the row");
        assert!(row.starts_with("| ") && row.ends_with(" |"), "one line: {row}");
        assert_eq!(separators(row), 5, "four cells: {row}");
        assert!(row
            .contains(r"a \| b &lt;script&gt;alert(1)&lt;/script&gt; \`tick\` \[x\](javascript:y) \*bold\*<br>second"));
        assert!(row.contains(r"``arn:aws:s3:::bucket\|with`pipe``"), "{row}");
    }

    #[test]
    fn baseline_suppressions_and_fixed() {
        let (mut report, cat) = demo();
        let mut failing = report.findings.iter_mut().filter(|f| f.status == Status::Fail);
        failing.next().unwrap().baseline = Some(BaselineMark::New);
        failing.next().unwrap().baseline = Some(BaselineMark::Existing);
        let s = report.findings.iter_mut().find(|f| f.status == Status::Pass).unwrap();
        s.status = Status::Suppressed;
        s.check_id = "suppressed-check".into();
        s.suppression = Some(Suppression {
            reason: "accepted | see <TICKET-1>".into(),
            expires: NaiveDate::from_ymd_opt(2027, 1, 31),
            was: Status::Fail,
        });
        report.fixed = Some(vec![FixedFinding {
            check_id: "gone-check".into(),
            title: "Fixed title".into(),
            severity: Severity::High,
            account: "111111111111".into(),
            region: "us-east-1".into(),
            resource: "arn:aws:cloudtrail:us-east-1:111111111111:trail/x".into(),
        }]);
        let out = md(&report, cat);
        assert!(out.contains("**Baseline:** 🆕 **1 new failing finding** since the baseline"), "{out}");
        assert!(out.contains(&format!("| ❌ fail | {} | 1 |", report.summary.counts.fail)), "{out}");
        assert_eq!(out.matches("| 🆕 |").count(), 1, "{out}");
        let row = out.lines().find(|l| l.contains("`suppressed-check`")).unwrap();
        assert!(row.contains(r"| fail | accepted \| see &lt;TICKET-1&gt; | 2027-01-31 |"), "{row}");
        assert!(out.contains("### ✅ Fixed since the baseline (1)"));
        assert!(out.contains("| high | `gone-check` Fixed title | `111111111111` | `us-east-1` |"), "{out}");
    }

    #[test]
    fn escaping_helpers() {
        assert_eq!(text("plain"), "plain");
        assert_eq!(text("a_b*c"), r"a\_b\*c");
        assert_eq!(code("a`b", false), "``a`b``");
        assert_eq!(code("`x", false), "`` `x ``");
        assert_eq!(code("", true), "—");
        assert_eq!(prose("run `dopaudit explain x` now"), "run `dopaudit explain x` now");
        assert_eq!(prose("odd ` tick"), r"odd \` tick");
        assert_eq!(clip("héllo", 2), "hé…");
        assert_eq!(url("javascript:alert(1)"), None);
        assert_eq!(
            url("https://docs.aws.amazon.com/a (b).html").unwrap(),
            "https://docs.aws.amazon.com/a%20%28b%29.html"
        );
    }
}
