"""Loading CPV and UNSPSC codes: upsert by code, parents from the digits, all or nothing, audited."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from procura.accounts.roles import OrganisationKind, Role
from procura.audit.codes import AuditAction
from procura.audit.models import AuditEntry
from procura.audit.selectors import verify_chain
from procura.classifications.models import Classification, ClassificationWord
from procura.classifications.services import LoadResult, classifications_load, load_demo_classifications
from procura.core.errors import InvalidInput, PermissionDenied
from tests import factories

CsvFile = Callable[..., Path]

MEDICAL = """code,description
33000000-0,"Medical equipments, pharmaceuticals and personal care products"
33100000-1,Medical equipments
33140000-3,Medical consumables
33141000-0,Disposable non-chemical medical consumables and haematological consumables
"""


def _stored(scheme: str = "CPV") -> list[tuple[str, str, int]]:
    return list(
        Classification.objects.filter(scheme=scheme).order_by("code").values_list("code", "parent_code", "level")
    )


@pytest.mark.django_db
def test_a_csv_file_is_loaded_with_parents_and_levels(csv_file: CsvFile) -> None:
    # given a CSV file of CPV codes
    path = csv_file(MEDICAL)

    # when it is loaded
    result = classifications_load(scheme="cpv", rows=path)

    # then every code is created with its parent and level
    assert result == LoadResult(scheme="CPV", created=4, updated=0, unchanged=0)
    assert _stored() == [
        ("33000000-0", "", 1),
        ("33100000-1", "33000000-0", 2),
        ("33140000-3", "33100000-1", 3),
        ("33141000-0", "33140000-3", 4),
    ]
    assert Classification.objects.get(code="33100000-1").description == "Medical equipments"


@pytest.mark.django_db
def test_unspsc_codes_are_loaded_with_parents_by_pairs_of_digits() -> None:
    # given UNSPSC rows with "Code" and "Title" columns
    rows = [
        {"Code": "43000000", "Title": "Information Technology Broadcasting and Telecommunications"},
        {"Code": "43210000", "Title": "Computer Equipment and Accessories"},
        {"Code": "43211500", "Title": "Computers"},
        {"Code": "43211503", "Title": "Notebook computers"},
    ]

    # when they are loaded
    result = classifications_load(scheme="UNSPSC", rows=rows)

    # then segment, family, class and commodity hang together
    assert result == LoadResult(scheme="UNSPSC", created=4, updated=0, unchanged=0)
    assert _stored("UNSPSC") == [
        ("43000000", "", 1),
        ("43210000", "43000000", 2),
        ("43211500", "43210000", 3),
        ("43211503", "43211500", 4),
    ]


@pytest.mark.django_db
def test_loading_the_same_file_again_changes_nothing_and_records_nothing(csv_file: CsvFile) -> None:
    # given a loaded file
    path = csv_file(MEDICAL)
    classifications_load(scheme="cpv", rows=path)
    entries = AuditEntry.objects.count()

    # when it is loaded again
    result = classifications_load(scheme="cpv", rows=path)

    # then nothing changes and the audit log has nothing new
    assert result == LoadResult(scheme="CPV", created=0, updated=0, unchanged=4)
    assert Classification.objects.count() == 4
    assert AuditEntry.objects.count() == entries


@pytest.mark.django_db
def test_a_new_description_updates_the_code_and_its_search_words(csv_file: CsvFile) -> None:
    # given loaded codes
    classifications_load(scheme="cpv", rows=csv_file(MEDICAL))

    # when a file gives one of them a new description and adds a code
    result = classifications_load(
        scheme="cpv",
        rows=csv_file("code,description\n33140000-3,Medical supplies\n33600000-6,Pharmaceutical products\n"),
    )

    # then that code is updated, the new one created and the others left alone
    assert result == LoadResult(scheme="CPV", created=1, updated=1, unchanged=0)
    assert Classification.objects.get(code="33140000-3").description == "Medical supplies"
    assert Classification.objects.get(code="33600000-6").parent_code == "33000000-0"
    assert Classification.objects.count() == 5
    words = ClassificationWord.objects.filter(classification__code="33140000-3").values_list("word", flat=True)
    assert sorted(words) == ["medical", "supplies"]


@pytest.mark.django_db
def test_a_level_loaded_later_becomes_the_parent_of_codes_below_it(csv_file: CsvFile) -> None:
    # given a category loaded without its class
    classifications_load(
        scheme="cpv",
        rows=csv_file("code,description\n33000000-0,Medical equipments\n33141000-0,Disposable consumables\n"),
    )
    assert Classification.objects.get(code="33141000-0").parent_code == "33000000-0"

    # when the missing class and group are loaded
    result = classifications_load(
        scheme="cpv",
        rows=csv_file("code,description\n33100000-1,Medical equipments\n33140000-3,Medical consumables\n"),
    )

    # then the category hangs under its class
    assert result == LoadResult(scheme="CPV", created=2, updated=1, unchanged=0)
    assert Classification.objects.get(code="33141000-0").parent_code == "33140000-3"


@pytest.mark.django_db
def test_a_corrected_check_digit_replaces_the_code(csv_file: CsvFile) -> None:
    # given a code loaded with a wrong check digit, and a code under it
    classifications_load(
        scheme="cpv",
        rows=csv_file("code,description\n33140000-9,Medical consumables\n33141000-0,Disposable consumables\n"),
    )

    # when the right code is loaded
    result = classifications_load(scheme="cpv", rows=csv_file("code,description\n33140000-3,Medical consumables\n"))

    # then it replaces the wrong one, and the code under it follows
    assert result == LoadResult(scheme="CPV", created=0, updated=2, unchanged=0)
    assert _stored() == [("33140000-3", "", 3), ("33141000-0", "33140000-3", 4)]


@pytest.mark.django_db
def test_official_cpv_headers_and_semicolons_are_understood(csv_file: CsvFile) -> None:
    # given the official CPV layout: CODE and a column per language, separated by semicolons
    path = csv_file(
        "\ufeffCODE;BG;EN;FR\n33600000-6;Фармацевтични продукти;Pharmaceutical products;Produits pharmaceutiques\n"
    )

    # when it is loaded
    result = classifications_load(scheme="CPV", rows=path)

    # then the English column is the description
    assert result.created == 1
    assert Classification.objects.get(code="33600000-6").description == "Pharmaceutical products"


@pytest.mark.django_db
def test_a_bad_row_refuses_the_whole_file_and_names_each_line(csv_file: CsvFile) -> None:
    # given loaded codes and a file with good rows and bad ones
    classifications_load(scheme="cpv", rows=csv_file(MEDICAL))
    before = (Classification.objects.count(), ClassificationWord.objects.count(), AuditEntry.objects.count())
    path = csv_file(
        "code,description\n"
        "33600000-6,Pharmaceutical products\n"
        "33140000-3,Renamed consumables\n"
        ",Something without a code\n"
        "3314000-3,Short code\n"
        "33190000-8,\n"
        "33600000-6,Pharmaceutical products again\n"
    )

    # when it is loaded
    with pytest.raises(InvalidInput) as refused:
        classifications_load(scheme="cpv", rows=path)

    # then nothing is written and every bad line is named
    assert refused.value.message == "Nothing was loaded: 4 rows have problems. Correct them and load the file again."
    assert refused.value.fields == {
        "line 4": ["The code is missing."],
        "line 5": ["“3314000-3” is not a CPV code (for example 33140000-3)."],
        "line 6": ["The description of 33190000-8 is missing."],
        "line 7": ["33600000-6 repeats the code on line 2."],
    }
    assert (Classification.objects.count(), ClassificationWord.objects.count(), AuditEntry.objects.count()) == before
    assert Classification.objects.get(code="33140000-3").description == "Medical consumables"


@pytest.mark.django_db
def test_a_cpv_code_is_refused_as_unspsc(csv_file: CsvFile) -> None:
    # given a file of CPV codes
    path = csv_file(MEDICAL)

    # when it is loaded as UNSPSC
    with pytest.raises(InvalidInput) as refused:
        classifications_load(scheme="unspsc", rows=path)

    # then each line is refused for its format
    assert refused.value.fields["line 2"] == ["“33000000-0” is not a UNSPSC code (for example 42140000)."]
    assert len(refused.value.fields) == 4
    assert Classification.objects.count() == 0


@pytest.mark.django_db
def test_a_file_without_the_columns_is_refused(csv_file: CsvFile) -> None:
    # given a file whose header names neither a code nor a description
    path = csv_file("number,label2\n33000000-0,Medical\n")

    # when it is loaded
    with pytest.raises(InvalidInput) as refused:
        classifications_load(scheme="cpv", rows=path)

    # then the header is named
    assert list(refused.value.fields) == ["header"]
    assert refused.value.message == "Nothing was loaded."
    assert refused.value.fields["header"][0].endswith("it has: “number”, “label2”.")


@pytest.mark.django_db
def test_a_missing_file_and_an_unknown_scheme_are_refused(tmp_path: Path, csv_file: CsvFile) -> None:
    # given a path with no file and a good file
    missing = tmp_path / "nowhere.csv"

    # when each is loaded wrongly
    with pytest.raises(InvalidInput) as no_file:
        classifications_load(scheme="cpv", rows=missing)
    with pytest.raises(InvalidInput) as no_scheme:
        classifications_load(scheme="naics", rows=csv_file(MEDICAL))

    # then each says why
    assert no_file.value.fields == {"file": [f"There is no file {missing}."]}
    assert no_scheme.value.fields == {"scheme": ["Choose a classification scheme: CPV, UNSPSC."]}


@pytest.mark.django_db
def test_a_file_with_only_a_header_is_refused(csv_file: CsvFile) -> None:
    with pytest.raises(InvalidInput) as refused:
        classifications_load(scheme="cpv", rows=csv_file("code,description\n\n"))
    assert refused.value.fields == {"file": ["There are no codes to load: the file has a header but no rows."]}


@pytest.mark.django_db
def test_a_load_is_audited(csv_file: CsvFile) -> None:
    # given a platform administrator
    admin = factories.platform_admin()

    # when they load a file
    classifications_load(scheme="cpv", rows=csv_file(MEDICAL, name="cpv_2008.csv"), actor=admin)

    # then one audit entry records what was loaded, by whom, and the chain holds
    entry = AuditEntry.objects.get(action=AuditAction.CLASSIFICATIONS_LOADED)
    assert (entry.actor_id, entry.object_type, entry.object_id) == (admin.pk, "classification_scheme", "CPV")
    assert entry.after == {"source": "cpv_2008.csv", "rows": 4, "created": 4, "updated": 0, "unchanged": 0}
    assert verify_chain().ok


@pytest.mark.django_db
def test_only_a_platform_administrator_may_load(csv_file: CsvFile) -> None:
    # given a procurement officer of a buyer
    officer = factories.member(factories.organisation(OrganisationKind.BUYER), Role.PROCUREMENT_OFFICER)

    # when they try to load codes
    with pytest.raises(PermissionDenied) as refused:
        classifications_load(scheme="cpv", rows=csv_file(MEDICAL), actor=officer)

    # then they are refused and nothing is written
    assert refused.value.message == "Only a platform administrator can load classification codes."
    assert Classification.objects.count() == 0


@pytest.mark.django_db
def test_the_demo_codes_load_once_with_every_parent_present() -> None:
    # given an empty database
    # when the demo codes are loaded twice
    first = load_demo_classifications()
    entries = AuditEntry.objects.count()
    second = load_demo_classifications()

    # then the second time changes nothing
    assert (first["CPV"].created, first["UNSPSC"].created) == (57, 8)
    assert second["CPV"] == LoadResult(scheme="CPV", created=0, updated=0, unchanged=57)
    assert second["UNSPSC"] == LoadResult(scheme="UNSPSC", created=0, updated=0, unchanged=8)
    assert AuditEntry.objects.count() == entries == 2
    # and every code below the top has its direct structural parent loaded
    roots = Classification.objects.filter(parent_code="").values_list("level", flat=True)
    assert set(roots) == {1}
    assert Classification.objects.get(scheme="CPV", code="45233140-2").parent_code == "45233100-0"
    assert Classification.objects.get(scheme="CPV", code="34144900-7").parent_code == "34144000-8"


@pytest.mark.django_db
def test_files_that_cannot_be_read_as_text_are_refused(tmp_path: Path) -> None:
    # given a Latin-1 file and a folder
    latin = tmp_path / "latin.csv"
    latin.write_bytes("code,description\n33000000-0,Équipements médicaux\n".encode("latin-1"))

    # when each is loaded
    with pytest.raises(InvalidInput) as not_utf8:
        classifications_load(scheme="cpv", rows=latin)
    with pytest.raises(InvalidInput) as folder:
        classifications_load(scheme="cpv", rows=tmp_path)

    # then each says what is wrong with it
    assert not_utf8.value.fields == {"file": [f"{latin} is not UTF-8 text. Save it as CSV UTF-8 and try again."]}
    assert folder.value.fields == {"file": [f"{tmp_path} is a folder, not a CSV file."]}


@pytest.mark.django_db
def test_blank_rows_and_extra_columns_are_ignored(csv_file: CsvFile) -> None:
    # given a spreadsheet export with tabs, an extra column, spaces and empty rows at the end
    path = csv_file(
        "Code\tTitle\tVersion\n 42000000 \t Medical Equipment  and Accessories and Supplies \tv26\n\t\t\n\n"
    )

    # when it is loaded
    result = classifications_load(scheme="unspsc", rows=path)

    # then the one real row is loaded, its description tidied
    assert result.created == 1
    assert Classification.objects.get().description == "Medical Equipment and Accessories and Supplies"
