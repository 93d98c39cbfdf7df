import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.attachments import MB, AttachmentsLocked, add_attachment, size_in_mb
from applications.models import Application, Attachment, Status
from applications.views.attachments import attachments_context
from tests.factories import (
    TINY_PDF,
    TINY_PNG,
    AdminFactory,
    ApplicationFactory,
    AttachmentFactory,
    CityStaffFactory,
    ExpertFactory,
    ProvinceStaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Only the magic bytes matter to the portal; the rest is a minimal JFIF header.
TINY_JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
LINUX_ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
HTMX = {"HX-Request": "true"}


@pytest.fixture
def app():
    return ApplicationFactory()


@pytest.fixture
def owner(app):
    return UserFactory(organisation=app.organisation)


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def upload_url(app):
    return reverse("applications:attachment_upload", args=[app.pk])


def download_url(attachment, app=None):
    pk = (app or attachment.application).pk
    return reverse("applications:attachment_download", args=[pk, attachment.pk])


def delete_url(attachment):
    return reverse(
        "applications:attachment_delete", args=[attachment.application_id, attachment.pk]
    )


def post_upload(client, app, name, content, *, htmx=True, **fields):
    data = {"kind": Attachment.Kind.LICENCE, "certified_copy": "on", **fields}
    data["file"] = SimpleUploadedFile(name, content)
    return client.post(upload_url(app), data, headers=HTMX if htmx else {})


def files_on_disk(media):
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


# --- accepted files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("营业执照副本.pdf", TINY_PDF, "application/pdf"),
        ("法人证书.PNG", TINY_PNG, "image/png"),
        ("扫描件.jpg", TINY_JPG, "image/jpeg"),
        ("扫描件.jpeg", TINY_JPG, "image/jpeg"),
    ],
)
def test_pdf_png_and_jpg_are_stored_under_a_random_name(
    owner_client, owner, app, private_media, name, content, content_type
):
    response = post_upload(owner_client, app, name, content)

    assert response.status_code == 200
    attachment = Attachment.objects.get()
    assert (attachment.original_name, attachment.content_type) == (name, content_type)
    assert (attachment.size, attachment.certified_copy) == (len(content), True)
    assert (attachment.application, attachment.uploaded_by) == (app, owner)
    ext = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[content_type]
    assert re.fullmatch(rf"applications/{app.pk}/[0-9a-f]{{32}}\.{ext}", attachment.file.name)
    (stored,) = files_on_disk(private_media)
    assert stored.read_bytes() == content
    assert f"已上传“{name}”" in response.content.decode()


def test_expert_certificate_names_its_expert_and_clears_the_missing_item(
    owner_client, owner, app, rf
):
    expert = ExpertFactory(application=app, name="李专家")
    request = rf.get(reverse("applications:edit", args=[app.pk]))
    request.user = owner
    assert "李专家的证书复印件" in attachments_context(request, app)["attachments_missing"]

    response = post_upload(
        owner_client,
        app,
        "李专家证书.pdf",
        TINY_PDF,
        kind=Attachment.Kind.EXPERT_CERTIFICATE,
        expert=expert.pk,
    )

    attachment = Attachment.objects.get()
    assert (attachment.kind, attachment.expert) == (Attachment.Kind.EXPERT_CERTIFICATE, expert)
    body = response.content.decode()
    assert "李专家证书.pdf" in body and "李专家的证书复印件" not in body
    assert "法人证书/营业执照复印件" in body


def test_other_material_keeps_its_description(owner_client, app):
    post_upload(owner_client, app, "获奖证明.png", TINY_PNG, kind="other", description="省级奖项")
    attachment = Attachment.objects.get()
    assert (attachment.kind, attachment.description, attachment.expert) == (
        "other",
        "省级奖项",
        None,
    )


