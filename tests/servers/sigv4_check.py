#!/usr/bin/python3
"""A small S3 for tests that, unlike s3rver, checks every request's SigV4 signature.

The reference is botocore's own S3 signer (Debian's python3-botocore): for each request
the server rebuilds the canonical request the way S3 does (the path and the query decoded
and encoded again per RFC 3986, so a client that signs something it did not send, or
sends something badly encoded, fails), signs it with the secret it was given, and answers
403 SignatureDoesNotMatch when the signatures differ.

One bucket, held in memory: ListObjectsV2 (prefix, max-keys, continuation-token), GET and
PUT of objects. Every request is appended to the log file as one JSON line.

usage: sigv4_check.py --port-file FILE --bucket NAME --access-key KEY --secret SECRET
         [--region R] [--token T] [--seed DIR [--seed-prefix P]] [--page-size N]
         [--fail-first N] [--vanish KEY] [--log FILE]
--fail-first N: the first N requests that verify are answered 503 SlowDown.
--vanish KEY: KEY is listed but a GET of it answers 404 (deleted after the listing).
--fail-gets: every GET of an object answers 500 InternalError (listings work).
"""
import argparse
import hashlib
import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote
from xml.sax.saxutils import escape

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AUTH_RE = re.compile(
    r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request,\s*"
    r"SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$")


def rfc3986(text):
    return quote(text, safe="-_.~")


