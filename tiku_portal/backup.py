"""Backup and restore of the database and the media folder (`manage.py backup` / `restore`).

A backup is one folder: the database dump (pg_dump custom format, or a copy of the SQLite
file), the media folder as a tar archive, and manifest.json with each media file's SHA-256 and
each table's row count, so a restore can prove it brought everything back.
"""

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection


class BackupError(Exception):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def media_checksums(media: Path) -> dict[str, str]:
    if not media.exists():
        return {}
    return {
        str(path.relative_to(media)): _sha256(path)
        for path in sorted(media.rglob("*"))
        if path.is_file()
    }


def row_counts() -> dict[str, int]:
    return {
        model._meta.db_table: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def snapshot_mismatches() -> list[str]:
    """Submitted versions whose stored hash no longer matches their content."""
    from applications.models import Snapshot
    from applications.snapshot import content_hash

    return [
        str(s)
        for s in Snapshot.objects.select_related("application").iterator()
        if content_hash(s.data) != s.content_hash
    ]


def _pg_env() -> tuple[list[str], dict]:
    db = connection.settings_dict
    args = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["-U", db["USER"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _run(command: list[str], env=None) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} 失败：{result.stderr.strip()[:2000]}")


def backup(target_root: Path, media: Path | None = None) -> Path:
    media = Path(media or settings.MEDIA_ROOT)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = Path(target_root) / f"tiku-{stamp}"
    target.mkdir(parents=True)
    vendor = connection.vendor
    if vendor == "postgresql":
        args, env = _pg_env()
        dump = target / "database.dump"
        name = connection.settings_dict["NAME"]
        _run(["pg_dump", *args, "-Fc", "--no-owner", "--no-acl", "-f", str(dump), name], env)
    elif vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(target / "database.sqlite3") as copy:
            connection.connection.backup(copy)
        copy.close()
    else:
        raise BackupError(f"不支持的数据库：{vendor}")
    with tarfile.open(target / "media.tar", "w") as archive:
        if media.exists():
            archive.add(media, arcname="media")
    manifest = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "database": vendor,
        "rows": row_counts(),
        "media": media_checksums(media),
    }
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return target


def restore(source: Path, media: Path | None = None) -> dict:
    """Replace the database and the media folder with the backup's, then verify them."""
    source, media = Path(source), Path(media or settings.MEDIA_ROOT)
    manifest = json.loads((source / "manifest.json").read_text())
    vendor = connection.vendor
    if manifest["database"] != vendor:
        raise BackupError(f"备份来自 {manifest['database']}，当前数据库是 {vendor}。")
    if vendor == "postgresql":
        args, env = _pg_env()
        name = connection.settings_dict["NAME"]
        connection.close()
        _run(
            [
                "pg_restore",
                *args,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-acl",
                "--single-transaction",
                "-d",
                name,
                str(source / "database.dump"),
            ],
            env,
        )
    else:
        connection.ensure_connection()
        with sqlite3.connect(source / "database.sqlite3") as copy:
            copy.backup(connection.connection)
        copy.close()
    # The media folder becomes exactly the backup's: files added since are removed.
    if media.exists():
        for child in media.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / "media.tar") as archive:
        for member in archive.getmembers():
            if member.name == "media":
                continue
            member.name = member.name.removeprefix("media/")
            archive.extract(member, media, filter="data")
    return verify(manifest, media)


def verify(manifest: dict, media: Path) -> dict:
    problems = []
    rows = row_counts()
    for table, count in manifest["rows"].items():
        if rows.get(table) != count:
            problems.append(f"表 {table}：应有 {count} 行，实有 {rows.get(table)} 行")
    checksums = media_checksums(media)
    for name, digest in manifest["media"].items():
        if checksums.get(name) != digest:
            problems.append(f"文件 {name} 缺失或内容不同")
    problems += [f"{s} 的内容摘要不符" for s in snapshot_mismatches()]
    if problems:
        raise BackupError("恢复后校验未通过：\n" + "\n".join(problems[:50]))
    return {"tables": len(rows), "rows": sum(rows.values()), "files": len(checksums)}
