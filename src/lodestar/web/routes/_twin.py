"""One action, two routes: the JSON route under /api and its twin for HTML forms.

A page without JavaScript posts a form and comes back with a redirect; scripts call the JSON
route. Both must run the same permission and CSRF checks and write the same audit events, so
the work is written once, as an *action*: an ordinary FastAPI handler whose parameters are the
request, the unit of work, the permission dependency, path parameters, uploads and, where there
is one, the JSON ``body``. :func:`twin` registers it twice:

- ``METHOD api``: the action, its result shaped for JSON by ``reply``;
- ``POST form`` (not in the schema; by default the same path without ``/api``): ``fields``
  builds the ``body`` from the form's fields, the action runs, and ``then`` answers (usually a
  303 back to a page).

A module whose forms all come back to one kind of page binds it once, e.g.
``twin_back = partial(twin, router, then=_back)``.

``reply`` and ``then`` ask for what they need by parameter name: ``result`` (what the action
returned) or any of the action's own parameters (``series_id``, ``request``, ``body`` …).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from fastapi import APIRouter
from fastapi.responses import Response

Action = TypeVar("Action", bound=Callable[..., Any])
BODY = "body"  # the action's parameter that the JSON body fills and ``fields`` builds
RESULT = "result"


def twin(
    router: APIRouter,
    api: str,
    *,
    summary: str,
    then: Callable[..., Response],
    method: str = "POST",
    form: str | None = None,
    reply: Callable[..., Any] | None = None,
    fields: Callable[..., Any] | None = None,
    returns: Any = dict[str, Any],
    **api_options: Any,
) -> Callable[[Action], Action]:
    """Register ``action`` as ``{method} {api}`` (named ``<action>_api``, answering ``returns``,
    the response model) and ``POST {form}`` (named ``<action>_form``).

    ``api_options`` go to the API route only (``status_code``, ``response_class``, …)."""
    if not api.startswith("/api/"):
        raise ValueError(f"the JSON twin lives under /api/, not at {api}")
    form_path = form or api.removeprefix("/api")

    def register(action: Action) -> Action:
        params = _parameters(action)
        name = action.__name__
        # Both built before either is added: a mistake leaves the router as it was.
        api_endpoint = _api_endpoint(action, params, reply or as_is, returns, f"{name}_api")
        form_endpoint = _form_endpoint(action, params, fields, then, f"{name}_form")
        router.add_api_route(
            api,
            api_endpoint,
            methods=[method],
            name=f"{name}_api",
            summary=summary,
            **api_options,
        )
        router.add_api_route(
            form_path,
            form_endpoint,
            methods=["POST"],
            name=f"{name}_form",
            include_in_schema=False,
        )
        return action

    return register


def download_twin(
    router: APIRouter,
    api: str,
    *,
    summary: str,
    fields: Callable[..., Any],
    download: dict[str, Any],
) -> Callable[[Action], Action]:
    """Both routes answer with the file the action makes (``download``: its OpenAPI 200)."""
    return twin(
        router,
        api,
        summary=summary,
        fields=fields,
        then=as_is,
        returns=Response,
        response_class=Response,
        responses={200: download},
    )


def as_is(result: Any) -> Any:
    """The action's own answer, for both routes (a file download, say)."""
    return result


def _parameters(fn: Callable[..., Any]) -> list[inspect.Parameter]:
    """``fn``'s parameters, annotations resolved in its own module, as keyword-only ones (so
    the action's and the form fields' parameters can be joined in any order of defaults)."""
    signature = inspect.signature(fn, eval_str=True)
    return [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in signature.parameters.values()]


def _by_name(fn: Callable[..., Any]) -> Callable[[Mapping[str, Any]], Any]:
    """Call ``fn`` with the values it names, out of those on offer."""
    wanted = [p.name for p in _parameters(fn)]
    return lambda offered: fn(**{key: offered[key] for key in wanted})


def _api_endpoint(
    action: Callable[..., Any],
    params: list[inspect.Parameter],
    reply: Callable[..., Any],
    returns: Any,
    name: str,
) -> Callable[..., Any]:
    shape = _by_name(reply)

    def endpoint(**kwargs: Any) -> Any:
        return shape(kwargs | {RESULT: action(**kwargs)})

    return _named(endpoint, name, inspect.Signature(params, return_annotation=returns))


def _form_endpoint(
    action: Callable[..., Any],
    params: list[inspect.Parameter],
    fields: Callable[..., Any] | None,
    then: Callable[..., Response],
    name: str,
) -> Callable[..., Response]:
    own = [p for p in params if p.name != BODY]
    if (fields is None) != (len(own) == len(params)):
        raise TypeError(f"{action.__name__}: give `fields` exactly when the action takes a body")
    form_params = _parameters(fields) if fields is not None else []
    if any(p.annotation is inspect.Parameter.empty for p in form_params):
        raise TypeError(f"{action.__name__}: annotate every form field, e.g. with Form()")
    answer = _by_name(then)

    def endpoint(**kwargs: Any) -> Response:
        args = {p.name: kwargs[p.name] for p in own}
        if fields is not None:
            # Built here, after every dependency ran, as the hand-written form handlers did.
            args[BODY] = fields(**{p.name: kwargs[p.name] for p in form_params})
        response: Response = answer(args | {RESULT: action(**args)})
        return response

    return _named(endpoint, name, inspect.Signature(own + form_params, return_annotation=Response))


def _named(fn: Callable[..., Any], name: str, signature: inspect.Signature) -> Callable[..., Any]:
    # FastAPI reads the parameters (dependencies, path, body, form) from __signature__ and
    # names the route and its OpenAPI operation id after __name__.
    fn.__name__ = fn.__qualname__ = name
    fn.__signature__ = signature  # type: ignore[attr-defined]
    return fn
