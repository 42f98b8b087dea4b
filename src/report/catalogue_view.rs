//! Printers for the learning commands: `notes`, `checks`, `explain` and `domains`.
//!
//! The JSON forms are stable interfaces (DESIGN.md): notes carry `id`, `section`, `domains`, `topics`,
//! `text`, `docs_url`; checks carry `id`, `title`, `severity`, `domains`, `notes`, `permissions`, `service`,
//! `remediation`. Fields may be added, never renamed.

use std::io::{self, Write};

use comfy_table::{presets, Cell, ContentArrangement, Table};
use serde::Serialize;

use super::style::{self, severity_cell};
use super::{Finding, Report, Scope, Status, StatusCounts};
use crate::notes::{Catalogue, CheckMeta, Note};

/// Table or JSON, for the catalogue commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ListFormat {
    #[default]
    Table,
    Json,
}

fn table(header: Vec<&str>) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(style::text_width() as u16)
        .set_header(header);
    t
}

fn json<T: Serialize + ?Sized>(value: &T, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

fn domains_list(d: &[u8]) -> String {
    d.iter().map(u8::to_string).collect::<Vec<_>>().join(", ")
}

pub fn render_notes(notes: &[&Note], with_text: bool, format: ListFormat, out: &mut dyn Write) -> io::Result<()> {
    if format == ListFormat::Json {
        return json(notes, out);
    }
    if with_text {
        let width = style::text_width();
        for n in notes {
            writeln!(
                out,
                "{} — {}  [section {} {} · domains {}]",
                n.id,
                n.title,
                n.section.number,
                n.section.title,
                domains_list(&n.domains)
            )?;
            writeln!(out, "{}", style::wrap(&n.text, width, "  "))?;
            writeln!(out, "  {}\n", n.docs_url)?;
        }
    } else {
        let mut t = table(vec!["Note", "Title", "Section", "Domains"]);
        for n in notes {
            t.add_row(vec![
                n.id.clone(),
                n.title.clone(),
                format!("{} {}", n.section.number, n.section.title),
                domains_list(&n.domains),
            ]);
        }
        writeln!(out, "{t}")?;
    }
    writeln!(out, "{} note(s). `dopaudit explain NOTE-ID` shows one in full.", notes.len())
}

pub fn render_checks(checks: &[&CheckMeta], color: bool, format: ListFormat, out: &mut dyn Write) -> io::Result<()> {
    if format == ListFormat::Json {
        return json(checks, out);
    }
    let mut t = table(vec!["Check", "Severity", "Domains", "Title", "Notes"]);
    if color {
        t.enforce_styling();
    }
    for c in checks {
        t.add_row(vec![
            Cell::new(&c.id),
            severity_cell(c.severity, color),
            Cell::new(domains_list(&c.domains)),
            Cell::new(&c.title),
            Cell::new(c.notes.join("\n")),
        ]);
    }
    writeln!(out, "{t}")?;
    writeln!(out, "{} check(s). `dopaudit explain CHECK-ID` shows one in full.", checks.len())
}

/// `explain` on a check: what it verifies, why, its notes, the AWS calls behind it, and the fix.
/// What an account shows for a note or check: the scope read and the related checks' findings.
pub type Observed = (Scope, Vec<Finding>);

pub fn render_explain_check(
    cat: &Catalogue,
    c: &CheckMeta,
    format: ListFormat,
    observed: Option<&Observed>,
    out: &mut dyn Write,
) -> io::Result<()> {
    if format == ListFormat::Json {
        #[derive(Serialize)]
        struct Explained<'a> {
            kind: &'static str,
            check: &'a CheckMeta,
            notes: Vec<&'a Note>,
            #[serde(skip_serializing_if = "Option::is_none")]
            observed: Option<ObservedJson<'a>>,
        }
        let notes = c.notes.iter().filter_map(|id| cat.note(id)).collect();
        return json(&Explained { kind: "check", check: c, notes, observed: observed.map(ObservedJson::from) }, out);
    }
    let width = style::text_width();
    writeln!(out, "Check {} — {}", c.id, c.title)?;
    writeln!(
        out,
        "Severity {} · {} · study section {} {}",
        c.severity,
        domain_names(cat, &c.domains),
        c.section.number,
        c.section.title
    )?;
    writeln!(out, "\nWhy it matters\n{}", style::wrap(&c.rationale, width, "  "))?;
    writeln!(out, "\nStudy notes")?;
    for id in &c.notes {
        if let Some(n) = cat.note(id) {
            writeln!(out, "  {id} — {}", n.title)?;
            writeln!(out, "{}", style::wrap(&n.text, width, "    "))?;
            writeln!(out, "    {}", n.docs_url)?;
        }
    }
    writeln!(out, "\nAWS calls (IAM actions it needs)")?;
    for p in &c.permissions {
        writeln!(out, "  {p}")?;
    }
    write_remediation(c, width, out)?;
    if let Some(observed) = observed {
        write_observed(&[c], observed, width, out)?;
    }
    Ok(())
}

