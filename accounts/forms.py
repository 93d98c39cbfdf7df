import re

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.core.exceptions import ValidationError

from .auth import MAX_USERNAME_LENGTH, normalise_username
from .models import Centre, Organisation, User
from .validators import validate_credit_code, validate_mobile


class PasswordResetForm(DjangoPasswordResetForm):
    # Django's own label is 电子邮件; the portal says 电子邮箱 everywhere (docs/glossary.md).
    email = forms.EmailField(
        label="电子邮箱", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        # Django's own text says both are case-sensitive; the email is not.
        "invalid_login": "电子邮箱或密码不正确，请重新输入。密码区分大小写。",
    }

    def clean_username(self):
        # The same folding as the lockout's (accounts.auth), so neither can be sidestepped.
        username = normalise_username(self.cleaned_data.get("username"))
        if len(username) > MAX_USERNAME_LENGTH:
            raise ValidationError(
                f"电子邮箱不能超过{MAX_USERNAME_LENGTH}个字符，请检查后重新输入。",
                code="max_length",
            )
        return username


class AccountFieldsMixin(forms.Form):
    """Personal fields and a password chosen twice, checked by Django's validators."""

    name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="手机号码", max_length=20, validators=[validate_mobile])
    password1 = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label="确认密码", strip=False, widget=forms.PasswordInput)

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "两次输入的密码不一致。")
        elif p1:
            probe = User(email=cleaned.get("email") or "", name=cleaned.get("name") or "")
            try:
                password_validation.validate_password(p1, probe)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class RegistrationForm(AccountFieldsMixin, forms.Form):
    org_name = forms.CharField(label="单位全称", max_length=200)
    credit_code = forms.CharField(
        label="统一社会信用代码",
        # Room for a code pasted with spaces or dashes: clean_credit_code strips them.
        max_length=30,
        required=False,
        help_text="18位；事业单位等没有统一社会信用代码的，请填写法人证书编码。",
    )
    legal_cert_no = forms.CharField(label="法人证书编码", max_length=50, required=False)
    legal_representative = forms.CharField(label="法定代表人", max_length=50)
    address = forms.CharField(label="单位地址", max_length=200)
    centre = forms.ModelChoiceField(
        label="隶属评价中心（按隶属关系）",
        queryset=Centre.objects.official_order(),
        empty_label="请选择",
        help_text="各市单位选所在市的评价（鉴定）中心；省属单位选省技能人才评价管理服务中心。",
    )
    email = forms.EmailField(label="电子邮箱（登录账号）")

    field_order = [
        "org_name",
        "credit_code",
        "legal_cert_no",
        "legal_representative",
        "address",
        "centre",
        "name",
        "phone",
        "email",
        "password1",
        "password2",
    ]

    def clean_credit_code(self):
        code = re.sub(r"[\s-]", "", self.cleaned_data["credit_code"]).upper()
        if code:
            validate_credit_code(code)
            if Organisation.objects.filter(credit_code=code).exists():
                raise ValidationError(self.already_registered_message())
        return code or None

    def clean_legal_cert_no(self):
        number = "".join(self.cleaned_data["legal_cert_no"].split())
        if number and Organisation.objects.filter(legal_cert_no=number).exists():
            raise ValidationError(self.already_registered_message())
        return number or None

    def clean_email(self):
        # Whether the address is registered is never said here: the view answers alike and the
        # mailbox's owner learns it by e-mail (as Django's password reset does).
        return self.cleaned_data["email"].lower()

    def clean(self):
        cleaned = super().clean()
        if (
            not cleaned.get("credit_code")
            and not cleaned.get("legal_cert_no")
            and "credit_code" not in self.errors
            and "legal_cert_no" not in self.errors
        ):
            self.add_error("credit_code", "请填写统一社会信用代码，或填写法人证书编码。")
        return cleaned

    @staticmethod
    def already_registered_message():
        # An anonymous visitor learns no name, neither the unit's nor its members'.
        return (
            "该单位已在平台注册，不能重复注册。请联系本单位已注册的账号持有人，"
            "在其工作台邀请您加入。"
        )


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "legal_representative", "address"]


class InvitationForm(forms.Form):
    email = forms.EmailField(label="同事的电子邮箱")

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError("该邮箱已在平台注册，不能再次邀请。")
        return email


class AcceptInvitationForm(AccountFieldsMixin, forms.Form):
    field_order = ["name", "phone", "password1", "password2"]

    def __init__(self, *args, invitation, **kwargs):
        self.invitation = invitation
        super().__init__(*args, **kwargs)

    def clean(self):
        self.cleaned_data["email"] = self.invitation.email
        return super().clean()
