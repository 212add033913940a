"""Self-service kiosk for foreign residents of Shanghai."""

__version__ = "0.1.0"
