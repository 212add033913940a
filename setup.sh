#!/bin/sh
# Installs everything the kiosk needs on Debian 12 / Python 3.11, then runs one job:
#   ./setup.sh demo [kiosk demo options]   the kiosk's main job: a scripted bill payment
#   ./setup.sh test [pytest options]       the whole test suite (what CI runs)
# Idempotent: a second run installs nothing new and goes straight to the job.
set -eu
cd "$(dirname "$0")"
job=${1:-demo}
[ $# -gt 0 ] && shift

# Debian packages: Mesa GL/EGL for offscreen rendering, mtdev for real touch screens,
# the Material Design icon font, venv support for Debian's own Python, the PostgreSQL
# server that central's tests start a throwaway instance of (tests/integration/central),
# and the kiosk's X session pieces that the install and session tests run under Xvfb
# (tests/integration/kiosk/test_kiosk_install.py, tests/e2e/test_kiosk_session.py).
deb_packages="libgl1 libegl1 libmtdev1 fonts-materialdesignicons-webfont postgresql"
deb_packages="$deb_packages xvfb xinit matchbox-window-manager x11-xserver-utils x11-utils"
# The admin console's browser tests and screenshots (tests/integration/console): headless
# chromium driven through chromedriver by selenium, never a browser download.
deb_packages="$deb_packages chromium chromium-driver"
# The audio mode's speech engine, with the voices of all 8 languages (docs/accessibility.md).
deb_packages="$deb_packages espeak-ng"
python=${PYTHON:-python3}
"$python" -c 'import ensurepip' 2>/dev/null || deb_packages="$deb_packages python3-venv"
if command -v dpkg-query >/dev/null 2>&1; then
    missing=""
    for pkg in $deb_packages; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="$missing $pkg"
    done
    if [ -n "$missing" ]; then
        apt_line="apt-get update && apt-get install -y --no-install-recommends$missing"
        if [ "$(id -u)" = 0 ]; then
            echo "setup: installing Debian packages:$missing"
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
        else
            echo "setup: these Debian packages are missing; as root run:"
            echo "    $apt_line"
        fi
    fi
fi

# Python packages in .venv, reinstalled only when pyproject.toml or constraints.txt
# changed. The run-time dependencies at the versions constraints.txt pins: the ones a
# fleet image installs (docs/operations.md#installing-from-a-wheel).
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
stamp=.venv/.kiosk-installed
want=$(cat pyproject.toml constraints.txt | cksum)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup: installing Python packages into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[test]'
    echo "$want" > "$stamp"
fi

case "$job" in
    demo) exec .venv/bin/kiosk demo "$@" ;;
    test) exec .venv/bin/python -m pytest "$@" ;;
    *) echo "usage: ./setup.sh demo|test [options]" >&2; exit 2 ;;
esac
