from django.urls import path

from accounts import views_dedup

app_name = "accounts"

urlpatterns: list = [
    path("duplicates/", views_dedup.duplicate_review, name="duplicates"),
    path("duplicates/<int:pk>/merge/", views_dedup.duplicate_merge, name="duplicate-merge"),
    path("duplicates/<int:pk>/dismiss/", views_dedup.duplicate_dismiss, name="duplicate-dismiss"),
    path("families/", views_dedup.family_overview, name="families"),
]
