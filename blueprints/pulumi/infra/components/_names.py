"""Names that fit by construction: every physical name AWS will see stays within its limits.

Two kinds of names reach AWS:

* **Physical names the program sets** (``physical_name``): ``<project>-<stack>-<name>``,
  stable per stack and distinct between stacks, so people, dashboards and log paths can
  find the resource (RDS identifiers, the ECS cluster and services...).
* **Autonames** the Pulumi AWS provider makes up when the program sets none:
  ``<logical name>-<7 random chars>``, cut to nothing: the provider refuses a logical name
  that leaves no room ("name 'x-' plus 7 random chars is longer than maximum length 32").
  ``fitting_logical_name`` returns a logical name that leaves the room.

Both keep a short name unchanged and shorten a long one to a readable prefix and a hash
of the whole, so two long names stay distinct and the same input always gives the same
name (a changed name would replace the resource).
"""

from __future__ import annotations

import hashlib
import re

import pulumi

AUTONAME_SUFFIX = 8
"""What Pulumi's autoname appends: a hyphen and 7 random hex characters."""
HASH_LENGTH = 7


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_LENGTH]


def shorten(text: str, max_length: int, *, keep_suffix: str = "") -> str:
    """``text`` if it fits ``max_length``, else its head, a hash of all of it, and ``keep_suffix``.

    ``keep_suffix`` (``-tg-alt``) stays readable at the end, so siblings that differ only
    there remain tellable apart.
    """
    if len(text) <= max_length:
        return text
    room = max_length - len(keep_suffix) - HASH_LENGTH - 1
    if room < 1:
        raise ValueError(f"no room for a readable prefix in {max_length} characters: {text!r}")
    head = (
        text[: len(text) - len(keep_suffix)] if keep_suffix and text.endswith(keep_suffix) else text
    )
    return f"{head[:room].rstrip('-')}-{_digest(text)}{keep_suffix}"


def fitting_logical_name(base: str, *, max_length: int, keep_suffix: str = "") -> str:
    """A logical name whose Pulumi autoname fits a type's ``max_length`` (32 for target groups)."""
    return shorten(base, max_length - AUTONAME_SUFFIX, keep_suffix=keep_suffix)


def _clean(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _cut(cleaned: str, full: str, max_length: int) -> str:
    """``cleaned`` if it fits, else its head and a hash of ``full`` in ``max_length``."""
    if len(cleaned) <= max_length:
        return cleaned
    return f"{cleaned[: max_length - HASH_LENGTH - 1].rstrip('-')}-{_digest(full)}"


def physical_name(name: str, *, max_length: int = 63, avoid_prefixes: tuple[str, ...] = ()) -> str:
    """``shop``, ``prod``, ``db`` -> ``shop-prod-db``: stable per stack, distinct between stacks.

    Lowercase letters, digits and single hyphens, starting with a letter (what RDS,
    DocumentDB, ElastiCache, load balancers and ECS all accept). A name longer than
    ``max_length`` is cut and ends in a hash of the whole; a name that would begin with one
    of ``avoid_prefixes`` (``internal-`` for load balancers) is prefixed with ``x-``.
    """
    full = (
        f"{pulumi.get_project()}-{pulumi.get_stack()}-{name}"
        if name
        else (f"{pulumi.get_project()}-{pulumi.get_stack()}")
    )
    cleaned = _clean(full)
    if not cleaned[:1].isalpha() or cleaned.startswith(avoid_prefixes):
        cleaned = f"x-{cleaned}"
    return _cut(cleaned, full, max_length)


RULE_NAME_MAX = 64
"""EventBridge PutRule: a rule name is 1-64 letters, digits, dots, hyphens, underscores."""
RULE_PREFIX_WHOLE_MAX = RULE_NAME_MAX - HASH_LENGTH - 1
"""56: the longest stack prefix a cut rule name (``<56 characters>-<hash>``) still begins
with, followed by a hyphen (its own, or the one before the hash)."""
RULE_PREFIX_SHORT = 32
"""A longer stack prefix becomes ``<24 characters>-<hash>``, leaving the rule's own name room."""


def rule_prefix() -> str:
    """What every EventBridge rule name of this stack begins with, before a hyphen.

    ``<project>-<stack>`` when a cut rule name keeps it whole (56 characters at most), else
    cut to 32 characters with a hash. The alert topics' and key's policies admit
    ``rule/<rule_prefix()>-*``: every name ``rule_name`` makes matches, whatever the
    length of the app and stack names.
    """
    whole = physical_name("", max_length=255)
    if len(whole) <= RULE_PREFIX_WHOLE_MAX:
        return whole
    return physical_name("", max_length=RULE_PREFIX_SHORT)


def rule_name(name: str) -> str:
    """``<rule_prefix()>-<name>``, cut to EventBridge's 64 characters with a hash of the whole.

    With a whole prefix this is ``physical_name(name, max_length=64)``; the cut keeps the
    prefix and its hyphen, so the name matches ``<rule_prefix()>-*``.
    """
    full = f"{pulumi.get_project()}-{pulumi.get_stack()}-{name}"
    return _cut(f"{rule_prefix()}-{_clean(name)}", full, RULE_NAME_MAX)


def original_name(name: str, opts: pulumi.ResourceOptions | None) -> str:
    """The name a component was first created under: after a rename, its alias's name.

    A component renamed in the spec (``renamed_from``) gets ``aliases=[Alias(name=old)]``,
    which keeps its Pulumi resources; its physical names (identifiers, log group paths,
    task families) keep deriving from the old name too, since changing them would replace
    the resources that carry them (a DocumentDB cluster identifier forces a new cluster).
    """
    for alias in (opts.aliases or []) if opts is not None else []:
        if isinstance(alias, pulumi.Alias) and isinstance(alias.name, str):
            return alias.name
    return name
