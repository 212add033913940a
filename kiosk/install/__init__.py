"""`kiosk install`: lays out a kiosk machine (Debian 12) from the installed wheel: its
system user, site file, data folder, systemd units and the kiosk's X session. The files
are package data (kiosk/install/files), so a wheel is all a machine needs
(docs/deployment.md)."""