# --- refused files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "fields", "message"),
    [
        pytest.param("执照.pdf", TINY_PNG, {}, "文件“执照.pdf”的内容不是PDF", id="png-named-pdf"),
        pytest.param("setup.pdf", WINDOWS_EXE, {}, "文件“setup.pdf”的内容不是PDF", id="mz-pdf"),
        pytest.param("tool.pdf", LINUX_ELF, {}, "文件“tool.pdf”的内容不是PDF", id="elf-pdf"),
        pytest.param("photo.jpg", WINDOWS_EXE, {}, "文件“photo.jpg”的内容不是JPG", id="mz-jpg"),
        pytest.param("scan.png", TINY_JPG, {}, "文件“scan.png”的内容不是PNG", id="jpg-named-png"),
        pytest.param("setup.exe", WINDOWS_EXE, {}, "文件“setup.exe”的格式不受支持", id="exe"),
        pytest.param("证书", TINY_PDF, {}, "文件“证书”的格式不受支持", id="no-extension"),
        pytest.param("空白.pdf", b"", {}, "文件“空白.pdf”是空文件", id="empty"),
        pytest.param(
            "执照.pdf", TINY_PDF, {"certified_copy": ""}, "与原件一致", id="not-certified"
        ),
        pytest.param(
            "证书.pdf",
            TINY_PDF,
            {"kind": "expert_certificate"},
            "请选择对应的专家",
            id="certificate-without-expert",
        ),
    ],
)
def test_refused_upload_explains_in_chinese_and_stores_nothing(
    owner_client, app, private_media, name, content, fields, message
):
    ExpertFactory(application=app)

    response = post_upload(owner_client, app, name, content, **fields)

    # 200, not 4xx: htmx swaps only successful responses, and the error belongs in the block.
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body and "文件未上传" in body
    assert not Attachment.objects.exists()
    assert files_on_disk(private_media) == []


@pytest.mark.parametrize("name", ["执照.pdf", "setup.pdf"])
def test_wrong_content_message_lists_the_accepted_formats(owner_client, app, name):
    response = post_upload(owner_client, app, name, WINDOWS_EXE if "setup" in name else TINY_PNG)
    assert "只接受PDF、JPG、PNG格式" in response.content.decode()


def test_file_over_the_limit_is_refused_naming_limit_and_size(
    owner_client, app, private_media, settings
):
    settings.ATTACHMENT_MAX_MB = 1
    big = TINY_PDF + b"0" * (int(1.2 * MB) - len(TINY_PDF))

    response = post_upload(owner_client, app, "大文件.pdf", big)

    body = response.content.decode()
    assert "文件“大文件.pdf”大小为1.2 MB，超过了1 MB的上限" in body
    assert not Attachment.objects.exists()
    assert files_on_disk(private_media) == []


def test_size_just_over_the_limit_never_reads_as_the_limit():
    assert size_in_mb(10 * MB + 1, 10) == "10.01"
    assert size_in_mb(int(1.2 * MB), 1) == "1.2"


def test_expert_of_another_application_is_refused(owner_client, app, private_media):
    ExpertFactory(application=app)
    stranger = ExpertFactory()

    response = post_upload(
        owner_client, app, "证书.pdf", TINY_PDF, kind="expert_certificate", expert=stranger.pk
    )

    assert "所选专家不在本申报书的专家团队中" in response.content.decode()
    assert not Attachment.objects.exists()
    assert files_on_disk(private_media) == []


def test_certificate_before_any_expert_is_saved_says_what_to_do_first(owner_client, app):
    response = post_upload(owner_client, app, "证书.pdf", TINY_PDF, kind="expert_certificate")
    assert "请先填写并保存专家信息" in response.content.decode()
    assert not Attachment.objects.exists()


# --- htmx and plain posts -------------------------------------------------------------------


def test_htmx_upload_returns_only_the_attachments_block(owner_client, app):
    response = post_upload(owner_client, app, "执照.pdf", TINY_PDF)

    body = response.content.decode()
    assert '<section id="attachments"' in body
    assert "<html" not in body and "<body" not in body
    assert response.headers["HX-Trigger"] == "attachments-changed"
    # A fresh, empty form for the next file.
    assert 'name="file"' in body and "is-invalid" not in body


def test_plain_upload_redirects_to_the_edit_page_with_a_message(owner_client, app):
    response = post_upload(owner_client, app, "执照.pdf", TINY_PDF, htmx=False)

    assert response.status_code == 302
    assert response.url == reverse("applications:edit", args=[app.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["已上传“执照.pdf”。"]
    assert Attachment.objects.count() == 1


def test_plain_upload_returns_to_the_detail_page_it_came_from(owner_client, app):
    detail = reverse("applications:detail", args=[app.pk])
    response = post_upload(owner_client, app, "执照.pdf", TINY_PDF, htmx=False, next=detail)
    assert response.url == detail


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "/applications/999/edit/"]
)
def test_plain_upload_never_redirects_elsewhere(owner_client, app, next_url):
    response = post_upload(owner_client, app, "执照.pdf", TINY_PDF, htmx=False, next=next_url)
    assert response.url == reverse("applications:edit", args=[app.pk])


