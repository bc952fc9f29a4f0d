"""Dependency agreements (/api/v1/agreements/): read those the token's authorities are party to (all for the
secretariat), and take their steps through agreements.services, as the agreement pages do: the same sides
(the requester asks, accepts and re-asks; the provider commits, proposes and declines; a third authority
does nothing), the same refusals, every step recorded with the token's user."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from agreements import services
from agreements.models import Agreement
from initiatives.models import Dependency

from . import serializers


class StateConflict(Exception):
    """The agreement's state does not allow the step (409)."""


def _parsed(serializer_class, request) -> dict:
    """The body as the step's serializer reads it; a field it does not take is refused, naming it."""
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    unknown = sorted(set(request.data) - set(body.fields)) if isinstance(request.data, dict) else []
    if unknown:
        raise ValidationError({name: [_("This field cannot be given here.")] for name in unknown})
    return body.validated_data


def _through_service(step, **arguments) -> Agreement:
    """Run the service's step, its refusals as the API's: 403 for the wrong side, 409 for the wrong state,
    400 naming the field for anything else."""
    try:
        return step(**arguments)
    except DjangoPermissionDenied as refused:
        raise PermissionDenied(str(refused)) from None
    except DjangoValidationError as refused:
        errors = refused.message_dict if hasattr(refused, "error_dict") else {"__all__": refused.messages}
        if set(errors) == {"state"}:
            raise StateConflict(" ".join(errors["state"])) from None
        raise ValidationError({("non_field_errors" if name == "__all__" else name): messages
                               for name, messages in errors.items()}) from None


STEP_RESPONSES = serializers.AgreementSerializer  # 409 and the other errors: api.schema


class AgreementViewSet(viewsets.ReadOnlyModelViewSet):
    """Agreements on dependencies across authorities. POST asks for one (as the dependant's lead); each step is
    a POST to `/agreements/{id}/<step>/`. A step the agreement's state does not allow answers 409."""

    serializer_class = serializers.AgreementSerializer
    filterset_fields = ["state", "dependency"]
    ordering_fields = ["id", "needed_by", "requested_at", "updated_at"]

    def get_queryset(self):
        return Agreement.objects.visible_to(self.request.user).with_parties()

    def handle_exception(self, exc):
        if isinstance(exc, StateConflict):
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)

    def _answer(self, agreement: Agreement, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=agreement.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=serializers.AgreementRequestSerializer,
                   responses={201: serializers.AgreementSerializer})
    def create(self, request):
        """Ask the provider's lead for what is needed by a date: `dependency` is one of the token's own
        initiatives' dependencies on another authority's initiative."""
        body = _parsed(serializers.AgreementRequestSerializer, request)
        dependency = Dependency.objects.visible_to(request.user).filter(pk=body["dependency"]).first()
        if dependency is None:
            raise ValidationError({"dependency": [_("There is no dependency with this id among those you may read.")]})
        agreement = _through_service(services.agreement_request, dependency=dependency, user=request.user,
                                     needed_by=body["needed_by"], what_needed=body["what_needed"])
        return self._answer(agreement, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.AgreementCommitSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def commit(self, request, pk=None):
        """The provider promises a date (which may be later than needed)."""
        body = _parsed(serializers.AgreementCommitSerializer, request)
        return self._answer(_through_service(services.agreement_commit, agreement=self.get_object(),
                                             user=request.user, **body))

    @extend_schema(request=serializers.AgreementProposeSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def propose(self, request, pk=None):
        """The provider proposes another date, saying why."""
        body = _parsed(serializers.AgreementProposeSerializer, request)
        return self._answer(_through_service(services.agreement_propose, agreement=self.get_object(),
                                             user=request.user, **body))

    @extend_schema(request=serializers.AgreementAcceptSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def accept(self, request, pk=None):
        """The requester accepts the commitment or the proposed date."""
        _parsed(serializers.AgreementAcceptSerializer, request)
        return self._answer(_through_service(services.agreement_accept, agreement=self.get_object(),
                                             user=request.user))

    @extend_schema(request=serializers.AgreementDeclineSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def decline(self, request, pk=None):
        """The provider declines a request, or the requester a proposed date; a reason is required."""
        body = _parsed(serializers.AgreementDeclineSerializer, request)
        return self._answer(_through_service(services.agreement_decline, agreement=self.get_object(),
                                             user=request.user, **body))

    @extend_schema(request=serializers.AgreementReopenSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def reopen(self, request, pk=None):
        """Either side puts the agreement back to requested; only the requester may change what is asked."""
        body = _parsed(serializers.AgreementReopenSerializer, request)
        return self._answer(_through_service(services.agreement_reopen, agreement=self.get_object(),
                                             user=request.user, **body))


