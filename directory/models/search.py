"""What search reads: denormalised documents, the vocabulary, and the content version that
cached counts are keyed on."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    """The denormalised text that search reads: one row per public organization, program or issue.

    Kept current by `directory.search.index`; the database builds its full-text index from
    these columns (an FTS5 table on SQLite, a generated tsvector on PostgreSQL; see the
    migrations). Only public content is ever written here.
    """

    class Kind(models.TextChoices):
        ORGANIZATION = "organization", _("Organization")
        PROGRAM = "program", _("Program")
        ISSUE = "issue", _("Issue")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    object_id = models.BigIntegerField()
    owner_id = models.BigIntegerField(
        null=True, help_text="The organization an organization's or program's document belongs to."
    )
    name = models.TextField(help_text="Name and alternate name: weighted highest.")
    summary = models.TextField(blank=True)
    related = models.TextField(blank=True, help_text="Program, issue and focus area names.")
    body = models.TextField(blank=True, help_text="Descriptions.")
    ngrams = models.TextField(
        blank=True,
        help_text="Hangul syllable bigrams and unigrams, so Korean matches inside words.",
    )
    facets = models.TextField(
        blank=True,
        help_text="An organization's facet values (type, issues, focus areas, countries), "
        "from which the counts of a search's results are read.",
    )
    version = models.BigIntegerField(
        null=True,
        help_text="The content version when it was written: an organization's card is "
        "cached under it, so a change re-renders only the cards of what it changed.",
    )

    class Meta:
        ordering = ["kind", "object_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"], name="directory_searchdocument_unique_object"
            )
        ]
        indexes = [models.Index(fields=["owner_id"], name="directory_searchdoc_owner")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


class SearchTerm(models.Model):
    """A word that occurs in the index, with how many documents hold it: the vocabulary
    that typo correction ("did you mean") picks from."""

    term = models.CharField(max_length=60, unique=True)
    documents = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term


class ContentVersion(models.Model):
    """A counter bumped in the same transaction as every change to public content.

    Cached counts (facets, totals) are keyed on it, so every process sees a change at once.
    """

    version = models.PositiveBigIntegerField(default=0)
    changed = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="directory_contentversion_single_row")
        ]

    def __str__(self) -> str:
        return f"content version {self.version}"


class FacetCount(models.Model):
    """How many published organizations hold a facet value, kept current per change.

    Facet values are the tokens of organizations' search documents (`type:nonprofit`,
    `issue:3`, `focus:5`, `country:FR`, `help:donate`). A row counts the organizations
    holding `value` among those holding `within`; an empty `within` means every published
    organization, an empty `value` the organizations holding `within` themselves. So the
    unfiltered list's counts are the rows within "", a list filtered on one value reads
    the rows within that value, and their totals are the rows whose value is "": no request
    counts the directory. `directory.facets` reads and adjusts them; the search index calls
    it whenever it rewrites organizations' documents, in the same transaction.
    """

    within = models.CharField(max_length=80, blank=True)
    value = models.CharField(max_length=80, blank=True)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["within", "value"], name="directory_facetcount_pair")
        ]

    def __str__(self) -> str:
        return f"{self.value or 'all'} within {self.within or 'all'}: {self.count}"


class FacetMember(models.Model):
    """A published organization holds a facet value: one row per organization and token
    (`issue:3`, `country:FR`, ...), as its search document's `facets` lists them.

    What the filters read: "organizations addressing issue 3" is the rows of `issue:3`,
    found in the (token, organization) index, whatever the rule that put them there
    (`directory.facets` states it). Written with the documents, in the same transaction.
    """

    organization = models.ForeignKey(
        "directory.Organization", on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(max_length=80)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["token", "organization"], name="directory_facetmember_token_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} holds {self.token}"
