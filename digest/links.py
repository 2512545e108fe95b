"""The links a mail carries: absolute addresses (SITE_URL), and the signed token of the
unsubscribe link, which needs no login."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

# A token signed for the unsubscribe link is good for nothing else, and the reverse.
SALT = "digest.unsubscribe"


def unsubscribe_token(user: User) -> str:
    """The token of `user`'s unsubscribe link. It does not expire: a link in a mail of last
    year still stops the mail (RFC 8058 asks for links that keep working)."""
    return signing.Signer(salt=SALT).sign(str(user.pk))


def user_for_token(token: str) -> User | None:
    """The user whose token this is, or None for a token altered, cut or of no user."""
    try:
        pk = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=int(pk)).first() if pk.isdigit() else None


def absolute_url(path: str) -> str:
    """`path` on the site as users reach it (SITE_URL)."""
    if not settings.SITE_URL:
        raise ImproperlyConfigured(
            "Set SITE_URL (e.g. https://desa.example.go.id): mails link to the site."
        )
    return f"{settings.SITE_URL}{path}"


def unsubscribe_url(user: User) -> str:
    return absolute_url(reverse("digest:unsubscribe", args=[unsubscribe_token(user)]))
