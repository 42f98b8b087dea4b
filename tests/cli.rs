//! Acceptance tests: the real binary, as a new user runs it — exit codes, outputs, and bad input.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn dopaudit() -> Command {
    let mut cmd = Command::cargo_bin("dopaudit").unwrap();
    cmd.env_remove("NO_COLOR").env_remove("COLUMNS");
    cmd
}

fn json_of(args: &[&str]) -> Value {
    let out = dopaudit().args(args).output().unwrap();
    assert!(out.status.code().is_some_and(|c| c == 0 || c == 1), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?} printed invalid JSON: {e}"))
}

fn demo_report() -> Value {
    json_of(&["audit", "--demo", "--format", "json"])
}

#[test]
fn demo_audit_fails_and_every_finding_names_its_notes() {
    let assert = dopaudit().args(["audit", "--demo"]).assert().code(1);
    let table = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let report = demo_report();
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.len() >= 40, "the demo should be substantial, got {}", findings.len());
    for f in findings {
        let notes = f["notes"].as_array().unwrap();
        assert!(!notes.is_empty(), "finding without notes: {f}");
        for n in notes {
            assert!(table.contains(n.as_str().unwrap()), "table lacks note {n}");
        }
        assert!(table.contains(f["check_id"].as_str().unwrap()));
    }
    assert!(table.contains("Result: FAIL"), "{table}");
    assert!(table.contains(&format!("({} findings)", findings.len())), "{table}");
}

#[test]
fn demo_covers_every_check_and_every_status_that_matters() {
    let report = demo_report();
    let mut by_check: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        by_check
            .entry(f["check_id"].as_str().unwrap().into())
            .or_default()
            .insert(f["status"].as_str().unwrap().into());
    }
    let checks = json_of(&["checks", "--format", "json"]);
    for c in checks.as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        assert!(by_check.contains_key(id), "the demo never exercises {id}");
    }
    let statuses: BTreeSet<&str> = by_check.values().flatten().map(String::as_str).collect();
    for s in ["pass", "fail", "unknown"] {
        assert!(statuses.contains(s), "no {s} finding in the demo");
    }
    let unknown_denied = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["status"] == "unknown" && f["message"].as_str().unwrap().contains("missing permission"));
    assert!(unknown_denied, "the demo must show an access-denied unknown naming the permission");
}

#[test]
fn every_note_in_the_report_resolves_with_explain() {
    let report = demo_report();
    let ids: BTreeSet<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["notes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_string()))
        .collect();
    assert!(ids.len() >= 10);
    for id in ids {
        dopaudit()
            .args(["explain", &id])
            .assert()
            .success()
            .stdout(predicate::str::contains(format!("Note {id}")).and(predicate::str::contains("https://")));
    }
}

#[test]
fn json_report_validates_against_the_published_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema itself is valid");
    let report = demo_report();
    let errors: Vec<String> =
        validator.iter_errors(&report).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "demo report does not match reports/report.schema.json:\n{}", errors.join("\n"));
    // The schema has teeth: a finding with an invented status is rejected.
    let mut broken = report.clone();
    broken["findings"][0]["status"] = "maybe".into();
    assert!(!validator.is_valid(&broken));
    let mut broken = report;
    broken["findings"][0].as_object_mut().unwrap().remove("notes");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn summary_counts_agree_with_findings() {
    let report = demo_report();
    let findings = report["findings"].as_array().unwrap();
    let summary = &report["summary"];
    assert_eq!(summary["total"].as_u64().unwrap() as usize, findings.len());
    for s in ["pass", "fail", "unknown", "skipped", "suppressed"] {
        let n = findings.iter().filter(|f| f["status"] == s).count();
        assert_eq!(summary[s].as_u64().unwrap() as usize, n, "{s}");
    }
    let domain4 = summary["by_domain"].as_array().unwrap().iter().find(|d| d["number"] == 4).unwrap();
    let n4 = findings.iter().filter(|f| f["domains"].as_array().unwrap().iter().any(|d| d == 4)).count();
    assert_eq!(domain4["total"].as_u64().unwrap() as usize, n4);
}

