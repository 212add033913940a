"""The kiosk's package data, no code: config/ (the packaged default settings, the demo's
and an example site file) and locale/<lang>/LC_MESSAGES/kiosk.po (the gettext catalogs).
Read through kiosk.paths with importlib.resources, so a wheel runs as a checkout does."""
