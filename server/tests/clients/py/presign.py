"""A presigned URL (SigV4 in the query string) for STS GetCallerIdentity, fetched with urllib;
then the same URL with one more parameter (which the signature does not cover)."""
import json
import os
import urllib.error
import urllib.request

import boto3

sts = boto3.client("sts", endpoint_url=os.environ["ENDPOINT"])
url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=300, HttpMethod="GET")


def fetch(u):
    try:
        with urllib.request.urlopen(u, timeout=30) as r:
            return {"status": r.status, "body": r.read().decode()}
    except urllib.error.HTTPError as e:
        return {"status": e.code, "body": e.read().decode()}


print(json.dumps({
    "signed_in_query": "X-Amz-Signature=" in url,
    "valid": fetch(url),
    "tampered": fetch(url + "&Extra=1"),
}))
