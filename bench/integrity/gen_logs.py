#!/usr/bin/env python3
"""Writes gzip files of CloudTrail-looking JSON for bench/integrity/cpu.sh.

    gen_logs.py --out DIR [--files 64] [--mib 4] [--level 6] [--seed 1] [--jobs N]

Each file is one gzip member (level --level) of a single `{"Records":[...]}` document of about --mib MiB, built
from records with the shape and variety of real CloudTrail management and data events (random request and event
IDs, access keys, IP addresses, times, bucket keys), so it compresses roughly 10:1 like delivered logs. The output
depends only on the arguments (seeded), and files are written under a temporary name and renamed, so an
interrupted run leaves no half-written file behind.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sys
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta, timezone

ACCOUNT = "111122223333"
REGIONS = ["us-east-1", "us-east-1", "us-east-1", "us-west-2", "eu-west-1"]
USERS = ["alice", "bob", "deploy-bot", "ci-runner", "carol", "terraform", "ops-oncall"]
ROLES = ["OrganizationAccountAccessRole", "AWSServiceRoleForConfig", "deploy-role", "lambda-exec", "ReadOnlyAudit"]
AGENTS = [
    "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.amzn.2023 prompt/off command/s3.cp",
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.210 md/arch#x86_64 lang/python#3.12.2 cfg/retry-mode#legacy",
    "aws-sdk-rust/1.3.1 os/linux lang/rust/1.95.0",
    "config.amazonaws.com",
    "cloudformation.amazonaws.com",
    "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.680 Linux/5.10.210 OpenJDK_64-Bit_Server_VM/25.402-b08]",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
]
EVENTS = [
    ("s3.amazonaws.com", "GetObject", True, "Data"),
    ("s3.amazonaws.com", "PutObject", False, "Data"),
    ("s3.amazonaws.com", "ListObjects", True, "Data"),
    ("s3.amazonaws.com", "GetBucketAcl", True, "Management"),
    ("ec2.amazonaws.com", "DescribeInstances", True, "Management"),
    ("ec2.amazonaws.com", "RunInstances", False, "Management"),
    ("iam.amazonaws.com", "GetRole", True, "Management"),
    ("sts.amazonaws.com", "AssumeRole", True, "Management"),
    ("kms.amazonaws.com", "Decrypt", True, "Management"),
    ("lambda.amazonaws.com", "Invoke", False, "Data"),
    ("cloudformation.amazonaws.com", "DescribeStacks", True, "Management"),
    ("config.amazonaws.com", "PutEvaluations", False, "Management"),
    ("logs.amazonaws.com", "CreateLogStream", False, "Management"),
]
BUCKETS = ["prod-artifacts-111122223333", "app-logs-us-east-1", "terraform-state-main", "data-lake-raw"]


def access_key(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))


def ip(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return rng.choice(["config.amazonaws.com", "cloudformation.amazonaws.com", "lambda.amazonaws.com"])
    return f"{rng.choice([10, 52, 54, 3, 18, 203])}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"


def identity(rng: random.Random, when: datetime) -> dict:
    if rng.random() < 0.4:
        user = rng.choice(USERS)
        return {
            "type": "IAMUser",
            "principalId": "AIDA" + access_key(rng, "")[:17],
            "arn": f"arn:aws:iam::{ACCOUNT}:user/{user}",
            "accountId": ACCOUNT,
            "accessKeyId": access_key(rng, "AKIA"),
            "userName": user,
        }
    role = rng.choice(ROLES)
    session = f"{rng.choice(USERS)}-{rng.randrange(10**9, 10**10)}"
    return {
        "type": "AssumedRole",
        "principalId": f"AROA{access_key(rng, '')[:17]}:{session}",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}",
        "accountId": ACCOUNT,
        "accessKeyId": access_key(rng, "ASIA"),
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROA" + access_key(rng, "")[:17],
                "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
                "accountId": ACCOUNT,
                "userName": role,
            },
            "attributes": {
                "creationDate": (when - timedelta(seconds=rng.randrange(3600))).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "mfaAuthenticated": "false",
            },
        },
    }


def parameters(rng: random.Random, source: str, name: str, region: str) -> tuple[dict | None, dict | None]:
    if source == "s3.amazonaws.com":
        bucket = rng.choice(BUCKETS)
        key = f"{rng.choice(['builds', 'logs', 'exports', 'tmp'])}/{rng.randrange(2020, 2027)}/{uuid.UUID(int=rng.getrandbits(128))}.json"
        request = {"bucketName": bucket, "Host": f"{bucket}.s3.{region}.amazonaws.com"}
        if name != "ListObjects" and name != "GetBucketAcl":
            request["key"] = key
        else:
            request["prefix"] = key.split("/")[0] + "/"
        response = {"x-amz-server-side-encryption": "AES256"} if name == "PutObject" else None
        return request, response
    if name == "DescribeInstances":
        return {"instancesSet": {"items": [{"instanceId": f"i-{rng.getrandbits(68):017x}"}]}, "filterSet": {}}, None
    if name == "RunInstances":
        return (
            {"instanceType": rng.choice(["t3.micro", "m6i.large", "c7g.xlarge"]), "minCount": 1, "maxCount": 1},
            {"reservationId": f"r-{rng.getrandbits(68):017x}", "ownerId": ACCOUNT},
        )
    if name == "AssumeRole":
        return (
            {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/{rng.choice(ROLES)}", "roleSessionName": f"s{rng.getrandbits(40)}"},
            {"credentials": {"accessKeyId": access_key(rng, "ASIA"), "expiration": "Nov 25, 2026, 1:00:00 AM"}},
        )
    if name == "Decrypt":
        key_id = uuid.UUID(int=rng.getrandbits(128))
        return {"encryptionAlgorithm": "SYMMETRIC_DEFAULT", "keyId": f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}"}, None
    if name == "GetRole":
        return {"roleName": rng.choice(ROLES)}, None
    return {"name": f"{name.lower()}-{rng.randrange(1000)}"}, None


def record(rng: random.Random, when: datetime, principals: list[dict], addresses: list[str]) -> dict:
    source, name, read_only, category = rng.choice(EVENTS)
    region = rng.choice(REGIONS)
    request, response = parameters(rng, source, name, region)
    rec = {
        "eventVersion": "1.09",
        "userIdentity": rng.choice(principals),
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": rng.choice(addresses),
        "userAgent": rng.choice(AGENTS),
        "requestParameters": request,
        "responseElements": response,
        "requestID": f"{rng.getrandbits(64):016X}" if source == "s3.amazonaws.com" else str(uuid.UUID(int=rng.getrandbits(128))),
        "eventID": str(uuid.UUID(int=rng.getrandbits(128))),
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": category == "Management",
        "recipientAccountId": ACCOUNT,
        "eventCategory": category,
        "tlsDetails": {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": f"{source.split('.')[0]}.{region}.amazonaws.com",
        },
    }
    if category == "Data" and source == "s3.amazonaws.com":
        rec["resources"] = [
            {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{request['bucketName']}/{request.get('key', '')}"},
            {"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{request['bucketName']}"},
        ]
    return rec


def write_file(job: tuple[str, int, int, int, int]) -> tuple[str, int, int]:
    out_dir, index, size, level, seed = job
    rng = random.Random(seed * 1_000_003 + index)
    when = datetime(2026, 11, 24, tzinfo=timezone.utc) + timedelta(minutes=5 * index)
    # Like a real account: a few dozen callers and addresses make most of the calls within one delivery.
    principals = [identity(rng, when) for _ in range(24)]
    addresses = [ip(rng) for _ in range(32)]
    parts = ['{"Records":[']
    length = len(parts[0])
    first = True
    while length < size - 2:
        when += timedelta(milliseconds=rng.randrange(50, 2000))
        text = json.dumps(record(rng, when, principals, addresses), separators=(",", ":"))
        if not first:
            text = "," + text
        first = False
        parts.append(text)
        length += len(text)
    parts.append("]}")
    data = "".join(parts).encode()
    name = os.path.join(out_dir, f"{ACCOUNT}_CloudTrail_us-east-1_20261124T{index // 12:02d}{index % 12 * 5:02d}Z_{index:04d}.json.gz")
    tmp = f"{name}.tmp.{os.getpid()}"
    with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", compresslevel=level, fileobj=raw, mtime=0) as gz:
        gz.write(data)
    os.replace(tmp, name)
    return name, len(data), os.path.getsize(name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--files", type=int, default=64)
    parser.add_argument("--mib", type=float, default=4.0, help="uncompressed size of each file")
    parser.add_argument("--level", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    size = int(args.mib * 1024 * 1024)
    jobs = [(args.out, i, size, args.level, args.seed) for i in range(args.files)]
    raw = packed = 0
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for _name, n_raw, n_packed in pool.map(write_file, jobs):
            raw += n_raw
            packed += n_packed
    sys.stderr.write(
        f"gen_logs: {args.files} files, {raw / 1e6:.1f} MB -> {packed / 1e6:.1f} MB gzip -{args.level} "
        f"(ratio {raw / max(packed, 1):.1f}:1) in {args.out}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
