//! The catalogue as a whole: every check has one evaluator and vice versa, every section of the study
//! notes is covered, every check only reads, and no check id is renamed by accident.

use std::collections::BTreeSet;

use dopaudit::checks::registry;
use dopaudit::notes::Catalogue;

fn catalogue() -> &'static Catalogue {
    Catalogue::embedded().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn evaluators_and_metadata_match_one_to_one() {
    let cat = catalogue();
    let registered: Vec<&str> = registry().map(|(id, _)| *id).collect();
    let unique: BTreeSet<&str> = registered.iter().copied().collect();
    assert_eq!(unique.len(), registered.len(), "an evaluator is registered twice");
    let described: BTreeSet<&str> = cat.checks.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(unique, described, "evaluators (left) and checks/*.toml metadata (right) differ");
}

/// Bullets per study section in ../shared/seeds (sections 37 and 38 are the unnumbered Service Catalog and
/// Systems Manager). Every bullet is covered by at least one note, so no section may have fewer notes.
const SEED_BULLETS: [(u8, usize); 38] = [
    (1, 1),
    (2, 5),
    (3, 7),
    (4, 9),
    (5, 6),
    (6, 3),
    (7, 4),
    (8, 18),
    (9, 4),
    (10, 3),
    (11, 6),
    (12, 1),
    (13, 2),
    (14, 2),
    (15, 4),
    (16, 3),
    (17, 1),
    (18, 1),
    (19, 2),
    (20, 2),
    (21, 2),
    (22, 3),
    (23, 2),
    (24, 7),
    (25, 3),
    (26, 4),
    (27, 3),
    (28, 1),
    (29, 1),
    (30, 2),
    (31, 2),
    (32, 2),
    (33, 1),
    (34, 3),
    (35, 1),
    (36, 1),
    (37, 6),
    (38, 13),
];

#[test]
fn every_study_section_has_its_notes() {
    let cat = catalogue();
    assert_eq!(cat.sections.len(), 38);
    for (number, bullets) in SEED_BULLETS {
        let section =
            cat.sections.iter().find(|s| s.number == number).unwrap_or_else(|| panic!("section {number} missing"));
        let notes = cat.notes.iter().filter(|n| n.section.number == number).count();
        assert!(notes >= bullets, "section {number} {} has {notes} notes for {bullets} bullets", section.title);
    }
    assert!(cat.notes.len() >= 130, "{} notes", cat.notes.len());
}

#[test]
fn every_domain_and_topic_is_taught() {
    let cat = catalogue();
    for d in &cat.domains {
        assert!(cat.notes.iter().any(|n| n.domains.contains(&d.number)), "no note in domain {}", d.number);
    }
    for t in &cat.topics {
        assert!(cat.notes.iter().any(|n| n.topics.contains(&t.id)), "no note on topic {}", t.id);
    }
}

#[test]
fn checks_cite_notes_of_their_own_service() {
    // A check's first note comes from the section of the service it inspects (its id prefix, which may itself
    // hold a dash: `control-tower-…`).
    let cat = catalogue();
    for c in &cat.checks {
        let first = cat.note(&c.notes[0]).unwrap();
        let slug = &cat.sections.iter().find(|s| s.number == first.section.number).unwrap().slug;
        assert!(c.id.starts_with(&format!("{slug}-")), "check {} first cites {} (section {slug})", c.id, first.id);
    }
}

#[test]
fn checks_only_read() {
    for c in &catalogue().checks {
        for p in &c.permissions {
            let action = p.split_once(':').unwrap().1;
            assert!(dopaudit::aws::recorder::is_read(action), "check {} declares non-read action {p}", c.id);
        }
    }
}

#[test]
fn check_ids_are_stable() {
    // Suppressions, baselines and CI scripts refer to these ids: renaming one is a breaking change.
    let ids: Vec<&str> = catalogue().checks.iter().map(|c| c.id.as_str()).collect();
    insta::assert_snapshot!(ids.join("\n"));
}

#[test]
fn note_texts_are_prose_not_fragments() {
    for n in &catalogue().notes {
        let words = n.text.split_whitespace().count();
        assert!((20..=160).contains(&words), "note {} has {words} words", n.id);
        assert!(n.text.ends_with('.') || n.text.ends_with(')'), "note {} does not end a sentence", n.id);
        assert!(n.title.len() <= 60, "note {} title too long", n.id);
    }
}

#[test]
fn every_exam_domain_has_checks() {
    // The exam's six domains each need checks a learner can run against an account, not only notes.
    let cat = catalogue();
    assert!(cat.checks.len() >= 80, "{} checks", cat.checks.len());
    for d in &cat.domains {
        let n = cat.checks.iter().filter(|c| c.domains.contains(&d.number)).count();
        assert!(n >= 8, "domain {} ({}) has {n} checks", d.number, d.name);
    }
}
