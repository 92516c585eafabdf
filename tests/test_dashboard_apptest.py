"""Streamlit AppTest tests of every dashboard page against the real published snapshot of the demo data.

Expected figures are read from the snapshot with this file's own SQL and formatted here (decimal
comma), never through the dashboard's functions. The snapshot comes from the session fixture
``published_snapshot`` (tests/conftest.py: one real pipeline run on freshly generated demo data).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from presentation import vocabulary as voc
from tests.helpers import nb, new_app_test, run_app, sql

PAGES = ["oversikt", "indikator", "resultatavtale", "omrader", "datakvalitet"]
DEMO_BANNER = "Syntetiske demodata – ikke Bærums tall"
TIMEOUT = 60


# --------------------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
def snapshot(published_snapshot: Path, tmp_path_factory) -> Path:
    """The published snapshot; the dashboard's own files (commentaries) go to a private data folder."""
    data_dir = tmp_path_factory.mktemp("dashboard_data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SBU_PUBLISHED_PATH", str(published_snapshot))
        mp.setenv("SBU_DATA_DIR", str(data_dir))
        yield published_snapshot


def pct(x: float) -> str:
    return f"{nb(x, 1)} %"


def app(page: str | None = None, *, user: dict | None = None, **params: str) -> AppTest:
    return run_app(page, user=user, **params)


def all_html(at: AppTest) -> str:
    return "\n".join(h.value for h in at.html)


