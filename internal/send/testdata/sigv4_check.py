"""Recomputes the SigV4 signature of a recorded request with botocore, the
signer of the AWS CLI and boto3, independently of the Go SDK.

stdin: {"method","url","headers":{name: value},"body_file","amz_date",
"access_key","secret_key","token","region"}; headers are those the Go
signer listed in SignedHeaders, with the values the server received.
stdout: {"signature","signed_headers","payload_hash"}.
"""
import json
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

req = json.load(sys.stdin)
body = open(req["body_file"], "rb").read()
headers = {k: v for k, v in req["headers"].items() if k.lower() not in ("x-amz-date", "x-amz-security-token")}
r = AWSRequest(method=req["method"], url=req["url"], data=body, headers=headers)
creds = Credentials(req["access_key"], req["secret_key"], req["token"] or None)
auth = SigV4Auth(creds, "lambda", req["region"])
# add_auth would take the current time; sign at the recorded one instead.
r.context["timestamp"] = req["amz_date"]
r.headers["X-Amz-Date"] = req["amz_date"]
if creds.token:
    r.headers["X-Amz-Security-Token"] = creds.token
canonical = auth.canonical_request(r)
string_to_sign = auth.string_to_sign(r, canonical)
print(json.dumps({
    "signature": auth.signature(string_to_sign, r),
    "signed_headers": auth.signed_headers(auth.headers_to_sign(r)),
    "payload_hash": auth.payload(r),
}))
