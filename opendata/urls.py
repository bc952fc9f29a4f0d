from django.urls import path

from . import views

app_name = "opendata"

urlpatterns = [
    path("", views.index, name="index"),
    path("catalog.ttl", views.catalog, name="catalog"),
    path("<slug:name>.csv", views.dataset_csv, name="csv"),
    path("<slug:name>.json", views.dataset_json, name="json"),
]
