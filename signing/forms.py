"""Forms of the signing pages: verifying a signed PDF; registering a certificate
(a PKCS#12 file with its passphrase, or the certificate alone when the key stays
on the signer's own device), taking one out of use, and choosing the
certificate to sign with.

Passphrases and PINs are password fields that are never rendered back; the views
that receive them are marked sensitive so that error reports leave them out."""

from asn1crypto import pem, x509
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Certificate, KeyBackend


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=_("Signed PDF file"),
        help_text=_(
            "The file is checked and then forgotten: only the report is kept for "
            "this session."
        ),
        error_messages={
            "required": _("Choose the PDF file to check."),
            "empty": _("The file is empty."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )


# --- Certificates (chứng thư số) ----------------------------------------------------

HOLDER_SELF = "self"
HOLDER_ORGANISATION = "organisation"
# A PKCS#12 file or a certificate is a few kilobytes; anything this large is not one.
MAX_CERTIFICATE_FILE = 256 * 1024


def _read_small(upload, extensions: tuple[str, ...]) -> bytes:
    name = (upload.name or "").lower()
    if not name.endswith(extensions):
        raise forms.ValidationError(
            _("Choose a file ending in %(extensions)s.")
            % {"extensions": ", ".join(extensions)}
        )
    if upload.size > MAX_CERTIFICATE_FILE:
        raise forms.ValidationError(_("The file is too large for a certificate."))
    return upload.read()


def parse_certificates(data: bytes) -> list[x509.Certificate]:
    """The certificates of a PEM file (one or several) or a DER file."""
    try:
        blobs = (
            [der for _type, _headers, der in pem.unarmor(data, multiple=True)]
            if pem.detect(data)
            else [data]
        )
    except ValueError:
        blobs = [b""]
    certificates = []
    for der in blobs:
        try:
            certificate = x509.Certificate.load(der)
            certificate.native  # noqa: B018 - parses the whole structure
        except (ValueError, TypeError, EOFError):
            raise forms.ValidationError(
                _("The file is not an X.509 certificate (.cer, .crt, .pem or .der).")
            ) from None
        certificates.append(certificate)
    if not certificates:
        raise forms.ValidationError(_("The file holds no certificate."))
    return certificates


class HolderForm(forms.Form):
    """The holder choice, offered only to whom may register the organisation's
    seal certificate (its văn thư or an administrator)."""

    holder = forms.ChoiceField(label=_("Certificate of"), initial=HOLDER_SELF)

    def __init__(self, *args, organisation=None, may_register_seal=False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(HOLDER_SELF, _("Myself (personal signing certificate)"))]
        if may_register_seal and organisation is not None:
            choices.append(
                (
                    HOLDER_ORGANISATION,
                    _("%(organisation)s (the organisation's seal)")
                    % {"organisation": organisation.name},
                )
            )
        self.fields["holder"].choices = choices
        if len(choices) == 1:
            self.fields["holder"].widget = forms.HiddenInput()


class Pkcs12RegisterForm(HolderForm):
    file = forms.FileField(
        label=_("Key file (.p12 or .pfx)"),
        help_text=_(
            "The file the certification authority gave you, holding the key "
            "and the certificate."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".p12,.pfx"}),
    )
    passphrase = forms.CharField(
        label=_("Passphrase of the file"),
        help_text=_("Used once to check the file; Vanthu never stores it."),
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )

    def clean_file(self) -> bytes:
        return _read_small(self.cleaned_data["file"], (".p12", ".pfx"))


class RemoteRegisterForm(HolderForm):
    certificate = forms.FileField(
        label=_("Certificate (.cer, .crt, .pem or .der)"),
        help_text=_(
            "Only the certificate: its key stays on your USB token or with the "
            "remote-signing service. A PEM file may hold the issuing "
            "certificates after it."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".cer,.crt,.pem,.der"}),
    )
    chain = forms.FileField(
        label=_("Issuing certificates (optional)"),
        required=False,
        help_text=_("The certificate of the issuing CA, if not in the file above."),
        widget=forms.ClearableFileInput(attrs={"accept": ".cer,.crt,.pem,.der"}),
    )

    EXTENSIONS = (".cer", ".crt", ".pem", ".der")

    def clean_certificate(self) -> list[x509.Certificate]:
        return parse_certificates(
            _read_small(self.cleaned_data["certificate"], self.EXTENSIONS)
        )

    def clean_chain(self) -> list[x509.Certificate]:
        upload = self.cleaned_data.get("chain")
        if not upload:
            return []
        return parse_certificates(_read_small(upload, self.EXTENSIONS))

    def certificate_and_chain(self) -> tuple[bytes, list[bytes]]:
        leaf, *rest = self.cleaned_data["certificate"]
        return leaf.dump(), [c.dump() for c in rest + self.cleaned_data["chain"]]


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("For example: replaced by a new certificate, token lost."),
    )


class CertificateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Certificate) -> str:
        return _("%(name)s, valid until %(until)s (serial %(serial)s)") % {
            "name": obj.common_name,
            "serial": obj.serial,
            "until": obj.not_after.strftime("%d/%m/%Y"),
        }


class SignForm(forms.Form):
    """Sign with one of the person's certificates whose key Vanthu opens (a
    PKCS#12 file with its passphrase, a PKCS#11 token with its PIN)."""

    certificate = CertificateChoiceField(
        label=_("Certificate"), queryset=Certificate.objects.none(), empty_label=None
    )
    secret = forms.CharField(
        label=_("Passphrase or PIN"),
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, certificates, prefix_id: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["certificate"].queryset = certificates.exclude(
            key_backend=KeyBackend.REMOTE
        )
        if prefix_id:
            self.auto_id = f"{prefix_id}_%s"
