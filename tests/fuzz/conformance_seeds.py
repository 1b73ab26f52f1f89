#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpora of the request fuzz targets from the conformance
corpus (tests/conformance/corpus/*.jsonl): XML-RPC bodies, JSON bodies, and
whole HTTP requests for /XMLRPC, /rest/v1 and /api/v1 (the XML-RPC calls
translated to /api/v1/<method> with their struct as JSON).

    conformance_seeds.py CORPUS_DIR OUT_DIR   (writes OUT_DIR/{xmlrpc,json,http}/)
"""
import base64
import glob
import hashlib
import json
import os
import sys
import xmlrpc.client


def write(directory, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def http_request(method, target, headers, body, user):
    lines = [f"{method} {target} HTTP/1.1", "Host: prefixd"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if user:
        lines.append("Authorization: Basic " + base64.b64encode(f"{user}:x".encode()).decode())
    if body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body.encode())}")
    return "\r\n".join(lines) + "\r\n\r\n" + body


def main():
    corpus, out = sys.argv[1], sys.argv[2]
    dirs = {k: os.path.join(out, k) for k in ("xmlrpc", "json", "http")}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    for path in sorted(glob.glob(os.path.join(corpus, "*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                ex = json.loads(line)
                body = ex.get("req_body") or ""
                headers = ex.get("req_headers") or {}
                user = ex.get("auth_user")
                target = ex["path"]
                write(dirs["http"], http_request(ex["method"], target, headers, body, user))
                if target in ("/XMLRPC", "/RPC2"):
                    write(dirs["xmlrpc"], body)
                    try:
                        params, method = xmlrpc.client.loads(body, use_builtin_types=True)
                    except Exception:  # noqa: BLE001 - malformed bodies are seeds as they are
                        continue
                    if params and isinstance(params[0], dict):
                        args = {k: v for k, v in params[0].items() if k != "auth"}
                        text = json.dumps(args, default=str)
                        write(dirs["json"], text)
                        write(dirs["http"], http_request(
                            "POST", f"/api/v1/{method}", {"Content-Type": "application/json"},
                            text, user))
                elif body:
                    write(dirs["json"], body)


if __name__ == "__main__":
    main()
