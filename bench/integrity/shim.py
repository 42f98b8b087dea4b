#!/usr/bin/env python3
"""A latency-adding reverse proxy in front of moto, which also answers CloudTrail ListPublicKeys.

    shim.py --upstream http://127.0.0.1:5000 [--port 0] [--port-file FILE] [--latency-ms 30]
            [--public-keys keys.json] [--stats stats.json] [--no-time-filter] [--verbose]

Every request is forwarded unchanged (method, path and query, headers, body) to --upstream over a keep-alive
HTTP/1.1 connection, after sleeping --latency-ms, so a client sees every call cost one network round trip. The
response (status, headers, body) is relayed back as it arrives, in 64 KiB chunks, so large GetObject bodies are
never held in memory.

The one exception is CloudTrail ListPublicKeys (AWS JSON 1.1: a POST whose X-Amz-Target ends in
".ListPublicKeys"), which moto 5.2.5 does not implement and which `aws cloudtrail validate-logs` needs: the shim
answers it itself, after the same latency, from --public-keys, a file holding the output of
`aws cloudtrail list-public-keys` ({"PublicKeyList": [{"Value", "ValidityStartTime", "ValidityEndTime",
"Fingerprint"}]}, times as ISO 8601 strings or epoch seconds). The file is re-read on every call, so it may be
written after the shim starts. As the real service does, only keys whose validity overlaps the request's
[StartTime, EndTime] are returned (--no-time-filter returns them all). On the wire the times are epoch seconds.

With --cache-get-max-bytes N, an S3 GetObject answered 200 with at most N bytes is kept in memory (up to
--cache-total-bytes in all) and later identical GETs (same path, query and Range) are answered from that copy,
after the same latency, without reaching moto; any S3 PUT, POST or DELETE empties the cache. This takes moto's own
CPU time per request (milliseconds, serialised by its GIL) out of a benchmark that is meant to measure latency.

With --trace FILE, one JSON line per request is appended to FILE: start and end (seconds since the shim started),
the operation, status, response bytes, requests in flight when it started, and whether the cache answered it.

Requests are counted per "METHOD service:Operation" (the operation is read from X-Amz-Target, the Action of a
query-protocol form, or the S3 REST method and path). The counts are served as JSON by GET /__shim/stats (which is
neither delayed nor counted) and written to --stats on SIGTERM or SIGINT. POST /__shim/reset zeroes them.

Fault injection (all off by default; see FAULTS below and bench/faults/README.md):

    --fault-rate 0.2 --fault-kinds throttle,429,503,5xx-burst,reset,slow [--fault-seed N] [--slow-seconds S]
    [--burst-length N] [--fault-skip-ops PATTERNS] [--fault-only-ops PATTERNS] [--fault-log FILE]

Each request (never /__shim/ or /moto-api/) draws a number from a hash of (--fault-seed, its fingerprint, how many
times that fingerprint was seen before); below --fault-rate it gets a fault, whose kind is drawn the same way from
--fault-kinds. The fingerprint is the method, path and query, region and body, without the signature, so a run
against the same data draws the same faults, and a retry (the same request again) draws afresh. Which of several
identical requests from different accounts gets which draw depends on their arrival order. The kinds:

    throttle   the service's own throttling answer, in its protocol: AWS JSON 1.0/1.1 400 {"__type":
               "ThrottlingException"} (Organizations: TooManyRequestsException), query 400 <ErrorResponse> Code
               Throttling, EC2 503 RequestLimitExceeded, REST-JSON 429 TooManyRequestsException, S3 503 SlowDown,
               rpc-v2-cbor 400 ThrottlingException in CBOR
    429        HTTP 429 with a TooManyRequestsException body in the protocol (S3: SlowDown)
    429-empty  HTTP 429 with an empty body (only the status says "throttled")
    503        HTTP 503 ServiceUnavailable in the protocol (S3: SlowDown)
    5xx-burst  this request and the next --burst-length - 1 eligible requests, whatever they are, answer 500
               (InternalFailure/InternalError), 502 (a gateway's text/plain page) or 503
    reset      the request is read and the connection closed with a TCP RST (SO_LINGER 0), no response
    reset-mid  the response is fetched from upstream, its headers and half its body sent, then a TCP RST
    slow       the answer is held --slow-seconds (default 30) before it is forwarded; longer than the client's
               timeout, the client gives up first

Only operations ("service:Operation", e.g. sts:AssumeRole, shell-style patterns like "sts:*") matching
--fault-only-ops (when given) and not matching --fault-skip-ops are eligible. Injected faults are counted per kind
and per operation under "faults" in GET /__shim/stats (they are not counted in "errors", which stays upstream
failures); POST /__shim/reset zeroes them with the rest. GET /__shim/faults shows the fault configuration and
POST /__shim/faults replaces it with a JSON object of the same keys (rate, kinds, seed, slow_seconds,
burst_length, skip_ops, only_ops; missing keys take their defaults), which also restarts the draws. With
--fault-log FILE each injected fault is appended to FILE as a JSON line.

Python 3.9+ standard library only. Listens on 127.0.0.1 only. With --port 0 a free port is picked; the line
"listening on 127.0.0.1:PORT" is printed to stdout either way, and the port is written to --port-file if given.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import fnmatch
import hashlib
import http.client
import http.server
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse
from collections import Counter
from datetime import datetime, timezone

CHUNK = 64 * 1024
# Connection-level headers that a proxy must not forward (RFC 9110 section 7.6.1), plus the framing headers, which
# the shim sets itself on each side.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "expect",
}
CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/,\s]+/([^/,\s]+)/aws4_request")
# S3 sub-resources that name the operation on a bucket or object (?location, ?versioning, ...), first match wins.
S3_SUBRESOURCES = (
    "uploads",
    "uploadId",
    "location",
    "versioning",
    "versions",
    "policy",
    "acl",
    "tagging",
    "encryption",
    "lifecycle",
    "logging",
    "notification",
    "cors",
    "website",
    "replication",
    "object-lock",
    "publicAccessBlock",
    "ownershipControls",
    "retention",
    "legal-hold",
    "attributes",
    "delete",
)


class Stats:
    """Request counts, shared by all handler threads."""

    def __init__(self, latency_ms: float, upstream: str) -> None:
        self.lock = threading.Lock()
        self.latency_ms = latency_ms
        self.upstream = upstream
        self.started = time.time()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.by_operation: Counter[str] = Counter()
            self.total = 0
            self.errors = 0
            self.bytes_from_clients = 0
            self.bytes_to_clients = 0
            self.answered_locally = 0
            self.cache_hits = 0
            self.max_concurrent = 0
            self.in_flight = getattr(self, "in_flight", 0)  # requests under way stay counted

    def begin(self, key: str, request_bytes: int) -> int:
        """Counts a request; returns how many were in flight before it."""
        with self.lock:
            self.by_operation[key] += 1
            self.total += 1
            self.bytes_from_clients += request_bytes
            self.in_flight += 1
            self.max_concurrent = max(self.max_concurrent, self.in_flight)
            return self.in_flight - 1

    def end(self, response_bytes: int, error: bool = False, local: bool = False, cached: bool = False) -> None:
        with self.lock:
            self.cache_hits += int(cached)
            self.in_flight -= 1
            self.bytes_to_clients += response_bytes
            self.errors += int(error)
            self.answered_locally += int(local)

    def snapshot(self) -> dict:
        with self.lock:
            return {
                "total": self.total,
                "by_operation": dict(sorted(self.by_operation.items())),
                "errors": self.errors,
                "answered_locally": self.answered_locally,
                "cache_hits": self.cache_hits,
                "bytes_from_clients": self.bytes_from_clients,
                "bytes_to_clients": self.bytes_to_clients,
                "max_concurrent": self.max_concurrent,
                "latency_ms": self.latency_ms,
                "upstream": self.upstream,
                "uptime_seconds": round(time.time() - self.started, 3),
            }


def to_epoch(value, what: str) -> float | None:
    """ISO 8601 text ("2026-11-24T00:00:00Z", "...+00:00") or epoch seconds (number or numeric text) as a float."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{what}: not a time: {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as e:
        raise ValueError(f"{what}: not a time: {value!r}") from e
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def wire_number(seconds: float) -> int | float:
    return int(seconds) if float(seconds).is_integer() else seconds


