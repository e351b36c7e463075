"""A tiny software WebAuthn authenticator (ES256, packed-less 'none' attestation)."""

import hashlib
import json
import os
import struct

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import bytes_to_base64url

from twofactor import passkeys


class SoftKey:
    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.cred_id = os.urandom(16)
        self.count = 0

    def cose(self) -> bytes:
        nums = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {1: 2, 3: -7, -1: 1, -2: nums.x.to_bytes(32, "big"), -3: nums.y.to_bytes(32, "big")}
        )

    def _rp_hash(self):
        return hashlib.sha256(passkeys.rp_id().encode()).digest()

    def register(self, options: dict) -> str:
        client_data = json.dumps(
            {
                "type": "webauthn.create",
                "challenge": options["challenge"],
                "origin": passkeys.origin(),
            }
        ).encode()
        flags = 0x01 | 0x04 | 0x40  # UP, UV, AT
        att = b"\x00" * 16 + struct.pack(">H", len(self.cred_id)) + self.cred_id + self.cose()
        auth_data = self._rp_hash() + bytes([flags]) + struct.pack(">I", self.count) + att
        att_obj = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return json.dumps(
            {
                "id": bytes_to_base64url(self.cred_id),
                "rawId": bytes_to_base64url(self.cred_id),
                "type": "public-key",
                "response": {
                    "clientDataJSON": bytes_to_base64url(client_data),
                    "attestationObject": bytes_to_base64url(att_obj),
                },
            }
        )

    def assert_(self, challenge_b64: str, *, uv=True) -> str:
        self.count += 1
        client_data = json.dumps(
            {"type": "webauthn.get", "challenge": challenge_b64, "origin": passkeys.origin()}
        ).encode()
        flags = 0x01 | (0x04 if uv else 0)
        auth_data = self._rp_hash() + bytes([flags]) + struct.pack(">I", self.count)
        sig = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return json.dumps(
            {
                "id": bytes_to_base64url(self.cred_id),
                "rawId": bytes_to_base64url(self.cred_id),
                "type": "public-key",
                "response": {
                    "clientDataJSON": bytes_to_base64url(client_data),
                    "authenticatorData": bytes_to_base64url(auth_data),
                    "signature": bytes_to_base64url(sig),
                },
            }
        )

    def store(self, user, name="Soft"):
        from twofactor.models import Passkey

        return Passkey.objects.create(
            user=user,
            name=name,
            credential_id=bytes_to_base64url(self.cred_id),
            public_key=self.cose(),
            sign_count=0,
        )
