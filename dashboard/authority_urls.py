from django.urls import path

from . import authority_views as views

app_name = "authorities"

urlpatterns = [
    path("", views.authority_list, name="list"),
    path("<int:pk>/", views.authority_detail, name="detail"),
]
