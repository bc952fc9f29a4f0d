from django.urls import path

from . import views

urlpatterns = [
    # The short address the Agency for Digital Government asks every public site to have.
    path("was", views.statement, name="accessibility_statement"),
]
