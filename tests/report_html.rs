//! The HTML report of the demo: one file that fetches nothing, shows every finding and the same counts as the
//! report, escapes whatever a finding says, draws a bar per exam domain, and has balanced markup.

use base64::Engine as _;
use chrono::{NaiveDate, TimeZone, Utc};
use dopaudit::checks::evaluate;
use dopaudit::notes::{Catalogue, Severity};
use dopaudit::report::{
    render, BaselineMark, FixedFinding, Format, RenderOptions, Report, Source, Status, Suppression,
};
use dopaudit::snapshot::Snapshot;
use sha2::{Digest as _, Sha256};

fn demo_report() -> (Report, &'static Catalogue) {
    let cat = Catalogue::embedded().unwrap();
    let snap = Snapshot::demo().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 0).unwrap();
    (Report::generate(cat, &snap, &Source::Demo, evaluate(&snap, cat), now), cat)
}

fn html(report: &Report, cat: &Catalogue) -> String {
    let opts = RenderOptions { color: false, explain: false, fail_on: Some(Severity::Low), strict: false, width: 120 };
    let mut out = Vec::new();
    render(report, cat, Format::Html, &opts, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The text between `start` (included) and the first `end` after it (included).
fn slice<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("no {start:?} in the page"));
    let to = from + text[from..].find(end).unwrap_or_else(|| panic!("no {end:?} after {start:?}")) + end.len();
    &text[from..to]
}

/// Every value of `attr="…"` in `text`, in order.
fn attr_values<'a>(text: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!(" {attr}=\"");
    text.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &text[i + needle.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

#[test]
fn the_page_is_self_contained() {
    let (report, cat) = demo_report();
    let page = html(&report, cat);
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(page.trim_end().ends_with("</html>"));
    let lower = page.to_ascii_lowercase();
    for banned in ["src=\"http", "src='http", "src=\"//", "<link", "@import", "url(http", "url(//", "<iframe", "<img"] {
        assert!(!lower.contains(banned), "the page loads something from outside: {banned}");
    }
    // The only links out are the notes' documentation, in anchors.
    let hrefs = attr_values(&page, "href");
    assert!(!hrefs.is_empty());
    for href in &hrefs {
        assert!(href.starts_with('#') || href.starts_with("https://docs.aws.amazon.com/"), "unexpected link {href}");
    }
    for (i, _) in page.match_indices("href=\"https://") {
        let tag_start = page[..i].rfind('<').unwrap();
        assert!(page[tag_start..].starts_with("<a "), "an external address outside an anchor: {}", &page[tag_start..i]);
    }
    // One inline script, and the policy admits it by its hash (a mismatch would silently disable sorting).
    assert_eq!(lower.matches("<script").count(), 1);
    let script = slice(&page, "<script>", "</script>");
    let script = &script["<script>".len()..script.len() - "</script>".len()];
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script.as_bytes()));
    let csp = slice(&page, "<meta http-equiv=\"Content-Security-Policy\"", ">");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains(&format!("script-src 'sha256-{hash}'")), "the script's hash is not in {csp}");
    assert!(script.contains("data-ready"), "the script marks the page when it has run");
}

#[test]
fn every_finding_has_a_row() {
    let (report, cat) = demo_report();
    let page = html(&report, cat);
    let table = slice(&page, "<table id=\"findings\">", "</table>");
    assert_eq!(table.matches("<tr class=\"finding ").count(), report.findings.len());
    let row_statuses = attr_values(table, "data-status");
    assert_eq!(row_statuses.len(), report.findings.len());
    for (f, status) in report.findings.iter().zip(&row_statuses) {
        assert_eq!(*status, f.status.as_str(), "rows keep the report's order");
    }
    for f in &report.findings {
        assert!(table.contains(&format!("<code class=\"key\">{}</code>", f.check_id)), "{}", f.check_id);
        assert!(table.contains(&f.resource.replace('&', "&amp;")), "{}", f.resource);
    }
    // The notes are beside the findings: each failing finding's notes with their documentation link.
    let f = report.findings.iter().find(|f| f.status == Status::Fail && !f.notes.is_empty()).unwrap();
    for id in &f.notes {
        let note = cat.note(id).unwrap();
        assert!(table.contains(&format!("<a href=\"{}\"", note.docs_url.replace('&', "&amp;"))), "{id}");
        assert!(table.contains(&format!("<code>{id}</code>")), "{id}");
    }
    assert!(table.contains("<details class=\"evidence\"><summary>Evidence</summary><pre>{\n"));
    if let Some(cli) = report.findings.iter().find_map(|f| f.remediation.cli.as_ref()) {
        let escaped = cli.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        let escaped = escaped.replace('"', "&quot;").replace('\'', "&#39;");
        assert!(table.contains(&format!("<pre><code>{escaped}</code></pre>")), "{cli}");
    }
    // No baseline, no fixed section.
    assert!(!page.contains("id=\"fixed\""));
}

#[test]
fn the_summary_shows_the_reports_counts() {
    let (report, cat) = demo_report();
    let page = html(&report, cat);
    let summary = slice(&page, "<section id=\"summary\"", "</section>");
    let statuses = attr_values(summary, "data-status");
    let counts: Vec<usize> = attr_values(summary, "data-count").iter().map(|n| n.parse().unwrap()).collect();
    assert_eq!(statuses, Status::ALL.map(Status::as_str));
    let c = &report.summary.counts;
    assert_eq!(counts, vec![c.fail, c.unknown, c.suppressed, c.skipped, c.pass]);
    assert_eq!(attr_values(summary, "data-total"), vec![c.total.to_string()]);
    assert!(c.fail > 0 && c.pass > 0, "the demo has both");
    // The header names the scope.
    let header = slice(&page, "<header class=\"page\">", "</header>");
    for text in [&report.tool_version, &"2026-11-20T09:30:00Z".to_string(), &report.scope.source] {
        assert!(header.contains(text.as_str()), "{text}");
    }
    for text in report.scope.accounts.iter().chain(&report.scope.regions).chain(&report.scope.organization_id) {
        assert!(header.contains(text.as_str()), "{text}");
    }
}

