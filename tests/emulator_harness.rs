//! Proves the emulator harness of `scripts/test.sh`: moto is reachable at 127.0.0.1 and answers its own API.
//! Run with `scripts/test.sh`; without it these tests fail (they never skip).

mod common;

use common::{host_port, moto_endpoint, moto_get, moto_reset};

#[test]
fn the_endpoint_is_the_loopback_ip() {
    let endpoint = moto_endpoint();
    let (host, port) = host_port(&endpoint);
    assert_eq!(host, "127.0.0.1", "{endpoint} must name 127.0.0.1, never localhost or another address");
    assert_ne!(port, 0, "{endpoint} has no real port");
}

#[test]
fn moto_resets_and_serves_its_data_as_a_json_object() {
    let endpoint = moto_endpoint();
    moto_reset(&endpoint);
    let (status, body) = moto_get(&endpoint, "/moto-api/data.json");
    assert_eq!(status, 200, "GET {endpoint}/moto-api/data.json answered {status}: {body}");
    let data: serde_json::Value =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("data.json is not JSON ({e}): {body}"));
    assert!(data.is_object(), "data.json is not a JSON object: {body}");
}
