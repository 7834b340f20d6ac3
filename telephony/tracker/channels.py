"""What a channel name says about the party behind it.

Asterisk names a channel ``<tech>/<resource>-<sequence>`` (``PJSIP/agent1-0000000f``); Local channels
add ``;1``/``;2`` (``Local/2002@internal-00000002;1``). The device interface an operator is known by
(``PJSIP/agent1``) is the name without the sequence. Whether a device is a trunk or an operator's phone
is not in the name: the tracker decides it from the dialplan context the channel starts in (the
endpoint's ``context`` in pjsip.conf) or from a configured list of trunk endpoints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Kind(Enum):
    TRUNK = "trunk"  # the outside world: carriers, SIP trunks
    OPERATOR = "operator"  # a person's device: agents, supervisors, desk phones
    LOCAL = "local"  # Local/... pairs: dialplan plumbing, never a party


@dataclass(frozen=True, slots=True)
class TrackerConfig:
    """How to tell trunks from operator devices on this PBX."""

    trunk_contexts: frozenset[str] = field(
        default_factory=lambda: frozenset({"from-trunk", "from-pstn", "from-external", "from-carrier"})
    )
    trunk_endpoints: frozenset[str] = frozenset()  # interfaces such as "PJSIP/carrier"
    ended_memory: int = 50_000  # finished Linkedids remembered so replays cannot log a call twice
    # Contexts of the Local channels a campaign's Originate starts (CALLCENTER_DIALER_CONTEXT)
    dialer_contexts: frozenset[str] = frozenset({"dialer-out"})


def interface_of(channel: str) -> str:
    """``PJSIP/agent1-0000000f`` -> ``PJSIP/agent1``; names without a sequence are returned as they are."""
    cut = channel.rfind("-")
    if cut <= channel.find("/"):
        return channel
    return channel[:cut]


def is_local(channel: str) -> bool:
    return channel[:6].lower() == "local/"


def local_partner(channel: str) -> str | None:
    """The other half of a Local pair (``...;1`` <-> ``...;2``)."""
    if channel.endswith(";1"):
        return channel[:-1] + "2"
    if channel.endswith(";2"):
        return channel[:-1] + "1"
    return None


def classify(channel: str, context: str | None, config: TrackerConfig) -> Kind:
    if is_local(channel):
        return Kind.LOCAL
    if interface_of(channel) in config.trunk_endpoints or (context or "") in config.trunk_contexts:
        return Kind.TRUNK
    return Kind.OPERATOR


def number_from_dial(target: str) -> str:
    """The dialled number in a dial string or Local channel name.

    ``carrier/sip:15551230001@127.0.0.1:5081`` -> ``15551230001``;
    ``Local/15551230001@outbound-00000000;1`` -> ``15551230001``.
    """
    tail = target.rsplit("/", 1)[-1]
    for scheme in ("sip:", "sips:", "tel:"):
        if tail.startswith(scheme):
            tail = tail[len(scheme) :]
    return tail.split("@", 1)[0]


def known(value: str | None) -> str | None:
    """Asterisk writes ``<unknown>`` or nothing for an unset caller id; both mean None here."""
    if not value or value == "<unknown>":
        return None
    return value
