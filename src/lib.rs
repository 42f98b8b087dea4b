//! dopaudit: a read-only auditor for AWS accounts and organizations that ties every finding to a study
//! note of the AWS Certified DevOps Engineer – Professional exam (DOP-C02).
//!
//! The pipeline is collect → [`snapshot::Snapshot`] → [`checks::evaluate`] → [`report::Report`] → render.
//! Evaluation is pure; the report is the JSON output and every other format is printed from it. The study
//! notes and check metadata are data under `checks/`, loaded by [`notes::Catalogue`].

pub mod app;
pub mod aws;
pub mod checks;
pub mod cli;
pub mod collect;
pub mod config;
pub mod error;
pub mod integrity;
pub mod notes;
pub mod report;
pub mod scp;
pub mod snapshot;