def visible_text(fragment: str) -> str:
    text = re.sub(r"<style.*?</style>", " ", fragment, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", html.unescape(text).replace("\u00a0", " ")).strip()


def row_text(at: AppTest, label: str) -> str:
    """Text of the scorecard row whose 'Hva' is ``label``."""
    for table in at.html:
        for row in re.findall(r"<tr>.*?</tr>", table.value, flags=re.S):
            text = visible_text(row)
            if text.startswith(label):
                return text
    raise AssertionError(f"no scorecard row for {label!r}")


def rows_texts(at: AppTest) -> list[str]:
    """Visible text of every scorecard row on the page."""
    return [visible_text(row) for t in at.html for row in re.findall(r"<tr>.*?</tr>", t.value, flags=re.S)]


def latest_report_year(path: Path) -> int:
    return sql(path, "SELECT MAX(report_year) FROM scorecard")[0][0]


def label_of(path: Path, metric_id: str) -> str:
    return sql(path, "SELECT label FROM metric_catalogue WHERE metric_id = ?", [metric_id])[0][0]


def headline(path: Path, metric_id: str, area: str, year: int) -> dict:
    cols = [
        "baseline_value",
        "baseline_period",
        "status_value",
        "status_period",
        "improvement_pp",
        "improvement",
        "status_class",
    ]
    rows = sql(
        path,
        f"SELECT {', '.join(cols)} FROM scorecard WHERE metric_id = ? AND area_code = ? "
        "AND report_year = ? AND school_level = 'alle' AND gender = 'alle'",
        [metric_id, area, year],
    )
    assert rows, (metric_id, area, year)
    return dict(zip(cols, rows[0]))


# --------------------------------------------------------------------------- every page


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_with_demo_banner(snapshot: Path, page: str) -> None:
    at = app(page)
    assert at.title, "page has no title"
    assert any(DEMO_BANNER in w.value for w in at.warning), "demo-data banner missing"
    assert sql(snapshot, "SELECT demo_data FROM snapshot")[0][0] is True


# --------------------------------------------------------------------------- Styringsgruppen – oversikt


def test_overview_lists_every_catalogue_metric_and_every_satsingsomrade(snapshot: Path) -> None:
    at = app()
    text = visible_text(all_html(at))
    for (label,) in sql(snapshot, "SELECT label FROM metric_catalogue"):
        assert label in text, f"{label!r} missing on the overview"
    subheaders = [s.value for s in at.subheader]
    for sid, label in sql(snapshot, "SELECT satsingsomrade, label FROM satsingsomrader ORDER BY sort_order"):
        assert label in subheaders
        if not sql(snapshot, "SELECT 1 FROM metric_catalogue WHERE satsingsomrade = ? AND kind = 'target'", [sid]):
            # areas without a metric are shown and say so, never hidden
            assert any("Ingen indikator ennå" in i.value for i in at.info)
    for column in ["Hva", "0-punkt", "Mål", "Status", "Forbedring"]:
        assert f">{column}</th>" in all_html(at)


def test_overview_row_matches_the_scorecard(snapshot: Path) -> None:
    year = latest_report_year(snapshot)
    at = app()
    assert at.selectbox(key="ov_area").value == "baerum"
    assert at.selectbox(key="ov_year").value == year
    h = headline(snapshot, "depressive_mood", "baerum", year)
    text = row_text(at, label_of(snapshot, "depressive_mood"))
    assert f"{pct(h['baseline_value'])} ({h['baseline_period']})" in text
    assert f"{pct(h['status_value'])} ({h['status_period']})" in text
    # Forbedring from the figures as shown beside it (lower is better: 0-punkt minus status)
    shown = round(round(h["baseline_value"], 1) - round(h["status_value"], 1), 1)
    assert f"{'+' if shown > 0 else '−' if shown < 0 else ''}{nb(abs(shown))} pp" in text
    assert h["status_class"] in text
    assert "lavere enn 0-punkt (2019)" in text

    # a count: plain number, signed Forbedring in the unit
    h = headline(snapshot, "youth_homeless", "baerum", year)
    text = row_text(at, label_of(snapshot, "youth_homeless"))
    assert f"{nb(h['baseline_value'], 0)} ({h['baseline_period']})" in text
    assert f"{'+' if h['improvement'] > 0 else '−'}{nb(abs(h['improvement']), 0)}" in text

    # a numeric target: the value and its year
    value, target_year = sql(
        snapshot, "SELECT value, target_year FROM target_history WHERE metric_id = 'ti_parent_share' AND is_current"
    )[0]
    assert f"{pct(value)} ({target_year})" in row_text(at, label_of(snapshot, "ti_parent_share"))


def test_changing_the_area_changes_the_numbers(snapshot: Path) -> None:
    year = latest_report_year(snapshot)
    label = label_of(snapshot, "ppt_first_age")
    at = app()
    before = row_text(at, label)
    at.selectbox(key="ov_area").set_value("ostre").run()
    assert not at.exception
    after = row_text(at, label)
    assert before != after
    h = headline(snapshot, "ppt_first_age", "ostre", year)
    assert f"{nb(h['status_value'])} år ({h['status_period']})" in after
    assert at.query_params["omrade"] == "ostre"
    # The metrics that exist only for the whole municipality are folded into one line after the
    # rows that exist for a district, not a row each.
    assert all(label_of(snapshot, "youth_homeless") not in row for row in rows_texts(at))
    assert label in " ".join(rows_texts(at))
    folded = [visible_text(h.value) for h in at.html if "Ikke tilgjengelig for bydel" in h.value]
    assert len(folded) == 1, folded
    (n_only_municipality,) = sql(
        snapshot, "SELECT COUNT(*) FROM metric_catalogue WHERE kind = 'target' AND lowest_level = 'kommune'"
    )[0]
    assert folded[0].startswith(f"Ikke tilgjengelig for bydel ({n_only_municipality}):")
    assert label_of(snapshot, "youth_homeless") in folded[0]


def test_changing_the_report_year_shows_that_years_scorecard(snapshot: Path) -> None:
    at = app()
    at.selectbox(key="ov_year").set_value(2018).run()
    h = headline(snapshot, "vgs_completion", "baerum", 2018)
    text = row_text(at, label_of(snapshot, "vgs_completion"))
    assert f"{pct(h['status_value'])} ({h['status_period']})" in text


def test_overview_deep_link_restores_the_view(snapshot: Path) -> None:
    at = app(omrade="vestre", aar="2019")
    assert at.selectbox(key="ov_area").value == "vestre"
    assert at.selectbox(key="ov_year").value == 2019
    h = headline(snapshot, "spec_ed_young_share", "vestre", 2019)
    text = row_text(at, label_of(snapshot, "spec_ed_young_share"))
    assert f"{pct(h['status_value'])} ({h['status_period']})" in text
    # an invalid parameter falls back to the default instead of failing
    at = app(omrade="atlantis", aar="1066")
    assert at.selectbox(key="ov_area").value == "baerum"
    assert at.selectbox(key="ov_year").value == latest_report_year(snapshot)


def test_a_report_older_than_the_published_data_is_flagged(snapshot: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SBU_REPORTS_DIR", str(tmp_path))
    (published_at,) = sql(snapshot, "SELECT published_at FROM snapshot")[0]
    old, fresh = tmp_path / "statusrapport_2019.pdf", tmp_path / "statusrapport_2020.pdf"
    for pdf, made in ((old, published_at - dt.timedelta(days=3)), (fresh, published_at + dt.timedelta(minutes=1))):
        pdf.write_bytes(b"%PDF-1.7 placeholder")
        stamp = made.replace(tzinfo=dt.UTC).timestamp()  # published_at is UTC
        os.utime(pdf, (stamp, stamp))
    at = app(aar="2019")
    # Offered under a name that says whose report it is.
    assert [b.label for b in at.get("download_button") if "statusrapport" in b.label] == [
        "Last ned baerum-statusrapport-2019.pdf"
    ]
    (warning,) = [w.value for w in at.warning if old.name in w.value]
    # Times are shown in Norwegian time; the snapshot stores UTC.
    oslo = published_at.replace(tzinfo=dt.UTC).astimezone(ZoneInfo("Europe/Oslo"))
    assert f"før dataene sist ble publisert {oslo:%d.%m.%Y kl. %H:%M}" in warning
    assert any(f"publisert {oslo:%d.%m.%Y kl. %H:%M}" in c.value for c in at.caption)
    at = app(aar="2020")
    assert not [w for w in at.warning if fresh.name in w.value]


def test_the_plans_completion_baseline_is_said_to_cover_asker_and_baerum(snapshot: Path) -> None:
    # The plan's 84.6 % (cohort 2012/13) is Asker and Bærum together; the 0-punkt shown is Bærum's own.
    note = "0-punktet er Bærums eget tall; planens 84,6 % (kullet 2012/13) gjelder Asker og Bærum samlet"
    assert note in row_text(app(), label_of(snapshot, "vgs_completion"))
    page = " ".join(m.value for m in app("indikator", indikator="vgs_completion").markdown)
    assert note in page and "84,6 % for kullet 2012/13 (Asker og Bærum samlet)" in page


def test_the_status_day_of_the_run_is_shown(snapshot: Path) -> None:
    # The session's pipeline run was tagged as_of=2026-04-15 (tests/conftest.py).
    at = app()
    assert any("Status per 15.04.2026 · publisert" in c.value for c in at.caption)
    # The demo data stand on the same day: the latest report year is 2025 (PPT, services, KOSTRA).
    assert any("rapportår 2025, status per 15.04.2026" in m.value for m in at.markdown)
    # An earlier report year is judged as it stood at the end of the following year.
    at = app(aar="2019")
    assert any("rapportår 2019, status per 31.12.2020" in m.value for m in at.markdown)


def test_overview_links_open_the_indicator_with_the_same_state(snapshot: Path) -> None:
    at = app(omrade="ostre", aar="2020")
    assert 'href="indikator?indikator=depressive_mood&amp;omrade=ostre&amp;aar=2020"' in all_html(at)


# --------------------------------------------------------------------------- Indikator


def test_indicator_deep_link_restores_metric_area_year_and_group(snapshot: Path) -> None:
    at = app("indikator", indikator="depressive_mood", omrade="ostre", aar="2020", trinn="vgs", kjonn="jenter")
    assert at.selectbox(key="ind_metric").value == "depressive_mood"
    assert at.selectbox(key="ind_area").value == "ostre"
    assert at.selectbox(key="ind_year").value == 2020
    assert at.selectbox(key="ind_level").value == "vgs"
    assert at.selectbox(key="ind_gender").value == "jenter"
    rows = sql(
        snapshot,
        "SELECT period, value FROM metric_values WHERE metric_id = 'depressive_mood' "
        "AND area_code = 'ostre' AND school_level = 'vgs' AND gender = 'jenter' AND year <= 2020 "
        "ORDER BY year DESC",  # newest first, all on the page
    )
    table = at.table[0].value
    assert list(table["Periode"]) == [p for p, _ in rows]
    assert list(table["Verdi (%)"]) == [nb(v) for _, v in rows]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "Andel med depressivt stemningsleie – Østre Bærum" in spec["layout"]["title"]["text"]
    assert spec["layout"]["xaxis"]["title"]["text"] == "Undersøkelsesår"
    assert spec["layout"]["yaxis"]["title"]["text"] == "Andel (%)"
    assert any(t.get("name") == "95 %-intervall" for t in spec["data"])


def test_indicator_chart_draws_baseline_target_and_path(snapshot: Path) -> None:
    year = latest_report_year(snapshot)
    at = app("indikator", indikator="ti_parent_share")
    base, base_year, target, target_year = sql(
        snapshot,
        "SELECT baseline_value, baseline_year, target_value, target_year FROM scorecard WHERE metric_id = "
        "'ti_parent_share' AND area_code = 'baerum' AND school_level = 'alle' AND gender = 'alle' "
        "AND report_year = ?",
        [year],
    )[0]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    hlines = [s for s in spec["layout"].get("shapes", []) if s.get("y0") == s.get("y1")]
    assert any(abs(s["y0"] - base) < 1e-9 for s in hlines), "0-punkt line missing"
    traces = {t.get("name"): t for t in spec["data"]}
    assert traces[f"Mål {target_year}"]["y"] == [target]
    # the straight path to the Mål, then flat at the Mål to the report year
    path = traces["Rett linje fra 0-punkt til Mål"]
    assert target_year < year
    assert path["x"] == [base_year, target_year, year] and path["y"] == [base, target, target]
    page = " ".join(m.value for m in at.markdown)
    assert "Teller:" in page and "Nevner:" in page and "Kilde:" in page
    files = [f for (f,) in sql(snapshot, "SELECT file_name FROM metric_provenance WHERE metric_id = 'ti_parent_share'")]
    prov = _frame_with(at, "Fil")
    assert sorted(prov["Fil"]) == sorted(files)
    # Each yearly services file (tjenestetall_<year>.xlsx) covers the year in its name.
    for name, covers in zip(prov["Fil"], prov["Gjelder"]):
        assert covers == re.fullmatch(r"tjenestetall_(\d{4})\.xlsx", name).group(1)


def test_indicator_suppressed_value_renders_skjermet(snapshot: Path) -> None:
    rows = sql(
        snapshot,
        "SELECT area_code, school_level, gender, period, suppression_reason FROM metric_values "
        "WHERE metric_id = 'ungdata_cw_help' AND suppressed AND area_level = 'bydel' LIMIT 1",
    )
    assert rows, "the demo data should hold a suppressed district cell"
    area, level, gender, period, reason = rows[0]
    at = app("indikator", indikator="ungdata_cw_help", omrade=area, trinn=level, kjonn=gender)
    table = at.table[0].value
    shown = table.loc[table["Periode"] == period, "Verdi (%)"].item()
    expected = {
        "liten_telling": "færre enn 5",
        "faa_svar": "færre enn 10 svar",
        "komplementaer": "for å beskytte en annen celle",
    }[reason]
    assert shown == f"skjermet ({expected})"
    assert table.loc[table["Periode"] == period, "Teller (antall)"].item() == "skjermet"


def _frame_with(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_indicator_shows_the_comparators_in_the_chart_and_their_classes(snapshot: Path) -> None:
    at = app("indikator", indikator="vgs_completion")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [t.get("name") for t in spec["data"]]
    for comparator in ("Hele landet", "KOSTRA-gruppe 13", "ASSS-kommunene", "Asker"):
        assert comparator in names, names
    rows = sql(
        snapshot,
        "SELECT c.comparator_name, c.comparator_value, c.comparison, t.trend FROM comparisons c "
        "LEFT JOIN trends t ON t.metric_id = c.metric_id AND t.area_code = c.comparator_code "
        "AND t.report_year = (SELECT max(report_year) FROM scorecard) "
        "WHERE c.metric_id = 'vgs_completion' AND c.year = (SELECT max(year) FROM comparisons "
        "WHERE metric_id = 'vgs_completion') ORDER BY c.comparator_order",
    )
    table = _frame_with(at, "Vurdering")
    assert list(table["Sammenligning"]) == [r[0] for r in rows]
    assert list(table["Sammenligningens verdi (%)"]) == [nb(r[1]) for r in rows]  # the unit in the heading
    for shown, (name, _, comparison, _) in zip(table["Vurdering"], rows):
        assert shown == voc.comparison_text(comparison, name)
        assert ("enn " + name in shown) or ("som " + name in shown)
    assert list(table["Utvikling (sammenligningen)"]) == [voc.trend_text(r[3]) for r in rows]
    (own_trend,) = sql(
        snapshot,
        "SELECT trend FROM trends WHERE metric_id = 'vgs_completion' AND area_code = 'baerum' "
        "AND report_year = (SELECT max(report_year) FROM scorecard)",
    )[0]
    page = " ".join(m.value for m in at.markdown)
    assert f"Utvikling for Bærum kommune (2020–2024):** {voc.trend_text(own_trend)}" in page


def test_indicator_shows_the_trend_as_it_stood_in_the_report_year(snapshot: Path) -> None:
    # the 2019 report reads the trend from the periods up to 2019, not the latest five
    ((first, last, trend),) = sql(
        snapshot,
        "SELECT first_year, last_year, trend FROM trends WHERE metric_id = 'vgs_completion' "
        "AND area_code = 'baerum' AND report_year = 2019",
    )
    assert last is not None and last <= 2019
    page = " ".join(m.value for m in app("indikator", indikator="vgs_completion", aar="2019").markdown)
    assert f"Utvikling for Bærum kommune ({first}–{last}):** {voc.trend_text(trend)}" in page


def test_indicator_without_an_interval_says_not_compared(snapshot: Path) -> None:
    at = app("indikator", indikator="young_disability")
    table = _frame_with(at, "Vurdering")
    assert set(table["Vurdering"]) == {"ikke sammenlignet (antall, ikke andel)"}


def test_overview_shows_the_municipality_beside_its_comparators(snapshot: Path) -> None:
    at = app()
    table = _frame_with(at, "Hele landet")
    assert list(table.columns[:3]) == ["Indikator", "Periode", "Bærum kommune"]
    assert list(table.columns[3:]) == ["Hele landet", "KOSTRA-gruppe 13", "ASSS-kommunene", "Asker"]
    label = sql(snapshot, "SELECT label FROM metric_catalogue WHERE metric_id = 'cw_reports_dropped_share'")[0][0]
    row = table[table["Indikator"] == label].iloc[0]
    value, comparator, comparison = sql(
        snapshot,
        "SELECT value, comparator_value, comparison FROM comparisons WHERE metric_id = 'cw_reports_dropped_share' "
        "AND comparator_name = 'Hele landet' AND year = (SELECT max(report_year) FROM scorecard)",
    )[0]
    assert row["Bærum kommune"] == pct(value)
    assert row["Hele landet"] == f"{pct(comparator)} · {voc.comparison_short(comparison)}"
    # another area than the municipality has no comparators
    at = app(omrade="ostre")
    assert not any("Hele landet" in d.value.columns for d in at.dataframe)


# --------------------------------------------------------------------------- Resultatavtale


def test_results_agreement_shows_only_the_services_metrics_and_stores_a_comment(snapshot: Path) -> None:
    service = "PP-tjenesten"
    owned = [
        label
        for label, owners in sql(snapshot, "SELECT label, owners FROM metric_catalogue")
        if service in [o.strip() for o in owners.split(";")]
    ]
    rows = sql(snapshot, "SELECT label, owners FROM metric_catalogue WHERE kind = 'target'")
    shared = [label for label, owners in rows if {"Alle", "Alle tjenester"} & {o.strip() for o in owners.split(";")}]
    others = [label for label, owners in rows if service not in owners and label not in shared]
    at = app("resultatavtale", tjeneste=service, aar="2019")
    assert at.selectbox(key="ra_service").value == service
    assert at.selectbox(key="ra_year").value == 2019
    text = visible_text(all_html(at))
    for label in owned:
        assert label in text
    for label in others:
        assert label not in text
    assert any("Felles mål for alle tjenester" in e.label for e in at.expander) == bool(shared)
    h = headline(snapshot, "assessed_before_school", "baerum", 2019)
    assert f"{nb(h['status_value'], 0)} ({h['status_period']})" in row_text(
        at, label_of(snapshot, "assessed_before_school")
    )

    # Without an identity provider the dashboard is read-only, and says so where one would write.
    assert not [t for t in at.text_input if t.key == "ra_author"]  # never a typed-in signature
    assert not [t for t in at.text_area if t.key == f"ra_text_{service}_2019"]
    (save,) = [b for b in at.button if b.key == "ra_save_disabled"]
    assert save.disabled and "skrivebeskyttet" in save.help
    assert any("skrivebeskyttet" in i.value for i in at.info)


def leader(*groups: str, sub: str = "u-kari", name: str = "Kari Nordmann") -> dict:
    """A signed-in identity's claims as st.user gives them (groups from the plan's roles.yaml)."""
    return {"is_logged_in": True, "sub": sub, "name": name, "email": "kari.nordmann@kommune.no", "groups": list(groups)}


def test_a_service_leader_signs_the_commentary_with_the_identity_and_a_change_keeps_the_old(
    snapshot: Path, tmp_path: Path, monkeypatch
) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    monkeypatch.setenv("SBU_REPORTS_DIR", str(reports))
    pdf = reports / "statusrapport_2019.pdf"
    pdf.write_bytes(b"%PDF-1.7 placeholder")
    an_hour_ago = dt.datetime.now().timestamp() - 3600
    os.utime(pdf, (an_hour_ago, an_hour_ago))

    kari = leader("sbu-leder-ppt")
    at = app("resultatavtale", user=kari, aar="2019")
    # The page opens on the leader's own service.
    assert at.selectbox(key="ra_service").value == "PP-tjenesten"
    assert any("Innlogget som **Kari Nordmann**" in c.value and "tjenesteleder" in c.value for c in at.caption)
    service = "PP-tjenesten"
    for text in ("Første versjon.", "Flere barn utredes før skolestart."):
        at.text_area(key=f"ra_text_{service}_2019").input(text)
        at.button(key="FormSubmitter:ra_comment_form-Lagre kommentar").click().run()
        assert not at.exception
        assert any("signert av Kari Nordmann" in s.value for s in at.success)
    stored = [
        json.loads(line)
        for line in (Path(snapshot_data_dir()) / "commentary" / "kommentarer.jsonl").read_text("utf-8").splitlines()
    ]
    mine = [r for r in stored if r["service"] == service and r["report_year"] == 2019]
    assert [r["text"] for r in mine][-2:] == ["Første versjon.", "Flere barn utredes før skolestart."]
    assert mine[-1]["signer"] == {
        "name": "Kari Nordmann",
        "email": "kari.nordmann@kommune.no",
        "subject": "u-kari",
        "issuer": "",
    }
    # The report of that year was built before the commentary: the page says it is out of date.
    assert any(pdf.name in w.value and "utdatert" in w.value for w in at.warning)
    again = app("resultatavtale", user=kari, aar="2019")
    assert any("Gjeldende kommentar" in m.value and "Kari Nordmann" in m.value for m in again.markdown)
    assert any(e.label.startswith("Tidligere versjoner") for e in again.expander)


def test_a_commentary_is_plain_text_and_a_too_long_one_is_refused_with_the_limit(snapshot: Path) -> None:
    from pipelines.commentary import MAX_CHARS

    kari = leader("sbu-leder-ppt")
    at = app("resultatavtale", user=kari, aar="2018")
    pixel = "Se ![](https://sporing.example/p.gif?u=1) og **dette**"
    at.text_area(key="ra_text_PP-tjenesten_2018").input(pixel)
    at.button(key="FormSubmitter:ra_comment_form-Lagre kommentar").click().run()
    assert not at.exception
    # Shown as the text it is: no Markdown image (a remote request) or formatting anywhere on the page.
    assert pixel in [t.value for t in at.text]
    assert not any("sporing.example" in m.value for m in [*at.markdown, *at.caption])

    too_long = "x" * (MAX_CHARS + 123)
    at.text_area(key="ra_text_PP-tjenesten_2018").input(too_long)
    at.button(key="FormSubmitter:ra_comment_form-Lagre kommentar").click().run()
    limit = f"{MAX_CHARS:,}".replace(",", " ")
    assert any(f"grensen er {limit} tegn" in e.value and "123 tegn" in e.value for e in at.error)
    assert pixel in [t.value for t in at.text]  # nothing saved, nothing cut: the earlier one stands


def test_a_leader_is_refused_on_another_services_metrics(snapshot: Path) -> None:
    at = app("resultatavtale", user=leader("sbu-leder-ppt"), tjeneste="Barnevernstjenesten", aar="2019")
    assert at.selectbox(key="ra_service").value == "Barnevernstjenesten"  # a link still opens what it names
    assert not [t for t in at.text_area if t.key == "ra_text_Barnevernstjenesten_2019"]
    (save,) = [b for b in at.button if b.key == "ra_save_disabled"]
    assert save.disabled and "ikke for Barnevernstjenesten" in save.help


def snapshot_data_dir() -> str:
    import os

    return os.environ["SBU_DATA_DIR"]


def test_results_agreement_deep_link_for_another_service(snapshot: Path) -> None:
    at = app("resultatavtale", tjeneste="Barnevernstjenesten", omrade="baerum")
    text = visible_text(all_html(at))
    assert label_of(snapshot, "cw_reports_early_share") in text
    assert label_of(snapshot, "ppt_first_age") not in text


# --------------------------------------------------------------------------- Områder


def test_areas_side_by_side_and_suppressed_schools_say_skjermet(snapshot: Path) -> None:
    year, gender = sql(
        snapshot,
        "SELECT year, gender FROM metric_values WHERE metric_id = 'depressive_mood' "
        "AND suppressed AND area_level = 'skole' AND school_level = 'alle' LIMIT 1",
    )[0]
    at = app("omrader", indikator="depressive_mood", aar=str(year), kjonn=gender)
    assert at.selectbox(key="om_year").value == year
    metrics = {m.label: m.value for m in at.metric}
    for code in ("ostre", "vestre"):
        name, value = sql(
            snapshot,
            "SELECT area_name, value FROM metric_values WHERE metric_id = 'depressive_mood' "
            "AND area_code = ? AND year = ? AND school_level = 'alle' AND gender = ?",
            [code, year, gender],
        )[0]
        assert metrics[name] == pct(value)
    table = at.dataframe[0].value
    suppressed = sql(
        snapshot,
        "SELECT area_name, suppression_reason FROM metric_values WHERE metric_id = "
        "'depressive_mood' AND year = ? AND school_level = 'alle' AND gender = ? AND suppressed",
        [year, gender],
    )
    assert suppressed
    words = {
        "liten_telling": "færre enn 5",
        "faa_svar": "færre enn 10 svar",
        "komplementaer": "for å beskytte en annen celle",
    }
    for name, reason in suppressed:
        shown = table.loc[table["Område"] == name, "Verdi (%)"].item()
        assert shown == f"skjermet ({words[reason]})", (name, shown)
    for name, value in sql(
        snapshot,
        "SELECT area_name, value FROM metric_values WHERE metric_id = 'depressive_mood' "
        "AND year = ? AND school_level = 'alle' AND gender = ? AND NOT suppressed",
        [year, gender],
    ):
        assert table.loc[table["Område"] == name, "Verdi (%)"].item() == nb(value)
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    annotations = " ".join(a.get("text", "") for c in charts for a in c["layout"].get("annotations", []))
    assert "skjermet" in annotations


def test_areas_filter_changes_the_numbers(snapshot: Path) -> None:
    at = app("omrader", indikator="depressive_mood")
    before = {m.label: m.value for m in at.metric}
    at.selectbox(key="om_gender").set_value("jenter").run()
    after = {m.label: m.value for m in at.metric}
    assert before != after
    year = at.selectbox(key="om_year").value
    value = sql(
        snapshot,
        "SELECT value FROM metric_values WHERE metric_id = 'depressive_mood' AND area_code = 'ostre' "
        "AND year = ? AND school_level = 'alle' AND gender = 'jenter'",
        [year],
    )[0][0]
    assert after["Østre Bærum"] == pct(value)


# --------------------------------------------------------------------------- Datakvalitet


def test_data_quality_lists_every_source_and_quarantine(snapshot: Path) -> None:
    at = app("datakvalitet")
    n_sources = sql(snapshot, "SELECT COUNT(DISTINCT source) FROM file_loads")[0][0]
    assert len(at.dataframe[0].value) == n_sources
    n_files = sql(snapshot, "SELECT COUNT(*) FROM file_loads")[0][0]
    quarantined = sql(snapshot, "SELECT file_name, reason_nb FROM file_loads WHERE status = 'quarantined'")
    if quarantined:
        q = at.dataframe[2].value
        assert sorted(q["Fil"]) == sorted(f for f, _ in quarantined)
    else:
        assert any("Ingen filer i karantene" in s.value for s in at.success)
    assert len(at.dataframe[-1].value) == n_files
    has_checks = sql(snapshot, "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'check_results'")[0][
        0
    ]
    if has_checks:
        n_checks, n_failed = sql(snapshot, "SELECT COUNT(*), COUNT(*) FILTER (WHERE NOT passed) FROM check_results")[0]
        checks = next(d.value for d in at.dataframe if "Kontroll" in d.value.columns)
        assert len(checks) == n_checks
        assert (checks["Resultat"] == "✖ feilet").sum() == n_failed
    due = at.dataframe[1].value
    ungdata = due.loc[due["Kilde"].str.startswith("Ungdata")].iloc[0]
    latest = sql(
        snapshot,
        "SELECT MAX(year) FROM metric_values v JOIN metric_catalogue c USING (metric_id) WHERE c.source = 'ungdata'",
    )[0][0]
    cadence = sql(snapshot, "SELECT MIN(cadence_years) FROM metric_catalogue WHERE source = 'ungdata'")[0][0]
    assert ungdata["Neste periode"] == str(latest + cadence)
    # Judged on 15 April 2026 (the session's run tag): KOSTRA's 2025 figures came in March 2026 (year
    # Y is out in March of Y+1), so 2026's are next, not before March 2027 (a later year than the
    # status day's); the 2026 Ungdata survey's results come in September 2026.
    assert any(m.label == "Status per" and m.value == "15.04.2026" for m in at.metric)
    kostra = due.loc[due["Kilde"] == "Barnevern (SSB/KOSTRA)"].iloc[0]
    assert kostra["Neste periode"] == "2026"
    assert kostra["Neste leveranse"] == "ikke før mars 2027"
    assert ungdata["Neste leveranse"] == "ventes fra september 2026"


# --------------------------------------------------------------------------- serving behaviour


def test_missing_snapshot_says_how_to_run_the_pipeline(snapshot: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SBU_PUBLISHED_PATH", str(tmp_path / "nothing" / "sbu.duckdb"))
    at = new_app_test().run()
    assert not at.exception
    assert any("make run" in e.value for e in at.error)


def test_a_new_snapshot_invalidates_the_cache(snapshot: Path, tmp_path: Path, monkeypatch) -> None:
    copy = tmp_path / "published" / "sbu.duckdb"
    copy.parent.mkdir()
    shutil.copy(snapshot, copy)
    monkeypatch.setenv("SBU_PUBLISHED_PATH", str(copy))
    at = app()
    assert any(DEMO_BANNER in w.value for w in at.warning)
    # publish a "new" snapshot the way the pipeline does: write a new file, swap it in atomically
    new = tmp_path / "published" / ".sbu.duckdb.tmp"
    shutil.copy(snapshot, new)
    con = duckdb.connect(str(new))
    con.execute("UPDATE snapshot SET demo_data = FALSE").fetchall()
    con.close()
    new.replace(copy)
    at.run()
    assert not at.exception
    assert not any(DEMO_BANNER in w.value for w in at.warning), "stale cache served the old snapshot"


def edited_snapshot(snapshot: Path, tmp_path: Path, monkeypatch, statement: str) -> Path:
    """Serve a copy of the snapshot changed by one SQL statement (a case the demo data lack)."""
    copy = tmp_path / "sbu.duckdb"
    shutil.copy(snapshot, copy)
    con = duckdb.connect(str(copy))
    con.execute(statement).fetchall()
    con.close()
    monkeypatch.setenv("SBU_PUBLISHED_PATH", str(copy))
    return copy


def test_suppression_texts_name_the_published_thresholds(snapshot: Path, tmp_path: Path, monkeypatch) -> None:
    # The session's run used the settings' defaults, and the snapshot says so.
    assert sql(snapshot, "SELECT min_count, min_respondents FROM snapshot") == [(5, 10)]
    at = app("omrader", indikator="depressive_mood")
    rule = (
        "antall under 5; andeler med færre enn 10 svar (nevner), og andeler der telleren eller nevneren minus "
        "telleren er under 5"
    )
    assert any(rule in c.value for c in at.caption)
    # Every text takes the numbers from the snapshot, not from the code: publish other thresholds.
    copy = edited_snapshot(snapshot, tmp_path, monkeypatch, "UPDATE snapshot SET min_count = 7, min_respondents = 20")
    year, gender = sql(
        copy,
        "SELECT year, gender FROM metric_values WHERE metric_id = 'depressive_mood' AND suppressed "
        "AND suppression_reason <> 'komplementaer' AND area_level = 'skole' "
        "AND school_level = 'alle' ORDER BY year, gender LIMIT 1",
    )[0]
    at = app("omrader", indikator="depressive_mood", aar=str(year), kjonn=gender)
    assert any(
        "antall under 7; andeler med færre enn 20 svar (nevner), og andeler der telleren eller nevneren "
        "minus telleren er under 7" in c.value
        for c in at.caption
    )
    table = at.dataframe[0].value
    words = {
        "liten_telling": "færre enn 7",
        "faa_svar": "færre enn 20 svar",
        "komplementaer": "for å beskytte en annen celle",
    }
    suppressed = sql(
        copy,
        "SELECT area_name, suppression_reason FROM metric_values WHERE metric_id = "
        "'depressive_mood' AND year = ? AND school_level = 'alle' AND gender = ? AND suppressed",
        [year, gender],
    )
    for name, reason in suppressed:
        assert table.loc[table["Område"] == name, "Verdi (%)"].item() == f"skjermet ({words[reason]})", name
    shown = " ".join(table["Verdi (%)"])
    assert "færre enn 5" not in shown and "færre enn 10" not in shown


def test_quarantined_files_are_listed_with_their_reason(snapshot: Path, tmp_path: Path, monkeypatch) -> None:
    edited_snapshot(
        snapshot,
        tmp_path,
        monkeypatch,
        "INSERT INTO file_loads (source, table_name, file_name, file_hash, status, rows, processed_at, "
        "reason_code, reason_nb) VALUES ('ppt', 'ppt', 'ppt_2025.csv', 'abc123', 'quarantined', NULL, "
        "TIMESTAMP '2026-01-05 08:00:00', 'identity_number', "
        "'Filen inneholder noe som ligner et fødselsnummer (rad 4, kolonne «alder»).')",
    )
    at = app("datakvalitet")
    assert any("avvist og holdt utenfor databasen" in e.value for e in at.error)
    table = next(d.value for d in at.dataframe if "Grunn" in d.value.columns)
    row = table.loc[table["Fil"] == "ppt_2025.csv"].iloc[0]
    assert row["Grunn"].startswith("Filen inneholder noe som ligner et fødselsnummer")
    sources = at.dataframe[0].value
    assert sources.loc[sources["Kilde"] == "PP-tjenesten", "I karantene"].item() == "1"


def test_stale_status_is_marked_foreldet(snapshot: Path, tmp_path: Path, monkeypatch) -> None:
    copy = edited_snapshot(
        snapshot, tmp_path, monkeypatch, "UPDATE scorecard SET stale = TRUE WHERE metric_id = 'depressive_mood'"
    )
    year = latest_report_year(copy)
    period = headline(copy, "depressive_mood", "baerum", year)["status_period"]
    at = app()
    assert f"Foreldet: siste tall er fra {period}" in row_text(at, label_of(copy, "depressive_mood"))
    at = app("indikator", indikator="depressive_mood")
    assert any("Foreldet" in w.value for w in at.warning)


def test_preliminary_status_is_marked_foreløpig(snapshot: Path, tmp_path: Path, monkeypatch) -> None:
    copy = edited_snapshot(
        snapshot,
        tmp_path,
        monkeypatch,
        "UPDATE scorecard SET status_preliminary = TRUE WHERE metric_id = 'cw_investigation_rate'",
    )
    year = latest_report_year(copy)
    head = headline(copy, "cw_investigation_rate", "baerum", year)
    at = app()
    text = row_text(at, label_of(copy, "cw_investigation_rate"))
    assert f"({head['status_period']}, foreløpig)" in text
    assert f"Foreløpige tall for {head['status_period']}" in text
    # A metric whose figures are never preliminary (the services' own) carries no such mark. (The
    # other KOSTRA metrics are preliminary too on 15 April 2026: their 2025 figures are March's.)
    assert "foreløpig" not in row_text(at, label_of(copy, "youth_homeless")).lower()
    at = app("indikator", indikator="cw_investigation_rate")
    assert any("Foreløpige tall" in i.value for i in at.info)


def test_the_chosen_area_follows_the_user_to_the_next_page(snapshot: Path) -> None:
    at = app()
    at.selectbox(key="ov_area").set_value("vestre").run()
    at.query_params.clear()  # as when the top navigation is used: no parameters in the new page's URL
    at.switch_page("app_pages/indikator.py").run()
    assert not at.exception
    assert at.selectbox(key="ind_area").value == "vestre"
    assert at.query_params["omrade"] == "vestre"


def test_downloads_are_for_analysts_and_the_steering_group(snapshot: Path) -> None:
    def has_downloads(at: AppTest) -> bool:
        return any(b.label == "Last ned Excel" for b in at.get("download_button"))

    assert has_downloads(app("resultatavtale", tjeneste="PP-tjenesten"))  # no identity provider: as before
    for groups in (["sbu-analytikere"], ["sbu-styringsgruppe"]):
        assert has_downloads(app("resultatavtale", user=leader(*groups), tjeneste="PP-tjenesten"))
    at = app("resultatavtale", user=leader("sbu-leder-ppt"))
    assert not has_downloads(at)
    assert any("Nedlasting av tabeller er for analytikere og styringsgruppen" in c.value for c in at.caption)


def test_a_broken_role_map_is_shown_and_gives_nobody_a_role(snapshot: Path, tmp_path: Path, monkeypatch) -> None:
    roles = tmp_path / "roles.yaml"
    roles.write_text("service_leaders:\n  Ukjent tjeneste: [sbu-leder-ppt]\n", encoding="utf-8")
    monkeypatch.setenv("SBU_ROLES_PATH", str(roles))
    at = app("resultatavtale", user=leader("sbu-leder-ppt"), tjeneste="PP-tjenesten")
    assert any("Rollekartet kan ikke leses" in e.value and "Ukjent tjeneste" in e.value for e in at.error)
    (save,) = [b for b in at.button if b.key == "ra_save_disabled"]
    assert save.disabled


def test_schools_and_teams_are_for_analysts(snapshot: Path) -> None:
    schools = {
        name for (name,) in sql(snapshot, "SELECT DISTINCT area_name FROM areas WHERE area_level = 'skole'") if name
    }
    assert schools

    def shown_schools(at: AppTest) -> set[str]:
        return set(at.dataframe[0].value["Område"]) & schools

    analyst = app("omrader", user=leader("sbu-analytikere"), indikator="depressive_mood")
    assert shown_schools(analyst) and len(analyst.get("plotly_chart")) > 1  # the ranking charts too
    steering = app("omrader", user=leader("sbu-styringsgruppe"), indikator="depressive_mood")
    assert not shown_schools(steering)
    assert any("vises for analytikere" in i.value for i in steering.info)
    assert len(steering.get("plotly_chart")) == 1  # the parts side by side only
    assert shown_schools(app("omrader", indikator="depressive_mood"))  # no identity provider: as before
