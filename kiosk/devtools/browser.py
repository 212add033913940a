"""Debian's chromium, headless, driven by selenium through Debian's chromedriver: the
console's browser tests, its screenshots and its bench use this one set-up (no
browser is downloaded; docs/platform.md).

Chinese needs a CJK font, which a bare Debian lacks: chromium gets a fontconfig file
that adds the Noto Sans CJK font the kiosk already installs (the noto-cjk-sans-otc
wheel), so the console's Chinese pages render as an admin's browser shows them.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
DESKTOP = (1366, 768)
PHONE = (390, 844)


def missing() -> str | None:
    """Why no browser can run here (None: it can)."""
    if importlib.util.find_spec("selenium") is None:
        return "selenium is not installed (pip install -e '.[test]')"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (shutil.which(path) or Path(path).exists()):
            return f"{path} is missing (apt-get install chromium chromium-driver)"
    return None


def _fontconfig(folder: Path) -> Path:
    spec = importlib.util.find_spec("noto_cjk_sans_otc")
    fonts = Path(spec.origin).parent if spec is not None and spec.origin else None
    config = folder / "fonts.conf"
    extra = f"<dir>{fonts}</dir>" if fonts is not None else ""
    config.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
                      f'<fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
                      f'{extra}<cachedir>{folder / "cache"}</cachedir></fontconfig>',
                      encoding="utf-8")
    return config


def start_browser(size: tuple[int, int] = DESKTOP, lang: str = "en") -> Any:
    """A headless chromium (selenium WebDriver) with a window of ``size``; the caller
    quits it. ``lang``: the Accept-Language it sends."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    folder = Path(tempfile.mkdtemp(prefix="console-browser-"))  # the font set-up
    atexit.register(shutil.rmtree, folder, True)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
                     "--hide-scrollbars", f"--window-size={size[0]},{size[1]}",
                     f"--lang={lang}"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    env = {**os.environ, "FONTCONFIG_FILE": str(_fontconfig(folder))}
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER, env=env), options=options)
    driver.set_page_load_timeout(30)
    # The window's inner size is what a screenshot shows: make it exactly ``size``.
    width, height = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    if (width, height) != size:
        driver.set_window_size(size[0] + size[0] - width, size[1] + size[1] - height)
    return driver
