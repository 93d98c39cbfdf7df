from django.core.management.base import BaseCommand

from projects.tasks import send_reminders


class Command(BaseCommand):
    help = "Remind lead units of milestones due within a week or overdue (what the daily beat task does)."

    def handle(self, *args, **options):
        sent = send_reminders()
        self.stdout.write(f"sent {sent} reminder(s)")
