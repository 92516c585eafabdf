"""The role logic of the dashboard (dashboards/access.py): claims → roles, who may sign which
commentary, where Resultatavtale opens. Pure functions; no Streamlit."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dashboards import access
from pipelines.settings import Settings

ROLE_MAP = access.parse_role_map(
    {
        "claim": "groups",
        "steering_group": ["grp-steering"],
        "analysts": ["grp-analysts"],
        "service_leaders": {"PP-tjenesten": ["grp-ppt"], "Barnevernstjenesten": ["grp-cw", "grp-cw-deputy"]},
    }
)
PPT_METRICS = ["ppt_first_age", "assessed_before_school"]


def claims(*groups: str, sub: str = "u-1", name: str = "Kari Nordmann", **extra) -> dict:
    return {"is_logged_in": True, "sub": sub, "name": name, "email": "kari@kommune.no", "groups": list(groups), **extra}


def test_without_an_identity_provider_everything_is_read_only():
    # st.user without an [auth] section has no "is_logged_in" (AppTest's default user looks like this).
    who = access.access_for({"email": "test@example.com"}, ROLE_MAP)
    assert not who.auth_configured and not who.signed_in and not who.roles
    decision = access.may_comment(who, "PP-tjenesten", PPT_METRICS)
    assert not decision.allowed and "skrivebeskyttet" in decision.reason
    assert access.may_download(who) and access.may_see_fine_levels(who)  # the read-only default: as before
    assert access.may_get_report(who).allowed


def test_signed_out_with_a_provider_must_sign_in_to_comment():
    who = access.access_for({"is_logged_in": False}, ROLE_MAP)
    assert who.auth_configured and not who.signed_in
    decision = access.may_comment(who, "PP-tjenesten", PPT_METRICS)
    assert not decision.allowed and "Logg inn" in decision.reason
    assert not access.may_download(who)
    assert "Logg inn" in access.may_get_report(who).reason


def test_a_service_leader_is_mapped_from_the_group_claim_and_writes_only_for_their_service():
    who = access.access_for(claims("grp-ppt", "unrelated"), ROLE_MAP)
    assert who.roles == {access.SERVICE_LEADER} and who.services == ("PP-tjenesten",)
    assert access.may_comment(who, "PP-tjenesten", PPT_METRICS).allowed
    refused = access.may_comment(who, "Barnevernstjenesten", ["cw_reports_early_share"])
    assert not refused.allowed
    assert "Du er leder for PP-tjenesten, ikke for Barnevernstjenesten" in refused.reason
    # A service that owns no metric has nothing to sign.
    assert not access.may_comment(who, "PP-tjenesten", []).allowed
    assert access.home_service(who, ["Barnevernstjenesten", "PP-tjenesten"]) == "PP-tjenesten"
    assert access.home_service(who, ["Barnevernstjenesten"]) is None
    assert not access.may_download(who)
    assert access.may_get_report(who).reason == "Statusrapporten er for styringsgruppen."


def test_any_of_a_services_values_makes_its_leader():
    who = access.access_for(claims("grp-cw-deputy"), ROLE_MAP)
    assert who.services == ("Barnevernstjenesten",)


def test_steering_group_and_analyst_roles():
    steering = access.access_for(claims("grp-steering"), ROLE_MAP)
    assert steering.roles == {access.STEERING_GROUP} and steering.role_labels == ["styringsgruppen"]
    assert not access.may_comment(steering, "PP-tjenesten", PPT_METRICS).allowed  # not a leader
    assert access.may_download(steering)
    assert access.may_get_report(steering).allowed
    assert not access.may_see_fine_levels(steering)
    analyst = access.access_for(claims("grp-analysts"), ROLE_MAP)
    assert analyst.roles == {access.ANALYST} and access.may_download(analyst)
    assert access.may_see_fine_levels(analyst)
    both = access.access_for(claims("grp-steering", "grp-ppt"), ROLE_MAP)
    assert both.role_labels == ["styringsgruppen", "tjenesteleder"]


def test_a_signed_in_user_without_a_mapped_group_only_reads():
    who = access.access_for(claims(), ROLE_MAP)
    assert who.signed_in and not who.roles
    assert "ikke registrert som leder" in access.may_comment(who, "PP-tjenesten", PPT_METRICS).reason


def test_the_identity_comes_from_the_claims_and_needs_a_subject_to_sign():
    who = access.access_for(claims("grp-ppt", iss="https://login.example/tenant/v2.0"), ROLE_MAP)
    assert who.identity.as_signer() == {
        "name": "Kari Nordmann",
        "email": "kari@kommune.no",
        "subject": "u-1",
        "issuer": "https://login.example/tenant/v2.0",
    }
    nameless = access.access_for({"is_logged_in": True, "sub": "u-2", "preferred_username": "ola@kommune.no"}, ROLE_MAP)
    assert nameless.identity.display_name == "ola@kommune.no"
    anonymous = access.access_for(claims("grp-ppt", sub=""), ROLE_MAP)
    assert not access.may_comment(anonymous, "PP-tjenesten", PPT_METRICS).allowed


def test_another_claim_and_single_string_values():
    role_map = access.parse_role_map({"claim": "roles", "steering_group": "Styringsgruppe"})
    who = access.access_for({"is_logged_in": True, "sub": "x", "roles": "Styringsgruppe Leser"}, role_map)
    assert who.roles == {access.STEERING_GROUP}


def test_a_broken_role_map_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="unknown keys"):
        access.parse_role_map({"steering": ["x"]})
    with pytest.raises(ValueError, match="services the plan has not"):
        access.parse_role_map({"service_leaders": {"Ukjent": ["x"]}}, known_services=["PP-tjenesten"])
    with pytest.raises(ValueError, match="list of group or claim values"):
        access.parse_role_map({"analysts": {"a": 1}})


def test_a_missing_role_map_maps_nobody(tmp_path: Path):
    assert access.load_role_map(tmp_path / "roles.yaml") == access.RoleMap()


@pytest.mark.parametrize("plan_dir", sorted((Path(__file__).resolve().parent.parent / "catalogue" / "plans").iterdir()))
def test_each_shipped_plans_role_map_names_only_its_own_services(plan_dir: Path):
    owners = {
        owner
        for metric in yaml.safe_load((plan_dir / "metrics.yaml").read_text(encoding="utf-8"))["metrics"]
        for owner in metric.get("owners") or []
    }
    role_map = access.load_role_map(plan_dir / "roles.yaml", known_services=owners)
    assert role_map.service_leaders and role_map.steering_group and role_map.analysts


def test_the_role_map_is_the_published_plans_unless_the_deployment_names_one(monkeypatch, tmp_path: Path):
    monkeypatch.delenv("SBU_ROLES_PATH", raising=False)
    assert Settings(plan="baerum-sbu-2015-2019").roles_path is None  # dashboards.signin: the snapshot's plan folder
    monkeypatch.setenv("SBU_ROLES_PATH", str(tmp_path / "roles.yaml"))
    assert Settings(plan="baerum-sbu-2015-2019").roles_path == tmp_path / "roles.yaml"
