"""The console's rollouts, config and software in one list, and a rollout's page with its
waves, each kiosk's outcome, who changed what, and the verbs: pause, resume, cancel
(confirmed), retry the failed. The verbs call central.rollout_control, as the JSON
routes of /v1/admin/rollouts do, and are audit events named as theirs.

    GET  /admin/rollouts                          newest first
    GET  /admin/rollouts/{kind}/{id}
    POST /admin/rollouts/{kind}/{id}/{pause|resume|cancel|retry}
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, Response

from central.console import audit_hook, i18n
from central.console.pages import Session, back, done_notice
from central.console.web import check_csrf, language, read_form, render
from central.rollout_control import RolloutControl
from central.rollout_waves import deadline_text
from central.schemas_rollouts import RolloutDetailOut, RolloutSummaryOut
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire import SQL_INT_MAX

Kind = Annotated[Literal["config", "software"], Path()]
RolloutId = Annotated[int, Path(ge=1, le=SQL_INT_MAX)]
Verb = Annotated[Literal["pause", "resume", "cancel", "retry"], Path()]
LISTED = 100

STATE_LABELS = {"running": "Running", "paused": "Paused", "halted": "Halted",
                "completed": "Completed", "cancelled": "Cancelled"}
OUTCOME_LABELS = {"pending": "Pending", "applied": "Applied", "failed": "Failed",
                  "timed_out": "Timed out"}
WAVE_LABELS = {"done": "Done", "current": "Current", "waiting": "Waiting"}
VERB_LABELS = {"pause": "Pause", "resume": "Resume", "cancel": "Cancel",
               "retry": "Retry the failed"}
KIND_LABELS = {"config": "Config", "software": "Software"}
DONE_BY_VERB = {"pause": "paused", "resume": "resumed", "cancel": "cancelled",
                "retry": "retried"}


def allowed_verbs(rollout: RolloutSummaryOut) -> frozenset[str]:
    """The verbs central.rollout_control accepts in the rollout's state (its rules: a
    button is enabled only when its verb applies)."""
    allowed = set()
    if rollout.state == "running":
        allowed.add("pause")
    if rollout.state == "paused":
        allowed.add("resume")
    if rollout.state not in ("completed", "cancelled"):
        allowed.add("cancel")
    if rollout.state != "cancelled" and rollout.counts.failed + rollout.counts.timed_out:
        allowed.add("retry")
    return frozenset(allowed)


def control_of(request: Request) -> RolloutControl:
    control: RolloutControl = request.app.state.rollout_control
    return control


def _labels() -> dict[str, Any]:
    return {"state_labels": STATE_LABELS, "outcome_labels": OUTCOME_LABELS,
            "wave_labels": WAVE_LABELS, "verb_labels": VERB_LABELS,
            "kind_labels": KIND_LABELS, "deadline_text": deadline_text}


def build_rollout_routes(router: APIRouter) -> None:
    @router.get("/rollouts", response_class=HTMLResponse)
    def rollouts(request: Request, session: Session) -> Response:
        listed = control_of(request).summaries(limit=LISTED).rollouts
        translate = i18n.translator(language(request))
        return render(request, "rollouts.html", page="rollouts", title=translate("Rollouts"),
                      session=session, rollouts=listed, **_labels())

    @router.get("/rollouts/{kind}/{rollout_id}", response_class=HTMLResponse)
    def rollout(request: Request, session: Session, kind: Kind,
                rollout_id: RolloutId) -> Response:
        return _detail_page(request, session, _detail(request, kind, rollout_id))

    @router.post("/rollouts/{kind}/{rollout_id}/{verb}")
    async def act(request: Request, session: Session, kind: Kind, rollout_id: RolloutId,
                  verb: Verb) -> Response:
        form = await read_form(request)
        check_csrf(session, form)
        subject = f"{kind} rollout {rollout_id}"
        action = audit_hook.ROLLOUT_ACTIONS[verb]
        translate = i18n.translator(language(request))
        if verb == "cancel" and form.get("confirm") != "yes":
            detail = _detail(request, kind, rollout_id)
            return _detail_page(request, session, detail, status=422, problem=translate(
                "Tick the box to confirm the cancel: it cannot be undone."))
        try:
            # The rollout's state after comes noted by the verb, in its transaction.
            with audit_hook.console_action(request, action, session.label, subject=subject,
                                           facts={"kind": kind,
                                                  "rollout_id": str(rollout_id)}):
                getattr(control_of(request), verb)(kind, rollout_id, session.label)
        except KioskError as exc:
            if exc.code == ErrorCode.NOT_FOUND:
                raise HTTPException(404, exc.message) from None
            audit_hook.record_console_event(request, action, audit_hook.REFUSED,
                                            session.label, subject=subject,
                                            why=exc.message[:200],
                                            facts={"kind": kind, "rollout_id": str(rollout_id)})
            detail = _detail(request, kind, rollout_id)
            return _detail_page(request, session, detail, status=409, problem=translate(
                "Refused: the rollout is %(state)s now.",
                state=translate(STATE_LABELS[detail.state])))
        return back(f"/admin/rollouts/{kind}/{rollout_id}", DONE_BY_VERB[verb])


def _detail(request: Request, kind: str, rollout_id: int) -> RolloutDetailOut:
    try:
        return control_of(request).detail(kind, rollout_id)
    except KioskError as exc:
        raise HTTPException(404, exc.message) from None


def _detail_page(request: Request, session: Session, detail: RolloutDetailOut, *,
                 status: int = 200, problem: str | None = None) -> Response:
    translate = i18n.translator(language(request))
    title = translate("%(kind)s rollout %(id)d", kind=translate(KIND_LABELS[detail.kind]),
                      id=detail.id)
    return render(request, "rollout.html", page="rollouts", title=title, session=session,
                  status=status, rollout=detail, allowed=allowed_verbs(detail),
                  notice=done_notice(request), problem=problem, **_labels())
