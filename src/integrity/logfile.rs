//! Log files (spec §5): each is streamed through a single-member gzip decoder into SHA-256 with a fixed buffer, so
//! a log of any size is hashed in constant memory; anything after the first gzip member is an error, as in the CLI.

use std::fmt;
use std::io::{self, BufRead, BufReader, Read};

use flate2::bufread::GzDecoder;
use sha2::{Digest as _, Sha256};

use super::IntegrityError;

const BUF_BYTES: usize = 64 * 1024;

/// The verdict on one log file; `Display` gives the CLI's status text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogVerdict {
    Valid,
    HashMismatch,
    NotFound,
    InvalidFormat,
    TrailingData,
}

impl LogVerdict {
    pub fn is_valid(self) -> bool {
        self == LogVerdict::Valid
    }
}

impl fmt::Display for LogVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogVerdict::Valid => "valid",
            LogVerdict::HashMismatch => "INVALID: hash value doesn't match",
            LogVerdict::NotFound => "INVALID: not found",
            LogVerdict::InvalidFormat => "INVALID: invalid format",
            LogVerdict::TrailingData => "INVALID: unexpected data after end of compressed stream",
        })
    }
}

/// Remembers whether an error came from the underlying reader, so it is not mistaken for bad gzip.
struct Tracked<R> {
    inner: R,
    failed: Option<io::Error>,
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.inner.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let reported = io::Error::new(e.kind(), e.to_string());
                    self.failed = Some(e);
                    return Err(reported);
                }
                ok => return ok,
            }
        }
    }
}

/// SHA-256 of the first gzip member's decompressed bytes. Not gzip (or a corrupt or truncated member) is
/// [`IntegrityError::InvalidFormat`], bytes after the member are [`IntegrityError::TrailingData`], and a failure
/// of `gz` itself is [`IntegrityError::Io`].
pub fn hash_log<R: Read>(gz: R) -> Result<[u8; 32], IntegrityError> {
    let mut decoder = GzDecoder::new(BufReader::with_capacity(BUF_BYTES, Tracked { inner: gz, failed: None }));
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; BUF_BYTES];
    loop {
        match decoder.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(classify(decoder.get_mut().get_mut(), e)),
        }
    }
    let mut rest = decoder.into_inner();
    let empty = match rest.fill_buf() {
        Ok(b) => b.is_empty(),
        Err(e) => return Err(classify(rest.get_mut(), e)),
    };
    if !empty {
        return Err(IntegrityError::TrailingData);
    }
    Ok(hasher.finalize().into())
}

fn classify<R>(tracked: &mut Tracked<R>, e: io::Error) -> IntegrityError {
    match tracked.failed.take() {
        Some(source) => IntegrityError::Io(source),
        None => IntegrityError::invalid_format(format!("log is not gzip: {e}")),
    }
}

/// Hashes a log and compares with the digest's `hashValue` (lowercase hex, compared exactly as the CLI does).
/// `Err` only when `gz` itself fails to read, which is not a verdict on the log.
pub fn verify_log<R: Read>(gz: R, expected_hex: &str) -> Result<LogVerdict, IntegrityError> {
    match hash_log(gz) {
        Ok(hash) if hex::encode(hash) == expected_hex => Ok(LogVerdict::Valid),
        Ok(_) => Ok(LogVerdict::HashMismatch),
        Err(IntegrityError::TrailingData) => Ok(LogVerdict::TrailingData),
        Err(IntegrityError::InvalidFormat { .. }) => Ok(LogVerdict::InvalidFormat),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrity::test_support::gzip;

    const LOG: &[u8] =
        br#"{"Records":[{"eventVersion":"1.08","eventSource":"s3.amazonaws.com","eventName":"GetObject"}]}"#;

    fn expected() -> String {
        hex::encode(Sha256::digest(LOG))
    }

    #[test]
    fn verdict_cases() {
        let stored = gzip(LOG, 6);
        let mut modified = LOG.to_vec();
        modified[5] = b'X';
        let cases: Vec<(&str, Vec<u8>, LogVerdict)> = vec![
            ("valid", stored.clone(), LogVerdict::Valid),
            ("recompressed", gzip(LOG, 9), LogVerdict::Valid),
            ("stored level 0", gzip(LOG, 0), LogVerdict::Valid),
            ("modified", gzip(&modified, 6), LogVerdict::HashMismatch),
            ("extra gzip member", [stored.clone(), gzip(b"{}", 6)].concat(), LogVerdict::TrailingData),
            ("trailing junk", [stored.clone(), b"\n".to_vec()].concat(), LogVerdict::TrailingData),
            ("uncompressed", LOG.to_vec(), LogVerdict::InvalidFormat),
            ("empty object", Vec::new(), LogVerdict::InvalidFormat),
            ("truncated", stored[..stored.len() - 4].to_vec(), LogVerdict::InvalidFormat),
        ];
        for (name, bytes, verdict) in cases {
            assert_eq!(verify_log(bytes.as_slice(), &expected()).expect(name), verdict, "{name}");
        }
    }

    #[test]
    fn verdict_texts_match_the_cli() {
        assert_eq!(LogVerdict::Valid.to_string(), "valid");
        assert_eq!(LogVerdict::HashMismatch.to_string(), "INVALID: hash value doesn't match");
        assert_eq!(LogVerdict::NotFound.to_string(), "INVALID: not found");
        assert_eq!(LogVerdict::InvalidFormat.to_string(), "INVALID: invalid format");
        assert_eq!(LogVerdict::TrailingData.to_string(), "INVALID: unexpected data after end of compressed stream");
        assert_eq!(IntegrityError::TrailingData.to_string(), "unexpected data after end of compressed stream");
    }

    /// A reader that yields small chunks, like a network body, and counts the bytes handed out.
    struct Chunked<'a> {
        data: &'a [u8],
        chunk: usize,
    }

    impl Read for Chunked<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.chunk.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn five_megabyte_log_streams() {
        let line = br#"{"eventVersion":"1.08","eventName":"PutObject","requestParameters":{"key":"a/b/c"}},"#;
        let big: Vec<u8> = line.iter().copied().cycle().take(5 * 1024 * 1024).collect();
        let gz = gzip(&big, 1);
        let expected = hex::encode(Sha256::digest(&big));
        let verdict = verify_log(Chunked { data: &gz, chunk: 1500 }, &expected).expect("reads");
        assert_eq!(verdict, LogVerdict::Valid);
        let trailing = [gz, gzip(b"x", 1)].concat();
        let verdict = verify_log(Chunked { data: &trailing, chunk: 7 }, &expected).expect("reads");
        assert_eq!(verdict, LogVerdict::TrailingData);
    }

    struct Failing;

    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::new(io::ErrorKind::ConnectionReset, "connection reset"))
        }
    }

    #[test]
    fn reader_failure_is_not_a_verdict() {
        let err = verify_log(Failing, &expected()).expect_err("io error");
        assert!(matches!(err, IntegrityError::Io(ref e) if e.kind() == io::ErrorKind::ConnectionReset), "{err:?}");
        let midway = gzip(LOG, 6);
        let err = verify_log(midway[..10].chain(Failing), &expected()).expect_err("io error");
        assert!(matches!(err, IntegrityError::Io(_)), "{err:?}");
    }
}
