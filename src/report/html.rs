//! One self-contained HTML page, for a CI artifact or an email: the scope and a summary by status, a chart of each
//! exam domain drawn as inline SVG, and the findings as a table with their study notes, fix and evidence beside them.
//!
//! Nothing is fetched: the CSS and the script are inline, and a Content-Security-Policy forbids every other source
//! (the script is allowed by its hash, so a script that slipped into the text of a finding would not run). The table
//! is complete without the script, which only adds sorting, filtering and search; every text from the report is
//! escaped on the way out.

use std::io::{self, Write};

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use super::{fmt_time, BaselineMark, DomainSummary, Finding, FixedFinding, Report, Status, StatusCounts};
use crate::notes::{Catalogue, Severity};

/// Escapes text for an HTML element or a quoted attribute. C0 control characters other than tab, line feed and
/// carriage return (which HTML does not allow) become U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Escaped text with its `backticked` spans set as code, the way the notes and fixes write commands and names.
fn prose(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    let mut out = String::with_capacity(text.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        let is_code = i % 2 == 1 && i + 1 < parts.len();
        if is_code {
            out.push_str("<code>");
            out.push_str(&escape(part));
            out.push_str("</code>");
        } else {
            if i > 0 && i % 2 == 1 {
                out.push('`'); // an unpaired backtick stays as it was
            }
            out.push_str(&escape(part));
        }
    }
    out
}

/// Text that may run to several paragraphs (blank-line separated), as `<p>` elements.
fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", prose(&p.split_whitespace().collect::<Vec<_>>().join(" "))))
        .collect()
}

/// A link, only for web addresses: anything else (a `javascript:` URL) is shown as text.
fn link(url: &str, label: &str) -> String {
    if url.starts_with("https://") || url.starts_with("http://") {
        format!(r#"<a href="{}" rel="noopener noreferrer">{}</a>"#, escape(url), escape(label))
    } else {
        escape(url)
    }
}

fn status_rank(s: Status) -> usize {
    Status::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

fn severity_rank(s: Severity) -> usize {
    Severity::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

fn count(c: &StatusCounts, s: Status) -> usize {
    match s {
        Status::Fail => c.fail,
        Status::Unknown => c.unknown,
        Status::Suppressed => c.suppressed,
        Status::Skipped => c.skipped,
        Status::Pass => c.pass,
    }
}

fn pass_rate(c: &StatusCounts) -> String {
    match c.pass_rate() {
        Some(r) => format!("pass rate {:.0}%", r * 100.0),
        None => "no pass or fail yet".into(),
    }
}

/// The Content-Security-Policy: nothing but the inline style and this page's own script.
fn content_security_policy() -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT.as_bytes()));
    format!(
        "default-src 'none'; script-src 'sha256-{hash}'; style-src 'unsafe-inline'; img-src data:; \
         base-uri 'none'; form-action 'none'"
    )
}

