#!/bin/sh
# The kiosk's X session: xinit runs it once Xorg answers, and Xorg ends when it ends.
# Written by `kiosk install`. The kiosk itself is its own unit (kiosk.service), which
# waits for this session's window manager (kiosk-wait-display).
set -u
# matchbox shows one window at a time, full screen, without a title bar or a cursor:
# Kivy's fullscreen fills the screen only under a window manager.
matchbox-window-manager -use_cursor no -use_titlebar no &
wm=$!
trap 'kill "$wm" 2>/dev/null' TERM INT HUP
# The settings below are made once the window manager runs (Xorg runs with -noreset, so
# they stay when a client leaves).
"$(dirname "$0")/kiosk-wait-display" 30 || exit 1
# Never blank, never power the screen down (Xorg also runs with -s 0 -dpms).
xset s off
xset s noblank
xset -dpms 2>/dev/null
xsetroot -solid black
# Only this user's programs may use the display (the kiosk runs as the same user).
xhost "+si:localuser:$(id -un)" >/dev/null
xhost -local: >/dev/null
wait "$wm"
