"""Backup, wipe, restore: every row, every file and every snapshot hash comes back."""

import datetime as dt
import hashlib
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from applications.models import Application, Snapshot, Status
from applications.workflow import set_state
from documents.models import Document
from tests.factories import ApplicationFactory, UserFactory
from tiku_portal import backup as ops

BEFORE = dt.datetime(2023, 6, 20, 2, 0, tzinfo=dt.UTC)


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_backup_wipe_restore_brings_back_rows_files_and_hashes(
    tmp_path, private_media, django_capture_on_commit_callbacks, capsys
):
    apps = [ApplicationFactory(complete=True) for _ in range(2)]
    for app in apps:
        set_state(app, Status.SUBMITTED, UserFactory(organisation=app.organisation), now=BEFORE)
    pdf = Document.objects.filter(state=Document.State.DONE).first()
    pdf_path = private_media / pdf.file.name
    pdf_sum = sha(pdf_path)
    hashes = dict(Snapshot.objects.values_list("pk", "content_hash"))
    rows = ops.row_counts()

    call_command("backup", output=str(tmp_path / "backups"))
    folder = tmp_path / "backups" / capsys.readouterr().out.strip().rsplit("/", 1)[-1]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["media"][pdf.file.name] == pdf_sum

    # Disaster: every row gone, every file gone.
    call_command("flush", interactive=False, verbosity=0)
    for path in sorted(private_media.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    (private_media / "stray.txt").parent.mkdir(parents=True, exist_ok=True)
    (private_media / "stray.txt").write_text("written after the backup")
    assert not Application.objects.exists()

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(folder))
    call_command("restore", str(folder), "--yes")
    assert "已恢复并校验" in capsys.readouterr().out

    assert ops.row_counts() == rows
    assert dict(Snapshot.objects.values_list("pk", "content_hash")) == hashes
    assert ops.snapshot_mismatches() == []
    assert sha(pdf_path) == pdf_sum
    assert not (private_media / "stray.txt").exists()


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_backup_that_does_not_verify(tmp_path, private_media):
    ApplicationFactory(complete=True)
    (private_media / "a.txt").parent.mkdir(parents=True, exist_ok=True)
    (private_media / "a.txt").write_text("x")
    folder = ops.backup(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["media"]["a.txt"] = "0" * 64
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="a.txt"):
        call_command("restore", str(folder), "--yes")
