"""The kiosk's config agent: poll central for a signed bundle, judge it, stage it, apply
it between user sessions, check health, roll back, and report what happened.

A download is judged in this order, and a refused one never reaches the disk:
parse (a truncated or garbled body: 'unreadable'), signature against the trusted keys
('unknown_key', 'bad_signature'), keys a push may not set ('forbidden_key'), the kiosk's
own schema ('schema', the key named) and the version ('older_version': not newer than
what runs, or one that already failed here, so a replayed old bundle is refused even
with a valid signature). A version failed here is refused only for the rollout attempt
that failed (central's X-Rollout-Attempt): an admin's retry is a new attempt, taken again
once the cause may have been fixed.

Applying is a short sequence of atomic file operations (ConfigSlots) with "applying"
recorded first, so a power cut at any step is found by recover() at the next start and
rolled back to the complete previous config. Reports go into state.json before they are
sent and leave it only when central acknowledged them: nothing is lost while central is
away. Nothing here logs settings values; versions and reasons only.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.config import Config, load_config, overridden_keys
from kiosk.errors import ConfigError, ErrorCode, KioskError
from kiosk.services.ports import Clock
from kiosk.sync.config_slots import ConfigSlots, SlotState
from kiosk.sync.outage import FailureStreak
from kiosk.sync.periodic import PeriodicThread, RunsPeriodically
from kiosk.sync.wire_config import (
    OVERRIDDEN_MAX,
    BundleRejected,
    ConfigFetch,
    ConfigReportAck,
    ConfigReportIn,
    SignedBundle,
    key_id,
    parse_public_key,
    parse_signed,
    verify_signed,
)

log = logging.getLogger(__name__)

HealthCheck = Callable[[Config], list[str]]
StepHook = Callable[[str], None]
# Answers that will not change by asking again: the report is dropped, not kept forever.
_KEEP_REPORT_ON = frozenset({ErrorCode.CENTRAL_UNAVAILABLE, ErrorCode.UNAUTHORIZED,
                             ErrorCode.FORBIDDEN})
_ETAG_VERSION = re.compile(r'^(?:W/)?"v(\d{1,12})(?:-a\d{1,10})?"$')
INTERRUPTED = "interrupted while applying"


class Loader(Protocol):
    """The kiosk's own layers around a pushed one (site_loader)."""

    def __call__(self, pushed: Mapping[str, Any] | None) -> Config: ...

    def overridden(self, pushed: Mapping[str, Any]) -> list[str]:
        """The pushed keys ("section.key") a local layer sets too: no effect here."""
        ...


class ConfigSource(Protocol):
    """What the agent needs of CentralClient."""

    def fetch_config(self, etag: str | None) -> ConfigFetch: ...

    def report_config(self, report: ConfigReportIn) -> ConfigReportAck: ...


PollOutcome = Literal["unchanged", "nothing", "staged", "rejected", "known", "error"]


@dataclass(frozen=True)
class PollResult:
    outcome: PollOutcome
    """unchanged: 304; nothing: 204; staged: verified and pending; rejected: refused and
    reported; known: the bundle already running or staged; error: central not reached."""
    version: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class ApplyResult:
    version: int
    applied: bool
    reason: str = ""
    overridden: tuple[str, ...] = ()
    """Applied, but these pushed keys have no effect: the site file sets them too."""


def trusted_keys(texts: Iterable[str]) -> dict[str, Ed25519PublicKey]:
    """sync.config_keys as the verifier wants them: key id -> public key."""
    keys = (parse_public_key(text) for text in texts)
    return {key_id(key): key for key in keys}


@dataclass(frozen=True)
class SiteLoader:
    """load_config over the kiosk's own files with a pushed layer in between."""

    site_files: tuple[Path, ...]
    overrides: Mapping[str, Any] | None = None

    def __call__(self, pushed: Mapping[str, Any] | None) -> Config:
        return load_config(*self.site_files, pushed=pushed, overrides=self.overrides)

    def overridden(self, pushed: Mapping[str, Any]) -> list[str]:
        return overridden_keys(pushed, *self.site_files, overrides=self.overrides)


def site_loader(*site_files: Path, overrides: Mapping[str, Any] | None = None) -> Loader:
    return SiteLoader(tuple(site_files), overrides)


