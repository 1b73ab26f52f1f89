# SPDX-License-Identifier: MIT
"""Calls with any Authorization header over the three transports (XML-RPC,
JSON at /api/v1, NIPAP's REST at /rest/v1), for the authentication tests."""
import base64
import http.client
import json
import xmlrpc.client

AUTH = {"authoritative_source": "nipap"}


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def bearer(token):
    return "Bearer " + token


def _request(port, method, path, body, headers, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body, headers)
        r = conn.getresponse()
        return r.status, r.read().decode()
    finally:
        conn.close()


def xmlrpc_call(port, authorization, method="version", args=None, timeout=30):
    """The method's result; raises xmlrpc.client.Fault for a fault."""
    body = xmlrpc.client.dumps(({"auth": AUTH, **(args or {})},), method, allow_none=True)
    status, text = _request(port, "POST", "/XMLRPC", body.encode(),
                            {"Content-Type": "text/xml", "Authorization": authorization}, timeout)
    if status != 200:
        raise AssertionError(f"XML-RPC {method}: HTTP {status}: {text}")
    return xmlrpc.client.loads(text, use_builtin_types=True)[0][0]


def xmlrpc_fault(port, authorization, method="version", args=None, timeout=30):
    """(faultCode, faultString) of a call that must fail."""
    try:
        result = xmlrpc_call(port, authorization, method, args, timeout)
    except xmlrpc.client.Fault as f:
        return f.faultCode, f.faultString
    raise AssertionError(f"{method} succeeded: {result!r}")


def json_call(port, authorization, method="version", args=None):
    """(HTTP status, decoded body) of POST /api/v1/METHOD."""
    status, text = _request(port, "POST", f"/api/v1/{method}", json.dumps(args or {}).encode(),
                            {"Content-Type": "application/json", "Authorization": authorization})
    return status, json.loads(text)


def rest_get(port, authorization, query="prefix=192.0.2.0/24"):
    """(HTTP status, decoded body) of NIPAP's GET /rest/v1/prefixes."""
    status, text = _request(port, "GET", f"/rest/v1/prefixes?{query}", None,
                            {"Authorization": authorization, "NIPAP-Authoritative-Source": "nipap"})
    return status, json.loads(text) if text else None


def while_worker_busy(port, authorization, fn, delay=0.2):
    """Runs fn() while another client calls `version` with `authorization`
    (starting `delay` seconds later, so it queues behind fn's call on a
    single worker). Returns (fn's result, fn's seconds, the other call's
    result, its seconds)."""
    import threading
    import time
    other = {}

    def call():
        time.sleep(delay)
        start = time.monotonic()
        other["result"] = xmlrpc_call(port, authorization)
        other["elapsed"] = time.monotonic() - start

    t = threading.Thread(target=call)
    t.start()
    start = time.monotonic()
    result = fn()
    elapsed = time.monotonic() - start
    t.join()
    return result, elapsed, other.get("result"), other.get("elapsed")
