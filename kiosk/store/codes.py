"""Verification codes: what a slip's or receipt's QR carries to central's /v1/verify."""

from __future__ import annotations

import secrets

# Crockford base32 without I, L, O, U: read aloud and typed back without confusion.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def verification_code() -> str:
    """10 characters, 50 bits: unguessable, short enough for a QR and a phone call."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))
