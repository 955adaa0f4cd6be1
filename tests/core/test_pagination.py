import base64

import pytest

from procura.accounts.models import Organisation
from procura.accounts.roles import OrganisationKind
from procura.core.errors import InvalidInput
from procura.core.pagination import encode_cursor, paginate
from tests import factories


@pytest.mark.django_db
def test_keyset_pages_cover_every_row_once_in_order() -> None:
    # given organisations, several sharing a name so the tie-breaker matters
    for i in range(23):
        factories.organisation(OrganisationKind.SUPPLIER, name=f"Firm {i % 5}")
    expected = list(Organisation.objects.order_by("legal_name", "id").values_list("id", flat=True))
    # when walking the pages
    seen, cursor = [], None
    while True:
        page = paginate(Organisation.objects.all(), order=("legal_name", "id"), cursor=cursor, limit=4)
        seen += [o.pk for o in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    # then every row appears exactly once, in order
    assert seen == expected


@pytest.mark.django_db
def test_descending_keys_page_backwards() -> None:
    for i in range(7):
        factories.organisation(OrganisationKind.SUPPLIER, name=f"Firm {i}")
    first = paginate(Organisation.objects.all(), order=("-legal_name", "id"), limit=3)
    second = paginate(Organisation.objects.all(), order=("-legal_name", "id"), cursor=first.next_cursor, limit=3)
    names = [o.legal_name for o in first.items + second.items]
    assert names == sorted(names, reverse=True)
    assert len(set(names)) == 6


@pytest.mark.django_db
def test_a_forged_cursor_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput) as info:
        paginate(Organisation.objects.all(), order=("legal_name", "id"), cursor="not-a-cursor")
    assert info.value.fields == {"cursor": ["The cursor is not one this server issued."]}


@pytest.mark.django_db
def test_limit_out_of_range_names_the_field() -> None:
    with pytest.raises(InvalidInput) as info:
        paginate(Organisation.objects.all(), order=("id",), limit=0)
    assert "limit" in info.value.fields


@pytest.mark.django_db
def test_a_forged_cursor_with_values_of_the_wrong_kind_is_refused() -> None:
    # given a cursor that decodes but holds a mapping, a list and a string where a name and a uuid belong
    forged = encode_cursor([{"x": 1}, ["y"]])
    # when / then
    with pytest.raises(InvalidInput) as caught:
        paginate(Organisation.objects.all(), order=("legal_name", "id"), cursor=forged)
    assert set(caught.value.fields) == {"cursor"}
    with pytest.raises(InvalidInput):
        paginate(Organisation.objects.all(), order=("legal_name", "id"), cursor=encode_cursor(["A", "not-a-uuid"]))


def test_a_forged_cursor_with_a_bad_decimal_is_refused() -> None:
    forged = base64.urlsafe_b64encode(b'[{"dec":"x"},{"dec":"1e"}]').decode().rstrip("=")
    with pytest.raises(InvalidInput) as info:
        paginate(Organisation.objects.all(), order=("legal_name", "id"), cursor=forged)
    assert info.value.fields == {"cursor": ["The cursor is not one this server issued."]}