def test_plain_refused_upload_redirects_with_the_reason(owner_client, app, private_media):
    response = post_upload(owner_client, app, "setup.exe", WINDOWS_EXE, htmx=False)

    assert response.status_code == 302
    assert response.url == reverse("applications:edit", args=[app.pk])
    (message,) = get_messages(response.wsgi_request)
    assert message.level_tag == "error" and "文件“setup.exe”的格式不受支持" in str(message)
    assert files_on_disk(private_media) == []


def test_upload_only_by_post(owner_client, app):
    assert owner_client.get(upload_url(app)).status_code == 405


# --- the block on the edit and detail pages -------------------------------------------------


def test_context_lists_missing_attachments_and_hides_the_form_from_staff(rf, app):
    ExpertFactory(application=app, name="王专家", position=1)
    ExpertFactory(application=app, name="", position=2)
    AttachmentFactory(application=app, kind="other")
    request = rf.get(reverse("applications:detail", args=[app.pk]))

    request.user = UserFactory(organisation=app.organisation)
    mine = attachments_context(request, app)
    request.user = CityStaffFactory(centre=app.organisation.centre)
    staff = attachments_context(request, app)

    expected = ["法人证书/营业执照复印件", "王专家的证书复印件", "第2位专家的证书复印件"]
    assert mine["attachments_missing"] == staff["attachments_missing"] == expected
    assert mine["can_manage_attachments"] and mine["attachment_form"] is not None
    assert not staff["can_manage_attachments"] and staff["attachment_form"] is None
    assert mine["attachments_return_url"] == reverse("applications:detail", args=[app.pk])
    assert [g["kind"] for g in mine["attachment_groups"]] == ["other"]


def test_complete_application_misses_nothing_and_lists_licence_first(rf):
    app = ApplicationFactory(complete=True)
    request = rf.get(reverse("applications:edit", args=[app.pk]))
    request.user = UserFactory(organisation=app.organisation)

    context = attachments_context(request, app)

    assert context["attachments_missing"] == []
    kinds = [g["kind"] for g in context["attachment_groups"]]
    assert kinds == ["licence", "expert_certificate"]


def preselected(html: str, name: str) -> str | None:
    """The value of the option selected in the upload form's <select name=...>."""
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    match = re.search(r'<option value="([^"]*)"[^>]*selected>', select)
    return match.group(1) if match else None


def test_each_upload_preselects_the_next_missing_item(owner_client, app):
    first = ExpertFactory(application=app, name="甲专家", position=0)
    second = ExpertFactory(application=app, name="乙专家", position=1)
    html = owner_client.get(reverse("applications:edit", args=[app.pk])).content.decode()
    # The licence first, while it is missing.
    assert preselected(html, "kind") == "licence"

    html = post_upload(owner_client, app, "营业执照.pdf", TINY_PDF).content.decode()
    assert preselected(html, "kind") == "expert_certificate"
    assert preselected(html, "expert") == str(first.pk)

    html = post_upload(
        owner_client, app, "甲.pdf", TINY_PDF, kind="expert_certificate", expert=first.pk
    ).content.decode()
    assert preselected(html, "kind") == "expert_certificate"
    assert preselected(html, "expert") == str(second.pk)

    html = post_upload(
        owner_client, app, "乙.pdf", TINY_PDF, kind="expert_certificate", expert=second.pk
    ).content.decode()
    # Nothing required is missing: further uploads are other material.
    assert preselected(html, "kind") == "other" and preselected(html, "expert") == ""


def test_block_says_which_experts_still_lack_a_certificate(owner_client, app):
    done = ExpertFactory(application=app, name="甲专家", position=0, with_certificate=True)
    ExpertFactory(application=app, name="乙专家", position=1)
    ExpertFactory(application=app, name="", position=2)
    html = owner_client.get(reverse("applications:edit", args=[app.pk])).content.decode()

    lacking = re.search(r'data-testid="experts-without-certificate">(.*?)</div>', html).group(1)
    assert lacking == "尚未上传证书的专家：乙专家、第3位专家"
    # In the list of experts the finished ones say so; those left to do keep their name.
    assert f'<option value="{done.pk}">甲专家（已上传证书）</option>' in html
    assert ">乙专家</option>" in html
    assert f'data-certified-experts="{done.pk}"' in html


