//! The chain walk (spec §4) and strict mode, as pure functions over what was fetched.
//!
//! The AWS CLI walks a trail's digests one GetObject at a time. Here the driver fetches every listed digest at
//! once, checks each with [`check_digest`], and then [`walk`] replays the CLI's traversal over those results: newest
//! listed digest first, then each digest's `previousDigestS3Object`, jumping to the next older listed key after a
//! missing or invalid digest or a restarted chain. When the walk reaches a digest or a listing the driver has not
//! fetched, it returns [`Need`]; the driver fetches it and walks again (walking is cheap, fetching is not). The
//! result is the CLI's sequence of verdicts, which [`strict_findings`] then extends with what the CLI misses.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::Serialize;

use super::digest::{decompress_digest, parse_digest, Digest};
use super::signature::{verify_digest, ListedPublicKey};

/// The metadata names CloudTrail stores with a digest.
pub const SIGNATURE_METADATA: &str = "signature";
pub const ALGORITHM_METADATA: &str = "signature-algorithm";
pub const BACKFILL_METADATA: &str = "backfill-generation-timestamp";

/// A digest that passed every check the CLI makes.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedDigest {
    pub digest: Digest,
    /// Lower-case hex SHA-256 of the decompressed bytes, what the next digest's `previousDigestHashValue` names.
    pub raw_sha256: String,
    /// The `signature` metadata, what the next digest's `previousDigestSignature` repeats.
    pub signature: String,
    pub signature_algorithm: String,
}

/// What one digest object turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetched {
    Valid(Box<CheckedDigest>),
    /// The text after `INVALID: ` in the CLI's line.
    Invalid(String),
    NotFound,
}

/// A digest opened but not yet verified: the checks that need no public key have passed.
#[derive(Debug, Clone)]
pub struct OpenedDigest {
    pub digest: Digest,
    pub raw: Vec<u8>,
    pub signature: String,
    pub signature_algorithm: String,
    /// The `backfill-generation-timestamp` metadata of a backfill digest.
    pub backfill_generated: Option<String>,
}

impl OpenedDigest {
    pub fn fingerprint(&self) -> Option<&str> {
        self.digest.digest_public_key_fingerprint.as_deref()
    }
}

/// Whether a key names a backfill digest (2026): `…_backfill.json.gz`.
pub fn is_backfill_key(key: &str) -> bool {
    key.ends_with("_backfill.json.gz")
}

/// The `YYYYMMDDTHHMMSSZ` end time in a digest key, where the CLI reads it (by position).
pub fn key_time(key: &str) -> Option<DateTime<Utc>> {
    let (from, to) = if is_backfill_key(key) { (33, 17) } else { (24, 8) };
    let text = key.get(key.len().checked_sub(from)?..key.len().checked_sub(to)?)?;
    NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%SZ").ok().map(|t| t.and_utc())
}

/// Why a digest is invalid before any key is needed; its text is the CLI's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unopened {
    /// Not gzip, not JSON, not a digest, or a backfill key without its metadata.
    #[error("invalid format")]
    Format,
    /// The signature or its algorithm is missing from the object's metadata.
    #[error("signature verification failed")]
    NoSignature,
    /// The digest names another bucket or key than the one it was read from.
    #[error("has been moved from its original location")]
    Moved,
}

/// Step 1 of the CLI's checks, those that need no key: gzip and JSON, signature metadata, required keys, location.
pub fn open_digest(
    bucket: &str,
    key: &str,
    body: &[u8],
    metadata: &HashMap<String, String>,
) -> Result<OpenedDigest, Unopened> {
    let raw = decompress_digest(body).map_err(|_| Unopened::Format)?;
    // The CLI parses JSON before it looks at the metadata, and only then checks the required keys.
    let value: serde_json::Value = serde_json::from_slice(&raw).map_err(|_| Unopened::Format)?;
    let (Some(signature), Some(algorithm)) = (metadata.get(SIGNATURE_METADATA), metadata.get(ALGORITHM_METADATA))
    else {
        return Err(Unopened::NoSignature);
    };
    let backfill_generated = metadata.get(BACKFILL_METADATA).cloned();
    if is_backfill_key(key) && backfill_generated.is_none() {
        return Err(Unopened::Format);
    }
    if !value.is_object() {
        return Err(Unopened::Format);
    }
    let digest = parse_digest(&raw).map_err(|_| Unopened::Format)?;
    if digest.digest_s3_bucket.as_deref() != Some(bucket) || digest.digest_s3_object.as_deref() != Some(key) {
        return Err(Unopened::Moved);
    }
    Ok(OpenedDigest {
        digest,
        raw,
        signature: signature.clone(),
        signature_algorithm: algorithm.clone(),
        backfill_generated,
    })
}

