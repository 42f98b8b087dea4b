//! Signed synthetic CloudTrail buckets (spec §8) for the tests, the examples and the benchmark: a chain of hourly
//! digests signed with a fixed RSA-2048 test key, gzip log files, the `list-public-keys` JSON that vouches for the
//! key, and the tampering cases of the spec's matrix. Everything is deterministic and in memory; uploading is the
//! caller's business (the tool itself never writes to S3).

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::OnceLock;

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use flate2::write::GzEncoder;
use flate2::Compression;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::PrivateKey as RsaPrivateKey;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use super::digest::parse_digest;
use super::signature::{fingerprint, string_to_sign};

/// The fixed test key (generated once with `openssl genrsa 2048`); it signs fixtures and nothing else.
pub fn fixture_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        RsaPrivateKey::from_pkcs1_der(include_bytes!("testdata/test-key-pkcs1.der")).expect("embedded test key loads")
    })
}

/// The test key's public half as DER PKCS#1 `RSAPublicKey`, the form CloudTrail publishes.
pub fn public_key_der() -> Vec<u8> {
    fixture_key().to_public_key().to_pkcs1_der().expect("PKCS#1 encoding").as_bytes().to_vec()
}

/// Lower-case hex RSASSA-PKCS1-v1_5/SHA-256 signature of `message` with the test key.
pub fn sign_hex(message: &[u8]) -> String {
    hex::encode(SigningKey::<Sha256>::new(fixture_key().clone()).sign(message).to_bytes())
}

/// Gzip (one member) at the given level.
pub fn gzip(data: &[u8], level: u32) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::new(level));
    enc.write_all(data).expect("write to Vec");
    enc.finish().expect("finish to Vec")
}

/// The `aws cloudtrail list-public-keys` output for one key (base64 `Value`), valid over the window.
pub fn public_keys_json(der: &[u8], fingerprint: &str, valid_from: DateTime<Utc>, valid_to: DateTime<Utc>) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    let list = json!({"PublicKeyList": [{
        "Value": b64.encode(der),
        "ValidityStartTime": valid_from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "ValidityEndTime": valid_to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "Fingerprint": fingerprint,
    }]});
    serde_json::to_string_pretty(&list).expect("serialise")
}

/// What a synthetic trail bucket holds.
#[derive(Debug, Clone)]
pub struct FixtureSpec {
    pub account: String,
    /// The region that delivers these digests (the source region).
    pub region: String,
    /// Where the trail was created, when not `region` (a multi-region trail's other regions).
    pub home_region: Option<String>,
    pub trail: String,
    pub bucket: String,
    pub prefix: Option<String>,
    pub org_id: Option<String>,
    /// End time of the newest digest; digest `i` of `hours` ends `hours - 1 - i` hours earlier.
    pub end: DateTime<Utc>,
    pub hours: usize,
    pub logs_per_hour: usize,
    /// Approximate uncompressed size of each log.
    pub log_bytes: usize,
}

impl FixtureSpec {
    /// A small bucket: 5 digests × 2 logs, as in the spec's tamper table.
    pub fn small(bucket: &str, end: DateTime<Utc>) -> Self {
        FixtureSpec {
            account: "111122223333".into(),
            region: "us-east-1".into(),
            home_region: None,
            trail: "audit".into(),
            bucket: bucket.into(),
            prefix: None,
            org_id: None,
            end,
            hours: 5,
            logs_per_hour: 2,
            log_bytes: 2048,
        }
    }

    pub fn trail_arn(&self) -> String {
        format!("arn:aws:cloudtrail:{}:{}:trail/{}", self.home(), self.account, self.trail)
    }

    fn home(&self) -> &str {
        self.home_region.as_deref().unwrap_or(&self.region)
    }

    /// `[prefix/]AWSLogs/[org/]account/` — where this account's folders start.
    pub fn account_root(&self) -> String {
        let prefix = self.prefix.as_ref().map(|p| format!("{p}/")).unwrap_or_default();
        let org = self.org_id.as_ref().map(|o| format!("{o}/")).unwrap_or_default();
        format!("{prefix}AWSLogs/{org}{}/", self.account)
    }

    /// The key CloudTrail gives the digest ending at `end`.
    pub fn digest_key(&self, end: DateTime<Utc>) -> String {
        let (a, r, h) = (&self.account, &self.region, self.home());
        format!(
            "{}CloudTrail-Digest/{r}/{}/{a}_CloudTrail-Digest_{r}_{}_{h}_{}.json.gz",
            self.account_root(),
            end.format("%Y/%m/%d"),
            self.trail,
            end.format("%Y%m%dT%H%M%SZ")
        )
    }

