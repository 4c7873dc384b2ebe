"""Routes of the public side: content pages, get help, the young person's page, share, the tip forms.

Every page exists in English at `/...` and in Spanish at `/es/...` (one set of routes, included twice;
the language comes from the path). Every response is `Cache-Control: no-store` (a shared browser keeps
no copy of what was read or typed) and sets no cookie. The tip form carries a signed one-time token in
a hidden field, so a double submit makes one tip; mistakes come back next to the fields with everything
typed kept; a sent tip redirects to its thank-you page (POST-redirect-GET: Back never re-sends).
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import StrictUndefined
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from safeharbor.tips import (
    FormTokenError,
    FormTokens,
    TipInput,
    parse_tip_form,
    receipt_for_form,
    spool,
    submit_tip,
)
from safeharbor.tips.signs import (
    APPARENT_AGES,
    GENERAL_SIGNS,
    HOTEL_ROLES,
    ROLES,
    SIGNS,
    US_STATES,
    Variant,
)
from safeharbor.web.bodycap import PUBLIC_BODY_LIMIT
from safeharbor.web.deps import FormTokensDep, TipServices, TipServicesDep
from safeharbor.web.public.i18n import NAMES, PREFIX, english_path, lang_of, localise_links, strings, url
from safeharbor.web.public.pages import learn_pages, pages, sources

logger = logging.getLogger(__name__)
router = APIRouter()
_pages = APIRouter()  # every page once; included at "/" and at "/es"
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.undefined = StrictUndefined  # a missing word is an error in a test, not a blank on a page

MAX_BODY_BYTES = PUBLIC_BODY_LIMIT  # a tip is words; the BodyLimit middleware stops a bigger body
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
NEUTRAL_SITE = "https://www.weather.gov/"  # where quick exit goes: ordinary, common, nothing to explain
templates.env.globals.update(neutral_site=NEUTRAL_SITE)
_REFERENCE = re.compile(r"T-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}")


def _page(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """Render `template` in the request's language; links to our pages point at that language."""
    lang = lang_of(request)
    here = english_path(request.url.path)
    query = f"?{request.url.query}" if request.url.query and request.method == "GET" else ""
    words = strings(lang)
    full = {
        "request": request,
        "lang": lang,
        "t": words,
        "learn_pages": lambda: learn_pages(lang),
        "twins": {code: url(here, code) + query for code in PREFIX},
        "other_langs": [(code, NAMES[code], url(here, code) + query) for code in PREFIX if code != lang],
        "sign_text": {k: words["signs"].get(k, sign.text) for k, sign in SIGNS.items()},
        "role_label": {k: words["roles"].get(k, role.label) for k, role in ROLES.items()},
        **context,
    }
    body = templates.get_template(template).render(full)
    return HTMLResponse(localise_links(body, lang), status_code=status_code, headers=NO_STORE)


def _today() -> date:
    return datetime.now(UTC).date()


@_pages.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request) -> HTMLResponse:
    lang = lang_of(request)
    return _page(request, "home.html", {"title": strings(lang)["home_title"], "pages": learn_pages(lang)})


@_pages.get("/learn/{slug}", response_class=HTMLResponse, include_in_schema=False)
def learn(request: Request, slug: str) -> HTMLResponse:
    lang = lang_of(request)
    page = pages(lang).get(slug)
    if page is None or page.order >= 50:
        raise HTTPException(status_code=404)
    reading = learn_pages(lang)
    index = reading.index(page)
    following = reading[index + 1] if index + 1 < len(reading) else None
    return _page(request, "page.html", {"title": page.title, "page": page, "following": following})


def _standalone(slug: str, template: str = "page.html", **extra: Any):  # type: ignore[no-untyped-def]
    def view(request: Request) -> HTMLResponse:
        page = pages(lang_of(request))[slug]
        return _page(request, template, {"title": page.title, "page": page, "following": None, **extra})

    view.__name__ = f"page_{slug.replace('-', '_')}"
    return view