#[test]
fn fail_on_and_strict_decide_the_exit_code() {
    // The demo fails critical checks (root without MFA, a root access key) and has high unknowns but no critical
    // one. With those checks lowered to high by a config file, nothing critical is left to fail.
    let report = demo_report();
    let findings = report["findings"].as_array().unwrap();
    let critical: BTreeSet<&str> = findings
        .iter()
        .filter(|f| f["status"] == "fail" && f["severity"] == "critical")
        .map(|f| f["check_id"].as_str().unwrap())
        .collect();
    assert!(!critical.is_empty(), "the demo fails a critical check");
    assert!(findings.iter().any(|f| f["status"] == "unknown" && f["severity"] == "high"));
    assert!(!findings.iter().any(|f| f["status"] == "unknown" && f["severity"] == "critical"));
    dopaudit().args(["audit", "--demo", "--fail-on", "critical", "-q"]).assert().code(1).stdout("");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("dopaudit.toml");
    let lowered: String = critical.iter().map(|c| format!("\"{c}\" = \"high\"\n")).collect();
    std::fs::write(&config, format!("[severity]\n{lowered}")).unwrap();
    let config = config.to_str().unwrap();
    let audit = |extra: &[&str]| {
        let mut cmd = dopaudit();
        cmd.args(["audit", "--demo", "--config", config]).args(extra);
        cmd
    };
    audit(&["--fail-on", "critical", "-q"]).assert().code(0).stdout("");
    audit(&["--fail-on", "high", "-q"]).assert().code(1);
    audit(&["--fail-on", "critical", "--strict", "-q"]).assert().code(0);
    audit(&["--fail-on", "critical"]).assert().code(0).stdout(predicate::str::contains("Result: PASS"));
    dopaudit()
        .args(["audit", "--demo", "--fail-on", "nonsense"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown severity"));
}

#[test]
fn explain_flag_prints_note_text_under_failures() {
    let note = json_of(&["explain", "cloudtrail.log-integrity", "--format", "json"]);
    let text = note["note"]["text"].as_str().unwrap();
    let first_words: String = text.split_whitespace().take(4).collect::<Vec<_>>().join(" ");
    dopaudit()
        .args(["audit", "--demo", "--explain"])
        .env("COLUMNS", "400")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(first_words).and(predicate::str::contains("Fix: ")));
}

#[test]
fn notes_catalogue_covers_the_exam() {
    let notes = json_of(&["notes", "--format", "json"]);
    let notes = notes.as_array().unwrap();
    assert!(notes.len() >= 130, "only {} notes", notes.len());
    let sections: BTreeSet<(u64, String)> = notes
        .iter()
        .map(|n| (n["section"]["number"].as_u64().unwrap(), n["section"]["title"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(sections.len(), 38, "{sections:?}");
    assert_eq!(sections.iter().map(|s| s.0).collect::<BTreeSet<_>>(), (1..=38).collect());
    let domains: BTreeSet<u64> =
        notes.iter().flat_map(|n| n["domains"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap())).collect();
    assert_eq!(domains, (1..=6).collect());
    for n in notes {
        for field in ["id", "title", "text", "docs_url"] {
            assert!(n[field].as_str().is_some_and(|s| !s.is_empty()), "{field} missing in {n}");
        }
        assert!(!n["topics"].as_array().unwrap().is_empty());
    }
}

#[test]
fn checks_json_has_the_stable_fields() {
    let checks = json_of(&["checks", "--format", "json"]);
    let checks = checks.as_array().unwrap();
    assert!(checks.len() >= 13);
    let mut ids = BTreeSet::new();
    for c in checks {
        assert!(ids.insert(c["id"].as_str().unwrap().to_string()), "duplicate {}", c["id"]);
        for field in ["title", "severity"] {
            assert!(c[field].is_string(), "{field} in {c}");
        }
        for field in ["domains", "notes", "permissions"] {
            assert!(!c[field].as_array().unwrap().is_empty(), "{field} in {c}");
        }
        assert!(c["remediation"]["text"].is_string());
    }
}

#[test]
fn notes_filters() {
    let by_number = json_of(&["notes", "--section", "21", "--format", "json"]);
    let by_name = json_of(&["notes", "--section", "cloudtrail", "--format", "json"]);
    assert_eq!(by_number, by_name);
    assert!(by_number.as_array().unwrap().iter().all(|n| n["section"]["number"] == 21));
    let d5 = json_of(&["notes", "--domain", "5", "--format", "json"]);
    assert!(!d5.as_array().unwrap().is_empty());
    assert!(d5.as_array().unwrap().iter().all(|n| n["domains"].as_array().unwrap().iter().any(|d| d == 5)));
    let secrets = json_of(&["notes", "--topic", "secrets", "--format", "json"]);
    assert!(secrets.as_array().unwrap().iter().all(|n| n["topics"].as_array().unwrap().iter().any(|t| t == "secrets")));
    dopaudit()
        .args(["notes", "--section", "99"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no study section '99'"));
    dopaudit().args(["notes", "--domain", "7"]).assert().code(2);
    dopaudit().args(["notes", "--topic", "nope"]).assert().code(2).stderr(predicate::str::contains("the topics are"));
}

#[test]
fn explain_a_check_shows_calls_and_fix() {
    dopaudit().args(["explain", "cloudtrail-log-file-validation"]).assert().success().stdout(
        predicate::str::contains("cloudtrail:DescribeTrails")
            .and(predicate::str::contains("How to fix"))
            .and(predicate::str::contains("--enable-log-file-validation"))
            .and(predicate::str::contains("cloudtrail.log-integrity")),
    );
}

#[test]
fn explain_unknown_id_exits_2_with_suggestions() {
    dopaudit().args(["explain", "cloudtrail-validation"]).assert().code(2).stdout("").stderr(
        predicate::str::contains("no check or note has the id 'cloudtrail-validation'")
            .and(predicate::str::contains("did you mean")),
    );
}

#[test]
fn domains_show_weights_and_demo_pass_rates() {
    let rows = json_of(&["domains", "--format", "json"]);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 6);
    assert_eq!(rows.iter().map(|r| r["weight"].as_u64().unwrap()).sum::<u64>(), 100);
    assert!(rows.iter().all(|r| r.get("results").is_none()));
    let with_demo = json_of(&["domains", "--demo", "--format", "json"]);
    let d4 = with_demo.as_array().unwrap().iter().find(|r| r["number"] == 4).unwrap();
    let (pass, fail) = (d4["results"]["pass"].as_f64().unwrap(), d4["results"]["fail"].as_f64().unwrap());
    assert!((d4["results"]["pass_rate"].as_f64().unwrap() - pass / (pass + fail)).abs() < 1e-9);
    dopaudit().args(["domains", "--demo"]).assert().success().stdout(predicate::str::contains("Pass rate"));
    let topics = json_of(&["domains", "--topics", "--format", "json"]);
    assert_eq!(topics.as_array().unwrap().len(), 12);
}

#[test]
fn missing_snapshot_exits_2_naming_the_file() {
    dopaudit().args(["audit", "--snapshot", "/nonexistent/snap.json"]).assert().code(2).stdout("").stderr(
        predicate::str::contains("/nonexistent/snap.json").and(predicate::str::starts_with("dopaudit: error:")),
    );
}

#[test]
fn truncated_or_foreign_snapshots_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dopaudit_demo_snapshot();
    let truncated = dir.path().join("truncated.json");
    std::fs::write(&truncated, &demo[..demo.len() / 2]).unwrap();
    let assert = dopaudit().args(["audit", "--snapshot"]).arg(&truncated).assert().code(2).stdout("");
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(err.contains("truncated.json") && err.contains("truncated"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");

    let future = dir.path().join("future.json");
    std::fs::write(&future, demo.replacen("\"schema_version\": 1", "\"schema_version\": 7", 1)).unwrap();
    dopaudit()
        .args(["audit", "--snapshot"])
        .arg(&future)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("schema version 7"));

    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "not json at all").unwrap();
    dopaudit()
        .args(["audit", "--snapshot"])
        .arg(&garbage)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("garbage.json"));
}

/// The demo snapshot as shipped in mocks/.
fn dopaudit_demo_snapshot() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("mocks/demo-organization.json")).unwrap()
}

#[test]
fn snapshot_file_gives_the_demo_findings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snap.json");
    std::fs::write(&path, dopaudit_demo_snapshot()).unwrap();
    let from_file = json_of(&["audit", "--snapshot", path.to_str().unwrap(), "--format", "json"]);
    let demo = demo_report();
    assert_eq!(from_file["findings"], demo["findings"]);
    assert_eq!(from_file["scope"]["source"], "snapshot");
    assert_eq!(from_file["scope"]["snapshot_path"], path.to_str().unwrap());
}

