from django.urls import path

from governance import views, views_layering, views_rituals

app_name = "governance"

urlpatterns = [
    path("", views.directive_list, name="directives"),
    path("directives/<int:pk>/", views_layering.directive_detail, name="directive"),
    path("directives/<int:pk>/field/", views_layering.directive_field, name="directive-field"),
    path("review/", views_layering.stale_queue, name="stale"),
    path("rules/", views_layering.rules, name="rules"),
    path("audit/", views_layering.audit_list, name="audit"),
    path("rituals/", views_rituals.ritual_calendar, name="rituals"),
    path(
        "rituals/occurrences/<int:pk>/",
        views_rituals.ritual_occurrence,
        name="ritual-occurrence",
    ),
]
