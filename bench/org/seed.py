#!/usr/bin/env python3
"""Seed a moto server with an AWS Organization to audit: accounts, OUs, SCPs, and per region CloudTrail,
AWS Config and CloudFormation.

    seed.py --endpoint http://127.0.0.1:5000 [--accounts 3] [--regions us-east-1,eu-west-1|all]
            [--stacks-per-region 2] [--threads 16] [--reset] [--summary FILE]

What it builds (all from the management account, moto's default account 123456789012):

* An organization (all features), OUs Security, Workloads and Workloads/Prod, Workloads/Dev, and --accounts member
  accounts (organizations:CreateAccount), spread round-robin over Security, Prod and Dev.
* The SERVICE_CONTROL_POLICY type enabled on the root, and four SCPs:
    - deny-cloudtrail-tampering  (cloudtrail:StopLogging, DeleteTrail, UpdateTrail, PutEventSelectors) on the root
    - region-restriction         (deny everything but global services outside the seeded regions) on Workloads
    - deny-config-tampering      (config:Stop/Delete recorder and delivery channel) on Prod
    - deny-leave-organization    on the first member account (on the root when there is none)
  (moto stores SCPs but does not enforce them.)
* In every account (management included) and every region, on one worker thread per (account, region):
    - an S3 bucket (SSE-S3, Block Public Access, a delivery policy) and a single-region CloudTrail trail writing
      to it; log file validation on about two trails in three, logging started on about four in five;
    - in about two regions in three (which ones rotates with the account) an AWS Config recorder named
      "default", a delivery channel to the same bucket, and the managed rules CLOUD_TRAIL_ENABLED and
      S3_BUCKET_VERSIONING_ENABLED; about three recorders in four are started;
    - --stacks-per-region CloudFormation stacks of one SQS queue or SNS topic each; even-numbered stacks have
      termination protection, every third one a stack policy, and the first stack of the first region of each
      account outputs that look like a leaked (made-up) access key pair.
* In the management account's first region, one more trail: multi-region and organization-wide, validated.

Member accounts are reached the way an auditor reaches them: sts:AssumeRole into
arn:aws:iam::ACCOUNT:role/OrganizationAccountAccessRole. moto lets any role be assumed, existing or not, and the
credentials it returns act in the account named by the role ARN; seed.py still creates that role in each member
account (with the assumed credentials, as AWS's CreateAccount does) so that it exists for tools that look it up.

Not idempotent: moto must hold no organization when this starts. Pass --reset (POST /moto-api/reset first) or
reset moto yourself; otherwise seed.py stops with an error rather than build a second, mixed-up organization.

Uses boto3 only (moto's venv has it). Prints what it created and how long it took, and with --summary writes
the same as JSON (management and member account IDs, regions, counts) for run.sh.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import sys
import threading
import time
import urllib.request

import boto3
import botocore.config
import botocore.exceptions

# The regions enabled by default in every AWS account (those that need no opt-in).
DEFAULT_REGIONS = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
    "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1",
    "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
    "sa-east-1",
]  # fmt: skip
assert len(DEFAULT_REGIONS) == 17

ACCESS_ROLE = "OrganizationAccountAccessRole"
HOME_REGION = "us-east-1"  # where global calls (organizations, iam, sts) are made

BOTO_CONFIG = botocore.config.Config(
    retries={"max_attempts": 3, "mode": "standard"},
    max_pool_connections=64,
    connect_timeout=10,
    read_timeout=120,
)

QUEUE_TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Description": "dopaudit bench: one SQS queue",
    "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 60}}},
    "Outputs": {"QueueUrl": {"Value": {"Ref": "Queue"}}},
}
TOPIC_TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Description": "dopaudit bench: one SNS topic",
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "bench"}}},
    "Outputs": {"TopicArn": {"Value": {"Ref": "Topic"}}},
}
# A made-up access key pair that secret scanners recognise (Prowler's Kingfisher reports "Generic API Key" and
# "Generic Secret"; a password-looking value alone was not reported). Assembled at run time so that no key-shaped
# literal sits in the repository for push-time scanners to trip on. It grants nothing anywhere.
LEAKY_OUTPUT = {
    "DeployAccessKeyId": {"Value": "AKIA" + "4HQ7ZJ3KX5PWR2NT", "Description": "CI deploy user"},
    "DeploySecretAccessKey": {"Value": "q8Fz3Lr7Tn0Vx5Kb2Hw9" + "Ym4Pd6Sj1Gc8Ue3Ra7N", "Description": "CI deploy user"},
}
STACK_POLICY = {
    "Statement": [
        {"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": ["Update:Replace", "Update:Delete"], "Principal": "*", "Resource": "*"},
    ]
}

GLOBAL_SERVICES = [
    "iam:*", "organizations:*", "sts:*", "support:*", "cloudfront:*", "route53:*", "budgets:*", "health:*",
    "waf:*", "globalaccelerator:*", "account:*", "billing:*", "ce:*", "trustedadvisor:*",
]  # fmt: skip


def scp(statements: list[dict]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def parse_regions(text: str) -> list[str]:
    if text.strip().lower() == "all":
        return list(DEFAULT_REGIONS)
    regions = [r.strip() for r in text.split(",") if r.strip()]
    if not regions:
        raise SystemExit("seed.py: --regions is empty")
    unknown = [r for r in regions if r not in DEFAULT_REGIONS]
    if unknown:
        raise SystemExit(f"seed.py: not default-enabled regions: {', '.join(unknown)} (choose from {DEFAULT_REGIONS})")
    return list(dict.fromkeys(regions))


class Counter:
    """Thread-safe tallies of what was created."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {}

    def add(self, what: str, n: int = 1) -> None:
        with self._lock:
            self.counts[what] = self.counts.get(what, 0) + n


