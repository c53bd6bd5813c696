from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from governance.filters import DirectiveFilterSet
from governance.models import Directive


@login_required
def directive_list(request: HttpRequest) -> HttpResponse:
    """Directives of my units plus those published by the units above."""
    queryset = Directive.objects.restrict(request.user, "view").select_related("owner_unit")
    filterset = DirectiveFilterSet(request.GET, queryset=queryset)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    return render(request, "governance/directive_list.html", {"filter": filterset, "page": page})
