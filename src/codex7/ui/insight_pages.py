"""Try a query (the agent's text and the ranking behind it), what agents ask (query_log), and
copy-paste client configurations for this server."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from codex7.errors import InvalidLibraryId, InvalidVersion, LibraryNotFound, VersionNotFound
from codex7.services import analytics, catalog
from codex7.services.auth import Principal, auth_enabled
from codex7.services.explain import explain_query
from codex7.ui import forms
from codex7.ui.clients import client_configs
from codex7.ui.routes import UI, Refused

WINDOWS = (1, 7, 30, 90, 365)  # days the analytics page offers
MAX_QUESTION = 500  # characters, as the tools accept


def routes(ui: UI) -> list[BaseRoute]:
    async def query(request: Request, user: Principal) -> Response:
        params = request.query_params
        library = params.get("library", "").strip()
        version = params.get("version", "").strip()
        question = params.get("q", "").strip()
        raw_tokens = params.get("tokens", "").strip()
        rows = await ui.call(catalog.library_rows, principal=user)
        errors: dict[str, str] = {}
        result = None
        if len(question) > MAX_QUESTION:
            errors["q"] = f"A question has at most {MAX_QUESTION} characters."
        try:
            tokens = forms.tokens(raw_tokens)
        except forms.FormErrors as exc:
            errors.update(exc.errors)
            tokens = None
        problem = None
        if library and "q" in params and not errors:
            try:
                result = await ui.call(
                    explain_query,
                    library,
                    question or None,
                    version or None,
                    tokens,
                    principal=user,
                )
            except (LibraryNotFound, VersionNotFound, InvalidLibraryId, InvalidVersion) as exc:
                problem = str(exc)  # said on the form, which stays as it was filled
        return ui.render(
            request,
            user,
            "query.html",
            nav_active="query",
            rows=rows,
            versions={r.id: r.versions for r in rows},
            library=library,
            version=version,
            question=question,
            tokens=raw_tokens,
            errors=errors,
            problem=problem,
            result=result,
        )

    async def agents(request: Request, user: Principal) -> Response:
        raw = request.query_params.get("days", "30")
        if not raw.isdigit() or int(raw) not in WINDOWS:
            raise Refused(400, f"Choose a window of {', '.join(map(str, WINDOWS))} days.")
        report = await ui.call(analytics.summary, int(raw), principal=user)
        peak = max((d.calls for d in report.per_day), default=0)
        return ui.render(
            request,
            user,
            "analytics.html",
            nav_active="analytics",
            report=report,
            windows=WINDOWS,
            peak=peak,
        )

    async def connect(request: Request, user: Principal) -> Response:
        base = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"
        needs_key = await ui.call(auth_enabled)  # keys from the environment or stored ones
        return ui.render(
            request,
            user,
            "connect.html",
            nav_active="connect",
            base=base,
            configs=client_configs(base, needs_key=needs_key),
            needs_key=needs_key,
        )

    return [
        Route("/ui/query", ui.page(query), methods=["GET"]),
        Route("/ui/analytics", ui.page(agents), methods=["GET"]),
        Route("/ui/connect", ui.page(connect), methods=["GET"]),
    ]
