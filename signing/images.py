"""The signature and seal images a visible signature is drawn with.

A person's hình ảnh chữ ký and an organisation's hình ảnh con dấu are stored in the
directory (directory.services.person_signature_image_set,
organisation_seal_image_set). Demo organisations that have none are drawn with the
demo images of signing.demo_images, marked DEMO; any other organisation must store
its own before signing: a visible signature without the real image would mislead
the reader, so signing is refused with a message that says what is missing."""

from decimal import Decimal

from django.utils.translation import gettext as _

from core.blobstore import get_blob_store
from directory.models import Organisation, User

from .demo_images import demo_seal_png, demo_signature_png
from .signers import SigningError


class StampImageMissing(SigningError):
    def default_message(self) -> str:
        return _("No signature image is stored for the signer.")


def _read(blob_id: str) -> bytes:
    with get_blob_store().open(blob_id) as stream:
        return stream.read()


def signature_image_for(person: User) -> bytes:
    """The person's signature image (PNG), the demo one in a demo organisation."""
    if person.signature_image_id:
        return _read(person.signature_image_id)
    organisation = person.organisation
    if organisation is not None and organisation.is_demo:
        return demo_signature_png(person.get_full_name())
    raise StampImageMissing(
        _(
            "No signature image is stored for %(name)s: an administrator of the "
            "organisation adds it on the person's page before they sign."
        )
        % {"name": person.get_full_name()}
    )


def seal_image_for(organisation: Organisation) -> tuple[bytes, float | None]:
    """The organisation's seal image (PNG) and its real diameter in millimetres
    (None: the PNG's own resolution gives its size); the demo seal in a demo
    organisation."""
    if organisation.seal_image_id:
        size = organisation.seal_size_mm
        return _read(organisation.seal_image_id), (
            float(size) if isinstance(size, Decimal | int | float) else None
        )
    if organisation.is_demo:
        parent = organisation.parent.name if organisation.parent_id else ""
        return demo_seal_png(organisation.name, parent), None
    raise StampImageMissing(
        _(
            "No seal image is stored for %(name)s: an administrator of the "
            "organisation adds it on the organisation's page before it seals."
        )
        % {"name": organisation.name}
    )
