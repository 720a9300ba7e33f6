"""Causeway's domain, one module per concern; import models from here."""

from directory.models.base import MAX_YEAR, MIN_YEAR
from directory.models.contributions import Correction, LinkCheck, ReviewStatus, Suggestion
from directory.models.harvest import Feed, HarvestConflict, HarvestedListing
from directory.models.listings import (
    Organization,
    OrganizationIdentifier,
    OrganizationQuerySet,
    Program,
)
from directory.models.opportunities import Opportunity, Skill
from directory.models.search import (
    ContentVersion,
    FacetCount,
    FacetMember,
    SearchDocument,
    SearchTerm,
)
from directory.models.taxonomy import Country, FocusArea, Issue, KeyFact, Source
from directory.models.verification import Verification

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "ContentVersion",
    "Correction",
    "Country",
    "FacetCount",
    "FacetMember",
    "Feed",
    "FocusArea",
    "HarvestConflict",
    "HarvestedListing",
    "Issue",
    "KeyFact",
    "LinkCheck",
    "Opportunity",
    "Organization",
    "OrganizationIdentifier",
    "OrganizationQuerySet",
    "Program",
    "ReviewStatus",
    "SearchDocument",
    "SearchTerm",
    "Skill",
    "Source",
    "Suggestion",
    "Verification",
]