def make_session(creds: dict | None) -> boto3.session.Session:
    if creds is None:
        return boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=HOME_REGION
        )
    return boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=HOME_REGION,
    )


class Clients:
    """boto3 clients, one per (account, service, region), shared by the worker threads.

    A boto3 Session is not thread-safe but its clients are; building a client is the costly part (its service
    model is parsed once per Session), so there is one Session per account and clients are built under a lock.
    """

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self._lock = threading.Lock()
        self._sessions: dict[str, boto3.session.Session] = {}
        self._clients: dict[tuple[str, str, str], object] = {}

    def add_account(self, account_id: str, creds: dict | None) -> None:
        with self._lock:
            self._sessions[account_id] = make_session(creds)

    def get(self, account_id: str, service: str, region: str):
        key = (account_id, service, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._sessions[account_id].client(
                    service, region_name=region, endpoint_url=self.endpoint, config=BOTO_CONFIG
                )
                self._clients[key] = client
            return client


def moto_api(endpoint: str, path: str, method: str = "GET") -> bytes:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(endpoint.rstrip("/") + path, method=method, data=b"" if method == "POST" else None)
    with opener.open(request, timeout=30) as response:
        return response.read()


def build_organization(endpoint: str, accounts: int, regions: list[str], counter: Counter) -> dict:
    session = make_session(None)
    org = session.client("organizations", endpoint_url=endpoint, config=BOTO_CONFIG)
    try:
        existing = org.describe_organization()["Organization"]
        raise SystemExit(
            f"seed.py: moto already holds organization {existing['Id']}; reset it first "
            f"(seed.py --reset, or POST {endpoint}/moto-api/reset)"
        )
    except botocore.exceptions.ClientError as e:
        if e.response["Error"]["Code"] != "AWSOrganizationsNotInUseException":
            raise
    organization = org.create_organization(FeatureSet="ALL")["Organization"]
    counter.add("organizations")
    management = organization["MasterAccountId"]
    root_id = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root_id, PolicyType="SERVICE_CONTROL_POLICY")

    def ou(parent: str, name: str) -> str:
        counter.add("organizational units")
        return org.create_organizational_unit(ParentId=parent, Name=name)["OrganizationalUnit"]["Id"]

    security = ou(root_id, "Security")
    workloads = ou(root_id, "Workloads")
    prod = ou(workloads, "Prod")
    dev = ou(workloads, "Dev")
    homes = [security, prod, dev]

    members: list[dict] = []
    for i in range(accounts):
        name = f"bench-member-{i + 1:03d}"
        status = org.create_account(Email=f"{name}@example.com", AccountName=name, RoleName=ACCESS_ROLE)
        status = status["CreateAccountStatus"]
        for _ in range(50):  # moto answers SUCCEEDED at once; AWS would make us wait
            if status["State"] != "IN_PROGRESS":
                break
            time.sleep(0.1)
            status = org.describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"]
        if status["State"] != "SUCCEEDED":
            raise SystemExit(f"seed.py: CreateAccount {name} ended {status['State']}: {status.get('FailureReason')}")
        account_id = status["AccountId"]
        target = homes[i % len(homes)]
        org.move_account(AccountId=account_id, SourceParentId=root_id, DestinationParentId=target)
        members.append({"id": account_id, "name": name, "ou": target})
        counter.add("member accounts")

    allowed = sorted(set(regions) | {HOME_REGION})
    policies = [
        (
            "deny-cloudtrail-tampering",
            "Nobody stops, deletes or reconfigures CloudTrail",
            scp([{
                "Sid": "DenyCloudTrailTampering",
                "Effect": "Deny",
                "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail",
                           "cloudtrail:PutEventSelectors"],
                "Resource": "*",
            }]),
            [root_id],
        ),
        (
            "region-restriction",
            "Workloads run only in the seeded regions",
            scp([{
                "Sid": "DenyOutsideAllowedRegions",
                "Effect": "Deny",
                "NotAction": GLOBAL_SERVICES,
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:RequestedRegion": allowed}},
            }]),
            [workloads],
        ),
        (
            "deny-config-tampering",
            "Nobody stops or deletes AWS Config in production",
            scp([{
                "Sid": "DenyConfigTampering",
                "Effect": "Deny",
                "Action": ["config:StopConfigurationRecorder", "config:DeleteConfigurationRecorder",
                           "config:DeleteDeliveryChannel"],
                "Resource": "*",
            }]),
            [prod],
        ),
        (
            "deny-leave-organization",
            "Member accounts stay in the organization",
            scp([{"Sid": "DenyLeave", "Effect": "Deny", "Action": "organizations:LeaveOrganization",
                  "Resource": "*"}]),
            [members[0]["id"]] if members else [root_id],
        ),
    ]  # fmt: skip
    for name, description, content, targets in policies:
        policy_id = org.create_policy(
            Name=name, Description=description, Content=content, Type="SERVICE_CONTROL_POLICY"
        )["Policy"]["PolicySummary"]["Id"]
        counter.add("service control policies")
        for target in targets:
            org.attach_policy(PolicyId=policy_id, TargetId=target)
            counter.add("policy attachments")

    return {
        "organization_id": organization["Id"],
        "management_account": management,
        "root_id": root_id,
        "ous": {"Security": security, "Workloads": workloads, "Prod": prod, "Dev": dev},
        "members": members,
    }


