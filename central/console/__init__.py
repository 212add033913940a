"""The admin console: central's own web pages at /admin (docs/central.md#the-admin-console).

Server-rendered Jinja2 templates, one style sheet and one small script (the fleet page's
refresh), all served by central: no asset from the internet, no build step. Sign-in
exchanges an admin token for a server-side session (central.console.sessions); every
form carries the session's CSRF token. English and Chinese (central.console.i18n).
"""

from central.console.routes import build_console_router
from central.console.sessions import ConsoleSettings
from central.console.web import make_console

__all__ = ["ConsoleSettings", "build_console_router", "make_console"]
