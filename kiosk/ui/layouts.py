"""The .kv layouts, package data beside their modules, loaded with importlib.resources
(a wheel ships them as an editable install has them)."""

from __future__ import annotations

from importlib.resources import as_file, files

from kivy.lang import Builder


def load_kv(module_name: str) -> None:
    """Load the layout named after a module: ``kiosk.ui.screens.home`` -> its package's
    home.kv. Kivy's Builder reads a file, so the resource is given as one."""
    package, _, module = module_name.rpartition(".")
    with as_file(files(package) / f"{module}.kv") as layout:
        Builder.load_file(str(layout))