#[test]
fn the_chart_has_a_bar_per_domain() {
    let (report, cat) = demo_report();
    let page = html(&report, cat);
    let svg = slice(&page, "<svg id=\"domain-chart\"", "</svg>");
    assert_eq!(svg.matches("<g class=\"domain-bar\"").count(), report.summary.by_domain.len());
    assert_eq!(report.summary.by_domain.len(), cat.domains.len());
    for d in &report.summary.by_domain {
        let group = slice(svg, &format!("<g class=\"domain-bar\" data-domain=\"{}\"", d.number), "</g>\n</g>");
        assert!(group.contains(&format!("Domain {} · {}", d.number, d.name)), "{}", d.name);
        assert!(group.contains(&format!("{}% of the exam", d.weight)), "{}", d.name);
        let segments = group.matches("<rect class=\"seg seg-").count();
        let wanted = [d.counts.fail, d.counts.unknown, d.counts.skipped + d.counts.suppressed, d.counts.pass]
            .iter()
            .filter(|n| **n > 0)
            .count();
        assert_eq!(segments, wanted.max(1), "a segment per status present, or an empty bar: {}", d.name);
    }
}

#[test]
fn what_a_finding_says_is_escaped() {
    let (mut report, cat) = demo_report();
    let f = &mut report.findings[0];
    f.message = "bucket <script>alert(1)</script> & \"quoted\" 'single'".into();
    f.resource = "arn:aws:s3:::x\"><img src=x onerror=alert(2)>".into();
    f.title = "<b>bold</b>".into();
    f.evidence = serde_json::json!({ "html": "</pre><script>alert(3)</script>" });
    let page = html(&report, cat);
    assert!(page.contains("bucket &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot; &#39;single&#39;"));
    assert!(page.contains("arn:aws:s3:::x&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
    assert!(page.contains("&lt;b&gt;bold&lt;/b&gt;"));
    assert!(page.contains("&lt;/pre&gt;&lt;script&gt;alert(3)&lt;/script&gt;"));
    for raw in ["<script>alert", "<img", "<b>bold"] {
        assert!(!page.contains(raw), "{raw} reached the page unescaped");
    }
    assert_eq!(page.matches("<script").count(), 1);
}

#[test]
fn suppressions_baseline_marks_and_fixed_findings_are_shown() {
    let (mut report, cat) = demo_report();
    let i = report.findings.iter().position(|f| f.status == Status::Fail).unwrap();
    report.findings[i].status = Status::Suppressed;
    report.findings[i].suppression = Some(Suppression {
        reason: "accepted by <security> until the migration".into(),
        expires: NaiveDate::from_ymd_opt(2027, 3, 31),
        was: Status::Fail,
    });
    report.findings[0].baseline = Some(BaselineMark::New);
    report.findings[1].baseline = Some(BaselineMark::Existing);
    report.fixed = Some(vec![FixedFinding {
        check_id: "cloudtrail-multi-region".into(),
        title: "A multi-Region trail & its logs".into(),
        severity: Severity::High,
        account: "111111111111".into(),
        region: "global".into(),
        resource: "arn:aws:cloudtrail:us-east-1:111111111111:trail/old".into(),
    }]);
    let page = html(&report, cat);
    assert!(page.contains(
        "<strong>Suppressed</strong> (was fail) until 2027-03-31: accepted by &lt;security&gt; until the migration"
    ));
    assert!(page.contains("<span class=\"badge baseline-new\""));
    assert!(page.contains("<span class=\"badge baseline-existing\""));
    let fixed = slice(&page, "<section id=\"fixed\"", "</section>");
    assert!(fixed.contains("Fixed since the baseline (1)"));
    assert!(fixed.contains("A multi-Region trail &amp; its logs"));
    assert!(fixed.contains("arn:aws:cloudtrail:us-east-1:111111111111:trail/old"));
    assert!(page.contains("data-fixed=\"1\""));
    assert_balanced(&page);

    report.fixed = Some(vec![]);
    let page = html(&report, cat);
    assert!(page.contains("Fixed since the baseline (0)"));
}

#[test]
fn the_markup_is_balanced() {
    let (report, cat) = demo_report();
    assert_balanced(&html(&report, cat));
}

/// Checks that every element outside `<script>` and `<style>` is closed in order (void elements and `/>` aside).
fn assert_balanced(page: &str) {
    const VOID: [&str; 6] = ["meta", "input", "br", "hr", "img", "link"];
    let mut stack: Vec<String> = Vec::new();
    let mut rest = page;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt + 1..];
        if rest.starts_with('!') {
            continue;
        }
        let gt = rest.find('>').expect("an unterminated tag");
        let tag = &rest[..gt];
        assert!(!tag.contains('<'), "a '<' inside a tag: {tag}");
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        rest = &rest[gt + 1..];
        if closing {
            let open = stack.pop().unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(open, name, "<{open}> closed by </{name}>");
        } else if name == "script" || name == "style" {
            let end = rest.find(&format!("</{name}>")).unwrap_or_else(|| panic!("<{name}> is never closed"));
            rest = &rest[end + name.len() + 3..];
        } else if !VOID.contains(&name.as_str()) && !tag.ends_with('/') {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "never closed: {stack:?}");
}