def member_credentials(management_sts, account_id: str) -> dict:
    role_arn = f"arn:aws:iam::{account_id}:role/{ACCESS_ROLE}"
    return management_sts.assume_role(RoleArn=role_arn, RoleSessionName="dopaudit-bench-seed")["Credentials"]


def create_access_role(clients: Clients, account_id: str, management: str, counter: Counter) -> None:
    # First check that the assumed credentials really act in the member account.
    who = clients.get(account_id, "sts", HOME_REGION).get_caller_identity()
    if who["Account"] != account_id:
        raise SystemExit(f"seed.py: AssumeRole into {account_id} gave credentials for {who['Account']}")
    iam = clients.get(account_id, "iam", HOME_REGION)
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{management}:root"},
                       "Action": "sts:AssumeRole"}],
    }  # fmt: skip
    try:
        iam.create_role(RoleName=ACCESS_ROLE, AssumeRolePolicyDocument=json.dumps(trust))
    except botocore.exceptions.ClientError as e:
        if e.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
    else:
        iam.attach_role_policy(RoleName=ACCESS_ROLE, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
        counter.add("IAM roles")


def create_log_bucket(s3, bucket: str, region: str, account_id: str) -> None:
    """A log bucket as AWS makes one today: SSE-S3 and Block Public Access on, plus the CloudTrail and Config
    delivery grants (moto does neither of the first two by itself, nor checks the grants)."""
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
    )
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
        },
    )  # fmt: skip
    services = {"Service": ["cloudtrail.amazonaws.com", "config.amazonaws.com"]}
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AclCheck", "Effect": "Allow", "Principal": services, "Action": "s3:GetBucketAcl",
             "Resource": f"arn:aws:s3:::{bucket}"},
            {"Sid": "Write", "Effect": "Allow", "Principal": services, "Action": "s3:PutObject",
             "Resource": f"arn:aws:s3:::{bucket}/*", "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
            {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        ],
    }  # fmt: skip
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


