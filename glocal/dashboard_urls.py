from django.contrib.auth import views as auth_views
from django.urls import path

from glocal import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("org/", views.org_tree, name="org-tree"),
    path("unit/switch/", views.switch_unit, name="switch-unit"),
]

auth_urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
