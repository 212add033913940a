"""A kv binding whose widget died without being unbound (kivy/kivy#6865) must not crash
the kiosk when the font, the language or the text size changes for every screen: seen
once in a few hundred sessions, at a session's end, as ReferenceError out of
KioskApp.end_session."""

from __future__ import annotations

import gc
import logging
from typing import Any

import pytest
from kivy.lang.builder import call_fn
from kivy.uix.label import Label
from kivy.weakproxy import WeakProxy

from kiosk.ui.bindings import drop_dead_bindings
from kiosk.ui.driver import Driver

pytestmark = pytest.mark.ui


class _Gone:
    """A widget's stand-in that is gone by the time the App's property changes."""

    font_name = ""


class _Rule:
    """What kivy.lang.builder.call_fn needs of a rule: a use counter, its source."""

    count = 0
    value = "app.font_name"


def bind_like_kv(app: Any, name: str, target: Any) -> None:
    """Bind ``target.font_name`` to ``app.<name>`` the way a kv rule does."""
    value = compile("app.font_name", "<kv>", "eval")
    app.fbind(name, call_fn, (target, "font_name", value, _Rule(), {"app": app}))


def test_a_dead_binding_is_dropped_and_every_live_widget_still_follows(
        driver: Driver, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a kv-style binding to app.font_name whose label is gone, between two live ones
    WHEN the language changes to Korean, then large text goes on and off, then back
    to English
    THEN nothing raises, both live labels get the Korean font and then the English one,
    and the dead binding is dropped once, with a warning, and never met again."""
    app = driver.app
    # Widgets earlier tests made and let go may have left such bindings too (the very
    # defect): dropped first, so the count below is of this test's one.
    gc.collect()
    drop_dead_bindings(app, "font_name")
    caplog.set_level(logging.WARNING, logger="kiosk.ui.bindings")
    before, after = Label(), Label()
    bind_like_kv(app, "font_name", before)
    bind_like_kv(app, "font_name", WeakProxy(_Gone()))  # dead at once: nothing holds it
    bind_like_kv(app, "font_name", after)
    try:
        app.set_language("ko")
        assert before.font_name == after.font_name == "Kiosk-ko"
        app.set_large_text(True)
        app.set_large_text(False)
        app.set_language("en")
        assert before.font_name == after.font_name == app.font_name != "Kiosk-ko"
        drops = [r.getMessage() for r in caplog.records if "binding(s) to gone" in r.getMessage()]
        assert drops == ["1 kv binding(s) to gone widgets dropped from KioskApp (font_name)"]
    finally:
        for _cb, largs, _kw, _ref, uid in app.get_property_observers("font_name", True):
            if largs and isinstance(largs[0], tuple) and any(
                    largs[0][0] is label for label in (before, after)):
                app.unbind_uid("font_name", uid)