/// Step 2: the public key and the signature. `keys` maps fingerprints to listed keys; `home_region` is named in
/// the "public key not found" verdict, as the CLI does.
pub fn verify_opened(opened: OpenedDigest, keys: &BTreeMap<String, ListedPublicKey>, home_region: &str) -> Fetched {
    let fingerprint = opened.fingerprint().unwrap_or("None").to_string();
    let Some(listed) = keys.get(&fingerprint) else {
        return Fetched::Invalid(format!("public key not found in region {home_region} for fingerprint {fingerprint}"));
    };
    let Ok(key) = listed.load() else {
        return Fetched::Invalid(format!("Unable to load PKCS #1 key with fingerprint {fingerprint}"));
    };
    // Bad hex fails in the CLI before verification, with Python's own messages.
    if opened.signature.len() % 2 == 1 {
        return Fetched::Invalid("Odd-length string".into());
    }
    if !opened.signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Fetched::Invalid("Non-hexadecimal digit found".into());
    }
    if verify_digest(&key.key, &opened.digest, &opened.raw, &opened.signature).is_err() {
        return Fetched::Invalid("signature verification failed".into());
    }
    use sha2::{Digest as _, Sha256};
    Fetched::Valid(Box::new(CheckedDigest {
        raw_sha256: hex::encode(Sha256::digest(&opened.raw)),
        digest: opened.digest,
        signature: opened.signature,
        signature_algorithm: opened.signature_algorithm,
    }))
}

/// Both steps, for a digest whose keys are known up front.
pub fn check_digest(
    bucket: &str,
    key: &str,
    body: &[u8],
    metadata: &HashMap<String, String>,
    keys: &BTreeMap<String, ListedPublicKey>,
    home_region: &str,
) -> Fetched {
    match open_digest(bucket, key, body, metadata) {
        Ok(opened) => verify_opened(opened, keys, home_region),
        Err(verdict) => Fetched::Invalid(verdict.to_string()),
    }
}

/// What the walk found missing from the driver's caches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    Digest {
        bucket: String,
        key: String,
    },
    /// The digest keys of `bucket` (same prefix and folders), up to `end` (+1 h, as the CLI lists).
    Listing {
        bucket: String,
        end: DateTime<Utc>,
    },
}

/// What the driver has fetched so far.
#[derive(Debug, Default)]
pub struct Fetches {
    pub digests: HashMap<(String, String), Fetched>,
    /// Listed keys per bucket and listing end, in S3's (lexicographic) order, already filtered to the range.
    pub listings: HashMap<(String, DateTime<Utc>), Vec<String>>,
}

/// One line of the CLI's verdicts, in output order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    /// A digest the walk visited; `verdict` is `valid` or the text after `INVALID: `.
    Digest { bucket: String, key: String, valid: bool, verdict: String },
    /// A restarted chain: no logs delivered between `from` (an older digest's end) and `to` (a start).
    Gap { from: DateTime<Utc>, to: DateTime<Utc> },
}

