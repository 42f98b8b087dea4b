//! Digest signatures (spec §3): the string to sign, the CloudTrail public keys, and RSASSA-PKCS1-v1_5 verification
//! with SHA-256 pinned (the `signature-algorithm` metadata is not trusted to choose the hash).

use chrono::{DateTime, Utc};
use md5::Md5;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::PublicKey as RsaPublicKey;
use sha2::{Digest as _, Sha256};

use super::digest::Digest;
use super::IntegrityError;

/// The string CloudTrail signs: end time, `bucket/object`, lowerhex SHA-256 of the decompressed digest bytes and the
/// previous signature (or `null`), joined by `\n` with no trailing newline. `raw_decompressed` must be the bytes
/// exactly as stored: re-indenting the JSON changes the hash, recompressing does not.
pub fn string_to_sign(digest: &Digest, raw_decompressed: &[u8]) -> String {
    let null = "null";
    let end = digest.digest_end_time.as_ref().map_or(null, |t| t.text.as_str());
    let bucket = digest.digest_s3_bucket.as_deref().unwrap_or(null);
    let object = digest.digest_s3_object.as_deref().unwrap_or(null);
    let previous = digest.previous_digest_signature.as_deref().unwrap_or(null);
    let hash = hex::encode(Sha256::digest(raw_decompressed));
    format!("{end}\n{bucket}/{object}\n{hash}\n{previous}")
}

/// Lowercase hex MD5 of a public key's DER bytes: how CloudTrail fingerprints its keys.
pub fn fingerprint(der: &[u8]) -> String {
    hex::encode(Md5::digest(der))
}

/// A loaded CloudTrail public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub fingerprint: String,
    pub key: RsaPublicKey,
}

impl PublicKey {
    /// Loads a DER public key, PKCS#1 `RSAPublicKey` (what CloudTrail publishes) or `SubjectPublicKeyInfo` (which
    /// the CLI rejects); the fingerprint is the MD5 of the DER as given.
    pub fn from_der(der: &[u8]) -> Result<Self, IntegrityError> {
        let fingerprint = fingerprint(der);
        let key = RsaPublicKey::from_pkcs1_der(der)
            .or_else(|_| RsaPublicKey::from_public_key_der(der))
            .map_err(|_| IntegrityError::KeyLoad { fingerprint: fingerprint.clone() })?;
        Ok(PublicKey { fingerprint, key })
    }
}

/// Verifies a hex RSASSA-PKCS1-v1_5 signature over `message` with SHA-256. Bad hex is a failed verification.
pub fn verify(key: &RsaPublicKey, message: &[u8], signature_hex: &str) -> Result<(), IntegrityError> {
    let bytes = hex::decode(signature_hex.trim()).map_err(|_| IntegrityError::SignatureVerification)?;
    let signature = Signature::try_from(bytes.as_slice()).map_err(|_| IntegrityError::SignatureVerification)?;
    VerifyingKey::<Sha256>::new(key.clone())
        .verify(message, &signature)
        .map_err(|_| IntegrityError::SignatureVerification)
}

/// Verifies a digest: its string to sign (from the parsed digest and its decompressed bytes) against the hex
/// signature from the object's `signature` metadata.
pub fn verify_digest(
    key: &RsaPublicKey,
    digest: &Digest,
    raw_decompressed: &[u8],
    signature_hex: &str,
) -> Result<(), IntegrityError> {
    verify(key, string_to_sign(digest, raw_decompressed).as_bytes(), signature_hex)
}

/// One entry of `aws cloudtrail list-public-keys` output, not yet loaded: like the CLI, a key that does not load
/// only fails the digests that need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedPublicKey {
    /// The `Fingerprint` AWS lists, which digests are matched on.
    pub fingerprint: String,
    pub der: Vec<u8>,
    pub validity_start: Option<DateTime<Utc>>,
    pub validity_end: Option<DateTime<Utc>>,
}

impl ListedPublicKey {
    /// Loads the key, keeping the listed fingerprint.
    pub fn load(&self) -> Result<PublicKey, IntegrityError> {
        let key = PublicKey::from_der(&self.der)
            .map_err(|_| IntegrityError::KeyLoad { fingerprint: self.fingerprint.clone() })?;
        Ok(PublicKey { fingerprint: self.fingerprint.clone(), key: key.key })
    }

