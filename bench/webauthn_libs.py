"""Passkey verification: py_webauthn against python-fido2, CPU per check.

The same credentials (software ES256 authenticators, bench/passkey.py: user
verification, "none" attestation, as the portal asks) checked in this one
process by py_webauthn (`webauthn`, what twofactor/passkeys.py uses) and by
Yubico's python-fido2 (`fido2.server.Fido2Server`), configured alike: the
relying party id, exactly one origin, user verification required. Each
adapter starts from what the browser POSTs (JSON text) and ends where the
portal's own code goes on: for a registration, the credential id, COSE
public key and counter to store; for a login, the new counter, checked to
have gone up (py_webauthn does that itself; fido2 leaves it to the caller),
from the Passkey row's credential id and COSE key. Also the login options
as JSON, and the ES256 signature check alone (the floor both share).
Rounds alternate the libraries' order; each row is the median of the
rounds' CPU (time.process_time) per check. Before timing, both must accept
every answer and refuse the same forged ones.

    .venv/bin/python -m bench.webauthn_libs [--quick] [--count N] [--rounds R]
"""

import argparse
import hashlib
import inspect
import json
import os
import statistics
import time
from importlib.metadata import version

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2 import cbor
from fido2.cose import CoseKey
from fido2.server import Fido2Server
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    Aaguid,
    AttestedCredentialData,
    AuthenticationResponse,
    PublicKeyCredentialRpEntity,
    UserVerificationRequirement,
)
from webauthn import (
    generate_authentication_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.structs import PublicKeyCredentialDescriptor
from webauthn.helpers.structs import UserVerificationRequirement as PyUV

from bench import passkey, report

RP_ID = "portal.example"
ORIGIN = "https://portal.example"
RP_NAME = "Customer Portal"

# fido2's own origin check (fido2.rpid.verify_rp_id) also accepts any https
# sub-domain of the relying party id; the portal, like py_webauthn, wants
# exactly its origin.
FIDO2 = Fido2Server(
    PublicKeyCredentialRpEntity(id=RP_ID, name=RP_NAME),
    attestation="none",
    verify_origin=lambda origin: origin == ORIGIN,
)


# --- the adapters: from the POSTed JSON to what the portal stores -------------


def webauthn_register(body: str, challenge: bytes) -> tuple[bytes, bytes, int]:
    verified = verify_registration_response(
        credential=json.loads(body),
        expected_challenge=challenge,
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        require_user_verification=True,
    )
    return verified.credential_id, verified.credential_public_key, verified.sign_count


def fido2_register(body: str, challenge: bytes) -> tuple[bytes, bytes, int]:
    state = {"challenge": websafe_encode(challenge), "user_verification": "required"}
    auth_data = FIDO2.register_complete(state, json.loads(body))
    credential = auth_data.credential_data
    return credential.credential_id, cbor.encode(credential.public_key), auth_data.counter


def webauthn_authenticate(
    body: str, challenge: bytes, credential_id: bytes, public_key: bytes, sign_count: int
) -> int:
    verified = verify_authentication_response(
        credential=json.loads(body),
        expected_challenge=challenge,
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        credential_public_key=public_key,
        credential_current_sign_count=sign_count,
        require_user_verification=True,
    )
    return verified.new_sign_count


def fido2_authenticate(
    body: str, challenge: bytes, credential_id: bytes, public_key: bytes, sign_count: int
) -> int:
    state = {"challenge": websafe_encode(challenge), "user_verification": "required"}
    stored = AttestedCredentialData.create(
        Aaguid.NONE, credential_id, CoseKey.parse(cbor.decode(public_key))
    )
    response = AuthenticationResponse.from_dict(json.loads(body))
    FIDO2.authenticate_complete(state, [stored], response)
    counter = response.response.authenticator_data.counter
    if (counter or sign_count) and counter <= sign_count:
        raise ValueError("the counter did not go up")
    return counter


def webauthn_options(challenge: bytes, credential_id: bytes) -> str:
    options = generate_authentication_options(
        rp_id=RP_ID,
        challenge=challenge,
        allow_credentials=[PublicKeyCredentialDescriptor(id=credential_id)],
        user_verification=PyUV.REQUIRED,
    )
    return options_to_json(options)


def fido2_options(challenge: bytes, credential_id: bytes) -> str:
    options, _state = FIDO2.authenticate_begin(
        [{"type": "public-key", "id": credential_id}],
        user_verification=UserVerificationRequirement.REQUIRED,
        challenge=challenge,
    )
    return json.dumps(dict(options.public_key))


def lines_of(function) -> int:
    """Lines of an adapter (its def included), as ruff formats it."""
    return len(inspect.getsourcelines(function)[0])


# --- the credentials ------------------------------------------------------------


def b64(data: bytes) -> str:
    return passkey.b64url(data)


def make(count: int) -> tuple[list, list]:
    """`count` registrations and `count` login assertions, each by its own
    authenticator with its own challenge: (body, challenge) and (body,
    challenge, credential id, COSE key, stored counter)."""
    registrations, assertions = [], []
    for _ in range(count):
        key = passkey.SoftKey(rp_id=RP_ID, origin=ORIGIN)
        challenge = os.urandom(32)
        registrations.append((key.register(b64(challenge)), challenge))
        key.count = 41  # a counter already in use: the check has something to compare
        challenge = os.urandom(32)
        body = key.assert_(b64(challenge))
        assertions.append((body, challenge, key.credential_id, key.cose(), 41))
    return registrations, assertions


def forged(assertion: tuple) -> dict[str, tuple]:
    """Answers both must refuse, made from a good one's authenticator."""
    key = passkey.SoftKey(rp_id=RP_ID, origin=ORIGIN)
    challenge = os.urandom(32)
    good = (key.assert_(b64(challenge)), challenge, key.credential_id, key.cose(), 0)

    def variant(**changes) -> tuple:
        other = passkey.SoftKey(
            rp_id=changes.get("rp_id", RP_ID), origin=changes.get("origin", ORIGIN)
        )
        # The same key, counter 5.
        other.key, other.credential_id, other.count = key.key, key.credential_id, 4
        body = other.assert_(b64(challenge), uv=changes.get("uv", True))
        return (body, challenge, key.credential_id, key.cose(), changes.get("stored", 0))

    answer = json.loads(good[0])
    signature = bytearray(websafe_decode(answer["response"]["signature"]))
    signature[-1] ^= 1
    answer["response"]["signature"] = b64(bytes(signature))
    return {
        "unchanged": variant(),
        "another challenge": (good[0], os.urandom(32), *good[2:]),
        "a sub-domain's origin": variant(origin=f"https://evil.{RP_ID}"),
        "another relying party id": variant(rp_id=f"evil.{RP_ID}"),
        "no user verification": variant(uv=False),
        "the counter not up (5 after 5)": variant(stored=5),
        "a signature off by one bit": (json.dumps(answer), *good[1:]),
        "another person's key": (good[0], challenge, key.credential_id, assertion[3], 0),
    }


def refuses(function, args: tuple) -> bool:
    try:
        function(*args)
    except Exception:  # noqa: BLE001 (each library raises its own kinds)
        return True
    return False


def check(registrations: list, assertions: list) -> list[list]:
    """Both accept the good answers and agree on what they store; both refuse
    every forgery. Raises if not: a timing of unequal checks means nothing."""
    for body, challenge in registrations[:20]:
        ours, theirs = webauthn_register(body, challenge), fido2_register(body, challenge)
        if ours[0] != theirs[0] or ours[2] != theirs[2]:
            raise AssertionError("the libraries store different credentials")
        if CoseKey.parse(cbor.decode(ours[1])) != CoseKey.parse(cbor.decode(theirs[1])):
            raise AssertionError("the libraries store different public keys")
    for args in assertions[:20]:
        if webauthn_authenticate(*args) != fido2_authenticate(*args):
            raise AssertionError("the libraries read different counters")
    rows = []
    cases = forged(assertions[0])
    if refuses(webauthn_authenticate, cases["unchanged"]) or refuses(
        fido2_authenticate, cases.pop("unchanged")
    ):
        raise AssertionError("a library refused the good answer the forgeries start from")
    for case, args in cases.items():
        ours, theirs = refuses(webauthn_authenticate, args), refuses(fido2_authenticate, args)
        if not (ours and theirs):
            raise AssertionError(f"{case}: py_webauthn refused {ours}, fido2 refused {theirs}")
        rows.append([case, "refused", "refused"])
    return rows


# --- timing ---------------------------------------------------------------------


def cpu_per_call(function, items: list) -> float:
    start = time.process_time()
    for args in items:
        function(*args)
    return (time.process_time() - start) / len(items)


def signature_only(assertions: list) -> list[tuple]:
    """What the ES256 check alone needs, prepared outside the timing: the
    public key object, the signature, authenticator data + clientDataJSON's hash."""
    items = []
    for body, _challenge, _cid, public_key, _count in assertions:
        answer = json.loads(body)["response"]
        cose = cbor.decode(public_key)
        numbers = ec.EllipticCurvePublicNumbers(
            int.from_bytes(cose[-2], "big"), int.from_bytes(cose[-3], "big"), ec.SECP256R1()
        )
        signed = (
            websafe_decode(answer["authenticatorData"])
            + hashlib.sha256(websafe_decode(answer["clientDataJSON"])).digest()
        )
        items.append((numbers.public_key(), websafe_decode(answer["signature"]), signed))
    return items


def es256_verify(public_key, signature: bytes, signed: bytes) -> None:
    public_key.verify(signature, signed, ec.ECDSA(hashes.SHA256()))


def run(*, count: int, rounds: int) -> None:
    registrations, assertions = make(count)
    refusals = check(registrations, assertions)
    options_items = [(challenge, cid) for _body, challenge, cid, _key, _n in assertions]
    pairs = [
        ("registration", webauthn_register, fido2_register, registrations),
        ("login assertion", webauthn_authenticate, fido2_authenticate, assertions),
        ("login options to JSON", webauthn_options, fido2_options, options_items),
    ]
    floor_items = signature_only(assertions)
    seconds: dict[tuple[str, str], list[float]] = {}
    for r in range(rounds):
        for what, ours, theirs, items in pairs:
            order = [("py_webauthn", ours), ("fido2", theirs)]
            for name, function in order if r % 2 == 0 else order[::-1]:
                seconds.setdefault((what, name), []).append(cpu_per_call(function, items))
        seconds.setdefault(("ES256 signature check alone", "cryptography"), []).append(
            cpu_per_call(es256_verify, floor_items)
        )

    versions = {
        "py_webauthn": f"py_webauthn {version('webauthn')}",
        "fido2": f"fido2 {version('fido2')}",
        "cryptography": f"cryptography {version('cryptography')}",
    }
    glue = {
        ("registration", "py_webauthn"): lines_of(webauthn_register),
        ("registration", "fido2"): lines_of(fido2_register),
        ("login assertion", "py_webauthn"): lines_of(webauthn_authenticate),
        ("login assertion", "fido2"): lines_of(fido2_authenticate),
        ("login options to JSON", "py_webauthn"): lines_of(webauthn_options),
        ("login options to JSON", "fido2"): lines_of(fido2_options),
    }
    medians = {key: statistics.median(values) for key, values in seconds.items()}
    rows = [
        [
            what,
            versions[name],
            count,
            f"{medians[what, name] * 1e6:.0f}",
            " ".join(f"{s * 1e6:.0f}" for s in values),
            glue.get((what, name), "—"),
        ]
        for (what, name), values in seconds.items()
    ]
    print(
        report.table(
            f"Passkey checks, py_webauthn and fido2, CPU per check ({report.machine()})",
            [
                "check",
                "library",
                "checks per round",
                "median CPU µs",
                f"each of {rounds} rounds, µs",
                "adapter lines",
            ],
            rows,
        )
    )
    for what, _ours, _theirs, _items in pairs:
        ratio = medians[what, "fido2"] / medians[what, "py_webauthn"]
        print(f"{what}: fido2 / py_webauthn = {ratio:.2f}")
    floor = medians["ES256 signature check alone", "cryptography"]
    print(
        f"the ES256 check is {floor / medians['login assertion', 'py_webauthn']:.0%} of "
        f"py_webauthn's login check, {floor / medians['login assertion', 'fido2']:.0%} of fido2's"
    )
    print(
        report.table(
            "Forged login answers, each library's adapter",
            ["answer", "py_webauthn", "fido2"],
            refusals,
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="a few hundred checks, to prove it works"
    )
    parser.add_argument("--count", type=int, help="checks of each kind per round (default 2000)")
    parser.add_argument("--rounds", type=int, help="rounds (default 7)")
    args = parser.parse_args()
    count = args.count or (300 if args.quick else 2000)
    rounds = args.rounds or (3 if args.quick else 7)
    run(count=count, rounds=rounds)


if __name__ == "__main__":
    main()
