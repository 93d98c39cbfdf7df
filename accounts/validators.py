import re

from django.core.exceptions import ValidationError

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Also shown for 11 digits with a wrong prefix, so it says what a mobile starts with.
MOBILE_MESSAGE = "手机号码应为1开头的11位数字，如 13800138000。"


def validate_mobile(value: str) -> None:
    if not MOBILE_RE.match((value or "").strip()):
        raise ValidationError(MOBILE_MESSAGE)


# A landline with or without its area code and extension, or a mobile number.
PHONE_RE = re.compile(r"^(0\d{2,3}-?)?\d{7,8}(-\d{1,6})?$|^1[3-9]\d{9}$")
PHONE_MESSAGE = "联系电话应为固定电话（如 0571-88888888）或11位手机号码。"


def validate_phone(value: str) -> None:
    if not PHONE_RE.match((value or "").strip()):
        raise ValidationError(PHONE_MESSAGE)


PHONES_SEPARATORS = re.compile(r"\s*[、,，;；/]\s*")
PHONES_MESSAGE = "联系电话应为固定电话（如 0571-88888888）或11位手机号码；多个号码请用“、”分隔。"


def validate_phones(value: str) -> None:
    """One number or several separated by 、 (official contact lines often give two)."""
    numbers = PHONES_SEPARATORS.split((value or "").strip())
    if not all(PHONE_RE.match(number) for number in numbers):
        raise ValidationError(PHONES_MESSAGE)


# GB 32100-2015: the code alphabet leaves out I, O, Z, S and V.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(
        CREDIT_CODE_CHARS.index(ch) * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError("统一社会信用代码应为18位，当前为%(n)s位。", params={"n": len(code)})
    bad = [ch for ch in code if ch not in CREDIT_CODE_CHARS]
    if bad:
        raise ValidationError(
            "统一社会信用代码含有不允许的字符：%(chars)s（不使用I、O、Z、S、V）。",
            params={"chars": "".join(dict.fromkeys(bad))},
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError("统一社会信用代码校验位不正确，请核对后重新输入。")
