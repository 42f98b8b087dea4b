//! Snapshots of the demo report in every format, at a fixed time and width. An intended change to the
//! output is reviewed with `cargo insta review` and committed with the code.

use chrono::{TimeZone, Utc};
use dopaudit::checks::evaluate;
use dopaudit::notes::{Catalogue, Severity};
use dopaudit::report::{render, Format, RenderOptions, Report, Source};
use dopaudit::snapshot::Snapshot;

fn demo_report() -> (Report, &'static Catalogue) {
    let cat = Catalogue::embedded().unwrap();
    let snap = Snapshot::demo().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 0).unwrap();
    (Report::generate(cat, &snap, &Source::Demo, evaluate(&snap, cat), now), cat)
}

fn rendered(format: Format, explain: bool) -> String {
    let (report, cat) = demo_report();
    let opts = RenderOptions { color: false, explain, fail_on: Some(Severity::Low), strict: false, width: 120 };
    let mut out = Vec::new();
    render(&report, cat, format, &opts, &mut out).unwrap();
    String::from_utf8(out).unwrap().replace(env!("CARGO_PKG_VERSION"), "[version]")
}

#[test]
fn table() {
    insta::assert_snapshot!(rendered(Format::Table, false));
}

#[test]
fn table_with_explanations() {
    insta::assert_snapshot!(rendered(Format::Table, true));
}

#[test]
fn json() {
    insta::assert_snapshot!(rendered(Format::Json, false));
}

#[test]
fn sarif() {
    insta::assert_snapshot!(rendered(Format::Sarif, false));
}

#[test]
fn junit() {
    insta::assert_snapshot!(rendered(Format::Junit, false));
}

#[test]
fn csv() {
    insta::assert_snapshot!(rendered(Format::Csv, false));
}

#[test]
fn markdown() {
    insta::assert_snapshot!(rendered(Format::Markdown, false));
}

#[test]
fn html() {
    insta::assert_snapshot!(rendered(Format::Html, false));
}
