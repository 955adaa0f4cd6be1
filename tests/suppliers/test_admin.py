"""The Django admin shows the supplier register read-only, without owners' personal data."""

from __future__ import annotations

import pytest

from procura.suppliers.models import BeneficialOwner
from tests.conftest import World
from tests.suppliers.conftest import Register

pytestmark = pytest.mark.django_db


def test_administrators_read_the_register_in_the_admin_without_personal_data(world: World, register: Register) -> None:
    client = world.client("admin")
    listing = client.get("/admin/suppliers/beneficialowner/")
    assert listing.status_code == 200
    assert "Ana García" in listing.content.decode()
    detail = client.get(f"/admin/suppliers/beneficialowner/{register.owner.pk}/change/").content.decode()
    assert "Ana García" in detail
    assert "Calle Mayor" not in detail
    assert "1975" not in detail
    assert client.get("/admin/suppliers/qualificationdocument/").status_code == 200
    assert client.get("/admin/suppliers/expirywarning/").status_code == 200
    # read-only
    assert client.get("/admin/suppliers/beneficialowner/add/").status_code == 403
    response = client.post(f"/admin/suppliers/beneficialowner/{register.owner.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert BeneficialOwner.objects.filter(pk=register.owner.pk).exists()
