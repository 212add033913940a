"""The only place that turns config into real or simulated adapters (being written)."""
