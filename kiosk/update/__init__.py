"""Software updates of the kiosk itself: fetch a signed release, verify it, install it
beside the running version, switch between sessions, keep it only if it starts healthy,
otherwise switch back (docs/operations.md#software-updates)."""
