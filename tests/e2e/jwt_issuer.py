# SPDX-License-Identifier: MIT
"""A token issuer for the JWT tests: keys generated at test time with
python3-cryptography (Debian's; run with /usr/bin/python3), their JWKS served
over HTTP by a thread of the test (counting fetches), and tokens signed with
any of them."""
import base64
import http.server
import json
import threading
import time

from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_bytes(n, size=None):
    return n.to_bytes(size or (n.bit_length() + 7) // 8, "big")


CURVES = {"ES256": (ec.SECP256R1, "P-256", hashes.SHA256, 32),
          "ES384": (ec.SECP384R1, "P-384", hashes.SHA384, 48),
          "ES512": (ec.SECP521R1, "P-521", hashes.SHA512, 66)}
RSA_HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}


class Key:
    """A signing key for one algorithm, with its kid."""

    def __init__(self, alg, kid):
        self.alg, self.kid = alg, kid
        if alg[:2] in ("RS", "PS"):
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif alg in CURVES:
            self.private = ec.generate_private_key(CURVES[alg][0]())
        elif alg == "EdDSA":
            self.private = ed25519.Ed25519PrivateKey.generate()
        else:
            raise ValueError(alg)

    def jwk(self):
        pub = self.private.public_key()
        if self.alg[:2] in ("RS", "PS"):
            n = pub.public_numbers()
            return {"kty": "RSA", "kid": self.kid, "use": "sig", "n": b64url(int_bytes(n.n)),
                    "e": b64url(int_bytes(n.e))}
        if self.alg in CURVES:
            _, crv, _, size = CURVES[self.alg]
            n = pub.public_numbers()
            return {"kty": "EC", "kid": self.kid, "crv": crv, "x": b64url(int_bytes(n.x, size)),
                    "y": b64url(int_bytes(n.y, size))}
        raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "kid": self.kid, "crv": "Ed25519", "x": b64url(raw)}

    def public_pem(self):
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def sign(self, data):
        if self.alg.startswith("RS"):
            return self.private.sign(data, padding.PKCS1v15(), RSA_HASHES[self.alg[2:]]())
        if self.alg.startswith("PS"):
            h = RSA_HASHES[self.alg[2:]]
            return self.private.sign(data, padding.PSS(mgf=padding.MGF1(h()),
                                                       salt_length=h.digest_size), h())
        if self.alg in CURVES:
            _, _, h, size = CURVES[self.alg]
            r, s = decode_dss_signature(self.private.sign(data, ec.ECDSA(h())))
            return int_bytes(r, size) + int_bytes(s, size)
        return self.private.sign(data)


def token(key, claims, alg=None, kid=None, header=None):
    """A signed JWT; `alg`/`kid` override the header (the key still signs)."""
    h = {"typ": "JWT", "alg": alg or key.alg, "kid": key.kid if kid is None else kid}
    h.update(header or {})
    signing_input = (b64url(json.dumps(h).encode()) + "." +
                     b64url(json.dumps(claims).encode())).encode()
    return signing_input.decode() + "." + b64url(key.sign(signing_input))


def unsigned_token(claims):
    """alg none: an empty signature."""
    h = {"typ": "JWT", "alg": "none"}
    return b64url(json.dumps(h).encode()) + "." + b64url(json.dumps(claims).encode()) + "."


def hmac_with_public_key(key, claims):
    """HS256 'signed' with the RSA public key's PEM as the secret (the
    algorithm confusion attack)."""
    h = {"typ": "JWT", "alg": "HS256", "kid": key.kid}
    signing_input = (b64url(json.dumps(h).encode()) + "." +
                     b64url(json.dumps(claims).encode())).encode()
    mac = hmac.HMAC(key.public_pem(), hashes.SHA256())
    mac.update(signing_input)
    return signing_input.decode() + "." + b64url(mac.finalize())


def claims(sub="alice", groups=("ipam-rw",), lifetime=300, **extra):
    now = int(time.time())
    c = {"sub": sub, "iat": now, "exp": now + lifetime}
    if groups is not None:
        c["groups"] = list(groups)
    c.update(extra)
    return c


class JwksServer:
    """Serves {"keys": [...]} at /jwks.json; `fetches` counts the requests."""

    def __init__(self, keys, tls_dir=None):
        """With `tls_dir` (ldap_server.make_ca's files), serves https."""
        self.keys = list(keys)
        self.fetches = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.fetches += 1
                body = json.dumps({"keys": [k.jwk() for k in server.keys]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        scheme = "http"
        if tls_dir:
            import ssl
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(f"{tls_dir}/server.pem", f"{tls_dir}/server.key")
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}/jwks.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def jwks_text(self):
        return json.dumps({"keys": [k.jwk() for k in self.keys]})

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
