from django.urls import path

from . import views

app_name = "initiatives"

urlpatterns = [
    path("", views.initiative_list, name="list"),
    path("export.csv", views.initiative_export_csv, name="export_csv"),
    path("export.xlsx", views.initiative_export_xlsx, name="export_xlsx"),
    path("<int:pk>/", views.initiative_detail, name="detail"),
]