def test_refused_upload_keeps_the_marks_of_finished_experts(owner_client, app):
    done = ExpertFactory(application=app, name="甲专家", position=0, with_certificate=True)
    html = post_upload(owner_client, app, "空.pdf", b"", kind="expert_certificate").content.decode()
    assert 'data-testid="attachments-error"' in html
    assert f'<option value="{done.pk}">甲专家（已上传证书）</option>' in html
    # What the user chose stays chosen.
    assert preselected(html, "kind") == "expert_certificate"


def test_submitted_application_shows_no_upload_form_to_its_owner(rf):
    app = ApplicationFactory(status=Status.SUBMITTED)
    request = rf.get(reverse("applications:detail", args=[app.pk]))
    request.user = UserFactory(organisation=app.organisation)
    assert attachments_context(request, app)["attachment_form"] is None


# --- download -------------------------------------------------------------------------------


@pytest.fixture
def stored(app):
    return AttachmentFactory(application=app, kind="licence", original_name="营业执照（副本）.pdf")


def test_anonymous_download_goes_to_login(client, stored):
    response = client.get(download_url(stored))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("who", "state", "status"),
    [
        ("other_applicant", "submitted", 404),
        ("other_city", "submitted", 404),
        # A draft is its unit's own: centres and the province do not even learn it exists.
        ("own_city", "draft", 404),
        ("province", "draft", 404),
        ("own_city", "submitted", 200),
        ("province", "submitted", 200),
        ("admin", "draft", 200),
        ("owner", "draft", 200),
    ],
)
def test_download_by_role(client, app, stored, who, state, status):
    Application.objects.filter(pk=app.pk).update(status=state)
    client.force_login(make_user(who, app))

    response = client.get(download_url(stored))

    assert response.status_code == status
    if status == 200:
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content) == TINY_PDF


def make_user(who, app):
    return {
        "owner": lambda: UserFactory(organisation=app.organisation),
        "other_applicant": lambda: UserFactory(),
        "own_city": lambda: CityStaffFactory(centre=app.organisation.centre),
        "other_city": lambda: CityStaffFactory(),
        "province": lambda: ProvinceStaffFactory(),
        "admin": lambda: AdminFactory(),
    }[who]()


def test_download_headers_keep_the_chinese_name_and_forbid_sniffing(owner_client, stored):
    response = owner_client.get(download_url(stored))

    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    # RFC 5987: UTF-8, percent-encoded, which every current browser decodes.
    assert "filename*=utf-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7" in disposition
    assert "no-store" in response["Cache-Control"]


def test_uploaded_png_downloads_as_png_with_its_bytes(owner_client, app):
    post_upload(owner_client, app, "法人证书.png", TINY_PNG)
    attachment = Attachment.objects.get()

    response = owner_client.get(download_url(attachment))

    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == TINY_PNG


def test_attachment_of_another_application_is_not_found_under_this_one(owner_client, app):
    foreign = AttachmentFactory()
    assert owner_client.get(download_url(foreign, app=app)).status_code == 404


def test_download_query_count(owner_client, stored, django_assert_num_queries):
    # Session, user, application (with its related rows), attachment.
    with django_assert_num_queries(4):
        response = owner_client.get(download_url(stored))
    assert response.status_code == 200


def test_media_files_are_not_served(owner_client, stored):
    assert owner_client.get(f"/media/{stored.file.name}").status_code == 404
    assert owner_client.get(f"/{stored.file.name}").status_code == 404


# --- who may upload and delete --------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "state", "status"),
    [
        ("other_applicant", "draft", 404),
        ("other_city", "draft", 404),
        ("own_city", "draft", 404),
        ("province", "draft", 404),
        ("own_city", "returned", 403),
        ("province", "returned", 403),
    ],
)
def test_upload_by_others_is_refused(client, app, state, private_media, who, status):
    Application.objects.filter(pk=app.pk).update(status=state)
    client.force_login(make_user(who, app))

    response = post_upload(client, app, "执照.pdf", TINY_PDF)

    assert response.status_code == status
    assert not Attachment.objects.exists()
    assert files_on_disk(private_media) == []


def test_admin_may_read_but_not_upload(client, app):
    client.force_login(AdminFactory())
    assert post_upload(client, app, "执照.pdf", TINY_PDF).status_code == 403


def test_anonymous_upload_goes_to_login(client, app):
    response = post_upload(client, app, "执照.pdf", TINY_PDF)
    assert response.status_code == 302 and not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("who", "state", "status"),
    [
        ("other_applicant", "draft", 404),
        ("other_city", "draft", 404),
        ("own_city", "draft", 404),
        ("province", "draft", 404),
        ("own_city", "returned", 403),
        ("province", "returned", 403),
    ],
)
def test_delete_by_others_is_refused(client, app, state, stored, who, status):
    Application.objects.filter(pk=app.pk).update(status=state)
    client.force_login(make_user(who, app))

    response = client.post(delete_url(stored), headers=HTMX)

    assert response.status_code == status
    assert Attachment.objects.filter(pk=stored.pk).exists()
    assert stored.file.storage.exists(stored.file.name)