#[derive(Serialize)]
struct ObservedJson<'a> {
    scope: &'a Scope,
    findings: &'a [Finding],
}

impl<'a> From<&'a Observed> for ObservedJson<'a> {
    fn from(o: &'a Observed) -> Self {
        ObservedJson { scope: &o.0, findings: &o.1 }
    }
}

/// The learning view: for each related check, what each place showed (the evidence the check read, as
/// `field: value` lines), its verdict, and for the failing ones how to change the configuration.
fn write_observed(
    checks: &[&CheckMeta],
    (scope, findings): &Observed,
    width: usize,
    out: &mut dyn Write,
) -> io::Result<()> {
    let place = if scope.source == "live" { "the account".to_string() } else { format!("the {} data", scope.source) };
    writeln!(
        out,
        "\nWhat {place} shows ({} account(s): {}; regions {})",
        scope.accounts.len(),
        scope.accounts.join(", "),
        scope.regions.join(", ")
    )?;
    for c in checks {
        let mine: Vec<&Finding> = findings.iter().filter(|f| f.check_id == c.id).collect();
        let count = |s: Status| mine.iter().filter(|f| f.status == s).count();
        writeln!(
            out,
            "\n  {} — {}: {} fail · {} unknown · {} skipped · {} pass",
            c.id,
            c.title,
            count(Status::Fail),
            count(Status::Unknown),
            count(Status::Skipped),
            count(Status::Pass)
        )?;
        if mine.is_empty() {
            writeln!(out, "    nothing to look at here (no resource of this kind was read)")?;
        }
        for f in &mine {
            writeln!(out, "    [{}] {} · {} · {}", f.status.as_str().to_uppercase(), f.account, f.region, f.resource)?;
            writeln!(out, "{}", style::wrap(&f.message, width, "      "))?;
            for line in evidence_lines(&f.evidence) {
                writeln!(out, "      observed  {line}")?;
            }
        }
        if mine.iter().any(|f| f.status == Status::Fail) {
            writeln!(out, "    To change it: {}", c.remediation.text)?;
            if let Some(cli) = &c.remediation.cli {
                writeln!(out, "      $ {cli}")?;
            }
        }
    }
    Ok(())
}

/// The evidence as `field: value` lines: a nested object's fields by dotted path, arrays and scalars compact.
fn evidence_lines(evidence: &serde_json::Value) -> Vec<String> {
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) if !map.is_empty() && out.len() < 40 => {
                for (k, v) in map {
                    let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    walk(&path, v, out);
                }
            }
            _ => {
                let mut text = v.to_string();
                if text.len() > 160 {
                    text = format!("{}…", text.chars().take(160).collect::<String>());
                }
                out.push(if prefix.is_empty() { text } else { format!("{prefix}: {text}") });
            }
        }
    }
    let mut out = Vec::new();
    if !evidence.as_object().is_some_and(|m| m.is_empty()) && !evidence.is_null() {
        walk("", evidence, &mut out);
    }
    out
}

fn write_remediation(c: &CheckMeta, width: usize, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "\nHow to fix\n{}", style::wrap(&c.remediation.text, width, "  "))?;
    if let Some(cli) = &c.remediation.cli {
        writeln!(out, "  $ {cli}")?;
    }
    if let Some(cfn) = &c.remediation.cloudformation {
        writeln!(out, "\n  CloudFormation:")?;
        for line in cfn.lines() {
            writeln!(out, "    {line}")?;
        }
    }
    Ok(())
}

/// `explain` on a note: its text, where it sits in the exam, and the checks that observe it.
pub fn render_explain_note(
    cat: &Catalogue,
    n: &Note,
    format: ListFormat,
    observed: Option<&Observed>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let checks: Vec<&CheckMeta> = cat.checks_for_note(&n.id).collect();
    if format == ListFormat::Json {
        #[derive(Serialize)]
        struct Explained<'a> {
            kind: &'static str,
            note: &'a Note,
            checks: Vec<&'a CheckMeta>,
            #[serde(skip_serializing_if = "Option::is_none")]
            observed: Option<ObservedJson<'a>>,
        }
        return json(&Explained { kind: "note", note: n, checks, observed: observed.map(ObservedJson::from) }, out);
    }
    let width = style::text_width();
    writeln!(out, "Note {} — {}", n.id, n.title)?;
    let topics: Vec<&str> = n.topics.iter().map(|t| cat.topic(t).map_or(t.as_str(), |t| t.title.as_str())).collect();
    writeln!(out, "Study section {} {} · {}", n.section.number, n.section.title, domain_names(cat, &n.domains))?;
    writeln!(out, "Key topics: {}", topics.join("; "))?;
    writeln!(out, "\n{}", style::wrap(&n.text, width, "  "))?;
    writeln!(out, "\n  AWS documentation: {}", n.docs_url)?;
    if checks.is_empty() {
        writeln!(
            out,
            "\nNo check observes this note in an account yet: it is knowledge to hold, not configuration to audit."
        )?;
        return Ok(());
    }
    writeln!(out, "\nChecks that look for it in an account")?;
    for c in &checks {
        writeln!(out, "  {} ({}) — {}", c.id, c.severity, c.title)?;
        writeln!(out, "    AWS calls: {}", c.permissions.join(", "))?;
        writeln!(out, "    Fix: {}", c.remediation.text)?;
    }
    if let Some(observed) = observed {
        write_observed(&checks, observed, width, out)?;
    }
    Ok(())
}

