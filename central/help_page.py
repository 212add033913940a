"""The help page a kiosk's Help panel QR code opens on the person's phone
(docs/ui-guide.md#help): ``GET /help/{service}/{step}?lang=xx``, plain HTML in the
person's language, from the texts the kiosk shows (kiosk.domain.help_pages). No
script, no asset from elsewhere, nothing personal: the same page for everyone."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse

from kiosk.domain.help_pages import help_paragraphs, label
from kiosk.domain.languages import LANGUAGES


def build_help_router() -> APIRouter:
    router = APIRouter()

    @router.get("/help/{service}/{step}", response_class=HTMLResponse, include_in_schema=False)
    def help_page(service: str, step: str, lang: str = "en") -> HTMLResponse:
        if lang not in LANGUAGES:
            lang = "en"
        paragraphs = help_paragraphs(service, step, lang)
        if paragraphs is None:
            raise HTTPException(status_code=404, detail="no help for this step")
        title = escape(label("title", lang))
        body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        return HTMLResponse(
            f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title}</title><style>body{{font:1.2rem/1.5 sans-serif;"
            f"max-width:40rem;margin:1rem auto;padding:0 1rem}}</style></head>"
            f"<body><h1>{title}</h1>\n{body}\n</body></html>\n")

    return router
