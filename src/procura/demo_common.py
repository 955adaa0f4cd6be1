"""What the demo modules share: a CPV-classified item of a tender's lot."""

from __future__ import annotations

from procura.tenders.services import ItemDetails


def cpv_item(description: str, code: str, quantity: str, unit: str) -> ItemDetails:
    """An item classified by its CPV code, `quantity` of the UN/ECE unit `unit`."""
    return ItemDetails(
        description=description,
        classification_scheme="CPV",
        classification_code=code,
        quantity=quantity,
        unit_code=unit,
    )
