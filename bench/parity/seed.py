#!/usr/bin/env python3
"""Seed a moto server with ONE organization rich in near misses, for the parity ledger against Prowler.

    seed.py --endpoint http://127.0.0.1:5000 [--reset] [--summary FILE]

Four accounts (the management account, moto's 123456789012, and members "prod", "dev", "security") in two regions
(us-east-1, eu-west-1). Every account gets a different mix of compliant settings, non-compliant ones and near misses
(settings that look compliant but are not), so that where the two tools judge a resource differently the ledger shows
it. What each account holds is listed in PLAN below and in bench/parity/NOTES.md.

Whatever moto does not support is tried, recorded as "unsupported" in the summary with moto's error, and skipped:
the seed never stops half-way over one missing API. Not idempotent: pass --reset (POST /moto-api/reset first).
Uses boto3 only (bench/.venv has it, with moto).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
import traceback
import urllib.request
import zipfile

import boto3
import botocore.config
import botocore.exceptions

REGIONS = ["us-east-1", "eu-west-1"]
HOME = "us-east-1"
OTHER = "eu-west-1"
ACCESS_ROLE = "OrganizationAccountAccessRole"
CONFIG_ROLE = "arn:aws:iam::{a}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
BOTO_CONFIG = botocore.config.Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=10, read_timeout=60)

GLOBAL_SERVICES = [
    "iam:*", "organizations:*", "sts:*", "support:*", "cloudfront:*", "route53:*", "budgets:*", "health:*",
    "waf:*", "globalaccelerator:*", "account:*", "billing:*", "ce:*", "trustedadvisor:*",
]  # fmt: skip

RESULTS: list[dict] = []  # one row per seeded item: {"account", "region", "what", "ok", "error"}


def doc(statements: list[dict]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def attempt(account: str, region: str, what: str, fn, *args, **kwargs):
    """Runs one seeding step; records it, and whether moto supported it, instead of stopping."""
    try:
        value = fn(*args, **kwargs)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError, NotImplementedError) as e:
        RESULTS.append({"account": account, "region": region, "what": what, "ok": False, "error": str(e)[:300]})
        return None
    RESULTS.append({"account": account, "region": region, "what": what, "ok": True})
    return value


class Account:
    def __init__(self, endpoint: str, account_id: str, label: str, creds: dict | None) -> None:
        self.id, self.label, self.endpoint = account_id, label, endpoint
        if creds is None:
            self.session = boto3.session.Session(
                aws_access_key_id="testing", aws_secret_access_key="testing", region_name=HOME
            )
        else:
            self.session = boto3.session.Session(
                aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"], region_name=HOME,
            )  # fmt: skip
        self._clients: dict = {}

    def c(self, service: str, region: str = HOME):
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = self.session.client(
                service, region_name=region, endpoint_url=self.endpoint, config=BOTO_CONFIG
            )
        return self._clients[key]

    def try_(self, region: str, what: str, fn, *args, **kwargs):
        return attempt(self.id, region, what, fn, *args, **kwargs)


def moto_api(endpoint: str, path: str, method: str = "GET") -> bytes:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(endpoint + path, method=method, data=b"" if method == "POST" else None)
    with opener.open(request, timeout=30) as response:
        return response.read()


# --- organization and SCPs -------------------------------------------------------------------------------------------


def organization(mgmt: Account) -> dict:
    org = mgmt.c("organizations")
    try:
        existing = org.describe_organization()["Organization"]
        raise SystemExit(f"seed.py: moto already holds organization {existing['Id']}; pass --reset")
    except botocore.exceptions.ClientError as e:
        if e.response["Error"]["Code"] != "AWSOrganizationsNotInUseException":
            raise
    o = org.create_organization(FeatureSet="ALL")["Organization"]
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    ous = {}
    for name, parent in (("Security", root), ("Workloads", root)):
        ous[name] = org.create_organizational_unit(ParentId=parent, Name=name)["OrganizationalUnit"]["Id"]
    for name in ("Prod", "Dev"):
        ous[name] = org.create_organizational_unit(ParentId=ous["Workloads"], Name=name)["OrganizationalUnit"]["Id"]
    members = {}
    for label, ou in (("prod", "Prod"), ("dev", "Dev"), ("security", "Security")):
        st = org.create_account(Email=f"{label}@example.com", AccountName=f"parity-{label}", RoleName=ACCESS_ROLE)
        st = st["CreateAccountStatus"]
        for _ in range(50):
            if st["State"] != "IN_PROGRESS":
                break
            time.sleep(0.1)
            st = org.describe_create_account_status(CreateAccountRequestId=st["Id"])["CreateAccountStatus"]
        if st["State"] != "SUCCEEDED":
            raise SystemExit(f"seed.py: CreateAccount {label}: {st['State']}")
        org.move_account(AccountId=st["AccountId"], SourceParentId=root, DestinationParentId=ous[ou])
        members[label] = st["AccountId"]

    allowed = sorted(REGIONS)
    policies = [
        # Near miss: binds only principals tagged team=contractors; everyone else may stop CloudTrail.
        ("guardrail-cloudtrail-contractors-only", [{
            "Sid": "DenyCloudTrailTamperingForContractors", "Effect": "Deny",
            "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail",
                       "cloudtrail:PutEventSelectors"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalTag/team": "contractors"}},
        }], [root]),
        # Near miss: exempts every role, i.e. nearly every principal that acts in an account.
        ("guardrail-config-except-roles", [{
            "Sid": "DenyConfigTampering", "Effect": "Deny",
            "Action": ["config:StopConfigurationRecorder", "config:DeleteConfigurationRecorder",
                       "config:DeleteDeliveryChannel"],
            "Resource": "*",
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}},
        }], [ous["Workloads"]]),
        # Near miss: a "region restriction" on one API only.
        ("region-restriction-runinstances-only", [{
            "Sid": "DenyRunInstancesElsewhere", "Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": allowed}},
        }], [ous["Workloads"]]),
        # Compliant: a real region restriction with the global services exempted, on Security.
        ("region-restriction", [{
            "Sid": "DenyOutsideApprovedRegions", "Effect": "Deny", "NotAction": GLOBAL_SERVICES, "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": allowed}},
        }], [ous["Security"]]),
        # Compliant, with a narrow break-glass exemption: on the prod account only.
        ("deny-leave-organization", [{
            "Sid": "DenyLeave", "Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*",
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/BreakGlass"}},
        }], [members["prod"]]),
    ]  # fmt: skip
    for name, statements, targets in policies:
        pid = org.create_policy(Name=name, Description=name, Content=doc(statements), Type="SERVICE_CONTROL_POLICY")
        pid = pid["Policy"]["PolicySummary"]["Id"]
        for target in targets:
            org.attach_policy(PolicyId=pid, TargetId=target)
        RESULTS.append({"account": mgmt.id, "region": "global", "what": f"scp {name}", "ok": True})
    return {"organization_id": o["Id"], "management_account": o["MasterAccountId"], "root_id": root, "ous": ous,
            "members": members}  # fmt: skip


def access_role(acct: Account, management: str) -> None:
    who = acct.c("sts").get_caller_identity()
    if who["Account"] != acct.id:
        raise SystemExit(f"seed.py: AssumeRole into {acct.id} acts in {who['Account']}")
    trust = doc([{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{management}:root"}, "Action": "sts:AssumeRole"}])
    try:  # moto's CreateAccount may have made it already
        acct.c("iam").create_role(RoleName=ACCESS_ROLE, AssumeRolePolicyDocument=trust)
    except botocore.exceptions.ClientError as e:
        if e.response["Error"]["Code"] != "EntityAlreadyExists":
            raise


# --- building blocks ---------------------------------------------------------------------------------------------------


def bucket(acct: Account, region: str, name: str) -> str:
    s3 = acct.c("s3", region)
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
    )
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                                        "RestrictPublicBuckets": True},
    )  # fmt: skip
    svc = {"Service": ["cloudtrail.amazonaws.com", "config.amazonaws.com"]}
    s3.put_bucket_policy(Bucket=name, Policy=doc([
        {"Sid": "AclCheck", "Effect": "Allow", "Principal": svc, "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{name}"},
        {"Sid": "Write", "Effect": "Allow", "Principal": svc, "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{name}/*"},
    ]))  # fmt: skip
    return name


def kms_key(acct: Account, region: str) -> str:
    return acct.c("kms", region).create_key(Description="parity")["KeyMetadata"]["Arn"]


def log_group(acct: Account, region: str, name: str, retention: int | None) -> str:
    logs = acct.c("logs", region)
    logs.create_log_group(logGroupName=name)
    if retention is not None:
        logs.put_retention_policy(logGroupName=name, retentionInDays=retention)
    return logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["arn"]


def trail(acct: Account, region: str, name: str, *, multi: bool, validation: bool, kms: bool, cwl: bool,
          logging: bool, org: bool = False, selectors: dict | None = None) -> None:  # fmt: skip
    ct = acct.c("cloudtrail", region)
    kwargs = {"Name": name, "S3BucketName": bucket(acct, region, f"parity-{name}-{acct.id}"),
              "IsMultiRegionTrail": multi, "IncludeGlobalServiceEvents": multi or region == HOME,
              "EnableLogFileValidation": validation}  # fmt: skip
    if org:
        kwargs["IsOrganizationTrail"] = True
    if kms:
        kwargs["KmsKeyId"] = kms_key(acct, region)
    if cwl:
        arn = log_group(acct, region, f"/cloudtrail/{name}", 365)
        kwargs["CloudWatchLogsLogGroupArn"] = arn
        kwargs["CloudWatchLogsRoleArn"] = f"arn:aws:iam::{acct.id}:role/CloudTrailToCloudWatch"
    ct.create_trail(**kwargs)
    if logging:
        ct.start_logging(Name=name)
    if selectors:
        acct.try_(region, f"trail {name} event selectors", ct.put_event_selectors, TrailName=name, **selectors)
    RESULTS.append({"account": acct.id, "region": region, "what": f"trail {name}", "ok": True})


def cis_alarms(acct: Account, region: str, group: str, which: list[str]) -> None:
    """CIS metric filters and alarms on a CloudTrail log group (patterns as the CIS benchmark writes them)."""
    patterns = {
        "root": '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
        "unauthorized": '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
        "signin-failures": '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
    }
    logs, cw = acct.c("logs", region), acct.c("cloudwatch", region)
    topic = acct.c("sns", region).create_topic(Name="security-alarms")["TopicArn"]
    for name in which:
        logs.put_metric_filter(logGroupName=group, filterName=name, filterPattern=patterns[name],
                               metricTransformations=[{"metricName": name, "metricNamespace": "CISBenchmark",
                                                       "metricValue": "1"}])  # fmt: skip
        cw.put_metric_alarm(AlarmName=f"cis-{name}", MetricName=name, Namespace="CISBenchmark", Statistic="Sum",
                            Period=300, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
                            AlarmActions=[topic])  # fmt: skip


def recorder(acct: Account, region: str, *, group: dict, start: bool, channel: bool) -> None:
    cfg = acct.c("config", region)
    cfg.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": CONFIG_ROLE.format(a=acct.id),
                                                          "recordingGroup": group})  # fmt: skip
    if channel:
        cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket(acct, region, f"parity-config-{acct.id}-{region}")})
    if start:
        cfg.start_configuration_recorder(ConfigurationRecorderName="default")


ALL = {"allSupported": True, "includeGlobalResourceTypes": True}
ALL_REGIONAL = {"allSupported": True, "includeGlobalResourceTypes": False}
EXCLUDE_EC2 = {"allSupported": False, "includeGlobalResourceTypes": False,
               "exclusionByResourceTypes": {"resourceTypes": ["AWS::EC2::Instance"]},
               "recordingStrategy": {"useOnly": "EXCLUSION_BY_RESOURCE_TYPES"}}  # fmt: skip
ONLY_S3 = {"allSupported": False, "includeGlobalResourceTypes": False, "resourceTypes": ["AWS::S3::Bucket"],
           "recordingStrategy": {"useOnly": "INCLUSION_BY_RESOURCE_TYPES"}}  # fmt: skip


def iam_user(acct: Account, name: str, *, console: bool, mfa: bool, key: bool) -> None:
    iam = acct.c("iam")
    iam.create_user(UserName=name)
    if console:
        iam.create_login_profile(UserName=name, Password="Parity-Passw0rd!x")
    if mfa:
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]["SerialNumber"]
        iam.enable_mfa_device(UserName=name, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321")
    if key:
        iam.create_access_key(UserName=name)


def stack(acct: Account, region: str, name: str, protected: bool) -> None:
    template = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}
    acct.c("cloudformation", region).create_stack(StackName=name, TemplateBody=json.dumps(template),
                                                   EnableTerminationProtection=protected)


def lambda_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(event, context):\n    return 'ok'\n")
    return buf.getvalue()


def lambda_role(acct: Account) -> str:
    trust = doc([{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}])
    return acct.c("iam").create_role(RoleName="lambda-exec", AssumeRolePolicyDocument=trust)["Role"]["Arn"]


def function(acct: Account, region: str, name: str, runtime: str, tracing: str, role: str) -> None:
    acct.c("lambda", region).create_function(FunctionName=name, Runtime=runtime, Role=role, Handler="index.handler",
                                             Code={"ZipFile": lambda_zip()}, TracingConfig={"Mode": tracing})


def ecr_repo(acct: Account, region: str, name: str, *, scan: bool, immutable: bool, kms: bool, policy: dict | None):
    ecr = acct.c("ecr", region)
    ecr.create_repository(repositoryName=name, imageScanningConfiguration={"scanOnPush": scan},
                          imageTagMutability="IMMUTABLE" if immutable else "MUTABLE",
                          encryptionConfiguration={"encryptionType": "KMS" if kms else "AES256"})  # fmt: skip
    if policy:
        ecr.set_repository_policy(repositoryName=name, policyText=json.dumps(policy))


def table(acct: Account, region: str, name: str, pitr: bool) -> None:
    ddb = acct.c("dynamodb", region)
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=[{"AttributeName": "pk",
                     "AttributeType": "S"}], KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])  # fmt: skip
    if pitr:
        ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})


def efs(acct: Account, region: str, token: str, backup: bool, tls_policy: bool) -> None:
    e = acct.c("efs", region)
    fs = e.create_file_system(CreationToken=token, Encrypted=True, Tags=[{"Key": "Name", "Value": token}])["FileSystemId"]
    if backup:
        acct.try_(region, f"efs {token} backup policy", e.put_backup_policy, FileSystemId=fs, BackupPolicy={"Status": "ENABLED"})
    if tls_policy:
        policy = doc([{"Sid": "DenyNoTls", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "*", "Resource": "*",
                       "Condition": {"Bool": {"aws:SecureTransport": "false"}}}])  # fmt: skip
        acct.try_(region, f"efs {token} file system policy", e.put_file_system_policy, FileSystemId=fs, Policy=policy)


def rds_instance(acct: Account, region: str, name: str, multi_az: bool, retention: int) -> None:
    acct.c("rds", region).create_db_instance(DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="mysql",
                                             EngineVersion="8.0.35", AllocatedStorage=20, MasterUsername="admin",
                                             MasterUserPassword="Parity-Passw0rd", MultiAZ=multi_az,
                                             BackupRetentionPeriod=retention)  # fmt: skip


def rest_api(acct: Account, region: str, name: str, tracing: bool, logging: bool) -> None:
    apigw = acct.c("apigateway", region)
    api = apigw.create_rest_api(name=name)["id"]
    root = [r for r in apigw.get_resources(restApiId=api)["items"] if r["path"] == "/"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    dep = apigw.create_deployment(restApiId=api)["id"]
    apigw.create_stage(restApiId=api, stageName="prod", deploymentId=dep, tracingEnabled=tracing)
    if logging:
        apigw.update_stage(restApiId=api, stageName="prod", patchOperations=[
            {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"}])


def state_machine(acct: Account, region: str, name: str, logging: bool) -> None:
    sfn = acct.c("stepfunctions", region)
    definition = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    kwargs = {"name": name, "definition": definition, "roleArn": f"arn:aws:iam::{acct.id}:role/sfn"}
    if logging:
        group = log_group(acct, region, f"/aws/states/{name}", 90)
        kwargs["loggingConfiguration"] = {"level": "ALL", "includeExecutionData": False,
                                          "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": group}}]}
    sfn.create_state_machine(**kwargs)


def build_project(acct: Account, region: str, name: str, secret_var: bool, privileged: bool) -> None:
    env = [{"name": "STAGE", "value": "prod", "type": "PLAINTEXT"}]
    if secret_var:
        env.append({"name": "AWS_SECRET_ACCESS_KEY", "value": "q8Fz3Lr7Tn0Vx5Kb2Hw9" + "Ym4Pd6Sj1Gc8Ue3Ra7N", "type": "PLAINTEXT"})
    else:
        env.append({"name": "DB_PASSWORD", "value": "/prod/db/password", "type": "PARAMETER_STORE"})
    acct.c("codebuild", region).create_project(
        name=name, source={"type": "S3", "location": f"parity-src-{acct.id}/src.zip"}, artifacts={"type": "NO_ARTIFACTS"},
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL",
                     "privilegedMode": privileged, "environmentVariables": env},
        serviceRole=f"arn:aws:iam::{acct.id}:role/codebuild-{name}")  # fmt: skip


# --- the plan: what each account holds ---------------------------------------------------------------------------------


def seed_management(a: Account) -> None:
    # CloudTrail: an organization trail that logs data events only (near miss of a multi-region trail), validated,
    # KMS, CloudWatch Logs; and a multi-region trail that logs read-only management events, with nothing else.
    a.try_(HOME, "org trail data-only", trail, a, HOME, "org-data-events", multi=True, validation=True, kms=True,
           cwl=True, logging=True, org=True,
           selectors={"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": False,
                                           "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}]})
    a.try_(HOME, "trail read-only", trail, a, HOME, "mgmt-readonly", multi=True, validation=False, kms=False, cwl=False,
           logging=True, selectors={"EventSelectors": [{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}]})
    a.try_(OTHER, "trail stopped", trail, a, OTHER, "eu-regional", multi=False, validation=True, kms=True, cwl=True,
           logging=False)
    # Config: all types with global ones at home; the exclusion strategy in eu-west-1.
    a.try_(HOME, "recorder all", recorder, a, HOME, group=ALL, start=True, channel=True)
    a.try_(OTHER, "recorder exclusion", recorder, a, OTHER, group=EXCLUDE_EC2, start=True, channel=True)
    # IAM: a weak password policy, a console user without MFA, one with, an automation user with a key.
    a.try_("global", "password policy weak", a.c("iam").update_account_password_policy, MinimumPasswordLength=8,
           RequireSymbols=False, RequireNumbers=True, RequireUppercaseCharacters=True, RequireLowercaseCharacters=True)
    a.try_("global", "user alice", iam_user, a, "alice", console=True, mfa=False, key=False)
    a.try_("global", "user bob", iam_user, a, "bob", console=True, mfa=True, key=False)
    a.try_("global", "user ci-bot", iam_user, a, "ci-bot", console=False, mfa=False, key=True)
    # GuardDuty in one region only.
    a.try_(HOME, "guardduty", a.c("guardduty", HOME).create_detector, Enable=True)
    # CloudFormation.
    a.try_(HOME, "stack protected", stack, a, HOME, "baseline", True)
    a.try_(OTHER, "stack unprotected", stack, a, OTHER, "scratch", False)
    # Logs without retention.
    a.try_(HOME, "log group no retention", log_group, a, HOME, "/app/mgmt-audit", None)


def seed_prod(a: Account) -> None:
    # The compliant account: a multi-region trail with everything and the CIS alarms.
    # The event selectors are AWS's defaults, written out: moto returns none for a trail created without them,
    # where AWS returns this selector.
    a.try_(HOME, "trail compliant", trail, a, HOME, "prod-trail", multi=True, validation=True, kms=True, cwl=True,
           logging=True, selectors={"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": True}]})
    a.try_(HOME, "cis alarms", cis_alarms, a, HOME, "/cloudtrail/prod-trail", ["root", "unauthorized", "signin-failures"])
    for r in REGIONS:
        a.try_(r, "recorder", recorder, a, r, group=ALL if r == HOME else ALL_REGIONAL, start=True, channel=True)
    a.try_("global", "password policy strong", a.c("iam").update_account_password_policy, MinimumPasswordLength=14,
           RequireSymbols=True, RequireNumbers=True, RequireUppercaseCharacters=True, RequireLowercaseCharacters=True,
           PasswordReusePrevention=24, MaxPasswordAge=90)
    a.try_("global", "user deployer", iam_user, a, "deployer", console=True, mfa=True, key=False)
    for r in REGIONS:
        a.try_(r, "guardduty", a.c("guardduty", r).create_detector, Enable=True)
    a.try_(HOME, "stack protected", stack, a, HOME, "network", True)
    a.try_(HOME, "stack unprotected", stack, a, HOME, "app", False)
    role = lambda_role(a)
    a.try_(HOME, "lambda supported traced", function, a, HOME, "orders", "python3.12", "Active", role)
    a.try_(HOME, "lambda deprecated", function, a, HOME, "legacy-report", "python3.7", "PassThrough", role)
    a.try_(OTHER, "lambda nodejs deprecated", function, a, OTHER, "edge-shim", "nodejs14.x", "PassThrough", role)
    a.try_(HOME, "ecr app", ecr_repo, a, HOME, "app", scan=True, immutable=True, kms=True, policy=None)
    a.try_(HOME, "ecr legacy", ecr_repo, a, HOME, "legacy", scan=False, immutable=False, kms=False, policy={
        "Version": "2012-10-17", "Statement": [{"Sid": "PullOverTls", "Effect": "Allow", "Principal": "*",
        "Action": ["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
        "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]})  # fmt: skip
    a.try_(HOME, "ecr shared", ecr_repo, a, HOME, "shared", scan=True, immutable=False, kms=False, policy={
        "Version": "2012-10-17", "Statement": [{"Sid": "OrgPull", "Effect": "Allow", "Principal": "*",
        "Action": ["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-placeholder"}}}]})  # fmt: skip
    a.try_(HOME, "dynamodb pitr", table, a, HOME, "orders", True)
    a.try_(HOME, "dynamodb no pitr", table, a, HOME, "sessions", False)
    a.try_(HOME, "efs backed up", efs, a, HOME, "shared-data", True, True)
    a.try_(HOME, "efs not backed up", efs, a, HOME, "scratch-data", False, False)
    a.try_(HOME, "rds multi-az backed up", rds_instance, a, HOME, "orders-db", True, 7)
    a.try_(HOME, "rds single-az no backups", rds_instance, a, HOME, "reporting-db", False, 0)
    a.try_(HOME, "log group 30 days", log_group, a, HOME, "/app/orders", 30)
    a.try_(HOME, "log group no retention", log_group, a, HOME, "/app/debug", None)
    a.try_(HOME, "log group 400 days", log_group, a, HOME, "/app/ledger", 400)
    a.try_(HOME, "rest api traced+logged", rest_api, a, HOME, "orders-api", True, True)
    a.try_(HOME, "rest api plain", rest_api, a, HOME, "legacy-api", False, False)
    a.try_(HOME, "state machine logged", state_machine, a, HOME, "orders-flow", True)
    a.try_(HOME, "state machine unlogged", state_machine, a, HOME, "cleanup-flow", False)
    a.try_(HOME, "codebuild clean", build_project, a, HOME, "orders-build", False, False)
    a.try_(HOME, "codebuild secret", build_project, a, HOME, "legacy-build", True, True)
    q = a.c("sqs", HOME)
    dlq = a.try_(HOME, "sqs dlq", q.create_queue, QueueName="orders-dlq")
    if dlq:
        dlq_arn = q.get_queue_attributes(QueueUrl=dlq["QueueUrl"], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        a.try_(HOME, "sqs with dlq", q.create_queue, QueueName="orders", Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"})})
    a.try_(HOME, "sqs without dlq", q.create_queue, QueueName="notifications")
    ev = a.c("events", HOME)
    a.try_(HOME, "eventbridge sign-in rule (root only)", ev.put_rule, Name="root-signin-failures", EventPattern=json.dumps(
        {"detail-type": ["AWS Console Sign In via CloudTrail"], "detail": {"userIdentity": {"type": ["Root"]},
         "responseElements": {"ConsoleLogin": ["Failure"]}}}))  # fmt: skip
    a.try_(HOME, "eventbridge health rule", ev.put_rule, Name="health", EventPattern=json.dumps({"source": ["aws.health"]}))


def seed_dev(a: Account) -> None:
    # A multi-region trail that logs only read management events through advanced selectors; no validation, no KMS.
    a.try_(HOME, "trail advanced read-only", trail, a, HOME, "dev-trail", multi=True, validation=False, kms=False,
           cwl=True, logging=True, selectors={"AdvancedEventSelectors": [{"Name": "read-only management",
           "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]},
                              {"Field": "readOnly", "Equals": ["true"]}]}]})  # fmt: skip
    a.try_(OTHER, "trail regional plain", trail, a, OTHER, "dev-eu", multi=False, validation=False, kms=False, cwl=False,
           logging=True)
    # Only the root alarm: the others are missing.
    a.try_(HOME, "cis alarm root only", cis_alarms, a, HOME, "/cloudtrail/dev-trail", ["root"])
    a.try_(HOME, "recorder stopped", recorder, a, HOME, group=ALL, start=False, channel=True)
    # AWS (and moto) refuse to start a recorder without a delivery channel: this one exists and records nothing.
    a.try_(OTHER, "recorder without channel", recorder, a, OTHER, group=ALL_REGIONAL, start=False, channel=False)
    a.try_("global", "user dev-admin", iam_user, a, "dev-admin", console=True, mfa=False, key=True)
    a.try_(HOME, "stack unprotected", stack, a, HOME, "dev-app", False)
    role = lambda_role(a)
    a.try_(HOME, "lambda python3.9", function, a, HOME, "dev-tools", "python3.9", "PassThrough", role)
    a.try_(HOME, "dynamodb no pitr", table, a, HOME, "dev-cache", False)
    a.try_(HOME, "rds single-az backed up", rds_instance, a, HOME, "dev-db", False, 1)
    a.try_(OTHER, "log group no retention", log_group, a, OTHER, "/app/dev-eu", None)
    a.try_(HOME, "ecr dev", ecr_repo, a, HOME, "dev-images", scan=False, immutable=False, kms=False, policy={
        "Version": "2012-10-17", "Statement": [{"Sid": "Public", "Effect": "Allow", "Principal": "*",
        "Action": ["ecr:BatchGetImage"]}]})  # fmt: skip


def seed_security(a: Account) -> None:
    # No trail at all. Config records only S3 buckets, in one region.
    a.try_(HOME, "recorder inclusion", recorder, a, HOME, group=ONLY_S3, start=True, channel=True)
    a.try_("global", "password policy no reuse", a.c("iam").update_account_password_policy, MinimumPasswordLength=14,
           RequireSymbols=True, RequireNumbers=True, RequireUppercaseCharacters=True, RequireLowercaseCharacters=True,
           MaxPasswordAge=90)
    a.try_(HOME, "guardduty disabled detector", a.c("guardduty", HOME).create_detector, Enable=False)
    a.try_(HOME, "stack protected", stack, a, HOME, "sec-tooling", True)
    a.try_(HOME, "log group 1 day", log_group, a, HOME, "/app/sec", 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--summary")
    options = parser.parse_args()
    endpoint = options.endpoint.rstrip("/")
    for var in list(os.environ):
        if var.startswith("AWS_ENDPOINT_URL") or var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            del os.environ[var]
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    try:
        moto_api(endpoint, "/moto-api/")
    except OSError as e:
        raise SystemExit(f"seed.py: moto does not answer at {endpoint}: {e}") from None
    if options.reset:
        moto_api(endpoint, "/moto-api/reset", "POST")
    started = time.monotonic()

    mgmt = Account(endpoint, "123456789012", "management", None)
    org = organization(mgmt)
    mgmt.id = org["management_account"]
    accounts = {"management": mgmt}
    sts = mgmt.c("sts")
    for label, account_id in org["members"].items():
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/{ACCESS_ROLE}",
                                RoleSessionName="parity-seed")["Credentials"]  # fmt: skip
        accounts[label] = Account(endpoint, account_id, label, creds)
        access_role(accounts[label], mgmt.id)
    try:
        seed_management(accounts["management"])
        seed_prod(accounts["prod"])
        seed_dev(accounts["dev"])
        seed_security(accounts["security"])
        # A credential report in every account, so that the root and user checks of both tools have one to read.
        for a in accounts.values():
            a.try_("global", "credential report", a.c("iam").generate_credential_report)
    except Exception:  # noqa: BLE001 - a programming error in the plan, not a moto gap
        traceback.print_exc()
        raise SystemExit("seed.py: seeding stopped on an unexpected error (above)") from None

    unsupported = [r for r in RESULTS if not r["ok"]]
    summary = {
        "management_account": mgmt.id,
        "members": [accounts[k].id for k in ("prod", "dev", "security")],
        "labels": {a.id: label for label, a in accounts.items()},
        "regions": REGIONS,
        "organization": org,
        "seeded": [r for r in RESULTS if r["ok"]],
        "unsupported": unsupported,
        "seconds": round(time.monotonic() - started, 2),
    }
    if options.summary:
        with open(options.summary, "w") as f:
            json.dump(summary, f, indent=1)
    print(f"seeded {len(summary['seeded'])} items in 4 accounts x {len(REGIONS)} regions in {summary['seconds']} s; "
          f"{len(unsupported)} not supported by moto")
    for r in unsupported:
        print(f"  unsupported: {r['account']} {r['region']} {r['what']}: {r['error']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
