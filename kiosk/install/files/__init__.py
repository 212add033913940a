"""The files `kiosk install` lays out on a kiosk machine (package data, read with
importlib.resources): systemd units, the X session, its PAM service and Xorg settings.
@NAME@ marks what the installer fills in (kiosk/install/layout.py)."""
