//! CloudTrail log file integrity validation: the pure core, with no AWS calls.
//!
//! A trail with log file validation enabled writes an hourly, RSA-signed *digest file* listing the SHA-256 of every
//! log file it delivered and chaining to the previous digest. `aws cloudtrail validate-logs` checks that chain; this
//! module reproduces its verdicts (and goes further, in [`walk`]'s strict mode and the checks the CLI leaves out) so
//! the auditor can vouch for the evidence it reads. Everything here is synchronous and works on bytes or readers:
//! [`digest`] decompresses and parses digest files, [`signature`] builds the string to sign, loads the public keys
//! and verifies RSASSA-PKCS1-v1_5/SHA-256 signatures, and [`logfile`] hashes log files as a stream. Listing S3,
//! [`walk`] replays the CLI's chain walk over what was fetched and adds strict mode, [`report`] renders the CLI's lines,
//! `collect::integrity` fetches from S3 concurrently, and `fixtures` (feature `test-fixtures`) builds signed synthetic
//! buckets for tests and benchmarks.

pub mod digest;
/// Holds a private test key: built for the unit tests and, through the `test-fixtures` feature, for the integration
/// tests and examples that need it, never into the library a user builds.
#[cfg(any(test, feature = "test-fixtures"))]
pub mod fixtures;
pub mod logfile;
pub mod report;
pub mod signature;
pub mod walk;

use std::io;

pub use digest::{decompress_digest, parse_digest, Digest, DigestTime, LogFileEntry};
pub use logfile::{hash_log, verify_log, LogVerdict};
pub use signature::{
    fingerprint, parse_public_key_list, string_to_sign, verify, verify_digest, ListedPublicKey, PublicKey,
};

/// Why a digest, a key or a log file failed validation. Where the AWS CLI has a verdict text for the case, the
/// message is that text, so reports can be compared line by line.
#[derive(Debug, thiserror::Error)]
pub enum IntegrityError {
    /// Not gzip, not JSON, or a required key is missing; `reason` is for verbose output only.
    #[error("invalid format")]
    InvalidFormat { reason: String },
    /// Bytes follow the first gzip member of a log file.
    #[error("unexpected data after end of compressed stream")]
    TrailingData,
    /// Bad hex, wrong key, or a signature that does not match the string to sign.
    #[error("signature verification failed")]
    SignatureVerification,
    /// The DER is neither a PKCS#1 `RSAPublicKey` nor a `SubjectPublicKeyInfo` holding one.
    #[error("Unable to load PKCS #1 key with fingerprint {fingerprint}")]
    KeyLoad { fingerprint: String },
    /// The `aws cloudtrail list-public-keys` JSON could not be read.
    #[error("invalid ListPublicKeys output: {0}")]
    PublicKeyList(String),
    /// The underlying reader failed (network, file system); not a verdict on the data.
    #[error("cannot read: {0}")]
    Io(#[from] io::Error),
}

impl IntegrityError {
    pub(crate) fn invalid_format(reason: impl Into<String>) -> Self {
        IntegrityError::InvalidFormat { reason: reason.into() }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! The fixtures' fixed RSA-2048 test key and gzip helper, under the names the unit tests use.
    pub use super::fixtures::{fixture_key as test_key, gzip};
}
