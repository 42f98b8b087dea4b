//! Helpers shared by the tests that talk to the moto emulator which `scripts/test.sh` starts.
//!
//! An emulator test must fail, not skip, when moto is missing: [`moto_endpoint`] panics when
//! `DOPAUDIT_MOTO_ENDPOINT` is not set. HTTP is spoken by hand over `std::net::TcpStream`, so these helpers need no
//! crate beyond std.
#![allow(dead_code)] // each test file uses only some of these

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The variable `scripts/test.sh` sets to moto's address, e.g. `http://127.0.0.1:40123`.
pub const ENDPOINT_VAR: &str = "DOPAUDIT_MOTO_ENDPOINT";

const TIMEOUT: Duration = Duration::from_secs(30);

/// moto's endpoint (`http://127.0.0.1:PORT`, no trailing slash). Panics when the emulator is not configured, or is
/// configured at anything but 127.0.0.1, so an emulator test can never pass by skipping nor reach a real endpoint.
#[track_caller]
pub fn moto_endpoint() -> String {
    let endpoint = match std::env::var(ENDPOINT_VAR) {
        Ok(value) if !value.trim().is_empty() => value.trim().trim_end_matches('/').to_owned(),
        _ => panic!(
            "{ENDPOINT_VAR} is not set: this test needs the moto AWS emulator. Run the tests with `scripts/test.sh` \
             (it installs and starts moto, then runs cargo test), e.g. `scripts/test.sh --test <name>`."
        ),
    };
    let (host, _) = host_port(&endpoint);
    assert_eq!(host, "127.0.0.1", "{ENDPOINT_VAR}={endpoint}: the emulator must be addressed as 127.0.0.1");
    endpoint
}

/// Splits `http://HOST:PORT` into its host and port; panics on anything else (https, a path, no port).
pub fn host_port(endpoint: &str) -> (String, u16) {
    let rest = endpoint
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("emulator endpoint {endpoint:?} must start with http://"));
    let (host, port) =
        rest.rsplit_once(':').unwrap_or_else(|| panic!("emulator endpoint {endpoint:?} must be http://HOST:PORT"));
    let port = port.parse().unwrap_or_else(|_| panic!("emulator endpoint {endpoint:?} must be http://HOST:PORT"));
    (host.to_owned(), port)
}

/// Deletes every resource in moto (`POST /moto-api/reset`), asserting it answers 200.
#[track_caller]
pub fn moto_reset(endpoint: &str) {
    let (status, body) = moto_request(endpoint, "POST", "/moto-api/reset");
    assert_eq!(status, 200, "POST {endpoint}/moto-api/reset answered {status}: {body}");
}

/// `GET path` from moto, as (status, body).
pub fn moto_get(endpoint: &str, path: &str) -> (u16, String) {
    moto_request(endpoint, "GET", path)
}

/// One bodyless HTTP/1.1 request to moto, on its own connection, as (status, body).
pub fn moto_request(endpoint: &str, method: &str, path: &str) -> (u16, String) {
    assert!(path.starts_with('/'), "request path {path:?} must start with /");
    let (host, port) = host_port(endpoint);
    let target = format!("{method} {endpoint}{path}");
    let mut stream = TcpStream::connect((host.as_str(), port))
        .unwrap_or_else(|e| panic!("{target}: cannot connect ({e}); is moto running? Use `scripts/test.sh`."));
    stream.set_read_timeout(Some(TIMEOUT)).expect("set read timeout");
    stream.set_write_timeout(Some(TIMEOUT)).expect("set write timeout");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: */*\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).unwrap_or_else(|e| panic!("{target}: cannot send the request: {e}"));
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap_or_else(|e| panic!("{target}: cannot read the response: {e}"));
    parse_response(&response).unwrap_or_else(|e| panic!("{target}: {e}"))
}

fn parse_response(response: &[u8]) -> Result<(u16, String), String> {
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").ok_or("response has no end of headers")?;
    let head = std::str::from_utf8(&response[..split]).map_err(|e| format!("response headers are not UTF-8: {e}"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let header = |name: &str| {
        lines.clone().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
        })
    };
    let mut body = response[split + 4..].to_vec();
    if header("transfer-encoding").is_some_and(|te| te.eq_ignore_ascii_case("chunked")) {
        body = dechunk(&body)?;
    } else if let Some(length) = header("content-length") {
        let length: usize = length.parse().map_err(|_| format!("bad Content-Length {length:?}"))?;
        if body.len() < length {
            return Err(format!("body is {} bytes, Content-Length says {length}", body.len()));
        }
        body.truncate(length);
    }
    let body = String::from_utf8(body).map_err(|e| format!("response body is not UTF-8: {e}"))?;
    Ok((status, body))
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let eol = data.windows(2).position(|w| w == b"\r\n").ok_or("chunk size line has no end")?;
        let size_line = std::str::from_utf8(&data[..eol]).map_err(|_| "chunk size is not UTF-8")?;
        let size_hex = size_line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| format!("bad chunk size {size_hex:?}"))?;
        data = &data[eol + 2..];
        if size == 0 {
            return Ok(body);
        }
        if data.len() < size + 2 {
            return Err("chunk is cut short".to_owned());
        }
        body.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}
