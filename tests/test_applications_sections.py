from applications.models import Application
from applications.sections import EDITABLE_FIELDS
from applications.snapshot import NOT_CONTENT

# Content of the form that is chosen at the start and never edited in the draft form.
CHOSEN_AT_START = {"basis"}


def test_every_content_field_of_the_form_belongs_to_a_section():
    content = {
        f.name
        for f in Application._meta.concrete_fields
        if f.name not in NOT_CONTENT and f.name not in CHOSEN_AT_START
    }
    assert content == set(EDITABLE_FIELDS)
    assert len(EDITABLE_FIELDS) == len(set(EDITABLE_FIELDS))
