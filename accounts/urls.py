from django.urls import path

from accounts import views, views_dedup, views_exports, views_handoffs, views_imports

app_name = "accounts"

urlpatterns: list = [
    path("", views.account_list, name="list"),
    path("board/", views.selection_board, name="board"),
    path("export/accounts.csv", views_exports.accounts_csv, name="export-accounts"),
    path("export/contacts.csv", views_exports.contacts_csv, name="export-contacts"),
    path("<int:pk>/", views.account_detail, name="account"),
    path("<int:pk>/move/", views.account_move, name="move"),
    path("duplicates/", views_dedup.duplicate_review, name="duplicates"),
    path("duplicates/<int:pk>/merge/", views_dedup.duplicate_merge, name="duplicate-merge"),
    path("duplicates/<int:pk>/dismiss/", views_dedup.duplicate_dismiss, name="duplicate-dismiss"),
    path("families/", views_dedup.family_overview, name="families"),
    path("handoffs/", views_handoffs.handoff_inbox, name="handoffs"),
    path("handoffs/<int:pk>/decide/", views_handoffs.handoff_decide, name="handoff-decide"),
    path("imports/", views_imports.import_list, name="imports"),
    path("imports/<int:pk>/", views_imports.import_mapping, name="import-mapping"),
    path("imports/<int:pk>/progress/", views_imports.import_progress, name="import-progress"),
    path("imports/<int:pk>/status.json", views_imports.import_status, name="import-status"),
    path("imports/<int:pk>/errors.csv", views_imports.import_errors, name="import-errors"),
]
