"""Sign-in in the dashboard: Streamlit's OpenID Connect (``st.login``, ``st.user``, ``st.logout``).

The rules are in ``dashboards/access.py``; this module only reads ``st.user`` and the role map and
draws the sign-in line. The identity provider is configured in Streamlit's secrets (``[auth]`` in
``.streamlit/secrets.toml`` or a file named by ``--secrets.files``), never in the repository
(docs/howto.md, "Sign-in and roles").
"""

from __future__ import annotations

import streamlit as st

from dashboards import access, data


@st.cache_resource(show_spinner=False)
def _role_map(path: str, stamp: float, services: tuple[str, ...]) -> access.RoleMap:
    from pathlib import Path

    return access.load_role_map(Path(path), known_services=services or None)


def role_map() -> access.RoleMap:
    path = data.settings().roles_path
    stamp = path.stat().st_mtime if path is not None and path.exists() else 0.0
    return _role_map(str(path), stamp, tuple(data.services()))


def current() -> access.Access:
    """What this browser session may do."""
    try:
        claims = dict(st.user.to_dict())
    except Exception:  # noqa: BLE001 - no script context (bare mode): nobody is signed in
        claims = {}
    return access.access_for(claims, role_map())


def bar(who: access.Access) -> None:
    """One line under the header: who is signed in and as what, with the button to sign in or out."""
    if not who.auth_configured:
        return
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
