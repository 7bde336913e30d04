"""Signature and seal images: stored as transparent PNGs through the services and
pages, refused with a Vietnamese message otherwise (nothing stored), used by the
signing stamps; demo organisations fall back to the drawn demo images."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from PIL import Image

from core.models import AuditEntry
from directory.models import Organisation, User
from directory.services import (
    organisation_create,
    organisation_seal_image_set,
    person_signature_image_set,
)
from signing.images import StampImageMissing, seal_image_for, signature_image_for

pytestmark = pytest.mark.usefixtures("demo")


def png(size=(400, 160), *, mode="RGBA", fill=(0, 0, 0, 0), ink=(20, 40, 200, 255)):
    image = Image.new(mode, size, fill if mode == "RGBA" else (255, 255, 255))
    for x in range(40, size[0] - 40):
        image.putpixel((x, size[1] // 2), ink if mode == "RGBA" else (20, 40, 200))
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(300, 300))
    return out.getvalue()


def jpeg():
    out = io.BytesIO()
    Image.new("RGB", (300, 120), (255, 255, 255)).save(out, format="JPEG")
    return out.getvalue()


def _message(exc_info) -> str:
    return " ".join(
        str(m) for messages in exc_info.value.message_dict.values() for m in messages
    )


def test_a_person_stores_their_own_signature_image_and_it_is_stamped(person):
    leader = person("lanhdao.stc")
    data = png()
    person_signature_image_set(person=leader, data=data, actor=leader)
    leader.refresh_from_db()
    assert leader.signature_image_id
    assert signature_image_for(leader) == data
    entry = AuditEntry.objects.filter(action="person.signature_image").latest("pk")
    assert entry.details["sha256"] == leader.signature_image_id
    person_signature_image_set(person=leader, data=None, actor=leader)
    leader.refresh_from_db()
    assert leader.signature_image_id is None
    # A demo person without an image signs with the drawn demo signature.
    assert signature_image_for(leader).startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "Hãy chọn một ảnh PNG."),
        (jpeg(), "Ảnh phải là tệp PNG."),
        (png(mode="RGB"), "Ảnh không có nền trong suốt"),
        (png(fill=(255, 255, 255, 255)), "Ảnh không có nền trong suốt"),
        (png(ink=(0, 0, 0, 0)), "Ảnh trống (trong suốt hoàn toàn)."),
        (png(size=(60, 40)), "Ảnh phải rộng và cao từ 100 đến 4000 điểm ảnh."),
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "không đọc được"),
        (b"\x89PNG\r\n\x1a\n" + b"0" * (2 * 1024 * 1024), "lớn hơn 2 MB"),
    ],
    ids=["empty", "jpeg", "no-alpha", "opaque", "blank", "tiny", "broken", "big"],
)
def test_a_bad_signature_image_is_refused_and_nothing_changes(person, data, expected):
    leader = person("lanhdao.stc")
    audits = AuditEntry.objects.count()
    with translation.override("vi"), pytest.raises(ValidationError) as info:
        person_signature_image_set(person=leader, data=data, actor=leader)
    assert expected in _message(info)
    leader.refresh_from_db()
    assert leader.signature_image_id is None
    assert AuditEntry.objects.count() == audits


def test_english_message_for_a_bad_image(person):
    leader = person("lanhdao.stc")
    with translation.override("en"), pytest.raises(ValidationError) as info:
        person_signature_image_set(person=leader, data=jpeg(), actor=leader)
    assert "The image must be a PNG file." in _message(info)


def test_only_the_person_or_their_administrator_sets_a_signature(person):
    leader = person("lanhdao.stc")
    with pytest.raises(PermissionDenied):
        person_signature_image_set(
            person=leader, data=png(), actor=person("chuyenvien.stc")
        )
    with pytest.raises(PermissionDenied):
        person_signature_image_set(
            person=leader, data=png(), actor=person("quantri.snv")
        )
    person_signature_image_set(person=leader, data=png(), actor=person("quantri.stc"))
    leader.refresh_from_db()
    assert leader.signature_image_id


def test_the_seal_image_is_stored_with_its_real_size(person):
    stc = Organisation.objects.get(code="000.00.02.H99")
    data = png((500, 500), ink=(220, 20, 20, 255))
    organisation_seal_image_set(
        organisation=stc, data=data, size_mm="35", actor=person("quantri.stc")
    )
    stc.refresh_from_db()
    assert seal_image_for(stc) == (data, 35.0)
    with pytest.raises(PermissionDenied):
        organisation_seal_image_set(
            organisation=stc, data=data, size_mm=35, actor=person("vanthu.stc")
        )


@pytest.mark.parametrize("size", ["10", "75", "abc", None])
def test_a_seal_size_out_of_range_is_refused(person, size):
    stc = Organisation.objects.get(code="000.00.02.H99")
    with translation.override("vi"), pytest.raises(ValidationError) as info:
        organisation_seal_image_set(
            organisation=stc, data=png((500, 500)), size_mm=size, actor=None
        )
    assert "mm" in _message(info) or "milimét" in _message(info)
    stc.refresh_from_db()
    assert stc.seal_image_id is None


def test_a_real_organisation_without_images_may_not_sign(person):
    real = organisation_create(
        code="000.00.05.H98",
        name="Sở Thử Nghiệm",
        short_name="STN",
        kind=Organisation.Kind.DEPARTMENT,
        place_name="Thử Nghiệm",
        actor=None,
    )
    someone = User.objects.create(username="x.stn", full_name="Trần Văn Bình")
    someone.organisation = real
    someone.save()
    with translation.override("vi"):
        with pytest.raises(StampImageMissing) as info:
            seal_image_for(real)
        assert "Sở Thử Nghiệm" in str(info.value)
        with pytest.raises(StampImageMissing) as info:
            signature_image_for(someone)
        assert "Trần Văn Bình" in str(info.value)


def test_signature_page_upload_and_view(client_for, person):
    client = client_for("lanhdao.stc")
    leader = person("lanhdao.stc")
    url = f"/can-bo/{leader.pk}/chu-ky/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Hình ảnh chữ ký" in page.content.decode()
    bad = client.post(url, {"signature_image": io.BytesIO(jpeg())})
    assert bad.status_code == 400
    assert "Ảnh phải là tệp PNG." in bad.content.decode()
    data = png()
    upload = io.BytesIO(data)
    upload.name = "chu-ky.png"
    done = client.post(url, {"signature_image": upload})
    assert done.status_code == 302
    image = client.get(f"/can-bo/{leader.pk}/chu-ky.png")
    assert image.status_code == 200
    assert image.content == data
    assert image["Cache-Control"] == "private, no-store"
    # Someone else's signature is not theirs to see, nor to change.
    other = person("lanhdao.snv")
    assert client.get(f"/can-bo/{other.pk}/chu-ky/").status_code == 404
    assert client.get(f"/can-bo/{other.pk}/chu-ky.png").status_code == 404


def test_seal_page_for_the_administrator_only(client_for):
    stc = Organisation.objects.get(code="000.00.02.H99")
    url = f"/quan-tri/co-quan/{stc.pk}/con-dau/"
    assert client_for("vanthu.stc").get(url).status_code in (403, 404)
    admin = client_for("quantri.stc")
    upload = io.BytesIO(png((500, 500), ink=(220, 20, 20, 255)))
    upload.name = "con-dau.png"
    bad = admin.post(url, {"seal_image": upload, "seal_size_mm": "90"})
    assert bad.status_code == 400
    assert "Con dấu có đường kính từ 20 đến 60 mm." in bad.content.decode()
    upload.seek(0)
    assert (
        admin.post(url, {"seal_image": upload, "seal_size_mm": "36"}).status_code == 302
    )
    stc.refresh_from_db()
    assert str(stc.seal_size_mm) == "36.0"
    page = admin.get(url).content.decode()
    assert "Đường kính: 36,0 mm" in page or "Đường kính: 36.0 mm" in page
    assert admin.post(url, {"remove": "1"}).status_code == 302
    stc.refresh_from_db()
    assert stc.seal_image_id is None
