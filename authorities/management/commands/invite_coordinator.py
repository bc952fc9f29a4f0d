from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from authorities.services import INVITATION_LANGUAGES, coordinator_invite, find_authority_by_code_or_name


class Command(BaseCommand):
    help = "Make a person a coordinator for an authority and email them a link to set a password."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="The coordinator's email address (also their user name).")
        parser.add_argument(
            "--authority", required=True, help='Official code (e.g. 0101) or exact name ("Digitaliseringsstyrelsen").'
        )
        parser.add_argument("--language", choices=INVITATION_LANGUAGES, default="da", help="Language of the email.")

    def handle(self, *args, email, authority, language, **options):
        try:
            found = find_authority_by_code_or_name(authority)
            invitation = coordinator_invite(email=email, authority=found, language=language)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        verb = "Created" if invitation.created_user else "Updated"
        self.stdout.write(f"{verb} user {invitation.user.get_username()}: coordinator for {found.name_da}.")
        self.stdout.write(f"Invitation emailed to {invitation.user.email} ({language}).")
