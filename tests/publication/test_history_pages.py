"""The historical store's public pages: search imported processes, read one, download its JSON."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from django.test import Client

from procura.publication.importer import import_path
from procura.publication.models import HistoricalProcess, HistoricalRelease
from tests.publication.history_support import HISTORY, real_example_files

pytestmark = pytest.mark.django_db

MOLDOVA = "ocds-ngfbwp-19733168"
MET_OFFICE = "ocds-b5fd17-2c330cf9-adc8-11e6-9901-0019b9f3037b"
JALISCO = "ocds-xs1qbl-SFIN-03-0007-00-2017"


@pytest.fixture
def imported(db: None) -> None:
    for path in real_example_files():
        import_path(path=path)


def _ocids(html: str) -> list[str]:
    return [p.ocid for p in HistoricalProcess.objects.all() if f'{HISTORY}process/{p.ocid}"' in html]


def test_the_list_shows_the_newest_processes_first_twenty_a_page(imported: None) -> None:
    # when
    first = Client().get(HISTORY)
    # then
    assert first.status_code == 200
    html = first.content.decode()
    assert "<h1>Historical procurement data</h1>" in html
    assert "72 processes in the historical store." in html
    assert len(_ocids(html)) == 20
    assert 'rel="next"' in html
    newest = HistoricalProcess.objects.order_by("-last_date", "ocid").first()
    assert newest is not None
    assert newest.ocid in _ocids(html)


def test_following_next_pages_lists_every_process_once(imported: None) -> None:
    # given
    client = Client()
    seen: list[str] = []
    url = HISTORY
    # when
    for _ in range(10):
        response = client.get(url)
        assert response.status_code == 200
        seen += _ocids(response.content.decode())
        next_query = response.context["next_page_query"]
        if not next_query:
            break
        url = f"{HISTORY}?{next_query}"
    # then
    assert sorted(seen) == sorted(HistoricalProcess.objects.values_list("ocid", flat=True))


def test_a_keyword_finds_a_known_process_accents_and_case_ignored(imported: None) -> None:
    # when
    response = Client().get(HISTORY, {"q": "SOFTWARE"})
    # then
    assert response.status_code == 200
    assert _ocids(response.content.decode()) == [JALISCO]
    # and a buyer's name written without its accents finds it ("SECRETARíA DE PLANEACIóN")
    by_buyer = Client().get(HISTORY, {"buyer": "secretaria de planeacion"})
    assert JALISCO in _ocids(by_buyer.content.decode())


def test_the_buyer_year_and_source_filters_narrow_the_list(imported: None) -> None:
    # when
    met = Client().get(HISTORY, {"buyer": "met office"})
    year = Client().get(HISTORY, {"year": "2014"})
    source = Client().get(HISTORY, {"source": "Public Procurement Agency", "q": "Ref 17/01736"})
    other_source = Client().get(HISTORY, {"source": "ocds-b5fd17", "q": "Ref 17/01736"})
    # then
    assert _ocids(met.content.decode()) == [MET_OFFICE]
    assert len(_ocids(year.content.decode())) == 11  # the UK sample
    assert _ocids(source.content.decode()) == [MOLDOVA]
    assert _ocids(other_source.content.decode()) == []


def test_no_match_says_so(imported: None) -> None:
    response = Client().get(HISTORY, {"q": "zzzz-nothing-like-this"})
    assert response.status_code == 200
    assert "No historical processes match." in response.content.decode()


def test_a_bad_filter_is_named_and_a_forged_cursor_is_a_400(imported: None) -> None:
    # when
    bad_year = Client().get(HISTORY, {"year": "1066"})
    forged = Client().get(HISTORY, {"cursor": "bm90LWEtY3Vyc29y"})
    # then
    assert bad_year.status_code == 200
    assert "Choose a year from the list." in bad_year.content.decode()
    assert forged.status_code == 400


def test_the_process_page_shows_the_compiled_release_and_its_releases(imported: None) -> None:
    # when
    response = Client().get(f"{HISTORY}process/{JALISCO}")
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>PAQUETES Y PROGRAMAS(SOFTWARE)</h1>" in html
    for heading in ("Awards", "Suppliers", "Contracts", "Releases"):
        assert f">{heading}</h2>" in html
    releases = HistoricalRelease.objects.filter(ocid=JALISCO)
    assert releases.count() == 5
    for release in releases:
        assert release.release_id in html
        assert f'href="{HISTORY}release/{release.pk}.json"' in html
    compiled = orjson.loads(bytes(HistoricalProcess.objects.get(ocid=JALISCO).compiled))
    supplier = compiled["awards"][0]["suppliers"][0]["name"]
    assert supplier in html


def test_a_process_known_only_from_its_record_says_where_its_facts_come_from(imported: None) -> None:
    # given
    process = HistoricalProcess.objects.filter(compiled_by="publisher").first()
    assert process is not None
    # when
    response = Client().get(f"{HISTORY}process/{process.ocid}")
    # then
    html = response.content.decode()
    assert "what is shown comes from the compiled release the publisher gave" in html
    assert "No release of this process was imported." in html


def test_an_unknown_ocid_is_a_404(imported: None) -> None:
    assert Client().get(f"{HISTORY}process/ocds-nothere-1").status_code == 404
    assert Client().get(f"{HISTORY}compiled/ocds-nothere-1").status_code == 404
    assert Client().get(f"{HISTORY}release/999999.json").status_code == 404


def test_the_json_downloads_are_the_stored_bytes(imported: None) -> None:
    # given
    process = HistoricalProcess.objects.get(ocid=MOLDOVA)
    release = HistoricalRelease.objects.get(ocid=MOLDOVA)
    # when
    compiled = Client().get(f"{HISTORY}compiled/{MOLDOVA}")
    raw = Client().get(f"{HISTORY}release/{release.pk}.json")
    # then
    assert compiled["Content-Type"] == "application/json"
    assert compiled.content == bytes(process.compiled)
    assert raw.content == bytes(release.body)
    assert orjson.loads(raw.content)["id"] == "19733168"


def test_an_ocid_with_a_slash_has_its_page(tmp_path: Path) -> None:
    # given
    odd = {"ocid": "ocds-test01-2019/7", "id": "1", "date": "2019-01-01T00:00:00Z", "tender": {"title": "Slash"}}
    (tmp_path / "odd.json").write_bytes(orjson.dumps({"releases": [odd]}))
    import_path(path=str(tmp_path / "odd.json"))
    # when
    response = Client().get(f"{HISTORY}process/ocds-test01-2019/7")
    # then
    assert response.status_code == 200
    assert "<h1>Slash</h1>" in response.content.decode()


def test_the_search_form_is_labelled_and_works_without_javascript(imported: None) -> None:
    html = Client().get(HISTORY).content.decode()
    for field in ("q", "buyer", "year", "source"):
        assert f'for="id_{field}"' in html
        assert f'id="id_{field}"' in html
    assert 'method="get"' in html
    assert "<script" not in html
