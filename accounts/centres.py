import json

from django.conf import settings

from .models import Centre

CENTRES_FIXTURE = settings.BASE_DIR / "fixtures" / "centres.json"


def load_centres(path=CENTRES_FIXTURE) -> int:
    """Create the centres the fixture lists; never overwrite what an administrator edited."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    created = 0
    for position, row in enumerate(rows):
        code = row.pop("code")
        _, was_created = Centre.objects.get_or_create(
            code=code, defaults={**row, "position": position}
        )
        created += was_created
    return created
