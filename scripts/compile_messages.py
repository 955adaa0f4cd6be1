"""Compile every .po catalogue under src/procura/locale into its .mo with polib (no gettext needed)."""

from __future__ import annotations

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "src" / "procura" / "locale"


def main() -> int:
    catalogues = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
    if not catalogues:
        print(f"no catalogues under {LOCALE_DIR}", file=sys.stderr)
        return 1
    for po_path in catalogues:
        catalogue = polib.pofile(str(po_path))
        catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"{po_path.relative_to(LOCALE_DIR)}: {catalogue.percent_translated()}% translated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
