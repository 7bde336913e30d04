"""Organisation identifiers (mã định danh) of QCVN 102:2016 / QĐ 20/2020/QĐ-TTg.

Format `V1V2V3.Z1Z2.Y1Y2.<cấp 1>`: 13 characters, four groups for levels 4, 3, 2 and
1 read right to left. Level 1 is a letter and two digits (`G##` central bodies, `H##`
provinces); a zero group means "no such level", and a lower level exists only under
a higher one (`000.00.18.G12` is level 2 under `000.00.00.G12`)."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

IDENTIFIER_RE = re.compile(r"^(\d{3})\.(\d{2})\.(\d{2})\.([A-Z]\d{2})$")


@dataclass(frozen=True)
class OrganisationIdentifier:
    level4: str
    level3: str
    level2: str
    level1: str

    @property
    def level(self) -> int:
        """1 for `000.00.00.H49`, 2 for `000.00.05.H49`, and so on."""
        if self.level4 != "000":
            return 4
        if self.level3 != "00":
            return 3
        if self.level2 != "00":
            return 2
        return 1

    def __str__(self) -> str:
        return f"{self.level4}.{self.level3}.{self.level2}.{self.level1}"

    def parts_from_top(self) -> list[str]:
        return [self.level1, self.level2, self.level3, self.level4]


def parse_identifier(value: str) -> OrganisationIdentifier:
    """Parse and check a mã định danh; raise ValidationError saying what is expected."""
    value = (value or "").strip().upper()
    match = IDENTIFIER_RE.match(value)
    if not match:
        raise ValidationError(
            _(
                "“%(value)s” is not a valid organisation identifier (mã định danh): "
                "expected 13 characters in the form 000.00.00.H49."
            ),
            code="identifier_format",
            params={"value": value},
        )
    ident = OrganisationIdentifier(*match.groups())
    zero = {"level4": "000", "level3": "00", "level2": "00"}
    # A lower level may only be set when every higher level is set.
    if (ident.level4 != zero["level4"] and ident.level3 == zero["level3"]) or (
        ident.level3 != zero["level3"] and ident.level2 == zero["level2"]
    ):
        raise ValidationError(
            _(
                "“%(value)s” is not a valid organisation identifier (mã định danh): "
                "a lower level is set while a higher level is 0."
            ),
            code="identifier_levels",
            params={"value": value},
        )
    return ident


def validate_identifier(value: str) -> None:
    parse_identifier(value)


def check_identifier_under(child: str, parent: str) -> None:
    """A child organisation's identifier keeps its parent's groups and goes deeper.

    Not necessarily by one level: since the 2025 two-tier reform communes sit right
    under the province while keeping identifiers made when districts existed."""
    c, p = parse_identifier(child), parse_identifier(parent)
    c_parts, p_parts = c.parts_from_top(), p.parts_from_top()
    if c.level <= p.level or c_parts[: p.level] != p_parts[: p.level]:
        raise ValidationError(
            _(
                "The identifier %(child)s does not belong under the parent "
                "organisation %(parent)s: it must keep the parent's groups and add "
                "a lower level."
            ),
            code="identifier_parent",
            params={"child": str(c), "parent": str(p)},
        )
