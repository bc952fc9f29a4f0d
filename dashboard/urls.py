from django.urls import include, path

from . import views

# The authority pages keep their own namespace: "authorities:list", "authorities:detail".
authority_patterns = (
    [
        path("", views.authority_list, name="list"),
        path("<int:pk>/", views.authority_detail, name="detail"),
    ],
    "authorities",
)

urlpatterns = [
    path("", views.overview, name="home"),
    path("interdependencies/", views.interdependencies, name="interdependencies"),
    path("interdependencies/network.json", views.network_json, name="network_json"),
    path("impact/", views.impact, name="impact"),
    path("authorities/", include(authority_patterns)),
]
