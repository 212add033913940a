#!/bin/sh
# Waits until the kiosk's display answers and its window manager runs, at most $1
# seconds (default 60): a window opened before the window manager would stay at its
# own size. Written by `kiosk install`; kiosk.service runs it before the kiosk.
set -u
limit=${1:-60}
waited=0
while ! xprop -root _NET_SUPPORTING_WM_CHECK 2>/dev/null | grep -q "window id"; do
    if [ "$waited" -ge "$((limit * 5))" ]; then
        echo "kiosk-wait-display: no window manager on ${DISPLAY:-(DISPLAY unset)} after ${limit} s" >&2
        exit 1
    fi
    sleep 0.2
    waited=$((waited + 1))
done
