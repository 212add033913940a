"""What a browser gets when the console refuses something: the console's page with the
reason, in the admin's language, with the refusal's status code; never the JSON error
body of /v1/* (a form's post is read by a person, not a program).

Forms whose refusal the page can show next to the form re-render their own page
(``problem`` and ``problem_form``, central/console/pages.py). Anything else refused
under /admin (a form without its CSRF token, an unknown kiosk, a value that is not
valid in the address) is answered by ``refusal_page``: the frame, the reason and a
link back. The background refresh (its poll header) keeps the JSON answer its script
reads, and a redirect (to the sign-in) stays a redirect.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response

from central.console import i18n
from central.console.sessions import SESSION_COOKIE, ConsoleSession
from central.console.web import console_of, is_poll, language, local_path, render

CONSOLE_PREFIX = "/admin"

REASONS = {
    403: "The form had expired or did not come from this console: reload the page and "
         "try again.",
    404: "There is no such page, or what it names does not exist (any more).",
    409: "Refused: it no longer applies. The page shows how things stand now.",
    422: "Refused: a value in the form or the address is not valid.",
}
OTHER_REASON = "Refused: the console could not do this."


def wants_console_page(request: Request, status: int) -> bool:
    """A refusal a person reads in the console (not /v1/*, not the page's refresh)."""
    path = request.url.path
    return (400 <= status < 500 and status != 401
            and (path == CONSOLE_PREFIX or path.startswith(CONSOLE_PREFIX + "/"))
            and not path.startswith(CONSOLE_PREFIX + "/static/") and not is_poll(request)
            and hasattr(request.app.state, "console"))


def refusal_page(request: Request, status: int) -> Response:
    """The console's frame with the reason for ``status`` and a way back."""
    translate = i18n.translator(language(request))
    session = _session_if_any(request)
    came_from = urlsplit(request.headers.get("referer", ""))
    back = local_path(came_from.path + (f"?{came_from.query}" if came_from.query else "")
                      if came_from.netloc == request.url.netloc else None)
    return render(request, "refused.html", page="refused", title=translate("Refused"),
                  session=session, status=status,
                  problem=translate(REASONS.get(status, OTHER_REASON)),
                  back=back if back != request.url.path else "/admin")


def _session_if_any(request: Request) -> ConsoleSession | None:
    # A refusal does not count as the admin's activity: it does not keep a session alive.
    return console_of(request).sessions.current(request.cookies.get(SESSION_COOKIE),
                                                by_admin=False)
