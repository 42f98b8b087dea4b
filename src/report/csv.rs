//! CSV (RFC 4180): one row per finding, for spreadsheets and ad-hoc scripts.

use std::io::{self, Write};

use super::Report;

const HEADER: [&str; 11] =
    ["status", "severity", "check_id", "title", "account", "region", "resource", "message", "domains", "notes", "fix"];

/// A field, quoted when it holds a comma, a quote or a line break; a leading `=`, `+`, `-` or `@` is prefixed with
/// `'` so that a spreadsheet never runs a finding's text as a formula.
pub fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_string() };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

pub fn render_csv(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    write!(out, "{}\r\n", HEADER.join(","))?;
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
        let fields: Vec<String> = row.iter().map(|t| field(t)).collect();
        write!(out, "{}\r\n", fields.join(","))?;
    }
    Ok(())
}
