"""Export the kiosk's help texts for central's help page (docs/ui-guide.md#help):

    python -m kiosk.devtools.help_pages     # writes kiosk/domain/help_pages.json

Central may not read the kiosk's services or catalogs (docs/architecture.md, the
dependency rule), but it may read the domain, so the help of every step of every
service, translated in the 8 languages, is exported there as data.
tests/unit/test_help_texts.py fails when the file and the catalogs differ.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kiosk.domain.languages import LANGUAGES
from kiosk.i18n import Catalogs
from kiosk.services.help_topics import SERVICES, topics
from kiosk.ui.help_panel import HELP_LABEL, HOTLINE_LABEL

OUT = Path(__file__).resolve().parents[1] / "domain" / "help_pages.json"


def pages(catalogs: Catalogs | None = None) -> dict[str, Any]:
    tr = catalogs or Catalogs()
    return {
        "title": {lang: tr.gettext(lang, HELP_LABEL) for lang in LANGUAGES},
        "hotline": {lang: tr.gettext(lang, HOTLINE_LABEL) for lang in LANGUAGES},
        "services": {
            service: {step: {lang: [tr.gettext(lang, p) for p in help_.paragraphs]
                             for lang in LANGUAGES}
                      for step, help_ in sorted(topics(service).items())}
            for service in SERVICES},
    }


def render(catalogs: Catalogs | None = None) -> str:
    return json.dumps(pages(catalogs), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main() -> int:
    OUT.write_text(render(), encoding="utf-8")
    print(OUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
