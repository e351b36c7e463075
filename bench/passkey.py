"""A software passkey for the benchmarks, and the browser's JSON POST.

`SoftKey` is an ES256 authenticator with user verification and "none"
attestation (what the portal's options ask for), answering in the W3C JSON
forms a browser's `credential.toJSON()` sends: the logic of tests/softkey.py,
with the relying party id and origin given, so it runs without Django (for
bench.webauthn_libs) as well as against a served portal (bench.login_cpu).
`post_json` posts as static/portal.js's postJSON does."""

import base64
import hashlib
import http.client
import json
import os
import struct
import time
from http.cookies import SimpleCookie

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from bench import client

UP, UV, AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _client_data(kind: str, challenge: str, origin: str) -> bytes:
    # As a browser writes it: compact, in this order.
    return json.dumps(
        {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False},
        separators=(",", ":"),
    ).encode()


class SoftKey:
    def __init__(self, *, rp_id: str, origin: str):
        self.rp_id, self.origin = rp_id, origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.count = 0

    @property
    def id(self) -> str:
        """The credential id as the browser sends it and the Passkey row keeps it."""
        return b64url(self.credential_id)

    def cose(self) -> bytes:
        """The public key, COSE (EC2, P-256, ES256): Passkey.public_key."""
        nums = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {1: 2, 3: -7, -1: 1, -2: nums.x.to_bytes(32, "big"), -3: nums.y.to_bytes(32, "big")}
        )

    def _rp_hash(self) -> bytes:
        return hashlib.sha256(self.rp_id.encode()).digest()

    def register(self, challenge: str) -> str:
        """navigator.credentials.create()'s answer, as JSON."""
        client_data = _client_data("webauthn.create", challenge, self.origin)
        attested = (
            b"\x00" * 16
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self.cose()
        )
        auth_data = (
            self._rp_hash() + bytes([UP | UV | AT]) + struct.pack(">I", self.count) + attested
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return json.dumps(
            {
                "id": self.id,
                "rawId": self.id,
                "type": "public-key",
                "response": {
                    "clientDataJSON": b64url(client_data),
                    "attestationObject": b64url(attestation),
                    "transports": ["internal"],
                },
                "authenticatorAttachment": "platform",
                "clientExtensionResults": {},
            }
        )

    def assert_(self, challenge: str, *, uv: bool = True) -> str:
        """navigator.credentials.get()'s answer, as JSON; the counter goes up by one."""
        self.count += 1
        client_data = _client_data("webauthn.get", challenge, self.origin)
        flags = UP | (UV if uv else 0)
        auth_data = self._rp_hash() + bytes([flags]) + struct.pack(">I", self.count)
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return json.dumps(
            {
                "id": self.id,
                "rawId": self.id,
                "type": "public-key",
                "response": {
                    "clientDataJSON": b64url(client_data),
                    "authenticatorData": b64url(auth_data),
                    "signature": b64url(signature),
                },
                "authenticatorAttachment": "platform",
                "clientExtensionResults": {},
            }
        )


def post_json(browser: client.Browser, path: str, body: str = "") -> client.Response:
    """POST a JSON body with the CSRF token in X-CSRFToken, as static/portal.js
    does, keeping `browser`'s cookies (client.Browser posts forms only)."""
    headers = {
        "Host": f"{browser.host}:{browser.port}",
        "X-Forwarded-Proto": "https",
        "Origin": browser.origin,
        "Accept": "application/json",
        "Content-Type": "application/json",
        "X-CSRFToken": browser.cookies.get(client.CSRF_COOKIE, ""),
        "Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items()),
    }
    start = time.perf_counter()
    conn = http.client.HTTPConnection(browser.host, browser.port, timeout=browser.timeout)
    try:
        conn.request("POST", path, body=body.encode(), headers=headers)
        raw = conn.getresponse()
        data = raw.read()
    finally:
        conn.close()
    seconds = time.perf_counter() - start
    for header in raw.headers.get_all("Set-Cookie") or ():
        for name, morsel in SimpleCookie(header).items():
            if morsel["max-age"] == "0" or not morsel.value:
                browser.cookies.pop(name, None)
            else:
                browser.cookies[name] = morsel.value
    return client.Response(raw.status, raw.headers, data, seconds)
