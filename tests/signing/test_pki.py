"""The demo PKI: what it issues, that it is labelled demo, that it is made once and
reused byte for byte, and that its OCSP, CRLs and TSA answer over real HTTP (the
loopback server of the tests, and Django under /demo-pki/)."""

import io
import urllib.request

import pytest
from asn1crypto import crl, ocsp, tsp
from django.core.management import call_command
from django.test import Client

from signing import pki as demo
from signing.models import Certificate, KeyBackend
from tests.signing.conftest import LEADER, STC, label_of


def test_every_demo_leader_and_organisation_has_a_demo_certificate(demo_pki):
    people = demo_pki.labels(kind="person")
    orgs = demo_pki.labels(kind="organisation")
    assert label_of(LEADER) in people
    assert label_of("pholanhdao.stc") in people
    assert len(orgs) == 7
    assert not any("vanthu" in label for label in people)  # leaders only
    cert = demo_pki.cert(label_of(LEADER))
    subject = cert.subject.native
    assert subject["organization_name"] == demo.DEMO_ORGANISATION
    assert subject["organizational_unit_name"] == "Sở Tài chính tỉnh Lạc Hồng (demo)"
    assert cert.issuer == demo_pki.issuing_ca_cert.subject
    seal = demo_pki.cert(demo.subject_label("organisation", STC)).subject.native
    assert seal["common_name"] == "Sở Tài chính tỉnh Lạc Hồng (demo)"
    assert seal["organization_identifier"] == STC
    assert seal["organization_name"] == demo.DEMO_ORGANISATION
    for ca in (demo_pki.root_cert, demo_pki.issuing_ca_cert, demo_pki.tsa_cert):
        assert ca.subject.native["organization_name"] == demo.DEMO_ORGANISATION
    # RSA-2048 keys, encrypted PKCS#8 on disk.
    assert cert.public_key.bit_size == 2048
    key_file = demo_pki.directory / "keys" / f"{label_of(LEADER)}.key.pem"
    assert b"ENCRYPTED PRIVATE KEY" in key_file.read_bytes()


def test_revoked_and_expired_test_certificates(demo_pki):
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    expired = demo_pki.cert(demo_pki.expired_label())
    assert expired.not_valid_after < now
    revoked = demo_pki.cert(demo_pki.revoked_label())
    assert revoked.not_valid_after > now
    crl_data = urllib.request.urlopen(
        f"{demo_pki.base_url}/{demo.ARCH_LABEL}/crls/{demo.ISSUING_CA}/latest.crl"
    ).read()
    revoked_serials = {
        entry["user_certificate"].native
        for entry in crl.CertificateList.load(crl_data)["tbs_cert_list"][
            "revoked_certificates"
        ]
    }
    assert revoked.serial_number in revoked_serials
    assert demo_pki.cert(label_of(LEADER)).serial_number not in revoked_serials


def test_reloading_gives_the_same_certificates_and_ensure_changes_nothing(
    demo_pki, pki_server
):
    again = demo.DemoPki(demo_pki.directory)
    for label in (demo.ROOT, demo.TSA, label_of(LEADER)):
        assert again.cert(label).dump() == demo_pki.cert(label).dump()
    state = (demo_pki.directory / "state.json").read_bytes()
    subjects = [demo_pki.subject_of(label_of(LEADER))]
    ensured = demo.demo_pki_ensure(
        directory=demo_pki.directory, base_url=pki_server.base_url, subjects=subjects
    )
    assert (demo_pki.directory / "state.json").read_bytes() == state
    assert (
        ensured.cert(label_of(LEADER)).dump() == demo_pki.cert(label_of(LEADER)).dump()
    )


def test_a_new_address_issues_the_certificates_again_with_the_same_keys(tmp_path):
    subject = demo.DemoSubject(
        "person", "a.b", "Lê Văn Ân", "Sở X (demo)", "000.00.09.H99"
    )
    first = demo.demo_pki_ensure(
        directory=tmp_path,
        base_url="http://127.0.0.1:8000/demo-pki",
        subjects=[subject],
    )
    cert = first.cert(subject.label)
    second = demo.demo_pki_ensure(
        directory=tmp_path,
        base_url="http://127.0.0.1:8001/demo-pki",
        subjects=[subject],
    )
    moved = second.cert(subject.label)
    assert moved.public_key.dump() == cert.public_key.dump()
    assert moved.serial_number == cert.serial_number
    assert "8001" in str(moved.ocsp_urls) and "8000" in str(cert.ocsp_urls)
    assert second.tsa_url.startswith("http://127.0.0.1:8001/demo-pki/")