/// The CLI's walk over one region's digests of one kind (standard or backfill). `listing_end` is the requested end;
/// the first listing must be in `fetches` under `(bucket, listing_end)`.
pub fn walk(
    bucket: &str,
    start: DateTime<Utc>,
    listing_end: DateTime<Utc>,
    fetches: &Fetches,
) -> Result<Vec<Step>, Need> {
    let mut steps = Vec::new();
    let mut bucket = bucket.to_string();
    let mut listed = listing(fetches, &bucket, listing_end)?.clone();
    let mut current = last_before(&mut listed, None);
    let mut last_start = current.as_ref().map(|(_, t)| *t);
    while let (Some((key, _)), Some(floor)) = (current.clone(), last_start) {
        if start > floor {
            break;
        }
        let fetched = fetches
            .digests
            .get(&(bucket.clone(), key.clone()))
            .ok_or_else(|| Need::Digest { bucket: bucket.clone(), key: key.clone() })?;
        match fetched {
            Fetched::Valid(checked) => {
                let d = &checked.digest;
                steps.push(Step::Digest {
                    bucket: bucket.clone(),
                    key: key.clone(),
                    valid: true,
                    verdict: "valid".into(),
                });
                last_start = d.digest_start_time.as_ref().map(|t| t.utc);
                match (&d.previous_digest_s3_bucket, &d.previous_digest_s3_object) {
                    (Some(previous_bucket), Some(previous_key)) => {
                        if *previous_bucket != bucket {
                            bucket = previous_bucket.clone();
                            let end = d.digest_end_time.as_ref().map_or(listing_end, |t| t.utc);
                            listed = listing(fetches, &bucket, end)?.clone();
                        }
                        current = Some((previous_key.clone(), key_time(previous_key).unwrap_or(floor)));
                    }
                    _ => {
                        current = last_before(&mut listed, Some(&key));
                        if let (Some((_, next_end)), Some(to)) = (&current, last_start) {
                            steps.push(Step::Gap { from: *next_end, to });
                        }
                    }
                }
            }
            Fetched::NotFound | Fetched::Invalid(_) => {
                let verdict = match fetched {
                    Fetched::Invalid(v) => v.clone(),
                    _ => "not found".into(),
                };
                steps.push(Step::Digest { bucket: bucket.clone(), key: key.clone(), valid: false, verdict });
                current = last_before(&mut listed, Some(&key));
            }
        }
    }
    Ok(steps)
}

fn listing<'a>(fetches: &'a Fetches, bucket: &str, end: DateTime<Utc>) -> Result<&'a Vec<String>, Need> {
    fetches.listings.get(&(bucket.to_string(), end)).ok_or_else(|| Need::Listing { bucket: bucket.to_string(), end })
}

/// Pops listed keys from the end until one is older than `before` (or takes the last one), as the CLI does.
fn last_before(listed: &mut Vec<String>, before: Option<&str>) -> Option<(String, DateTime<Utc>)> {
    let Some(before) = before else {
        let key = listed.pop()?;
        let time = key_time(&key)?;
        return Some((key, time));
    };
    let limit = key_time(before)?;
    while let Some(key) = listed.pop() {
        if let Some(time) = key_time(&key).filter(|t| *t < limit) {
            return Some((key, time));
        }
    }
    None
}

/// What strict mode adds to one walk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StrictFinding {
    pub bucket: String,
    /// The digest key, or for a missing digest the folder it should be in.
    pub key: String,
    /// True when the digest itself is not there (deleted newest, or one more of consecutive deletions).
    pub missing: bool,
    pub problem: String,
}

/// The inputs strict mode compares the chain with.
#[derive(Debug, Clone)]
pub struct StrictContext {
    pub account_id: String,
    /// The bucket the walk started in, to name where a missing digest belongs.
    pub bucket: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// `GetTrailStatus`'s `LatestDigestDeliveryTime`, when it could be read.
    pub latest_delivery: Option<DateTime<Utc>>,
    /// Why the latest delivery is unknown (the hourly cadence is used instead).
    pub latest_delivery_unknown: Option<String>,
    pub now: DateTime<Utc>,
    /// The folder digests are listed in (`…/CloudTrail-Digest/<region>/`), to name where a missing digest belongs.
    pub digest_folder: String,
}

const HOUR: i64 = 3600;

