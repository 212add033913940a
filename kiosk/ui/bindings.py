"""App-wide properties that kv rules all over the UI follow (the font, the text size, the
language, the palette), set so that a binding left behind by a widget that is gone cannot
crash the kiosk.

Kivy's kv rules bind through weak proxies; a binding whose widget has died without
being unbound (kivy/kivy#6865, seen here once in a few hundred sessions at a session's
end) raises ReferenceError in the middle of the property's dispatch, and the widgets
after it in the list keep the old value. Here such bindings are dropped and the
property dispatched again, so everyone alive gets the new value.
"""

from __future__ import annotations

import logging

from kivy.event import EventDispatcher

log = logging.getLogger(__name__)

MAX_RETRIES = 5  # each retry drops every dead binding it finds: one is normally enough


def set_everywhere(owner: EventDispatcher, name: str, value: object) -> None:
    """``owner.name = value``, surviving dead kv bindings (see the module's docstring)."""
    try:
        setattr(owner, name, value)
        return
    except ReferenceError:
        pass
    redispatch(owner, name)


def redispatch(owner: EventDispatcher, *names: str) -> None:
    """Drop the dead bindings of ``names`` and dispatch them again, until one goes through."""
    for _attempt in range(MAX_RETRIES):
        dropped = sum(drop_dead_bindings(owner, name) for name in names)
        log.warning("%d kv binding(s) to gone widgets dropped from %s (%s)", dropped,
                    type(owner).__name__, ", ".join(names))
        try:
            for name in names:
                owner.property(name).dispatch(owner)
            return
        except ReferenceError:
            continue
    raise RuntimeError(f"dead kv bindings keep coming back on {names}")


def drop_dead_bindings(owner: EventDispatcher, name: str) -> int:
    """Unbind every kv rule binding of ``owner.name`` whose target widget is gone."""
    dropped = 0
    for _callback, largs, _kwargs, _is_ref, uid in owner.get_property_observers(name, True):
        target = largs[0][0] if largs and isinstance(largs[0], tuple) and largs[0] else None
        if target is not None and not alive(target):
            owner.unbind_uid(name, uid)
            dropped += 1
    return dropped


def alive(target: object) -> bool:
    """False for a weak proxy whose object is gone."""
    try:
        target.__class__  # noqa: B018 - a dead kivy WeakProxy raises here
    except ReferenceError:
        return False
    return True
