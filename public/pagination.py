"""Paging through an archive without counting it, as news sites do (newer / older).

Django's Paginator counts every matching row to know the number of pages; on a large
archive that count is the slowest part of a list page and grows with the archive. Here
a page reads one row more than it shows, which says whether an older page exists.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator


class ArchivePage(Page):
    def __init__(self, object_list, number: int, paginator: Paginator, more: bool) -> None:
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def end_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)


class ArchivePaginator(Paginator):
    """A paginator that never counts: ``page()`` costs one query, whatever the archive size.

    ``count`` and ``num_pages`` are unknown (None); templates show "Page N" then.
    """

    count = None
    num_pages = None

    def validate_number(self, number) -> int:
        try:
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger("That page number is not an integer.") from error
        if number < 1:
            raise EmptyPage("That page number is less than 1.")
        return number

    def page(self, number) -> ArchivePage:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage("That page contains no results.")
        return ArchivePage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)
