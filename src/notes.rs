//! The study-note catalogue: exam domains, key topics, notes and check metadata.
//!
//! The content lives as reviewable TOML under `checks/` (one file per study section) and is embedded at
//! compile time. Loading validates it as a whole, so a broken reference is caught by `cargo test` and can
//! never reach a report: every note id a finding carries resolves here.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/catalogue_files.rs"));
}

/// The call `--detect-drift` adds: it starts server-side work, one of the two non-read calls (with the
/// credential report), made only with its flag. Reading its results needs only read actions.
pub const DRIFT_DETECTION_ACTIONS: [&str; 1] = ["cloudformation:DetectStackDrift"];

/// The call `--credential-report` adds: it asks IAM to build a fresh credential report (server-side work),
/// made only with its flag and only when no report from the last four hours exists.
pub const CREDENTIAL_REPORT_ACTIONS: [&str; 1] = ["iam:GenerateCredentialReport"];

/// The file holding domains and topics; every other `.toml` under `checks/` is a section file.
const FRAME_FILE: &str = "catalogue.toml";

/// How bad a failing finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [Self::Critical, Self::High, Self::Medium, Self::Low, Self::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown severity '{s}' (expected critical, high, medium, low or info)"))
    }
}

/// One of the six exam domains.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    pub number: u8,
    pub name: String,
    /// Share of the scored content, in percent.
    pub weight: u8,
}

/// One of the twelve key technical topics.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub id: String,
    pub title: String,
}

/// Where a note comes from in the study material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionRef {
    pub number: u8,
    pub title: String,
}

/// A study note: one fact, in the project's own words, with the page that backs it.
#[derive(Debug, Clone, Serialize)]
pub struct Note {
    pub id: String,
    pub title: String,
    pub section: SectionRef,
    pub domains: Vec<u8>,
    pub topics: Vec<String>,
    pub text: String,
    pub docs_url: String,
}

/// How to fix a failing check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remediation {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cli: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudformation: Option<String>,
}

/// The metadata of a check; its evaluator lives in `src/checks/` under the same id.
#[derive(Debug, Clone, Serialize)]
pub struct CheckMeta {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub domains: Vec<u8>,
    pub notes: Vec<String>,
    /// IAM actions the check's data needs; `dopaudit iam-policy` is built from these.
    pub permissions: Vec<String>,
    /// The AWS service the check is about, by its IAM prefix, as its catalogue entry names it: what `--services`
    /// selects by. It need not be the service the check reads (`guardduty-delegated-admin` reads Organizations).
    pub service: String,
    pub rationale: String,
    /// Shared with every finding of the check, so a large report holds one copy of the text.
    pub remediation: std::sync::Arc<Remediation>,
    pub section: SectionRef,
}

/// A study section as listed by the catalogue.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub number: u8,
    pub title: String,
    pub slug: String,
    pub file: String,
}

/// The whole catalogue, validated.
#[derive(Debug)]
pub struct Catalogue {
    pub domains: Vec<Domain>,
    pub topics: Vec<Topic>,
    pub sections: Vec<Section>,
    pub notes: Vec<Note>,
    pub checks: Vec<CheckMeta>,
    /// IAM actions the collectors need beyond the checks' own (`[collection]` in catalogue.toml).
    pub collection_permissions: Vec<String>,
    note_index: BTreeMap<String, usize>,
    check_index: BTreeMap<String, usize>,
}

