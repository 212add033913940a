"""Self-service kiosk for foreign residents of Shanghai."""

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "shanghai-selfservice-kiosk"  # pyproject.toml's [project] name

try:
    __version__ = version(DISTRIBUTION)  # one version, pyproject's, for every command
except PackageNotFoundError:  # a source tree on sys.path that was never installed
    __version__ = "0+unknown"
