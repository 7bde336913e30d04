"""The issuing panel of the document page and its actions: the leader's "Ký số văn
bản" (passphrase, or on his own device in two phases), acting for a leader under
a delegation, the văn thư's "Cấp số, đóng dấu và ban hành", and every refusal
shown as a Vietnamese message with nothing stored."""

import base64

import pytest
from django.urls import reverse

from core.models import AuditEntry
from directory.models import User
from documents.models import Document, FileVersion
from signing.models import PendingSignature
from signing.signers import Pkcs12Signer, sign_hash
from tests.workflow.issuing_fixtures import (  # noqa: F401 - fixtures used by name
    PASSPHRASE,
    _fresh_signer_caches,
    _signing_settings,
    approve_for_signing,
    certs,
    demo_pki,
    draft,
    file_bytes,
    label_of,
    pdfsig,
    pki_server,
    register_person_certificate,
    user,
)
from workflow import issuing

pytestmark = pytest.mark.usefixtures("demo")


def _page(client, document) -> str:
    return client.get(reverse("documents:detail", args=[document.pk])).content.decode()


def _versions(document) -> int:
    return FileVersion.objects.filter(file__document=document).count()


def _post(client, name, document, data) -> str:
    response = client.post(
        reverse(f"workflow:{name}", args=[document.pk]), data, follow=True
    )
    assert response.redirect_chain[0][0] == reverse(
        "documents:detail", args=[document.pk]
    )
    return response.content.decode()


def _post_refused(client, name, document, certificate, secret=PASSPHRASE) -> str:
    """Post the step `name` with `certificate`; checks that no file version was
    stored and returns the page it leads back to."""
    before = _versions(document)
    page = _post(
        client, name, document, {"certificate": certificate.pk, "secret": secret}
    )
    assert _versions(document) == before
    return page


def test_the_panel_shows_each_person_what_they_can_do(draft, certs, client_for):
    approve_for_signing(draft)
    leader_page = _page(client_for("lanhdao.stc"), draft)
    assert "Ký số và ban hành" in leader_page
    assert "Ký số văn bản" in leader_page and "Mật khẩu hoặc mã PIN" in leader_page
    assert certs["leader"].serial in leader_page
    assert certs["other_leader"].serial not in leader_page

    specialist_page = _page(client_for("chuyenvien.stc"), draft)
    assert "Đang chờ lãnh đạo cơ quan ký số." in specialist_page
    assert "Ký số văn bản" not in specialist_page

    clerk_page = _page(client_for("vanthu.stc"), draft)
    assert "Đang chờ lãnh đạo cơ quan ký số." in clerk_page
    assert "Cấp số, đóng dấu" in clerk_page  # the step, not a form
    assert reverse("workflow:issuing_seal", args=[draft.pk]) not in clerk_page


def test_a_leader_without_a_certificate_is_told_what_is_missing(draft, client_for):
    approve_for_signing(draft)
    page = _page(client_for("lanhdao.stc"), draft)
    assert "Bạn chưa có chứng thư số dùng được." in page
    assert reverse("signing:certificates") in page


def test_the_leader_signs_then_the_clerk_numbers_seals_and_issues(
    draft, certs, client_for, tmp_path
):
    approve_for_signing(draft)
    leader = client_for("lanhdao.stc")
    page = _post(
        leader,
        "issuing_sign",
        draft,
        {"certificate": certs["leader"].pk, "secret": PASSPHRASE},
    )
    assert "Đã ký số văn bản." in page
    assert issuing.issuing_step(document=draft) == "leader_signed"
    assert PASSPHRASE not in page

    clerk = client_for("vanthu.stc")
    page = _page(clerk, draft)
    assert reverse("workflow:issuing_seal", args=[draft.pk]) in page
    assert certs["seal"].serial in page
    page = _post(
        clerk,
        "issuing_seal",
        draft,
        {"certificate": certs["seal"].pk, "secret": PASSPHRASE},
    )
    draft.refresh_from_db()
    assert draft.state == Document.State.ISSUED
    assert f"Đã ban hành văn bản số {draft.number_notation}" in page
    assert "Đã ban hành" in page and f"Số {draft.number_notation}" in page
    assert "Tải bản PDF đã ban hành" in page
    issued = FileVersion.objects.filter(file__document=draft).latest("number")
    report = pdfsig(file_bytes(issued))
    assert report.count("Signature is Valid.") == 2


def test_a_wrong_passphrase_is_shown_and_nothing_is_stored(draft, certs, client_for):
    approve_for_signing(draft)
    page = _post_refused(
        client_for("lanhdao.stc"),
        "issuing_sign",
        draft,
        certs["leader"],
        secret="sai-mat-khau",
    )
    assert "Sai mật khẩu của tệp khóa, hoặc tệp bị hỏng." in page
    assert "sai-mat-khau" not in page
    assert issuing.issuing_step(document=draft) == "draft"


def test_another_persons_certificate_is_refused(draft, certs, client_for):
    approve_for_signing(draft)
    page = _post_refused(
        client_for("lanhdao.stc"), "issuing_sign", draft, certs["seal"]
    )
    assert "Đây không phải là chứng thư số của anh/chị có thể dùng để ký." in page


def test_a_specialist_may_not_sign(draft, certs, client_for):
    approve_for_signing(draft)
    page = _post_refused(
        client_for("chuyenvien.stc"), "issuing_sign", draft, certs["leader"]
    )
    assert "Đây không phải là chứng thư số của anh/chị có thể dùng để ký." in page
    # Nor through the service itself, whatever the certificate.
    with pytest.raises(issuing.PermissionDenied):
        issuing.document_sign_as_leader(
            document=draft,
            certificate=certs["leader"],
            secret=PASSPHRASE,
            actor=user("chuyenvien.stc"),
        )


