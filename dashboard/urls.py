from django.urls import path

from . import views

urlpatterns = [
    path("", views.overview, name="home"),
    path("interdependencies/", views.interdependencies, name="interdependencies"),
    path("interdependencies/network.json", views.network_json, name="network_json"),
    path("impact/", views.impact, name="impact"),
]
