from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template.loader import render_to_string

from tracking import linkedin_text, rules
from tracking.identity import canonical_email
from tracking.models import Activity, Snapshot, User

_NUMBER = {"inputmode": "decimal", "autocomplete": "off"}


def _decimal_field(field: str, required=False, max_value=None) -> forms.CharField:
    # Char, not Decimal: the rules module parses numbers, so the form says the
    # same sentence as the importer and the API ("… must be between 0 and 25").
    return forms.CharField(label=rules.LABELS[field], required=required, widget=forms.TextInput(attrs=_NUMBER))


class EntryForm(forms.Form):
    """One day's SSI, its pillars and ranks, and the day's activity counts."""

    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    ssi = forms.CharField(
        label="SSI", required=False, widget=forms.TextInput(attrs=_NUMBER),
        help_text="Leave blank to use the sum of the four pillars.",
    )
    brand = _decimal_field("brand")
    people = _decimal_field("people")
    insights = _decimal_field("insights")
    relationships = _decimal_field("relationships")
    industry_rank = forms.CharField(label="Industry rank (top %)", required=False,
                                    widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    network_rank = forms.CharField(label="Network rank (top %)", required=False,
                                   widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    industry_avg = _decimal_field("industry_avg")
    network_avg = _decimal_field("network_avg")

    SCORE_FIELDS = ("ssi", *rules.PILLARS, "industry_rank", "network_rank", "industry_avg", "network_avg")

    def __init__(self, *args, user: User, last: dict | None = None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        # The previous day's figures ride along on each input, so entry.js can
        # highlight what changed since then.
        for name, value in (last or {}).items():
            if name in self.SCORE_FIELDS:
                self.fields[name].widget.attrs["data-last"] = value
        for name, label in rules.ACTIVITY_COUNTS:
            self.fields[name] = forms.IntegerField(
                label=label, required=False, min_value=0, max_value=2_147_483_647,
                widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            )
            self.fields[name].error_messages["min_value"] = f"{label} cannot be negative."
        self.fields["date"].widget.attrs["max"] = user.today().isoformat()
        self.fields["date"].widget.attrs["min"] = rules.FIRST_DATE.isoformat()

    @classmethod
    def initial_for(cls, user: User, date) -> dict:
        """Initial values for ``date``: that day's entry when there is one,
        otherwise the scores of the latest day before it (SSI moves slowly, so
        logging a day is mostly confirming and changing a figure or two).
        Activity counts are never carried over: they belong to their day."""
        initial: dict = {"date": date}
        snapshot = Snapshot.objects.filter(user=user, date=date).first()
        if snapshot:
            initial.update(cls.score_values(snapshot))
        elif previous := cls.previous_snapshot(user, date):
            initial.update(cls.score_values(previous))
            if previous.has_pillars:
                # A carried-over total would contradict the pillars as soon as one
                # of them changes; left blank, it is their sum.
                initial["ssi"] = ""
        activity = Activity.objects.filter(user=user, period_start=date, period_end=date).first()
        if activity:
            initial.update({name: getattr(activity, name) for name in rules.ACTIVITY_FIELDS})
        return initial

    @staticmethod
    def previous_snapshot(user: User, date) -> Snapshot | None:
        return Snapshot.objects.filter(user=user, date__lt=date).order_by("-date").first()

    @classmethod
    def score_values(cls, snapshot: Snapshot) -> dict[str, str]:
        return {name: rules.plain(getattr(snapshot, name)) for name in cls.SCORE_FIELDS}

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > self.user.today():
            raise forms.ValidationError("The date cannot be in the future.")
        try:
            return rules.check_date("date", date)
        except rules.RuleError as error:
            raise forms.ValidationError(error.message) from None

    def clean_industry_rank(self):
        return _rank(self.cleaned_data["industry_rank"])

    def clean_network_rank(self):
        return _rank(self.cleaned_data["network_rank"])

    def clean(self):
        data = super().clean()
        scores, errors = rules.validate_scores(**{f: data.get(f) for f in self.SCORE_FIELDS if f not in self.errors})
        for error in errors:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        data["scores"] = scores
        data["counts"] = {name: data.get(name) for name in rules.ACTIVITY_FIELDS}
        return data


def _rank(value: str):
    """Accept "5", "5%" or "Top 5%", as LinkedIn shows it."""
    text = (value or "").strip().lower().removeprefix("top").strip().removesuffix("%").strip()
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        raise forms.ValidationError("Give the rank as a whole number between 1 and 100, as in “Top 5%”.") from None


class LinkedInPasteForm(forms.Form):
    linkedin_text = forms.CharField(
        label="The text of LinkedIn's SSI page", required=False, max_length=linkedin_text.MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"}),
        help_text="On LinkedIn's SSI page, select all (Ctrl/⌘ A), copy, and paste here. "
                  "The form fills itself for you to check.",
    )


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))

    def clean_username(self):
        return canonical_email(self.cleaned_data["username"])


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, with the message rendered here and sent by a worker."""

    def clean_email(self):
        return canonical_email(self.cleaned_data["email"])

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        from tracking import mail

        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        html = render_to_string(html_email_template_name, context) if html_email_template_name else None
        mail.queue_email(subject, body, [to_email], html)
