//! The errors that stop a command. Each becomes one line on stderr and exit code 2 in `main.rs`.

use std::io;

use crate::notes::CatalogueError;
use crate::snapshot::SnapshotError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Catalogue(#[from] &'static CatalogueError),
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    #[error(transparent)]
    Collect(#[from] crate::collect::CollectError),
    #[error("no check or note has the id '{id}'{}", suggest(.suggestions))]
    UnknownId { id: String, suggestions: Vec<String> },
    #[error("{0}")]
    Usage(String),
    #[error("cannot write {path}: {source}")]
    Output { path: String, source: io::Error },
    #[error("cannot write to standard output: {0}")]
    Stdout(#[source] io::Error),
}

fn suggest(s: &[String]) -> String {
    if s.is_empty() {
        "; `dopaudit checks` and `dopaudit notes` list the ids".into()
    } else {
        format!("; did you mean {}?", s.join(", "))
    }
}

impl Error {
    /// A closed pipe (`dopaudit notes | head`) is not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Stdout(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}
