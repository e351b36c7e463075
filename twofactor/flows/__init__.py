"""Code steps waiting in the session: the login's (login.py) and a change's
(change.py), on what every flow shares (base.py)."""

from twofactor.flows.base import FLOW_KEY, FLOWS, NO_PROVEN_DETAIL, Flow, FlowExpired, Verified
from twofactor.flows.change import (
    ChangeContext,
    ChangeFlow,
    CodeNeeded,
    action_register,
    change_apply,
    change_needed,
    proof_fresh,
    proof_of,
)
from twofactor.flows.login import LoginFlow

__all__ = [
    "FLOWS",
    "FLOW_KEY",
    "NO_PROVEN_DETAIL",
    "ChangeContext",
    "ChangeFlow",
    "CodeNeeded",
    "Flow",
    "FlowExpired",
    "LoginFlow",
    "Verified",
    "action_register",
    "change_apply",
    "change_needed",
    "proof_fresh",
    "proof_of",
]
