//! JUnit XML for CI test reports: one suite per exam domain, one test case per check and resource. A `fail` is a
//! failure carrying the message and the evidence, an `unknown` an error (the check could not run), `skipped` and
//! `suppressed` are skipped; a finding of several domains appears in each of their suites. The XML itself (escaping,
//! counts, characters XML cannot hold) is `quick-junit`'s.

use std::io::{self, Write};

use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};

use super::{Finding, Report, Status};
use crate::notes::Catalogue;

fn case(f: &Finding) -> TestCase {
    let detail = || {
        let evidence = serde_json::to_string_pretty(&f.evidence).unwrap_or_default();
        format!(
            "{}\nseverity: {}\nresource: {}\nnotes: {}\nevidence: {evidence}",
            f.message,
            f.severity.as_str(),
            f.resource,
            f.notes.join(", ")
        )
    };
    let non_success = |kind, ty: &str| {
        let mut status = TestCaseStatus::non_success(kind);
        status.set_message(f.message.as_str()).set_type(ty).set_description(detail());
        status
    };
    let status = match f.status {
        Status::Pass => TestCaseStatus::success(),
        Status::Fail => non_success(NonSuccessKind::Failure, f.severity.as_str()),
        Status::Unknown => non_success(NonSuccessKind::Error, "unknown"),
        Status::Skipped | Status::Suppressed => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(format!("{}: {}", f.status.as_str(), f.message));
            status
        }
    };
    let mut case = TestCase::new(format!("{} {}/{}/{}", f.check_id, f.account, f.region, f.resource), status);
    case.set_classname(format!("dopaudit.{}", f.check_id));
    case
}

/// The JUnit report of a report: the suites' and the whole's counts are quick-junit's tally of the cases.
fn junit_report(report: &Report, catalogue: &Catalogue) -> JunitReport {
    let mut junit = JunitReport::new("dopaudit");
    for domain in &catalogue.domains {
        let mut suite = TestSuite::new(format!("Domain {} · {}", domain.number, domain.name));
        suite.set_timestamp(report.generated_at);
        suite.add_test_cases(report.findings.iter().filter(|f| f.domains.contains(&domain.number)).map(case));
        junit.add_test_suite(suite);
    }
    junit
}

/// The JUnit XML of a report.
pub fn to_junit(report: &Report, catalogue: &Catalogue) -> String {
    junit_report(report, catalogue).to_string().expect("JUnit XML is written to memory")
}

pub fn render_junit(report: &Report, catalogue: &Catalogue, out: &mut dyn Write) -> io::Result<()> {
    // Written whole, so that a closed pipe reaches the caller as the io error it is.
    out.write_all(to_junit(report, catalogue).as_bytes())
}
