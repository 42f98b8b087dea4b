//! Fuzzes the CloudTrail digest reader: a digest comes from an S3 bucket that an attacker who tampered with the logs
//! may also control, so no byte string may make decompression, parsing, the string to sign or the key-list parser
//! panic, allocate without bound or hang. The input is tried both as the decompressed JSON and as gzip.

#![no_main]

use dopaudit::integrity::{decompress_digest, parse_digest, parse_public_key_list, string_to_sign};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    read(data);
    if let Ok(raw) = decompress_digest(data) {
        assert!(!raw.is_empty(), "an empty digest is rejected, not returned");
        read(&raw);
    }
    let _ = parse_public_key_list(data);
});

fn read(raw: &[u8]) {
    let Ok(digest) = parse_digest(raw) else { return };
    let _ = digest.starts_chain();
    let signed = string_to_sign(&digest, raw);
    // End time, bucket/object, the SHA-256 of the raw bytes and the previous signature, joined by newlines (a
    // field may hold newlines of its own, so look for the hash line rather than count lines).
    assert!(signed.split('\n').count() >= 4, "{signed:?}");
    assert!(
        signed.split('\n').any(|line| line.len() == 64 && line.bytes().all(|b| b.is_ascii_hexdigit())),
        "the string to sign carries the SHA-256 of the raw bytes: {signed:?}"
    );
}
