from django.urls import path

from . import views

# djangosaml2's names, so its own redirects find them. All answer 404 while SAML is not configured.
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="saml2_login"),
    path("acs/", views.AssertionConsumerServiceView.as_view(), name="saml2_acs"),
    path("logout/", views.LogoutInitView.as_view(), name="saml2_logout"),
    path("ls/", views.LogoutView.as_view(), name="saml2_ls"),
    path("ls/post/", views.LogoutView.as_view(), name="saml2_ls_post"),
    # The SP metadata NemLog-in is given: a stable address.
    path("metadata/", views.MetadataView.as_view(), name="saml2_metadata"),
]
