import pytest

from procura.core.errors import InvalidInput
from procura.core.values import checked_text


def test_checked_text_is_trimmed() -> None:
    assert checked_text("  Annulled on appeal.  ", field="reason", max_length=50) == "Annulled on appeal."
    assert checked_text(None, field="notes", max_length=50) == ""


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("   ", "Give the reason."),
        ("Bad\x00text", "Remove the null characters from this text."),
        ("x" * 11, "Shorten this to at most 10 characters."),
        (12, "Enter text."),
    ],
)
def test_checked_text_names_the_field_and_the_problem(value: object, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        checked_text(value, field="reason", max_length=10, required="Give the reason.")
    assert refused.value.fields == {"reason": [message]}
    assert refused.value.message == message