def seed_region(
    clients: Clients,
    account_id: str,
    account_index: int,
    region: str,
    region_index: int,
    stacks: int,
    counter: Counter,
) -> dict:
    s3, cloudtrail, config, cfn = (
        clients.get(account_id, service, region) for service in ("s3", "cloudtrail", "config", "cloudformation")
    )
    # A rotating index, so that each account has its gaps in different regions.
    n = account_index * 7 + region_index
    bucket = f"bench-audit-{account_id}-{region}"
    create_log_bucket(s3, bucket, region, account_id)
    counter.add("S3 buckets")

    trail = f"bench-trail-{region}"
    validation = n % 3 != 2
    cloudtrail.create_trail(
        Name=trail, S3BucketName=bucket, S3KeyPrefix="cloudtrail", EnableLogFileValidation=validation,
        IsMultiRegionTrail=False, IncludeGlobalServiceEvents=region == HOME_REGION,
    )  # fmt: skip
    counter.add("trails")
    counter.add("trails with log file validation", int(validation))
    logging = n % 5 != 4
    if logging:
        cloudtrail.start_logging(Name=trail)
        counter.add("trails logging")

    recorder = (region_index + account_index) % 3 != 2
    if recorder:
        config.put_configuration_recorder(
            ConfigurationRecorder={
                "name": "default",
                "roleARN": f"arn:aws:iam::{account_id}:role/aws-service-role/config.amazonaws.com/"
                "AWSServiceRoleForConfig",
                "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": region == HOME_REGION},
            }
        )
        config.put_delivery_channel(
            DeliveryChannel={
                "name": "default",
                "s3BucketName": bucket,
                "s3KeyPrefix": "config",
                "configSnapshotDeliveryProperties": {"deliveryFrequency": "TwentyFour_Hours"},
            }
        )
        counter.add("config recorders")
        if n % 4 != 3:
            config.start_configuration_recorder(ConfigurationRecorderName="default")
            counter.add("config recorders recording")
        rules = [
            {
                "ConfigRuleName": "cloudtrail-enabled",
                "Source": {"Owner": "AWS", "SourceIdentifier": "CLOUD_TRAIL_ENABLED"},
                "MaximumExecutionFrequency": "TwentyFour_Hours",
            },
            {
                "ConfigRuleName": "s3-bucket-versioning-enabled",
                "Source": {"Owner": "AWS", "SourceIdentifier": "S3_BUCKET_VERSIONING_ENABLED"},
                "Scope": {"ComplianceResourceTypes": ["AWS::S3::Bucket"]},
            },
        ]
        for rule in rules:
            config.put_config_rule(ConfigRule=rule)
            counter.add("config rules")

    for i in range(stacks):
        template = dict(QUEUE_TEMPLATE if i % 2 == 0 else TOPIC_TEMPLATE)
        if i == 0 and region_index == 0:
            template["Outputs"] = {**template["Outputs"], **LEAKY_OUTPUT}
        kwargs = {
            "StackName": f"bench-{'queue' if i % 2 == 0 else 'topic'}-{i + 1:02d}",
            "TemplateBody": json.dumps(template),
            "EnableTerminationProtection": i % 2 == 0,
            "Tags": [{"Key": "bench", "Value": "dopaudit"}],
        }
        if i % 3 == 0:
            kwargs["StackPolicyBody"] = json.dumps(STACK_POLICY)
        cfn.create_stack(**kwargs)
        counter.add("stacks")
        counter.add("stacks with termination protection", int(kwargs["EnableTerminationProtection"]))
        counter.add("stacks with a stack policy", int("StackPolicyBody" in kwargs))
    return {"account": account_id, "region": region, "config_recorder": recorder, "log_file_validation": validation}


