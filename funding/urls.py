from django.urls import path

from . import views

app_name = "funding"

urlpatterns = [
    path("", views.funding_totals, name="totals"),
    path("export.csv", views.funding_export_csv, name="export_csv"),
    path("export.xlsx", views.funding_export_xlsx, name="export_xlsx"),
]
