"""The weekly work-list mail of one user: plain text with an HTML alternative, in the
site's language (Indonesian), with the unsubscribe link in the body and in the headers."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from digest.links import absolute_url, unsubscribe_url
from digest.selectors import WorkDigest
from enrollment.selectors import LAPSING_WINDOW


def digest_message(
    *, user: User, digest: WorkDigest, week_start: dt.date
) -> EmailMultiAlternatives:
    """The mail of `digest` to `user`, not sent."""
    unsubscribe = unsubscribe_url(user)
    ctx = {
        "name": user.get_full_name() or user.get_username(),
        "digest": digest,
        "week_start": week_start,
        "window_end": digest.day + LAPSING_WINDOW,
        "work_list_url": absolute_url(reverse("enrollment:work_list")),
        "preferences_url": absolute_url(reverse("digest:preferences")),
        "unsubscribe_url": unsubscribe,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("digest/email/work_digest_subject.txt", ctx)
        text = render_to_string("digest/email/work_digest.txt", ctx)
        html = render_to_string("digest/email/work_digest.html", ctx)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),  # one line, whatever the template's layout
        body=text,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            # One click in the mail program stops the mail (RFC 8058): a POST to the link.
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message
