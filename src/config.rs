//! `dopaudit.toml`: suppressions with a reason and an expiry date, severity overrides, and default flags.
//!
//! ```toml
//! [defaults]
//! fail_on = "high"
//! regions = ["us-east-1", "eu-west-1"]
//!
//! [severity]
//! "cloudtrail-cloudwatch-logs" = "low"
//!
//! [[suppressions]]
//! check = "cloudtrail-kms-encryption"
//! account = "222222222222"                            # optional, like region
//! resource = "arn:aws:cloudtrail:*:*:trail/legacy-*"  # optional glob: * and ?
//! reason = "legacy trail, removed in Q1"              # required
//! expires = 2027-01-31                                # optional; ignored (and reported) after that day
//! ```
//!
//! Unknown keys are errors naming the key and its line. A suppressed finding stays in every output with its
//! reason; an expired suppression suppresses nothing and becomes a finding of its own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::notes::{Catalogue, Remediation, Severity};
use crate::report::{Finding, Status, Suppression};

/// The check id of the finding an expired suppression becomes.
pub const EXPIRED_CHECK: &str = "dopaudit-suppression-expired";

/// The file read when `--config` is not given, if it exists.
pub const DEFAULT_FILE: &str = "dopaudit.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub defaults: Defaults,
    /// Check id → the severity its findings get instead of the catalogue's.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    #[serde(default)]
    pub suppressions: Vec<SuppressionRule>,
    /// Where it was read from, for messages.
    #[serde(skip)]
    pub path: PathBuf,
}

/// Defaults for flags that were not given on the command line.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    pub fail_on: Option<Severity>,
    pub strict: Option<bool>,
    pub regions: Option<Vec<String>>,
    pub org: Option<bool>,
    pub role_name: Option<String>,
    pub integrity_window: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuppressionRule {
    pub check: String,
    pub account: Option<String>,
    pub region: Option<String>,
    /// A glob over the resource: `*` any run of characters, `?` one character.
    pub resource: Option<String>,
    pub reason: String,
    pub expires: Option<toml::value::Datetime>,
    /// The parsed `expires` (the last day the rule applies).
    #[serde(skip)]
    pub expires_on: Option<NaiveDate>,
}

impl SuppressionRule {
    fn matches(&self, f: &Finding) -> bool {
        self.check == f.check_id
            && self.account.as_ref().is_none_or(|a| *a == f.account)
            && self.region.as_ref().is_none_or(|r| *r == f.region)
            && self.resource.as_ref().is_none_or(|g| glob(g, &f.resource))
    }

    fn expired(&self, today: NaiveDate) -> bool {
        self.expires_on.is_some_and(|last| today > last)
    }
}

/// Whether `text` matches `pattern`, where `*` is any run of characters and `?` exactly one (case-sensitive).
pub fn glob(pattern: &str, text: &str) -> bool {
    crate::scp::policy::glob_text(pattern, text)
}

/// Why the configuration file cannot be used. Each names the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

