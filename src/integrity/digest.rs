//! Digest files: gzip-compressed JSON (spec §2). Decompression keeps only the first gzip member, as the CLI does;
//! parsing enforces the keys the CLI requires (present, `null` allowed).

use std::fmt;
use std::io::Read;

use chrono::{DateTime, Utc};
use flate2::read::GzDecoder;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::IntegrityError;

/// Digests are a few kilobytes; this bounds what a hostile gzip stream can make us allocate.
const MAX_DIGEST_BYTES: u64 = 64 * 1024 * 1024;

/// Keys the CLI requires before it looks at a digest; absent means "invalid format".
const REQUIRED_KEYS: [&str; 6] = [
    "digestPublicKeyFingerprint",
    "digestS3Bucket",
    "digestS3Object",
    "previousDigestSignature",
    "digestEndTime",
    "digestStartTime",
];

/// A timestamp from a digest, kept with its original text: the string to sign uses the text as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestTime {
    pub text: String,
    pub utc: DateTime<Utc>,
}

impl fmt::Display for DigestTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for DigestTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let utc = DateTime::parse_from_rfc3339(&text)
            .map_err(|e| serde::de::Error::custom(format!("time '{text}': {e}")))?
            .with_timezone(&Utc);
        Ok(DigestTime { text, utc })
    }
}

impl Serialize for DigestTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

/// One digest file (spec §2). Hashes and signatures are lowercase hex strings as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Digest {
    pub aws_account_id: Option<String>,
    pub digest_start_time: Option<DigestTime>,
    pub digest_end_time: Option<DigestTime>,
    pub digest_s3_bucket: Option<String>,
    pub digest_s3_object: Option<String>,
    pub digest_public_key_fingerprint: Option<String>,
    pub digest_signature_algorithm: Option<String>,
    pub newest_event_time: Option<DigestTime>,
    pub oldest_event_time: Option<DigestTime>,
    pub previous_digest_s3_bucket: Option<String>,
    pub previous_digest_s3_object: Option<String>,
    pub previous_digest_hash_value: Option<String>,
    pub previous_digest_hash_algorithm: Option<String>,
    pub previous_digest_signature: Option<String>,
    #[serde(default)]
    pub log_files: Vec<LogFileEntry>,
}

impl Digest {
    /// True for the first digest of a chain (or a restarted chain): no previous digest to follow.
    pub fn starts_chain(&self) -> bool {
        self.previous_digest_s3_bucket.is_none() || self.previous_digest_s3_object.is_none()
    }
}

/// One entry of `logFiles[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogFileEntry {
    pub s3_bucket: String,
    pub s3_object: String,
    /// Lowercase hex SHA-256 of the uncompressed log.
    pub hash_value: String,
    pub hash_algorithm: Option<String>,
    pub newest_event_time: Option<DigestTime>,
    pub oldest_event_time: Option<DigestTime>,
}

/// Decompresses the first gzip member of a digest file; bytes after it are ignored, as the CLI does.
pub fn decompress_digest(gz: &[u8]) -> Result<Vec<u8>, IntegrityError> {
    let mut out = Vec::new();
    GzDecoder::new(gz)
        .take(MAX_DIGEST_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| IntegrityError::invalid_format(format!("digest is not gzip: {e}")))?;
    if out.len() as u64 > MAX_DIGEST_BYTES {
        return Err(IntegrityError::invalid_format(format!("digest larger than {MAX_DIGEST_BYTES} bytes")));
    }
    if out.is_empty() {
        return Err(IntegrityError::invalid_format("digest is empty"));
    }
    Ok(out)
}