/// Checks the CLI leaves out (spec §4 "beyond"): links to the previous digest, deleted newest digests, every digest
/// of a run of consecutive deletions, the account id, algorithm names and contiguous windows. Returns findings per
/// step index (`usize::MAX` for findings before the first step) in output order.
pub fn strict_findings(steps: &[Step], fetches: &Fetches, ctx: &StrictContext) -> Vec<(usize, StrictFinding)> {
    let mut out = Vec::new();
    let valid = |bucket: &str, key: &str| match fetches.digests.get(&(bucket.to_string(), key.to_string())) {
        Some(Fetched::Valid(c)) => Some(c.as_ref()),
        _ => None,
    };
    let missing = |bucket: &str, from: DateTime<Utc>, hours: i64, why: &str| -> Vec<StrictFinding> {
        (0..hours)
            .map(|h| {
                let end = from - Duration::hours(h);
                StrictFinding {
                    bucket: bucket.to_string(),
                    key: format!("{}{}/", ctx.digest_folder, end.format("%Y/%m/%d")),
                    missing: true,
                    problem: format!(
                        "not found: no digest for the hour ending about {} ({why})",
                        end.format("%Y-%m-%dT%H:%MZ")
                    ),
                }
            })
            .collect()
    };

    // Deleted newest digests: the newest one listed should end within the hour before the latest delivery.
    let newest_end = steps.iter().find_map(|s| match s {
        Step::Digest { key, .. } => key_time(key),
        Step::Gap { .. } => None,
    });
    let (reference, why) = match ctx.latest_delivery {
        Some(t) => (
            t.min(ctx.end + Duration::hours(1)),
            format!("CloudTrail last delivered a digest at {}", t.format("%Y-%m-%dT%H:%M:%SZ")),
        ),
        // Without it, a digest is expected every hour up to the end of the range (give a late one 15 minutes).
        None => (
            (ctx.now - Duration::minutes(15)).min(ctx.end),
            format!(
                "expected by the hourly cadence; the latest delivery time is unknown: {}",
                ctx.latest_delivery_unknown.as_deref().unwrap_or("not read")
            ),
        ),
    };
    let since = newest_end.unwrap_or(ctx.start);
    let hours_missing = (reference - since).num_seconds().div_euclid(HOUR);
    if reference > ctx.start && hours_missing > 0 {
        let bucket = &ctx.bucket;
        let newest = since + Duration::hours(hours_missing);
        let label = if newest_end.is_some() { "newest digest deleted; " } else { "no digest in range; " };
        for f in missing(bucket, newest, hours_missing, &format!("{label}{why}")) {
            out.push((usize::MAX, f));
        }
    }

    for (i, step) in steps.iter().enumerate() {
        let Step::Digest { bucket, key, valid: is_valid, .. } = step else { continue };
        if !is_valid {
            // A missing digest the CLI reported once: count the hours back to the next digest the walk reached.
            if !matches!(fetches.digests.get(&(bucket.clone(), key.clone())), Some(Fetched::NotFound)) {
                continue;
            }
            let newer_start = steps[..i].iter().rev().find_map(|s| match s {
                Step::Digest { bucket, key, .. } => {
                    valid(bucket, key).and_then(|c| c.digest.digest_start_time.as_ref()).map(|t| t.utc)
                }
                Step::Gap { .. } => None,
            });
            let older_end = steps[i + 1..].iter().find_map(|s| match s {
                Step::Digest { key, .. } => key_time(key),
                Step::Gap { .. } => None,
            });
            let Some(newer_start) = newer_start else { continue };
            let floor = older_end.unwrap_or(ctx.start);
            let hours = ((newer_start - floor).num_seconds() + HOUR / 2).div_euclid(HOUR);
            if hours > 1 {
                let why = format!(
                    "consecutive deletion, {hours} digests missing before {}",
                    newer_start.format("%Y-%m-%dT%H:%MZ")
                );
                for f in missing(bucket, newer_start - Duration::hours(1), hours - 1, &why) {
                    out.push((i, f));
                }
            }
            continue;
        }
        let Some(checked) = valid(bucket, key) else { continue };
        let d = &checked.digest;
        let mut problems = Vec::new();
        if d.aws_account_id.as_deref() != Some(ctx.account_id.as_str()) {
            problems.push(format!(
                "awsAccountId {} is not the account validated ({})",
                d.aws_account_id.as_deref().unwrap_or("null"),
                ctx.account_id
            ));
        }
        if d.digest_signature_algorithm.as_deref() != Some("SHA256withRSA") {
            problems.push(format!(
                "digestSignatureAlgorithm is {}, not SHA256withRSA",
                d.digest_signature_algorithm.as_deref().unwrap_or("null")
            ));
        }
        if checked.signature_algorithm != "SHA256withRSA" {
            problems
                .push(format!("signature-algorithm metadata is {}, not SHA256withRSA", checked.signature_algorithm));
        }
        if let Some(bad) = d.log_files.iter().find(|l| l.hash_algorithm.as_deref() != Some("SHA-256")) {
            problems.push(format!(
                "log file {} has hashAlgorithm {}",
                bad.s3_object,
                bad.hash_algorithm.as_deref().unwrap_or("null")
            ));
        }
        if let (Some(pb), Some(pk)) = (&d.previous_digest_s3_bucket, &d.previous_digest_s3_object) {
            if d.previous_digest_hash_algorithm.as_deref() != Some("SHA-256") {
                problems.push(format!(
                    "previousDigestHashAlgorithm is {}, not SHA-256",
                    d.previous_digest_hash_algorithm.as_deref().unwrap_or("null")
                ));
            }
            if let Some(previous) = valid(pb, pk) {
                if !d
                    .previous_digest_hash_value
                    .as_deref()
                    .is_some_and(|h| h.eq_ignore_ascii_case(&previous.raw_sha256))
                {
                    problems.push("previousDigestHashValue does not match the previous digest's SHA-256".into());
                }
                if !d.previous_digest_signature.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(&previous.signature))
                {
                    problems.push("previousDigestSignature does not match the previous digest's signature".into());
                }
                let (start, previous_end) = (d.digest_start_time.as_ref(), previous.digest.digest_end_time.as_ref());
                if let (Some(start), Some(previous_end)) = (start, previous_end) {
                    if start.utc != previous_end.utc {
                        problems.push(format!(
                            "window not contiguous: starts {} but the previous digest ends {}",
                            start.text, previous_end.text
                        ));
                    }
                }
            }
        }
        if !problems.is_empty() {
            out.push((
                i,
                StrictFinding {
                    bucket: bucket.clone(),
                    key: key.clone(),
                    missing: false,
                    problem: problems.join("; "),
                },
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::integrity::fingerprint;
    use crate::integrity::fixtures::{public_key_der, Fixture, FixtureSpec};

    fn end() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).single().expect("time")
    }

    fn keys() -> BTreeMap<String, ListedPublicKey> {
        let der = public_key_der();
        let fp = fingerprint(&der);
        BTreeMap::from([(
            fp.clone(),
            ListedPublicKey { fingerprint: fp, der, validity_start: None, validity_end: None },
        )])
    }

    /// What the driver would have fetched: every object of the fixtures, checked, and each bucket's listing.
    fn fetched(fixtures: &[&Fixture]) -> Fetches {
        let mut f = Fetches::default();
        for fx in fixtures {
            let bucket = fx.spec.bucket.clone();
            let mut listed = Vec::new();
            for d in fx.digests.iter().flatten() {
                let meta = d.object.metadata.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                let verdict = check_digest(&bucket, &d.object.key, &d.object.body, &meta, &keys(), "us-east-1");
                f.digests.insert((bucket.clone(), d.object.key.clone()), verdict);
                listed.push(d.object.key.clone());
            }
            listed.sort();
            f.listings.insert((bucket, end()), listed);
        }
        f
    }

    fn verdicts(steps: &[Step]) -> Vec<String> {
        steps
            .iter()
            .map(|s| match s {
                Step::Digest { key, verdict, .. } => format!("{}: {verdict}", &key[key.len() - 24..key.len() - 8]),
                Step::Gap { from, to } => format!("gap {from} {to}"),
            })
            .collect()
    }

    #[test]
    fn key_times_by_position() {
        let k = "x/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20261125T010203Z.json.gz";
        assert_eq!(key_time(k), Utc.with_ymd_and_hms(2026, 11, 25, 1, 2, 3).single());
        assert_eq!(key_time(&k.replace(".json.gz", "_backfill.json.gz")), key_time(k));
        assert_eq!(key_time("short"), None);
        assert_eq!(key_time("x/abc_20261325T010203Z.json.gz"), None);
    }

    /// A chain that continues in another bucket (the trail's bucket changed): the walk asks for that bucket's listing
    /// once it follows a `previousDigestS3Bucket` there, and goes on.
    #[test]
    fn a_bucket_change_asks_for_the_other_listing() {
        let mut old = Fixture::build(FixtureSpec { hours: 4, ..FixtureSpec::small("old-bucket", end()) });
        let new_end = end() + Duration::hours(3);
        let mut new = Fixture::build(FixtureSpec { hours: 3, ..FixtureSpec::small("new-bucket", new_end) });
        // Link the new bucket's oldest digest to the old bucket's newest one, and re-sign.
        let last_old = old.digests[3].clone().expect("digest");
        let first = new.digests[0].as_mut().expect("digest");
        first.json["previousDigestS3Bucket"] = "old-bucket".into();
        first.json["previousDigestS3Object"] = last_old.object.key.clone().into();
        new.rechain_from(0, false);
        old.digests.truncate(4);
        let mut fetches = fetched(&[&new]);
        let start = end() - Duration::hours(4);
        fetches
            .listings
            .insert(("new-bucket".into(), new_end), fetches.listings[&("new-bucket".to_string(), end())].clone());
        // As the CLI does, the walk re-lists as soon as it switches buckets (up to the linking digest's end)...
        let need = walk("new-bucket", start, new_end, &fetches).expect_err("the old listing is unknown");
        let Need::Listing { bucket, end: listing_end } = need else { panic!("{need:?}") };
        assert_eq!((bucket.as_str(), listing_end), ("old-bucket", end() + Duration::hours(1)));
        let both = fetched(&[&new, &old]);
        fetches.listings.insert((bucket, listing_end), both.listings[&("old-bucket".to_string(), end())].clone());
        // ... then fetches the digest the link names.
        let need = walk("new-bucket", start, new_end, &fetches).expect_err("the old bucket's digests are unknown");
        assert_eq!(need, Need::Digest { bucket: "old-bucket".into(), key: last_old.object.key.clone() });
        fetches.digests.extend(both.digests);
        let steps = walk("new-bucket", start, new_end, &fetches).expect("walks");
        let v = verdicts(&steps);
        assert_eq!(v.len(), 7, "{v:#?}");
        assert!(v.iter().all(|l| l.ends_with(": valid")), "{v:#?}");
        assert!(matches!(&steps[3], Step::Digest { bucket, .. } if bucket == "old-bucket"));
    }

    /// With GetTrailStatus' latest delivery time, strict mode counts the hours of deleted newest digests from it.
    #[test]
    fn strict_newest_digests_against_the_latest_delivery() {
        let mut fx = Fixture::build(FixtureSpec::small("b", end()));
        fx.digests[4] = None;
        fx.digests[3] = None;
        let fetches = fetched(&[&fx]);
        let start = end() - Duration::hours(5);
        let steps = walk("b", start, end(), &fetches).expect("walks");
        assert_eq!(verdicts(&steps).len(), 3);
        let ctx = |latest: Option<DateTime<Utc>>| StrictContext {
            account_id: fx.spec.account.clone(),
            bucket: "b".into(),
            start,
            end: end(),
            latest_delivery: latest,
            latest_delivery_unknown: None,
            now: end() + Duration::days(1),
            digest_folder: "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/".into(),
        };
        // Delivered 4 minutes after the last hour: two hours (23:00 and 00:00) are missing.
        let found = strict_findings(&steps, &fetches, &ctx(Some(end() + Duration::minutes(4))));
        let problems: Vec<&str> = found.iter().map(|(_, f)| f.problem.as_str()).collect();
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(
            problems[0].contains("ending about 2026-11-25T00:00Z (newest digest deleted; CloudTrail last delivered")
        );
        assert!(problems[1].contains("ending about 2026-11-24T23:00Z"));
        let folders = ["2026/11/25/", "2026/11/24/"];
        for ((i, f), folder) in found.iter().zip(folders) {
            assert!(*i == usize::MAX && f.missing && f.key.ends_with(folder), "{f:?}");
        }
        // Delivery stopped at 22:03 (logging off): nothing is missing.
        let stopped = Utc.with_ymd_and_hms(2026, 11, 24, 22, 3, 0).single();
        assert!(strict_findings(&steps, &fetches, &ctx(stopped)).is_empty());
    }
}
