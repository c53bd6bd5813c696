"""A French-speaking manager sees the governance pages in French.

The catalogue itself (complete, no fuzzy entries, compiled .mo matching the .po) is checked
by tests/test_i18n.py; these tests prove the strings reach the rendered pages.
"""

from __future__ import annotations

import pytest

from governance import approvals
from governance.models import ApprovalRequest, Directive, Notification
from governance.publishing import publish_directive

# url name in governance/urls.py -> (path, French strings shown, English originals absent)
PAGES = {
    "directives": (
        "/governance/",
        ["<h1>Directives</h1>", "<th>Titre</th>", "<th>Mise à jour</th>", "Brouillon"],
        ["<th>Title</th>", "<th>Updated</th>", "Draft"],
    ),
    "stale": (
        "/governance/review/",
        [
            "<h1>Adaptations à revoir</h1>",
            "Vos adaptations dont la source a changé depuis que vous les avez adaptées.",
            "Ce qui a changé dans la source",
        ],
        ["Review queue", "Your adaptations whose source has changed", "What changed in the"],
    ),
    "rules": (
        "/governance/rules/",
        [
            "<h1>Politiques et limites</h1>",
            "<h2>Politiques de surcharge</h2>",
            "Niveau le plus bas autorisé à surcharger",
            "<h2>Limites</h2>",
        ],
        ["Policies and bounds", "Override policies", "Lowest tier allowed", "<h2>Bounds</h2>"],
    ),
    "audit": (
        "/governance/audit/",
        ["<h1>Journal d\u2019audit</h1>", "Exporter en CSV", "<th>Qui</th>", "<th>Après</th>"],
        ["Audit trail", "Export CSV", "<th>Who</th>", "<th>After</th>"],
    ),
    "raci": (
        "/governance/raci/",
        [
            "Matrice RACI de France",
            "R : responsable (réalise). A : approbateur (décide ; un seul par activité).",
            "Stratégie ABM",
            "Lancement de campagne",
            "Valeur par défaut intégrée",
            "Les équipes locales suivent la matrice de leur région et celle du niveau mondial.",
        ],
        ["RACI matrix", "R: responsible", "ABM strategy", "Campaign launch", "Built-in default"],
    ),
    "approvals": (
        "/governance/approvals/",
        [
            "<h1>Approbations</h1>",
            "<h2>À décider</h2>",
            "<h2>Mes demandes</h2>",
            "<th>Unité décisionnaire</th>",
            "Rejetée",
            "Historique",
        ],
        ["<h1>Approvals</h1>", "To decide", "My requests", "Decided by unit", "Rejected"],
    ),
    "notifications": (
        "/governance/notifications/",
        [
            "<h1>Notifications</h1>",
            "Afficher uniquement les non lues",
            "Tout marquer comme lu",
            "a été rejetée par emea-manager.",
            "Marquer comme lue",
        ],
        ["Show unread only", "Mark all as read", "was rejected by", "Mark as read"],
    ),
    "rituals": (
        "/governance/rituals/",
        [
            "<h1>Rituels de coordination</h1>",
            "Les horaires sont affichés dans le fuseau Europe/Paris.",
            "<h2>Mes actions en cours</h2>",
            "<th>Organisateur</th>",
            "<th>Récurrence</th>",
        ],
        ["Coordination rituals", "Times are shown in", "My open action items", "Organiser"],
    ),
}


@pytest.fixture
def rejected_request(tenants) -> ApprovalRequest:
    """fr-manager's publication request, rejected: a draft directive, a request in "My
    requests" and a notification to fr-manager."""
    draft = Directive.objects.create(owner_unit=tenants.unit("fr"), title="Q1 shortlist")
    request = publish_directive(tenants.user("fr-manager"), draft)
    assert request.status == ApprovalRequest.Status.PENDING
    approvals.decide(request, tenants.user("emea-manager"), approve=False, comment="Not yet")
    assert Notification.objects.filter(
        recipient=tenants.user("fr-manager"), kind="rejected"
    ).exists()
    return request


@pytest.fixture
def manager(client, tenants, rejected_request):
    client.force_login(tenants.user("fr-manager"))
    return client


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_governance_page_is_in_french(manager, name):
    path, french, english = PAGES[name]
    response = manager.post("/i18n/setlang/", {"language": "fr", "next": path})
    assert response.status_code == 302
    response = manager.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="fr">' in page
    for text in french:
        assert text in page, f"{path}: {text!r} missing"
    for text in english:
        assert text not in page, f"{path}: English {text!r} still shown"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_english_originals_are_shown_by_default(manager, name):
    """The strings asserted absent in French are really on the English page."""
    path, _, english = PAGES[name]
    page = manager.get(path).content.decode()
    assert '<html lang="en">' in page
    assert [text for text in english if text not in page] == []
