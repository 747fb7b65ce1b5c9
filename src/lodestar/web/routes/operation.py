"""The operation dashboard and search (hash, text in images, camera serial, place)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from lodestar.access import agency_scope, allowed
from lodestar.audit import append_event
from lodestar.errors import UserError
from lodestar.review import operation, search, series_read
from lodestar.review.auth import Principal
from lodestar.web.deps import DB, permitted, text_param
from lodestar.web.pages import render

router = APIRouter()
Viewer = Annotated[Principal, Depends(permitted("operation.view"))]
Searcher = Annotated[Principal, Depends(permitted("search"))]
HashQuery = Annotated[str, text_param(64, Query, "MD5, SHA-1 or SHA-256 in hex")]
ClueQuery = Annotated[str, text_param(200, Query, "Text to look for (≥ 2 characters)")]
# The search page cuts a long query to what the search takes; it only refuses NUL and floods.
PageQuery = Annotated[str, text_param(1000, Query)]
ClueKind = Annotated[Literal["text", "serial", "place"], Query(description="What to search")]


@router.get("/", include_in_schema=False)
def dashboard_page(request: Request, session: DB, principal: Viewer) -> Response:
    figures = operation.summary(session, scope=agency_scope(principal))
    queue = None
    if allowed(principal, "series.view"):
        queue = series_read.queue_counts(
            session, user_id=principal.user_id, scope=agency_scope(principal)
        )
    return render(request, "dashboard.html", principal=principal, figures=figures, queue=queue)


@router.get("/api/operation", summary="Operation figures (scoped to the caller's agency view)")
def dashboard_api(session: DB, principal: Viewer) -> dict[str, Any]:
    return operation.summary(session, scope=agency_scope(principal))


def _audited(session: DB, principal: Principal, result: dict[str, Any]) -> dict[str, Any]:
    append_event(
        session,
        actor=principal.username,
        user_id=principal.user_id,
        action="search",
        detail={"kind": result["kind"], "value": result["value"], "hits": len(result["media"])},
    )
    return result


def _search(session: DB, principal: Principal, value: str) -> dict[str, Any]:
    result = operation.search_hash(session, value=value, scope=agency_scope(principal))
    return _audited(session, principal, result)


def _search_clues(session: DB, principal: Principal, kind: str, q: str) -> dict[str, Any]:
    result = search.search_clues(session, kind=kind, q=q, scope=agency_scope(principal))
    return _audited(session, principal, result)


@router.get("/search", include_in_schema=False)
def search_page(
    request: Request,
    session: DB,
    principal: Searcher,
    q: PageQuery = "",
    kind: Annotated[str, text_param(16, Query)] = "hash",
) -> Response:
    result, problem = None, None
    kind = kind if kind in search.SEARCH_KINDS else "hash"
    if q.strip():
        try:
            if kind == "hash":
                result = _search(session, principal, q[:64])
            else:
                result = _search_clues(session, principal, kind, q[:200])
        except UserError as exc:
            problem = exc.message
    return render(
        request,
        "search.html",
        principal=principal,
        q=q,
        kind=kind,
        kinds=search.SEARCH_KINDS,
        result=result,
        problem=problem,
    )


@router.get("/api/search", summary="Find media and known-set entries by MD5, SHA-1 or SHA-256")
def search_api(session: DB, principal: Searcher, hash: HashQuery) -> dict[str, Any]:
    return _search(session, principal, hash)


@router.get("/api/search/clues", summary="Find media by text in images, camera serial or place")
def search_clues_api(
    session: DB, principal: Searcher, kind: ClueKind, q: ClueQuery
) -> dict[str, Any]:
    return _search_clues(session, principal, kind, q)
