from django.urls import path

from accounts import views_dedup, views_handoffs

app_name = "accounts"

urlpatterns: list = [
    path("duplicates/", views_dedup.duplicate_review, name="duplicates"),
    path("duplicates/<int:pk>/merge/", views_dedup.duplicate_merge, name="duplicate-merge"),
    path("duplicates/<int:pk>/dismiss/", views_dedup.duplicate_dismiss, name="duplicate-dismiss"),
    path("families/", views_dedup.family_overview, name="families"),
    path("handoffs/", views_handoffs.handoff_inbox, name="handoffs"),
    path("handoffs/<int:pk>/decide/", views_handoffs.handoff_decide, name="handoff-decide"),
]
