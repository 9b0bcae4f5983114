"""AssumeRole with a session policy that narrows the role to prod/app/*; reads both secrets."""
import json
import os

import boto3
import botocore.exceptions

endpoint = os.environ["ENDPOINT"]
sts = boto3.client("sts", endpoint_url=endpoint)
policy = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/app/*",
    }],
}
creds = sts.assume_role(
    RoleArn="arn:aws:iam::111122223333:role/app",
    RoleSessionName="narrow",
    Policy=json.dumps(policy),
    Tags=[{"Key": "purpose", "Value": "test"}],
)["Credentials"]
session = boto3.Session(
    aws_access_key_id=creds["AccessKeyId"],
    aws_secret_access_key=creds["SecretAccessKey"],
    aws_session_token=creds["SessionToken"],
)
out = {}
out["caller"] = session.client("sts", endpoint_url=endpoint).get_caller_identity()["Arn"]
sm = session.client("secretsmanager", endpoint_url=endpoint)
out["config"] = sm.get_secret_value(SecretId="prod/app/config")["SecretString"]
try:
    sm.get_secret_value(SecretId="prod/db/credentials")
    out["db"] = "read"
except botocore.exceptions.ClientError as e:
    out["db"] = e.response["Error"]
print(json.dumps(out))
