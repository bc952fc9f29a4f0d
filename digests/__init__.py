"""The digest emails: what changed in a recipient's part of the portfolio, by email.

One job per module, each importing only those above it:
  subscriptions.py  who gets which digest; the signed unsubscribe links
  changes.py        what changed in the portfolio, loaded once per run
  assembly.py       one recipient's digest, assembled in memory from the changes
  rendering.py      a digest as subject, text and HTML in the recipient's language
  schedule.py       a date's digests: who is due, building and storing each once; the preview
  delivery.py       sending the stored digests, each at most once
"""
