from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("", views.cycle_list, name="cycles"),
    path("compare/", views.compare, name="compare"),
    path("reports/<int:pk>/", views.report_page, name="report"),
    path("<str:code>/", views.cycle_detail, name="cycle"),
    path("<str:code>/freeze/", views.cycle_freeze, name="freeze"),
    path("<str:code>/report/", views.steering_report, name="steering_report"),
    path("<str:code>/report.pdf", views.steering_report_pdf, name="steering_report_pdf"),
    path("<str:code>/export.csv", views.cycle_export_csv, name="export_csv"),
]
