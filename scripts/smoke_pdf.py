"""Submit one application in the smoke database and wait for the real worker's PDF."""

import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiku_portal.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from applications.models import Status, SubmissionDeadline  # noqa: E402
from applications.workflow import set_state  # noqa: E402
from documents.models import Document  # noqa: E402
from tests.factories import ApplicationFactory, UserFactory  # noqa: E402

app = ApplicationFactory(complete=True)
SubmissionDeadline.objects.create(
    call=app.call,
    centre=app.organisation.centre,
    deadline=timezone.localdate() + dt.timedelta(days=1),
)
member = UserFactory(organisation=app.organisation)
started = time.monotonic()
set_state(app, Status.SUBMITTED, member)
while time.monotonic() - started < 90:
    doc = Document.objects.filter(application=app).first()
    if doc and doc.is_finished:
        break
    time.sleep(0.3)
else:
    sys.exit("no PDF from the worker within 90 s")
if doc.state != Document.State.DONE:
    sys.exit(f"the worker failed: {doc.error}")
with doc.file.open("rb") as fh:
    head = fh.read(5)
assert head == b"%PDF-", head
print(f"pdf: {doc.filename} ({doc.file.size // 1024} KB) in {time.monotonic() - started:.1f} s")
