//! Security checks: IAM's account-wide protections (sections 25 and the IAM notes), GuardDuty (28), Systems
//! Manager (38), and the organization-level set-up of RAM (12), Control Tower (11), Firewall Manager (27),
//! Detective (29) and Security Hub.
//!
//! IAM is global: its checks give one outcome per account (region `global`), or per IAM user. GuardDuty and
//! Systems Manager are regional. The organization-level checks read the organization's tree and report once per
//! organization, against its management account; outside an organization they are skipped.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::{per_account, per_region, At, Ctx, Evaluator, Outcome, GLOBAL};
use crate::snapshot::{
    AccountSnapshot, AccountSummary, Collected, CollectionError, CredentialReport, CredentialUser, GuardDutyList,
    IamData, OrgTree, OrganizationsFeatures, PasswordPolicy, DHMC_SETTING, SESSION_PREFERENCES_DOCUMENT,
};

/// The security checks, by id.
pub static CHECKS: &[(&str, Evaluator)] = &[
    ("iam-root-access-keys", root_access_keys),
    ("iam-root-mfa", root_mfa),
    ("iam-password-policy", password_policy),
    ("iam-unused-credentials", unused_credentials),
    ("iam-user-mfa", user_mfa),
    ("guardduty-enabled", guardduty_enabled),
    ("guardduty-trusted-ip-lists", guardduty_trusted_ip_lists),
    ("guardduty-delegated-admin", guardduty_delegated_admin),
    ("ssm-default-host-management", ssm_default_host_management),
    ("ssm-session-manager-logging", ssm_session_manager_logging),
    ("ssm-managed-nodes", ssm_managed_nodes),
    ("ram-organization-sharing", ram_organization_sharing),
    ("control-tower-guardrails", controltower_guardrails),
    ("firewallmanager-prerequisites", firewallmanager_prerequisites),
    ("detective-delegated-admin", detective_delegated_admin),
];

/// Credentials not used for longer than this are "unused" (the Config rule's usual `maxCredentialUsageAge`).
pub const UNUSED_DAYS: i64 = 90;
/// The password policy this check asks for (CIS AWS Foundations): length, and how many old passwords are barred.
const MIN_PASSWORD_LENGTH: i32 = 14;
const MIN_REUSE_PREVENTION: i32 = 24;

const GUARDDUTY: &str = "guardduty.amazonaws.com";
const DETECTIVE: &str = "detective.amazonaws.com";
const SECURITY_HUB: &str = "securityhub.amazonaws.com";
const RAM: &str = "ram.amazonaws.com";
const CONTROL_TOWER: &str = "controltower.amazonaws.com";
const FIREWALL_MANAGER: &str = "fms.amazonaws.com";
/// The prefix of the SCPs Control Tower creates for its preventive controls.
const GUARDRAIL_PREFIX: &str = "aws-guardrails-";

// ---- IAM --------------------------------------------------------------------------------------------

/// Runs `judge` on one piece of every account's IAM data; an account whose piece could not be read gives one
/// not-evaluated outcome.
fn per_iam<'a, T: 'a>(
    ctx: &Ctx<'a>,
    piece: impl Fn(&'a IamData) -> &'a Collected<T>,
    judge: impl Fn(&'a AccountSnapshot, &'a IamData, &'a T, &mut Vec<Outcome>),
) -> Vec<Outcome> {
    per_account(
        ctx,
        |a| &a.services.iam,
        |account, iam, out| match piece(iam).get() {
            Ok(data) => judge(account, iam, data, out),
            Err(e) => out.push(At::account(account).not_evaluated(&e)),
        },
    )
}

/// The root user's row of the credential report, when a report was read.
fn root_row(iam: &IamData) -> Option<&CredentialUser> {
    iam.credential_report.get().ok().and_then(|r| r.root.as_ref())
}

/// Whether an account's root user falls under its organization's centralized root access
/// (`RootCredentialsManagement`, read with `iam:ListOrganizationsFeatures`), which lets the management account
/// remove a member account's root credentials so that nobody can sign in as, or recover the password of, that root.
enum CentralRoot {
    /// Not a member account: standalone, or the management account (centralized root access never covers it).
    NotApplicable(&'static str),
    /// A member account of an organization that manages root credentials centrally.
    Managed { organization: String },
    /// A member account of an organization that does not.
    NotManaged { organization: String },
    /// It could not be told: why (the missing permission is named).
    Unknown(String),
}

/// The centralized root access features of an organization, as read from any audited account that could read them
/// (the management account or the IAM delegated administrator); otherwise why they are not known.
/// Why an organization's root access features are not known.
#[derive(Debug, thiserror::Error)]
enum FeaturesUnknown {
    #[error(
        "no audited account read the organization's root access features (iam:ListOrganizationsFeatures answers only \
         in the management account or the IAM delegated administrator; audit from one of them)"
    )]
    NotRead,
    /// Each reading account's failure, as `from ACCOUNT: reason`.
    #[error("the organization's root access features could not be read ({})", .0.join("; "))]
    Unreadable(Vec<String>),
}

fn org_features<'a>(ctx: &Ctx<'a>, organization: &str) -> Result<&'a OrganizationsFeatures, FeaturesUnknown> {
    let mut errors = Vec::new();
    for other in ctx.accounts() {
        let in_org = matches!(other.organization.get(), Ok(Some(o)) if o.id == organization);
        let Ok(iam) = other.services.iam.get() else { continue };
        match &iam.organizations_features {
            Collected::Ok { data } if data.organization_id.as_deref().map_or(in_org, |id| id == organization) => {
                return Ok(data)
            }
            Collected::Error { error } if in_org => {
                errors.push(format!("from {}: {}", other.account_id, error.brief()))
            }
            _ => {}
        }
    }
    Err(if errors.is_empty() { FeaturesUnknown::NotRead } else { FeaturesUnknown::Unreadable(errors) })
}

fn central_root(ctx: &Ctx<'_>, account: &AccountSnapshot) -> CentralRoot {
    match account.organization.get() {
        Ok(None) => CentralRoot::NotApplicable("the account is in no organization"),
        Ok(Some(o)) if o.management_account_id == account.account_id => CentralRoot::NotApplicable(
            "centralized root access covers member accounts only, never the management account",
        ),
        Ok(Some(o)) => match org_features(ctx, &o.id) {
            Ok(f) if f.manages_root_credentials() => CentralRoot::Managed { organization: o.id.clone() },
            Ok(_) => CentralRoot::NotManaged { organization: o.id.clone() },
            Err(why) => CentralRoot::Unknown(why.to_string()),
        },
        Err(e) => CentralRoot::Unknown(format!("the account's organization could not be read: {}", e.brief())),
    }
}

/// The summary's root credential flags, for evidence.
fn root_evidence(summary: &AccountSummary) -> Value {
    json!({
        "account_mfa_enabled": summary.account_mfa_enabled,
        "account_password_present": summary.account_password_present,
        "account_access_keys_present": summary.account_access_keys_present,
        "account_signing_certificates_present": summary.account_signing_certificates_present,
    })
}

/// Whether the summary shows a root user with no credentials at all: `Some(true)` no password, no access key, no
/// signing certificate, no MFA; `Some(false)` one of them exists; `None` the summary leaves it open.
fn root_has_no_credentials(s: &AccountSummary) -> Option<bool> {
    let flags = [s.account_password_present, s.account_access_keys_present, s.account_mfa_enabled];
    if flags.iter().any(|f| f.is_some_and(|n| n > 0)) || s.account_signing_certificates_present.is_some_and(|n| n > 0) {
        return Some(false);
    }
    // A missing signing-certificate flag does not decide sign-in; the password, keys and MFA flags must be there.
    flags.iter().all(Option::is_some).then_some(true)
}

pub fn root_access_keys(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_iam(
        ctx,
        |iam| &iam.summary,
        |account, iam, summary, out| {
            let at = At::account(account);
            let mut evidence = root_evidence(summary);
            for k in root_row(iam).map(|r| r.access_keys.as_slice()).unwrap_or_default() {
                evidence[format!("root_access_key_{}_active", k.slot)] = json!(k.active);
                evidence[format!("root_access_key_{}_last_used", k.slot)] = json!(k.last_used);
            }
            out.push(match summary.account_access_keys_present {
                Some(0) => {
                    // A key never depends on the organization's features; they only explain why there is none.
                    let removed = root_has_no_credentials(summary) == Some(true)
                        && matches!(central_root(ctx, account), CentralRoot::Managed { .. });
                    if removed {
                        at.pass(
                            "the root user has no access key: the organization manages root credentials centrally and \
                             this member account's root has none at all"
                                .into(),
                            evidence,
                        )
                    } else {
                        at.pass("the root user has no access key".into(), evidence)
                    }
                }
                Some(_) => {
                    let central = if matches!(central_root(ctx, account), CentralRoot::Managed { .. }) {
                        " (centralized root access is on, but it does not remove a key the root user still has)"
                    } else {
                        ""
                    };
                    at.fail(
                        format!(
                            "the root user has an access key: a leaked key gives unrestricted, unconditional access to \
                             the account{central}"
                        ),
                        evidence,
                    )
                }
                None => at.unknown(
                    "could not be evaluated: GetAccountSummary did not report AccountAccessKeysPresent".into(),
                    evidence,
                ),
            });
        },
    )
}

pub fn root_mfa(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_iam(
        ctx,
        |iam| &iam.summary,
        |account, iam, summary, out| {
            let at = At::account(account);
            let mut evidence = root_evidence(summary);
            if let Some(root) = root_row(iam) {
                evidence["root_password_last_used"] = json!(root.password_last_used);
            }
            let outcome = match summary.account_mfa_enabled {
                None => at.unknown(
                    "could not be evaluated: GetAccountSummary did not report AccountMFAEnabled".into(),
                    evidence,
                ),
                Some(n) if n > 0 => at.pass("the root user signs in with MFA".into(), evidence),
                Some(_) => judge_root_without_mfa(ctx, account, summary, at, evidence),
            };
            out.push(outcome);
        },
    )
}

/// A root user without MFA fails, unless it is a member account's root whose credentials the organization removed
/// under centralized root access: then nobody can sign in as it or recover its password.
fn judge_root_without_mfa(
    ctx: &Ctx<'_>,
    account: &AccountSnapshot,
    summary: &AccountSummary,
    at: At,
    mut evidence: Value,
) -> Outcome {
    const NO_MFA: &str = "the root user has no MFA device";
    let password = match summary.account_password_present {
        Some(0) => "",
        Some(_) => ", and it has a password: that password alone opens the whole account",
        None => "",
    };
    let central = central_root(ctx, account);
    match &central {
        CentralRoot::NotApplicable(why) => {
            evidence["centralized_root_access"] = json!(format!("not applicable: {why}"));
            let tail = if password.is_empty() {
                ": its password, or one recovered through the account's email address, opens the whole account"
            } else {
                password
            };
            at.fail(format!("{NO_MFA}{tail} ({why})"), evidence)
        }
        CentralRoot::NotManaged { organization } => {
            evidence["centralized_root_access"] =
                json!({"organization": organization, "root_credentials_management": false});
            at.fail(
                format!(
                    "{NO_MFA}{password}; organization {organization} does not manage root credentials centrally \
                     (RootCredentialsManagement is off), so the root password can be set or recovered through the \
                     account's email address"
                ),
                evidence,
            )
        }
        CentralRoot::Managed { organization } => {
            evidence["centralized_root_access"] =
                json!({"organization": organization, "root_credentials_management": true});
            match root_has_no_credentials(summary) {
                Some(true) => at.pass(
                    format!(
                        "the root user has no MFA device, but it has no credentials at all (no password, no access \
                         key): organization {organization} manages root credentials centrally, so nobody can sign in \
                         as this member account's root or recover its password"
                    ),
                    evidence,
                ),
                Some(false) => at.fail(
                    format!(
                        "{NO_MFA} but still has root credentials ({}), although organization {organization} manages \
                         root credentials centrally: delete them from the management account, or add MFA",
                        present_credentials(summary)
                    ),
                    evidence,
                ),
                None => at.unknown(
                    format!(
                        "could not be evaluated: {NO_MFA} and organization {organization} manages root credentials \
                         centrally, but GetAccountSummary did not report AccountPasswordPresent and \
                         AccountAccessKeysPresent, so whether the root's credentials were removed is not known"
                    ),
                    evidence,
                ),
            }
        }
        CentralRoot::Unknown(why) => {
            evidence["centralized_root_access"] = json!({"unknown": why});
            match root_has_no_credentials(summary) {
                // Whatever the organization's features, a root with a password or key and no MFA is open.
                Some(false) => at.fail(
                    format!("{NO_MFA} and still has root credentials ({})", present_credentials(summary)),
                    evidence,
                ),
                Some(true) => at.unknown(
                    format!(
                        "could not be evaluated: {NO_MFA} and no password or key, which is safe only if the \
                         organization manages root credentials centrally; {why}"
                    ),
                    evidence,
                ),
                None => at.unknown(
                    format!(
                        "could not be evaluated: {NO_MFA}; a member account's root may go without one only when the \
                         organization manages root credentials centrally and the root has no credentials, but \
                         GetAccountSummary did not report AccountPasswordPresent and {why}"
                    ),
                    evidence,
                ),
            }
        }
    }
}

