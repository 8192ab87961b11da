from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import connection
from django.db.models import Min

from tracking.changes import rows_changed
from tracking.locks import lock_people
from tracking.models import Activity, ImportJob, Membership, Snapshot, Team, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    # Deleting people deletes their raw rows: hold their locks, as every writer does.
    def delete_queryset(self, request, queryset):
        _lock(*queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)

    ordering = ["email"]
    list_display = ["email", "name", "time_zone", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", "teams"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["name", "time_zone", "linkedin_url", "industry"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]})]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "leaderboard_visible"]
    list_filter = ["leaderboard_visible"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role", "joined_on"]
    list_filter = ["role", "team"]
    search_fields = ["user__email", "user__name", "team__name"]
    autocomplete_fields = ["user", "team"]


def _lock(*user_ids) -> None:
    with connection.cursor() as cursor:
        lock_people(cursor, (pk for pk in user_ids if pk is not None))


class PersonLockedForm(forms.ModelForm):
    """Takes the person's lock before the form checks that their day (or period)
    is still free: an import of the same day that commits meanwhile then shows
    as the form's "already exists" error, not as a failed save."""

    def clean(self):
        cleaned = super().clean()
        person = cleaned.get("user")
        _lock(person.pk if person else None, self.instance.user_id if self.instance.pk else None)
        return cleaned


class PersonLocked(admin.ModelAdmin):
    """Writes a person's raw rows as every writer does: holding that person's
    advisory lock (``tracking.locks.lock_people``) until commit, so an edit and an import
    of the same person take turns. The admin's views run in one transaction,
    which the form's lock (taken while it validates) lasts until."""

    form = PersonLockedForm

    def save_model(self, request, obj, form, change):
        before = type(obj).objects.filter(pk=obj.pk).values_list("user_id", flat=True).first() if change else None
        _lock(obj.user_id, before)
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        _lock(obj.user_id)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        _lock(*queryset.order_by().values_list("user_id", flat=True).distinct())
        super().delete_queryset(request, queryset)


@admin.register(Snapshot)
class SnapshotAdmin(PersonLocked):
    list_display = ["user", "date", "ssi", "brand", "people", "insights", "relationships", "source"]
    list_filter = ["source", "date"]
    search_fields = ["user__email", "user__name"]
    date_hierarchy = "date"
    autocomplete_fields = ["user"]
    raw_id_fields = ["import_job"]

    # An edit here changes raw data like any other writer, so the derived rows
    # follow (through the outbox, after commit), from the earliest date touched.
    def save_model(self, request, obj, form, change):
        before = Snapshot.objects.filter(pk=obj.pk).values_list("user_id", "date").first() if change else None
        super().save_model(request, obj, form, change)
        stale = {obj.user_id: obj.date}
        if before:
            stale[before[0]] = min(before[1], stale.get(before[0], before[1]))
        rows_changed(stale)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        rows_changed({obj.user_id: obj.date})

    def delete_queryset(self, request, queryset):
        stale = dict(queryset.order_by().values("user_id").annotate(since=Min("date")).values_list("user_id", "since"))
        super().delete_queryset(request, queryset)
        rows_changed(stale)


@admin.register(Activity)
class ActivityAdmin(PersonLocked):
    list_display = ["user", "period_start", "period_end", "searches", "profile_views", "posts", "source"]
    list_filter = ["source", "period_start"]
    search_fields = ["user__email", "user__name"]
    date_hierarchy = "period_start"
    autocomplete_fields = ["user"]
    raw_id_fields = ["import_job"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["file_name", "format", "status", "created_by", "created_at", "rows", "created", "updated", "rejected"]
    list_filter = ["status", "format"]
    search_fields = ["file_name", "created_by__email"]
    readonly_fields = ["created_at", "finished_at"]