#[test]
fn output_files_take_their_format_from_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let txt = dir.path().join("report.txt");
    dopaudit().args(["audit", "--demo", "-q", "-o"]).arg(&json).arg("-o").arg(&txt).assert().code(1).stdout("");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(report["findings"].as_array().unwrap().len() > 10);
    let table = std::fs::read_to_string(&txt).unwrap();
    assert!(table.contains("Summary:") && !table.contains('\u{1b}'), "files are never coloured");

    let unknown = dir.path().join("report.docx");
    dopaudit()
        .args(["audit", "--demo", "-o"])
        .arg(&unknown)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("report.docx").and(predicate::str::contains(".sarif")));
    assert!(!unknown.exists());
    let missing_dir = dir.path().join("no/such/dir/report.json");
    dopaudit()
        .args(["audit", "--demo", "-q", "-o"])
        .arg(&missing_dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot write"));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 2, "nothing half-written: {leftovers:?}");
}

#[test]
fn colour_only_when_asked_and_never_with_no_color() {
    let esc = predicate::str::contains("\u{1b}[");
    dopaudit().args(["audit", "--demo"]).assert().code(1).stdout(esc.clone().not());
    dopaudit().args(["audit", "--demo", "--color", "always"]).assert().code(1).stdout(esc.clone());
    dopaudit().args(["audit", "--demo", "--color", "always"]).env("NO_COLOR", "1").assert().code(1).stdout(esc.not());
}