    fn log_key(&self, at: DateTime<Utc>, n: usize) -> String {
        let (a, r) = (&self.account, &self.region);
        // 16 characters that look like CloudTrail's random suffix, derived from the position.
        let suffix: String = hex::encode(Sha256::digest(format!("{at}{n}").as_bytes()))[..16].to_string();
        format!(
            "{}CloudTrail/{r}/{}/{a}_CloudTrail_{r}_{}_{suffix}.json.gz",
            self.account_root(),
            at.format("%Y/%m/%d"),
            at.format("%Y%m%dT%H%MZ")
        )
    }
}

/// One object as stored: key, bytes and user metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub key: String,
    pub body: Vec<u8>,
    pub metadata: BTreeMap<String, String>,
}

/// One digest of the chain: its JSON (before serialisation) and the object made from it.
#[derive(Debug, Clone)]
pub struct FixtureDigest {
    pub json: Value,
    /// The decompressed bytes as stored (what was hashed and signed).
    pub raw: Vec<u8>,
    pub object: StoredObject,
}

/// A signed bucket: digests oldest first, logs in digest order. `None` marks a deleted object.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub spec: FixtureSpec,
    pub digests: Vec<Option<FixtureDigest>>,
    pub logs: Vec<Option<StoredObject>>,
    /// The `list-public-keys` JSON for the range.
    pub public_keys: String,
}

/// Deterministic pseudo-random numbers (xorshift) so logs compress like real ones without a dependency.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const EVENTS: [(&str, &str); 6] = [
    ("s3.amazonaws.com", "GetObject"),
    ("ec2.amazonaws.com", "DescribeInstances"),
    ("iam.amazonaws.com", "ListRoles"),
    ("sts.amazonaws.com", "AssumeRole"),
    ("kms.amazonaws.com", "Decrypt"),
    ("cloudformation.amazonaws.com", "DescribeStacks"),
];