    /// Whether the listed fingerprint is the MD5 of the listed DER (strict mode).
    pub fn fingerprint_matches(&self) -> bool {
        fingerprint(&self.der).eq_ignore_ascii_case(&self.fingerprint)
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListOutput {
    public_key_list: Vec<ListEntry>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListEntry {
    value: String,
    fingerprint: String,
    validity_start_time: Option<serde_json::Value>,
    validity_end_time: Option<serde_json::Value>,
}

/// Reads the JSON printed by `aws cloudtrail list-public-keys` (`Value` is base64 DER there; the Rust SDK's `Blob`
/// is already raw DER and needs no decoding). Times may be RFC 3339 strings or epoch seconds.
pub fn parse_public_key_list(json: &[u8]) -> Result<Vec<ListedPublicKey>, IntegrityError> {
    use base64::Engine as _;
    let out: ListOutput = serde_json::from_slice(json).map_err(|e| IntegrityError::PublicKeyList(e.to_string()))?;
    out.public_key_list
        .into_iter()
        .map(|e| {
            let der = base64::engine::general_purpose::STANDARD.decode(e.value.trim()).map_err(|err| {
                IntegrityError::PublicKeyList(format!("key {}: Value is not base64: {err}", e.fingerprint))
            })?;
            Ok(ListedPublicKey {
                validity_start: list_time(e.validity_start_time.as_ref(), &e.fingerprint)?,
                validity_end: list_time(e.validity_end_time.as_ref(), &e.fingerprint)?,
                fingerprint: e.fingerprint,
                der,
            })
        })
        .collect()
}

fn list_time(value: Option<&serde_json::Value>, fp: &str) -> Result<Option<DateTime<Utc>>, IntegrityError> {
    let bad = || IntegrityError::PublicKeyList(format!("key {fp}: bad validity time {value:?}"));
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => {
            DateTime::parse_from_rfc3339(s).map(|t| Some(t.with_timezone(&Utc))).map_err(|_| bad())
        }
        Some(serde_json::Value::Number(n)) => {
            let secs = n.as_f64().ok_or_else(bad)?;
            // Sub-second precision is irrelevant for validity windows.
            DateTime::from_timestamp(secs.trunc() as i64, 0).map(Some).ok_or_else(bad)
        }
        Some(_) => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use rsa::pkcs1::EncodeRsaPublicKey;
    use rsa::pkcs1v15::SigningKey;
    use rsa::pkcs8::EncodePublicKey;
    use rsa::signature::{SignatureEncoding, Signer};

    use super::*;
    use crate::integrity::digest::{decompress_digest, parse_digest, DigestTime};
    use crate::integrity::test_support::{gzip, test_key};

    fn sign_hex(message: &str) -> String {
        let signer = SigningKey::<Sha256>::new(test_key().clone());
        hex::encode(signer.sign(message.as_bytes()).to_bytes())
    }

    fn digest_json(end: &str, previous_signature: Option<&str>) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "awsAccountId": "111122223333",
            "digestStartTime": "2026-01-01T00:00:00Z",
            "digestEndTime": end,
            "digestS3Bucket": "trail-bucket",
            "digestS3Object": "AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2026/01/01/d.json.gz",
            "digestPublicKeyFingerprint": fingerprint(&pkcs1_der()),
            "digestSignatureAlgorithm": "SHA256withRSA",
            "newestEventTime": null,
            "oldestEventTime": null,
            "previousDigestS3Bucket": previous_signature.map(|_| "trail-bucket"),
            "previousDigestS3Object": previous_signature.map(|_| "prev.json.gz"),
            "previousDigestHashValue": previous_signature.map(|_| "00"),
            "previousDigestHashAlgorithm": previous_signature.map(|_| "SHA-256"),
            "previousDigestSignature": previous_signature,
            "logFiles": [],
        }))
        .expect("serialise")
    }

    fn pkcs1_der() -> Vec<u8> {
        test_key().to_public_key().to_pkcs1_der().expect("pkcs1").as_bytes().to_vec()
    }

    fn spki_der() -> Vec<u8> {
        test_key().to_public_key().to_public_key_der().expect("spki").as_bytes().to_vec()
    }

    #[test]
    fn spec_test_vector() {
        let d: Digest = serde_json::from_value(serde_json::json!({
            "digestEndTime": null, "digestS3Bucket": "b", "digestS3Object": "c", "previousDigestSignature": null,
        }))
        .expect("digest");
        // The vector's end time is the text "a", which no digest would parse; the string to sign uses the text only.
        let d = Digest { digest_end_time: Some(DigestTime { text: "a".into(), utc: DateTime::UNIX_EPOCH }), ..d };
        assert_eq!(
            string_to_sign(&d, b"abc"),
            "a\nb/c\nba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\nnull"
        );
    }

    #[test]
    fn string_to_sign_uses_time_text_and_previous_signature() {
        let raw = digest_json("2026-01-01T01:00:00Z", Some("abcd"));
        let d = parse_digest(&raw).expect("parses");
        let s = string_to_sign(&d, &raw);
        let lines: Vec<&str> = s.split('\n').collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], "2026-01-01T01:00:00Z");
        assert_eq!(lines[1], "trail-bucket/AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2026/01/01/d.json.gz");
        assert_eq!(lines[2], hex::encode(Sha256::digest(&raw)));
        assert_eq!(lines[3], "abcd");
    }

    /// Signs the stored bytes once, then checks what each tampering does to verification.
    #[test]
    fn digest_signature_cases() {
        let key = PublicKey::from_der(&pkcs1_der()).expect("key");
        let raw = digest_json("2026-01-01T01:00:00Z", None);
        let digest = parse_digest(&raw).expect("parses");
        let sig = sign_hex(&string_to_sign(&digest, &raw));
        let stored = gzip(&raw, 6);

        let reindented = serde_json::to_vec_pretty(&serde_json::from_slice::<serde_json::Value>(&raw).expect("json"))
            .expect("pretty");
        let mut flipped = sig.clone().into_bytes();
        flipped[10] = if flipped[10] == b'0' { b'1' } else { b'0' };
        let flipped = String::from_utf8(flipped).expect("ascii");
        let other_sig = sign_hex("something else");

        // (case, gzip bytes as stored, signature metadata, expected to verify)
        let cases: Vec<(&str, Vec<u8>, String, bool)> = vec![
            ("as signed", stored.clone(), sig.clone(), true),
            ("recompressed", gzip(&raw, 9), sig.clone(), true),
            ("junk after gzip stream", [stored.clone(), b"junk".to_vec()].concat(), sig.clone(), true),
            ("upper-case hex signature", stored.clone(), sig.to_uppercase(), true),
            ("re-indented JSON", gzip(&reindented, 6), sig.clone(), false),
            ("signature hex changed", stored.clone(), flipped, false),
            ("signature not hex", stored.clone(), "zz".into(), false),
            ("empty signature", stored.clone(), String::new(), false),
            ("signature of other data", stored.clone(), other_sig, false),
            ("end time changed", gzip(&digest_json("2026-01-01T02:00:00Z", None), 6), sig.clone(), false),
        ];
        for (name, gz, signature, ok) in cases {
            let raw = decompress_digest(&gz).expect(name);
            let digest = parse_digest(&raw).expect(name);
            let result = verify_digest(&key.key, &digest, &raw, &signature);
            assert_eq!(result.is_ok(), ok, "{name}: {result:?}");
            if let Err(e) = result {
                assert_eq!(e.to_string(), "signature verification failed", "{name}");
            }
        }
    }

    #[test]
    fn chained_digest_signs_previous_signature() {
        let key = PublicKey::from_der(&spki_der()).expect("key");
        let raw = digest_json("2026-01-01T01:00:00Z", Some("0a0b"));
        let digest = parse_digest(&raw).expect("parses");
        let sig = sign_hex(&string_to_sign(&digest, &raw));
        assert!(verify_digest(&key.key, &digest, &raw, &sig).is_ok());
        let unchained = Digest { previous_digest_signature: None, ..digest };
        assert!(verify_digest(&key.key, &unchained, &raw, &sig).is_err());
    }

    #[test]
    fn both_der_forms_load_with_md5_fingerprints() {
        for (name, der) in [("pkcs1", pkcs1_der()), ("spki", spki_der())] {
            let key = PublicKey::from_der(&der).expect(name);
            assert_eq!(key.fingerprint, hex::encode(Md5::digest(&der)), "{name}");
            assert_eq!(key.fingerprint.len(), 32);
            assert_eq!(key.key, test_key().to_public_key(), "{name}");
        }
        assert_ne!(fingerprint(&pkcs1_der()), fingerprint(&spki_der()));
        assert_eq!(fingerprint(b""), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn garbage_key_fails_to_load_with_cli_message() {
        let err = PublicKey::from_der(b"garbage").expect_err("garbage");
        assert_eq!(err.to_string(), format!("Unable to load PKCS #1 key with fingerprint {}", fingerprint(b"garbage")));
    }

    #[test]
    fn public_key_list_json() {
        let b64 = base64::engine::general_purpose::STANDARD;
        let good = pkcs1_der();
        let json = serde_json::json!({"PublicKeyList": [
            {"Value": b64.encode(&good), "ValidityStartTime": "2026-01-01T00:00:00+00:00",
             "ValidityEndTime": "2026-02-01T00:00:00Z", "Fingerprint": fingerprint(&good)},
            {"Value": b64.encode(b"garbage"), "ValidityStartTime": 1767225600, "ValidityEndTime": null,
             "Fingerprint": "ffffffffffffffffffffffffffffffff"},
        ]});
        let keys = parse_public_key_list(&serde_json::to_vec(&json).expect("ser")).expect("parses");
        assert_eq!(keys.len(), 2);
        assert!(keys[0].fingerprint_matches());
        assert_eq!(keys[0].validity_start.expect("start").to_rfc3339(), "2026-01-01T00:00:00+00:00");
        assert_eq!(keys[0].load().expect("loads").key, test_key().to_public_key());
        assert!(!keys[1].fingerprint_matches());
        assert_eq!(keys[1].validity_start, keys[0].validity_start);
        assert_eq!(keys[1].validity_end, None);
        let err = keys[1].load().expect_err("garbage");
        assert_eq!(err.to_string(), "Unable to load PKCS #1 key with fingerprint ffffffffffffffffffffffffffffffff");

        for bad in [&br#"{}"#[..], br#"{"PublicKeyList":[{"Value":"!!","Fingerprint":"x"}]}"#, b"not json"] {
            assert!(matches!(parse_public_key_list(bad), Err(IntegrityError::PublicKeyList(_))));
        }
    }
}
