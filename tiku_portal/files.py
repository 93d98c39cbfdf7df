"""Writing files to storage whole or not at all."""

import logging
import os

log = logging.getLogger(__name__)

DISK_MESSAGE = (
    "服务器存储空间不足或暂时无法写入，文件未保存。请稍后重试；如仍失败，请联系平台管理员。"
)


class DiskError(Exception):
    """The file could not be written; the message is for users, the log has the cause."""

    def __init__(self, message: str = DISK_MESSAGE):
        super().__init__(message)


def save_whole(storage, name: str, content) -> str:
    """Save `content` under `name`; on a failed write (disk full, unwritable) remove the part
    already written and raise DiskError. Returns the stored name."""
    try:
        return storage.save(name, content)
    except OSError:
        log.exception("could not write %s", name)
        _remove_partial(storage, name)
        raise DiskError() from None


def save_to_field(fieldfile, filename: str, content) -> str:
    """Like ``FieldFile.save(..., save=False)`` but whole or not at all (see save_whole)."""
    name = fieldfile.field.generate_filename(fieldfile.instance, filename)
    fieldfile.name = save_whole(fieldfile.storage, name, content)
    return fieldfile.name


def _remove_partial(storage, name: str) -> None:
    try:
        if storage.exists(name):
            storage.delete(name)
        # The random folder made for this file, if it is now empty.
        os.rmdir(os.path.dirname(storage.path(name)))
    except (OSError, NotImplementedError):
        pass