/// The root credentials the summary reports present, in words.
fn present_credentials(s: &AccountSummary) -> String {
    let present = |v: Option<i32>| v.is_some_and(|n| n > 0);
    [
        (s.account_password_present, "a password"),
        (s.account_access_keys_present, "an access key"),
        (s.account_signing_certificates_present, "a signing certificate"),
    ]
    .into_iter()
    .filter(|(v, _)| present(*v))
    .map(|(_, what)| what)
    .collect::<Vec<_>>()
    .join(", ")
}

/// What a password policy lacks, one phrase per requirement.
fn password_policy_gaps(p: &PasswordPolicy) -> Vec<String> {
    let mut gaps = Vec::new();
    match p.minimum_password_length {
        Some(n) if n >= MIN_PASSWORD_LENGTH => {}
        Some(n) => gaps.push(format!("minimum length {n} (needs {MIN_PASSWORD_LENGTH})")),
        // Not a gap: the evaluator says it cannot tell.
        None => {}
    }
    for (required, what) in [
        (p.require_symbols, "symbols"),
        (p.require_numbers, "numbers"),
        (p.require_uppercase_characters, "uppercase letters"),
        (p.require_lowercase_characters, "lowercase letters"),
    ] {
        if !required {
            gaps.push(format!("{what} not required"));
        }
    }
    match p.password_reuse_prevention {
        Some(n) if n >= MIN_REUSE_PREVENTION => {}
        Some(n) => gaps.push(format!("reuse prevention {n} (needs {MIN_REUSE_PREVENTION})")),
        // IAM leaves PasswordReusePrevention out when reuse is not prevented.
        None => gaps.push(format!("reuse prevention not set (needs {MIN_REUSE_PREVENTION})")),
    }
    gaps
}

pub fn password_policy(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_iam(
        ctx,
        |iam| &iam.password_policy,
        |account, _, policy, out| {
            let at = At::account(account);
            let Some(p) = policy else {
                out.push(at.fail(
                    "no password policy: IAM's default applies (8 characters, no reuse prevention)".into(),
                    json!({"password_policy": null}),
                ));
                return;
            };
            let gaps = password_policy_gaps(p);
            let evidence = json!({
                "minimum_password_length": p.minimum_password_length,
                "require_symbols": p.require_symbols,
                "require_numbers": p.require_numbers,
                "require_uppercase_characters": p.require_uppercase_characters,
                "require_lowercase_characters": p.require_lowercase_characters,
                "password_reuse_prevention": p.password_reuse_prevention,
                "max_password_age": p.max_password_age,
                "shortfalls": gaps,
            });
            out.push(if gaps.is_empty() && p.minimum_password_length.is_none() {
                at.unknown(
                    "could not be evaluated: iam:GetAccountPasswordPolicy reported no minimum password length".into(),
                    evidence,
                )
            } else if gaps.is_empty() {
                at.pass(
                    format!(
                        "the password policy asks for {} characters of all four kinds and bars the last {} passwords",
                        p.minimum_password_length.unwrap_or(0),
                        p.password_reuse_prevention.unwrap_or(0)
                    ),
                    evidence,
                )
            } else {
                at.fail(format!("the password policy is weak: {}", gaps.join(", ")), evidence)
            });
        },
    )
}

/// A credential report older than this may no longer describe the account: IAM regenerates the report at most
/// every 4 hours, so an older one is one that could have been refreshed (`--credential-report` does) and was not.
pub const REPORT_STALE_HOURS: i64 = 4;

/// The report's age at the snapshot, in words, for every finding built on it; and its evidence.
fn report_age(ctx: &Ctx<'_>, report: &CredentialReport) -> (String, Value) {
    let age = ctx.snapshot.generated_at - report.generated_at;
    if age < chrono::Duration::zero() {
        // A hand-made snapshot dated before its report: the age cannot be told.
        let phrase =
            format!(" (per the IAM credential report generated {})", crate::report::fmt_time(&report.generated_at));
        return (phrase, json!({"report_generated_at": report.generated_at}));
    }
    let hours = age.num_hours();
    let shown = if age.num_days() >= 2 {
        format!("{} days", age.num_days())
    } else if hours >= 1 {
        format!("{hours} h {} min", age.num_minutes() % 60)
    } else {
        format!("{} min", age.num_minutes().max(0))
    };
    let stale = hours >= REPORT_STALE_HOURS;
    let mut phrase = format!(
        " (per the IAM credential report generated {}, {shown} before the snapshot",
        crate::report::fmt_time(&report.generated_at)
    );
    if stale {
        phrase.push_str(&format!(
            "; it is older than IAM's {REPORT_STALE_HOURS}-hour regeneration interval, so users and credentials \
             changed since are not in it: audit with --credential-report for a current one"
        ));
    }
    phrase.push(')');
    let evidence = json!({
        "report_generated_at": report.generated_at,
        "report_age_hours": hours,
        "report_stale": stale,
    });
    (phrase, evidence)
}

/// Copies the report's age into a finding's evidence.
fn with_age(mut evidence: Value, age: &Value) -> Value {
    if let (Some(e), Some(a)) = (evidence.as_object_mut(), age.as_object()) {
        e.extend(a.clone());
    }
    evidence
}

/// Days between `last` and the report's generation; `None` when the credential has no date at all.
fn idle_days(report: &CredentialReport, last: Option<DateTime<Utc>>) -> Option<i64> {
    last.map(|t| (report.generated_at - t).num_days())
}

/// The user's credentials idle for more than `UNUSED_DAYS` at the report's generation, each as a phrase. A
/// credential never used counts from when it was set (the password's last change, the key's creation).
fn idle_credentials(report: &CredentialReport, u: &CredentialUser) -> Vec<String> {
    let mut idle = Vec::new();
    let describe = |what: &str, used: Option<DateTime<Utc>>, set: Option<DateTime<Utc>>| match (used, set) {
        (Some(_), _) => idle_days(report, used)
            .filter(|d| *d > UNUSED_DAYS)
            .map(|d| format!("{what} last used {d} days before the report")),
        (None, Some(_)) => idle_days(report, set)
            .filter(|d| *d > UNUSED_DAYS)
            .map(|d| format!("{what} never used in the {d} days since it was set")),
        (None, None) => Some(format!("{what} with no record of use")),
    };
    if u.password_enabled {
        idle.extend(describe("console password", u.password_last_used, u.password_last_changed.or(u.created_at)));
    }
    for k in u.access_keys.iter().filter(|k| k.active) {
        idle.extend(describe(&format!("access key {}", k.slot), k.last_used, k.last_rotated.or(u.created_at)));
    }
    idle
}

pub fn unused_credentials(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_iam(
        ctx,
        |iam| &iam.credential_report,
        |account, _, report, out| {
            let (age, age_evidence) = report_age(ctx, report);
            if report.users.is_empty() {
                out.push(At::account(account).pass(
                    format!("the account has no IAM user, so no long-term user credential to leave unused{age}"),
                    with_age(json!({"users": 0}), &age_evidence),
                ));
            }
            for u in &report.users {
                let at = At::new(&account.account_id, GLOBAL, u.arn.clone());
                let idle = idle_credentials(report, u);
                let mut evidence = json!({
                    "user": u.user,
                    "password_enabled": u.password_enabled,
                    "password_last_used": u.password_last_used,
                });
                for k in &u.access_keys {
                    evidence[format!("access_key_{}_active", k.slot)] = json!(k.active);
                    evidence[format!("access_key_{}_last_used", k.slot)] = json!(k.last_used);
                    evidence[format!("access_key_{}_last_rotated", k.slot)] = json!(k.last_rotated);
                }
                evidence["unused_after_days"] = json!(UNUSED_DAYS);
                evidence["idle_credentials"] = json!(idle);
                let evidence = with_age(evidence, &age_evidence);
                let has_credentials = u.password_enabled || u.access_keys.iter().any(|k| k.active);
                out.push(if !idle.is_empty() {
                    at.fail(format!("user {}: {}{age}", u.user, idle.join("; ")), evidence)
                } else if has_credentials {
                    at.pass(
                        format!(
                            "user {}: every credential was used within {UNUSED_DAYS} days of the report{age}",
                            u.user
                        ),
                        evidence,
                    )
                } else {
                    at.pass(format!("user {} has no console password and no active access key{age}", u.user), evidence)
                });
            }
        },
    )
}

pub fn user_mfa(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_iam(
        ctx,
        |iam| &iam.credential_report,
        |account, _, report, out| {
            let (age, age_evidence) = report_age(ctx, report);
            let console: Vec<&CredentialUser> = report.users.iter().filter(|u| u.password_enabled).collect();
            if console.is_empty() {
                out.push(At::account(account).pass(
                    format!(
                        "no IAM user has a console password ({} user(s), API access only), so none signs in without \
                         MFA{age}",
                        report.users.len()
                    ),
                    with_age(json!({"users": report.users.len(), "console_users": 0}), &age_evidence),
                ));
            }
            for u in console {
                let at = At::new(&account.account_id, GLOBAL, u.arn.clone());
                let evidence = with_age(
                    json!({
                        "user": u.user,
                        "password_enabled": true,
                        "mfa_active": u.mfa_active,
                        "password_last_used": u.password_last_used,
                    }),
                    &age_evidence,
                );
                out.push(if u.mfa_active {
                    at.pass(format!("console user {} has an MFA device{age}", u.user), evidence)
                } else {
                    at.fail(
                        format!("console user {} signs in with a password only, no MFA device{age}", u.user),
                        evidence,
                    )
                });
            }
        },
    )
}

// ---- GuardDuty --------------------------------------------------------------------------------------

pub fn guardduty_enabled(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.security.guardduty,
        |account, region, data, out| {
            if data.detectors.is_empty() {
                out.push(At::region(account, region).fail(
                    format!("GuardDuty is not enabled in {}: no detector", region.region),
                    json!({"detectors": []}),
                ));
            }
            for d in &data.detectors {
                let at = At::new(&account.account_id, &region.region, d.id.clone());
                let details = match d.details.get() {
                    Ok(details) => details,
                    Err(e) => {
                        out.push(at.not_evaluated(&e));
                        continue;
                    }
                };
                let evidence = json!({
                    "detector": d.id,
                    "status": details.status,
                    "finding_publishing_frequency": details.finding_publishing_frequency,
                    "features": details.features.iter().map(|f| format!("{}: {}", f.name, f.status)).collect::<Vec<_>>(),
                });
                out.push(match details.status.as_str() {
                    "ENABLED" => at.pass(format!("GuardDuty detector {} is enabled", d.id), evidence),
                    "DISABLED" => at.fail(
                        format!("GuardDuty detector {} is suspended (DISABLED): it analyses nothing", d.id),
                        evidence,
                    ),
                    // `GetDetector` answered without a status the collector knows: nothing says it runs or not.
                    other => at.unknown(
                        format!(
                            "could not be evaluated: guardduty:GetDetector gave detector {} no known status ({other})",
                            d.id
                        ),
                        evidence,
                    ),
                });
            }
        },
    )
}

/// A detector's lists as evidence, one line each (`name: STATUS (location)`), or why they could not be read.
fn lists_evidence(lists: &Collected<Vec<GuardDutyList>>) -> Value {
    match lists.get() {
        Ok(lists) => json!(lists
            .iter()
            .map(|l| match l.details.get() {
                Ok(d) => format!("{}: {} ({})", d.name, d.status, d.location.as_deref().unwrap_or("no location")),
                Err(e) => format!("{}: unread, {}", l.id, e.brief()),
            })
            .collect::<Vec<_>>()),
        Err(e) => json!(format!("unread: {}", e.brief())),
    }
}

pub fn guardduty_trusted_ip_lists(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.security.guardduty,
        |account, region, data, out| {
            if data.detectors.is_empty() {
                out.push(At::region(account, region).skipped(
                    "not applicable: no GuardDuty detector, hence no trusted IP list".into(),
                    json!({"detectors": []}),
                ));
            }
            for d in &data.detectors {
                let at = At::new(&account.account_id, &region.region, d.id.clone());
                let lists = match d.ip_sets.get() {
                    Ok(lists) => lists,
                    Err(e) => {
                        out.push(at.not_evaluated(&e));
                        continue;
                    }
                };
                let evidence = json!({
                    "detector": d.id,
                    "trusted_ip_lists": lists_evidence(&d.ip_sets),
                    "threat_intel_sets": lists_evidence(&d.threat_intel_sets),
                });
                if lists.is_empty() {
                    out.push(at.skipped("not applicable: the detector has no trusted IP list".into(), evidence));
                    continue;
                }
                let inactive: Vec<String> = lists
                    .iter()
                    .filter_map(|l| l.details.get().ok().filter(|d| d.status != "ACTIVE"))
                    .map(|d| format!("{} ({})", d.name, d.status))
                    .collect();
                let unread: Vec<(&str, CollectionError)> =
                    lists.iter().filter_map(|l| l.details.get().err().map(|e| (l.id.as_str(), e))).collect();
                out.push(if !inactive.is_empty() {
                    at.fail(
                        format!(
                            "trusted IP list {} is not active: the addresses it names still raise findings",
                            inactive.join(", ")
                        ),
                        evidence,
                    )
                } else if let Some((id, e)) = unread.first() {
                    at.unknown(format!("could not be evaluated: trusted IP list {id}: {}", e.brief()), evidence)
                } else {
                    let names: Vec<&str> =
                        lists.iter().filter_map(|l| l.details.get().ok().map(|d| d.name.as_str())).collect();
                    at.pass(format!("trusted IP list {} is active", names.join(", ")), evidence)
                });
            }
        },
    )
}

