from django.urls import path

from governance import (
    views,
    views_approvals,
    views_bounds,
    views_layering,
    views_raci,
    views_rituals,
)

app_name = "governance"

urlpatterns = [
    path("", views.directive_list, name="directives"),
    # RACI, approvals, consultations, notifications
    path("raci/", views_raci.raci_matrix, name="raci"),
    path("approvals/", views_approvals.approvals_inbox, name="approvals"),
    path("approvals/publish/", views_approvals.request_publication, name="request-publication"),
    path("approvals/<int:pk>/", views_approvals.approval_detail, name="approval-detail"),
    path("approvals/<int:pk>/decide/", views_approvals.approval_decide, name="approval-decide"),
    path(
        "approvals/<int:pk>/withdraw/", views_approvals.approval_withdraw, name="approval-withdraw"
    ),
    path(
        "consultations/<int:pk>/answer/",
        views_approvals.consultation_answer,
        name="consultation-answer",
    ),
    path("notifications/", views_approvals.notification_list, name="notifications"),
    path(
        "notifications/<int:pk>/read/",
        views_approvals.notification_read,
        name="notification-read",
    ),
    path(
        "notifications/read-all/",
        views_approvals.notifications_read_all,
        name="notifications-read-all",
    ),
    path("directives/<int:pk>/", views_layering.directive_detail, name="directive"),
    path("directives/<int:pk>/field/", views_layering.directive_field, name="directive-field"),
    path("review/", views_layering.stale_queue, name="stale"),
    path("rules/", views_layering.rules, name="rules"),
    path("rules/bounds/", views_bounds.bound_set, name="bound-set"),
    path("rules/bounds/<int:pk>/delete/", views_bounds.bound_delete, name="bound-delete"),
    path("audit/", views_layering.audit_list, name="audit"),
    path("rituals/", views_rituals.ritual_calendar, name="rituals"),
    path(
        "rituals/occurrences/<int:pk>/",
        views_rituals.ritual_occurrence,
        name="ritual-occurrence",
    ),
]
