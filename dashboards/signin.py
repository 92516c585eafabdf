"""Sign-in in the dashboard: Streamlit's OpenID Connect (``st.login``, ``st.user``, ``st.logout``).

The rules are in ``dashboards/access.py``; this module only reads ``st.user`` and the role map and
draws the sign-in line. The identity provider is configured in Streamlit's secrets (``[auth]`` in
``.streamlit/secrets.toml`` or a file named by ``--secrets.files``), never in the repository
(docs/howto.md, "Sign-in and roles").
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
import yaml

from dashboards import access, data


@st.cache_resource(show_spinner=False)
def _role_map(path: str, stamp: float, services: tuple[str, ...]) -> tuple[access.RoleMap, str | None]:
    try:
        return access.load_role_map(Path(path), known_services=services or None), None
    except (OSError, ValueError, yaml.YAMLError) as err:
        return access.RoleMap(), f"{path}: {err}"


def role_map_path() -> Path:
    """``SBU_ROLES_PATH``, else ``roles.yaml`` of the plan the published snapshot was made for."""
    settings = data.settings()
    return settings.roles_path or settings.plans_dir / (data.plan_id() or settings.plan) / "roles.yaml"


def role_map() -> tuple[access.RoleMap, str | None]:
    """The role map, and what is wrong with it (a broken map maps nobody: nobody writes)."""
    path = role_map_path()
    stamp = path.stat().st_mtime if path.exists() else 0.0
    return _role_map(str(path), stamp, tuple(data.services()))


def current() -> access.Access:
    """What this browser session may do."""
    try:
        claims = dict(st.user.to_dict())
    except Exception:  # noqa: BLE001 - no script context (bare mode): nobody is signed in
        claims = {}
    return access.access_for(claims, role_map()[0])


def bar(who: access.Access) -> None:
    """One line under the header: who is signed in and as what, with the button to sign in or out."""
    if not who.auth_configured:
        return
    _, error = role_map()
    if error:
        st.error(f"Rollekartet kan ikke leses, så ingen har roller før det er rettet: {error}", icon=":material/error:")
    text, button = st.columns([5, 1], vertical_alignment="center")
    if who.identity is None:
        text.caption("Ikke innlogget: du kan lese, men ikke skrive kommentarer.")
        if button.button("Logg inn", key="signin_login", icon=":material/login:", width="stretch"):
            st.login()
        return
    roles = ", ".join(who.role_labels) or "ingen rolle (bare lesetilgang)"
    services = f" for {', '.join(who.services)}" if who.services else ""
    email = f" ({who.identity.email})" if who.identity.email and who.identity.email != who.identity.display_name else ""
    text.caption(f"Innlogget som **{who.identity.display_name}**{email} · {roles}{services}")
    if button.button("Logg ut", key="signin_logout", icon=":material/logout:", width="stretch"):
        st.logout()