class State:
    def __init__(self, args):
        self.args = args
        self.objects = {}  # key -> bytes
        self.lock = threading.Lock()
        self.to_fail = args.fail_first
        self.log = open(args.log, "a", encoding="utf-8") if args.log else None
        if args.seed:
            for root, _, files in os.walk(args.seed):
                for name in files:
                    path = os.path.join(root, name)
                    rel = os.path.relpath(path, args.seed).replace(os.sep, "/")
                    key = f"{args.seed_prefix}/{rel}" if args.seed_prefix else rel
                    with open(path, "rb") as f:
                        self.objects[key] = f.read()

    def record(self, entry):
        if self.log:
            with self.lock:
                self.log.write(json.dumps(entry) + "\n")
                self.log.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"", content_type="application/xml"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if isinstance(body, bytes) and status == 200 and content_type != "application/xml":
            self.send_header("ETag", '"' + hashlib.md5(body).hexdigest() + '"')
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code, message):
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>"
                f"<Message>{escape(message)}</Message></Error>").encode()
        self.answer(status, body)

    def verify(self, body):
        """None when the request is signed right, else (code, why)."""
        a = self.state.args
        m = AUTH_RE.match(self.headers.get("Authorization", ""))
        if not m:
            return ("AccessDenied", "no SigV4 Authorization header")
        key, date, region, signed, signature = m.groups()
        if key != a.access_key:
            return ("InvalidAccessKeyId", "unknown access key")
        if region != a.region:
            return ("AuthorizationHeaderMalformed", f"region {region}, expected {a.region}")
        names = signed.split(";")
        for required in ("host", "x-amz-date", "x-amz-content-sha256"):
            if required not in names:
                return ("AccessDenied", f"{required} is not signed")
        if a.token and ("x-amz-security-token" not in names or
                        self.headers.get("x-amz-security-token") != a.token):
            return ("InvalidToken", "session token missing or wrong")
        amz_date = self.headers.get("x-amz-date", "")
        if not amz_date.startswith(date):
            return ("AccessDenied", "x-amz-date does not match the credential scope")
        payload = self.headers.get("x-amz-content-sha256", "")
        if payload != "UNSIGNED-PAYLOAD" and payload != hashlib.sha256(body).hexdigest():
            return ("XAmzContentSHA256Mismatch", "payload hash does not match")
        raw_path, _, raw_query = self.path.partition("?")
        path = quote(unquote(raw_path), safe="/~")
        pairs = []
        for part in raw_query.split("&") if raw_query else []:
            k, _, v = part.partition("=")
            pairs.append(f"{rfc3986(unquote(k))}={rfc3986(unquote(v))}")
        url = f"http://{self.headers['host']}{path}" + ("?" + "&".join(pairs) if pairs else "")
        headers = {n: self.headers.get(n, "") for n in names}
        request = AWSRequest(method=self.command, url=url, headers=headers, data=body)
        request.context["timestamp"] = amz_date
        signer = S3SigV4Auth(Credentials(a.access_key, a.secret, a.token), "s3", a.region)
        canonical = signer.canonical_request(request)
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
        if expected != signature:
            return ("SignatureDoesNotMatch", "signature does not match")
        return None

    def handle_any(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        problem = self.verify(body)
        entry = {"method": self.command, "path": self.path, "verified": problem is None}
        if problem:
            entry["problem"] = problem[1]
            self.state.record(entry)
            return self.error(403, problem[0], problem[1])
        with self.state.lock:
            fail = self.state.to_fail > 0
            self.state.to_fail -= 1 if fail else 0
        entry["status"] = 503 if fail else 0
        self.state.record(entry)
        if fail:
            return self.error(503, "SlowDown", "Please reduce your request rate.")
        raw_path, _, raw_query = self.path.partition("?")
        parts = unquote(raw_path).lstrip("/").split("/", 1)
        if parts[0] != self.state.args.bucket:
            return self.error(404, "NoSuchBucket", "The specified bucket does not exist")
        key = parts[1] if len(parts) > 1 else ""
        if key == "" and self.command == "GET":
            return self.list_objects(raw_query)
        if self.command == "PUT" and key:
            with self.state.lock:
                self.state.objects[key] = body
            return self.answer(200, b"", "text/plain")
        if self.command == "GET" and key and self.state.args.fail_gets:
            return self.error(500, "InternalError", "We encountered an internal error.")
        if self.command in ("GET", "HEAD") and key:
            with self.state.lock:
                data = self.state.objects.get(key)
            if data is None or key == self.state.args.vanish:
                return self.error(404, "NoSuchKey", "The specified key does not exist.")
            return self.answer(200, data, "application/octet-stream")
        return self.error(400, "InvalidRequest", "not supported here")

    def list_objects(self, raw_query):
        query = {}
        for part in raw_query.split("&") if raw_query else []:
            k, _, v = part.partition("=")
            query[unquote(k)] = unquote(v)
        if query.get("list-type") != "2":
            return self.error(400, "InvalidRequest", "only ListObjectsV2")
        prefix = query.get("prefix", "")
        max_keys = min(int(query.get("max-keys", "1000")), self.state.args.page_size)
        after = query.get("continuation-token", "")
        with self.state.lock:
            keys = sorted(k for k in self.state.objects if k.startswith(prefix) and k > after)
            page = [(k, self.state.objects[k]) for k in keys[:max_keys]]
        truncated = len(keys) > max_keys
        out = ['<?xml version="1.0" encoding="UTF-8"?>',
               '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
               f"<Name>{escape(self.state.args.bucket)}</Name><Prefix>{escape(prefix)}</Prefix>",
               f"<KeyCount>{len(page)}</KeyCount><MaxKeys>{max_keys}</MaxKeys>",
               f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"]
        if truncated:
            out.append(f"<NextContinuationToken>{escape(page[-1][0])}</NextContinuationToken>")
        for k, data in page:
            etag = escape('"' + hashlib.md5(data).hexdigest() + '"', {'"': "&quot;"})
            out.append(f"<Contents><Key>{escape(k)}</Key>"
                       f"<LastModified>2024-03-05T10:00:00.000Z</LastModified>"
                       f"<ETag>{etag}</ETag><Size>{len(data)}</Size>"
                       f"<StorageClass>STANDARD</StorageClass></Contents>")
        out.append("</ListBucketResult>")
        self.answer(200, "".join(out).encode())

    do_GET = handle_any
    do_PUT = handle_any
    do_HEAD = handle_any


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--bucket", required=True)
    p.add_argument("--access-key", required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--token")
    p.add_argument("--seed")
    p.add_argument("--seed-prefix", default="")
    p.add_argument("--page-size", type=int, default=1000)
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--vanish")
    p.add_argument("--fail-gets", action="store_true")
    p.add_argument("--log")
    args = p.parse_args()
    Handler.state = State(args)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


main()
