"""English pages write dates as the Danish ones do (dd.mm.yyyy, 24-hour clock): one portfolio, one way
of writing a date, whatever the language. Only how dates are shown changes; what forms accept stays
Django's English input formats, the first of which (ISO) the admin's date fields write."""

DATE_FORMAT = "d.m.Y"
SHORT_DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "d.m.Y H:i"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j. F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1  # Monday, as in Denmark
