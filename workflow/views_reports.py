"""The processing reports (Phụ lục VI) with their PDF and XLSX exports, and the
leaders' dashboard of late items. Thin views over workflow.reports, which decides
who sees what (PermissionDenied → 403)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .reports import (
    dashboard,
    dashboard_scope,
    period_from_query,
    processing_report,
    report_charts,
    report_filename,
    report_pdf,
    report_scope,
    report_xlsx,
)


def _report(request):
    scope = report_scope(user=request.user)
    form, period = period_from_query(request.GET)
    report = (
        processing_report(scope=scope, period=period, at=timezone.now())
        if period
        else None
    )
    return scope, form, report


@login_required
def report_page(request):
    scope, form, report = _report(request)
    query = request.GET.urlencode() if report else ""
    return render(
        request,
        "workflow/reports/page.html",
        {
            "scope": scope,
            "form": form,
            "report": report,
            "charts": report_charts(report) if report else [],
            "export_query": query,
        },
        status=200 if report or not form.is_bound else 400,
    )


def _download(report, content: bytes, extension: str, content_type: str):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{report_filename(report, extension)}"'
    )
    return response


@login_required
def report_export(request, extension: str):
    scope, form, report = _report(request)
    if report is None:
        return render(
            request,
            "workflow/reports/page.html",
            {"scope": scope, "form": form, "report": None, "charts": []},
            status=400,
        )
    if extension == "pdf":
        return _download(report, report_pdf(report), "pdf", "application/pdf")
    return _download(
        report,
        report_xlsx(report),
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
def dashboard_page(request):
    scope = dashboard_scope(user=request.user)
    board = dashboard(scope=scope, at=timezone.now())
    return render(request, "workflow/reports/dashboard.html", {"board": board})
