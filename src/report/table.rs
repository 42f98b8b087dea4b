//! The terminal table: findings grouped by exam domain, each with the study notes that explain it, then a
//! summary and the verdict. With `--explain`, each failing finding is followed by its notes' text and fix.

use std::collections::BTreeSet;
use std::io::{self, Write};

use comfy_table::{presets, Cell, ColumnConstraint, ContentArrangement, Table, Width};

use super::style::{self, severity_cell, status_cell};
use super::{counts_against, decide, fmt_time, Finding, RenderOptions, Report, Status, StatusCounts, Verdict};
use crate::notes::Catalogue;

pub fn render_table(
    report: &Report,
    catalogue: &Catalogue,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let width = opts.width;
    let scope = &report.scope;
    writeln!(
        out,
        "dopaudit {} — {} account(s), {} region(s){}; {} snapshot taken {}",
        report.tool_version,
        scope.accounts.len(),
        scope.regions.len(),
        scope.organization_id.as_ref().map(|o| format!(", organization {o}")).unwrap_or_default(),
        scope.source,
        fmt_time(&scope.snapshot_generated_at),
    )?;
    let mut explained = BTreeSet::new();
    for domain in &catalogue.domains {
        // A finding is listed under its check's first domain, so it appears once.
        let findings: Vec<&Finding> =
            report.findings.iter().filter(|f| f.domains.first() == Some(&domain.number)).collect();
        if findings.is_empty() {
            continue;
        }
        let mut counts = StatusCounts::default();
        findings.iter().for_each(|f| counts.add(f.status));
        writeln!(out)?;
        writeln!(
            out,
            "Domain {} · {} ({}% of the exam) — {}",
            domain.number,
            domain.name,
            domain.weight,
            counts_line(&counts)
        )?;
        let mut table = Table::new();
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width as u16)
            .set_header(vec!["Status", "Severity", "Check · finding · where", "Study notes"]);
        // Check and note ids are what a reader copies into `dopaudit explain`: keep the longest on one line.
        let longest =
            |ids: &mut dyn Iterator<Item = &String>| ids.map(|id| id.chars().count()).max().unwrap_or(0) as u16 + 2;
        let check_width = longest(&mut findings.iter().map(|f| &f.check_id));
        let note_width = longest(&mut findings.iter().flat_map(|f| f.notes.iter()));
        for (index, width) in [(2, check_width), (3, note_width)] {
            if let Some(column) = table.column_mut(index) {
                column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(width)));
            }
        }
        if opts.color {
            // comfy-table drops styling off a terminal unless told; the caller already decided.
            table.enforce_styling();
        }
        for f in &findings {
            let notes = f
                .notes
                .iter()
                .map(|id| match catalogue.note(id) {
                    Some(n) => format!("{id}\n– {}", n.title),
                    None => id.clone(),
                })
                .collect::<Vec<_>>()
                .join("\n");
            table.add_row(vec![
                status_cell(f.status, opts.color),
                severity_cell(f.severity, opts.color),
                Cell::new(format!(
                    "{}\n{}{}\n{} · {}",
                    f.check_id,
                    f.message,
                    shown_resource(f).map(|r| format!("\n{r}")).unwrap_or_default(),
                    f.account,
                    f.region
                )),
                Cell::new(notes),
            ]);
        }
        writeln!(out, "{table}")?;
        if opts.explain {
            for f in findings.iter().filter(|f| f.status == Status::Fail) {
                write_explanation(f, catalogue, &mut explained, width, out)?;
            }
        }
    }
    writeln!(out)?;
    writeln!(out, "Summary: {} ({} findings)", counts_line(&report.summary.counts), report.summary.counts.total)?;
    if let Some(fail_on) = opts.fail_on {
        let failing = report.findings.iter().filter(|f| counts_against(f, fail_on, opts.strict)).count();
        let what = if opts.strict { "failing or unknown" } else { "failing" };
        match decide(report, fail_on, opts.strict) {
            Verdict::Failing => {
                writeln!(out, "Result: FAIL — {failing} {what} finding(s) at severity {fail_on} or above (exit 1)")?
            }
            Verdict::Clean => {
                writeln!(out, "Result: PASS — no {what} finding at severity {fail_on} or above (exit 0)")?
            }
        }
    }
    if !opts.explain && report.summary.counts.fail > 0 {
        writeln!(out, "Add --explain to read the study notes behind each failure, or run `dopaudit explain NOTE-ID`.")?;
    }
    Ok(())
}

/// The resource, unless it is just the account (findings about an account's or region's configuration).
fn shown_resource(f: &Finding) -> Option<&str> {
    (f.resource != f.account).then_some(f.resource.as_str())
}

fn counts_line(c: &StatusCounts) -> String {
    let parts: Vec<String> = [
        (c.fail, "fail"),
        (c.unknown, "unknown"),
        (c.suppressed, "suppressed"),
        (c.skipped, "skipped"),
        (c.pass, "pass"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if parts.is_empty() {
        "no findings".into()
    } else {
        parts.join(" · ")
    }
}

/// The notes and fix under a failing finding; a note's text is printed the first time only.
fn write_explanation(
    f: &Finding,
    catalogue: &Catalogue,
    explained: &mut BTreeSet<String>,
    width: usize,
    out: &mut dyn Write,
) -> io::Result<()> {
    match shown_resource(f) {
        Some(r) => writeln!(out, "  ✗ {} · {r} · {} {}", f.check_id, f.account, f.region)?,
        None => writeln!(out, "  ✗ {} · {} {}", f.check_id, f.account, f.region)?,
    }
    for id in &f.notes {
        let Some(note) = catalogue.note(id) else { continue };
        if explained.insert(id.clone()) {
            writeln!(out, "    {id} — {}", note.title)?;
            writeln!(out, "{}", style::wrap(&note.text, width, "      "))?;
            writeln!(out, "      {}", note.docs_url)?;
        } else {
            writeln!(out, "    {id} — {} (explained above)", note.title)?;
        }
    }
    writeln!(out, "    Fix: {}", f.remediation.text)?;
    if let Some(cli) = &f.remediation.cli {
        writeln!(out, "      $ {cli}")?;
    }
    writeln!(out)
}
