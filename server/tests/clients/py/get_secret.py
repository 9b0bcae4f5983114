"""Reads one secret with boto3; prints the answer or the error as JSON."""
import json
import os

import boto3
import botocore.exceptions

endpoint = os.environ["HTTPS_ENDPOINT"] if os.environ.get("USE_HTTPS") else os.environ["ENDPOINT"]
verify = os.environ["CA_BUNDLE"] if os.environ.get("USE_HTTPS") else None
client = boto3.client("secretsmanager", endpoint_url=endpoint, verify=verify)
try:
    answer = client.get_secret_value(SecretId=os.environ["SECRET_ID"])
    print(json.dumps({"SecretString": answer.get("SecretString"), "ARN": answer["ARN"]}))
except botocore.exceptions.ClientError as e:
    print(json.dumps({"Error": e.response["Error"]}))
