"""Who is signed in and what they may do: roles from the identity's claims, mapped in configuration.

Pure functions over plain data (the ID token's claims as ``st.user`` gives them, the role map read
from ``roles.yaml``), so that every rule is unit-tested without Streamlit; the pages ask this module
and nothing else.

The role map (default ``catalogue/plans/<plan>/roles.yaml``, setting ``SBU_ROLES_PATH``) names the
claim that carries the user's groups (Entra ID: ``groups``, the groups' object IDs; or ``roles``,
the app roles) and which values of it make a member of each role:

* ``steering_group`` – the steering group: every metric, the yearly report;
* ``analysts`` – analysts: school and team level, downloads;
* ``service_leaders`` – per service (a name from ``owners`` in the plan's ``metrics.yaml``): its
  leader writes the commentary on the metrics that service owns, and Resultatavtale opens on it.

Without an identity provider (no ``[auth]`` in Streamlit's secrets) the dashboard is read-only:
nobody writes, and the pages that would say so. A commentary is only ever signed by a signed-in
identity with a subject; there is no anonymous signature.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

STEERING_GROUP, ANALYST, SERVICE_LEADER = "styringsgruppe", "analytiker", "tjenesteleder"
ROLE_LABELS = {STEERING_GROUP: "styringsgruppen", ANALYST: "analytiker", SERVICE_LEADER: "tjenesteleder"}

# Why a save control is off, worded for the page (bokmål).
READ_ONLY = (
    "Dashbordet kjører uten innlogging og er skrivebeskyttet: kommentarer kan bare lagres av en innlogget "
    "leder når kommunens identitetsleverandør er satt opp."
)
SIGN_IN_FIRST = "Logg inn for å skrive kommentaren. Kommentaren signeres med navnet fra innloggingen."
NO_DOWNLOAD = "Nedlasting av tabeller er for analytikere og styringsgruppen."
NO_FINE_LEVELS = "Tall for enkeltskoler og team vises for analytikere."
NO_SUBJECT = "Innloggingen mangler en entydig identitet (sub), så kommentaren kan ikke signeres."


@dataclass(frozen=True)
class RoleMap:
    """``roles.yaml``: which claim values make a member of which role."""

    claim: str = "groups"
    steering_group: frozenset[str] = frozenset()
    analysts: frozenset[str] = frozenset()
    service_leaders: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Identity:
    """The signed-in person, from the ID token: what a commentary is signed with."""

    subject: str
    name: str
    email: str
    issuer: str = ""

    @property
    def display_name(self) -> str:
        return self.name or self.email or self.subject

    def as_signer(self) -> dict[str, str]:
        """What the commentary store keeps of the identity."""
        return {"name": self.display_name, "email": self.email, "subject": self.subject, "issuer": self.issuer}


@dataclass(frozen=True)
class Access:
    """What one browser session may do."""

    auth_configured: bool
    identity: Identity | None = None
    roles: frozenset[str] = frozenset()
    services: tuple[str, ...] = ()  # the services this identity leads, in the role map's order

    @property
    def signed_in(self) -> bool:
        return self.identity is not None

    @property
    def role_labels(self) -> list[str]:
        return [ROLE_LABELS[r] for r in (STEERING_GROUP, SERVICE_LEADER, ANALYST) if r in self.roles]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""  # bokmål, shown beside a disabled control


def _values(raw: Any, where: str) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if isinstance(raw, str | int):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(v, str | int) for v in raw):
        raise ValueError(f"{where}: expected a list of group or claim values, got {raw!r}")
    return frozenset(str(v).strip() for v in raw if str(v).strip())


def parse_role_map(doc: Mapping[str, Any] | None, *, known_services: Iterable[str] | None = None) -> RoleMap:
    """The role map from ``roles.yaml``'s content; a service not among ``known_services`` is an error."""
    doc = dict(doc or {})
    unknown = set(doc) - {"claim", "steering_group", "analysts", "service_leaders"}
    if unknown:
        raise ValueError(f"roles.yaml: unknown keys {sorted(unknown)}")
    claim = str(doc.get("claim") or "groups").strip()
    leaders_raw = doc.get("service_leaders") or {}
    if not isinstance(leaders_raw, Mapping):
        raise ValueError("roles.yaml: service_leaders must map a service name to its group or claim values")
    leaders = {str(s).strip(): _values(v, f"roles.yaml: service_leaders.{s}") for s, v in leaders_raw.items()}
    if known_services is not None:
        stray = sorted(set(leaders) - set(known_services))
        if stray:
            raise ValueError(f"roles.yaml: service_leaders names services the plan has not: {stray}")
    return RoleMap(
        claim=claim,
        steering_group=_values(doc.get("steering_group"), "roles.yaml: steering_group"),
        analysts=_values(doc.get("analysts"), "roles.yaml: analysts"),
        service_leaders=leaders,
    )


