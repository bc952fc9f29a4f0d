from django.urls import path

from . import views

app_name = "risks"

urlpatterns = [
    path("", views.risk_list, name="list"),
    path("<int:pk>/", views.risk_page, name="detail"),
    path("add/<int:initiative_pk>/", views.risk_add, name="add"),
]
