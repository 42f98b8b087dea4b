//! `dopaudit.toml` (suppressions with reasons and expiry, severity overrides, defaults), `--baseline` with
//! `--fail-on-new`, and `dopaudit merge`, through the binary on the demo organization.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn dopaudit() -> Command {
    let mut cmd = Command::cargo_bin("dopaudit").unwrap();
    cmd.env_remove("NO_COLOR").current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Out {
    let o = cmd.output().unwrap();
    Out {
        code: o.status.code().unwrap(),
        stdout: String::from_utf8_lossy(&o.stdout).into(),
        stderr: String::from_utf8_lossy(&o.stderr).into(),
    }
}

fn demo_json(extra: &[&str]) -> (Value, Out) {
    let out = run(dopaudit().args(["audit", "--demo", "--format", "json"]).args(extra));
    let json = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    (json, out)
}

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn schema_errors(report: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    validator.iter_errors(report).map(|e| format!("{e} at {}", e.instance_path())).collect()
}

const CONFIG: &str = r#"
[defaults]
fail_on = "high"

[severity]
"cloudtrail-cloudwatch-logs" = "info"

[[suppressions]]
check = "cloudtrail-kms-encryption"
account = "111111111111"
resource = "arn:aws:cloudtrail:*:*:trail/legacy-*"
reason = "legacy trail, deleted in the Q1 clean-up"
expires = 2999-12-31

[[suppressions]]
check = "cloudtrail-log-file-validation"
reason = "accepted until the audit last year"
expires = 2020-01-31
"#;

#[test]
fn suppressions_overrides_and_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "dopaudit.toml", CONFIG);
    let (plain, _) = demo_json(&[]);
    let (report, out) = demo_json(&["--config", &config]);
    assert!(schema_errors(&report).is_empty(), "{:?}", schema_errors(&report));

    // The matching failure is suppressed, with its reason, and still in the output.
    let suppressed: Vec<&Value> = findings(&report).iter().filter(|f| f["status"] == "suppressed").collect();
    assert_eq!(suppressed.len(), 1, "{suppressed:#?}");
    let s = suppressed[0];
    assert_eq!(
        (s["check_id"].as_str(), s["account"].as_str()),
        (Some("cloudtrail-kms-encryption"), Some("111111111111"))
    );
    assert_eq!(s["suppression"]["reason"], "legacy trail, deleted in the Q1 clean-up");
    assert_eq!(s["suppression"]["was"], "fail");
    assert_eq!(s["suppression"]["expires"], "2999-12-31");
    assert_eq!(report["summary"]["suppressed"], 1);
    assert_eq!(report["summary"]["fail"].as_u64().unwrap(), plain["summary"]["fail"].as_u64().unwrap() - 1 + 1);

    // The expired suppression suppresses nothing and is a finding of its own.
    let validation_fails = |r: &Value| {
        findings(r)
            .iter()
            .filter(|f| f["check_id"] == "cloudtrail-log-file-validation" && f["status"] == "fail")
            .count()
    };
    assert_eq!(validation_fails(&report), validation_fails(&plain));
    let expired: Vec<&Value> =
        findings(&report).iter().filter(|f| f["check_id"] == "dopaudit-suppression-expired").collect();
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0]["status"], "fail");
    assert!(expired[0]["message"].as_str().unwrap().contains("expired after 2020-01-31"), "{}", expired[0]);

    // Severity override.
    assert!(findings(&report)
        .iter()
        .filter(|f| f["check_id"] == "cloudtrail-cloudwatch-logs")
        .all(|f| f["severity"] == "info"));

    // fail_on = "high" from [defaults]: high failures remain, so exit 1; a flag wins over the file.
    assert_eq!(out.code, 1);
    let sarif = run(dopaudit().args(["audit", "--demo", "--config", &config, "--format", "sarif"]));
    let sarif: Value = serde_json::from_str(&sarif.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "dopaudit-suppression-expired"));
    assert!(results.iter().any(|r| r["suppressions"].is_array()));
}

#[test]
fn a_bad_configuration_file_is_exit_2_naming_the_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "bad.toml", "[defaults]\nfail_on = \"high\"\nregoins = [\"us-east-1\"]\n");
    let out = run(dopaudit().args(["audit", "--demo", "--config", &config]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains(&format!("{config}: line 3: unknown field `regoins`")), "{}", out.stderr);
    let out = run(dopaudit().args(["audit", "--demo", "--config", "/nonexistent/dopaudit.toml"]));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("cannot read /nonexistent/dopaudit.toml"), "{}", out.stderr);
}

