"""Routes of the public side: content pages, get help, share, and the two tip forms.

Every response is `Cache-Control: no-store` (a shared browser keeps no copy of what was read or
typed) and sets no cookie. The tip form carries a signed one-time token in a hidden field, so a
double submit makes one tip; mistakes come back next to the fields with everything typed kept.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from safeharbor.storage import Store
from safeharbor.tips import (
    FormTokenError,
    FormTokens,
    RateLimiter,
    parse_tip_form,
    receipt_for_form,
    submit_tip,
)
from safeharbor.tips.signs import (
    APPARENT_AGES,
    HOTEL_ROLES,
    ROLES,
    SIGNS,
    US_STATES,
    Variant,
    roles_for,
    signs_for,
)
from safeharbor.web.deps import FormTokensDep, RateLimiterDep, StoreDep
from safeharbor.web.public.pages import learn_pages, pages

router = APIRouter()
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals.update(learn_pages=learn_pages)

MAX_BODY_BYTES = 64 * 1024  # a tip is words; anything bigger is not a tip
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
NEUTRAL_SITE = "https://www.weather.gov/"  # where quick exit goes: ordinary, common, nothing to explain
templates.env.globals.update(neutral_site=NEUTRAL_SITE)


def _page(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    response = templates.TemplateResponse(
        request, template, context, status_code=status_code, headers=NO_STORE
    )
    return response  # type: ignore[return-value]


def _today() -> date:
    return datetime.now(UTC).date()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request) -> HTMLResponse:
    return _page(
        request, "home.html", {"title": "Children are sold for sex here too", "pages": learn_pages()}
    )


@router.get("/learn/{slug}", response_class=HTMLResponse, include_in_schema=False)
def learn(request: Request, slug: str) -> HTMLResponse:
    page = pages().get(slug)
    if page is None or page.order >= 50:
        raise HTTPException(status_code=404)
    reading = learn_pages()
    index = reading.index(page)
    following = reading[index + 1] if index + 1 < len(reading) else None
    return _page(request, "page.html", {"title": page.title, "page": page, "following": following})


def _standalone(slug: str, template: str = "page.html", **extra: Any):  # type: ignore[no-untyped-def]
    def view(request: Request) -> HTMLResponse:
        page = pages()[slug]
        return _page(request, template, {"title": page.title, "page": page, "following": None, **extra})

    view.__name__ = f"page_{slug.replace('-', '_')}"
    return view


router.add_api_route("/get-help", _standalone("get-help"), methods=["GET"], include_in_schema=False)
router.add_api_route("/privacy", _standalone("privacy"), methods=["GET"], include_in_schema=False)
router.add_api_route(
    "/hotels",
    _standalone("hotels", "hotels.html", roles=HOTEL_ROLES),
    methods=["GET"],
    include_in_schema=False,
)


@router.get("/sources", response_class=HTMLResponse, include_in_schema=False)
def all_sources(request: Request) -> HTMLResponse:
    from safeharbor.web.public.pages import sources

    return _page(request, "sources.html", {"title": "Sources", "sources": list(sources().values())})


@router.get("/share", response_class=HTMLResponse, include_in_schema=False)
def share(request: Request) -> HTMLResponse:
    link = str(request.base_url).rstrip("/") + "/"
    return _page(request, "share.html", {"title": "Share: one page to print or pass on", "link": link})


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
    values = values or {}
    if variant == "hotel" and not values.get("role"):
        wanted = request.query_params.get("role", "")
        values["role"] = wanted if wanted in {r.id for r in HOTEL_ROLES} else ""
    return {
        "title": "Report what you saw at a hotel" if variant == "hotel" else "Report what you saw",
        "variant": variant,
        "action": "/report/hotel" if variant == "hotel" else "/report",
        "token": tokens.issue(variant),
        "values": values,
        "errors": errors or {},
        "notice": notice,
        "roles": roles_for(variant),
        "sign_groups": signs_for(variant),
        "ages": APPARENT_AGES,
        "states": US_STATES,
        "today": _today().isoformat(),
    }


@router.get("/report", response_class=HTMLResponse, include_in_schema=False)
def report_form(request: Request, tokens: FormTokensDep) -> HTMLResponse:
    return _page(request, "report.html", _form_context(request, "public", tokens))


@router.get("/report/hotel", response_class=HTMLResponse, include_in_schema=False)
def report_hotel_form(request: Request, tokens: FormTokensDep) -> HTMLResponse:
    return _page(request, "report.html", _form_context(request, "hotel", tokens))


async def _receive_tip(
    request: Request, variant: Variant, store: Store, tokens: FormTokens, limiter: RateLimiter
) -> Response:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return _page(request, "problem.html", {"title": "That was too large to send"}, status_code=413)
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

    result = parse_tip_form(data, variant=variant, today=_today())
    errors = dict(result.errors)
    if files_sent:
        errors["what_seen"] = (
            "We do not accept photos or files, to protect the children in them and you. "
            "Please describe what you saw in words."
        )
    try:
        nonce = tokens.check(str(data.get("form_token", "")), variant)
    except FormTokenError as exc:
        notice = (
            "This form was open for a long time, so for safety it has expired. Everything you typed is still "
            "here: please check it and press Send again."
            if exc.expired
            else "We could not accept this form. Everything you typed is still here: please press Send again."
        )
        context = _form_context(request, variant, tokens, values=result.values, errors=errors, notice=notice)
        return _page(request, "report.html", context, status_code=400)
    if errors or result.tip is None:
        context = _form_context(request, variant, tokens, values=result.values, errors=errors)
        return _page(request, "report.html", context, status_code=422)

    receipt = await run_in_threadpool(receipt_for_form, store, nonce)
    if receipt is None:
        if not limiter.allow(request.client.host if request.client else None):
            minutes = max(1, round(limiter.retry_after() / 60))
            notice = (
                f"Many tips have been sent from this connection in a short time, so we paused it. Please try "
                f"again in about {minutes} minute{'s' if minutes != 1 else ''}, or call the National Human "
                "Trafficking Hotline at 1-888-373-7888 now. Everything you typed is still here."
            )
            context = _form_context(request, variant, tokens, values=result.values, notice=notice)
            response = _page(request, "report.html", context, status_code=429)
            response.headers["Retry-After"] = str(limiter.retry_after())
            return response
        receipt = await run_in_threadpool(submit_tip, store, replace(result.tip, form_nonce=nonce))
    context = {"title": "Thank you: your tip was sent", "receipt": receipt, "variant": variant}
    return _page(request, "thanks.html", context)


@router.post("/report", include_in_schema=False)
async def report_submit(
    request: Request, store: StoreDep, tokens: FormTokensDep, limiter: RateLimiterDep
) -> Response:
    return await _receive_tip(request, "public", store, tokens, limiter)


@router.post("/report/hotel", include_in_schema=False)
async def report_hotel_submit(
    request: Request, store: StoreDep, tokens: FormTokensDep, limiter: RateLimiterDep
) -> Response:
    return await _receive_tip(request, "hotel", store, tokens, limiter)


templates.env.globals.update(role_labels={r.id: r.label for r in ROLES.values()}, sign_texts=SIGNS)
