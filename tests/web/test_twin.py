"""``twin``: one action registered as a JSON route under /api and as its HTML-form twin."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Form, Path
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from lodestar.web.routes._twin import twin

CALLS: list[tuple[str, Any]] = []


def _caller() -> str:
    CALLS.append(("dependency", None))
    return "ana"


Caller = Annotated[str, Depends(_caller)]
ItemId = Annotated[int, Path(ge=1)]


class NameIn(BaseModel):
    name: str = Field(max_length=8)


def _name_fields(name: Annotated[str, Form(max_length=8)]) -> NameIn:
    return NameIn(name=name)


def _app() -> FastAPI:
    router = APIRouter()

    @twin(
        router,
        api="/api/items/{item_id}/name",
        form="/items/{item_id}/name",
        summary="Name an item",
        fields=_name_fields,
        reply=lambda result, item_id: {"item": item_id, "named": result},
        then=lambda item_id: RedirectResponse(f"/items/{item_id}", status_code=303),
    )
    def rename(caller: Caller, item_id: ItemId, body: NameIn) -> str:
        CALLS.append((caller, body.name))
        return body.name.upper()

    @twin(
        router,
        method="DELETE",
        api="/api/items/{item_id}",
        form="/items/{item_id}/delete",
        summary="Delete an item",
        then=lambda: RedirectResponse("/items", status_code=303),
    )
    def delete(caller: Caller, item_id: ItemId) -> dict[str, Any]:
        CALLS.append((caller, item_id))
        return {"deleted": item_id}

    app = FastAPI()
    app.include_router(router)
    return app


def test_both_routes_run_the_action_once_with_the_same_dependencies() -> None:
    CALLS.clear()
    client = TestClient(_app(), follow_redirects=False)
    response = client.post("/api/items/3/name", json={"name": "lamp"})
    assert response.status_code == 200 and response.json() == {"item": 3, "named": "LAMP"}
    response = client.post("/items/3/name", data={"name": "desk"})
    assert response.status_code == 303 and response.headers["location"] == "/items/3"
    assert client.delete("/api/items/4").json() == {"deleted": 4}
    response = client.post("/items/4/delete")
    assert response.status_code == 303 and response.headers["location"] == "/items"
    assert CALLS[1::2] == [("ana", "lamp"), ("ana", "desk"), ("ana", 4), ("ana", 4)]
    assert CALLS[::2] == [("dependency", None)] * 4  # the dependency ran before each


def test_each_route_validates_its_own_input() -> None:
    client = TestClient(_app(), follow_redirects=False)
    assert client.post("/api/items/3/name", json={"name": "x" * 9}).status_code == 422
    assert client.post("/items/3/name", data={"name": "x" * 9}).status_code == 422
    assert client.post("/items/3/name", data={}).status_code == 422
    assert client.post("/items/0/name", data={"name": "ok"}).status_code == 422


def test_routes_are_named_after_the_action_and_only_the_api_is_in_the_schema() -> None:
    app = _app()
    routes = {
        (sorted(c.original_route.methods or ())[0], c.original_route.path): c.original_route
        for c in iter_route_contexts(app.routes)
        if isinstance(c.original_route, APIRoute)
    }
    named = {key: (r.name, r.include_in_schema) for key, r in routes.items()}
    assert named == {
        ("POST", "/api/items/{item_id}/name"): ("rename_api", True),
        ("POST", "/items/{item_id}/name"): ("rename_form", False),
        ("DELETE", "/api/items/{item_id}"): ("delete_api", True),
        ("POST", "/items/{item_id}/delete"): ("delete_form", False),
    }
    schema = app.openapi()
    assert set(schema["paths"]) == {"/api/items/{item_id}/name", "/api/items/{item_id}"}
    body = schema["paths"]["/api/items/{item_id}/name"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/NameIn"}


def test_a_body_needs_form_fields_and_form_fields_need_annotations() -> None:
    router = APIRouter()

    def redirect() -> Response:
        return RedirectResponse("/", status_code=303)

    def takes_body(body: NameIn) -> None: ...

    def no_body() -> None: ...

    with pytest.raises(TypeError, match="give `fields`"):
        twin(router, api="/api/a", form="/a", summary="a", then=redirect)(takes_body)
    with pytest.raises(TypeError, match="give `fields`"):
        twin(router, api="/api/b", form="/b", summary="b", then=redirect, fields=_name_fields)(
            no_body
        )
    with pytest.raises(TypeError, match="annotate every form field"):
        twin(router, api="/api/c", form="/c", summary="c", then=redirect, fields=lambda name: name)(
            takes_body
        )