def load_public_keys(path: str) -> list[dict]:
    """The keys of an `aws cloudtrail list-public-keys` output file, in wire form (epoch seconds, base64 Value)."""
    with open(path, encoding="utf-8") as f:
        document = json.load(f)
    keys = document.get("PublicKeyList") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        raise ValueError(f"{path}: no PublicKeyList array")
    wire = []
    for i, key in enumerate(keys):
        if not isinstance(key, dict):
            raise ValueError(f"{path}: PublicKeyList[{i}] is not an object")
        out = {}
        if "Value" in key:
            value = "".join(str(key["Value"]).split())
            try:
                base64.b64decode(value, validate=True)
            except binascii.Error as e:
                raise ValueError(f"{path}: PublicKeyList[{i}].Value is not base64: {e}") from e
            out["Value"] = value
        for field in ("ValidityStartTime", "ValidityEndTime"):
            if key.get(field) is not None:
                out[field] = wire_number(to_epoch(key[field], f"{path}: PublicKeyList[{i}].{field}"))
        if "Fingerprint" in key:
            out["Fingerprint"] = str(key["Fingerprint"])
        wire.append(out)
    return wire


def keys_in_range(keys: list[dict], start: float | None, end: float | None) -> list[dict]:
    """Keys whose validity period overlaps [start, end]; a missing bound on either side is open."""
    selected = []
    for key in keys:
        key_start = key.get("ValidityStartTime")
        key_end = key.get("ValidityEndTime")
        if end is not None and key_start is not None and key_start > end:
            continue
        if start is not None and key_end is not None and key_end < start:
            continue
        selected.append(key)
    return selected


