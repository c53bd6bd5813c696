"""Dashboard CSV exports: the list page's filters, the user's scope, residency masking."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, StreamingHttpResponse

from accounts import exports
from accounts.api.filters import AccountFilterSet, ContactFilterSet
from accounts.models import Account, Contact


@login_required
def accounts_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The accounts of the list page (same filters) as CSV."""
    accounts = AccountFilterSet(
        request.GET, queryset=Account.objects.restrict(request.user, "view"), request=request
    ).qs
    return exports.csv_response(request.user, "accounts", accounts, unit=request.unit)


@login_required
def contacts_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Contacts (optionally of one account) as CSV; PIPL-zone personal data stays masked."""
    contacts = ContactFilterSet(
        request.GET, queryset=Contact.objects.restrict(request.user, "view"), request=request
    ).qs
    return exports.csv_response(request.user, "contacts", contacts, unit=request.unit)
