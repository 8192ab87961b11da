"""Goal and note forms on the personal dashboard."""

from __future__ import annotations

from django import forms

from scoring.models import Annotation, Goal


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["target_ssi", "target_brand", "target_people", "target_insights", "target_relationships",
                  "target_date"]
        widgets = {"target_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["target_ssi"].min_value = 0
        for name, high in (("target_ssi", 100), *((f"target_{p}", 25) for p in
                                                   ("brand", "people", "insights", "relationships"))):
            self.fields[name].widget.attrs.update({"min": 0, "max": high, "step": "any"})

    def clean(self):
        cleaned = super().clean()
        ssi = cleaned.get("target_ssi")
        if ssi is not None and not 0 <= ssi <= 100:
            self.add_error("target_ssi", "Target SSI must be between 0 and 100.")
        for p in ("brand", "people", "insights", "relationships"):
            value = cleaned.get(f"target_{p}")
            if value is not None and not 0 <= value <= 25:
                self.add_error(f"target_{p}", "A pillar target must be between 0 and 25.")
        date = cleaned.get("target_date")
        if date is not None and self.today is not None and date <= self.today:
            self.add_error("target_date", "Pick a date after today.")
        return cleaned


class AnnotationForm(forms.ModelForm):
    class Meta:
        model = Annotation
        fields = ["date", "note"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}
        labels = {"note": "What happened"}

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_date(self):
        date = self.cleaned_data["date"]
        if self.today is not None and date > self.today:
            raise forms.ValidationError("A note marks a day that has happened: pick today or earlier.")
        return date

    def clean_note(self):
        note = self.cleaned_data["note"].strip()
        if not note:
            raise forms.ValidationError("Write a few words about the day.")
        return note
