"""What the audio mode says on a screen (docs/accessibility.md): where the person is,
what the screen shows and asks, and the buttons they can touch, in their language. Plain
text and the catalogs, no Kivy: kiosk/ui/audio.py reads the texts off the screen."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from babel.lists import format_list

from kiosk.domain.languages import language
from kiosk.domain.speakable import speakable
from kiosk.ui.i18n import N_

AUDIO_LABEL = N_("Audio guidance")
AUDIO_ON = N_("Audio guidance is on. Each screen is read aloud when it shows.")
WHERE = N_("You are at: {place}.")
BUTTONS = N_("Buttons: {buttons}.")

# Each screen a resident can see, by the kind of place it is: the first words said.
SCREEN_PLACES: dict[str, str] = {
    "attract": N_("Welcome"),
    "language": N_("Choose your language"),
    "home": N_("List of services"),
    "biller": N_("Choose who sent the bill"),
    "account": N_("Enter the account number"),
    "review": N_("Check the bill before paying"),
    "paying": N_("Paying"),
    "done": N_("Payment successful"),
    "method": N_("Choose how to pay"),
    "qr_mode": N_("Choose the QR payment"),
    "qr_code": N_("QR code on the screen"),
    "qr_scan": N_("Scan your payment code"),
    "failed": N_("Something went wrong"),
    "document": N_("Show your document"),
    "identity": N_("Your details"),
    "question": N_("Question"),
    "summary": N_("Check your answers"),
    "working": N_("Please wait"),
    "slip": N_("Your slip"),
    "choose": N_("Make a choice"),
    "advice": N_("What you can do"),
    "out_of_service": N_("Out of service"),
}


def describe(screen: str, texts: Iterable[str], buttons: Iterable[str], lang: str,
             gettext: Callable[[str], str]) -> str:
    """One utterance for a screen: its place, its texts in reading order (the header's
    title and step first), then its buttons as a list in ``lang``. Amounts and
    references are made speakable; a text said twice is said once."""
    parts: list[str] = []
    place = SCREEN_PLACES.get(screen)
    if place is not None:
        parts.append(gettext(WHERE).format(place=gettext(place)))
    seen: set[str] = set()
    for text in texts:
        text = " ".join(text.split())
        if text and text not in seen:
            seen.add(text)
            parts.append(text)
    captions = list(dict.fromkeys(" ".join(b.split()) for b in buttons if b.strip()))
    if captions:
        listed = format_list(captions, locale=language(lang).locale)
        parts.append(gettext(BUTTONS).format(buttons=listed))
    return speakable(" ".join(parts), lang)
