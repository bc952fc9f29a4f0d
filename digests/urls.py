from django.urls import path

from . import views

urlpatterns = [
    # Digest emails: settings, one-click unsubscribe from a signed link, the secretariat's preview.
    path("subscriptions/", views.subscription_settings, name="subscription_settings"),
    path("subscriptions/preview/", views.digest_preview, name="digest_preview"),
    path("subscriptions/preview/email.html", views.digest_preview_html, name="digest_preview_html"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