// ---- Organization-level -----------------------------------------------------------------------------

/// Runs `judge` once for the organization, against its management account; an unreadable tree (or no
/// organization, which is `skipped`) is reported against each audited account instead.
fn per_organization(ctx: &Ctx<'_>, judge: impl Fn(At, &OrgTree) -> Outcome) -> Vec<Outcome> {
    match ctx.snapshot.organization.get() {
        Ok(tree) => vec![judge(At::new(&tree.management_account_id, GLOBAL, tree.id.clone()), tree)],
        Err(e) => ctx.accounts().map(|a| At::account(a).not_evaluated(&e)).collect(),
    }
}

/// The accounts registered as delegated administrator for `principal`, and the errors of the administrators
/// whose services could not be listed; `Err` when the administrators could not be listed at all.
fn admins_for<'a>(tree: &'a OrgTree, principal: &str) -> Result<(Vec<&'a str>, Vec<CollectionError>), CollectionError> {
    let admins = tree.delegated_administrators.get()?;
    let mut found = Vec::new();
    let mut unread = Vec::new();
    for a in admins {
        match a.services.get() {
            Ok(services) if services.iter().any(|s| s == principal) => found.push(a.account_id.as_str()),
            Ok(_) => {}
            Err(e) => unread.push(e),
        }
    }
    Ok((found, unread))
}

/// Whether the service principal has trusted access; `None` when the list could not be read.
fn trusted(tree: &OrgTree, principal: &str) -> Option<bool> {
    tree.trusted_services.get().ok().map(|s| s.iter().any(|p| p == principal))
}

/// Judges "a delegated administrator other than the management account is registered for `principal`".
fn judge_delegated_admin(at: At, tree: &OrgTree, principal: &str, service: &str, extra: Value) -> Outcome {
    let (admins, unread) = match admins_for(tree, principal) {
        Ok(found) => found,
        Err(e) => return at.not_evaluated(&e),
    };
    let mut evidence = json!({
        "service_principal": principal,
        "delegated_administrators": admins,
        "trusted_access": trusted(tree, principal),
        "management_account": tree.management_account_id,
    });
    if let (Value::Object(map), Value::Object(more)) = (&mut evidence, extra) {
        map.extend(more);
    }
    if let Some(admin) = admins.iter().find(|a| **a != tree.management_account_id) {
        return at.pass(format!("account {admin} is the delegated {service} administrator"), evidence);
    }
    if !admins.is_empty() {
        return at.fail(
            format!("{service} is administered from the management account, which should run no workloads or tools"),
            evidence,
        );
    }
    if let Some(e) = unread.first() {
        return at.unknown(
            format!("could not be evaluated: the services of a delegated administrator are unread: {}", e.brief()),
            evidence,
        );
    }
    at.fail(
        format!("no delegated {service} administrator: no member account manages {service} for the organization"),
        evidence,
    )
}

pub fn guardduty_delegated_admin(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_organization(ctx, |at, tree| judge_delegated_admin(at, tree, GUARDDUTY, "GuardDuty", json!({})))
}

/// Whether GuardDuty is in use: an enabled detector in an audited region, or the organization integration;
/// `Err` with the reason when nothing shows it in use but some of that could not be read.
/// What could not be read while looking for GuardDuty in use, each part as `WHERE: reason`.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.join("; "))]
struct Unread(Vec<String>);

fn guardduty_in_use(ctx: &Ctx<'_>, tree: &OrgTree) -> Result<bool, Unread> {
    let mut unread = Vec::new();
    let mut detector_on = false;
    for a in ctx.accounts() {
        for r in &a.regions {
            match r.security.guardduty.get() {
                Ok(g) => {
                    for d in &g.detectors {
                        match d.details.get() {
                            Ok(d) if d.status == "ENABLED" => detector_on = true,
                            Ok(_) => {}
                            Err(e) => unread.push(format!("{}/{}: {}", a.account_id, r.region, e.brief())),
                        }
                    }
                }
                Err(e) if e.kind.means_not_applicable() => {}
                Err(e) => unread.push(format!("{}/{}: {}", a.account_id, r.region, e.brief())),
            }
        }
    }
    let admins = admins_for(tree, GUARDDUTY);
    if detector_on
        || trusted(tree, GUARDDUTY) == Some(true)
        || admins.as_ref().is_ok_and(|(found, _)| !found.is_empty())
    {
        return Ok(true);
    }
    if let Err(e) = tree.trusted_services.get() {
        unread.push(format!("trusted access: {}", e.brief()));
    }
    match admins {
        Err(e) => unread.push(format!("delegated administrators: {}", e.brief())),
        Ok((_, errors)) => unread.extend(errors.iter().map(|e| format!("a delegated administrator: {}", e.brief()))),
    }
    if unread.is_empty() {
        Ok(false)
    } else {
        Err(Unread(unread))
    }
}

/// Detective's delegated administrator, where GuardDuty is in use. The evidence also names the GuardDuty and
/// Security Hub administrators: AWS recommends one account for all three (Security Hub has no check of its own,
/// dopaudit reading only its organization registration).
pub fn detective_delegated_admin(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_organization(ctx, |at, tree| {
        match guardduty_in_use(ctx, tree) {
            Ok(true) => {}
            Ok(false) => {
                return at.skipped(
                    "not applicable: GuardDuty is not in use, so Detective has no findings to investigate".into(),
                    json!({"guardduty_in_use": false}),
                )
            }
            Err(why) => {
                return at.unknown(
                    format!("could not be evaluated: whether GuardDuty is in use could not be told ({why})"),
                    json!({"guardduty_in_use": null}),
                )
            }
        }
        let admins = |principal| admins_for(tree, principal).map(|(found, _)| found).unwrap_or_default();
        let (guardduty_admins, securityhub_admins) = (admins(GUARDDUTY), admins(SECURITY_HUB));
        let mut outcome = judge_delegated_admin(
            at,
            tree,
            DETECTIVE,
            "Detective",
            json!({
                "guardduty_in_use": true,
                "guardduty_administrators": guardduty_admins,
                "securityhub_administrators": securityhub_admins,
            }),
        );
        let detective_admins = admins(DETECTIVE);
        let elsewhere: std::collections::BTreeSet<&str> = guardduty_admins
            .iter()
            .chain(&securityhub_admins)
            .filter(|a| !detective_admins.contains(a))
            .copied()
            .collect();
        if outcome.status == crate::report::Status::Pass && !elsewhere.is_empty() {
            outcome.message.push_str(&format!(
                "; GuardDuty or Security Hub is administered by {} instead (one account for all three is recommended)",
                elsewhere.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        outcome
    })
}

pub fn ram_organization_sharing(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_organization(ctx, |at, tree| {
        let services = match tree.trusted_services.get() {
            Ok(s) => s,
            Err(e) => return at.not_evaluated(&e),
        };
        let enabled = services.iter().any(|s| s == RAM);
        let evidence = json!({"service_principal": RAM, "trusted_access": enabled});
        if enabled {
            at.pass("resource sharing with the organization is enabled (RAM has trusted access)".into(), evidence)
        } else {
            at.fail(
                "RAM has no trusted access: resources can be shared only account by account, through invitations"
                    .into(),
                evidence,
            )
        }
    })
}

pub fn controltower_guardrails(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_organization(ctx, |at, tree| {
        let services = match tree.trusted_services.get() {
            Ok(s) => s,
            Err(e) => return at.not_evaluated(&e),
        };
        if !services.iter().any(|s| s == CONTROL_TOWER) {
            return at.skipped(
                "not applicable: Control Tower is not in use (no trusted access for controltower.amazonaws.com)".into(),
                json!({"control_tower_trusted_access": false}),
            );
        }
        let guardrails: Vec<_> = tree.policies.iter().filter(|p| p.name.starts_with(GUARDRAIL_PREFIX)).collect();
        let evidence = json!({
            "control_tower_trusted_access": true,
            "guardrail_policies": guardrails.iter().map(|p| match p.targets.get() {
                Ok(t) if t.is_empty() => format!("{} ({}): attached nowhere", p.name, p.id),
                Ok(t) => format!("{} ({}): attached to {}", p.name, p.id, t.join(", ")),
                Err(e) => format!("{} ({}): targets unread, {}", p.name, p.id, e.brief()),
            }).collect::<Vec<_>>(),
        });
        let attached: Vec<&str> = guardrails
            .iter()
            .filter(|p| p.targets.get().is_ok_and(|t| !t.is_empty()))
            .map(|p| p.name.as_str())
            .collect();
        if !attached.is_empty() {
            return at
                .pass(format!("Control Tower's preventive controls are attached: {}", attached.join(", ")), evidence);
        }
        if let Some(e) = guardrails.iter().find_map(|p| p.targets.get().err()) {
            return at.unknown(
                format!("could not be evaluated: the targets of a guardrail SCP are unread: {}", e.brief()),
                evidence,
            );
        }
        at.fail(
            format!(
                "Control Tower is in use but no {GUARDRAIL_PREFIX}* SCP is attached: its preventive controls protect nothing"
            ),
            evidence,
        )
    })
}

/// Why a region's customer-managed recorder is not known to record.
enum Recording {
    Not(String),
    Unread(String),
}

/// Whether the region's customer-managed configuration recorder is recording. A service-linked recorder
/// (`AWSConfigurationRecorderFor…`, INTERNAL scope) records only what its own service needs and is no prerequisite
/// Firewall Manager can rely on.
/// `Ok(true)` when the recorder records only the types it lists (the inclusion strategy), which Firewall Manager
/// can rely on only if they include the types its policies protect.
fn customer_recording(config: &crate::snapshot::ConfigData) -> Result<bool, Recording> {
    let (linked, customer): (Vec<_>, Vec<_>) = config.recorders.iter().partition(|r| r.is_service_linked());
    let Some(rec) = customer.first() else {
        return Err(Recording::Not(if linked.is_empty() {
            "no configuration recorder".into()
        } else {
            format!(
                "only the service-linked recorder {}",
                linked.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ")
            )
        }));
    };
    let statuses = config.recorder_statuses.get().map_err(|e| Recording::Unread(e.brief()))?;
    let Some(status) = statuses.iter().find(|s| s.name == rec.name) else {
        return Err(Recording::Unread(format!(
            "config:DescribeConfigurationRecorderStatus returned no status for recorder {}",
            rec.name
        )));
    };
    if !status.recording {
        return Err(Recording::Not(format!("recorder {} is stopped", rec.name)));
    }
    if status.last_status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("failure")) {
        return Err(Recording::Not(format!("recorder {}'s last recording attempt failed", rec.name)));
    }
    Ok(rec.strategy() == crate::snapshot::RecordingStrategy::Inclusion)
}

pub fn firewallmanager_prerequisites(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_organization(ctx, |at, tree| {
        let trusted_access = trusted(tree, FIREWALL_MANAGER);
        let admins = admins_for(tree, FIREWALL_MANAGER);
        let in_use = trusted_access == Some(true) || admins.as_ref().is_ok_and(|(found, _)| !found.is_empty());
        if !in_use {
            return match tree.trusted_services.get().err().or_else(|| admins.as_ref().err().cloned()) {
                Some(e) => at.not_evaluated(&e),
                None => at.skipped(
                    "not applicable: Firewall Manager is not in use (no trusted access, no administrator)".into(),
                    json!({"fms_trusted_access": trusted_access}),
                ),
            };
        }
        let mut not_recording = Vec::new();
        let mut unread = Vec::new();
        let mut chosen_types_only = Vec::new();
        let mut checked = 0;
        for account in ctx.accounts() {
            for region in &account.regions {
                let place = format!("{}/{}", account.account_id, region.region);
                let config = match region.config.get() {
                    Ok(c) => c,
                    // A disabled Region holds no resources for Firewall Manager to protect.
                    Err(e) if e.kind.means_not_applicable() => continue,
                    Err(e) => {
                        checked += 1;
                        unread.push(format!("{place}: {}", e.brief()));
                        continue;
                    }
                };
                checked += 1;
                match customer_recording(config) {
                    Ok(false) => {}
                    Ok(true) => chosen_types_only.push(place),
                    Err(Recording::Not(why)) => not_recording.push(format!("{place} ({why})")),
                    Err(Recording::Unread(why)) => unread.push(format!("{place}: {why}")),
                }
            }
        }
        let evidence = json!({
            "fms_trusted_access": trusted_access,
            "fms_administrators": admins.as_ref().map(|(found, _)| found.clone()).unwrap_or_default(),
            "regions_checked": checked,
            "config_not_recording": not_recording,
            "config_unread": unread,
            "config_records_chosen_types_only": chosen_types_only,
        });
        if !not_recording.is_empty() {
            at.fail(
                format!(
                    "Firewall Manager is in use but AWS Config is not recording in {}: its policies cannot see resources there",
                    not_recording.join(", ")
                ),
                evidence,
            )
        } else if !unread.is_empty() {
            at.unknown(
                format!("could not be evaluated: AWS Config could not be read in {}", unread.join(", ")),
                evidence,
            )
        } else {
            let caveat = if chosen_types_only.is_empty() {
                String::new()
            } else {
                format!(
                    "; in {} the recorder records only the types it lists, which must include those of your Firewall Manager policies (not read by this check)",
                    chosen_types_only.join(", ")
                )
            };
            at.pass(
                format!(
                    "AWS Config is recording in all {checked} audited account regions Firewall Manager relies on{caveat}"
                ),
                evidence,
            )
        }
    })
}

// ---- Systems Manager --------------------------------------------------------------------------------

pub fn ssm_default_host_management(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.security.ssm,
        |account, region, ssm, out| {
            let at = At::region(account, region);
            let setting = match ssm.default_host_management.get() {
                Ok(s) => s,
                Err(e) => return out.push(at.not_evaluated(&e)),
            };
            let evidence = json!({
                "setting_id": DHMC_SETTING,
                "setting_value": setting.value,
                "setting_status": setting.status,
                "last_modified": setting.last_modified,
            });
            out.push(match setting.configured_value() {
                Some(role) => at.pass(
                    format!(
                        "Default Host Management is on in {} with role {role}: EC2 instances with IMDSv2 and a recent SSM Agent are managed without an instance profile",
                        region.region
                    ),
                    evidence,
                ),
                None => at.fail(
                    format!(
                        "Default Host Management is off in {}: an instance is managed only if it has an SSM instance profile",
                        region.region
                    ),
                    evidence,
                ),
            });
        },
    )
}

pub fn ssm_session_manager_logging(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.security.ssm,
        |account, region, ssm, out| {
            let at = At::region(account, region);
            let prefs = match ssm.session_preferences.get() {
                Ok(p) => p,
                Err(e) => return out.push(at.not_evaluated(&e)),
            };
            let Some(p) = prefs else {
                return out.push(at.fail(
                    format!("no Session Manager preferences ({SESSION_PREFERENCES_DOCUMENT}): session activity is not logged"),
                    json!({"document": SESSION_PREFERENCES_DOCUMENT, "exists": false}),
                ));
            };
            let evidence = json!({
                "document": SESSION_PREFERENCES_DOCUMENT,
                "s3_bucket_name": p.s3_bucket_name,
                "s3_key_prefix": p.s3_key_prefix,
                "s3_encryption_enabled": p.s3_encryption_enabled,
                "cloudwatch_log_group_name": p.cloudwatch_log_group_name,
                "cloudwatch_encryption_enabled": p.cloudwatch_encryption_enabled,
                "cloudwatch_streaming_enabled": p.cloudwatch_streaming_enabled,
                "kms_key_id": p.kms_key_id,
            });
            let destinations: Vec<String> = p
                .s3_bucket_name
                .iter()
                .map(|b| format!("s3://{b}"))
                .chain(p.cloudwatch_log_group_name.iter().map(|g| format!("log group {g}")))
                .collect();
            out.push(if destinations.is_empty() {
                at.fail(
                    "the Session Manager preferences name neither an S3 bucket nor a log group: sessions are not logged"
                        .into(),
                    evidence,
                )
            } else {
                at.pass(format!("Session Manager logs sessions to {}", destinations.join(" and ")), evidence)
            });
        },
    )
}

