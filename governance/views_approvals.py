"""Dashboard: approvals inbox, request page, consultations and notifications.

Every lookup goes through ``restrict``: out of scope is a 404, visible but not yours to
decide is a 403. Refusals from the services come back as messages on the page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from governance import approvals, notify
from governance.api.approvals import ApprovalRequestFilterSet, explicit_unit
from governance.forms_approvals import AnswerForm, CommentForm, DecisionForm, PublishDirectiveForm
from governance.models import ApprovalRequest, Consultation, Notification
from governance.publishing import publish_directive

REQUEST_RELATED = ("owner_unit", "scope", "requesting_unit", "requested_by", "decided_by")


def _requests(user, action: str = "view"):
    return ApprovalRequest.objects.restrict(user, action).select_related(*REQUEST_RELATED)


def _redirect(url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(url, status=303)


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for problems in exc.message_dict.values():
        for problem in problems:
            messages.error(request, problem)


def _attempt(request: HttpRequest, service: Callable[[], object], success: str) -> bool:
    try:
        service()
    except ValidationError as exc:
        _errors(request, exc)
        return False
    messages.success(request, success)
    return True


@login_required
def approvals_inbox(request: HttpRequest) -> HttpResponse:
    """To decide, to answer, my requests, and the history of what I may see."""
    user = request.user
    now = timezone.now()
    to_decide = (
        _requests(user, "approve")
        .pending()
        .prefetch_related("consultations__owner_unit")
        .order_by("expires_at")
    )
    to_answer = (
        Consultation.objects.restrict(user, "answer")
        .filter(answered_at__isnull=True, request__status="pending", due_at__gt=now)
        .select_related("owner_unit", "request__requesting_unit", "request__requested_by")
    )
    mine = _requests(user).filter(requested_by_id=user.pk)[:20]
    history = ApprovalRequestFilterSet(
        request.GET, queryset=_requests(user).exclude(status=ApprovalRequest.Status.PENDING)
    )
    page = Paginator(history.qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "governance/approvals_inbox.html",
        {
            "to_decide": to_decide,
            "to_answer": to_answer,
            "mine": mine,
            "filter": history,
            "page": page,
            "decision_form": DecisionForm(),
            "answer_form": AnswerForm(),
            "publish_form": PublishDirectiveForm(user=user),
            "subnav": "approvals",
        },
    )


@login_required
def approval_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One request with its consultations, decision and history."""
    approval = get_object_or_404(
        _requests(request.user).prefetch_related(
            "consultations__owner_unit", "consultations__answered_by"
        ),
        pk=pk,
    )
    may_decide = (
        approval.is_pending and _requests(request.user, "approve").filter(pk=approval.pk).exists()
    )
    may_withdraw = (
        approval.status in (ApprovalRequest.Status.PENDING, ApprovalRequest.Status.APPROVED)
        and _requests(request.user, "withdraw").filter(pk=approval.pk).exists()
    )
    answerable = set(
        Consultation.objects.restrict(request.user, "answer")
        .filter(request=approval, answered_at__isnull=True)
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "governance/approvals_detail.html",
        {
            "approval": approval,
            "may_decide": may_decide,
            "may_withdraw": may_withdraw,
            "answerable": answerable if approval.is_pending else set(),
            "decision_form": DecisionForm(),
            "comment_form": CommentForm(),
            "answer_form": AnswerForm(),
            "subnav": "approvals",
        },
    )


def _detail_url(approval: ApprovalRequest) -> str:
    return reverse("governance:approval-detail", args=[approval.pk])


@login_required
@require_POST
def approval_decide(request: HttpRequest, pk: int) -> HttpResponse:
    approval = get_object_or_404(_requests(request.user), pk=pk)
    if not _requests(request.user, "approve").filter(pk=pk).exists():
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to approve or to reject."))
        return _redirect(_detail_url(approval))
    approve = form.cleaned_data["decision"] == "approve"
    _attempt(
        request,
        lambda: approvals.decide(
            approval, request.user, approve=approve, comment=form.cleaned_data["comment"]
        ),
        _("Approved: the action was carried out.") if approve else _("Rejected."),
    )
    if request.POST.get("back") == "inbox":
        return _redirect(reverse("governance:approvals"))
    return _redirect(_detail_url(approval))


@login_required
@require_POST
def approval_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    approval = get_object_or_404(_requests(request.user), pk=pk)
    if not _requests(request.user, "withdraw").filter(pk=pk).exists():
        raise PermissionDenied
    form = CommentForm(request.POST)
    form.is_valid()
    _attempt(
        request,
        lambda: approvals.withdraw(
            approval, request.user, comment=form.cleaned_data.get("comment", "")
        ),
        _("Withdrawn."),
    )
    return _redirect(_detail_url(approval))


@login_required
@require_POST
def request_publication(request: HttpRequest) -> HttpResponse:
    """Ask to publish a draft directive (or publish it, when you are accountable)."""
    form = PublishDirectiveForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose one of your draft directives."))
        return _redirect(reverse("governance:approvals"))
    created: list[ApprovalRequest] = []

    def submit() -> None:
        created.append(
            publish_directive(
                request.user,
                form.cleaned_data["directive"],
                comment=form.cleaned_data["comment"],
                acting_unit=explicit_unit(request),
            )
        )

    try:
        done = _attempt(request, submit, _("Request recorded."))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        done = False
    if done:
        return _redirect(_detail_url(created[0]))
    return _redirect(reverse("governance:approvals"))


@login_required
@require_POST
def consultation_answer(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = get_object_or_404(Consultation.objects.restrict(request.user, "view"), pk=pk)
    if not Consultation.objects.restrict(request.user, "answer").filter(pk=pk).exists():
        raise PermissionDenied
    form = AnswerForm(request.POST)
    if form.is_valid():
        _attempt(
            request,
            lambda: approvals.answer_consultation(consultation, request.user, **form.cleaned_data),
            _("Thank you: your answer is shown to the approvers."),
        )
    else:
        messages.error(request, _("Choose an opinion."))
    return _redirect(_detail_url(consultation.request))


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    mine = (
        Notification.objects.restrict(request.user, "view")
        .filter(recipient_id=request.user.pk)
        .select_related("owner_unit")
    )
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        mine = mine.unread()
    page = Paginator(mine, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "governance/notifications_list.html",
        {"page": page, "unread_only": unread_only, "subnav": "notifications"},
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(
        Notification.objects.restrict(request.user, "change").filter(recipient_id=request.user.pk),
        pk=pk,
    )
    notify.mark_read([notification])
    if request.POST.get("open") and notification.request_id:
        return _redirect(reverse("governance:approval-detail", args=[notification.request_id]))
    return _redirect(reverse("governance:notifications"))


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    mine = Notification.objects.restrict(request.user, "change").filter(
        recipient_id=request.user.pk
    )
    count = notify.mark_read(mine)
    messages.success(
        request,
        ngettext("%(n)s notification marked as read.", "%(n)s notifications marked as read.", count)
        % {"n": count},
    )
    return _redirect(reverse("governance:notifications"))