def test_the_clerk_cannot_seal_before_the_leader_signed(draft, certs, client_for):
    page = _post_refused(client_for("vanthu.stc"), "issuing_seal", draft, certs["seal"])
    assert "Lãnh đạo chưa ký" in page
    draft.refresh_from_db()
    assert draft.state == Document.State.DRAFT and not draft.number_notation


def test_the_deputy_signs_acting_for_the_director(draft, demo_pki, client_for):
    approve_for_signing(draft)
    deputy = user("pholanhdao.stc")
    director = user("lanhdao.stc")
    certificate = register_person_certificate(demo_pki, "pholanhdao.stc")
    client = client_for("pholanhdao.stc")
    client.post(reverse("directory:acting_for_begin"), {"principal": director.pk})
    page = _page(client, draft)
    assert f"Bạn ký thay {director.get_full_name()}" in page
    page = _post(
        client,
        "issuing_sign",
        draft,
        {"certificate": certificate.pk, "secret": PASSPHRASE},
    )
    assert "Đã ký số văn bản." in page
    entry = AuditEntry.objects.get(action="document.sign_leader")
    assert entry.actor_id == deputy.pk
    assert entry.on_behalf_of_id == director.pk
    assert entry.details["certificate"] == certificate.fingerprint


def _device_key(demo_pki, username: str):
    signer = Pkcs12Signer.load(
        demo_pki.pkcs12(label_of(username), b"x"), "x", cache=False
    )
    return signer.pyhanko_signer()._key


def test_two_phase_signing_from_the_leaders_device(draft, demo_pki, client_for):
    approve_for_signing(draft)
    remote = register_person_certificate(demo_pki, "lanhdao.stc", device=True)
    client = client_for("lanhdao.stc")
    page = _page(client, draft)
    assert "Ký bằng thiết bị của tôi" in page
    assert "Mật khẩu hoặc mã PIN" not in page  # no key Vanthu opens

    response = client.post(
        reverse("workflow:issuing_sign_prepare", args=[draft.pk]),
        {"certificate": remote.pk},
    )
    pending = PendingSignature.objects.get()
    url = reverse("workflow:issuing_two_phase", args=[draft.pk, pending.token])
    assert response.url == url
    assert pending.state["context"]["document"] == draft.pk

    page = client.get(url).content.decode()
    digest = bytes.fromhex(pending.hash_to_sign)
    assert pending.hash_to_sign in page
    assert base64.b64encode(digest).decode() in page
    assert remote.common_name in page and "Ký trước" in page
    assert "js/signing-agent.js" in page and 'data-agent-url="http://' in page
    # The token is the signer's own: nobody else opens the page.
    assert client_for("vanthu.stc").get(url).status_code == 404

    before = _versions(draft)
    response = client.post(url, {"signature_b64": "khong phai base64!"})
    assert response.status_code == 400
    assert "Hãy dán giá trị chữ ký dạng base64." in response.content.decode()
    wrong = base64.b64encode(b"\x01" * 256).decode()
    response = client.post(url, {"signature_b64": wrong})
    assert response.status_code == 400
    assert "không khớp" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == PendingSignature.Status.PENDING
    assert _versions(draft) == before

    value = sign_hash(_device_key(demo_pki, "lanhdao.stc"), digest)
    response = client.post(
        url, {"signature_b64": base64.b64encode(value).decode()}, follow=True
    )
    assert response.redirect_chain[0][0] == reverse("documents:detail", args=[draft.pk])
    assert "Đã ký số văn bản bằng thiết bị của bạn." in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == PendingSignature.Status.COMPLETED
    signed = FileVersion.objects.filter(file__document=draft).latest("number")
    assert signed.facts["step"] == "leader_signed"
    assert "Signature is Valid." in pdfsig(file_bytes(signed))
    entry = AuditEntry.objects.get(action="document.sign_leader")
    assert entry.details["certificate"] == remote.fingerprint
    # Done: the page leads back to the document.
    assert client.get(url).status_code == 302


def test_a_remote_certificate_is_not_signed_with_a_passphrase(draft, demo_pki):
    approve_for_signing(draft)
    leader = user("lanhdao.stc")
    remote = register_person_certificate(demo_pki, "lanhdao.stc", device=True)
    with pytest.raises(issuing.ValidationError):
        issuing.document_sign_as_leader(
            document=draft, certificate=remote, secret="x", actor=leader
        )


def test_a_pending_signature_of_a_changed_draft_is_refused(draft, demo_pki):
    approve_for_signing(draft)
    leader = user("lanhdao.stc")
    remote = register_person_certificate(demo_pki, "lanhdao.stc", device=True)
    pending = issuing.document_sign_as_leader_prepare(
        document=draft, certificate=remote, actor=leader
    )
    value = sign_hash(
        _device_key(demo_pki, "lanhdao.stc"), bytes.fromhex(pending.hash_to_sign)
    )
    # Someone else cannot complete it, even with the right value.
    with pytest.raises(issuing.PermissionDenied):
        issuing.document_sign_as_leader_complete(
            token=pending.token,
            signature_value=value,
            actor=User.objects.get(username="pholanhdao.stc"),
        )
    # A new rendered version of the draft makes the prepared one stale.
    latest = FileVersion.objects.filter(file__document=draft).latest("number")
    latest.pk = None
    latest.number += 1
    latest.save()
    with pytest.raises(issuing.ValidationError):
        issuing.document_sign_as_leader_complete(
            token=pending.token, signature_value=value, actor=leader
        )
    pending.refresh_from_db()
    assert pending.status == PendingSignature.Status.PENDING
