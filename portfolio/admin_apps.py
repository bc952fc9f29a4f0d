"""The admin's app config, apart from admin_site.py because INSTALLED_APPS imports it before models load."""

from django.contrib.admin.apps import AdminConfig


class PortfolioAdminConfig(AdminConfig):
    default_site = "portfolio.admin_site.PortfolioAdminSite"
