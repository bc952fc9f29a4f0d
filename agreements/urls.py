from django.urls import path

from . import views

app_name = "agreements"

urlpatterns = [
    path("", views.agreement_list, name="list"),
    path("<int:pk>/", views.agreement_page, name="detail"),
    path("ask/<int:dependency_pk>/", views.agreement_ask, name="ask"),
]
