"""Consents: the customer's grants (what, why, since, until), grant, revoke (effective at once), decline, history."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from copilot import audit, consent
from copilot.api.deps import CustomerDep, IdPath, OwnCustomerId, PrincipalDep, RuntimeDep
from copilot.api.errors import ApiError
from copilot.api.schemas import ConsentEventOut, ConsentOut, GrantIn, ScopesIn
from copilot.api.telemetry import observe_declined
from copilot.compliance.untrusted import untrusted
from copilot.store.models import Consent

router = APIRouter(tags=["consents"])
BASE = "/api/customers/{customer_id}/consents"


def consent_dict(grant: Consent) -> dict:
    return {"id": grant.id, "scopes": grant.scopes, "purposes": {s: consent.SCOPES.get(s, s) for s in grant.scopes},
            "purpose": untrusted(grant.purpose), "channel": grant.channel, "granted_by": grant.granted_by,
            "granted_at": grant.granted_at, "expires_at": grant.expires_at, "lookback_days": grant.lookback_days,
            "status": grant.status, "revoked_at": grant.revoked_at}


def _audit(session, principal, customer_id: str, name: str, decision: str, scopes: list[str], now) -> None:
    audit.record(session, at=now, actor=principal.actor, role=principal.role, kind="consent", name=name,
                 decision=decision, customer_id=customer_id, scopes=scopes, summary=f"{name} via the API")


@router.get("/api/consent-scopes", summary="Every consent scope with its purpose in plain words")
def scopes(_: PrincipalDep) -> dict[str, str]:
    return dict(consent.SCOPES)


@router.get("/api/consent-permissions", summary="Every permission: scope, purpose and what it enables, in words")
def permissions(_: PrincipalDep) -> list[dict]:
    return [{"scope": scope, "purpose": purpose, "enables": consent.ENABLES[scope]}
            for scope, purpose in consent.SCOPES.items()]


@router.get(BASE, response_model=list[ConsentOut], summary="My grants (active ones, or all with status=all)")
def list_grants(customer_id: OwnCustomerId, runtime: RuntimeDep,
                status: str = Query("active", pattern="^(active|all)$")) -> list[dict]:
    now = runtime.settings.now()
    with runtime.db.session() as session:
        grants = (consent.active_consents(session, customer_id, now) if status == "active"
                  else consent.all_consents(session, customer_id))
        return [consent_dict(g) for g in grants]


@router.post(BASE, status_code=201, response_model=ConsentOut, summary="Grant scopes (the Allow button)")
def grant(body: GrantIn, customer_id: OwnCustomerId, principal: CustomerDep, runtime: RuntimeDep) -> dict:
    now = runtime.settings.now()
    with runtime.db.session() as session:
        made = consent.grant(session, customer_id, list(body.scopes), now=now, purpose=body.purpose, channel="web",
                             actor=principal.actor, days=body.days, lookback_days=body.lookback_days)
        _audit(session, principal, customer_id, "grant", "granted", made.scopes, now)
        return consent_dict(made)


@router.delete(BASE + "/{consent_id}", response_model=ConsentOut, summary="Revoke one grant, effective at once")
def revoke(consent_id: IdPath, customer_id: OwnCustomerId, principal: CustomerDep, runtime: RuntimeDep) -> dict:
    now = runtime.settings.now()
    with runtime.db.session() as session:
        found = session.get(Consent, consent_id)
        if found is None or found.customer_id != customer_id:
            raise ApiError(404, "not_found", f"no consent {consent_id!r}")
        revoked = consent.revoke(session, customer_id, consent_id, now=now, actor=principal.actor)
        _audit(session, principal, customer_id, "revoke", "revoked", revoked.scopes, now)
        return consent_dict(revoked)


@router.post(BASE + "/revoke", response_model=list[ConsentOut],
             summary="Stop sharing these scopes, whichever grants carry them (other scopes stay granted)")
def revoke_scopes(body: ScopesIn, customer_id: OwnCustomerId, principal: CustomerDep, runtime: RuntimeDep) -> list:
    now = runtime.settings.now()
    with runtime.db.session() as session:
        touched = consent.revoke_scopes(session, customer_id, list(body.scopes), now=now, actor=principal.actor)
        _audit(session, principal, customer_id, "revoke", "revoked", list(body.scopes), now)
        return [consent_dict(g) for g in touched]


@router.post(BASE + "/decline", status_code=204, response_class=Response,
             summary="Record that the customer chose Deny on a consent request (nothing is shared)")
def decline(body: ScopesIn, customer_id: OwnCustomerId, principal: CustomerDep, runtime: RuntimeDep) -> Response:
    with runtime.db.session() as session:
        _audit(session, principal, customer_id, "decline", "declined", list(body.scopes), runtime.settings.now())
    observe_declined(list(body.scopes))
    return Response(status_code=204)


@router.get(BASE + "/agent-view", summary="What a support agent can see of me now, part by part")
def agent_view(customer_id: OwnCustomerId, runtime: RuntimeDep) -> dict:
    with runtime.db.session() as session:
        scopes = consent.current_state(session, customer_id, runtime.settings.now()).scopes
    sees = consent.agent_sees(scopes)
    return {"support_share": "support:share" in scopes,
            "conversation": ("any support agent (you share support:share)" if "support:share" in scopes else
                             "only the agent who takes a hand-off you asked for, while they handle it"),
            "summary": [{"part": part, "what": what, "needs": ["support:share", scope], "visible": sees[part]}
                        for part, (scope, what) in consent.AGENT_SUMMARY.items()]}


@router.get(BASE + "/history", response_model=list[ConsentEventOut], summary="Every grant, revocation and expiry")
def history(customer_id: OwnCustomerId, runtime: RuntimeDep) -> list[dict]:
    with runtime.db.session() as session:
        return [{"id": e.id, "consent_id": e.consent_id, "event": e.event, "actor": e.actor, "at": e.at,
                 "detail": e.detail} for e in consent.history(session, customer_id)]
