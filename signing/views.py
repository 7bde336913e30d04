"""HTTP endpoints of the signing app.

`demo_pki_service`: the demo PKI's OCSP responder, CRLs, TSA and CA certificates
over real HTTP under /demo-pki/ (signing.pki.DemoPki.respond), so that `make run`
signs B-T/B-LT and checks revocation without the internet. It answers only where
demo data is allowed and a demo PKI exists; production has no such endpoint (its
CA runs these services)."""

from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .pki import get_demo_pki


@csrf_exempt
@require_http_methods(["GET", "POST"])
def demo_pki_service(request, path: str):
    pki = get_demo_pki()
    if pki is None:
        raise Http404
    status, content_type, body = pki.respond(request.method, "/" + path, request.body)
    if status == 404:
        raise Http404
    return HttpResponse(body, status=status, content_type=content_type)
