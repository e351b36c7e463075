"""Provider callbacks: requests from Twilio, not from a person's browser."""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from twofactor import reports
from twofactor.channels import twilio

logger = logging.getLogger(__name__)


@csrf_exempt  # Twilio cannot hold a CSRF token; its signature is checked instead.
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """A message or call status. The signature covers the URL Twilio called,
    which is the public one (PORTAL_BASE_URL), not what a proxy passed on."""
    url = settings.PORTAL_BASE_URL + request.get_full_path()
    signature = request.headers.get("X-Twilio-Signature", "")
    if not twilio.signature_valid(url, request.POST, signature):
        logger.warning("refused a Twilio status callback with a missing or wrong signature")
        return HttpResponseForbidden("Invalid signature.")
    report = twilio.status_report(request.POST)
    if report is not None:
        reports.delivery_report_record(
            provider_id=report.provider_id,
            status=report.status,
            delivery=report.delivery,
            error_code=report.error_code,
            detail=report.detail,
        )
    # Twilio only needs a 2xx; a report it cannot use is still "received".
    return HttpResponse(status=204)