def operation_of(method: str, path: str, headers, body: bytes) -> str:
    """A "METHOD service:Operation" label for the stats; best effort, never raises."""
    try:
        match = CREDENTIAL_SCOPE.search(headers.get("Authorization", ""))
        service = match.group(1) if match else ""
        target = headers.get("X-Amz-Target")
        if target:
            prefix, _, op = target.rpartition(".")
            if not service:
                service = prefix.split("_")[0].lower() or "json"
            return f"{method} {service}:{op}"
        ctype = headers.get("Content-Type", "")
        if method == "POST" and "x-www-form-urlencoded" in ctype and body:
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            if "Action" in form:
                return f"{method} {service or 'query'}:{form['Action'][0]}"
        split = urllib.parse.urlsplit(path)
        query = urllib.parse.parse_qs(split.query, keep_blank_values=True)
        if "Action" in query:
            return f"{method} {service or 'query'}:{query['Action'][0]}"
        if service in ("s3", ""):
            return f"{method} s3:{s3_operation(method, split.path, query)}"
        return f"{method} {service}:{split.path.split('/')[1] if '/' in split.path else split.path}"
    except Exception:  # noqa: BLE001 - a label must never break a request
        return f"{method} unknown"


def s3_operation(method: str, path: str, query: dict) -> str:
    """The S3 operation of a path-style REST request."""
    parts = path.lstrip("/").split("/", 1)
    bucket = parts[0]
    key = parts[1] if len(parts) > 1 else ""
    sub = next((s for s in S3_SUBRESOURCES if s in query), None)
    if not bucket:
        return "ListBuckets" if method == "GET" else f"{method}Service"
    if not key:
        if sub == "delete" and method == "POST":
            return "DeleteObjects"
        if sub:
            verb = {"GET": "GetBucket", "PUT": "PutBucket", "DELETE": "DeleteBucket"}.get(method, method)
            name = sub[0].upper() + sub[1:].replace("-", "")
            return "ListObjectVersions" if sub == "versions" else f"{verb}{name}"
        if method == "GET":
            return "ListObjectsV2" if query.get("list-type") == ["2"] else "ListObjects"
        return {"PUT": "CreateBucket", "HEAD": "HeadBucket", "DELETE": "DeleteBucket"}.get(method, f"{method}Bucket")
    if "uploadId" in query or "uploads" in query:
        if method == "POST":
            return "CreateMultipartUpload" if "uploads" in query else "CompleteMultipartUpload"
        if method == "PUT":
            return "UploadPart"
        return {"GET": "ListParts", "DELETE": "AbortMultipartUpload"}.get(method, method)
    if sub:
        verb = {"GET": "GetObject", "PUT": "PutObject", "DELETE": "DeleteObject"}.get(method, method)
        return f"{verb}{sub[0].upper() + sub[1:].replace('-', '')}"
    return {
        "GET": "GetObject",
        "PUT": "PutObject",
        "HEAD": "HeadObject",
        "DELETE": "DeleteObject",
        "POST": "PostObject",
    }.get(method, f"{method}Object")


def cache_path(path: str) -> str:
    """The path and query of a GetObject without the `x-id=GetObject` marker some SDKs add (the Rust one does, the
    CLI does not), so that both share one cache entry."""
    base, _, query = path.partition("?")
    kept = [p for p in query.split("&") if p and not p.startswith("x-id=")]
    return base + ("?" + "&".join(sorted(kept)) if kept else "")


class ObjectCache:
    """GetObject responses by (path and query, Range), for --cache-get-max-bytes."""

    def __init__(self, max_object: int, max_total: int) -> None:
        self.max_object = max_object
        self.max_total = max_total
        self.lock = threading.Lock()
        self.entries: dict[tuple[str, str], tuple[int, str, list, bytes]] = {}
        self.total = 0

    @property
    def enabled(self) -> bool:
        return self.max_object > 0

    def get(self, key):
        with self.lock:
            return self.entries.get(key)

    def put(self, key, status: int, reason: str, headers: list, body: bytes) -> None:
        with self.lock:
            if key not in self.entries and self.total + len(body) <= self.max_total:
                self.entries[key] = (status, reason, headers, body)
                self.total += len(body)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.total = 0


# ---- FAULTS: fault injection (off unless --fault-rate > 0 or POST /__shim/faults) --------------------------------

FAULT_KINDS = ("throttle", "429", "429-empty", "503", "5xx-burst", "reset", "reset-mid", "slow")
CREDENTIAL_REGION = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/,\s]+)/[^/,\s]+/aws4_request")
# The XML namespace of query-protocol error answers, where known (the SDKs do not need it).
QUERY_NAMESPACES = {
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "cloudformation": "http://cloudformation.amazonaws.com/doc/2010-05-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
}
NEVER_FAULTED = ("/__shim/", "/moto-api/")


