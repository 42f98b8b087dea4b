//! Fuzzes the snapshot loader: `audit --snapshot FILE` reads files that were copied between machines, cut short or
//! edited by hand. Whatever the bytes, loading ends in a snapshot or an error that names the file — never a panic —
//! and a snapshot that loads can be evaluated and rendered, since the evaluators trust its shape.

#![no_main]

use dopaudit::app::build_report;
use dopaudit::notes::Catalogue;
use dopaudit::report::Source;
use dopaudit::snapshot::Snapshot;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Snapshot::from_json("fuzz.json", text) {
        Ok(snapshot) => {
            let catalogue = Catalogue::embedded().expect("the embedded catalogue is valid");
            let report = build_report(catalogue, &snapshot, &Source::Snapshot("fuzz.json".into()));
            assert!(report.findings.iter().all(|f| !f.notes.is_empty()), "every finding names its notes");
            serde_json::to_vec(&report).expect("a report always serializes");
        }
        Err(e) => assert!(e.to_string().contains("fuzz.json"), "the error names the file: {e}"),
    }
});
