from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import agreements, summaries, tokens, views

app_name = "api"

router = DefaultRouter()
router.register("strategies", views.StrategyViewSet, basename="strategy")
router.register("focus-areas", views.FocusAreaViewSet, basename="focus-area")
router.register("authorities", views.AuthorityViewSet, basename="authority")
router.register("initiatives", views.InitiativeViewSet, basename="initiative")
router.register("participations", views.ParticipationViewSet, basename="participation")
router.register("dependencies", views.DependencyViewSet, basename="dependency")
router.register("milestones", views.MilestoneViewSet, basename="milestone")
router.register("agreements", agreements.AgreementViewSet, basename="agreement")
router.register("risks", views.RiskViewSet, basename="risk")
router.register("cycles", views.CycleViewSet, basename="cycle")
router.register("reports", views.StatusReportViewSet, basename="report")
router.register("funding-shares", views.FundingShareViewSet, basename="funding-share")
router.register("benefits", views.BenefitViewSet, basename="benefit")
router.register("summaries/initiatives", summaries.InitiativeSummaryViewSet, basename="initiative-summary")
router.register("summaries/authorities", summaries.AuthoritySummaryViewSet, basename="authority-summary")
router.register("summaries/pairs", summaries.AuthorityPairSummaryViewSet, basename="pair-summary")
router.register("summaries/levels", summaries.LevelMatrixViewSet, basename="level-summary")

urlpatterns = [
    path("v1/summaries/freshness/", views.freshness, name="freshness"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view loads Swagger UI's script from its own address: no inline script for the CSP to refuse.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("tokens/", tokens.token_list, name="tokens"),
    path("tokens/<str:token_key>/revoke/", tokens.token_revoke, name="token_revoke"),
]
