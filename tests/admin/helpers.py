"""Posting admin forms as a browser would: the values of the page as it was rendered."""

from __future__ import annotations

import datetime as dt

from django import forms


def form_data(response, **changes) -> dict:
    """What the add or change page in `response` posts when saved unchanged (main form and
    every inline, hidden fields such as the version the form was opened on included), with
    `changes` applied over it. A value of None drops the key."""
    context = response.context
    data = _values(context["adminform"].form)
    for inline in context.get("inline_admin_formsets", []):
        formset = inline.formset
        data |= _values(formset.management_form)
        for form in formset.forms:
            data |= _values(form)
    data |= changes
    return {key: value for key, value in data.items() if value is not None}


def _values(form) -> dict:
    data: dict[str, str | list[str]] = {}
    for field in form:
        value = field.value()
        widget = field.field.widget
        if isinstance(widget, forms.CheckboxInput):
            if value:
                data[field.html_name] = "on"
        elif isinstance(value, dt.date | dt.datetime | dt.time):
            data[field.html_name] = widget.format_value(value)
        elif isinstance(value, list | tuple):
            data[field.html_name] = [str(v) for v in value]
        else:
            data[field.html_name] = "" if value is None else str(value)
    return data
