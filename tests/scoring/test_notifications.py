"""Emails: weekly digests, alerts, daily reminders, preferences and unsubscribing.

Content is checked in Django's mail outbox. 8 June 2026 is a Monday.
"""

import datetime as dt
import re
import time
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from scoring import notifications, person_summary, trends
from scoring.models import Anomaly, Goal
from tests.conftest import snap
from tracking import emails
from tracking.models import NotificationLog, NotificationPreference

MONDAY_NOON_UTC = dt.datetime(2026, 6, 8, 12, 0, tzinfo=dt.UTC)  # 08:00 in New York


def prefer(user, **choices):
    NotificationPreference.objects.update_or_create(user=user, defaults=choices)


@pytest.fixture
def sales_week(sales):
    """Sasha's SSI: 40 on Mon 1 June, 42 on Sun 7 June, 43 on Mon 8 June; a goal of 50 by year end."""
    sales.time_zone = "America/New_York"
    sales.save()
    snap(sales, dt.date(2026, 6, 1), 40, pillars=[10, 10, 10, 10])
    snap(sales, dt.date(2026, 6, 7), 42, pillars=[10, 11.5, 10, 10.5])
    snap(sales, dt.date(2026, 6, 8), 43, pillars=[10, 12.5, 10, 10.5])
    trends.recompute(sales.pk, dt.date(2026, 5, 1))
    Goal.objects.create(user=sales, target_ssi=Decimal(50), target_date=dt.date(2026, 12, 31), set_by=sales)
    person_summary.refresh([sales.pk])  # as the recompute the goal asks for does
    return sales


def only_email():
    assert len(mail.outbox) == 1
    return mail.outbox[0]


@pytest.mark.django_db
def test_the_weekly_digest_tells_the_week_in_figures_from_scoring(sales_week):
    assert notifications.send_weekly_digests(MONDAY_NOON_UTC) == 1
    email = only_email()
    assert email.to == ["sales@example.com"]
    assert email.subject == "Your SSI this week: 43"
    # 7-day change: 43 against 1 June's 40. People moved most: 12.5 against 10.
    # Goal: three readings over a week are too few for a trend, so no projection; 43 of 50 is 86%.
    for line in [
        "SSI 43 on 8 June: +3 in 7 days.",
        "Biggest pillar move: Find the right people, +2.5.",
        "Goal 50 by 31 December 2026: no projection yet. 3 days logged, spanning 7 days; "
        "a trend needs at least 5 days logged spanning 3 weeks. 86% of the way.",
        "Streak: 2 days in a row logged.",
        "Days logged in the last 7: 2.",
    ]:
        assert f"- {line}" in email.body
        assert f"<li>{line}</li>" in email.alternatives[0].content


@pytest.mark.django_db
def test_every_email_has_html_and_text_and_a_one_click_unsubscribe(sales_week):
    notifications.send_weekly_digests(MONDAY_NOON_UTC)
    email = only_email()
    assert email.alternatives[0].mimetype == "text/html"
    link = re.search(r"Unsubscribe from your weekly SSI summary: (\S+)", email.body).group(1)
    assert link.startswith(settings.SITE_URL + "/unsubscribe/")
    assert email.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f'href="{link}"' in email.alternatives[0].content


@pytest.mark.django_db
def test_the_digest_goes_out_on_monday_morning_in_the_persons_own_time_zone(sales_week, peer):
    sales_week.time_zone = "America/Los_Angeles"  # 05:00 there: not yet
    sales_week.save()
    assert notifications.send_weekly_digests(MONDAY_NOON_UTC) == 0
    assert notifications.send_weekly_digests(MONDAY_NOON_UTC + dt.timedelta(hours=2)) == 1
    # Sunday evening in New York is Monday in UTC: not due.
    mail.outbox.clear()
    sales_week.time_zone = "America/New_York"
    sales_week.save()
    NotificationLog.objects.all().delete()
    assert notifications.send_weekly_digests(dt.datetime(2026, 6, 8, 2, 0, tzinfo=dt.UTC)) == 0


@pytest.mark.django_db
def test_a_second_beat_run_sends_nothing_new(sales_week):
    notifications.send_weekly_digests(MONDAY_NOON_UTC)
    notifications.send_weekly_digests(MONDAY_NOON_UTC + dt.timedelta(hours=1))
    assert len(mail.outbox) == 1
    assert NotificationLog.objects.get().key == "2026-W24"