def split_list(value) -> list[str]:
    """A comma-separated string or a list of strings, as a list without blanks."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(i).strip() for i in items if str(i).strip()]


class FaultConfig:
    """What to inject; from the command line or a JSON object (POST /__shim/faults)."""

    KEYS = ("rate", "kinds", "seed", "slow_seconds", "burst_length", "skip_ops", "only_ops")

    def __init__(self, rate=0.0, kinds="throttle", seed=0, slow_seconds=30.0, burst_length=6, skip_ops=(),
                 only_ops=()) -> None:  # fmt: skip
        self.rate = float(rate)
        self.kinds = split_list(kinds)
        if self.kinds == ["all"]:
            self.kinds = list(FAULT_KINDS)
        self.seed = int(seed)
        self.slow_seconds = float(slow_seconds)
        self.burst_length = int(burst_length)
        self.skip_ops = split_list(skip_ops)
        self.only_ops = split_list(only_ops)
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, not {self.rate}")
        unknown = [k for k in self.kinds if k not in FAULT_KINDS]
        if unknown or not self.kinds:
            raise ValueError(f"fault kinds must be some of {','.join(FAULT_KINDS)} (or all), not {kinds!r}")
        if self.slow_seconds < 0 or self.burst_length < 1:
            raise ValueError("slow seconds must not be negative and the burst length must be at least 1")

    @classmethod
    def from_document(cls, document) -> "FaultConfig":
        if not isinstance(document, dict):
            raise ValueError("the fault configuration must be a JSON object")
        extra = sorted(set(document) - set(cls.KEYS))
        if extra:
            raise ValueError(f"unknown fault settings {extra}; known: {list(cls.KEYS)}")
        return cls(**document)

    def to_document(self) -> dict:
        return {key: getattr(self, key) for key in self.KEYS}

    def eligible(self, operation: str) -> bool:
        """Whether faults may hit "service:Operation"."""
        if self.only_ops and not any(fnmatch.fnmatchcase(operation, p) for p in self.only_ops):
            return False
        return not any(fnmatch.fnmatchcase(operation, p) for p in self.skip_ops)


class Faults:
    """Decides, counts and logs the faults; shared by all handler threads."""

    def __init__(self, config: FaultConfig, log_path: str | None) -> None:
        self.lock = threading.Lock()
        self.log = open(log_path, "a", encoding="utf-8", buffering=1) if log_path else None
        self.started = time.monotonic()
        self.configure(config)

    def configure(self, config: FaultConfig) -> None:
        """Replaces the configuration and restarts the draws and the counts."""
        with self.lock:
            self.config = config
            self.seen: Counter[bytes] = Counter()
            self.burst_left = 0
            self.zero_locked()

    def zero(self) -> None:
        with self.lock:
            self.zero_locked()

    def zero_locked(self) -> None:
        self.total = 0
        self.by_kind: Counter[str] = Counter()
        self.by_status: Counter[str] = Counter()
        self.by_operation: dict[str, Counter[str]] = {}

    @property
    def active(self) -> bool:
        return self.config.rate > 0 or self.burst_left > 0

    def draw(self, fingerprint: bytes, occurrence: int, purpose: str) -> float:
        """A number in [0, 1) that depends only on the seed, the request's fingerprint, its occurrence and purpose."""
        h = hashlib.blake2b(digest_size=8)
        h.update(f"{self.config.seed}\0{purpose}\0{occurrence}\0".encode())
        h.update(fingerprint)
        return int.from_bytes(h.digest(), "big") / 2.0**64

    def decide(self, key: str, fingerprint: bytes) -> tuple[str, int, float] | None:
        """(kind, status for 5xx-burst or 0, seconds to hold a slow answer) when this request gets a fault, else
        None; counted when it does."""
        operation = key.split(" ", 1)[-1]
        with self.lock:
            config = self.config
            if not self.active or not config.eligible(operation):
                return None
            occurrence = self.seen[fingerprint]
            self.seen[fingerprint] += 1
            status = 0
            if self.burst_left > 0:
                self.burst_left -= 1
                kind = "5xx-burst"
            else:
                if self.draw(fingerprint, occurrence, "fault") >= config.rate:
                    return None
                kinds = config.kinds
                kind = kinds[min(int(self.draw(fingerprint, occurrence, "kind") * len(kinds)), len(kinds) - 1)]
                if kind == "5xx-burst":
                    self.burst_left = config.burst_length - 1
            if kind == "5xx-burst":
                status = (500, 502, 503)[min(int(self.draw(fingerprint, occurrence, "status") * 3), 2)]
            self.total += 1
            self.by_kind[kind] += 1
            self.by_operation.setdefault(operation, Counter())[kind] += 1
            if status:
                self.by_status[str(status)] += 1
            if self.log is not None:
                line = {
                    "t": round(time.monotonic() - self.started, 6),
                    "op": key,
                    "kind": kind,
                    "status": status or None,
                    "occurrence": occurrence,
                    "fingerprint": fingerprint[:6].hex(),
                }
                self.log.write(json.dumps(line) + "\n")
            return kind, status, config.slow_seconds

    def snapshot(self) -> dict:
        with self.lock:
            return {
                "config": self.config.to_document(),
                "total": self.total,
                "by_kind": dict(sorted(self.by_kind.items())),
                "burst_statuses": dict(sorted(self.by_status.items())),
                "by_operation": {op: dict(sorted(c.items())) for op, c in sorted(self.by_operation.items())},
            }


