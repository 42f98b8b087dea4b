//! CSV (RFC 4180): one row per finding, for spreadsheets and ad-hoc scripts. Quoting is the `csv` crate's; the
//! formula guard is ours.

use std::borrow::Cow;
use std::io::{self, Write};

use super::Report;

const HEADER: [&str; 11] =
    ["status", "severity", "check_id", "title", "account", "region", "resource", "message", "domains", "notes", "fix"];

/// A field's text with a leading `=`, `+`, `-` or `@` prefixed by `'`, so that a spreadsheet never runs a finding's
/// text as a formula.
pub fn formula_guard(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

pub fn render_csv(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    // Quoted only when a field holds a comma, a quote or a line break; records end with CRLF as RFC 4180 says.
    let mut csv = ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(out);
    csv.write_record(HEADER)?;
    for f in &report.findings {
        let domains: Vec<String> = f.domains.iter().map(u8::to_string).collect();
        let row = [
            f.status.as_str(),
            f.severity.as_str(),
            &f.check_id,
            &f.title,
            &f.account,
            &f.region,
            &f.resource,
            &f.message,
            &domains.join(" "),
            &f.notes.join(" "),
            &f.remediation.text,
        ];
        csv.write_record(row.map(formula_guard).iter().map(|t| t.as_bytes()))?;
    }
    csv.flush()
}
