from django.urls import path

from . import views as subscription_views

urlpatterns = [
    # Summary emails: settings, one-click unsubscribe from a signed link, the secretariat's preview.
    path("subscriptions/", subscription_views.subscription_settings, name="subscription_settings"),
    path("unsubscribe/<str:token>/", subscription_views.unsubscribe, name="unsubscribe"),
    path("summaries/preview/", subscription_views.summary_preview, name="summary_preview"),
    path("summaries/preview/email.html", subscription_views.summary_preview_html, name="summary_preview_html"),
]
