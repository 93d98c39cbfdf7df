"""What changed between two submitted versions of an application (版本变化)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..access import application_for
from ..diff import diff_snapshots
from ..models import Snapshot
from ..versions import default_pair, last_seen, mark_seen


class PairForm(forms.Form):
    old = forms.TypedChoiceField(label="对比版本", coerce=int)
    new = forms.TypedChoiceField(label="当前版本", coerce=int)

    def __init__(self, *args, numbers, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(n, f"第{n}版") for n in numbers]
        for name in ("old", "new"):
            self.fields[name].choices = choices
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"

    def clean(self):
        data = super().clean()
        if data.get("old") is not None and data.get("old") == data.get("new"):
            raise forms.ValidationError("请选择两个不同的版本进行对比。")
        return data


@login_required
def changes(request, pk):
    app = application_for(request.user, pk)
    snapshots = {s.number: s for s in Snapshot.objects.filter(application=app).order_by("number")}
    numbers = list(snapshots)
    seen = last_seen(request.user, app)
    pair = default_pair(numbers, seen)
    form = PairForm(request.GET or None, numbers=numbers)
    if form.is_bound and form.is_valid():
        pair = tuple(sorted((form.cleaned_data["old"], form.cleaned_data["new"])))
    elif pair is not None and not form.is_bound:
        form = PairForm(initial={"old": pair[0], "new": pair[1]}, numbers=numbers)
    result = None
    if pair is not None and not form.errors:
        result = diff_snapshots(snapshots[pair[0]], snapshots[pair[1]])
        # Reading the newest version's changes counts as having looked at it.
        if pair[1] == numbers[-1]:
            mark_seen(request.user, app, pair[1])
    context = {
        "application": app,
        "numbers": numbers,
        "form": form,
        "diff": result,
        "seen": seen,
    }
    return render(request, "applications/changes.html", context)