#[test]
fn bad_flags_and_no_source_exit_2() {
    dopaudit().args(["audit", "--demo", "--no-such-flag"]).assert().code(2);
    dopaudit()
        .args(["audit", "--demo", "--snapshot", "x.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
    dopaudit().arg("frobnicate").assert().code(2);
}

#[test]
fn help_teaches() {
    dopaudit()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes").and(predicate::str::contains("dopaudit audit --demo")));
    dopaudit().args(["audit", "--help"]).assert().success().stdout(predicate::str::contains("--fail-on"));
}

#[test]
fn closed_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::{Command as Std, Stdio};
    let mut child = Std::new(assert_cmd::cargo::cargo_bin("dopaudit"))
        .args(["notes", "--text"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut buf = [0u8; 64];
    child.stdout.as_mut().unwrap().read_exact(&mut buf).unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert!(status.code() == Some(0), "exit {status:?}");
}

#[test]
fn iam_policy_is_least_privilege_and_read_only() {
    let policy = json_of(&["iam-policy"]);
    assert_eq!(policy["Version"], "2012-10-17");
    let statements = policy["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 1, "no sts:AssumeRole without --org");
    let actions: BTreeSet<&str> =
        statements[0]["Action"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    for a in &actions {
        let verb = a.split_once(':').unwrap().1;
        assert!(dopaudit::aws::recorder::is_read(verb), "{a} is not a read action");
    }
    // Every check's declared actions are in it.
    for c in json_of(&["checks", "--format", "json"]).as_array().unwrap() {
        for p in c["permissions"].as_array().unwrap() {
            assert!(actions.contains(p.as_str().unwrap()), "{p} of {} missing from iam-policy", c["id"]);
        }
    }
    let org = json_of(&["iam-policy", "--org", "--role-name", "AuditRole"]);
    let enter = &org["Statement"][1];
    assert_eq!(enter["Action"], "sts:AssumeRole");
    assert_eq!(enter["Resource"], "arn:aws:iam::*:role/AuditRole");
    // Each opt-in adds its one non-read call in a statement of its own, and nothing else.
    let opted = json_of(&["iam-policy", "--credential-report", "--detect-drift"]);
    let extra: Vec<(&str, &Value)> = opted["Statement"].as_array().unwrap()[1..]
        .iter()
        .map(|s| (s["Sid"].as_str().unwrap(), &s["Action"]))
        .collect();
    assert_eq!(
        extra,
        [
            ("DopauditDriftDetection", &serde_json::json!(["cloudformation:DetectStackDrift"])),
            ("DopauditCredentialReport", &serde_json::json!(["iam:GenerateCredentialReport"])),
        ]
    );
    assert_eq!(opted["Statement"][0], policy["Statement"][0], "opt-ins leave the read-only statement as it is");
}

#[test]
fn live_flags_are_checked_before_any_call() {
    // These fail on their flags, before credentials or the network are touched.
    dopaudit()
        .args(["audit", "--org", "--accounts", "12345"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("'12345' is not a 12-digit AWS account id"));
    dopaudit()
        .args(["audit", "--org", "--ou", "sales"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--ou: 'sales'"));
    dopaudit()
        .args(["audit", "--regions", "us-east-1,all"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--regions"));
    dopaudit().args(["audit", "--regions", "Mars"]).assert().code(2).stderr(predicate::str::contains("'Mars'"));
    dopaudit().args(["audit", "--accounts", "111111111111"]).assert().code(2).stderr(predicate::str::contains("--org"));
    dopaudit().args(["collect"]).assert().code(2).stderr(predicate::str::contains("--output"));
}

#[test]
fn scp_simulate_explains_the_decision() {
    let sim = |account: &str, action: &str| {
        json_of(&["scp", "simulate", "--demo", "--account", account, "--action", action, "--format", "json"])
    };
    // Denied at the root by deny-leave-organization, for every member.
    let leave = sim("222222222222", "organizations:LeaveOrganization");
    assert_eq!(leave["decision"]["verdict"], "denied", "{leave:#}");
    let by = &leave["decision"]["deciding"][0];
    assert_eq!(
        (by["level_kind"].as_str(), by["policy_name"].as_str()),
        (Some("root"), Some("deny-leave-organization")),
        "{by:#}"
    );
    // The Sandbox region lock (a Deny on everything outside eu-west-1) makes even IAM conditional.
    let iam = sim("333333333333", "iam:CreateRole");
    assert_eq!(iam["decision"]["verdict"], "conditional", "{iam:#}");
    assert!(iam["decision"]["reason"].as_str().unwrap().contains("sandbox-region-lock"), "{iam:#}");
    // Production's region guard makes regional actions conditional, but exempts IAM, which every level allows.
    assert_eq!(sim("222222222222", "s3:GetObject")["decision"]["verdict"], "conditional");
    assert_eq!(sim("222222222222", "iam:ListRoles")["decision"]["verdict"], "allowed");
    // The management account is never restricted by SCPs, and says so in the same fields scripts read.
    let mgmt = sim("111111111111", "cloudtrail:StopLogging");
    assert_eq!(mgmt["decision"]["verdict"], "allowed", "{mgmt:#}");
    assert_eq!(mgmt["scp_applies"], false, "{mgmt:#}");
    assert!(mgmt["decision"]["reason"].as_str().unwrap().contains("never apply to the management account"));
    assert!(mgmt["notes"][0].as_str().unwrap().contains("management account"), "{mgmt:#}");
    assert_eq!(leave["scp_applies"], true, "{leave:#}");
    // What the account itself carries is always known; a region given with --context settles the region lock.
    assert_eq!(leave["context"]["aws:principalaccount"][0], "222222222222", "{leave:#}");
    let in_region = |region: &str| {
        let context = format!("aws:RequestedRegion={region}");
        json_of(&[
            "scp",
            "simulate",
            "--demo",
            "--account",
            "333333333333",
            "--action",
            "iam:CreateRole",
            "--context",
            &context,
            "--format",
            "json",
        ])
    };
    let inside = in_region("eu-west-1");
    assert_ne!(inside["decision"]["verdict"], "conditional", "{inside:#}");
    let elsewhere = in_region("us-west-2");
    assert_eq!(elsewhere["decision"]["verdict"], "denied", "{elsewhere:#}");
    // The table names the path, root first.
    dopaudit()
        .args(["scp", "simulate", "--demo", "--account", "222222222222", "--action", "cloudtrail:StopLogging"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Verdict: CONDITIONAL")
                .and(predicate::str::contains("Path evaluated, root first")),
        );
    for (args, text) in [
        (vec!["--account", "123", "--action", "s3:GetObject"], "12-digit"),
        (vec!["--account", "999999999999", "--action", "s3:GetObject"], "not in organization"),
        (vec!["--account", "222222222222", "--action", "GetObject"], "service:Action"),
        (vec!["--account", "222222222222", "--action", "s3:GetObject", "--context", "region"], "KEY=VALUE"),
    ] {
        dopaudit()
            .args(["scp", "simulate", "--demo"])
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(text));
    }
}

#[test]
fn explain_with_the_demo_shows_what_the_account_shows() {
    let out = dopaudit().args(["explain", "cloudtrail.log-integrity", "--demo"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    // The note first, then the observed configuration of the checks that look for it, their verdicts, the fix.
    let note = text.find("Note cloudtrail.log-integrity").expect("the note");
    let observed = text.find("What the demo data shows").expect("the learning view");
    assert!(note < observed, "{text}");
    for needle in [
        "cloudtrail-log-file-validation — Log file validation is on for every trail: 1 fail",
        "[FAIL] 111111111111 · eu-west-1 · arn:aws:cloudtrail:eu-west-1:111111111111:trail/legacy-audit",
        "observed  log_file_validation_enabled: false",
        "observed  digests_invalid: 3",
        "To change it: Turn on log file validation",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    // Only the related checks: nothing about Config or CloudFormation.
    assert!(!text.contains("config-recorder-all-resources"), "{text}");

    // JSON carries the same findings; without a source there is no learning view.
    let json = json_of(&["explain", "cloudtrail-log-integrity", "--demo", "--format", "json"]);
    let findings = json["observed"]["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 4);
    assert!(findings.iter().all(|f| f["check_id"] == "cloudtrail-log-integrity"));
    let plain = json_of(&["explain", "cloudtrail-log-integrity", "--format", "json"]);
    assert!(plain.get("observed").is_none());
    dopaudit().args(["explain", "cloudtrail.log-integrity", "--demo", "--live"]).assert().code(2);
}

#[test]
fn services_narrow_the_audit_to_their_checks() {
    let checks = json_of(&["checks", "--format", "json"]);
    let service_of: BTreeMap<&str, &str> = checks
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap(), c["service"].as_str().unwrap()))
        .collect();
    assert_eq!(service_of["scp-protect-cloudtrail"], "organizations");
    assert_eq!(service_of["cloudtrail-log-file-validation"], "cloudtrail");
    assert_eq!(service_of["efs-access-points"], "elasticfilesystem");

    let full = demo_report();
    let narrow = json_of(&["audit", "--demo", "--format", "json", "--services", "CloudTrail,config"]);
    assert_eq!(narrow["scope"]["services"], serde_json::json!(["cloudtrail", "config"]));
    assert!(full["scope"].get("services").is_none(), "a full audit names no services");
    let of = |r: &Value, keep: &dyn Fn(&str) -> bool| -> Vec<Value> {
        r["findings"].as_array().unwrap().iter().filter(|f| keep(f["check_id"].as_str().unwrap())).cloned().collect()
    };
    let wanted = of(&full, &|id| ["cloudtrail", "config"].contains(&service_of[id]));
    assert!(wanted.len() > 20, "the demo has cloudtrail and config findings");
    // The same findings as the full audit's, and nothing else.
    let strip = |v: Vec<Value>| -> Vec<String> {
        v.iter().map(|f| format!("{} {} {} {}", f["check_id"], f["account"], f["region"], f["resource"])).collect()
    };
    assert_eq!(strip(of(&narrow, &|_| true)), strip(wanted));

    dopaudit().args(["audit", "--demo", "--services", "cloudtrail,s4"]).assert().code(2).stderr(
        predicate::str::contains("--services: 's4' is not a service").and(predicate::str::contains("cloudformation")),
    );
}
