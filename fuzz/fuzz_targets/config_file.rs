//! Fuzzes the `dopaudit.toml` loader: a CI repository's config file is edited by hand, so any text must load or fail
//! with an error that names the file — never a panic — and suppressions that load must apply to a report safely.

#![no_main]

use dopaudit::config::Config;
use dopaudit::notes::Catalogue;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let catalogue = Catalogue::embedded().expect("the embedded catalogue is valid");
    match Config::parse(text, "dopaudit.toml", catalogue) {
        Ok(config) => {
            let demo = dopaudit::snapshot::Snapshot::demo().expect("the demo loads");
            let mut findings = dopaudit::checks::evaluate(&demo, catalogue);
            let before = findings.len();
            let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).expect("a date");
            config.apply(catalogue, &mut findings, today);
            assert!(findings.len() >= before, "suppressions mark findings, they never drop them");
        }
        Err(e) => assert!(e.to_string().contains("dopaudit.toml"), "the error names the file: {e}"),
    }
});