class ConfigAgent(RunsPeriodically):
    def __init__(self, slots: ConfigSlots, client: ConfigSource,
                 trusted: Mapping[str, Ed25519PublicKey], load: Loader,
                 health_check: HealthCheck, session_idle: Callable[[], bool],
                 on_applied: Callable[[Config], None], clock: Clock, *,
                 interval_s: float = 60.0, step_hook: StepHook | None = None) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be positive")
        self.slots = slots
        self.client = client
        self.trusted = dict(trusted)
        self.load = load
        self.health_check = health_check
        self.session_idle = session_idle
        self.on_applied = on_applied
        self.clock = clock
        self.interval_s = interval_s
        self._step_hook = step_hook  # tests stop here to simulate a power cut
        self._lock = threading.RLock()  # the files: poller thread vs the UI's apply
        self._loop = PeriodicThread("config-agent", self.run_once, lambda: self.interval_s)
        self.last_poll_at: datetime | None = None
        self.poll_failures = FailureStreak(log, "config poll")

    # --- what the UI and diagnostics ask ------------------------------------------------

    def pending(self) -> int | None:
        """Version of the bundle waiting for the end of a session, or None."""
        staged = self.slots.read("pending")
        return staged.bundle.version if staged is not None else None

    def current_version(self) -> int | None:
        return self.slots.current_version()

    # --- judging a download -------------------------------------------------------------

    def judge(self, raw: bytes, attempt: int | None = None) -> SignedBundle:
        """The verified bundle, or BundleRejected (see the module docstring for the order);
        ``attempt``: which offer of it central names (None: it did not say)."""
        signed = parse_signed(raw)
        bundle = verify_signed(signed, self.trusted)
        try:
            self.load(bundle.settings)
        except ConfigError as exc:
            raise BundleRejected("schema", f"{exc.key}: {exc.reason}") from None
        current = self.slots.current_version() or 0
        state = self.slots.load_state()
        if bundle.version <= current:
            raise BundleRejected("older_version",
                                 f"version {bundle.version} is not newer than {current}")
        if state.failed_before(bundle.version, attempt):
            raise BundleRejected("older_version",
                                 f"version {bundle.version} failed here before")
        return signed

    # --- polling ------------------------------------------------------------------------

    def poll_once(self) -> PollResult:
        """Deliver kept reports, then fetch with the last ETag, judge and stage."""
        self.flush_reports()
        self.last_poll_at = self.clock.now()
        etag = self.slots.load_state().etag
        try:
            fetched = self.client.fetch_config(etag)
        except KioskError as exc:
            self.poll_failures.failed_with(exc)  # once per outage, not every poll
            return PollResult("error", reason=exc.code.value)
        self.poll_failures.succeeded()
        if fetched.status == 304:
            return PollResult("unchanged")
        if fetched.status == 204:
            return PollResult("nothing")
        result = self._take(fetched.raw, fetched.etag, fetched.attempt)
        if result.outcome == "rejected":
            self.flush_reports()
        return result

    def _take(self, raw: bytes, etag: str | None, attempt: int | None) -> PollResult:
        with self._lock:
            try:
                signed = self.judge(raw, attempt)
            except BundleRejected as exc:
                return self._rejected(raw, etag, exc, attempt)
            version = signed.bundle.version
            state = self.slots.load_state()
            state.etag = etag
            staged = self.slots.read("pending")
            if staged is not None and staged.bundle.version >= version:
                self.slots.save_state(state)
                return PollResult("known", version)
            self.slots.write("pending", signed)
            state.staged_attempt = attempt
            self.slots.save_state(state)
        log.info("config version %d verified and staged", version)
        return PollResult("staged", version)

    def _rejected(self, raw: bytes, etag: str | None, exc: BundleRejected,
                  attempt: int | None) -> PollResult:
        version = _version_of(raw, etag)
        reason = str(exc)
        current = self.slots.read("current")
        if (exc.reason == "older_version" and current is not None
                and current.bundle.version == version and raw_is(current, raw)):
            self._remember_etag(etag)  # what already runs, served again: nothing to say
            return PollResult("known", version)
        # The ETag of a refused download is never remembered: it names a version, not
        # bytes, so a forged or garbled copy of version N would make central answer 304
        # to the genuine N until N+1 is pushed. Refused bytes are fetched and judged
        # again at every poll (a few kB), but reported once.
        state = self.slots.load_state()
        if (exc.reason == "older_version" and version is not None
                and state.failed_before(version, attempt)):
            return PollResult("rejected", version, reason)  # reported when it failed here
        if exc.reason == "unreadable":
            # Garbled in transit, each time differently: one report per ETag.
            if etag is not None and state.unreadable_etag == etag:
                return PollResult("rejected", version, reason)
            state.unreadable_etag = etag
        else:
            seen = _refusal_digest(raw, reason, attempt)
            if state.rejected_digest == seen:
                return PollResult("rejected", version, reason)
            state.rejected_digest = seen
        log.warning("config version %s rejected: %s", version, reason)
        if version is not None:
            state.unreported.append(_report_entry(version, "rejected", reason,
                                                  attempt=attempt))
        else:
            log.warning("rejected config has no version to report")
        self.slots.save_state(state)
        return PollResult("rejected", version, reason)

    def _remember_etag(self, etag: str | None) -> None:
        state = self.slots.load_state()
        state.etag = etag
        self.slots.save_state(state)

    # --- applying -----------------------------------------------------------------------

    def apply_pending(self) -> ApplyResult | None:
        """Apply the staged bundle if no user session is active (None: nothing applied
        now, because nothing is staged or someone is using the kiosk)."""
        with self._lock:
            staged = self.slots.read("pending")
            if staged is None or not self.session_idle():
                return None
            version = staged.bundle.version
            state = self.slots.load_state()
            state.applying = version
            state.previous_version = self.slots.current_version()
            self.slots.save_state(state)
            self._step("marked")
            self.slots.copy("current", "previous")
            self._step("previous_saved")
            self.slots.move("pending", "current")
            self._step("current_replaced")
            problems = self._check(staged)
            if problems:
                reason = "health check: " + "; ".join(problems)
                self._roll_back(version, reason)
                result = ApplyResult(version, False, reason)
            else:
                overridden = self._overridden(staged)
                state = self.slots.load_state()
                state.applying = None
                state.unreported.append(_report_entry(version, "applied", "", overridden,
                                                      attempt=state.staged_attempt))
                self.slots.save_state(state)
                result = ApplyResult(version, True, overridden=tuple(overridden))
        if result.applied:
            log.info("config version %d applied%s", version,
                     f"; the site file overrides {', '.join(result.overridden)}"
                     if result.overridden else "")
            try:
                self.on_applied(self.load(staged.bundle.settings))
            except Exception:  # the kiosk keeps running on what it has
                log.exception("switching to config version %d failed", version)
        else:
            log.warning("config version %d rolled back: %s", version, result.reason)
        self.flush_reports()
        return result

    def _check(self, staged: SignedBundle) -> list[str]:
        try:
            config = self.load(staged.bundle.settings)
        except ConfigError as exc:  # the site file changed since the bundle was judged
            return [f"schema: {exc.key}: {exc.reason}"]
        try:
            return list(self.health_check(config))
        except Exception as exc:  # a broken check must not leave the kiosk half-applied
            log.exception("config health check crashed")
            return [f"health check crashed ({type(exc).__name__})"]

    def _overridden(self, staged: SignedBundle) -> list[str]:
        try:
            return self.load.overridden(staged.bundle.settings)[:OVERRIDDEN_MAX]
        except ConfigError:  # a site file unreadable now loaded a moment ago: say nothing
            return []

    def recover(self) -> int | None:
        """At start-up, before the config is loaded: finish what a power cut interrupted.
        Returns the version rolled back, or None when nothing was in progress.

        The remembered ETag is forgotten too, so the first poll after a start fetches
        the bundle whole: a state.json from a version that kept the ETag of a refused
        download would otherwise get 304 for the genuine bundle for good."""
        with self._lock:
            self.slots.sweep()
            state = self.slots.load_state()
            if state.etag is not None:
                state.etag = None
                self.slots.save_state(state)
            version = state.applying
            if version is None:
                return None
            self._roll_back(version, INTERRUPTED)
        log.warning("config version %d was interrupted while applying; rolled back", version)
        return version

    def _roll_back(self, version: int, reason: str) -> None:
        """Put back what ran before ``version``; mark it failed; keep the report."""
        state = self.slots.load_state()
        current = self.slots.read("current")
        if current is not None and current.bundle.version == version:
            if state.previous_version is None:
                self.slots.clear("current")
            else:
                self.slots.copy("previous", "current")
        staged = self.slots.read("pending")
        if staged is not None and staged.bundle.version == version:
            self.slots.clear("pending")
        state.applying = None
        state.failed[str(version)] = reason
        state.failed_attempts[str(version)] = state.staged_attempt or 1
        state.unreported.append(_report_entry(version, "failed", reason,
                                              attempt=state.staged_attempt))
        self.slots.save_state(state)

    def _step(self, name: str) -> None:
        if self._step_hook is not None:
            self._step_hook(name)

    # --- reports ------------------------------------------------------------------------

    def flush_reports(self) -> int:
        """Send kept reports, oldest first; returns how many central acknowledged. Stops
        at the first one central did not take (the rest wait for the next poll)."""
        sent: set[str] = set()
        for entry in list(self.slots.load_state().unreported):
            try:
                self.client.report_config(ConfigReportIn.model_validate(entry["report"]))
            except KioskError as exc:
                if exc.code in _KEEP_REPORT_ON:
                    log.debug("config report kept for later: %s", exc.code.value)
                    break
                log.warning("config report dropped: central answered %s", exc.code.value)
            except (KeyError, ValueError):
                log.error("config report entry unreadable; dropped")
            sent.add(str(entry.get("id")))
        if sent:
            with self._lock:
                state = self.slots.load_state()
                state.unreported = [e for e in state.unreported if str(e.get("id")) not in sent]
                self.slots.save_state(state)
        return len(sent)

    def unreported(self) -> list[ConfigReportIn]:
        return [ConfigReportIn.model_validate(e["report"])
                for e in self.slots.load_state().unreported]

    # --- the background thread ----------------------------------------------------------

    def run_once(self) -> None:
        """One round: poll, then apply if a bundle is staged and nobody is in a session.
        Never raises: the kiosk must keep serving whatever goes wrong here."""
        try:
            self.poll_once()
            self.apply_pending()
        except Exception:
            log.exception("config agent round failed")