fn domain_names(cat: &Catalogue, domains: &[u8]) -> String {
    domains
        .iter()
        .map(|d| match cat.domain(*d) {
            Some(dom) => format!("domain {d} {}", dom.name),
            None => format!("domain {d}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Serialize)]
struct DomainRow<'a> {
    number: u8,
    name: &'a str,
    weight: u8,
    notes: usize,
    checks: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    results: Option<DomainResults>,
}

#[derive(Serialize)]
struct DomainResults {
    #[serde(flatten)]
    counts: StatusCounts,
    pass_rate: Option<f64>,
}

/// `domains`: weight, notes and checks per exam domain and, given a report, how the account fares in each.
pub fn render_domains(
    cat: &Catalogue,
    report: Option<&Report>,
    format: ListFormat,
    out: &mut dyn Write,
) -> io::Result<()> {
    let rows: Vec<DomainRow> = cat
        .domains
        .iter()
        .map(|d| DomainRow {
            number: d.number,
            name: &d.name,
            weight: d.weight,
            notes: cat.notes.iter().filter(|n| n.domains.contains(&d.number)).count(),
            checks: cat.checks.iter().filter(|c| c.domains.contains(&d.number)).count(),
            results: report.map(|r| {
                let counts = r
                    .summary
                    .by_domain
                    .iter()
                    .find(|s| s.number == d.number)
                    .map(|s| s.counts.clone())
                    .unwrap_or_default();
                DomainResults { pass_rate: counts.pass_rate(), counts }
            }),
        })
        .collect();
    if format == ListFormat::Json {
        return json(&rows, out);
    }
    let mut header = vec!["Domain", "Name", "Weight", "Notes", "Checks"];
    if report.is_some() {
        header.extend(["Pass rate", "Pass", "Fail", "Unknown", "Skipped"]);
    }
    let mut t = table(header);
    for r in &rows {
        let mut row = vec![
            r.number.to_string(),
            r.name.to_string(),
            format!("{}%", r.weight),
            r.notes.to_string(),
            r.checks.to_string(),
        ];
        if let Some(res) = &r.results {
            row.push(res.pass_rate.map_or_else(|| "—".into(), |p| format!("{:.0}%", p * 100.0)));
            row.extend(
                [res.counts.pass, res.counts.fail, res.counts.unknown, res.counts.skipped].map(|n| n.to_string()),
            );
        }
        t.add_row(row);
    }
    writeln!(out, "{t}")?;
    match report {
        Some(_) => writeln!(out, "Pass rate = pass ÷ (pass + fail) over findings of checks in the domain; unknown and skipped are not counted."),
        None => writeln!(out, "Add --demo or --snapshot FILE to see how an account fares in each domain."),
    }
}

/// Findings that cite a note, for `explain` with a snapshot (used by the learning view).
pub fn findings_for_note<'a>(report: &'a Report, note_id: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
    report.findings.iter().filter(move |f| f.notes.iter().any(|n| n == note_id))
}

/// `domains --topics`: the twelve key technical topics and how many notes treat each.
pub fn render_topics(cat: &Catalogue, format: ListFormat, out: &mut dyn Write) -> io::Result<()> {
    #[derive(Serialize)]
    struct TopicRow<'a> {
        id: &'a str,
        title: &'a str,
        notes: usize,
    }
    let rows: Vec<TopicRow> = cat
        .topics
        .iter()
        .map(|t| TopicRow {
            id: &t.id,
            title: &t.title,
            notes: cat.notes.iter().filter(|n| n.topics.contains(&t.id)).count(),
        })
        .collect();
    if format == ListFormat::Json {
        return json(&rows, out);
    }
    let mut t = table(vec!["Topic", "Title", "Notes"]);
    for r in &rows {
        t.add_row(vec![r.id.to_string(), r.title.to_string(), r.notes.to_string()]);
    }
    writeln!(out, "{t}")?;
    writeln!(out, "`dopaudit notes --topic TOPIC` lists a topic's notes.")
}