def org_trail(clients: Clients, management: str, region: str, counter: Counter) -> None:
    s3 = clients.get(management, "s3", region)
    cloudtrail = clients.get(management, "cloudtrail", region)
    bucket = f"bench-org-trail-{management}"
    create_log_bucket(s3, bucket, region, management)
    counter.add("S3 buckets")
    cloudtrail.create_trail(
        Name="bench-organization-trail", S3BucketName=bucket, IsMultiRegionTrail=True, IsOrganizationTrail=True,
        EnableLogFileValidation=True, IncludeGlobalServiceEvents=True,
    )  # fmt: skip
    cloudtrail.start_logging(Name="bench-organization-trail")
    counter.add("trails")
    counter.add("trails with log file validation")
    counter.add("trails logging")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True, help="moto's URL, e.g. http://127.0.0.1:5000")
    parser.add_argument("--accounts", type=int, default=3, help="member accounts besides the management account")
    parser.add_argument("--regions", default="us-east-1,eu-west-1,ap-southeast-2", help="comma list, or 'all' (17)")
    parser.add_argument("--stacks-per-region", type=int, default=2, help="CloudFormation stacks per account+region")
    parser.add_argument("--threads", type=int, default=16, help="worker threads for the per-region seeding")
    parser.add_argument("--reset", action="store_true", help="POST /moto-api/reset before seeding")
    parser.add_argument("--summary", help="write what was created as JSON to this file")
    options = parser.parse_args()
    if options.accounts < 0 or options.stacks_per_region < 0 or options.threads < 1:
        parser.error("--accounts and --stacks-per-region must be >= 0, --threads >= 1")
    regions = parse_regions(options.regions)
    endpoint = options.endpoint.rstrip("/")

    # Only moto, whatever the caller's environment says.
    for var in list(os.environ):
        if var.startswith("AWS_ENDPOINT_URL") or var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            del os.environ[var]
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

    started = time.monotonic()
    try:
        moto_api(endpoint, "/moto-api/")
    except OSError as e:
        raise SystemExit(f"seed.py: moto does not answer at {endpoint}: {e}") from None
    if options.reset:
        moto_api(endpoint, "/moto-api/reset", "POST")

    counter = Counter()
    org = build_organization(endpoint, options.accounts, regions, counter)
    t_org = time.monotonic()

    management = org["management_account"]
    clients = Clients(endpoint)
    clients.add_account(management, None)
    accounts = [management]
    management_sts = clients.get(management, "sts", HOME_REGION)
    for member in org["members"]:
        clients.add_account(member["id"], member_credentials(management_sts, member["id"]))
        accounts.append(member["id"])
    with concurrent.futures.ThreadPoolExecutor(max_workers=options.threads) as pool:
        for done in [pool.submit(create_access_role, clients, m["id"], management, counter) for m in org["members"]]:
            done.result()
    t_roles = time.monotonic()

    tasks = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=options.threads) as pool:
        tasks.append(pool.submit(org_trail, clients, management, regions[0], counter))
        for a, account_id in enumerate(accounts):
            for r, region in enumerate(regions):
                tasks.append(
                    pool.submit(seed_region, clients, account_id, a, region, r, options.stacks_per_region, counter)
                )
        failures = []
        cells = []
        for task in concurrent.futures.as_completed(tasks):
            try:
                result = task.result()
            except Exception as e:  # noqa: BLE001 - reported below, all at once
                failures.append(repr(e))
            else:
                if result:
                    cells.append(result)
    finished = time.monotonic()
    if failures:
        for failure in failures[:10]:
            sys.stderr.write(f"seed.py: {failure}\n")
        raise SystemExit(f"seed.py: {len(failures)} of {len(tasks)} seeding tasks failed")

    print(
        f"seeded {len(accounts)} accounts ({org['management_account']} + {len(org['members'])} members) x "
        f"{len(regions)} regions in {finished - started:.2f} s "
        f"(organization {t_org - started:.2f} s, roles {t_roles - t_org:.2f} s, "
        f"{len(tasks)} region tasks on {options.threads} threads {finished - t_roles:.2f} s)"
    )
    for what in sorted(counter.counts):
        print(f"  {counter.counts[what]:6d}  {what}")
    if options.summary:
        summary = {
            "endpoint": endpoint,
            "regions": regions,
            "seconds": round(finished - started, 3),
            "counts": counter.counts,
            "access_role": ACCESS_ROLE,
            **org,
            "accounts": accounts,
            "cells": sorted(cells, key=lambda c: (c["account"], c["region"])),
        }
        tmp = f"{options.summary}.tmp.{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=2)
            f.write("\n")
        os.replace(tmp, options.summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
