"""Domain actions on accounts; views only validate forms and call these."""

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Centre, Invitation, Organisation, User


class InvitationUsed(Exception):
    pass


@transaction.atomic
def register_organisation(data, *, active=True) -> User:
    org = Organisation.objects.create(
        name=data["org_name"],
        credit_code=data["credit_code"],
        legal_cert_no=data["legal_cert_no"],
        legal_representative=data["legal_representative"],
        address=data["address"],
        centre=data["centre"],
    )
    return User.objects.create_user(
        data["email"],
        data["password1"],
        name=data["name"],
        phone=data["phone"],
        role=User.Role.APPLICANT,
        organisation=org,
        is_active=active,
    )


def request_registration(data, confirm_url_for) -> None:
    """Register the unit with its first account inactive, and e-mail the address.

    A new address gets a link that activates the account; an address already registered gets
    a note saying so (with a fresh link if it was never confirmed). The visitor's page is the
    same either way, so registration reveals nothing about who has an account.
    """
    existing = User.objects.filter(email__iexact=data["email"]).first()
    if existing is None:
        user = register_organisation(data, active=False)
        context = {"user": user, "confirm_url": confirm_url_for(user), "known": False}
    else:
        pending = not existing.is_active and existing.last_login is None
        context = {
            "user": existing,
            "confirm_url": confirm_url_for(existing) if pending else "",
            "known": True,
        }
    body = render_to_string("accounts/email/registration.txt", context)
    send_mail("题库申报平台注册确认", body, None, [data["email"]])


def confirm_registration(user) -> None:
    """The address's owner followed the link: the account works from now on."""
    user.is_active = True
    user.save(update_fields=["is_active"])


def invite_colleague(organisation, email, invited_by, accept_url_for) -> Invitation:
    invitation = Invitation.objects.create(
        organisation=organisation, email=email, invited_by=invited_by
    )
    body = render_to_string(
        "accounts/email/invitation.txt",
        {"invitation": invitation, "accept_url": accept_url_for(invitation)},
    )
    send_mail(f"邀请您加入“{organisation.name}”的题库申报工作", body, None, [email])
    return invitation


def accept_invitation(invitation_id, data) -> User:
    try:
        with transaction.atomic():
            # Lock the row so two tabs submitting the same link cannot both create users.
            invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
            if invitation.is_used:
                raise InvitationUsed
            user = User.objects.create_user(
                invitation.email,
                data["password1"],
                name=data["name"],
                phone=data["phone"],
                role=User.Role.APPLICANT,
                organisation=invitation.organisation,
            )
            invitation.accepted_at = timezone.now()
            invitation.accepted_by = user
            invitation.save(update_fields=["accepted_at", "accepted_by"])
            return user
    except IntegrityError as exc:
        # The address was registered between the invitation and its acceptance.
        raise InvitationUsed from exc


def create_staff(email, centre: Centre, name="", password=None) -> User:
    role = User.Role.PROVINCE if centre.is_province else User.Role.CITY
    return User.objects.create_user(email, password, name=name, role=role, centre=centre)


# What the trail keeps of an organisation: every field people can change.
ORGANISATION_FIELDS = [
    "name",
    "credit_code",
    "legal_cert_no",
    "legal_representative",
    "address",
    "centre",
]


def organisation_values(org: Organisation) -> dict:
    """The organisation as it reads now; take it before a form changes the instance."""
    from audit import trail

    return trail.values(org, ORGANISATION_FIELDS)


@transaction.atomic
def save_organisation(org: Organisation, user, before: dict) -> Organisation:
    """Save an edited organisation and keep who changed which field, from what to what."""
    from audit import trail
    from audit.models import Subject

    org.save()
    after = trail.values(org, ORGANISATION_FIELDS)
    trail.record(user, Subject.ORGANISATION, org, before, after)
    return org
