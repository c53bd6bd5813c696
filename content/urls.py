from django.urls import path

from content import views, views_actions, views_preview, views_review

app_name = "content"

urlpatterns: list = [
    path("", views.asset_library, name="library"),
    path("review/", views_review.review_queue, name="review"),
    path("<int:pk>/", views.asset_detail, name="asset"),
    path("<int:pk>/edit/", views_actions.asset_edit, name="edit"),
    path("<int:pk>/field/", views_actions.asset_field, name="field"),
    path("<int:pk>/derive/", views_actions.asset_derive, name="derive"),
    path("<int:pk>/status/", views_actions.asset_status, name="status"),
    path("<int:pk>/diff/", views_review.asset_diff, name="diff"),
    path("<int:pk>/preview/", views_preview.asset_preview, name="preview"),
]
