"""Routes of rollout control, config and software alike (central/rollout_control.py):

    GET  /v1/admin/rollouts/all[?kind=config|software][&limit=N]   newest first, counts
    GET  /v1/admin/rollouts/{kind}/{id}                            waves, kiosks, changes
    POST /v1/admin/rollouts/{kind}/{id}/pause|resume|cancel|retry

Included before central/api_config.py's router: ``/v1/admin/rollouts/all`` must not be
taken for ``/v1/admin/rollouts/{rollout_id}``.
"""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from central.api_common import errors
from central.auth import AdminAccess, AdminLabel
from central.rollout_control import RolloutControl
from central.schemas_rollouts import RolloutDetailOut, RolloutKindName, RolloutSummaryList
from kiosk.sync.wire import SQL_INT_MAX

log = logging.getLogger(__name__)

RolloutId = Annotated[int, Path(ge=1, le=SQL_INT_MAX)]
Kind = Annotated[RolloutKindName, Path(description="config or software")]
ControlVerb = Literal["pause", "resume", "cancel", "retry"]


def audit_rollout_action(by: str, verb: ControlVerb, kind: str, rollout_id: int,
                         outcome: str) -> None:
    """The log line of an admin's rollout verb. The audit trail records the verb through
    its middleware (central.audit_http: ``rollout.pause`` ... with the rollout and the
    state after), as every admin call."""
    log.info("admin %s: %s %s rollout %d: %s", by, verb, kind, rollout_id, outcome)


def _control(request: Request) -> RolloutControl:
    control: RolloutControl = request.app.state.rollout_control
    return control


Control = Annotated[RolloutControl, Depends(_control)]


def build_rollouts_router() -> APIRouter:
    router = APIRouter(prefix="/v1/admin/rollouts", tags=["operator"])

    @router.get("/all", response_model=RolloutSummaryList, dependencies=[AdminAccess],
                responses=errors(401, 422))
    def list_all_rollouts(control: Control, kind: RolloutKindName | None = None,
                          limit: Annotated[int, Query(ge=1, le=200)] = 50
                          ) -> RolloutSummaryList:
        """Config and software rollouts, newest first: state, wave k of n, the kiosks'
        outcomes counted (pending, applied, failed, timed out)."""
        return control.summaries(kind, limit)

    @router.get("/{kind}/{rollout_id}", response_model=RolloutDetailOut,
                dependencies=[AdminAccess], responses=errors(401, 404, 422))
    def rollout_detail(control: Control, kind: Kind, rollout_id: RolloutId) -> RolloutDetailOut:
        """One rollout: its waves, each kiosk's outcome and reason, every change (who,
        when)."""
        return control.detail(kind, rollout_id)

    def act(control: RolloutControl, verb: ControlVerb, kind: str, rollout_id: int, by: str
            ) -> RolloutDetailOut:
        try:
            done = getattr(control, verb)(kind, rollout_id, by)
        except Exception as exc:
            audit_rollout_action(by, verb, kind, rollout_id, f"refused: {exc}")
            raise
        audit_rollout_action(by, verb, kind, rollout_id, f"now {done.state}")
        return done  # type: ignore[no-any-return]

    @router.post("/{kind}/{rollout_id}/pause", response_model=RolloutDetailOut,
                 responses=errors(401, 404, 409, 422))
    def pause_rollout(control: Control, kind: Kind, rollout_id: RolloutId, by: AdminLabel
                       ) -> RolloutDetailOut:
        """Give no new kiosk the rollout (kiosks given it keep it); the wave's deadline
        stands still. 409 unless it is running."""
        return act(control, "pause", kind, rollout_id, by)

    @router.post("/{kind}/{rollout_id}/resume", response_model=RolloutDetailOut,
                 responses=errors(401, 404, 409, 422))
    def resume_rollout(control: Control, kind: Kind, rollout_id: RolloutId, by: AdminLabel
                       ) -> RolloutDetailOut:
        """Run a paused rollout again. 409 unless it is paused."""
        return act(control, "resume", kind, rollout_id, by)

    @router.post("/{kind}/{rollout_id}/cancel", response_model=RolloutDetailOut,
                 responses=errors(401, 404, 409, 422))
    def cancel_rollout(control: Control, kind: Kind, rollout_id: RolloutId, by: AdminLabel
                       ) -> RolloutDetailOut:
        """End it for good: kiosks not yet given it never get it. 409 once completed or
        cancelled."""
        return act(control, "cancel", kind, rollout_id, by)

    @router.post("/{kind}/{rollout_id}/retry", response_model=RolloutDetailOut,
                 responses=errors(401, 404, 409, 422))
    def retry_rollout(control: Control, kind: Kind, rollout_id: RolloutId, by: AdminLabel
                       ) -> RolloutDetailOut:
        """Offer it again to the failed and timed-out kiosks, their outcome reset; a
        halted rollout runs again. 409 when cancelled or nobody failed."""
        return act(control, "retry", kind, rollout_id, by)

    return router
