"""Amounts in templates: `amount` (1.500.000,50), `kroner` (with the currency), `millions` (for key
figures); the `signed_` forms write + for an overspend and − for an underspend."""

from functools import partial

from django import template

from common import amounts

register = template.Library()

register.filter("amount", amounts.amount)
register.filter("kroner", amounts.kroner)
register.filter("millions", amounts.millions)
register.filter("signed_amount", partial(amounts.amount, signed=True))
register.filter("signed_kroner", partial(amounts.kroner, signed=True))
register.filter("signed_millions", partial(amounts.millions, signed=True))