def test_owner_deletes_row_and_file(owner_client, app, stored, django_capture_on_commit_callbacks):
    name = stored.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(delete_url(stored), headers=HTMX)

    assert response.status_code == 200
    assert "已删除“营业执照（副本）.pdf”" in response.content.decode()
    assert response.headers["HX-Trigger"] == "attachments-changed"
    assert not Attachment.objects.exists()
    assert not stored.file.storage.exists(name)


def test_plain_delete_redirects(owner_client, app, stored, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(delete_url(stored))
    assert response.status_code == 302
    assert response.url == reverse("applications:edit", args=[app.pk])
    assert not Attachment.objects.exists()


def test_delete_of_another_applications_attachment_is_not_found(owner_client, app):
    foreign = AttachmentFactory()
    url = reverse("applications:attachment_delete", args=[app.pk, foreign.pk])
    assert owner_client.post(url, headers=HTMX).status_code == 404
    assert Attachment.objects.filter(pk=foreign.pk).exists()


def test_delete_only_by_post(owner_client, stored):
    assert owner_client.get(delete_url(stored)).status_code == 405


# --- after submission -----------------------------------------------------------------------


@pytest.fixture
def submitted():
    # Test data: the factory may set the status directly; set_state is tested elsewhere.
    return ApplicationFactory(complete=True, status=Status.SUBMITTED)


@pytest.fixture
def submitted_owner_client(client, submitted):
    client.force_login(UserFactory(organisation=submitted.organisation))
    return client


def test_upload_after_submission_is_refused_in_the_block(
    submitted_owner_client, submitted, private_media
):
    before = set(files_on_disk(private_media))

    response = post_upload(submitted_owner_client, submitted, "补充.pdf", TINY_PDF)

    assert response.status_code == 200
    body = response.content.decode()
    assert "申报书当前状态为“已提交”，不能再上传或删除附件。" in body
    # No form is offered any more.
    assert 'name="file"' not in body
    assert Attachment.objects.filter(original_name="补充.pdf").count() == 0
    assert set(files_on_disk(private_media)) == before


def test_plain_upload_after_submission_redirects_with_the_reason(submitted_owner_client, submitted):
    response = post_upload(submitted_owner_client, submitted, "补充.pdf", TINY_PDF, htmx=False)
    assert response.status_code == 302
    (message,) = get_messages(response.wsgi_request)
    assert "不能再上传或删除附件" in str(message)
    assert not Attachment.objects.filter(original_name="补充.pdf").exists()


@pytest.mark.parametrize("status", [Status.IN_REVIEW, Status.VERIFIED, Status.SELECTED])
def test_delete_after_submission_is_refused(client, status, django_capture_on_commit_callbacks):
    app = ApplicationFactory(complete=True, status=status)
    client.force_login(UserFactory(organisation=app.organisation))
    licence = app.attachments.get(kind="licence")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete_url(licence), headers=HTMX)

    assert response.status_code == 200
    assert "不能再上传或删除附件" in response.content.decode()
    assert Attachment.objects.filter(pk=licence.pk).exists()
    assert licence.file.storage.exists(licence.file.name)


def test_returned_application_is_editable_again(client, private_media):
    app = ApplicationFactory(status=Status.RETURNED)
    client.force_login(UserFactory(organisation=app.organisation))
    post_upload(client, app, "执照.pdf", TINY_PDF)
    assert Attachment.objects.filter(application=app).count() == 1


def test_add_attachment_rechecks_the_status_under_lock(owner, private_media):
    # The page was loaded while a draft; a colleague submitted before the upload arrived.
    app = ApplicationFactory()
    stale = Application.objects.get(pk=app.pk)
    Application.objects.filter(pk=app.pk).update(status=Status.SUBMITTED)

    with pytest.raises(AttachmentsLocked, match="已提交"):
        add_attachment(
            stale,
            owner,
            SimpleUploadedFile("执照.pdf", TINY_PDF),
            kind=Attachment.Kind.LICENCE,
            certified_copy=True,
        )

    assert not Attachment.objects.exists()
    assert files_on_disk(private_media) == []
