//! One self-contained HTML page, for a CI artifact or an email: the scope and a summary by status, a chart of each
//! exam domain drawn as inline SVG, and the findings as a table with their study notes, fix and evidence beside them.
//!
//! Nothing is fetched: the CSS and the script are inline, and a Content-Security-Policy forbids every other source
//! (the script is allowed by its hash, so a script that slipped into the text of a finding would not run). The table
//! is complete without the script, which only adds sorting, filtering and search.
//!
//! The page is written with `maud`'s `html!`, which escapes every spliced value unless it is wrapped in
//! `PreEscaped` (only the page's own CSS and script are): a name, tag, message or piece of evidence that holds
//! markup is text on the page, never markup. Report text is spliced as [`Text`], which keeps this page's stricter
//! rule on top (see [`escape`]). maud writes no whitespace of its own, so the `"\n"` literals lay the page out one
//! element a line, as a person reading the source (or a snapshot) expects.

use std::io::{self, Write};

use base64::Engine as _;
use maud::{html, Markup, PreEscaped, Render, DOCTYPE};
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

/// Text from the report or the catalogue, spliced into the page. maud would escape a bare `&str` too (`& < > "`);
/// this adds `'` and the control characters of [`escape`], so the page stays valid HTML whatever an AWS name holds.
struct Text<'a>(&'a str);

impl Render for Text<'_> {
    fn render_to(&self, buffer: &mut String) {
        buffer.push_str(&escape(self.0));
    }
}

/// The head of a table with these column titles.
fn column_heads(columns: &[&str]) -> Markup {
    html! { thead { tr { @for c in columns { th scope="col" { (c) } } } } }
}

/// Text with its `backticked` spans set as code, the way the notes and fixes write commands and names.
fn prose(text: &str) -> Markup {
    let parts: Vec<&str> = text.split('`').collect();
    html! {
        @for (i, part) in parts.iter().enumerate() {
            @if i % 2 == 1 && i + 1 < parts.len() {
                code { (Text(part)) }
            } @else {
                // an unpaired backtick stays as it was
                @if i % 2 == 1 { "`" }
                (Text(part))
            }
        }
    }
}

/// Text that may run to several paragraphs (blank-line separated), as `<p>` elements.
fn paragraphs(text: &str) -> Markup {
    html! {
        @for p in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
            p { (prose(&p.split_whitespace().collect::<Vec<_>>().join(" "))) }
        }
    }
}