_pages.add_api_route("/get-help", _standalone("get-help"), methods=["GET"], include_in_schema=False)
_pages.add_api_route("/privacy", _standalone("privacy"), methods=["GET"], include_in_schema=False)
_pages.add_api_route(
    "/for-you", _standalone("for-you", "for_you.html"), methods=["GET"], include_in_schema=False
)
_pages.add_api_route(
    "/hotels",
    _standalone("hotels", "hotels.html", roles=HOTEL_ROLES),
    methods=["GET"],
    include_in_schema=False,
)


@_pages.get("/sources", response_class=HTMLResponse, include_in_schema=False)
def all_sources(request: Request) -> HTMLResponse:
    title = strings(lang_of(request))["sources_title"]
    return _page(request, "sources.html", {"title": title, "sources": list(sources().values())})


@_pages.get("/share", response_class=HTMLResponse, include_in_schema=False)
def share(request: Request) -> HTMLResponse:
    lang = lang_of(request)
    link = str(request.base_url).rstrip("/") + url("/", lang)
    return _page(request, "share.html", {"title": strings(lang)["share_title"], "link": link})


# --- tip forms -----------------------------------------------------------------------------------


def _form_context(
    request: Request,
    variant: Variant,
    tokens: FormTokens,
    *,
    values: dict[str, object] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    lang = lang_of(request)
    words = strings(lang)
    values = values or {}
    if variant == "hotel" and not values.get("role"):
        wanted = request.query_params.get("role", "")
        values["role"] = wanted if wanted in {r.id for r in HOTEL_ROLES} else ""
    role = ROLES.get(str(values.get("role") or ""))
    states = {code: words["states"].get(code, name) for code, name in US_STATES.items()}
    return {
        "title": words["hotel_form_title"] if variant == "hotel" else words["form_title"],
        "variant": variant,
        "action": "/report/hotel" if variant == "hotel" else "/report",
        "token": tokens.issue(variant),
        "values": values,
        "errors": errors or {},
        "notice": notice,
        "role": role,
        "roles": HOTEL_ROLES,
        "general_signs": GENERAL_SIGNS,
        "ages": {k: words["ages"].get(k, v) for k, v in APPARENT_AGES.items()},
        "states": dict(sorted(states.items(), key=lambda item: item[1])),
        "today": _today().isoformat(),
    }


@_pages.get("/report", response_class=HTMLResponse, include_in_schema=False)
def report_form(request: Request, tokens: FormTokensDep) -> HTMLResponse:
    return _page(request, "report.html", _form_context(request, "public", tokens))


@_pages.get("/report/hotel", response_class=HTMLResponse, include_in_schema=False)
def report_hotel_form(request: Request, tokens: FormTokensDep) -> HTMLResponse:
    """First the job (a plain GET step, no script needed), then a form with that job's signs only."""
    context = _form_context(request, "hotel", tokens)
    if context["role"] is None:
        return _page(request, "report_role.html", context)
    return _page(request, "report.html", context)


def _sent_url(request: Request, variant: Variant, reference: str, again: str | None) -> str:
    query = {"ref": reference, "form": variant} | ({"again": again} if again else {})
    return url("/report/sent", lang_of(request)) + "?" + urlencode(query)


async def _receive_tip(request: Request, variant: Variant, services: TipServices) -> Response:
    tokens = services.tokens
    lang = lang_of(request)
    words = strings(lang)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return _page(request, "problem.html", {"title": words["too_large_title"]}, status_code=413)
    form = await request.form(max_files=5, max_fields=200, max_part_size=MAX_BODY_BYTES)
    data: dict[str, object] = {}
    ticked: list[str] = []
    files_sent = False
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            files_sent = True
        elif key == "signs":
            ticked.append(value)
        else:
            data[key] = value
    data["signs"] = ticked
    await form.close()

    result = parse_tip_form(data, variant=variant, today=_today(), lang=lang)
    errors = dict(result.errors)
    if files_sent:
        errors["what_seen"] = words["no_files_error"]
    try:
        nonce = tokens.check(str(data.get("form_token", "")), variant)
    except FormTokenError as exc:
        notice = words["token_expired"] if exc.expired else words["token_bad"]
        context = _form_context(request, variant, tokens, values=result.values, errors=errors, notice=notice)
        return _page(request, "report.html", context, status_code=400)
    if errors or result.tip is None:
        context = _form_context(request, variant, tokens, values=result.values, errors=errors)
        return _page(request, "report.html", context, status_code=422)

    tip = replace(result.tip, form_nonce=nonce)
    return await _store_tip(request, variant, tip, services, values=result.values)


async def _store_tip(
    request: Request, variant: Variant, tip: TipInput, services: TipServices, *, values: dict[str, object]
) -> Response:
    """Store a valid tip: once per form, held for review during a flood from its network, and kept
    in the spool (the reporter still gets a reference) when the store fails."""
    try:
        receipt = await run_in_threadpool(receipt_for_form, services.store, tip.form_nonce or "")
    except SQLAlchemyError:
        receipt = None  # the store is failing: the submit below fails too, and the tip is spooled
    if receipt is None:
        decision = services.limiter.decide(request.client.host if request.client else None)
        if decision == "refuse":
            return _rate_limited(request, variant, services, values)
        try:
            receipt = await run_in_threadpool(
                functools.partial(submit_tip, services.store, tip, held=decision == "hold")
            )
        except SQLAlchemyError:
            return await _spool_tip(request, variant, tip, services, held=decision == "hold")
        if spool.pending(services.spool):  # the store works again: empty the spool into it
            await run_in_threadpool(_retry_spool, services)
    again = "form" if receipt.duplicate else "same" if receipt.repeated else None
    target = _sent_url(request, variant, receipt.reference, again)
    return RedirectResponse(target, status_code=303, headers=NO_STORE)


def _retry_spool(services: TipServices) -> None:
    """Empty the spool after a tip was stored; whatever goes wrong stays in the spool and the log,
    never in the answer to the reporter whose own tip is already safe."""
    try:
        spool.retry(services.store, services.spool)
    except Exception:  # noqa: BLE001 - logged; the next tip, a restart or `tips retry` tries again
        logger.exception("could not empty the tip spool %s", services.spool)


def _rate_limited(
    request: Request, variant: Variant, services: TipServices, values: dict[str, object]
) -> Response:
    words = strings(lang_of(request))
    limiter = services.limiter
    notice = words["rate_limited"].format(minutes=max(1, round(limiter.retry_after() / 60)))
    context = _form_context(request, variant, services.tokens, values=values, notice=notice)
    response = _page(request, "report.html", context, status_code=429)
    response.headers["Retry-After"] = str(limiter.retry_after())
    return response


async def _spool_tip(
    request: Request, variant: Variant, tip: TipInput, services: TipServices, *, held: bool
) -> Response:
    created_at = datetime.now(UTC).replace(second=0, microsecond=0)
    try:
        kept = await run_in_threadpool(
            functools.partial(spool.put, services.spool, tip, created_at, held=held)
        )
    except OSError:
        logger.exception("the store failed and the tip spool %s could not take the tip", services.spool)
        words = strings(lang_of(request))
        context = {"title": words["not_saved_title"], "body": words["not_saved_body"]}
        return _page(request, "problem.html", context, status_code=503)
    target = _sent_url(request, variant, kept.reference, None)
    return RedirectResponse(target, status_code=303, headers=NO_STORE)


@_pages.post("/report", include_in_schema=False)
async def report_submit(request: Request, services: TipServicesDep) -> Response:
    return await _receive_tip(request, "public", services)


@_pages.post("/report/hotel", include_in_schema=False)
async def report_hotel_submit(request: Request, services: TipServicesDep) -> Response:
    return await _receive_tip(request, "hotel", services)


@_pages.get("/report/sent", response_class=HTMLResponse, include_in_schema=False)
def report_sent(request: Request) -> HTMLResponse:
    """The thank-you page a sent tip redirects to. It shows only what its address carries: the
    reference (checked for shape, never looked up) and whether this tip had already reached us."""
    reference = request.query_params.get("ref", "")
    if not _REFERENCE.fullmatch(reference):
        raise HTTPException(status_code=404)
    variant = "hotel" if request.query_params.get("form") == "hotel" else "public"
    again = request.query_params.get("again")
    context = {
        "title": strings(lang_of(request))["thanks_title"],
        "reference": reference,
        "variant": variant,
        "again": again if again in ("form", "same") else None,
    }
    return _page(request, "thanks.html", context)


router.include_router(_pages)
router.include_router(_pages, prefix="/es")