/// Why the catalogue could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("catalogue file checks/{file}: {source}")]
    Parse { file: String, source: Box<toml::de::Error> },
    #[error("the catalogue is inconsistent:\n  {}", .0.join("\n  "))]
    Invalid(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrameFile {
    domains: Vec<Domain>,
    topics: Vec<Topic>,
    #[serde(default)]
    collection: CollectionFrame,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CollectionFrame {
    permissions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionFile {
    section: RawSection,
    #[serde(default)]
    notes: Vec<RawNote>,
    #[serde(default)]
    checks: Vec<RawCheck>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    number: u8,
    title: String,
    slug: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNote {
    id: String,
    title: String,
    domains: Vec<u8>,
    topics: Vec<String>,
    docs_url: String,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    id: String,
    title: String,
    severity: Severity,
    domains: Vec<u8>,
    notes: Vec<String>,
    service: String,
    permissions: Vec<String>,
    rationale: String,
    remediation: Remediation,
}

/// A `--services` name that no check is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--services: '{name}' is not a service dopaudit checks; choose from {}", .known.join(", "))]
pub struct UnknownService {
    pub name: String,
    /// The services the catalogue's checks are about, sorted.
    pub known: Vec<String>,
}

impl Catalogue {
    /// The catalogue compiled into this binary, parsed and validated once.
    pub fn embedded() -> Result<&'static Catalogue, &'static CatalogueError> {
        static CELL: OnceLock<Result<Catalogue, CatalogueError>> = OnceLock::new();
        CELL.get_or_init(|| Catalogue::from_files(embedded::FILES)).as_ref()
    }

    /// Parses and validates a set of catalogue files given as (file name, contents).
    pub fn from_files(files: &[(&str, &str)]) -> Result<Catalogue, CatalogueError> {
        let parse_err =
            |file: &str, e: toml::de::Error| CatalogueError::Parse { file: file.to_string(), source: Box::new(e) };
        let mut frame = None;
        let mut sections = Vec::new();
        let mut notes = Vec::new();
        let mut checks = Vec::new();
        for (file, text) in files {
            if *file == FRAME_FILE {
                frame = Some(toml::from_str::<FrameFile>(text).map_err(|e| parse_err(file, e))?);
                continue;
            }
            let parsed: SectionFile = toml::from_str(text).map_err(|e| parse_err(file, e))?;
            let section_ref = SectionRef { number: parsed.section.number, title: parsed.section.title.clone() };
            for n in parsed.notes {
                notes.push(Note {
                    id: n.id,
                    title: n.title,
                    section: section_ref.clone(),
                    domains: n.domains,
                    topics: n.topics,
                    text: normalise_text(&n.text),
                    docs_url: n.docs_url,
                });
            }
            for c in parsed.checks {
                checks.push(CheckMeta {
                    id: c.id,
                    title: c.title,
                    severity: c.severity,
                    domains: c.domains,
                    notes: c.notes,
                    service: c.service,
                    permissions: c.permissions,
                    rationale: normalise_text(&c.rationale),
                    remediation: std::sync::Arc::new(Remediation {
                        text: normalise_text(&c.remediation.text),
                        cli: c.remediation.cli.map(|s| s.trim().to_string()),
                        cloudformation: c.remediation.cloudformation.map(|s| s.trim_end().to_string()),
                    }),
                    section: section_ref.clone(),
                });
            }
            sections.push(Section {
                number: parsed.section.number,
                title: parsed.section.title,
                slug: parsed.section.slug,
                file: file.to_string(),
            });
        }
        let frame = frame.ok_or_else(|| CatalogueError::Invalid(vec![format!("checks/{FRAME_FILE} is missing")]))?;
        sections.sort_by_key(|s| s.number);
        let note_index = notes.iter().enumerate().map(|(i, n)| (n.id.clone(), i)).collect();
        let check_index = checks.iter().enumerate().map(|(i, c)| (c.id.clone(), i)).collect();
        let cat = Catalogue {
            domains: frame.domains,
            topics: frame.topics,
            sections,
            notes,
            checks,
            collection_permissions: frame.collection.permissions,
            note_index,
            check_index,
        };
        let problems = cat.problems();
        if problems.is_empty() {
            Ok(cat)
        } else {
            Err(CatalogueError::Invalid(problems))
        }
    }

    pub fn note(&self, id: &str) -> Option<&Note> {
        self.note_index.get(id).map(|&i| &self.notes[i])
    }

    pub fn check(&self, id: &str) -> Option<&CheckMeta> {
        self.check_index.get(id).map(|&i| &self.checks[i])
    }

    pub fn domain(&self, number: u8) -> Option<&Domain> {
        self.domains.iter().find(|d| d.number == number)
    }

    pub fn topic(&self, id: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.id == id)
    }

    /// Finds a section by number (`21`) or slug (`cloudtrail`).
    pub fn section(&self, key: &str) -> Option<&Section> {
        match key.parse::<u8>() {
            Ok(n) => self.sections.iter().find(|s| s.number == n),
            Err(_) => self.sections.iter().find(|s| s.slug.eq_ignore_ascii_case(key)),
        }
    }

    /// The checks that cite a note.
    pub fn checks_for_note<'a>(&'a self, note_id: &'a str) -> impl Iterator<Item = &'a CheckMeta> + 'a {
        self.checks.iter().filter(move |c| c.notes.iter().any(|n| n == note_id))
    }

    /// The AWS services the checks are about, by IAM prefix (`cloudtrail`, `organizations` …), sorted: what
    /// `--services` accepts.
    pub fn services(&self) -> BTreeSet<&str> {
        self.checks.iter().map(|c| c.service.as_str()).collect()
    }

    /// `--services`: the names checked against [`Catalogue::services`] (case-insensitive), or a sentence saying
    /// which name is unknown and listing the valid ones.
    pub fn select_services(&self, names: &[String]) -> Result<BTreeSet<String>, UnknownService> {
        let known = self.services();
        names
            .iter()
            .map(|name| {
                let name = name.trim().to_ascii_lowercase();
                if known.contains(name.as_str()) {
                    Ok(name)
                } else {
                    Err(UnknownService { name, known: known.iter().map(|s| s.to_string()).collect() })
                }
            })
            .collect()
    }

    /// The IAM service prefixes whose data the checks of these services read (each check's permissions), so a
    /// collection narrowed by `--services` still reads what those checks look at in other services.
    pub fn services_read_by(&self, services: &BTreeSet<String>) -> BTreeSet<String> {
        self.checks
            .iter()
            .filter(|c| services.contains(&c.service))
            .flat_map(|c| c.permissions.iter().filter_map(|p| p.split_once(':')).map(|(s, _)| s.to_string()))
            .collect()
    }

    /// Every IAM action a live audit needs: the checks' and the collectors', sorted, once each.
    pub fn all_permissions(&self) -> Vec<String> {
        let mut all: BTreeSet<&str> = self.collection_permissions.iter().map(String::as_str).collect();
        all.extend(self.checks.iter().flat_map(|c| c.permissions.iter().map(String::as_str)));
        all.into_iter().map(str::to_string).collect()
    }

    /// Every inconsistency in the catalogue, as one sentence each. Empty when it is sound.
    fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        let domain_numbers: BTreeSet<u8> = self.domains.iter().map(|d| d.number).collect();
        if domain_numbers != (1..=6).collect() {
            p.push(format!("domains must be numbered 1 to 6, found {domain_numbers:?}"));
        }
        let weight: u32 = self.domains.iter().map(|d| u32::from(d.weight)).sum();
        if weight != 100 {
            p.push(format!("domain weights add up to {weight}%, not 100%"));
        }
        let topic_ids: BTreeSet<&str> = self.topics.iter().map(|t| t.id.as_str()).collect();
        if topic_ids.len() != self.topics.len() {
            p.push("topic ids are not unique".into());
        }
        let mut numbers = BTreeSet::new();
        let mut slugs = BTreeSet::new();
        for s in &self.sections {
            if !numbers.insert(s.number) {
                p.push(format!("section number {} is used by more than one file ({})", s.number, s.file));
            }
            if !slugs.insert(s.slug.as_str()) {
                p.push(format!("section slug '{}' is used by more than one file ({})", s.slug, s.file));
            }
        }
        let mut seen = BTreeSet::new();
        for n in &self.notes {
            if !seen.insert(n.id.as_str()) {
                p.push(format!("note id '{}' is defined twice", n.id));
            }
            let slug = self.sections.iter().find(|s| s.number == n.section.number).map(|s| s.slug.as_str());
            if let Some(slug) = slug {
                if !n.id.starts_with(&format!("{slug}.")) || !is_kebab(&n.id[slug.len() + 1..]) {
                    p.push(format!("note id '{}' must be '{slug}.<kebab-case>'", n.id));
                }
            }
            check_refs(&mut p, &format!("note '{}'", n.id), &n.domains, &domain_numbers);
            for t in &n.topics {
                if !topic_ids.contains(t.as_str()) {
                    p.push(format!("note '{}' names unknown topic '{t}'", n.id));
                }
            }
            if n.topics.is_empty() {
                p.push(format!("note '{}' names no topic", n.id));
            }
            if n.text.trim().is_empty() || n.title.trim().is_empty() {
                p.push(format!("note '{}' has an empty title or text", n.id));
            }
            if !n.docs_url.starts_with("https://docs.aws.amazon.com/")
                && !n.docs_url.starts_with("https://aws.amazon.com/")
            {
                p.push(format!("note '{}' links '{}', not an official AWS documentation page", n.id, n.docs_url));
            }
        }
        for a in &self.collection_permissions {
            if !is_iam_action(a) {
                p.push(format!("[collection] declares '{a}', which is not an IAM action like 'service:Action'"));
            }
        }
        let mut seen = BTreeSet::new();
        for c in &self.checks {
            if !seen.insert(c.id.as_str()) {
                p.push(format!("check id '{}' is defined twice", c.id));
            }
            if !is_kebab(&c.id) || !c.id.contains('-') {
                p.push(format!("check id '{}' must be kebab-case and prefixed by its service", c.id));
            }
            if c.service.is_empty()
                || !c.service.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
            {
                p.push(format!(
                    "check '{}' names service '{}', not an IAM service prefix like 'dynamodb'",
                    c.id, c.service
                ));
            }
            check_refs(&mut p, &format!("check '{}'", c.id), &c.domains, &domain_numbers);
            if c.notes.is_empty() {
                p.push(format!("check '{}' cites no note", c.id));
            }
            for n in &c.notes {
                if self.note(n).is_none() {
                    p.push(format!("check '{}' cites unknown note '{n}'", c.id));
                }
            }
            if c.permissions.is_empty() {
                p.push(format!("check '{}' declares no IAM action", c.id));
            }
            for a in &c.permissions {
                if !is_iam_action(a) {
                    p.push(format!(
                        "check '{}' declares '{a}', which is not an IAM action like 'service:Action'",
                        c.id
                    ));
                }
            }
            if c.remediation.text.trim().is_empty() {
                p.push(format!("check '{}' has no remediation text", c.id));
            }
        }
        p
    }
}

fn check_refs(p: &mut Vec<String>, what: &str, domains: &[u8], known: &BTreeSet<u8>) {
    if domains.is_empty() {
        p.push(format!("{what} names no exam domain"));
    }
    for d in domains {
        if !known.contains(d) {
            p.push(format!("{what} names unknown domain {d}"));
        }
    }
}

fn is_iam_action(a: &str) -> bool {
    a.split_once(':').is_some_and(|(svc, act)| {
        !svc.is_empty() && !act.is_empty() && act.chars().all(|ch| ch.is_ascii_alphanumeric())
    })
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Folds the hard line breaks of a TOML multi-line string into paragraphs, so text re-wraps to any width.
fn normalise_text(s: &str) -> String {
    s.trim()
        .split("\n\n")
        .map(|para| para.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: &str = r#"
        [[domains]]
        number = 1
        name = "A"
        weight = 50
        [[domains]]
        number = 2
        name = "B"
        weight = 10
        [[domains]]
        number = 3
        name = "C"
        weight = 10
        [[domains]]
        number = 4
        name = "D"
        weight = 10
        [[domains]]
        number = 5
        name = "E"
        weight = 10
        [[domains]]
        number = 6
        name = "F"
        weight = 10
        [[topics]]
        id = "cicd"
        title = "CI/CD"
    "#;

    fn section(notes_and_checks: &str) -> String {
        format!("[section]\nnumber = 1\ntitle = \"S\"\nslug = \"svc\"\n{notes_and_checks}")
    }

    const NOTE: &str = r#"
        [[notes]]
        id = "svc.fact"
        title = "A fact"
        domains = [1]
        topics = ["cicd"]
        docs_url = "https://docs.aws.amazon.com/x.html"
        text = """
        Line one
        continues here.
        """
    "#;

    #[test]
    fn loads_a_sound_catalogue_and_folds_text() {
        let s = section(NOTE);
        let cat = Catalogue::from_files(&[("catalogue.toml", FRAME), ("01-svc.toml", &s)]).unwrap();
        assert_eq!(cat.note("svc.fact").unwrap().text, "Line one continues here.");
        assert_eq!(cat.section("svc").unwrap().number, 1);
        assert_eq!(cat.section("1").unwrap().slug, "svc");
    }

    #[test]
    fn rejects_dangling_references_and_bad_ids() {
        let check = r#"
            [[checks]]
            id = "Svc_Check"
            title = "t"
            severity = "high"
            domains = [7]
            notes = ["svc.nope"]
            service = "Svc"
            permissions = ["svc:Describe*"]
            rationale = "r"
            [checks.remediation]
            text = "fix"
        "#;
        let s = section(&format!("{NOTE}{check}"));
        let err = Catalogue::from_files(&[("catalogue.toml", FRAME), ("01-svc.toml", &s)]).unwrap_err();
        let CatalogueError::Invalid(problems) = err else { panic!("expected Invalid, got {err}") };
        let all = problems.join("\n");
        assert!(all.contains("check id 'Svc_Check' must be kebab-case"), "{all}");
        assert!(all.contains("unknown domain 7"), "{all}");
        assert!(all.contains("cites unknown note 'svc.nope'"), "{all}");
        assert!(all.contains("'svc:Describe*', which is not an IAM action"), "{all}");
        assert!(all.contains("names service 'Svc', not an IAM service prefix"), "{all}");
    }

    #[test]
    fn parse_errors_name_the_file() {
        let err = Catalogue::from_files(&[("catalogue.toml", FRAME), ("01-svc.toml", "[section\n")]).unwrap_err();
        assert!(err.to_string().starts_with("catalogue file checks/01-svc.toml:"), "{err}");
    }

    #[test]
    fn severity_orders_and_parses() {
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
        assert_eq!("HIGH".parse::<Severity>().unwrap(), Severity::High);
        assert!("urgent".parse::<Severity>().unwrap_err().contains("unknown severity 'urgent'"));
    }
}