@pytest.mark.django_db
def test_nobody_gets_a_digest_they_turned_off_or_before_their_first_log(sales_week, peer):
    prefer(sales_week, weekly_digest=False)
    assert notifications.send_weekly_digests(MONDAY_NOON_UTC) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_failed_send_is_retried_on_the_next_run(sales_week, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("SMTP down")

    with monkeypatch.context() as patch:
        patch.setattr(EmailMultiAlternatives, "send", refuse)
        assert notifications.send_weekly_digests(MONDAY_NOON_UTC) == 0
    assert not NotificationLog.objects.exists()
    assert notifications.send_weekly_digests(MONDAY_NOON_UTC) == 1


@pytest.mark.django_db
def test_the_managers_digest_lists_movers_and_members_not_reporting(sales_week, peer, manager, outsider):
    snap(outsider, dt.date(2026, 6, 8), 70)
    assert notifications.send_team_digests(MONDAY_NOON_UTC) == 1
    email = only_email()
    assert email.to == ["manager@example.com"]
    assert email.subject == "Your teams this week: East"
    assert "East (2 members)" in email.body
    assert "Rising: Sasha Sales +3" in email.body
    assert "Slipping: nobody" in email.body
    assert "Not reporting for 7 days: Pat Peer (never logged)" in email.body
    assert "Olly" not in email.body
    assert "<li>Rising: Sasha Sales +3</li>" in email.alternatives[0].content


@pytest.fixture
def drop(sales):
    return Anomaly.objects.create(user=sales, date=dt.date(2026, 6, 8), kind="ssi_drop",
                                  detail={"from": 46, "to": 43, "change": -3})


@pytest.mark.django_db
@time_machine.travel(MONDAY_NOON_UTC)
def test_an_ssi_drop_alerts_the_person_and_their_manager_once(drop, manager, other_manager):
    assert notifications.send_alerts() == 2
    by_recipient = {email.to[0]: email for email in mail.outbox}
    assert set(by_recipient) == {"sales@example.com", "manager@example.com"}
    assert by_recipient["sales@example.com"].subject == "Your SSI fell 3 points or more this week"
    assert "- You (8 June 2026): SSI fell from 46 to 43 within 7 days." in by_recipient["sales@example.com"].body
    assert by_recipient["manager@example.com"].subject == "Sasha Sales's SSI fell 3 points or more this week"
    assert "- Sasha Sales (8 June 2026): SSI fell" in by_recipient["manager@example.com"].body
    assert notifications.send_alerts() == 0
    assert len(mail.outbox) == 2


@pytest.mark.django_db
@time_machine.travel(MONDAY_NOON_UTC)
def test_an_alert_survives_its_anomaly_being_recomputed_without_a_second_email(drop, manager):
    notifications.send_alerts()
    detail = drop.detail
    drop.delete()
    Anomaly.objects.create(user_id=drop.user_id, date=drop.date, kind="ssi_drop", detail=detail)
    assert notifications.send_alerts() == 0


@pytest.mark.django_db
@time_machine.travel(MONDAY_NOON_UTC)
def test_a_member_not_reporting_alerts_only_their_managers(peer, manager):
    Anomaly.objects.create(user=peer, date=dt.date(2026, 6, 6), kind="not_reporting",
                           detail={"last_logged": "2026-05-30"})
    assert notifications.send_alerts() == 1
    email = only_email()
    assert email.to == ["manager@example.com"]
    assert email.subject == "Pat Peer has not logged SSI for 7 days"
    assert "No snapshot since 2026-05-30." in email.body


@pytest.mark.django_db
@time_machine.travel(MONDAY_NOON_UTC)
def test_old_anomalies_and_alerts_turned_off_send_nothing(sales, manager):
    Anomaly.objects.create(user=sales, date=dt.date(2026, 1, 5), kind="ssi_drop", detail={"from": 46, "to": 40})
    assert notifications.send_alerts() == 0
    Anomaly.objects.create(user=sales, date=dt.date(2026, 6, 8), kind="ssi_drop", detail={"from": 46, "to": 43})
    prefer(sales, alerts=False)
    prefer(manager, alerts=False)
    assert notifications.send_alerts() == 0
    assert mail.outbox == []


@pytest.fixture
def reminded(sales):
    sales.time_zone = "America/New_York"
    sales.save()
    prefer(sales, daily_reminder=True, reminder_time=dt.time(17, 0))
    return sales


def at_utc(hour, minute=0, day=9):
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_the_reminder_comes_at_the_chosen_local_time_once(reminded):
    assert notifications.send_daily_reminders(at_utc(20, 59)) == 0  # 16:59 in New York
    assert notifications.send_daily_reminders(at_utc(21, 0)) == 1  # 17:00
    assert notifications.send_daily_reminders(at_utc(21, 15)) == 0
    email = only_email()
    assert email.subject == "Log today's SSI"
    assert "You have not logged your SSI for Tuesday 9 June yet." in email.body
    assert NotificationLog.objects.get().key == "2026-06-09"


@pytest.mark.django_db
def test_no_reminder_once_the_day_is_logged_or_long_after_its_time(reminded):
    assert notifications.send_daily_reminders(at_utc(23, 30)) == 0  # 19:30: two hours late is too late
    snap(reminded, dt.date(2026, 6, 10), 40)
    assert notifications.send_daily_reminders(at_utc(21, 5, day=10)) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_reminders_are_off_unless_chosen(sales):
    assert notifications.send_daily_reminders(at_utc(21, 0)) == 0


@pytest.mark.django_db
def test_the_unsubscribe_link_asks_first_and_needs_no_login(client, sales):
    token = emails.unsubscribe_token(sales, "weekly_digest")
    response = client.get(f"/unsubscribe/{token}/")
    assert "Stop sending your weekly SSI summary to sales@example.com?" in response.content.decode()
    assert emails.preferences(sales).weekly_digest is True
    response = client.post(f"/unsubscribe/{token}/")
    assert "no longer receives your weekly SSI summary" in response.content.decode()
    sales.refresh_from_db()
    assert emails.preferences(sales).weekly_digest is False
    assert emails.preferences(sales).alerts is True


@pytest.mark.django_db
def test_a_mail_clients_one_click_unsubscribe_works_without_a_csrf_token(sales):
    from django.test import Client

    token = emails.unsubscribe_token(sales, "alerts")
    response = Client(enforce_csrf_checks=True).post(
        f"/unsubscribe/{token}/", "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert NotificationPreference.objects.get(user=sales).alerts is False


@pytest.mark.django_db
def test_a_forged_unsubscribe_link_is_404(client, sales, peer):
    token = emails.unsubscribe_token(sales, "alerts")
    forged = token.replace(token[2], "x" if token[2] != "x" else "y", 1)
    assert client.post(f"/unsubscribe/{forged}/").status_code == 404
    assert client.post("/unsubscribe/not-a-token/").status_code == 404
    assert not NotificationPreference.objects.exists()


@pytest.mark.django_db
def test_a_person_chooses_their_emails_and_time_zone_in_settings(client, sales):
    client.force_login(sales)
    response = client.post("/settings/", {
        "action": "notifications", "notify-weekly_digest": "on", "notify-alerts": "",
        "notify-daily_reminder": "on", "notify-reminder_time": "08:30",
    })
    assert response.status_code == 302
    response = client.post("/settings/", {
        "action": "profile", "profile-name": sales.name, "profile-time_zone": "Europe/Paris",
    })
    assert response.status_code == 302
    choice = NotificationPreference.objects.get(user=sales)
    assert (choice.weekly_digest, choice.alerts, choice.daily_reminder, choice.reminder_time) == (
        True, False, True, dt.time(8, 30),
    )
    sales.refresh_from_db()
    assert sales.time_zone == "Europe/Paris"


def test_each_notification_beat_entry_expires_before_its_next_run():
    from ssi_dashboard.celery import app

    app.loader.import_default_modules()
    entries = {k: v for k, v in settings.CELERY_BEAT_SCHEDULE.items() if k.startswith("notifications-")}
    assert len(entries) == 4
    for entry in entries.values():
        assert entry["task"] in app.tasks
        assert 0.9 * entry["schedule"] <= entry["options"]["expires"] < entry["schedule"]


@pytest.mark.django_db(transaction=True)
def test_the_reminder_task_sends_through_a_real_worker(celery_worker, sales):
    from scoring.tasks import send_daily_reminders

    sales.time_zone = "UTC"
    sales.save()
    now = dt.datetime.now(dt.UTC)
    prefer(sales, daily_reminder=True, reminder_time=dt.time(now.hour, 0))
    send_daily_reminders.delay()
    # Results are not kept (CELERY_TASK_IGNORE_RESULT): wait for the sent-log row instead.
    deadline = time.monotonic() + 20
    while not NotificationLog.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert NotificationLog.objects.get().kind == "daily_reminder"
    assert [email.to for email in mail.outbox] == [["sales@example.com"]]


@pytest.mark.django_db
def test_only_managers_are_offered_the_team_summary(client, sales, manager):
    client.force_login(sales)
    assert "notify-team_digest" not in client.get("/settings/").content.decode()
    client.force_login(manager)
    assert "notify-team_digest" in client.get("/settings/").content.decode()