def _post(url, data, content_type):
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": content_type}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers["Content-Type"], response.read()


def test_tsa_and_ocsp_answer_over_loopback_http(demo_pki):
    import hashlib

    request = tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": hashlib.sha256(b"van ban").digest(),
            },
            "cert_req": True,
        }
    )
    ctype, body = _post(demo_pki.tsa_url, request.dump(), "application/timestamp-query")
    assert ctype == "application/timestamp-reply"
    assert tsp.TimeStampResp.load(body)["status"]["status"].native == "granted"

    from pyhanko_certvalidator.authority import CertTrustAnchor
    from pyhanko_certvalidator.fetchers.common_utils import format_ocsp_request

    revoked = demo_pki.cert(demo_pki.revoked_label())
    ocsp_request = format_ocsp_request(
        revoked,
        CertTrustAnchor(demo_pki.issuing_ca_cert).authority,
        certid_hash_algo="sha1",
        request_nonces=False,
    )
    ocsp_url = revoked.ocsp_urls[0]
    assert ocsp_url.startswith(demo_pki.base_url)
    ctype, body = _post(ocsp_url, ocsp_request.dump(), "application/ocsp-request")
    response = ocsp.OCSPResponse.load(body)
    single = response.response_data["responses"][0]
    assert single["cert_status"].name == "revoked"


def test_django_serves_the_demo_pki_under_demo_pki(demo_pki):
    client = Client()
    response = client.get(f"/demo-pki/{demo.ARCH_LABEL}/crls/{demo.ROOT}/latest.crl")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pkix-crl"
    response = client.get("/demo-pki/root.crt")
    assert response.content == demo_pki.root_pem()
    assert client.get("/demo-pki/nothing-here").status_code == 404


def test_django_serves_nothing_where_demo_data_is_off(demo_pki, settings):
    settings.VANTHU_ALLOW_DEMO = False
    assert Client().get("/demo-pki/root.crt").status_code == 404


@pytest.mark.slow
def test_demo_pki_command_registers_the_demo_certificates_once(
    demo, demo_pki, pki_server, settings, tmp_path
):
    import shutil

    settings.VANTHU_PKI_DIR = tmp_path / "pki"
    shutil.copytree(demo_pki.directory, settings.VANTHU_PKI_DIR)
    call_command("demo_pki", stdout=io.StringIO())
    rows = Certificate.objects.filter(is_demo=True, is_active=True)
    assert rows.filter(person__username=LEADER).count() == 1
    assert rows.filter(organisation__code=STC).count() == 1
    assert rows.count() == len(demo_pki.labels(kind="person")) + 7
    assert {r.key_backend for r in rows} == {KeyBackend.PKCS12}
    count = rows.count()
    call_command("demo_pki", stdout=io.StringIO())
    assert Certificate.objects.count() == count

    # Another port: issued again for the new address, the old ones put aside;
    # back to the first port: the first ones are in use again.
    first = set(rows.values_list("pk", flat=True))
    settings.VANTHU_DEMO_PKI_URL = "http://127.0.0.1:8999/demo-pki"
    call_command("demo_pki", stdout=io.StringIO())
    active = Certificate.objects.filter(is_active=True)
    assert active.count() == count and not first & set(
        active.values_list("pk", flat=True)
    )
    settings.VANTHU_DEMO_PKI_URL = pki_server.base_url
    call_command("demo_pki", stdout=io.StringIO())
    assert (
        set(Certificate.objects.filter(is_active=True).values_list("pk", flat=True))
        == first
    )
    assert Certificate.objects.count() == 2 * count


def test_demo_pki_command_is_refused_where_demo_data_is_off(settings):
    from django.core.management.base import CommandError

    settings.VANTHU_ALLOW_DEMO = False
    with pytest.raises(CommandError):
        call_command("demo_pki")
