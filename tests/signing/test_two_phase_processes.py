"""Two-phase signing across three separate Python processes: one prepares (the
server: placeholder written, state persisted, only the hash handed out), another
signs the hash with the private key (the signer's device, no Vanthu code), a third
finishes (the server again, from the persisted state alone)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from directory.models import Organisation
from directory.services import organisation_create, person_create
from signing.models import PendingSignature
from signing.services import certificate_register_remote
from signing.validation import validate_pdf
from tests.signing.conftest import LEADER, PASSPHRASE, label_of, pdfsig

ROOT = Path(__file__).resolve().parents[2]


def _run(env, *args) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "tests.signing.two_phase_steps", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_prepare_sign_finish_in_three_processes(
    demo_pki, pki_server, draft_pdf, settings, tmp_path
):
    subject = demo_pki.subject_of(label_of(LEADER))
    org = organisation_create(
        code=subject.organisation_code,
        name=subject.organisation_name,
        short_name="STC",
        kind=Organisation.Kind.DEPARTMENT,
        place_name="Lạc Hồng",
        is_demo=True,
        actor=None,
    )
    leader = person_create(
        username=LEADER, full_name=subject.common_name, organisation=org, actor=None
    )
    row = certificate_register_remote(
        certificate_der=demo_pki.cert(label_of(LEADER)).dump(),
        chain_der=[demo_pki.issuing_ca_cert.dump()],
        person=leader,
        actor=None,
    )
    pdf = tmp_path / "draft.pdf"
    pdf.write_bytes(draft_pdf)
    p12 = tmp_path / "device.p12"
    p12.write_bytes(demo_pki.pkcs12(label_of(LEADER), PASSPHRASE.encode()))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vanthu.settings.test",
        "VANTHU_TEST_DB_NAME": connection.settings_dict["NAME"],
        "VANTHU_BLOB_ROOT": settings.VANTHU_BLOBSTORE["OPTIONS"]["root"],
        "VANTHU_PKI_DIR": str(demo_pki.directory),
        "VANTHU_DEMO_PKI_URL": pki_server.base_url,
    }

    prepared = json.loads(_run(env, "prepare", str(row.pk), str(pdf)))
    pending = PendingSignature.objects.get(token=prepared["token"])
    assert pending.status == PendingSignature.Status.PENDING
    assert pending.hash_to_sign == prepared["hash"]

    device_env = {k: v for k, v in env.items() if not k.startswith("VANTHU_")}
    device_env.pop("DJANGO_SETTINGS_MODULE")
    value = _run(device_env, "device", str(p12), PASSPHRASE, prepared["hash"])

    out = tmp_path / "signed.pdf"
    _run(env, "finish", prepared["token"], value, str(out))
    pending.refresh_from_db()
    assert pending.status == PendingSignature.Status.COMPLETED
    signed = out.read_bytes()
    assert "Signature is Valid" in pdfsig(signed)
    (report,) = validate_pdf(signed).signatures
    assert report.ok and report.certified and report.timestamp_ok
    assert report.signer_name == subject.common_name
