//! The CI formats read back by something other than their writer: SARIF against the official 2.1.0 schema (vendored
//! from oasis-tcs/sarif-spec in tests/schemas/), JUnit through an independent XML parser, CSV by RFC 4180 rules; and
//! `-o` choosing the format from the extension.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{TimeZone, Utc};
use dopaudit::checks::evaluate;
use dopaudit::notes::{Catalogue, Severity};
use dopaudit::report::{render, Format, RenderOptions, Report, Source, Status};
use dopaudit::snapshot::Snapshot;
use serde_json::Value;

fn demo_report(hour: u32) -> (Report, &'static Catalogue) {
    let cat = Catalogue::embedded().unwrap();
    let snap = Snapshot::demo().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 20, hour, 30, 0).unwrap();
    (Report::generate(cat, &snap, &Source::Demo, evaluate(&snap, cat), now), cat)
}

fn rendered(report: &Report, cat: &Catalogue, format: Format) -> String {
    let opts = RenderOptions { color: false, explain: false, fail_on: Some(Severity::Low), strict: false, width: 120 };
    let mut out = Vec::new();
    render(report, cat, format, &opts, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn count(report: &Report, status: Status) -> usize {
    report.findings.iter().filter(|f| f.status == status).count()
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema itself is valid");
    let (report, cat) = demo_report(9);
    let sarif: Value = serde_json::from_str(&rendered(&report, cat, Format::Sarif)).unwrap();
    let errors: Vec<String> = validator.iter_errors(&sarif).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "the demo's SARIF does not match the schema:\n{}", errors.join("\n"));
    // The schema has teeth: an invented level is rejected.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));

    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), cat.checks.len(), "one rule per check");
    let results = run["results"].as_array().unwrap();
    let wanted = count(&report, Status::Fail) + count(&report, Status::Unknown) + count(&report, Status::Suppressed);
    assert_eq!(results.len(), wanted, "failing, unknown and suppressed findings");
    for r in results {
        let rule = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], r["ruleId"]);
        assert!(rule["helpUri"].as_str().unwrap().starts_with("https://docs.aws.amazon.com/"), "{rule}");
        let names: Vec<&str> = r["locations"][0]["logicalLocations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap())
            .collect();
        assert_eq!(names.len(), 3, "account, region, resource: {r}");
    }
}

#[test]
fn sarif_fingerprints_are_stable_across_runs_and_unique() {
    let fingerprints = |hour| {
        let (report, cat) = demo_report(hour);
        let sarif: Value = serde_json::from_str(&rendered(&report, cat, Format::Sarif)).unwrap();
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"]["dopauditFinding/v1"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let (a, b) = (fingerprints(9), fingerprints(17));
    assert_eq!(a, b, "a later run of the same findings has the same fingerprints");
    let unique: std::collections::BTreeSet<&String> = a.iter().collect();
    assert_eq!(unique.len(), a.len(), "no two findings share a fingerprint");
}

#[test]
fn junit_reads_back_with_an_independent_parser() {
    let (report, cat) = demo_report(9);
    let xml = rendered(&report, cat, Format::Junit);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<roxmltree::Node> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
    assert_eq!(suites.len(), cat.domains.len(), "one suite per exam domain");
    let attr = |n: &roxmltree::Node, a: &str| n.attribute(a).unwrap().parse::<usize>().unwrap();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (suite, domain) in suites.iter().zip(&cat.domains) {
        let in_domain: Vec<_> = report.findings.iter().filter(|f| f.domains.contains(&domain.number)).collect();
        let cases: Vec<roxmltree::Node> = suite.children().filter(|n| n.has_tag_name("testcase")).collect();
        assert_eq!(attr(suite, "tests"), in_domain.len());
        assert_eq!(cases.len(), in_domain.len());
        let with = |tag: &str| cases.iter().filter(|c| c.children().any(|n| n.has_tag_name(tag))).count();
        let fails = in_domain.iter().filter(|f| f.status == Status::Fail).count();
        let unknowns = in_domain.iter().filter(|f| f.status == Status::Unknown).count();
        assert_eq!((attr(suite, "failures"), with("failure")), (fails, fails), "{}", domain.name);
        assert_eq!((attr(suite, "errors"), with("error")), (unknowns, unknowns), "{}", domain.name);
        for c in &cases {
            for child in c.children().filter(|n| n.is_element()) {
                *seen.entry(child.tag_name().name()).or_default() += 1;
            }
        }
    }
    assert_eq!(attr(&root, "failures"), seen["failure"]);
    // The failure carries the message and the evidence, unescaped by the parser.
    let failure = root.descendants().find(|n| n.has_tag_name("failure")).unwrap();
    // Suites follow the domains' order: the first failure is the first failing finding of the first domain with one.
    let first_fail = cat
        .domains
        .iter()
        .find_map(|d| report.findings.iter().find(|f| f.status == Status::Fail && f.domains.contains(&d.number)))
        .unwrap();
    assert_eq!(failure.attribute("message"), Some(first_fail.message.as_str()));
    assert!(failure.text().unwrap().contains("evidence: {"), "{:?}", failure.text());
}

/// Splits RFC 4180 text into records of fields.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect()
}

#[test]
fn csv_has_a_row_per_finding_with_quoted_fields() {
    let (report, cat) = demo_report(9);
    let text = rendered(&report, cat, Format::Csv);
    let records = parse_csv(&text);
    assert_eq!(records.len(), report.findings.len() + 1);
    assert_eq!(records[0][0], "status");
    for (record, f) in records[1..].iter().zip(&report.findings) {
        assert_eq!(record.len(), records[0].len());
        assert_eq!(
            (record[0].as_str(), record[2].as_str(), record[7].as_str()),
            (f.status.as_str(), f.check_id.as_str(), f.message.as_str())
        );
    }
    assert_eq!(dopaudit::report::csv::formula_guard("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    assert_eq!(dopaudit::report::csv::formula_guard("a \"b\", c"), "a \"b\", c");
}

#[test]
fn output_files_take_their_format_from_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let names = ["r.sarif", "r.xml", "r.csv", "r.json"];
    let mut cmd = assert_cmd::Command::cargo_bin("dopaudit").unwrap();
    cmd.args(["audit", "--demo", "--format", "json"]);
    for n in names {
        cmd.arg("-o").arg(dir.path().join(n));
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let read = |n: &str| std::fs::read_to_string(dir.path().join(n)).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&read("r.sarif")).unwrap()["version"], "2.1.0");
    assert!(read("r.xml").starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"dopaudit\""));
    assert!(read("r.csv").starts_with("status,severity,check_id,"));
    assert!(serde_json::from_str::<Value>(&read("r.json")).unwrap()["findings"].is_array());
}
