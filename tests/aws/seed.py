"""Seeds a moto server with the account tests/aws_account.rs audits.

Usage: python3 seed.py ENDPOINT SCENARIO < keys.json
  keys.json: {"name": [key_id, secret], ...} (fake keys the test made)
  SCENARIO: "dirty" (every kind of finding), "clean" (nothing fails), or "auth" (as
  "dirty", then users `auditor` and `partial` with the policies given in keys.json's
  "policy" and "partial_policy"; moto must start with INITIAL_NO_AUTH_ACTION_COUNT).
Prints a JSON object of the ids it made (and the users' keys for "auth").
"""
import base64
import gzip
import io
import json
import sys
import zipfile

import boto3

endpoint, scenario = sys.argv[1], sys.argv[2]
keys = json.load(sys.stdin)
made = {}

def client(service, region="us-east-1", creds=None):
    creds = creds or ("testing", "testing")
    return boto3.client(service, region_name=region, endpoint_url=endpoint,
                        aws_access_key_id=creds[0], aws_secret_access_key=creds[1])

creds = None
if scenario == "auth":
    # The first calls are free of authentication (INITIAL_NO_AUTH_ACTION_COUNT): make an
    # admin to seed with, then everything is signed and checked against IAM policies.
    iam = client("iam")
    iam.create_user(UserName="admin")
    iam.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="admin")["AccessKey"]
    creds = (key["AccessKeyId"], key["SecretAccessKey"])
    iam = client("iam", creds=creds)
    for user, policy in (("auditor", keys["policy"]), ("partial", keys["partial_policy"])):
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName="audit", PolicyDocument=policy)
        key = iam.create_access_key(UserName=user)["AccessKey"]
        made[user] = [key["AccessKeyId"], key["SecretAccessKey"]]

def export(name):
    key_id, secret = keys[name]
    return f"export AWS_ACCESS_KEY_ID={key_id}\nexport AWS_SECRET_ACCESS_KEY={secret}\n"

iam = client("iam", creds=creds)
trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Principal": {"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]},
    "Action": "sts:AssumeRole"}]})
role_arn = iam.create_role(RoleName="app-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
iam.create_instance_profile(InstanceProfileName="with-role")
iam.add_role_to_instance_profile(InstanceProfileName="with-role", RoleName="app-role")
iam.create_instance_profile(InstanceProfileName="no-role")

def run(region, user_data=None, profile=None, name=None):
    ec2 = client("ec2", region, creds)
    image = ec2.describe_images()["Images"][0]["ImageId"]
    args = {"ImageId": image, "MinCount": 1, "MaxCount": 1, "InstanceType": "t3.micro"}
    if user_data is not None:
        args["UserData"] = user_data
    if profile:
        args["IamInstanceProfile"] = {"Name": profile}
    if name:
        args["TagSpecifications"] = [{"ResourceType": "instance",
                                      "Tags": [{"Key": "Name", "Value": name}]}]
    return ec2.run_instances(**args)["Instances"][0]["InstanceId"]

if scenario == "clean":
    made["instance"] = run("us-east-1", "#!/bin/sh\necho hello\n", "with-role", "web")
    client("lambda", creds=creds).create_function(
        FunctionName="clean-fn", Runtime="python3.12", Role=role_arn, Handler="app.handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18},
        Environment={"Variables": {"STAGE": "prod", "TABLE": "orders"}})
    print(json.dumps(made))
    sys.exit(0)

# Plain user data, on an instance with a role.
made["plain"] = run("us-east-1", "#!/bin/sh\n" + export("plain"), "with-role", "web")
# gzip, as bytes: boto3 base64-encodes them, cloud-init inflates them. No profile.
made["gzip"] = run("us-east-1", gzip.compress(("#!/bin/bash\n" + export("gzip")).encode()))
# MIME multipart, the key in a base64-encoded part; a profile holding no role.
part = base64.b64encode(("#cloud-config\nruncmd:\n  - " + export("mime").replace("\n", " ; ") + "\n").encode()).decode()
mime = ("Content-Type: multipart/mixed; boundary=\"==BOUNDARY==\"\nMIME-Version: 1.0\n\n"
        "--==BOUNDARY==\nContent-Type: text/x-shellscript\n\n#!/bin/sh\necho first\n"
        "--==BOUNDARY==\nContent-Type: text/cloud-config\nContent-Transfer-Encoding: base64\n"
        "Content-Disposition: attachment; filename=\"keys.cfg\"\n\n" + part + "\n--==BOUNDARY==--\n")
made["mime"] = run("us-east-1", mime, "no-role")
# Another region: no profile, no user data.
made["west"] = run("eu-west-1")

ec2 = client("ec2", creds=creds)
template = ec2.create_launch_template(
    LaunchTemplateName="workers",
    LaunchTemplateData={"ImageId": "ami-12c6146b", "UserData": base64.b64encode(
        ("#!/bin/sh\n" + export("template")).encode()).decode()})
made["template"] = template["LaunchTemplate"]["LaunchTemplateId"]
ec2.create_launch_template_version(
    LaunchTemplateId=made["template"], SourceVersion="1",
    LaunchTemplateData={"IamInstanceProfile": {"Name": "with-role"}, "UserData": ""})

autoscaling = client("autoscaling", creds=creds)
autoscaling.create_launch_configuration(
    LaunchConfigurationName="legacy-workers", ImageId="ami-12c6146b", InstanceType="t3.micro",
    UserData="#!/bin/sh\n" + export("configuration"))

buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w") as archive:
    archive.writestr("app.py", "def handler(event, context):\n    return 1\n")
key_id, secret = keys["lambda"]
client("lambda", creds=creds).create_function(
    FunctionName="billing", Runtime="python3.12", Role=role_arn, Handler="app.handler",
    Code={"ZipFile": buffer.getvalue()},
    Environment={"Variables": {"STAGE": "prod", "AWS_ACCESS_KEY_ID": key_id,
                               "AWS_SECRET_ACCESS_KEY": secret}})

key_id, secret = keys["ecs"]
client("ecs", creds=creds).register_task_definition(
    family="api", containerDefinitions=[{"name": "web", "image": "nginx", "memory": 128,
        "environment": [{"name": "LOG_LEVEL", "value": "info"},
                        {"name": "AWS_ACCESS_KEY_ID", "value": key_id},
                        {"name": "AWS_SECRET_ACCESS_KEY", "value": secret}]}])
print(json.dumps(made))
