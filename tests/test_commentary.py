"""The leaders' commentary store (pipelines/commentary.py): signed by an identity, append-only, and
a report built before the newest commentary of its year is out of date."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from pipelines import commentary

KARI = {"name": "Kari Nordmann", "email": "kari@kommune.no", "subject": "u-kari", "issuer": "https://idp.example"}


def test_a_commentary_is_signed_by_the_identity_and_never_anonymously(tmp_path: Path):
    with pytest.raises(ValueError, match="innlogget"):
        commentary.save(
            tmp_path, service="PP-tjenesten", report_year=2019, signer={"name": "Kari"}, text="x", area_code="a"
        )
    with pytest.raises(ValueError, match="tom"):
        commentary.save(tmp_path, service="PP-tjenesten", report_year=2019, signer=KARI, text="  ", area_code="a")
    assert not commentary.commentary_path(tmp_path).exists()

    rec = commentary.save(
        tmp_path, service="PP-tjenesten", report_year=2019, signer=KARI, text="Bra år.", area_code="a"
    )
    (stored,) = [json.loads(x) for x in commentary.commentary_path(tmp_path).read_text("utf-8").splitlines()]
    assert stored == rec
    assert stored["signer"] == KARI and stored["author"] == "Kari Nordmann"
    assert stored["saved_at"] and commentary.signer_name(stored) == "Kari Nordmann"


def test_a_change_keeps_the_earlier_text_and_the_latest_is_current(tmp_path: Path):
    first = commentary.save(
        tmp_path, service="PP-tjenesten", report_year=2019, signer=KARI, text="Første.", area_code="a"
    )
    ola = {**KARI, "name": "Ola Nordmann", "subject": "u-ola"}
    time.sleep(1.05)  # saved_at has whole seconds
    second = commentary.save(
        tmp_path, service="PP-tjenesten", report_year=2019, signer=ola, text="Andre.", area_code="a"
    )
    history = commentary.load(tmp_path, service="PP-tjenesten", report_year=2019)
    assert [r["id"] for r in history] == [second["id"], first["id"]]
    assert [r["text"] for r in commentary.current(tmp_path, 2019)] == ["Andre."]
    assert commentary.signer_name(commentary.current(tmp_path, 2019)[0]) == "Ola Nordmann"


def test_records_from_before_sign_in_keep_their_author(tmp_path: Path):
    assert commentary.signer_name({"author": "Gammel Leder"}) == "Gammel Leder"
    assert commentary.signer_name({"author": "x", "signer": {"name": "", "email": "e@kommune.no"}}) == "e@kommune.no"


def test_a_report_older_than_the_newest_commentary_of_its_year_is_stale(tmp_path: Path):
    pdf = tmp_path / "reports" / "statusrapport_2019.pdf"
    assert commentary.stale_report(tmp_path, pdf, 2019) is None  # no report yet
    pdf.parent.mkdir()
    pdf.write_bytes(b"%PDF-1.7")
    assert commentary.stale_report(tmp_path, pdf, 2019) is None  # no commentary
    rec = commentary.save(tmp_path, service="Skole", report_year=2019, signer=KARI, text="Ny.", area_code="a")
    an_hour_ago = time.time() - 3600
    os.utime(pdf, (an_hour_ago, an_hour_ago))
    assert commentary.stale_report(tmp_path, pdf, 2019)["id"] == rec["id"]
    assert commentary.stale_report(tmp_path, pdf, 2020) is None  # another year's commentary
    later = time.time() + 5
    os.utime(pdf, (later, later))  # the report is built again
    assert commentary.stale_report(tmp_path, pdf, 2019) is None