def request_fingerprint(key: str, path: str, headers, body: bytes) -> bytes:
    """What identifies a request across runs: operation, path and query, region and body; not the signature."""
    match = CREDENTIAL_REGION.search(headers.get("Authorization", ""))
    h = hashlib.sha256()
    for part in (key, path, match.group(1) if match else ""):
        h.update(part.encode("utf-8", "replace") + b"\0")
    h.update(body)
    return h.digest()


def protocol_of(method: str, path: str, headers, body: bytes, service: str) -> str:
    """The wire protocol of a request: json-1.0, json-1.1, cbor, query, ec2, s3 or rest-json."""
    if headers.get("Smithy-Protocol", "").lower() == "rpc-v2-cbor":
        return "cbor"
    ctype = headers.get("Content-Type", "").lower()
    if headers.get("X-Amz-Target"):
        return "json-1.0" if "json-1.0" in ctype else "json-1.1"
    query = urllib.parse.urlsplit(path).query
    form = method == "POST" and "x-www-form-urlencoded" in ctype and b"Action=" in body
    if form or re.search(r"(^|&)Action=", query):
        return "ec2" if service == "ec2" else "query"
    if service in ("s3", ""):
        return "s3"
    return "rest-json"


def cbor_text_map(items: dict) -> bytes:
    """A CBOR map of text strings (RFC 8949), enough for an rpc-v2-cbor error body."""

    def head(major: int, n: int) -> bytes:
        if n < 24:
            return bytes([major << 5 | n])
        if n < 256:
            return bytes([major << 5 | 24, n])
        return bytes([major << 5 | 25]) + n.to_bytes(2, "big")

    out = head(5, len(items))
    for k, v in items.items():
        for text in (k, v):
            raw = text.encode()
            out += head(3, len(raw)) + raw
    return out


def fault_answer(protocol: str, service: str, kind: str, status: int) -> tuple[int, list, bytes]:
    """(status, headers, body) of an injected error answer, shaped as the service would shape it."""
    request_id = binascii.hexlify(os.urandom(16)).decode()
    s3 = protocol == "s3"
    if kind == "429-empty":
        return 429, [("x-amzn-RequestId", request_id)], b""
    if kind == "5xx-burst" and status == 502:
        page = (
            b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
            b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
        )
        return 502, [("Content-Type", "text/html")], page
    if kind == "throttle":
        status, code, message = {
            "json-1.0": (400, "ThrottlingException", "Rate exceeded"),
            "json-1.1": (400, "ThrottlingException", "Rate exceeded"),
            "cbor": (400, "ThrottlingException", "Rate exceeded"),
            "query": (400, "Throttling", "Rate exceeded"),
            "ec2": (503, "RequestLimitExceeded", "Request limit exceeded."),
            "rest-json": (429, "TooManyRequestsException", "Rate exceeded"),
            "s3": (503, "SlowDown", "Please reduce your request rate."),
        }[protocol]
        if service == "organizations" and protocol.startswith("json"):
            code = "TooManyRequestsException"
    elif kind == "429":
        status, code, message = 429, "TooManyRequestsException", "Too Many Requests"
        if s3:
            status, code, message = 503, "SlowDown", "Please reduce your request rate."
    elif kind == "503" or (kind == "5xx-burst" and status == 503):
        status, message = 503, "Service Unavailable"
        code = {"query": "ServiceUnavailable", "ec2": "Unavailable", "s3": "SlowDown"}.get(
            protocol, "ServiceUnavailableException"
        )
        if s3:
            message = "Please reduce your request rate."
    else:  # 5xx-burst 500
        status, message = 500, "We encountered an internal error. Please try again."
        code = "InternalError" if protocol in ("s3", "ec2") else "InternalFailure"
    message += " [injected by shim.py]"
    if protocol.startswith("json-"):
        ctype = f"application/x-amz-json-{protocol[5:]}"
        body = json.dumps({"__type": code, "message": message}).encode()
        return status, [("Content-Type", ctype), ("x-amzn-RequestId", request_id)], body
    if protocol == "rest-json":
        headers = [("Content-Type", "application/json"), ("x-amzn-RequestId", request_id), ("x-amzn-ErrorType", code)]
        return status, headers, json.dumps({"message": message}).encode()
    if protocol == "cbor":
        headers = [
            ("Content-Type", "application/cbor"),
            ("Smithy-Protocol", "rpc-v2-cbor"),
            ("x-amzn-RequestId", request_id),
        ]
        return status, headers, cbor_text_map({"__type": code, "message": message})
    sender = "Receiver" if status >= 500 else "Sender"
    if protocol == "query":
        namespace = QUERY_NAMESPACES.get(service)
        xmlns = f' xmlns="{namespace}"' if namespace else ""
        body = (
            f"<ErrorResponse{xmlns}><Error><Type>{sender}</Type><Code>{code}</Code><Message>{message}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>\n"
        )
        return status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body.encode()
    if protocol == "ec2":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            f"<Code>{code}</Code><Message>{message}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        )
        return status, [("Content-Type", "text/xml;charset=UTF-8")], body.encode()
    host_id = base64.b64encode(os.urandom(48)).decode()
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{request_id[:16].upper()}</RequestId>"
        f"<HostId>{host_id}</HostId></Error>"
    )
    headers = [
        ("Content-Type", "application/xml"),
        ("x-amz-request-id", request_id[:16].upper()),
        ("x-amz-id-2", host_id),
    ]
    return status, headers, body.encode()


class ShimServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address, handler, options) -> None:
        self.options = options
        split = urllib.parse.urlsplit(options.upstream)
        if split.scheme != "http" or not split.hostname:
            raise SystemExit(f"shim: --upstream must be http://HOST:PORT, not {options.upstream!r}")
        self.upstream_host = split.hostname
        self.upstream_port = split.port or 80
        self.stats = Stats(options.latency_ms, options.upstream)
        self.cache = ObjectCache(options.cache_get_max_bytes, options.cache_total_bytes)
        self.faults = Faults(
            getattr(options, "fault_config", None) or FaultConfig(), getattr(options, "fault_log", None)
        )
        self.trace = open(options.trace, "a", encoding="utf-8", buffering=1) if options.trace else None
        self.trace_lock = threading.Lock()
        self.started = time.monotonic()
        super().__init__(address, handler)

    def stats_document(self) -> dict:
        """GET /__shim/stats: the request counts, and the injected faults under "faults"."""
        document = self.stats.snapshot()
        document["faults"] = self.faults.snapshot()
        return document

    def record(self, **fields) -> None:
        if self.trace is not None:
            line = json.dumps(fields) + "\n"
            with self.trace_lock:
                self.trace.write(line)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "dopaudit-bench-shim"
    server: ShimServer

    def setup(self) -> None:
        super().setup()
        self.upstream: http.client.HTTPConnection | None = None
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            if self.upstream is not None:
                self.upstream.close()
                self.upstream = None

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        if self.server.options.verbose:
            sys.stderr.write(f"shim: {self.address_string()} {format % args}\n")

    # Every method goes through one path.
    def do_GET(self) -> None:
        self.dispatch()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailer fields
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline(65537)  # the CRLF after the chunk
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def dispatch(self) -> None:
        body = self.read_body()
        if self.path.startswith("/__shim/"):
            self.control(body)
            return
        server = self.server
        stats = server.stats
        key = operation_of(self.command, self.path, self.headers, body)
        started = time.monotonic()
        in_flight = stats.begin(key, len(body))
        self.status_sent = 0
        sent, error, local, cached = 0, False, False, False
        cache_key = None
        injected = None
        try:
            if server.options.latency_ms > 0:
                time.sleep(server.options.latency_ms / 1000.0)
            fault = None
            if server.faults.active and not self.path.startswith(NEVER_FAULTED):
                fault = server.faults.decide(key, request_fingerprint(key, self.path, self.headers, body))
            if fault is not None:
                injected = fault[0]
                if injected == "slow":
                    time.sleep(fault[2])
            target = self.headers.get("X-Amz-Target", "")
            if server.cache.enabled and key.endswith(" s3:GetObject"):
                cache_key = (cache_path(self.path), self.headers.get("Range", ""))
            elif server.cache.enabled and self.command in ("PUT", "POST", "DELETE") and " s3:" in key:
                server.cache.clear()
            hit = server.cache.get(cache_key) if cache_key else None
            if injected == "reset":
                self.reset_connection()
            elif injected == "reset-mid":
                sent, error = self.forward_then_reset(body)
            elif injected is not None and injected != "slow":
                sent = self.reply_fault(injected, fault[1], key, body)
            elif self.command == "POST" and target.endswith(".ListPublicKeys"):
                local = True
                sent, error = self.list_public_keys(body)
            elif hit is not None:
                cached = True
                sent = self.replay(*hit)
            else:
                sent, error = self.forward(body, cache_key)
        except (ConnectionError, socket.timeout) as e:
            error = True
            self.close_connection = True
            self.log_message("client connection lost: %s", e)
        finally:
            stats.end(sent, error=error, local=local, cached=cached)
            server.record(
                start=round(started - server.started, 6),
                end=round(time.monotonic() - server.started, 6),
                op=key,
                status=self.status_sent,
                bytes=sent,
                in_flight=in_flight,
                cached=cached,
                local=local,
                **({"fault": injected} if injected else {}),
            )

    def send_response_only(self, code, message=None) -> None:
        self.status_sent = code
        super().send_response_only(code, message)

    def replay(self, status: int, reason: str, headers: list, body: bytes) -> int:
        self.log_request(status)
        self.send_response_only(status, reason)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()
        return len(body)

    def control(self, body: bytes) -> None:
        path = self.path.split("?")[0]
        if path == "/__shim/stats" and self.command == "GET":
            self.reply_json(200, self.server.stats_document(), "application/json")
        elif path == "/__shim/reset" and self.command == "POST":
            self.server.stats.reset()
            self.server.faults.zero()
            self.reply_json(200, {"reset": True}, "application/json")
        elif path == "/__shim/faults" and self.command == "GET":
            self.reply_json(200, self.server.faults.config.to_document(), "application/json")
        elif path == "/__shim/faults" and self.command == "POST":
            try:
                config = FaultConfig.from_document(json.loads(body or b"{}"))
            except (ValueError, TypeError) as e:
                self.reply_json(400, {"message": f"bad fault configuration: {e}"}, "application/json")
                return
            self.server.faults.configure(config)
            self.reply_json(200, config.to_document(), "application/json")
        else:
            self.reply_json(404, {"message": f"no shim endpoint {self.command} {self.path}"}, "application/json")

    def reply_json(self, status: int, document, content_type: str, extra=()) -> int:
        payload = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        self.wfile.flush()
        return len(payload)

    def list_public_keys(self, body: bytes) -> tuple[int, bool]:
        amz_json = "application/x-amz-json-1.1"
        request_id = [("x-amzn-RequestId", binascii.hexlify(os.urandom(16)).decode())]
        path = self.server.options.public_keys
        try:
            if not path:
                raise ValueError("the shim was started without --public-keys")
            keys = load_public_keys(path)
            request = json.loads(body or b"{}")
            start = to_epoch(request.get("StartTime"), "StartTime")
            end = to_epoch(request.get("EndTime"), "EndTime")
        except (OSError, ValueError) as e:
            error = {"__type": "InvalidParameterValueException", "message": f"shim ListPublicKeys: {e}"}
            sys.stderr.write(f"shim: ListPublicKeys failed: {e}\n")
            return self.reply_json(400, error, amz_json, request_id), True
        if not self.server.options.no_time_filter:
            keys = keys_in_range(keys, start, end)
        return self.reply_json(200, {"PublicKeyList": keys}, amz_json, request_id), False

    def reply_fault(self, kind: str, status: int, key: str, body: bytes) -> int:
        """Answers with an injected error, shaped like the service's own."""
        service = key.split(" ", 1)[-1].split(":", 1)[0]
        protocol = protocol_of(self.command, self.path, self.headers, body, service)
        status, headers, payload = fault_answer(protocol, service, kind, status)
        return self.replay(status, http.HTTPStatus(status).phrase, headers, payload)

    def reset_connection(self) -> None:
        """Closes the client connection with a TCP RST (SO_LINGER 0) and no (further) response."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except OSError:
            pass
        # The socket really closes only once its makefile() reader is closed too; the server's own shutdown of the
        # request later fails quietly on the closed socket.
        self.rfile.close()
        self.connection.close()

    def forward_then_reset(self, body: bytes) -> tuple[int, bool]:
        """Forwards the request, then sends the answer's headers and half its body, then a TCP RST."""
        try:
            response = self.send_upstream(body)
            payload = response.read()
            if response.will_close:
                self.upstream = None
        except (ConnectionError, http.client.HTTPException, socket.timeout, OSError):
            if self.upstream is not None:
                self.upstream.close()
                self.upstream = None
            self.reset_connection()
            return 0, True
        if self.command == "HEAD" or len(payload) < 2:
            self.reset_connection()
            return 0, False
        self.log_request(response.status)
        self.send_response_only(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        half = payload[: len(payload) // 2]
        self.wfile.write(half)
        self.wfile.flush()
        time.sleep(0.05)  # let the half arrive before the RST, which would otherwise discard it
        self.reset_connection()
        return len(half), False

    def upstream_connection(self) -> http.client.HTTPConnection:
        if self.upstream is None:
            self.upstream = http.client.HTTPConnection(
                self.server.upstream_host, self.server.upstream_port, timeout=self.server.options.upstream_timeout
            )
        return self.upstream

    def send_upstream(self, body: bytes) -> http.client.HTTPResponse:
        """Sends the request on the kept-alive upstream connection; once more on a fresh one if that was stale."""
        for attempt in (1, 2):
            conn = self.upstream_connection()
            try:
                conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for name, value in self.headers.items():
                    if name.lower() not in HOP_BY_HOP:
                        conn.putheader(name, value)
                if body or "Content-Length" in self.headers or "Transfer-Encoding" in self.headers:
                    conn.putheader("Content-Length", str(len(body)))
                conn.endheaders(body if body else None)
                return conn.getresponse()
            except (ConnectionError, http.client.HTTPException, socket.timeout, OSError):
                conn.close()
                self.upstream = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def forward(self, body: bytes, cache_key=None) -> tuple[int, bool]:
        try:
            response = self.send_upstream(body)
        except (ConnectionError, http.client.HTTPException, socket.timeout, OSError) as e:
            sys.stderr.write(f"shim: upstream {self.server.options.upstream} failed: {e}\n")
            message = {"message": f"shim: upstream failed: {e}"}
            return self.reply_json(502, message, "application/json", [("Connection", "close")]), True
        # Framing towards the client: the upstream's Content-Length if it gave one, otherwise chunked.
        length = response.getheader("Content-Length")
        no_body = self.command == "HEAD" or response.status in (204, 304) or 100 <= response.status < 200
        chunked = not no_body and length is None
        headers = [(n, v) for n, v in response.getheaders() if n.lower() not in HOP_BY_HOP]
        cache = self.server.cache
        if cache_key and response.status == 200 and length is not None and int(length) <= cache.max_object:
            try:
                payload = response.read()
            except (http.client.HTTPException, socket.timeout, OSError) as e:
                self.upstream = None
                return self.reply_json(502, {"message": f"shim: upstream body failed: {e}"}, "application/json"), True
            if len(payload) == int(length):
                cache.put(cache_key, response.status, response.reason, headers, payload)
            if response.will_close:
                self.upstream = None
            return self.replay(response.status, response.reason, headers, payload), False
        self.log_request(response.status)
        self.send_response_only(response.status, response.reason)
        for name, value in headers:
            self.send_header(name, value)
        if length is not None:
            self.send_header("Content-Length", length)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        if response.will_close:
            self.upstream = None  # http.client closes it once the body is read
        self.end_headers()
        sent = 0
        try:
            if not no_body:
                while True:
                    block = response.read(CHUNK)
                    if not block:
                        break
                    sent += len(block)
                    if chunked:
                        self.wfile.write(b"%x\r\n%b\r\n" % (len(block), block))
                    else:
                        self.wfile.write(block)
                if chunked:
                    self.wfile.write(b"0\r\n\r\n")
            else:
                response.read()
            self.wfile.flush()
        except (http.client.HTTPException, socket.timeout, OSError) as e:
            # Headers are gone already: the only honest signal left is closing the client connection mid-body.
            sys.stderr.write(f"shim: upstream body failed after {sent} bytes: {e}\n")
            self.close_connection = True
            if self.upstream is not None:
                self.upstream.close()
                self.upstream = None
            return sent, True
        return sent, response.status >= 500


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", required=True, help="moto's URL, e.g. http://127.0.0.1:5000")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--port-file", help="write the port here once listening")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="sleep this long before answering each request")
    parser.add_argument("--public-keys", help="`aws cloudtrail list-public-keys` JSON output to answer with")
    parser.add_argument("--no-time-filter", action="store_true", help="return every key, whatever the time range")
    parser.add_argument("--stats", help="write the request counts here (JSON) on SIGTERM/SIGINT")
    parser.add_argument("--cache-get-max-bytes", type=int, default=0, help="cache S3 GetObject bodies up to this size")
    parser.add_argument("--cache-total-bytes", type=int, default=1 << 30, help="stop caching beyond this total")
    parser.add_argument("--trace", help="append one JSON line per request to this file")
    parser.add_argument("--upstream-timeout", type=float, default=300.0, help="seconds")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    faults = parser.add_argument_group("fault injection (see the docstring; off by default)")
    faults.add_argument("--fault-rate", type=float, default=0.0, help="share of requests that get a fault, 0 to 1")
    faults.add_argument("--fault-kinds", default="throttle", help=f"comma list of {','.join(FAULT_KINDS)}, or all")
    faults.add_argument("--fault-seed", type=int, default=0, help="seed of the draws (the same seed, the same faults)")
    faults.add_argument("--slow-seconds", type=float, default=30.0, help="how long a slow answer is held")
    faults.add_argument("--burst-length", type=int, default=6, help="requests a 5xx burst answers")
    faults.add_argument("--fault-skip-ops", default="", help="never fault these service:Operation patterns")
    faults.add_argument("--fault-only-ops", default="", help="fault only these service:Operation patterns")
    faults.add_argument("--fault-log", help="append one JSON line per injected fault to this file")
    options = parser.parse_args()
    if options.latency_ms < 0:
        parser.error("--latency-ms must not be negative")
    try:
        options.fault_config = FaultConfig(
            rate=options.fault_rate,
            kinds=options.fault_kinds,
            seed=options.fault_seed,
            slow_seconds=options.slow_seconds,
            burst_length=options.burst_length,
            skip_ops=options.fault_skip_ops,
            only_ops=options.fault_only_ops,
        )
    except ValueError as e:
        parser.error(str(e))

    server = ShimServer(("127.0.0.1", options.port), Handler, options)
    port = server.server_address[1]

    def write_stats() -> None:
        if options.stats:
            tmp = f"{options.stats}.tmp.{os.getpid()}"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(server.stats_document(), f, indent=2)
                f.write("\n")
            os.replace(tmp, options.stats)

    def stop(signum, _frame) -> None:
        # serve_forever runs on this (the main) thread, so shutdown() must be asked for from another one.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if options.port_file:
        tmp = f"{options.port_file}.tmp.{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(f"{port}\n")
        os.replace(tmp, options.port_file)
    sys.stdout.write(f"listening on 127.0.0.1:{port}\n")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        write_stats()
    return 0


if __name__ == "__main__":
    sys.exit(main())