impl Config {
    /// `--config FILE`, or `dopaudit.toml` in the current directory when there is one, or nothing.
    pub fn load(explicit: Option<&Path>, catalogue: &Catalogue) -> Result<Option<Config>, ConfigError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None if Path::new(DEFAULT_FILE).is_file() => PathBuf::from(DEFAULT_FILE),
            None => return Ok(None),
        };
        let shown = path.display().to_string();
        let text =
            std::fs::read_to_string(&path).map_err(|source| ConfigError::Read { path: shown.clone(), source })?;
        Config::parse(&text, &shown, catalogue).map(Some)
    }

    /// Parses and checks the file's text: known keys only, known check ids, a reason on every suppression.
    pub fn parse(text: &str, path: &str, catalogue: &Catalogue) -> Result<Config, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid { path: path.to_string(), message };
        let mut config: Config = toml::from_str(text).map_err(|e| {
            // toml's message spans lines (it quotes the offending line); keep the first line and the location.
            let line = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
            let first = e.message().lines().next().unwrap_or_default().to_string();
            invalid(match line {
                Some(l) => format!("line {l}: {first}"),
                None => first,
            })
        })?;
        config.path = PathBuf::from(path);
        let known = |id: &str| catalogue.check(id).is_some() || id == EXPIRED_CHECK;
        for id in config.severity.keys() {
            if !known(id) {
                return Err(invalid(format!("[severity]: no check has the id '{id}' (`dopaudit checks` lists them)")));
            }
        }
        for (i, rule) in config.suppressions.iter_mut().enumerate() {
            let at = format!("suppressions[{i}] (check '{}')", rule.check);
            if !known(&rule.check) {
                return Err(invalid(format!("{at}: no check has this id (`dopaudit checks` lists them)")));
            }
            if rule.reason.trim().is_empty() {
                return Err(invalid(format!("{at}: `reason` is empty; say why the finding is accepted")));
            }
            if let Some(d) = &rule.expires {
                let date = match (d.date, d.time) {
                    (Some(date), None) => NaiveDate::from_ymd_opt(date.year.into(), date.month.into(), date.day.into()),
                    _ => None,
                };
                rule.expires_on =
                    Some(date.ok_or_else(|| {
                        invalid(format!("{at}: `expires` must be a date such as 2027-01-31, not {d}"))
                    })?);
            }
        }
        if let Some(w) = &config.defaults.integrity_window {
            crate::cli::parse_duration(w).map_err(|e| invalid(format!("[defaults] integrity_window: {e}")))?;
        }
        Ok(config)
    }

    /// Overrides severities, suppresses the failing and unknown findings an active rule matches, and adds one
    /// finding per expired rule. `today` is the UTC date of the run.
    pub fn apply(&self, catalogue: &Catalogue, findings: &mut Vec<Finding>, today: NaiveDate) {
        for f in findings.iter_mut() {
            if let Some(s) = self.severity.get(&f.check_id) {
                f.severity = *s;
            }
            if !matches!(f.status, Status::Fail | Status::Unknown) {
                continue;
            }
            if let Some(rule) = self.suppressions.iter().find(|r| !r.expired(today) && r.matches(f)) {
                f.suppression =
                    Some(Suppression { reason: rule.reason.clone(), expires: rule.expires_on, was: f.status });
                f.status = Status::Suppressed;
            }
        }
        for (i, rule) in self.suppressions.iter().enumerate().filter(|(_, r)| r.expired(today)) {
            let last = rule.expires_on.map(|d| d.to_string()).unwrap_or_default();
            // It belongs where the check it suppressed belongs: the same domains and notes.
            let check = catalogue.check(&rule.check);
            findings.push(Finding {
                check_id: EXPIRED_CHECK.into(),
                title: "A suppression in the configuration file has expired".into(),
                status: Status::Fail,
                severity: self.severity.get(EXPIRED_CHECK).copied().unwrap_or(Severity::Medium),
                domains: check.map(|c| c.domains.clone()).unwrap_or_default(),
                account: rule.account.clone().unwrap_or_else(|| "*".into()),
                region: rule.region.clone().unwrap_or_else(|| "global".into()),
                resource: format!("{}#suppressions[{i}]", self.path.display()),
                message: format!(
                    "the suppression of {} ({}) expired after {last}; its findings are reported again",
                    rule.check, rule.reason
                ),
                evidence: serde_json::json!({
                    "check": rule.check, "account": rule.account, "region": rule.region,
                    "resource": rule.resource, "reason": rule.reason, "expires": last,
                }),
                notes: check.map(|c| c.notes.clone()).unwrap_or_default(),
                remediation: std::sync::Arc::new(Remediation {
                    text: "Fix the findings it covered, or renew the suppression with a new date and a current reason."
                        .into(),
                    cli: None,
                    cloudformation: None,
                }),
                suppression: None,
                baseline: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        for (p, t, want) in [
            ("*", "anything", true),
            (
                "arn:aws:cloudtrail:*:*:trail/legacy-*",
                "arn:aws:cloudtrail:eu-west-1:111111111111:trail/legacy-audit",
                true,
            ),
            (
                "arn:aws:cloudtrail:*:*:trail/legacy-*",
                "arn:aws:cloudtrail:eu-west-1:111111111111:trail/org-trail",
                false,
            ),
            ("stack-??", "stack-01", true),
            ("stack-??", "stack-1", false),
            ("", "", true),
            ("a*b*c", "abxxbyc", true),
            ("a*b*c", "abxxbyd", false),
        ] {
            assert_eq!(glob(p, t), want, "{p} ~ {t}");
        }
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_place() {
        let cat = Catalogue::embedded().unwrap();
        let cases = [
            ("[defaults]\nfail_on = \"high\"\nfial = 1\n", "line 3: unknown field `fial`"),
            ("[[suppressions]]\ncheck = \"cloudtrail-kms-encryption\"\n", "missing field `reason`"),
            (
                "[[suppressions]]\ncheck = \"nope\"\nreason = \"r\"\n",
                "suppressions[0] (check 'nope'): no check has this id",
            ),
            (
                "[[suppressions]]\ncheck = \"cloudtrail-kms-encryption\"\nreason = \" \"\n",
                "`reason` is empty",
            ),
            (
                "[[suppressions]]\ncheck = \"cloudtrail-kms-encryption\"\nreason = \"r\"\nexpires = 2027-01-31T10:00:00Z\n",
                "`expires` must be a date",
            ),
            ("[severity]\n\"cloudtrail-kms-encryption\" = \"urgent\"\n", "line 2"),
            ("[defaults]\nintegrity_window = \"soon\"\n", "integrity_window"),
        ];
        for (text, want) in cases {
            let err = Config::parse(text, "dopaudit.toml", cat).expect_err(text).to_string();
            assert!(err.starts_with("dopaudit.toml: "), "{err}");
            assert!(err.contains(want), "{text}\n→ {err}\nwant …{want}…");
        }
    }
}
