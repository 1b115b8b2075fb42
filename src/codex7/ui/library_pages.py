"""Libraries: the table, one library's page and its actions (refresh, set latest, schedule,
remove with confirmation), and the add-a-library form that enqueues a job."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from codex7.errors import Codex7Error
from codex7.ids import parse_library_id
from codex7.services import catalog, libraries
from codex7.services.auth import Principal
from codex7.ui import forms
from codex7.ui.routes import UI, Refused


def jobs() -> ModuleType:
    """codex7.services.jobs on first use: it loads the indexer, which `serve` does not load
    at start-up."""
    from codex7.services import jobs

    return jobs


def library_id(request: Request) -> str:
    org, project = request.path_params["org"], request.path_params["project"]
    try:
        return parse_library_id(f"/{org}/{project}", allow_version=False).library_id
    except Codex7Error as exc:
        raise Refused(404, str(exc)) from None


def library_url(identifier: str) -> str:
    return "/ui/libraries" + quote(identifier)


def folder_problem(path: str) -> str | None:
    """Why PATH is not a folder on this server, else None."""
    if not path.startswith(("/", "~")):
        return "Give an absolute path on the server, e.g. /srv/docs/widgets."
    folder = Path(path).expanduser()
    if not folder.is_dir():
        return f"There is no folder {path} on the server."
    return None


def routes(ui: UI) -> list[BaseRoute]:
    async def table(request: Request, user: Principal) -> Response:
        rows = await ui.call(catalog.library_rows, principal=user)
        wanted = request.query_params.get("q", "").strip()
        shown = [r for r in rows if _matches(r, wanted)] if wanted else rows
        return ui.render(
            request,
            user,
            "libraries.html",
            nav_active="libraries",
            rows=shown,
            total=len(rows),
            q=wanted,
            library_url=library_url,
        )

    async def detail(request: Request, user: Principal) -> Response:
        identifier = library_id(request)
        found = await ui.call(libraries.describe_library, identifier, principal=user)
        links = {v.version: catalog.source_link(v.source, v.commit) for v in found.versions}
        return ui.render(
            request,
            user,
            "library.html",
            nav_active="libraries",
            lib=found,
            links=links,
            schedules=forms.SCHEDULES,
            every=int(found.summary.refresh_every.total_seconds())
            if found.summary.refresh_every
            else 0,
            base=library_url(identifier),
            query_url=f"/ui/query?library={quote(identifier)}",
        )

    async def add_form(request: Request, user: Principal) -> Response:
        return _add_page(request, user, {}, {})

    def _add_page(
        request: Request,
        user: Principal,
        values: dict[str, Any],
        errors: dict[str, str],
        error: str | None = None,
        http_status: int = 200,
    ) -> Response:
        return ui.render(
            request,
            user,
            "add.html",
            http_status=http_status,
            nav_active="add",
            values=values,
            errors=errors,
            error=error,
            kinds=forms.SOURCE_KINDS,
        )

    async def add(request: Request, user: Principal) -> Response:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        try:
            wanted = forms.add_library(form)
        except forms.FormErrors as exc:
            return _add_page(request, user, exc.values, exc.errors, http_status=400)
        if wanted.source.startswith(("/", "~")):
            problem = await anyio.to_thread.run_sync(folder_problem, wanted.source)
            if problem:
                return _add_page(request, user, form, {"path": problem}, http_status=400)
        try:
            job = await ui.call(jobs().enqueue, wanted, principal=user)
        except Codex7Error as exc:
            return _add_page(request, user, form, {}, error=str(exc), http_status=400)
        return ui.redirect(request, f"/ui/jobs/{job.id}", f"Job {job.id} queued.")

    async def check_folder(request: Request, user: Principal) -> Response:
        path = request.query_params.get("path", "").strip()[: forms.MAX_TEXT]
        problem = await anyio.to_thread.run_sync(folder_problem, path) if path else None
        return JSONResponse({"ok": problem is None, "message": problem or ""})

    async def refresh(request: Request, user: Principal) -> Response:
        identifier = library_id(request)
        queued = await ui.call(jobs().enqueue_refresh, identifier, principal=user)
        if not queued:
            message = f"{identifier} has no version with a recorded source to refresh."
            return ui.redirect(request, library_url(identifier), message)
        if len(queued) == 1:
            return ui.redirect(request, f"/ui/jobs/{queued[0].id}", "Refresh queued.")
        return ui.redirect(request, "/ui/jobs", f"{len(queued)} refresh jobs queued.")

    async def latest(request: Request, user: Principal) -> Response:
        identifier = library_id(request)
        version = str((await request.form()).get("version") or "").strip()
        if not version:
            raise Refused(400, "Choose the version to make latest.")
        message = await ui.call(catalog.set_latest, identifier, version, principal=user)
        return ui.redirect(request, library_url(identifier), message)

    async def schedule(request: Request, user: Principal) -> Response:
        identifier = library_id(request)
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        try:
            every = forms.schedule(form)
        except forms.FormErrors as exc:
            raise Refused(400, str(exc)) from None
        await ui.call(jobs().set_schedule, identifier, every, principal=user)
        message = f"{identifier} is refreshed {forms.schedule_label(every)}."
        return ui.redirect(request, library_url(identifier), message)

    async def confirm_remove(request: Request, user: Principal) -> Response:
        identifier = library_id(request)
        found = await ui.call(libraries.describe_library, identifier, principal=user)
        version = request.query_params.get("version") or None
        chosen = [v for v in found.versions if v.version == version]
        if version is not None and not chosen:
            raise Refused(404, f"Version {version!r} of {identifier} is not indexed.")
        return ui.render(
            request,
            user,
            "remove.html",
            nav_active="libraries",
            lib=found,
            version=chosen[0] if chosen else None,
            base=library_url(identifier),
        )

    async def remove(request: Request, user: Principal) -> Response:
        identifier = library_id(request)
        version = str((await request.form()).get("version") or "").strip()
        target = f"{identifier}/{version}" if version else identifier
        message = await ui.call(libraries.remove, target, principal=user)
        return ui.redirect(request, library_url(identifier) if version else "/ui", message)

    lib = "/ui/libraries/{org}/{project}"
    return [
        Route("/ui", ui.page(table), methods=["GET"]),
        Route("/ui/libraries", ui.page(table), methods=["GET"]),
        Route("/ui/libraries/new", ui.page(add_form, admin=True), methods=["GET"]),
        Route("/ui/libraries/new", ui.page(add, admin=True), methods=["POST"]),
        Route("/ui/check/folder", ui.page(check_folder, admin=True), methods=["GET"]),
        Route(lib, ui.page(detail), methods=["GET"]),
        Route(lib + "/refresh", ui.page(refresh, admin=True), methods=["POST"]),
        Route(lib + "/latest", ui.page(latest, admin=True), methods=["POST"]),
        Route(lib + "/schedule", ui.page(schedule, admin=True), methods=["POST"]),
        Route(lib + "/remove", ui.page(confirm_remove, admin=True), methods=["GET"]),
        Route(lib + "/remove", ui.page(remove, admin=True), methods=["POST"]),
    ]


def _matches(row: catalog.LibraryRow, wanted: str) -> bool:
    words = wanted.lower().split()
    text = " ".join([row.id, row.name, row.description or "", row.source or ""]).lower()
    return all(w in text for w in words)
