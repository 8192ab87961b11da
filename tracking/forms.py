from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template.loader import render_to_string
from django.utils.text import slugify

from tracking import linkedin_text, rules, timezones
from tracking.identity import canonical_email
from tracking.models import Activity, ImportJob, Membership, NotificationPreference, Snapshot, Team, User

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


# --- imports ----------------------------------------------------------------

class UploadForm(forms.Form):
    as_of = forms.DateField(
        label="Snapshot date (optional)", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text="For a Sales Navigator usage report without a date column; by default its period's end.",
    )
    file = forms.FileField(
        label="CSV file, or LinkedIn's SSI JSON",
        help_text="Per-day files (one row per person per day) and Sales Navigator usage reports; "
                  "UTF-8, UTF-16 or Windows-1252; comma, semicolon or tab separated.",
    )

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of and as_of > self.today:
            raise forms.ValidationError("The snapshot date cannot be in the future.")
        return as_of


class OptionsForm(UploadForm):
    """The choices made on the preview page before the import runs."""

    create_users = forms.BooleanField(
        label="Create people the file names who are not here yet", required=False,
        help_text="They get no password; they set one with “Forgot password”.",
    )
    skip_invalid = forms.BooleanField(
        label="Import the valid rows and skip the rejected ones", required=False,
        help_text="Otherwise one rejected row means nothing is written.",
    )

    def __init__(self, *args, own: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["file"]
        if own:
            # A person importing their own history creates no one.
            del self.fields["create_users"]
        self.fields["as_of"].help_text = "The date of the usage report's scores when its rows carry none."

    def options(self, job: ImportJob) -> dict:
        data = self.cleaned_data
        return {
            **(job.options or {}), "as_of": data["as_of"].isoformat() if data["as_of"] else None,
            "create_users": data.get("create_users", False), "skip_invalid": data["skip_invalid"],
        }


# --- settings ---------------------------------------------------------------

class TokenForm(forms.Form):
    name = forms.CharField(max_length=80, label="Name", help_text="What will use it, e.g. “daily push from my laptop”.")
    can_write_for_anyone = forms.BooleanField(
        required=False, label="May record days for anyone (admins only: for an integration)"
    )


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["weekly_digest", "team_digest", "alerts", "daily_reminder", "reminder_time"]
        widgets = {"reminder_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}


class ProfileForm(forms.ModelForm):
    """A person's name and time zone; the zone from the list of zones this server knows."""

    time_zone = forms.ChoiceField(
        label="Time zone", choices=timezones.zone_choices,
        help_text="Your “today” is the date in this zone, and every time is shown in it.",
        error_messages={"invalid_choice": "“%(value)s” is not a time zone this server knows: "
                                          "pick one from the list, such as Europe/London."},
    )

    class Meta:
        model = User
        fields = ["name", "time_zone"]
        labels = {"name": "Name"}
        help_texts = {"name": "How your team and managers see you."}
        widgets = {"name": forms.TextInput(attrs={"autocomplete": "name"})}


# --- teams ------------------------------------------------------------------

class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "leaderboard_visible"]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not slugify(name):
            raise forms.ValidationError("Use at least one letter or digit in the name.")
        return name


class TeamNameForm(TeamForm):
    class Meta:
        model = Team
        fields = ["name"]
        labels = {"name": "New name"}


class TeamSettingsForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["leaderboard_visible"]


class AddPersonForm(forms.Form):
    email = forms.EmailField(label="Email address")
    name = forms.CharField(max_length=150, required=False, help_text="Only used when inviting someone new.")
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team

    def clean_email(self):
        email = canonical_email(self.cleaned_data["email"])
        if Membership.objects.filter(team=self.team, user__email=email).exists():
            raise forms.ValidationError(f"{email} is already in {self.team.name}.")
        return email


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)