/// A link, only for web addresses: anything else (a `javascript:` URL) is shown as text.
fn link(url: &str, label: &str) -> Markup {
    html! {
        @if url.starts_with("https://") || url.starts_with("http://") {
            a href=(Text(url)) rel="noopener noreferrer" { (Text(label)) }
        } @else {
            (Text(url))
        }
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
    out.write_all(page(report, catalogue).into_string().as_bytes())
}

fn page(report: &Report, catalogue: &Catalogue) -> Markup {
    let generated = fmt_time(&report.generated_at);
    let subject = report.scope.organization_id.as_deref().unwrap_or(&report.scope.source);
    html! {
        (DOCTYPE) "\n"
        html lang="en" {
            "\n"
            head {
                "\n"
                meta charset="utf-8"; "\n"
                meta name="viewport" content="width=device-width, initial-scale=1"; "\n"
                meta http-equiv="Content-Security-Policy" content=(content_security_policy()); "\n"
                meta name="generator" content={ "dopaudit " (Text(&report.tool_version)) }; "\n"
                title { "dopaudit report · " (Text(subject)) " · " (Text(&generated)) } "\n"
                style { (PreEscaped(STYLE)) } "\n"
            }
            "\n"
            body {
                "\n"
                (header(report))
                main {
                    "\n"
                    (summary(report))
                    (chart(&report.summary.by_domain))
                    (findings(report, catalogue))
                    @if let Some(fixed) = &report.fixed {
                        (fixed_section(fixed))
                    }
                }
                "\n"
                footer {
                    "Written by dopaudit " (Text(&report.tool_version)) ". The study notes are the project's own \
                     words; each links to the AWS documentation that backs it, and "
                    code { "dopaudit explain ID" }
                    " prints it in a terminal."
                }
                "\n"
                script { (PreEscaped(SCRIPT)) } "\n"
            }
            "\n"
        }
        "\n"
    }
}

fn header(report: &Report) -> Markup {
    let scope = &report.scope;
    let generated = fmt_time(&report.generated_at);
    let item = |term: &str, value: Markup| html! { div { dt { (term) } dd { (value) } } "\n" };
    let list = |xs: &[String]| {
        html! {
            @if xs.is_empty() {
                "none"
            } @else {
                @for (i, x) in xs.iter().enumerate() {
                    @if i > 0 { " " }
                    code { (Text(x)) }
                }
            }
        }
    };
    html! {
        header class="page" {
            "\n"
            h1 { "dopaudit audit report" } "\n"
            p class="lead" {
                "Read-only audit of AWS accounts; every finding links to its AWS DevOps Engineer – Professional \
                 (DOP-C02) study notes."
            }
            "\n"
            dl class="meta" {
                "\n"
                (item("Generated", html! { time datetime=(Text(&generated)) { (Text(&generated)) } }))
                (item(
                    "Tool",
                    html! {
                        "dopaudit " (Text(&report.tool_version)) " · report schema " (Text(&report.schema_version))
                    },
                ))
                (item(
                    "Source",
                    html! {
                        (Text(&scope.source))
                        @if let Some(path) = &scope.snapshot_path {
                            " · " code { (Text(path)) }
                        }
                    },
                ))
                (item("Snapshot taken", html! { (Text(&fmt_time(&scope.snapshot_generated_at))) }))
                (item(
                    "Organization",
                    html! { (Text(scope.organization_id.as_deref().unwrap_or("none (standalone account)"))) },
                ))
                (item(&format!("Accounts ({})", scope.accounts.len()), list(&scope.accounts)))
                (item(&format!("Regions ({})", scope.regions.len()), list(&scope.regions)))
            }
            "\n"
        }
        "\n"
    }
}

fn summary(report: &Report) -> Markup {
    let counts = &report.summary.counts;
    html! {
        section id="summary" aria-label="Findings by status" {
            "\n"
            div class="tile total" data-total=(counts.total) {
                span class="count" { (counts.total) }
                span class="label" { "findings · " (pass_rate(counts)) }
            }
            "\n"
            @for s in Status::ALL {
                @let n = count(counts, s);
                div class={ "tile st-" (s.as_str()) @if n == 0 { " zero" } } data-status=(s.as_str()) data-count=(n) {
                    span class="count" { (n) }
                    span class="label" { (s.as_str()) }
                }
                "\n"
            }
            @if let Some(fixed) = &report.fixed {
                a class="tile fixed" href="#fixed" data-fixed=(fixed.len()) {
                    span class="count" { (fixed.len()) }
                    span class="label" { "fixed since the baseline" }
                }
                "\n"
            }
        }
        "\n"
    }
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

fn chart(domains: &[DomainSummary]) -> Markup {
    const WIDTH: f64 = 960.0;
    const ROW: f64 = 54.0;
    const BAR_Y: f64 = 22.0;
    const BAR_H: f64 = 22.0;
    let height = ROW * domains.len() as f64;
    html! {
        section class="chart" aria-labelledby="chart-heading" {
            "\n"
            h2 id="chart-heading" { "By exam domain" } "\n"
            svg id="domain-chart" xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (WIDTH) " " (height) }
                role="img" aria-labelledby="domain-chart-title" {
                "\n"
                title id="domain-chart-title" {
                    "Findings of each exam domain by status: fail, unknown, skipped or suppressed, pass"
                }
                "\n"
                @for (i, d) in domains.iter().enumerate() {
                    (domain_bar(i as f64 * ROW, d, (WIDTH, BAR_Y, BAR_H)))
                }
            }
            "\n"
            ul class="legend" {
                @for Segment { class, name, .. } in SEGMENTS {
                    li { span class={ "swatch seg-" (class) } {} (name) }
                }
            }
            "\n"
            p class="hint" {
                "A finding of several domains counts in each of them. The pass rate is pass over pass and fail."
            }
            "\n"
        }
        "\n"
    }
}

/// One domain's row of the chart: its label, its counts, and its bar of segments.
fn domain_bar(y: f64, d: &DomainSummary, (width, bar_y, bar_h): (f64, f64, f64)) -> Markup {
    let c = &d.counts;
    let label = format!("Domain {} · {}", d.number, d.name);
    let tooltip = format!(
        "{label} ({}% of the exam): {} fail, {} unknown, {} suppressed, {} skipped, {} pass",
        d.weight, c.fail, c.unknown, c.suppressed, c.skipped, c.pass
    );
    let stats = if c.total == 0 {
        "no findings".to_string()
    } else {
        format!("{} finding{} · {}", c.total, if c.total == 1 { "" } else { "s" }, pass_rate(c))
    };
    // Each segment with its offset and width, both in the chart's units.
    let mut before = 0usize;
    let segments: Vec<(&Segment, usize, f64, f64)> = SEGMENTS
        .iter()
        .filter_map(|seg| {
            let n = (seg.of)(c);
            if n == 0 || c.total == 0 {
                return None;
            }
            let x = width * before as f64 / c.total as f64;
            before += n;
            Some((seg, n, x, width * n as f64 / c.total as f64))
        })
        .collect();
    html! {
        g class="domain-bar" data-domain=(d.number) transform={ "translate(0 " (y) ")" } {
            "\n"
            title { (Text(&tooltip)) } "\n"
            text class="dlabel" x="0" y="15" {
                (Text(&label))
                tspan class="weight" dx="8" { (d.weight) "% of the exam" }
            }
            "\n"
            text class="dstats" x=(width) y="15" text-anchor="end" { (Text(&stats)) } "\n"
            clipPath id={ "domain-clip-" (d.number) } {
                rect x="0" y=(bar_y) width=(width) height=(bar_h) rx="4" {}
            }
            "\n"
            g clip-path={ "url(#domain-clip-" (d.number) ")" } {
                "\n"
                @if c.total == 0 {
                    rect class="seg seg-empty" x="0" y=(bar_y) width=(width) height=(bar_h) {} "\n"
                }
                @for (seg, n, x, w) in segments {
                    rect class={ "seg seg-" (seg.class) } x=(format!("{x:.2}")) y=(bar_y) width=(format!("{w:.2}"))
                        height=(bar_h) {
                        title { (n) " " (seg.name) }
                    }
                    "\n"
                    @if w >= 26.0 {
                        text class={ "seglabel seglabel-" (seg.class) } x=(format!("{:.2}", x + w / 2.0))
                            y=(format!("{:.1}", bar_y + bar_h / 2.0 + 4.5)) text-anchor="middle" { (n) }
                        "\n"
                    }
                }
            }
            "\n"
        }
        "\n"
    }
}

fn findings(report: &Report, catalogue: &Catalogue) -> Markup {
    let findings = &report.findings;
    const COLUMNS: [&str; 7] =
        ["Status", "Severity", "Check", "Account", "Region", "Resource", "Message, study notes and evidence"];
    html! {
        section class="findings" aria-labelledby="findings-heading" {
            "\n"
            h2 id="findings-heading" { "Findings" } "\n"
            // The controls only work with the script, which shows them.
            div id="filters" class="filters" hidden {
                "\n"
                fieldset {
                    legend { "Status" }
                    @for s in Status::ALL {
                        label class={ "st-" (s.as_str()) } {
                            input type="checkbox" name="status" value=(s.as_str()) checked;
                            " " (s.as_str()) " "
                            span class="n" { (findings.iter().filter(|f| f.status == s).count()) }
                        }
                    }
                }
                "\n"
                fieldset {
                    legend { "Severity" }
                    @for s in Severity::ALL {
                        label {
                            input type="checkbox" name="severity" value=(s.as_str()) checked;
                            " " (s.as_str()) " "
                            span class="n" { (findings.iter().filter(|f| f.severity == s).count()) }
                        }
                    }
                }
                "\n"
                div class="search" {
                    label for="search" { "Search" } "\n"
                    input type="search" id="search" placeholder="check, account, region, resource, message…"
                        autocomplete="off"; "\n"
                    button type="button" id="reset" { "Show all" }
                }
                "\n"
                p id="shown" aria-live="polite" {} "\n"
            }
            "\n"
            table id="findings" {
                "\n"
                (column_heads(&COLUMNS)) "\n"
                tbody {
                    "\n"
                    @for f in findings {
                        (row(f, catalogue))
                    }
                }
                "\n"
                tfoot {
                    tr id="no-match" hidden[!findings.is_empty()] {
                        td colspan="7" {
                            @if findings.is_empty() {
                                "The audit produced no findings."
                            } @else {
                                "No finding matches the filters."
                            }
                        }
                    }
                }
                "\n"
            }
            "\n"
        }
        "\n"
    }
}

fn row(f: &Finding, catalogue: &Catalogue) -> Markup {
    let status = f.status.as_str();
    let severity = f.severity.as_str();
    let baseline = f.baseline.map(|b| match b {
        BaselineMark::New => "new",
        BaselineMark::Existing => "existing",
    });
    let domains: Vec<String> = f.domains.iter().map(u8::to_string).collect();
    let evidence = serde_json::to_string_pretty(&f.evidence).unwrap_or_else(|_| f.evidence.to_string());
    html! {
        tr class={ "finding st-" (status) } data-status=(status) data-severity=(severity) data-baseline=[baseline] {
            "\n"
            td data-key=(status_rank(f.status)) {
                span class={ "badge st-" (status) } { (status) }
                @if let Some(b) = baseline {
                    " "
                    span class={ "badge baseline-" (b) } title=(if b == "new" {
                        "Not in the baseline report"
                    } else {
                        "Already in the baseline report"
                    }) { (b) }
                }
            }
            "\n"
            td data-key=(severity_rank(f.severity)) { span class={ "sev sev-" (severity) } { (severity) } } "\n"
            td class="check" {
                code class="key" { (Text(&f.check_id)) }
                span class="title" { (Text(&f.title)) }
                span class="domains" { "domain " (Text(&domains.join(", "))) }
            }
            "\n"
            td { (Text(&f.account)) } "\n"
            td { (Text(&f.region)) } "\n"
            td class="resource" { (Text(&f.resource)) } "\n"
            td class="detail" {
                p class="key msg" { (Text(&f.message)) } "\n"
                @if let Some(s) = &f.suppression {
                    p class="suppression" {
                        strong { "Suppressed" }
                        " (was " (Text(s.was.as_str())) ") "
                        @match s.expires {
                            Some(d) => { "until " (d) },
                            None => { "without expiry" },
                        }
                        ": " (Text(&s.reason))
                    }
                    "\n"
                }
                details class="notes" {
                    summary { "Study notes and fix (" (f.notes.len()) ")" } "\n"
                    @for id in &f.notes {
                        @match catalogue.note(id) {
                            Some(n) => {
                                div class="note" {
                                    h4 { (Text(&n.title)) }
                                    p class="note-ref" {
                                        code { (Text(&n.id)) }
                                        " · study section " (n.section.number) " · " (Text(&n.section.title))
                                    }
                                    (paragraphs(&n.text))
                                    p class="docs" { (link(&n.docs_url, "AWS documentation")) }
                                }
                            },
                            None => {
                                div class="note" { p class="note-ref" { code { (Text(id)) } } }
                            },
                        }
                        "\n"
                    }
                    div class="fix" {
                        h4 { "How to fix" }
                        (paragraphs(&f.remediation.text)) "\n"
                        @if let Some(cli) = &f.remediation.cli {
                            p class="cmd-label" { "AWS CLI" }
                            pre { code { (Text(cli)) } } "\n"
                        }
                        @if let Some(cfn) = &f.remediation.cloudformation {
                            p class="cmd-label" { "CloudFormation" }
                            pre { code { (Text(cfn)) } } "\n"
                        }
                    }
                }
                "\n"
                details class="evidence" { summary { "Evidence" } pre { (Text(&evidence)) } } "\n"
            }
            "\n"
        }
        "\n"
    }
}

fn fixed_section(fixed: &[FixedFinding]) -> Markup {
    const COLUMNS: [&str; 5] = ["Severity", "Check", "Account", "Region", "Resource"];
    html! {
        section id="fixed" aria-labelledby="fixed-heading" {
            "\n"
            h2 id="fixed-heading" { "Fixed since the baseline (" (fixed.len()) ")" } "\n"
            @if fixed.is_empty() {
                p { "None of the baseline's failing findings has been fixed." } "\n"
            } @else {
                p { "Failing in the baseline report, no longer failing now." } "\n"
                table class="fixed" {
                    "\n"
                    (column_heads(&COLUMNS)) "\n"
                    tbody {
                        "\n"
                        @for f in fixed {
                            tr {
                                td { span class={ "sev sev-" (f.severity.as_str()) } { (f.severity.as_str()) } }
                                td class="check" {
                                    code { (Text(&f.check_id)) }
                                    span class="title" { (Text(&f.title)) }
                                }
                                "\n"
                                td { (Text(&f.account)) }
                                td { (Text(&f.region)) }
                                td class="resource" { (Text(&f.resource)) }
                            }
                            "\n"
                        }
                    }
                }
                "\n"
            }
        }
        "\n"
    }
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
        assert_eq!(prose("run `a<b` now").into_string(), "run <code>a&lt;b</code> now");
        assert_eq!(prose("one ` only").into_string(), "one ` only");
        assert_eq!(prose("`x` and `y").into_string(), "<code>x</code> and `y");
    }

    #[test]
    fn only_web_addresses_become_links() {
        let web = link("https://docs.aws.amazon.com/x?a=1&b=\"2\"", "d").into_string();
        assert_eq!(
            web,
            r#"<a href="https://docs.aws.amazon.com/x?a=1&amp;b=&quot;2&quot;" rel="noopener noreferrer">d</a>"#
        );
        assert_eq!(link("javascript:alert(1)", "d").into_string(), "javascript:alert(1)");
    }
}