#[test]
fn baseline_marks_new_existing_and_fixed_and_fail_on_new_decides() {
    let dir = tempfile::tempdir().unwrap();
    let (current, _) = demo_json(&[]);
    // An earlier run: one of today's failures was not there yet, and one failure since fixed was.
    let mut earlier = current.clone();
    let list = earlier["findings"].as_array_mut().unwrap();
    let first_fail = list.iter().position(|f| f["status"] == "fail").unwrap();
    let gone = list.remove(first_fail);
    let mut fixed = gone.clone();
    fixed["resource"] = "arn:aws:cloudtrail:us-east-1:111111111111:trail/deleted-since".into();
    list.push(fixed);
    let baseline = write(dir.path(), "baseline.json", &earlier.to_string());

    let (report, out) = demo_json(&["--baseline", &baseline]);
    assert_eq!(out.code, 1);
    assert!(schema_errors(&report).is_empty(), "{:?}", schema_errors(&report));
    let new: Vec<&Value> = findings(&report).iter().filter(|f| f["baseline"] == "new").collect();
    assert_eq!(new.len(), 1, "{new:#?}");
    assert_eq!((&new[0]["check_id"], &new[0]["resource"]), (&gone["check_id"], &gone["resource"]));
    let existing = findings(&report).iter().filter(|f| f["baseline"] == "existing").count();
    let open = findings(&report)
        .iter()
        .filter(|f| ["fail", "unknown", "suppressed"].contains(&f["status"].as_str().unwrap()))
        .count();
    assert_eq!(existing + 1, open);
    assert!(findings(&report).iter().filter(|f| f["status"] == "pass").all(|f| f.get("baseline").is_none()));
    let fixed = report["fixed"].as_array().unwrap();
    assert_eq!(fixed.len(), 1);
    assert_eq!(fixed[0]["resource"], "arn:aws:cloudtrail:us-east-1:111111111111:trail/deleted-since");

    // --fail-on-new: the one new failure fails the run; against today's own report nothing is new.
    let out = run(dopaudit().args(["audit", "--demo", "-q", "--baseline", &baseline, "--fail-on-new"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let same = write(dir.path(), "same.json", &current.to_string());
    let out = run(dopaudit().args(["audit", "--demo", "-q", "--baseline", &same, "--fail-on-new"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Without a baseline the flag is refused; a baseline that is not a report is exit 2, naming the file.
    assert_eq!(run(dopaudit().args(["audit", "--demo", "--fail-on-new"])).code, 2);
    let junk = write(dir.path(), "junk.json", "{\"findings\": 3}");
    let out = run(dopaudit().args(["audit", "--demo", "--baseline", &junk]));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains(&format!("{junk} is not a dopaudit JSON report")), "{}", out.stderr);
}

#[test]
fn merge_joins_shards_into_the_same_report() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, _) = demo_json(&[]);
    let shard = |accounts: &[&str]| {
        let mut r = whole.clone();
        r["findings"] = Value::Array(
            findings(&whole).iter().filter(|f| accounts.contains(&f["account"].as_str().unwrap())).cloned().collect(),
        );
        r["scope"]["accounts"] = accounts.iter().map(|a| Value::from(*a)).collect();
        r
    };
    let a = write(dir.path(), "a.json", &shard(&["111111111111"]).to_string());
    let b = write(dir.path(), "b.json", &shard(&["222222222222", "333333333333"]).to_string());
    let merged_path = dir.path().join("org.json");
    let sarif_path = dir.path().join("org.sarif");
    let out = run(dopaudit().args(["merge", &a, &b, "-o"]).arg(&merged_path).arg("-o").arg(&sarif_path));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let merged: Value = serde_json::from_str(&std::fs::read_to_string(&merged_path).unwrap()).unwrap();
    assert!(schema_errors(&merged).is_empty(), "{:?}", schema_errors(&merged));
    assert_eq!(merged["summary"], whole["summary"]);
    assert_eq!(findings(&merged).len(), findings(&whole).len());
    assert_eq!(merged["scope"]["accounts"], whole["scope"]["accounts"]);
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");

    // The same shard twice: each finding kept once, with a warning.
    let out = run(dopaudit().args(["merge", &a, &a, "--format", "json"]));
    assert_eq!(out.code, 0);
    assert!(out.stderr.contains("were in more than one report"), "{}", out.stderr);
    let twice: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(findings(&twice).len(), findings(&shard(&["111111111111"])).len());
    // A file that is not a report: exit 2, naming it.
    let junk = write(dir.path(), "junk.json", "[]");
    let out = run(dopaudit().args(["merge", &a, &junk]));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("junk.json is not a dopaudit JSON report"), "{}", out.stderr);
}
