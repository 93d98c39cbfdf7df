"""The portal's date wording for Python code (messages, workbooks, PDFs), same as the templates'."""

from django.utils import formats, timezone


def day(value) -> str:
    """2023年6月23日"""
    return formats.date_format(value, "DATE_FORMAT")


def moment(value) -> str:
    """2023年6月23日 17:05, in Beijing time."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATETIME_FORMAT")


def deadline(value) -> str:
    """A deadline day ends at midnight Beijing time: 2023年6月23日24时（北京时间）."""
    return f"{day(value)}24时（北京时间）"