fn log_body(spec: &FixtureSpec, at: DateTime<Utc>, seed: u64) -> Vec<u8> {
    let mut noise = Noise(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut out = String::from("{\"Records\":[");
    let mut first = true;
    while out.len() < spec.log_bytes.max(1) {
        let n = noise.next();
        let (source, name) = EVENTS[(n % EVENTS.len() as u64) as usize];
        let when = at + Duration::seconds((n >> 8) as i64 % 300);
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(&format!(
            concat!(
                "{{\"eventVersion\":\"1.09\",\"userIdentity\":{{\"type\":\"AssumedRole\",\"principalId\":\"AROA{:016X}:s{}\",",
                "\"accountId\":\"{}\"}},\"eventTime\":\"{}\",\"eventSource\":\"{}\",\"eventName\":\"{}\",",
                "\"awsRegion\":\"{}\",\"sourceIPAddress\":\"10.{}.{}.{}\",\"userAgent\":\"aws-sdk-rust/1.{}\",",
                "\"requestID\":\"{:032x}\",\"eventID\":\"{:032x}\",\"readOnly\":true,\"eventType\":\"AwsApiCall\",",
                "\"recipientAccountId\":\"{}\"}}"
            ),
            n >> 4,
            n % 97,
            spec.account,
            when.format("%Y-%m-%dT%H:%M:%SZ"),
            source,
            name,
            spec.region,
            (n >> 16) % 256,
            (n >> 24) % 256,
            (n >> 32) % 256,
            n % 40,
            noise.next() as u128 * 3,
            noise.next() as u128 * 5,
            spec.account,
        ));
    }
    out.push_str("]}");
    out.into_bytes()
}

fn text(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Fixture {
    /// Builds and signs the whole chain.
    pub fn build(spec: FixtureSpec) -> Fixture {
        let der = public_key_der();
        let fp = fingerprint(&der);
        let first_start = spec.end - Duration::hours(spec.hours as i64);
        let public_keys = public_keys_json(&der, &fp, first_start - Duration::days(30), spec.end + Duration::days(30));
        let mut digests = Vec::with_capacity(spec.hours);
        let mut logs = Vec::new();
        for i in 0..spec.hours {
            let start = first_start + Duration::hours(i as i64);
            let end = start + Duration::hours(1);
            let mut entries = Vec::new();
            for n in 0..spec.logs_per_hour {
                let at = start + Duration::minutes(5 + (n as i64 * 50) / spec.logs_per_hour.max(1) as i64);
                let body = log_body(&spec, at, (i * 1000 + n) as u64 + 1);
                let key = spec.log_key(at, n);
                entries.push(json!({
                    "s3Bucket": spec.bucket,
                    "s3Object": key,
                    "hashValue": hex::encode(Sha256::digest(&body)),
                    "hashAlgorithm": "SHA-256",
                    "newestEventTime": text(at + Duration::seconds(299)),
                    "oldestEventTime": text(at),
                }));
                logs.push(Some(StoredObject { key, body: gzip(&body, 6), metadata: BTreeMap::new() }));
            }
            let events = !entries.is_empty();
            let json = json!({
                "awsAccountId": spec.account,
                "digestStartTime": text(start),
                "digestEndTime": text(end),
                "digestS3Bucket": spec.bucket,
                "digestS3Object": spec.digest_key(end),
                "digestPublicKeyFingerprint": fp,
                "digestSignatureAlgorithm": "SHA256withRSA",
                "newestEventTime": if events { Value::String(text(end - Duration::minutes(1))) } else { Value::Null },
                "oldestEventTime": if events { Value::String(text(start + Duration::minutes(5))) } else { Value::Null },
                "previousDigestS3Bucket": null,
                "previousDigestS3Object": null,
                "previousDigestHashValue": null,
                "previousDigestHashAlgorithm": null,
                "previousDigestSignature": null,
                "logFiles": entries,
            });
            digests.push(Some(FixtureDigest {
                json,
                raw: Vec::new(),
                object: StoredObject { key: spec.digest_key(end), body: Vec::new(), metadata: BTreeMap::new() },
            }));
        }
        let mut fixture = Fixture { spec, digests, logs, public_keys };
        fixture.rechain_from(0, true);
        fixture
    }

    pub fn trail_arn(&self) -> String {
        self.spec.trail_arn()
    }

    /// Start of the oldest digest's window and end of the newest's.
    pub fn range(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (self.spec.end - Duration::hours(self.spec.hours as i64), self.spec.end)
    }

    /// Every object still present: digests then logs.
    pub fn objects(&self) -> impl Iterator<Item = &StoredObject> {
        self.digests.iter().flatten().map(|d| &d.object).chain(self.logs.iter().flatten())
    }

    /// Re-serialises and re-signs digests from `from` on. Digest `from` keeps its `previous*` fields as they are
    /// (so a tampered link survives), unless `link_first`; each later digest is linked to its predecessor.
    pub fn rechain_from(&mut self, from: usize, link_first: bool) {
        for i in from..self.digests.len() {
            let previous = if i == 0 { None } else { self.digests[i - 1].clone() };
            let Some(d) = self.digests[i].as_mut() else { continue };
            if i > from || link_first {
                if let Some(p) = previous {
                    let object = d.json.as_object_mut().expect("digest JSON is an object");
                    object.insert("previousDigestS3Bucket".into(), json!(self.spec.bucket));
                    object.insert("previousDigestS3Object".into(), json!(p.object.key));
                    object.insert("previousDigestHashValue".into(), json!(hex::encode(Sha256::digest(&p.raw))));
                    object.insert("previousDigestHashAlgorithm".into(), json!("SHA-256"));
                    object.insert("previousDigestSignature".into(), json!(p.object.metadata["signature"]));
                }
            }
            Self::seal(d);
        }
    }

    /// Serialises a digest's JSON, signs it and stores it gzip-compressed with its signature metadata.
    fn seal(d: &mut FixtureDigest) {
        d.raw = serde_json::to_vec(&d.json).expect("serialise digest");
        let parsed = parse_digest(&d.raw).expect("fixture digest parses");
        let signature = sign_hex(string_to_sign(&parsed, &d.raw).as_bytes());
        d.object.body = gzip(&d.raw, 6);
        d.object.metadata = BTreeMap::from([
            ("signature".to_string(), signature),
            ("signature-algorithm".to_string(), "SHA256withRSA".to_string()),
        ]);
    }

    /// Indices into `logs` of digest `i`'s log files.
    pub fn logs_of(&self, i: usize) -> std::ops::Range<usize> {
        let n = self.spec.logs_per_hour;
        i * n..(i + 1) * n
    }

    /// Applies one case of the tamper matrix (see [`TAMPER_CASES`]). Panics on an unknown name.
    pub fn tamper(&mut self, case: &str) {
        let mid = self.digests.len() / 2;
        let first_log = self.logs_of(mid).start;
        match case {
            "none" => {}
            "modified-log" => {
                let log = self.logs[first_log].as_mut().expect("log");
                let mut raw = super::digest::decompress_digest(&log.body).expect("fixture log");
                raw[20] ^= 0x01;
                log.body = gzip(&raw, 6);
            }
            "deleted-log" => self.logs[first_log] = None,
            "appended-gzip-member" => {
                let log = self.logs[first_log].as_mut().expect("log");
                log.body.extend(gzip(b"{\"Records\":[]}", 6));
            }
            "uncompressed-log" => {
                let log = self.logs[first_log].as_mut().expect("log");
                log.body = super::digest::decompress_digest(&log.body).expect("fixture log");
            }
            "recompressed-log" => {
                let log = self.logs[first_log].as_mut().expect("log");
                log.body = gzip(&super::digest::decompress_digest(&log.body).expect("fixture log"), 9);
            }
            "digest-modified" => {
                let d = digest(self, mid);
                let raw = String::from_utf8(d.raw.clone()).expect("utf-8").replacen("\"logFiles\"", "\"logFiles\" ", 1);
                d.object.body = gzip(raw.as_bytes(), 6);
            }
            "digest-reindented" => {
                let d = digest(self, mid);
                d.object.body = gzip(&serde_json::to_vec_pretty(&d.json).expect("serialise"), 6);
            }
            "digest-recompressed" => {
                let d = digest(self, mid);
                d.object.body = gzip(&d.raw, 9);
            }
            "digest-trailing-junk" => digest(self, mid).object.body.extend_from_slice(b"junk after the stream"),
            "middle-digest-deleted" => self.digests[mid] = None,
            "two-digests-deleted" => {
                self.digests[mid] = None;
                self.digests[mid - 1] = None;
            }
            "newest-digest-deleted" => {
                let last = self.digests.len() - 1;
                self.digests[last] = None;
            }
            "signature-changed" => {
                let sig = digest(self, mid).object.metadata.get_mut("signature").expect("signature");
                let flipped = if sig.ends_with('0') { '1' } else { '0' };
                sig.pop();
                sig.push(flipped);
            }
            "signature-removed" => {
                digest(self, mid).object.metadata.remove("signature");
            }
            "signature-of-other-digest" => {
                let other = digest(self, mid - 1).object.metadata["signature"].clone();
                digest(self, mid).object.metadata.insert("signature".into(), other);
            }
            "fingerprint-changed" => {
                digest(self, mid).json["digestPublicKeyFingerprint"] = json!("0123456789abcdef0123456789abcdef");
                self.rechain_from(mid, false);
            }
            "key-garbage" => {
                let (from, to) = self.range();
                self.public_keys = public_keys_json(
                    b"garbage",
                    &fingerprint(&public_key_der()),
                    from - Duration::days(30),
                    to + Duration::days(30),
                );
            }
            "no-public-keys" => self.public_keys = "{\"PublicKeyList\": []}".into(),
            "digests-swapped" => {
                let (a, b) = (digest(self, mid - 1).object.clone(), digest(self, mid).object.clone());
                digest(self, mid - 1).object = StoredObject { key: a.key, ..b };
                digest(self, mid).object = StoredObject { key: b.key, ..a };
            }
            "chain-restarted" => {
                let object = digest(self, mid).json.as_object_mut().expect("object");
                for field in PREVIOUS_FIELDS {
                    object.insert(field.into(), Value::Null);
                }
                self.rechain_from(mid, false);
            }
            "previous-hash-wrong" => {
                digest(self, mid).json["previousDigestHashValue"] = json!(hex::encode(Sha256::digest(b"not it")));
                self.rechain_from(mid, false);
            }
            "previous-signature-wrong" => {
                digest(self, mid).json["previousDigestSignature"] = json!(sign_hex(b"not the previous digest"));
                self.rechain_from(mid, false);
            }
            "account-id-wrong" => {
                digest(self, mid).json["awsAccountId"] = json!("999999999999");
                self.rechain_from(mid, false);
            }
            "window-not-contiguous" => {
                let d = digest(self, mid);
                let start = d.json["digestStartTime"].as_str().expect("start").to_string();
                let later =
                    DateTime::parse_from_rfc3339(&start).expect("time").with_timezone(&Utc) + Duration::minutes(20);
                d.json["digestStartTime"] = json!(text(later));
                self.rechain_from(mid, false);
            }
            other => panic!("unknown tamper case '{other}'; known: {}", TAMPER_CASES.join(", ")),
        }
    }
}

const PREVIOUS_FIELDS: [&str; 5] = [
    "previousDigestS3Bucket",
    "previousDigestS3Object",
    "previousDigestHashValue",
    "previousDigestHashAlgorithm",
    "previousDigestSignature",
];

fn digest(f: &mut Fixture, i: usize) -> &mut FixtureDigest {
    f.digests[i].as_mut().expect("digest present")
}

/// The spec's tamper matrix (§8) plus the strict-mode cases, by name.
pub const TAMPER_CASES: [&str; 25] = [
    "none",
    "modified-log",
    "deleted-log",
    "appended-gzip-member",
    "uncompressed-log",
    "recompressed-log",
    "digest-modified",
    "digest-reindented",
    "digest-recompressed",
    "digest-trailing-junk",
    "middle-digest-deleted",
    "two-digests-deleted",
    "newest-digest-deleted",
    "signature-changed",
    "signature-removed",
    "signature-of-other-digest",
    "fingerprint-changed",
    "key-garbage",
    "no-public-keys",
    "digests-swapped",
    "chain-restarted",
    "previous-hash-wrong",
    "previous-signature-wrong",
    "account-id-wrong",
    "window-not-contiguous",
];
