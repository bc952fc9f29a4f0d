"""Danish pages write dates dd.mm.yyyy everywhere (the admin's lists and history too, as the product's
own pages do); English pages write them the same way (portfolio/formats/en). Input formats stay
Django's Danish ones."""

from django.conf.locale.da.formats import *  # noqa: F403

DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "d.m.Y H:i"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