pub fn ssm_managed_nodes(ctx: &Ctx<'_>) -> Vec<Outcome> {
    per_region(
        ctx,
        |r| &r.security.ssm,
        |account, region, ssm, out| {
            let nodes = match ssm.managed_nodes.get() {
                Ok(n) => n,
                Err(e) => return out.push(At::region(account, region).not_evaluated(&e)),
            };
            for n in nodes {
                let at = At::new(&account.account_id, &region.region, n.instance_id.clone());
                let evidence = json!({
                    "ping_status": n.ping_status,
                    "last_ping": n.last_ping,
                    "agent_version": n.agent_version,
                    "agent_is_latest": n.is_latest_version,
                    "platform": n.platform_name.as_ref().or(n.platform_type.as_ref()),
                    "resource_type": n.resource_type,
                    "computer_name": n.computer_name,
                });
                let agent = n.agent_version.as_deref().unwrap_or("unknown version");
                let outdated = if n.is_latest_version == Some(false) { ", not the latest release" } else { "" };
                out.push(match n.ping_status.as_str() {
                    "Online" => at.pass(format!("node {} is online (agent {agent}{outdated})", n.instance_id), evidence),
                    // The collector stores `Unknown` when DescribeInstanceInformation gave no PingStatus.
                    status @ ("Unknown" | "") => at.unknown(
                        format!(
                            "could not be evaluated: ssm:DescribeInstanceInformation reported no ping status for node {} ({})",
                            n.instance_id,
                            if status.is_empty() { "empty" } else { status }
                        ),
                        evidence,
                    ),
                    status => {
                        let since = n.last_ping.map(|t| format!(" since {}", t.format("%Y-%m-%d %H:%M UTC"))).unwrap_or_default();
                        at.fail(
                            format!(
                                "node {} is {status}{since}: it cannot be patched, commanded or reached by Session Manager",
                                n.instance_id
                            ),
                            evidence,
                        )
                    }
                });
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::report::Status;
    use crate::snapshot::*;

    fn run(f: Evaluator, snap: &Snapshot) -> Vec<Outcome> {
        f(&Ctx::new(snap))
    }

    fn statuses(outcomes: &[Outcome]) -> Vec<Status> {
        outcomes.iter().map(|o| o.status).collect()
    }

    fn date(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// One account (no organization) in us-east-1, with the given IAM data.
    fn with_iam(iam: Collected<IamData>) -> Snapshot {
        let mut acct = account(ACCT, None, vec![region("us-east-1")]);
        acct.services.iam = iam;
        snapshot(vec![acct])
    }

    fn iam_with(f: impl FnOnce(&mut IamData)) -> Collected<IamData> {
        let mut iam = IamData::default();
        f(&mut iam);
        Collected::ok(iam)
    }

    /// The root flags of `GetAccountSummary`: MFA, password, access keys (`None`: not reported).
    fn root(mfa: Option<i32>, password: Option<i32>, keys: Option<i32>) -> AccountSummary {
        AccountSummary {
            account_mfa_enabled: mfa,
            account_password_present: password,
            account_access_keys_present: keys,
            account_signing_certificates_present: Some(0),
            users: Some(3),
            mfa_devices_in_use: Some(1),
        }
    }

    fn features(list: &[&str]) -> Collected<OrganizationsFeatures> {
        Collected::ok(OrganizationsFeatures {
            organization_id: Some("o-example".into()),
            enabled_features: list.iter().map(|f| f.to_string()).collect(),
        })
    }

    /// Where the audited account `ACCT` stands, and what the management account read of the organization's features.
    #[derive(Clone)]
    enum Place {
        Standalone,
        /// `ACCT` is itself the management account and read the features.
        Management(Collected<OrganizationsFeatures>),
        /// `ACCT` is a member; `MGMT` (also audited) read the features.
        Member(Collected<OrganizationsFeatures>),
    }

    fn root_snapshot(place: Place, summary: Collected<AccountSummary>) -> Snapshot {
        let iam = |summary, features| {
            Collected::ok(IamData { summary, organizations_features: features, ..Default::default() })
        };
        match place {
            Place::Standalone => with_iam(iam(summary, Collected::NotCollected)),
            Place::Management(f) => {
                let mut acct = account(ACCT, Some(ACCT), vec![]);
                acct.services.iam = iam(summary, f);
                snapshot(vec![acct])
            }
            Place::Member(f) => {
                let mut member = account(ACCT, Some(MGMT), vec![]);
                member.services.iam = iam(summary, Collected::NotCollected);
                let mut mgmt = account(MGMT, Some(MGMT), vec![]);
                mgmt.services.iam = iam(Collected::ok(root(Some(1), Some(1), Some(0))), f);
                snapshot(vec![member, mgmt])
            }
        }
    }

    /// The verdict tables of `iam-root-mfa` and `iam-root-access-keys`: each row is (check, case, where the account
    /// stands, its summary, expected status, a fragment of the message).
    #[test]
    fn root_checks_verdict_table() {
        use Place::*;
        let on = || features(&[ROOT_CREDENTIALS_MANAGEMENT, "RootSessions"]);
        let denied_features = || Collected::Error { error: denied("iam:ListOrganizationsFeatures") };
        let ok = |s: AccountSummary| Collected::ok(s);
        let denied_summary = || Collected::Error { error: denied("iam:GetAccountSummary") };
        let none = root(Some(0), Some(0), Some(0));
        type Row = (Evaluator, &'static str, Place, Collected<AccountSummary>, Status, &'static str);
        let rows: Vec<Row> = vec![
            // -- iam-root-mfa --
            (root_mfa, "compliant: MFA on", Standalone, ok(root(Some(1), Some(1), Some(0))), Status::Pass, "with MFA"),
            (
                root_mfa,
                "non-compliant: password, no MFA",
                Standalone,
                ok(root(Some(0), Some(1), Some(0))),
                Status::Fail,
                "has a password",
            ),
            (
                root_mfa,
                "non-compliant: standalone without any credential can still recover its password",
                Standalone,
                ok(none.clone()),
                Status::Fail,
                "recovered through the account's email",
            ),
            (
                root_mfa,
                "alternative: member whose root credentials were removed centrally",
                Member(on()),
                ok(none.clone()),
                Status::Pass,
                "manages root credentials centrally",
            ),
            (
                root_mfa,
                "near miss: centralized, but the member's root keeps its password",
                Member(on()),
                ok(root(Some(0), Some(1), Some(0))),
                Status::Fail,
                "still has root credentials (a password), although organization o-example",
            ),
            (
                root_mfa,
                "near miss: only RootSessions enabled",
                Member(features(&["RootSessions"])),
                ok(none.clone()),
                Status::Fail,
                "RootCredentialsManagement is off",
            ),
            (
                root_mfa,
                "near miss: no feature at all",
                Member(features(&[])),
                ok(none.clone()),
                Status::Fail,
                "RootCredentialsManagement is off",
            ),
            (
                root_mfa,
                "near miss: the management account is never covered",
                Management(on()),
                ok(none.clone()),
                Status::Fail,
                "never the management account",
            ),
            (root_mfa, "unreadable summary", Standalone, denied_summary(), Status::Unknown, "iam:GetAccountSummary"),
            (
                root_mfa,
                "unreadable features, no credentials: cannot tell",
                Member(denied_features()),
                ok(none.clone()),
                Status::Unknown,
                "iam:ListOrganizationsFeatures",
            ),
            (
                root_mfa,
                "features read by no audited account",
                Member(Collected::NotCollected),
                ok(none.clone()),
                Status::Unknown,
                "iam:ListOrganizationsFeatures answers only in the management account",
            ),
            (
                root_mfa,
                "unreadable features do not matter with MFA on",
                Member(denied_features()),
                ok(root(Some(1), Some(0), Some(0))),
                Status::Pass,
                "with MFA",
            ),
            (
                root_mfa,
                "unreadable features do not matter with a password and no MFA",
                Member(denied_features()),
                ok(root(Some(0), Some(1), Some(0))),
                Status::Fail,
                "still has root credentials",
            ),
            (
                root_mfa,
                "partial: MFA flag missing",
                Standalone,
                ok(root(None, Some(0), Some(0))),
                Status::Unknown,
                "AccountMFAEnabled",
            ),
            (
                root_mfa,
                "partial: centralized, password flag missing",
                Member(on()),
                ok(root(Some(0), None, Some(0))),
                Status::Unknown,
                "AccountPasswordPresent",
            ),
            (
                root_mfa,
                "partial and unreadable: password flag missing, features unreadable",
                Member(denied_features()),
                ok(root(Some(0), None, Some(0))),
                Status::Unknown,
                "did not report AccountPasswordPresent and the organization's root access features could not be read",
            ),
            // -- iam-root-access-keys --
            (
                root_access_keys,
                "compliant: no key",
                Standalone,
                ok(root(Some(1), Some(1), Some(0))),
                Status::Pass,
                "no access key",
            ),
            (
                root_access_keys,
                "non-compliant: a key",
                Standalone,
                ok(root(Some(1), Some(1), Some(1))),
                Status::Fail,
                "has an access key",
            ),
            (
                root_access_keys,
                "alternative: member whose root credentials were removed centrally",
                Member(on()),
                ok(none.clone()),
                Status::Pass,
                "this member account's root has none at all",
            ),
            (
                root_access_keys,
                "near miss: centralized, but the root keeps a key",
                Member(on()),
                ok(root(Some(0), Some(0), Some(1))),
                Status::Fail,
                "does not remove a key",
            ),
            (
                root_access_keys,
                "unreadable features never matter for a key",
                Member(denied_features()),
                ok(none.clone()),
                Status::Pass,
                "the root user has no access key",
            ),
            (
                root_access_keys,
                "unreadable summary",
                Standalone,
                denied_summary(),
                Status::Unknown,
                "iam:GetAccountSummary",
            ),
            (
                root_access_keys,
                "partial: key flag missing",
                Standalone,
                ok(root(Some(1), Some(1), None)),
                Status::Unknown,
                "AccountAccessKeysPresent",
            ),
        ];
        for (f, case, place, summary, want, text) in rows {
            let out: Vec<Outcome> =
                run(f, &root_snapshot(place, summary)).into_iter().filter(|o| o.account == ACCT).collect();
            assert_eq!(statuses(&out), vec![want], "{case}: {:?}", out.first().map(|o| &o.message));
            assert!(out[0].message.contains(text), "{case}: {}", out[0].message);
            assert_eq!((out[0].region.as_str(), out[0].resource.as_str()), (GLOBAL, ACCT), "{case}");
        }
        // Not collected at all: unknown, naming why.
        let out = run(root_mfa, &with_iam(Collected::NotCollected));
        assert_eq!(statuses(&out), vec![Status::Unknown]);
        assert!(out[0].message.contains("NotCollected"), "{}", out[0].message);
    }

    #[test]
    fn the_features_of_another_organization_do_not_count() {
        let mut other = features(&[ROOT_CREDENTIALS_MANAGEMENT]);
        if let Collected::Ok { data } = &mut other {
            data.organization_id = Some("o-someoneelse".into());
        }
        let snap = root_snapshot(Place::Member(other), Collected::ok(root(Some(0), Some(0), Some(0))));
        let out: Vec<Outcome> = run(root_mfa, &snap).into_iter().filter(|o| o.account == ACCT).collect();
        assert_eq!(statuses(&out), vec![Status::Unknown], "{}", out[0].message);
        assert_eq!(out[0].evidence["account_password_present"], 0);
    }

    #[test]
    fn root_evidence_shows_the_reports_root_row() {
        let iam = iam_with(|i| {
            i.summary = Collected::ok(AccountSummary { account_access_keys_present: Some(1), ..Default::default() });
            i.credential_report = Collected::ok(CredentialReport {
                generated_at: date("2026-11-20T08:00:00Z"),
                root: Some(CredentialUser {
                    user: "<root_account>".into(),
                    access_keys: vec![AccessKeyUsage {
                        slot: 1,
                        active: true,
                        last_rotated: None,
                        last_used: Some(date("2026-11-19T08:00:00Z")),
                    }],
                    ..Default::default()
                }),
                users: vec![],
            });
        });
        let out = run(root_access_keys, &with_iam(iam));
        assert_eq!(out[0].status, Status::Fail);
        assert_eq!(out[0].evidence["root_access_key_1_active"], true);
        assert_eq!(out[0].evidence["root_access_key_1_last_used"], "2026-11-19T08:00:00Z");
    }

    fn strong_policy() -> PasswordPolicy {
        PasswordPolicy {
            minimum_password_length: Some(14),
            require_symbols: true,
            require_numbers: true,
            require_uppercase_characters: true,
            require_lowercase_characters: true,
            allow_users_to_change_password: true,
            max_password_age: Some(90),
            password_reuse_prevention: Some(24),
            hard_expiry: None,
        }
    }

    #[test]
    fn password_policy_verdict_table() {
        let weak = PasswordPolicy {
            minimum_password_length: Some(8),
            require_symbols: false,
            password_reuse_prevention: None,
            ..strong_policy()
        };
        let rows: Vec<(&str, Collected<Option<PasswordPolicy>>, Status, &str)> = vec![
            ("compliant", Collected::ok(Some(strong_policy())), Status::Pass, "14 characters"),
            (
                "non-compliant: weak policy",
                Collected::ok(Some(weak)),
                Status::Fail,
                "minimum length 8 (needs 14), symbols not required, reuse prevention not set (needs 24)",
            ),
            ("non-compliant: no policy", Collected::ok(None), Status::Fail, "no password policy"),
            // Near miss: long and complex, but an old password may come back after 23 changes.
            (
                "near miss: reuse prevention 23",
                Collected::ok(Some(PasswordPolicy { password_reuse_prevention: Some(23), ..strong_policy() })),
                Status::Fail,
                "reuse prevention 23 (needs 24)",
            ),
            (
                "near miss: lowercase not required",
                Collected::ok(Some(PasswordPolicy { require_lowercase_characters: false, ..strong_policy() })),
                Status::Fail,
                "lowercase letters not required",
            ),
            // No alternative: federation (Identity Center) does not govern IAM user passwords, and the policy applies
            // to every IAM user created later, so an account without console users still needs it.
            (
                "unreadable",
                Collected::Error { error: denied("iam:GetAccountPasswordPolicy") },
                Status::Unknown,
                "iam:GetAccountPasswordPolicy",
            ),
            // Partial: a policy without MinimumPasswordLength (IAM always sends it) is not taken as long enough.
            (
                "partial: no minimum length in the answer",
                Collected::ok(Some(PasswordPolicy { minimum_password_length: None, ..strong_policy() })),
                Status::Unknown,
                "reported no minimum password length",
            ),
        ];
        for (case, policy, want, text) in rows {
            let out = run(password_policy, &with_iam(iam_with(|i| i.password_policy = policy)));
            assert_eq!(statuses(&out), vec![want], "{case}");
            assert!(out[0].message.contains(text), "{case}: {}", out[0].message);
        }
        let out =
            run(password_policy, &with_iam(iam_with(|i| i.password_policy = Collected::ok(Some(strong_policy())))));
        assert_eq!(out[0].evidence["minimum_password_length"], 14);
        assert_eq!(out[0].evidence["shortfalls"], json!([]));
    }

    fn user(name: &str) -> CredentialUser {
        CredentialUser {
            user: name.into(),
            arn: format!("arn:aws:iam::{ACCT}:user/{name}"),
            created_at: Some(date("2024-01-01T00:00:00Z")),
            ..Default::default()
        }
    }

    fn key(slot: u8, active: bool, used: Option<&str>) -> AccessKeyUsage {
        AccessKeyUsage { slot, active, last_rotated: Some(date("2024-01-01T00:00:00Z")), last_used: used.map(date) }
    }

    fn report(users: Vec<CredentialUser>) -> Collected<IamData> {
        iam_with(|i| {
            i.credential_report =
                Collected::ok(CredentialReport { generated_at: date("2026-11-20T00:00:00Z"), root: None, users })
        })
    }

    #[test]
    fn unused_credentials_count_days_before_the_report() {
        let recent_console = CredentialUser {
            password_enabled: true,
            password_last_used: Some(date("2026-11-01T00:00:00Z")),
            mfa_active: true,
            ..user("alice")
        };
        let stale_key = CredentialUser {
            access_keys: vec![key(1, true, Some("2026-11-19T00:00:00Z")), key(2, true, Some("2026-01-01T00:00:00Z"))],
            ..user("deploy")
        };
        let never_logged_in = CredentialUser {
            password_enabled: true,
            password_last_changed: Some(date("2026-05-01T00:00:00Z")),
            ..user("bob")
        };
        let new_user = CredentialUser {
            password_enabled: true,
            password_last_changed: Some(date("2026-11-10T00:00:00Z")),
            ..user("carol")
        };
        let inactive_old_key =
            CredentialUser { access_keys: vec![key(1, false, Some("2025-01-01T00:00:00Z"))], ..user("old") };
        let out = run(
            unused_credentials,
            &with_iam(report(vec![recent_console, stale_key, never_logged_in, new_user, inactive_old_key])),
        );
        assert_eq!(statuses(&out), vec![Status::Pass, Status::Fail, Status::Fail, Status::Pass, Status::Pass]);
        assert_eq!(out[1].resource, format!("arn:aws:iam::{ACCT}:user/deploy"));
        assert!(out[1].message.contains("access key 2 last used 323 days"), "{}", out[1].message);
        assert!(!out[1].message.contains("access key 1"), "{}", out[1].message);
        assert!(out[2].message.contains("console password never used in the 203 days"), "{}", out[2].message);
        assert!(out[4].message.contains("no console password and no active access key"), "{}", out[4].message);
        assert_eq!(out[1].evidence["unused_after_days"], 90);
        assert_eq!(out[1].evidence["access_key_2_last_used"], "2026-01-01T00:00:00Z");
        assert_eq!(out[1].evidence["access_key_1_active"], true);
    }

    #[test]
    fn without_a_report_the_user_checks_are_unknown_and_name_the_flag() {
        let missing = CollectionError {
            kind: ErrorKind::NotCollected,
            code: "ReportNotPresent".into(),
            message: "IAM holds no credential report for this account; run the audit with --credential-report".into(),
            permission: Some("iam:GetCredentialReport".into()),
        };
        for f in [unused_credentials as Evaluator, user_mfa] {
            let iam = iam_with(|i| i.credential_report = Collected::Error { error: missing.clone() });
            let out = run(f, &with_iam(iam));
            assert_eq!(statuses(&out), vec![Status::Unknown]);
            assert!(out[0].message.contains("--credential-report"), "{}", out[0].message);
            let denied_report =
                iam_with(|i| i.credential_report = Collected::Error { error: denied("iam:GetCredentialReport") });
            let out = run(f, &with_iam(denied_report));
            assert_eq!(statuses(&out), vec![Status::Unknown]);
            assert!(out[0].message.contains("iam:GetCredentialReport"), "{}", out[0].message);
        }
    }

    /// A snapshot taken `hours_after` the report of `report(users)` (generated 2026-11-20T00:00:00Z).
    fn report_snapshot(iam: Collected<IamData>, hours_after: i64) -> Snapshot {
        let mut snap = with_iam(iam);
        snap.generated_at = date("2026-11-20T00:00:00Z") + chrono::Duration::hours(hours_after);
        snap
    }

    /// One user (or none) in a report read 1 hour before the snapshot, its status and a message fragment.
    type UserRow = (&'static str, Collected<IamData>, Status, &'static str);

    fn run_user_rows(check: Evaluator, rows: Vec<UserRow>) {
        for (case, iam, want, text) in rows {
            let out = run(check, &report_snapshot(iam, 1));
            assert_eq!(statuses(&out), vec![want], "{case}: {:?}", out.first().map(|o| &o.message));
            assert!(out[0].message.contains(text), "{case}: {}", out[0].message);
        }
    }

    #[test]
    fn user_mfa_verdict_table() {
        let console = |mfa: bool| CredentialUser { password_enabled: true, mfa_active: mfa, ..user("alice") };
        let missing = CollectionError {
            kind: ErrorKind::NotCollected,
            code: "ReportNotPresent".into(),
            message: "IAM holds no credential report for this account; run the audit with --credential-report".into(),
            permission: Some("iam:GetCredentialReport".into()),
        };
        let rows: Vec<UserRow> = vec![
            ("compliant", report(vec![console(true)]), Status::Pass, "console user alice has an MFA device"),
            ("non-compliant", report(vec![console(false)]), Status::Fail, "password only, no MFA device"),
            // Near miss: a console user who never signed in still has a password an attacker can use.
            (
                "near miss: never signed in",
                report(vec![CredentialUser { password_last_used: None, ..console(false) }]),
                Status::Fail,
                "no MFA device",
            ),
            // Alternative: a user with access keys and no password has nothing to sign in to the console with.
            (
                "alternative: API-only users",
                report(vec![CredentialUser { access_keys: vec![key(1, true, None)], ..user("ci") }]),
                Status::Pass,
                "no IAM user has a console password (1 user(s)",
            ),
            (
                "unreadable",
                iam_with(|i| i.credential_report = Collected::Error { error: denied("iam:GetCredentialReport") }),
                Status::Unknown,
                "iam:GetCredentialReport",
            ),
            (
                "partial: no report to read",
                iam_with(|i| i.credential_report = Collected::Error { error: missing.clone() }),
                Status::Unknown,
                "--credential-report",
            ),
            // A report the collector cannot parse, or that lacks its generation time, is an error like the two above.
        ];
        run_user_rows(user_mfa, rows);
    }

    #[test]
    fn unused_credentials_verdict_table() {
        let rows: Vec<UserRow> = vec![
            (
                "compliant",
                report(vec![CredentialUser {
                    access_keys: vec![key(1, true, Some("2026-11-19T00:00:00Z"))],
                    ..user("ci")
                }]),
                Status::Pass,
                "every credential was used within 90 days",
            ),
            (
                "non-compliant",
                report(vec![CredentialUser {
                    access_keys: vec![key(1, true, Some("2026-01-01T00:00:00Z"))],
                    ..user("ci")
                }]),
                Status::Fail,
                "access key 1 last used 323 days before the report",
            ),
            // Near miss: a key never used looks harmless, but it has been live (and leakable) since it was created.
            (
                "near miss: active key never used",
                report(vec![CredentialUser { access_keys: vec![key(1, true, None)], ..user("ci") }]),
                Status::Fail,
                "access key 1 never used in the 1054 days since it was set",
            ),
            // Alternative: an old key that is inactive is no usable credential.
            (
                "alternative: old key deactivated",
                report(vec![CredentialUser {
                    access_keys: vec![key(1, false, Some("2025-01-01T00:00:00Z"))],
                    ..user("ci")
                }]),
                Status::Pass,
                "no console password and no active access key",
            ),
            ("no users at all", report(vec![]), Status::Pass, "the account has no IAM user"),
            (
                "unreadable",
                iam_with(|i| i.credential_report = Collected::Error { error: denied("iam:GetCredentialReport") }),
                Status::Unknown,
                "iam:GetCredentialReport",
            ),
            (
                "partial: the summary was read but the report was not collected",
                iam_with(|i| i.summary = Collected::ok(AccountSummary::default())),
                Status::Unknown,
                "NotCollected",
            ),
        ];
        run_user_rows(unused_credentials, rows);
    }

    /// Every finding built on the credential report says when it was generated; one older than IAM's 4-hour
    /// regeneration interval says so and how to get a current one.
    #[test]
    fn credential_report_findings_state_the_reports_age() {
        let console = CredentialUser {
            password_enabled: true,
            mfa_active: true,
            password_last_used: Some(date("2026-11-19T00:00:00Z")),
            ..user("alice")
        };
        for check in [user_mfa as Evaluator, unused_credentials] {
            let fresh = run(check, &report_snapshot(report(vec![console.clone()]), 3));
            assert!(
                fresh[0].message.contains(
                    "per the IAM credential report generated 2026-11-20T00:00:00Z, 3 h 0 min before the snapshot)"
                ),
                "{}",
                fresh[0].message
            );
            assert_eq!(
                (fresh[0].evidence["report_age_hours"].clone(), fresh[0].evidence["report_stale"].clone()),
                (json!(3), json!(false))
            );
            let old = run(check, &report_snapshot(report(vec![console.clone()]), 24 * 5));
            assert_eq!(old[0].status, Status::Pass, "a stale report is still read, and says so");
            assert!(
                old[0]
                    .message
                    .contains("5 days before the snapshot; it is older than IAM's 4-hour regeneration interval"),
                "{}",
                old[0].message
            );
            assert!(old[0].message.contains("--credential-report"), "{}", old[0].message);
            assert_eq!(old[0].evidence["report_stale"], true);
            assert_eq!(old[0].evidence["report_generated_at"], "2026-11-20T00:00:00Z");
        }
    }

    #[test]
    fn user_mfa_judges_console_users_only() {
        let with_mfa = CredentialUser { password_enabled: true, mfa_active: true, ..user("alice") };
        let without = CredentialUser { password_enabled: true, mfa_active: false, ..user("bob") };
        let api_only = CredentialUser { access_keys: vec![key(1, true, None)], ..user("ci") };
        let out = run(user_mfa, &with_iam(report(vec![with_mfa, without, api_only])));
        assert_eq!(statuses(&out), vec![Status::Pass, Status::Fail]);
        assert!(out[1].message.contains("bob"), "{}", out[1].message);
        assert_eq!(out[1].evidence["mfa_active"], false);
    }

    // -- GuardDuty --

    fn detector(id: &str, status: &str) -> GuardDutyDetector {
        GuardDutyDetector {
            id: id.into(),
            details: Collected::ok(DetectorDetails { status: status.into(), ..Default::default() }),
            ip_sets: Collected::ok(vec![]),
            threat_intel_sets: Collected::ok(vec![]),
        }
    }

    fn list(id: &str, name: &str, status: &str) -> GuardDutyList {
        GuardDutyList {
            id: id.into(),
            details: Collected::ok(GuardDutyListDetails {
                name: name.into(),
                format: Some("TXT".into()),
                location: Some(format!("s3://lists/{name}.txt")),
                status: status.into(),
            }),
        }
    }

    fn with_guardduty(sections: Vec<Collected<GuardDutyData>>) -> Snapshot {
        let regions = sections
            .into_iter()
            .zip(["us-east-1", "eu-west-1", "us-west-2", "ap-south-1"])
            .map(|(g, name)| {
                let mut r = region(name);
                r.security.guardduty = g;
                r
            })
            .collect();
        snapshot(vec![account(ACCT, None, regions)])
    }

    fn detectors(d: Vec<GuardDutyDetector>) -> Collected<GuardDutyData> {
        Collected::ok(GuardDutyData { detectors: d })
    }

    /// The verdict table of `guardduty-enabled`: (case, the region's GuardDuty section, expected status, fragment).
    #[test]
    fn guardduty_enabled_verdict_table() {
        let unread = GuardDutyDetector {
            details: Collected::Error { error: denied("guardduty:GetDetector") },
            ..detector("d4", "ENABLED")
        };
        let rows: Vec<(&str, Collected<GuardDutyData>, Status, &str)> = vec![
            ("compliant", detectors(vec![detector("d1", "ENABLED")]), Status::Pass, "GuardDuty detector d1 is enabled"),
            ("non-compliant: no detector", detectors(vec![]), Status::Fail, "GuardDuty is not enabled in us-east-1"),
            // Near miss: a detector exists, but it is suspended.
            ("near miss: suspended detector", detectors(vec![detector("d2", "DISABLED")]), Status::Fail, "suspended"),
            // No alternative: no other service or setting does GuardDuty's threat detection in a region; an
            // administrator-managed member still has its own detector, judged like any other.
            (
                "unreadable: the detector list",
                Collected::Error { error: denied("guardduty:ListDetectors") },
                Status::Unknown,
                "guardduty:ListDetectors",
            ),
            ("partial: a detector's details unread", detectors(vec![unread]), Status::Unknown, "guardduty:GetDetector"),
            // Before this table, a status GetDetector did not report (stored UNKNOWN) failed as "analyses nothing".
            (
                "partial: no status reported",
                detectors(vec![detector("d5", "UNKNOWN")]),
                Status::Unknown,
                "no known status",
            ),
        ];
        for (case, section, want, text) in rows {
            let out = run(guardduty_enabled, &with_guardduty(vec![section]));
            assert_eq!(statuses(&out), vec![want], "{case}: {:?}", out.first().map(|o| &o.message));
            assert!(out[0].message.contains(text), "{case}: {}", out[0].message);
        }
        let out = run(guardduty_enabled, &with_guardduty(vec![detectors(vec![detector("d1", "ENABLED")])]));
        assert_eq!(out[0].resource, "d1");
        let out = run(guardduty_enabled, &with_guardduty(vec![detectors(vec![])]));
        assert_eq!(out[0].resource, ACCT);
    }

    #[test]
    fn guardduty_trusted_ip_lists_verdict_table() {
        let with_lists = |ip: Collected<Vec<GuardDutyList>>| {
            let mut d = detector("d1", "ENABLED");
            d.ip_sets = ip;
            d.threat_intel_sets = Collected::ok(vec![list("t1", "feed", "ACTIVE")]);
            detectors(vec![d])
        };
        let unread_one =
            || GuardDutyList { id: "i9".into(), details: Collected::Error { error: denied("guardduty:GetIPSet") } };
        let rows: Vec<(&str, Collected<GuardDutyData>, Status, &str)> = vec![
            (
                "compliant",
                with_lists(Collected::ok(vec![list("i1", "office", "ACTIVE")])),
                Status::Pass,
                "office is active",
            ),
            (
                "non-compliant: inactive list",
                with_lists(Collected::ok(vec![list("i2", "vpn", "INACTIVE")])),
                Status::Fail,
                "vpn (INACTIVE)",
            ),
            // Near miss: the list is set to be used but GuardDuty could not load it.
            (
                "near miss: list in ERROR",
                with_lists(Collected::ok(vec![list("i3", "bad", "ERROR")])),
                Status::Fail,
                "bad (ERROR)",
            ),
            // Alternative: no trusted list at all (suppression rules, or nothing to trust) is nothing to judge.
            ("alternative: no trusted list", with_lists(Collected::ok(vec![])), Status::Skipped, "no trusted IP list"),
            ("no detector", detectors(vec![]), Status::Skipped, "no GuardDuty detector"),
            (
                "unreadable: the lists",
                with_lists(Collected::Error { error: denied("guardduty:ListIPSets") }),
                Status::Unknown,
                "guardduty:ListIPSets",
            ),
            (
                "partial: a list's details unread",
                with_lists(Collected::ok(vec![unread_one()])),
                Status::Unknown,
                "guardduty:GetIPSet",
            ),
            (
                "partial: one active, one unread",
                with_lists(Collected::ok(vec![list("i1", "office", "ACTIVE"), unread_one()])),
                Status::Unknown,
                "guardduty:GetIPSet",
            ),
        ];
        for (case, section, want, text) in rows {
            let out = run(guardduty_trusted_ip_lists, &with_guardduty(vec![section]));
            assert_eq!(statuses(&out), vec![want], "{case}: {:?}", out.first().map(|o| &o.message));
            assert!(out[0].message.contains(text), "{case}: {}", out[0].message);
        }
        let out = run(
            guardduty_trusted_ip_lists,
            &with_guardduty(vec![with_lists(Collected::ok(vec![list("i1", "office", "ACTIVE")]))]),
        );
        assert_eq!(out[0].evidence["trusted_ip_lists"], json!(["office: ACTIVE (s3://lists/office.txt)"]));
        assert_eq!(out[0].evidence["threat_intel_sets"], json!(["feed: ACTIVE (s3://lists/feed.txt)"]));
    }

    // -- Organization --

    fn admin(account: &str, services: &[&str]) -> DelegatedAdmin {
        DelegatedAdmin {
            account_id: account.into(),
            services: Collected::ok(services.iter().map(|s| s.to_string()).collect()),
        }
    }

    fn tree(trusted: &[&str], admins: Vec<DelegatedAdmin>) -> OrgTree {
        OrgTree {
            id: "o-example".into(),
            management_account_id: MGMT.into(),
            feature_set: "ALL".into(),
            trusted_services: Collected::ok(trusted.iter().map(|s| s.to_string()).collect()),
            delegated_administrators: Collected::ok(admins),
            ..Default::default()
        }
    }

    /// A verdict-table row: (case, organization, the management account's regions, status, message fragment).
    type OrgRegionsRow = (&'static str, Collected<OrgTree>, Vec<RegionSnapshot>, Status, &'static str);

    fn org_snapshot(org: Collected<OrgTree>, regions: Vec<RegionSnapshot>) -> Snapshot {
        let mut snap = snapshot(vec![account(MGMT, Some(MGMT), regions)]);
        snap.organization = org;
        snap
    }

    fn not_in_org() -> Collected<OrgTree> {
        Collected::Error {
            error: CollectionError {
                kind: ErrorKind::NotSubscribed,
                code: "AWSOrganizationsNotInUseException".into(),
                message: "the account is not in an organization".into(),
                permission: Some("organizations:DescribeOrganization".into()),
            },
        }
    }

    #[test]
    fn guardduty_delegated_admin_verdict_table() {
        let unread_admin = DelegatedAdmin {
            account_id: ACCT.into(),
            services: Collected::Error { error: denied("organizations:ListDelegatedServicesForAccount") },
        };
        let denied_admins = OrgTree {
            delegated_administrators: Collected::Error { error: denied("organizations:ListDelegatedAdministrators") },
            ..tree(&[], vec![])
        };
        let rows: Vec<(&str, Collected<OrgTree>, Status, &str)> = vec![
            (
                "compliant",
                Collected::ok(tree(&[GUARDDUTY], vec![admin(ACCT, &[GUARDDUTY])])),
                Status::Pass,
                "111111111111 is the delegated GuardDuty",
            ),
            (
                "non-compliant: no administrator",
                Collected::ok(tree(&[GUARDDUTY], vec![])),
                Status::Fail,
                "no delegated GuardDuty",
            ),
            // Near miss: a member account is a delegated administrator, of another service.
            (
                "near miss: administrator of Detective only",
                Collected::ok(tree(&[GUARDDUTY], vec![admin(ACCT, &[DETECTIVE])])),
                Status::Fail,
                "no delegated GuardDuty",
            ),
            (
                "near miss: the management account administers it",
                Collected::ok(tree(&[], vec![admin(MGMT, &[GUARDDUTY])])),
                Status::Fail,
                "management account",
            ),
            // Alternative: an account outside any organization manages its own detectors; nothing to delegate.
            ("alternative: no organization", not_in_org(), Status::Skipped, "not applicable"),
            (
                "unreadable: the administrators",
                Collected::ok(denied_admins),
                Status::Unknown,
                "organizations:ListDelegatedAdministrators",
            ),
            (
                "unreadable: the organization",
                Collected::Error { error: denied("organizations:ListRoots") },
                Status::Unknown,
                "organizations:ListRoots",
            ),
            (
                "partial: an administrator's services unread",
                Collected::ok(tree(&[], vec![unread_admin])),
                Status::Unknown,
                "ListDelegatedServicesForAccount",
            ),
        ];
        for (case, org, want, text) in rows {
            let out = run(guardduty_delegated_admin, &org_snapshot(org, vec![region("us-east-1")]));
            assert_eq!(statuses(&out), vec![want], "{case}: {:?}", out);
            assert!(out[0].message.contains(text), "{case}: {}", out[0].message);
            assert_eq!((out[0].account.as_str(), out[0].region.as_str()), (MGMT, GLOBAL), "{case}");
        }
        let out = run(
            guardduty_delegated_admin,
            &org_snapshot(Collected::ok(tree(&[GUARDDUTY], vec![admin(ACCT, &[GUARDDUTY])])), vec![]),
        );
        assert_eq!(out[0].resource, "o-example");
        assert_eq!(out[0].evidence["delegated_administrators"], json!([ACCT]));
        assert_eq!(out[0].evidence["trusted_access"], true);
    }

    #[test]
    fn detective_delegated_admin_verdict_table() {
        let mut with_detector = region("us-east-1");
        with_detector.security.guardduty = detectors(vec![detector("d1", "ENABLED")]);
        let mut suspended = region("us-east-1");
        suspended.security.guardduty = detectors(vec![detector("d1", "DISABLED")]);
        let mut unread = region("us-east-1");
        unread.security.guardduty = Collected::Error { error: denied("guardduty:ListDetectors") };
        let rows: Vec<OrgRegionsRow> = vec![
            (
                "compliant",
                Collected::ok(tree(&[], vec![admin(ACCT, &[GUARDDUTY, DETECTIVE])])),
                vec![],
                Status::Pass,
                "delegated Detective administrator",
            ),
            (
                "non-compliant: detector on, no administrator",
                Collected::ok(tree(&[], vec![])),
                vec![with_detector.clone()],
                Status::Fail,
                "no delegated Detective",
            ),
            (
                "non-compliant: GuardDuty trusted, no administrator",
                Collected::ok(tree(&[GUARDDUTY], vec![])),
                vec![],
                Status::Fail,
                "no delegated Detective",
            ),
            // Near miss: Detective administered from the management account.
            (
                "near miss: the management account administers it",
                Collected::ok(tree(&[GUARDDUTY], vec![admin(MGMT, &[DETECTIVE])])),
                vec![],
                Status::Fail,
                "management account",
            ),
            // Alternative: with GuardDuty suspended everywhere, Detective has nothing to investigate.
            (
                "alternative: GuardDuty not in use",
                Collected::ok(tree(&[], vec![])),
                vec![suspended],
                Status::Skipped,
                "GuardDuty is not in use",
            ),
            (
                "unreadable: the organization",
                Collected::Error { error: denied("organizations:ListRoots") },
                vec![with_detector],
                Status::Unknown,
                "organizations:ListRoots",
            ),
            // Before this table, GuardDuty unread everywhere read as "not in use" and the check was skipped.
            (
                "partial: GuardDuty unread, nothing else shows it in use",
                Collected::ok(tree(&[], vec![])),
                vec![unread],
                Status::Unknown,
                "guardduty:ListDetectors",
            ),
        ];
        for (case, org, regions, want, text) in rows {
            let out = run(detective_delegated_admin, &org_snapshot(org, regions));
            assert_eq!(statuses(&out), vec![want], "{case}: {:?}", out[0].message);
            assert!(out[0].message.contains(text), "{case}: {}", out[0].message);
        }
        let out = run(
            detective_delegated_admin,
            &org_snapshot(Collected::ok(tree(&[], vec![admin(ACCT, &[GUARDDUTY, DETECTIVE])])), vec![]),
        );
        assert_eq!(out[0].evidence["guardduty_administrators"], json!([ACCT]));
        assert!(!out[0].message.contains("instead"), "{}", out[0].message);
        // Detective administered apart from GuardDuty and Security Hub: still a pass, with the advice.
        let split = tree(&[], vec![admin(ACCT, &[DETECTIVE]), admin("444444444444", &[GUARDDUTY, SECURITY_HUB])]);
        let out = run(detective_delegated_admin, &org_snapshot(Collected::ok(split), vec![]));
        assert_eq!(statuses(&out), vec![Status::Pass]);
        assert!(out[0].message.contains("administered by 444444444444"), "{}", out[0].message);
        assert_eq!(out[0].evidence["securityhub_administrators"], json!(["444444444444"]));
    }

    #[test]
    fn ram_organization_sharing_verdict_table() {
        let denied_trusted = OrgTree {
            trusted_services: Collected::Error { error: denied("organizations:ListAWSServiceAccessForOrganization") },
            ..tree(&[], vec![])
        };
        let rows: Vec<(&str, Collected<OrgTree>, Status, &str)> = vec![
            ("compliant", Collected::ok(tree(&[RAM], vec![])), Status::Pass, "enabled"),
            ("non-compliant", Collected::ok(tree(&[], vec![])), Status::Fail, "no trusted access"),
            // Near miss: trusted access given to other services, and even a RAM-like delegated administrator, not to RAM.
            (
                "near miss: other services trusted",
                Collected::ok(tree(&[GUARDDUTY, DETECTIVE], vec![admin(ACCT, &[GUARDDUTY])])),
                Status::Fail,
                "no trusted access",
            ),
            // Alternative: outside an organization, sharing goes by account and that is all there is.
            ("alternative: no organization", not_in_org(), Status::Skipped, "not applicable"),
            (
                "unreadable: trusted access",
                Collected::ok(denied_trusted),
                Status::Unknown,
                "ListAWSServiceAccessForOrganization",
            ),
            // Partial: the trusted-service list is one call read whole or not at all; the tree unread is the row below.
            (
                "unreadable: the organization",
                Collected::Error { error: denied("organizations:ListRoots") },
                Status::Unknown,
                "organizations:ListRoots",
            ),
        ];
        for (case, org, want, text) in rows {
            let out = run(ram_organization_sharing, &org_snapshot(org, vec![]));
            assert_eq!(statuses(&out), vec![want], "{case}");
            assert!(out[0].message.contains(text), "{case}: {}", out[0].message);
        }
    }

    fn policy(id: &str, name: &str, targets: Collected<Vec<String>>) -> OrgPolicy {
        OrgPolicy { id: id.into(), name: name.into(), aws_managed: false, content: Collected::ok("{}".into()), targets }
    }

    /// The verdict table of `control-tower-guardrails`: (case, organization, status, message fragment).
    #[test]
    fn control_tower_guardrails_verdict_table() {
        let with_policies =
            |trusted: &[&str], policies: Vec<OrgPolicy>| Collected::ok(OrgTree { policies, ..tree(trusted, vec![]) });
        let attached = policy("p-1", "aws-guardrails-AbCdEf", Collected::ok(vec!["ou-1".into()]));
        let detached = policy("p-2", "aws-guardrails-GhIjKl", Collected::ok(vec![]));
        let unread = policy(
            "p-3",
            "aws-guardrails-MnOpQr",
            Collected::Error { error: denied("organizations:ListTargetsForPolicy") },
        );
        let other = policy("p-4", "deny-leave", Collected::ok(vec!["r-1".into()]));
        let denied_trusted = OrgTree {
            trusted_services: Collected::Error { error: denied("organizations:ListAWSServiceAccessForOrganization") },
            ..tree(&[CONTROL_TOWER], vec![])
        };
        let rows: Vec<(&str, Collected<OrgTree>, Status, &str)> = vec![
            (
                "compliant",
                with_policies(&[CONTROL_TOWER], vec![attached.clone(), detached.clone()]),
                Status::Pass,
                "aws-guardrails-AbCdEf",
            ),
            (
                "non-compliant: no guardrail SCP",
                with_policies(&[CONTROL_TOWER], vec![other.clone()]),
                Status::Fail,
                "no aws-guardrails-* SCP",
            ),
            // Near miss: the guardrail SCPs exist but are attached nowhere; another SCP attached is no guardrail.
            (
                "near miss: guardrails detached",
                with_policies(&[CONTROL_TOWER], vec![detached.clone(), other.clone()]),
                Status::Fail,
                "protect nothing",
            ),
            // Alternative: without Control Tower, an organization's own SCPs are other checks' business.
            (
                "alternative: Control Tower not in use",
                with_policies(&[RAM], vec![other]),
                Status::Skipped,
                "not in use",
            ),
            (
                "unreadable: trusted access",
                Collected::ok(denied_trusted),
                Status::Unknown,
                "organizations:ListAWSServiceAccessForOrganization",
            ),
            (
                "unreadable: the organization",
                Collected::Error { error: denied("organizations:ListRoots") },
                Status::Unknown,
                "organizations:ListRoots",
            ),
            (
                "partial: one guardrail's targets unread, the others detached",
                with_policies(&[CONTROL_TOWER], vec![detached, unread.clone()]),
                Status::Unknown,
                "ListTargetsForPolicy",
            ),
            // One guardrail known attached settles it, whatever the others' targets.
            (
                "partial: one attached, one unread",
                with_policies(&[CONTROL_TOWER], vec![attached, unread]),
                Status::Pass,
                "aws-guardrails-AbCdEf",
            ),
        ];
        for (case, org, want, text) in rows {
            let out = run(controltower_guardrails, &org_snapshot(org, vec![]));
            assert_eq!(statuses(&out), vec![want], "{case}");
            assert!(out[0].message.contains(text), "{case}: {}", out[0].message);
        }
    }

    fn config_region(name: &str, recording: Option<bool>) -> RegionSnapshot {
        let mut r = region(name);
        r.config = Collected::ok(ConfigData {
            recorders: recording
                .map(|_| ConfigRecorder {
                    name: "default".into(),
                    role_arn: None,
                    all_supported: true,
                    include_global_resource_types: false,
                    resource_types: vec![],
                    excluded_resource_types: vec![],
                    ..Default::default()
                })
                .into_iter()
                .collect(),
            recorder_statuses: Collected::ok(
                recording
                    .map(|on| RecorderStatus {
                        name: "default".into(),
                        recording: on,
                        last_status: None,
                        last_error_code: None,
                    })
                    .into_iter()
                    .collect(),
            ),
            delivery_channels: Collected::ok(vec![]),
            rules: Collected::ok(vec![]),
            rule_parameters: Collected::ok(Default::default()),
            compliance_by_rule: Collected::ok(vec![]),
            aggregators: Collected::ok(vec![]),
            delivery_channel_statuses: Collected::ok(vec![]),
            rule_evaluation_statuses: Collected::ok(vec![]),
            conformance_packs: Collected::ok(vec![]),
            remediations: Collected::ok(vec![]),
            organization_rules: Collected::ok(vec![]),
        });
        r
    }

    /// The verdict table of `firewallmanager-prerequisites`: (case, organization, regions of the management account,
    /// expected status, a fragment of the message).
    #[test]
    fn firewall_manager_verdict_table() {
        let fms = || Collected::ok(tree(&[FIREWALL_MANAGER], vec![]));
        let mut unread = region("eu-west-1");
        unread.config = Collected::Error { error: denied("config:DescribeConfigurationRecorders") };
        let mut disabled = region("ap-east-1");
        disabled.config = Collected::Error {
            error: CollectionError {
                kind: ErrorKind::RegionDisabled,
                code: "RegionNotEnabled".into(),
                message: "ap-east-1 is not enabled".into(),
                permission: None,
            },
        };
        // A region whose customer recorder is stopped but whose Security Hub service-linked recorder records.
        let linked_only = |name: &str, customer: bool| {
            let mut r = config_region(name, Some(false));
            let Collected::Ok { data } = &mut r.config else { unreachable!() };
            data.recorders.retain(|_| customer);
            data.recorders.push(ConfigRecorder {
                name: "AWSConfigurationRecorderForSecurityHub".into(),
                service_principal: Some("securityhub.amazonaws.com".into()),
                recording_scope: Some("INTERNAL".into()),
                ..Default::default()
            });
            let Collected::Ok { data: statuses } = &mut data.recorder_statuses else { unreachable!() };
            statuses.push(RecorderStatus {
                name: "AWSConfigurationRecorderForSecurityHub".into(),
                recording: true,
                last_status: Some("SUCCESS".into()),
                last_error_code: None,
            });
            r
        };
        let mut failing = config_region("eu-west-1", Some(true));
        if let Collected::Ok { data } = &mut failing.config {
            data.recorder_statuses = Collected::ok(vec![RecorderStatus {
                name: "default".into(),
                recording: true,
                last_status: Some("FAILURE".into()),
                last_error_code: Some("AccessDenied".into()),
            }]);
        }
        let mut statuses_unread = config_region("eu-west-1", Some(true));
        if let Collected::Ok { data } = &mut statuses_unread.config {
            data.recorder_statuses = Collected::Error { error: denied("config:DescribeConfigurationRecorderStatus") };
        }
        let on = |name: &str| config_region(name, Some(true));
        let mut inclusion = on("us-east-1");
        if let Collected::Ok { data } = &mut inclusion.config {
            data.recorders[0].all_supported = false;
            data.recorders[0].resource_types = vec!["AWS::S3::Bucket".into()];
        }
        let rows: Vec<OrgRegionsRow> = vec![
            ("compliant", fms(), vec![on("us-east-1"), on("eu-west-1")], Status::Pass, "all 2"),
            (
                "non-compliant: a recorder stopped",
                fms(),
                vec![on("us-east-1"), config_region("eu-west-1", Some(false))],
                Status::Fail,
                "999999999999/eu-west-1 (recorder default is stopped)",
            ),
            (
                "non-compliant: no recorder",
                fms(),
                vec![config_region("us-east-1", None)],
                Status::Fail,
                "no configuration recorder",
            ),
            // Near miss: a service-linked recorder is recording, but only for its own service's types.
            (
                "near miss: only a service-linked recorder records",
                fms(),
                vec![on("us-east-1"), linked_only("eu-west-1", false)],
                Status::Fail,
                "only the service-linked recorder AWSConfigurationRecorderForSecurityHub",
            ),
            (
                "near miss: the customer recorder is stopped beside a recording service-linked one",
                fms(),
                vec![linked_only("us-east-1", true)],
                Status::Fail,
                "recorder default is stopped",
            ),
            (
                "near miss: recording, but the last attempt failed",
                fms(),
                vec![on("us-east-1"), failing],
                Status::Fail,
                "last recording attempt failed",
            ),
            // A recorder of chosen types only passes, saying its types must cover the policies' (FMS policies unread).
            (
                "inclusion recorder",
                fms(),
                vec![inclusion],
                Status::Pass,
                "in 999999999999/us-east-1 the recorder records only the types it lists",
            ),
            // Alternative: a Region not enabled for the account holds nothing to protect.
            ("alternative: a disabled region", fms(), vec![on("us-east-1"), disabled], Status::Pass, "all 1 audited"),
            (
                "in use through a delegated administrator only",
                Collected::ok(tree(&[], vec![admin(ACCT, &[FIREWALL_MANAGER])])),
                vec![config_region("us-east-1", Some(false))],
                Status::Fail,
                "not recording",
            ),
            (
                "not in use",
                Collected::ok(tree(&[RAM], vec![])),
                vec![config_region("us-east-1", Some(false))],
                Status::Skipped,
                "not in use",
            ),
            ("not in an organization", not_in_org(), vec![], Status::Skipped, "not applicable"),
            (
                "unreadable: the organization",
                Collected::Error { error: denied("organizations:ListRoots") },
                vec![],
                Status::Unknown,
                "organizations:ListRoots",
            ),
            (
                "unreadable: a region's recorders",
                fms(),
                vec![on("us-east-1"), unread.clone()],
                Status::Unknown,
                "config:DescribeConfigurationRecorders",
            ),
            (
                "partial: recorders read, their status not",
                fms(),
                vec![on("us-east-1"), statuses_unread],
                Status::Unknown,
                "config:DescribeConfigurationRecorderStatus",
            ),
            // A region known not to record outweighs one that could not be read.
            (
                "failing and unread",
                fms(),
                vec![config_region("us-east-1", None), unread],
                Status::Fail,
                "999999999999/us-east-1",
            ),
        ];
        for (case, org, regions, want, text) in rows {
            let out = run(firewallmanager_prerequisites, &org_snapshot(org, regions));
            assert_eq!(statuses(&out), vec![want], "{case}: {:?}", out.first().map(|o| &o.message));
            assert!(out[0].message.contains(text), "{case}: {}", out[0].message);
        }
    }

    // -- Systems Manager --

    fn with_ssm(sections: Vec<Collected<SsmData>>) -> Snapshot {
        let regions = sections
            .into_iter()
            .zip(["us-east-1", "eu-west-1", "us-west-2", "ap-south-1"])
            .map(|(s, name)| {
                let mut r = region(name);
                r.security.ssm = s;
                r
            })
            .collect();
        snapshot(vec![account(ACCT, None, regions)])
    }

    fn ssm_with(f: impl FnOnce(&mut SsmData)) -> Collected<SsmData> {
        let mut s = SsmData {
            default_host_management: Collected::ok(ServiceSetting::default()),
            session_preferences: Collected::ok(None),
            managed_nodes: Collected::ok(vec![]),
        };
        f(&mut s);
        Collected::ok(s)
    }

    #[test]
    fn ssm_default_host_management_verdict_table() {
        let setting = |v: Option<&str>| {
            Collected::ok(ServiceSetting {
                value: v.map(str::to_string),
                status: Some("Customized".into()),
                last_modified: None,
            })
        };
        let empty_answer = CollectionError {
            kind: ErrorKind::Other,
            code: "IncompleteResponse".into(),
            message: format!("GetServiceSetting answered without the setting {DHMC_SETTING}"),
            permission: Some("ssm:GetServiceSetting".into()),
        };
        let rows: Vec<(&str, Collected<SsmData>, Status, &str)> = vec![
            (
                "compliant",
                ssm_with(|s| {
                    s.default_host_management =
                        setting(Some("service-role/AWSSystemsManagerDefaultEC2InstanceManagementRole"))
                }),
                Status::Pass,
                "AWSSystemsManagerDefaultEC2InstanceManagementRole",
            ),
            (
                "non-compliant: turned off",
                ssm_with(|s| s.default_host_management = setting(Some("$None"))),
                Status::Fail,
                "is off",
            ),
            // Near miss: the setting exists (customized once) but holds no role.
            (
                "near miss: blank role",
                ssm_with(|s| s.default_host_management = setting(Some("  "))),
                Status::Fail,
                "is off",
            ),
            (
                "never set in the region",
                ssm_with(|s| s.default_host_management = Collected::ok(ServiceSetting::default())),
                Status::Fail,
                "is off",
            ),
            // No alternative here: instance profiles manage the instances that have one (ssm-managed-nodes judges
            // those), but only this setting covers an instance launched without one.
            (
                "unreadable: the setting",
                ssm_with(|s| s.default_host_management = Collected::Error { error: denied("ssm:GetServiceSetting") }),
                Status::Unknown,
                "ssm:GetServiceSetting",
            ),
            (
                "unreadable: the section",
                Collected::Error { error: denied("ssm:DescribeInstanceInformation") },
                Status::Unknown,
                "ssm:DescribeInstanceInformation",
            ),
            // Before this table, an answer without the setting was stored as never set and failed.
            (
                "partial: an answer without the setting",
                ssm_with(|s| s.default_host_management = Collected::Error { error: empty_answer.clone() }),
                Status::Unknown,
                "answered without the setting",
            ),
        ];
        for (case, section, want, text) in rows {
            let out = run(ssm_default_host_management, &with_ssm(vec![section]));
            assert_eq!(statuses(&out), vec![want], "{case}: {:?}", out[0].message);
            assert!(out[0].message.contains(text), "{case}: {}", out[0].message);
            assert_eq!(out[0].resource, ACCT, "{case}");
        }
    }

    #[test]
    fn ssm_session_manager_logging_verdict_table() {
        let prefs = |bucket: Option<&str>, group: Option<&str>| {
            Collected::ok(Some(SessionPreferences {
                s3_bucket_name: bucket.map(str::to_string),
                cloudwatch_log_group_name: group.map(str::to_string),
                ..Default::default()
            }))
        };
        let rows: Vec<(&str, Collected<SsmData>, Status, &str)> = vec![
            (
                "compliant",
                ssm_with(|s| s.session_preferences = prefs(Some("session-logs"), Some("/ssm/sessions"))),
                Status::Pass,
                "s3://session-logs and log group /ssm/sessions",
            ),
            (
                "compliant: S3 only",
                ssm_with(|s| s.session_preferences = prefs(Some("session-logs"), None)),
                Status::Pass,
                "s3://session-logs",
            ),
            (
                "non-compliant: no preferences",
                ssm_with(|s| s.session_preferences = Collected::ok(None)),
                Status::Fail,
                "no Session Manager preferences",
            ),
            // Near miss: the preferences document exists (the console writes one with blank inputs) but names no
            // destination; the collector reads blank strings as absent.
            (
                "near miss: preferences without a destination",
                ssm_with(|s| s.session_preferences = prefs(None, None)),
                Status::Fail,
                "neither an S3 bucket nor a log group",
            ),
            // Alternative: a log group without streaming still receives the whole session log when it ends.
            (
                "alternative: CloudWatch Logs without streaming",
                ssm_with(|s| s.session_preferences = prefs(None, Some("/ssm/sessions"))),
                Status::Pass,
                "log group /ssm/sessions",
            ),
            (
                "unreadable",
                ssm_with(|s| s.session_preferences = Collected::Error { error: denied("ssm:GetDocument") }),
                Status::Unknown,
                "ssm:GetDocument",
            ),
            // Partial: a document that cannot be parsed is a collection error (the collector's parser says why),
            // which the row above covers; there is no half-read preferences document.
        ];
        for (case, section, want, text) in rows {
            let out = run(ssm_session_manager_logging, &with_ssm(vec![section]));
            assert_eq!(statuses(&out), vec![want], "{case}: {:?}", out[0].message);
            assert!(out[0].message.contains(text), "{case}: {}", out[0].message);
        }
        let out = run(
            ssm_session_manager_logging,
            &with_ssm(vec![ssm_with(|s| s.session_preferences = Collected::ok(None))]),
        );
        assert_eq!(out[0].evidence["exists"], false);
    }

    #[test]
    fn ssm_managed_nodes_verdict_table() {
        let node = |id: &str, ping: &str, latest: Option<bool>| ManagedNode {
            instance_id: id.into(),
            ping_status: ping.into(),
            last_ping: Some(date("2026-11-01T10:00:00Z")),
            agent_version: Some("3.3.987.0".into()),
            is_latest_version: latest,
            platform_type: Some("Linux".into()),
            ..Default::default()
        };
        let nodes = |list: Vec<ManagedNode>| ssm_with(|s| s.managed_nodes = Collected::ok(list));
        let rows: Vec<(&str, Collected<SsmData>, Status, &str)> = vec![
            (
                "compliant",
                nodes(vec![node("i-1", "Online", Some(true))]),
                Status::Pass,
                "node i-1 is online (agent 3.3.987.0)",
            ),
            (
                "non-compliant: connection lost",
                nodes(vec![node("i-1", "ConnectionLost", None)]),
                Status::Fail,
                "ConnectionLost since 2026-11-01 10:00 UTC",
            ),
            // Near miss: registered once (a hybrid activation), never heard from since.
            ("near miss: inactive node", nodes(vec![node("mi-1", "Inactive", None)]), Status::Fail, "mi-1 is Inactive"),
            // Alternative: online with an older agent is still managed; the message says the agent is not the latest.
            (
                "alternative: online, older agent",
                nodes(vec![node("i-1", "Online", Some(false))]),
                Status::Pass,
                "not the latest release",
            ),
            // No node at all is the central "no resource" finding, not this check's.
            (
                "unreadable",
                ssm_with(|s| s.managed_nodes = Collected::Error { error: denied("ssm:DescribeInstanceInformation") }),
                Status::Unknown,
                "ssm:DescribeInstanceInformation",
            ),
            // Before this table, a node without a PingStatus (stored `Unknown`) failed as "Unknown".
            (
                "partial: no ping status",
                nodes(vec![node("i-1", "Unknown", None)]),
                Status::Unknown,
                "reported no ping status for node i-1",
            ),
        ];
        for (case, section, want, text) in rows {
            let out = run(ssm_managed_nodes, &with_ssm(vec![section]));
            assert_eq!(statuses(&out), vec![want], "{case}: {:?}", out.first().map(|o| &o.message));
            assert!(out[0].message.contains(text), "{case}: {}", out[0].message);
        }
        let out = run(ssm_managed_nodes, &with_ssm(vec![nodes(vec![node("mi-gone", "Inactive", None)])]));
        assert_eq!(out[0].resource, "mi-gone");
        assert_eq!(out[0].evidence["ping_status"], "Inactive");
    }

    #[test]
    fn every_check_is_in_the_catalogue() {
        let cat = crate::notes::Catalogue::embedded().unwrap();
        for (id, _) in CHECKS {
            assert!(cat.check(id).is_some(), "{id} has no catalogue entry");
        }
    }
}
