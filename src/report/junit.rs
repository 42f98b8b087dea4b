//! JUnit XML for CI test reports: one suite per exam domain, one test case per check and resource. A `fail` is a
//! failure carrying the message and the evidence, an `unknown` an error (the check could not run), `skipped` and
//! `suppressed` are skipped; a finding of several domains appears in each of their suites.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::html::escape as xml_escape;
use super::{Finding, Report, Status};
use crate::notes::Catalogue;

#[derive(Default)]
struct Tally {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl Tally {
    fn add(&mut self, status: Status) {
        self.tests += 1;
        match status {
            Status::Fail => self.failures += 1,
            Status::Unknown => self.errors += 1,
            Status::Skipped | Status::Suppressed => self.skipped += 1,
            Status::Pass => {}
        }
    }

    fn attributes(&self) -> String {
        format!(
            r#"tests="{}" failures="{}" errors="{}" skipped="{}""#,
            self.tests, self.failures, self.errors, self.skipped
        )
    }
}

fn case(f: &Finding) -> String {
    let name = xml_escape(&format!("{} {}/{}/{}", f.check_id, f.account, f.region, f.resource));
    let classname = xml_escape(&format!("dopaudit.{}", f.check_id));
    let head = format!(r#"    <testcase classname="{classname}" name="{name}""#);
    let detail = || {
        let evidence = serde_json::to_string_pretty(&f.evidence).unwrap_or_default();
        xml_escape(&format!(
            "{}\nseverity: {}\nresource: {}\nnotes: {}\nevidence: {evidence}",
            f.message,
            f.severity.as_str(),
            f.resource,
            f.notes.join(", ")
        ))
    };
    let message = xml_escape(&f.message);
    match f.status {
        Status::Pass => format!("{head}/>\n"),
        Status::Fail => format!(
            "{head}>\n      <failure message=\"{message}\" type=\"{}\">{}</failure>\n    </testcase>\n",
            f.severity.as_str(),
            detail()
        ),
        Status::Unknown => {
            format!(
                "{head}>\n      <error message=\"{message}\" type=\"unknown\">{}</error>\n    </testcase>\n",
                detail()
            )
        }
        Status::Skipped | Status::Suppressed => {
            format!("{head}>\n      <skipped message=\"{}: {message}\"/>\n    </testcase>\n", f.status.as_str())
        }
    }
}

/// The JUnit XML of a report.
pub fn to_junit(report: &Report, catalogue: &Catalogue) -> String {
    let mut suites = String::new();
    let mut total = Tally::default();
    for domain in &catalogue.domains {
        let findings: Vec<&Finding> = report.findings.iter().filter(|f| f.domains.contains(&domain.number)).collect();
        let mut tally = Tally::default();
        let mut cases = String::new();
        for f in &findings {
            tally.add(f.status);
            total.add(f.status);
            cases.push_str(&case(f));
        }
        let name = xml_escape(&format!("Domain {} · {}", domain.number, domain.name));
        let _ = write!(
            suites,
            "  <testsuite name=\"{name}\" {} timestamp=\"{}\">\n{cases}  </testsuite>\n",
            tally.attributes(),
            report.generated_at.format("%Y-%m-%dT%H:%M:%S")
        );
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"dopaudit\" {}>\n{suites}</testsuites>\n",
        total.attributes()
    )
}

pub fn render_junit(report: &Report, catalogue: &Catalogue, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(to_junit(report, catalogue).as_bytes())
}
