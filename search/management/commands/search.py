"""`manage.py search "QUERY" --user USERNAME [--json]`: search as a person, for
operators. The same service and permissions as the search page."""

import json

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from search.services import FILTER_KEYS, search


class Command(BaseCommand):
    help = "Search the documents a person may open, as that person."

    def add_arguments(self, parser):
        parser.add_argument("query", help="What to search for, as typed in the box.")
        parser.add_argument("--user", required=True, help="Login of the person.")
        parser.add_argument("--json", action="store_true", help="Print JSON.")
        parser.add_argument(
            "--sort", choices=["relevance", "date"], default="relevance"
        )
        parser.add_argument("--limit", type=int, default=20)
        parser.add_argument("--cursor", default=None, help="next_cursor of a page.")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help=f"A filter, repeatable; names: {', '.join(FILTER_KEYS)}.",
        )

    def handle(self, *args, **o) -> None:
        user = get_user_model().objects.filter(username=o["user"]).first()
        if user is None:
            raise CommandError(f"no person with the login {o['user']!r}")
        filters: dict[str, list[str] | str] = {}
        for item in o["filter"]:
            name, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"a filter is NAME=VALUE, not {item!r}")
            if name in ("date_from", "date_to"):
                filters[name] = value
            else:
                filters.setdefault(name, []).append(value)
        try:
            results = search(
                user=user,
                query=o["query"],
                filters=filters,
                sort=o["sort"],
                cursor=o["cursor"],
                limit=o["limit"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        if o["json"]:
            data = {
                "total": results.total,
                "message": results.message,
                "next_cursor": results.next_cursor,
                "hits": [
                    {
                        "id": h.id,
                        "title": h.title,
                        "number": h.number_notation,
                        "score": round(h.score, 4),
                        "snippet": h.snippet,
                    }
                    for h in results.hits
                ],
                "facets": {
                    name: {f.value: f.count for f in values}
                    for name, values in results.facets.items()
                },
            }
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        if results.message:
            self.stdout.write(results.message)
        self.stdout.write(f"{results.total} document(s)")
        for h in results.hits:
            self.stdout.write(f"{h.id:>8}  {h.score:7.2f}  {h.title}")
        if results.next_cursor:
            self.stdout.write(f"next page: --cursor {results.next_cursor}")