def load_role_map(path: Path | None, *, known_services: Iterable[str] | None = None) -> RoleMap:
    """The role map at ``path``; a missing file maps nobody to any role (everyone signed in only reads)."""
    if path is None or not Path(path).exists():
        return RoleMap()
    return parse_role_map(yaml.safe_load(Path(path).read_text(encoding="utf-8")), known_services=known_services)


def _claim_values(claims: Mapping[str, Any], claim: str) -> set[str]:
    raw = claims.get(claim)
    if raw is None:
        return set()
    if isinstance(raw, str):  # some providers send one group as a string, or space-separated
        return {v for v in raw.split() if v}
    if isinstance(raw, list | tuple | set | frozenset):
        return {str(v) for v in raw}
    return {str(raw)}


def identity_from_claims(claims: Mapping[str, Any]) -> Identity | None:
    """The signed-in identity, or None when the claims are not of a signed-in user."""
    if not claims.get("is_logged_in"):
        return None
    return Identity(
        subject=str(claims.get("sub") or "").strip(),
        name=str(claims.get("name") or "").strip(),
        email=str(claims.get("email") or claims.get("preferred_username") or "").strip(),
        issuer=str(claims.get("iss") or "").strip(),
    )


def access_for(claims: Mapping[str, Any], role_map: RoleMap) -> Access:
    """What the session with these claims may do. ``claims`` is ``st.user`` as a dict: Streamlit puts
    ``is_logged_in`` in it only when an identity provider is configured."""
    auth_configured = "is_logged_in" in claims
    identity = identity_from_claims(claims) if auth_configured else None
    if identity is None:
        return Access(auth_configured=auth_configured)
    values = _claim_values(claims, role_map.claim)
    roles: set[str] = set()
    if values & role_map.steering_group:
        roles.add(STEERING_GROUP)
    if values & role_map.analysts:
        roles.add(ANALYST)
    services = tuple(s for s, v in role_map.service_leaders.items() if values & v)
    if services:
        roles.add(SERVICE_LEADER)
    return Access(auth_configured=True, identity=identity, roles=frozenset(roles), services=services)


def may_comment(access: Access, service: str, owned_metrics: Sequence[str]) -> Decision:
    """May this session sign the commentary of ``service``? Only its leader, signed in with a subject,
    and only when the service owns a metric to comment on."""
    if not access.auth_configured:
        return Decision(False, READ_ONLY)
    if access.identity is None:
        return Decision(False, SIGN_IN_FIRST)
    if not access.identity.subject:
        return Decision(False, NO_SUBJECT)
    if service not in access.services:
        led = ", ".join(access.services)
        why = (
            f"Du er leder for {led}, ikke for {service}." if led else "Du er ikke registrert som leder for en tjeneste."
        )
        return Decision(
            False, f"{why} Bare tjenestens leder kan skrive kommentaren til indikatorene den har ansvar for."
        )
    if not owned_metrics:
        return Decision(
            False, f"{service} står ikke som hovedansvarlig for noen indikator, så det er ingenting å kommentere."
        )
    return Decision(True)


def home_service(access: Access, services: Sequence[str]) -> str | None:
    """The service Resultatavtale opens on: the first one this identity leads that the plan has."""
    return next((s for s in access.services if s in services), None)


def may_download(access: Access) -> bool:
    """Downloads are the analysts' (and the steering group's, whose report is a download); without an
    identity provider the read-only default keeps them, as it shows every page."""
    return not access.auth_configured or bool(access.roles & {ANALYST, STEERING_GROUP})


def may_get_report(access: Access) -> Decision:
    """The yearly status report is the steering group's; the read-only default without a provider
    offers it to everyone, as it shows every page."""
    if not access.auth_configured or STEERING_GROUP in access.roles:
        return Decision(True)
    if not access.signed_in:
        return Decision(False, "Logg inn for å laste ned statusrapporten (den er for styringsgruppen).")
    return Decision(False, "Statusrapporten er for styringsgruppen.")


def may_see_fine_levels(access: Access) -> bool:
    """School and team level are the analysts'; the read-only default without a provider shows them."""
    return not access.auth_configured or ANALYST in access.roles