pub fn render_html(report: &Report, catalogue: &Catalogue, out: &mut dyn Write) -> io::Result<()> {
    let generated = fmt_time(&report.generated_at);
    let subject = report.scope.organization_id.as_deref().unwrap_or(&report.scope.source);
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, r#"<html lang="en">"#)?;
    writeln!(out, "<head>")?;
    writeln!(out, r#"<meta charset="utf-8">"#)?;
    writeln!(out, r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#)?;
    writeln!(out, r#"<meta http-equiv="Content-Security-Policy" content="{}">"#, content_security_policy())?;
    writeln!(out, r#"<meta name="generator" content="dopaudit {}">"#, escape(&report.tool_version))?;
    writeln!(out, "<title>dopaudit report · {} · {}</title>", escape(subject), escape(&generated))?;
    writeln!(out, "<style>{STYLE}</style>")?;
    writeln!(out, "</head>")?;
    writeln!(out, "<body>")?;
    write_header(report, out)?;
    writeln!(out, "<main>")?;
    write_summary(report, out)?;
    write_chart(&report.summary.by_domain, out)?;
    write_findings(report, catalogue, out)?;
    if let Some(fixed) = &report.fixed {
        write_fixed(fixed, out)?;
    }
    writeln!(out, "</main>")?;
    writeln!(
        out,
        "<footer>Written by dopaudit {}. The study notes are the project's own words; each links to the AWS \
         documentation that backs it, and <code>dopaudit explain ID</code> prints it in a terminal.</footer>",
        escape(&report.tool_version)
    )?;
    writeln!(out, "<script>{SCRIPT}</script>")?;
    writeln!(out, "</body>")?;
    writeln!(out, "</html>")
}

fn write_header(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let scope = &report.scope;
    let generated = fmt_time(&report.generated_at);
    writeln!(out, r#"<header class="page">"#)?;
    writeln!(out, "<h1>dopaudit audit report</h1>")?;
    writeln!(
        out,
        r#"<p class="lead">Read-only audit of AWS accounts; every finding links to its AWS DevOps Engineer – Professional (DOP-C02) study notes.</p>"#
    )?;
    writeln!(out, r#"<dl class="meta">"#)?;
    let item = |out: &mut dyn Write, term: &str, value: &str| -> io::Result<()> {
        writeln!(out, "<div><dt>{}</dt><dd>{value}</dd></div>", escape(term))
    };
    item(out, "Generated", &format!(r#"<time datetime="{0}">{0}</time>"#, escape(&generated)))?;
    item(
        out,
        "Tool",
        &format!("dopaudit {} · report schema {}", escape(&report.tool_version), escape(&report.schema_version)),
    )?;
    let mut source = escape(&scope.source);
    if let Some(path) = &scope.snapshot_path {
        source.push_str(&format!(" · <code>{}</code>", escape(path)));
    }
    item(out, "Source", &source)?;
    item(out, "Snapshot taken", &escape(&fmt_time(&scope.snapshot_generated_at)))?;
    item(out, "Organization", &escape(scope.organization_id.as_deref().unwrap_or("none (standalone account)")))?;
    let list = |xs: &[String]| {
        if xs.is_empty() {
            "none".to_string()
        } else {
            xs.iter().map(|x| format!("<code>{}</code>", escape(x))).collect::<Vec<_>>().join(" ")
        }
    };
    item(out, &format!("Accounts ({})", scope.accounts.len()), &list(&scope.accounts))?;
    item(out, &format!("Regions ({})", scope.regions.len()), &list(&scope.regions))?;
    writeln!(out, "</dl>")?;
    writeln!(out, "</header>")
}

fn write_summary(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let counts = &report.summary.counts;
    writeln!(out, r#"<section id="summary" aria-label="Findings by status">"#)?;
    writeln!(
        out,
        r#"<div class="tile total" data-total="{0}"><span class="count">{0}</span><span class="label">findings · {1}</span></div>"#,
        counts.total,
        escape(&pass_rate(counts))
    )?;
    for s in Status::ALL {
        let n = count(counts, s);
        writeln!(
            out,
            r#"<div class="tile st-{0}{2}" data-status="{0}" data-count="{1}"><span class="count">{1}</span><span class="label">{0}</span></div>"#,
            s.as_str(),
            n,
            if n == 0 { " zero" } else { "" }
        )?;
    }
    if let Some(fixed) = &report.fixed {
        writeln!(
            out,
            r##"<a class="tile fixed" href="#fixed" data-fixed="{0}"><span class="count">{0}</span><span class="label">fixed since the baseline</span></a>"##,
            fixed.len()
        )?;
    }
    writeln!(out, "</section>")
}

/// A segment of a domain's bar: its CSS class, its legend label, and how many of the domain's findings it holds.
struct Segment {
    class: &'static str,
    name: &'static str,
    of: fn(&StatusCounts) -> usize,
}

/// The segments in drawing order.
const SEGMENTS: [Segment; 4] = [
    Segment { class: "fail", name: "fail", of: |c| c.fail },
    Segment { class: "unknown", name: "unknown", of: |c| c.unknown },
    Segment { class: "other", name: "skipped or suppressed", of: |c| c.skipped + c.suppressed },
    Segment { class: "pass", name: "pass", of: |c| c.pass },
];

fn write_chart(domains: &[DomainSummary], out: &mut dyn Write) -> io::Result<()> {
    const WIDTH: f64 = 960.0;
    const ROW: f64 = 54.0;
    const BAR_Y: f64 = 22.0;
    const BAR_H: f64 = 22.0;
    writeln!(out, r#"<section class="chart" aria-labelledby="chart-heading">"#)?;
    writeln!(out, r#"<h2 id="chart-heading">By exam domain</h2>"#)?;
    let height = ROW * domains.len() as f64;
    writeln!(
        out,
        r#"<svg id="domain-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="domain-chart-title">"#
    )?;
    writeln!(
        out,
        r#"<title id="domain-chart-title">Findings of each exam domain by status: fail, unknown, skipped or suppressed, pass</title>"#
    )?;
    for (i, d) in domains.iter().enumerate() {
        let c = &d.counts;
        let label = format!("Domain {} · {}", d.number, d.name);
        let tooltip = format!(
            "{label} ({}% of the exam): {} fail, {} unknown, {} suppressed, {} skipped, {} pass",
            d.weight, c.fail, c.unknown, c.suppressed, c.skipped, c.pass
        );
        writeln!(
            out,
            r#"<g class="domain-bar" data-domain="{}" transform="translate(0 {})">"#,
            d.number,
            i as f64 * ROW
        )?;
        writeln!(out, "<title>{}</title>", escape(&tooltip))?;
        writeln!(
            out,
            r#"<text class="dlabel" x="0" y="15">{}<tspan class="weight" dx="8">{}% of the exam</tspan></text>"#,
            escape(&label),
            d.weight
        )?;
        let stats = if c.total == 0 {
            "no findings".to_string()
        } else {
            format!("{} finding{} · {}", c.total, if c.total == 1 { "" } else { "s" }, pass_rate(c))
        };
        writeln!(out, r#"<text class="dstats" x="{WIDTH}" y="15" text-anchor="end">{}</text>"#, escape(&stats))?;
        writeln!(
            out,
            r#"<clipPath id="domain-clip-{}"><rect x="0" y="{BAR_Y}" width="{WIDTH}" height="{BAR_H}" rx="4"/></clipPath>"#,
            d.number
        )?;
        writeln!(out, r#"<g clip-path="url(#domain-clip-{})">"#, d.number)?;
        if c.total == 0 {
            writeln!(out, r#"<rect class="seg seg-empty" x="0" y="{BAR_Y}" width="{WIDTH}" height="{BAR_H}"/>"#)?;
        } else {
            let mut before = 0usize;
            for Segment { class, name, of } in SEGMENTS {
                let n = of(c);
                if n == 0 {
                    continue;
                }
                let x = WIDTH * before as f64 / c.total as f64;
                let w = WIDTH * n as f64 / c.total as f64;
                before += n;
                writeln!(
                    out,
                    r#"<rect class="seg seg-{class}" x="{x:.2}" y="{BAR_Y}" width="{w:.2}" height="{BAR_H}"><title>{n} {name}</title></rect>"#
                )?;
                if w >= 26.0 {
                    writeln!(
                        out,
                        r#"<text class="seglabel seglabel-{class}" x="{:.2}" y="{:.1}" text-anchor="middle">{n}</text>"#,
                        x + w / 2.0,
                        BAR_Y + BAR_H / 2.0 + 4.5
                    )?;
                }
            }
        }
        writeln!(out, "</g>")?;
        writeln!(out, "</g>")?;
    }
    writeln!(out, "</svg>")?;
    write!(out, r#"<ul class="legend">"#)?;
    for Segment { class, name, .. } in SEGMENTS {
        write!(out, r#"<li><span class="swatch seg-{class}"></span>{name}</li>"#)?;
    }
    writeln!(out, "</ul>")?;
    writeln!(
        out,
        r#"<p class="hint">A finding of several domains counts in each of them. The pass rate is pass over pass and fail.</p>"#
    )?;
    writeln!(out, "</section>")
}

fn write_findings(report: &Report, catalogue: &Catalogue, out: &mut dyn Write) -> io::Result<()> {
    let findings = &report.findings;
    writeln!(out, r#"<section class="findings" aria-labelledby="findings-heading">"#)?;
    writeln!(out, r#"<h2 id="findings-heading">Findings</h2>"#)?;

    // The controls only work with the script, which shows them.
    writeln!(out, r#"<div id="filters" class="filters" hidden>"#)?;
    write!(out, "<fieldset><legend>Status</legend>")?;
    for s in Status::ALL {
        let n = findings.iter().filter(|f| f.status == s).count();
        write!(
            out,
            r#"<label class="st-{0}"><input type="checkbox" name="status" value="{0}" checked> {0} <span class="n">{1}</span></label>"#,
            s.as_str(),
            n
        )?;
    }
    writeln!(out, "</fieldset>")?;
    write!(out, "<fieldset><legend>Severity</legend>")?;
    for s in Severity::ALL {
        let n = findings.iter().filter(|f| f.severity == s).count();
        write!(
            out,
            r#"<label><input type="checkbox" name="severity" value="{0}" checked> {0} <span class="n">{1}</span></label>"#,
            s.as_str(),
            n
        )?;
    }
    writeln!(out, "</fieldset>")?;
    writeln!(out, r#"<div class="search"><label for="search">Search</label>"#)?;
    writeln!(
        out,
        r#"<input type="search" id="search" placeholder="check, account, region, resource, message…" autocomplete="off">"#
    )?;
    writeln!(out, r#"<button type="button" id="reset">Show all</button></div>"#)?;
    writeln!(out, r#"<p id="shown" aria-live="polite"></p>"#)?;
    writeln!(out, "</div>")?;

    writeln!(out, r#"<table id="findings">"#)?;
    writeln!(
        out,
        "<thead><tr><th scope=\"col\">Status</th><th scope=\"col\">Severity</th><th scope=\"col\">Check</th>\
         <th scope=\"col\">Account</th><th scope=\"col\">Region</th><th scope=\"col\">Resource</th>\
         <th scope=\"col\">Message, study notes and evidence</th></tr></thead>"
    )?;
    writeln!(out, "<tbody>")?;
    for f in findings {
        write_row(f, catalogue, out)?;
    }
    writeln!(out, "</tbody>")?;
    let empty = if findings.is_empty() { "" } else { " hidden" };
    writeln!(
        out,
        r#"<tfoot><tr id="no-match"{empty}><td colspan="7">{}</td></tr></tfoot>"#,
        if findings.is_empty() { "The audit produced no findings." } else { "No finding matches the filters." }
    )?;
    writeln!(out, "</table>")?;
    writeln!(out, "</section>")
}

fn write_row(f: &Finding, catalogue: &Catalogue, out: &mut dyn Write) -> io::Result<()> {
    let status = f.status.as_str();
    let severity = f.severity.as_str();
    let baseline = f.baseline.map(|b| match b {
        BaselineMark::New => "new",
        BaselineMark::Existing => "existing",
    });
    write!(out, r#"<tr class="finding st-{status}" data-status="{status}" data-severity="{severity}""#)?;
    if let Some(b) = baseline {
        write!(out, r#" data-baseline="{b}""#)?;
    }
    writeln!(out, ">")?;

    write!(out, r#"<td data-key="{}"><span class="badge st-{status}">{status}</span>"#, status_rank(f.status))?;
    if let Some(b) = baseline {
        let title = if b == "new" { "Not in the baseline report" } else { "Already in the baseline report" };
        write!(out, r#" <span class="badge baseline-{b}" title="{title}">{b}</span>"#)?;
    }
    writeln!(out, "</td>")?;
    writeln!(
        out,
        r#"<td data-key="{}"><span class="sev sev-{severity}">{severity}</span></td>"#,
        severity_rank(f.severity)
    )?;
    let domains: Vec<String> = f.domains.iter().map(u8::to_string).collect();
    writeln!(
        out,
        r#"<td class="check"><code class="key">{}</code><span class="title">{}</span><span class="domains">domain {}</span></td>"#,
        escape(&f.check_id),
        escape(&f.title),
        escape(&domains.join(", "))
    )?;
    writeln!(out, "<td>{}</td>", escape(&f.account))?;
    writeln!(out, "<td>{}</td>", escape(&f.region))?;
    writeln!(out, r#"<td class="resource">{}</td>"#, escape(&f.resource))?;

    writeln!(out, r#"<td class="detail"><p class="key msg">{}</p>"#, escape(&f.message))?;
    if let Some(s) = &f.suppression {
        let expires = match s.expires {
            Some(d) => format!("until {d}"),
            None => "without expiry".into(),
        };
        writeln!(
            out,
            r#"<p class="suppression"><strong>Suppressed</strong> (was {}) {}: {}</p>"#,
            escape(s.was.as_str()),
            escape(&expires),
            escape(&s.reason)
        )?;
    }
    writeln!(out, r#"<details class="notes"><summary>Study notes and fix ({})</summary>"#, f.notes.len())?;
    for id in &f.notes {
        match catalogue.note(id) {
            Some(n) => writeln!(
                out,
                r#"<div class="note"><h4>{}</h4><p class="note-ref"><code>{}</code> · study section {} · {}</p>{}<p class="docs">{}</p></div>"#,
                escape(&n.title),
                escape(&n.id),
                n.section.number,
                escape(&n.section.title),
                paragraphs(&n.text),
                link(&n.docs_url, "AWS documentation")
            )?,
            None => writeln!(out, r#"<div class="note"><p class="note-ref"><code>{}</code></p></div>"#, escape(id))?,
        }
    }
    writeln!(out, r#"<div class="fix"><h4>How to fix</h4>{}"#, paragraphs(&f.remediation.text))?;
    if let Some(cli) = &f.remediation.cli {
        writeln!(out, r#"<p class="cmd-label">AWS CLI</p><pre><code>{}</code></pre>"#, escape(cli))?;
    }
    if let Some(cfn) = &f.remediation.cloudformation {
        writeln!(out, r#"<p class="cmd-label">CloudFormation</p><pre><code>{}</code></pre>"#, escape(cfn))?;
    }
    writeln!(out, "</div></details>")?;
    let evidence = serde_json::to_string_pretty(&f.evidence).unwrap_or_else(|_| f.evidence.to_string());
    writeln!(
        out,
        r#"<details class="evidence"><summary>Evidence</summary><pre>{}</pre></details>"#,
        escape(&evidence)
    )?;
    writeln!(out, "</td>")?;
    writeln!(out, "</tr>")
}

fn write_fixed(fixed: &[FixedFinding], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, r#"<section id="fixed" aria-labelledby="fixed-heading">"#)?;
    writeln!(out, r#"<h2 id="fixed-heading">Fixed since the baseline ({})</h2>"#, fixed.len())?;
    if fixed.is_empty() {
        writeln!(out, "<p>None of the baseline's failing findings has been fixed.</p>")?;
        return writeln!(out, "</section>");
    }
    writeln!(out, r#"<p>Failing in the baseline report, no longer failing now.</p>"#)?;
    writeln!(out, r#"<table class="fixed">"#)?;
    writeln!(
        out,
        "<thead><tr><th scope=\"col\">Severity</th><th scope=\"col\">Check</th><th scope=\"col\">Account</th>\
         <th scope=\"col\">Region</th><th scope=\"col\">Resource</th></tr></thead>"
    )?;
    writeln!(out, "<tbody>")?;
    for f in fixed {
        let severity = f.severity.as_str();
        writeln!(
            out,
            r#"<tr><td><span class="sev sev-{severity}">{severity}</span></td><td class="check"><code>{}</code><span class="title">{}</span></td>"#,
            escape(&f.check_id),
            escape(&f.title),
        )?;
        writeln!(
            out,
            r#"<td>{}</td><td>{}</td><td class="resource">{}</td></tr>"#,
            escape(&f.account),
            escape(&f.region),
            escape(&f.resource)
        )?;
    }
    writeln!(out, "</tbody></table>")?;
    writeln!(out, "</section>")
}

const STYLE: &str = r#"
:root {
  --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #ffffff; --soft: #f6f8fa; --link: #0b5cad;
  --fail: #c62828; --fail-bg: #fdecea; --unknown: #b26a00; --unknown-bg: #fff4e0;
  --suppressed: #6a4fa3; --suppressed-bg: #f1ecfa; --skipped: #5f6b76; --skipped-bg: #eef1f4;
  --pass: #2e7d32; --pass-bg: #e8f5e9;
  --bar-fail: #d64541; --bar-unknown: #f0a830; --bar-other: #b4bcc6; --bar-pass: #3f9b4f;
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; color: var(--fg); background: var(--bg);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
header.page, main, footer { max-width: 1600px; margin: 0 auto; padding: 0 24px; }
header.page { padding-top: 20px; }
h1 { font-size: 26px; margin: 0 0 2px; }
h2 { font-size: 19px; margin: 28px 0 10px; }
h4 { font-size: 14px; margin: 0 0 4px; }
p { margin: 0 0 8px; }
a { color: var(--link); }
code, pre {
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px;
}
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 4px; padding: 8px 10px; margin: 4px 0 8px;
  white-space: pre-wrap; overflow-wrap: anywhere; }
.lead { color: var(--muted); margin-bottom: 14px; }
.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 8px 24px; margin: 0; }
.meta div { min-width: 0; }
.meta dt { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.meta dd { margin: 0; overflow-wrap: anywhere; }
#summary { display: flex; flex-wrap: wrap; gap: 10px; margin: 22px 0 4px; }
.tile { display: flex; flex-direction: column; min-width: 118px; padding: 10px 16px; border-radius: 8px;
  border: 1px solid var(--line); border-left-width: 6px; background: var(--soft); color: inherit;
  text-decoration: none; }
.tile .count { font-size: 28px; font-weight: 700; line-height: 1.15; font-variant-numeric: tabular-nums; }
.tile .label { color: var(--muted); font-size: 13px; }
.tile.total { border-left-color: var(--fg); background: var(--bg); }
.tile.fixed { border-left-color: var(--pass); }
.tile.st-fail { border-left-color: var(--fail); background: var(--fail-bg); }
.tile.st-fail .count { color: var(--fail); }
.tile.st-unknown { border-left-color: var(--unknown); background: var(--unknown-bg); }
.tile.st-unknown .count { color: var(--unknown); }
.tile.st-suppressed { border-left-color: var(--suppressed); background: var(--suppressed-bg); }
.tile.st-suppressed .count { color: var(--suppressed); }
.tile.st-skipped { border-left-color: var(--skipped); background: var(--skipped-bg); }
.tile.st-skipped .count { color: var(--skipped); }
.tile.st-pass { border-left-color: var(--pass); background: var(--pass-bg); }
.tile.st-pass .count { color: var(--pass); }
.tile.zero { opacity: .6; }
.tile.clickable { cursor: pointer; }
.tile.clickable:hover, .tile.clickable:focus-visible { outline: 2px solid var(--link); outline-offset: 1px; }
.chart svg { display: block; width: 100%; max-width: 960px; height: auto; }
.chart text { fill: var(--fg); font-size: 13.5px; }
.chart .dlabel { font-weight: 600; }
.chart .weight, .chart .dstats { fill: var(--muted); font-weight: 400; }
.chart .seglabel { font-size: 12px; font-weight: 600; fill: #fff; }
.chart .seglabel-unknown, .chart .seglabel-other { fill: #1f2328; }
.seg-fail { fill: var(--bar-fail); background: var(--bar-fail); }
.seg-unknown { fill: var(--bar-unknown); background: var(--bar-unknown); }
.seg-other { fill: var(--bar-other); background: var(--bar-other); }
.seg-pass { fill: var(--bar-pass); background: var(--bar-pass); }
.seg-empty { fill: var(--soft); stroke: var(--line); stroke-dasharray: 4 3; }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 0; margin: 10px 0 4px;
  color: var(--muted); }
.legend .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 6px;
  vertical-align: -1px; }
.hint { color: var(--muted); font-size: 12.5px; }
.filters { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 20px; margin: 0 0 12px; padding: 10px 14px;
  background: var(--soft); border: 1px solid var(--line); border-radius: 8px; }
.filters fieldset { border: 0; margin: 0; padding: 0; display: flex; flex-wrap: wrap; align-items: center;
  gap: 2px 12px; }
.filters legend { float: left; font-weight: 600; margin-right: 6px; }
.filters label { white-space: nowrap; cursor: pointer; }
.filters .n { color: var(--muted); font-size: 12px; }
.filters .search { display: flex; align-items: center; gap: 6px; flex: 1 1 320px; }
.filters .search label { font-weight: 600; }
.filters input[type=search] { flex: 1; min-width: 160px; font: inherit; padding: 4px 8px;
  border: 1px solid var(--line); border-radius: 4px; }
.filters button, th button { font: inherit; }
.filters button { padding: 4px 10px; border: 1px solid var(--line); border-radius: 4px; background: var(--bg);
  cursor: pointer; }
#shown { margin: 0; color: var(--muted); width: 100%; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: 7px 8px; border-bottom: 1px solid var(--line); }
thead th { position: sticky; top: 0; z-index: 1; background: #eaeef2; font-size: 12.5px; white-space: nowrap;
  border-bottom: 2px solid var(--line); }
th button { border: 0; background: none; padding: 0; font-weight: 700; cursor: pointer; color: inherit; }
th button:hover { color: var(--link); }
th .arrow { display: inline-block; width: 1em; color: var(--muted); }
th[aria-sort=ascending] .arrow::after { content: "\25B2"; }
th[aria-sort=descending] .arrow::after { content: "\25BC"; }
tbody tr:hover { background: #fafbfc; }
tr.finding > td:nth-child(1), tr.finding > td:nth-child(2), tr.finding > td:nth-child(5) { white-space: nowrap; }
td.check { min-width: 220px; max-width: 320px; }
td.check code { display: block; font-weight: 600; overflow-wrap: anywhere; }
td.check .title { display: block; }
td.check .domains { display: block; color: var(--muted); font-size: 12px; }
td.resource { min-width: 190px; max-width: 280px; overflow-wrap: anywhere; font-size: 12px;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
td.detail { min-width: 300px; overflow-wrap: anywhere; }
td.detail .msg { margin-bottom: 4px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 700;
  border: 1px solid transparent; }
.badge.st-fail { color: #fff; background: var(--fail); }
.badge.st-unknown { color: #3d2500; background: #ffd591; border-color: #f0b450; }
.badge.st-suppressed { color: var(--suppressed); background: var(--suppressed-bg); border-color: #c9b8ea; }
.badge.st-skipped { color: var(--skipped); background: var(--skipped-bg); border-color: #cfd6dd; }
.badge.st-pass { color: var(--pass); background: var(--pass-bg); border-color: #a8d5ab; }
.badge.baseline-new { color: #0b5cad; background: #e3f0ff; border-color: #a6cbf5; }
.badge.baseline-existing { color: var(--muted); background: var(--bg); border-color: var(--line); font-weight: 400; }
.sev { font-weight: 600; }
.sev-critical { color: #8e0000; text-transform: uppercase; }
.sev-high { color: var(--fail); }
.sev-medium { color: var(--unknown); }
.sev-low { color: var(--fg); font-weight: 400; }
.sev-info { color: var(--muted); font-weight: 400; }
tr.st-pass td, tr.st-skipped td { color: #3c4650; }
.suppression { background: var(--suppressed-bg); border-left: 3px solid var(--suppressed); padding: 3px 8px; }
details { margin: 2px 0; }
summary { cursor: pointer; color: var(--link); font-size: 13px; width: max-content; max-width: 100%; }
details[open] > summary { margin-bottom: 6px; }
details.notes[open], details.evidence[open] { padding: 8px 10px; background: var(--bg); border: 1px solid var(--line);
  border-radius: 6px; }
.note { border-left: 3px solid #8fb8e8; padding-left: 10px; margin-bottom: 10px; }
.note-ref { color: var(--muted); font-size: 12px; }
.note p { max-width: 80ch; }
.fix { border-left: 3px solid var(--pass); padding-left: 10px; }
.cmd-label { color: var(--muted); font-size: 12px; margin: 6px 0 0; }
#fixed table td { white-space: normal; }
footer { color: var(--muted); font-size: 12.5px; margin-top: 28px; padding: 12px 0 28px; border-top: 1px solid var(--line); }
@media (max-width: 1150px) {
  td.check { min-width: 160px; }
  td.resource { min-width: 130px; }
  td.detail { min-width: 240px; }
}
@media (max-width: 1000px) {
  th, td { padding: 6px 5px; }
  td.check { min-width: 130px; }
  td.resource { min-width: 110px; }
  td.detail { min-width: 200px; }
}
@media (max-width: 800px) {
  header.page, main, footer { padding: 0 10px; }
  td.check, td.detail { min-width: 0; }
}
@media print {
  body { font-size: 10pt; }
  header.page, main, footer { max-width: none; padding: 0; }
  .filters, th .arrow { display: none !important; }
  thead th { position: static; background: none; }
  tr { break-inside: avoid; }
  h2 { break-after: avoid; }
  .chart, #summary { break-inside: avoid; }
  summary { color: var(--fg); }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .note a[href]::after { content: " (" attr(href) ")"; font-size: 9pt; overflow-wrap: anywhere; }
}
"#;

/// The page's only script: sorting, filtering and search over the table the page already holds. It marks
/// `<body data-ready="1">` once it has run, which is how a headless browser proves it did.
const SCRIPT: &str = r#"
(() => {
  'use strict';
  const table = document.getElementById('findings');
  const filters = document.getElementById('filters');
  const search = document.getElementById('search');
  const shown = document.getElementById('shown');
  const noMatch = document.getElementById('no-match');
  const tbody = table.tBodies[0];
  const rows = Array.from(tbody.querySelectorAll('tr.finding'));
  const order = new Map(rows.map((r, i) => [r, i]));
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

  const keyOf = (td) => {
    const k = td.getAttribute('data-key');
    if (k !== null) return k;
    return (td.querySelector('.key') || td).textContent.trim();
  };
  const text = new Map(rows.map((r) => {
    const parts = Array.from(r.cells).slice(0, 6).map((td) => td.textContent);
    r.querySelectorAll('.msg, .suppression').forEach((e) => parts.push(e.textContent));
    return [r, parts.join(' ').replace(/\s+/g, ' ').toLowerCase()];
  }));

  const checked = (name) =>
    new Set(Array.from(filters.querySelectorAll('input[name="' + name + '"]:checked'), (i) => i.value));
  const apply = () => {
    const statuses = checked('status');
    const severities = checked('severity');
    const terms = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    let n = 0;
    for (const r of rows) {
      const hay = text.get(r);
      const ok = statuses.has(r.dataset.status) && severities.has(r.dataset.severity) &&
        terms.every((t) => hay.includes(t));
      r.hidden = !ok;
      if (ok) n += 1;
    }
    shown.textContent = n === rows.length ? 'All ' + n + ' findings shown'
      : n + ' of ' + rows.length + ' findings shown';
    noMatch.hidden = n !== 0;
  };

  const heads = Array.from(table.tHead.rows[0].cells);
  let sortCol = -1;
  let sortDir = 1;
  heads.forEach((th, col) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.title = 'Sort by this column';
    while (th.firstChild) button.appendChild(th.firstChild);
    const arrow = document.createElement('span');
    arrow.className = 'arrow';
    arrow.setAttribute('aria-hidden', 'true');
    button.appendChild(arrow);
    th.appendChild(button);
    button.addEventListener('click', () => {
      sortDir = sortCol === col ? -sortDir : 1;
      sortCol = col;
      heads.forEach((h) => h.removeAttribute('aria-sort'));
      th.setAttribute('aria-sort', sortDir > 0 ? 'ascending' : 'descending');
      const keyed = rows.map((r) => [keyOf(r.cells[col]), r]);
      keyed.sort((a, b) => sortDir * collator.compare(a[0], b[0]) || order.get(a[1]) - order.get(b[1]));
      const frag = document.createDocumentFragment();
      keyed.forEach((k) => frag.appendChild(k[1]));
      tbody.appendChild(frag);
    });
  });

  document.querySelectorAll('#summary [data-status]').forEach((tile) => {
    const status = tile.getAttribute('data-status');
    tile.classList.add('clickable');
    tile.tabIndex = 0;
    tile.setAttribute('role', 'button');
    tile.title = 'Show only the ' + status + ' findings';
    const only = () => {
      filters.querySelectorAll('input[name="status"]').forEach((i) => { i.checked = i.value === status; });
      apply();
      filters.scrollIntoView({ block: 'start' });
    };
    tile.addEventListener('click', only);
    tile.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); only(); }
    });
  });

  filters.addEventListener('change', apply);
  search.addEventListener('input', apply);
  document.getElementById('reset').addEventListener('click', () => {
    filters.querySelectorAll('input[type=checkbox]').forEach((i) => { i.checked = true; });
    search.value = '';
    apply();
  });
  filters.hidden = false;
  apply();
  document.body.setAttribute('data-ready', '1');
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five_characters() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("a\u{0}b\tc"), "a\u{FFFD}b\tc");
    }

    #[test]
    fn backticks_become_code_and_stay_escaped() {
        assert_eq!(prose("run `a<b` now"), "run <code>a&lt;b</code> now");
        assert_eq!(prose("one ` only"), "one ` only");
        assert_eq!(prose("`x` and `y"), "<code>x</code> and `y");
    }

    #[test]
    fn only_web_addresses_become_links() {
        assert!(link("https://docs.aws.amazon.com/x", "d").starts_with("<a href=\"https://docs.aws.amazon.com/x\""));
        assert_eq!(link("javascript:alert(1)", "d"), "javascript:alert(1)");
    }
}
