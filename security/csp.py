"""Where browsers send Content-Security-Policy violation reports: into the log."""

import json
import logging

from django.http import HttpResponse
from django.http.request import RawPostDataException
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .ratelimit import ratelimit

logger = logging.getLogger("security.csp")

# A report is a few hundred bytes; anything longer is noise or abuse and is cut.
MAX_REPORT_BYTES = 8 * 1024


@csrf_exempt
@require_POST
@ratelimit("csp-report", per_address="60/m")
def report(request):
    try:
        body = request.body[:MAX_REPORT_BYTES]
    except RawPostDataException:
        # A form post (never a browser's report) already read by the input guard.
        body = json.dumps(request.POST.dict(), ensure_ascii=False).encode()
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        data = body.decode("utf-8", "replace")
    # Browsers send {"csp-report": {...}} (report-uri) or a list of reports (Reporting API).
    logger.warning("CSP violation: %s", json.dumps(data, ensure_ascii=False)[:MAX_REPORT_BYTES])
    return HttpResponse(status=204)