/// Parses decompressed digest bytes, requiring the keys the CLI requires (present, `null` allowed).
pub fn parse_digest(raw: &[u8]) -> Result<Digest, IntegrityError> {
    let value: serde_json::Value =
        serde_json::from_slice(raw).map_err(|e| IntegrityError::invalid_format(format!("digest is not JSON: {e}")))?;
    let object = value.as_object().ok_or_else(|| IntegrityError::invalid_format("digest is not a JSON object"))?;
    if let Some(missing) = REQUIRED_KEYS.iter().find(|k| !object.contains_key(**k)) {
        return Err(IntegrityError::invalid_format(format!("digest has no '{missing}' key")));
    }
    serde_json::from_value(value).map_err(|e| IntegrityError::invalid_format(format!("digest fields: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrity::test_support::gzip;

    pub(crate) const SAMPLE: &str = r#"{"awsAccountId":"111122223333","digestStartTime":"2015-08-17T14:01:31Z",
"digestEndTime":"2015-08-17T15:01:31Z","digestS3Bucket":"bucket","digestS3Object":"AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_trail_us-east-2_20150817T150131Z.json.gz",
"digestPublicKeyFingerprint":"31e8b5433410dfb61a9dc45cc65b22ff","digestSignatureAlgorithm":"SHA256withRSA",
"newestEventTime":"2015-08-17T14:52:27Z","oldestEventTime":"2015-08-17T14:42:27Z",
"previousDigestS3Bucket":"bucket","previousDigestS3Object":"prev.json.gz","previousDigestHashValue":"97fb791cf91ffc440d274f8190dbdd9aa09c34432aba82739df18b6d3c13df2d",
"previousDigestHashAlgorithm":"SHA-256","previousDigestSignature":"50887ccffad4c002b97caa37cb72d0cb",
"logFiles":[{"s3Bucket":"bucket","s3Object":"log.json.gz","hashValue":"9bb6196fc6b84d6f075a56548feca262bd99ba3c2de41b618e5b6e22c1fc71f6",
"hashAlgorithm":"SHA-256","newestEventTime":"2015-08-17T14:52:27Z","oldestEventTime":"2015-08-17T14:42:27Z"}]}"#;

    #[test]
    fn parses_all_fields_and_times_as_utc() {
        let d = parse_digest(SAMPLE.as_bytes()).expect("sample parses");
        assert_eq!(d.aws_account_id.as_deref(), Some("111122223333"));
        let end = d.digest_end_time.as_ref().expect("end time");
        assert_eq!(end.text, "2015-08-17T15:01:31Z");
        assert_eq!(end.utc.to_rfc3339(), "2015-08-17T15:01:31+00:00");
        assert_eq!(d.log_files.len(), 1);
        assert_eq!(d.log_files[0].s3_object, "log.json.gz");
        assert!(!d.starts_chain());
    }

    #[test]
    fn required_keys_may_be_null_but_not_missing() {
        let base: serde_json::Value = serde_json::from_str(SAMPLE).expect("json");
        for key in REQUIRED_KEYS {
            let mut nulled = base.clone();
            nulled[key] = serde_json::Value::Null;
            let raw = serde_json::to_vec(&nulled).expect("ser");
            assert!(parse_digest(&raw).is_ok(), "null {key} is allowed");

            let mut missing = base.clone();
            missing.as_object_mut().expect("object").remove(key);
            let raw = serde_json::to_vec(&missing).expect("ser");
            let err = parse_digest(&raw).expect_err(key);
            assert!(matches!(err, IntegrityError::InvalidFormat { .. }), "{key}: {err:?}");
            assert_eq!(err.to_string(), "invalid format");
        }
    }

    #[test]
    fn first_digest_of_a_chain_has_null_previous_fields() {
        let mut v: serde_json::Value = serde_json::from_str(SAMPLE).expect("json");
        for k in
            ["previousDigestS3Bucket", "previousDigestS3Object", "previousDigestHashValue", "previousDigestSignature"]
        {
            v[k] = serde_json::Value::Null;
        }
        v["logFiles"] = serde_json::json!([]);
        let d = parse_digest(&serde_json::to_vec(&v).expect("ser")).expect("parses");
        assert!(d.starts_chain());
        assert!(d.log_files.is_empty());
    }

    #[test]
    fn rejects_bad_input() {
        let cases: [(&str, &[u8]); 4] = [
            ("not json", b"{nope"),
            ("array", b"[1,2]"),
            ("bad time", br#"{"digestPublicKeyFingerprint":null,"digestS3Bucket":null,"digestS3Object":null,"previousDigestSignature":null,"digestEndTime":"yesterday","digestStartTime":null}"#),
            ("bad log entry", br#"{"digestPublicKeyFingerprint":null,"digestS3Bucket":null,"digestS3Object":null,"previousDigestSignature":null,"digestEndTime":null,"digestStartTime":null,"logFiles":[{}]}"#),
        ];
        for (name, raw) in cases {
            assert!(matches!(parse_digest(raw), Err(IntegrityError::InvalidFormat { .. })), "{name}");
        }
    }

    #[test]
    fn decompress_keeps_first_member_only() {
        let mut gz = gzip(SAMPLE.as_bytes(), 6);
        gz.extend_from_slice(&gzip(b"second member", 6));
        assert_eq!(decompress_digest(&gz).expect("decompresses"), SAMPLE.as_bytes());
        let mut junk = gzip(SAMPLE.as_bytes(), 1);
        junk.extend_from_slice(b"junk after the stream");
        assert_eq!(decompress_digest(&junk).expect("decompresses"), SAMPLE.as_bytes());
    }

    #[test]
    fn decompress_rejects_non_gzip() {
        for input in [SAMPLE.as_bytes(), b"", &[0x1f, 0x8b, 0x08][..]] {
            assert!(matches!(decompress_digest(input), Err(IntegrityError::InvalidFormat { .. })));
        }
    }
}
