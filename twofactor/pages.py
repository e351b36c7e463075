"""Helpers for pages that show the code step (the pop-up, or its page
without JS): shared by the login and every page that asks for a code."""

import math
from datetime import datetime
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone

from twofactor.flows import ChangeFlow, Flow
from twofactor.forms import CodeForm

R = TypeVar("R", bound=HttpResponseBase)


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def code_step_redirect(
    request: HttpRequest, page_url: str, flow_class: type[Flow]
) -> HttpResponseRedirect:
    """After a form that needs a code: the page again with its pop-up when
    the browser runs our JS (it posts js=1), else the plain code page."""
    if request.POST.get("js") == "1":
        return redirect(f"{page_url}?step=code")
    return redirect(flow_class.verify_url_name)


def prompt_context(
    request: HttpRequest, flow_class: type[Flow], form: CodeForm | None = None, error: str = ""
) -> dict[str, Any] | None:
    """The pop-up for the page that asked for it, if its flow is alive."""
    if form is None and request.GET.get("step") != "code":
        return None
    flow = flow_class.get(request)
    if flow is None:
        return None
    return {**flow.prompt(), "form": form or CodeForm(), "error": error}


def page_with_code_step(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    retry_at: datetime | None = None,
) -> HttpResponse:
    """A page that may ask for a change's code: rendered with its pop-up when
    one is waiting, and a 429's Retry-After."""
    context = {**context, "prompt": prompt_context(request, ChangeFlow)}
    return with_retry_after(render(request, template, context, status=status), retry_at)


def with_retry_after(response: R, retry_at: datetime | None) -> R:
    """A 429 says when to try again in the Retry-After header too."""
    if response.status_code == 429 and retry_at is not None:
        seconds = math.ceil((retry_at - timezone.now()).total_seconds())
        response["Retry-After"] = str(max(1, seconds))
    return response
