//! Terminal styling shared by every human-readable printer: colour (only on a terminal, never with
//! NO_COLOR), status labels, and word wrapping for prose such as note text.

use comfy_table::{Cell, Color};

use crate::notes::Severity;
use crate::report::Status;

/// Whether to colour output: a terminal, and NO_COLOR unset or empty (https://no-color.org).
pub fn want_color(choice: ColorChoice, is_terminal: bool) -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !no_color
        && match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_terminal,
        }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal.
    #[default]
    Auto,
    Always,
    Never,
}

pub fn status_label(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Unknown => "UNKNOWN",
        Status::Skipped => "SKIPPED",
        Status::Suppressed => "SUPPRESSED",
    }
}

fn status_color(s: Status) -> Color {
    match s {
        Status::Pass => Color::Green,
        Status::Fail => Color::Red,
        Status::Unknown => Color::Yellow,
        Status::Skipped | Status::Suppressed => Color::DarkGrey,
    }
}

pub fn status_cell(s: Status, color: bool) -> Cell {
    let cell = Cell::new(status_label(s));
    if color {
        cell.fg(status_color(s))
    } else {
        cell
    }
}

pub fn severity_cell(s: Severity, color: bool) -> Cell {
    let cell = Cell::new(s.as_str());
    match (color, s) {
        (true, Severity::Critical | Severity::High) => cell.fg(Color::Magenta),
        _ => cell,
    }
}

/// Wraps paragraphs to `width` columns, prefixing every line with `indent`.
pub fn wrap(text: &str, width: usize, indent: &str) -> String {
    let width = width.saturating_sub(indent.len()).max(30);
    let mut out = Vec::new();
    for para in text.split("\n\n") {
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && line.len() + 1 + word.len() > width {
                out.push(format!("{indent}{line}"));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            out.push(format!("{indent}{line}"));
        }
        out.push(String::new());
    }
    out.pop();
    out.join("\n")
}

/// The width to lay text out for: the terminal's, `COLUMNS`, or 120.
pub fn text_width() -> usize {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).filter(|w| *w >= 40).unwrap_or(120)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_indents() {
        let text = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen\n\nnext";
        let w = wrap(text, 34, "  ");
        assert!(w.lines().all(|l| l.len() <= 34 && l.is_empty() || l.starts_with("  ")), "{w}");
        assert!(w.contains("\n\n  next"), "{w}");
    }

    #[test]
    fn never_colours_when_told_not_to() {
        assert!(!want_color(ColorChoice::Never, true));
        assert!(!want_color(ColorChoice::Auto, false));
    }
}
