"""Text to speech for the audio mode: adapters of kiosk.services.ports.Speech over the
espeak-ng command (docs/accessibility.md). Bootstrap wires one; the UI sees the port only."""
