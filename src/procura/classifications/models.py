"""Classification tables: CPV and UNSPSC codes, their search words, and units of measure."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from procura.classifications import domain


class Scheme(models.TextChoices):
    CPV = domain.CPV, _("CPV 2008 (Common Procurement Vocabulary)")
    UNSPSC = domain.UNSPSC, _("UNSPSC (United Nations Standard Products and Services Code)")


class Classification(models.Model):
    """One code of a classification scheme. `parent_code` and `level` follow from the code and
    are set when the codes are loaded; `parent_code` is "" at the top of the tree."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    scheme = models.CharField(_("scheme"), max_length=8, choices=Scheme.choices)
    code = models.CharField(_("code"), max_length=16)
    description = models.TextField(_("description"))
    parent_code = models.CharField(_("parent code"), max_length=16, blank=True)
    level = models.PositiveSmallIntegerField(_("level"))

    class Meta:
        db_table = "classifications_classification"
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="classifications_scheme_code_unique"),
        ]
        indexes = [
            # "This code and everything under it" is a LIKE 'prefix%' query; PostgreSQL only uses
            # an index for it with the pattern operator class (other databases ignore opclasses).
            models.Index(
                fields=["scheme", "code"],
                name="classifications_code_prefix",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["scheme", "parent_code"], name="classifications_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class ClassificationWord(models.Model):
    """The words of a description, one row each, so that searching by word is an indexed
    prefix match on both SQLite and PostgreSQL rather than a scan of every description."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    classification = models.ForeignKey(Classification, on_delete=models.CASCADE, related_name="words")
    word = models.CharField(max_length=domain.MAX_WORD_LENGTH)

    class Meta:
        db_table = "classifications_word"
        constraints = [
            models.UniqueConstraint(fields=["classification", "word"], name="classifications_word_unique"),
        ]
        indexes = [
            models.Index(fields=["word"], name="classifications_word_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.word


class Unit(models.Model):
    """A unit of measure, by its UN/CEFACT Recommendation 20 code (C62 one, KGM kilogram, ...).
    The units are created by a migration, so every database has them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(_("code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        db_table = "classifications_unit"
        ordering = ["name", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
