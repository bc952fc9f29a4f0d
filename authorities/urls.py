from django.urls import path

from . import views

app_name = "authorities"

urlpatterns = [
    path("", views.authority_list, name="list"),
    path("<int:pk>/", views.authority_detail, name="detail"),
]
