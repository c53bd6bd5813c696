from django.urls import path

from campaigns import (
    views,
    views_budgets,
    views_builder,
    views_dead_letters,
    views_mix,
    views_playbooks,
)

app_name = "campaigns"

urlpatterns: list = [
    path("", views.campaign_list, name="list"),
    path("new/", views_builder.campaign_new, name="new"),
    path("dead-letters/", views_dead_letters.dead_letters, name="dead-letters"),
    path("dead-letters/retry/", views_dead_letters.retry_dead_letters, name="dead-letters-retry"),
    path("playbooks/", views_playbooks.playbook_list, name="playbooks"),
    path("playbooks/<int:pk>/", views_playbooks.playbook_detail, name="playbook"),
    path("mix/", views_mix.mix_editor, name="mix"),
    path("mix/set/", views_mix.mix_set, name="mix-set"),
    path("budgets/", views_budgets.budget_list, name="budgets"),
    path("budgets/<int:pk>/", views_budgets.budget_detail, name="budget"),
    path("budgets/<int:pk>/spend/", views_budgets.budget_spend, name="budget-spend"),
    path("budgets/<int:pk>/allocate/", views_budgets.budget_allocate, name="budget-allocate"),
    path("<int:pk>/", views.campaign_detail, name="campaign"),
    path("<int:pk>/edit/", views_builder.campaign_edit, name="edit"),
    path("<int:pk>/preview/", views_builder.campaign_preview, name="preview"),
    path("<int:pk>/progress.json", views.campaign_progress, name="progress"),
    path("<int:pk>/action/", views.campaign_action, name="action"),
]