def raw_is(signed: SignedBundle, raw: bytes) -> bool:
    """Whether ``raw`` is the same signed bundle (same signature) as ``signed``."""
    try:
        return parse_signed(raw).signature == signed.signature
    except BundleRejected:
        return False


def _refusal_digest(raw: bytes, reason: str, attempt: int | None) -> str:
    """Names one refusal of one download: the same bytes refused for the same reason are
    not reported again (a site file fixed since may change the reason: then they are),
    unless an admin retried it (a new attempt: its refusal is news to central)."""
    offer = b"" if attempt is None else f"\0{attempt}".encode()
    return hashlib.sha256(raw + b"\0" + reason.encode() + offer).hexdigest()


def _version_of(raw: bytes, etag: str | None) -> int | None:
    """The version a refused download claims: from the body if it parses, else from the
    ETag central gave it (etag_of)."""
    try:
        return parse_signed(raw).bundle.version
    except BundleRejected:
        pass
    match = _ETAG_VERSION.match(etag or "")
    return int(match.group(1)) if match and int(match.group(1)) >= 1 else None


def _report_entry(version: int, outcome: Literal["applied", "failed", "rejected"],
                  reason: str, overridden: list[str] | None = None, *,
                  attempt: int | None = None) -> dict[str, Any]:
    report = ConfigReportIn(version=version, outcome=outcome, reason=reason[:500],
                            overridden=overridden or [], attempt=attempt)
    return {"id": uuid.uuid4().hex, "report": report.model_dump(mode="json")}


__all__ = ["INTERRUPTED", "ApplyResult", "ConfigAgent", "ConfigSlots", "ConfigSource",
           "HealthCheck", "Loader", "PollResult", "SiteLoader", "SlotState", "site_loader",
           "trusted_keys"]
